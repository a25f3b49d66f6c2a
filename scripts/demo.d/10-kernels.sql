-- scripts/demo.d/10-kernels.sql — a guided tour of flux's pure kernels.
-- Read-only: safe to run any number of times.  Run by scripts/demo.

\echo
\echo '== 1. flux.taux: a percentage exact to 0.01 %'
\echo '   Any usual spelling goes in (French comma too); the shortest form comes out.'
SELECT '30'::flux.taux       AS "'30'",
       '12,5 %'::flux.taux   AS "'12,5 %'",
       '33.33%'::flux.taux   AS "'33.33%'",
       '12,5 %'::flux.taux::numeric AS "as numeric";

\echo '   Shares add up exactly (sum, min, max are aggregates over flux.taux):'
SELECT flux.sum(t) AS total, flux.min(t) AS smallest, flux.max(t) AS largest
  FROM (VALUES ('30%'::flux.taux), ('12,5 %'), ('7.25'), ('0,01')) AS v(t);

\echo '== 2. flux.repartir: sharing out units (largest remainder, Hamilton)'
\echo '   7 units between shares of 30 %, 20 % and 10 % (the unreserved 40 % is implicit):'
SELECT flux.repartir(7, '{30%,20%,10%}') AS "repartir(7, {30%,20%,10%})";

\echo '   80 units, one réservataire with 10 %:'
SELECT flux.repartir(80, '{10%}') AS "repartir(80, {10%})";

\echo '== 3. flux.taux_reservataire: reserved units / stock, rounded half-up to 0.01 %'
SELECT flux.taux_reservataire(100, 1000) AS "100 of 1000",
       flux.taux_reservataire(1, 3)      AS "1 of 3",
       flux.taux_reservataire(2, 3)      AS "2 of 3";

\echo '== 4. flux.est_ferie: French public holidays'
SELECT d AS date, to_char(d, 'FMDay') AS day, flux.est_ferie(d) AS ferie
  FROM (VALUES (date '2025-04-21', 1), (date '2025-07-14', 2), (date '2025-07-15', 3)) AS v(d, o)
 ORDER BY o;

\echo '== 5. flux.ajouter_jours_ouvres: deadlines in jours ouvrés'
\echo '   Wednesday 7 May 2025 + 2 jours ouvrés: Thursday 8 May (Victoire 1945) is skipped.'
SELECT flux.ajouter_jours_ouvres('2025-05-07', 2) AS "2025-05-07 + 2",
       to_char(flux.ajouter_jours_ouvres('2025-05-07', 2), 'FMDay') AS day;

\echo '   Good Friday (18 April 2025) is a holiday in Alsace-Moselle only:'
SELECT zone,
       flux.est_ferie('2025-04-18', zone)              AS "18 April ferie",
       flux.ajouter_jours_ouvres('2025-04-17', 1, zone) AS "17 April + 1"
  FROM (VALUES ('metropole', 1), ('alsace-moselle', 2)) AS v(zone, o)
 ORDER BY o;

\echo '== 6. flux.jours_ouvres_entre: jours ouvrés in (a, b]'
SELECT flux.jours_ouvres_entre('2025-03-31', '2025-04-30') AS "April 2025, metropole",
       flux.jours_ouvres_entre('2025-03-31', '2025-04-30', 'alsace-moselle') AS "alsace-moselle",
       flux.jours_ouvres_entre('2025-04-30', '2025-03-31') AS "backwards";

\echo '   It inverts ajouter_jours_ouvres: jours_ouvres_entre(d, ajouter_jours_ouvres(d, n)) = n'
SELECT n, flux.ajouter_jours_ouvres('2025-05-07', n) AS d_plus_n,
       flux.jours_ouvres_entre('2025-05-07', flux.ajouter_jours_ouvres('2025-05-07', n)) AS back
  FROM (VALUES (-3), (0), (2), (10)) AS v(n)
 ORDER BY n;
