-- Views for the collections team: the worklist, the dunning pipeline and
-- how well each step works, promises, disputes and the outbox.  See
-- docs/dashboards.md.

------------------------------------------------------------------------------
-- The collector worklist
------------------------------------------------------------------------------

CREATE VIEW ar.v_collector_worklist WITH (security_invoker = true) AS
WITH od AS (
  -- Overdue amounts per customer and currency, disputed invoices apart.
  SELECT o.customer_id, o.currency,
         pg_catalog.sum(o.open_amount) FILTER (WHERE NOT x.disputed) AS overdue_amount,
         pg_catalog.count(*) FILTER (WHERE NOT x.disputed)::integer AS overdue_invoices,
         pg_catalog.max(o.days_past_due) FILTER (WHERE NOT x.disputed) AS oldest_days_past_due,
         COALESCE(pg_catalog.sum(o.open_amount) FILTER (WHERE x.disputed), 0) AS disputed_amount,
         pg_catalog.count(*) FILTER (WHERE x.disputed)::integer AS open_disputes,
         pg_catalog.max(o.dunning_level) AS dunning_level
    FROM ar.open_items_at(pg_catalog.now()) o
    LEFT JOIN (SELECT DISTINCT d.invoice_id FROM ar.dispute d WHERE d.status = 'open') od
           ON od.invoice_id = o.invoice_id
   CROSS JOIN LATERAL (SELECT od.invoice_id IS NOT NULL AS disputed) x
   WHERE o.days_past_due > 0
   GROUP BY o.customer_id, o.currency
), w AS (
  SELECT od.*, c.customer_code, c.name AS customer_name, c.collector, c.status AS customer_status,
         c.do_not_contact, r.risk_class, r.predicted_days_late,
         -- priority = overdue amount x risk x age (docs/dashboards.md)
         pg_catalog.round(od.overdue_amount
                          * (1 + GREATEST(COALESCE(r.predicted_days_late, 0), 0) / 30)
                          * (1 + od.oldest_days_past_due / 30.0), 0) AS priority
    FROM od
    JOIN ar.customer c ON c.customer_id = od.customer_id
    LEFT JOIN ar.customer_risk_at(CURRENT_DATE) r ON r.customer_id = od.customer_id
   WHERE od.overdue_amount > 0
)
SELECT w.customer_id, w.customer_code, w.customer_name, w.collector, w.currency::character(3) AS currency,
       w.priority,
       pg_catalog.rank() OVER (PARTITION BY w.currency ORDER BY w.priority DESC) AS priority_rank,
       w.overdue_amount, w.overdue_invoices, w.oldest_days_past_due, w.risk_class, w.predicted_days_late,
       w.dunning_level,
       CASE WHEN w.do_not_contact OR w.customer_status IN ('bankrupt', 'closed') THEN 'no contact: ' ||
                 CASE WHEN w.do_not_contact THEN 'do_not_contact' ELSE w.customer_status END
            WHEN t.kind IS NOT NULL THEN 'task: ' || t.kind
            WHEN pr.promises > 0 THEN 'await promise of ' || pr.next_promised_on
            WHEN h.until IS NOT NULL THEN 'on hold until ' || h.until
            WHEN ns.step_no IS NOT NULL THEN 'dunning step ' || ns.step_no || ': ' || ns.channel
                 || COALESCE(' ' || ns.template, '') || ' on day ' || ns.offset_days
            WHEN ep.dunning_episode_id IS NOT NULL THEN 'ladder finished: call or hand over'
            ELSE 'call'
       END AS next_step,
       t.due_on AS task_due_on,
       lc.contacted_at AS last_contact_at, lc.channel AS last_contact_channel, lc.outcome AS last_contact_outcome,
       COALESCE(pr.promises, 0) AS open_promises, COALESCE(pr.promised_amount, 0) AS promised_amount,
       pr.next_promised_on,
       w.open_disputes, w.disputed_amount
  FROM w
  LEFT JOIN LATERAL (SELECT e.dunning_episode_id, e.ladder, e.last_step
                       FROM ar.dunning_episode e
                      WHERE e.customer_id = w.customer_id AND e.currency = w.currency AND e.status = 'open') ep ON true
  LEFT JOIN LATERAL (SELECT s.step_no, s.channel, s.template, s.offset_days
                       FROM ar.ladder_steps(ep.ladder) s
                      WHERE s.step_no > ep.last_step
                      ORDER BY s.step_no
                      LIMIT 1) ns ON true
  LEFT JOIN LATERAL (SELECT k.kind, k.due_on
                       FROM ar.task k
                      WHERE k.customer_id = w.customer_id AND k.status = 'open'
                      ORDER BY k.due_on, k.task_id
                      LIMIT 1) t ON true
  LEFT JOIN LATERAL (SELECT l.contacted_at, l.channel, l.outcome
                       FROM ar.contact_log l
                      WHERE l.customer_id = w.customer_id
                      ORDER BY l.contacted_at DESC, l.contact_log_id DESC
                      LIMIT 1) lc ON true
  LEFT JOIN LATERAL (SELECT pg_catalog.count(*)::integer AS promises, pg_catalog.sum(p.amount) AS promised_amount,
                            pg_catalog.min(p.promised_on) AS next_promised_on
                       FROM ar.promise p
                      WHERE p.customer_id = w.customer_id AND p.currency = w.currency AND p.status = 'pending') pr ON true
  LEFT JOIN LATERAL (SELECT pg_catalog.max(dh.until) AS until
                       FROM ar.dunning_hold dh
                      WHERE dh.customer_id = w.customer_id AND dh.released_on IS NULL AND dh.until >= CURRENT_DATE) h ON true
 ORDER BY w.currency, w.priority DESC, w.customer_id;
