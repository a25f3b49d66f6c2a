-- modele_erreurs: every refusal of the 0.2.0 model, loader, assiette and
-- forecast, with its SQLSTATE; and the properties of the new objects.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(30);

INSERT INTO commune (depcom, nom, epci) VALUES ('01281', 'Ornex', '240100750'), ('01053', 'Bourg-en-Bresse', '200071751');
INSERT INTO bailleur (id, siren, nom, famille) VALUES (901, '900000901', 'B1', 'esh'), (902, '900000902', 'SEM', 'sem');
INSERT INTO reservataire (id, nom, categorie, depcom, epci, departement) VALUES
	(901, 'Etat', 'etat', NULL, NULL, NULL), (902, 'Ornex', 'commune', '01281', NULL, NULL),
	(903, 'Gex Agglo', 'epci', NULL, '240100750', NULL), (904, 'Ain', 'departement', NULL, NULL, '01');
SELECT setval('flux.convention_id_seq', 900);
SELECT setval('flux.logement_id_seq', 900);

-- conventions
SELECT lives_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (901, 902, '01', '20%', '2024-01-01')$$, 'a commune''s convention on its territory');
SELECT is((SELECT communes FROM convention WHERE reservataire_id = 902), '{01281}'::text[], 'a commune''s convention defaults to its commune');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet) VALUES (902, 902, '01', '{01053}', '20%', '2024-01-01')$$,
                 '23514', 'convention of commune 01281 covers communes outside its territory: 01053', 'commune outside its territory');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet) VALUES (902, 903, '01', '{01053}', '5%', '2024-01-01')$$,
                 '23514', 'convention of EPCI 240100750 covers communes outside its territory: 01053', 'EPCI outside its territory');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (902, 904, '74', '2%', '2024-01-01')$$,
                 '23514', 'convention of département 01 cannot cover département 74', 'département elsewhere');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet) VALUES (902, 901, '01', '{01281}', '30%', '2024-01-01')$$,
                 '23514', 'a convention with etat cannot be restricted to communes', 'State restricted to communes');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (901, 902, '01', '25%', '2025-06-01')$$,
                 '23P01', NULL, 'two conventions of the same parties at once');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, date_effet) VALUES (902, 901, '01', '2024-01-01')$$,
                 '23514', NULL, 'a flux convention without its share');
SELECT throws_ok($$INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (902, 901, '01', '130%', '2024-01-01')$$,
                 '22003', NULL, 'a share above 100 %');
SELECT throws_ok($$INSERT INTO reservataire (nom, categorie) VALUES ('Sans code', 'commune')$$, '23514', NULL, 'a commune réservataire needs its code');

-- logements: RPLS codes
SELECT throws_ok($$INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv) VALUES (901, 'x', '01281', false, 'X', 3, 13, true)$$, '23514', NULL, 'TYPECONST');
SELECT throws_ok($$INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv) VALUES (901, 'x', '01281', false, 'C', 0, 13, true)$$, '23514', NULL, 'NBPIECE');
SELECT throws_ok($$INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv) VALUES (901, 'x', '01281', false, 'C', 3, 18, true)$$, '23503', NULL, 'FINAN');
SELECT throws_ok($$INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, sortiepatrim) VALUES (901, 'x', '01281', false, 'C', 3, 13, true, 1)$$, '23514', NULL, 'SORTIEPATRIM without date_sortie');

-- assiette and forecast
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, patrimoine)
SELECT 1000 + i, 901, 'L' || i, '01281', false, 'C', 3, 13, true, 2000, 2000 FROM generate_series(1, 100) i;
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, exclusion) VALUES
	(1201, 901, 'D', '01281', false, 'C', 3, 13, true, 2000, 'defense'), (1202, 902, 'S', '01281', false, 'C', 3, 13, false, 2000, NULL);
SELECT results_eq($$SELECT parc_concerne, exclus, assiette FROM assiette(901, '01', 2025)$$,
                  $$VALUES (101::bigint, 1::bigint, 100::bigint)$$, 'A = B + C');
