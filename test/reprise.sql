-- reprise: the préfet's reprise and the stock that stays stock (issue 14
-- item 3), and the checks of the conversion's arguments (item 9).
--
-- Bailleur 1401 in Publier (74), 12 units 14001..14012 (PLUS, conventionné):
--   14006, 14007 reserved for national defence (exclusion 'defense'),
--   14008 in the sales plan (exclusion 'vente'), 14011 to be demolished
--   (exclusion 'demolition'): the assiette is 12 - 4 = 8 units.
-- Stock conventions:
--   1401 Action Logement: 14001, 14002 until 2040-01-01 (running), 14003
--        until 2020-01-01 (lapsed: "logement non réservé"), 14008 until
--        2040 (running, but outside the assiette);
--   1402 Ministère des Armées, maintien_stock 'defense': 14006, 14007 (and
--        14009, a unit RPLS did not mark, in the assiette);
--   1403 Commune de Publier, loan guarantees: 14004 repaid 2018-06-30
--        (rights end 2023-06-30: lapsed), 14005 repaid 2030-01-01 (rights
--        end 2035-01-01).
-- Flux: 1400 the State 30 %, 1404 an employer 10 % with reservations on
--   14011 (outside the assiette) and 14012 (inside), until 2040.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(64);

\ir erreurs_aide.psql

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (1401, '140100001', 'Bailleur de la reprise', 'oph');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(1401, 'Préfet (reprise)', 'etat', NULL),
	(1402, 'Action Logement (reprise)', 'action_logement', NULL),
	(1403, 'Ministère des Armées (reprise)', 'autre', NULL),
	(1404, 'Commune de Publier (reprise)', 'commune', '74218'),
	(1405, 'Employeur (reprise)', 'employeur', NULL);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, exclusion)
SELECT 14000 + i, 1401, 'RP' || i, '74218', false, 'C', 2, 13, true, 2000,
	   CASE WHEN i IN (6, 7) THEN 'defense' WHEN i = 8 THEN 'vente' WHEN i = 11 THEN 'demolition' END::motif_exclusion
  FROM generate_series(1, 12) i;

INSERT INTO convention (id, bailleur_id, reservataire_id, departement, regime, taux, date_effet, maintien_stock) VALUES
	(1400, 1401, 1401, '74', 'flux', '30%', '2024-01-01', NULL),
	(1401, 1401, 1402, '74', 'stock', NULL, '1990-01-01', NULL),
	(1402, 1401, 1403, '74', 'stock', NULL, '2000-01-01', 'defense'),
	(1403, 1401, 1404, '74', 'stock', NULL, '1995-01-01', NULL),
	(1404, 1401, 1405, '74', 'flux', '10%', '2024-01-01', NULL);
INSERT INTO reservation (logement_id, reservataire_id, convention_id, droit, fondement, date_fin, date_remboursement) VALUES
	(14001, 1402, 1401, 'suite', 'apport_financier', '2040-01-01', NULL),
	(14002, 1402, 1401, 'suite', 'apport_financier', '2040-01-01', NULL),
	(14003, 1402, 1401, 'suite', 'apport_financier', '2020-01-01', NULL),
	(14008, 1402, 1401, 'suite', 'apport_financier', '2040-01-01', NULL),
	(14006, 1403, 1402, 'suite', 'autre', '2040-01-01', NULL),
	(14007, 1403, 1402, 'suite', 'autre', '2040-01-01', NULL),
	(14009, 1403, 1402, 'suite', 'autre', '2040-01-01', NULL),
	(14004, 1404, 1403, 'suite', 'garantie_emprunt', NULL, '2018-06-30'),
	(14005, 1404, 1403, 'suite', 'garantie_emprunt', NULL, '2030-01-01'),
	(14011, 1405, NULL, 'suite', 'apport_financier', '2040-01-01', NULL),
	(14012, 1405, NULL, 'suite', 'apport_financier', '2040-01-01', NULL);

