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

REVOKE EXECUTE ON FUNCTION flux.rpls_marque_liberer() FROM PUBLIC;

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

REVOKE EXECUTE ON FUNCTION flux.rpls_nettoyer() FROM PUBLIC;

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

CREATE OR REPLACE FUNCTION flux.rapport_reservataire(reservataire bigint, annee integer)
	RETURNS TABLE (ordre integer, bailleur text, departement text, section text, libelle text,
				   valeur numeric, reference numeric, unite text)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
	-- no silent empty report: a NULL or unknown réservataire, a bad year
	SELECT flux.verifier_reservataire($1), flux.verifier_annee($2);
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
	-- no page of zeros: a NULL or unknown bailleur, a bad département or year
	SELECT flux.verifier_portee($1, $2, $3);
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
						  AND (k.designe_par = 'reservataire' OR cv.mode = 'deleguee' OR o.bailleur_compte_pour_reservataire)) AS attribuee,
			   EXISTS (SELECT 1 FROM flux.candidature k
						WHERE k.orientation_id = o.id AND an.r @> k.date_bail
						  AND (k.designe_par = 'reservataire' OR cv.mode = 'deleguee' OR o.bailleur_compte_pour_reservataire)) AS bail,
			   EXISTS (SELECT 1 FROM flux.candidature k
						WHERE k.orientation_id = o.id AND an.r @> k.refus_valide_le
						  AND (k.designe_par = 'reservataire' OR cv.mode = 'deleguee' OR o.bailleur_compte_pour_reservataire)) AS refus
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
	LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	PERFORM flux.verifier_departement(departement);
	RETURN CASE WHEN departement IN ('57', '67', '68') THEN 'alsace-moselle'
				WHEN departement = '971' THEN 'guadeloupe'
				WHEN departement = '972' THEN 'martinique'
				WHEN departement = '973' THEN 'guyane'
				WHEN departement = '974' THEN 'reunion'
				WHEN departement = '976' THEN 'mayotte'
				ELSE 'metropole' END;
END
$$;

COMMENT ON FUNCTION flux.zone_de(text) IS
	'Holiday zone of a département for jours ouvrés: Moselle, Bas-Rhin, Haut-Rhin -> alsace-moselle; 971 to 976 -> their zone; else metropole';
