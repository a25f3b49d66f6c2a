#!/usr/bin/env bash
#
# bench/assiette/run.sh: the assiette of an Île-de-France-size stock
# (1.3 M units, generated) against a plain count(*) over the same rows,
# and flux.classer (C, the 18-argument form of 0.10.0) against its
# plain-SQL twin (twin.sql), in one run.  The stock has RPLS exits in the
# year (SORTIEPATRIM 1 and 4), new programmes, and 1 % of its units in
# sales plans (by unit) and demolition plans (by programme).
#
# Needs a database reachable through the PG* variables where flux 0.10.0+ can
# be created (e.g. inside `pg_virtualenv -v 15 bench/assiette/run.sh`, or
# PGHOST=... PGDATABASE=...).  Creates and drops schema bench_assiette data.
#   UNITS=1300000 RUNS=5 bench/assiette/run.sh
set -euo pipefail
cd "$(dirname "$0")"
UNITS=${UNITS:-1300000}
RUNS=${RUNS:-5}
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c "DROP EXTENSION IF EXISTS flux CASCADE" -c "CREATE EXTENSION flux" >/dev/null
psql -f twin.sql >/dev/null
echo "generating $UNITS units..."
psql <<SQL
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (1, '123456789', 'Bailleur francilien', 'esh');
INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee, exclure_plai_adapte) VALUES (1, '75', 2025, true);
INSERT INTO flux.programme (id, bailleur_id, nom, depcom)
SELECT i, 1, 'P' || i, '75101' FROM generate_series(1, 1000) i;
INSERT INTO flux.logement (bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv,
                           locat, patrimoine, exclusion, mode, date_mise_en_service, sortiepatrim, date_sortie,
                           programme_id)
SELECT 1, 'L' || i, '75' || lpad((101 + i % 20)::text, 3, '0'), i % 4 = 0,
       CASE WHEN i % 97 = 0 THEN 'E' ELSE 'C' END, 1 + i % 5,
       (ARRAY[13, 10, 14, 16, 52, 12]::smallint[])[1 + i % 6], i % 13 <> 0,
       1960 + i % 66, 1960 + i % 66,
       CASE WHEN i % 50 = 0 THEN 'defense'::flux.motif_exclusion WHEN i % 77 = 0 THEN 'vente'
            WHEN i % 91 = 0 THEN 'plai_adapte' END,
       CASE WHEN i % 200 = 0 THEN 4 ELSE 1 END,
       CASE WHEN i % 500 = 0 THEN date '2025-03-01' END,
       CASE WHEN i % 1000 = 1 THEN 1 WHEN i % 1000 = 2 THEN 1 WHEN i % 1000 = 3 THEN 4 ELSE 9 END,
       CASE WHEN i % 1000 = 1 THEN date '2024-06-30' WHEN i % 1000 IN (2, 3) THEN date '2025-06-30' END,
       1 + i % 1000
  FROM generate_series(1, $UNITS) i;
-- 1 % of the units in a sales plan by unit, 10 programmes (1 %) in a demolition plan
INSERT INTO flux.plan_patrimoine (bailleur_id, nature, logement_id, annee_debut, annee_fin, reference)
SELECT 1, 'vente', id, 2025, 2026, 'CUS' FROM flux.logement WHERE id % 100 = 7;
INSERT INTO flux.plan_patrimoine (bailleur_id, nature, programme_id, annee_debut, annee_fin, reference)
SELECT 1, 'demolition', i, 2025, 2025, 'ANRU' FROM generate_series(1, 1000, 100) i;
VACUUM ANALYZE flux.logement;
VACUUM ANALYZE flux.plan_patrimoine;
SQL

