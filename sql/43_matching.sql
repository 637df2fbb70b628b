-- Matching end to end: a day's 振込入金通知 imported with ar.import_zengin,
-- the candidates of one transfer, ar.auto_apply, what it wrote, the review
-- list, a payment assigned by hand and the refusals a person can meet.
\set ECHO none
\i test/fixtures/zengin/generate.sql
\set ECHO all
\set SHOW_CONTEXT never
SET datestyle = ISO, YMD;
BEGIN;
-- Payments left waiting by earlier tests are put aside (rolled back at the end).
UPDATE ar.payment SET status = 'cancelled' WHERE status = 'received' AND matched_by IS NULL AND unapplied_amount = amount;
INSERT INTO ar.customer (customer_code, name, name_kana, fee_deduction_allowed, virtual_account) VALUES
  ('MT-MOMO', '株式会社桃山商事', 'ﾓﾓﾔﾏｼﾖｳｼﾞ', true, NULL),
  ('MT-WAKABA', '有限会社わかば製作所', 'ﾜｶﾊﾞｾｲｻｸｼﾖ', false, NULL),
  ('MT-KOBATO', '株式会社こばと', 'ｺﾊﾞﾄ', false, NULL),
  ('MT-MURASAKI', '株式会社むらさき屋', 'ﾑﾗｻｷﾔ', false, '9946001');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, v.no, v.issued, v.issued + 30, v.amount
  FROM (VALUES ('MT-MOMO', 'MT-0001', date '2026-08-31', 110000), ('MT-MOMO', 'MT-0002', date '2026-09-30', 88000),
               ('MT-WAKABA', 'MT-0003', date '2026-09-15', 64900),
               ('MT-KOBATO', 'MT-0004', date '2026-08-20', 32400), ('MT-KOBATO', 'MT-0005', date '2026-09-20', 21600),
               ('MT-KOBATO', 'MT-0006', date '2026-09-25', 33000),
               ('MT-MURASAKI', 'MT-0007', date '2026-09-10', 77000)) v(code, no, issued, amount)
  JOIN ar.customer c ON c.customer_code = v.code;

SELECT pg_temp.zg_file(
         pg_temp.zg_group(pg_temp.zg_header(1, date '2026-10-15', date '2026-10-15', date '2026-10-15', bank_code => '0009', branch_code => '220'),
           ARRAY[pg_temp.zg_data01(1, date '2026-10-15', 197560, 'ｶ)ﾓﾓﾔﾏｼﾖｳｼﾞ', edi => 'MT-0001 MT-0002'),
                 pg_temp.zg_data01(2, date '2026-10-15', 64240, 'ﾕ)ﾜｶﾊﾞｾｲｻｸｼﾖ'),
                 pg_temp.zg_data01(3, date '2026-10-15', 54000, 'ｶ)ｺﾊﾞﾄ'),
                 pg_temp.zg_data01(4, date '2026-10-15', 33000, 'ﾅｶﾑﾗ ｼﾞﾛｳ')])
         || pg_temp.zg_group(pg_temp.zg_header(1, date '2026-10-15', date '2026-10-15', date '2026-10-15',
                                               bank_code => '0009', branch_code => '220', account_no => '9946001'),
           ARRAY[pg_temp.zg_data01(1, date '2026-10-15', 77000, 'ﾑﾗｻｷﾔ(ｶ')])
         || pg_temp.zg_end()) AS bank_file \gset

-- Import: unidentified payments, but the one paid into a virtual account
CREATE TEMP TABLE imported AS SELECT * FROM ar.import_zengin(:'bank_file'::bytea);
SELECT i.bank_ref, i.amount, i.payer_name, i.outcome, p.source, c.customer_code AS identified_as
  FROM imported i
  JOIN ar.payment p USING (payment_id)
  LEFT JOIN ar.customer c ON c.customer_id = p.customer_id
 ORDER BY p.payment_id;

-- The candidates of the 64,240 from ﾕ)ﾜｶﾊﾞｾｲｻｸｼﾖ: one invoice less a 660 yen fee
SELECT m.rank, c.customer_code, ARRAY(SELECT i.invoice_no FROM ar.invoice i WHERE i.invoice_id = ANY (m.invoice_ids) ORDER BY i.due_date) AS invoices,
       m.matched_amount, m.fee_amount, m.score, m.reasons
  FROM ar.payment p CROSS JOIN LATERAL ar.match_payment(p.payment_id) m
  JOIN ar.customer c ON c.customer_id = m.customer_id
 WHERE p.amount = 64240;

-- Automatic application
SELECT p.bank_ref, p.payer_name, c.customer_code, a.allocations, a.outcome
  FROM ar.auto_apply() a JOIN ar.payment p USING (payment_id)
  LEFT JOIN ar.customer c ON c.customer_id = a.customer_id
 ORDER BY p.payment_id;

-- What it wrote
SELECT i.invoice_no, a.kind, a.amount, a.applied_on, a.reason
  FROM ar.allocation a JOIN ar.invoice i USING (invoice_id)
 WHERE i.invoice_no LIKE 'MT-%'
 ORDER BY i.invoice_no, a.allocation_id;
SELECT invoice_no, open_amount, status, metadata -> 'short_paid' ->> 'amount' AS short_paid,
       metadata -> 'short_paid' ->> 'reason' AS flag
  FROM ar.invoice WHERE invoice_no LIKE 'MT-%' ORDER BY invoice_no;
SELECT p.bank_ref, p.matched_by, p.match_score, p.metadata -> 'short_pay' ->> 'amount' AS short_pay,
       p.metadata -> 'short_pay' ->> 'invoice_no' AS left_open_on
  FROM ar.payment p WHERE p.source LIKE 'zengin:0009-220-%' ORDER BY p.payment_id;

-- The review list
SELECT p.bank_ref, v.payer_name, v.amount, v.best_customer_code, v.best_score, v.why_not_applied
  FROM ar.v_unmatched_payments v JOIN ar.payment p USING (payment_id)
 WHERE p.source LIKE 'zengin:0009-220-%';

-- A clerk assigns ﾅｶﾑﾗ ｼﾞﾛｳ to こばと; the name is learned
SELECT i.invoice_no, a.amount
  FROM ar.assign_payment((SELECT payment_id FROM ar.payment WHERE payer_name = 'ﾅｶﾑﾗ ｼﾞﾛｳ'),
                         (SELECT customer_id FROM ar.customer WHERE customer_code = 'MT-KOBATO')) a
  JOIN ar.invoice i USING (invoice_id);
SELECT a.payer_name, a.payer_name_norm, c.customer_code, a.auto_count, a.manual_count
  FROM ar.payer_alias a JOIN ar.customer c USING (customer_id)
 WHERE c.customer_code LIKE 'MT-%'
 ORDER BY c.customer_code, a.payer_name_norm COLLATE "C";

-- Refusals
DO $$
BEGIN
  PERFORM ar.assign_payment((SELECT payment_id FROM ar.payment WHERE payer_name = 'ﾅｶﾑﾗ ｼﾞﾛｳ'),
                            (SELECT customer_id FROM ar.customer WHERE customer_code = 'MT-MOMO'));
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  RAISE NOTICE '% (SQLSTATE %)', regexp_replace(SQLERRM, 'payment \d+', 'payment N'), SQLSTATE;
END
$$;
SELECT * FROM ar.verify_ledger();
ROLLBACK;
SELECT * FROM ar.assign_payment(-1, 1);
SELECT * FROM ar.auto_apply(2);
SELECT * FROM ar.match_payment(NULL);
