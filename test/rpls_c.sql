--
-- rpls_c: the per-line tests of flux.charger_rpls in C (0.13.0, src/rpls.c)
-- give the answers of the SQL they replace, on hostile inputs: random
-- strings of digits, letters of both cases, separators, blanks, control
-- characters, quotes and non-ASCII characters (accented letters, Arabic and
-- full-width digits, which no [0-9] matches), near misses of every format,
-- NULLs, and long values.  A disagreement would either lose a reason (C says
-- valid, the SQL would not) or cost time (C says invalid, the SQL finds no
-- reason); both are counted here.
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(12);

SELECT setseed(0.17);

-- a random string of 0 to 12 characters drawn from a hostile alphabet
CREATE FUNCTION pg_temp.hasard() RETURNS text LANGUAGE sql VOLATILE AS $$
	SELECT string_agg(substr(a.s, 1 + floor(random() * length(a.s))::int, 1), '')
	  FROM (SELECT E'0123456789012345678918192000AZBCIEabz.,;;  \t"\x01\x1f\x7f\u00e9\u00b2\u0663\uff11\uff21-+'::text AS s) a,
		   generate_series(1, floor(random() * 13)::int)
$$;

-- one of the values given, or a random string, or NULL
CREATE FUNCTION pg_temp.parmi(v text[]) RETURNS text LANGUAGE sql VOLATILE AS $$
	SELECT CASE WHEN r < 0.6 THEN v[1 + floor(random() * cardinality(v))::int]
				WHEN r < 0.9 THEN pg_temp.hasard() END
	  FROM (SELECT random() AS r) x
$$;

-- the SQL of flux.charger_rpls 0.12.0: a reason is given when its condition is true
CREATE FUNCTION pg_temp.sql_valides(ident_int text, ident_rep text, depcom text, epci text, qpv text,
									typeconst text, nbpiece text, surfhab text, construct text, locat text,
									patrimoine text, origine text, finan text, cus text, conv text,
									sortiepatrim text, mode text, loyerprinc text, contreslog text)
	RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT NOT ((ident_int IS NULL) IS TRUE
		OR (ident_rep !~ '^[0-9A-Z]{10}$') IS TRUE
		OR (depcom IS NULL OR depcom !~ '^([0-9]{5}|2[AB][0-9]{3})$') IS TRUE
		OR (epci !~ '^[0-9]{9}$') IS TRUE
		OR (qpv IS NULL OR qpv NOT IN ('1', '2')) IS TRUE
		OR (typeconst IS NULL OR typeconst NOT IN ('C', 'I', 'E')) IS TRUE
		OR (nbpiece IS NULL OR nbpiece NOT IN ('1', '2', '3', '4', '5', '6', '7', '8', '9')) IS TRUE
		OR (surfhab !~ '^[0-9]{1,5}([.,][0-9]{1,2})?$' OR surfhab ~ '^0+([.,]0*)?$') IS TRUE
		OR (construct !~ '^(18|19|20)[0-9]{2}$') IS TRUE
		OR (locat !~ '^(18|19|20)[0-9]{2}$') IS TRUE
		OR (patrimoine !~ '^(18|19|20)[0-9]{2}$') IS TRUE
		OR (origine NOT IN ('1', '2', '3', '4')) IS TRUE
		OR (finan IS NULL OR finan !~ '^[0-9]{2}$') IS TRUE
		OR (cus NOT IN ('11', '13', '14', '16')) IS TRUE
		OR (conv IS NULL OR conv NOT IN ('1', '2')) IS TRUE
		OR (sortiepatrim NOT IN ('1', '2', '3', '4', '5', '9')) IS TRUE
		OR (mode NOT IN ('1', '2', '3', '4', '5', '9')) IS TRUE
		OR (loyerprinc !~ '^[0-9]{1,7}([.,][0-9]{1,2})?$') IS TRUE
		OR (contreslog NOT IN ('1', '2', '3', '4', '5', '6', '7')) IS TRUE)
$$;

-- 1-3. flux.rpls_ligne_speciale against the regular expression, on 20 000
-- random lines and on lines built around the separators
CREATE TEMP TABLE lignes AS
SELECT pg_temp.hasard() || CASE WHEN random() < 0.5 THEN ';' || pg_temp.hasard() ELSE '' END AS t
  FROM generate_series(1, 20000);
INSERT INTO lignes VALUES (''), (' '), (';'), (' ;'), ('; '), ('a ; b'), ('a;b'), ('a;b '), (' a;b'), ('a;;b'),
	(E'a\tb'), (E'a\x01'), (E'\x7f'), ('"'), ('a"b'), (E'\u00e9;\u00e9'), (E'\u00a0;\u00a0'), (repeat('9;', 50000));
