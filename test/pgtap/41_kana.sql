-- ar.normalize_name: every folding rule with its examples (the same as in
-- docs/cash-application.md), the legal-entity markers of the 全銀協 table in
-- every form and position, idempotence, and ill-formed UTF-8.
BEGIN;
SELECT plan(227);

-- The function -----------------------------------------------------------------
SELECT has_function('ar', 'normalize_name', ARRAY['text'], 'ar.normalize_name(text) exists');
SELECT is((SELECT (provolatile, proisstrict, proparallel)::text FROM pg_proc
            WHERE oid = 'ar.normalize_name(text)'::regprocedure),
          '(i,t,s)', 'it is IMMUTABLE STRICT PARALLEL SAFE');
SELECT is(ar.normalize_name(NULL), NULL, 'NULL in, NULL out');
SELECT is(ar.normalize_name(''), '', 'the empty name stays empty');

-- Character rules (docs: "Name normalization", first table) -----------------------
CREATE TEMP TABLE kana_rule (rule text, input text, expected text);
INSERT INTO kana_rule VALUES
  ('half-width katakana to full-width', 'ｻｸﾗ', 'サクラ'),
  ('voiced marks composed', 'ｶﾞｸｾｲ', 'ガクセイ'),
  ('semi-voiced marks composed', 'ﾎﾟﾌﾟﾗ', 'ポプラ'),
  ('ｳﾞ becomes ヴ', 'ｳﾞｪﾙﾃﾞ', 'ヴエルデ'),
  ('spacing voiced mark after full-width kana', 'か゛く', 'ガク'),
  ('combining voiced mark U+3099', E'\u30AB\u3099', 'ガ'),
  ('combining semi-voiced mark U+309A', E'\u30CF\u309A', 'パ'),
  ('a mark that cannot combine is dropped', 'ｱﾞ', 'ア'),
  ('a mark at the start is dropped', 'ﾞｶ', 'カ'),
  ('a second mark is dropped', 'ｶﾞﾞ', 'ガ'),
  ('hiragana to katakana', 'さくら', 'サクラ'),
  ('ゔ to ヴ', 'ゔ', 'ヴ'),
  ('small hiragana to large katakana', 'ぁぃぅぇぉっゃゅょゎゕゖ', 'アイウエオツヤユヨワカケ'),
  ('small half-width kana to large', 'ｷｬｯｼｭ', 'キヤツシユ'),
  ('small katakana to large', 'ァィゥェォッャュョヮ', 'アイウエオツヤユヨワ'),
  ('ヵ ヶ to カ ケ', 'ヵヶ', 'カケ'),
  ('ｼﾔ and シャ agree', 'シャチョウ', 'シヤチヨウ'),
  ('long vowel mark ｰ removed', 'ｻｰﾋﾞｽ', 'サビス'),
  ('hyphen written for the long vowel removed', 'ｻ-ﾋﾞｽ', 'サビス'),
  ('full-width long vowel mark removed', 'サービス', 'サビス'),
  ('full-width hyphen-minus removed', 'サ－ビス', 'サビス'),
  ('Unicode hyphen removed', 'サ‐ビス', 'サビス'),
  ('minus sign removed', 'サ−ビス', 'サビス'),
  ('full-width Latin and digits to ASCII', 'ＡＢＣ１２３', 'ABC123'),
  ('lower case to upper case', 'abc', 'ABC'),
  ('full-width lower case to upper case', 'ａｂｃ', 'ABC'),
  ('accents removed', 'Müller', 'MULLER'),
  ('macrons of romanized Japanese removed', 'Ōsaka Shōji', 'OSAKASHOJI'),
  ('ligatures spelled out', 'Æther Straße', 'AETHERSTRASSE'),
  ('ASCII spaces removed', 'ﾔﾏﾀﾞ ﾀﾛｳ', 'ヤマダタロウ'),
  ('ideographic space removed', '山田　太郎', '山田太郎'),
  ('punctuation removed', 'ｻｸﾗ･ﾄﾚｰﾃﾞｨﾝｸﾞ', 'サクラトレデイング'),
  ('brackets and quotes removed', '「さくら」・"商事"', 'サクラ商事'),
  ('iteration mark kept', '佐々木', '佐々木'),
  ('kanji kept', '山田製作所', '山田製作所'),
  ('variation selector dropped', E'葛\uFE00飾', '葛飾'),
  ('zero-width space and BOM are no part of a name', E'\uFEFFさく\u200Bら', 'サクラ');
