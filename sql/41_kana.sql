-- ar.normalize_name: what a payer name from a bank file and a customer name
-- from the master look like once folded, side by side.
SELECT input, ar.normalize_name(input) AS normalized
  FROM (VALUES ('ｶ)ｻｸﾗｼﾖｳｼﾞ'), ('ｻｸﾗｼﾖｳｼﾞ(ｶ'), ('ｻｸﾗ(ｶ)ﾄｳｷﾖｳｼﾃﾝ'), ('株式会社さくら商事'),
               ('さくら商事株式会社'), ('(株)さくら商事'), ('㈱さくら商事'), ('（株）さくら商事'),
               ('カブシキガイシャ　サクラショウジ'), ('ｶﾌﾞｼｷｶﾞｲｼﾔ ｻｸﾗｼﾖｳｼﾞ'),
               ('ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ'), ('有限会社やまと製作所'), ('ﾄﾞ)ｱｵｿﾞﾗ'), ('ｲ)ﾐﾄﾞﾘｶｲ'),
               ('ｼﾔ)ﾆﾎﾝｷﾖｳｶｲ'), ('一般社団法人日本協会'), ('医療法人社団みどり会'),
               ('ﾊﾟｰｸｻｲﾄﾞ'), ('ﾊﾟ-ｸｻｲﾄﾞ'), ('パークサイド'), ('ｷｬｯｼｭ'), ('ｳﾞｪﾙﾃﾞ'),
               ('ＡＢＣ商会'), ('Sakura Trading Co., Ltd.'), ('K.K. Sakura'), ('Müller GmbH'),
               ('ﾔﾏﾀﾞ ﾀﾛｳ'), ('山田　太郎'), ('佐々木')) AS t(input);

-- Idempotent, so it can be stored and compared again.
SELECT ar.normalize_name(ar.normalize_name('ｶ)ｻｸﾗｼﾖｳｼﾞ')) = ar.normalize_name('ｶ)ｻｸﾗｼﾖｳｼﾞ') AS idempotent;

-- Ill-formed UTF-8 can only be stored in a SQL_ASCII database; there it is
-- refused with SQLSTATE 22021.
\set regress_db :DBNAME
CREATE DATABASE regression_kana_ascii ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C';
\c regression_kana_ascii
CREATE EXTENSION pg_receivables;
\set VERBOSITY sqlstate
SELECT ar.normalize_name(E'ab\xff');
\set VERBOSITY default
SELECT ar.normalize_name(E'ab\xff');
SELECT ar.normalize_name(E'\xe3\x81');
\c :regress_db
DROP DATABASE regression_kana_ascii;
