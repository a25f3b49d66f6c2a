#!/usr/bin/env bash
#
# test/equivalence/mutation.sh: test/equivalence.sh can fail.  Run by hand
# (not by scripts/test), ~30 s:
#
#   bash test/equivalence/mutation.sh [SCRIPT [FUNCTION]]
#
# Builds flux and installs it into a scratch staging folder (not the
# worktree's tmp_install), changes the body of flux.FUNCTION (a line
# `-- mutation` after the line that opens its body) in the installed copy of
# the released upgrade script SCRIPT, and leaves the fresh install script as
# built.  Then runs test/equivalence.sh in a throwaway cluster that reads the
# scratch folder, and passes when that test fails and names flux.FUNCTION.
# Defaults: flux--0.8.0--0.9.0.sql, candidature_apres (defined there, never
# redefined later; 0.11.0 drops rapport_epci, the default until then).  No file of the worktree is changed (make builds in place,
# as scripts/test does).
set -euo pipefail
script=${1:-flux--0.8.0--0.9.0.sql}
fonction=${2:-candidature_apres}
# always a throwaway cluster, never a server of the environment
unset PGHOST PGPORT PGDATABASE PGUSER
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$FLUX_ROOT"

flux_say "building flux"
make -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$PG_CONFIG" with_llvm=no >"$FLUX_TMP/build.log" 2>&1 </dev/null ||
	{ cat "$FLUX_TMP/build.log" >&2; flux_die "build failed"; }
FLUX_STAGE=$FLUX_TMP/stage
make install PG_CONFIG="$PG_CONFIG" with_llvm=no DESTDIR="$FLUX_STAGE" >"$FLUX_TMP/install.log" 2>&1 </dev/null ||
	{ cat "$FLUX_TMP/install.log" >&2; flux_die "install into $FLUX_STAGE failed"; }
chmod -R a+rX "$FLUX_TMP"

cible=$FLUX_STAGE$("$PG_CONFIG" --sharedir)/extension/$script
[[ -f $cible ]] || flux_die "no $script in the staging folder"
# the first line that opens a dollar-quoted body after CREATE ... FUNCTION flux.<fonction>(
awk -v f="flux.$fonction(" '
	index($0, "FUNCTION " f) && /CREATE/ { dans = 1 }
	{ print }
	dans && /\$[A-Za-z_]*\$/ { print "\t-- mutation"; dans = 0; n++ }
	END { if (n != 1) exit 1 }' "$cible" >"$cible.new" ||
	flux_die "flux.$fonction is not defined in $script"
mv "$cible.new" "$cible"
flux_say "mutated: flux.$fonction in $script (staging copy), the fresh install script left as built"
diff -u "sql/$script" "$cible" | sed -n '3,$p' | head -12 || true

verifier() {
	local rc=0
	bash test/equivalence.sh >"$FLUX_TMP/equivalence.out" 2>&1 </dev/null || rc=$?
	grep -E '^not ok|^#' "$FLUX_TMP/equivalence.out" | head -40
	if ((rc == 0)); then
		echo "MUTATION NOT DETECTED: test/equivalence.sh passed"
		return 1
	fi
	if ! grep -E "^not ok [0-9]+ - functions: .*flux\.$fonction\(" "$FLUX_TMP/equivalence.out" >/dev/null; then
		echo "test/equivalence.sh failed (status $rc) but its 'functions' line does not name flux.$fonction"
		return 1
	fi
	echo "mutation detected: test/equivalence.sh failed (status $rc) and names flux.$fonction"
}
FLUX_CLUSTER_NAME=mutation
flux_with_cluster verifier
