#!/usr/bin/env bash
#
# bench/orientation/run.sh: the orientation engine at the size of a large
# Île-de-France bailleur: 100 000 units in 20 communes, 40 conventions (3
# restricted to their commune), 10 000 orientations this year.
#
#   1. the C rule and its plain PL/pgSQL twin (twin.sql) agree on CASES
#      random counter sets of 40 destinations; both are timed, ratio printed;
#   2. flux.recommander: median latency over CALLS vacancies (target < 2 ms);
#   3. flux.simuler of 75 000 vacancies drawn from the assiette: median of
#      RUNS (target < 2 s).
#
# Needs a database reachable through the PG* variables where flux can be
# created, e.g. RUNS=3 CALLS=300 bench/orientation/run.sh
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${RUNS:-3}
CALLS=${CALLS:-300}
CASES=${CASES:-200}
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
psql -f twin.sql >/dev/null 2>&1 || psql -f twin.sql
if [ "$(psql -At -c "SELECT count(*) FROM flux.logement WHERE bailleur_id = 800")" != 100000 ]; then
psql <<'SQL'
SET client_min_messages = warning;
INSERT INTO flux.commune (depcom, nom, epci)
SELECT '740' || lpad(c::text, 2, '0'), 'Commune ' || c, '200067551' FROM generate_series(1, 20) c ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (800, '900000800', 'Bench moteur', 'oph');
INSERT INTO flux.reservataire (id, nom, categorie, depcom)
SELECT 800 + r, 'Bench réservataire ' || r,
       CASE WHEN r = 1 THEN 'etat' WHEN r = 2 THEN 'etat_agents' WHEN r <= 5 THEN 'commune'
            WHEN r <= 10 THEN 'action_logement' ELSE 'employeur' END::flux.categorie_reservataire,
       CASE WHEN r BETWEEN 3 AND 5 THEN '740' || lpad((r - 2)::text, 2, '0') END
  FROM generate_series(1, 40) r;
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
SELECT 800000 + r, 800, 800 + r, '74',
       CASE WHEN r = 1 THEN '25%' WHEN r = 2 THEN '5%' WHEN r <= 5 THEN '5%' ELSE '1%' END::flux.taux, '2024-01-01'
  FROM generate_series(1, 40) r;
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
SELECT 800000000 + i, 800, 'BM' || i, '740' || lpad((1 + i % 20)::text, 2, '0'), i % 4 = 0, 'C', 1 + i % 5, 30 + 12 * (i % 5),
       CASE i % 10 WHEN 0 THEN 10 WHEN 1 THEN 14 ELSE 13 END, true, 1950 + i % 70, 2000
  FROM generate_series(1, 100000) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT 800000000 + i, 800000000 + i * 9, '2025-01-02', '2025-01-15' FROM generate_series(1, 11000) i;
-- 10 000 orientations of the year, spread over the destinations by their shares
SELECT setval('flux.orientation_id_seq', greatest((SELECT max(id) FROM flux.orientation), 1));
INSERT INTO flux.orientation (vacance_id, convention_id, hors_flux, date_orientation)
SELECT v.id, CASE WHEN x.r < 20 THEN NULL WHEN x.r < 45 THEN 800001 WHEN x.r < 50 THEN 800002
                  WHEN x.r < 85 THEN 800006 + (x.r - 50) ELSE NULL END,
       CASE WHEN x.r < 20 OR x.r >= 85 THEN 'non_reserve'::flux.motif_hors_flux END,
       date '2025-01-20' + (v.id % 250)::integer
  FROM flux.vacance v, LATERAL (SELECT (hashint8(v.id) & 2147483647) % 100 AS r) x
 WHERE v.id BETWEEN 800000001 AND 800010000;
VACUUM ANALYZE flux.compteur_orientation, flux.orientation, flux.logement, flux.vacance, flux.convention;
SQL
fi

psql -At <<SQL
SET client_min_messages = warning;
CREATE TEMP TABLE cas AS
SELECT g, parts, donnes, dus, retards, priorites FROM generate_series(1, $CASES) g,
LATERAL (SELECT array_agg(p ORDER BY i) AS parts, array_agg(a ORDER BY i) AS donnes, array_agg(du ORDER BY i) AS dus,
                array_agg(rt ORDER BY i) AS retards, array_agg(pr ORDER BY i) AS priorites
           FROM (SELECT i, CASE WHEN i = 40 THEN 100 - 24.5 - 38 * 0.5 ELSE CASE WHEN i = 1 THEN 24.5 ELSE 0.5 END END AS p,
                        ((hashint4(g * 41 + i) & 65535) % 50)::bigint AS a,
                        round((hashint4(g * 43 + i) & 65535) % 5000 / 100.0, 2) AS du,
                        ((hashint4(g * 47 + i) & 65535) % 100) / 20.0 AS rt,
                        (hashint4(g * 53 + i) & 65535) % 10 = 0 AS pr
                   FROM generate_series(1, 40) i) z) y;
SELECT 'agree|' || count(*) FILTER (WHERE (c.ordre, c.decision) IS NOT DISTINCT FROM (t.ordre, t.decision)) || '|' || count(*)
  FROM cas, flux.classer_destinations(parts::flux.taux[], donnes, dus::float8[], retards, priorites) c,
       bench.classer_destinations_plpgsql(parts, donnes, dus, retards, priorites) t;
-- time both, per call
CREATE TEMP TABLE t_c AS SELECT g, clock_timestamp() AS t0 FROM cas WHERE false;
DO \$\$
DECLARE r record; t0 timestamptz; x record;
BEGIN
  CREATE TEMP TABLE mesures (quoi text, ms double precision);
  FOR r IN SELECT * FROM cas LOOP
    t0 := clock_timestamp();
    SELECT * INTO x FROM flux.classer_destinations(r.parts::flux.taux[], r.donnes, r.dus::float8[], r.retards, r.priorites);
    INSERT INTO mesures VALUES ('c', extract(epoch FROM clock_timestamp() - t0) * 1000);
    t0 := clock_timestamp();
    SELECT * INTO x FROM bench.classer_destinations_plpgsql(r.parts, r.donnes, r.dus, r.retards, r.priorites);
    INSERT INTO mesures VALUES ('twin', extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  FOR r IN SELECT v.id FROM flux.vacance v WHERE v.id > 800010000 ORDER BY v.id LIMIT $CALLS LOOP
    t0 := clock_timestamp();
    PERFORM count(*) FROM flux.recommander(r.id, '2025-10-01');
    INSERT INTO mesures VALUES ('recommander', extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
END \$\$;
SELECT quoi || '|' || percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM mesures GROUP BY quoi ORDER BY quoi;
SQL

for ((i = 0; i < RUNS; i++)); do
	psql -At -c "SET client_min_messages = warning" -c "\\timing on" \
		-c "SELECT count(*) FROM flux.simuler(800, '74', 2025, vacances => 75000)" | sed -n 's/^Time: \([0-9.]*\) ms.*/simuler|\1/p'
done
