--
-- acces_matrice (issue 16 items 1, 2, 6): every cell of the matrix of
-- docs/security.md ("The matrix"), each role logged in (SET ROLE to a LOGIN
-- role of the transaction): what it sees (results_eq) and what it is
-- refused (42501).  Fixture: test/acces_matrice.psql (the year of
-- test/exports.sql: the State 9601 has orientations B 96002 and C 96003 with
-- its own candidates; Action Logement 9602 has A 96001, refused, and D
-- 96004, whose candidate the bailleur designated).
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SELECT plan(65);
\ir acces_matrice.psql

-- what the superuser reads, to compare with what each role reads
CREATE TEMP TABLE attendu_bilan AS SELECT * FROM flux.bilan_reservataire;
CREATE TEMP TABLE attendu_detaille AS SELECT * FROM flux.bilan_detaille;
CREATE TEMP TABLE attendu_obligations AS SELECT * FROM flux.bilan_obligations;
CREATE TEMP TABLE attendu_hors_flux AS SELECT * FROM flux.bilan_hors_flux;
GRANT SELECT ON attendu_bilan, attendu_detaille, attendu_obligations, attendu_hors_flux TO PUBLIC;

-- the design: FORCEd row-level security, SECURITY DEFINER pinned and not PUBLIC
SELECT is((SELECT count(*)::integer FROM pg_class
			WHERE relnamespace = 'flux'::regnamespace AND relrowsecurity AND relforcerowsecurity
			  AND relname IN ('partenaire', 'convention', 'taux_annuel', 'reservation', 'garantie_programme',
							  'financement_programme', 'reprise_prefet', 'reprise_prefet_logement', 'mise_en_demeure',
							  'transmission_bilan', 'logement', 'vacance', 'orientation', 'candidature',
							  'orientation_historique')), 15,
		  'row-level security is enabled and FORCEd on the 15 tables with a partner''s or a household''s rows');
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
		  'every SECURITY DEFINER function of flux pins its search_path')
  FROM pg_proc p WHERE p.pronamespace = 'flux'::regnamespace AND p.prosecdef
   AND NOT coalesce(p.proconfig::text[] @> '{"search_path=pg_catalog, flux, pg_temp"}', false);
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), '{flux.epci_courant(),flux.reservataire_courant()}',
		  'and none is PUBLIC but the two that read the caller''s own mapping')
  FROM pg_proc p WHERE p.pronamespace = 'flux'::regnamespace AND p.prosecdef
   AND has_function_privilege('regress_acces_rien', p.oid, 'EXECUTE');

-------------------------------------------------------------------------
-- flux_reservataire
-------------------------------------------------------------------------
SET ROLE regress_acces_r1;
SELECT is(flux.reservataire_courant(), 9601::bigint, 'r1 acts for the State (its mapping)');
SELECT results_eq('SELECT id FROM flux.convention ORDER BY id', ARRAY[9611::bigint], 'r1 sees its convention only');
SELECT results_eq('SELECT id FROM flux.orientation ORDER BY id', ARRAY[96002::bigint, 96003], 'r1 sees its orientations only');
SELECT results_eq('SELECT nud FROM flux.candidature ORDER BY nud', ARRAY['074032596002', '074032596003'],
				  'r1 reads the NUD of the candidates it designated');
SELECT results_eq('SELECT DISTINCT orientation_id FROM flux.orientation_historique ORDER BY 1', ARRAY[96002::bigint, 96003],
				  'r1 reads the history of its orientations only');
SELECT results_eq('SELECT id FROM flux.logement ORDER BY id', ARRAY[96001::bigint, 96002],
				  'r1 sees the units of its orientations only');
SELECT results_eq('SELECT id FROM flux.vacance ORDER BY id', ARRAY[96001::bigint, 96002], 'and their vacancies');
SELECT is((SELECT count(*)::integer FROM flux.echeances WHERE orientation_id NOT IN (96002, 96003)), 0,
		  'r1 reads flux.echeances, its rows only (security_invoker)');
SELECT results_eq('SELECT DISTINCT reservataire_id FROM flux.mon_bilan', ARRAY[9601::bigint], 'r1 reads its bilan, its rows only');
SELECT results_eq('SELECT * FROM flux.mon_bilan ORDER BY convention_id, annee',
				  'SELECT * FROM attendu_bilan WHERE reservataire_id = 9601 ORDER BY convention_id, annee',
				  'with the figures the bailleur reads (shares over every unit freed)');
SELECT results_eq('SELECT * FROM flux.mes_obligations ORDER BY obligation',
				  'SELECT * FROM attendu_obligations WHERE reservataire_id = 9601 ORDER BY obligation',
				  'and its obligations');
SELECT throws_ok('UPDATE flux.orientation SET etat = ''annulee'' WHERE id = 96002', '42501', NULL,
				 'r1 cannot change a state by UPDATE');
