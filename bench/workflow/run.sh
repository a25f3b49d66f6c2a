#!/usr/bin/env bash
#
# bench/workflow/run.sh: the cost of the workflow's triggers.  Inserts ROWS
# orientations (100 000) into flux.orientation, in the same run:
#
#   triggers   as a user does: the triggers check every rule, stamp the
#              deadlines and write the history
#   bare       the same INSERT with the user triggers disabled (foreign keys
#              and the unique index still checked): the floor
#   twin       the bare INSERT computing the same zone and answer deadline in
#              plain SQL (twin.sql): what the stamps cost done by hand
#
# and prints the medians and the ratio triggers / bare (target: under 2).
# Needs a database reachable through the PG* variables where flux can be
# created by a superuser (the bench disables the guards against deleting
# orientations and history to reset between runs), e.g.
#   ROWS=100000 RUNS=5 bench/workflow/run.sh
set -euo pipefail
cd "$(dirname "$0")"
ROWS=${ROWS:-100000}
RUNS=${RUNS:-5}
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
psql -f twin.sql >/dev/null
psql <<SQL
SET client_min_messages = warning;
-- a bailleur of ROWS units in Publier, one vacancy each, two conventions
DELETE FROM flux.candidature WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id >= 900000001);
ALTER TABLE flux.orientation_historique DISABLE TRIGGER historique_immuable;
DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id >= 900000001);
ALTER TABLE flux.orientation_historique ENABLE TRIGGER historique_immuable;
ALTER TABLE flux.orientation DISABLE TRIGGER orientation_sans_suppression;
DELETE FROM flux.orientation WHERE vacance_id >= 900000001;
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_sans_suppression;
DELETE FROM flux.vacance WHERE id >= 900000001;
DELETE FROM flux.logement WHERE bailleur_id = 900;
DELETE FROM flux.convention WHERE bailleur_id = 900;
DELETE FROM flux.reservataire WHERE id IN (900, 901);
DELETE FROM flux.bailleur WHERE id = 900;
INSERT INTO flux.commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (900, '900000900', 'Bench workflow', 'esh');
INSERT INTO flux.reservataire (id, nom, categorie) VALUES (900, 'Bench Etat', 'etat'), (901, 'Bench AL', 'action_logement');
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (900000001, 900, 900, '74', '30%', '2024-01-01'), (900000002, 900, 901, '74', '10%', '2024-01-01');
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 900000000 + i, 900, 'B' || i, '74218', false, 'C', 1 + i % 5, 13, true, 2000 FROM generate_series(1, $ROWS) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT 900000000 + i, 900000000 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, $ROWS) i;
SELECT setval('flux.orientation_id_seq', greatest((SELECT max(id) FROM flux.orientation), 1));
VACUUM ANALYZE flux.logement, flux.vacance, flux.convention;
SQL

# the twin stamps what the trigger stamps
psql -At <<SQL | { read -r diff; if [ "$diff" != 0 ]; then echo "FAIL: twin and trigger disagree on $diff rows"; exit 1; fi; echo "twin agrees with the trigger on 1000 rows"; }
BEGIN;
INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation)
SELECT v.id, 900000001 + v.id % 2, date '2025-03-03' + (v.id % 20)::integer FROM flux.vacance v
 WHERE v.id BETWEEN 900000001 AND 900001000;
SELECT count(*) FROM flux.orientation o, bench.orientation_stamps(o.vacance_id, o.convention_id, o.date_orientation) t
 WHERE o.vacance_id BETWEEN 900000001 AND 900001000
   AND (o.zone, o.echeance_reponse, o.etat::text) IS DISTINCT FROM (t.zone, t.echeance_reponse, t.etat);
ROLLBACK;
SQL

run() {	# $1: triggers | bare | twin; prints the INSERT's milliseconds
	local mode=$1 insert
	case $mode in
	triggers|bare)
		insert="INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation)
				SELECT v.id, 900000001 + v.id % 2, date '2025-03-03' + (v.id % 20)::integer
				  FROM flux.vacance v WHERE v.id >= 900000001" ;;
	twin)
		insert="INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation, etat, zone, echeance_reponse)
				SELECT v.id, 900000001 + v.id % 2, d, t.etat::flux.etat_orientation, t.zone, t.echeance_reponse
				  FROM flux.vacance v, LATERAL (SELECT date '2025-03-03' + (v.id % 20)::integer AS d) x,
					   bench.orientation_stamps(v.id, 900000001 + v.id % 2, x.d) t
				 WHERE v.id >= 900000001" ;;
	esac
	psql <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
SET client_min_messages = warning;
ALTER TABLE flux.orientation_historique DISABLE TRIGGER historique_immuable;
DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id >= 900000001);
ALTER TABLE flux.orientation_historique ENABLE TRIGGER historique_immuable;
ALTER TABLE flux.orientation DISABLE TRIGGER orientation_sans_suppression;
DELETE FROM flux.orientation WHERE vacance_id >= 900000001;
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_sans_suppression;
VACUUM flux.orientation, flux.orientation_historique;
$( [ "$mode" = triggers ] || echo "ALTER TABLE flux.orientation DISABLE TRIGGER USER;" )
\\timing on
$insert;
\\timing off
ALTER TABLE flux.orientation ENABLE TRIGGER USER;
SQL
}

median() { sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
declare -A med
for mode in triggers bare twin; do
	med[$mode]=$(for ((i = 0; i < RUNS; i++)); do run "$mode"; done | median)
done
# leave nothing behind
run bare >/dev/null

awk -v n="$ROWS" -v runs="$RUNS" -v t="${med[triggers]}" -v b="${med[bare]}" -v w="${med[twin]}" 'BEGIN {
	printf "%d orientations inserted in one statement, median of %d runs\n", n, runs
	printf "  with the triggers            %9.1f ms  %6.2f us/row\n", t, t * 1000 / n
	printf "  bare (user triggers off)     %9.1f ms  %6.2f us/row\n", b, b * 1000 / n
	printf "  plain-SQL twin of the stamps %9.1f ms  %6.2f us/row\n", w, w * 1000 / n
	printf "ratio triggers / bare: %.2f (target under 2)\n", t / b
	printf "ratio triggers / twin: %.2f\n", t / w
}'
