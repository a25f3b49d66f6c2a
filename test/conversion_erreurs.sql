-- conversion_erreurs: every refusal of 0.4.0 (kernels, stock reservations,
-- yearly rates, the préfet's decisions, shares of a year, the stock -> flux
-- conversion, the first letting of a programme) with its SQLSTATE, and the
-- hint of every refusal a function raises; the seeds' numbers; and the
-- interleaving bound of flux.entrelacer on random batches.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(165);

\ir erreurs_aide.psql

SELECT is(pg_temp.hint_de('SELECT 1'), NULL, 'hint_de: no error, no hint');
SELECT is(pg_temp.hint_de('SELECT 1 / 0'), '', 'hint_de: an error without a hint');

--------------------------------------------------------------------------
-- the seeds' numbers
--------------------------------------------------------------------------
SELECT is(taux_reservataire(100, 1000), '10%'::taux, '100 reserved units of 1 000: 10 %');
SELECT is(repartir(80, '{10%}'), '{8}'::integer[], '10 % of a flux of 80: 8 units');
SELECT is(repartir(100, '{30%}'), '{30}'::integer[], 'the State''s 30 % of 100: 30 units');
SELECT is(droits_uniques(1000, 8), 80, '100 units x 10 years at 8 % rotation: 80 single rights');
SELECT is(echeancier(3, 10), '{1,0,0,1,0,0,1,0,0,0}'::integer[], '3 rights over 10 years: years 1, 4 and 7');

--------------------------------------------------------------------------
-- the kernels
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$SELECT droits_uniques(-1, 8)$$, '22003',
	'unit-years of reservation must be a finite number, zero or more, not -1', 'droits_uniques: negative unit-years');
SELECT * FROM pg_temp.refus($$SELECT droits_uniques('NaN', 8)$$, '22003',
	'unit-years of reservation must be a finite number, zero or more, not NaN', 'droits_uniques: NaN unit-years');
SELECT * FROM pg_temp.refus($$SELECT droits_uniques('Infinity', 8)$$, '22003',
	'unit-years of reservation must be a finite number, zero or more, not Infinity', 'droits_uniques: infinite unit-years');
SELECT * FROM pg_temp.refus($$SELECT droits_uniques(10, 100.5)$$, '22003',
	'rotation rate must be between 0 and 100 percent, not 100.5', 'droits_uniques: rotation above 100 %');
SELECT * FROM pg_temp.refus($$SELECT droits_uniques(10, -0.01)$$, '22003',
	'rotation rate must be between 0 and 100 percent, not -0.01', 'droits_uniques: negative rotation');
SELECT * FROM pg_temp.refus($$SELECT droits_uniques(10, 'NaN')$$, '22003',
	'rotation rate must be between 0 and 100 percent, not NaN', 'droits_uniques: NaN rotation');
SELECT * FROM pg_temp.refus($$SELECT droits_uniques(10, 8, 'bancaire')$$, '22023',
	'unknown rounding "bancaire"', 'droits_uniques: unknown rounding');
SELECT throws_ok($$SELECT droits_uniques(1e12, 100)$$, '22003', 'integer out of range',
	'droits_uniques: a volume past 2^31 - 1');

SELECT * FROM pg_temp.refus($$SELECT echeancier(-1, 5)$$, '22023',
	'volume of rights to schedule must not be negative: -1', 'echeancier: negative volume');
SELECT * FROM pg_temp.refus($$SELECT echeancier(5, 0)$$, '22023',
	'schedule must span 1 to 99 years, not 0', 'echeancier: 0 years');
SELECT * FROM pg_temp.refus($$SELECT echeancier(5, 100)$$, '22023',
	'schedule must span 1 to 99 years, not 100', 'echeancier: 100 years');

SELECT * FROM pg_temp.refus($$SELECT entrelacer('{3,NULL}')$$, '22004',
	'count 2 is null', 'entrelacer: a null count');
SELECT * FROM pg_temp.refus($$SELECT entrelacer('{3,-1}')$$, '22023',
	'count 2 must not be negative: -1', 'entrelacer: a negative count');
SELECT * FROM pg_temp.refus($$SELECT entrelacer('{{1,2},{3,4}}')$$, '2202E',
	'counts must be a one-dimensional array, not 2 dimensions', 'entrelacer: a 2-D array');
