-- ar.payment_terms: every form of SPEC.md, month ends and leap years,
-- business-day adjustment, semi-monthly boundaries, Japanese <-> canonical,
-- binary send/recv, discounts, labels, the invoice default due date, and
-- every bad input with its SQLSTATE and message.
BEGIN;
SELECT plan(162);

CREATE TEMP TABLE cases (input text, canonical text);
INSERT INTO cases VALUES
  ('net 30', 'net 30'),
  ('NET30', 'net 30'),
  ('  Net   30  ', 'net 30'),
  ('eom +30', 'eom +30'),
  ('EOM+30', 'eom +30'),
  ('net 30 eom', 'eom +30'),
  ('eom', 'close eom due 0 eom'),
  ('close eom due 1 eom', 'close eom due 1 eom'),
  ('close 31 due 1 31', 'close eom due 1 eom'),
  ('close 20 due 1 10', 'close 20 due 1 10'),
  ('close eom due 2 10', 'close eom due 2 10'),
  ('2/10 net 30', '2/10 net 30'),
  ('2/10, n/30', '2/10 net 30'),
  ('1.5/10 net 30', '1.5/10 net 30'),
  ('0.25/5 net 60', '0.25/5 net 60'),
  ('net 30, adjust preceding', 'net 30, adjust preceding'),
  ('close eom due 1 eom adjust following', 'close eom due 1 eom, adjust following'),
  ('close 20 due 1 10, adjust modified following', 'close 20 due 1 10, adjust modified_following'),
  ('close 20 due 1 10, adjust none', 'close 20 due 1 10'),
  ('close 15 due 0 eom; close eom due 1 15', 'close 15 due 0 eom; close eom due 1 15'),
  ('close eom due 1 15; close 15 due 0 eom', 'close 15 due 0 eom; close eom due 1 15'),
  ('close 5 due 1 5; close 10 due 1 10; close 15 due 1 15; close 20 due 1 20; close 25 due 1 25; close eom due 1 eom',
   'close 5 due 1 5; close 10 due 1 10; close 15 due 1 15; close 20 due 1 20; close 25 due 1 25; close eom due 1 eom'),
  ('月末締め翌月末払い', 'close eom due 1 eom'),
  ('20日締め翌月10日払い', 'close 20 due 1 10'),
  ('月末締め翌々月10日払い', 'close eom due 2 10'),
  ('末締め翌月末払い', 'close eom due 1 eom'),
  ('月末〆翌月末払', 'close eom due 1 eom'),
  ('当月末締め翌月末支払い', 'close eom due 1 eom'),
  ('毎月20日締め翌月10日支払', 'close 20 due 1 10'),
  ('15日締め当月末払い', 'close 15 due 0 eom'),
  ('月末締め3ヶ月後10日払い', 'close eom due 3 10'),
  ('２０日締め翌月１０日払い', 'close 20 due 1 10'),
  ('20日　締め　翌月　10日払い', 'close 20 due 1 10'),
  ('月末締め翌月末払い（前営業日）', 'close eom due 1 eom, adjust preceding'),
  ('月末締め翌月末払い(前営業日)', 'close eom due 1 eom, adjust preceding'),
  ('20日締め翌月10日払い（翌営業日）', 'close 20 due 1 10, adjust following'),
  ('20日締め翌月10日払い（修正翌営業日）', 'close 20 due 1 10, adjust modified_following'),
  ('15日締め当月末払い・月末締め翌月15日払い', 'close 15 due 0 eom; close eom due 1 15'),
  ('15日締め当月末払い；月末締め翌月15日払い', 'close 15 due 0 eom; close eom due 1 15'),
  ('請求日から30日後払い', 'net 30'),
  ('30日後払い', 'net 30'),
  ('月末締め30日後払い', 'eom +30'),
  ('10日以内2%割引、請求日から30日後払い', '2/10 net 30'),
  ('10日以内支払いで２％割引、請求日から60日後払い', '2/10 net 60');

