-- Zengin bank files: every field of the generated 01 and 03 files, the era
-- change, line ends, every malformed variant (SQLSTATE and message naming
-- record and field), and the import: idempotence, virtual accounts,
-- cancellations reversing an applied payment, all or nothing.
BEGIN;
SELECT plan(88);
\ir ../fixtures/zengin/generate.sql

-- The functions ---------------------------------------------------------------------
SELECT has_function('ar', 'parse_zengin', ARRAY['bytea', 'text'], 'ar.parse_zengin(bytea, text) exists');
SELECT has_function('ar', 'parse_zengin_as_of', ARRAY['bytea', 'text', 'date'], 'ar.parse_zengin_as_of exists');
SELECT has_function('ar', 'import_zengin', ARRAY['bytea', 'text', 'text'], 'ar.import_zengin(bytea, text, text) exists');
SELECT is((SELECT array_agg(p.oid::regprocedure::text || ' ' || provolatile::text ORDER BY p.proname) FROM pg_proc p
            WHERE p.oid IN ('ar.parse_zengin(bytea,text)'::regprocedure, 'ar.parse_zengin_as_of(bytea,text,date)'::regprocedure,
                            'ar.import_zengin(bytea,text,text)'::regprocedure)),
          ARRAY['ar.import_zengin(bytea,text,text) v', 'ar.parse_zengin(bytea,text) s',
                'ar.parse_zengin_as_of(bytea,text,date) i'],
          'parse_zengin is STABLE (it reads the date), parse_zengin_as_of IMMUTABLE, import_zengin VOLATILE');