SELECT throws_ok('INSERT INTO flux.candidature (orientation_id, nud, rang) VALUES (96003, ''074032599999'', 2)', '42501', NULL,
				 'nor designate by INSERT');
SELECT throws_ok('DELETE FROM flux.candidature', '42501', NULL, 'nor delete a candidate');
SELECT throws_ok('INSERT INTO flux.partenaire (login, reservataire_id) VALUES (''regress_acces_rien'', 9602)', '42501', NULL,
				 'nor map a login (to act for another)');
SELECT throws_ok('SELECT * FROM flux.partenaire', '42501', NULL, 'nor read the mapping');
SELECT throws_ok('SELECT flux.repondre_orientation(96001, true)', '42501', 'orientation 96001 is not sent to réservataire 9601',
				 'nor answer the orientation of another');
SELECT throws_ok('SELECT flux.repondre_orientation(1, true)', '42501', 'orientation 1 is not sent to réservataire 9601',
				 'an orientation that does not exist gets the same error');
SELECT throws_ok('SELECT * FROM flux.bilan_reservataire', '42501', NULL, 'the bilan views themselves are refused (they hold the others'' rows)');
SELECT throws_ok('SELECT * FROM flux.evenements_sne', '42501', NULL, 'the SNE exchanges are refused');
SELECT throws_ok('SELECT * FROM flux.refus_dalo', '42501', NULL, 'the DALO refusals are refused');
SELECT throws_ok('SELECT * FROM flux.reservation', '42501', NULL, 'the reservations are refused');
SELECT throws_ok('SELECT * FROM flux.bilan_territoire', '42501', NULL, 'the EPCI''s view is refused');
SELECT throws_ok('SELECT * FROM flux.recommander(96001)', '42501', NULL, 'the engine is refused');
RESET ROLE;

SET ROLE regress_acces_r2;
SELECT results_eq('SELECT id FROM flux.orientation ORDER BY id', ARRAY[96001::bigint, 96004], 'r2 sees its orientations only');
SELECT is((SELECT count(*)::integer FROM flux.candidature), 0,
		  'r2 reads no candidate: the one of its orientation D was designated by the bailleur');
SELECT is((SELECT count(*)::integer FROM flux.orientation_historique WHERE candidature_id IS NOT NULL), 0,
		  'nor that candidate''s steps in the history');
SELECT is((SELECT count(*)::integer FROM flux.candidature WHERE nud = '074032596002'), 0, 'nor r1''s candidates');
RESET ROLE;

-------------------------------------------------------------------------
-- flux_epci
-------------------------------------------------------------------------
SET ROLE regress_acces_epci;
SELECT is(flux.epci_courant(), '200000151', 'the EPCI login acts for its EPCI');
SELECT results_eq('SELECT * FROM flux.bilan_territoire ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14',
				  'SELECT * FROM attendu_detaille WHERE epci = ''200000151'' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14',
				  'it reads the aggregates of its territory, as the bailleur does');
SELECT is((SELECT count(*)::integer FROM flux.bilan_territoire WHERE depcom = '74993'), 0, 'and not those of another EPCI''s commune');
SELECT throws_ok('SELECT * FROM flux.orientation', '42501', NULL, 'the EPCI reads no orientation');
SELECT throws_ok('SELECT * FROM flux.candidature', '42501', NULL, 'no candidate');
SELECT throws_ok('SELECT * FROM flux.bilan_detaille', '42501', NULL, 'not the bilan of the whole département');
SELECT throws_ok('SELECT * FROM flux.mon_bilan', '42501', NULL, 'not a réservataire''s view');
SELECT throws_ok('SELECT flux.designer_candidat(96003, ''074032599999'')', '42501', NULL, 'and acts on nothing');
RESET ROLE;

-------------------------------------------------------------------------
-- flux_lecteur (BI)
-------------------------------------------------------------------------
SET ROLE regress_acces_bi;
SELECT results_eq('SELECT * FROM flux.bilan_reservataire ORDER BY convention_id, annee',
				  'SELECT * FROM attendu_bilan ORDER BY convention_id, annee', 'BI reads flux.bilan_reservataire, every row');
SELECT results_eq('SELECT * FROM flux.bilan_hors_flux ORDER BY 1, 2, 3, 4', 'SELECT * FROM attendu_hors_flux ORDER BY 1, 2, 3, 4',
				  'flux.bilan_hors_flux (its forecast computed with BI''s rights on the units)');
