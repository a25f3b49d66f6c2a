/* flux--0.1.0--0.2.0.sql: the model, RPLS loading, the assiette and the forecast flux */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION flux UPDATE TO '0.2.0'" to load this file. \quit

--------------------------------------------------------------------------
-- 0. Fixes to 0.1.0
--------------------------------------------------------------------------

-- the schema is usable by every role; what each role may read or change is
-- granted table by table (and, later, by row-level security)
GRANT USAGE ON SCHEMA flux TO PUBLIC;

-- hash partitioning needs the extended hash support function
CREATE FUNCTION flux.taux_hash_extended(flux.taux, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'flux_taux_hash_extended'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION flux.taux_hash_extended(flux.taux, bigint) IS 'Extended hash support for flux.taux (hash partitioning)';
ALTER OPERATOR FAMILY flux.taux_hash_ops USING hash
	ADD FUNCTION 2 flux.taux_hash_extended(flux.taux, bigint);

--------------------------------------------------------------------------
-- 1. Reference data: RPLS codes with their French labels (owned by flux)
--------------------------------------------------------------------------

CREATE TABLE flux.rpls_finan (
	finan		smallint PRIMARY KEY,
	libelle		text NOT NULL,
	avant_1977	boolean NOT NULL
);
COMMENT ON TABLE flux.rpls_finan IS 'RPLS FINAN codes: initial financing of a unit, with its French label';
COMMENT ON COLUMN flux.rpls_finan.finan IS 'RPLS FINAN code';
COMMENT ON COLUMN flux.rpls_finan.libelle IS 'French label';
COMMENT ON COLUMN flux.rpls_finan.avant_1977 IS 'A financing of before the 1977 reform (HBM, PLR/PSR, HLM/O, ILM, ILN...)';

INSERT INTO flux.rpls_finan VALUES
	(10, 'PLA-I (PLAI)', false), (11, 'PLA LM / PLA TS', false), (12, 'PLA ordinaire', false),
	(13, 'PLUS', false), (14, 'PLS / PPLS / PCLS', false), (15, 'PAP locatif', false),
	(16, 'PLI', false), (17, 'PCL', false), (49, 'Autre financement après 1977', false),
	(50, 'HBM', true), (51, 'PLR / PSR', true), (52, 'HLM/O', true), (53, 'ILM', true),
	(54, 'ILN', true), (55, 'CFF', true), (99, 'Autre financement avant 1977', true);

CREATE TABLE flux.rpls_contreslog (
	contreslog	smallint PRIMARY KEY,
	libelle		text NOT NULL
);
COMMENT ON TABLE flux.rpls_contreslog IS 'RPLS CONTRESLOG codes: the contingent a unit is reserved to in stock';
COMMENT ON COLUMN flux.rpls_contreslog.contreslog IS 'RPLS CONTRESLOG code';
COMMENT ON COLUMN flux.rpls_contreslog.libelle IS 'French label';

INSERT INTO flux.rpls_contreslog VALUES
	(1, 'État (agents)'), (2, 'État (ménages prioritaires)'), (3, 'Action Logement'),
	(4, 'Collectivités territoriales et EPCI'), (5, 'État (agents, conventions R.314-x)'),
	(6, 'Autres réservataires'), (7, 'Non réservé');

--------------------------------------------------------------------------
-- 2. Enumerations
--------------------------------------------------------------------------

CREATE TYPE flux.famille_bailleur AS ENUM ('oph', 'esh', 'sem', 'coop', 'autre');
COMMENT ON TYPE flux.famille_bailleur IS
	'Kind of bailleur: office public (oph), entreprise sociale (esh), société d''économie mixte (sem: only APL-conventionné units count), coopérative (coop), autre';

CREATE TYPE flux.categorie_reservataire AS ENUM (
	'etat', 'etat_agents', 'commune', 'epci', 'departement', 'action_logement',
	'employeur', 'organisme_desinteresse', 'autre');
COMMENT ON TYPE flux.categorie_reservataire IS
	'Category of réservataire: the State (priority households / its agents), communes, EPCI, départements, Action Logement, employers, non-profit bodies, other';

CREATE TYPE flux.regime AS ENUM ('stock', 'flux');
COMMENT ON TYPE flux.regime IS 'How a convention''s rights are managed: tied units (stock) or a share of the yearly flow (flux)';

CREATE TYPE flux.mode_gestion AS ENUM ('directe', 'deleguee');
COMMENT ON TYPE flux.mode_gestion IS
	'Who designates candidates: the réservataire (directe) or the bailleur on its behalf (deleguee)';

CREATE TYPE flux.evenement_decompte AS ENUM ('orientation', 'attribution', 'bail');
COMMENT ON TYPE flux.evenement_decompte IS
	'What counts as one unit for a convention: the orientation, the CALEOL attribution or the signed lease';

CREATE TYPE flux.motif_exclusion AS ENUM (
	'defense', 'securite_interieure', 'sante', 'vente', 'demolition',
	'plai_adapte', 'gens_du_voyage');
COMMENT ON TYPE flux.motif_exclusion IS
	'Why a unit of the parc concerné is excluded from the flux (B): reserved for national defence, internal security or public health; in the sales plan; to be demolished; or, by local charter option, PLAI adapté and gens du voyage units';

CREATE TYPE flux.motif_hors_champ AS ENUM (
	'logement_foyer', 'residence_sociale', 'residence_universitaire', 'intermediaire');
COMMENT ON TYPE flux.motif_hors_champ IS
	'Units never concerned by the flux: logements-foyers, résidences sociales/services, student residences, intermediate housing (PLI/LLI)';

CREATE TYPE flux.definition_rotation AS ENUM ('relocations', 'emmenagements', 'disponibles');
COMMENT ON TYPE flux.definition_rotation IS
	'The three ANCOLS definitions of the rotation rate: relettings of units in the stock for 2 years or more (relocations), households moving in (emmenagements), units available including new ones (disponibles)';

--------------------------------------------------------------------------
-- 3. Territory helpers (pure)
--------------------------------------------------------------------------

CREATE FUNCTION flux.departement_de(depcom text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN CASE WHEN depcom LIKE '97%' THEN pg_catalog.substr(depcom, 1, 3)
				ELSE pg_catalog.substr(depcom, 1, 2) END;
COMMENT ON FUNCTION flux.departement_de(text) IS
	'Département of an INSEE commune code: ''69381'' -> ''69'', ''2A004'' -> ''2A'', ''97411'' -> ''974''';

--------------------------------------------------------------------------
-- 4. Tables of the model (user data: kept by pg_dump)
--------------------------------------------------------------------------

-- communes: the territory, with their EPCI; filled by the DBA (INSEE COG)
CREATE TABLE flux.commune (
	depcom		text PRIMARY KEY
				CONSTRAINT commune_depcom_format CHECK (depcom ~ '^([0-9]{5}|2[AB][0-9]{3})$'),
	nom			text NOT NULL,
	epci		text CONSTRAINT commune_epci_format CHECK (epci ~ '^[0-9]{9}$'),
	departement	text NOT NULL GENERATED ALWAYS AS (flux.departement_de(depcom)) STORED,
	zone_tendue	boolean NOT NULL DEFAULT false
);
CREATE INDEX ON flux.commune (epci);
COMMENT ON TABLE flux.commune IS 'Communes (INSEE code DEPCOM) with their EPCI; the territory conventions and bilans refer to';
COMMENT ON COLUMN flux.commune.depcom IS 'INSEE commune code (RPLS DEPCOM); Paris, Lyon, Marseille by arrondissement';
COMMENT ON COLUMN flux.commune.nom IS 'Name of the commune';
COMMENT ON COLUMN flux.commune.epci IS 'SIREN of the EPCI the commune belongs to (RPLS EPCI)';
COMMENT ON COLUMN flux.commune.departement IS 'Département, derived from the code';
COMMENT ON COLUMN flux.commune.zone_tendue IS 'In a zone tendue: a réservataire then has at most one month to propose candidates';

CREATE TABLE flux.bailleur (
	id			bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	siren		text NOT NULL UNIQUE CONSTRAINT bailleur_siren_format CHECK (siren ~ '^[0-9]{9}$'),
	nom			text NOT NULL,
	famille		flux.famille_bailleur NOT NULL
);
COMMENT ON TABLE flux.bailleur IS 'Social landlords (organismes de logement social) whose stock is managed';
COMMENT ON COLUMN flux.bailleur.id IS 'Surrogate key';
COMMENT ON COLUMN flux.bailleur.siren IS 'SIREN number (9 digits)';
COMMENT ON COLUMN flux.bailleur.nom IS 'Name';
COMMENT ON COLUMN flux.bailleur.famille IS 'OPH, ESH, SEM (only APL-conventionné units count), coop, autre';

CREATE TABLE flux.reservataire (
	id			bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	nom			text NOT NULL,
	categorie	flux.categorie_reservataire NOT NULL,
	siren		text CONSTRAINT reservataire_siren_format CHECK (siren ~ '^[0-9]{9}$'),
	depcom		text REFERENCES flux.commune,
	epci		text CONSTRAINT reservataire_epci_format CHECK (epci ~ '^[0-9]{9}$'),
	departement	text CONSTRAINT reservataire_departement_format
				CHECK (departement ~ '^([0-9]{2}|2[AB]|97[1-6])$'),
	UNIQUE (nom, categorie),
	-- a collectivity is known by its territory
	CONSTRAINT reservataire_commune_territoire
		CHECK (categorie <> 'commune' OR depcom IS NOT NULL),
	CONSTRAINT reservataire_epci_territoire
		CHECK (categorie <> 'epci' OR epci IS NOT NULL),
	CONSTRAINT reservataire_departement_territoire
		CHECK (categorie <> 'departement' OR departement IS NOT NULL)
);
COMMENT ON TABLE flux.reservataire IS 'Holders of reservation rights: the State, collectivities, Action Logement, employers, non-profit bodies';
COMMENT ON COLUMN flux.reservataire.id IS 'Surrogate key';
COMMENT ON COLUMN flux.reservataire.nom IS 'Name';
COMMENT ON COLUMN flux.reservataire.categorie IS 'Category (flux.categorie_reservataire)';
COMMENT ON COLUMN flux.reservataire.siren IS 'SIREN number, when it has one';
COMMENT ON COLUMN flux.reservataire.depcom IS 'For a commune: its INSEE code (its territory)';
COMMENT ON COLUMN flux.reservataire.epci IS 'For an EPCI: its SIREN (its territory is its communes)';
COMMENT ON COLUMN flux.reservataire.departement IS 'For a département: its code';

CREATE TABLE flux.convention (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id		bigint NOT NULL REFERENCES flux.bailleur,
	reservataire_id	bigint NOT NULL REFERENCES flux.reservataire,
	reference		text,
	departement		text NOT NULL CONSTRAINT convention_departement_format
					CHECK (departement ~ '^([0-9]{2}|2[AB]|97[1-6])$'),
	communes		text[] CONSTRAINT convention_communes_non_vides
					CHECK (communes IS NULL OR (cardinality(communes) > 0 AND array_position(communes, NULL) IS NULL)),
	regime			flux.regime NOT NULL DEFAULT 'flux',
	mode			flux.mode_gestion NOT NULL DEFAULT 'directe',
	taux			flux.taux,
	evenement		flux.evenement_decompte NOT NULL DEFAULT 'bail',
	date_signature	date,
	date_effet		date NOT NULL,
	date_fin		date,
	reconduction_tacite boolean NOT NULL DEFAULT false,
	date_transmission_prefet date,
	date_transmission_epci date,
	-- deadlines: the seeds' defaults (Publier art. 5.3; Ornex art. 6; law)
	delai_reponse_jo	integer NOT NULL DEFAULT 2 CHECK (delai_reponse_jo BETWEEN 0 AND 60),
	silence_vaut_acceptation boolean NOT NULL DEFAULT true,
	delai_designation_jo integer NOT NULL DEFAULT 15 CHECK (delai_designation_jo BETWEEN 1 AND 120),
	delai_designation_max_mois integer NOT NULL DEFAULT 1 CHECK (delai_designation_max_mois BETWEEN 1 AND 12),
	delai_impossibilite_jo integer NOT NULL DEFAULT 5 CHECK (delai_impossibilite_jo BETWEEN 0 AND 60),
	candidats_max	integer NOT NULL DEFAULT 3 CHECK (candidats_max BETWEEN 1 AND 10),
	candidats_max_dalo integer NOT NULL DEFAULT 1 CHECK (candidats_max_dalo BETWEEN 1 AND 10),
	delai_reponse_menage_jours integer NOT NULL DEFAULT 10 CHECK (delai_reponse_menage_jours BETWEEN 1 AND 60),
	report_jour_ouvre boolean NOT NULL DEFAULT true,
	CONSTRAINT convention_dates CHECK (date_fin IS NULL OR date_fin > date_effet),
	CONSTRAINT convention_signature CHECK (date_signature IS NULL OR date_signature <= date_effet),
	-- a flux convention is a share; a stock convention ties units and has none
	CONSTRAINT convention_flux_taux CHECK ((regime = 'flux') = (taux IS NOT NULL))
);
CREATE INDEX ON flux.convention (bailleur_id, departement);
CREATE INDEX ON flux.convention (reservataire_id);
COMMENT ON TABLE flux.convention IS 'Conventions de réservation: one per bailleur x réservataire x département (optionally restricted to communes)';
COMMENT ON COLUMN flux.convention.id IS 'Surrogate key';
COMMENT ON COLUMN flux.convention.bailleur_id IS 'The bailleur';
COMMENT ON COLUMN flux.convention.reservataire_id IS 'The réservataire';
COMMENT ON COLUMN flux.convention.reference IS 'The parties'' reference of the convention';
COMMENT ON COLUMN flux.convention.departement IS 'Département the convention covers';
COMMENT ON COLUMN flux.convention.communes IS 'INSEE codes the convention is restricted to (a collectivity''s territory, a justified employer need); NULL = the whole département';
COMMENT ON COLUMN flux.convention.regime IS 'stock (tied units, legacy) or flux (a share of the yearly flow)';
COMMENT ON COLUMN flux.convention.mode IS 'directe: the réservataire designates; deleguee: the bailleur designates for it';
COMMENT ON COLUMN flux.convention.taux IS 'Share of the yearly flow (flux conventions only)';
COMMENT ON COLUMN flux.convention.evenement IS 'What counts as one unit: orientation, CALEOL attribution or signed lease';
COMMENT ON COLUMN flux.convention.date_signature IS 'Date signed';
COMMENT ON COLUMN flux.convention.date_effet IS 'First day in force';
COMMENT ON COLUMN flux.convention.date_fin IS 'First day no longer in force (NULL: open-ended)';
COMMENT ON COLUMN flux.convention.reconduction_tacite IS 'Renewed tacitly at its end';
COMMENT ON COLUMN flux.convention.date_transmission_prefet IS 'Date sent to the préfet';
COMMENT ON COLUMN flux.convention.date_transmission_epci IS 'Date sent to the EPCI president';
COMMENT ON COLUMN flux.convention.delai_reponse_jo IS 'Jours ouvrés for the réservataire to answer an orientation (Publier: 2)';
COMMENT ON COLUMN flux.convention.silence_vaut_acceptation IS 'No answer within the delay counts as acceptance (Publier)';
COMMENT ON COLUMN flux.convention.delai_designation_jo IS 'Jours ouvrés to designate candidates after acceptance (Publier: 15)';
COMMENT ON COLUMN flux.convention.delai_designation_max_mois IS 'Calendar months from the vacancy notice the designation may never exceed (law, zones tendues: 1)';
COMMENT ON COLUMN flux.convention.delai_impossibilite_jo IS 'Jours ouvrés to tell the bailleur it cannot designate (Ornex: 5)';
COMMENT ON COLUMN flux.convention.candidats_max IS 'Candidates per unit (3)';
COMMENT ON COLUMN flux.convention.candidats_max_dalo IS 'Candidates per unit for a DALO household (1)';
COMMENT ON COLUMN flux.convention.delai_reponse_menage_jours IS 'Days for the household to answer a proposal (10; silence = refusal)';
COMMENT ON COLUMN flux.convention.report_jour_ouvre IS 'A calendar-day deadline falling on a non-working day is carried to the next jour ouvré (CPC art. 642)';

-- logements: one row per unit, RPLS names and codes
CREATE TABLE flux.logement (
	id			bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id	bigint NOT NULL REFERENCES flux.bailleur,
	ident_rep	text UNIQUE CONSTRAINT logement_ident_rep_format CHECK (ident_rep ~ '^[0-9A-Z]{10}$'),
	ident_int	text NOT NULL CONSTRAINT logement_ident_int_non_vide CHECK (ident_int <> ''),
	depcom		text NOT NULL CONSTRAINT logement_depcom_format
				CHECK (depcom ~ '^([0-9]{5}|2[AB][0-9]{3})$'),
	departement	text NOT NULL GENERATED ALWAYS AS (flux.departement_de(depcom)) STORED,
	epci		text CONSTRAINT logement_epci_format CHECK (epci ~ '^[0-9]{9}$'),
	qpv			boolean NOT NULL,
	typeconst	char(1) NOT NULL CONSTRAINT logement_typeconst_code CHECK (typeconst IN ('C', 'I', 'E')),
	nbpiece		smallint NOT NULL CONSTRAINT logement_nbpiece_code CHECK (nbpiece BETWEEN 1 AND 9),
	surfhab		numeric(7, 2) CONSTRAINT logement_surfhab_positive CHECK (surfhab > 0),
	construct	smallint CONSTRAINT logement_construct_annee CHECK (construct BETWEEN 1800 AND 2100),
	locat		smallint CONSTRAINT logement_locat_annee CHECK (locat BETWEEN 1800 AND 2100),
	patrimoine	smallint CONSTRAINT logement_patrimoine_annee CHECK (patrimoine BETWEEN 1800 AND 2100),
	origine		smallint CONSTRAINT logement_origine_code CHECK (origine BETWEEN 1 AND 4),
	finan		smallint NOT NULL REFERENCES flux.rpls_finan,
	cus			smallint CONSTRAINT logement_cus_code CHECK (cus IN (11, 13, 14, 16)),
	conv		boolean NOT NULL,
	sortiepatrim smallint NOT NULL DEFAULT 9 CONSTRAINT logement_sortiepatrim_code
				CHECK (sortiepatrim IN (1, 2, 3, 4, 5, 9)),
	mode		smallint NOT NULL DEFAULT 1 CONSTRAINT logement_mode_code CHECK (mode IN (1, 2, 3, 4, 5, 9)),
	loyerprinc	numeric(9, 2) CONSTRAINT logement_loyerprinc_positif CHECK (loyerprinc >= 0),
	contreslog	smallint REFERENCES flux.rpls_contreslog,
	adresse		text,
	-- what flux needs beyond RPLS
	date_mise_en_service date,
	date_sortie	date,
	hors_champ	flux.motif_hors_champ,
	exclusion	flux.motif_exclusion,
	stock_reservataire_id bigint REFERENCES flux.reservataire,
	UNIQUE (bailleur_id, ident_int),
	CONSTRAINT logement_sortie_datee CHECK ((sortiepatrim = 9) = (date_sortie IS NULL)),
	CONSTRAINT logement_dates CHECK (date_sortie IS NULL OR date_mise_en_service IS NULL
									 OR date_sortie >= date_mise_en_service)
);
CREATE INDEX ON flux.logement (bailleur_id, departement);
CREATE INDEX ON flux.logement (depcom);
CREATE INDEX ON flux.logement (stock_reservataire_id) WHERE stock_reservataire_id IS NOT NULL;
COMMENT ON TABLE flux.logement IS 'Units of the bailleurs'' stock, with their RPLS columns (names and codes as in the RPLS file)';
COMMENT ON COLUMN flux.logement.id IS 'Surrogate key';
COMMENT ON COLUMN flux.logement.bailleur_id IS 'The bailleur that owns or manages the unit';
COMMENT ON COLUMN flux.logement.ident_rep IS 'RPLS IDENT_REP: the RPLS number (10 characters); NULL for a brand-new unit';
COMMENT ON COLUMN flux.logement.ident_int IS 'RPLS IDENT_INT: the bailleur''s own identifier of the unit';
COMMENT ON COLUMN flux.logement.depcom IS 'RPLS DEPCOM: INSEE code of the commune';
COMMENT ON COLUMN flux.logement.departement IS 'Département, derived from DEPCOM';
COMMENT ON COLUMN flux.logement.epci IS 'RPLS EPCI: SIREN of the EPCI';
COMMENT ON COLUMN flux.logement.qpv IS 'RPLS QPV: in a quartier prioritaire (QPV = 1)';
COMMENT ON COLUMN flux.logement.typeconst IS 'RPLS TYPECONST: C collectif, I individuel, E logement étudiant';
COMMENT ON COLUMN flux.logement.nbpiece IS 'RPLS NBPIECE: rooms, 1 to 9 (T1 to T9)';
COMMENT ON COLUMN flux.logement.surfhab IS 'RPLS SURFHAB: living area in m²';
COMMENT ON COLUMN flux.logement.construct IS 'RPLS CONSTRUCT: year of completion';
COMMENT ON COLUMN flux.logement.locat IS 'RPLS LOCAT: year of first letting in the social stock';
COMMENT ON COLUMN flux.logement.patrimoine IS 'RPLS PATRIMOINE: year the unit entered the bailleur''s stock';
COMMENT ON COLUMN flux.logement.origine IS 'RPLS ORIGINE: 1 construction, 2 acquisition with works, 3 without works, 4 VEFA';
COMMENT ON COLUMN flux.logement.finan IS 'RPLS FINAN: initial financing (flux.rpls_finan)';
COMMENT ON COLUMN flux.logement.cus IS 'RPLS CUS: resource ceiling, 11 PLAI, 13 PLUS, 14 PLS, 16 PLI';
COMMENT ON COLUMN flux.logement.conv IS 'RPLS CONV: APL-conventionné (CONV = 1)';
COMMENT ON COLUMN flux.logement.sortiepatrim IS 'RPLS SORTIEPATRIM: 1 sold to occupant, 2 to another social landlord, 3 other sale, 4 demolition, 5 other, 9 still in the stock';
COMMENT ON COLUMN flux.logement.mode IS 'RPLS MODE on 1 January: 1 let, 2 offered but vacant, 3 empty, 4 let to an association, 5 occupied, 9 n/a';
COMMENT ON COLUMN flux.logement.loyerprinc IS 'RPLS LOYERPRINC: January rent in euros (NULL where RPLS says 9999)';
COMMENT ON COLUMN flux.logement.contreslog IS 'RPLS CONTRESLOG: stock contingent (historical under flux)';
COMMENT ON COLUMN flux.logement.adresse IS 'Street address, for the état des lieux';
COMMENT ON COLUMN flux.logement.date_mise_en_service IS 'Date the unit was put into service (first available for rent)';
COMMENT ON COLUMN flux.logement.date_sortie IS 'Date the unit left the stock (with SORTIEPATRIM)';
COMMENT ON COLUMN flux.logement.hors_champ IS 'Never concerned by the flux: foyer, résidence sociale or universitaire, intermediate (besides what RPLS codes say)';
COMMENT ON COLUMN flux.logement.exclusion IS 'Excluded from the flux (B): defence, internal security, health, for sale, to be demolished, PLAI adapté, gens du voyage';
COMMENT ON COLUMN flux.logement.stock_reservataire_id IS 'Réservataire the unit is still tied to in stock, if any';

-- yearly parameters per bailleur x département
CREATE TABLE flux.parametre_annuel (
	bailleur_id		bigint NOT NULL REFERENCES flux.bailleur,
	departement		text NOT NULL CONSTRAINT parametre_annuel_departement_format
					CHECK (departement ~ '^([0-9]{2}|2[AB]|97[1-6])$'),
	annee			integer NOT NULL CONSTRAINT parametre_annuel_annee CHECK (annee BETWEEN 2000 AND 2100),
	-- local charter options: exclude these units from the assiette
	exclure_plai_adapte	boolean NOT NULL DEFAULT false,
	exclure_gens_du_voyage boolean NOT NULL DEFAULT false,
	-- rotation
	definition_rotation	flux.definition_rotation NOT NULL DEFAULT 'relocations',
	taux_rotation	numeric(5, 2) CONSTRAINT parametre_annuel_taux_rotation
					CHECK (taux_rotation BETWEEN 0 AND 100),
	-- soustractions forecast for the year, by category, and whether each applies
	taux_mutation	flux.taux NOT NULL DEFAULT '10%',
	prevision_mutation integer CHECK (prevision_mutation >= 0),
	prevision_anru	integer NOT NULL DEFAULT 0 CHECK (prevision_anru >= 0),
	prevision_orcod	integer NOT NULL DEFAULT 0 CHECK (prevision_orcod >= 0),
	prevision_lhi	integer NOT NULL DEFAULT 0 CHECK (prevision_lhi >= 0),
	prevision_vente	integer NOT NULL DEFAULT 0 CHECK (prevision_vente >= 0),
	prevision_urgence integer NOT NULL DEFAULT 0 CHECK (prevision_urgence >= 0),
	soustraire_mutation boolean NOT NULL DEFAULT true,
	soustraire_anru	boolean NOT NULL DEFAULT true,
	soustraire_orcod boolean NOT NULL DEFAULT true,
	soustraire_lhi	boolean NOT NULL DEFAULT true,
	soustraire_vente boolean NOT NULL DEFAULT true,
	soustraire_urgence boolean NOT NULL DEFAULT true,
	date_communication date,
	PRIMARY KEY (bailleur_id, departement, annee)
);
COMMENT ON TABLE flux.parametre_annuel IS 'Yearly parameters of a bailleur in a département: charter options, rotation, forecast soustractions';
COMMENT ON COLUMN flux.parametre_annuel.bailleur_id IS 'The bailleur';
COMMENT ON COLUMN flux.parametre_annuel.departement IS 'The département';
COMMENT ON COLUMN flux.parametre_annuel.annee IS 'The year N';
COMMENT ON COLUMN flux.parametre_annuel.exclure_plai_adapte IS 'Local charter option: PLAI adapté units out of the assiette';
COMMENT ON COLUMN flux.parametre_annuel.exclure_gens_du_voyage IS 'Local charter option: gens du voyage units out of the assiette';
COMMENT ON COLUMN flux.parametre_annuel.definition_rotation IS 'ANCOLS definition used for the rotation rate';
COMMENT ON COLUMN flux.parametre_annuel.taux_rotation IS 'Rotation rate in percent imposed for the year (e.g. the département mean from RPLS); NULL = computed from recorded vacancies';
COMMENT ON COLUMN flux.parametre_annuel.taux_mutation IS 'Internal mutations as a share of expected vacancies when prevision_mutation is NULL (Ain, Haute-Savoie charters: 10 %)';
COMMENT ON COLUMN flux.parametre_annuel.prevision_mutation IS 'Forecast internal mutations in units (e.g. from the CUS); NULL = taux_mutation of expected vacancies';
COMMENT ON COLUMN flux.parametre_annuel.prevision_anru IS 'Forecast ANRU/NPNRU relocations';
COMMENT ON COLUMN flux.parametre_annuel.prevision_orcod IS 'Forecast ORCOD relocations';
COMMENT ON COLUMN flux.parametre_annuel.prevision_lhi IS 'Forecast relocations for insalubrity bans (LHI)';
COMMENT ON COLUMN flux.parametre_annuel.prevision_vente IS 'Forecast units withdrawn for sale';
COMMENT ON COLUMN flux.parametre_annuel.prevision_urgence IS 'Forecast crisis emergencies (under the préfet''s control)';
COMMENT ON COLUMN flux.parametre_annuel.soustraire_mutation IS 'Mutations are subtracted from the flux';
COMMENT ON COLUMN flux.parametre_annuel.soustraire_anru IS 'ANRU relocations are subtracted (Haute-Savoie keeps them in the flux)';
COMMENT ON COLUMN flux.parametre_annuel.soustraire_orcod IS 'ORCOD relocations are subtracted';
COMMENT ON COLUMN flux.parametre_annuel.soustraire_lhi IS 'LHI relocations are subtracted';
COMMENT ON COLUMN flux.parametre_annuel.soustraire_vente IS 'Sales are subtracted';
COMMENT ON COLUMN flux.parametre_annuel.soustraire_urgence IS 'Emergencies are subtracted';
COMMENT ON COLUMN flux.parametre_annuel.date_communication IS 'Date the forecast was sent to the réservataires (before 28 February)';

-- vacancies: a unit becomes available (the workflow grows from here)
CREATE TABLE flux.vacance (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	logement_id		bigint NOT NULL REFERENCES flux.logement,
	premiere_location boolean NOT NULL DEFAULT false,
	date_preavis	date,
	date_depart		date,
	date_disponible	date NOT NULL,
	date_relocation	date,
	CONSTRAINT vacance_dates CHECK (date_preavis IS NULL OR date_depart IS NULL OR date_preavis <= date_depart),
	CONSTRAINT vacance_relocation CHECK (date_relocation IS NULL OR date_relocation >= date_disponible),
	CONSTRAINT vacance_premiere_location CHECK (NOT premiere_location OR date_depart IS NULL)
);
CREATE INDEX ON flux.vacance (logement_id, date_disponible);
CREATE INDEX ON flux.vacance (date_disponible);
COMMENT ON TABLE flux.vacance IS 'Vacancies: a unit becomes available for rent (first letting of a new unit, or reletting)';
COMMENT ON COLUMN flux.vacance.id IS 'Surrogate key';
COMMENT ON COLUMN flux.vacance.logement_id IS 'The unit';
COMMENT ON COLUMN flux.vacance.premiere_location IS 'First letting of a new unit (stays in stock), not a reletting';
COMMENT ON COLUMN flux.vacance.date_preavis IS 'Date the tenant gave notice';
COMMENT ON COLUMN flux.vacance.date_depart IS 'Date the tenant left';
COMMENT ON COLUMN flux.vacance.date_disponible IS 'Date the unit is available for rent';
COMMENT ON COLUMN flux.vacance.date_relocation IS 'Date the next lease took effect (NULL while not relet)';

SELECT pg_catalog.pg_extension_config_dump('flux.commune', '');
SELECT pg_catalog.pg_extension_config_dump('flux.bailleur', '');
SELECT pg_catalog.pg_extension_config_dump('flux.bailleur_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux.reservataire', '');
SELECT pg_catalog.pg_extension_config_dump('flux.reservataire_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux.convention', '');
SELECT pg_catalog.pg_extension_config_dump('flux.convention_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux.logement', '');
SELECT pg_catalog.pg_extension_config_dump('flux.logement_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux.parametre_annuel', '');
SELECT pg_catalog.pg_extension_config_dump('flux.vacance', '');
SELECT pg_catalog.pg_extension_config_dump('flux.vacance_id_seq', '');

--------------------------------------------------------------------------
-- 5. Triggers: what a CHECK cannot see across tables
--------------------------------------------------------------------------

/*
 * A convention covers a bailleur's stock in one département.  A
 * collectivity's convention covers only its own territory: a commune's, its
 * commune; an EPCI's, its communes; a département's, its département.  Only
 * those and employers (a justified need, never down to one programme) may
 * restrict a convention to communes.  Two conventions of the same parties
 * in the same département may not be in force on the same day.
 */
CREATE FUNCTION flux.convention_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	r flux.reservataire;
	hors_territoire text[];
	autre bigint;
BEGIN
	SELECT * INTO r FROM flux.reservataire WHERE id = NEW.reservataire_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'réservataire % does not exist', NEW.reservataire_id
			USING ERRCODE = 'foreign_key_violation',
				  HINT = 'Create it in flux.reservataire first.';
	END IF;

	IF r.categorie = 'commune' THEN
		IF NEW.communes IS NULL THEN
			NEW.communes := ARRAY[r.depcom];
		END IF;
		IF NOT NEW.communes <@ ARRAY[r.depcom] THEN
			RAISE EXCEPTION 'convention of commune % covers communes outside its territory: %',
					r.depcom, array_to_string(NEW.communes, ', ')
				USING ERRCODE = 'check_violation',
					  DETAIL = format('Réservataire %s (%s) is the commune %s.', r.id, r.nom, r.depcom),
					  HINT = format('Set communes to {%s}, or leave it NULL.', r.depcom);
		END IF;
	ELSIF r.categorie = 'epci' THEN
		IF NEW.communes IS NULL THEN
			SELECT array_agg(c.depcom ORDER BY c.depcom) INTO NEW.communes
			  FROM flux.commune c
			 WHERE c.epci = r.epci AND c.departement = NEW.departement;
			IF NEW.communes IS NULL THEN
				RAISE EXCEPTION 'EPCI % has no commune in département %', r.epci, NEW.departement
					USING ERRCODE = 'check_violation',
						  HINT = 'Load its communes into flux.commune (with their epci) first, or list the convention''s communes.';
			END IF;
		END IF;
		SELECT array_agg(x ORDER BY x) INTO hors_territoire
		  FROM unnest(NEW.communes) x
		 WHERE NOT EXISTS (SELECT 1 FROM flux.commune c WHERE c.depcom = x AND c.epci = r.epci);
		IF hors_territoire IS NOT NULL THEN
			RAISE EXCEPTION 'convention of EPCI % covers communes outside its territory: %',
					r.epci, array_to_string(hors_territoire, ', ')
				USING ERRCODE = 'check_violation',
					  DETAIL = format('Réservataire %s (%s) is the EPCI %s; flux.commune does not place these communes in it.', r.id, r.nom, r.epci),
					  HINT = 'List only communes of the EPCI, or leave communes NULL for all of them.';
		END IF;
	ELSIF r.categorie = 'departement' THEN
		IF NEW.departement <> r.departement THEN
			RAISE EXCEPTION 'convention of département % cannot cover département %', r.departement, NEW.departement
				USING ERRCODE = 'check_violation',
					  HINT = format('A département''s convention covers its own territory: set departement to %L.', r.departement);
		END IF;
	ELSIF NEW.communes IS NOT NULL AND r.categorie <> 'employeur' THEN
		RAISE EXCEPTION 'a convention with % cannot be restricted to communes', r.categorie
			USING ERRCODE = 'check_violation',
				  DETAIL = 'Only collectivities (on their territory) and employers (for a justified need) have infra-departmental conventions.',
				  HINT = 'Leave communes NULL: the convention covers the whole département.';
	END IF;

	SELECT array_agg(x ORDER BY x) INTO hors_territoire
	  FROM unnest(NEW.communes) x
	 WHERE flux.departement_de(x) <> NEW.departement;
	IF hors_territoire IS NOT NULL THEN
		RAISE EXCEPTION 'convention in département % lists communes of another département: %',
				NEW.departement, array_to_string(hors_territoire, ', ')
			USING ERRCODE = 'check_violation',
				  HINT = 'A convention covers one département: make one convention per département.';
	END IF;

	-- one convention in force per parties and département at a time (an end
	-- before the start is left to the CHECK constraint convention_dates)
	IF NEW.date_fin IS NOT NULL AND NEW.date_fin <= NEW.date_effet THEN
		RETURN NEW;
	END IF;
	PERFORM pg_advisory_xact_lock(hashtext('flux.convention'), hashtext(NEW.bailleur_id || '/' || NEW.reservataire_id || '/' || NEW.departement));
	SELECT c.id INTO autre
	  FROM flux.convention c
	 WHERE c.bailleur_id = NEW.bailleur_id AND c.reservataire_id = NEW.reservataire_id
	   AND c.departement = NEW.departement AND c.id <> NEW.id
	   AND daterange(c.date_effet, c.date_fin) && daterange(NEW.date_effet, NEW.date_fin)
	 LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'convention % is already in force for these parties in département % over %',
				autre, NEW.departement, daterange(NEW.date_effet, NEW.date_fin)
			USING ERRCODE = 'exclusion_violation',
				  DETAIL = format('Bailleur %s, réservataire %s: one convention per bailleur, réservataire and département at a time.', NEW.bailleur_id, NEW.reservataire_id),
				  HINT = format('End convention %s (date_fin) before this one takes effect, or amend it instead.', autre);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux.convention_verifier() IS
	'Trigger: a convention stays on its réservataire''s territory, in one département, and does not overlap another of the same parties';

CREATE TRIGGER convention_verifier
	BEFORE INSERT OR UPDATE ON flux.convention
	FOR EACH ROW EXECUTE FUNCTION flux.convention_verifier();

--------------------------------------------------------------------------
-- 6. The assiette: which units are subject to the flux in year N
--------------------------------------------------------------------------

CREATE TYPE flux.classement AS ENUM (
	-- C: in the assiette
	'assiette',
	-- B: parc concerné, excluded from the flux
	'defense', 'securite_interieure', 'sante', 'vente', 'demolition',
	'plai_adapte', 'gens_du_voyage',
	-- never concerned, listed apart
	'logement_foyer', 'residence_sociale', 'residence_universitaire', 'intermediaire',
	'sem_non_conventionne',
	-- first letting of a new programme: in stock this year, in the assiette next year
	'premiere_location',
	-- not in the stock on 1 January of the year
	'hors_parc');
COMMENT ON TYPE flux.classement IS
	'Why a unit is or is not in the assiette of a year: assiette (C); an exclusion motive (B); a reason it is never concerned; premiere_location; hors_parc';

/*
 * flux.classer: the one rule, shared by every assiette function and by the
 * explanation of a unit (src/assiette.c has it in words).  C, because it
 * runs once per unit of a stock; bench/assiette compares it with its
 * plain-SQL twin.
 */
CREATE FUNCTION flux.classer(
	annee integer, famille flux.famille_bailleur, conv boolean,
	finan smallint, cus smallint, typeconst char(1), mode smallint,
	hors_champ flux.motif_hors_champ, exclusion flux.motif_exclusion,
	date_sortie date, date_mise_en_service date, locat smallint,
	exclure_plai_adapte boolean, exclure_gens_du_voyage boolean)
	RETURNS flux.classement
	AS 'MODULE_PATHNAME', 'flux_classer'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION flux.classer(integer, flux.famille_bailleur, boolean, smallint, smallint, char, smallint, flux.motif_hors_champ, flux.motif_exclusion, date, date, smallint, boolean, boolean) IS
	'The classification rule of a unit for year N (see docs/assiette.md); used by every assiette function';

CREATE FUNCTION flux.statut(c flux.classement) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN CASE
		WHEN c OPERATOR(pg_catalog.=) 'assiette' THEN 'assiette'
		WHEN c OPERATOR(pg_catalog.<=) 'gens_du_voyage' THEN 'exclu'
		WHEN c OPERATOR(pg_catalog.<=) 'sem_non_conventionne' THEN 'non_concerne'
		ELSE c::text
	END;
COMMENT ON FUNCTION flux.statut(flux.classement) IS
	'Group of a classement: assiette (C), exclu (B), non_concerne, premiere_location or hors_parc';

-- every unit of a bailleur in a département, classified for the year
CREATE FUNCTION flux.logements_classes(bailleur bigint, annee integer, departement text)
	RETURNS TABLE (logement_id bigint, bailleur_id bigint, departement text, depcom text, epci text,
				   qpv boolean, patrimoine smallint, classement flux.classement)
	LANGUAGE sql STABLE PARALLEL SAFE
	ROWS 100000
AS $$
	-- the bailleur's family and the year's options are read once (InitPlans),
	-- not joined per unit
	SELECT l.id, l.bailleur_id, l.departement, l.depcom, l.epci, l.qpv, l.patrimoine,
		   flux.classer($2,
						(SELECT b.famille FROM flux.bailleur b WHERE b.id OPERATOR(pg_catalog.=) $1),
						l.conv, l.finan, l.cus, l.typeconst, l.mode,
						l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat,
						coalesce((SELECT p.exclure_plai_adapte FROM flux.parametre_annuel p
								   WHERE p.bailleur_id OPERATOR(pg_catalog.=) $1
									 AND p.departement OPERATOR(pg_catalog.=) $3
									 AND p.annee OPERATOR(pg_catalog.=) $2), false),
						coalesce((SELECT p.exclure_gens_du_voyage FROM flux.parametre_annuel p
								   WHERE p.bailleur_id OPERATOR(pg_catalog.=) $1
									 AND p.departement OPERATOR(pg_catalog.=) $3
									 AND p.annee OPERATOR(pg_catalog.=) $2), false))
	  FROM flux.logement l
	 WHERE l.bailleur_id OPERATOR(pg_catalog.=) $1
	   AND l.departement OPERATOR(pg_catalog.=) $3
$$;
COMMENT ON FUNCTION flux.logements_classes(bigint, integer, text) IS
	'Every unit of a bailleur in a département with its classement for the year';

-- A, B by motive, C, and what is listed apart, for a bailleur x département x year
CREATE FUNCTION flux.assiette(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (
		parc_concerne bigint, exclus bigint, assiette bigint,
		exclus_defense bigint, exclus_securite_interieure bigint, exclus_sante bigint,
		exclus_vente bigint, exclus_demolition bigint, exclus_plai_adapte bigint,
		exclus_gens_du_voyage bigint,
		non_concernes bigint, logements_foyers bigint, residences_sociales bigint,
		residences_universitaires bigint, intermediaires bigint, sem_non_conventionnes bigint,
		premieres_locations bigint, hors_parc bigint)
	LANGUAGE sql STABLE PARALLEL SAFE
	ROWS 1
AS $$
	SELECT
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) IN ('assiette', 'exclu')), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) 'exclu'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'assiette'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'defense'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'securite_interieure'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'sante'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'vente'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'demolition'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'plai_adapte'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'gens_du_voyage'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) 'non_concerne'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'logement_foyer'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'residence_sociale'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'residence_universitaire'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'intermediaire'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'sem_non_conventionne'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'premiere_location'), 0)::bigint,
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE n.classement OPERATOR(pg_catalog.=) 'hors_parc'), 0)::bigint
	  FROM (SELECT k.classement, pg_catalog.count(*) AS n
			  FROM flux.logements_classes($1, $3, $2) k
			 GROUP BY k.classement) n
