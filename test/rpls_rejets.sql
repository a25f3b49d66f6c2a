--
-- RPLS loading, cleaner rejects (issue 14 item 10): the communes from
-- INSEE's COG (test/data/cog_communes.csv, a sample of v_commune_2024.csv),
-- a DEPCOM flux does not know, a duplicate IDENT_REP, a reload, a short
-- line, the staged lines of a failed call.
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(27);

INSERT INTO bailleur (id, siren, nom, famille) VALUES (9701, '900009701', 'Bailleur rejets', 'esh');
DELETE FROM commune;

-- 1. no commune known: the load stops before reading a line
INSERT INTO rpls_ligne (texte) VALUES ('IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV'), ('R-1;01281;2;C;3;13;1');
SELECT throws_ok($$SELECT * FROM charger_rpls(9701, 2025)$$, '55000', 'no commune is known to flux',
				 'an RPLS load with flux.commune empty');

-- 2. the COG communes file: COM and ARM loaded, COMD ignored, a quoted name
\lo_import test/data/cog_communes.csv
\set cog :LASTOID
CREATE TEMP TABLE cog AS SELECT lo_get(:cog) AS octets;
SELECT lo_unlink(:cog);
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, ignorees FROM charger_communes_cog((SELECT octets FROM cog))$$,
				  $$VALUES (8::bigint, 7::bigint, 0::bigint, 1::bigint)$$,
				  'COG: 8 lines = 7 communes and arrondissements inserted + 1 commune déléguée ignored');
SELECT results_eq($$SELECT depcom, nom, departement FROM commune ORDER BY depcom$$,
				  $$VALUES ('01001', 'L''Abergement-Clémenciat', '01'), ('01015', 'Arboys en Bugey', '01'),
						   ('01281', 'Ornex', '01'), ('2A004', 'Ajaccio', '2A'), ('75056', 'Paris', '75'),
						   ('75101', 'Paris 1er Arrondissement', '75'), ('97411', 'Saint-Denis', '974')$$,
				  'the communes, by LIBELLE (quotes removed); the commune déléguée 01015 does not rename its commune nouvelle');
UPDATE commune SET epci = '240100750', zone_tendue = true WHERE depcom = '01281';
UPDATE commune SET nom = 'Ornex (ancien nom)' WHERE depcom = '01281';
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, ignorees FROM charger_communes_cog((SELECT octets FROM cog))$$,
				  $$VALUES (8::bigint, 0::bigint, 1::bigint, 1::bigint)$$, 'COG reloaded: only the changed name is written');
SELECT results_eq($$SELECT nom, epci, zone_tendue FROM commune WHERE depcom = '01281'$$,
				  $$VALUES ('Ornex', '240100750', true)$$, '... its EPCI and zone_tendue are kept');
SELECT throws_ok($$SELECT * FROM charger_communes_cog(convert_to(E'CODGEO,LIBGEO\n01001,X\n', 'UTF8'))$$,
				 '22023', 'COG header lacks TYPECOM, COM or LIBELLE', 'not a COG communes file');
SELECT throws_ok($$SELECT * FROM charger_communes_cog(convert_to(E'TYPECOM,COM,LIBELLE\nCOM,1001,X\n', 'UTF8'))$$,
				 '22023', 'COG line 2 is not a commune: code 1001, name X', 'a code that is not a commune''s');
SELECT throws_ok($$SELECT * FROM charger_communes_cog(NULL)$$, '22004', 'COG file content is null', 'NULL content');

-- 3. the staged lines of the failed call of part 1 are dropped by the next staging
SELECT is((SELECT count(*) FROM rpls_ligne WHERE session = session_chargement()), 2::bigint,
		  'the failed call left its 2 lines (its own work is rolled back)');
SELECT is(deposer_rpls(convert_to(E'IDENT_REP;IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV\n'
								  '0100000001;R-1;01281;2;C;3;13;1\n'
								  '0100000002;R-2;01999;2;C;3;13;1\n'
								  '0100000001;R-3;01001;2;C;2;13;1\n'
								  '0100000004;R-4;01001;2\n'
								  '0100000005;R-5;01001;2;C;2;13;1;x;y\n'
								  '0100000006;R-6;01015;2;C;2;13;1\n', 'UTF8')), 7::bigint,
		  'deposer_rpls after a failed load: no "already staged" refusal');
SELECT is((SELECT count(*) FROM rpls_ligne WHERE session = session_chargement()), 7::bigint,
		  '... only the new file''s 7 lines are staged (the 2 left before are dropped)');

-- 4. a failed call keeps the lines for a retry until the session stages again
SELECT throws_ok($$SELECT * FROM charger_rpls(999999, 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'a wrong bailleur');
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9701, 2025)$$,
				  $$VALUES (6::bigint, 2::bigint, 0::bigint, 0::bigint, 4::bigint)$$,
				  'the retry with the right bailleur loads the same lines: 6 = 2 + 0 + 0 + 4');

