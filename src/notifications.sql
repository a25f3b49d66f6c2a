--
-- src/notifications.sql: telling a partner's application of what it must
--   act on, through LISTEN/NOTIFY: new orientations, changes of state,
--   deadlines coming due (docs/workflow.md, "Notifications")
--
-- C: src/notifications.c (the trigger of new orientations and changes of state)
-- Builds on: partenaires.sql (who is calling), workflow.sql (the
--   orientations and the view flux.echeances)
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

/*
 * Channels.  One per party that acts on the workflow:
 *   flux_reservataire_<id>  a réservataire (flux.reservataire.id): the
 *                           orientations sent to it, their changes of
 *                           state, its deadlines coming due
 *   flux_bailleur_<id>      a bailleur's staff (flux.bailleur.id): the
 *                           changes of state of its orientations, the
 *                           households' answers coming due
 * An EPCI has no channel: it reads the aggregates of its territory and
 * acts on no orientation.
 *
 * Any role may LISTEN on any channel, so a payload carries ids, states and
 * dates only (JSON, never a NUD, a name or a household's data): the
 * listener reads the details through its own rights.  NOTIFY is
 * transactional: a notification is delivered when the transaction that
 * sent it commits, never if it rolls back; PostgreSQL folds identical
 * payloads on one channel within a transaction, and every payload of flux
 * names its orientation, so none is folded.
 */

--------------------------------------------------------------------------
-- The caller's channel
--------------------------------------------------------------------------

CREATE FUNCTION flux.canal_notifications(bailleur bigint DEFAULT NULL)
	RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	reservataire bigint := flux.reservataire_courant();
	epci text := flux.epci_courant();
BEGIN
	IF reservataire IS NOT NULL THEN
		IF canal_notifications.bailleur IS NOT NULL THEN
			RAISE EXCEPTION 'login "%" acts for réservataire %: its channel takes no bailleur', flux.appelant(), reservataire
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'A réservataire has one channel, whatever the bailleur of its orientations.',
					  HINT = 'Call flux.canal_notifications() without an argument.';
		END IF;
		RETURN 'flux_reservataire_' || reservataire;
	END IF;
	IF epci IS NOT NULL THEN
		RAISE EXCEPTION 'login "%" acts for EPCI %: flux sends no notification to an EPCI', flux.appelant(), epci
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = 'An EPCI reads the aggregates of its territory; it has no orientation to answer and no deadline.',
				  HINT = 'Read the bilans of the territory (flux.rapport_epci_communes and the others) when they are needed.';
	END IF;
	IF canal_notifications.bailleur IS NULL THEN
		RAISE EXCEPTION 'bailleur is NULL'
			USING ERRCODE = 'null_value_not_allowed',
				  DETAIL = pg_catalog.format('Login "%s" is mapped to no partner (flux.partenaire): it is the bailleur''s staff, one channel per bailleur.', flux.appelant()),
				  HINT = 'Pass the bailleur whose channel to listen on: flux.canal_notifications(bailleur).';
	END IF;
	PERFORM flux.verifier_bailleur(canal_notifications.bailleur);
	RETURN 'flux_bailleur_' || canal_notifications.bailleur;
END
$$;

