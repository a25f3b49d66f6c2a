--
-- transmission (issue 17 item 5): what was transmitted stays as
-- transmitted.  The year of test/acces_matrice.psql (bailleur 9600 in the
-- 74, the State 9601, Action Logement 9602, EPCI 200000151): the staff
-- sends the State's bilan and the EPCI's, the data is corrected after,
-- the difference shows and the frozen figures stay; a correction sent is
-- a second version; the frozen rows are immutable; a partner reads its own.
-- Hand-computed: the State's 'prioritaires' obligation counts its 2
-- attributions (B, DALO; C, priority): 2 of 2 met; C made non-priority
-- after sending, 1 of 2 today.
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SELECT plan(39);
\ir acces_matrice.psql

SET ROLE regress_acces_gest;
CREATE TEMP TABLE v (nom text PRIMARY KEY, id bigint);
INSERT INTO v SELECT 'etat', flux.transmettre_bilan(9600, '74', 2025, reservataire => 9601, date_envoi => '2026-02-20',
													 moyen => 'courriel');
INSERT INTO v SELECT 'epci', flux.transmettre_bilan(9600, '74', 2025, epci => '200000151', date_envoi => '2026-03-20');
RESET ROLE;
GRANT SELECT ON v TO PUBLIC;

SELECT results_eq($$SELECT version, date_envoi, transmis_par FROM flux.bilan_transmis WHERE id = (SELECT id FROM v WHERE nom = 'etat')$$,
				  $$VALUES (1, '2026-02-20'::date, 'regress_acces_gest'::text)$$, 'the State''s bilan is frozen: version 1, its date, who sent it');
SELECT results_eq($$SELECT date_envoi, moyen FROM flux.transmission_bilan WHERE reservataire_id = 9601$$,
				  $$VALUES ('2026-02-20'::date, 'courriel'::text)$$, 'and recorded as sent (flux.transmission_bilan)');
SELECT is((SELECT date_envoi FROM flux.transmissions WHERE reservataire_id = 9601 AND annee = 2025), '2026-02-20'::date,
		  'flux.transmissions reads it');
SELECT results_eq($$SELECT obligation, concernes, atteints FROM flux.rapport_reservataire_obligations_transmis
					 WHERE reservataire_id = 9601 AND annee = 2025 ORDER BY obligation$$,
				  $$SELECT obligation, concernes, atteints FROM flux.rapport_reservataire_obligations(9601, 2025) ORDER BY obligation$$,
				  'the frozen obligations are the report''s');
SELECT is((SELECT atteints FROM flux.rapport_reservataire_obligations_transmis WHERE reservataire_id = 9601 AND obligation = 'prioritaires'),
		  2::bigint, '2 priority attributions of 2 (hand-computed)');
SELECT results_eq($$SELECT section, sha256 FROM flux.bilan_transmis_document WHERE version_id = (SELECT id FROM v WHERE nom = 'etat') ORDER BY section$$,
				  $$SELECT s, encode(sha256(convert_to(flux.csv_reservataire(9601, 2025, s), 'UTF8')), 'hex')
					  FROM unnest('{detail,obligations,parts}'::text[]) s ORDER BY s$$,
				  'each section''s checksum is the sha256 of the CSV document flux.csv_reservataire gives');
SELECT results_eq($$SELECT section, sha256_fr FROM flux.bilan_transmis_document WHERE version_id = (SELECT id FROM v WHERE nom = 'epci') ORDER BY section$$,
				  $$SELECT s, encode(sha256(convert_to(flux.csv_epci('200000151', 2025, s, 'fr'), 'UTF8')), 'hex')
					  FROM unnest('{communes,destinations,obligations}'::text[]) s ORDER BY s$$,
				  'and for the EPCI, the fr documents too');
SELECT is(flux.csv_transmis((SELECT id FROM v WHERE nom = 'etat'), 'parts'), flux.csv_reservataire(9601, 2025, 'parts'),
		  'flux.csv_transmis rebuilds the document sent, byte for byte');
