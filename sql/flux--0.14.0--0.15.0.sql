--
-- flux 0.14.0 -> 0.15.0: towards 1.0 (issue 18): the versions a DBA can
-- check, a restore that works, the packages
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.15.0'" to load this file. \quit
