-- Aging: the ar.aging_buckets type (text and binary I/O, every bad input),
-- labels and bucket boundaries, the aggregate ar.aging_sum (sums, zeros,
-- NULLs, exact fallbacks, the parallel path), the views against a small
-- book computed by hand in time zones near midnight, and ar.aging_report
-- at past dates around a payment and its reversal.
BEGIN;
SELECT plan(125);

-- Text I/O ----------------------------------------------------------------------
SELECT is('30,60,90'::ar.aging_buckets::text, '30,60,90', 'canonical text is kept');
SELECT is(' 7 , 030,60 '::ar.aging_buckets::text, '7,30,60', 'spaces and leading zeros are dropped from the output');
SELECT is(E'\t1\n'::ar.aging_buckets::text, '1', 'a single bound, surrounded by white space');
SELECT is('2147483647'::ar.aging_buckets::text, '2147483647', 'the largest bound');
SELECT is((SELECT string_agg(g::text, ',') FROM generate_series(1, 32) g)::ar.aging_buckets::text,
          (SELECT string_agg(g::text, ',') FROM generate_series(1, 32) g), '32 bounds are allowed');

-- Every bad input: SQLSTATE 22P02 and a message quoting the offending part.
SELECT throws_ok($$SELECT ''::ar.aging_buckets$$, '22P02', 'invalid aging buckets "": no bounds given',
                 'empty input is refused');
SELECT throws_ok($$SELECT '   '::ar.aging_buckets$$, '22P02', 'invalid aging buckets "   ": no bounds given',
                 'blank input is refused');
SELECT throws_ok($$SELECT '30,,60'::ar.aging_buckets$$, '22P02', 'invalid aging buckets "30,,60": bound 2 is empty',
                 'an empty bound between commas is refused');
SELECT throws_ok($$SELECT ',30'::ar.aging_buckets$$, '22P02', 'invalid aging buckets ",30": bound 1 is empty',
                 'a leading comma is refused');
SELECT throws_ok($$SELECT '30,'::ar.aging_buckets$$, '22P02', 'invalid aging buckets "30,": bound 2 is empty',
                 'a trailing comma is refused');
SELECT throws_ok($$SELECT '30,abc'::ar.aging_buckets$$, '22P02', 'invalid aging bucket bound "abc"',
                 'junk is refused, quoting the part');
SELECT throws_ok($$SELECT '3 0'::ar.aging_buckets$$, '22P02', 'invalid aging bucket bound "3 0"',
                 'a space inside a bound is refused');
SELECT throws_ok($$SELECT '+30'::ar.aging_buckets$$, '22P02', 'invalid aging bucket bound "+30"',
                 'a plus sign is refused');
SELECT throws_ok($$SELECT '30.5'::ar.aging_buckets$$, '22P02', 'invalid aging bucket bound "30.5"',
                 'a fraction is refused');
SELECT throws_ok($$SELECT '30;60'::ar.aging_buckets$$, '22P02', 'invalid aging bucket bound "30;60"',
                 'another separator is refused');
SELECT throws_ok($$SELECT '-'::ar.aging_buckets$$, '22P02', 'invalid aging bucket bound "-"',
                 'a lone minus is refused');
SELECT throws_ok($$SELECT '0,30'::ar.aging_buckets$$, '22P02', 'aging bucket bound "0" is not positive',
                 'zero is refused');
SELECT throws_ok($$SELECT '30,-5'::ar.aging_buckets$$, '22P02', 'aging bucket bound "-5" is not positive',
                 'a negative bound is refused');
SELECT throws_ok($$SELECT '30,60,60'::ar.aging_buckets$$, '22P02', 'aging bucket bound "60" is repeated',
                 'a duplicate is refused');
SELECT throws_ok($$SELECT '60,30'::ar.aging_buckets$$, '22P02',
                 'aging bucket bound "30" is less than the bound before it (60)', 'descending order is refused');
SELECT throws_ok($$SELECT '30,2147483648'::ar.aging_buckets$$, '22P02',
                 'aging bucket bound "2147483648" is out of range', 'a bound above 2147483647 is refused');
SELECT throws_ok($$SELECT '99999999999999999999999999'::ar.aging_buckets$$, '22P02',
                 'aging bucket bound "99999999999999999999999999" is out of range', 'a huge bound is refused');
SELECT throws_ok($$SELECT (SELECT string_agg(g::text, ',') FROM generate_series(1, 33) g)::ar.aging_buckets$$,
                 '22P02', 'too many aging bucket bounds at "33"', 'a 33rd bound is refused');
SELECT throws_ok($$SELECT repeat('x', 100)::ar.aging_buckets$$, '22P02',
                 'invalid aging bucket bound "' || repeat('x', 40) || '..."', 'a long part is quoted cut short');
SELECT throws_ok($$SELECT repeat('日', 20)::ar.aging_buckets$$, '22P02',
                 'invalid aging bucket bound "' || repeat('日', 13) || '..."',
                 'a long multibyte part is cut at a character boundary');
SELECT throws_like($$SELECT 'x'::ar.aging_buckets$$, 'invalid aging bucket bound "x"',
                   'the message names the part');

