--
-- src/audit.sql: the audit: who changed what, when, as which partner, in
--   the tables where the bailleur's staff and the partners act; append-only
--   (docs/security.md, "Audit")
--
-- C: none
-- Builds on: partenaires.sql (flux.appelant, flux.reservataire_courant,
--   flux.epci_courant), the tables it audits (modele.sql, workflow.sql)
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

/*
 * One row per row written (INSERT, UPDATE, DELETE) and per TRUNCATE, in
 *   flux.orientation, flux.candidature  the workflow: staff and partners
 *   flux.vacance                        the units offered
 *   flux.convention, flux.parametre_annuel  what the shares are computed from
 *   flux.partenaire                     who may act for whom
 *   flux.pseudonymisation               the runs of the retention function
 * Not audited: the RPLS stock and the reference tables (flux.logement,
 * flux.commune, the RPLS codes: bulk loads of hundreds of thousands of
 * rows, traced by flux.rpls_ligne and flux.rpls_rejet), the bailleurs and réservataires
 * (created once by the DBA), the derived tables (the engine's counters,
 * flux.orientation_historique: written by the triggers from rows audited
 * here).
 *
 * Who: login is session_user (the role that logged in), appelant the role
 * the statement acts for (flux.appelant: the role of SET ROLE, else the
 * login), and the réservataire or EPCI that role is mapped to in
 * flux.partenaire at the time of the write.  PostgreSQL's own state, never a
 * setting a session could choose.
 *
 * What: the changed columns, their values before (avant) and after (apres)
 * as jsonb; for an INSERT every non-null column, for a DELETE the row.  The
 * columns that hold personal data (the NUD, the priority criterion, the
 * household's size, resources and allowance, the free texts about it) are
 * named in donnees_personnelles when written, their values never recorded:
 * the audit must outlive the pseudonymisation of closed files
 * (src/donnees_personnelles.sql) without keeping what it removes.  The
 * candidate is known by its id.  A change of modifie_le alone (the workflow
 * touching an orientation to order concurrent steps) is not recorded.
 *
 * Linear: one INSERT ... SELECT per statement over the transition tables,
 * no query per row (docs/performance.md, "The audit").  Each row is turned
 * into jsonb once (OFFSET 0 keeps the planner from inlining to_jsonb into
 * every use of it: 14 times slower); the old and new rows are matched in a
 * hash (work_mem raised for the trigger only), and JIT, whose compilation
 * cost more than the query, is off.
 */
CREATE TABLE flux.audit (
	id				bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	quand			timestamptz NOT NULL,
	transaction_id	xid8 NOT NULL,
	relation		text NOT NULL,
	operation		text NOT NULL CONSTRAINT audit_operation CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
	cle				text,
	login			name NOT NULL,
	appelant		name NOT NULL,
	reservataire_id	bigint,
	epci			text,
	avant			jsonb,
	apres			jsonb,
	donnees_personnelles text[]
);

CREATE INDEX audit_relation_cle ON flux.audit (relation, cle);

COMMENT ON TABLE flux.audit IS
	'The audit: every row written in the workflow, the conventions, the yearly parameters and the mapping of logins, with who, when and as which partner; append-only, without personal data in clear';

COMMENT ON COLUMN flux.audit.id IS 'Order of the writes';

COMMENT ON COLUMN flux.audit.quand IS 'When the statement wrote the row (clock time at the end of the statement, one value per statement)';

COMMENT ON COLUMN flux.audit.transaction_id IS 'The writing transaction (pg_current_xact_id): the rows of one transaction stand or fall together';

COMMENT ON COLUMN flux.audit.relation IS 'The table written (orientation, candidature, vacance, convention, parametre_annuel, partenaire, pseudonymisation)';

COMMENT ON COLUMN flux.audit.operation IS 'INSERT, UPDATE, DELETE or TRUNCATE';

COMMENT ON COLUMN flux.audit.cle IS 'The row''s primary key (its columns'' values joined by commas; NULL for a TRUNCATE)';

COMMENT ON COLUMN flux.audit.login IS 'The role that logged in (session_user)';

COMMENT ON COLUMN flux.audit.appelant IS 'The role the statement acted for (flux.appelant(): the role of SET ROLE, else the login), also inside flux''s SECURITY DEFINER functions';

COMMENT ON COLUMN flux.audit.reservataire_id IS 'The réservataire that role acted for (flux.partenaire at the time of the write), NULL for the bailleur''s staff';

COMMENT ON COLUMN flux.audit.epci IS 'The EPCI that role acted for (flux.partenaire at the time of the write)';

COMMENT ON COLUMN flux.audit.avant IS 'The changed columns before (UPDATE), the row (DELETE); personal data left out';

COMMENT ON COLUMN flux.audit.apres IS 'The changed columns after (UPDATE), the non-null columns (INSERT); personal data left out';

COMMENT ON COLUMN flux.audit.donnees_personnelles IS 'The columns of personal data written, whose values are not recorded (the candidate is known by its id)';

REVOKE ALL ON flux.audit FROM PUBLIC;

GRANT SELECT ON flux.audit TO flux_admin, flux_gestionnaire;