$$;
COMMENT ON FUNCTION flux.assiette(bigint, text, integer) IS
	'The assiette of a bailleur in a département for year N: A (parc concerné) = B (excluded, by motive) + C (subject to the flux); units never concerned, first lettings and units out of the stock listed apart';

-- the same per commune, for commune and EPCI conventions
CREATE FUNCTION flux.assiette_communes(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (depcom text, commune text, epci text,
				   parc_concerne bigint, exclus bigint, assiette bigint,
				   assiette_qpv bigint, assiette_hors_qpv bigint)
	LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT k.depcom, c.nom, coalesce(c.epci, pg_catalog.min(k.epci)),
		   pg_catalog.count(*) FILTER (WHERE flux.statut(k.classement) IN ('assiette', 'exclu')),
		   pg_catalog.count(*) FILTER (WHERE flux.statut(k.classement) OPERATOR(pg_catalog.=) 'exclu'),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette'),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette' AND k.qpv),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette' AND NOT k.qpv)
	  FROM flux.logements_classes($1, $3, $2) k
	  LEFT JOIN flux.commune c ON c.depcom OPERATOR(pg_catalog.=) k.depcom
	 GROUP BY k.depcom, c.nom, c.epci
	 ORDER BY k.depcom
$$;
COMMENT ON FUNCTION flux.assiette_communes(bigint, text, integer) IS
	'The assiette per commune (A, B, C, and C in and outside QPV), for commune and EPCI conventions';