-- 振込入金通知, field by field ---------------------------------------------------------
SELECT results_eq(
  $$SELECT record_no, group_no, kind, account_date, value_date, amount, direction, transaction_code, cancelled,
           bank_ref, inquiry_no, payer_code, payer_name, bank_name, branch_name, edi_info, description
      FROM ar.parse_zengin_as_of(pg_temp.zg_fixture('01_crlf'), 'SJIS', date '2026-11-23')$$,
  $$VALUES (2, 1, '01', date '2026-11-20', date '2026-11-20', 330000::numeric, 'deposit', NULL::text, false,
            '20261120-000101', '000101', NULL::text, 'ｶ)ｻｸﾗｼﾖｳｼﾞ', 'ﾐﾂｲｽﾐﾄﾓ', 'ﾄｳｷﾖｳ', 'INV-0001', NULL::text),
           (3, 1, '01', date '2026-11-20', date '2026-11-19', 120340::numeric, 'deposit', NULL, false,
            '20261120-000102', '000102', '0000004711', 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ', 'ﾕｳﾁﾖ', 'ｾﾞﾛｲﾁﾊﾁ', NULL, NULL),
           (4, 1, '01', date '2026-11-20', date '2026-11-20', 55000::numeric, 'deposit', NULL, false,
            '20261120-000103', '000103', NULL, 'ﾔﾏﾀﾞ ﾀﾛｳ', 'ﾐﾂｲｽﾐﾄﾓ', 'ﾄｳｷﾖｳ', NULL, NULL)$$,
  '振込入金通知: every data field of every record');
SELECT results_eq(
  $$SELECT DISTINCT account_bank_code, account_bank_name, account_branch_code, account_branch_name, account_type,
                    account_no, account_name, created_on
      FROM ar.parse_zengin_as_of(pg_temp.zg_fixture('01_crlf'), 'SJIS', date '2026-11-23')$$,
  $$VALUES ('0001', 'ﾐｽﾞﾎ', '110', 'ﾎﾝﾃﾝ', '1', '1234567', 'ｶ)ﾃﾞﾓｼﾖｳｶｲ', date '2026-11-20')$$,
  '振込入金通知: the header fields on every record');
SELECT results_eq($$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_lf'))$$,
                  $$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'))$$,
                  'LF line ends read the same as CRLF');
SELECT results_eq($$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_fixed'))$$,
                  $$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'))$$,
                  'records without line ends read the same as with CRLF');
SELECT is((SELECT count(*)::int FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf') || '\x0d0a1a'::bytea)), 3,
          'an empty line and an MS-DOS end-of-file mark after the end record are accepted');
SELECT is((SELECT count(*)::int FROM ar.parse_zengin(pg_temp.zg_fixture('01_fixed') || '\x0d0a'::bytea)), 3,
          'records without line ends, but a line end after the last one');
SELECT results_eq($$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'), ' sjis ')$$,
                  $$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'), 'JIS')$$,
                  'the encoding names SJIS and JIS read alike, in any case and with spaces');
SELECT is((SELECT count(*)::int FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'), 'CP932')), 3, 'CP932 is read as SJIS');
SELECT is((SELECT count(*)::int FROM ar.parse_zengin(NULL)), 0, 'NULL data gives no rows');

-- 入出金取引明細, field by field --------------------------------------------------------
SELECT results_eq(
  $$SELECT record_no, kind, account_date, value_date, amount, direction, transaction_code, cancelled, bank_ref,
           inquiry_no, payer_name, bank_name, branch_name, edi_info, description
      FROM ar.parse_zengin_as_of(pg_temp.zg_fixture('03_crlf'), 'SJIS', date '2026-11-23')$$,
  $$VALUES (2, '03', date '2026-11-20', date '2026-11-20', 330000::numeric, 'deposit', '11', false, '20261120-10000001',
            '10000001', 'ｶ)ｻｸﾗｼﾖｳｼﾞ', 'ﾐﾂｲｽﾐﾄﾓ', 'ﾄｳｷﾖｳ', 'INV-0002', 'ﾌﾘｺﾐ'),
           (3, '03', date '2026-11-20', date '2026-11-20', 50000, 'withdrawal', '14', false, '20261120-10000002',
            '10000002', '00012345', NULL, NULL, NULL, 'ｺｳｻﾞﾌﾘｶｴ'),
           (4, '03', date '2026-11-20', date '2026-11-20', 20000, 'deposit', '10', false, '20261120-10000003',
            '10000003', NULL, NULL, NULL, NULL, 'ｹﾞﾝｷﾝ'),
           (5, '03', date '2026-11-21', date '2026-11-20', 121000, 'deposit', '11', false, '20261121-10000004',
            '10000004', 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ', NULL, NULL, NULL, 'ﾌﾘｺﾐ'),
           (6, '03', date '2026-11-21', date '2026-11-21', 12, 'deposit', '18', false, '20261121-10000005',
            '10000005', NULL, NULL, NULL, NULL, 'ﾘｿｸ'),
           (7, '03', date '2026-11-21', date '2026-11-21', 121000, 'withdrawal', '19', false, '20261121-10000006',
            '10000006', 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ', NULL, NULL, NULL, 'ﾃｲｾｲ')$$,
  '入出金取引明細: every data field of every record, deposits and withdrawals');
SELECT results_eq(
  $$SELECT DISTINCT account_bank_code, account_branch_code, account_type, account_no, account_name, created_on
      FROM ar.parse_zengin(pg_temp.zg_fixture('03_crlf'))$$,
  $$VALUES ('0001', '110', '1', '0001234567', 'ｶ)ﾃﾞﾓｼﾖｳｶｲ', date '2026-11-21')$$,
  '入出金取引明細: the header fields, with the 10-digit account number');
SELECT results_eq($$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('03_fixed'))$$,
                  $$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('03_crlf'))$$,
                  '入出金取引明細 without line ends reads the same');

-- Several accounts in one file; transfers without 照会番号 ------------------------------------
SELECT results_eq($$SELECT record_no, group_no, account_no, bank_ref FROM ar.parse_zengin(pg_temp.zg_fixture('01_multi'))$$,
                  $$VALUES (2, 1, '9000001', '20261120-000001'), (5, 2, '9000002', '20261120-000001'),
                           (6, 2, '9000002', '20261120-000002')$$,
                  'one group per account, each record with the account of its group');
SELECT results_eq($$SELECT bank_ref ~ '^20261120-H[0-9a-f]{12}-[12]$', inquiry_no IS NULL
                      FROM ar.parse_zengin(pg_temp.zg_fixture('01_no_inquiry')) ORDER BY record_no$$,
                  $$VALUES (true, true), (true, true), (true, true)$$,
                  'without 照会番号 the reference is the date, a digest of the record and its occurrence');
SELECT is((SELECT count(DISTINCT bank_ref)::int FROM ar.parse_zengin(pg_temp.zg_fixture('01_no_inquiry'))), 3,
          'two identical transfers get distinct references');
SELECT is((SELECT array_agg(bank_ref ORDER BY record_no) FROM ar.parse_zengin(pg_temp.zg_fixture('01_no_inquiry'))),
          (SELECT array_agg(bank_ref ORDER BY record_no) FROM ar.parse_zengin(pg_temp.zg_fixture('01_no_inquiry'))),
          '... and the same ones every time the file is read');

-- Era years ----------------------------------------------------------------------------------
SELECT results_eq(
  $$SELECT record_no, account_date, value_date, created_on FROM ar.parse_zengin(pg_temp.zg_fixture('01_era'))$$,
  $$VALUES (2, date '2019-04-26', date '2019-04-25', date '2019-05-07'),
           (3, date '2019-04-30', date '2019-04-30', date '2019-05-07'),
           (4, date '2019-05-01', date '2019-04-30', date '2019-05-07'),
           (5, date '2019-05-07', date '2019-05-07', date '2019-05-07')$$,
  'across 2019-05-01: 平成31年4月 and 令和元年5月 in one file, each in its era');
SELECT is((SELECT array_agg(convert_from(substring(pg_temp.zg_fixture('01_era') FROM o FOR 6), 'SJIS') ORDER BY o)
             FROM unnest(ARRAY[5, 202 + 8, 2 * 202 + 8, 3 * 202 + 8, 3 * 202 + 14]) AS o),
          ARRAY['010507', '310426', '310430', '010501', '310430'],
          'the file carries two-digit era years: 01 for 令和元年, 31 for 平成31年');
SELECT results_eq($$SELECT account_date, created_on FROM ar.parse_zengin_as_of(pg_temp.zg_fixture('01_heisei'), 'SJIS', date '2026-11-23')$$,
                  $$VALUES (date '2018-12-28', date '2018-12-28')$$,
                  'creation date 301228 read in 2026 is 平成30年 (令和30年 is still to come)');
SELECT results_eq($$SELECT account_date, created_on FROM ar.parse_zengin_as_of(pg_temp.zg_fixture('01_heisei'), 'SJIS', date '2048-12-28')$$,
                  $$VALUES (date '2048-12-28', date '2048-12-28')$$,
                  '... and read in 2048 it is 令和30年: the most recent era that is not in the future');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin_as_of(pg_temp.zg_fixture('future'), 'SJIS', date '2026-11-23')$$, '22P02',
                 'record 1 (header): field 作成日 (bytes 5-10) is more than a day after 2026-11-23, the day the file is read, in every era it could belong to: "701120"',
                 'a creation date that is in the future in every era is refused');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_patch(pg_temp.zg_fixture('01_era'), 3, 8, '310501'))$$, '22P02',
                 'record 3 (data): field 勘定日 (bytes 8-13) is more than a year away from the file''s creation date 2019-05-07 in every era it could belong to: "310501"',
                 '平成31年5月1日 never was, and 令和31年 is too far from the file''s creation date');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_patch(pg_temp.zg_fixture('01_crlf'), 2, 8, '000431'))$$, '22P02',
                 'record 2 (data): field 勘定日 (bytes 8-13) is not a valid date in any era (和暦 YYMMDD: 昭和, 平成, 令和): "000431"',
                 'era year 00 and April 31st are no dates');

