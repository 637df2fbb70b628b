-- Frozen install script of release 0.1.0 (commit df1147e, as it landed); kept
-- unchanged so that test/scripts/upgrade.sh can install 0.1.0 and update it.
-- pg_receivables install script, assembled by the Makefile from schema/*.sql
-- in file-name order.  Edit the parts in schema/, never the assembled file.

\echo Use "CREATE EXTENSION pg_receivables" to load this file. \quit

-- The database must be UTF8 (or SQL_ASCII): the control file declares this
-- script UTF-8, and PostgreSQL refuses to install it into an encoding that
-- cannot hold its yen signs and Japanese templates (sql/00_install.sql).

COMMENT ON SCHEMA ar IS
  'pg_receivables: accounts receivable (aging, payment terms, cash application, dunning, dashboards)';

-- ar.version(): the version the shared library was built as.
CREATE FUNCTION ar.version() RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_version'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.version() IS
  'Version of the pg_receivables shared library; equals the installed extension version unless a stale library is loaded';
-- Facilities every later part uses: shipped defaults that survive pg_dump,
-- the append-only audit log, and small validation helpers.

------------------------------------------------------------------------------
-- Shipped defaults ("seeded" rows) in configuration tables.
--
-- Tables such as ar.currency, ar.setting, ar.dunning_policy and ar.template
-- ship rows with the extension.  pg_dump must keep what the user changed but
-- not the shipped rows themselves (CREATE EXTENSION recreates those), so:
--   * each such table has "seeded boolean" and is registered with
--     pg_extension_config_dump(..., 'WHERE NOT seeded');
--   * a user's UPDATE of a shipped row turns it into a user row (seeded =
--     false), so the change is dumped;
--   * an INSERT of a user row whose key equals a shipped row replaces that
--     shipped row, which is exactly what a restore does after CREATE
--     EXTENSION has put the defaults back.
-- Install and upgrade scripts set ar.seeding = on to edit shipped rows.
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_seed_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  key jsonb;
BEGIN
  IF pg_catalog.current_setting('ar.seeding', true) = 'on' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.seeded AND NEW.seeded
       AND (pg_catalog.to_jsonb(OLD) - 'seeded') IS DISTINCT FROM (pg_catalog.to_jsonb(NEW) - 'seeded') THEN
      NEW.seeded := false;
    END IF;
    RETURN NEW;
  END IF;
  -- INSERT: TG_ARGV names the key columns.
  NEW.seeded := false;
  SELECT pg_catalog.jsonb_object_agg(k, pg_catalog.to_jsonb(NEW) -> k) INTO key
    FROM pg_catalog.unnest(TG_ARGV) AS k;
  EXECUTE pg_catalog.format('DELETE FROM %I.%I AS t WHERE t.seeded AND pg_catalog.to_jsonb(t) @> $1',
                            TG_TABLE_SCHEMA, TG_TABLE_NAME)
    USING key;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_seed_guard() IS
  'Trigger: keeps shipped default rows apart from user rows so pg_dump keeps user changes and a restore replaces defaults (internal)';

------------------------------------------------------------------------------
-- Audit log: append-only record of every change to ledger tables.
------------------------------------------------------------------------------

-- The role acting for the session: the role set with SET ROLE, else the
-- login role.  (Inside the audit triggers, which are SECURITY DEFINER so that
-- no user needs to write the audit log, CURRENT_USER would be the owner.)
CREATE FUNCTION ar.acting_role() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN pg_catalog.current_setting('role') IN ('none', '') THEN SESSION_USER::text
              ELSE pg_catalog.current_setting('role') END;
COMMENT ON FUNCTION ar.acting_role() IS
  'The role acting for the session (SET ROLE, else the login role); recorded as the actor of audit rows';

CREATE TABLE ar.audit_log (
  audit_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  actor      text NOT NULL DEFAULT ar.acting_role(),
  table_name text NOT NULL,
  op         text NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
  row_id     bigint NOT NULL,
  old        jsonb,
  new        jsonb,
  txid       bigint NOT NULL DEFAULT pg_catalog.txid_current()
);
CREATE INDEX audit_log_row_idx ON ar.audit_log (table_name, row_id);
COMMENT ON TABLE ar.audit_log IS
  'Append-only audit trail of every insert, update and delete on the ledger tables, written by triggers';
COMMENT ON COLUMN ar.audit_log.audit_id IS 'Surrogate key, increasing in write order';
COMMENT ON COLUMN ar.audit_log.at IS 'Start time of the transaction that made the change';
COMMENT ON COLUMN ar.audit_log.actor IS 'Role that made the change (the SET ROLE role, else the login role)';
COMMENT ON COLUMN ar.audit_log.table_name IS 'Table changed, without schema (all are in ar)';
COMMENT ON COLUMN ar.audit_log.op IS 'INSERT, UPDATE or DELETE';
COMMENT ON COLUMN ar.audit_log.row_id IS 'Primary key of the changed row (customer_id, invoice_id, ...)';
COMMENT ON COLUMN ar.audit_log.old IS 'DELETE: the row removed; UPDATE: the old values of the columns that changed; NULL for INSERT';
COMMENT ON COLUMN ar.audit_log.new IS 'INSERT: the row added; UPDATE: the new values of the columns that changed; NULL for DELETE';
COMMENT ON COLUMN ar.audit_log.txid IS 'Transaction id; groups the changes of one call';

-- Statement-level audit triggers with transition tables: one set-based
-- INSERT per statement, however many rows it touched.  TG_ARGV[0] names the
-- table's primary key column.  OFFSET 0 keeps each row's to_jsonb() in its
-- subquery: pulled up, it would be computed again for every reference to j.
--
-- Restores: the triggers of an extension's tables fire while pg_restore
-- loads their data, and the restored audit_log already records that
-- history.  So rows being restored are not audited again: a restore runs as
-- superuser (CREATE EXTENSION pg_receivables requires one) and brings rows
-- whose created_at precedes the current transaction; the balance updates
-- such rows cause are flagged by ar.restoring (honoured for superusers only,
-- who could disable the triggers anyway).
CREATE FUNCTION ar.is_restoring_row(created_at timestamptz) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN created_at < pg_catalog.transaction_timestamp()
     AND pg_catalog.current_setting('is_superuser') = 'on';
COMMENT ON FUNCTION ar.is_restoring_row(timestamptz) IS
  'True for a row written by a superuser with a created_at before the current transaction, as pg_restore does (internal)';

-- SECURITY DEFINER: writers of the ledger need no right on the audit log,
-- so nobody but the owner can put a row there by hand.
CREATE FUNCTION ar.tg_audit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ar.audit_log (table_name, op, row_id, new)
    SELECT TG_TABLE_NAME, 'INSERT', (j ->> TG_ARGV[0])::bigint, j
      FROM (SELECT pg_catalog.to_jsonb(n) AS j FROM new_rows n OFFSET 0) s
     WHERE NOT ar.is_restoring_row((j ->> 'created_at')::timestamptz);
  ELSIF TG_OP = 'UPDATE' THEN
    IF pg_catalog.current_setting('ar.restoring', true) = 'on'
       AND pg_catalog.current_setting('is_superuser') = 'on' THEN
      RETURN NULL;
    END IF;
    -- An update is recorded by the columns it changed: old and new values.
    INSERT INTO ar.audit_log (table_name, op, row_id, old, new)
    SELECT TG_TABLE_NAME, 'UPDATE', (o.j ->> TG_ARGV[0])::bigint, d.old_values, d.new_values
      FROM (SELECT pg_catalog.to_jsonb(r) AS j FROM old_rows r OFFSET 0) o
      JOIN (SELECT pg_catalog.to_jsonb(r) AS j FROM new_rows r OFFSET 0) n
        ON (o.j -> TG_ARGV[0]) = (n.j -> TG_ARGV[0])
      CROSS JOIN LATERAL (
        SELECT pg_catalog.jsonb_object_agg(e.key, o.j -> e.key) AS old_values,
               pg_catalog.jsonb_object_agg(e.key, e.value) AS new_values
          FROM pg_catalog.jsonb_each(n.j) AS e
         WHERE (o.j -> e.key) IS DISTINCT FROM e.value) d
     WHERE d.new_values IS NOT NULL;
  ELSE
    INSERT INTO ar.audit_log (table_name, op, row_id, old)
    SELECT TG_TABLE_NAME, 'DELETE', (j ->> TG_ARGV[0])::bigint, j
      FROM (SELECT pg_catalog.to_jsonb(o) AS j FROM old_rows o OFFSET 0) s;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_audit() IS
  'Statement trigger: writes the rows a statement changed to ar.audit_log (internal)';

CREATE FUNCTION ar.tg_audit_log_append_only() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'ar.audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = 'The audit trail is never changed; record corrections as new ledger entries.';
END
$$;
COMMENT ON FUNCTION ar.tg_audit_log_append_only() IS
  'Trigger: refuses UPDATE, DELETE and TRUNCATE on ar.audit_log (internal)';

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON ar.audit_log
  FOR EACH ROW EXECUTE FUNCTION ar.tg_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ar.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_log_append_only();

------------------------------------------------------------------------------
-- Validation helpers.
------------------------------------------------------------------------------

CREATE FUNCTION ar.is_time_zone(name text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_is_time_zone'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.is_time_zone(text) IS
  'True when the name is an IANA time zone of the tz database, spelled exactly (Asia/Tokyo, America/New_York, UTC)';
-- Currencies (ISO 4217) and settings.

CREATE TABLE ar.currency (
  code       char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  minor_unit smallint NOT NULL CHECK (minor_unit BETWEEN 0 AND 4),
  name       text,
  symbol     text,
  seeded     boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE ar.currency IS
  'ISO 4217 currencies: every amount is a whole number of the currency''s minor units';
COMMENT ON COLUMN ar.currency.code IS 'ISO 4217 alphabetic code (JPY, USD, EUR, ...)';
COMMENT ON COLUMN ar.currency.minor_unit IS 'Decimal places of the minor unit: JPY 0, USD 2, KWD 3';
COMMENT ON COLUMN ar.currency.name IS 'English name of the currency';
COMMENT ON COLUMN ar.currency.symbol IS 'Symbol used when formatting amounts (¥, $, €); NULL formats with the code';
COMMENT ON COLUMN ar.currency.seeded IS 'True for rows shipped with the extension and not changed since (not dumped by pg_dump)';
COMMENT ON COLUMN ar.currency.created_at IS 'When the row was created';

CREATE TRIGGER currency_seed_guard BEFORE INSERT OR UPDATE ON ar.currency
  FOR EACH ROW EXECUTE FUNCTION ar.tg_seed_guard('code');

SET LOCAL ar.seeding = on;
INSERT INTO ar.currency (code, minor_unit, name, symbol, seeded) VALUES
  ('JPY', 0, 'Japanese yen', '¥', true),
  ('USD', 2, 'US dollar', '$', true),
  ('EUR', 2, 'Euro', '€', true),
  ('GBP', 2, 'Pound sterling', '£', true),
  ('CHF', 2, 'Swiss franc', NULL, true),
  ('CNY', 2, 'Renminbi (yuan)', 'CN¥', true),
  ('HKD', 2, 'Hong Kong dollar', 'HK$', true),
  ('TWD', 2, 'New Taiwan dollar', 'NT$', true),
  ('KRW', 0, 'South Korean won', '₩', true),
  ('SGD', 2, 'Singapore dollar', 'S$', true),
  ('THB', 2, 'Thai baht', '฿', true),
  ('MYR', 2, 'Malaysian ringgit', 'RM', true),
  ('IDR', 2, 'Indonesian rupiah', 'Rp', true),
  ('PHP', 2, 'Philippine peso', '₱', true),
  ('VND', 0, 'Vietnamese đồng', '₫', true),
  ('INR', 2, 'Indian rupee', '₹', true),
  ('AUD', 2, 'Australian dollar', 'A$', true),
  ('NZD', 2, 'New Zealand dollar', 'NZ$', true),
  ('CAD', 2, 'Canadian dollar', 'CA$', true),
  ('MXN', 2, 'Mexican peso', 'MX$', true),
  ('BRL', 2, 'Brazilian real', 'R$', true),
  ('CLP', 0, 'Chilean peso', NULL, true),
  ('SEK', 2, 'Swedish krona', NULL, true),
  ('NOK', 2, 'Norwegian krone', NULL, true),
  ('DKK', 2, 'Danish krone', NULL, true),
  ('PLN', 2, 'Polish złoty', 'zł', true),
  ('CZK', 2, 'Czech koruna', NULL, true),
  ('HUF', 2, 'Hungarian forint', NULL, true),
  ('ISK', 0, 'Icelandic króna', NULL, true),
  ('TRY', 2, 'Turkish lira', '₺', true),
  ('ZAR', 2, 'South African rand', 'R', true),
  ('AED', 2, 'UAE dirham', NULL, true),
  ('SAR', 2, 'Saudi riyal', NULL, true),
  ('ILS', 2, 'Israeli new shekel', '₪', true),
  ('KWD', 3, 'Kuwaiti dinar', NULL, true),
  ('BHD', 3, 'Bahraini dinar', NULL, true),
  ('OMR', 3, 'Omani rial', NULL, true),
  ('JOD', 3, 'Jordanian dinar', NULL, true),
  ('TND', 3, 'Tunisian dinar', NULL, true);

CREATE TABLE ar.setting (
  key         text PRIMARY KEY,
  value       text NOT NULL,
  description text,
  seeded      boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE ar.setting IS
  'Configuration of pg_receivables, one row per key (see docs/ledger.md)';
COMMENT ON COLUMN ar.setting.key IS 'Setting name';
COMMENT ON COLUMN ar.setting.value IS 'Setting value as text; validated per key on write';
COMMENT ON COLUMN ar.setting.description IS 'What the setting controls';
COMMENT ON COLUMN ar.setting.seeded IS 'True for shipped defaults not changed since (not dumped by pg_dump)';
COMMENT ON COLUMN ar.setting.created_at IS 'When the row was created';

CREATE TRIGGER setting_seed_guard BEFORE INSERT OR UPDATE ON ar.setting
  FOR EACH ROW EXECUTE FUNCTION ar.tg_seed_guard('key');

INSERT INTO ar.setting (key, value, description, seeded) VALUES
  ('home_currency', 'JPY', 'Currency of new customers when none is given, and of company-wide KPIs', true),
  ('default_calendar', 'JP-BANK', 'Business calendar used for due dates when a customer names none', true),
  ('default_buckets', '30,60,90', 'Aging bucket bounds (days past due) of the aging views', true),
  ('bank_fee_tolerance', '0,110,220,330,440,550,660,770,880',
   'Bank transfer fees (yen) a payer may have deducted; tried when matching short payments', true),
  ('match_auto_threshold', '0.90', 'Lowest match score auto_apply applies without review', true);
RESET ar.seeding;

-- ar.setting_value(key): the value of a setting; an unknown key is an error
-- rather than NULL, so a typo is never silently "unset".
CREATE FUNCTION ar.setting_value(setting_key text) RETURNS text
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v text;
BEGIN
  SELECT s.value INTO v FROM ar.setting s WHERE s.key = setting_key;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown setting "%"', setting_key
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The settings are listed in ar.setting.';
  END IF;
  RETURN v;
END
$$;
COMMENT ON FUNCTION ar.setting_value(text) IS
  'Value of a setting in ar.setting; raises 22023 for an unknown key';

-- ar.minor_unit(currency): decimal places of a currency; unknown is an error.
CREATE FUNCTION ar.minor_unit(currency_code char(3)) RETURNS smallint
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  mu smallint;
BEGIN
  SELECT c.minor_unit INTO mu FROM ar.currency c WHERE c.code = currency_code;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown currency "%"', currency_code
      USING ERRCODE = 'foreign_key_violation',
            HINT = 'Currencies are listed in ar.currency; add a row there for a new one.';
  END IF;
  RETURN mu;
END
$$;
COMMENT ON FUNCTION ar.minor_unit(char) IS
  'Decimal places of the currency''s minor unit (JPY 0, USD 2); raises 23503 for an unknown currency';

-- ar.check_money(amount, currency, what): raises unless amount is a positive
-- whole number of the currency's minor units.  "what" names the document in
-- the message, e.g. 'invoice INV-001'.
CREATE FUNCTION ar.check_money(amount numeric, currency_code char(3), what text) RETURNS void
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  mu smallint := ar.minor_unit(currency_code);
BEGIN
  IF amount IS NULL THEN
    RAISE EXCEPTION '% has no amount', what
      USING ERRCODE = 'not_null_violation';
  END IF;
  IF amount <= 0 THEN
    RAISE EXCEPTION 'amount % of % must be greater than zero', amount, what
      USING ERRCODE = 'check_violation',
            HINT = 'Record a reduction as a credit note, a refund or a reversal, not as a negative amount.';
  END IF;
  IF amount <> pg_catalog.round(amount, mu) THEN
    RAISE EXCEPTION 'amount % of % is not a whole number of % minor units', amount, what, currency_code
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('%s has %s decimal places.', currency_code, mu),
            HINT = pg_catalog.format('Round the amount to %s decimal places.', mu);
  END IF;
END
$$;
COMMENT ON FUNCTION ar.check_money(numeric, char, text) IS
  'Raises unless the amount is positive and a whole number of the currency''s minor units (internal helper of the ledger triggers)';

SELECT pg_catalog.pg_extension_config_dump('ar.currency', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('ar.setting', 'WHERE NOT seeded');
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
-- ar.payment_terms: how a due date follows from an issue date (see
-- docs/payment-terms.md).  Parsing, canonical text, labels and date
-- arithmetic are in C (src/core/terms.c).

CREATE TYPE ar.payment_terms;

CREATE FUNCTION ar.payment_terms_in(cstring) RETURNS ar.payment_terms
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_in(cstring) IS
  'Text input of ar.payment_terms: English (net 30, close 20 due 1 10, ...) or Japanese (月末締め翌月末払い); 22P02 on bad input';

CREATE FUNCTION ar.payment_terms_out(ar.payment_terms) RETURNS cstring
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_out(ar.payment_terms) IS
  'Text output of ar.payment_terms: the canonical English form';

CREATE FUNCTION ar.payment_terms_recv(internal) RETURNS ar.payment_terms
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_recv(internal) IS
  'Binary input of ar.payment_terms; every field is checked (22P03 on a bad value)';

CREATE FUNCTION ar.payment_terms_send(ar.payment_terms) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_send(ar.payment_terms) IS
  'Binary output of ar.payment_terms (format version 1)';

CREATE TYPE ar.payment_terms (
  INPUT = ar.payment_terms_in,
  OUTPUT = ar.payment_terms_out,
  RECEIVE = ar.payment_terms_recv,
  SEND = ar.payment_terms_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = plain
);
COMMENT ON TYPE ar.payment_terms IS
  'Payment terms (支払条件): net 30, eom +30, close eom due 1 eom (月末締め翌月末払い), close 20 due 1 10, 2/10 net 30, semi-monthly closing, business-day adjustment';

CREATE FUNCTION ar.payment_terms_eq(ar.payment_terms, ar.payment_terms) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_eq'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.payment_terms_eq(ar.payment_terms, ar.payment_terms) IS
  'True when two payment terms are the same terms (月末締め翌月末払い = close eom due 1 eom)';

CREATE FUNCTION ar.payment_terms_ne(ar.payment_terms, ar.payment_terms) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_ne'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.payment_terms_ne(ar.payment_terms, ar.payment_terms) IS
  'True when two payment terms differ';

CREATE FUNCTION ar.payment_terms_hash(ar.payment_terms) RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_hash'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_hash(ar.payment_terms) IS
  'Hash of payment terms, for GROUP BY, DISTINCT and hash joins';

CREATE OPERATOR ar.= (
  LEFTARG = ar.payment_terms, RIGHTARG = ar.payment_terms,
  FUNCTION = ar.payment_terms_eq,
  COMMUTATOR = OPERATOR(ar.=), NEGATOR = OPERATOR(ar.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
COMMENT ON OPERATOR ar.= (ar.payment_terms, ar.payment_terms) IS 'Same payment terms';

CREATE OPERATOR ar.<> (
  LEFTARG = ar.payment_terms, RIGHTARG = ar.payment_terms,
  FUNCTION = ar.payment_terms_ne,
  COMMUTATOR = OPERATOR(ar.<>), NEGATOR = OPERATOR(ar.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR ar.<> (ar.payment_terms, ar.payment_terms) IS 'Different payment terms';

CREATE OPERATOR CLASS ar.payment_terms_hash_ops
  DEFAULT FOR TYPE ar.payment_terms USING hash AS
    OPERATOR 1 ar.= (ar.payment_terms, ar.payment_terms),
    FUNCTION 1 ar.payment_terms_hash(ar.payment_terms);
COMMENT ON OPERATOR CLASS ar.payment_terms_hash_ops USING hash IS
  'Equality of payment terms for hashing (GROUP BY, DISTINCT, hash joins)';

------------------------------------------------------------------------------
-- Functions
------------------------------------------------------------------------------

CREATE FUNCTION ar.due_date(terms ar.payment_terms, issue_date date, calendar text DEFAULT 'JP-BANK') RETURNS date
  AS 'MODULE_PATHNAME', 'pgr_due_date'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.due_date(ar.payment_terms, date, text) IS
  'Due date of an invoice issued on issue_date under the terms, moved to a business day of the calendar when the terms say adjust';

CREATE FUNCTION ar.discount_date(terms ar.payment_terms, issue_date date) RETURNS date
  AS 'MODULE_PATHNAME', 'pgr_discount_date'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.discount_date(ar.payment_terms, date) IS
  'Last day on which the early-payment discount applies (2/10 net 30: issue date + 10); NULL when the terms have no discount';

CREATE FUNCTION ar.discount_amount(terms ar.payment_terms, amount numeric, issue_date date, paid_on date,
                                   minor_unit integer DEFAULT 0) RETURNS numeric
  AS 'MODULE_PATHNAME', 'pgr_discount_amount'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.discount_amount(ar.payment_terms, numeric, date, date, integer) IS
  'Early-payment discount earned by paying on paid_on: amount x percent rounded half away from zero to minor_unit decimals, else 0';

CREATE FUNCTION ar.terms_label(terms ar.payment_terms, locale text DEFAULT 'ja') RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_terms_label_fn'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.terms_label(ar.payment_terms, text) IS
  'Label of the terms for people: 月末締め翌月末払い (ja), Close EOM, due end of next month / 2% 10, Net 30 (en); 22023 for another locale';
-- Aging: the ar.aging_buckets type, bucket labels and lookup, and the
-- parallel aggregate ar.aging_sum.  C in src/aging.c over src/core/aging.c;
-- see docs/aging.md.

CREATE TYPE ar.aging_buckets;

CREATE FUNCTION ar.aging_buckets_in(cstring) RETURNS ar.aging_buckets
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ar.aging_buckets_out(ar.aging_buckets) RETURNS cstring
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ar.aging_buckets_recv(internal) RETURNS ar.aging_buckets
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ar.aging_buckets_send(ar.aging_buckets) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE ar.aging_buckets (
  INPUT = ar.aging_buckets_in,
  OUTPUT = ar.aging_buckets_out,
  RECEIVE = ar.aging_buckets_recv,
  SEND = ar.aging_buckets_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = plain
);
COMMENT ON TYPE ar.aging_buckets IS
  'Aging bucket bounds in days past due, ascending positive integers (''30,60,90'' = current, 1-30, 31-60, 61-90, 90+); at most 32 bounds';

COMMENT ON FUNCTION ar.aging_buckets_in(cstring) IS
  'Input of ar.aging_buckets: comma-separated ascending positive integers; refuses anything else with SQLSTATE 22P02';
COMMENT ON FUNCTION ar.aging_buckets_out(ar.aging_buckets) IS
  'Output of ar.aging_buckets in canonical form (''30,60,90'')';
COMMENT ON FUNCTION ar.aging_buckets_recv(internal) IS
  'Binary input of ar.aging_buckets (int16 count, int16 reserved = 0, int32 bounds); validates everything again';
COMMENT ON FUNCTION ar.aging_buckets_send(ar.aging_buckets) IS
  'Binary output of ar.aging_buckets (int16 count, int16 reserved = 0, int32 bounds)';

CREATE FUNCTION ar.aging_buckets_eq(ar.aging_buckets, ar.aging_buckets) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_eq'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.aging_buckets_eq(ar.aging_buckets, ar.aging_buckets) IS
  'True when both have the same bounds';
CREATE FUNCTION ar.aging_buckets_ne(ar.aging_buckets, ar.aging_buckets) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_ne'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.aging_buckets_ne(ar.aging_buckets, ar.aging_buckets) IS
  'True when the bounds differ';

CREATE OPERATOR ar.= (
  LEFTARG = ar.aging_buckets, RIGHTARG = ar.aging_buckets,
  FUNCTION = ar.aging_buckets_eq,
  COMMUTATOR = OPERATOR(ar.=), NEGATOR = OPERATOR(ar.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
COMMENT ON OPERATOR ar.= (ar.aging_buckets, ar.aging_buckets) IS 'Same bucket bounds';
CREATE OPERATOR ar.<> (
  LEFTARG = ar.aging_buckets, RIGHTARG = ar.aging_buckets,
  FUNCTION = ar.aging_buckets_ne,
  COMMUTATOR = OPERATOR(ar.<>), NEGATOR = OPERATOR(ar.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR ar.<> (ar.aging_buckets, ar.aging_buckets) IS 'Different bucket bounds';

-- Hashing makes GROUP BY, DISTINCT and hash joins work on bucket values.
CREATE FUNCTION ar.aging_buckets_hash(ar.aging_buckets) RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_hash'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_buckets_hash(ar.aging_buckets) IS
  'Hash of the bounds, for the hash operator class (internal)';
CREATE FUNCTION ar.aging_buckets_hash_extended(ar.aging_buckets, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_hash_extended'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_buckets_hash_extended(ar.aging_buckets, bigint) IS
  '64-bit seeded hash of the bounds, for the hash operator class (internal)';
CREATE OPERATOR CLASS ar.aging_buckets_hash_ops DEFAULT FOR TYPE ar.aging_buckets USING hash AS
  OPERATOR 1 ar.= (ar.aging_buckets, ar.aging_buckets),
  FUNCTION 1 ar.aging_buckets_hash(ar.aging_buckets),
  FUNCTION 2 ar.aging_buckets_hash_extended(ar.aging_buckets, bigint);
COMMENT ON OPERATOR CLASS ar.aging_buckets_hash_ops USING hash IS 'Equality of bucket bounds by hashing';

------------------------------------------------------------------------------
-- Labels and lookup
------------------------------------------------------------------------------

CREATE FUNCTION ar.aging_labels(buckets ar.aging_buckets) RETURNS text[]
  AS 'MODULE_PATHNAME', 'pgr_aging_labels'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_labels(ar.aging_buckets) IS
  'Bucket labels in order: {current,1-30,31-60,61-90,90+} for ''30,60,90''; element i + 1 is bucket index i';

CREATE FUNCTION ar.aging_bucket(days_past_due integer, buckets ar.aging_buckets DEFAULT '30,60,90')
  RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_aging_bucket'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_bucket(integer, ar.aging_buckets) IS
  'Label of the bucket a number of days past due falls in: current for 0 or less, 1-30 for 1..30, ..., 90+ beyond the last bound';

CREATE FUNCTION ar.aging_bucket_index(days_past_due integer, buckets ar.aging_buckets DEFAULT '30,60,90')
  RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_aging_bucket_index'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_bucket_index(integer, ar.aging_buckets) IS
  'Index of the bucket a number of days past due falls in: 0 = current, 1 = first overdue bucket, ..., number of bounds + 1 = beyond the last bound';

------------------------------------------------------------------------------
-- ar.aging_sum(amount, days_past_due, buckets) -> numeric[]
------------------------------------------------------------------------------

CREATE FUNCTION ar.aging_sum_transfn(internal, numeric, integer, ar.aging_buckets) RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_transfn'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_transfn(internal, numeric, integer, ar.aging_buckets) IS
  'Transition function of ar.aging_sum (internal)';
CREATE FUNCTION ar.aging_sum_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_combine(internal, internal) IS
  'Combine function of ar.aging_sum: merges the states of parallel workers (internal)';
CREATE FUNCTION ar.aging_sum_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_serialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_serialize(internal) IS
  'Serialize function of ar.aging_sum: state of a parallel worker to bytes (internal)';
CREATE FUNCTION ar.aging_sum_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_deserialize(bytea, internal) IS
  'Deserialize function of ar.aging_sum: checks every size before reading a state (internal)';
CREATE FUNCTION ar.aging_sum_final(internal) RETURNS numeric[]
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_final'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_final(internal) IS
  'Final function of ar.aging_sum: one exact numeric sum per bucket (internal)';

CREATE AGGREGATE ar.aging_sum(amount numeric, days_past_due integer, buckets ar.aging_buckets) (
  SFUNC = ar.aging_sum_transfn,
  STYPE = internal,
  SSPACE = 1248,
  FINALFUNC = ar.aging_sum_final,
  COMBINEFUNC = ar.aging_sum_combine,
  SERIALFUNC = ar.aging_sum_serialize,
  DESERIALFUNC = ar.aging_sum_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ar.aging_sum(numeric, integer, ar.aging_buckets) IS
  'Sum of amounts per aging bucket, one element per label of ar.aging_labels(buckets), 0 where empty; NULL amounts and NULL days_past_due are skipped; NULL over no rows';
-- ar.escalation_ladder: the steps of a dunning ladder, and the functions
-- that dunning uses to choose a step (src/ladder.c, src/core/ladder.c;
-- docs/dunning.md, "Escalation ladders").

CREATE TYPE ar.escalation_ladder;

CREATE FUNCTION ar.escalation_ladder_in(cstring) RETURNS ar.escalation_ladder
  AS 'MODULE_PATHNAME', 'pgr_ladder_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.escalation_ladder_in(cstring) IS
  'Input function of ar.escalation_ladder: parses ''OFFSET CHANNEL[:TEMPLATE] [OPTION=VALUE ...] [stop]; ...'' (22P02 naming the step on error)';

CREATE FUNCTION ar.escalation_ladder_out(ar.escalation_ladder) RETURNS cstring
  AS 'MODULE_PATHNAME', 'pgr_ladder_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.escalation_ladder_out(ar.escalation_ladder) IS
  'Output function of ar.escalation_ladder: the canonical text form';

CREATE FUNCTION ar.escalation_ladder_recv(internal) RETURNS ar.escalation_ladder
  AS 'MODULE_PATHNAME', 'pgr_ladder_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.escalation_ladder_recv(internal) IS
  'Binary input of ar.escalation_ladder; validates every field as the text input does (22P03 on bad data)';

CREATE FUNCTION ar.escalation_ladder_send(ar.escalation_ladder) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_ladder_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.escalation_ladder_send(ar.escalation_ladder) IS
  'Binary output of ar.escalation_ladder: format version, step count, a reserved field, then the steps';

CREATE TYPE ar.escalation_ladder (
  INPUT = ar.escalation_ladder_in,
  OUTPUT = ar.escalation_ladder_out,
  RECEIVE = ar.escalation_ladder_recv,
  SEND = ar.escalation_ladder_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = extended
);
COMMENT ON TYPE ar.escalation_ladder IS
  'Dunning escalation ladder: up to 32 steps ''OFFSET CHANNEL[:TEMPLATE] [min=AMOUNT] [gap=DAYS] [fee=AMOUNT] [interest=RATE] [stop]'' separated by '';'', offsets strictly ascending';

CREATE FUNCTION ar.ladder_eq(ar.escalation_ladder, ar.escalation_ladder) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_ladder_eq'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.ladder_eq(ar.escalation_ladder, ar.escalation_ladder) IS
  'True when two ladders have the same steps (the same canonical form)';

CREATE FUNCTION ar.ladder_ne(ar.escalation_ladder, ar.escalation_ladder) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_ladder_ne'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.ladder_ne(ar.escalation_ladder, ar.escalation_ladder) IS
  'True when two ladders differ';

CREATE FUNCTION ar.ladder_hash(ar.escalation_ladder) RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_ladder_hash'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.ladder_hash(ar.escalation_ladder) IS
  'Hash of a ladder, consistent with = (hash joins, GROUP BY and DISTINCT on ladders)';

CREATE OPERATOR ar.= (
  LEFTARG = ar.escalation_ladder, RIGHTARG = ar.escalation_ladder,
  FUNCTION = ar.ladder_eq, COMMUTATOR = OPERATOR(ar.=), NEGATOR = OPERATOR(ar.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
COMMENT ON OPERATOR ar.= (ar.escalation_ladder, ar.escalation_ladder) IS 'Ladders with the same steps';

CREATE OPERATOR ar.<> (
  LEFTARG = ar.escalation_ladder, RIGHTARG = ar.escalation_ladder,
  FUNCTION = ar.ladder_ne, COMMUTATOR = OPERATOR(ar.<>), NEGATOR = OPERATOR(ar.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR ar.<> (ar.escalation_ladder, ar.escalation_ladder) IS 'Ladders that differ';

CREATE OPERATOR CLASS ar.escalation_ladder_hash_ops
  DEFAULT FOR TYPE ar.escalation_ladder USING hash AS
    OPERATOR 1 ar.= (ar.escalation_ladder, ar.escalation_ladder),
    FUNCTION 1 ar.ladder_hash(ar.escalation_ladder);
COMMENT ON OPERATOR CLASS ar.escalation_ladder_hash_ops USING hash IS
  'Hash equality of ladders (GROUP BY, DISTINCT, hash joins)';

CREATE FUNCTION ar.ladder_steps(ladder ar.escalation_ladder)
  RETURNS TABLE (step_no integer, offset_days integer, channel text, template text,
                 min_amount numeric, gap_days integer, terminal boolean,
                 fee_amount numeric, interest_rate numeric)
  AS 'MODULE_PATHNAME', 'pgr_ladder_steps'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION ar.ladder_steps(ar.escalation_ladder) IS
  'One row per step of a ladder, numbered from 1; template, min_amount, gap_days, fee_amount and interest_rate are NULL when the step does not set them';

CREATE FUNCTION ar.next_step(ladder ar.escalation_ladder, days_past_due integer, overdue_amount numeric,
                             last_step integer, days_since_last_notice integer)
  RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_ladder_next_step'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.next_step(ar.escalation_ladder, integer, numeric, integer, integer) IS
  'Step to send now: the highest step above last_step whose offset is reached and whose min and gap hold, never past an eligible stop step; NULL when none (last_step NULL or 0 = none sent, days_since_last_notice NULL = never)';

CREATE FUNCTION ar.skipped_steps(ladder ar.escalation_ladder, from_step integer, to_step integer)
  RETURNS integer[]
  AS 'MODULE_PATHNAME', 'pgr_ladder_skipped_steps'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.skipped_steps(ar.escalation_ladder, integer, integer) IS
  'Steps strictly between from_step (last sent; NULL or 0 = none) and to_step (chosen by ar.next_step): the steps a late run passes over';
-- Notice templates: ar.template, the renderer (src/template.c,
-- src/core/template.c), money and date formatting, the company details
-- that notices show, and the shipped Japanese and English templates
-- (docs/templates.md).

CREATE FUNCTION ar.render_template(template text, data jsonb, strict boolean DEFAULT false) RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_render_template'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.render_template(text, jsonb, boolean) IS
  'Renders a template ({{name}}, {{a.b}}, {{#section}}...{{/section}}, {{^inverted}}...{{/inverted}}, {{! comment}}) against jsonb data; nothing is escaped or executed; a missing name renders as nothing, or raises 22023 when strict';

CREATE FUNCTION ar.template_placeholders(template text) RETURNS text[]
  AS 'MODULE_PATHNAME', 'pgr_template_placeholders'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.template_placeholders(text) IS
  'Checks a template (22P02 naming the tag and its line and column when malformed) and returns the distinct names it uses, in order of first use';

CREATE FUNCTION ar.format_money(amount numeric, currency char(3), locale text DEFAULT 'ja') RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_format_money'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.format_money(numeric, char, text) IS
  'Amount for a notice, rounded to the currency''s minor unit with thousands separators: ja 1,234円 (JPY) or USD 1,234.56; en $1,234.56 / ¥1,234 (symbol from ar.currency, else the code)';

CREATE FUNCTION ar.format_date(day date, locale text DEFAULT 'ja') RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_format_date'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.format_date(date, text) IS
  'Date for a notice: ja 2026年11月30日, en November 30, 2026';

------------------------------------------------------------------------------
-- ar.template
------------------------------------------------------------------------------

CREATE TABLE ar.template (
  template_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  template_code text NOT NULL CHECK (template_code ~ '^[a-z0-9_]{1,63}$'),
  channel       text NOT NULL
                CHECK (channel IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook')),
  locale        text NOT NULL CHECK (locale IN ('ja', 'en')),
  subject       text,
  body          text NOT NULL CHECK (body <> ''),
  description   text,
  seeded        boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at    timestamptz,
  CONSTRAINT template_key UNIQUE (template_code, channel, locale),
  CONSTRAINT template_no_subject_for_sms_call CHECK (channel NOT IN ('sms', 'call') OR subject IS NULL),
  CONSTRAINT template_email_has_subject CHECK (channel <> 'email' OR subject IS NOT NULL)
);
COMMENT ON TABLE ar.template IS
  'Notice templates per code, channel and locale, rendered by ar.render_template (docs/templates.md)';
COMMENT ON COLUMN ar.template.template_id IS 'Surrogate key';
COMMENT ON COLUMN ar.template.template_code IS 'Name a ladder step refers to (email:overdue_1 -> overdue_1); a step without one uses the channel name';
COMMENT ON COLUMN ar.template.channel IS 'Channel: email, sms, letter, call, agency, retry, internal or webhook';
COMMENT ON COLUMN ar.template.locale IS 'Language of the text: ja or en (the customer''s locale chooses)';
COMMENT ON COLUMN ar.template.subject IS 'Subject line or letter title, itself a template; NULL for sms and call, required for email';
COMMENT ON COLUMN ar.template.body IS 'Body template; checked on every write';
COMMENT ON COLUMN ar.template.description IS 'What the template is for';
COMMENT ON COLUMN ar.template.seeded IS 'True for templates shipped with the extension and not changed since (not dumped by pg_dump)';
COMMENT ON COLUMN ar.template.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.template.updated_at IS 'When the row was last changed';

CREATE TRIGGER template_seed_guard BEFORE INSERT OR UPDATE ON ar.template
  FOR EACH ROW EXECUTE FUNCTION ar.tg_seed_guard('template_code', 'channel', 'locale');

-- Subject and body are checked on write, so a broken template fails when an
-- admin saves it, not in the nightly dunning run.
CREATE FUNCTION ar.tg_template_validate() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  part text;
BEGIN
  BEGIN
    part := 'subject';
    PERFORM ar.template_placeholders(NEW.subject);
    part := 'body';
    PERFORM ar.template_placeholders(NEW.body);
  EXCEPTION WHEN invalid_text_representation OR program_limit_exceeded THEN
    DECLARE
      msg text;
      hint text;
      state text;
    BEGIN
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT, state = RETURNED_SQLSTATE;
      RAISE EXCEPTION '% of template "%" (%, %): %', part, NEW.template_code, NEW.channel, NEW.locale, msg
        USING ERRCODE = state, HINT = hint;
    END;
  END;
  IF TG_OP = 'UPDATE'
     AND (pg_catalog.to_jsonb(OLD) - 'seeded' - 'updated_at') IS DISTINCT FROM
         (pg_catalog.to_jsonb(NEW) - 'seeded' - 'updated_at') THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_template_validate() IS
  'Trigger: refuses a malformed subject or body (22P02 naming the template, tag, line and column) and stamps updated_at (internal)';

CREATE TRIGGER template_validate BEFORE INSERT OR UPDATE ON ar.template
  FOR EACH ROW EXECUTE FUNCTION ar.tg_template_validate();

SELECT pg_catalog.pg_extension_config_dump('ar.template', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('ar.template_template_id_seq', '');

------------------------------------------------------------------------------
-- Company details shown in notices (ar.setting).
------------------------------------------------------------------------------

SET LOCAL ar.seeding = on;
INSERT INTO ar.setting (key, value, description, seeded) VALUES
  ('company_name', '', 'Company name signed on notices ({{company.name}}), e.g. 株式会社さくら商事', true),
  ('company_bank_account', '',
   'Bank account customers pay into ({{company.bank_account}}), e.g. さくら銀行 本店営業部 普通 1234567 カ）サクラシヨウジ', true),
  ('company_contact', '',
   'Contact block of notices ({{company.contact}}): department, person, telephone, e-mail; may span lines', true),
  ('company_phone', '', 'Telephone number for SMS notices ({{company.phone}})', true),
  ('company_name_en', '', 'Company name on English notices; empty = company_name', true),
  ('company_bank_account_en', '', 'Bank account on English notices; empty = company_bank_account', true),
  ('company_contact_en', '', 'Contact block on English notices; empty = company_contact', true);
RESET ar.seeding;

CREATE FUNCTION ar.template_company(locale text) RETURNS jsonb
  LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  result jsonb;
BEGIN
  IF locale NOT IN ('ja', 'en') THEN
    RAISE EXCEPTION 'unknown locale "%"', locale
      USING ERRCODE = 'invalid_parameter_value', HINT = 'Locales are ja and en.';
  END IF;
  SELECT pg_catalog.jsonb_build_object(
           'name', COALESCE(NULLIF(s.v ->> CASE locale WHEN 'en' THEN 'company_name_en' END, ''), s.v ->> 'company_name', ''),
           'bank_account', COALESCE(NULLIF(s.v ->> CASE locale WHEN 'en' THEN 'company_bank_account_en' END, ''),
                                    s.v ->> 'company_bank_account', ''),
           'contact', COALESCE(NULLIF(s.v ->> CASE locale WHEN 'en' THEN 'company_contact_en' END, ''),
                               s.v ->> 'company_contact', ''),
           'phone', COALESCE(s.v ->> 'company_phone', ''))
    INTO result
    FROM (SELECT pg_catalog.jsonb_object_agg(t.key, t.value) AS v
            FROM ar.setting t WHERE t.key LIKE 'company\_%') s;
  RETURN result;
END
$$;
COMMENT ON FUNCTION ar.template_company(text) IS
  'The "company" object of the template data contract (name, bank_account, contact, phone) from the company_* settings; for en the *_en settings when not empty';

------------------------------------------------------------------------------
-- The data contract, as sample data (docs/templates.md).  Dunning builds
-- data with exactly these keys; the tests render every shipped template
-- against it in strict mode, so a template cannot use a name the contract
-- does not provide.
------------------------------------------------------------------------------

CREATE FUNCTION ar.template_sample_data(locale text DEFAULT 'ja') RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF locale = 'ja' THEN
    RETURN $j${
      "today": "2026年11月30日",
      "pay_by": "2026年12月7日",
      "currency": "JPY",
      "total_overdue": "165,000円",
      "total_amount": "165,000円",
      "invoice_count": 2,
      "days_past_due": 30,
      "invoices": [
        {"invoice_no": "INV-2026-0930", "issue_date": "2026年9月30日", "due_date": "2026年10月31日",
         "amount": "110,000円", "open_amount": "110,000円", "days_past_due": 30},
        {"invoice_no": "INV-2026-1015", "issue_date": "2026年10月15日", "due_date": "2026年11月15日",
         "amount": "66,000円", "open_amount": "55,000円", "days_past_due": 15}
      ],
      "customer": {"code": "C-00123", "name": "株式会社みなと工業",
                   "email": "keiri@minato.example.jp", "phone": "03-1234-5678"},
      "company": {"name": "株式会社さくら商事",
                  "bank_account": "さくら銀行 本店営業部 普通預金 1234567 カ）サクラシヨウジ",
                  "contact": "経理部 債権管理課 山田\nTEL 03-9876-5432　E-mail ar@sakura.example.jp",
                  "phone": "03-9876-5432"},
      "collector": "山田",
      "promise": {"amount": "110,000円", "made_on": "2026年11月10日", "promised_on": "2026年11月20日",
                  "note": "20日締め後に振込予定とのこと"},
      "alert": {"rule": "延滞60日超", "kind": "overdue_days", "threshold": "60"}
    }$j$::jsonb;
  ELSIF locale = 'en' THEN
    RETURN $j${
      "today": "November 30, 2026",
      "pay_by": "December 7, 2026",
      "currency": "USD",
      "total_overdue": "$1,650.00",
      "total_amount": "$1,650.00",
      "invoice_count": 2,
      "days_past_due": 30,
      "invoices": [
        {"invoice_no": "INV-2026-0930", "issue_date": "September 30, 2026", "due_date": "October 31, 2026",
         "amount": "$1,100.00", "open_amount": "$1,100.00", "days_past_due": 30},
        {"invoice_no": "INV-2026-1015", "issue_date": "October 15, 2026", "due_date": "November 15, 2026",
         "amount": "$660.00", "open_amount": "$550.00", "days_past_due": 15}
      ],
      "customer": {"code": "C-00456", "name": "Harbor Tools Inc.",
                   "email": "ap@harbortools.example.com", "phone": "+1 206 555 0100"},
      "company": {"name": "Sakura Trading Co., Ltd.",
                  "bank_account": "Sakura Bank, Head Office, account 1234567 (SWIFT SAKBJPJT), Sakura Trading Co., Ltd.",
                  "contact": "Accounts Receivable, Yamada\nPhone +81 3 9876 5432, ar@sakura.example.jp",
                  "phone": "+81 3 9876 5432"},
      "collector": "Yamada",
      "promise": {"amount": "$1,100.00", "made_on": "November 10, 2026", "promised_on": "November 20, 2026",
                  "note": "Will pay after the month-end payment run"},
      "alert": {"rule": "more than 60 days overdue", "kind": "overdue_days", "threshold": "60"}
    }$j$::jsonb;
  END IF;
  RAISE EXCEPTION 'unknown locale "%"', locale
    USING ERRCODE = 'invalid_parameter_value', HINT = 'Locales are ja and en.';
END
$$;
COMMENT ON FUNCTION ar.template_sample_data(text) IS
  'Sample data with every key of the template data contract (docs/templates.md), for previews and strict checks: ar.render_template(body, ar.template_sample_data(''ja''), true)';
-- Shipped templates, Japanese and English, for every step of the default
-- ladder (-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2;
-- +14 sms:overdue_sms; +21 call; +30 letter:final_notice; +45 agency), a
-- formal 督促状 letter for ladders that want one, and the collector alerts.
-- Polite first, firmer later; every one says that a payment crossing the
-- notice is fine.  They use only the names of the data contract
-- (ar.template_sample_data, docs/templates.md).

SET LOCAL ar.seeding = on;
INSERT INTO ar.template (template_code, channel, locale, subject, body, description, seeded) VALUES

-- Japanese ---------------------------------------------------------------------

('pre_due', 'email', 'ja', $t$【お支払期日のご案内】{{company.name}}$t$,
$t${{customer.name}}
ご担当者様

いつもお世話になっております。
{{company.name}}でございます。

下記のご請求につきまして、お支払期日が近づいてまいりましたので、ご案内申し上げます。
お手数をおかけいたしますが、お支払期日までにお振込みくださいますよう、よろしくお願い申し上げます。

■ご請求内容
{{#invoices}}
・請求書番号：{{invoice_no}}
　お支払期日：{{due_date}}
　ご請求金額：{{open_amount}}
{{/invoices}}

ご請求金額合計：{{total_amount}}

■お振込先
{{company.bank_account}}

すでにお手続きがお済みの場合は、本メールと行き違いとなりましたことをご容赦ください。
ご不明な点がございましたら、下記までお気軽にお問い合わせください。

今後ともよろしくお願い申し上げます。

――――――――――――――――――――
{{company.name}}
{{company.contact}}
――――――――――――――――――――
$t$, 'お支払期日前のご案内（期日の3日前、メール）', true),

('overdue_1', 'email', 'ja', $t$【お支払いのお願い】{{company.name}}$t$,
$t${{customer.name}}
ご担当者様

いつも大変お世話になっております。
{{company.name}}でございます。

下記のご請求につきまして、お支払期日を過ぎておりますが、{{today}}現在、弊社にてご入金を確認できておりません。
ご多忙のところ誠に恐れ入りますが、ご確認のうえ、{{pay_by}}までにお振込みくださいますようお願い申し上げます。

■ご請求内容
{{#invoices}}
・請求書番号：{{invoice_no}}
　お支払期日：{{due_date}}
　ご請求残高：{{open_amount}}
{{/invoices}}

未入金額合計：{{total_overdue}}

■お振込先
{{company.bank_account}}

本メールと行き違いでお支払いいただいている場合は、何卒ご容赦ください。
請求書がお手元に届いていない、ご請求内容に相違があるなどの場合は、お手数ですが下記までご連絡ください。

何卒よろしくお願い申し上げます。

――――――――――――――――――――
{{company.name}}
{{company.contact}}
――――――――――――――――――――
$t$, '期日経過後最初のお願い（期日の翌日、メール）', true),

('overdue_2', 'email', 'ja', $t$【再度のお願い】お支払いについて（{{company.name}}）$t$,
$t${{customer.name}}
ご担当者様

いつもお世話になっております。
{{company.name}}でございます。

先日お支払いのお願いをお送りいたしました下記のご請求につきまして、{{today}}現在もご入金を確認できておりません。
何かの手違いかとも存じますが、至急ご確認のうえ、{{pay_by}}までにお支払いくださいますよう、重ねてお願い申し上げます。

お支払いが難しいご事情がおありの場合は、お支払予定日を{{pay_by}}までに下記窓口へお知らせください。

■ご請求内容
{{#invoices}}
・請求書番号：{{invoice_no}}
　お支払期日：{{due_date}}（{{days_past_due}}日経過）
　ご請求残高：{{open_amount}}
{{/invoices}}

未入金額合計：{{total_overdue}}

■お振込先
{{company.bank_account}}

本メールと行き違いでお支払いいただいている場合は、ご容赦くださいますようお願い申し上げます。

――――――――――――――――――――
{{company.name}}
{{company.contact}}
――――――――――――――――――――
$t$, '再度のお願い（期日の7日後、メール）', true),

('overdue_sms', 'sms', 'ja', NULL,
$t$【{{company.name}}】お支払期日を過ぎたご請求（計{{total_overdue}}）のご入金を確認できておりません。{{pay_by}}までにお手続きをお願いいたします。行き違いの際はご容赦ください。お問合せ {{company.phone}}$t$,
'SMSでのお願い（期日の14日後）。口座情報やURLは載せない', true),

('call', 'call', 'ja', NULL,
$t$【電話督促】{{customer.name}}（取引先コード：{{customer.code}}）
電話番号：{{customer.phone}}
最長延滞日数：{{days_past_due}}日　未入金額合計：{{total_overdue}}（{{invoice_count}}件）

■対象のご請求
{{#invoices}}
・{{invoice_no}}　期日 {{due_date}}　残高 {{open_amount}}（{{days_past_due}}日経過）
{{/invoices}}

■通話で確認すること
・請求書がお手元に届いているか、ご請求内容に相違がないか
・お支払いが遅れている理由と、お支払予定日
・お支払予定日と金額のお約束をいただけた場合は、入金約束として登録する
・ご請求内容に異議がある場合は、係争として登録する
・通話の結果を対応記録に残す
$t$, '担当者への電話督促タスク（期日の21日後）', true),

('final_notice', 'letter', 'ja', $t$最終催告書$t$,
$t${{today}}

{{customer.name}}　御中

{{company.name}}
{{company.contact}}

最終催告書

前略　下記のご請求につきましては、これまで再三にわたりお支払いをお願いしてまいりましたが、本日に至るまでご入金を確認できておりません。

つきましては、{{pay_by}}までに下記金額を弊社指定口座へお振込みくださいますよう、本書をもって最終のご請求を申し上げます。
万一、上記期日までにお支払いもご連絡もいただけない場合は、誠に不本意ながら、債権回収の委託や法的手続きを含む然るべき措置を講じざるを得ませんので、あらかじめご承知おきください。

なお、本状と行き違いでお支払いいただいている場合は、ご容赦くださいますようお願い申し上げます。

草々

記

{{#invoices}}
請求書番号：{{invoice_no}}　請求日：{{issue_date}}　お支払期日：{{due_date}}　ご請求残高：{{open_amount}}
{{/invoices}}

ご請求残高合計：{{total_overdue}}
お支払期限：{{pay_by}}
お振込先：{{company.bank_account}}

以上
$t$, '最終催告書（期日の30日後、郵送）', true),

('dunning_letter', 'letter', 'ja', $t$督促状$t$,
$t${{today}}

{{customer.name}}　御中

{{company.name}}
{{company.contact}}

督促状

拝啓　時下ますますご清栄のこととお慶び申し上げます。平素は格別のお引き立てを賜り、厚く御礼申し上げます。

さて、下記のご請求につきまして、お支払期日を過ぎておりますが、本日現在ご入金を確認できておりません。
ご多忙のところ恐れ入りますが、{{pay_by}}までに下記口座へお振込みくださいますよう、お願い申し上げます。
お支払いが難しいご事情がございましたら、同日までに弊社担当までご連絡くださいますようお願いいたします。

なお、本状と行き違いでお支払いいただいている場合は、ご容赦くださいますようお願い申し上げます。

敬具

記

{{#invoices}}
請求書番号：{{invoice_no}}　お支払期日：{{due_date}}　ご請求残高：{{open_amount}}
{{/invoices}}

ご請求残高合計：{{total_overdue}}
お支払期限：{{pay_by}}
お振込先：{{company.bank_account}}

以上
$t$, '督促状（郵送）。既定の段階にはない。letter:dunning_letter として段階に加えて使う', true),

('agency', 'agency', 'ja', $t$債権回収業務のご依頼：{{customer.name}}（{{customer.code}}）$t$,
$t$債権回収業務のご依頼

下記の取引先に対する売掛金について、回収業務をご依頼いたします。
請求書、督促の経緯、入金約束および係争の記録は、添付のデータをご参照ください。

■債務者
名称：{{customer.name}}
取引先コード：{{customer.code}}
電話番号：{{customer.phone}}
メールアドレス：{{customer.email}}

■未回収債権
{{#invoices}}
・請求書番号：{{invoice_no}}　請求日：{{issue_date}}　お支払期日：{{due_date}}　請求額：{{amount}}　未回収残高：{{open_amount}}（{{days_past_due}}日経過）
{{/invoices}}

未回収残高合計：{{total_overdue}}（{{invoice_count}}件、最長延滞{{days_past_due}}日）
依頼日：{{today}}

■弊社窓口
{{company.name}}
{{company.contact}}
$t$, '債権回収会社への引継ぎ概要（期日の45日後）', true),

('broken_promise', 'internal', 'ja', $t$【入金約束不履行】{{customer.name}}（{{customer.code}}）$t$,
$t${{#collector}}
{{collector}}さん
{{/collector}}
{{^collector}}
債権管理ご担当各位
{{/collector}}

{{customer.name}}（取引先コード：{{customer.code}}）の入金約束が、期日までに履行されませんでした。督促を再開しています。

{{#promise}}
■入金約束
約束日：{{made_on}}
お支払予定日：{{promised_on}}
約束金額：{{amount}}
メモ：{{note}}
{{/promise}}

■現在の未入金
未入金額合計：{{total_overdue}}（{{invoice_count}}件、最長延滞{{days_past_due}}日）

お客様へご連絡のうえ、結果を対応記録に残してください。
$t$, '入金約束の不履行を担当者へ知らせる社内アラート', true),

('collector_alert', 'internal', 'ja', $t$【督促アラート】{{customer.name}}（{{customer.code}}）$t$,
$t${{#collector}}
{{collector}}さん
{{/collector}}
{{^collector}}
債権管理ご担当各位
{{/collector}}

{{customer.name}}（取引先コード：{{customer.code}}）がアラート条件に該当しました。
{{#alert}}
条件：{{rule}}（しきい値：{{threshold}}）
{{/alert}}

未入金額合計：{{total_overdue}}（{{invoice_count}}件）
最長延滞日数：{{days_past_due}}日

{{#invoices}}
・{{invoice_no}}　期日 {{due_date}}　残高 {{open_amount}}（{{days_past_due}}日経過）
{{/invoices}}

対応の要否をご判断のうえ、結果を対応記録に残してください。
$t$, 'アラート規則に該当した取引先を担当者へ知らせる社内アラート', true),

-- English ----------------------------------------------------------------------

('pre_due', 'email', 'en', $t$Payment reminder: invoices due soon ({{company.name}})$t$,
$t$Dear {{customer.name}},

This is a friendly reminder that the following invoices from {{company.name}} will soon be due:

{{#invoices}}
- Invoice {{invoice_no}}: {{open_amount}}, due {{due_date}}
{{/invoices}}

Total: {{total_amount}}

Please arrange payment by the due date to:
{{company.bank_account}}

If you have already paid, thank you, and please disregard this message.
If you have any questions, please contact us.

Kind regards,

{{company.name}}
{{company.contact}}
$t$, 'Reminder before the due date (3 days before, email)', true),

('overdue_1', 'email', 'en', $t$Overdue invoices: payment reminder ({{company.name}})$t$,
$t$Dear {{customer.name}},

According to our records, we have not yet received payment for the following invoices, which are now past their due date. This may simply be an oversight.

{{#invoices}}
- Invoice {{invoice_no}}: {{open_amount}} outstanding, due {{due_date}}
{{/invoices}}

Total overdue: {{total_overdue}}

We would be grateful if you could arrange payment by {{pay_by}} to:
{{company.bank_account}}

If your payment has crossed with this message, thank you, and please disregard it. If there is a problem with any of these invoices, please let us know.

Kind regards,

{{company.name}}
{{company.contact}}
$t$, 'First reminder after the due date (1 day after, email)', true),

('overdue_2', 'email', 'en', $t$Second reminder: overdue payment ({{company.name}})$t$,
$t$Dear {{customer.name}},

We wrote to you recently about the invoices below, and as of {{today}} we have still not received payment.

{{#invoices}}
- Invoice {{invoice_no}}: {{open_amount}} outstanding, due {{due_date}} ({{days_past_due}} days overdue)
{{/invoices}}

Total overdue: {{total_overdue}}

Please pay the full amount by {{pay_by}} to:
{{company.bank_account}}

If you are unable to pay by then, please contact us before that date so that we can agree on a payment date. If you have already paid, please disregard this message.

Regards,

{{company.name}}
{{company.contact}}
$t$, 'Second reminder (7 days after, email)', true),

('overdue_sms', 'sms', 'en', NULL,
$t${{company.name}}: your payment of {{total_overdue}} is overdue. Please pay by {{pay_by}}. Already paid? Please ignore this message. Questions: {{company.phone}}$t$,
'SMS reminder (14 days after); no bank details or links', true),

('call', 'call', 'en', NULL,
$t$Collection call: {{customer.name}} (customer {{customer.code}})
Phone: {{customer.phone}}
Oldest item {{days_past_due}} days past due; total overdue {{total_overdue}} ({{invoice_count}} invoices)

Invoices:
{{#invoices}}
- {{invoice_no}}: {{open_amount}}, due {{due_date}} ({{days_past_due}} days overdue)
{{/invoices}}

On the call:
- Confirm that the invoices were received and are not disputed
- Ask why payment is late and when it will be made
- If the customer commits to a date and amount, record a promise to pay
- If the customer contests an invoice, record a dispute
- Log the outcome of the call
$t$, 'Collector call task (21 days after)', true),

('final_notice', 'letter', 'en', $t$Final notice$t$,
$t${{today}}

{{customer.name}}

FINAL NOTICE

Dear {{customer.name}},

Despite our previous reminders, we have not received payment of the invoices listed below.

Please pay the full outstanding amount of {{total_overdue}} by {{pay_by}}. If we have neither received payment nor heard from you by that date, we will pass this debt to a collection agency or take legal action without further notice.

If you have already paid, please accept our apologies and disregard this letter.

{{#invoices}}
Invoice {{invoice_no}}, issued {{issue_date}}, due {{due_date}}: {{open_amount}} outstanding
{{/invoices}}

Total outstanding: {{total_overdue}}
Pay by: {{pay_by}}
Payment to: {{company.bank_account}}

Yours sincerely,

{{company.name}}
{{company.contact}}
$t$, 'Final notice before collection (30 days after, letter)', true),

('dunning_letter', 'letter', 'en', $t$Overdue account$t$,
$t${{today}}

{{customer.name}}

OVERDUE ACCOUNT

Dear {{customer.name}},

Our records show that the invoices listed below are past due and remain unpaid. We would ask you to pay the outstanding amount of {{total_overdue}} by {{pay_by}}.

If there is a reason why these invoices cannot be paid, please contact us by that date so that we can resolve it together.

If you have already paid, thank you, and please disregard this letter.

{{#invoices}}
Invoice {{invoice_no}}, due {{due_date}}: {{open_amount}} outstanding
{{/invoices}}

Total outstanding: {{total_overdue}}
Pay by: {{pay_by}}
Payment to: {{company.bank_account}}

Yours sincerely,

{{company.name}}
{{company.contact}}
$t$, 'Formal reminder letter; not in the default ladder, add a letter:dunning_letter step to use it', true),

('agency', 'agency', 'en', $t$Collection assignment: {{customer.name}} ({{customer.code}})$t$,
$t$Collection assignment

We assign to you the collection of the receivables below. The invoices, the history of our reminders, promises to pay and disputes are in the attached data.

Debtor
Name: {{customer.name}}
Customer code: {{customer.code}}
Phone: {{customer.phone}}
Email: {{customer.email}}

Outstanding invoices
{{#invoices}}
- {{invoice_no}}: issued {{issue_date}}, due {{due_date}}, amount {{amount}}, outstanding {{open_amount}} ({{days_past_due}} days overdue)
{{/invoices}}

Total outstanding: {{total_overdue}} ({{invoice_count}} invoices, oldest {{days_past_due}} days overdue)
Assigned on: {{today}}

Our contact
{{company.name}}
{{company.contact}}
$t$, 'Hand-off summary for the collection agency (45 days after)', true),

('broken_promise', 'internal', 'en', $t$Broken promise to pay: {{customer.name}} ({{customer.code}})$t$,
$t${{#collector}}
Hello {{collector}},
{{/collector}}
{{^collector}}
Hello,
{{/collector}}

{{customer.name}} (customer {{customer.code}}) did not keep their promise to pay. Dunning has resumed.

{{#promise}}
Promise
Made on: {{made_on}}
To pay on: {{promised_on}}
Amount: {{amount}}
Note: {{note}}
{{/promise}}

Now overdue: {{total_overdue}} ({{invoice_count}} invoices, oldest {{days_past_due}} days)

Please contact the customer and log the outcome.
$t$, 'Internal alert to the collector when a promise to pay is broken', true),

('collector_alert', 'internal', 'en', $t$Collections alert: {{customer.name}} ({{customer.code}})$t$,
$t${{#collector}}
Hello {{collector}},
{{/collector}}
{{^collector}}
Hello,
{{/collector}}

{{customer.name}} (customer {{customer.code}}) has triggered an alert.
{{#alert}}
Rule: {{rule}} (threshold {{threshold}})
{{/alert}}

Total overdue: {{total_overdue}} ({{invoice_count}} invoices)
Oldest item: {{days_past_due}} days past due

{{#invoices}}
- {{invoice_no}}: {{open_amount}}, due {{due_date}} ({{days_past_due}} days overdue)
{{/invoices}}

Please decide whether action is needed and log the outcome.
$t$, 'Internal alert to the collector when an alert rule fires', true);
RESET ar.seeding;
-- Name normalization for cash application (入金消込): payer names from bank
-- files and customer names and readings folded to one comparable form.
-- Rules and examples: docs/cash-application.md, "Name normalization".

CREATE FUNCTION ar.normalize_name(name text) RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_normalize_name'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.normalize_name(text) IS
  'Folds a payer or customer name to one comparable form: half-width to full-width katakana with voiced marks composed, hiragana to katakana, small kana to large, full-width Latin to upper-case ASCII, spaces, punctuation and long vowel marks removed, legal-entity markers (株式会社, (株), ㈱, ｶ), (ｶ, ｶﾌﾞｼｷｶﾞｲｼﾔ, CO.,LTD., ...) removed; IMMUTABLE, so it can back an index';
-- ar.allocate: the pure allocation of an amount over balances, in C
-- (src/allocate.c over src/core/allocate.c).  The ledger functions in
-- 300_payment_functions.sql decide which balances and in which order; this
-- decides how much each one gets.  See docs/payments.md.

CREATE FUNCTION ar.allocate(amount numeric, balances numeric[], strategy text DEFAULT 'fifo',
                            minor_unit integer DEFAULT 0)
  RETURNS numeric[]
  AS 'MODULE_PATHNAME', 'pgr_allocate'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.allocate(numeric, numeric[], text, integer) IS
  'What each balance receives of amount, in input order: never more than the balance, in total min(amount, sum of balances). Strategies fifo, proportional (largest remainder to the minor unit), smallest_first, largest_first, exact_first';

CREATE FUNCTION ar.check_allocation_strategy(strategy text) RETURNS void
  AS 'MODULE_PATHNAME', 'pgr_check_allocation_strategy'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.check_allocation_strategy(text) IS
  'Raises 22023 for an unknown allocation strategy and 22004 for NULL, as ar.allocate would (internal helper of the ledger functions)';
-- 全銀協 (Zengin) bank files: 振込入金通知 (種別コード 01) and 入出金取引明細
-- (種別コード 03).  The reader is C (src/core/zengin.c); these functions add
-- the bank reference that makes imports idempotent.  Layouts, era years,
-- errors: docs/cash-application.md, "Zengin bank files".

-- The C reader: every data record of the file, with its group's header.
-- Internal; use ar.parse_zengin or ar.parse_zengin_as_of.
CREATE FUNCTION ar.zengin_read(data bytea, encoding text, as_of date)
  RETURNS TABLE (record_no integer, group_no integer, kind text, account_date date, value_date date,
                 amount numeric, direction text, transaction_code text, cancelled boolean,
                 inquiry_no text, payer_code text, payer_name text, bank_name text, branch_name text,
                 edi_info text, description text, account_bank_code text, account_bank_name text,
                 account_branch_code text, account_branch_name text, account_type text,
                 account_no text, account_name text, created_on date)
  AS 'MODULE_PATHNAME', 'pgr_zengin_read'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION ar.zengin_read(bytea, text, date) IS
  'Reads the data records of a Zengin 01/03 file, checking every record and trailer; refuses a malformed file whole with 22P02 (internal: use ar.parse_zengin)';

-- ar.parse_zengin_as_of: the data records with their bank reference, the
-- era years of the creation dates resolved against as_of.
CREATE FUNCTION ar.parse_zengin_as_of(data bytea, encoding text, as_of date)
  RETURNS TABLE (record_no integer, group_no integer, kind text, account_date date, value_date date,
                 amount numeric, direction text, transaction_code text, cancelled boolean, bank_ref text,
                 inquiry_no text, payer_code text, payer_name text, bank_name text, branch_name text,
                 edi_info text, description text, account_bank_code text, account_bank_name text,
                 account_branch_code text, account_branch_name text, account_type text,
                 account_no text, account_name text, created_on date)
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 100
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.record_no, r.group_no, r.kind, r.account_date, r.value_date, r.amount, r.direction,
         r.transaction_code, r.cancelled,
         -- 照会番号 qualified by the 勘定日, as some banks restart the
         -- numbers; without one, a digest of the record and its occurrence
         -- among identical records of the same account.
         pg_catalog.to_char(r.account_date, 'YYYYMMDD') || '-' ||
         COALESCE(r.inquiry_no,
                  'H' || pg_catalog.left(h.digest, 12) || '-' ||
                  pg_catalog.row_number() OVER (PARTITION BY r.account_bank_code, r.account_branch_code,
                                                            r.account_no, r.cancelled, h.digest
                                                ORDER BY r.record_no)),
         r.inquiry_no, r.payer_code, r.payer_name, r.bank_name, r.branch_name, r.edi_info,
         r.description, r.account_bank_code, r.account_bank_name, r.account_branch_code,
         r.account_branch_name, r.account_type, r.account_no, r.account_name, r.created_on
    FROM ar.zengin_read(data, encoding, as_of) AS r
   CROSS JOIN LATERAL (SELECT pg_catalog.md5(pg_catalog.concat_ws('|', r.kind, r.account_date, r.value_date,
                                  r.amount, r.direction, r.transaction_code, r.payer_code, r.payer_name,
                                  r.bank_name, r.branch_name, r.edi_info, r.description)) AS digest) AS h
   ORDER BY r.record_no
$$;
COMMENT ON FUNCTION ar.parse_zengin_as_of(bytea, text, date) IS
  'The data records of a Zengin 振込入金通知 (01) or 入出金取引明細 (03) file with their bank references; era years resolved as of the given day (for reproducible reading of old files)';

CREATE FUNCTION ar.parse_zengin(data bytea, encoding text DEFAULT 'SJIS')
  RETURNS TABLE (record_no integer, group_no integer, kind text, account_date date, value_date date,
                 amount numeric, direction text, transaction_code text, cancelled boolean, bank_ref text,
                 inquiry_no text, payer_code text, payer_name text, bank_name text, branch_name text,
                 edi_info text, description text, account_bank_code text, account_bank_name text,
                 account_branch_code text, account_branch_name text, account_type text,
                 account_no text, account_name text, created_on date)
  LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT * FROM ar.parse_zengin_as_of(data, encoding, CURRENT_DATE)
$$;
COMMENT ON FUNCTION ar.parse_zengin(bytea, text) IS
  'The data records of a Zengin 振込入金通知 (01) or 入出金取引明細 (03) file: dates, amounts, payer (half-width kana as in the file), EDI, bank reference; a malformed file is refused whole (22P02) naming the record and field';
-- Dunning policies: which ladder a customer climbs and the rules around it.
-- Created before ar.customer, which refers to it.

CREATE TABLE ar.dunning_policy (
  dunning_policy_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                 text NOT NULL UNIQUE CHECK (name <> ''),
  ladder               ar.escalation_ladder NOT NULL,
  min_overdue_amount   numeric NOT NULL DEFAULT 0 CHECK (min_overdue_amount >= 0),
  grace_days           integer NOT NULL DEFAULT 0 CHECK (grace_days BETWEEN 0 AND 365),
  consolidate          boolean NOT NULL DEFAULT true,
  send_from            time NOT NULL DEFAULT '09:00',
  send_until           time NOT NULL DEFAULT '20:00',
  business_days_only   boolean NOT NULL DEFAULT true,
  calendar             text NOT NULL DEFAULT 'JP-BANK',
  max_notices_per_week integer CHECK (max_notices_per_week > 0),
  active               boolean NOT NULL DEFAULT true,
  is_default           boolean NOT NULL DEFAULT false,
  description          text,
  seeded               boolean NOT NULL DEFAULT false,
  created_at           timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at           timestamptz,
  CONSTRAINT dunning_policy_send_window CHECK (send_from < send_until)
);
-- At most one default policy: customers without a policy follow it.
CREATE UNIQUE INDEX dunning_policy_one_default ON ar.dunning_policy (is_default) WHERE is_default;
COMMENT ON TABLE ar.dunning_policy IS
  'Dunning policies: the escalation ladder and the rules (minimum, grace, send window, calendar, weekly cap) customers are reminded by';
COMMENT ON COLUMN ar.dunning_policy.dunning_policy_id IS 'Surrogate key';
COMMENT ON COLUMN ar.dunning_policy.name IS 'Unique name';
COMMENT ON COLUMN ar.dunning_policy.ladder IS 'Escalation ladder; an episode keeps the ladder it started with';
COMMENT ON COLUMN ar.dunning_policy.min_overdue_amount IS 'Customers owing less than this overdue (in their currency) are not dunned';
COMMENT ON COLUMN ar.dunning_policy.grace_days IS 'Days after the due date before post-due steps count (days past due are reduced by this)';
COMMENT ON COLUMN ar.dunning_policy.consolidate IS 'True: one notice per customer listing all overdue invoices; false: one notice per invoice';
COMMENT ON COLUMN ar.dunning_policy.send_from IS 'Earliest local time (customer''s time zone) a notice is scheduled for';
COMMENT ON COLUMN ar.dunning_policy.send_until IS 'Local time from which notices wait for the next day';
COMMENT ON COLUMN ar.dunning_policy.business_days_only IS 'Schedule notices on business days of the calendar only';
COMMENT ON COLUMN ar.dunning_policy.calendar IS 'Business calendar for the send window (JP-BANK, JP, WEEKENDS or an ar.calendar code)';
COMMENT ON COLUMN ar.dunning_policy.max_notices_per_week IS 'At most this many notices per customer in any 7 days; NULL means no cap';
COMMENT ON COLUMN ar.dunning_policy.active IS 'Inactive policies send nothing';
COMMENT ON COLUMN ar.dunning_policy.is_default IS 'The policy of customers whose dunning_policy_id is NULL (at most one)';
COMMENT ON COLUMN ar.dunning_policy.description IS 'Free text';
COMMENT ON COLUMN ar.dunning_policy.seeded IS 'True for the shipped default policy while unchanged (not dumped by pg_dump)';
COMMENT ON COLUMN ar.dunning_policy.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.dunning_policy.updated_at IS 'When the row was last changed';

CREATE FUNCTION ar.tg_dunning_policy_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM ar.is_business_day(DATE '2000-01-03', NEW.calendar);   -- an unknown calendar raises 22023
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_dunning_policy_check() IS 'Trigger: validates dunning policies (internal)';

CREATE TRIGGER dunning_policy_check BEFORE INSERT OR UPDATE ON ar.dunning_policy
  FOR EACH ROW EXECUTE FUNCTION ar.tg_dunning_policy_check();
CREATE TRIGGER dunning_policy_seed_guard BEFORE INSERT OR UPDATE ON ar.dunning_policy
  FOR EACH ROW EXECUTE FUNCTION ar.tg_seed_guard('dunning_policy_id');

SET LOCAL ar.seeding = on;
INSERT INTO ar.dunning_policy (name, ladder, min_overdue_amount, grace_days, max_notices_per_week,
                               is_default, description, seeded)
VALUES ('default',
        '-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2; +14 sms:overdue_sms min=1000; '
        '+21 call; +30 letter:final_notice; +45 agency stop',
        0, 0, 2, true,
        'Shipped default: a reminder before the due date, two emails, an SMS, a call, a final letter, then a collection agency',
        true);
RESET ar.seeding;

SELECT pg_catalog.pg_extension_config_dump('ar.dunning_policy', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_policy_dunning_policy_id_seq', '');
-- The receivables ledger: customers, invoices, payments, credit notes and
-- the allocations that settle invoices.  Balances are maintained by the
-- triggers in 210_ledger_triggers.sql; see docs/ledger.md.

CREATE TABLE ar.customer (
  customer_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_code         text NOT NULL UNIQUE CHECK (customer_code <> ''),
  name                  text NOT NULL CHECK (name <> ''),
  name_kana             text,
  email                 text,
  phone                 text,
  address               text,
  locale                text NOT NULL DEFAULT 'ja' CHECK (locale IN ('ja', 'en')),
  time_zone             text NOT NULL DEFAULT 'Asia/Tokyo',
  currency              char(3) NOT NULL REFERENCES ar.currency,
  payment_terms         ar.payment_terms,
  calendar              text REFERENCES ar.calendar (code) ON UPDATE CASCADE,
  segment               text,
  collector             text,
  credit_limit          numeric CHECK (credit_limit >= 0),
  virtual_account       text UNIQUE,
  status                text NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'on_hold', 'in_collections', 'bankrupt', 'closed')),
  do_not_contact        boolean NOT NULL DEFAULT false,
  opted_out_channels    text[] NOT NULL DEFAULT '{}',
  fee_deduction_allowed boolean NOT NULL DEFAULT false,
  dunning_policy_id     bigint REFERENCES ar.dunning_policy,
  metadata              jsonb NOT NULL DEFAULT '{}',
  created_at            timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at            timestamptz
);
CREATE INDEX customer_collector_idx ON ar.customer (collector) WHERE collector IS NOT NULL;
COMMENT ON TABLE ar.customer IS 'Customers (取引先) owing receivables';
COMMENT ON COLUMN ar.customer.customer_id IS 'Surrogate key; the distribution key when scaled out';
COMMENT ON COLUMN ar.customer.customer_code IS 'Business key (取引先コード), unique';
COMMENT ON COLUMN ar.customer.name IS 'Legal or trading name';
COMMENT ON COLUMN ar.customer.name_kana IS 'Reading in katakana (フリガナ); matched against bank payer names';
COMMENT ON COLUMN ar.customer.email IS 'Address for email notices';
COMMENT ON COLUMN ar.customer.phone IS 'Number for SMS notices and calls';
COMMENT ON COLUMN ar.customer.address IS 'Postal address for letters (〒, prefecture, city, street, addressee)';
COMMENT ON COLUMN ar.customer.locale IS 'Language of notices: ja or en';
COMMENT ON COLUMN ar.customer.time_zone IS 'IANA time zone; notices are sent in its daytime window';
COMMENT ON COLUMN ar.customer.currency IS 'Default currency of the customer''s invoices';
COMMENT ON COLUMN ar.customer.payment_terms IS
  'Payment terms (支払条件) that give an invoice its due date when none is given, e.g. 月末締め翌月末払い; NULL: due dates must be given';
COMMENT ON COLUMN ar.customer.calendar IS
  'Business calendar for the customer''s due dates (ar.calendar); NULL uses the default_calendar setting';
COMMENT ON COLUMN ar.customer.segment IS 'Free classification for reports (e.g. enterprise, smb)';
COMMENT ON COLUMN ar.customer.collector IS 'Role name of the assigned collector (row-level isolation uses it)';
COMMENT ON COLUMN ar.customer.credit_limit IS 'Credit limit in the customer''s currency; NULL means none';
COMMENT ON COLUMN ar.customer.virtual_account IS 'Virtual bank account number (バーチャル口座) assigned to the customer; identifies payments';
COMMENT ON COLUMN ar.customer.status IS 'active, on_hold, in_collections (handed to an agency), bankrupt or closed';
COMMENT ON COLUMN ar.customer.do_not_contact IS 'True stops every automatic notice';
COMMENT ON COLUMN ar.customer.opted_out_channels IS 'Channels the customer opted out of (email, sms, letter, call)';
COMMENT ON COLUMN ar.customer.fee_deduction_allowed IS
  'True when the customer may deduct the bank transfer fee from payments (振込手数料先方負担 agreed and lawful)';
COMMENT ON COLUMN ar.customer.dunning_policy_id IS 'Dunning policy; NULL follows the default policy (ar.dunning_policy.is_default)';
COMMENT ON COLUMN ar.customer.metadata IS 'Application data, not interpreted';
COMMENT ON COLUMN ar.customer.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.customer.updated_at IS 'When the row was last changed';

CREATE TABLE ar.invoice (
  invoice_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES ar.customer,
  invoice_no    text NOT NULL UNIQUE CHECK (invoice_no <> ''),
  kind          text NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'fee', 'interest')),
  issue_date    date NOT NULL DEFAULT CURRENT_DATE,
  due_date      date NOT NULL,
  currency      char(3) NOT NULL REFERENCES ar.currency,
  amount        numeric NOT NULL CHECK (amount > 0),
  open_amount   numeric NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'void', 'written_off')),
  closed_on     date,
  dunning_level integer NOT NULL DEFAULT 0 CHECK (dunning_level >= 0),
  description   text,
  void_reason   text,
  metadata      jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at    timestamptz,
  CONSTRAINT invoice_open_amount_range CHECK (open_amount >= 0 AND open_amount <= amount),
  CONSTRAINT invoice_due_after_issue CHECK (due_date >= issue_date),
  CONSTRAINT invoice_closed_on_when_settled CHECK ((closed_on IS NULL) = (status IN ('open', 'void')))
);
-- Open items by customer and due date: aging, dunning, FIFO allocation.
CREATE INDEX invoice_open_by_customer_idx ON ar.invoice (customer_id, due_date, invoice_id)
  WHERE status = 'open';
-- Book-wide open items by due date: dunning runs, cash forecast.
CREATE INDEX invoice_open_by_due_idx ON ar.invoice (due_date) WHERE status = 'open';
CREATE INDEX invoice_customer_idx ON ar.invoice (customer_id, issue_date);
CREATE INDEX invoice_issue_date_idx ON ar.invoice (issue_date);
COMMENT ON TABLE ar.invoice IS
  'Invoices, dunning fees and late-interest charges owed by customers; open_amount is maintained from allocations';
COMMENT ON COLUMN ar.invoice.invoice_id IS 'Surrogate key';
COMMENT ON COLUMN ar.invoice.customer_id IS 'Customer who owes it; frozen once allocations exist';
COMMENT ON COLUMN ar.invoice.invoice_no IS 'Invoice number (請求書番号), unique; matched in payment references';
COMMENT ON COLUMN ar.invoice.kind IS 'invoice, fee (dunning fee) or interest (late interest)';
COMMENT ON COLUMN ar.invoice.issue_date IS 'Date of issue (請求日)';
COMMENT ON COLUMN ar.invoice.due_date IS 'Due date (支払期日); computed from the customer''s payment terms when NULL on insert';
COMMENT ON COLUMN ar.invoice.currency IS 'Currency; defaults to the customer''s; frozen once allocations exist';
COMMENT ON COLUMN ar.invoice.amount IS 'Amount billed, a whole number of minor units; frozen once allocations exist';
COMMENT ON COLUMN ar.invoice.open_amount IS 'Amount still owed = amount - sum of active allocations (maintained, read-only)';
COMMENT ON COLUMN ar.invoice.status IS 'open, paid, written_off (closed by a write-off) or void; maintained except void';
COMMENT ON COLUMN ar.invoice.closed_on IS 'Effective date of the allocation that settled it (NULL while open or void)';
COMMENT ON COLUMN ar.invoice.dunning_level IS 'Highest dunning step sent for this invoice in its current episode';
COMMENT ON COLUMN ar.invoice.description IS 'Free text';
COMMENT ON COLUMN ar.invoice.void_reason IS 'Why the invoice was voided (set by ar.void_invoice)';
COMMENT ON COLUMN ar.invoice.metadata IS 'Application data, not interpreted';
COMMENT ON COLUMN ar.invoice.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.invoice.updated_at IS 'When the row was last changed';

CREATE TABLE ar.payment (
  payment_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id      bigint REFERENCES ar.customer,
  received_on      date NOT NULL DEFAULT CURRENT_DATE,
  currency         char(3) NOT NULL REFERENCES ar.currency,
  amount           numeric NOT NULL CHECK (amount > 0),
  unapplied_amount numeric NOT NULL,
  method           text NOT NULL DEFAULT 'bank_transfer'
                   CHECK (method IN ('bank_transfer', 'card', 'direct_debit', 'cash', 'check', 'other')),
  status           text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'cancelled')),
  payer_name       text,
  reference        text,
  edi_info         text,
  bank_ref         text,
  source           text,
  metadata         jsonb NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at       timestamptz,
  CONSTRAINT payment_unapplied_range CHECK (unapplied_amount >= 0 AND unapplied_amount <= amount)
);
-- bank_ref is unique per source when present: re-importing a bank file is a no-op.
CREATE UNIQUE INDEX payment_bank_ref_key ON ar.payment (COALESCE(source, ''), bank_ref)
  WHERE bank_ref IS NOT NULL;
CREATE INDEX payment_customer_idx ON ar.payment (customer_id, received_on);
CREATE INDEX payment_unapplied_idx ON ar.payment (received_on)
  WHERE unapplied_amount > 0 AND status = 'received';
COMMENT ON TABLE ar.payment IS
  'Money received; unapplied_amount is what allocations have not yet used (the customer''s credit)';
COMMENT ON COLUMN ar.payment.payment_id IS 'Surrogate key';
COMMENT ON COLUMN ar.payment.customer_id IS 'Paying customer; NULL while the payment is unidentified';
COMMENT ON COLUMN ar.payment.received_on IS 'Value date of the receipt (入金日)';
COMMENT ON COLUMN ar.payment.currency IS 'Currency; frozen once allocations exist';
COMMENT ON COLUMN ar.payment.amount IS 'Amount received, a whole number of minor units; frozen once allocations exist';
COMMENT ON COLUMN ar.payment.unapplied_amount IS 'Amount not allocated = amount - sum of active payment allocations (maintained, read-only)';
COMMENT ON COLUMN ar.payment.method IS 'bank_transfer, card, direct_debit, cash, check or other';
COMMENT ON COLUMN ar.payment.status IS 'received, or cancelled (reversed by the bank; no active allocations)';
COMMENT ON COLUMN ar.payment.payer_name IS 'Payer name as the bank reported it (振込依頼人名), often half-width kana';
COMMENT ON COLUMN ar.payment.reference IS 'Remittance reference';
COMMENT ON COLUMN ar.payment.edi_info IS 'EDI information (EDI情報 / ZEDI) sent with the transfer';
COMMENT ON COLUMN ar.payment.bank_ref IS 'Bank''s reference of the transaction; unique per source, makes imports idempotent';
COMMENT ON COLUMN ar.payment.source IS 'Where the payment came from (bank file, PSP, manual entry)';
COMMENT ON COLUMN ar.payment.metadata IS 'Application data, not interpreted';
COMMENT ON COLUMN ar.payment.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.payment.updated_at IS 'When the row was last changed';

CREATE TABLE ar.credit_note (
  credit_note_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id      bigint NOT NULL REFERENCES ar.customer,
  credit_note_no   text NOT NULL UNIQUE CHECK (credit_note_no <> ''),
  issue_date       date NOT NULL DEFAULT CURRENT_DATE,
  currency         char(3) NOT NULL REFERENCES ar.currency,
  amount           numeric NOT NULL CHECK (amount > 0),
  unapplied_amount numeric NOT NULL,
  reason           text,
  invoice_id       bigint REFERENCES ar.invoice,
  metadata         jsonb NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at       timestamptz,
  CONSTRAINT credit_note_unapplied_range CHECK (unapplied_amount >= 0 AND unapplied_amount <= amount)
);
CREATE INDEX credit_note_customer_idx ON ar.credit_note (customer_id, issue_date);
CREATE INDEX credit_note_invoice_idx ON ar.credit_note (invoice_id) WHERE invoice_id IS NOT NULL;
COMMENT ON TABLE ar.credit_note IS 'Credit notes (赤伝) reducing what a customer owes; applied to invoices like payments';
COMMENT ON COLUMN ar.credit_note.credit_note_id IS 'Surrogate key';
COMMENT ON COLUMN ar.credit_note.customer_id IS 'Customer credited; frozen once allocations exist';
COMMENT ON COLUMN ar.credit_note.credit_note_no IS 'Credit note number, unique';
COMMENT ON COLUMN ar.credit_note.issue_date IS 'Date of issue';
COMMENT ON COLUMN ar.credit_note.currency IS 'Currency; frozen once allocations exist';
COMMENT ON COLUMN ar.credit_note.amount IS 'Amount credited; frozen once allocations exist';
COMMENT ON COLUMN ar.credit_note.unapplied_amount IS 'Amount not yet allocated (maintained, read-only)';
COMMENT ON COLUMN ar.credit_note.reason IS 'Why the credit was given';
COMMENT ON COLUMN ar.credit_note.invoice_id IS 'Invoice the credit corrects, when it corrects one';
COMMENT ON COLUMN ar.credit_note.metadata IS 'Application data, not interpreted';
COMMENT ON COLUMN ar.credit_note.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.credit_note.updated_at IS 'When the row was last changed';

CREATE TABLE ar.allocation (
  allocation_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id     bigint NOT NULL REFERENCES ar.customer,
  invoice_id      bigint NOT NULL REFERENCES ar.invoice,
  kind            text NOT NULL CHECK (kind IN ('payment', 'credit_note', 'write_off', 'fee', 'discount')),
  payment_id      bigint REFERENCES ar.payment,
  credit_note_id  bigint REFERENCES ar.credit_note,
  amount          numeric NOT NULL CHECK (amount > 0),
  applied_on      date NOT NULL DEFAULT CURRENT_DATE,
  reversed_on     date,
  reversal_reason text,
  reason          text,
  created_by      text NOT NULL DEFAULT CURRENT_USER,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  -- Exactly the source document the kind needs.  Fee and discount
  -- allocations may name the payment whose short-pay they settle.
  CONSTRAINT allocation_source_matches_kind CHECK (
    CASE kind
      WHEN 'payment'     THEN payment_id IS NOT NULL AND credit_note_id IS NULL
      WHEN 'credit_note' THEN credit_note_id IS NOT NULL AND payment_id IS NULL
      WHEN 'write_off'   THEN payment_id IS NULL AND credit_note_id IS NULL
      ELSE credit_note_id IS NULL
    END),
  CONSTRAINT allocation_reversal_complete CHECK ((reversed_on IS NULL) = (reversal_reason IS NULL)),
  CONSTRAINT allocation_reversed_after_applied CHECK (reversed_on >= applied_on)
);
CREATE INDEX allocation_invoice_idx ON ar.allocation (invoice_id);
CREATE INDEX allocation_payment_idx ON ar.allocation (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX allocation_credit_note_idx ON ar.allocation (credit_note_id) WHERE credit_note_id IS NOT NULL;
CREATE INDEX allocation_customer_idx ON ar.allocation (customer_id, applied_on);
COMMENT ON TABLE ar.allocation IS
  'Applications of payments, credit notes, write-offs, deducted fees and discounts to invoices; never deleted, reversed instead';
COMMENT ON COLUMN ar.allocation.allocation_id IS 'Surrogate key';
COMMENT ON COLUMN ar.allocation.customer_id IS 'Customer of the invoice (filled in when omitted)';
COMMENT ON COLUMN ar.allocation.invoice_id IS 'Invoice settled';
COMMENT ON COLUMN ar.allocation.kind IS 'payment, credit_note, write_off, fee (deducted bank fee) or discount (early-payment discount)';
COMMENT ON COLUMN ar.allocation.payment_id IS 'Payment used (kind payment), or whose short-pay a fee/discount settles';
COMMENT ON COLUMN ar.allocation.credit_note_id IS 'Credit note used (kind credit_note)';
COMMENT ON COLUMN ar.allocation.amount IS 'Amount applied, in the invoice''s currency';
COMMENT ON COLUMN ar.allocation.applied_on IS 'Effective date; as-of aging counts the allocation from this date';
COMMENT ON COLUMN ar.allocation.reversed_on IS 'Effective date of the reversal; NULL while active';
COMMENT ON COLUMN ar.allocation.reversal_reason IS 'Why it was reversed';
COMMENT ON COLUMN ar.allocation.reason IS 'Why it was made (write-off reason, fee note)';
COMMENT ON COLUMN ar.allocation.created_by IS 'Role that made it';
COMMENT ON COLUMN ar.allocation.created_at IS 'When the row was created';

-- pg_dump keeps every ledger row (these tables ship no rows), and the
-- identity sequences so new ids continue after a restore.
SELECT pg_catalog.pg_extension_config_dump('ar.customer', '');
SELECT pg_catalog.pg_extension_config_dump('ar.invoice', '');
SELECT pg_catalog.pg_extension_config_dump('ar.payment', '');
SELECT pg_catalog.pg_extension_config_dump('ar.credit_note', '');
SELECT pg_catalog.pg_extension_config_dump('ar.allocation', '');
SELECT pg_catalog.pg_extension_config_dump('ar.audit_log', '');
-- (One call per statement: each call rewrites the same pg_extension row.)
SELECT pg_catalog.pg_extension_config_dump('ar.customer_customer_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.invoice_invoice_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.payment_payment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.credit_note_credit_note_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.allocation_allocation_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.audit_log_audit_id_seq', '');
-- Due dates of new invoices.

-- ar.invoice_default_due_date(customer, issue_date): the due date an invoice
-- gets when it is inserted without one.
CREATE FUNCTION ar.invoice_default_due_date(cust ar.customer, issue_date date) RETURNS date
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF cust.payment_terms IS NULL THEN
    RAISE EXCEPTION 'invoice of customer "%" has no due date', cust.customer_code
      USING ERRCODE = 'not_null_violation',
            DETAIL = 'The customer has no payment terms to compute it from.',
            HINT = 'Give due_date explicitly, or set the customer''s payment_terms (e.g. 月末締め翌月末払い).';
  END IF;
  RETURN ar.due_date(cust.payment_terms, issue_date,
                     COALESCE(cust.calendar, ar.setting_value('default_calendar')));
END
$$;
COMMENT ON FUNCTION ar.invoice_default_due_date(ar.customer, date) IS
  'Due date of an invoice inserted without one: the customer''s payment terms and calendar (default_calendar setting when NULL) (internal)';
-- Ledger triggers: input validation with precise errors, frozen fields, and
-- balance maintenance.  The invariants (docs/ledger.md):
--   invoice.open_amount         = amount - sum(active allocations)
--   payment.unapplied_amount    = amount - sum(active payment allocations)
--   credit_note.unapplied_amount = amount - sum(active credit-note allocations)
-- hold after every statement, whoever writes, because balances change only
-- here: an allocation insert decrements them, a reversal restores them, and
-- a direct write of a balance column is refused.
--
-- Maintained columns are written by the statement triggers on ar.allocation
-- (trigger depth 1).  Those maintenance writes skip the documents' BEFORE row
-- triggers (WHEN clauses below) and check and maintain what they change
-- themselves; every other write is checked, and a write of a balance
-- column from outside a trigger is refused.

------------------------------------------------------------------------------
-- Customers
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_customer_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad text;
BEGIN
  IF TG_OP = 'INSERT' OR NEW.customer_code IS DISTINCT FROM OLD.customer_code THEN
    IF EXISTS (SELECT 1 FROM ar.customer c WHERE c.customer_code = NEW.customer_code) THEN
      RAISE EXCEPTION 'customer code "%" already exists', NEW.customer_code
        USING ERRCODE = 'unique_violation';
    END IF;
  END IF;
  IF NEW.virtual_account IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.virtual_account IS DISTINCT FROM OLD.virtual_account)
     AND EXISTS (SELECT 1 FROM ar.customer c WHERE c.virtual_account = NEW.virtual_account) THEN
    RAISE EXCEPTION 'virtual account "%" is already assigned to another customer', NEW.virtual_account
      USING ERRCODE = 'unique_violation';
  END IF;
  IF NEW.locale IS NULL OR NEW.locale NOT IN ('ja', 'en') THEN
    RAISE EXCEPTION 'unsupported locale "%" for customer "%"', NEW.locale, NEW.customer_code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use ja or en.';
  END IF;
  IF NEW.time_zone IS NULL OR NOT ar.is_time_zone(NEW.time_zone) THEN
    RAISE EXCEPTION 'invalid time zone "%" for customer "%"', NEW.time_zone, NEW.customer_code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use an IANA time zone name such as Asia/Tokyo or America/New_York.';
  END IF;
  IF NEW.status IS NULL OR NEW.status NOT IN ('active', 'on_hold', 'in_collections', 'bankrupt', 'closed') THEN
    RAISE EXCEPTION 'unknown customer status "%"', NEW.status
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use active, on_hold, in_collections, bankrupt or closed.';
  END IF;
  SELECT ch INTO bad FROM pg_catalog.unnest(NEW.opted_out_channels) AS ch
   WHERE ch IS NULL OR ch NOT IN ('email', 'sms', 'letter', 'call', 'webhook')
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'unknown channel "%" in opted_out_channels of customer "%"', bad, NEW.customer_code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Customers can opt out of email, sms, letter, call and webhook.';
  END IF;
  NEW.currency := COALESCE(NEW.currency, ar.setting_value('home_currency'));
  PERFORM ar.minor_unit(NEW.currency);       -- unknown currency raises
  IF NEW.calendar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ar.calendar k WHERE k.code = NEW.calendar) THEN
    RAISE EXCEPTION 'unknown calendar "%" for customer "%"', NEW.calendar, NEW.customer_code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use JP, JP-BANK, WEEKENDS or a calendar declared in ar.calendar; NULL uses the default_calendar setting.';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_customer_check() IS 'Trigger: validates customers (internal)';

CREATE TRIGGER customer_check BEFORE INSERT OR UPDATE ON ar.customer
  FOR EACH ROW EXECUTE FUNCTION ar.tg_customer_check();

------------------------------------------------------------------------------
-- Documents (invoices, payments, credit notes): shared checks
------------------------------------------------------------------------------

-- ar.refuse_frozen_change(what, has_allocations, changed): raise when a
-- document with allocations has one of its frozen columns changed.
CREATE FUNCTION ar.refuse_frozen_change(what text, changed text[]) RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION '% has allocations: its % cannot change', what, pg_catalog.array_to_string(changed, ', ')
    USING ERRCODE = 'object_not_in_prerequisite_state',
          DETAIL = 'Customer, currency and amount of a document are frozen once allocations exist, active or reversed.',
          HINT = 'Issue a credit note for the difference, or reverse the allocations and void the document.';
END
$$;
COMMENT ON FUNCTION ar.refuse_frozen_change(text, text[]) IS
  'Raises the error for a change to a frozen document column (internal helper of the ledger triggers)';

-- Which of customer_id, currency and amount differ between two row images.
CREATE FUNCTION ar.frozen_columns_changed(old_row jsonb, new_row jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ARRAY(SELECT c FROM pg_catalog.unnest(ARRAY['customer_id', 'currency', 'amount']) AS c
                WHERE (old_row -> c) IS DISTINCT FROM (new_row -> c));
COMMENT ON FUNCTION ar.frozen_columns_changed(jsonb, jsonb) IS
  'Names of the frozen columns (customer_id, currency, amount) that differ between two row images (internal)';

CREATE FUNCTION ar.refuse_balance_write(what text, col text) RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION '%.% is maintained by pg_receivables and cannot be written', what, col
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = 'Balances change through allocations: ar.apply_payment, ar.apply_credit_note, ar.write_off, ar.reverse_allocation.';
END
$$;
COMMENT ON FUNCTION ar.refuse_balance_write(text, text) IS
  'Raises the error for a direct write of a maintained balance column (internal)';

------------------------------------------------------------------------------
-- Invoices
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_invoice_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cust ar.customer;
  what text := pg_catalog.format('invoice %s', NEW.invoice_no);
  changed text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT * INTO cust FROM ar.customer c WHERE c.customer_id = NEW.customer_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'unknown customer % for %', NEW.customer_id, what
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM ar.invoice i WHERE i.invoice_no = NEW.invoice_no) THEN
      RAISE EXCEPTION 'invoice number "%" already exists', NEW.invoice_no
        USING ERRCODE = 'unique_violation';
    END IF;
    NEW.currency := COALESCE(NEW.currency, cust.currency);
    PERFORM ar.check_money(NEW.amount, NEW.currency, what);
    IF NEW.due_date IS NULL THEN
      NEW.due_date := ar.invoice_default_due_date(cust, NEW.issue_date);
    END IF;
    -- Balances start whole; allocations bring them down.  Only a void
    -- status may be given (a restore brings voided invoices back as such).
    NEW.open_amount := NEW.amount;
    NEW.status := CASE WHEN NEW.status = 'void' THEN 'void' ELSE 'open' END;
    NEW.closed_on := NULL;
  ELSE
    changed := ar.frozen_columns_changed(pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW));
    IF NEW.invoice_no IS DISTINCT FROM OLD.invoice_no
       AND EXISTS (SELECT 1 FROM ar.invoice i WHERE i.invoice_no = NEW.invoice_no) THEN
      RAISE EXCEPTION 'invoice number "%" already exists', NEW.invoice_no
        USING ERRCODE = 'unique_violation';
    END IF;
    IF changed <> '{}' THEN
      IF EXISTS (SELECT 1 FROM ar.allocation a WHERE a.invoice_id = OLD.invoice_id) THEN
        PERFORM ar.refuse_frozen_change(what, changed);
      END IF;
      PERFORM ar.check_money(NEW.amount, NEW.currency, what);
      NEW.open_amount := NEW.amount;
    ELSIF NEW.open_amount IS DISTINCT FROM OLD.open_amount AND pg_catalog.pg_trigger_depth() < 2 THEN
      PERFORM ar.refuse_balance_write('invoice', 'open_amount');
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status THEN
      IF OLD.status = 'void' THEN
        RAISE EXCEPTION '% is void and cannot change status', what
          USING ERRCODE = 'object_not_in_prerequisite_state',
                HINT = 'Issue a new invoice instead.';
      ELSIF NEW.status = 'void' THEN
        IF OLD.open_amount <> OLD.amount THEN
          RAISE EXCEPTION '% has active allocations and cannot be voided', what
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Reverse its allocations first, or issue a credit note.';
        END IF;
      ELSE
        RAISE EXCEPTION 'status % of % is maintained from its allocations', NEW.status, what
          USING ERRCODE = 'object_not_in_prerequisite_state',
                HINT = 'Only a change to void is made by hand (ar.void_invoice).';
      END IF;
    ELSIF NEW.open_amount IS DISTINCT FROM OLD.open_amount AND NEW.status <> 'void' THEN
      -- Status and settlement date follow the balance.
      IF NEW.open_amount = 0 THEN
        SELECT CASE WHEN pg_catalog.bool_or(a.kind = 'write_off') THEN 'written_off' ELSE 'paid' END,
               pg_catalog.max(a.applied_on)
          INTO NEW.status, NEW.closed_on
          FROM ar.allocation a
         WHERE a.invoice_id = NEW.invoice_id AND a.reversed_on IS NULL;
      ELSE
        NEW.status := 'open';
        NEW.closed_on := NULL;
      END IF;
    END IF;
    -- updated_at records changes made by people, not balance maintenance.
    IF (pg_catalog.to_jsonb(NEW) - ARRAY['open_amount', 'status', 'closed_on', 'updated_at'])
       IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - ARRAY['open_amount', 'status', 'closed_on', 'updated_at'])
       OR NEW.status = 'void' AND OLD.status <> 'void' THEN
      NEW.updated_at := pg_catalog.now();
    END IF;
  END IF;
  IF NEW.due_date < NEW.issue_date THEN
    RAISE EXCEPTION 'due date % of % is before its issue date %', NEW.due_date, what, NEW.issue_date
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_invoice_check() IS
  'Trigger: validates invoices, keeps open_amount/status/closed_on consistent, freezes allocated invoices (internal)';

-- Every insert and every update a person or an application makes is
-- checked.  A balance maintenance write (an UPDATE made from inside a
-- trigger that changes open_amount and none of the checked columns) is not:
-- the allocation triggers that make it check it and set status and
-- closed_on themselves, and skipping this PL/pgSQL call on every invoice an
-- allocation touches is most of what makes cash application fast.
CREATE TRIGGER invoice_check_insert BEFORE INSERT ON ar.invoice
  FOR EACH ROW EXECUTE FUNCTION ar.tg_invoice_check();
-- (Dunning runs move only dunning_level, which has nothing to check, so an
-- update of that column alone does not fire it.)
CREATE TRIGGER invoice_check_update BEFORE UPDATE ON ar.invoice
  FOR EACH ROW
  WHEN ((pg_catalog.pg_trigger_depth() = 0
         OR NEW.open_amount IS NOT DISTINCT FROM OLD.open_amount
         OR (NEW.customer_id, NEW.currency, NEW.amount, NEW.invoice_no, NEW.issue_date, NEW.due_date)
            IS DISTINCT FROM (OLD.customer_id, OLD.currency, OLD.amount, OLD.invoice_no, OLD.issue_date, OLD.due_date))
        AND (NEW.customer_id, NEW.invoice_no, NEW.kind, NEW.issue_date, NEW.due_date, NEW.currency, NEW.amount,
             NEW.open_amount, NEW.status, NEW.closed_on, NEW.description, NEW.void_reason, NEW.metadata,
             NEW.created_at, NEW.updated_at)
            IS DISTINCT FROM
            (OLD.customer_id, OLD.invoice_no, OLD.kind, OLD.issue_date, OLD.due_date, OLD.currency, OLD.amount,
             OLD.open_amount, OLD.status, OLD.closed_on, OLD.description, OLD.void_reason, OLD.metadata,
             OLD.created_at, OLD.updated_at))
  EXECUTE FUNCTION ar.tg_invoice_check();

------------------------------------------------------------------------------
-- Payments
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_payment_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  what text := pg_catalog.format('payment %s', COALESCE(NEW.bank_ref, NEW.reference, NEW.payment_id::text));
  changed text[];
BEGIN
  IF NEW.bank_ref IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.bank_ref IS DISTINCT FROM OLD.bank_ref OR NEW.source IS DISTINCT FROM OLD.source)
     AND EXISTS (SELECT 1 FROM ar.payment p
                  WHERE p.bank_ref = NEW.bank_ref AND COALESCE(p.source, '') = COALESCE(NEW.source, '')) THEN
    RAISE EXCEPTION 'bank reference "%" of source "%" is already recorded', NEW.bank_ref, COALESCE(NEW.source, '')
      USING ERRCODE = 'unique_violation',
            HINT = 'Each bank transaction is recorded once; re-importing the same file changes nothing.';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.currency IS NULL AND NEW.customer_id IS NOT NULL THEN
      SELECT c.currency INTO NEW.currency FROM ar.customer c WHERE c.customer_id = NEW.customer_id;
    END IF;
    NEW.currency := COALESCE(NEW.currency, ar.setting_value('home_currency'));
    PERFORM ar.check_money(NEW.amount, NEW.currency, what);
    NEW.unapplied_amount := NEW.amount;
    NEW.status := CASE WHEN NEW.status = 'cancelled' THEN 'cancelled' ELSE 'received' END;
    RETURN NEW;
  END IF;

  changed := ar.frozen_columns_changed(pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW));
  IF changed <> '{}' THEN
    IF EXISTS (SELECT 1 FROM ar.allocation a WHERE a.payment_id = OLD.payment_id) THEN
      PERFORM ar.refuse_frozen_change(what, changed);
    END IF;
    PERFORM ar.check_money(NEW.amount, NEW.currency, what);
    NEW.unapplied_amount := NEW.amount;
  ELSIF NEW.unapplied_amount IS DISTINCT FROM OLD.unapplied_amount AND pg_catalog.pg_trigger_depth() < 2 THEN
    PERFORM ar.refuse_balance_write('payment', 'unapplied_amount');
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF OLD.status = 'cancelled' THEN
      RAISE EXCEPTION '% is cancelled and cannot be reinstated', what
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Record the money as a new payment.';
    ELSIF NEW.unapplied_amount <> NEW.amount THEN
      RAISE EXCEPTION '% has active allocations and cannot be cancelled', what
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Reverse its allocations first (ar.reverse_allocation).';
    END IF;
  END IF;
  IF (pg_catalog.to_jsonb(NEW) - ARRAY['unapplied_amount', 'updated_at'])
     IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - ARRAY['unapplied_amount', 'updated_at']) THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_payment_check() IS
  'Trigger: validates payments, keeps unapplied_amount consistent, freezes allocated payments (internal)';

-- As for invoices: balance maintenance writes skip the row check.
CREATE TRIGGER payment_check_insert BEFORE INSERT ON ar.payment
  FOR EACH ROW EXECUTE FUNCTION ar.tg_payment_check();
CREATE TRIGGER payment_check_update BEFORE UPDATE ON ar.payment
  FOR EACH ROW
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR NEW.unapplied_amount IS NOT DISTINCT FROM OLD.unapplied_amount
        OR (NEW.customer_id, NEW.currency, NEW.amount, NEW.status, NEW.bank_ref, NEW.source)
           IS DISTINCT FROM (OLD.customer_id, OLD.currency, OLD.amount, OLD.status, OLD.bank_ref, OLD.source))
  EXECUTE FUNCTION ar.tg_payment_check();

------------------------------------------------------------------------------
-- Credit notes
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_credit_note_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  what text := pg_catalog.format('credit note %s', NEW.credit_note_no);
  changed text[];
  inv ar.invoice;
BEGIN
  IF TG_OP = 'INSERT' OR NEW.credit_note_no IS DISTINCT FROM OLD.credit_note_no THEN
    IF EXISTS (SELECT 1 FROM ar.credit_note c WHERE c.credit_note_no = NEW.credit_note_no) THEN
      RAISE EXCEPTION 'credit note number "%" already exists', NEW.credit_note_no
        USING ERRCODE = 'unique_violation';
    END IF;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.currency IS NULL THEN
      SELECT c.currency INTO NEW.currency FROM ar.customer c WHERE c.customer_id = NEW.customer_id;
    END IF;
    PERFORM ar.check_money(NEW.amount, NEW.currency, what);
    NEW.unapplied_amount := NEW.amount;
  ELSE
    changed := ar.frozen_columns_changed(pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW));
    IF changed <> '{}' THEN
      IF EXISTS (SELECT 1 FROM ar.allocation a WHERE a.credit_note_id = OLD.credit_note_id) THEN
        PERFORM ar.refuse_frozen_change(what, changed);
      END IF;
      PERFORM ar.check_money(NEW.amount, NEW.currency, what);
      NEW.unapplied_amount := NEW.amount;
    ELSIF NEW.unapplied_amount IS DISTINCT FROM OLD.unapplied_amount AND pg_catalog.pg_trigger_depth() < 2 THEN
      PERFORM ar.refuse_balance_write('credit_note', 'unapplied_amount');
    END IF;
    IF (pg_catalog.to_jsonb(NEW) - ARRAY['unapplied_amount', 'updated_at'])
       IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - ARRAY['unapplied_amount', 'updated_at']) THEN
      NEW.updated_at := pg_catalog.now();
    END IF;
  END IF;
  IF NEW.invoice_id IS NOT NULL THEN
    SELECT * INTO inv FROM ar.invoice i WHERE i.invoice_id = NEW.invoice_id;
    IF FOUND AND (inv.customer_id <> NEW.customer_id OR inv.currency <> NEW.currency) THEN
      RAISE EXCEPTION '% refers to invoice % of another customer or currency', what, inv.invoice_no
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_credit_note_check() IS
  'Trigger: validates credit notes, keeps unapplied_amount consistent, freezes allocated credit notes (internal)';

-- As for invoices: balance maintenance writes skip the row check.
CREATE TRIGGER credit_note_check_insert BEFORE INSERT ON ar.credit_note
  FOR EACH ROW EXECUTE FUNCTION ar.tg_credit_note_check();
CREATE TRIGGER credit_note_check_update BEFORE UPDATE ON ar.credit_note
  FOR EACH ROW
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR NEW.unapplied_amount IS NOT DISTINCT FROM OLD.unapplied_amount
        OR (NEW.customer_id, NEW.currency, NEW.amount, NEW.credit_note_no, NEW.invoice_id)
           IS DISTINCT FROM (OLD.customer_id, OLD.currency, OLD.amount, OLD.credit_note_no, OLD.invoice_id))
  EXECUTE FUNCTION ar.tg_credit_note_check();

------------------------------------------------------------------------------
-- Allocations
------------------------------------------------------------------------------

-- An allocation's customer is its invoice's; filled in when omitted.
CREATE FUNCTION ar.tg_allocation_fill_customer() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  SELECT i.customer_id INTO NEW.customer_id FROM ar.invoice i WHERE i.invoice_id = NEW.invoice_id;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_fill_customer() IS 'Trigger: fills allocation.customer_id from the invoice (internal)';

CREATE TRIGGER allocation_fill_customer BEFORE INSERT ON ar.allocation
  FOR EACH ROW WHEN (NEW.customer_id IS NULL) EXECUTE FUNCTION ar.tg_allocation_fill_customer();

-- Allocations are immutable but for their reversal, which happens once.
CREATE FUNCTION ar.tg_allocation_immutable() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'allocation % cannot be deleted', OLD.allocation_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Reverse it with ar.reverse_allocation; allocations are kept for the audit trail.';
  END IF;
  IF OLD.reversed_on IS NOT NULL THEN
    RAISE EXCEPTION 'allocation % is already reversed (on %)', OLD.allocation_id, OLD.reversed_on
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF (pg_catalog.to_jsonb(NEW) - ARRAY['reversed_on', 'reversal_reason'])
     IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - ARRAY['reversed_on', 'reversal_reason']) THEN
    RAISE EXCEPTION 'allocation % cannot be changed, only reversed', OLD.allocation_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Reverse it with ar.reverse_allocation and record a new allocation.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_immutable() IS
  'Trigger: allocations are never deleted or edited, only reversed once (internal)';

CREATE TRIGGER allocation_immutable BEFORE UPDATE OR DELETE ON ar.allocation
  FOR EACH ROW EXECUTE FUNCTION ar.tg_allocation_immutable();

-- ar.raise_balance_error(problem, document, total, balance): raises the
-- error of a balance update that cannot be made.  The maintenance UPDATEs
-- below call it from a CASE branch that is reached only when something is
-- wrong, so the check costs nothing when all is well, and it judges the row
-- as it is written (after waiting for a concurrent writer), which a check
-- made before the update cannot.
CREATE FUNCTION ar.raise_balance_error(problem text, document text, total numeric, balance numeric)
  RETURNS numeric
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  CASE problem
    WHEN 'invoice_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the open amount % of invoice %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'payment_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the unapplied amount % of payment %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'credit_note_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the unapplied amount % of credit note %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'invoice_void' THEN
      -- An allocation checked while a concurrent void was not yet committed
      -- reaches the invoice after it: refuse rather than settle a void invoice.
      RAISE EXCEPTION 'invoice % is void and cannot take allocations', document
        USING ERRCODE = 'object_not_in_prerequisite_state';
    WHEN 'payment_cancelled' THEN
      RAISE EXCEPTION 'payment % is cancelled and cannot be applied', document
        USING ERRCODE = 'object_not_in_prerequisite_state';
    ELSE
      RAISE EXCEPTION 'unknown balance problem "%"', problem;
  END CASE;
END
$$;
COMMENT ON FUNCTION ar.raise_balance_error(text, text, numeric, numeric) IS
  'Raises the error of a balance update that cannot be made: over-allocation, void invoice, cancelled payment (internal helper of the allocation triggers)';

-- After an INSERT: validate the new allocations as a set, then take their
-- amounts off the invoices, payments and credit notes they touch.  Reversed
-- rows (a restore brings those back) touch no balance.
--
-- This runs for every cash application, so it is written for speed (see
-- docs/benchmarks.md): one query checks every new row (customers,
-- currencies, minor units, open invoice, identified and uncancelled
-- payment); then one statement updates the invoices, payments and credit
-- notes and writes the audit trail of it all.  Each UPDATE checks, as it
-- writes, that no balance goes below zero and that no void invoice or
-- cancelled payment is touched, and the invoice UPDATE sets status and
-- closed_on.  These maintenance UPDATEs do not fire the documents' BEFORE
-- row triggers (see the WHEN clauses of the *_check_update triggers), which
-- is why they maintain status themselves.
-- SECURITY DEFINER because it writes the audit log (see ar.tg_audit).
CREATE FUNCTION ar.tg_allocation_apply() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
BEGIN
  SELECT pg_catalog.bool_and(v.restoring) AS restoring,
         (pg_catalog.array_agg(v.msg ORDER BY v.allocation_id) FILTER (WHERE v.msg IS NOT NULL))[1] AS msg,
         (pg_catalog.array_agg(v.state ORDER BY v.allocation_id) FILTER (WHERE v.msg IS NOT NULL))[1] AS state,
         (pg_catalog.array_agg(v.hint ORDER BY v.allocation_id) FILTER (WHERE v.msg IS NOT NULL))[1] AS hint
    INTO r
    FROM (SELECT n.allocation_id, ar.is_restoring_row(n.created_at) AS restoring,
                 CASE x.problem
                   WHEN 'customer' THEN pg_catalog.format('allocation names customer %s but invoice %s belongs to customer %s',
                                                          n.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'minor_units' THEN pg_catalog.format('allocation amount %s is not a whole number of %s minor units',
                                                             n.amount, i.currency)
                   WHEN 'invoice_closed' THEN pg_catalog.format('invoice %s is %s and cannot take allocations',
                                                                i.invoice_no, i.status)
                   WHEN 'payment_unidentified' THEN pg_catalog.format('payment %s has no customer yet', p.payment_id)
                   WHEN 'payment_customer' THEN pg_catalog.format('payment %s of customer %s cannot settle invoice %s of customer %s',
                                                                  p.payment_id, p.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'payment_currency' THEN pg_catalog.format('payment %s is in %s but invoice %s is in %s',
                                                                  p.payment_id, p.currency, i.invoice_no, i.currency)
                   WHEN 'payment_cancelled' THEN pg_catalog.format('payment %s is cancelled', p.payment_id)
                   WHEN 'credit_customer' THEN pg_catalog.format('credit note %s of customer %s cannot settle invoice %s of customer %s',
                                                                 c.credit_note_no, c.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'credit_currency' THEN pg_catalog.format('credit note %s is in %s but invoice %s is in %s',
                                                                 c.credit_note_no, c.currency, i.invoice_no, i.currency)
                 END AS msg,
                 CASE WHEN x.problem IN ('invoice_closed', 'payment_unidentified', 'payment_cancelled')
                      THEN '55000' ELSE '22023' END AS state,
                 CASE x.problem
                   WHEN 'payment_unidentified' THEN 'Identify the payer first (ar.assign_payment).'
                   WHEN 'payment_currency' THEN 'Allocation never mixes currencies.'
                   WHEN 'credit_currency' THEN 'Allocation never mixes currencies.'
                 END AS hint
            FROM new_rows n
            JOIN ar.invoice i ON i.invoice_id = n.invoice_id
            JOIN ar.currency cur ON cur.code = i.currency
            LEFT JOIN ar.payment p ON p.payment_id = n.payment_id
            LEFT JOIN ar.credit_note c ON c.credit_note_id = n.credit_note_id
            CROSS JOIN LATERAL (SELECT CASE
                     WHEN n.customer_id <> i.customer_id THEN 'customer'
                     WHEN n.amount <> pg_catalog.round(n.amount, cur.minor_unit) THEN 'minor_units'
                     WHEN n.reversed_on IS NULL AND i.status <> 'open' THEN 'invoice_closed'
                     WHEN p.payment_id IS NOT NULL AND p.customer_id IS NULL THEN 'payment_unidentified'
                     WHEN p.payment_id IS NOT NULL AND p.customer_id <> i.customer_id THEN 'payment_customer'
                     WHEN p.payment_id IS NOT NULL AND p.currency <> i.currency THEN 'payment_currency'
                     WHEN n.kind = 'payment' AND n.reversed_on IS NULL AND p.status <> 'received' THEN 'payment_cancelled'
                     WHEN c.credit_note_id IS NOT NULL AND c.customer_id <> i.customer_id THEN 'credit_customer'
                     WHEN c.credit_note_id IS NOT NULL AND c.currency <> i.currency THEN 'credit_currency'
                   END AS problem) x) v;
  IF r.msg IS NOT NULL THEN
    IF r.hint IS NULL THEN
      RAISE EXCEPTION USING MESSAGE = r.msg, ERRCODE = r.state;
    END IF;
    RAISE EXCEPTION USING MESSAGE = r.msg, ERRCODE = r.state, HINT = r.hint;
  END IF;
  -- One statement moves every balance and writes the audit trail of the
  -- whole change: the new allocations, and the old and new image of each
  -- invoice, payment and credit note it touched.  Rows a restore brings
  -- back (and the balance updates they cause) are not audited again.  The
  -- maintenance UPDATEs change only open_amount/unapplied_amount (and an
  -- invoice's status and closed_on, which were open and NULL: anything else
  -- is refused above or by the CASE), so the old image is the new one with
  -- those columns put back.  While ar.maintaining_balances is on, the
  -- generic audit triggers of these tables stand aside (see their WHEN).
  PERFORM pg_catalog.set_config('ar.maintaining_balances', 'on', true);
  WITH inv AS (
    UPDATE ar.invoice i
       SET open_amount = CASE
                           WHEN i.status = 'void' THEN
                             ar.raise_balance_error('invoice_void', i.invoice_no, s.total, i.open_amount)
                           WHEN s.total > i.open_amount THEN
                             ar.raise_balance_error('invoice_over', i.invoice_no, s.total, i.open_amount)
                           ELSE i.open_amount - s.total
                         END,
           -- Status and settlement date follow the balance: a settled
           -- invoice is written_off when a write-off took part, else paid,
           -- and closes on the latest effective date of its active
           -- allocations (the new ones included: this trigger runs after
           -- the insert).
           status = CASE
                      WHEN i.open_amount > s.total THEN 'open'
                      WHEN s.write_off OR EXISTS (SELECT 1 FROM ar.allocation a
                                                   WHERE a.invoice_id = i.invoice_id AND a.reversed_on IS NULL
                                                     AND a.kind = 'write_off') THEN 'written_off'
                      ELSE 'paid'
                    END,
           closed_on = CASE
                         WHEN i.open_amount > s.total THEN NULL
                         ELSE (SELECT pg_catalog.max(a.applied_on) FROM ar.allocation a
                                WHERE a.invoice_id = i.invoice_id AND a.reversed_on IS NULL)
                       END
      FROM (SELECT n.invoice_id, pg_catalog.sum(n.amount) AS total, pg_catalog.bool_or(n.kind = 'write_off') AS write_off
              FROM new_rows n WHERE n.reversed_on IS NULL GROUP BY n.invoice_id) s
     WHERE i.invoice_id = s.invoice_id
    RETURNING i AS new_row, s.total
  ), pay AS (
    UPDATE ar.payment p
       SET unapplied_amount = CASE
                                WHEN p.status = 'cancelled' THEN
                                  ar.raise_balance_error('payment_cancelled', p.payment_id::text, s.total, p.unapplied_amount)
                                WHEN s.total > p.unapplied_amount THEN
                                  ar.raise_balance_error('payment_over', p.payment_id::text, s.total, p.unapplied_amount)
                                ELSE p.unapplied_amount - s.total
                              END
      FROM (SELECT n.payment_id, pg_catalog.sum(n.amount) AS total FROM new_rows n
             WHERE n.kind = 'payment' AND n.reversed_on IS NULL GROUP BY n.payment_id) s
     WHERE p.payment_id = s.payment_id
    RETURNING p AS new_row, s.total
  ), cn AS (
    UPDATE ar.credit_note c
       SET unapplied_amount = CASE
                                WHEN s.total > c.unapplied_amount THEN
                                  ar.raise_balance_error('credit_note_over', c.credit_note_no, s.total, c.unapplied_amount)
                                ELSE c.unapplied_amount - s.total
                              END
      FROM (SELECT n.credit_note_id, pg_catalog.sum(n.amount) AS total FROM new_rows n
             WHERE n.kind = 'credit_note' AND n.reversed_on IS NULL GROUP BY n.credit_note_id) s
     WHERE c.credit_note_id = s.credit_note_id
    RETURNING c AS new_row, s.total
  )
  INSERT INTO ar.audit_log (table_name, op, row_id, old, new)
  SELECT 'allocation', 'INSERT', n.allocation_id, NULL, pg_catalog.to_jsonb(n)
    FROM new_rows n
   WHERE NOT ar.is_restoring_row(n.created_at)
  UNION ALL
  -- Updates are recorded by the columns they changed (as ar.tg_audit does):
  -- the balance, and status and settlement date when the invoice closed
  -- (it was open with no settlement date before).
  SELECT 'invoice', 'UPDATE', (inv.new_row).invoice_id,
         pg_catalog.jsonb_build_object('open_amount', (inv.new_row).open_amount + inv.total)
           || CASE WHEN (inv.new_row).status <> 'open'
                   THEN pg_catalog.jsonb_build_object('status', 'open', 'closed_on', NULL) ELSE '{}' END,
         pg_catalog.jsonb_build_object('open_amount', (inv.new_row).open_amount)
           || CASE WHEN (inv.new_row).status <> 'open'
                   THEN pg_catalog.jsonb_build_object('status', (inv.new_row).status,
                                                      'closed_on', (inv.new_row).closed_on) ELSE '{}' END
    FROM inv
   WHERE NOT r.restoring
  UNION ALL
  SELECT 'payment', 'UPDATE', (pay.new_row).payment_id,
         pg_catalog.jsonb_build_object('unapplied_amount', (pay.new_row).unapplied_amount + pay.total),
         pg_catalog.jsonb_build_object('unapplied_amount', (pay.new_row).unapplied_amount)
    FROM pay
   WHERE NOT r.restoring
  UNION ALL
  SELECT 'credit_note', 'UPDATE', (cn.new_row).credit_note_id,
         pg_catalog.jsonb_build_object('unapplied_amount', (cn.new_row).unapplied_amount + cn.total),
         pg_catalog.jsonb_build_object('unapplied_amount', (cn.new_row).unapplied_amount)
    FROM cn
   WHERE NOT r.restoring;
  PERFORM pg_catalog.set_config('ar.maintaining_balances', 'off', true);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_apply() IS
  'Statement trigger: validates new allocations and takes them off invoice, payment and credit-note balances (internal)';

CREATE TRIGGER allocation_apply AFTER INSERT ON ar.allocation
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_allocation_apply();

-- After a reversal: give the amounts back and reopen the invoices.  Like
-- the apply trigger, it updates only the kinds of document it has rows for,
-- and sets the invoice status itself.
CREATE FUNCTION ar.tg_allocation_unapply() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
BEGIN
  SELECT pg_catalog.count(*) AS n_reversed,
         pg_catalog.count(*) FILTER (WHERE n.kind = 'payment') AS n_payment,
         pg_catalog.count(*) FILTER (WHERE n.kind = 'credit_note') AS n_credit_note
    INTO r
    FROM new_rows n JOIN old_rows o ON o.allocation_id = n.allocation_id
   WHERE o.reversed_on IS NULL AND n.reversed_on IS NOT NULL;
  IF r.n_reversed = 0 THEN
    RETURN NULL;
  END IF;
  -- An invoice with active allocations is never void (ar.void_invoice and
  -- the invoice trigger refuse that), so a reversal reopens it.
  UPDATE ar.invoice i SET open_amount = i.open_amount + s.total, status = 'open', closed_on = NULL
    FROM (SELECT n.invoice_id, pg_catalog.sum(n.amount) AS total
            FROM new_rows n JOIN old_rows o ON o.allocation_id = n.allocation_id
           WHERE o.reversed_on IS NULL AND n.reversed_on IS NOT NULL
           GROUP BY n.invoice_id) s
   WHERE i.invoice_id = s.invoice_id;
  IF r.n_payment > 0 THEN
    UPDATE ar.payment p SET unapplied_amount = p.unapplied_amount + s.total
      FROM (SELECT n.payment_id, pg_catalog.sum(n.amount) AS total
              FROM new_rows n JOIN old_rows o ON o.allocation_id = n.allocation_id
             WHERE o.reversed_on IS NULL AND n.reversed_on IS NOT NULL AND n.kind = 'payment'
             GROUP BY n.payment_id) s
     WHERE p.payment_id = s.payment_id;
  END IF;
  IF r.n_credit_note > 0 THEN
    UPDATE ar.credit_note c SET unapplied_amount = c.unapplied_amount + s.total
      FROM (SELECT n.credit_note_id, pg_catalog.sum(n.amount) AS total
              FROM new_rows n JOIN old_rows o ON o.allocation_id = n.allocation_id
             WHERE o.reversed_on IS NULL AND n.reversed_on IS NOT NULL AND n.kind = 'credit_note'
             GROUP BY n.credit_note_id) s
     WHERE c.credit_note_id = s.credit_note_id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_unapply() IS
  'Statement trigger: gives reversed allocations back to invoice, payment and credit-note balances and reopens the invoices (internal)';

CREATE TRIGGER allocation_unapply AFTER UPDATE ON ar.allocation
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_allocation_unapply();

------------------------------------------------------------------------------
-- Audit: every ledger table, every operation.
------------------------------------------------------------------------------

CREATE TRIGGER audit_insert AFTER INSERT ON ar.customer REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('customer_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.customer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('customer_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.customer REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('customer_id');

CREATE TRIGGER audit_insert AFTER INSERT ON ar.invoice REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('invoice_id');
-- Balance maintenance by the allocation trigger writes its own audit rows
-- (see ar.tg_allocation_apply); the generic audit stands aside for it.
CREATE TRIGGER audit_update AFTER UPDATE ON ar.invoice REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit('invoice_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.invoice REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('invoice_id');

CREATE TRIGGER audit_insert AFTER INSERT ON ar.payment REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('payment_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.payment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit('payment_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.payment REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('payment_id');

CREATE TRIGGER audit_insert AFTER INSERT ON ar.credit_note REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('credit_note_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.credit_note REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit('credit_note_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.credit_note REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('credit_note_id');

-- New allocations are audited by ar.tg_allocation_apply, in the statement
-- that moves the balances.
CREATE TRIGGER audit_update AFTER UPDATE ON ar.allocation REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('allocation_id');
-- ar.verify_ledger(): every ledger invariant, checked set-based over the
-- whole book.  Returns one row per violation; no rows means the books hold.
-- Tests call it after every scenario; DBAs can call it after a restore, an
-- upgrade or a crash.

CREATE FUNCTION ar.verify_ledger()
  RETURNS TABLE (check_name text, object text, detail text)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH alloc AS (
    SELECT a.invoice_id,
           pg_catalog.sum(a.amount) FILTER (WHERE a.reversed_on IS NULL) AS active
      FROM ar.allocation a GROUP BY a.invoice_id
  )
  SELECT 'invoice_open_amount', 'invoice ' || i.invoice_no,
         pg_catalog.format('open_amount %s <> amount %s - active allocations %s',
                           i.open_amount, i.amount, COALESCE(al.active, 0))
    FROM ar.invoice i LEFT JOIN alloc al ON al.invoice_id = i.invoice_id
   WHERE i.open_amount <> i.amount - COALESCE(al.active, 0)
  UNION ALL
  SELECT 'invoice_status', 'invoice ' || i.invoice_no,
         pg_catalog.format('status %s with open_amount %s of %s', i.status, i.open_amount, i.amount)
    FROM ar.invoice i
   WHERE (i.status = 'open' AND i.open_amount = 0)
      OR (i.status IN ('paid', 'written_off') AND i.open_amount <> 0)
      OR (i.status = 'void' AND i.open_amount <> i.amount)
  UNION ALL
  SELECT 'payment_unapplied_amount', 'payment ' || p.payment_id,
         pg_catalog.format('unapplied_amount %s <> amount %s - active allocations %s',
                           p.unapplied_amount, p.amount, COALESCE(s.active, 0))
    FROM ar.payment p
    LEFT JOIN (SELECT a.payment_id, pg_catalog.sum(a.amount) AS active FROM ar.allocation a
                WHERE a.kind = 'payment' AND a.reversed_on IS NULL GROUP BY a.payment_id) s
      ON s.payment_id = p.payment_id
   WHERE p.unapplied_amount <> p.amount - COALESCE(s.active, 0)
  UNION ALL
  SELECT 'credit_note_unapplied_amount', 'credit note ' || c.credit_note_no,
         pg_catalog.format('unapplied_amount %s <> amount %s - active allocations %s',
                           c.unapplied_amount, c.amount, COALESCE(s.active, 0))
    FROM ar.credit_note c
    LEFT JOIN (SELECT a.credit_note_id, pg_catalog.sum(a.amount) AS active FROM ar.allocation a
                WHERE a.kind = 'credit_note' AND a.reversed_on IS NULL GROUP BY a.credit_note_id) s
      ON s.credit_note_id = c.credit_note_id
   WHERE c.unapplied_amount <> c.amount - COALESCE(s.active, 0)
  UNION ALL
  SELECT 'negative_balance', t.what, t.detail
    FROM (SELECT 'invoice ' || invoice_no, 'open_amount ' || open_amount FROM ar.invoice WHERE open_amount < 0
          UNION ALL
          SELECT 'payment ' || payment_id, 'unapplied_amount ' || unapplied_amount FROM ar.payment WHERE unapplied_amount < 0
          UNION ALL
          SELECT 'credit note ' || credit_note_no, 'unapplied_amount ' || unapplied_amount FROM ar.credit_note WHERE unapplied_amount < 0
         ) AS t(what, detail)
  UNION ALL
  SELECT 'allocation_consistency', 'allocation ' || a.allocation_id,
         pg_catalog.format('invoice %s (%s, customer %s) settled from %s', i.invoice_no, i.currency, i.customer_id,
                           COALESCE('payment ' || p.payment_id || ' (' || p.currency || ', customer ' || p.customer_id || ')',
                                    'credit note ' || c.credit_note_no || ' (' || c.currency || ', customer ' || c.customer_id || ')'))
    FROM ar.allocation a
    JOIN ar.invoice i ON i.invoice_id = a.invoice_id
    LEFT JOIN ar.payment p ON p.payment_id = a.payment_id
    LEFT JOIN ar.credit_note c ON c.credit_note_id = a.credit_note_id
   WHERE a.customer_id <> i.customer_id
      OR p.currency <> i.currency OR p.customer_id IS DISTINCT FROM i.customer_id AND p.payment_id IS NOT NULL
      OR c.currency <> i.currency OR c.customer_id <> i.customer_id
$$;
COMMENT ON FUNCTION ar.verify_ledger() IS
  'Checks every ledger invariant over the whole book; returns one row per violation (none when the books hold)';
-- Ledger functions: apply payments and credit notes to invoices, write off,
-- reverse, void.  They decide which invoices and how much (ar.allocate, in
-- C), then write every allocation of a call in one INSERT ... SELECT, so the
-- statement trigger of 210_ledger_triggers.sql validates the set and moves
-- the balances once.  See docs/payments.md.
--
-- Lock order (every function here, and every caller that wants to stay
-- deadlock-free, takes its locks in this order):
--   1. the source document: the payment or credit note row, FOR NO KEY
--      UPDATE (this also serializes two applications of the same payment);
--   2. the customer row, FOR NO KEY UPDATE (serializes every change of one
--      customer's balances; FOR NO KEY UPDATE leaves the FOR KEY SHARE locks
--      of foreign-key checks alone, so new invoices and payments of the
--      customer are not blocked);
--   3. the invoices and the allocation rows, which the balance triggers
--      update while the customer lock is held.
-- Balances are read only after the locks are held; in READ COMMITTED each
-- statement then sees what the previous holder committed.

------------------------------------------------------------------------------
-- Internal helpers
------------------------------------------------------------------------------

-- Lock a customer's balances (step 2 of the lock order).
CREATE FUNCTION ar.lock_customer(cust_id bigint) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM 1 FROM ar.customer c WHERE c.customer_id = cust_id FOR NO KEY UPDATE;
END
$$;
COMMENT ON FUNCTION ar.lock_customer(bigint) IS
  'Takes the customer row lock (FOR NO KEY UPDATE) that serializes changes to one customer''s balances (internal; step 2 of the lock order in docs/payments.md)';

-- The invoices an amount of the given customer and currency may go to, in
-- the order the strategies start from, with their open amounts and issue
-- dates.  Without a list: the customer's open invoices in that currency,
-- oldest due date first, then invoice id.  With a list: exactly those, in
-- the listed order, each checked (exists, same customer, same currency,
-- open); the first problem raises, naming the invoice.  "what" names the
-- source document in messages ('payment 12', 'credit note CN-7').
CREATE FUNCTION ar.allocation_targets(cust_id bigint, cur char(3), invoice_ids bigint[], what text,
                                      OUT ids bigint[], OUT opens numeric[], OUT issued date[])
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  r record;
BEGIN
  IF invoice_ids IS NULL THEN
    SELECT COALESCE(pg_catalog.array_agg(i.invoice_id ORDER BY i.due_date, i.invoice_id), '{}'),
           COALESCE(pg_catalog.array_agg(i.open_amount ORDER BY i.due_date, i.invoice_id), '{}'),
           COALESCE(pg_catalog.array_agg(i.issue_date ORDER BY i.due_date, i.invoice_id), '{}')
      INTO ids, opens, issued
      FROM ar.invoice i
     WHERE i.customer_id = cust_id AND i.status = 'open' AND i.currency = cur;
    RETURN;
  END IF;

  SELECT s.* INTO r
    FROM (SELECT l.ord, l.id, i.invoice_no, i.currency AS inv_currency, i.status,
                 ic.customer_code AS inv_customer_code, oc.customer_code AS own_customer_code,
                 CASE
                   WHEN l.id IS NULL THEN 'null'
                   WHEN pg_catalog.count(*) OVER (PARTITION BY l.id) > 1 THEN 'twice'
                   WHEN i.invoice_id IS NULL THEN 'unknown'
                   WHEN i.customer_id <> cust_id THEN 'customer'
                   WHEN i.currency <> cur THEN 'currency'
                   WHEN i.status <> 'open' THEN 'closed'
                 END AS problem
            FROM pg_catalog.unnest(invoice_ids) WITH ORDINALITY AS l(id, ord)
            LEFT JOIN ar.invoice i ON i.invoice_id = l.id
            LEFT JOIN ar.customer ic ON ic.customer_id = i.customer_id
            LEFT JOIN ar.customer oc ON oc.customer_id = cust_id) s
   WHERE s.problem IS NOT NULL
   ORDER BY s.ord
   LIMIT 1;
  IF FOUND THEN
    CASE r.problem
      WHEN 'null' THEN
        RAISE EXCEPTION 'invoice_ids of % contains a null at position %', what, r.ord
          USING ERRCODE = 'null_value_not_allowed';
      WHEN 'twice' THEN
        RAISE EXCEPTION 'invoice % is listed more than once for %', COALESCE(r.invoice_no, r.id::text), what
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'List each invoice once; the amount it receives is decided by the strategy.';
      WHEN 'unknown' THEN
        RAISE EXCEPTION 'unknown invoice %', r.id
          USING ERRCODE = 'invalid_parameter_value';
      WHEN 'customer' THEN
        RAISE EXCEPTION 'invoice % belongs to customer %, not to customer % of %',
          r.invoice_no, r.inv_customer_code, r.own_customer_code, what
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'A payment or credit note settles only its own customer''s invoices.';
      WHEN 'currency' THEN
        RAISE EXCEPTION 'invoice % is in % but % is in %', r.invoice_no, r.inv_currency, what, cur
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Allocation never mixes currencies.';
      WHEN 'closed' THEN
        RAISE EXCEPTION 'invoice % is % and cannot take allocations', r.invoice_no, r.status
          USING ERRCODE = 'object_not_in_prerequisite_state';
    END CASE;
  END IF;

  SELECT COALESCE(pg_catalog.array_agg(i.invoice_id ORDER BY l.ord), '{}'),
         COALESCE(pg_catalog.array_agg(i.open_amount ORDER BY l.ord), '{}'),
         COALESCE(pg_catalog.array_agg(i.issue_date ORDER BY l.ord), '{}')
    INTO ids, opens, issued
    FROM pg_catalog.unnest(invoice_ids) WITH ORDINALITY AS l(id, ord)
    JOIN ar.invoice i ON i.invoice_id = l.id;
END
$$;
COMMENT ON FUNCTION ar.allocation_targets(bigint, char, bigint[], text) IS
  'Invoices an amount may be allocated to, in strategy order, with open amounts and issue dates; checks a given list (internal helper of ar.apply_payment and ar.apply_credit_note)';

-- Raises unless id is given; "what" names the parameter.
CREATE FUNCTION ar.require_id(id bigint, what text) RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF id IS NULL THEN
    RAISE EXCEPTION '% must not be null', what
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
END
$$;
COMMENT ON FUNCTION ar.require_id(bigint, text) IS
  'Raises 22004 when an id parameter is NULL (internal helper of the ledger functions)';

------------------------------------------------------------------------------
-- ar.apply_payment
------------------------------------------------------------------------------

CREATE FUNCTION ar.apply_payment(payment_id bigint, strategy text DEFAULT 'fifo',
                                 invoice_ids bigint[] DEFAULT NULL, applied_on date DEFAULT NULL)
  RETURNS SETOF ar.allocation
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
-- The hot path of cash application: three statements (payment and
-- customer, open invoices, insert) and no nested PL/pgSQL call when no list
-- is given.
DECLARE
  pay record;
  ids bigint[];
  opens numeric[];
  issued date[];
  t record;
  parts numeric[];
  reached numeric;
  late record;
BEGIN
  IF apply_payment.payment_id IS NULL THEN
    RAISE EXCEPTION 'payment_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF apply_payment.strategy IS DISTINCT FROM 'fifo' THEN
    PERFORM ar.check_allocation_strategy(apply_payment.strategy);
  END IF;

  -- Lock order steps 1 and 2 in one statement: the payment, then its
  -- customer (FOR ... OF p, c locks in that order).  Balances are read
  -- after this statement, in later statements that see what earlier
  -- holders of these locks committed.
  SELECT p.payment_id, p.customer_id, p.currency, p.unapplied_amount, p.received_on, p.status,
         cur.minor_unit
    INTO pay
    FROM ar.payment p
    JOIN ar.customer c ON c.customer_id = p.customer_id
    JOIN ar.currency cur ON cur.code = p.currency
   WHERE p.payment_id = apply_payment.payment_id
     FOR NO KEY UPDATE OF p, c;
  IF NOT FOUND THEN
    -- Unknown, or not yet identified (no customer to lock): lock the
    -- payment alone to say which.
    SELECT p.payment_id, p.customer_id, p.status INTO pay
      FROM ar.payment p WHERE p.payment_id = apply_payment.payment_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'unknown payment %', apply_payment.payment_id
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pay.status <> 'cancelled' THEN
      RAISE EXCEPTION 'payment % has no customer yet', pay.payment_id
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Identify the payer first: ar.assign_payment(payment_id, customer_id) assigns and applies it.';
    END IF;
  END IF;
  IF pay.status = 'cancelled' THEN
    RAISE EXCEPTION 'payment % is cancelled', pay.payment_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'A cancelled payment cannot be applied; record the money as a new payment.';
  END IF;
  IF apply_payment.applied_on < pay.received_on THEN
    RAISE EXCEPTION 'applied_on % is before payment % was received on %',
      apply_payment.applied_on, pay.payment_id, pay.received_on
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Money is applied on or after the day it was received.';
  END IF;
  IF pay.unapplied_amount = 0 AND apply_payment.invoice_ids IS NULL THEN
    RETURN;
  END IF;

  IF apply_payment.invoice_ids IS NULL THEN
    -- Oldest due date first, then invoice id: the order of the index
    -- invoice_open_by_customer_idx, so no sort.  FIFO needs only the
    -- invoices the money reaches: read the first 16, and all of them only
    -- when those 16 do not take the whole payment.
    IF apply_payment.strategy = 'fifo' THEN
      SELECT COALESCE(pg_catalog.array_agg(o.invoice_id), '{}'), COALESCE(pg_catalog.array_agg(o.open_amount), '{}'),
             COALESCE(pg_catalog.array_agg(o.issue_date), '{}'), COALESCE(pg_catalog.sum(o.open_amount), 0)
        INTO ids, opens, issued, reached
        FROM (SELECT i.invoice_id, i.open_amount, i.issue_date
                FROM ar.invoice i
               WHERE i.customer_id = pay.customer_id AND i.status = 'open' AND i.currency = pay.currency
               ORDER BY i.due_date, i.invoice_id
               LIMIT 16) o;
    END IF;
    IF apply_payment.strategy <> 'fifo' OR (pg_catalog.cardinality(ids) = 16 AND reached < pay.unapplied_amount) THEN
      SELECT COALESCE(pg_catalog.array_agg(o.invoice_id), '{}'), COALESCE(pg_catalog.array_agg(o.open_amount), '{}'),
             COALESCE(pg_catalog.array_agg(o.issue_date), '{}')
        INTO ids, opens, issued
        FROM (SELECT i.invoice_id, i.open_amount, i.issue_date
                FROM ar.invoice i
               WHERE i.customer_id = pay.customer_id AND i.status = 'open' AND i.currency = pay.currency
               ORDER BY i.due_date, i.invoice_id) o;
    END IF;
  ELSE
    t := ar.allocation_targets(pay.customer_id, pay.currency, apply_payment.invoice_ids, 'payment ' || pay.payment_id);
    ids := t.ids;
    opens := t.opens;
    issued := t.issued;
  END IF;
  IF pay.unapplied_amount = 0 OR pg_catalog.cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  parts := ar.allocate(pay.unapplied_amount, opens, apply_payment.strategy, pay.minor_unit);

  IF apply_payment.applied_on IS NOT NULL THEN
    SELECT i.invoice_no, x.issued INTO late
      FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(parts), pg_catalog.unnest(issued)) AS x(id, amount, issued)
      JOIN ar.invoice i ON i.invoice_id = x.id
     WHERE x.amount > 0 AND x.issued > apply_payment.applied_on
     LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'applied_on % is before invoice % was issued on %',
        apply_payment.applied_on, late.invoice_no, late.issued
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Leave applied_on NULL to apply each invoice from the later of the receipt and its issue date.';
    END IF;
  END IF;

  RETURN QUERY
  INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on)
  SELECT pay.customer_id, x.id, 'payment', pay.payment_id, x.amount,
         COALESCE(apply_payment.applied_on, GREATEST(pay.received_on, x.issued))
    FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(parts), pg_catalog.unnest(issued))
         WITH ORDINALITY AS x(id, amount, issued, ord)
   WHERE x.amount > 0
   ORDER BY x.ord
  RETURNING *;
END
$$;
COMMENT ON FUNCTION ar.apply_payment(bigint, text, bigint[], date) IS
  'Allocates the payment''s unapplied amount over the customer''s open invoices (or the listed ones, in that order) by strategy; the rest stays unapplied as the customer''s credit. Returns the allocations made';

------------------------------------------------------------------------------
-- ar.apply_credit_note
------------------------------------------------------------------------------

CREATE FUNCTION ar.apply_credit_note(credit_note_id bigint, strategy text DEFAULT 'fifo',
                                     invoice_ids bigint[] DEFAULT NULL)
  RETURNS SETOF ar.allocation
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  cn ar.credit_note;
  what text;
  mu integer;
  t record;
  parts numeric[];
  first_pos integer;
  first_part numeric := 0;
BEGIN
  PERFORM ar.require_id(apply_credit_note.credit_note_id, 'credit_note_id');
  PERFORM ar.check_allocation_strategy(apply_credit_note.strategy);

  -- Lock order step 1: the credit note.
  SELECT c.* INTO cn FROM ar.credit_note c
   WHERE c.credit_note_id = apply_credit_note.credit_note_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown credit note %', apply_credit_note.credit_note_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  what := 'credit note ' || cn.credit_note_no;

  -- Step 2: the customer.
  PERFORM ar.lock_customer(cn.customer_id);
  t := ar.allocation_targets(cn.customer_id, cn.currency, apply_credit_note.invoice_ids, what);
  IF cn.unapplied_amount = 0 OR pg_catalog.cardinality(t.ids) = 0 THEN
    RETURN;
  END IF;
  mu := ar.minor_unit(cn.currency);

  -- A credit note that corrects an invoice goes to that invoice first when
  -- no list is given; what is left follows the strategy over the others.
  IF apply_credit_note.invoice_ids IS NULL AND cn.invoice_id IS NOT NULL THEN
    first_pos := pg_catalog.array_position(t.ids, cn.invoice_id);
  END IF;
  IF first_pos IS NOT NULL THEN
    first_part := LEAST(cn.unapplied_amount, t.opens[first_pos]);
    parts := ar.allocate(cn.unapplied_amount - first_part,
                         t.opens[:first_pos - 1] || t.opens[first_pos + 1:],
                         apply_credit_note.strategy, mu);
    t.ids := cn.invoice_id || t.ids[:first_pos - 1] || t.ids[first_pos + 1:];
    t.issued := t.issued[first_pos] || t.issued[:first_pos - 1] || t.issued[first_pos + 1:];
    parts := first_part || parts;
  ELSE
    parts := ar.allocate(cn.unapplied_amount, t.opens, apply_credit_note.strategy, mu);
  END IF;

  RETURN QUERY
  INSERT INTO ar.allocation (customer_id, invoice_id, kind, credit_note_id, amount, applied_on)
  SELECT cn.customer_id, x.id, 'credit_note', cn.credit_note_id, x.amount,
         GREATEST(cn.issue_date, x.issued)
    FROM ROWS FROM (pg_catalog.unnest(t.ids), pg_catalog.unnest(parts), pg_catalog.unnest(t.issued)) WITH ORDINALITY AS x(id, amount, issued, ord)
   WHERE x.amount > 0
   ORDER BY x.ord
  RETURNING *;
END
$$;
COMMENT ON FUNCTION ar.apply_credit_note(bigint, text, bigint[]) IS
  'Allocates the credit note''s unapplied amount over the customer''s open invoices (its own invoice first when it names one and no list is given) by strategy; returns the allocations made';

------------------------------------------------------------------------------
-- ar.write_off
------------------------------------------------------------------------------

CREATE FUNCTION ar.write_off(invoice_id bigint, amount numeric DEFAULT NULL, reason text DEFAULT NULL,
                             applied_on date DEFAULT NULL)
  RETURNS ar.allocation
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  inv ar.invoice;
  cust_id bigint;
  amt numeric;
  mu integer;
  eff date;
  result ar.allocation;
BEGIN
  PERFORM ar.require_id(write_off.invoice_id, 'invoice_id');
  SELECT i.customer_id INTO cust_id FROM ar.invoice i WHERE i.invoice_id = write_off.invoice_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown invoice %', write_off.invoice_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Lock order: customer, then the invoice (read again under the lock).
  PERFORM ar.lock_customer(cust_id);
  SELECT i.* INTO inv FROM ar.invoice i WHERE i.invoice_id = write_off.invoice_id FOR NO KEY UPDATE;
  IF inv.customer_id <> cust_id THEN
    -- Moved to another customer between the two reads (possible only
    -- while it had no allocations); the caller may simply retry.
    RAISE EXCEPTION 'invoice % changed customer while being written off', inv.invoice_no
      USING ERRCODE = 'serialization_failure';
  END IF;
  IF inv.status <> 'open' THEN
    RAISE EXCEPTION 'invoice % is % and cannot be written off', inv.invoice_no, inv.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  amt := COALESCE(write_off.amount, inv.open_amount);
  mu := ar.minor_unit(inv.currency);
  IF amt <= 0 THEN
    RAISE EXCEPTION 'write-off amount % of invoice % must be greater than zero', amt, inv.invoice_no
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass NULL to write off the whole open amount.';
  END IF;
  IF amt <> pg_catalog.round(amt, mu) THEN
    RAISE EXCEPTION 'write-off amount % of invoice % is not a whole number of % minor units',
      amt, inv.invoice_no, inv.currency
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('%s has %s decimal places.', inv.currency, mu);
  END IF;
  IF amt > inv.open_amount THEN
    RAISE EXCEPTION 'write-off amount % exceeds the open amount % of invoice %', amt, inv.open_amount, inv.invoice_no
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  eff := COALESCE(write_off.applied_on, GREATEST(CURRENT_DATE, inv.issue_date));
  IF eff < inv.issue_date THEN
    RAISE EXCEPTION 'applied_on % is before invoice % was issued on %', eff, inv.invoice_no, inv.issue_date
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  INSERT INTO ar.allocation (customer_id, invoice_id, kind, amount, applied_on, reason)
  VALUES (inv.customer_id, inv.invoice_id, 'write_off', amt, eff, write_off.reason)
  RETURNING * INTO result;
  RETURN result;
END
$$;
COMMENT ON FUNCTION ar.write_off(bigint, numeric, text, date) IS
  'Writes off part (amount) or all (NULL) of an invoice''s open amount as a write_off allocation, effective applied_on (default today); returns the allocation';

------------------------------------------------------------------------------
-- ar.reverse_allocation
------------------------------------------------------------------------------

CREATE FUNCTION ar.reverse_allocation(allocation_id bigint, reason text, reversed_on date DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  al ar.allocation;
  eff date;
BEGIN
  PERFORM ar.require_id(reverse_allocation.allocation_id, 'allocation_id');
  IF reverse_allocation.reason IS NULL OR pg_catalog.btrim(reverse_allocation.reason) = '' THEN
    RAISE EXCEPTION 'a reversal needs a reason'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Say why, e.g. ''applied to the wrong invoice'' or ''cheque returned unpaid''.';
  END IF;
  SELECT a.* INTO al FROM ar.allocation a WHERE a.allocation_id = reverse_allocation.allocation_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown allocation %', reverse_allocation.allocation_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- Lock order: source document, customer, then the allocation itself
  -- (read again under the locks: it may have been reversed meanwhile).
  IF al.payment_id IS NOT NULL THEN
    PERFORM 1 FROM ar.payment p WHERE p.payment_id = al.payment_id FOR NO KEY UPDATE;
  END IF;
  IF al.credit_note_id IS NOT NULL THEN
    PERFORM 1 FROM ar.credit_note c WHERE c.credit_note_id = al.credit_note_id FOR NO KEY UPDATE;
  END IF;
  PERFORM ar.lock_customer(al.customer_id);
  SELECT a.* INTO al FROM ar.allocation a WHERE a.allocation_id = reverse_allocation.allocation_id FOR NO KEY UPDATE;
  IF al.reversed_on IS NOT NULL THEN
    RAISE EXCEPTION 'allocation % is already reversed (on %)', al.allocation_id, al.reversed_on
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  eff := COALESCE(reverse_allocation.reversed_on, GREATEST(CURRENT_DATE, al.applied_on));
  IF eff < al.applied_on THEN
    RAISE EXCEPTION 'reversed_on % is before allocation % was applied on %', eff, al.allocation_id, al.applied_on
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  UPDATE ar.allocation a SET reversed_on = eff, reversal_reason = reverse_allocation.reason
   WHERE a.allocation_id = al.allocation_id;
END
$$;
COMMENT ON FUNCTION ar.reverse_allocation(bigint, text, date) IS
  'Reverses an active allocation, effective reversed_on (default today, never before it was applied): the invoice, payment or credit note get the amount back. A reason is required';

------------------------------------------------------------------------------
-- ar.void_invoice
------------------------------------------------------------------------------

CREATE FUNCTION ar.void_invoice(invoice_id bigint, reason text) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  inv ar.invoice;
  cust_id bigint;
  n_active integer;
  active_total numeric;
BEGIN
  PERFORM ar.require_id(void_invoice.invoice_id, 'invoice_id');
  IF void_invoice.reason IS NULL OR pg_catalog.btrim(void_invoice.reason) = '' THEN
    RAISE EXCEPTION 'voiding an invoice needs a reason'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Say why, e.g. ''duplicate of INV-0042'' or ''issued to the wrong customer''.';
  END IF;
  SELECT i.customer_id INTO cust_id FROM ar.invoice i WHERE i.invoice_id = void_invoice.invoice_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown invoice %', void_invoice.invoice_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM ar.lock_customer(cust_id);
  SELECT i.* INTO inv FROM ar.invoice i WHERE i.invoice_id = void_invoice.invoice_id FOR NO KEY UPDATE;
  IF inv.customer_id <> cust_id THEN
    RAISE EXCEPTION 'invoice % changed customer while being voided', inv.invoice_no
      USING ERRCODE = 'serialization_failure';
  END IF;
  IF inv.status = 'void' THEN
    RAISE EXCEPTION 'invoice % is already void', inv.invoice_no
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Reason given then: %s.', inv.void_reason);
  END IF;
  SELECT pg_catalog.count(*), pg_catalog.sum(a.amount) INTO n_active, active_total
    FROM ar.allocation a WHERE a.invoice_id = inv.invoice_id AND a.reversed_on IS NULL;
  IF n_active > 0 THEN
    RAISE EXCEPTION 'invoice % has active allocations and cannot be voided', inv.invoice_no
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('%s active allocation(s) total %s %s.', n_active, active_total, inv.currency),
            HINT = 'Reverse them first (ar.reverse_allocation), or issue a credit note instead.';
  END IF;
  UPDATE ar.invoice i SET status = 'void', void_reason = void_invoice.reason
   WHERE i.invoice_id = inv.invoice_id;
END
$$;
COMMENT ON FUNCTION ar.void_invoice(bigint, text) IS
  'Voids an invoice that has no active allocations, recording the reason; a void invoice is never dunned, aged or allocated';
-- ar.import_zengin: a day's Zengin bank file into ar.payment, set-based, in
-- one transaction, idempotent by (source, bank_ref).  Matching is not done
-- here: the payments come in unidentified (customer_id NULL) unless the
-- account the money was paid into is a customer's virtual account, and
-- ar.auto_apply / ar.match_payment take it from there.
-- See docs/cash-application.md, "Zengin bank files".

-- How a customer's virtual_account may spell the account of a Zengin group
-- header: the account number with or without its leading zeros (or padded
-- to the 7 digits of 振込入金通知 / the 10 of 入出金取引明細), optionally
-- prefixed by the 3-digit branch code and a hyphen ("110-1234567").
CREATE FUNCTION ar.zengin_account_spellings(branch_code text, account_no text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN (SELECT pg_catalog.array_agg(DISTINCT s)
            FROM (SELECT w FROM (VALUES (pg_catalog.ltrim(account_no, '0')),
                                        (pg_catalog.lpad(pg_catalog.ltrim(account_no, '0'), 7, '0')),
                                        (pg_catalog.lpad(pg_catalog.ltrim(account_no, '0'), 10, '0'))) AS v(w)) AS a,
                 LATERAL (VALUES (a.w), (branch_code || '-' || a.w)) AS t(s));
COMMENT ON FUNCTION ar.zengin_account_spellings(text, text) IS
  'The spellings of a bank account under which a customer''s virtual_account names it (account number with or without leading zeros, optionally prefixed by "branch-"); internal helper of ar.import_zengin';

CREATE FUNCTION ar.import_zengin(data bytea, encoding text DEFAULT 'SJIS', source text DEFAULT NULL)
  RETURNS TABLE (payment_id bigint, bank_ref text, amount numeric, payer_name text, outcome text)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  given_source text := NULLIF(pg_catalog.btrim(import_zengin.source), '');
  n_accounts integer;
BEGIN
  -- 1. Read the whole file.  A malformed one raises here, before anything
  --    is written.
  IF pg_catalog.to_regclass('pg_temp.ar_zengin_import') IS NOT NULL THEN
    DROP TABLE pg_temp.ar_zengin_import;    -- left by an earlier call that failed in a subtransaction
  END IF;
  CREATE TEMP TABLE ar_zengin_import ON COMMIT DROP AS
  SELECT r.*,
         COALESCE(given_source, 'zengin:' || r.account_bank_code || '-' || r.account_branch_code || '-' || r.account_no) AS src,
         NULL::bigint AS pay_id,
         NULL::text AS result
    FROM ar.parse_zengin(import_zengin.data, import_zengin.encoding) AS r;
  CREATE INDEX ON pg_temp.ar_zengin_import (src, bank_ref);

  -- 2. One source names one account: with several accounts in the file an
  --    explicit source would merge their reference numbers.
  IF given_source IS NOT NULL THEN
    SELECT pg_catalog.count(DISTINCT (i.account_bank_code, i.account_branch_code, i.account_no))
      INTO n_accounts FROM pg_temp.ar_zengin_import i;
    IF n_accounts > 1 THEN
      RAISE EXCEPTION 'the file holds % accounts, but one source "%" was given for all of them', n_accounts, given_source
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = 'Bank references are unique per account; one source for several accounts could merge them.',
              HINT = 'Leave source NULL: each account then gets its own source zengin:<bank>-<branch>-<account>.';
    END IF;
  END IF;

  -- 3. Imports of the same account wait for each other, so the same file
  --    imported twice at once is recorded once.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('ar.import_zengin:' || s.src, 0))
     FROM (SELECT DISTINCT i.src FROM pg_temp.ar_zengin_import i ORDER BY i.src) AS s;

  -- 4. What each record is.
  UPDATE pg_temp.ar_zengin_import i SET result = CASE
      WHEN i.transaction_code = '19' THEN 'correction'            -- 03 訂正: no link to what it corrects
      WHEN i.direction = 'withdrawal' THEN 'withdrawal'
      WHEN i.kind = '03' AND i.transaction_code IS DISTINCT FROM '11'
           AND NOT (i.transaction_code IS NULL AND i.payer_name IS NOT NULL) THEN 'not_transfer'
      WHEN i.amount = 0 THEN 'zero_amount'
      WHEN i.cancelled THEN 'cancel'
      ELSE 'new'
    END;
  ANALYZE pg_temp.ar_zengin_import;     -- the plans below depend on how many are new

  -- 5. Transfers: those recorded before are duplicates, as is the second
  --    copy of one within the file; the rest are inserted.
  UPDATE pg_temp.ar_zengin_import i SET pay_id = p.payment_id, result = 'duplicate'
    FROM ar.payment p
   WHERE i.result = 'new' AND COALESCE(p.source, '') = i.src AND p.bank_ref = i.bank_ref;
  UPDATE pg_temp.ar_zengin_import i SET result = 'duplicate'
    FROM (SELECT o.record_no,
                 pg_catalog.row_number() OVER (PARTITION BY o.src, o.bank_ref ORDER BY o.record_no) AS copy
            FROM pg_temp.ar_zengin_import o WHERE o.result = 'new') AS d
   WHERE i.record_no = d.record_no AND d.copy > 1;

  WITH account AS MATERIALIZED (
    -- the customer whose virtual account the money was paid into, if exactly one
    SELECT a.account_branch_code, a.account_no,
           CASE WHEN pg_catalog.count(c.customer_id) = 1 THEN pg_catalog.min(c.customer_id) END AS customer_id
      FROM (SELECT DISTINCT i.account_branch_code, i.account_no FROM pg_temp.ar_zengin_import i
             WHERE i.result = 'new') AS a
      LEFT JOIN ar.customer c
        ON c.virtual_account = ANY (ar.zengin_account_spellings(a.account_branch_code, a.account_no))
     GROUP BY a.account_branch_code, a.account_no
  ), ins AS (
    INSERT INTO ar.payment (customer_id, received_on, currency, amount, method, payer_name, edi_info,
                            bank_ref, source, metadata)
    SELECT acc.customer_id, i.account_date, 'JPY', i.amount, 'bank_transfer', i.payer_name, i.edi_info,
           i.bank_ref, i.src,
           pg_catalog.jsonb_build_object('zengin', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
             'kind', i.kind, 'record_no', i.record_no, 'value_date', i.value_date,
             'inquiry_no', i.inquiry_no, 'payer_code', i.payer_code, 'bank_name', i.bank_name,
             'branch_name', i.branch_name, 'transaction_code', i.transaction_code,
             'description', i.description,
             'account', i.account_bank_code || '-' || i.account_branch_code || '-' || i.account_no,
             'virtual_account', acc.customer_id IS NOT NULL,
             'file_created_on', i.created_on)))
      FROM pg_temp.ar_zengin_import i
      JOIN account acc USING (account_branch_code, account_no)
     WHERE i.result = 'new'
     ORDER BY i.record_no
    ON CONFLICT ((COALESCE(source, '')), bank_ref) WHERE bank_ref IS NOT NULL DO NOTHING
    RETURNING ar.payment.payment_id AS new_id, ar.payment.source AS new_source, ar.payment.bank_ref AS new_ref
  )
  UPDATE pg_temp.ar_zengin_import i SET pay_id = ins.new_id, result = 'inserted'
    FROM ins
   WHERE i.result = 'new' AND ins.new_source = i.src AND ins.new_ref = i.bank_ref;
  -- (one written by someone else in the meantime, without the lock)
  UPDATE pg_temp.ar_zengin_import i SET pay_id = p.payment_id, result = 'duplicate'
    FROM ar.payment p
   WHERE i.result = 'new' AND COALESCE(p.source, '') = i.src AND p.bank_ref = i.bank_ref;

  -- 6. Cancellations (振込入金通知 取消区分 1): the payment with the same
  --    bank reference; failing that, the only payment of the source with the
  --    same 照会番号, amount and payer.  Already cancelled: a duplicate.
  UPDATE pg_temp.ar_zengin_import i
     SET pay_id = m.target,
         result = CASE WHEN m.n = 0 THEN 'cancel_not_found'
                       WHEN m.n_received > 1 THEN 'cancel_ambiguous'
                       WHEN m.n_received = 0 THEN 'duplicate'
                       ELSE 'cancel_apply' END
    FROM (SELECT c.record_no,
                 pg_catalog.count(t.payment_id) AS n,
                 pg_catalog.count(t.payment_id) FILTER (WHERE t.status = 'received') AS n_received,
                 CASE WHEN pg_catalog.count(t.payment_id) FILTER (WHERE t.status = 'received') = 1
                      THEN pg_catalog.min(t.payment_id) FILTER (WHERE t.status = 'received')
                      WHEN pg_catalog.count(t.payment_id) FILTER (WHERE t.status = 'received') = 0
                      THEN pg_catalog.min(t.payment_id) END AS target
            FROM pg_temp.ar_zengin_import c
            LEFT JOIN LATERAL (
                   SELECT p.payment_id, p.status FROM ar.payment p
                    WHERE COALESCE(p.source, '') = c.src AND p.bank_ref = c.bank_ref
                   UNION
                   SELECT p.payment_id, p.status FROM ar.payment p
                    WHERE COALESCE(p.source, '') = c.src AND p.amount = c.amount
                      AND p.payer_name IS NOT DISTINCT FROM c.payer_name
                      AND p.metadata -> 'zengin' ->> 'inquiry_no' IS NOT DISTINCT FROM c.inquiry_no
                      AND NOT EXISTS (SELECT 1 FROM ar.payment q
                                       WHERE COALESCE(q.source, '') = c.src AND q.bank_ref = c.bank_ref)
                 ) AS t ON true
           WHERE c.result = 'cancel'
           GROUP BY c.record_no) AS m
   WHERE i.record_no = m.record_no;
  -- two cancellations of one payment: the first one counts
  UPDATE pg_temp.ar_zengin_import i SET result = 'duplicate'
    FROM (SELECT o.record_no,
                 pg_catalog.row_number() OVER (PARTITION BY o.pay_id ORDER BY o.record_no) AS copy
            FROM pg_temp.ar_zengin_import o WHERE o.result = 'cancel_apply') AS d
   WHERE i.record_no = d.record_no AND d.copy > 1;

  -- Reverse what the cancelled payments settled (the money never arrived),
  -- then cancel them.  Reversal date: the cancellation's 勘定日, or the
  -- allocation's own date if that is later.
  UPDATE ar.allocation a
     SET reversed_on = GREATEST(a.applied_on, i.account_date),
         reversal_reason = pg_catalog.format('bank cancelled the transfer %s of %s (Zengin record %s)',
                                             i.bank_ref, i.src, i.record_no)
    FROM pg_temp.ar_zengin_import i
   WHERE i.result = 'cancel_apply' AND a.payment_id = i.pay_id AND a.reversed_on IS NULL;
  UPDATE ar.payment p
     SET status = 'cancelled',
         metadata = p.metadata || pg_catalog.jsonb_build_object('zengin_cancel', pg_catalog.jsonb_build_object(
                      'bank_ref', i.bank_ref, 'record_no', i.record_no, 'account_date', i.account_date,
                      'file_created_on', i.created_on))
    FROM pg_temp.ar_zengin_import i
   WHERE i.result = 'cancel_apply' AND p.payment_id = i.pay_id;
  UPDATE pg_temp.ar_zengin_import i SET result = 'cancelled' WHERE i.result = 'cancel_apply';

  RETURN QUERY
    SELECT i.pay_id, i.bank_ref, i.amount, i.payer_name, i.result
      FROM pg_temp.ar_zengin_import i ORDER BY i.record_no;
  DROP TABLE pg_temp.ar_zengin_import;
END
$$;
COMMENT ON FUNCTION ar.import_zengin(bytea, text, text) IS
  'Imports the deposits of a Zengin 振込入金通知 (01) or 入出金取引明細 (03) file into ar.payment in one transaction: idempotent by (source, bank_ref), cancellations reverse and cancel the earlier payment, withdrawals reported and skipped; one row per data record with its outcome';
-- Dunning: what pauses it (disputes, promises, holds) and what it remembers
-- (episodes, events, interest charged).  See docs/dunning.md.

------------------------------------------------------------------------------
-- Disputes: an open dispute takes its invoice out of dunning.
------------------------------------------------------------------------------

CREATE TABLE ar.dispute (
  dispute_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES ar.customer,
  invoice_id  bigint NOT NULL REFERENCES ar.invoice,
  amount      numeric NOT NULL CHECK (amount > 0),
  reason      text NOT NULL CHECK (reason <> ''),
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'rejected')),
  opened_on   date NOT NULL DEFAULT CURRENT_DATE,
  resolved_on date,
  resolution  text,
  created_by  text NOT NULL DEFAULT CURRENT_USER,
  created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at  timestamptz,
  CONSTRAINT dispute_resolved_when_closed CHECK ((status = 'open') = (resolved_on IS NULL)),
  CONSTRAINT dispute_resolved_after_opened CHECK (resolved_on >= opened_on)
);
CREATE INDEX dispute_open_invoice_idx ON ar.dispute (invoice_id) WHERE status = 'open';
CREATE INDEX dispute_customer_idx ON ar.dispute (customer_id, opened_on);
COMMENT ON TABLE ar.dispute IS 'Disputes raised by customers about invoices; an open dispute takes its invoice out of dunning';
COMMENT ON COLUMN ar.dispute.dispute_id IS 'Surrogate key';
COMMENT ON COLUMN ar.dispute.customer_id IS 'Customer of the invoice (filled in when omitted)';
COMMENT ON COLUMN ar.dispute.invoice_id IS 'Invoice disputed';
COMMENT ON COLUMN ar.dispute.amount IS 'Amount disputed (defaults to the invoice''s open amount; at most its amount)';
COMMENT ON COLUMN ar.dispute.reason IS 'What the customer disputes';
COMMENT ON COLUMN ar.dispute.status IS 'open, resolved or rejected';
COMMENT ON COLUMN ar.dispute.opened_on IS 'Date the dispute was raised';
COMMENT ON COLUMN ar.dispute.resolved_on IS 'Date it was resolved or rejected';
COMMENT ON COLUMN ar.dispute.resolution IS 'How it ended (credit note issued, customer withdrew, ...)';
COMMENT ON COLUMN ar.dispute.created_by IS 'Role that recorded it';
COMMENT ON COLUMN ar.dispute.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.dispute.updated_at IS 'When the row was last changed';

CREATE FUNCTION ar.tg_dispute_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  inv ar.invoice;
BEGIN
  SELECT * INTO inv FROM ar.invoice i WHERE i.invoice_id = NEW.invoice_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown invoice %', NEW.invoice_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.customer_id := COALESCE(NEW.customer_id, inv.customer_id);
  IF NEW.customer_id <> inv.customer_id THEN
    RAISE EXCEPTION 'invoice % belongs to customer %, not %', inv.invoice_no, inv.customer_id, NEW.customer_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.amount := COALESCE(NEW.amount, inv.open_amount);
    IF inv.status = 'void' THEN
      RAISE EXCEPTION 'invoice % is void and cannot be disputed', inv.invoice_no
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
  ELSIF OLD.status <> 'open' AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'dispute % is already %', OLD.dispute_id, OLD.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Open a new dispute if the customer raises the matter again.';
  END IF;
  IF NEW.amount > inv.amount THEN
    RAISE EXCEPTION 'disputed amount % exceeds the amount % of invoice %', NEW.amount, inv.amount, inv.invoice_no
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM ar.check_money(NEW.amount, inv.currency, pg_catalog.format('dispute of invoice %s', inv.invoice_no));
  IF NEW.status <> 'open' THEN
    NEW.resolved_on := COALESCE(NEW.resolved_on, CURRENT_DATE);
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_dispute_check() IS 'Trigger: validates disputes (internal)';
CREATE TRIGGER dispute_check BEFORE INSERT OR UPDATE ON ar.dispute
  FOR EACH ROW EXECUTE FUNCTION ar.tg_dispute_check();

------------------------------------------------------------------------------
-- Promises to pay: a pending promise pauses dunning of the customer.
------------------------------------------------------------------------------

CREATE TABLE ar.promise (
  promise_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES ar.customer,
  amount       numeric NOT NULL CHECK (amount > 0),
  currency     char(3) NOT NULL REFERENCES ar.currency,
  made_on      date NOT NULL DEFAULT CURRENT_DATE,
  promised_on  date NOT NULL,
  grace_days   integer NOT NULL DEFAULT 3 CHECK (grace_days BETWEEN 0 AND 60),
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'kept', 'broken', 'cancelled')),
  evaluated_on date,
  paid_amount  numeric,
  created_by   text NOT NULL DEFAULT CURRENT_USER,
  note         text,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at   timestamptz,
  CONSTRAINT promise_not_in_past CHECK (promised_on >= made_on)
);
CREATE INDEX promise_pending_idx ON ar.promise (customer_id) WHERE status = 'pending';
COMMENT ON TABLE ar.promise IS
  'Promises to pay (支払約束): a pending promise pauses dunning until promised_on + grace_days; evaluate_promises marks it kept or broken';
COMMENT ON COLUMN ar.promise.promise_id IS 'Surrogate key';
COMMENT ON COLUMN ar.promise.customer_id IS 'Customer who promised';
COMMENT ON COLUMN ar.promise.amount IS 'Amount promised';
COMMENT ON COLUMN ar.promise.currency IS 'Currency of the amount (defaults to the customer''s)';
COMMENT ON COLUMN ar.promise.made_on IS 'Date the promise was made; payments from this date count toward it';
COMMENT ON COLUMN ar.promise.promised_on IS 'Date the customer promised to pay by';
COMMENT ON COLUMN ar.promise.grace_days IS 'Days after promised_on before the promise counts as broken';
COMMENT ON COLUMN ar.promise.status IS 'pending, kept, broken or cancelled';
COMMENT ON COLUMN ar.promise.evaluated_on IS 'Date evaluate_promises decided kept or broken';
COMMENT ON COLUMN ar.promise.paid_amount IS 'Payments received from made_on to evaluation, as counted then';
COMMENT ON COLUMN ar.promise.created_by IS 'Role that recorded it';
COMMENT ON COLUMN ar.promise.note IS 'Free text (who promised, how)';
COMMENT ON COLUMN ar.promise.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.promise.updated_at IS 'When the row was last changed';

CREATE FUNCTION ar.tg_promise_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.currency IS NULL THEN
    SELECT c.currency INTO NEW.currency FROM ar.customer c WHERE c.customer_id = NEW.customer_id;
  END IF;
  PERFORM ar.check_money(NEW.amount, NEW.currency, 'promise');
  IF NEW.promised_on < NEW.made_on THEN
    RAISE EXCEPTION 'promised date % is before the promise was made (%)', NEW.promised_on, NEW.made_on
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A promise to pay is for a date to come.';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.status <> 'pending' AND NEW.status IS DISTINCT FROM OLD.status THEN
      RAISE EXCEPTION 'promise % is already %', OLD.promise_id, OLD.status
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_promise_check() IS 'Trigger: validates promises to pay (internal)';
CREATE TRIGGER promise_check BEFORE INSERT OR UPDATE ON ar.promise
  FOR EACH ROW EXECUTE FUNCTION ar.tg_promise_check();

------------------------------------------------------------------------------
-- Manual holds.
------------------------------------------------------------------------------

CREATE TABLE ar.dunning_hold (
  dunning_hold_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES ar.customer,
  until       date NOT NULL,
  reason      text NOT NULL CHECK (reason <> ''),
  released_on date,
  created_by  text NOT NULL DEFAULT CURRENT_USER,
  created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX dunning_hold_customer_idx ON ar.dunning_hold (customer_id, until) WHERE released_on IS NULL;
COMMENT ON TABLE ar.dunning_hold IS 'Manual pauses of dunning: no notice for the customer up to and including "until"';
COMMENT ON COLUMN ar.dunning_hold.dunning_hold_id IS 'Surrogate key';
COMMENT ON COLUMN ar.dunning_hold.customer_id IS 'Customer paused';
COMMENT ON COLUMN ar.dunning_hold.until IS 'Last day of the pause';
COMMENT ON COLUMN ar.dunning_hold.reason IS 'Why (negotiation, management decision, ...)';
COMMENT ON COLUMN ar.dunning_hold.released_on IS 'Date the hold was lifted early, if it was';
COMMENT ON COLUMN ar.dunning_hold.created_by IS 'Role that set it';
COMMENT ON COLUMN ar.dunning_hold.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- Episodes: one overdue spell of a customer in one currency.  An episode
-- keeps the ladder it started with, so editing a policy changes only new
-- episodes.
------------------------------------------------------------------------------

CREATE TABLE ar.dunning_episode (
  dunning_episode_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id    bigint NOT NULL REFERENCES ar.customer,
  currency       char(3) NOT NULL REFERENCES ar.currency,
  policy_id      bigint NOT NULL REFERENCES ar.dunning_policy,
  ladder         ar.escalation_ladder NOT NULL,
  started_on     date NOT NULL,
  ended_on       date,
  last_step      integer NOT NULL DEFAULT 0,
  last_notice_at timestamptz,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  close_reason   text,
  created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT dunning_episode_closed_has_end CHECK ((status = 'closed') = (ended_on IS NOT NULL))
);
-- One open episode per customer and currency; also what keeps two
-- concurrent dunning runs from opening two.
CREATE UNIQUE INDEX dunning_episode_one_open ON ar.dunning_episode (customer_id, currency) WHERE status = 'open';
CREATE INDEX dunning_episode_customer_idx ON ar.dunning_episode (customer_id, started_on);
COMMENT ON TABLE ar.dunning_episode IS
  'Overdue episodes: from the first step reached until nothing is overdue; keeps the ladder it started with';
COMMENT ON COLUMN ar.dunning_episode.dunning_episode_id IS 'Surrogate key';
COMMENT ON COLUMN ar.dunning_episode.customer_id IS 'Customer dunned';
COMMENT ON COLUMN ar.dunning_episode.currency IS 'Currency of the items dunned in this episode';
COMMENT ON COLUMN ar.dunning_episode.policy_id IS 'Policy the episode started under';
COMMENT ON COLUMN ar.dunning_episode.ladder IS 'Ladder copied from the policy when the episode started';
COMMENT ON COLUMN ar.dunning_episode.started_on IS 'Local date of the run that opened it';
COMMENT ON COLUMN ar.dunning_episode.ended_on IS 'Local date of the run that closed it';
COMMENT ON COLUMN ar.dunning_episode.last_step IS 'Highest step sent or skipped so far (0 = none)';
COMMENT ON COLUMN ar.dunning_episode.last_notice_at IS 'When the last notice was queued';
COMMENT ON COLUMN ar.dunning_episode.status IS 'open or closed';
COMMENT ON COLUMN ar.dunning_episode.close_reason IS 'Why it closed (settled, out_of_range, ...)';
COMMENT ON COLUMN ar.dunning_episode.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- Events: every decision of a dunning run, including skips and pauses.
------------------------------------------------------------------------------

CREATE TABLE ar.dunning_event (
  dunning_event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- A log: ids without foreign keys, so that logging costs little on the
  -- first run over a big book (every passed-over step is a row) and the
  -- history outlives what it names.
  customer_id     bigint NOT NULL,
  episode_id      bigint,
  policy_id       bigint,
  as_of           timestamptz NOT NULL,
  decision        text NOT NULL CHECK (decision IN ('episode_started', 'sent', 'skipped', 'paused',
                                                    'episode_ended', 'fee_charged', 'interest_charged')),
  step_no         integer,
  channel         text,
  template        text,
  reason          text,
  days_past_due   integer,
  overdue_amount  numeric,
  notification_id bigint,
  task_id         bigint,
  invoice_id      bigint,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX dunning_event_customer_idx ON ar.dunning_event (customer_id, as_of);
CREATE INDEX dunning_event_episode_idx ON ar.dunning_event (episode_id);
COMMENT ON TABLE ar.dunning_event IS
  'Every decision of dunning runs: episodes started and ended, notices sent, steps skipped and pauses, each with its reason';
COMMENT ON COLUMN ar.dunning_event.dunning_event_id IS 'Surrogate key, increasing in decision order';
COMMENT ON COLUMN ar.dunning_event.customer_id IS 'Customer concerned';
COMMENT ON COLUMN ar.dunning_event.episode_id IS 'Episode concerned';
COMMENT ON COLUMN ar.dunning_event.policy_id IS 'Policy of the episode';
COMMENT ON COLUMN ar.dunning_event.as_of IS 'as_of of the run that decided';
COMMENT ON COLUMN ar.dunning_event.decision IS 'episode_started, sent, skipped, paused, episode_ended, fee_charged or interest_charged';
COMMENT ON COLUMN ar.dunning_event.step_no IS 'Ladder step concerned';
COMMENT ON COLUMN ar.dunning_event.channel IS 'Channel of the step';
COMMENT ON COLUMN ar.dunning_event.template IS 'Template of the step';
COMMENT ON COLUMN ar.dunning_event.reason IS 'Why: passed_over, opted_out, no_recipient, weekly_cap, dispute, promise, hold, do_not_contact, status_*, below_minimum, settled, ...';
COMMENT ON COLUMN ar.dunning_event.days_past_due IS 'Days past due of the oldest eligible item at the decision (customer''s local date)';
COMMENT ON COLUMN ar.dunning_event.overdue_amount IS 'Overdue total at the decision';
COMMENT ON COLUMN ar.dunning_event.notification_id IS 'Notice queued by the decision';
COMMENT ON COLUMN ar.dunning_event.task_id IS 'Collector task created by the decision';
COMMENT ON COLUMN ar.dunning_event.invoice_id IS 'Fee or interest invoice created by the decision';
COMMENT ON COLUMN ar.dunning_event.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- Late interest charged, per invoice, so that each day is charged once.
------------------------------------------------------------------------------

CREATE TABLE ar.interest_charge (
  interest_charge_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id         bigint NOT NULL REFERENCES ar.customer,
  invoice_id          bigint NOT NULL REFERENCES ar.invoice,
  interest_invoice_id bigint NOT NULL REFERENCES ar.invoice,
  from_date           date NOT NULL,
  through_date        date NOT NULL,
  principal           numeric NOT NULL,
  rate                numeric NOT NULL,
  amount              numeric NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT interest_charge_period CHECK (through_date >= from_date)
);
CREATE INDEX interest_charge_invoice_idx ON ar.interest_charge (invoice_id, through_date);
COMMENT ON TABLE ar.interest_charge IS
  'Late interest charged on overdue invoices by interest= ladder steps (annual rate, actual/365, from the due date)';
COMMENT ON COLUMN ar.interest_charge.interest_charge_id IS 'Surrogate key';
COMMENT ON COLUMN ar.interest_charge.customer_id IS 'Customer charged';
COMMENT ON COLUMN ar.interest_charge.invoice_id IS 'Overdue invoice the interest accrued on';
COMMENT ON COLUMN ar.interest_charge.interest_invoice_id IS 'Invoice of kind interest that bills it';
COMMENT ON COLUMN ar.interest_charge.from_date IS 'First day charged';
COMMENT ON COLUMN ar.interest_charge.through_date IS 'Last day charged; the next charge starts the day after';
COMMENT ON COLUMN ar.interest_charge.principal IS 'Open amount the interest was computed on';
COMMENT ON COLUMN ar.interest_charge.rate IS 'Annual rate in percent';
COMMENT ON COLUMN ar.interest_charge.amount IS 'Interest for the period, unrounded share of the rounded invoice';
COMMENT ON COLUMN ar.interest_charge.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- Audit and pg_dump.
------------------------------------------------------------------------------

CREATE TRIGGER audit_insert AFTER INSERT ON ar.dispute REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dispute_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.dispute REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dispute_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.dispute REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dispute_id');
CREATE TRIGGER audit_insert AFTER INSERT ON ar.promise REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('promise_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.promise REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('promise_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.promise REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('promise_id');
CREATE TRIGGER audit_insert AFTER INSERT ON ar.dunning_hold REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dunning_hold_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.dunning_hold REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dunning_hold_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.dunning_hold REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dunning_hold_id');

SELECT pg_catalog.pg_extension_config_dump('ar.dispute', '');
SELECT pg_catalog.pg_extension_config_dump('ar.promise', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_hold', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_episode', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_event', '');
SELECT pg_catalog.pg_extension_config_dump('ar.interest_charge', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dispute_dispute_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.promise_promise_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_hold_dunning_hold_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_episode_dunning_episode_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_event_dunning_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.interest_charge_interest_charge_id_seq', '');
-- The notification outbox and the collector's records: notices queued by
-- dunning and alerts, drained by delivery workers in any language
-- (docs/outbox.md); contacts made; tasks for collectors.

CREATE TABLE ar.notification (
  notification_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id     bigint NOT NULL REFERENCES ar.customer,
  policy_id       bigint REFERENCES ar.dunning_policy,
  episode_id      bigint REFERENCES ar.dunning_episode,
  step_no         integer,
  channel         text NOT NULL
                  CHECK (channel IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook')),
  template        text,
  locale          text CHECK (locale IN ('ja', 'en')),
  recipient       text,
  subject         text,
  body            text,
  payload         jsonb NOT NULL DEFAULT '{}',
  dedupe_key      text NOT NULL UNIQUE DEFAULT ('manual:' || pg_catalog.gen_random_uuid()),
  status          text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled', 'dead')),
  scheduled_for   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts    integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
  last_error      text,
  locked_by       text,
  locked_until    timestamptz,
  sent_at         timestamptz,
  provider_ref    text,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at      timestamptz
);
-- What claim_notifications reads: due rows of one channel, oldest first.
CREATE INDEX notification_due_idx ON ar.notification (channel, scheduled_for, notification_id)
  WHERE status IN ('queued', 'sending');
CREATE INDEX notification_customer_idx ON ar.notification (customer_id, scheduled_for);
COMMENT ON TABLE ar.notification IS
  'Outbox of notices (dunning steps, alerts) waiting for delivery workers; each dedupe_key is queued once';
COMMENT ON COLUMN ar.notification.notification_id IS 'Surrogate key';
COMMENT ON COLUMN ar.notification.customer_id IS 'Customer the notice is about';
COMMENT ON COLUMN ar.notification.policy_id IS 'Dunning policy that queued it (NULL for alerts and manual notices)';
COMMENT ON COLUMN ar.notification.episode_id IS 'Dunning episode that queued it';
COMMENT ON COLUMN ar.notification.step_no IS 'Ladder step that queued it';
COMMENT ON COLUMN ar.notification.channel IS 'email, sms, letter, call, agency, retry, internal or webhook';
COMMENT ON COLUMN ar.notification.template IS 'Template code rendered into subject and body';
COMMENT ON COLUMN ar.notification.locale IS 'Language rendered (ja or en)';
COMMENT ON COLUMN ar.notification.recipient IS 'Address, number or role the worker delivers to';
COMMENT ON COLUMN ar.notification.subject IS 'Rendered subject (email, letter)';
COMMENT ON COLUMN ar.notification.body IS 'Rendered body';
COMMENT ON COLUMN ar.notification.payload IS 'Structured data of the notice (invoices, amounts, the whole case for agency)';
COMMENT ON COLUMN ar.notification.dedupe_key IS 'Unique key: a step of an episode, or an alert of a rule, is queued once';
COMMENT ON COLUMN ar.notification.status IS 'queued, sending (claimed), sent, failed, cancelled or dead (gave up)';
COMMENT ON COLUMN ar.notification.scheduled_for IS 'Not handed out before this time (send window, retry backoff)';
COMMENT ON COLUMN ar.notification.attempts IS 'Times claimed for delivery';
COMMENT ON COLUMN ar.notification.max_attempts IS 'Attempts before the notice is dead';
COMMENT ON COLUMN ar.notification.last_error IS 'Error of the last failed attempt, or why it was cancelled';
COMMENT ON COLUMN ar.notification.locked_by IS 'Worker holding the lease';
COMMENT ON COLUMN ar.notification.locked_until IS 'End of the lease; an expired lease is reclaimed';
COMMENT ON COLUMN ar.notification.sent_at IS 'When delivery was confirmed';
COMMENT ON COLUMN ar.notification.provider_ref IS 'Delivery provider''s reference (message id, tracking number)';
COMMENT ON COLUMN ar.notification.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.notification.updated_at IS 'When the row was last changed';

-- Workers LISTEN on ar_notification; each inserted notice is announced with
-- its id and channel as JSON: {"notification_id": 42, "channel": "email"}.
CREATE FUNCTION ar.tg_notification_announce() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pg_catalog.pg_notify('ar_notification',
            pg_catalog.json_build_object('notification_id', n.notification_id, 'channel', n.channel)::text)
     FROM new_rows n;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_notification_announce() IS
  'Statement trigger: NOTIFY ar_notification with each new notice''s id and channel (internal)';
CREATE TRIGGER notification_announce AFTER INSERT ON ar.notification REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_notification_announce();

CREATE TABLE ar.contact_log (
  contact_log_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id     bigint NOT NULL REFERENCES ar.customer,
  notification_id bigint REFERENCES ar.notification,
  channel         text NOT NULL
                  CHECK (channel IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook',
                                     'visit', 'meeting', 'other')),
  direction       text NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound')),
  outcome         text NOT NULL CHECK (outcome <> ''),
  note            text,
  contacted_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  created_by      text NOT NULL DEFAULT CURRENT_USER,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX contact_log_customer_idx ON ar.contact_log (customer_id, contacted_at);
COMMENT ON TABLE ar.contact_log IS 'Every contact with a customer, automatic (delivered notices) or manual (calls, visits)';
COMMENT ON COLUMN ar.contact_log.contact_log_id IS 'Surrogate key';
COMMENT ON COLUMN ar.contact_log.customer_id IS 'Customer contacted';
COMMENT ON COLUMN ar.contact_log.notification_id IS 'Notice delivered, for automatic contacts';
COMMENT ON COLUMN ar.contact_log.channel IS 'How: a notification channel, or visit, meeting, other';
COMMENT ON COLUMN ar.contact_log.direction IS 'outbound (we contacted them) or inbound (they contacted us)';
COMMENT ON COLUMN ar.contact_log.outcome IS 'Result: sent, undeliverable, reached, no_answer, left_message, promise, dispute, ...';
COMMENT ON COLUMN ar.contact_log.note IS 'Free text';
COMMENT ON COLUMN ar.contact_log.contacted_at IS 'When the contact happened';
COMMENT ON COLUMN ar.contact_log.created_by IS 'Role that recorded it';
COMMENT ON COLUMN ar.contact_log.created_at IS 'When the row was created';

CREATE TABLE ar.task (
  task_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES ar.customer,
  kind         text NOT NULL CHECK (kind IN ('call', 'follow_up', 'agency_handoff', 'promise_follow_up', 'review')),
  due_on       date NOT NULL DEFAULT CURRENT_DATE,
  assigned_to  text,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  outcome      text,
  note         text,
  episode_id   bigint REFERENCES ar.dunning_episode,
  step_no      integer,
  dedupe_key   text UNIQUE,
  completed_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT task_completed_when_closed CHECK ((status = 'open') = (completed_at IS NULL))
);
CREATE INDEX task_open_idx ON ar.task (assigned_to, due_on) WHERE status = 'open';
CREATE INDEX task_customer_idx ON ar.task (customer_id);
COMMENT ON TABLE ar.task IS 'Collector follow-ups: calls the ladder asks for, agency hand-offs, broken promises to chase';
COMMENT ON COLUMN ar.task.task_id IS 'Surrogate key';
COMMENT ON COLUMN ar.task.customer_id IS 'Customer to act on';
COMMENT ON COLUMN ar.task.kind IS 'call, follow_up, agency_handoff, promise_follow_up or review';
COMMENT ON COLUMN ar.task.due_on IS 'Day the task is due';
COMMENT ON COLUMN ar.task.assigned_to IS 'Collector role (the customer''s collector when created by dunning)';
COMMENT ON COLUMN ar.task.status IS 'open, done or cancelled';
COMMENT ON COLUMN ar.task.outcome IS 'What came of it';
COMMENT ON COLUMN ar.task.note IS 'Instructions or notes';
COMMENT ON COLUMN ar.task.episode_id IS 'Dunning episode that created it';
COMMENT ON COLUMN ar.task.step_no IS 'Ladder step that created it';
COMMENT ON COLUMN ar.task.dedupe_key IS 'Unique key: a step of an episode creates one task';
COMMENT ON COLUMN ar.task.completed_at IS 'When it was done or cancelled';
COMMENT ON COLUMN ar.task.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- The worker protocol: claim, then complete or fail.
------------------------------------------------------------------------------

-- Why a queued dunning notice should no longer go out, or NULL if it still
-- should: the customer paid every invoice it lists, or was paused (promise,
-- hold, do_not_contact, bankrupt or closed) after it was queued.  Alerts and
-- manual notices (no episode) are never stale.
CREATE FUNCTION ar.notification_stale_reason(n ar.notification) RETURNS text
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
           WHEN n.episode_id IS NULL THEN NULL
           WHEN c.status IN ('bankrupt', 'closed') THEN 'customer is ' || c.status
           WHEN c.do_not_contact THEN 'customer is do_not_contact'
           WHEN n.channel NOT IN ('agency', 'internal')
                AND EXISTS (SELECT 1 FROM ar.promise p
                             WHERE p.customer_id = c.customer_id AND p.status = 'pending'
                               AND p.created_at > n.created_at) THEN 'promise to pay made after it was queued'
           WHEN EXISTS (SELECT 1 FROM ar.dunning_hold h
                         WHERE h.customer_id = c.customer_id AND h.released_on IS NULL
                           AND h.created_at > n.created_at
                           AND h.until >= (pg_catalog.now() AT TIME ZONE c.time_zone)::date)
             THEN 'dunning hold set after it was queued'
           WHEN n.payload ? 'invoices'
                AND NOT EXISTS (SELECT 1
                                  FROM pg_catalog.jsonb_array_elements(n.payload -> 'invoices') AS e(inv)
                                  JOIN ar.invoice i ON i.invoice_id = (e.inv ->> 'invoice_id')::bigint
                                 WHERE i.status = 'open') THEN 'customer paid'
         END
    FROM ar.customer c
   WHERE c.customer_id = n.customer_id
$$;
COMMENT ON FUNCTION ar.notification_stale_reason(ar.notification) IS
  'Why a queued dunning notice should be cancelled rather than sent (paid, paused since), or NULL (internal)';

CREATE FUNCTION ar.claim_notifications(channel text, batch integer DEFAULT 100, worker text DEFAULT NULL,
                                       lease interval DEFAULT '5 minutes')
  RETURNS SETOF ar.notification
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  chan text := claim_notifications.channel;
BEGIN
  IF chan IS NULL OR chan NOT IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook') THEN
    RAISE EXCEPTION 'unknown channel "%"', chan
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Channels are email, sms, letter, call, agency, retry, internal and webhook.';
  END IF;
  IF batch IS NULL OR batch < 1 OR batch > 10000 THEN
    RAISE EXCEPTION 'batch size % is out of range', batch
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Claim between 1 and 10000 notices at a time.';
  END IF;
  IF lease IS NULL OR lease <= interval '0' OR lease > interval '1 day' THEN
    RAISE EXCEPTION 'lease % is out of range', lease
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give a lease longer than zero and at most one day.';
  END IF;

  -- Due rows, with expired leases reclaimed; SKIP LOCKED lets workers run
  -- side by side without waiting for each other.  A dunning notice whose
  -- reason is gone (paid, paused meanwhile) is cancelled instead of handed out.
  RETURN QUERY
  WITH picked AS (
    SELECT n.notification_id, ar.notification_stale_reason(n) AS stale_reason
      FROM ar.notification n
     WHERE n.channel = chan
       AND n.scheduled_for <= pg_catalog.now()
       AND (n.status = 'queued' OR (n.status = 'sending' AND n.locked_until < pg_catalog.now()))
     ORDER BY n.scheduled_for, n.notification_id
     LIMIT batch
       FOR UPDATE SKIP LOCKED
  ), cancelled AS (
    UPDATE ar.notification n
       SET status = 'cancelled', last_error = p.stale_reason, locked_by = NULL, locked_until = NULL,
           updated_at = pg_catalog.now()
      FROM picked p
     WHERE n.notification_id = p.notification_id AND p.stale_reason IS NOT NULL
    RETURNING n.notification_id
  )
  UPDATE ar.notification n
     SET status = 'sending', attempts = n.attempts + 1,
         locked_by = COALESCE(worker, NULLIF(pg_catalog.current_setting('application_name'), ''), 'worker'),
         locked_until = pg_catalog.now() + lease, updated_at = pg_catalog.now()
    FROM picked p
   WHERE n.notification_id = p.notification_id AND p.stale_reason IS NULL
  RETURNING n.*;
END
$$;
COMMENT ON FUNCTION ar.claim_notifications(text, integer, text, interval) IS
  'Hands out up to batch due notices of a channel under a lease (FOR UPDATE SKIP LOCKED; expired leases reclaimed); dunning notices whose customer paid or was paused meanwhile are cancelled instead';

CREATE FUNCTION ar.complete_notification(notification_id bigint, provider_ref text DEFAULT NULL) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n ar.notification;
BEGIN
  SELECT * INTO n FROM ar.notification x WHERE x.notification_id = complete_notification.notification_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown notification %', complete_notification.notification_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF n.status = 'sent' THEN
    RETURN;   -- a worker repeating its completion changes nothing
  END IF;
  IF n.status <> 'sending' THEN
    RAISE EXCEPTION 'notification % is %, not claimed', n.notification_id, n.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Complete only notices handed out by ar.claim_notifications.';
  END IF;
  UPDATE ar.notification x
     SET status = 'sent', sent_at = pg_catalog.now(), provider_ref = complete_notification.provider_ref,
         locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = pg_catalog.now()
   WHERE x.notification_id = n.notification_id;
  INSERT INTO ar.contact_log (customer_id, notification_id, channel, direction, outcome, note)
  VALUES (n.customer_id, n.notification_id, n.channel, 'outbound', 'sent',
          COALESCE(n.subject, n.template));
END
$$;
COMMENT ON FUNCTION ar.complete_notification(bigint, text) IS
  'Marks a claimed notice sent and records the contact in ar.contact_log; repeating it is a no-op';

CREATE FUNCTION ar.fail_notification(notification_id bigint, error text, retry_after interval DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n ar.notification;
BEGIN
  SELECT * INTO n FROM ar.notification x WHERE x.notification_id = fail_notification.notification_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown notification %', fail_notification.notification_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF n.status <> 'sending' THEN
    RAISE EXCEPTION 'notification % is %, not claimed', n.notification_id, n.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Fail only notices handed out by ar.claim_notifications.';
  END IF;
  IF retry_after IS NOT NULL AND retry_after < interval '0' THEN
    RAISE EXCEPTION 'retry_after % is negative', retry_after
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF n.attempts >= n.max_attempts THEN
    UPDATE ar.notification x
       SET status = 'dead', last_error = error, locked_by = NULL, locked_until = NULL,
           updated_at = pg_catalog.now()
     WHERE x.notification_id = n.notification_id;
    INSERT INTO ar.contact_log (customer_id, notification_id, channel, direction, outcome, note)
    VALUES (n.customer_id, n.notification_id, n.channel, 'outbound', 'undeliverable', error);
  ELSE
    -- Exponential backoff: 1, 2, 4, 8 ... minutes after each failed attempt,
    -- at most 6 hours, unless the worker knows better (e.g. a rate limit).
    UPDATE ar.notification x
       SET status = 'queued', last_error = error, locked_by = NULL, locked_until = NULL,
           scheduled_for = pg_catalog.now()
                           + COALESCE(retry_after,
                                      LEAST(interval '1 minute' * power(2, GREATEST(n.attempts - 1, 0)),
                                            interval '6 hours')),
           updated_at = pg_catalog.now()
     WHERE x.notification_id = n.notification_id;
  END IF;
END
$$;
COMMENT ON FUNCTION ar.fail_notification(bigint, text, interval) IS
  'Records a failed delivery: requeues with exponential backoff (or after retry_after), dead after max_attempts';

CREATE FUNCTION ar.log_contact(customer_id bigint, channel text, outcome text, note text DEFAULT NULL)
  RETURNS bigint
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  id bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ar.customer c WHERE c.customer_id = log_contact.customer_id) THEN
    RAISE EXCEPTION 'unknown customer %', log_contact.customer_id USING ERRCODE = 'no_data_found';
  END IF;
  IF channel IS NULL OR channel NOT IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook',
                                        'visit', 'meeting', 'other') THEN
    RAISE EXCEPTION 'unknown contact channel "%"', channel
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use email, sms, letter, call, visit, meeting or other.';
  END IF;
  IF outcome IS NULL OR outcome = '' THEN
    RAISE EXCEPTION 'a contact needs an outcome' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'For example reached, no_answer, left_message, promise, dispute.';
  END IF;
  INSERT INTO ar.contact_log (customer_id, channel, direction, outcome, note)
  VALUES (log_contact.customer_id, log_contact.channel, 'outbound', log_contact.outcome, log_contact.note)
  RETURNING contact_log_id INTO id;
  RETURN id;
END
$$;
COMMENT ON FUNCTION ar.log_contact(bigint, text, text, text) IS
  'Records a manual contact (call, visit, ...) with a customer; returns the contact_log_id';

CREATE FUNCTION ar.complete_task(task_id bigint, outcome text, status text DEFAULT 'done') RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t ar.task;
BEGIN
  IF complete_task.status NOT IN ('done', 'cancelled') THEN
    RAISE EXCEPTION 'a task ends as done or cancelled, not "%"', complete_task.status
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO t FROM ar.task x WHERE x.task_id = complete_task.task_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown task %', complete_task.task_id USING ERRCODE = 'no_data_found';
  END IF;
  IF t.status <> 'open' THEN
    RAISE EXCEPTION 'task % is already %', t.task_id, t.status USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE ar.task x SET status = complete_task.status, outcome = complete_task.outcome, completed_at = pg_catalog.now()
   WHERE x.task_id = t.task_id;
  IF t.kind = 'call' AND complete_task.status = 'done' THEN
    INSERT INTO ar.contact_log (customer_id, channel, direction, outcome, note)
    VALUES (t.customer_id, 'call', 'outbound', COALESCE(complete_task.outcome, 'done'), t.note);
  END IF;
END
$$;
COMMENT ON FUNCTION ar.complete_task(bigint, text, text) IS
  'Closes a collector task as done (a done call is logged as a contact) or cancelled';

SELECT pg_catalog.pg_extension_config_dump('ar.notification', '');
SELECT pg_catalog.pg_extension_config_dump('ar.contact_log', '');
SELECT pg_catalog.pg_extension_config_dump('ar.task', '');
SELECT pg_catalog.pg_extension_config_dump('ar.notification_notification_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.contact_log_contact_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.task_task_id_seq', '');
-- What a dunning step puts in a notice, charges, and hands over.

-- The data a notice template is rendered with: exactly the data contract of
-- docs/templates.md, amounts and dates formatted for the customer's locale.
-- Built by plain expressions so that PostgreSQL inlines them into the
-- set-based queries of run_dunning and run_alerts (hence no SET clause:
-- every name is qualified instead).

-- One listed invoice; raw invoice_id and open_amount_value stay beside the
-- formatted values for workers and for ar.claim_notifications.
CREATE FUNCTION ar.notice_invoice(invoice_id bigint, invoice_no text, issue_date date, due_date date, amount numeric,
                                  open_amount numeric, days_past_due integer, currency char(3), locale text)
  RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN pg_catalog.jsonb_build_object(
           'invoice_id', invoice_id, 'invoice_no', invoice_no,
           'issue_date', ar.format_date(issue_date, locale), 'due_date', ar.format_date(due_date, locale),
           'amount', ar.format_money(amount, currency, locale),
           'open_amount', ar.format_money(open_amount, currency, locale),
           'open_amount_value', open_amount, 'days_past_due', days_past_due);
COMMENT ON FUNCTION ar.notice_invoice(bigint, text, date, date, numeric, numeric, integer, char, text) IS
  'One invoice of a notice''s data: formatted dates and amounts, with the raw id and open amount (internal)';

-- The whole data object, given the customer, the listed invoices (built
-- with ar.notice_invoice, oldest due first) and their totals, and the
-- company object of the customer's locale (ar.template_company).
CREATE FUNCTION ar.notice_data(c ar.customer, currency char(3), local_date date, overdue_total numeric,
                               invoices jsonb, listed_total numeric, listed_count bigint, oldest_days integer,
                               company jsonb)
  RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN pg_catalog.jsonb_build_object(
           'today', ar.format_date(local_date, c.locale),
           'pay_by', ar.format_date(local_date + 7, c.locale),
           'currency', currency,
           'total_overdue', ar.format_money(overdue_total, currency, c.locale),
           'total_amount', ar.format_money(listed_total, currency, c.locale),
           'invoice_count', listed_count,
           'days_past_due', oldest_days,
           'invoices', invoices,
           'customer', pg_catalog.jsonb_build_object('code', c.customer_code, 'name', c.name,
                                                     'email', COALESCE(c.email, ''), 'phone', COALESCE(c.phone, '')),
           'company', company,
           'collector', COALESCE(c.collector, ''),
           'promise', NULL,
           'alert', NULL);
COMMENT ON FUNCTION ar.notice_data(ar.customer, char, date, numeric, jsonb, numeric, bigint, integer, jsonb) IS
  'Template data of a notice, per the data contract of docs/templates.md (internal)';

-- Everything a collection agency needs about a customer: open invoices,
-- contacts, promises, disputes, payments.
CREATE FUNCTION ar.dunning_case_file(customer_id bigint) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.jsonb_build_object(
    'case', pg_catalog.jsonb_build_object(
      'customer', (SELECT pg_catalog.to_jsonb(c) - 'metadata' FROM ar.customer c WHERE c.customer_id = $1),
      'open_invoices', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(i) ORDER BY i.due_date)
                                   FROM ar.invoice i WHERE i.customer_id = $1 AND i.status = 'open'), '[]'),
      'payments', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                     'received_on', p.received_on, 'amount', p.amount, 'currency', p.currency,
                                     'unapplied_amount', p.unapplied_amount) ORDER BY p.received_on)
                              FROM ar.payment p WHERE p.customer_id = $1 AND p.status = 'received'), '[]'),
      'contacts', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l) ORDER BY l.contacted_at)
                              FROM ar.contact_log l WHERE l.customer_id = $1), '[]'),
      'promises', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(pr) ORDER BY pr.made_on)
                              FROM ar.promise pr WHERE pr.customer_id = $1), '[]'),
      'disputes', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(d) ORDER BY d.opened_on)
                              FROM ar.dispute d WHERE d.customer_id = $1), '[]')))
$$;
COMMENT ON FUNCTION ar.dunning_case_file(bigint) IS
  'The whole case of a customer (open invoices, payments, contacts, promises, disputes) as handed to a collection agency';

-- fee= and interest= options of the steps being sent (rows of the run's
-- pg_temp.ar_dun_sent): a fee invoice, and late interest (annual %,
-- actual/365, on the open amount, each day once from the day after the due
-- date) as one interest invoice per step.  Invoice numbers derive from
-- episode and step, so a step is charged once.
CREATE FUNCTION ar.dunning_charge_fees(as_of timestamptz) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  WITH fee AS (
    INSERT INTO ar.invoice (customer_id, invoice_no, kind, issue_date, due_date, currency, amount, description, metadata)
    SELECT sn.customer_id, 'FEE-' || sn.episode_id || '-' || sn.step_no, 'fee', sn.local_date, sn.local_date,
           sn.currency, pg_catalog.round(sn.fee_amount, cur.minor_unit),
           pg_catalog.format('Dunning fee (step %s)', sn.step_no),
           pg_catalog.jsonb_build_object('episode_id', sn.episode_id, 'step_no', sn.step_no)
      FROM pg_temp.ar_dun_sent sn
      JOIN ar.currency cur ON cur.code = sn.currency
     WHERE pg_catalog.round(sn.fee_amount, cur.minor_unit) > 0
       AND NOT EXISTS (SELECT 1 FROM ar.invoice i WHERE i.invoice_no = 'FEE-' || sn.episode_id || '-' || sn.step_no)
    RETURNING invoice_id, customer_id, currency, amount, (metadata ->> 'episode_id')::bigint AS episode_id,
              (metadata ->> 'step_no')::integer AS step_no
  )
  INSERT INTO pg_temp.ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, step_no, reason, invoice_id)
  SELECT f.customer_id, f.currency, f.episode_id, sn.policy_id, 'fee_charged', f.step_no,
         'fee ' || f.amount, f.invoice_id
    FROM fee f JOIN pg_temp.ar_dun_sent sn ON sn.episode_id = f.episode_id AND sn.step_no = f.step_no;

  -- Interest accrues per overdue invoice (not on fees or interest) from the
  -- day after its due date or after the last day already charged.
  CREATE TEMP TABLE ar_dun_interest ON COMMIT DROP AS
  SELECT sn.customer_id, sn.currency, sn.episode_id, sn.step_no, sn.policy_id, sn.interest_rate, it.invoice_id,
         it.open_amount, GREATEST(it.due_date + 1, COALESCE(last.through_date + 1, it.due_date + 1)) AS from_date,
         sn.local_date AS through_date
    FROM pg_temp.ar_dun_sent sn
    JOIN pg_temp.ar_dun_items it ON it.customer_id = sn.customer_id AND it.currency = sn.currency AND it.dpd >= 1
    JOIN ar.invoice i ON i.invoice_id = it.invoice_id AND i.kind = 'invoice'
    LEFT JOIN LATERAL (SELECT pg_catalog.max(ic.through_date) AS through_date
                         FROM ar.interest_charge ic WHERE ic.invoice_id = it.invoice_id) last ON true
   WHERE sn.interest_rate > 0
     AND NOT EXISTS (SELECT 1 FROM ar.invoice x WHERE x.invoice_no = 'INT-' || sn.episode_id || '-' || sn.step_no);
  DELETE FROM ar_dun_interest WHERE from_date > through_date;

  WITH per_step AS (
    SELECT x.customer_id, x.currency, x.episode_id, x.step_no, x.policy_id,
           pg_catalog.round(pg_catalog.sum(x.open_amount * x.interest_rate / 100
                                           * (x.through_date - x.from_date + 1) / 365), cur.minor_unit) AS amount,
           pg_catalog.max(x.through_date) AS local_date
      FROM ar_dun_interest x JOIN ar.currency cur ON cur.code = x.currency
     GROUP BY x.customer_id, x.currency, x.episode_id, x.step_no, x.policy_id, cur.minor_unit
  ), billed AS (
    INSERT INTO ar.invoice (customer_id, invoice_no, kind, issue_date, due_date, currency, amount, description, metadata)
    SELECT s.customer_id, 'INT-' || s.episode_id || '-' || s.step_no, 'interest', s.local_date, s.local_date,
           s.currency, s.amount, pg_catalog.format('Late interest (step %s)', s.step_no),
           pg_catalog.jsonb_build_object('episode_id', s.episode_id, 'step_no', s.step_no)
      FROM per_step s WHERE s.amount > 0
    RETURNING invoice_id, (metadata ->> 'episode_id')::bigint AS episode_id, (metadata ->> 'step_no')::integer AS step_no
  ), charged AS (
    INSERT INTO ar.interest_charge (customer_id, invoice_id, interest_invoice_id, from_date, through_date,
                                    principal, rate, amount)
    SELECT x.customer_id, x.invoice_id, b.invoice_id, x.from_date, x.through_date, x.open_amount, x.interest_rate,
           x.open_amount * x.interest_rate / 100 * (x.through_date - x.from_date + 1) / 365
      FROM ar_dun_interest x JOIN billed b ON b.episode_id = x.episode_id AND b.step_no = x.step_no
    RETURNING interest_invoice_id
  )
  INSERT INTO pg_temp.ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, step_no, reason, invoice_id)
  SELECT s.customer_id, s.currency, s.episode_id, s.policy_id, 'interest_charged', s.step_no,
         'interest ' || s.amount, b.invoice_id
    FROM per_step s JOIN billed b ON b.episode_id = s.episode_id AND b.step_no = s.step_no;
  DROP TABLE ar_dun_interest;
END
$$;
COMMENT ON FUNCTION ar.dunning_charge_fees(timestamptz) IS
  'Charges the fee= and interest= options of the dunning steps being sent (internal part of ar.run_dunning)';
-- ar.run_dunning: every day, for every customer with an eligible overdue (or
-- soon-due) balance, decide whether and how to remind them, and queue each
-- reminder exactly once.  Set-based over the whole book; the ladder logic
-- (ar.next_step) and the rendering (ar.render_template) are in C.
-- docs/dunning.md describes the rules this file implements.

-- The next moment a notice may go out: inside the policy's daily window in
-- the customer's time zone, on a business day of the policy's calendar.
CREATE FUNCTION ar.next_send_time(from_time timestamptz, time_zone text, send_from time, send_until time,
                                  business_days_only boolean, calendar text)
  RETURNS timestamptz
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  local_ts timestamp := from_time AT TIME ZONE time_zone;
  d date := local_ts::date;
  t time := local_ts::time;
BEGIN
  IF t >= send_until THEN
    d := d + 1;
    t := send_from;
  ELSIF t < send_from THEN
    t := send_from;
  END IF;
  IF business_days_only AND NOT ar.is_business_day(d, calendar) THEN
    d := ar.adjust_business_day(d, 'following', calendar);
    t := send_from;
  END IF;
  IF (d + t) AT TIME ZONE time_zone < from_time THEN
    RETURN from_time;       -- inside the window already
  END IF;
  RETURN (d + t) AT TIME ZONE time_zone;
END
$$;
COMMENT ON FUNCTION ar.next_send_time(timestamptz, text, time, time, boolean, text) IS
  'Earliest time at or after from_time inside the send window (local send_from..send_until, business days of the calendar) of a customer''s time zone';

-- Where a notice of a channel goes for a customer, or NULL when there is
-- nowhere to send it.
CREATE FUNCTION ar.notice_recipient(c ar.customer, channel text) RETURNS text
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE channel
           WHEN 'email' THEN NULLIF(c.email, '')
           WHEN 'sms' THEN NULLIF(c.phone, '')
           WHEN 'letter' THEN COALESCE(NULLIF(c.address, ''), NULLIF(c.metadata ->> 'address', ''))
           WHEN 'internal' THEN COALESCE(NULLIF(c.collector, ''), 'ar_collector')
           WHEN 'webhook' THEN COALESCE(NULLIF(c.metadata ->> 'webhook_url', ''), 'default')
           ELSE COALESCE(NULLIF(c.email, ''), c.customer_code)
         END
$$;
COMMENT ON FUNCTION ar.notice_recipient(ar.customer, text) IS
  'Recipient of a notice on a channel: email address, phone number, postal address, collector role, webhook; NULL when unknown (internal)';

CREATE FUNCTION ar.run_dunning_core(as_of timestamptz, only_policy bigint)
  RETURNS TABLE (customer_id bigint, step_no integer, channel text, template text,
                 notification_id bigint, skipped_reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  default_policy bigint;
  lookahead integer;
BEGIN
  SELECT p.dunning_policy_id INTO default_policy FROM ar.dunning_policy p WHERE p.is_default;

  -- Ladders in use (policies and the ladders open episodes started with),
  -- unpacked once per distinct ladder.
  -- (A second run in the same transaction finds the first one's tables.)
  IF pg_catalog.to_regclass('pg_temp.ar_dun_steps') IS NOT NULL THEN
    DROP TABLE IF EXISTS pg_temp.ar_dun_steps, pg_temp.ar_dun_items, pg_temp.ar_dun_cand,
                         pg_temp.ar_dun_decision, pg_temp.ar_dun_sent;
  END IF;
  CREATE TEMP TABLE ar_dun_steps ON COMMIT DROP AS
  SELECT l.ladder_text, s.step_no, s.offset_days, s.channel, s.template, s.min_amount, s.gap_days,
         s.terminal, s.fee_amount, s.interest_rate
    FROM (SELECT p.ladder::text AS ladder_text FROM ar.dunning_policy p WHERE p.active
          UNION
          SELECT e.ladder::text FROM ar.dunning_episode e WHERE e.status = 'open') l,
         LATERAL ar.ladder_steps(l.ladder_text::ar.escalation_ladder) s;
  CREATE INDEX ON ar_dun_steps (ladder_text, step_no);
  ANALYZE ar_dun_steps;
  SELECT GREATEST(0, -MIN(s.offset_days)) INTO lookahead FROM ar_dun_steps s;

  -- Eligible items: open invoices not in an open dispute, due by the furthest
  -- pre-due step of any ladder.  Days past due count in the customer's zone.
  CREATE TEMP TABLE ar_dun_items ON COMMIT DROP AS
  SELECT i.customer_id, i.currency, i.invoice_id, i.invoice_no, i.issue_date, i.due_date,
         i.amount, i.open_amount, i.dunning_level,
         (as_of AT TIME ZONE c.time_zone)::date - i.due_date AS dpd
    FROM ar.invoice i
    JOIN ar.customer c ON c.customer_id = i.customer_id
   WHERE i.status = 'open'
     AND i.due_date <= (as_of AT TIME ZONE 'UTC')::date + COALESCE(lookahead, 0) + 1
     AND (as_of AT TIME ZONE c.time_zone)::date - i.due_date >= -COALESCE(lookahead, 0)
     AND NOT EXISTS (SELECT 1 FROM ar.dispute d WHERE d.invoice_id = i.invoice_id AND d.status = 'open');
  CREATE INDEX ON ar_dun_items (customer_id, currency);
  ANALYZE ar_dun_items;

  -- One candidate per customer and currency: with eligible items, or with an
  -- open episode to close.
  CREATE TEMP TABLE ar_dun_cand ON COMMIT DROP AS
  WITH keys AS (
    SELECT DISTINCT it.customer_id, it.currency FROM ar_dun_items it
    UNION
    SELECT e.customer_id, e.currency FROM ar.dunning_episode e WHERE e.status = 'open'
  )
  SELECT k.customer_id, k.currency,
         (as_of AT TIME ZONE c.time_zone)::date AS local_date,
         e.dunning_episode_id AS episode_id, e.last_step, e.last_notice_at,
         COALESCE(e.policy_id, c.dunning_policy_id, default_policy) AS policy_id,
         COALESCE(e.ladder::text, p.ladder::text) AS ladder_text,
         NULL::integer AS first_offset, NULL::integer AS last_step_offset,
         NULL::integer AS max_dpd, NULL::integer AS eff_dpd, NULL::numeric AS overdue_amount,
         NULL::numeric AS overdue_total,
         false AS in_range, NULL::integer AS next_step
    FROM keys k
    JOIN ar.customer c ON c.customer_id = k.customer_id
    LEFT JOIN ar.dunning_episode e
           ON e.customer_id = k.customer_id AND e.currency = k.currency AND e.status = 'open'
    LEFT JOIN ar.dunning_policy p ON p.dunning_policy_id = COALESCE(c.dunning_policy_id, default_policy);
  -- Only the policy asked for, and only active policies.
  DELETE FROM ar_dun_cand x
   WHERE x.policy_id IS NULL
      OR (only_policy IS NOT NULL AND x.policy_id <> only_policy)
      OR NOT EXISTS (SELECT 1 FROM ar.dunning_policy p WHERE p.dunning_policy_id = x.policy_id AND p.active);
  CREATE UNIQUE INDEX ON ar_dun_cand (customer_id, currency);
  CREATE INDEX ON ar_dun_cand (episode_id);
  ANALYZE ar_dun_cand;    -- temp tables get no autovacuum: plans need the row counts

  -- Position on the ladder: days past due of the oldest eligible item (less
  -- the policy's grace days once overdue) and the amount the steps' minimums
  -- are checked against (the overdue total; before the due date, what falls
  -- due within the pre-due window).
  UPDATE ar_dun_cand x
     SET first_offset = v.first_offset,
         last_step_offset = COALESCE(v.last_step_offset, -2147483648),
         max_dpd = v.max_dpd,
         eff_dpd = CASE WHEN v.max_dpd > 0 THEN GREATEST(v.max_dpd - v.grace_days, 0) ELSE v.max_dpd END,
         overdue_amount = CASE WHEN v.max_dpd > 0 THEN v.overdue ELSE v.soon_due END,
         overdue_total = COALESCE(v.overdue, 0)
    FROM (SELECT y.customer_id, y.currency, p.grace_days, f.first_offset, ls.offset_days AS last_step_offset,
                 a.max_dpd, a.overdue, a.soon_due
            FROM ar_dun_cand y
            JOIN ar.dunning_policy p ON p.dunning_policy_id = y.policy_id
            CROSS JOIN LATERAL (SELECT MIN(s.offset_days) AS first_offset FROM ar_dun_steps s
                                 WHERE s.ladder_text = y.ladder_text) f
            LEFT JOIN ar_dun_steps ls ON ls.ladder_text = y.ladder_text AND ls.step_no = y.last_step
            LEFT JOIN LATERAL (SELECT MAX(it.dpd) AS max_dpd,
                                      SUM(it.open_amount) FILTER (WHERE it.dpd > 0) AS overdue,
                                      SUM(it.open_amount) FILTER (WHERE it.dpd >= f.first_offset) AS soon_due
                                 FROM ar_dun_items it
                                WHERE it.customer_id = y.customer_id AND it.currency = y.currency) a ON true) v
   WHERE v.customer_id = x.customer_id AND v.currency = x.currency;
  UPDATE ar_dun_cand x SET in_range = (x.max_dpd IS NOT NULL AND x.eff_dpd >= x.first_offset);

  -- Episodes end when nothing is overdue any more (or nothing is in range).
  CREATE TEMP TABLE ar_dun_decision (
    customer_id bigint, currency char(3), episode_id bigint, policy_id bigint,
    decision text, step_no integer, channel text, template text, reason text,
    days_past_due integer, overdue_amount numeric, notification_id bigint, task_id bigint, invoice_id bigint
  ) ON COMMIT DROP;

  WITH closed AS (
    UPDATE ar.dunning_episode e
       SET status = 'closed', ended_on = x.local_date,
           close_reason = CASE WHEN x.max_dpd IS NULL THEN 'settled'
                               WHEN x.in_range THEN 'nothing_overdue' ELSE 'out_of_range' END
      FROM ar_dun_cand x
     WHERE e.dunning_episode_id = x.episode_id
       AND (NOT x.in_range OR (x.max_dpd <= 0 AND x.last_step_offset > 0))
    RETURNING e.dunning_episode_id, e.customer_id, e.currency, e.policy_id, e.close_reason
  )
  INSERT INTO ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, reason)
  SELECT c.customer_id, c.currency, c.dunning_episode_id, c.policy_id, 'episode_ended', c.close_reason
    FROM closed c;
  -- A closed episode's customer starts afresh under the current policy.
  UPDATE ar_dun_cand x
     SET episode_id = NULL, last_step = 0, last_notice_at = NULL,
         policy_id = COALESCE(c.dunning_policy_id, default_policy),
         ladder_text = p.ladder::text
    FROM ar_dun_decision d, ar.customer c, ar.dunning_policy p
   WHERE d.decision = 'episode_ended' AND d.episode_id = x.episode_id
     AND c.customer_id = x.customer_id
     AND p.dunning_policy_id = COALESCE(c.dunning_policy_id, default_policy);
  -- (A new ladder may not have been unpacked yet.)
  INSERT INTO ar_dun_steps
  SELECT l.ladder_text, s.step_no, s.offset_days, s.channel, s.template, s.min_amount, s.gap_days,
         s.terminal, s.fee_amount, s.interest_rate
    FROM (SELECT DISTINCT x.ladder_text FROM ar_dun_cand x
           WHERE NOT EXISTS (SELECT 1 FROM ar_dun_steps s WHERE s.ladder_text = x.ladder_text)) l,
         LATERAL ar.ladder_steps(l.ladder_text::ar.escalation_ladder) s;
  UPDATE ar_dun_cand x
     SET first_offset = f.first_offset, last_step_offset = -2147483648,
         in_range = (x.max_dpd IS NOT NULL AND x.eff_dpd >= f.first_offset)
    FROM (SELECT s.ladder_text, MIN(s.offset_days) AS first_offset FROM ar_dun_steps s GROUP BY s.ladder_text) f
   WHERE x.episode_id IS NULL AND f.ladder_text = x.ladder_text;

  -- New episodes for customers in range without one.
  WITH opened AS (
    INSERT INTO ar.dunning_episode (customer_id, currency, policy_id, ladder, started_on)
    SELECT x.customer_id, x.currency, x.policy_id, x.ladder_text::ar.escalation_ladder, x.local_date
      FROM ar_dun_cand x
     WHERE x.episode_id IS NULL AND x.in_range
    ON CONFLICT (customer_id, currency) WHERE status = 'open' DO NOTHING
    RETURNING dunning_episode_id, customer_id, currency, policy_id
  )
  INSERT INTO ar_dun_decision (customer_id, currency, episode_id, policy_id, decision)
  SELECT o.customer_id, o.currency, o.dunning_episode_id, o.policy_id, 'episode_started' FROM opened o;
  UPDATE ar_dun_cand x SET episode_id = e.dunning_episode_id, last_step = e.last_step, last_notice_at = e.last_notice_at
    FROM ar.dunning_episode e
   WHERE x.episode_id IS NULL AND x.in_range
     AND e.customer_id = x.customer_id AND e.currency = x.currency AND e.status = 'open';
  DELETE FROM ar_dun_cand x WHERE x.episode_id IS NULL;

  -- The step due now, decided in C.
  UPDATE ar_dun_cand x
     SET next_step = ar.next_step(x.ladder_text::ar.escalation_ladder, x.eff_dpd, x.overdue_amount, x.last_step,
                                  x.local_date - (x.last_notice_at AT TIME ZONE c.time_zone)::date)
    FROM ar.customer c
   WHERE c.customer_id = x.customer_id;

  -- What stands in the way of the step: pauses keep the step pending (it is
  -- sent when the pause ends, or passed over if a higher step is reached by
  -- then); an opt-out or a missing address skips it for good.
  INSERT INTO ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, step_no, channel, template,
                               reason, days_past_due, overdue_amount)
  SELECT x.customer_id, x.currency, x.episode_id, x.policy_id,
         CASE WHEN r.reason IS NULL THEN 'sent'
              WHEN r.reason IN ('opted_out', 'no_recipient') THEN 'skipped'
              ELSE 'paused' END,
         x.next_step, s.channel, s.template, r.reason, x.max_dpd, x.overdue_amount
    FROM ar_dun_cand x
    JOIN ar.customer c ON c.customer_id = x.customer_id
    JOIN ar.dunning_policy p ON p.dunning_policy_id = x.policy_id
    JOIN ar_dun_steps s ON s.ladder_text = x.ladder_text AND s.step_no = x.next_step
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN c.status IN ('bankrupt', 'closed') THEN 'status_' || c.status
        WHEN c.status = 'in_collections' THEN 'in_collections'
        WHEN c.status = 'on_hold' THEN 'on_hold'
        WHEN c.do_not_contact AND s.channel <> 'internal' THEN 'do_not_contact'
        WHEN EXISTS (SELECT 1 FROM ar.dunning_hold h
                      WHERE h.customer_id = x.customer_id AND h.released_on IS NULL
                        AND h.until >= x.local_date) THEN 'hold'
        WHEN EXISTS (SELECT 1 FROM ar.promise pr
                      WHERE pr.customer_id = x.customer_id AND pr.status = 'pending'
                        AND pr.made_on <= x.local_date
                        AND pr.promised_on + pr.grace_days >= x.local_date) THEN 'promise'
        WHEN x.overdue_amount < p.min_overdue_amount THEN 'below_minimum'
        WHEN p.max_notices_per_week IS NOT NULL
             AND (SELECT count(*) FROM ar.notification n
                   WHERE n.customer_id = x.customer_id AND n.policy_id IS NOT NULL
                     AND n.status <> 'cancelled'
                     AND n.scheduled_for > as_of - interval '7 days') >= p.max_notices_per_week THEN 'weekly_cap'
        WHEN s.channel = ANY (c.opted_out_channels) THEN 'opted_out'
        WHEN s.channel IN ('email', 'sms', 'letter') AND ar.notice_recipient(c, s.channel) IS NULL THEN 'no_recipient'
        WHEN s.channel NOT IN ('call', 'agency', 'retry', 'webhook')
             AND NOT EXISTS (SELECT 1 FROM ar.template t
                              WHERE t.template_code = COALESCE(s.template, s.channel) AND t.channel = s.channel)
             THEN 'no_template'
      END AS reason) r
   WHERE x.next_step IS NOT NULL;

  ANALYZE ar_dun_decision;

  -- Steps passed over on the way (a late first run, a pause that ended)
  -- are recorded as skipped, so a late run is visible, never silent.
  INSERT INTO ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, step_no, channel, template,
                               reason, days_past_due, overdue_amount)
  SELECT x.customer_id, x.currency, x.episode_id, x.policy_id, 'skipped', s.step_no, s.channel, s.template,
         'passed_over', x.max_dpd, x.overdue_amount
    FROM ar_dun_decision d
    JOIN ar_dun_cand x ON x.episode_id = d.episode_id
    JOIN ar_dun_steps s ON s.ladder_text = x.ladder_text AND s.step_no > x.last_step AND s.step_no < d.step_no
   WHERE d.decision IN ('sent', 'skipped') AND d.step_no IS NOT NULL;

  -- Queue the notices.  Consolidated policies send one per customer listing
  -- every listed invoice; the others one per invoice.
  CREATE TEMP TABLE ar_dun_sent ON COMMIT DROP AS
  SELECT d.customer_id, d.currency, d.episode_id, d.policy_id, d.step_no, d.channel,
         COALESCE(d.template, d.channel) AS template, s.offset_days, s.fee_amount, s.interest_rate, x.local_date, x.max_dpd, x.overdue_amount,
         x.overdue_total, p.consolidate, p.send_from, p.send_until, p.business_days_only, p.calendar
    FROM ar_dun_decision d
    JOIN ar_dun_cand x ON x.episode_id = d.episode_id
    JOIN ar_dun_steps s ON s.ladder_text = x.ladder_text AND s.step_no = d.step_no
    JOIN ar.dunning_policy p ON p.dunning_policy_id = d.policy_id
   WHERE d.decision = 'sent' AND d.step_no IS NOT NULL;
  ANALYZE ar_dun_sent;

  PERFORM ar.dunning_charge_fees(as_of);

  WITH company AS (
    SELECT l.locale, ar.template_company(l.locale) AS obj FROM pg_catalog.unnest(ARRAY['ja', 'en']) AS l(locale)
  ), notice AS MATERIALIZED (      -- (data is used three times below: build it once)
    SELECT sn.*, c AS cust, grp.group_key, grp.invoices,
           ar.notice_data(c, sn.currency, sn.local_date, sn.overdue_total, grp.invoices, grp.total, grp.n,
                          grp.oldest, co.obj) AS data
      FROM ar_dun_sent sn
      JOIN ar.customer c ON c.customer_id = sn.customer_id
      JOIN company co ON co.locale = c.locale
      CROSS JOIN LATERAL (
        SELECT CASE WHEN sn.consolidate THEN '' ELSE ':' || it.invoice_id END AS group_key,
               pg_catalog.jsonb_agg(ar.notice_invoice(it.invoice_id, it.invoice_no, it.issue_date, it.due_date,
                                                      it.amount, it.open_amount, it.dpd, sn.currency, c.locale)
                                    ORDER BY it.due_date, it.invoice_id) AS invoices,
               pg_catalog.sum(it.open_amount) AS total, pg_catalog.count(*) AS n, pg_catalog.max(it.dpd) AS oldest
          FROM ar_dun_items it
         WHERE it.customer_id = sn.customer_id AND it.currency = sn.currency
           AND it.dpd >= CASE WHEN sn.offset_days > 0 THEN 1 ELSE sn.offset_days END
         GROUP BY 1) grp
     WHERE sn.channel <> 'call'
  ), queued AS (
    INSERT INTO ar.notification (customer_id, policy_id, episode_id, step_no, channel, template, locale,
                                 recipient, subject, body, payload, dedupe_key, scheduled_for)
    SELECT n.customer_id, n.policy_id, n.episode_id, n.step_no, n.channel, n.template, t.locale,
           ar.notice_recipient(n.cust, n.channel),
           ar.render_template(t.subject, n.data), ar.render_template(t.body, n.data),
           CASE WHEN n.channel = 'agency' THEN n.data || ar.dunning_case_file(n.customer_id)
                ELSE n.data END,
           'dunning:' || n.episode_id || ':' || n.step_no || n.group_key,
           ar.next_send_time(as_of, (n.cust).time_zone, n.send_from, n.send_until, n.business_days_only, n.calendar)
      FROM notice n
      LEFT JOIN LATERAL (
        SELECT tp.locale, tp.subject, tp.body FROM ar.template tp
         WHERE tp.template_code = n.template AND tp.channel = n.channel
         ORDER BY tp.locale = (n.cust).locale DESC, tp.locale = 'en' DESC
         LIMIT 1) t ON true
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING notification_id AS id, episode_id, step_no
  )
  UPDATE ar_dun_decision d SET notification_id = q.id
    FROM queued q
   WHERE d.decision = 'sent' AND d.episode_id = q.episode_id AND d.step_no = q.step_no
     AND d.notification_id IS NULL;

  -- Calls become collector tasks.
  WITH created AS (
    INSERT INTO ar.task (customer_id, kind, due_on, assigned_to, note, episode_id, step_no, dedupe_key)
    SELECT sn.customer_id, 'call', sn.local_date, c.collector,
           pg_catalog.format('Dunning step %s: call about %s overdue (%s days past due)',
                             sn.step_no, ar.format_money(sn.overdue_amount, sn.currency, c.locale), sn.max_dpd),
           sn.episode_id, sn.step_no, 'dunning:' || sn.episode_id || ':' || sn.step_no
      FROM ar_dun_sent sn JOIN ar.customer c ON c.customer_id = sn.customer_id
     WHERE sn.channel = 'call'
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING task_id, episode_id, step_no
  )
  UPDATE ar_dun_decision d SET task_id = t.task_id
    FROM created t
   WHERE d.decision = 'sent' AND d.episode_id = t.episode_id AND d.step_no = t.step_no;

  -- A step already queued by an earlier run (same dedupe key) is not sent
  -- twice: it is dropped from this run's decisions.
  DELETE FROM ar_dun_decision d
   WHERE d.decision = 'sent' AND d.notification_id IS NULL AND d.task_id IS NULL;

  -- Agency hand-off sets the customer in_collections.
  UPDATE ar.customer c SET status = 'in_collections'
    FROM ar_dun_decision d
   WHERE d.decision = 'sent' AND d.channel = 'agency' AND c.customer_id = d.customer_id
     AND c.status = 'active';

  -- Episodes advance past what was sent or skipped for good.
  UPDATE ar.dunning_episode e
     SET last_step = GREATEST(e.last_step, m.top_step),
         last_notice_at = CASE WHEN m.sent THEN as_of ELSE e.last_notice_at END
    FROM (SELECT d.episode_id, MAX(d.step_no) AS top_step, bool_or(d.decision = 'sent') AS sent
            FROM ar_dun_decision d
           WHERE d.decision IN ('sent', 'skipped') AND d.step_no IS NOT NULL
           GROUP BY d.episode_id) m
   WHERE e.dunning_episode_id = m.episode_id;
  -- Invoices listed in a notice carry the level it reached.
  UPDATE ar.invoice i SET dunning_level = d.step_no
    FROM ar_dun_decision d
    JOIN ar_dun_items it ON it.customer_id = d.customer_id AND it.currency = d.currency AND it.dpd >= 1
   WHERE d.decision = 'sent' AND i.invoice_id = it.invoice_id AND i.dunning_level < d.step_no;

  -- A pause is written once per episode, step and reason, not on every day
  -- it lasts (the run's result still lists it).
  INSERT INTO ar.dunning_event (customer_id, episode_id, policy_id, as_of, decision, step_no, channel, template,
                                reason, days_past_due, overdue_amount, notification_id, task_id, invoice_id)
  SELECT d.customer_id, d.episode_id, d.policy_id, as_of, d.decision, d.step_no, d.channel, d.template,
         d.reason, d.days_past_due, d.overdue_amount, d.notification_id, d.task_id, d.invoice_id
    FROM ar_dun_decision d
   WHERE d.decision <> 'paused'
      OR NOT EXISTS (SELECT 1 FROM ar.dunning_event e
                      WHERE e.episode_id = d.episode_id AND e.step_no = d.step_no
                        AND e.decision = 'paused' AND e.reason = d.reason)
   ORDER BY d.customer_id, d.step_no NULLS FIRST;

  RETURN QUERY
  SELECT d.customer_id, d.step_no, d.channel, d.template, d.notification_id,
         CASE WHEN d.decision = 'sent' THEN NULL ELSE d.reason END
    FROM ar_dun_decision d
   WHERE d.decision IN ('sent', 'skipped', 'paused')
   ORDER BY d.customer_id, d.step_no;
END
$$;
COMMENT ON FUNCTION ar.run_dunning_core(timestamptz, bigint) IS
  'The body of ar.run_dunning (internal; call ar.run_dunning)';

CREATE FUNCTION ar.run_dunning(as_of timestamptz DEFAULT pg_catalog.now(), policy_id bigint DEFAULT NULL,
                               dry_run boolean DEFAULT false)
  RETURNS TABLE (customer_id bigint, step_no integer, channel text, template text,
                 notification_id bigint, skipped_reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  outcome jsonb;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF run_dunning.policy_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM ar.dunning_policy p WHERE p.dunning_policy_id = run_dunning.policy_id) THEN
    RAISE EXCEPTION 'unknown dunning policy %', run_dunning.policy_id
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Policies are listed in ar.dunning_policy.';
  END IF;
  -- Runs take turns: a second run waits for the first and then finds its
  -- work done (the dedupe keys would stop doubles in any case).
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pg_receivables'), pg_catalog.hashtext('run_dunning'));

  IF NOT dry_run THEN
    RETURN QUERY SELECT * FROM ar.run_dunning_core(as_of, run_dunning.policy_id);
    RETURN;
  END IF;
  -- A dry run does all the work, keeps the answer and rolls the work back.
  BEGIN
    SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r)) INTO outcome
      FROM ar.run_dunning_core(as_of, run_dunning.policy_id) r;
    RAISE EXCEPTION USING ERRCODE = 'AR000';
  EXCEPTION WHEN SQLSTATE 'AR000' THEN
    NULL;
  END;
  RETURN QUERY
  SELECT r.customer_id, r.step_no, r.channel, r.template, NULL::bigint, r.skipped_reason
    FROM pg_catalog.jsonb_to_recordset(COALESCE(outcome, '[]')) AS r(customer_id bigint, step_no integer,
           channel text, template text, notification_id bigint, skipped_reason text);
END
$$;
COMMENT ON FUNCTION ar.run_dunning(timestamptz, bigint, boolean) IS
  'Daily dunning run: for every customer with an eligible overdue or soon-due balance, queue the ladder step due (once per episode and step), or record why not; dry_run shows the decisions and changes nothing';
-- Promises to pay are evaluated; alert rules watch the book for collectors.

-- A notice to a collector (channel internal), rendered from a template of
-- ar.template, queued once per dedupe key.  Returns the new notification_id,
-- or NULL when that key was queued before.
CREATE FUNCTION ar.queue_collector_alert(customer_id bigint, template_code text, data jsonb, dedupe_key text,
                                         recipient text DEFAULT NULL, channel text DEFAULT 'internal')
  RETURNS bigint
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c ar.customer;
  t ar.template;
  id bigint;
BEGIN
  SELECT * INTO c FROM ar.customer x WHERE x.customer_id = queue_collector_alert.customer_id;
  SELECT * INTO t FROM ar.template x
   WHERE x.template_code = queue_collector_alert.template_code AND x.channel = 'internal'
   ORDER BY x.locale = c.locale DESC, x.locale = 'ja' DESC LIMIT 1;
  INSERT INTO ar.notification (customer_id, channel, template, locale, recipient, subject, body, payload, dedupe_key)
  VALUES (c.customer_id, queue_collector_alert.channel, queue_collector_alert.template_code, t.locale,
          COALESCE(queue_collector_alert.recipient, ar.notice_recipient(c, 'internal')),
          ar.render_template(t.subject, data), ar.render_template(t.body, data), data,
          queue_collector_alert.dedupe_key)
  ON CONFLICT ON CONSTRAINT notification_dedupe_key_key DO NOTHING
  RETURNING notification_id INTO id;
  RETURN id;
END
$$;
COMMENT ON FUNCTION ar.queue_collector_alert(bigint, text, jsonb, text, text, text) IS
  'Queues an alert to the customer''s collector, once per dedupe key (internal)';

------------------------------------------------------------------------------
-- Promises
------------------------------------------------------------------------------

CREATE FUNCTION ar.evaluate_promises(as_of date DEFAULT CURRENT_DATE)
  RETURNS TABLE (promise_id bigint, customer_id bigint, status text, paid_amount numeric)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  r record;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- Kept as soon as the payments received since the promise reach its
  -- amount; broken once promised_on + grace_days has passed without.
  FOR r IN
    WITH pending AS (
      SELECT p.promise_id, p.customer_id, p.amount, p.currency, p.made_on, p.promised_on, p.grace_days,
             COALESCE((SELECT pg_catalog.sum(pay.amount) FROM ar.payment pay
                        WHERE pay.customer_id = p.customer_id AND pay.currency = p.currency
                          AND pay.status = 'received'
                          AND pay.received_on BETWEEN p.made_on AND as_of), 0) AS paid
        FROM ar.promise p
       WHERE p.status = 'pending' AND p.made_on <= as_of
         FOR UPDATE OF p
    ), decided AS (
      SELECT x.*, CASE WHEN x.paid >= x.amount THEN 'kept'
                       WHEN as_of > x.promised_on + x.grace_days THEN 'broken' END AS outcome
        FROM pending x
    ), changed AS (
      UPDATE ar.promise p SET status = d.outcome, evaluated_on = as_of, paid_amount = d.paid
        FROM decided d
       WHERE p.promise_id = d.promise_id AND d.outcome IS NOT NULL
      RETURNING p.promise_id, p.customer_id, p.status, p.paid_amount, p.amount, p.currency, p.made_on, p.promised_on, p.note
    )
    SELECT * FROM changed ORDER BY changed.promise_id
  LOOP
    promise_id := r.promise_id; customer_id := r.customer_id; status := r.status; paid_amount := r.paid_amount;
    RETURN NEXT;
    IF r.status = 'broken' THEN
      -- Dunning resumes by itself (the promise no longer pauses it); the
      -- collector is told and gets a follow-up task.
      PERFORM ar.queue_collector_alert(
        r.customer_id, 'broken_promise',
        ar.collector_alert_data(r.customer_id, as_of) || pg_catalog.jsonb_build_object(
          'promise', pg_catalog.jsonb_build_object(
            'amount', ar.format_money(r.amount, r.currency, c.locale),
            'made_on', ar.format_date(r.made_on, c.locale),
            'promised_on', ar.format_date(r.promised_on, c.locale),
            'note', COALESCE(r.note, ''))),
        'promise:' || r.promise_id || ':broken')
        FROM ar.customer c WHERE c.customer_id = r.customer_id;
      INSERT INTO ar.task (customer_id, kind, due_on, assigned_to, note, dedupe_key)
      SELECT c.customer_id, 'promise_follow_up', as_of, c.collector,
             pg_catalog.format('Promise of %s due %s was broken (%s received)',
                               ar.format_money(r.amount, r.currency, c.locale), r.promised_on,
                               ar.format_money(r.paid_amount, r.currency, c.locale)),
             'promise:' || r.promise_id || ':broken'
        FROM ar.customer c WHERE c.customer_id = r.customer_id
      ON CONFLICT (dedupe_key) DO NOTHING;
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION ar.evaluate_promises(date) IS
  'Marks pending promises kept (payments since made_on reach the amount) or broken (promised_on + grace_days passed); a broken promise alerts the collector and resumes dunning';

------------------------------------------------------------------------------
-- Alerts
------------------------------------------------------------------------------

CREATE TABLE ar.alert_rule (
  alert_rule_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL UNIQUE CHECK (name <> ''),
  kind          text NOT NULL
                CHECK (kind IN ('overdue_days', 'overdue_amount', 'broken_promise', 'credit_limit', 'new_dispute')),
  threshold     numeric,
  currency      char(3) REFERENCES ar.currency,
  channel       text NOT NULL DEFAULT 'internal' CHECK (channel IN ('internal', 'email', 'webhook')),
  recipients    text[],
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at    timestamptz,
  CONSTRAINT alert_rule_threshold CHECK (
    CASE kind WHEN 'overdue_days' THEN threshold >= 0 AND threshold = pg_catalog.trunc(threshold)
              WHEN 'overdue_amount' THEN threshold > 0
              WHEN 'credit_limit' THEN threshold > 0
              ELSE true END)
);
COMMENT ON TABLE ar.alert_rule IS
  'Alert rules: conditions on customers that queue an alert to collectors, once per rule, customer and episode';
COMMENT ON COLUMN ar.alert_rule.alert_rule_id IS 'Surrogate key';
COMMENT ON COLUMN ar.alert_rule.name IS 'Unique name, shown in the alert';
COMMENT ON COLUMN ar.alert_rule.kind IS
  'overdue_days (oldest overdue item >= threshold days), overdue_amount (overdue total >= threshold), broken_promise, credit_limit (open total >= threshold % of the credit limit), new_dispute';
COMMENT ON COLUMN ar.alert_rule.threshold IS 'Days, amount or percent, by kind; unused by broken_promise and new_dispute';
COMMENT ON COLUMN ar.alert_rule.currency IS 'For overdue_amount: only customers'' balances in this currency (NULL: every currency, threshold in its units)';
COMMENT ON COLUMN ar.alert_rule.channel IS 'internal (collector inbox), email or webhook';
COMMENT ON COLUMN ar.alert_rule.recipients IS 'Who receives it; NULL means the customer''s collector';
COMMENT ON COLUMN ar.alert_rule.active IS 'Inactive rules are not evaluated';
COMMENT ON COLUMN ar.alert_rule.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.alert_rule.updated_at IS 'When the row was last changed';

-- Data for collector alert templates: the data contract of
-- docs/templates.md for the customer's overdue invoices (at most 50 listed),
-- with promise and alert NULL for the caller to fill in.
CREATE FUNCTION ar.collector_alert_data(customer_id bigint, as_of date) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ar.notice_data(c, c.currency, as_of, COALESCE(o.total, 0), COALESCE(o.listed, '[]'), COALESCE(o.total, 0),
                        COALESCE(o.n, 0), o.oldest, ar.template_company(c.locale))
    FROM ar.customer c
    LEFT JOIN LATERAL (
      SELECT pg_catalog.sum(x.open_amount) AS total, pg_catalog.count(*) AS n, pg_catalog.max(as_of - x.due_date) AS oldest,
             pg_catalog.jsonb_agg(ar.notice_invoice(x.invoice_id, x.invoice_no, x.issue_date, x.due_date, x.amount,
                                                    x.open_amount, as_of - x.due_date, c.currency, c.locale)
                                  ORDER BY x.due_date, x.invoice_id) AS listed
        FROM (SELECT i.* FROM ar.invoice i
               WHERE i.customer_id = c.customer_id AND i.status = 'open' AND i.currency = c.currency
                 AND i.due_date < as_of
               ORDER BY i.due_date, i.invoice_id LIMIT 50) x) o ON true
   WHERE c.customer_id = $1
$$;
COMMENT ON FUNCTION ar.collector_alert_data(bigint, date) IS
  'Template data of a collector alert: the data contract for the customer''s overdue invoices (internal)';

CREATE FUNCTION ar.run_alerts(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  queued integer := 0;
  r record;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  FOR r IN
    WITH cust AS (
      SELECT c.customer_id, c.credit_limit, c.currency AS home, (as_of AT TIME ZONE c.time_zone)::date AS local_date
        FROM ar.customer c
    ), balance AS (
      SELECT i.customer_id, i.currency,
             pg_catalog.sum(i.open_amount) AS open_total,
             pg_catalog.sum(i.open_amount) FILTER (WHERE i.due_date < cu.local_date) AS overdue_total,
             pg_catalog.max(cu.local_date - i.due_date) FILTER (WHERE i.due_date < cu.local_date) AS max_dpd
        FROM ar.invoice i JOIN cust cu ON cu.customer_id = i.customer_id
       WHERE i.status = 'open'
       GROUP BY i.customer_id, i.currency
    ), hit AS (
      -- overdue_days / overdue_amount / credit_limit: once per rule, customer and episode
      SELECT a.alert_rule_id, a.name, a.kind, a.threshold, a.channel, a.recipients, b.customer_id,
             pg_catalog.format('alert:%s:%s:%s', a.alert_rule_id, b.customer_id,
                               COALESCE((SELECT e.dunning_episode_id::text FROM ar.dunning_episode e
                                          WHERE e.customer_id = b.customer_id AND e.currency = b.currency
                                            AND e.status = 'open'), 'none')) AS key,
             pg_catalog.format('%s: %s', a.kind, CASE a.kind WHEN 'overdue_days' THEN b.max_dpd::text
                                                            ELSE b.overdue_total::text END) AS detail
        FROM ar.alert_rule a
        JOIN balance b ON (a.currency IS NULL OR a.currency = b.currency)
        JOIN cust cu ON cu.customer_id = b.customer_id
       WHERE a.active
         AND ((a.kind = 'overdue_days' AND b.max_dpd >= a.threshold)
           OR (a.kind = 'overdue_amount' AND b.overdue_total >= a.threshold)
           OR (a.kind = 'credit_limit' AND b.currency = cu.home AND cu.credit_limit IS NOT NULL
               AND b.open_total >= cu.credit_limit * a.threshold / 100))
      UNION ALL
      SELECT a.alert_rule_id, a.name, a.kind, a.threshold, a.channel, a.recipients, p.customer_id,
             pg_catalog.format('alert:%s:promise:%s', a.alert_rule_id, p.promise_id),
             pg_catalog.format('promise %s of %s broken', p.promise_id, p.amount)
        FROM ar.alert_rule a JOIN ar.promise p ON p.status = 'broken'
       WHERE a.active AND a.kind = 'broken_promise'
      UNION ALL
      SELECT a.alert_rule_id, a.name, a.kind, a.threshold, a.channel, a.recipients, d.customer_id,
             pg_catalog.format('alert:%s:dispute:%s', a.alert_rule_id, d.dispute_id),
             pg_catalog.format('dispute %s: %s', d.dispute_id, d.reason)
        FROM ar.alert_rule a JOIN ar.dispute d ON d.status = 'open'
       WHERE a.active AND a.kind = 'new_dispute'
    )
    SELECT h.*, rcpt.recipient
      FROM hit h
      LEFT JOIN LATERAL pg_catalog.unnest(COALESCE(h.recipients, ARRAY[NULL::text])) AS rcpt(recipient) ON true
     WHERE NOT EXISTS (SELECT 1 FROM ar.notification n
                        WHERE n.dedupe_key = h.key || COALESCE(':' || rcpt.recipient, ''))
  LOOP
    IF ar.queue_collector_alert(
         r.customer_id, 'collector_alert',
         ar.collector_alert_data(r.customer_id, (as_of AT TIME ZONE 'UTC')::date)
           || pg_catalog.jsonb_build_object('alert', pg_catalog.jsonb_build_object(
                'rule', r.name, 'kind', r.kind, 'threshold', COALESCE(r.threshold::text, ''))),
         r.key || COALESCE(':' || r.recipient, ''), r.recipient, r.channel) IS NOT NULL THEN
      queued := queued + 1;
    END IF;
  END LOOP;
  RETURN queued;
END
$$;
COMMENT ON FUNCTION ar.run_alerts(timestamptz) IS
  'Evaluates the active alert rules and queues each alert once per rule, customer and episode (or promise, dispute); returns how many were queued';

SELECT pg_catalog.pg_extension_config_dump('ar.alert_rule', '');
SELECT pg_catalog.pg_extension_config_dump('ar.alert_rule_alert_rule_id_seq', '');
-- The one entry point any scheduler calls, and its pg_cron registration.

CREATE FUNCTION ar.housekeeping(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  stale integer;
  tasks integer;
BEGIN
  -- Queued dunning notices whose reason is gone are cancelled now rather
  -- than when a worker reaches them.
  WITH s AS (
    UPDATE ar.notification n
       SET status = 'cancelled', last_error = ar.notification_stale_reason(n), updated_at = pg_catalog.now()
     WHERE n.status = 'queued' AND n.episode_id IS NOT NULL AND ar.notification_stale_reason(n) IS NOT NULL
    RETURNING 1)
  SELECT pg_catalog.count(*) INTO stale FROM s;
  -- Open call tasks of episodes that ended (the customer paid) are moot.
  WITH t AS (
    UPDATE ar.task t SET status = 'cancelled', outcome = 'episode ended', completed_at = pg_catalog.now()
      FROM ar.dunning_episode e
     WHERE t.status = 'open' AND t.kind = 'call' AND e.dunning_episode_id = t.episode_id AND e.status = 'closed'
    RETURNING 1)
  SELECT pg_catalog.count(*) INTO tasks FROM t;
  RETURN pg_catalog.jsonb_build_object('notifications_cancelled', stale, 'tasks_cancelled', tasks);
END
$$;
COMMENT ON FUNCTION ar.housekeeping(timestamptz) IS
  'Cancels queued dunning notices whose reason is gone and call tasks of ended episodes; returns counts';

CREATE FUNCTION ar.run_daily(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  started timestamptz := pg_catalog.clock_timestamp();
  promises jsonb;
  dunning jsonb;
  decisions jsonb;
  alerts integer;
  house jsonb;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- Two runs at once: the second waits for the first, then finds nothing
  -- left to do (every step it would queue has its dedupe key taken).
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pg_receivables'), pg_catalog.hashtext('run_daily'));

  SELECT pg_catalog.jsonb_build_object(
           'kept', pg_catalog.count(*) FILTER (WHERE e.status = 'kept'),
           'broken', pg_catalog.count(*) FILTER (WHERE e.status = 'broken'))
    INTO promises
    FROM ar.evaluate_promises((as_of AT TIME ZONE pg_catalog.current_setting('TimeZone'))::date) e;

  -- Dunning first, counted afterwards (a later statement sees its events).
  SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(d)), '[]') INTO decisions FROM ar.run_dunning(as_of) d;
  SELECT pg_catalog.jsonb_build_object(
           'sent', pg_catalog.count(*) FILTER (WHERE x.reason = 'sent'),
           'skipped', pg_catalog.count(*) FILTER (WHERE x.reason IN ('passed_over', 'opted_out', 'no_recipient')),
           'paused', pg_catalog.count(*) FILTER (WHERE x.reason NOT IN ('sent', 'passed_over', 'opted_out', 'no_recipient')),
           'by_reason', COALESCE((SELECT pg_catalog.jsonb_object_agg(y.reason, y.n)
                                    FROM (SELECT COALESCE(e ->> 'skipped_reason', 'sent') AS reason, pg_catalog.count(*) AS n
                                            FROM pg_catalog.jsonb_array_elements(decisions) e GROUP BY 1) y), '{}'),
           'episodes_started', (SELECT pg_catalog.count(*) FROM ar.dunning_event e
                                 WHERE e.as_of = run_daily.as_of AND e.decision = 'episode_started'),
           'episodes_ended', (SELECT pg_catalog.count(*) FROM ar.dunning_event e
                               WHERE e.as_of = run_daily.as_of AND e.decision = 'episode_ended'))
    INTO dunning
    FROM (SELECT COALESCE(e ->> 'skipped_reason', 'sent') AS reason
            FROM pg_catalog.jsonb_array_elements(decisions) e) x;

  alerts := ar.run_alerts(as_of);
  house := ar.housekeeping(as_of);

  RETURN pg_catalog.jsonb_build_object(
    'as_of', as_of,
    'promises', promises,
    'dunning', dunning,
    'alerts_queued', alerts,
    'housekeeping', house,
    'duration_ms', pg_catalog.round(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - started) * 1000));
END
$$;
COMMENT ON FUNCTION ar.run_daily(timestamptz) IS
  'The daily job: evaluate promises, run dunning, run alerts, housekeeping; returns a summary of what each did. Safe to run twice at once';

------------------------------------------------------------------------------
-- pg_cron
------------------------------------------------------------------------------

-- The jobs pg_receivables registers: name, schedule, command.
CREATE FUNCTION ar.cron_jobs(daily_cron text)
  RETURNS TABLE (jobname text, schedule text, command text)
  LANGUAGE sql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  VALUES ('pg_receivables_daily', daily_cron, 'SELECT ar.run_daily()'),
         ('pg_receivables_housekeeping', '*/15 * * * *', 'SELECT ar.housekeeping()')
