--
-- src/taux_regles.sql: the basic rate rule: reserved units over the stock
--   (flux.taux_reservataire)
--
-- C: src/taux_regles.c
-- Builds on: taux.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

CREATE FUNCTION flux.taux_reservataire(reserves integer, parc integer)
	RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_taux_reservataire'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.taux_reservataire(integer, integer) IS
	'Share of a réservataire: reserved units / units of the stock, rounded half up to 0.01 %';
