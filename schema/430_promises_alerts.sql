-- Promises to pay are evaluated; alert rules watch the book for collectors.

-- A notice to a collector (channel internal), rendered from a template of
-- ar.template, queued once per dedupe key.  Returns the new notification_id,
-- or NULL when that key was queued before.
CREATE FUNCTION ar.queue_collector_alert(customer_id bigint, template_code text, data jsonb, dedupe_key text,
                                         recipient text DEFAULT NULL, channel text DEFAULT 'internal')
  RETURNS bigint
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c ar.customer;
  t ar.template;
  id bigint;
BEGIN
  SELECT * INTO c FROM ar.customer x WHERE x.customer_id = queue_collector_alert.customer_id;
  SELECT * INTO t FROM ar.template x
   WHERE x.template_code = queue_collector_alert.template_code AND x.channel = 'internal'
   ORDER BY x.locale = c.locale DESC, x.locale = 'ja' DESC LIMIT 1;
  INSERT INTO ar.notification (customer_id, channel, template, locale, recipient, subject, body, payload, dedupe_key)
  VALUES (c.customer_id, queue_collector_alert.channel, queue_collector_alert.template_code, t.locale,
          COALESCE(queue_collector_alert.recipient, ar.notice_recipient(c, 'internal')),
          ar.render_template(t.subject, data), ar.render_template(t.body, data), data,
          queue_collector_alert.dedupe_key)
  ON CONFLICT ON CONSTRAINT notification_dedupe_key_key DO NOTHING
  RETURNING notification_id INTO id;
  RETURN id;
END
$$;
COMMENT ON FUNCTION ar.queue_collector_alert(bigint, text, jsonb, text, text, text) IS
  'Queues an alert to the customer''s collector, once per dedupe key (internal)';

------------------------------------------------------------------------------
-- Promises
------------------------------------------------------------------------------

CREATE FUNCTION ar.evaluate_promises(as_of date DEFAULT CURRENT_DATE)
  RETURNS TABLE (promise_id bigint, customer_id bigint, status text, paid_amount numeric)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  r record;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- Kept as soon as the payments received since the promise reach its
  -- amount; broken once promised_on + grace_days has passed without.
  FOR r IN
    WITH pending AS (
      SELECT p.promise_id, p.customer_id, p.amount, p.currency, p.made_on, p.promised_on, p.grace_days,
             COALESCE((SELECT pg_catalog.sum(pay.amount) FROM ar.payment pay
                        WHERE pay.customer_id = p.customer_id AND pay.currency = p.currency
                          AND pay.status = 'received'
                          AND pay.received_on BETWEEN p.made_on AND as_of), 0) AS paid
        FROM ar.promise p
       WHERE p.status = 'pending' AND p.made_on <= as_of
         FOR UPDATE OF p
    ), decided AS (
      SELECT x.*, CASE WHEN x.paid >= x.amount THEN 'kept'
                       WHEN as_of > x.promised_on + x.grace_days THEN 'broken' END AS outcome
        FROM pending x
    ), changed AS (
      UPDATE ar.promise p SET status = d.outcome, evaluated_on = as_of, paid_amount = d.paid
        FROM decided d
       WHERE p.promise_id = d.promise_id AND d.outcome IS NOT NULL
      RETURNING p.promise_id, p.customer_id, p.status, p.paid_amount, p.amount, p.currency, p.made_on, p.promised_on, p.note
    )
    SELECT * FROM changed ORDER BY changed.promise_id
  LOOP
    promise_id := r.promise_id; customer_id := r.customer_id; status := r.status; paid_amount := r.paid_amount;
    RETURN NEXT;
    IF r.status = 'broken' THEN
      -- Dunning resumes by itself (the promise no longer pauses it); the
      -- collector is told and gets a follow-up task.
      PERFORM ar.queue_collector_alert(
        r.customer_id, 'broken_promise',
        ar.collector_alert_data(r.customer_id, as_of) || pg_catalog.jsonb_build_object(
          'promise', pg_catalog.jsonb_build_object(
            'amount', ar.format_money(r.amount, r.currency, c.locale),
            'made_on', ar.format_date(r.made_on, c.locale),
            'promised_on', ar.format_date(r.promised_on, c.locale),
            'note', COALESCE(r.note, ''))),
        'promise:' || r.promise_id || ':broken')
        FROM ar.customer c WHERE c.customer_id = r.customer_id;
      INSERT INTO ar.task (customer_id, kind, due_on, assigned_to, note, dedupe_key)
      SELECT c.customer_id, 'promise_follow_up', as_of, c.collector,
             pg_catalog.format('Promise of %s due %s was broken (%s received)',
                               ar.format_money(r.amount, r.currency, c.locale), r.promised_on,
                               ar.format_money(r.paid_amount, r.currency, c.locale)),
             'promise:' || r.promise_id || ':broken'
        FROM ar.customer c WHERE c.customer_id = r.customer_id
      ON CONFLICT (dedupe_key) DO NOTHING;
    END IF;
  END LOOP;
