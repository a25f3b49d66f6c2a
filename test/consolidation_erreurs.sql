-- consolidation_erreurs: the consolidation's functions in one database
-- (docs/consolidation.md): flux does not require postgres_fdw, and says so
-- when it is absent; the errors of adding and removing a source; the
-- territory's functions with no source; who may call what; the views that
-- cross carry no personal column.  test/consolidation.sh reads real
-- bailleur databases through postgres_fdw.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SELECT plan(20);

SELECT ok(NOT EXISTS (SELECT FROM pg_available_extension_versions
					   WHERE name = 'flux' AND 'postgres_fdw' = ANY (coalesce(requires, '{}'))),
	'flux does not require postgres_fdw');
SELECT ok(EXISTS (SELECT FROM pg_extension e WHERE e.extname = 'flux' AND 'flux.source_consolidation'::regclass = ANY (e.extconfig)),
	'flux.source_consolidation is dumped with the data (pg_extension_config_dump)');
SELECT is(flux.vues_consolidees(), '{bilan_reservataire,bilan_obligations,bilan_detaille,bilan_etapes,bilan_hors_flux}'::name[],
	'the five aggregate bilan views cross, bilan_orientation does not');
SELECT is((SELECT count(*) FROM pg_attribute a
			WHERE a.attrelid IN (SELECT format('flux.%I', v)::regclass FROM unnest(flux.vues_consolidees()) v)
			  AND a.attnum > 0
			  AND a.attname ~ '(nud|prenom|menage|candidature_id|orientation_id|logement_id|vacance_id|quartile$|^dalo$|^prioritaire$|date_orientation)'),
	0::bigint, 'none of them has a personal column (NUD, household, unit, orientation)');

-- postgres_fdw absent (the pgTAP database has pgtap and flux only)
SELECT throws_ok($$SELECT flux.ajouter_source_consolidation('b1')$$, '55000',
	'extension postgres_fdw is not installed in database ' || current_database(),
	'without postgres_fdw: 55000, naming the database');

CREATE EXTENSION postgres_fdw;
CREATE FOREIGN DATA WRAPPER regress_autre_fdw;
CREATE SERVER regress_autre FOREIGN DATA WRAPPER regress_autre_fdw;
CREATE SERVER regress_b1 FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'regress_aucune');

SELECT throws_ok($$SELECT flux.ajouter_source_consolidation(NULL)$$, '22004', 'server is NULL', 'a NULL server: 22004');
SELECT throws_ok($$SELECT flux.ajouter_source_consolidation('regress_inconnu')$$, '42704',
	'server "regress_inconnu" does not exist', 'an unknown server: 42704');
SELECT throws_ok($$SELECT flux.ajouter_source_consolidation('regress_autre')$$, '42809',
	'server "regress_autre" does not use postgres_fdw', 'a server of another wrapper: 42809');
CREATE SCHEMA regress_pris;
SELECT throws_ok($$SELECT flux.ajouter_source_consolidation('regress_b1', NULL, 'regress_pris')$$, '42P06',
	'schema "regress_pris" already exists', 'a schema that exists: 42P06');
SELECT throws_ok($$SELECT flux.retirer_source_consolidation('regress_b1')$$, 'P0002',
	'server "regress_b1" is not a source of consolidation', 'removing a server that is no source: P0002');
SELECT throws_ok($$SELECT flux.retirer_source_consolidation(NULL)$$, '22004', 'server is NULL', 'removing NULL: 22004');

-- a flux_admin that may not use the server
CREATE ROLE regress_conso_admin IN ROLE flux_admin;
SET ROLE regress_conso_admin;
SELECT throws_ok($$SELECT flux.ajouter_source_consolidation('regress_b1')$$, '42501',
	'permission denied for foreign server "regress_b1"', 'an admin without USAGE on the server: 42501');
RESET ROLE;
SELECT ok(NOT EXISTS (SELECT FROM pg_foreign_server WHERE srvname = 'regress_b1' AND srvoptions::text LIKE '%async_capable%'),
	'and the server is left as it was');

-- the territory with no source: nothing, and the arguments checked
SELECT is((SELECT count(*) FROM flux.territoire_bilan(2025)), 0::bigint, 'no source: the territory''s bilan is empty');
SELECT is((SELECT count(*) FROM flux.territoire_obligations(2025, '69')), 0::bigint, 'and its obligations too');
SELECT throws_ok($$SELECT * FROM flux.territoire_bilan(1999)$$, '22023', 'year 1999 is out of range', 'a year out of range: 22023');
SELECT throws_ok($$SELECT * FROM flux.territoire_obligations(2025, '1')$$, '22023', '"1" is not a département code',
	'a bad département: 22023');

-- who may
SELECT ok(has_function_privilege('flux_admin', 'flux.ajouter_source_consolidation(name, text, name)', 'EXECUTE')
		  AND has_function_privilege('flux_admin', 'flux.retirer_source_consolidation(name)', 'EXECUTE')
		  AND NOT has_function_privilege('flux_gestionnaire', 'flux.ajouter_source_consolidation(name, text, name)', 'EXECUTE')
		  AND NOT has_function_privilege('flux_lecteur', 'flux.retirer_source_consolidation(name)', 'EXECUTE'),
	'flux_admin alone adds and removes sources');
SELECT ok(has_function_privilege('flux_lecteur', 'flux.territoire_bilan(integer, text)', 'EXECUTE')
		  AND has_function_privilege('flux_gestionnaire', 'flux.territoire_obligations(integer, text)', 'EXECUTE')
		  AND has_table_privilege('flux_lecteur', 'flux.source_consolidation', 'SELECT')
		  AND NOT has_table_privilege('flux_admin', 'flux.source_consolidation', 'INSERT'),
	'the staff and BI read the territory''s figures and the sources; nobody writes the sources but the functions');
SELECT ok(NOT has_function_privilege('flux_reservataire', 'flux.territoire_bilan(integer, text)', 'EXECUTE')
		  AND NOT has_function_privilege('flux_epci', 'flux.territoire_obligations(integer, text)', 'EXECUTE')
		  AND NOT has_function_privilege('flux_epci', 'flux.reconstruire_consolidation()', 'EXECUTE')
		  AND NOT has_table_privilege('flux_reservataire', 'flux.source_consolidation', 'SELECT'),
	'the partners read none of it, and the rebuild is internal');

SELECT * FROM finish();
ROLLBACK;