REVOKE EXECUTE ON FUNCTION flux.canal_notifications(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flux.canal_notifications(bigint) TO flux_reservataire, flux_epci, flux_gestionnaire, flux_admin;

COMMENT ON FUNCTION flux.canal_notifications(bigint) IS
	'The channel the caller LISTENs on: flux_reservataire_<id> for a réservataire''s login, flux_bailleur_<bailleur> for the bailleur''s staff (who pass the bailleur); an EPCI has none';

--------------------------------------------------------------------------
-- New orientations and changes of state
--------------------------------------------------------------------------

/*
 * Each statement, one pass over its transition tables in C (linear: the
 * conventions it names read in one query, no query per row;
 * src/notifications.c, docs/performance.md):
 * a new orientation sent to a convention is notified to its réservataire,
 *   {"evenement":"orientation","orientation_id":..,"convention_id":..,"echeance_reponse":"YYYY-MM-DD"}
 * A change of state of an orientation sent to a convention (accepted,
 * refused, candidates designated, attributed by the CALEOL, lease signed,
 * returned, expired, cancelled; by a user or by the sweep) is notified to
 * its réservataire and to its bailleur,
 *   {"evenement":"etat","orientation_id":..,"convention_id":..,"de":"proposee","vers":"acceptee"}
 * in the order of the orientations' ids.  An orientation hors flux concerns
 * no partner and is not notified; nor is one whose convention the caller
 * cannot see.  Until 0.13.0 this was a PL/pgSQL query (about 40 000
 * instructions a row changed by the sweep; bench/workflow/instructions.sh).
 */
CREATE FUNCTION flux.orientation_notifier() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_orientation_notifier'
	LANGUAGE C;

REVOKE EXECUTE ON FUNCTION flux.orientation_notifier() FROM PUBLIC;

COMMENT ON FUNCTION flux.orientation_notifier() IS
	'Trigger (each statement): notifies a new orientation to its réservataire''s channel, a change of state to its réservataire''s and its bailleur''s; payloads of ids, states and dates only';

CREATE TRIGGER orientation_notifier_insertion
	AFTER INSERT ON flux.orientation REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT
	WHEN (NOT flux.restauration('flux.orientation'))
	EXECUTE FUNCTION flux.orientation_notifier();

CREATE TRIGGER orientation_notifier_modification
	AFTER UPDATE ON flux.orientation REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux.orientation_notifier();

--------------------------------------------------------------------------
-- Deadlines coming due
--------------------------------------------------------------------------

-- what flux.notifier_echeances has sent: a deadline is notified once
CREATE TABLE flux.echeance_notifiee (
	orientation_id	bigint NOT NULL,
	candidature_id	bigint,
	echeance_de		text NOT NULL,
	echeance		date NOT NULL,
	canal			text NOT NULL,
	envoyee_le		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT echeance_notifiee_une_fois UNIQUE NULLS NOT DISTINCT (orientation_id, candidature_id, echeance_de, echeance)
);

COMMENT ON TABLE flux.echeance_notifiee IS
	'The deadlines flux.notifier_echeances has notified, so that each is notified once (a deadline moved by an extension is a new one); rows of passed deadlines are removed by the next run';

COMMENT ON COLUMN flux.echeance_notifiee.orientation_id IS 'The orientation';

COMMENT ON COLUMN flux.echeance_notifiee.candidature_id IS 'The candidate, for the household''s answer (NULL: a deadline of the orientation)';

COMMENT ON COLUMN flux.echeance_notifiee.echeance_de IS 'Which deadline (flux.echeances.echeance_de)';

COMMENT ON COLUMN flux.echeance_notifiee.echeance IS 'Its last day';

COMMENT ON COLUMN flux.echeance_notifiee.canal IS 'The channel it was notified on';

COMMENT ON COLUMN flux.echeance_notifiee.envoyee_le IS 'When (the notification left when this transaction committed)';

SELECT pg_catalog.pg_extension_config_dump('flux.echeance_notifiee', '');

GRANT SELECT, INSERT, DELETE ON flux.echeance_notifiee TO flux_admin, flux_gestionnaire;

/*
 * flux.notifier_echeances: notifies every deadline of flux.echeances whose
 * last day falls from a_la_date's day to horizon later (calendar days,
 * both ends included), once, to the channel of the party that must act:
 * the réservataire (its answer, its designation, its notice of
 * impossibility) or the bailleur (a household's answer, which the
 * bailleur collects),
 *   {"evenement":"echeance","orientation_id":..,"candidature_id":..,"convention_id":..,"echeance_de":"reponse_reservataire","echeance":"YYYY-MM-DD"}
 * (candidature_id only for a household's answer, convention_id only for
 * an orientation sent to a convention).  Returns what it sent.  Each
 * deadline sent is recorded in flux.echeance_notifiee in the same
 * transaction as its notification: a run that rolls back sends nothing
 * and records nothing; a second run, or two at once (the unique key,
 * ON CONFLICT DO NOTHING), sends nothing again.  Meant to be scheduled,
 * e.g. with pg_cron every working morning.
 */
CREATE FUNCTION flux.notifier_echeances(horizon interval DEFAULT '2 days', a_la_date timestamptz DEFAULT pg_catalog.now())
	RETURNS TABLE (canal text, charge_utile text)
	LANGUAGE plpgsql VOLATILE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	r record;
BEGIN
	IF horizon IS NULL OR a_la_date IS NULL THEN
		RAISE EXCEPTION '% is NULL', CASE WHEN horizon IS NULL THEN 'horizon' ELSE 'a_la_date' END
			USING ERRCODE = 'null_value_not_allowed',
				  HINT = 'Call flux.notifier_echeances() for the next two days from now, or pass an interval and a timestamp.';
	END IF;
	IF NOT pg_catalog.isfinite(a_la_date) THEN
		RAISE EXCEPTION 'a_la_date must be finite, not %', a_la_date
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the moment of the run, e.g. now().';
	END IF;
	IF horizon < interval '0' OR horizon > interval '1 year' THEN
		RAISE EXCEPTION 'horizon % is out of range', horizon
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'The deadlines notified are those from today to today plus the horizon, from 0 to 1 year.',
				  HINT = 'Pass an interval such as ''2 days''.';
	END IF;

	-- a deadline passed is in no later window: forget it
	DELETE FROM flux.echeance_notifiee n WHERE n.echeance < a_la_date::date;

	FOR r IN
		WITH dues AS (
			SELECT e.orientation_id, e.candidature_id, e.echeance_de, e.echeance,
				   CASE e.a_la_charge_de WHEN 'reservataire' THEN 'flux_reservataire_' || e.reservataire_id
										 ELSE 'flux_bailleur_' || l.bailleur_id END AS canal,
				   pg_catalog.json_strip_nulls(pg_catalog.json_build_object(
					   'evenement', 'echeance', 'orientation_id', e.orientation_id,
					   'candidature_id', e.candidature_id, 'convention_id', e.convention_id,
					   'echeance_de', e.echeance_de, 'echeance', e.echeance))::text AS charge_utile
			  FROM flux.echeances e
			  JOIN flux.logement l ON l.id = e.logement_id
			 WHERE e.echeance BETWEEN a_la_date::date AND (a_la_date + horizon)::date
		), envoyees AS (
			INSERT INTO flux.echeance_notifiee AS n (orientation_id, candidature_id, echeance_de, echeance, canal)
			SELECT d.orientation_id, d.candidature_id, d.echeance_de, d.echeance, d.canal
			  FROM dues d
			 WHERE d.canal IS NOT NULL
			ON CONFLICT ON CONSTRAINT echeance_notifiee_une_fois DO NOTHING
			RETURNING n.orientation_id, n.candidature_id, n.echeance_de, n.echeance
		)
		SELECT d.canal, d.charge_utile
		  FROM envoyees s
		  JOIN dues d ON d.orientation_id = s.orientation_id AND d.echeance_de = s.echeance_de
					 AND d.echeance = s.echeance AND d.candidature_id IS NOT DISTINCT FROM s.candidature_id
		 ORDER BY d.echeance, d.canal, d.orientation_id, d.candidature_id
	LOOP
		PERFORM pg_catalog.pg_notify(r.canal, r.charge_utile);
		canal := r.canal;
		charge_utile := r.charge_utile;
		RETURN NEXT;
	END LOOP;
END
$$;

REVOKE EXECUTE ON FUNCTION flux.notifier_echeances(interval, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION flux.notifier_echeances(interval, timestamptz) TO flux_admin, flux_gestionnaire;

COMMENT ON FUNCTION flux.notifier_echeances(interval, timestamptz) IS
	'Notifies once each deadline of flux.echeances due from a_la_date''s day to horizon later, to the channel of the party that must act (the réservataire, or the bailleur for a household''s answer); returns the channels and payloads sent; meant to be scheduled (pg_cron)';
