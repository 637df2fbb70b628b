#!/usr/bin/env bash
# Cash application matching (入金消込).
#
# 1. ar.auto_apply over a day's worth of bank payments: PAYMENTS (default
#    10,000) unidentified payments against the open invoices (INVOICES per
#    customer, default 20) of CUSTOMERS (default 5,000) customers: 100,000
#    open invoices.  The payments are what bank files bring: one invoice
#    (50%), the three oldest / two others together (20%), one invoice less a
#    440 yen fee (10%), two invoices that are not the oldest (10%), and a
#    payer nobody knows with an odd amount (10%).  The book also holds a
#    year of history (ten paid invoices per customer).  Reported: the time of the
#    one call, payments per second, and how many were applied (of the 90%
#    that can be).
# 2. ar.match_payment for one customer with WIDE (default 500) open
#    invoices: CALLS (default 200) payments of one to three of its invoices
#    (some less a fee), each call timed in the server (median, p95), beside
#    a plain SQL baseline that does the same search (customer by normalized
#    name, then a recursive CTE over the open invoices, at most three
#    invoices, every tolerated deduction) timed on the first BASELINE_CALLS
#    (default 10) of them.
#
# Run by scripts/bench.sh matching (PGHOST, PGDATABASE set); prints markdown.
# BUILD_ONLY=1 builds the book and stops (for profiling by hand).
set -euo pipefail
CUSTOMERS=${CUSTOMERS:-5000}
INVOICES=${INVOICES:-20}
PAYMENTS=${PAYMENTS:-10000}
WIDE=${WIDE:-500}
CALLS=${CALLS:-200}
BASELINE_CALLS=${BASELINE_CALLS:-10}

q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

build_start=$(now)
q <<SQL
CREATE SCHEMA bench;
-- A katakana name per customer from three syllables: distinct, and with
-- nothing else that a payer name could be a prefix of.
CREATE FUNCTION bench.kana(n integer) RETURNS text LANGUAGE sql IMMUTABLE AS \$\$
  SELECT s[1 + n % 44] || s[1 + (n / 44) % 44] || s[1 + (n / 1936) % 44] || 'ショウジ'
    FROM (SELECT ARRAY['ア','イ','ウ','エ','オ','カ','キ','ク','ケ','コ','サ','シ','ス','セ','ソ','タ','チ','ツ',
                       'テ','ト','ナ','ニ','ヌ','ネ','ノ','ハ','ヒ','フ','ヘ','ホ','マ','ミ','ム','メ','モ','ヤ',
                       'ユ','ヨ','ラ','リ','ル','レ','ロ','ワ'] AS s) x
\$\$;

INSERT INTO ar.customer (customer_code, name, name_kana)
SELECT 'BC-' || n, '株式会社' || bench.kana(n), bench.kana(n) FROM generate_series(1, $CUSTOMERS) n;
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, 'BI-' || n || '-' || s, date '2026-01-01' + s * 15 + n % 10 - 30,
       date '2026-01-01' + s * 15 + n % 10, 10000 + (hashint4(n * 100 + s) & 524287)
  FROM generate_series(1, $CUSTOMERS) n
  JOIN ar.customer c ON c.customer_code = 'BC-' || n
 CROSS JOIN generate_series(1, $INVOICES) s;

-- A year of history, so that the tables hold what a live book holds (and
-- the planner knows it): ten older invoices per customer, each paid by a
-- payment matched by hand.
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, 'BH-' || n || '-' || s, date '2025-01-01' + s * 30 + n % 10 - 30,
       date '2025-01-01' + s * 30 + n % 10, 10000 + (hashint4(n * 1000 + s) & 524287)
  FROM generate_series(1, $CUSTOMERS) n
  JOIN ar.customer c ON c.customer_code = 'BC-' || n
 CROSS JOIN generate_series(1, 10) s;
