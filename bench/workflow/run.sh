#!/usr/bin/env bash
#
# bench/workflow/run.sh: the cost of the workflow's triggers, each figure
# against the same writes done by hand with the user triggers off (foreign
# keys, unique indexes and constraints still checked): what a DBA would
# write without flux.  Interleaved (A B A B ...), RUNS runs (5), three sizes
# (SIZES rows).  Figures (ratio: triggers / by hand):
#
#   wf_orientations  one INSERT of n orientations (triggers: checks, stamps,
#                    counters, history) vs one statement inserting the same
#                    rows with their zone, state and answer deadline computed
#                    in plain SQL (twin.sql) and their history rows;
#                    server-side of the client (psql \timing)
#   wf_balayage      flux.balayer_echeances over n overdue proposed
#                    orientations (half the conventions: silence is
#                    acceptance, with the designation deadlines stamped; half:
#                    expiry; all oriented on Monday 4 March 2024, swept on
#                    the 8th: past their answer deadline, not yet past the
#                    others) vs one bare UPDATE of the same rows to the same
#                    values plus the history rows the sweep writes
#                    (target: within 2)
#   wf_ligne_orientation, wf_ligne_candidat, wf_ligne_etape
#                    single-row statements in a warm session (200 a run,
#                    each its own statement, autocommit; the run's figure is
#                    their median, client-side \timing, round trip included):
#                    one orientation, one candidate, one step (proposee ->
#                    acceptee), vs the same bare statement with the triggers
#                    off (target: under 2 and under 1 ms)
#   wf_candidats_*   candidats.sh (designating candidates), run from here
#
# Needs a database reachable through the PG* variables where flux can be
# created by a superuser (the bench disables triggers to reset between runs).
set -euo pipefail
cd "$(dirname "$0")"
BENCH=workflow
. ../lib.sh
SIZES=${SIZES:-$(sizes_of "1000 3000 10000" "1000 10000 100000" "1000 10000 100000")}
K=${K:-200}	# single-row statements a run
max=0
for n in $SIZES; do ((n > max)) && max=$n; done

bpsql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
bpsql -f twin.sql >/dev/null
bpsql >/dev/null <<SQL
SET client_min_messages = warning;
SET session_replication_role = replica;
DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id BETWEEN 900000001 AND 959999999);
DELETE FROM flux.candidature WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id BETWEEN 900000001 AND 959999999);
DELETE FROM flux.compteur_orientation WHERE bailleur_id = 900;
DELETE FROM flux.orientation WHERE vacance_id BETWEEN 900000001 AND 959999999;
DELETE FROM flux.vacance WHERE id BETWEEN 900000001 AND 959999999;
DELETE FROM flux.logement WHERE bailleur_id = 900;
DELETE FROM flux.convention WHERE bailleur_id = 900;
DELETE FROM flux.reservataire WHERE id IN (900, 901);
DELETE FROM flux.bailleur WHERE id = 900;
RESET session_replication_role;
INSERT INTO flux.commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (900, '900000900', 'Bench workflow', 'esh');
INSERT INTO flux.reservataire (id, nom, categorie) VALUES (900, 'Bench Etat', 'etat'), (901, 'Bench AL', 'action_logement');
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet, silence_vaut_acceptation)
VALUES (900000001, 900, 900, '74', '30%', '2024-01-01', true), (900000002, 900, 901, '74', '10%', '2024-01-01', false);
-- units and vacancies: 900... bulk inserts, 920... the sweep, 930... single
-- orientations, 940... single steps, 950... single candidates
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT s + i, 900, 'B' || (s + i), '74218', false, 'C', 1 + i % 5, 13, true, 2000
  FROM generate_series(1, $max) i, unnest('{900000000,920000000}'::bigint[]) s
UNION ALL
SELECT s + i, 900, 'B' || (s + i), '74218', false, 'C', 1 + i % 5, 13, true, 2000
  FROM generate_series(1, $K) i, unnest('{930000000,940000000,950000000}'::bigint[]) s;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT id, id, '2024-01-02', '2024-02-01' FROM flux.logement WHERE bailleur_id = 900;
SELECT setval('flux.orientation_id_seq', greatest((SELECT max(id) FROM flux.orientation WHERE id < 900000000), 1));
INSERT INTO flux.orientation (id, vacance_id, convention_id, date_orientation)
SELECT v.id, v.id, 900000001 + v.id % 2, date '2024-03-04'
  FROM flux.vacance v WHERE v.id BETWEEN 920000001 AND 920000000 + $max OR v.id BETWEEN 940000001 AND 950000000 + $K;
UPDATE flux.orientation SET etat = 'acceptee', date_reponse = date_orientation WHERE id BETWEEN 950000001 AND 950000000 + $K;
VACUUM ANALYZE flux.logement, flux.vacance, flux.convention, flux.orientation, flux.orientation_historique;
SQL

