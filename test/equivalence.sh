#!/usr/bin/env bash
#
# test/equivalence.sh: an update through the whole chain gives what a fresh
# install gives, object by object, with or without data (issue 13, "the
# proof").
#
#   1. flux_equiv_chaine: CREATE EXTENSION flux VERSION '0.1.0', then
#      ALTER EXTENSION flux UPDATE (every step to default_version);
#      flux_equiv_neuve: CREATE EXTENSION flux (the install script alone).
#      Both are read by test/equivalence/catalogue.psql (one row per object:
#      family, name, definition, no OID) and compared: one TAP line per family
#      (functions, aggregates, views, tables, columns, constraints, indexes,
#      triggers, rules, policies and RLS flags, types, operators, operator
#      classes and families, casts, statistics objects, sequences, comments,
#      privileges, initial privileges, extension members, the tables whose
#      data pg_dump keeps); a difference names each object and shows both
#      definitions as a diff.  The rows the scripts themselves insert
#      (reference data) and the sequences' states are compared too.
#   2. flux_equiv_donnees: 0.1.0 updated to 0.5.0 (the first version with the
#      workflow), the workflow's data loaded (test/equivalence/donnees.psql),
#      then every step to default_version, one at a time.  Its catalogue must
#      equal the fresh install's; every row of every table must be what it was
#      when the table was first seen (count and md5 of the rows, on the
#      columns the table had then: columns a later step adds are left out, so
#      is a table a later step creates until it appears); and the bilans
#      (flux.bilan_*, flux.soustractions_previsionnelles, flux.transmissions)
#      read at default_version what they read in the first version that has
#      them (0.7.0), on the columns they had then.
#
# Column order counts as a difference (the `tables` family lists each table's
# columns in order): ALTER TABLE ... ADD COLUMN appends, so a fresh install
# must declare a column added by an update last, as the update put it, or
# SELECT *, INSERT and COPY without a column list, and ROW(...)::table, would
# read differently in the two databases.
#
# Prints TAP; exits non-zero on any failure.  scripts/test runs it against its
# cluster ("upgrade equality" stage); by hand, against a cluster that has the
# built extension (PGHOST, PGPORT, PGUSER set):  bash test/equivalence.sh
#
# That it can fail (the mutation check, by hand, takes ~30 s):
#   bash test/equivalence/mutation.sh
# builds flux, copies the staging folder, changes one function's body in a
# released upgrade script of the copy (not the fresh install script), runs
# this test in a throwaway cluster reading the copy, and checks it fails and
# names that function.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failures=0
ok() {	# $1: status (0 is ok), $2: what
	n=$((n + 1))
	if [[ $1 == 0 ]]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failures=$((failures + 1))
	fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -P pager=off "$@" </dev/null; }
# The walk reads and writes its databases at every version on the way, in
# sessions of their own, with the library of the current release: the check
# at load that the two agree (src/flux.c) is off for this script (it runs as
# a superuser); sql/upgrade.sql tests the check itself.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c flux.verifier_version=off"

CHAINE=flux_equiv_chaine NEUVE=flux_equiv_neuve DONNEES=flux_equiv_donnees
for db in $CHAINE $NEUVE $DONNEES; do
	q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done

# ---------------------------------------------------------------------------
# comparing two catalogues
# ---------------------------------------------------------------------------
FAMILLES=("extension" "functions" "aggregates" "views" "tables" "columns" "constraints" "indexes"
	"triggers" "rules" "policies" "types" "operators" "operator classes and families" "casts"
	"statistics objects" "sequences" "comments" "privileges" "initial privileges"
	"extension members" "dumped data")

catalogue() {	# $1: database, $2: file
	psql -X -q -v ON_ERROR_STOP=1 -P pager=off -d "$1" -f test/equivalence/catalogue.psql >"$2" 2>"$2.err" </dev/null
}

# the definition of object $3 of family $2 in catalogue $1, decoded from
# COPY's text format (\n, \t, \\)
definition() {
	local def
	def=$(awk -F'\t' -v f="$2" -v o="$3" '$1 == f && $2 == o { sub(/^[^\t]*\t[^\t]*\t/, ""); print; exit }' "$1")
	printf '%b\n' "$def"
}