SELECT is((SELECT count(*) FROM lignes l
			WHERE rpls_ligne_speciale(l.t) IS DISTINCT FROM (l.t = '' OR l.t ~ E'[\\x01-\\x1f\\x7f"]|[ ];|;[ ]|^[ ]|[ ]$')),
		  0::bigint, 'rpls_ligne_speciale: the answer of the regular expression on every line (20 018 lines)');
SELECT ok((SELECT count(*) FILTER (WHERE rpls_ligne_speciale(l.t)) BETWEEN 1000 AND 19000 FROM lignes l),
		  'the random lines are of both kinds (the comparison is not trivial)');
SELECT is(rpls_ligne_speciale(NULL), NULL, 'rpls_ligne_speciale(NULL) is NULL (STRICT)');

-- 4-6. flux.rpls_formats_valides against the SQL, on 30 000 random lines
-- whose fields are mostly valid codes and near misses
CREATE TEMP TABLE champs AS
SELECT pg_temp.parmi('{B-1,x,"",0}') AS ident_int,
	   pg_temp.parmi('{9300000001,AZ09AZ09AZ,9300000001 ,93000000012,a300000001,930000000,"",930000000\u0663}') AS ident_rep,
	   pg_temp.parmi('{93001,2A004,2B999,2C004,2a004,9300,930011,"",\uff19\uff13001}') AS depcom,
	   pg_temp.parmi('{200054781,20005478,2000547811,"",20005478a}') AS epci,
	   pg_temp.parmi('{1,2,0,3,11,""}') AS qpv,
	   pg_temp.parmi('{C,I,E,c,Z,CI,""}') AS typeconst,
	   pg_temp.parmi('{1,5,9,0,10,01,""}') AS nbpiece,
	   pg_temp.parmi('{45,45.5,"45,25",99999,100000,45.,.5,"45,123",0,"0,0",0.00,00,0.,"0,01",00001,"",1e3}') AS surfhab,
	   pg_temp.parmi('{1800,1999,2000,2099,1799,2100,1700,180,18000,"",\u0661\u0669\u0669\u0669}') AS construct,
	   pg_temp.parmi('{1961,2020,1899,2101}') AS locat,
	   pg_temp.parmi('{1961,2020,1899,2101}') AS patrimoine,
	   pg_temp.parmi('{1,4,0,5,""}') AS origine,
	   pg_temp.parmi('{13,10,52,1,130,"",a1,99}') AS finan,
	   pg_temp.parmi('{11,13,14,16,12,1,110,""}') AS cus,
	   pg_temp.parmi('{1,2,0,3,""}') AS conv,
	   pg_temp.parmi('{1,5,9,6,0,""}') AS sortiepatrim,
	   pg_temp.parmi('{1,5,9,6,0,""}') AS mode,
	   pg_temp.parmi('{300,1234567,12345678,"300,5",300.55,300.555,0,"",.5}') AS loyerprinc,
	   pg_temp.parmi('{1,7,0,8,""}') AS contreslog
  FROM generate_series(1, 30000);
-- and lines valid but for one field, each field in turn a random string
INSERT INTO champs
SELECT CASE WHEN k = 1 THEN h ELSE 'B-1' END, CASE WHEN k = 2 THEN h ELSE '9300000001' END,
	   CASE WHEN k = 3 THEN h ELSE '93001' END, CASE WHEN k = 4 THEN h ELSE '200054781' END,
	   CASE WHEN k = 5 THEN h ELSE '1' END, CASE WHEN k = 6 THEN h ELSE 'C' END, CASE WHEN k = 7 THEN h ELSE '3' END,
	   CASE WHEN k = 8 THEN h ELSE '65,4' END, CASE WHEN k = 9 THEN h ELSE '1961' END,
	   CASE WHEN k = 10 THEN h ELSE '1962' END, CASE WHEN k = 11 THEN h ELSE '1962' END,
	   CASE WHEN k = 12 THEN h ELSE '1' END, CASE WHEN k = 13 THEN h ELSE '13' END,
	   CASE WHEN k = 14 THEN h ELSE '14' END, CASE WHEN k = 15 THEN h ELSE '1' END,
	   CASE WHEN k = 16 THEN h ELSE '9' END, CASE WHEN k = 17 THEN h ELSE '1' END,
	   CASE WHEN k = 18 THEN h ELSE '450' END, CASE WHEN k = 19 THEN h ELSE '3' END
  FROM (SELECT 1 + (i % 19) AS k, CASE WHEN i % 7 = 0 THEN NULL ELSE pg_temp.hasard() END AS h
		  FROM generate_series(1, 19000) i) x;
