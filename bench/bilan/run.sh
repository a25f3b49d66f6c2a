#!/usr/bin/env bash
#
# bench/bilan/run.sh: the yearly bilans at three sizes (SIZES units; SIZE=idf:
# 130 000, 430 000 and 1 300 000), each size 20 bailleurs in 10 départements
# and 1 000 communes, 10 conventions each, 3 years of vacancies (10 % of the
# units a year) through the workflow's end states (leases, attributions,
# refusals, cancellations), loaded set-based with the triggers off (the
# shape of the data is what the bilans read).  For 2025 and the size's 20
# bailleurs, interleaved, RUNS runs (5), server-side (EXPLAIN ANALYZE,
# TIMING OFF of SELECT *: every row computed, none sent; jit off, no parallel
# worker unless BENCH_WORKERS, work_mem WORK_MEM 64MB).  Figures:
#
#   bi_scan          count(*) over the same rows: the year's orientations
#                    joined to their vacancy and unit (the floor, no twin)
#   bi_detaille, bi_reservataire, bi_obligations, bi_etapes, bi_hors_flux
#                    each bilan view in full; ratio: against bi_scan (there is
#                    no plain-SQL twin of a whole bilan; target within 3)
#   bi_compteurs     the 13 counters per réservataire over
#                    flux.bilan_orientation: the C aggregate
#                    flux.decompte_etapes vs the 13 count(*) FILTER of plain
#                    SQL (the twin)
#
# Needs a database reachable through the PG* variables where flux can be
# created by a superuser.
set -euo pipefail
cd "$(dirname "$0")"
BENCH=bilan
. ../lib.sh
SIZES=${SIZES:-$(sizes_of "13000 43000 130000" "130000 430000 1300000" "500000 1600000 5000000")}
WORK_MEM=${WORK_MEM:-64MB}	# a reporting session's work_mem
YEARS=3

bpsql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
k=0
for UNITS in $SIZES; do
	k=$((k + 1)); B=$((3000 + 100 * k)); O=$(((30 + 10 * k) * 1000000)); VACANCIES=$((UNITS / 10))
	[ "$(bpsql -At -c "SELECT count(*) FROM flux.logement WHERE bailleur_id BETWEEN $B + 1 AND $B + 20")" = "$UNITS" ] && continue
	echo "generating $UNITS units and $YEARS years of $VACANCIES vacancies (bailleurs $((B + 1))-$((B + 20)))..."
	PGOPTIONS='-c session_replication_role=replica' bpsql >/dev/null <<SQL
SET client_min_messages = warning;
SET maintenance_work_mem = '512MB';
INSERT INTO flux.commune (depcom, nom, epci)
SELECT d || lpad(c::text, 3, '0'), 'Commune ' || d || '-' || c, '2' || d || lpad((c % 20)::text, 6, '0')
  FROM unnest('{01,13,31,33,38,59,67,69,74,75}'::text[]) d, generate_series(1, 100) c ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille)
SELECT $B + b, '3' || lpad(($B + b)::text, 8, '0'), 'Bailleur national ' || ($B + b), 'esh' FROM generate_series(1, 20) b;
INSERT INTO flux.reservataire (id, nom, categorie)
SELECT 3000 + r, 'Réservataire national ' || r,
       (ARRAY['etat', 'etat_agents', 'action_logement', 'employeur', 'employeur', 'organisme_desinteresse', 'autre',
              'employeur', 'action_logement', 'autre'])[1 + (r - 1) % 10]::flux.categorie_reservataire
  FROM generate_series(1, 10) r ON CONFLICT DO NOTHING;
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
SELECT ($B + b) * 100 + r, $B + b, 3000 + r, ('{01,13,31,33,38,59,67,69,74,75}'::text[])[1 + (b - 1) % 10],
       (ARRAY['25%', '5%', '20%', '2%', '2%', '1%', '1%', '2%', '5%', '1%'])[r]::flux.taux, '2020-01-01'
  FROM generate_series(1, 20) b, generate_series(1, 10) r;
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, construct, locat)
SELECT $O + i, $B + b, 'N' || i,
       ('{01,13,31,33,38,59,67,69,74,75}'::text[])[1 + (b - 1) % 10] || lpad((1 + (i::bigint * 7919) % 100)::text, 3, '0'),
       (i * 31) % 7 = 0, 'C', 1 + (i * 13) % 5, (ARRAY[10, 13, 13, 13, 14, 12])[1 + (i * 17) % 6], true,
       1950 + (i * 3) % 73, 1990
  FROM generate_series(1, $UNITS) i, LATERAL (SELECT 1 + (i - 1) % 20 AS b) x;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible, date_relocation)
SELECT $O + v, $O + 1 + (v::bigint * 104729) % $UNITS,
       make_date(2023 + (v - 1) / $VACANCIES, 1, 1) + (v % 330), make_date(2023 + (v - 1) / $VACANCIES, 1, 1) + (v % 330) + 15,
       CASE WHEN v % 10 < 7 THEN make_date(2023 + (v - 1) / $VACANCIES, 1, 1) + (v % 330) + 45 END
  FROM generate_series(1, $VACANCIES * $YEARS) v;
INSERT INTO flux.orientation (id, vacance_id, convention_id, hors_flux, etat, date_orientation, zone, date_reponse, date_bail,
                              attributaire_id)
