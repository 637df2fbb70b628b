-- Payment terms and business calendars: a few terms as stored, as people
-- read them, and the due dates they give; then the bank holidays ahead.
\echo
\echo '=== 2. Payment terms (支払条件) and due dates (JP-BANK calendar) ==='
SELECT t AS "terms (stored)",
       ar.terms_label(t, 'ja') AS "表示",
       ar.terms_label(t, 'en') AS "label",
       ar.due_date(t, date '2026-04-15') AS "issued 04-15",
       ar.due_date(t, date '2026-04-25') AS "issued 04-25",
       ar.due_date(t, date '2026-11-30') AS "issued 11-30"
  FROM unnest(ARRAY['月末締め翌月末払い（前営業日）', '20日締め翌月10日払い（翌営業日）',
                    '月末締め翌々月10日払い', '15日締め当月末払い・月末締め翌月15日払い',
                    'net 30, adjust following', '2/10 net 30']::ar.payment_terms[]) WITH ORDINALITY AS x(t, n)
 ORDER BY n;

\echo 'Bank holidays (JP-BANK) in the coming month and a half, and where a payment due then lands:'
SELECT day AS "day", to_char(day, 'Dy') AS "dow", name AS "name",
       ar.adjust_business_day(day, 'preceding') AS "前営業日",
       ar.adjust_business_day(day, 'following') AS "翌営業日"
  FROM ar.holidays('JP-BANK', current_date, current_date + 45);
