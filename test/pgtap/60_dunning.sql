-- Dunning: ladder progression, catch-up without flooding, idempotency,
-- episodes, every pause, opt-outs, caps, minimums, send windows, channels
-- with side effects (call, agency, fee, interest), dry runs, and bad input.
BEGIN;
SELECT plan(90);

UPDATE ar.setting SET value = '株式会社デモ商事' WHERE key = 'company_name';
UPDATE ar.setting SET value = 'デモ銀行 本店 普通 1234567' WHERE key = 'company_bank_account';
UPDATE ar.setting SET value = '経理部 03-0000-0000' WHERE key = 'company_contact';

-- A customer with one invoice of a given due date and amount, under a
-- policy of its own (a copy of the default unless named), so each scenario
-- runs its own days with ar.run_dunning(as_of, policy_id).
CREATE FUNCTION pg_temp.cust(code text, due date, amount numeric DEFAULT 100000, locale text DEFAULT 'ja',
                             tz text DEFAULT 'Asia/Tokyo', cur char(3) DEFAULT 'JPY', policy text DEFAULT NULL)
  RETURNS bigint
LANGUAGE sql AS $$
  INSERT INTO ar.dunning_policy (name, ladder)
  SELECT COALESCE(policy, 'T_' || code), ladder FROM ar.dunning_policy WHERE is_default
  ON CONFLICT (name) DO NOTHING;
  WITH c AS (
    INSERT INTO ar.customer (customer_code, name, email, phone, address, locale, time_zone, collector, currency,
                             dunning_policy_id)
    SELECT code, '株式会社' || code, lower(code) || '@example.jp', '090-0000-0000', '東京都千代田区1-1', locale, tz,
           'collector_x', cur, p.dunning_policy_id
      FROM ar.dunning_policy p WHERE p.name = COALESCE(policy, 'T_' || code)
    RETURNING customer_id)
  INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
  SELECT customer_id, 'INV-' || code, due - 30, due, amount FROM c
  RETURNING customer_id
$$;
CREATE FUNCTION pg_temp.pol(code text) RETURNS bigint LANGUAGE sql AS $$
  SELECT dunning_policy_id FROM ar.customer WHERE customer_code = code
