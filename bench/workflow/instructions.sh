#!/usr/bin/env bash
#
# bench/workflow/instructions.sh: what the workflow's triggers cost, in
# instructions (valgrind's callgrind), which a loaded machine does not
# change (docs/performance.md, "Figures of 0.13.0").  Builds a throwaway
# cluster in a temporary directory with the data of bench/workflow/run.sh
# (10 000 orientations; 1 200 of them overdue for the sweep), then runs each
# statement N times in BEGIN; ...; ROLLBACK; in a single-user backend
# (postgres --single) under callgrind, for N = 10 and N = 40, the cluster
# copied back before each run, and prints the instructions of one statement
# ((I40 - I10) / 30: the session's first calls cancel out), with the user
# triggers (flux) and without (session_replication_role = replica: the bare
# statement):
#
#   orientation   one INSERT of an orientation
#   etape         one UPDATE proposee -> acceptee
#   candidat      one INSERT of a candidate (the orientation's step with it)
#   balayage      flux.balayer_echeances over the 1 200 overdue answers, and
#                 its twin of bench/workflow/run.sh (the bare UPDATE of the
#                 same rows plus their history rows), per row (two runs
#                 minus one)
#
# Needs valgrind (Debian package valgrind) and flux installed for the
# PostgreSQL of PG_CONFIG (or EXTENSION_DESTDIR: a staging folder, as
# scripts/test's); run as a user that may run initdb (not root: root runs
# it as postgres).  A few minutes (callgrind is about 50 times slower).
set -euo pipefail
cd "$(dirname "$0")"
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
BIN=$("${PG_CONFIG:-pg_config}" --bindir)
T=$(mktemp -d /tmp/flux-instr.XXXXXX)
trap 'rm -rf "$T"' EXIT
run() { if ((EUID == 0)); then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
((EUID == 0)) && chown postgres "$T"
run "'$BIN/initdb' -D '$T/data' -A trust >/dev/null"
{
	echo "fsync = off"
	echo "port = 5499"
	echo "unix_socket_directories = '$T'"
	[ -n "${EXTENSION_DESTDIR:-}" ] && echo "extension_destdir = '$EXTENSION_DESTDIR'"
} >>"$T/data/postgresql.conf"
# the data of run.sh: its setup block, at 10 000 rows and 200 single rows
awk '/^bpsql >\/dev\/null <<SQL$/ && !f { f = 1; next } f && /^SQL$/ { exit } f' run.sh |
	sed 's/\$max/10000/g; s/\$K/200/g' >"$T/setup.sql"
cat twin.sql >"$T/twin.sql"
sweep_hand=$(awk '/^sweep_hand="/ { f = 1; sub(/^sweep_hand="/, "") } f { if (/"$/) { sub(/"$/, ""); print; exit } print }' run.sh)
((EUID == 0)) && chown -R postgres "$T"
run "'$BIN/pg_ctl' -D '$T/data' -l '$T/log' -w start >/dev/null"
run "'$BIN/createdb' -h '$T' -p 5499 wf && '$BIN/psql' -X -q -h '$T' -p 5499 -d wf -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION flux' -f '$T/twin.sql' -f '$T/setup.sql' >/dev/null"
run "'$BIN/psql' -X -q -h '$T' -p 5499 -d wf -v ON_ERROR_STOP=1 -c \"SET session_replication_role = replica; UPDATE flux.orientation SET etat = 'annulee' WHERE id BETWEEN 920001001 AND 929999999 AND etat = 'proposee'; RESET session_replication_role; SELECT flux.recompter();\" -c 'VACUUM ANALYZE' >/dev/null"
run "'$BIN/pg_ctl' -D '$T/data' -w stop >/dev/null"
cp -a "$T/data" "$T/clean"

# instructions of N runs of STATEMENT (printf with %d: the run), PRE and
# POST around them (statements ended by ";" and a blank line: postgres -j)
compter() {	# N STATEMENT PRE POST
	local n=$1 f="$T/s.sql" i
	{
		[ -n "$3" ] && printf '%s\n\n' "$3"
		for ((i = 1; i <= n; i++)); do printf 'BEGIN;\n\n'; printf "$2;\n\n" "$i"; printf 'ROLLBACK;\n\n'; done
		[ -n "$4" ] && printf '%s\n\n' "$4"
	} >"$f"
	rm -rf "$T/data" && cp -a "$T/clean" "$T/data"
	((EUID == 0)) && chown -R postgres "$T"
	run "valgrind --tool=callgrind --callgrind-out-file='$T/cg.out' '$BIN/postgres' --single -j -D '$T/data' wf <'$f' >'$T/cg.log' 2>&1"
	if grep -q ERROR "$T/cg.log"; then grep -m3 ERROR "$T/cg.log" >&2; exit 1; fi
	awk '/^summary:|^totals:/ { print $2; exit }' "$T/cg.out"
}
par_instruction() {	# NAME STATEMENT [PRE] [POST]
	local a b
	a=$(compter 10 "$2" "${3:-}" "${4:-}")
	b=$(compter 40 "$2" "${3:-}" "${4:-}")
	printf '%-22s %12d instructions a statement\n' "$1" $(((b - a) / 30))
}
BARE_ON="SET session_replication_role = replica;"
BARE_OFF="RESET session_replication_role;"
ins="INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation) VALUES (%d+930000000, 900000001, '2024-03-04')"
eta="UPDATE flux.orientation SET etat = 'acceptee', date_reponse = date_orientation WHERE id = %d+940000000"
can="INSERT INTO flux.candidature (orientation_id, nud, rang, date_designation) VALUES (%d+950000000, '074900000001', 1, '2024-03-20')"
for q in ins eta can; do
	par_instruction "${q}_flux" "${!q}"
	par_instruction "${q}_bare" "${!q}" "$BARE_ON" "$BARE_OFF"
done
sweep="SELECT count(*) FROM flux.balayer_echeances('2024-03-08')"
off="ALTER TABLE flux.orientation DISABLE TRIGGER USER;

ALTER TABLE flux.orientation_historique DISABLE TRIGGER USER;"
sw=$(( $(compter 2 "$sweep" "" "") - $(compter 1 "$sweep" "" "") ))
tw=$(( $(compter 2 "${sweep_hand//%/%%}" "$off" "") - $(compter 1 "${sweep_hand//%/%%}" "$off" "") ))
printf '%-22s %12d instructions a row (1 200 rows)\n' balayage_flux $((sw / 1200)) balayage_twin $((tw / 1200))
awk -v a="$sw" -v b="$tw" 'BEGIN { printf "balayage flux / twin   %12.2f\n", a / b }'
