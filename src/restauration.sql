--
-- src/restauration.sql: flux.restauration(regclass), whether the current
--   statement restores a dump's rows into that table, so that the INSERT
--   triggers of flux's tables (WHEN (NOT flux.restauration(...))) let the
--   rows in as they were dumped
--
-- C: src/restauration.c (what counts as a restore, and why)
-- Builds on: nothing
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

-- Executable by PUBLIC on purpose: the WHEN of the triggers runs it with the
-- rights of whoever writes the table; it reads only the session's own state
-- (the active statement, row_security, the current role).
CREATE FUNCTION flux.restauration(regclass) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_restauration'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION flux.restauration(regclass) IS
	'Whether the current statement restores a dump into this table: a COPY FROM into it, with row_security off (as pg_dump''s output and pg_restore run), by its owner or a superuser; the INSERT triggers of flux''s tables then take the rows as they are. Such a COPY by another role is refused (42501)';
