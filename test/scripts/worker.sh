#!/usr/bin/env bash
# The example delivery worker against the throwaway cluster: it drains due
# notices (--once), and, running in the background, is woken by NOTIFY
# ar_notification and delivers a new notice within seconds; statuses, the
# contact log and the delivered file are checked.
. "$(dirname "$0")/../lib/tap.sh"
plan 9
export PGDATABASE=ar_worker
fresh_db ar_worker
out=$PGTEST_RUN/worker.jsonl
rm -f "$out"
q <<'SQL' >/dev/null
INSERT INTO ar.customer (customer_code, name, email, phone) VALUES ('W1', '株式会社ワーカー', 'w1@example.jp', '090');
INSERT INTO ar.notification (customer_id, channel, recipient, subject, body, dedupe_key, scheduled_for)
SELECT customer_id, ch, rcpt, 'subject ' || ch, '本文 ' || ch, 'worker-test:' || ch, now() - interval '1 minute'
  FROM ar.customer, (VALUES ('email', 'w1@example.jp'), ('sms', '090'), ('letter', NULL)) v(ch, rcpt);
INSERT INTO ar.notification (customer_id, channel, recipient, body, dedupe_key, scheduled_for)
SELECT customer_id, 'email', 'w1@example.jp', 'later', 'worker-test:later', now() + interval '1 day' FROM ar.customer;
SQL
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
"$TOP/examples/delivery_worker.py" --once --out "$out" --channels email,sms,letter 2>"$PGTEST_RUN/worker.err"
ok $? "worker --once ran $(head -c 300 "$PGTEST_RUN/worker.err")"
is "$(wc -l < "$out" | tr -d ' ')" "2" "it delivered the two due notices that have a recipient"
is "$(q -c "SELECT string_agg(split_part(dedupe_key, ':', 2) || '=' || status, ',' ORDER BY dedupe_key) FROM ar.notification")" \
   "email=sent,later=queued,letter=queued,sms=sent" "sent ones are sent, the failed letter is queued for a retry, the later one waits"
is "$(q -c "SELECT last_error FROM ar.notification WHERE dedupe_key = 'worker-test:letter'")" "no recipient" \
   "the failure is recorded"
is "$(q -c "SELECT count(*) FROM ar.contact_log WHERE outcome = 'sent'")" "2" "each delivery is in the contact log"
grep -q '"body": "本文 email"' "$out"; ok $? "the delivered line carries the rendered body (UTF-8)"

# Background worker woken by NOTIFY.
"$TOP/examples/delivery_worker.py" --out "$out" --channels webhook --max-seconds 20 --poll 60 \
  2>>"$PGTEST_RUN/worker.err" &
wpid=$!
sleep 2
q -c "INSERT INTO ar.notification (customer_id, channel, recipient, body, dedupe_key)
      SELECT customer_id, 'webhook', 'https://example.invalid/hook', '{}', 'worker-test:hook' FROM ar.customer" >/dev/null
status=queued
for _ in $(seq 1 50); do
  status=$(q -c "SELECT status FROM ar.notification WHERE dedupe_key = 'worker-test:hook'")
  [[ $status == sent ]] && break
  sleep 0.2
done
is "$status" "sent" "a listening worker delivers a new notice as soon as it is announced (poll interval 60 s)"
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
grep -q 'worker-test:hook' "$out"; ok $? "... into the output file"
is "$(q -c "SELECT count(*) FROM ar.notification WHERE status = 'sending'")" "0" "no notice is left claimed"
psql -X -q -d postgres -c "DROP DATABASE ar_worker" >/dev/null
done_testing