SELECT lives_ok('SELECT * FROM flux.bilan_detaille', 'flux.bilan_detaille');
SELECT lives_ok('SELECT * FROM flux.bilan_obligations', 'flux.bilan_obligations');
SELECT lives_ok('SELECT * FROM flux.bilan_etapes', 'flux.bilan_etapes');
SELECT lives_ok('SELECT * FROM flux.soustractions_previsionnelles', 'flux.soustractions_previsionnelles');
SELECT lives_ok('SELECT * FROM flux.transmissions', 'flux.transmissions');
SELECT throws_ok('SELECT * FROM flux.candidature', '42501', NULL, 'BI reads no candidate');
SELECT throws_ok('SELECT * FROM flux.orientation', '42501', NULL, 'no orientation');
SELECT throws_ok('SELECT * FROM flux.orientation_historique', '42501', NULL, 'no history');
SELECT throws_ok('SELECT * FROM flux.bilan_orientation', '42501', NULL, 'not flux.bilan_orientation (a household''s quartile per row)');
SELECT throws_ok('SELECT * FROM flux.evenements_sne', '42501', NULL, 'not the SNE exchanges (NUD)');
SELECT throws_ok('UPDATE flux.logement SET qpv = true', '42501', NULL, 'and writes nothing');
RESET ROLE;
SELECT is((SELECT array_agg(DISTINCT c.relname::text) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
			WHERE c.relnamespace = 'flux'::regnamespace AND a.attname IN ('nud', 'critere_priorite', 'ressources', 'quartile')
			  AND (has_table_privilege('flux_lecteur', c.oid, 'SELECT') OR has_table_privilege('flux_epci', c.oid, 'SELECT')
				   OR (c.relkind = 'v' AND has_table_privilege('flux_reservataire', c.oid, 'SELECT')))), NULL,
		  'no relation BI or the EPCI reads, and no view a réservataire reads, has a household''s NUD, criterion, resources or quartile');

-------------------------------------------------------------------------
-- flux_gestionnaire, flux_admin
-------------------------------------------------------------------------
SET ROLE regress_acces_gest;
SELECT is((SELECT count(*)::integer FROM flux.orientation), 6, 'the staff sees every orientation');
SELECT lives_ok('UPDATE flux.orientation SET motif = motif WHERE id = 96004', 'and writes the workflow');
SELECT throws_ok('INSERT INTO flux.partenaire (login, reservataire_id) VALUES (''regress_acces_rien'', 9602)', '42501', NULL,
				 'but does not map logins');
SELECT throws_ok('SELECT flux.repondre_orientation(96003, true)', '42501', NULL, 'nor uses the réservataire''s functions');
RESET ROLE;

-- the RPLS loading recipe of docs/dba-guide.md, as written, by a flux_admin
-- login.  pg_read_all_stats only because this test's backend was opened by
-- the superuser: flux.session_chargement() reads the session's start, which
-- a login sees of its own sessions
INSERT INTO flux.commune (depcom, nom) VALUES ('01173', 'Gex'), ('01281', 'Ornex'), ('2A004', 'Ajaccio');
GRANT pg_read_all_stats TO regress_acces_admin;
SET ROLE regress_acces_admin;
\copy flux.rpls_ligne (texte) FROM 'test/data/rpls_petit.csv' WITH (FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e')
SELECT results_eq('SELECT lues, inserees + mises_a_jour + inchangees + rejetees FROM flux.charger_rpls(9600, 2025)',
				  $$VALUES (11::bigint, 11::bigint)$$, 'flux_admin loads an RPLS file: 11 lines read, each loaded or rejected');
SELECT lives_ok($$SELECT flux.deposer_rpls(convert_to(E'IDENT_REP;IDENT_INT\n', 'UTF8'))$$, 'and stages one with flux.deposer_rpls');
SELECT lives_ok($$INSERT INTO flux.partenaire (login, reservataire_id) VALUES ('regress_acces_r3', 9602)$$,
				'flux_admin maps a new login to its réservataire');
SELECT throws_ok($$INSERT INTO flux.partenaire (login, reservataire_id) VALUES ('regress_acces_rien', 9602)$$, '22023', NULL,
				 'and the mapping''s trigger refuses a login of no flux_reservataire');
RESET ROLE;

-------------------------------------------------------------------------
-- a login of no flux role
-------------------------------------------------------------------------
GRANT SELECT ON flux.orientation TO regress_acces_rien;
SET ROLE regress_acces_rien;
SELECT is((SELECT count(*)::integer FROM flux.orientation), 0, 'a role granted SELECT by hand sees no row (FORCEd, no policy)');
SELECT throws_ok('SELECT * FROM flux.candidature', '42501', NULL, 'a role of no flux group reads no candidate');
SELECT throws_ok($$SELECT * FROM flux.simuler_noyau('{}','{}','{}','{}','{}','{}','{}','{2,5,4,1,6}')$$, '42501', NULL,
				 'nor runs the engine');
SELECT is(('12,5 %'::flux.taux OPERATOR(flux.+) '1 %'::flux.taux)::text || ' ' || flux.ajouter_jours_ouvres('2025-05-28', 1, 'metropole'), '13.5% 2025-05-30',
		  'the type flux.taux and the calendar stay everyone''s');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
