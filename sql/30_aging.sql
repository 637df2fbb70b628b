-- Aging as a user sees it: bucket text, labels, the aggregate, what bad
-- input says, and the reports of a small book at fixed dates.
\set SHOW_CONTEXT never

-- Text form: canonical output, labels, and where days fall.
SELECT b::ar.aging_buckets AS buckets, ar.aging_labels(b::ar.aging_buckets) AS labels
  FROM (VALUES ('30,60,90'), (' 15, 30 ,045,60'), ('7'), ('1,2,5,10')) v(b);
SELECT d AS days_past_due, ar.aging_bucket(d) AS bucket, ar.aging_bucket_index(d) AS index,
       ar.aging_bucket(d, '7,14') AS "bucket (7,14)"
  FROM unnest(ARRAY[-10, 0, 1, 7, 8, 14, 15, 30, 31, 60, 61, 90, 91, 400]) d;

-- Bad input: SQLSTATE 22P02, the offending part quoted.
\set VERBOSITY default
SELECT ''::ar.aging_buckets;
SELECT '30,,60'::ar.aging_buckets;
SELECT '30,sixty'::ar.aging_buckets;
SELECT '30.5'::ar.aging_buckets;
SELECT '0,30'::ar.aging_buckets;
SELECT '-7,30'::ar.aging_buckets;
SELECT '30,60,60'::ar.aging_buckets;
SELECT '90,60,30'::ar.aging_buckets;
SELECT '30,99999999999'::ar.aging_buckets;
SELECT string_agg(g::text, ',')::ar.aging_buckets FROM generate_series(5, 165, 5) g;
UPDATE ar.setting SET value = '30;60' WHERE key = 'default_buckets';

-- Binary form: int16 count, int16 reserved (0), int32 bounds.
SELECT ar.aging_buckets_send('30,60,90');

-- The aggregate: one sum per label, zeros where empty, NULL amounts skipped.
SELECT ar.aging_labels('30,60,90') AS labels,
       ar.aging_sum(amount, days, '30,60,90') AS amounts
  FROM (VALUES (1200.50, -3), (99.50, 0), (250.00, 12), (NULL, 40), (75.25, 120)) v(amount, days);
SELECT ar.aging_sum(amount, days, NULL) FROM (VALUES (1::numeric, 1)) v(amount, days);

BEGIN;

-- A small book (rolled back at the end): a customer in Tokyo, one in Los Angeles, one with only cash.
INSERT INTO ar.customer (customer_code, name, currency, time_zone, locale, segment) VALUES
  ('RG-1', '株式会社年齢', 'JPY', 'Asia/Tokyo', 'ja', 'enterprise'),
  ('RG-2', 'Bucket & Co.', 'USD', 'America/Los_Angeles', 'en', 'smb'),
  ('RG-3', '前払商店', 'JPY', 'Asia/Tokyo', 'ja', 'smb');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, v.no, v.issued::date, v.due::date, v.amount
  FROM (VALUES ('RG-1', 'RG-101', '2026-09-01', '2026-09-30', 330000),
               ('RG-1', 'RG-102', '2026-10-01', '2026-10-31', 220000),
               ('RG-1', 'RG-103', '2026-11-01', '2026-11-30', 110000),
               ('RG-2', 'RG-201', '2026-10-15', '2026-11-14', 2500.00),
               ('RG-2', 'RG-202', '2026-11-01', '2026-12-01', 480.75)) v(code, no, issued, due, amount)
  JOIN ar.customer c ON c.customer_code = v.code;
INSERT INTO ar.payment (customer_id, amount, received_on, bank_ref, source)
SELECT customer_id, v.amount, v.received::date, v.ref, 'regress'
  FROM ar.customer c JOIN (VALUES ('RG-1', 400000, '2026-11-05', 'RG-P1'), ('RG-3', 8000, '2026-11-10', 'RG-P2')) v(code, amount, received, ref)
    ON c.customer_code = v.code;
-- RG-P1 settles RG-101 on 2026-11-05 and 50,000 of RG-102; the second part
-- is reversed with effect from 2026-11-12.
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT i.invoice_id, 'payment', p.payment_id, v.amount, date '2026-11-05'
  FROM (VALUES ('RG-101', 330000), ('RG-102', 50000)) v(no, amount)
  JOIN ar.invoice i ON i.invoice_no = v.no JOIN ar.payment p ON p.bank_ref = 'RG-P1';
UPDATE ar.allocation SET reversed_on = date '2026-11-12', reversal_reason = 'applied to the wrong invoice'
 WHERE invoice_id = (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'RG-102');
INSERT INTO ar.credit_note (customer_id, credit_note_no, issue_date, amount, reason)
SELECT customer_id, 'RG-CN1', date '2026-11-15', 300.00, 'volume rebate' FROM ar.customer WHERE customer_code = 'RG-2';

-- The views at a fixed clock: 2026-11-30 15:30 UTC is just past midnight in
-- Tokyo (Dec 1) and the morning of Nov 30 in Los Angeles.
SELECT invoice_no, customer_code, currency, open_amount, due_date, days_past_due, bucket
  FROM ar.open_items_at('2026-11-30 15:30:00+00') WHERE customer_code LIKE 'RG-%' ORDER BY invoice_no;
SELECT customer_code, currency, current, d1_30, d31_60, d61_90, d90_plus, total_open, overdue_total,
       oldest_days_past_due AS oldest, unapplied_cash, open_credits, net_balance
  FROM ar.customer_aging_at('2026-11-30 15:30:00+00') WHERE customer_code LIKE 'RG-%' ORDER BY customer_code;

-- The book as it stood on past dates: before the payment, after it, and
-- after the reversal.  The last two labels are never aged.
SELECT d AS as_of, r.group_key, r.currency, r.amounts, r.total
  FROM unnest(ARRAY[date '2026-11-04', date '2026-11-05', date '2026-11-12', date '2026-11-30']) d,
       ar.aging_report(d) r
 WHERE r.group_key LIKE 'RG-%'
 ORDER BY d, r.currency, r.group_key;
SELECT labels FROM ar.aging_report('2026-11-30') LIMIT 1;
SELECT group_key, currency, labels, amounts, total
  FROM ar.aging_report('2026-11-30', '15,30,45', 'segment', 'issue_date')
 WHERE group_key IN ('enterprise', 'smb') ORDER BY currency, group_key;
SELECT * FROM ar.verify_ledger();
ROLLBACK;

-- Report parameters it does not know.
SELECT * FROM ar.aging_report('2026-11-30', '30,60,90', 'region');
SELECT * FROM ar.aging_report('2026-11-30', '30,60,90', 'customer', 'payment_date');