-- Input -> canonical, and canonical -> itself ----------------------------------------
SELECT is(input::ar.payment_terms::text, canonical, pg_catalog.format('%s reads as %s', input, canonical)) FROM cases;
SELECT is_empty($$SELECT canonical FROM cases WHERE canonical::ar.payment_terms::text <> canonical$$,
                'every canonical form reads back as itself');

-- Japanese label <-> canonical round trip ------------------------------------------------
SELECT is_empty($$SELECT canonical, ar.terms_label(canonical::ar.payment_terms, 'ja') FROM cases
                  WHERE NOT ar.terms_label(canonical::ar.payment_terms, 'ja')::ar.payment_terms
                            OPERATOR(ar.=) canonical::ar.payment_terms$$,
                'the Japanese label of every form reads back as the same terms');
SELECT is(ar.terms_label('close eom due 1 eom'), '月末締め翌月末払い', 'label ja (default)');
SELECT is(ar.terms_label('close 20 due 1 10', 'ja'), '20日締め翌月10日払い', 'label ja 20日締め');
SELECT is(ar.terms_label('close eom due 2 10, adjust preceding', 'ja'), '月末締め翌々月10日払い（前営業日）', 'label ja with 前営業日');
SELECT is(ar.terms_label('close 15 due 0 eom; close eom due 1 15', 'ja'), '15日締め当月末払い・月末締め翌月15日払い',
          'label ja semi-monthly');
SELECT is(ar.terms_label('net 30', 'en'), 'Net 30', 'label en Net 30');
SELECT is(ar.terms_label('2/10 net 30', 'en'), '2% 10, Net 30', 'label en discount');
SELECT is(ar.terms_label('eom +30', 'en'), 'Net 30 EOM', 'label en EOM');
SELECT is(ar.terms_label('close eom due 1 eom', 'en'), 'Close EOM, due end of next month', 'label en close eom');
SELECT is(ar.terms_label('close 20 due 1 10, adjust following', 'en'),
          'Close 20th, due 10th of next month, following business day', 'label en close 20 with adjustment');
SELECT is(ar.terms_label('close 1 due 2 22', 'en'), 'Close 1st, due 22nd of the month after next', 'label en ordinals');

-- Equality ---------------------------------------------------------------------------------
SELECT ok('net 30'::ar.payment_terms OPERATOR(ar.=) '請求日から30日後払い', 'net 30 = 請求日から30日後払い');
SELECT ok('close eom due 1 eom'::ar.payment_terms OPERATOR(ar.=) '末締め翌月末払い', 'close eom due 1 eom = 末締め翌月末払い');
SELECT ok('net 30'::ar.payment_terms OPERATOR(ar.<>) 'net 31', 'net 30 <> net 31');
SELECT ok('net 30'::ar.payment_terms OPERATOR(ar.<>) 'net 30, adjust following', 'the adjustment is part of the terms');
SELECT is((SELECT count(*)::int FROM (SELECT DISTINCT input::ar.payment_terms FROM cases) d), 19,
          'DISTINCT (hashing) groups equal terms: 44 spellings, 19 terms');