SELECT pg_catalog.pg_extension_config_dump('flux.audit', '');

SELECT pg_catalog.pg_extension_config_dump('flux.audit_id_seq', '');


/*
 * What an UPDATE changed in a row, from its old and new rows as jsonb: the
 * changed columns' old and new values, and the personal columns changed
 * (named only).  C since 0.12.0 (src/audit.c, which says the rule): the
 * same comparison in SQL, key by key, was most of the audit's cost on a
 * bulk UPDATE.
 */
CREATE FUNCTION flux.audit_ecart(ancien jsonb, nouveau jsonb, perso text[], ignorer text[],
								 OUT avant jsonb, OUT apres jsonb, OUT personnelles text[])
	AS 'MODULE_PATHNAME', 'flux_audit_ecart'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
REVOKE EXECUTE ON FUNCTION flux.audit_ecart(jsonb, jsonb, text[], text[]) FROM PUBLIC;

COMMENT ON FUNCTION flux.audit_ecart(jsonb, jsonb, text[], text[]) IS
	'For flux.auditer: the columns an UPDATE changed in a row (old values, new values, personal columns named only), keys of ignorer left out';

/*
 * The trigger of every audited table, each statement, over its transition
 * tables.  Arguments: the primary key's columns, comma-separated, then the
 * columns of personal data.  SECURITY DEFINER: it writes flux.audit, which
 * no role may write; who acted is read from PostgreSQL's session state
 * (session_user, flux.appelant), which a SECURITY DEFINER function does not
 * change.
 */
CREATE FUNCTION flux.auditer() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
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
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, login, appelant, reservataire_id, epci)
		VALUES (v_quand, v_xact, TG_TABLE_NAME, TG_OP, SESSION_USER, v_appelant, v_reservataire, v_epci);
	ELSIF TG_OP = 'INSERT' THEN
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
								apres, donnees_personnelles)
		SELECT v_quand, v_xact, TG_TABLE_NAME, TG_OP,
			   array_to_string(ARRAY(SELECT n.j ->> c FROM unnest(v_cles) WITH ORDINALITY u(c, i) ORDER BY u.i), ','),
			   SESSION_USER, v_appelant, v_reservataire, v_epci,
			   jsonb_strip_nulls(n.j - v_perso),
			   nullif(ARRAY(SELECT c FROM unnest(v_perso) c WHERE n.j ->> c IS NOT NULL), '{}')
		  FROM (SELECT to_jsonb(t) AS j FROM nouvelles t OFFSET 0) n;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
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
		INSERT INTO flux.audit (quand, transaction_id, relation, operation, cle, login, appelant, reservataire_id, epci,
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
REVOKE EXECUTE ON FUNCTION flux.auditer() FROM PUBLIC;

COMMENT ON FUNCTION flux.auditer() IS
	'Trigger (each statement, over the transition tables): records every row written in flux.audit with who (login, appelant, partner), when and what (changed columns; personal data named, not recorded); the only writer of flux.audit';

/*
 * The triggers: one per event (a trigger with transition tables has one
 * event), named audit_* so that they are told apart from the workflow's.
 */
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.orientation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.orientation REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.orientation
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.candidature REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'nud', 'critere_priorite', 'personnes', 'ressources',
													 'aide_logement', 'motif_caleol', 'motif_refus', 'justificatif_refus');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.candidature REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'nud', 'critere_priorite', 'personnes', 'ressources',
													 'aide_logement', 'motif_caleol', 'motif_refus', 'justificatif_refus');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.candidature REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'nud', 'critere_priorite', 'personnes', 'ressources',
													 'aide_logement', 'motif_caleol', 'motif_refus', 'justificatif_refus');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.candidature
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.vacance REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.vacance REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.vacance REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.vacance
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.convention REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.convention REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.convention REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.convention
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.parametre_annuel REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.parametre_annuel REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.parametre_annuel REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.parametre_annuel
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.partenaire REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('login');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.partenaire REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('login');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.partenaire REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('login');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.partenaire
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('login');

/*
 * Append-only, for every role, the table's owner included: UPDATE, DELETE
 * and TRUNCATE are refused by these triggers (no role but the owner has
 * any privilege to write it anyway).  A superuser can still disable a
 * trigger: docs/security.md says what the audit does not protect from.
 */
CREATE FUNCTION flux.audit_immuable() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = 'The audit records who changed what; no one rewrites or removes it, the table''s owner included.',
			  HINT = 'Read it; the retention of personal data needs no change to it (it holds none in clear).';
END
$$;
REVOKE EXECUTE ON FUNCTION flux.audit_immuable() FROM PUBLIC;

COMMENT ON FUNCTION flux.audit_immuable() IS
	'Trigger: refuses UPDATE, DELETE and TRUNCATE of the audit, whoever asks';

CREATE TRIGGER audit_immuable
	BEFORE UPDATE OR DELETE ON flux.audit
	FOR EACH ROW EXECUTE FUNCTION flux.audit_immuable();

CREATE TRIGGER audit_immuable_troncature
	BEFORE TRUNCATE ON flux.audit
	FOR EACH STATEMENT EXECUTE FUNCTION flux.audit_immuable();
