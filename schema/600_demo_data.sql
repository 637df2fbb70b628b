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
                 '丸井','白鳥'] AS jp,
           ARRAY['トウキョウ','オオサカ','ナゴヤ','ホッカイ','キュウシュウ','ニホン','フジ','サンワ','ヒカリ','アオバ',
                 'サクラ','ヤマト','チュウオウ','タイヨウ','ミドリ','ヤマダ','スズキ','タカハシ','タナカ','イトウ',
                 'ワタナベ','ナカムラ','コバヤシ','カトウ','ヨシダ','アサヒ','ショウワ','ヘイワ','マルイ','シラトリ'] AS jp_kana,
           ARRAY['商事','製作所','工業','物産','電機','建設','食品','運輸','システム','精機','産業','技研','化学',
                 '設計','印刷','興産','通商','開発','製薬','不動産'] AS jp2,
           ARRAY['ショウジ','セイサクショ','コウギョウ','ブッサン','デンキ','ケンセツ','ショクヒン','ウンユ','システム',
                 'セイキ','サンギョウ','ギケン','カガク','セッケイ','インサツ','コウサン','ツウショウ','カイハツ',
                 'セイヤク','フドウサン'] AS jp2_kana,
           ARRAY['Northwind','Blue River','Summit','Harbor','Pioneer','Atlas','Cedar','Granite','Silverline',
                 'Redwood','Evergreen','Lakeside','Ironbridge','Brightwater','Oakridge'] AS en,
           ARRAY['Trading','Logistics','Software','Foods','Manufacturing','Systems','Analytics','Supply',
                 'Engineering','Media'] AS en2,
           ARRAY['Inc.','LLC','Ltd.','Corp.'] AS en3,
           ARRAY['close eom due 1 eom','close eom due 1 eom','close eom due 1 eom','close 20 due 1 10',
                 'close eom due 2 10','close 15 due 0 eom; close eom due 1 15','net 30','eom +30',
                 'close eom due 1 eom, adjust preceding','close 20 due 1 10, adjust following'] AS jp_terms,
           ARRAY['net 30','net 30','net 45','2/10 net 30','eom +30'] AS en_terms,
           ARRAY['America/New_York','America/Chicago','America/Los_Angeles','Europe/London','Asia/Singapore'] AS en_tz
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
           CASE WHEN x.rf < 0.50 THEN '株式会社' || x.jp[x.i1] || x.jp2[x.i2]
                WHEN x.rf < 0.75 THEN x.jp[x.i1] || x.jp2[x.i2] || '株式会社'
                WHEN x.rf < 0.90 THEN '有限会社' || x.jp[x.i1] || x.jp2[x.i2]
                ELSE x.jp[x.i1] || x.jp2[x.i2] || '合同会社' END
         ELSE x.en[x.e1] || ' ' || x.en2[x.e2] || ' ' || x.en3[x.e3] END,
         CASE WHEN x.jp THEN x.jp_kana[x.i1] || x.jp2_kana[x.i2] END,
         CASE WHEN x.jp THEN
           CASE WHEN x.rf < 0.50 THEN 'ｶ)' || ar.demo_bank_kana(x.jp_kana[x.i1] || x.jp2_kana[x.i2])
                WHEN x.rf < 0.75 THEN ar.demo_bank_kana(x.jp_kana[x.i1] || x.jp2_kana[x.i2]) || '(ｶ'
                WHEN x.rf < 0.90 THEN 'ﾕ)' || ar.demo_bank_kana(x.jp_kana[x.i1] || x.jp2_kana[x.i2])
                ELSE ar.demo_bank_kana(x.jp_kana[x.i1] || x.jp2_kana[x.i2]) || '(ﾄﾞ' END
         ELSE pg_catalog.upper(pg_catalog.regexp_replace(x.en[x.e1] || ' ' || x.en2[x.e2], '[^A-Za-z ]', '', 'g')) END,
         CASE WHEN x.jp THEN 'ja' ELSE 'en' END,
         CASE WHEN x.jp THEN 'Asia/Tokyo' ELSE x.en_tz[1 + pg_catalog.floor(x.r3 * 5)::int] END,
         (CASE WHEN x.jp OR x.rc < 0.4 THEN 'JPY' ELSE 'USD' END)::char(3),
         CASE WHEN x.jp THEN x.jp_terms[1 + pg_catalog.floor(x.rt * 10)::int]
              ELSE x.en_terms[1 + pg_catalog.floor(x.rt * 5)::int] END,
         CASE WHEN x.rb < 0.45 THEN 'prompt' WHEN x.rb < 0.70 THEN 'late'
              WHEN x.rb < 0.90 THEN 'erratic' ELSE 'defaulting' END,
         -- Monthly billing from about ¥30,000 to ¥3,000,000, skewed small.
         pg_catalog.round(30000 * pg_catalog.power(100, x.ra * x.ra)::numeric, -2),
         CASE WHEN x.ra > 0.8 THEN 'enterprise' WHEN x.ra > 0.4 THEN 'mid_market' ELSE 'smb' END,
         (ARRAY['ar_collector_sato', 'ar_collector_kimura', 'ar_collector_lee'])[1 + (x.n % 3)],
         CASE WHEN x.jp AND x.rv < 0.3 THEN '9' || pg_catalog.lpad(x.n::text, 6, '0') END,
         CASE WHEN x.jp AND x.rfee < 0.2 THEN (ARRAY[440, 660, 880])[1 + (x.n % 3)] ELSE 0 END,
         x.jp AND x.rfee < 0.1,
         x.rcomb < 0.15,
         pg_catalog.lower('ar.' || x.n || '@' || CASE WHEN x.jp THEN 'example.jp' ELSE 'example.com' END),
         CASE WHEN x.jp THEN '+81-3-5555-' ELSE '+1-555-01' END || pg_catalog.lpad((x.n % 10000)::text, 4, '0'),
         CASE WHEN x.jp THEN '〒100-0005 東京都千代田区丸の内1-' || (x.n % 9 + 1) || '-' || (x.n % 30 + 1)
              ELSE x.n || ' Market Street, Springfield' END
    FROM named x