$$;
COMMENT ON FUNCTION ar.cron_jobs(text) IS
  'The pg_cron jobs of pg_receivables: the daily run and a housekeeping pass every 15 minutes (internal)';

-- Raises the error that says how to schedule the jobs when pg_cron cannot
-- be used from this database: where it lives elsewhere, the exact calls to
-- run there; where it is absent, how to install and preload it.
CREATE FUNCTION ar.refuse_without_pg_cron(daily_cron text) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  preloaded boolean := pg_catalog.current_setting('shared_preload_libraries') ~ '(^|[\s,])pg_cron([\s,]|$)';
  cron_db text := pg_catalog.current_setting('cron.database_name', true);
  calls text;
BEGIN
  IF preloaded AND cron_db IS NOT NULL AND cron_db <> pg_catalog.current_database() THEN
    SELECT pg_catalog.string_agg(pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                                   j.jobname, j.schedule, j.command, pg_catalog.current_database()),
                                 E'\n')
      INTO calls FROM ar.cron_jobs(daily_cron) j;
    RAISE EXCEPTION 'pg_cron runs in database "%", not in "%"', cron_db, pg_catalog.current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = pg_catalog.format(E'Connect to database "%s" and run:\n%s', cron_db, calls);
  END IF;
  RAISE EXCEPTION 'pg_cron is not installed in database "%"', pg_catalog.current_database()
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = CASE WHEN preloaded THEN
                   pg_catalog.format('Run CREATE EXTENSION pg_cron; in this database (cron.database_name = %L), then call ar.schedule_jobs() again.',
                                     pg_catalog.current_database())
                 ELSE
                   pg_catalog.format(E'Install pg_cron (Debian: apt-get install postgresql-%s-cron), add to postgresql.conf:\n'
                                     || E'  shared_preload_libraries = ''pg_cron''\n  cron.database_name = %L\n'
                                     || 'restart the server, run CREATE EXTENSION pg_cron; here, then call ar.schedule_jobs() again.',
                                     pg_catalog.current_setting('server_version_num')::integer / 10000,
                                     pg_catalog.current_database())
                 END;
