-- Notices as a customer reads them: the shipped Japanese and English
-- overdue_1 and final_notice rendered against the sample data of the data
-- contract, money and date formats, and the errors for bad templates.
\set SHOW_CONTEXT never

SELECT ar.format_money(a, c, l) AS formatted, a AS amount, c AS currency, l AS locale
  FROM (VALUES (1234::numeric, 'JPY', 'ja'), (1234, 'JPY', 'en'), (-1234, 'JPY', 'ja'),
               (1234.56, 'USD', 'en'), (-1234.56, 'USD', 'en'), (1234.56, 'USD', 'ja'),
               (1234.567, 'KWD', 'en'), (1000000, 'EUR', 'en')) v(a, c, l);
SELECT ar.format_date(date '2026-11-30', 'ja') AS ja, ar.format_date(date '2026-11-30', 'en') AS en;

\pset format unaligned
\pset tuples_only on
SELECT '=== ' || template_code || ' (' || channel || ', ' || locale || ') ===' || E'\n'
       || COALESCE('Subject: ' || ar.render_template(subject, ar.template_sample_data(locale), true) || E'\n\n', '')
       || ar.render_template(body, ar.template_sample_data(locale), true)
  FROM ar.template
 WHERE template_code IN ('overdue_1', 'final_notice')
 ORDER BY template_code DESC, locale DESC;
\pset format aligned
\pset tuples_only off

-- Bad templates.
SELECT ar.render_template(E'Dear {{customer.name}},\n{{#invoices}}\n- {{invoice_no}}\n', '{}');
SELECT ar.render_template('{{#invoices}}{{invoice_no}}{{/invoice}}', '{}');
SELECT ar.render_template('{{> footer}}', '{}');
SELECT ar.render_template('{{customer.name}}{{customer.address}}', '{"customer": {"name": "x"}}', true);
INSERT INTO ar.template (template_code, channel, locale, subject, body)
  VALUES ('reminder', 'email', 'en', 'Reminder', 'Dear {{customer name}}');
