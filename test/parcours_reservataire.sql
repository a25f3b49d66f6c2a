--
-- parcours_reservataire (issue 16 item 3): a réservataire's whole work,
-- run as its login (regress_acces_r1, the State, convention 9611), the
-- bailleur's steps run as the staff's login (regress_acces_gest): it sees
-- the orientation sent to it and its deadline, accepts it, designates two
-- candidates, follows the CALEOL and the lease, reads its own bilan;
-- refuses another (with its reason), says it cannot designate on a third,
-- validates a household's illegitimate refusal.  Fixture:
-- test/acces_matrice.psql.  Today's date: the answer and the designation
-- are checked against deadlines stamped from the orientation's date.
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SELECT plan(33);
\ir acces_matrice.psql

-- three more units, vacant for a month
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
SELECT 96000 + i, 9600, 'X' || i, '74991', false, 'C', 3, 65, 13, true, 1990, 1991 FROM generate_series(7, 9) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT 96000 + i, 96000 + i, CURRENT_DATE - 30, CURRENT_DATE - 1 FROM generate_series(7, 9) i;
CREATE TEMP TABLE attendu AS
SELECT flux.ajouter_jours_ouvres(CURRENT_DATE, 2, flux.zone_de('74')) AS echeance_reponse,
	   extract(year FROM CURRENT_DATE)::integer AS annee;
GRANT SELECT ON attendu TO PUBLIC;

-- the bailleur orients three units to the State
SET ROLE regress_acces_gest;
INSERT INTO flux.orientation (id, vacance_id, convention_id) VALUES (96101, 96007, 9611), (96102, 96008, 9611), (96103, 96009, 9611);
RESET ROLE;

SET ROLE regress_acces_r1;
SELECT results_eq('SELECT etat::text, echeance_reponse FROM flux.orientation WHERE id = 96101',
				  'SELECT ''proposee'', echeance_reponse FROM attendu',
				  'r1 sees the orientation sent to it, and its answer deadline (2 jours ouvrés)');
SELECT results_eq($$SELECT a_la_charge_de, echeance FROM flux.echeances WHERE orientation_id = 96101$$,
				  $$SELECT 'reservataire', echeance_reponse FROM attendu$$, 'the deadline is in flux.echeances, its own');
SELECT results_eq('SELECT id, nbpiece, surfhab FROM flux.logement WHERE id = 96007', $$VALUES (96007::bigint, 3::smallint, 65::numeric)$$,
				  'and the unit it must designate for');
SELECT is(flux.repondre_orientation(96101, true), 'acceptee', 'r1 accepts it');
SELECT isnt((SELECT echeance_designation FROM flux.orientation WHERE id = 96101), NULL, 'the designation deadline is stamped');
SELECT is((SELECT count(*)::integer FROM flux.echeances WHERE orientation_id = 96101 AND echeance_de = 'designation'), 1,
		  'and is in its deadlines');
SELECT ok(flux.designer_candidat(96101, '074032610101', personnes => 2::smallint, ressources => 1800) IS NOT NULL,
		  'r1 designates a first candidate');
SELECT ok(flux.designer_candidat(96101, '074032610102', quartile => 1::smallint, personnes => 3::smallint) IS NOT NULL,
		  'and a second');
SELECT results_eq('SELECT nud, rang, designe_par::text FROM flux.candidature WHERE orientation_id = 96101 ORDER BY rang',
				  $$VALUES ('074032610101', 1::smallint, 'reservataire'), ('074032610102', 2::smallint, 'reservataire')$$,
				  'ranked 1 and 2, designated by the réservataire');
SELECT is((SELECT etat::text FROM flux.orientation WHERE id = 96101), 'candidats_designes', 'the orientation follows');
SELECT throws_ok($$SELECT flux.designer_candidat(96101, 'X')$$, '23514', NULL, 'a malformed NUD is refused by the table''s check');
SELECT throws_ok($$SELECT flux.designer_candidat(96004, '074032610199')$$, '42501',
				 'orientation 96004 is not sent to réservataire 9601', 'r1 cannot designate on another''s orientation');
SELECT throws_ok($$SELECT flux.repondre_orientation(96102, false)$$, '22004', 'refusal of orientation 96102 has no motif',
				 'a refusal needs its reason');
SELECT is(flux.repondre_orientation(96102, false, 'typologie inadaptée'), 'refusee', 'r1 refuses the second, with its reason');
SELECT is((SELECT motif FROM flux.orientation WHERE id = 96102), 'typologie inadaptée', 'which the bailleur reads');
SELECT throws_ok($$SELECT flux.repondre_orientation(96102, true)$$, '55000', NULL, 'an answer is given once (the state machine)');
SELECT throws_ok($$SELECT flux.signaler_impossibilite(96103, 'aucun demandeur')$$, '55000', NULL,
				 'it says it cannot designate on an accepted orientation only');