SELECT is(ar.normalize_name(input), expected, rule || ': ' || input || ' → ' || expected)
  FROM kana_rule ORDER BY rule;

-- Kana legal-entity abbreviations of the 全銀協 table, every position ----------------
-- Banks write them "X)" in front, "(X" behind and "(X)" in the middle; a
-- front "(X)" is a common mistake and goes too.
SELECT is(ARRAY[ar.normalize_name(a || ')ﾐﾄﾞﾘﾔ'),
                ar.normalize_name('ﾐﾄﾞﾘﾔ(' || a),
                ar.normalize_name('ﾐﾄﾞﾘﾔ(' || a || ')ｷﾀｼﾃﾝ'),
                ar.normalize_name('(' || a || ')ﾐﾄﾞﾘﾔ')],
          ARRAY['ミドリヤ', 'ミドリヤ', 'ミドリヤキタシテン', 'ミドリヤ'],
          a || ') / (' || a || ' / (' || a || ') removed (' || form || ')')
  FROM (VALUES ('ｶ', '株式会社'), ('ﾕ', '有限会社'), ('ﾒ', '合名会社'), ('ｼ', '合資会社'),
               ('ﾄﾞ', '合同会社'), ('ｲ', '医療法人'), ('ｻﾞｲ', '財団法人'), ('ｼﾔ', '社団法人'),
               ('ｼﾕｳ', '宗教法人'), ('ｶﾞｸ', '学校法人'), ('ﾌｸ', '社会福祉法人'), ('ｿ', '相互会社'),
               ('ﾎｺﾞ', '更生保護法人'), ('ﾄｸﾋ', '特定非営利活動法人'), ('ﾄﾞｸ', '独立行政法人'),
               ('ﾁﾄﾞｸ', '地方独立行政法人'), ('ﾍﾞﾝ', '弁護士法人'), ('ﾁﾕｳ', '中間法人'),
               ('ｷﾞﾖ', '行政書士法人'), ('ｼﾎｳ', '司法書士法人'), ('ｾﾞｲ', '税理士法人'),
               ('ﾀﾞｲ', '国立大学法人'), ('ﾉｳ', '農事組合法人'), ('ｶﾝﾘ', '管理組合法人'),
               ('ﾛｳﾑ', '社会保険労務士法人'), ('ｴｲ', '営業所'), ('ｼﾕﾂ', '出張所'),
               ('ｷﾖｳ', '協同組合'), ('ｷﾖｳｸﾐ', '協同組合')) AS t(a, form);

SELECT is(ar.normalize_name(input), expected, 'abbreviation: ' || input || ' → ' || expected)
  FROM (VALUES ('ｶ) ﾐﾄﾞﾘﾔ', 'ミドリヤ'),           -- a space after the marker
               ('ｼｬ)ﾐﾄﾞﾘﾔｶｲ', 'ミドリヤカイ'),       -- small ｬ as some banks accept it
               ('（カ）ミドリヤ', 'ミドリヤ'),          -- full-width kana and parentheses
               ('ﾐﾄﾞﾘﾔ (ｶ', 'ミドリヤ'),
               ('ﾐﾄﾞﾘﾔ( ｶ )', 'ミドリヤ'),
               ('ﾐﾄﾞﾘﾔ(ｶ)ｷﾀ(ｴｲ', 'ミドリヤキタ'),     -- company and office markers together
               ('ｲ)ｼﾔﾀﾞﾝ ﾐﾄﾞﾘｶｲ', 'シヤダンミドリカイ')) AS t(input, expected);

-- Markers are only markers with their parenthesis -----------------------------------
SELECT is(ar.normalize_name(input), expected, 'not a marker: ' || input || ' → ' || expected)
  FROM (VALUES ('ｶﾜｻｷ', 'カワサキ'),
               ('ｶ ﾐﾄﾞﾘﾔ', 'カミドリヤ'),
               ('ﾕｳｷ ｼﾖｳﾃﾝ', 'ユウキシヨウテン'),
               ('ﾐﾄﾞﾘﾔ(ﾄｳｷﾖｳ)', 'ミドリヤトウキヨウ'),
               ('ﾐﾄﾞﾘ(ﾔ', 'ミドリヤ'),
               ('ｶﾌﾞｷ', 'カブキ'),
               ('COSMO INCA', 'COSMOINCA'),
               ('ﾐﾄﾞﾘﾔ)ｶ', 'ミドリヤカ')) AS t(input, expected);

