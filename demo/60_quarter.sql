-- A realistic book and a simulated quarter of daily jobs: the demo book
-- generator builds a year of history up to 91 days ago, then every day of
-- the last quarter its invoices and payments arrive, ar.auto_apply matches
-- the day's transfers, and ar.run_daily does what a pg_cron job would do at
-- 09:00.
\echo
\echo '=== 7. Dunning (督促): a 1,000-customer book and a simulated quarter of daily jobs ==='
UPDATE ar.setting SET value = '株式会社さくら商事' WHERE key = 'company_name';
UPDATE ar.setting SET value = 'さくら銀行 本店営業部 普通預金 1234567 カ）サクラシヨウジ' WHERE key = 'company_bank_account';
UPDATE ar.setting SET value = '経理部 売掛金担当 03-1234-5678 ar@sakura-shoji.example.jp' WHERE key = 'company_contact';
UPDATE ar.setting SET value = 'Sakura Shoji Co., Ltd.' WHERE key = 'company_name_en';

SELECT ar.generate_demo_data(1000, 12, 42,
                             (date_trunc('month', current_date) - interval '12 months')::date,
                             current_date - 91) AS "history written";

CREATE TEMP TABLE quarter (day date, arrived jsonb, daily jsonb);
DO $$
DECLARE
  d date;
BEGIN
  FOR d IN SELECT g::date FROM generate_series(current_date - 90, current_date, interval '1 day') g LOOP
    -- The day's transfers arrive unapplied, as from the bank; cash
    -- application applies what it is sure of, and a clerk settles the rest
    -- by hand (ar.assign_payment: oldest invoices first).
    INSERT INTO quarter (day, arrived) SELECT d, ar.demo_advance(d, apply => false);
    PERFORM ar.auto_apply(received_since => d);
    PERFORM ar.assign_payment(p.payment_id, p.customer_id)
       FROM ar.payment p
      WHERE p.received_on = d AND p.matched_by IS NULL AND p.unapplied_amount > 0 AND p.customer_id IS NOT NULL
      ORDER BY p.payment_id;
    UPDATE quarter SET daily = ar.run_daily(d + time '09:00') WHERE day = d;
    -- A delivery worker drains the outbox (examples/delivery_worker.py does
    -- this for real); the simulation dates the delivery to the simulated day.
    PERFORM ar.complete_notification(c.notification_id, 'demo')
       FROM (VALUES ('email'), ('sms'), ('letter'), ('agency'), ('internal')) ch(channel),
            LATERAL ar.claim_notifications(ch.channel, 10000, 'demo-worker') c;
    UPDATE ar.notification SET sent_at = scheduled_for WHERE status = 'sent' AND sent_at > scheduled_for;
  END LOOP;
END
$$;

\echo 'The quarter, week by week (what arrived, what the 09:00 job decided):'
SELECT date_trunc('week', day)::date AS "week of",
       sum((arrived ->> 'invoices')::int) AS invoices,
       sum((arrived ->> 'payments')::int) AS payments,
       sum((daily -> 'dunning' ->> 'sent')::int) AS "notices sent",
       sum((daily -> 'dunning' ->> 'paused')::int) AS paused,
       sum((daily -> 'dunning' ->> 'episodes_started')::int) AS "episodes started",
       sum((daily -> 'promises' ->> 'kept')::int) AS "promises kept",
       sum((daily -> 'promises' ->> 'broken')::int) AS "promises broken"
  FROM quarter GROUP BY 1 ORDER BY 1;

\echo 'Cash application over the quarter (自動消込率 = matched by ar.auto_apply):'
SELECT count(*) AS payments,
       count(*) FILTER (WHERE matched_by = 'auto') AS "matched automatically",
       count(*) FILTER (WHERE matched_by = 'manual') AS "settled by hand",
       round(100.0 * count(*) FILTER (WHERE matched_by = 'auto') / NULLIF(count(*), 0), 1) AS "auto-match %"
  FROM ar.payment WHERE received_on > current_date - 91 AND source = 'demo';

\echo 'Notices of the quarter by ladder step and channel:'
SELECT n.step_no AS step, n.channel, n.template, count(*) AS notices,
       count(*) FILTER (WHERE n.status = 'sent') AS sent,
       count(*) FILTER (WHERE n.status = 'cancelled') AS "cancelled (paid meanwhile)"
  FROM ar.notification n WHERE n.episode_id IS NOT NULL
 GROUP BY 1, 2, 3 ORDER BY 1;

\echo 'Why steps were held back or passed over:'
SELECT e.reason, count(*) AS decisions
  FROM ar.dunning_event e WHERE e.decision IN ('paused', 'skipped')
 GROUP BY 1 ORDER BY 2 DESC;

\echo 'Two notices of the last days, in Japanese:'
\pset format unaligned
\pset tuples_only on
SELECT format(E'\n--- %s (%s, step %s) to %s, sent %s\n件名: %s\n\n%s',
              n.template, n.channel, n.step_no, n.recipient,
              to_char(n.sent_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI'),
              COALESCE(n.subject, '(none)'), n.body) AS notice
  FROM (SELECT DISTINCT ON (n.template) n.*
          FROM ar.notification n
         WHERE n.locale = 'ja' AND n.status = 'sent' AND n.template IN ('overdue_1', 'final_notice')
         ORDER BY n.template, n.scheduled_for DESC, n.notification_id) n
 ORDER BY n.step_no;
\pset format aligned
\pset tuples_only off

\echo 'Ledger invariants after the quarter (no rows = the books hold):'
SELECT * FROM ar.verify_ledger();
