-- Templates: every construct of ar.render_template, malformed templates
-- with SQLSTATE and message, limits, money and date formatting, the
-- ar.template table and its checks, and the shipped templates rendered
-- against the data contract in strict mode.
BEGIN;
SELECT plan(134);

CREATE FUNCTION pg_temp.r(t text, d jsonb DEFAULT '{}') RETURNS text LANGUAGE sql
  RETURN ar.render_template(t, d);
CREATE TEMP TABLE d AS SELECT $j${
  "customer": {"name": "株式会社みなと工業", "code": "C-1", "tags": ["vip", "jp"]},
  "total_overdue": "165,000円",
  "invoices": [{"invoice_no": "I-1", "open_amount": "110,000円", "days_past_due": 30},
               {"invoice_no": "I-2", "open_amount": "55,000円", "days_past_due": 15, "note": "partly paid"}],
  "count": 2, "zero": 0, "ratio": 1.50, "yes": true, "no": false, "nothing": null,
  "empty_list": [], "empty_text": "", "text": "hello",
  "html": "<b>Tom & \"Jerry\"</b>",
  "evil": "{{#customer}}{{name}}{{/customer}}'; DROP TABLE ar.template; --"
}$j$::jsonb AS data;

-- Values ------------------------------------------------------------------------
SELECT is(pg_temp.r('Hello', data), 'Hello', 'text without tags is copied') FROM d;
SELECT is(pg_temp.r('{{total_overdue}}', data), '165,000円', 'a top-level value') FROM d;
SELECT is(pg_temp.r('{{customer.name}} 御中', data), '株式会社みなと工業 御中', 'a dotted path') FROM d;
SELECT is(pg_temp.r('{{ customer.code }}', data), 'C-1', 'white space inside a tag is ignored') FROM d;
SELECT is(pg_temp.r('[{{missing}}][{{customer.missing}}][{{missing.deeper}}]', data), '[][][]',
          'a missing name renders as nothing') FROM d;
SELECT is(pg_temp.r('{{count}} {{zero}} {{ratio}}', data), '2 0 1.50', 'numbers render as jsonb writes them') FROM d;
SELECT is(pg_temp.r('{{yes}} {{no}} [{{nothing}}]', data), 'true false []', 'booleans render as words, null as nothing') FROM d;
SELECT is(pg_temp.r('[{{customer}}][{{invoices}}]', data), '[][]', 'objects and arrays in a value tag render as nothing') FROM d;
SELECT is(pg_temp.r('{{html}}', data), '<b>Tom & "Jerry"</b>', 'nothing is HTML-escaped (notices are plain text)') FROM d;
SELECT is(pg_temp.r('{{&html}}|{{{html}}}', data), '<b>Tom & "Jerry"</b>|<b>Tom & "Jerry"</b>',
          '{{&x}} and {{{x}}} are accepted as synonyms') FROM d;
SELECT is(pg_temp.r('{{evil}}', data), (SELECT data ->> 'evil' FROM d),
          'a value that looks like a tag or SQL is output literally, never rendered or run') FROM d;
SELECT has_table('ar', 'template', '... and ar.template is still there');
SELECT is(pg_temp.r('SELECT * FROM ar.template; {{! a comment }}DROP', data), 'SELECT * FROM ar.template; DROP',
          'SQL in a template is just text; comments vanish') FROM d;

-- Sections -----------------------------------------------------------------------
SELECT is(pg_temp.r('{{#invoices}}{{invoice_no}}={{open_amount}};{{/invoices}}', data), 'I-1=110,000円;I-2=55,000円;',
          'a section iterates an array of objects') FROM d;
SELECT is(pg_temp.r('{{#invoices}}{{invoice_no}}:{{customer.code}}:{{total_overdue}} {{/invoices}}', data),
          'I-1:C-1:165,000円 I-2:C-1:165,000円 ', 'inside a section, names not found in the item come from outside') FROM d;
