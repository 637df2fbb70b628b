-- Business calendars: the JP holidays against the Cabinet Office list for
-- every day of 1955-2027 (both ways), the law's history at its edges, future
-- equinoxes against the standard formula, JP-BANK and WEEKENDS, user
-- calendars, the cache, and every bad argument with its SQLSTATE.
BEGIN;
SELECT plan(103);

-- Structure ------------------------------------------------------------------
SELECT has_table('ar', 'calendar', 'table ar.calendar');
SELECT has_table('ar', 'holiday', 'table ar.holiday');
SELECT col_is_pk('ar', 'holiday', 'holiday_id', 'holiday_id is the primary key of ar.holiday');
SELECT is(ARRAY(SELECT code FROM ar.calendar WHERE seeded ORDER BY code), ARRAY['JP', 'JP-BANK', 'WEEKENDS'],
          'the built-in calendars are shipped rows of ar.calendar');
SELECT is((SELECT array_agg(DISTINCT provolatile::text) FROM pg_proc
            WHERE pronamespace = 'ar'::regnamespace
              AND proname IN ('is_business_day', 'holiday_name', 'holidays', 'adjust_business_day', 'add_business_days')),
          ARRAY['s'], 'the calendar functions are STABLE (user calendars read tables)');
SELECT ok((SELECT bool_and(proparallel = 's' AND proisstrict) FROM pg_proc
            WHERE pronamespace = 'ar'::regnamespace
              AND proname IN ('is_business_day', 'holiday_name', 'holidays', 'adjust_business_day', 'add_business_days')),
          'the calendar functions are STRICT and PARALLEL SAFE');
SELECT is((SELECT count(*)::int FROM pg_extension e, unnest(e.extconfig) AS c(oid)
            WHERE e.extname = 'pg_receivables'
              AND c.oid IN ('ar.calendar'::regclass, 'ar.holiday'::regclass, 'ar.holiday_holiday_id_seq'::regclass)),
          3, 'ar.calendar, ar.holiday and its sequence are dumped by pg_dump');

-- The Cabinet Office list, 1955-2027, both ways -------------------------------------
CREATE TEMP TABLE official (day date PRIMARY KEY, name text NOT NULL);
\copy official FROM 'test/fixtures/jp_holidays.csv' WITH (FORMAT csv, HEADER true)
SELECT is((SELECT count(*)::int FROM official), 1067, 'the fixture holds the 1,067 days of 1955-2027');
SELECT is_empty($$SELECT o.day, o.name, ar.holiday_name(o.day, 'JP') FROM official o
                  WHERE ar.holiday_name(o.day, 'JP') IS DISTINCT FROM o.name$$,
                'every day of the official list is a JP holiday of the same name');
SELECT is_empty($$SELECT d::date, ar.holiday_name(d::date, 'JP')
                    FROM generate_series(date '1955-01-01', date '2027-12-31', interval '1 day') AS d
                   WHERE ar.holiday_name(d::date, 'JP') IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM official o WHERE o.day = d::date)$$,
                'no other day of 1955-2027 is a JP holiday');
SELECT set_eq($$SELECT day, name FROM ar.holidays('JP', '1955-01-01', '2027-12-31')$$,
              $$SELECT day, name FROM official$$,
              'ar.holidays lists exactly the official days 1955-2027');
SELECT is_empty($$SELECT o.day FROM official o
                  WHERE ar.is_business_day(o.day, 'JP') OR ar.is_business_day(o.day, 'JP-BANK')$$,
                'no official holiday is a business day of JP or JP-BANK');

-- Future equinoxes: the astronomical computation agrees with the standard
-- formula of the day (海上保安庁 / 国立天文台 approximation) for 2028-2099.
SELECT is_empty($$SELECT y, v.day, a.day
                    FROM generate_series(2028, 2099) AS y,
                         LATERAL (SELECT make_date(y, 3, floor(20.8431 + 0.242194 * (y - 1980) - (y - 1980) / 4)::int)) v(day),
                         LATERAL (SELECT make_date(y, 9, floor(23.2488 + 0.242194 * (y - 1980) - (y - 1980) / 4)::int)) a(day)
                   WHERE ar.holiday_name(v.day, 'JP') IS DISTINCT FROM '春分の日'
                      OR ar.holiday_name(a.day, 'JP') IS DISTINCT FROM '秋分の日'$$,
                'equinox days 2028-2099 match the standard formula');
