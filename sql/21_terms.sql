-- Payment terms as a person reads them: the forms of SPEC.md in canonical,
-- Japanese and English form with due dates for a few issue dates, and the
-- errors.

SET datestyle = ISO;

-- Every form, as typed and as stored.
SELECT input, input::ar.payment_terms AS canonical,
       ar.terms_label(input::ar.payment_terms, 'ja') AS ja,
       ar.terms_label(input::ar.payment_terms, 'en') AS en
  FROM unnest(ARRAY['net 30', 'eom +30', 'close eom due 1 eom', 'close 20 due 1 10', 'close eom due 2 10',
                    '2/10 net 30', 'close eom due 1 eom, adjust preceding',
                    'close 15 due 0 eom; close eom due 1 15',
                    '月末締め翌月末払い', '20日締め翌月10日払い', '月末締め翌々月10日払い', '末締め翌月末払い',
                    '20日締め翌月10日払い（翌営業日）', '15日締め当月末払い・月末締め翌月15日払い']) WITH ORDINALITY AS t(input, n)
 ORDER BY n;

-- Due dates (JP-BANK) for a few issue dates: month ends that never drift,
-- the 20th closing, a leap February, Golden Week, the bank New Year.
SELECT terms,
       ar.due_date(terms, '2026-01-20') AS "01-20", ar.due_date(terms, '2026-01-31') AS "01-31",
       ar.due_date(terms, '2028-01-21') AS "2028-01-21", ar.due_date(terms, '2026-04-03') AS "04-03",
       ar.due_date(terms, '2026-11-16') AS "11-16"
  FROM unnest(ARRAY['net 30', 'eom +30', 'close eom due 1 eom', 'close eom due 1 eom, adjust preceding',
                    'close 20 due 1 10', 'close 20 due 1 eom, adjust following', 'close eom due 2 10',
                    'net 30, adjust following', 'close 15 due 0 eom; close eom due 1 15']::ar.payment_terms[])
       WITH ORDINALITY AS t(terms, n)
 ORDER BY n;

-- Early-payment discount of 2/10 net 30 on an invoice of 2026-04-01.
SELECT paid_on, ar.discount_date('2/10 net 30', '2026-04-01') AS discount_until,
       ar.discount_amount('2/10 net 30', 123456, '2026-04-01', paid_on) AS jpy_123456,
       ar.discount_amount('2/10 net 30', 1234.57, '2026-04-01', paid_on, 2) AS usd_1234_57
  FROM unnest(ARRAY[date '2026-04-05', '2026-04-11', '2026-04-12']) AS paid_on;

-- An invoice inserted without a due date takes it from the customer.
BEGIN;
INSERT INTO ar.customer (customer_code, name, payment_terms)
  VALUES ('TERMS-1', '株式会社支払条件', '月末締め翌月末払い（前営業日）');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, amount)
SELECT customer_id, 'TERMS-INV-' || n, date '2026-04-15' + 30 * n, 110000
  FROM ar.customer, generate_series(0, 2) AS n WHERE customer_code = 'TERMS-1';
SELECT i.invoice_no, i.issue_date, i.due_date, to_char(i.due_date, 'Dy') AS dow, ar.terms_label(c.payment_terms) AS terms
  FROM ar.invoice i JOIN ar.customer c USING (customer_id) WHERE c.customer_code = 'TERMS-1' ORDER BY i.invoice_no;
ROLLBACK;

-- Errors: SQLSTATE 22P02 quoting the part that could not be read.
\set SHOW_CONTEXT never
\set VERBOSITY default
SELECT 'net thirty'::ar.payment_terms;
\set VERBOSITY terse
SELECT 'close 32 due 1 10'::ar.payment_terms;
SELECT 'close 20 due 0 10'::ar.payment_terms;
SELECT '2/40 net 30'::ar.payment_terms;
SELECT '20日締め10日払い'::ar.payment_terms;
SELECT '月末締め翌月末払い（翌日）'::ar.payment_terms;
SELECT 'close 15 due 1 10; net 30'::ar.payment_terms;
SELECT ar.terms_label('net 30', 'fr');
SELECT ar.due_date('net 30', '2026-04-01', 'NOPE');
SELECT ar.discount_amount('2/10 net 30', 100, '2026-04-01', '2026-04-02', 7);
INSERT INTO ar.customer (customer_code, name) VALUES ('TERMS-2', 'No Terms KK');
INSERT INTO ar.invoice (customer_id, invoice_no, amount)
SELECT customer_id, 'TERMS-INV-X', 1000 FROM ar.customer WHERE customer_code = 'TERMS-2';
DELETE FROM ar.customer WHERE customer_code = 'TERMS-2';
