# shellcheck shell=bash
#
# scripts/lib.sh — shared functions of scripts/demo and scripts/test.
#
# Sourced, never run.  Callers use `set -euo pipefail` and must not read stdin
# (CI has none).  Everything here targets PostgreSQL 15 on Debian bookworm.
#
#   flux_ensure_packages       install the missing Debian packages (root only)
#   flux_build_install         make && make install, quiet unless it fails
#   flux_with_cluster CMD...   run CMD against PG* if set, else in a throwaway
#                              cluster (kept running when FLUX_KEEP=1)
#   flux_at_exit FUNC          run FUNC when the script exits (last in, first
#                              out; FUNC gets the exit status)
#   $FLUX_TMP                  scratch directory of this run, removed on exit
#
# The throwaway cluster is made here with initdb + pg_ctl rather than with
# pg_virtualenv: pg_virtualenv cannot leave a cluster running (demo --keep),
# connects over TCP on localhost, and as root writes into /etc/postgresql.
# Ours lives entirely in one /tmp/flux-<what>.XXXXXX directory (data, log and
# the Unix socket), listens on no TCP address at all (listen_addresses = ''),
# trusts only local socket connections (the directory is mode 0700, so only its
# owner and root can reach the socket) and is removed on exit, failure or
# signal.  As root the server runs as the `postgres` user.

FLUX_PG_VERSION=15
FLUX_PGBIN=/usr/lib/postgresql/$FLUX_PG_VERSION/bin
: "${PG_CONFIG:=$FLUX_PGBIN/pg_config}"
export PG_CONFIG

# Repository root (this file is scripts/lib.sh).
FLUX_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Make sure PostgreSQL 15's own client tools win over Debian's pg_wrapper.
case ":$PATH:" in
	*":$FLUX_PGBIN:"*) ;;
	*) PATH=$FLUX_PGBIN:$PATH ;;
esac
export PATH

flux_say() { printf '==> %s\n' "$*"; }
flux_warn() { printf 'flux: %s\n' "$*" >&2; }
flux_die() { flux_warn "$*"; exit 1; }

# --------------------------------------------------------------------------
# Exit hooks: one EXIT trap for everything, hooks run last in, first out, so
# the cluster is stopped before a script prints its closing line.
# --------------------------------------------------------------------------
FLUX_EXIT_HOOKS=()

flux_at_exit() { FLUX_EXIT_HOOKS+=("$1"); }

