-- The Ornex (seed 003_, art. 6 table) and Publier (seed 004_, art. 5.3)
-- deadline tables, each from the event the convention names, replayed in
-- 2025 across Easter Monday (21 April), 1 and 8 May, Ascension (29 May) and
-- Whit Monday (9 June), metropole.  Expected dates are counted by hand on the
-- 2025 calendar: jours ouvrés are Monday-Friday minus those holidays; a
-- calendar-day deadline (the month cap, the household's 10 days) falling on
-- a non-working day is carried to the next jour ouvré (report_jour_ouvre).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(23);

SELECT ok(ARRAY['2025-04-21', '2025-05-01', '2025-05-08', '2025-05-29', '2025-06-09']::date[]
		  <@ (SELECT array_agg(j.jour) FROM jours_feries(2025, 'metropole') j(jour, nom)),
	'calendar: Easter Monday 21 April, 1 and 8 May, Ascension 29 May, Whit Monday 9 June 2025 are holidays');

INSERT INTO commune (depcom, nom, epci, zone_tendue) VALUES
	('74218', 'Publier', '200067551', false), ('01281', 'Ornex', '240100750', true)
	ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (960, '900000960', 'B délais', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(960, 'CCAS de Publier (délais)', 'commune', '74218'), (961, 'Ornex (délais)', 'commune', '01281');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, regime, mode, evenement, date_effet,
						delai_reponse_jo, silence_vaut_acceptation, delai_designation_jo, delai_designation_max_mois,
						delai_impossibilite_jo, delai_reponse_menage_jours, report_jour_ouvre) VALUES
	-- Publier art. 5.3: 2 jours ouvrés to answer, silence is acceptance, 15
	-- jours ouvrés from the acceptance to designate; the month of the law
	(960, 960, 960, '74', '10%', 'flux', 'directe', 'bail', '2024-01-01', 2, true, 15, 1, 5, 10, true),
	-- Ornex art. 6: 3 candidates at most 1 calendar month after the
	-- transmission (60 jours ouvrés: the month binds); the impossibility
	-- notice at most 5 jours ouvrés after the transmission
	(961, 960, 961, '01', '10%', 'flux', 'directe', 'bail', '2024-01-01', 2, true, 60, 1, 5, 10, true);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, locat)
SELECT 96000 + i, 960, 'DL' || i, CASE WHEN i <= 5 THEN '74218' ELSE '01281' END, false, 'C', 3, 62, 13, true, 2000
  FROM generate_series(1, 8) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible, premiere_location)
SELECT 9600 + i, 96000 + i, '2025-01-02', '2025-02-01', false FROM generate_series(1, 8) i;

-- 9601..9605 Publier, 9606..9608 Ornex
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES
	(9601, 9601, 960, '2025-04-17'), (9602, 9602, 960, '2025-05-28'), (9603, 9603, 960, '2025-05-12'),
	(9604, 9604, 960, '2025-04-01'), (9605, 9605, 960, '2025-05-05'),
	(9606, 9606, 961, '2025-04-14'), (9607, 9607, 961, '2025-05-23'), (9608, 9608, 961, '2025-05-09');

-- Publier, answer: Thu 17 April + 2 jours ouvrés = Fri 18, (Easter Monday), Tue 22
SELECT results_eq($$SELECT echeance_reponse, echeance_impossibilite FROM orientation WHERE id = 9601$$,
	$$VALUES ('2025-04-22'::date, NULL::date)$$, 'Publier: oriented Thu 17 April, answer by Tue 22 April across Easter Monday');
-- Publier, across Ascension: Wed 28 May + 2 = Fri 30, Mon 2 June
SELECT is((SELECT echeance_reponse FROM orientation WHERE id = 9602), '2025-06-02'::date,
	'Publier: oriented Wed 28 May, answer by Mon 2 June across Ascension');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-02' WHERE id = 9602;
-- designation: 15 jours ouvrés from the acceptance (2 June): 3-6 June (4),
-- Whit Monday skipped, 10-13 (8), 16-20 (13), 23, 24 (15) = 24 June; the cap
-- 28 June (a Saturday) -> 30 June is later.  Impossibility: 5 jours ouvrés
-- from the orientation (28 May): 30 May, 2, 3, 4, 5 June = 5 June (from the
-- acceptance it would be 10 June)
SELECT results_eq($$SELECT echeance_designation, echeance_impossibilite FROM orientation WHERE id = 9602$$,
	$$VALUES ('2025-06-24'::date, '2025-06-05'::date)$$,
	'Publier: 15 jours ouvrés from the acceptance across Whit Monday (24 June); the impossibility notice from the orientation (5 June)');
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, personnes, ressources)
VALUES (9602, 9602, '074062509602', 1, '2025-06-10', 2, 1800);

