--
-- src/modele.sql: the model: the schema's grant, RPLS reference codes, enumerations,
--   communes, bailleurs, réservataires, conventions, programmes, logements,
--   yearly parameters, vacancies, and the triggers that check a convention
--
-- C: none
-- Builds on: the kernels
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The schema
--------------------------------------------------------------------------

-- the schema is usable by every role; what each role may read or change is
-- granted table by table (and, later, by row-level security)
GRANT USAGE ON SCHEMA flux TO PUBLIC;

--------------------------------------------------------------------------
-- Reference data: RPLS codes with their French labels (owned by flux)
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
-- Enumerations
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

CREATE TYPE flux.source_rotation AS ENUM ('bailleur', 'departementale', 'imposee');

COMMENT ON TYPE flux.source_rotation IS
	'Where the forecast''s rotation rate comes from: the bailleur''s own vacancies (bailleur), the published mean of the département from RPLS (departementale, Ornex art. 4.1), or a rate imposed for the year (imposee)';

CREATE TYPE flux.entree_programme AS ENUM ('annee_suivante', 'premiere_vacance');

COMMENT ON TYPE flux.entree_programme IS
	'When a new programme''s units join the flux: the year after their first letting (annee_suivante: Ornex, Publier) or at their first vacancy after it (premiere_vacance: the Ile-de-France reading)';

CREATE TYPE flux.definition_rotation AS ENUM ('relocations', 'emmenagements', 'disponibles');

COMMENT ON TYPE flux.definition_rotation IS
	'The three ANCOLS definitions of the rotation rate: relettings of units in the stock for 2 years or more (relocations), households moving in (emmenagements), units available including new ones (disponibles)';

--------------------------------------------------------------------------
-- Territory helpers (pure)
--------------------------------------------------------------------------

-- not STRICT (a NULL code gives NULL all the same): a STRICT SQL function
-- whose body is a CASE is never inlined, and this one computes the stored
-- column flux.logement.departement of every unit loaded (1.7 us a row
-- called, none inlined; issue 17)
CREATE FUNCTION flux.departement_de(depcom text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN depcom LIKE '97%' THEN pg_catalog.substr(depcom, 1, 3)
				ELSE pg_catalog.substr(depcom, 1, 2) END;

COMMENT ON FUNCTION flux.departement_de(text) IS
	'Département of an INSEE commune code: ''69381'' -> ''69'', ''2A004'' -> ''2A'', ''97411'' -> ''974''';

--------------------------------------------------------------------------
-- Tables of the model (user data: kept by pg_dump)
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
	CONSTRAINT convention_flux_taux CHECK ((regime = 'flux') = (taux IS NOT NULL)),
	-- A collectivity's share rests on loan guarantees (at most 20 % in total on
	-- its territory, FAQ §4.1) and, beyond, on a recorded land or funding
	-- contribution (FAQ: a commune at 20 % that also brought land may reach 25 %).
	taux_contrepartie flux.taux,
	contrepartie text,
	CONSTRAINT convention_contrepartie_justifiee
		CHECK (taux_contrepartie IS NULL OR (contrepartie IS NOT NULL AND taux IS NOT NULL
		AND taux_contrepartie <= taux)),
	taux_effort_max numeric(5, 2) CONSTRAINT convention_taux_effort_max
		CHECK (taux_effort_max > 0 AND taux_effort_max <= 100),
	sous_occupation_max integer NOT NULL DEFAULT 1 CONSTRAINT convention_sous_occupation_max
		CHECK (sous_occupation_max BETWEEN 0 AND 8),
	refus_compte_quota boolean NOT NULL DEFAULT false,
	-- reservations for national defence, internal security or public health
	-- stay in stock (FAQ §3.2; Publier art. 2.2)
	maintien_stock flux.motif_exclusion CONSTRAINT convention_maintien_stock
		CHECK (maintien_stock IS NULL OR (regime = 'stock'
			   AND maintien_stock IN ('defense', 'securite_interieure', 'sante'))),
	-- 0.10.0: a collectivity's convention widened to the département (FAQ §2.3)
	perimetre_departemental boolean NOT NULL DEFAULT false
);

CREATE INDEX ON flux.convention (bailleur_id, departement);

CREATE INDEX ON flux.convention (reservataire_id);

