--
-- bilan_parts (issue 15 items 1-3): the shares over the units freed in the
-- flux (Publier art. 7), the three obligations per réservataire (FAQ,
-- Ornex art. 5) and the préfet's counts at every stage (FAQ §4.3), on a
-- small hand-built year whose every figure is computed by hand below.
--
-- Bailleur 9500 in the Haute-Savoie, 2025.  Conventions: 9511 the State
-- 30 %, 9512 Action Logement 20 % (both direct management), 9513 the
-- commune of Publier 10 % on its own units (communes = {74218}).
--
--   vacancy unit  commune  QPV  orientations (in order)          household attributed
--   V1      L1    Publier  no   A State, leased                  DALO, Q1 (réservataire's)
--   V2      L2    Publier  yes  B State, leased                  priority, Q2
--   V3      L3    Thonon   no   C Action Logement refuses;       Q3
--                               D the same unit -> State, leased
--   V4      L4    Thonon   yes  E Action Logement: 2 candidates, Q1 (the 2nd; the 1st
--                               the CALEOL attributes the 2nd    not attributed)
--   V5      L5    Thonon   no   F Action Logement, the bailleur  priority, Q1 (the bailleur's)
--                               designates, leased
--   V6      L6    Publier  no   G Publier, leased                Q2
--   V7      L7    Thonon   no   H State, cancelled; I the        Q2 (the bailleur's)
--                               bailleur's own share, leased
--   V8      L8    Thonon   no   J mutation (hors flux), leased   priority, Q1
--   V9      L9    Publier  yes  K ANRU (hors flux), leased       Q4
--   V10     L10   Publier  no   N an employer (9514, 5 %), cancelled;
--                               L State refuses; M the same unit
--                               -> State again, accepted, no candidate yet
--
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(14);

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551'), ('74281', 'Thonon-les-Bains', '200067551')
	ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9500, '900095000', 'Bailleur des parts', 'oph');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES (9501, 'Etat (parts)', 'etat', NULL),
	(9502, 'Action Logement (parts)', 'action_logement', NULL), (9503, 'Commune de Publier (parts)', 'commune', '74218'),
	(9504, 'Employeur (parts)', 'employeur', NULL);
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, communes) VALUES
	(9511, 9500, 9501, '74', '30%', '2024-01-01', NULL), (9512, 9500, 9502, '74', '20%', '2024-01-01', NULL),
	(9513, 9500, 9503, '74', '10%', '2024-01-01', '{74218}'), (9514, 9500, 9504, '74', '5%', '2024-01-01', NULL);
-- a CIA objective of 70 % in QPV (the default is 50 %)
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, objectif_cia_qpv) VALUES (9500, '74', 2025, 10, 70);
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, construct, locat)
SELECT 95000 + i, 9500, 'P' || i, CASE WHEN i IN (1, 2, 6, 9, 10) THEN '74218' ELSE '74281' END,
	   i IN (2, 4, 9), 'C', 3, 13, true, 1990, 1991
  FROM generate_series(1, 10) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) SELECT 95000 + i, 95000 + i, '2025-01-02', '2025-02-01'
  FROM generate_series(1, 10) i;

