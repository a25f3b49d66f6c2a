--
-- plafonds: the legal caps of shares (0.3.0)
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551'), ('74010', 'Amphion-les-Bains', '200067551')
    ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (20, '552046420', 'Bailleur des caps', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom, epci) VALUES
	(20, 'Préfet de la Haute-Savoie', 'etat', NULL, NULL),
	(21, 'Préfet (agents de l''État)', 'etat_agents', NULL, NULL),
	(22, 'Commune de Publier', 'commune', '74218', NULL),
	(23, 'Thonon Agglomération', 'epci', NULL, '200067551'),
	(24, 'Action Logement Services Auvergne-Rhône-Alpes', 'action_logement', NULL, NULL);
SELECT setval('flux.convention_id_seq', 100);

-- the seeds: a commune at 20 % on loan guarantees is fine
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (20, 22, '74', '20%', '2024-01-01');
-- fails: 25 % on guarantees alone
UPDATE convention SET taux = '25%' WHERE bailleur_id = 20 AND reservataire_id = 22;
-- with 5 % for the land it brought, 25 % is accepted
UPDATE convention SET taux = '25%', taux_contrepartie = '5%',
       contrepartie = 'Terrain rue du Lac, délibération du 12 mars 2024'
 WHERE bailleur_id = 20 AND reservataire_id = 22;
SELECT reservataire_id, communes, taux, taux_contrepartie, contrepartie FROM convention WHERE bailleur_id = 20;
-- fails: an unknown réservataire
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (20, 999, '74', '10%', '2024-01-01');
-- fails: a counterpart share without its counterpart
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, taux_contrepartie, date_effet)
VALUES (20, 24, '74', '10%', '5%', '2024-01-01');
-- fails: the EPCI's guarantees add up with the commune's on Publier
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (20, 23, '74', '1%', '2024-01-01');
-- the EPCI can take guarantees elsewhere on its territory
INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet)
VALUES (20, 23, '74', '{74010}', '15%', '2024-01-01');

-- the State: 30 % at most, of which 5 % for its agents
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (20, 20, '74', '25%', '2024-01-01');
-- fails: agents above 5 %
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (20, 21, '74', '5.01%', '2024-01-01');
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (20, 21, '74', '5%', '2024-01-01');
-- fails: the State above 30 %
UPDATE convention SET taux = '26%' WHERE bailleur_id = 20 AND reservataire_id = 20;
-- a préfet's decree lifts it, for at most one year, for a convention ending within it
INSERT INTO derogation_prefet (bailleur_id, departement, taux_max, date_debut, date_fin, arrete, motif)
VALUES (20, '74', '35%', '2025-01-01', '2026-01-01', 'Arrêté 2024-1187', 'Gendarmerie de Thonon');
UPDATE convention SET date_fin = '2025-01-01' WHERE bailleur_id = 20 AND reservataire_id = 20;
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet, date_fin)
VALUES (20, 20, '74', '30%', '2025-01-01', '2026-01-01');
-- fails: 30 % (+ 5 %) past the decree's end
UPDATE convention SET date_fin = '2026-06-01' WHERE bailleur_id = 20 AND reservataire_id = 20 AND date_effet = '2025-01-01';
-- from 2026 the State is back to 25 % (+ 5 % for its agents)
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (20, 20, '74', '25%', '2026-01-01');
-- fails: a derogation longer than a year
INSERT INTO derogation_prefet (bailleur_id, departement, taux_max, date_debut, date_fin, arrete)
VALUES (20, '74', '35%', '2026-01-01', '2027-01-02', 'Arrêté 2025-2');
-- fails: a "derogation" that does not go beyond 30 %
INSERT INTO derogation_prefet (bailleur_id, departement, taux_max, date_debut, date_fin, arrete)
VALUES (20, '74', '30%', '2026-01-01', '2026-06-01', 'Arrêté 2025-3');

-- no surbooking: Publier carries 25 + 30 + 5 = 60 % in 2025
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (20, 24, '74', '40%', '2025-01-01');
-- fails: one point more on Publier
UPDATE convention SET taux = '40.01%' WHERE bailleur_id = 20 AND reservataire_id = 24;
-- the shares of 2025 and the units each is due of 80 vacancies
SELECT c.reservataire_id, r.categorie, c.communes, c.taux
  FROM convention c JOIN reservataire r ON r.id = c.reservataire_id
 WHERE c.bailleur_id = 20 AND daterange(c.date_effet, c.date_fin) @> date '2025-06-01'
 ORDER BY c.reservataire_id;
SELECT flux.repartir(80, array_agg(c.taux ORDER BY c.reservataire_id)) AS "80 units on Publier, 2025"
  FROM convention c
 WHERE c.bailleur_id = 20 AND daterange(c.date_effet, c.date_fin) @> date '2025-06-01'
   AND (c.communes IS NULL OR '74218' = ANY (c.communes));

--
-- the état des lieux of stock reservations (0.3.0)
--
INSERT INTO logement (bailleur_id, ident_rep, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, adresse, stock_reservataire_id, sortiepatrim, date_sortie)
VALUES (20, '7400000001', 'P-1', '74218', false, 'C', 2, 13, true, '1 rue du Lac Publier', 22, 9, NULL),
       (20, '7400000002', 'P-2', '74218', true,  'C', 4, 10, true, '2 rue du Lac Publier', 22, 9, NULL),
       (20, '7400000003', 'P-3', '74218', false, 'I', 5, 13, true, '3 rue du Lac Publier', 24, 9, NULL),
       (20, '7400000004', 'A-1', '74010', false, 'C', 3, 13, true, '1 quai Amphion', 20, 9, NULL),
       (20, '7400000005', 'A-2', '74010', false, 'C', 3, 13, true, '2 quai Amphion', 20, 1, '2024-05-01'),
       (20, '7400000006', 'A-3', '74010', false, 'C', 3, 13, true, '3 quai Amphion', NULL, 9, NULL);
SELECT reservataire, categorie, commune, ident_rep, adresse, typologie, qpv, financement, contingent_rpls
  FROM etat_des_lieux WHERE bailleur_id = 20 ORDER BY reservataire, ident_rep;
SELECT commune, reservataire, logements, t1, t2, t3, t4, t5_et_plus, en_qpv
  FROM etat_des_lieux_communes WHERE bailleur_id = 20 ORDER BY depcom, reservataire;
