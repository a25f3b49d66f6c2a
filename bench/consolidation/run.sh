#!/usr/bin/env bash
#
# bench/consolidation/run.sh: a territory consolidated across 20 bailleur
# databases (docs/consolidation.md).  At each of three sizes, 20 bailleur
# databases are generated set-based (test/consolidation/donnees.psql;
# bailleur b holds BASE x (1 + (b - 1) % 4) units, so the largest is 4 x
# BASE, and a third of its units fall vacant each year), and a
# consolidation database reads them through postgres_fdw (one server each,
# over the cluster's socket).  Timed, interleaved (A B C A B C ...), median
# and spread of RUNS:
#
#   async     flux.territoire_bilan(2025, '69') with every server
#             async_capable 'true' (an Append of async foreign scans: the
#             20 remote bilans run concurrently)
#   sync      the same with async_capable 'false' (the remote bilans one
#             after the other)
#   slowest   the largest bailleur's flux.bilan_reservataire for 2025 and
#             69, in its own database: the floor a consolidation cannot beat
#
# Each timing is the client's (psql \timing: planning, execution, the rows
# sent; the remote planning of each bilan view counts, about 10 ms at these
# sizes), in a session that ran the query once before (the 20 connections
# of postgres_fdw, made one after the other at the first query of a
# session, are not counted).  Ratios against "slowest".  The machine has 2 CPUs:
# 20 concurrent remote queries share them, so "async" cannot be 1 x
# "slowest"; it can approach (the 20 bilans' total work) / 2 CPUs.
#
# Needs a server reachable through the PG* variables as a superuser, with
# flux and postgres_fdw installable.  Usage:
#   SIZES="500 2000 8000" RUNS=5 bench/consolidation/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-500 2000 8000}
RUNS=${RUNS:-5}
N=${N:-20}
C=flux_bench_conso
q() { psql -X -q -At -v ON_ERROR_STOP=1 -P pager=off "$@" </dev/null; }
T=$(mktemp -d)
nettoyer() {
	for ((b = 1; b <= N; b++)); do q -d postgres -c "DROP DATABASE IF EXISTS flux_bench_b$b WITH (FORCE)" 2>/dev/null || true; done
	q -d postgres -c "DROP DATABASE IF EXISTS $C WITH (FORCE)" 2>/dev/null || true
	rm -rf "$T"
}
trap nettoyer EXIT
export PGOPTIONS="-c client_min_messages=warning"
median() { sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
mini() { sort -n | head -1; }
maxi() { sort -n | tail -1; }
temps() {	# $1: database, $2: query -> time seen by the client (ms), warm session
	q -d "$1" -o /dev/null -c '\timing on' -c "$2" -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
asynchrone() {	# $1: true | false
	local b
	for ((b = 1; b <= N; b++)); do echo "ALTER SERVER b$b OPTIONS (SET async_capable '$1');"; done | q -d $C -f -
}
T0=$(mktemp -d)
for base in $SIZES; do
	nettoyer; T=$(mktemp -d)
	q -d postgres -c "CREATE DATABASE $C"
	q -d $C -c "CREATE EXTENSION postgres_fdw" -c "CREATE EXTENSION flux"
	unites=0
	for ((b = 1; b <= N; b++)); do
		u=$((base * (1 + (b - 1) % 4)))
		unites=$((unites + u))
		q -d postgres -c "CREATE DATABASE flux_bench_b$b"
		q -d flux_bench_b$b -c "CREATE EXTENSION flux"
		PGOPTIONS="$PGOPTIONS -c session_replication_role=replica" \
			q -d flux_bench_b$b -v b=$b -v n=$u -v v=$((u / 3)) -f test/consolidation/donnees.psql >/dev/null
		q -d $C -c "CREATE SERVER b$b FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '${PGHOST:-/var/run/postgresql}', port '${PGPORT:-5432}', dbname 'flux_bench_b$b')" \
			-c "CREATE USER MAPPING FOR CURRENT_USER SERVER b$b" -c "SELECT flux.ajouter_source_consolidation('b$b')" >/dev/null
	done
	# the largest bailleur (4 x BASE units): b = 4, 8, ...; the slowest of them
	REQ="SELECT * FROM flux.territoire_bilan(2025, '69')"
	LOC="SELECT * FROM flux.bilan_reservataire WHERE annee = 2025 AND departement = '69'"
	lent=4; pire=0
	for ((b = 4; b <= N; b += 4)); do
		t=$(temps flux_bench_b$b "$LOC"); if awk -v t="$t" -v p="$pire" 'BEGIN { exit !(t > p) }'; then pire=$t; lent=$b; fi
	done
	for ((i = 0; i < RUNS; i++)); do
		asynchrone true; temps $C "$REQ" >>"$T/async"
		asynchrone false; temps $C "$REQ" >>"$T/sync"
		temps flux_bench_b$lent "$LOC" >>"$T/slowest"
	done
	asynchrone true
	for f in async sync slowest; do
		read -r "${f}_m" "${f}_a" "${f}_b" <<<"$(median <"$T/$f") $(mini <"$T/$f") $(maxi <"$T/$f")"
	done
	ra=$(awk -v a="$async_m" -v s="$slowest_m" 'BEGIN { printf "%.2f", a / s }')
	rs=$(awk -v a="$sync_m" -v s="$slowest_m" 'BEGIN { printf "%.2f", a / s }')
	printf '  %-8s %-10s %8.1f (%.1f-%.1f) %8.1f (%.1f-%.1f) %8.1f (%.1f-%.1f) %9s %9s\n' "$base" "$unites" \
		"$async_m" "$async_a" "$async_b" "$sync_m" "$sync_a" "$sync_b" "$slowest_m" "$slowest_a" "$slowest_b" "$ra" "$rs" >"$T/ligne"
	cat "$T/ligne" >>"$T0/tableau"
	printf 'RESULT\tconsolidation\t%s\tasync\t%s\t%s\t%s\t%s\n' "$unites" "$async_m" "$async_a" "$async_b" "$ra"
	printf 'RESULT\tconsolidation\t%s\tsync\t%s\t%s\t%s\t%s\n' "$unites" "$sync_m" "$sync_a" "$sync_b" "$rs"
	printf 'RESULT\tconsolidation\t%s\tslowest\t%s\t%s\t%s\t-\n' "$unites" "$slowest_m" "$slowest_a" "$slowest_b"
	printf 'RESULT\tconsolidation\t%s\tasync_vs_sync\t%s\t%s\t%s\t%s\n' "$unites" "$async_m" "$async_a" "$async_b" \
		"$(awk -v a="$async_m" -v s="$sync_m" 'BEGIN { printf "%.2f", a / s }')"
done
printf '%s\n' "20 bailleur databases consolidated, median (min-max) of $RUNS interleaved runs, ms"
printf '  %-8s %-10s %22s %22s %22s %9s %9s\n' size units async sync slowest async/slow sync/slow
cat "$T0/tableau"; rm -rf "$T0"
echo "(ratios: median against the slowest bailleur's own bilan; 2 CPUs run at most 2 of the 20 remote bilans at once)"