-- Kanji abbreviations, ASCII and full-width parentheses, front and back -------------
SELECT is(ARRAY[ar.normalize_name('(' || k || ')みどり屋'),
                ar.normalize_name('みどり屋（' || k || '）')],
          ARRAY['ミドリ屋', 'ミドリ屋'], '(' || k || ') removed in front and behind')
  FROM unnest(ARRAY['株', '有', '同', '名', '資', '医', '財', '社', '宗', '学', '福', '相',
                    '特非', '独', '弁', '税', '司', '監', '協', '企', '一社', '一財', '公社',
                    '公財', '社福', '医社', '医財', '生協', '営']) AS k;

-- Enclosed and squared ideographs ----------------------------------------------------
SELECT is(ARRAY[ar.normalize_name(c || 'みどり屋'), ar.normalize_name('みどり屋' || c)],
          ARRAY['ミドリ屋', 'ミドリ屋'], c || ' removed in front and behind')
  FROM unnest(ARRAY['㈱', '㈲', '㈳', '㈴', '㈵', '㈶', '㈸', '㈻', '㈼', '㈽', '㈾', '㈿',
                    '㊑', '㊒', '㊓', '㊔', '㊖', '㊩', '㊪', '㍿']) AS c;
SELECT is(ar.normalize_name('㈹みどり屋'), '㈹ミドリ屋', 'an enclosed ideograph that is no legal form (㈹ 代表) is kept');

-- Spelled-out legal forms, kanji and readings, front, back and middle ------------------
SELECT is(ARRAY[ar.normalize_name(w || 'みどり屋'), ar.normalize_name('みどり屋 ' || w),
                ar.normalize_name('みどり屋' || w || '北支店')],
          ARRAY['ミドリ屋', 'ミドリ屋', 'ミドリ屋北支店'], w || ' removed wherever it stands')
  FROM unnest(ARRAY['株式会社', '有限会社', '合名会社', '合資会社', '合同会社', '相互会社',
                    '特例有限会社', '医療法人', '医療法人社団', '医療法人財団', '社会医療法人',
                    '一般社団法人', '公益社団法人', '社団法人', '一般財団法人', '公益財団法人',
                    '財団法人', '宗教法人', '学校法人', '社会福祉法人', '更生保護法人',
                    '特定非営利活動法人', 'NPO法人', 'ＮＰＯ法人', '独立行政法人',
                    '地方独立行政法人', '国立大学法人', '公立大学法人', '弁護士法人', '税理士法人',
                    '司法書士法人', '行政書士法人', '社会保険労務士法人', '監査法人',
                    '有限責任中間法人', '農事組合法人', '管理組合法人', '協同組合',
                    '事業協同組合', '企業組合']) AS w;
SELECT is(ar.normalize_name(input), expected, 'reading: ' || input || ' → ' || expected)
  FROM (VALUES ('ｶﾌﾞｼｷｶﾞｲｼﾔ ﾐﾄﾞﾘﾔ', 'ミドリヤ'),
               ('カブシキガイシャ　ミドリヤ', 'ミドリヤ'),
               ('かぶしきがいしゃみどりや', 'ミドリヤ'),
               ('ﾐﾄﾞﾘﾔ ｶﾌﾞｼｷｶｲｼﾔ', 'ミドリヤ'),
               ('ﾕｳｹﾞﾝｶﾞｲｼﾔ ﾐﾄﾞﾘﾔ', 'ミドリヤ'),
               ('ゴウドウガイシャミドリヤ', 'ミドリヤ'),
               ('ｲﾂﾊﾟﾝｼﾔﾀﾞﾝﾎｳｼﾞﾝ ﾐﾄﾞﾘｶｲ', 'ミドリカイ'),
               ('ｲﾘﾖｳﾎｳｼﾞﾝｼﾔﾀﾞﾝ ﾐﾄﾞﾘｶｲ', 'ミドリカイ'),
               ('ｼﾔｶｲﾌｸｼﾎｳｼﾞﾝ ﾐﾄﾞﾘｶｲ', 'ミドリカイ'),
               ('ﾄｸﾃｲﾋｴｲﾘｶﾂﾄﾞｳﾎｳｼﾞﾝ ﾐﾄﾞﾘ', 'ミドリ'),
               ('ｶﾞﾂｺｳﾎｳｼﾞﾝ ﾐﾄﾞﾘｶﾞｸｴﾝ', 'ミドリガクエン'),
               ('ｷﾖｳﾄﾞｳｸﾐｱｲ ﾐﾄﾞﾘ', 'ミドリ')) AS t(input, expected);