# comparer LABEL FILE_A NAME_A FILE_B NAME_B: one TAP line per family
comparer() {
	local label=$1 fa=$2 na=$3 fb=$4 nb=$5 fam total k shown obj familles
	if [[ ! -s $fa || ! -s $fb ]]; then
		for fam in "${FAMILLES[@]}"; do
			ok 1 "$label$fam: not compared (a catalogue could not be read)"
		done
		return
	fi
	mapfile -t familles < <(
		printf '%s\n' "${FAMILLES[@]}"
		cut -f1 "$fa" "$fb" | LC_ALL=C sort -u | grep -vxF -f <(printf '%s\n' "${FAMILLES[@]}"))
	for fam in "${familles[@]}"; do
		awk -F'\t' -v f="$fam" '$1 == f' "$fa" | LC_ALL=C sort >"$tmp/a"
		awk -F'\t' -v f="$fam" '$1 == f' "$fb" | LC_ALL=C sort >"$tmp/b"
		total=$(cut -f2 "$tmp/a" "$tmp/b" | LC_ALL=C sort -u | grep -c .)
		LC_ALL=C comm -3 "$tmp/a" "$tmp/b" | sed 's/^\t//' | cut -f2 | LC_ALL=C sort -u >"$tmp/diff"
		k=$(grep -c . "$tmp/diff")
		if ((k == 0)); then
			ok 0 "$label$fam: $total the same"
			continue
		fi
		ok 1 "$label$fam: $k of $total differ: $(head -5 "$tmp/diff" | paste -sd';' | sed 's/;/; /g')$( ((k > 5)) && echo '; ...')"
		shown=0
		while IFS= read -r obj; do
			((shown++ >= 10)) && { echo "# ... and $((k - 10)) more"; break; }
			if ! awk -F'\t' -v o="$obj" '$2 == o { f = 1 } END { exit !f }' "$tmp/a"; then
				echo "# $obj: only in $nb"
			elif ! awk -F'\t' -v o="$obj" '$2 == o { f = 1 } END { exit !f }' "$tmp/b"; then
				echo "# $obj: only in $na"
			else
				echo "# $obj: differs (--- $na, +++ $nb)"
				diff -U1 --label "$na" --label "$nb" <(definition "$tmp/a" "$fam" "$obj") <(definition "$tmp/b" "$fam" "$obj") |
					head -40 | sed 's/^/#   /'
			fi
		done <"$tmp/diff"
	done
}

# empreintes DATABASE: "relation<TAB>columns<TAB>count md5" for every table of
# flux (every column) and "sequence<TAB>-<TAB>last_value is_called"
empreintes() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -F $'\t' <<-'EOF'
		SELECT format($$SELECT %L, %L, count(*) || ' ' || coalesce(md5(string_agg(r::text, E'\n' ORDER BY r::text)), '-') FROM (SELECT %s FROM %s) r$$,
					  c.oid::regclass, cols, cols, c.oid::regclass)
		  FROM pg_class c, LATERAL (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS cols
									  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) x
		 WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind IN ('r', 'p')
		 ORDER BY c.oid::regclass::text
		\gexec
		SELECT format($$SELECT %L, '-', last_value || ' ' || is_called FROM %s$$, c.oid::regclass, c.oid::regclass)
		  FROM pg_class c WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind = 'S' ORDER BY c.oid::regclass::text
		\gexec
	EOF
}

# relire DATABASE FILE: the same fingerprints again, on the columns of FILE
relire() {
	local rel cols fp
	while IFS=$'\t' read -r rel cols fp; do
		if [[ $cols == - ]]; then
			printf 'SELECT %s, %s, last_value || %s || is_called FROM %s;\n' "'$rel'" "'-'" "' '" "$rel"
		else
			printf "SELECT '%s', '%s', count(*) || ' ' || coalesce(md5(string_agg(r::text, E'\\\\n' ORDER BY r::text)), '-') FROM (SELECT %s FROM %s) r;\n" \
				"$rel" "$cols" "$cols" "$rel"
		fi
	done <"$2" >"$tmp/relire.sql"
	psql -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -d "$1" -f "$tmp/relire.sql" </dev/null
}

