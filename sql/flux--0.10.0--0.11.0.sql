--
-- flux 0.10.0 -> 0.11.0: bilans and reports a réservataire, an EPCI and the
-- préfet can use as they are (issue 15, second part)
--
-- One section per concern.  What each object is now: src/*.sql.  Every
-- existing row is kept: columns are added last, with defaults that give
-- the 0.10.0 figures where the texts did not ask for a change.
--
\echo Use "ALTER EXTENSION flux UPDATE TO '0.11.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- (section of the orientation engine: the fair mix on combined segments)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the words and the language: dus, French texts)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the CSV exports)
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- (section of the HTML report)
-- ---------------------------------------------------------------------------
