-- Zengin bank files: what ar.parse_zengin reads from a 振込入金通知 and an
-- 入出金取引明細 file, what ar.import_zengin makes of them, and what a
-- malformed file is told.  The files are generated from the record layouts
-- by test/fixtures/zengin/generate.sql.
\set ECHO none
\i test/fixtures/zengin/generate.sql
\set ECHO all
\set SHOW_CONTEXT never
SET datestyle = ISO, YMD;

-- 振込入金通知 (01): three transfers
SELECT record_no, account_date, value_date, amount, bank_ref, payer_code, payer_name, bank_name, branch_name, edi_info
  FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'));
SELECT DISTINCT kind, account_bank_code AS bank, account_bank_name AS bank_name, account_branch_code AS branch,
       account_branch_name AS branch_name, account_type, account_no, account_name, created_on
  FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'));

-- 入出金取引明細 (03): deposits and withdrawals
SELECT record_no, account_date, value_date, direction, transaction_code AS code, amount, payer_name, description, edi_info
  FROM ar.parse_zengin(pg_temp.zg_fixture('03_crlf'));

-- Across the change of era: 310430 is 平成31年4月30日, 010501 令和元年5月1日
SELECT record_no, convert_from(substring(pg_temp.zg_fixture('01_era') FROM (record_no - 1) * 202 + 8 FOR 6), 'SJIS') AS "勘定日 in the file",
       account_date, value_date, created_on
  FROM ar.parse_zengin(pg_temp.zg_fixture('01_era'));

-- Malformed files are refused whole, naming record, field and value
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('bad_length'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('bad_date'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('bad_amount'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('bad_char'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('bad_kind'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('no_trailer'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('trailer_count'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('trailer_total'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('data_before_header'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('junk_after_end'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('no_end'));
SELECT * FROM ar.parse_zengin_as_of(pg_temp.zg_fixture('future'), 'SJIS', date '2026-11-23');
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('ebcdic'));
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'), 'EBCDIC');
SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'), 'UTF8');

-- Import: the transfers become unidentified payments; again, nothing new
INSERT INTO ar.customer (customer_code, name, name_kana, virtual_account)
  VALUES ('R-ZC1', '株式会社さくら商事', 'ｻｸﾗｼﾖｳｼﾞ', '9000001');
SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL AS has_payment
  FROM ar.import_zengin(pg_temp.zg_fixture('01_crlf'));
SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL AS has_payment
  FROM ar.import_zengin(pg_temp.zg_fixture('01_lf'));
SELECT received_on, amount, method, status, customer_id IS NULL AS unidentified, payer_name, edi_info, bank_ref, source
  FROM ar.payment WHERE source LIKE 'zengin:%' ORDER BY payment_id;

-- A virtual account (the account of a group header) identifies the customer
INSERT INTO ar.customer (customer_code, name, name_kana, virtual_account)
  VALUES ('R-ZC2', '鈴木一郎', 'ｽｽﾞｷ ｲﾁﾛｳ', '110-9000002');
SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL AS has_payment
  FROM ar.import_zengin(pg_temp.zg_fixture('01_multi'));
SELECT c.customer_code, p.payer_name, p.amount, p.source
  FROM ar.payment p LEFT JOIN ar.customer c USING (customer_id)
 WHERE p.source LIKE 'zengin:0001-110-900000_' ORDER BY p.payment_id;

-- 03: only transfers in become payments
SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL AS has_payment
  FROM ar.import_zengin(pg_temp.zg_fixture('03_crlf'));

-- A cancellation reverses what the payment settled, then cancels it
INSERT INTO ar.customer (customer_code, name, name_kana) VALUES ('R-ZC3', '有限会社やまと製作所', 'ﾔﾏﾄｾｲｻｸｼﾖ');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
  SELECT customer_id, 'R-ZI-1', date '2026-10-31', date '2026-11-30', 120340 FROM ar.customer WHERE customer_code = 'R-ZC3';
UPDATE ar.payment SET customer_id = (SELECT customer_id FROM ar.customer WHERE customer_code = 'R-ZC3')
 WHERE bank_ref = '20261120-000102' AND source LIKE 'zengin:%';
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
  SELECT i.invoice_id, 'payment', p.payment_id, 120340, date '2026-11-21'
    FROM ar.invoice i, ar.payment p
   WHERE i.invoice_no = 'R-ZI-1' AND p.bank_ref = '20261120-000102' AND p.source LIKE 'zengin:%';
SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL AS has_payment
  FROM ar.import_zengin(pg_temp.zg_fixture('01_cancel'));
SELECT amount, unapplied_amount, status FROM ar.payment WHERE bank_ref = '20261120-000102' AND source LIKE 'zengin:%';
SELECT a.amount, a.applied_on, a.reversed_on, a.reversal_reason
  FROM ar.allocation a JOIN ar.invoice i USING (invoice_id) WHERE i.invoice_no = 'R-ZI-1';
SELECT invoice_no, amount, open_amount, status FROM ar.invoice WHERE invoice_no = 'R-ZI-1';
SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL AS has_payment
  FROM ar.import_zengin(pg_temp.zg_fixture('01_cancel'));

-- A malformed file imports nothing
SELECT count(*) AS payments_before FROM ar.payment WHERE source LIKE 'zengin:%';
SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL AS has_payment
  FROM ar.import_zengin(pg_temp.zg_fixture('trailer_total'));
SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL AS has_payment
  FROM ar.import_zengin(pg_temp.zg_fixture('01_multi'), source => 'mizuho');
SELECT count(*) AS payments_after FROM ar.payment WHERE source LIKE 'zengin:%';
SELECT * FROM ar.verify_ledger();
