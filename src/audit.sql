--
-- src/audit.sql: the audit: who changed what, when, as which partner, in
--   the tables where the bailleur's staff and the partners act; append-only
--   (docs/security.md, "Audit")
--
-- C: src/audit.c (flux.auditer, flux.audit_ecart)
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
 * Linear: the trigger is C (src/audit.c, which says the rule row by row):
 * it reads the transition tables once, builds each row's jsonb column by
 * column, pairs the old and new rows of an UPDATE in the order PostgreSQL
 * keeps them (comparing only the columns that are not binary-equal), and writes every row of the statement with one INSERT ... SELECT
 * over a tuplestore, planned once per session (docs/performance.md, "The
 * audit").  PL/pgSQL until 0.12.0: 25 us a row on the deadline sweep, 140
 * us for a single-row UPDATE.
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

-- a row's trail, WHERE relation = ... AND cle = ...: the key is only ever
-- looked up by equality, so a hash index on it (a btree over (relation,
-- cle) cost 20 000 instructions a row written, most of the audit of the
-- deadline sweep; bench/workflow/instructions.sh, 0.14.0)
CREATE INDEX audit_cle ON flux.audit USING hash (cle);

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
 * columns of personal data (each must be a column of the table: 42703).
 * SECURITY DEFINER: it writes flux.audit, which no role may write; who
 * acted is read from PostgreSQL's session state (session_user, the role
 * of SET ROLE, as flux.appelant), which a SECURITY DEFINER function does
 * not change.
 */
CREATE FUNCTION flux.auditer() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_auditer'
	LANGUAGE C SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp;
REVOKE EXECUTE ON FUNCTION flux.auditer() FROM PUBLIC;

COMMENT ON FUNCTION flux.auditer() IS
	'Trigger (each statement, over the transition tables): records every row written in flux.audit with who (login, appelant, partner), when and what (changed columns; personal data named, not recorded); the only writer of flux.audit';

/*
 * The triggers: one per event (a trigger with transition tables has one
 * event), named audit_* so that they are told apart from the workflow's.
 */
CREATE TRIGGER audit_insertion AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.orientation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.orientation REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id', 'motif');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.orientation
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.candidature REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.candidature'))
	EXECUTE FUNCTION flux.auditer('id', 'nud', 'critere_priorite', 'personnes', 'ressources',
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
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.vacance'))
	EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.vacance REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.vacance REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.vacance
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.convention REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.convention'))
	EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.convention REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.convention REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.convention
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.parametre_annuel REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.parametre_annuel'))
	EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.parametre_annuel REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.parametre_annuel REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.parametre_annuel
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('bailleur_id,departement,annee');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.partenaire REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.partenaire'))
	EXECUTE FUNCTION flux.auditer('login');
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
