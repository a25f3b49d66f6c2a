--
-- src/donnees_personnelles.sql: the households' personal data: the
--   pseudonymisation of closed files after a retention delay, keeping every
--   bilan exact (docs/security.md, "Personal data")
--
-- C: none
-- Builds on: workflow.sql (candidates, orientations, their history),
--   audit.sql (each run is audited), the bilans (bilan.sql, exports.sql),
--   which it must leave as they were
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

/*
 * What is personal, and what the pseudonymisation does with it
 * (flux.candidature; docs/security.md, "Personal data"):
 *   nud                  replaced by flux.pseudonyme(id): the household
 *                        can no longer be found in the SNE
 *   critere_priorite,    replaced by 'pseudonymisé' when set (the checks
 *   motif_caleol,        that a priority or a refusal is motivated still
 *   motif_refus,         hold; what the text said is gone)
 *   justificatif_refus
 *   personnes,           emptied (NULL): no bilan reads them; what the
 *   ressources,          workflow computed from them (taux_effort,
 *   aide_logement        typologie_adaptee, offre_adaptee) stays
 * Kept, because the bilans count them: dalo, prioritaire, quartile,
 * mutation, designe_par, the CALEOL's decision, the answer, every date.
 * They say nothing of who the household was once the NUD is gone.  The
 * free texts of the orientation and of its history (orientation.motif,
 * orientation_historique.motif) lose any NUD of the file's candidates, and
 * the history's copies of the CALEOL's and the household's reasons become
 * 'pseudonymisé' too.  flux.audit needs nothing: it never held these values.
 */

-- the pseudonym of a candidate: its id, which says nothing outside the
-- bailleur's database; the same form as a NUD (flux.candidature's check)
CREATE FUNCTION flux.pseudonyme(candidature_id bigint) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN 'PSEUDO' OPERATOR(pg_catalog.||)
		CASE WHEN candidature_id OPERATOR(pg_catalog.<) 1000000000000
			 THEN pg_catalog.lpad(candidature_id::text, 12, '0') ELSE candidature_id::text END;

REVOKE EXECUTE ON FUNCTION flux.pseudonyme(bigint) FROM PUBLIC;

COMMENT ON FUNCTION flux.pseudonyme(bigint) IS
	'The pseudonym that replaces the NUD of a candidate of a closed file: PSEUDO and its id on 12 digits (not reversible: derived from the id only)';

-- every run of flux.pseudonymiser: audited like the workflow
CREATE TABLE flux.pseudonymisation (
	id				bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	fait_le			timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	par				name NOT NULL,
	a_la_date		date NOT NULL,
	delai			interval NOT NULL,
	fermes_avant	date NOT NULL,
	candidatures	bigint NOT NULL
);

COMMENT ON TABLE flux.pseudonymisation IS
	'Every run of flux.pseudonymiser: when, by whom, the files closed before which date, how many candidates it pseudonymised (written by flux.pseudonymiser only, audited)';

COMMENT ON COLUMN flux.pseudonymisation.id IS 'Order of the runs';

COMMENT ON COLUMN flux.pseudonymisation.fait_le IS 'When it ran';

COMMENT ON COLUMN flux.pseudonymisation.par IS 'The role it ran for (flux.appelant())';

COMMENT ON COLUMN flux.pseudonymisation.a_la_date IS 'Its a_la_date';

COMMENT ON COLUMN flux.pseudonymisation.delai IS 'Its retention delay';

COMMENT ON COLUMN flux.pseudonymisation.fermes_avant IS 'Files closed before this date (a_la_date - delai) were pseudonymised';

COMMENT ON COLUMN flux.pseudonymisation.candidatures IS 'Candidates pseudonymised by this run (already pseudonymised ones are not counted again)';

REVOKE ALL ON flux.pseudonymisation FROM PUBLIC;

GRANT SELECT ON flux.pseudonymisation TO flux_admin, flux_gestionnaire;

SELECT pg_catalog.pg_extension_config_dump('flux.pseudonymisation', '');

SELECT pg_catalog.pg_extension_config_dump('flux.pseudonymisation_id_seq', '');

CREATE TRIGGER audit_insertion AFTER INSERT ON flux.pseudonymisation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.pseudonymisation'))
	EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_modification AFTER UPDATE ON flux.pseudonymisation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_suppression AFTER DELETE ON flux.pseudonymisation REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');
CREATE TRIGGER audit_troncature AFTER TRUNCATE ON flux.pseudonymisation
	FOR EACH STATEMENT EXECUTE FUNCTION flux.auditer('id');

/*
 * flux.pseudonymiser: pseudonymises the candidates of every file closed
 * for more than delai at a_la_date.  A closed file: an orientation in a
 * final state (bail_signe, refusee, restituee, expiree, annulee: the
 * states flux.etats_suivants leaves nowhere), closed on the day its
 * history records it entering that state (else, loaded without its
 * history, on its last change, modifie_le).  The delay is the bailleur's
 * to set (none of flux's texts gives one): 5 years by default.
 *
 * The workflow's triggers refuse to change a NUD and the history's to
 * rewrite it.  The bypass: this function runs with session_replication_role
 * = replica (SET clause of a SECURITY DEFINER function owned by the
 * extension's owner, a superuser: a setting only a superuser may set, not a
 * custom variable), in which the ordinary triggers do not fire; it changes
 * only the columns above.  Then, back to origin, it records the run in
 * flux.pseudonymisation, which the audit triggers record.  Idempotent: a
 * candidate already pseudonymised is left alone (a second run returns 0).
 */
