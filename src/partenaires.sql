--
-- src/partenaires.sql: the partners in the database: the roles flux
--   creates, the mapping from a login to the réservataire or the EPCI it
--   acts for, and who is calling (docs/security.md, "Partners")
--
-- C: none
-- Builds on: the model (flux.reservataire)
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The roles
--------------------------------------------------------------------------

/*
 * Five group roles, NOLOGIN, created once per cluster (a role is not a
 * database object: a second database with flux finds them, DROP EXTENSION
 * leaves them; docs/dba-guide.md says how to drop them).  A login is made
 * a member of one of them, and for a partner, mapped in flux.partenaire:
 *   flux_admin         conventions, yearly parameters, RPLS loading, the
 *                      mapping of logins (flux.partenaire)
 *   flux_gestionnaire  the bailleur's staff: the whole workflow
 *   flux_reservataire  a réservataire's logins: its own rows, acting
 *                      through flux's functions only
 *   flux_epci          an EPCI's logins: the aggregates of its territory
 *   flux_lecteur       BI tools: the aggregate views, no personal data
 * A role that exists already (a second database, or a DBA's own) is kept
 * as it is, provided it cannot log in: a group role of flux that could
 * would give its rights to whoever knows its password.
 */
DO $roles$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['flux_admin', 'flux_gestionnaire', 'flux_reservataire', 'flux_epci', 'flux_lecteur'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		ELSIF (SELECT rolcanlogin OR rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
			RAISE EXCEPTION 'role "%" exists and can log in, is a superuser or bypasses row-level security', r
				USING ERRCODE = '42710',
					  DETAIL = 'flux''s group roles must be NOLOGIN, NOSUPERUSER and NOBYPASSRLS: their members get their rights.',
					  HINT = pg_catalog.format('Rename or alter the existing role (ALTER ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS), then run CREATE EXTENSION flux again.', r);
		END IF;
	END LOOP;
END
$roles$;

--------------------------------------------------------------------------
-- The mapping of logins
--------------------------------------------------------------------------

CREATE TABLE flux.partenaire (
	login			name PRIMARY KEY,
	reservataire_id	bigint REFERENCES flux.reservataire ON DELETE CASCADE,
	epci			text CONSTRAINT partenaire_epci_format CHECK (epci ~ '^[0-9]{9}$'),
	-- one login acts for one partner, a réservataire or an EPCI
	CONSTRAINT partenaire_un_seul CHECK ((reservataire_id IS NULL) <> (epci IS NULL)),
	depuis			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	accorde_par		name NOT NULL DEFAULT CURRENT_USER
);

CREATE INDEX partenaire_reservataire ON flux.partenaire (reservataire_id);

COMMENT ON TABLE flux.partenaire IS
	'Which réservataire or EPCI each login acts for: the mapping the row-level security of flux reads through current_user; managed by flux_admin';

COMMENT ON COLUMN flux.partenaire.login IS 'The login (a role that can log in, member of flux_reservataire or flux_epci)';

COMMENT ON COLUMN flux.partenaire.reservataire_id IS 'For a member of flux_reservataire: the réservataire it acts for';

COMMENT ON COLUMN flux.partenaire.epci IS 'For a member of flux_epci: the SIREN of its EPCI (its territory: the communes of flux.commune with this epci)';

COMMENT ON COLUMN flux.partenaire.depuis IS 'When the mapping was recorded';

COMMENT ON COLUMN flux.partenaire.accorde_par IS 'Who recorded it';

SELECT pg_catalog.pg_extension_config_dump('flux.partenaire', '');

/*
 * A mapping names a role that exists, is a member of the group role of its
 * kind, and is not a superuser (who would see every row anyway: mapping
 * one would only mislead).
 */
CREATE FUNCTION flux.partenaire_verifier() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux, pg_temp
AS $$
DECLARE
	groupe name := CASE WHEN NEW.reservataire_id IS NOT NULL THEN 'flux_reservataire' ELSE 'flux_epci' END;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = NEW.login) THEN
		RAISE EXCEPTION 'role "%" does not exist', NEW.login
			USING ERRCODE = 'undefined_object',
				  HINT = format('Create the login first: CREATE ROLE %I LOGIN IN ROLE %I;', NEW.login, groupe);
	END IF;
	IF (SELECT rolsuper OR rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = NEW.login) THEN
		RAISE EXCEPTION 'role "%" is a superuser or bypasses row-level security', NEW.login
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Such a role sees every row: mapping it to one partner would not restrict it.',
				  HINT = 'Map a login made for the partner, NOSUPERUSER NOBYPASSRLS.';
	END IF;
	IF NOT pg_catalog.pg_has_role(NEW.login, groupe, 'MEMBER') THEN
		RAISE EXCEPTION 'role "%" is not a member of %', NEW.login, groupe
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = CASE WHEN NEW.reservataire_id IS NOT NULL
								THEN format('A login acting for réservataire %s must be a member of flux_reservataire.', NEW.reservataire_id)
								ELSE format('A login acting for EPCI %s must be a member of flux_epci.', NEW.epci) END,
				  HINT = format('GRANT %I TO %I;', groupe, NEW.login);
	END IF;
	IF NEW.epci IS NOT NULL AND NOT EXISTS (SELECT FROM flux.commune c WHERE c.epci = NEW.epci) THEN
		RAISE EXCEPTION 'EPCI % has no commune in flux.commune', NEW.epci
			USING ERRCODE = 'foreign_key_violation',
				  HINT = 'An EPCI is known by its SIREN, as in flux.commune.epci; load the communes first (flux.charger_communes_cog).';
	END IF;
	RETURN NEW;
END
$$;

REVOKE EXECUTE ON FUNCTION flux.partenaire_verifier() FROM PUBLIC;

COMMENT ON FUNCTION flux.partenaire_verifier() IS
	'Trigger of flux.partenaire: the login exists, is a member of flux_reservataire or flux_epci as its mapping says, and is neither a superuser nor BYPASSRLS';

CREATE TRIGGER partenaire_verifier BEFORE INSERT OR UPDATE ON flux.partenaire
	FOR EACH ROW
	WHEN (NOT flux.restauration('flux.partenaire'))
	EXECUTE FUNCTION flux.partenaire_verifier();

--------------------------------------------------------------------------
-- Who is calling
--------------------------------------------------------------------------

/*
 * flux.appelant: the role on whose behalf the current statement runs.
 * Outside a SECURITY DEFINER function it is current_user.  Inside one,
 * current_user is the function's owner; the caller is then the role the
 * session set (SET ROLE, which a role can set only to a role it is a
 * member of) or else the session's user.  PostgreSQL's own state, never a
 * custom variable a caller could set: the partner functions of flux
 * (SECURITY DEFINER) act for flux.appelant(), the row-level security of
 * the tables reads current_user, and the two agree.
 */
CREATE FUNCTION flux.appelant()
	RETURNS name
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN SESSION_USER
				ELSE pg_catalog.current_setting('role')::name END;

COMMENT ON FUNCTION flux.appelant() IS
	'The role the current statement acts for: current_user outside a SECURITY DEFINER function, and inside one the role of SET ROLE or else session_user';

/*
 * The réservataire and the EPCI the caller acts for (NULL: none; the
 * bailleur's staff is mapped to nothing).  SECURITY DEFINER so that they
 * read the mapping whatever the caller may read; STABLE, so a policy that
 * calls them as (SELECT flux.reservataire_courant()) reads them once per
 * statement.  PL/pgSQL, not SQL: a SQL function with SET options is never
 * inlined and parses and plans its query again at each statement (about
 * 60 us); PL/pgSQL keeps the plan for the session (0.13.0).
 */
CREATE FUNCTION flux.reservataire_courant()
	RETURNS bigint
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RETURN (SELECT p.reservataire_id FROM flux.partenaire p WHERE p.login = flux.appelant());
END
$$;

COMMENT ON FUNCTION flux.reservataire_courant() IS
	'The réservataire the calling login acts for (flux.partenaire), or NULL';

CREATE FUNCTION flux.epci_courant()
	RETURNS text
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RETURN (SELECT p.epci FROM flux.partenaire p WHERE p.login = flux.appelant());
END
$$;

COMMENT ON FUNCTION flux.epci_courant() IS
	'The EPCI (SIREN) the calling login acts for (flux.partenaire), or NULL';
