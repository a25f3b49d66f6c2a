-- workflow_erreurs: every refusal of the 0.5.0 workflow (the triggers of
-- flux.orientation, flux.candidature and flux.orientation_historique, the
-- sweep, the kernels of a suitable offer, the CHECK constraints) with its
-- SQLSTATE and message, and the hint of every refusal a function raises;
-- the seeds' deadlines, every transition of flux.etats_suivants, the sweep
-- and its history, and what counts for a convention.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(271);

\ir erreurs_aide.psql

SELECT is(pg_temp.hint_de('SELECT 1'), NULL, 'hint_de: no error, no hint');
SELECT is(pg_temp.hint_de('SELECT 1 / 0'), '', 'hint_de: an error without a hint');
SELECT is(pg_temp.detail_de('SELECT 1 / 0'), '', 'detail_de: an error without a detail');

--------------------------------------------------------------------------
-- the kernels of a suitable offer
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$SELECT taux_effort(-1, 0, 0, 1000)$$, '22003',
	'rent must be a finite amount, zero or more, not -1', 'taux_effort: a negative rent');
SELECT * FROM pg_temp.refus($$SELECT taux_effort(500, -5, 0, 1000)$$, '22003',
	'charges must be a finite amount, zero or more, not -5', 'taux_effort: negative charges');
SELECT * FROM pg_temp.refus($$SELECT taux_effort(500, 0, 'NaN', 1000)$$, '22003',
	'housing allowance must be a finite amount, zero or more, not NaN', 'taux_effort: a NaN allowance');
SELECT * FROM pg_temp.refus($$SELECT taux_effort(500, 0, 0, 'Infinity')$$, '22003',
	'resources must be a finite amount, zero or more, not Infinity', 'taux_effort: infinite resources');
SELECT * FROM pg_temp.refus($$SELECT taux_effort(500, 0, 0, 0)$$, '22012',
	'a household without resources has no effort rate', 'taux_effort: no resources');
SELECT * FROM pg_temp.refus($$SELECT taux_effort(500, 50, 600, 1000)$$, '22003',
	'housing allowance 600 exceeds rent 500 plus charges 50', 'taux_effort: an allowance above rent and charges');
SELECT * FROM pg_temp.refus($$SELECT surface_minimale(0)$$, '22023',
	'household of 0 persons is out of range', 'surface_minimale: 0 persons');
SELECT * FROM pg_temp.refus($$SELECT surface_minimale(21)$$, '22023',
	'household of 21 persons is out of range', 'surface_minimale: 21 persons');
SELECT * FROM pg_temp.refus($$SELECT typologie_adaptee(0, 50, 2)$$, '22023',
	'unit of 0 rooms is out of range', 'typologie_adaptee: 0 rooms');
SELECT * FROM pg_temp.refus($$SELECT typologie_adaptee(10, 50, 2)$$, '22023',
	'unit of 10 rooms is out of range', 'typologie_adaptee: 10 rooms');
SELECT * FROM pg_temp.refus($$SELECT typologie_adaptee(3, 60, 0)$$, '22023',
	'household of 0 persons is out of range', 'typologie_adaptee: 0 persons');
SELECT * FROM pg_temp.refus($$SELECT typologie_adaptee(3, 60, 21)$$, '22023',
	'household of 21 persons is out of range', 'typologie_adaptee: 21 persons');
SELECT * FROM pg_temp.refus($$SELECT typologie_adaptee(2, 50, 2, 9)$$, '22023',
	'under-occupation margin of 9 rooms is out of range', 'typologie_adaptee: a margin of 9 rooms');
SELECT * FROM pg_temp.refus($$SELECT typologie_adaptee(2, 50, 2, -1)$$, '22023',
	'under-occupation margin of -1 rooms is out of range', 'typologie_adaptee: a negative margin');
SELECT is(ARRAY[taux_effort(450, 80, 150, 1500), taux_effort(600, 0, 0, 1800), taux_effort(100, 0, 100, 900)],
	'{25.33,33.33,0.00}'::numeric[], 'taux_effort: (rent + charges - allowance) / resources, to 0.01 %');
SELECT is((SELECT array_agg(surface_minimale(p) ORDER BY p) FROM unnest('{1,2,3,7,8,20}'::integer[]) p),
	'{9,16,25,61,70,70}'::integer[], 'surface_minimale: 9, 16, 9 more per person, 70 from eight, up to 20 persons');
SELECT is(ARRAY[typologie_adaptee(3, 60, 4), typologie_adaptee(1, 20, 3), typologie_adaptee(2, 30, 4),
				typologie_adaptee(5, 90, 2), typologie_adaptee(5, 90, 2, 3), typologie_adaptee(2, NULL, 2),
				typologie_adaptee(9, 200, 20, 0), typologie_adaptee(2, 50, NULL)],
	ARRAY[true, false, false, false, true, true, false, NULL], 'typologie_adaptee: rooms, area and margin');

--------------------------------------------------------------------------
-- zones, carrying a deadline over, the states
--------------------------------------------------------------------------
SELECT is((SELECT array_agg(zone_de(d) ORDER BY d) FROM unnest('{57,67,68}'::text[]) d),
	'{alsace-moselle,alsace-moselle,alsace-moselle}'::text[], 'zone_de: Moselle, Bas-Rhin, Haut-Rhin');
SELECT is((SELECT array_agg(zone_de(d) ORDER BY d) FROM unnest('{971,972,973,974,976}'::text[]) d),
	'{guadeloupe,martinique,guyane,reunion,mayotte}'::text[], 'zone_de: the overseas départements');
SELECT is((SELECT array_agg(zone_de(d) ORDER BY d) FROM unnest('{01,2A,2B,74,975}'::text[]) d),
	'{metropole,metropole,metropole,metropole,metropole}'::text[], 'zone_de: every other département is metropole');
SELECT throws_ok($$SELECT zone_de(NULL)$$, '22004', 'département is NULL', 'zone_de: a NULL département is refused (0.9.0: NULL, strict)');
SELECT is(ARRAY[reporter('2025-07-14', 'metropole', true), reporter('2025-07-14', 'metropole', false),
				reporter('2025-07-15', 'metropole', true), reporter('2025-06-28', 'metropole', true),
				reporter('2025-04-18', 'alsace-moselle', true), reporter('2025-04-18', 'metropole', true)],
	'{2025-07-15,2025-07-14,2025-07-15,2025-06-30,2025-04-22,2025-04-18}'::date[],
	'reporter: a deadline on a holiday or a weekend is carried to the next jour ouvré of the zone, when asked');
SELECT is((SELECT array_agg(e ORDER BY e) FROM unnest(enum_range(NULL::etat_orientation)) e
			WHERE cardinality(etats_suivants(e)) = 0),
	'{bail_signe,refusee,restituee,expiree,annulee}'::etat_orientation[], 'etats_suivants: the final states');

--------------------------------------------------------------------------
-- the scenario's data
--------------------------------------------------------------------------
INSERT INTO commune (depcom, nom, epci, zone_tendue) VALUES
	('74218', 'Publier', '200067551', false), ('01281', 'Ornex', '240100750', true),
	('67482', 'Strasbourg', '246700488', true), ('74281', 'Thonon-les-Bains', '200067551', true)
	ON CONFLICT (depcom) DO NOTHING;
