--
-- workflow: orientations, candidates, the state machine, the seeds'
-- deadlines, the sweep, counting (0.5.0)
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

-- the kernels of a suitable offer
SELECT taux_effort(450, 80, 150, 1500) AS "(450+80-150)/1500",
       taux_effort(600, 0, 0, 1800) AS "600/1800", taux_effort(100, 0, 100, 900) AS nul;
SELECT p AS personnes, surface_minimale(p) FROM generate_series(1, 9) p WHERE p IN (1, 2, 3, 8, 9);
SELECT typologie_adaptee(3, 60, 4) AS "T3 60 m² for 4", typologie_adaptee(1, 20, 3) AS "T1 for 3",
       typologie_adaptee(2, 30, 4) AS "T2 30 m² for 4", typologie_adaptee(5, 90, 2) AS "T5 for 2",
       typologie_adaptee(5, 90, 2, 3) AS "T5 for 2, margin 3", typologie_adaptee(2, NULL, 2) AS "area unknown";
SELECT d AS departement, zone_de(d) FROM unnest('{74,57,67,68,971,972,973,974,976,2A}'::text[]) d;
-- fails: bad amounts and sizes
SELECT taux_effort(-1, 0, 0, 1000);
SELECT taux_effort(500, 0, 0, 0);
SELECT taux_effort(500, 50, 600, 1000);
SELECT surface_minimale(0);
SELECT typologie_adaptee(12, 50, 2);
SELECT typologie_adaptee(2, 50, 2, 9);

INSERT INTO commune (depcom, nom, epci, zone_tendue) VALUES
	('74218', 'Publier', '200067551', false), ('01281', 'Ornex', '240100750', true),
	('67482', 'Strasbourg', '246700488', true), ('74281', 'Thonon-les-Bains', '200067551', true)
	ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (50, '552046450', 'Bailleur du workflow', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(50, 'Préfet de la Haute-Savoie (workflow)', 'etat', NULL),
	(51, 'Action Logement (workflow)', 'action_logement', NULL),
	(52, 'Commune d''Ornex (workflow)', 'commune', '01281'),
	(53, 'Employeur délégué (workflow)', 'employeur', NULL),
	(54, 'Préfet du Bas-Rhin (workflow)', 'etat', NULL),
	(55, 'CAF (workflow)', 'organisme_desinteresse', NULL),
	(56, 'Employeur en stock (workflow)', 'employeur', NULL),
	(57, 'Employeur futur (workflow)', 'employeur', NULL),
	(58, 'Commune de Thonon (workflow)', 'commune', '74281');
SELECT setval('flux.convention_id_seq', greatest(nextval('flux.convention_id_seq'), 510));
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, regime, mode, evenement, date_effet,
                        delai_designation_jo, delai_impossibilite_jo, silence_vaut_acceptation, taux_effort_max) VALUES
	-- Publier (art. 5.3): 2 jours ouvrés to answer, silence = acceptance, 15 to designate
	(501, 50, 50, '74', '25%', 'flux', 'directe', 'bail', '2024-01-01', 15, 5, true, 35),
	(502, 50, 51, '74', '10%', 'flux', 'directe', 'attribution', '2024-01-01', 15, 5, true, NULL),
	-- Ornex (art. 5-6): one calendar month at most, 5 jours ouvrés to say it cannot
	(503, 50, 52, '01', '10%', 'flux', 'directe', 'bail', '2024-01-01', 60, 5, true, NULL),
	(504, 50, 53, '74', '5%', 'flux', 'deleguee', 'bail', '2024-01-01', 15, 5, true, NULL),
	(505, 50, 54, '67', '30%', 'flux', 'directe', 'bail', '2024-01-01', 15, 5, true, NULL),
	(506, 50, 55, '74', '5%', 'flux', 'directe', 'orientation', '2024-01-01', 15, 5, false, NULL),
	(507, 50, 56, '74', NULL, 'stock', 'directe', 'bail', '2000-01-01', 15, 5, true, NULL),
	(508, 50, 57, '74', '1%', 'flux', 'directe', 'bail', '2026-01-01', 15, 5, true, NULL),
	(509, 50, 58, '74', '5%', 'flux', 'directe', 'bail', '2024-01-01', 15, 5, true, NULL);
