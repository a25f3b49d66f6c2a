#!/usr/bin/env bash
#
# bench/assiette/run.sh: the assiette of a generated stock at three sizes
# (SIZES units; SIZE=idf: 130 000, 430 000 and 1 300 000, one bailleur each,
# each size alone in the tables when it is timed: the smaller ones are
# deleted, so a scan reads the size's rows only),
# with RPLS exits in the year (SORTIEPATRIM 1 and 4), new programmes, and 1 %
# of its units in sales plans (by unit) and demolition plans (by programme).
# Interleaved, RUNS runs (5), server-side (EXPLAIN ANALYZE, TIMING OFF, jit
# off, no parallel worker, sequential scans).  Figures (ratio: flux / twin):
#
#   as_scan       count(*) over the bailleur's rows by sequential scan (the
#                 floor: the assiette must read every row; no twin)
#   as_assiette   flux.assiette(b, '75', 2025)  vs  the query a DBA would
#                 write: classify every unit with the inlined SQL rule
#                 (twin.sql, the same two plan joins) and group
#   as_classer    the same classify + group with the C rule flux.classer
#                 vs  with the SQL rule
#
# flux.classer is checked equal to its twin on every unit first.  Needs a
# database reachable through the PG* variables where flux can be created.
set -euo pipefail
cd "$(dirname "$0")"
BENCH=assiette
. ../lib.sh
SIZES=${SIZES:-$(sizes_of "13000 43000 130000" "130000 430000 1300000" "500000 1600000 5000000")}

bpsql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
bpsql -c "SET client_min_messages = warning" -f twin.sql >/dev/null
charger() {	# UNITS K: bailleur 100 + K, UNITS units (its programmes P = b * 10000 + i)
	local UNITS=$1 b=$((100 + $2)) P=$(((100 + $2) * 10000))
	local t0=$SECONDS
	echo "generating $UNITS units (bailleur $b)..."
	bpsql >/dev/null <<SQL
SET client_min_messages = warning;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES ($b, '123456$b', 'Bailleur francilien $b', 'esh')
ON CONFLICT DO NOTHING;
INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee, exclure_plai_adapte) VALUES ($b, '75', 2025, true)
ON CONFLICT DO NOTHING;
INSERT INTO flux.programme (id, bailleur_id, nom, depcom)
SELECT $P + i, $b, 'P' || i, '75101' FROM generate_series(1, 1000) i;
-- the units valid by construction: their foreign keys not checked row by row
SET session_replication_role = replica;
INSERT INTO flux.logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv,
                           locat, patrimoine, exclusion, mode, date_mise_en_service, sortiepatrim, date_sortie,
                           programme_id)
SELECT $b, 'L' || i, '75' || lpad((101 + i % 20)::text, 3, '0'), i % 4 = 0,
       CASE WHEN i % 97 = 0 THEN 'E' ELSE 'C' END, 1 + i % 5,
       (ARRAY[13, 10, 14, 16, 52, 12]::smallint[])[1 + i % 6], i % 13 <> 0,
       1960 + i % 66, 1960 + i % 66,
       CASE WHEN i % 50 = 0 THEN 'defense'::flux.motif_exclusion WHEN i % 77 = 0 THEN 'vente'
            WHEN i % 91 = 0 THEN 'plai_adapte' END,
       CASE WHEN i % 200 = 0 THEN 4 ELSE 1 END,
       CASE WHEN i % 500 = 0 THEN date '2025-03-01' END,
       CASE WHEN i % 1000 = 1 THEN 1 WHEN i % 1000 = 2 THEN 1 WHEN i % 1000 = 3 THEN 4 ELSE 9 END,
       CASE WHEN i % 1000 = 1 THEN date '2024-06-30' WHEN i % 1000 IN (2, 3) THEN date '2025-06-30' END,
       $P + 1 + i % 1000
  FROM generate_series(1, $UNITS) i;
