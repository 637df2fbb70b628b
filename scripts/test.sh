#!/usr/bin/env bash
# make test: install what is missing, build with -Werror, start a throwaway
# cluster with pg_cron preloaded, run every pg_regress, isolation, pgTAP and
# script suite, stop the cluster, then the same suites against a UBSan build
# and the fuzz seeds under ASan (SANITIZE=0 skips that), and fail on any
# failure or leftover.
#
#   scripts/test.sh                 everything
#   scripts/test.sh pgtap 10_ledger only the named pgTAP suite(s)
#   scripts/test.sh regress         only pg_regress + isolation
#   scripts/test.sh scripts         only test/scripts/*.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
. scripts/lib.sh

what=${1:-all}; shift || true
RUN=$(mktemp -d /tmp/pg_receivables.XXXXXX)
chmod 755 "$RUN"
failed=()

finish() {
  local rc=$?
  [[ $rc -ne 0 && ${#failed[@]} -eq 0 ]] && failed+=("exit status $rc (see the messages above)")
  cluster_stop "$RUN"
  if ! cluster_gone "$RUN"; then
    echo "error: a server of this run is still running" >&2; failed+=(leftover)
  fi
  if [[ ${#failed[@]} -gt 0 ]]; then
    [[ -f $RUN/server.log ]] && { echo "--- server log (tail) ---"; tail -n 40 "$RUN/server.log"; }
    echo "FAILED: ${failed[*]}"
    rm -rf "$RUN"
    exit 1
  fi
  rm -rf "$RUN"
  echo "All tests passed."
}
trap finish EXIT

echo "== build (-Wall -Wextra -Werror) and stage"
stage_install
cluster_start "$RUN"
export PGHOST=$RUN PGTEST_RUN=$RUN TOP STAGE_BIN

# The pgTAP database is also pg_cron's database (cron.database_name).
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE ar_test" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d ar_test \
  -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION pg_receivables" >/dev/null

if [[ $what == all || $what == regress ]]; then
  echo "== pg_regress and isolation (database without pg_cron)"
  rm -rf results output_iso regression.diffs
  if ! make -s PG_CONFIG="$PG_CONFIG" installcheck; then
    failed+=(pg_regress)
    for d in regression.diffs output_iso/regression.diffs; do [[ -f $d ]] && head -n 200 "$d"; done
  fi
fi

if [[ $what == all || $what == pgtap ]]; then
  echo "== pgTAP suites"
  if [[ $# -gt 0 ]]; then suites=(); for s in "$@"; do suites+=(test/pgtap/$s.sql); done
  else suites=(test/pgtap/*.sql); fi
  pg_prove -d ar_test --failures "${suites[@]}" || failed+=(pgtap)
fi

if [[ $what == all || $what == scripts ]]; then
  echo "== script suites (dump/restore, concurrency, workers)"
  prove --failures test/scripts/*.sh || failed+=(scripts)
fi

# The sanitizer run CI can afford: the whole suite again against a UBSan
# build, and every fuzz seed input through its ASan+UBSan harness (about two
# minutes; make sanitize adds valgrind).  SANITIZE=0 skips it.
if [[ $what == all && ${SANITIZE:-1} != 0 ]]; then
  echo "== sanitizers (UBSan suite, ASan+UBSan seed replay)"
  SANITIZE_VALGRIND=off PGPORT=$((PGPORT + 1)) scripts/sanitize.sh || failed+=(sanitize)
fi
