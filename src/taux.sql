--
-- src/taux.sql: the flux.taux type: a percentage exact to 0.01 % (an int32 of
--   hundredths), its I/O, operators, btree and hash opclasses, aggregates
--   and casts
--
-- C: src/taux.c
-- Builds on: nothing
-- Part of the install script sql/flux--<version>.sql, which the Makefile
-- builds from src/installation.sql and the concern files in layer order.
-- A change here goes into the next upgrade script too (docs/contributing.md).
--

--------------------------------------------------------------------------
-- The flux.taux type (src/taux.c)
--------------------------------------------------------------------------

CREATE TYPE flux.taux;

CREATE FUNCTION flux.taux_in(cstring) RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_taux_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION flux.taux_out(flux.taux) RETURNS cstring
	AS 'MODULE_PATHNAME', 'flux_taux_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION flux.taux_recv(internal) RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_taux_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION flux.taux_send(flux.taux) RETURNS bytea
	AS 'MODULE_PATHNAME', 'flux_taux_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE flux.taux (
	INTERNALLENGTH = 4,
	INPUT = flux.taux_in,
	OUTPUT = flux.taux_out,
	RECEIVE = flux.taux_recv,
	SEND = flux.taux_send,
	PASSEDBYVALUE,
	ALIGNMENT = int4,
	STORAGE = plain,
	CATEGORY = 'N'
);

COMMENT ON FUNCTION flux.taux_in(cstring) IS 'Text input of flux.taux: ''30'', ''30%'', ''12.5%'', ''12,5 %''';

COMMENT ON FUNCTION flux.taux_out(flux.taux) IS 'Text output of flux.taux, shortest exact form: ''12.5%''';

COMMENT ON FUNCTION flux.taux_recv(internal) IS 'Binary input of flux.taux: a network-order int32 of hundredths of a percent, validated';

COMMENT ON FUNCTION flux.taux_send(flux.taux) IS 'Binary output of flux.taux: a network-order int32 of hundredths of a percent';

COMMENT ON TYPE flux.taux IS
	'A share of the annual flow in percent, exact to 0.01 % (0 % to 100 %); input ''30'', ''12.5%'', ''12,5 %''; output ''12.5%''';

-- comparison

CREATE FUNCTION flux.taux_eq(flux.taux, flux.taux) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_taux_eq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION flux.taux_ne(flux.taux, flux.taux) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_taux_ne'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION flux.taux_lt(flux.taux, flux.taux) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_taux_lt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION flux.taux_le(flux.taux, flux.taux) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_taux_le'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION flux.taux_gt(flux.taux, flux.taux) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_taux_gt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION flux.taux_ge(flux.taux, flux.taux) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_taux_ge'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION flux.taux_cmp(flux.taux, flux.taux) RETURNS integer
	AS 'MODULE_PATHNAME', 'flux_taux_cmp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION flux.taux_hash(flux.taux) RETURNS integer
	AS 'MODULE_PATHNAME', 'flux_taux_hash'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION flux.taux_eq(flux.taux, flux.taux) IS 'Implementation of = for flux.taux';

COMMENT ON FUNCTION flux.taux_ne(flux.taux, flux.taux) IS 'Implementation of <> for flux.taux';

COMMENT ON FUNCTION flux.taux_lt(flux.taux, flux.taux) IS 'Implementation of < for flux.taux';

COMMENT ON FUNCTION flux.taux_le(flux.taux, flux.taux) IS 'Implementation of <= for flux.taux';

COMMENT ON FUNCTION flux.taux_gt(flux.taux, flux.taux) IS 'Implementation of > for flux.taux';

COMMENT ON FUNCTION flux.taux_ge(flux.taux, flux.taux) IS 'Implementation of >= for flux.taux';

COMMENT ON FUNCTION flux.taux_cmp(flux.taux, flux.taux) IS 'B-tree comparison support for flux.taux: -1, 0 or 1';

COMMENT ON FUNCTION flux.taux_hash(flux.taux) IS 'Hash support for flux.taux';

