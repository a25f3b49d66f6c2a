#!/usr/bin/env bash
#
# bench/jours_ouvres/run.sh: flux.ajouter_jours_ouvres and
# flux.jours_ouvres_entre (C) against the best plain-SQL twin a DBA would
# write: a calendar table (one row per day, is-business-day, running
# business-day number; twin.sql) joined set-based.  At three sizes (SIZES,
# rows of (date in 2020-2030, n in 0-30)), interleaved, RUNS runs (5), each
# timed server-side (EXPLAIN ANALYZE, TIMING OFF, jit off, no parallel
# worker).  Figures (ratio: flux / twin):
#
#   jo_scan       sum over the rows only (the floor; no twin)
#   jo_ajouter    sum(flux.ajouter_jours_ouvres(d, n) - d)  vs  the calendar
#                 join: the business day numbered rang(d) + n
#   jo_entre      sum(flux.jours_ouvres_entre(d, d + n))    vs  rang(d + n) - rang(d)
#
# Needs a database reachable through the PG* variables where flux can be
# created, e.g. SIZE=petit bench/jours_ouvres/run.sh or SIZES="1000000" ...
set -euo pipefail
cd "$(dirname "$0")"
BENCH=jours_ouvres
. ../lib.sh
SIZES=${SIZES:-$(sizes_of "10000 30000 100000" "100000 300000 1000000" "300000 1000000 3000000")}

bpsql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
bpsql -c "SET client_min_messages = warning" -f twin.sql >/dev/null

J1="bench.echeance e JOIN bench.calendrier c1 ON c1.jour = e.d"
run_scan() { time_server "SELECT sum((d - date '2000-01-01') + n) FROM bench.echeance WHERE id <= $1"; }
run_c_ajouter() { time_server "SELECT sum(flux.ajouter_jours_ouvres(d, n) - d) FROM bench.echeance WHERE id <= $1"; }
run_cal_ajouter() {
	time_server "SELECT sum(CASE WHEN e.n = 0 THEN e.d ELSE c2.jour END - e.d)
	  FROM $J1 JOIN bench.calendrier c2 ON c2.ouvre AND c2.rang = c1.rang + greatest(e.n, 1) WHERE e.id <= $1"
}
run_c_entre() { time_server "SELECT sum(flux.jours_ouvres_entre(d, d + n)) FROM bench.echeance WHERE id <= $1"; }
run_cal_entre() {
	time_server "SELECT sum(c2.rang - c1.rang) FROM $J1 JOIN bench.calendrier c2 ON c2.jour = e.d + e.n WHERE e.id <= $1"
}

max=0
for n in $SIZES; do ((n > max)) && max=$n; done
bpsql <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench.echeance;
CREATE UNLOGGED TABLE bench.echeance AS
SELECT i AS id, date '2020-01-01' + (i::bigint * 7919 % 4018)::integer AS d, (i::bigint * 13 % 31)::integer AS n
  FROM generate_series(1, $max) i;
CREATE INDEX ON bench.echeance (id);
VACUUM ANALYZE bench.echeance;
SQL

# the calendar twin must agree with C on every row before anything is timed
bpsql -At -c "
SELECT count(*) FILTER (WHERE flux.ajouter_jours_ouvres(e.d, e.n) <> CASE WHEN e.n = 0 THEN e.d ELSE c2.jour END),
       count(*) FILTER (WHERE flux.jours_ouvres_entre(e.d, e.d + e.n) <> c3.rang - c1.rang),
       count(*) FILTER (WHERE e.id <= 2000 AND flux.ajouter_jours_ouvres(e.d, e.n) <> bench.ajouter_jours_ouvres_sql(e.d, e.n))
  FROM $J1 JOIN bench.calendrier c2 ON c2.ouvre AND c2.rang = c1.rang + greatest(e.n, 1)
  JOIN bench.calendrier c3 ON c3.jour = e.d + e.n" | {
	IFS='|' read -r a b c
	if [ "$a$b$c" != 000 ]; then echo "FAIL: the twins disagree with C ($a, $b, $c rows)"; exit 1; fi
	echo "the calendar twin agrees with C on $max rows"
}

header "ns per row, server-side"
for n in $SIZES; do
	interleave jo_scan "$n" scan
	interleave jo_ajouter "$n" c_ajouter cal_ajouter
	interleave jo_entre "$n" c_entre cal_entre
	report jo_scan "$n" scan "" "$(awk -v n="$n" 'BEGIN { print n / 1e6 }')"
	report jo_ajouter "$n" c_ajouter cal_ajouter "$(awk -v n="$n" 'BEGIN { print n / 1e6 }')"
	report jo_entre "$n" c_entre cal_entre "$(awk -v n="$n" 'BEGIN { print n / 1e6 }')"
done
target jo_ajouter "ratio<=1"
target jo_entre "ratio<=1"
bpsql -c "SET client_min_messages = warning" -c "DROP SCHEMA bench CASCADE" >/dev/null