COMMENT ON TABLE flux.convention IS 'Conventions de réservation: one per bailleur x réservataire x département (optionally restricted to communes)';

COMMENT ON COLUMN flux.convention.id IS 'Surrogate key';

COMMENT ON COLUMN flux.convention.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.convention.reservataire_id IS 'The réservataire';

COMMENT ON COLUMN flux.convention.reference IS 'The parties'' reference of the convention';

COMMENT ON COLUMN flux.convention.departement IS 'Département the convention covers';

COMMENT ON COLUMN flux.convention.communes IS 'INSEE codes the convention is restricted to (a collectivity''s territory and the communes where it holds reservations, a justified employer need); NULL = the whole département (for a commune or an EPCI: only with perimetre_departemental, else it becomes its territory)';

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

--------------------------------------------------------------------------
-- New programmes (their units refer to them; their first letting: conversion.sql)
--------------------------------------------------------------------------

CREATE TABLE flux.programme (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id		bigint NOT NULL REFERENCES flux.bailleur,
	nom				text NOT NULL,
	depcom			text NOT NULL CONSTRAINT programme_depcom_format
					CHECK (depcom ~ '^([0-9]{5}|2[AB][0-9]{3})$'),
	date_livraison	date,
	UNIQUE (bailleur_id, nom)
);

COMMENT ON TABLE flux.programme IS
	'New programmes: their first letting stays in stock, shared between the réservataires who financed them (flux.premiere_attribution)';

COMMENT ON COLUMN flux.programme.id IS 'Surrogate key';

COMMENT ON COLUMN flux.programme.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.programme.nom IS 'Name of the programme';

COMMENT ON COLUMN flux.programme.depcom IS 'INSEE code of its commune';

COMMENT ON COLUMN flux.programme.date_livraison IS 'Delivery date';

SELECT pg_catalog.pg_extension_config_dump('flux.programme', '');

SELECT pg_catalog.pg_extension_config_dump('flux.programme_id_seq', '');

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
									 OR date_sortie >= date_mise_en_service),
	programme_id bigint REFERENCES flux.programme
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
	PRIMARY KEY (bailleur_id, departement, annee),
	objectif_cia_qpv numeric(5, 2) NOT NULL DEFAULT 50
		CONSTRAINT parametre_annuel_objectif_cia_qpv CHECK (objectif_cia_qpv BETWEEN 0 AND 100),
	-- 0.10.0: where the forecast's rotation rate comes from, and when a new
	-- programme's units join the flux
	source_rotation	flux.source_rotation,
	entree_programmes flux.entree_programme NOT NULL DEFAULT 'annee_suivante',
	CONSTRAINT parametre_annuel_source_rotation
		CHECK (source_rotation IS NULL OR (source_rotation = 'imposee') = (taux_rotation IS NOT NULL)),
	decalage_rotation_publiee integer NOT NULL DEFAULT 2
		CONSTRAINT parametre_annuel_decalage_rotation_publiee CHECK (decalage_rotation_publiee BETWEEN 1 AND 5)
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

COMMENT ON COLUMN flux.parametre_annuel.source_rotation IS
	'Where the forecast''s rotation rate comes from (flux.source_rotation); NULL = imposee when taux_rotation is set, else bailleur';

COMMENT ON COLUMN flux.parametre_annuel.decalage_rotation_publiee IS
	'With source_rotation departementale: the last published year read is N minus this (2: the rates of N-4 to N-2, the moves of N-1 being published after the forecast of 28 February N)';

COMMENT ON COLUMN flux.parametre_annuel.entree_programmes IS
	'When a new programme''s units join the flux (flux.entree_programme): annee_suivante (default) or premiere_vacance';

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
-- Triggers: what a CHECK cannot see across tables
--------------------------------------------------------------------------

/*
 * A convention covers a bailleur's stock in one département.  A
 * collectivity's convention covers its own territory (a commune's, its
 * commune; an EPCI's, its communes; a département's, its département),
 * unless it holds reservations elsewhere in the département (FAQ §2.3):
 * then it may also cover the communes where it holds them, or, declared by
 * perimetre_departemental, the whole département ("la convention aura
 * pour échelle le département").  "Holds reservations" there: a unit of
 * this bailleur in this département, still in its stock (SORTIEPATRIM 9),
 * tied to the collectivity, by flux.logement.stock_reservataire_id or by a
 * stock reservation (flux.reservation, converted or not) whose right still
 * runs on the convention's date_effet (flux.fin_droits: its end, or five
 * years after the loan's repayment; a right that has ended reserves
 * nothing).  flux.reservation and flux.fin_droits belong to conversion.sql,
 * a later layer: this body reads them when it runs, as a PL/pgSQL body
 * does.  Only collectivities and employers (a justified need, never down
 * to one programme) may restrict a convention to communes.  Two
 * conventions of the same parties in the same département may not be in
 * force on the same day.
 */
