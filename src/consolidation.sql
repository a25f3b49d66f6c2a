--
-- src/consolidation.sql: a territory's bilans across bailleurs' databases
-- (issue 17, item 4), read through postgres_fdw.
--
-- Builds on: bilan.sql (the aggregate bilan views every bailleur database
-- exposes), modele.sql (the validators), partenaires.sql (flux.appelant).
-- postgres_fdw is optional: nothing here needs it at install time; the
-- functions create the foreign objects dynamically and stop with a clear
-- error when it is absent (docs/consolidation.md).
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

-- one row per bailleur database read: a foreign server of postgres_fdw
CREATE TABLE flux.source_consolidation (
	serveur		name PRIMARY KEY,
	libelle		text,
	schema		name NOT NULL UNIQUE,
	ajoutee_le	timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE flux.source_consolidation IS
	'The bailleurs'' databases a consolidation database reads (one foreign server of postgres_fdw each), and the schema their aggregate bilan views are imported into';

COMMENT ON COLUMN flux.source_consolidation.serveur IS 'The foreign server (postgres_fdw) of the bailleur''s database';

COMMENT ON COLUMN flux.source_consolidation.libelle IS 'A label (the bailleur, the database)';

COMMENT ON COLUMN flux.source_consolidation.schema IS 'The schema its bilan views are imported into, as foreign tables (IMPORT FOREIGN SCHEMA ... LIMIT TO)';

COMMENT ON COLUMN flux.source_consolidation.ajoutee_le IS 'When it was added';

SELECT pg_catalog.pg_extension_config_dump('flux.source_consolidation', '');

/*
 * The views that cross, and nothing else: aggregate counts per bailleur,
 * département, year and destination (réservataire, category, commune,
 * EPCI, typologie...).  None carries a NUD, a household, a unit or an
 * orientation: flux.bilan_orientation (one row per orientation, with the
 * household's DALO flag and quartile) stays home.
 */
CREATE FUNCTION flux.vues_consolidees() RETURNS name[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN '{bilan_reservataire,bilan_obligations,bilan_detaille,bilan_etapes,bilan_hors_flux}'::name[];

COMMENT ON FUNCTION flux.vues_consolidees() IS
	'The aggregate bilan views a consolidation database imports from each bailleur''s database (no personal data: docs/consolidation.md)';

/*
 * (Re)builds, in the schema flux_consolidation (created here, outside the
 * extension), one view per imported bilan: the UNION ALL of every source's
 * foreign table, each row tagged with its server (bailleur_id and the other
 * ids are local to each database).  The columns are those of the local
 * flux view, by name: a source lacking one stops the build.  With no source
 * the views are empty.  Internal: called by the functions that add and
 * remove a source (run as flux's owner, who then owns every view).
 */
CREATE FUNCTION flux.reconstruire_consolidation() RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	v name;
	s record;
	colonnes text;
	vides text;
	branches text;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) 'flux_consolidation') THEN
		EXECUTE 'CREATE SCHEMA flux_consolidation';
	END IF;
	EXECUTE 'REVOKE ALL ON SCHEMA flux_consolidation FROM PUBLIC';
	EXECUTE 'GRANT USAGE ON SCHEMA flux_consolidation TO flux_admin, flux_gestionnaire, flux_lecteur';
	FOREACH v IN ARRAY flux.vues_consolidees() LOOP
		SELECT pg_catalog.string_agg(pg_catalog.format('t.%I::%s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)),
									 ', ' ORDER BY a.attnum),
			   pg_catalog.string_agg(pg_catalog.format('NULL::%s AS %I', pg_catalog.format_type(a.atttypid, a.atttypmod), a.attname),
									 ', ' ORDER BY a.attnum)
		  INTO colonnes, vides
		  FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('flux.%I', v)::regclass
		   AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
		branches := NULL;
		FOR s IN SELECT c.serveur, c.schema FROM flux.source_consolidation c ORDER BY c.serveur LOOP
			branches := coalesce(branches || ' UNION ALL ', '')
				|| pg_catalog.format('SELECT %L::text AS source, %s FROM %I.%I t', s.serveur, colonnes, s.schema, v);
		END LOOP;
		EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW flux_consolidation.%I AS %s', v,
								  coalesce(branches, 'SELECT NULL::text AS source, ' || vides || ' WHERE false'));
		EXECUTE pg_catalog.format('COMMENT ON VIEW flux_consolidation.%I IS %L', v,
								  'flux.' || v || ' of every bailleur database of flux.source_consolidation, each row with its server (source); rebuilt by flux.ajouter_source_consolidation and flux.retirer_source_consolidation');
		EXECUTE pg_catalog.format('REVOKE ALL ON flux_consolidation.%I FROM PUBLIC', v);
		EXECUTE pg_catalog.format('GRANT SELECT ON flux_consolidation.%I TO flux_admin, flux_gestionnaire, flux_lecteur', v);
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux.reconstruire_consolidation() IS
	'Internal: rebuilds the views flux_consolidation.bilan_* (UNION ALL of every source''s foreign tables, tagged with the server)';

