#!/usr/bin/env bash
# Concurrency stress of the ledger functions: 8 pgbench clients for
# STRESS_SECONDS (default 15) over a small book (4 customers with 300 open
# invoices each), mixing new payments applied by every strategy,
# re-applications of recent payments (the same payment in several sessions
# at once), reversals, write-offs, voids, credit notes and new invoices.
# Afterwards: no failed transaction, no deadlock in the server log,
# ar.verify_ledger() empty, the money adds up book-wide, and the audit log
# has every allocation and every reversal exactly once.
. "$(dirname "$0")/../lib/tap.sh"
plan 12
DB=ar_stress
SECONDS_RUN=${STRESS_SECONDS:-15}
fresh_db $DB
log=$PGTEST_RUN/server.log
log_start=$(stat -c %s "$log" 2>/dev/null || echo 0)

q -d $DB <<'SQL' >/dev/null
CREATE SCHEMA stress;
INSERT INTO ar.customer (customer_code, name) SELECT 'S' || k, 'Stress ' || k FROM generate_series(1, 4) k;
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, 'S' || c.customer_id || '-' || n, date '2026-06-01' + n % 90, date '2026-07-01' + n % 90 + n % 7,
       1000 * (1 + (n * 7919) % 97)
  FROM ar.customer c, generate_series(1, 300) n;

-- Races the ledger functions answer with an error by design (the
-- allocation was reversed, or the invoice allocated, by another session a
-- moment earlier) are counted here; anything else fails the transaction.
CREATE TABLE stress.refused (at timestamptz DEFAULT clock_timestamp(), what text, message text);

