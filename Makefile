# pg_receivables: PGXS build.
#
# The version lives in pg_receivables.control (default_version) only; everything
# else (the install script name, ar.version(), META.json check) derives from it.

EXTENSION  = pg_receivables
EXTVERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = pg_receivables
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/core/*.c)))

# The install script is assembled from schema/*.sql in file-name order; the
# numeric prefixes encode dependencies (types before the tables that use them).
SCHEMA_PARTS = $(sort $(wildcard schema/*.sql))
DATA_built   = $(EXTENSION)--$(EXTVERSION).sql
# Frozen scripts of released versions and the upgrade chain.
DATA         = $(wildcard upgrade/$(EXTENSION)--*.sql)

# pg_regress: every sql/*.sql, in name order.  Isolation specs in test/isolation.
REGRESS      = $(basename $(notdir $(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)
ISOLATION_SPECS = $(sort $(wildcard test/isolation/specs/*.spec))
ifneq ($(ISOLATION_SPECS),)
ISOLATION      = $(basename $(notdir $(ISOLATION_SPECS)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)
endif

# Server headers as system headers, so -Wextra judges our code, not theirs.
# fmgr functions take fcinfo whether they use it or not: no unused-parameter.
PG_CONFIG ?= $(shell test -x /usr/lib/postgresql/15/bin/pg_config && echo /usr/lib/postgresql/15/bin/pg_config || echo pg_config)
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server) -Isrc \
              -DPGR_VERSION='"$(EXTVERSION)"'
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror $(EXTRA_CFLAGS)

EXTRA_CLEAN = results regression.diffs regression.out output_iso tmp_check log

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(SCHEMA_PARTS) $(EXTENSION).control
	cat $(SCHEMA_PARTS) > $@

# Object files depend on every header: a changed struct rebuilds everything.
$(OBJS): $(wildcard src/*.h src/core/*.h)
# The library reports the version it was built for (ar.version()).
src/pg_receivables.o: $(EXTENSION).control

.PHONY: test demo demo-stop psql deps fuzz bench stress sanitize crash

# The README's two commands.  Both install missing Debian packages first.
test:
	scripts/test.sh

demo:
	scripts/demo.sh

demo-stop:
	scripts/demo.sh stop

psql:
	scripts/demo.sh psql

deps:
	scripts/deps.sh

# libFuzzer harnesses over the plain C cores: make fuzz [FUZZ_SECONDS=60] [FUZZ=name]
fuzz:
	FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) scripts/fuzz.sh $(FUZZ)

# Benchmarks (never part of make test): make bench, or make bench BENCH=aging
bench:
	scripts/bench.sh $(BENCH)

# Load: many clients mixing payments, imports, dunning and delivery for a
# bounded time, then every invariant check (never part of make test timing):
# make stress [STRESS_SECONDS=60] [STRESS_CLIENTS=16]
stress:
	STRESS_SECONDS=$(or $(STRESS_SECONDS),60) scripts/stress.sh

# Crash safety alone (make test runs it too): SIGKILL of the postmaster under
# load, restart, nothing lost or doubled.
crash:
	scripts/deps.sh && test/scripts/crash_recovery.sh

# The whole pg_regress + pgTAP + script suite against an ASan/UBSan build:
# make sanitize
sanitize:
	scripts/sanitize.sh