--------------------------------------------------------------------------
-- only rights still running
--------------------------------------------------------------------------
SELECT results_eq(
	$$SELECT logement_id, fin_droits, droits_en_cours FROM logements_en_stock WHERE convention_id IN (1401, 1403) ORDER BY 1$$,
	$$VALUES (14001::bigint, date '2040-01-01', true), (14002, '2040-01-01', true), (14003, '2020-01-01', false),
			 (14004, '2023-06-30', false), (14005, '2035-01-01', true), (14008, '2040-01-01', true)$$,
	'logements_en_stock: each unit with the end of its right (a guarantee: repayment + 5 years)');
SELECT results_eq(
	$$SELECT convention_id, logements_en_stock, logements_droits_echus FROM conformite WHERE bailleur_id = 1401 ORDER BY 1$$,
	$$VALUES (1401::bigint, 3::bigint, 1::bigint), (1402, 3, 0), (1403, 1, 1)$$,
	'conformite: the units still reserved, and those whose rights ended apart');
-- a unit RPLS marks reserved and recorded with a lapsed right is not reserved
UPDATE logement SET stock_reservataire_id = 1402 WHERE id IN (14003, 14010);
SELECT results_eq(
	$$SELECT logement_id, fin_droits, droits_en_cours FROM logements_en_stock WHERE convention_id = 1401 AND logement_id IN (14003, 14010) ORDER BY 1$$,
	$$VALUES (14003::bigint, date '2020-01-01', false), (14010, NULL::date, true)$$,
	'logements_en_stock: a unit RPLS says reserved takes the end of its recorded reservation (none recorded: no end known), listed once');
UPDATE logement SET stock_reservataire_id = NULL WHERE id IN (14003, 14010);
SELECT results_eq(
	$$SELECT convention_id, logement_id FROM logements_reprenables WHERE bailleur_id = 1401 ORDER BY 1, 2$$,
	$$VALUES (1401::bigint, 14001::bigint), (1401, 14002), (1403, 14005)$$,
	'logements_reprenables: rights running, in the assiette (not 14003 lapsed, 14004 lapsed, 14008 in the sales plan), never the defence convention');

SELECT lives_ok($$SELECT reprise_prefet(1401, '2025-03-01', 'Arrêté 2025-A')$$, 'reprise_prefet: Action Logement''s stock');
SELECT results_eq(
	$$SELECT pl.logement_id, pl.fin_droits FROM reprise_prefet_logement pl JOIN reprise_prefet p ON p.id = pl.reprise_id
	   WHERE p.convention_id = 1401 ORDER BY 1$$,
	$$VALUES (14001::bigint, date '2040-01-01'), (14002, '2040-01-01')$$,
	'reprise_prefet: takes 14001 and 14002 with the end of their rights; never 14003 (lapsed) nor 14008 (outside the assiette)');
SELECT lives_ok($$SELECT reprise_prefet(1403, '2025-03-01', 'Arrêté 2025-B')$$, 'reprise_prefet: Publier''s guarantees');
SELECT results_eq(
	$$SELECT pl.logement_id, pl.fin_droits FROM reprise_prefet_logement pl JOIN reprise_prefet p ON p.id = pl.reprise_id
	   WHERE p.convention_id = 1403 ORDER BY 1$$,
	$$VALUES (14005::bigint, date '2035-01-01')$$,
	'reprise_prefet: a guarantee whose loan was repaid in 2018 ended in 2023 and is never added to the State''s flux');
-- the decision's day decides: on 2024-01-01, 14003 had lapsed already, and
-- a right ending in 2024-06-30 would still have run
UPDATE reservation SET date_remboursement = '2019-06-30' WHERE logement_id = 14004;
SELECT lever_reprise_prefet(r.id, r.date_debut, 'erreur') FROM reprise_prefet r WHERE r.convention_id = 1403 AND r.date_fin IS NULL;
SELECT lives_ok($$SELECT reprise_prefet(1403, '2024-06-29', 'Arrêté 2024-C')$$, 'reprise_prefet: on 2024-06-29');
SELECT results_eq(
	$$SELECT pl.logement_id FROM reprise_prefet_logement pl JOIN reprise_prefet p ON p.id = pl.reprise_id
	   WHERE p.convention_id = 1403 AND p.date_fin IS NULL ORDER BY 1$$,
	$$VALUES (14004::bigint), (14005)$$,
	'reprise_prefet: on 2024-06-29 the right ending 2024-06-30 still runs and is taken');
UPDATE reservation SET date_remboursement = '2018-06-30' WHERE logement_id = 14004;

