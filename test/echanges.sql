-- echanges: the exchanges the conventions require (issue 15 item 6): the
-- events a bailleur reports to the SNE (Publier art. 6.2) and the DALO
-- households' refusals it sends to the DDETS (art. 6.3), on a small year
-- built by hand.  One bailleur in Publier (74), three réservataires: the
-- State (direct management), Action Logement (delegated management), the
-- commune (direct).  Seven candidates, A to G (ids 15001 to 15007):
--   O1 State        A: attributed, proposed, refuses (with a reason)
--   O2 State        B, DALO: attributed, proposed, refuses with a justification
--   O3 State        C: non-attribution by the CALEOL, with its reason
--   O4 AL delegated D, priority, designated by the bailleur: lease (charged to AL)
--   O5 commune refuses the unit; O8 the same unit re-oriented to the State:
--                   E: attributed, lease (charged to the State)
--   O6 State        F, DALO: proposed, silent until the deadline (the sweep)
--   O7 mutation     G, outside the flux: lease (charged to no contingent)
-- Dates: orientations on Monday 3 March 2025, designations on the 6th,
-- CALEOL on the 13th, proposals on the 14th: the household's deadline is
-- 14 + 10 days = Monday 24 March (a jour ouvré, not carried).  E a day later
-- each: orientation on the 4th, CALEOL on the 14th, proposal on Monday
-- 17 March, deadline Thursday 27 March.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';
SELECT plan(13);

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (1501, '915010001', 'Bailleur des échanges', 'oph');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(1501, 'Préfet (échanges)', 'etat', NULL), (1502, 'Action Logement (échanges)', 'action_logement', NULL),
	(1503, 'Commune de Publier (échanges)', 'commune', '74218');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, mode, date_effet) VALUES
	(1511, 1501, 1501, '74', '30%', 'directe', '2024-01-01'),
	(1512, 1501, 1502, '74', '20%', 'deleguee', '2024-01-01'),
	(1513, 1501, 1503, '74', '10%', 'directe', '2024-01-01');
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation) VALUES (1501, '74', 2025, 10);
INSERT INTO logement (id, bailleur_id, ident_rep, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
SELECT 150000 + i, 1501, CASE WHEN i = 1 THEN '7400150001' END, 'E' || i, '74218', false, 'C', 3, 62, 13, true, 1985, 1990
  FROM generate_series(1, 7) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible)
SELECT id - 135000, id, '2025-01-02', '2025-02-01' FROM logement WHERE bailleur_id = 1501;

INSERT INTO orientation (id, vacance_id, convention_id, hors_flux, date_orientation) VALUES
	(1501, 15001, 1511, NULL, '2025-03-03'), (1502, 15002, 1511, NULL, '2025-03-03'),
	(1503, 15003, 1511, NULL, '2025-03-03'), (1504, 15004, 1512, NULL, '2025-03-03'),
	(1505, 15005, 1513, NULL, '2025-03-03'), (1506, 15006, 1511, NULL, '2025-03-03'),
	(1507, 15007, NULL, 'mutation', '2025-03-03');
-- the commune refuses O5; the unit goes to the State (O8)
UPDATE orientation SET etat = 'refusee', date_reponse = '2025-03-03', motif = 'typologie non adaptée' WHERE id = 1505;
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (1508, 15005, 1511, '2025-03-04');
-- direct management: the réservataire accepts (delegated and outside the flux are accepted at once)
UPDATE orientation SET etat = 'acceptee', date_reponse = date_orientation WHERE id BETWEEN 1501 AND 1508 AND etat = 'proposee';