INSERT INTO ar.payment (customer_id, received_on, currency, amount, payer_name, bank_ref, source, matched_by, matched_at)
SELECT i.customer_id, i.due_date, 'JPY', i.amount, c.name_kana, 'H-' || i.invoice_no, 'bench-history', 'manual', now()
  FROM ar.invoice i JOIN ar.customer c USING (customer_id) WHERE i.invoice_no LIKE 'BH-%';
INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on)
SELECT i.customer_id, i.invoice_id, 'payment', p.payment_id, i.amount, i.due_date
  FROM ar.invoice i JOIN ar.payment p ON p.bank_ref = 'H-' || i.invoice_no AND p.source = 'bench-history';

-- Payments: two per customer (the first PAYMENTS / 2 customers), from
-- disjoint invoice slots.
CREATE TABLE bench.plan AS
SELECT n, k, (hashint4(n * 7 + k) & 1023) % 100 AS r FROM generate_series(1, $PAYMENTS / 2) n, (VALUES (1), (2)) t(k);
CREATE TABLE bench.plan_slots AS
SELECT p.n, p.k, p.r,
       CASE WHEN p.r < 50 THEN CASE p.k WHEN 1 THEN '{7}' ELSE '{15}' END
            WHEN p.r < 70 THEN CASE p.k WHEN 1 THEN '{1,2,3}' ELSE '{5,18}' END
            WHEN p.r < 80 THEN CASE p.k WHEN 1 THEN '{9}' ELSE '{19}' END
            WHEN p.r < 90 THEN CASE p.k WHEN 1 THEN '{4,12}' ELSE '{6,20}' END
       END::int[] AS slots,
       CASE WHEN p.r BETWEEN 70 AND 79 THEN 440 ELSE 0 END AS fee
  FROM bench.plan p;
INSERT INTO ar.payment (received_on, currency, amount, payer_name, bank_ref, source)
SELECT date '2026-11-20', 'JPY',
       CASE WHEN s.slots IS NULL THEN 1000 + (hashint4(s.n * 13 + s.k) & 65535)
            ELSE (SELECT sum(i.amount) FROM ar.invoice i
                   WHERE i.invoice_no IN (SELECT 'BI-' || s.n || '-' || x FROM unnest(s.slots) x)) - s.fee END,
       CASE WHEN s.slots IS NULL THEN 'ﾌﾒｲ ' || s.n ELSE bench.kana(s.n) END,
       'B-' || s.n || '-' || s.k, 'bench'
  FROM bench.plan_slots s
 ORDER BY s.n, s.k;

-- The wide customer.
INSERT INTO ar.customer (customer_code, name, name_kana) VALUES ('BW-1', '株式会社ワイドショウジ', 'ﾜｲﾄﾞｼﾖｳｼﾞ');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, 'BW-' || s, date '2025-01-01' + s - 30, date '2025-01-01' + s, 10000 + (hashint4(s * 31) & 524287)
  FROM ar.customer c, generate_series(1, $WIDE) s WHERE c.customer_code = 'BW-1';
ANALYZE;
SQL
build_end=$(now)
[[ -n ${BUILD_ONLY:-} ]] && exit 0

# 1. ar.auto_apply.
q -c "CHECKPOINT" >/dev/null
t0=$(now)
q -c "CREATE TABLE bench.auto AS SELECT * FROM ar.auto_apply()"
t1=$(now)
read -r applied considered violations <<<"$(q -F ' ' -c "SELECT count(*) FILTER (WHERE outcome LIKE 'applied%'), count(*),
                                                              (SELECT count(*) FROM ar.verify_ledger()) FROM bench.auto")"
outcomes=$(q -c "SELECT string_agg(outcome || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT outcome, count(*) n FROM bench.auto GROUP BY 1) x")
matchable=$(q -c "SELECT count(*) FROM bench.plan_slots WHERE slots IS NOT NULL")
open_invoices=$(q -c "SELECT count(*) FROM ar.invoice WHERE invoice_no LIKE 'BI-%'")

