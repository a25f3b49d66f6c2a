--
-- src/etalement.sql: spreading whole units evenly: a schedule of single rights over years
--   (flux.echeancier), Tijdeman's interleaving of shares (flux.entrelacer)
--
-- C: src/etalement.c
-- Builds on: nothing
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

CREATE FUNCTION flux.echeancier(volume integer, annees integer)
	RETURNS integer[]
	AS 'MODULE_PATHNAME', 'flux_echeancier'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.echeancier(integer, integer) IS
	'Spreads volume rights over annees years as evenly as possible, earliest years first: each year gets floor or ceil of volume/annees, a small volume definite years';

CREATE FUNCTION flux.entrelacer(nombres integer[])
	RETURNS integer[]
	AS 'MODULE_PATHNAME', 'flux_entrelacer'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.entrelacer(integer[]) IS
	'An order of sum(nombres) turns where share i (1-based) appears nombres[i] times, each prefix within one unit of its proportional part';
