-- Allocation and cash application: what a user sees.  The worked examples
-- of docs/payments.md, then every error message of the ledger functions.
-- Identity sequences start at fixed values here so that the ids in the
-- messages do not depend on the suites that ran before.
ALTER TABLE ar.invoice ALTER COLUMN invoice_id RESTART WITH 40001;
ALTER TABLE ar.payment ALTER COLUMN payment_id RESTART WITH 40001;
ALTER TABLE ar.credit_note ALTER COLUMN credit_note_id RESTART WITH 40001;
ALTER TABLE ar.allocation ALTER COLUMN allocation_id RESTART WITH 40001;
SET datestyle = 'ISO, YMD';

-- ar.allocate: 100 over balances of 30, 50 and 40, by each strategy.
SELECT s AS strategy, ar.allocate(100, '{30,50,40}', s) AS parts
  FROM unnest(ARRAY['fifo', 'proportional', 'smallest_first', 'largest_first', 'exact_first']) s;
SELECT ar.allocate(40, '{30,50,40}', 'exact_first') AS exact_40;
-- USD (minor unit 2): 10.00 over three equal balances adds up to the cent.
SELECT ar.allocate(10.00, '{10,10,10}', 'proportional', 2) AS usd_thirds;

-- A customer with four open invoices.
INSERT INTO ar.customer (customer_code, name, name_kana) VALUES ('AL1', '株式会社あおば商会', 'ｱｵﾊﾞｼﾖｳｶｲ');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, v.no, v.issued, v.due, v.amount
  FROM ar.customer c,
       (VALUES ('AL-101', date '2026-08-31', date '2026-09-30', 110000),
               ('AL-102', date '2026-09-15', date '2026-10-15',  55000),
               ('AL-103', date '2026-09-30', date '2026-10-31',  33000),
               ('AL-104', date '2026-10-31', date '2026-11-30',  22000)) v(no, issued, due, amount)
 WHERE c.customer_code = 'AL1';

-- FIFO: 150,000 received on 2026-10-20 pays the oldest due invoices first.
INSERT INTO ar.payment (customer_id, received_on, amount, payer_name)
SELECT customer_id, date '2026-10-20', 150000, 'ｱｵﾊﾞｼﾖｳｶｲ' FROM ar.customer WHERE customer_code = 'AL1';
SELECT i.invoice_no, a.kind, a.amount, a.applied_on
  FROM ar.apply_payment(40001) a JOIN ar.invoice i USING (invoice_id) ORDER BY a.allocation_id;
SELECT invoice_no, amount, open_amount, status, closed_on FROM ar.invoice WHERE invoice_no LIKE 'AL-%' ORDER BY invoice_no;

-- Proportional: 44,000 over what is open (15,000 / 33,000 / 22,000).
INSERT INTO ar.payment (customer_id, received_on, amount)
SELECT customer_id, date '2026-11-05', 44000 FROM ar.customer WHERE customer_code = 'AL1';
SELECT i.invoice_no, a.amount, a.applied_on
  FROM ar.apply_payment(40002, 'proportional') a JOIN ar.invoice i USING (invoice_id) ORDER BY a.allocation_id;

-- More money than is open: the rest stays unapplied as the customer's credit.
INSERT INTO ar.payment (customer_id, received_on, amount)
SELECT customer_id, date '2026-11-10', 40000 FROM ar.customer WHERE customer_code = 'AL1';
SELECT i.invoice_no, a.amount FROM ar.apply_payment(40003) a JOIN ar.invoice i USING (invoice_id) ORDER BY a.allocation_id;
SELECT payment_id, amount, unapplied_amount FROM ar.payment WHERE payment_id >= 40001 ORDER BY payment_id;

-- Reverse an allocation: the invoice reopens and the money goes back to
-- the payment, unapplied.
SELECT ar.reverse_allocation(40001, 'applied to the wrong invoice', date '2026-11-12');
SELECT allocation_id, amount, applied_on, reversed_on, reversal_reason FROM ar.allocation WHERE allocation_id = 40001;
SELECT invoice_no, open_amount, status FROM ar.invoice WHERE invoice_no = 'AL-101';