SELECT is((SELECT count(*)::int FROM ar.holidays('JP', '2028-01-01', '2099-12-31') WHERE name IN ('春分の日', '秋分の日')),
          144, 'exactly one vernal and one autumnal equinox day a year 2028-2099');

-- The law's history at its edges -----------------------------------------------
SELECT is(ar.holiday_name('1948-09-23', 'JP'), '秋分の日', 'the first holiday under the 1948 Act');
SELECT is((SELECT array_agg(day ORDER BY day) FROM ar.holidays('JP', '1948-07-20', '1948-12-31')),
          ARRAY[date '1948-09-23', '1948-11-03', '1948-11-23'], 'three holidays in the Act''s first half year');
SELECT is(ar.holiday_name('1949-04-29', 'JP'), '天皇誕生日', 'April 29 was the Emperor''s birthday until 1988');
SELECT is(ar.holiday_name('1989-04-29', 'JP'), 'みどりの日', 'April 29 became みどりの日 in 1989');
SELECT is(ar.holiday_name('2007-04-29', 'JP'), '昭和の日', 'and 昭和の日 in 2007');
SELECT is(ar.holiday_name('2007-05-04', 'JP'), 'みどりの日', 'みどりの日 moved to May 4 in 2007');
SELECT is(ar.holiday_name('1973-04-30', 'JP'), '休日', 'first 振替休日 (1973-04-30, after the April 12 law)');
SELECT is(ar.holiday_name('1973-02-12', 'JP'), NULL, 'no 振替休日 before the 1973 law');
SELECT is(ar.holiday_name('1988-05-04', 'JP'), '休日', 'first 国民の休日 (1988-05-04)');
SELECT is(ar.holiday_name('1986-05-04', 'JP'), NULL, 'a Sunday between holidays was no 国民の休日 before 2007');
SELECT is(ar.holiday_name('2008-05-06', 'JP'), '休日', '2007 rule: 振替休日 on the first day that is not a holiday');
SELECT is(ar.holiday_name('2026-09-22', 'JP'), '休日', '国民の休日 between 敬老の日 and 秋分の日 (2026)');
SELECT is(ar.holiday_name('1999-10-11', 'JP'), '休日', '体育の日 was October 10 until 1999');
SELECT is(ar.holiday_name('2000-10-09', 'JP'), '体育の日', 'Happy Monday from 2000');
SELECT is(ar.holiday_name('2002-07-20', 'JP'), '海の日', '海の日 was July 20 until 2002');
SELECT is(ar.holiday_name('2003-07-21', 'JP'), '海の日', '3rd Monday of July from 2003');
SELECT is(ar.holiday_name('2019-10-14', 'JP'), '体育の日（スポーツの日）', '2019 name as the Cabinet Office lists it');
SELECT is(ar.holiday_name('2022-10-10', 'JP'), 'スポーツの日', 'スポーツの日 from 2020');
SELECT is(ar.holiday_name('2016-08-11', 'JP'), '山の日', 'first 山の日');
SELECT is(ar.holiday_name('2015-08-11', 'JP'), NULL, 'no 山の日 before 2016');
SELECT is((SELECT array_agg(name ORDER BY day) FROM ar.holidays('JP', '2019-04-27', '2019-05-06')),
          ARRAY['昭和の日', '休日', '休日（祝日扱い）', '休日', '憲法記念日', 'みどりの日', 'こどもの日', '休日'],
          'the ten-day Golden Week of 2019');
SELECT is(ar.holiday_name('2019-10-22', 'JP'), '休日（祝日扱い）', '即位礼正殿の儀 2019');
SELECT is(ar.holiday_name('2019-12-23', 'JP'), NULL, 'no 天皇誕生日 in 2019');
SELECT is(ar.holiday_name('2020-02-23', 'JP'), '天皇誕生日', '天皇誕生日 on February 23 from 2020');
SELECT is((SELECT array_agg(day::text || ' ' || name ORDER BY day) FROM ar.holidays('JP', '2020-07-01', '2020-10-31')),
          ARRAY['2020-07-23 海の日', '2020-07-24 スポーツの日', '2020-08-10 山の日', '2020-09-21 敬老の日', '2020-09-22 秋分の日'],
          'the 2020 Olympic moves, and no October holiday');
