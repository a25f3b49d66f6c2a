#!/usr/bin/env bash
#
# bench/bilan/run.sh: the yearly bilans over the territory of scripts/
# generateur.sql (the stock of the preset: SIZE=idf 1 300 000 units, 146
# bailleurs, 3 years of calibrated flow through the workflow; petit 130 000,
# 15; france 5 000 000, 570; bench/lib.sh territoire), generated in the
# database unless it is there already (bench/run generates it once, timed:
# figure generation).  At three sizes (SIZES units; SIZE=idf: 130 000,
# 430 000 and 1 300 000): the first bailleurs of the territory holding that
# many units (its units are in contiguous blocks by bailleur; the size
# printed is the units they hold), for the last year of flow, interleaved,
# RUNS runs (5), server-side (EXPLAIN ANALYZE, TIMING OFF of SELECT *: every
# row computed, none sent; jit off, no parallel worker unless BENCH_WORKERS,
# work_mem WORK_MEM 64MB).  Figures:
#
#   bi_scan          count(*) over the same rows: the year's orientations
#                    joined to their vacancy and unit (the floor, no twin)
#   bi_detaille, bi_reservataire, bi_obligations, bi_etapes, bi_hors_flux
#                    each bilan view in full; ratio: against bi_scan (there is
#                    no plain-SQL twin of a whole bilan; target within 3)
#   bi_compteurs     the 13 counters per réservataire over
#                    flux.bilan_orientation: the C aggregate
#                    flux.decompte_etapes vs the 13 count(*) FILTER of plain
#                    SQL (the twin)
#
# Needs a database reachable through the PG* variables where flux can be
# created by a superuser.
set -euo pipefail
cd "$(dirname "$0")"
BENCH=bilan
. ../lib.sh
SIZES=${SIZES:-$(sizes_of "13000 43000 130000" "130000 430000 1300000" "500000 1600000 5000000")}
WORK_MEM=${WORK_MEM:-64MB}	# a reporting session's work_mem

bpsql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
territoire
read -r UNITES BAILLEURS < <(territoire_of)
P=$TERRITOIRE_PREMIER_ID
AN=$(bpsql -At -c "SELECT max(extract(year FROM date_orientation))::int FROM flux.orientation WHERE id BETWEEN $P AND $P + 3 * $UNITES")
# the size n: the first k bailleurs, k = n / (units a bailleur), at least 1;
# the size printed is the units they hold, HI the last of them
declare -A HI
TAILLES=
for n in $SIZES; do
	k=$(awk -v n="$n" -v u="$UNITES" -v b="$BAILLEURS" 'BEGIN { k = int(n * b / u + 0.5); print (k < 1 ? 1 : (k > b ? b : k)) }')
	nu=$(bpsql -At -c "SELECT count(*) FROM flux.logement WHERE bailleur_id BETWEEN $P AND $((P + k - 1))")
	HI[$nu]=$((P + k - 1))
	TAILLES="$TAILLES $nu"
	echo "size $n: the first $k bailleurs, $nu units"
done
echo "the territory: $UNITES units, $BAILLEURS bailleurs; the year $AN"

ts() { time_server "$1" "SET work_mem = '$WORK_MEM'"; }
B() { echo "bailleur_id BETWEEN $P AND ${HI[$1]}"; }
run_scan() {
	ts "SELECT count(*) FROM flux.orientation o JOIN flux.vacance v ON v.id = o.vacance_id JOIN flux.logement l ON l.id = v.logement_id
	     WHERE o.date_orientation >= make_date($AN, 1, 1) AND o.date_orientation < make_date($AN + 1, 1, 1) AND l.$(B "$1")"
}
for vue in detaille reservataire obligations etapes hors_flux; do
	eval "run_$vue() { ts \"SELECT * FROM flux.bilan_$vue WHERE annee = $AN AND \$(B \"\$1\")\"; }"
done
SQLC="count(*) FILTER (WHERE propose), count(*) FILTER (WHERE attribue), count(*) FILTER (WHERE attribue AND refus_illegitime), count(*) FILTER (WHERE bail), count(*) FILTER (WHERE attribue AND prioritaire), count(*) FILTER (WHERE attribue AND dalo), count(*) FILTER (WHERE bail AND NOT qpv), count(*) FILTER (WHERE bail AND NOT qpv AND quartile = 1), count(*) FILTER (WHERE bail AND NOT qpv AND dalo), count(*) FILTER (WHERE attribue AND qpv), count(*) FILTER (WHERE attribue AND qpv AND quartile BETWEEN 2 AND 4), count(*) FILTER (WHERE attribue AND qpv AND dalo), count(*) FILTER (WHERE bail AND prioritaire)"
CC="flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile)"
G="GROUP BY bailleur_id, departement, reservataire_id"
run_c() { ts "SELECT bailleur_id, departement, reservataire_id, $CC FROM flux.bilan_orientation WHERE annee = $AN AND $(B "$1") $G"; }
run_sql() { ts "SELECT bailleur_id, departement, reservataire_id, $SQLC FROM flux.bilan_orientation WHERE annee = $AN AND $(B "$1") $G"; }

header "ms, server-side, the year $AN of the generated territory, work_mem $WORK_MEM, $BENCH_WORKERS parallel workers"
for n in $TAILLES; do
	run_scan "$n" >/dev/null	# warm the cache
	interleave bi "$n" scan detaille reservataire obligations etapes hors_flux
	interleave bi_compteurs "$n" c sql
	cp "$BENCH_T/bi.$n.scan" "$BENCH_T/bi_scan.$n.scan"
	report bi_scan "$n" scan
	for vue in detaille reservataire obligations etapes hors_flux; do
		cp "$BENCH_T/bi.$n.$vue" "$BENCH_T/bi_$vue.$n.$vue"
		cp "$BENCH_T/bi.$n.scan" "$BENCH_T/bi_$vue.$n.scan"
		report "bi_$vue" "$n" "$vue" scan
	done
	report bi_compteurs "$n" c sql
done
for vue in detaille reservataire obligations etapes hors_flux; do target "bi_$vue" "ratio<=3"; done
target bi_compteurs "ratio<=1"
