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
DATA         = $(sort $(wildcard sql/flux--*.sql))
DOCS         =

# pg_regress: install first, one file per concern, uninstall last
REGRESS      = install taux calendrier repartition modele assiette rpls plafonds parts conversion workflow orientation bilan upgrade uninstall
REGRESS_OPTS = --encoding=UTF8
# isolation tests (specs/*.spec): the workflow under concurrent sessions
ISOLATION    = concurrence
ISOLATION_OPTS = --encoding=UTF8
CONTRIB_TESTDB = flux_regression

# PostgreSQL's headers are system headers (-isystem): some of their inline
# functions trip -Wextra, and our own code is held to -Wall -Wextra in full.
PG_CPPFLAGS  = -I$(srcdir)/src -isystem $(includedir_server) -Wall -Wextra
EXTRA_CLEAN  = results regression.diffs regression.out output_iso

# No LLVM bitcode: the kernels are tiny and the JIT toolchain is not needed.
with_llvm    = no

PG_CONFIG   ?= pg_config
PGXS        := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

.PHONY: prove
prove:
	pg_prove --ext .sql -r test/