CREATE FUNCTION flux.convention_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	r flux.reservataire;
	territoire text[];
	reservees text[];
	hors_territoire text[];
	nom_territoire text;
	autre bigint;
BEGIN
	SELECT * INTO r FROM flux.reservataire WHERE id = NEW.reservataire_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'réservataire % does not exist', NEW.reservataire_id
			USING ERRCODE = 'foreign_key_violation',
				  HINT = 'Create it in flux.reservataire first.';
	END IF;

	IF NEW.perimetre_departemental AND r.categorie NOT IN ('commune', 'epci') THEN
		RAISE EXCEPTION 'perimetre_departemental is for a commune''s or an EPCI''s convention, not one with %', r.categorie
			USING ERRCODE = 'check_violation',
				  DETAIL = 'Any other convention covers the whole département already, or its own département.',
				  HINT = 'Leave perimetre_departemental false.';
	END IF;

	IF r.categorie IN ('commune', 'epci') THEN
		-- its own territory, in the convention's département
		IF r.categorie = 'commune' THEN
			territoire := ARRAY[r.depcom];
			nom_territoire := format('commune %s', r.depcom);
		ELSE
			SELECT array_agg(c.depcom ORDER BY c.depcom) INTO territoire
			  FROM flux.commune c
			 WHERE c.epci = r.epci AND c.departement = NEW.departement;
			nom_territoire := format('EPCI %s', r.epci);
		END IF;
		-- the communes of the département where it holds reservations of this
		-- bailleur outside its territory
		SELECT array_agg(DISTINCT l.depcom ORDER BY l.depcom) INTO reservees
		  FROM flux.logement l
		 WHERE l.bailleur_id = NEW.bailleur_id AND l.departement = NEW.departement
		   AND l.sortiepatrim = 9
		   AND l.depcom <> ALL (coalesce(territoire, '{}'))
		   AND (l.stock_reservataire_id = r.id
				OR EXISTS (SELECT 1 FROM flux.reservation s
							WHERE s.logement_id = l.id AND s.reservataire_id = r.id
							  AND (s.date_debut IS NULL OR s.date_debut <= NEW.date_effet)
							  AND coalesce(flux.fin_droits(s.date_fin, s.date_remboursement), 'infinity') > NEW.date_effet));

		IF NEW.perimetre_departemental THEN
			IF reservees IS NULL THEN
				RAISE EXCEPTION 'convention of % cannot cover the whole département %: it holds no reservation of bailleur % outside its territory there',
						nom_territoire, NEW.departement, NEW.bailleur_id
					USING ERRCODE = 'check_violation',
						  DETAIL = format('Réservataire %s (%s): no unit of the bailleur in the département outside its territory is tied to it (flux.logement.stock_reservataire_id) or reserved to it by a right still running on %s (flux.reservation).', r.id, r.nom, NEW.date_effet),
						  HINT = 'A collectivity''s convention covers its own territory (FAQ §2.3): leave perimetre_departemental false, or record its reservations first.';
			END IF;
			IF NEW.communes IS NOT NULL THEN
				RAISE EXCEPTION 'a convention with perimetre_departemental covers the whole département: communes must be NULL'
					USING ERRCODE = 'check_violation',
						  HINT = format('Set communes to NULL, or perimetre_departemental to false to list communes (its territory and %s).', array_to_string(reservees, ', '));
			END IF;
		ELSE
			IF territoire IS NULL AND NEW.communes IS NULL THEN
				RAISE EXCEPTION 'EPCI % has no commune in département %', r.epci, NEW.departement
					USING ERRCODE = 'check_violation',
						  HINT = 'Load its communes into flux.commune (with their epci) first, or list the convention''s communes.';
			END IF;
			IF NEW.communes IS NULL THEN
				NEW.communes := territoire;
			END IF;
			SELECT array_agg(x ORDER BY x) INTO hors_territoire
			  FROM unnest(NEW.communes) x
			 WHERE x <> ALL (coalesce(territoire, '{}')) AND x <> ALL (coalesce(reservees, '{}'));
			IF hors_territoire IS NOT NULL THEN
				RAISE EXCEPTION 'convention of % covers communes outside its territory: %',
						nom_territoire, array_to_string(hors_territoire, ', ')
					USING ERRCODE = 'check_violation',
						  DETAIL = CASE WHEN r.categorie = 'commune'
										THEN format('Réservataire %s (%s) is the commune %s', r.id, r.nom, r.depcom)
										ELSE format('Réservataire %s (%s) is the EPCI %s; flux.commune does not place these communes in it', r.id, r.nom, r.epci) END
								   || CASE WHEN reservees IS NULL
										   THEN format(', and it holds no reservation of bailleur %s elsewhere in département %s.', NEW.bailleur_id, NEW.departement)
										   ELSE format(', and it holds reservations of bailleur %s elsewhere in département %s only in %s.', NEW.bailleur_id, NEW.departement, array_to_string(reservees, ', ')) END,
						  HINT = 'List only communes of its territory or where it holds reservations (flux.logement.stock_reservataire_id, flux.reservation), or leave communes NULL for its territory.';
			END IF;
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
REVOKE EXECUTE ON FUNCTION flux.convention_verifier() FROM PUBLIC;

