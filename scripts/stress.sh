#!/usr/bin/env bash
# make stress [STRESS_SECONDS=60] [STRESS_CLIENTS=16]: many clients at once
# for a bounded time over a throwaway cluster, then every invariant check.
#
# The mix (test/stress/): payments inserted and applied by every strategy,
# reversals, new invoices, Zengin imports of small files whose bank
# references overlap, dunning runs (with housekeeping), and delivery workers
# claiming notices and completing or failing them.  Afterwards
# test/stress/checks.sql: ledger invariants, balances, no doubled bank
# reference, notice, open episode or delivery, outbox states, audit trail.
# Prints the throughput held and each check; exits non-zero on any client
# error or violated check.  Never part of make test (it is timed by nature).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
export PGPORT=${PGPORT:-5497}
. scripts/lib.sh
. test/stress/workload.sh
SECS=${STRESS_SECONDS:-60}
CLIENTS=${STRESS_CLIENTS:-16}
RUN=$(mktemp -d /tmp/pgr_stress.XXXXXX)
chmod 755 "$RUN"
trap 'cluster_stop "$RUN"; rm -rf "$RUN"' EXIT

echo "== build and stage"
stage_install
cluster_start "$RUN" "max_connections = 100" "synchronous_commit = on"
psql -X -q -d postgres -c "CREATE DATABASE ar_stress" >/dev/null
psql -X -q -d ar_stress -c "CREATE EXTENSION pg_receivables" >/dev/null
psql -X -q -d ar_stress -f test/stress/setup.sql >/dev/null
psql -X -q -d ar_stress -c "VACUUM ANALYZE" >/dev/null

write_workload "$RUN"
echo "== pgbench: $CLIENTS clients, $SECS s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
pgbench -n -c "$CLIENTS" -j 2 -T "$SECS" "${WORKLOAD_ARGS[@]}" ar_stress >"$RUN/pgbench.out" 2>&1 || rc=$?
grep -E '^(number of (transactions|failed)|latency average|tps|SQL script| - [0-9]+ transactions|.*aborted)' "$RUN/pgbench.out" \
  | sed 's/^/  /' || true
if [[ $rc -ne 0 ]]; then
  echo "pgbench failed (exit $rc):"; grep -E 'ERROR|error|abort' "$RUN/pgbench.out" | sort | uniq -c | head -n 20
fi

echo "== work done"
psql -X -q -A -t -F ' ' -d ar_stress <<'SQL' | sed 's/^/  /'
SELECT count(*) || ' payments (' || count(*) FILTER (WHERE source LIKE 'zengin:%') || ' from Zengin files)' FROM ar.payment;
SELECT count(*) || ' allocations, ' || count(reversed_on) || ' reversed' FROM ar.allocation;
SELECT sum(n) || ' notices: ' || string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM ar.notification GROUP BY 1 ORDER BY 1) s;
SELECT count(*) || ' races refused by design' FROM stress.refused;
SQL

echo "== invariant checks"
psql -X -q -A -t -F $'\t' -d ar_stress -f test/stress/checks.sql >"$RUN/checks.out"
checks=0; bad=0
while IFS=$'\t' read -r name violations; do
  checks=$((checks + 1))
  if [[ $violations == 0 ]]; then echo "  ok   $name"; else echo "  FAIL $name: $violations"; bad=$((bad + 1)); fi
done <"$RUN/checks.out"
deadlocks=$(grep -c 'deadlock detected' "$RUN/server.log" || true)
echo "  $checks checks, $bad failed; $deadlocks deadlocks in the server log"
[[ $rc -eq 0 && $bad -eq 0 && $deadlocks -eq 0 ]] || { echo "STRESS FAILED"; exit 1; }
echo "Stress passed."
