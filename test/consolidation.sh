#!/usr/bin/env bash
#
# test/consolidation.sh: a territory consolidated across bailleurs'
# databases with postgres_fdw (docs/consolidation.md).  Three bailleur
# databases of different sizes, each with flux and its own data
# (test/consolidation/donnees.psql), and a consolidation database with flux
# and postgres_fdw reading them over the cluster's socket (the loopback of
# this throwaway cluster, which listens on no TCP address); then
#   - the functions' errors: postgres_fdw absent, unknown server, a server
#     of another wrapper, a database without flux, a source twice, a source
#     unknown;
#   - each consolidated view is the union of the local ones, row for row;
#   - the territory's figures are the sums of the local ones, shares
#     recomputed from the sums;
#   - only the five aggregate views cross, with no personal column;
#   - EXPLAIN VERBOSE: one Async Foreign Scan per source, the filter on the
#     year in each Remote SQL;
#   - who may read and who may add; removing a source; pg_dump; DROP
#     EXTENSION leaves the consolidated objects.
# Prints TAP.  scripts/test runs it against its cluster (PGHOST, PGPORT,
# PGUSER set, as a superuser); by hand:  PGHOST=... PGPORT=... bash test/consolidation.sh
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
n=0
ok() {	# $1: status (0 is ok), $2: what
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -P pager=off "$@" </dev/null; }
# the SQLSTATE of a statement that must fail (empty if it succeeded)
etat() { psql -X -q -At -v VERBOSITY=verbose -P pager=off "$@" </dev/null 2>&1 | sed -n 's/^.*ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' | head -1; }
BASES=(flux_conso_b1 flux_conso_b2 flux_conso_b3)
TAILLES=("300 100" "900 300" "2400 800")	# units, vacancies a year
C=flux_conso
nettoyer() {
	for db in $C "${BASES[@]}"; do
		q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
	done
	q -d postgres -c "SET client_min_messages = warning" \
		-c "DROP ROLE IF EXISTS regress_conso_lecteur, regress_conso_gest, regress_conso_res" >/dev/null 2>&1
	rm -rf "$tmp"
}
[[ ${GARDER:-0} == 1 ]] || trap nettoyer EXIT
nettoyer; tmp=$(mktemp -d)

# the bailleurs' databases
r=0
for i in 0 1 2; do
	db=${BASES[i]}; read -r u v <<<"${TAILLES[i]}"
	q -d postgres -c "CREATE DATABASE $db" && q -d "$db" -c "CREATE EXTENSION flux" &&
		PGOPTIONS='-c session_replication_role=replica' q -d "$db" -v b=$((i + 1)) -v n="$u" -v v="$v" \
			-f test/consolidation/donnees.psql >/dev/null || r=1
done
ok $r "three bailleur databases, each with flux and its own data (300, 900 and 2 400 units)"

q -d postgres -c "CREATE DATABASE $C" && q -d $C -c "CREATE EXTENSION flux"
ok $? "the consolidation database, with flux and without postgres_fdw"
[[ $(q -d $C -c "SELECT count(*) FROM pg_extension WHERE extname = 'postgres_fdw'") == 0 ]] &&
	[[ $(etat -d $C -c "SELECT flux.ajouter_source_consolidation('b1')") == 55000 ]] &&
	[[ $(psql -X -d $C -c "SELECT flux.ajouter_source_consolidation('b1')" 2>&1 </dev/null) == *'HINT:  CREATE EXTENSION postgres_fdw'* ]]
ok $? "without postgres_fdw: 55000, hint CREATE EXTENSION postgres_fdw (flux does not require it)"

r=0
q -d $C -c "CREATE EXTENSION postgres_fdw" || r=1
for i in 0 1 2; do
	q -d $C -c "CREATE SERVER b$((i + 1)) FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '${PGHOST:-/var/run/postgresql}', port '${PGPORT:-5432}', dbname '${BASES[i]}')" \
		-c "CREATE USER MAPPING FOR CURRENT_USER SERVER b$((i + 1))" || r=1
