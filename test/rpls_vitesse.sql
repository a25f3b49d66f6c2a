--
-- RPLS loading's speed (issue 17 item 1): what keeps flux.charger_rpls flat
-- per line is checked here by what it leaves, the figures are bench/rpls
-- (docs/performance.md).  The department of a unit is inlined (not a SQL
-- function called per unit loaded), the staged lines are indexed by line
-- number for the batches and analysed on the three columns filtered on only,
-- and the one-digit codes checked by a list keep their reasons.
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(9);

-- 1-2. flux.departement_de is inlined into the stored column it computes
-- (a STRICT SQL function whose body is a CASE never is): its plan names the
-- CASE, not the function
CREATE TEMP TABLE codes (depcom text);
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
SELECT unalike(pg_temp.plan_de('SELECT flux.departement_de(c.depcom) FROM pg_temp.codes c'), '%departement_de%',
			  'flux.departement_de is inlined (its plan shows its CASE, no call)');
SELECT results_eq($$SELECT flux.departement_de(c) FROM (VALUES ('01281'), ('2A004'), ('97411'), (NULL)) v(c)$$,
				  $$VALUES ('01'), ('2A'), ('974'), (NULL::text)$$,
				  'flux.departement_de: 01281 -> 01, 2A004 -> 2A, 97411 -> 974, NULL -> NULL (not STRICT, the same)');

-- a file of 6 lines: lines 3 to 5 have a bad one-digit code each
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9717, '900009717', 'Bailleur vitesse', 'esh');
INSERT INTO commune (depcom, nom) VALUES ('01281', 'Ornex') ON CONFLICT DO NOTHING;
SET client_min_messages = warning;
INSERT INTO rpls_ligne (texte) VALUES
	('IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV;ORIGINE;CONTRESLOG'),
	('V-1;01281;2;C;3;13;1;1;1'),
	('V-2;01281;2;C;10;13;1;1;1'),
	('V-3;01281;2;C;3;13;1;5;1'),
	('V-4;01281;2;C;3;13;1;1;8'),
	('V-5;01281;2;C;9;13;1;4;7');
-- batches of 2 lines: 3 batches
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9717, 2025, 2)$$,
				  $$VALUES (5::bigint, 2::bigint, 0::bigint, 0::bigint, 3::bigint)$$,
				  'a file of 5 lines in batches of 2: 2 inserted, 3 rejected');
RESET client_min_messages;
SELECT results_eq($$SELECT ligne, raisons FROM rpls_rejet WHERE bailleur_id = 9717 ORDER BY ligne$$,
				  $$VALUES (3, ARRAY['NBPIECE ''10'' is not 1 to 9']), (4, ARRAY['ORIGINE ''5'' is not 1 to 4']),
						   (5, ARRAY['CONTRESLOG ''8'' is not 1 to 7'])$$,
				  'NBPIECE 10, ORIGINE 5, CONTRESLOG 8: each refused with its reason (checked by a list)');
SELECT results_eq($$SELECT ident_int, nbpiece, origine, contreslog FROM logement WHERE bailleur_id = 9717 ORDER BY ident_int$$,
				  $$VALUES ('V-1', 3::smallint, 1::smallint, 1::smallint), ('V-5', 9::smallint, 4::smallint, 7::smallint)$$,
				  'the good lines: the highest codes (9, 4, 7) accepted');

-- 6-9. what the call leaves in the transaction: its table of validated lines
-- (dropped at commit), indexed by line number, analysed on three columns
SELECT ok(to_regclass('pg_temp.rpls_valide') IS NOT NULL, 'the validated lines are a temp table of the transaction');
SELECT results_eq($$SELECT pg_catalog.pg_get_indexdef(i.indexrelid) ~ '\(ligne\)$' FROM pg_catalog.pg_index i
					 WHERE i.indrelid = 'pg_temp.rpls_valide'::regclass$$,
				  $$VALUES (true)$$, 'one index, on the line number: each batch reads its own lines only');
SELECT is((SELECT string_agg(s.attname::text, ',' ORDER BY s.attname::text COLLATE "C")
			  FROM pg_catalog.pg_stats s
			 WHERE s.tablename::text COLLATE "C" = 'rpls_valide'
			   AND s.schemaname::text COLLATE "C" = pg_catalog.pg_my_temp_schema()::regnamespace::text),
		  'ident_rep,ligne,lisible',
		  'its statistics: the columns filtered on only (not the texts and arrays of every line)');
SELECT is((SELECT count(*) FROM rpls_ligne WHERE session = session_chargement()), 0::bigint,
		  'the staged lines are deleted');

SELECT * FROM finish();
ROLLBACK;