-- Malformed files: refused whole, record and field named ---------------------------------------
SELECT throws_ok(format($$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture(%L))$$, f), '22P02', msg, f || ': ' || msg)
  FROM (VALUES
    ('bad_length', 'record 3 (data) is 199 bytes long, expected 200'),
    ('bad_date', 'record 2 (data): field 勘定日 (bytes 8-13) is not a valid date in any era (和暦 YYMMDD: 昭和, 平成, 令和): "081320"'),
    ('bad_amount', 'record 3 (data): field 金額 (bytes 20-29) is not numeric: "00000012a4"'),
    ('bad_char', 'record 4 (data): field 振込依頼人名 (bytes 50-97) has byte 0x93 at byte 52, which is no JIS X 0201 character: "ﾔﾏ\x93c ﾀﾛｳ"'),
    ('bad_kind', 'record 1 (header): field 種別コード (bytes 2-3) is not 01 (振込入金通知) or 03 (入出金取引明細), the kinds this reader reads: "21"'),
    ('bad_cancel', 'record 2 (data): field 取消区分 (byte 128) is not 1 (取消) or blank: "7"'),
    ('no_trailer', 'record 5 (end): the group that record 1 opened has no trailer'),
    ('trailer_count', 'record 5 (trailer): field 件数 (bytes 2-7) says 4 but the data records of its group number 3'),
    ('trailer_total', 'record 5 (trailer): field 合計額 (bytes 8-19) says 504340 but the data records of its group add up to 505340'),
    ('data_before_header', 'record 1 (data): a data record before any header'),
    ('junk_after_end', 'record 7: data after the end record (record 6)'),
    ('no_end', 'the file ends after record 5 without an end record (データ区分 9)'),
    ('header_in_group', 'record 3 (header): a header inside the group that record 1 opened, before its trailer'),
    ('ebcdic', 'record 1: データ区分 (byte 1) is byte 0xf1, "1" in EBCDIC: the file looks EBCDIC-coded'),
    ('empty', 'the file is empty')) AS t(f, msg);
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(substring(pg_temp.zg_fixture('01_fixed') FROM 1 FOR 999))$$, '22P02',
                 'record 5 (trailer) is 199 bytes long, expected 200', 'a truncated file without line ends');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_file(pg_temp.zg_group(
                     pg_temp.zg_header(1, date '2026-11-20', date '2026-11-20', date '2026-11-20'),
                     ARRAY[pg_temp.zg_data01(1, date '2026-11-20', 1000, 'ｱ')]) || pg_temp.zg_end(), E'\n')
                   || pg_temp.zg_file(ARRAY[pg_temp.zg_end()], E'\n'))$$, '22P02',
                 'record 5: data after the end record (record 4)', 'a second end record is junk after the end');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_patch(pg_temp.zg_fixture('03_crlf'), 2, 22, '3'))$$, '22P02',
                 'record 2 (data): field 入払区分 (byte 22) is not 1 (入金) or 2 (出金): "3"', '03: 入払区分 must be 1 or 2');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_patch(pg_temp.zg_fixture('03_crlf'), 8, 2, '000002'))$$, '22P02',
                 'record 8 (trailer): field 入金件数 (bytes 2-7) says 2 but the deposits of its group number 4',
                 '03: the trailer''s deposit count is checked');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_patch(pg_temp.zg_fixture('03_crlf'), 8, 27, '0000000171001'))$$, '22P02',
                 'record 8 (trailer): field 出金額合計 (bytes 27-39) says 171001 but the withdrawals of its group add up to 171000',
                 '03: the trailer''s withdrawal total is checked');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_patch(pg_temp.zg_fixture('01_crlf'), 1, 4, '1'))$$, '22P02',
                 'record 1 (header): field コード区分 (byte 4) declares EBCDIC (1): "1"', 'a header declaring EBCDIC');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'), 'EBCDIC')$$, '22023',
                 'encoding "EBCDIC" is not supported for Zengin files', 'encoding EBCDIC: 22023');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(pg_temp.zg_fixture('01_crlf'), 'UTF8')$$, '22023',
                 'unknown encoding "UTF8" for a Zengin file', 'an unknown encoding: 22023');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(convert_to(convert_from(pg_temp.zg_fixture('01_crlf'), 'SJIS'), 'UTF8'))$$, '22P02',
                 NULL, 'a file converted to UTF-8 is refused');