$$;
CREATE FUNCTION pg_temp.steps(code text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(step_no || ':' || decision || COALESCE(':' || reason, ''), ' ' ORDER BY dunning_event_id)
    FROM ar.dunning_event e JOIN ar.customer c USING (customer_id)
   WHERE c.customer_code = code AND e.step_no IS NOT NULL
$$;
CREATE FUNCTION pg_temp.queued(code text) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ar.notification n JOIN ar.customer c USING (customer_id) WHERE c.customer_code = code
$$;
-- Runs the customer's policy at 10:00 Tokyo time of a day; returns the
-- decisions (sent, skipped, paused) of that run.
CREATE FUNCTION pg_temp.run(code text, day text) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ar.run_dunning((day || ' 10:00+09')::timestamptz, pg_temp.pol(code))
$$;
CREATE FUNCTION pg_temp.reasons(code text, day text) RETURNS TABLE (step_no int, channel text, skipped_reason text,
                                                                   notification_id bigint)
LANGUAGE sql AS $$
  SELECT r.step_no, r.channel, r.skipped_reason, r.notification_id
    FROM ar.run_dunning((day || ' 10:00+09')::timestamptz, pg_temp.pol(code)) r
$$;

-- Structure -----------------------------------------------------------------
SELECT has_table('ar', t, 'table ar.' || t)
  FROM unnest(ARRAY['dunning_policy', 'dunning_episode', 'dunning_event', 'dispute', 'promise', 'dunning_hold',
                    'notification', 'contact_log', 'task', 'alert_rule']) AS t;
SELECT is((SELECT count(*)::int FROM ar.dunning_policy WHERE is_default AND seeded), 1, 'a default policy is shipped');
SELECT is((SELECT ladder::text FROM ar.dunning_policy WHERE is_default),
          '-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2; +14 sms:overdue_sms min=1000; +21 call; +30 letter:final_notice; +45 agency stop',
          'the default ladder is the one of the spec');

-- Progression and catch-up -------------------------------------------------------
SELECT pg_temp.cust('P1', date '2026-10-01');
SELECT is(pg_temp.run('P1', '2026-09-27'), 0::bigint, '4 days before due: nothing');
SELECT is(pg_temp.run('P1', '2026-09-28'), 1::bigint, '3 days before due: the pre-due reminder');
SELECT is(pg_temp.steps('P1'), '1:sent', '... step 1 sent');
SELECT is(pg_temp.run('P1', '2026-09-28'), 0::bigint, 'running again the same day queues nothing');
SELECT is(pg_temp.run('P1', '2026-09-30'), 0::bigint, 'the day before due: nothing new');
SELECT is(pg_temp.run('P1', '2026-10-02'), 1::bigint, 'one day overdue: overdue_1');
SELECT is(pg_temp.run('P1', '2026-10-05'), 0::bigint, 'four days overdue: waiting for +7');
SELECT is(pg_temp.run('P1', '2026-10-08'), 1::bigint, 'seven days overdue: overdue_2');
SELECT is(pg_temp.steps('P1'), '1:sent 2:sent 3:sent', 'three steps, one notice each');
SELECT is(pg_temp.queued('P1'), 3::bigint, 'three notices queued');

SELECT pg_temp.cust('L1', date '2026-09-01');
SELECT is(pg_temp.run('L1', '2026-10-01'), 6::bigint, 'first run at 30 days past due: one notice and the steps passed over');
SELECT is(pg_temp.steps('L1'), '1:skipped:passed_over 2:skipped:passed_over 3:skipped:passed_over 4:skipped:passed_over 5:skipped:passed_over 6:sent',
          'the +30 letter is sent; the steps before it are recorded as passed over, not sent (no flood)');
SELECT is(pg_temp.queued('L1'), 1::bigint, 'only the letter is queued');
SELECT is((SELECT channel || ':' || template FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'L1'), 'letter:final_notice', 'the letter uses the final_notice template');
SELECT is((SELECT dunning_level FROM ar.invoice WHERE invoice_no = 'INV-L1'), 6, 'the invoice carries the level reached');

-- Rendering -----------------------------------------------------------------------
SELECT ok((SELECT body FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'L1') LIKE '%INV-L1%100,000円%', 'the letter lists the invoice and its amount in yen');
SELECT ok((SELECT body !~ '\{\{' FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'L1'), 'no placeholder is left in the body');
SELECT is((SELECT payload -> 'invoices' -> 0 ->> 'invoice_no' FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'L1'), 'INV-L1', 'the payload carries the structured invoice list');
SELECT pg_temp.cust('E1', date '2026-09-30', 1234.56, 'en', 'America/New_York', 'USD');
SELECT is(pg_temp.run('E1', '2026-10-02'), 2::bigint, 'an English customer in New York: overdue_1 (pre-due passed over)');
SELECT ok((SELECT subject || body FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'E1') LIKE '%$1,234.56%', 'English notice formats dollars');
SELECT is((SELECT n.locale FROM ar.notification n JOIN ar.customer c USING (customer_id) WHERE c.customer_code = 'E1'),
          'en', 'rendered in the customer''s locale');

-- Send windows --------------------------------------------------------------------
-- 10:00 in Tokyo on 2026-10-02 is 21:00 of 2026-10-01 in New York: after
-- send_until, so the notice waits for 09:00 New York time on 2026-10-02.
SELECT is((SELECT scheduled_for FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'E1'), '2026-10-02 09:00:00-04'::timestamptz,
          'scheduled into the customer''s own morning (quiet hours in their time zone)');
SELECT is(ar.next_send_time('2026-10-10 10:00+09', 'Asia/Tokyo', '09:00', '20:00', true, 'JP-BANK'),
          '2026-10-13 09:00+09'::timestamptz, 'a Saturday before a holiday Monday (スポーツの日) waits for Tuesday');
SELECT is(ar.next_send_time('2026-10-13 07:30+09', 'Asia/Tokyo', '09:00', '20:00', true, 'JP-BANK'),
          '2026-10-13 09:00+09'::timestamptz, 'before send_from: the same day at send_from');
SELECT is(ar.next_send_time('2026-10-13 12:00+09', 'Asia/Tokyo', '09:00', '20:00', true, 'JP-BANK'),
          '2026-10-13 12:00+09'::timestamptz, 'inside the window: now');
SELECT is(ar.next_send_time('2026-12-30 21:00+09', 'Asia/Tokyo', '09:00', '20:00', true, 'JP-BANK'),
          '2027-01-04 09:00+09'::timestamptz, 'after hours on Dec 30: the first bank business day of the new year');
SELECT is(ar.next_send_time('2026-10-10 10:00+09', 'Asia/Tokyo', '09:00', '20:00', false, 'JP-BANK'),
          '2026-10-10 10:00+09'::timestamptz, 'business_days_only off: weekends allowed');

-- Episodes ---------------------------------------------------------------------------
SELECT pg_temp.cust('S1', date '2026-09-20');
SELECT pg_temp.run('S1', '2026-09-22');
INSERT INTO ar.payment (customer_id, amount, received_on) SELECT customer_id, 100000, date '2026-09-25'
  FROM ar.customer WHERE customer_code = 'S1';
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT i.invoice_id, 'payment', p.payment_id, 100000, date '2026-09-25'
  FROM ar.invoice i JOIN ar.payment p USING (customer_id) WHERE i.invoice_no = 'INV-S1';
SELECT pg_temp.run('S1', '2026-09-26');
SELECT is((SELECT e.status || ':' || e.close_reason FROM ar.dunning_episode e JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'S1'), 'closed:settled', 'paying everything ends the episode');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'INV-S1-B', date '2026-09-01', date '2026-10-20', 5000 FROM ar.customer WHERE customer_code = 'S1';
SELECT is(pg_temp.run('S1', '2026-10-22'), 2::bigint, 'a new overdue spell starts a new episode from the first step');
SELECT is((SELECT count(*)::int FROM ar.dunning_episode e JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'S1'), 2, '... a second episode');
SELECT is((SELECT string_agg(step_no::text, ',' ORDER BY notification_id) FROM ar.notification n
             JOIN ar.customer c USING (customer_id) WHERE c.customer_code = 'S1'), '2,2',
          'overdue_1 again in the new episode (its own dedupe key)');

-- An episode keeps its ladder when the policy changes ----------------------------
SELECT pg_temp.cust('K1', date '2026-10-01', policy => 'KPOL');
SELECT pg_temp.run('K1', '2026-10-02');
UPDATE ar.dunning_policy SET ladder = '+1 email:overdue_1; +3 letter:final_notice stop' WHERE name = 'KPOL';
SELECT pg_temp.cust('K2', date '2026-10-01', policy => 'KPOL');
SELECT pg_temp.run('K1', '2026-10-04');
SELECT is(pg_temp.steps('K1'), '1:skipped:passed_over 2:sent', 'the running episode does not take the new +3 step');
SELECT is(pg_temp.steps('K2'), '1:skipped:passed_over 2:sent', 'a new episode starts with the edited ladder (its step 2 is the +3 letter)');
SELECT is((SELECT channel FROM ar.notification n JOIN ar.customer c USING (customer_id) WHERE c.customer_code = 'K2'),
          'letter', '... a letter');
SELECT pg_temp.run('K1', '2026-10-08');
SELECT is(pg_temp.steps('K1'), '1:skipped:passed_over 2:sent 3:sent', 'the old episode follows the ladder it started with');

-- Pauses ------------------------------------------------------------------------------
SELECT pg_temp.cust('D1', date '2026-10-01');
INSERT INTO ar.dispute (invoice_id, reason) SELECT invoice_id, 'wrong quantity' FROM ar.invoice WHERE invoice_no = 'INV-D1';
SELECT is(pg_temp.run('D1', '2026-10-05'), 0::bigint, 'an invoice in open dispute is out of dunning');
UPDATE ar.dispute SET status = 'resolved', resolution = 'customer accepted' WHERE invoice_id =
  (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'INV-D1');
SELECT is(pg_temp.run('D1', '2026-10-06'), 2::bigint, 'resolved: dunning resumes by itself');

SELECT pg_temp.cust('R1', date '2026-10-01');
INSERT INTO ar.promise (customer_id, amount, made_on, promised_on, grace_days)
SELECT customer_id, 100000, date '2026-10-03', date '2026-10-10', 2 FROM ar.customer WHERE customer_code = 'R1';
SELECT is((SELECT skipped_reason FROM pg_temp.reasons('R1', '2026-10-08') WHERE step_no = 3), 'promise',
          'a pending promise pauses dunning');
SELECT is(pg_temp.queued('R1'), 0::bigint, '... nothing queued');
SELECT is((SELECT e.status FROM ar.evaluate_promises(date '2026-10-13') e JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'R1'), 'broken', 'no payment by promised_on + grace: broken');
SELECT is((SELECT count(*)::int FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'R1' AND n.template = 'broken_promise' AND n.channel = 'internal'
              AND n.recipient = 'collector_x'), 1, 'the collector is alerted');
SELECT is((SELECT count(*)::int FROM ar.task t JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'R1' AND t.kind = 'promise_follow_up'), 1, '... and gets a follow-up task');
SELECT is(pg_temp.run('R1', '2026-10-13'), 3::bigint, 'a broken promise resumes dunning (catching up)');
SELECT is((SELECT count(*)::int FROM ar.evaluate_promises(date '2026-10-14')), 0, 'a decided promise is not evaluated again');

SELECT pg_temp.cust('R2', date '2026-10-01');
INSERT INTO ar.promise (customer_id, amount, made_on, promised_on)
SELECT customer_id, 60000, date '2026-10-03', date '2026-10-20' FROM ar.customer WHERE customer_code = 'R2';
INSERT INTO ar.payment (customer_id, amount, received_on) SELECT customer_id, 60000, date '2026-10-09'
  FROM ar.customer WHERE customer_code = 'R2';
SELECT is((SELECT e.status || ':' || e.paid_amount FROM ar.evaluate_promises(date '2026-10-10') e
            JOIN ar.customer c USING (customer_id) WHERE c.customer_code = 'R2'), 'kept:60000',
          'payments since the promise reach its amount: kept at once');

SELECT pg_temp.cust('H1', date '2026-10-01');
INSERT INTO ar.dunning_hold (customer_id, until, reason) SELECT customer_id, date '2026-10-10', 'negotiating'
  FROM ar.customer WHERE customer_code = 'H1';
SELECT is((SELECT skipped_reason FROM pg_temp.reasons('H1', '2026-10-05') LIMIT 1), 'hold', 'a hold pauses');
SELECT is((SELECT string_agg(DISTINCT coalesce(skipped_reason, 'sent'), ',') FROM pg_temp.reasons('H1', '2026-10-11')),
          'passed_over,sent', 'the day after the hold ends, dunning resumes');

SELECT pg_temp.cust('N1', date '2026-10-01', policy => 'GRP');
UPDATE ar.customer SET do_not_contact = true WHERE customer_code = 'N1';
SELECT pg_temp.cust('B1', date '2026-10-01', policy => 'GRP');
UPDATE ar.customer SET status = 'bankrupt' WHERE customer_code = 'B1';
SELECT pg_temp.cust('O1', date '2026-10-01', policy => 'GRP');
UPDATE ar.customer SET opted_out_channels = '{email}' WHERE customer_code = 'O1';
SELECT pg_temp.cust('A1', date '2026-10-01');
UPDATE ar.customer SET email = NULL WHERE customer_code = 'A1';
SELECT pg_temp.cust('M1', date '2026-10-01', 500, policy => 'GRP');
CREATE TEMP TABLE r1 AS SELECT r.*, c.customer_code FROM ar.run_dunning('2026-10-16 10:00+09', pg_temp.pol('N1')) r
                         JOIN ar.customer c USING (customer_id);
SELECT is((SELECT skipped_reason FROM r1 WHERE customer_code = 'N1' AND step_no = 4), 'do_not_contact', 'do_not_contact pauses');
SELECT is((SELECT skipped_reason FROM r1 WHERE customer_code = 'B1' AND step_no = 4), 'status_bankrupt', 'bankrupt pauses');
SELECT is((SELECT count(*)::int FROM r1 WHERE customer_code IN ('N1', 'B1') AND notification_id IS NOT NULL), 0, '... nothing queued for them');
SELECT is((SELECT skipped_reason FROM r1 WHERE customer_code = 'O1' AND step_no = 3), 'passed_over',
          'opted out of email: the email steps ...');
SELECT is((SELECT channel FROM r1 WHERE customer_code = 'O1' AND skipped_reason IS NULL), 'sms', '... give way to the SMS');
SELECT is((SELECT skipped_reason FROM r1 WHERE customer_code = 'M1' AND step_no = 4), NULL,
          'the sms step''s min=1000 is not met by ¥500 ...');
SELECT is((SELECT step_no FROM r1 WHERE customer_code = 'M1' AND skipped_reason IS NULL), 3,
          '... so the highest step that holds (overdue_2) is sent');
SELECT pg_temp.run('A1', '2026-10-02');
SELECT is(pg_temp.steps('A1'), '1:skipped:passed_over 2:skipped:no_recipient',
          'the email step without an address is skipped for good ...');
SELECT is((SELECT count(*)::int FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'A1' AND n.channel = 'email'), 0, '... queues no email');

-- Weekly cap ----------------------------------------------------------------------
SELECT pg_temp.cust('W1', date '2026-10-01');
UPDATE ar.dunning_policy SET max_notices_per_week = 1 WHERE name = 'T_W1';
SELECT pg_temp.run('W1', '2026-10-02');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'INV-W1-B', date '2026-08-01', date '2026-09-01', 7000 FROM ar.customer WHERE customer_code = 'W1';
SELECT is((SELECT skipped_reason FROM pg_temp.reasons('W1', '2026-10-03') WHERE step_no = 6), 'weekly_cap',
          'the weekly cap holds a due step back');
SELECT is((SELECT skipped_reason FROM pg_temp.reasons('W1', '2026-10-10') WHERE step_no = 6), NULL,
          'a week later it goes out');

-- Channels with side effects --------------------------------------------------------
SELECT pg_temp.cust('C1', date '2026-10-01');
SELECT pg_temp.run('C1', '2026-10-22');
SELECT is((SELECT kind || ':' || assigned_to FROM ar.task t JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'C1' AND t.kind = 'call'), 'call:collector_x', 'a call step creates a task for the collector');
SELECT pg_temp.run('C1', '2026-11-16');
SELECT is((SELECT status FROM ar.customer WHERE customer_code = 'C1'), 'in_collections', 'the agency step sets in_collections');
SELECT ok((SELECT payload -> 'case' ? 'open_invoices' AND payload -> 'case' ? 'contacts'
                  AND payload -> 'case' ? 'promises' AND payload -> 'case' ? 'disputes'
             FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'C1' AND n.channel = 'agency'), 'the agency notice carries the whole case');
SELECT is(pg_temp.run('C1', '2026-12-31'), 0::bigint, 'nothing after the terminal agency step');

INSERT INTO ar.dunning_policy (name, ladder) VALUES ('fees', '+1 email:overdue_1 fee=500; +10 email:overdue_2 interest=14.6');
SELECT pg_temp.cust('F1', date '2026-10-01', 365000, policy => 'fees');
SELECT pg_temp.run('F1', '2026-10-02');
SELECT is((SELECT kind || ':' || amount FROM ar.invoice i JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'F1' AND i.kind = 'fee'), 'fee:500', 'fee=500 bills a fee invoice');
SELECT pg_temp.run('F1', '2026-10-11');
-- 365,000 yen at 14.6 % for the 10 days 10-02 .. 10-11 = 1,460 yen
SELECT is((SELECT amount FROM ar.invoice i JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'F1' AND i.kind = 'interest'), 1460::numeric,
          'interest=14.6 bills late interest, actual/365, from the day after the due date');
SELECT is((SELECT from_date || '..' || through_date FROM ar.interest_charge ic JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'F1'), '2026-10-02..2026-10-11', 'the charged period is recorded');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the ledger holds after fees and interest');

-- Consolidation ----------------------------------------------------------------------
INSERT INTO ar.dunning_policy (name, ladder, consolidate) VALUES ('per_invoice', '+1 email:overdue_1', false);
SELECT pg_temp.cust('X1', date '2026-10-01', policy => 'per_invoice');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'INV-X1-B', date '2026-09-01', date '2026-10-01', 2000 FROM ar.customer WHERE customer_code = 'X1';
SELECT pg_temp.run('X1', '2026-10-02');
SELECT is(pg_temp.queued('X1'), 2::bigint, 'consolidate = false: one notice per invoice');
SELECT pg_temp.cust('X2', date '2026-10-01');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'INV-X2-B', date '2026-09-01', date '2026-09-30', 2000 FROM ar.customer WHERE customer_code = 'X2';
SELECT pg_temp.run('X2', '2026-10-02');
SELECT is(pg_temp.queued('X2'), 1::bigint, 'consolidated: one notice for the customer ...');
SELECT is((SELECT jsonb_array_length(payload -> 'invoices') FROM ar.notification n JOIN ar.customer c USING (customer_id)
            WHERE c.customer_code = 'X2'), 2, '... listing both overdue invoices');

-- Dry run --------------------------------------------------------------------------
SELECT pg_temp.cust('Y1', date '2026-10-01');
CREATE TEMP TABLE counts AS SELECT (SELECT count(*) FROM ar.notification) n, (SELECT count(*) FROM ar.dunning_event) e,
                                   (SELECT count(*) FROM ar.dunning_episode) ep;
SELECT ok((SELECT count(*) FROM ar.run_dunning('2026-10-09 10:00+09', pg_temp.pol('Y1'), dry_run => true)) > 0,
          'a dry run reports decisions');
SELECT is(ROW((SELECT count(*) FROM ar.notification), (SELECT count(*) FROM ar.dunning_event),
              (SELECT count(*) FROM ar.dunning_episode))::text,
          (SELECT (n, e, ep)::text FROM counts), '... and writes nothing');

-- Bad input -----------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM ar.run_dunning(now(), 987654)$$, '22023', 'unknown dunning policy 987654', 'unknown policy');
SELECT throws_ok($$SELECT * FROM ar.run_dunning(NULL)$$, '22004', 'as_of must not be NULL', 'NULL as_of');
SELECT throws_ok($$INSERT INTO ar.promise (customer_id, amount, made_on, promised_on)
                   SELECT customer_id, 1000, date '2026-10-10', date '2026-10-01' FROM ar.customer WHERE customer_code = 'P1'$$,
                 '22023', 'promised date 2026-10-01 is before the promise was made (2026-10-10)', 'a promise in the past');
SELECT throws_ok($$INSERT INTO ar.dispute (invoice_id, amount, reason)
                   SELECT invoice_id, 100001, 'too much' FROM ar.invoice WHERE invoice_no = 'INV-P1'$$,
                 '22023', 'disputed amount 100001 exceeds the amount 100000 of invoice INV-P1', 'a dispute larger than the invoice');
SELECT throws_ok($$INSERT INTO ar.dunning_policy (name, ladder) VALUES ('bad', '+1 fax:x')$$,
                 '22P02', NULL, 'a malformed ladder is refused');
SELECT throws_ok($$INSERT INTO ar.dunning_policy (name, ladder, calendar) VALUES ('bad2', '+1 email:overdue_1', 'MARS')$$,
                 '22023', NULL, 'an unknown calendar is refused');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the ledger holds after all of it');

SELECT * FROM finish();
ROLLBACK;