# --- the orientations inserted in one statement
reset_insert="SET client_min_messages = warning;
SET session_replication_role = replica;
DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id BETWEEN 900000001 AND 909999999);
DELETE FROM flux.orientation WHERE vacance_id BETWEEN 900000001 AND 909999999;
RESET session_replication_role;
VACUUM flux.orientation, flux.orientation_historique;"
run_ins_triggers() {
	time_client "INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation)
		SELECT v.id, 900000001 + v.id % 2, date '2025-03-03' + (v.id % 20)::integer
		  FROM flux.vacance v WHERE v.id BETWEEN 900000001 AND 900000000 + $1" "$reset_insert"
}
run_ins_hand() {
	time_client "WITH o AS (
		INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation, etat, zone, echeance_reponse)
		SELECT v.id, 900000001 + v.id % 2, x.d, t.etat::flux.etat_orientation, t.zone, t.echeance_reponse
		  FROM flux.vacance v, LATERAL (SELECT date '2025-03-03' + (v.id % 20)::integer AS d) x,
			   bench.orientation_stamps(v.id, 900000001 + v.id % 2, x.d) t
		 WHERE v.id BETWEEN 900000001 AND 900000000 + $1
		RETURNING id, etat, motif)
	INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
	SELECT id, NULL, etat::text, 'utilisateur', motif FROM o;
	ALTER TABLE flux.orientation ENABLE TRIGGER USER;
	ALTER TABLE flux.orientation_historique ENABLE TRIGGER USER;" "$reset_insert
	ALTER TABLE flux.orientation DISABLE TRIGGER USER;
	ALTER TABLE flux.orientation_historique DISABLE TRIGGER USER;"
}

# --- the deadline sweep
reset_sweep() {	# the first n sweep orientations proposed again, the others out of the sweep
	bpsql >/dev/null <<SQL
SET client_min_messages = warning;
SET session_replication_role = replica;
DELETE FROM flux.orientation_historique WHERE orientation_id BETWEEN 920000001 AND 929999999 AND de IS NOT NULL;
UPDATE flux.orientation SET etat = CASE WHEN id <= 920000000 + $1 THEN 'proposee' ELSE 'annulee' END::flux.etat_orientation,
	   date_reponse = NULL, motif = NULL, echeance_designation = NULL, echeance_impossibilite = NULL
 WHERE id BETWEEN 920000001 AND 929999999;
RESET session_replication_role;
SELECT flux.recompter();	-- the counters the expiries lowered
VACUUM flux.orientation, flux.orientation_historique, flux.compteur_orientation;
SQL
}
run_sweep_triggers() { reset_sweep "$1"; time_client "SELECT count(*) FROM flux.balayer_echeances('2024-03-08')"; }
sweep_hand="WITH u AS (
	UPDATE flux.orientation o
	   SET etat = CASE WHEN c.silence_vaut_acceptation THEN 'acceptee' ELSE 'expiree' END::flux.etat_orientation,
		   date_reponse = o.echeance_reponse,
		   motif = format('pas de réponse au %s : %s', to_char(o.echeance_reponse, 'DD/MM/YYYY'),
						  CASE WHEN c.silence_vaut_acceptation THEN 'le silence vaut acceptation' ELSE 'orientation expirée' END),
		   echeance_impossibilite = CASE WHEN c.silence_vaut_acceptation AND c.mode = 'directe'
				THEN flux.ajouter_jours_ouvres(o.date_orientation, c.delai_impossibilite_jo, o.zone) END,
		   echeance_designation = CASE WHEN c.silence_vaut_acceptation AND c.mode = 'directe'
				THEN flux.ajouter_jours_ouvres(least(flux.ajouter_jours_ouvres(o.echeance_reponse, c.delai_designation_jo, o.zone),
						flux.reporter((o.date_orientation + make_interval(months => c.delai_designation_max_mois))::date, o.zone, c.report_jour_ouvre)),
					o.prolongation_jo, o.zone) END,
		   modifie_le = now()
	  FROM flux.convention c
	 WHERE c.id = o.convention_id AND o.etat = 'proposee' AND o.echeance_reponse < date '2024-03-08'
	RETURNING o.id, o.etat, o.motif)
INSERT INTO flux.orientation_historique (orientation_id, de, vers, origine, motif)
SELECT id, 'proposee', etat::text, 'utilisateur', motif FROM u;"
run_sweep_hand() {
	reset_sweep "$1"
	time_client "$sweep_hand
	ALTER TABLE flux.orientation ENABLE TRIGGER USER;
	ALTER TABLE flux.orientation_historique ENABLE TRIGGER USER;" "ALTER TABLE flux.orientation DISABLE TRIGGER USER;
	ALTER TABLE flux.orientation_historique DISABLE TRIGGER USER;"
}
etat_sweep="SELECT x FROM (
	SELECT format('%s %s %s %s %s %s', o.id, o.etat, o.date_reponse, o.motif, o.echeance_impossibilite, o.echeance_designation) AS x
	  FROM flux.orientation o WHERE o.id BETWEEN 920000001 AND 929999999
	UNION ALL SELECT format('%s %s %s %s %s', h.orientation_id, h.de, h.vers, h.origine, h.motif)
	  FROM flux.orientation_historique h WHERE h.orientation_id BETWEEN 920000001 AND 929999999) s ORDER BY 1"