SELECT id, communes, delai_reponse_jo, silence_vaut_acceptation, delai_designation_jo, delai_designation_max_mois,
       delai_impossibilite_jo, candidats_max, candidats_max_dalo, delai_reponse_menage_jours
  FROM convention WHERE bailleur_id = 50 ORDER BY id;

INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, locat, exclusion)
SELECT 60000 + i, 50, 'W' || i, CASE WHEN i <= 30 THEN '74218' WHEN i <= 35 THEN '01281' ELSE '67482' END,
       false, 'C', 3, 62, 13, true, 2000, CASE WHEN i = 30 THEN 'defense'::motif_exclusion END
  FROM generate_series(1, 40) i;
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible, premiere_location)
SELECT 5000 + i, 60000 + i, '2025-01-02', '2025-02-01', false FROM generate_series(1, 40) i;
UPDATE vacance SET premiere_location = true, date_preavis = NULL WHERE id = 5029;
SELECT setval('flux.orientation_id_seq', 5100);

--
-- Publier: answer within 2 jours ouvrés, across Ascension (Thursday 29 May 2025)
--
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5001, 5001, 501, '2025-05-28');
SELECT id, etat, zone, date_orientation, echeance_reponse FROM orientation WHERE id = 5001;
-- accepted on the last day: 15 jours ouvrés to designate, across Whit Monday
-- (9 June), capped one month after the orientation; 5 to say it cannot
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-02' WHERE id = 5001;
SELECT id, etat, date_reponse, echeance_designation, echeance_impossibilite FROM orientation WHERE id = 5001;

-- Alsace-Moselle: 2 jours ouvrés from Thursday 17 April 2025 cross Good
-- Friday and Easter Monday; in Haute-Savoie only Easter Monday
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES
	(5002, 5036, 505, '2025-04-17'), (5003, 5002, 501, '2025-04-17');
SELECT id, zone, date_orientation, echeance_reponse FROM orientation WHERE id IN (5002, 5003) ORDER BY id;

-- Ornex: one calendar month at most after the orientation, 5 jours ouvrés
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5004, 5031, 503, '2025-03-03');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-03-04' WHERE id = 5004;
SELECT id, zone, echeance_reponse, echeance_designation, echeance_impossibilite FROM orientation WHERE id = 5004;

--
-- designation: 3 candidates, 1 for a DALO household; before the deadline
--
INSERT INTO candidature (orientation_id, nud, rang, date_designation, dalo, prioritaire, critere_priorite, quartile, personnes, ressources)
VALUES (5001, '074062500001', 1, '2025-06-10', false, true, 'L.441-1 c) handicap', 1, 4, 1500),
       (5001, '074062500002', 2, '2025-06-10', false, false, NULL, 2, 3, 2100),
       (5001, '074062500003', 3, '2025-06-11', false, false, NULL, 3, 2, 2600);
SELECT id, etat FROM orientation WHERE id = 5001;
-- fails: a fourth
INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (5001, '074062500004', 4, '2025-06-11');
-- a DALO household alone
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5005, 5003, 501, '2025-06-02');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-06-03' WHERE id = 5005;
INSERT INTO candidature (orientation_id, nud, rang, date_designation, dalo, critere_priorite, quartile, personnes, ressources)
VALUES (5005, '074062500010', 1, '2025-06-05', true, 'DALO, décision COMED du 3 mars 2025', 1, 3, 1200);
-- fails: a second candidate beside a DALO household
INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (5005, '074062500011', 2, '2025-06-05');
-- fails: after the designation deadline (Ornex, 3 April)
INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (5004, '001032500001', 1, '2025-04-04');
-- the bailleur extends it by 5 jours ouvrés: then it is in time
UPDATE orientation SET prolongation_jo = 5, motif_prolongation = 'dossier incomplet, accord du bailleur' WHERE id = 5004;
SELECT echeance_designation FROM orientation WHERE id = 5004;
INSERT INTO candidature (orientation_id, nud, rang, date_designation) VALUES (5004, '001032500001', 1, '2025-04-04');
-- fails: an extension needs its reason (terse: the row holds a timestamp)
\set VERBOSITY terse
UPDATE orientation SET prolongation_jo = 6, motif_prolongation = NULL WHERE id = 5004;
\set VERBOSITY default

--
-- CALEOL, proposal, answer, lease
--
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-06-18'
 WHERE orientation_id = 5001 AND rang = 1;
