-- The ledger: tables, balances maintained from allocations, frozen documents,
-- the append-only audit log, and every bad input refused with its SQLSTATE.
BEGIN;
SELECT plan(75);

-- Structure -----------------------------------------------------------------
SELECT has_table('ar', t, 'table ar.' || t)
  FROM unnest(ARRAY['currency', 'setting', 'customer', 'invoice', 'payment',
                    'credit_note', 'allocation', 'audit_log']) AS t;
SELECT col_is_pk('ar', t, t || '_id', t || '_id is the primary key')
  FROM unnest(ARRAY['customer', 'invoice', 'payment', 'credit_note', 'allocation']) AS t;
SELECT is((SELECT count(*)::int FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'ar' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
             AND col_description(c.oid, a.attnum) IS NULL),
          0, 'every column of every ar table has a comment');
SELECT is((SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'ar' AND c.relkind IN ('r', 'v') AND obj_description(c.oid, 'pg_class') IS NULL),
          0, 'every ar table and view has a comment');
SELECT is((SELECT minor_unit FROM ar.currency WHERE code = 'JPY'), 0::smallint, 'JPY has no minor unit');
SELECT is((SELECT minor_unit FROM ar.currency WHERE code = 'USD'), 2::smallint, 'USD has two decimals');
SELECT is((SELECT minor_unit FROM ar.currency WHERE code = 'KWD'), 3::smallint, 'KWD has three decimals');

-- A small book ----------------------------------------------------------------
INSERT INTO ar.customer (customer_code, name, name_kana) VALUES ('T1', '株式会社テスト', 'ﾃｽﾄ');
INSERT INTO ar.customer (customer_code, name, currency, locale, time_zone)
  VALUES ('T2', 'Test Corp', 'USD', 'en', 'America/New_York');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, no, date '2026-09-01', date '2026-09-30', amt
  FROM ar.customer, (VALUES ('TI-1', 10000), ('TI-2', 5000), ('TI-3', 7000)) v(no, amt)
 WHERE customer_code = 'T1';
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'TU-1', date '2026-09-01', date '2026-10-01', 99.95 FROM ar.customer WHERE customer_code = 'T2';

SELECT is((SELECT currency FROM ar.invoice WHERE invoice_no = 'TU-1'), 'USD', 'invoice currency defaults to the customer''s');
SELECT is((SELECT (open_amount, status)::text FROM ar.invoice WHERE invoice_no = 'TI-1'), '(10000,open)',
          'a new invoice is open for its whole amount');

CREATE TEMP TABLE ids AS
SELECT (SELECT customer_id FROM ar.customer WHERE customer_code = 'T1') AS c1,
       (SELECT customer_id FROM ar.customer WHERE customer_code = 'T2') AS c2,
       (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'TI-1') AS i1,
       (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'TI-2') AS i2,
       (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'TI-3') AS i3,
       (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'TU-1') AS u1;
INSERT INTO ar.payment (customer_id, amount, received_on, bank_ref, source)
  SELECT c1, 12000, date '2026-10-02', 'R-1', 'test' FROM ids;
ALTER TABLE ids ADD COLUMN p1 bigint;
UPDATE ids SET p1 = (SELECT payment_id FROM ar.payment WHERE bank_ref = 'R-1');

-- Balances follow allocations ---------------------------------------------------
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT i1, 'payment', p1, 10000, date '2026-10-02' FROM ids
UNION ALL
SELECT i2, 'payment', p1, 2000, date '2026-10-02' FROM ids;
SELECT is((SELECT (open_amount, status, closed_on)::text FROM ar.invoice WHERE invoice_no = 'TI-1'),
          '(0,paid,2026-10-02)', 'a fully allocated invoice is paid, closed on the allocation date');
SELECT is((SELECT (open_amount, status)::text FROM ar.invoice WHERE invoice_no = 'TI-2'), '(3000,open)',
          'a partly allocated invoice stays open with the rest');
SELECT is((SELECT unapplied_amount FROM ar.payment p JOIN ids ON p.payment_id = ids.p1), 0::numeric,
          'the payment''s unapplied amount goes down by what was allocated');
SELECT is((SELECT customer_id FROM ar.allocation a JOIN ids ON a.invoice_id = ids.i1), (SELECT c1 FROM ids),
          'allocation customer is filled in from the invoice');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'invariants hold after allocation');

UPDATE ar.allocation SET reversed_on = date '2026-10-03', reversal_reason = 'test reversal'
 WHERE invoice_id = (SELECT i1 FROM ids);