-- a proposal for each holiday: the household's 10 calendar days
-- Fri 11 April + 10 = Mon 21 April (Easter Monday) -> Tue 22 April
-- Mon 19 May + 10 = Thu 29 May (Ascension) -> Fri 30 May
-- Fri 30 May + 10 = Mon 9 June (Whit Monday) -> Tue 10 June
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-04-02' WHERE id = 9604;
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-05-06' WHERE id = 9605;
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-05-13' WHERE id = 9603;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, personnes, ressources) VALUES
	(9604, 9604, '074062509604', 1, '2025-04-03', 2, 1800),
	(9605, 9605, '074062509605', 1, '2025-05-07', 2, 1800),
	(9603, 9603, '074062509603', 1, '2025-05-14', 2, 1800);
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1,
	   date_caleol = CASE id WHEN 9604 THEN '2025-04-04' WHEN 9605 THEN '2025-05-13' ELSE '2025-05-20' END::date
 WHERE id IN (9603, 9604, 9605);
UPDATE candidature SET loyer = 450, charges = 80,
	   date_proposition = CASE id WHEN 9604 THEN '2025-04-11' WHEN 9605 THEN '2025-05-19' ELSE '2025-05-30' END::date
 WHERE id IN (9603, 9604, 9605);
SELECT results_eq($$SELECT id, date_proposition, echeance_reponse_menage FROM candidature WHERE id IN (9603, 9604, 9605) ORDER BY id$$,
	$$VALUES (9603::bigint, '2025-05-30'::date, '2025-06-10'::date), (9604, '2025-04-11', '2025-04-22'), (9605, '2025-05-19', '2025-05-30')$$,
	'household: 10 days carried past Easter Monday (22 April), Ascension (30 May), Whit Monday (10 June)');
SELECT lives_ok($$UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-04-22' WHERE id = 9604$$,
	'household: acceptance on the carried last day (Tue 22 April)');

-- Ornex: transmitted Mon 14 April, accepted 15 April.  Impossibility: 15,
-- 16, 17, 18, (Easter Monday), 22 April (from the acceptance: 23 April).
-- 3 candidates by 14 May (one calendar month, a Wednesday)
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-04-15' WHERE id = 9606;
SELECT results_eq($$SELECT echeance_reponse, echeance_impossibilite, echeance_designation FROM orientation WHERE id = 9606$$,
	$$VALUES ('2025-04-16'::date, '2025-04-22'::date, '2025-05-14'::date)$$,
	'Ornex: transmitted 14 April: impossibility notice by 22 April across Easter Monday; candidates by 14 May');
-- Ornex: transmitted Fri 9 May, accepted 12 May: the month ends on Whit
-- Monday 9 June -> Tue 10 June; impossibility 12, 13, 14, 15, 16 May
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-05-12' WHERE id = 9608;
SELECT results_eq($$SELECT echeance_impossibilite, echeance_designation FROM orientation WHERE id = 9608$$,
	$$VALUES ('2025-05-16'::date, '2025-06-10'::date)$$,
	'Ornex: transmitted 9 May: candidates by 10 June (the month ends on Whit Monday); impossibility by 16 May');
-- Ornex: transmitted Fri 23 May, answer by Tue 27 May; left to silence
SELECT is((SELECT echeance_reponse FROM orientation WHERE id = 9607), '2025-05-27'::date, 'Ornex: transmitted 23 May, answer by 27 May');

-- the sweep, day by day (each set counted above)
SELECT set_eq($$SELECT orientation_id, candidature_id, de, vers, echeance FROM appliquer_echeances('2025-04-23 12:00')$$,
	$$VALUES (9601::bigint, NULL::bigint, 'proposee', 'acceptee', '2025-04-22'::date),
			 (9606, NULL, 'acceptee', 'echeance_impossibilite', '2025-04-22')$$,
	'sweep 23 April: Publier accepted by silence; the Ornex impossibility deadline passed, recorded');
-- Publier by silence on 22 April: impossibility from 17 April = 18, 22, 23,
-- 24, 25 April; designation 15 jours ouvrés from 22 April = 23-25 (3),
-- 28-30 (6), 2 May (7), 5-7 (10), 9 (11), 12-15 (15) = 15 May, the cap 17
-- May (a Saturday) -> 19 May being later
SELECT results_eq($$SELECT date_reponse, echeance_impossibilite, echeance_designation FROM orientation WHERE id = 9601$$,
	$$VALUES ('2025-04-22'::date, '2025-04-25'::date, '2025-05-15'::date)$$,
	'Publier: accepted by silence on 22 April; impossibility by 25 April (from the orientation), candidates by 15 May');
SELECT results_eq($$SELECT o.etat::text, h.origine, h.motif FROM orientation_historique h JOIN orientation o ON o.id = h.orientation_id
					 WHERE h.orientation_id = 9606 AND h.vers = 'echeance_impossibilite'$$,
	$$VALUES ('acceptee', 'echeance', 'pas de signalement d''impossibilité de désigner au 22/04/2025 : rien ne s''ensuit (la convention ne prévoit aucune conséquence) ; les candidats sont attendus au plus tard le 14/05/2025')$$,
	'Ornex: nothing follows the impossibility deadline: recorded by the sweep, the orientation still accepted');
