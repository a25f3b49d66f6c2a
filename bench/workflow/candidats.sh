#!/usr/bin/env bash
#
# bench/workflow/candidats.sh: the cost of designating candidates (issue 17
# item 1).  At each size (SIZES, candidates: 1 000, 10 000, 40 000; three per
# orientation, the default candidats_max), four variants, interleaved
# (A B C D A B C D ...), each in a new session, flux.candidature holding none
# of the bench's rows when the session starts (the case where the 0.10.0
# trigger's cached plan went to a sequential scan):
#
#   triggers, one statement   INSERT INTO flux.candidature SELECT ... (every
#                             trigger on: the checks, the history, the
#                             orientation's step, the audit, the notices)
#   by hand, one statement    the same writes with the user triggers of
#                             flux.candidature, flux.orientation and
#                             flux.orientation_historique disabled (foreign
#                             keys still checked), as a DBA would write them:
#                             one statement inserting the candidates, moving
#                             the orientations to candidats_designes and
#                             writing both kinds of history rows
#   triggers, row by row      one INSERT per candidate, in one session
#   by hand, row by row       per candidate: its INSERT, its history row,
#                             and for the first of an orientation its step
#                             and the step's history row
#
# Prints per size and variant the median of RUNS interleaved runs (5) in
# microseconds per candidate, with the spread (min-max), and the ratio
# triggers / by hand (target: within 3, and flat per row from one size to the
# next), and the RESULT lines of bench/lib.sh (figures wf_candidats_requete,
# wf_candidats_lignes).  Run by bench/workflow/run.sh.  Needs a
# database reachable through the PG* variables where flux can be created by
# a superuser (the bench disables triggers to reset between runs), e.g.
#   CANDIDATS_SIZES="1000 10000 40000" RUNS=5 bench/workflow/candidats.sh
set -euo pipefail
cd "$(dirname "$0")"
BENCH=workflow
. ../lib.sh
SIZES=${CANDIDATS_SIZES:-$(sizes_of "1000 3000 10000" "1000 3000 10000" "1000 10000 40000")}
psql() { bpsql "$@"; }
max=0
for n in $SIZES; do ((n > max)) && max=$n; done
orientations=$(((max + 2) / 3))

psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS flux" >/dev/null
psql <<SQL
SET client_min_messages = warning;
SET session_replication_role = replica;
DELETE FROM flux.orientation_historique WHERE orientation_id BETWEEN 910000001 AND 919999999;
DELETE FROM flux.candidature WHERE orientation_id BETWEEN 910000001 AND 919999999;
DELETE FROM flux.orientation WHERE id BETWEEN 910000001 AND 919999999;
DELETE FROM flux.vacance WHERE id BETWEEN 910000001 AND 919999999;
DELETE FROM flux.logement WHERE bailleur_id = 910;
DELETE FROM flux.convention WHERE bailleur_id = 910;
DELETE FROM flux.reservataire WHERE id = 910;
DELETE FROM flux.bailleur WHERE id = 910;
RESET session_replication_role;
INSERT INTO flux.commune (depcom, nom, epci) VALUES ('74218', 'Publier', '200067551') ON CONFLICT DO NOTHING;
INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (910, '900000910', 'Bench candidats', 'esh');
INSERT INTO flux.reservataire (id, nom, categorie) VALUES (910, 'Bench Etat candidats', 'etat');
INSERT INTO flux.convention (id, bailleur_id, reservataire_id, departement, taux, date_effet)
VALUES (910000001, 910, 910, '74', '30%', '2024-01-01');
INSERT INTO flux.logement (id, bailleur_id, ident_int, depcom, qpv, typeconst, nbpiece, finan, conv, locat)
SELECT 910000000 + i, 910, 'C' || i, '74218', false, 'C', 1 + i % 5, 13, true, 2000 FROM generate_series(1, $orientations) i;
INSERT INTO flux.vacance (id, logement_id, date_preavis, date_disponible)
SELECT 910000000 + i, 910000000 + i, '2025-01-02', '2025-02-01' FROM generate_series(1, $orientations) i;
INSERT INTO flux.orientation (id, vacance_id, convention_id, date_orientation)
SELECT 910000000 + i, 910000000 + i, 910000001, '2025-09-01' FROM generate_series(1, $orientations) i;
UPDATE flux.orientation SET etat = 'acceptee', date_reponse = '2025-09-02' WHERE id BETWEEN 910000001 AND 919999999;
VACUUM ANALYZE flux.logement, flux.vacance, flux.orientation, flux.orientation_historique, flux.candidature;
SQL

# the candidates of a size: i = 0 .. n-1, orientation 910000001 + i / 3
candidats="SELECT 910000001 + i / 3, '0749' || lpad(i::text, 8, '0'), (i % 3 + 1)::smallint, date '2025-09-05'
			 FROM generate_series(0, \$n - 1) i"

reset_sql="SET client_min_messages = warning;
SET session_replication_role = replica;
DELETE FROM flux.orientation_historique WHERE orientation_id BETWEEN 910000001 AND 919999999
   AND (candidature_id IS NOT NULL OR vers = 'candidats_designes');
DELETE FROM flux.candidature WHERE orientation_id BETWEEN 910000001 AND 919999999;
UPDATE flux.orientation SET etat = 'acceptee', motif = NULL WHERE id BETWEEN 910000001 AND 919999999 AND etat <> 'acceptee';
RESET session_replication_role;
VACUUM flux.candidature, flux.orientation, flux.orientation_historique;"

