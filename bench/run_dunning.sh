#!/usr/bin/env bash
# ar.run_dunning over 100,000 overdue customers, beside the floor: a bare
# INSERT ... SELECT of the same notification rows (the very rows a run
# queues, rendered bodies and payloads included, captured once) into the same
# table, with its indexes, dedupe key, foreign keys and NOTIFY trigger.
#
# Dataset: ar.generate_demo_data(CUSTOMERS, 3) ending today; the run is dated
# 45 days ahead, so every customer with an open invoice is overdue and due a
# step.  Each timing is a transaction rolled back, so every round starts from
# the same book; median of ROUNDS rounds.
set -euo pipefail
CUSTOMERS=${CUSTOMERS:-100000}
ROUNDS=${ROUNDS:-3}
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }


t0=$(date +%s.%N)
q -c "SELECT ar.generate_demo_data($CUSTOMERS, 3, 42, (date_trunc('month', current_date) - interval '3 months')::date)" >/dev/null
gen_s=$(echo "$(date +%s.%N) - $t0" | bc)
q -c "UPDATE ar.setting SET value = '株式会社デモ商事' WHERE key = 'company_name'" >/dev/null
q -c "VACUUM ANALYZE" >/dev/null
as_of="(current_date + 10) + time '10:00'"
invoices=$(q -c "SELECT count(*) FROM ar.invoice")
open_inv=$(q -c "SELECT count(*) FROM ar.invoice WHERE status = 'open'")

# Capture the rows a run queues (from a rolled-back run) for the floor.
rows=$(mktemp /tmp/run_dunning_rows.XXXXXX)
q <<SQL >/dev/null
BEGIN;
SELECT count(*) FROM ar.run_dunning(($as_of)::timestamptz);
\copy (SELECT customer_id, policy_id, step_no, channel, template, locale, recipient, subject, body, payload, dedupe_key, scheduled_for FROM ar.notification) TO '$rows'
ROLLBACK;
SQL
q -c "CREATE TABLE bench_notice_rows AS SELECT customer_id, policy_id, step_no, channel, template, locale, recipient, subject, body, payload, dedupe_key, scheduled_for FROM ar.notification WITH NO DATA" >/dev/null
q -c "\copy bench_notice_rows (customer_id, policy_id, step_no, channel, template, locale, recipient, subject, body, payload, dedupe_key, scheduled_for) FROM '$rows'" >/dev/null
rm -f "$rows"
n=$(q -c "SELECT count(*) FROM bench_notice_rows")

run_ms=(); floor_ms=()
for r in $(seq 1 "$ROUNDS"); do
  floor_ms+=("$(q <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -1
BEGIN;
\timing on
INSERT INTO ar.notification (customer_id, policy_id, step_no, channel, template, locale, recipient, subject, body,
                             payload, dedupe_key, scheduled_for)
SELECT customer_id, policy_id, step_no, channel, template, locale, recipient, subject, body, payload, dedupe_key,
       scheduled_for
  FROM bench_notice_rows;
\timing off
ROLLBACK;
SQL
)")
  run_ms+=("$(q <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -1
BEGIN;
\timing on
SELECT count(*) FROM ar.run_dunning(($as_of)::timestamptz);
\timing off
ROLLBACK;
SQL
)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run=$(median "${run_ms[@]}"); floor=$(median "${floor_ms[@]}")
cat <<EOF2
### ar.run_dunning (bench/run_dunning.sh, $(date +%F))

Book: ar.generate_demo_data($CUSTOMERS customers, 3 invoices each) = $invoices invoices, $open_inv open;
run dated 10 days ahead: $n notices queued (calls become tasks, not notices).
Demo book generated in $(printf '%.0f' "$gen_s") s.

| | median of $ROUNDS (ms) | all rounds (ms) |
|---|---:|---|
| \`ar.run_dunning\` (episodes, C next_step, rendering, notices, events) | $run | ${run_ms[*]} |
| floor: bare \`INSERT … SELECT\` of the same $n notification rows | $floor | ${floor_ms[*]} |
| ratio | $(echo "scale=2; $run / $floor" | bc) × | |
EOF2