END
$$;
COMMENT ON FUNCTION ar.refuse_without_pg_cron(text) IS
  'Raises the error explaining how to get pg_cron or where to schedule the jobs (internal)';

CREATE FUNCTION ar.schedule_jobs(daily_cron text DEFAULT '0 9 * * *')
  RETURNS TABLE (jobname text, schedule text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  j record;
BEGIN
  IF daily_cron IS NULL OR daily_cron !~ '^\s*\S+(\s+\S+){4}\s*$' THEN
    RAISE EXCEPTION 'invalid cron schedule "%"', daily_cron
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give five fields: minute hour day-of-month month day-of-week, e.g. ''0 9 * * *''.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    PERFORM ar.refuse_without_pg_cron(daily_cron);
  END IF;
  -- cron.schedule with a job name replaces the job of that name, so calling
  -- this twice leaves one job of each name.  (pg_cron is optional, hence
  -- dynamic SQL: nothing here may refer to it when it is absent.)
  FOR j IN SELECT * FROM ar.cron_jobs(daily_cron) LOOP
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING j.jobname, j.schedule, j.command;
    jobname := j.jobname;
    schedule := j.schedule;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION ar.schedule_jobs(text) IS
  'Registers (or updates) the pg_cron jobs of pg_receivables in this database; explains what to do where pg_cron lives elsewhere or is absent';

CREATE FUNCTION ar.unschedule_jobs() RETURNS TABLE (jobname text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  n text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    RETURN;    -- nothing can be scheduled without pg_cron
  END IF;
  FOR n IN EXECUTE 'SELECT j.jobname FROM cron.job j WHERE j.jobname = ANY ($1) AND j.database = current_database()'
           USING ARRAY(SELECT c.jobname FROM ar.cron_jobs('0 9 * * *') c)
  LOOP
    EXECUTE 'SELECT cron.unschedule($1)' USING n;
    jobname := n;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION ar.unschedule_jobs() IS 'Removes the pg_cron jobs of pg_receivables; returns the names removed';
-- Aging views and the as-of aging report; see docs/aging.md.
--
-- The views show the book now: open amounts as they are, days past due
-- counted to today's date in each customer's own time zone.  Each view is
-- a thin wrapper over a function taking the instant explicitly
-- (ar.open_items_at, ar.customer_aging_at, ar.aging_summary_at), so what
-- the views will show at another moment can be asked for and tested.
-- Those functions are plain SQL that the planner inlines into the calling
-- query (a filter on customer_id reaches the indexes), so they carry no
-- SET search_path and qualify every name instead.
--
-- Unapplied cash (payments not yet allocated) and open credits (credit
-- notes not yet allocated) are columns of their own, never netted into a
-- bucket.

------------------------------------------------------------------------------
-- Open items
------------------------------------------------------------------------------

CREATE FUNCTION ar.open_items_at(at_time timestamptz)
  RETURNS TABLE (invoice_id bigint, invoice_no text, kind text, customer_id bigint, customer_code text,
                 customer_name text, segment text, collector text, currency char(3), amount numeric,
                 open_amount numeric, issue_date date, due_date date, days_past_due integer,
                 bucket text, dunning_level integer)
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT i.invoice_id, i.invoice_no, i.kind, i.customer_id, c.customer_code, c.name, c.segment,
         c.collector, i.currency, i.amount, i.open_amount, i.issue_date, i.due_date,
         d.days_past_due, ar.aging_bucket(d.days_past_due, s.buckets), i.dunning_level
    FROM ar.invoice i
    JOIN ar.customer c ON c.customer_id = i.customer_id
   CROSS JOIN LATERAL (SELECT (at_time AT TIME ZONE c.time_zone)::date - i.due_date AS days_past_due) d
   CROSS JOIN (SELECT ar.setting_value('default_buckets')::ar.aging_buckets AS buckets) s
   WHERE i.status = 'open'
$$;
COMMENT ON FUNCTION ar.open_items_at(timestamptz) IS
  'Rows of ar.v_open_items as they would read at the instant at_time: current open amounts, days past due counted to the customer''s local date at that instant';

CREATE VIEW ar.v_open_items WITH (security_invoker = true) AS
SELECT o.invoice_id, o.invoice_no, o.kind, o.customer_id, o.customer_code, o.customer_name, o.segment,
       o.collector, o.currency, o.amount, o.open_amount, o.issue_date, o.due_date, o.days_past_due,
       o.bucket, o.dunning_level
  FROM ar.open_items_at(pg_catalog.now()) o;
COMMENT ON VIEW ar.v_open_items IS
  'One row per open invoice, with days past due in the customer''s time zone and its aging bucket (setting default_buckets)';
COMMENT ON COLUMN ar.v_open_items.invoice_id IS 'Invoice key';
COMMENT ON COLUMN ar.v_open_items.invoice_no IS 'Invoice number (請求書番号)';
COMMENT ON COLUMN ar.v_open_items.kind IS 'invoice, fee (dunning fee) or interest (late interest)';
COMMENT ON COLUMN ar.v_open_items.customer_id IS 'Customer key';
COMMENT ON COLUMN ar.v_open_items.customer_code IS 'Customer code (取引先コード)';
COMMENT ON COLUMN ar.v_open_items.customer_name IS 'Customer name';
COMMENT ON COLUMN ar.v_open_items.segment IS 'Customer segment';
COMMENT ON COLUMN ar.v_open_items.collector IS 'Role name of the customer''s collector';
COMMENT ON COLUMN ar.v_open_items.currency IS 'Currency of the invoice';
COMMENT ON COLUMN ar.v_open_items.amount IS 'Amount billed';
COMMENT ON COLUMN ar.v_open_items.open_amount IS 'Amount still owed';
COMMENT ON COLUMN ar.v_open_items.issue_date IS 'Date of issue';
COMMENT ON COLUMN ar.v_open_items.due_date IS 'Due date';
COMMENT ON COLUMN ar.v_open_items.days_past_due IS
  'Today''s date in the customer''s time zone minus the due date: 1 the day after the due date, 0 on it, negative before';
COMMENT ON COLUMN ar.v_open_items.bucket IS 'Aging bucket label under the setting default_buckets (current, 1-30, ..., 90+)';
COMMENT ON COLUMN ar.v_open_items.dunning_level IS 'Highest dunning step sent for the invoice in its current episode';

------------------------------------------------------------------------------
-- Aging per customer and currency
------------------------------------------------------------------------------

CREATE FUNCTION ar.customer_aging_at(at_time timestamptz)
  RETURNS TABLE (customer_id bigint, customer_code text, customer_name text, segment text, collector text,
                 currency char(3), current numeric, d1_30 numeric, d31_60 numeric, d61_90 numeric,
                 d90_plus numeric, total_open numeric, overdue_total numeric, oldest_days_past_due integer,
                 open_items integer, unapplied_cash numeric, open_credits numeric, net_balance numeric,
                 bucket_labels text[], bucket_amounts numeric[])
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  -- Grouped by every customer column the function returns, so that a
  -- filter on any of them (customer_code in a BI tool) is applied before
  -- the aggregation and reaches the indexes.
  SELECT g.customer_id, g.customer_code, g.name, g.segment, g.collector, g.currency,
         g.std[1], g.std[2], g.std[3], g.std[4], g.std[5],
         g.total_open, g.overdue_total, g.oldest, g.items, g.cash, g.credits,
         g.total_open - g.cash - g.credits,
         l.labels,
         COALESCE(g.custom, pg_catalog.array_fill(0::numeric, ARRAY[pg_catalog.cardinality(l.labels)]))
    FROM (SELECT c.customer_id, c.customer_code, c.name, c.segment, c.collector, x.currency,
                 COALESCE(ar.aging_sum(x.amount, d.days, '30,60,90') FILTER (WHERE x.src = 1),
                          '{0,0,0,0,0}') AS std,
                 ar.aging_sum(x.amount, d.days,
                              (SELECT ar.setting_value('default_buckets')::ar.aging_buckets))
                   FILTER (WHERE x.src = 1) AS custom,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 1), 0) AS total_open,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 1 AND d.days > 0), 0) AS overdue_total,
                 pg_catalog.max(d.days) FILTER (WHERE x.src = 1) AS oldest,
                 pg_catalog.count(*) FILTER (WHERE x.src = 1)::integer AS items,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 2), 0) AS cash,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 3), 0) AS credits
            FROM ar.customer c
            JOIN (SELECT 1 AS src, i.customer_id, i.currency, i.open_amount AS amount, i.due_date
                    FROM ar.invoice i
                   WHERE i.status = 'open'
                  UNION ALL
                  SELECT 2, p.customer_id, p.currency, p.unapplied_amount, NULL::date
                    FROM ar.payment p
                   WHERE p.status = 'received' AND p.customer_id IS NOT NULL AND p.unapplied_amount > 0
                  UNION ALL
                  SELECT 3, n.customer_id, n.currency, n.unapplied_amount, NULL::date
                    FROM ar.credit_note n
                   WHERE n.unapplied_amount > 0) x ON x.customer_id = c.customer_id
           CROSS JOIN LATERAL (SELECT (at_time AT TIME ZONE c.time_zone)::date - x.due_date AS days) d
           GROUP BY c.customer_id, c.customer_code, c.name, c.segment, c.collector, x.currency) g
   CROSS JOIN (SELECT ar.aging_labels(ar.setting_value('default_buckets')::ar.aging_buckets) AS labels) l