COMMENT ON VIEW ar.v_collector_worklist IS
  'Who needs action today: customers with undisputed overdue invoices, per currency, highest priority first; priority = overdue_amount x (1 + max(predicted_days_late, 0) / 30) x (1 + oldest_days_past_due / 30), with the next step, last contact, open promises and disputes';
COMMENT ON COLUMN ar.v_collector_worklist.customer_id IS 'Customer key';
COMMENT ON COLUMN ar.v_collector_worklist.customer_code IS 'Customer code (取引先コード)';
COMMENT ON COLUMN ar.v_collector_worklist.customer_name IS 'Customer name';
COMMENT ON COLUMN ar.v_collector_worklist.collector IS 'Role name of the customer''s collector (filter on it for one collector''s list)';
COMMENT ON COLUMN ar.v_collector_worklist.currency IS 'Currency of the amounts; priorities compare within a currency';
COMMENT ON COLUMN ar.v_collector_worklist.priority IS
  'overdue_amount x risk factor (1 + max(predicted_days_late, 0) / 30) x age factor (1 + oldest_days_past_due / 30), rounded';
COMMENT ON COLUMN ar.v_collector_worklist.priority_rank IS 'Rank by priority within the currency, 1 = call first';
COMMENT ON COLUMN ar.v_collector_worklist.overdue_amount IS 'Open amount past due, invoices in dispute excluded';
COMMENT ON COLUMN ar.v_collector_worklist.overdue_invoices IS 'Number of undisputed overdue invoices';
COMMENT ON COLUMN ar.v_collector_worklist.oldest_days_past_due IS 'Days past due of the oldest undisputed overdue invoice';
COMMENT ON COLUMN ar.v_collector_worklist.risk_class IS 'Risk class A-D of ar.v_customer_risk';
COMMENT ON COLUMN ar.v_collector_worklist.predicted_days_late IS 'Predicted days late of ar.v_customer_risk';
COMMENT ON COLUMN ar.v_collector_worklist.dunning_level IS 'Highest dunning step sent on the overdue invoices';
COMMENT ON COLUMN ar.v_collector_worklist.next_step IS
  'What to do next, first that applies: no contact (do_not_contact, bankrupt, closed), an open task, await a pending promise, on hold, the next dunning step of the open episode, ladder finished, else call';