SELECT * FROM pg_temp.refus($$SELECT entrelacer('{2147483647,2147483647}')$$, '54000',
	'counts add up to 4294967294 units, more than an array can hold (134217727)', 'entrelacer: more turns than an array holds');

-- Tijdeman's bound on 200 random batches of 1 to 7 shares due 0 to 20 units:
-- at every prefix t, |t n_i / N - a_i(t)| <= 1 - 1/(2m - 2), m the shares
-- due something (m >= 2), i.e. |t n_i - a_i N| (2m - 2) <= (2m - 3) N
DO $$BEGIN PERFORM setseed(0.0404); END$$;
CREATE TEMP TABLE entrelacer_cas AS
SELECT k, n, entrelacer(n) AS ordre,
	   (SELECT coalesce(sum(x), 0) FROM unnest(n) x)::bigint AS total,
	   (SELECT count(*) FROM unnest(n) x WHERE x > 0)::bigint AS m
  FROM (SELECT k, (SELECT array_agg(floor(random() * 21)::integer)
					 FROM generate_series(1, 1 + floor(random() * 7)::integer + 0 * k)) AS n
		  FROM generate_series(1, 200) k) c;
SELECT is((SELECT count(DISTINCT p.k) FROM (
			SELECT c.k, c.total, c.m, c.n[i] AS ni, u.t,
				   count(*) FILTER (WHERE u.s = i) OVER (PARTITION BY c.k, i ORDER BY u.t) AS a
			  FROM entrelacer_cas c
			 CROSS JOIN generate_subscripts(c.n, 1) i
			 CROSS JOIN unnest(c.ordre) WITH ORDINALITY u(s, t)
			 WHERE c.n[i] > 0 AND c.m >= 2) p
		   WHERE abs(p.t * p.ni - p.a * p.total) * (2 * p.m - 2) > (2 * p.m - 3) * p.total),
		  0::bigint, 'entrelacer: every prefix of 200 random batches within 1 - 1/(2m-2) of its quota');
SELECT is((SELECT count(*) FROM entrelacer_cas c
		   WHERE coalesce(cardinality(c.ordre), 0) <> c.total
			  OR EXISTS (SELECT 1 FROM generate_subscripts(c.n, 1) i
						  WHERE c.n[i] <> (SELECT count(*) FROM unnest(c.ordre) s WHERE s = i))),
		  0::bigint, 'entrelacer: every share of the 200 batches gets exactly its count');

--------------------------------------------------------------------------
-- the scenarios
--------------------------------------------------------------------------
INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES
	(960, '900000960', 'B conversion erreurs', 'esh'),
	(961, '900000961', 'B sans rotation', 'esh'),
	(962, '900000962', 'B sans assiette', 'esh'),
	(963, '900000963', 'B sans Etat', 'esh'),
	(964, '900000964', 'B deux Etats', 'esh'),
	(965, '900000965', 'B programmes', 'esh'),
	(966, '900000966', 'B sans terme', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(960, 'Etat (conversion erreurs)', 'etat', NULL),
	(961, 'Agents (conversion erreurs)', 'etat_agents', NULL),
	(962, 'Employeur (conversion erreurs)', 'employeur', NULL),
	(963, 'Autre (conversion erreurs)', 'autre', NULL),
	(964, 'Etat bis (conversion erreurs)', 'etat', NULL),
	(965, 'Action Logement (conversion erreurs)', 'action_logement', NULL),
	(966, 'Publier (conversion erreurs)', 'commune', '74218');
SELECT setval('flux.convention_id_seq', greatest(nextval('flux.convention_id_seq'), 999));
SELECT setval('flux.logement_id_seq', greatest(nextval('flux.logement_id_seq'), 999));
SELECT setval('flux.programme_id_seq', greatest(nextval('flux.programme_id_seq'), 999));
SELECT setval('flux.reservation_id_seq', greatest(nextval('flux.reservation_id_seq'), 999));
SELECT setval('flux.reprise_prefet_id_seq', greatest(nextval('flux.reprise_prefet_id_seq'), 999));

-- bailleur 960: 20 units; 963: 1; 964: 1; 966: 2; 962: 2 units excluded
-- (defense), so an empty assiette; 965: a programme of 4 new units
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, exclusion)
SELECT i, CASE WHEN i < 980 THEN 960 WHEN i < 982 THEN 962 WHEN i = 982 THEN 963 WHEN i = 983 THEN 964 ELSE 966 END,
	   'CE' || i, '74218', false, 'C', 1 + i % 4, 13, true, 2000,
	   CASE WHEN i IN (980, 981) THEN 'defense' END::motif_exclusion
  FROM generate_series(960, 985) i;
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, soustraire_mutation) VALUES
	(960, '74', 2025, 8, false), (962, '74', 2025, 8, false), (966, '74', 2025, 8, false);

