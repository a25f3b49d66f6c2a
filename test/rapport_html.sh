#!/usr/bin/env bash
#
# test/rapport_html.sh: flux.rapport_html reads well in a browser and on
# A4 (issue 15 item 7), checked in headless Chromium (Debian `chromium`).
# In a fresh database flux_html it loads the sample year of
# test/rapport_html_donnees.psql (a very long réservataire name, an
# obligation failing at 0 %, singular and plural counts, hors flux units),
# writes flux.rapport_html(9300, '74', 2025) to a file, and checks a COPY of
# it (the report itself is never changed) into which it injects
# test/rapport_html_verifier.js, with the print rules applied to the screen
# and a window as wide as an A4 page's printable width (180 mm, 680 px):
#   - every SVG label inside the zone allotted to it and the chart;
#   - the longest name a whole label (wrapped, not cut);
#   - every table cell holds its text (scrollWidth <= clientWidth);
#   - nothing wider than the page; an @page A4 rule; a page break before
#     each section;
#   - a narrow no-break space before every %, no decimal point.
# Also: the page is well-formed XML, and Chromium ran the check.
# Prints TAP.  scripts/test runs it against its cluster (PGHOST, PGPORT,
# PGUSER set); by hand:  PGHOST=... PGPORT=... bash test/rapport_html.sh
# With a file argument it checks that page instead (without a database):
#   bash test/rapport_html.sh old-report.html
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {	# $1: status (0 is ok), $2: what
	n=$((n + 1))
	if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -P pager=off "$@" </dev/null; }

# the long name of the sample year: the check looks for it whole in a label
nom_long=$(sed -n "s/^.*(9304, '\([^']*\)'.*$/\1/p" test/rapport_html_donnees.psql)
page=$tmp/rapport.html
if [[ $# -ge 1 ]]; then
	cp "$1" "$page"
	ok 0 "the page to check: $1"
else
	q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS flux_html" -c "CREATE DATABASE flux_html"
	q -d flux_html -c "CREATE EXTENSION flux" -f test/rapport_html_donnees.psql >"$tmp/donnees.log" 2>&1
	s=$?
	ok $s "the sample year loads (test/rapport_html_donnees.psql)"
	((s == 0)) || grep -v '^$' "$tmp/donnees.log" | sed 's/^/# /'
	q -d flux_html -c "SELECT flux.rapport_html(9300, '74', 2025)" >"$page" 2>"$tmp/rapport.err"
	ok $? "flux.rapport_html(9300, '74', 2025) writes the page"
	sed 's/^/# /' "$tmp/rapport.err"
fi
# well-formed XML (the server parses it; without one, xmllint if present)
if [[ $# -eq 0 ]]; then
	r=$(psql -X -q -At -d flux_html -v ON_ERROR_STOP=1 \
		-c "SELECT xml_is_well_formed_document(flux.rapport_html(9300, '74', 2025))" </dev/null)
	[[ $r == t ]]
	ok $? "the page is well-formed XML"
fi

# the copy: print rules for the screen, the long name, the check before </body>
{
	sed -e 's/@media print/@media all/g' -e 's#</body>.*##' "$page"
	printf '<script>window.FLUX_NOM_LONG = %s;\n' "$(printf '%s' "$nom_long" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/"/')"
	cat test/rapport_html_verifier.js
	printf '</script></body></html>\n'
} >"$tmp/copie.html"
grep -q '<script>' "$tmp/copie.html"
ok $? "the check is injected into a copy of the page"

timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp/profil" \
	--window-size=680,1000 --virtual-time-budget=5000 --dump-dom "file://$tmp/copie.html" \
	>"$tmp/dom.html" 2>"$tmp/chromium.err"
rc=$?
grep -q '<pre id="tap">' "$tmp/dom.html"
ok $(( rc != 0 || $? != 0 )) "headless Chromium ran the check (status $rc)"
((rc == 0)) || tail -5 "$tmp/chromium.err" | sed 's/^/# /'

# the check's own TAP, renumbered after ours; its plan counted in ours
tap=$(sed -n '/<pre id="tap">/,/<\/pre>/p' "$tmp/dom.html" | sed -e 's/<[^>]*>//g' \
	-e 's/&amp;/\&/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g')
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' <<<"$tap")
[[ -n $plan ]] || plan=9	# the check's checks, counted as failed when it did not run
got=0
while IFS= read -r line; do
	case $line in
		"ok "*) got=$((got + 1)); ok 0 "${line#ok * - }" ;;
		"not ok "*) got=$((got + 1)); ok 1 "${line#not ok * - }" ;;
	esac
done < <(grep -E '^(not )?ok [0-9]+ ' <<<"$tap")
while ((got < plan)); do got=$((got + 1)); ok 1 "check of the page not run"; done
echo "1..$n"