-- one orientation through the workflow, as far as jusqua says; par: who designates
CREATE FUNCTION pg_temp.parcours(o bigint, v bigint, c bigint, hf text, d date, n text, est_dalo boolean, prio boolean,
								 q smallint, jusqua text, par text DEFAULT 'reservataire') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO flux.orientation (id, vacance_id, convention_id, hors_flux, date_orientation)
	VALUES (o, v, c, hf::flux.motif_hors_flux, d);
	IF jusqua = 'annulee' THEN
		UPDATE flux.orientation SET etat = 'annulee' WHERE id = o;
		RETURN;
	END IF;
	IF jusqua = 'refus_reservataire' THEN
		UPDATE flux.orientation SET etat = 'refusee', date_reponse = d WHERE id = o;
		RETURN;
	END IF;
	IF c IS NOT NULL THEN
		UPDATE flux.orientation SET etat = 'acceptee', date_reponse = d WHERE id = o;
	END IF;
	IF jusqua = 'acceptee' THEN RETURN; END IF;
	INSERT INTO flux.candidature (orientation_id, nud, rang, designe_par, date_designation, dalo, prioritaire,
								  critere_priorite, quartile, personnes, ressources)
	VALUES (o, n, 1, CASE WHEN c IS NULL THEN 'bailleur' ELSE par END::flux.designe_par, d + 3,
			est_dalo, prio, CASE WHEN est_dalo OR prio THEN 'critère' END, q, 2, 1800);
	UPDATE flux.candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = d + 10 WHERE orientation_id = o;
	UPDATE flux.candidature SET date_proposition = d + 11, loyer = 400, charges = 50, mentions_dalo = est_dalo WHERE orientation_id = o;
	UPDATE flux.candidature SET reponse_menage = 'acceptee', date_reponse_menage = d + 12 WHERE orientation_id = o;
	UPDATE flux.candidature SET date_bail = d + 30 WHERE orientation_id = o;
END $$;

SELECT pg_temp.parcours(95001, 95001, 9511, NULL, '2025-03-03', '074032595001', true, false, 1::smallint, 'bail');	-- A
SELECT pg_temp.parcours(95002, 95002, 9511, NULL, '2025-03-03', '074032595002', false, true, 2::smallint, 'bail');	-- B
SELECT pg_temp.parcours(95003, 95003, 9512, NULL, '2025-03-03', NULL, false, false, NULL, 'refus_reservataire');		-- C
SELECT pg_temp.parcours(95004, 95003, 9511, NULL, '2025-03-04', '074032595004', false, false, 3::smallint, 'bail');	-- D
-- E: two candidates; the CALEOL does not attribute the first, attributes the second, who signs
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (95005, 95004, 9512, '2025-03-03');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-03-03' WHERE id = 95005;
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, quartile, personnes, ressources) VALUES
	(950051, 95005, '074032595051', 1, '2025-03-06', 2, 2, 1800), (950052, 95005, '074032595052', 2, '2025-03-06', 1, 2, 1800);
UPDATE candidature SET decision_caleol = 'non_attribution', motif_caleol = 'ressources', date_caleol = '2025-03-13' WHERE id = 950051;
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-03-13' WHERE id = 950052;
UPDATE candidature SET date_proposition = '2025-03-14', loyer = 400, charges = 50 WHERE id = 950052;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-03-15' WHERE id = 950052;
UPDATE candidature SET date_bail = '2025-04-02' WHERE id = 950052;
SELECT pg_temp.parcours(95006, 95005, 9512, NULL, '2025-03-03', '074032595006', false, true, 1::smallint, 'bail', 'bailleur');	-- F
SELECT pg_temp.parcours(95007, 95006, 9513, NULL, '2025-03-03', '074032595007', false, false, 2::smallint, 'bail');	-- G
SELECT pg_temp.parcours(95008, 95007, 9511, NULL, '2025-03-03', NULL, false, false, NULL, 'annulee');					-- H
SELECT pg_temp.parcours(95009, 95007, NULL, 'non_reserve', '2025-03-04', '074032595009', false, false, 2::smallint, 'bail');	-- I
SELECT pg_temp.parcours(95010, 95008, NULL, 'mutation', '2025-03-03', '074032595010', false, true, 1::smallint, 'bail');	-- J
SELECT pg_temp.parcours(95011, 95009, NULL, 'anru', '2025-03-03', '074032595011', false, false, 4::smallint, 'bail');		-- K
SELECT pg_temp.parcours(95014, 95010, 9514, NULL, '2025-03-02', NULL, false, false, NULL, 'annulee');				-- N
SELECT pg_temp.parcours(95012, 95010, 9511, NULL, '2025-03-03', NULL, false, false, NULL, 'refus_reservataire');		-- L
SELECT pg_temp.parcours(95013, 95010, 9511, NULL, '2025-03-04', NULL, false, false, NULL, 'acceptee');				-- M