SELECT setval('flux.bailleur_id_seq', greatest(nextval('flux.bailleur_id_seq'), 989));
SELECT setval('flux.reservataire_id_seq', greatest(nextval('flux.reservataire_id_seq'), 989));
SELECT setval('flux.convention_id_seq', greatest(nextval('flux.convention_id_seq'), 989));
SELECT setval('flux.logement_id_seq', greatest(nextval('flux.logement_id_seq'), 97099));
SELECT setval('flux.vacance_id_seq', greatest(nextval('flux.vacance_id_seq'), 9799));
SELECT setval('flux.orientation_id_seq', greatest(nextval('flux.orientation_id_seq'), 9799));
SELECT setval('flux.candidature_id_seq', greatest(nextval('flux.candidature_id_seq'), 9799));
INSERT INTO bailleur (id, siren, nom, famille) VALUES
	(970, '900000970', 'B workflow erreurs', 'esh'), (971, '900000971', 'B autre (workflow erreurs)', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(970, 'Préfet 74 (workflow erreurs)', 'etat', NULL),
	(971, 'Action Logement (workflow erreurs)', 'action_logement', NULL),
	(972, 'Ornex (workflow erreurs)', 'commune', '01281'),
	(973, 'Employeur délégué (workflow erreurs)', 'employeur', NULL),
	(974, 'Préfet 67 (workflow erreurs)', 'etat', NULL),
	(975, 'CAF (workflow erreurs)', 'organisme_desinteresse', NULL),
	(976, 'Employeur en stock (workflow erreurs)', 'employeur', NULL),
	(977, 'Employeur futur (workflow erreurs)', 'employeur', NULL),
	(978, 'Thonon (workflow erreurs)', 'commune', '74281'),
	(979, 'Employeur décompte (workflow erreurs)', 'employeur', NULL),
	(980, 'Employeur échu (workflow erreurs)', 'employeur', NULL);
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, regime, mode, evenement, date_effet, date_fin,
						delai_designation_jo, silence_vaut_acceptation, taux_effort_max) VALUES
	-- Publier (art. 5.3): 2 jours ouvrés to answer, silence is acceptance, 15 to designate
	(971, 970, 970, '74', '25%', 'flux', 'directe', 'bail', '2024-01-01', NULL, 15, true, 35),
	(972, 970, 971, '74', '10%', 'flux', 'directe', 'attribution', '2024-01-01', NULL, 15, true, NULL),
	-- Ornex (art. 5-6): one calendar month at most
	(973, 970, 972, '01', '10%', 'flux', 'directe', 'bail', '2024-01-01', NULL, 60, true, NULL),
	(974, 970, 973, '74', '5%', 'flux', 'deleguee', 'bail', '2024-01-01', NULL, 15, true, NULL),
	(975, 970, 974, '67', '30%', 'flux', 'directe', 'bail', '2024-01-01', NULL, 15, true, NULL),
	-- the CAF: silence is not acceptance
	(976, 970, 975, '74', '5%', 'flux', 'directe', 'orientation', '2024-01-01', NULL, 15, false, NULL),
	(977, 970, 976, '74', NULL, 'stock', 'directe', 'bail', '2000-01-01', NULL, 15, true, NULL),
	(978, 970, 977, '74', '1%', 'flux', 'directe', 'bail', '2026-01-01', NULL, 15, true, NULL),
	(979, 970, 978, '74', '5%', 'flux', 'directe', 'bail', '2024-01-01', NULL, 15, true, NULL),
	-- another bailleur's convention
	(980, 971, 970, '74', '30%', 'flux', 'directe', 'bail', '2024-01-01', NULL, 15, true, NULL),
	(981, 970, 979, '74', '5%', 'flux', 'directe', 'bail', '2024-01-01', NULL, 15, true, NULL),
	(982, 970, 980, '74', '2%', 'flux', 'directe', 'bail', '2024-01-01', '2025-01-01', 15, true, NULL);

-- 97001-97040 in Publier, 97041-97045 in Ornex, 97046-97050 in Strasbourg,
-- 97051-97056 in Publier: 97051 excluded (defence)
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, locat, exclusion)
SELECT 97000 + i, 970, 'WE' || i, CASE WHEN i <= 40 OR i > 50 THEN '74218' WHEN i <= 45 THEN '01281' ELSE '67482' END,
	   false, 'C', 3, 62, 13, true, 2000, CASE WHEN i = 51 THEN 'defense'::motif_exclusion END
  FROM generate_series(1, 56) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible, premiere_location)
SELECT 9700 + i, 97000 + i, '2025-01-02', '2025-02-01', false FROM generate_series(1, 56) i;
-- 9752 and 9756: first lettings; 9753: relet on 1 July; 9755: no notice
UPDATE vacance SET premiere_location = true, date_preavis = NULL WHERE id IN (9752, 9756);
UPDATE vacance SET date_relocation = '2025-07-01' WHERE id = 9753;
UPDATE vacance SET date_preavis = NULL WHERE id = 9755;
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, soustraire_mutation)
VALUES (970, '74', 2025, 10, false);

--------------------------------------------------------------------------
-- a new orientation
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation, etat) VALUES (9740, 972, '2025-03-03', 'acceptee')$$,
	'55000', 'a new orientation starts proposed, not acceptee', 'orientation: a state given at creation');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9753, 972, '2025-07-02')$$,
	'55000', 'logement 97053 is not vacant on 2025-07-02: relet on 2025-07-01', 'orientation: after the relocation');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9753, 972, '2025-07-01')$$,
	'55000', 'logement 97053 is not vacant on 2025-07-01: relet on 2025-07-01', 'orientation: on the day of the relocation');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, 972, '2024-12-31')$$,
	'55000', 'logement 97040 is not vacant yet on 2024-12-31: notice on 2025-01-02, available on 2025-02-01', 'orientation: before the notice');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9755, 972, '2025-01-31')$$,
	'55000', 'logement 97055 is not vacant yet on 2025-01-31: notice on none, available on 2025-02-01', 'orientation: before availability, without notice');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9752, 972, '2025-03-03')$$,
	'23514', 'vacancy 9752 is the first letting of logement 97052: it stays in stock', 'orientation: a first letting to a convention');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, 977, '2025-03-03')$$,
	'23514', 'convention 977 is managed in stock: it takes no orientation', 'orientation: a stock convention');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, 980, '2025-03-03')$$,
	'23514', 'convention 980 (bailleur 971, département 74) does not cover logement 97040 (bailleur 970, département 74)',
	'orientation: another bailleur''s convention');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, 973, '2025-03-03')$$,
	'23514', 'convention 973 (bailleur 970, département 01) does not cover logement 97040 (bailleur 970, département 74)',
	'orientation: a convention of another département');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, 978, '2025-03-03')$$,
	'23514', 'convention 978 is not in force on 2025-03-03: from 2026-01-01 to open end', 'orientation: a convention not in force yet');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, 982, '2025-03-03')$$,
	'23514', 'convention 982 is not in force on 2025-03-03: from 2024-01-01 to 2025-01-01', 'orientation: a convention ended');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, 979, '2025-03-03')$$,
	'23514', 'convention 979 does not cover commune 74218 of logement 97040', 'orientation: a commune the convention does not cover');
