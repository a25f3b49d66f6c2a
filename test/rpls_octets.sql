-- rpls_octets: no byte sequence aborts the staging of an RPLS file or hides
-- one of its lines (0.9.0).  Every physical line is loaded or rejected with
-- its line number and reason, and lues = inserees + mises_a_jour +
-- inchangees + rejetees.
--
-- The hostile file is test/data/rpls_octets.csv (written by
-- test/data/rpls_octets.sh: CRLF, LF and lone CR line ends, an empty line, a
-- line "\.", a NUL byte, a Latin-1 byte, control bytes, quotes, a trailing
-- blank line...), read by psql's \lo_import as the documentation says, with
-- a path relative to the directory pg_prove runs in (the checkout).  In
-- 0.8.0 its \copy failed (not-null violation on the empty line, "unquoted
-- carriage return" on the lone CR, "invalid byte sequence" on the Latin-1
-- byte, "extra data after last expected column" on 0x1F), and the lines
-- after "\.", after a NUL byte or between two 0x1E bytes were silently lost.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(34);

INSERT INTO bailleur (id, siren, nom, famille) VALUES (9601, '900009601', 'Bailleur octets', 'esh');
-- since 0.10.0 a DEPCOM must be a commune of flux.commune
INSERT INTO commune (depcom, nom) VALUES ('01281', 'Ornex') ON CONFLICT DO NOTHING;

-- 1. the hostile file, staged from its bytes: 19 physical lines
\lo_import test/data/rpls_octets.csv
\set fichier :LASTOID
SELECT is(flux.deposer_rpls(lo_get(:fichier)), 19::bigint, 'deposer_rpls stages the 19 physical lines of the file (LF, CRLF, lone CR, a trailing blank line)');
SELECT is((SELECT count(*) FROM rpls_ligne WHERE session = session_chargement() AND probleme IS NOT NULL), 2::bigint,
		  'the 2 lines that are not UTF-8 text (a NUL byte, a Latin-1 byte) are staged escaped, with their problem');
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9601, 2025)$$,
				  $$VALUES (18::bigint, 7::bigint, 0::bigint, 0::bigint, 11::bigint)$$,
				  '18 lines after the header = 7 inserted + 0 updated + 0 unchanged + 11 rejected');
SELECT results_eq($$SELECT ligne, raisons[1] FROM rpls_rejet WHERE bailleur_id = 9601 ORDER BY ligne$$,
	$$VALUES (5, $r$line has 1 fields, the header 8$r$),
			 (6, 'line is empty'),
			 (7, 'NUL byte (0x00) at byte 26'),
			 (8, 'invalid byte sequence for encoding "UTF8": 0xe9 0x70 0x75 (is the file in WIN1252? say so to flux.deposer_rpls)'),
			 (10, 'control character 0x01 at character 26'),
			 (11, 'control character 0x1F at character 26'),
			 (12, 'control character 0x1E at character 26'),
			 (13, 'line has 9 fields, the header 8'),
			 (14, 'line has 3 fields, the header 8'),
			 (18, 'line is empty'),
			 (19, 'line is empty')$$,
	'every bad line is rejected at its physical line number, with its reason');
SELECT results_eq($$SELECT texte FROM rpls_rejet WHERE bailleur_id = 9601 AND ligne IN (5, 7, 8) ORDER BY ligne$$,
				  $$VALUES ('\.'), ('O-04;01281;2;C;3;13;1;rue\000nulle'), ('O-05;01281;2;C;3;13;1;R\351publique')$$,
				  'a rejected line keeps its text; bytes that are not text are shown escaped');
SELECT results_eq($$SELECT ident_int, adresse FROM logement WHERE bailleur_id = 9601 ORDER BY ident_int$$,
	$$VALUES ('O-01', 'rue des Tilleuls'), ('O-02', 'rue du Lac'), ('O-03', 'rue du Stade'),
			 ('O-06', 'République à Ornex'), ('O-12', 'rue "du Port"; bât A'), ('O-13', 'quai Ouest'),
			 ('O-14', 'C:\dossier')$$,
	'the good lines are loaded whole: accents, CSV quotes with ";" and "", a backslash');
SELECT is((SELECT count(*) FROM rpls_ligne WHERE session = session_chargement()), 0::bigint, 'the staged lines are consumed');

-- 2. the same file again: the good lines are counted unchanged, not lost
SELECT flux.deposer_rpls(lo_get(:fichier));
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9601, 2025)$$,
				  $$VALUES (18::bigint, 0::bigint, 0::bigint, 7::bigint, 11::bigint)$$,
				  'a reload: 18 = 0 inserted + 0 updated + 7 unchanged + 11 rejected');
-- in batches of 2 lines, the same count
SELECT flux.deposer_rpls(lo_get(:fichier));
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9601, 2025, lot_taille => 2)$$,
				  $$VALUES (18::bigint, 0::bigint, 0::bigint, 7::bigint, 11::bigint)$$,
				  'in batches of 2 lines: the same counts');
SELECT lo_unlink(:fichier);

