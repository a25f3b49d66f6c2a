--
-- calendrier: public holidays and jours ouvres by zone
--
SET search_path = flux, public;
SET datestyle = 'ISO, YMD';

-- the holidays of 2025, every zone
SELECT z.zone, f.jour, f.libelle
  FROM (VALUES ('metropole'), ('alsace-moselle'), ('guadeloupe'), ('martinique'),
               ('guyane'), ('reunion'), ('mayotte')) z(zone),
       flux.jours_feries(2025, z.zone) f
 ORDER BY z.zone, f.jour, f.libelle;

-- what only the local zones have
SELECT d, flux.est_ferie(d) AS metropole, flux.est_ferie(d, 'alsace-moselle') AS alsace_moselle,
       flux.est_ferie(d, 'guadeloupe') AS guadeloupe, flux.est_ferie(d, 'martinique') AS martinique,
       flux.est_ferie(d, 'guyane') AS guyane, flux.est_ferie(d, 'reunion') AS reunion,
       flux.est_ferie(d, 'mayotte') AS mayotte
  FROM (VALUES (date '2025-04-18'), ('2025-04-27'), ('2025-05-22'), ('2025-05-27'),
               ('2025-06-10'), ('2025-12-20'), ('2025-12-26'), ('2025-12-24')) v(d)
 ORDER BY d;

-- Easter at its extremes: 22 March (1818, 2285) and 25 April (1943, 2038)
SELECT y, min(jour) FILTER (WHERE libelle = 'Lundi de Pâques') AS lundi_de_paques,
       min(jour) FILTER (WHERE libelle = 'Ascension') AS ascension,
       min(jour) FILTER (WHERE libelle = 'Lundi de Pentecôte') AS pentecote
  FROM (VALUES (1818), (2285), (1943), (2038), (1583), (9999)) v(y),
       flux.jours_feries(y)
 GROUP BY y ORDER BY y;

-- 2008: Ascension fell on 1 May; both are listed, the day counts once
SELECT jour, libelle FROM flux.jours_feries(2008) WHERE jour = '2008-05-01' ORDER BY libelle;
SELECT flux.jours_ouvres_entre('2008-04-30', '2008-05-02');

-- zone names are case-insensitive
SELECT flux.est_ferie('2025-12-26', 'Alsace-Moselle');

-- leap years: 29 February 2024 is a Thursday and a jour ouvre; 2100 is not leap
SELECT flux.est_jour_ouvre('2024-02-29'), flux.ajouter_jours_ouvres('2024-02-28', 1),
       flux.ajouter_jours_ouvres('2100-02-26', 1);

-- year boundaries
SELECT flux.ajouter_jours_ouvres('2024-12-31', 1) AS after_new_year,
       flux.ajouter_jours_ouvres('2025-01-02', -1) AS before_new_year,
       flux.jours_ouvres_entre('2024-12-24', '2025-01-02') AS christmas_fortnight;

-- 2 jours ouvres after Wednesday 7 May 2025 (8 May is a Thursday holiday)
SELECT flux.ajouter_jours_ouvres('2025-05-07', 2), flux.jours_ouvres_entre('2025-05-07', '2025-05-12');
-- n = 0 returns d itself, even a Sunday; negative n counts backwards
SELECT flux.ajouter_jours_ouvres('2025-05-11', 0), flux.ajouter_jours_ouvres('2025-05-12', -2),
       flux.ajouter_jours_ouvres('2025-05-11', 1);
-- Alsace-Moselle loses Good Friday and 26 December
SELECT flux.ajouter_jours_ouvres('2025-04-17', 1) AS metropole,
       flux.ajouter_jours_ouvres('2025-04-17', 1, 'alsace-moselle') AS alsace_moselle;
-- the Publier convention: 2 jours ouvres to answer, then 15 to designate
SELECT flux.ajouter_jours_ouvres(flux.ajouter_jours_ouvres('2025-04-30', 2), 15);

-- jours ouvres in (a, b]; negative when b < a
SELECT flux.jours_ouvres_entre('2025-05-05', '2025-05-05') AS same_day,
       flux.jours_ouvres_entre('2025-05-09', '2025-05-12') AS fri_to_mon,
       flux.jours_ouvres_entre('2025-05-12', '2025-05-09') AS mon_to_fri,
       flux.jours_ouvres_entre('2025-01-01', '2025-12-31') AS year_2025,
       flux.jours_ouvres_entre('2025-01-01', '2025-12-31', 'alsace-moselle') AS year_2025_am;

-- whole-calendar spans are exact and quick
SELECT flux.jours_ouvres_entre('1583-01-01', '9999-12-31'),
       flux.ajouter_jours_ouvres('1583-01-03', 2122900);

-- the identity jours_ouvres_entre(d, ajouter_jours_ouvres(d, n)) = n
SELECT count(*) AS cases,
       count(*) FILTER (WHERE flux.jours_ouvres_entre(d, flux.ajouter_jours_ouvres(d, n)) <> n) AS failures
  FROM (SELECT date '2020-01-01' + i AS d, n
          FROM generate_series(0, 800) i, generate_series(0, 40, 7) n) s;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE flux.jours_ouvres_entre(d, flux.ajouter_jours_ouvres(d, -n)) <> -n) AS failures
  FROM (SELECT date '2020-01-01' + i AS d, n
          FROM generate_series(0, 800) i, generate_series(0, 40, 7) n) s
 WHERE flux.est_jour_ouvre(d);

-- NULL in, NULL out
SELECT flux.est_ferie(NULL), flux.ajouter_jours_ouvres('2025-01-01', NULL) IS NULL,
       flux.jours_ouvres_entre(NULL, '2025-01-01') IS NULL;

-- fails: unknown zone (22023)
SELECT flux.est_ferie('2025-01-01', 'paris');
-- fails: before the Gregorian calendar's first full year (22008)
SELECT flux.est_ferie('1582-12-31');
-- fails: infinite dates
SELECT flux.ajouter_jours_ouvres('infinity', 1);
-- fails: after 9999
SELECT flux.jours_ouvres_entre('2025-01-01', '10000-01-01');
-- fails: a result beyond the calendar
SELECT flux.ajouter_jours_ouvres('9999-12-31', 1);
-- fails: a result before the calendar
SELECT flux.ajouter_jours_ouvres('2025-01-01', -2147483647);
-- fails: a year outside the calendar
SELECT * FROM flux.jours_feries(1582);
