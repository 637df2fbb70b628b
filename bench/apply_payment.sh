#!/usr/bin/env bash
# Throughput of ar.apply_payment (FIFO) at 1 and 8 clients, beside a
# straightforward PL/pgSQL FIFO baseline on the same tables: the baseline
# loops over the customer's open invoices, inserts allocation rows and
# updates the balances itself, on the same tables with their foreign keys
# but with pg_receivables' own triggers disabled for its runs (ALTER TABLE
# ... DISABLE TRIGGER USER): no audit, no validation, no balance
# maintenance.  ar.apply_payment runs with everything on: set-based
# validation, balance maintenance and audit log.
#
# Every run works on a slice of its own (fresh customers, invoices and
# payments), so no run finds the book emptied by another; each transaction
# applies one payment that has not been applied before (a run that uses up
# its slice aborts the benchmark).  Each run starts after a CHECKPOINT; the
# two arms alternate, the first of each pair swapping every round; ROUNDS
# repetitions after an unrecorded warm-up, the report gives the median.  Run by
# scripts/bench.sh apply_payment (PGHOST, PGDATABASE set).
#
#   SECONDS_PER_RUN  length of one pgbench run (default 20)
#   ROUNDS           repetitions of each (arm, clients) pair (default 3)
#   CUSTOMERS        customers per slice (default 5000, so 120,000 payments:
#                    the baseline applies up to 3,300 a second at 8 clients
#                    on an idle machine, 66,000 in a 20 s run)
#   INVOICES         open invoices per customer (default 48)
set -euo pipefail
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
ROUNDS=${ROUNDS:-3}
CUSTOMERS=${CUSTOMERS:-5000}
INVOICES=${INVOICES:-48}
CLIENTS=(1 8)
ARMS=(ar baseline)
SLICES=$(( ROUNDS * ${#CLIENTS[@]} * ${#ARMS[@]} + ${#ARMS[@]} ))   # + one warm-up run per arm
# Payments per slice: more than any run can apply (each pays about two
# invoices, so the book lasts INVOICES/2 payments per customer).
PAYMENTS=$(( CUSTOMERS * INVOICES / 2 ))

q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
work=$(mktemp -d /tmp/pgr_bench_apply.XXXXXX)
trap 'rm -rf "$work"' EXIT

start=$(date +%s)
q <<SQL
CREATE SCHEMA bench;
-- The baseline: what one would write by hand.  Locks the payment, walks the
-- open invoices oldest first (locking each as it is fetched), allocates,
-- and keeps invoice and payment balances itself.
CREATE FUNCTION bench.baseline_apply(p_id bigint) RETURNS integer
  LANGUAGE plpgsql AS \$\$
DECLARE
  pay  ar.payment;
  inv  record;
  rest numeric;
  give numeric;
  n    integer := 0;
BEGIN
  SELECT * INTO pay FROM ar.payment WHERE payment_id = p_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'bench slice exhausted (payment %)', p_id;
  END IF;
  rest := pay.unapplied_amount;
  IF rest <= 0 THEN
    RETURN 0;
  END IF;
  FOR inv IN SELECT i.invoice_id, i.open_amount, i.issue_date FROM ar.invoice i
              WHERE i.customer_id = pay.customer_id AND i.status = 'open' AND i.currency = pay.currency
              ORDER BY i.due_date, i.invoice_id FOR UPDATE LOOP
    EXIT WHEN rest <= 0;
    give := least(rest, inv.open_amount);
    INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on)
    VALUES (pay.customer_id, inv.invoice_id, 'payment', p_id, give, greatest(pay.received_on, inv.issue_date));
    UPDATE ar.invoice
       SET open_amount = open_amount - give,
           status = CASE WHEN open_amount - give = 0 THEN 'paid' ELSE 'open' END,
           closed_on = CASE WHEN open_amount - give = 0 THEN greatest(pay.received_on, inv.issue_date) END
     WHERE invoice_id = inv.invoice_id;
    rest := rest - give;
    n := n + 1;
  END LOOP;
  UPDATE ar.payment SET unapplied_amount = rest WHERE payment_id = p_id;
  RETURN n;
END
\$\$;
-- Slice s holds customers BS-s-*, their invoices and their payments; the
-- payments of a slice are numbered 0..PAYMENTS-1 in bench.slice_payment,
-- round-robin over its customers.
CREATE TABLE bench.slice_payment (slice int, n int, payment_id bigint, PRIMARY KEY (slice, n));
SET session_replication_role = replica;   -- bulk load without triggers
INSERT INTO ar.customer (customer_code, name, currency)
SELECT 'BS-' || s || '-' || c, 'Bench customer ' || s || '-' || c, 'JPY'
  FROM generate_series(1, $SLICES) s, generate_series(1, $CUSTOMERS) c;
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount, open_amount, status)
SELECT cu.customer_id, 'BI-' || cu.customer_id || '-' || k,
       date '2026-01-01' + k * 5, date '2026-01-31' + k * 5 + (cu.customer_id % 3)::int * 10, 'JPY',
       a.amount, a.amount, 'open'
  FROM ar.customer cu, generate_series(1, $INVOICES) k,
       LATERAL (SELECT 10000 + (hashint8(cu.customer_id * 1000 + k) & 255) * 1000 AS amount) a
 WHERE cu.customer_code LIKE 'BS-%';
INSERT INTO ar.payment (customer_id, received_on, currency, amount, unapplied_amount, bank_ref, source)
SELECT cu.customer_id, date '2026-11-20', 'JPY', 20000 + (hashint8(cu.customer_id * 100000 + n) & 511) * 1000,
       20000 + (hashint8(cu.customer_id * 100000 + n) & 511) * 1000, 'BP-' || s || '-' || n, 'bench'
  FROM generate_series(1, $SLICES) s CROSS JOIN generate_series(0, $PAYMENTS - 1) n
  JOIN ar.customer cu ON cu.customer_code = 'BS-' || s || '-' || (n % $CUSTOMERS + 1);
INSERT INTO bench.slice_payment (slice, n, payment_id)
SELECT split_part(bank_ref, '-', 2)::int, split_part(bank_ref, '-', 3)::int, payment_id
  FROM ar.payment WHERE source = 'bench';
RESET session_replication_role;
VACUUM ANALYZE;
SQL
loaded=$(( $(date +%s) - start ))

# pgbench variables persist per client across transactions: client c applies
# payments c, c + clients, c + 2 * clients, ... of its slice.
cat >"$work/ar.sql" <<'EOF'
\set k :k + 1
SELECT count(*) FROM ar.apply_payment((SELECT payment_id FROM bench.slice_payment
                                        WHERE slice = :slice AND n = :client_id + :k * :nclients));
EOF
cat >"$work/baseline.sql" <<'EOF'
\set k :k + 1
SELECT bench.baseline_apply((SELECT payment_id FROM bench.slice_payment
                             WHERE slice = :slice AND n = :client_id + :k * :nclients));
EOF

# The baseline runs without pg_receivables' triggers (foreign keys stay).
arm_setup() {
  local how=ENABLE
  [[ $1 == baseline ]] && how=DISABLE
  q -c "ALTER TABLE ar.allocation $how TRIGGER USER" -c "ALTER TABLE ar.invoice $how TRIGGER USER" \
    -c "ALTER TABLE ar.payment $how TRIGGER USER" >/dev/null
}

# Warm-up, not recorded: the first run after the load pays for caches,
# hint bits and autovacuum of the fresh tables.
slice=0
for arm in "${ARMS[@]}"; do
  slice=$((slice + 1))
  arm_setup "$arm"
  pgbench -n -c 8 -j 8 -T 5 -D slice=$slice -D k=-1 -D nclients=8 -f "$work/$arm.sql" >/dev/null 2>&1 \
    || { echo "warm-up of $arm failed" >&2; exit 1; }
done

declare -A tps
for round in $(seq 1 "$ROUNDS"); do
  for c in "${CLIENTS[@]}"; do
    order=("${ARMS[@]}")
    (( round % 2 == 0 )) && order=("${ARMS[1]}" "${ARMS[0]}")
    for arm in "${order[@]}"; do
      q -c "CHECKPOINT"
      slice=$((slice + 1))
      arm_setup "$arm"
      out=$(pgbench -n -c "$c" -j "$c" -T "$SECONDS_PER_RUN" \
              -D slice=$slice -D k=-1 -D nclients="$c" -f "$work/$arm.sql" 2>&1) \
        || { echo "$out" >&2; exit 1; }
      t=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out")
      [[ -n $t ]] || { echo "$out" >&2; exit 1; }
      tps[$arm,$c]+="$t "
      echo "round $round, $c client(s), $arm: $t tps" >&2
    done
  done
done

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# Every slice must have been applied correctly by both arms.
arm_setup ar    # triggers back on
violations=$(q -c "SELECT count(*) FROM ar.verify_ledger()")
applied=$(q -c "SELECT count(*) FROM ar.allocation")
audited=$(q -c "SELECT count(*) FROM ar.audit_log WHERE table_name = 'allocation'")

cat <<EOF
## apply_payment: ar.apply_payment vs a PL/pgSQL FIFO loop

Date $(date +%F), $(nproc) cores, PostgreSQL $(q -c "SHOW server_version" | cut -d' ' -f1).
Book: $SLICES slices of $CUSTOMERS customers x $INVOICES open invoices (JPY 10,000-265,000),
one slice per run (loaded in ${loaded} s); each transaction applies one new payment
(JPY 20,000-531,000, about two invoices). pgbench, $SECONDS_PER_RUN s per run,
median of $ROUNDS runs; tps without connection time.

| clients | ar.apply_payment (tps) | baseline PL/pgSQL FIFO, foreign keys but no audit/validation triggers (tps) | ratio | runs (ar / baseline) |
|---:|---:|---:|---:|---|
EOF
for c in "${CLIENTS[@]}"; do
  a=$(median "${tps[ar,$c]}"); b=$(median "${tps[baseline,$c]}")
  printf '| %s | %.0f | %.0f | %.2f | %s/ %s|\n' "$c" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a / b}')" \
    "${tps[ar,$c]}" "${tps[baseline,$c]}"
done
cat <<EOF

Afterwards: $applied allocations, $audited of them in the audit log (the baseline's are not),
ar.verify_ledger(): $violations violations.
EOF