-- Due dates ---------------------------------------------------------------------------------
SELECT is(ar.due_date('net 30', '2026-01-31'), date '2026-03-02', 'net 30');
SELECT is(ar.due_date('eom +30', '2026-01-05'), date '2026-03-02', 'eom +30: January 31 + 30 days');
SELECT is(ar.due_date('eom', '2026-02-10'), date '2026-02-28', 'eom: the end of the issue month');
SELECT is(ar.due_date('close eom due 1 eom', '2026-01-15'), date '2026-02-28', '月末締め翌月末払い in January');
SELECT is(ar.due_date('close eom due 1 eom', '2026-01-31'), date '2026-02-28', 'January 31 + 1 month is February 28');
SELECT is(ar.due_date('close eom due 1 eom', '2026-02-28'), date '2026-03-31', 'and the next month end is again the 31st');
SELECT is(ar.due_date('close eom due 1 eom', '2024-01-31'), date '2024-02-29', 'leap year: February 29');
SELECT is(ar.due_date('close eom due 1 eom', '2100-01-31'), date '2100-02-28', '2100 is no leap year');
SELECT is(ar.due_date('close eom due 1 eom', '2000-01-31'), date '2000-02-29', '2000 is a leap year');
SELECT is(ar.due_date('close 20 due 1 10', '2026-01-20'), date '2026-02-10', '20日締め: the 20th closes that month');
SELECT is(ar.due_date('close 20 due 1 10', '2026-01-21'), date '2026-03-10', '20日締め: the 21st closes next month');
SELECT is(ar.due_date('close 20 due 1 10', '2026-12-25'), date '2027-02-10', 'closing across the year end');
SELECT is(ar.due_date('close eom due 2 10', '2026-01-05'), date '2026-03-10', '月末締め翌々月10日払い');
SELECT is(ar.due_date('close eom due 2 10', '2026-11-30'), date '2027-01-10', '翌々月 across the year end');
SELECT is(ar.due_date('close 20 due 1 30', '2026-01-10'), date '2026-02-28', 'a due day past the month''s end clamps');
SELECT is(ar.due_date('close 20 due 1 30', '2024-01-10'), date '2024-02-29', '... to February 29 in a leap year');
SELECT is(ar.due_date('close 30 due 1 eom', '2026-02-28'), date '2026-03-31', 'a closing day past the month''s end closes on its last day');
SELECT is(ar.due_date('close 30 due 1 eom', '2026-03-31'), date '2026-05-31', 'the 31st is after closing day 30');
SELECT is(ar.due_date('close eom due 24 eom', '2026-02-10'), date '2028-02-29', '24 months ahead, into a leap February');
SELECT is(ar.due_date('2/10 net 30', '2026-04-01'), date '2026-05-01', '2/10 net 30: due in 30 days');

-- Semi-monthly boundaries
SELECT is(ar.due_date('close 15 due 0 eom; close eom due 1 15', '2026-02-15'), date '2026-02-28', 'semi-monthly: the 15th closes on the 15th');
SELECT is(ar.due_date('close 15 due 0 eom; close eom due 1 15', '2026-02-16'), date '2026-03-15', 'semi-monthly: the 16th closes at month end');
SELECT is(ar.due_date('close 15 due 0 eom; close eom due 1 15', '2026-02-28'), date '2026-03-15', 'semi-monthly: the month''s last day');
SELECT is(ar.due_date('close 15 due 0 eom; close eom due 1 15', '2026-02-01'), date '2026-02-28', 'semi-monthly: the 1st');
SELECT is(ar.due_date('close 10 due 0 25; close 25 due 1 10', '2026-01-26'), date '2026-02-25',
          'after the last closing day of the month, the first closing of the next month applies');

-- Business-day adjustment (JP-BANK unless said otherwise)
SELECT is(ar.due_date('close eom due 1 eom, adjust preceding', '2026-04-15'), date '2026-05-29', '前営業日: Sunday May 31 -> Friday');
SELECT is(ar.due_date('close eom due 1 eom, adjust following', '2026-04-15'), date '2026-06-01', '翌営業日: -> Monday June 1');
SELECT is(ar.due_date('close eom due 1 eom, adjust modified_following', '2026-04-15'), date '2026-05-29',
          'modified following stays in May');
SELECT is(ar.due_date('close eom due 1 eom', '2026-04-15'), date '2026-05-31', 'without adjust the date stays on the Sunday');
SELECT is(ar.due_date('net 30, adjust following', '2026-04-03'), date '2026-05-07', 'Golden Week: May 3 -> May 7');
SELECT is(ar.due_date('net 30, adjust preceding', '2026-04-03'), date '2026-05-01', 'Golden Week: May 3 -> May 1');
SELECT is(ar.due_date('close 20 due 1 eom, adjust following', '2026-11-15'), date '2027-01-04',
          'JP-BANK: December 31 -> January 4');
SELECT is(ar.due_date('close 20 due 1 eom, adjust following', '2026-11-15', 'JP'), date '2026-12-31',
          'JP: December 31 is a business day');