SELECT is((SELECT (open_amount, status, closed_on)::text FROM ar.invoice WHERE invoice_no = 'TI-1'),
          '(10000,open,)', 'a reversal reopens the invoice');
SELECT is((SELECT unapplied_amount FROM ar.payment p JOIN ids ON p.payment_id = ids.p1), 10000::numeric,
          'a reversal gives the money back to the payment');
SELECT throws_ok($$UPDATE ar.allocation SET reversed_on = date '2026-10-04', reversal_reason = 'again'
                    WHERE invoice_id = (SELECT i1 FROM ids)$$,
                 '55000', NULL, 'reversing twice is refused');
SELECT throws_like($$UPDATE ar.allocation SET reversed_on = date '2026-10-04', reversal_reason = 'again'
                      WHERE invoice_id = (SELECT i1 FROM ids)$$,
                   '%is already reversed (on 2026-10-03)%', 'the message names the first reversal');
SELECT throws_ok($$DELETE FROM ar.allocation WHERE invoice_id = (SELECT i2 FROM ids)$$,
                 '55000', NULL, 'allocations cannot be deleted');
SELECT throws_ok($$UPDATE ar.allocation SET amount = 1 WHERE invoice_id = (SELECT i2 FROM ids)$$,
                 '55000', NULL, 'allocations cannot be edited');

INSERT INTO ar.allocation (invoice_id, kind, amount, reason) SELECT i3, 'write_off', 7000, 'uncollectible' FROM ids;
SELECT is((SELECT status FROM ar.invoice WHERE invoice_no = 'TI-3'), 'written_off',
          'an invoice closed by a write-off is written_off');

INSERT INTO ar.credit_note (customer_id, credit_note_no, amount, reason) SELECT c1, 'TCN-1', 1000, 'discount' FROM ids;
INSERT INTO ar.allocation (invoice_id, kind, credit_note_id, amount)
SELECT i2, 'credit_note', (SELECT credit_note_id FROM ar.credit_note WHERE credit_note_no = 'TCN-1'), 600 FROM ids;
SELECT is((SELECT unapplied_amount FROM ar.credit_note WHERE credit_note_no = 'TCN-1'), 400::numeric,
          'credit notes keep their unapplied rest');
SELECT is((SELECT open_amount FROM ar.invoice WHERE invoice_no = 'TI-2'), 2400::numeric,
          'a credit-note allocation reduces the invoice');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'invariants hold after reversal, write-off and credit note');

-- Over-allocation and mismatches ---------------------------------------------
SELECT throws_like($$INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount)
                     SELECT i2, 'payment', p1, 2401 FROM ids$$,
                   'allocations of 2401 exceed the open amount 2400 of invoice TI-2', 'over-allocating an invoice is refused');
SELECT throws_ok($$INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount)
                   SELECT i2, 'payment', p1, 2401 FROM ids$$, '23514', NULL, '... with SQLSTATE 23514');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c1, 'TI-4', date '2026-10-01', date '2026-10-31', 20000 FROM ids;
SELECT throws_like($$INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount)
                     SELECT (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'TI-4'), 'payment', p1, 10001 FROM ids$$,
                   'allocations of 10001 exceed the unapplied amount 10000 of payment %', 'over-spending a payment is refused');
SELECT throws_like($$INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount) SELECT u1, 'payment', p1, 50 FROM ids$$,
                   'payment % of customer % cannot settle invoice TU-1 of customer %',
                   'a payment cannot settle another customer''s invoice');
INSERT INTO ar.payment (customer_id, amount, currency, bank_ref, source) SELECT c2, 10, 'USD', 'R-USD', 'test' FROM ids;
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount, currency)
SELECT c2, 'TU-JPY', date '2026-10-01', date '2026-10-31', 500, 'JPY' FROM ids;
SELECT throws_like($$INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount)
                     SELECT (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'TU-JPY'), 'payment',
                            (SELECT payment_id FROM ar.payment WHERE bank_ref = 'R-USD'), 5$$,
                   'payment % is in USD but invoice TU-JPY is in JPY', 'currencies are never mixed');
SELECT throws_ok($$INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount)
                   SELECT u1, 'payment', (SELECT payment_id FROM ar.payment WHERE bank_ref = 'R-USD'), 0.005 FROM ids$$,
                 '22023', 'allocation amount 0.005 is not a whole number of USD minor units', 'allocations respect minor units');
