--
-- src/offre.sql: a suitable offer: the household's effort rate, the minimum surface, an
--   adapted typology
--
-- C: src/offre.c
-- Builds on: nothing
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- A suitable offer (src/offre.c)
--------------------------------------------------------------------------

CREATE FUNCTION flux.taux_effort(loyer numeric, charges numeric, aide numeric, ressources numeric)
	RETURNS numeric
	AS 'MODULE_PATHNAME', 'flux_taux_effort'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.taux_effort(numeric, numeric, numeric, numeric) IS
	'Effort rate of a household (R. 441-3-1 CCH): (rent + charges - housing allowance) / resources, in percent to 0.01';

CREATE FUNCTION flux.surface_minimale(personnes integer)
	RETURNS integer
	AS 'MODULE_PATHNAME', 'flux_surface_minimale'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.surface_minimale(integer) IS
	'Least living area in m² for a household (R. 822-25 CCH): 9 for one person, 16 for two, 9 more per person, 70 from eight';

CREATE FUNCTION flux.typologie_adaptee(nbpiece integer, surfhab numeric, personnes integer,
									   sous_occupation_max integer DEFAULT 1)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_typologie_adaptee'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION flux.typologie_adaptee(integer, numeric, integer, integer) IS
	'The unit suits the household''s size: one room per two persons at least, the R. 822-25 area when known, at most personnes + sous_occupation_max rooms';
