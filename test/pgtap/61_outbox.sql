-- The outbox: claim with leases, complete, fail with backoff and death,
-- cancellation of stale dunning notices, contacts, tasks, and bad input.
BEGIN;
SELECT plan(37);

INSERT INTO ar.customer (customer_code, name, email, phone, collector) VALUES
  ('Q1', '株式会社キュー', 'q1@example.jp', '090-1111-1111', 'collector_q'),
  ('Q2', '株式会社キュー2', 'q2@example.jp', '090-2222-2222', 'collector_q');
CREATE FUNCTION pg_temp.cid(code text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT customer_id FROM ar.customer WHERE customer_code = code $$;
INSERT INTO ar.notification (customer_id, channel, recipient, subject, body, dedupe_key, scheduled_for) VALUES
  (pg_temp.cid('Q1'), 'email', 'q1@example.jp', 's1', 'b1', 'test:1', now() - interval '2 minutes'),
  (pg_temp.cid('Q1'), 'email', 'q1@example.jp', 's2', 'b2', 'test:2', now() - interval '1 minute'),
  (pg_temp.cid('Q1'), 'email', 'q1@example.jp', 's3', 'b3', 'test:3', now() + interval '1 hour'),
  (pg_temp.cid('Q2'), 'sms', '090-2222-2222', NULL, 'b4', 'test:4', now() - interval '1 minute');
CREATE FUNCTION pg_temp.nid(key text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT notification_id FROM ar.notification WHERE dedupe_key = key $$;
CREATE FUNCTION pg_temp.st(key text) RETURNS text LANGUAGE sql AS
  $$ SELECT status FROM ar.notification WHERE dedupe_key = key $$;

-- Claim ------------------------------------------------------------------------
SELECT is((SELECT array_agg(dedupe_key ORDER BY notification_id)::text
             FROM ar.claim_notifications('email', 10, 'w1', '5 minutes')),
          '{test:1,test:2}', 'claim hands out the due notices of the channel, oldest first, not the scheduled one');
SELECT is(pg_temp.st('test:1'), 'sending', 'a claimed notice is sending');
SELECT is((SELECT attempts || ':' || locked_by FROM ar.notification WHERE dedupe_key = 'test:1'), '1:w1',
          'the claim counts an attempt and records the worker');
SELECT ok((SELECT locked_until BETWEEN now() + interval '4 minutes' AND now() + interval '6 minutes'
             FROM ar.notification WHERE dedupe_key = 'test:1'), 'under a lease of the given length');
SELECT is((SELECT count(*)::int FROM ar.claim_notifications('email', 10, 'w2')), 0,
          'a second worker gets nothing while the lease holds');
SELECT is((SELECT count(*)::int FROM ar.claim_notifications('sms', 1)), 1, 'channels are claimed separately');
SELECT is((SELECT count(*)::int FROM ar.claim_notifications('email', 1)), 0, 'batch limits nothing when nothing is due');

-- An expired lease is reclaimed.
UPDATE ar.notification SET locked_until = now() - interval '1 second' WHERE dedupe_key = 'test:2';
SELECT is((SELECT dedupe_key || ':' || attempts || ':' || locked_by FROM ar.claim_notifications('email', 10, 'w3')),
          'test:2:2:w3', 'an expired lease is reclaimed by another worker');

-- Complete ------------------------------------------------------------------------
SELECT lives_ok($$SELECT ar.complete_notification(pg_temp.nid('test:1'), 'msg-001')$$, 'complete a claimed notice');
SELECT is((SELECT status || ':' || provider_ref || ':' || (sent_at IS NOT NULL) || ':' || (locked_by IS NULL)
             FROM ar.notification WHERE dedupe_key = 'test:1'), 'sent:msg-001:true:true', 'it is sent, with the provider reference');
SELECT is((SELECT outcome || ':' || channel FROM ar.contact_log WHERE notification_id = pg_temp.nid('test:1')),
          'sent:email', 'completion writes the contact log');
SELECT lives_ok($$SELECT ar.complete_notification(pg_temp.nid('test:1'), 'msg-001')$$, 'completing twice is harmless');
SELECT is((SELECT count(*)::int FROM ar.contact_log WHERE notification_id = pg_temp.nid('test:1')), 1,
          '... and logs the contact once');
SELECT throws_ok($$SELECT ar.complete_notification(pg_temp.nid('test:3'))$$, '55000',
                 format('notification %s is queued, not claimed', pg_temp.nid('test:3')), 'an unclaimed notice cannot be completed');
SELECT throws_ok($$SELECT ar.complete_notification(-1)$$, 'P0002', 'unknown notification -1', 'unknown notification');

-- Fail -----------------------------------------------------------------------------
SELECT lives_ok($$SELECT ar.fail_notification(pg_temp.nid('test:2'), 'smtp 451')$$, 'fail a claimed notice');
SELECT is((SELECT status || ':' || last_error FROM ar.notification WHERE dedupe_key = 'test:2'), 'queued:smtp 451',
          'a failed notice is queued again');
-- attempts is 2, so the backoff is 2 minutes
SELECT ok((SELECT scheduled_for BETWEEN now() + interval '119 seconds' AND now() + interval '121 seconds'
             FROM ar.notification WHERE dedupe_key = 'test:2'), 'with exponential backoff (2^(attempts-1) minutes)');
UPDATE ar.notification SET scheduled_for = now() - interval '1 second' WHERE dedupe_key = 'test:2';
SELECT ar.claim_notifications('email', 10);
SELECT ar.fail_notification(pg_temp.nid('test:2'), 'rate limited', interval '30 minutes');
SELECT ok((SELECT scheduled_for BETWEEN now() + interval '29 minutes' AND now() + interval '31 minutes'
             FROM ar.notification WHERE dedupe_key = 'test:2'), 'retry_after overrides the backoff');
UPDATE ar.notification SET scheduled_for = now() - interval '1 second', max_attempts = 4 WHERE dedupe_key = 'test:2';
SELECT ar.claim_notifications('email', 10);
SELECT ar.fail_notification(pg_temp.nid('test:2'), 'mailbox gone');
SELECT is(pg_temp.st('test:2'), 'dead', 'after max_attempts a notice is dead');
SELECT is((SELECT outcome FROM ar.contact_log WHERE notification_id = pg_temp.nid('test:2')), 'undeliverable',
          '... and the contact log says undeliverable');
SELECT throws_ok($$SELECT ar.fail_notification(pg_temp.nid('test:2'), 'again')$$, '55000', NULL,
                 'a dead notice cannot fail again');
SELECT throws_ok($$SELECT ar.fail_notification(pg_temp.nid('test:4'), 'x', interval '-1 minute')$$, '22023',
                 'retry_after -00:01:00 is negative', 'a negative retry_after');

-- Stale dunning notices are cancelled at claim time ------------------------------
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
VALUES (pg_temp.cid('Q1'), 'INV-Q1', current_date - 40, current_date - 10, 50000);
SELECT count(*) FROM ar.run_dunning(now() - interval '12 hours');
UPDATE ar.notification SET scheduled_for = now() - interval '1 second' WHERE episode_id IS NOT NULL;
INSERT INTO ar.payment (customer_id, amount) VALUES (pg_temp.cid('Q1'), 50000);
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount)
SELECT i.invoice_id, 'payment', p.payment_id, 50000 FROM ar.invoice i JOIN ar.payment p USING (customer_id)
 WHERE i.invoice_no = 'INV-Q1';
SELECT is((SELECT count(*)::int FROM ar.claim_notifications('email', 10) WHERE episode_id IS NOT NULL), 0,
          'a notice for invoices paid meanwhile is not handed out');
SELECT is((SELECT status || ':' || last_error FROM ar.notification WHERE episode_id IS NOT NULL), 'cancelled:customer paid',
          '... it is cancelled, saying why');

-- NOTIFY ---------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgname = 'notification_announce'
             AND tgrelid = 'ar.notification'::regclass), 1, 'inserts are announced on ar_notification');

