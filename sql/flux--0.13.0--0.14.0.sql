--
-- flux 0.13.0 -> 0.14.0: the workflow's notifications and counters cheaper
-- on bulk statements (issue 17, continued)
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.14.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the notifications)
-- ---------------------------------------------------------------------------

-- flux.orientation_notifier is C (src/notifications.c): the same payloads,
-- on the same channels, in the same order, without a query per statement's
-- rows (about 40 000 instructions a row of the deadline sweep in PL/pgSQL)
CREATE OR REPLACE FUNCTION flux.orientation_notifier() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_orientation_notifier'
	LANGUAGE C;
