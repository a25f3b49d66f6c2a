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
		   AND r.annee BETWEEN relocations_prevues.annee - 4 AND relocations_prevues.annee - 2;
		IF coalesce(cardinality(taux_annuels), 0) < 3 THEN
			SELECT string_agg(y::text, ', ' ORDER BY y) INTO manquantes
			  FROM generate_series(relocations_prevues.annee - 4, relocations_prevues.annee - 2) y
			 WHERE NOT y = ANY (coalesce(annees, '{}'));
			RAISE EXCEPTION 'no published rotation rate (%) of département % for %', p.definition_rotation,
					relocations_prevues.departement, manquantes
				USING ERRCODE = 'no_data_found',
					  DETAIL = format('The forecast of %s takes the mean of the rates published for %s to %s (flux.parametre_annuel.source_rotation = departementale).',
									  relocations_prevues.annee, relocations_prevues.annee - 4, relocations_prevues.annee - 2),
					  HINT = format('INSERT INTO flux.rotation_departementale (departement, annee, definition, taux, source) VALUES (%L, <year>, %L, <rate>, ''<the RPLS publication>'') for each missing year.',
									relocations_prevues.departement, p.definition_rotation);
		END IF;
		taux_rotation := round((SELECT avg(t) FROM unnest(taux_annuels) t), 2);
		source_taux := format('departementale: mean of %s of département %s, %s to %s: %s (%s)', p.definition_rotation,
							  relocations_prevues.departement, relocations_prevues.annee - 4, relocations_prevues.annee - 2,
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
				  FROM flux.reprise_prefet_logement pl JOIN flux.logement l ON l.id = pl.logement_id
				 WHERE pl.reprise_id = p.id AND (l.date_sortie IS NULL OR l.date_sortie > jan1)) n
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

-- ---------------------------------------------------------------------------
-- A collectivity's territory, RPLS rejects, the remaining checks (items 2, 10, 9)
-- ---------------------------------------------------------------------------

-- (section of the RPLS loading and the territory)