END
$$;
COMMENT ON FUNCTION ar.evaluate_promises(date) IS
  'Marks pending promises kept (payments since made_on reach the amount) or broken (promised_on + grace_days passed); a broken promise alerts the collector and resumes dunning';

------------------------------------------------------------------------------
-- Alerts
------------------------------------------------------------------------------

CREATE TABLE ar.alert_rule (
  alert_rule_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL UNIQUE CHECK (name <> ''),
  kind          text NOT NULL
                CHECK (kind IN ('overdue_days', 'overdue_amount', 'broken_promise', 'credit_limit', 'new_dispute')),
  threshold     numeric,
  currency      char(3) REFERENCES ar.currency,
  channel       text NOT NULL DEFAULT 'internal' CHECK (channel IN ('internal', 'email', 'webhook')),
  recipients    text[],
  active        boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at    timestamptz,
  CONSTRAINT alert_rule_threshold CHECK (
    CASE kind WHEN 'overdue_days' THEN threshold >= 0 AND threshold = pg_catalog.trunc(threshold)
              WHEN 'overdue_amount' THEN threshold > 0
              WHEN 'credit_limit' THEN threshold > 0
              ELSE true END)
);
COMMENT ON TABLE ar.alert_rule IS
  'Alert rules: conditions on customers that queue an alert to collectors, once per rule, customer and episode';
COMMENT ON COLUMN ar.alert_rule.alert_rule_id IS 'Surrogate key';
COMMENT ON COLUMN ar.alert_rule.name IS 'Unique name, shown in the alert';
COMMENT ON COLUMN ar.alert_rule.kind IS
  'overdue_days (oldest overdue item >= threshold days), overdue_amount (overdue total >= threshold), broken_promise, credit_limit (open total >= threshold % of the credit limit), new_dispute';
COMMENT ON COLUMN ar.alert_rule.threshold IS 'Days, amount or percent, by kind; unused by broken_promise and new_dispute';
COMMENT ON COLUMN ar.alert_rule.currency IS 'For overdue_amount: only customers'' balances in this currency (NULL: every currency, threshold in its units)';
COMMENT ON COLUMN ar.alert_rule.channel IS 'internal (collector inbox), email or webhook';
COMMENT ON COLUMN ar.alert_rule.recipients IS 'Who receives it; NULL means the customer''s collector';
COMMENT ON COLUMN ar.alert_rule.active IS 'Inactive rules are not evaluated';
COMMENT ON COLUMN ar.alert_rule.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.alert_rule.updated_at IS 'When the row was last changed';

-- Data for collector alert templates: the data contract of
-- docs/templates.md for the customer's overdue invoices (at most 50 listed),
-- with promise and alert NULL for the caller to fill in.
CREATE FUNCTION ar.collector_alert_data(customer_id bigint, as_of date) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT ar.notice_data(c, c.currency, as_of, COALESCE(o.total, 0), COALESCE(o.listed, '[]'), COALESCE(o.total, 0),
                        COALESCE(o.n, 0), o.oldest, ar.template_company(c.locale))
    FROM ar.customer c
    LEFT JOIN LATERAL (
      SELECT pg_catalog.sum(x.open_amount) AS total, pg_catalog.count(*) AS n, pg_catalog.max(as_of - x.due_date) AS oldest,
             pg_catalog.jsonb_agg(ar.notice_invoice(x.invoice_id, x.invoice_no, x.issue_date, x.due_date, x.amount,
                                                    x.open_amount, as_of - x.due_date, c.currency, c.locale)
                                  ORDER BY x.due_date, x.invoice_id) AS listed
        FROM (SELECT i.* FROM ar.invoice i
               WHERE i.customer_id = c.customer_id AND i.status = 'open' AND i.currency = c.currency
                 AND i.due_date < as_of
               ORDER BY i.due_date, i.invoice_id LIMIT 50) x) o ON true
   WHERE c.customer_id = $1
$$;
COMMENT ON FUNCTION ar.collector_alert_data(bigint, date) IS
  'Template data of a collector alert: the data contract for the customer''s overdue invoices (internal)';