SELECT is(pg_temp.detail_de($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, 979, '2025-03-03')$$),
	'It covers 74281.', 'orientation: the detail lists the communes covered');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9751, 972, '2025-03-03')$$,
	'23514', 'logement 97051 is not in the assiette of 2025: defense', 'orientation: outside the assiette');
SELECT is(pg_temp.hint_de($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9751, 972, '2025-03-03')$$),
	'SELECT * FROM flux.expliquer_logement(97051, 2025) says why; let it outside the flux (hors_flux) if it must be let.',
	'orientation: the hint outside the assiette names the unit and the year');
SELECT throws_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (-1, 972, '2025-03-03')$$,
	'23503', 'insert or update on table "orientation" violates foreign key constraint "orientation_vacance_id_fkey"',
	'orientation: an unknown vacancy');
SELECT throws_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9740, -1, '2025-03-03')$$,
	'23503', 'insert or update on table "orientation" violates foreign key constraint "orientation_convention_id_fkey"',
	'orientation: an unknown convention');
SELECT throws_ok($$INSERT INTO orientation (vacance_id, convention_id, hors_flux, date_orientation) VALUES (9740, 972, 'mutation', '2025-03-03')$$,
	'23514', 'new row for relation "orientation" violates check constraint "orientation_destination"',
	'orientation: both a convention and a motive hors flux');
SELECT throws_ok($$INSERT INTO orientation (vacance_id, date_orientation) VALUES (9740, '2025-03-03')$$,
	'23514', 'new row for relation "orientation" violates check constraint "orientation_destination"',
	'orientation: neither a convention nor a motive hors flux');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation, prolongation_jo, motif_prolongation) VALUES (9740, 972, '2025-03-03', 5, 'x')$$,
	'55000', 'a new orientation has no deadline, answer, extension, attribution or lease yet',
	'orientation: an extension given at creation');

-- a second orientation of a vacancy in progress
SELECT lives_ok($$INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9710, 9710, 972, '2025-03-03')$$,
	'orientation: Action Logement''s, proposed on 3 March');
SELECT throws_ok($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9710, 971, '2025-03-03')$$,
	'23505', 'duplicate key value violates unique constraint "orientation_une_en_cours_par_vacance"', 'orientation: a second one of a vacancy in progress');
SELECT throws_ok($$INSERT INTO orientation (vacance_id, hors_flux, date_orientation) VALUES (9710, 'urgence', '2025-03-03')$$,
	'23505', 'duplicate key value violates unique constraint "orientation_une_en_cours_par_vacance"', 'orientation: a second one hors flux');
-- an orientation before the relocation is fine
SELECT lives_ok($$INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9721, 9753, 972, '2025-06-30')$$,
	'orientation: the day before the relocation');

--------------------------------------------------------------------------
-- the seeds' deadlines
--------------------------------------------------------------------------
-- Publier: 2 jours ouvrés from Wednesday 28 May 2025 cross Ascension (29 May)
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9701, 9701, 971, '2025-05-28');
SELECT results_eq($$SELECT etat::text, zone, echeance_reponse, date_reponse FROM orientation WHERE id = 9701$$,
	$$VALUES ('proposee', 'metropole', '2025-06-02'::date, NULL::date)$$, 'Publier: proposed on Wednesday 28 May, answer by Monday 2 June');
-- accepted on the last day: 15 jours ouvrés across Whit Monday, 5 to say it cannot
SELECT lives_ok($$UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-02' WHERE id = 9701$$,
	'Publier: accepted on the deadline');
SELECT results_eq($$SELECT etat::text, echeance_designation, echeance_impossibilite FROM orientation WHERE id = 9701$$,
	$$VALUES ('acceptee', '2025-06-24'::date, '2025-06-05'::date)$$, 'Publier: 15 jours ouvrés to designate (24 June); 5 from the orientation to say it cannot (5 June)');
-- Alsace-Moselle: from Thursday 17 April, Good Friday and Easter Monday
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES
	(9702, 9746, 975, '2025-04-17'), (9703, 9702, 971, '2025-04-17');
SELECT results_eq($$SELECT id, zone, echeance_reponse FROM orientation WHERE id IN (9702, 9703) ORDER BY id$$,
	$$VALUES (9702::bigint, 'alsace-moselle', '2025-04-23'::date), (9703, 'metropole', '2025-04-22')$$,
	'Bas-Rhin: answer by 23 April (Good Friday); Haute-Savoie by 22 April');
-- Ornex: one calendar month at most after the orientation
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9704, 9741, 973, '2025-03-03');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-03-04' WHERE id = 9704;
SELECT results_eq($$SELECT echeance_reponse, echeance_designation, echeance_impossibilite FROM orientation WHERE id = 9704$$,
	$$VALUES ('2025-03-05'::date, '2025-04-03'::date, '2025-03-10'::date)$$,
	'Ornex: 60 jours ouvrés capped one month after 3 March (3 April); 5 jours ouvrés after the orientation to say it cannot (10 March)');
-- delegated management: accepted at once, no answer to wait for
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9705, 9705, 974, '2025-03-03');
SELECT results_eq($$SELECT etat::text, date_reponse, echeance_reponse, echeance_designation, echeance_impossibilite FROM orientation WHERE id = 9705$$,
	$$VALUES ('acceptee', '2025-03-03'::date, NULL::date, NULL::date, NULL::date)$$, 'delegated management: accepted at once, no deadline');
-- hors flux: accepted at once, the bailleur designates
INSERT INTO orientation (id, vacance_id, hors_flux, date_orientation) VALUES (9706, 9706, 'mutation', '2025-03-03');
SELECT results_eq($$SELECT etat::text, zone, date_reponse, echeance_reponse, echeance_designation FROM orientation WHERE id = 9706$$,
	$$VALUES ('acceptee', 'metropole', '2025-03-03'::date, NULL::date, NULL::date)$$, 'hors flux: accepted at once, no deadline');
SELECT lives_ok($$INSERT INTO orientation (id, vacance_id, hors_flux, date_orientation) VALUES (9707, 9756, 'premiere_location', '2025-03-03')$$,
	'hors flux: a first letting is recorded outside the flux');
SELECT lives_ok($$INSERT INTO orientation (id, vacance_id, hors_flux, date_orientation) VALUES (9708, 9751, 'urgence', '2025-03-03')$$,
	'hors flux: a unit outside the assiette may be let outside the flux');

