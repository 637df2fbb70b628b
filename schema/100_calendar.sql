-- Business calendars (see docs/calendars.md).
--
-- The built-in calendars JP, JP-BANK and WEEKENDS are computed in C
-- (src/core/calendar.c) and listed in ar.calendar as shipped rows so that
-- ar.holiday and ar.customer can reference them.  Users declare their own
-- calendars in ar.calendar and their days in ar.holiday; rows in ar.holiday
-- for a built-in code add days to it.
--
-- Volatility: the calendar functions read ar.calendar and ar.holiday (through
-- a per-backend cache), so they are STABLE, not IMMUTABLE, even for the
-- built-in calendars: a row in ar.holiday can add a day to JP.

CREATE TABLE ar.calendar (
  code         text PRIMARY KEY CHECK (code <> '' AND code = pg_catalog.btrim(code) AND pg_catalog.length(code) <= 64),
  based_on     text,
  weekend_days int[] NOT NULL DEFAULT '{0,6}',
  name         text,
  seeded       boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE ar.calendar IS
  'Business calendars: the built-in JP, JP-BANK and WEEKENDS, and calendars declared by users (days in ar.holiday)';
COMMENT ON COLUMN ar.calendar.code IS 'Calendar code used by ar.is_business_day, ar.due_date, customers and settings (case-sensitive)';
COMMENT ON COLUMN ar.calendar.based_on IS
  'Built-in calendar (JP, JP-BANK or WEEKENDS) whose holidays this calendar inherits, or NULL for only its own days';
COMMENT ON COLUMN ar.calendar.weekend_days IS 'Weekdays that are never business days, 0 = Sunday .. 6 = Saturday';
COMMENT ON COLUMN ar.calendar.name IS 'Description of the calendar';
COMMENT ON COLUMN ar.calendar.seeded IS 'True for the built-in calendars shipped with the extension (not dumped by pg_dump)';
COMMENT ON COLUMN ar.calendar.created_at IS 'When the row was created';

CREATE TABLE ar.holiday (
  holiday_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  calendar   text NOT NULL REFERENCES ar.calendar (code) ON UPDATE CASCADE ON DELETE CASCADE,
  day        date NOT NULL CHECK (pg_catalog.isfinite(day)),
  name       text NOT NULL CHECK (name <> ''),
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT holiday_calendar_day_key UNIQUE (calendar, day)
);
COMMENT ON TABLE ar.holiday IS
  'Non-business days of a calendar: company holidays, or days added to a built-in calendar (a new national holiday before the next release)';
COMMENT ON COLUMN ar.holiday.holiday_id IS 'Surrogate key';
COMMENT ON COLUMN ar.holiday.calendar IS 'Calendar the day belongs to; a row for JP also applies to JP-BANK and to calendars based on them';
COMMENT ON COLUMN ar.holiday.day IS 'The day that is not a business day';
COMMENT ON COLUMN ar.holiday.name IS 'Name shown by ar.holiday_name and ar.holidays (it wins over a built-in name on the same day)';
COMMENT ON COLUMN ar.holiday.created_at IS 'When the row was created';

-- Built-in calendars are fixed; user calendars are checked with clear errors.
CREATE FUNCTION ar.tg_calendar_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  builtin CONSTANT text[] := ARRAY['JP', 'JP-BANK', 'WEEKENDS'];
  bad int;
BEGIN
  IF pg_catalog.current_setting('ar.seeding', true) = 'on' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.code = ANY (builtin) THEN
    RAISE EXCEPTION 'calendar "%" is built in and cannot be changed', OLD.code
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = pg_catalog.format('Declare your own calendar with based_on = %L, or add days to %s in ar.holiday.',
                                     OLD.code, OLD.code);
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE')
     AND (TG_OP = 'DELETE' OR NEW.code IS DISTINCT FROM OLD.code)
     AND OLD.code = (SELECT s.value FROM ar.setting s WHERE s.key = 'default_calendar') THEN
    RAISE EXCEPTION 'calendar "%" is the default_calendar setting', OLD.code
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Set default_calendar in ar.setting to another calendar first.';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  IF NEW.code = ANY (builtin) THEN
    RAISE EXCEPTION 'calendar "%" is built in and cannot be declared again', NEW.code
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = pg_catalog.format('Add days to %s in ar.holiday, or declare a calendar of another code based on it.', NEW.code);
  END IF;
  IF NEW.based_on IS NOT NULL AND NOT NEW.based_on = ANY (builtin) THEN
    RAISE EXCEPTION 'unknown base calendar "%" for calendar "%"', NEW.based_on, NEW.code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'based_on is JP, JP-BANK, WEEKENDS or NULL.';
  END IF;
  SELECT d INTO bad FROM pg_catalog.unnest(NEW.weekend_days) AS d WHERE d IS NULL OR d NOT BETWEEN 0 AND 6 LIMIT 1;
  IF FOUND OR NEW.weekend_days IS NULL
     OR (SELECT pg_catalog.count(DISTINCT d) FROM pg_catalog.unnest(NEW.weekend_days) AS d) = 7 THEN
    RAISE EXCEPTION 'invalid weekend_days % for calendar "%"', NEW.weekend_days, NEW.code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'List weekdays from 0 (Sunday) to 6 (Saturday); at least one weekday must be a business day.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_calendar_check() IS
  'Trigger: keeps the built-in calendars fixed and checks user calendars (internal)';

CREATE TRIGGER calendar_check BEFORE INSERT OR UPDATE OR DELETE ON ar.calendar
  FOR EACH ROW EXECUTE FUNCTION ar.tg_calendar_check();
CREATE TRIGGER calendar_seed_guard BEFORE INSERT OR UPDATE ON ar.calendar
  FOR EACH ROW EXECUTE FUNCTION ar.tg_seed_guard('code');

-- Every backend caches calendars; a change to either table drops the caches.
CREATE FUNCTION ar.tg_calendar_changed() RETURNS trigger
  AS 'MODULE_PATHNAME', 'pgr_tg_calendar_changed'
  LANGUAGE C;
COMMENT ON FUNCTION ar.tg_calendar_changed() IS
  'Statement trigger: invalidates the per-backend calendar caches after a change to ar.calendar or ar.holiday (internal)';

CREATE TRIGGER calendar_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ar.calendar
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_calendar_changed();
CREATE TRIGGER holiday_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ar.holiday
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_calendar_changed();

SET LOCAL ar.seeding = on;
INSERT INTO ar.calendar (code, based_on, weekend_days, name, seeded) VALUES
  ('JP', NULL, '{0,6}', 'Japan: Saturdays, Sundays and the national holidays (国民の祝日・休日), 1948-07-20 to 2150', true),
  ('JP-BANK', 'JP', '{0,6}', 'Japanese banks: JP plus December 31 and January 1-3 (銀行休業日)', true),
  ('WEEKENDS', NULL, '{0,6}', 'Saturdays and Sundays only', true);
RESET ar.seeding;

SELECT pg_catalog.pg_extension_config_dump('ar.calendar', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('ar.holiday', '');
SELECT pg_catalog.pg_extension_config_dump('ar.holiday_holiday_id_seq', '');

------------------------------------------------------------------------------
-- Functions
------------------------------------------------------------------------------

CREATE FUNCTION ar.is_business_day(day date, calendar text DEFAULT 'JP-BANK') RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_is_business_day'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.is_business_day(date, text) IS
  'True when the day is neither a weekend day nor a holiday of the calendar; unknown calendar: 22023';

CREATE FUNCTION ar.holiday_name(day date, calendar text DEFAULT 'JP') RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_holiday_name'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.holiday_name(date, text) IS
  'Name of the holiday on the day (春分の日, 休日, 銀行休業日, a user row''s name), NULL on a normal day or plain weekend';

CREATE FUNCTION ar.holidays(calendar text, from_day date, to_day date)
  RETURNS TABLE (day date, name text)
  AS 'MODULE_PATHNAME', 'pgr_holidays'
  LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION ar.holidays(text, date, date) IS
  'The named non-business days of a calendar between two days inclusive (holidays, bank holidays, user rows), not the plain weekends';

CREATE FUNCTION ar.adjust_business_day(day date, rule text, calendar text DEFAULT 'JP-BANK') RETURNS date
  AS 'MODULE_PATHNAME', 'pgr_adjust_business_day'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.adjust_business_day(date, text, text) IS
  'Moves a non-business day by rule: preceding (前営業日), following (翌営業日), modified_following (following unless that leaves the month) or none';

CREATE FUNCTION ar.add_business_days(day date, n integer, calendar text DEFAULT 'JP-BANK') RETURNS date
  AS 'MODULE_PATHNAME', 'pgr_add_business_days'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.add_business_days(date, integer, text) IS
  'The n-th business day after the day (before it for negative n); n = 0 gives the day itself or the following business day';