--------------------------------------------------------------------------
-- defence, internal security, public health: stock stays stock
--------------------------------------------------------------------------
SELECT results_eq(
	$$SELECT en_retard, reprise_possible, maintien_stock, situation FROM conformite WHERE convention_id = 1402$$,
	$$VALUES (false, false, 'defense', 'réservation au profit de la défense nationale : reste gérée en stock, hors du flux (conforme)')$$,
	'conformite: a defence convention is never late, not for the préfet to take');
SELECT results_eq(
	$$SELECT convention_id, en_retard FROM conformite WHERE bailleur_id = 1401 AND convention_id <> 1402 ORDER BY 1$$,
	$$VALUES (1401::bigint, true), (1403, true)$$,
	'conformite: the other stock conventions are late');
SELECT throws_ok($$SELECT reprise_prefet(1402, '2025-03-01', 'Arrêté 2025-D')$$, '22023',
	'convention 1402 reserves units for national defence: they stay in stock and the préfet cannot take them back',
	'reprise_prefet: refuses a defence convention');
SELECT ok(pg_temp.hint_de($$SELECT reprise_prefet(1402, '2025-03-01', 'Arrêté 2025-D')$$) LIKE '%maintien_stock%',
	'reprise_prefet: the defence refusal has a hint');
UPDATE convention SET maintien_stock = 'securite_interieure' WHERE id = 1402;
SELECT throws_ok($$SELECT reprise_prefet(1402, '2025-03-01', 'Arrêté 2025-D')$$, '22023',
	'convention 1402 reserves units for internal security: they stay in stock and the préfet cannot take them back',
	'reprise_prefet: refuses an internal-security convention');
SELECT is((SELECT situation FROM conformite WHERE convention_id = 1402),
	'réservation au profit de la sécurité intérieure : reste gérée en stock, hors du flux (conforme)', 'conformite: internal security in words');
UPDATE convention SET maintien_stock = 'sante' WHERE id = 1402;
SELECT throws_ok($$SELECT reprise_prefet(1402, '2025-03-01', 'Arrêté 2025-D')$$, '22023',
	'convention 1402 reserves units for public health establishments: they stay in stock and the préfet cannot take them back',
	'reprise_prefet: refuses a public-health convention');
UPDATE convention SET maintien_stock = 'defense' WHERE id = 1402;
SELECT is((SELECT count(*) FROM reprise_prefet WHERE convention_id = 1402), 0::bigint, 'reprise_prefet: nothing recorded for it');
SELECT throws_ok($$UPDATE convention SET maintien_stock = 'vente' WHERE id = 1402$$, '23514', NULL,
	'maintien_stock: only defense, securite_interieure or sante');
SELECT throws_ok($$UPDATE convention SET maintien_stock = 'defense' WHERE id = 1404$$, '23514', NULL,
	'maintien_stock: only on a stock convention');

-- the conversion: 8 units in the assiette; 10 % rotation, 1 January 2025.
--   Action Logement: 14001, 14002 until 2040 = 2 x 15 years x 10 % = 3
--     rights, share 2 / 8 = 25 %; 14003 lapsed, 14008 outside the assiette.
--   Publier: 14005 until 2035 = 10 years x 10 % = 1 right, 1 / 8 = 12.5 %.
--   The employer: 14012 = 15 x 10 % = 1.5 -> 2; 14011 (to be demolished) nothing.
--   The defence convention: nothing, not even 14009, a unit in the assiette.
SELECT results_eq(
	$$SELECT reservataire_id, logements_reserves, parc, taux_converti, droits_uniques
		FROM conversion(1401, '74', 2025, taux_rotation => 10) ORDER BY 1$$,
	$$VALUES (1402::bigint, 2, 8, 25.00, 3), (1404, 1, 8, 12.50, 1), (1405, 1, 8, 12.50, 2)$$,
	'conversion: only units of the assiette, rights running, never the defence convention');
-- actualiser_taux: the employer's 14011 (outside the assiette) adds nothing
SELECT results_eq(
	$$SELECT convention_id, reserves, parc, taux FROM actualiser_taux(1401, '74', 2025)$$,
	$$VALUES (1404::bigint, 1, 8, 12.50)$$,
	'actualiser_taux: a reservation on a unit outside the assiette adds nothing');