REVOKE EXECUTE ON FUNCTION flux.reconstruire_consolidation() FROM PUBLIC;

-- the checks every consolidation function makes first
CREATE FUNCTION flux.verifier_postgres_fdw() RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'postgres_fdw') THEN
		RAISE EXCEPTION 'extension postgres_fdw is not installed in database %', pg_catalog.current_database()
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The consolidation reads each bailleur''s database through postgres_fdw, which flux does not require.',
				  HINT = 'CREATE EXTENSION postgres_fdw, then CREATE SERVER for each bailleur''s database (docs/consolidation.md).';
	END IF;
END
$$;

COMMENT ON FUNCTION flux.verifier_postgres_fdw() IS
	'Raises 55000 unless the extension postgres_fdw is installed in the current database';

/*
 * Adds a bailleur's database: its foreign server (which must use
 * postgres_fdw, and which the caller may use) is made async_capable, so that
 * the Append over every source runs their remote queries concurrently, and
 * the aggregate bilan views of its schema flux are imported into a schema of
 * their own.  SECURITY DEFINER: every consolidated object has one owner,
 * flux's, whose user mapping reads each source (docs/consolidation.md).
 */
CREATE FUNCTION flux.ajouter_source_consolidation(serveur name, libelle text DEFAULT NULL, schema name DEFAULT NULL)
	RETURNS name
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	srv record;
	cible name := coalesce(ajouter_source_consolidation.schema, ('flux_source_' OPERATOR(pg_catalog.||) serveur)::name);
	importees name[];
	manquantes name[];
