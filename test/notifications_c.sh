#!/usr/bin/env bash
#
# test/notifications_c.sh: flux.orientation_notifier in C (0.14.0,
# src/notifications.c) sends what 0.13.0's PL/pgSQL trigger sent, payload
# for payload, channel for channel, in the same order (TAP).
#
# Notifications reach a listener only at commit, so this cannot be a pgTAP
# file: two databases, one with the C trigger, one with 0.13.0's function
# (test/notifications_c/notifier_0_13.psql) in its place, run the same writes
# (test/notifications_c/ecritures.psql: 48 orientations in one statement in
# no order of id, to four conventions of two bailleurs, direct and
# delegated, and hors flux; changes of state several at once, rows of a
# statement whose state does not change, the deadline sweep,
# cancellations) in a psql session LISTENing on every channel, and what psql
# printed is compared line for line.
#
# Run by ./scripts/test against its cluster (PGHOST, PGPORT, PGUSER set).
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {	# $1: status (0 is ok), $2: what
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -P pager=off "$@" </dev/null; }
echo "1..6"

for db in flux_notif_c flux_notif_sql; do
	q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	q -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION flux"
done
q -d flux_notif_sql -f test/notifications_c/notifier_0_13.psql >/dev/null
[[ $(q -d flux_notif_c -c "SELECT l.lanname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang
	WHERE t.tgrelid = 'flux.orientation'::regclass AND t.tgname LIKE 'orientation_notifier_%' GROUP BY 1") == c ]]
ok $? "flux.orientation's notification triggers run flux.orientation_notifier, in C"

for db in flux_notif_c flux_notif_sql; do
	psql -X -d "$db" -f test/notifications_c/ecritures.psql </dev/null 2>"$tmp/$db.err" |
		sed 's/ received from server process with PID [0-9]*\.$//' >"$tmp/$db.out"
	grep '^Asynchronous notification ' "$tmp/$db.out" >"$tmp/$db.notif"
done
[[ ! -s $tmp/flux_notif_c.err && ! -s $tmp/flux_notif_sql.err ]]
ok $? "the writes run without an error in both databases"
[[ -s $tmp/flux_notif_c.err ]] && sed 's/^/# /' "$tmp/flux_notif_c.err"
[[ -s $tmp/flux_notif_sql.err ]] && sed 's/^/# /' "$tmp/flux_notif_sql.err"

envoyees=$(wc -l <"$tmp/flux_notif_c.notif")
attendues=$(q -d flux_notif_c -c "SELECT (SELECT count(*) FROM flux.orientation WHERE id BETWEEN 980001 AND 980048 AND convention_id IS NOT NULL)
	+ 2 * (SELECT count(*) FROM flux.orientation_historique h JOIN flux.orientation o ON o.id = h.orientation_id
			WHERE o.id BETWEEN 980001 AND 980048 AND o.convention_id IS NOT NULL AND h.de IS NOT NULL
			  AND h.vers IN (SELECT e::text FROM unnest(enum_range(NULL::flux.etat_orientation)) e))")
[[ $envoyees -gt 100 && $envoyees == "$attendues" ]]
ok $? "the C trigger sent one notification per orientation sent to a convention and two per change of state of one ($envoyees, the history says $attendues); none for hors flux or a row whose state did not change"

grep -q '"convention_id":9802}' "$tmp/flux_notif_c.notif" && grep -q '"echeance_reponse":"2025-09-03"}' "$tmp/flux_notif_c.notif"
ok $? "a delegated orientation's payload has no echeance_reponse, a direct one's has its date as JSON"

# within each statement the orientations come by increasing id
awk '/^(INSERT|UPDATE|SELECT|\(|-|  )/ { bloc++ } /^Asynchronous/ {
		match($0, /"orientation_id":[0-9]+/); id = substr($0, RSTART + 17, RLENGTH - 17) + 0
		if (bloc == b && id < dernier) bad = 1; b = bloc; dernier = id } END { exit bad }' "$tmp/flux_notif_c.out"
ok $? "each statement's notifications come in the order of the orientations' ids"

if diff "$tmp/flux_notif_sql.notif" "$tmp/flux_notif_c.notif" >"$tmp/diff"; then
	ok 0 "the C trigger sent exactly what 0.13.0's PL/pgSQL trigger sent: $envoyees notifications, same channels, payloads and order"
else
	ok 1 "the C trigger sent exactly what 0.13.0's PL/pgSQL trigger sent (< 0.13.0, > C)"
	sed 's/^/# /' "$tmp/diff" | head -40
fi

for db in flux_notif_c flux_notif_sql; do
	q -d postgres -c "DROP DATABASE IF EXISTS $db"
done
