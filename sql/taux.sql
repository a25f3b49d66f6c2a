--
-- taux: the flux.taux type
--
SET search_path = flux, public;

-- input: percent with or without '%', decimal point or French comma, blanks
SELECT v AS input, v::flux.taux AS taux
  FROM (VALUES ('30'), ('30%'), ('30 %'), ('12.5%'), ('12,5 %'), (' 0,05 '),
               ('.5'), ('7.'), ('100'), ('100.00 %'), ('0'), ('+3'), ('-0'),
               (E'12,5\u00a0%'), (E'33,33\u202f%')) AS t(v)
 ORDER BY 2, 1;

-- output: the shortest exact form, with '%' and no space
SELECT x::flux.taux FROM (VALUES ('33.33'), ('12.50'), ('0.01'), ('99.9')) t(x);

-- fails: out of range (22003)
SELECT '101%'::flux.taux;
-- fails: out of range, just above 100 %
SELECT '100.01'::flux.taux;
-- fails: negative
SELECT '-0.01%'::flux.taux;
-- fails: a huge number is out of range, not a syntax error
SELECT '99999999999999999999'::flux.taux;
-- fails: more than two decimals (22P02)
SELECT '12.345%'::flux.taux;
-- fails: not a number
SELECT 'trente'::flux.taux;
-- fails: empty
SELECT ''::flux.taux;
-- fails: percent sign alone
SELECT '%'::flux.taux;
-- fails: two percent signs
SELECT '30%%'::flux.taux;
-- fails: both separators
SELECT '1.2,5'::flux.taux;

-- comparison and ordering
SELECT '30'::flux.taux = '30,00 %', '30%'::flux.taux <> '30.01%',
       '5%'::flux.taux < '12%', '5%'::flux.taux <= '5%',
       '12%'::flux.taux > '5%', '12%'::flux.taux >= '12.01%';

CREATE TEMP TABLE parts (nom text, part flux.taux);
INSERT INTO parts VALUES ('etat', '30%'), ('commune', '20 %'), ('action_logement', '12,5'),
                         ('employeur', '0.25'), ('vide', NULL);
SELECT nom, part FROM parts ORDER BY part DESC NULLS LAST, nom;

-- a btree index is usable
CREATE INDEX ON parts (part);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT nom FROM parts WHERE part = '20%';
SELECT nom FROM parts WHERE part = '20%';
RESET enable_seqscan;

-- hashing: GROUP BY and hash joins
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT part, count(*) FROM parts GROUP BY part;
RESET enable_sort;
SELECT part, count(*) FROM parts GROUP BY part ORDER BY part;

-- arithmetic
SELECT '30%'::flux.taux + '12.5%', '30%'::flux.taux - '12.5%', '70%'::flux.taux + '30%';
-- fails: a sum above 100 %
SELECT '70%'::flux.taux + '30.01%';
-- fails: a negative difference
SELECT '10%'::flux.taux - '12.5%';

-- aggregates (NULLs are ignored; nothing gives NULL)
SELECT sum(part), min(part), max(part), count(part) FROM parts;
SELECT sum(part), min(part), max(part) FROM parts WHERE false;
-- fails: shares of one flow can never add up to more than 100 %
SELECT sum(part) FROM (VALUES ('60%'::flux.taux), ('40%'), ('0.01%')) v(part);

-- casts, in percent units
SELECT '12.5%'::flux.taux::numeric, '0%'::flux.taux::numeric, 30.00::flux.taux,
       12.5::flux.taux, 0.05::flux.taux, 30::flux.taux, 12.340::flux.taux;
-- fails: numeric out of range
SELECT 100.5::flux.taux;
-- fails: not exact to the hundredth
SELECT 12.345::flux.taux;
-- fails: NaN
SELECT 'NaN'::numeric::flux.taux;
-- fails: integer out of range
SELECT 101::flux.taux;
-- assignment casts let a numeric or integer column feed a taux column
INSERT INTO parts VALUES ('numeric', 7.5), ('integer', 3);
SELECT nom, part FROM parts WHERE nom IN ('numeric', 'integer') ORDER BY nom;

-- binary I/O: network-order int32 of hundredths
SELECT flux.taux_send('12.5%'), flux.taux_send('100%'), flux.taux_send('0');
CREATE TEMP TABLE bin (part flux.taux);
\copy (SELECT part FROM parts WHERE part IS NOT NULL ORDER BY part) TO 'results/taux.bin' WITH (FORMAT binary)
\copy bin FROM 'results/taux.bin' WITH (FORMAT binary)
SELECT part FROM bin ORDER BY part;
-- fails: a binary value outside [0, 10000] hundredths is refused on receive
\copy (SELECT 10001) TO 'results/taux.bin' WITH (FORMAT binary)
\copy bin FROM 'results/taux.bin' WITH (FORMAT binary)

-- text round trip: output parses back to the same value, for every value
SELECT count(*) AS values_checked,
       count(*) FILTER (WHERE (x::text)::flux.taux <> x) AS mismatches
  FROM (SELECT (i / 100.0)::flux.taux AS x FROM generate_series(0, 10000) i) s;

-- hash partitioning on a taux column (0.2.0: extended hash support)
CREATE TEMP TABLE parts_h (part flux.taux) PARTITION BY HASH (part);
CREATE TEMP TABLE parts_h0 PARTITION OF parts_h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TEMP TABLE parts_h1 PARTITION OF parts_h FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO parts_h SELECT (i / 4.0)::flux.taux FROM generate_series(0, 400) i;
SELECT count(*), count(DISTINCT tableoid) AS partitions_used FROM parts_h;
