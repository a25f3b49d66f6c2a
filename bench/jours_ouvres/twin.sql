-- Plain SQL twins of flux.ajouter_jours_ouvres and flux.jours_ouvres_entre
-- (metropole), as a competent DBA would write them without C: a holiday
-- table filled from a SQL Easter computus, and from it a CALENDAR TABLE (one
-- row per day 1990-2060, is-business-day, running business-day number) that
-- the bench joins set-based: the best twin, the one timed.  The per-call
-- functions below (a generate_series per row, a PL/pgSQL loop) are the slow
-- twins of 0.1.0, kept only to check the calendar against.
CREATE SCHEMA IF NOT EXISTS bench;

CREATE OR REPLACE FUNCTION bench.paques(y integer) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT make_date(y, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1)
	  FROM (SELECT a, h, l, (a + 11 * h + 22 * l) / 451 AS m
	          FROM (SELECT a, h, (32 + 2 * e + 2 * i - h - k) % 7 AS l
	                  FROM (SELECT a, e, i, k, (19 * a + b - d - g + 15) % 30 AS h
	                          FROM (SELECT y % 19 AS a, y / 100 AS b, y % 100 / 4 AS i, y % 100 % 4 AS k,
	                                       y / 100 / 4 AS d, y / 100 % 4 AS e,
	                                       (y / 100 - (y / 100 + 8) / 25 + 1) / 3 AS g) s1) s2) s3) s4
$$;

SET client_min_messages = warning;
DROP TABLE IF EXISTS bench.ferie;
CREATE TABLE bench.ferie (jour date PRIMARY KEY);
INSERT INTO bench.ferie
SELECT DISTINCT d FROM generate_series(1990, 2060) y,
	LATERAL (VALUES (make_date(y, 1, 1)), (bench.paques(y) + 1), (make_date(y, 5, 1)), (make_date(y, 5, 8)),
	                (bench.paques(y) + 39), (bench.paques(y) + 50), (make_date(y, 7, 14)), (make_date(y, 8, 15)),
	                (make_date(y, 11, 1)), (make_date(y, 11, 11)), (make_date(y, 12, 25))) v(d);
ANALYZE bench.ferie;

-- set-based SQL: the n-th weekday not in the table after d
CREATE OR REPLACE FUNCTION bench.ajouter_jours_ouvres_sql(d date, n integer) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN n = 0 THEN d ELSE (
		SELECT g::date FROM generate_series(d + 1, d + n * 2 + 14, interval '1 day') g
		 WHERE extract(isodow FROM g) < 6 AND NOT EXISTS (SELECT 1 FROM bench.ferie f WHERE f.jour = g::date)
		 ORDER BY g OFFSET n - 1 LIMIT 1) END
$$;

-- PL/pgSQL: a day-by-day loop
CREATE OR REPLACE FUNCTION bench.ajouter_jours_ouvres_plpgsql(d date, n integer) RETURNS date
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
	t date := d;
	k integer := 0;
BEGIN
	WHILE k < n LOOP
		t := t + 1;
		IF extract(isodow FROM t) < 6 AND NOT EXISTS (SELECT 1 FROM bench.ferie WHERE jour = t) THEN
			k := k + 1;
		END IF;
	END LOOP;
	RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION bench.jours_ouvres_entre_sql(a date, b date) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT count(*)::integer FROM generate_series(a + 1, b, interval '1 day') g
	 WHERE extract(isodow FROM g) < 6 AND NOT EXISTS (SELECT 1 FROM bench.ferie f WHERE f.jour = g::date)
$$;

-- the calendar table: rang = number of business days up to and including jour
DROP TABLE IF EXISTS bench.calendrier;
CREATE TABLE bench.calendrier AS
SELECT jour, ouvre, (count(*) FILTER (WHERE ouvre) OVER (ORDER BY jour))::integer AS rang
  FROM (SELECT g::date AS jour,
               extract(isodow FROM g) < 6 AND NOT EXISTS (SELECT 1 FROM bench.ferie f WHERE f.jour = g::date) AS ouvre
          FROM generate_series(date '1990-01-01', date '2060-12-31', interval '1 day') g) s;
ALTER TABLE bench.calendrier ADD PRIMARY KEY (jour);
CREATE UNIQUE INDEX ON bench.calendrier (rang) WHERE ouvre;
VACUUM ANALYZE bench.calendrier;