-- a right with no end on a defence convention does not stop the conversion
UPDATE reservation SET date_fin = NULL WHERE logement_id = 14009;
SELECT lives_ok($$SELECT * FROM conversion(1401, '74', 2025, taux_rotation => 10)$$,
	'conversion: a defence right without an end is not asked for');
UPDATE reservation SET date_fin = '2040-01-01' WHERE logement_id = 14009;

--------------------------------------------------------------------------
-- the préfet's remedies: notice, termination, arrêté (R. 441-5-2 IV)
--------------------------------------------------------------------------
SELECT lives_ok($$INSERT INTO mise_en_demeure (id, bailleur_id, departement, convention_id, objet, date_mise_en_demeure)
	VALUES (1401, 1401, '74', 1400, 'respecter les engagements de la convention de réservation de l''État', '2025-03-01')$$,
	'mise_en_demeure: a notice about the State''s convention');
SELECT results_eq(
	$$SELECT mise_en_demeure_id, mise_en_demeure_le, suite_mise_en_demeure FROM conformite WHERE convention_id = 1401$$,
	$$VALUES (1401::bigint, date '2025-03-01', 'mise en demeure du 01/03/2025 restée sans suite deux mois : le préfet peut résilier la convention et fixer les modalités par arrêté')$$,
	'conformite: the notice, unanswered for two months, in French');
SELECT throws_ok($$UPDATE mise_en_demeure SET date_resiliation = '2025-04-30' WHERE id = 1401$$, '23514',
	'convention 1400 cannot be terminated on 2025-04-30: the notice of 2025-03-01 has two months to be answered, until 2025-04-30',
	'mise_en_demeure: no termination within the two months');
SELECT ok(pg_temp.hint_de($$UPDATE mise_en_demeure SET date_resiliation = '2025-04-30' WHERE id = 1401$$) LIKE '%2025-05-01%',
	'mise_en_demeure: the hint gives the first day the préfet may terminate');
SELECT throws_ok($$UPDATE mise_en_demeure SET arrete = 'Arrêté 2025-M', date_arrete = '2025-06-01' WHERE id = 1401$$, '23514',
	'the préfet''s arrêté of 2025-06-01 cannot fix the terms while convention 1400 is not terminated',
	'mise_en_demeure: no arrêté before the termination');
SELECT lives_ok($$UPDATE mise_en_demeure SET date_resiliation = '2025-05-01' WHERE id = 1401$$,
	'mise_en_demeure: terminated two months after, unanswered');
SELECT is((SELECT suite_mise_en_demeure FROM conformite WHERE convention_id = 1401),
	'convention 1400 résiliée le 01/05/2025 après la mise en demeure du 01/03/2025 restée sans suite deux mois',
	'conformite: the termination, in French');
SELECT throws_ok($$UPDATE mise_en_demeure SET arrete = 'Arrêté 2025-M', date_arrete = '2025-04-30' WHERE id = 1401$$, '23514',
	'the préfet''s arrêté of 2025-04-30 cannot fix the terms while convention 1400 is not terminated',
	'mise_en_demeure: no arrêté before the termination''s day');
SELECT throws_ok($$UPDATE mise_en_demeure SET arrete = 'Arrêté 2025-M' WHERE id = 1401$$, '23514', NULL,
	'mise_en_demeure: an arrêté has its date');
SELECT lives_ok($$UPDATE mise_en_demeure SET arrete = 'Arrêté 2025-M', date_arrete = '2025-06-01' WHERE id = 1401$$,
	'mise_en_demeure: the arrêté after the termination');
SELECT results_eq(
	$$SELECT resiliation_le, arrete_modalites, arrete_modalites_le, suite_mise_en_demeure FROM conformite WHERE convention_id = 1403$$,
	$$VALUES (date '2025-05-01', 'Arrêté 2025-M', date '2025-06-01', 'arrêté Arrêté 2025-M du 01/06/2025 fixant les modalités des réservations (R. 441-5-2 IV)')$$,
	'conformite: every stock convention of the bailleur shows the préfet''s latest notice and what followed');