SELECT is(pg_temp.r('{{#invoices}}{{#note}}({{note}}){{/note}}{{^note}}-{{/note}}{{/invoices}}', data),
          '-(partly paid)', 'nested sections, and a key missing in one item') FROM d;
SELECT is(pg_temp.r('{{#customer}}{{name}}/{{#tags}}[{{.}}]{{/tags}}{{/customer}}', data), '株式会社みなと工業/[vip][jp]',
          'an object section renders once in its context; {{.}} is the current item') FROM d;
SELECT is(pg_temp.r('{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{#nothing}}0{{/nothing}}{{#missing}}M{{/missing}}', data), 'Y',
          'true renders once; false, null and missing render nothing') FROM d;
SELECT is(pg_temp.r('{{#text}}<{{.}}>{{/text}}{{#empty_text}}E{{/empty_text}}{{#empty_list}}L{{/empty_list}}{{#zero}}z{{.}}{{/zero}}', data),
          '<hello>z0', 'a non-empty string and any number are truthy; "" and [] are not') FROM d;
SELECT is(pg_temp.r('{{^no}}a{{/no}}{{^nothing}}b{{/nothing}}{{^missing}}c{{/missing}}{{^empty_list}}d{{/empty_list}}{{^empty_text}}e{{/empty_text}}{{^yes}}X{{/yes}}{{^invoices}}X{{/invoices}}', data),
          'abcde', 'an inverted section renders when the value is false, null, missing, [] or ""') FROM d;
SELECT is(pg_temp.r(E'Invoices:\n{{#invoices}}\n- {{invoice_no}}\n{{/invoices}}\n{{^empty_list}}\n  (none)\n{{/empty_list}}\nEnd', data),
          E'Invoices:\n- I-1\n- I-2\n  (none)\nEnd', 'a section tag alone on its line leaves no blank line') FROM d;
SELECT is(pg_temp.r(E'a {{#yes}}b{{/yes}} c\n  {{! note }}  \nd', data), E'a b c\nd',
          'tags sharing a line with text keep the line; a lone comment line goes') FROM d;
SELECT is(pg_temp.r(E'{{#yes}}\r\nx\r\n{{/yes}}\r\n', data), E'x\r\n', 'CRLF lines are handled alike') FROM d;
SELECT is(pg_temp.r('{{#customer}}{{#invoices}}{{invoice_no}}@{{name}} {{/invoices}}{{/customer}}', data),
          'I-1@株式会社みなと工業 I-2@株式会社みなと工業 ', 'context stack: inner items, then the enclosing object, then the root') FROM d;
SELECT is(ar.render_template('{{a}}', '"scalar"'), '', 'a non-object root gives no names');

-- Strict mode
SELECT is(ar.render_template('{{customer.name}}{{nothing}}{{#no}}x{{/no}}', data, true), '株式会社みなと工業',
          'strict: null and false values are present') FROM d;
SELECT throws_ok($$SELECT ar.render_template(E'Dear {{customer.name}},\n{{customer.address}}', data, true) FROM d$$,
                 '22023', 'placeholder "customer.address" at line 2, column 1 has no value in the data',
                 'strict: a missing name is an error naming it and its position');
SELECT throws_ok($$SELECT ar.render_template('{{^promise}}x{{/promise}}', '{}', true)$$,
                 '22023', 'placeholder "promise" at line 1, column 1 has no value in the data',
                 'strict: section names must be present too');

