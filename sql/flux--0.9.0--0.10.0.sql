--
-- flux 0.9.0 -> 0.10.0: figures a bailleur can sign, the stock side as the
-- texts say (issue 14)
--
-- One section per concern.  What each object is now: src/*.sql.  Every
-- existing row is kept: columns are added last, with defaults that give
-- the 0.9.0 figures where the texts did not ask for a change.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.10.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- The model: the yearly parameters' new choices, the checks of arguments
-- ---------------------------------------------------------------------------

CREATE TYPE flux.source_rotation AS ENUM ('bailleur', 'departementale', 'imposee');

COMMENT ON TYPE flux.source_rotation IS
	'Where the forecast''s rotation rate comes from: the bailleur''s own vacancies (bailleur), the published mean of the département from RPLS (departementale, Ornex art. 4.1), or a rate imposed for the year (imposee)';

CREATE TYPE flux.entree_programme AS ENUM ('annee_suivante', 'premiere_vacance');

COMMENT ON TYPE flux.entree_programme IS
	'When a new programme''s units join the flux: the year after their first letting (annee_suivante: Ornex, Publier) or at their first vacancy after it (premiere_vacance: the Ile-de-France reading)';

ALTER TABLE flux.parametre_annuel
	ADD COLUMN source_rotation flux.source_rotation,
	ADD COLUMN entree_programmes flux.entree_programme NOT NULL DEFAULT 'annee_suivante',
	ADD CONSTRAINT parametre_annuel_source_rotation
		CHECK (source_rotation IS NULL OR (source_rotation = 'imposee') = (taux_rotation IS NOT NULL)),
	ADD COLUMN decalage_rotation_publiee integer NOT NULL DEFAULT 2
		CONSTRAINT parametre_annuel_decalage_rotation_publiee CHECK (decalage_rotation_publiee BETWEEN 1 AND 5);

COMMENT ON COLUMN flux.parametre_annuel.decalage_rotation_publiee IS
	'With source_rotation departementale: the last published year read is N minus this (2: the rates of N-4 to N-2, the moves of N-1 being published after the forecast of 28 February N)';

COMMENT ON COLUMN flux.parametre_annuel.source_rotation IS
	'Where the forecast''s rotation rate comes from (flux.source_rotation); NULL = imposee when taux_rotation is set, else bailleur';

COMMENT ON COLUMN flux.parametre_annuel.entree_programmes IS
	'When a new programme''s units join the flux (flux.entree_programme): annee_suivante (default) or premiere_vacance';

CREATE OR REPLACE FUNCTION flux.verifier_annee(annee integer) RETURNS void
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

-- whether a candidate counts for the réservataire of the convention
-- (flux.decompte, the bilans, the SNE exchanges: one rule): the
-- réservataire designated it, management is delegated, or the bailleur
-- recorded its candidate as counting for the réservataire.  SQL-standard
-- and immutable: inlined where it is called.
CREATE FUNCTION flux.compte_pour_reservataire(designe_par flux.designe_par, mode flux.mode_gestion,
											  bailleur_compte_pour_reservataire boolean)
	RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN designe_par OPERATOR(pg_catalog.=) 'reservataire' OR mode OPERATOR(pg_catalog.=) 'deleguee'
		OR bailleur_compte_pour_reservataire;

COMMENT ON FUNCTION flux.compte_pour_reservataire(flux.designe_par, flux.mode_gestion, boolean) IS
	'Whether a candidate counts for the convention''s réservataire: designated by it, under delegated management, or recorded so by the bailleur (bailleur_compte_pour_reservataire)';

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

-- ---------------------------------------------------------------------------
-- The assiette: what RPLS and the bailleur's plans say (issue 14 items 1, 7, 9)
-- ---------------------------------------------------------------------------

-- (section of the assiette)

-- flux.classer keeps its 14-argument form of 0.2.0 (same C entry) and
-- gains the 18-argument form that flux now calls.
COMMENT ON FUNCTION flux.classer(integer, flux.famille_bailleur, boolean, smallint, smallint, char, smallint, flux.motif_hors_champ, flux.motif_exclusion, date, date, smallint, boolean, boolean) IS
	'The classification rule of a unit for year N as of 0.9.0 (no SORTIEPATRIM, no plan, new programmes the year after their first letting); flux calls the 18-argument form';

CREATE TYPE flux.nature_plan AS ENUM ('vente', 'demolition');

COMMENT ON TYPE flux.nature_plan IS
	'What a plan of the bailleur does to its units: sell them (vente: the plan de mise en vente of the CUS, an authorisation L. 443-7) or demolish them (demolition: an ANRU convention, a demolition programme)';

CREATE TABLE flux.plan_patrimoine (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id		bigint NOT NULL REFERENCES flux.bailleur,
	nature			flux.nature_plan NOT NULL,
	programme_id	bigint REFERENCES flux.programme,
	logement_id		bigint REFERENCES flux.logement,
	annee_debut		integer NOT NULL,
	annee_fin		integer NOT NULL,
	reference		text NOT NULL CONSTRAINT plan_patrimoine_reference CHECK (reference <> ''),
	CONSTRAINT plan_patrimoine_cible CHECK ((programme_id IS NULL) <> (logement_id IS NULL)),
	CONSTRAINT plan_patrimoine_annees CHECK (annee_debut BETWEEN 2000 AND 2100
											 AND annee_fin BETWEEN annee_debut AND 2100)
);

CREATE INDEX ON flux.plan_patrimoine (logement_id) WHERE logement_id IS NOT NULL;

CREATE INDEX ON flux.plan_patrimoine (programme_id) WHERE programme_id IS NOT NULL;

CREATE INDEX ON flux.plan_patrimoine (bailleur_id);

COMMENT ON TABLE flux.plan_patrimoine IS
	'The bailleur''s plans of sales and demolitions, by programme or by unit: each unit a plan covers in year N is excluded from the flux (B) that year with the plan''s nature, without setting flux.logement.exclusion';

COMMENT ON COLUMN flux.plan_patrimoine.id IS 'Surrogate key (the explanation of a unit names it)';

COMMENT ON COLUMN flux.plan_patrimoine.bailleur_id IS 'The bailleur whose plan it is; the programme or the unit is its own';

COMMENT ON COLUMN flux.plan_patrimoine.nature IS 'vente or demolition: the motive of the exclusion (flux.classement)';

COMMENT ON COLUMN flux.plan_patrimoine.programme_id IS 'The programme planned: all its units (flux.logement.programme_id); NULL when the plan names a unit';

COMMENT ON COLUMN flux.plan_patrimoine.logement_id IS 'The unit planned; NULL when the plan names a programme';

COMMENT ON COLUMN flux.plan_patrimoine.annee_debut IS 'First year the plan covers (2000 to 2100)';

COMMENT ON COLUMN flux.plan_patrimoine.annee_fin IS 'Last year the plan covers, inclusive (annee_debut or later)';

COMMENT ON COLUMN flux.plan_patrimoine.reference IS 'The text it comes from, e.g. ''CUS 2025-2030, plan de mise en vente'' or ''Convention ANRU NPNRU Les Ecrins''';

SELECT pg_catalog.pg_extension_config_dump('flux.plan_patrimoine', '');

SELECT pg_catalog.pg_extension_config_dump('flux.plan_patrimoine_id_seq', '');

/*
 * A plan names a programme or a unit of its own bailleur, over ordered
 * years; a programme or a unit is in at most one plan in a year (two plans
 * of one unit would say two motives).  The CHECK constraints stay as the
 * last guard; this trigger says the same with the values and a hint.
 */
CREATE FUNCTION flux.plan_patrimoine_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	proprietaire bigint;
	autre flux.plan_patrimoine;
	cible text;
BEGIN
	IF NEW.programme_id IS NULL AND NEW.logement_id IS NULL THEN
		RAISE EXCEPTION 'plan % names neither a programme nor a unit', NEW.id
			USING ERRCODE = 'check_violation',
				  HINT = 'Set programme_id (all the units of a programme) or logement_id (one unit), not both.';
	END IF;
	IF NEW.programme_id IS NOT NULL AND NEW.logement_id IS NOT NULL THEN
		RAISE EXCEPTION 'plan % names both programme % and logement %', NEW.id, NEW.programme_id, NEW.logement_id
			USING ERRCODE = 'check_violation',
				  HINT = 'A plan names a programme or a unit: make one plan per programme or per unit.';
	END IF;
	IF NEW.annee_debut NOT BETWEEN 2000 AND 2100 OR NEW.annee_fin NOT BETWEEN 2000 AND 2100 THEN
		RAISE EXCEPTION 'plan % covers years % to %, out of range', NEW.id, NEW.annee_debut, NEW.annee_fin
			USING ERRCODE = 'check_violation',
				  HINT = 'Years are between 2000 and 2100.';
	END IF;
	IF NEW.annee_fin < NEW.annee_debut THEN
		RAISE EXCEPTION 'plan % ends in % before it starts in %', NEW.id, NEW.annee_fin, NEW.annee_debut
			USING ERRCODE = 'check_violation',
				  HINT = 'annee_debut is the first year the plan covers and annee_fin the last (inclusive): a one-year plan has both equal.';
	END IF;

	IF NEW.logement_id IS NOT NULL THEN
		cible := format('logement %s', NEW.logement_id);
		SELECT l.bailleur_id INTO proprietaire FROM flux.logement l WHERE l.id = NEW.logement_id;
	ELSE
		cible := format('programme %s', NEW.programme_id);
		SELECT p.bailleur_id INTO proprietaire FROM flux.programme p WHERE p.id = NEW.programme_id;
	END IF;
	IF NOT FOUND THEN
		RAISE EXCEPTION '% does not exist', cible
			USING ERRCODE = 'foreign_key_violation',
				  HINT = CASE WHEN NEW.logement_id IS NOT NULL THEN 'Name a row of flux.logement (load the unit first).'
							  ELSE 'Name a row of flux.programme (create the programme first).' END;
	END IF;
	IF proprietaire IS DISTINCT FROM NEW.bailleur_id THEN
		RAISE EXCEPTION '% belongs to bailleur %, not to bailleur % of plan %', cible, proprietaire,
				coalesce(NEW.bailleur_id::text, 'NULL'), NEW.id
			USING ERRCODE = 'check_violation',
				  HINT = format('A bailleur plans its own stock: set bailleur_id to %s, or name a unit or a programme of bailleur %s.',
								proprietaire, coalesce(NEW.bailleur_id::text, 'NULL'));
	END IF;

	-- one lock per bailleur (its plans name only its own stock), taken again
	-- by each row of a bulk load without filling the lock table
	PERFORM pg_advisory_xact_lock(hashtext('flux.plan_patrimoine'), hashtext(NEW.bailleur_id::text));
	SELECT * INTO autre
	  FROM flux.plan_patrimoine x
	 WHERE x.id <> NEW.id
	   AND (x.logement_id = NEW.logement_id OR x.programme_id = NEW.programme_id)
	   AND x.annee_debut <= NEW.annee_fin AND NEW.annee_debut <= x.annee_fin
	 ORDER BY x.id
	 LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION '% is already in plan % (%, %) over % to %', cible, autre.id, autre.nature,
				autre.reference, autre.annee_debut, autre.annee_fin
			USING ERRCODE = 'exclusion_violation',
				  DETAIL = format('Plan %s would cover it over %s to %s.', NEW.id, NEW.annee_debut, NEW.annee_fin),
				  HINT = format('A programme or a unit is in one plan a year: end plan %s (annee_fin) before this one starts, or amend it.', autre.id);
	END IF;
	RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.plan_patrimoine_verifier() FROM PUBLIC;

COMMENT ON FUNCTION flux.plan_patrimoine_verifier() IS
	'Trigger: a plan names a programme or a unit of its own bailleur over ordered years, and a programme or a unit is in one plan a year (23514, 23503, 23P01)';

CREATE TRIGGER plan_patrimoine_verifier
	BEFORE INSERT OR UPDATE ON flux.plan_patrimoine
	FOR EACH ROW EXECUTE FUNCTION flux.plan_patrimoine_verifier();

--------------------------------------------------------------------------
-- The rule of 0.10.0, and the functions over the stock
--------------------------------------------------------------------------

/*
 * The rule with what RPLS and the plans say (src/assiette.c): sortiepatrim
 * with date_sortie, the nature of the plan covering the unit in year N and
 * that of the plan covering its programme (the caller looks them up), and
 * the year's flux.parametre_annuel.entree_programmes.  Precedence in B: the
 * motive set by hand, then RPLS, then the unit's plan, then its
 * programme's.
 */
CREATE FUNCTION flux.classer(
	annee integer, famille flux.famille_bailleur, conv boolean,
	finan smallint, cus smallint, typeconst char(1), mode smallint,
	hors_champ flux.motif_hors_champ, exclusion flux.motif_exclusion,
	date_sortie date, date_mise_en_service date, locat smallint,
	exclure_plai_adapte boolean, exclure_gens_du_voyage boolean,
	sortiepatrim smallint, plan_logement flux.nature_plan, plan_programme flux.nature_plan,
	entree_programmes flux.entree_programme)
	RETURNS flux.classement
	AS 'MODULE_PATHNAME', 'flux_classer'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION flux.classer(integer, flux.famille_bailleur, boolean, smallint, smallint, char, smallint, flux.motif_hors_champ, flux.motif_exclusion, date, date, smallint, boolean, boolean, smallint, flux.nature_plan, flux.nature_plan, flux.entree_programme) IS
	'The classification rule of a unit for year N (docs/modele.md, the assiette): with RPLS SORTIEPATRIM, the plans of the unit and of its programme, and the programme entry of the year; NULL for a NULL year; used by every assiette function';

/*
 * Every unit of a bailleur in a département, classified for the year.  One
 * SQL-standard SELECT, inlined into its callers: the bailleur's family and
 * the year's options are read once (InitPlans); the plans covering the year
 * are two small hashed subqueries, one by unit and one by programme (one
 * row per unit or programme: the trigger keeps one plan a year; a single
 * set of units, the programmes' expanded, reads the stock a second time
 * when no index is used, bench/assiette); and flux.verifier_portee is a
 * one-time filter that refuses a NULL or unknown bailleur, a code that is
 * not a département and a year out of range before any row is read.  The
 * bailleur and the département are compared through scalar subqueries
 * ((SELECT $1): an InitPlan, read once) so that a NULL passed as a
 * constant is not folded at plan time into "l.bailleur_id = NULL", a
 * constant false that would drop the one-time filter with the rest of the
 * WHERE clause and answer a row of zeros instead of the error.
 * flux.assiette and flux.assiette_communes check through it.
 */
CREATE OR REPLACE FUNCTION flux.logements_classes(bailleur bigint, annee integer, departement text)
	RETURNS TABLE(logement_id bigint, bailleur_id bigint, departement text, depcom text, epci text,
				  qpv boolean, patrimoine smallint, classement flux.classement)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 100000
BEGIN ATOMIC
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
									 AND p.annee OPERATOR(pg_catalog.=) $2), false),
						l.sortiepatrim, pu.nature, pp.nature,
						coalesce((SELECT p.entree_programmes FROM flux.parametre_annuel p
								   WHERE p.bailleur_id OPERATOR(pg_catalog.=) $1
									 AND p.departement OPERATOR(pg_catalog.=) $3
									 AND p.annee OPERATOR(pg_catalog.=) $2), 'annee_suivante'::flux.entree_programme))
	  FROM flux.logement l
	  LEFT JOIN (SELECT x.logement_id, pg_catalog.min(x.nature) AS nature
				   FROM flux.plan_patrimoine x
				  WHERE x.bailleur_id OPERATOR(pg_catalog.=) $1
					AND x.logement_id IS NOT NULL
					AND x.annee_debut OPERATOR(pg_catalog.<=) $2
					AND x.annee_fin OPERATOR(pg_catalog.>=) $2
				  GROUP BY x.logement_id) pu ON pu.logement_id OPERATOR(pg_catalog.=) l.id
	  LEFT JOIN (SELECT x.programme_id, pg_catalog.min(x.nature) AS nature
				   FROM flux.plan_patrimoine x
				  WHERE x.bailleur_id OPERATOR(pg_catalog.=) $1
					AND x.programme_id IS NOT NULL
					AND x.annee_debut OPERATOR(pg_catalog.<=) $2
					AND x.annee_fin OPERATOR(pg_catalog.>=) $2
				  GROUP BY x.programme_id) pp ON pp.programme_id OPERATOR(pg_catalog.=) l.programme_id
	 WHERE flux.verifier_portee($1, $3, $2)
	   AND l.bailleur_id OPERATOR(pg_catalog.=) (SELECT $1)
	   AND l.departement OPERATOR(pg_catalog.=) (SELECT $3);
END;

COMMENT ON FUNCTION flux.logements_classes(bigint, integer, text) IS
	'Every unit of a bailleur in a département with its classement for the year (RPLS SORTIEPATRIM and the plans of flux.plan_patrimoine included); refuses a NULL or unknown bailleur, a non-département code, a year out of range';

-- A, B by motive, C, and what is listed apart, for a bailleur x département x year
CREATE OR REPLACE FUNCTION flux.assiette(bailleur bigint, departement text, annee integer)
	RETURNS TABLE(parc_concerne bigint, exclus bigint, assiette bigint, exclus_defense bigint,
				  exclus_securite_interieure bigint, exclus_sante bigint, exclus_vente bigint,
				  exclus_demolition bigint, exclus_plai_adapte bigint, exclus_gens_du_voyage bigint,
				  non_concernes bigint, logements_foyers bigint, residences_sociales bigint,
				  residences_universitaires bigint, intermediaires bigint, sem_non_conventionnes bigint,
				  premieres_locations bigint, hors_parc bigint)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
