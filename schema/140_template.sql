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