$$;
COMMENT ON FUNCTION ar.customer_aging_at(timestamptz) IS
  'Rows of ar.v_aging as they would read at the instant at_time: current balances, days past due counted to each customer''s local date at that instant';

CREATE VIEW ar.v_aging WITH (security_invoker = true) AS
SELECT a.customer_id, a.customer_code, a.customer_name, a.segment, a.collector, a.currency,
       a.current, a.d1_30, a.d31_60, a.d61_90, a.d90_plus, a.total_open, a.overdue_total,
       a.oldest_days_past_due, a.open_items, a.unapplied_cash, a.open_credits, a.net_balance,
       a.bucket_labels, a.bucket_amounts
  FROM ar.customer_aging_at(pg_catalog.now()) a;
COMMENT ON VIEW ar.v_aging IS
  'Aging per customer and currency: open invoice amounts by days past due (30/60/90 columns, and the default_buckets arrays), with unapplied cash and open credits beside them, never netted into a bucket';
COMMENT ON COLUMN ar.v_aging.customer_id IS 'Customer key';
COMMENT ON COLUMN ar.v_aging.customer_code IS 'Customer code (取引先コード)';
COMMENT ON COLUMN ar.v_aging.customer_name IS 'Customer name';
COMMENT ON COLUMN ar.v_aging.segment IS 'Customer segment';
COMMENT ON COLUMN ar.v_aging.collector IS 'Role name of the customer''s collector';
COMMENT ON COLUMN ar.v_aging.currency IS 'Currency of the amounts in this row';
COMMENT ON COLUMN ar.v_aging.current IS 'Open amount not yet due (days past due 0 or less)';
COMMENT ON COLUMN ar.v_aging.d1_30 IS 'Open amount 1 to 30 days past due';
COMMENT ON COLUMN ar.v_aging.d31_60 IS 'Open amount 31 to 60 days past due';
COMMENT ON COLUMN ar.v_aging.d61_90 IS 'Open amount 61 to 90 days past due';
COMMENT ON COLUMN ar.v_aging.d90_plus IS 'Open amount more than 90 days past due';
COMMENT ON COLUMN ar.v_aging.total_open IS 'Open amount of all invoices (the sum of the buckets), before unapplied cash and credits';
COMMENT ON COLUMN ar.v_aging.overdue_total IS 'Open amount past due (days past due 1 or more)';
COMMENT ON COLUMN ar.v_aging.oldest_days_past_due IS
  'Days past due of the oldest open invoice (negative when none is due yet; NULL without open invoices)';