UPDATE candidature SET decision_caleol = 'non_attribution', date_caleol = '2025-06-18', motif_caleol = 'ressources insuffisantes'
 WHERE orientation_id = 5001 AND rang = 3;
SELECT id, etat, date_attribution FROM orientation WHERE id = 5001;
-- the proposal: effort rate, size, household's deadline (10 days: 30 June)
UPDATE candidature SET date_proposition = '2025-06-20', loyer = 450, charges = 80, aide_logement = 150
 WHERE orientation_id = 5001 AND rang = 1;
SELECT rang, taux_effort, typologie_adaptee, offre_adaptee, echeance_reponse_menage FROM candidature WHERE orientation_id = 5001 AND rang = 1;
-- a deadline on Bastille Day (Monday 14 July 2025) is carried to the 15th
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-06-27' WHERE orientation_id = 5005;
-- fails: a DALO proposal without its mentions
UPDATE candidature SET date_proposition = '2025-07-04' WHERE orientation_id = 5005;
UPDATE candidature SET date_proposition = '2025-07-04', mentions_dalo = true, loyer = 500, ressources = 1200 WHERE orientation_id = 5005;
SELECT echeance_reponse_menage, taux_effort, offre_adaptee FROM candidature WHERE orientation_id = 5005;
-- the household accepts, the lease is signed: the vacancy ends
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-06-25' WHERE orientation_id = 5001 AND rang = 1;
UPDATE candidature SET date_bail = '2025-07-01' WHERE orientation_id = 5001 AND rang = 1;
SELECT o.id, o.etat, o.date_bail, v.date_relocation FROM orientation o JOIN vacance v ON v.id = o.vacance_id WHERE o.id = 5001;
-- every step, in order
SELECT orientation_id, candidature_id IS NOT NULL AS candidat, de, vers, origine, qui = current_user AS qui, motif
  FROM orientation_historique WHERE orientation_id = 5001 ORDER BY id;

--
-- refusals of the state machine
--
-- fails: the vacancy is relet
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5001, 502, '2025-07-02');
-- fails: before the tenant's notice
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5006, 502, '2024-12-31');
-- fails: outside the assiette (defence)
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5030, 502, '2025-03-03');
-- fails: a stock convention
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5006, 507, '2025-03-03');
-- fails: not in force
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5006, 508, '2025-03-03');
-- fails: Thonon's convention does not cover Publier
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5006, 509, '2025-03-03');
-- fails: another département (Ornex's convention for a unit in Publier)
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5006, 503, '2025-03-03');
-- fails: a first letting stays in stock
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5029, 502, '2025-03-03');
-- fails: a state given at creation
INSERT INTO orientation (vacance_id, convention_id, date_orientation, etat) VALUES (5006, 502, '2025-03-03', 'acceptee');
-- fails: a second orientation of a vacancy in progress
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5006, 5006, 502, '2025-03-03');
INSERT INTO orientation (vacance_id, convention_id, date_orientation) VALUES (5006, 501, '2025-03-03');
-- fails: illegal transitions
UPDATE orientation SET etat = 'attribuee' WHERE id = 5006;
UPDATE orientation SET etat = 'annulee' WHERE id = 5001;
UPDATE orientation SET etat = 'candidats_designes' WHERE id = 5003;
UPDATE orientation SET vacance_id = 5007 WHERE id = 5006;
-- fails: a refusal after the answer deadline (silence was acceptance)
UPDATE orientation SET etat = 'refusee', date_reponse = '2025-03-06' WHERE id = 5006;
-- refused in time: the bailleur goes to a second réservataire
UPDATE orientation SET etat = 'refusee', date_reponse = '2025-03-04', motif = 'aucun demandeur pour un T3 à Publier' WHERE id = 5006;
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5007, 5006, 501, '2025-03-05');
SELECT id, vacance_id, convention_id, etat FROM orientation WHERE vacance_id = 5006 ORDER BY id;
-- fails: from a final state
UPDATE orientation SET etat = 'acceptee' WHERE id = 5006;
-- fails: steps out of order on candidates
UPDATE candidature SET decision_caleol = 'attribution', date_caleol = '2025-06-20' WHERE orientation_id = 5001 AND rang = 1;
UPDATE candidature SET date_proposition = '2025-06-20' WHERE orientation_id = 5001 AND rang = 2;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-06-20' WHERE orientation_id = 5001 AND rang = 2;
UPDATE candidature SET date_bail = '2025-07-01' WHERE orientation_id = 5005;
UPDATE candidature SET refus_illegitime = true WHERE orientation_id = 5001 AND rang = 1;
-- fails: stamps are flux's
UPDATE orientation SET echeance_reponse = '2025-12-31' WHERE id = 5007;
UPDATE candidature SET offre_adaptee = true WHERE orientation_id = 5005;
-- fails: a candidate is inserted designated, its steps come by UPDATE
INSERT INTO candidature (orientation_id, nud, rang, date_designation, decision_caleol, date_caleol)
VALUES (5004, '001032500002', 2, '2025-04-04', 'attribution', '2025-04-05');
-- fails: the history is append-only
UPDATE orientation_historique SET motif = 'réécrit' WHERE orientation_id = 5001;
DELETE FROM orientation_historique WHERE orientation_id = 5001;
TRUNCATE orientation_historique;
-- fails: an orientation is cancelled, never deleted
DELETE FROM orientation WHERE id = 5006;

