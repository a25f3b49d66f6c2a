#!/usr/bin/env bash
#
# test/restauration.sh: what the DBA guide says of dump and restore ("Dump,
# restore and pg_upgrade") holds.  A database with flux and the workflow's
# data (sql/bilan.sql: orientations through every step, candidates, history,
# counters, transmissions, and 20 000 generated orientations) is dumped with
# pg_dump, restored with pg_restore in replica mode into an empty database,
# and then
#   - every table of flux holds the same rows;
#   - the bilans read the same;
#   - what flux keeps (attributaire_id, the engine's counters) needs no repair;
#   - the workflow goes on: a new orientation takes the next id.
# Prints TAP.  scripts/test runs it against its cluster (PGHOST, PGPORT,
# PGUSER set); by hand:  PGHOST=... PGPORT=... bash test/restauration.sh
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

for db in flux_dump flux_restore; do
	q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
q -d flux_dump -c "CREATE EXTENSION flux"
# the regression file's own refusals are expected: its output is not checked here
psql -X -q -d flux_dump -f sql/bilan.sql >"$tmp/bilan.log" 2>&1 </dev/null
# its 20 000 generated orientations were loaded with the triggers off: the
# counters are brought up to date first, as the DBA guide says to
q -d flux_dump -c "SELECT flux.recompter()" >/dev/null
orientations=$(q -d flux_dump -c "SELECT count(*) FROM flux.orientation")
[[ $orientations -gt 20000 ]]
ok $? "the source database holds the workflow's data ($orientations orientations)"

pg_dump -Fc -d flux_dump -f "$tmp/flux.dump" 2>"$tmp/dump.err"
ok $? "pg_dump -Fc"
PGOPTIONS='-c session_replication_role=replica' pg_restore -d flux_restore "$tmp/flux.dump" 2>"$tmp/restore.err"
rc=$?
ok $rc "pg_restore with session_replication_role = replica"
((rc == 0)) || sed 's/^/# /' "$tmp/restore.err"

empreinte() {	# $1: database, $2: relation -> row count and a digest of every row
	q -d "$1" -c "SELECT count(*) || ' ' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '-') FROM $2 x"
}
for t in $(q -d flux_dump -c "SELECT c.oid::regclass FROM pg_class c
	WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind = 'r' ORDER BY 1"); do
	a=$(empreinte flux_dump "$t")
	b=$(empreinte flux_restore "$t")
	[[ $a == "$b" ]]
	ok $? "$t: the same ${a%% *} rows"
done
for v in flux.bilan_detaille flux.bilan_reservataire flux.bilan_obligations flux.bilan_hors_flux; do
	a=$(empreinte flux_dump "$v")
	b=$(empreinte flux_restore "$v")
	[[ $a == "$b" ]]
	ok $? "$v reads the same (${a%% *} rows)"
done

[[ $(q -d flux_restore -c "SELECT flux.recalculer_attributaires()") == 0 ]]
ok $? "every attributaire_id restored (flux.recalculer_attributaires() corrects none)"
a=$(empreinte flux_restore flux.compteur_orientation)
q -d flux_restore -c "SELECT flux.recompter()" >/dev/null
b=$(empreinte flux_restore flux.compteur_orientation)
[[ $a == "$b" ]]
ok $? "the engine's counters restored (flux.recompter() rebuilds the same)"
# the identity sequences came back: a new row takes the next id
q -d flux_restore -c "INSERT INTO flux.transmission_bilan (bailleur_id, departement, annee, reservataire_id, date_envoi)
	VALUES (90, '74', 2025, 91, '2026-02-21')" >/dev/null
ok $? "the workflow goes on: a new row takes the next id of its sequence"

# the audit came back with its rows (above) and is append-only again: its
# triggers are the extension's, not data
[[ $(q -d flux_restore -c "SELECT count(*) FROM flux.audit") -gt 0 ]]
ok $? "the audit is restored with its rows"
! q -d flux_restore -c "TRUNCATE flux.audit" >/dev/null 2>&1 &&
	! q -d flux_restore -c "DELETE FROM flux.audit WHERE id = (SELECT min(id) FROM flux.audit)" >/dev/null 2>&1
ok $? "the restored audit refuses TRUNCATE and DELETE"

q -d postgres -c "DROP DATABASE flux_dump" -c "DROP DATABASE flux_restore"
echo "1..$n"
