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