--------------------------------------------------------------------------
-- changing an orientation
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$UPDATE orientation SET vacance_id = 9712 WHERE id = 9710$$, '55000',
	'orientation 9710 cannot change its vacancy, destination or date', 'orientation: another vacancy');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET convention_id = 971 WHERE id = 9710$$, '55000',
	'orientation 9710 cannot change its vacancy, destination or date', 'orientation: another convention');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET convention_id = NULL, hors_flux = 'mutation' WHERE id = 9710$$, '55000',
	'orientation 9710 cannot change its vacancy, destination or date', 'orientation: from a convention to hors flux');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET hors_flux = 'vente' WHERE id = 9706$$, '55000',
	'orientation 9706 cannot change its vacancy, destination or date', 'orientation: another motive hors flux');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET date_orientation = '2025-03-04' WHERE id = 9710$$, '55000',
	'orientation 9710 cannot change its vacancy, destination or date', 'orientation: another date');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET zone = 'alsace-moselle' WHERE id = 9710$$, '55000',
	'orientation 9710 cannot change its vacancy, destination or date', 'orientation: another zone');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'attribuee' WHERE id = 9710$$, '55000',
	'orientation 9710 cannot go from proposee to attribuee', 'orientation: from proposee to attribuee');
SELECT is(pg_temp.hint_de($$UPDATE orientation SET etat = 'attribuee' WHERE id = 9710$$),
	'From proposee it may go to: acceptee, refusee, expiree, annulee.', 'orientation: the hint lists the states that may follow');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'candidats_designes' WHERE id = 9710$$, '55000',
	'orientation 9710 cannot go from proposee to candidats_designes', 'orientation: from proposee to candidats_designes');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'restituee' WHERE id = 9710$$, '55000',
	'orientation 9710 cannot go from proposee to restituee', 'orientation: from proposee to restituee');
-- answers after the deadline (5 March): silence was acceptance
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'refusee', date_reponse = '2025-03-06' WHERE id = 9710$$, '55000',
	'orientation 9710: the answer of 2025-03-06 comes after its deadline 2025-03-05', 'orientation: a refusal after the deadline, silence being acceptance');
SELECT is(pg_temp.detail_de($$UPDATE orientation SET etat = 'refusee', date_reponse = '2025-03-06' WHERE id = 9710$$),
	'Under the convention, silence until the deadline was acceptance.', 'orientation: the detail says silence was acceptance');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-03-06' WHERE id = 9710$$, '55000',
	'orientation 9710: the answer of 2025-03-06 comes after its deadline 2025-03-05', 'orientation: an acceptance after the deadline');
-- the CAF: silence is not acceptance, the orientation expired
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9711, 9711, 976, '2025-03-03');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-03-06' WHERE id = 9711$$, '55000',
	'orientation 9711: the answer of 2025-03-06 comes after its deadline 2025-03-05', 'orientation: an acceptance after the deadline, silence not being acceptance');
SELECT is(pg_temp.detail_de($$UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-03-06' WHERE id = 9711$$),
	'Under the convention, the orientation expired at the deadline.', 'orientation: the detail says the orientation expired');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'x' WHERE id = 9711$$, '55000',
	'orientation 9711 (proposee) has no designation deadline to extend', 'orientation: an extension before acceptance');
-- refused in time (on the deadline); then final
SELECT lives_ok($$UPDATE orientation SET etat = 'refusee', date_reponse = '2025-03-05', motif = 'aucun demandeur' WHERE id = 9710$$,
	'orientation: refused on the deadline');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'acceptee' WHERE id = 9710$$, '55000',
	'orientation 9710 cannot go from refusee to acceptee', 'orientation: from a final state');
SELECT is(pg_temp.hint_de($$UPDATE orientation SET etat = 'acceptee' WHERE id = 9710$$),
	'refusee is final: create a new orientation of the vacancy.', 'orientation: the hint of a final state');
SELECT lives_ok($$INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9712, 9710, 971, '2025-03-05')$$,
	'orientation: a refused vacancy goes to another réservataire');
-- extensions without a deadline to move
SELECT * FROM pg_temp.refus($$UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'x' WHERE id = 9705$$, '55000',
	'orientation 9705 (acceptee) has no designation deadline to extend', 'orientation: an extension under delegated management');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'x' WHERE id = 9706$$, '55000',
	'orientation 9706 (acceptee) has no designation deadline to extend', 'orientation: an extension hors flux');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'x' WHERE id = 9710$$, '55000',
	'orientation 9710 (refusee) has no designation deadline to extend', 'orientation: an extension of a refused orientation');
SELECT throws_ok($$UPDATE orientation SET prolongation_jo = 5 WHERE id = 9704$$,
	'23514', 'new row for relation "orientation" violates check constraint "orientation_prolongation_motivee"', 'orientation: an extension without its reason');
SELECT throws_ok($$UPDATE orientation SET prolongation_jo = 61, motif_prolongation = 'x' WHERE id = 9704$$,
	'23514', 'new row for relation "orientation" violates check constraint "orientation_prolongation"', 'orientation: an extension above 60 jours ouvrés');
-- states the candidates drive
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9713, 9713, 972, '2025-06-02');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-03' WHERE id = 9713;
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'candidats_designes' WHERE id = 9713$$, '55000',
	'orientation 9713 has no candidate yet', 'orientation: candidats_designes without a candidate');
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation) VALUES (9713, 9713, '074062597130', 1, '2025-06-05');
SELECT is((SELECT etat::text FROM orientation WHERE id = 9713), 'candidats_designes', 'orientation: the first candidate makes it candidats_designes');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'attribuee' WHERE id = 9713$$, '55000',
	'orientation 9713 has no candidate the CALEOL attributed the unit to', 'orientation: attribuee without an attribution');
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-06-12' WHERE id = 9713;
SELECT results_eq($$SELECT etat::text, date_attribution FROM orientation WHERE id = 9713$$,
	$$VALUES ('attribuee', '2025-06-12'::date)$$, 'orientation: the CALEOL''s attribution makes it attribuee');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'bail_signe' WHERE id = 9713$$, '55000',
	'orientation 9713 has no candidate''s lease signed on any date', 'orientation: bail_signe without a lease date');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'x' WHERE id = 9713$$, '55000',
	'orientation 9713 (attribuee) has no designation deadline to extend', 'orientation: an extension after the CALEOL');
SELECT lives_ok($$UPDATE orientation SET etat = 'restituee', motif = 'le bailleur reprend la main' WHERE id = 9713$$,
	'transition attribuee -> restituee');

--------------------------------------------------------------------------
-- a new candidate
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9711, '074030397110', 1, '2025-03-04')$$,
	'55000', 'orientation 9711 is proposee: candidates are designated on an accepted orientation, before the CALEOL', 'candidature: on a proposed orientation');
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9713, '074030397131', 2, '2025-06-05')$$,
	'55000', 'orientation 9713 is restituee: candidates are designated on an accepted orientation, before the CALEOL', 'candidature: on a returned orientation');
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9710, '074030397100', 1, '2025-03-04')$$,
	'55000', 'orientation 9710 is refusee: candidates are designated on an accepted orientation, before the CALEOL', 'candidature: on a refused orientation');
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9706, '074030397060', 1, '2025-03-04')$$,
	'23514', 'orientation 9706 is outside the flux (mutation): the bailleur designates', 'candidature: a réservataire''s candidate hors flux');
SELECT throws_ok($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (-1, '074030399999', 1, '2025-03-04')$$,
	'23503', 'insert or update on table "candidature" violates foreign key constraint "candidature_orientation_id_fkey"', 'candidature: an unknown orientation');