COMMENT ON FUNCTION flux.convention_verifier() IS
	'Trigger: a convention stays on its réservataire''s territory (widened, for a collectivity, to the communes where it holds reservations, or the département with perimetre_departemental), in one département, and does not overlap another of the same parties';

CREATE TRIGGER convention_verifier
	BEFORE INSERT OR UPDATE ON flux.convention
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.convention'))
	EXECUTE FUNCTION flux.convention_verifier();

COMMENT ON COLUMN flux.convention.taux_contrepartie IS
	'Part of the share granted for a land or funding contribution (not a loan guarantee); NULL = none';

COMMENT ON COLUMN flux.convention.contrepartie IS
	'The land or funding contribution that justifies taux_contrepartie (deed, deliberation, amount)';

CREATE INDEX ON flux.logement (programme_id) WHERE programme_id IS NOT NULL;

COMMENT ON COLUMN flux.logement.programme_id IS 'The new programme the unit belongs to, for its first letting';

COMMENT ON COLUMN flux.convention.taux_effort_max IS
	'Highest effort rate of a suitable offer, in percent (the seeds leave "X %" to each convention); NULL: not judged on it';

COMMENT ON COLUMN flux.convention.sous_occupation_max IS
	'Rooms beyond the household''s size a suitable offer may have (1)';

COMMENT ON COLUMN flux.convention.perimetre_departemental IS
	'A commune''s or an EPCI''s convention that covers the whole département (communes NULL), allowed when it holds reservations of the bailleur outside its territory there (FAQ §2.3); false = its territory, and the communes where it holds reservations if listed';

COMMENT ON COLUMN flux.convention.refus_compte_quota IS
	'An orientation the réservataire refused (or let expire) still counts against its quota in the orientation engine';

COMMENT ON COLUMN flux.convention.maintien_stock IS
	'A stock convention that stays in stock by law: its reservations are for national defence (defense), internal security (securite_interieure) or public health establishments (sante); never late, never taken back by the préfet, never converted; NULL otherwise';

COMMENT ON COLUMN flux.parametre_annuel.objectif_cia_qpv IS
	'CIA objective: share of the attributions in QPV to households of quartiles 2 to 4, in percent (50 by default)';

--------------------------------------------------------------------------
-- Checks of the arguments the functions take (no silent zeros)
--------------------------------------------------------------------------

/*
 * Every function that takes a year, a bailleur, a département, an EPCI or
 * a réservataire checks it first: a NULL is 22004, a value of the wrong
 * form 22023, an id or an EPCI flux does not know P0002, each with the value
 * in the message and a hint.  An unknown bailleur would otherwise give an
 * empty assiette, that is a row of zeros a bailleur could sign.
 * flux.verifier_portee returns true, so that a SQL-standard function can
 * call it in its WHERE clause: a qual without columns is a one-time filter,
 * run once per call, and the function stays inlinable.
 */