BEGIN
	PERFORM flux.verifier_postgres_fdw();
	IF serveur IS NULL THEN
		RAISE EXCEPTION 'server is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the name of a foreign server of postgres_fdw (CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw).';
	END IF;
	SELECT s.oid, s.srvoptions, w.fdwname INTO srv
	  FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid OPERATOR(pg_catalog.=) s.srvfdw
	 WHERE s.srvname OPERATOR(pg_catalog.=) serveur;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'server "%" does not exist', serveur
			USING ERRCODE = 'undefined_object',
				  HINT = 'CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host ..., port ..., dbname ...) first.';
	END IF;
	IF srv.fdwname OPERATOR(pg_catalog.<>) 'postgres_fdw' THEN
		RAISE EXCEPTION 'server "%" does not use postgres_fdw', serveur
			USING ERRCODE = 'wrong_object_type',
				  DETAIL = pg_catalog.format('Its foreign-data wrapper is %s.', srv.fdwname),
				  HINT = 'A source of consolidation is a flux database read through postgres_fdw.';
	END IF;
	IF NOT pg_catalog.has_server_privilege(flux.appelant(), srv.oid, 'USAGE') THEN
		RAISE EXCEPTION 'permission denied for foreign server "%"', serveur
			USING ERRCODE = 'insufficient_privilege',
				  HINT = pg_catalog.format('GRANT USAGE ON FOREIGN SERVER %I TO %I.', serveur, flux.appelant());
	END IF;
	IF EXISTS (SELECT FROM flux.source_consolidation c WHERE c.serveur OPERATOR(pg_catalog.=) ajouter_source_consolidation.serveur) THEN
		RAISE EXCEPTION 'server "%" is already a source of consolidation', serveur
			USING ERRCODE = 'duplicate_object',
				  HINT = 'flux.retirer_source_consolidation removes it.';
	END IF;
	IF EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname OPERATOR(pg_catalog.=) cible) THEN
		RAISE EXCEPTION 'schema "%" already exists', cible
			USING ERRCODE = 'duplicate_schema',
				  HINT = 'Pass another schema (third argument): the source''s foreign tables go into a schema of their own.';
	END IF;
	-- the remote queries of every source run concurrently (an Append of
	-- async foreign scans)
	EXECUTE pg_catalog.format('ALTER SERVER %I OPTIONS (%s async_capable %L)', serveur,
		CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_options_to_table(srv.srvoptions) o
						   WHERE o.option_name OPERATOR(pg_catalog.=) 'async_capable') THEN 'SET' ELSE 'ADD' END, 'true');
	EXECUTE pg_catalog.format('CREATE SCHEMA %I', cible);
	EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', cible);
	BEGIN
		EXECUTE pg_catalog.format('IMPORT FOREIGN SCHEMA flux LIMIT TO (%s) FROM SERVER %I INTO %I',
			(SELECT pg_catalog.string_agg(pg_catalog.quote_ident(v), ', ') FROM pg_catalog.unnest(flux.vues_consolidees()) v),
			serveur, cible);
	EXCEPTION WHEN fdw_schema_not_found THEN
		RAISE EXCEPTION 'the database of server "%" has no schema flux', serveur
			USING ERRCODE = 'undefined_table',
				  HINT = 'Check the server''s dbname and that flux is installed in that database (CREATE EXTENSION flux).';
	END;
	SELECT pg_catalog.array_agg(c.relname) INTO importees
	  FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) cible::regnamespace AND c.relkind OPERATOR(pg_catalog.=) 'f';
	SELECT pg_catalog.array_agg(v) INTO manquantes
	  FROM pg_catalog.unnest(flux.vues_consolidees()) v WHERE NOT v OPERATOR(pg_catalog.=) ANY (coalesce(importees, '{}'));
	IF manquantes IS NOT NULL THEN
		RAISE EXCEPTION 'the database of server "%" has no view %', serveur,
				pg_catalog.array_to_string(manquantes, ', ')
			USING ERRCODE = 'undefined_table',
				  DETAIL = 'IMPORT FOREIGN SCHEMA flux found only: ' OPERATOR(pg_catalog.||) coalesce(pg_catalog.array_to_string(importees, ', '), 'nothing') OPERATOR(pg_catalog.||) '.',
				  HINT = 'Check the server''s dbname and that flux is installed in that database (CREATE EXTENSION flux).';
	END IF;
	INSERT INTO flux.source_consolidation (serveur, libelle, schema) VALUES (serveur, libelle, cible);
	PERFORM flux.reconstruire_consolidation();
	RETURN cible;
END
$$;

COMMENT ON FUNCTION flux.ajouter_source_consolidation(name, text, name) IS
	'Adds a bailleur''s database (a foreign server of postgres_fdw, made async_capable): imports its aggregate bilan views into a schema of their own (default flux_source_<server>) and rebuilds flux_consolidation.bilan_*; returns the schema';

REVOKE EXECUTE ON FUNCTION flux.ajouter_source_consolidation(name, text, name) FROM PUBLIC;

-- removes a source: its schema of foreign tables, its row, and rebuilds the views
CREATE FUNCTION flux.retirer_source_consolidation(serveur name) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
	SET client_min_messages = warning
AS $$
DECLARE
	cible name;
