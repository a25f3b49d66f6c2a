#!/usr/bin/env bash
#
# test/leurres.sh: no climb through search_path (docs/security.md, "Decoys").
# Plants decoys for every operator and function name flux uses, in public
# and in pg_temp (test/leurres/planter.psql, test/leurres/session.psql), runs
# every file of the Makefile's REGRESS list with them first on the path
# (`SET search_path = public, pg_catalog, flux` in place of each file's own,
# pg_temp searched first for relations), and fails if any decoy ran from
# flux's code.  Besides, it parses the body of every string-bodied SQL
# function of flux that does not pin its path under that same hostile path
# (as a probe with an SQL-standard body, which records what it binds) and
# fails if the body binds a decoy: that catches an SQL function inlined into
# a top-level statement, where no frame is left to tell whose code ran.
#
# A decoy counts as run from flux's code when, below its own frame,
# PG_CONTEXT shows a PL/pgSQL function of schema flux, a decoy forwarding to
# a flux function, an SQL function named like one of flux's, or an SPI
# statement that no PL/pgSQL frame issued (flux's C).  Runs from the test
# files' own statements and DO blocks are counted apart (they show that the
# decoys were on the path) and are no failure.
#
# The outputs are not compared with expected/ (the decoys change what some
# lines print); each file must run to its end without losing its connection.
# install, upgrade and uninstall are skipped: the extension is created before
# the decoys, and upgrade/uninstall drop it (and the decoys with it).
#
# Prints TAP.  scripts/test runs it against its cluster (PGHOST, PGPORT,
# PGUSER set, a superuser); by hand:  PGHOST=... PGPORT=... bash test/leurres.sh
#   LEURRES_FILES="workflow orientation"   only these files
#   LEURRES_KEEP=1                         keep database flux_leurres
#   LEURRES_LOGS=dir                       keep each file's output there
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'if [[ -n ${LEURRES_LOGS:-} ]]; then mkdir -p "$LEURRES_LOGS" && cp "$tmp"/*.log "$LEURRES_LOGS"/; fi; rm -rf "$tmp"' EXIT
db=flux_leurres
chemin='SET search_path = public, pg_catalog, flux;'
n=0
ok() {	# $1: status (0 is ok), $2: what
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
q() { psql -X -q -At -F $'\t' -v ON_ERROR_STOP=1 -P pager=off "$@" </dev/null; }

files=${LEURRES_FILES:-$(sed -n 's/^REGRESS *= *//p' Makefile)}
q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q -d "$db" -c "CREATE EXTENSION flux" &&
	q -d "$db" -f test/leurres/planter.psql >"$tmp/planter.log" 2>&1
rc=$?
ok $rc "decoys planted: $(q -d "$db" -c "SELECT string_agg(n || ' ' || genre, ', ' ORDER BY genre) FROM (SELECT genre, count(*) n FROM public.leurre GROUP BY 1) x" 2>/dev/null)"
if ((rc != 0)); then
	sed 's/^/# /' "$tmp/planter.log"
	echo "1..$n"
	exit 1
fi
q -d "$db" -c "SELECT '# not decoyed: ' || objet || ' (' || raison || ')' FROM public.leurre_manque ORDER BY 1"

# the regression files, from a scratch directory that has what they read and
# write relative to the checkout (test/data, results/)
mkdir -p "$tmp/run/results"
ln -s "$root/test" "$tmp/run/test"
for f in $files; do
	case $f in install | upgrade | uninstall) continue ;; esac
	{
		cat test/leurres/session.psql
		sed -E "s/^(SET search_path *(=|TO) *.*|RESET search_path);/$chemin/I" "sql/$f.sql"
		printf '\n;\nROLLBACK;\nSELECT %s AS fin;\n' "'leurres: end of $f'"
	} >"$tmp/$f.sql"
	debut=$SECONDS
	(cd "$tmp/run" && PGOPTIONS='-c statement_timeout=60s' PGTZ=PST8PDT PGDATESTYLE='Postgres, MDY' \
		psql -X -a -q -d "$db" -f "$tmp/$f.sql" >"$tmp/$f.log" 2>&1 </dev/null)
	errors=$(grep -c '^psql:.*ERROR:' "$tmp/$f.log")
	statements=$(grep -Ec ';[[:space:]]*$' "sql/$f.sql")
	expected=$(grep -c '^ERROR:' "expected/$f.out" 2>/dev/null)
	! grep -Eq 'server closed the connection|connection to server was lost|FATAL:' "$tmp/$f.log" &&
		grep -q "leurres: end of $f" "$tmp/$f.log"
	ok $? "sql/$f.sql ran to its end with the decoys on the path ($statements statements, $errors errors where expected/ has ${expected:-?}, $((SECONDS - debut)) s)"
done

# what flux's string-bodied, unpinned SQL functions bind under the hostile path
cat >"$tmp/sondes.sql" <<SQL
$chemin
SELECT public.leurre_relations();
CREATE TABLE public.leurre_sonde (fonction text, lie text);
DO \$sonde\$
DECLARE
	f record;
	s oid;