COMMENT ON COLUMN ar.v_aging.open_items IS 'Number of open invoices';
COMMENT ON COLUMN ar.v_aging.unapplied_cash IS 'Payments received from the customer and not yet allocated to invoices';
COMMENT ON COLUMN ar.v_aging.open_credits IS 'Credit notes issued to the customer and not yet allocated to invoices';
COMMENT ON COLUMN ar.v_aging.net_balance IS 'total_open - unapplied_cash - open_credits: what the customer owes once its cash and credits are applied';
COMMENT ON COLUMN ar.v_aging.bucket_labels IS 'Labels of the buckets of the setting default_buckets';
COMMENT ON COLUMN ar.v_aging.bucket_amounts IS 'Open amount per bucket of the setting default_buckets, in the order of bucket_labels';

------------------------------------------------------------------------------
-- Aging per currency
------------------------------------------------------------------------------

CREATE FUNCTION ar.aging_summary_at(at_time timestamptz)
  RETURNS TABLE (currency char(3), customers integer, open_items integer, current numeric, d1_30 numeric,
                 d31_60 numeric, d61_90 numeric, d90_plus numeric, total_open numeric, overdue_total numeric,
                 pct_current numeric, pct_d1_30 numeric, pct_d31_60 numeric, pct_d61_90 numeric,
                 pct_d90_plus numeric, pct_overdue numeric, unapplied_cash numeric, unidentified_cash numeric,
                 open_credits numeric, net_balance numeric, bucket_labels text[], bucket_amounts numeric[])
  LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT g.currency, g.customers, g.items,
         g.std[1], g.std[2], g.std[3], g.std[4], g.std[5], g.total_open, g.overdue_total,
         pg_catalog.round(100 * g.std[1] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.std[2] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.std[3] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.std[4] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.std[5] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.overdue_total / NULLIF(g.total_open, 0), 2),
         g.cash, g.unidentified, g.credits,
         g.total_open - g.cash - g.unidentified - g.credits,
         l.labels,
         COALESCE(g.custom, pg_catalog.array_fill(0::numeric, ARRAY[pg_catalog.cardinality(l.labels)]))
    FROM (SELECT x.currency,
                 pg_catalog.count(DISTINCT x.customer_id) FILTER (WHERE x.src = 1)::integer AS customers,
                 pg_catalog.count(*) FILTER (WHERE x.src = 1)::integer AS items,
                 COALESCE(ar.aging_sum(x.amount, x.days, '30,60,90') FILTER (WHERE x.src = 1),
                          '{0,0,0,0,0}') AS std,
                 ar.aging_sum(x.amount, x.days,
                              (SELECT ar.setting_value('default_buckets')::ar.aging_buckets))
                   FILTER (WHERE x.src = 1) AS custom,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 1), 0) AS total_open,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 1 AND x.days > 0), 0) AS overdue_total,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 2), 0) AS cash,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 4), 0) AS unidentified,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 3), 0) AS credits
            FROM (SELECT 1 AS src, o.customer_id, o.currency, o.open_amount AS amount, o.days_past_due AS days
                    FROM ar.open_items_at(at_time) o
                  UNION ALL
                  SELECT CASE WHEN p.customer_id IS NULL THEN 4 ELSE 2 END, p.customer_id, p.currency,
                         p.unapplied_amount, NULL::integer
                    FROM ar.payment p
                   WHERE p.status = 'received' AND p.unapplied_amount > 0
                  UNION ALL
                  SELECT 3, n.customer_id, n.currency, n.unapplied_amount, NULL::integer
                    FROM ar.credit_note n
                   WHERE n.unapplied_amount > 0) x
           GROUP BY x.currency) g
   CROSS JOIN (SELECT ar.aging_labels(ar.setting_value('default_buckets')::ar.aging_buckets) AS labels) l