BEGIN
	IF serveur IS NULL THEN
		RAISE EXCEPTION 'server is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Pass the name of a source of flux.source_consolidation.';
	END IF;
	DELETE FROM flux.source_consolidation c WHERE c.serveur OPERATOR(pg_catalog.=) retirer_source_consolidation.serveur
	RETURNING c.schema INTO cible;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'server "%" is not a source of consolidation', serveur
			USING ERRCODE = 'no_data_found',
				  HINT = 'SELECT serveur FROM flux.source_consolidation lists them.';
	END IF;
	-- the views first, without the source, then its foreign tables
	PERFORM flux.reconstruire_consolidation();
	EXECUTE pg_catalog.format('DROP SCHEMA IF EXISTS %I CASCADE', cible);
END
$$;

COMMENT ON FUNCTION flux.retirer_source_consolidation(name) IS
	'Removes a bailleur''s database from the consolidation: rebuilds flux_consolidation.bilan_* without it and drops its schema of foreign tables (the server and its user mappings stay)';

REVOKE EXECUTE ON FUNCTION flux.retirer_source_consolidation(name) FROM PUBLIC;

/*
 * The territory's bilan per réservataire across every source, year N, one
 * département or all (NULL): the counts are summed, the shares recomputed
 * from the sums (never averaged).  A réservataire is known across databases
 * by its category and name (its id is local to each).  Its units freed are
 * those of the bailleurs it has a convention with (each bailleur's once);
 * the row of no réservataire (categorie and reservataire NULL) is the whole
 * territory: every bailleur's units freed in the flux, once.
 */
CREATE FUNCTION flux.territoire_bilan(annee_bilan integer, departement_bilan text DEFAULT NULL)
	RETURNS TABLE (annee integer, departement text, categorie text, reservataire text, sources bigint, bailleurs bigint,
				   logements_liberes bigint, proposes bigint, part_proposes numeric, attribues bigint, part_attribues numeric,
				   baux bigint, part_baux numeric, dus_sur_liberes numeric, ecart_proposes numeric,
				   baux_designes_bailleur bigint)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	a integer := annee_bilan;
	d text := departement_bilan;
BEGIN
	PERFORM flux.verifier_annee(a);
	IF d IS NOT NULL THEN
		PERFORM flux.verifier_departement(d);
	END IF;
	IF pg_catalog.to_regclass('flux_consolidation.bilan_reservataire') IS NULL THEN
		RETURN;	-- no source was ever added
	END IF;
	RETURN QUERY
	WITH b AS (
		-- each bailleur's rows for each réservataire (one convention or more)
		SELECT r.annee, r.departement, r.source, r.bailleur_id, r.categorie, r.reservataire,
			   max(r.logements_liberes) AS liberes, sum(r.proposes) AS proposes, sum(r.attribues) AS attribues,
			   sum(r.baux) AS baux, sum(r.dus_sur_liberes) AS dus, sum(r.ecart_proposes) AS ecart,
			   sum(r.baux_designes_bailleur) AS baux_bailleur
		  FROM flux_consolidation.bilan_reservataire r
		 WHERE r.annee OPERATOR(pg_catalog.=) a AND (d IS NULL OR r.departement OPERATOR(pg_catalog.=) d)
		 GROUP BY 1, 2, 3, 4, 5, 6
	), t AS (
		SELECT b.annee, b.departement, b.categorie, b.reservataire, b.source, b.bailleur_id, b.liberes, b.proposes,
			   b.attribues, b.baux, b.dus, b.ecart, b.baux_bailleur
		  FROM b
		UNION ALL
		-- the territory: each bailleur once
		SELECT b.annee, b.departement, NULL, NULL, b.source, b.bailleur_id, max(b.liberes), sum(b.proposes),
			   sum(b.attribues), sum(b.baux), sum(b.dus), sum(b.ecart), sum(b.baux_bailleur)
		  FROM b GROUP BY b.annee, b.departement, b.source, b.bailleur_id
	)
	SELECT t.annee, t.departement, t.categorie, t.reservataire,
		   count(DISTINCT t.source), count(*), sum(t.liberes)::bigint, sum(t.proposes)::bigint,
		   round(100.0 * sum(t.proposes) / nullif(sum(t.liberes), 0), 2),
		   sum(t.attribues)::bigint, round(100.0 * sum(t.attribues) / nullif(sum(t.liberes), 0), 2),
		   sum(t.baux)::bigint, round(100.0 * sum(t.baux) / nullif(sum(t.liberes), 0), 2),
		   sum(t.dus), sum(t.ecart), sum(t.baux_bailleur)::bigint
	  FROM t
	 GROUP BY t.annee, t.departement, t.categorie, t.reservataire
	 ORDER BY t.annee, t.departement, t.categorie NULLS FIRST, t.reservataire;