SELECT ok(flux.verifier_transmission((SELECT id FROM v WHERE nom = 'etat')), 'flux.verifier_transmission: the checksums hold');
SELECT is((SELECT count(*)::integer FROM flux.ecarts_transmis), 0, 'no difference the day it is sent');

-- the data is corrected after sending: C was not a priority household
UPDATE flux.candidature SET prioritaire = false, critere_priorite = NULL WHERE nud = '074032596003';
SELECT results_eq($$SELECT transmis, actuel, ecart FROM flux.ecarts_transmis
					 WHERE reservataire_id = 9601 AND section = 'obligations' AND cle = '{"obligation": "prioritaires"}' AND colonne = 'atteints'$$,
				  $$VALUES ('2'::text, '1'::text, -1::numeric)$$, 'the correction shows as a difference: 2 transmitted, 1 today, -1');
SELECT ok((SELECT bool_and(transmis IS DISTINCT FROM actuel) FROM flux.ecarts_transmis), 'flux.ecarts_transmis lists only what differs');
SELECT ok(EXISTS (SELECT FROM flux.ecarts_transmis WHERE epci = '200000151' AND cle = '{"obligation": "prioritaires_tous"}'),
		  'the EPCI''s bilan shows it too');
SELECT is((SELECT atteints FROM flux.rapport_reservataire_obligations_transmis WHERE reservataire_id = 9601 AND obligation = 'prioritaires'),
		  2::bigint, 'the transmitted figure is unchanged');
SELECT ok(flux.verifier_transmission((SELECT id FROM v WHERE nom = 'etat')), 'and its checksum still holds');

-- a correction sent: version 2, version 1 kept
SET ROLE regress_acces_gest;
INSERT INTO v SELECT 'etat2', flux.transmettre_bilan(9600, '74', 2025, reservataire => 9601, date_envoi => '2026-03-02');
RESET ROLE;
SELECT results_eq($$SELECT version, atteints FROM flux.rapport_reservataire_obligations_transmis WHERE reservataire_id = 9601 AND obligation = 'prioritaires'$$,
				  $$VALUES (2, 1::bigint)$$, 'the views give the last version: 1 met');
SELECT results_eq($$SELECT b.version, g.atteints FROM flux.transmis_reservataire_obligations g JOIN flux.bilan_transmis b ON b.id = g.version_id
					 WHERE g.reservataire_id = 9601 AND g.obligation = 'prioritaires' ORDER BY 1$$,
				  $$VALUES (1, 2::bigint), (2, 1::bigint)$$, 'version 1 is kept as it was sent');
SELECT is((SELECT date_envoi FROM flux.transmission_bilan WHERE reservataire_id = 9601), '2026-02-20'::date,
		  'the transmission keeps the date of the first sending (the deadline''s)');
SELECT is((SELECT count(*)::integer FROM flux.ecarts_transmis WHERE reservataire_id = 9601), 0, 'the last version has no difference');

-- immutable, whoever asks (the superuser here)
SELECT throws_ok('UPDATE flux.transmis_reservataire_obligations SET atteints = 9', '55000',
				 'flux.transmis_reservataire_obligations is frozen: UPDATE refused', 'a frozen row cannot be changed');
SELECT throws_ok('DELETE FROM flux.bilan_transmis_document', '55000', NULL, 'nor a checksum deleted');
SELECT throws_ok('TRUNCATE flux.bilan_transmis_document', '55000', NULL, 'nor the checksums truncated');
SELECT throws_ok($$UPDATE flux.transmission_bilan SET date_envoi = '2026-02-01' WHERE reservataire_id = 9601$$, '55000', NULL,
				 'nor the date of a frozen transmission');

-- errors
SELECT throws_ok($$SELECT flux.transmettre_bilan(9600, '74', 2025, reservataire => 9603, date_envoi => '2026-02-20')$$, '22023',
				 'no bilan of 2025 is due to réservataire 9603 from bailleur 9600 in département 74',
				 'a recipient to whom no bilan is due (flux.transmissions)');