--
-- delegated management: accepted at once, the bailleur designates
--
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5008, 5008, 504, '2025-03-03');
SELECT id, etat, echeance_reponse, echeance_designation FROM orientation WHERE id = 5008;
INSERT INTO candidature (orientation_id, nud, rang, designe_par, date_designation) VALUES (5008, '074032500020', 1, 'bailleur', '2025-03-20');
-- hors flux: a mutation; the bailleur designates
INSERT INTO orientation (id, vacance_id, hors_flux, date_orientation) VALUES (5009, 5009, 'mutation', '2025-03-03');
SELECT id, etat, echeance_reponse FROM orientation WHERE id = 5009;
-- fails: a réservataire's candidate outside the flux
INSERT INTO candidature (orientation_id, nud, rang, designe_par) VALUES (5009, '074032500030', 1, 'reservataire');
INSERT INTO candidature (orientation_id, nud, rang, designe_par, date_designation, prioritaire, critere_priorite)
VALUES (5009, '074032500030', 1, 'bailleur', '2025-03-04', true, 'mutation pour handicap');

--
-- the sweep
--
-- the CAF's convention: silence is not acceptance; the State's: it is
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES
	(5010, 5010, 506, '2025-09-01'), (5011, 5011, 501, '2025-09-01');
-- accepted without a candidate by its deadline; a proposal left unanswered
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5012, 5012, 502, '2025-09-01');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-09-02' WHERE id = 5012;
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5013, 5013, 502, '2025-09-01');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-09-02' WHERE id = 5013;
INSERT INTO candidature (orientation_id, nud, rang, date_designation, personnes, ressources)
VALUES (5013, '074092500001', 1, '2025-09-05', 3, 2000);
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-09-10' WHERE orientation_id = 5013;
UPDATE candidature SET date_proposition = '2025-09-12', loyer = 500, charges = 60 WHERE orientation_id = 5013;
SELECT orientation_id, echeance_de, echeance, a_la_charge_de, au_terme
  FROM echeances WHERE orientation_id BETWEEN 5010 AND 5013 ORDER BY orientation_id, echeance_de;
-- fails: the household accepts after its deadline (22 September)
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-09-25' WHERE orientation_id = 5013;
-- on 3 September the September deadlines still run; earlier ones of the
-- year are applied (the orientations above left without answer or candidate)
SELECT * FROM appliquer_echeances('2025-09-03 12:00');
-- on 1 October: tacit acceptance, expiry, return to the bailleur, tacit refusal
SELECT * FROM appliquer_echeances('2025-10-01 12:00') ORDER BY orientation_id, candidature_id NULLS FIRST;
-- idempotent
SELECT count(*) AS encore FROM appliquer_echeances('2025-10-01 12:00');
SELECT id, etat, date_reponse, motif FROM orientation WHERE id BETWEEN 5010 AND 5013 ORDER BY id;
SELECT orientation_id, de, vers, origine FROM orientation_historique
 WHERE orientation_id BETWEEN 5010 AND 5013 AND origine = 'echeance' ORDER BY id;
-- the household's silence was a refusal of a suitable offer: the réservataire
-- validates it as illegitimate, and it counts
SELECT reponse_menage, offre_adaptee FROM candidature WHERE orientation_id = 5013;
UPDATE candidature SET refus_illegitime = true, refus_valide_le = '2025-10-06' WHERE orientation_id = 5013;
-- fails: an answer given twice; a sweep without a date
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-07-10' WHERE orientation_id = 5005;
SELECT * FROM appliquer_echeances(NULL);

