-- fuzz: random strings into the flux.taux input function; each must parse
-- (and then round-trip, within [0 %, 100 %]) or raise a class-22 error.
-- Plus a differential check of text input against numeric input.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(7);

CREATE TEMP TABLE fuzz (s text, outcome text, detail text);

DO $$
DECLARE
	alphabet text[] := ARRAY['0','1','2','3','4','5','6','7','8','9','0','1','5',
	                         '.', ',', '%', ' ', '-', '+', 'e', 'a', 'x', E'\t',
	                         E'\u00a0', E'\u202f', 'é', '€', '''', '"', '%%', '00', '100'];
	s text;
	t flux.taux;
	i integer;
	j integer;
BEGIN
	PERFORM setseed(0.2026);
	FOR i IN 1 .. 20000 LOOP
		s := '';
		FOR j IN 1 .. (random() * 8)::integer LOOP
			s := s || alphabet[1 + floor(random() * array_length(alphabet, 1))::integer];
		END LOOP;
		IF i % 1000 = 0 THEN
			s := repeat('9', 30 + i / 1000);       -- very long digit strings
		END IF;
		BEGIN
			t := s::flux.taux;
			IF t::text::flux.taux <> t OR t::numeric NOT BETWEEN 0 AND 100 THEN
				INSERT INTO fuzz VALUES (s, 'bad-parse', t::text);
			ELSE
				INSERT INTO fuzz VALUES (s, 'parsed', t::text);
			END IF;
		EXCEPTION WHEN OTHERS THEN
			IF SQLSTATE LIKE '22%' THEN
				INSERT INTO fuzz VALUES (s, 'error-22', SQLSTATE);
			ELSE
				INSERT INTO fuzz VALUES (s, 'other', SQLSTATE || ' ' || SQLERRM);
			END IF;
		END;
	END LOOP;
END
$$;

SELECT is((SELECT count(*) FROM fuzz), 20000::bigint, '20 000 random strings were fed to taux_in');
SELECT is((SELECT count(*) FROM fuzz WHERE outcome IN ('other', 'bad-parse')), 0::bigint,
          'every string either parsed and round-tripped, or raised a 22xxx error');
SELECT cmp_ok((SELECT count(*) FROM fuzz WHERE outcome = 'parsed'), '>', 100::bigint,
              'many strings parsed (the test is not vacuous)');
SELECT cmp_ok((SELECT count(DISTINCT detail) FROM fuzz WHERE outcome = 'error-22'), '>=', 2::bigint,
              'both 22P02 and 22003 were raised');
SELECT bag_eq($$SELECT DISTINCT detail FROM fuzz WHERE outcome = 'error-22'$$,
              $$VALUES ('22P02'), ('22003')$$, 'no other SQLSTATE than 22P02 and 22003');

-- differential: text input = numeric input for every valid value with up to 2 decimals
SELECT is((SELECT count(*) FROM generate_series(0, 10000) i
            WHERE ((i / 100) || ',' || lpad((i % 100)::text, 2, '0'))::flux.taux <> (i / 100.0)::flux.taux),
          0::bigint, 'French-comma text input agrees with the numeric cast on all 10 001 values');
SELECT is((SELECT count(*) FROM generate_series(0, 10000) i
            WHERE flux.taux_send((i / 100.0)::flux.taux) <> int4send(i)),
          0::bigint, 'binary output is the int4 of hundredths for all 10 001 values');

SELECT * FROM finish();
ROLLBACK;
