-- erreurs: every error path of the 0.1.0 kernels, with its SQLSTATE and
-- message; and the catalog properties the contract requires.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(37);

-- flux.taux input
SELECT throws_ok($$SELECT '101%'::flux.taux$$, '22003', 'value "101%" is out of range for type taux', 'above 100 %');
SELECT throws_ok($$SELECT '-1'::flux.taux$$, '22003', 'value "-1" is out of range for type taux', 'negative');
SELECT throws_ok($$SELECT '12.345%'::flux.taux$$, '22P02', 'invalid input syntax for type taux: "12.345%"', 'three decimals');
SELECT throws_ok($$SELECT 'abc'::flux.taux$$, '22P02', 'invalid input syntax for type taux: "abc"', 'garbage');
SELECT throws_ok($$SELECT ''::flux.taux$$, '22P02', 'invalid input syntax for type taux: ""', 'empty');
-- operators, aggregates, casts
SELECT throws_ok($$SELECT '70%'::flux.taux + '31%'::flux.taux$$, '22003', 'taux out of range: 70% + 31% exceeds 100%', 'sum above 100 %');
SELECT throws_ok($$SELECT '10%'::flux.taux - '31%'::flux.taux$$, '22003', 'taux out of range: 10% - 31% is negative', 'negative difference');
SELECT throws_ok($$SELECT flux.sum(x) FROM (VALUES ('60%'::flux.taux), ('41%')) v(x)$$, '22003', NULL, 'sum() above 100 %');
SELECT throws_ok($$SELECT 12.345::flux.taux$$, '22003', 'value "12.345" cannot be represented exactly as a taux', 'numeric finer than 0.01');
SELECT throws_ok($$SELECT 'Infinity'::numeric::flux.taux$$, '22003', 'value "Infinity" is out of range for type taux', 'infinite numeric');
SELECT throws_ok($$SELECT 101::flux.taux$$, '22003', 'value "101" is out of range for type taux', 'integer above 100');
-- calendar
SELECT throws_ok($$SELECT flux.est_ferie('2025-01-01', 'lyon')$$, '22023', 'unknown holiday zone "lyon"', 'unknown zone');
SELECT throws_ok($$SELECT flux.ajouter_jours_ouvres('2025-01-01', 1, 'corse')$$, '22023', 'unknown holiday zone "corse"', 'unknown zone in ajouter_jours_ouvres');
SELECT throws_ok($$SELECT flux.jours_ouvres_entre('2025-01-01', '2025-02-01', '')$$, '22023', 'unknown holiday zone ""', 'empty zone');
SELECT throws_ok($$SELECT flux.est_ferie('1500-01-01')$$, '22008', 'date 1500-01-01 is outside the holiday calendar', 'before 1583');
SELECT throws_ok($$SELECT flux.est_ferie('-infinity')$$, '22008', 'date -infinity is outside the holiday calendar', 'infinite date');
SELECT throws_ok($$SELECT flux.ajouter_jours_ouvres('9999-12-31', 1)$$, '22008', '1 business days from 9999-12-31 is outside the holiday calendar', 'result after 9999');
SELECT throws_ok($$SELECT * FROM flux.jours_feries(10000)$$, '22008', 'year 10000 is outside the holiday calendar', 'year after 9999');
-- apportionment and rate rule
SELECT throws_ok($$SELECT flux.repartir(10, '{60%,40.01%}')$$, '22003', 'shares add up to 100.01%, more than 100%', 'surbooking');
SELECT throws_ok($$SELECT flux.repartir(-5, '{10%}')$$, '22023', 'number of units to share must not be negative: -5', 'negative total');
SELECT throws_ok($$SELECT flux.repartir(5, '{10%,NULL}')$$, '22004', 'share 2 is null', 'null share');
SELECT throws_ok($$SELECT flux.repartir(5, '{{10%}}')$$, '2202E', 'shares must be a one-dimensional array, not 2 dimensions', '2-D shares');
SELECT throws_ok($$SELECT flux.taux_reservataire(1, 0)$$, '22012', 'stock of 0 units has no share to give', 'empty stock');
SELECT throws_ok($$SELECT flux.taux_reservataire(2, 1)$$, '22003', '2 reserved units exceed the stock of 1 units', 'more reserved than stock');
SELECT throws_ok($$SELECT flux.taux_reservataire(-2, 1)$$, '22003', 'unit counts must not be negative: -2 reserved, 1 in the stock', 'negative count');

