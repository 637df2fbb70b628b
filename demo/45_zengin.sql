-- A day's bank file: a 全銀 振込入金通知 for the demo book's customers is
-- imported, and the payer names as the bank spells them are folded next to
-- the customers' names.  The file is built by the fixture generator (the
-- same one the tests use), since psql reads no binary files from the demo.
\i test/fixtures/zengin/generate.sql

\echo
\echo '=== 5. Cash application: importing a Zengin bank file (振込入金通知) ==='

-- A customer who pays into her own virtual account (バーチャル口座).
INSERT INTO ar.customer (customer_code, name, name_kana, email, locale, currency, virtual_account)
VALUES ('Z-4501', '株式会社みどり屋', 'ﾐﾄﾞﾘﾔ', 'keiri@midoriya.example.jp', 'ja', 'JPY', '9945001');

-- Yesterday's file: the company account 1234567 and the virtual account
-- 9945001, one group each; payer names in half-width kana as banks send them.
SELECT pg_temp.zg_file(
         pg_temp.zg_group(pg_temp.zg_header(1, CURRENT_DATE - 1, CURRENT_DATE - 1, CURRENT_DATE - 1),
           ARRAY[pg_temp.zg_data01(501, CURRENT_DATE - 1, 480000, 'ｶ)ｻｸﾗｼﾖｳｼﾞ', edi => 'INV-0002'),
                 pg_temp.zg_data01(502, CURRENT_DATE - 1, 120340, 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ', bank_name => 'ﾕｳﾁﾖ',
                                   branch_name => 'ｾﾞﾛｲﾁﾊﾁ'),
                 pg_temp.zg_data01(503, CURRENT_DATE - 1, 33000, 'ﾀﾅｶ ﾀﾛｳ'),
                 pg_temp.zg_data01(504, CURRENT_DATE - 1, 5500, 'ｶﾌﾞｼｷｶﾞｲｼﾔ ｻｸﾗｼﾖｳｼﾞ')])
         || pg_temp.zg_group(pg_temp.zg_header(1, CURRENT_DATE - 1, CURRENT_DATE - 1, CURRENT_DATE - 1,
                                               account_no => '9945001'),
           ARRAY[pg_temp.zg_data01(1, CURRENT_DATE - 1, 77000, 'ﾐﾄﾞﾘﾔ(ｶ')])
         || pg_temp.zg_end()) AS bank_file \gset

\echo 'The file as the bank sends it: 200-byte records in JIS X 0201 (the first 110 bytes of the first two):'
SELECT n AS record, convert_from(substring(:'bank_file'::bytea FROM (n - 1) * 202 + 1 FOR 110), 'SJIS') AS content
  FROM generate_series(1, 2) AS n;

\echo 'Import: each transfer becomes a payment (unidentified unless it came in on a virtual account):'
SELECT * FROM ar.import_zengin(:'bank_file'::bytea);

\echo 'The same file again changes nothing:'
SELECT outcome, count(*) FROM ar.import_zengin(:'bank_file'::bytea) GROUP BY outcome;

\echo 'Payer names folded by ar.normalize_name beside the customers'' names (what matching compares):'
SELECT p.payer_name AS "payer (bank file)", ar.normalize_name(p.payer_name) AS "payer, normalized",
       c.customer_code AS "customer", c.name, c.name_kana,
       ar.normalize_name(c.name_kana) AS "kana, normalized",
       CASE WHEN p.customer_id IS NOT NULL THEN 'virtual account'
            WHEN c.customer_id IS NOT NULL THEN 'same name'
            ELSE 'unmatched' END AS "identified by"
  FROM ar.payment p
  LEFT JOIN ar.customer c
    ON c.customer_id = p.customer_id
    OR (p.customer_id IS NULL AND ar.normalize_name(c.name_kana) = ar.normalize_name(p.payer_name))
 WHERE p.source LIKE 'zengin:%' AND p.received_on = CURRENT_DATE - 1
 ORDER BY p.payment_id;