CREATE FUNCTION flux.pseudonymiser(a_la_date date DEFAULT CURRENT_DATE, delai interval DEFAULT '5 years')
	RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp
	SET session_replication_role = replica
AS $$
DECLARE
	limite date;
	n bigint;
BEGIN
	IF a_la_date IS NULL OR delai IS NULL THEN
		RAISE EXCEPTION 'the pseudonymisation needs a date and a delay, not %', CASE WHEN a_la_date IS NULL THEN 'a NULL date' ELSE 'a NULL delay' END
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Call flux.pseudonymiser() for today and the default delay of 5 years.';
	END IF;
	IF NOT isfinite(a_la_date) OR delai < interval '0' THEN
		RAISE EXCEPTION 'the pseudonymisation needs a finite date and a delay of at least 0, not % and %', a_la_date, delai
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the date of the run and the retention delay, e.g. flux.pseudonymiser(CURRENT_DATE, ''5 years'').';
	END IF;
	limite := (a_la_date - delai)::date;

	WITH fermees AS (
		SELECT o.id
		  FROM flux.orientation o
		 WHERE o.etat IN ('bail_signe', 'refusee', 'restituee', 'expiree', 'annulee')
		   AND coalesce((SELECT max(h.quand) FROM flux.orientation_historique h
						  WHERE h.orientation_id = o.id AND h.vers = o.etat::text), o.modifie_le) < limite
	), cibles AS (
		SELECT k.id, k.orientation_id, k.nud
		  FROM flux.candidature k JOIN fermees f ON f.id = k.orientation_id
		 WHERE k.nud <> flux.pseudonyme(k.id)
	), nuds AS (
		SELECT c.orientation_id, '(' || string_agg(c.nud, '|') || ')' AS motif_nud
		  FROM cibles c GROUP BY c.orientation_id
	), candidatures AS (
		UPDATE flux.candidature k
		   SET nud = flux.pseudonyme(k.id),
			   critere_priorite = CASE WHEN k.critere_priorite IS NOT NULL THEN 'pseudonymisé' END,
			   motif_caleol = CASE WHEN k.motif_caleol IS NOT NULL THEN 'pseudonymisé' END,
			   motif_refus = CASE WHEN k.motif_refus IS NOT NULL THEN 'pseudonymisé' END,
			   justificatif_refus = CASE WHEN k.justificatif_refus IS NOT NULL THEN 'pseudonymisé' END,
			   personnes = NULL, ressources = NULL, aide_logement = NULL
		  FROM cibles c WHERE c.id = k.id
		RETURNING k.id
	), historique AS (
		UPDATE flux.orientation_historique h
		   SET motif = CASE WHEN h.candidature_id IN (SELECT c.id FROM cibles c)
							 AND (h.vers LIKE 'caleol\_%' OR h.vers LIKE 'reponse\_%') THEN 'pseudonymisé'
							ELSE regexp_replace(h.motif, x.motif_nud, 'pseudonymisé', 'g') END
		  FROM nuds x
		 WHERE h.orientation_id = x.orientation_id AND h.motif IS NOT NULL
		   AND ((h.candidature_id IN (SELECT c.id FROM cibles c) AND (h.vers LIKE 'caleol\_%' OR h.vers LIKE 'reponse\_%'))
				OR h.motif ~ x.motif_nud)
		RETURNING h.id
	), orientations AS (
		UPDATE flux.orientation o SET motif = regexp_replace(o.motif, x.motif_nud, 'pseudonymisé', 'g')
		  FROM nuds x WHERE o.id = x.orientation_id AND o.motif ~ x.motif_nud
		RETURNING o.id
	)
	-- (every data-modifying part of a WITH runs to completion, read or not)
	SELECT count(*) INTO n FROM candidatures;

	-- back to the ordinary triggers: the run is recorded, and audited
	PERFORM set_config('session_replication_role', 'origin', true);
	INSERT INTO flux.pseudonymisation (par, a_la_date, delai, fermes_avant, candidatures)
	VALUES (flux.appelant(), a_la_date, delai, limite, n);
	RETURN n;
END
$$;

REVOKE EXECUTE ON FUNCTION flux.pseudonymiser(date, interval) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION flux.pseudonymiser(date, interval) TO flux_admin;

COMMENT ON FUNCTION flux.pseudonymiser(date, interval) IS
	'Retention of personal data: pseudonymises the candidates of the files closed for more than delai (default 5 years) at a_la_date (the NUD replaced by flux.pseudonyme, the free texts and the household''s size and resources removed), keeping every bilan exact; idempotent; returns the candidates pseudonymised; each run recorded in flux.pseudonymisation';
