#!/usr/bin/env bash
#
# bench/workflow/notifications.sh: what notifying new orientations costs
# (issue 16).  Inserts ROWS orientations (10 000) in one statement, each
# run committed (a notification is queued at commit), RUNS times (5) in
# three ways, interleaved run by run:
#
#   notifying   every trigger, the notifying one included, nobody listening
#   silent      the same, trigger orientation_notifier_insertion disabled
#   listened    every trigger, one session listening on one of the two
#               channels (it reads nothing while the runs go on)
#
# and prints the medians and the ratios to silent.  Needs a database
# reachable through the PG* variables where flux can be created by a
# superuser (the bench disables the guards against deleting orientations
# and history to reset between runs), e.g.
#   ROWS=10000 RUNS=5 bench/workflow/notifications.sh
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${ROWS:-10000}
RUNS=${RUNS:-5}
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
psql <<SQL
SET client_min_messages = warning;
ALTER TABLE flux.orientation_historique DISABLE TRIGGER historique_immuable;
DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id >= 910000001);
ALTER TABLE flux.orientation_historique ENABLE TRIGGER historique_immuable;
ALTER TABLE flux.orientation DISABLE TRIGGER orientation_sans_suppression;
DELETE FROM flux.orientation WHERE vacance_id >= 910000001;
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_sans_suppression;
DELETE FROM flux.vacance WHERE id >= 910000001;
DELETE FROM flux.logement WHERE bailleur_id = 910;
DELETE FROM flux.convention WHERE bailleur_id = 910;
DELETE FROM flux.reservataire WHERE id IN (910, 911);
DELETE FROM flux.bailleur WHERE id = 910;
INSERT INTO flux.commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (910, '910000910', 'Bench notifications', 'esh');
INSERT INTO flux.reservataire (id, nom, categorie) VALUES (910, 'Bench Etat', 'etat'), (911, 'Bench AL', 'action_logement');
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (910000001, 910, 910, '74', '30%', '2024-01-01'), (910000002, 910, 911, '74', '10%', '2024-01-01');
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 910000000 + i, 910, 'N' || i, '74218', false, 'C', 1 + i % 5, 13, true, 2000 FROM generate_series(1, $ROWS) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT 910000000 + i, 910000000 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, $ROWS) i;
SELECT setval('flux.orientation_id_seq', greatest((SELECT max(id) FROM flux.orientation), 1));
VACUUM ANALYZE flux.logement, flux.vacance, flux.convention;
SQL

listener=
stop_listener() { [[ -n $listener ]] && kill "$listener" 2>/dev/null; listener=; }
trap stop_listener EXIT

run() {	# $1: notifying | silent | listened; prints the INSERT's milliseconds (commit included)
	local mode=$1
	if [[ $mode == listened && -z $listener ]]; then
		command psql -X -q -c "LISTEN flux_reservataire_910" -c "SELECT pg_sleep(3600)" >/dev/null 2>&1 &
		listener=$!
		sleep 1
	elif [[ $mode != listened ]]; then
		stop_listener
	fi
	psql <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
SET client_min_messages = warning;
ALTER TABLE flux.orientation_historique DISABLE TRIGGER historique_immuable;
DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id >= 910000001);
ALTER TABLE flux.orientation_historique ENABLE TRIGGER historique_immuable;
ALTER TABLE flux.orientation DISABLE TRIGGER orientation_sans_suppression;
DELETE FROM flux.orientation WHERE vacance_id >= 910000001;
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_sans_suppression;
VACUUM flux.orientation, flux.orientation_historique;
$( [ "$mode" = silent ] && echo "ALTER TABLE flux.orientation DISABLE TRIGGER orientation_notifier_insertion;" )
\\timing on
INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation)
SELECT v.id, 910000001 + v.id % 2, date '2025-03-03' + (v.id % 20)::integer
  FROM flux.vacance v WHERE v.id >= 910000001;
\\timing off
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_notifier_insertion;
SQL
}

median() { sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
declare -A times
for ((i = 0; i < RUNS; i++)); do
	for mode in notifying silent listened; do
		times[$mode]+="$(run "$mode") "
	done
done
stop_listener
run silent >/dev/null
psql -c "ALTER TABLE flux.orientation_historique DISABLE TRIGGER historique_immuable" \
	 -c "DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id >= 910000001)" \
	 -c "ALTER TABLE flux.orientation_historique ENABLE TRIGGER historique_immuable" \
	 -c "ALTER TABLE flux.orientation DISABLE TRIGGER orientation_sans_suppression" \
	 -c "DELETE FROM flux.orientation WHERE vacance_id >= 910000001" \
	 -c "ALTER TABLE flux.orientation ENABLE TRIGGER orientation_sans_suppression" >/dev/null

declare -A med
for mode in notifying silent listened; do
	med[$mode]=$(tr ' ' '\n' <<<"${times[$mode]}" | grep . | median)
done
awk -v n="$ROWS" -v runs="$RUNS" -v a="${med[notifying]}" -v s="${med[silent]}" -v l="${med[listened]}" 'BEGIN {
	printf "%d orientations inserted in one statement and committed, median of %d interleaved runs\n", n, runs
	printf "  notifying, nobody listening  %9.1f ms  %6.2f us/row\n", a, a * 1000 / n
	printf "  notifying trigger disabled   %9.1f ms  %6.2f us/row\n", s, s * 1000 / n
	printf "  notifying, one listener      %9.1f ms  %6.2f us/row\n", l, l * 1000 / n
	printf "ratio notifying / disabled: %.2f; listened / disabled: %.2f\n", a / s, l / s
}'