off="ALTER TABLE flux.candidature DISABLE TRIGGER USER;
ALTER TABLE flux.orientation DISABLE TRIGGER USER;
ALTER TABLE flux.orientation_historique DISABLE TRIGGER USER;"

work() {	# $1: variant, $2: size; prints the SQL of the timed statement
	local n=$2
	case $1 in
	triggers_statement) cat <<SQL
INSERT INTO flux.candidature (orientation_id, nud, rang, date_designation)
${candidats//\$n/$n};
SQL
	;;
	hand_statement) cat <<SQL
WITH k AS (
	INSERT INTO flux.candidature (orientation_id, nud, rang, date_designation)
	${candidats//\$n/$n}
	RETURNING id, orientation_id, rang, designe_par
), o AS (
	UPDATE flux.orientation o SET etat = 'candidats_designes', motif = 'candidats désignés', modifie_le = now()
	 WHERE o.id IN (SELECT k.orientation_id FROM k) AND o.etat = 'acceptee'
	RETURNING o.id
), h AS (
	INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, motif)
	SELECT k.orientation_id, k.id, NULL, 'candidat_designe',
		   format('rang %s, désigné par %s', k.rang, CASE k.designe_par WHEN 'bailleur' THEN 'le bailleur' ELSE 'le réservataire' END)
	  FROM k
)
INSERT INTO flux.orientation_historique (orientation_id, de, vers, motif)
SELECT o.id, 'acceptee', 'candidats_designes', 'candidats désignés' FROM o;
SQL
	;;
	triggers_rows) cat <<SQL
DO \$\$
BEGIN
	FOR i IN 0..$n - 1 LOOP
		INSERT INTO flux.candidature (orientation_id, nud, rang, date_designation)
		VALUES (910000001 + i / 3, '0749' || lpad(i::text, 8, '0'), i % 3 + 1, date '2025-09-05');
	END LOOP;
END
\$\$;
SQL
	;;
	hand_rows) cat <<SQL
DO \$\$
DECLARE
	k bigint;
BEGIN
	FOR i IN 0..$n - 1 LOOP
		INSERT INTO flux.candidature (orientation_id, nud, rang, date_designation)
		VALUES (910000001 + i / 3, '0749' || lpad(i::text, 8, '0'), i % 3 + 1, date '2025-09-05')
		RETURNING id INTO k;
		INSERT INTO flux.orientation_historique (orientation_id, candidature_id, de, vers, motif)
		VALUES (910000001 + i / 3, k, NULL, 'candidat_designe', format('rang %s, désigné par %s', i % 3 + 1, 'le réservataire'));
		IF i % 3 = 0 THEN
			UPDATE flux.orientation SET etat = 'candidats_designes', motif = 'candidats désignés', modifie_le = now()
			 WHERE id = 910000001 + i / 3 AND etat = 'acceptee';
			INSERT INTO flux.orientation_historique (orientation_id, de, vers, motif)
			VALUES (910000001 + i / 3, 'acceptee', 'candidats_designes', 'candidats désignés');
		END IF;
	END LOOP;
END
\$\$;
SQL
	;;
	esac
}

run() {	# $1: variant, $2: size; prints the milliseconds of the writes
	local variant=$1 n=$2 pre="" post=""
	[[ $variant == hand_* ]] && pre=$off && post=${off//DISABLE/ENABLE}
	psql <<<"$reset_sql" >/dev/null
	psql <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
BEGIN;
$pre
\\timing on
$(work "$variant" "$n")
\\timing off
$post
COMMIT;
SQL
}

# what the two write must be the same rows
state="SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
	SELECT format('%s %s %s %s', k.orientation_id, k.nud, k.rang, k.designe_par) AS x
	  FROM flux.candidature k WHERE k.orientation_id BETWEEN 910000001 AND 919999999
	UNION ALL SELECT format('%s %s %s', o.id, o.etat, o.motif) FROM flux.orientation o WHERE o.id BETWEEN 910000001 AND 919999999
	UNION ALL SELECT format('%s %s %s %s %s %s', h.orientation_id, k.nud, h.de, h.vers, h.motif, h.origine)
	  FROM flux.orientation_historique h LEFT JOIN flux.candidature k ON k.id = h.candidature_id
	 WHERE h.orientation_id BETWEEN 910000001 AND 919999999) s"
declare -A sums
for v in triggers_statement hand_statement triggers_rows hand_rows; do
	run "$v" 1000 >/dev/null
	sums[$v]=$(psql -At -c "$state")
done
if [[ ${sums[triggers_statement]} != "${sums[hand_statement]}" || ${sums[triggers_rows]} != "${sums[hand_rows]}" ||
	  ${sums[triggers_statement]} != "${sums[triggers_rows]}" ]]; then
	echo "FAIL: the triggers and the writes by hand do not write the same rows"
	exit 1
fi
echo "the triggers and the writes by hand write the same rows (1000 candidates, both ways)"

for v in triggers_statement hand_statement triggers_rows hand_rows; do
	eval "run_$v() { run $v \"\$1\"; }"
done
header "us per candidate"
for n in $SIZES; do
	interleave wf_candidats_requete "$n" triggers_statement hand_statement
	interleave wf_candidats_lignes "$n" triggers_rows hand_rows
	report wf_candidats_requete "$n" triggers_statement hand_statement "$(awk -v n="$n" 'BEGIN { print n / 1000 }')"
	report wf_candidats_lignes "$n" triggers_rows hand_rows "$(awk -v n="$n" 'BEGIN { print n / 1000 }')"
done
psql <<<"$reset_sql" >/dev/null
target wf_candidats_requete "ratio<=3"
target wf_candidats_lignes "ratio<=3"