SELECT is(flux.repondre_orientation(96103, true), 'acceptee', 'r1 accepts the third');
SELECT is(flux.signaler_impossibilite(96103, 'aucun demandeur pour un T3 à Alpha'), 'restituee',
		  'then says it cannot designate: the unit goes back to the bailleur');
SELECT throws_ok($$UPDATE flux.candidature SET decision_caleol = 'attribution' WHERE orientation_id = 96101$$, '42501', NULL,
				 'r1 cannot record the CALEOL itself');
RESET ROLE;
-- the history names the partner's login, not the owner of the functions it acted through
SELECT results_eq($$SELECT vers::text, qui FROM flux.orientation_historique WHERE orientation_id = 96101 AND vers = 'acceptee'$$,
	$$VALUES ('acceptee', 'regress_acces_r1'::text)$$, 'the history records the partner''s login as who answered');

-- the bailleur: the CALEOL attributes the unit to the first, the household accepts, the lease
SET ROLE regress_acces_gest;
UPDATE flux.candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = CURRENT_DATE WHERE nud = '074032610101';
UPDATE flux.candidature SET decision_caleol = 'non_attribution', date_caleol = CURRENT_DATE, motif_caleol = 'ressources insuffisantes'
 WHERE nud = '074032610102';
UPDATE flux.candidature SET date_proposition = CURRENT_DATE, loyer = 400, charges = 50 WHERE nud = '074032610101';
UPDATE flux.candidature SET reponse_menage = 'acceptee', date_reponse_menage = CURRENT_DATE WHERE nud = '074032610101';
RESET ROLE;

SET ROLE regress_acces_r1;
SELECT results_eq('SELECT nud, decision_caleol::text, motif_caleol FROM flux.candidature WHERE orientation_id = 96101 ORDER BY rang',
				  $$VALUES ('074032610101', 'attribution', NULL), ('074032610102', 'non_attribution', 'ressources insuffisantes')$$,
				  'r1 follows the CALEOL''s decisions on its candidates');
SELECT is((SELECT etat::text FROM flux.orientation WHERE id = 96101), 'attribuee', 'and the orientation, attributed');
SELECT is((SELECT reponse_menage::text FROM flux.candidature WHERE nud = '074032610101'), 'acceptee', 'and the household''s answer');
RESET ROLE;
SET ROLE regress_acces_gest;
UPDATE flux.candidature SET date_bail = CURRENT_DATE WHERE nud = '074032610101';
-- the bailleur marks the refusal of B's household (a suitable offer) illegitimate
UPDATE flux.candidature SET refus_illegitime = true WHERE nud = '074032596002';
RESET ROLE;

SET ROLE regress_acces_r1;
SELECT results_eq('SELECT etat::text, date_bail FROM flux.orientation WHERE id = 96101', 'SELECT ''bail_signe'', CURRENT_DATE',
				  'r1 follows the lease');
SELECT results_eq($$SELECT vers FROM flux.orientation_historique WHERE orientation_id = 96101 ORDER BY id$$,
				  $$VALUES ('proposee'), ('acceptee'), ('candidat_designe'), ('candidats_designes'), ('candidat_designe'),
						   ('caleol_attribution'), ('attribuee'), ('caleol_non_attribution'), ('proposition'),
						   ('reponse_acceptee'), ('bail'), ('bail_signe')$$,
				  'and every step in the history');
-- hand count, year of today, convention 9611: 96101 leased (96102 refused, 96103 given back)
SELECT results_eq('SELECT attribues, baux FROM flux.mon_bilan WHERE convention_id = 9611 AND annee = (SELECT annee FROM attendu)',
				  $$VALUES (1::bigint, 1::bigint)$$, 'r1 reads its bilan of the year: one attribution, one lease');
SELECT is((SELECT count(*)::integer FROM flux.mes_etapes WHERE annee = (SELECT annee FROM attendu)), 1, 'and its steps');
SELECT is(flux.valider_refus((SELECT id FROM flux.candidature WHERE nud = '074032596002')), CURRENT_DATE,
		  'r1 validates the illegitimate refusal of its candidate');
SELECT throws_ok($$SELECT flux.valider_refus((SELECT id FROM flux.candidature WHERE nud = '074032596002'))$$, '55000', NULL,
				 'once');
SELECT throws_ok($$SELECT flux.valider_refus(1)$$, '42501', NULL, 'a candidate it cannot see is not its own');
RESET ROLE;
SELECT is((SELECT refus_valide_le FROM flux.candidature WHERE nud = '074032596002'), CURRENT_DATE,
		  'the validation is recorded on the candidate');

-- a login of flux_reservataire that no mapping names acts for nobody
SET ROLE regress_acces_r3;
SELECT throws_ok($$SELECT flux.repondre_orientation(96101, true)$$, '42501', 'role "regress_acces_r3" acts for no réservataire',
				 'an unmapped réservataire login acts on nothing');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
