-- Operations views: the collector worklist (priority, order, next step,
-- last contact, promises and disputes), the dunning pipeline, dunning
-- effectiveness (7/14/30 days, amount recovered), promises, disputes and
-- the notification queue.  Dates are relative to today, as the views are.
BEGIN;
SELECT plan(34);

CREATE FUNCTION pg_temp.invoice(code text, no text, due date, amount numeric) RETURNS bigint
LANGUAGE sql AS $$
  INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount)
  SELECT c.customer_id, no, due - 30, due, c.currency, amount FROM ar.customer c WHERE c.customer_code = code
  RETURNING invoice_id
$$;
CREATE FUNCTION pg_temp.pay(inv bigint, paid date, amount numeric) RETURNS void
LANGUAGE sql AS $$
  WITH p AS (INSERT INTO ar.payment (customer_id, received_on, currency, amount)
             SELECT i.customer_id, paid, i.currency, amount FROM ar.invoice i WHERE i.invoice_id = inv
             RETURNING payment_id)
  INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
  SELECT inv, 'payment', p.payment_id, amount, paid FROM p
$$;

INSERT INTO ar.customer (customer_code, name, currency, do_not_contact)
SELECT c, 'Worklist ' || c, 'JPY', c = 'W6' FROM unnest(ARRAY['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7']) c;

-- History: W3 paid three invoices 30 days late, W7 six on time; so W3 is
-- riskier than W1 and W2, who have no history of their own.
SELECT pg_temp.pay(pg_temp.invoice('W3', 'W3-H' || g, CURRENT_DATE - 100 - 10 * g, 1000), CURRENT_DATE - 70 - 10 * g, 1000)
  FROM generate_series(1, 3) g;
SELECT pg_temp.pay(pg_temp.invoice('W7', 'W7-H' || g, CURRENT_DATE - 100 - 10 * g, 1000), CURRENT_DATE - 100 - 10 * g, 1000)
  FROM generate_series(1, 6) g;

-- Open items.
SELECT pg_temp.invoice('W1', 'W1-1', CURRENT_DATE - 10, 100000);
SELECT pg_temp.invoice('W2', 'W2-1', CURRENT_DATE - 40, 100000);
SELECT pg_temp.invoice('W3', 'W3-1', CURRENT_DATE - 10, 100000);
SELECT pg_temp.invoice('W4', 'W4-1', CURRENT_DATE - 10, 50000);
SELECT pg_temp.invoice('W4', 'W4-2', CURRENT_DATE - 5, 10000);
SELECT pg_temp.invoice('W5', 'W5-1', CURRENT_DATE + 5, 90000);
SELECT pg_temp.invoice('W6', 'W6-1', CURRENT_DATE - 10, 1000);
INSERT INTO ar.dispute (invoice_id, reason, opened_on)
SELECT invoice_id, 'price differs', CURRENT_DATE - 3 FROM ar.invoice WHERE invoice_no = 'W4-1';

-- What collectors did.
INSERT INTO ar.promise (customer_id, amount, currency, promised_on)
SELECT customer_id, 100000, 'JPY', CURRENT_DATE + 4 FROM ar.customer WHERE customer_code = 'W1';
INSERT INTO ar.task (customer_id, kind, due_on) SELECT customer_id, 'call', CURRENT_DATE FROM ar.customer WHERE customer_code = 'W2';
INSERT INTO ar.dunning_hold (customer_id, until, reason)
SELECT customer_id, CURRENT_DATE + 9, 'CFO on holiday' FROM ar.customer WHERE customer_code = 'W3';
INSERT INTO ar.contact_log (customer_id, channel, outcome, contacted_at)
SELECT customer_id, 'call', 'will pay next week', now() - interval '1 day' FROM ar.customer WHERE customer_code = 'W1';
INSERT INTO ar.contact_log (customer_id, channel, outcome, contacted_at)
SELECT customer_id, 'email', 'no answer', now() - interval '3 days' FROM ar.customer WHERE customer_code = 'W1';
INSERT INTO ar.dunning_episode (customer_id, currency, policy_id, ladder, started_on, last_step)
SELECT c.customer_id, 'JPY', p.dunning_policy_id, p.ladder, CURRENT_DATE - 9, 2
  FROM ar.customer c, ar.dunning_policy p WHERE c.customer_code = 'W4' AND p.is_default;

-- The worklist ------------------------------------------------------------------
SELECT is((SELECT string_agg(customer_code, ' ' ORDER BY priority_rank) FROM ar.v_collector_worklist WHERE customer_code LIKE 'W_'),
          'W2 W3 W1 W4 W6', 'older overdue first (W2), then the riskier of two alike (W3 before W1), small amounts last');
SELECT is((SELECT array_agg(customer_code) FROM ar.v_collector_worklist WHERE customer_code LIKE 'W_'),
          ARRAY['W2', 'W3', 'W1', 'W4', 'W6'], 'the view itself is ordered by priority');