-- answered within the two months: no termination
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, convention_id, objet, date_mise_en_demeure, date_reponse, date_resiliation)
	VALUES (1401, '74', 1400, 'transmettre le bilan annuel', '2025-07-01', '2025-07-15', '2025-10-01')$$, '23514',
	NULL, 'mise_en_demeure: answered within two months, no termination');
SELECT ok((SELECT pg_temp.hint_de($$INSERT INTO mise_en_demeure (bailleur_id, departement, convention_id, objet, date_mise_en_demeure, date_reponse, date_resiliation)
	VALUES (1401, '74', 1400, 'transmettre le bilan annuel', '2025-07-01', '2025-07-15', '2025-10-01')$$)) <> '',
	'mise_en_demeure: with a hint');
SELECT lives_ok($$INSERT INTO mise_en_demeure (id, bailleur_id, departement, convention_id, objet, date_mise_en_demeure, date_reponse)
	VALUES (1402, 1401, '74', 1400, 'transmettre le bilan annuel', '2025-07-01', '2025-07-15')$$,
	'mise_en_demeure: answered');
SELECT is((SELECT suite_mise_en_demeure FROM conformite WHERE convention_id = 1401),
	'mise en demeure du 01/07/2025 : réponse du bailleur le 15/07/2025', 'conformite: the latest notice, answered');
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, convention_id, objet, date_mise_en_demeure, date_reponse)
	VALUES (1401, '74', 1400, 'x', '2025-07-01', '2025-06-30')$$, '23514', NULL,
	'mise_en_demeure: no answer before the notice');
-- a notice concerns the State's convention only
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, convention_id, objet, date_mise_en_demeure)
	VALUES (1401, '74', 1401, 'x', '2025-07-01')$$, '23514',
	'convention 1401 is not the State''s convention with bailleur 1401 in département 74',
	'mise_en_demeure: not another réservataire''s convention');
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, convention_id, objet, date_mise_en_demeure)
	VALUES (1401, '73', 1400, 'x', '2025-07-01')$$, '23514',
	'convention 1400 is not the State''s convention with bailleur 1401 in département 73',
	'mise_en_demeure: not in another département');
-- refusal to sign: no convention, an arrêté after two months unanswered
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, objet, date_mise_en_demeure, date_resiliation)
	VALUES (1401, '74', 'signer la convention de réservation de l''État', '2025-01-10', '2025-04-01')$$, '23514',
	'the notice of 2025-01-10 to bailleur 1401 names no convention to terminate', 'mise_en_demeure: nothing to terminate without a convention');
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, objet, date_mise_en_demeure, arrete, date_arrete)
	VALUES (1401, '74', 'signer la convention de réservation de l''État', '2025-01-10', 'Arrêté 2025-S', '2025-03-09')$$, '23514',
	'the préfet''s arrêté of 2025-03-09 comes before the notice of 2025-01-10 went unanswered for two months',
	'mise_en_demeure: no arrêté within the two months');
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, objet, date_mise_en_demeure, date_reponse, arrete, date_arrete)
	VALUES (1401, '74', 'signer la convention de réservation de l''État', '2025-01-10', '2025-02-01', 'Arrêté 2025-S', '2025-04-01')$$, '23514',
	'the préfet''s arrêté of 2025-04-01 comes before the notice of 2025-01-10 went unanswered for two months',
	'mise_en_demeure: no arrêté when the bailleur answered within the two months');
SELECT lives_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, objet, date_mise_en_demeure, arrete, date_arrete)
	VALUES (1401, '74', 'signer la convention de réservation de l''État', '2025-01-10', 'Arrêté 2025-S', '2025-03-10')$$,
	'mise_en_demeure: the arrêté fixing the terms two months after, unanswered');
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, objet, date_mise_en_demeure)
	VALUES (1401, '74', '', '2025-01-10')$$, '23514', NULL, 'mise_en_demeure: says what it asks');
SELECT throws_ok($$INSERT INTO mise_en_demeure (bailleur_id, departement, objet, date_mise_en_demeure)
	VALUES (1401, '74', 'x', NULL)$$, '23502', NULL, 'mise_en_demeure: has its date');

