--
-- conversion: stock -> flux (0.4.0): single rights and their schedule,
-- conventions still in stock after 24 November 2023 and the préfet,
-- the first letting of a new programme
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- the kernels
SELECT droits_uniques(1000, 8) AS "100 units x 10 years at 8 %",
       droits_uniques(12.5, 10) AS proche, droits_uniques(12.5, 10, 'inferieur') AS inferieur,
       droits_uniques(12.1, 10, 'superieur') AS superieur, droits_uniques(0, 0) AS rien;
-- exact however many decimals: 0.4999... rounds down, 1.0000...1 up
SELECT droits_uniques(49.99999999999999999999, 1) AS zero,
       droits_uniques(100.00000000000000000001, 1, 'superieur') AS deux;
SELECT echeancier(3, 10) AS "3 over 10 years", echeancier(20, 8) AS "20 over 8", echeancier(0, 3) AS rien;
SELECT entrelacer('{3,5,2}') AS "3, 5 and 2 turns", entrelacer('{0,4}') AS seul, entrelacer('{}') AS vide;
SELECT annees_entre('2025-01-01', '2035-01-01') AS dix, annees_entre('2025-01-01', '2030-07-01') AS cinq_et_demi,
       annees_entre('2025-01-01', '2024-01-01') AS passe;
-- fails: the kernels' bad inputs
SELECT droits_uniques(-1, 8);
SELECT droits_uniques(10, 100.5);
SELECT droits_uniques(10, 8, 'bancaire');
SELECT echeancier(-1, 5);
SELECT echeancier(5, 0);
SELECT echeancier(5, 100);
SELECT entrelacer('{3,NULL}');
SELECT entrelacer('{3,-1}');
SELECT entrelacer('{{1,2},{3,4}}');

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (40, '552046440', 'Bailleur de la conversion', 'oph');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(40, 'Préfet (conversion)', 'etat', NULL),
	(41, 'Action Logement (conversion)', 'action_logement', NULL),
	(42, 'Petite entreprise (conversion)', 'employeur', NULL),
	(43, 'Commune de Publier (conversion)', 'commune', '74218');
INSERT INTO logement (id, bailleur_id, ident_int, ident_rep, adresse, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 40000 + i, 40, 'C' || i, 'R' || lpad(i::text, 9, '0'), i || ' rue du Lac', '74218', false, 'C', 1 + i % 4, 13, true, 2000
  FROM generate_series(1, 1000) i;
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, soustraire_mutation)
VALUES (40, '74', 2025, 8, false);

SELECT setval('flux.convention_id_seq', 400);
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, regime, taux, date_effet, date_fin) VALUES
	(400, 40, 40, '74', 'flux', '30%', '2024-01-01', NULL),
	(401, 40, 41, '74', 'stock', NULL, '1990-01-01', NULL),
	(402, 40, 42, '74', 'stock', NULL, '2005-01-01', NULL),
	(403, 40, 43, '74', 'stock', NULL, '1995-01-01', '2023-01-01');

-- Action Logement: 100 units de suite until 2035 (10 years left in 2025)
INSERT INTO reservation (logement_id, reservataire_id, convention_id, droit, fondement, date_fin)
SELECT 40000 + i, 41, 401, 'suite', 'apport_financier', '2035-01-01' FROM generate_series(1, 100) i;
-- a small employer: 2 units until 2030 and one droit simple
INSERT INTO reservation (logement_id, reservataire_id, convention_id, droit, fondement, date_fin) VALUES
	(40101, 42, 402, 'suite', 'apport_financier', '2030-01-01'),
	(40102, 42, 402, 'suite', 'apport_financier', '2030-01-01'),
	(40103, 42, 402, 'simple', 'apport_financier', NULL);
-- Publier: 30 units on a loan guarantee repaid on 30 June 2022 (rights end
-- 30 June 2027); 5 more whose loan was repaid in 2015 (rights gone)
INSERT INTO reservation (logement_id, reservataire_id, droit, fondement, date_remboursement)
SELECT 40200 + i, 43, 'suite', 'garantie_emprunt', CASE WHEN i <= 30 THEN date '2022-06-30' ELSE date '2015-01-01' END
  FROM generate_series(1, 35) i;