RESET session_replication_role;
-- 1 % of the units in a sales plan by unit, 10 programmes (1 %) in a demolition plan
INSERT INTO flux.plan_patrimoine (bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
SELECT $b, 'vente', id, 2025, 2026, 'CUS' FROM flux.logement WHERE bailleur_id = $b AND id % 100 = 7;
INSERT INTO flux.plan_patrimoine (bailleur_id, nature, programme_id, annee_debut, annee_fin, reference)
SELECT $b, 'demolition', $P + i, 2025, 2025, 'ANRU' FROM generate_series(1, 1000, 100) i;
SQL
	echo "generated in $((SECONDS - t0)) s"
}
# the C kernel and its twin must agree on every unit (of the first size)
verifier() {
bpsql -At -c "
SELECT count(*) FROM flux.logement l LEFT JOIN (SELECT logement_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE logement_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pu ON pu.logement_id = l.id LEFT JOIN (SELECT programme_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE programme_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pp ON pp.programme_id = l.programme_id CROSS JOIN (VALUES ('annee_suivante'::flux.entree_programme), ('premiere_vacance')) e(entree)
 WHERE l.bailleur_id = 101 AND flux.classer(2025, 'esh', l.conv, l.finan, l.cus, l.typeconst, l.mode, l.hors_champ, l.exclusion,
                    l.date_sortie, l.date_mise_en_service, l.locat, true, false, l.sortiepatrim, pu.nature, pp.nature,
                    e.entree)
       IS DISTINCT FROM
       bench.classer_sql(2025, 'esh', l.conv, l.finan, l.cus, l.typeconst, l.mode, l.hors_champ, l.exclusion,
                         l.date_sortie, l.date_mise_en_service, l.locat, true, false, l.sortiepatrim, pu.nature, pp.nature,
                         e.entree)" | {
	read -r diff
	if [ "$diff" != 0 ]; then echo "FAIL: C and SQL classer disagree on $diff units"; exit 1; fi
	echo "C and SQL classer agree on every unit of bailleur 101"
}
}


PU="(SELECT logement_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE logement_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pu ON pu.logement_id = l.id"
PP="(SELECT programme_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE programme_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pp ON pp.programme_id = l.programme_id"
ARGS="2025, 'esh', l.conv, l.finan, l.cus, l.typeconst, l.mode, l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat, true, false, l.sortiepatrim, pu.nature, pp.nature, 'annee_suivante'"
seq="SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off;"
ts() { time_server "$1" "$seq"; }
bailleur() { local k=0 n; for n in $SIZES; do k=$((k + 1)); [ "$n" = "$1" ] && echo $((100 + k)); done; return 0; }
run_scan() { ts "SELECT count(*) FROM flux.logement WHERE bailleur_id = $(bailleur "$1") AND departement = '75'"; }
run_assiette() { ts "SELECT * FROM flux.assiette($(bailleur "$1"), '75', 2025)"; }
groupe() { echo "SELECT c, count(*) FROM (SELECT $1($ARGS) c FROM flux.logement l LEFT JOIN $PU LEFT JOIN $PP WHERE l.bailleur_id = $2 AND l.departement = '75') s GROUP BY 1"; }
run_c() { ts "$(groupe flux.classer "$(bailleur "$1")")"; }
run_twin() { ts "$(groupe bench.classer_sql "$(bailleur "$1")")"; }

header "ns per unit, server-side, sequential scans, each size alone in the tables"
k=0
for n in $SIZES; do
	k=$((k + 1)); b=$((100 + k))
	# this size alone in the tables: every scan reads its rows only, so that
	# the figures per unit compare from one size to the next
	autres="bailleur_id BETWEEN 101 AND 109 AND bailleur_id <> $b"	# the bench's own bailleurs only
	bpsql -c "DELETE FROM flux.plan_patrimoine WHERE $autres" -c "DELETE FROM flux.logement WHERE $autres" \
		-c "DELETE FROM flux.programme WHERE $autres" >/dev/null
	[ "$(bpsql -At -c "SELECT count(*) FROM flux.logement WHERE bailleur_id = $b")" = "$n" ] || charger "$n" "$k"
	bpsql -c "VACUUM ANALYZE flux.logement, flux.plan_patrimoine, flux.programme" >/dev/null
	if [ "$k" = 1 ]; then verifier; fi
	interleave as_scan "$n" scan
	interleave as_assiette "$n" assiette twin
	interleave as_classer "$n" c twin
	per=$(awk -v n="$n" 'BEGIN { print n / 1e6 }')
	report as_scan "$n" scan "" "$per"
	report as_assiette "$n" assiette twin "$per"
	report as_classer "$n" c twin "$per"
done
target as_assiette "ratio<=1"
target as_classer "ratio<=1"
bpsql -c "SET client_min_messages = warning" -c "DROP SCHEMA bench CASCADE" >/dev/null