--------------------------------------------------------------------------
-- no silent zeros (item 9)
--------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM conversion(NULL, '74', 2025, taux_rotation => 10)$$, '22004', NULL, 'conversion: NULL bailleur');
SELECT throws_ok($$SELECT * FROM conversion(-1, '74', 2025, taux_rotation => 10)$$, 'P0002', NULL, 'conversion: unknown bailleur');
SELECT throws_ok($$SELECT * FROM conversion(1401, NULL, 2025, taux_rotation => 10)$$, '22004', NULL, 'conversion: NULL département');
SELECT throws_ok($$SELECT * FROM conversion(1401, '7', 2025, taux_rotation => 10)$$, '22023', NULL, 'conversion: ''7'' is not a département');
-- flux.verifier_annee decides NULL's SQLSTATE (22023 in 0.9.0, 22004 meant)
SELECT ok(pg_temp.etat_de($$SELECT * FROM conversion(1401, '74', NULL, taux_rotation => 10)$$) IN ('22004', '22023'), 'conversion: NULL year');
SELECT throws_ok($$SELECT * FROM conversion(1401, '74', 20250, taux_rotation => 10)$$, '22023', NULL, 'conversion: a year out of range');
SELECT ok(pg_temp.hint_de($$SELECT * FROM conversion(1401, '1', 2025)$$) <> '', 'conversion: a bad département with a hint');
SELECT throws_ok($$SELECT * FROM echeancier_conversion(NULL, '74', 2025, taux_rotation => 10)$$, '22004', NULL, 'echeancier_conversion: NULL bailleur');
SELECT throws_ok($$SELECT * FROM echeancier_conversion(1401, '1', 2025, taux_rotation => 10)$$, '22023', NULL, 'echeancier_conversion: ''1''');
SELECT throws_ok($$SELECT * FROM echeancier_conversion(-1, '74', 2025, taux_rotation => 10)$$, 'P0002', NULL, 'echeancier_conversion: unknown bailleur');
SELECT ok(pg_temp.etat_de($$SELECT * FROM echeancier_conversion(1401, '74', NULL, taux_rotation => 10)$$) IN ('22004', '22023'), 'echeancier_conversion: NULL year');
SELECT throws_ok($$SELECT reprise_prefet(NULL, '2025-03-01', 'x')$$, '22004', 'convention is NULL', 'reprise_prefet: NULL convention');
SELECT throws_ok($$SELECT lever_reprise_prefet(NULL, '2025-03-01', 'x')$$, '22004', 'préfet''s decision is NULL', 'lever_reprise_prefet: NULL decision');
SELECT throws_ok($$SELECT * FROM premiere_attribution(NULL)$$, '22004', 'programme is NULL', 'premiere_attribution: NULL programme');
SELECT ok(pg_temp.hint_de($$SELECT reprise_prefet(NULL, '2025-03-01', 'x')$$) <> '', 'reprise_prefet: NULL convention, with a hint');

--------------------------------------------------------------------------
-- the shares of a later year count a reprise's units still reserved and
-- in that year's assiette: 1403's 14004 (rights ended 2024-06-30) no
-- longer, 1401's 14001 no longer once in the sales plan
--------------------------------------------------------------------------
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation) VALUES (1401, '74', 2027, 10)
	ON CONFLICT DO NOTHING;
SELECT results_eq(
	$$SELECT source_taux FROM parts(1401, '74', 2027) WHERE source_taux LIKE 'reprise%' ORDER BY 1$$,
	$$VALUES ('reprise par le préfet (Arrêté 2024-C) : 1 logement(s) de la convention en stock 1403'), ('reprise par le préfet (Arrêté 2025-A) : 2 logement(s) de la convention en stock 1401')$$,
	'parts: a reprise counts the units whose right still runs on 1 January (not 14004, ended 2024-06-30)');
UPDATE logement SET exclusion = 'vente' WHERE id = 14001;
SELECT results_eq(
	$$SELECT source_taux FROM parts(1401, '74', 2027) WHERE source_taux LIKE 'reprise%' ORDER BY 1$$,
	$$VALUES ('reprise par le préfet (Arrêté 2024-C) : 1 logement(s) de la convention en stock 1403'), ('reprise par le préfet (Arrêté 2025-A) : 1 logement(s) de la convention en stock 1401')$$,
	'parts: a reprise counts only units in the assiette of the year (not 14001, in the sales plan)');

SELECT * FROM finish();
ROLLBACK;
