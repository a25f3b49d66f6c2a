--
-- parts: the shares of a year and the units each is due (0.4.0), the
-- yearly update of rates, the State's share by commune and outside QPV
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551'), ('74010', 'Amphion-les-Bains', '200067551')
    ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (30, '552046430', 'Bailleur des parts', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES
	(30, 'Préfet de la Haute-Savoie (parts)', 'etat', NULL),
	(31, 'Action Logement Services (parts)', 'action_logement', NULL),
	(32, 'Commune de Publier (parts)', 'commune', '74218'),
	(33, 'Hôpital du Léman (parts)', 'employeur', NULL);

-- the seeds' stock: 1 000 units, 800 in Publier (200 of them in QPV), 200 in Amphion
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 30000 + i, 30, 'P' || i, CASE WHEN i <= 800 THEN '74218' ELSE '74010' END, i <= 200,
       'C', 1 + i % 5, 13, true, 2000
  FROM generate_series(1, 1000) i;
-- 80 units relet in a year of 1 000: 8 %; no soustraction, so the flux is 80
INSERT INTO parametre_annuel (bailleur_id, departement, annee, taux_rotation, soustraire_mutation)
VALUES (30, '74', 2024, 8, false), (30, '74', 2025, 8, false), (30, '74', 2026, 10, false);

-- the State 30 %, Action Logement 10 % (100 reserved units / 1 000), Publier
-- 15 % on its own commune (800 of the 1 000 units: 12 % of the whole flux)
SELECT setval('flux.convention_id_seq', 300);
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES
	(301, 30, 30, '74', '30%', '2024-01-01'),
	(302, 30, 31, '74', flux.taux_reservataire(100, 1000), '2024-01-01'),
	(303, 30, 32, '74', '15%', '2024-01-01');

-- 2024: 80 units; Action Logement's 10 % gets 8, the State 24, Publier
-- 9.6 -> 10 (largest remainder), the bailleur 38.4 -> 38; 80 in all
SELECT convention_id, reservataire, categorie, taux, fraction_annee, fraction_territoire,
       taux_effectif, flux_a_repartir, logements_dus
  FROM parts(30, '74', 2024);
SELECT sum(logements_dus) AS total FROM parts(30, '74', 2024);

-- 2026 at 10 % rotation: 100 units, the State positions households 30 times
SELECT categorie, taux_effectif, logements_dus FROM parts(30, '74', 2026) WHERE categorie = 'etat';

-- an employer's convention from 1 July 2025 counts for its 184 days of 365
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (304, 30, 33, '74', '5%', '2025-07-01');
SELECT convention_id, categorie, taux, fraction_annee, taux_effectif, logements_dus
  FROM parts(30, '74', 2025);

--
-- the yearly update: stock reservations, deliveries, sales, expired rights
--
-- Action Logement's 100 reserved units; 10 on a loan guarantee repaid on
-- 30 June 2019, whose rights ended 5 years later, on 30 June 2024
INSERT INTO reservation (logement_id, reservataire_id, droit, fondement, date_debut, date_fin, date_remboursement)
SELECT 30000 + i, 31, 'suite',
       CASE WHEN i <= 910 THEN 'garantie_emprunt' ELSE 'apport_financier' END::fondement_reservation,
       '2000-01-01', '2045-01-01', CASE WHEN i <= 910 THEN date '2019-06-30' END
  FROM generate_series(901, 1000) i;
SELECT fin_droits('2045-01-01', '2019-06-30') AS fin_garantie, fin_droits('2030-01-01', NULL) AS fin_convention,
       fin_droits(NULL, NULL) AS sans_terme;

-- 2024: 100 / 1 000 -> 10 %
SELECT * FROM actualiser_taux(30, '74', 2024);
-- in 2024, 5 of its units are sold and 20 new ones delivered (first let in
-- 2024, in the assiette from 2025)
UPDATE logement SET sortiepatrim = 1, date_sortie = '2024-09-01' WHERE id BETWEEN 30996 AND 31000;
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat, date_mise_en_service)
SELECT 31000 + i, 30, 'N' || i, '74010', false, 'C', 3, 10, true, 2024, '2024-03-01'
  FROM generate_series(1, 20) i;
SELECT assiette FROM assiette(30, '74', 2025);
-- 2025: 100 - 10 expired - 5 sold = 85 over 1 015 -> 8.37 %, applied
SELECT * FROM actualiser_taux(30, '74', 2025, appliquer => true);
SELECT taux FROM convention WHERE id = 302;
-- every year's figures are kept
SELECT convention_id, annee, reserves, droits_expires, parc, taux, taux_precedent, applique
  FROM taux_annuel ORDER BY convention_id, annee;
-- 2025 uses the applied rate, 2024 still the one it replaced
SELECT 2024 AS annee, taux, source_taux, logements_dus FROM parts(30, '74', 2024) WHERE convention_id = 302
UNION ALL
SELECT 2025, taux, source_taux, logements_dus FROM parts(30, '74', 2025) WHERE convention_id = 302;

--
-- the State's share, commune by commune and outside QPV
--
SELECT * FROM part_etat(30, '74', 2026);
-- below 30 % the report says the State's share outside QPV is too low
UPDATE convention SET taux = '25%' WHERE id = 301;
SELECT perimetre, taux_etat_convention, conforme, observation FROM part_etat(30, '74', 2026) WHERE perimetre = 'hors_qpv';
UPDATE convention SET taux = '30%' WHERE id = 301;

-- errors
SELECT * FROM parts(30, '74', 1999);
SELECT * FROM parts(30, '74', NULL);
SELECT * FROM parts(30, '74', 2027);
SELECT * FROM actualiser_taux(30, '74', 1800);
-- fails: a reservation under another party's convention
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, regime, date_effet, date_fin)
VALUES (305, 30, 33, '74', 'stock', '2000-01-01', '2025-07-01');
INSERT INTO reservation (logement_id, reservataire_id, convention_id, fondement) VALUES (30001, 31, 305, 'autre');
-- fails: a repayment date on a right that is not a loan guarantee
INSERT INTO reservation (logement_id, reservataire_id, fondement, date_remboursement) VALUES (30002, 31, 'apport_foncier', '2020-01-01');
-- fails: a unit tied to two réservataires at once
INSERT INTO reservation (logement_id, reservataire_id, fondement) VALUES (30901, 33, 'autre');
