--
-- RPLS loading's speed, 0.12.0 (issue 17 item 1): the staging's session
-- identifier is computed once a session, not once a staged line; the load
-- runs with its own work_mem; the repeated IDENT_INT found apart keep their
-- reasons, in their order.  The figures are bench/rpls (docs/performance.md).
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(8);

CREATE FUNCTION pg_temp.plan_de(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	l text;
	t text := '';
BEGIN
	FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
		t := t || l || E'\n';
	END LOOP;
	RETURN t;
END
$$;

-- 1. the default of rpls_ligne.session is inlined: it reads the setting, and
-- calls nothing that reads pg_stat_get_activity unless the setting is not
-- this backend's
SELECT alike(pg_temp.plan_de($$INSERT INTO flux.rpls_ligne (texte) VALUES ('x')$$),
			 '%current_setting(''flux.session_chargement''::text, true)%',
			 'the default of rpls_ligne.session is inlined: it reads the setting flux.session_chargement');

-- 2. computed once, then kept in the setting
SELECT ok(starts_with(session_chargement(), pg_backend_pid()::text || '@'),
		  'the identifier starts with the backend''s pid');
SELECT is(current_setting('flux.session_chargement', true), session_chargement(),
		  'after a call, the setting holds the session''s identifier');

-- 3. a value that is not this backend's is ignored and computed again
SET LOCAL flux.session_chargement = '0@19700101000000@19700101000000000000';
SELECT isnt(session_chargement(), '0@19700101000000@19700101000000000000',
			'a setting that is not this backend''s is not taken as its identifier');
SELECT is(current_setting('flux.session_chargement'), session_chargement(),
		  'it is computed again and kept');

-- 4. the load runs with its own work_mem (its aggregates over the whole file
-- stay in memory)
SELECT ok((SELECT 'work_mem=128MB' = ANY (p.proconfig) FROM pg_catalog.pg_proc p
			WHERE p.oid = 'flux.charger_rpls(bigint, integer, integer)'::regprocedure),
		  'flux.charger_rpls sets work_mem = 128MB');

-- 5-6. a repeated IDENT_INT, found by a hash aggregate: the first line
-- counts even when it is itself refused for its length (line 2, 3 fields),
-- and the reason comes after the field checks of the line (line 4: its
-- CONTRESLOG 8 first), as in 0.11.0
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9718, '900009718', 'Bailleur doublons', 'esh');
INSERT INTO commune (depcom, nom) VALUES ('01281', 'Ornex') ON CONFLICT DO NOTHING;
SET client_min_messages = warning;
INSERT INTO rpls_ligne (texte) VALUES
	('IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV;CONTRESLOG'),
	('D-1;01281;2'),
	('D-1;01281;2;C;3;13;1;1'),
	('D-2;01281;2;C;3;13;1;8'),
	('D-2;01281;2;C;3;13;1;8'),
	('D-3;01281;2;C;3;13;1;1');
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9718, 2025)$$,
				  $$VALUES (5::bigint, 1::bigint, 0::bigint, 0::bigint, 4::bigint)$$,
				  'D-3 inserted; lines 2 (short), 3 (D-1 again), 4 (CONTRESLOG), 5 (D-2 again) refused');
RESET client_min_messages;
SELECT results_eq($$SELECT ligne, raisons FROM rpls_rejet WHERE bailleur_id = 9718 ORDER BY ligne$$,
				  $$VALUES (2, ARRAY['line has 3 fields, the header 8']),
						   (3, ARRAY['IDENT_INT ''D-1'' appears again (first at line 2)']),
						   (4, ARRAY['CONTRESLOG ''8'' is not 1 to 7']),
						   (5, ARRAY['CONTRESLOG ''8'' is not 1 to 7', 'IDENT_INT ''D-2'' appears again (first at line 4)'])$$,
				  'the repeated IDENT_INT name their first line, after the field checks');

SELECT * FROM finish();
ROLLBACK;
