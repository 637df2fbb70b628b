-- Matching (入金消込): who paid, and for what?  The transfers imported by
-- demo/45_zengin.sql are matched to customers and invoices, and a second
-- file (today's) with the usual kinds of transfer is imported and matched:
-- an EDI reference, a deducted bank fee, a combined payment, a tax rounding
-- difference, a virtual account and a payer nobody knows.  ar.auto_apply
-- applies what it is sure of; the rest waits in ar.v_unmatched_payments.
-- (The Zengin file builders come from demo/45, in the same session.)

\echo
\echo '=== 6. Matching (入金消込): candidates, automatic application and review ==='

-- The invoices yesterday's and today's transfers pay.  さくら商事 may
-- deduct the transfer fee (agreed, and it is not a small supplier's
-- customer under 取適法); やまと製作所 may not.
UPDATE ar.customer SET fee_deduction_allowed = true WHERE customer_code = 'C-1001';
INSERT INTO ar.customer (customer_code, name, name_kana, email, locale, currency) VALUES
  ('C-4601', '株式会社あおば', 'ｱｵﾊﾞ', 'keiri@aoba.example.jp', 'ja', 'JPY'),
  ('C-4602', 'ひかり電機株式会社', 'ﾋｶﾘﾃﾞﾝｷ', 'ap@hikari.example.jp', 'ja', 'JPY');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, v.no, CURRENT_DATE - v.age, CURRENT_DATE - v.age + 30, v.amount
  FROM (VALUES ('C-1001', 'INV-4610', 35, 5500), ('C-4601', 'INV-4611', 10, 33000),
               ('Z-4501', 'INV-4604', 45, 77000),
               ('C-1001', 'INV-4601', 30, 110000), ('C-1001', 'INV-4602', 30, 88000),
               ('C-1002', 'INV-4603', 25, 64900),
               ('C-4601', 'INV-4605', 50, 32400), ('C-4601', 'INV-4606', 20, 21600),
               ('C-4602', 'INV-4607', 30, 10780), ('Z-4501', 'INV-4608', 15, 5500)) v(code, no, age, amount)
  JOIN ar.customer c ON c.customer_code = v.code;

\echo 'Candidates for yesterday''s transfer of 120,340 from ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ (ar.match_payment):'
SELECT m.rank, c.customer_code AS "customer",
       ARRAY(SELECT i.invoice_no FROM unnest(m.invoice_ids) WITH ORDINALITY u(id, o)
               JOIN ar.invoice i ON i.invoice_id = u.id ORDER BY u.o) AS "invoices",
       m.matched_amount AS "invoices total", m.fee_amount AS "deducted", m.score, m.reasons
  FROM ar.payment p
 CROSS JOIN LATERAL ar.match_payment(p.payment_id) m
  JOIN ar.customer c ON c.customer_id = m.customer_id
 WHERE p.source LIKE 'zengin:%' AND p.received_on = CURRENT_DATE - 1 AND p.amount = 120340
 ORDER BY m.rank;

\echo 'Candidates for the 480,000 naming INV-0002 in its EDI information (INV-0002 is partly paid):'
SELECT m.rank, c.customer_code AS "customer",
       ARRAY(SELECT i.invoice_no FROM unnest(m.invoice_ids) WITH ORDINALITY u(id, o)
               JOIN ar.invoice i ON i.invoice_id = u.id ORDER BY u.o) AS "invoices",
       m.matched_amount AS "to apply", m.score, m.reasons
  FROM ar.payment p
 CROSS JOIN LATERAL ar.match_payment(p.payment_id) m
  JOIN ar.customer c ON c.customer_id = m.customer_id
 WHERE p.source LIKE 'zengin:%' AND p.received_on = CURRENT_DATE - 1 AND p.amount = 480000
 ORDER BY m.rank;

-- Today's file.
SELECT pg_temp.zg_file(
         pg_temp.zg_group(pg_temp.zg_header(1, CURRENT_DATE, CURRENT_DATE, CURRENT_DATE),
           ARRAY[pg_temp.zg_data01(601, CURRENT_DATE, 197560, 'ｶ)ｻｸﾗｼﾖｳｼﾞ', edi => 'INV-4601 INV-4602'),
                 pg_temp.zg_data01(602, CURRENT_DATE, 64240, 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ'),
                 pg_temp.zg_data01(603, CURRENT_DATE, 54000, 'ｶ)ｱｵﾊﾞ'),
                 pg_temp.zg_data01(604, CURRENT_DATE, 10777, 'ﾋｶﾘﾃﾞﾝｷ(ｶ'),
                 pg_temp.zg_data01(605, CURRENT_DATE, 12345, 'ﾔﾏﾀﾞ ﾊﾅｺ')])
         || pg_temp.zg_group(pg_temp.zg_header(1, CURRENT_DATE, CURRENT_DATE, CURRENT_DATE, account_no => '9945001'),
           ARRAY[pg_temp.zg_data01(2, CURRENT_DATE, 5500, 'ﾐﾄﾞﾘﾔ(ｶ')])
         || pg_temp.zg_end()) AS today_file \gset
\echo 'Today''s file imported:'
SELECT payment_id, amount, payer_name, outcome FROM ar.import_zengin(:'today_file'::bytea) ORDER BY payment_id;

\echo 'ar.auto_apply: every waiting payment, applied where the best candidate scores at least'
\echo 'match_auto_threshold (0.90) and no other reading of the payment (another customer, or invoices of other amounts) comes within 0.05 of it:'
SELECT a.payment_id, p.payer_name AS "payer", p.amount, c.customer_code AS "customer", a.allocations, a.outcome
  FROM ar.auto_apply() a
  JOIN ar.payment p USING (payment_id)
  LEFT JOIN ar.customer c ON c.customer_id = a.customer_id
 WHERE p.source LIKE 'zengin:%'
 ORDER BY a.payment_id;

\echo 'What was written: payments, fees (fee allocations only where the customer may deduct them),'
\echo 'rounding write-offs, and the short pay left open and flagged where it may not:'
SELECT p.payer_name AS "payer", i.invoice_no AS "invoice", a.kind, a.amount, i.open_amount AS "still open",
       i.metadata -> 'short_paid' ->> 'reason' AS "flag"
  FROM ar.allocation a
  JOIN ar.invoice i USING (invoice_id)
  JOIN ar.payment p ON p.payment_id = a.payment_id OR (a.payment_id IS NULL AND a.kind = 'write_off'
                                                       AND a.reason LIKE '%payment ' || p.payment_id)
 WHERE p.source LIKE 'zengin:%' AND p.matched_by = 'auto'
 ORDER BY p.payment_id, a.allocation_id;

\echo 'Auto-match rate (自動消込率) of the imported bank files: matched automatically / all imported'
SELECT p.received_on AS "file of", count(*) AS "transfers",
       count(*) FILTER (WHERE p.matched_by = 'auto') AS "matched automatically",
       round(100.0 * count(*) FILTER (WHERE p.matched_by = 'auto') / count(*), 1) AS "auto-match %"
  FROM ar.payment p
 WHERE p.source LIKE 'zengin:%' AND p.status = 'received'
 GROUP BY ROLLUP (p.received_on)
 ORDER BY p.received_on NULLS LAST;

\echo 'The review list (ar.v_unmatched_payments):'
SELECT payment_id, received_on, payer_name, amount, unapplied_amount AS "unapplied", best_customer_code AS "best",
       best_score AS "score", why_not_applied
  FROM ar.v_unmatched_payments
 WHERE payment_id IN (SELECT payment_id FROM ar.payment WHERE source LIKE 'zengin:%')
 ORDER BY received_on, payment_id;

\echo 'A clerk knows ﾀﾅｶ ﾀﾛｳ: he is the owner of あおば and paid its invoice himself (ar.assign_payment):'
SELECT i.invoice_no AS "invoice", a.amount
  FROM ar.assign_payment((SELECT payment_id FROM ar.payment WHERE payer_name = 'ﾀﾅｶ ﾀﾛｳ' AND source LIKE 'zengin:%'),
                         (SELECT customer_id FROM ar.customer WHERE customer_code = 'C-4601')) a
  JOIN ar.invoice i USING (invoice_id);

\echo 'What matching has learned (ar.payer_alias): the next payment from these names is matched at once.'
SELECT a.payer_name AS "payer as the bank spells it", a.payer_name_norm AS "normalized", c.customer_code AS "customer",
       a.auto_count AS "auto", a.manual_count AS "by hand"
  FROM ar.payer_alias a JOIN ar.customer c USING (customer_id)
 ORDER BY c.customer_code, a.payer_name_norm;

\echo 'Ledger invariants (no rows = the books hold):'
SELECT * FROM ar.verify_ledger();
