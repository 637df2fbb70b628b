#!/usr/bin/env bash
# Crash safety: the stress mix (test/stress/) runs from 8 clients on a
# cluster of its own; a few seconds in, the postmaster is killed with
# SIGKILL (its pid read from postmaster.pid), the cluster restarted (crash
# recovery from the WAL) and then:
#   - every transaction pgbench saw committed is there: each one wrote a
#     marker row in the same transaction, and the markers are at least the
#     commits pgbench logged (and at most one more per client: a commit whose
#     answer the kill cut off);
#   - nothing is half done: every payment of the mix has its marker and every
#     marker its payment, invoices and deliveries likewise;
#   - every invariant of test/stress/checks.sql holds.
# The server runs with synchronous_commit = on (throwaway clusters have it
# off: a commit would be acknowledged before its WAL is written, and a crash
# may lose it by design).  fsync stays off: a killed process loses nothing
# the kernel already has; only an operating-system crash needs fsync.
#
# Run by make test (own cluster beside the suite's) or alone: make crash.
. "$(dirname "$0")/../lib/tap.sh"
plan 9
standalone=0
[[ -n ${PGTEST_RUN:-} ]] || standalone=1
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/test/stress/workload.sh"
if [[ $standalone -eq 1 ]]; then
  stage_install
  dir=$(mktemp -d /tmp/pgr_crash.XXXXXX)
else
  dir=$PGTEST_RUN/crash
fi
mkdir -p "$dir"; chmod 755 "$dir"
trap 'cluster_stop "$dir"; [[ $standalone -eq 1 ]] && rm -rf "$dir"' EXIT
CLIENTS=8
cluster_start "$dir" "synchronous_commit = on" "shared_preload_libraries = ''" "max_connections = 40"
ok $? "own cluster started (synchronous_commit = on, fsync = off)"

DB=ar_crash
psql -X -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
psql -X -q -d $DB -c "CREATE EXTENSION pg_receivables" >/dev/null
(cd "$TOP" && psql -X -q -d $DB -f test/stress/setup.sql) >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DB >/dev/null <<'SQL'
CREATE TABLE stress.marker (marker_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                            kind text NOT NULL, ref bigint);
-- One transaction of the mix and its marker, committed together.
CREATE FUNCTION stress.marked(what text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ref bigint;
BEGIN
  CASE what
    WHEN 'pay' THEN ref := stress.pay_and_apply();
    WHEN 'deliver' THEN ref := stress.deliver();
    WHEN 'invoice' THEN PERFORM stress.new_invoice();
    WHEN 'reverse' THEN PERFORM stress.reverse();
    WHEN 'zengin' THEN ref := stress.import_file();
    WHEN 'dunning' THEN ref := stress.dunning();
  END CASE;
  INSERT INTO stress.marker (kind, ref) VALUES (what, ref);
END $$;
CHECKPOINT;
SQL
ok $? "stress book, workload and markers"

work=$dir/work; mkdir -p "$work"
write_workload "$work"
for f in "$work"/*.sql; do
  kind=$(basename "$f" .sql)
  echo "SELECT stress.marked('$kind');" >"$f"
done
pgbench -n -c $CLIENTS -j 2 -T 30 "${WORKLOAD_ARGS[@]}" -l --log-prefix="$work/tx" $DB >"$work/pgbench.out" 2>&1 &
bench=$!
# Kill once the load has run a while and every client is busy.
for _ in $(seq 1 40); do
  sleep 0.25
  n=$(psql -X -A -t -d $DB -c "SELECT count(*) FROM stress.marker" 2>/dev/null || echo 0)
  [[ ${n:-0} -ge 300 ]] && break
done
pid=$(head -n 1 "$dir/data/postmaster.pid")
kill -9 "$pid"
ok $? "SIGKILL to postmaster $pid with $n markers committed so far"
wait $bench
committed=$(cat "$work"/tx.* 2>/dev/null | awk '$3 ~ /^[0-9]+$/' | wc -l)
ok $([[ $committed -gt 0 ]] && grep -qE 'aborted|terminat|connection' "$work/pgbench.out"; echo $?) \
   "pgbench lost its server mid-run after $committed acknowledged commits"

# Orphaned backends leave when they notice; until then the old shared
# memory blocks a new postmaster.
started=1
for _ in $(seq 1 60); do
  if as_server_user "$STAGE_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1; then
    started=0; break
  fi
  sleep 0.5
done
ok $started "restarted; $(grep -c 'database system was interrupted\|redo done\|redo starts' "$dir/server.log") recovery lines in the server log"

markers=$(q -d $DB -c "SELECT count(*) FROM stress.marker")
ok $([[ $markers -ge $committed && $markers -le $((committed + CLIENTS)) ]]; echo $?) \
   "every acknowledged commit survived: $markers markers for $committed acknowledged (at most $CLIENTS more)"

is "$(q -d $DB -c "
  SELECT (SELECT count(*) FROM stress.marker m WHERE m.kind = 'pay'
            AND NOT EXISTS (SELECT 1 FROM ar.payment p WHERE p.payment_id = m.ref))
       + (SELECT count(*) FROM ar.payment p WHERE p.source IS NULL
            AND NOT EXISTS (SELECT 1 FROM stress.marker m WHERE m.kind = 'pay' AND m.ref = p.payment_id))
       || ' ' || ((SELECT count(*) FROM ar.invoice WHERE invoice_no LIKE 'SN-%')
                  - (SELECT count(*) FROM stress.marker WHERE kind = 'invoice'))
       || ' ' || ((SELECT count(*) FROM stress.delivered)
                  - (SELECT COALESCE(sum(ref), 0) FROM stress.marker WHERE kind = 'deliver'))")" "0 0 0" \
   "no half transaction: payments, invoices and deliveries match their markers one for one"

failed_checks=$(psql -X -q -A -t -F ': ' -d $DB -f "$TOP/test/stress/checks.sql" | grep -v ': 0$')
is "$failed_checks" "" "every invariant of test/stress/checks.sql holds after recovery"
work_done=$(q -d $DB -c "SELECT string_agg(kind || ' ' || n, ', ') FROM (SELECT kind, count(*) n FROM stress.marker GROUP BY 1 ORDER BY 1) s")
ok $(q -d $DB -c "SELECT count(DISTINCT kind) >= 5 FROM stress.marker" | grep -q t; echo $?) "the mix ran: $work_done"
done_testing
