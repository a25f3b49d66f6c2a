#!/usr/bin/env bash
#
# bench/bilan/run.sh: the yearly bilans at national size.  Generates (once)
# UNITS units (5 000 000) of 20 bailleurs in 10 départements and 1 000
# communes, 10 conventions each, and YEARS years (3) of VACANCIES vacancies
# (500 000) through the workflow's end states (leases, attributions,
# refusals, cancellations), loaded set-based with the triggers off (the
# shape of the data is what the bilans read).  Then, median of RUNS, for
# one year:
#
#   scan      a plain count(*) over the same rows: the year's orientations
#             joined to their vacancy and unit
#   bilans    the detailed bilan, per réservataire, the obligations, the stages
#             and the hors flux bilan, each
#             in full (every bailleur)
#
# serial (no parallel worker) and with 2 workers; prints the ratios and the
# parallel speed-up.  Then the counters two ways, the 13 count(*) FILTER of
# plain SQL against the C aggregate flux.decompte_etapes, over the year's
# rows of flux.bilan_orientation (the joins included) and over the same
# rows copied to a table (the aggregation alone).  Needs a database reachable through the PG* variables
# where flux can be created by a superuser, about 3 GB of disk, e.g.
#   UNITS=5000000 VACANCIES=500000 RUNS=3 bench/bilan/run.sh
set -euo pipefail
cd "$(dirname "$0")"
UNITS=${UNITS:-5000000}
VACANCIES=${VACANCIES:-500000}
YEARS=${YEARS:-3}
RUNS=${RUNS:-3}
WORK_MEM=${WORK_MEM:-64MB}	# a reporting session's work_mem
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
if [ "$(psql -At -c "SELECT count(*) FROM flux.logement WHERE bailleur_id BETWEEN 3001 AND 3020")" != "$UNITS" ]; then
echo "generating $UNITS units and $YEARS years of $VACANCIES vacancies (once)..."
PGOPTIONS='-c session_replication_role=replica' psql <<SQL
SET client_min_messages = warning;
SET maintenance_work_mem = '512MB';
INSERT INTO flux.commune (depcom, nom, epci)
SELECT d || lpad(c::text, 3, '0'), 'Commune ' || d || '-' || c, '2' || d || lpad((c % 20)::text, 6, '0')
  FROM unnest('{01,13,31,33,38,59,67,69,74,75}'::text[]) d, generate_series(1, 100) c ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille)
SELECT 3000 + b, '30000' || lpad(b::text, 4, '0'), 'Bailleur national ' || b, 'esh' FROM generate_series(1, 20) b;
INSERT INTO flux.reservataire (id, nom, categorie)
SELECT 3000 + r, 'Réservataire national ' || r,
       (ARRAY['etat', 'etat_agents', 'action_logement', 'employeur', 'employeur', 'organisme_desinteresse', 'autre',
              'employeur', 'action_logement', 'autre'])[1 + (r - 1) % 10]::flux.categorie_reservataire
  FROM generate_series(1, 10) r;
-- bailleur b works in département (b - 1) % 10: 10 conventions there
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
SELECT 3000000 + b * 100 + r, 3000 + b, 3000 + r, ('{01,13,31,33,38,59,67,69,74,75}'::text[])[1 + (b - 1) % 10],
       (ARRAY['25%', '5%', '20%', '2%', '2%', '1%', '1%', '2%', '5%', '1%'])[r]::flux.taux, '2020-01-01'
  FROM generate_series(1, 20) b, generate_series(1, 10) r;
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, construct, locat)
SELECT 30000000 + i, 3000 + b, 'N' || i,
       ('{01,13,31,33,38,59,67,69,74,75}'::text[])[1 + (b - 1) % 10] || lpad((1 + (i::bigint * 7919) % 100)::text, 3, '0'),
       (i * 31) % 7 = 0, 'C', 1 + (i * 13) % 5, (ARRAY[10, 13, 13, 13, 14, 12])[1 + (i * 17) % 6], true,
       1950 + (i * 3) % 73, 1990
  FROM generate_series(1, $UNITS) i, LATERAL (SELECT 1 + (i - 1) % 20 AS b) x;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible, date_relocation)
SELECT 30000000 + v, 30000000 + 1 + (v::bigint * 104729) % $UNITS,
       make_date(2023 + (v - 1) / $VACANCIES, 1, 1) + (v % 330), make_date(2023 + (v - 1) / $VACANCIES, 1, 1) + (v % 330) + 15,
       CASE WHEN v % 10 < 7 THEN make_date(2023 + (v - 1) / $VACANCIES, 1, 1) + (v % 330) + 45 END
  FROM generate_series(1, $VACANCIES * $YEARS) v;
INSERT INTO flux.orientation (id, vacance_id, convention_id, hors_flux, etat, date_orientation, zone, date_reponse, date_bail,
                              attributaire_id)