-- Malformed templates: 22P02 naming the tag and where it is ------------------------
SELECT throws_ok(format('SELECT ar.template_placeholders(%L)', t), '22P02', msg, why)
  FROM (VALUES
    (E'Hello\n{{#invoices}}\n{{invoice_no}}', 'unclosed section "invoices" opened at line 2, column 1', 'unclosed section'),
    (E'{{#a}}{{#b}}x{{/a}}{{/b}}', 'closing tag "{{/a}}" at line 1, column 14 does not match section "b" opened at line 1, column 7', 'mismatched section'),
    ('x {{/a}}', 'closing tag "{{/a}}" at line 1, column 3 has no open section', 'close without open'),
    (E'お支払い\n　{{customer.name', 'unclosed tag "{{customer.name" at line 2, column 2', 'unclosed tag, columns count characters'),
    ('{{{raw}}', 'unclosed tag "{{{raw}}" at line 1, column 1', 'unclosed triple'),
    ('{{customer name}}', 'bad tag name "customer name" at line 1, column 1', 'space in a name'),
    ('{{customer..name}}', 'bad tag name "customer..name" at line 1, column 1', 'empty path segment'),
    ('{{a.}}', 'bad tag name "a." at line 1, column 1', 'trailing dot'),
    ('{{name()}}', 'bad tag name "name()" at line 1, column 1', 'no calls'),
    ('{{1+1}}', 'bad tag name "1+1" at line 1, column 1', 'no expressions'),
    ('{{}}', 'empty tag "{{}}" at line 1, column 1', 'empty tag'),
    ('{{# }}x{{/}}', 'empty tag "{{#}}" at line 1, column 1', 'empty section name'),
    ('{{> footer}}', 'unsupported tag "{{> footer}}" at line 1, column 1', 'no partials'),
    ('{{=<% %>=}}', 'unsupported tag "{{=<% %>=}}" at line 1, column 1', 'no delimiter changes'),
    ('{{$block}}x{{/block}}', 'unsupported tag "{{$block}}" at line 1, column 1', 'no blocks'),
    ('{{' || repeat('n', 129) || '}}', 'tag name "' || repeat('n', 40) || '..." at line 1, column 1 is longer than 128 bytes', 'long name')
  ) v(t, msg, why);
SELECT throws_ok($$SELECT ar.render_template('{{#a}}', '{}')$$, '22P02', 'unclosed section "a" opened at line 1, column 1',
                 'render_template checks the template too');

-- Limits: 54000 ----------------------------------------------------------------------
SELECT throws_ok(format('SELECT ar.template_placeholders(%L)', repeat('{{#a}}', 17) || repeat('{{/a}}', 17)), '54000',
                 'sections nested deeper than 16 at line 1, column 97', 'nesting depth is limited to 16');
SELECT lives_ok(format('SELECT ar.template_placeholders(%L)', repeat('{{#a}}', 16) || repeat('{{/a}}', 16)),
                '16 nested sections are fine');
SELECT throws_ok($$SELECT ar.render_template('{{#items}}' || repeat('x', 1000) || '{{/items}}',
                                             jsonb_build_object('items', (SELECT jsonb_agg(g) FROM generate_series(1, 2000) g)))$$,
                 '54000', 'rendered template exceeds 1048576 bytes', 'output is limited to 1 MiB');
SELECT throws_ok($$SELECT ar.render_template(repeat('{{#a}}', 6) || repeat('{{/a}}', 6),
                                             jsonb_build_object('a', (SELECT jsonb_agg(g) FROM generate_series(1, 20) g)))$$,
                 '54000', 'rendering the template takes more than 10000000 steps', 'work is limited even without output');
SELECT throws_ok($$SELECT ar.template_placeholders(repeat('x', 1048577))$$, '54000',
                 'template of 1048577 bytes is longer than the limit of 1048576 bytes', 'template size is limited to 1 MiB');

-- ar.template_placeholders -----------------------------------------------------------
SELECT is(ar.template_placeholders('{{customer.name}} {{#invoices}}{{invoice_no}}{{customer.name}}{{/invoices}}{{^promise}}{{/promise}}{{! c }}'),
          ARRAY['customer.name', 'invoices', 'invoice_no', 'promise'], 'distinct names in order of first use');
SELECT is(ar.template_placeholders('plain text'), '{}'::text[], 'no names');