SELECT is(ar.due_date('close 20 due 1 eom, adjust following', '2026-11-15', 'WEEKENDS'), date '2026-12-31',
          'WEEKENDS: December 31 is a business day');
SELECT is(ar.due_date('eom, adjust preceding', '2026-01-31'), date '2026-02-02',
          'a preceding move never goes before the issue date: it goes forward instead');
SELECT is(ar.due_date('月末締め翌月末払い（前営業日）', '2026-08-03'), date '2026-09-30', '前営業日 on a business day changes nothing');

-- Discounts --------------------------------------------------------------------------------
SELECT is(ar.discount_date('2/10 net 30', '2026-04-01'), date '2026-04-11', 'discount date = issue + 10');
SELECT is(ar.discount_date('net 30', '2026-04-01'), NULL, 'no discount: NULL');
SELECT is(ar.discount_amount('2/10 net 30', 100000, '2026-04-01', '2026-04-11'), 2000::numeric, 'paid on the last discount day');
SELECT is(ar.discount_amount('2/10 net 30', 100000, '2026-04-01', '2026-04-12'), 0::numeric, 'paid a day late: no discount');
SELECT is(ar.discount_amount('2/10 net 30', 100000, '2026-04-01', '2026-03-30'), 2000::numeric, 'paid before issue: discount');
SELECT is(ar.discount_amount('net 30', 100000, '2026-04-01', '2026-04-02'), 0::numeric, 'terms without discount: 0');
SELECT is(ar.discount_amount('2/10 net 30', 1234.57, '2026-04-01', '2026-04-05', 2)::text, '24.69', 'USD: 24.6914 -> 24.69');
SELECT is(ar.discount_amount('2/10 net 30', 25, '2026-04-01', '2026-04-05')::text, '1', 'JPY: 0.5 rounds half away from zero');
SELECT is(ar.discount_amount('2/10 net 30', -25, '2026-04-01', '2026-04-05')::text, '-1', '... also below zero');
SELECT is(ar.discount_amount('1.5/10 net 30', 1001, '2026-04-01', '2026-04-05')::text, '15', '1.5% of 1001 = 15.015 -> 15');
SELECT is(ar.discount_amount('0.25/5 net 60', 999.99, '2026-04-01', '2026-04-05', 2)::text, '2.50', '0.25% of 999.99 -> 2.50');
SELECT is(ar.discount_amount('2/10 net 30', 100, '2026-04-01', '2026-04-30', 2)::text, '0.00', 'no discount, at the currency''s scale');

-- Binary send / recv ----------------------------------------------------------------------------
SELECT is(ar.payment_terms_send('close 20 due 1 10, adjust following'), '\x0103020000000000000114010a'::bytea,
          'binary form: version, kind, adjust, days, discount, discount days, clauses');
SELECT is(ar.payment_terms_send('2/10 net 30'), '\x010100001e00c8000a00'::bytea, 'binary form of 2/10 net 30');
CREATE TEMP TABLE bin_src (t ar.payment_terms);
INSERT INTO bin_src SELECT canonical::ar.payment_terms FROM cases;
CREATE TEMP TABLE bin_dst (t ar.payment_terms);
CREATE TEMP TABLE bad_bin (x bytea);
INSERT INTO bad_bin VALUES ('\x0203000000000000000114010a');     -- format version 2
CREATE TEMP TABLE bad_bin2 (x bytea);
INSERT INTO bad_bin2 VALUES ('\x010300000000000000011401ff');     -- due day 255
CREATE TEMP TABLE bad_bin3 (x bytea);
INSERT INTO bad_bin3 VALUES ('\x0103000000000000000214010a0a010a'); -- closing days out of order
DO $$
DECLARE
  f text := current_setting('data_directory') || '/pgr_terms_' || pg_backend_pid();
BEGIN
  EXECUTE format('COPY bin_src TO %L (FORMAT binary)', f || '.bin');
  EXECUTE format('COPY bin_dst FROM %L (FORMAT binary)', f || '.bin');
  EXECUTE format('COPY bad_bin TO %L (FORMAT binary)', f || '_v2.bin');
  EXECUTE format('COPY bad_bin2 TO %L (FORMAT binary)', f || '_day.bin');
  EXECUTE format('COPY bad_bin3 TO %L (FORMAT binary)', f || '_order.bin');