SELECT v.id, v.id,
       CASE WHEN x.r < 80 THEN l.bailleur_id * 100 + (ARRAY[1,1,1,1,1,2,3,3,3,3,4,5,6,7,8,9,10])[1 + x.r % 17] END,
       CASE WHEN x.r >= 80 AND x.r < 92 THEN 'non_reserve' WHEN x.r >= 92 THEN 'mutation' END::flux.motif_hors_flux,
       CASE WHEN v.date_relocation IS NOT NULL THEN 'bail_signe' WHEN x.r % 3 = 0 THEN 'refusee'
            WHEN x.r % 3 = 1 THEN 'candidats_designes' ELSE 'annulee' END::flux.etat_orientation,
       v.date_disponible, 'metropole', v.date_disponible + 1, v.date_relocation,
       CASE WHEN v.date_relocation IS NOT NULL THEN v.id END	-- its one candidate, below, has its id
  FROM flux.vacance v JOIN flux.logement l ON l.id = v.logement_id
 CROSS JOIN LATERAL (SELECT (v.id * 37) % 100 AS r) x
 WHERE v.id > $O AND v.id < $O + 10000000;
INSERT INTO flux.candidature (id, orientation_id, nud, rang, date_designation, dalo, prioritaire, critere_priorite, quartile,
                              date_caleol, decision_caleol, rang_caleol, date_proposition, reponse_menage, date_reponse_menage, date_bail)
SELECT o.id, o.id, 'N' || lpad(o.id::text, 12, '0'), 1, o.date_orientation + 3, o.id % 11 = 0, o.id % 4 = 0,
       CASE WHEN o.id % 11 = 0 OR o.id % 4 = 0 THEN 'L. 441-1' END, (1 + o.id % 4)::smallint,
       o.date_orientation + 10, 'attribution', 1, o.date_orientation + 11, 'acceptee', o.date_orientation + 12, o.date_bail
  FROM flux.orientation o WHERE o.id > $O AND o.id < $O + 10000000 AND o.etat = 'bail_signe';
-- each bailleur's yearly parameters, with its forecast of mutations given
INSERT INTO flux.parametre_annuel (bailleur_id, departement, annee, prevision_mutation, prevision_anru)
SELECT $B + b, ('{01,13,31,33,38,59,67,69,74,75}'::text[])[1 + (b - 1) % 10], y, 1500, 100
  FROM generate_series(1, 20) b, generate_series(2023, 2022 + $YEARS) y ON CONFLICT DO NOTHING;
SQL
	bpsql -c "VACUUM ANALYZE flux.logement, flux.vacance, flux.orientation, flux.candidature, flux.convention, flux.commune" >/dev/null
done

lo() { local k=0 n; for n in $SIZES; do k=$((k + 1)); [ "$n" = "$1" ] && echo $((3000 + 100 * k + 1)); done; return 0; }
ts() { time_server "$1" "SET work_mem = '$WORK_MEM'"; }
Y="annee = 2025 AND bailleur_id BETWEEN \$lo AND \$lo + 19"
run_scan() {
	local lo; lo=$(lo "$1")
	ts "SELECT count(*) FROM flux.orientation o JOIN flux.vacance v ON v.id = o.vacance_id JOIN flux.logement l ON l.id = v.logement_id
	     WHERE o.date_orientation >= '2025-01-01' AND o.date_orientation < '2026-01-01' AND l.bailleur_id BETWEEN $lo AND $lo + 19"
}
for vue in detaille reservataire obligations etapes hors_flux; do
	eval "run_$vue() { local lo; lo=\$(lo \"\$1\"); ts \"SELECT * FROM flux.bilan_$vue WHERE $Y\"; }"
done
SQLC="count(*) FILTER (WHERE propose), count(*) FILTER (WHERE attribue), count(*) FILTER (WHERE attribue AND refus_illegitime), count(*) FILTER (WHERE bail), count(*) FILTER (WHERE attribue AND prioritaire), count(*) FILTER (WHERE attribue AND dalo), count(*) FILTER (WHERE bail AND NOT qpv), count(*) FILTER (WHERE bail AND NOT qpv AND quartile = 1), count(*) FILTER (WHERE bail AND NOT qpv AND dalo), count(*) FILTER (WHERE attribue AND qpv), count(*) FILTER (WHERE attribue AND qpv AND quartile BETWEEN 2 AND 4), count(*) FILTER (WHERE attribue AND qpv AND dalo), count(*) FILTER (WHERE bail AND prioritaire)"
CC="flux.decompte_etapes(propose, attribue, refus_illegitime, bail, qpv, prioritaire, dalo, quartile)"
G="GROUP BY bailleur_id, departement, reservataire_id"
run_c() { local lo; lo=$(lo "$1"); ts "SELECT bailleur_id, departement, reservataire_id, $CC FROM flux.bilan_orientation WHERE annee = 2025 AND bailleur_id BETWEEN $lo AND $lo + 19 $G"; }
run_sql() { local lo; lo=$(lo "$1"); ts "SELECT bailleur_id, departement, reservataire_id, $SQLC FROM flux.bilan_orientation WHERE annee = 2025 AND bailleur_id BETWEEN $lo AND $lo + 19 $G"; }

header "ms, server-side, work_mem $WORK_MEM, $BENCH_WORKERS parallel workers"
for n in $SIZES; do
	run_scan "$n" >/dev/null	# warm the cache
	interleave bi "$n" scan detaille reservataire obligations etapes hors_flux
	interleave bi_compteurs "$n" c sql
	cp "$BENCH_T/bi.$n.scan" "$BENCH_T/bi_scan.$n.scan"
	report bi_scan "$n" scan
	for vue in detaille reservataire obligations etapes hors_flux; do
		cp "$BENCH_T/bi.$n.$vue" "$BENCH_T/bi_$vue.$n.$vue"
		cp "$BENCH_T/bi.$n.scan" "$BENCH_T/bi_$vue.$n.scan"
		report "bi_$vue" "$n" "$vue" scan
	done
	report bi_compteurs "$n" c sql
done
for vue in detaille reservataire obligations etapes hors_flux; do target "bi_$vue" "ratio<=3"; done
target bi_compteurs "ratio<=1"
