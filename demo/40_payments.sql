-- Cash application (入金消込): payments applied to the demo book of
-- demo/10_ledger.sql by FIFO and pro rata, with the allocations each made
-- and the balances they left.
\echo
\echo '=== 4. Cash application: allocating payments to invoices ==='
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, v.no, v.issued, v.due, v.amount
  FROM (VALUES ('C-1002', 'INV-4001', date '2026-09-30', date '2026-10-31',  88000),
               ('C-1002', 'INV-4002', date '2026-10-20', date '2026-11-10',  44000),
               ('C-1002', 'INV-4003', date '2026-10-31', date '2026-11-30', 165000),
               ('C-1001', 'INV-4004', date '2026-10-31', date '2026-11-30', 220000)) v(code, no, issued, due, amount)
  JOIN ar.customer c ON c.customer_code = v.code;

INSERT INTO ar.payment (customer_id, received_on, amount, payer_name, bank_ref, source)
SELECT c.customer_id, v.received, v.amount, v.payer, v.ref, 'demo'
  FROM (VALUES ('C-1002', date '2026-11-10', 250000, 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ', 'DEMO-4001'),
               ('C-1001', date '2026-11-12', 333333, 'ｶ)ｻｸﾗｼﾖｳｼﾞ',  'DEMO-4002')) v(code, received, amount, payer, ref)
  JOIN ar.customer c ON c.customer_code = v.code;

\echo 'FIFO: やまと製作所 pays 250,000; the oldest due invoices are settled first.'
SELECT i.invoice_no AS "invoice", i.due_date AS "due", a.amount AS "allocated", a.applied_on AS "effective"
  FROM ar.apply_payment((SELECT payment_id FROM ar.payment WHERE bank_ref = 'DEMO-4001')) a
  JOIN ar.invoice i USING (invoice_id)
 ORDER BY a.allocation_id;

\echo 'Pro rata: さくら商事 pays 333,333 against 700,000 open; each invoice gets its share'
\echo '(228,571.2 and 104,761.9), rounded to the yen by largest remainder so the parts add up exactly.'
-- The join reads each invoice as it stood before the call: the open amount before.
SELECT i.invoice_no AS "invoice", i.open_amount AS "open before", a.amount AS "allocated"
  FROM ar.apply_payment((SELECT payment_id FROM ar.payment WHERE bank_ref = 'DEMO-4002'), 'proportional') a
  JOIN ar.invoice i USING (invoice_id)
 ORDER BY a.allocation_id;

\echo 'Balances after cash application:'
SELECT c.customer_code AS "customer", i.invoice_no AS "invoice", i.amount, i.open_amount AS "open", i.status
  FROM ar.invoice i JOIN ar.customer c USING (customer_id)
 WHERE c.customer_code IN ('C-1001', 'C-1002')
 ORDER BY c.customer_code, i.due_date, i.invoice_id;

\echo 'Payments and unapplied cash (the customer''s credit):'
SELECT p.bank_ref AS "payment", c.customer_code AS "customer", p.received_on AS "received", p.amount,
       p.unapplied_amount AS "unapplied"
  FROM ar.payment p JOIN ar.customer c USING (customer_id)
 WHERE p.source = 'demo'
 ORDER BY p.received_on, p.payment_id;

\echo 'Ledger invariants (no rows = the books hold):'
SELECT * FROM ar.verify_ledger();