-- format_money ------------------------------------------------------------------------
SELECT is(ar.format_money(a, c, l), want, format('format_money(%s, %s, %s)', a, c, l))
  FROM (VALUES
    (1234::numeric, 'JPY', 'ja', '1,234円'),
    (1234, 'JPY', 'en', '¥1,234'),
    (-1234, 'JPY', 'ja', '-1,234円'),
    (-1234, 'JPY', 'en', '-¥1,234'),
    (1234.5, 'JPY', 'ja', '1,235円'),
    (0, 'JPY', 'ja', '0円'),
    (999, 'JPY', 'ja', '999円'),
    (1000, 'JPY', 'ja', '1,000円'),
    (123456789012, 'JPY', 'ja', '123,456,789,012円'),
    (1234.56, 'USD', 'en', '$1,234.56'),
    (-1234.56, 'USD', 'en', '-$1,234.56'),
    (1234.5, 'USD', 'en', '$1,234.50'),
    (1234, 'USD', 'en', '$1,234.00'),
    (0.004, 'USD', 'en', '$0.00'),
    (-0.004, 'USD', 'en', '$0.00'),
    (1234.56, 'USD', 'ja', 'USD 1,234.56'),
    (-1234.56, 'USD', 'ja', '-USD 1,234.56'),
    (1234.567, 'KWD', 'en', 'KWD 1,234.567'),
    (-1234.5, 'KWD', 'en', '-KWD 1,234.500'),
    (1234.567, 'KWD', 'ja', 'KWD 1,234.567'),
    (1000000, 'EUR', 'en', '€1,000,000.00'),
    (1000000, 'CHF', 'en', 'CHF 1,000,000.00')
  ) v(a, c, l, want);
SELECT is(ar.format_money(1234, 'JPY'), '1,234円', 'locale defaults to ja');
UPDATE ar.currency SET symbol = 'US$' WHERE code = 'USD';
SELECT is(ar.format_money(5, 'USD', 'en'), 'US$5.00', 'the symbol comes from ar.currency');
SELECT throws_ok($$SELECT ar.format_money(1, 'ZZZ', 'ja')$$, '23503', 'unknown currency "ZZZ"', 'unknown currency');
SELECT throws_ok($$SELECT ar.format_money(1, 'JP', 'ja')$$, '23503', 'unknown currency "JP"', 'short currency code');
SELECT throws_ok($$SELECT ar.format_money(1, 'JPY', 'de')$$, '22023', 'unknown locale "de"', 'unknown locale');
SELECT throws_ok($$SELECT ar.format_money('NaN', 'JPY', 'ja')$$, '22023', 'cannot format "NaN" as money', 'NaN');
SELECT is(ar.format_money(NULL, 'JPY', 'ja'), NULL, 'NULL amount gives NULL');
SELECT is((SELECT string_agg(ar.format_money(a, c, 'en'), ' ' ORDER BY a)
             FROM (VALUES (1::numeric, 'JPY'), (2, 'USD'), (3, 'KWD'), (4, 'JPY')) v(a, c)),
          '¥1 US$2.00 KWD 3.000 ¥4', 'currencies mixed row by row in one query');

-- format_date ---------------------------------------------------------------------------
SELECT is(ar.format_date('2026-11-30', 'ja'), '2026年11月30日', 'ja date');
SELECT is(ar.format_date('2026-01-05', 'ja'), '2026年1月5日', 'ja date without leading zeros');
SELECT is(ar.format_date('2026-11-30', 'en'), 'November 30, 2026', 'en date');
SELECT is(ar.format_date('2027-02-01', 'en'), 'February 1, 2027', 'en date, single-digit day');
SELECT is(ar.format_date('2026-11-30'), '2026年11月30日', 'locale defaults to ja');
SELECT throws_ok($$SELECT ar.format_date('infinity', 'ja')$$, '22023', 'cannot format the infinite date "infinity"', 'infinity');
SELECT throws_ok($$SELECT ar.format_date('0044-03-15 BC', 'en')$$, '22023', 'cannot format the date "0044-03-15 BC"', 'BC dates');
SELECT throws_ok($$SELECT ar.format_date('2026-11-30', 'fr')$$, '22023', 'unknown locale "fr"', 'unknown locale');

