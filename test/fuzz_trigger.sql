-- fuzz_trigger: flux's C trigger flux.orientation_estampiller attached where
-- it was not written to fire: on tables with the column names of
-- flux.orientation and other types, and as an AFTER / statement trigger.
-- Nobody may crash the server that way, nor get an internal error (XX000):
--   * a role with nothing but what a reporting user has (SELECT on the flux
--     tables the trigger reads) cannot attach it at all: CREATE TRIGGER
--     needs EXECUTE on the function, which PUBLIC does not have (42501);
--     its INSERT then runs without the trigger;
--   * a superuser can attach it (EXECUTE does not bind a superuser): the
--     trigger itself refuses, at its first row, with a user error that names
--     the relation (it fires on flux.orientation only, and checks every
--     column's type), never XX000.
-- On 0.8.0 the second table (echeance_reponse text: the trigger writes a
-- date into a text column) crashes the server: the connection is lost and
-- pg_prove reports this file as failed.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = flux, public;
SELECT plan(8);

-- the outcome of q: 'ok', or the SQLSTATE and message of its error (rolled
-- back to the block's subtransaction); as role r when r is not NULL
CREATE FUNCTION pg_temp.issue(q text, r text DEFAULT NULL) RETURNS text
	LANGUAGE plpgsql
AS $$
DECLARE
	st text;
	msg text;
BEGIN
	IF r IS NOT NULL THEN
		EXECUTE format('SET LOCAL ROLE %I', r);
	END IF;
	EXECUTE q;
	RESET ROLE;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
	RETURN st || ' ' || msg;
END
$$;

-- one direct-management convention, so that the trigger has a row to read
SELECT setval('flux.bailleur_id_seq', greatest(nextval('flux.bailleur_id_seq'), 999));
SELECT setval('flux.reservataire_id_seq', greatest(nextval('flux.reservataire_id_seq'), 999));
SELECT setval('flux.convention_id_seq', greatest(nextval('flux.convention_id_seq'), 999));
INSERT INTO bailleur (id, siren, nom, famille) VALUES (990, '900000990', 'B fuzz trigger', 'esh');
INSERT INTO reservataire (id, nom, categorie, depcom) VALUES (990, 'Préfet 74 (fuzz trigger)', 'etat', NULL);
INSERT INTO convention (id, bailleur_id, reservataire_id, departement, taux, regime, mode, evenement, date_effet,
						date_fin, delai_designation_jo, silence_vaut_acceptation, taux_effort_max)
VALUES (990, 990, 990, '74', '25%', 'flux', 'directe', 'bail', '2024-01-01', NULL, 15, true, NULL);

-- the hostile role: it owns a schema and may read what the trigger reads
CREATE ROLE fz_hostile NOLOGIN;
CREATE SCHEMA fz_hostile AUTHORIZATION fz_hostile;
GRANT SELECT ON flux.convention, flux.vacance, flux.logement TO fz_hostile;
GRANT USAGE ON SCHEMA fz_hostile TO PUBLIC;

-- a table of its own: the names of flux.orientation, its own enum for etat
-- (so that the trigger gets past the state check), echeance_reponse text
SELECT is(pg_temp.issue($$
	CREATE TYPE fz_hostile.etat AS ENUM ('proposee', 'acceptee');
	CREATE TABLE fz_hostile.orientation (
		id bigint, vacance_id bigint, convention_id bigint, hors_flux text,
		etat fz_hostile.etat DEFAULT 'proposee', date_orientation date, zone text,
		echeance_reponse text, date_reponse text, echeance_designation date,
		echeance_impossibilite date, prolongation_jo integer DEFAULT 0, motif_prolongation text,
		date_attribution date, date_bail date, attributaire_id bigint)$$, 'fz_hostile'),
	'ok', 'the hostile role makes a table with the column names of flux.orientation');
SELECT is(left(pg_temp.issue($$
	CREATE TRIGGER estampiller BEFORE INSERT ON fz_hostile.orientation
	FOR EACH ROW EXECUTE FUNCTION flux.orientation_estampiller()$$, 'fz_hostile'), 5),
	'42501', 'a role without privileges cannot attach flux.orientation_estampiller (no EXECUTE for PUBLIC)');
SELECT ok(pg_temp.issue($$
	INSERT INTO fz_hostile.orientation (vacance_id, convention_id, date_orientation)
	VALUES (1, 990, '2025-03-03')$$, 'fz_hostile') !~ '^(XX|58)',
	'its INSERT runs without the trigger, or is refused with a user error (the server is still up)');

-- as superuser: the same tables, attached; each INSERT must be refused by
-- the trigger with a user error naming the relation
CREATE TYPE fz_hostile.etat_su AS ENUM ('proposee', 'acceptee');
-- 1. the brief's example: date_orientation text, zone date
CREATE TABLE fz_hostile.t_date_texte (
	id bigint, vacance_id bigint, convention_id bigint, hors_flux text,
	etat fz_hostile.etat_su DEFAULT 'proposee', date_orientation text, zone date,
	echeance_reponse date, date_reponse date, echeance_designation date,
	echeance_impossibilite date, prolongation_jo integer DEFAULT 0, motif_prolongation text,
	date_attribution date, date_bail date, attributaire_id bigint);
-- 2. a date written into a text column (signal 11 on 0.8.0)
CREATE TABLE fz_hostile.t_echeance_texte (
	id bigint, vacance_id bigint, convention_id bigint, hors_flux text,
	etat fz_hostile.etat_su DEFAULT 'proposee', date_orientation date, zone text,
	echeance_reponse text, date_reponse text, echeance_designation date,
	echeance_impossibilite date, prolongation_jo integer DEFAULT 0, motif_prolongation text,
	date_attribution date, date_bail date, attributaire_id bigint);
-- 3. etat text: no enum to look the labels up in
CREATE TABLE fz_hostile.t_etat_texte (
	id bigint, vacance_id bigint, convention_id bigint, hors_flux text,
	etat text DEFAULT 'proposee', date_orientation date, zone text,
	echeance_reponse date, date_reponse date, echeance_designation date,
	echeance_impossibilite date, prolongation_jo integer DEFAULT 0, motif_prolongation text,
	date_attribution date, date_bail date, attributaire_id bigint);
CREATE TRIGGER estampiller BEFORE INSERT ON fz_hostile.t_date_texte
	FOR EACH ROW EXECUTE FUNCTION flux.orientation_estampiller();
CREATE TRIGGER estampiller BEFORE INSERT ON fz_hostile.t_echeance_texte
	FOR EACH ROW EXECUTE FUNCTION flux.orientation_estampiller();
CREATE TRIGGER estampiller BEFORE INSERT ON fz_hostile.t_etat_texte
	FOR EACH ROW EXECUTE FUNCTION flux.orientation_estampiller();
-- 4. on flux.orientation's own shape, but AFTER and FOR EACH STATEMENT
CREATE TABLE fz_hostile.t_apres (LIKE flux.orientation INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TRIGGER estampiller AFTER INSERT ON fz_hostile.t_apres
	FOR EACH STATEMENT EXECUTE FUNCTION flux.orientation_estampiller();

SELECT matches(pg_temp.issue($$INSERT INTO fz_hostile.t_date_texte (vacance_id, convention_id, date_orientation)
	VALUES (1, 990, '2025-03-03')$$),
	'^(?!XX|58|ok)[0-9A-Z]{5} .*t_date_texte',
	'date_orientation text, zone date: refused with a user error naming the relation');
SELECT matches(pg_temp.issue($$INSERT INTO fz_hostile.t_echeance_texte (vacance_id, convention_id, date_orientation)
	VALUES (1, 990, '2025-03-03')$$),
	'^(?!XX|58|ok)[0-9A-Z]{5} .*t_echeance_texte',
	'echeance_reponse text (a date would be written into it): refused with a user error naming the relation');
SELECT matches(pg_temp.issue($$INSERT INTO fz_hostile.t_etat_texte (vacance_id, convention_id, date_orientation)
	VALUES (1, 990, '2025-03-03')$$),
	'^(?!XX|58|ok)[0-9A-Z]{5} .*t_etat_texte',
	'etat text: refused with a user error naming the relation');
SELECT matches(pg_temp.issue($$INSERT INTO fz_hostile.t_apres (vacance_id, convention_id, date_orientation)
	VALUES (1, 990, '2025-03-03')$$),
	'^(?!XX|58|ok)[0-9A-Z]{5} ',
	'fired AFTER, FOR EACH STATEMENT: refused with a user error, not XX000');

SELECT pass('the session survived every hostile use of the trigger');

SELECT * FROM finish();
ROLLBACK;
