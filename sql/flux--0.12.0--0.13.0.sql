--
-- flux 0.12.0 -> 0.13.0: the workflow's small statements and the sweep
-- near their bare writes, benchmarks at the Ile-de-France size in time
-- (issue 17, continued)
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.13.0'" to load this file. \quit
