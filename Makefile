# flux: PostgreSQL extension (PGXS)
#
#   make && make install        build and install into the server of pg_config
#   make installcheck           pg_regress suite against a running server
#   ./scripts/test              everything (packages, cluster, pg_regress, pgTAP)
#
# CI adds -Werror through PG_CFLAGS; it is never hard-coded here.

EXTENSION    = flux
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" flux.control)

MODULE_big   = flux
OBJS         = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The SQL of the current version, one file per concern beside its C, in
# layer order (docs/contributing.md): the pure kernels, then the tables with
# their triggers and functions, then the views.  The install script
# sql/flux--$(EXTVERSION).sql is src/installation.sql (the checks of a fresh
# install) followed by these files.
CONCERNS     = src/flux.sql src/restauration.sql src/taux.sql src/calendrier.sql src/repartition.sql src/taux_regles.sql \
               src/etalement.sql src/offre.sql src/decompte.sql src/moteur.sql \
               src/modele.sql src/partenaires.sql src/rpls.sql src/assiette.sql src/prevision.sql src/plafonds.sql src/parts.sql \
               src/conversion.sql src/workflow.sql src/notifications.sql src/orientation.sql src/audit.sql \
               src/bilan.sql src/echanges.sql src/exports.sql src/donnees_personnelles.sql \
               src/transmission.sql src/consolidation.sql \
               src/espace_partenaire.sql src/politiques.sql

# The released scripts, in the order of the chain: a database of any earlier
# version updates through them (ALTER EXTENSION flux UPDATE); test/equivalence.sh
# proves the walk ends where a fresh install does.
RELEASED     = sql/flux--0.1.0.sql sql/flux--0.1.0--0.2.0.sql sql/flux--0.2.0--0.3.0.sql \
               sql/flux--0.3.0--0.4.0.sql sql/flux--0.4.0--0.5.0.sql sql/flux--0.5.0--0.6.0.sql \
               sql/flux--0.6.0--0.7.0.sql sql/flux--0.7.0--0.8.0.sql sql/flux--0.8.0--0.9.0.sql \
               sql/flux--0.9.0--0.10.0.sql sql/flux--0.10.0--0.11.0.sql \
               sql/flux--0.11.0--0.12.0.sql sql/flux--0.12.0--0.13.0.sql \
               sql/flux--0.13.0--0.14.0.sql sql/flux--0.14.0--0.15.0.sql
DATA_built   = sql/flux--$(EXTVERSION).sql
DATA         = $(RELEASED)
DOCS         =

# pg_regress: install first, one file per concern, uninstall last
REGRESS      = install taux calendrier repartition modele assiette rpls plafonds parts conversion workflow orientation bilan securite upgrade uninstall
REGRESS_OPTS = --encoding=UTF8
# isolation tests (specs/*.spec): the workflow under concurrent sessions
ISOLATION    = concurrence rpls_concurrence bail_concurrent candidats_concurrents compteurs_concurrents origine_echeance garanties_concurrentes notifications transmissions_concurrentes
ISOLATION_OPTS = --encoding=UTF8
CONTRIB_TESTDB = flux_regression

# FLUX_VERSION: the library knows its release (flux.version(), and the check
# at load against the installed SQL, src/flux.c).
# PostgreSQL's headers are system headers (-isystem): some of their inline
# functions trip -Wextra, and our own code is held to -Wall -Wextra in full.
PG_CPPFLAGS  = -I$(srcdir)/src -isystem $(includedir_server) -Wall -Wextra \
               -DFLUX_VERSION='"$(EXTVERSION)"'
EXTRA_CLEAN  = results regression.diffs regression.out output_iso

# No LLVM bitcode: the kernels are tiny and the JIT toolchain is not needed.
with_llvm    = no

PG_CONFIG   ?= pg_config
PGXS        := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/flux--$(EXTVERSION).sql: src/installation.sql $(CONCERNS)
	{ printf '%s\n' '\echo Use "CREATE EXTENSION flux" to load this file. \quit'; \
	  for f in src/installation.sql $(CONCERNS); do echo; cat $$f; done; } >$@

# the library's version comes from flux.control
src/flux.o: flux.control

.PHONY: prove
prove:
	pg_prove --ext .sql -r test/

# libFuzzer harnesses of the C kernels (fuzz/README.md): builds them in
# fuzz/out/ with clang-14 and runs each FUZZ_SECONDS (default 30); fails on
# any finding.  Separate from the PGXS build above.
.PHONY: fuzz
fuzz:
	$(MAKE) -C fuzz PG_CONFIG=$(PG_CONFIG) run
