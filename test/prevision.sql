-- prevision: the forecast of year N (issue 14 items 5, 6, 9): the
-- département's published mean rotation, the soustractions forecast against
-- actual, the overestimate given back during the year or taken from the
-- bailleur's own share in N+1, and the checks of bailleur, département, year.
-- Every figure is computed by hand in the comment above its test.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(39);

INSERT INTO commune (depcom, nom, epci) VALUES ('01281', 'Ornex', '240100750') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (1401, '914010001', 'Bailleur de la prévision', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES
	(1401, 'Préfet de l''Ain (prévision)', 'etat'), (1402, 'Action Logement (prévision)', 'action_logement');
-- 1 000 ordinary PLUS units in Ornex, in the stock since 2000: the assiette is 1 000
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 1401000 + i, 1401, 'PR' || i, '01281', false, 'C', 3, 13, true, 2000 FROM generate_series(1, 1000) i;
SELECT setval('flux.convention_id_seq', greatest(nextval('flux.convention_id_seq'), 14100));
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(14101, 1401, 1401, '01', '30%', '2024-01-01'), (14102, 1401, 1402, '01', '20%', '2024-01-01');

--------------------------------------------------------------------------
-- item 6: the département's published mean rotation (Ornex art. 4.1)
--------------------------------------------------------------------------
-- the forecast of 2025 takes the rates published for 2021, 2022 and 2023
-- (the moves of 2024 are published in the autumn of 2025): (9 + 10 + 11.5)
-- / 3 = 10.1667 -> 10.17 %; 1 000 x 10.17 % = 101.7 -> 102 relettings;
-- mutations 10 % of 102 = 10.2 -> 10; 92 to share.  2024's 50 % and 2020's
-- 1 % are not read.
INSERT INTO rotation_departementale (departement, annee, definition, taux, source) VALUES
	('01', 2020, 'relocations', 1, 'test: outside the window'),
	('01', 2021, 'relocations', 9, 'SDES, RPLS au 1er janvier 2022'),
	('01', 2022, 'relocations', 10, 'SDES, RPLS au 1er janvier 2023'),
	('01', 2023, 'relocations', 11.5, 'SDES, RPLS au 1er janvier 2024'),
	('01', 2024, 'relocations', 50, 'test: not published at the forecast'),
	('01', 2022, 'emmenagements', 20, 'test: another definition');
INSERT INTO parametre_annuel (bailleur_id, departement, annee, source_rotation) VALUES (1401, '01', 2025, 'departementale');
SELECT results_eq($$SELECT taux_rotation, relocations_prevues, soustraction_mutation, flux_a_repartir FROM flux_previsionnel(1401, '01', 2025)$$,
	$$VALUES (10.17::numeric, 102, 10, 92)$$, 'departementale: the mean of the rates published for N-4 .. N-2');
SELECT is((SELECT source_taux FROM flux_previsionnel(1401, '01', 2025)),
	'moyenne des taux de rotation publiés pour le département 01 (relocations des logements de plus de deux ans), 2021 à 2023 : 9 % ; 10 % ; 11,5 % (SDES, RPLS au 1er janvier 2022; SDES, RPLS au 1er janvier 2023; SDES, RPLS au 1er janvier 2024)',
	'source_taux names the source, the years, the rates and the publications');
-- the definition of the year's parameters picks the rates: emmenagements has only 2022
UPDATE parametre_annuel SET definition_rotation = 'emmenagements' WHERE bailleur_id = 1401 AND annee = 2025;
SELECT throws_ok($$SELECT * FROM flux_previsionnel(1401, '01', 2025)$$, 'P0002',
	'no published rotation rate (emmenagements) of département 01 for 2021, 2023', 'a missing published rate names the years missing');
UPDATE parametre_annuel SET definition_rotation = 'relocations' WHERE bailleur_id = 1401 AND annee = 2025;
-- a year of the window missing is an error, not a mean of two
DELETE FROM rotation_departementale WHERE departement = '01' AND annee = 2022 AND definition = 'relocations';
SELECT throws_ok($$SELECT * FROM flux_previsionnel(1401, '01', 2025)$$, 'P0002',
	'no published rotation rate (relocations) of département 01 for 2022', 'the three years are required');
INSERT INTO rotation_departementale (departement, annee, taux, source) VALUES ('01', 2022, 10, 'SDES, RPLS au 1er janvier 2023');
-- which published years: a parameter (the texts say "issu des données
-- RPLS", not which years); 1 reads N-3 .. N-1: (10 + 11.5 + 50) / 3 = 23.83
UPDATE parametre_annuel SET decalage_rotation_publiee = 1 WHERE bailleur_id = 1401 AND annee = 2025;
SELECT is((SELECT taux_rotation FROM flux_previsionnel(1401, '01', 2025)), 23.83::numeric,
	'decalage_rotation_publiee 1: the rates published for N-3 .. N-1');
SELECT throws_ok($$UPDATE parametre_annuel SET decalage_rotation_publiee = 0 WHERE bailleur_id = 1401 AND annee = 2025$$, '23514', NULL,
	'decalage_rotation_publiee: a rate of year N is never published before its forecast');
UPDATE parametre_annuel SET decalage_rotation_publiee = 2 WHERE bailleur_id = 1401 AND annee = 2025;
-- bailleur: its own vacancies (none recorded here): the 0.9.0 error
UPDATE parametre_annuel SET source_rotation = 'bailleur' WHERE bailleur_id = 1401 AND annee = 2025;
SELECT throws_ok($$SELECT * FROM flux_previsionnel(1401, '01', 2025)$$, 'P0002',
	'no vacancy recorded for bailleur 1401 in département 01 from 2022 to 2024', 'bailleur: its own rates, not the département''s');
-- imposee needs taux_rotation (the model's check) and uses it
SELECT throws_ok($$UPDATE parametre_annuel SET source_rotation = 'imposee' WHERE bailleur_id = 1401 AND annee = 2025$$, '23514', NULL,
	'imposee without taux_rotation is refused');
UPDATE parametre_annuel SET source_rotation = 'imposee', taux_rotation = 10 WHERE bailleur_id = 1401 AND annee = 2025;
SELECT results_eq($$SELECT taux_rotation, source_taux, relocations_prevues FROM flux_previsionnel(1401, '01', 2025)$$,
	$$VALUES (10.00::numeric, 'taux imposé dans les paramètres de l''année', 100)$$, 'imposee: the rate of the year''s parameters');
SELECT has_table('flux', 'rotation_departementale', 'the published rates have a table');
SELECT ok((SELECT 'flux.rotation_departementale'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'flux'),
	'pg_dump keeps the published rates');
SELECT throws_ok($$INSERT INTO rotation_departementale (departement, annee, taux, source) VALUES ('1', 2022, 10, 'x')$$, '23514', NULL,
	'a published rate of "1" is refused');

--------------------------------------------------------------------------
-- item 5: forecast against actual, the overestimate carried into N+1
--------------------------------------------------------------------------
-- 2025: 100 expected relettings (10 % imposed); mutations by default 10 %
-- of them = 10; ANRU 5 forecast.  Actual in 2025: 4 mutations, 5 ANRU
-- relocations, 1 mutation cancelled (not counted).  The bailleur gave 2
-- units back during 2025 for the mutations.
UPDATE parametre_annuel SET prevision_anru = 5 WHERE bailleur_id = 1401 AND annee = 2025;
INSERT INTO vacance (id, logement_id, date_disponible)
SELECT 1401000 + i, 1401000 + i, '2025-03-01' FROM generate_series(1, 10) i;
INSERT INTO orientation (vacance_id, hors_flux, date_orientation)
SELECT 1401000 + i, CASE WHEN i <= 5 THEN 'mutation' ELSE 'anru' END::motif_hors_flux, '2025-03-02' FROM generate_series(1, 10) i;
UPDATE orientation SET etat = 'annulee' WHERE vacance_id = 1401005;

SELECT results_eq($$SELECT hors_flux, prevision, origine FROM soustractions_prevues(1401, '01', 2025) WHERE hors_flux IN ('mutation', 'anru', 'vente')$$,
	$$VALUES ('mutation', 10, '10 % des 100 relocations prévues'), ('anru', 5, 'prévision du bailleur'), ('vente', 0, 'prévision du bailleur')$$,
	'the default mutation rate is a forecast like the others');
SELECT results_eq($$SELECT hors_flux, prevision, realise, surestimation, redistribue, a_reporter FROM surestimations(1401, '01', 2025) WHERE hors_flux IN ('mutation', 'anru')$$,
	$$VALUES ('mutation', 10, 4, 6, 0, 6), ('anru', 5, 5, 0, 0, 0)$$, 'forecast 10, actual 4 (a cancelled one does not count): 6 overestimated');
SELECT results_eq($$SELECT prevision, realise, surestimation, a_rendre_au_flux, origine_prevision, redistribue, a_soustraire_annee_suivante
					  FROM bilan_hors_flux WHERE bailleur_id = 1401 AND annee = 2025 AND hors_flux = 'mutation'$$,
	$$VALUES (10, 4::bigint, 6::bigint, 6::bigint, '10 % des 100 relocations prévues', 0::bigint, 6::bigint)$$,
	'bilan_hors_flux shows the default mutation forecast and its overestimate');
-- given back during 2025: 2 units
INSERT INTO redistribution (bailleur_id, departement, annee, hors_flux, logements, date_redistribution, commentaire)
VALUES (1401, '01', 2025, 'mutation', 2, '2025-09-15', 'two units oriented to the State on top of its due');
SELECT results_eq($$SELECT redistribue, a_soustraire_annee_suivante FROM bilan_hors_flux WHERE bailleur_id = 1401 AND annee = 2025 AND hors_flux = 'mutation'$$,
	$$VALUES (2::bigint, 4::bigint)$$, 'what was given back during the year is not carried over');
SELECT throws_ok($$INSERT INTO redistribution (bailleur_id, departement, annee, hors_flux, logements, date_redistribution) VALUES (1401, '01', 2025, 'mutation', 1, '2026-01-10')$$,
	'23514', NULL, 'a redistribution of 2025 is made in 2025');
SELECT throws_ok($$INSERT INTO redistribution (bailleur_id, departement, annee, hors_flux, logements, date_redistribution) VALUES (1401, '01', 2025, 'non_reserve', 1, '2025-10-10')$$,
	'23514', NULL, 'only the six soustraction categories');
SELECT ok((SELECT 'flux.redistribution'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'flux'),
	'pg_dump keeps the redistributions');

-- 2026: 100 expected relettings, no soustraction: 100 to share.  The State
-- 30 -> 30 units, Action Logement 20 -> 20, the bailleur 50.  The 4 units
-- owed from 2025 leave the bailleur's share (50 -> 46) and go to the others
-- in proportion to 30 : 20: 2.4 and 1.6 -> 2 and 1, the last unit to the
-- largest remainder (0.6, Action Logement): 2 and 2.
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, soustraire_mutation)
VALUES (1401, '01', 2026, 10, false);
SELECT results_eq($$SELECT flux_a_repartir, report_surestimation, origine_report FROM flux_previsionnel(1401, '01', 2026)$$,
	$$VALUES (100, 4, 'surestimation de 2025 : mutations internes : 4 (prévu 10, réalisé 4, rendu 2)')$$,
	'flux_previsionnel of N+1 shows the overestimate of N not given back, with its origin');
SELECT results_eq($$SELECT categorie, logements_dus, dont_report FROM parts(1401, '01', 2026) ORDER BY convention_id NULLS LAST$$,
	$$VALUES ('etat', 32, 2), ('action_logement', 22, 2), ('non_reserve', 46, -4)$$,
	'parts of N+1 takes it from the bailleur''s own share');
SELECT is((SELECT sum(logements_dus)::integer FROM parts(1401, '01', 2026)), 100, 'the units still sum to the flux');
SELECT is((SELECT DISTINCT origine_report FROM parts(1401, '01', 2026)),
	'surestimation de 2025 : mutations internes : 4 (prévu 10, réalisé 4, rendu 2)', 'every row of parts says where it comes from');
-- the figure of the view and the figure of N+1 are the same
SELECT is((SELECT sum(a_soustraire_annee_suivante)::integer FROM bilan_hors_flux WHERE bailleur_id = 1401 AND annee = 2025),
	(SELECT report_surestimation FROM flux_previsionnel(1401, '01', 2026)), 'bilan_hors_flux and flux_previsionnel agree');
-- 2025 itself carries nothing (no parameters in 2024)
SELECT results_eq($$SELECT report_surestimation, origine_report FROM flux_previsionnel(1401, '01', 2025)$$,
	$$VALUES (0, NULL::text)$$, 'no forecast in N-1: nothing carried');
-- an explicit forecast of mutations is compared the same way: 3 forecast, 4 done: nothing owed
UPDATE parametre_annuel SET prevision_mutation = 3 WHERE bailleur_id = 1401 AND annee = 2025;
SELECT results_eq($$SELECT report_surestimation FROM flux_previsionnel(1401, '01', 2026)$$, $$VALUES (0)$$,
	'an underestimate is not carried');
UPDATE parametre_annuel SET prevision_mutation = NULL WHERE bailleur_id = 1401 AND annee = 2025;

-- a default mutation rate that cannot be computed (no rotation known for
-- 2027: no reletting recorded in 2024..2026) is NULL in the bilan, and says why
INSERT INTO parametre_annuel (bailleur_id, departement, annee) VALUES (1401, '01', 2027);
SELECT results_eq($$SELECT prevision, origine_prevision FROM bilan_hors_flux WHERE bailleur_id = 1401 AND annee = 2027 AND hors_flux = 'mutation'$$,
	$$VALUES (NULL::integer, '10 % des relocations prévues, non calculable : aucune vacance enregistrée de 2024 à 2026')$$,
	'a forecast that cannot be computed is NULL, with its reason');

--------------------------------------------------------------------------
-- item 9: no silent zeros
--------------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM rotation(NULL, '01', 2024)$$, '22004', 'bailleur is NULL', 'rotation: NULL bailleur');
SELECT throws_ok($$SELECT * FROM rotation(999999, '01', 2024)$$, 'P0002', 'bailleur 999999 does not exist', 'rotation: unknown bailleur');
SELECT throws_ok($$SELECT * FROM rotation(1401, '1', 2024)$$, '22023', '"1" is not a département code', 'rotation: "1"');
SELECT throws_ok($$SELECT * FROM rotation(1401, NULL, 2024)$$, '22004', 'département is NULL', 'rotation: NULL département');
SELECT throws_ok($$SELECT * FROM rotation(1401, '01', NULL)$$, '22004', 'year is NULL', 'rotation: NULL year');
SELECT throws_ok($$SELECT * FROM rotation(1401, '01', 2024, NULL)$$, '22004', 'rotation definition is NULL', 'rotation: NULL definition');
SELECT ok((SELECT prosqlbody IS NOT NULL FROM pg_proc WHERE oid = 'flux.rotation(bigint, text, integer, flux.definition_rotation)'::regprocedure),
	'rotation keeps its SQL-standard body');
SELECT throws_ok($$SELECT * FROM flux_previsionnel(999999, '01', 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'flux_previsionnel: unknown bailleur');
SELECT throws_ok($$SELECT * FROM flux_previsionnel(1401, '1', 2025)$$, '22023', '"1" is not a département code', 'flux_previsionnel: "1"');
SELECT throws_ok($$SELECT * FROM flux_previsionnel(1401, '01', 1999)$$, '22023', 'year 1999 is out of range', 'flux_previsionnel: year out of range');
SELECT throws_ok($$SELECT * FROM parts(NULL, '01', 2025)$$, '22004', 'bailleur is NULL', 'parts: NULL bailleur');
SELECT throws_ok($$SELECT * FROM actualiser_taux(1401, '1', 2025)$$, '22023', '"1" is not a département code', 'actualiser_taux: "1"');

SELECT * FROM finish();
ROLLBACK;