$$;
COMMENT ON FUNCTION ar.demo_plan_customers(integer, integer) IS
  'Customers of the demo plan: names and kana, payer names as banks print them, terms, behaviour (internal)';

-- The invoices of the plan: monthly billing per customer, issued on the
-- closing day for 締め terms, due by the customer's terms.
CREATE FUNCTION ar.demo_plan_invoices(customers integer, invoices_per_customer integer, seed integer, start_date date)
  RETURNS TABLE (n integer, k integer, invoice_no text, issue_date date, due_date date, amount numeric,
                 currency char(3), behaviour text)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.n, g.k, 'INV-' || pg_catalog.lpad(c.n::text, 6, '0') || '-' || pg_catalog.lpad(g.k::text, 3, '0'),
         d.issue, ar.due_date(c.payment_terms::ar.payment_terms, d.issue, 'JP-BANK'),
         CASE WHEN c.currency = 'JPY'
              THEN pg_catalog.round(c.base_amount * (0.7 + 0.6 * ar.demo_random(seed, 'ia:' || c.n || ':' || g.k)) * 1.1, -1)
              ELSE pg_catalog.round(c.base_amount / 150 * (0.7 + 0.6 * ar.demo_random(seed, 'ia:' || c.n || ':' || g.k)), 2)
         END,
         c.currency, c.behaviour
    FROM ar.demo_plan_customers(customers, seed) c
    CROSS JOIN pg_catalog.generate_series(0, invoices_per_customer - 1) AS g(k)
    CROSS JOIN LATERAL (
      SELECT CASE
               WHEN c.payment_terms LIKE 'close 20%' THEN (pg_catalog.date_trunc('month', start_date) + g.k * interval '1 month')::date + 19
               WHEN c.payment_terms LIKE 'close%' THEN (pg_catalog.date_trunc('month', start_date) + (g.k + 1) * interval '1 month')::date - 1
               ELSE (pg_catalog.date_trunc('month', start_date) + g.k * interval '1 month')::date
                    + pg_catalog.floor(27 * ar.demo_random(seed, 'id:' || c.n || ':' || g.k))::int
             END AS issue) d
$$;
COMMENT ON FUNCTION ar.demo_plan_invoices(integer, integer, integer, date) IS
  'Invoices of the demo plan: monthly per customer, issued on closing days for 締め terms (internal)';