$$;
COMMENT ON FUNCTION ar.aging_summary_at(timestamptz) IS
  'Rows of ar.v_aging_summary as they would read at the instant at_time: current balances, days past due counted to each customer''s local date at that instant';

CREATE VIEW ar.v_aging_summary WITH (security_invoker = true) AS
SELECT s.currency, s.customers, s.open_items, s.current, s.d1_30, s.d31_60, s.d61_90, s.d90_plus,
       s.total_open, s.overdue_total, s.pct_current, s.pct_d1_30, s.pct_d31_60, s.pct_d61_90,
       s.pct_d90_plus, s.pct_overdue, s.unapplied_cash, s.unidentified_cash, s.open_credits,
       s.net_balance, s.bucket_labels, s.bucket_amounts
  FROM ar.aging_summary_at(pg_catalog.now()) s;
COMMENT ON VIEW ar.v_aging_summary IS
  'Aging of the whole book per currency, with each bucket''s share of the open total; unapplied cash and open credits beside it, never netted into a bucket';
COMMENT ON COLUMN ar.v_aging_summary.currency IS 'Currency of the amounts in this row';
COMMENT ON COLUMN ar.v_aging_summary.customers IS 'Customers with open invoices in this currency';
COMMENT ON COLUMN ar.v_aging_summary.open_items IS 'Number of open invoices';
COMMENT ON COLUMN ar.v_aging_summary.current IS 'Open amount not yet due (days past due 0 or less)';
COMMENT ON COLUMN ar.v_aging_summary.d1_30 IS 'Open amount 1 to 30 days past due';
COMMENT ON COLUMN ar.v_aging_summary.d31_60 IS 'Open amount 31 to 60 days past due';
COMMENT ON COLUMN ar.v_aging_summary.d61_90 IS 'Open amount 61 to 90 days past due';
COMMENT ON COLUMN ar.v_aging_summary.d90_plus IS 'Open amount more than 90 days past due';
COMMENT ON COLUMN ar.v_aging_summary.total_open IS 'Open amount of all invoices (the sum of the buckets)';
COMMENT ON COLUMN ar.v_aging_summary.overdue_total IS 'Open amount past due (days past due 1 or more)';
COMMENT ON COLUMN ar.v_aging_summary.pct_current IS 'Share of total_open not yet due, in percent (2 decimals; NULL when nothing is open)';
COMMENT ON COLUMN ar.v_aging_summary.pct_d1_30 IS 'Share of total_open 1 to 30 days past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.pct_d31_60 IS 'Share of total_open 31 to 60 days past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.pct_d61_90 IS 'Share of total_open 61 to 90 days past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.pct_d90_plus IS 'Share of total_open more than 90 days past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.pct_overdue IS 'Share of total_open past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.unapplied_cash IS 'Payments of identified customers not yet allocated to invoices';
COMMENT ON COLUMN ar.v_aging_summary.unidentified_cash IS 'Payments whose customer is not yet identified (see cash application)';
COMMENT ON COLUMN ar.v_aging_summary.open_credits IS 'Credit notes not yet allocated to invoices';
COMMENT ON COLUMN ar.v_aging_summary.net_balance IS 'total_open - unapplied_cash - unidentified_cash - open_credits';
COMMENT ON COLUMN ar.v_aging_summary.bucket_labels IS 'Labels of the buckets of the setting default_buckets';
COMMENT ON COLUMN ar.v_aging_summary.bucket_amounts IS 'Open amount per bucket of the setting default_buckets, in the order of bucket_labels';

