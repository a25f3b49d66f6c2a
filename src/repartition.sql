--
-- src/repartition.sql: largest-remainder apportionment of whole units between shares
--   (flux.repartir)
--
-- C: src/repartition.c
-- Builds on: taux.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- Apportionment (src/repartition.c)
--------------------------------------------------------------------------

CREATE FUNCTION flux.repartir(total integer, parts flux.taux[])
	RETURNS integer[]
	AS 'MODULE_PATHNAME', 'flux_repartir'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.repartir(integer, flux.taux[]) IS
	'Units of total due to each share, by largest remainder over the shares and the implicit unreserved share (100 % - sum); counts are exact and never off their quota by a unit';
