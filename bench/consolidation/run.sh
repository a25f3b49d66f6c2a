#!/usr/bin/env bash
#
# bench/consolidation/run.sh: a territory consolidated across N (20) bailleur
# databases (docs/consolidation.md, docs/notes-consolidation.md).  At each of
# three sizes (SIZES: the smallest bailleur's units, BASE; SIZE=petit: 100 400
# 1600, idf: 300 1200 4800, france: 1000 4000 16000), N bailleur databases
# are generated set-based (test/consolidation/donnees.psql; bailleur b holds
# BASE x (1 + (b - 1) % 4) units, a third of them falling vacant each year:
# 50 x BASE units in all; idf's largest, 240 000 units, is 20 bailleurs of
# the Ile-de-France average, 1.3 M / 146), and a consolidation database reads
# them through postgres_fdw (one server each, made async_capable by
# flux.ajouter_source_consolidation, over the server's own socket or host).
# Timed, interleaved (async sync sources async sync sources ...), RUNS (5)
# runs, client-side (psql \timing: planning, execution, the rows sent), each
# in a new session after an untimed warm-up statement that opens its
# connections and warms its caches:
#
#   async     flux.territoire_bilan(2025, '69'): the Append of the N async
#             foreign scans, the N remote bilans running concurrently
#   sync      the same with enable_async_append off: the N remote bilans one
#             after the other (the same servers, the same remote queries)
#   sources   each bailleur's own flux.bilan_reservataire for 2025 and 69 in
#             its own database, one after the other: prints their sum (what
#             the N bilans cost one at a time, without postgres_fdw) and
#             records their max as
#   slowest   the slowest single source of that run: the floor no
#             consolidation beats
#
# Figures (ratio = median of the first / median of the second):
#   conso_vs_slowest  async / slowest (the issue: "about the time of the
#                     slowest one"; on this one machine the N remote bilans
#                     share its CPUs, so the floor is max(slowest, sum / CPUs)
#                     plus the serial part of postgres_fdw: one DECLARE CURSOR
#                     after the other, docs/notes-consolidation.md)
#   conso_vs_sum      async / sum of the N sources (2 CPUs: 0.5 at best)
#   conso_vs_sync     async / sync
#   sync_vs_sum       sync / sum: what postgres_fdw adds to N bilans
# and at the smallest size only:
#   connexions        the first flux.territoire_bilan of a new session minus
#                     the second (postgres_fdw opens the N connections one
#                     after the other, at the session's first foreign scan)
#   wait_vs_slowest   sources whose time is not this machine's CPU (as when
#                     each bailleur has its own server): in each bailleur
#                     database a view bench.bilan_reservataire, the bilan
#                     after pg_sleep(WAIT_MS x (1 + (b - 1) % 4) ms; WAIT_MS
#                     50), imported and UNION ALL'd like
#                     flux_consolidation.bilan_reservataire, summed per
#                     reservataire, the slowest sources' branches first
#                     (wait_first), against the slowest of those views alone
#                     (slowest: the max over b = 4, 8, ..., the 4 x WAIT_MS
#                     ones)
#   wait_last_vs_slowest  the same, the slowest sources' branches last
#                     (wait_last): the serial DECLAREs before theirs add up
#
# Needs a server reachable through the PG* variables as a superuser (the user
# mappings carry no password), with flux and postgres_fdw installable; it
# creates N + 2 databases named after PGDATABASE (default flux_bench):
# <db>_conso, <db>_b1 ... <db>_bN, <db>_tpl, and drops them at the end.
# Usage:  SIZE=petit|idf|france RUNS=5 [SIZES="300 1200 4800"] [N=20] bench/consolidation/run.sh
set -euo pipefail
cd "$(dirname "$0")"
BENCH=consolidation
. ../lib.sh
SIZES=${SIZES:-$(sizes_of "100 400 1600" "300 1200 4800" "1000 4000 16000")}
N=${N:-20}
WAIT_MS=${WAIT_MS:-50}
ADMIN=${BENCH_ADMIN_DB:-postgres}
P=${PGDATABASE:-flux_bench}
C=${P}_conso
TPL=${P}_tpl
q() { bpsql -At -P pager=off "$@" </dev/null; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
drop_bailleurs() {
	local b
	for ((b = 1; b <= N; b++)); do q -d "$ADMIN" -c "DROP DATABASE IF EXISTS ${P}_b$b WITH (FORCE)"; done
}
cleanup() {
	drop_bailleurs 2>/dev/null || true
	q -d "$ADMIN" -c "DROP DATABASE IF EXISTS $C WITH (FORCE)" -c "DROP DATABASE IF EXISTS $TPL WITH (FORCE)" 2>/dev/null || true
	rm -rf "$BENCH_T"
}
trap cleanup EXIT
cleanup; mkdir -p "$BENCH_T"

# clock DB WARMUP QUERY [SETUP]: the \timing of QUERY (ms) in a new session,
# after SETUP and WARMUP (untimed)
clock() {
	{
		[ -n "${4:-}" ] && printf '%s\n' "$4"
		printf '%s;\n\\timing on\n%s;\n' "$2" "$3"
	} | bpsql -d "$1" -o /dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
REQ="SELECT * FROM flux.territoire_bilan(2025, '69')"
WARM="SELECT count(*) FROM flux_consolidation.bilan_reservataire WHERE annee = 1900"
LOC="SELECT * FROM flux.bilan_reservataire WHERE annee = 2025 AND departement = '69'"
WREQ="SELECT categorie, reservataire, sum(proposes), sum(baux) FROM bench_attente.%s
	WHERE annee = 2025 AND departement = '69' GROUP BY 1, 2"
WWARM="SELECT count(*) FROM bench_attente.first WHERE annee = 1900"
WLOC="SELECT * FROM bench.bilan_reservataire WHERE annee = 2025 AND departement = '69'"

run_async() { clock "$C" "$WARM" "$REQ"; }
run_sync() { clock "$C" "$WARM" "$REQ" "SET enable_async_append = off;"; }
run_connexions() {	# a cold session's first call minus a warm one, same session
	{ printf '\\timing on\n%s;\n%s;\n' "$REQ" "$REQ"; } | bpsql -d "$C" -o /dev/null |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk 'NR == 1 { a = $1 } NR == 2 { printf "%.3f\n", a - $1 }'
}
sources() {	# FIGURE SIZE WARMUP QUERY [STEP]: times each source alone (every STEP-th, default 1; one session after
	# the other, \connect, each warmed up), prints the sum, records the max as FIGURE.SIZE.slowest
	local b
	for ((b = ${5:-1}; b <= N; b += ${5:-1})); do
		printf '\\connect %s\n\\timing off\n%s;\n\\timing on\n%s;\n' "${P}_b$b" "$3" "$4"
	done | bpsql -d "$C" -o /dev/null | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' |
		awk -v f="$BENCH_T/$1.$2.slowest" '{ s += $1; if ($1 > m) m = $1 } END { print m >>f; printf "%.3f\n", s }'
}
run_sources() { sources conso "$1" "EXPLAIN $LOC" "$LOC"; }
run_wait_first() { clock "$C" "$WWARM" "$(printf "$WREQ" first)"; }
run_wait_last() { clock "$C" "$WWARM" "$(printf "$WREQ" last)"; }
run_wslowest() { sources wait "$1" "EXPLAIN $WLOC" "$WLOC" 4; }
copy() {	# FROM TO SIZE VARIANT...: the runs of figure FROM reported as figure TO
	local f=$1 t=$2 s=$3 v
	shift 3
	for v in "$@"; do cp "$BENCH_T/$f.$s.$v" "$BENCH_T/$t.$s.$v"; done
}

q -d "$ADMIN" -c "CREATE DATABASE $TPL" -c "CREATE DATABASE $C"
q -d "$TPL" -c "CREATE EXTENSION flux"
q -d "$C" -c "CREATE EXTENSION postgres_fdw" -c "CREATE EXTENSION flux" -c "CREATE SCHEMA bench_attente"
header "ms, client-side, $N bailleur databases, flux.territoire_bilan(2025, '69')"
first=1
for base in $SIZES; do
	t0=$SECONDS
	drop_bailleurs
	units=0
	for ((b = 1; b <= N; b++)); do
		u=$((base * (1 + (b - 1) % 4)))
		units=$((units + u))
		q -d "$ADMIN" -c "CREATE DATABASE ${P}_b$b TEMPLATE $TPL"
	done
	echo "generating $N bailleur databases, $units units in all (${base} to $((4 * base)) each)..." >&2
	pids=()
	for ((b = 1; b <= N; b++)); do	# two at a time
		u=$((base * (1 + (b - 1) % 4)))
		( PGOPTIONS="$PGOPTIONS -c session_replication_role=replica" \
			q -d "${P}_b$b" -v b=$b -v n=$u -v v=$((u / 3)) -f ../../test/consolidation/donnees.psql >/dev/null &&
			q -d "${P}_b$b" -c "VACUUM ANALYZE" -c "CREATE SCHEMA bench" \
				-c "CREATE VIEW bench.bilan_reservataire AS SELECT r.* FROM flux.bilan_reservataire r
					WHERE (SELECT true FROM pg_catalog.pg_sleep($WAIT_MS * (1 + ($b - 1) % 4) / 1000.0))" ) &
		pids+=($!)
		if ((b % 2 == 0 || b == N)); then
			for p in "${pids[@]}"; do wait "$p"; done
			pids=()
		fi
	done
	if ((first)); then	# the servers, sources and wait-bound views, once: the databases keep their names
		for ((b = 1; b <= N; b++)); do
			q -d "$C" -c "CREATE SERVER b$b FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '${PGHOST:-/var/run/postgresql}', port '${PGPORT:-5432}', dbname '${P}_b$b')" \
				-c "CREATE USER MAPPING FOR CURRENT_USER SERVER b$b" -c "SELECT flux.ajouter_source_consolidation('b$b')" \
				-c "CREATE SCHEMA bench_b$b" -c "IMPORT FOREIGN SCHEMA bench FROM SERVER b$b INTO bench_b$b" >/dev/null
		done
		# two orders of the branches: the slowest sources (4 x WAIT_MS) first, or last
		for o in first last; do
			q -d "$C" -c "CREATE VIEW bench_attente.$o AS $(k=0; for b in $(seq 1 "$N" | awk -v o=$o '{ print ((($1 - 1) % 4 == 3) == (o == "first") ? 0 : 1), $1 }' |
				sort -k1,1n -k2,2n | cut -d' ' -f2); do
				((k++ > 0)) && printf ' UNION ALL '; printf "SELECT 'b%d'::text AS source, * FROM bench_b%d.bilan_reservataire" $b $b; done)"
		done
		# the plan: one Async Foreign Scan per source under the Append, each bilan computed remotely
		q -d "$C" -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM flux_consolidation.bilan_reservataire WHERE annee = 2025 AND departement = '69'" >"$BENCH_T/plan"
		a=$(grep -c 'Async Foreign Scan' "$BENCH_T/plan" || true)
		[ "$a" = "$N" ] || { echo "bench consolidation: $a async foreign scans, not $N:" >&2; cat "$BENCH_T/plan" >&2; exit 1; }
		echo "plan: an Append of $a Async Foreign Scans; $(grep -m1 'Remote SQL' "$BENCH_T/plan" | sed 's/^ *//' | cut -c1-60)... FROM flux.bilan_reservataire WHERE ((annee = 2025)) AND ((departement = '69'))"
	fi
	echo "generated in $((SECONDS - t0)) s; timing..." >&2; t0=$SECONDS
	interleave conso "$units" async sync sources
	copy conso conso_vs_slowest "$units" async slowest; report conso_vs_slowest "$units" async slowest
	copy conso conso_vs_sum "$units" async sources; report conso_vs_sum "$units" async sources
	copy conso conso_vs_sync "$units" async sync; report conso_vs_sync "$units" async sync
	copy conso sync_vs_sum "$units" sync sources; report sync_vs_sum "$units" sync sources
	if ((first)); then
		interleave connexions "$units" connexions
		report connexions "$units" connexions
		interleave wait "$units" wait_first wait_last wslowest
		copy wait wait_vs_slowest "$units" wait_first slowest; report wait_vs_slowest "$units" wait_first slowest
		copy wait wait_last_vs_slowest "$units" wait_last slowest; report wait_last_vs_slowest "$units" wait_last slowest
	fi
	echo "timed in $((SECONDS - t0)) s (total $SECONDS s)" >&2
	first=0
done
target conso_vs_sum "ratio<=0.75"
target wait_vs_slowest "ratio<=1.5"
echo "($N sources; slowest: the slowest single source's own bilan in each run; $(nproc) CPUs shared by the N remote bilans: see docs/notes-consolidation.md)"