-- Contacts and tasks -----------------------------------------------------------------
SELECT ok(ar.log_contact(pg_temp.cid('Q2'), 'call', 'promise', 'will pay Friday') > 0, 'log a manual contact');
SELECT is((SELECT channel || ':' || outcome || ':' || direction FROM ar.contact_log
            WHERE customer_id = pg_temp.cid('Q2') AND note = 'will pay Friday'), 'call:promise:outbound', '... recorded');
SELECT throws_ok($$SELECT ar.log_contact(pg_temp.cid('Q2'), 'fax', 'x')$$, '22023', 'unknown contact channel "fax"',
                 'unknown contact channel');
SELECT throws_ok($$SELECT ar.log_contact(-5, 'call', 'x')$$, 'P0002', 'unknown customer -5', 'unknown customer');
INSERT INTO ar.task (customer_id, kind, assigned_to, note) VALUES (pg_temp.cid('Q2'), 'call', 'collector_q', 'call them');
SELECT lives_ok($$SELECT ar.complete_task((SELECT task_id FROM ar.task WHERE note = 'call them'), 'reached')$$,
                'complete a task');
SELECT is((SELECT count(*)::int FROM ar.contact_log WHERE customer_id = pg_temp.cid('Q2') AND outcome = 'reached'), 1,
          'a done call is a contact');
SELECT throws_ok($$SELECT ar.complete_task((SELECT task_id FROM ar.task WHERE note = 'call them'), 'again')$$,
                 '55000', NULL, 'a task is closed once');

-- Bad input to claim ------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM ar.claim_notifications('email', 0)$$, '22023', 'batch size 0 is out of range',
                 'batch size 0');
SELECT throws_ok($$SELECT * FROM ar.claim_notifications('email', 100000)$$, '22023', 'batch size 100000 is out of range',
                 'batch size too large');
SELECT throws_ok($$SELECT * FROM ar.claim_notifications('fax')$$, '22023', 'unknown channel "fax"', 'unknown channel');
SELECT throws_ok($$SELECT * FROM ar.claim_notifications('email', 10, 'w', '0 seconds')$$, '22023', NULL,
                 'a zero lease');

SELECT * FROM finish();
ROLLBACK;