CREATE FUNCTION ar.run_alerts(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS integer
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  queued integer := 0;
  r record;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  FOR r IN
    WITH cust AS (
      SELECT c.customer_id, c.credit_limit, c.currency AS home, (as_of AT TIME ZONE c.time_zone)::date AS local_date
        FROM ar.customer c
    ), balance AS (
      SELECT i.customer_id, i.currency,
             pg_catalog.sum(i.open_amount) AS open_total,
             pg_catalog.sum(i.open_amount) FILTER (WHERE i.due_date < cu.local_date) AS overdue_total,
             pg_catalog.max(cu.local_date - i.due_date) FILTER (WHERE i.due_date < cu.local_date) AS max_dpd
        FROM ar.invoice i JOIN cust cu ON cu.customer_id = i.customer_id
       WHERE i.status = 'open'
       GROUP BY i.customer_id, i.currency
    ), hit AS (
      -- overdue_days / overdue_amount / credit_limit: once per rule, customer and episode
      SELECT a.alert_rule_id, a.name, a.kind, a.threshold, a.channel, a.recipients, b.customer_id,
             pg_catalog.format('alert:%s:%s:%s', a.alert_rule_id, b.customer_id,
                               COALESCE((SELECT e.dunning_episode_id::text FROM ar.dunning_episode e
                                          WHERE e.customer_id = b.customer_id AND e.currency = b.currency
                                            AND e.status = 'open'), 'none')) AS key,
             pg_catalog.format('%s: %s', a.kind, CASE a.kind WHEN 'overdue_days' THEN b.max_dpd::text
                                                            ELSE b.overdue_total::text END) AS detail
        FROM ar.alert_rule a
        JOIN balance b ON (a.currency IS NULL OR a.currency = b.currency)
        JOIN cust cu ON cu.customer_id = b.customer_id
       WHERE a.active
         AND ((a.kind = 'overdue_days' AND b.max_dpd >= a.threshold)
           OR (a.kind = 'overdue_amount' AND b.overdue_total >= a.threshold)
           OR (a.kind = 'credit_limit' AND b.currency = cu.home AND cu.credit_limit IS NOT NULL
               AND b.open_total >= cu.credit_limit * a.threshold / 100))
      UNION ALL
      SELECT a.alert_rule_id, a.name, a.kind, a.threshold, a.channel, a.recipients, p.customer_id,
             pg_catalog.format('alert:%s:promise:%s', a.alert_rule_id, p.promise_id),
             pg_catalog.format('promise %s of %s broken', p.promise_id, p.amount)
        FROM ar.alert_rule a JOIN ar.promise p ON p.status = 'broken'
       WHERE a.active AND a.kind = 'broken_promise'
      UNION ALL
      SELECT a.alert_rule_id, a.name, a.kind, a.threshold, a.channel, a.recipients, d.customer_id,
             pg_catalog.format('alert:%s:dispute:%s', a.alert_rule_id, d.dispute_id),
             pg_catalog.format('dispute %s: %s', d.dispute_id, d.reason)
        FROM ar.alert_rule a JOIN ar.dispute d ON d.status = 'open'
       WHERE a.active AND a.kind = 'new_dispute'
    )
    SELECT h.*, rcpt.recipient
      FROM hit h
      LEFT JOIN LATERAL pg_catalog.unnest(COALESCE(h.recipients, ARRAY[NULL::text])) AS rcpt(recipient) ON true
     WHERE NOT EXISTS (SELECT 1 FROM ar.notification n
                        WHERE n.dedupe_key = h.key || COALESCE(':' || rcpt.recipient, ''))
  LOOP
    IF ar.queue_collector_alert(
         r.customer_id, 'collector_alert',
         ar.collector_alert_data(r.customer_id, (as_of AT TIME ZONE 'UTC')::date)
           || pg_catalog.jsonb_build_object('alert', pg_catalog.jsonb_build_object(
                'rule', r.name, 'kind', r.kind, 'threshold', COALESCE(r.threshold::text, ''))),
         r.key || COALESCE(':' || r.recipient, ''), r.recipient, r.channel) IS NOT NULL THEN
      queued := queued + 1;
    END IF;
  END LOOP;
  RETURN queued;
END
$$;
COMMENT ON FUNCTION ar.run_alerts(timestamptz) IS
  'Evaluates the active alert rules and queues each alert once per rule, customer and episode (or promise, dispute); returns how many were queued';

SELECT pg_catalog.pg_extension_config_dump('ar.alert_rule', '');
SELECT pg_catalog.pg_extension_config_dump('ar.alert_rule_alert_rule_id_seq', '');
