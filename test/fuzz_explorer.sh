#!/usr/bin/env bash
#
# test/fuzz_explorer.sh — find every crashing or XX000 call of flux's C
# functions, not just the first one.  Not run by scripts/test (the suite runs
# test/fuzz_c.sql, which stops at the first crash).
#
# Makes the calls of test/fuzz_c_generateur.psql (the same generator as the
# pgTAP file, with more calls by default), writes them as one psql script,
# one call per line with `\echo FZ <id>` before it, and runs it with
# ON_ERROR_STOP off, VERBOSITY verbose (SQLSTATE and the C source location of
# each error) and \timing.  When the server crashes, psql loses its
# connection and exits: the last call echoed is recorded as the crash, the
# server is waited for, and the run goes on from the next call.  Each crash
# is then replayed alone in a fresh session to confirm it.  A call still
# running after FZ_ATTENTE seconds (a loop deaf to statement_timeout and
# cancellation) is cancelled, then terminated, and in a throwaway cluster its
# backend is killed (SIGKILL: the server restarts), and it is reported.
#
# Builds and installs flux into the staging folder and runs in a throwaway
# cluster, or uses the existing server when PGHOST, PGPORT or PGDATABASE is
# set (database flux_fuzz is dropped and re-created there; flux must be
# installed on that server already: nothing is installed into it).
#
# Environment: FZ_GRAINE (0.4242), FZ_ALEATOIRES random calls per function
# (400), FZ_MUTATIONS per seed (100), FZ_ATTENTE seconds (60), FZ_SORTIE
# folder for the logs and the report (log/fuzz_explorer, git-ignored).
#
# Output: $FZ_SORTIE/rapport.txt — crashes (with the statement), XX/58
# errors, errors raised in flux's C without a hint, calls slower than 1 s,
# hangs, calls and outcomes per function; $FZ_SORTIE/appels.tsv one line per
# call (id, function, SQLSTATE or ok, location, ms, has hint).
#
# Usage: test/fuzz_explorer.sh [--help]
set -euo pipefail

case ${1:-} in
	"") ;;
	-h | --help) sed -n '3,34s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) sed -n '3,34s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$FLUX_ROOT"

FZ_GRAINE=${FZ_GRAINE:-0.4242}
FZ_ALEATOIRES=${FZ_ALEATOIRES:-400}
FZ_MUTATIONS=${FZ_MUTATIONS:-100}
FZ_ATTENTE=${FZ_ATTENTE:-60}
FZ_SORTIE=${FZ_SORTIE:-$FLUX_ROOT/log/fuzz_explorer}
DB=flux_fuzz
APP=flux_fuzz_explorer

fz_attendre_serveur() {
	local i
	for ((i = 0; i < 120; i++)); do
		psql -X -q -d "$DB" -Atc 'SELECT 1' >/dev/null 2>&1 </dev/null && return 0
		sleep 1
	done
	flux_die "the server did not come back"
}