-- 3. line ends and the end of the file, one by one
SELECT is(flux.deposer_rpls(convert_to(E'a\rb\rc', 'UTF8')), 3::bigint, 'lone CR line ends (old Mac files): 3 lines');
SELECT is((SELECT array_agg(texte ORDER BY numero) FROM rpls_ligne WHERE session = session_chargement()), '{a,b,c}'::text[], 'the lines, without their CR');
DELETE FROM rpls_ligne WHERE session = session_chargement();
SELECT is(flux.deposer_rpls(convert_to(E'a\r\nb\nc\r', 'UTF8')), 3::bigint, 'mixed CRLF, LF, CR line ends: 3 lines; the last terminator opens no line');
DELETE FROM rpls_ligne WHERE session = session_chargement();
SELECT is(flux.deposer_rpls(convert_to(E'a\r\r\n', 'UTF8')), 2::bigint, 'CR then CRLF: a line, then an empty line');
DELETE FROM rpls_ligne WHERE session = session_chargement();
SELECT is(flux.deposer_rpls(convert_to(E'a\nb', 'UTF8')), 2::bigint, 'no terminator after the last line: it is a line');
DELETE FROM rpls_ligne WHERE session = session_chargement();
SELECT is(flux.deposer_rpls(convert_to(E'a\n\n', 'UTF8')), 2::bigint, 'a trailing blank line is a line');
DELETE FROM rpls_ligne WHERE session = session_chargement();
SELECT is(flux.deposer_rpls(decode('efbbbf', 'hex') || convert_to(E'IDENT_INT\n', 'UTF8')), 1::bigint, 'a UTF-8 byte order mark...');
SELECT is((SELECT texte FROM rpls_ligne WHERE session = session_chargement()), 'IDENT_INT', '... is not part of the header');
DELETE FROM rpls_ligne WHERE session = session_chargement();

-- 4. the file's encoding
SELECT is(flux.deposer_rpls(decode('4f2d3135d9e9', 'hex'), 'LATIN1'), 1::bigint, 'a LATIN1 file said to be LATIN1...');
SELECT is((SELECT texte FROM rpls_ligne WHERE session = session_chargement()), 'O-15Ùé', '... is read as such');
DELETE FROM rpls_ligne WHERE session = session_chargement();
SELECT is(flux.deposer_rpls(decode('4f2d31368081', 'hex'), 'WIN1252'), 1::bigint, 'bytes undefined in WIN1252 ...');
SELECT ok((SELECT probleme LIKE 'character with byte sequence 0x81 in encoding "WIN1252" has no equivalent%' FROM rpls_ligne WHERE session = session_chargement()),
		  '... are the line''s problem, not an error');
DELETE FROM rpls_ligne WHERE session = session_chargement();

-- 5. what cannot be staged at all
SELECT throws_ok($$SELECT flux.deposer_rpls(''::bytea)$$, 'P0002', 'RPLS file is empty', 'an empty file');
SELECT throws_ok($$SELECT flux.deposer_rpls(NULL)$$, '22004', 'RPLS file content is null', 'no content');
SELECT throws_ok($$SELECT flux.deposer_rpls('\x41'::bytea, 'KLINGON')$$, '22023', 'encoding "KLINGON" does not exist', 'an unknown encoding');
SELECT flux.deposer_rpls('\x41'::bytea);
SELECT throws_ok($$SELECT flux.deposer_rpls('\x41'::bytea)$$, '55000', 'RPLS lines are already staged in this session',
				 'a second file before the first is loaded');
DELETE FROM rpls_ligne WHERE session = session_chargement();
SELECT flux.deposer_rpls(decode('494445e94e54', 'hex'));
SELECT throws_ok($$SELECT * FROM charger_rpls(9601, 2025)$$, '22021',
				 'RPLS header (line 1) cannot be read: invalid byte sequence for encoding "UTF8": 0xe9 0x4e 0x54 (is the file in WIN1252? say so to flux.deposer_rpls)',
				 'a header that is not text in the file''s encoding');
DELETE FROM rpls_ligne WHERE session = session_chargement();

-- 6. a file read on the server: what cannot be read is named
SELECT throws_ok($$SELECT flux.deposer_rpls_fichier('/nonexistent/rpls_2025.csv')$$, '58P01',
				 'RPLS file "/nonexistent/rpls_2025.csv" does not exist', 'a missing file');
SELECT throws_ok($$SELECT flux.deposer_rpls_fichier('base')$$, '42809', 'RPLS file "base" is a directory', 'a directory');
SELECT throws_ok($$SELECT flux.deposer_rpls_fichier('')$$, '22023', 'RPLS file path is empty', 'no path');
SELECT is(flux.deposer_rpls_fichier('PG_VERSION'), 1::bigint, 'a file of the server (relative paths start in the data directory)');
SELECT is((SELECT texte FROM rpls_ligne WHERE session = session_chargement()), current_setting('server_version_num')::integer / 10000 || '',
		  'is staged as read');
DELETE FROM rpls_ligne WHERE session = session_chargement();
-- a loader (flux_admin) without the right to read the server's files
CREATE ROLE flux_rpls_octets_sans_droit IN ROLE flux_admin;
GRANT USAGE ON SCHEMA flux TO flux_rpls_octets_sans_droit;
SET ROLE flux_rpls_octets_sans_droit;
SELECT throws_ok($$SELECT flux.deposer_rpls_fichier('PG_VERSION')$$, '42501', 'cannot read RPLS file "PG_VERSION"',
				 'a role without the right to read server files is told so');
RESET ROLE;

-- 7. \copy still works for what COPY can carry: an empty line no longer aborts it
\copy flux.rpls_ligne (texte) FROM 'test/data/rpls_lignes_vides.csv' WITH (FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e')
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9601, 2026)$$,
				  $$VALUES (4::bigint, 0::bigint, 2::bigint, 0::bigint, 2::bigint)$$,
				  '\copy of a file with empty lines: 4 = 0 inserted + 2 updated + 0 unchanged + 2 rejected');
SELECT results_eq($$SELECT ligne, raisons FROM rpls_rejet WHERE bailleur_id = 9601 AND annee_rpls = 2026 ORDER BY ligne$$,
				  $$VALUES (3, '{"line is empty"}'::text[]), (5, '{"line is empty"}'::text[])$$,
				  'the empty lines are rejected at their line numbers');

SELECT * FROM finish();
ROLLBACK;