SELECT is((SELECT count(*) FROM champs c
			WHERE rpls_formats_valides(c.ident_int, c.ident_rep, c.depcom, c.epci, c.qpv, c.typeconst, c.nbpiece,
									   c.surfhab, c.construct, c.locat, c.patrimoine, c.origine, c.finan, c.cus,
									   c.conv, c.sortiepatrim, c.mode, c.loyerprinc, c.contreslog)
				  IS DISTINCT FROM
				  pg_temp.sql_valides(c.ident_int, c.ident_rep, c.depcom, c.epci, c.qpv, c.typeconst, c.nbpiece,
									  c.surfhab, c.construct, c.locat, c.patrimoine, c.origine, c.finan, c.cus,
									  c.conv, c.sortiepatrim, c.mode, c.loyerprinc, c.contreslog)),
		  0::bigint, 'rpls_formats_valides: the answer of the SQL tests on every line (49 000 lines)');
SELECT ok((SELECT count(*) FILTER (WHERE pg_temp.sql_valides(c.ident_int, c.ident_rep, c.depcom, c.epci, c.qpv,
							c.typeconst, c.nbpiece, c.surfhab, c.construct, c.locat, c.patrimoine, c.origine,
							c.finan, c.cus, c.conv, c.sortiepatrim, c.mode, c.loyerprinc, c.contreslog))
			 BETWEEN 1000 AND 48000 FROM champs c),
		  'the lines are valid and invalid (the comparison is not trivial)');
SELECT is(rpls_formats_valides('B-1', NULL, '2A004', NULL, '2', 'E', '9', NULL, NULL, NULL, NULL, NULL, '52',
							   NULL, '2', NULL, NULL, NULL, NULL),
		  true, 'the optional fields may be NULL');

-- 7-10. each required field, NULL, is refused (the SQL gives a reason)
SELECT is(rpls_formats_valides(NULL, NULL, '93001', NULL, '1', 'C', '1', NULL, NULL, NULL, NULL, NULL, '13',
							   NULL, '1', NULL, NULL, NULL, NULL),
		  false, 'IDENT_INT NULL: not valid');
SELECT is(rpls_formats_valides('B-1', NULL, NULL, NULL, '1', 'C', '1', NULL, NULL, NULL, NULL, NULL, '13',
							   NULL, '1', NULL, NULL, NULL, NULL),
		  false, 'DEPCOM NULL: not valid');
SELECT is(rpls_formats_valides('B-1', NULL, '93001', NULL, '1', 'C', '1', NULL, NULL, NULL, NULL, NULL, NULL,
							   NULL, '1', NULL, NULL, NULL, NULL),
		  false, 'FINAN NULL: not valid');
SELECT is(rpls_formats_valides('B-1', NULL, '93001', NULL, '1', 'C', '1', repeat('9', 100000), NULL, NULL, NULL,
							   NULL, '13', NULL, '1', NULL, NULL, repeat('9', 1000000), NULL),
		  false, 'long values: read by their length, not valid');

-- 11-12. in flux.charger_rpls: a line that C finds valid gets no reason, a
-- line of near misses every reason of the SQL, in its order
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9718, '900009718', 'Bailleur C', 'esh');
INSERT INTO commune (depcom, nom) VALUES ('93001', 'Aubervilliers') ON CONFLICT DO NOTHING;
SET client_min_messages = warning;
INSERT INTO rpls_ligne (texte) VALUES
	('IDENT_REP;IDENT_INT;DEPCOM;EPCI;QPV;TYPECONST;NBPIECE;SURFHAB;CONSTRUCT;FINAN;CUS;CONV;LOYERPRINC'),
	('9300009718;C-1;93001;200054781;1;C;3;0,5;1800;13;16;2;1234567,89'),
	('93000097x8;C-2;2C001;20005478;0;c;10;0,00;2101;1;12;3;12345678');
SELECT results_eq($$SELECT lues, inserees, rejetees FROM charger_rpls(9718, 2025)$$,
				  $$VALUES (2::bigint, 1::bigint, 1::bigint)$$, 'one line loaded, one rejected');
RESET client_min_messages;
SELECT is((SELECT raisons FROM rpls_rejet WHERE bailleur_id = 9718),
		  ARRAY['IDENT_REP ''93000097x8'' is not 10 characters', 'DEPCOM ''2C001'' is not an INSEE commune code',
				'EPCI ''20005478'' is not a 9-digit SIREN', 'QPV ''0'' is not 1 or 2',
				'TYPECONST ''c'' is not C, I or E', 'NBPIECE ''10'' is not 1 to 9',
				'SURFHAB ''0,00'' is not an area in m' || chr(178), 'CONSTRUCT ''2101'' is not a year',
				'FINAN ''1'' is not an RPLS financing code', 'CUS ''12'' is not 11, 13, 14 or 16',
				'CONV ''3'' is not 1 or 2', 'LOYERPRINC ''12345678'' is not an amount'],
		  'the line of near misses: every reason, in the order of the SQL');

SELECT * FROM finish();
ROLLBACK;