done
q -d $C -c "CREATE SERVER sans_flux FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '${PGHOST:-/var/run/postgresql}', port '${PGPORT:-5432}', dbname 'postgres')" \
	-c "CREATE USER MAPPING FOR CURRENT_USER SERVER sans_flux" \
	-c "CREATE FOREIGN DATA WRAPPER autre_fdw" -c "CREATE SERVER autre FOREIGN DATA WRAPPER autre_fdw" || r=1
ok $r "postgres_fdw, a server and a user mapping per bailleur database"

[[ $(etat -d $C -c "SELECT flux.ajouter_source_consolidation('inconnu')") == 42704 ]]
ok $? "an unknown server: 42704"
[[ $(etat -d $C -c "SELECT flux.ajouter_source_consolidation('autre')") == 42809 ]]
ok $? "a server of another wrapper: 42809"
[[ $(etat -d $C -c "SELECT flux.ajouter_source_consolidation('sans_flux')") == 42P01 ]] &&
	[[ $(q -d $C -c "SELECT count(*) FROM flux.source_consolidation") == 0 ]] &&
	[[ -z $(q -d $C -c "SELECT 1 FROM pg_namespace WHERE nspname = 'flux_source_sans_flux'") ]]
ok $? "a database without flux: 42P01, nothing left behind"
[[ $(etat -d $C -c "SELECT flux.ajouter_source_consolidation(NULL)") == 22004 ]]
ok $? "a NULL server: 22004"

r=0
for i in 1 2 3; do
	[[ $(q -d $C -c "SELECT flux.ajouter_source_consolidation('b$i', 'Bailleur $i')") == flux_source_b$i ]] || r=1
done
ok $r "three sources added, each into its schema flux_source_<server>"
[[ $(etat -d $C -c "SELECT flux.ajouter_source_consolidation('b1')") == 42710 ]]
ok $? "a source added twice: 42710"
[[ $(q -d $C -c "SELECT count(*) FROM pg_foreign_server WHERE srvname LIKE 'b_' AND 'async_capable=true' = ANY (srvoptions)") == 3 ]]
ok $? "every source's server is async_capable"

