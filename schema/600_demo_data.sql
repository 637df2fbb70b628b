-- ar.generate_demo_data: a realistic, deterministic receivables book for the
-- demo, the benchmarks and the tests.  The same arguments give the same rows
-- (ids aside, which depend on what the database held before).
--
-- The book is planned in full (customers, invoices, payments, disputes,
-- promises) by pure functions of (seed, entity, field); generate_demo_data
-- writes everything dated up to "through", and ar.demo_advance(day) writes
-- what the plan dates on a later day, so a simulated quarter can be replayed
-- day by day with real payments arriving after real notices.

-- A reproducible uniform number in [0, 1) for (seed, key).
CREATE FUNCTION ar.demo_random(seed integer, key text) RETURNS double precision
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ((pg_catalog.hashtextextended(key, seed) >> 11) & 4503599627370495)::double precision / 4503599627370496.0;
COMMENT ON FUNCTION ar.demo_random(integer, text) IS
  'Reproducible uniform pseudo-random number in [0, 1) for a seed and a key (demo data)';

-- Half-width katakana as banks print payer names: voiced marks detached,
-- small kana written large, long vowel mark as ｰ.
CREATE FUNCTION ar.demo_bank_kana(name text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.string_agg(COALESCE(m.map ->> ch, ch), '' ORDER BY ord)
    FROM pg_catalog.regexp_split_to_table(name, '') WITH ORDINALITY AS t(ch, ord),
         (SELECT '{"ア":"ｱ","イ":"ｲ","ウ":"ｳ","エ":"ｴ","オ":"ｵ","カ":"ｶ","キ":"ｷ","ク":"ｸ","ケ":"ｹ","コ":"ｺ",
                   "サ":"ｻ","シ":"ｼ","ス":"ｽ","セ":"ｾ","ソ":"ｿ","タ":"ﾀ","チ":"ﾁ","ツ":"ﾂ","テ":"ﾃ","ト":"ﾄ",
                   "ナ":"ﾅ","ニ":"ﾆ","ヌ":"ﾇ","ネ":"ﾈ","ノ":"ﾉ","ハ":"ﾊ","ヒ":"ﾋ","フ":"ﾌ","ヘ":"ﾍ","ホ":"ﾎ",
                   "マ":"ﾏ","ミ":"ﾐ","ム":"ﾑ","メ":"ﾒ","モ":"ﾓ","ヤ":"ﾔ","ユ":"ﾕ","ヨ":"ﾖ",
                   "ラ":"ﾗ","リ":"ﾘ","ル":"ﾙ","レ":"ﾚ","ロ":"ﾛ","ワ":"ﾜ","ヲ":"ｦ","ン":"ﾝ",
                   "ガ":"ｶﾞ","ギ":"ｷﾞ","グ":"ｸﾞ","ゲ":"ｹﾞ","ゴ":"ｺﾞ","ザ":"ｻﾞ","ジ":"ｼﾞ","ズ":"ｽﾞ","ゼ":"ｾﾞ","ゾ":"ｿﾞ",
                   "ダ":"ﾀﾞ","ヂ":"ﾁﾞ","ヅ":"ﾂﾞ","デ":"ﾃﾞ","ド":"ﾄﾞ","バ":"ﾊﾞ","ビ":"ﾋﾞ","ブ":"ﾌﾞ","ベ":"ﾍﾞ","ボ":"ﾎﾞ",
                   "パ":"ﾊﾟ","ピ":"ﾋﾟ","プ":"ﾌﾟ","ペ":"ﾍﾟ","ポ":"ﾎﾟ","ヴ":"ｳﾞ",
                   "ァ":"ｱ","ィ":"ｲ","ゥ":"ｳ","ェ":"ｴ","ォ":"ｵ","ッ":"ﾂ","ャ":"ﾔ","ュ":"ﾕ","ョ":"ﾖ",
                   "ー":"ｰ","　":" "}'::jsonb AS map) m
$$;
COMMENT ON FUNCTION ar.demo_bank_kana(text) IS
  'Full-width katakana as a bank prints it: half-width, detached voiced marks, no small kana (demo data)';

-- The customers of the plan.
CREATE FUNCTION ar.demo_plan_customers(customers integer, seed integer)
  RETURNS TABLE (n integer, customer_code text, name text, name_kana text, payer_name text, locale text,
                 time_zone text, currency char(3), payment_terms text, behaviour text, base_amount numeric,
                 segment text, collector text, virtual_account text, deducts_fee integer,
                 fee_deduction_allowed boolean, combines boolean, email text, phone text, address text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH words AS (
    SELECT ARRAY['東京','大阪','名古屋','北海','九州','日本','富士','三和','光','青葉','桜','大和','中央','太陽',
                 '緑','山田','鈴木','高橋','田中','伊藤','渡辺','中村','小林','加藤','吉田','朝日','昭和','平和',
                 '丸井','白鳥'] AS w_jp,
           ARRAY['トウキョウ','オオサカ','ナゴヤ','ホッカイ','キュウシュウ','ニホン','フジ','サンワ','ヒカリ','アオバ',
                 'サクラ','ヤマト','チュウオウ','タイヨウ','ミドリ','ヤマダ','スズキ','タカハシ','タナカ','イトウ',
                 'ワタナベ','ナカムラ','コバヤシ','カトウ','ヨシダ','アサヒ','ショウワ','ヘイワ','マルイ','シラトリ'] AS w_jp_kana,
           ARRAY['商事','製作所','工業','物産','電機','建設','食品','運輸','システム','精機','産業','技研','化学',
                 '設計','印刷','興産','通商','開発','製薬','不動産'] AS w_jp2,
           ARRAY['ショウジ','セイサクショ','コウギョウ','ブッサン','デンキ','ケンセツ','ショクヒン','ウンユ','システム',
                 'セイキ','サンギョウ','ギケン','カガク','セッケイ','インサツ','コウサン','ツウショウ','カイハツ',
                 'セイヤク','フドウサン'] AS w_jp2_kana,
           ARRAY['Northwind','Blue River','Summit','Harbor','Pioneer','Atlas','Cedar','Granite','Silverline',
                 'Redwood','Evergreen','Lakeside','Ironbridge','Brightwater','Oakridge'] AS w_en,
           ARRAY['Trading','Logistics','Software','Foods','Manufacturing','Systems','Analytics','Supply',
                 'Engineering','Media'] AS w_en2,
           ARRAY['Inc.','LLC','Ltd.','Corp.'] AS w_en3,
           ARRAY['close eom due 1 eom','close eom due 1 eom','close eom due 1 eom','close 20 due 1 10',
                 'close eom due 2 10','close 15 due 0 eom; close eom due 1 15','net 30','eom +30',
                 'close eom due 1 eom, adjust preceding','close 20 due 1 10, adjust following'] AS w_jp_terms,
           ARRAY['net 30','net 30','net 45','2/10 net 30','eom +30'] AS w_en_terms,
           ARRAY['America/New_York','America/Chicago','America/Los_Angeles','Europe/London','Asia/Singapore'] AS w_en_tz
  ), base AS (
    SELECT g AS n,
           ar.demo_random(seed, 'jp:' || g) < 0.75 AS jp,
           ar.demo_random(seed, 'w1:' || g) AS r1, ar.demo_random(seed, 'w2:' || g) AS r2,
           ar.demo_random(seed, 'w3:' || g) AS r3, ar.demo_random(seed, 'form:' || g) AS rf,
           ar.demo_random(seed, 'terms:' || g) AS rt, ar.demo_random(seed, 'beh:' || g) AS rb,
           ar.demo_random(seed, 'amt:' || g) AS ra, ar.demo_random(seed, 'cur:' || g) AS rc,
           ar.demo_random(seed, 'va:' || g) AS rv, ar.demo_random(seed, 'fee:' || g) AS rfee,
           ar.demo_random(seed, 'comb:' || g) AS rcomb
      FROM pg_catalog.generate_series(1, customers) AS g
  ), named AS (
    SELECT b.*, w.*,
           1 + pg_catalog.floor(b.r1 * 30)::int AS i1, 1 + pg_catalog.floor(b.r2 * 20)::int AS i2,
           1 + pg_catalog.floor(b.r1 * 15)::int AS e1, 1 + pg_catalog.floor(b.r2 * 10)::int AS e2,
           1 + pg_catalog.floor(b.r3 * 4)::int AS e3
      FROM base b, words w
  )
  SELECT x.n,
         'C' || pg_catalog.lpad(x.n::text, 6, '0'),
         CASE WHEN x.jp THEN
           CASE WHEN x.rf < 0.50 THEN '株式会社' || x.w_jp[x.i1] || x.w_jp2[x.i2]
                WHEN x.rf < 0.75 THEN x.w_jp[x.i1] || x.w_jp2[x.i2] || '株式会社'
                WHEN x.rf < 0.90 THEN '有限会社' || x.w_jp[x.i1] || x.w_jp2[x.i2]
                ELSE x.w_jp[x.i1] || x.w_jp2[x.i2] || '合同会社' END
         ELSE x.w_en[x.e1] || ' ' || x.w_en2[x.e2] || ' ' || x.w_en3[x.e3] END,
         CASE WHEN x.jp THEN x.w_jp_kana[x.i1] || x.w_jp2_kana[x.i2] END,
         CASE WHEN x.jp THEN
           CASE WHEN x.rf < 0.50 THEN 'ｶ)' || ar.demo_bank_kana(x.w_jp_kana[x.i1] || x.w_jp2_kana[x.i2])
                WHEN x.rf < 0.75 THEN ar.demo_bank_kana(x.w_jp_kana[x.i1] || x.w_jp2_kana[x.i2]) || '(ｶ'
                WHEN x.rf < 0.90 THEN 'ﾕ)' || ar.demo_bank_kana(x.w_jp_kana[x.i1] || x.w_jp2_kana[x.i2])
                ELSE ar.demo_bank_kana(x.w_jp_kana[x.i1] || x.w_jp2_kana[x.i2]) || '(ﾄﾞ' END
         ELSE pg_catalog.upper(pg_catalog.regexp_replace(x.w_en[x.e1] || ' ' || x.w_en2[x.e2], '[^A-Za-z ]', '', 'g')) END,
         CASE WHEN x.jp THEN 'ja' ELSE 'en' END,
         CASE WHEN x.jp THEN 'Asia/Tokyo' ELSE x.w_en_tz[1 + pg_catalog.floor(x.r3 * 5)::int] END,
         (CASE WHEN x.jp OR x.rc < 0.4 THEN 'JPY' ELSE 'USD' END)::char(3),
         CASE WHEN x.jp THEN x.w_jp_terms[1 + pg_catalog.floor(x.rt * 10)::int]
              ELSE x.w_en_terms[1 + pg_catalog.floor(x.rt * 5)::int] END,
         CASE WHEN x.rb < 0.45 THEN 'prompt' WHEN x.rb < 0.70 THEN 'late'
              WHEN x.rb < 0.90 THEN 'erratic' ELSE 'defaulting' END,
         -- Monthly billing from about ¥30,000 to ¥3,000,000, skewed small.
         pg_catalog.round(30000 * pg_catalog.power(100, x.ra * x.ra)::numeric, -2),
         CASE WHEN x.ra > 0.8 THEN 'enterprise' WHEN x.ra > 0.4 THEN 'mid_market' ELSE 'smb' END,
         (ARRAY['ar_collector_sato', 'ar_collector_kimura', 'ar_collector_lee'])[1 + (x.n % 3)],
         CASE WHEN x.jp AND x.rv < 0.3 THEN '9' || pg_catalog.lpad(x.n::text, 6, '0') END,
         CASE WHEN x.jp AND x.rfee < 0.12 THEN (ARRAY[440, 660, 880])[1 + (x.n % 3)] ELSE 0 END,
         x.jp AND x.rfee < 0.08,
         x.rcomb < 0.15,
         pg_catalog.lower('ar.' || x.n || '@' || CASE WHEN x.jp THEN 'example.jp' ELSE 'example.com' END),
         CASE WHEN x.jp THEN '+81-3-5555-' ELSE '+1-555-01' END || pg_catalog.lpad((x.n % 10000)::text, 4, '0'),
         CASE WHEN x.jp THEN '〒100-0005 東京都千代田区丸の内1-' || (x.n % 9 + 1) || '-' || (x.n % 30 + 1)
              ELSE x.n || ' Market Street, Springfield' END
    FROM named x
$$;
COMMENT ON FUNCTION ar.demo_plan_customers(integer, integer) IS
  'Customers of the demo plan: names and kana, payer names as banks print them, terms, behaviour (internal)';

-- The plan, materialized once by generate_demo_data so that writing any
-- range of days (and a simulated quarter day by day) reads it by date
-- instead of recomputing it.  Internal scaffolding of the demo: empty unless
-- demo data was generated.
CREATE TABLE ar.demo_plan_customer (
  n                     integer PRIMARY KEY,
  customer_code         text NOT NULL,
  behaviour             text NOT NULL,
  currency              char(3) NOT NULL,
  payment_terms         text NOT NULL,
  base_amount           numeric NOT NULL,
  deducts_fee           integer NOT NULL,
  fee_deduction_allowed boolean NOT NULL,
  combines              boolean NOT NULL,
  payer_name            text
);
COMMENT ON TABLE ar.demo_plan_customer IS 'Demo generator scaffolding: the planned customers (internal)';
COMMENT ON COLUMN ar.demo_plan_customer.n IS 'Customer number in the plan';
COMMENT ON COLUMN ar.demo_plan_customer.customer_code IS 'Customer code written to ar.customer';
COMMENT ON COLUMN ar.demo_plan_customer.behaviour IS 'prompt, late, erratic or defaulting';
COMMENT ON COLUMN ar.demo_plan_customer.currency IS 'Currency billed';
COMMENT ON COLUMN ar.demo_plan_customer.payment_terms IS 'Payment terms (text form)';
COMMENT ON COLUMN ar.demo_plan_customer.base_amount IS 'Typical monthly amount in yen';
COMMENT ON COLUMN ar.demo_plan_customer.deducts_fee IS 'Bank fee deducted from each transfer (0 = none)';
COMMENT ON COLUMN ar.demo_plan_customer.fee_deduction_allowed IS 'Whether the deduction is allowed (written off) or left open';
COMMENT ON COLUMN ar.demo_plan_customer.combines IS 'Pays two invoices with one transfer';
COMMENT ON COLUMN ar.demo_plan_customer.payer_name IS 'Payer name as the bank prints it';

CREATE TABLE ar.demo_plan_invoice (
  invoice_no  text PRIMARY KEY,
  n           integer NOT NULL,
  k           integer NOT NULL,
  issue_date  date NOT NULL,
  due_date    date NOT NULL,
  amount      numeric NOT NULL,
  currency    char(3) NOT NULL,
  disputed    boolean NOT NULL,
  promise_on  date,
  promised_on date
);
CREATE INDEX demo_plan_invoice_issue_idx ON ar.demo_plan_invoice (issue_date);
COMMENT ON TABLE ar.demo_plan_invoice IS 'Demo generator scaffolding: the planned invoices, disputes and promises (internal)';
COMMENT ON COLUMN ar.demo_plan_invoice.invoice_no IS 'Invoice number written to ar.invoice';
COMMENT ON COLUMN ar.demo_plan_invoice.n IS 'Customer number in the plan';
COMMENT ON COLUMN ar.demo_plan_invoice.k IS 'Month of the invoice (0 = first)';
COMMENT ON COLUMN ar.demo_plan_invoice.issue_date IS 'Issue date';
COMMENT ON COLUMN ar.demo_plan_invoice.due_date IS 'Due date by the customer''s terms';
COMMENT ON COLUMN ar.demo_plan_invoice.amount IS 'Amount billed';
COMMENT ON COLUMN ar.demo_plan_invoice.currency IS 'Currency';
COMMENT ON COLUMN ar.demo_plan_invoice.disputed IS 'Disputed five days after the due date, never paid';
COMMENT ON COLUMN ar.demo_plan_invoice.promise_on IS 'Date the customer promises to pay it (ten days after due), if it does';
COMMENT ON COLUMN ar.demo_plan_invoice.promised_on IS 'Date promised';

CREATE TABLE ar.demo_plan_payment (
  pay_key      text NOT NULL,
  invoice_no   text NOT NULL,
  n            integer NOT NULL,
  part         integer NOT NULL,
  received_on  date NOT NULL,
  part_amount  numeric NOT NULL,
  fee          numeric NOT NULL,
  unidentified boolean NOT NULL,
  PRIMARY KEY (invoice_no, part)
);
CREATE INDEX demo_plan_payment_received_idx ON ar.demo_plan_payment (received_on);
COMMENT ON TABLE ar.demo_plan_payment IS 'Demo generator scaffolding: the planned transfers, part by invoice (internal)';
COMMENT ON COLUMN ar.demo_plan_payment.pay_key IS 'Transfer the part belongs to (one transfer may pay two invoices)';
COMMENT ON COLUMN ar.demo_plan_payment.invoice_no IS 'Invoice the part pays';
COMMENT ON COLUMN ar.demo_plan_payment.n IS 'Customer number in the plan';
COMMENT ON COLUMN ar.demo_plan_payment.part IS '1, or 2 for the second half of a split payment';
COMMENT ON COLUMN ar.demo_plan_payment.received_on IS 'Value date of the transfer (a bank business day)';
COMMENT ON COLUMN ar.demo_plan_payment.part_amount IS 'Amount of the invoice this part settles, fee included';
COMMENT ON COLUMN ar.demo_plan_payment.fee IS 'Bank fee the payer deducted from this part';
COMMENT ON COLUMN ar.demo_plan_payment.unidentified IS 'The bank reported no usable payer for it';

SELECT pg_catalog.pg_extension_config_dump('ar.demo_plan_customer', '');
SELECT pg_catalog.pg_extension_config_dump('ar.demo_plan_invoice', '');
SELECT pg_catalog.pg_extension_config_dump('ar.demo_plan_payment', '');

-- Plans the invoices (monthly per customer, issued on the closing day for
-- 締め terms, due by the terms) and how each is paid: a date set by the
-- customer's behaviour, split payments, two invoices in one transfer,
-- deducted bank fees, disputes, promises.
CREATE FUNCTION ar.demo_build_plan(customers integer, invoices_per_customer integer, seed integer, start_date date)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  INSERT INTO ar.demo_plan_customer
  SELECT c.n, c.customer_code, c.behaviour, c.currency, c.payment_terms, c.base_amount, c.deducts_fee,
         c.fee_deduction_allowed, c.combines, c.payer_name
    FROM ar.demo_plan_customers(customers, seed) c;

  INSERT INTO ar.demo_plan_invoice
  SELECT 'INV-' || pg_catalog.lpad(c.n::text, 6, '0') || '-' || pg_catalog.lpad(g.k::text, 3, '0'),
         c.n, g.k, d.issue, ar.due_date(c.payment_terms::ar.payment_terms, d.issue, 'JP-BANK'),
         CASE WHEN c.currency = 'JPY'
              THEN pg_catalog.round(c.base_amount * (0.7 + 0.6 * ar.demo_random(seed, 'ia:' || c.n || ':' || g.k)::numeric) * 1.1, -1)
              ELSE pg_catalog.round(c.base_amount / 150 * (0.7 + 0.6 * ar.demo_random(seed, 'ia:' || c.n || ':' || g.k)::numeric), 2)
         END,
         c.currency,
         ar.demo_random(seed, 'disp:' || c.n || ':' || g.k) < 0.015,
         NULL, NULL
    FROM ar.demo_plan_customer c
    CROSS JOIN pg_catalog.generate_series(0, invoices_per_customer - 1) AS g(k)
    CROSS JOIN LATERAL (
      SELECT CASE
               WHEN c.payment_terms LIKE 'close 20%'
                 THEN (pg_catalog.date_trunc('month', start_date) + g.k * interval '1 month')::date + 19
               WHEN c.payment_terms LIKE 'close%'
                 THEN (pg_catalog.date_trunc('month', start_date) + (g.k + 1) * interval '1 month')::date - 1
               ELSE (pg_catalog.date_trunc('month', start_date) + g.k * interval '1 month')::date
                    + pg_catalog.floor(27 * ar.demo_random(seed, 'id:' || c.n || ':' || g.k))::int
             END AS issue) d;

  -- Payment timing by behaviour; NULL = never paid.
  CREATE TEMP TABLE ar_demo_timing ON COMMIT DROP AS
  SELECT i.invoice_no, i.n, i.k, i.due_date, i.amount, i.currency, c.behaviour, c.combines, c.deducts_fee,
         CASE WHEN i.disputed THEN NULL
              ELSE CASE c.behaviour
                     WHEN 'prompt' THEN CASE WHEN r.rl < 0.8 THEN 0 ELSE 3 - pg_catalog.floor(r.rl * 5)::int END
                     WHEN 'late' THEN 10 + pg_catalog.floor(r.rl * 35)::int
                     WHEN 'erratic' THEN pg_catalog.floor(r.rl * 70)::int - 5
                     ELSE CASE WHEN i.k < invoices_per_customer * 0.55 THEN 15 + pg_catalog.floor(r.rl * 40)::int END
                   END
         END AS lateness,
         c.behaviour = 'erratic' AND r.rp < 0.3 AS split
    FROM ar.demo_plan_invoice i
    JOIN ar.demo_plan_customer c ON c.n = i.n
    CROSS JOIN LATERAL (SELECT ar.demo_random(seed, 'late:' || i.n || ':' || i.k) AS rl,
                               ar.demo_random(seed, 'part:' || i.n || ':' || i.k) AS rp) r;

  -- Late payers sometimes promise: ten days after the due date, for a date
  -- five to fifteen days later; the payment date decides whether it is kept.
  UPDATE ar.demo_plan_invoice i
     SET promise_on = i.due_date + 10,
         promised_on = i.due_date + 15 + pg_catalog.floor(10 * ar.demo_random(seed, 'pd:' || i.n || ':' || i.k))::int
    FROM ar.demo_plan_customer c
   WHERE c.n = i.n AND c.behaviour IN ('late', 'defaulting') AND NOT i.disputed
     AND ar.demo_random(seed, 'prom:' || i.n || ':' || i.k) < 0.3;

  INSERT INTO ar.demo_plan_payment
  SELECT q.pay_key, q.invoice_no, q.n, q.part,
         ar.adjust_business_day(MAX(q.pay_day) OVER (PARTITION BY q.pay_key), 'following', 'JP-BANK'),
         q.part_amount,
         -- the fee comes off the last invoice of a transfer
         CASE WHEN q.currency = 'JPY' AND q.part = 1 AND q.k = MAX(q.k) OVER (PARTITION BY q.pay_key)
              THEN q.deducts_fee ELSE 0 END,
         ar.demo_random(seed, 'unid:' || q.n || ':' || q.k) < 0.01
    FROM (SELECT t.*, p.part,
                 CASE WHEN NOT t.split THEN t.amount
                      WHEN p.part = 1 THEN pg_catalog.round(t.amount / 2, CASE WHEN t.currency = 'JPY' THEN 0 ELSE 2 END)
                      ELSE t.amount - pg_catalog.round(t.amount / 2, CASE WHEN t.currency = 'JPY' THEN 0 ELSE 2 END)
                 END AS part_amount,
                 t.due_date + t.lateness + CASE WHEN p.part = 2 THEN 30 ELSE 0 END AS pay_day,
                 CASE WHEN t.combines AND NOT t.split AND t.behaviour IN ('prompt', 'late')
                      THEN t.n || ':c' || (t.k / 2) ELSE t.n || ':' || t.k || ':' || p.part END AS pay_key
            FROM ar_demo_timing t
            CROSS JOIN LATERAL pg_catalog.generate_series(1, CASE WHEN t.split THEN 2 ELSE 1 END) AS p(part)
           WHERE t.lateness IS NOT NULL) q;
  DROP TABLE ar_demo_timing;
  ANALYZE ar.demo_plan_customer;
  ANALYZE ar.demo_plan_invoice;
  ANALYZE ar.demo_plan_payment;
END
$$;
COMMENT ON FUNCTION ar.demo_build_plan(integer, integer, integer, date) IS
  'Plans the demo book: invoices, payment timing by behaviour, split and combined transfers, fees, disputes, promises (internal)';

-- Writes the part of the plan dated in [from_day, to_day]: invoices issued,
-- payments received (allocated as planned unless apply is false, when they
-- arrive unapplied as from a bank feed), disputes opened, promises made.
-- Payments received in the last 30 days before to_day may be unidentified
-- (a bank feed's usual share); older ones would have been matched by then.
CREATE FUNCTION ar.demo_write(from_day date, to_day date, apply boolean)
  RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n_inv bigint; n_pay bigint; n_alloc bigint := 0; n_disp bigint; n_prom bigint;
BEGIN
  INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount, description)
  SELECT c.customer_id, i.invoice_no, i.issue_date, i.due_date, i.currency, i.amount,
         'Monthly services ' || pg_catalog.to_char(i.issue_date, 'YYYY-MM')
    FROM ar.demo_plan_invoice i
    JOIN ar.demo_plan_customer pc ON pc.n = i.n
    JOIN ar.customer c ON c.customer_code = pc.customer_code
   WHERE i.issue_date BETWEEN from_day AND to_day
   ORDER BY i.issue_date, i.n;
  GET DIAGNOSTICS n_inv = ROW_COUNT;

  INSERT INTO ar.payment (customer_id, received_on, currency, amount, method, payer_name, reference, bank_ref, source)
  SELECT CASE WHEN pg_catalog.bool_or(p.unidentified) AND MIN(p.received_on) > to_day - 30 THEN NULL
              ELSE c.customer_id END,
         MIN(p.received_on), MIN(pc.currency), SUM(p.part_amount) - SUM(p.fee), 'bank_transfer', MIN(pc.payer_name),
         CASE WHEN pg_catalog.count(*) = 1 THEN MIN(p.invoice_no) END,
         'DEMO-' || p.pay_key, 'demo'
    FROM ar.demo_plan_payment p
    JOIN ar.demo_plan_customer pc ON pc.n = p.n
    JOIN ar.customer c ON c.customer_code = pc.customer_code
   WHERE p.received_on BETWEEN from_day AND to_day
   GROUP BY p.pay_key, c.customer_id
   ORDER BY MIN(p.received_on), p.pay_key;
  GET DIAGNOSTICS n_pay = ROW_COUNT;

  IF apply THEN
    INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on, reason)
    SELECT i.customer_id, i.invoice_id, a.kind, pay.payment_id, a.amount, p.received_on, a.reason
      FROM ar.demo_plan_payment p
      JOIN ar.demo_plan_customer pc ON pc.n = p.n
      JOIN ar.invoice i ON i.invoice_no = p.invoice_no
      JOIN ar.payment pay ON pay.bank_ref = 'DEMO-' || p.pay_key AND pay.source = 'demo'
      CROSS JOIN LATERAL (VALUES ('payment', p.part_amount - p.fee, NULL::text),
                                 ('fee', CASE WHEN pc.fee_deduction_allowed THEN p.fee ELSE 0 END,
                                  'bank fee deducted by payer')) AS a(kind, amount, reason)
     WHERE p.received_on BETWEEN from_day AND to_day
       AND pay.customer_id IS NOT NULL AND a.amount > 0 AND i.status = 'open';
    GET DIAGNOSTICS n_alloc = ROW_COUNT;
  END IF;

  INSERT INTO ar.dispute (invoice_id, amount, reason, opened_on)
  SELECT i.invoice_id, i.amount,
         (ARRAY['数量相違 (quantity differs from the delivery note)', '単価相違 (unit price differs from the quote)',
                'Service not rendered as agreed', '納品遅延 (late delivery)'])[1 + (x.n % 4)],
         x.due_date + 5
    FROM ar.demo_plan_invoice x
    JOIN ar.invoice i ON i.invoice_no = x.invoice_no
   WHERE x.disputed AND x.due_date + 5 BETWEEN from_day AND to_day AND i.status = 'open';
  GET DIAGNOSTICS n_disp = ROW_COUNT;

  INSERT INTO ar.promise (customer_id, amount, currency, made_on, promised_on, note)
  SELECT i.customer_id, i.open_amount, i.currency, x.promise_on, x.promised_on, 'Promised by phone (demo)'
    FROM ar.demo_plan_invoice x
    JOIN ar.invoice i ON i.invoice_no = x.invoice_no
   WHERE x.promise_on BETWEEN from_day AND to_day AND i.status = 'open';
  GET DIAGNOSTICS n_prom = ROW_COUNT;

  RETURN pg_catalog.jsonb_build_object('invoices', n_inv, 'payments', n_pay, 'allocations', n_alloc,
                                       'disputes', n_disp, 'promises', n_prom);
END
$$;
COMMENT ON FUNCTION ar.demo_write(date, date, boolean) IS
  'Writes the events of the demo plan dated in a range (internal)';

CREATE FUNCTION ar.generate_demo_data(customers integer DEFAULT 1000, invoices_per_customer integer DEFAULT 12,
                                      seed integer DEFAULT 42, start_date date DEFAULT NULL, through date DEFAULT NULL)
  RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  st date := COALESCE(start_date,
                      (pg_catalog.date_trunc('month', CURRENT_DATE) - invoices_per_customer * interval '1 month')::date);
  thr date := COALESCE(through, CURRENT_DATE);
  params jsonb;
  written jsonb;
  n_cust bigint;
BEGIN
  IF customers IS NULL OR customers < 1 OR customers > 10000000 THEN
    RAISE EXCEPTION 'customers must be between 1 and 10000000, not %', customers
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF invoices_per_customer IS NULL OR invoices_per_customer < 1 OR invoices_per_customer > 240 THEN
    RAISE EXCEPTION 'invoices_per_customer must be between 1 and 240, not %', invoices_per_customer
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF seed IS NULL THEN
    RAISE EXCEPTION 'seed must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF thr < st THEN
    RAISE EXCEPTION 'through % is before start_date %', thr, st USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF EXISTS (SELECT 1 FROM ar.setting s WHERE s.key = 'demo_params') THEN
    RAISE EXCEPTION 'this database already holds a demo book'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Generate demo data into a fresh database.';
  END IF;
  params := pg_catalog.jsonb_build_object('customers', customers, 'invoices_per_customer', invoices_per_customer,
                                          'seed', seed, 'start_date', st, 'through', thr);

  INSERT INTO ar.customer (customer_code, name, name_kana, email, phone, address, locale, time_zone, currency,
                           payment_terms, segment, collector, credit_limit, virtual_account,
                           fee_deduction_allowed, metadata)
  SELECT c.customer_code, c.name, c.name_kana, c.email, c.phone, c.address, c.locale, c.time_zone, c.currency,
         c.payment_terms::ar.payment_terms, c.segment, c.collector,
         CASE WHEN c.currency = 'JPY' THEN c.base_amount * 4 ELSE pg_catalog.round(c.base_amount * 4 / 150, 2) END,
         c.virtual_account, c.fee_deduction_allowed,
         pg_catalog.jsonb_build_object('demo', true, 'behaviour', c.behaviour)
    FROM ar.demo_plan_customers(customers, seed) c
   ORDER BY c.n;
  GET DIAGNOSTICS n_cust = ROW_COUNT;

  PERFORM ar.demo_build_plan(customers, invoices_per_customer, seed, st);
  written := ar.demo_write(st - 1, thr, true);
  INSERT INTO ar.setting (key, value, description)
  VALUES ('demo_params', params::text, 'Parameters of the demo book (ar.generate_demo_data); ar.demo_advance continues it');
  RETURN pg_catalog.jsonb_build_object('customers', n_cust) || written || pg_catalog.jsonb_build_object(
           'start_date', st, 'through', thr, 'seed', seed);
END
$$;
COMMENT ON FUNCTION ar.generate_demo_data(integer, integer, integer, date, date) IS
  'Builds a realistic, deterministic demo book (Japanese and English customers, terms, behaviours, invoices, partial, combined and fee-deducted payments, disputes, promises) up to "through" (default today)';

CREATE FUNCTION ar.demo_advance(day date, apply boolean DEFAULT false) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  params jsonb;
BEGIN
  SELECT s.value::jsonb INTO params FROM ar.setting s WHERE s.key = 'demo_params';
  IF params IS NULL THEN
    RAISE EXCEPTION 'this database holds no demo book'
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Run ar.generate_demo_data first.';
  END IF;
  IF day IS NULL OR day <= (params ->> 'through')::date THEN
    RAISE EXCEPTION 'the demo book already runs through %', params ->> 'through'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Advance to a day after the last day written.';
  END IF;
  UPDATE ar.setting s SET value = (params || pg_catalog.jsonb_build_object('through', day))::text
   WHERE s.key = 'demo_params';
  RETURN ar.demo_write((params ->> 'through')::date + 1, day, apply);
END
$$;
COMMENT ON FUNCTION ar.demo_advance(date, boolean) IS
  'Continues the demo book through a later day: that day''s invoices, payments (unapplied, as from the bank, unless apply), disputes and promises';