COMMENT ON COLUMN ar.v_collector_worklist.task_due_on IS 'Due date of the earliest open task of the customer';
COMMENT ON COLUMN ar.v_collector_worklist.last_contact_at IS 'When the customer was last contacted (ar.contact_log)';
COMMENT ON COLUMN ar.v_collector_worklist.last_contact_channel IS 'Channel of the last contact';
COMMENT ON COLUMN ar.v_collector_worklist.last_contact_outcome IS 'Outcome of the last contact';
COMMENT ON COLUMN ar.v_collector_worklist.open_promises IS 'Pending promises to pay in this currency';
COMMENT ON COLUMN ar.v_collector_worklist.promised_amount IS 'Amount of the pending promises';
COMMENT ON COLUMN ar.v_collector_worklist.next_promised_on IS 'Earliest promised date of the pending promises';
COMMENT ON COLUMN ar.v_collector_worklist.open_disputes IS 'Overdue invoices of the customer in open dispute';
COMMENT ON COLUMN ar.v_collector_worklist.disputed_amount IS 'Open amount of those invoices (not in overdue_amount)';

------------------------------------------------------------------------------
-- Dunning pipeline and effectiveness
------------------------------------------------------------------------------

CREATE VIEW ar.v_dunning_pipeline WITH (security_invoker = true) AS
SELECT e.policy_id, p.name AS policy_name, e.currency, e.last_step AS step_no, s.channel, s.template,
       pg_catalog.count(*)::integer AS customers,
       COALESCE(pg_catalog.sum(od.overdue_amount), 0) AS overdue_amount,
       pg_catalog.min(e.started_on) AS oldest_started_on,
       pg_catalog.max(e.last_notice_at) AS last_notice_at
  FROM ar.dunning_episode e
  JOIN ar.dunning_policy p ON p.dunning_policy_id = e.policy_id
  LEFT JOIN LATERAL (SELECT s.channel, s.template FROM ar.ladder_steps(e.ladder) s WHERE s.step_no = e.last_step) s ON true
  LEFT JOIN LATERAL (SELECT pg_catalog.sum(i.open_amount) AS overdue_amount
                       FROM ar.invoice i
                      WHERE i.customer_id = e.customer_id AND i.currency = e.currency AND i.status = 'open'
                        AND i.due_date < CURRENT_DATE) od ON true
 WHERE e.status = 'open'
 GROUP BY e.policy_id, p.name, e.currency, e.last_step, s.channel, s.template
 ORDER BY e.policy_id, e.currency, e.last_step;
COMMENT ON VIEW ar.v_dunning_pipeline IS
  'Customers in open dunning episodes per policy, currency and the last ladder step sent (0 = episode started, no notice yet)';
COMMENT ON COLUMN ar.v_dunning_pipeline.policy_id IS 'Dunning policy of the episodes';
COMMENT ON COLUMN ar.v_dunning_pipeline.policy_name IS 'Name of the policy';
COMMENT ON COLUMN ar.v_dunning_pipeline.currency IS 'Currency of the episodes';
COMMENT ON COLUMN ar.v_dunning_pipeline.step_no IS 'Last step sent in the episode (0 = none yet)';
COMMENT ON COLUMN ar.v_dunning_pipeline.channel IS 'Channel of that step (NULL for step 0)';
COMMENT ON COLUMN ar.v_dunning_pipeline.template IS 'Template of that step';
COMMENT ON COLUMN ar.v_dunning_pipeline.customers IS 'Customers (open episodes) at the step';
COMMENT ON COLUMN ar.v_dunning_pipeline.overdue_amount IS 'Their open amount due before today';
COMMENT ON COLUMN ar.v_dunning_pipeline.oldest_started_on IS 'Start of the oldest of these episodes';
COMMENT ON COLUMN ar.v_dunning_pipeline.last_notice_at IS 'Latest notice sent in these episodes';