INSERT INTO convention (id, bailleur_id, reservataire_id, departement, regime, taux, date_effet, date_fin) VALUES
	-- 960: the State 30 % and Action Logement 70 % in flux; four in stock
	(960, 960, 960, '74', 'flux', '30%', '2024-01-01', NULL),
	(961, 960, 962, '74', 'stock', NULL, '2005-01-01', NULL),
	(962, 960, 961, '74', 'stock', NULL, '2000-01-01', NULL),
	(963, 960, 963, '74', 'stock', NULL, '2010-01-01', '2026-01-01'),
	(964, 960, 965, '74', 'flux', '70%', '2024-01-01', NULL),
	(965, 960, 966, '74', 'stock', NULL, '1995-01-01', '2023-01-01'),
	-- 963: a stock convention and no State flux convention
	(966, 963, 962, '74', 'stock', NULL, '2005-01-01', NULL),
	-- 964: two State flux conventions at once
	(967, 964, 960, '74', 'flux', '15%', '2024-01-01', NULL),
	(968, 964, 964, '74', 'flux', '15%', '2024-01-01', NULL),
	(969, 964, 962, '74', 'stock', NULL, '2005-01-01', NULL),
	-- 962: an employer's flux share on an empty assiette
	(970, 962, 962, '74', 'flux', '5%', '2024-01-01', NULL);

INSERT INTO reservation (logement_id, reservataire_id, convention_id, droit, fondement, date_fin) VALUES
	(960, 962, 961, 'suite', 'apport_financier', '2035-01-01'),
	(961, 962, 961, 'suite', 'apport_financier', '2035-01-01'),
	(980, 962, NULL, 'suite', 'apport_financier', '2035-01-01'),
	(982, 962, 966, 'suite', 'apport_financier', '2035-01-01'),
	(983, 962, 969, 'suite', 'apport_financier', '2035-01-01'),
	-- a right with no end at all
	(984, 963, NULL, 'suite', 'autre', NULL);

--------------------------------------------------------------------------
-- stock reservations
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$INSERT INTO reservation (logement_id, reservataire_id, convention_id, fondement) VALUES (962, 962, 960, 'autre')$$,
	'23514', 'convention 960 cannot grant the stock reservation of logement 962 to réservataire 962', 'reservation_verifier: a flux convention');
SELECT * FROM pg_temp.refus($$INSERT INTO reservation (logement_id, reservataire_id, convention_id, fondement) VALUES (962, 965, 961, 'autre')$$,
	'23514', 'convention 961 cannot grant the stock reservation of logement 962 to réservataire 965', 'reservation_verifier: another réservataire''s stock convention');
SELECT * FROM pg_temp.refus($$INSERT INTO reservation (logement_id, reservataire_id, convention_id, fondement) VALUES (962, 962, 966, 'autre')$$,
	'23514', 'convention 966 cannot grant the stock reservation of logement 962 to réservataire 962', 'reservation_verifier: another bailleur''s stock convention');
SELECT * FROM pg_temp.refus($$UPDATE reservation SET convention_id = 964 WHERE logement_id = 960$$,
	'23514', 'convention 964 cannot grant the stock reservation of logement 960 to réservataire 962', 'reservation_verifier: on update too');
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement) VALUES (962, 962, 'apport_foncier', '2020-01-01')$$,
	'23514', 'new row for relation "reservation" violates check constraint "reservation_remboursement_garantie"', 'a repayment date on a right that is not a loan guarantee');
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_debut, date_fin) VALUES (962, 962, 'autre', '2020-01-01', '2020-01-01')$$,
	'23514', 'new row for relation "reservation" violates check constraint "reservation_dates"', 'a right ending on its first day');
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_debut, date_conversion) VALUES (962, 962, 'autre', '2020-01-01', '2019-12-31')$$,
	'23514', 'new row for relation "reservation" violates check constraint "reservation_conversion"', 'a conversion before the right began');