SELECT is((SELECT count(*) FROM appliquer_echeances('2025-04-23 12:00')), 0::bigint, 'sweep 23 April again: idempotent');
SELECT set_eq($$SELECT orientation_id, candidature_id, de, vers, echeance FROM appliquer_echeances('2025-04-26 12:00')$$,
	$$VALUES (9601::bigint, NULL::bigint, 'acceptee', 'echeance_impossibilite', '2025-04-25'::date)$$,
	'sweep 26 April: the Publier impossibility deadline passed, recorded');
SELECT set_eq($$SELECT orientation_id, candidature_id, de, vers, echeance FROM appliquer_echeances('2025-05-16 12:00')$$,
	$$VALUES (9601::bigint, NULL::bigint, 'acceptee', 'restituee', '2025-05-15'::date),
			 (9606, NULL, 'acceptee', 'restituee', '2025-05-14')$$,
	'sweep 16 May: no candidate by 15 May (Publier) and 14 May (Ornex): back to the bailleur');
SELECT set_eq($$SELECT orientation_id, candidature_id, de, vers, echeance FROM appliquer_echeances('2025-05-31 12:00')$$,
	$$VALUES (9607::bigint, NULL::bigint, 'proposee', 'acceptee', '2025-05-27'::date),
			 (9605, 9605, 'proposition', 'reponse_sans_reponse', '2025-05-30'),
			 (9608, NULL, 'acceptee', 'echeance_impossibilite', '2025-05-16'),
			 -- 9605: back to candidats_designes with 1 of 3 candidates, past its
			 -- designation deadline (6 May + 15 = 28 May, 8 May skipped)
			 (9605, NULL, 'candidats_designes', 'echeance_designation', '2025-05-28')$$,
	'sweep 31 May: Ornex accepted by silence; the household silent past Ascension; impossibility recorded; a list short of candidates recorded');
-- Ornex accepted by silence on 27 May: impossibility still from the
-- transmission, 23 May: 26, 27, 28, (Ascension), 30 May, 2 June; candidates
-- by 23 June (a Monday)
SELECT results_eq($$SELECT date_reponse, echeance_impossibilite, echeance_designation FROM orientation WHERE id = 9607$$,
	$$VALUES ('2025-05-27'::date, '2025-06-02'::date, '2025-06-23'::date)$$,
	'Ornex: accepted by silence; impossibility by 2 June across Ascension, from the transmission; candidates by 23 June');
SELECT set_eq($$SELECT orientation_id, candidature_id, de, vers, echeance FROM appliquer_echeances('2025-06-03 12:00')$$,
	$$VALUES (9607::bigint, NULL::bigint, 'acceptee', 'echeance_impossibilite', '2025-06-02'::date)$$,
	'sweep 3 June: the Ornex impossibility deadline passed, recorded');
SELECT set_eq($$SELECT orientation_id, candidature_id, de, vers, echeance FROM appliquer_echeances('2025-06-11 12:00')$$,
	$$VALUES (9608::bigint, NULL::bigint, 'acceptee', 'restituee', '2025-06-10'::date),
			 (9603, 9603, 'proposition', 'reponse_sans_reponse', '2025-06-10'),
			 -- 9603: 13 May + 15 jours ouvrés, Ascension skipped = 4 June
			 (9603, NULL, 'candidats_designes', 'echeance_designation', '2025-06-04')$$,
	'sweep 11 June: Ornex no candidate by 10 June (Whit Monday carried); the household silent past Whit Monday');
SELECT set_eq($$SELECT orientation_id, candidature_id, de, vers, echeance FROM appliquer_echeances('2025-06-25 12:00')$$,
	$$VALUES (9607::bigint, NULL::bigint, 'acceptee', 'restituee', '2025-06-23'::date),
			 (9602, NULL, 'candidats_designes', 'echeance_designation', '2025-06-24')$$,
	'sweep 25 June: Ornex back to the bailleur; Publier 1 of 3 candidates by 24 June, recorded');
SELECT is((SELECT count(*) FROM appliquer_echeances('2025-12-31 12:00')), 0::bigint, 'sweep at the end of the year: nothing left');
-- what follows a designation short of candidates: the bailleur completes
SELECT lives_ok($$INSERT INTO candidature (orientation_id, nud, rang, designe_par, date_designation) VALUES (9602, '074062509612', 2, 'bailleur', '2025-06-25')$$,
	'Publier: after the deadline the bailleur completes the list');
SELECT is((SELECT count(*) FROM orientation_historique WHERE orientation_id BETWEEN 9601 AND 9608
			  AND vers IN ('echeance_impossibilite', 'echeance_designation') AND origine = 'echeance'), 7::bigint,
	'history: each deadline with nothing to apply recorded once, by the sweep');

SELECT * FROM finish();
ROLLBACK;