-- the contract's examples
SELECT is(flux.repartir(80, '{10%}'), '{8}'::integer[], 'repartir(80, {10%}) = {8}');
SELECT is(flux.repartir(7, '{30%,20%,10%}'), '{2,1,1}'::integer[], 'repartir(7, {30%,20%,10%}) = {2,1,1}');
SELECT is(flux.taux_reservataire(100, 1000)::text, '10%', 'taux_reservataire(100, 1000) = 10%');
SELECT is(ARRAY['30'::flux.taux::text, '30%'::flux.taux::text, '30 %'::flux.taux::text, '12.5%'::flux.taux::text, '12,5 %'::flux.taux::text],
          '{30%,30%,30%,12.5%,12.5%}'::text[], 'the five input forms');

-- catalog: every kernel immutable, strict, parallel safe; the opclasses valid
-- (the sweep and its flag, src/echeance.c, are the workflow's, not kernels)
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'flux'::regnamespace AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'c') AND prorettype <> 'trigger'::regtype
            AND proname NOT IN ('appliquer_echeances', 'origine_courante', 'version', 'restauration')
            AND (provolatile <> 'i' OR proparallel <> 's')), 0::bigint, 'every C function but the trigger, the sweep, version and restauration (STABLE: they read the loaded library and the session) is IMMUTABLE and PARALLEL SAFE');
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'flux'::regnamespace AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'c') AND prorettype <> 'trigger'::regtype
            AND proname NOT IN ('appliquer_echeances', 'origine_courante')
            AND NOT proisstrict AND proname NOT IN ('classer', 'typologie_adaptee', 'decompte_etapes_ajouter', 'decompte_etapes_combiner', 'jours_feries', 'zone_de', 'audit_ecart', 'rpls_formats_valides')),
            0::bigint, 'every C kernel but classer, typologie_adaptee, the decompte_etapes aggregate''s, audit_ecart (NULLs are data: a side of a row whose key changed) and rpls_formats_valides (an empty RPLS field is NULL), and jours_feries and zone_de (refuse a NULL, 22004, since 0.10.0) is STRICT');
SELECT volatility_is('flux', 'ajouter_jours_ouvres', ARRAY['date', 'integer', 'text'], 'immutable', 'ajouter_jours_ouvres is immutable');
SELECT is((SELECT bool_and(amvalidate(oid)) FROM pg_opclass WHERE opcnamespace = 'flux'::regnamespace), true, 'the btree and hash opclasses are valid');
SELECT has_function('flux', 'jours_ouvres_entre', ARRAY['date', 'date', 'text'], 'jours_ouvres_entre(date, date, text) exists');
SELECT is(flux.est_ferie('2025-06-09'), true, 'the zone defaults to metropole (Whit Monday 2025)');

-- aggregates run in parallel plans: a forced parallel plan gives the serial result
CREATE TABLE many AS SELECT ((i % 3) / 100.0)::flux.taux AS x, (i % 5000 = 0) AS rare FROM generate_series(1, 200000) i;
ANALYZE many;
CREATE TEMP TABLE serial AS
SELECT flux.max(x)::text AS max, flux.min(x)::text AS min, flux.sum(x) FILTER (WHERE rare)::text AS sum FROM many;
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text; acc text := '';
BEGIN
	FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
	RETURN acc;
END $f$;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT matches(pg_temp.plan($$SELECT flux.max(x), flux.min(x), flux.sum(x) FILTER (WHERE rare) FROM many$$),
               'Partial Aggregate', 'the taux aggregates get a parallel (partial) plan');
SELECT results_eq(
	$$SELECT flux.max(x)::text, flux.min(x)::text, flux.sum(x) FILTER (WHERE rare)::text FROM many$$,
	$$SELECT max, min, sum FROM serial$$,
	'max, min and sum in the parallel plan equal the serial result');

SELECT * FROM finish();
ROLLBACK;