INSERT INTO candidature (id, orientation_id, nud, rang, designe_par, date_designation, dalo, prioritaire, critere_priorite,
                         mutation, quartile, personnes, ressources) VALUES
	(15001, 1501, '074032515001', 1, 'reservataire', '2025-03-06', false, false, NULL, false, 2, 2, 1800),
	(15002, 1502, '074032515002', 1, 'reservataire', '2025-03-06', true, false, 'DALO : reconnu le 5 novembre 2024', false, 1, 2, 1100),
	(15003, 1503, '074032515003', 1, 'reservataire', '2025-03-06', false, false, NULL, false, 3, 2, 900),
	(15004, 1504, '074032515004', 1, 'bailleur', '2025-03-06', false, true, 'sortie d''hébergement', false, 1, 2, 1200),
	(15005, 1508, '074032515005', 1, 'reservataire', '2025-03-07', false, false, NULL, false, 3, 2, 2000),
	(15006, 1506, '074032515006', 1, 'reservataire', '2025-03-06', true, false, 'DALO', false, 1, 2, 1000),
	(15007, 1507, '074032515007', 1, 'bailleur', '2025-03-06', false, false, NULL, true, 2, 2, 1700);

-- the CALEOL
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-03-13'
 WHERE id IN (15001, 15002, 15004, 15006, 15007);
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-03-14' WHERE id = 15005;
UPDATE candidature SET decision_caleol = 'non_attribution', date_caleol = '2025-03-13',
       motif_caleol = 'ressources insuffisantes au regard du loyer' WHERE id = 15003;
-- the proposals
UPDATE candidature SET date_proposition = '2025-03-14', loyer = 400, charges = 50, mentions_dalo = dalo
 WHERE id IN (15001, 15002, 15004, 15006, 15007);
UPDATE candidature SET date_proposition = '2025-03-17', loyer = 400, charges = 50 WHERE id = 15005;
-- the answers
UPDATE candidature SET reponse_menage = 'refusee', date_reponse_menage = '2025-03-17',
       motif_refus = 'logement trop éloigné du lieu de travail' WHERE id = 15001;
UPDATE candidature SET reponse_menage = 'refusee', date_reponse_menage = '2025-03-18',
       motif_refus = 'logement au 3e étage sans ascenseur',
       justificatif_refus = 'certificat médical du 18 mars 2025 (mobilité réduite)' WHERE id = 15002;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-03-17' WHERE id IN (15004, 15007);
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-03-20' WHERE id = 15005;
-- F is silent: the sweep of 26 March records its refusal at the deadline
-- (it also records, without a candidate, the designation deadline of an
-- orientation left with fewer than three candidates: test/delais_conventions.sql)
SELECT results_eq($$SELECT candidature_id, vers, echeance FROM appliquer_echeances('2025-03-26 12:00+01') WHERE candidature_id IS NOT NULL$$,
	$$VALUES (15006::bigint, 'reponse_sans_reponse'::text, '2025-03-24'::date)$$,
	'the sweep records F''s silence at its deadline, 24 March');
-- the leases
UPDATE candidature SET date_bail = '2025-04-01' WHERE id IN (15004, 15007);
UPDATE candidature SET date_bail = '2025-04-02' WHERE id = 15005;

