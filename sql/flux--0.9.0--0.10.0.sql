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
		CHECK (source_rotation IS NULL OR (source_rotation = 'imposee') = (taux_rotation IS NOT NULL));

COMMENT ON COLUMN flux.parametre_annuel.source_rotation IS
	'Where the forecast''s rotation rate comes from (flux.source_rotation); NULL = imposee when taux_rotation is set, else bailleur';

COMMENT ON COLUMN flux.parametre_annuel.entree_programmes IS
	'When a new programme''s units join the flux (flux.entree_programme): annee_suivante (default) or premiere_vacance';

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
 * the year's options are read once (InitPlans), the plans covering the year
 * are two small hashed subqueries (one row per unit or programme: the
 * trigger keeps one plan a year), and flux.verifier_portee is a one-time
 * filter that refuses a NULL or unknown bailleur, a code that is not a
 * département and a year out of range before any row is read.  The
 * bailleur and the département come through the subquery q (OFFSET 0: not
 * pulled up) so that a NULL passed as a constant is not folded at plan
 * time into "l.bailleur_id = NULL", a constant false that would drop the
 * one-time filter with the rest of the WHERE clause and answer a row of
 * zeros instead of the error.  flux.assiette and flux.assiette_communes
 * check through it.
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
	  FROM (SELECT $1 AS bailleur_id, $3 AS departement OFFSET 0) q
	  JOIN flux.logement l ON l.bailleur_id OPERATOR(pg_catalog.=) q.bailleur_id
						  AND l.departement OPERATOR(pg_catalog.=) q.departement
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
	 WHERE flux.verifier_portee($1, $3, $2);
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

-- ---------------------------------------------------------------------------
-- Stock, reprise and the loan-guarantee cap (issue 14 items 3, 8, 9)
-- ---------------------------------------------------------------------------

-- (section of the conversion)

-- ---------------------------------------------------------------------------
-- A collectivity's territory, RPLS rejects, the remaining checks (items 2, 10, 9)
-- ---------------------------------------------------------------------------

-- (section of the RPLS loading and the territory)
