-- fuzz_c: random calls of every C function of flux, found in the catalog
-- (pg_proc, prolang = c, schema flux), with wide values, NULLs and hostile
-- arrays (test/fuzz_c_generateur.psql says which values and what is not
-- called directly).  Each call is its own statement (statement_timeout
-- applies to each) and runs in a subtransaction that records its SQLSTATE.
-- A call that crashes the server ends this file (connection lost): pg_prove
-- reports it as failed, with the assertions below not run.
-- test/fuzz_explorer.sh runs the same calls one per line to list every
-- crash, not just the first.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(11);

\ir fuzz_c_generateur.psql

SELECT pg_backend_pid() AS fz_pid \gset
SET client_min_messages = warning;
SET statement_timeout = '10s';
\o /dev/null
SELECT format('SELECT pg_temp.fz_executer(%s)', id) FROM fz_appel ORDER BY id \gexec
\o
RESET statement_timeout;
RESET client_min_messages;

-- the functions fuzzed, and how
-- the C functions of the catalog (not fz_fonction: a function left out with
-- fz_exclure shows here)
CREATE TEMP VIEW fz_catalogue AS
SELECT p.oid AS fn, p.oid::regprocedure::text AS signature, p.prorettype = 'trigger'::regtype AS declencheur
  FROM pg_proc p
 WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
   AND p.pronamespace = 'flux'::regnamespace;
SELECT cmp_ok((SELECT count(*) FROM fz_catalogue), '>=', 40::bigint,
              'the catalog lists the C functions of flux (40 in 0.8.0)');
SELECT is_empty($$SELECT signature, raison FROM fz_fonction
                   WHERE genre = 'saute' AND (SELECT prorettype FROM pg_proc WHERE oid = fn) <> 'trigger'::regtype$$,
                'every C function is called (directly, or through binary COPY), except trigger functions');
SELECT is_empty($$SELECT c.signature, count(a.id) AS appels
                    FROM fz_catalogue c LEFT JOIN fz_appel a ON a.fn = c.fn
                   WHERE NOT c.declencheur
                   GROUP BY c.signature HAVING count(a.id) < 40$$,
                'every C function but the trigger got at least 40 calls');
SELECT is((SELECT count(*) FROM fz_resultat), (SELECT count(*) FROM fz_appel),
          'every call was made and its outcome recorded');
SELECT is_empty($$SELECT f.signature FROM fz_fonction f
                   WHERE f.genre <> 'saute'
                     AND NOT EXISTS (SELECT FROM fz_appel a JOIN fz_resultat r USING (id)
                                      WHERE a.fn = f.fn AND r.sqlstate IS NULL)$$,
                'every C function returned normally at least once (the calls reach past its checks)');

-- what the calls raised
SELECT is_empty($$SELECT a.id, a.signature, r.sqlstate, r.message, left(a.sql, 400) AS appel
                    FROM fz_appel a JOIN fz_resultat r USING (id)
                   WHERE r.sqlstate ~ '^(XX|58)' ORDER BY a.id$$,
                'no call raised an internal error (class XX) or a system error (class 58)');
SELECT is_empty($$SELECT a.id, a.signature, r.message FROM fz_appel a JOIN fz_resultat r USING (id)
                   WHERE r.sqlstate = 'P0001'$$,
                'no C function raised the generic P0001');
SELECT is_empty($$SELECT a.id, a.signature, r.duree, left(a.sql, 400) AS appel
                    FROM fz_appel a JOIN fz_resultat r USING (id)
                   WHERE r.sqlstate = '57014' ORDER BY a.id$$,
                'no call ran into the 10 s statement_timeout');
-- Errors that core functions raise on flux's behalf carry no hint; every
-- other one does (flux's own errors always give one).  The core ones seen:
--   numeric overflow past 10^131072 (numeric_mul), integer out of range
--   (numeric_int4), and the binary-input frame checks of COPY.
SELECT is_empty($$SELECT a.signature, r.sqlstate, r.message, count(*) AS appels
                    FROM fz_appel a JOIN fz_resultat r USING (id)
                   WHERE r.sqlstate IS NOT NULL AND r.hint IS NULL
                     AND r.message !~ '^(value overflows numeric format|integer out of range|insufficient data left in message|incorrect binary data format)'
                   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3$$,
                'every error a flux function raises carries a hint');
SELECT is_empty($$SELECT a.signature, r.sqlstate, count(*) FROM fz_appel a JOIN fz_resultat r USING (id)
                   WHERE r.sqlstate IS NOT NULL
                     AND r.sqlstate !~ '^(22|54|08P01)'
                   GROUP BY 1, 2 ORDER BY 1, 2$$,
                'every error is a data exception (class 22), a program limit (54) or a binary-frame error (08P01)');

SELECT is(pg_backend_pid(), :fz_pid,
          'the session survived every call (same backend as before them)');

SELECT * FROM finish();
ROLLBACK;