-- Ornex: after the deadline of 3 April
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9704, '001040497041', 1, '2025-04-04')$$,
	'55000', 'orientation 9704: designation on 2025-04-04 after its deadline 2025-04-03', 'candidature: after the designation deadline');
SELECT is(pg_temp.detail_de($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9704, '001040497041', 1, '2025-04-04')$$),
	'60 jours ouvrés after acceptance on 2025-03-04, at most 1 month(s) after the orientation on 2025-03-03.', 'candidature: the detail of the deadline');
SELECT lives_ok($$INSERT INTO candidature (id, orientation_id, nud, rang, date_designation) VALUES (9741, 9704, '001040397041', 1, '2025-04-03')$$,
	'candidature: on the designation deadline');
SELECT lives_ok($$UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'dossier incomplet, accord du bailleur' WHERE id = 9704$$,
	'orientation: the bailleur extends the deadline by 5 jours ouvrés');
SELECT is((SELECT echeance_designation FROM orientation WHERE id = 9704), '2025-04-10'::date, 'Ornex: extended to 10 April');
SELECT lives_ok($$INSERT INTO candidature (id, orientation_id, nud, rang, date_designation) VALUES (9742, 9704, '001040497042', 2, '2025-04-04')$$,
	'candidature: in time once extended');
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9704, '001041197043', 3, '2025-04-11')$$,
	'55000', 'orientation 9704: designation on 2025-04-11 after its deadline 2025-04-10', 'candidature: after the extended deadline');
SELECT is(pg_temp.detail_de($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9704, '001041197043', 3, '2025-04-11')$$),
	'60 jours ouvrés after acceptance on 2025-03-04, at most 1 month(s) after the orientation on 2025-03-03, extended by 5 jours ouvrés.',
	'candidature: the detail names the extension');
SELECT lives_ok($$INSERT INTO candidature (id, orientation_id, nud, rang, designe_par, date_designation) VALUES (9743, 9704, '001041197043', 3, 'bailleur', '2025-04-11')$$,
	'candidature: the bailleur designates after the deadline');
-- Publier: three candidates, no fourth
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, dalo, prioritaire, critere_priorite, quartile, personnes, ressources)
VALUES (9701, 9701, '074062500001', 1, '2025-06-10', false, true, 'L.441-1 c) handicap', 1, 4, 1500),
	   (9702, 9701, '074062500002', 2, '2025-06-10', false, false, NULL, 2, 3, 2100),
	   (9703, 9701, '074062500003', 3, '2025-06-11', false, false, NULL, 3, 2, 2600);
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9701, '074062500004', 4, '2025-06-11')$$,
	'23514', 'orientation 9701 would have 4 candidates; convention 971 allows 3', 'candidature: a fourth');
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, designe_par, date_designation) VALUES (9701, '074062500004', 4, 'bailleur', '2025-06-11')$$,
	'23514', 'orientation 9701 would have 4 candidates; convention 971 allows 3', 'candidature: a fourth, even from the bailleur');
-- a DALO household alone
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9709, 9709, 971, '2025-06-02');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-03' WHERE id = 9709;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, dalo, critere_priorite, quartile, personnes, ressources)
VALUES (9709, 9709, '074062500010', 1, '2025-06-05', true, 'DALO, décision COMED du 3 mars 2025', 1, 3, 1200);
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9709, '074062500011', 2, '2025-06-05')$$,
	'23514', 'orientation 9709 would have 2 candidates; convention 971 allows 1', 'candidature: a second beside a DALO household');
SELECT is(pg_temp.detail_de($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9709, '074062500011', 2, '2025-06-05')$$),
	'A DALO household is proposed as a single candidate (candidats_max_dalo).', 'candidature: the detail names the DALO rule');
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9714, 9714, 972, '2025-06-02');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-03' WHERE id = 9714;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation) VALUES (9714, 9714, '074062597140', 1, '2025-06-05');
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation, dalo, critere_priorite) VALUES (9714, '074062597141', 2, '2025-06-05', true, 'DALO')$$,
	'23514', 'orientation 9714 would have 2 candidates; convention 972 allows 1', 'candidature: a DALO household beside another candidate');
-- the table's own rules
SELECT throws_ok($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9714, '0740 625', 2, '2025-06-05')$$,
	'23514', 'new row for relation "candidature" violates check constraint "candidature_nud_format"', 'candidature: a malformed NUD');
SELECT throws_ok($$INSERT INTO candidature (orientation_id, nud, rang, date_designation, prioritaire) VALUES (9714, '074062597142', 2, '2025-06-05', true)$$,
	'23514', 'new row for relation "candidature" violates check constraint "candidature_priorite_motivee"', 'candidature: a priority household without its criterion');
SELECT * FROM pg_temp.refus($$INSERT INTO candidature (orientation_id, nud, rang, date_designation, refus_valide_le) VALUES (9714, '074062597143', 2, '2025-06-05', '2025-06-10')$$,
	'55000', 'a new candidate is only designated: no CALEOL decision, proposal, answer or lease yet', 'candidature: a step given at designation');
SELECT throws_ok($$INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (9714, '074062597140', 2, '2025-06-05')$$,
	'23505', 'duplicate key value violates unique constraint "candidature_orientation_id_nud_key"', 'candidature: a NUD twice on an orientation');

--------------------------------------------------------------------------
-- a candidate's steps
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$UPDATE candidature SET orientation_id = 9714 WHERE id = 9702$$, '55000',
	'candidate 9702 cannot change its orientation, NUD or designer', 'candidature: another orientation');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET nud = '074062500099' WHERE id = 9702$$, '55000',
	'candidate 9702 cannot change its orientation, NUD or designer', 'candidature: another NUD');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET designe_par = 'bailleur' WHERE id = 9702$$, '55000',
	'candidate 9702 cannot change its orientation, NUD or designer', 'candidature: another designer');
-- the CALEOL
SELECT lives_ok($$UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-06-18' WHERE id = 9701$$,
	'candidature: the CALEOL attributes the unit to rank 1');
SELECT lives_ok($$UPDATE candidature SET decision_caleol = 'non_attribution', date_caleol = '2025-06-18', motif_caleol = 'ressources insuffisantes' WHERE id = 9703$$,
	'candidature: the CALEOL does not attribute it to rank 3');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET decision_caleol = 'non_attribution', date_caleol = '2025-06-20' WHERE id = 9701$$, '55000',
	'candidate 9701 already has the CALEOL''s decision attribution of 2025-06-18', 'candidature: a CALEOL decision twice');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET decision_caleol = NULL, date_caleol = NULL WHERE id = 9703$$, '55000',
	'candidate 9703 already has the CALEOL''s decision non_attribution of 2025-06-18', 'candidature: a CALEOL decision erased');