-- 1 000 units, 8 % rotation: Action Logement's 100 units x 10 years = 80
-- single rights at 10 %; Publier's 30 x 2.4932 years = 5.98 -> 6; the
-- employer's 2 x 5 years = 0.8 -> 1, plus its droit simple: 2 rights, in
-- years 2025 and 2027, so that it is not drowned in the flux
SELECT * FROM conversion(40, '74', 2025);
SELECT reservataire_id, droits_uniques FROM conversion(40, '74', 2025, arrondi => 'inferieur');
SELECT reservataire_id, taux_rotation_retenu, droits_uniques FROM conversion(40, '74', 2025, taux_rotation => 10);
SELECT * FROM echeancier_conversion(40, '74', 2025) WHERE reservataire_id = 42;
SELECT reservataire_id, min(annee), max(annee), sum(droits) FROM echeancier_conversion(40, '74', 2025) GROUP BY 1 ORDER BY 1;

-- a right without any end needs the duration the parties agreed
INSERT INTO reservation (logement_id, reservataire_id, droit, fondement) VALUES (40300, 41, 'suite', 'autre');
SELECT * FROM conversion(40, '74', 2025);
SELECT reservataire_id, logements_reserves, annees_logement, droits_uniques
  FROM conversion(40, '74', 2025, annees_sans_terme => 20) WHERE reservataire_id = 41;
DELETE FROM reservation WHERE logement_id = 40300;
-- a unit excluded from the flux (national defence) stays in stock: not converted
UPDATE logement SET exclusion = 'defense' WHERE id = 40100;
SELECT reservataire_id, logements_reserves, parc, taux_converti, droits_uniques FROM conversion(40, '74', 2025) WHERE reservataire_id = 41;
UPDATE logement SET exclusion = NULL WHERE id = 40100;
-- fails: a right running past 99 years is a data error
UPDATE reservation SET date_fin = '2124-01-02' WHERE logement_id = 40001;
SELECT * FROM conversion(40, '74', 2025);
UPDATE reservation SET date_fin = '2035-01-01' WHERE logement_id = 40001;
-- fails: bad parameters; no rotation to take
SELECT * FROM conversion(40, '74', 2025, fenetre => 0);
SELECT * FROM conversion(40, '74', 2025, arrondi => 'bancaire');
SELECT * FROM conversion(40, '74', 2025, annees_sans_terme => 0);
SELECT * FROM conversion(40, '74', 2026);
SELECT * FROM conversion(40, '74', 2025, arrondi => NULL);
SELECT * FROM conversion(40, '74', 2025, taux_rotation => 150);

--
-- conventions still in stock after 24 November 2023
--
SELECT convention_id, reservataire, categorie, logements_en_stock, reprise_possible, reprise_id, situation
  FROM conformite WHERE bailleur_id = 40 ORDER BY convention_id;
SELECT convention_id, count(*), min(ident_rep), bool_or(repris) FROM logements_reprenables WHERE bailleur_id = 40 GROUP BY 1 ORDER BY 1;

-- the préfet adds the small employer's 3 units to the State's flux from 1 March 2025
SELECT reprise_prefet(402, '2025-03-01', 'Arrêté préfectoral 2025-DDETS-17') AS reprise;
SELECT convention_id, reprise_id, reprise_arrete, reprise_depuis, situation FROM conformite WHERE convention_id = 402;
SELECT r.convention_id, r.convention_etat_id, count(l.*) FROM reprise_prefet r JOIN reprise_prefet_logement l ON l.reprise_id = r.id GROUP BY 1, 2;
-- the State gains the 3 units of 1 000 (0.3 %) for 306 days of 365 in 2025
SELECT convention_id, categorie, taux, source_taux, fraction_annee, taux_effectif, logements_dus FROM parts(40, '74', 2025);
-- fails: twice; the State's own stock; a flux convention; too early; unknown
SELECT reprise_prefet(402, '2025-04-01', 'bis');
SELECT reprise_prefet(400, '2025-04-01', 'x');
SELECT reprise_prefet(403, '2025-04-01', 'x');
SELECT reprise_prefet(401, '2023-11-24', 'x');
SELECT reprise_prefet(999, '2025-04-01', 'x');
SELECT reprise_prefet(401, '2025-04-01', '');
SELECT reprise_prefet(401, '2025-04-01', 'x', convention_etat => 401);
-- fails: before the stock convention takes effect
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, regime, date_effet)
VALUES (404, 40, 43, '74', 'stock', '2026-01-01');
SELECT reprise_prefet(404, '2025-04-01', 'x');

