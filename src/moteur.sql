--
-- src/moteur.sql: the orientation engine's kernels: the ranking of a vacancy's
--   destinations and the replay of a year, on arrays
--
-- C: src/moteur.c
-- Builds on: taux.sql
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The rule (src/moteur.c)
--------------------------------------------------------------------------

CREATE FUNCTION flux.classer_destinations(parts flux.taux[], donnes bigint[], dus double precision[],
										  retards double precision[], priorites boolean[],
										  OUT ordre integer[], OUT decision text)
	AS 'MODULE_PATHNAME', 'flux_classer_destinations'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.classer_destinations(flux.taux[], bigint[], double precision[], double precision[], boolean[]) IS
	'The engine''s rule: ranks destinations (shares, units given, units due so far, segment retards, legal floors) by Tijdeman''s quota bound and the fair mix; ordre[1] is the recommendation, decision what decided it (quota, segment, priorite)';

CREATE FUNCTION flux.simuler_noyau(parts integer[], debuts date[], fins date[], couverture boolean[],
								   etat boolean[], dates date[], segments integer[], valeurs integer[])
	RETURNS TABLE (destination integer, dimension integer, code integer, dus double precision, obtenus bigint)
	AS 'MODULE_PATHNAME', 'flux_simuler_noyau'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.simuler_noyau(integer[], date[], date[], boolean[], boolean[], date[], integer[], integer[]) IS
	'The engine over a year of vacancies in memory (flux.simuler prepares its arrays): units due and obtained per destination, dimension and segment code';

CREATE FUNCTION flux.classer_destinations(parts flux.taux[], donnes bigint[], dus double precision[],
										  retards double precision[], priorites boolean[], combines double precision[],
										  OUT ordre integer[], OUT decision text)
	AS 'MODULE_PATHNAME', 'flux_classer_destinations_mixte'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.classer_destinations(flux.taux[], bigint[], double precision[], double precision[], boolean[], double precision[]) IS
	'The engine''s rule with the declared combined segments of the vacancy (combines: each destination''s retard in them, summed): the same quota bound; in the fair mix the combined retard comes right after the legal floor and every eligible destination due within m units is a candidate; decision combine when it decided; all zero: the five-argument form';