CREATE VIEW ar.v_dunning_effectiveness WITH (security_invoker = true) AS
WITH sent AS (
  SELECT ev.dunning_event_id, ev.customer_id, ev.policy_id, ev.step_no, ev.channel, ev.template,
         COALESCE(ep.currency, c.currency) AS currency,
         (ev.as_of AT TIME ZONE c.time_zone)::date AS sent_on
    FROM ar.dunning_event ev
    JOIN ar.customer c ON c.customer_id = ev.customer_id
    LEFT JOIN ar.dunning_episode ep ON ep.dunning_episode_id = ev.episode_id
   WHERE ev.decision = 'sent'
), outcome AS (
  -- Payments applied after the notice to what was due at the notice.
  SELECT s.*, pay.first_paid_on, COALESCE(pay.recovered, 0) AS recovered
    FROM sent s
    LEFT JOIN LATERAL (
      SELECT pg_catalog.min(a.applied_on) AS first_paid_on, pg_catalog.sum(a.amount) AS recovered
        FROM ar.allocation a
        JOIN ar.invoice i ON i.invoice_id = a.invoice_id
       WHERE a.customer_id = s.customer_id AND a.kind = 'payment' AND a.reversed_on IS NULL
         AND a.applied_on > s.sent_on AND a.applied_on <= s.sent_on + 30
         AND i.currency = s.currency AND i.due_date <= s.sent_on) pay ON true
)
SELECT o.policy_id, p.name AS policy_name, o.step_no, o.channel, o.template, o.currency,
       pg_catalog.count(*)::integer AS notices_sent,
       pg_catalog.count(DISTINCT o.customer_id)::integer AS customers,
       pg_catalog.round(100.0 * pg_catalog.count(*) FILTER (WHERE o.first_paid_on <= o.sent_on + 7 AND o.sent_on + 7 <= CURRENT_DATE)
                        / NULLIF(pg_catalog.count(*) FILTER (WHERE o.sent_on + 7 <= CURRENT_DATE), 0), 2) AS paid_within_7d_pct,
       pg_catalog.round(100.0 * pg_catalog.count(*) FILTER (WHERE o.first_paid_on <= o.sent_on + 14 AND o.sent_on + 14 <= CURRENT_DATE)
                        / NULLIF(pg_catalog.count(*) FILTER (WHERE o.sent_on + 14 <= CURRENT_DATE), 0), 2) AS paid_within_14d_pct,
       pg_catalog.round(100.0 * pg_catalog.count(*) FILTER (WHERE o.first_paid_on <= o.sent_on + 30 AND o.sent_on + 30 <= CURRENT_DATE)
                        / NULLIF(pg_catalog.count(*) FILTER (WHERE o.sent_on + 30 <= CURRENT_DATE), 0), 2) AS paid_within_30d_pct,
       pg_catalog.sum(o.recovered) AS amount_recovered
  FROM outcome o
  LEFT JOIN ar.dunning_policy p ON p.dunning_policy_id = o.policy_id
 GROUP BY o.policy_id, p.name, o.step_no, o.channel, o.template, o.currency
 ORDER BY o.policy_id, o.currency, o.step_no;
COMMENT ON VIEW ar.v_dunning_effectiveness IS
  'Per policy step and currency: notices sent and what followed each notice: the share after which the customer paid within 7, 14 and 30 days (only notices at least that old count) and the amount recovered within 30 days';
COMMENT ON COLUMN ar.v_dunning_effectiveness.policy_id IS 'Dunning policy';
COMMENT ON COLUMN ar.v_dunning_effectiveness.policy_name IS 'Name of the policy';
COMMENT ON COLUMN ar.v_dunning_effectiveness.step_no IS 'Ladder step';
COMMENT ON COLUMN ar.v_dunning_effectiveness.channel IS 'Channel of the notices';
COMMENT ON COLUMN ar.v_dunning_effectiveness.template IS 'Template of the notices';
COMMENT ON COLUMN ar.v_dunning_effectiveness.currency IS 'Currency of the episode (the customer''s when none)';
COMMENT ON COLUMN ar.v_dunning_effectiveness.notices_sent IS 'Notices sent at this step (dunning events of decision sent)';
COMMENT ON COLUMN ar.v_dunning_effectiveness.customers IS 'Distinct customers who received them';
COMMENT ON COLUMN ar.v_dunning_effectiveness.paid_within_7d_pct IS
  'Of the notices sent at least 7 days ago, the share after which a payment was applied, within 7 days of the notice day (the day after it onwards), to an invoice of the customer due by then, in percent';
