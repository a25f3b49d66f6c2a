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

-- ---------------------------------------------------------------------------
-- Stock, reprise and the loan-guarantee cap (issue 14 items 3, 8, 9)
-- ---------------------------------------------------------------------------

-- (section of the conversion)

-- ---------------------------------------------------------------------------
-- A collectivity's territory, RPLS rejects, the remaining checks (items 2, 10, 9)
-- ---------------------------------------------------------------------------

-- (section of the RPLS loading and the territory)