-- A credit note that corrects an invoice goes to that invoice first.
INSERT INTO ar.credit_note (customer_id, credit_note_no, issue_date, amount, reason, invoice_id)
SELECT customer_id, 'AL-CN1', date '2026-11-12', 20000, 'returned goods', 40001 FROM ar.customer WHERE customer_code = 'AL1';
SELECT i.invoice_no, a.kind, a.amount, a.applied_on
  FROM ar.apply_credit_note(40001) a JOIN ar.invoice i USING (invoice_id) ORDER BY a.allocation_id;

-- Write off the rest of AL-101, void an invoice issued in error.
SELECT amount, kind, reason, applied_on FROM ar.write_off(40001, NULL, 'uncollectible', date '2026-11-30');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'AL-105', date '2026-11-01', date '2026-11-30', 9900 FROM ar.customer WHERE customer_code = 'AL1';
SELECT ar.void_invoice(40005, 'duplicate of AL-104');
SELECT invoice_no, amount, open_amount, status, closed_on, void_reason FROM ar.invoice WHERE invoice_no LIKE 'AL-%' ORDER BY invoice_no;
SELECT * FROM ar.verify_ledger();

-- Errors.  A refused call changes nothing.
\set SHOW_CONTEXT never
INSERT INTO ar.customer (customer_code, name, currency) VALUES ('AL2', 'Other Ltd.', 'USD');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'AL-201', date '2026-10-01', date '2026-10-31', 500.00 FROM ar.customer WHERE customer_code = 'AL2';
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount, currency)
SELECT customer_id, 'AL-106', date '2026-11-01', date '2026-11-30', 100.00, 'USD' FROM ar.customer WHERE customer_code = 'AL1';
INSERT INTO ar.payment (customer_id, received_on, amount)
SELECT customer_id, date '2026-11-20', 5000 FROM ar.customer WHERE customer_code = 'AL1';
INSERT INTO ar.payment (received_on, amount, payer_name) VALUES (date '2026-11-20', 3000, 'ﾌﾒｲ');
SELECT ar.apply_payment(99999);
SELECT ar.apply_payment(40005);
SELECT ar.apply_payment(40004, 'lifo');
SELECT ar.apply_payment(40004, 'fifo', ARRAY[40007::bigint]);
SELECT ar.apply_payment(40004, 'fifo', ARRAY[40006::bigint]);
SELECT ar.apply_payment(40004, 'fifo', ARRAY[40002::bigint]);
SELECT ar.apply_payment(40004, 'fifo', ARRAY[40005::bigint]);
SELECT ar.apply_payment(40004, 'fifo', ARRAY[40004::bigint, 40004]);
SELECT ar.apply_payment(40004, 'fifo', NULL, date '2026-11-01');
UPDATE ar.payment SET status = 'cancelled' WHERE payment_id = 40004;
SELECT ar.apply_payment(40004);
SELECT ar.apply_credit_note(99999);
SELECT ar.write_off(40007, -100);
SELECT ar.write_off(40007, 100.01);
SELECT ar.write_off(40007, 0.005);
SELECT ar.write_off(40002);
SELECT ar.reverse_allocation(40001, 'again');
SELECT ar.reverse_allocation(40002, NULL);
SELECT ar.reverse_allocation(99999, 'x');
SELECT ar.void_invoice(40003, 'x');
SELECT ar.void_invoice(40005, 'again');
SELECT ar.allocate(100, '{10,-5}');
SELECT ar.allocate(100.5, '{10}');
SELECT ar.allocate(100, '{10,NULL}');
SELECT ar.allocate(100, '{10}', 'fifo', 7);
SELECT invoice_no, open_amount, status FROM ar.invoice WHERE invoice_no LIKE 'AL-%' ORDER BY invoice_no;
SELECT payment_id, amount, unapplied_amount, status FROM ar.payment WHERE payment_id >= 40001 ORDER BY payment_id;
SELECT * FROM ar.verify_ledger();