END
$$;

COMMENT ON FUNCTION flux.territoire_bilan(integer, text) IS
	'The territory''s bilan of year N across every bailleur database (flux_consolidation.bilan_reservataire): per réservataire (category and name) and for the whole territory (NULL), counts summed and shares recomputed from the sums';

/*
 * The territory's obligations across every source: per obligation, for each
 * réservataire (by name) and for the territory (reservataire NULL), the
 * counts summed; the rate, the target (weighted by the attributions
 * concerned: objectif_cia_qpv may differ between bailleurs), conformity and
 * the units missing recomputed from the sums.  The territory's units missing
 * are its own figure: a bailleur above the target makes up for one below
 * (each bailleur's figure is in flux_consolidation.bilan_obligations).
 */
CREATE FUNCTION flux.territoire_obligations(annee_bilan integer, departement_bilan text DEFAULT NULL)
	RETURNS TABLE (annee integer, departement text, reservataire text, obligation text, libelle text, sources bigint,
				   bailleurs bigint, concernes bigint, atteints bigint, dont_dalo bigint, taux numeric, objectif numeric,
				   conforme boolean, manque integer, taux_dalo numeric)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	a integer := annee_bilan;
	d text := departement_bilan;
BEGIN
	PERFORM flux.verifier_annee(a);
	IF d IS NOT NULL THEN
		PERFORM flux.verifier_departement(d);
	END IF;
	IF pg_catalog.to_regclass('flux_consolidation.bilan_obligations') IS NULL THEN
		RETURN;	-- no source was ever added
	END IF;
	RETURN QUERY
	SELECT o.annee, o.departement, o.reservataire, o.obligation, o.libelle,
		   count(DISTINCT o.source), count(DISTINCT (o.source, o.bailleur_id)),
		   sum(o.concernes)::bigint, sum(o.atteints)::bigint, sum(o.dont_dalo)::bigint,
		   round(100.0 * sum(o.atteints) / nullif(sum(o.concernes), 0), 2),
		   coalesce(trim_scale(round(sum(o.objectif * o.concernes) / nullif(sum(o.concernes), 0), 2)), max(o.objectif)),
		   100.0 * sum(o.atteints) >= sum(o.objectif * o.concernes),
		   greatest(ceil(sum(o.objectif * o.concernes) / 100) - sum(o.atteints), 0)::integer,
		   round(100.0 * sum(o.dont_dalo) / nullif(sum(o.concernes), 0), 2)
	  FROM flux_consolidation.bilan_obligations o
	 WHERE o.annee OPERATOR(pg_catalog.=) a AND (d IS NULL OR o.departement OPERATOR(pg_catalog.=) d)
	 GROUP BY o.annee, o.departement, o.reservataire, o.obligation, o.libelle
	 ORDER BY o.annee, o.departement, o.reservataire NULLS FIRST, o.obligation;
END
$$;

COMMENT ON FUNCTION flux.territoire_obligations(integer, text) IS
	'The territory''s obligations of year N across every bailleur database (flux_consolidation.bilan_obligations): per réservataire and for the territory (NULL), counts summed, rate, weighted target, conformity and units missing recomputed from the sums';