# the watchdog: a call running for more than FZ_ATTENTE s is cancelled,
# terminated, then (throwaway cluster only) its backend killed
fz_chien_de_garde() {
	local pid s parent=$1
	while sleep 5; do
		kill -0 "$parent" 2>/dev/null || exit 0
		pid=$(psql -X -q -d "$DB" -Atc "SELECT pid, extract(epoch FROM now() - query_start)::int
			FROM pg_stat_activity WHERE application_name = '$APP' AND state = 'active'" 2>/dev/null </dev/null) || continue
		[[ -n $pid ]] || continue
		s=${pid#*|}
		pid=${pid%|*}
		if ((s > FZ_ATTENTE + 60)) && ! flux_external_db; then
			grep -a '^FZ [0-9]*$' "$FZ_SORTIE/appels.log" | tail -n 1 | cut -d' ' -f2 >>"$FZ_SORTIE/tues"
			kill -KILL "$pid" 2>/dev/null || true
		elif ((s > FZ_ATTENTE + 30)); then
			psql -X -q -d "$DB" -Atc "SELECT pg_terminate_backend($pid)" >/dev/null 2>&1 </dev/null || true
		elif ((s > FZ_ATTENTE)); then
			psql -X -q -d "$DB" -Atc "SELECT pg_cancel_backend($pid)" >/dev/null 2>&1 </dev/null || true
		fi
	done
}

FZ_CHIEN=
fz_arreter_chien() {
	[[ -n $FZ_CHIEN ]] && kill "$FZ_CHIEN" 2>/dev/null
	FZ_CHIEN=
	return 0
}

explorer() {
	local script=$FZ_SORTIE/appels.sql log=$FZ_SORTIE/appels.log depuis=1 dernier rc chien
	rm -rf "$FZ_SORTIE"
	mkdir -p "$FZ_SORTIE"
	: >"$FZ_SORTIE/crashs"
	: >"$FZ_SORTIE/tues"
	: >"$log"
	flux_recreatedb "$DB"
	flux_psql -q -d "$DB" -c 'CREATE EXTENSION flux' >/dev/null

	flux_say "generating the calls (seed $FZ_GRAINE, $FZ_ALEATOIRES random per function, $FZ_MUTATIONS mutations per seed)"
	(cd test && psql -X -q -v ON_ERROR_STOP=1 -d "$DB" \
		-v fz_graine="$FZ_GRAINE" -v fz_aleatoires="$FZ_ALEATOIRES" -v fz_mutations="$FZ_MUTATIONS" \
		-f fuzz_c_generateur.psql \
		-c '\pset format unaligned' -c '\pset tuples_only on' \
		-c "\\o $FZ_SORTIE/appels.tsv.in" \
		-c "SELECT id || E'\\t' || signature || E'\\t' || genre FROM fz_appel ORDER BY id" \
		-c "\\o $script" \
		-c "SELECT format(E'\\\\warn FZ %s\\n%s%s;', id, coalesce(prep || E';\\n', ''), sql) FROM fz_appel ORDER BY id" \
		</dev/null >/dev/null)
	total=$(wc -l <"$FZ_SORTIE/appels.tsv.in")
	flux_say "$total calls; running them (log: $log)"

	fz_chien_de_garde $$ &
	chien=$!
	FZ_CHIEN=$chien
	flux_at_exit fz_arreter_chien
	while :; do
		rc=0
		awk -v d="$depuis" '$1 == "\\warn" && $2 == "FZ" { on = ($3 >= d) } on' "$script" |
			PGAPPNAME=$APP stdbuf -oL psql -X -d "$DB" -v ON_ERROR_STOP=0 -v VERBOSITY=verbose \
				-c "SET statement_timeout = '${FZ_ATTENTE}s'" -c '\timing on' -c '\o /dev/null' -f - \
				>>"$log" 2>&1 || rc=$?
		((rc == 0)) && break
		dernier=$(grep -a '^FZ [0-9]*$' "$log" | tail -n 1 | cut -d' ' -f2)
		[[ -n $dernier ]] || flux_die "psql failed before any call (log: $log)"
		echo "$dernier" >>"$FZ_SORTIE/crashs"
		echo "FZ-CRASH $dernier" >>"$log"
		flux_warn "call $dernier: connection lost (status $rc); going on after it"
		fz_attendre_serveur
		depuis=$((dernier + 1))
		((depuis > total)) && break
	done
	fz_arreter_chien
	wait "$chien" 2>/dev/null || true

	# each crash alone, in a fresh session
	: >"$FZ_SORTIE/crashs_seuls"
	while read -r id; do
		[[ -n $id ]] || continue
		if grep -qx "$id" "$FZ_SORTIE/tues"; then
			echo "$id hang(killed)" >>"$FZ_SORTIE/crashs_seuls"
			continue
		fi
		rc=0
		awk -v d="$id" '$1 == "\\warn" && $2 == "FZ" { on = ($3 == d) } on' "$script" |
			psql -X -q -d "$DB" -v ON_ERROR_STOP=1 -f - >/dev/null 2>&1 || rc=$?
		if ((rc == 2)); then echo "$id yes" >>"$FZ_SORTIE/crashs_seuls"; else echo "$id no($rc)" >>"$FZ_SORTIE/crashs_seuls"; fi
		fz_attendre_serveur
	done <"$FZ_SORTIE/crashs"
	rapport
}

rapport() {
	local r=$FZ_SORTIE/rapport.txt fichiers
	fichiers=$(cd src && printf '%s\n' *.c | paste -sd'|')
	# one line per call: id, function, outcome, location, ms, hint
	awk -F'\t' -v fichiers="$fichiers" -v appels="$FZ_SORTIE/appels.tsv.in" '
		BEGIN { while ((getline l < appels) > 0) { split(l, a, "\t"); fn[a[1]] = a[2] } }
		function fin() {
			if (id != "") print id "\t" fn[id] "\t" (etat == "" ? "ok" : etat) "\t" lieu "\t" ms "\t" hint
			etat = lieu = ms = hint = ""
		}
		/^FZ [0-9]+$/ { fin(); id = $0; sub(/^FZ /, "", id); next }
		/^FZ-CRASH / { etat = "CRASH"; next }
		/ERROR:  [0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]: / { if (etat == "") { etat = $0; sub(/.*ERROR:  /, "", etat); etat = substr(etat, 1, 5) }; next }
		/^HINT:/ { hint = "hint"; next }
		/^LOCATION:/ { if (lieu == "") { lieu = $0; sub(/^LOCATION:  /, "", lieu) }; next }
		/^Time: / { ms = $2; next }
		END { fin() }' "$FZ_SORTIE/appels.log" >"$FZ_SORTIE/appels.tsv"
	{
		echo "flux SQL fuzz: $(wc -l <"$FZ_SORTIE/appels.tsv") calls, seed $FZ_GRAINE, $FZ_ALEATOIRES random per function, $FZ_MUTATIONS mutations per seed"
		echo
		echo "== crashes (connection lost), replayed alone in a fresh session"
		while read -r id seul; do
			printf '%s  %s  crashes alone: %s\n' "$id" "$(awk -F'\t' -v i="$id" '$1 == i { print $2 }' "$FZ_SORTIE/appels.tsv.in")" "$seul"
			awk -v d="$id" '$1 == "\\warn" && $2 == "FZ" { on = ($3 == d); next } on' "$FZ_SORTIE/appels.sql" | cut -c1-600
		done <"$FZ_SORTIE/crashs_seuls"
		echo
		echo "== calls whose backend ignored cancel and terminate for $((FZ_ATTENTE + 60)) s and was killed: $(paste -sd' ' "$FZ_SORTIE/tues")"
		echo
		echo "== class XX / 58 errors (function, SQLSTATE, location: calls)"
		awk -F'\t' '$3 ~ /^(XX|58)/ { print $2 "  " $3 "  " $4 }' "$FZ_SORTIE/appels.tsv" | sort | uniq -c
		echo
		echo "== the statement of the first call of each (function, location) above"
		awk -F'\t' '$3 ~ /^(XX|58)/ && !seen[$2 $4]++ { print $1 }' "$FZ_SORTIE/appels.tsv" | while read -r id; do
			echo "-- $id"
			awk -v d="$id" '$1 == "\\warn" && $2 == "FZ" { on = ($3 == d); next } on' "$FZ_SORTIE/appels.sql" | cut -c1-600
			grep -a -A1 "^FZ $id\$" "$FZ_SORTIE/appels.log" | grep -a ERROR | head -n 1 | cut -c1-300
		done
		echo
		echo "== errors raised in flux's C (LOCATION in src/*.c) without a hint (function, SQLSTATE, location: calls)"
		awk -F'\t' -v f="$fichiers" '$3 != "ok" && $3 != "CRASH" && $6 == "" && $4 ~ ("(" f "):") { print $2 "  " $3 "  " $4 }' \
			"$FZ_SORTIE/appels.tsv" | sort | uniq -c
		echo
		echo "== calls slower than 1 s (id, function, ms)"
		awk -F'\t' '$5 + 0 > 1000 { print $1 "  " $2 "  " $5 }' "$FZ_SORTIE/appels.tsv"
		echo
		echo "== per function: calls, ok, errors (by SQLSTATE)"
		awk -F'\t' '{ n[$2]++; if ($3 == "ok") ok[$2]++; else e[$2] = e[$2] " " $3 }
			END { for (f in n) print f "\t" n[f] "\t" ok[f] + 0 "\t" e[f] }' "$FZ_SORTIE/appels.tsv" |
			sort | while IFS=$'\t' read -r f c o e; do
				printf '%-60s %5d calls %5d ok  %s\n' "$f" "$c" "$o" \
					"$(tr ' ' '\n' <<<"$e" | grep . | sort | uniq -c | awk '{ printf "%s x%d ", $2, $1 }')"
			done
	} >"$r"
	cat "$r"
}

# against an existing server, flux is taken as installed there already
flux_external_db || flux_build_install
FLUX_CLUSTER_NAME="fuzz"
flux_with_cluster explorer