flux__run_exit_hooks() {
	local rc=$? i
	set +e
	for ((i = ${#FLUX_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
		"${FLUX_EXIT_HOOKS[i]}" "$rc"
	done
	exit "$rc"
}
trap flux__run_exit_hooks EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Scratch directory for logs, removed on exit.
FLUX_TMP=$(mktemp -d /tmp/flux-run.XXXXXX)
flux__exit_rm_tmp() { rm -rf "$FLUX_TMP"; }
flux_at_exit flux__exit_rm_tmp

# --------------------------------------------------------------------------
# Packages
# --------------------------------------------------------------------------
# postgresql-15: server (also pulls postgresql-common: pg_wrapper, the postgres
#   user); postgresql-server-dev-15: PGXS and headers; postgresql-15-pgtap:
#   the pgtap extension; libtap-parser-sourcehandler-pgtap-perl: pg_prove;
#   chromium and fonts-dejavu-core: scripts/test renders the HTML report in
#   headless Chromium (test/rapport_html.sh), with a font of known metrics.
# No `locales`: clusters use C.UTF-8, which glibc always provides.
FLUX_PACKAGES=(
	make gcc libc6-dev
	"postgresql-$FLUX_PG_VERSION"
	"postgresql-server-dev-$FLUX_PG_VERSION"
	"postgresql-$FLUX_PG_VERSION-pgtap"
	libtap-parser-sourcehandler-pgtap-perl
	chromium fonts-dejavu-core
)

flux__missing_packages() {
	local p
	for p in "${FLUX_PACKAGES[@]}"; do
		if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
			printf '%s\n' "$p"
		fi
	done
}

flux_ensure_packages() {
	local missing log
	command -v dpkg-query >/dev/null ||
		flux_die "dpkg-query not found: these scripts expect Debian bookworm (install ${FLUX_PACKAGES[*]} yourself and set PG_CONFIG)"
	mapfile -t missing < <(flux__missing_packages)
	((${#missing[@]} == 0)) && return 0

	if ((EUID != 0)); then
		flux_warn "missing Debian packages: ${missing[*]}"
		flux_warn "install them as root, then run this again:"
		flux_warn "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
		exit 1
	fi

	flux_say "installing Debian packages: ${missing[*]}"
	log=$FLUX_TMP/apt.log
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get update -q >"$log" 2>&1 </dev/null ||
		! apt-get install -y -q --no-install-recommends \
			-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
			"${missing[@]}" >>"$log" 2>&1 </dev/null; then
		cat "$log" >&2
		flux_die "apt-get failed (log above)"
	fi
	mapfile -t missing < <(flux__missing_packages)
	((${#missing[@]} == 0)) || flux_die "still missing after apt-get: ${missing[*]}"
}

# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------
# PG_CFLAGS comes from the environment (CI sets -Werror); with_llvm=no skips
# the LLVM bitcode step that would need clang.
#
# The extension is installed into a staging folder, $FLUX_STAGE (tmp_install/
# of the checkout), never into the system's PostgreSQL: the throwaway cluster
# points its extension_destdir there (a setting of Debian's PostgreSQL that is
# searched first for control files, scripts and '$libdir' modules).  Only
# `make install` installs.  Against an existing server (PGHOST, PGPORT or
# PGDATABASE set) nothing is installed at all: flux_check_available then
# stops, saying how, unless that server already offers this release.
FLUX_STAGE=$FLUX_ROOT/tmp_install

flux_build_install() {
	local log jobs dest=
	[[ -x $PG_CONFIG ]] || flux_die "pg_config not found at $PG_CONFIG (is postgresql-server-dev-$FLUX_PG_VERSION installed?)"
	jobs=$(nproc 2>/dev/null || echo 2)
	log=$FLUX_TMP/build.log
	flux_say "building flux${PG_CFLAGS:+ (PG_CFLAGS=$PG_CFLAGS)}"
	if ! make -C "$FLUX_ROOT" -j"$jobs" PG_CONFIG="$PG_CONFIG" with_llvm=no \
		PG_CFLAGS="${PG_CFLAGS:-}" >"$log" 2>&1 </dev/null; then
		cat "$log" >&2
		flux_warn "build failed (make output above)"
		return 1
	fi
	if flux_external_db; then
		flux_say "an existing server was given: flux is built, not installed (the system's PostgreSQL is left alone; 'sudo make install' installs)"
		return 0
	fi
	rm -rf "$FLUX_STAGE"
	dest=$FLUX_STAGE
	flux_say "installing flux into the staging folder $FLUX_STAGE (the system's PostgreSQL is left alone)"
	if ! make -C "$FLUX_ROOT" install PG_CONFIG="$PG_CONFIG" with_llvm=no \
		PG_CFLAGS="${PG_CFLAGS:-}" DESTDIR="$dest" >"$log" 2>&1 </dev/null; then
		cat "$log" >&2
		flux_warn "install into the staging folder failed (make output above)"
		return 1
	fi
	# the server (user postgres) reads the staging folder
	chmod -R a+rX "$dest"
	return 0
}

# The release of the checkout (flux.control's default_version).
flux_version() {
	sed -n "s/^default_version = '\(.*\)'/\1/p" "$FLUX_ROOT/flux.control"
}

# On an existing server: stop unless it offers this checkout's release of
# flux (nothing was installed there by these scripts).
flux_check_available() {
	local v offered destdir
	v=$(flux_version)
	offered=$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_catalog.pg_available_extension_versions WHERE name = 'flux' AND version = '$v'" </dev/null 2>&1) ||
		flux_die "cannot reach the server (PGHOST=${PGHOST:-} PGPORT=${PGPORT:-}): $offered"
	[[ $offered == 1 ]] && return 0
	# pg_available_extension_versions reads the share directory only, not
	# Debian's extension_destdir: a server pointed at a staging folder is
	# taken at its word (CREATE EXTENSION will tell)
	destdir=$(psql -X -At -d postgres -c "SELECT current_setting('extension_destdir', true)" </dev/null 2>/dev/null) || destdir=
	if [[ -n $destdir ]]; then
		flux_say "the server also reads extensions from its extension_destdir, $destdir: flux $v not checked there"
		return 0
	fi
	flux_warn "the server (PGHOST=${PGHOST:-} PGPORT=${PGPORT:-}) does not offer flux $v"
	flux_warn "install it there first, on the server's machine: sudo make install (or the package postgresql-15-flux)"
	exit 1
}

# --------------------------------------------------------------------------
# Cluster
# --------------------------------------------------------------------------
FLUX_CLUSTER_DIR=
FLUX_CLUSTER_PORT=
FLUX_CLUSTER_OWNER=

# True when the caller pointed us at an existing server.  Decided once, from
# the environment the script was started with: inside flux_with_cluster the
# throwaway cluster's own PGHOST/PGPORT are set.
FLUX_EXISTING_SERVER=0
[[ -n ${PGHOST:-}${PGPORT:-}${PGDATABASE:-} ]] && FLUX_EXISTING_SERVER=1
flux_external_db() {
	((FLUX_EXISTING_SERVER == 1))
}

# Run a command as the cluster owner, from / (no "could not change directory").
flux__as_owner() {
	if ((EUID == 0)); then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

# A port no TCP server listens on and no other flux cluster uses as its socket
# name.  The cluster opens no TCP port, so this only avoids confusion.
flux__free_port() {
	local p
	for ((p = 54320; p < 54420; p++)); do
		compgen -G "/tmp/flux-*/.s.PGSQL.$p" >/dev/null && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		echo "$p"
		return 0
	done
	flux_die "no free port in 54320-54419"
}

# flux_cluster_start NAME: create and start a cluster in /tmp/flux-NAME.XXXXXX,
# export PGHOST/PGPORT/PGUSER (PGDATABASE is left to the caller).
flux_cluster_start() {
	local name=$1 dir port user
	if ((EUID == 0)); then
		getent passwd postgres >/dev/null ||
			flux_die "no postgres user (install postgresql-$FLUX_PG_VERSION)"
		user=postgres
	else
		user=$(id -un)
	fi
	dir=$(mktemp -d "/tmp/flux-$name.XXXXXX")
	FLUX_CLUSTER_DIR=$dir
	chmod 0700 "$dir"
	((EUID == 0)) && chown postgres:postgres "$dir"
	port=$(flux__free_port)

	if ! flux__as_owner "$FLUX_PGBIN/initdb" -D "$dir/data" -U "$user" \
		--auth-local=trust --auth-host=reject --encoding=UTF8 --locale=C.UTF-8 \
		--no-sync >"$dir/initdb.log" 2>&1 </dev/null; then
		cat "$dir/initdb.log" >&2
		flux_die "initdb failed"
	fi
	# Appended lines win over initdb's defaults.
	flux__as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<-EOF

		# flux throwaway cluster
		listen_addresses = ''
		unix_socket_directories = '$dir'
		unix_socket_permissions = 0700
		port = $port
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		lc_messages = 'C'
		timezone = 'Europe/Paris'
		extension_destdir = '$FLUX_STAGE'
	EOF
	if ! flux__as_owner "$FLUX_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
		-w -t 60 start >/dev/null 2>&1 </dev/null; then
		cat "$dir/server.log" >&2 || true
		flux_die "the throwaway cluster did not start"
	fi
	FLUX_CLUSTER_PORT=$port
	FLUX_CLUSTER_OWNER=$user
	export PGHOST=$dir PGPORT=$port PGUSER=$user
	unset PGHOSTADDR PGSERVICE PGPASSWORD
}

# Stop and remove the throwaway cluster, if any.  Idempotent, silent.
flux_cluster_stop() {
	local dir=$FLUX_CLUSTER_DIR
	[[ -n $dir ]] || return 0
	FLUX_CLUSTER_DIR=
	if [[ -f $dir/data/postmaster.pid ]]; then
		flux__as_owner "$FLUX_PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop \
			>/dev/null 2>&1 </dev/null || true
	fi
	rm -rf "$dir"
}

# How to reach and remove a kept cluster.
flux_cluster_print_keep() {
	local db=$1 stop
	stop="$FLUX_PGBIN/pg_ctl -D $FLUX_CLUSTER_DIR/data stop && rm -rf $FLUX_CLUSTER_DIR"
	((EUID == 0)) && stop="runuser -u postgres -- $FLUX_PGBIN/pg_ctl -D $FLUX_CLUSTER_DIR/data stop && rm -rf $FLUX_CLUSTER_DIR"
	echo
	echo "The cluster is still running (Unix socket only, in $FLUX_CLUSTER_DIR)."
	echo "Connect with:"
	echo "  psql -h $FLUX_CLUSTER_DIR -p $FLUX_CLUSTER_PORT -U $FLUX_CLUSTER_OWNER -d $db"
	echo "Stop and remove it with:"
	echo "  $stop"
}

flux__exit_stop_cluster() { flux_cluster_stop; }

# flux_with_cluster CMD...: run CMD, in the current shell, against
#  - the existing server when any of PGHOST, PGPORT, PGDATABASE is set;
#  - otherwise a new throwaway cluster (PGHOST/PGPORT/PGUSER exported), that is
#    stopped and removed when CMD returns, or on any exit or signal.  With
#    FLUX_KEEP=1 it is left running after a successful CMD, and the lines to
#    connect to database $FLUX_KEEP_DB (default postgres) and to remove the
#    cluster are printed.
# CMD is not run in a condition, so `set -e` keeps working inside it: a failing
# command in CMD exits the script (and the exit hook removes the cluster).
flux_with_cluster() {
	local rc
	if flux_external_db; then
		flux_say "using the existing server (PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGDATABASE=${PGDATABASE:-})"
		flux_check_available
		"$@"
		return
	fi
	flux_say "starting a throwaway PostgreSQL $FLUX_PG_VERSION cluster"
	flux_at_exit flux__exit_stop_cluster
	flux_cluster_start "${FLUX_CLUSTER_NAME:-cluster}"
	"$@"
	rc=$?
	if [[ ${FLUX_KEEP:-0} == 1 && $rc == 0 ]]; then
		flux_cluster_print_keep "${FLUX_KEEP_DB:-postgres}"
		FLUX_CLUSTER_DIR= # so that the exit hook leaves it alone
	else
		flux_cluster_stop
	fi
	return "$rc"
}

# psql with no ~/.psqlrc, stop at the first error, no pager, no stdin.
flux_psql() {
	psql -X -v ON_ERROR_STOP=1 -P pager=off "$@" </dev/null
}

# Create database $1 on the current server unless it exists (the name is
# quoted by psql's :"var" interpolation).
flux_createdb_if_missing() {
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -v db="$1" >/dev/null <<-'EOF'
		SELECT pg_catalog.format('CREATE DATABASE %I', :'db')
		 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = :'db')
		\gexec
	EOF
}

# Drop and re-create database $1 (a clean database for each test run).
flux_recreatedb() {
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -v db="$1" >/dev/null <<-'EOF'
		SET client_min_messages = warning;
		DROP DATABASE IF EXISTS :"db";
		CREATE DATABASE :"db";
	EOF
}