SELECT is((SELECT array_agg(o.etat::text ORDER BY o.id) FROM orientation o WHERE o.id BETWEEN 95001 AND 95014),
		  '{bail_signe,bail_signe,refusee,bail_signe,bail_signe,bail_signe,bail_signe,annulee,bail_signe,bail_signe,bail_signe,refusee,acceptee,annulee}',
		  'the year as built: A-N in their end states');

------------------------------------------------------------------------
-- 1. shares over the units freed in the flux, each once
------------------------------------------------------------------------
-- freed in the flux: V1-V7 and V10 (V7 through I, the bailleur's own
-- share; H is cancelled; V8, V9 are hors flux) = 8 units, although 10
-- orientations of the flux are not cancelled (A-G, I, L, M).
--   State: proposed V1, V2, V3 (D), V10 (L, M once) = 4 -> 4/8 = 50.00 %;
--     attributed and leased V1, V2, V3 = 3 -> 37.50 %; due 30 % of 8 = 2.40
--   Action Logement: proposed V3 (C), V4, V5 = 3 -> 37.50 %; attributed and
--     leased V4 only = 1 -> 12.50 % (V5's household the bailleur
--     designated, direct management: apart, 1); due 20 % of 8 = 1.60
--   Publier: V6 = 1 -> 12.50 % each; due 10 % of its 4 units freed (V1,
--     V2, V6, V10) = 0.40
--   the employer: its one orientation (N) cancelled: a row all the same,
--     nothing proposed, 0 %, due 5 % of 8 = 0.40, 0.40 behind
SELECT results_eq(
	$$SELECT reservataire_id, logements_liberes, proposes, part_proposes, attribues, part_attribues, baux, part_baux,
			 dus_sur_liberes, ecart_proposes, baux_designes_bailleur
		FROM bilan_reservataire WHERE bailleur_id = 9500 AND annee = 2025 ORDER BY reservataire_id$$,
	$$VALUES (9501::bigint, 8::bigint, 4::bigint, 50.00, 3::bigint, 37.50, 3::bigint, 37.50, 2.40, 1.60, 0::bigint),
			 (9502, 8, 3, 37.50, 1, 12.50, 1, 12.50, 1.60, 1.40, 1),
			 (9503, 8, 1, 12.50, 1, 12.50, 1, 12.50, 0.40, 0.60, 0),
			 (9504, 8, 0, 0.00, 0, 0.00, 0, 0.00, 0.40, -0.40, 0)$$,
	'bilan_reservataire: shares over the 8 units freed in the flux, each once');
SELECT ok((SELECT sum(proposes) FROM bilan_reservataire WHERE bailleur_id = 9500) = 8
		  AND (SELECT count(*) FROM bilan_orientation WHERE bailleur_id = 9500 AND propose
				 AND (convention_id IS NOT NULL OR hors_flux = 'non_reserve')) = 10,
		  'V3 refused then re-oriented counts once in the denominator: 10 orientations of the flux, 8 units freed');
SELECT ok(obj_description('flux.bilan_reservataire'::regclass, 'pg_class') ~ 'units freed in the flux'
		  AND col_description('flux.bilan_reservataire'::regclass,
				(SELECT attnum FROM pg_attribute WHERE attrelid = 'flux.bilan_reservataire'::regclass AND attname = 'logements_liberes'))
			  ~ 'denominator',
		  'bilan_reservataire says its denominator in its comment and in the column logements_liberes');