-- The setting is validated by the same parser.
SELECT throws_ok($$UPDATE ar.setting SET value = '30,x' WHERE key = 'default_buckets'$$, '22P02',
                 'invalid aging bucket bound "x"', 'default_buckets must be valid aging buckets');
SELECT throws_ok($$UPDATE ar.setting SET value = '90,60' WHERE key = 'default_buckets'$$, '22P02',
                 'aging bucket bound "60" is less than the bound before it (90)', '... in ascending order');

-- Equality and hashing ----------------------------------------------------------
-- The operators live in schema ar: OPERATOR(ar.=), or ar on the search_path.
SELECT ok('30,60'::ar.aging_buckets OPERATOR(ar.=) ' 30 , 60'::ar.aging_buckets, 'equal bounds are equal');
SELECT ok('30,60'::ar.aging_buckets OPERATOR(ar.<>) '30,61'::ar.aging_buckets, 'different bounds differ');
SELECT ok(NOT ('30'::ar.aging_buckets OPERATOR(ar.=) '30,60'::ar.aging_buckets), 'a prefix is not equal');
SELECT is((SELECT count(*)::int FROM (SELECT DISTINCT b FROM (VALUES ('30,60'::ar.aging_buckets), ('30, 60'), ('30'), ('030')) v(b)) d),
          2, 'DISTINCT and GROUP BY use the hash operator class');

-- Binary I/O --------------------------------------------------------------------
SELECT is(ar.aging_buckets_send('30,60,90'), '\x000300000000001e0000003c0000005a'::bytea,
          'send: int16 count, int16 reserved 0, int32 bounds');

-- recv is reached through a binary COPY built from raw bytes.
CREATE TEMP TABLE recv_t (b ar.aging_buckets);
CREATE FUNCTION pg_temp.recv_buckets(payload bytea) RETURNS text
  LANGUAGE plpgsql AS $$
DECLARE
  file bytea := '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
                || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea;
  cmd text;
  r text;
