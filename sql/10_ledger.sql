-- What a user sees when the ledger refuses bad input.  Every message names
-- the value; nothing is written.
\set SHOW_CONTEXT never
INSERT INTO ar.customer (customer_code, name) VALUES ('R1', '株式会社サンプル');
INSERT INTO ar.customer (customer_code, name, currency, locale, time_zone)
  VALUES ('R2', 'Sample LLC', 'USD', 'en', 'America/Chicago');

-- unknown currency, fractional yen, zero and negative amounts
INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount, currency)
  SELECT customer_id, 'R-1', date '2026-12-31', 1000, 'ABC' FROM ar.customer WHERE customer_code = 'R1';
INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount)
  SELECT customer_id, 'R-1', date '2026-12-31', 100.5 FROM ar.customer WHERE customer_code = 'R1';
INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount)
  SELECT customer_id, 'R-1', date '2026-12-31', 12.345 FROM ar.customer WHERE customer_code = 'R2';
INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount)
  SELECT customer_id, 'R-1', date '2026-12-31', 0 FROM ar.customer WHERE customer_code = 'R1';
INSERT INTO ar.payment (customer_id, amount) SELECT customer_id, -100 FROM ar.customer WHERE customer_code = 'R1';

-- duplicates
INSERT INTO ar.customer (customer_code, name) VALUES ('R1', 'again');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
  SELECT customer_id, 'R-1', date '2026-11-01', date '2026-11-30', 1000 FROM ar.customer WHERE customer_code = 'R1';
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
  SELECT customer_id, 'R-1', date '2026-11-01', date '2026-11-30', 1000 FROM ar.customer WHERE customer_code = 'R1';

-- invalid time zone or locale
INSERT INTO ar.customer (customer_code, name, time_zone) VALUES ('R3', 'x', 'Tokyo');
INSERT INTO ar.customer (customer_code, name, time_zone) VALUES ('R3', 'x', 'asia/tokyo');
INSERT INTO ar.customer (customer_code, name, locale) VALUES ('R3', 'x', 'de');

-- a frozen invoice
INSERT INTO ar.payment (customer_id, amount, received_on)
  SELECT customer_id, 1000, date '2026-11-20' FROM ar.customer WHERE customer_code = 'R1';
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
  SELECT i.invoice_id, 'payment', p.payment_id, 400, date '2026-11-20'
    FROM ar.invoice i JOIN ar.payment p USING (customer_id) WHERE i.invoice_no = 'R-1';
UPDATE ar.invoice SET amount = 2000 WHERE invoice_no = 'R-1';
UPDATE ar.invoice SET open_amount = 0 WHERE invoice_no = 'R-1';
UPDATE ar.invoice SET status = 'void' WHERE invoice_no = 'R-1';

SELECT invoice_no, amount, open_amount, status FROM ar.invoice ORDER BY invoice_no;
SELECT amount, unapplied_amount FROM ar.payment;
SELECT * FROM ar.verify_ledger();