------------------------------------------------------------------------
-- 2. the three obligations for each réservataire
------------------------------------------------------------------------
-- over the attributions on its units (whoever designated), DALO apart:
--   State prioritaires: A, B, D attributed; A (DALO), B priority: 2/3 =
--     66.67 %, 1 DALO = 33.33 %; q1_hors_qpv: leases outside QPV A, D, of
--     which A Q1: 1/2 = 50.00 % (A DALO: 50.00); q234_qpv: B in QPV, Q2:
--     1/1 = 100 % >= 70
--   Action Logement prioritaires: E, F attributed, F priority: 1/2 = 50 %;
--     q1_hors_qpv: F (V5) leased outside QPV, Q1: 1/1; q234_qpv: E (V4) in
--     QPV is Q1: 0/1, short of 70 %: ceil(0.7) = 1 missing
--   Publier prioritaires: G, not priority: 0/1, ceil(0.25) = 1 missing;
--     q1_hors_qpv: G Q2: 0/1, 1 missing; q234_qpv: none in QPV: no rate,
--     nothing missing
--   the employer: no attribution: three rows, no rate, nothing missing
--   territory: prioritaires_tous A B D E F G I J K = 9, priority A B F J =
--     4 (44.44 %), 1 DALO (11.11 %); q1_hors_qpv: leases outside QPV A D F
--     G I J = 6, Q1 A F J = 3 (50 %), 1 DALO; q234_qpv: B E K in QPV, Q2-4
--     B K = 2/3 = 66.67 % < 70: ceil(2.1) - 2 = 1 missing
SELECT results_eq(
	$$SELECT obligation, reservataire_id, concernes, atteints, dont_dalo, taux, objectif, conforme, manque, taux_dalo
		FROM bilan_obligations WHERE bailleur_id = 9500 AND annee = 2025 ORDER BY reservataire_id NULLS LAST, obligation$$,
	$$VALUES ('prioritaires'::text, 9501::bigint, 3::bigint, 2::bigint, 1::bigint, 66.67, 25::numeric, true, 0, 33.33),
			 ('q1_hors_qpv', 9501, 2, 1, 1, 50.00, 25, true, 0, 50.00),
			 ('q234_qpv', 9501, 1, 1, 0, 100.00, 70, true, 0, 0.00),
			 ('prioritaires', 9502, 2, 1, 0, 50.00, 25, true, 0, 0.00),
			 ('q1_hors_qpv', 9502, 1, 1, 0, 100.00, 25, true, 0, 0.00),
			 ('q234_qpv', 9502, 1, 0, 0, 0.00, 70, false, 1, 0.00),
			 ('prioritaires', 9503, 1, 0, 0, 0.00, 25, false, 1, 0.00),
			 ('q1_hors_qpv', 9503, 1, 0, 0, 0.00, 25, false, 1, 0.00),
			 ('q234_qpv', 9503, 0, 0, 0, NULL, 70, true, 0, NULL),
			 ('prioritaires', 9504, 0, 0, 0, NULL, 25, true, 0, NULL),
			 ('q1_hors_qpv', 9504, 0, 0, 0, NULL, 25, true, 0, NULL),
			 ('q234_qpv', 9504, 0, 0, 0, NULL, 70, true, 0, NULL),
			 ('prioritaires_tous', NULL, 9, 4, 1, 44.44, 25, true, 0, 11.11),
			 ('q1_hors_qpv', NULL, 6, 3, 1, 50.00, 25, true, 0, 16.67),
			 ('q234_qpv', NULL, 3, 2, 0, 66.67, 70, false, 1, 0.00)$$,
	'bilan_obligations: the three obligations for each réservataire and the territory, with the units missing');
SELECT is((SELECT count(DISTINCT obligation) FROM bilan_obligations WHERE reservataire_id = 9502), 3::bigint,
		  'each réservataire has its three obligations');
SELECT is((SELECT string_agg(libelle, ' | ' ORDER BY obligation) FROM bilan_obligations WHERE reservataire_id = 9502),
		  'attributions du réservataire aux ménages prioritaires (DALO, L. 441-1) | attributions suivies de bail hors QPV aux demandeurs du 1er quartile | attributions en QPV aux demandeurs des quartiles 2 à 4 (objectif CIA)',
		  'the obligations are labelled in French');