-- why a unit is in or out, in words
CREATE FUNCTION flux.expliquer_logement(logement bigint, annee integer)
	RETURNS TABLE (classement flux.classement, statut text, raison text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	l flux.logement;
	b flux.bailleur;
	p flux.parametre_annuel;
	k flux.classement;
	premiere integer;
BEGIN
	SELECT * INTO l FROM flux.logement WHERE id = expliquer_logement.logement;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'logement % does not exist', expliquer_logement.logement
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.logement.';
	END IF;
	SELECT * INTO b FROM flux.bailleur WHERE id = l.bailleur_id;
	SELECT * INTO p FROM flux.parametre_annuel
	 WHERE bailleur_id = l.bailleur_id AND departement = l.departement
	   AND parametre_annuel.annee = expliquer_logement.annee;

	k := flux.classer(expliquer_logement.annee, b.famille, l.conv, l.finan, l.cus, l.typeconst, l.mode,
					  l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat,
					  coalesce(p.exclure_plai_adapte, false), coalesce(p.exclure_gens_du_voyage, false));
	premiere := coalesce(extract(year FROM l.date_mise_en_service)::integer, l.locat);

	classement := k;
	statut := flux.statut(k);
	raison := CASE k
		WHEN 'hors_parc' THEN
			CASE WHEN l.date_sortie <= make_date(expliquer_logement.annee, 1, 1)
				 THEN format('not in the stock on 1 January %s: left it on %s (SORTIEPATRIM %s)',
							 expliquer_logement.annee, l.date_sortie, l.sortiepatrim)
				 ELSE format('not in the stock in %s: put into service on %s',
							 expliquer_logement.annee, l.date_mise_en_service) END
		WHEN 'logement_foyer' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'never concerned: logement-foyer (hors_champ)'
				 ELSE 'never concerned: let to an association, a logement-foyer (MODE 4)' END
		WHEN 'residence_sociale' THEN 'never concerned: résidence sociale (hors_champ)'
		WHEN 'residence_universitaire' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'never concerned: résidence universitaire (hors_champ)'
				 ELSE 'never concerned: student housing (TYPECONST E)' END
		WHEN 'intermediaire' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'never concerned: intermediate housing (hors_champ)'
				 ELSE format('never concerned: intermediate housing (FINAN %s, CUS %s: PLI)', l.finan, coalesce(l.cus::text, 'empty')) END
		WHEN 'sem_non_conventionne' THEN
			format('never concerned: bailleur %s is a SEM and the unit is not APL-conventionné (CONV 2)', b.nom)
		WHEN 'premiere_location' THEN
			format('first letting in %s of a new programme: stays in stock (concertation between réservataires), joins the assiette in %s',
				   premiere, premiere + 1)
		WHEN 'assiette' THEN
			format('in the assiette of %s: %s unit in the stock since %s, %s%s',
				   expliquer_logement.annee,
				   (SELECT f.libelle FROM flux.rpls_finan f WHERE f.finan = l.finan),
				   coalesce(premiere::text, 'before the RPLS dates'),
				   CASE WHEN l.qpv THEN 'in QPV' ELSE 'outside QPV' END,
				   CASE WHEN l.exclusion IS NOT NULL
						THEN format(', %s not excluded: the charter option is off in %s', l.exclusion, expliquer_logement.annee)
						ELSE '' END)
		ELSE format('excluded from the flux (B): %s',
				   CASE k WHEN 'defense' THEN 'reserved for national defence'
						  WHEN 'securite_interieure' THEN 'reserved for internal security'
						  WHEN 'sante' THEN 'reserved for a public health establishment'
						  WHEN 'vente' THEN 'in the sales plan'
						  WHEN 'demolition' THEN 'to be demolished'
						  WHEN 'plai_adapte' THEN 'PLAI adapté, excluded by the local charter'
						  ELSE 'gens du voyage unit, excluded by the local charter' END)
	END;
	RETURN NEXT;
END
$$;
COMMENT ON FUNCTION flux.expliquer_logement(bigint, integer) IS
	'Why a unit is in or out of the assiette of a year, in words';

--------------------------------------------------------------------------
-- 7. Rotation and the forecast flux for year N
--------------------------------------------------------------------------

/*
 * The rotation rate of one year Y, from the vacancies recorded, over the
 * parc concerné (A) on 1 January Y, by the three ANCOLS definitions:
 *
 *   relocations    units relet in Y (a new lease in Y, not a first
 *                  letting) among units in the stock for 2 years or more
 *                  (PATRIMOINE <= Y - 2), over those units
 *   emmenagements  units a household moved into in Y (relettings and
 *                  first lettings), over the parc concerné
 *   disponibles    units available in Y (left and put back for rent, relet
 *                  or not) plus new units first let in Y, over the parc
 *                  concerné
 */
CREATE FUNCTION flux.rotation(bailleur bigint, departement text, annee integer,
							  definition flux.definition_rotation DEFAULT 'relocations')
	RETURNS TABLE (annee integer, definition flux.definition_rotation,
				   mouvements bigint, parc bigint, taux_rotation numeric)
	LANGUAGE sql STABLE PARALLEL SAFE
	ROWS 1
AS $$
	WITH k AS MATERIALIZED (
		-- the year's classification of every unit, once
		SELECT k.logement_id, k.patrimoine, flux.statut(k.classement) IN ('assiette', 'exclu') AS concerne
		  FROM flux.logements_classes($1, $3, $2) k
	), annee AS (
		SELECT pg_catalog.make_date($3, 1, 1) AS debut, pg_catalog.make_date($3 OPERATOR(pg_catalog.+) 1, 1, 1) AS fin
	), mouvements AS (
		SELECT pg_catalog.count(DISTINCT v.logement_id) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'relocations' AND NOT v.premiere_location AND k.concerne
					 AND v.date_relocation OPERATOR(pg_catalog.>=) a.debut AND v.date_relocation OPERATOR(pg_catalog.<) a.fin
					 AND k.patrimoine OPERATOR(pg_catalog.<=) ($3 OPERATOR(pg_catalog.-) 2))
			 OPERATOR(pg_catalog.+) pg_catalog.count(*) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'emmenagements'
					 AND v.date_relocation OPERATOR(pg_catalog.>=) a.debut AND v.date_relocation OPERATOR(pg_catalog.<) a.fin)
			 OPERATOR(pg_catalog.+) pg_catalog.count(*) FILTER (
				   WHERE $4 OPERATOR(pg_catalog.=) 'disponibles'
					 AND v.date_disponible OPERATOR(pg_catalog.>=) a.debut AND v.date_disponible OPERATOR(pg_catalog.<) a.fin) AS n
		  FROM flux.vacance v
		  JOIN k ON k.logement_id OPERATOR(pg_catalog.=) v.logement_id
		  CROSS JOIN annee a
		 -- vacancies of the parc concerné, and first lettings of new units
		 WHERE k.concerne OR v.premiere_location
	), base AS (
		SELECT pg_catalog.count(*) FILTER (WHERE k.concerne AND ($4 OPERATOR(pg_catalog.<>) 'relocations'
											   OR k.patrimoine OPERATOR(pg_catalog.<=) ($3 OPERATOR(pg_catalog.-) 2))) AS n
		  FROM k
	)
	SELECT $3, $4, m.n, b.n,
		   CASE WHEN b.n OPERATOR(pg_catalog.>) 0
				THEN pg_catalog.round(100.0 OPERATOR(pg_catalog.*) m.n OPERATOR(pg_catalog./) b.n, 2) END
	  FROM mouvements m, base b