# The bilans whose meaning changed on purpose after the version that first
# had them: what still means the same is compared, the columns and rows
# listed here (a row filter goes with the view's name), the rest is not.
#   flux.bilan_reservataire (0.10.0, issue 15): its figures count units and
#     its candidates' only, its shares are over the units freed in the flux
#     (Publier art. 7): the identity of each row and its due share compared
#   flux.bilan_obligations (0.10.0, issue 15): every obligation for each
#     réservataire too: the rows that existed before compared, in full
bilans_changes() {
	awk -F'\t' -v OFS='\t' '
		$1 == "flux.bilan_reservataire" { $2 = "annee, bailleur_id, bailleur, departement, convention_id, reservataire_id, reservataire, categorie, taux_du" }
		$1 == "flux.bilan_obligations" { $1 = $1 " WHERE reservataire_id IS NULL OR obligation = $$prioritaires$$" }
		{ print }' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# ---------------------------------------------------------------------------
# 1. the chain and a fresh install, empty
# ---------------------------------------------------------------------------
version=$(sed -n "s/^default_version = '\(.*\)'/\1/p" flux.control)
# the oldest version: the one whose path to default_version is the longest
chemin=$(q -d $CHAINE -c "SELECT path FROM pg_extension_update_paths('flux')
	WHERE target = '$version' AND path IS NOT NULL ORDER BY length(path) DESC LIMIT 1")
oldest=${chemin%%--*}
q -d $CHAINE -c "CREATE EXTENSION flux VERSION '${oldest:-?}'" -c "ALTER EXTENSION flux UPDATE" 2>"$tmp/chaine.err"
ok $? "flux ${oldest:-?} updated through every step (ALTER EXTENSION flux UPDATE: ${chemin//--/ -> })"
[[ -s $tmp/chaine.err ]] && sed 's/^/# /' "$tmp/chaine.err"
[[ $(q -d $CHAINE -c "SELECT extversion FROM pg_extension WHERE extname = 'flux'") == "$version" ]]
ok $? "the update reached default_version $version"
q -d $NEUVE -c "CREATE EXTENSION flux" 2>"$tmp/neuve.err"
ok $? "flux $version installed fresh (CREATE EXTENSION flux)"
[[ -s $tmp/neuve.err ]] && sed 's/^/# /' "$tmp/neuve.err"

catalogue $CHAINE "$tmp/chaine.cat" && catalogue $NEUVE "$tmp/neuve.cat"
rc=$?
ok $rc "the catalogues read ($(grep -c . "$tmp/chaine.cat") and $(grep -c . "$tmp/neuve.cat") objects)"
((rc == 0)) || sed 's/^/# /' "$tmp/chaine.cat.err" "$tmp/neuve.cat.err"
comparer "" "$tmp/chaine.cat" "chain $oldest->$version" "$tmp/neuve.cat" "fresh $version"

# what the scripts insert themselves, and where they leave the sequences
empreintes $CHAINE >"$tmp/chaine.ref" && empreintes $NEUVE >"$tmp/neuve.ref"
LC_ALL=C comm -3 <(LC_ALL=C sort "$tmp/chaine.ref") <(LC_ALL=C sort "$tmp/neuve.ref") | sed 's/^\t//' | cut -f1 | LC_ALL=C sort -u >"$tmp/refdiff"
[[ -s $tmp/chaine.ref && ! -s $tmp/refdiff ]]
ok $? "reference data: the $(grep -vc $'\t-\t' "$tmp/chaine.ref") tables hold the same rows ($(awk -F'\t' '$2 != "-" { split($3, x, " "); s += x[1] } END { print s + 0 }' "$tmp/chaine.ref") in all) and the $(grep -c $'\t-\t' "$tmp/chaine.ref") sequences stand at the same value$([[ -s $tmp/refdiff ]] && echo ", except: $(paste -sd' ' "$tmp/refdiff")")"
if [[ -s $tmp/refdiff ]]; then
	while IFS= read -r rel; do
		echo "# $rel: chain $(awk -F'\t' -v r="$rel" '$1 == r { print $3 }' "$tmp/chaine.ref"), fresh $(awk -F'\t' -v r="$rel" '$1 == r { print $3 }' "$tmp/neuve.ref")"
	done <"$tmp/refdiff"
fi

# ---------------------------------------------------------------------------
# 2. the same walk with the workflow's data
# ---------------------------------------------------------------------------
charge=0.5.0
q -d $DONNEES -c "CREATE EXTENSION flux VERSION '$oldest'" -c "ALTER EXTENSION flux UPDATE TO '$charge'" &&
	psql -X -q -v ON_ERROR_STOP=1 -d $DONNEES -f test/equivalence/donnees.psql >"$tmp/donnees.log" 2>&1 </dev/null
rc=$?
ok $rc "the workflow's data loaded into flux $charge ($(q -d $DONNEES -c "SELECT count(*) FROM flux.orientation") orientations, $(q -d $DONNEES -c "SELECT count(*) FROM flux.orientation_historique") steps of history)"
((rc == 0)) || sed 's/^/# /' "$tmp/donnees.log"

empreintes $DONNEES | sed "s/^/$charge\t/" >"$tmp/vues_avant"
cp "$tmp/vues_avant" "$tmp/premieres"
mapfile -t etapes < <(q -d $DONNEES -c "SELECT path FROM pg_extension_update_paths('flux')
	WHERE source = '$charge' AND target = '$version'" | tr -s '-' '\n' | tail -n +2)
bilans_version=
: >"$tmp/bilans_avant"
rc=0
for v in "${etapes[@]}"; do
	if ! q -d $DONNEES -c "ALTER EXTENSION flux UPDATE TO '$v'" 2>"$tmp/etape.err"; then
		rc=1
		sed "s/^/# $v: /" "$tmp/etape.err"
		break
	fi
	# the tables this step creates: their rows as the step left them
	empreintes $DONNEES | sed "s/^/$v\t/" >"$tmp/vues"
	awk -F'\t' 'NR == FNR { vu[$2] = 1; next } !($2 in vu)' "$tmp/premieres" "$tmp/vues" >"$tmp/nouvelles"
	cat "$tmp/nouvelles" >>"$tmp/premieres"
	# the bilans, in the first version that has them
	if [[ -z $bilans_version ]] &&
		[[ $(q -d $DONNEES -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'flux'::regnamespace AND relkind = 'v' AND relname LIKE 'bilan%'") -gt 0 ]]; then
		bilans_version=$v
		q -d $DONNEES -F $'\t' -c "SELECT c.oid::regclass, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), '-'
			FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		   WHERE c.relnamespace = 'flux'::regnamespace AND c.relkind = 'v'
			 AND (c.relname LIKE 'bilan%' OR c.relname IN ('soustractions_previsionnelles', 'transmissions'))
		   GROUP BY c.oid ORDER BY 1" >"$tmp/bilans_cols"
		bilans_changes "$tmp/bilans_cols"
		relire $DONNEES "$tmp/bilans_cols" >"$tmp/bilans_avant"
	fi
done
ok $rc "the data's database updated step by step from $charge: ${etapes[*]}"

catalogue $DONNEES "$tmp/donnees.cat"
ok $? "its catalogue reads ($(grep -c . "$tmp/donnees.cat") objects)"
comparer "with data: " "$tmp/donnees.cat" "chain with data" "$tmp/neuve.cat" "fresh $version"

# every table's rows as they were when the table first appeared, every
# sequence where it stood
cut -f2- "$tmp/premieres" >"$tmp/premieres.fp"
relire $DONNEES "$tmp/premieres.fp" >"$tmp/apres" 2>"$tmp/apres.err"
sequences=0 sequences_ko=()
while IFS=$'\t' read -r depuis rel cols fp; do
	apres=$(awk -F'\t' -v r="$rel" '$1 == r { print $3 }' "$tmp/apres")
	maintenant=$(q -d $DONNEES -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
		WHERE attrelid = '$rel'::regclass AND attnum > 0 AND NOT attisdropped" 2>/dev/null)
	ajoutees=
	if [[ $cols != - ]]; then
		ajoutees=$(comm -13 <(tr ',' '\n' <<<"$cols" | tr -d ' ' | sort) <(tr ',' '\n' <<<"$maintenant" | tr -d ' ' | sort) | paste -sd' ')
	fi
	if [[ $cols == - ]]; then
		sequences=$((sequences + 1))
		[[ -n $apres && $apres == "$fp" ]] || sequences_ko+=("$rel ($depuis: $fp; $version: ${apres:-unreadable})")
		continue
	fi
	[[ -n $apres && $apres == "$fp" ]]
	ok $? "$rel: the ${fp%% *} rows of $depuis unchanged by the walk${ajoutees:+ (columns added since, not compared: $ajoutees)}"
	[[ $apres == "$fp" ]] || echo "#   $depuis: $fp; $version: ${apres:-(unreadable)}"
done <"$tmp/premieres"
((${#sequences_ko[@]} == 0))
ok $? "the $sequences sequences stand where the walk found them"
for s in "${sequences_ko[@]}"; do echo "#   $s"; done
[[ -s $tmp/apres.err ]] && sed 's/^/# /' "$tmp/apres.err"

# the bilans read the same
if [[ -z $bilans_version ]]; then
	ok 1 "the bilans: no version of the walk has a flux.bilan_* view"
else
	relire $DONNEES "$tmp/bilans_cols" >"$tmp/bilans_apres" 2>"$tmp/bilans.err"
	while IFS=$'\t' read -r rel cols fp; do
		apres=$(awk -F'\t' -v r="$rel" '$1 == r { print $3 }' "$tmp/bilans_apres")
		[[ -n $apres && $apres == "$fp" ]]
		ok $? "$rel reads at $version what it read at $bilans_version (${fp%% *} rows)"
		[[ $apres == "$fp" ]] || echo "#   $bilans_version: $fp; $version: ${apres:-(unreadable)}"
	done <"$tmp/bilans_avant"
	[[ -s $tmp/bilans.err ]] && sed 's/^/# /' "$tmp/bilans.err"
fi

q -d postgres -c "DROP DATABASE $CHAINE" -c "DROP DATABASE $NEUVE" -c "DROP DATABASE $DONNEES"
echo "1..$n"
((failures == 0))
