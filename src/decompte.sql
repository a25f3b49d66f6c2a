--
-- src/decompte.sql: the bilans' thirteen counters in one C aggregate (flux.decompte_etapes),
--   with its support functions
--
-- C: src/decompte.c
-- Builds on: nothing
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The bilans' counters in one C aggregate
--------------------------------------------------------------------------

CREATE FUNCTION flux.decompte_etapes_ajouter(etat bigint[], propose boolean, attribue boolean, refus boolean,
											 bail boolean, qpv boolean, prioritaire boolean, dalo boolean,
											 quartile smallint)
	RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'flux_decompte_etapes_ajouter'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
REVOKE EXECUTE ON FUNCTION flux.decompte_etapes_ajouter(bigint[], boolean, boolean, boolean, boolean, boolean, boolean, boolean, smallint) FROM PUBLIC;

COMMENT ON FUNCTION flux.decompte_etapes_ajouter(bigint[], boolean, boolean, boolean, boolean, boolean, boolean, boolean, smallint) IS
	'Transition function of flux.decompte_etapes: adds one orientation to the counters it belongs to';

CREATE FUNCTION flux.decompte_etapes_combiner(bigint[], bigint[])
	RETURNS bigint[]
	AS 'MODULE_PATHNAME', 'flux_decompte_etapes_combiner'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
REVOKE EXECUTE ON FUNCTION flux.decompte_etapes_combiner(bigint[], bigint[]) FROM PUBLIC;

COMMENT ON FUNCTION flux.decompte_etapes_combiner(bigint[], bigint[]) IS
	'Combine function of flux.decompte_etapes: adds two partial states (parallel workers)';

CREATE AGGREGATE flux.decompte_etapes(propose boolean, attribue boolean, refus boolean, bail boolean, qpv boolean,
									  prioritaire boolean, dalo boolean, quartile smallint) (
	SFUNC = flux.decompte_etapes_ajouter,
	STYPE = bigint[],
	INITCOND = '{0,0,0,0,0,0,0,0,0,0,0,0,0}',
	COMBINEFUNC = flux.decompte_etapes_combiner,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE flux.decompte_etapes(boolean, boolean, boolean, boolean, boolean, boolean, boolean, smallint) IS
	'The bilans'' 13 counters in one pass: proposes, attribues, refus_illegitimes, baux, attribues_prioritaires, attribues_dalo, baux_hors_qpv, baux_hors_qpv_q1, baux_hors_qpv_dalo, attribues_qpv, attribues_qpv_q234, attribues_qpv_dalo, baux_prioritaires';