-- 5. the reasons
SELECT results_eq($$SELECT ligne, ident_int, raisons FROM rpls_rejet WHERE bailleur_id = 9701 ORDER BY ligne$$,
				  $$VALUES (3, 'R-2', ARRAY['DEPCOM ''01999'' is not a commune known to flux (flux.commune)']),
						   (4, 'R-3', ARRAY['IDENT_REP ''0100000001'' is already on line 2 (IDENT_INT ''R-1''): one RPLS number per unit']),
						   (5, 'R-4', ARRAY['line has 4 fields, the header 8']),
						   (6, 'R-5', ARRAY['line has 10 fields, the header 8'])$$,
				  'unknown DEPCOM; duplicate IDENT_REP naming both lines; a short or long line: one reason');
SELECT is((SELECT count(*) FROM logement WHERE bailleur_id = 9701 AND ident_rep = '0100000001'), 1::bigint,
		  'the first line keeps the RPLS number');

-- 6. the same file again: its rejects are not duplicated
SELECT is(deposer_rpls(convert_to(E'IDENT_REP;IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV\n'
								  '0100000001;R-1;01281;2;C;3;13;1\n'
								  '0100000002;R-2;01999;2;C;3;13;1\n'
								  '0100000001;R-3;01001;2;C;2;13;1\n'
								  '0100000004;R-4;01001;2\n'
								  '0100000005;R-5;01001;2;C;2;13;1;x;y\n'
								  '0100000006;R-6;01015;2;C;2;13;1\n', 'UTF8')), 7::bigint, 'the same file staged again');
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9701, 2025)$$,
				  $$VALUES (6::bigint, 0::bigint, 0::bigint, 2::bigint, 4::bigint)$$, 'reloaded: 6 = 0 + 0 + 2 + 4');
SELECT is((SELECT count(*) FROM rpls_rejet WHERE bailleur_id = 9701), 4::bigint, '... still 4 rejects, not 8');
SELECT is((SELECT array_agg(ligne ORDER BY ligne) FROM rpls_rejet WHERE bailleur_id = 9701), '{3,4,5,6}'::integer[],
		  '... once each line');

-- 7. the corrected line loads; a reject is a line (number and text) of a
-- load: the one of the earlier text stays, with its earlier rejete_le
INSERT INTO rpls_ligne (texte) VALUES ('IDENT_REP;IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV'),
	('0100000002;R-2;01001;2;C;3;13;1');
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(9701, 2025)$$,
				  $$VALUES (1::bigint, 1::bigint, 0::bigint, 0::bigint, 0::bigint)$$, 'the corrected line of R-2 loads');
SELECT is((SELECT array_agg(ident_int ORDER BY ligne) FROM rpls_rejet WHERE bailleur_id = 9701), '{R-2,R-3,R-4,R-5}'::text[],
		  '... the reject of its earlier text is kept (keyed by line and text)');
SELECT throws_ok($$INSERT INTO rpls_rejet (bailleur_id, annee_rpls, ligne, raisons, texte)
				   SELECT bailleur_id, annee_rpls, ligne, raisons, texte FROM rpls_rejet WHERE bailleur_id = 9701 AND ligne = 4$$,
				 '23505', NULL, 'one reject per bailleur, year, line and text (rpls_rejet_une_fois)');

-- 8. a \copy-like INSERT after a failed call drops its lines too (the trigger)
INSERT INTO rpls_ligne (texte) VALUES ('IDENT_INT;DEPCOM'), ('X;01281');
SELECT throws_ok($$SELECT * FROM charger_rpls(9701, 2025)$$, '22023', NULL, 'a header without its columns');
INSERT INTO rpls_ligne (texte) VALUES ('IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV'), ('R-7;01281;2;C;3;13;1');
SELECT is((SELECT array_agg(texte ORDER BY numero) FROM rpls_ligne WHERE session = session_chargement()),
		  '{IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV,R-7;01281;2;C;3;13;1}'::text[],
		  'the new staging starts with its own header: the failed call''s lines are dropped');
SELECT results_eq($$SELECT lues, inserees, rejetees FROM charger_rpls(9701, 2025)$$,
				  $$VALUES (1::bigint, 1::bigint, 0::bigint)$$, '... and it loads');
SELECT is((SELECT count(*) FROM rpls_ligne WHERE session = session_chargement()), 0::bigint, 'nothing left staged');
SELECT is((SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
			 AND classid = 1179407704 AND objid = 1380994131), 0::bigint, 'a load that succeeds leaves no mark');

SELECT * FROM finish();
ROLLBACK;