--
-- the other transitions: cancellations and returns to the bailleur
--
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES
	(5014, 5014, 502, '2025-10-01'), (5015, 5015, 502, '2025-10-01'),
	(5016, 5016, 502, '2025-10-01'), (5017, 5017, 502, '2025-10-01');
UPDATE orientation SET etat = 'annulee', motif = 'logement retiré pour travaux' WHERE id = 5014;
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-10-02' WHERE id IN (5015, 5016, 5017);
UPDATE orientation SET etat = 'annulee', motif = 'vente décidée' WHERE id = 5015;
INSERT INTO candidature (orientation_id, nud, rang, date_designation)
SELECT o, '0741025000' || o, 1, '2025-10-03' FROM unnest('{5016,5017}'::bigint[]) o;
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-10-10' WHERE orientation_id IN (5016, 5017);
UPDATE orientation SET etat = 'restituee', motif = 'candidat retiré, le bailleur reprend la main' WHERE id = 5016;
UPDATE orientation SET etat = 'annulee', motif = 'sinistre' WHERE id = 5017;
UPDATE orientation SET etat = 'restituee', motif = 'le réservataire renonce' WHERE id = 5004;
UPDATE orientation SET etat = 'annulee', motif = 'erreur de saisie' WHERE id = 5008;
SELECT id, etat, motif FROM orientation WHERE id IN (5004, 5008, 5014, 5015, 5016, 5017) ORDER BY id;
-- every transition of flux.etats_suivants is in the history of this file
SELECT s.de, s.vers, EXISTS (SELECT 1 FROM orientation_historique h WHERE h.de = s.de::text AND h.vers = s.vers::text) AS vue
  FROM unnest(enum_range(NULL::etat_orientation)) de_, LATERAL unnest(etats_suivants(de_)) WITH ORDINALITY v(vers_, n),
       LATERAL (SELECT de_ AS de, vers_ AS vers) s
 ORDER BY s.de, s.vers;

-- two candidates attributed and proposed: the first accepts, the second
-- refuses; the first still signs
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5018, 5018, 502, '2025-10-01');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-10-02' WHERE id = 5018;
INSERT INTO candidature (orientation_id, nud, rang, date_designation)
VALUES (5018, '074102500181', 1, '2025-10-03'), (5018, '074102500182', 2, '2025-10-03');
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = rang, date_caleol = '2025-10-10' WHERE orientation_id = 5018;
UPDATE candidature SET date_proposition = '2025-10-13' WHERE orientation_id = 5018;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-10-14' WHERE orientation_id = 5018 AND rang = 1;
UPDATE candidature SET reponse_menage = 'refusee', date_reponse_menage = '2025-10-15' WHERE orientation_id = 5018 AND rang = 2;
SELECT etat FROM orientation WHERE id = 5018;
UPDATE candidature SET date_bail = '2025-11-01' WHERE orientation_id = 5018 AND rang = 1;
SELECT etat, date_bail FROM orientation WHERE id = 5018;
-- under delegated management the bailleur's candidate counts for the réservataire
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (5019, 5019, 504, '2025-10-01');
INSERT INTO candidature (orientation_id, nud, rang, designe_par, date_designation) VALUES (5019, '074102500191', 1, 'bailleur', '2025-10-02');
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-10-10' WHERE orientation_id = 5019;
UPDATE candidature SET date_proposition = '2025-10-13' WHERE orientation_id = 5019;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-10-14' WHERE orientation_id = 5019;
UPDATE candidature SET date_bail = '2025-11-01' WHERE orientation_id = 5019;

-- the mutation is let: a priority household, against no contingent
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-03-10' WHERE orientation_id = 5009;
UPDATE candidature SET date_proposition = '2025-03-11' WHERE orientation_id = 5009;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-03-12' WHERE orientation_id = 5009;
UPDATE candidature SET date_bail = '2025-04-01' WHERE orientation_id = 5009;

--
-- counting, by each convention's event
--
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, soustraire_mutation)
VALUES (50, '74', 2025, 10, false);
SELECT * FROM decompte(50, '74', 2025);
SELECT * FROM decompte_hors_flux(50, '74', 2025);