SELECT throws_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement) VALUES (960, 965, 'autre')$$,
	'23505', 'duplicate key value violates unique constraint "reservation_un_reservataire_par_logement"', 'a unit tied to two réservataires at once');
SELECT lives_ok($$INSERT INTO reservation (logement_id, reservataire_id, fondement, date_debut, date_conversion) VALUES (960, 965, 'autre', '1990-01-01', '2024-01-01')$$,
	'a converted reservation no longer ties its unit');

--------------------------------------------------------------------------
-- yearly rates
--------------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO taux_annuel (convention_id, annee, reserves, droits_expires, parc, taux) VALUES (964, 1999, 0, 0, 1, '0%')$$,
	'23514', 'new row for relation "taux_annuel" violates check constraint "taux_annuel_annee"', 'taux_annuel: year before 2000');
SELECT throws_ok($$INSERT INTO taux_annuel (convention_id, annee, reserves, droits_expires, parc, taux) VALUES (964, 2025, -1, 0, 1, '0%')$$,
	'23514', NULL, 'taux_annuel: negative reserves');
SELECT throws_ok($$INSERT INTO taux_annuel (convention_id, annee, reserves, droits_expires, parc, taux) VALUES (964, 2025, 0, -1, 1, '0%')$$,
	'23514', NULL, 'taux_annuel: negative expired rights');
SELECT throws_ok($$INSERT INTO taux_annuel (convention_id, annee, reserves, droits_expires, parc, taux) VALUES (964, 2025, 0, 0, 0, '0%')$$,
	'23514', NULL, 'taux_annuel: an empty parc');
SELECT throws_ok($$INSERT INTO taux_annuel (convention_id, annee, reserves, droits_expires, parc, taux) VALUES (964, 2025, 2, 0, 1, '100%')$$,
	'23514', 'new row for relation "taux_annuel" violates check constraint "taux_annuel_reserves_parc"', 'taux_annuel: more reserved units than the parc');

SELECT * FROM pg_temp.refus($$SELECT * FROM actualiser_taux(960, '74', 1999)$$, '22023',
	'year 1999 is out of range', 'actualiser_taux: year before 2000');
SELECT * FROM pg_temp.refus($$SELECT * FROM actualiser_taux(960, '74', 2101)$$, '22023',
	'year 2101 is out of range', 'actualiser_taux: year after 2100');
SELECT * FROM pg_temp.refus($$SELECT * FROM actualiser_taux(962, '74', 2025)$$, '22012',
	'convention 970 has no unit in the assiette of 2025 to compute a rate on', 'actualiser_taux: a territory with an empty assiette');

--------------------------------------------------------------------------
-- the préfet's decisions
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(-1, '2025-04-01', 'x')$$, 'P0002',
	'convention -1 does not exist', 'reprise_prefet: unknown convention');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(960, '2025-04-01', 'x')$$, '22023',
	'convention 960 is not a stock convention in force after 24 November 2023', 'reprise_prefet: a flux convention');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(965, '2025-04-01', 'x')$$, '22023',
	'convention 965 is not a stock convention in force after 24 November 2023', 'reprise_prefet: a stock convention ended before the deadline');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(962, '2025-04-01', 'x')$$, '22023',
	'convention 962 is the State''s own stock: the préfet cannot take it back', 'reprise_prefet: the State''s own stock');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, '2023-11-24', 'x')$$, '22023',
	'the préfet''s decision of 2023-11-24 falls outside convention 961''s period in stock after 24 November 2023', 'reprise_prefet: on the deadline');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(963, '2026-01-01', 'x')$$, '22023',
	'the préfet''s decision of 2026-01-01 falls outside convention 963''s period in stock after 24 November 2023', 'reprise_prefet: once the convention ended');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, '2025-04-01', '')$$, '22004',
	'a préfet''s decision needs its date and its reference', 'reprise_prefet: an empty arrete');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, '2025-04-01', NULL)$$, '22004',
	'a préfet''s decision needs its date and its reference', 'reprise_prefet: no arrete');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, NULL, 'x')$$, '22004',
	'a préfet''s decision needs its date and its reference', 'reprise_prefet: no date');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(966, '2025-04-01', 'x')$$, 'P0002',
	'bailleur 963 has no State flux convention in département 74 on 2025-04-01 to add the units to', 'reprise_prefet: no State flux convention');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(969, '2025-04-01', 'x')$$, '21000',
	'bailleur 964 has 2 State flux conventions in département 74 on 2025-04-01: 967, 968', 'reprise_prefet: two State flux conventions');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, '2025-04-01', 'x', convention_etat => 964)$$, '22023',
	'convention 964 is not the State''s flux convention with bailleur 960 in département 74 on 2025-04-01', 'reprise_prefet: convention_etat of another réservataire');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, '2025-04-01', 'x', convention_etat => 962)$$, '22023',
	'convention 962 is not the State''s flux convention with bailleur 960 in département 74 on 2025-04-01', 'reprise_prefet: convention_etat in stock');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, '2023-12-01', 'x', convention_etat => 960)$$, '22023',
	'convention 960 is not the State''s flux convention with bailleur 960 in département 74 on 2023-12-01', 'reprise_prefet: convention_etat not yet in force');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, '2025-04-01', 'x', convention_etat => 967)$$, '22023',
	'convention 967 is not the State''s flux convention with bailleur 960 in département 74 on 2025-04-01', 'reprise_prefet: convention_etat of another bailleur');