SELECT throws_ok($$SELECT * FROM ar.parse_zengin(convert_to(convert_from(pg_temp.zg_fixture('01_crlf'), 'SJIS'), 'UTF8'))$$,
                 'record 1 (header) is 234 bytes long, expected 200', '... as its records are no longer 200 bytes');

-- Import ---------------------------------------------------------------------------------------
INSERT INTO ar.customer (customer_code, name, name_kana, virtual_account) VALUES
  ('ZC-1', '株式会社さくら商事', 'ｻｸﾗｼﾖｳｼﾞ', '9000001'),
  ('ZC-2', '鈴木一郎', 'ｽｽﾞｷ ｲﾁﾛｳ', '110-9000002'),
  ('ZC-3', '有限会社やまと製作所', 'ﾔﾏﾄｾｲｻｸｼﾖ', NULL),
  ('ZC-4', '甲商店', NULL, '9000003'),
  ('ZC-5', '乙商店', NULL, '0009000003');
CREATE TEMP TABLE zi AS SELECT * FROM ar.import_zengin(pg_temp.zg_fixture('01_crlf'));
SELECT results_eq($$SELECT bank_ref, amount, payer_name, outcome, payment_id IS NOT NULL FROM zi$$,
                  $$VALUES ('20261120-000101', 330000::numeric, 'ｶ)ｻｸﾗｼﾖｳｼﾞ', 'inserted', true),
                           ('20261120-000102', 120340, 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ', 'inserted', true),
                           ('20261120-000103', 55000, 'ﾔﾏﾀﾞ ﾀﾛｳ', 'inserted', true)$$,
                  'import: one row per transfer, each inserted');
SELECT results_eq(
  $$SELECT p.customer_id, p.received_on, p.currency::text, p.amount, p.unapplied_amount, p.method, p.status,
           p.payer_name, p.edi_info, p.bank_ref, p.source, p.metadata -> 'zengin' ->> 'value_date',
           p.metadata -> 'zengin' ->> 'payer_code'
      FROM ar.payment p JOIN zi USING (payment_id) ORDER BY p.bank_ref$$,
  $$VALUES (NULL::bigint, date '2026-11-20', 'JPY', 330000::numeric, 330000::numeric, 'bank_transfer', 'received',
            'ｶ)ｻｸﾗｼﾖｳｼﾞ', 'INV-0001', '20261120-000101', 'zengin:0001-110-1234567', '2026-11-20', NULL::text),
           (NULL, date '2026-11-20', 'JPY', 120340, 120340, 'bank_transfer', 'received',
            'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ', NULL, '20261120-000102', 'zengin:0001-110-1234567', '2026-11-19', '0000004711'),
           (NULL, date '2026-11-20', 'JPY', 55000, 55000, 'bank_transfer', 'received',
            'ﾔﾏﾀﾞ ﾀﾛｳ', NULL, '20261120-000103', 'zengin:0001-110-1234567', '2026-11-20', NULL)$$,
  'the payments: unidentified, bank_transfer, received on the 勘定日, JPY, payer and EDI as in the file, source from the header');
SELECT is((SELECT count(*)::int FROM ar.audit_log a JOIN zi ON a.table_name = 'payment' AND a.row_id = zi.payment_id
            WHERE a.op = 'INSERT'), 3, 'every imported payment is in the audit log');

CREATE TEMP TABLE zi2 AS SELECT * FROM ar.import_zengin(pg_temp.zg_fixture('01_lf'));
SELECT results_eq($$SELECT payment_id, bank_ref, outcome FROM zi2$$,
                  $$SELECT payment_id, bank_ref, 'duplicate' FROM zi$$,
                  're-importing the file (here with LF line ends) inserts nothing and reports the payments as duplicates');
SELECT is((SELECT count(*)::int FROM ar.payment), 3, '... the payment count is unchanged');
SELECT results_eq($$SELECT outcome, count(*)::int FROM ar.import_zengin(pg_temp.zg_fixture('01_crlf'), source => 'mizuho-main')
                     GROUP BY outcome$$,
                  $$VALUES ('inserted', 3)$$, 'a given source names the account instead of the header');
SELECT is((SELECT count(*)::int FROM ar.payment WHERE source = 'mizuho-main'), 3, '... and is stored with the payments');
SELECT throws_ok($$SELECT * FROM ar.import_zengin(pg_temp.zg_fixture('01_multi'), source => 'mizuho-main')$$, '22023',
                 'the file holds 2 accounts, but one source "mizuho-main" was given for all of them',
                 'one source for a file of several accounts is refused');

-- virtual accounts (the results are kept first: a statement does not see
-- the rows a function it calls has written)
CREATE TEMP TABLE zv AS SELECT * FROM ar.import_zengin(pg_temp.zg_fixture('01_multi'));
SELECT results_eq(
  $$SELECT zv.outcome, c.customer_code FROM zv JOIN ar.payment p USING (payment_id)
      LEFT JOIN ar.customer c ON c.customer_id = p.customer_id ORDER BY p.payment_id$$,
  $$VALUES ('inserted', 'ZC-1'), ('inserted', 'ZC-2'), ('inserted', 'ZC-2')$$,
  'the account of a group that is a customer''s virtual account (9000001 or 110-9000002) identifies the payment');
CREATE TEMP TABLE zv2 AS SELECT * FROM ar.import_zengin(pg_temp.zg_file(pg_temp.zg_group(
  pg_temp.zg_header(1, date '2026-11-20', date '2026-11-20', date '2026-11-20', account_no => '9000003'),
  ARRAY[pg_temp.zg_data01(7, date '2026-11-20', 9000, 'ｺｳｼﾖｳﾃﾝ')]) || pg_temp.zg_end()));
SELECT is((SELECT (zv2.outcome, p.customer_id)::text FROM zv2 JOIN ar.payment p USING (payment_id)), '(inserted,)',
          'an account that two customers'' virtual accounts name (9000003, 0009000003) identifies no one');

-- 入出金取引明細: deposits in, withdrawals and the rest reported
SELECT results_eq($$SELECT bank_ref, outcome, payment_id IS NOT NULL FROM ar.import_zengin(pg_temp.zg_fixture('03_crlf'))$$,
                  $$VALUES ('20261120-10000001', 'inserted', true), ('20261120-10000002', 'withdrawal', false),
                           ('20261120-10000003', 'not_transfer', false), ('20261121-10000004', 'inserted', true),
                           ('20261121-10000005', 'not_transfer', false), ('20261121-10000006', 'correction', false)$$,
                  '03: transfers in become payments; withdrawals, cash, interest and corrections are reported and skipped');
SELECT is((SELECT count(*)::int FROM ar.payment WHERE source = 'zengin:0001-110-0001234567'), 2,
          '... only the two transfers are payments');

-- A cancellation reverses an applied payment ----------------------------------------------------
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'ZI-1', date '2026-10-31', date '2026-11-30', 100000 FROM ar.customer WHERE customer_code = 'ZC-3'
UNION ALL
SELECT customer_id, 'ZI-2', date '2026-10-31', date '2026-11-30', 20340 FROM ar.customer WHERE customer_code = 'ZC-3';
UPDATE ar.payment SET customer_id = (SELECT customer_id FROM ar.customer WHERE customer_code = 'ZC-3')
 WHERE bank_ref = '20261120-000102' AND source = 'zengin:0001-110-1234567';
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT i.invoice_id, 'payment', p.payment_id, i.amount, date '2026-11-21'
  FROM ar.invoice i, ar.payment p
 WHERE i.invoice_no IN ('ZI-1', 'ZI-2') AND p.bank_ref = '20261120-000102' AND p.source = 'zengin:0001-110-1234567';
SELECT is((SELECT array_agg(status ORDER BY invoice_no) FROM ar.invoice WHERE invoice_no LIKE 'ZI-%'), ARRAY['paid', 'paid'],
          'set-up: the transfer of ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ paid two invoices');

CREATE TEMP TABLE zc AS SELECT * FROM ar.import_zengin(pg_temp.zg_fixture('01_cancel'));
SELECT results_eq($$SELECT bank_ref, outcome, payment_id IS NOT NULL FROM zc$$,
                  $$VALUES ('20261120-000102', 'cancelled', true), ('20261121-000104', 'cancel_not_found', false),
                           ('20261121-000105', 'inserted', true)$$,
                  'cancellation file: the cancelled transfer, one whose original is unknown, and a new transfer');
SELECT is((SELECT payment_id FROM zc WHERE outcome = 'cancelled'),
          (SELECT payment_id FROM ar.payment WHERE bank_ref = '20261120-000102' AND source = 'zengin:0001-110-1234567'),
          'the cancellation names the payment it cancelled');
SELECT is((SELECT (status, unapplied_amount, amount)::text FROM ar.payment WHERE bank_ref = '20261120-000102'
             AND source = 'zengin:0001-110-1234567'), '(cancelled,120340,120340)',
          'the payment is cancelled with nothing applied');
SELECT results_eq($$SELECT a.reversed_on, a.reversal_reason FROM ar.allocation a JOIN ar.payment p USING (payment_id)
                     WHERE p.bank_ref = '20261120-000102' AND p.source = 'zengin:0001-110-1234567' ORDER BY a.allocation_id$$,
                  $$VALUES (date '2026-11-21', 'bank cancelled the transfer 20261120-000102 of zengin:0001-110-1234567 (Zengin record 2)'),
                           (date '2026-11-21', 'bank cancelled the transfer 20261120-000102 of zengin:0001-110-1234567 (Zengin record 2)')$$,
                  'its allocations are reversed, with the reason (never before they were applied)');
SELECT is((SELECT array_agg((status, open_amount)::text ORDER BY invoice_no) FROM ar.invoice WHERE invoice_no LIKE 'ZI-%'),
          ARRAY['(open,100000)', '(open,20340)'], 'the invoices it paid are open again');
SELECT is((SELECT metadata -> 'zengin_cancel' ->> 'record_no' FROM ar.payment WHERE bank_ref = '20261120-000102'
             AND source = 'zengin:0001-110-1234567'), '2', 'the payment records which cancellation record cancelled it');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the ledger holds after the cancellation');
SELECT results_eq($$SELECT bank_ref, outcome FROM ar.import_zengin(pg_temp.zg_fixture('01_cancel'))$$,
                  $$VALUES ('20261120-000102', 'duplicate'), ('20261121-000104', 'cancel_not_found'),
                           ('20261121-000105', 'duplicate')$$,
                  're-importing the cancellation file changes nothing');
SELECT is((SELECT count(*)::int FROM ar.allocation WHERE reversed_on IS NOT NULL), 2, '... no allocation reversed twice');

SELECT results_eq($$SELECT bank_ref, outcome FROM ar.import_zengin(pg_temp.zg_fixture('01_cancel_same_file'))$$,
                  $$VALUES ('20261121-000201', 'inserted'), ('20261121-000201', 'cancelled')$$,
                  'a transfer and its cancellation in one file: inserted, then cancelled');
SELECT is((SELECT status FROM ar.payment WHERE bank_ref = '20261121-000201'), 'cancelled', '... and the payment ends cancelled');

-- a cancellation dated on the day of cancelling: found by 照会番号, amount and payer
SELECT results_eq(
  $$SELECT bank_ref, outcome FROM ar.import_zengin(pg_temp.zg_file(pg_temp.zg_group(
      pg_temp.zg_header(1, date '2026-11-22', date '2026-11-22', date '2026-11-22'),
      ARRAY[pg_temp.zg_data01(103, date '2026-11-22', 55000, 'ﾔﾏﾀﾞ ﾀﾛｳ', cancelled => true)]) || pg_temp.zg_end()))$$,
  $$VALUES ('20261122-000103', 'cancelled')$$,
  'a cancellation with another 勘定日 finds its transfer by 照会番号, amount and payer');
SELECT is((SELECT status FROM ar.payment WHERE bank_ref = '20261120-000103' AND source = 'zengin:0001-110-1234567'),
          'cancelled', '... and cancels it');
-- two identical transfers without 照会番号, and a cancellation that could be either
SELECT is((SELECT count(*)::int FROM ar.import_zengin(pg_temp.zg_fixture('01_no_inquiry')) WHERE outcome = 'inserted'), 3,
          'transfers without 照会番号 are inserted, identical ones too');
SELECT results_eq(
  $$SELECT outcome, payment_id FROM ar.import_zengin(pg_temp.zg_patch(pg_temp.zg_file(pg_temp.zg_group(
      pg_temp.zg_header(1, date '2026-11-22', date '2026-11-22', date '2026-11-22'),
      ARRAY[pg_temp.zg_data01(0, date '2026-11-22', 10000, 'ﾀﾅｶ ﾊﾅｺ', cancelled => true)]) || pg_temp.zg_end()),
      2, 2, '      '))$$,
  $$VALUES ('cancel_ambiguous', NULL::bigint)$$,
  'a cancellation matching two payments cancels neither');
SELECT is((SELECT count(*)::int FROM ar.payment WHERE payer_name = 'ﾀﾅｶ ﾊﾅｺ' AND status = 'received'), 3,
          '... all of them stay received');

-- All or nothing -----------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.zg_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.payer_name = 'ﾊﾞﾂ' THEN
    RAISE EXCEPTION 'test: refusing payer %', NEW.payer_name USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER zg_refuse BEFORE INSERT ON ar.payment FOR EACH ROW EXECUTE FUNCTION pg_temp.zg_refuse();
SELECT throws_ok($$SELECT * FROM ar.import_zengin(pg_temp.zg_file(pg_temp.zg_group(
                     pg_temp.zg_header(1, date '2026-11-22', date '2026-11-22', date '2026-11-22', account_no => '7777777'),
                     ARRAY[pg_temp.zg_data01(1, date '2026-11-22', 1000, 'ｲﾁ'),
                           pg_temp.zg_data01(2, date '2026-11-22', 2000, 'ﾆ'),
                           pg_temp.zg_data01(3, date '2026-11-22', 3000, 'ﾊﾞﾂ')]) || pg_temp.zg_end()))$$,
                 '23514', 'test: refusing payer ﾊﾞﾂ', 'a failure on the third transfer fails the import');
SELECT is((SELECT count(*)::int FROM ar.payment WHERE source = 'zengin:0001-110-7777777'), 0,
          '... and none of the file''s transfers is recorded');
DROP TRIGGER zg_refuse ON ar.payment;
SELECT throws_ok($$SELECT * FROM ar.import_zengin(pg_temp.zg_fixture('trailer_total'))$$, '22P02',
                 'record 5 (trailer): field 合計額 (bytes 8-19) says 504340 but the data records of its group add up to 505340',
                 'a malformed file is refused by the import with the reader''s message');
SELECT is((SELECT count(*)::int FROM ar.payment), 17, '... and nothing of it is recorded');
SELECT lives_ok($$SELECT * FROM ar.import_zengin(pg_temp.zg_fixture('01_crlf')); SELECT * FROM ar.import_zengin(pg_temp.zg_fixture('01_crlf'))$$,
                'two imports in one transaction');
SELECT is((SELECT count(*)::int FROM ar.payment), 17, '... record nothing twice');

SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the ledger holds after every import');

SELECT * FROM finish();
ROLLBACK;