SELECT throws_ok($$UPDATE candidature SET decision_caleol = 'attribution' WHERE id = 9702$$,
	'23514', 'new row for relation "candidature" violates check constraint "candidature_decision_datee"', 'candidature: a CALEOL decision without its date');
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9715, 9715, 972, '2025-06-02');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-03' WHERE id = 9715;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation) VALUES (9715, 9715, '074062597150', 1, '2025-06-05');
SELECT lives_ok($$UPDATE orientation SET etat = 'restituee', motif = 'candidat retiré' WHERE id = 9715$$,
	'transition candidats_designes -> restituee');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-06-12' WHERE id = 9715$$, '55000',
	'orientation 9715 is restituee: the CALEOL examines candidates of an orientation with candidates', 'candidature: the CALEOL on a returned orientation');
-- the proposal
SELECT * FROM pg_temp.refus($$UPDATE candidature SET date_proposition = '2025-06-20' WHERE id = 9702$$, '55000',
	'candidate 9702 cannot be proposed the unit: CALEOL decision none', 'candidature: a proposal without the CALEOL');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET date_proposition = '2025-06-20' WHERE id = 9703$$, '55000',
	'candidate 9703 cannot be proposed the unit: CALEOL decision non_attribution', 'candidature: a proposal after a non-attribution');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-06-20' WHERE id = 9701$$, '55000',
	'candidate 9701 cannot answer: nothing was proposed', 'candidature: an answer without a proposal');
SELECT lives_ok($$UPDATE candidature SET date_proposition = '2025-06-20', loyer = 450, charges = 80, aide_logement = 150 WHERE id = 9701$$,
	'candidature: the proposal to rank 1');
SELECT results_eq($$SELECT echeance_reponse_menage, taux_effort, typologie_adaptee, offre_adaptee FROM candidature WHERE id = 9701$$,
	$$VALUES ('2025-06-30'::date, 25.33::numeric, true, true)$$, 'proposal of 20 June: answer by 30 June (10 days), effort rate 25.33 %, a suitable offer');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET date_proposition = '2025-06-23' WHERE id = 9701$$, '55000',
	'candidate 9701 cannot be proposed the unit: CALEOL decision attribution', 'candidature: a proposal twice');
-- a DALO proposal: its mentions; a deadline on Bastille Day is carried over
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-06-27' WHERE id = 9709;
SELECT * FROM pg_temp.refus($$UPDATE candidature SET date_proposition = '2025-07-04' WHERE id = 9709$$, '23514',
	'the proposal to DALO candidate 9709 lacks its mandatory mentions', 'candidature: a DALO proposal without its mentions');
SELECT lives_ok($$UPDATE candidature SET date_proposition = '2025-07-04', mentions_dalo = true, loyer = 500 WHERE id = 9709$$,
	'candidature: a DALO proposal with its mentions');
SELECT results_eq($$SELECT echeance_reponse_menage, taux_effort, offre_adaptee FROM candidature WHERE id = 9709$$,
	$$VALUES ('2025-07-15'::date, 41.67::numeric, false)$$, 'proposal of 4 July: Monday 14 July carried to the 15th; 41.67 % is above the convention''s 35 %');
-- the household's answer
SELECT * FROM pg_temp.refus($$UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-07-01' WHERE id = 9701$$, '55000',
	'candidate 9701: acceptance of 2025-07-01 after the deadline 2025-06-30', 'candidature: a late acceptance');
SELECT throws_ok($$UPDATE candidature SET reponse_menage = 'acceptee' WHERE id = 9701$$,
	'23514', 'new row for relation "candidature" violates check constraint "candidature_reponse_datee"', 'candidature: an answer without its date');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET date_bail = '2025-07-01' WHERE id = 9701$$, '55000',
	'candidate 9701 cannot sign a lease: the household has not accepted', 'candidature: a lease before acceptance');
SELECT lives_ok($$UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-06-30' WHERE id = 9701$$,
	'candidature: accepted on the deadline');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET reponse_menage = 'refusee', date_reponse_menage = '2025-06-30' WHERE id = 9701$$, '55000',
	'candidate 9701 cannot answer: it already answered acceptee', 'candidature: an answer twice');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET refus_illegitime = true WHERE id = 9701$$, '23514',
	'candidate 9701: only the refusal of a suitable offer can be illegitimate', 'candidature: an accepted offer refused illegitimately');
SELECT is(pg_temp.detail_de($$UPDATE candidature SET refus_illegitime = true WHERE id = 9701$$),
	'Answer: acceptee; suitable offer: true.', 'candidature: the detail of an accepted offer');
-- the lease ends the vacancy
SELECT lives_ok($$UPDATE candidature SET date_bail = '2025-07-01' WHERE id = 9701$$, 'candidature: the lease');
SELECT results_eq($$SELECT o.etat::text, o.date_bail, v.date_relocation FROM orientation o JOIN vacance v ON v.id = o.vacance_id WHERE o.id = 9701$$,
	$$VALUES ('bail_signe', '2025-07-01'::date, '2025-07-01'::date)$$, 'the lease makes the orientation bail_signe and relets the unit');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET date_bail = '2025-07-02' WHERE id = 9701$$, '55000',
	'orientation 9701 is bail_signe: proposals, answers and leases follow a CALEOL attribution', 'candidature: a lease twice');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET etat = 'annulee' WHERE id = 9701$$, '55000',
	'orientation 9701 cannot go from bail_signe to annulee', 'orientation: a leased orientation is final');
SELECT * FROM pg_temp.refus($$INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (9701, 972, '2025-07-02')$$,
	'55000', 'logement 97001 is not vacant on 2025-07-02: relet on 2025-07-01', 'orientation: a unit the lease relet');
-- the DALO household refuses an unsuitable offer: not illegitimate
SELECT lives_ok($$UPDATE candidature SET reponse_menage = 'refusee', date_reponse_menage = '2025-07-10', motif_refus = 'loyer trop élevé' WHERE id = 9709$$,
	'candidature: the DALO household refuses');
SELECT is((SELECT etat::text FROM orientation WHERE id = 9709), 'candidats_designes', 'transition attribuee -> candidats_designes after the refusal');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET refus_illegitime = true WHERE id = 9709$$, '23514',
	'candidate 9709: only the refusal of a suitable offer can be illegitimate', 'candidature: an unsuitable offer refused illegitimately');
SELECT is(pg_temp.detail_de($$UPDATE candidature SET refus_illegitime = true WHERE id = 9709$$),
	'Answer: refusee; suitable offer: false.', 'candidature: the detail of an unsuitable offer');
SELECT throws_ok($$UPDATE candidature SET refus_valide_le = '2025-07-15' WHERE id = 9709$$,
	'23514', 'new row for relation "candidature" violates check constraint "candidature_refus_valide"', 'candidature: a refusal validated without being illegitimate');
SELECT * FROM pg_temp.refus($$UPDATE candidature SET date_bail = '2025-07-20' WHERE id = 9709$$, '55000',
	'orientation 9709 is candidats_designes: proposals, answers and leases follow a CALEOL attribution', 'candidature: a lease after a refusal');

--------------------------------------------------------------------------
-- the history is append-only
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$UPDATE orientation_historique SET motif = 'réécrit' WHERE orientation_id = 9701$$, '55000',
	'flux.orientation_historique is append-only: UPDATE refused', 'historique: UPDATE');