SELECT is((SELECT array_agg(day::text || ' ' || name ORDER BY day) FROM ar.holidays('JP', '2021-07-01', '2021-10-31')),
          ARRAY['2021-07-22 海の日', '2021-07-23 スポーツの日', '2021-08-08 山の日', '2021-08-09 休日',
                '2021-09-20 敬老の日', '2021-09-23 秋分の日'],
          'the 2021 Olympic moves, 山の日 on a Sunday with its 振替休日');
SELECT is(ar.holiday_name('1959-04-10', 'JP'), '結婚の儀', '1959 imperial wedding');
SELECT is(ar.holiday_name('1989-02-24', 'JP'), '大喪の礼', '1989 state funeral');
SELECT is(ar.holiday_name('1990-11-12', 'JP'), '即位礼正殿の儀', '1990 enthronement ceremony');
SELECT is(ar.holiday_name('1993-06-09', 'JP'), '結婚の儀', '1993 imperial wedding');
SELECT is(ar.holiday_name('2026-11-21', 'JP'), NULL, 'a plain Saturday has no name');
SELECT ok(NOT ar.is_business_day('2026-11-21', 'JP'), '... but is no business day');
SELECT is(ar.holiday_name('2150-11-03', 'JP'), '文化の日', 'JP is computed up to 2150');

-- JP-BANK and WEEKENDS --------------------------------------------------------------
SELECT is((SELECT array_agg(day::text || ' ' || name ORDER BY day) FROM ar.holidays('JP-BANK', '2026-12-25', '2027-01-12')),
          ARRAY['2026-12-31 銀行休業日', '2027-01-01 元日', '2027-01-02 銀行休業日', '2027-01-03 銀行休業日', '2027-01-11 成人の日'],
          'JP-BANK adds December 31 and January 2-3 to the JP holidays');
SELECT ok(ar.is_business_day('2026-12-31', 'JP') AND NOT ar.is_business_day('2026-12-31'),
          'December 31 is a business day of JP, not of JP-BANK (the default)');
SELECT is(ar.holiday_name('2026-12-31'), NULL, 'holiday_name defaults to JP');
SELECT is_empty($$SELECT * FROM ar.holidays('WEEKENDS', '2026-01-01', '2026-12-31')$$, 'WEEKENDS has no named days');
SELECT ok(ar.is_business_day('2026-05-05', 'WEEKENDS') AND NOT ar.is_business_day('2026-05-09', 'WEEKENDS'),
          'WEEKENDS: a weekday holiday is a business day, a Saturday is not');
SELECT ok(ar.is_business_day('1900-01-01', 'WEEKENDS'), 'WEEKENDS covers every finite date');

-- adjust_business_day across Golden Week, month ends and New Year -------------------
SELECT is(ar.adjust_business_day('2026-05-02', 'following'), date '2026-05-07', 'following skips Golden Week');
SELECT is(ar.adjust_business_day('2026-05-06', 'preceding'), date '2026-05-01', 'preceding skips Golden Week');
SELECT is(ar.adjust_business_day('2026-05-07', 'preceding'), date '2026-05-07', 'a business day stays');
SELECT is(ar.adjust_business_day('2026-05-31', 'modified_following'), date '2026-05-29',
          'modified_following goes back rather than into June');
SELECT is(ar.adjust_business_day('2026-05-03', 'modified_following'), date '2026-05-07',
          'modified_following within the month goes forward');
SELECT is(ar.adjust_business_day('2026-05-31', 'none'), date '2026-05-31', 'none leaves the day');
SELECT is(ar.adjust_business_day('2026-12-31', 'following'), date '2027-01-04', 'following over the bank New Year');
SELECT is(ar.adjust_business_day('2027-01-02', 'preceding'), date '2026-12-30', 'preceding over the bank New Year');
SELECT is(ar.adjust_business_day('2026-12-31', 'following', 'JP'), date '2026-12-31', 'JP keeps December 31');