-- ar.template ---------------------------------------------------------------------------
SELECT col_is_pk('ar', 'template', 'template_id', 'template_id is the primary key');
SELECT col_is_unique('ar', 'template', ARRAY['template_code', 'channel', 'locale'], 'one template per code, channel and locale');
SELECT is((SELECT count(*)::int FROM pg_attribute a WHERE a.attrelid = 'ar.template'::regclass AND a.attnum > 0
             AND col_description(a.attrelid, a.attnum) IS NULL), 0, 'every column of ar.template has a comment');
SELECT ok((SELECT c.oid = ANY (e.extconfig) AND e.extcondition[array_position(e.extconfig, c.oid)] = 'WHERE NOT seeded'
             FROM pg_extension e, pg_class c WHERE e.extname = 'pg_receivables' AND c.oid = 'ar.template'::regclass),
          'pg_dump keeps user templates, not the shipped ones');
SELECT ok((SELECT 'ar.template_template_id_seq'::regclass::oid = ANY (extconfig) FROM pg_extension WHERE extname = 'pg_receivables'),
          'pg_dump keeps the template id sequence');
SELECT throws_ok($$INSERT INTO ar.template (template_code, channel, locale, subject, body)
                   VALUES ('Bad-Code', 'email', 'ja', 's', 'b')$$, '23514', NULL, 'template codes are [a-z0-9_]+');
SELECT throws_ok($$INSERT INTO ar.template (template_code, channel, locale, subject, body)
                   VALUES ('x', 'fax', 'ja', 's', 'b')$$, '23514', NULL, 'channel must be known');
SELECT throws_ok($$INSERT INTO ar.template (template_code, channel, locale, subject, body)
                   VALUES ('x', 'email', 'de', 's', 'b')$$, '23514', NULL, 'locale is ja or en');
SELECT throws_ok($$INSERT INTO ar.template (template_code, channel, locale, subject, body)
                   VALUES ('x', 'sms', 'ja', 'subject', 'b')$$, '23514', NULL, 'an sms has no subject');
SELECT throws_ok($$INSERT INTO ar.template (template_code, channel, locale, subject, body)
                   VALUES ('x', 'email', 'ja', NULL, 'b')$$, '23514', NULL, 'an email needs a subject');
SELECT throws_ok($$INSERT INTO ar.template (template_code, channel, locale, subject, body)
                   VALUES ('x', 'email', 'ja', 's', E'{{#invoices}}\n{{invoice_no}}')$$, '22P02',
                 'body of template "x" (email, ja): unclosed section "invoices" opened at line 1, column 1',
                 'a malformed body is refused on insert, naming the template');
SELECT throws_ok($$INSERT INTO ar.template (template_code, channel, locale, subject, body)
                   VALUES ('x', 'email', 'ja', 'Re: {{customer name}}', 'b')$$, '22P02',
                 'subject of template "x" (email, ja): bad tag name "customer name" at line 1, column 5',
                 'a malformed subject is refused');
SELECT throws_ok($$UPDATE ar.template SET body = body || '{{/invoices}}' WHERE template_code = 'overdue_1' AND locale = 'en'$$,
                 '22P02', 'body of template "overdue_1" (email, en): closing tag "{{/invoices}}" at line 20, column 1 has no open section',
                 'a malformed body is refused on update');
INSERT INTO ar.template (template_code, channel, locale, subject, body)
  VALUES ('custom', 'email', 'en', 'Hi {{customer.name}}', 'Total {{total_overdue}}');
SELECT is((SELECT (seeded, updated_at IS NULL) FROM ar.template WHERE template_code = 'custom'), (false, true),
          'a user template is not seeded');
UPDATE ar.template SET body = body || E'\nThanks' WHERE template_code = 'overdue_1' AND locale = 'en';
SELECT is((SELECT (seeded, updated_at IS NOT NULL) FROM ar.template WHERE template_code = 'overdue_1' AND locale = 'en'),
          (false, true), 'editing a shipped template makes it a user row (dumped) and stamps updated_at');
SELECT ok((SELECT seeded FROM ar.template WHERE template_code = 'overdue_1' AND locale = 'ja'), 'other shipped templates stay seeded');

