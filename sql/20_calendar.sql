-- Business calendars as a person reads them: the national holidays of
-- Japan in 2026, the bank New Year, how days move, and the errors.

SET datestyle = ISO;

-- The 2026 holidays of Japan (国民の祝日・休日), as the Cabinet Office lists them.
SELECT day, to_char(day, 'Dy') AS dow, name FROM ar.holidays('JP', '2026-01-01', '2026-12-31');

-- JP-BANK adds December 31 and January 2-3 (banks are closed; 元日 keeps its name).
SELECT day, to_char(day, 'Dy') AS dow, name,
       ar.is_business_day(day, 'JP') AS jp_business, ar.is_business_day(day, 'JP-BANK') AS bank_business
  FROM generate_series(date '2026-12-29', date '2027-01-05', interval '1 day') AS g(d),
       LATERAL (SELECT d::date AS day, ar.holiday_name(d::date, 'JP-BANK') AS name) x;

-- Golden Week 2019: the enthronement made ten days off in a row.
SELECT day, to_char(day, 'Dy') AS dow, name FROM ar.holidays('JP', '2019-04-27', '2019-05-06');

-- The Olympic years moved three holidays.
SELECT day, to_char(day, 'Dy') AS dow, name FROM ar.holidays('JP', '2020-07-01', '2021-08-31')
 WHERE name IN ('海の日', 'スポーツの日', '山の日') OR day = '2021-08-09';

-- Moving a day that is not a business day (JP-BANK).
SELECT d AS day, to_char(d, 'Dy') AS dow,
       ar.adjust_business_day(d, 'preceding') AS preceding,
       ar.adjust_business_day(d, 'following') AS following,
       ar.adjust_business_day(d, 'modified_following') AS modified_following
  FROM unnest(ARRAY[date '2026-05-03', '2026-05-31', '2026-12-31', '2027-01-02', '2026-06-10']) AS d;

-- Counting business days: three after April 28 land after Golden Week.
SELECT n, ar.add_business_days('2026-04-28', n) AS day FROM unnest(ARRAY[-2, 0, 1, 3, 10]) AS n;

-- A company calendar: JP plus a summer shutdown.
BEGIN;
INSERT INTO ar.calendar (code, based_on, name) VALUES ('ACME', 'JP', 'ACME: JP plus summer shutdown');
INSERT INTO ar.holiday (calendar, day, name)
SELECT 'ACME', d::date, '夏季休業' FROM generate_series(date '2026-08-12', date '2026-08-14', interval '1 day') AS d;
SELECT day, to_char(day, 'Dy') AS dow, name FROM ar.holidays('ACME', '2026-08-01', '2026-08-31');
SELECT ar.adjust_business_day('2026-08-11', 'following', 'ACME') AS next_business_day;
ROLLBACK;

-- Errors: every message names the value.
\set SHOW_CONTEXT never
SELECT ar.is_business_day('2026-01-05', 'JAPAN');
SELECT ar.adjust_business_day('2026-01-03', 'nearest');
SELECT ar.holiday_name('1948-07-19', 'JP');
SELECT ar.add_business_days('2026-01-05', -5000000, 'WEEKENDS');
UPDATE ar.calendar SET weekend_days = '{0}' WHERE code = 'JP';
INSERT INTO ar.calendar (code, weekend_days) VALUES ('BAD', '{6,7}');
INSERT INTO ar.calendar (code, based_on) VALUES ('BAD', 'US');
UPDATE ar.setting SET value = 'JAPAN' WHERE key = 'default_calendar';