# the C kernel and its twin must agree on every unit
psql -At -c "
SELECT count(*) FROM flux.logement l LEFT JOIN (SELECT logement_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE logement_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pu ON pu.logement_id = l.id LEFT JOIN (SELECT programme_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE programme_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pp ON pp.programme_id = l.programme_id CROSS JOIN (VALUES ('annee_suivante'::flux.entree_programme), ('premiere_vacance')) e(entree)
 WHERE flux.classer(2025, 'esh', l.conv, l.finan, l.cus, l.typeconst, l.mode, l.hors_champ, l.exclusion,
                    l.date_sortie, l.date_mise_en_service, l.locat, true, false, l.sortiepatrim, pu.nature, pp.nature,
                    e.entree)
       IS DISTINCT FROM
       bench.classer_sql(2025, 'esh', l.conv, l.finan, l.cus, l.typeconst, l.mode, l.hors_champ, l.exclusion,
                         l.date_sortie, l.date_mise_en_service, l.locat, true, false, l.sortiepatrim, pu.nature, pp.nature,
                         e.entree)" | {
	read -r diff
	if [ "$diff" != 0 ]; then echo "FAIL: C and SQL classer disagree on $diff units"; exit 1; fi
	echo "C and SQL classer agree on every unit"
}

# one timed query: median of RUNS executions (EXPLAIN ANALYZE, TIMING OFF)
median() {
	local sql=$1 i t
	for ((i = 0; i < RUNS; i++)); do
		psql -At -c "SET jit = off" -c "SET max_parallel_workers_per_gather = 0" \
			-c "SET enable_indexscan = off" -c "SET enable_indexonlyscan = off" -c "SET enable_bitmapscan = off" \
			-c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $sql" |
			sed -n 's/.*"Execution Time": \([0-9.]*\).*/\1/p'
	done | sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

scan=$(median "SELECT count(*) FROM flux.logement WHERE bailleur_id = 1 AND departement = '75'")
assiette=$(median "SELECT * FROM flux.assiette(1, '75', 2025)")
c=$(median "SELECT c, count(*) FROM (SELECT flux.classer(2025, 'esh', l.conv, l.finan, l.cus, l.typeconst, l.mode, l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat, true, false, l.sortiepatrim, pu.nature, pp.nature, 'annee_suivante') c FROM flux.logement l LEFT JOIN (SELECT logement_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE logement_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pu ON pu.logement_id = l.id LEFT JOIN (SELECT programme_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE programme_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pp ON pp.programme_id = l.programme_id WHERE l.bailleur_id = 1 AND l.departement = '75') s GROUP BY 1")
twin=$(median "SELECT c, count(*) FROM (SELECT bench.classer_sql(2025, 'esh', l.conv, l.finan, l.cus, l.typeconst, l.mode, l.hors_champ, l.exclusion, l.date_sortie, l.date_mise_en_service, l.locat, true, false, l.sortiepatrim, pu.nature, pp.nature, 'annee_suivante') c FROM flux.logement l LEFT JOIN (SELECT logement_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE logement_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pu ON pu.logement_id = l.id LEFT JOIN (SELECT programme_id, min(nature) AS nature FROM flux.plan_patrimoine WHERE programme_id IS NOT NULL AND 2025 BETWEEN annee_debut AND annee_fin GROUP BY 1) pp ON pp.programme_id = l.programme_id WHERE l.bailleur_id = 1 AND l.departement = '75') s GROUP BY 1")

psql -c "SELECT parc_concerne AS a, exclus AS b, assiette AS c, exclus_vente, exclus_demolition, premieres_locations, hors_parc, non_concernes FROM flux.assiette(1, '75', 2025)"
awk -v n="$UNITS" -v runs="$RUNS" -v scan="$scan" -v a="$assiette" -v c="$c" -v t="$twin" 'BEGIN {
	printf "%d units, median of %d runs, jit off, no parallel workers, sequential scans\n", n, runs
	printf "%-44s %10s %8s %10s\n", "query", "ms", "ns/unit", "x scan"
	printf "%-44s %10.1f %8.0f %10.2f\n", "count(*) over the same rows (seq scan)", scan, scan * 1e6 / n, 1
	printf "%-44s %10.1f %8.0f %10.2f\n", "flux.assiette(1, 75, 2025)", a, a * 1e6 / n, a / scan
	printf "%-44s %10.1f %8.0f %10.2f\n", "classify + group, C flux.classer", c, c * 1e6 / n, c / scan
	printf "%-44s %10.1f %8.0f %10.2f\n", "classify + group, SQL twin (inlined)", t, t * 1e6 / n, t / scan
	printf "C classer vs SQL twin: %.2fx faster\n", t / c
}'
psql -c "SET client_min_messages = warning" -c "DROP SCHEMA bench CASCADE" -c "DROP EXTENSION flux CASCADE" >/dev/null