SELECT throws_like($$INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount) SELECT i3, 'payment', p1, 1 FROM ids$$,
                   'invoice TI-3 is written_off and cannot take allocations', 'a closed invoice takes no allocations');
INSERT INTO ar.payment (amount, payer_name, bank_ref, source) VALUES (3000, 'ﾌﾒｲ', 'R-UNK', 'test');
SELECT throws_ok($$INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount)
                   SELECT i2, 'payment', (SELECT payment_id FROM ar.payment WHERE bank_ref = 'R-UNK'), 100 FROM ids$$,
                 '55000', NULL, 'an unidentified payment cannot be allocated');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'refused allocations changed nothing');

-- Frozen documents and maintained columns -------------------------------------
SELECT throws_ok($$UPDATE ar.invoice SET amount = 20000 WHERE invoice_no = 'TI-1'$$, '55000',
                 'invoice TI-1 has allocations: its amount cannot change', 'amount frozen once allocated (even reversed)');
SELECT throws_like($$UPDATE ar.invoice SET currency = 'USD', customer_id = (SELECT c2 FROM ids) WHERE invoice_no = 'TI-2'$$,
                   'invoice TI-2 has allocations: its customer_id, currency cannot change', 'customer and currency frozen');
SELECT lives_ok($$UPDATE ar.invoice SET amount = 25000 WHERE invoice_no = 'TI-4'$$,
                'an invoice without allocations may be corrected');
SELECT is((SELECT open_amount FROM ar.invoice WHERE invoice_no = 'TI-4'), 25000::numeric, '... and its open amount follows');
SELECT throws_ok($$UPDATE ar.invoice SET open_amount = 0 WHERE invoice_no = 'TI-2'$$, '55000',
                 'invoice.open_amount is maintained by pg_receivables and cannot be written', 'open_amount is read-only');
SELECT throws_ok($$UPDATE ar.payment SET unapplied_amount = 0 WHERE bank_ref = 'R-1'$$, '55000', NULL,
                 'unapplied_amount is read-only');
SELECT throws_ok($$UPDATE ar.invoice SET status = 'paid' WHERE invoice_no = 'TI-4'$$, '55000', NULL,
                 'status is maintained, except void');
SELECT throws_like($$UPDATE ar.invoice SET status = 'void' WHERE invoice_no = 'TI-2'$$,
                   'invoice TI-2 has active allocations and cannot be voided', 'an allocated invoice cannot be voided');
UPDATE ar.invoice SET status = 'void', void_reason = 'test' WHERE invoice_no = 'TI-4';
SELECT throws_ok($$UPDATE ar.invoice SET status = 'open' WHERE invoice_no = 'TI-4'$$, '55000', NULL,
                 'a void invoice stays void');

-- Bad input -------------------------------------------------------------------
SELECT throws_ok($$INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount, currency)
                   SELECT c1, 'BAD-1', current_date, 100, 'XYZ' FROM ids$$,
                 '23503', 'unknown currency "XYZ"', 'unknown currency');
SELECT throws_ok($$INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount) SELECT c1, 'BAD-2', current_date, 100.5 FROM ids$$,
                 '22023', 'amount 100.5 of invoice BAD-2 is not a whole number of JPY minor units',
                 'JPY 100.5 is not a whole number of minor units');
SELECT throws_ok($$INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount) SELECT c1, 'BAD-3', current_date, 0 FROM ids$$,
                 '23514', 'amount 0 of invoice BAD-3 must be greater than zero', 'zero amount');
SELECT throws_ok($$INSERT INTO ar.payment (customer_id, amount) SELECT c1, -5 FROM ids$$,
                 '23514', NULL, 'negative payment');
SELECT throws_ok($$INSERT INTO ar.customer (customer_code, name) VALUES ('T1', 'dup')$$,
                 '23505', 'customer code "T1" already exists', 'duplicate customer code');
SELECT throws_ok($$INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount) SELECT c1, 'TI-1', current_date, 1 FROM ids$$,
                 '23505', 'invoice number "TI-1" already exists', 'duplicate invoice number');
SELECT throws_ok($$INSERT INTO ar.customer (customer_code, name, time_zone) VALUES ('T9', 'x', 'Mars/Olympus')$$,
                 '22023', 'invalid time zone "Mars/Olympus" for customer "T9"', 'unknown time zone');
SELECT throws_ok($$INSERT INTO ar.customer (customer_code, name, time_zone) VALUES ('T9', 'x', 'JST-9')$$,
                 '22023', NULL, 'a POSIX rule is not an IANA time zone');