# 2. ar.match_payment on the wide customer, and the baseline.
q <<SQL
-- The wide customer's payments (made after the auto_apply run).
CREATE TABLE bench.wide_pay (payment_id bigint, ord integer);
WITH w AS (
  SELECT g, (hashint4(g * 17) & 1023) % 10 AS kind,
         1 + (hashint4(g * 19) & 1048575) % $WIDE AS a, 1 + (hashint4(g * 23) & 1048575) % $WIDE AS b,
         1 + (hashint4(g * 29) & 1048575) % $WIDE AS c
    FROM generate_series(1, $CALLS) g
), ins AS (
  INSERT INTO ar.payment (received_on, currency, amount, payer_name, bank_ref, source)
  SELECT date '2026-11-20', 'JPY',
         (SELECT sum(i.amount) FROM ar.invoice i
           WHERE i.invoice_no IN (SELECT 'BW-' || x FROM unnest(CASE WHEN w.kind < 4 THEN ARRAY[w.a]
                                                                     WHEN w.kind < 7 OR w.a = w.c OR w.b = w.c THEN ARRAY[w.a, w.b]
                                                                     ELSE ARRAY[w.a, w.b, w.c] END) x))
           - CASE WHEN w.kind = 9 THEN 440 ELSE 0 END,
         'ｶ)ﾜｲﾄﾞｼﾖｳｼﾞ', 'BW-P' || w.g, 'bench-wide'
    FROM w ORDER BY w.g
  RETURNING payment_id, bank_ref
)
INSERT INTO bench.wide_pay SELECT payment_id, substr(bank_ref, 5)::int FROM ins;
ANALYZE;
SQL
q <<'SQL'

-- The baseline: the same question in plain SQL.  The customer by
-- normalized name or reading, its open invoices oldest first, and every
-- set of at most three of them whose total is the payment plus a tolerated
-- deduction (a fee of the bank_fee_tolerance list or 1..9 yen), found by a
-- recursive CTE that extends a set only while its total stays within
-- reach; the best five by fewer invoices, smaller deduction, older.
CREATE FUNCTION bench.baseline_match(p_id bigint)
  RETURNS TABLE (customer_id bigint, invoice_ids bigint[], total numeric, deduction numeric)
  LANGUAGE plpgsql STABLE AS $$
DECLARE
  pay ar.payment;
  norm text;
  deltas numeric[];
BEGIN
  SELECT * INTO pay FROM ar.payment WHERE payment_id = p_id;
  norm := ar.normalize_name(pay.payer_name);
  deltas := ARRAY[0::numeric] || string_to_array(ar.setting_value('bank_fee_tolerance'), ',')::numeric[]
            || ARRAY(SELECT g::numeric FROM generate_series(1, 9) g);
  RETURN QUERY
  WITH RECURSIVE cust AS (
    SELECT c.customer_id FROM ar.customer c
     WHERE ar.normalize_name(c.name) = norm OR ar.normalize_name(c.name_kana) = norm
  ), inv AS (
    SELECT i.customer_id, i.invoice_id, i.open_amount,
           row_number() OVER (PARTITION BY i.customer_id ORDER BY i.due_date, i.invoice_id) AS ord
      FROM ar.invoice i JOIN cust USING (customer_id)
     WHERE i.status = 'open' AND i.currency = pay.currency
  ), s (customer_id, last_ord, ids, total, age, k) AS (
    SELECT inv.customer_id, inv.ord, ARRAY[inv.invoice_id], inv.open_amount, inv.ord, 1
      FROM inv WHERE inv.open_amount <= pay.amount + 880
    UNION ALL
    SELECT s.customer_id, inv.ord, s.ids || inv.invoice_id, s.total + inv.open_amount, s.age + inv.ord, s.k + 1
      FROM s JOIN inv ON inv.customer_id = s.customer_id AND inv.ord > s.last_ord
     WHERE s.k < 3 AND s.total + inv.open_amount <= pay.amount + 880
  )
  SELECT s.customer_id, s.ids, s.total, s.total - pay.amount
    FROM s WHERE s.total - pay.amount = ANY (deltas)
   ORDER BY s.k, s.total - pay.amount, s.age
   LIMIT 5;