SELECT lives_ok($$SELECT reprise_prefet(969, '2025-04-01', 'x', convention_etat => 968)$$,
	'reprise_prefet: naming the State convention settles two of them');

-- in force from 1 March 2025: the employer's 2 units go to the State's flux
SELECT lives_ok($$SELECT reprise_prefet(961, '2025-03-01', 'Arrêté CE-961')$$, 'reprise_prefet: the préfet takes convention 961 back');
SELECT * FROM pg_temp.refus($$SELECT reprise_prefet(961, '2025-04-01', 'bis')$$, '23505',
	'convention 961''s units are already in the State''s flux since 2025-03-01 (Arrêté CE-961)', 'reprise_prefet: twice');
-- the table's own rules
SELECT throws_ok($$INSERT INTO reprise_prefet (convention_id, convention_etat_id, arrete, date_debut) VALUES (963, 960, 'x', '2023-11-24')$$,
	'23514', 'new row for relation "reprise_prefet" violates check constraint "reprise_prefet_apres_echeance"', 'reprise_prefet table: not before 25 November 2023');
SELECT throws_ok($$INSERT INTO reprise_prefet (convention_id, convention_etat_id, arrete, date_debut) VALUES (963, 960, '', '2025-04-01')$$,
	'23514', 'new row for relation "reprise_prefet" violates check constraint "reprise_prefet_arrete_non_vide"', 'reprise_prefet table: an empty arrete');
SELECT throws_ok($$INSERT INTO reprise_prefet (convention_id, convention_etat_id, arrete, date_debut, date_fin, motif_levee) VALUES (963, 960, 'x', '2025-04-01', '2025-03-31', 'y')$$,
	'23514', 'new row for relation "reprise_prefet" violates check constraint "reprise_prefet_dates"', 'reprise_prefet table: lifted before its first day');
SELECT throws_ok($$INSERT INTO reprise_prefet (convention_id, convention_etat_id, arrete, date_debut, date_fin) VALUES (963, 960, 'x', '2025-04-01', '2025-05-01')$$,
	'23514', 'new row for relation "reprise_prefet" violates check constraint "reprise_prefet_levee_motivee"', 'reprise_prefet table: lifted without a reason');
SELECT throws_ok($$INSERT INTO reprise_prefet (convention_id, convention_etat_id, arrete, date_debut) VALUES (961, 960, 'bis', '2025-05-01')$$,
	'23505', 'duplicate key value violates unique constraint "reprise_prefet_une_en_cours"', 'reprise_prefet table: two decisions in force on one convention');

--------------------------------------------------------------------------
-- the shares of a year
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$SELECT * FROM parts(960, '74', 1999)$$, '22023',
	'year 1999 is out of range', 'parts: year before 2000');
SELECT * FROM pg_temp.refus($$SELECT * FROM parts(960, '74', 2101)$$, '22023',
	'year 2101 is out of range', 'parts: year after 2100');
