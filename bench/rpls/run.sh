#!/usr/bin/env bash
#
# bench/rpls/run.sh: load an RPLS file of 100 000 units with 1 % bad lines
# (generated here, no network): \copy into flux.rpls_ligne, then
# flux.charger_rpls; checks that every good line is in flux.logement and
# every bad line in flux.rpls_rejet with a reason, and prints the times.
#
# Needs a database reachable through the PG* variables where flux can be
# created, e.g. `pg_virtualenv -v 15 bench/rpls/run.sh`.
#   UNITS=100000 bench/rpls/run.sh
#   STAGE=octets bench/rpls/run.sh      stage with \lo_import + flux.deposer_rpls (0.9.0)
#   VERSION=0.8.0 bench/rpls/run.sh     an earlier version, to compare
set -euo pipefail
cd "$(dirname "$0")"
UNITS=${UNITS:-100000}
STAGE=${STAGE:-copy}
VERSION=${VERSION:-}
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
file=$(mktemp --suffix=.csv)
trap 'rm -f "$file"' EXIT

# the file: every 100th line is bad, in one of ten ways
awk -v n="$UNITS" 'BEGIN {
	print "IDENT_REP;IDENT_INT;NUMVOIE;TYPVOIE;NOMVOIE;DEPCOM;LIBCOM;EPCI;QPV;TYPECONST;NBPIECE;SURFHAB;CONSTRUCT;LOCAT;PATRIMOINE;ORIGINE;FINAN;CUS;CONV;SORTIEPATRIM;MODE;LOYERPRINC;CONTRESLOG"
	split("13 10 14 12 52 13", fin, " ")
	for (i = 1; i <= n; i++) {
		rep = sprintf("93%08d", i); id = sprintf("B-%06d", i)
		dep = sprintf("93%03d", 1 + i % 70); qpv = (i % 4 == 0) ? 1 : 2; pieces = 1 + i % 5
		f = fin[1 + i % 6]; surf = sprintf("%d,%d", 20 + pieces * 15, i % 10)
		line = rep ";" id ";" (i % 90) ";RUE;de la République;" dep ";Commune;200054781;" qpv ";C;" pieces ";" surf ";" (1960 + i % 60) ";" (1961 + i % 60) ";" (1961 + i % 60) ";1;" f ";;1;9;1;" (300 + i % 400) ";" (1 + i % 7)
		if (i % 100 == 0) {
			k = (i / 100) % 10
			if (k == 0) sub(";C;", ";Z;", line)                       # TYPECONST
			else if (k == 1) line = rep ";" id ";1;RUE"              # too few fields
			else if (k == 2) sub(";" dep ";", ";9X01;", line)         # DEPCOM
			else if (k == 3) sub(";" f ";", ";18;", line)             # FINAN
			else if (k == 4) sub(";" pieces ";", ";0;", line)         # a 0 code (QPV or NBPIECE)
			else if (k == 5) sub(/^93[0-9]+;/, "93;", line)           # IDENT_REP
			else if (k == 6) sub(";" id ";", ";;", line)              # IDENT_INT empty
			else if (k == 7) sub(";1;9;1;", ";3;9;1;", line)          # CONV
			else if (k == 8) sub(";" surf ";", ";vingt;", line)       # SURFHAB
			else line = rep ";" sprintf("B-%06d", i - 1) substr(line, length(rep) + length(id) + 2)  # duplicate IDENT_INT
		}
		print line
	}
}' >"$file"

psql -c "SET client_min_messages = warning" -c "DROP EXTENSION IF EXISTS flux CASCADE" \
	-c "CREATE EXTENSION flux${VERSION:+ VERSION '$VERSION'}" >/dev/null
psql -c "INSERT INTO flux.bailleur (id, siren, nom, famille) VALUES (1, '552046484', 'Bailleur bench', 'oph')" >/dev/null
# the 70 communes of the file (since 0.10.0 a DEPCOM must be one of flux.commune)
psql -c "INSERT INTO flux.commune (depcom, nom) SELECT format('93%s', lpad(i::text, 3, '0')), format('Commune %s', i) FROM generate_series(1, 70) i" >/dev/null

load() {
	# staging and loading must share one session: one psql, \timing on
	local stage
	if [[ $STAGE == octets ]]; then
		# the file's bytes, read by psql, staged line by line by flux
		stage="\\lo_import '$file'
SELECT flux.deposer_rpls(lo_get(:LASTOID)) + 0 * lo_unlink(:LASTOID) \\g /dev/null"
	else
		stage="\\copy flux.rpls_ligne (texte) FROM '$file' WITH (FORMAT csv, DELIMITER E'\\x1f', QUOTE E'\\x1e')"
	fi
	printf '%s\n' "SET client_min_messages = warning;" "\\timing on" "$stage" "SELECT * FROM flux.charger_rpls(1, 2025);" |
		psql |
		awk -v n="$UNITS" -v stage="$STAGE" '
			/^Time:/ { t[++k] = $2 }
			/^ *[0-9]+ \| / { r = $0 }
			END {
				print "  lues | inserees | mises_a_jour | inchangees | rejetees"
				print " " r
				printf "  staging (%s) %.0f ms, charger_rpls %.0f ms (%.0f lines/s), %.1f s in all\n",
					stage, t[k - 1], t[k], n / t[k] * 1000, (t[k - 1] + t[k]) / 1000
			}'
}
echo "file: $UNITS units, $(wc -l <"$file") lines with the header, staged by $STAGE, flux ${VERSION:-default version}"
echo "first load:"; load
echo "reload of the same file (idempotent):"; load

# since 0.10.0 a reload replaces the rejects of its lines; before, it added
# them again
twice=1
[[ -n $VERSION ]] && twice=2
psql -At -c "
SELECT format('check: %s units loaded (expected %s), %s rejects with a reason (expected %s)',
              (SELECT count(*) FROM flux.logement),
              $UNITS - $UNITS / 100,
              (SELECT count(*) FROM flux.rpls_rejet WHERE cardinality(raisons) > 0) / $twice,
              $UNITS / 100)"
psql -c "SELECT regexp_replace(raisons[1], '[0-9]{3,}', 'N', 'g') AS first_reason, count(*) / $twice AS lines
            FROM flux.rpls_rejet GROUP BY 1 ORDER BY 1"
psql -At -c "SELECT (SELECT count(*) FROM flux.logement) = $UNITS - $UNITS / 100
                AND (SELECT count(*) FROM flux.rpls_rejet) = $twice * ($UNITS / 100)" | grep -qx t ||
	{ echo "FAIL: counts differ"; exit 1; }
psql -c "SET client_min_messages = warning" -c "DROP EXTENSION flux CASCADE" >/dev/null