-- Company settings and sample data ------------------------------------------------------
SELECT is((SELECT array_agg(key ORDER BY key) FROM ar.setting WHERE key LIKE 'company%' AND seeded),
          ARRAY['company_bank_account', 'company_bank_account_en', 'company_contact', 'company_contact_en',
                'company_name', 'company_name_en', 'company_phone'], 'company settings are shipped');
UPDATE ar.setting SET value = '株式会社さくら商事' WHERE key = 'company_name';
UPDATE ar.setting SET value = 'Sakura Trading Co., Ltd.' WHERE key = 'company_name_en';
UPDATE ar.setting SET value = 'さくら銀行 本店 普通 1234567' WHERE key = 'company_bank_account';
SELECT is(ar.template_company('ja'), '{"name": "株式会社さくら商事", "bank_account": "さくら銀行 本店 普通 1234567", "contact": "", "phone": ""}'::jsonb,
          'template_company(ja) reads the settings');
SELECT is(ar.template_company('en') ->> 'name', 'Sakura Trading Co., Ltd.', 'template_company(en) prefers the _en setting');
SELECT is(ar.template_company('en') ->> 'bank_account', 'さくら銀行 本店 普通 1234567', '... and falls back to the base one');
SELECT throws_ok($$SELECT ar.template_company('de')$$, '22023', 'unknown locale "de"', 'template_company: unknown locale');
SELECT throws_ok($$SELECT ar.template_sample_data('de')$$, '22023', 'unknown locale "de"', 'template_sample_data: unknown locale');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(ar.template_sample_data('ja')) k),
          (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(ar.template_sample_data('en')) k),
          'both sample data sets have the same keys');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(ar.template_sample_data('ja') -> 'company') k),
          (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(ar.template_company('ja')) k),
          'template_company gives exactly the company keys of the contract');

-- Shipped templates -------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM ar.ladder_steps('-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2; +14 sms:overdue_sms min=1000; +21 call; +30 letter:final_notice; +45 agency stop') s
            CROSS JOIN (VALUES ('ja'), ('en')) v(locale)
            WHERE NOT EXISTS (SELECT FROM ar.template t WHERE t.template_code = COALESCE(s.template, s.channel)
                                AND t.channel = s.channel AND t.locale = v.locale)),
          0, 'every step of the default ladder has a shipped template in ja and en (a step without one uses the channel name)');
SELECT is((SELECT count(*)::int FROM ar.template WHERE seeded AND channel = 'internal'
            AND template_code IN ('broken_promise', 'collector_alert')), 4, 'the internal alerts are shipped in ja and en');
SELECT is((SELECT count(*)::int FROM ar.template WHERE seeded), 19, 'nineteen shipped templates (one was edited above)');

-- Every shipped template renders against the data contract with no name left unfilled:
-- strict mode raises for a name the contract does not provide.
CREATE TEMP TABLE rendered AS
SELECT t.template_code, t.channel, t.locale,
       ar.render_template(t.subject, ar.template_sample_data(t.locale), true) AS subject,
       ar.render_template(t.body, ar.template_sample_data(t.locale), true) AS body
  FROM ar.template t;
SELECT is((SELECT count(*)::int FROM rendered), 21, 'every template rendered strictly against the contract');
SELECT is((SELECT count(*)::int FROM rendered WHERE body LIKE '%{{%' OR body LIKE '%}}%' OR subject LIKE '%{{%'), 0,
          'no tag is left in any output');
SELECT is((SELECT count(*)::int FROM rendered r JOIN ar.template t USING (template_code, channel, locale)
            WHERE EXISTS (SELECT FROM unnest(ar.template_placeholders(t.body) || COALESCE(ar.template_placeholders(t.subject), '{}')) n
                          WHERE n NOT IN ('invoices', 'promise', 'alert', 'collector', 'invoice_no', 'issue_date', 'due_date',
                                          'amount', 'open_amount', 'days_past_due', 'made_on', 'promised_on', 'note', 'rule',
                                          'threshold', 'today', 'pay_by', 'currency', 'total_overdue', 'total_amount',
                                          'invoice_count', 'customer.name', 'customer.code', 'customer.email',
                                          'customer.phone', 'company.name', 'company.bank_account', 'company.contact',
                                          'company.phone'))),
          0, 'shipped templates use only the names documented in docs/templates.md');
