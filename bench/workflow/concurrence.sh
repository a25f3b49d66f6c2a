#!/usr/bin/env bash
#
# bench/workflow/concurrence.sh: concurrent orientations of distinct units
# never deadlock (docs/workflow.md, "Concurrency").  CLIENTS sessions (6)
# each insert TX orientations (100), one per transaction, of distinct
# vacancies of units of every size (so that the statements update the
# counters of flux.compteur_orientation in different sets), with pgbench,
# no retry; prints pgbench's failures and the deadlocks (40P01) counted, and
# fails unless both are 0 and every orientation and counter is there.
# Needs a database reachable through the PG* variables where flux can be
# created, e.g.
#   CLIENTS=6 TX=100 bench/workflow/concurrence.sh
set -euo pipefail
cd "$(dirname "$0")"
CLIENTS=${CLIENTS:-6}
TX=${TX:-100}
N=$((CLIENTS * TX))
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
psql <<SQL
SET client_min_messages = warning;
INSERT INTO flux.commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551'), ('74010', 'Anthy', '200067551')
ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (910, '900000910', 'Bench concurrence', 'esh');
INSERT INTO flux.reservataire (id, nom, categorie) VALUES (910, 'Bench Etat', 'etat'), (911, 'Bench AL', 'action_logement');
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (910000001, 910, 910, '74', '30%', '2024-01-01'), (910000002, 910, 911, '74', '10%', '2024-01-01');
-- units of every size, in two communes, in and out of a QPV
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 910000000 + i, 910, 'C' || i, CASE WHEN i % 3 = 0 THEN '74010' ELSE '74218' END, i % 7 = 0, 'C',
	   1 + i % 5, CASE WHEN i % 2 = 0 THEN 13 ELSE 12 END, true, 2000 + i % 20
  FROM generate_series(1, $N) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT 910000000 + i, 910000000 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, $N) i;
CREATE SEQUENCE public.bench_concurrence_vacance START 910000001;
SQL

cat >"${TMPDIR:-/tmp}/flux-concurrence.$$.sql" <<'SQL'
INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation)
SELECT v, 910000001 + v % 2, date '2025-03-03' + (v % 20)::integer FROM nextval('public.bench_concurrence_vacance') v;
SQL
trap 'rm -f "${TMPDIR:-/tmp}/flux-concurrence.$$.sql"' EXIT

out=$(pgbench -n -c "$CLIENTS" -j "$CLIENTS" -t "$TX" --max-tries=1 --failures-detailed \
	-f "${TMPDIR:-/tmp}/flux-concurrence.$$.sql" 2>&1 || true)
echo "$out" | grep -E '^(number of|latency average|tps)' || true
deadlocks=$(echo "$out" | sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p')
failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
got=$(psql -At -c "SELECT count(*) FROM flux.orientation WHERE vacance_id BETWEEN 910000001 AND 910000000 + $N")
# the counters agree with the orientations (all of the flux, every dimension)
diff=$(psql -At <<SQL
SELECT count(*) FROM (
	SELECT k.dimension, sum(k.n) FROM flux.compteur_orientation k
	 WHERE k.bailleur_id = 910 AND k.destination = -1 GROUP BY 1) c
 WHERE c.sum <> $N
SQL
)
echo "clients $CLIENTS x transactions $TX: $got of $N orientations, ${failed:-?} failed, ${deadlocks:-?} deadlocks (40P01), counters off on $diff dimensions"

psql <<SQL >/dev/null
SET client_min_messages = warning;
DROP SEQUENCE public.bench_concurrence_vacance;
ALTER TABLE flux.orientation_historique DISABLE TRIGGER historique_immuable;
DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id BETWEEN 910000001 AND 910000000 + $N);
ALTER TABLE flux.orientation_historique ENABLE TRIGGER historique_immuable;
ALTER TABLE flux.orientation DISABLE TRIGGER orientation_sans_suppression;
DELETE FROM flux.orientation WHERE vacance_id BETWEEN 910000001 AND 910000000 + $N;
ALTER TABLE flux.orientation ENABLE TRIGGER orientation_sans_suppression;
DELETE FROM flux.compteur_orientation WHERE bailleur_id = 910;
DELETE FROM flux.vacance WHERE id BETWEEN 910000001 AND 910000000 + $N;
DELETE FROM flux.logement WHERE bailleur_id = 910;
DELETE FROM flux.convention WHERE bailleur_id = 910;
DELETE FROM flux.reservataire WHERE id IN (910, 911);
DELETE FROM flux.bailleur WHERE id = 910;
SQL
[[ $got == "$N" && ${failed:-1} == 0 && ${deadlocks:-1} == 0 && $diff == 0 ]]
