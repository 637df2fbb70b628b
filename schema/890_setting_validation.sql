-- Settings are validated when written, so a bad value fails at the UPDATE
-- that sets it rather than in a nightly job.  Keys not listed here are the
-- user's own and are stored as given.

CREATE FUNCTION ar.tg_setting_validate() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  CASE NEW.key
    WHEN 'home_currency' THEN
      PERFORM ar.minor_unit(NEW.value::char(3));
    WHEN 'bank_fee_tolerance' THEN
      IF NEW.value !~ '^\s*\d+(\s*,\s*\d+)*\s*$' THEN
        RAISE EXCEPTION 'invalid bank_fee_tolerance "%"', NEW.value
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Give the fees as comma-separated non-negative whole amounts, e.g. 0,110,220,330,440.';
      END IF;
    WHEN 'default_calendar' THEN
      IF NOT EXISTS (SELECT 1 FROM ar.calendar c WHERE c.code = NEW.value) THEN
        RAISE EXCEPTION 'unknown calendar "%" for setting default_calendar', NEW.value
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Use JP, JP-BANK, WEEKENDS or a calendar declared in ar.calendar.';
      END IF;
    WHEN 'default_buckets' THEN
      PERFORM NEW.value::ar.aging_buckets;   -- 22P02 quoting the bad part
    WHEN 'match_auto_threshold' THEN
      IF NEW.value !~ '^\s*(0(\.\d+)?|1(\.0+)?)\s*$' OR NEW.value::numeric = 0 THEN
        RAISE EXCEPTION 'invalid match_auto_threshold "%"', NEW.value
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Give a score greater than 0 and at most 1, e.g. 0.90.';
      END IF;
    ELSE
      NULL;
  END CASE;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_setting_validate() IS 'Trigger: validates the values of known settings (internal)';

CREATE TRIGGER setting_validate BEFORE INSERT OR UPDATE OF value ON ar.setting
  FOR EACH ROW EXECUTE FUNCTION ar.tg_setting_validate();