-- add_business_days ---------------------------------------------------------------------
SELECT is(ar.add_business_days('2026-04-28', 3), date '2026-05-07', '+3 business days across Golden Week');
SELECT is(ar.add_business_days('2026-05-07', -3), date '2026-04-28', '-3 business days back across it');
SELECT is(ar.add_business_days('2026-05-02', 1), date '2026-05-07', '+1 from a holiday is the next business day');
SELECT is(ar.add_business_days('2026-05-02', -1), date '2026-05-01', '-1 from a holiday is the previous business day');
SELECT is(ar.add_business_days('2026-05-02', 0), date '2026-05-07', '0 from a holiday rolls to the following business day');
SELECT is(ar.add_business_days('2026-05-07', 0), date '2026-05-07', '0 from a business day is that day');
SELECT is(ar.add_business_days('2026-12-30', 1), date '2027-01-04', '+1 over the bank New Year');
SELECT is(ar.add_business_days('2026-01-05', 250, 'WEEKENDS'), date '2026-12-21', '+250 weekdays');

-- User calendars ----------------------------------------------------------------------------
INSERT INTO ar.calendar (code, based_on, weekend_days, name) VALUES
  ('ACME', 'JP', '{0,6}', 'ACME Corp.: JP plus company holidays'),
  ('SATWORK', 'JP', '{0}', 'Works on Saturdays'),
  ('SHOP', NULL, '{3}', 'Closed on Wednesdays');
INSERT INTO ar.holiday (calendar, day, name) VALUES
  ('ACME', '2026-08-13', '夏季休業'), ('ACME', '2026-08-14', '夏季休業'),
  ('ACME', '2026-08-11', '創立記念日'),
  ('SHOP', '2026-01-01', '元日'), ('SHOP', '2300-01-01', '遠い休業日');
SELECT ok(NOT ar.is_business_day('2026-08-13', 'ACME') AND ar.is_business_day('2026-08-13', 'JP'),
          'a company holiday is no business day of the company calendar only');
SELECT is(ar.holiday_name('2026-08-13', 'ACME'), '夏季休業', 'the company holiday has its name');
SELECT is(ar.holiday_name('2026-08-11', 'ACME'), '創立記念日', 'a calendar''s own row names a day before the built-in');
SELECT is(ar.holiday_name('2026-05-05', 'ACME'), 'こどもの日', 'a calendar based on JP inherits the JP holidays');
SELECT is((SELECT array_agg(day::text || ' ' || name ORDER BY day) FROM ar.holidays('ACME', '2026-08-01', '2026-08-31')),
          ARRAY['2026-08-11 創立記念日', '2026-08-13 夏季休業', '2026-08-14 夏季休業'], 'ar.holidays of a user calendar');
SELECT is(ar.adjust_business_day('2026-08-13', 'following', 'ACME'), date '2026-08-17',
          'following skips the company holidays and the weekend');
SELECT ok(ar.is_business_day('2026-11-21', 'SATWORK') AND NOT ar.is_business_day('2026-11-22', 'SATWORK'),
          'weekend_days {0}: Saturdays are business days, Sundays are not');
SELECT ok(NOT ar.is_business_day('2026-11-03', 'SATWORK'), '... and JP holidays still are not');
SELECT ok(ar.is_business_day('2026-11-21', 'SHOP') AND NOT ar.is_business_day('2026-11-25', 'SHOP')
          AND NOT ar.is_business_day('2026-01-01', 'SHOP') AND ar.is_business_day('2026-05-05', 'SHOP'),
          'a calendar without base: its weekend days and its rows only');
SELECT is((SELECT count(*)::int FROM ar.holidays('SHOP', '0001-01-01', '9999-12-31')), 2,
          'a calendar without base lists its rows over any range');

-- Rows added to a built-in calendar, and the cache follows every change --------------------
SELECT ok(ar.is_business_day('2026-06-15', 'JP-BANK'), 'before: an ordinary Monday');
INSERT INTO ar.holiday (calendar, day, name) VALUES ('JP', '2026-06-15', '臨時の祝日');
SELECT is(ar.holiday_name('2026-06-15', 'JP'), '臨時の祝日', 'a row for JP adds a day to JP at once');
SELECT is(ar.holiday_name('2026-06-15', 'JP-BANK'), '臨時の祝日', '... and to JP-BANK');
SELECT ok(NOT ar.is_business_day('2026-06-15', 'ACME'), '... and to calendars based on JP');
SELECT is(ar.adjust_business_day('2026-06-15', 'following'), date '2026-06-16', '... and to adjustments');
DELETE FROM ar.holiday WHERE calendar = 'JP' AND day = '2026-06-15';
SELECT ok(ar.is_business_day('2026-06-15', 'JP-BANK'), 'deleting the row gives the day back');
UPDATE ar.calendar SET weekend_days = '{0}' WHERE code = 'ACME';
SELECT ok(ar.is_business_day('2026-11-21', 'ACME'), 'changing weekend_days takes effect at once');