END
$$;

CREATE FUNCTION bench.time_calls(baseline boolean, n integer) RETURNS TABLE (ord integer, ms float8, hits integer)
  LANGUAGE plpgsql AS $$
DECLARE
  r record;
  t0 timestamptz;
BEGIN
  FOR r IN SELECT * FROM bench.wide_pay w ORDER BY w.ord LIMIT n LOOP
    t0 := clock_timestamp();
    IF baseline THEN
      SELECT count(*) INTO hits FROM bench.baseline_match(r.payment_id);
    ELSE
      SELECT count(*) INTO hits FROM ar.match_payment(r.payment_id);
    END IF;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    ord := r.ord;
    RETURN NEXT;
  END LOOP;
END
$$;
SQL
# Warm-up (plans, caches), then the timed calls.
q -c "SELECT count(*) FROM bench.time_calls(false, 20)" >/dev/null
q -c "CREATE TABLE bench.t_ar AS SELECT * FROM bench.time_calls(false, $CALLS)"
q -c "SET statement_timeout = '600s'; CREATE TABLE bench.t_base AS SELECT * FROM bench.time_calls(true, $BASELINE_CALLS)"
read -r ar_med ar_p95 ar_max ar_found <<<"$(q -F ' ' -c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
    round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 2), round(max(ms)::numeric, 2),
    count(*) FILTER (WHERE hits > 0) FROM bench.t_ar")"
read -r ar_med10 <<<"$(q -c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) FROM bench.t_ar WHERE ord <= $BASELINE_CALLS")"
read -r b_med b_p95 b_max <<<"$(q -F ' ' -c "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
    round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 1), round(max(ms)::numeric, 1) FROM bench.t_base")"
# The same best combination?  (The baseline's best five against ar.match_payment's rank 1.)
agree=$(q -c "SELECT count(*) FROM bench.wide_pay w
               WHERE w.ord <= $BASELINE_CALLS
                 AND (SELECT m.invoice_ids FROM ar.match_payment(w.payment_id) m WHERE m.rank = 1)
                     IS NOT DISTINCT FROM (SELECT b.invoice_ids FROM bench.baseline_match(w.payment_id) b LIMIT 1)")

auto_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
cat <<EOF
### ar.auto_apply: $PAYMENTS payments against $open_invoices open invoices of $CUSTOMERS customers

| what | value |
|---|---|
| one call of ar.auto_apply() | $auto_s s ($(awk -v a="$t0" -v b="$t1" -v n="$considered" 'BEGIN {printf "%.0f", n / (b - a)}') payments/s) |
| payments considered | $considered |
| applied automatically | $applied ($(awk -v a="$applied" -v n="$considered" 'BEGIN {printf "%.1f", 100 * a / n}') % of all; $matchable of the payments pay invoices) |
| outcomes | $outcomes |
| ledger violations after | $violations |
| building the book (not timed above) | $(awk -v a="$build_start" -v b="$build_end" 'BEGIN {printf "%.0f", b - a}') s |

### ar.match_payment: one customer with $WIDE open invoices

| what | ar.match_payment (C subset sum) | plain SQL baseline (recursive CTE, at most 3 invoices) |
|---|---:|---:|
| calls timed | $CALLS | $BASELINE_CALLS (the first of the same payments) |
| median per call | $ar_med ms (first $BASELINE_CALLS: $ar_med10 ms) | $b_med ms |
| p95 per call | $ar_p95 ms | $b_p95 ms |
| slowest call | $ar_max ms | $b_max ms |
| calls with a candidate | $ar_found of $CALLS | |
| same best combination as the baseline | $agree of $BASELINE_CALLS | |
EOF
