--
-- upgrade: ALTER EXTENSION UPDATE from 0.1.0 keeps the user's data
--
-- A fresh install runs flux--0.1.0.sql then every flux--a--b.sql in turn
-- (there is no standalone script of a later version), so this test checks what a fresh
-- install cannot: a database that used 0.1.0 updates in place.
SET client_min_messages = warning;
DROP EXTENSION flux CASCADE;
CREATE EXTENSION flux VERSION '0.1.0';
RESET client_min_messages;

SELECT source, target, path FROM pg_extension_update_paths('flux')
 WHERE source = '0.1.0' AND path IS NOT NULL ORDER BY target;

-- a user's table that depends on the type of 0.1.0
CREATE TABLE upgrade_parts (nom text PRIMARY KEY, part flux.taux NOT NULL);
CREATE INDEX ON upgrade_parts (part);
INSERT INTO upgrade_parts VALUES ('etat', '30%'), ('commune', '12,5 %');

ALTER EXTENSION flux UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'flux';

-- the data and its index survive, and the new objects are there
SET enable_seqscan = off;
SELECT nom, part FROM upgrade_parts WHERE part OPERATOR(flux.=) '30%'::flux.taux;
RESET enable_seqscan;
SELECT flux.sum(part) FROM upgrade_parts;
SELECT count(*) AS tables FROM pg_tables WHERE schemaname = 'flux';
SELECT flux.repartir(80, '{10%}'), flux.departement_de('2A004');
DROP TABLE upgrade_parts;

-- 0.7.0 -> 0.8.0 fills orientation.attributaire_id from the candidates a
-- database already has, without a step in the history
SET client_min_messages = warning;
DROP EXTENSION flux CASCADE;
CREATE EXTENSION flux VERSION '0.7.0';
RESET client_min_messages;
SET search_path = flux, public;
INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT (depcom) DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (80, '552046480', 'Bailleur mis à jour', 'oph');
INSERT INTO reservataire (id, nom, categorie) VALUES (80, 'Préfet (mise à jour)', 'etat');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (801, 80, 80, '74', '30%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
VALUES (80001, 80, 'U1', '74218', false, 'C', 3, 62, 13, true, 1985, 1990),
	   (80002, 80, 'U2', '74218', false, 'C', 2, 45, 13, true, 1985, 1990);
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) VALUES (801, 80001, '2025-01-02', '2025-02-01'),
	(802, 80002, '2025-01-02', '2025-02-01');
INSERT INTO orientation (id, vacance_id, convention_id, date_orientation) VALUES (8001, 801, 801, '2025-03-03'),
	(8002, 802, 801, '2025-03-03');
UPDATE orientation SET etat = 'acceptee', date_reponse = '2025-03-03';
INSERT INTO candidature (id, orientation_id, nud, rang, date_designation, quartile) VALUES
	(80011, 8001, '074032508011', 1, '2025-03-05', 2), (80012, 8001, '074032508012', 2, '2025-03-05', 1),
	(80021, 8002, '074032508021', 1, '2025-03-05', 3);
-- 8001: ranks 1 and 2 attributed, the second signs; 8002: not decided yet
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = rang, date_caleol = '2025-03-12' WHERE orientation_id = 8001;
UPDATE candidature SET date_proposition = '2025-03-13' WHERE id = 80012;
UPDATE candidature SET reponse_menage = 'acceptee', date_reponse_menage = '2025-03-14' WHERE id = 80012;
UPDATE candidature SET date_bail = '2025-04-01' WHERE id = 80012;
CREATE TEMP TABLE avant AS SELECT id, modifie_le, (SELECT count(*) FROM orientation_historique h WHERE h.orientation_id = o.id) AS pas
  FROM orientation o;
SELECT orientation_id, attribue, bail, quartile FROM bilan_orientation ORDER BY 1;
ALTER EXTENSION flux UPDATE TO '0.8.0';
SELECT o.id, o.attributaire_id, o.modifie_le = a.modifie_le AS meme_modifie_le,
	   (SELECT count(*) FROM orientation_historique h WHERE h.orientation_id = o.id) = a.pas AS meme_historique
  FROM orientation o JOIN avant a USING (id) ORDER BY 1;
-- the bilans read the same
SELECT orientation_id, attribue, bail, quartile FROM bilan_orientation ORDER BY 1;
-- and the workflow keeps it from there
UPDATE candidature SET decision_caleol = 'attribution', rang_caleol = 1, date_caleol = '2025-03-12' WHERE id = 80021;
SELECT id, attributaire_id FROM orientation ORDER BY 1;
RESET search_path;

-- the library refuses, at load, the SQL of another release, and names the
-- ALTER EXTENSION to run (src/flux.c); \c starts a new backend, which loads
-- the library again
SET client_min_messages = warning;
DROP EXTENSION flux CASCADE;
CREATE EXTENSION flux VERSION '0.14.0';
RESET client_min_messages;
\c
-- fails: 55000, the library of the current release and the SQL of 0.14.0
SELECT '3%'::flux.taux;
-- a placeholder set by a role that is not a superuser does not turn it off
CREATE ROLE flux_upgrade_verif;
SET ROLE flux_upgrade_verif;
SET flux.verifier_version = off;
-- fails: 55000 still
SELECT '3%'::flux.taux;
RESET ROLE;
DROP ROLE flux_upgrade_verif;
-- a superuser may turn it off, to read or dump the data before updating
SET flux.verifier_version = off;
SELECT '3%'::flux.taux;
\c
ALTER EXTENSION flux UPDATE;
\c
SELECT flux.version() OPERATOR(pg_catalog.=) extversion AS meme_version, flux.version() IS NOT NULL AS connue
  FROM pg_extension WHERE extname = 'flux';
SHOW flux.verifier_version;
-- fails: 42501, only a superuser turns the check off
CREATE ROLE flux_upgrade_verif;
SET ROLE flux_upgrade_verif;
SET flux.verifier_version = off;
RESET ROLE;
DROP ROLE flux_upgrade_verif;