------------------------------------------------------------------------------
-- ar.aging_report: the book as it stood at the end of a past date
------------------------------------------------------------------------------

CREATE FUNCTION ar.aging_report(as_of date DEFAULT CURRENT_DATE,
                                buckets ar.aging_buckets DEFAULT '30,60,90',
                                group_by text DEFAULT 'customer',
                                age_by text DEFAULT 'due_date')
  RETURNS TABLE (group_key text, currency char(3), labels text[], amounts numeric[], total numeric)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  out_labels text[];
  zeros numeric[];
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of of ar.aging_report must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF buckets IS NULL THEN
    RAISE EXCEPTION 'buckets of ar.aging_report must not be null'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass bucket bounds such as ''30,60,90''.';
  END IF;
  IF group_by IS NULL OR group_by NOT IN ('customer', 'segment', 'collector', 'currency', 'total') THEN
    RAISE EXCEPTION 'unknown aging_report grouping "%"', group_by
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Group by customer, segment, collector, currency or total.';
  END IF;
  IF age_by IS NULL OR age_by NOT IN ('due_date', 'issue_date') THEN
    RAISE EXCEPTION 'unknown aging_report age_by "%"', age_by
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Age by due_date (days past due) or issue_date (days since issue).';
  END IF;

  out_labels := ar.aging_labels(buckets) || ARRAY['unapplied_cash', 'open_credits'];
  zeros := array_fill(0::numeric, ARRAY[cardinality(out_labels) - 2]);

  -- One stream of signed amounts, aggregated once per group: each invoice
  -- issued by as_of, minus each allocation in force then, in the invoice's
  -- bucket; each payment and credit note, minus its allocations in force.
  -- Summing allocations per document first would cost a numeric sum() per
  -- invoice; streaming them costs one row each.
  RETURN QUERY
  WITH inv AS NOT MATERIALIZED (
    SELECT i.invoice_id, i.customer_id, i.currency, i.amount,
           as_of - CASE WHEN age_by = 'issue_date' THEN i.issue_date ELSE i.due_date END AS days
      FROM ar.invoice i
     WHERE i.issue_date <= as_of AND i.status <> 'void'
  ), act AS NOT MATERIALIZED (
    -- Allocations in force at the end of as_of.
    SELECT a.invoice_id, a.payment_id, a.credit_note_id, a.kind, a.amount
      FROM ar.allocation a
     WHERE a.applied_on <= as_of AND (a.reversed_on IS NULL OR a.reversed_on > as_of)
  ), items AS (
    SELECT 1 AS src, v.customer_id, v.currency, v.amount, v.days FROM inv v
    UNION ALL
    SELECT 1, v.customer_id, v.currency, -t.amount, v.days
      FROM act t JOIN inv v ON v.invoice_id = t.invoice_id
    UNION ALL
    SELECT 2, p.customer_id, p.currency, p.amount, NULL::integer
      FROM ar.payment p
     WHERE p.received_on <= as_of AND p.status = 'received'
    UNION ALL
    SELECT 2, p.customer_id, p.currency, -t.amount, NULL::integer
      FROM act t JOIN ar.payment p ON p.payment_id = t.payment_id
     WHERE t.kind = 'payment' AND p.received_on <= as_of AND p.status = 'received'
    UNION ALL
    SELECT 3, n.customer_id, n.currency, n.amount, NULL::integer
      FROM ar.credit_note n
     WHERE n.issue_date <= as_of
    UNION ALL
    SELECT 3, n.customer_id, n.currency, -t.amount, NULL::integer
      FROM act t JOIN ar.credit_note n ON n.credit_note_id = t.credit_note_id
     WHERE t.kind = 'credit_note' AND n.issue_date <= as_of
  )
  SELECT g.k, g.cur, out_labels,
         COALESCE(g.aged, zeros) || ARRAY[g.cash, g.credits],
         g.total
    FROM (SELECT CASE group_by
                   WHEN 'customer' THEN c.customer_code
                   WHEN 'segment' THEN c.segment
                   WHEN 'collector' THEN c.collector
                   WHEN 'currency' THEN it.currency::text
                   ELSE 'total'
                 END AS k,
                 it.currency AS cur,
                 ar.aging_sum(it.amount, it.days, buckets) FILTER (WHERE it.src = 1) AS aged,
                 COALESCE(sum(it.amount) FILTER (WHERE it.src = 1), 0) AS total,
                 COALESCE(sum(it.amount) FILTER (WHERE it.src = 2), 0) AS cash,
                 COALESCE(sum(it.amount) FILTER (WHERE it.src = 3), 0) AS credits
            FROM items it
            LEFT JOIN ar.customer c ON c.customer_id = it.customer_id
           GROUP BY 1, 2) g
   -- Groups with nothing open then are left out.
   WHERE COALESCE(g.aged, zeros) <> zeros OR g.cash <> 0 OR g.credits <> 0
   ORDER BY g.cur, g.k NULLS LAST;
