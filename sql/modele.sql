--
-- modele: tables, constraints and the convention trigger
--
SET search_path = flux, public;
\set SHOW_CONTEXT never
SET datestyle = 'ISO, YMD';

INSERT INTO commune (depcom, nom, epci, zone_tendue) VALUES
	('01281', 'Ornex', '240100750', true), ('01173', 'Gex', '240100750', true),
	('01053', 'Bourg-en-Bresse', '200071751', false),
	('74218', 'Publier', '200067551', false), ('2A004', 'Ajaccio', '200066744', false);
SELECT depcom, nom, departement FROM commune ORDER BY depcom;

INSERT INTO bailleur (id, siren, nom, famille) VALUES
	(1, '552046484', 'Alliade Habitat', 'esh'), (2, '300000002', 'SEM du Pays de Gex', 'sem');

INSERT INTO reservataire (id, nom, categorie, depcom, epci, departement) VALUES
	(1, 'Préfet de l''Ain', 'etat', NULL, NULL, NULL),
	(2, 'Commune d''Ornex', 'commune', '01281', NULL, NULL),
	(3, 'Pays de Gex Agglo', 'epci', NULL, '240100750', NULL),
	(4, 'Action Logement Services', 'action_logement', NULL, NULL, NULL),
	(5, 'Centre hospitalier', 'employeur', NULL, NULL, NULL),
	(6, 'Département de l''Ain', 'departement', NULL, NULL, '01');

-- fails: a commune réservataire without its commune
INSERT INTO reservataire (nom, categorie) VALUES ('Commune sans code', 'commune');
-- fails: an EPCI without its SIREN
INSERT INTO reservataire (nom, categorie) VALUES ('EPCI sans SIREN', 'epci');

-- conventions: a commune's covers its commune, an EPCI's its communes
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, date_fin) VALUES
	(1, 1, 1, '01', '30%', '2024-01-01', NULL),
	(2, 1, 2, '01', '13%', '2024-01-01', '2027-01-01'),
	(3, 1, 3, '01', '5%', '2024-01-01', NULL),
	(4, 1, 4, '01', '12,5 %', '2024-01-01', NULL),
	(6, 1, 6, '01', '2%', '2024-01-01', NULL);
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, communes, taux, date_effet) VALUES
	(5, 1, 5, '01', '{01053}', '1%', '2024-01-01');
SELECT id, reservataire_id, departement, communes, regime, mode, taux, evenement,
       delai_reponse_jo, delai_designation_jo, candidats_max, candidats_max_dalo
  FROM convention ORDER BY id;

-- fails: a flux convention needs its share
INSERT INTO convention (bailleur_id, reservataire_id, departement, date_effet) VALUES (1, 4, '74', '2024-01-01');
-- a stock convention has none
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, regime, date_effet) VALUES (7, 1, 4, '74', 'stock', '2020-01-01');
-- fails: a stock convention with a share
INSERT INTO convention (bailleur_id, reservataire_id, departement, regime, taux, date_effet) VALUES (1, 4, '73', 'stock', '10%', '2020-01-01');
-- fails: a commune's convention outside its territory
INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet) VALUES (2, 2, '01', '{01281,01173}', '20%', '2024-01-01');
-- fails: an EPCI's convention on a commune of another EPCI
INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet) VALUES (2, 3, '01', '{01281,01053}', '5%', '2024-01-01');
-- fails: an EPCI with no known commune in the département
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (2, 3, '74', '5%', '2024-01-01');
-- fails: a département's convention elsewhere
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (2, 6, '74', '2%', '2024-01-01');
-- fails: the State cannot be restricted to communes
INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet) VALUES (2, 1, '01', '{01281}', '30%', '2024-01-01');
-- fails: an employer's communes must lie in the convention's département
INSERT INTO convention (bailleur_id, reservataire_id, departement, communes, taux, date_effet) VALUES (2, 5, '01', '{74218}', '1%', '2024-01-01');
-- fails: two conventions of the same parties in force on the same days
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (1, 2, '01', '20%', '2026-06-01');
-- a successor that starts when the first ends is fine
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (8, 1, 2, '01', '13%', '2027-01-01');
-- fails: moving it back over its predecessor
UPDATE convention SET date_effet = '2026-12-01' WHERE id = 8;
-- fails: an end before the start
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet, date_fin) VALUES (2, 4, '01', '10%', '2024-01-01', '2023-01-01');
-- fails: a share above 100 %
INSERT INTO convention (bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (2, 4, '01', '120%', '2024-01-01');

-- logements: RPLS codes are checked
INSERT INTO logement (id, bailleur_id, ident_rep, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv)
VALUES (1, 1, '0100000001', 'A-1', '01281', false, 'C', 3, 13, true);
SELECT id, ident_rep, ident_int, depcom, departement, sortiepatrim, mode FROM logement;
-- fails: TYPECONST must be C, I or E
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv) VALUES (1, 'A-2', '01281', false, 'X', 3, 13, true);
-- fails: NBPIECE 1 to 9
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv) VALUES (1, 'A-2', '01281', false, 'C', 12, 13, true);
-- fails: an unknown FINAN code
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv) VALUES (1, 'A-2', '01281', false, 'C', 3, 18, true);
-- fails: a malformed DEPCOM
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv) VALUES (1, 'A-2', '1281', false, 'C', 3, 13, true);
-- fails: a unit out of the stock needs its date of exit
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, sortiepatrim) VALUES (1, 'A-2', '01281', false, 'C', 3, 13, true, 4);
-- fails: the same IDENT_INT twice for a bailleur
INSERT INTO logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv) VALUES (1, 'A-1', '01173', false, 'C', 3, 13, true);

-- the département of a commune code
SELECT flux.departement_de(c) FROM (VALUES ('01281'), ('2A004'), ('97411'), ('75056')) v(c);

-- user tables are kept by pg_dump
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) cfg(oid) JOIN pg_class c ON c.oid = cfg.oid
 WHERE e.extname = 'flux' ORDER BY 1;
