#!/usr/bin/env bash
#
# bench/rpls/run.sh: load RPLS files of three sizes (100 000, 400 000 and
# 1 000 000 units by default) with 1 % bad lines (generated here, seedable
# and deterministic, no network): \copy into flux.rpls_ligne, then
# flux.charger_rpls, against its plain-SQL twin (bench/rpls/twin.sql: \copy
# into a temp table, one INSERT ... SELECT ... ON CONFLICT into flux.logement,
# its constraints and triggers on), interleaved A B A B in the same run, each
# from a freshly created flux.  Prints, per size, the median and the spread
# (min-max) of the runs: microseconds a line and lines a second of
# charger_rpls, of the staging and the load together, and of the twin; and
# checks, after every flux run, that every good line is in flux.logement and
# every bad line in flux.rpls_rejet with a reason.
#
# Needs a database reachable through the PG* variables where flux can be
# created, e.g. `pg_virtualenv -v 15 bench/rpls/run.sh`.  The sizes follow
# the preset SIZE of bench/lib.sh (bench/run sets it):
#   SIZE=petit   2 000, 10 000 and 50 000 lines, RUNS runs each
#   SIZE=idf     10 000, 100 000 and 1 000 000 lines (default): RUNS runs at
#                the first two, RUNS_BIG (1) at 1 000 000, about 4 minutes
#                on a 2-core machine (5 pairs at 1 000 000 take about 10
#                more: RUNS_BIG=5)
#   SIZE=france  100 000, 400 000 and 1 000 000 lines, RUNS_BIG 3
#   SIZES="100000 400000 1000000" RUNS=5 RUNS_BIG=3 SEED=1 bench/rpls/run.sh
#     (RUNS runs a size, RUNS_BIG from 1 000 000 lines)
#   UNITS=100000 bench/rpls/run.sh      one size (SIZES=$UNITS)
#   FLOOR=1 bench/rpls/run.sh           also, interleaved in each run, the
#                                       floor: the twin into a copy of
#                                       flux.logement without its foreign keys
#                                       (twin_sans_fk), without its foreign
#                                       keys nor checks (twin_sans_fk_check),
#                                       and a bare \copy of the file into a
#                                       temp table (copy_nue)
#   STAGE=octets bench/rpls/run.sh      stage with \lo_import + flux.deposer_rpls (0.9.0)
#   VERSION=0.8.0 bench/rpls/run.sh     an earlier version, to compare
#   RELOAD=1 bench/rpls/run.sh          also time a reload of the same file (idempotent)
#
# Prints RESULT lines (bench/lib.sh: ms a load, ratio to the twin) and the
# TARGET of issue 17: 50 000 lines a second (the figure
# ms_per_1000_lines, staging and load, under 20 ms) and flat per line (the
# figure flat: us a line at the largest size, ratio to the smallest
# size's, at most 1.2).
set -euo pipefail
cd "$(dirname "$0")"
BENCH=rpls
. ../lib.sh
case $SIZE in
petit) big_default=5 ;;
idf) big_default=1 ;;
*) big_default=3 ;;
esac
SIZES=${SIZES:-${UNITS:-$(sizes_of "2000 10000 50000" "10000 100000 1000000" "100000 400000 1000000")}}
RUNS_BIG=${RUNS_BIG:-$big_default}
SEED=${SEED:-1}
STAGE=${STAGE:-copy}
VERSION=${VERSION:-}
RELOAD=${RELOAD:-0}
FLOOR=${FLOOR:-0}
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
file=$(mktemp --suffix=.csv)
times=$(mktemp)
trap 'rm -f "$file" "$times"; rm -rf "$BENCH_T"' EXIT