SELECT is((SELECT classement FROM expliquer_logement(1202, 2025)), 'sem_non_conventionne'::classement, 'a SEM''s non-conventionné unit is never concerned');
SELECT throws_ok($$SELECT * FROM expliquer_logement(-1, 2025)$$, 'P0002', 'logement -1 does not exist', 'unknown unit');
SELECT throws_ok($$SELECT * FROM assiette(901, '01', 10000)$$, '22023', 'year 10000 is out of range', 'year out of range');
SELECT throws_ok($$SELECT * FROM flux_previsionnel(901, '01', 2025)$$, 'P0002', 'no yearly parameters for bailleur 901, département 01, year 2025', 'forecast without parameters');
INSERT INTO parametre_annuel (bailleur_id, departement, annee) VALUES (901, '01', 2025);
SELECT throws_ok($$SELECT * FROM flux_previsionnel(901, '01', 2025)$$, 'P0002', 'no vacancy recorded for bailleur 901 in département 01 from 2022 to 2024', 'forecast without vacancies');
UPDATE parametre_annuel SET taux_rotation = 10, prevision_anru = 11 WHERE bailleur_id = 901;
SELECT throws_ok($$SELECT * FROM flux_previsionnel(901, '01', 2025)$$, '22003', NULL, 'soustractions above the relettings');
UPDATE parametre_annuel SET prevision_anru = 8 WHERE bailleur_id = 901;
SELECT results_eq($$SELECT relocations_prevues, soustraction_mutation, soustractions, flux_a_repartir FROM flux_previsionnel(901, '01', 2025)$$,
                  $$VALUES (10, 1, 9, 1)$$, '100 units x 10 % = 10, minus 1 mutation and 8 ANRU = 1');
SELECT throws_ok($$INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation) VALUES (901, '01', 2026, 101)$$, '23514', NULL, 'rotation above 100 %');

-- the loader
SELECT throws_ok($$SELECT * FROM charger_rpls(901, 2025)$$, 'P0002', 'no RPLS line staged in this session', 'nothing staged');
INSERT INTO rpls_ligne (texte) VALUES ('IDENT_INT;DEPCOM'), ('a;01281');
SELECT throws_ok($$SELECT * FROM charger_rpls(901, 2025)$$, '22023', 'RPLS header lacks required column(s): QPV, TYPECONST, NBPIECE, FINAN, CONV', 'header lacks columns');
DELETE FROM rpls_ligne;
SELECT throws_ok($$SELECT * FROM charger_rpls(999999, 2025)$$, 'P0002', 'bailleur 999999 does not exist', 'unknown bailleur (P0002 since 0.10.0, was 23503)');
SELECT throws_ok($$SELECT * FROM charger_rpls(901, 2025, -1)$$, '22023', 'lot_taille must be positive, not -1', 'bad batch size');
INSERT INTO rpls_ligne (texte) VALUES ('IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV'),
	('R1;01281;1;C;3;13;1'), ('R2;01281;1;C;3;13;9'), ('R3;01281;1;C;3;13;1');
SELECT results_eq($$SELECT lues, inserees, mises_a_jour, inchangees, rejetees FROM charger_rpls(901, 2025)$$,
                  $$VALUES (3::bigint, 2::bigint, 0::bigint, 0::bigint, 1::bigint)$$, 'a bad line never stops the good ones');
SELECT is((SELECT raisons FROM rpls_rejet WHERE bailleur_id = 901), '{"CONV ''9'' is not 1 or 2"}'::text[], 'the reject says why');

-- what pg_dump keeps
SELECT ok((SELECT 'flux.logement'::regclass = ANY (extconfig) AND 'flux.rpls_rejet'::regclass = ANY (extconfig)
             AND NOT 'flux.rpls_ligne'::regclass = ANY (extconfig) FROM pg_extension WHERE extname = 'flux'),
          'user tables are dumped, the staging table is not');

SELECT * FROM finish();
ROLLBACK;