SELECT v.id, v.id,
       CASE WHEN x.r < 80 THEN 3000000 + (l.bailleur_id - 3000) * 100 + (ARRAY[1,1,1,1,1,2,3,3,3,3,4,5,6,7,8,9,10])[1 + x.r % 17] END,
       CASE WHEN x.r >= 80 AND x.r < 92 THEN 'non_reserve' WHEN x.r >= 92 THEN 'mutation' END::flux.motif_hors_flux,
       CASE WHEN v.date_relocation IS NOT NULL THEN 'bail_signe' WHEN x.r % 3 = 0 THEN 'refusee'
            WHEN x.r % 3 = 1 THEN 'candidats_designes' ELSE 'annulee' END::flux.etat_orientation,
       v.date_disponible, 'metropole', v.date_disponible + 1, v.date_relocation,
       CASE WHEN v.date_relocation IS NOT NULL THEN v.id END	-- its one candidate, below, has its id
  FROM flux.vacance v JOIN flux.logement l ON l.id = v.logement_id
 CROSS JOIN LATERAL (SELECT (v.id * 37) % 100 AS r) x
 WHERE v.id > 30000000;
INSERT INTO flux.candidature (id, orientation_id, nud, rang, date_designation, dalo, prioritaire, critere_priorite, quartile,
                              date_caleol, decision_caleol, rang_caleol, date_proposition, reponse_menage, date_reponse_menage, date_bail)
SELECT o.id, o.id, 'N' || lpad(o.id::text, 12, '0'), 1, o.date_orientation + 3, o.id % 11 = 0, o.id % 4 = 0,
       CASE WHEN o.id % 11 = 0 OR o.id % 4 = 0 THEN 'L. 441-1' END, (1 + o.id % 4)::smallint,
       o.date_orientation + 10, 'attribution', 1, o.date_orientation + 11, 'acceptee', o.date_orientation + 12, o.date_bail
  FROM flux.orientation o WHERE o.id > 30000000 AND o.etat = 'bail_signe';
SQL
psql -c "VACUUM ANALYZE flux.logement, flux.vacance, flux.orientation, flux.candidature, flux.convention, flux.commune"
fi
# each bailleur's yearly parameters, with its forecast of mutations given
# (bilan_hors_flux reads the forecast against the actual)
psql -c "INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee, prevision_mutation, prevision_anru)
	SELECT 3000 + b, ('{01,13,31,33,38,59,67,69,74,75}'::text[])[1 + (b - 1) % 10], y, 1500, 100
	  FROM generate_series(1, 20) b, generate_series(2023, 2022 + $YEARS) y ON CONFLICT DO NOTHING" >/dev/null

median() { sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'; }
mesure() {	# $1: workers, $2: query -> execution time in ms (every row computed, none sent)
	psql -At -c "SET max_parallel_workers_per_gather = $1" -c "SET jit = off" -c "SET work_mem = '$WORK_MEM'" \
		-c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $2" | sed -n 's/.*"Execution Time": \([0-9.]*\).*/\1/p'
}
SCAN="SELECT count(*) FROM flux.orientation o JOIN flux.vacance v ON v.id = o.vacance_id JOIN flux.logement l ON l.id = v.logement_id WHERE o.date_orientation >= '2025-01-01' AND o.date_orientation < '2026-01-01'"
NOMS=(scan detaille reservataire obligations etapes hors_flux)
REQ=("$SCAN" "SELECT * FROM flux.bilan_detaille WHERE annee = 2025" "SELECT * FROM flux.bilan_reservataire WHERE annee = 2025"
	 "SELECT * FROM flux.bilan_obligations WHERE annee = 2025" "SELECT * FROM flux.bilan_etapes WHERE annee = 2025"
	 "SELECT * FROM flux.bilan_hors_flux WHERE annee = 2025")
SQLC="count(*) FILTER (WHERE propose), count(*) FILTER (WHERE attribue), count(*) FILTER (WHERE attribue AND refus_illegitime), count(*) FILTER (WHERE bail), count(*) FILTER (WHERE attribue AND prioritaire), count(*) FILTER (WHERE attribue AND dalo), count(*) FILTER (WHERE bail AND NOT qpv), count(*) FILTER (WHERE bail AND NOT qpv AND quartile = 1), count(*) FILTER (WHERE bail AND NOT qpv AND dalo), count(*) FILTER (WHERE attribue AND qpv), count(*) FILTER (WHERE attribue AND qpv AND quartile BETWEEN 2 AND 4), count(*) FILTER (WHERE attribue AND qpv AND dalo), count(*) FILTER (WHERE bail AND prioritaire)"
CC="flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile)"
G="GROUP BY bailleur_id, departement, reservataire_id"
psql -c "DROP TABLE IF EXISTS public.bench_bilan_annee" -c "CREATE UNLOGGED TABLE public.bench_bilan_annee AS SELECT * FROM flux.bilan_orientation WHERE annee = 2025" \
	-c "VACUUM ANALYZE public.bench_bilan_annee" >/dev/null
NOMS+=(vue_sql vue_c table_sql table_c)
REQ+=("SELECT bailleur_id, departement, reservataire_id, $SQLC FROM flux.bilan_orientation WHERE annee = 2025 $G"
	  "SELECT bailleur_id, departement, reservataire_id, $CC FROM flux.bilan_orientation WHERE annee = 2025 $G"
	  "SELECT bailleur_id, departement, reservataire_id, $SQLC FROM public.bench_bilan_annee $G"
	  "SELECT bailleur_id, departement, reservataire_id, $CC FROM public.bench_bilan_annee $G")
# the runs interleave the queries, so that the machine's drift hits them alike
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mesure 0 "$SCAN" >/dev/null	# warm the cache
for ((i = 0; i < RUNS; i++)); do
	for w in 0 2; do
		for q in "${!REQ[@]}"; do mesure $w "${REQ[$q]}" >>"$T/${NOMS[$q]}.$w"; done
	done
done
for f in "$T"/*.[02]; do median <"$f" >"$f.m"; done
v() { cat "$T/$1.$2.m"; }
rows=$(psql -At -c "SELECT count(*) FROM flux.orientation WHERE date_orientation >= '2025-01-01' AND date_orientation < '2026-01-01'")
awk -v u="$UNITS" -v wm="$WORK_MEM" -v r="$rows" -v runs="$RUNS" -v s0="$(v scan 0)" -v s2="$(v scan 2)" \
	-v d0="$(v detaille 0)" -v d2="$(v detaille 2)" -v r0="$(v reservataire 0)" -v r2="$(v reservataire 2)" \
	-v o0="$(v obligations 0)" -v o2="$(v obligations 2)" -v e0="$(v etapes 0)" -v e2="$(v etapes 2)" \
	-v h0="$(v hors_flux 0)" -v h2="$(v hors_flux 2)" 'BEGIN {
	printf "%d units, %d orientations in 2025, median of %d interleaved runs, jit off, work_mem %s\n", u, r, runs, wm
	printf "each bilan computed in full (EXPLAIN ANALYZE of SELECT *: every row, none sent)\n"
	printf "  %-34s %9s %9s %14s %10s\n", "", "serial", "2 workers", "x count(*)", "speed-up"
	printf "  %-34s %7.0f ms %7.0f ms %14s %10.2f\n", "count(*) over the same rows", s0, s2, "1", s0 / s2
	printf "  %-34s %7.0f ms %7.0f ms %7.2f / %4.2f %10.2f\n", "flux.bilan_detaille", d0, d2, d0 / s0, d2 / s2, d0 / d2
	printf "  %-34s %7.0f ms %7.0f ms %7.2f / %4.2f %10.2f\n", "flux.bilan_reservataire", r0, r2, r0 / s0, r2 / s2, r0 / r2
	printf "  %-34s %7.0f ms %7.0f ms %7.2f / %4.2f %10.2f\n", "flux.bilan_obligations", o0, o2, o0 / s0, o2 / s2, o0 / o2
	printf "  %-34s %7.0f ms %7.0f ms %7.2f / %4.2f %10.2f\n", "flux.bilan_etapes", e0, e2, e0 / s0, e2 / s2, e0 / e2
	printf "  %-34s %7.0f ms %7.0f ms %7.2f / %4.2f %10.2f\n", "flux.bilan_hors_flux", h0, h2, h0 / s0, h2 / s2, h0 / h2
	printf "(ratios: each bilan against count(*), serial / with 2 workers; target within 3)\n"
}'
awk -v vs0="$(v vue_sql 0)" -v vs2="$(v vue_sql 2)" -v vc0="$(v vue_c 0)" -v vc2="$(v vue_c 2)" \
	-v ts0="$(v table_sql 0)" -v ts2="$(v table_sql 2)" -v tc0="$(v table_c 0)" -v tc2="$(v table_c 2)" 'BEGIN {
	printf "the 13 counters per réservataire: SQL count(*) FILTER against the C aggregate flux.decompte_etapes\n"
	printf "  %-34s %9s %9s %9s %9s\n", "", "SQL", "C", "SQL / C", ""
	printf "  %-34s %6.0f ms %6.0f ms %9.2f   serial\n", "over flux.bilan_orientation", vs0, vc0, vs0 / vc0
	printf "  %-34s %6.0f ms %6.0f ms %9.2f   2 workers\n", "", vs2, vc2, vs2 / vc2
	printf "  %-34s %6.0f ms %6.0f ms %9.2f   serial\n", "over the rows in a table", ts0, tc0, ts0 / tc0
	printf "  %-34s %6.0f ms %6.0f ms %9.2f   2 workers\n", "", ts2, tc2, ts2 / tc2
	printf "(SQL / C above 1: C is faster)\n"
}'
psql -c "DROP TABLE public.bench_bilan_annee" >/dev/null