-- 30 % + 70 % + 2 units of 20 (10 %) for 306 days of 365 (8.38 %)
SELECT * FROM pg_temp.refus($$SELECT * FROM parts(960, '74', 2025)$$, '22003',
	'shares of bailleur 960''s flux in département 74 add up to 108.38% in 2025, more than 100%', 'parts: a préfet''s decision above the shares left');
SELECT * FROM pg_temp.refus($$SELECT * FROM part_etat(960, '74', 2025)$$, '22003',
	'shares of bailleur 960''s flux in département 74 add up to 108.38% in 2025, more than 100%', 'part_etat: the same refusal');

-- lifting it
SELECT * FROM pg_temp.refus($$SELECT lever_reprise_prefet(-1, '2025-09-01', 'x')$$, 'P0002',
	'préfet''s decision -1 does not exist', 'lever_reprise_prefet: unknown decision');
SELECT * FROM pg_temp.refus(format($$SELECT lever_reprise_prefet(%s, '2025-02-28', 'x')$$, (SELECT id FROM reprise_prefet WHERE convention_id = 961)), '22023',
	format('préfet''s decision %s cannot be lifted on 2025-02-28, before its first day 2025-03-01', (SELECT id FROM reprise_prefet WHERE convention_id = 961)),
	'lever_reprise_prefet: before its first day');
SELECT * FROM pg_temp.refus(format($$SELECT lever_reprise_prefet(%s, '2025-09-01', NULL)$$, (SELECT id FROM reprise_prefet WHERE convention_id = 961)), '22004',
	'lifting a préfet''s decision needs its date and its reason', 'lever_reprise_prefet: no reason');
SELECT * FROM pg_temp.refus(format($$SELECT lever_reprise_prefet(%s, '2025-09-01', '')$$, (SELECT id FROM reprise_prefet WHERE convention_id = 961)), '22004',
	'lifting a préfet''s decision needs its date and its reason', 'lever_reprise_prefet: an empty reason');
SELECT * FROM pg_temp.refus(format($$SELECT lever_reprise_prefet(%s, NULL, 'x')$$, (SELECT id FROM reprise_prefet WHERE convention_id = 961)), '22004',
	'lifting a préfet''s decision needs its date and its reason', 'lever_reprise_prefet: no date');
SELECT lives_ok(format($$SELECT lever_reprise_prefet(%s, '2025-09-01', 'convention conforme signée')$$, (SELECT id FROM reprise_prefet WHERE convention_id = 961)),
	'lever_reprise_prefet: lifted when the compliant convention is signed');
SELECT * FROM pg_temp.refus(format($$SELECT lever_reprise_prefet(%s, '2025-10-01', 'encore')$$, (SELECT id FROM reprise_prefet WHERE convention_id = 961)), '22023',
	format('préfet''s decision %s was already lifted on 2025-09-01', (SELECT id FROM reprise_prefet WHERE convention_id = 961)),
	'lever_reprise_prefet: already lifted');

--------------------------------------------------------------------------
-- the stock -> flux conversion
--------------------------------------------------------------------------
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 1999)$$, '22023',
	'year 1999 is out of range', 'conversion: year before 2000');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 2101)$$, '22023',
	'year 2101 is out of range', 'conversion: year after 2100');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 2025, fenetre => 0)$$, '22023',
	'rotation window of 0 years is out of range', 'conversion: a window of 0 years');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 2025, fenetre => 11)$$, '22023',
	'rotation window of 11 years is out of range', 'conversion: a window of 11 years');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 2025, fenetre => NULL)$$, '22023',
	'rotation window of <NULL> years is out of range', 'conversion: no window');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 2025, annees_sans_terme => 0)$$, '22023',
	'annees_sans_terme of 0 is out of range', 'conversion: annees_sans_terme 0');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 2025, annees_sans_terme => 100)$$, '22023',
	'annees_sans_terme of 100 is out of range', 'conversion: annees_sans_terme 100');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 2025, arrondi => 'bancaire')$$, '22023',
	'unknown rounding "bancaire"', 'conversion: unknown rounding');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(960, '74', 2025, taux_rotation => 150)$$, '22003',
	'rotation rate must be between 0 and 100 percent, not 150', 'conversion: a rotation rate above 100 %');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(961, '74', 2025)$$, 'P0002',
	'no vacancy recorded for bailleur 961 in département 74 from 2022 to 2024 to take a rotation rate from', 'conversion: no rotation to take');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(966, '74', 2025)$$, '22004',
	'1 stock reservation(s) of bailleur 966 in département 74 have no end to count the remaining years from', 'conversion: a right without an end');