run_sweep_triggers 1000 >/dev/null; bpsql -At -c "$etat_sweep" >"$BENCH_T/sweep.triggers"
run_sweep_hand 1000 >/dev/null; bpsql -At -c "$etat_sweep" >"$BENCH_T/sweep.hand"
cmp -s "$BENCH_T/sweep.triggers" "$BENCH_T/sweep.hand" || {
	echo "FAIL: the sweep and its twin by hand do not write the same rows (< sweep, > by hand):"
	diff "$BENCH_T/sweep.triggers" "$BENCH_T/sweep.hand" | head -10; exit 1; }
echo "the sweep and the bare UPDATE + history write the same rows (1000 orientations)"

# --- single-row statements in a warm session ($K each, autocommit)
reset_lignes="SET client_min_messages = warning;
ALTER TABLE flux.orientation ENABLE TRIGGER USER;
ALTER TABLE flux.orientation_historique ENABLE TRIGGER USER;
ALTER TABLE flux.candidature ENABLE TRIGGER USER;
SET session_replication_role = replica;
DELETE FROM flux.orientation_historique WHERE orientation_id IN (SELECT id FROM flux.orientation WHERE vacance_id BETWEEN 930000001 AND 939999999)
   OR (orientation_id BETWEEN 940000001 AND 949999999 AND de IS NOT NULL)
   OR (orientation_id BETWEEN 950000001 AND 959999999 AND (candidature_id IS NOT NULL OR de = 'acceptee'));
DELETE FROM flux.candidature WHERE orientation_id BETWEEN 950000001 AND 959999999;
DELETE FROM flux.orientation WHERE vacance_id BETWEEN 930000001 AND 939999999;
UPDATE flux.orientation SET etat = 'proposee', date_reponse = NULL, echeance_designation = NULL, echeance_impossibilite = NULL
 WHERE id BETWEEN 940000001 AND 949999999;
UPDATE flux.orientation SET etat = 'acceptee' WHERE id BETWEEN 950000001 AND 959999999;
RESET session_replication_role;
VACUUM flux.orientation, flux.orientation_historique, flux.candidature;"
lignes() {	# QUOI OFF: the script of K single-row statements
	local quoi=$1 off=$2 i
	echo "$reset_lignes"
	[ "$off" = 1 ] && echo "ALTER TABLE flux.orientation DISABLE TRIGGER USER; ALTER TABLE flux.candidature DISABLE TRIGGER USER;"
	# warm the session: one statement of each kind, rolled back
	echo "BEGIN; INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation) VALUES (930000000 + $K, 900000001, '2025-03-03'); ROLLBACK;"
	echo '\timing on'
	for ((i = 1; i < K; i++)); do
		case $quoi in
		orientation) echo "INSERT INTO flux.orientation (vacance_id, convention_id, date_orientation) VALUES ($((930000000 + i)), $((900000001 + i % 2)), '2025-03-03');" ;;
		candidat) echo "INSERT INTO flux.candidature (orientation_id, nud, rang, date_designation) VALUES ($((950000000 + i)), '0749$(printf %08d "$i")', 1, '2024-03-20');" ;;
		etape) echo "UPDATE flux.orientation SET etat = 'acceptee', date_reponse = date_orientation WHERE id = $((940000000 + i));" ;;
		esac
	done
	echo '\timing off'
	echo "ALTER TABLE flux.orientation ENABLE TRIGGER USER; ALTER TABLE flux.candidature ENABLE TRIGGER USER;"
}
run_l_orientation_triggers() { lignes orientation 0 | median_client; }
run_l_orientation_bare() { lignes orientation 1 | median_client; }
run_l_candidat_triggers() { lignes candidat 0 | median_client; }
run_l_candidat_bare() { lignes candidat 1 | median_client; }
run_l_etape_triggers() { lignes etape 0 | median_client; }
run_l_etape_bare() { lignes etape 1 | median_client; }

header "wf_orientations, wf_balayage: us per row; wf_ligne_*: ms per statement (size 1: one row)"
for n in $SIZES; do
	interleave wf_orientations "$n" ins_triggers ins_hand
	report wf_orientations "$n" ins_triggers ins_hand "$(awk -v n="$n" 'BEGIN { print n / 1000 }')"
	interleave wf_balayage "$n" sweep_triggers sweep_hand
	report wf_balayage "$n" sweep_triggers sweep_hand "$(awk -v n="$n" 'BEGIN { print n / 1000 }')"
done
for quoi in orientation candidat etape; do
	interleave "wf_ligne_$quoi" 1 "l_${quoi}_triggers" "l_${quoi}_bare"
	report "wf_ligne_$quoi" 1 "l_${quoi}_triggers" "l_${quoi}_bare"
	target "wf_ligne_$quoi" "ratio<=2,median<1"
done
bpsql <<<"$reset_insert" >/dev/null
bpsql <<<"$reset_lignes" >/dev/null
target wf_balayage "ratio<=2"
target wf_orientations "ratio<=2"
./candidats.sh