-- Bad input ----------------------------------------------------------------------------------
SELECT throws_ok($$SELECT ar.is_business_day('2026-01-05', 'NOPE')$$, '22023', 'unknown calendar "NOPE"',
                 'an unknown calendar is an error, never weekends only');
SELECT throws_ok($$SELECT ar.holiday_name('2026-01-05', 'jp')$$, '22023', 'unknown calendar "jp"',
                 'calendar codes are case-sensitive');
SELECT throws_ok($$SELECT * FROM ar.holidays('NOPE', '2026-01-01', '2026-12-31')$$, '22023', 'unknown calendar "NOPE"',
                 'ar.holidays: unknown calendar');
SELECT throws_ok($$SELECT ar.adjust_business_day('2026-01-03', 'sideways')$$, '22023',
                 'unknown business-day rule "sideways"', 'an unknown rule is an error');
SELECT throws_ok($$SELECT ar.is_business_day('1948-07-19', 'JP')$$, '22008',
                 'date 1948-07-19 is outside the range of calendar "JP"', 'JP starts on 1948-07-20');
SELECT throws_ok($$SELECT ar.is_business_day('2151-01-01', 'ACME')$$, '22008',
                 'date 2151-01-01 is outside the range of calendar "ACME"', 'a calendar based on JP ends in 2150');
SELECT throws_ok($$SELECT ar.is_business_day('infinity', 'WEEKENDS')$$, '22008',
                 'date infinity is outside the range of calendar "WEEKENDS"', 'infinite dates have no business day');
SELECT throws_ok($$SELECT ar.add_business_days('2026-01-05', 2000000, 'WEEKENDS')$$, '22023',
                 'cannot add 2000000 business days', 'add_business_days is bounded');
SELECT throws_ok($$UPDATE ar.calendar SET weekend_days = '{0}' WHERE code = 'JP'$$, '55000',
                 'calendar "JP" is built in and cannot be changed', 'built-in calendars cannot change');
SELECT throws_ok($$DELETE FROM ar.calendar WHERE code = 'WEEKENDS'$$, '55000',
                 'calendar "WEEKENDS" is built in and cannot be changed', 'built-in calendars cannot be deleted');
SELECT throws_ok($$INSERT INTO ar.calendar (code, weekend_days) VALUES ('BAD', '{0,7}')$$, '22023',
                 'invalid weekend_days {0,7} for calendar "BAD"', 'weekend days are 0 to 6');
SELECT throws_ok($$INSERT INTO ar.calendar (code, weekend_days) VALUES ('BAD', '{0,1,2,3,4,5,6}')$$, '22023',
                 'invalid weekend_days {0,1,2,3,4,5,6} for calendar "BAD"', 'a calendar needs a business weekday');
SELECT throws_ok($$INSERT INTO ar.calendar (code, based_on) VALUES ('BAD', 'ACME')$$, '22023',
                 'unknown base calendar "ACME" for calendar "BAD"', 'based_on is a built-in calendar');
SELECT throws_ok($$INSERT INTO ar.holiday (calendar, day, name) VALUES ('NOPE', '2026-01-05', 'x')$$, '23503', NULL,
                 'a holiday of an undeclared calendar is refused');
SELECT throws_ok($$UPDATE ar.setting SET value = 'NOPE' WHERE key = 'default_calendar'$$, '22023',
                 'unknown calendar "NOPE" for setting default_calendar', 'default_calendar must be a calendar');
UPDATE ar.setting SET value = 'ACME' WHERE key = 'default_calendar';
SELECT throws_ok($$DELETE FROM ar.calendar WHERE code = 'ACME'$$, '55000',
                 'calendar "ACME" is the default_calendar setting', 'the default calendar cannot be deleted');

SELECT * FROM finish();
ROLLBACK;