CREATE FUNCTION flux.verifier_annee(annee integer) RETURNS void
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF annee IS NULL THEN
		RAISE EXCEPTION 'year is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass a year between 2000 and 2100.';
	END IF;
	IF annee NOT BETWEEN 2000 AND 2100 THEN
		RAISE EXCEPTION 'year % is out of range', annee
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass a year between 2000 and 2100.';
	END IF;
END
$$;

COMMENT ON FUNCTION flux.verifier_annee(integer) IS
	'Raises 22004 on NULL and 22023 unless the year is between 2000 and 2100 (the years of flux.parametre_annuel); used by every yearly function';

CREATE FUNCTION flux.verifier_departement(departement text) RETURNS void
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF departement IS NULL THEN
		RAISE EXCEPTION 'département is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass a département code such as ''01'', ''2A'' or ''974''.';
	END IF;
	IF departement !~ '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$' THEN
		RAISE EXCEPTION '"%" is not a département code', departement
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A département is two characters (''01'' to ''95'', ''2A'', ''2B'') or three overseas (''971'' to ''976''): write ''01'', not ''1''.';
	END IF;
END
$$;

COMMENT ON FUNCTION flux.verifier_departement(text) IS
	'Raises 22004 on NULL and 22023 unless the text is a département code (01 to 95 without 20, 2A, 2B, 971 to 976)';

CREATE FUNCTION flux.verifier_bailleur(bailleur bigint) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF bailleur IS NULL THEN
		RAISE EXCEPTION 'bailleur is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of a row of flux.bailleur.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM flux.bailleur b WHERE b.id = verifier_bailleur.bailleur) THEN
		RAISE EXCEPTION 'bailleur % does not exist', bailleur
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.bailleur.';
	END IF;
END
$$;

COMMENT ON FUNCTION flux.verifier_bailleur(bigint) IS
	'Raises 22004 on NULL and P0002 unless the id is a row of flux.bailleur';

CREATE FUNCTION flux.verifier_reservataire(reservataire bigint) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF reservataire IS NULL THEN
		RAISE EXCEPTION 'réservataire is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of a row of flux.reservataire.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM flux.reservataire r WHERE r.id = verifier_reservataire.reservataire) THEN
		RAISE EXCEPTION 'réservataire % does not exist', reservataire
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.reservataire.';
	END IF;
END
$$;

COMMENT ON FUNCTION flux.verifier_reservataire(bigint) IS
	'Raises 22004 on NULL and P0002 unless the id is a row of flux.reservataire';

CREATE FUNCTION flux.verifier_epci(epci text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF epci IS NULL THEN
		RAISE EXCEPTION 'EPCI is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the SIREN of an EPCI (9 digits), as in flux.commune.epci.';
	END IF;
	IF epci !~ '^[0-9]{9}$' THEN
		RAISE EXCEPTION '"%" is not an EPCI SIREN', epci
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'An EPCI is known by its SIREN, 9 digits, as in flux.commune.epci.';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM flux.commune c WHERE c.epci = verifier_epci.epci)
	   AND NOT EXISTS (SELECT 1 FROM flux.reservataire r WHERE r.epci = verifier_epci.epci) THEN
		RAISE EXCEPTION 'EPCI % is not known to flux', epci
			USING ERRCODE = 'no_data_found',
				  HINT = 'Load its communes into flux.commune with their epci (docs/rpls-loading.md, the INSEE COG).';
	END IF;
END
$$;

COMMENT ON FUNCTION flux.verifier_epci(text) IS
	'Raises 22004 on NULL, 22023 unless 9 digits, and P0002 unless a commune or a réservataire of flux.commune / flux.reservataire has that EPCI';

CREATE FUNCTION flux.verifier_portee(bailleur bigint, departement text, annee integer) RETURNS boolean
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	PERFORM flux.verifier_bailleur(bailleur);
	PERFORM flux.verifier_departement(departement);
	PERFORM flux.verifier_annee(annee);
	RETURN true;
END
$$;

COMMENT ON FUNCTION flux.verifier_portee(bigint, text, integer) IS
	'Checks a bailleur, a département and a year (flux.verifier_bailleur, verifier_departement, verifier_annee) and returns true: the one-time filter of the SQL-standard assiette functions';