END
$$;
COMMENT ON FUNCTION ar.aging_report(date, ar.aging_buckets, text, text) IS
  'Aging of the book as it stood at the end of as_of (allocations from applied_on, reversals from reversed_on), per group (customer, segment, collector, currency or total) and currency; labels are the buckets then unapplied_cash and open_credits; total is the open invoice amount';
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
-- Roles and row security.  Nothing is granted to PUBLIC (990_privileges.sql);
-- ar.create_roles() creates the NOLOGIN roles a DBA grants to people and
-- services, and gives each what it needs.  docs/security.md explains them.
--
--   ar_reader      read every table and view, run every read-only function
--   ar_collector   reader + contacts, promises, disputes, holds, tasks
--   ar_accountant  collector + customers, invoices, payments, allocations,
--                  cash application
--   ar_admin       accountant + policies, templates, settings, calendars,
--                  alert rules, the daily jobs and their scheduling
--   ar_worker      reader + the outbox protocol (claim / complete / fail),
--                  for notification delivery services
--
-- Read rights follow from volatility: a function that is not VOLATILE
-- cannot write, so ar_reader may run every one of them.  Every VOLATILE
-- function is listed below under the role that may run it; the test
-- test/pgtap/90_roles.sql fails when a new one is not.

CREATE FUNCTION ar.role_functions()
  RETURNS TABLE (role_name text, function_name text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  VALUES
    ('ar_collector', 'log_contact'), ('ar_collector', 'complete_task'),
    ('ar_accountant', 'apply_payment'), ('ar_accountant', 'apply_credit_note'), ('ar_accountant', 'write_off'),
    ('ar_accountant', 'reverse_allocation'), ('ar_accountant', 'void_invoice'), ('ar_accountant', 'import_zengin'),
    ('ar_accountant', 'assign_payment'), ('ar_accountant', 'auto_apply'),
    ('ar_worker', 'claim_notifications'), ('ar_worker', 'complete_notification'), ('ar_worker', 'fail_notification'),
    ('ar_admin', 'run_dunning'), ('ar_admin', 'run_daily'), ('ar_admin', 'run_alerts'),
    ('ar_admin', 'evaluate_promises'), ('ar_admin', 'housekeeping'), ('ar_admin', 'schedule_jobs'),
    ('ar_admin', 'unschedule_jobs'), ('ar_admin', 'generate_demo_data'), ('ar_admin', 'demo_advance'),
    ('ar_admin', 'queue_collector_alert'),
    -- parts of the functions above, not meant to be called alone (a caller
    -- needs EXECUTE on what the function it runs calls)
    ('ar_accountant', 'lock_customer'), ('ar_accountant', 'raise_balance_error'),
    ('ar_admin', 'run_dunning_core'), ('ar_admin', 'dunning_charge_fees'), ('ar_admin', 'demo_write'),
    ('ar_admin', 'demo_build_plan'), ('ar_admin', 'refuse_without_pg_cron'),
    -- role management is for the DBA (superuser or the extension's owner)
    ('dba', 'create_roles'), ('dba', 'enable_collector_isolation'), ('dba', 'disable_collector_isolation'),
    ('dba', 'drop_isolation_policy')
$$;
COMMENT ON FUNCTION ar.role_functions() IS
  'Which role may run each VOLATILE function of pg_receivables (read-only functions are all granted to ar_reader)';

-- Tables each role may write, beyond what its parent role may.
CREATE FUNCTION ar.role_tables()
  RETURNS TABLE (role_name text, table_name text, privileges text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  VALUES
    ('ar_collector', 'contact_log', 'INSERT'),
    ('ar_collector', 'promise', 'INSERT, UPDATE'),
    ('ar_collector', 'dispute', 'INSERT, UPDATE'),
    ('ar_collector', 'dunning_hold', 'INSERT, UPDATE'),
    ('ar_collector', 'task', 'INSERT, UPDATE'),
    ('ar_accountant', 'customer', 'INSERT, UPDATE'),
    ('ar_accountant', 'invoice', 'INSERT, UPDATE, DELETE'),
    ('ar_accountant', 'payment', 'INSERT, UPDATE, DELETE'),
    ('ar_accountant', 'credit_note', 'INSERT, UPDATE, DELETE'),
    ('ar_accountant', 'allocation', 'INSERT, UPDATE'),
    ('ar_accountant', 'payer_alias', 'INSERT, UPDATE, DELETE'),
    ('ar_worker', 'notification', 'UPDATE'),
    ('ar_worker', 'contact_log', 'INSERT'),
    ('ar_admin', 'dunning_policy', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'template', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'setting', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'currency', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'calendar', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'holiday', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'alert_rule', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'notification', 'INSERT, UPDATE'),
    ('ar_admin', 'dunning_episode', 'INSERT, UPDATE'),
    ('ar_admin', 'dunning_event', 'INSERT'),
    ('ar_admin', 'interest_charge', 'INSERT'),
    ('ar_admin', 'demo_plan_customer', 'INSERT'),
    ('ar_admin', 'demo_plan_invoice', 'INSERT, UPDATE'),
    ('ar_admin', 'demo_plan_payment', 'INSERT'),
    ('ar_admin', 'customer', 'DELETE'),
    ('ar_admin', 'dispute', 'DELETE'),
    ('ar_admin', 'promise', 'DELETE'),
    ('ar_admin', 'dunning_hold', 'DELETE'),
    ('ar_admin', 'task', 'DELETE')
$$;
COMMENT ON FUNCTION ar.role_tables() IS
  'Which tables each role may write (INSERT/UPDATE/DELETE), beyond what its parent role may';

CREATE FUNCTION ar.create_roles() RETURNS TABLE (role_name text, created boolean)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  r text;
  f record;
BEGIN
  FOREACH r IN ARRAY ARRAY['ar_reader', 'ar_collector', 'ar_accountant', 'ar_admin', 'ar_worker'] LOOP
    role_name := r;
    created := NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r);
    IF created THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
    END IF;
    RETURN NEXT;
  END LOOP;
  FOR f IN SELECT * FROM (VALUES ('ar_reader', 'ar_collector'), ('ar_collector', 'ar_accountant'),
                                 ('ar_accountant', 'ar_admin'), ('ar_reader', 'ar_worker'), ('ar_worker', 'ar_admin'))
                        AS m(parent, child)
            WHERE NOT pg_catalog.pg_has_role(m.child, m.parent, 'MEMBER') LOOP
    EXECUTE pg_catalog.format('GRANT %I TO %I', f.parent, f.child);
  END LOOP;

  GRANT USAGE ON SCHEMA ar TO ar_reader;
  GRANT SELECT ON ALL TABLES IN SCHEMA ar TO ar_reader;
  -- Read-only functions and aggregates (not trigger functions).
  FOR f IN SELECT p.oid::regprocedure AS sig, p.prokind
             FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'ar'::regnamespace
              AND (p.provolatile <> 'v' OR p.prokind = 'a')
              AND p.prorettype <> 'pg_catalog.trigger'::regtype LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO ar_reader', f.sig);
  END LOOP;
  -- Writing functions, by role.
  FOR f IN SELECT p.oid::regprocedure AS sig, rf.role_name
             FROM pg_catalog.pg_proc p
             JOIN ar.role_functions() rf ON rf.function_name = p.proname
            WHERE p.pronamespace = 'ar'::regnamespace AND rf.role_name LIKE 'ar\_%' LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I', f.sig, f.role_name);
  END LOOP;
  FOR f IN SELECT rt.role_name, rt.table_name, rt.privileges FROM ar.role_tables() rt
            WHERE pg_catalog.to_regclass('ar.' || rt.table_name) IS NOT NULL LOOP
    EXECUTE pg_catalog.format('GRANT %s ON ar.%I TO %I', f.privileges, f.table_name, f.role_name);
  END LOOP;
  RETURN;
END
$$;
COMMENT ON FUNCTION ar.create_roles() IS
  'Creates (idempotently) the NOLOGIN roles ar_reader, ar_collector, ar_accountant, ar_admin and ar_worker and grants each what it needs; run again after an upgrade';

------------------------------------------------------------------------------
-- Collector isolation: a member of ar_collector who is not an accountant sees
-- only the customers whose collector is them, and their rows elsewhere, in
-- the tables and through the views (which are security_invoker).
------------------------------------------------------------------------------

-- Tables whose rows belong to a customer (column customer_id).
CREATE FUNCTION ar.customer_owned_tables() RETURNS SETOF text
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.relname::text
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped
   WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'r' AND c.relname <> 'customer'
   ORDER BY 1
$$;
COMMENT ON FUNCTION ar.customer_owned_tables() IS
  'Tables of pg_receivables whose rows belong to a customer (collector isolation covers them)';

-- Whether the current role is restricted to its own customers.
CREATE FUNCTION ar.is_isolated_collector() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.pg_has_role(CURRENT_USER, 'ar_collector', 'MEMBER')
     AND NOT pg_catalog.pg_has_role(CURRENT_USER, 'ar_accountant', 'MEMBER')
     AND NOT pg_catalog.pg_has_role(CURRENT_USER, 'ar_worker', 'MEMBER')
$$;
COMMENT ON FUNCTION ar.is_isolated_collector() IS
  'True for a member of ar_collector who is neither accountant, admin nor worker: row security limits them to their own customers';

CREATE FUNCTION ar.drop_isolation_policy(table_name text) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_policies p
              WHERE p.schemaname = 'ar' AND p.tablename = drop_isolation_policy.table_name
                AND p.policyname = 'collector_isolation') THEN
    EXECUTE pg_catalog.format('DROP POLICY collector_isolation ON ar.%I', drop_isolation_policy.table_name);
  END IF;
END
$$;
COMMENT ON FUNCTION ar.drop_isolation_policy(text) IS 'Drops the collector_isolation policy of a table if it has one (internal)';

CREATE FUNCTION ar.enable_collector_isolation() RETURNS TABLE (table_name text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ar_collector') THEN
    RAISE EXCEPTION 'role ar_collector does not exist'
      USING ERRCODE = 'undefined_object',
            HINT = 'Run SELECT * FROM ar.create_roles(); first.';
  END IF;
  ALTER TABLE ar.customer ENABLE ROW LEVEL SECURITY;
  PERFORM ar.drop_isolation_policy('customer');
  CREATE POLICY collector_isolation ON ar.customer
    USING (NOT (SELECT ar.is_isolated_collector()) OR collector = CURRENT_USER);
  table_name := 'customer';
  RETURN NEXT;
  FOR t IN SELECT * FROM ar.customer_owned_tables() LOOP
    EXECUTE pg_catalog.format('ALTER TABLE ar.%I ENABLE ROW LEVEL SECURITY', t);
    PERFORM ar.drop_isolation_policy(t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY collector_isolation ON ar.%I USING (NOT (SELECT ar.is_isolated_collector()) OR customer_id IN '
      '(SELECT c.customer_id FROM ar.customer c WHERE c.collector = CURRENT_USER))', t);
    table_name := t;
    RETURN NEXT;
  END LOOP;
  -- The audit log names rows of every customer: isolated collectors see none.
  ALTER TABLE ar.audit_log ENABLE ROW LEVEL SECURITY;
  PERFORM ar.drop_isolation_policy('audit_log');
  CREATE POLICY collector_isolation ON ar.audit_log USING (NOT (SELECT ar.is_isolated_collector()));
  -- Trigger-written rows (the audit log itself is written by SECURITY
  -- DEFINER triggers, which row security does not restrict for the owner).
  table_name := 'audit_log';
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION ar.enable_collector_isolation() IS
  'Turns on row-level security so that a collector sees only the customers assigned to them (customer.collector) and their rows in every table and view';

CREATE FUNCTION ar.disable_collector_isolation() RETURNS TABLE (table_name text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  t text;
BEGIN
  FOR t IN SELECT 'customer' UNION ALL SELECT 'audit_log' UNION ALL SELECT * FROM ar.customer_owned_tables() LOOP
    PERFORM ar.drop_isolation_policy(t);
    EXECUTE pg_catalog.format('ALTER TABLE ar.%I DISABLE ROW LEVEL SECURITY', t);
    table_name := t;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION ar.disable_collector_isolation() IS 'Turns collector isolation off again (drops its policies)';
-- Nothing is granted to PUBLIC.  Functions are executable by PUBLIC by
-- default, so that is taken back here, after every function exists; roles
-- get their grants from ar.create_roles().  Types keep PUBLIC USAGE only
-- so that their values can be read by anyone granted a table or function.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON SCHEMA ar FROM PUBLIC;