# the file: every 100th line is bad, in one of ten ways; the seed shifts the
# communes, the values and which way each bad line is bad
generate() {
awk -v n="$UNITS" -v seed="$SEED" 'BEGIN {
	print "IDENT_REP;IDENT_INT;NUMVOIE;TYPVOIE;NOMVOIE;DEPCOM;LIBCOM;EPCI;QPV;TYPECONST;NBPIECE;SURFHAB;CONSTRUCT;LOCAT;PATRIMOINE;ORIGINE;FINAN;CUS;CONV;SORTIEPATRIM;MODE;LOYERPRINC;CONTRESLOG"
	split("13 10 14 12 52 13", fin, " ")
	for (i = 1; i <= n; i++) {
		rep = sprintf("93%08d", i); id = sprintf("B-%06d", i)
		j = i + seed
		dep = sprintf("93%03d", 1 + j % 70); qpv = (j % 4 == 0) ? 1 : 2; pieces = 1 + j % 5
		f = fin[1 + j % 6]; surf = sprintf("%d,%d", 20 + pieces * 15, j % 10)
		line = rep ";" id ";" (j % 90) ";RUE;de la République;" dep ";Commune;200054781;" qpv ";C;" pieces ";" surf ";" (1960 + j % 60) ";" (1961 + j % 60) ";" (1961 + j % 60) ";1;" f ";;1;9;1;" (300 + j % 400) ";" (1 + j % 7)
		if (i % 100 == 0) {
			k = (i / 100 + seed) % 10
			if (k == 0) sub(";C;", ";Z;", line)                       # TYPECONST
			else if (k == 1) line = rep ";" id ";1;RUE"              # too few fields
			else if (k == 2) sub(";" dep ";", ";9X01;", line)         # DEPCOM
			else if (k == 3) sub(";" f ";", ";18;", line)             # FINAN
			else if (k == 4) sub(";" pieces ";", ";0;", line)         # a 0 code (QPV or NBPIECE)
			else if (k == 5) sub(/^93[0-9]+;/, "93;", line)           # IDENT_REP
			else if (k == 6) sub(";" id ";", ";;", line)              # IDENT_INT empty
			else if (k == 7) sub(";1;9;1;", ";3;9;1;", line)          # CONV
			else if (k == 8) sub(";" surf ";", ";vingt;", line)       # SURFHAB
			else line = rep ";" sprintf("B-%06d", i - 1) substr(line, length(rep) + length(id) + 2)  # duplicate IDENT_INT
		}
		print line
	}
}' >"$file"
}

# a fresh flux, its bailleur and the 70 communes of the file (since 0.10.0 a
# DEPCOM must be one of flux.commune); a checkpoint, so that no run pays the
# writes of the one before
fresh() {
	psql -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS rpls_plancher CASCADE" \
		-c "DROP EXTENSION IF EXISTS flux CASCADE" \
		-c "CREATE EXTENSION flux${VERSION:+ VERSION '$VERSION'}" >/dev/null
	psql -c "INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (1, '552046484', 'Bailleur bench', 'oph')" >/dev/null
	psql -c "INSERT INTO flux.commune (depcom, nom) SELECT format('93%s', lpad(i::text, 3, '0')), format('Commune %s', i) FROM generate_series(1, 70) i" >/dev/null
	psql -c "CHECKPOINT" >/dev/null
}

# one load by flux: staging and loading share one session (one psql, \timing
# on); prints "staging_ms load_ms lues|inserees|mises_a_jour|inchangees|rejetees"
load() {
	local stage
	if [[ $STAGE == octets ]]; then
		# the file's bytes, read by psql, staged line by line by flux
		stage="\\lo_import '$file'
SELECT flux.deposer_rpls(lo_get(:LASTOID)) + 0 * lo_unlink(:LASTOID) \\g /dev/null"
	else
		stage="\\copy flux.rpls_ligne (texte) FROM '$file' WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')"
	fi
	printf '%s\n' "SET client_min_messages = warning;" "\\timing on" "$stage" "SELECT * FROM flux.charger_rpls(1, 2025);" |
		psql -At |
		awk '/^Time:/ { t[++k] = $2 } /^[0-9]+\|/ { r = $0 } END { print t[k - 1], t[k], r }'
}

# the twin: every statement of bench/rpls/twin.sql in one session; prints ms
# (into TABLE, default flux.logement)
twin() {
	{ echo '\timing on'; sed "s|'FILE'|'$file'|; s|INTO flux.logement AS l|INTO ${1:-flux.logement} AS l|" twin.sql; } |
		psql -v bailleur=1 -v annee=2025 |
		awk '/^Time:/ { t += $2 } END { print t }'
}