SELECT throws_ok($$SELECT ar.render_template(body || '{{customer.fax}}', ar.template_sample_data('ja'), true)
                     FROM ar.template WHERE template_code = 'overdue_1' AND locale = 'ja'$$,
                 '22023', NULL, 'the check fails for a template using a name outside the contract');
SELECT is((SELECT count(*)::int FROM rendered WHERE locale = 'ja' AND channel IN ('email', 'sms', 'letter')
            AND template_code <> 'custom' AND body NOT LIKE '%行き違い%'), 0, 'every Japanese customer notice allows for a payment crossing it (行き違い)');
SELECT is((SELECT count(*)::int FROM rendered WHERE locale = 'en' AND channel IN ('email', 'sms', 'letter')
            AND template_code <> 'custom' AND body !~* 'already paid|crossed'), 0, 'every English customer notice allows for a payment crossing it');
SELECT ok((SELECT body LIKE '%前略%草々%記%以上%' FROM rendered WHERE template_code = 'final_notice' AND locale = 'ja'),
          'the Japanese final notice is a letter: 前略 … 草々, 記 … 以上');
SELECT ok((SELECT body LIKE '%拝啓%敬具%' FROM rendered WHERE template_code = 'dunning_letter' AND locale = 'ja'),
          'the Japanese 督促状 opens with 拝啓 and closes with 敬具');
SELECT ok((SELECT body LIKE '%INV-2026-0930%110,000円%INV-2026-1015%55,000円%165,000円%'
             FROM rendered WHERE template_code = 'overdue_1' AND locale = 'ja'), 'overdue_1 (ja) lists the invoices and the total');
SELECT ok((SELECT body LIKE '%$1,100.00%$550.00%$1,650.00%' FROM rendered WHERE template_code = 'overdue_1' AND locale = 'en'),
          'overdue_1 (en) lists the invoices and the total');
SELECT ok((SELECT subject = '【お支払いのお願い】株式会社さくら商事' FROM rendered WHERE template_code = 'overdue_1' AND locale = 'ja'),
          'subjects are rendered too');
SELECT ok((SELECT body LIKE '山田さん%' FROM rendered WHERE template_code = 'broken_promise' AND locale = 'ja'),
          'an internal alert greets the collector by name');
SELECT is(ar.render_template(body, ar.template_sample_data('ja') || '{"collector": ""}', true),
          (SELECT replace(r.body, '山田さん', '債権管理ご担当各位') FROM rendered r WHERE template_code = 'broken_promise' AND locale = 'ja'),
          '... or everyone when no collector is assigned')
  FROM ar.template WHERE template_code = 'broken_promise' AND locale = 'ja';
SELECT ok((SELECT max(length(body)) <= 140 FROM rendered WHERE channel = 'sms' AND locale = 'ja'),
          'the Japanese SMS stays within two messages (140 characters)');

-- Properties
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'ar'::regnamespace
             AND p.proname IN ('render_template', 'template_placeholders', 'format_money', 'format_date',
                               'template_company', 'template_sample_data', 'tg_template_validate')
             AND obj_description(p.oid, 'pg_proc') IS NULL), 0, 'every template function has a comment');
SELECT is((SELECT format('%s %s %s', provolatile, proisstrict, proparallel) FROM pg_proc WHERE oid = 'ar.render_template'::regproc),
          'i t s', 'ar.render_template is IMMUTABLE STRICT PARALLEL SAFE');
SELECT is((SELECT format('%s %s %s', provolatile, proisstrict, proparallel) FROM pg_proc WHERE oid = 'ar.format_money'::regproc),
          's t s', 'ar.format_money is STABLE (reads ar.currency) STRICT PARALLEL SAFE');

SELECT * FROM finish();
ROLLBACK;