-- units outside the assiette (defence) stay in stock: nothing to convert
SELECT is_empty($$SELECT * FROM conversion(962, '74', 2025)$$, 'conversion: units outside the assiette are not converted');
SELECT * FROM pg_temp.refus($$SELECT * FROM conversion(962, '74', 2025, arrondi => NULL)$$, '22004',
	'rounding must not be null', 'conversion: a null rounding');
SELECT * FROM pg_temp.refus($$SELECT * FROM echeancier_conversion(961, '74', 2025, fenetre => 0)$$, '22023',
	'rotation window of 0 years is out of range', 'echeancier_conversion: the same refusals');

--------------------------------------------------------------------------
-- the first letting of a new programme
--------------------------------------------------------------------------
INSERT INTO programme (id, bailleur_id, nom, depcom, date_livraison) VALUES
	(960, 965, 'Vide (conversion erreurs)', '74218', NULL),
	(961, 965, 'Rives (conversion erreurs)', '74218', '2025-06-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, date_mise_en_service, programme_id)
SELECT i, 965, 'CE' || i, '74218', false, 'C', 1 + i % 4, 13, true, '2025-06-01', 961 FROM generate_series(986, 989) i;
SELECT throws_ok($$INSERT INTO programme (bailleur_id, nom, depcom) VALUES (965, 'Mauvais code', '7421')$$,
	'23514', 'new row for relation "programme" violates check constraint "programme_depcom_format"', 'programme: a malformed commune code');
SELECT throws_ok($$INSERT INTO programme (bailleur_id, nom, depcom) VALUES (965, 'Rives (conversion erreurs)', '74218')$$,
	'23505', NULL, 'programme: one name per bailleur');
SELECT throws_ok($$INSERT INTO financement_programme (programme_id, reservataire_id, contribution) VALUES (961, 965, 0)$$,
	'23514', 'new row for relation "financement_programme" violates check constraint "financement_programme_contribution_positive"', 'financement_programme: a contribution of 0');

SELECT * FROM pg_temp.refus($$SELECT * FROM premiere_attribution(-1)$$, 'P0002',
	'programme -1 does not exist', 'premiere_attribution: unknown programme');
SELECT * FROM pg_temp.refus($$SELECT * FROM premiere_attribution(960)$$, 'P0002',
	'programme 960 (Vide (conversion erreurs)) has no unit', 'premiere_attribution: no unit');
SELECT * FROM pg_temp.refus($$SELECT * FROM premiere_attribution(961)$$, 'P0002',
	'programme 961 (Rives (conversion erreurs)) has no State financer to give its 30% to', 'premiere_attribution: no State financer');
INSERT INTO financement_programme (programme_id, reservataire_id, contribution, taux_convenu) VALUES
	(961, 960, NULL, NULL), (961, 965, NULL, NULL);
SELECT * FROM pg_temp.refus($$SELECT * FROM premiere_attribution(961)$$, '22004',
	'financers of programme 961 with neither a contribution nor an agreed share: 965 (Action Logement (conversion erreurs))', 'premiere_attribution: a financer without contribution nor share');
UPDATE financement_programme SET taux_convenu = '80%' WHERE programme_id = 961 AND reservataire_id = 965;
SELECT * FROM pg_temp.refus($$SELECT * FROM premiere_attribution(961)$$, '22003',
	'shares agreed on programme 961 add up to 110%, more than 100%', 'premiere_attribution: agreed shares above 100 %');
SELECT * FROM pg_temp.refus($$SELECT * FROM premiere_attribution(961, part_etat => '20%', part_bailleur => '1%')$$, '22003',
	'shares agreed on programme 961 add up to 101%, more than 100%', 'premiere_attribution: the bailleur''s share above what is left');
SELECT is((SELECT array_agg(reservataire_id ORDER BY rang) FROM premiere_attribution(961, part_etat => '20%')),
	'{965,960,965,965}'::bigint[], 'premiere_attribution: 20 % and 80 % of 4 units');

SELECT * FROM finish();
ROLLBACK;
