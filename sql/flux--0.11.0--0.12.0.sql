--
-- flux 0.11.0 -> 0.12.0: every path linear at any size, the transmitted
-- bilans frozen, a territory consolidated across bailleurs' databases
-- (issue 17)
--
-- One section per concern, in the order of the concern files (Makefile
-- CONCERNS).  What each object is now: src/*.sql.  Every existing row is
-- kept.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.12.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the RPLS loading's speed)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the workflow's speed: the sweep, small statements, recommander)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the transmitted bilans, frozen)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the consolidation across databases)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the access control: grants of the objects above)
-- ---------------------------------------------------------------------------