$$;
COMMENT ON FUNCTION flux.rotation(bigint, text, integer, flux.definition_rotation) IS
	'Rotation rate of year Y in percent (ANCOLS definition relocations, emmenagements or disponibles), from the vacancies recorded, with its numerator and denominator';

/*
 * The forecast flux of year N (Ornex art. 4.1; FAQ §3): expected
 * relettings = assiette C on 1 January N x the mean rotation rate of N-3 ..
 * N-1 (or the rate imposed in flux.parametre_annuel), minus the forecast
 * soustractions by category that the year's parameters switch on.
 * Mutations default to taux_mutation (10 %) of the expected relettings.
 * FAQ: 1 000 units put up for rent, 350 subtracted, 650 to share.
 */
CREATE FUNCTION flux.flux_previsionnel(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (
		assiette bigint, definition_rotation flux.definition_rotation,
		taux_rotation numeric, source_taux text, relocations_prevues integer,
		soustraction_mutation integer, soustraction_anru integer, soustraction_orcod integer,
		soustraction_lhi integer, soustraction_vente integer, soustraction_urgence integer,
		soustractions integer, flux_a_repartir integer)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	p flux.parametre_annuel;
	taux_annuels numeric[];
BEGIN
	SELECT * INTO p FROM flux.parametre_annuel pa
	 WHERE pa.bailleur_id = bailleur AND pa.departement = flux_previsionnel.departement
	   AND pa.annee = flux_previsionnel.annee;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no yearly parameters for bailleur %, département %, year %',
				bailleur, flux_previsionnel.departement, flux_previsionnel.annee
			USING ERRCODE = 'no_data_found',
				  DETAIL = 'The forecast needs the year''s soustractions and options.',
				  HINT = format('INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee) VALUES (%s, %L, %s) takes the defaults.',
								bailleur, flux_previsionnel.departement, flux_previsionnel.annee);
	END IF;

	SELECT a.assiette INTO assiette FROM flux.assiette(bailleur, flux_previsionnel.departement, flux_previsionnel.annee) a;
	definition_rotation := p.definition_rotation;

	IF p.taux_rotation IS NOT NULL THEN
		taux_rotation := p.taux_rotation;
		source_taux := 'imposed in flux.parametre_annuel';
	ELSE
		SELECT array_agg(r.taux_rotation ORDER BY y) INTO taux_annuels
		  FROM generate_series(flux_previsionnel.annee - 3, flux_previsionnel.annee - 1) y,
			   flux.rotation(bailleur, flux_previsionnel.departement, y, p.definition_rotation) r
		 WHERE r.taux_rotation IS NOT NULL AND r.mouvements > 0;
		IF taux_annuels IS NULL THEN
			RAISE EXCEPTION 'no vacancy recorded for bailleur % in département % from % to %',
					bailleur, flux_previsionnel.departement, flux_previsionnel.annee - 3, flux_previsionnel.annee - 1
				USING ERRCODE = 'no_data_found',
					  DETAIL = 'The rotation rate is the mean of the three previous years.',
					  HINT = 'Load past vacancies into flux.vacance, or set flux.parametre_annuel.taux_rotation (e.g. the département mean from RPLS).';
		END IF;
		taux_rotation := round((SELECT avg(t) FROM unnest(taux_annuels) t), 2);
		source_taux := format('mean of %s over %s year(s) before %s: %s', p.definition_rotation,
							  cardinality(taux_annuels), flux_previsionnel.annee, array_to_string(taux_annuels, ' %, ') || ' %');
	END IF;

	relocations_prevues := round(assiette * taux_rotation / 100);
	soustraction_mutation := CASE WHEN p.soustraire_mutation
		THEN coalesce(p.prevision_mutation, round(relocations_prevues * p.taux_mutation::numeric / 100)::integer) ELSE 0 END;
	soustraction_anru := CASE WHEN p.soustraire_anru THEN p.prevision_anru ELSE 0 END;
	soustraction_orcod := CASE WHEN p.soustraire_orcod THEN p.prevision_orcod ELSE 0 END;
	soustraction_lhi := CASE WHEN p.soustraire_lhi THEN p.prevision_lhi ELSE 0 END;
	soustraction_vente := CASE WHEN p.soustraire_vente THEN p.prevision_vente ELSE 0 END;
	soustraction_urgence := CASE WHEN p.soustraire_urgence THEN p.prevision_urgence ELSE 0 END;
	soustractions := soustraction_mutation + soustraction_anru + soustraction_orcod
		+ soustraction_lhi + soustraction_vente + soustraction_urgence;

	IF soustractions > relocations_prevues THEN
		RAISE EXCEPTION 'forecast soustractions (%) exceed the expected relettings (%) for bailleur %, département %, year %',
				soustractions, relocations_prevues, bailleur, flux_previsionnel.departement, flux_previsionnel.annee
			USING ERRCODE = 'numeric_value_out_of_range',
				  HINT = 'Lower the prevision_* columns of flux.parametre_annuel, or check the rotation rate.';
	END IF;
	flux_a_repartir := relocations_prevues - soustractions;
	RETURN NEXT;
END
$$;
COMMENT ON FUNCTION flux.flux_previsionnel(bigint, text, integer) IS
	'The forecast flux of year N: assiette x mean rotation of the 3 previous years (or imposed) = expected relettings (A), minus the forecast soustractions switched on (B), = units to share (C)';

--------------------------------------------------------------------------
-- 8. Loading a bailleur's stock from its RPLS file
--------------------------------------------------------------------------

/*
 * Two steps, so that no bad line can abort the good ones (PostgreSQL 15's
 * COPY has no ON_ERROR):
 *
 *   1. \copy flux.rpls_ligne (texte) FROM 'rpls.csv'
 *          WITH (FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e', ENCODING 'UTF8')
 *      stores every raw line, header included, tagged with the session
 *      (pg_stat_progress_copy shows its progress);
 *   2. SELECT * FROM flux.charger_rpls(bailleur, annee_rpls) splits the
 *      lines on ';' by the header's RPLS column names (any order, extra
 *      columns ignored), validates every field against the RPLS codes,
 *      upserts the good lines into flux.logement by (bailleur, IDENT_INT),
 *      records every bad line with all its reasons in flux.rpls_rejet, and
 *      deletes the session's staged lines.
 */
CREATE FUNCTION flux.session_chargement() RETURNS text
	LANGUAGE sql STABLE PARALLEL RESTRICTED
	RETURN pg_catalog.pg_backend_pid()::text OPERATOR(pg_catalog.||) '@'
		OPERATOR(pg_catalog.||) pg_catalog.to_char(pg_catalog.pg_postmaster_start_time(), 'YYYYMMDDHH24MISS')
		OPERATOR(pg_catalog.||) '@'
		OPERATOR(pg_catalog.||) (SELECT pg_catalog.to_char(a.backend_start, 'YYYYMMDDHH24MISSUS')
								   FROM pg_catalog.pg_stat_get_activity(pg_catalog.pg_backend_pid()) a);
COMMENT ON FUNCTION flux.session_chargement() IS
	'Identifies the current session''s staged RPLS lines (backend pid and start)';

CREATE TABLE flux.rpls_ligne (
	session		text NOT NULL DEFAULT flux.session_chargement(),
	numero		bigint GENERATED ALWAYS AS IDENTITY,
	texte		text NOT NULL,
	PRIMARY KEY (session, numero)
);
COMMENT ON TABLE flux.rpls_ligne IS
	'Staging: the raw lines of an RPLS file, one row per line, loaded with \copy and consumed by flux.charger_rpls';
COMMENT ON COLUMN flux.rpls_ligne.session IS 'The session that staged the line (flux.session_chargement())';
COMMENT ON COLUMN flux.rpls_ligne.numero IS 'Order of the lines as read';
COMMENT ON COLUMN flux.rpls_ligne.texte IS 'The line, as read';

CREATE TABLE flux.rpls_rejet (
	id			bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id	bigint NOT NULL REFERENCES flux.bailleur,
	annee_rpls	integer NOT NULL,
	ligne		integer NOT NULL,
	ident_int	text,
	raisons		text[] NOT NULL,
	texte		text NOT NULL,
	rejete_le	timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ON flux.rpls_rejet (bailleur_id, rejete_le);
COMMENT ON TABLE flux.rpls_rejet IS 'Lines of an RPLS file refused by flux.charger_rpls, with every reason';
COMMENT ON COLUMN flux.rpls_rejet.id IS 'Surrogate key';
COMMENT ON COLUMN flux.rpls_rejet.bailleur_id IS 'The bailleur whose file it was';
COMMENT ON COLUMN flux.rpls_rejet.annee_rpls IS 'Year of the RPLS declaration';
COMMENT ON COLUMN flux.rpls_rejet.ligne IS 'Line number in the file (the header is line 1)';
COMMENT ON COLUMN flux.rpls_rejet.ident_int IS 'IDENT_INT of the line, when readable';
COMMENT ON COLUMN flux.rpls_rejet.raisons IS 'Every reason the line was refused';
COMMENT ON COLUMN flux.rpls_rejet.texte IS 'The line, as read';
COMMENT ON COLUMN flux.rpls_rejet.rejete_le IS 'When';

SELECT pg_catalog.pg_extension_config_dump('flux.rpls_rejet', '');
SELECT pg_catalog.pg_extension_config_dump('flux.rpls_rejet_id_seq', '');

CREATE FUNCTION flux.charger_rpls(bailleur bigint, annee_rpls integer, lot_taille integer DEFAULT 10000)
	RETURNS TABLE (lues bigint, inserees bigint, mises_a_jour bigint, inchangees bigint, rejetees bigint)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $fn$
DECLARE
	sess text := flux.session_chargement();
	entete text;
	entete_numero bigint;
	cols text[];
	manquantes text[];
	ncols integer;
	total bigint;
	debut integer;
	r record;
	n_ins bigint := 0;
	n_maj bigint := 0;
	n_rej bigint := 0;
	n_ok bigint;
	sql_valide text;
	sql_upsert text;
	presentes text[];
BEGIN
	IF lot_taille IS NULL OR lot_taille <= 0 THEN
		RAISE EXCEPTION 'lot_taille must be positive, not %', lot_taille
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use the default, 10000 lines a batch.';
	END IF;
	IF annee_rpls IS NULL OR annee_rpls NOT BETWEEN 2000 AND 2100 THEN
		RAISE EXCEPTION 'RPLS year % is out of range', annee_rpls
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass the year of the declaration, e.g. 2025 for the stock on 1 January 2025.';
	END IF;
	PERFORM 1 FROM flux.bailleur b WHERE b.id = charger_rpls.bailleur;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'bailleur % does not exist', charger_rpls.bailleur
			USING ERRCODE = 'foreign_key_violation', HINT = 'Create it in flux.bailleur first.';
	END IF;

	SELECT l.texte, l.numero INTO entete, entete_numero
	  FROM flux.rpls_ligne l WHERE l.session = sess ORDER BY l.numero LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no RPLS line staged in this session'
			USING ERRCODE = 'no_data_found',
				  HINT = $$In the same session, first: \copy flux.rpls_ligne (texte) FROM 'rpls.csv' WITH (FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e')$$;
	END IF;

	-- the header: RPLS names, any order, case and a UTF-8 BOM ignored
	cols := ARRAY(SELECT upper(btrim(c, E' \t\r"\ufeff')) FROM unnest(string_to_array(entete, ';')) c);
	ncols := cardinality(cols);
	manquantes := ARRAY(SELECT c FROM unnest(ARRAY['IDENT_INT', 'DEPCOM', 'QPV', 'TYPECONST', 'NBPIECE', 'FINAN', 'CONV']) c
						 WHERE c <> ALL (cols));
	IF cardinality(manquantes) > 0 THEN
		RAISE EXCEPTION 'RPLS header lacks required column(s): %', array_to_string(manquantes, ', ')
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('Header read: %s', left(entete, 300)),
				  HINT = 'The first line staged must be the RPLS header, semicolon-separated (IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV;...).';
	END IF;

	-- the columns of flux.logement the file sets (sortiepatrim and mode
	-- default to 9 when absent, as RPLS does)
	presentes := ARRAY(SELECT c FROM unnest(ARRAY['ident_rep', 'depcom', 'epci', 'qpv', 'typeconst', 'nbpiece',
												  'surfhab', 'construct', 'locat', 'patrimoine', 'origine', 'finan',
												  'cus', 'conv', 'sortiepatrim', 'mode', 'loyerprinc', 'contreslog']) c
						WHERE upper(c) = ANY (cols));
	IF cols && ARRAY['NUMVOIE', 'INDREP', 'TYPVOIE', 'NOMVOIE', 'CPLOCAL', 'LIBCOM'] THEN
		presentes := presentes || 'adresse'::text;
	END IF;

	-- one row per line, fields split, then every check at once
	IF to_regclass('pg_temp.rpls_lu') IS NOT NULL THEN DROP TABLE pg_temp.rpls_lu; END IF;
	CREATE TEMP TABLE rpls_lu ON COMMIT DROP AS
	SELECT (l.numero - entete_numero + 1)::integer AS ligne, l.texte,
		   ARRAY(SELECT nullif(btrim(x, E' \t\r"'), '') FROM unnest(string_to_array(l.texte, ';')) x) AS f
	  FROM flux.rpls_ligne l
	 WHERE l.session = sess AND l.numero > entete_numero AND btrim(l.texte, E' \t\r') <> '';
	GET DIAGNOSTICS total = ROW_COUNT;

	sql_valide := format($q$
		CREATE TEMP TABLE rpls_valide ON COMMIT DROP AS
		SELECT ligne, texte, v.*,
			   array_remove(ARRAY[
				   CASE WHEN cardinality(f) <> %2$s THEN format('line has %%s fields, the header %2$s', cardinality(f)) END,
				   CASE WHEN v.ident_int IS NULL THEN 'IDENT_INT is empty' END,
				   CASE WHEN v.ident_rep !~ '^[0-9A-Z]{10}$' THEN format('IDENT_REP %%L is not 10 characters', v.ident_rep) END,
				   CASE WHEN v.depcom IS NULL OR v.depcom !~ '^([0-9]{5}|2[AB][0-9]{3})$' THEN format('DEPCOM %%L is not an INSEE commune code', v.depcom) END,
				   CASE WHEN v.epci !~ '^[0-9]{9}$' THEN format('EPCI %%L is not a 9-digit SIREN', v.epci) END,
				   CASE WHEN v.qpv IS NULL OR v.qpv NOT IN ('1', '2') THEN format('QPV %%L is not 1 or 2', v.qpv) END,
				   CASE WHEN v.typeconst IS NULL OR v.typeconst NOT IN ('C', 'I', 'E') THEN format('TYPECONST %%L is not C, I or E', v.typeconst) END,
				   CASE WHEN v.nbpiece IS NULL OR v.nbpiece !~ '^[1-9]$' THEN format('NBPIECE %%L is not 1 to 9', v.nbpiece) END,
				   CASE WHEN v.surfhab !~ '^[0-9]{1,5}([.,][0-9]{1,2})?$' OR v.surfhab ~ '^0+([.,]0*)?$' THEN format('SURFHAB %%L is not an area in m²', v.surfhab) END,
				   CASE WHEN v.construct !~ '^(18|19|20)[0-9]{2}$' THEN format('CONSTRUCT %%L is not a year', v.construct) END,
				   CASE WHEN v.locat !~ '^(18|19|20)[0-9]{2}$' THEN format('LOCAT %%L is not a year', v.locat) END,
				   CASE WHEN v.patrimoine !~ '^(18|19|20)[0-9]{2}$' THEN format('PATRIMOINE %%L is not a year', v.patrimoine) END,
				   CASE WHEN v.origine !~ '^[1-4]$' THEN format('ORIGINE %%L is not 1 to 4', v.origine) END,
				   CASE WHEN v.finan IS NULL OR v.finan !~ '^[0-9]{2}$'
						  OR NOT EXISTS (SELECT 1 FROM flux.rpls_finan rf WHERE rf.finan = v.finan::smallint)
						THEN format('FINAN %%L is not an RPLS financing code', v.finan) END,
				   CASE WHEN v.cus NOT IN ('11', '13', '14', '16') THEN format('CUS %%L is not 11, 13, 14 or 16', v.cus) END,
				   CASE WHEN v.conv IS NULL OR v.conv NOT IN ('1', '2') THEN format('CONV %%L is not 1 or 2', v.conv) END,
				   CASE WHEN v.sortiepatrim NOT IN ('1', '2', '3', '4', '5', '9') THEN format('SORTIEPATRIM %%L is not 1 to 5 or 9', v.sortiepatrim) END,
				   CASE WHEN v.mode NOT IN ('1', '2', '3', '4', '5', '9') THEN format('MODE %%L is not 1 to 5 or 9', v.mode) END,
				   CASE WHEN v.loyerprinc !~ '^[0-9]{1,7}([.,][0-9]{1,2})?$' THEN format('LOYERPRINC %%L is not an amount', v.loyerprinc) END,
				   CASE WHEN v.contreslog !~ '^[1-7]$' THEN format('CONTRESLOG %%L is not 1 to 7', v.contreslog) END,
				   CASE WHEN v.ident_int IS NOT NULL AND count(*) OVER (PARTITION BY v.ident_int) > 1
							 AND row_number() OVER (PARTITION BY v.ident_int ORDER BY ligne) > 1
						THEN format('IDENT_INT %%L appears again (first at line %%s)', v.ident_int,
									min(ligne) OVER (PARTITION BY v.ident_int)) END,
				   CASE WHEN v.ident_rep IS NOT NULL AND EXISTS (
							SELECT 1 FROM flux.logement o WHERE o.ident_rep = v.ident_rep
							   AND (o.bailleur_id <> %1$s OR o.ident_int IS DISTINCT FROM v.ident_int))
						THEN format('IDENT_REP %%L already belongs to another unit', v.ident_rep) END
			   ], NULL) AS raisons
		  FROM pg_temp.rpls_lu,
			   LATERAL (SELECT %3$s) v
	$q$, charger_rpls.bailleur, ncols,
	  (SELECT string_agg(format('%s AS %s',
								CASE WHEN array_position(cols, upper(c)) IS NULL THEN 'NULL::text'
									 ELSE format('f[%s]', array_position(cols, upper(c))) END, c), ', ')
		 FROM unnest(ARRAY['ident_rep', 'ident_int', 'depcom', 'epci', 'qpv', 'typeconst', 'nbpiece',
						   'surfhab', 'construct', 'locat', 'patrimoine', 'origine', 'finan', 'cus', 'conv',
						   'sortiepatrim', 'mode', 'loyerprinc', 'contreslog',
						   'numvoie', 'indrep', 'typvoie', 'nomvoie', 'cplocal', 'libcom']) c));
	IF to_regclass('pg_temp.rpls_valide') IS NOT NULL THEN DROP TABLE pg_temp.rpls_valide; END IF;
	EXECUTE sql_valide;

	sql_upsert := format($q$
		WITH ecrit AS (
			INSERT INTO flux.logement AS l (bailleur_id, ident_rep, ident_int, depcom, epci, qpv, typeconst, nbpiece,
				surfhab, construct, locat, patrimoine, origine, finan, cus, conv, sortiepatrim, mode,
				loyerprinc, contreslog, adresse, date_sortie)
			SELECT %1$s, v.ident_rep, v.ident_int, v.depcom, v.epci, v.qpv = '1', v.typeconst, v.nbpiece::smallint,
				   replace(v.surfhab, ',', '.')::numeric, v.construct::smallint, v.locat::smallint, v.patrimoine::smallint,
				   v.origine::smallint, v.finan::smallint, v.cus::smallint, v.conv = '1',
				   coalesce(v.sortiepatrim, '9')::smallint, coalesce(v.mode, '9')::smallint,
				   nullif(replace(v.loyerprinc, ',', '.')::numeric, 9999), v.contreslog::smallint,
				   nullif(concat_ws(' ', v.numvoie, v.indrep, v.typvoie, v.nomvoie, v.cplocal, v.libcom), ''),
				   CASE WHEN coalesce(v.sortiepatrim, '9') <> '9' THEN make_date(%2$s - 1, 12, 31) END
			  FROM pg_temp.rpls_valide v
			 WHERE v.ligne BETWEEN $1 AND $2 AND cardinality(v.raisons) = 0
			ON CONFLICT (bailleur_id, ident_int) DO UPDATE SET
				(%3$s, date_sortie) = (%4$s,
					CASE WHEN EXCLUDED.sortiepatrim = 9 THEN NULL
						 ELSE coalesce(l.date_sortie, EXCLUDED.date_sortie) END)
			 WHERE (%5$s) IS DISTINCT FROM (%4$s)
			RETURNING (xmax = 0) AS nouveau
		)
		SELECT count(*) FILTER (WHERE nouveau) AS ins, count(*) FILTER (WHERE NOT nouveau) AS maj FROM ecrit
	$q$, charger_rpls.bailleur, annee_rpls,
	  -- a column the file does not have keeps its value
	  array_to_string(presentes, ', '),
	  (SELECT string_agg('EXCLUDED.' || c, ', ') FROM unnest(presentes) c),
	  (SELECT string_agg('l.' || c, ', ') FROM unnest(presentes) c));

	FOR debut IN SELECT g FROM generate_series(1, greatest(total, 1)::integer + 1, lot_taille) g LOOP
		BEGIN
			EXECUTE sql_upsert INTO r USING debut, debut + lot_taille - 1;
			n_ins := n_ins + r.ins;
			n_maj := n_maj + r.maj;
		EXCEPTION WHEN OTHERS THEN
			-- cannot happen after the checks above; if it does, the batch is
			-- replayed line by line so that only the guilty lines are refused
			DECLARE
				i integer;
			BEGIN
				FOR i IN SELECT v.ligne FROM pg_temp.rpls_valide v
						  WHERE v.ligne BETWEEN debut AND debut + lot_taille - 1 AND cardinality(v.raisons) = 0
						  ORDER BY v.ligne LOOP
					BEGIN
						EXECUTE sql_upsert INTO r USING i, i;
						n_ins := n_ins + r.ins;
						n_maj := n_maj + r.maj;
					EXCEPTION WHEN OTHERS THEN
						UPDATE pg_temp.rpls_valide v SET raisons = ARRAY[SQLERRM] WHERE v.ligne = i;
					END;
				END LOOP;
			END;
		END;
		IF debut + lot_taille - 1 < total THEN
			RAISE NOTICE 'rpls: % / % lines read, % inserted, % updated',
				debut + lot_taille - 1, total, n_ins, n_maj;
		END IF;
	END LOOP;

	INSERT INTO flux.rpls_rejet (bailleur_id, annee_rpls, ligne, ident_int, raisons, texte)
	SELECT charger_rpls.bailleur, annee_rpls, v.ligne, v.ident_int, v.raisons, v.texte
	  FROM pg_temp.rpls_valide v WHERE cardinality(v.raisons) > 0 ORDER BY v.ligne;
	GET DIAGNOSTICS n_rej = ROW_COUNT;
	SELECT count(*) INTO n_ok FROM pg_temp.rpls_valide v WHERE cardinality(v.raisons) = 0;

	DELETE FROM flux.rpls_ligne l WHERE l.session = sess;

	lues := total;
	inserees := n_ins;
	mises_a_jour := n_maj;
	inchangees := n_ok - n_ins - n_maj;
	rejetees := n_rej;
	RAISE NOTICE 'rpls: % lines read, % inserted, % updated, % unchanged, % rejected (see flux.rpls_rejet)',
		lues, inserees, mises_a_jour, inchangees, rejetees;
	RETURN NEXT;
END
$fn$;
COMMENT ON FUNCTION flux.charger_rpls(bigint, integer, integer) IS
	'Load the RPLS lines staged in this session into flux.logement for a bailleur: validate, upsert by IDENT_INT, reject bad lines with their reasons into flux.rpls_rejet; idempotent';
