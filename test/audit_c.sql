-- audit_c: flux.auditer in C (0.13.0, src/audit.c) writes what 0.12.0's
-- PL/pgSQL trigger wrote (copied below as the reference, writing to a table
-- of its own), on a table with a composite key, personal columns, NULLs,
-- nested jsonb, numbers and dates, through INSERT, UPDATE (changed, unchanged,
-- modifie_le alone, a personal column alone, a key changed), DELETE and
-- TRUNCATE; and refuses a trigger declared wrong with a clear error.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux;
SET search_path = public, flux;
SELECT plan(12);

CREATE TABLE audit_sql (LIKE flux.audit);
ALTER TABLE audit_sql ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;

-- 0.12.0's trigger, as it was in src/audit.sql, writing into audit_sql
CREATE FUNCTION pg_temp.auditer_sql() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, public, pg_temp
	SET work_mem = '64MB'
	SET jit = off
AS $$
DECLARE
	v_cles text[] := pg_catalog.string_to_array(TG_ARGV[0], ',');
	v_perso text[] := coalesce(TG_ARGV[1:TG_NARGS - 1], '{}');
	v_quand timestamptz := pg_catalog.clock_timestamp();
	v_xact xid8 := pg_catalog.pg_current_xact_id();
	v_appelant name := flux.appelant();
	v_reservataire bigint := flux.reservataire_courant();
	v_epci text := flux.epci_courant();
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		INSERT INTO audit_sql (quand, transaction_id, relation, operation, login, appelant, reservataire_id, epci)
		VALUES (v_quand, v_xact, TG_TABLE_NAME, TG_OP, SESSION_USER, v_appelant, v_reservataire, v_epci);
	ELSIF TG_OP = 'INSERT' THEN
		INSERT INTO audit_sql (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								apres, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP,
			   array_to_string(ARRAY(SELECT n.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ','),
			   SESSION_USER, v_appelant, v_reservataire, v_epci,
			   jsonb_strip_nulls(n.j - v_perso),
			   nullif(ARRAY(SELECT c FROM unnest(v_perso) c WHERE n.j ->> c IS NOT NULL), '{}')
		  FROM (SELECT to_jsonb(t) AS j FROM nouvelles t OFFSET 0) n;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO audit_sql (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								avant, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP,
			   array_to_string(ARRAY(SELECT a.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ','),
			   SESSION_USER, v_appelant, v_reservataire, v_epci,
			   jsonb_strip_nulls(a.j - v_perso),
			   nullif(ARRAY(SELECT c FROM unnest(v_perso) c WHERE a.j ->> c IS NOT NULL), '{}')
		  FROM (SELECT to_jsonb(t) AS j FROM anciennes t OFFSET 0) a;
	ELSE
		-- old and new rows matched on their key; a row whose key changed
		-- shows as two rows, its old key (avant) and its new one (apres)
		INSERT INTO audit_sql (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								avant, apres, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP, coalesce(n.cle, a.cle),
			   SESSION_USER, v_appelant, v_reservataire, v_epci, d.avant, d.apres, d.perso
		  FROM (SELECT s.j, array_to_string(ARRAY(SELECT s.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ',') AS cle
				  FROM (SELECT to_jsonb(t) AS j FROM nouvelles t OFFSET 0) s OFFSET 0) n
		  FULL JOIN
			   (SELECT s.j, array_to_string(ARRAY(SELECT s.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ',') AS cle
				  FROM (SELECT to_jsonb(t) AS j FROM anciennes t OFFSET 0) s OFFSET 0) a ON a.cle = n.cle
		 CROSS JOIN LATERAL flux.audit_ecart(a.j, n.j, v_perso, '{modifie_le}') d(avant, apres, perso)
		 WHERE d.avant IS NOT NULL OR d.apres IS NOT NULL OR d.perso IS NOT NULL;
	END IF;
	RETURN NULL;
END
$$;


CREATE DOMAIN essai_entier AS integer CHECK (VALUE >= 0);
CREATE TABLE essai_audit (
	a integer, b text, c date, n numeric, j jsonb, nud text, perso2 text, modifie_le timestamptz,
	-- every type the C trigger turns into jsonb itself, and others it hands to to_jsonb
	v boolean, s smallint, g bigint, tz timestamptz, tsn timestamp, nm name, vc varchar(10), bc char(4),
	e flux.etat_orientation, d essai_entier, arr integer[], tx flux.taux, jn jsonb,
	PRIMARY KEY (a, b));
CREATE TRIGGER c_i AFTER INSERT ON essai_audit REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('a,b', 'nud', 'perso2');
CREATE TRIGGER c_u AFTER UPDATE ON essai_audit REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('a,b', 'nud', 'perso2');
CREATE TRIGGER c_d AFTER DELETE ON essai_audit REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('a,b', 'nud', 'perso2');
CREATE TRIGGER c_t AFTER TRUNCATE ON essai_audit
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('a,b');
CREATE TRIGGER s_i AFTER INSERT ON essai_audit REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.auditer_sql('a,b', 'nud', 'perso2');
CREATE TRIGGER s_u AFTER UPDATE ON essai_audit REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.auditer_sql('a,b', 'nud', 'perso2');
CREATE TRIGGER s_d AFTER DELETE ON essai_audit REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.auditer_sql('a,b', 'nud', 'perso2');
CREATE TRIGGER s_t AFTER TRUNCATE ON essai_audit
	FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.auditer_sql('a,b');

-- what both wrote, compared without the id and the clock time
CREATE FUNCTION pg_temp.ecrit(quoi text) RETURNS TABLE (r text) LANGUAGE sql AS $$
	SELECT format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', x.relation, x.operation, x.cle, x.login, x.appelant,
				  x.reservataire_id, x.epci, x.avant, x.apres, x.donnees_personnelles)
	  FROM (SELECT relation, operation, cle, login, appelant, reservataire_id, epci, avant, apres, donnees_personnelles
			  FROM flux.audit WHERE quoi = 'c' AND relation = 'essai_audit'
			UNION ALL
			SELECT relation, operation, cle, login, appelant, reservataire_id, epci, avant, apres, donnees_personnelles
			  FROM audit_sql WHERE quoi = 's') x
$$;
CREATE FUNCTION pg_temp.memes(message text) RETURNS text LANGUAGE sql AS $$
	SELECT results_eq('SELECT r FROM pg_temp.ecrit(''c'') ORDER BY 1', 'SELECT r FROM pg_temp.ecrit(''s'') ORDER BY 1', message)
$$;

INSERT INTO essai_audit VALUES
	(1, 'x', '2024-03-04', 1.50, '{"k": null, "l": [1, null]}', '074912345678', NULL, now(),
	 true, -3, 9007199254740993, '2025-03-04 10:11:12.5+01', '2025-03-04 10:11:12', 'nom', 'vc', 'ab',
	 'acceptee', 7, '{1,NULL,3}', '12,5 %', 'null'),
	(2, 'y,z', NULL, NULL, NULL, NULL, 'secret', now(),
	 false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{"a": {"b": null}}'),
	(3, '', '2025-01-01', 'NaN', '"s"', NULL, NULL, NULL,
	 NULL, 32767, -1, 'infinity', '-infinity', NULL, '', 'abcd', 'proposee', 0, '{}', '0%', '[null, {"c": null}]'),
	(4, 'w', '2025-01-02', '-Infinity', NULL, NULL, NULL, NULL,
	 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT pg_temp.memes('INSERT: the same rows (NULLs stripped, nested ones too, personal columns named, commas in a key; booleans, integers, numerics and their NaN and infinities, timestamps and their infinities, names, strings, enums, a domain, arrays, flux.taux, a JSON null)');
SELECT is((SELECT count(*) FROM flux.audit WHERE relation = 'essai_audit'), 4::bigint, 'INSERT: one row a row');

UPDATE essai_audit SET n = 1.500 WHERE a = 1;				-- equal as jsonb: nothing changed
UPDATE essai_audit SET j = 'null' WHERE a = 2;				-- SQL NULL to JSON null: the same in the row's jsonb
UPDATE essai_audit SET modifie_le = now() + interval '1 day';	-- modifie_le alone: nothing
SELECT pg_temp.memes('UPDATE: a numeric of another scale, SQL NULL to JSON null and modifie_le alone record nothing');
SELECT is((SELECT count(*) FROM flux.audit WHERE relation = 'essai_audit'), 4::bigint, 'UPDATE: nothing recorded for them');

UPDATE essai_audit SET c = c + 1, j = '{"k": 1}', nud = 'autre', v = NOT v, g = g + 1, e = 'refusee', bc = 'x', tx = '13%' WHERE a IN (1, 3);
UPDATE essai_audit SET perso2 = NULL WHERE a = 2;			-- a personal column alone
SELECT pg_temp.memes('UPDATE: the changed columns, before and after, the personal ones named only');

UPDATE essai_audit SET a = a + 10 WHERE a = 2;				-- the key changed: two rows
SELECT pg_temp.memes('UPDATE of a key: its old key (avant) and its new one (apres)');
SELECT is((SELECT array_agg(cle || ':' || (avant IS NOT NULL) || (apres IS NOT NULL) ORDER BY cle) FROM flux.audit
			WHERE relation = 'essai_audit' AND operation = 'UPDATE' AND (avant ? 'a' OR apres ? 'a')),
		  '{"12,y,z:falsetrue","2,y,z:truefalse"}', 'UPDATE of a key: two rows, the old key before, the new one after');

DELETE FROM essai_audit WHERE a IN (3, 4);
TRUNCATE essai_audit;
SELECT pg_temp.memes('DELETE and TRUNCATE: the same rows');

-- a trigger declared wrong is refused at its first write, naming the table
CREATE TABLE essai_faux (id integer, x text);
CREATE TRIGGER f AFTER INSERT ON essai_faux REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'nud');
SELECT throws_ok('INSERT INTO essai_faux VALUES (1, ''a'')', '42703',
				 'flux.auditer on essai_faux: personal column "nud" does not exist',
				 'a personal column the table does not have: 42703');
DROP TRIGGER f ON essai_faux;
CREATE TRIGGER f AFTER INSERT ON essai_faux REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer();
SELECT throws_ok('INSERT INTO essai_faux VALUES (1, ''a'')', '39P01',
				 'flux.auditer on essai_faux needs the key''s columns as its first argument',
				 'no key columns: 39P01');
DROP TRIGGER f ON essai_faux;
CREATE TRIGGER f AFTER INSERT ON essai_faux FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
SELECT throws_ok('INSERT INTO essai_faux VALUES (1, ''a'')', '39P01',
				 'flux.auditer on essai_faux for INSERT needs its transition tables',
				 'no transition table: 39P01');
DROP TRIGGER f ON essai_faux;
CREATE TRIGGER f BEFORE INSERT ON essai_faux FOR EACH ROW EXECUTE FUNCTION flux.auditer('id');
SELECT throws_ok('INSERT INTO essai_faux VALUES (1, ''a'')', '39P01',
				 'flux.auditer on essai_faux must fire AFTER, FOR EACH STATEMENT',
				 'a row trigger: 39P01');

SELECT * FROM finish();
ROLLBACK;