-- How each invoice gets paid: one or two parts, a date set by the
-- customer's behaviour, payments combining two invoices, deducted bank fees,
-- disputes and credit notes.
CREATE FUNCTION ar.demo_plan_payments(customers integer, invoices_per_customer integer, seed integer, start_date date)
  RETURNS TABLE (n integer, k integer, invoice_no text, pay_key text, part integer, received_on date,
                 part_amount numeric, fee numeric, fee_allowed boolean, unidentified boolean, payer_name text,
                 currency char(3))
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH inv AS (
    SELECT i.*, c.deducts_fee, c.fee_deduction_allowed, c.combines, c.payer_name,
           ar.demo_random(seed, 'late:' || i.n || ':' || i.k) AS rl,
           ar.demo_random(seed, 'part:' || i.n || ':' || i.k) AS rp,
           ar.demo_random(seed, 'disp:' || i.n || ':' || i.k) AS rd,
           ar.demo_random(seed, 'unid:' || i.n || ':' || i.k) AS ru
      FROM ar.demo_plan_invoices(customers, invoices_per_customer, seed, start_date) i
      JOIN ar.demo_plan_customers(customers, seed) c ON c.n = i.n
  ), timed AS (
    SELECT x.*,
           CASE x.behaviour
             WHEN 'prompt' THEN CASE WHEN x.rl < 0.8 THEN 0 ELSE -1 - pg_catalog.floor(x.rl * 5)::int + 4 END
             WHEN 'late' THEN 10 + pg_catalog.floor(x.rl * 35)::int
             WHEN 'erratic' THEN pg_catalog.floor(x.rl * 70)::int - 5
             ELSE CASE WHEN x.k < invoices_per_customer * 0.55 THEN 15 + pg_catalog.floor(x.rl * 40)::int END
           END AS lateness,
           x.behaviour = 'erratic' AND x.rp < 0.3 AS split,
           x.rd < 0.015 AS disputed
      FROM inv x
  ), parts AS (
    SELECT t.*, p.part,
           CASE WHEN NOT t.split THEN t.amount
                WHEN p.part = 1 THEN pg_catalog.round(t.amount / 2, CASE WHEN t.currency = 'JPY' THEN 0 ELSE 2 END)
                ELSE t.amount - pg_catalog.round(t.amount / 2, CASE WHEN t.currency = 'JPY' THEN 0 ELSE 2 END) END AS part_amount,
           t.due_date + t.lateness + CASE WHEN p.part = 2 THEN 30 ELSE 0 END AS pay_day
      FROM timed t
      CROSS JOIN LATERAL pg_catalog.generate_series(1, CASE WHEN t.split THEN 2 ELSE 1 END) AS p(part)
     WHERE t.lateness IS NOT NULL AND NOT t.disputed
  ), keyed AS (
    -- Customers who combine pay invoices 2j and 2j+1 with one transfer on
    -- the later date.
    SELECT pa.*,
           CASE WHEN pa.combines AND NOT pa.split AND pa.behaviour IN ('prompt', 'late')
                THEN pa.n || ':c' || (pa.k / 2) ELSE pa.n || ':' || pa.k || ':' || pa.part END AS pay_key
      FROM parts pa
  )
  SELECT q.n, q.k, q.invoice_no, q.pay_key, q.part,
         ar.adjust_business_day(MAX(q.pay_day) OVER (PARTITION BY q.pay_key), 'following', 'JP-BANK'),
         q.part_amount,
         -- the fee comes off the last invoice of a transfer
         CASE WHEN q.currency = 'JPY' AND q.k = MAX(q.k) OVER (PARTITION BY q.pay_key) AND q.part = 1
              THEN q.deducts_fee ELSE 0 END,
         q.fee_deduction_allowed,
         q.ru < 0.01,
         q.payer_name, q.currency
    FROM keyed q
$$;
COMMENT ON FUNCTION ar.demo_plan_payments(integer, integer, integer, date) IS
  'Payment parts of the demo plan: dates by behaviour, partial and combined transfers, deducted fees (internal)';

-- Writes the part of the plan dated in [from_day, to_day]: invoices issued,
-- payments received (allocated as planned unless apply is false, when they
-- arrive unapplied as from a bank feed), disputes opened, promises made.
CREATE FUNCTION ar.demo_write(params jsonb, from_day date, to_day date, apply boolean)
  RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  nc integer := (params ->> 'customers')::integer;
  ipc integer := (params ->> 'invoices_per_customer')::integer;
  sd integer := (params ->> 'seed')::integer;
  st date := (params ->> 'start_date')::date;
  n_inv bigint; n_pay bigint; n_alloc bigint; n_disp bigint; n_prom bigint;