-- every event, in order of date then id (the view's own order): the id is
-- the candidate's x 10 + 1 (CALEOL), 2 (proposal), 3 (refusal), 4 (lease);
-- nothing of O5, the orientation the commune refused
SELECT results_eq($$SELECT evenement_id, evenement, date_evenement, annee, nud, decision_caleol, rang_caleol, motif_caleol,
                           echeance_reponse, reponse_menage, motif_refus, reservataire_impute_id, reservataire_impute,
                           imputation, motif_priorite
                      FROM evenements_sne WHERE bailleur_id = 1501$$,
	$$VALUES
	(150011::bigint, 'decision_caleol', '2025-03-13'::date, 2025, '074032515001', 'attribution', 1, NULL, NULL::date, NULL, NULL, NULL::bigint, NULL, NULL, NULL),
	(150021, 'decision_caleol', '2025-03-13', 2025, '074032515002', 'attribution', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(150031, 'decision_caleol', '2025-03-13', 2025, '074032515003', 'non-attribution', NULL,
	 'ressources insuffisantes au regard du loyer', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(150041, 'decision_caleol', '2025-03-13', 2025, '074032515004', 'attribution', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(150061, 'decision_caleol', '2025-03-13', 2025, '074032515006', 'attribution', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(150071, 'decision_caleol', '2025-03-13', 2025, '074032515007', 'attribution', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(150012, 'proposition', '2025-03-14', 2025, '074032515001', NULL, NULL, NULL, '2025-03-24', NULL, NULL, NULL, NULL, NULL, NULL),
	(150022, 'proposition', '2025-03-14', 2025, '074032515002', NULL, NULL, NULL, '2025-03-24', NULL, NULL, NULL, NULL, NULL, NULL),
	(150042, 'proposition', '2025-03-14', 2025, '074032515004', NULL, NULL, NULL, '2025-03-24', NULL, NULL, NULL, NULL, NULL, NULL),
	(150051, 'decision_caleol', '2025-03-14', 2025, '074032515005', 'attribution', 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(150062, 'proposition', '2025-03-14', 2025, '074032515006', NULL, NULL, NULL, '2025-03-24', NULL, NULL, NULL, NULL, NULL, NULL),
	(150072, 'proposition', '2025-03-14', 2025, '074032515007', NULL, NULL, NULL, '2025-03-24', NULL, NULL, NULL, NULL, NULL, NULL),
	(150013, 'refus_menage', '2025-03-17', 2025, '074032515001', NULL, NULL, NULL, NULL, 'refus',
	 'logement trop éloigné du lieu de travail', NULL, NULL, NULL, NULL),
	(150052, 'proposition', '2025-03-17', 2025, '074032515005', NULL, NULL, NULL, '2025-03-27', NULL, NULL, NULL, NULL, NULL, NULL),
	(150023, 'refus_menage', '2025-03-18', 2025, '074032515002', NULL, NULL, NULL, NULL, 'refus',
	 'logement au 3e étage sans ascenseur', NULL, NULL, NULL, NULL),
	-- silence: no reason invoked (the sweep's English note is not shown)
	(150063, 'refus_menage', '2025-03-24', 2025, '074032515006', NULL, NULL, NULL, NULL, 'absence de réponse', NULL, NULL, NULL, NULL, NULL),
	-- designated by the bailleur under delegated management: Action Logement's
	(150044, 'bail', '2025-04-01', 2025, '074032515004', NULL, NULL, NULL, NULL, NULL, NULL,
	 1502, 'Action Logement (échanges)', 'contingent du réservataire', 'sortie d''hébergement'),
	(150074, 'bail', '2025-04-01', 2025, '074032515007', NULL, NULL, NULL, NULL, NULL, NULL,
	 NULL, NULL, 'aucun contingent : hors flux (mutations internes)', NULL),
	-- the unit the commune refused, re-oriented: the State's
	(150054, 'bail', '2025-04-02', 2025, '074032515005', NULL, NULL, NULL, NULL, NULL, NULL,
	 1501, 'Préfet (échanges)', 'contingent du réservataire', NULL)
	$$,
	'the SNE events: each one, in order, with its decision, reasons, deadline, réservataire charged and priority reason');

-- what does not change along a candidate's events: one group per candidate
SELECT results_eq($$SELECT candidature_id, bailleur, siren_bailleur, departement, orientation_id, logement_id, numero_rpls, ident_int,
                           depcom, commune, convention_id, reservataire_id, reservataire, gestion, hors_flux, designe_par,
                           dalo, prioritaire, critere_priorite, count(*)
                      FROM evenements_sne WHERE bailleur_id = 1501
                     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 ORDER BY 1$$,
	$$VALUES
	(15001::bigint, 'Bailleur des échanges', '915010001', '74', 1501::bigint, 150001::bigint, '7400150001', 'E1', '74218', 'Publier',
	 1511::bigint, 1501::bigint, 'Préfet (échanges)', 'directe', NULL, 'reservataire', false, false, NULL, 3::bigint),
	(15002, 'Bailleur des échanges', '915010001', '74', 1502, 150002, NULL, 'E2', '74218', 'Publier',
	 1511, 1501, 'Préfet (échanges)', 'directe', NULL, 'reservataire', true, true, 'DALO : reconnu le 5 novembre 2024', 3),
	(15003, 'Bailleur des échanges', '915010001', '74', 1503, 150003, NULL, 'E3', '74218', 'Publier',
	 1511, 1501, 'Préfet (échanges)', 'directe', NULL, 'reservataire', false, false, NULL, 1),
	(15004, 'Bailleur des échanges', '915010001', '74', 1504, 150004, NULL, 'E4', '74218', 'Publier',
	 1512, 1502, 'Action Logement (échanges)', 'deleguee', NULL, 'bailleur', false, true, 'sortie d''hébergement', 3),
	(15005, 'Bailleur des échanges', '915010001', '74', 1508, 150005, NULL, 'E5', '74218', 'Publier',
	 1511, 1501, 'Préfet (échanges)', 'directe', NULL, 'reservataire', false, false, NULL, 3),
	(15006, 'Bailleur des échanges', '915010001', '74', 1506, 150006, NULL, 'E6', '74218', 'Publier',
	 1511, 1501, 'Préfet (échanges)', 'directe', NULL, 'reservataire', true, true, 'DALO', 3),
	(15007, 'Bailleur des échanges', '915010001', '74', 1507, 150007, NULL, 'E7', '74218', 'Publier',
	 NULL, NULL, NULL, NULL, 'mutation', 'bailleur', false, false, NULL, 3)
	$$,
	'the SNE events: the household, the unit and the orientation of each, the same on all its events');

-- under direct management a household the bailleur designated, not counted
-- for the réservataire, is charged to no contingent; counted, to it
-- (flux.decompte's rule); the bailleur's own share is its own
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
VALUES (150008, 1501, 'E8', '74218', false, 'C', 3, 62, 13, true, 1985, 1990),
       (150009, 1501, 'E9', '74218', false, 'C', 3, 62, 13, true, 1985, 1990);
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) VALUES
	(15008, 150008, '2025-01-02', '2025-02-01'), (15009, 150009, '2025-01-02', '2025-02-01');
INSERT INTO orientation (id, vacance_id, convention_id, hors_flux, date_orientation) VALUES
	(1509, 15008, 1511, NULL, '2025-05-05'), (1510, 15009, NULL, 'non_reserve', '2025-05-05');
UPDATE orientation SET etat = 'acceptee', date_reponse = date_orientation WHERE id = 1509;
INSERT INTO candidature (id, orientation_id, nud, rang, designe_par, date_designation, personnes, ressources) VALUES
	(15008, 1509, '074032515008', 1, 'bailleur', '2025-05-06', 2, 1800),
	(15009, 1510, '074032515009', 1, 'bailleur', '2025-05-06', 2, 1800);
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-05-13' WHERE id IN (15008, 15009);
UPDATE candidature SET date_proposition = '2025-05-14', loyer = 400 WHERE id IN (15008, 15009);
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-05-15' WHERE id IN (15008, 15009);
UPDATE candidature SET date_bail = '2025-06-02' WHERE id IN (15008, 15009);
SELECT results_eq($$SELECT evenement_id, reservataire_impute_id, imputation FROM evenements_sne
                     WHERE bailleur_id = 1501 AND evenement = 'bail' AND candidature_id IN (15008, 15009)$$,
	$$VALUES (150084::bigint, NULL::bigint, 'aucun contingent : candidat désigné par le bailleur'),
	         (150094, NULL, 'part non réservée du bailleur')$$,
	'the lease of a household the bailleur designated under direct management is charged to no contingent');
UPDATE orientation SET bailleur_compte_pour_reservataire = true WHERE id = 1509;
SELECT results_eq($$SELECT reservataire_impute_id, imputation FROM evenements_sne WHERE evenement_id = 150084$$,
	$$VALUES (1501::bigint, 'contingent du réservataire')$$,
	'recorded as counting for the réservataire, it is charged to it');

-- the DALO households' refusals, for the DDETS: B with its justification,
-- F silent (no justification can be produced); A, C, D... are not DALO
SELECT results_eq($$SELECT * FROM refus_dalo WHERE bailleur_id = 1501$$,
	$$VALUES
	(15002::bigint, '2025-03-18'::date, 2025, 1501::bigint, 'Bailleur des échanges', '915010001', '74', '074032515002',
	 'DALO : reconnu le 5 novembre 2024', 1502::bigint, 150002::bigint, NULL::text, 'E2', '74218', 'Publier',
	 1501::bigint, 'Préfet (échanges)', '2025-03-14'::date, '2025-03-24'::date, true, true,
	 'refus', 'logement au 3e étage sans ascenseur', 'certificat médical du 18 mars 2025 (mobilité réduite)',
	 'justificatif produit par le ménage à l''appui de son refus', NULL::date),
	(15006, '2025-03-24', 2025, 1501, 'Bailleur des échanges', '915010001', '74', '074032515006',
	 'DALO', 1506, 150006, NULL, 'E6', '74218', 'Publier',
	 1501, 'Préfet (échanges)', '2025-03-14', '2025-03-24', true, true,
	 'absence de réponse', NULL, NULL,
	 'absence de réponse assimilée à un refus : aucun justificatif ne peut être produit ; un écrit du bailleur confirme cette absence de réponse',
	 NULL)
	$$,
	'the DALO refusals: each row, with the offer, the reasons invoked and the justification');

-- a DALO refusal without a justification says so
UPDATE candidature SET justificatif_refus = NULL WHERE id = 15002;
SELECT is((SELECT observation FROM refus_dalo WHERE candidature_id = 15002), 'refus sans justificatif produit par le ménage',
	'a DALO refusal without a justification says so');

-- a justification belongs to a refusal: not to an acceptance, nor to silence, nor empty
SELECT throws_ok($$UPDATE candidature SET justificatif_refus = 'bulletin de salaire' WHERE id = 15004$$, '23514', NULL,
	'no justification on an accepted proposal');
SELECT throws_ok($$UPDATE candidature SET justificatif_refus = 'courrier' WHERE id = 15006$$, '23514', NULL,
	'no justification on a silence (Publier art. 6.3: none can be produced)');
SELECT throws_ok($$UPDATE candidature SET justificatif_refus = '' WHERE id = 15001$$, '23514', NULL,
	'no empty justification');
SELECT lives_ok($$UPDATE candidature SET justificatif_refus = 'attestation de l''employeur' WHERE id = 15001$$,
	'a justification on a refusal');

-- both views read with the reader's rights, every column commented
SELECT results_eq($$SELECT c.relname::text COLLATE "default", count(*) FILTER (WHERE col_description(c.oid, a.attnum) IS NULL),
                           coalesce(c.reloptions, '{}') @> '{security_invoker=true}', obj_description(c.oid, 'pg_class') IS NOT NULL
                      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
                     WHERE c.oid IN ('flux.evenements_sne'::regclass, 'flux.refus_dalo'::regclass)
                     GROUP BY c.oid, c.relname, c.reloptions ORDER BY 1$$,
	$$VALUES ('evenements_sne', 0::bigint, true, true), ('refus_dalo', 0, true, true)$$,
	'both views are security_invoker and every column is commented');

-- BI-friendly: numeric, text, date, boolean only, no custom type
SELECT is((SELECT count(*) FROM pg_attribute a
            WHERE a.attrelid IN ('flux.evenements_sne'::regclass, 'flux.refus_dalo'::regclass) AND a.attnum > 0
              AND a.atttypid NOT IN ('bigint'::regtype, 'integer'::regtype, 'numeric'::regtype, 'text'::regtype,
                                     'date'::regtype, 'boolean'::regtype)), 0::bigint,
	'the views'' columns are of built-in types only');

SELECT * FROM finish();
ROLLBACK;