END
$$;
SELECT is((SELECT array_agg(t::text ORDER BY t::text) FROM bin_dst), (SELECT array_agg(t::text ORDER BY t::text) FROM bin_src),
          'every form survives a binary COPY out and in');
SELECT throws_ok(format('COPY bin_dst FROM %L (FORMAT binary)', current_setting('data_directory') || '/pgr_terms_' || pg_backend_pid() || '_v2.bin'),
                 '22P03', 'unsupported binary ar.payment_terms format version 2', 'recv refuses an unknown format version');
SELECT throws_ok(format('COPY bin_dst FROM %L (FORMAT binary)', current_setting('data_directory') || '/pgr_terms_' || pg_backend_pid() || '_day.bin'),
                 '22P03', 'invalid binary ar.payment_terms: closing rule 1 out of range', 'recv re-validates every field');
SELECT throws_ok(format('COPY bin_dst FROM %L (FORMAT binary)', current_setting('data_directory') || '/pgr_terms_' || pg_backend_pid() || '_order.bin'),
                 '22P03', 'invalid binary ar.payment_terms: closing rules are not in ascending order of closing day',
                 'recv refuses a non-canonical value');

-- Bad input: SQLSTATE 22P02, the part that could not be read quoted ---------------------------
SELECT throws_ok($$SELECT 'net thirty'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "net thirty": expected a number of days at "thirty"', 'words for numbers');
SELECT throws_ok($$SELECT 'net'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "net": expected a number of days at end of input', 'missing days');
SELECT throws_ok($$SELECT ''::ar.payment_terms$$, '22P02', 'invalid payment terms "": empty input', 'empty input');
SELECT throws_ok($$SELECT 'net 30 please'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "net 30 please": unexpected text at "please"', 'trailing junk');
SELECT throws_ok($$SELECT 'prompt payment'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "prompt payment": expected net, eom, close, or a closing rule such as 月末締め翌月末払い at "prompt"',
                 'unknown form');
SELECT throws_ok($$SELECT 'net 3651'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "net 3651": number of days out of range (0 to 3650) at "3651"', 'too many days');
SELECT throws_ok($$SELECT 'net 1234567'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "net 1234567": number too large at "1234567"', 'a huge number');
SELECT throws_ok($$SELECT 'close 32 due 1 10'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "close 32 due 1 10": closing day out of range (1 to 31, or eom) at "32"', 'closing day 32');
SELECT throws_ok($$SELECT 'close 0 due 1 10'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "close 0 due 1 10": closing day out of range (1 to 31, or eom) at "0"', 'closing day 0');
SELECT throws_ok($$SELECT 'close 20 due 1 0'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "close 20 due 1 0": due day out of range (1 to 31, or eom) at "0"', 'due day 0');
SELECT throws_ok($$SELECT 'close 20 due 25 10'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "close 20 due 25 10": months to the due date out of range (0 to 24) at "25"', '25 months');
SELECT throws_ok($$SELECT 'close 20 on 1 10'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "close 20 on 1 10": expected "due" at "on"', 'missing due');
SELECT throws_ok($$SELECT 'close 20 due 0 10'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "close 20 due 0 10": due day 10 of the closing month comes before closing day 20',
                 'due before closing in the same month');
SELECT throws_ok($$SELECT 'close 15 due 1 10; close 15 due 1 20'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "close 15 due 1 10; close 15 due 1 20": closing day 15 appears in two closing rules',
                 'the same closing day twice');
SELECT throws_ok($$SELECT 'close 20 due 1 10; net 30'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "close 20 due 1 10; net 30": only closing rules (close ... due ...) can be combined with ";" at "net"',
                 'net cannot be combined');
SELECT throws_ok($$SELECT 'close 1 due 1 1; close 2 due 1 2; close 3 due 1 3; close 4 due 1 4; close 5 due 1 5; close 6 due 1 6; close 7 due 1 7; close 8 due 1 8; close 9 due 1 9'::ar.payment_terms$$,
                 '22P02', NULL, 'at most 8 closing rules');
SELECT throws_like($$SELECT 'close 1 due 1 1; close 2 due 1 2; close 3 due 1 3; close 4 due 1 4; close 5 due 1 5; close 6 due 1 6; close 7 due 1 7; close 8 due 1 8; close 9 due 1 9'::ar.payment_terms$$,
                   '%more than 8 closing rules at "close"', '... saying so');
SELECT throws_ok($$SELECT '2/40 net 30'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "2/40 net 30": discount period of 40 days is longer than the 30 days to the due date',
                 'a discount period past the due date');
SELECT throws_ok($$SELECT '100/10 net 30'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "100/10 net 30": discount of 100% is not below 100%', 'a 100% discount');
SELECT throws_ok($$SELECT '0/10 net 30'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "0/10 net 30": a discount of 0% is no discount', 'a 0% discount');
SELECT throws_ok($$SELECT '2.555/10 net 30'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "2.555/10 net 30": discount percent has more than two decimals at "2.555/10"',
                 'three decimals');
SELECT throws_ok($$SELECT '2/ net 30'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "2/ net 30": expected the discount period in days at "net"', 'missing discount days');
SELECT throws_ok($$SELECT 'net 30, adjust sideways'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "net 30, adjust sideways": expected preceding, following, modified_following or none at "sideways"',
                 'unknown adjustment');
SELECT throws_ok($$SELECT '20日締め10日払い'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "20日締め10日払い": expected 当月, 翌月, 翌々月 or Nヶ月後 at "10日払い"',
                 'Japanese without the month of payment');
SELECT throws_ok($$SELECT '20日翌月10日払い'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "20日翌月10日払い": expected 締め at "翌月10日払い"', 'Japanese without 締め');
SELECT throws_ok($$SELECT '月末締め翌月払い'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "月末締め翌月払い": expected 末 or a day of the month such as 10日 at "払い"',
                 'Japanese without the day of payment');
SELECT throws_ok($$SELECT '32日締め翌月10日払い'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "32日締め翌月10日払い": closing day out of range (1 to 31, or eom) at "32日締め翌月10日払い"',
                 'Japanese closing day 32');
SELECT throws_ok($$SELECT '20日締め30日後払い'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "20日締め30日後払い": only a month-end closing (月末締め) can be followed by a number of days at "30日後払い"',
                 'days after a closing other than month end');
SELECT throws_ok($$SELECT '月末締め翌月末払い（翌日）'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "月末締め翌月末払い（翌日）": expected 前営業日, 翌営業日 or 修正翌営業日 at "翌日"',
                 'unknown Japanese adjustment');
SELECT throws_ok($$SELECT '月末締め翌月末払い（前営業日'::ar.payment_terms$$, '22P02',
                 'invalid payment terms "月末締め翌月末払い（前営業日": expected a closing parenthesis at end of input',
                 'unclosed parenthesis');
SELECT throws_like($$SELECT repeat('net 30 ', 200)::ar.payment_terms$$,
                   'invalid payment terms "net 30 net 30 %...": input longer than 1024 bytes', 'over-long input, message shortened');

-- Bad parameters of the functions: 22023 ------------------------------------------------------
SELECT throws_ok($$SELECT ar.terms_label('net 30', 'de')$$, '22023',
                 'unsupported locale "de" for payment terms labels', 'a bad locale');
SELECT throws_ok($$SELECT ar.discount_amount('2/10 net 30', 100, '2026-04-01', '2026-04-02', 5)$$, '22023',
                 'minor unit 5 out of range', 'a bad minor unit');
SELECT throws_ok($$SELECT ar.due_date('net 30', '2026-04-01', 'NOPE')$$, '22023', 'unknown calendar "NOPE"',
                 'due_date: unknown calendar, even without adjustment');
SELECT throws_ok($$SELECT ar.due_date('net 30', 'infinity')$$, '22008', 'issue date must be a finite date',
                 'due_date: infinite issue date');
SELECT throws_ok($$SELECT ar.due_date('net 30', '5874897-12-31')$$, '22008', 'due date out of range',
                 'due_date: past the last date');

-- The ledger: invoices get their due date from the customer's terms and calendar -------------
INSERT INTO ar.calendar (code, based_on, name) VALUES ('TESTCO', 'JP-BANK', 'test company');
INSERT INTO ar.holiday (calendar, day, name) VALUES ('TESTCO', '2026-05-29', '創立記念日');
INSERT INTO ar.customer (customer_code, name, payment_terms) VALUES
  ('PT1', '株式会社月末', '月末締め翌月末払い（前営業日）');
INSERT INTO ar.customer (customer_code, name, payment_terms, calendar) VALUES
  ('PT2', '株式会社創立', '月末締め翌月末払い（前営業日）', 'TESTCO');
INSERT INTO ar.customer (customer_code, name, payment_terms, currency) VALUES
  ('PT3', 'Net Thirty Inc.', '2/10 net 30', 'USD');
INSERT INTO ar.customer (customer_code, name) VALUES ('PT4', 'No Terms KK');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, amount)
SELECT customer_id, 'PTI-' || customer_code, date '2026-04-15', 1000 FROM ar.customer WHERE customer_code IN ('PT1', 'PT2', 'PT3');
SELECT is((SELECT due_date FROM ar.invoice WHERE invoice_no = 'PTI-PT1'), date '2026-05-29',
          'an invoice without due date gets it from the customer''s terms (default calendar JP-BANK)');
SELECT is((SELECT due_date FROM ar.invoice WHERE invoice_no = 'PTI-PT2'), date '2026-05-28',
          '... and the customer''s own calendar, with its company holiday');
SELECT is((SELECT due_date FROM ar.invoice WHERE invoice_no = 'PTI-PT3'), date '2026-05-15', '2/10 net 30: 30 days');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'PTI-GIVEN', date '2026-04-15', date '2026-04-20', 1000 FROM ar.customer WHERE customer_code = 'PT1';
SELECT is((SELECT due_date FROM ar.invoice WHERE invoice_no = 'PTI-GIVEN'), date '2026-04-20', 'a given due date is kept');
UPDATE ar.setting SET value = 'WEEKENDS' WHERE key = 'default_calendar';
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, amount)
SELECT customer_id, 'PTI-WK', date '2026-11-15', 1000 FROM ar.customer WHERE customer_code = 'PT1';
SELECT is((SELECT due_date FROM ar.invoice WHERE invoice_no = 'PTI-WK'), date '2026-12-31',
          'the default_calendar setting applies to customers without a calendar');
SELECT throws_ok($$INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, amount)
                   SELECT customer_id, 'PTI-NONE', date '2026-04-15', 1000 FROM ar.customer WHERE customer_code = 'PT4'$$,
                 '23502', 'invoice of customer "PT4" has no due date', 'a customer without terms still needs a due date');
SELECT throws_ok($$INSERT INTO ar.customer (customer_code, name, calendar) VALUES ('PT5', 'x', 'NOPE')$$,
                 '22023', 'unknown calendar "NOPE" for customer "PT5"', 'a customer''s calendar must exist');
SELECT throws_ok($$DELETE FROM ar.calendar WHERE code = 'TESTCO'$$, '23503', NULL,
                 'a calendar in use by a customer cannot be deleted');
SELECT throws_ok($$INSERT INTO ar.customer (customer_code, name, payment_terms) VALUES ('PT6', 'x', 'net soon')$$,
                 '22P02', 'invalid payment terms "net soon": expected a number of days at "soon"', 'bad terms on a customer');
SELECT is((SELECT count(*)::int FROM ar.customer WHERE payment_terms OPERATOR(ar.=) 'close eom due 1 eom, adjust preceding'),
          2, 'customers can be compared by terms');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'ledger invariants hold');

SELECT * FROM finish();
ROLLBACK;