SELECT ok((SELECT bool_and(priority = round(overdue_amount * (1 + GREATEST(predicted_days_late, 0) / 30)
                                             * (1 + oldest_days_past_due / 30.0), 0))
             FROM ar.v_collector_worklist WHERE customer_code LIKE 'W_'),
          'priority = overdue x (1 + predicted days late / 30) x (1 + oldest days past due / 30)');
SELECT ok((SELECT w3.predicted_days_late > w1.predicted_days_late
             FROM ar.v_collector_worklist w1, ar.v_collector_worklist w3
            WHERE w1.customer_code = 'W1' AND w3.customer_code = 'W3'), 'W3''s late history raises its predicted lateness');
SELECT is((SELECT count(*)::int FROM ar.v_collector_worklist WHERE customer_code = 'W5'), 0,
          'nothing overdue: not on the worklist');
SELECT is((SELECT ROW(overdue_amount, overdue_invoices, oldest_days_past_due, open_disputes, disputed_amount)::text
             FROM ar.v_collector_worklist WHERE customer_code = 'W4'),
          '(10000,1,5,1,50000)', 'a disputed invoice is out of the overdue amount and shown apart');
SELECT is((SELECT next_step FROM ar.v_collector_worklist WHERE customer_code = 'W1'),
          'await promise of ' || (CURRENT_DATE + 4), 'a pending promise: wait for it');
SELECT is((SELECT ROW(open_promises, promised_amount, next_promised_on)::text FROM ar.v_collector_worklist WHERE customer_code = 'W1'),
          ROW(1, 100000::numeric, CURRENT_DATE + 4)::text, 'open promises shown');
SELECT is((SELECT ROW(next_step, task_due_on)::text FROM ar.v_collector_worklist WHERE customer_code = 'W2'),
          ROW('task: call', CURRENT_DATE)::text, 'an open task comes first');
SELECT is((SELECT next_step FROM ar.v_collector_worklist WHERE customer_code = 'W3'),
          'on hold until ' || (CURRENT_DATE + 9), 'a dunning hold');
SELECT is((SELECT next_step FROM ar.v_collector_worklist WHERE customer_code = 'W4'),
          'dunning step 3: email overdue_2 on day 7', 'the next step of the open episode''s ladder');
SELECT is((SELECT next_step FROM ar.v_collector_worklist WHERE customer_code = 'W6'),
          'no contact: do_not_contact', 'a customer who must not be contacted');
SELECT is((SELECT ROW(last_contact_channel, last_contact_outcome)::text FROM ar.v_collector_worklist WHERE customer_code = 'W1'),
          '(call,"will pay next week")', 'the latest contact');
SELECT is((SELECT last_contact_at FROM ar.v_collector_worklist WHERE customer_code = 'W2'), NULL, 'never contacted');
SELECT is((SELECT risk_class FROM ar.v_collector_worklist WHERE customer_code = 'W3'),
          (SELECT risk_class FROM ar.v_customer_risk WHERE customer_code = 'W3'), 'risk class from ar.v_customer_risk');

-- Pipeline ----------------------------------------------------------------------
SELECT is((SELECT ROW(step_no, channel, template, customers, overdue_amount)::text FROM ar.v_dunning_pipeline
            WHERE currency = 'JPY'),
          '(2,email,overdue_1,1,60000)', 'one customer at step 2, with everything due before today');

-- Effectiveness -----------------------------------------------------------------
-- E1 pays 5 days after its step-2 notice, E2 20 days after its own; E3's
-- notice is 3 days old, too young to judge.
INSERT INTO ar.customer (customer_code, name, currency)
SELECT c, 'Effect ' || c, 'JPY' FROM unnest(ARRAY['E1', 'E2', 'E3']) c;
SELECT pg_temp.invoice(c, c || '-1', CURRENT_DATE - 60, 30000) FROM unnest(ARRAY['E1', 'E2', 'E3']) c;
INSERT INTO ar.dunning_event (customer_id, policy_id, as_of, decision, step_no, channel, template)
SELECT c.customer_id, 1, (CURRENT_DATE - v.ago) + time '10:00', 'sent', v.step, 'email', v.tpl
  FROM ar.customer c JOIN (VALUES ('E1', 40, 2, 'overdue_1'), ('E2', 40, 2, 'overdue_1'), ('E3', 3, 3, 'overdue_2')) v(code, ago, step, tpl)
    ON v.code = c.customer_code;
SELECT pg_temp.pay((SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'E1-1'), CURRENT_DATE - 35, 30000);
SELECT pg_temp.pay((SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'E2-1'), CURRENT_DATE - 20, 12000);

SELECT is((SELECT ROW(notices_sent, customers, paid_within_7d_pct, paid_within_14d_pct, paid_within_30d_pct, amount_recovered)::text
             FROM ar.v_dunning_effectiveness WHERE step_no = 2 AND currency = 'JPY'),
          '(2,2,50.00,50.00,100.00,42000)', 'step 2: one of two paid within 7 and 14 days, both within 30; 42,000 recovered');