-- lifted when the compliant convention is signed: the units go back
SELECT lever_reprise_prefet(1, '2025-09-01', 'convention conforme signée le 1er septembre 2025');
SELECT convention_id, reprise_id, situation FROM conformite WHERE convention_id = 402;
SELECT categorie, source_taux, fraction_annee, taux_effectif FROM parts(40, '74', 2025) WHERE source_taux LIKE 'reprise%';
-- cancelled on its first day, it leaves nothing
SELECT reprise_prefet(402, '2025-10-01', 'Arrêté par erreur') AS reprise;
SELECT lever_reprise_prefet(2, '2025-10-01', 'erreur matérielle');
SELECT count(*) AS reprises_2025 FROM parts(40, '74', 2025) WHERE source_taux LIKE 'reprise%' AND taux_effectif > 0;
-- fails: twice; before its first day; unknown; no reason
SELECT lever_reprise_prefet(1, '2025-10-01', 'encore');
SELECT reprise_prefet(402, '2025-11-01', 'Arrêté 3');
SELECT lever_reprise_prefet(3, '2025-10-01', 'trop tôt');
SELECT lever_reprise_prefet(99, '2025-10-01', 'inconnue');
SELECT lever_reprise_prefet(3, '2025-12-01', NULL);

--
-- first letting of a new programme
--
INSERT INTO programme (id, bailleur_id, nom, depcom, date_livraison) VALUES (40, 40, 'Les Rives du Lac', '74218', '2025-06-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, date_mise_en_service, programme_id)
VALUES (41001, 40, 'RL-1', '74218', false, 'C', 1, 28, 13, true, '2025-06-01', 40),
       (41002, 40, 'RL-2', '74218', false, 'C', 1, 31, 13, true, '2025-06-01', 40),
       (41003, 40, 'RL-3', '74218', false, 'C', 2, 45, 13, true, '2025-06-01', 40),
       (41004, 40, 'RL-4', '74218', false, 'C', 2, 47, 10, true, '2025-06-01', 40),
       (41005, 40, 'RL-5', '74218', false, 'C', 2, 49, 13, true, '2025-06-01', 40),
       (41006, 40, 'RL-6', '74218', false, 'C', 3, 62, 13, true, '2025-06-01', 40),
       (41007, 40, 'RL-7', '74218', false, 'C', 3, 64, 10, true, '2025-06-01', 40),
       (41008, 40, 'RL-8', '74218', false, 'C', 3, 66, 13, true, '2025-06-01', 40),
       (41009, 40, 'RL-9', '74218', false, 'C', 4, 80, 13, true, '2025-06-01', 40),
       (41010, 40, 'RL-10', '74218', false, 'C', 5, 95, 13, true, '2025-06-01', 40);
-- fails: no State among the financers
SELECT * FROM premiere_attribution(40);
-- the State 30 %; Action Logement 300 000 EUR and Publier 100 000 EUR share
-- the other 70 %: 52.5 % and 17.5 %; 10 units: 3, 5 and 2
INSERT INTO financement_programme (programme_id, reservataire_id, contribution, taux_convenu, objet) VALUES
	(40, 40, NULL, NULL, 'agrément PLUS/PLAI'),
	(40, 41, 300000, NULL, 'subvention'),
	(40, 43, 100000, NULL, 'garantie d''emprunt et terrain');
SELECT * FROM premiere_attribution(40);
-- every financer gets small and large units
SELECT reservataire, count(*), min(typologie), max(typologie) FROM premiere_attribution(40) GROUP BY 1 ORDER BY 1;
-- agreed otherwise: the State 20 %, the bailleur keeps 10 %
SELECT reservataire, taux, logements_dus, count(*) FROM premiere_attribution(40, part_etat => '20%', part_bailleur => '10%')
 GROUP BY 1, 2, 3 ORDER BY 1 NULLS LAST;
-- fails: agreed shares above 100 %; unknown programme; no unit
UPDATE financement_programme SET taux_convenu = '80%' WHERE reservataire_id = 41;
SELECT * FROM premiere_attribution(40);
SELECT * FROM premiere_attribution(99);
INSERT INTO programme (id, bailleur_id, nom, depcom) VALUES (41, 40, 'Vide', '74218');
SELECT * FROM premiere_attribution(41);
INSERT INTO financement_programme (programme_id, reservataire_id) VALUES (41, 41);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, programme_id)
VALUES (41011, 40, 'V-1', '74218', false, 'C', 2, 13, true, 41);
SELECT * FROM premiere_attribution(41, part_etat => '0%');
