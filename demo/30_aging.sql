-- Aging: the book of demo/10_ledger.sql with a few older invoices, an
-- unapplied payment and a credit note, seen through the aging views and the
-- as-of report.
\echo
\echo '=== 3. Aging: how overdue is the book? ==='
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, v.no, v.issued, v.due, v.amount
  FROM (VALUES ('C-1002', 'INV-0005', date '2026-06-30', date '2026-07-31', 88000),
               ('C-1002', 'INV-0006', date '2026-08-20', date '2026-09-15', 264000),
               ('C-1001', 'INV-0007', date '2026-10-31', date '2026-11-30', 770000),
               ('C-1001', 'INV-0008', date '2026-11-20', date '2026-12-31', 165000),
               ('C-2001', 'INV-0009', date '2026-08-01', date '2026-08-31', 1250.00),
               ('C-2001', 'INV-0010', date '2026-11-15', date '2026-12-15', 980.50)) v(code, no, issued, due, amount)
  JOIN ar.customer c ON c.customer_code = v.code;

-- C-1002 paid 50,000 that nobody has applied yet; C-2001 got a rebate.
INSERT INTO ar.payment (customer_id, received_on, amount, payer_name, bank_ref, source)
SELECT customer_id, date '2026-11-18', 50000, 'ﾔﾏﾄｾｲｻｸｼﾖ', 'DEMO-0002', 'demo'
  FROM ar.customer WHERE customer_code = 'C-1002';
INSERT INTO ar.credit_note (customer_id, credit_note_no, issue_date, amount, reason)
SELECT customer_id, 'CN-0001', date '2026-11-10', 200.00, 'volume rebate'
  FROM ar.customer WHERE customer_code = 'C-2001';

\echo 'Aging summary per currency (days past due in each customer''s time zone, today):'
SELECT currency, open_items AS items, current, d1_30, d31_60, d61_90, d90_plus, total_open,
       pct_overdue AS "overdue %", unapplied_cash AS unapplied, open_credits AS credits
  FROM ar.v_aging_summary ORDER BY currency;

\echo 'Aging per customer (unapplied cash and credits beside the buckets, never netted into them):'
SELECT customer_code AS customer, currency AS cur, current, d1_30, d31_60, d61_90, d90_plus,
       total_open, oldest_days_past_due AS oldest, unapplied_cash AS unapplied, open_credits AS credits,
       net_balance AS net
  FROM ar.v_aging ORDER BY currency, customer_code;

\echo 'The same book as it stood at the end of October (ar.aging_report), in finer buckets (7, 14, 30, 60 days):'
SELECT group_key AS customer, currency AS cur, labels, amounts, total
  FROM ar.aging_report(date '2026-10-31', '7,14,30,60');