COMMENT ON COLUMN ar.v_dunning_effectiveness.paid_within_14d_pct IS 'The same within 14 days, over notices at least 14 days old';
COMMENT ON COLUMN ar.v_dunning_effectiveness.paid_within_30d_pct IS 'The same within 30 days, over notices at least 30 days old';
COMMENT ON COLUMN ar.v_dunning_effectiveness.amount_recovered IS
  'Payments applied within 30 days after each notice to the customer''s invoices due by the notice day (a payment following two notices counts for both)';

------------------------------------------------------------------------------
-- Promises, disputes, the outbox
------------------------------------------------------------------------------

CREATE VIEW ar.v_promises WITH (security_invoker = true) AS
SELECT p.promise_id, p.customer_id, c.customer_code, c.name AS customer_name, c.collector, p.currency,
       p.amount, p.made_on, p.promised_on, p.promised_on + p.grace_days AS grace_until, p.status,
       p.paid_amount, p.evaluated_on,
       CASE WHEN p.status = 'pending' THEN p.promised_on - CURRENT_DATE END AS days_until_promised,
       COALESCE(od.overdue_amount, 0) AS customer_overdue_amount,
       p.created_by, p.note
  FROM ar.promise p
  JOIN ar.customer c ON c.customer_id = p.customer_id
  LEFT JOIN LATERAL (SELECT pg_catalog.sum(i.open_amount) AS overdue_amount
                       FROM ar.invoice i
                      WHERE i.customer_id = p.customer_id AND i.currency = p.currency AND i.status = 'open'
                        AND i.due_date < CURRENT_DATE) od ON true;
COMMENT ON VIEW ar.v_promises IS 'Promises to pay (支払約束) with their customer, state and what the customer owes now';
COMMENT ON COLUMN ar.v_promises.promise_id IS 'Promise key';
COMMENT ON COLUMN ar.v_promises.customer_id IS 'Customer key';
COMMENT ON COLUMN ar.v_promises.customer_code IS 'Customer code (取引先コード)';
COMMENT ON COLUMN ar.v_promises.customer_name IS 'Customer name';
COMMENT ON COLUMN ar.v_promises.collector IS 'Role name of the customer''s collector';
COMMENT ON COLUMN ar.v_promises.currency IS 'Currency of the promise';
COMMENT ON COLUMN ar.v_promises.amount IS 'Amount promised';
COMMENT ON COLUMN ar.v_promises.made_on IS 'When the promise was made';
COMMENT ON COLUMN ar.v_promises.promised_on IS 'Date the customer promised to pay by';
COMMENT ON COLUMN ar.v_promises.grace_until IS 'promised_on + grace days: dunning stays paused until then';
COMMENT ON COLUMN ar.v_promises.status IS 'pending, kept, broken or cancelled';
COMMENT ON COLUMN ar.v_promises.paid_amount IS 'Amount paid toward it when evaluated';
COMMENT ON COLUMN ar.v_promises.evaluated_on IS 'When ar.evaluate_promises judged it';
COMMENT ON COLUMN ar.v_promises.days_until_promised IS 'For pending promises: promised_on - today (negative once passed)';
COMMENT ON COLUMN ar.v_promises.customer_overdue_amount IS 'The customer''s open amount past due in the currency, now';
COMMENT ON COLUMN ar.v_promises.created_by IS 'Role that recorded the promise';
COMMENT ON COLUMN ar.v_promises.note IS 'Free text';

CREATE VIEW ar.v_disputes WITH (security_invoker = true) AS
SELECT d.dispute_id, d.invoice_id, i.invoice_no, d.customer_id, c.customer_code, c.name AS customer_name,
       c.collector, i.currency, d.amount, i.open_amount AS invoice_open_amount, i.due_date, d.reason, d.status,
       d.opened_on, d.resolved_on, COALESCE(d.resolved_on, CURRENT_DATE) - d.opened_on AS age_days,
       d.resolution, d.created_by
  FROM ar.dispute d
  JOIN ar.invoice i ON i.invoice_id = d.invoice_id
  JOIN ar.customer c ON c.customer_id = d.customer_id;
