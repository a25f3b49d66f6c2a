--
-- flux 0.14.0 -> 0.15.0: towards 1.0 (issue 18): the versions a DBA can
-- check, a restore that works, the packages
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.15.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the extension itself: src/flux.sql)
-- ---------------------------------------------------------------------------

COMMENT ON SCHEMA flux IS
	'flux: gestion en flux of French social-housing reservations (loi ELAN). Assiette, shares and apportionment, orientation of vacancies, the workflow''s business-day deadlines, regulatory bilans and reports, row-level security per partner. Created by CREATE EXTENSION flux; see SELECT flux.version().';

CREATE FUNCTION flux.version() RETURNS text
	AS 'MODULE_PATHNAME', 'flux_version'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.version() IS
	'The version of the loaded flux library (flux.control''s default_version at build); the library refuses to load when the installed extension is of another version, so this is also pg_extension.extversion';