# the floor (FLOOR=1): copies of flux.logement without its foreign keys
# (LIKE ... INCLUDING ALL: its checks, indexes, defaults and generated
# column), and without its checks either (NOT NULL kept); a bare \copy
plancher() {
	psql -c "CREATE SCHEMA rpls_plancher" \
		-c "CREATE TABLE rpls_plancher.sans_fk (LIKE flux.logement INCLUDING ALL)" \
		-c "CREATE TABLE rpls_plancher.sans_fk_check (LIKE flux.logement INCLUDING ALL EXCLUDING CONSTRAINTS)" >/dev/null
	psql -c "CHECKPOINT" >/dev/null
}
copy_nue() {
	printf '%s\n' '\timing on' "CREATE TEMP TABLE nue (texte text);" \
		"\\copy nue FROM '$file' WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')" |
		psql | awk '/^Time:/ { t = $2 } END { print t }'
}

check() {
	psql -At -c "SELECT (SELECT count(*) FROM flux.logement) = $UNITS - $UNITS / 100
	                AND (SELECT count(*) FROM flux.rpls_rejet WHERE cardinality(raisons) > 0) = $1 * ($UNITS / 100)" |
		grep -qx t || { echo "FAIL: counts differ at $UNITS units"; exit 1; }
}

# since 0.10.0 a reload replaces the rejects of its lines; before, it added
# them again
twice=1
[[ -n $VERSION ]] && twice=2

echo "flux ${VERSION:-default version}, staged by $STAGE, seed $SEED; runs interleaved flux, twin, flux, twin..."
for UNITS in $SIZES; do
	generate
	runs=$RUNS
	((UNITS >= 1000000)) && runs=$RUNS_BIG
	for ((r = 1; r <= runs; r++)); do
		fresh
		read -r st ld row < <(load)
		check 1
		if [[ $RELOAD == 1 ]]; then
			read -r rst rld rrow < <(load)
			check "$twice"
			echo "reload $UNITS $rst $rld" >>"$times"
		fi
		echo "flux $UNITS $st $ld" >>"$times"
		if ((r == 1)); then
			echo "  $UNITS units: lues|inserees|mises_a_jour|inchangees|rejetees = $row"
			# the reasons of the first file's rejects
			[[ $UNITS == "${SIZES%% *}" ]] &&
				psql -c "SELECT regexp_replace(raisons[1], '[0-9]{3,}', 'N', 'g') AS first_reason, count(*) AS lines
				            FROM flux.rpls_rejet GROUP BY 1 ORDER BY 1"
		fi
		fresh
		tw=$(twin)
		psql -At -c "SELECT count(*) = $UNITS - $UNITS / 100 FROM flux.logement" | grep -qx t ||
			{ echo "FAIL: the twin loaded another count at $UNITS units"; exit 1; }
		echo "twin $UNITS 0 $tw" >>"$times"
		printf '  run %d: staging %.0f ms, charger_rpls %.0f ms; twin %.0f ms\n' "$r" "$st" "$ld" "$tw"
		if [[ $FLOOR == 1 ]]; then
			for v in sans_fk sans_fk_check; do
				fresh; plancher
				ms=$(twin "rpls_plancher.$v")
				echo "twin_$v $UNITS 0 $ms" >>"$times"
				printf '         twin into flux.logement %s: %.0f ms\n' "${v//_/ }" "$ms"
			done
			ms=$(copy_nue)
			echo "copy_nue $UNITS 0 $ms" >>"$times"
			printf '         bare \\copy: %.0f ms\n' "$ms"
		fi
	done