CREATE FUNCTION stress.new_payment(strategy text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  pid bigint;
  n integer;
BEGIN
  INSERT INTO ar.payment (customer_id, amount, received_on)
  SELECT customer_id, 1000 * (1 + floor(random() * 120)), date '2026-10-01'
    FROM ar.customer ORDER BY random() LIMIT 1
  RETURNING payment_id INTO pid;
  SELECT count(*) INTO n FROM ar.apply_payment(pid, strategy);
  RETURN n;
END $$;

-- Applies one of the most recent payments that still has money: several
-- sessions often pick the same one at the same time.
CREATE FUNCTION stress.reapply() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  pid bigint;
  n integer;
BEGIN
  SELECT payment_id INTO pid FROM ar.payment WHERE unapplied_amount > 0 AND status = 'received'
   ORDER BY payment_id DESC LIMIT 1 OFFSET floor(random() * 3);
  IF pid IS NULL THEN RETURN 0; END IF;
  SELECT count(*) INTO n FROM ar.apply_payment(pid, (ARRAY['fifo', 'proportional', 'exact_first'])[1 + floor(random() * 3)]);
  RETURN n;
END $$;

CREATE FUNCTION stress.reverse() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  aid bigint;
BEGIN
  SELECT allocation_id INTO aid FROM ar.allocation
   WHERE reversed_on IS NULL AND kind IN ('payment', 'credit_note')
   ORDER BY allocation_id DESC LIMIT 1 OFFSET floor(random() * 20);
  IF aid IS NULL THEN RETURN; END IF;
  PERFORM ar.reverse_allocation(aid, 'stress');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  INSERT INTO stress.refused (what, message) VALUES ('reverse', SQLERRM);
END $$;

CREATE FUNCTION stress.write_off() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  iid bigint;
BEGIN
  SELECT invoice_id INTO iid FROM ar.invoice WHERE status = 'open' ORDER BY random() LIMIT 1;
  IF iid IS NULL THEN RETURN; END IF;
  PERFORM ar.write_off(iid, 1, 'stress');
EXCEPTION WHEN object_not_in_prerequisite_state OR invalid_parameter_value THEN
  -- closed meanwhile, or less than 1 yen left
  INSERT INTO stress.refused (what, message) VALUES ('write_off', SQLERRM);
END $$;

CREATE FUNCTION stress.void() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  iid bigint;
BEGIN
  SELECT invoice_id INTO iid FROM ar.invoice WHERE status = 'open' AND open_amount = amount ORDER BY random() LIMIT 1;
  IF iid IS NULL THEN RETURN; END IF;
  PERFORM ar.void_invoice(iid, 'stress');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  INSERT INTO stress.refused (what, message) VALUES ('void', SQLERRM);
END $$;

CREATE FUNCTION stress.credit_note() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  cid bigint;
BEGIN
  INSERT INTO ar.credit_note (customer_id, credit_note_no, amount, issue_date)
  SELECT customer_id, 'SCN-' || gen_random_uuid(), 500 * (1 + floor(random() * 10)), date '2026-10-01'
    FROM ar.customer ORDER BY random() LIMIT 1
  RETURNING credit_note_id INTO cid;
  PERFORM ar.apply_credit_note(cid, 'proportional');
END $$;

CREATE FUNCTION stress.new_invoice() RETURNS void LANGUAGE sql AS $$
  INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
  SELECT customer_id, 'SN-' || gen_random_uuid(), date '2026-09-01', date '2026-09-30', 1000 * (1 + floor(random() * 50))
    FROM ar.customer ORDER BY random() LIMIT 1;
$$;
SQL
ok $? "stress book and workload functions created"

work=$(mktemp -d /tmp/pgr_stress.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/mix.sql" <<'EOF'
\set r random(1, 100)
\set s random(1, 5)
SELECT CASE
  WHEN :r <= 40 THEN stress.new_payment((ARRAY['fifo', 'proportional', 'smallest_first', 'largest_first', 'exact_first'])[:s])::text
  WHEN :r <= 60 THEN stress.reapply()::text
  WHEN :r <= 78 THEN stress.reverse()::text
  WHEN :r <= 84 THEN stress.write_off()::text
  WHEN :r <= 88 THEN stress.void()::text
  WHEN :r <= 94 THEN stress.credit_note()::text
  ELSE stress.new_invoice()::text
END;
EOF

pgbench -n -c 8 -j 2 -T "$SECONDS_RUN" -f "$work/mix.sql" $DB >"$work/pgbench.out" 2>&1
rc=$?
ok $rc "pgbench ran 8 clients for $SECONDS_RUN s $(grep -E '^(number of transactions actually processed|tps)' "$work/pgbench.out" | tr '\n' ' ')"
[[ $rc -eq 0 ]] || sed 's/^/# /' "$work/pgbench.out" | tail -n 20
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.out")
is "${failed:-missing}" "0" "no transaction failed"
ok $(grep -q "aborted" "$work/pgbench.out"; [[ $? -ne 0 ]]; echo $?) "no client aborted"

new_log=$(tail -c +"$((log_start + 1))" "$log" 2>/dev/null)
is "$(grep -c 'deadlock detected' <<<"$new_log")" "0" "no deadlock in the server log"
is "$(grep -cE 'ERROR: .*(exceed|violates check constraint|could not serialize)' <<<"$new_log")" "0" \
   "no over-allocation or serialization error in the server log"

is "$(q -d $DB -c "SELECT count(*) FROM ar.verify_ledger()")" "0" "ar.verify_ledger() is empty"

# The money adds up book-wide, computed from the allocations alone.
is "$(q -d $DB -c "
  SELECT (SELECT sum(amount) FROM ar.payment)
       - (SELECT sum(unapplied_amount) FROM ar.payment)
       - (SELECT COALESCE(sum(amount), 0) FROM ar.allocation WHERE kind = 'payment' AND reversed_on IS NULL)")" "0" \
   "payments: received = unapplied + applied"
is "$(q -d $DB -c "
  SELECT (SELECT sum(amount) FROM ar.invoice WHERE status <> 'void')
       - (SELECT sum(open_amount) FROM ar.invoice WHERE status <> 'void')
       - (SELECT COALESCE(sum(amount), 0) FROM ar.allocation WHERE reversed_on IS NULL)")" "0" \
   "invoices: billed = open + settled by active allocations"

stats=$(q -d $DB -c "SELECT count(*) FILTER (WHERE kind = 'payment') || ' payment allocations, '
                         || count(reversed_on) || ' reversals, '
                         || count(*) FILTER (WHERE kind = 'write_off') || ' write-offs, '
                         || count(*) FILTER (WHERE kind = 'credit_note') || ' credit-note allocations'
                       FROM ar.allocation")
ok $(q -d $DB -c "SELECT count(*) FILTER (WHERE kind = 'payment') > 100 AND count(reversed_on) > 10 FROM ar.allocation" \
     | grep -q t; echo $?) "the run did real work: $stats; $(q -d $DB -c "SELECT count(*) FROM stress.refused") races refused by design"

is "$(q -d $DB -c "
  SELECT count(*) FROM ar.allocation a
   WHERE (SELECT count(*) FROM ar.audit_log l WHERE l.table_name = 'allocation' AND l.row_id = a.allocation_id AND l.op = 'INSERT') <> 1")" \
   "0" "every allocation is in the audit log exactly once as inserted"
is "$(q -d $DB -c "
  SELECT count(*) FROM ar.allocation a
   WHERE a.reversed_on IS NOT NULL
     AND (SELECT count(*) FROM ar.audit_log l WHERE l.table_name = 'allocation' AND l.row_id = a.allocation_id
             AND l.op = 'UPDATE' AND l.new ->> 'reversed_on' IS NOT NULL) <> 1")" \
   "0" "every reversal is in the audit log exactly once"
psql -X -q -d postgres -c "DROP DATABASE $DB" >/dev/null
done_testing
