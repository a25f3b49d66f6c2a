-- notifier_erreurs: flux.orientation_notifier (C since 0.14.0,
-- src/notifications.c) attached where it was not written to fire refuses
-- with a user error naming what is wrong, never an internal error (XX000)
-- nor a crash: on another table with flux.orientation's columns, as a
-- BEFORE or row trigger, without its transition tables.  What it sends is
-- checked by test/notifications_c.sh (at commit, against 0.13.0's trigger).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(6);

CREATE TABLE pg_temp.copie (LIKE flux.orientation INCLUDING DEFAULTS);
CREATE TRIGGER copie_notifier AFTER INSERT ON pg_temp.copie REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.orientation_notifier();
SELECT throws_ok($$INSERT INTO pg_temp.copie (id, vacance_id, convention_id, etat, date_orientation) VALUES (1, 1, 1, 'proposee', '2025-09-01')$$,
	'39P01', NULL, 'on another table with the same columns: 39P01');
SELECT throws_like($$INSERT INTO pg_temp.copie (id, vacance_id, convention_id, etat, date_orientation) VALUES (1, 1, 1, 'proposee', '2025-09-01')$$,
	'%fired on table "pg_temp_%.copie", not on flux.orientation%', 'the error names the table it fired on');

INSERT INTO commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO bailleur (id, siren, nom, famille) VALUES (9901, '990100001', 'B', 'esh');
INSERT INTO reservataire (id, nom, categorie) VALUES (9901, 'Etat', 'etat');
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, date_effet) VALUES (9901, 9901, 9901, '74', '30%', '2024-01-01');
INSERT INTO logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
VALUES (99001, 9901, 'E1', '74218', false, 'C', 3, 13, true, 2000);
INSERT INTO vacance (id, logement_id, date_preavis, date_disponible) VALUES (99001, 99001, '2025-01-02', '2025-02-01');

SAVEPOINT s;
CREATE TRIGGER notifier_avant BEFORE INSERT ON flux.orientation
	FOR EACH ROW EXECUTE FUNCTION flux.orientation_notifier();
SELECT throws_ok($$INSERT INTO flux.orientation (id, vacance_id, convention_id, date_orientation) VALUES (990011, 99001, 9901, '2025-09-01')$$,
	'39P01', 'flux.orientation_notifier must fire AFTER INSERT or AFTER UPDATE, FOR EACH STATEMENT',
	'as a BEFORE row trigger: 39P01, naming how it must fire');
ROLLBACK TO s;

CREATE TRIGGER notifier_sans_tables AFTER INSERT ON flux.orientation
	FOR EACH STATEMENT EXECUTE FUNCTION flux.orientation_notifier();
SELECT throws_ok($$INSERT INTO flux.orientation (id, vacance_id, convention_id, date_orientation) VALUES (990011, 99001, 9901, '2025-09-01')$$,
	'39P01', 'flux.orientation_notifier needs its transition tables',
	'without its transition tables: 39P01');
ROLLBACK TO s;

SELECT lives_ok($$INSERT INTO flux.orientation (id, vacance_id, convention_id, date_orientation) VALUES (990011, 99001, 9901, '2025-09-01')$$,
	'declared as flux declares it, it fires');
SELECT ok(NOT has_function_privilege('public', 'flux.orientation_notifier()', 'EXECUTE'),
	'PUBLIC may not attach it (no EXECUTE)');

SELECT * FROM finish();
ROLLBACK;