SELECT * FROM pg_temp.refus($$DELETE FROM orientation_historique WHERE orientation_id = 9701$$, '55000',
	'flux.orientation_historique is append-only: DELETE refused', 'historique: DELETE');
SELECT * FROM pg_temp.refus($$TRUNCATE orientation_historique$$, '55000',
	'flux.orientation_historique is append-only: TRUNCATE refused', 'historique: TRUNCATE');
SELECT results_eq($$SELECT candidature_id IS NOT NULL, de, vers, origine FROM orientation_historique WHERE orientation_id = 9701 ORDER BY id$$,
	$$VALUES (false, NULL, 'proposee', 'utilisateur'), (false, 'proposee', 'acceptee', 'utilisateur'),
			 (true, NULL, 'candidat_designe', 'utilisateur'), (false, 'acceptee', 'candidats_designes', 'utilisateur'),
			 (true, NULL, 'candidat_designe', 'utilisateur'), (true, NULL, 'candidat_designe', 'utilisateur'),
			 (true, 'candidat_designe', 'caleol_attribution', 'utilisateur'), (false, 'candidats_designes', 'attribuee', 'utilisateur'),
			 (true, 'candidat_designe', 'caleol_non_attribution', 'utilisateur'), (true, NULL, 'proposition', 'utilisateur'),
			 (true, 'proposition', 'reponse_acceptee', 'utilisateur'), (true, 'reponse_acceptee', 'bail', 'utilisateur'),
			 (false, 'attribuee', 'bail_signe', 'utilisateur')$$,
	'historique: every step of Publier''s orientation, by the user');

--------------------------------------------------------------------------
-- the other transitions
--------------------------------------------------------------------------
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES
	(9716, 9716, 972, '2025-06-02'), (9717, 9717, 972, '2025-06-02'),
	(9718, 9718, 972, '2025-06-02'), (9719, 9719, 972, '2025-06-02');
SELECT lives_ok($$UPDATE orientation SET etat = 'annulee', motif = 'logement retiré pour travaux' WHERE id = 9716$$,
	'transition proposee -> annulee');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-03' WHERE id IN (9717, 9718, 9719);
SELECT lives_ok($$UPDATE orientation SET etat = 'restituee', motif = 'le réservataire renonce' WHERE id = 9717$$,
	'transition acceptee -> restituee');
SELECT lives_ok($$UPDATE orientation SET etat = 'annulee', motif = 'vente décidée' WHERE id = 9718$$,
	'transition acceptee -> annulee');
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation) VALUES (9719, 9719, '074062597190', 1, '2025-06-05');
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-06-12' WHERE id = 9719;
SELECT lives_ok($$UPDATE orientation SET etat = 'annulee', motif = 'sinistre' WHERE id = 9719$$,
	'transition attribuee -> annulee');
SELECT lives_ok($$UPDATE orientation SET etat = 'annulee', motif = 'erreur de saisie' WHERE id = 9714$$,
	'transition candidats_designes -> annulee');

--------------------------------------------------------------------------
-- the sweep
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$SELECT * FROM appliquer_echeances(NULL)$$, '22023',
	'the sweep needs a finite date, not NULL', 'appliquer_echeances: no date');
SELECT * FROM pg_temp.refus($$SELECT * FROM appliquer_echeances('infinity')$$, '22023',
	'the sweep needs a finite date, not infinity', 'appliquer_echeances: infinity');
SELECT * FROM pg_temp.refus($$SELECT * FROM appliquer_echeances('-infinity')$$, '22023',
	'the sweep needs a finite date, not -infinity', 'appliquer_echeances: -infinity');
-- a proposal left unanswered (by 22 September)
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (9720, 9720, 972, '2025-09-01');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-09-02' WHERE id = 9720;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, personnes, ressources)
VALUES (9720, 9720, '074092597200', 1, '2025-09-05', 3, 2000);
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-09-10' WHERE id = 9720;
UPDATE candidature SET date_proposition = '2025-09-12', loyer = 500, charges = 60 WHERE id = 9720;
SELECT is((SELECT echeance_reponse_menage FROM candidature WHERE id = 9720), '2025-09-22'::date, 'proposal of 12 September: answer by 22 September');
-- on 22 September: every deadline before it, not the one of that day
CREATE TEMP TABLE balayage AS SELECT * FROM appliquer_echeances('2025-09-22 23:00');
SELECT results_eq($$SELECT orientation_id, candidature_id, de, vers, echeance FROM balayage
					  WHERE orientation_id BETWEEN 9701 AND 9799 ORDER BY orientation_id, de DESC$$,
	$$VALUES (9702::bigint, NULL::bigint, 'proposee', 'acceptee', '2025-04-23'::date),
			 (9702, NULL, 'acceptee', 'restituee', '2025-05-16'),
			 (9703, NULL, 'proposee', 'acceptee', '2025-04-22'),
			 (9703, NULL, 'acceptee', 'restituee', '2025-05-15'),
			 (9711, NULL, 'proposee', 'expiree', '2025-03-05'),
			 (9712, NULL, 'proposee', 'acceptee', '2025-03-07'),
			 (9712, NULL, 'acceptee', 'restituee', '2025-03-28'),
			 (9721, NULL, 'proposee', 'acceptee', '2025-07-02'),
			 (9721, NULL, 'acceptee', 'restituee', '2025-07-24')$$,
	'appliquer_echeances: tacit acceptance, expiry, return to the bailleur; not the deadline of the day');
SELECT results_eq($$SELECT id, etat::text, date_reponse, motif FROM orientation WHERE id IN (9711, 9712) ORDER BY id$$,
	$$VALUES (9711::bigint, 'expiree', '2025-03-05'::date, 'pas de réponse au 05/03/2025 : orientation expirée'),
			 (9712, 'restituee', '2025-03-07', 'aucun candidat au 28/03/2025 : le logement revient au bailleur (nouvelle orientation, désignation par le bailleur ou prolongation)')$$,
	'appliquer_echeances: the CAF''s orientation expired, the State''s went back to the bailleur');
SELECT is((SELECT reponse_menage FROM candidature WHERE id = 9720), NULL, 'appliquer_echeances: the household still has its last day');
SELECT results_eq($$SELECT * FROM appliquer_echeances('2025-10-01 12:00') WHERE orientation_id BETWEEN 9701 AND 9799$$,
	$$VALUES (9720::bigint, 9720::bigint, 'proposition', 'reponse_sans_reponse', '2025-09-22'::date),
			 -- back to candidats_designes with 1 candidate of 3, past its designation
			 -- deadline: the sweep records that the bailleur may complete the list
			 (9720, NULL, 'candidats_designes', 'echeance_designation', '2025-09-23')$$,
	'appliquer_echeances: the household''s silence is a refusal; the designation deadline passed short of candidates is recorded');
SELECT is((SELECT count(*) FROM appliquer_echeances('2025-10-01 12:00')), 0::bigint, 'appliquer_echeances: idempotent');
SELECT results_eq($$SELECT reponse_menage::text, date_reponse_menage, offre_adaptee FROM candidature WHERE id = 9720$$,
	$$VALUES ('sans_reponse', '2025-09-22'::date, true)$$, 'appliquer_echeances: no answer by the deadline, a suitable offer');