SELECT is(ar.normalize_name('株株式会社式会社みどり屋'), 'ミドリ屋',
          'a legal form that appears once another is cut out of it goes too');

-- Latin legal forms at the end or the start ----------------------------------------
SELECT is(ar.normalize_name(input), expected, 'Latin: ' || input || ' → ' || expected)
  FROM (VALUES ('Midori Trading Co., Ltd.', 'MIDORITRADING'),
               ('MIDORI TRADING CO.,LTD.', 'MIDORITRADING'),
               ('Midori Trading Co.Ltd', 'MIDORITRADING'),
               ('Midori Inc.', 'MIDORI'),
               ('Midori, Inc', 'MIDORI'),
               ('Midori LLC', 'MIDORI'),
               ('Midori K.K.', 'MIDORI'),
               ('K.K. Midori', 'MIDORI'),
               ('Midori Corp.', 'MIDORI'),
               ('Midori Corporation', 'MIDORI'),
               ('Midori Ltd.', 'MIDORI'),
               ('Midori Limited', 'MIDORI'),
               ('Midori GmbH', 'MIDORI'),
               ('Midori Pte. Ltd.', 'MIDORI'),
               ('Midori Kabushiki Kaisha', 'MIDORI'),
               ('Kabushiki Kaisha Midori', 'MIDORI'),
               ('ＭＩＤＯＲＩ　ＣＯ．，ＬＴＤ．', 'MIDORI'),
               ('みどり商事 Co., Ltd.', 'ミドリ商事'),
               ('Midori (K.K.)', 'MIDORI'),
               ('LLC', 'LLC'),                       -- never the only word
               ('Co Ltd', 'CO'),
               ('Incline Co-op', 'INCLINECOOP')) AS t(input, expected);

-- Bank file against customer master ---------------------------------------------------
SELECT is(ar.normalize_name(bank), ar.normalize_name(master), bank || ' matches ' || master)
  FROM (VALUES ('ｶ)ｻｸﾗｼﾖｳｼﾞ', 'カブシキガイシャ　サクラショウジ'),
               ('ｻｸﾗｼﾖｳｼﾞ(ｶ', 'サクラショウジ株式会社'),
               ('ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ', '有限会社ヤマトセイサクショ'),
               ('ｻｸﾗ(ｶ)ﾄｳｷﾖｳｼﾃﾝ', '㈱サクラ トウキョウシテン'),
               ('ｼﾔ)ﾆﾎﾝ ｻｰﾋﾞｽ ｷﾖｳｶｲ', '一般社団法人 ニホンサービスキョウカイ')) AS t(bank, master);
SELECT isnt(ar.normalize_name('ｼﾔ)ﾆﾎﾝ ｻｰﾋﾞｽ ｷﾖｳｶｲ'), ar.normalize_name('一般社団法人 ニホンサービス協会'),
            'kanji are not turned into readings (協会 is not キヨウカイ)');

-- Idempotence and length -------------------------------------------------------------------
CREATE TEMP TABLE kana_input AS
SELECT input FROM kana_rule
UNION ALL
SELECT x FROM unnest(ARRAY['ｶ)ｻｸﾗｼﾖｳｼﾞ', 'ｻｸﾗ(ｶ)ﾄｳｷﾖｳ', '株株式会社式会社さくら', 'Sakura Co., Ltd.',
                           'CO LTD', '(株)(有)', 'ｶ)', 'LLC INC', 'ｶﾞﾞﾞ']) AS x;
-- random strings over the characters the rules look at
SELECT setseed(0.41) AS seed \gset
INSERT INTO kana_input
SELECT string_agg(substr(alphabet, (random() * (length(alphabet) - 1))::int + 1, 1), '')
  FROM (SELECT 'ｶｷｼﾔﾕｲﾄﾞﾞﾟﾊｰ-()（）株式会社有限医療法人社団㈱ さくらカブシキガイシャCOLTDINK. ,ａＢ' AS alphabet) a,
       generate_series(1, 3000) AS i,
       generate_series(1, 12) AS j
 GROUP BY i;