BEGIN
  SELECT 'printf ''' || string_agg('\' || (get_byte(file, i) >> 6)::text || ((get_byte(file, i) >> 3) & 7)::text
                                   || (get_byte(file, i) & 7)::text, '' ORDER BY i) || ''''
    INTO cmd FROM generate_series(0, length(file) - 1) i;
  DELETE FROM recv_t;
  EXECUTE format('COPY recv_t FROM PROGRAM %L WITH (FORMAT binary)', cmd);
  SELECT b::text INTO r FROM recv_t;
  RETURN r;
END
$$;
SELECT is(pg_temp.recv_buckets(ar.aging_buckets_send('7,30,60,90,180')), '7,30,60,90,180',
          'send then recv gives the value back');
SELECT is(pg_temp.recv_buckets(ar.aging_buckets_send((SELECT string_agg(g::text, ',') FROM generate_series(1, 32) g)::ar.aging_buckets)),
          (SELECT string_agg(g::text, ',') FROM generate_series(1, 32) g), '... also with 32 bounds');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x000100010000001e')$$, '22P03',
                 'invalid aging buckets in binary input: reserved field is 1', 'recv refuses a non-zero reserved field');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x00000000')$$, '22P03',
                 'invalid aging buckets in binary input: 0 bounds', 'recv refuses zero bounds');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x00210000' || decode(repeat('00000001', 33), 'hex'))$$, '22P03',
                 'invalid aging buckets in binary input: 33 bounds', 'recv refuses 33 bounds');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x000200000000003c0000001e')$$, '22P03',
                 'invalid aging buckets: bound 2 (30) is not greater than bound 1 (60) in binary input',
                 'recv refuses descending bounds');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x000200000000001e0000001e')$$, '22P03',
                 'invalid aging buckets: bound 2 (30) is not greater than bound 1 (30) in binary input',
                 'recv refuses duplicates');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x0001000000000000')$$, '22P03',
                 'invalid aging buckets: bound 1 is 0, not positive in binary input', 'recv refuses a zero bound');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x00010000ffffffe2')$$, '22P03',
                 'invalid aging buckets: bound 1 is -30, not positive in binary input', 'recv refuses a negative bound');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x000300000000001e')$$, '22P03',
                 'invalid aging buckets in binary input: 4 bytes are too few for 3 bounds', 'recv refuses short data');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x0001')$$, '22P03',
                 'invalid aging buckets in binary input: 2 bytes are too few for the header', 'recv refuses a short header');
SELECT throws_ok($$SELECT pg_temp.recv_buckets('\x000100000000001e00')$$, '22P03', 'incorrect binary data format',
                 'a value with trailing bytes is refused by COPY');

-- Labels and bucket boundaries ---------------------------------------------------
SELECT is(ar.aging_labels('30,60,90'), '{current,1-30,31-60,61-90,90+}'::text[], 'labels of 30,60,90');
SELECT is(ar.aging_labels('7'), '{current,1-7,7+}'::text[], 'labels of a single bound');
SELECT is(ar.aging_labels('1,2,5'), '{current,1,2,3-5,5+}'::text[], 'a one-day bucket is labelled by its day');
SELECT is(cardinality(ar.aging_labels((SELECT string_agg(g::text, ',') FROM generate_series(1, 32) g)::ar.aging_buckets)),
          34, '32 bounds make 34 buckets');
SELECT is(ARRAY(SELECT ar.aging_bucket(d) FROM unnest(ARRAY[-2147483648, -30, -1, 0, 1, 30, 31, 60, 61, 90, 91, 2147483647]) d),
          '{current,current,current,current,1-30,1-30,31-60,31-60,61-90,61-90,90+,90+}'::text[],
          'aging_bucket at the boundaries 0/1, 30/31, 60/61, 90/91 and the extremes (default buckets)');
SELECT is(ARRAY(SELECT ar.aging_bucket_index(d, '30,60,90') FROM unnest(ARRAY[-1, 0, 1, 30, 31, 60, 61, 90, 91]) d),
          '{0,0,1,1,2,2,3,3,4}'::int[], 'aging_bucket_index at the boundaries');
SELECT is(ar.aging_bucket(45, '15,30,45,60'), '31-45', 'a bound belongs to the bucket it closes');
SELECT is(ar.aging_bucket(46, '15,30,45,60'), '46-60', '... the next day to the next bucket');
SELECT is(ar.aging_bucket(NULL::integer), NULL, 'NULL days past due give NULL');
-- Lists longer than eight bounds are searched, not scanned: compare both
-- with counting the bounds below d, for every d around every bound.
SELECT is((SELECT count(*)::int FROM (VALUES ('3'), ('30,60,90'), ('1,2,3,4,5,6,7,8'), ('1,2,3,4,5,6,7,8,9'),
                                             ('5,10,15,20,25,30,35,40,45,50,55,60,65,70,75,80,85,90,95,100'),
                                             ((SELECT string_agg((g * g)::text, ',') FROM generate_series(1, 32) g))) v(t)
                  CROSS JOIN generate_series(-3, 1030) d
                 WHERE ar.aging_bucket_index(d, t::ar.aging_buckets)
                       <> (d > 0)::int + (SELECT count(*) FROM unnest(string_to_array(t, ',')::int[]) b WHERE b < d)),
          0, 'aging_bucket_index = (days > 0) + number of bounds below days, for 1 to 32 bounds');

-- aging_sum ------------------------------------------------------------------------
SELECT is(ar.aging_sum(a, d, '30,60,90'), '{100,200,300,400,500}'::numeric[], 'one amount per bucket')
  FROM (VALUES (100::numeric, 0), (200, 1), (300, 31), (400, 90), (500, 91)) v(a, d);
SELECT is(ar.aging_sum(a, d, '30,60,90'), '{150,0,0,0,5000}'::numeric[], 'zeros where a bucket is empty')
  FROM (VALUES (100::numeric, -5), (50, 0), (5000, 365)) v(a, d);
SELECT is(ar.aging_sum(a, d, '30,60,90'), '{100,0,0,0,0}'::numeric[], 'NULL amounts are ignored')
  FROM (VALUES (100::numeric, 0), (NULL, 10), (NULL, NULL)) v(a, d);
SELECT is(ar.aging_sum(a, d, '30,60,90'), '{0,7,0,0,0}'::numeric[], 'rows with NULL days past due are ignored')
  FROM (VALUES (100::numeric, NULL::int), (7, 10)) v(a, d);
SELECT is(ar.aging_sum(a, d, '30,60,90'), '{0,0,0,0,0}'::numeric[], 'only NULL amounts: zeros')
  FROM (VALUES (NULL::numeric, 1)) v(a, d);
SELECT is(ar.aging_sum(a, d, '30,60,90'), NULL, 'no rows: NULL, like sum()')
  FROM (VALUES (1::numeric, 1)) v(a, d) WHERE false;
SELECT is(ar.aging_sum(a, d, '30,60,90')::text, '{100.10,3.75,0,0,-0.50}', 'the display scale follows the amounts')
  FROM (VALUES (100::numeric, 0), (0.10, -1), (1.50, 5), (2.25, 6), (-0.50, 100)) v(a, d);
SELECT is(ar.aging_sum(a, d, '30,60,90')::text, '{NaN,0.33333333333333333333,1,0,-Infinity}',
          'NaN, infinities, more than eight decimals and huge values are summed exactly')
  FROM (VALUES ('NaN'::numeric, 0), (5, 0), (1::numeric / 3, 1), (1e24, 31), (-1e24, 31), (1, 31),
               ('-Infinity', 91), (7, 91)) v(a, d);
SELECT is(ar.aging_sum(a, d, '30,60,90'),
          ARRAY[0, 99999999999999999.99999999 + 0.00000001 + 12345678901234.5678, -1e-8, 0, 0]::numeric[],
          'values at the edge of the fast path and beyond it add up exactly')
  FROM (VALUES (99999999999999999.99999999::numeric, 1), (0.00000001, 2), (12345678901234.5678, 3),
               (-0.00000001, 40)) v(a, d);
SELECT is(ar.aging_sum(a, d, b), '{0,1,2}'::numeric[], 'buckets from a column (not a constant) work')
  FROM (VALUES (1::numeric, 10, '10'::ar.aging_buckets), (2, 11, ' 10 ')) v(a, d, b);
SELECT throws_ok($$SELECT ar.aging_sum(a, d, b) FROM (VALUES (1::numeric, 10, '10'::ar.aging_buckets), (2, 11, '10,20')) v(a, d, b)$$,
                 '22023', 'ar.aging_sum got different buckets in one group: "10" and "10,20"',
                 'different buckets within one group are refused');
SELECT throws_ok($$SELECT ar.aging_sum(a, d, NULL) FROM (VALUES (1::numeric, 10)) v(a, d)$$,
                 '22004', 'ar.aging_sum buckets must not be null', 'NULL buckets are refused');
SELECT is((SELECT ar.aging_sum(a, d, '30,60,90') FROM (VALUES (1::numeric, 1)) v(a, d) GROUP BY a
            HAVING ar.aging_sum(a, d, '30,60,90') IS NOT NULL), '{0,1,0,0,0}'::numeric[],
          'aging_sum works in HAVING');

-- Random amounts (whole yen, cents, negatives, tiny and huge): aging_sum equals
-- the five FILTER sums, for the usual buckets and for a 20-bound list.
CREATE TABLE pg_temp.rnd AS
SELECT (CASE g % 5 WHEN 0 THEN round(random() * 1e7)
                   WHEN 1 THEN round((random() * 1e5)::numeric, 2)
                   WHEN 2 THEN -round((random() * 1e4)::numeric, 2)
                   WHEN 3 THEN round((random() * 1e17)::numeric, 8)
                   ELSE round((random() * 10)::numeric, 3) END)::numeric AS a,
       (random() * 400)::int - 100 AS d
  FROM generate_series(1, 20000) g;
SELECT is((SELECT ar.aging_sum(a, d, '30,60,90') FROM rnd),
          (SELECT ARRAY[sum(a) FILTER (WHERE d <= 0), sum(a) FILTER (WHERE d BETWEEN 1 AND 30),
                        sum(a) FILTER (WHERE d BETWEEN 31 AND 60), sum(a) FILTER (WHERE d BETWEEN 61 AND 90),
                        sum(a) FILTER (WHERE d > 90)] FROM rnd),
          'aging_sum equals five sum() FILTER over 20000 random amounts');
SELECT is((SELECT ar.aging_sum(a, d, '5,10,15,20,25,30,35,40,45,50,55,60,65,70,75,80,85,90,95,100') FROM rnd),
          (SELECT array_agg(COALESCE(s, 0) ORDER BY i)
             FROM generate_series(0, 21) i
             LEFT JOIN (SELECT (d > 0)::int + GREATEST(LEAST((d - 1) / 5, 20), 0) AS i, sum(a) AS s
                          FROM rnd GROUP BY 1) x USING (i)),
          'aging_sum over 20 bounds equals grouping by bucket');

-- The parallel path -----------------------------------------------------------------
-- A plain table (parallel workers cannot read temporary ones) with amounts of
-- every kind, including the exact fallbacks, so that the serialized states
-- carry them too.
CREATE TABLE ar_test_parallel AS
SELECT CASE WHEN g % 9973 = 0 THEN 1::numeric / 7
            WHEN g % 4999 = 0 THEN 1e22
            WHEN g % 3 = 0 THEN round(((g * 7919) % 10000000)::numeric / 100, 2)
            ELSE ((g * 104729) % 5000000)::numeric END AS amount,
       ((g * 37) % 231 - 30)::integer AS days,
       CASE WHEN g % 3 = 0 THEN 'USD' ELSE 'JPY' END AS currency
  FROM generate_series(1::bigint, 200000) g;
ANALYZE ar_test_parallel;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT ar.aging_sum(amount, days, '30,60,90')::text AS serial_sum FROM ar_test_parallel \gset
SELECT string_agg(currency || ':' || s::text, ' ' ORDER BY currency) AS serial_grouped
  FROM (SELECT currency, ar.aging_sum(amount, days, '30,60,90') AS s FROM ar_test_parallel GROUP BY currency) x \gset
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    p := p || r || E'\n';
  END LOOP;
  RETURN p;
END
$$;
SELECT pg_temp.plan_of($$SELECT ar.aging_sum(amount, days, '30,60,90') FROM ar_test_parallel$$) AS par_plan \gset
SELECT pg_temp.plan_of($$SELECT currency, ar.aging_sum(amount, days, '30,60,90') FROM ar_test_parallel GROUP BY currency$$)
  AS par_grouped_plan \gset
SELECT matches(:'par_plan'::text, 'Finalize Aggregate.*Gather.*Partial Aggregate', 'the plan is a Finalize/Partial aggregate under Gather');
SELECT matches(:'par_plan'::text, 'Workers Launched: [12]', 'parallel workers ran it');
SELECT matches(:'par_grouped_plan'::text, 'Finalize .*Aggregate.*Gather.*Partial .*Aggregate',
               'a grouped aging_sum is also aggregated in parallel');
SELECT ar.aging_sum(amount, days, '30,60,90')::text AS par_sum FROM ar_test_parallel \gset
SELECT string_agg(currency || ':' || s::text, ' ' ORDER BY currency) AS par_grouped
  FROM (SELECT currency, ar.aging_sum(amount, days, '30,60,90') AS s FROM ar_test_parallel GROUP BY currency) x \gset
SELECT is(:'par_sum'::text, :'serial_sum'::text, 'the parallel result equals the serial one');
SELECT is(:'par_grouped'::text, :'serial_grouped'::text, '... per group as well');
SELECT is(:'serial_sum'::text,
          (SELECT ARRAY[sum(amount) FILTER (WHERE days <= 0), sum(amount) FILTER (WHERE days BETWEEN 1 AND 30),
                        sum(amount) FILTER (WHERE days BETWEEN 31 AND 60), sum(amount) FILTER (WHERE days BETWEEN 61 AND 90),
                        sum(amount) FILTER (WHERE days > 90)]::text FROM ar_test_parallel),
          '... and both equal the FILTER sums');
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- The views, against a small book computed by hand -----------------------------------
-- The clock: 2026-11-30 15:30 UTC is 2026-12-01 00:30 in Tokyo (just past
-- midnight) and 2026-11-30 07:30 in Los Angeles.  Days past due are counted
-- to each customer's own date, so an item due 2026-11-30 is 1 day late in
-- Tokyo and not late in Los Angeles.
INSERT INTO ar.customer (customer_code, name, currency, time_zone, locale) VALUES
  ('AG-K1', '株式会社エイジング', 'JPY', 'Asia/Tokyo', 'ja'),
  ('AG-K2', 'Aging West Inc.', 'USD', 'America/Los_Angeles', 'en'),
  ('AG-K3', '前受株式会社', 'JPY', 'Asia/Tokyo', 'ja');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, v.no, v.issued::date, v.due::date, v.amount
  FROM (VALUES ('AG-K1', 'AG-E1', '2026-11-01', '2026-12-01', 100000),   -- 0 days: current
               ('AG-K1', 'AG-E2', '2026-10-31', '2026-11-30', 200000),   -- 1 day: 1-30
               ('AG-K1', 'AG-E3', '2026-10-01', '2026-10-31', 300000),   -- 31 days: 31-60 (50,000 paid)
               ('AG-K1', 'AG-E4', '2026-08-01', '2026-09-01', 400000),   -- 91 days: 90+
               ('AG-K1', 'AG-E5', '2026-08-02', '2026-09-02', 50000),    -- 90 days: 61-90
               ('AG-K1', 'AG-E6', '2026-10-15', '2026-11-15', 30000),    -- paid in full
               ('AG-K1', 'AG-E7', '2026-10-15', '2026-11-15', 60000),    -- void
               ('AG-K2', 'AG-U1', '2026-11-01', '2026-11-30', 1500.50),  -- 0 days in LA: current
               ('AG-K2', 'AG-U2', '2026-10-01', '2026-10-31', 99.95))    -- 30 days in LA: 1-30
       v(code, no, issued, due, amount)
  JOIN ar.customer c ON c.customer_code = v.code;
UPDATE ar.invoice SET status = 'void', void_reason = 'test' WHERE invoice_no = 'AG-E7';
INSERT INTO ar.payment (customer_id, amount, received_on, bank_ref, source)
SELECT c.customer_id, v.amount, date '2026-11-20', v.ref, 'aging-test'
  FROM (VALUES ('AG-K1', 80000, 'AG-P1'), ('AG-K1', 30000, 'AG-P2'), ('AG-K3', 5000, 'AG-P3')) v(code, amount, ref)
  JOIN ar.customer c ON c.customer_code = v.code;
INSERT INTO ar.payment (customer_id, amount, received_on, bank_ref, source, payer_name)
  VALUES (NULL, 7000, date '2026-11-20', 'AG-P4', 'aging-test', 'ﾌﾒｲ');
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT i.invoice_id, 'payment', p.payment_id, v.amount, date '2026-11-20'
  FROM (VALUES ('AG-E3', 'AG-P1', 50000), ('AG-E6', 'AG-P2', 30000)) v(no, ref, amount)
  JOIN ar.invoice i ON i.invoice_no = v.no
  JOIN ar.payment p ON p.bank_ref = v.ref;
INSERT INTO ar.credit_note (customer_id, credit_note_no, issue_date, amount, reason)
SELECT customer_id, 'AG-CN1', date '2026-11-20', 10000, 'returned goods' FROM ar.customer WHERE customer_code = 'AG-K1';

SELECT results_eq(
  $$SELECT invoice_no, days_past_due, bucket FROM ar.open_items_at('2026-11-30 15:30:00+00')
     WHERE customer_code LIKE 'AG-%' ORDER BY invoice_no$$,
  $$VALUES ('AG-E1', 0, 'current'), ('AG-E2', 1, '1-30'), ('AG-E3', 31, '31-60'), ('AG-E4', 91, '90+'),
           ('AG-E5', 90, '61-90'), ('AG-U1', 0, 'current'), ('AG-U2', 30, '1-30')$$,
  'open items: days past due in each customer''s time zone just after midnight in Tokyo');
SELECT results_eq(
  $$SELECT invoice_no, days_past_due FROM ar.open_items_at('2026-11-30 14:59:59+00')
     WHERE invoice_no IN ('AG-E2', 'AG-E3') ORDER BY invoice_no$$,
  $$VALUES ('AG-E2', 0), ('AG-E3', 30)$$,
  'one second before midnight in Tokyo the same items are a day younger');
SELECT is((SELECT (open_amount, customer_code, customer_name, currency)::text FROM ar.open_items_at('2026-11-30 15:30:00+00')
            WHERE invoice_no = 'AG-E3'), '(250000,AG-K1,株式会社エイジング,JPY)', 'open items carry the open amount and the customer');

SELECT results_eq(
  $$SELECT customer_code, currency, current, d1_30, d31_60, d61_90, d90_plus, total_open, overdue_total,
           oldest_days_past_due, open_items, unapplied_cash, open_credits, net_balance
      FROM ar.customer_aging_at('2026-11-30 15:30:00+00') WHERE customer_code LIKE 'AG-%' ORDER BY customer_code$$,
  $$VALUES ('AG-K1', 'JPY'::char(3), 100000::numeric, 200000::numeric, 250000::numeric, 50000::numeric, 400000::numeric,
            1000000::numeric, 900000::numeric, 91, 5, 30000::numeric, 10000::numeric, 960000::numeric),
           ('AG-K2', 'USD', 1500.50, 99.95, 0, 0, 0, 1600.45, 99.95, 30, 2, 0, 0, 1600.45),
           ('AG-K3', 'JPY', 0, 0, 0, 0, 0, 0, 0, NULL, 0, 5000, 0, -5000)$$,
  'aging per customer: buckets, totals, oldest item, cash and credits beside the buckets; a customer with only cash appears');
SELECT results_eq(
  $$SELECT currency, customers, open_items, current, d1_30, d31_60, d61_90, d90_plus, total_open, overdue_total,
           pct_current, pct_d1_30, pct_d31_60, pct_d61_90, pct_d90_plus, pct_overdue,
           unapplied_cash, unidentified_cash, open_credits, net_balance
      FROM ar.aging_summary_at('2026-11-30 15:30:00+00') WHERE currency IN ('JPY', 'USD') ORDER BY currency$$,
  $$VALUES ('JPY'::char(3), 1, 5, 100000::numeric, 200000::numeric, 250000::numeric, 50000::numeric, 400000::numeric,
            1000000::numeric, 900000::numeric, 10.00, 20.00, 25.00, 5.00, 40.00, 90.00,
            35000::numeric, 7000::numeric, 10000::numeric, 948000::numeric),
           ('USD', 1, 2, 1500.50, 99.95, 0, 0, 0, 1600.45, 99.95, 93.75, 6.25, 0.00, 0.00, 0.00, 6.25, 0, 0, 0, 1600.45)$$,
  'aging summary per currency: shares of the open total, unidentified cash apart');

UPDATE ar.setting SET value = '15,30,60,90' WHERE key = 'default_buckets';
SELECT results_eq(
  $$SELECT customer_code, bucket_labels, bucket_amounts FROM ar.customer_aging_at('2026-11-30 15:30:00+00')
     WHERE customer_code IN ('AG-K1', 'AG-K2') ORDER BY customer_code$$,
  $$VALUES ('AG-K1', '{current,1-15,16-30,31-60,61-90,90+}'::text[], '{100000,200000,0,250000,50000,400000}'::numeric[]),
           ('AG-K2', '{current,1-15,16-30,31-60,61-90,90+}', '{1500.50,0,99.95,0,0,0}')$$,
  'bucket_labels and bucket_amounts follow the setting default_buckets');
SELECT is((SELECT bucket FROM ar.open_items_at('2026-11-30 15:30:00+00') WHERE invoice_no = 'AG-U2'), '16-30',
          'the open items'' bucket follows the setting');
SELECT is((SELECT (d1_30, d31_60)::text FROM ar.customer_aging_at('2026-11-30 15:30:00+00') WHERE customer_code = 'AG-K2'),
          '(99.95,0)', 'the 30/60/90 columns keep their meaning whatever the setting');
SELECT is((SELECT bucket_amounts FROM ar.aging_summary_at('2026-11-30 15:30:00+00') WHERE currency = 'USD'),
          '{1500.50,0,99.95,0,0,0}'::numeric[], 'the summary''s bucket arrays follow the setting too');

-- The views are the functions at now().
-- (v_open_items adds in_dispute, promised and predicted_pay_date after these
-- columns: 520_risk.sql, tested in 72_risk_forecast.sql.)
SELECT set_eq($$SELECT invoice_id, invoice_no, kind, customer_id, customer_code, customer_name, segment, collector,
                       currency, amount, open_amount, issue_date, due_date, days_past_due, bucket, dunning_level
                  FROM ar.v_open_items$$,
              $$SELECT * FROM ar.open_items_at(now())$$, 'v_open_items is open_items_at(now())');
SELECT set_eq($$SELECT * FROM ar.v_aging$$, $$SELECT * FROM ar.customer_aging_at(now())$$, 'v_aging is customer_aging_at(now())');
SELECT set_eq($$SELECT * FROM ar.v_aging_summary$$, $$SELECT * FROM ar.aging_summary_at(now())$$,
              'v_aging_summary is aging_summary_at(now())');
SELECT is((SELECT count(*)::int FROM ar.v_open_items WHERE invoice_no LIKE 'AG-%'), 7, 'v_open_items has the open invoices only');
SELECT is((SELECT count(*)::int FROM pg_class c
            WHERE c.oid IN ('ar.v_open_items'::regclass, 'ar.v_aging'::regclass, 'ar.v_aging_summary'::regclass)
              AND 'security_invoker=true' = ANY (c.reloptions)), 3, 'the aging views are security_invoker');
SELECT is((SELECT count(*)::int FROM pg_attribute a
            WHERE a.attrelid IN ('ar.v_open_items'::regclass, 'ar.v_aging'::regclass, 'ar.v_aging_summary'::regclass)
              AND a.attnum > 0 AND col_description(a.attrelid, a.attnum) IS NULL), 0,
          'every column of the aging views has a comment');
SELECT is((SELECT count(*)::int FROM pg_class c
            WHERE c.oid IN ('ar.v_open_items'::regclass, 'ar.v_aging'::regclass, 'ar.v_aging_summary'::regclass)
              AND obj_description(c.oid, 'pg_class') IS NOT NULL), 3, 'every aging view has a comment');
SELECT has_column('ar', 'v_aging', c, 'v_aging has column ' || c)
  FROM unnest(ARRAY['current', 'd1_30', 'd31_60', 'd61_90', 'd90_plus', 'total_open', 'overdue_total',
                    'oldest_days_past_due', 'unapplied_cash', 'open_credits']) c;
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the ledger holds after the view scenario');

-- aging_report: the book at past dates ---------------------------------------------
-- AG-K5: invoice AG-R1 (100,000, due 2026-06-30) paid on 2026-07-10 by a
-- payment whose allocation is reversed with effect from 2026-07-20 (the
-- allocation was a mistake); invoice AG-R2 (50,000, due 2026-07-31) of which a credit
-- note of 30,000 covers 20,000 from 2026-07-05.
INSERT INTO ar.customer (customer_code, name, segment, collector) VALUES ('AG-K5', '過去株式会社', 'smb', 'alice');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, v.no, v.issued::date, v.due::date, v.amount
  FROM ar.customer, (VALUES ('AG-R1', '2026-06-01', '2026-06-30', 100000), ('AG-R2', '2026-07-01', '2026-07-31', 50000)) v(no, issued, due, amount)
 WHERE customer_code = 'AG-K5';
INSERT INTO ar.payment (customer_id, amount, received_on, bank_ref, source)
SELECT customer_id, 100000, date '2026-07-10', 'AG-PR1', 'aging-test' FROM ar.customer WHERE customer_code = 'AG-K5';
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT i.invoice_id, 'payment', p.payment_id, 100000, date '2026-07-10'
  FROM ar.invoice i, ar.payment p WHERE i.invoice_no = 'AG-R1' AND p.bank_ref = 'AG-PR1';
INSERT INTO ar.credit_note (customer_id, credit_note_no, issue_date, amount)
SELECT customer_id, 'AG-CNR1', date '2026-07-05', 30000 FROM ar.customer WHERE customer_code = 'AG-K5';
INSERT INTO ar.allocation (invoice_id, kind, credit_note_id, amount, applied_on)
SELECT i.invoice_id, 'credit_note', n.credit_note_id, 20000, date '2026-07-05'
  FROM ar.invoice i, ar.credit_note n WHERE i.invoice_no = 'AG-R2' AND n.credit_note_no = 'AG-CNR1';
UPDATE ar.allocation SET reversed_on = date '2026-07-20', reversal_reason = 'applied to the wrong invoice'
 WHERE payment_id = (SELECT payment_id FROM ar.payment WHERE bank_ref = 'AG-PR1');

SELECT is_empty($$SELECT * FROM ar.aging_report('2026-05-31') WHERE group_key = 'AG-K5'$$,
                'before the first invoice was issued the customer has no row');
SELECT results_eq($$SELECT labels, amounts, total FROM ar.aging_report('2026-06-15') WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{current,1-30,31-60,61-90,90+,unapplied_cash,open_credits}'::text[],
                            '{100000,0,0,0,0,0,0}'::numeric[], 100000::numeric)$$,
                  'as of 2026-06-15: the first invoice, not yet due; cash and credits are extra labels');
SELECT results_eq($$SELECT amounts, total FROM ar.aging_report('2026-07-09') WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{30000,100000,0,0,0,0,10000}'::numeric[], 130000::numeric)$$,
                  'as of 2026-07-09, before the payment: R1 9 days late, R2 less its credit, the unused credit apart');
SELECT results_eq($$SELECT amounts, total FROM ar.aging_report('2026-07-10') WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{30000,0,0,0,0,0,10000}'::numeric[], 30000::numeric)$$,
                  'as of 2026-07-10: the payment applied on that day settles R1');
SELECT results_eq($$SELECT amounts, total FROM ar.aging_report('2026-07-19') WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{30000,0,0,0,0,0,10000}'::numeric[], 30000::numeric)$$,
                  'as of 2026-07-19: the reversal recorded later has no effect yet');
SELECT results_eq($$SELECT amounts, total FROM ar.aging_report('2026-07-20') WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{30000,100000,0,0,0,100000,10000}'::numeric[], 130000::numeric)$$,
                  'as of 2026-07-20: the reversal reopens R1 (20 days late) and the payment is unapplied cash');
SELECT results_eq($$SELECT amounts FROM ar.aging_report('2026-07-09', '30,60,90', 'customer', 'issue_date')
                     WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{0,30000,100000,0,0,0,10000}'::numeric[])$$,
                  'aged by issue date: R1 38 days old, R2 8 days old');
SELECT results_eq($$SELECT labels, amounts FROM ar.aging_report('2026-07-20', '15,30') WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{current,1-15,16-30,30+,unapplied_cash,open_credits}'::text[], '{30000,0,100000,0,100000,10000}'::numeric[])$$,
                  'other buckets');
SELECT results_eq($$SELECT group_key, currency, total FROM ar.aging_report('2026-07-20', '30,60,90', 'segment')$$,
                  $$VALUES ('smb', 'JPY'::char(3), 130000::numeric)$$, 'grouped by segment');
SELECT results_eq($$SELECT group_key, total FROM ar.aging_report('2026-07-20', '30,60,90', 'collector')$$,
                  $$VALUES ('alice', 130000::numeric)$$, 'grouped by collector');
SELECT results_eq($$SELECT group_key, amounts FROM ar.aging_report('2026-07-20', '30,60,90', 'currency')$$,
                  $$VALUES ('JPY', '{30000,100000,0,0,0,100000,10000}'::numeric[])$$, 'grouped by currency');
-- The freed payment settles the rest of AG-R2 from 2026-07-21.
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT i.invoice_id, 'payment', p.payment_id, 30000, date '2026-07-21'
  FROM ar.invoice i, ar.payment p WHERE i.invoice_no = 'AG-R2' AND p.bank_ref = 'AG-PR1';
SELECT results_eq($$SELECT amounts, total FROM ar.aging_report('2026-07-20') WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{30000,100000,0,0,0,100000,10000}'::numeric[], 130000::numeric)$$,
                  'a later allocation does not change an earlier date');
SELECT results_eq($$SELECT amounts, total FROM ar.aging_report('2026-07-21') WHERE group_key = 'AG-K5'$$,
                  $$VALUES ('{0,100000,0,0,0,70000,10000}'::numeric[], 100000::numeric)$$,
                  'as of 2026-07-21: the payment, freed by the reversal, settles R2; the rest stays unapplied');
SELECT results_eq($$SELECT group_key, currency, total FROM ar.aging_report('2026-12-01', '30,60,90', 'total')$$,
                  $$VALUES ('total', 'JPY'::char(3), 1100000::numeric), ('total', 'USD', 1600.45)$$,
                  'grouped in total: one row per currency');
SELECT results_eq($$SELECT group_key, amounts FROM ar.aging_report('2026-12-01') WHERE currency = 'JPY' AND group_key IS DISTINCT FROM 'AG-K5'$$,
                  $$VALUES ('AG-K1', '{100000,200000,250000,50000,400000,30000,10000}'::numeric[]),
                           ('AG-K3', '{0,0,0,0,0,5000,0}'), (NULL, '{0,0,0,0,0,7000,0}')$$,
                  'the view scenario as of 2026-12-01, unidentified cash under a NULL key');
SELECT is((SELECT sum(total) FROM ar.aging_report(current_date, '30,60,90', 'currency') WHERE currency = 'JPY'),
          (SELECT sum(open_amount) FROM ar.invoice WHERE status = 'open' AND currency = 'JPY'),
          'as of today the report total is the open amount of the ledger');

SELECT throws_ok($$SELECT * FROM ar.aging_report('2026-07-20', '30,60,90', 'vendor')$$, '22023',
                 'unknown aging_report grouping "vendor"', 'an unknown grouping is refused');
SELECT throws_ok($$SELECT * FROM ar.aging_report('2026-07-20', '30,60,90', 'customer', 'paid_date')$$, '22023',
                 'unknown aging_report age_by "paid_date"', 'an unknown age_by is refused');
SELECT throws_ok($$SELECT * FROM ar.aging_report(NULL)$$, '22004', 'as_of of ar.aging_report must not be null',
                 'a NULL as_of is refused');
SELECT throws_ok($$SELECT * FROM ar.aging_report('2026-07-20', NULL)$$, '22004',
                 'buckets of ar.aging_report must not be null', 'NULL buckets are refused');
SELECT throws_ok($$SELECT * FROM ar.aging_report('2026-07-20', '30,,60')$$, '22P02',
                 'invalid aging buckets "30,,60": bound 2 is empty', 'bad buckets are refused by the type');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the ledger holds after the as-of scenario');

SELECT * FROM finish();
ROLLBACK;
