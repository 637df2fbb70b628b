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