------------------------------------------------------------------------
-- 3. the préfet's counts at every stage
------------------------------------------------------------------------
--   State: oriented V1 V2 V3 V10 = 4; with its candidates V1 V2 V3 = 3
--     (V10 accepted, none yet); accepted by the CALEOL 3; attributed 3;
--     leased 3; drop-off 1 = 25.00 %
--   Action Logement: oriented V3 V4 V5 = 3; with its candidates V4 = 1
--     (V3 refused, V5's candidate the bailleur's); accepted by the CALEOL
--     1 (of E's 2 candidates); attributed 1; leased 1; drop-off 2 =
--     66.67 %; 1 lease designated by the bailleur
--   Publier: 1 at every stage, no drop-off
--   the employer: a row of zeros (N cancelled), no drop-off rate
SELECT results_eq(
	$$SELECT reservataire_id, mode_gestion, orientes, avec_candidats, candidats_acceptes, attribues, baux, chute, taux_chute,
			 baux_designes_bailleur
		FROM bilan_etapes WHERE bailleur_id = 9500 AND annee = 2025 ORDER BY reservataire_id$$,
	$$VALUES (9501::bigint, 'directe'::text, 4::bigint, 3::bigint, 3::bigint, 3::bigint, 3::bigint, 1::bigint, 25.00, 0::bigint),
			 (9502, 'directe', 3, 1, 1, 1, 1, 2, 66.67, 1),
			 (9503, 'directe', 1, 1, 1, 1, 1, 0, 0.00, 0),
			 (9504, 'directe', 0, 0, 0, 0, 0, 0, NULL, 0)$$,
	'bilan_etapes: units oriented, with candidates, candidates accepted, attributed, leased, the drop-off');
-- under delegated management the bailleur designates for Action Logement:
-- V5 is then its lease, with a candidate, attributed (FAQ §4.3: "en cas de
-- gestion déléguée au bailleur, les attributions suivies de baux signés")
UPDATE convention SET mode = 'deleguee' WHERE id = 9512;
SELECT results_eq(
	$$SELECT orientes, avec_candidats, candidats_acceptes, attribues, baux, chute, taux_chute, baux_designes_bailleur
		FROM bilan_etapes WHERE reservataire_id = 9502 AND annee = 2025$$,
	$$VALUES (3::bigint, 2::bigint, 2::bigint, 2::bigint, 2::bigint, 1::bigint, 33.33, 0::bigint)$$,
	'bilan_etapes: under delegated management the bailleur''s candidate counts for the réservataire');
SELECT results_eq(
	$$SELECT attribues, part_attribues, baux, part_baux, baux_designes_bailleur FROM bilan_reservataire WHERE reservataire_id = 9502$$,
	$$VALUES (2::bigint, 25.00, 2::bigint, 25.00, 0::bigint)$$,
	'bilan_reservataire: the same rule (2 of 8 units)');
UPDATE convention SET mode = 'directe' WHERE id = 9512;
-- the year is the proposals' year: nothing in 2024
SELECT is_empty($$SELECT 1 FROM bilan_etapes WHERE bailleur_id = 9500 AND annee <> 2025$$, 'bilan_etapes: one year, 2025');

-- every column commented, read through the invoker's rights
SELECT is((SELECT count(*) FROM pg_attribute a WHERE a.attrelid = 'flux.bilan_etapes'::regclass AND a.attnum > 0
			  AND col_description(a.attrelid, a.attnum) IS NULL), 0::bigint, 'bilan_etapes: every column commented');
-- since 0.11.0 a bilan view runs with its owner's rights: a share needs every
-- row of the territory; partners read their rows through flux.mes_etapes
SELECT ok((SELECT 'security_invoker=false' = ANY (reloptions) FROM pg_class WHERE oid = 'flux.bilan_etapes'::regclass),
		  'bilan_etapes runs with its owner''s rights (partners read flux.mes_etapes)');
SELECT is((SELECT count(*) FROM pg_attribute a WHERE a.attrelid = 'flux.bilan_reservataire'::regclass AND a.attnum > 0
			  AND col_description(a.attrelid, a.attnum) IS NULL), 0::bigint, 'bilan_reservataire: every column commented');

SELECT * FROM finish();
ROLLBACK;