SELECT throws_ok($$SELECT flux.transmettre_bilan(9600, '74', 2025)$$, '22004', 'bilan of 2025 has no recipient', 'no recipient');
SELECT throws_ok($$SELECT flux.transmettre_bilan(9600, '74', 2025, reservataire => 9602, date_envoi => '2025-12-01')$$, '22023',
				 'bilan of 2025 sent on 2025-12-01, before the year is over', 'a date before the year is over');
SELECT throws_ok($$SELECT flux.transmettre_bilan(9600, '74', 2025, reservataire => 9601, date_envoi => '2026-02-25')$$, '22023',
				 'correction of bilan 2025 sent on 2026-02-25, before its version 2 of 2026-03-02', 'a correction dated before the last version');
SELECT throws_ok($$SELECT flux.transmettre_bilan(9699, '74', 2025, reservataire => 9601)$$, 'P0002', NULL, 'an unknown bailleur');
SELECT throws_ok($$SELECT flux.transmettre_bilan(9600, '74', NULL, reservataire => 9601)$$, '22004', NULL, 'a NULL year');
SELECT throws_ok($$SELECT flux.transmettre_bilan(9600, '74', 2025, reservataire => 9699)$$, 'P0002', NULL, 'an unknown réservataire');
SELECT throws_ok($$SELECT flux.verifier_transmission(-1)$$, 'P0002', 'transmitted bilan version -1 does not exist', 'an unknown version');

-- a partner reads its own frozen bilans; no one writes them directly
SET ROLE regress_acces_r1;
SELECT results_eq('SELECT DISTINCT reservataire_id FROM flux.rapport_reservataire_obligations_transmis', ARRAY[9601::bigint],
				  'the State reads its frozen bilan');
SELECT is(flux.csv_transmis((SELECT id FROM v WHERE nom = 'etat'), 'parts') IS NOT NULL, true, 'and rebuilds the file it received');
RESET ROLE;
SET ROLE regress_acces_r2;
SELECT is((SELECT count(*)::integer FROM flux.bilan_transmis) + (SELECT count(*)::integer FROM flux.rapport_reservataire_parts_transmis)
		  + (SELECT count(*)::integer FROM flux.bilan_transmis_document), 0, 'Action Logement reads none of the State''s');
RESET ROLE;
SET ROLE regress_acces_epci;
SELECT results_eq('SELECT DISTINCT epci FROM flux.rapport_epci_communes_transmis', ARRAY['200000151'], 'the EPCI reads its own');
RESET ROLE;
SET ROLE regress_acces_bi;
SELECT is((SELECT count(DISTINCT version_id)::integer FROM flux.transmis_reservataire_obligations), 2, 'flux_lecteur reads them all');
RESET ROLE;
SET ROLE regress_acces_gest;
SELECT throws_ok('INSERT INTO flux.transmis_reservataire_parts (ordre, version_id) VALUES (99, 1)', '42501', NULL,
				 'the staff cannot write a frozen row by hand (flux.figer_bilan alone does)');
RESET ROLE;
SELECT ok(NOT has_function_privilege('regress_acces_r1', 'flux.figer_bilan(bigint, date)', 'EXECUTE')
		  AND NOT has_function_privilege('regress_acces_rien', 'flux.transmettre_bilan(bigint, text, integer, bigint, text, date, text)', 'EXECUTE'),
		  'only the staff freeze');

-- tampering (a superuser disabling the triggers) is detected
ALTER TABLE flux.transmis_reservataire_obligations DISABLE TRIGGER transmis_immuable;
UPDATE flux.transmis_reservataire_obligations SET atteints = 9 WHERE version_id = (SELECT id FROM v WHERE nom = 'etat');
ALTER TABLE flux.transmis_reservataire_obligations ENABLE TRIGGER transmis_immuable;
SELECT ok(NOT flux.verifier_transmission((SELECT id FROM v WHERE nom = 'etat')), 'a frozen row changed behind the triggers is detected');

SELECT * FROM finish();
ROLLBACK;
