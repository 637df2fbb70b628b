-- The daily job, alerts, and their pg_cron registration (this database is
-- pg_cron's cron.database_name in the test cluster).
BEGIN;
SELECT plan(24);

-- pg_cron registration --------------------------------------------------------
SELECT is((SELECT array_agg(jobname || ' ' || schedule ORDER BY jobname)::text FROM ar.schedule_jobs()),
          '{"pg_receivables_daily 0 9 * * *","pg_receivables_housekeeping */15 * * * *"}', 'schedule_jobs registers two jobs');
SELECT is((SELECT array_agg(jobname || '|' || schedule || '|' || command || '|' || database ORDER BY jobname)::text
             FROM cron.job WHERE jobname LIKE 'pg_receivables%'),
          '{"pg_receivables_daily|0 9 * * *|SELECT ar.run_daily()|ar_test","pg_receivables_housekeeping|*/15 * * * *|SELECT ar.housekeeping()|ar_test"}',
          '... in pg_cron, running ar.run_daily and ar.housekeeping in this database');
SELECT is((SELECT count(*)::int FROM ar.schedule_jobs('30 8 * * 1-5')), 2, 'scheduling again ...');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname LIKE 'pg_receivables%'), 2, '... leaves one job of each name');
SELECT is((SELECT schedule FROM cron.job WHERE jobname = 'pg_receivables_daily'), '30 8 * * 1-5', '... with the new schedule');
SELECT throws_ok($$SELECT * FROM ar.schedule_jobs('every day')$$, '22023', 'invalid cron schedule "every day"',
                 'a malformed schedule');
SELECT is((SELECT array_agg(jobname ORDER BY jobname)::text FROM ar.unschedule_jobs()),
          '{pg_receivables_daily,pg_receivables_housekeeping}', 'unschedule_jobs removes them');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname LIKE 'pg_receivables%'), 0, '... all of them');

-- What the jobs run ----------------------------------------------------------------
INSERT INTO ar.customer (customer_code, name, email, address, collector) VALUES
  ('J1', '株式会社ジェイ', 'j1@example.jp', '大阪府大阪市北区1-1', 'collector_j'),
  ('J2', '株式会社ジェイ2', 'j2@example.jp', '大阪府大阪市北区1-2', 'collector_j');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'INV-' || customer_code, current_date - 60, current_date - 35, 200000
  FROM ar.customer WHERE customer_code IN ('J1', 'J2');
INSERT INTO ar.promise (customer_id, amount, made_on, promised_on, grace_days)
SELECT customer_id, 200000, current_date - 20, current_date - 10, 3 FROM ar.customer WHERE customer_code = 'J2';
INSERT INTO ar.alert_rule (name, kind, threshold) VALUES ('over 30 days', 'overdue_days', 30);
CREATE TEMP TABLE d1 AS SELECT ar.run_daily() AS s;
SELECT ok((SELECT s ?& ARRAY['as_of', 'promises', 'dunning', 'alerts_queued', 'housekeeping', 'duration_ms'] FROM d1),
          'run_daily returns a summary of each part');
SELECT is((SELECT (s -> 'promises' ->> 'broken')::int FROM d1), 1, 'it evaluated the promises');
SELECT is((SELECT (s -> 'dunning' ->> 'sent')::int FROM d1), 2, 'it ran dunning');
SELECT is((SELECT (s -> 'dunning' ->> 'episodes_started')::int FROM d1), 2, '... starting two episodes');
SELECT is((SELECT (s ->> 'alerts_queued')::int FROM d1), 2, 'it ran the alerts');
SELECT is((SELECT count(*)::int FROM ar.notification WHERE template = 'collector_alert' AND recipient = 'collector_j'), 2,
          'alerts go to the customer''s collector');
SELECT ok((SELECT body FROM ar.notification WHERE template = 'collector_alert' LIMIT 1) LIKE '%over 30 days%',
          'the alert names its rule');
CREATE TEMP TABLE d2 AS SELECT ar.run_daily() AS s;
SELECT is((SELECT (s -> 'dunning' ->> 'sent')::int + (s ->> 'alerts_queued')::int FROM d2), 0,
          'a second run the same day queues nothing more');
SELECT is(ar.run_alerts(), 0, 'alerts fire once per rule, customer and episode');
INSERT INTO ar.alert_rule (name, kind, recipients) VALUES ('disputes', 'new_dispute', '{ar_manager,ar_legal}');
INSERT INTO ar.dispute (invoice_id, reason) SELECT invoice_id, 'price' FROM ar.invoice WHERE invoice_no = 'INV-J1';
SELECT is(ar.run_alerts(), 2, 'a new dispute alerts each recipient of the rule');
SELECT is(ar.run_alerts(), 0, '... once');
SELECT throws_ok($$INSERT INTO ar.alert_rule (name, kind, threshold) VALUES ('bad', 'overdue_days', -1)$$, '23514', NULL,
                 'a negative threshold is refused');
SELECT throws_ok($$SELECT ar.run_daily(NULL)$$, '22004', NULL, 'run_daily needs as_of');

-- housekeeping cancels notices made moot
UPDATE ar.customer SET do_not_contact = true WHERE customer_code = 'J1';
SELECT is((SELECT (ar.housekeeping() ->> 'notifications_cancelled')::int), 1,
          'housekeeping cancels queued notices of a customer who became do_not_contact');
SELECT is((SELECT last_error FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'J1' AND n.episode_id IS NOT NULL), 'customer is do_not_contact', '... saying why');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the ledger holds');

SELECT * FROM finish();
ROLLBACK;
