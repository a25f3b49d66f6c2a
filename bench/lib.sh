# bench/lib.sh: what every bench shares (sourced, not run).
#
#   bpsql ...                    psql -X -q, stop at the first error
#   time_server SQL              server-side: EXPLAIN (ANALYZE, TIMING OFF)
#                                "Execution Time" of one statement, in a new
#                                session (jit off, no parallel worker unless
#                                BENCH_WORKERS): every row computed, none sent
#   time_client SQL [SETUP]      client-side: psql \timing of SQL (round trip
#                                included), SETUP run untimed before it in the
#                                same session
#   time_script FILE             client-side: \timing of every statement of
#                                FILE marked by a line "-- timed" before it,
#                                summed
#   interleave FIGURE SIZE V...  runs the shell functions run_V SIZE (each
#                                prints milliseconds) in the order A B C A B C
#                                ... RUNS times (default 5), keeping each
#                                variant's times
#   report FIGURE SIZE FLUX [TWIN] [PER]
#                                prints the human line (median, spread
#                                min-max, ratio of medians FLUX / TWIN) and the
#                                machine line
#   RESULT<TAB>bench<TAB>size<TAB>figure<TAB>median_ms<TAB>min_ms<TAB>max_ms<TAB>ratio
#                                (ratio "-" without a twin); PER divides the
#                                human figures (e.g. rows: "per row")
#   target FIGURE EXPR           declares the figure's target for bench/run:
#                                TARGET<TAB>bench<TAB>figure<TAB>EXPR, EXPR one
#                                of ratio<=X, median<X (ms)
#
# BENCH is the bench's name, SIZES its three sizes (each bench sets its own
# defaults from the preset SIZE=petit|idf|france), RUNS the runs (>= 5).
set -euo pipefail
RUNS=${RUNS:-5}
SIZE=${SIZE:-idf}
BENCH_WORKERS=${BENCH_WORKERS:-0}
BENCH_T=$(mktemp -d)
trap 'rm -rf "$BENCH_T"' EXIT

bpsql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

time_server() {	# SQL [SETTINGS: statements run first, e.g. SET work_mem = ...]
	bpsql -At -c "SET jit = off" -c "SET max_parallel_workers_per_gather = $BENCH_WORKERS" \
		-c "SET client_min_messages = warning" -c "${2:-SELECT}" \
		-c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $1" |
		sed -n 's/.*"Execution Time": \([0-9.]*\).*/\1/p'
}

time_client() {
	{
		echo "SET client_min_messages = warning;"
		[ -n "${2:-}" ] && printf '%s\n' "$2"
		echo '\timing on'
		printf '%s\n' "$1"
		[[ $1 == *';' ]] || echo ';'
	} | bpsql | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ s += $1 } END { printf "%.3f\n", s }'
}

time_script() {
	awk 'BEGIN { print "SET client_min_messages = warning;" }
		/^-- timed/ { print "\\timing on"; t = 1; next }
		{ print } t && /;[ \t]*$/ { print "\\timing off"; t = 0 }' "$1" |
		bpsql | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{ s += $1 } END { printf "%.3f\n", s }'
}

interleave() {	# FIGURE SIZE VARIANT...
	local fig=$1 size=$2 r v ms
	shift 2
	for ((r = 0; r < RUNS; r++)); do
		for v in "$@"; do
			ms=$("run_$v" "$size")
			[ -n "$ms" ] || { echo "bench $BENCH: variant $v at $size printed no time" >&2; exit 1; }
			echo "$ms" >>"$BENCH_T/$fig.$size.$v"
		done
	done
}

stats() {	# FILE -> median min max
	sort -g "$1" | awk '{ t[NR] = $1 } END {
		m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f\n", m, t[1], t[NR] }'
}

