-- The ledger: a few customers, invoices and payments; balances follow the
-- allocations, and every change is in the audit log.
\echo
\echo '=== 1. The ledger: invoices, payments and allocations ==='
INSERT INTO ar.customer (customer_code, name, name_kana, email, locale, currency, time_zone) VALUES
  ('C-1001', '株式会社さくら商事', 'ｻｸﾗｼﾖｳｼﾞ', 'keiri@sakura.example.jp', 'ja', 'JPY', 'Asia/Tokyo'),
  ('C-1002', '有限会社やまと製作所', 'ﾔﾏﾄｾｲｻｸｼﾖ', 'ap@yamato.example.jp', 'ja', 'JPY', 'Asia/Tokyo'),
  ('C-2001', 'Northwind Traders Inc.', NULL, 'ap@northwind.example.com', 'en', 'USD', 'America/New_York');

INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, v.no, v.issued, v.due, v.amount
  FROM (VALUES ('C-1001', 'INV-0001', date '2026-08-31', date '2026-09-30', 330000),
               ('C-1001', 'INV-0002', date '2026-09-30', date '2026-10-31', 550000),
               ('C-1002', 'INV-0003', date '2026-09-20', date '2026-10-10', 121000),
               ('C-2001', 'INV-0004', date '2026-10-01', date '2026-10-31', 4200.00)) v(code, no, issued, due, amount)
  JOIN ar.customer c ON c.customer_code = v.code;

INSERT INTO ar.payment (customer_id, received_on, amount, payer_name, bank_ref, source)
SELECT customer_id, date '2026-09-30', 400000, 'ｻｸﾗｼﾖｳｼﾞ', 'DEMO-0001', 'demo'
  FROM ar.customer WHERE customer_code = 'C-1001';

-- 400,000 pays INV-0001 in full and 70,000 of INV-0002.
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT i.invoice_id, 'payment', p.payment_id, a.amount, date '2026-09-30'
  FROM (VALUES ('INV-0001', 330000), ('INV-0002', 70000)) a(no, amount)
  JOIN ar.invoice i ON i.invoice_no = a.no
  JOIN ar.payment p ON p.bank_ref = 'DEMO-0001';

SELECT c.customer_code AS "customer", i.invoice_no AS "invoice", i.due_date AS "due",
       i.currency AS "cur", i.amount, i.open_amount AS "open", i.status
  FROM ar.invoice i JOIN ar.customer c USING (customer_id)
 ORDER BY i.invoice_no;

\echo 'Ledger invariants (no rows = the books hold):'
SELECT * FROM ar.verify_ledger();

\echo 'Audit trail of INV-0002:'
SELECT a.op, a.actor, a.old ->> 'open_amount' AS open_before, a.new ->> 'open_amount' AS open_after
  FROM ar.audit_log a JOIN ar.invoice i ON a.table_name = 'invoice' AND a.row_id = i.invoice_id
 WHERE i.invoice_no = 'INV-0002'
 ORDER BY a.audit_id;