BEGIN
	FOR f IN SELECT p.oid, p.prosrc FROM pg_catalog.pg_proc p
			  WHERE p.pronamespace OPERATOR(pg_catalog.=) 'flux'::pg_catalog.regnamespace
				AND p.prolang OPERATOR(pg_catalog.=) (SELECT l.oid FROM pg_catalog.pg_language l WHERE l.lanname OPERATOR(pg_catalog.=) 'sql')
				AND p.proconfig IS NULL AND p.prosqlbody IS NULL
			  ORDER BY 1 LOOP
		EXECUTE pg_catalog.format('CREATE FUNCTION public.leurre_sonde_f(%s) RETURNS %s LANGUAGE sql BEGIN ATOMIC %s' || E'\n; END',
			public.leurre_arguments(f.oid), pg_catalog.pg_get_function_result(f.oid), f.prosrc);
		s := pg_catalog.to_regproc('public.leurre_sonde_f');	-- at each turn (a cast would be folded once)
		INSERT INTO public.leurre_sonde
		SELECT f.oid::pg_catalog.regprocedure::text, (SELECT i.type || ' ' || i.identity FROM pg_catalog.pg_identify_object(d.refclassid, d.refobjid, 0) i)
		  FROM pg_catalog.pg_depend d
		 WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid OPERATOR(pg_catalog.=) s
		   AND ((d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.refobjid OPERATOR(pg_catalog.=) ANY (
					SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) ANY (ARRAY['public'::pg_catalog.regnamespace, pg_catalog.pg_my_temp_schema()])))
			 OR (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass AND d.refobjid OPERATOR(pg_catalog.=) ANY (
					SELECT o.oid FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) 'public'::pg_catalog.regnamespace))
			 OR (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid OPERATOR(pg_catalog.=) ANY (
					SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) ANY (ARRAY['public'::pg_catalog.regnamespace, pg_catalog.pg_my_temp_schema()])))
			 OR (d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass AND d.refobjid OPERATOR(pg_catalog.=) ANY (
					SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) ANY (ARRAY['public'::pg_catalog.regnamespace, pg_catalog.pg_my_temp_schema()]))));
		IF NOT FOUND THEN
			INSERT INTO public.leurre_sonde VALUES (f.oid::pg_catalog.regprocedure::text, NULL);
		END IF;
		DROP FUNCTION public.leurre_sonde_f;
	END LOOP;
END
\$sonde\$;
SQL
q -d "$db" -f "$tmp/sondes.sql" >"$tmp/sondes.log" 2>&1
rc=$?
ok $rc "every string-bodied SQL function of flux without a pinned search_path parsed as a probe"
((rc == 0)) || sed 's/^/# /' "$tmp/sondes.log"
while IFS=$'\t' read -r fonction lie; do
	[[ -z $lie ]]
	ok $? "the body of $fonction binds no decoy under the hostile path${lie:+: binds $lie}"
done < <(q -d "$db" -c "SELECT fonction, coalesce(string_agg(lie, ', ' ORDER BY lie), '') FROM public.leurre_sonde GROUP BY 1 ORDER BY 1" 2>/dev/null)

echo "# probed: $(q -d "$db" -c "SELECT count(DISTINCT fonction) FROM public.leurre_sonde" 2>/dev/null) string-bodied SQL functions of flux without a pinned search_path"
sans=$(q -d "$db" -c "SELECT coalesce(string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1), '')
	FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
	WHERE p.pronamespace = 'flux'::regnamespace AND l.lanname = 'plpgsql' AND p.proconfig IS NULL")
[[ -z $sans ]]
ok $? "every PL/pgSQL function of flux pins its search_path${sans:+: not $sans}"

# the decoys: one line per family
q -d "$db" -c "
	CREATE FUNCTION pg_temp.n(s text) RETURNS bigint LANGUAGE plpgsql AS
	\$\$ DECLARE r record; BEGIN EXECUTE 'SELECT last_value, is_called FROM ' || s INTO r;
	     RETURN CASE WHEN r.is_called THEN r.last_value ELSE 0 END; END \$\$;
	CREATE TABLE public.leurre_compte AS
	SELECT l.*, pg_temp.n(pg_catalog.format('public.leurre_%s', l.id)) AS n FROM public.leurre l" >/dev/null
ok $? "the decoys' counters read"
total=0
while IFS=$'\t' read -r famille decoys runs objets; do
	[[ $runs == 0 ]]
	ok $? "no decoy of $famille ran from flux code ($decoys decoys)${objets:+: ran: $objets}"
	total=$((total + runs))
done < <(q -d "$db" -c "
	SELECT famille, count(*), sum(n),
		   coalesce(string_agg(objet || ' ' || n || 'x', ', ' ORDER BY objet) FILTER (WHERE n > 0), '')
	  FROM public.leurre_compte GROUP BY famille ORDER BY min(id)")
hors=$(q -d "$db" -c "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM public.leurre_hors_flux")
echo "# decoys run from the test files' own statements: $hors (not a failure: the decoys were on the path)"
# where each decoy ran from flux's code (the WARNINGs of public.leurre_noter)
cat "$tmp"/*.log 2>/dev/null | sed -n 's/^.*WARNING:  leurre [0-9]* (\(.*\)) run from flux code: \(.*\)$/# \1 <- \2/p' | sort -u | head -60
[[ $total == 0 ]]
ok $? "decoys run from flux code: $total"

if [[ ${LEURRES_KEEP:-0} != 1 ]]; then
	q -d postgres -c "DROP DATABASE $db"
fi
echo "1..$n"