report() {	# FIGURE SIZE FLUX [TWIN] [PER]
	local fig=$1 size=$2 a=$3 b=${4:-} per=${5:-1} am alo ahi bm blo bhi ratio=-
	read -r am alo ahi < <(stats "$BENCH_T/$fig.$size.$a")
	if [ -n "$b" ]; then
		read -r bm blo bhi < <(stats "$BENCH_T/$fig.$size.$b")
		ratio=$(awk -v a="$am" -v b="$bm" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
		awk -v f="$fig" -v s="$size" -v v="$b" -v m="$bm" -v lo="$blo" -v hi="$bhi" -v p="$per" 'BEGIN {
			printf "  %-30s %9s  %-22s %12.3f  %10.3f-%-10.3f (twin)\n", f, s, v, m / p, lo / p, hi / p }'
	fi
	awk -v f="$fig" -v s="$size" -v v="$a" -v m="$am" -v lo="$alo" -v hi="$ahi" -v p="$per" -v r="$ratio" 'BEGIN {
		printf "  %-30s %9s  %-22s %12.3f  %10.3f-%-10.3f x twin %s\n", f, s, v, m / p, lo / p, hi / p, r }'
	printf 'RESULT\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BENCH" "$size" "$fig" "$am" "$alo" "$ahi" "$ratio"
}

header() {	# UNIT: what the human figures are in
	printf '%s: median of %d interleaved runs, spread min-max, %s\n' "$BENCH" "$RUNS" "$1"
	printf '  %-30s %9s  %-22s %12s  %-21s %s\n' figure size variant median spread ratio
}

target() { printf 'TARGET\t%s\t%s\t%s\n' "$BENCH" "$1" "$2"; }

# the three sizes of a preset: sizes_of PETIT IDF FRANCE (each "a b c")
sizes_of() {
	case $SIZE in
	petit) echo "$1" ;;
	idf) echo "$2" ;;
	france) echo "$3" ;;
	*) echo "bench: SIZE is petit, idf or france, not $SIZE" >&2; exit 1 ;;
	esac
}

# median_client: reads a psql script on stdin (its timed statements after a
# line "\timing on"), prints the median of their \timing milliseconds
# (client-side, round trip included): for single-row statements, each its own
# statement in one warm session
median_client() {
	bpsql | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -g |
		awk '{ t[NR] = $1 } END { if (NR) print NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

# The generated territory of a preset (scripts/generateur.sql, seed 17, first
# id 100000, 3 years of flow ending last year): territoire_of prints
# "UNITS BAILLEURS" (petit 130 000 / 15, idf 1 300 000 / 146, france
# 5 000 000 / 570); territoire makes sure the current database holds it,
# generating it unless its units are there already, and then prints the
# RESULT line of its generation (bench territoire, figure generation: the
# generator's wall-clock time, the VACUUM ANALYZE after it not included).
TERRITOIRE_PREMIER_ID=100000
BENCH_RACINE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
territoire_of() { sizes_of "130000 15" "1300000 146" "5000000 570"; }
territoire() {
	local u b n t0 ms
	read -r u b < <(territoire_of)
	n=$(bpsql -At -c "SELECT count(*) FROM flux.logement WHERE id BETWEEN $TERRITOIRE_PREMIER_ID AND $TERRITOIRE_PREMIER_ID + $u - 1")
	[ "$n" = "$u" ] && return 0
	echo "generating the territory: $u units, $b bailleurs, 3 years (scripts/generateur.sql)..."
	t0=$(date +%s%N)
	bpsql -v unites="$u" -v bailleurs="$b" -v annees=3 -v graine=17 -v premier_id=$TERRITOIRE_PREMIER_ID \
		-f "$BENCH_RACINE/scripts/generateur.sql"
	ms=$((($(date +%s%N) - t0) / 1000000))
	printf 'RESULT\tterritoire\t%s\tgeneration\t%s\t%s\t%s\t-\n' "$u" "$ms" "$ms" "$ms"
	t0=$(date +%s%N)
	bpsql -c "VACUUM ANALYZE"
	echo "VACUUM ANALYZE: $((($(date +%s%N) - t0) / 1000000)) ms"
}