SELECT throws_ok($$INSERT INTO ar.customer (customer_code, name, locale) VALUES ('T9', 'x', 'fr')$$,
                 '22023', 'unsupported locale "fr" for customer "T9"', 'unsupported locale');
SELECT throws_ok($$INSERT INTO ar.payment (customer_id, amount, bank_ref, source) SELECT c1, 5, 'R-1', 'test' FROM ids$$,
                 '23505', 'bank reference "R-1" of source "test" is already recorded', 'a bank reference is recorded once');
SELECT throws_ok($$INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
                   SELECT c1, 'BAD-4', date '2026-10-10', date '2026-10-01', 1 FROM ids$$,
                 '22023', 'due date 2026-10-01 of invoice BAD-4 is before its issue date 2026-10-10', 'due before issue');
SELECT is((SELECT count(*)::int FROM ar.invoice WHERE invoice_no LIKE 'BAD-%'), 0, 'refused inserts left nothing behind');

-- Audit log ---------------------------------------------------------------------
SELECT ok((SELECT count(*) FROM ar.audit_log a JOIN ids ON a.table_name = 'invoice' AND a.row_id = ids.i1
            WHERE a.op = 'UPDATE' AND a.old ->> 'open_amount' = '10000' AND a.new ->> 'open_amount' = '0') = 1,
          'the audit log has the balance change of invoice TI-1 with old and new rows');
SELECT ok((SELECT count(*) FROM ar.audit_log WHERE table_name = 'allocation' AND op = 'UPDATE'
             AND new ->> 'reversal_reason' = 'test reversal') = 1, 'the audit log has the reversal');
-- An UPDATE statement is recorded row by row with exactly the columns it
-- changed (ar.tg_audit_update): a column set to NULL shows its old value
-- and null, a row left as it was is not recorded, and the actor is the role
-- acting for the session.
UPDATE ar.customer SET email = CASE customer_code WHEN 'T1' THEN 'keiri@test.example.jp' ELSE email END
 WHERE customer_code IN ('T1', 'T2');
CREATE TEMP TABLE audit_mark AS SELECT max(audit_id) AS id FROM ar.audit_log;
-- (updated_at is already now() from the statement above: within one
-- transaction only the columns named here can change.)
UPDATE ar.customer SET email = CASE customer_code WHEN 'T1' THEN NULL ELSE email END,
                       phone = CASE customer_code WHEN 'T1' THEN '03-0000-0000' ELSE phone END
 WHERE customer_code IN ('T1', 'T2');
UPDATE ar.customer SET name = name WHERE customer_code = 'T2';
SELECT is((SELECT count(*)::int FROM ar.audit_log l, audit_mark m WHERE l.audit_id > m.id AND l.table_name = 'customer'),
          1, 'multi-row UPDATEs record only the rows they changed');
SELECT is((SELECT l.new FROM ar.audit_log l, audit_mark m, ids
            WHERE l.audit_id > m.id AND l.table_name = 'customer' AND l.row_id = ids.c1),
          '{"email": null, "phone": "03-0000-0000"}'::jsonb,
          'the new values of exactly the changed columns, a NULL as JSON null');
SELECT is((SELECT l.old FROM ar.audit_log l, audit_mark m, ids
            WHERE l.audit_id > m.id AND l.table_name = 'customer' AND l.row_id = ids.c1),
          '{"email": "keiri@test.example.jp", "phone": null}'::jsonb,
          'the old values of exactly the changed columns');
SELECT is((SELECT l.actor FROM ar.audit_log l, audit_mark m WHERE l.audit_id > m.id AND l.table_name = 'customer'),
          ar.acting_role(), 'the actor is the role acting for the session');
SELECT is((SELECT count(*)::int FROM ar.audit_log l, audit_mark m
            WHERE l.audit_id > m.id AND l.op = 'UPDATE' AND (l.old IS NULL OR l.new IS NULL OR l.old = '{}' OR l.new = '{}')),
          0, 'no UPDATE row is recorded without both images');
SELECT throws_ok($$UPDATE ar.audit_log SET actor = 'nobody'$$, '55000', NULL, 'audit log: UPDATE refused');
SELECT throws_ok($$DELETE FROM ar.audit_log$$, '55000', NULL, 'audit log: DELETE refused');
SELECT throws_ok($$TRUNCATE ar.audit_log$$, '55000', NULL, 'audit log: TRUNCATE refused');

SELECT * FROM finish();
ROLLBACK;
