#!/usr/bin/env bash
#
# bench/jours_ouvres/run.sh: flux.ajouter_jours_ouvres (C) over 1 M rows
# against its plain-SQL and PL/pgSQL twins (twin.sql), in the same run.
#
# Needs a database reachable through the PG* variables where flux can be
# created, e.g. `pg_virtualenv -v 15 bench/jours_ouvres/run.sh`.
#   ROWS=1000000 TWIN_ROWS=100000 RUNS=5 bench/jours_ouvres/run.sh
# The twins are 1-2 orders of magnitude slower, so they run over the first
# TWIN_ROWS rows and their cost is reported per row (ns/row) and scaled.
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${ROWS:-1000000}
TWIN_ROWS=${TWIN_ROWS:-100000}
RUNS=${RUNS:-5}
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
psql -f twin.sql >/dev/null 2>&1 || psql -f twin.sql
psql <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench.echeance;
CREATE UNLOGGED TABLE bench.echeance AS
SELECT i AS id, date '2020-01-01' + (i::bigint * 7919 % 4018)::integer AS d, (i::bigint * 13 % 31)::integer AS n
  FROM generate_series(1, $ROWS) i;
VACUUM ANALYZE bench.echeance;
SQL

# the twins must agree with C before anything is timed
psql -At -c "
SELECT count(*) FILTER (WHERE flux.ajouter_jours_ouvres(d, n) <> bench.ajouter_jours_ouvres_sql(d, n)),
       count(*) FILTER (WHERE flux.ajouter_jours_ouvres(d, n) <> bench.ajouter_jours_ouvres_plpgsql(d, n)),
       count(*) FILTER (WHERE flux.jours_ouvres_entre(d, d + n) <> bench.jours_ouvres_entre_sql(d, d + n))
  FROM bench.echeance WHERE id <= 20000" | {
	IFS='|' read -r a b c
	if [ "$a$b$c" != 000 ]; then echo "FAIL: twins disagree with C ($a, $b, $c of 20000)"; exit 1; fi
	echo "twins agree with C on 20000 rows"
}

median() {
	local sql=$1 i
	for ((i = 0; i < RUNS; i++)); do
		psql -At -c "SET jit = off" -c "SET max_parallel_workers_per_gather = 0" \
			-c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $sql" >"$tmp" || exit 1
		sed -n 's/.*"Execution Time": \([0-9.]*\).*/\1/p' "$tmp"
	done | sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

scan=$(median "SELECT sum((d - date '2000-01-01') + n) FROM bench.echeance")
c_add=$(median "SELECT sum(flux.ajouter_jours_ouvres(d, n) - d) FROM bench.echeance")
c_between=$(median "SELECT sum(flux.jours_ouvres_entre(d, d + n)) FROM bench.echeance")
sql_add=$(median "SELECT sum(bench.ajouter_jours_ouvres_sql(d, n) - d) FROM bench.echeance WHERE id <= $TWIN_ROWS")
plpgsql_add=$(median "SELECT sum(bench.ajouter_jours_ouvres_plpgsql(d, n) - d) FROM bench.echeance WHERE id <= $TWIN_ROWS")
sql_between=$(median "SELECT sum(bench.jours_ouvres_entre_sql(d, d + n)) FROM bench.echeance WHERE id <= $TWIN_ROWS")

awk -v n="$ROWS" -v tn="$TWIN_ROWS" -v runs="$RUNS" -v scan="$scan" -v ca="$c_add" -v cb="$c_between" \
	-v sa="$sql_add" -v pa="$plpgsql_add" -v sb="$sql_between" 'BEGIN {
	printf "%d rows (twins over %d), median of %d runs, jit off, no parallel workers\n", n, tn, runs
	printf "%-44s %12s %9s %10s\n", "query", "ms per 1M", "ns/row", "x C"
	row("scan only: sum(d - 2000-01-01 + n)", scan / n * 1e6, ca / n * 1e6)
	row("C   flux.ajouter_jours_ouvres", ca / n * 1e6, ca / n * 1e6)
	row("SQL ajouter_jours_ouvres_sql (twin)", sa / tn * 1e6, ca / n * 1e6)
	row("PL/pgSQL ajouter_jours_ouvres (twin)", pa / tn * 1e6, ca / n * 1e6)
	row("C   flux.jours_ouvres_entre", cb / n * 1e6, cb / n * 1e6)
	row("SQL jours_ouvres_entre_sql (twin)", sb / tn * 1e6, cb / n * 1e6)
	printf "ajouter_jours_ouvres: C is %.0fx faster than the SQL twin, %.0fx faster than the PL/pgSQL twin\n",
		(sa / tn) / (ca / n), (pa / tn) / (ca / n)
}
function row(name, ms, base) { printf "%-44s %12.1f %9.0f %10.1f\n", name, ms, ms, ms / base }'
psql -c "SET client_min_messages = warning" -c "DROP SCHEMA bench CASCADE" >/dev/null