# only the aggregate views cross, and no personal column
[[ $(q -d $C -c "SELECT string_agg(DISTINCT c.relname, ',' ORDER BY c.relname) FROM pg_class c
	JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname LIKE 'flux_source_%' AND c.relkind = 'f'") == \
	bilan_detaille,bilan_etapes,bilan_hors_flux,bilan_obligations,bilan_reservataire ]] &&
	[[ $(q -d $C -c "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE s.nspname LIKE 'flux_source_%' AND c.relkind = 'f'") == 15 ]]
ok $? "only the five aggregate bilan views are imported (bilan_orientation stays home)"
perso=$(q -d $C -c "SELECT string_agg(DISTINCT a.attname, ',') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	JOIN pg_namespace s ON s.oid = c.relnamespace
	WHERE s.nspname LIKE 'flux_source_%' AND a.attnum > 0
	  AND a.attname ~ '(nud|nom_|prenom|menage|candidat_|candidature_id|orientation_id|logement_id|vacance_id|quartile$|^dalo$|^prioritaire$|date_orientation|naissance|adresse|telephone|courriel)'")
[[ -z $perso ]]
ok $? "no personal column crosses (no NUD, household, unit or orientation)${perso:+: $perso}"

# each consolidated view: the union of the local ones, row for row
for vue in bilan_reservataire bilan_obligations bilan_detaille bilan_etapes bilan_hors_flux; do
	cols=$(q -d $C -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
		WHERE attrelid = 'flux.$vue'::regclass AND attnum > 0 AND NOT attisdropped")
	: >"$tmp/local"
	for db in "${BASES[@]}"; do q -d "$db" -c "SELECT x::text FROM (SELECT $cols FROM flux.$vue) x" >>"$tmp/local"; done
	q -d $C -c "SELECT x::text FROM (SELECT $cols FROM flux_consolidation.$vue) x" >"$tmp/conso"
	LC_ALL=C sort "$tmp/local" >"$tmp/local.s"; LC_ALL=C sort "$tmp/conso" >"$tmp/conso.s"
	[[ -s $tmp/local.s ]] && cmp -s "$tmp/local.s" "$tmp/conso.s"
	ok $? "flux_consolidation.$vue is the union of the three local $vue ($(wc -l <"$tmp/local.s") rows)"
done
[[ $(q -d $C -c "SELECT string_agg(DISTINCT source, ',' ORDER BY source) FROM flux_consolidation.bilan_reservataire") == b1,b2,b3 ]]
ok $? "each row says its source"

# the territory's bilan: sums of the local figures, shares from the sums
somme() {	# $1: SQL run in each bailleur database, one number each -> their sum
	local t=0 x db
	for db in "${BASES[@]}"; do x=$(q -d "$db" -c "$1"); t=$((t + ${x:-0})); done
	echo $t
}
L=$(somme "SELECT sum(l) FROM (SELECT DISTINCT bailleur_id, departement, logements_liberes l FROM flux.bilan_reservataire WHERE annee = 2025 AND departement = '69') s")
P=$(somme "SELECT sum(proposes) FROM flux.bilan_reservataire WHERE annee = 2025 AND departement = '69'")
B=$(somme "SELECT sum(baux) FROM flux.bilan_reservataire WHERE annee = 2025 AND departement = '69'")
attendu="$L|$P|$(awk -v p="$P" -v l="$L" 'BEGIN { printf "%.2f", 100 * p / l }')|$B"
obtenu=$(q -d $C -c "SELECT logements_liberes || '|' || proposes || '|' || part_proposes || '|' || baux FROM flux.territoire_bilan(2025, '69') WHERE reservataire IS NULL")
[[ $obtenu == "$attendu" ]]
ok $? "the territory (69, 2025): units freed, proposals, share and leases are the local sums ($obtenu, expected $attendu)"
# Réservataire 2 has no convention with bailleur 1 (test/consolidation/donnees.psql):
# its units freed are those of bailleurs 2 and 3 only
L2=$(somme "SELECT max(logements_liberes) FROM flux.bilan_reservataire WHERE annee = 2025 AND departement = '69' AND reservataire = 'Réservataire 2'")
P2=$(somme "SELECT sum(proposes) FROM flux.bilan_reservataire WHERE annee = 2025 AND departement = '69' AND reservataire = 'Réservataire 2'")
moy=$(q -d $C -c "SELECT round(avg(part_proposes), 2) FROM flux_consolidation.bilan_reservataire WHERE annee = 2025 AND departement = '69' AND reservataire = 'Réservataire 2'")
attendu="2|$L2|$P2|$(awk -v p="$P2" -v l="$L2" 'BEGIN { printf "%.2f", 100 * p / l }')"
obtenu=$(q -d $C -c "SELECT bailleurs || '|' || logements_liberes || '|' || proposes || '|' || part_proposes FROM flux.territoire_bilan(2025, '69') WHERE reservataire = 'Réservataire 2'")
[[ $obtenu == "$attendu" ]] && [[ ${obtenu##*|} != "$moy" ]]
ok $? "a réservataire of two bailleurs out of three: over their units freed, share from the sums ($obtenu; the average of shares would be $moy)"

# the territory's obligations
CO=$(somme "SELECT concernes FROM flux.bilan_obligations WHERE annee = 2025 AND departement = '69' AND reservataire_id IS NULL AND obligation = 'q234_qpv'")
AT=$(somme "SELECT atteints FROM flux.bilan_obligations WHERE annee = 2025 AND departement = '69' AND reservataire_id IS NULL AND obligation = 'q234_qpv'")
OC=$(somme "SELECT (objectif * concernes)::integer FROM flux.bilan_obligations WHERE annee = 2025 AND departement = '69' AND reservataire_id IS NULL AND obligation = 'q234_qpv'")
attendu=$(awk -v c="$CO" -v a="$AT" -v oc="$OC" 'BEGIN { m = int((oc + 99) / 100) - a; if (m < 0) m = 0;
	printf "%d|%d|%.2f|%s|%d", c, a, 100 * a / c, (100 * a >= oc) ? "true" : "false", m }')
obtenu=$(q -d $C -c "SELECT concernes || '|' || atteints || '|' || taux || '|' || conforme || '|' || manque FROM flux.territoire_obligations(2025, '69') WHERE reservataire IS NULL AND obligation = 'q234_qpv'")
[[ $obtenu == "$attendu" ]]
ok $? "the territory's CIA obligation in QPV: counts summed, rate, conformity and units missing from the sums ($obtenu)"
obj=$(q -d $C -c "SELECT objectif FROM flux.territoire_obligations(2025, '69') WHERE reservataire IS NULL AND obligation = 'q234_qpv'")
[[ $obj == $(awk -v c="$CO" -v oc="$OC" 'BEGIN { x = sprintf("%.2f", oc / c); sub(/\.?0+$/, "", x); print x }') ]]
ok $? "its target is weighted by the attributions concerned ($obj: the bailleurs' targets are 45, 50 and 40)"
[[ $(q -d $C -c "SELECT count(DISTINCT departement) FROM flux.territoire_bilan(2025)") == 2 ]]
ok $? "every département when none is given"
[[ $(etat -d $C -c "SELECT * FROM flux.territoire_bilan(NULL)") == 22004 ]] &&
	[[ $(etat -d $C -c "SELECT * FROM flux.territoire_obligations(2025, '1')") == 22023 ]]
ok $? "the arguments are checked (22004, 22023)"

# the plan: each bilan computed remotely, the sources read concurrently
q -d $C -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM flux_consolidation.bilan_reservataire WHERE annee = 2025" >"$tmp/plan"
[[ $(grep -c 'Async Foreign Scan' "$tmp/plan") == 3 ]] && grep -q 'Append' "$tmp/plan"
ok $? "EXPLAIN VERBOSE: an Append of three Async Foreign Scans"
[[ $(grep 'Remote SQL:' "$tmp/plan" | grep -c 'FROM flux.bilan_reservataire WHERE ((annee = 2025))') == 3 ]]
ok $? "each Remote SQL reads the remote bilan view with the filter on the year pushed down"
q -d $C -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM flux.territoire_bilan(2025, '69')" >/dev/null
q -d $C -c "LOAD 'auto_explain'" -c "SET auto_explain.log_min_duration = 0" -c "SET auto_explain.log_nested_statements = on" \
	-c "SET auto_explain.log_verbose = on" -c "SET client_min_messages = log" -c "SET auto_explain.log_level = notice" \
	-c "SELECT count(*) FROM flux.territoire_bilan(2025, '69')" >"$tmp/plan2" 2>&1
grep -q 'Async Foreign Scan' "$tmp/plan2" && grep -q "WHERE ((annee = 2025)) AND ((departement = '69'))\|WHERE ((annee = \$1))\|annee = 2025" "$tmp/plan2"
ok $? "flux.territoire_bilan reads the sources through async foreign scans, the filter pushed"
q -d $C -c "SET enable_async_append = off" -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM flux_consolidation.bilan_reservataire WHERE annee = 2025" >"$tmp/plan3"
[[ $(grep -c 'Async Foreign Scan' "$tmp/plan3") == 0 ]] && [[ $(grep -c 'Foreign Scan' "$tmp/plan3") == 3 ]]
ok $? "with enable_async_append off, three plain Foreign Scans (the sync twin of bench/consolidation)"
# the sources are read concurrently: three remote views that each wait 0.6 s
# take, through the same Append, about 0.6 s, not 1.8 s (as they do one
# after the other)
r=0
for i in 1 2 3; do
	q -d "${BASES[i - 1]}" -c "CREATE SCHEMA regress_attente" -c "CREATE VIEW regress_attente.v AS SELECT $i AS b FROM pg_sleep(0.6)" &&
		q -d $C -c "CREATE SCHEMA regress_attente_b$i" -c "IMPORT FOREIGN SCHEMA regress_attente FROM SERVER b$i INTO regress_attente_b$i" || r=1
done
q -d $C -c "CREATE VIEW regress_attente_b1.toutes AS SELECT * FROM regress_attente_b1.v UNION ALL SELECT * FROM regress_attente_b2.v UNION ALL SELECT * FROM regress_attente_b3.v" || r=1
chrono() {	# $1: settings -> ms of the second count(*) of a session (the first opens the connections)
	psql -X -q -At -d $C -o /dev/null -c "$1" -c "SELECT count(*) FROM regress_attente_b1.toutes" -c '\timing on' \
		-c "SELECT count(*) FROM regress_attente_b1.toutes" </dev/null | sed -n 's/^Time: \([0-9]*\).*/\1/p'
}
ta=$(chrono "SET enable_async_append = on"); ts=$(chrono "SET enable_async_append = off")
[[ $r == 0 && -n $ta && -n $ts ]] && ((ta < 1300 && ts >= 1800))
ok $? "three sources that each take 0.6 s are read in ${ta:-?} ms together (${ts:-?} ms one after the other)"
for i in 1 2 3; do
	q -d $C -c "DROP SCHEMA regress_attente_b$i CASCADE" 2>/dev/null; q -d "${BASES[i - 1]}" -c "DROP SCHEMA regress_attente CASCADE" 2>/dev/null
done

# who may
r=0
q -d $C -c "CREATE ROLE regress_conso_lecteur IN ROLE flux_lecteur" -c "CREATE ROLE regress_conso_gest IN ROLE flux_gestionnaire" \
	-c "CREATE ROLE regress_conso_res IN ROLE flux_reservataire" || r=1
[[ $(q -d $C -c "SET ROLE regress_conso_lecteur" -c "SELECT count(*) > 0 FROM flux.territoire_bilan(2025)") == t ]] &&
	[[ $(q -d $C -c "SET ROLE regress_conso_lecteur" -c "SELECT count(*) > 0 FROM flux_consolidation.bilan_obligations") == t ]] || r=1
ok $r "flux_lecteur reads the territory's figures and the consolidated views (through the owner's user mapping)"
[[ $(etat -d $C -c "SET ROLE regress_conso_res" -c "SELECT * FROM flux.territoire_bilan(2025)") == 42501 ]] &&
	[[ $(etat -d $C -c "SET ROLE regress_conso_res" -c "SELECT * FROM flux_consolidation.bilan_reservataire") == 42501 ]]
ok $? "a réservataire reads none of it (42501)"
[[ $(etat -d $C -c "SET ROLE regress_conso_gest" -c "SELECT flux.retirer_source_consolidation('b1')") == 42501 ]]
ok $? "only flux_admin adds and removes sources"

# removing a source
q -d $C -c "SELECT flux.retirer_source_consolidation('b3')" >/dev/null &&
	[[ $(q -d $C -c "SELECT string_agg(DISTINCT source, ',' ORDER BY source) FROM flux_consolidation.bilan_etapes") == b1,b2 ]] &&
	[[ -z $(q -d $C -c "SELECT 1 FROM pg_namespace WHERE nspname = 'flux_source_b3'") ]] &&
	[[ $(q -d $C -c "SELECT count(*) FROM flux.source_consolidation") == 2 ]]
ok $? "a source removed: the views without it, its schema dropped"
[[ $(etat -d $C -c "SELECT flux.retirer_source_consolidation('b3')") == P0002 ]]
ok $? "removing a source that is none: P0002"

pg_dump -d $C >"$tmp/dump.sql" 2>"$tmp/dump.err" && grep -q 'CREATE VIEW flux_consolidation.bilan_reservataire' "$tmp/dump.sql" &&
	grep -q 'CREATE FOREIGN TABLE flux_source_b1.bilan_reservataire' "$tmp/dump.sql"
ok $? "pg_dump keeps the consolidated views and the foreign tables (they are not members of the extension)"
q -d $C -c "DROP EXTENSION flux" && [[ $(q -d $C -c "SELECT count(*) FROM flux_consolidation.bilan_reservataire") -gt 0 ]]
ok $? "DROP EXTENSION flux leaves them, and they still read the sources"

echo "1..$n"