COMMENT ON VIEW ar.v_disputes IS 'Disputes with their invoice and customer and how long they have been (or were) open';
COMMENT ON COLUMN ar.v_disputes.dispute_id IS 'Dispute key';
COMMENT ON COLUMN ar.v_disputes.invoice_id IS 'Invoice disputed';
COMMENT ON COLUMN ar.v_disputes.invoice_no IS 'Invoice number (請求書番号)';
COMMENT ON COLUMN ar.v_disputes.customer_id IS 'Customer key';
COMMENT ON COLUMN ar.v_disputes.customer_code IS 'Customer code (取引先コード)';
COMMENT ON COLUMN ar.v_disputes.customer_name IS 'Customer name';
COMMENT ON COLUMN ar.v_disputes.collector IS 'Role name of the customer''s collector';
COMMENT ON COLUMN ar.v_disputes.currency IS 'Currency of the invoice';
COMMENT ON COLUMN ar.v_disputes.amount IS 'Amount disputed';
COMMENT ON COLUMN ar.v_disputes.invoice_open_amount IS 'Amount of the invoice still open';
COMMENT ON COLUMN ar.v_disputes.due_date IS 'Due date of the invoice';
COMMENT ON COLUMN ar.v_disputes.reason IS 'Why the customer disputes it';
COMMENT ON COLUMN ar.v_disputes.status IS 'open, resolved or rejected';
COMMENT ON COLUMN ar.v_disputes.opened_on IS 'When the dispute was raised';
COMMENT ON COLUMN ar.v_disputes.resolved_on IS 'When it was closed (NULL while open)';
COMMENT ON COLUMN ar.v_disputes.age_days IS 'Days open: to today while open, to resolved_on once closed';
COMMENT ON COLUMN ar.v_disputes.resolution IS 'How it was closed';
COMMENT ON COLUMN ar.v_disputes.created_by IS 'Role that recorded it';

CREATE VIEW ar.v_notification_queue WITH (security_invoker = true) AS
SELECT n.channel, n.status, pg_catalog.count(*)::integer AS notifications,
       pg_catalog.min(n.created_at) AS oldest_created_at,
       pg_catalog.now() - pg_catalog.min(n.created_at) AS oldest_age,
       pg_catalog.count(*) FILTER (WHERE n.status = 'queued' AND n.scheduled_for <= pg_catalog.now())::integer AS due_now,
       pg_catalog.min(n.scheduled_for) FILTER (WHERE n.status = 'queued') AS next_scheduled_for,
       pg_catalog.sum(n.attempts)::integer AS attempts
  FROM ar.notification n
 GROUP BY n.channel, n.status
 ORDER BY n.channel, n.status;
COMMENT ON VIEW ar.v_notification_queue IS 'The outbox per channel and status: how many notices, how old the oldest, how many due to send now';
COMMENT ON COLUMN ar.v_notification_queue.channel IS 'Delivery channel (email, sms, letter, call, agency, ...)';
COMMENT ON COLUMN ar.v_notification_queue.status IS 'queued, sending, sent, failed, cancelled or dead';
COMMENT ON COLUMN ar.v_notification_queue.notifications IS 'Number of notices';
COMMENT ON COLUMN ar.v_notification_queue.oldest_created_at IS 'When the oldest of them was queued';
COMMENT ON COLUMN ar.v_notification_queue.oldest_age IS 'now() - oldest_created_at';
COMMENT ON COLUMN ar.v_notification_queue.due_now IS 'Queued notices whose scheduled time has come';
COMMENT ON COLUMN ar.v_notification_queue.next_scheduled_for IS 'Earliest scheduled time among queued notices';
COMMENT ON COLUMN ar.v_notification_queue.attempts IS 'Delivery attempts made on them in total';