BEGIN
  DROP TABLE IF EXISTS pg_temp.ar_demo_pay;
  CREATE TEMP TABLE ar_demo_pay ON COMMIT DROP AS
  SELECT * FROM ar.demo_plan_payments(nc, ipc, sd, st) p WHERE p.received_on BETWEEN from_day AND to_day;

  INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount, description)
  SELECT c.customer_id, i.invoice_no, i.issue_date, i.due_date, i.currency, i.amount,
         'Monthly services ' || pg_catalog.to_char(i.issue_date, 'YYYY-MM')
    FROM ar.demo_plan_invoices(nc, ipc, sd, st) i
    JOIN ar.customer c ON c.customer_code = 'C' || pg_catalog.lpad(i.n::text, 6, '0')
   WHERE i.issue_date BETWEEN from_day AND to_day
   ORDER BY i.issue_date, i.n;
  GET DIAGNOSTICS n_inv = ROW_COUNT;

  INSERT INTO ar.payment (customer_id, received_on, currency, amount, method, payer_name, reference, bank_ref, source)
  SELECT CASE WHEN bool_or(p.unidentified) THEN NULL ELSE c.customer_id END,
         MIN(p.received_on), MIN(p.currency), SUM(p.part_amount) - SUM(p.fee), 'bank_transfer', MIN(p.payer_name),
         CASE WHEN pg_catalog.count(*) = 1 THEN MIN(p.invoice_no) END,
         'DEMO-' || p.pay_key, 'demo'
    FROM ar_demo_pay p
    JOIN ar.customer c ON c.customer_code = 'C' || pg_catalog.lpad(p.n::text, 6, '0')
   GROUP BY p.pay_key, c.customer_id
   ORDER BY MIN(p.received_on), p.pay_key;
  GET DIAGNOSTICS n_pay = ROW_COUNT;

  IF apply THEN
    INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on, reason)
    SELECT i.customer_id, i.invoice_id, a.kind, pay.payment_id, a.amount, p.received_on, a.reason
      FROM ar_demo_pay p
      JOIN ar.invoice i ON i.invoice_no = p.invoice_no
      JOIN ar.payment pay ON pay.bank_ref = 'DEMO-' || p.pay_key AND pay.source = 'demo'
      CROSS JOIN LATERAL (VALUES ('payment', p.part_amount - p.fee, NULL::text),
                                 ('fee', CASE WHEN p.fee_allowed THEN p.fee ELSE 0 END, 'bank fee deducted by payer'))
                         AS a(kind, amount, reason)
     WHERE pay.customer_id IS NOT NULL AND a.amount > 0 AND i.status = 'open';
    GET DIAGNOSTICS n_alloc = ROW_COUNT;
  END IF;

  -- Disputed invoices (never paid in the plan), opened five days after due.
  INSERT INTO ar.dispute (invoice_id, amount, reason, opened_on)
  SELECT i.invoice_id, i.amount,
         (ARRAY['数量相違 (quantity differs from delivery note)', '単価相違 (unit price differs from quote)',
                'Service not rendered as agreed', '納品遅延 (late delivery)'])[1 + (x.n % 4)],
         x.due_date + 5
    FROM ar.demo_plan_invoices(nc, ipc, sd, st) x
    JOIN ar.invoice i ON i.invoice_no = x.invoice_no
   WHERE ar.demo_random(sd, 'disp:' || x.n || ':' || x.k) < 0.015
     AND x.due_date + 5 BETWEEN from_day AND to_day AND i.status = 'open';
  GET DIAGNOSTICS n_disp = ROW_COUNT;

  -- Late payers sometimes promise: ten days after the due date they promise
  -- the invoice for a date; the plan's payment date decides whether it is kept.
  INSERT INTO ar.promise (customer_id, amount, currency, made_on, promised_on, note)
  SELECT i.customer_id, x.amount, x.currency, x.due_date + 10,
         x.due_date + 10 + 5 + pg_catalog.floor(10 * ar.demo_random(sd, 'pd:' || x.n || ':' || x.k))::int,
         'Promised by phone (demo)'
    FROM ar.demo_plan_invoices(nc, ipc, sd, st) x
    JOIN ar.invoice i ON i.invoice_no = x.invoice_no
   WHERE x.behaviour IN ('late', 'defaulting')
     AND ar.demo_random(sd, 'prom:' || x.n || ':' || x.k) < 0.3
     AND x.due_date + 10 BETWEEN from_day AND to_day
     AND i.status = 'open';
  GET DIAGNOSTICS n_prom = ROW_COUNT;

  RETURN pg_catalog.jsonb_build_object('invoices', n_inv, 'payments', n_pay, 'allocations', COALESCE(n_alloc, 0),
                                       'disputes', n_disp, 'promises', n_prom);
END
$$;
COMMENT ON FUNCTION ar.demo_write(jsonb, date, date, boolean) IS
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
         pg_catalog.jsonb_build_object('demo', true, 'behaviour', c.behaviour, 'payer_name', c.payer_name)
    FROM ar.demo_plan_customers(customers, seed) c
   ORDER BY c.n;
  GET DIAGNOSTICS n_cust = ROW_COUNT;

  written := ar.demo_write(params, st - 1, thr, true);
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
  IF day <= (params ->> 'through')::date THEN
    RAISE EXCEPTION 'the demo book already runs through %', params ->> 'through'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Advance one day at a time after the last day written.';
  END IF;
  UPDATE ar.setting s SET value = (params || pg_catalog.jsonb_build_object('through', day))::text
   WHERE s.key = 'demo_params';
  RETURN ar.demo_write(params, (params ->> 'through')::date + 1, day, apply);
END
$$;
COMMENT ON FUNCTION ar.demo_advance(date, boolean) IS
  'Continues the demo book through a later day: that day''s invoices, payments (unapplied, as from the bank, unless apply), disputes and promises';