SELECT is((SELECT etat::text FROM orientation WHERE id = 9720), 'candidats_designes', 'appliquer_echeances: the orientation waits for other candidates');
-- the history says who did what
SELECT results_eq($$SELECT candidature_id, de, vers, origine FROM orientation_historique WHERE orientation_id IN (9711, 9720) ORDER BY orientation_id, id$$,
	$$VALUES (NULL::bigint, NULL, 'proposee', 'utilisateur'), (NULL, 'proposee', 'expiree', 'echeance'),
			 (NULL, NULL, 'proposee', 'utilisateur'), (NULL, 'proposee', 'acceptee', 'utilisateur'),
			 (9720, NULL, 'candidat_designe', 'utilisateur'), (NULL, 'acceptee', 'candidats_designes', 'utilisateur'),
			 (9720, 'candidat_designe', 'caleol_attribution', 'utilisateur'), (NULL, 'candidats_designes', 'attribuee', 'utilisateur'),
			 (9720, NULL, 'proposition', 'utilisateur'),
			 (9720, 'proposition', 'reponse_sans_reponse', 'echeance'), (NULL, 'attribuee', 'candidats_designes', 'echeance'),
			 (NULL, 'candidats_designes', 'echeance_designation', 'echeance')$$,
	'historique: origine echeance for the sweep''s changes, utilisateur for the others');
SELECT is((SELECT count(*) FROM orientation_historique h JOIN balayage b ON b.orientation_id = h.orientation_id
											 AND b.de = h.de AND b.vers = h.vers AND h.origine = 'echeance'
			WHERE b.orientation_id BETWEEN 9701 AND 9799), 9::bigint, 'historique: every change of the first sweep, with origine echeance');
-- after the sweep a user's change is the user's again
SELECT lives_ok($$UPDATE candidature SET refus_illegitime = true, refus_valide_le = '2025-10-06' WHERE id = 9720$$,
	'candidature: the réservataire validates the silence as an illegitimate refusal');
SELECT results_eq($$SELECT de, vers, origine FROM orientation_historique WHERE orientation_id = 9720 ORDER BY id DESC LIMIT 1$$,
	$$VALUES ('reponse_sans_reponse', 'refus_illegitime_valide', 'utilisateur')$$, 'historique: after the sweep, the user''s change is the user''s');
SELECT * FROM pg_temp.refus($$UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'x' WHERE id = 9711$$, '55000',
	'orientation 9711 (expiree) has no designation deadline to extend', 'orientation: no extension of an expired orientation');

-- every transition of flux.etats_suivants happened in this file
SELECT is((SELECT array_agg(s.de || ' -> ' || v.vers ORDER BY s.de, v.vers)
			 FROM unnest(enum_range(NULL::etat_orientation)) s(de), unnest(etats_suivants(s.de)) v(vers)
			WHERE NOT EXISTS (SELECT 1 FROM orientation_historique h
							   WHERE h.orientation_id BETWEEN 9701 AND 9799 AND h.candidature_id IS NULL
								 AND h.de = s.de::text AND h.vers = v.vers::text)),
	NULL, 'every transition of etats_suivants is reachable');

--------------------------------------------------------------------------
-- counting
--------------------------------------------------------------------------
-- convention 981 counts leases: two leases of candidates the bailleur
-- designated, one recorded for the réservataire; a validated refusal
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation, bailleur_compte_pour_reservataire) VALUES
	(9730, 9730, 981, '2025-05-05', true), (9731, 9731, 981, '2025-05-05', false), (9732, 9732, 981, '2025-05-05', false);
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-05-06' WHERE id IN (9730, 9731, 9732);
INSERT INTO candidature (id, orientation_id, nud, rang, designe_par, date_designation, personnes, ressources) VALUES
	(9730, 9730, '074050797300', 1, 'bailleur', '2025-05-07', 3, 2000),
	(9731, 9731, '074050797310', 1, 'bailleur', '2025-05-07', 3, 2000),
	(9732, 9732, '074050797320', 1, 'reservataire', '2025-05-07', 3, 2000);
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-05-15' WHERE id IN (9730, 9731, 9732);
UPDATE candidature SET date_proposition = '2025-05-16', loyer = 500, charges = 60 WHERE id IN (9730, 9731, 9732);
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-05-20' WHERE id IN (9730, 9731);
UPDATE candidature SET date_bail = '2025-06-01' WHERE id IN (9730, 9731);
UPDATE candidature SET reponse_menage = 'refusee', date_reponse_menage = '2025-05-20', motif_refus = 'quartier' WHERE id = 9732;
SELECT lives_ok($$UPDATE candidature SET refus_illegitime = true, refus_valide_le = '2025-06-10' WHERE id = 9732$$,
	'candidature: an illegitimate refusal of a suitable offer, validated');
SELECT results_eq($$SELECT evenement, orientations, attributions, baux, refus_illegitimes, decomptes FROM decompte(970, '74', 2025) WHERE convention_id = 981$$,
	$$VALUES ('bail', 3::bigint, 2::bigint, 1::bigint, 1::bigint, 2::bigint)$$,
	'decompte: the bailleur''s candidate counts only when recorded for the réservataire; the validated refusal counts');
SELECT lives_ok($$UPDATE orientation SET bailleur_compte_pour_reservataire = true WHERE id = 9731$$,
	'orientation: the bailleur records its candidate for the réservataire');
SELECT results_eq($$SELECT attributions, baux, decomptes FROM decompte(970, '74', 2025) WHERE convention_id = 981$$,
	$$VALUES (3::bigint, 2::bigint, 3::bigint)$$, 'decompte: then it counts');
SELECT results_eq($$SELECT evenement, attributions, refus_illegitimes, decomptes FROM decompte(970, '74', 2025) WHERE convention_id = 972$$,
	$$VALUES ('attribution', 3::bigint, 1::bigint, 3::bigint)$$,
	'decompte: Action Logement counts its attributions of 2025 and its validated refusal');
-- hors flux: the mutation is let to a priority household
INSERT INTO candidature (id, orientation_id, nud, rang, designe_par, date_designation, prioritaire, critere_priorite)
VALUES (9706, 9706, '074030497060', 1, 'bailleur', '2025-03-04', true, 'mutation pour handicap');
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-03-10' WHERE id = 9706;
UPDATE candidature SET date_proposition = '2025-03-11' WHERE id = 9706;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-03-12' WHERE id = 9706;
SELECT lives_ok($$UPDATE candidature SET date_bail = '2025-04-01' WHERE id = 9706$$, 'hors flux: the mutation is let');
SELECT results_eq($$SELECT * FROM decompte_hors_flux(970, '74', 2025)$$,
	$$VALUES ('mutation', 1::bigint, 1::bigint, 1::bigint, 0::bigint), ('urgence', 1, 0, 0, 0), ('premiere_location', 1, 0, 0, 0)$$,
	'decompte_hors_flux: by motive, against no contingent');

SELECT * FROM finish();
ROLLBACK;
