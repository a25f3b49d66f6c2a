-- part_etat: the State's share report decides its verdicts on the units it
-- prints (issue 14 items 4 and 9).  R. 441-5-2 CCH, FAQ §4.3 and §5: outside
-- QPV the State's share of the flux is at least 30 %; in the whole flux at
-- most 30 % (without a préfet's derogation); the same rate in every commune.
-- Four bailleurs in Ornex, every unit outside QPV, the State at 30 %:
--   1411: 170 units x 10 % = 17 to share; 30 % of 17 = 5.1 -> 5 units =
--         29.41 %: below the floor (0.9.0 said conforme beside 29.41)
--   1412: 6 667 units x 100 % = 6 667; 30 % = 2 000.1 -> 2 000 = 29.9985 %:
--         below the floor (0.9.0 printed 30.00 and conforme)
--   1413: 20 units x 10 % = 2; 30 % = 0.6 -> 1 unit = 50 %: above the
--         maximum of the whole flux (0.9.0: conforme)
--   1414: 1 000 units x 10 % = 100; 30 units = 30 %: both limits met
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(14);

INSERT INTO flux.commune (depcom, nom, epci) VALUES ('01281', 'Ornex', '240100750') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES
	(1411, '914110001', 'B 17', 'esh'), (1412, '914120001', 'B 6667', 'esh'),
	(1413, '914130001', 'B 2', 'esh'), (1414, '914140001', 'B 100', 'esh');
INSERT INTO flux.reservataire (id, nom, categorie) VALUES (1411, 'Préfet de l''Ain (part_etat)', 'etat');
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 1410000 + i, CASE WHEN i <= 170 THEN 1411 WHEN i <= 190 THEN 1413 WHEN i <= 1190 THEN 1414 ELSE 1412 END,
	   'PE' || i, '01281', false, 'C', 3, 13, true, 2000
  FROM generate_series(1, 7857) i;
INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee, taux_rotation, soustraire_mutation) VALUES
	(1411, '01', 2025, 10, false), (1412, '01', 2025, 100, false), (1413, '01', 2025, 10, false), (1414, '01', 2025, 10, false);
INSERT INTO flux.convention (bailleur_id, reservataire_id, departement, taux, date_effet)
SELECT b, 1411, '01', '30%', '2024-01-01' FROM unnest(ARRAY[1411, 1412, 1413, 1414]) b;

-- outside QPV
SELECT results_eq($$SELECT flux_prevu, logements_etat, taux_etat, conforme FROM part_etat(1411, '01', 2025) WHERE perimetre = 'hors_qpv'$$,
	$$VALUES (17, 5, 29.41::numeric, false)$$, '5 units of 17 outside QPV: 29.41 %, not conforme (0.9.0: true)');
SELECT is((SELECT observation FROM part_etat(1411, '01', 2025) WHERE perimetre = 'hors_qpv'),
	'5 logement(s) de l''Etat sur 17 hors QPV (29,41 %, taux de l''Etat 30 %) : moins que les 30 % que fixe l''article R. 441-5-2 du CCH ; il en faut 6',
	'the observation says how many units the floor needs');
SELECT results_eq($$SELECT logements_etat, taux_etat, conforme FROM part_etat(1412, '01', 2025) WHERE perimetre = 'hors_qpv'$$,
	$$VALUES (2000, 29.99::numeric, false)$$, '2 000 of 6 667 = 29.9985 %: printed 29.99, not conforme (0.9.0: 30.00 and true)');
SELECT results_eq($$SELECT logements_etat, taux_etat, conforme FROM part_etat(1414, '01', 2025) WHERE perimetre = 'hors_qpv'$$,
	$$VALUES (30, 30.00::numeric, true)$$, '30 of 100: conforme');
-- never true beside a printed figure below 30 %
SELECT is((SELECT count(*)::integer FROM unnest(ARRAY[1411, 1412, 1413, 1414]) b, part_etat(b, '01', 2025) x
			WHERE x.perimetre = 'hors_qpv' AND x.conforme AND x.taux_etat < 30), 0, 'outside QPV, never conforme below 30 % printed');
SELECT is((SELECT count(*)::integer FROM unnest(ARRAY[1411, 1412, 1413, 1414]) b, part_etat(b, '01', 2025) x
			WHERE x.perimetre = 'hors_qpv' AND NOT x.conforme AND x.taux_etat >= 30), 0, 'outside QPV, never refused at 30 % printed');

-- the whole flux: at most 30 %
SELECT results_eq($$SELECT flux_prevu, logements_etat, taux_etat, conforme FROM part_etat(1413, '01', 2025) WHERE perimetre = 'departement'$$,
	$$VALUES (2, 1, 50.00::numeric, false)$$, '1 unit of 2 = 50 % of the flux: above the maximum (0.9.0: true)');
SELECT results_eq($$SELECT taux_etat, conforme FROM part_etat(1412, '01', 2025) WHERE perimetre = 'departement'$$,
	$$VALUES (30.00::numeric, true)$$, '29.9985 % of the whole flux: printed up to 30.00, within the maximum');
SELECT results_eq($$SELECT taux_etat, conforme FROM part_etat(1414, '01', 2025) WHERE perimetre = 'departement'$$,
	$$VALUES (30.00::numeric, true)$$, '30 of 100: within the maximum');

-- per commune: the same rate everywhere
SELECT results_eq($$SELECT depcom, taux_etat_convention, conforme FROM part_etat(1411, '01', 2025) WHERE perimetre = 'commune'$$,
	$$VALUES ('01281'::text, 30::numeric, true)$$, 'a commune: the uniform rate');

-- item 9
SELECT throws_ok($$SELECT * FROM part_etat(NULL, '01', 2025)$$, '22004', 'bailleur is NULL', 'part_etat: NULL bailleur');
SELECT throws_ok($$SELECT * FROM part_etat(999999, '01', 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'part_etat: unknown bailleur');
SELECT throws_ok($$SELECT * FROM part_etat(1411, '1', 2025)$$, '22023', '"1" is not a département code', 'part_etat: "1"');
SELECT throws_ok($$SELECT * FROM part_etat(1411, '01', NULL)$$, '22004', 'year is NULL', 'part_etat: NULL year');

SELECT * FROM finish();
ROLLBACK;
