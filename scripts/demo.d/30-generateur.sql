-- scripts/demo.d/30-generateur.sql: a territory of 20 000 units and three
-- years of flow from scripts/generateur.sql (docs/generateur.md), once, and
-- what the year's orientations became, by category of réservataire
\set unites 20000
\set premier_id 900000001
\set graine 1
\set silencieux 1
SELECT NOT EXISTS (SELECT FROM flux.bailleur WHERE id = :premier_id) AS generer \gset
\if :generer
\ir ../generateur.sql
\endif
SET search_path = public, pg_catalog;
\echo 'What the orientations of the generated territory became (scripts/generateur.sql, 20 000 units):'
SELECT coalesce(r.categorie::text, 'hors flux (' || o.hors_flux || ')') AS destination,
	   count(*) AS orientations,
	   count(*) FILTER (WHERE o.etat = 'bail_signe') AS baux,
	   count(*) FILTER (WHERE o.etat = 'refusee') AS refusees,
	   count(*) FILTER (WHERE o.etat IN ('expiree', 'restituee')) AS delai_depasse_ou_restituees,
	   count(*) FILTER (WHERE o.etat = 'annulee') AS annulees
  FROM flux.orientation o
  LEFT JOIN flux.convention c ON c.id = o.convention_id
  LEFT JOIN flux.reservataire r ON r.id = c.reservataire_id
 WHERE o.id >= :premier_id AND o.id < :premier_id + 10000000
   AND o.date_orientation >= make_date(extract(year FROM current_date)::int - 1, 1, 1)
 GROUP BY 1 ORDER BY 2 DESC;
