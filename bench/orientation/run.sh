#!/usr/bin/env bash
#
# bench/orientation/run.sh: flux.recommander timed FROM A CLIENT (pgbench,
# one call per transaction, each its own statement, round trip included) on
# a bailleur of UNITS units (100 000; SIZE=petit: 10 000) with 40
# conventions (3 restricted to one commune) and 10 000 orientations this
# year, at three sizes: its units spread over 20, 100 and 400 communes
# (SIZES).  Per size, interleaved, RUNS runs (5) of CALLS calls (200) each;
# a run's figure is the median latency of its calls, and the bench prints the
# median of the runs and their spread.  The twin is the plain SQL a client
# would send to read the same inputs: one query of the vacancy's unit joined
# to the conventions in force and their counters of the year
# (flux.compteur_orientation); the ratio is recommander / that read.
# Target: under 2 ms median at 400 communes, flat in the communes.
#
# Needs a database reachable through the PG* variables where flux can be
# created, and pgbench (postgresql-client).
set -euo pipefail
cd "$(dirname "$0")"
BENCH=orientation
. ../lib.sh
SIZES=${SIZES:-"20 100 400"}
UNITS=${UNITS:-$(sizes_of 10000 100000 100000)}
CALLS=${CALLS:-200}
command -v pgbench >/dev/null || { echo "bench orientation: pgbench is needed (postgresql-client)" >&2; exit 1; }

bpsql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
for n in $SIZES; do	# bailleur 800 + k holds the units of size n (k = its rank)
	b=$((800 + n % 1000 / 10 + n / 1000))	# 20 -> 802, 100 -> 810, 400 -> 840
	if [ "$(bpsql -At -c "SELECT count(*) FROM flux.logement WHERE bailleur_id = $b")" != "$UNITS" ]; then
	base=$((b * 1000000))
	bpsql >/dev/null <<SQL
SET client_min_messages = warning;
INSERT INTO flux.commune (depcom, nom, epci)
SELECT '74' || lpad(c::text, 3, '0'), 'Commune ' || c, '200067551' FROM generate_series(1, $n) c ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES ($b, '900000$b', 'Bench moteur $n', 'oph');
INSERT INTO flux.reservataire (id, nom, categorie, depcom)
SELECT $base + r, 'Bench réservataire $n-' || r,
       CASE WHEN r = 1 THEN 'etat' WHEN r = 2 THEN 'etat_agents' WHEN r <= 5 THEN 'commune'
            WHEN r <= 10 THEN 'action_logement' ELSE 'employeur' END::flux.categorie_reservataire,
       CASE WHEN r BETWEEN 3 AND 5 THEN '74' || lpad((r - 2)::text, 3, '0') END
  FROM generate_series(1, 40) r;
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, communes)
SELECT $base + r, $b, $base + r, '74',
       CASE WHEN r = 1 THEN '25%' WHEN r = 2 THEN '5%' WHEN r <= 5 THEN '5%' ELSE '1%' END::flux.taux, '2024-01-01',
       CASE WHEN r BETWEEN 3 AND 5 THEN ARRAY['74' || lpad((r - 2)::text, 3, '0')] END
  FROM generate_series(1, 40) r;
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, surfhab, finan, conv, construct, locat)
SELECT $base + i, $b, 'BM' || i, '74' || lpad((1 + i % $n)::text, 3, '0'), i % 4 = 0, 'C', 1 + i % 5, 30 + 12 * (i % 5),
       CASE i % 10 WHEN 0 THEN 10 WHEN 1 THEN 14 ELSE 13 END, true, 1950 + i % 70, 2000
  FROM generate_series(1, $UNITS) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT $base + i, $base + 1 + (i * 9) % $UNITS, '2025-01-02', '2025-01-15' FROM generate_series(1, 11000) i;
SELECT setval('flux.orientation_id_seq', greatest((SELECT max(id) FROM flux.orientation), 1));
INSERT INTO flux.orientation (vacance_id, convention_id, hors_flux, date_orientation)
SELECT v.id, CASE WHEN x.r < 20 THEN NULL WHEN x.r < 45 THEN $base + 1 WHEN x.r < 50 THEN $base + 2
                  WHEN x.r < 85 THEN $base + 6 + (x.r - 50) ELSE NULL END,
       CASE WHEN x.r < 20 OR x.r >= 85 THEN 'non_reserve'::flux.motif_hors_flux END,
       date '2025-01-20' + (v.id % 250)::integer
  FROM flux.vacance v, LATERAL (SELECT (hashint8(v.id) & 2147483647) % 100 AS r) x
 WHERE v.id BETWEEN $base + 1 AND $base + 10000;
VACUUM ANALYZE flux.compteur_orientation, flux.orientation, flux.logement, flux.vacance, flux.convention;
SQL
	fi
done

pgb() {	# FILE: runs CALLS transactions of FILE, prints their median latency in ms
	rm -f "$BENCH_T"/pgb.*
	(cd "$BENCH_T" && pgbench -n -t "$CALLS" -f "$1" -l --log-prefix=pgb >/dev/null 2>"$BENCH_T/pgb.err") ||
		{ cat "$BENCH_T/pgb.err" >&2; exit 1; }
	cat "$BENCH_T"/pgb.* | awk '{ print $3 / 1000 }' | sort -g |
		awk '{ t[NR] = $1 } END { print NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}
script() {	# SIZE VARIANT -> the pgbench script's path
	local n=$1 b base
	b=$((800 + n % 1000 / 10 + n / 1000)); base=$((b * 1000000))
	{
		echo "\\set v random($base + 10001, $base + 11000)"
		case $2 in
		flux) echo "SELECT count(*) FROM flux.recommander(:v, '2025-10-01');" ;;
		twin) cat <<SQL
SELECT c.id, c.taux, sum(x.n) FROM flux.vacance v JOIN flux.logement l ON l.id = v.logement_id
  JOIN flux.convention c ON c.bailleur_id = l.bailleur_id AND c.departement = l.departement
   AND daterange(c.date_effet, c.date_fin) @> date '2025-10-01' AND (c.communes IS NULL OR l.depcom = ANY (c.communes))
  LEFT JOIN flux.compteur_orientation x ON x.bailleur_id = l.bailleur_id AND x.departement = l.departement
   AND x.annee = 2025 AND x.destination = c.id AND x.dimension = 0
 WHERE v.id = :v GROUP BY c.id, c.taux;
SQL
		;;
		esac
	} >"$BENCH_T/$2.$n.sql"
	echo "$BENCH_T/$2.$n.sql"
}
run_flux() { pgb "$(script "$1" flux)"; }
run_twin() { pgb "$(script "$1" twin)"; }

bpsql -At -c "SELECT count(*) FROM flux.recommander($(( (800 + 2) * 1000000 + 10001 )), '2025-10-01')" >/dev/null 2>&1 ||
	bpsql -At -c "SELECT count(*) FROM flux.recommander($(( (800 + 2) * 1000000 + 10001 )), '2025-10-01')" >/dev/null
header "ms per call, client-side (pgbench, round trip included), $CALLS calls a run, $UNITS units"
for n in $SIZES; do
	interleave recommander "$n" flux twin
	report recommander "$n" flux twin
done
target recommander "median<2"