done
awk -v floor="$FLOOR" '
function med(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function spread(a, n,   i, lo, hi) {
	lo = hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	return sprintf("%.1f-%.1f", lo, hi)
}
function mm(a, n,   i, lo, hi) {
	lo = hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
	return sprintf("%.1f\t%.1f", lo, hi)
}
# us a line of variant V at size N, in t[]; returns the count of runs
function per_line(v, n,   i, m) {
	m = c[v, n]; for (i = 1; i <= m; i++) t[i] = X[v, n, i] * 1000 / n
	return m
}
{ n = $2; if (!(n in seen)) { seen[n] = 1; order[++ns] = n } k = $1 SUBSEP n; c[k]++
  if ($1 == "flux") { L[n, c[k]] = $4 * 1000 / n; A[n, c[k]] = ($3 + $4) * 1000 / n }
  else if ($1 == "reload") R[n, c[k]] = $4 * 1000 / n
  else if ($1 == "twin") T[n, c[k]] = $4 * 1000 / n
  else X[$1, n, c[k]] = $4 }
END {
	print ""
	print "  lines     runs  charger_rpls us/line (spread)  lines/s   staging+load us/line (spread)  lines/s   twin us/line (spread)  flux/twin"
	for (s = 1; s <= ns; s++) {
		n = order[s]; m = c["flux", n]
		for (i = 1; i <= m; i++) { l[i] = L[n, i]; a[i] = A[n, i]; t[i] = T[n, i] }
		ml = med(l, m); ma = med(a, m); mt = med(t, m)
		if (s == 1) first = ma
		last = ma; lastn = n; lastlo = 1e18; lasthi = 0
		for (i = 1; i <= m; i++) { if (a[i] < lastlo) lastlo = a[i]; if (a[i] > lasthi) lasthi = a[i] }
		printf "  %-9d %4d  %8.1f (%s)  %14.0f   %8.1f (%s)  %14.0f   %8.1f (%s)  %6.2f\n",
			n, m, ml, spread(l, m), 1e6 / ml, ma, spread(a, m), 1e6 / ma, mt, spread(t, m), ma / mt
		# machine-readable, in ms a load (bench/run)
		for (i = 1; i <= m; i++) { l[i] = L[n, i] * n / 1000; a[i] = A[n, i] * n / 1000; t[i] = T[n, i] * n / 1000 }
		printf "RESULT\trpls\t%d\tcharger_rpls\t%.1f\t%s\t-\n", n, med(l, m), mm(l, m) > "/dev/stdout"
		printf "RESULT\trpls\t%d\tstaging+charger_rpls\t%.1f\t%s\t%.2f\n", n, med(a, m), mm(a, m), med(a, m) / med(t, m) > "/dev/stdout"
		printf "RESULT\trpls\t%d\ttwin\t%.1f\t%s\t-\n", n, med(t, m), mm(t, m) > "/dev/stdout"
		# the same per 1 000 lines (ms): 20 ms is 50 000 lines a second
		for (i = 1; i <= m; i++) { a[i] = A[n, i]; t[i] = T[n, i] }
		printf "RESULT\trpls\t%d\tms_per_1000_lines\t%.2f\t%s\t%.2f\n", n, med(a, m), mm(a, m), med(a, m) / med(t, m) > "/dev/stdout"
		if (c["reload", n]) { for (i = 1; i <= m; i++) l[i] = R[n, i]; ml = med(l, m)
			printf "  %-9d %4d  reload %.1f us/line (%s), %.0f lines/s\n", n, m, ml, spread(l, m), 1e6 / ml }
		if (floor == 1) {
			printf "  %-9d       floor, us/line (spread), lines/s:", n
			nv = split("twin_sans_fk twin_sans_fk_check copy_nue", vs, " "); res = ""
			for (j = 1; j <= nv; j++) { m2 = per_line(vs[j], n); mv = med(t, m2)
				printf "  %s %.1f (%s) %.0f", vs[j], mv, spread(t, m2), 1e6 / mv
				for (i = 1; i <= m2; i++) t[i] = X[vs[j], n, i]
				res = res sprintf("RESULT\trpls\t%d\t%s\t%.1f\t%s\t-\n", n, vs[j], med(t, m2), mm(t, m2)) }
			printf "\n%s", res
		}
	}
	if (ns > 1) {
		printf "  flat: %.1f us a line at %d lines, %.2f x the %d-line figure\n", last, lastn, last / first, order[1]
		printf "RESULT\trpls\t%d\tflat\t%.1f\t%.1f\t%.1f\t%.2f\n", lastn, last, lastlo, lasthi, last / first
	}
}' "$times"
target ms_per_1000_lines "median<20"
target flat "ratio<=1.2"
psql -c "SET client_min_messages = warning" -c "DROP EXTENSION flux CASCADE" >/dev/null