SELECT is((SELECT ROW(notices_sent, paid_within_7d_pct, paid_within_30d_pct, amount_recovered)::text
             FROM ar.v_dunning_effectiveness WHERE step_no = 3 AND currency = 'JPY'),
          '(1,,,0)', 'a notice too young to judge is counted but not rated');
SELECT pg_temp.pay((SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'E2-1'), CURRENT_DATE - 2, 18000);
SELECT is((SELECT amount_recovered FROM ar.v_dunning_effectiveness WHERE step_no = 2 AND currency = 'JPY'), 42000::numeric,
          'a payment more than 30 days after the notice is not credited to it');
SELECT is((SELECT policy_name FROM ar.v_dunning_effectiveness WHERE step_no = 2), 'default', 'policy named');

-- Promises ----------------------------------------------------------------------
SELECT is((SELECT ROW(status, days_until_promised, grace_until, customer_overdue_amount)::text FROM ar.v_promises
            WHERE customer_code = 'W1'),
          ROW('pending', 4, CURRENT_DATE + 7, 100000::numeric)::text, 'a pending promise: days to go, grace, what is overdue');
UPDATE ar.promise SET status = 'kept', evaluated_on = CURRENT_DATE, paid_amount = 100000
 WHERE customer_id = (SELECT customer_id FROM ar.customer WHERE customer_code = 'W1');
SELECT is((SELECT ROW(status, days_until_promised, paid_amount)::text FROM ar.v_promises WHERE customer_code = 'W1'),
          '(kept,,100000)', 'a kept promise has no days to go');

-- Disputes ----------------------------------------------------------------------
SELECT is((SELECT ROW(invoice_no, amount, invoice_open_amount, status, age_days)::text FROM ar.v_disputes WHERE customer_code = 'W4'),
          '(W4-1,50000,50000,open,3)', 'an open dispute ages to today');
UPDATE ar.dispute SET status = 'resolved', resolved_on = CURRENT_DATE - 1, resolution = 'credit note'
 WHERE invoice_id = (SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'W4-1');
SELECT is((SELECT ROW(status, age_days)::text FROM ar.v_disputes WHERE customer_code = 'W4'), '(resolved,2)',
          'a resolved dispute ages to its resolution');
SELECT is((SELECT ROW(overdue_amount, open_disputes)::text FROM ar.v_collector_worklist WHERE customer_code = 'W4'),
          '(60000,0)', 'once resolved, the invoice is back in the overdue amount');

-- Notification queue ------------------------------------------------------------
INSERT INTO ar.notification (customer_id, channel, status, scheduled_for, created_at, attempts)
SELECT c.customer_id, v.channel, v.status, now() + v.sched, now() - v.age, v.attempts
  FROM ar.customer c,
       (VALUES ('email', 'queued', interval '-1 hour', interval '2 hours', 0),
               ('email', 'queued', interval '1 hour', interval '30 minutes', 0),
               ('sms', 'failed', interval '-1 day', interval '1 day', 2)) v(channel, status, sched, age, attempts)
 WHERE c.customer_code = 'W2';
SELECT is((SELECT ROW(notifications, oldest_age, due_now, attempts)::text FROM ar.v_notification_queue
            WHERE channel = 'email' AND status = 'queued'),
          ROW(2, interval '2 hours', 1, 0)::text, 'two queued emails, the oldest two hours old, one due now');
SELECT is((SELECT next_scheduled_for FROM ar.v_notification_queue WHERE channel = 'email' AND status = 'queued'),
          now() - interval '1 hour', 'the earliest scheduled time');
SELECT is((SELECT ROW(notifications, oldest_age, due_now, attempts)::text FROM ar.v_notification_queue
            WHERE channel = 'sms' AND status = 'failed'),
          ROW(1, interval '1 day', 0, 2)::text, 'a failed sms');
SELECT is((SELECT count(*)::int FROM ar.v_notification_queue), 2, 'one row per channel and status');

-- Row-level isolation reaches the views (security_invoker) -------------------------
SELECT ar.create_roles();
CREATE ROLE ar_test_dash_coll LOGIN IN ROLE ar_collector;
UPDATE ar.customer SET collector = 'ar_test_dash_coll' WHERE customer_code IN ('W1', 'W2');
SELECT ar.enable_collector_isolation();
SET LOCAL ROLE ar_test_dash_coll;
SELECT is((SELECT string_agg(customer_code, ' ' ORDER BY customer_code) FROM ar.v_collector_worklist), 'W1 W2',
          'an isolated collector sees only their customers on the worklist');
SELECT is((SELECT count(*)::int FROM ar.v_disputes), 0, '... and none of the others'' disputes');
SELECT is((SELECT string_agg(customer_code, ' ') FROM ar.v_promises), 'W1', '... only their promises');
RESET ROLE;
SELECT ok((SELECT count(*) FROM ar.v_collector_worklist) > 2, 'the table owner still sees everyone');

SELECT is_empty($$SELECT * FROM ar.verify_ledger()$$, 'the ledger holds');
SELECT * FROM finish();
ROLLBACK;