CREATE OPERATOR flux.= (
	LEFTARG = flux.taux, RIGHTARG = flux.taux, FUNCTION = flux.taux_eq,
	COMMUTATOR = OPERATOR(flux.=), NEGATOR = OPERATOR(flux.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);

CREATE OPERATOR flux.<> (
	LEFTARG = flux.taux, RIGHTARG = flux.taux, FUNCTION = flux.taux_ne,
	COMMUTATOR = OPERATOR(flux.<>), NEGATOR = OPERATOR(flux.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE OPERATOR flux.< (
	LEFTARG = flux.taux, RIGHTARG = flux.taux, FUNCTION = flux.taux_lt,
	COMMUTATOR = OPERATOR(flux.>), NEGATOR = OPERATOR(flux.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);

CREATE OPERATOR flux.<= (
	LEFTARG = flux.taux, RIGHTARG = flux.taux, FUNCTION = flux.taux_le,
	COMMUTATOR = OPERATOR(flux.>=), NEGATOR = OPERATOR(flux.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);

CREATE OPERATOR flux.> (
	LEFTARG = flux.taux, RIGHTARG = flux.taux, FUNCTION = flux.taux_gt,
	COMMUTATOR = OPERATOR(flux.<), NEGATOR = OPERATOR(flux.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR flux.>= (
	LEFTARG = flux.taux, RIGHTARG = flux.taux, FUNCTION = flux.taux_ge,
	COMMUTATOR = OPERATOR(flux.<=), NEGATOR = OPERATOR(flux.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS flux.taux_ops
	DEFAULT FOR TYPE flux.taux USING btree AS
		OPERATOR 1 flux.<,
		OPERATOR 2 flux.<=,
		OPERATOR 3 flux.=,
		OPERATOR 4 flux.>=,
		OPERATOR 5 flux.>,
		FUNCTION 1 flux.taux_cmp(flux.taux, flux.taux);

-- hash partitioning needs the extended hash support function
CREATE FUNCTION flux.taux_hash_extended(flux.taux, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'flux_taux_hash_extended'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION flux.taux_hash_extended(flux.taux, bigint) IS 'Extended hash support for flux.taux (hash partitioning)';

CREATE OPERATOR CLASS flux.taux_hash_ops
	DEFAULT FOR TYPE flux.taux USING hash AS
		OPERATOR 1 flux.=,
		FUNCTION 1 flux.taux_hash(flux.taux),
		FUNCTION 2 flux.taux_hash_extended(flux.taux, bigint);

-- arithmetic: results stay in [0 %, 100 %] or raise 22003

CREATE FUNCTION flux.taux_pl(flux.taux, flux.taux) RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_taux_pl'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION flux.taux_mi(flux.taux, flux.taux) RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_taux_mi'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION flux.taux_smaller(flux.taux, flux.taux) RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_taux_smaller'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION flux.taux_larger(flux.taux, flux.taux) RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_taux_larger'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.taux_pl(flux.taux, flux.taux) IS 'Implementation of + for flux.taux; a sum above 100 % is an error (22003)';

COMMENT ON FUNCTION flux.taux_mi(flux.taux, flux.taux) IS 'Implementation of - for flux.taux; a negative result is an error (22003)';

COMMENT ON FUNCTION flux.taux_smaller(flux.taux, flux.taux) IS 'The smaller of two taux (min support)';

COMMENT ON FUNCTION flux.taux_larger(flux.taux, flux.taux) IS 'The larger of two taux (max support)';

CREATE OPERATOR flux.+ (
	LEFTARG = flux.taux, RIGHTARG = flux.taux, FUNCTION = flux.taux_pl,
	COMMUTATOR = OPERATOR(flux.+)
);

CREATE OPERATOR flux.- (
	LEFTARG = flux.taux, RIGHTARG = flux.taux, FUNCTION = flux.taux_mi
);

-- aggregates: plain taux state, the transition function is its own combine
-- function, so all three run in parallel plans

CREATE AGGREGATE flux.sum(flux.taux) (
	SFUNC = flux.taux_pl,
	STYPE = flux.taux,
	COMBINEFUNC = flux.taux_pl,
	PARALLEL = SAFE
);

CREATE AGGREGATE flux.min(flux.taux) (
	SFUNC = flux.taux_smaller,
	STYPE = flux.taux,
	COMBINEFUNC = flux.taux_smaller,
	SORTOP = OPERATOR(flux.<),
	PARALLEL = SAFE
);

CREATE AGGREGATE flux.max(flux.taux) (
	SFUNC = flux.taux_larger,
	STYPE = flux.taux,
	COMBINEFUNC = flux.taux_larger,
	SORTOP = OPERATOR(flux.>),
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE flux.sum(flux.taux) IS 'Sum of shares; more than 100 % is an error (22003): shares of one flow never exceed it';

COMMENT ON AGGREGATE flux.min(flux.taux) IS 'Smallest share';

COMMENT ON AGGREGATE flux.max(flux.taux) IS 'Largest share';

-- casts, in percent units: 30% <-> 30.00

CREATE FUNCTION flux.taux_numeric(flux.taux) RETURNS numeric
	AS 'MODULE_PATHNAME', 'flux_taux_numeric'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION flux.numeric_taux(numeric) RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_numeric_taux'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION flux.int4_taux(integer) RETURNS flux.taux
	AS 'MODULE_PATHNAME', 'flux_int4_taux'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION flux.taux_numeric(flux.taux) IS 'Cast flux.taux to numeric in percent units: 12.5% -> 12.50';

COMMENT ON FUNCTION flux.numeric_taux(numeric) IS 'Cast numeric in percent units to flux.taux; outside [0, 100] or finer than 0.01 is an error (22003)';

COMMENT ON FUNCTION flux.int4_taux(integer) IS 'Cast a whole number of percent to flux.taux: 30 -> 30%';

CREATE CAST (flux.taux AS numeric)
	WITH FUNCTION flux.taux_numeric(flux.taux) AS ASSIGNMENT;

CREATE CAST (numeric AS flux.taux)
	WITH FUNCTION flux.numeric_taux(numeric) AS ASSIGNMENT;

CREATE CAST (integer AS flux.taux)
	WITH FUNCTION flux.int4_taux(integer) AS ASSIGNMENT;