BEGIN ATOMIC
	SELECT
		coalesce(pg_catalog.sum(n.n) FILTER (WHERE flux.statut(n.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu'])), 0)::bigint,
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
			 GROUP BY k.classement) n;
END;

COMMENT ON FUNCTION flux.assiette(bigint, text, integer) IS
	'The assiette of a bailleur in a département for year N: A (parc concerné) = B (excluded, by motive) + C (subject to the flux); units never concerned, first lettings and units out of the stock listed apart; refuses a NULL or unknown bailleur, a non-département code, a year out of range';

-- the same per commune, for commune and EPCI conventions
CREATE OR REPLACE FUNCTION flux.assiette_communes(bailleur bigint, departement text, annee integer)
	RETURNS TABLE(depcom text, commune text, epci text, parc_concerne bigint, exclus bigint,
				  assiette bigint, assiette_qpv bigint, assiette_hors_qpv bigint)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT k.depcom, c.nom, coalesce(c.epci, pg_catalog.min(k.epci)),
		   pg_catalog.count(*) FILTER (WHERE flux.statut(k.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu'])),
		   pg_catalog.count(*) FILTER (WHERE flux.statut(k.classement) OPERATOR(pg_catalog.=) 'exclu'),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette'),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette' AND k.qpv),
		   pg_catalog.count(*) FILTER (WHERE k.classement OPERATOR(pg_catalog.=) 'assiette' AND NOT k.qpv)
	  FROM flux.logements_classes($1, $3, $2) k
	  LEFT JOIN flux.commune c ON c.depcom OPERATOR(pg_catalog.=) k.depcom
	 GROUP BY k.depcom, c.nom, c.epci
	 ORDER BY k.depcom;
END;

COMMENT ON FUNCTION flux.assiette_communes(bigint, text, integer) IS
	'The assiette per commune (A, B, C, and C in and outside QPV), for commune and EPCI conventions; refuses a NULL or unknown bailleur, a non-département code, a year out of range';

/*
 * Why a unit is in or out, in words (French: réservataires read it).  The
 * class is flux.classer's, with the same inputs as flux.logements_classes;
 * the words name what decided: the RPLS field and its code, the plan and its
 * reference, the charter option, the programme entry of the year.
 */
CREATE OR REPLACE FUNCTION flux.expliquer_logement(logement bigint, annee integer)
	RETURNS TABLE (classement flux.classement, statut text, raison text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	l flux.logement;
	b flux.bailleur;
	p flux.parametre_annuel;
	pu flux.plan_patrimoine;
	pp flux.plan_patrimoine;
	prog flux.programme;
	entree flux.entree_programme;
	k flux.classement;
	premiere integer;
	j date;
	sortie_rpls boolean;
	sortie text;
BEGIN
	PERFORM flux.verifier_annee(expliquer_logement.annee);
	SELECT * INTO l FROM flux.logement WHERE id = expliquer_logement.logement;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'logement % does not exist', coalesce(expliquer_logement.logement::text, 'NULL')
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.logement.';
	END IF;
	SELECT * INTO b FROM flux.bailleur WHERE id = l.bailleur_id;
	SELECT * INTO p FROM flux.parametre_annuel
	 WHERE bailleur_id = l.bailleur_id AND departement = l.departement
	   AND parametre_annuel.annee = expliquer_logement.annee;
	-- the plans covering the year, as flux.logements_classes finds them
	SELECT * INTO pu FROM flux.plan_patrimoine x
	 WHERE x.logement_id = l.id AND x.bailleur_id = l.bailleur_id
	   AND x.annee_debut <= expliquer_logement.annee AND x.annee_fin >= expliquer_logement.annee
	 ORDER BY x.nature, x.id LIMIT 1;
	SELECT * INTO pp FROM flux.plan_patrimoine x
	 WHERE x.programme_id = l.programme_id AND x.bailleur_id = l.bailleur_id
	   AND x.annee_debut <= expliquer_logement.annee AND x.annee_fin >= expliquer_logement.annee
	 ORDER BY x.nature, x.id LIMIT 1;
	SELECT * INTO prog FROM flux.programme WHERE id = l.programme_id;
	entree := coalesce(p.entree_programmes, 'annee_suivante');

	k := flux.classer(expliquer_logement.annee, b.famille, l.conv, l.finan, l.cus, l.typeconst, l.mode,
					  l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat,
					  coalesce(p.exclure_plai_adapte, false), coalesce(p.exclure_gens_du_voyage, false),
					  l.sortiepatrim, pu.nature, pp.nature, entree);
	premiere := coalesce(extract(year FROM l.date_mise_en_service)::integer, l.locat);
	j := make_date(expliquer_logement.annee, 1, 1);
	-- RPLS says sold or demolished during the year (rule 4b of flux.classer)
	sortie_rpls := l.sortiepatrim BETWEEN 1 AND 4 AND l.date_sortie > j
				   AND l.date_sortie < make_date(expliquer_logement.annee + 1, 1, 1);
	sortie := CASE l.sortiepatrim WHEN 1 THEN 'vendu à son occupant' WHEN 2 THEN 'vendu à un autre bailleur social'
								  WHEN 3 THEN 'autre vente' WHEN 4 THEN 'démoli' WHEN 5 THEN 'autre sortie' END;

	classement := k;
	statut := flux.statut(k);
	raison := CASE k
		WHEN 'hors_parc' THEN
			CASE WHEN l.date_sortie <= j
				 THEN format('hors du parc au 1er janvier %s : sorti le %s (SORTIEPATRIM %s, %s)',
							 expliquer_logement.annee, l.date_sortie, l.sortiepatrim, sortie)
				 ELSE format('hors du parc en %s : mis en service le %s',
							 expliquer_logement.annee, l.date_mise_en_service) END
		WHEN 'logement_foyer' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'jamais concerné : logement-foyer (hors_champ)'
				 ELSE 'jamais concerné : loué à une association, logement-foyer (MODE 4)' END
		WHEN 'residence_sociale' THEN 'jamais concerné : résidence sociale (hors_champ)'
		WHEN 'residence_universitaire' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'jamais concerné : résidence universitaire (hors_champ)'
				 ELSE 'jamais concerné : logement étudiant (TYPECONST E)' END
		WHEN 'intermediaire' THEN
			CASE WHEN l.hors_champ IS NOT NULL THEN 'jamais concerné : logement intermédiaire (hors_champ)'
				 ELSE format('jamais concerné : logement intermédiaire (FINAN %s, CUS %s : PLI)', l.finan, coalesce(l.cus::text, 'vide')) END
		WHEN 'sem_non_conventionne' THEN
			format('jamais concerné : le bailleur %s est une SEM et le logement n''est pas conventionné APL (CONV 2)', b.nom)
		WHEN 'premiere_location' THEN
			CASE WHEN entree = 'annee_suivante'
				 THEN format('première mise en location en %s d''un programme neuf : reste gérée en stock (concertation entre réservataires), le logement intègre l''assiette en %s (entree_programmes annee_suivante)',
							 premiere, premiere + 1)
				 ELSE format('première mise en location en %s d''un programme neuf : reste gérée en stock (concertation entre réservataires), le logement intègre le flux à sa première libération ensuite (entree_programmes premiere_vacance)',
							 premiere) END
		WHEN 'assiette' THEN
			format('dans l''assiette de %s : logement %s dans le parc depuis %s, %s%s%s%s',
				   expliquer_logement.annee,
				   (SELECT f.libelle FROM flux.rpls_finan f WHERE f.finan = l.finan),
				   coalesce(premiere::text, 'avant les dates RPLS'),
				   CASE WHEN l.qpv THEN 'en QPV' ELSE 'hors QPV' END,
				   CASE WHEN premiere = expliquer_logement.annee
						THEN format(', programme neuf mis en location en %s : sa première location reste en stock, il intègre le flux à sa première libération (entree_programmes premiere_vacance)', premiere)
						ELSE '' END,
				   CASE WHEN l.exclusion IS NOT NULL
						THEN format(', %s non exclu : l''option de la charte locale est désactivée en %s', l.exclusion, expliquer_logement.annee)
						ELSE '' END,
				   CASE WHEN l.sortiepatrim = 5 AND l.date_sortie > j
						THEN format(', sorti du patrimoine le %s (SORTIEPATRIM 5, autre sortie) : ce n''est pas une exclusion, hors du parc à partir de %s',
									l.date_sortie, extract(year FROM l.date_sortie)::integer + 1)
						ELSE '' END)
		WHEN 'defense' THEN 'exclu du flux (B) : réservé à la défense nationale (exclusion saisie)'
		WHEN 'securite_interieure' THEN 'exclu du flux (B) : réservé à la sécurité intérieure (exclusion saisie)'
		WHEN 'sante' THEN 'exclu du flux (B) : réservé à un établissement public de santé (exclusion saisie)'
		WHEN 'plai_adapte' THEN 'exclu du flux (B) : PLAI adapté, exclu par la charte locale (exclusion saisie)'
		WHEN 'gens_du_voyage' THEN 'exclu du flux (B) : logement des gens du voyage, exclu par la charte locale (exclusion saisie)'
		ELSE
			-- vente, demolition: what decided, in the order of flux.classer
			CASE
				WHEN l.exclusion::text = k::text THEN
					format('exclu du flux (B) : %s (exclusion saisie)',
						   CASE k WHEN 'vente' THEN 'mis en vente' ELSE 'voué à la démolition' END)
				WHEN sortie_rpls THEN
					format('exclu du flux (B) : %s le %s selon RPLS (SORTIEPATRIM %s%s)',
						   CASE k WHEN 'vente' THEN 'vendu' ELSE 'démoli' END, l.date_sortie, l.sortiepatrim,
						   CASE WHEN l.sortiepatrim <> 4 THEN ', ' || sortie ELSE '' END)
				WHEN pu.id IS NOT NULL AND pu.nature::text = k::text THEN
					format('exclu du flux (B) : inscrit au plan %s n° %s (%s, %s à %s)',
						   CASE k WHEN 'vente' THEN 'de vente' ELSE 'de démolition' END,
						   pu.id, pu.reference, pu.annee_debut, pu.annee_fin)
				WHEN pp.id IS NOT NULL AND pp.nature::text = k::text THEN
					format('exclu du flux (B) : son programme %s (%s) est inscrit au plan %s n° %s (%s, %s à %s)',
						   prog.id, prog.nom, CASE k WHEN 'vente' THEN 'de vente' ELSE 'de démolition' END,
						   pp.id, pp.reference, pp.annee_debut, pp.annee_fin)
			END
	END;
	IF raison IS NULL THEN
		-- flux.classer and these words disagree: a bug, never a reason that does not apply
		RAISE EXCEPTION 'flux.expliquer_logement cannot explain classement % of logement % in %', k, l.id, expliquer_logement.annee
			USING ERRCODE = 'internal_error',
				  HINT = 'Report it with the unit''s row: the explanation no longer follows flux.classer.';
	END IF;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION flux.expliquer_logement(bigint, integer) IS
	'Why a unit is in or out of the assiette of a year, in French: the rule, and the RPLS field (SORTIEPATRIM and its date) or the plan (its id and reference) that decided; refuses a NULL or out-of-range year';

-- the check of a new orientation classifies with the same rule (src/workflow.sql)
CREATE OR REPLACE FUNCTION flux.orientation_verifier_insertion() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	x record;
BEGIN
	SELECT n.id, n.vacance_id, n.convention_id, n.date_orientation, v.date_preavis, v.date_disponible,
		   v.date_relocation, l.id AS logement_id, l.bailleur_id, l.departement, l.depcom,
		   c.bailleur_id AS c_bailleur, c.departement AS c_departement, c.date_effet, c.date_fin, c.communes,
		   k.classement,
		   CASE WHEN v.date_relocation IS NOT NULL AND v.date_relocation <= n.date_orientation THEN 'relouee'
				WHEN n.date_orientation < least(v.date_preavis, v.date_disponible) THEN 'pas_encore'
				WHEN n.hors_flux IS NOT NULL THEN NULL
				WHEN v.premiere_location THEN 'premiere_location'
				WHEN c.regime <> 'flux' THEN 'stock'
				WHEN c.bailleur_id <> l.bailleur_id OR c.departement <> l.departement THEN 'territoire'
				WHEN NOT daterange(c.date_effet, c.date_fin) @> n.date_orientation THEN 'hors_vigueur'
				WHEN c.communes IS NOT NULL AND NOT l.depcom = ANY (c.communes) THEN 'commune'
				WHEN k.classement <> 'assiette' THEN 'assiette'
		   END AS faute
	  INTO x
	  FROM nouvelles n
	  JOIN flux.vacance v ON v.id = n.vacance_id
	  JOIN flux.logement l ON l.id = v.logement_id
	  JOIN flux.bailleur b ON b.id = l.bailleur_id
	  LEFT JOIN flux.convention c ON c.id = n.convention_id
	  LEFT JOIN flux.parametre_annuel p ON p.bailleur_id = l.bailleur_id AND p.departement = l.departement
									   AND p.annee = extract(year FROM n.date_orientation)::integer
	 CROSS JOIN LATERAL (
		-- the rule of flux.logements_classes for the year of the orientation:
		-- RPLS SORTIEPATRIM, the plans covering that year, the programme entry
		SELECT flux.classer(extract(year FROM n.date_orientation)::integer, b.famille, l.conv, l.finan, l.cus,
							l.typeconst, l.mode, l.hors_champ, l.exclusion, l.date_sortie,
							l.date_mise_en_service, l.locat,
							coalesce(p.exclure_plai_adapte, false), coalesce(p.exclure_gens_du_voyage, false),
							l.sortiepatrim,
							(SELECT min(pl.nature) FROM flux.plan_patrimoine pl
							  WHERE pl.logement_id = l.id AND pl.bailleur_id = l.bailleur_id
								AND extract(year FROM n.date_orientation)::integer BETWEEN pl.annee_debut AND pl.annee_fin),
							(SELECT min(pl.nature) FROM flux.plan_patrimoine pl
							  WHERE pl.programme_id = l.programme_id AND pl.bailleur_id = l.bailleur_id
								AND extract(year FROM n.date_orientation)::integer BETWEEN pl.annee_debut AND pl.annee_fin),
							coalesce(p.entree_programmes, 'annee_suivante'))
			   AS classement
		 WHERE n.hors_flux IS NULL) k
	 WHERE v.date_relocation <= n.date_orientation
		OR n.date_orientation < least(v.date_preavis, v.date_disponible)
		OR (n.hors_flux IS NULL AND (v.premiere_location OR c.regime <> 'flux'
			OR c.bailleur_id <> l.bailleur_id OR c.departement <> l.departement
			OR NOT daterange(c.date_effet, c.date_fin) @> n.date_orientation
			OR (c.communes IS NOT NULL AND NOT l.depcom = ANY (c.communes))
			OR k.classement <> 'assiette'))
	 ORDER BY n.id
	 LIMIT 1;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;

	CASE x.faute
	WHEN 'relouee' THEN
		RAISE EXCEPTION 'logement % is not vacant on %: relet on %', x.logement_id, x.date_orientation, x.date_relocation
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Orient a vacancy that is not relet yet (flux.vacance.date_relocation).';
	WHEN 'pas_encore' THEN
		RAISE EXCEPTION 'logement % is not vacant yet on %: notice on %, available on %', x.logement_id,
				x.date_orientation, coalesce(x.date_preavis::text, 'none'), x.date_disponible
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Orient it from the tenant''s notice (date_preavis) or the date it is available.';
	WHEN 'premiere_location' THEN
		RAISE EXCEPTION 'vacancy % is the first letting of logement %: it stays in stock', x.vacance_id, x.logement_id
			USING ERRCODE = 'check_violation',
				  HINT = 'Share first lettings with flux.premiere_attribution and record them with hors_flux = ''premiere_location''.';
	WHEN 'stock' THEN
		RAISE EXCEPTION 'convention % is managed in stock: it takes no orientation', x.convention_id
			USING ERRCODE = 'check_violation',
				  HINT = 'Orient to a flux convention; a stock convention''s units go back to it (see flux.conformite).';
	WHEN 'territoire' THEN
		RAISE EXCEPTION 'convention % (bailleur %, département %) does not cover logement % (bailleur %, département %)',
				x.convention_id, x.c_bailleur, x.c_departement, x.logement_id, x.bailleur_id, x.departement
			USING ERRCODE = 'check_violation',
				  HINT = 'Orient to a convention of the unit''s bailleur in its département.';
	WHEN 'hors_vigueur' THEN
		RAISE EXCEPTION 'convention % is not in force on %: from % to %', x.convention_id, x.date_orientation,
				x.date_effet, coalesce(x.date_fin::text, 'open end')
			USING ERRCODE = 'check_violation',
				  HINT = 'Orient to a convention in force that day.';
	WHEN 'commune' THEN
		RAISE EXCEPTION 'convention % does not cover commune % of logement %', x.convention_id, x.depcom, x.logement_id
			USING ERRCODE = 'check_violation',
				  DETAIL = format('It covers %s.', array_to_string(x.communes, ', ')),
				  HINT = 'Orient the unit to a convention covering its commune.';
	ELSE
		RAISE EXCEPTION 'logement % is not in the assiette of %: %', x.logement_id,
				extract(year FROM x.date_orientation), x.classement
			USING ERRCODE = 'check_violation',
				  HINT = format('SELECT * FROM flux.expliquer_logement(%s, %s) says why; let it outside the flux (hors_flux) if it must be let.',
								x.logement_id, extract(year FROM x.date_orientation));
	END CASE;
END
$$;

-- ---------------------------------------------------------------------------
-- The forecast, the shares and the soustractions (issue 14 items 4, 5, 6, 9)
-- ---------------------------------------------------------------------------

-- (section of the forecast)

-- the published mean rotation of a département, the units given back during the year
CREATE TABLE flux.rotation_departementale (
	departement		text NOT NULL CONSTRAINT rotation_departementale_departement_format
					CHECK (departement ~ '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$'),
	annee			integer NOT NULL CONSTRAINT rotation_departementale_annee CHECK (annee BETWEEN 2000 AND 2100),
	definition		flux.definition_rotation NOT NULL DEFAULT 'relocations',
	taux			numeric(5, 2) NOT NULL CONSTRAINT rotation_departementale_taux CHECK (taux BETWEEN 0 AND 100),
	source			text NOT NULL CONSTRAINT rotation_departementale_source CHECK (pg_catalog.btrim(source) <> ''),
	PRIMARY KEY (departement, annee, definition)
);

COMMENT ON TABLE flux.rotation_departementale IS
	'Published mean rotation rates of the social stock of a département, year by year, from RPLS (Ornex art. 4.1: "le taux moyen départemental des 3 dernières années issu des données RPLS"); filled by the DBA';

COMMENT ON COLUMN flux.rotation_departementale.departement IS 'The département';

COMMENT ON COLUMN flux.rotation_departementale.annee IS 'The year Y the moves took place (published with the RPLS of 1 January Y+1, in the autumn of Y+1)';

COMMENT ON COLUMN flux.rotation_departementale.definition IS 'The ANCOLS definition the rate follows (as flux.parametre_annuel.definition_rotation)';

COMMENT ON COLUMN flux.rotation_departementale.taux IS 'The rate in percent';

COMMENT ON COLUMN flux.rotation_departementale.source IS 'The publication it comes from (e.g. SDES, RPLS au 1er janvier 2024, tableau du département)';

SELECT pg_catalog.pg_extension_config_dump('flux.rotation_departementale', '');

/*
 * FAQ (§6, "Quelles sont les conséquences en cas de surestimation"): a
 * bailleur whose forecast soustractions were overestimated "sera invité à
 * redistribuer du flux aux réservataires en cours d'exercice annuel ou à
 * soustraire l'année suivante les logements surnuméraires sur son propre
 * contingent".  Giving back during the year is the bailleur's decision,
 * taken when it sees the overestimate: it records here, per category, the
 * units of year N it oriented to réservataires on top of their due for
 * that reason.  What is overestimated and not recorded here is taken from
 * the bailleur's own share in N+1 (flux.flux_previsionnel, flux.parts).
 */
CREATE TABLE flux.redistribution (
	id				bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id		bigint NOT NULL REFERENCES flux.bailleur,
	departement		text NOT NULL CONSTRAINT redistribution_departement_format
					CHECK (departement ~ '^(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5]|97[1-6])$'),
	annee			integer NOT NULL CONSTRAINT redistribution_annee CHECK (annee BETWEEN 2000 AND 2100),
	hors_flux		text NOT NULL CONSTRAINT redistribution_categorie
					CHECK (hors_flux IN ('mutation', 'anru', 'orcod', 'lhi', 'vente', 'urgence')),
	logements		integer NOT NULL CONSTRAINT redistribution_logements CHECK (logements > 0),
	date_redistribution date NOT NULL,
	commentaire		text,
	CONSTRAINT redistribution_dans_l_annee
		CHECK (date_redistribution >= pg_catalog.make_date(annee, 1, 1)
			   AND date_redistribution < pg_catalog.make_date(annee + 1, 1, 1))
);

CREATE INDEX ON flux.redistribution (bailleur_id, departement, annee);

COMMENT ON TABLE flux.redistribution IS
	'Units of year N the bailleur gave back to the réservataires during N for a soustraction it overestimated (FAQ: "redistribuer du flux aux réservataires en cours d''exercice annuel"); the rest is taken from its own share in N+1';

COMMENT ON COLUMN flux.redistribution.id IS 'Surrogate key';

COMMENT ON COLUMN flux.redistribution.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.redistribution.departement IS 'The département';

COMMENT ON COLUMN flux.redistribution.annee IS 'The year N of the overestimated forecast';

COMMENT ON COLUMN flux.redistribution.hors_flux IS 'The category overestimated: mutation, anru, orcod, lhi, vente or urgence';

COMMENT ON COLUMN flux.redistribution.logements IS 'Units given back to the réservataires';

COMMENT ON COLUMN flux.redistribution.date_redistribution IS 'When it was decided (in year N)';

COMMENT ON COLUMN flux.redistribution.commentaire IS 'Free text (e.g. which réservataires, the notice sent)';

SELECT pg_catalog.pg_extension_config_dump('flux.redistribution', '');

SELECT pg_catalog.pg_extension_config_dump('flux.redistribution_id_seq', '');

-- flux.rotation: refuses a NULL or unknown bailleur, département, year or definition
CREATE FUNCTION flux.verifier_definition_rotation(definition flux.definition_rotation) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF definition IS NULL THEN
		RAISE EXCEPTION 'rotation definition is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass relocations, emmenagements or disponibles (flux.definition_rotation), or leave the argument out for relocations.';
	END IF;
	RETURN true;
END
$$;

COMMENT ON FUNCTION flux.verifier_definition_rotation(flux.definition_rotation) IS
	'Raises 22004 on NULL and returns true: the one-time filter of flux.rotation on its definition';

CREATE OR REPLACE FUNCTION flux.rotation(bailleur bigint, departement text, annee integer,
										 definition flux.definition_rotation DEFAULT 'relocations')
	RETURNS TABLE(annee integer, definition flux.definition_rotation, mouvements bigint, parc bigint,
				  taux_rotation numeric)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
BEGIN ATOMIC
	WITH k AS MATERIALIZED (
		-- the year's classification of every unit, once
		SELECT k.logement_id, k.patrimoine,
			   flux.statut(k.classement) OPERATOR(pg_catalog.=) ANY (ARRAY['assiette', 'exclu']) AS concerne
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
	 -- one-time filters, checked before anything is read: an unknown or
	 -- NULL bailleur, département, year or definition raises instead of
	 -- counting zero
	 WHERE flux.verifier_portee($1, $2, $3) AND flux.verifier_definition_rotation($4);
END;

COMMENT ON FUNCTION flux.rotation(bigint, text, integer, flux.definition_rotation) IS
	'Rotation rate of year Y in percent (ANCOLS definition relocations, emmenagements or disponibles), from the vacancies recorded, with its numerator and denominator';

CREATE FUNCTION flux.relocations_prevues(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (assiette bigint, definition_rotation flux.definition_rotation,
				   taux_rotation numeric, source_taux text, relocations_prevues integer)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	p flux.parametre_annuel;
	src flux.source_rotation;
	taux_annuels numeric[];
	annees integer[];
	sources text;
	manquantes text;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	SELECT * INTO p FROM flux.parametre_annuel pa
	 WHERE pa.bailleur_id = bailleur AND pa.departement = relocations_prevues.departement
	   AND pa.annee = relocations_prevues.annee;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no yearly parameters for bailleur %, département %, year %',
				bailleur, relocations_prevues.departement, relocations_prevues.annee
			USING ERRCODE = 'no_data_found',
				  DETAIL = 'The forecast needs the year''s soustractions and options.',
				  HINT = format('INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee) VALUES (%s, %L, %s) takes the defaults.',
								bailleur, relocations_prevues.departement, relocations_prevues.annee);
	END IF;

	SELECT a.assiette INTO assiette FROM flux.assiette(bailleur, relocations_prevues.departement, relocations_prevues.annee) a;
	definition_rotation := p.definition_rotation;
	src := coalesce(p.source_rotation, CASE WHEN p.taux_rotation IS NOT NULL THEN 'imposee' ELSE 'bailleur' END::flux.source_rotation);

	IF src = 'imposee' THEN
		taux_rotation := p.taux_rotation;
		source_taux := 'imposed in flux.parametre_annuel';
	ELSIF src = 'departementale' THEN
		SELECT array_agg(r.taux ORDER BY r.annee), array_agg(r.annee ORDER BY r.annee),
			   string_agg(DISTINCT r.source, '; ')
		  INTO taux_annuels, annees, sources
		  FROM flux.rotation_departementale r
		 WHERE r.departement = relocations_prevues.departement AND r.definition = p.definition_rotation
		   AND r.annee BETWEEN relocations_prevues.annee - p.decalage_rotation_publiee - 2 AND relocations_prevues.annee - p.decalage_rotation_publiee;
		IF coalesce(cardinality(taux_annuels), 0) < 3 THEN
			SELECT string_agg(y::text, ', ' ORDER BY y) INTO manquantes
			  FROM generate_series(relocations_prevues.annee - p.decalage_rotation_publiee - 2, relocations_prevues.annee - p.decalage_rotation_publiee) y
			 WHERE NOT y = ANY (coalesce(annees, '{}'));
			RAISE EXCEPTION 'no published rotation rate (%) of département % for %', p.definition_rotation,
					relocations_prevues.departement, manquantes
				USING ERRCODE = 'no_data_found',
					  DETAIL = format('The forecast of %s takes the mean of the rates published for %s to %s (flux.parametre_annuel.source_rotation = departementale).',
									  relocations_prevues.annee, relocations_prevues.annee - p.decalage_rotation_publiee - 2, relocations_prevues.annee - p.decalage_rotation_publiee),
					  HINT = format('INSERT INTO flux.rotation_departementale (departement, annee, definition, taux, source) VALUES (%L, <year>, %L, <rate>, ''<the RPLS publication>'') for each missing year.',
									relocations_prevues.departement, p.definition_rotation);
		END IF;
		taux_rotation := round((SELECT avg(t) FROM unnest(taux_annuels) t), 2);
		source_taux := format('departementale: mean of %s of département %s, %s to %s: %s (%s)', p.definition_rotation,
							  relocations_prevues.departement, relocations_prevues.annee - p.decalage_rotation_publiee - 2, relocations_prevues.annee - p.decalage_rotation_publiee,
							  array_to_string(taux_annuels, ' %, ') || ' %', sources);
	ELSE
		SELECT array_agg(r.taux_rotation ORDER BY y) INTO taux_annuels
		  FROM generate_series(relocations_prevues.annee - 3, relocations_prevues.annee - 1) y,
			   flux.rotation(bailleur, relocations_prevues.departement, y, p.definition_rotation) r
		 WHERE r.taux_rotation IS NOT NULL AND r.mouvements > 0;
		IF taux_annuels IS NULL THEN
			RAISE EXCEPTION 'no vacancy recorded for bailleur % in département % from % to %',
					bailleur, relocations_prevues.departement, relocations_prevues.annee - 3, relocations_prevues.annee - 1
				USING ERRCODE = 'no_data_found',
					  DETAIL = 'The rotation rate is the mean of the three previous years.',
					  HINT = 'Load past vacancies into flux.vacance, or set flux.parametre_annuel.taux_rotation, or source_rotation = ''departementale'' with flux.rotation_departementale.';
		END IF;
		taux_rotation := round((SELECT avg(t) FROM unnest(taux_annuels) t), 2);
		source_taux := format('mean of %s over %s year(s) before %s: %s', p.definition_rotation,
							  cardinality(taux_annuels), relocations_prevues.annee, array_to_string(taux_annuels, ' %, ') || ' %');
	END IF;

	relocations_prevues := round(assiette * taux_rotation / 100);
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION flux.relocations_prevues(bigint, text, integer) IS
	'The expected relettings of year N: assiette x the rotation rate of flux.parametre_annuel.source_rotation (imposed, the bailleur''s mean of N-3..N-1, or the département''s published mean of N-4..N-2), with the rate''s source';

CREATE FUNCTION flux.soustractions_prevues(bailleur bigint, departement text, annee integer,
										   relocations integer DEFAULT NULL)
	RETURNS TABLE (hors_flux text, prevision integer, origine text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	p flux.parametre_annuel;
	mutation integer;
	pourquoi text;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	SELECT * INTO p FROM flux.parametre_annuel pa
	 WHERE pa.bailleur_id = bailleur AND pa.departement = soustractions_prevues.departement
	   AND pa.annee = soustractions_prevues.annee;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF p.soustraire_mutation AND p.prevision_mutation IS NULL THEN
		IF relocations IS NULL THEN
			BEGIN
				SELECT r.relocations_prevues INTO relocations
				  FROM flux.relocations_prevues(bailleur, soustractions_prevues.departement, soustractions_prevues.annee) r;
			EXCEPTION WHEN no_data_found THEN
				pourquoi := SQLERRM;
			END;
		END IF;
		mutation := round(relocations * p.taux_mutation::numeric / 100)::integer;
		pourquoi := CASE WHEN relocations IS NULL THEN format('taux_mutation %s of the expected relettings, not computable: %s', p.taux_mutation, pourquoi)
						 ELSE format('taux_mutation %s of %s expected relettings', p.taux_mutation, relocations) END;
	ELSIF p.soustraire_mutation THEN
		mutation := p.prevision_mutation;
		pourquoi := 'prevision_mutation';
	END IF;

	RETURN QUERY VALUES
		('mutation', mutation, pourquoi),
		('anru', CASE WHEN p.soustraire_anru THEN p.prevision_anru END, CASE WHEN p.soustraire_anru THEN 'prevision_anru' END),
		('orcod', CASE WHEN p.soustraire_orcod THEN p.prevision_orcod END, CASE WHEN p.soustraire_orcod THEN 'prevision_orcod' END),
		('lhi', CASE WHEN p.soustraire_lhi THEN p.prevision_lhi END, CASE WHEN p.soustraire_lhi THEN 'prevision_lhi' END),
		('vente', CASE WHEN p.soustraire_vente THEN p.prevision_vente END, CASE WHEN p.soustraire_vente THEN 'prevision_vente' END),
		('urgence', CASE WHEN p.soustraire_urgence THEN p.prevision_urgence END, CASE WHEN p.soustraire_urgence THEN 'prevision_urgence' END);
END
$$;

COMMENT ON FUNCTION flux.soustractions_prevues(bigint, text, integer, integer) IS
	'The forecast soustractions of year N by category (NULL: not subtracted), the mutations'' default rate applied to the expected relettings, and where each figure comes from';

CREATE FUNCTION flux.surestimations(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (hors_flux text, prevision integer, origine_prevision text, realise integer,
				   surestimation integer, redistribue integer, a_reporter integer)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	WITH reel AS (
		SELECT o.hors_flux::text AS hors_flux, count(*)::integer AS n
		  FROM flux.orientation o
		  JOIN flux.vacance v ON v.id = o.vacance_id
		  JOIN flux.logement l ON l.id = v.logement_id
		 WHERE o.hors_flux IS NOT NULL AND o.etat <> 'annulee'
		   AND l.bailleur_id = $1 AND l.departement = $2
		   AND o.date_orientation >= make_date($3, 1, 1) AND o.date_orientation < make_date($3 + 1, 1, 1)
		 GROUP BY 1
	), rendu AS (
		SELECT r.hors_flux, sum(r.logements)::integer AS n
		  FROM flux.redistribution r
		 WHERE r.bailleur_id = $1 AND r.departement = $2 AND r.annee = $3
		 GROUP BY 1
	)
	SELECT s.hors_flux, s.prevision, s.origine, coalesce(x.n, 0),
		   greatest(s.prevision - coalesce(x.n, 0), 0),
		   coalesce(d.n, 0),
		   greatest(s.prevision - coalesce(x.n, 0) - coalesce(d.n, 0), 0)
	  FROM flux.soustractions_prevues($1, $2, $3) s
	  LEFT JOIN reel x ON x.hors_flux = s.hors_flux
	  LEFT JOIN rendu d ON d.hors_flux = s.hors_flux
	 ORDER BY array_position(ARRAY['mutation', 'anru', 'orcod', 'lhi', 'vente', 'urgence'], s.hors_flux)
$$;

COMMENT ON FUNCTION flux.surestimations(bigint, text, integer) IS
	'Year N by soustraction category: forecast, actual (orientations outside the flux), overestimate, units given back during N (flux.redistribution), and what is left to take from the bailleur''s own share in N+1';

-- new result columns, last: DROP and CREATE (no SQL-standard body depends on it)
DROP FUNCTION flux.flux_previsionnel(bigint, text, integer);

CREATE FUNCTION flux.flux_previsionnel(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (
		assiette bigint, definition_rotation flux.definition_rotation,
		taux_rotation numeric, source_taux text, relocations_prevues integer,
		soustraction_mutation integer, soustraction_anru integer, soustraction_orcod integer,
		soustraction_lhi integer, soustraction_vente integer, soustraction_urgence integer,
		soustractions integer, flux_a_repartir integer,
		report_surestimation integer, origine_report text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	s record;
BEGIN
	SELECT * INTO STRICT assiette, definition_rotation, taux_rotation, source_taux, relocations_prevues
	  FROM flux.relocations_prevues(bailleur, flux_previsionnel.departement, flux_previsionnel.annee);

	SELECT coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'mutation'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'anru'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'orcod'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'lhi'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'vente'), 0),
		   coalesce(max(x.prevision) FILTER (WHERE x.hors_flux = 'urgence'), 0)
	  INTO soustraction_mutation, soustraction_anru, soustraction_orcod, soustraction_lhi,
		   soustraction_vente, soustraction_urgence
	  FROM flux.soustractions_prevues(bailleur, flux_previsionnel.departement, flux_previsionnel.annee,
									  relocations_prevues) x;
	soustractions := soustraction_mutation + soustraction_anru + soustraction_orcod
		+ soustraction_lhi + soustraction_vente + soustraction_urgence;

	IF soustractions > relocations_prevues THEN
		RAISE EXCEPTION 'forecast soustractions (%) exceed the expected relettings (%) for bailleur %, département %, year %',
				soustractions, relocations_prevues, bailleur, flux_previsionnel.departement, flux_previsionnel.annee
			USING ERRCODE = 'numeric_value_out_of_range',
				  HINT = 'Lower the prevision_* columns of flux.parametre_annuel, or check the rotation rate.';
	END IF;
	flux_a_repartir := relocations_prevues - soustractions;

	-- the overestimate of N-1 not given back during N-1
	report_surestimation := 0;
	IF flux_previsionnel.annee > 2000 THEN
		SELECT coalesce(sum(x.a_reporter), 0)::integer AS total,
			   string_agg(format('%s %s (forecast %s, actual %s, given back %s)', x.hors_flux, x.a_reporter,
								 x.prevision, x.realise, x.redistribue), '; ')
				   FILTER (WHERE x.a_reporter > 0) AS detail
		  INTO s
		  FROM flux.surestimations(bailleur, flux_previsionnel.departement, flux_previsionnel.annee - 1) x;
		report_surestimation := s.total;
		origine_report := CASE WHEN s.total > 0
							   THEN format('overestimated in %s: %s', flux_previsionnel.annee - 1, s.detail) END;
	END IF;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION flux.flux_previsionnel(bigint, text, integer) IS
	'The forecast flux of year N: assiette x rotation (the bailleur''s mean of the 3 previous years, the département''s published mean, or imposed) = expected relettings (A), minus the forecast soustractions switched on (B), = units to share (C); and the overestimate of N-1 not given back, which flux.parts takes from the bailleur''s own share';

CREATE OR REPLACE FUNCTION flux.actualiser_taux(bailleur bigint, departement text, annee integer,
									 appliquer boolean DEFAULT false)
	RETURNS TABLE (convention_id bigint, reservataire_id bigint, reservataire text,
				   reserves integer, droits_expires integer, parc integer,
				   taux_precedent numeric, taux numeric, applique boolean)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	jan1 date;
	r record;
	precedent flux.taux;
	nouveau flux.taux;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	jan1 := make_date(annee, 1, 1);

	FOR r IN
		WITH classes AS MATERIALIZED (
			SELECT k.logement_id, k.depcom
			  FROM flux.logements_classes(actualiser_taux.bailleur, actualiser_taux.annee,
										  actualiser_taux.departement) k
			 WHERE k.classement = 'assiette'
		)
		SELECT c.id, c.reservataire_id, rs.nom, c.taux AS taux_convention,
			   (SELECT count(*) FROM classes k
				 WHERE c.communes IS NULL OR k.depcom = ANY (c.communes))::integer AS parc,
			   (SELECT count(*) FROM flux.reservation s JOIN classes k ON k.logement_id = s.logement_id
				 WHERE s.reservataire_id = c.reservataire_id AND s.droit = 'suite'
				   AND (c.communes IS NULL OR k.depcom = ANY (c.communes))
				   AND coalesce(s.date_debut, '-infinity') <= jan1
				   AND coalesce(flux.fin_droits(s.date_fin, s.date_remboursement), 'infinity') > jan1)::integer AS reserves,
			   (SELECT count(*) FROM flux.reservation s JOIN flux.logement l ON l.id = s.logement_id
				 WHERE s.reservataire_id = c.reservataire_id AND s.droit = 'suite'
				   AND l.bailleur_id = actualiser_taux.bailleur AND l.departement = actualiser_taux.departement
				   AND (c.communes IS NULL OR l.depcom = ANY (c.communes))
				   AND flux.fin_droits(s.date_fin, s.date_remboursement) >= jan1 - interval '1 year'
				   AND flux.fin_droits(s.date_fin, s.date_remboursement) < jan1)::integer AS expires
		  FROM flux.convention c
		  JOIN flux.reservataire rs ON rs.id = c.reservataire_id
		 WHERE c.bailleur_id = actualiser_taux.bailleur AND c.departement = actualiser_taux.departement
		   AND c.regime = 'flux' AND rs.categorie NOT IN ('etat', 'etat_agents')
		   AND daterange(c.date_effet, c.date_fin) && daterange(jan1, make_date(annee + 1, 1, 1))
		   AND EXISTS (SELECT 1 FROM flux.reservation s JOIN flux.logement l ON l.id = s.logement_id
						WHERE s.reservataire_id = c.reservataire_id
						  AND l.bailleur_id = actualiser_taux.bailleur
						  AND l.departement = actualiser_taux.departement)
		 ORDER BY c.id
	LOOP
		IF r.parc = 0 THEN
			RAISE EXCEPTION 'convention % has no unit in the assiette of % to compute a rate on', r.id, annee
				USING ERRCODE = 'division_by_zero',
					  DETAIL = format('Bailleur %s, département %s: the convention''s territory holds no unit subject to the flux.', bailleur, departement),
					  HINT = 'Check the stock loaded into flux.logement (flux.assiette) and the convention''s communes.';
		END IF;
		SELECT t.taux INTO precedent FROM flux.taux_annuel t
		 WHERE t.convention_id = r.id AND t.annee = actualiser_taux.annee - 1;
		precedent := coalesce(precedent, r.taux_convention);
		nouveau := flux.taux_reservataire(r.reserves, r.parc);

		IF appliquer THEN
			UPDATE flux.convention SET taux = nouveau WHERE id = r.id;
		END IF;
		INSERT INTO flux.taux_annuel AS t
			(convention_id, annee, reserves, droits_expires, parc, taux, taux_precedent, applique)
		VALUES (r.id, actualiser_taux.annee, r.reserves, r.expires, r.parc, nouveau, precedent, appliquer)
		ON CONFLICT ON CONSTRAINT taux_annuel_pkey DO UPDATE
		   SET reserves = EXCLUDED.reserves, droits_expires = EXCLUDED.droits_expires,
			   parc = EXCLUDED.parc, taux = EXCLUDED.taux, taux_precedent = EXCLUDED.taux_precedent,
			   applique = EXCLUDED.applique, calcule_le = now();

		convention_id := r.id;
		reservataire_id := r.reservataire_id;
		reservataire := r.nom;
		reserves := r.reserves;
		droits_expires := r.expires;
		parc := r.parc;
		taux_precedent := precedent::numeric;
		taux := nouveau::numeric;
		applique := appliquer;
		RETURN NEXT;
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.actualiser_taux(bigint, text, integer, boolean) IS
	'Yearly update of the rates of a bailleur''s flux conventions in a département from running stock rights over the assiette of the year; records flux.taux_annuel, and with appliquer writes the convention (caps checked)';

DROP FUNCTION flux.parts(bigint, text, integer);

CREATE FUNCTION flux.parts(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (convention_id bigint, reservataire_id bigint, reservataire text, categorie text,
				   taux numeric, source_taux text, fraction_annee numeric, fraction_territoire numeric,
				   taux_effectif numeric, flux_a_repartir integer, logements_dus integer,
				   dont_report integer, origine_report text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	jan1 date;
	fin date;
	jours integer;
	total integer;
	a bigint;
	conventions bigint[];
	reservataires bigint[];
	noms text[];
	categories text[];
	taux_lus numeric[];
	sources text[];
	fractions_annee numeric[];
	fractions_territoire numeric[];
	effectifs numeric[];
	dus integer[];
	somme numeric;
	i integer;
	report integer;
	origine text;
	propre integer;
	pris integer := 0;
	ajouts integer[];
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	jan1 := make_date(annee, 1, 1);
	fin := make_date(annee + 1, 1, 1);
	jours := fin - jan1;
	SELECT p.flux_a_repartir, p.assiette, p.report_surestimation, p.origine_report INTO total, a, report, origine
	  FROM flux.flux_previsionnel(bailleur, departement, annee) p;

	SELECT array_agg(x.convention_id ORDER BY x.ordre, x.cle), array_agg(x.reservataire_id ORDER BY x.ordre, x.cle),
		   array_agg(x.nom ORDER BY x.ordre, x.cle), array_agg(x.categorie ORDER BY x.ordre, x.cle),
		   array_agg(x.taux ORDER BY x.ordre, x.cle), array_agg(x.source ORDER BY x.ordre, x.cle),
		   array_agg(x.fraction_annee ORDER BY x.ordre, x.cle), array_agg(x.territoire ORDER BY x.ordre, x.cle),
		   array_agg(x.effectif ORDER BY x.ordre, x.cle), sum(x.effectif)
	  INTO conventions, reservataires, noms, categories, taux_lus, sources,
		   fractions_annee, fractions_territoire, effectifs, somme
	  FROM (
		WITH ac AS MATERIALIZED (
			SELECT k.depcom, k.assiette FROM flux.assiette_communes(parts.bailleur, parts.departement, parts.annee) k
		), brut AS (
			SELECT 1 AS ordre, c.id AS cle, c.id AS convention_id, c.reservataire_id, r.nom, r.categorie::text AS categorie,
				   coalesce(t.taux, c.taux)::numeric AS taux,
				   CASE WHEN t.taux IS NOT NULL THEN t.source ELSE 'convention' END AS source,
				   upper(v.p) - lower(v.p) AS jours_en_vigueur,
				   CASE WHEN c.communes IS NULL THEN 1::numeric
						WHEN a = 0 THEN 0::numeric
						ELSE (SELECT coalesce(sum(ac.assiette), 0) FROM ac WHERE ac.depcom = ANY (c.communes))::numeric / a
				   END AS territoire
			  FROM flux.convention c
			  JOIN flux.reservataire r ON r.id = c.reservataire_id
			  -- the rate applied for N or before; else the one an update of a
			  -- later year replaced; else the convention's
			  LEFT JOIN LATERAL (
				SELECT x.taux, x.source FROM (
					SELECT 1 AS o, ta.annee AS y, ta.taux, format('flux.taux_annuel %s', ta.annee) AS source
					  FROM flux.taux_annuel ta
					 WHERE ta.convention_id = c.id AND ta.applique AND ta.annee <= parts.annee
					UNION ALL
					SELECT 2, -ta.annee, ta.taux_precedent, format('flux.taux_annuel %s (rate before)', ta.annee)
					  FROM flux.taux_annuel ta
					 WHERE ta.convention_id = c.id AND ta.applique AND ta.annee > parts.annee
					   AND ta.taux_precedent IS NOT NULL) x
				 ORDER BY x.o, x.y DESC LIMIT 1) t ON true
			 CROSS JOIN LATERAL (SELECT daterange(c.date_effet, c.date_fin) * daterange(jan1, fin) AS p) v
			 WHERE c.bailleur_id = parts.bailleur AND c.departement = parts.departement
			   AND c.regime = 'flux' AND NOT isempty(v.p)
			UNION ALL
			SELECT 2, p.id, ce.id, ce.reservataire_id, r.nom, r.categorie::text,
				   CASE WHEN a = 0 THEN 0 ELSE flux.taux_reservataire(n.logements, a::integer)::numeric END,
				   format('reprise préfet %s: %s unit(s) of stock convention %s', p.arrete, n.logements, p.convention_id),
				   upper(v.p) - lower(v.p), 1::numeric
			  FROM flux.reprise_prefet p
			  JOIN flux.convention ce ON ce.id = p.convention_etat_id
			  JOIN flux.reservataire r ON r.id = ce.reservataire_id
			 CROSS JOIN LATERAL (SELECT daterange(p.date_debut, p.date_fin) * daterange(jan1, fin) AS p) v
			 CROSS JOIN LATERAL (
				SELECT count(*)::integer AS logements
				  FROM flux.reprise_prefet_logement pl
				  -- units of the assiette of N whose right still runs on 1 January N
				  JOIN flux.logements_classes(parts.bailleur, parts.annee, parts.departement) k
					ON k.logement_id = pl.logement_id AND k.classement = 'assiette'
				 WHERE pl.reprise_id = p.id AND coalesce(pl.fin_droits, 'infinity') > jan1) n
			 WHERE ce.bailleur_id = parts.bailleur AND ce.departement = parts.departement
			   AND NOT isempty(v.p)
		)
		SELECT b.*, round(b.jours_en_vigueur::numeric / jours, 4) AS fraction_annee,
			   floor(b.taux * b.jours_en_vigueur / jours * b.territoire * 100) / 100 AS effectif
		  FROM brut b) x;

	IF somme > 100 THEN
		RAISE EXCEPTION 'shares of bailleur %''s flux in département % add up to % in %, more than 100%%',
				bailleur, departement, trim_scale(somme) || '%', annee
			USING ERRCODE = 'numeric_value_out_of_range',
				  DETAIL = 'Shares: ' || (SELECT string_agg(format('%s (convention %s) %s%%', c, v, trim_scale(e)), ', ')
											 FROM unnest(categories, conventions, effectifs) u(c, v, e)) || '.',
				  HINT = 'A préfet''s decision adds units to the State''s share: lower another share, or lift the decision (flux.lever_reprise_prefet).';
	END IF;
	dus := flux.repartir(total, coalesce(effectifs::flux.taux[], '{}'));

	-- the overestimate of N-1 not given back: taken from the bailleur's own
	-- share and given to the shares in proportion to them (largest
	-- remainders, ties to the first), as far as its own share holds
	propre := total - coalesce((SELECT sum(d) FROM unnest(dus) d), 0);
	IF report > 0 AND somme > 0 THEN
		pris := least(report, propre);
		SELECT array_agg(q.n ORDER BY q.i) INTO ajouts
		  FROM (SELECT u.i, (floor(pris * u.e / somme)
							 + CASE WHEN row_number() OVER (ORDER BY pris * u.e / somme - floor(pris * u.e / somme) DESC, u.i)
										 <= pris - sum(floor(pris * u.e / somme)) OVER () THEN 1 ELSE 0 END)::integer AS n
				  FROM unnest(effectifs) WITH ORDINALITY u(e, i)) q;
	END IF;
	IF report > 0 AND pris < report THEN
		origine := origine || CASE WHEN coalesce(somme, 0) = 0
			THEN format('; none taken: no réservataire''s share to give the %s unit(s) to', report)
			ELSE format('; %s of the %s unit(s) taken: the bailleur''s own share holds no more', pris, report) END;
	END IF;

	FOR i IN 1 .. coalesce(cardinality(conventions), 0) LOOP
		convention_id := conventions[i];
		reservataire_id := reservataires[i];
		reservataire := noms[i];
		categorie := categories[i];
		taux := trim_scale(taux_lus[i]);
		source_taux := sources[i];
		fraction_annee := fractions_annee[i];
		fraction_territoire := round(fractions_territoire[i], 4);
		taux_effectif := trim_scale(effectifs[i]);
		flux_a_repartir := total;
		dont_report := coalesce(ajouts[i], 0);
		logements_dus := dus[i] + dont_report;
		origine_report := origine;
		RETURN NEXT;
	END LOOP;

	-- the bailleur's unreserved share takes the rest
	convention_id := NULL;
	reservataire_id := NULL;
	reservataire := NULL;
	categorie := 'non_reserve';
	taux_effectif := trim_scale(100 - coalesce(somme, 0));
	taux := taux_effectif;
	source_taux := '100% minus the shares';
	fraction_annee := 1;
	fraction_territoire := 1;
	flux_a_repartir := total;
	dont_report := -pris;
	logements_dus := propre - pris;
	origine_report := origine;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION flux.parts(bigint, text, integer) IS
	'Every share of a bailleur''s forecast flux in a département for year N and the units each is due (flux.repartir), the unreserved share last: the counts sum exactly to flux_a_repartir; the overestimate of N-1 not given back (dont_report) moves from the unreserved share to the others';

CREATE OR REPLACE FUNCTION flux.part_etat(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (perimetre text, depcom text, commune text, assiette bigint,
				   flux_prevu integer, logements_etat integer, taux_etat numeric,
				   taux_etat_convention numeric, conforme boolean, observation text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	total integer;
	s numeric;
	uniforme boolean;
	p record;
	dans integer;
	e_hors integer;
	hors integer := 0;
	etat_hors integer := 0;
	etat_dans integer := 0;
	a_hors bigint := 0;
	a_dans bigint := 0;
	requis integer;
	derogation boolean;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	SELECT max(x.flux_a_repartir),
		   coalesce(sum(x.taux_effectif) FILTER (WHERE x.categorie IN ('etat', 'etat_agents')), 0),
		   coalesce(bool_and(x.fraction_territoire = 1) FILTER (WHERE x.categorie IN ('etat', 'etat_agents')), true)
	  INTO total, s, uniforme
	  FROM flux.parts(bailleur, departement, annee) x;

	FOR p IN
		WITH ac AS (
			SELECT k.depcom, k.commune, k.assiette, k.assiette_qpv, k.assiette_hors_qpv,
				   sum(k.assiette) OVER () AS a_tot
			  FROM flux.assiette_communes(part_etat.bailleur, part_etat.departement, part_etat.annee) k
			 WHERE k.assiette > 0
		), quotas AS (
			SELECT ac.*, (total::bigint * ac.assiette) / ac.a_tot AS plancher,
				   (total::bigint * ac.assiette) % ac.a_tot AS reste
			  FROM ac
		), rangs AS (
			SELECT q.*, row_number() OVER (ORDER BY q.reste DESC, q.depcom) AS rang,
				   total - sum(q.plancher) OVER () AS restants
			  FROM quotas q
		)
		SELECT r.depcom, r.commune, r.assiette, r.assiette_qpv, r.assiette_hors_qpv,
			   (r.plancher + CASE WHEN r.rang <= r.restants THEN 1 ELSE 0 END)::integer AS flux_commune
		  FROM rangs r
		 ORDER BY r.depcom
	LOOP
		perimetre := 'commune';
		depcom := p.depcom;
		commune := p.commune;
		assiette := p.assiette;
		flux_prevu := p.flux_commune;
		-- the commune's flux in and outside QPV, in proportion to its assiette
		dans := (flux.repartir(p.flux_commune,
							   ARRAY[(floor(p.assiette_qpv * 10000.0 / p.assiette) / 100)::flux.taux]))[1];
		IF p.assiette_hors_qpv = 0 THEN
			dans := p.flux_commune;
		END IF;
		-- the State's units of the commune, outside QPV first
		logements_etat := (flux.repartir(p.flux_commune, ARRAY[s::flux.taux]))[1];
		e_hors := least((flux.repartir(p.flux_commune - dans, ARRAY[s::flux.taux]))[1], logements_etat);
		IF logements_etat - e_hors > dans THEN
			e_hors := logements_etat - dans;
		END IF;
		etat_hors := etat_hors + e_hors;
		etat_dans := etat_dans + logements_etat - e_hors;
		hors := hors + p.flux_commune - dans;
		a_hors := a_hors + p.assiette_hors_qpv;
		a_dans := a_dans + p.assiette_qpv;
		taux_etat := CASE WHEN p.flux_commune > 0 THEN round(logements_etat * 100.0 / p.flux_commune, 2) END;
		taux_etat_convention := trim_scale(s);
		conforme := uniforme;
		observation := CASE WHEN uniforme
			THEN format('%s %% du flux de la commune, comme dans toutes les communes : %s logement(s) sur %s',
						replace(trim_scale(s)::text, '.', ','), logements_etat, p.flux_commune)
			ELSE 'taux non uniforme : une convention de l''Etat est limitée à certaines communes (R. 441-5-2 du CCH : le même taux dans chaque commune)' END;
		RETURN NEXT;
	END LOOP;

	depcom := NULL;
	commune := NULL;
	taux_etat_convention := trim_scale(s);

	-- outside QPV: at least 30 % of the units, decided on the units
	perimetre := 'hors_qpv';
	assiette := a_hors;
	flux_prevu := hors;
	logements_etat := etat_hors;
	taux_etat := CASE WHEN hors > 0 THEN trunc(etat_hors * 100.0 / hors, 2) END;
	requis := ceil(hors * 30 / 100.0)::integer;
	conforme := CASE WHEN hors > 0 THEN etat_hors * 100 >= 30 * hors END;
	observation := CASE
		WHEN hors = 0 THEN 'aucun logement du flux hors QPV'
		WHEN conforme THEN format('%s logement(s) de l''Etat sur %s hors QPV (%s %%) : au moins 30 %%',
								  etat_hors, hors, replace(taux_etat::text, '.', ','))
		ELSE format('%s logement(s) de l''Etat sur %s hors QPV (%s %%, taux de l''Etat %s %%) : moins que les 30 %% que fixe l''article R. 441-5-2 du CCH ; il en faut %s',
					etat_hors, hors, replace(taux_etat::text, '.', ','), replace(trim_scale(s)::text, '.', ','), requis) END;
	RETURN NEXT;

	perimetre := 'qpv';
	assiette := a_dans;
	flux_prevu := total - hors;
	logements_etat := etat_dans;
	taux_etat := CASE WHEN total - hors > 0 THEN round(etat_dans * 100.0 / (total - hors), 2) END;
	conforme := NULL;
	observation := 'pas de plancher en QPV';
	RETURN NEXT;

	-- the département: at most 30 % of the units, or a préfet's derogation
	perimetre := 'departement';
	assiette := a_hors + a_dans;
	flux_prevu := total;
	logements_etat := etat_hors + etat_dans;
	taux_etat := CASE WHEN total > 0 THEN round(ceil(logements_etat * 10000.0 / total) / 100, 2) END;
	derogation := EXISTS (
		SELECT 1 FROM flux.derogation_prefet g
		 WHERE g.bailleur_id = part_etat.bailleur AND g.departement = part_etat.departement
		   AND daterange(g.date_debut, g.date_fin) && daterange(make_date(annee, 1, 1), make_date(annee + 1, 1, 1)));
	conforme := logements_etat * 100 <= 30 * coalesce(total, 0) OR derogation;
	observation := CASE
		WHEN logements_etat * 100 <= 30 * coalesce(total, 0)
			THEN format('%s logement(s) sur %s (%s %%) : au plus 30 %% du flux', logements_etat, coalesce(total, 0), replace(coalesce(taux_etat, 0)::text, '.', ','))
		WHEN derogation
			THEN format('%s logement(s) sur %s (%s %%) : plus de 30 %% du flux, sous une dérogation du préfet', logements_etat, total, replace(taux_etat::text, '.', ','))
		ELSE format('%s logement(s) sur %s (%s %%, taux de l''Etat %s %%) : plus que les 30 %% du flux que fixe l''article R. 441-5-2 du CCH ; %s au plus sans dérogation',
					logements_etat, total, replace(taux_etat::text, '.', ','), replace(trim_scale(s)::text, '.', ','), floor(total * 30 / 100.0)) END;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION flux.part_etat(bigint, text, integer) IS
	'The State''s share of year N commune by commune (uniform), outside QPV (at least 30 % of the units), in QPV and in the whole département (at most 30 % of the units without a derogation), with the units due in each and a verdict decided on them';

-- the view's new columns come last: CREATE OR REPLACE keeps the others
CREATE OR REPLACE VIEW flux.bilan_hors_flux WITH (security_invoker = true) AS
WITH reel AS (
	SELECT o.annee, o.bailleur_id, o.departement, o.hors_flux, count(*) FILTER (WHERE o.propose) AS realise,
		   count(*) FILTER (WHERE o.bail) AS baux, count(*) FILTER (WHERE o.bail AND o.prioritaire) AS baux_prioritaires
	  FROM flux.bilan_orientation o WHERE o.hors_flux IS NOT NULL
	 GROUP BY 1, 2, 3, 4
), prevu AS (
	SELECT p.annee, p.bailleur_id, p.departement, m.hors_flux, m.prevision, m.origine, coalesce(d.n, 0) AS redistribue
	  FROM flux.parametre_annuel p
	 CROSS JOIN LATERAL flux.soustractions_prevues(p.bailleur_id, p.departement, p.annee) m
	  LEFT JOIN LATERAL (
		SELECT sum(r.logements) AS n FROM flux.redistribution r
		 WHERE r.bailleur_id = p.bailleur_id AND r.departement = p.departement AND r.annee = p.annee
		   AND r.hors_flux = m.hors_flux) d ON true
)
SELECT coalesce(r.annee, v.annee) AS annee, coalesce(r.bailleur_id, v.bailleur_id) AS bailleur_id,
	   coalesce(r.departement, v.departement) AS departement, coalesce(r.hors_flux, v.hors_flux) AS hors_flux,
	   v.prevision, coalesce(r.realise, 0) AS realise, coalesce(r.baux, 0) AS baux,
	   coalesce(r.baux_prioritaires, 0) AS baux_prioritaires,
	   greatest(v.prevision - coalesce(r.realise, 0), 0) AS surestimation,
	   greatest(v.prevision - coalesce(r.realise, 0), 0) AS a_rendre_au_flux,
	   v.origine AS origine_prevision,
	   v.redistribue,
	   greatest(v.prevision - coalesce(r.realise, 0) - coalesce(v.redistribue, 0), 0) AS a_soustraire_annee_suivante
  FROM reel r
  FULL JOIN prevu v ON v.annee = r.annee AND v.bailleur_id = r.bailleur_id AND v.departement = r.departement
				   AND v.hors_flux = r.hors_flux;

COMMENT ON VIEW flux.bilan_hors_flux IS
	'Relocations outside the flux by motive and year: the forecast subtracted from the flux (the mutations'' default rate included) against what happened; an overestimate is owed back to the flux, during the year or from the bailleur''s own share the next year';

COMMENT ON COLUMN flux.bilan_hors_flux.annee IS 'Year N';

COMMENT ON COLUMN flux.bilan_hors_flux.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.bilan_hors_flux.departement IS 'Département';

COMMENT ON COLUMN flux.bilan_hors_flux.hors_flux IS 'Motive (mutation, anru, orcod, lhi, vente, urgence, non_reserve, premiere_location)';

COMMENT ON COLUMN flux.bilan_hors_flux.prevision IS 'Units forecast and subtracted from the flux (flux.soustractions_prevues: prevision_*, or taux_mutation of the expected relettings; NULL: not subtracted, no parameters, or not computable: see origine_prevision)';

COMMENT ON COLUMN flux.bilan_hors_flux.realise IS 'Units actually let outside the flux for that motive';

COMMENT ON COLUMN flux.bilan_hors_flux.baux IS 'Of which leased';

COMMENT ON COLUMN flux.bilan_hors_flux.baux_prioritaires IS 'Leases to priority households (they count in the priority statistics)';

COMMENT ON COLUMN flux.bilan_hors_flux.surestimation IS 'Forecast minus actual, when positive';

COMMENT ON COLUMN flux.bilan_hors_flux.a_rendre_au_flux IS 'Units to give back to the flux (the overestimate)';

COMMENT ON COLUMN flux.bilan_hors_flux.origine_prevision IS 'Where the forecast comes from (prevision_mutation, taux_mutation 10% of 180 expected relettings, ...)';

COMMENT ON COLUMN flux.bilan_hors_flux.redistribue IS 'Units given back to the réservataires during the year (flux.redistribution)';

COMMENT ON COLUMN flux.bilan_hors_flux.a_soustraire_annee_suivante IS 'The overestimate not given back: taken from the bailleur''s own share in N+1 (flux.parts, dont_report)';

-- ---------------------------------------------------------------------------
-- Stock, reprise and the loan-guarantee cap (issue 14 items 3, 8, 9)
-- ---------------------------------------------------------------------------

-- (section of the conversion)

-- flux.convention: a stock convention that stays in stock by law
ALTER TABLE flux.convention
	ADD COLUMN maintien_stock flux.motif_exclusion CONSTRAINT convention_maintien_stock
		CHECK (maintien_stock IS NULL OR (regime = 'stock'
			   AND maintien_stock IN ('defense', 'securite_interieure', 'sante')));

COMMENT ON COLUMN flux.convention.maintien_stock IS
	'A stock convention that stays in stock by law: its reservations are for national defence (defense), internal security (securite_interieure) or public health establishments (sante); never late, never taken back by the préfet, never converted; NULL otherwise';

-- flux.reservation: the operation a reservation was made on
ALTER TABLE flux.reservation ADD COLUMN programme_id bigint REFERENCES flux.programme;

CREATE INDEX ON flux.reservation (programme_id) WHERE programme_id IS NOT NULL;

COMMENT ON COLUMN flux.reservation.programme_id IS 'The operation (programme) the unit was reserved on, its unit being one of it; for a loan guarantee, the cap of 20 % of its units shared pro rata of flux.garantie_programme applies (Ornex art. 3)';

/*
 * A reservation names its unit's bailleur and réservataire; when it names
 * a convention, that convention is a stock convention of the same parties
 * in the unit's département; when it names an operation (programme), its
 * unit is one of that operation's units.
 */
CREATE OR REPLACE FUNCTION flux.reservation_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	l flux.logement;
	c flux.convention;
BEGIN
	IF NEW.programme_id IS NOT NULL THEN
		SELECT * INTO l FROM flux.logement WHERE id = NEW.logement_id;
		IF FOUND AND l.programme_id IS DISTINCT FROM NEW.programme_id
		   AND EXISTS (SELECT 1 FROM flux.programme p WHERE p.id = NEW.programme_id) THEN
			RAISE EXCEPTION 'logement % is not a unit of programme %, which its stock reservation names', l.id, NEW.programme_id
				USING ERRCODE = 'check_violation',
					  DETAIL = format('Logement %s belongs to programme %s.', l.id, coalesce(l.programme_id::text, 'none')),
					  HINT = 'Set flux.logement.programme_id of the operation''s units first, or leave the reservation''s programme_id NULL.';
		END IF;
	END IF;
	IF NEW.convention_id IS NULL THEN
		RETURN NEW;
	END IF;
	SELECT * INTO l FROM flux.logement WHERE id = NEW.logement_id;
	SELECT * INTO c FROM flux.convention WHERE id = NEW.convention_id;
	IF NOT FOUND OR l.id IS NULL THEN
		RETURN NEW;				-- the foreign keys report it
	END IF;
	IF c.regime <> 'stock' OR c.reservataire_id <> NEW.reservataire_id
	   OR c.bailleur_id <> l.bailleur_id OR c.departement <> l.departement THEN
		RAISE EXCEPTION 'convention % cannot grant the stock reservation of logement % to réservataire %',
				c.id, l.id, NEW.reservataire_id
			USING ERRCODE = 'check_violation',
				  DETAIL = format('Convention %s is a %s convention of bailleur %s with réservataire %s in département %s; logement %s belongs to bailleur %s in département %s.',
								  c.id, c.regime, c.bailleur_id, c.reservataire_id, c.departement,
								  l.id, l.bailleur_id, l.departement),
				  HINT = 'Name the stock convention of the same bailleur, réservataire and département, or leave convention_id NULL.';
	END IF;
	RETURN NEW;
END
$$;

COMMENT ON FUNCTION flux.reservation_verifier() IS
	'Trigger: a stock reservation''s convention is a stock convention of the same bailleur, réservataire and département; its programme is its unit''s';

-- each guarantor's share of the guaranteed loans of an operation
CREATE TABLE flux.garantie_programme (
	programme_id	bigint NOT NULL REFERENCES flux.programme ON DELETE CASCADE,
	reservataire_id	bigint NOT NULL REFERENCES flux.reservataire,
	quotite			flux.taux NOT NULL CONSTRAINT garantie_programme_quotite_positive CHECK (quotite > '0%'),
	PRIMARY KEY (programme_id, reservataire_id)
);

COMMENT ON TABLE flux.garantie_programme IS
	'The guarantors of an operation''s loans and the share each guaranteed: the 20 % of its units reserved for guarantees are shared among them pro rata (Ornex art. 3)';

COMMENT ON COLUMN flux.garantie_programme.programme_id IS 'The operation (programme)';

COMMENT ON COLUMN flux.garantie_programme.reservataire_id IS 'A guarantor';

COMMENT ON COLUMN flux.garantie_programme.quotite IS 'Its share of the guaranteed loans (the guarantors'' shares add up to 100 % at most)';

SELECT pg_catalog.pg_extension_config_dump('flux.garantie_programme', '');

/*
 * flux.verifier_garanties_programmes: on each operation given, the units
 * reserved in stock in return for loan guarantees (flux.reservation with
 * fondement garantie_emprunt, programme_id the operation, not converted)
 * are at most 20 % of its units, shared among the guarantors pro rata of
 * their share of the guaranteed loans (Ornex art. 3: "maximum 20% des
 * logements de l'opération garantie répartis au prorata des garanties des
 * garants"):
 *
 *   reserved(g) <= floor(units x 20 % x quotite(g))
 *
 * units: every unit recorded with the operation's programme_id (the
 * operation as guaranteed, even if some were sold since).  The floor
 * keeps each guarantor at or under the text's maximum.
 *
 * Concurrency: before counting, the statement writes the operations' rows
 * (a no-op UPDATE, in id order so that two sessions never deadlock).  Two
 * concurrent statements on one operation cannot both pass: the second
 * waits for the first; under READ COMMITTED it then counts with the
 * first's rows committed, under REPEATABLE READ and SERIALIZABLE it gets
 * 40001 (retry).  A lock alone (SELECT FOR UPDATE) would not do under
 * REPEATABLE READ: a locked-only row raises no serialization failure, and
 * the second would count on its old snapshot.
 */
CREATE FUNCTION flux.verifier_garanties_programmes(programmes bigint[]) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	g record;
BEGIN
	IF programmes IS NULL OR cardinality(programmes) = 0 THEN
		RETURN;
	END IF;
	PERFORM 1 FROM flux.programme p WHERE p.id = ANY (programmes) ORDER BY p.id FOR NO KEY UPDATE;
	UPDATE flux.programme p SET nom = p.nom WHERE p.id = ANY (programmes);

	FOR g IN
		SELECT p.id, p.nom, sum(q.quotite::numeric) AS total
		  FROM flux.programme p JOIN flux.garantie_programme q ON q.programme_id = p.id
		 WHERE p.id = ANY (programmes)
		 GROUP BY p.id, p.nom
		HAVING sum(q.quotite::numeric) > 100
		 ORDER BY p.id
	LOOP
		RAISE EXCEPTION 'the guarantors'' shares of programme % (%) add up to %, more than 100%%', g.id, g.nom, trim_scale(g.total) || '%'
			USING ERRCODE = 'check_violation',
				  HINT = 'Correct flux.garantie_programme.quotite: each guarantor''s share of the operation''s guaranteed loans.';
	END LOOP;

	FOR g IN
		WITH unites AS (
			SELECT l.programme_id, count(*)::integer AS n
			  FROM flux.logement l WHERE l.programme_id = ANY (programmes)
			 GROUP BY l.programme_id
		), reserves AS (
			SELECT s.programme_id, s.reservataire_id, count(*)::integer AS k
			  FROM flux.reservation s
			 WHERE s.programme_id = ANY (programmes) AND s.fondement = 'garantie_emprunt'
			   AND s.date_conversion IS NULL
			 GROUP BY s.programme_id, s.reservataire_id
		)
		SELECT p.id, p.nom, r.reservataire_id, rs.nom AS garant, r.k, coalesce(u.n, 0) AS n,
			   q.quotite::numeric AS quotite,
			   floor(coalesce(u.n, 0) * 20 * q.quotite::numeric / 10000)::integer AS plafond
		  FROM reserves r
		  JOIN flux.programme p ON p.id = r.programme_id
		  JOIN flux.reservataire rs ON rs.id = r.reservataire_id
		  LEFT JOIN unites u ON u.programme_id = r.programme_id
		  LEFT JOIN flux.garantie_programme q ON q.programme_id = r.programme_id AND q.reservataire_id = r.reservataire_id
		 WHERE q.quotite IS NULL OR r.k > floor(coalesce(u.n, 0) * 20 * q.quotite::numeric / 10000)
		 ORDER BY p.id, r.reservataire_id
	LOOP
		IF g.quotite IS NULL THEN
			RAISE EXCEPTION 'réservataire % (%) holds % unit(s) of programme % (%) for a loan guarantee, but its share of the guarantee is not recorded',
					g.reservataire_id, g.garant, g.k, g.id, g.nom
				USING ERRCODE = 'check_violation',
					  DETAIL = 'The 20 % of an operation''s units reserved for loan guarantees are shared among the guarantors pro rata of their guarantees (Ornex art. 3).',
					  HINT = format('Record its share in flux.garantie_programme (programme_id %s, reservataire_id %s, quotite), or leave the reservations'' programme_id NULL.', g.id, g.reservataire_id);
		END IF;
		RAISE EXCEPTION 'réservataire % (%) would hold % unit(s) of programme % (%) for a loan guarantee, more than its % of % unit(s)',
				g.reservataire_id, g.garant, g.k, g.id, g.nom, g.plafond, g.n
			USING ERRCODE = 'check_violation',
				  DETAIL = format('At most 20 %% of the operation''s %s unit(s), shared pro rata of the guarantees: %s x 20 %% x %s%% = %s, rounded down to %s.',
								  g.n, g.n, trim_scale(g.quotite), trim_scale(g.n * 20 * g.quotite / 10000), g.plafond),
				  HINT = 'Reserve fewer units of the operation for the guarantee (a share beyond rests on a land or funding contribution: fondement apport_foncier or apport_financier), or correct flux.garantie_programme.quotite.';
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.verifier_garanties_programmes(bigint[]) IS
	'Internal: on each operation given, the units reserved for loan guarantees are at most 20 % of its units, shared among the guarantors pro rata (Ornex art. 3); raises 23514';

CREATE FUNCTION flux.reservation_verifier_garanties() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	PERFORM flux.verifier_garanties_programmes(ARRAY(
		SELECT DISTINCT n.programme_id FROM nouvelles n
		 WHERE n.programme_id IS NOT NULL AND n.fondement = 'garantie_emprunt' AND n.date_conversion IS NULL));
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.reservation_verifier_garanties() FROM PUBLIC;

COMMENT ON FUNCTION flux.reservation_verifier_garanties() IS
	'Trigger (per statement, transition table nouvelles): the loan-guarantee cap of every operation the statement''s reservations name';

CREATE TRIGGER reservation_verifier_garanties_insertion
	AFTER INSERT ON flux.reservation
	REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.reservation_verifier_garanties();

CREATE TRIGGER reservation_verifier_garanties_modification
	AFTER UPDATE ON flux.reservation
	REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.reservation_verifier_garanties();

CREATE FUNCTION flux.garantie_programme_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		PERFORM flux.verifier_garanties_programmes(ARRAY[OLD.programme_id]);
	END IF;
	IF TG_OP <> 'DELETE' THEN
		PERFORM flux.verifier_garanties_programmes(ARRAY[NEW.programme_id]);
	END IF;
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.garantie_programme_verifier() FROM PUBLIC;

COMMENT ON FUNCTION flux.garantie_programme_verifier() IS
	'Trigger: a guarantor''s share changed, added or removed keeps the loan-guarantee cap of its operation';

CREATE TRIGGER garantie_programme_verifier
	AFTER INSERT OR UPDATE OR DELETE ON flux.garantie_programme
	FOR EACH ROW EXECUTE FUNCTION flux.garantie_programme_verifier();

-- the units a stock convention ties: its recorded reservations, and the
-- units RPLS (or the ERP) says are reserved to its réservataire there,
-- with the end of their rights (a recorded reservation of the unit to the
-- réservataire gives it; none recorded: no end known)
CREATE OR REPLACE VIEW flux.logements_en_stock WITH (security_invoker = true) AS
SELECT x.convention_id, x.logement_id, x.fin_droits,
	   coalesce(x.fin_droits, 'infinity') > CURRENT_DATE AS droits_en_cours
  FROM (
	SELECT c.id AS convention_id, l.id AS logement_id, flux.fin_droits(s.date_fin, s.date_remboursement) AS fin_droits
	  FROM flux.convention c
	  JOIN flux.reservation s ON s.convention_id = c.id AND s.date_conversion IS NULL
	  JOIN flux.logement l ON l.id = s.logement_id
	 WHERE c.regime = 'stock' AND l.sortiepatrim = 9
	UNION
	SELECT c.id, l.id, flux.fin_droits(s.date_fin, s.date_remboursement)
	  FROM flux.convention c
	  JOIN flux.logement l ON l.bailleur_id = c.bailleur_id AND l.departement = c.departement
						  AND l.stock_reservataire_id = c.reservataire_id
	  LEFT JOIN flux.reservation s ON s.logement_id = l.id AND s.reservataire_id = c.reservataire_id
								  AND s.date_conversion IS NULL
	 WHERE c.regime = 'stock' AND l.sortiepatrim = 9
	   AND (c.communes IS NULL OR l.depcom = ANY (c.communes))
	   AND s.convention_id IS DISTINCT FROM c.id) x;

COMMENT ON VIEW flux.logements_en_stock IS
	'Units tied by each stock convention: its recorded reservations not converted, and units whose stock_reservataire_id is its réservataire on its territory; units still in the stock only, with the end of their rights';

COMMENT ON COLUMN flux.logements_en_stock.convention_id IS 'The stock convention';

COMMENT ON COLUMN flux.logements_en_stock.logement_id IS 'A unit it ties';

COMMENT ON COLUMN flux.logements_en_stock.fin_droits IS 'First day its right no longer runs (flux.fin_droits of its recorded reservation: stated end, or 5 years after the guaranteed loan''s repayment); NULL: no end known';

COMMENT ON COLUMN flux.logements_en_stock.droits_en_cours IS 'Its right still runs today; false: a "logement non réservé", which the préfet never takes (FAQ §4.1)';

-- flux.reprise_prefet_logement: the end of each unit's right, from its
-- recorded reservation (the decisions of 0.9.0 listed them all)
ALTER TABLE flux.reprise_prefet_logement ADD COLUMN fin_droits date;

UPDATE flux.reprise_prefet_logement pl
   SET fin_droits = flux.fin_droits(s.date_fin, s.date_remboursement)
  FROM flux.reprise_prefet p, flux.convention c, flux.reservation s
 WHERE p.id = pl.reprise_id AND c.id = p.convention_id
   AND s.logement_id = pl.logement_id AND s.reservataire_id = c.reservataire_id
   AND s.date_conversion IS NULL;

COMMENT ON COLUMN flux.reprise_prefet_logement.fin_droits IS
	'First day its stock right no longer runs (flux.fin_droits), as on the decision; NULL: no end known.  From then on the unit is no longer reserved and weighs nothing in the State''s flux';

-- the préfet's remedies against a bailleur (CCH R. 441-5-2 IV; FAQ)
CREATE TABLE flux.mise_en_demeure (
	id					bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur_id			bigint NOT NULL REFERENCES flux.bailleur,
	departement			text NOT NULL CONSTRAINT mise_en_demeure_departement_format
						CHECK (departement ~ '^([0-9]{2}|2[AB]|97[1-6])$'),
	convention_id		bigint REFERENCES flux.convention,
	objet				text NOT NULL CONSTRAINT mise_en_demeure_objet_non_vide CHECK (objet <> ''),
	date_mise_en_demeure date NOT NULL,
	date_reponse		date,
	date_resiliation	date,
	arrete				text CONSTRAINT mise_en_demeure_arrete_non_vide CHECK (arrete <> ''),
	date_arrete			date,
	CONSTRAINT mise_en_demeure_reponse_apres CHECK (date_reponse >= date_mise_en_demeure),
	CONSTRAINT mise_en_demeure_arrete_date CHECK ((arrete IS NULL) = (date_arrete IS NULL))
);

CREATE INDEX ON flux.mise_en_demeure (bailleur_id, departement);

COMMENT ON TABLE flux.mise_en_demeure IS
	'The préfet''s formal notices to a bailleur (mise en demeure), and what followed: the answer, the termination of the State''s convention after two months unanswered, the arrêté fixing the terms of the reservations (CCH R. 441-5-2 IV)';

COMMENT ON COLUMN flux.mise_en_demeure.id IS 'Surrogate key';

COMMENT ON COLUMN flux.mise_en_demeure.bailleur_id IS 'The bailleur given notice';

COMMENT ON COLUMN flux.mise_en_demeure.departement IS 'The département';

COMMENT ON COLUMN flux.mise_en_demeure.convention_id IS 'The State''s convention with the bailleur whose commitments are not kept; NULL: none signed (the bailleur refuses to sign)';

COMMENT ON COLUMN flux.mise_en_demeure.objet IS 'What the notice asks, in French';

COMMENT ON COLUMN flux.mise_en_demeure.date_mise_en_demeure IS 'Date of the notice';

COMMENT ON COLUMN flux.mise_en_demeure.date_reponse IS 'Date the bailleur answered it (NULL: unanswered)';

COMMENT ON COLUMN flux.mise_en_demeure.date_resiliation IS 'Date the préfet terminated the convention: two months after the notice at the earliest, when unanswered within them';

COMMENT ON COLUMN flux.mise_en_demeure.arrete IS 'Reference of the préfet''s arrêté fixing the terms of the reservations';

COMMENT ON COLUMN flux.mise_en_demeure.date_arrete IS 'Its date: after the termination, or with no convention signed two months after the notice unanswered';

SELECT pg_catalog.pg_extension_config_dump('flux.mise_en_demeure', '');

SELECT pg_catalog.pg_extension_config_dump('flux.mise_en_demeure_id_seq', '');

/*
 * "Si le bailleur ne respecte pas ses engagements prévus dans la
 * convention avec le préfet, celui-ci a la possibilité de résilier la
 * convention après une mise en demeure restée sans suite pendant deux
 * mois" and "en cas de refus de signature, le préfet peut fixer par arrêté
 * les modalités d'application des réservations (R.441-5-2 IV) [...] Il en
 * est de même en cas de résiliation" (FAQ).  So:
 *   - the convention named is the State's (etat or etat_agents) with the
 *     bailleur in the département;
 *   - termination needs that convention, on or after notice + 2 months,
 *     the notice unanswered until then;
 *   - the arrêté comes after the termination when there was a convention,
 *     else (refusal to sign) on or after notice + 2 months unanswered.
 */
CREATE FUNCTION flux.mise_en_demeure_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	c record;
	echeance date := (NEW.date_mise_en_demeure + interval '2 months')::date;
	repondue boolean := NEW.date_reponse IS NOT NULL AND NEW.date_reponse < echeance;
BEGIN
	IF NEW.convention_id IS NOT NULL THEN
		SELECT x.bailleur_id, x.departement, r.categorie INTO c
		  FROM flux.convention x JOIN flux.reservataire r ON r.id = x.reservataire_id
		 WHERE x.id = NEW.convention_id;
		IF FOUND AND (c.bailleur_id <> NEW.bailleur_id OR c.departement <> NEW.departement
					  OR c.categorie NOT IN ('etat', 'etat_agents')) THEN
			RAISE EXCEPTION 'convention % is not the State''s convention with bailleur % in département %', NEW.convention_id, NEW.bailleur_id, NEW.departement
				USING ERRCODE = 'check_violation',
					  DETAIL = format('Convention %s is a convention of bailleur %s with a réservataire of category %s in département %s.',
									  NEW.convention_id, c.bailleur_id, c.categorie, c.departement),
					  HINT = 'A préfet''s notice concerns the State''s convention with the bailleur; leave convention_id NULL when none was signed.';
		END IF;
	END IF;
	IF NEW.date_resiliation IS NOT NULL THEN
		IF NEW.convention_id IS NULL THEN
			RAISE EXCEPTION 'the notice of % to bailleur % names no convention to terminate', NEW.date_mise_en_demeure, NEW.bailleur_id
				USING ERRCODE = 'check_violation',
					  HINT = 'Set convention_id to the State''s convention terminated, or record the préfet''s arrêté alone (no convention signed).';
		END IF;
		IF NEW.date_resiliation < echeance OR repondue THEN
			RAISE EXCEPTION 'convention % cannot be terminated on %: the notice of % %', NEW.convention_id, NEW.date_resiliation, NEW.date_mise_en_demeure,
					CASE WHEN repondue THEN format('was answered on %s, within two months', NEW.date_reponse)
						 ELSE format('has two months to be answered, until %s', echeance - 1) END
				USING ERRCODE = 'check_violation',
					  DETAIL = 'The préfet may terminate the convention after a notice unanswered for two months (CCH R. 441-5-2; FAQ).',
					  HINT = format('Terminate it on %s or later, and only if the notice went unanswered until then.', echeance);
		END IF;
	END IF;
	IF NEW.date_arrete IS NOT NULL THEN
		IF NEW.convention_id IS NOT NULL AND (NEW.date_resiliation IS NULL OR NEW.date_arrete < NEW.date_resiliation) THEN
			RAISE EXCEPTION 'the préfet''s arrêté of % cannot fix the terms while convention % is not terminated', NEW.date_arrete, NEW.convention_id
				USING ERRCODE = 'check_violation',
					  DETAIL = format('Termination: %s.', coalesce(NEW.date_resiliation::text, 'none recorded')),
					  HINT = 'Record date_resiliation first; the arrêté comes on or after it (CCH R. 441-5-2 IV).';
		END IF;
		IF NEW.date_arrete < echeance OR repondue THEN
			RAISE EXCEPTION 'the préfet''s arrêté of % comes before the notice of % went unanswered for two months', NEW.date_arrete, NEW.date_mise_en_demeure
				USING ERRCODE = 'check_violation',
					  DETAIL = CASE WHEN repondue THEN format('The bailleur answered on %s.', NEW.date_reponse)
									ELSE format('The two months end on %s.', echeance - 1) END,
					  HINT = format('The préfet fixes the terms by arrêté as a last resort, from %s, once the discussions failed (FAQ, R. 441-5-2 IV).', echeance);
		END IF;
	END IF;
	RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION flux.mise_en_demeure_verifier() FROM PUBLIC;

COMMENT ON FUNCTION flux.mise_en_demeure_verifier() IS
	'Trigger: a préfet''s notice names the State''s convention of the bailleur; termination and arrêté only after two months unanswered (CCH R. 441-5-2 IV)';

CREATE TRIGGER mise_en_demeure_verifier
	BEFORE INSERT OR UPDATE ON flux.mise_en_demeure
	FOR EACH ROW EXECUTE FUNCTION flux.mise_en_demeure_verifier();

-- every stock convention still in force after the deadline of the law;
-- those that stay in stock by law (defence, internal security, public
-- health) are listed, never late
CREATE OR REPLACE VIEW flux.conformite WITH (security_invoker = true) AS
SELECT c.id AS convention_id, c.reference, b.id AS bailleur_id, b.nom AS bailleur,
	   r.id AS reservataire_id, r.nom AS reservataire, r.categorie::text AS categorie,
	   c.departement, c.date_effet, c.date_fin,
	   (SELECT count(*) FROM flux.logements_en_stock e WHERE e.convention_id = c.id AND e.droits_en_cours) AS logements_en_stock,
	   r.categorie NOT IN ('etat', 'etat_agents') AND c.maintien_stock IS NULL AS reprise_possible,
	   p.id AS reprise_id, p.arrete AS reprise_arrete, p.date_debut AS reprise_depuis,
	   CASE WHEN p.id IS NOT NULL
			THEN format('logements ajoutés au flux de l''État depuis le %s (%s) jusqu''à la conclusion d''une convention conforme', p.date_debut, p.arrete)
			WHEN c.maintien_stock IS NOT NULL
			THEN 'réservation au profit ' || CASE c.maintien_stock WHEN 'defense' THEN 'de la défense nationale'
															   WHEN 'securite_interieure' THEN 'de la sécurité intérieure'
															   ELSE 'des établissements publics de santé' END
				 || ' : reste gérée en stock, hors du flux (conforme)'
			WHEN r.categorie IN ('etat', 'etat_agents')
			THEN 'stock propre de l''État : à convertir dans la convention en flux de l''État'
			ELSE 'encore en stock après le 24 novembre 2023 : le préfet peut ajouter ses logements au flux de l''État (flux.reprise_prefet)'
	   END AS situation,
	   c.maintien_stock::text AS maintien_stock,
	   c.maintien_stock IS NULL AS en_retard,
	   (SELECT count(*) FROM flux.logements_en_stock e WHERE e.convention_id = c.id AND NOT e.droits_en_cours) AS logements_droits_echus,
	   m.id AS mise_en_demeure_id, m.date_mise_en_demeure AS mise_en_demeure_le,
	   m.date_reponse AS mise_en_demeure_reponse_le, m.date_resiliation AS resiliation_le,
	   m.arrete AS arrete_modalites, m.date_arrete AS arrete_modalites_le,
	   CASE WHEN m.id IS NULL THEN NULL
			WHEN m.date_arrete IS NOT NULL
			THEN format('arrêté %s du %s fixant les modalités des réservations (R. 441-5-2 IV)', m.arrete, m.date_arrete)
			WHEN m.date_resiliation IS NOT NULL
			THEN format('convention %s résiliée le %s après la mise en demeure du %s restée sans suite deux mois', m.convention_id, m.date_resiliation, m.date_mise_en_demeure)
			WHEN m.date_reponse IS NOT NULL
			THEN format('mise en demeure du %s : réponse du bailleur le %s', m.date_mise_en_demeure, m.date_reponse)
			WHEN CURRENT_DATE >= m.date_mise_en_demeure + interval '2 months'
			THEN format('mise en demeure du %s restée sans suite deux mois : le préfet peut résilier la convention et fixer les modalités par arrêté', m.date_mise_en_demeure)
			ELSE format('mise en demeure du %s : le bailleur a jusqu''au %s pour y répondre', m.date_mise_en_demeure,
						(m.date_mise_en_demeure + interval '2 months')::date - 1)
	   END AS suite_mise_en_demeure
  FROM flux.convention c
  JOIN flux.bailleur b ON b.id = c.bailleur_id
  JOIN flux.reservataire r ON r.id = c.reservataire_id
  LEFT JOIN flux.reprise_prefet p ON p.convention_id = c.id AND p.date_fin IS NULL
  LEFT JOIN LATERAL (
	SELECT x.* FROM flux.mise_en_demeure x
	 WHERE x.bailleur_id = c.bailleur_id AND x.departement = c.departement
	 ORDER BY x.date_mise_en_demeure DESC, x.id DESC LIMIT 1) m ON true
 WHERE c.regime = 'stock' AND (c.date_fin IS NULL OR c.date_fin > '2023-11-24');

COMMENT ON VIEW flux.conformite IS
	'Conventions still managed in stock after 24 November 2023: late ones (not compliant with loi ELAN) and those that stay in stock by law, their units, whether the préfet took them back, and the préfet''s latest notice to the bailleur';

COMMENT ON COLUMN flux.conformite.convention_id IS 'The stock convention';

COMMENT ON COLUMN flux.conformite.reference IS 'Its reference';

COMMENT ON COLUMN flux.conformite.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.conformite.bailleur IS 'Its name';

COMMENT ON COLUMN flux.conformite.reservataire_id IS 'The réservataire';

COMMENT ON COLUMN flux.conformite.reservataire IS 'Its name';

COMMENT ON COLUMN flux.conformite.categorie IS 'Its category';

COMMENT ON COLUMN flux.conformite.departement IS 'Département';

COMMENT ON COLUMN flux.conformite.date_effet IS 'In force since';

COMMENT ON COLUMN flux.conformite.date_fin IS 'Until (NULL: open-ended)';

COMMENT ON COLUMN flux.conformite.logements_en_stock IS 'Units it still ties, rights still running today (flux.logements_en_stock)';

COMMENT ON COLUMN flux.conformite.reprise_possible IS 'The préfet may add these units to the State''s flux (not for the State''s own stock, nor for a convention that stays in stock by law)';

COMMENT ON COLUMN flux.conformite.reprise_id IS 'The préfet''s decision in force, if any';

COMMENT ON COLUMN flux.conformite.reprise_arrete IS 'Its reference';

COMMENT ON COLUMN flux.conformite.reprise_depuis IS 'Its first day';

COMMENT ON COLUMN flux.conformite.situation IS 'What it means, in French';

COMMENT ON COLUMN flux.conformite.maintien_stock IS 'defense, securite_interieure or sante: stays in stock by law (flux.convention.maintien_stock); NULL otherwise';

COMMENT ON COLUMN flux.conformite.en_retard IS 'Late: should have been converted into flux by 24 November 2023 (false for a convention that stays in stock by law)';

COMMENT ON COLUMN flux.conformite.logements_droits_echus IS 'Units whose rights have ended (5 years after a guaranteed loan''s repayment, or the stated end): no longer reserved, never taken by the préfet';

COMMENT ON COLUMN flux.conformite.mise_en_demeure_id IS 'The préfet''s latest notice to the bailleur in the département (flux.mise_en_demeure), if any';

COMMENT ON COLUMN flux.conformite.mise_en_demeure_le IS 'Its date';

COMMENT ON COLUMN flux.conformite.mise_en_demeure_reponse_le IS 'The bailleur''s answer (NULL: none)';

COMMENT ON COLUMN flux.conformite.resiliation_le IS 'Termination of the State''s convention after two months unanswered';

COMMENT ON COLUMN flux.conformite.arrete_modalites IS 'The préfet''s arrêté fixing the terms of the reservations (R. 441-5-2 IV)';

COMMENT ON COLUMN flux.conformite.arrete_modalites_le IS 'Its date';

COMMENT ON COLUMN flux.conformite.suite_mise_en_demeure IS 'Where the notice stands, in French';

-- the units the préfet may add to the State's flux, one row each
CREATE OR REPLACE VIEW flux.logements_reprenables WITH (security_invoker = true) AS
SELECT k.convention_id, k.bailleur_id, k.reservataire_id, k.reservataire, k.departement,
	   l.id AS logement_id, l.ident_rep, l.ident_int, l.depcom, l.adresse,
	   'T' || l.nbpiece AS typologie, l.qpv,
	   k.reprise_id IS NOT NULL AS repris
  FROM flux.conformite k
  JOIN flux.logements_en_stock e ON e.convention_id = k.convention_id AND e.droits_en_cours
  JOIN flux.logement l ON l.id = e.logement_id
 WHERE k.reprise_possible
   AND EXISTS (SELECT 1 FROM flux.logements_classes(k.bailleur_id, pg_catalog.date_part('year', CURRENT_DATE)::integer, k.departement) a
				WHERE a.logement_id = l.id AND a.classement = 'assiette');

COMMENT ON VIEW flux.logements_reprenables IS
	'Units of stock conventions not made compliant by 24 November 2023 that the préfet may add to the State''s flux: rights still running today, in the assiette of this year';

COMMENT ON COLUMN flux.logements_reprenables.convention_id IS 'The stock convention';

COMMENT ON COLUMN flux.logements_reprenables.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.logements_reprenables.reservataire_id IS 'The réservataire holding it in stock';

COMMENT ON COLUMN flux.logements_reprenables.reservataire IS 'Its name';

COMMENT ON COLUMN flux.logements_reprenables.departement IS 'Département';

COMMENT ON COLUMN flux.logements_reprenables.logement_id IS 'The unit';

COMMENT ON COLUMN flux.logements_reprenables.ident_rep IS 'RPLS number';

COMMENT ON COLUMN flux.logements_reprenables.ident_int IS 'The bailleur''s identifier';

COMMENT ON COLUMN flux.logements_reprenables.depcom IS 'INSEE code of the commune';

COMMENT ON COLUMN flux.logements_reprenables.adresse IS 'Address';

COMMENT ON COLUMN flux.logements_reprenables.typologie IS 'T1 to T9';

COMMENT ON COLUMN flux.logements_reprenables.qpv IS 'In a QPV';

COMMENT ON COLUMN flux.logements_reprenables.repris IS 'Already added to the State''s flux by a decision in force';

/*
 * flux.reprise_prefet: the préfet adds the units of a stock convention
 * not made compliant by 24 November 2023 to the State's flux "jusqu'à
 * conclusion d'une convention conforme" (FAQ, sanctions).  The units are
 * listed as they are that day: only those whose right still runs on the
 * decision's day (a right past its term, e.g. 5 years after a guaranteed
 * loan's repayment, leaves a "logement non réservé", FAQ §4.1) and that
 * are in the assiette of its year (no share of the flux from a unit
 * outside it), each with the end of its right; flux.parts then gives the
 * State their weight in the flux.  A convention that stays in stock by
 * law (defence, internal security, public health) is refused.
 * flux.lever_reprise_prefet ends it: nothing else was changed, so lifting
 * restores the convention as it was.
 */
CREATE OR REPLACE FUNCTION flux.reprise_prefet(convention bigint, date_decision date, arrete text,
									convention_etat bigint DEFAULT NULL)
	RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	k flux.conformite;
	etat bigint;
	etats bigint[];
	id bigint;
BEGIN
	IF convention IS NULL THEN
		RAISE EXCEPTION 'convention is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of a stock convention listed in flux.conformite.';
	END IF;
	IF date_decision IS NULL OR arrete IS NULL OR arrete = '' THEN
		RAISE EXCEPTION 'a préfet''s decision needs its date and its reference'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass date_decision and arrete (the decree''s reference).';
	END IF;
	SELECT * INTO k FROM flux.conformite f WHERE f.convention_id = reprise_prefet.convention;
	IF NOT FOUND THEN
		IF NOT EXISTS (SELECT 1 FROM flux.convention c WHERE c.id = reprise_prefet.convention) THEN
			RAISE EXCEPTION 'convention % does not exist', convention
				USING ERRCODE = 'no_data_found',
					  HINT = 'Pass the id of a stock convention listed in flux.conformite.';
		END IF;
		RAISE EXCEPTION 'convention % is not a stock convention in force after 24 November 2023', convention
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Only the units of a convention still in stock after the deadline may be added to the State''s flux.',
				  HINT = 'See flux.conformite for the conventions concerned.';
	END IF;
	IF k.maintien_stock IS NOT NULL THEN
		RAISE EXCEPTION 'convention % reserves units for %: they stay in stock and the préfet cannot take them back', convention,
				CASE k.maintien_stock WHEN 'defense' THEN 'national defence' WHEN 'securite_interieure' THEN 'internal security'
									  ELSE 'public health establishments' END
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Reservations for national defence, internal security and public health establishments are managed in stock by law, outside the flux.',
				  HINT = 'Choose a late stock convention (flux.conformite.en_retard); if this one is not such a reservation, set flux.convention.maintien_stock to NULL.';
	END IF;
	IF NOT k.reprise_possible THEN
		RAISE EXCEPTION 'convention % is the State''s own stock: the préfet cannot take it back', convention
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Convert it into the State''s flux convention instead.';
	END IF;
	IF date_decision <= date '2023-11-24' OR date_decision < k.date_effet
	   OR (k.date_fin IS NOT NULL AND date_decision >= k.date_fin) THEN
		RAISE EXCEPTION 'the préfet''s decision of % falls outside convention %''s period in stock after 24 November 2023', date_decision, convention
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('Convention %s is in force from %s until %s.', convention, k.date_effet, coalesce(k.date_fin::text, 'further notice')),
				  HINT = 'The préfet may act from 25 November 2023 while the convention is in force.';
	END IF;
	IF k.reprise_id IS NOT NULL THEN
		RAISE EXCEPTION 'convention %''s units are already in the State''s flux since % (%)', convention, k.reprise_depuis, k.reprise_arrete
			USING ERRCODE = 'unique_violation',
				  HINT = format('Lift decision %s first with flux.lever_reprise_prefet.', k.reprise_id);
	END IF;

	IF convention_etat IS NOT NULL THEN
		SELECT c.id INTO etat FROM flux.convention c JOIN flux.reservataire r ON r.id = c.reservataire_id
		 WHERE c.id = convention_etat AND r.categorie = 'etat' AND c.regime = 'flux'
		   AND c.bailleur_id = k.bailleur_id AND c.departement = k.departement
		   AND daterange(c.date_effet, c.date_fin) @> date_decision;
		IF etat IS NULL THEN
			RAISE EXCEPTION 'convention % is not the State''s flux convention with bailleur % in département % on %',
					convention_etat, k.bailleur_id, k.departement, date_decision
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Pass a flux convention of a réservataire of category etat in force that day.';
		END IF;
	ELSE
		SELECT array_agg(c.id ORDER BY c.id) INTO etats
		  FROM flux.convention c JOIN flux.reservataire r ON r.id = c.reservataire_id
		 WHERE r.categorie = 'etat' AND c.regime = 'flux'
		   AND c.bailleur_id = k.bailleur_id AND c.departement = k.departement
		   AND daterange(c.date_effet, c.date_fin) @> date_decision;
		IF etats IS NULL THEN
			RAISE EXCEPTION 'bailleur % has no State flux convention in département % on % to add the units to',
					k.bailleur_id, k.departement, date_decision
				USING ERRCODE = 'no_data_found',
					  HINT = 'Record the State''s flux convention (réservataire of category etat) first.';
		ELSIF cardinality(etats) > 1 THEN
			RAISE EXCEPTION 'bailleur % has % State flux conventions in département % on %: %',
					k.bailleur_id, cardinality(etats), k.departement, date_decision, array_to_string(etats, ', ')
				USING ERRCODE = 'cardinality_violation',
					  HINT = 'Name the one to add the units to: convention_etat => id.';
		END IF;
		etat := etats[1];
	END IF;

	INSERT INTO flux.reprise_prefet AS p (convention_id, convention_etat_id, arrete, date_debut)
	VALUES (convention, etat, arrete, date_decision)
	RETURNING p.id INTO id;
	INSERT INTO flux.reprise_prefet_logement (reprise_id, logement_id, fin_droits)
	SELECT id, e.logement_id, e.fin_droits
	  FROM flux.logements_en_stock e
	  JOIN flux.logements_classes(k.bailleur_id, extract(year FROM date_decision)::integer, k.departement) a
		ON a.logement_id = e.logement_id AND a.classement = 'assiette'
	 WHERE e.convention_id = convention
	   AND coalesce(e.fin_droits, 'infinity') > date_decision;
	RETURN id;
END
$$;

COMMENT ON FUNCTION flux.reprise_prefet(bigint, date, text, bigint) IS
	'The préfet adds the units of a stock convention not made compliant by 24 November 2023 to the State''s flux, from date_decision: those whose right still runs that day and in the assiette of its year; refuses the State''s own stock and a convention that stays in stock by law; returns the decision''s id (reversible: flux.lever_reprise_prefet)';

CREATE OR REPLACE FUNCTION flux.lever_reprise_prefet(reprise bigint, date_levee date, motif text)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	p flux.reprise_prefet;
BEGIN
	IF date_levee IS NULL OR motif IS NULL OR motif = '' THEN
		RAISE EXCEPTION 'lifting a préfet''s decision needs its date and its reason'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass date_levee and motif (e.g. ''compliant convention signed on ...'').';
	END IF;
	IF reprise IS NULL THEN
		RAISE EXCEPTION 'préfet''s decision is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of a decision (flux.reprise_prefet, or flux.conformite.reprise_id).';
	END IF;
	SELECT * INTO p FROM flux.reprise_prefet r WHERE r.id = reprise FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'préfet''s decision % does not exist', reprise
			USING ERRCODE = 'no_data_found',
				  HINT = 'See flux.reprise_prefet (or flux.conformite.reprise_id).';
	END IF;
	IF p.date_fin IS NOT NULL THEN
		RAISE EXCEPTION 'préfet''s decision % was already lifted on %', reprise, p.date_fin
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Nothing to do; a new decision is made with flux.reprise_prefet.';
	END IF;
	IF date_levee < p.date_debut THEN
		RAISE EXCEPTION 'préfet''s decision % cannot be lifted on %, before its first day %', reprise, date_levee, p.date_debut
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = format('Lift it on %s to cancel it altogether.', p.date_debut);
	END IF;
	UPDATE flux.reprise_prefet SET date_fin = date_levee, motif_levee = motif WHERE id = reprise;
END
$$;

COMMENT ON FUNCTION flux.lever_reprise_prefet(bigint, date, text) IS
	'Ends a préfet''s decision from date_levee (its first day cancels it altogether): the units go back to their stock convention, the history stays';

/*
 * flux.conversion: what each réservataire's stock reservations convert
 * to on 1 January of year N (seed 002, the Île-de-France consensus):
 *
 *   taux_converti  its units reserved de suite over the assiette of N
 *                  (flux.taux_reservataire): the share of each year's flux
 *                  the bailleur commits to;
 *   droits_uniques the volume of single rights its droits de suite are
 *                  worth: rotation x unit-years still to run
 *                  (flux.droits_uniques, rounded as agreed), plus one per
 *                  droit simple not used;
 *   echeancier     the years in which it may use them (flux.echeancier:
 *                  evenly, earliest first, over the years its rights would
 *                  still have run), so that a small réservataire knows its
 *                  years and is not "noyé dans le flux".
 *
 * The rotation rate is taux_rotation when given, else the one imposed in
 * flux.parametre_annuel for N, else the mean of the fenetre years before N
 * (flux.rotation, by the year's definition).  Rights end at their stated
 * end or 5 years after a guaranteed loan's repayment (flux.fin_droits);
 * one with neither needs annees_sans_terme.  The State's stock is not
 * converted this way: its share of the flux is set by law (30 %).  Only
 * units in the assiette of N count (flux.logements_classes), and never a
 * reservation of a convention that stays in stock by law (defence,
 * internal security, public health: flux.convention.maintien_stock).
 */
CREATE OR REPLACE FUNCTION flux.conversion(bailleur bigint, departement text, annee integer,
								taux_rotation numeric DEFAULT NULL, fenetre integer DEFAULT 3,
								arrondi text DEFAULT 'proche', annees_sans_terme integer DEFAULT NULL)
	RETURNS TABLE (reservataire_id bigint, reservataire text, categorie text,
				   logements_reserves integer, droits_simples integer, annees_logement numeric,
				   annees_restantes_max numeric, parc integer, taux_converti numeric,
				   taux_rotation_retenu numeric, droits_uniques integer,
				   annees_echeancier integer, echeancier integer[], petit boolean)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	jan1 date;
	rotation numeric;
	definition flux.definition_rotation;
	impose numeric;
	a integer;
	sans_terme integer;
	r record;
BEGIN
	PERFORM flux.verifier_bailleur(bailleur);
	PERFORM flux.verifier_departement(departement);
	PERFORM flux.verifier_annee(annee);
	IF fenetre IS NULL OR fenetre NOT BETWEEN 1 AND 10 THEN
		RAISE EXCEPTION 'rotation window of % years is out of range', fenetre
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass fenetre => 1 to 10 years (the mean rotation of that many years before the conversion).';
	END IF;
	IF annees_sans_terme IS NOT NULL AND annees_sans_terme NOT BETWEEN 1 AND 99 THEN
		RAISE EXCEPTION 'annees_sans_terme of % is out of range', annees_sans_terme
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass 1 to 99 years, the duration the parties agreed for rights without an end.';
	END IF;
	IF arrondi IS NULL THEN
		RAISE EXCEPTION 'rounding must not be null'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass arrondi => ''proche'' (nearest, halves up), ''inferieur'' (down) or ''superieur'' (up).';
	END IF;
	PERFORM flux.droits_uniques(0, 0, arrondi);		-- checks the rounding's name
	jan1 := make_date(annee, 1, 1);

	SELECT p.taux_rotation, p.definition_rotation INTO impose, definition
	  FROM flux.parametre_annuel p
	 WHERE p.bailleur_id = conversion.bailleur AND p.departement = conversion.departement AND p.annee = conversion.annee;
	IF taux_rotation NOT BETWEEN 0 AND 100 THEN
		RAISE EXCEPTION 'rotation rate must be between 0 and 100 percent, not %', taux_rotation
			USING ERRCODE = 'numeric_value_out_of_range',
				  HINT = 'Pass taux_rotation in percent, e.g. 8.5 for 8.5 %.';
	END IF;
	rotation := coalesce(taux_rotation, impose);
	IF rotation IS NULL THEN
		SELECT round(avg(x.taux_rotation), 2) INTO rotation
		  FROM generate_series(annee - fenetre, annee - 1) y,
			   flux.rotation(bailleur, departement, y, coalesce(definition, 'relocations')) x
		 WHERE x.mouvements > 0;
		IF rotation IS NULL THEN
			RAISE EXCEPTION 'no vacancy recorded for bailleur % in département % from % to % to take a rotation rate from',
					bailleur, departement, annee - fenetre, annee - 1
				USING ERRCODE = 'no_data_found',
					  HINT = 'Pass taux_rotation => the rate agreed (e.g. from a shared study), or load past vacancies into flux.vacance.';
		END IF;
	END IF;

	SELECT count(*) INTO sans_terme
	  FROM flux.reservation s
	  JOIN flux.logements_classes(conversion.bailleur, conversion.annee, conversion.departement) k
		ON k.logement_id = s.logement_id AND k.classement = 'assiette'
	  JOIN flux.reservataire rs ON rs.id = s.reservataire_id
	  LEFT JOIN flux.convention cs ON cs.id = s.convention_id
	 WHERE s.date_conversion IS NULL AND s.droit = 'suite'
	   AND rs.categorie NOT IN ('etat', 'etat_agents')
	   AND cs.maintien_stock IS NULL
	   AND flux.fin_droits(s.date_fin, s.date_remboursement) IS NULL;
	IF sans_terme > 0 AND annees_sans_terme IS NULL THEN
		RAISE EXCEPTION '% stock reservation(s) of bailleur % in département % have no end to count the remaining years from',
				sans_terme, bailleur, departement
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = 'A right ends at flux.reservation.date_fin, or 5 years after the guaranteed loan''s date_remboursement.',
				  HINT = 'Record date_fin or date_remboursement, or pass annees_sans_terme => the duration the parties agreed.';
	END IF;

	SELECT x.assiette INTO a FROM flux.assiette(bailleur, departement, annee) x;

	FOR r IN
		WITH classes AS MATERIALIZED (
			SELECT k.logement_id FROM flux.logements_classes(conversion.bailleur, conversion.annee, conversion.departement) k
			 WHERE k.classement = 'assiette'
		)
		SELECT s.reservataire_id, rs.nom, rs.categorie::text AS categorie,
			   count(*) FILTER (WHERE s.droit = 'suite')::integer AS suite,
			   count(*) FILTER (WHERE s.droit = 'simple')::integer AS simple,
			   coalesce(sum(coalesce(flux.annees_entre(jan1, flux.fin_droits(s.date_fin, s.date_remboursement)),
									 annees_sans_terme)) FILTER (WHERE s.droit = 'suite'), 0) AS annees,
			   coalesce(max(coalesce(flux.annees_entre(jan1, flux.fin_droits(s.date_fin, s.date_remboursement)),
									 annees_sans_terme)) FILTER (WHERE s.droit = 'suite'), 0) AS annees_max
		  FROM flux.reservation s
		  JOIN classes k ON k.logement_id = s.logement_id
		  JOIN flux.reservataire rs ON rs.id = s.reservataire_id
		  LEFT JOIN flux.convention cs ON cs.id = s.convention_id
		 WHERE s.date_conversion IS NULL
		   AND rs.categorie NOT IN ('etat', 'etat_agents')
		   AND cs.maintien_stock IS NULL
		   AND coalesce(flux.fin_droits(s.date_fin, s.date_remboursement), 'infinity') > jan1
		 GROUP BY s.reservataire_id, rs.nom, rs.categorie
		 ORDER BY s.reservataire_id
	LOOP
		IF r.annees_max > 99 THEN
			RAISE EXCEPTION 'réservataire %''s rights run % more years, beyond 99', r.reservataire_id, trim_scale(r.annees_max)
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'A reservation runs at most as long as a 99-year lease.',
					  HINT = 'Check flux.reservation.date_fin of its reservations.';
		END IF;
		reservataire_id := r.reservataire_id;
		reservataire := r.nom;
		categorie := r.categorie;
		logements_reserves := r.suite;
		droits_simples := r.simple;
		annees_logement := trim_scale(r.annees);
		annees_restantes_max := trim_scale(r.annees_max);
		parc := a;
		taux_converti := flux.taux_reservataire(r.suite, a)::numeric;
		taux_rotation_retenu := trim_scale(rotation);
		droits_uniques := flux.droits_uniques(r.annees, rotation, arrondi) + r.simple;
		annees_echeancier := greatest(ceil(r.annees_max)::integer, 1);
		echeancier := flux.echeancier(droits_uniques, annees_echeancier);
		petit := droits_uniques < annees_echeancier;
		RETURN NEXT;
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.conversion(bigint, text, integer, numeric, integer, text, integer) IS
	'Stock -> flux conversion on 1 January N: per réservataire, its converted share (reserved units / assiette), the single rights its droits de suite are worth (rotation x remaining unit-years + unused droits simples) and the years it may use them';

/*
 * flux.premiere_attribution: the first letting of a new programme stays
 * in stock, shared between its financers in a concertation (FAQ §4.5;
 * seed 002).  Shares: a financer's taux_convenu when agreed; the State
 * part_etat (30 %) unless agreed otherwise; the bailleur part_bailleur;
 * the rest between the other financers in proportion to their
 * contributions, floored to 0.01 % (the dust stays with the bailleur).
 * The units are counted out exactly with flux.repartir, then handed out
 * from the smallest to the largest (rooms, area) in the order of
 * flux.entrelacer, so that every financer gets its part of each size.
 */
CREATE OR REPLACE FUNCTION flux.premiere_attribution(programme bigint, part_etat flux.taux DEFAULT '30%',
										  part_bailleur flux.taux DEFAULT '0%')
	RETURNS TABLE (rang integer, logement_id bigint, ident_int text, typologie text, surfhab numeric,
				   reservataire_id bigint, reservataire text, taux numeric, logements_dus integer)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	pg flux.programme;
	n integer;
	etats integer;
	reste numeric;
	total_contributions numeric;
	sans_part text;
	ids bigint[];
	noms text[];
	parts numeric[];
	dus integer[];
	ordre integer[];
	u record;
	i integer := 0;
BEGIN
	IF programme IS NULL THEN
		RAISE EXCEPTION 'programme is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the id of a row of flux.programme.';
	END IF;
	SELECT * INTO pg FROM flux.programme p WHERE p.id = premiere_attribution.programme;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'programme % does not exist', programme
			USING ERRCODE = 'no_data_found',
				  HINT = 'Pass the id of a row of flux.programme.';
	END IF;
	SELECT count(*) INTO n FROM flux.logement l WHERE l.programme_id = pg.id AND l.sortiepatrim = 9;
	IF n = 0 THEN
		RAISE EXCEPTION 'programme % (%) has no unit', pg.id, pg.nom
			USING ERRCODE = 'no_data_found',
				  HINT = 'Set flux.logement.programme_id on its units first.';
	END IF;
	SELECT count(*) INTO etats FROM flux.financement_programme f JOIN flux.reservataire r ON r.id = f.reservataire_id
	 WHERE f.programme_id = pg.id AND r.categorie = 'etat';
	IF etats = 0 AND part_etat > '0%' THEN
		RAISE EXCEPTION 'programme % (%) has no State financer to give its % to', pg.id, pg.nom, part_etat
			USING ERRCODE = 'no_data_found',
				  HINT = 'Add the State''s réservataire to flux.financement_programme (its share defaults to 30 %), or pass part_etat => ''0%''.';
	END IF;

	SELECT string_agg(r.id || ' (' || r.nom || ')', ', ' ORDER BY r.id) INTO sans_part
	  FROM flux.financement_programme f JOIN flux.reservataire r ON r.id = f.reservataire_id
	 WHERE f.programme_id = pg.id AND r.categorie <> 'etat'
	   AND f.contribution IS NULL AND f.taux_convenu IS NULL;
	IF sans_part IS NOT NULL THEN
		RAISE EXCEPTION 'financers of programme % with neither a contribution nor an agreed share: %', pg.id, sans_part
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Set contribution (euros) or taux_convenu in flux.financement_programme.';
	END IF;

	-- fixed shares first: agreed ones, the State's, the bailleur's
	SELECT 100 - part_bailleur::numeric
		   - coalesce(sum(CASE WHEN f.taux_convenu IS NOT NULL THEN f.taux_convenu::numeric
							   WHEN r.categorie = 'etat' THEN part_etat::numeric END), 0),
		   sum(f.contribution) FILTER (WHERE f.taux_convenu IS NULL AND r.categorie <> 'etat')
	  INTO reste, total_contributions
	  FROM flux.financement_programme f JOIN flux.reservataire r ON r.id = f.reservataire_id
	 WHERE f.programme_id = pg.id;
	IF reste < 0 THEN
		RAISE EXCEPTION 'shares agreed on programme % add up to %, more than 100%%', pg.id, trim_scale(100 - reste) || '%'
			USING ERRCODE = 'numeric_value_out_of_range',
				  DETAIL = format('The State %s, the bailleur %s, the agreed taux_convenu the rest.', part_etat, part_bailleur),
				  HINT = 'Lower taux_convenu in flux.financement_programme, part_etat or part_bailleur.';
	END IF;

	SELECT array_agg(f.reservataire_id ORDER BY f.reservataire_id), array_agg(r.nom ORDER BY f.reservataire_id),
		   array_agg(CASE WHEN f.taux_convenu IS NOT NULL THEN f.taux_convenu::numeric
						  WHEN r.categorie = 'etat' THEN part_etat::numeric
						  ELSE floor(reste * f.contribution / total_contributions * 100) / 100 END
					 ORDER BY f.reservataire_id)
	  INTO ids, noms, parts
	  FROM flux.financement_programme f JOIN flux.reservataire r ON r.id = f.reservataire_id
	 WHERE f.programme_id = pg.id;

	dus := flux.repartir(n, coalesce(parts::flux.taux[], '{}'));
	-- the bailleur's share last
	ordre := flux.entrelacer(coalesce(dus, '{}') || (n - coalesce((SELECT sum(d) FROM unnest(dus) d), 0))::integer);

	FOR u IN
		SELECT l.id, l.ident_int, l.nbpiece, l.surfhab
		  FROM flux.logement l
		 WHERE l.programme_id = pg.id AND l.sortiepatrim = 9
		 ORDER BY l.nbpiece, l.surfhab NULLS LAST, l.id
	LOOP
		i := i + 1;
		rang := i;
		logement_id := u.id;
		ident_int := u.ident_int;
		typologie := 'T' || u.nbpiece;
		surfhab := u.surfhab;
		IF ordre[i] <= coalesce(cardinality(ids), 0) THEN
			reservataire_id := ids[ordre[i]];
			reservataire := noms[ordre[i]];
			taux := trim_scale(parts[ordre[i]]);
			logements_dus := dus[ordre[i]];
		ELSE
			reservataire_id := NULL;
			reservataire := NULL;
			taux := trim_scale(100 - coalesce((SELECT sum(x) FROM unnest(parts) x), 0));
			logements_dus := n - coalesce((SELECT sum(d) FROM unnest(dus) d), 0);
		END IF;
		RETURN NEXT;
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.premiere_attribution(bigint, flux.taux, flux.taux) IS
	'First letting of a new programme: its units shared between its financers (State 30 % unless agreed, the rest in proportion to contributions), counted exactly and spread over the typologies; NULL réservataire = the bailleur';

-- ---------------------------------------------------------------------------
-- A collectivity's territory, RPLS rejects, the remaining checks (items 2, 10, 9)
-- ---------------------------------------------------------------------------

-- (section of the RPLS loading and the territory)
-- A collectivity's convention: its territory, widened where it holds
-- reservations (FAQ §2.3, docs/modele.md)

ALTER TABLE flux.convention
	ADD COLUMN perimetre_departemental boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN flux.convention.perimetre_departemental IS
	'A commune''s or an EPCI''s convention that covers the whole département (communes NULL), allowed when it holds reservations of the bailleur outside its territory there (FAQ §2.3); false = its territory, and the communes where it holds reservations if listed';

COMMENT ON COLUMN flux.convention.communes IS 'INSEE codes the convention is restricted to (a collectivity''s territory and the communes where it holds reservations, a justified employer need); NULL = the whole département (for a commune or an EPCI: only with perimetre_departemental, else it becomes its territory)';

CREATE OR REPLACE FUNCTION flux.convention_verifier() RETURNS trigger
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

COMMENT ON FUNCTION flux.convention_verifier() IS
	'Trigger: a convention stays on its réservataire''s territory (widened, for a collectivity, to the communes where it holds reservations, or the département with perimetre_departemental), in one département, and does not overlap another of the same parties';

-- RPLS loading: the communes of the COG, cleaner rejects, the lines of a
-- failed call (docs/rpls-loading.md)

CREATE FUNCTION flux.rpls_marque_liberer() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	-- a call that failed several times holds it as many times
	WHILE EXISTS (SELECT 1 FROM pg_catalog.pg_locks k
				   WHERE k.locktype = 'advisory' AND k.pid = pg_backend_pid() AND k.mode = 'ShareLock'
					 AND k.classid = 1179407704 AND k.objid = 1380994131 AND k.objsubid = 2) LOOP
		PERFORM pg_advisory_unlock_shared(1179407704, 1380994131);
	END LOOP;
END
$$;


COMMENT ON FUNCTION flux.rpls_marque_liberer() IS
	'Internal: releases the mark flux.charger_rpls leaves in its session while it runs (a shared advisory lock, every time it is held)';

CREATE FUNCTION flux.rpls_nettoyer() RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	n bigint := 0;
BEGIN
	IF EXISTS (SELECT 1 FROM pg_catalog.pg_locks k
				WHERE k.locktype = 'advisory' AND k.pid = pg_backend_pid() AND k.mode = 'ShareLock'
				  AND k.classid = 1179407704 AND k.objid = 1380994131 AND k.objsubid = 2) THEN
		DELETE FROM flux.rpls_ligne l WHERE l.session = flux.session_chargement();
		GET DIAGNOSTICS n = ROW_COUNT;
		PERFORM flux.rpls_marque_liberer();
		IF n > 0 THEN
			RAISE NOTICE 'rpls: % line(s) staged for a flux.charger_rpls call of this session that failed are dropped', n;
		END IF;
	END IF;
	RETURN n;
END
$$;


COMMENT ON FUNCTION flux.rpls_nettoyer() IS
	'Internal: when the last flux.charger_rpls call of this session failed, drops the lines it read from flux.rpls_ligne (before a new staging) and returns how many';

CREATE FUNCTION flux.rpls_ligne_nettoyer() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	PERFORM flux.rpls_nettoyer();
	RETURN NULL;
END
$$;

REVOKE EXECUTE ON FUNCTION flux.rpls_ligne_nettoyer() FROM PUBLIC;

COMMENT ON FUNCTION flux.rpls_ligne_nettoyer() IS
	'Trigger: a new staging (INSERT, \copy) first drops the lines a failed flux.charger_rpls call of the session left';

CREATE TRIGGER rpls_ligne_nettoyer
	BEFORE INSERT ON flux.rpls_ligne
	FOR EACH STATEMENT EXECUTE FUNCTION flux.rpls_ligne_nettoyer();

CREATE FUNCTION flux.charger_communes_cog(contenu bytea, encodage text DEFAULT 'UTF8')
	RETURNS TABLE (lues bigint, inserees bigint, mises_a_jour bigint, ignorees bigint)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $fn$
DECLARE
	src text;
	cols text[];
	i_type integer;
	i_com integer;
	i_lib integer;
	i_parent integer;
	mauvaise record;
BEGIN
	IF contenu IS NULL THEN
		RAISE EXCEPTION 'COG file content is null'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = $$Pass the file's bytes, e.g. from psql: \lo_import 'v_commune_2024.csv' then SELECT * FROM flux.charger_communes_cog(lo_get(:LASTOID));$$;
	END IF;
	IF encodage IS NULL OR pg_char_to_encoding(encodage) < 0 THEN
		RAISE EXCEPTION 'encoding "%" does not exist', encodage
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'INSEE publishes the COG in UTF8.';
	END IF;
	IF substr(contenu, 1, 3) = decode('efbbbf', 'hex') THEN
		contenu := substr(contenu, 4);
	END IF;
	src := convert_from(contenu, encodage);

	CREATE TEMP TABLE cog_ligne ON COMMIT DROP AS
	SELECT a.n AS ligne,
		   ARRAY(SELECT CASE WHEN left(m.c[1], 1) = '"' AND right(m.c[1], 1) = '"' AND length(m.c[1]) >= 2
							 THEN replace(substr(m.c[1], 2, length(m.c[1]) - 2), '""', '"')
							 ELSE m.c[1] END
				   FROM regexp_matches(rtrim(a.p, E'\r') || ',', '("(?:[^"]|"")*"|[^,]*),', 'g') WITH ORDINALITY AS m(c, k)
				  ORDER BY m.k) AS f
	  FROM string_to_table(src, E'\n') WITH ORDINALITY AS a(p, n)
	 WHERE btrim(a.p, E' \t\r') <> '';

	cols := ARRAY(SELECT upper(btrim(x)) FROM unnest((SELECT c.f FROM pg_temp.cog_ligne c ORDER BY c.ligne LIMIT 1)) x);
	i_type := array_position(cols, 'TYPECOM');
	i_com := array_position(cols, 'COM');
	i_lib := array_position(cols, 'LIBELLE');
	i_parent := array_position(cols, 'COMPARENT');
	IF i_type IS NULL OR i_com IS NULL OR i_lib IS NULL THEN
		RAISE EXCEPTION 'COG header lacks TYPECOM, COM or LIBELLE'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('Header read: %s', left(array_to_string(cols, ','), 300)),
				  HINT = 'Pass INSEE''s COG communes file (v_commune_2024.csv: TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT).';
	END IF;

	CREATE TEMP TABLE cog_commune ON COMMIT DROP AS
	SELECT c.ligne, btrim(c.f[i_type]) AS typecom, btrim(c.f[i_com]) AS com, btrim(c.f[i_lib]) AS libelle,
		   CASE WHEN i_parent IS NOT NULL THEN nullif(btrim(c.f[i_parent]), '') END AS comparent
	  FROM pg_temp.cog_ligne c
	 WHERE c.ligne > (SELECT min(h.ligne) FROM pg_temp.cog_ligne h);
	lues := (SELECT count(*) FROM pg_temp.cog_commune);

	SELECT k.ligne, k.com, k.libelle INTO mauvaise FROM pg_temp.cog_commune k
	 WHERE k.typecom IN ('COM', 'ARM')
	   AND (k.com IS NULL OR k.com !~ '^([0-9]{5}|2[AB][0-9]{3})$' OR coalesce(k.libelle, '') = '')
	 ORDER BY k.ligne LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'COG line % is not a commune: code %, name %', mauvaise.ligne, mauvaise.com, mauvaise.libelle
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'A commune has a 5-character INSEE code (2A, 2B for Corsica) and a LIBELLE; pass the file as INSEE publishes it.';
	END IF;

	WITH ecrit AS (
		INSERT INTO flux.commune AS c (depcom, nom, epci)
		SELECT k.com, k.libelle,
			   CASE WHEN k.typecom = 'ARM' THEN (SELECT p.epci FROM flux.commune p WHERE p.depcom = k.comparent) END
		  FROM pg_temp.cog_commune k
		 WHERE k.typecom IN ('COM', 'ARM')
		ON CONFLICT (depcom) DO UPDATE SET nom = EXCLUDED.nom
		 WHERE c.nom IS DISTINCT FROM EXCLUDED.nom
		RETURNING (xmax = 0) AS nouveau
	)
	SELECT count(*) FILTER (WHERE nouveau), count(*) FILTER (WHERE NOT nouveau) INTO inserees, mises_a_jour FROM ecrit;
	ignorees := (SELECT count(*) FROM pg_temp.cog_commune k WHERE k.typecom NOT IN ('COM', 'ARM') OR k.typecom IS NULL);
	DROP TABLE pg_temp.cog_ligne, pg_temp.cog_commune;
	RETURN NEXT;
END
$fn$;

COMMENT ON FUNCTION flux.charger_communes_cog(bytea, text) IS
	'Load the communes (TYPECOM COM) and municipal arrondissements (ARM) of INSEE''s Code officiel géographique CSV into flux.commune: new codes inserted, names updated, EPCI and zone_tendue kept; returns the counts';

-- a line of a file is rejected once: the duplicates 0.9.0 wrote on each
-- reload of a file are folded into the latest (same bailleur, year, line
-- and text; its reasons and time are kept)
DELETE FROM flux.rpls_rejet j
 USING flux.rpls_rejet k
 WHERE k.bailleur_id = j.bailleur_id AND k.annee_rpls = j.annee_rpls AND k.ligne = j.ligne
   AND md5(k.texte) = md5(j.texte) AND k.id > j.id;

CREATE UNIQUE INDEX rpls_rejet_une_fois ON flux.rpls_rejet (bailleur_id, annee_rpls, ligne, md5(texte));

CREATE OR REPLACE FUNCTION flux.charger_rpls(bailleur bigint, annee_rpls integer, lot_taille integer DEFAULT 10000)
	RETURNS TABLE (lues bigint, inserees bigint, mises_a_jour bigint, inchangees bigint, rejetees bigint)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
	-- the validation of 100 000 lines spent 0.8 s compiling itself
	SET jit = off
AS $fn$
DECLARE
	sess text := flux.session_chargement();
	entete text;
	entete_numero bigint;
	entete_probleme text;
	bom text := '';
	cols text[];
	manquantes text[];
	ncols integer;
	total bigint;
	derniere integer;
	debut integer;
	r record;
	n_ins bigint := 0;
	n_maj bigint := 0;
	n_inch bigint := 0;
	n_rej bigint := 0;
	n_ok bigint;
	sql_valide text;
	sql_upsert text;
	presentes text[];
BEGIN
	-- the marker of a call under way, taken first and released at the end:
	-- if this call fails, it stays, and the next staging of the session
	-- drops the lines this call read (flux.rpls_nettoyer)
	PERFORM pg_advisory_lock_shared(1179407704, 1380994131);
	IF lot_taille IS NULL OR lot_taille <= 0 THEN
		RAISE EXCEPTION 'lot_taille must be positive, not %', lot_taille
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use the default, 10000 lines a batch.';
	END IF;
	PERFORM flux.verifier_bailleur(charger_rpls.bailleur);
	PERFORM flux.verifier_annee(annee_rpls);
	-- a DEPCOM is checked against flux.commune: with no commune at all, every
	-- line would be refused for that alone
	IF NOT EXISTS (SELECT 1 FROM flux.commune) THEN
		RAISE EXCEPTION 'no commune is known to flux'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'Every DEPCOM of an RPLS file must be a commune of flux.commune.',
				  HINT = 'Load the communes of INSEE''s Code officiel géographique first: SELECT * FROM flux.charger_communes_cog(...) (docs/rpls-loading.md).';
	END IF;

	SELECT coalesce(l.texte, ''), l.numero, l.probleme INTO entete, entete_numero, entete_probleme
	  FROM flux.rpls_ligne l WHERE l.session = sess ORDER BY l.numero LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no RPLS line staged in this session'
			USING ERRCODE = 'no_data_found',
				  HINT = $$In the same session, first: \lo_import 'rpls.csv' then SELECT flux.deposer_rpls(lo_get(:LASTOID)); (docs/rpls-loading.md)$$;
	END IF;
	IF entete_probleme IS NOT NULL THEN
		RAISE EXCEPTION 'RPLS header (line 1) cannot be read: %', entete_probleme
			USING ERRCODE = 'character_not_in_repertoire',
				  DETAIL = format('Header read: %s', left(entete, 300)),
				  HINT = 'Stage the file again with its encoding (flux.deposer_rpls(..., ''WIN1252''), ''LATIN1''...): that drops the lines of this call first.';
	END IF;

	-- the header: RPLS names, any order, case and a UTF-8 BOM ignored (a
	-- BOM staged by \copy; written chr(65279), which only a UTF-8 database
	-- has: the literal E'\ufeff' of 0.8.0 failed every load in LATIN1)
	IF getdatabaseencoding() = 'UTF8' THEN
		bom := chr(65279);
	END IF;
	cols := ARRAY(SELECT upper(btrim(c, E' \t\r"' || bom)) FROM unnest(string_to_array(entete, ';')) c);
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

	sql_valide := format($q$
		CREATE TEMP TABLE rpls_valide ON COMMIT DROP AS
		SELECT ligne, texte, v.*,
			   octets IS NULL AND cardinality(f) = %2$s AS lisible,
			   CASE WHEN octets IS NOT NULL THEN ARRAY[octets]
					-- a line of another length: its fields are not where the
					-- header says, one reason
					WHEN cardinality(f) <> %2$s THEN ARRAY[format('line has %%s fields, the header %2$s', cardinality(f))] ELSE
			   array_remove(ARRAY[
				   CASE WHEN v.ident_int IS NULL THEN 'IDENT_INT is empty' END,
				   CASE WHEN v.ident_rep !~ '^[0-9A-Z]{10}$' THEN format('IDENT_REP %%L is not 10 characters', v.ident_rep) END,
				   CASE WHEN v.depcom IS NULL OR v.depcom !~ '^([0-9]{5}|2[AB][0-9]{3})$' THEN format('DEPCOM %%L is not an INSEE commune code', v.depcom)
						WHEN v.depcom NOT IN (SELECT c.depcom FROM flux.commune c)
						THEN format('DEPCOM %%L is not a commune known to flux (flux.commune)', v.depcom) END,
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
			   ], NULL) END AS raisons
		  FROM (%4$s) lu,
			   LATERAL (SELECT %3$s) v
	$q$, charger_rpls.bailleur, ncols,
	  (SELECT string_agg(format('%s AS %s',
								CASE WHEN array_position(cols, upper(c)) IS NULL THEN 'NULL::text'
									 ELSE format('f[%s]', array_position(cols, upper(c))) END, c), ', ')
		 FROM unnest(ARRAY['ident_rep', 'ident_int', 'depcom', 'epci', 'qpv', 'typeconst', 'nbpiece',
						   'surfhab', 'construct', 'locat', 'patrimoine', 'origine', 'finan', 'cus', 'conv',
						   'sortiepatrim', 'mode', 'loyerprinc', 'contreslog',
						   'numvoie', 'indrep', 'typvoie', 'nomvoie', 'cplocal', 'libcom']) c),
	  -- one row per physical line after the header, numbered by its rank in
	  -- this session's staging (the header is line 1); a line that cannot
	  -- be read, is empty or holds a control character is refused for that
	  -- alone and its fields are not read.  A plain line (no quote, control
	  -- character or blank next to a ';') is split as it is; the others
	  -- (a few) field by field.
	  format($lu$
		SELECT s.ligne, s.texte, s.octets,
			   CASE WHEN s.octets IS NOT NULL THEN NULL
					WHEN NOT s.special THEN string_to_array(s.texte, ';', '')
					WHEN strpos(s.texte, '"') = 0
					THEN ARRAY(SELECT nullif(btrim(x, E' \t'), '') FROM unnest(string_to_array(s.texte, ';')) x)
					-- CSV quoting (as a spreadsheet saves it): "a;b" is one
					-- field, "" in it a quote; a stray quote is trimmed
					ELSE ARRAY(SELECT nullif(CASE WHEN length(z.q) >= 2 AND left(z.q, 1) = '"' AND right(z.q, 1) = '"'
												  THEN btrim(replace(substr(z.q, 2, length(z.q) - 2), '""', '"'), E' \t')
												  ELSE btrim(z.q, E' \t"') END, '')
								 FROM regexp_matches(s.texte || ';', '([[:blank:]]*"(?:[^"]|"")*"[[:blank:]]*|[^;]*);', 'g')
									  WITH ORDINALITY AS m(c, k),
									  LATERAL (SELECT btrim(m.c[1], E' \t') AS q) z
								ORDER BY m.k) END AS f
		  FROM (SELECT l.ligne, l.texte, l.special,
					   CASE WHEN NOT l.special THEN l.probleme
							WHEN l.probleme IS NOT NULL THEN l.probleme
							WHEN btrim(l.texte, E' \t') = '' THEN 'line is empty'
							WHEN l.texte ~ E'[\\x01-\\x08\\x0a-\\x1f\\x7f]' THEN
								CASE WHEN l.texte ~ E'[\\r\\n]'
									 THEN 'line holds a line break: several lines of the file were staged as one (a 0x1E byte read by COPY?); stage the file with flux.deposer_rpls'
									 ELSE format('control character 0x%%s at character %%s',
												 lpad(upper(to_hex(ascii(substr(l.texte, regexp_instr(l.texte, E'[\\x01-\\x08\\x0a-\\x1f\\x7f]'), 1)))), 2, '0'),
												 regexp_instr(l.texte, E'[\\x01-\\x08\\x0a-\\x1f\\x7f]')) END
					   END AS octets
				  FROM (SELECT r.ligne, r.texte, r.probleme,
							   r.texte = '' OR r.texte ~ E'[\\x01-\\x1f\\x7f"]|[ ];|;[ ]|^[ ]|[ ]$' AS special
						  FROM (SELECT (row_number() OVER (ORDER BY rl.numero))::integer AS ligne,
									   coalesce(rl.texte, '') AS texte, rl.probleme
								  FROM flux.rpls_ligne rl WHERE rl.session = %1$L) r
						 WHERE r.ligne > 1) l) s
		OFFSET 0 -- a fence: f is computed once a line, not once a field
	  $lu$, sess));
	IF to_regclass('pg_temp.rpls_valide') IS NOT NULL THEN DROP TABLE pg_temp.rpls_valide; END IF;
	EXECUTE sql_valide;
	GET DIAGNOSTICS total = ROW_COUNT;
	derniere := total + 1;
	-- the batches read their lines by number
	CREATE INDEX ON pg_temp.rpls_valide (ligne);
	ANALYZE pg_temp.rpls_valide;

	-- an IDENT_REP on several lines of the file (of other IDENT_INT): the
	-- first keeps it, each later one is refused naming the first.  Apart
	-- from the validation above, which would sort every line once more by
	-- IDENT_REP: this one is a hash aggregate, and a window over the few
	-- duplicates
	UPDATE pg_temp.rpls_valide v
	   SET raisons = v.raisons || format('IDENT_REP %L is already on line %s (IDENT_INT %L): one RPLS number per unit',
										 d.ident_rep, d.premiere, d.premier_ident_int)
	  FROM (SELECT w.ligne, w.ident_rep, w.ident_int,
				   first_value(w.ligne) OVER p AS premiere, first_value(w.ident_int) OVER p AS premier_ident_int
			  FROM pg_temp.rpls_valide w
			 WHERE w.lisible AND w.ident_rep IN (SELECT x.ident_rep FROM pg_temp.rpls_valide x
												  WHERE x.lisible AND x.ident_rep ~ '^[0-9A-Z]{10}$'
												  GROUP BY x.ident_rep HAVING count(*) > 1)
			WINDOW p AS (PARTITION BY w.ident_rep ORDER BY w.ligne)) d
	 WHERE v.ligne = d.ligne AND d.ligne > d.premiere AND d.ident_int IS DISTINCT FROM d.premier_ident_int;

	-- each batch says how many good lines it read, so that "unchanged" is
	-- counted, not inferred
	sql_upsert := format($q$
		WITH lot AS MATERIALIZED (
			SELECT v.* FROM pg_temp.rpls_valide v
			 WHERE v.ligne BETWEEN $1 AND $2 AND cardinality(v.raisons) = 0
		), ecrit AS (
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
			  FROM lot v
			ON CONFLICT (bailleur_id, ident_int) DO UPDATE SET
				(%3$s, date_sortie) = (%4$s,
					CASE WHEN EXCLUDED.sortiepatrim = 9 THEN NULL
						 ELSE coalesce(l.date_sortie, EXCLUDED.date_sortie) END)
			 WHERE (%5$s) IS DISTINCT FROM (%4$s)
			RETURNING (xmax = 0) AS nouveau
		)
		SELECT (SELECT count(*) FROM lot) AS lus,
			   count(*) FILTER (WHERE nouveau) AS ins, count(*) FILTER (WHERE NOT nouveau) AS maj FROM ecrit
	$q$, charger_rpls.bailleur, annee_rpls,
	  -- a column the file does not have keeps its value
	  array_to_string(presentes, ', '),
	  (SELECT string_agg('EXCLUDED.' || c, ', ') FROM unnest(presentes) c),
	  (SELECT string_agg('l.' || c, ', ') FROM unnest(presentes) c));

	-- lines 2 to derniere, in batches; a batch that fails on a line's data
	-- is replayed line by line so that only the guilty lines are refused;
	-- any other error (serialization failure, deadlock, lock timeout, out of
	-- memory...) is no line's fault and aborts the load
	FOR debut IN SELECT g FROM generate_series(2, greatest(derniere, 2), lot_taille) g LOOP
		BEGIN
			EXECUTE sql_upsert INTO r USING debut, debut + lot_taille - 1;
			n_ins := n_ins + r.ins;
			n_maj := n_maj + r.maj;
			n_inch := n_inch + r.lus - r.ins - r.maj;
		EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
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
						n_inch := n_inch + r.lus - r.ins - r.maj;
					EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
						UPDATE pg_temp.rpls_valide v SET raisons = ARRAY[SQLERRM] WHERE v.ligne = i;
					END;
				END LOOP;
			END;
		END;
		IF debut + lot_taille - 1 < derniere THEN
			RAISE NOTICE 'rpls: up to line % of %, % inserted, % updated',
				debut + lot_taille - 1, derniere, n_ins, n_maj;
		END IF;
	END LOOP;

	-- a line rejected by an earlier load of this bailleur and year (the
	-- same line number, the same text) is recorded once: its reject gets
	-- this load's reasons and time.  ON CONFLICT reads no row with the
	-- transaction's snapshot, so two loads of other bailleurs never
	-- conflict under SERIALIZABLE (a DELETE of the earlier rejects did)
	-- (EXECUTE: the index's column annee_rpls is also this function's argument)
	EXECUTE $q$
		INSERT INTO flux.rpls_rejet (bailleur_id, annee_rpls, ligne, ident_int, raisons, texte)
		SELECT $1, $2, v.ligne, v.ident_int, v.raisons, v.texte
		  FROM pg_temp.rpls_valide v WHERE cardinality(v.raisons) > 0 ORDER BY v.ligne
		ON CONFLICT (bailleur_id, annee_rpls, ligne, md5(texte)) DO UPDATE
		   SET ident_int = EXCLUDED.ident_int, raisons = EXCLUDED.raisons, rejete_le = EXCLUDED.rejete_le
	$q$ USING charger_rpls.bailleur, charger_rpls.annee_rpls;
	GET DIAGNOSTICS n_rej = ROW_COUNT;
	SELECT count(*) INTO n_ok FROM pg_temp.rpls_valide v WHERE cardinality(v.raisons) = 0;
	IF n_ins + n_maj + n_inch <> n_ok OR n_ok + n_rej <> total THEN
		RAISE EXCEPTION 'RPLS load of bailleur % miscounted its lines', charger_rpls.bailleur
			USING ERRCODE = 'internal_error',
				  DETAIL = format('%s lines read, %s good (%s inserted, %s updated, %s unchanged), %s rejected.',
								  total, n_ok, n_ins, n_maj, n_inch, n_rej);
	END IF;

	DELETE FROM flux.rpls_ligne l WHERE l.session = sess;
	PERFORM flux.rpls_marque_liberer();

	lues := total;
	inserees := n_ins;
	mises_a_jour := n_maj;
	inchangees := n_inch;
	rejetees := n_rej;
	RAISE NOTICE 'rpls: % lines read after the header = % inserted + % updated + % unchanged + % rejected (see flux.rpls_rejet)',
		lues, inserees, mises_a_jour, inchangees, rejetees;
	RETURN NEXT;
END
$fn$;

COMMENT ON FUNCTION flux.charger_rpls(bigint, integer, integer) IS
	'Load the RPLS lines staged in this session into flux.logement for a bailleur: validate, upsert by IDENT_INT, reject bad lines (unreadable, empty, bad fields) with their physical line number and reasons into flux.rpls_rejet; lues = inserees + mises_a_jour + inchangees + rejetees; idempotent';

CREATE OR REPLACE FUNCTION flux.deposer_rpls(contenu bytea, encodage text DEFAULT 'UTF8')
	RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $fn$
DECLARE
	sess text := flux.session_chargement();
	deja bigint;
	src text;
	lent boolean := false;
	nb bigint;
	lignes text[];
	textes text[] := '{}';
	problemes text[] := '{}';
	une text;
	octets bytea;
	pos integer;
BEGIN
	IF contenu IS NULL THEN
		RAISE EXCEPTION 'RPLS file content is null'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = $$Pass the file's bytes, e.g. from psql: \lo_import 'rpls.csv' then SELECT flux.deposer_rpls(lo_get(:LASTOID));$$;
	END IF;
	IF encodage IS NULL OR pg_char_to_encoding(encodage) < 0 THEN
		RAISE EXCEPTION 'encoding "%" does not exist', encodage
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Name the encoding of the file as PostgreSQL does: UTF8, WIN1252, LATIN1, LATIN9...';
	END IF;
	PERFORM flux.rpls_nettoyer();
	SELECT count(*) INTO deja FROM flux.rpls_ligne rl WHERE rl.session = sess;
	IF deja > 0 THEN
		RAISE EXCEPTION 'RPLS lines are already staged in this session'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = format('%s line(s) wait for flux.charger_rpls: a second file would be read as their continuation.', deja),
				  HINT = 'Load them first with flux.charger_rpls, or drop them: DELETE FROM flux.rpls_ligne WHERE session = flux.session_chargement();';
	END IF;
	-- a UTF-8 byte order mark is not part of the header
	IF substr(contenu, 1, 3) = decode('efbbbf', 'hex') THEN
		contenu := substr(contenu, 4);
	END IF;
	IF length(contenu) = 0 THEN
		RAISE EXCEPTION 'RPLS file is empty'
			USING ERRCODE = 'no_data_found',
				  HINT = 'An RPLS file has at least its header line.';
	END IF;

	-- the whole file at once when it is text in its encoding (the usual
	-- case); else every line apart, from the bytes escaped as ASCII (NUL and
	-- bytes >= 0x80 as \ooo, backslash as \\, so that CR and LF stay bytes)
	BEGIN
		src := convert_from(contenu, encodage);
	EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
		src := encode(contenu, 'escape');
		lent := true;
	END;

	-- physical lines: LF, CRLF or a lone CR end a line; the end of the file
	-- ends the last one (a terminator there opens no line)
	IF right(src, 1) = E'\n' THEN
		src := left(src, -1);
	END IF;
	IF NOT lent THEN
		INSERT INTO flux.rpls_ligne (session, texte)
		SELECT sess, x.t
		  FROM (SELECT CASE WHEN right(a.p, 1) = E'\r' THEN left(a.p, -1) ELSE a.p END AS q, a.n
				  FROM string_to_table(CASE WHEN src = '' THEN E'\n' ELSE src END, E'\n') WITH ORDINALITY AS a(p, n)
				 WHERE src <> '' OR a.n = 1) s
		 CROSS JOIN LATERAL unnest(CASE WHEN strpos(s.q, E'\r') = 0 THEN ARRAY[s.q] ELSE string_to_array(s.q, E'\r') END)
				 WITH ORDINALITY AS x(t, m)
		 ORDER BY s.n, x.m;
		GET DIAGNOSTICS nb = ROW_COUNT;
		RETURN nb;
	END IF;

	lignes := ARRAY(
		SELECT x.t
		  FROM (SELECT CASE WHEN right(a.p, 1) = E'\r' THEN left(a.p, -1) ELSE a.p END AS q, a.n
				  FROM string_to_table(CASE WHEN src = '' THEN E'\n' ELSE src END, E'\n') WITH ORDINALITY AS a(p, n)
				 WHERE src <> '' OR a.n = 1) s
		 CROSS JOIN LATERAL unnest(CASE WHEN strpos(s.q, E'\r') = 0 THEN ARRAY[s.q] ELSE string_to_array(s.q, E'\r') END)
				 WITH ORDINALITY AS x(t, m)
		 ORDER BY s.n, x.m);
	FOREACH une IN ARRAY lignes LOOP
		IF strpos(une, chr(92)) = 0 THEN
			-- ASCII: the same text in every encoding flux runs in
			textes := textes || une;
			problemes := problemes || NULL::text;
			CONTINUE;
		END IF;
		octets := decode(une, 'escape');
		pos := position(decode('00', 'hex') IN octets);
		IF pos > 0 THEN
			textes := textes || une;
			problemes := problemes || format('NUL byte (0x00) at byte %s', pos);
			CONTINUE;
		END IF;
		BEGIN
			textes := textes || convert_from(octets, encodage);
			problemes := problemes || NULL::text;
		EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
			textes := textes || une;
			problemes := problemes || CASE WHEN pg_char_to_encoding(encodage) = pg_char_to_encoding('UTF8')
											THEN SQLERRM || ' (is the file in WIN1252? say so to flux.deposer_rpls)'
											ELSE SQLERRM END;
		END;
	END LOOP;
	INSERT INTO flux.rpls_ligne (session, texte, probleme)
	SELECT sess, x.t, x.pb
	  FROM unnest(textes, problemes) WITH ORDINALITY AS x(t, pb, n)
	 ORDER BY x.n;
	GET DIAGNOSTICS nb = ROW_COUNT;
	RETURN nb;
END
$fn$;

-- The remaining checks of arguments (issue 14 item 9)

/*
 * No report of a year without data (issue 15 item 11): a réservataire's
 * bilan needs one of its conventions in force in the year; an EPCI's, an
 * orientation of the year on its communes; a bailleur's, an orientation of
 * the year in the département or its yearly parameters.  Otherwise the
 * report would be an empty page that reads as "nothing happened" (P0002,
 * with the year and a hint).  The ids themselves are checked before
 * (flux.verifier_reservataire, verifier_epci, verifier_portee).
 */
CREATE FUNCTION flux.verifier_annee_rapport(annee integer, bailleur bigint DEFAULT NULL,
											departement text DEFAULT NULL, reservataire bigint DEFAULT NULL,
											epci text DEFAULT NULL)
	RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	debut date := make_date(annee, 1, 1);
	fin date := make_date(annee + 1, 1, 1);
BEGIN
	IF reservataire IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM flux.convention c
		 WHERE c.reservataire_id = verifier_annee_rapport.reservataire
		   AND daterange(c.date_effet, c.date_fin) && daterange(debut, fin)) THEN
		RAISE EXCEPTION 'réservataire % has no convention in force in %', reservataire, annee
			USING ERRCODE = 'no_data_found',
				  HINT = 'A réservataire''s bilan covers its conventions in force in the year: check the year, or the dates of its conventions (flux.convention.date_effet, date_fin).';
	END IF;
	IF epci IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM flux.orientation o
		  JOIN flux.vacance v ON v.id = o.vacance_id
		  JOIN flux.logement l ON l.id = v.logement_id
		 WHERE o.date_orientation >= debut AND o.date_orientation < fin
		   AND (l.epci = verifier_annee_rapport.epci
				OR l.depcom IN (SELECT cm.depcom FROM flux.commune cm WHERE cm.epci = verifier_annee_rapport.epci))) THEN
		RAISE EXCEPTION 'no orientation on the territory of EPCI % in %', epci, annee
			USING ERRCODE = 'no_data_found',
				  HINT = 'The EPCI''s bilan covers the orientations of the year on its communes: check the year, or the EPCI of the units (flux.logement.epci, flux.commune.epci).';
	END IF;
	IF bailleur IS NOT NULL AND NOT EXISTS (
		SELECT 1 FROM flux.orientation o
		  JOIN flux.vacance v ON v.id = o.vacance_id
		  JOIN flux.logement l ON l.id = v.logement_id
		 WHERE l.bailleur_id = verifier_annee_rapport.bailleur
		   AND l.departement = verifier_annee_rapport.departement
		   AND o.date_orientation >= debut AND o.date_orientation < fin)
	   AND NOT EXISTS (
		SELECT 1 FROM flux.parametre_annuel p
		 WHERE p.bailleur_id = verifier_annee_rapport.bailleur
		   AND p.departement = verifier_annee_rapport.departement
		   AND p.annee = verifier_annee_rapport.annee) THEN
		RAISE EXCEPTION 'bailleur % has no orientation and no yearly parameters in département % for %',
				bailleur, departement, annee
			USING ERRCODE = 'no_data_found',
				  HINT = 'The bilan covers the orientations of the year: check the year and the département (flux.orientation, flux.parametre_annuel).';
	END IF;
END
$$;

COMMENT ON FUNCTION flux.verifier_annee_rapport(integer, bigint, text, bigint, text) IS
	'Raises P0002 when a report would cover a year without data: no convention of the réservataire in force, no orientation on the EPCI''s territory, no orientation nor yearly parameters of the bailleur in the département';

CREATE OR REPLACE FUNCTION flux.rapport_reservataire(reservataire bigint, annee integer)
	RETURNS TABLE (ordre integer, bailleur text, departement text, section text, libelle text,
				   valeur numeric, reference numeric, unite text)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no silent empty report: a NULL or unknown réservataire, a bad year
	SELECT flux.verifier_reservataire($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, reservataire => $1);
	SELECT 100 + x.ordre, r.bailleur, r.departement, 'part', x.libelle, x.valeur, x.reference, x.unite
	  FROM flux.bilan_reservataire r
	 CROSS JOIN LATERAL (VALUES
		(1, 'logements proposés', r.proposes::numeric, r.proposes_dus, 'logements'),
		(2, 'part des logements proposés du flux', r.part_proposes, r.taux_du, '%'),
		(3, 'logements attribués en CALEOL', r.attribues::numeric, NULL::numeric, 'logements'),
		(4, 'dont refus illégitimes validés', r.refus_illegitimes::numeric, NULL, 'logements'),
		(5, 'part des attributions du flux', r.part_attribues, r.taux_du, '%'),
		(6, 'baux signés', r.baux::numeric, NULL, 'logements'),
		(7, 'part des baux du flux', r.part_baux, r.taux_du, '%')) x(ordre, libelle, valeur, reference, unite)
	 WHERE r.reservataire_id = $1 AND r.annee = $2
	UNION ALL
	SELECT 200, o.bailleur, o.departement, 'obligations', o.libelle, o.taux, o.objectif, '%'
	  FROM flux.bilan_obligations o
	 WHERE o.reservataire_id = $1 AND o.annee = $2
	UNION ALL
	SELECT 300 + x.ordre, d.bailleur, d.departement, 'detail ' || x.dimension, x.valeur_dim,
		   sum(d.proposes), sum(d.baux), 'proposés / baux'
	  FROM flux.bilan_detaille d
	 CROSS JOIN LATERAL (VALUES (1, 'typologie', d.typologie), (2, 'financement', d.financement), (3, 'qpv', d.qpv),
							   (4, 'commune', d.commune), (5, 'periode', d.periode)) x(ordre, dimension, valeur_dim)
	 WHERE d.reservataire_id = $1 AND d.annee = $2
	 GROUP BY d.bailleur, d.departement, x.ordre, x.dimension, x.valeur_dim
	 ORDER BY 2, 3, 1, 5
$$;

CREATE OR REPLACE FUNCTION flux.rapport_epci(epci text, annee integer)
	RETURNS TABLE (bailleur text, departement text, section text, libelle text, proposes bigint, attribues bigint, baux bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no silent empty report: a NULL, malformed or unknown EPCI, a bad year
	SELECT flux.verifier_epci($1), flux.verifier_annee($2);
	SELECT flux.verifier_annee_rapport($2, epci => $1);
	SELECT d.bailleur, d.departement, 'commune', d.commune, sum(d.proposes)::bigint, sum(d.attribues)::bigint, sum(d.baux)::bigint
	  FROM flux.bilan_detaille d WHERE d.epci = $1 AND d.annee = $2
	 GROUP BY d.bailleur, d.departement, d.commune
	UNION ALL
	SELECT d.bailleur, d.departement, 'destination', d.destination, sum(d.proposes)::bigint, sum(d.attribues)::bigint, sum(d.baux)::bigint
	  FROM flux.bilan_detaille d WHERE d.epci = $1 AND d.annee = $2
	 GROUP BY d.bailleur, d.departement, d.destination
	UNION ALL
	SELECT o.bailleur, o.departement, 'obligation ' || x.obligation, x.libelle, count(*) FILTER (WHERE x.concerne),
		   count(*) FILTER (WHERE x.atteint), NULL
	  FROM flux.bilan_orientation o
	 CROSS JOIN LATERAL (VALUES
		('prioritaires_tous', 'attributions aux ménages prioritaires, hors flux compris', o.attribue, o.attribue AND o.prioritaire),
		('q1_hors_qpv', 'baux hors QPV au 1er quartile', o.bail AND NOT o.qpv, o.bail AND NOT o.qpv AND o.quartile = 1),
		('q234_qpv', 'attributions en QPV aux quartiles 2 à 4', o.attribue AND o.qpv,
		 o.attribue AND o.qpv AND o.quartile BETWEEN 2 AND 4)) x(obligation, libelle, concerne, atteint)
	 WHERE o.epci = $1 AND o.annee = $2
	 GROUP BY o.bailleur, o.departement, x.obligation, x.libelle
	 ORDER BY 1, 2, 3, 4
$$;

CREATE OR REPLACE FUNCTION flux.rapport_html(bailleur bigint, departement text, annee integer)
	RETURNS text
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no page of zeros: a NULL or unknown bailleur, a bad département or year,
	-- a year without data
	SELECT flux.verifier_portee($1, $2, $3);
	SELECT flux.verifier_annee_rapport($3, bailleur => $1, departement => $2);
	WITH r AS (
		SELECT * FROM flux.bilan_reservataire x
		 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3
	), o AS (
		SELECT * FROM flux.bilan_obligations x
		 WHERE x.bailleur_id = $1 AND x.departement = $2 AND x.annee = $3 AND x.concernes > 0
	), nom AS (
		SELECT b.nom FROM flux.bailleur b WHERE b.id = $1
	), echelle AS (
		SELECT greatest(max(greatest(r.proposes, r.proposes_dus)), 1) AS m, count(*) AS n FROM r
	), barres AS (
		SELECT xmlagg(xmlconcat(
				 xmlelement(name text, xmlattributes(0 AS x, 22 * i + 14 AS y, 'font-size:11px' AS style),
							left(r.reservataire, 38)),
				 xmlelement(name rect, xmlattributes(260 AS x, 22 * i + 3 AS y, round(300 * r.proposes_dus / e.m, 1) AS width,
													 8 AS height, '#9db4d0' AS fill)),
				 xmlelement(name rect, xmlattributes(260 AS x, 22 * i + 11 AS y, round(300 * r.proposes / e.m, 1) AS width,
													 8 AS height, '#1f4e79' AS fill)),
				 xmlelement(name text, xmlattributes(570 AS x, 22 * i + 14 AS y, 'font-size:11px' AS style),
							format('%s proposés / %s dus', r.proposes, r.proposes_dus)))
			   ORDER BY r.reservataire) AS svg
		  FROM (SELECT r.*, row_number() OVER (ORDER BY r.reservataire) - 1 AS i FROM r) r, echelle e
	), jauges AS (
		SELECT xmlagg(xmlconcat(
				 xmlelement(name text, xmlattributes(0 AS x, 26 * i + 14 AS y, 'font-size:11px' AS style),
							left(coalesce(o.reservataire || ' : ', '') || o.obligation, 40)),
				 xmlelement(name rect, xmlattributes(260 AS x, 26 * i + 4 AS y, 300 AS width, 12 AS height, '#eeeeee' AS fill)),
				 xmlelement(name rect, xmlattributes(260 AS x, 26 * i + 4 AS y, round(3 * coalesce(o.taux, 0), 1) AS width,
													 12 AS height, CASE WHEN o.conforme THEN '#2e7d32' ELSE '#c62828' END AS fill)),
				 xmlelement(name line, xmlattributes(260 + 3 * o.objectif AS x1, 26 * i AS y1, 260 + 3 * o.objectif AS x2,
													 26 * i + 20 AS y2, '#000000' AS stroke)),
				 xmlelement(name text, xmlattributes(570 AS x, 26 * i + 14 AS y, 'font-size:11px' AS style),
							format('%s %% (objectif %s %%)', coalesce(o.taux, 0), o.objectif)))
			   ORDER BY o.obligation, o.reservataire) AS svg
		  FROM (SELECT o.*, row_number() OVER (ORDER BY o.obligation, o.reservataire) - 1 AS i FROM o) o
	)
	SELECT '<!DOCTYPE html>' || chr(10) || xmlelement(name html, xmlattributes('http://www.w3.org/1999/xhtml' AS xmlns, 'fr' AS lang),
		xmlelement(name head,
			xmlelement(name meta, xmlattributes('utf-8' AS charset)),
			xmlelement(name title, format('Bilan %s de la gestion en flux, %s, département %s', $3, (SELECT nom FROM nom), $2)),
			xmlelement(name style, 'body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}'
								   'td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}th{background:#eef}'
								   'td:first-child{text-align:left}')),
		xmlelement(name body,
			xmlelement(name h1, format('Bilan %s de la gestion en flux', $3)),
			xmlelement(name p, format('%s, département %s. Logements proposés (orientés), attribués en CALEOL et baux signés, par réservataire ; obligations d''attribution.',
									  (SELECT nom FROM nom), $2)),
			xmlelement(name h2, 'Logements proposés et dus par réservataire'),
			xmlelement(name svg, xmlattributes('http://www.w3.org/2000/svg' AS xmlns, 760 AS width,
											   22 * (SELECT n FROM echelle) + 10 AS height, 'img' AS role),
					   (SELECT svg FROM barres)),
			xmlelement(name p, 'Barre claire : logements dus selon la part de la convention ; barre foncée : logements proposés.'),
			xmlelement(name table,
				xmlelement(name tr, xmlelement(name th, 'Réservataire'), xmlelement(name th, 'Part due (%)'),
						   xmlelement(name th, 'Proposés'), xmlelement(name th, 'Dus'), xmlelement(name th, 'Écart'),
						   xmlelement(name th, 'Attribués'), xmlelement(name th, 'Baux')),
				(SELECT xmlagg(xmlelement(name tr, xmlelement(name td, r.reservataire), xmlelement(name td, r.taux_du),
										  xmlelement(name td, r.proposes), xmlelement(name td, r.proposes_dus),
										  xmlelement(name td, r.ecart_proposes), xmlelement(name td, r.attribues),
										  xmlelement(name td, r.baux)) ORDER BY r.reservataire) FROM r)),
			xmlelement(name h2, 'Obligations'),
			xmlelement(name svg, xmlattributes('http://www.w3.org/2000/svg' AS xmlns, 760 AS width,
											   26 * (SELECT count(*) FROM o) + 10 AS height, 'img' AS role),
					   (SELECT svg FROM jauges)),
			xmlelement(name table,
				xmlelement(name tr, xmlelement(name th, 'Obligation'), xmlelement(name th, 'Réservataire'),
						   xmlelement(name th, 'Concernés'), xmlelement(name th, 'Atteints'), xmlelement(name th, 'Taux (%)'),
						   xmlelement(name th, 'Objectif (%)'), xmlelement(name th, 'Manque')),
				(SELECT xmlagg(xmlelement(name tr, xmlelement(name td, o.libelle), xmlelement(name td, coalesce(o.reservataire, 'tous')),
										  xmlelement(name td, o.concernes), xmlelement(name td, o.atteints),
										  xmlelement(name td, coalesce(o.taux::text, '')), xmlelement(name td, o.objectif),
										  xmlelement(name td, o.manque)) ORDER BY o.obligation, o.reservataire) FROM o))))::text
$$;

CREATE OR REPLACE FUNCTION flux.simuler(bailleur bigint, departement text, annee integer,
							 vacances integer DEFAULT NULL, graine integer DEFAULT 0)
	RETURNS TABLE (convention_id bigint, reservataire text, categorie text, taux numeric,
				   dimension text, valeur text, dus numeric, obtenus bigint, ecart numeric)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	jan1 date;
	ids bigint[];
	noms text[];
	cats text[];
	parts integer[];
	debuts date[];
	fins date[];
	couv boolean[];
	etat boolean[];
	lieux text[];
	valeurs_dim text[][] ;
	dates date[];
	segs integer[];
	-- the codes of flux.codes_segments
	typologies text[] := '{T1,T2,T3,T4,T5+}';
	financements text[] := '{PLAI,PLUS,PLS,autre}';
	periodes text[] := '{avant 1949,1949-1974,1975-1999,2000-2012,depuis 2013,inconnue}';
	n integer;
BEGIN
	PERFORM flux.verifier_portee(bailleur, departement, annee);
	IF vacances IS NOT NULL AND vacances NOT BETWEEN 1 AND 10000000 THEN
		RAISE EXCEPTION 'cannot simulate % vacancies', vacances
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass vacances => 1 to 10 000 000, or omit it to replay the vacancies recorded.';
	END IF;
	jan1 := make_date(annee, 1, 1);

	SELECT array_agg(c.id ORDER BY c.id), array_agg(r.nom ORDER BY c.id), array_agg(r.categorie::text ORDER BY c.id),
		   array_agg((c.taux::numeric * 100)::integer ORDER BY c.id), array_agg(c.date_effet ORDER BY c.id),
		   array_agg(c.date_fin ORDER BY c.id), array_agg(r.categorie = 'etat' ORDER BY c.id)
	  INTO ids, noms, cats, parts, debuts, fins, etat
	  FROM flux.convention c JOIN flux.reservataire r ON r.id = c.reservataire_id
	 WHERE c.bailleur_id = simuler.bailleur AND c.departement = simuler.departement AND c.regime = 'flux'
	   AND daterange(c.date_effet, c.date_fin) && daterange(jan1, make_date(annee + 1, 1, 1));
	ids := coalesce(ids, '{}');

	SELECT array_agg(DISTINCT l.depcom ORDER BY l.depcom) INTO lieux
	  FROM flux.logement l WHERE l.bailleur_id = simuler.bailleur AND l.departement = simuler.departement;
	IF lieux IS NULL THEN
		RAISE EXCEPTION 'bailleur % has no unit in département %', bailleur, departement
			USING ERRCODE = 'no_data_found',
				  HINT = 'Load its stock into flux.logement first.';
	END IF;
	SELECT array_agg(c.communes IS NULL OR x = ANY (c.communes) ORDER BY c.id, o) INTO couv
	  FROM flux.convention c, unnest(lieux) WITH ORDINALITY u(x, o)
	 WHERE c.id = ANY (ids);

	-- each unit's five segment codes, computed once per unit
	WITH unite AS MATERIALIZED (
		SELECT row_number() OVER (ORDER BY l.id) AS rang, flux.codes_segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct, lieux) AS codes
		  FROM flux.logements_classes(simuler.bailleur, simuler.annee, simuler.departement) k
		  JOIN flux.logement l ON l.id = k.logement_id
		 WHERE simuler.vacances IS NOT NULL AND k.classement = 'assiette'
	), nb AS (
		SELECT count(*) AS n FROM unite
	), v AS (
		SELECT vc.date_disponible AS d, vc.id AS cle,
			   flux.codes_segments(l.qpv, l.nbpiece, l.finan, l.cus, l.depcom, l.construct, lieux) AS codes
		  FROM flux.vacance vc JOIN flux.logement l ON l.id = vc.logement_id
		 WHERE simuler.vacances IS NULL AND l.bailleur_id = simuler.bailleur AND l.departement = simuler.departement
		   AND NOT vc.premiere_location
		   AND vc.date_disponible >= jan1 AND vc.date_disponible < make_date(annee + 1, 1, 1)
		UNION ALL
		SELECT jan1 + ((g.i - 1) * (make_date(annee + 1, 1, 1) - jan1) / simuler.vacances)::integer, g.i, u.codes
		  FROM generate_series(1, coalesce(simuler.vacances, 0)) g(i)
		 CROSS JOIN nb
		  JOIN unite u ON u.rang = 1 + abs(hashint8(g.i::bigint * 1000003 + simuler.graine)) % nb.n
	)
	SELECT array_agg(v.d ORDER BY v.d, v.cle), array_agg(v.codes ORDER BY v.d, v.cle)
	  INTO dates, segs
	  FROM v;
	IF dates IS NULL THEN
		RAISE EXCEPTION 'no vacancy to replay for bailleur % in département % in %', bailleur, departement, annee
			USING ERRCODE = 'no_data_found',
				  HINT = 'Record the year''s vacancies in flux.vacance, or pass vacances => n to draw n from the assiette.';
	END IF;

	RETURN QUERY
	SELECT CASE WHEN r.destination <= cardinality(ids) THEN ids[r.destination] END,
		   CASE WHEN r.destination <= cardinality(ids) THEN noms[r.destination] ELSE 'part propre du bailleur' END,
		   CASE WHEN r.destination <= cardinality(ids) THEN cats[r.destination] ELSE 'non_reserve' END,
		   CASE WHEN r.destination <= cardinality(ids) THEN trim_scale(parts[r.destination] / 100.0) END,
		   CASE r.dimension WHEN 0 THEN 'tous' ELSE (flux.dimensions())[r.dimension] END,
		   CASE r.dimension WHEN 0 THEN '' WHEN 1 THEN (ARRAY['hors_qpv', 'qpv'])[r.code + 1]
				WHEN 2 THEN typologies[r.code + 1] WHEN 3 THEN financements[r.code + 1]
				WHEN 4 THEN lieux[r.code + 1] ELSE periodes[r.code + 1] END,
		   round(r.dus::numeric, 2), r.obtenus, round(r.obtenus - r.dus::numeric, 2)
	  FROM flux.simuler_noyau(coalesce(parts, '{}'), coalesce(debuts, '{}'), coalesce(fins, '{}'::date[]), coalesce(couv, '{}'),
							  coalesce(etat, '{}'), dates, segs,
							  ARRAY[2, 5, 4, cardinality(lieux), 6]) r
	 ORDER BY r.destination, r.dimension, r.code;
END
$$;

CREATE OR REPLACE FUNCTION flux.decompte(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (convention_id bigint, reservataire_id bigint, reservataire text,
				   evenement text, logements_dus integer, orientations bigint, attributions bigint,
				   baux bigint, refus_illegitimes bigint, decomptes bigint, deficit bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no silent zeros: a NULL or unknown bailleur, a bad département or year
	SELECT flux.verifier_portee($1, $2, $3);
	WITH dus AS (
		SELECT p.convention_id, sum(p.logements_dus)::integer AS dus
		  FROM flux.parts($1, $2, $3) p WHERE p.convention_id IS NOT NULL
		 GROUP BY p.convention_id
	), an AS (
		SELECT daterange(make_date($3, 1, 1), make_date($3 + 1, 1, 1)) AS r
	), par_orientation AS (
		-- a candidate counts for the réservataire when it designated it, when
		-- the bailleur designates for it (gestion déléguée), or when the
		-- bailleur recorded so (bailleur_compte_pour_reservataire)
		SELECT o.convention_id, o.id,
			   an.r @> o.date_orientation AND o.etat NOT IN ('proposee', 'refusee', 'expiree', 'annulee') AS orientee,
			   EXISTS (SELECT 1 FROM flux.candidature k
						WHERE k.orientation_id = o.id AND an.r @> k.date_caleol
						  AND k.decision_caleol IN ('attribution', 'attribution_sous_condition')
						  AND flux.compte_pour_reservataire(k.designe_par, cv.mode, o.bailleur_compte_pour_reservataire)) AS attribuee,
			   EXISTS (SELECT 1 FROM flux.candidature k
						WHERE k.orientation_id = o.id AND an.r @> k.date_bail
						  AND flux.compte_pour_reservataire(k.designe_par, cv.mode, o.bailleur_compte_pour_reservataire)) AS bail,
			   EXISTS (SELECT 1 FROM flux.candidature k
						WHERE k.orientation_id = o.id AND an.r @> k.refus_valide_le
						  AND flux.compte_pour_reservataire(k.designe_par, cv.mode, o.bailleur_compte_pour_reservataire)) AS refus
		  FROM flux.orientation o JOIN flux.convention cv ON cv.id = o.convention_id, an
	)
	SELECT c.id, c.reservataire_id, r.nom, c.evenement::text, coalesce(d.dus, 0),
		   count(*) FILTER (WHERE po.orientee), count(*) FILTER (WHERE po.attribuee),
		   count(*) FILTER (WHERE po.bail), count(*) FILTER (WHERE po.refus),
		   count(*) FILTER (WHERE CASE c.evenement WHEN 'orientation' THEN po.orientee
												   WHEN 'attribution' THEN po.attribuee
												   ELSE po.bail END OR po.refus),
		   coalesce(d.dus, 0) - count(*) FILTER (WHERE CASE c.evenement WHEN 'orientation' THEN po.orientee
																		WHEN 'attribution' THEN po.attribuee
																		ELSE po.bail END OR po.refus)
	  FROM flux.convention c
	  JOIN flux.reservataire r ON r.id = c.reservataire_id
	  LEFT JOIN dus d ON d.convention_id = c.id
	  LEFT JOIN par_orientation po ON po.convention_id = c.id
	 WHERE c.bailleur_id = $1 AND c.departement = $2 AND c.regime = 'flux'
	   AND (d.dus IS NOT NULL OR po.id IS NOT NULL)
	 GROUP BY c.id, c.reservataire_id, r.nom, c.evenement, d.dus
	 ORDER BY c.id
$$;

CREATE OR REPLACE FUNCTION flux.decompte_hors_flux(bailleur bigint, departement text, annee integer)
	RETURNS TABLE (hors_flux text, orientations bigint, baux bigint, baux_prioritaires bigint, baux_dalo bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no silent zeros: a NULL or unknown bailleur, a bad département or year
	SELECT flux.verifier_portee($1, $2, $3);
	SELECT o.hors_flux::text, count(*),
		   count(*) FILTER (WHERE k.id IS NOT NULL),
		   count(*) FILTER (WHERE k.dalo OR k.prioritaire),
		   count(*) FILTER (WHERE k.dalo)
	  FROM flux.orientation o
	  JOIN flux.vacance v ON v.id = o.vacance_id
	  JOIN flux.logement l ON l.id = v.logement_id
	  LEFT JOIN flux.candidature k ON k.orientation_id = o.id AND k.date_bail IS NOT NULL
	 WHERE o.hors_flux IS NOT NULL AND l.bailleur_id = $1 AND l.departement = $2
	   AND o.date_orientation >= make_date($3, 1, 1) AND o.date_orientation < make_date($3 + 1, 1, 1)
	   AND o.etat <> 'annulee'
	 GROUP BY o.hors_flux
	 ORDER BY o.hors_flux
$$;

CREATE OR REPLACE FUNCTION flux.jours_feries(annee integer, zone text DEFAULT 'metropole')
	RETURNS TABLE (jour date, libelle text)
	AS 'MODULE_PATHNAME', 'flux_jours_feries'
	LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 14;

CREATE OR REPLACE FUNCTION flux.zone_de(departement text) RETURNS text
	AS 'MODULE_PATHNAME', 'flux_zone_de'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION flux.zone_de(text) IS
	'Holiday zone of a département for jours ouvrés: Moselle, Bas-Rhin, Haut-Rhin -> alsace-moselle; 971 to 976 -> their zone; else metropole';

-- ---------------------------------------------------------------------------
-- Bilans: shares over the units freed, obligations per réservataire, the
-- préfet's counts (issue 15 items 1, 2, 3)
-- ---------------------------------------------------------------------------

-- (section of the bilans)

-- bilan_reservataire: its shares over the units freed in the flux, each once
-- (Publier art. 7), its figures in units; the columns change meaning and a
-- column is added inside (logements_liberes): drop and create.  The reports
-- that read it (rapport_reservataire, rapport_epci, rapport_html) have
-- string bodies, bound at each call: they need no change.
DROP VIEW flux.bilan_reservataire;

-- per réservataire: its shares of the flux's proposals, attributions and leases, over the units freed in the flux
/*
 * The shares are over "le total des libérations de logements du patrimoine
 * soumis à la gestion en flux" (Publier art. 7): the units freed in the
 * flux in year N, each once however many times it was proposed (a vacancy
 * refused, then re-oriented, is one unit freed).  A unit is freed in the
 * flux in year N when it has an orientation of N, not cancelled, to a flux
 * convention or to the bailleur's own share; a vacancy oriented in
 * December and again in January counts in both years (the texts count by
 * year, and the year of a bilan is the year of the orientations).  Each
 * réservataire's figures count units too: units proposed to it, units
 * attributed to its candidates, units leased to its candidates.  A
 * candidate the bailleur designated counts for the réservataire under
 * delegated management or when the bailleur recorded so, as in
 * flux.decompte; otherwise its lease is shown apart
 * (baux_designes_bailleur).
 */
CREATE VIEW flux.bilan_reservataire WITH (security_invoker = true) AS
SELECT p.annee, p.bailleur_id, b.nom AS bailleur, p.departement, p.convention_id, c.reservataire_id, r.nom AS reservataire,
	   r.categorie::text AS categorie, c.taux::numeric AS taux_du,
	   p.liberes AS logements_liberes,
	   p.proposes, round(100.0 * p.proposes / nullif(p.liberes, 0), 2) AS part_proposes,
	   p.attribues, p.refus_illegitimes, round(100.0 * p.attribues / nullif(p.liberes, 0), 2) AS part_attribues,
	   p.baux, round(100.0 * p.baux / nullif(p.liberes, 0), 2) AS part_baux,
	   round(c.taux::numeric / 100 * z.liberes, 2) AS proposes_dus,
	   round(p.proposes - c.taux::numeric / 100 * z.liberes, 2) AS ecart_proposes,
	   p.baux_bailleur AS baux_designes_bailleur
  FROM (
	-- one pass: each destination's units, then the units freed in the flux
	-- over them (a window; a subquery partitioned on the year, so that a
	-- filter on annee reaches the scan)
	SELECT g.*, (sum(g.premieres) OVER (PARTITION BY g.annee, g.bailleur_id, g.departement))::bigint AS liberes
	  FROM (SELECT u.annee, u.bailleur_id, u.departement, u.convention_id, count(*) FILTER (WHERE u.propose) AS proposes,
				   count(*) FILTER (WHERE u.attribue) AS attribues, count(*) FILTER (WHERE u.refus_illegitime) AS refus_illegitimes,
				   count(*) FILTER (WHERE u.bail) AS baux, count(*) FILTER (WHERE u.bail_bailleur) AS baux_bailleur,
				   count(*) FILTER (WHERE u.premiere) AS premieres
			  FROM (SELECT d.*, d.en_flux AND d.propose
							AND row_number() OVER (PARTITION BY d.annee, d.vacance_id, d.en_flux AND d.propose
												   ORDER BY d.convention_id NULLS FIRST) = 1 AS premiere
					  FROM (
						-- one row per vacancy and destination (a convention, or the
						-- bailleur's own share: convention_id NULL) of year N
						SELECT extract(year FROM o.date_orientation)::integer AS annee, l.bailleur_id, l.departement,
							   o.vacance_id, o.convention_id, coalesce(cv.regime = 'flux', true) AS en_flux,
							   bool_or(o.etat <> 'annulee') AS propose,
							   bool_or(k.id IS NOT NULL AND x.compte) AS attribue,
							   bool_or(k.refus_valide_le IS NOT NULL AND x.compte) AS refus_illegitime,
							   bool_or(o.etat = 'bail_signe' AND x.compte) AS bail,
							   bool_or(o.etat = 'bail_signe' AND NOT x.compte) AS bail_bailleur
						  FROM flux.orientation o
						  JOIN flux.vacance v ON v.id = o.vacance_id
						  JOIN flux.logement l ON l.id = v.logement_id
						  LEFT JOIN flux.convention cv ON cv.id = o.convention_id
						  LEFT JOIN flux.candidature k ON k.id = o.attributaire_id
						 CROSS JOIN LATERAL (SELECT flux.compte_pour_reservataire(k.designe_par, cv.mode, o.bailleur_compte_pour_reservataire) AS compte) x
						 WHERE o.convention_id IS NOT NULL OR o.hors_flux = 'non_reserve'
						 GROUP BY 1, 2, 3, 4, 5, 6) d) u
			 GROUP BY 1, 2, 3, 4) g) p
  JOIN flux.convention c ON c.id = p.convention_id
  JOIN flux.reservataire r ON r.id = c.reservataire_id
  JOIN flux.bailleur b ON b.id = p.bailleur_id
  -- a convention restricted to communes is due its share of their units
  -- freed only (counted apart: such conventions are few)
 CROSS JOIN LATERAL (
	SELECT CASE WHEN c.communes IS NULL THEN p.liberes
				ELSE (SELECT count(DISTINCT o.vacance_id)
						FROM flux.orientation o
						JOIN flux.vacance v ON v.id = o.vacance_id
						JOIN flux.logement l ON l.id = v.logement_id
						LEFT JOIN flux.convention cv ON cv.id = o.convention_id
					   WHERE l.bailleur_id = p.bailleur_id AND l.departement = p.departement AND l.depcom = ANY (c.communes)
						 AND o.date_orientation >= make_date(p.annee, 1, 1) AND o.date_orientation < make_date(p.annee + 1, 1, 1)
						 AND o.etat <> 'annulee' AND (cv.regime = 'flux' OR o.hors_flux = 'non_reserve')) END AS liberes) z
 WHERE p.convention_id IS NOT NULL;

COMMENT ON VIEW flux.bilan_reservataire IS
	'Per réservataire and year: units proposed to it, attributed to and leased by its candidates, and its share of each over the units freed in the flux in the year (logements_liberes: each unit once, however many times proposed; Publier art. 7), against its convention''s share';

COMMENT ON COLUMN flux.bilan_reservataire.annee IS 'Year N (of the orientations)';

COMMENT ON COLUMN flux.bilan_reservataire.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.bilan_reservataire.bailleur IS 'Its name';

COMMENT ON COLUMN flux.bilan_reservataire.departement IS 'Département';

COMMENT ON COLUMN flux.bilan_reservataire.convention_id IS 'The convention';

COMMENT ON COLUMN flux.bilan_reservataire.reservataire_id IS 'The réservataire';

COMMENT ON COLUMN flux.bilan_reservataire.reservataire IS 'Its name';

COMMENT ON COLUMN flux.bilan_reservataire.categorie IS 'Its category';

COMMENT ON COLUMN flux.bilan_reservataire.taux_du IS 'Its share of the flux by convention, percent';

COMMENT ON COLUMN flux.bilan_reservataire.logements_liberes IS
	'The denominator of part_proposes, part_attribues and part_baux: units freed in the flux of the bailleur in the département in year N (oriented to a flux convention or to the bailleur''s own share, not cancelled), each once however many times proposed';

COMMENT ON COLUMN flux.bilan_reservataire.proposes IS 'Units proposed to it (oriented, not cancelled), each once';

COMMENT ON COLUMN flux.bilan_reservataire.part_proposes IS 'proposes / logements_liberes, percent';

COMMENT ON COLUMN flux.bilan_reservataire.attribues IS 'Units attributed by the CALEOL to its candidates (with validated illegitimate refusals), each once';

COMMENT ON COLUMN flux.bilan_reservataire.refus_illegitimes IS 'Of which a suitable offer refused, the refusal validated as illegitimate';

COMMENT ON COLUMN flux.bilan_reservataire.part_attribues IS 'attribues / logements_liberes, percent';

COMMENT ON COLUMN flux.bilan_reservataire.baux IS 'Units leased by its candidates (designated by it, or by the bailleur for it under delegated management or when recorded so)';

COMMENT ON COLUMN flux.bilan_reservataire.part_baux IS 'baux / logements_liberes, percent';

COMMENT ON COLUMN flux.bilan_reservataire.proposes_dus IS 'Units due by its share of the units freed in the flux on its territory (its communes, for a convention restricted to them)';

COMMENT ON COLUMN flux.bilan_reservataire.ecart_proposes IS 'Proposed minus due (negative: behind)';

COMMENT ON COLUMN flux.bilan_reservataire.baux_designes_bailleur IS 'Units proposed to it and leased by a household the bailleur designated, not counted for it (direct management)';


-- bilan_obligations: the three obligations for each réservataire too, and
-- the DALO rate apart (a column added last)
/*
 * The obligations (DOMAIN.md "Obligations the bilans must show"; FAQ §3.4;
 * Ornex art. 5), for each réservataire (over the attributions on the units
 * proposed to it, whoever designated the household) and over the whole
 * territory (reservataire_id NULL):
 *   prioritaires          each réservataire: >= 25 % of its attributions to
 *                         priority households (DALO or L. 441-1), the DALO
 *                         ones apart (dont_dalo, taux_dalo)
 *   prioritaires_tous     the same over all attributions of the territory,
 *                         relocations outside the flux included (they count
 *                         in the priority statistics, against no contingent)
 *   q1_hors_qpv           >= 25 % of the attributions outside QPV followed
 *                         by a lease to households of the 1st quartile
 *                         (Ornex art. 5: each réservataire too)
 *   q234_qpv              the CIA objective: >= 50 % (parametre_annuel.
 *                         objectif_cia_qpv) of the attributions in QPV to
 *                         households of quartiles 2 to 4
 * with the gap in units: how many more would have met the target.
 */
CREATE OR REPLACE VIEW flux.bilan_obligations WITH (security_invoker = true) AS
SELECT l.annee, l.bailleur_id, b.nom AS bailleur, l.departement, l.reservataire_id, r.nom AS reservataire, l.obligation,
	   CASE l.obligation
		   WHEN 'prioritaires' THEN 'attributions du réservataire aux ménages prioritaires (DALO, L. 441-1)'
		   WHEN 'prioritaires_tous' THEN 'attributions aux ménages prioritaires, hors flux compris'
		   WHEN 'q1_hors_qpv' THEN 'attributions suivies de bail hors QPV aux demandeurs du 1er quartile'
		   ELSE 'attributions en QPV aux demandeurs des quartiles 2 à 4 (objectif CIA)' END AS libelle,
	   l.concernes, l.atteints, l.dont_dalo,
	   round(100.0 * l.atteints / nullif(l.concernes, 0), 2) AS taux,
	   trim_scale(l.objectif) AS objectif,
	   100.0 * l.atteints >= l.objectif * l.concernes AS conforme,
	   greatest(ceil(l.objectif * l.concernes / 100) - l.atteints, 0)::integer AS manque,
	   round(100.0 * l.dont_dalo / nullif(l.concernes, 0), 2) AS taux_dalo
  FROM (
	-- one pass grouped on ids (a small hash): each réservataire, and the
	-- orientations of no réservataire (outside the flux, the bailleur's
	-- share); the territory's totals are window sums over them
	SELECT t.annee, t.bailleur_id, t.departement, x.reservataire_id,
		   x.obligation, x.concernes, x.atteints, x.dont_dalo, x.objectif
	  FROM (SELECT g.*,
				   row_number() OVER w = 1 AS premier,
				   (sum(g.att) OVER w)::bigint AS t_att, (sum(g.att_prio) OVER w)::bigint AS t_att_prio, (sum(g.att_dalo) OVER w)::bigint AS t_att_dalo,
				   (sum(g.bail_hq) OVER w)::bigint AS t_bail_hq, (sum(g.bail_hq_q1) OVER w)::bigint AS t_bail_hq_q1,
				   (sum(g.bail_hq_dalo) OVER w)::bigint AS t_bail_hq_dalo, (sum(g.att_q) OVER w)::bigint AS t_att_q,
				   (sum(g.att_q_234) OVER w)::bigint AS t_att_q_234, (sum(g.att_q_dalo) OVER w)::bigint AS t_att_q_dalo
			  FROM (SELECT o.annee, o.bailleur_id, o.departement, o.reservataire_id,
						   count(*) FILTER (WHERE o.attribue) AS att, count(*) FILTER (WHERE o.attribue AND o.prioritaire) AS att_prio,
						   count(*) FILTER (WHERE o.attribue AND o.dalo) AS att_dalo,
						   count(*) FILTER (WHERE o.bail AND NOT o.qpv) AS bail_hq,
						   count(*) FILTER (WHERE o.bail AND NOT o.qpv AND o.quartile = 1) AS bail_hq_q1,
						   count(*) FILTER (WHERE o.bail AND NOT o.qpv AND o.dalo) AS bail_hq_dalo,
						   count(*) FILTER (WHERE o.attribue AND o.qpv) AS att_q,
						   count(*) FILTER (WHERE o.attribue AND o.qpv AND o.quartile BETWEEN 2 AND 4) AS att_q_234,
						   count(*) FILTER (WHERE o.attribue AND o.qpv AND o.dalo) AS att_q_dalo
					  FROM flux.bilan_orientation o
					 GROUP BY 1, 2, 3, 4) g
			WINDOW w AS (PARTITION BY g.annee, g.bailleur_id, g.departement ORDER BY g.reservataire_id NULLS FIRST
						 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) t
	  LEFT JOIN flux.parametre_annuel p ON p.bailleur_id = t.bailleur_id AND p.departement = t.departement AND p.annee = t.annee
	 CROSS JOIN LATERAL (
		-- each réservataire: the three obligations over the attributions
		-- on the units proposed to it
		SELECT v.* FROM (VALUES
			('prioritaires', t.reservataire_id, t.att, t.att_prio, t.att_dalo, 25::numeric),
			('q1_hors_qpv', t.reservataire_id, t.bail_hq, t.bail_hq_q1, t.bail_hq_dalo, 25),
			('q234_qpv', t.reservataire_id, t.att_q, t.att_q_234, t.att_q_dalo, coalesce(p.objectif_cia_qpv, 50))) v
		 WHERE t.reservataire_id IS NOT NULL
		UNION ALL
		SELECT v.* FROM (VALUES
			('prioritaires_tous', NULL::bigint, t.t_att, t.t_att_prio, t.t_att_dalo, 25::numeric),
			('q1_hors_qpv', NULL, t.t_bail_hq, t.t_bail_hq_q1, t.t_bail_hq_dalo, 25),
			('q234_qpv', NULL, t.t_att_q, t.t_att_q_234, t.t_att_q_dalo, coalesce(p.objectif_cia_qpv, 50))) v
		 WHERE t.premier) x(obligation, reservataire_id, concernes, atteints, dont_dalo, objectif)
  ) l
  JOIN flux.bailleur b ON b.id = l.bailleur_id
  LEFT JOIN flux.reservataire r ON r.id = l.reservataire_id;

COMMENT ON VIEW flux.bilan_obligations IS
	'The obligations of year N, per réservataire and over the territory: attributions to priority households (>= 25 %, DALO apart; over the territory hors flux included), leases outside QPV to the 1st quartile (>= 25 %), attributions in QPV to quartiles 2-4 (CIA objective, 50 % by default), with the units missing';

COMMENT ON COLUMN flux.bilan_obligations.annee IS 'Year N';

COMMENT ON COLUMN flux.bilan_obligations.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.bilan_obligations.bailleur IS 'Its name';

COMMENT ON COLUMN flux.bilan_obligations.departement IS 'Département';

COMMENT ON COLUMN flux.bilan_obligations.reservataire_id IS 'The réservataire (NULL: the whole territory)';

COMMENT ON COLUMN flux.bilan_obligations.reservataire IS 'Its name';

COMMENT ON COLUMN flux.bilan_obligations.obligation IS 'prioritaires (per réservataire), prioritaires_tous (territory), q1_hors_qpv or q234_qpv (both)';

COMMENT ON COLUMN flux.bilan_obligations.libelle IS 'The obligation, in French';

COMMENT ON COLUMN flux.bilan_obligations.concernes IS 'Attributions (or leases) it applies to';

COMMENT ON COLUMN flux.bilan_obligations.atteints IS 'Of which meeting it';

COMMENT ON COLUMN flux.bilan_obligations.dont_dalo IS 'Of the attributions concerned, to DALO households';

COMMENT ON COLUMN flux.bilan_obligations.taux IS 'atteints / concernes, percent';

COMMENT ON COLUMN flux.bilan_obligations.objectif IS 'The target, percent';

COMMENT ON COLUMN flux.bilan_obligations.conforme IS 'The target is met';

COMMENT ON COLUMN flux.bilan_obligations.manque IS 'Units missing to meet the target';

COMMENT ON COLUMN flux.bilan_obligations.taux_dalo IS 'dont_dalo / concernes, percent: the DALO households'' share, apart';

/*
 * The préfet's yearly counts at every stage (FAQ §4.3, direct management:
 * "nombre de logements proposés à la DDETS, nombre de logements ayant fait
 * l'objet d'une proposition de candidats de la part de la DDETS, nombre de
 * candidats acceptés en CALEOL, et nombre de baux signés"), for each
 * réservataire's convention, and the drop-off between proposals and leases
 * the "clause de revoyure" examines.  A cohort: the units proposed in year
 * N and how far each went, whenever it went there.  Units count once
 * (a vacancy refused, then re-oriented to the same réservataire, is one
 * unit proposed); a candidate counts for the réservataire when it
 * designated it, under delegated management, or when the bailleur recorded
 * so (flux.decompte's rule).
 */
CREATE VIEW flux.bilan_etapes WITH (security_invoker = true) AS
SELECT g.annee, g.bailleur_id, b.nom AS bailleur, g.departement, g.convention_id, c.reservataire_id, r.nom AS reservataire,
	   r.categorie::text AS categorie, c.mode::text AS mode_gestion,
	   g.orientes, g.avec_candidats, g.candidats_acceptes, g.attribues, g.baux,
	   g.orientes - g.baux AS chute,
	   round(100.0 * (g.orientes - g.baux) / nullif(g.orientes, 0), 2) AS taux_chute,
	   g.baux_designes_bailleur
  FROM (SELECT u.annee, u.bailleur_id, u.departement, u.convention_id, count(*) FILTER (WHERE u.propose) AS orientes,
			   count(*) FILTER (WHERE u.avec_candidats) AS avec_candidats, sum(u.acceptes)::bigint AS candidats_acceptes,
			   count(*) FILTER (WHERE u.attribue) AS attribues, count(*) FILTER (WHERE u.bail) AS baux,
			   count(*) FILTER (WHERE u.bail_bailleur) AS baux_designes_bailleur
		  FROM (SELECT extract(year FROM o.date_orientation)::integer AS annee, l.bailleur_id, l.departement,
					   o.convention_id, o.vacance_id, bool_or(o.etat <> 'annulee') AS propose,
					   bool_or(o.etat <> 'annulee' AND d.id IS NOT NULL AND y.compte) AS avec_candidats,
					   count(d.id) FILTER (WHERE o.etat <> 'annulee' AND y.compte
											 AND d.decision_caleol IN ('attribution', 'attribution_sous_condition')) AS acceptes,
					   bool_or(a.id IS NOT NULL AND x.compte) AS attribue,
					   bool_or(o.etat = 'bail_signe' AND x.compte) AS bail,
					   bool_or(o.etat = 'bail_signe' AND NOT x.compte) AS bail_bailleur
				  FROM flux.orientation o
				  JOIN flux.vacance v ON v.id = o.vacance_id
				  JOIN flux.logement l ON l.id = v.logement_id
				  JOIN flux.convention cv ON cv.id = o.convention_id
				  -- the household attributed
				  LEFT JOIN flux.candidature a ON a.id = o.attributaire_id
				  -- every candidate of the orientation (a join, not a per-row
				  -- subquery: it runs in the parallel workers)
				  LEFT JOIN flux.candidature d ON d.orientation_id = o.id
				 CROSS JOIN LATERAL (SELECT flux.compte_pour_reservataire(a.designe_par, cv.mode, o.bailleur_compte_pour_reservataire) AS compte) x
				 CROSS JOIN LATERAL (SELECT flux.compte_pour_reservataire(d.designe_par, cv.mode, o.bailleur_compte_pour_reservataire) AS compte) y
				 GROUP BY 1, 2, 3, 4, 5) u
		 GROUP BY 1, 2, 3, 4) g
  JOIN flux.convention c ON c.id = g.convention_id
  JOIN flux.reservataire r ON r.id = c.reservataire_id
  JOIN flux.bailleur b ON b.id = g.bailleur_id;

COMMENT ON VIEW flux.bilan_etapes IS
	'The préfet''s yearly counts per réservataire (FAQ §4.3): units proposed in year N, of which with candidates, candidates accepted by the CALEOL, units attributed, units leased, and the drop-off between proposals and leases (clause de revoyure); each unit once';

COMMENT ON COLUMN flux.bilan_etapes.annee IS 'Year N of the proposals (the cohort: each proposal followed to its end)';

COMMENT ON COLUMN flux.bilan_etapes.bailleur_id IS 'The bailleur';

COMMENT ON COLUMN flux.bilan_etapes.bailleur IS 'Its name';

COMMENT ON COLUMN flux.bilan_etapes.departement IS 'Département';

COMMENT ON COLUMN flux.bilan_etapes.convention_id IS 'The convention';

COMMENT ON COLUMN flux.bilan_etapes.reservataire_id IS 'The réservataire';

COMMENT ON COLUMN flux.bilan_etapes.reservataire IS 'Its name';

COMMENT ON COLUMN flux.bilan_etapes.categorie IS 'Its category';

COMMENT ON COLUMN flux.bilan_etapes.mode_gestion IS 'directe or deleguee: under delegated management the bailleur''s candidates count for it';

COMMENT ON COLUMN flux.bilan_etapes.orientes IS 'Units proposed (oriented, not cancelled) to it in year N, each once: "logements proposés"';

COMMENT ON COLUMN flux.bilan_etapes.avec_candidats IS 'Of which units for which it proposed at least one candidate: "logements ayant fait l''objet d''une proposition de candidats"';

COMMENT ON COLUMN flux.bilan_etapes.candidats_acceptes IS 'Its candidates the CALEOL accepted (attribution, under condition or not; several may be ranked for one unit): "candidats acceptés en CALEOL"';

COMMENT ON COLUMN flux.bilan_etapes.attribues IS 'Units attributed to its candidates (with validated illegitimate refusals)';

COMMENT ON COLUMN flux.bilan_etapes.baux IS 'Units leased by its candidates: "baux signés"';

COMMENT ON COLUMN flux.bilan_etapes.chute IS 'orientes - baux: units proposed that did not end in a lease to its candidates';

COMMENT ON COLUMN flux.bilan_etapes.taux_chute IS 'chute / orientes, percent: the drop-off the clause de revoyure examines';

COMMENT ON COLUMN flux.bilan_etapes.baux_designes_bailleur IS 'Units proposed to it and leased by a household the bailleur designated, not counted for it (direct management)';

-- ---------------------------------------------------------------------------
-- Deadlines from the event each convention names (issue 15 item 4)
-- ---------------------------------------------------------------------------

-- (section of the deadlines)

-- The notice that the réservataire cannot designate runs from the
-- transmission of the offer (the orientation), not from its acceptance (Ornex
-- art. 6).  Deadlines stamped before 0.10.0 keep their date.
CREATE OR REPLACE FUNCTION flux.orientation_avant_modification() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	c flux.convention;
	base date;
BEGIN
	IF NEW.vacance_id <> OLD.vacance_id OR NEW.convention_id IS DISTINCT FROM OLD.convention_id
	   OR NEW.hors_flux IS DISTINCT FROM OLD.hors_flux OR NEW.date_orientation <> OLD.date_orientation
	   OR NEW.zone IS DISTINCT FROM OLD.zone THEN
		RAISE EXCEPTION 'orientation % cannot change its vacancy, destination or date', OLD.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Cancel it (etat = ''annulee'') and create a new orientation.';
	END IF;
	IF NEW.echeance_reponse IS DISTINCT FROM OLD.echeance_reponse
	   OR NEW.echeance_designation IS DISTINCT FROM OLD.echeance_designation
	   OR NEW.echeance_impossibilite IS DISTINCT FROM OLD.echeance_impossibilite THEN
		RAISE EXCEPTION 'orientation %: deadlines are stamped by flux from the convention', OLD.id
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'To give the réservataire more time to designate, record an extension: prolongation_jo and motif_prolongation.';
	END IF;
	IF NEW.convention_id IS NOT NULL THEN
		SELECT * INTO c FROM flux.convention WHERE id = NEW.convention_id;
	END IF;

	IF NEW.etat <> OLD.etat THEN
		IF NOT NEW.etat = ANY (flux.etats_suivants(OLD.etat)) THEN
			RAISE EXCEPTION 'orientation % cannot go from % to %', OLD.id, OLD.etat, NEW.etat
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = CASE WHEN cardinality(flux.etats_suivants(OLD.etat)) = 0
								  THEN format('%s is final: create a new orientation of the vacancy.', OLD.etat)
								  ELSE format('From %s it may go to: %s.', OLD.etat, array_to_string(flux.etats_suivants(OLD.etat), ', ')) END;
		END IF;

		IF OLD.etat = 'proposee' AND NEW.etat IN ('acceptee', 'refusee') THEN
			NEW.date_reponse := coalesce(NEW.date_reponse, CURRENT_DATE);
			IF NEW.date_reponse > OLD.echeance_reponse THEN
				RAISE EXCEPTION 'orientation %: the answer of % comes after its deadline %', OLD.id, NEW.date_reponse, OLD.echeance_reponse
					USING ERRCODE = 'object_not_in_prerequisite_state',
						  DETAIL = CASE WHEN c.silence_vaut_acceptation
										THEN 'Under the convention, silence until the deadline was acceptance.'
										ELSE 'Under the convention, the orientation expired at the deadline.' END,
						  HINT = 'Run flux.appliquer_echeances() to apply it, then go on from there.';
			END IF;
		END IF;

		-- the notice that it cannot designate: from the transmission of the
		-- offer (the orientation), not from the acceptance (Ornex art. 6)
		IF NEW.etat = 'acceptee' AND NEW.convention_id IS NOT NULL AND c.mode = 'directe' THEN
			NEW.echeance_impossibilite := flux.ajouter_jours_ouvres(NEW.date_orientation, c.delai_impossibilite_jo, NEW.zone);
		END IF;
		IF NEW.etat = 'candidats_designes' AND NOT EXISTS (
			SELECT 1 FROM flux.candidature k WHERE k.orientation_id = NEW.id) THEN
			RAISE EXCEPTION 'orientation % has no candidate yet', OLD.id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Insert the candidates into flux.candidature: the orientation follows.';
		END IF;
		IF NEW.etat = 'attribuee' AND NOT EXISTS (
			SELECT 1 FROM flux.candidature k WHERE k.orientation_id = NEW.id
			   AND k.decision_caleol IN ('attribution', 'attribution_sous_condition')) THEN
			RAISE EXCEPTION 'orientation % has no candidate the CALEOL attributed the unit to', OLD.id
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Record the CALEOL decision on the candidate (decision_caleol, date_caleol): the orientation follows.';
		END IF;
		IF NEW.etat = 'bail_signe' AND (NEW.date_bail IS NULL OR NOT EXISTS (
			SELECT 1 FROM flux.candidature k WHERE k.orientation_id = NEW.id AND k.date_bail = NEW.date_bail)) THEN
			RAISE EXCEPTION 'orientation % has no candidate''s lease signed on %', OLD.id, coalesce(NEW.date_bail::text, 'any date')
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Record date_bail on the candidate who signed: the orientation follows.';
		END IF;
	END IF;

	-- the designation deadline: from the answer, capped a number of calendar
	-- months after the orientation, plus the bailleur's extension
	IF NEW.convention_id IS NOT NULL AND c.mode = 'directe' AND NEW.date_reponse IS NOT NULL
	   AND NEW.etat IN ('acceptee', 'candidats_designes')
	   AND (NEW.etat IS DISTINCT FROM OLD.etat OR NEW.prolongation_jo <> OLD.prolongation_jo
			OR NEW.echeance_designation IS NULL) THEN
		base := least(flux.ajouter_jours_ouvres(NEW.date_reponse, c.delai_designation_jo, NEW.zone),
					  flux.reporter((NEW.date_orientation + make_interval(months => c.delai_designation_max_mois))::date,
									NEW.zone, c.report_jour_ouvre));
		NEW.echeance_designation := flux.ajouter_jours_ouvres(base, NEW.prolongation_jo, NEW.zone);
	ELSIF NEW.prolongation_jo <> OLD.prolongation_jo THEN
		RAISE EXCEPTION 'orientation % (%) has no designation deadline to extend', OLD.id, NEW.etat
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'An extension applies to an accepted orientation under direct management, before the CALEOL.';
	END IF;
	NEW.modifie_le := now();
	RETURN NEW;
END
$$;

COMMENT ON COLUMN flux.orientation.echeance_impossibilite IS 'Last day for the réservataire to say it cannot designate (stamped on acceptance: delai_impossibilite_jo jours ouvrés after the orientation, the transmission of the offer)';

-- the sweep records the deadlines at whose term nothing follows, once each
CREATE UNIQUE INDEX orientation_historique_echeance_constatee ON flux.orientation_historique (orientation_id, vers)
	WHERE vers IN ('echeance_impossibilite', 'echeance_designation');

CREATE OR REPLACE FUNCTION flux.balayer_echeances(a_la_date timestamptz DEFAULT now())
	RETURNS TABLE (orientation_id bigint, candidature_id bigint, de text, vers text, echeance date)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	jour date := a_la_date::date;
BEGIN
	IF a_la_date IS NULL OR NOT isfinite(a_la_date) THEN
		RAISE EXCEPTION 'the sweep needs a finite date, not %', coalesce(a_la_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Call flux.appliquer_echeances() for now, or pass a timestamp.';
	END IF;

	RETURN QUERY
	WITH cibles AS (
		SELECT o.id FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'proposee' AND o.echeance_reponse < jour
		   FOR UPDATE SKIP LOCKED
	)
	UPDATE flux.orientation o
	   SET etat = CASE WHEN c.silence_vaut_acceptation THEN 'acceptee' ELSE 'expiree' END::flux.etat_orientation,
		   date_reponse = o.echeance_reponse,
		   motif = format('no answer by %s: %s', o.echeance_reponse,
						  CASE WHEN c.silence_vaut_acceptation THEN 'silence is acceptance' ELSE 'expired' END)
	  FROM cibles, flux.convention c
	 WHERE o.id = cibles.id AND c.id = o.convention_id
	   AND o.etat OPERATOR(pg_catalog.=) 'proposee' AND o.echeance_reponse < jour
	RETURNING o.id, NULL::bigint, 'proposee'::text, o.etat::text, o.echeance_reponse AS echeance;

	RETURN QUERY
	WITH cibles AS (
		SELECT o.id FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_designation < jour
		   AND NOT EXISTS (SELECT 1 FROM flux.candidature k WHERE k.orientation_id = o.id)
		   FOR UPDATE SKIP LOCKED
	)
	UPDATE flux.orientation o
	   SET etat = 'restituee',
		   motif = format('no candidate by %s: back to the bailleur (re-orient, designate or extend)', o.echeance_designation)
	  FROM cibles
	 WHERE o.id = cibles.id AND o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_designation < jour
	   AND NOT EXISTS (SELECT 1 FROM flux.candidature k WHERE k.orientation_id = o.id)
	RETURNING o.id, NULL::bigint, 'acceptee'::text, o.etat::text, o.echeance_designation AS echeance;

	RETURN QUERY
	WITH cibles AS (
		SELECT k.id FROM flux.candidature k JOIN flux.orientation o ON o.id = k.orientation_id
		 WHERE k.date_proposition IS NOT NULL AND k.reponse_menage IS NULL
		   AND k.echeance_reponse_menage < jour AND o.etat OPERATOR(pg_catalog.=) 'attribuee'
		   FOR UPDATE OF k SKIP LOCKED
	)
	UPDATE flux.candidature k
	   SET reponse_menage = 'sans_reponse', date_reponse_menage = k.echeance_reponse_menage,
		   motif_refus = format('no answer by %s: silence is refusal', k.echeance_reponse_menage)
	  FROM cibles, flux.orientation o
	 WHERE k.id = cibles.id AND k.reponse_menage IS NULL AND k.echeance_reponse_menage < jour
	   AND o.id = k.orientation_id AND o.etat OPERATOR(pg_catalog.=) 'attribuee'
	RETURNING k.orientation_id, k.id, 'proposition'::text, 'reponse_sans_reponse'::text, k.echeance_reponse_menage AS echeance;

	-- the deadlines at whose term the conventions name no change of state:
	-- the sweep records that each passed, once (the unique index
	-- orientation_historique_echeance_constatee), and changes nothing.
	-- The notice that the réservataire cannot designate (Ornex art. 6): the
	-- convention says what the bailleur may do once told, nothing of a
	-- silence; the designation deadline still runs.
	RETURN QUERY
	WITH cibles AS (
		SELECT o.id, o.echeance_impossibilite, o.echeance_designation FROM flux.orientation o
		 WHERE o.etat OPERATOR(pg_catalog.=) 'acceptee' AND o.echeance_impossibilite < jour
		   AND NOT EXISTS (SELECT 1 FROM flux.orientation_historique h
							WHERE h.orientation_id = o.id AND h.vers OPERATOR(pg_catalog.=) 'echeance_impossibilite')
		   FOR UPDATE OF o SKIP LOCKED
	), notes AS (
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT cibles.id, 'acceptee', 'echeance_impossibilite', flux.origine_courante(),
			   format('no notice by %s that it cannot designate: nothing follows (the convention names no consequence); candidates are due by %s',
					  cibles.echeance_impossibilite, cibles.echeance_designation)
		  FROM cibles
		ON CONFLICT (orientation_id, vers) WHERE vers IN ('echeance_impossibilite', 'echeance_designation') DO NOTHING
		RETURNING flux.orientation_historique.orientation_id
	)
	SELECT notes.orientation_id, NULL::bigint, 'acceptee'::text, 'echeance_impossibilite'::text, cibles.echeance_impossibilite
	  FROM notes JOIN cibles ON cibles.id = notes.orientation_id;

	-- The designation deadline passed with fewer candidates than the
	-- convention asks for (Ornex art. 6 table, Publier art. 5.3): the
	-- bailleur may complete the list (a candidate designe_par bailleur,
	-- which the deadline does not bind); the réservataire can no longer
	-- designate (candidature_avant_insertion).  Nothing else follows.
	RETURN QUERY
	WITH cibles AS (
		SELECT o.id, o.echeance_designation, n.candidats,
			   CASE WHEN n.dalo THEN c.candidats_max_dalo ELSE c.candidats_max END AS attendus
		  FROM flux.orientation o
		  JOIN flux.convention c ON c.id = o.convention_id
		  CROSS JOIN LATERAL (SELECT count(*) AS candidats, bool_or(k.dalo) AS dalo
								FROM flux.candidature k WHERE k.orientation_id = o.id) n
		 WHERE o.etat OPERATOR(pg_catalog.=) 'candidats_designes' AND o.echeance_designation < jour
		   AND n.candidats < CASE WHEN n.dalo THEN c.candidats_max_dalo ELSE c.candidats_max END
		   AND NOT EXISTS (SELECT 1 FROM flux.orientation_historique h
							WHERE h.orientation_id = o.id AND h.vers OPERATOR(pg_catalog.=) 'echeance_designation')
		   FOR UPDATE OF o SKIP LOCKED
	), notes AS (
		INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
		SELECT cibles.id, 'candidats_designes', 'echeance_designation', flux.origine_courante(),
			   format('%s of %s candidates by %s: the bailleur may complete the list; nothing else follows',
					  cibles.candidats, cibles.attendus, cibles.echeance_designation)
		  FROM cibles
		ON CONFLICT (orientation_id, vers) WHERE vers IN ('echeance_impossibilite', 'echeance_designation') DO NOTHING
		RETURNING flux.orientation_historique.orientation_id
	)
	SELECT notes.orientation_id, NULL::bigint, 'candidats_designes'::text, 'echeance_designation'::text, cibles.echeance_designation
	  FROM notes JOIN cibles ON cibles.id = notes.orientation_id;
END
$$;

COMMENT ON FUNCTION flux.appliquer_echeances(timestamptz) IS
	'Applies every deadline passed by a_la_date (tacit acceptance or expiry, return to the bailleur, a household''s silence; records once the deadlines at whose term nothing follows: the notice of impossibility, a designation short of candidates), skipping rows locked by users; idempotent; returns the transitions applied and the deadlines recorded, in the history with origine echeance';

CREATE OR REPLACE VIEW flux.echeances WITH (security_invoker = true) AS
SELECT e.orientation_id, e.candidature_id, v.logement_id, o.convention_id, c.bailleur_id, c.reservataire_id,
	   e.echeance_de, e.echeance, e.a_la_charge_de,
	   flux.jours_ouvres_entre(CURRENT_DATE, e.echeance, o.zone) AS jours_ouvres_restants,
	   e.echeance < CURRENT_DATE AS en_retard, e.au_terme
  FROM (
	SELECT o.id AS orientation_id, NULL::bigint AS candidature_id, 'reponse_reservataire'::text AS echeance_de,
		   o.echeance_reponse AS echeance, 'reservataire'::text AS a_la_charge_de,
		   'silence is acceptance, or expiry (convention)'::text AS au_terme
	  FROM flux.orientation o WHERE o.etat = 'proposee'
	UNION ALL
	SELECT o.id, NULL, 'designation', o.echeance_designation, 'reservataire',
		   'without a candidate, back to the bailleur; with fewer than asked, the bailleur may complete'
	  FROM flux.orientation o WHERE o.etat IN ('acceptee', 'candidats_designes') AND o.echeance_designation IS NOT NULL
	UNION ALL
	SELECT o.id, NULL, 'impossibilite', o.echeance_impossibilite, 'reservataire',
		   'last day to say it cannot designate (from the orientation); nothing follows'
	  FROM flux.orientation o WHERE o.etat = 'acceptee' AND o.echeance_impossibilite IS NOT NULL
	UNION ALL
	SELECT k.orientation_id, k.id, 'reponse_menage', k.echeance_reponse_menage, 'menage',
		   'silence is refusal'
	  FROM flux.candidature k WHERE k.date_proposition IS NOT NULL AND k.reponse_menage IS NULL
  ) e
  JOIN flux.orientation o ON o.id = e.orientation_id
  JOIN flux.vacance v ON v.id = o.vacance_id
  LEFT JOIN flux.convention c ON c.id = o.convention_id;

-- ---------------------------------------------------------------------------
-- The exchanges the conventions require: SNE events, DALO refusals (issue 15
-- item 6)
-- ---------------------------------------------------------------------------

-- (section of the exchanges)

-- Publier art. 6.3: the justification of a DALO household's refusal, sent to
-- the DDETS, was not stored (motif_refus holds the reasons it invoked, not the
-- documents it produced).  Last column of flux.candidature, as in
-- src/workflow.sql; the rows of 0.9.0 have none, so the check holds.
ALTER TABLE flux.candidature ADD COLUMN justificatif_refus text CONSTRAINT candidature_justificatif_refus
	CHECK (justificatif_refus IS NULL OR (reponse_menage IS NOT DISTINCT FROM 'refusee' AND justificatif_refus <> ''));

COMMENT ON COLUMN flux.candidature.justificatif_refus IS
	'The documents the household produced in support of its refusal (what they are, or where they are filed), sent to the DDETS for a DALO household (Publier art. 6.3); only on a refusal: silence has none';

--------------------------------------------------------------------------
-- The SNE events
--------------------------------------------------------------------------

/*
 * Publier art. 6.2: "Le bailleur s'engage a renseigner sans delai le SNE
 * [...] : les propositions de logements ; les resultats de la CAL (les refus
 * doivent etre motives) ; les refus des candidats, en precisant, s'ils
 * existent, les motifs invoques", and at the lease "precisera le motif de
 * priorite retenu ainsi que le reservataire d'imputation".  One row per
 * event, read from the candidate's own columns (the workflow writes each
 * step once: a CALEOL decision is never rewritten, a proposal, an answer
 * and a lease are recorded once, src/workflow.sql), so an event's id is
 * stable: the candidate's id x 10 + 1 (CALEOL decision), 2 (proposal),
 * 3 (household's refusal or silence), 4 (lease).  Within one candidate the
 * ids follow the order of its steps.
 *
 * The réservataire charged with a lease is flux.decompte's rule: on a
 * convention, its réservataire when it designated the household, under
 * delegated management, or when the bailleur recorded so
 * (bailleur_compte_pour_reservataire); the bailleur's unreserved share is
 * its own; a first letting stays in stock (Ornex art. 5.3) with the unit's
 * stock réservataire; any other unit outside the flux is charged to no
 * contingent (FAQ: "ils ne seront pas imputes a un contingent de
 * reservation").
 */
CREATE VIEW flux.evenements_sne WITH (security_invoker = true) AS
SELECT k.id * 10 + e.code AS evenement_id, e.evenement, e.date_evenement,
	   extract(year FROM e.date_evenement)::integer AS annee,
	   bo.bailleur_id, bo.bailleur, b.siren AS siren_bailleur, bo.departement,
	   k.nud, k.id AS candidature_id, o.id AS orientation_id,
	   bo.logement_id, l.ident_rep AS numero_rpls, l.ident_int, bo.depcom, bo.commune,
	   bo.convention_id, bo.reservataire_id, bo.reservataire, c.mode::text AS gestion,
	   bo.hors_flux, k.designe_par::text AS designe_par,
	   k.dalo, k.dalo OR k.prioritaire AS prioritaire, k.critere_priorite,
	   CASE WHEN e.code = 1 THEN
		   CASE k.decision_caleol WHEN 'attribution' THEN 'attribution'
								  WHEN 'attribution_sous_condition' THEN 'attribution sous condition'
								  WHEN 'non_attribution' THEN 'non-attribution'
								  WHEN 'irrecevable' THEN 'irrecevable' END END AS decision_caleol,
	   CASE WHEN e.code = 1 THEN k.rang_caleol::integer END AS rang_caleol,
	   CASE WHEN e.code = 1 THEN k.motif_caleol END AS motif_caleol,
	   CASE WHEN e.code = 2 THEN k.echeance_reponse_menage END AS echeance_reponse,
	   CASE WHEN e.code = 3 THEN
		   CASE k.reponse_menage WHEN 'refusee' THEN 'refus' ELSE 'absence de réponse' END END AS reponse_menage,
	   -- the reasons the household invoked; silence invokes none (the
	   -- sweep's own note in motif_refus is not the household's)
	   CASE WHEN e.code = 3 AND k.reponse_menage = 'refusee' THEN k.motif_refus END AS motif_refus,
	   CASE WHEN e.code = 4 THEN i.reservataire_id END AS reservataire_impute_id,
	   CASE WHEN e.code = 4 THEN ri.nom END AS reservataire_impute,
	   CASE WHEN e.code = 4 THEN i.imputation END AS imputation,
	   CASE WHEN e.code = 4 AND (k.dalo OR k.prioritaire) THEN k.critere_priorite END AS motif_priorite
  FROM flux.candidature k
  -- the orientation's unit, bailleur, commune and destination as every
  -- bilan has them
  JOIN flux.bilan_orientation bo ON bo.orientation_id = k.orientation_id
  JOIN flux.orientation o ON o.id = k.orientation_id
  JOIN flux.logement l ON l.id = bo.logement_id
  JOIN flux.bailleur b ON b.id = bo.bailleur_id
  LEFT JOIN flux.convention c ON c.id = o.convention_id
 CROSS JOIN LATERAL (VALUES
	(1, 'decision_caleol', k.date_caleol),
	(2, 'proposition', k.date_proposition),
	(3, 'refus_menage', CASE WHEN k.reponse_menage IN ('refusee', 'sans_reponse') THEN k.date_reponse_menage END),
	(4, 'bail', k.date_bail)) e (code, evenement, date_evenement)
 -- who is charged with the unit: flux.decompte's rule on a convention
 CROSS JOIN LATERAL (
	SELECT CASE WHEN o.convention_id IS NOT NULL
					 AND flux.compte_pour_reservataire(k.designe_par, c.mode, o.bailleur_compte_pour_reservataire)
					THEN c.reservataire_id
				WHEN o.hors_flux = 'premiere_location' THEN l.stock_reservataire_id END AS reservataire_id,
		   CASE WHEN o.convention_id IS NOT NULL
					 AND flux.compte_pour_reservataire(k.designe_par, c.mode, o.bailleur_compte_pour_reservataire)
					THEN 'contingent du réservataire'
				WHEN o.convention_id IS NOT NULL THEN 'aucun contingent : candidat désigné par le bailleur'
				WHEN o.hors_flux = 'non_reserve' THEN 'part non réservée du bailleur'
				WHEN o.hors_flux = 'premiere_location' AND l.stock_reservataire_id IS NOT NULL
					THEN 'stock du réservataire (première mise en location)'
				ELSE 'aucun contingent : hors flux (' || o.hors_flux::text || ')' END AS imputation) i
  LEFT JOIN flux.reservataire ri ON ri.id = i.reservataire_id
 WHERE e.date_evenement IS NOT NULL
 ORDER BY e.date_evenement, k.id * 10 + e.code;

COMMENT ON VIEW flux.evenements_sne IS
	'The events a bailleur reports to the SNE (Publier art. 6.2), one row each, by date then id: CALEOL decisions with their reasons, proposals to households, household refusals, leases with the réservataire charged and the priority reason; evenement_id is stable, for sending each event once';

COMMENT ON COLUMN flux.evenements_sne.evenement_id IS
	'Stable id of the event: candidature_id x 10 + 1 (decision_caleol), 2 (proposition), 3 (refus_menage), 4 (bail); send each id once';

COMMENT ON COLUMN flux.evenements_sne.evenement IS 'Kind of event: decision_caleol, proposition, refus_menage or bail';

COMMENT ON COLUMN flux.evenements_sne.date_evenement IS
	'Date of the event: date_caleol, date_proposition, date_reponse_menage (the deadline when silent) or date_bail of flux.candidature';

COMMENT ON COLUMN flux.evenements_sne.annee IS 'Year of the event';

COMMENT ON COLUMN flux.evenements_sne.bailleur_id IS 'The bailleur (of the unit)';

COMMENT ON COLUMN flux.evenements_sne.bailleur IS 'Its name';

COMMENT ON COLUMN flux.evenements_sne.siren_bailleur IS 'Its SIREN';

COMMENT ON COLUMN flux.evenements_sne.departement IS 'Département of the unit';

COMMENT ON COLUMN flux.evenements_sne.nud IS 'Numéro unique (départemental) of the household''s application in the SNE';

COMMENT ON COLUMN flux.evenements_sne.candidature_id IS 'The candidate (flux.candidature)';

COMMENT ON COLUMN flux.evenements_sne.orientation_id IS 'The orientation';

COMMENT ON COLUMN flux.evenements_sne.logement_id IS 'The unit';

COMMENT ON COLUMN flux.evenements_sne.numero_rpls IS 'RPLS number of the unit (IDENT_REP; NULL for a brand-new unit)';

COMMENT ON COLUMN flux.evenements_sne.ident_int IS 'The bailleur''s own identifier of the unit (RPLS IDENT_INT)';

COMMENT ON COLUMN flux.evenements_sne.depcom IS 'INSEE code of the commune';

COMMENT ON COLUMN flux.evenements_sne.commune IS 'Name of the commune';

COMMENT ON COLUMN flux.evenements_sne.convention_id IS 'The convention the unit was oriented to (NULL: outside the flux)';

COMMENT ON COLUMN flux.evenements_sne.reservataire_id IS 'The réservataire the unit was oriented to (NULL: outside the flux)';

COMMENT ON COLUMN flux.evenements_sne.reservataire IS 'Its name';

COMMENT ON COLUMN flux.evenements_sne.gestion IS 'Management of the convention: directe or deleguee (NULL: outside the flux)';

COMMENT ON COLUMN flux.evenements_sne.hors_flux IS 'Motive outside the flux (NULL: on a convention; non_reserve: the bailleur''s own share)';

COMMENT ON COLUMN flux.evenements_sne.designe_par IS 'Who designated the household: reservataire or bailleur';

COMMENT ON COLUMN flux.evenements_sne.dalo IS 'Household recognised DALO';

COMMENT ON COLUMN flux.evenements_sne.prioritaire IS 'Priority household (DALO or L. 441-1 CCH)';

COMMENT ON COLUMN flux.evenements_sne.critere_priorite IS 'The priority criterion the réservataire gave at the designation (Publier art. 6.1)';

COMMENT ON COLUMN flux.evenements_sne.decision_caleol IS
	'On decision_caleol rows (else NULL): attribution, attribution sous condition, non-attribution or irrecevable';

COMMENT ON COLUMN flux.evenements_sne.rang_caleol IS 'On decision_caleol rows: the rank of an attribution';

COMMENT ON COLUMN flux.evenements_sne.motif_caleol IS
	'On decision_caleol rows: the CALEOL''s reason, as recorded (a refusal must be motivated, Publier art. 6.2)';

COMMENT ON COLUMN flux.evenements_sne.echeance_reponse IS 'On proposition rows: the last day for the household to answer';

COMMENT ON COLUMN flux.evenements_sne.reponse_menage IS 'On refus_menage rows: refus, or absence de réponse (silence until the deadline is a refusal)';

COMMENT ON COLUMN flux.evenements_sne.motif_refus IS
	'On refus_menage rows: the reasons the household invoked, if any (NULL when silent)';

COMMENT ON COLUMN flux.evenements_sne.reservataire_impute_id IS
	'On bail rows: the réservataire charged with the lease (flux.decompte''s rule; the stock réservataire for a first letting); NULL: none';

COMMENT ON COLUMN flux.evenements_sne.reservataire_impute IS 'On bail rows: its name';

COMMENT ON COLUMN flux.evenements_sne.imputation IS
	'On bail rows, in words: contingent du réservataire, part non réservée du bailleur, stock du réservataire, or aucun contingent and why';

COMMENT ON COLUMN flux.evenements_sne.motif_priorite IS
	'On bail rows: the priority reason retained (the criterion of a DALO or priority household; NULL: not a priority household)';

--------------------------------------------------------------------------
-- The DALO households' refusals, for the DDETS
--------------------------------------------------------------------------

/*
 * Publier art. 6.3: "Lors d'un refus d'un candidat DALO, le bailleur
 * transmet immediatement a la DDETS [...] les justificatifs produits par le
 * candidat a l'appui de son refus.  [...] la non-reponse aux sollicitations
 * du bailleur [...] est assimilee a un refus bien que dans ce cas, aucun
 * justificatif ne puisse etre produit.  Un ecrit du bailleur viendra
 * confirmer cette absence de reponse."  One row per DALO household that
 * refused a proposal or let its deadline pass, with what the offer was (its
 * deadline, its mandatory mentions, its suitability) and the household's
 * justification (flux.candidature.justificatif_refus).
 */
CREATE VIEW flux.refus_dalo WITH (security_invoker = true) AS
SELECT k.id AS candidature_id, k.date_reponse_menage AS date_refus,
	   extract(year FROM k.date_reponse_menage)::integer AS annee,
	   bo.bailleur_id, bo.bailleur, b.siren AS siren_bailleur, bo.departement,
	   k.nud, k.critere_priorite, o.id AS orientation_id,
	   bo.logement_id, l.ident_rep AS numero_rpls, l.ident_int, bo.depcom, bo.commune,
	   bo.reservataire_id, bo.reservataire,
	   k.date_proposition, k.echeance_reponse_menage AS echeance_reponse, k.mentions_dalo, k.offre_adaptee,
	   CASE k.reponse_menage WHEN 'refusee' THEN 'refus' ELSE 'absence de réponse' END AS nature,
	   CASE WHEN k.reponse_menage = 'refusee' THEN k.motif_refus END AS motif_invoque,
	   k.justificatif_refus AS justificatif,
	   CASE WHEN k.reponse_menage = 'sans_reponse'
			THEN 'absence de réponse assimilée à un refus : aucun justificatif ne peut être produit ; un écrit du bailleur confirme cette absence de réponse'
			WHEN k.justificatif_refus IS NULL THEN 'refus sans justificatif produit par le ménage'
			ELSE 'justificatif produit par le ménage à l''appui de son refus' END AS observation,
	   k.refus_valide_le
  FROM flux.candidature k
  -- the orientation's unit, bailleur, commune and destination as every
  -- bilan has them
  JOIN flux.bilan_orientation bo ON bo.orientation_id = k.orientation_id
  JOIN flux.orientation o ON o.id = k.orientation_id
  JOIN flux.logement l ON l.id = bo.logement_id
  JOIN flux.bailleur b ON b.id = bo.bailleur_id
  LEFT JOIN flux.convention c ON c.id = o.convention_id
 WHERE k.dalo AND k.reponse_menage IN ('refusee', 'sans_reponse')
 ORDER BY k.date_reponse_menage, k.id;

COMMENT ON VIEW flux.refus_dalo IS
	'The refusals of DALO households (a refusal, or silence until the deadline), with their justification, to send to the DDETS (Publier art. 6.3), by date then candidate';

COMMENT ON COLUMN flux.refus_dalo.candidature_id IS 'The candidate (flux.candidature): one row each, the id to send each refusal once';

COMMENT ON COLUMN flux.refus_dalo.date_refus IS 'Date of the refusal (date_reponse_menage; the deadline when silent)';

COMMENT ON COLUMN flux.refus_dalo.annee IS 'Year of the refusal';

COMMENT ON COLUMN flux.refus_dalo.bailleur_id IS 'The bailleur (of the unit)';

COMMENT ON COLUMN flux.refus_dalo.bailleur IS 'Its name';

COMMENT ON COLUMN flux.refus_dalo.siren_bailleur IS 'Its SIREN';

COMMENT ON COLUMN flux.refus_dalo.departement IS 'Département of the unit';

COMMENT ON COLUMN flux.refus_dalo.nud IS 'Numéro unique (départemental) of the household''s application in the SNE';

COMMENT ON COLUMN flux.refus_dalo.critere_priorite IS 'The priority criterion the réservataire gave at the designation';

COMMENT ON COLUMN flux.refus_dalo.orientation_id IS 'The orientation';

COMMENT ON COLUMN flux.refus_dalo.logement_id IS 'The unit';

COMMENT ON COLUMN flux.refus_dalo.numero_rpls IS 'RPLS number of the unit (IDENT_REP; NULL for a brand-new unit)';

COMMENT ON COLUMN flux.refus_dalo.ident_int IS 'The bailleur''s own identifier of the unit (RPLS IDENT_INT)';

COMMENT ON COLUMN flux.refus_dalo.depcom IS 'INSEE code of the commune';

COMMENT ON COLUMN flux.refus_dalo.commune IS 'Name of the commune';

COMMENT ON COLUMN flux.refus_dalo.reservataire_id IS 'The réservataire the unit was oriented to (NULL: outside the flux)';

COMMENT ON COLUMN flux.refus_dalo.reservataire IS 'Its name';

COMMENT ON COLUMN flux.refus_dalo.date_proposition IS 'Date of the written proposal';

COMMENT ON COLUMN flux.refus_dalo.echeance_reponse IS 'The deadline the proposal stated (date butoir)';

COMMENT ON COLUMN flux.refus_dalo.mentions_dalo IS 'The proposal carried the mandatory DALO mentions (Publier art. 6.3)';

COMMENT ON COLUMN flux.refus_dalo.offre_adaptee IS 'The offer suited the household (size, effort rate); NULL: unknown';

COMMENT ON COLUMN flux.refus_dalo.nature IS 'refus, or absence de réponse (assimilated to a refusal)';

COMMENT ON COLUMN flux.refus_dalo.motif_invoque IS 'The reasons the household invoked (NULL when silent)';

COMMENT ON COLUMN flux.refus_dalo.justificatif IS
	'The documents the household produced in support of its refusal (flux.candidature.justificatif_refus; NULL: none recorded)';

COMMENT ON COLUMN flux.refus_dalo.observation IS 'What the DDETS is told about the justification, in words';

COMMENT ON COLUMN flux.refus_dalo.refus_valide_le IS 'Date the réservataire validated the refusal as illegitimate (NULL: not validated)';