SELECT cmp_ok((SELECT count(*)::int FROM kana_input), '>=', 3000 + (SELECT count(*)::int FROM kana_rule),
              'the idempotence set has the rule inputs and 3000 random names');
SELECT is((SELECT count(*)::int FROM kana_input WHERE ar.normalize_name(ar.normalize_name(input)) <> ar.normalize_name(input)),
          0, 'normalize(normalize(x)) = normalize(x) for every input');
SELECT is((SELECT count(*)::int FROM kana_input WHERE octet_length(ar.normalize_name(input)) > octet_length(input)),
          0, 'the result is never longer than the name');
SELECT is((SELECT count(*)::int FROM kana_input
            WHERE ar.normalize_name(input) ~ '[[:space:]()（）ｰー\-.,]|[ｦ-ﾟ]|[ぁ-ゖ]|[ァィゥェォッャュョヮヵヶ]|[a-z]'),
          0, 'no result keeps a space, parenthesis, long vowel, hyphen, half-width kana, hiragana, small kana or lower case');

-- Usable where IMMUTABLE is needed ----------------------------------------------------
CREATE TEMP TABLE kana_payer (name text, name_norm text GENERATED ALWAYS AS (ar.normalize_name(name)) STORED);
SELECT lives_ok($$CREATE INDEX ON kana_payer (ar.normalize_name(name))$$, 'it can back an expression index');
INSERT INTO kana_payer (name) VALUES ('ｶ)ｻｸﾗｼﾖｳｼﾞ');
SELECT is((SELECT name_norm FROM kana_payer), 'サクラシヨウジ', 'it can back a generated column');

-- Ill-formed UTF-8 (only a SQL_ASCII database can hold it) -------------------------------
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT format('host=%s port=%s user=%s', current_setting('unix_socket_directories'),
              current_setting('port'), current_user) AS conninfo \gset
SELECT dblink_exec(:'conninfo' || ' dbname=postgres', 'DROP DATABASE IF EXISTS ar_test_kana_ascii') AS dropped \gset
SELECT dblink_exec(:'conninfo' || ' dbname=postgres',
                   'CREATE DATABASE ar_test_kana_ascii ENCODING ''SQL_ASCII'' TEMPLATE template0 LC_COLLATE ''C'' LC_CTYPE ''C''') AS created \gset
SELECT dblink_connect('kana_ascii', :'conninfo' || ' dbname=ar_test_kana_ascii') AS connected \gset
SELECT dblink_exec('kana_ascii', 'CREATE EXTENSION pg_receivables') AS installed \gset
SELECT is((SELECT n FROM dblink('kana_ascii', $$SELECT ar.normalize_name(E'\xef\xbd\xb6)\xef\xbd\xbb\xef\xbd\xb8\xef\xbe\x97')$$) AS t(n text)),
          'サクラ', 'a SQL_ASCII database holding UTF-8 names gets the same result');
SELECT throws_ok($$SELECT * FROM dblink('kana_ascii', 'SELECT ar.normalize_name(E''ab\xff'')') AS t(n text)$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" at byte 3 of the name: 0xff',
                 'a byte that starts no UTF-8 character is refused with 22021');
SELECT throws_ok($$SELECT * FROM dblink('kana_ascii', 'SELECT ar.normalize_name(E''\xe3\x81'')') AS t(n text)$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" at byte 1 of the name: 0xe3 0x81',
                 'a truncated character is refused, its bytes quoted');
SELECT throws_ok($$SELECT * FROM dblink('kana_ascii', 'SELECT ar.normalize_name(E''\xed\xa0\x80'')') AS t(n text)$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" at byte 1 of the name: 0xed 0xa0 0x80',
                 'a UTF-16 surrogate is refused');
SELECT throws_ok($$SELECT * FROM dblink('kana_ascii', 'SELECT ar.normalize_name(E''x\xc0\xaf'')') AS t(n text)$$,
                 '22021', 'invalid byte sequence for encoding "UTF8" at byte 2 of the name: 0xc0',
                 'an overlong form is refused');
SELECT dblink_disconnect('kana_ascii') AS disconnected \gset
SELECT dblink_exec(:'conninfo' || ' dbname=postgres', 'DROP DATABASE ar_test_kana_ascii') AS dropped \gset

SELECT * FROM finish();
ROLLBACK;
