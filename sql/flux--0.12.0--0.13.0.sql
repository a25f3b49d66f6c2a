--
-- flux 0.12.0 -> 0.13.0: the workflow's small statements and the sweep
-- near their bare writes, benchmarks at the Ile-de-France size in time
-- (issue 17, continued)
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.13.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of who is calling: the partner of the caller)
-- ---------------------------------------------------------------------------

-- flux.reservataire_courant and flux.epci_courant are PL/pgSQL: as SQL
-- functions with SET options they were never inlined and parsed and planned
-- their query again at each statement (about 60 us each, twice a write
-- through the audit, once a statement through every partner policy); PL/pgSQL
-- keeps the plan for the session (src/partenaires.sql)
CREATE OR REPLACE FUNCTION flux.reservataire_courant()
	RETURNS bigint
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RETURN (SELECT p.reservataire_id FROM flux.partenaire p WHERE p.login = flux.appelant());
END
$$;

CREATE OR REPLACE FUNCTION flux.epci_courant()
	RETURNS text
	LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
	SET search_path = pg_catalog, flux, pg_temp
AS $$
BEGIN
	RETURN (SELECT p.epci FROM flux.partenaire p WHERE p.login = flux.appelant());
END
$$;

-- ---------------------------------------------------------------------------
-- (section of the audit)
-- ---------------------------------------------------------------------------

-- flux.auditer is C (src/audit.c): the same rows, with the key and personal
-- columns it is given checked against the table (42703); the PL/pgSQL
-- trigger's SET work_mem and jit go with it (src/audit.sql)
CREATE OR REPLACE FUNCTION flux.auditer() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_auditer'
	LANGUAGE C SECURITY DEFINER
	SET search_path = pg_catalog, flux, pg_temp;
