--
-- src/flux.sql: what the extension is: its schema's comment and the version
--   of its library
--
-- C: src/flux.c (the module's entry: the version, and the check at load that
--   the library and the installed SQL are of one release)
-- Builds on: nothing
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

COMMENT ON SCHEMA flux IS
	'flux: gestion en flux of French social-housing reservations (loi ELAN). Assiette, shares and apportionment, orientation of vacancies, the workflow''s business-day deadlines, regulatory bilans and reports, row-level security per partner. Created by CREATE EXTENSION flux; see SELECT flux.version().';

CREATE FUNCTION flux.version() RETURNS text
	AS 'MODULE_PATHNAME', 'flux_version'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.version() IS
	'The version of the loaded flux library (flux.control''s default_version at build); the library refuses to load when the installed extension is of another version, so this is also pg_extension.extversion';
