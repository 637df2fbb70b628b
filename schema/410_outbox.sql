-- The notification outbox and the collector's records: notices queued by
-- dunning and alerts, drained by delivery workers in any language
-- (docs/outbox.md); contacts made; tasks for collectors.

CREATE TABLE ar.notification (
  notification_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id     bigint NOT NULL REFERENCES ar.customer,
  policy_id       bigint REFERENCES ar.dunning_policy,
  episode_id      bigint REFERENCES ar.dunning_episode,
  step_no         integer,
  channel         text NOT NULL
                  CHECK (channel IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook')),
  template        text,
  locale          text CHECK (locale IN ('ja', 'en')),
  recipient       text,
  subject         text,
  body            text,
  payload         jsonb NOT NULL DEFAULT '{}',
  dedupe_key      text NOT NULL UNIQUE DEFAULT ('manual:' || pg_catalog.gen_random_uuid()),
  status          text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled', 'dead')),
  scheduled_for   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts    integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
  last_error      text,
  locked_by       text,
  locked_until    timestamptz,
  sent_at         timestamptz,
  provider_ref    text,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at      timestamptz
);
-- What claim_notifications reads: due rows of one channel, oldest first.
CREATE INDEX notification_due_idx ON ar.notification (channel, scheduled_for, notification_id)
  WHERE status IN ('queued', 'sending');
CREATE INDEX notification_customer_idx ON ar.notification (customer_id, scheduled_for);
COMMENT ON TABLE ar.notification IS
  'Outbox of notices (dunning steps, alerts) waiting for delivery workers; each dedupe_key is queued once';
COMMENT ON COLUMN ar.notification.notification_id IS 'Surrogate key';
COMMENT ON COLUMN ar.notification.customer_id IS 'Customer the notice is about';
COMMENT ON COLUMN ar.notification.policy_id IS 'Dunning policy that queued it (NULL for alerts and manual notices)';
COMMENT ON COLUMN ar.notification.episode_id IS 'Dunning episode that queued it';
COMMENT ON COLUMN ar.notification.step_no IS 'Ladder step that queued it';
COMMENT ON COLUMN ar.notification.channel IS 'email, sms, letter, call, agency, retry, internal or webhook';
COMMENT ON COLUMN ar.notification.template IS 'Template code rendered into subject and body';
COMMENT ON COLUMN ar.notification.locale IS 'Language rendered (ja or en)';
COMMENT ON COLUMN ar.notification.recipient IS 'Address, number or role the worker delivers to';
COMMENT ON COLUMN ar.notification.subject IS 'Rendered subject (email, letter)';
COMMENT ON COLUMN ar.notification.body IS 'Rendered body';
COMMENT ON COLUMN ar.notification.payload IS 'Structured data of the notice (invoices, amounts, the whole case for agency)';
COMMENT ON COLUMN ar.notification.dedupe_key IS 'Unique key: a step of an episode, or an alert of a rule, is queued once';
COMMENT ON COLUMN ar.notification.status IS 'queued, sending (claimed), sent, failed, cancelled or dead (gave up)';
COMMENT ON COLUMN ar.notification.scheduled_for IS 'Not handed out before this time (send window, retry backoff)';
COMMENT ON COLUMN ar.notification.attempts IS 'Times claimed for delivery';
COMMENT ON COLUMN ar.notification.max_attempts IS 'Attempts before the notice is dead';
COMMENT ON COLUMN ar.notification.last_error IS 'Error of the last failed attempt, or why it was cancelled';
COMMENT ON COLUMN ar.notification.locked_by IS 'Worker holding the lease';
COMMENT ON COLUMN ar.notification.locked_until IS 'End of the lease; an expired lease is reclaimed';
COMMENT ON COLUMN ar.notification.sent_at IS 'When delivery was confirmed';
COMMENT ON COLUMN ar.notification.provider_ref IS 'Delivery provider''s reference (message id, tracking number)';
COMMENT ON COLUMN ar.notification.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.notification.updated_at IS 'When the row was last changed';

-- Workers LISTEN on ar_notification; each inserted notice is announced with
-- its id and channel as JSON: {"notification_id": 42, "channel": "email"}.
CREATE FUNCTION ar.tg_notification_announce() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM pg_catalog.pg_notify('ar_notification',
            pg_catalog.json_build_object('notification_id', n.notification_id, 'channel', n.channel)::text)
     FROM new_rows n;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_notification_announce() IS
  'Statement trigger: NOTIFY ar_notification with each new notice''s id and channel (internal)';
CREATE TRIGGER notification_announce AFTER INSERT ON ar.notification REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_notification_announce();

CREATE TABLE ar.contact_log (
  contact_log_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id     bigint NOT NULL REFERENCES ar.customer,
  notification_id bigint REFERENCES ar.notification,
  channel         text NOT NULL
                  CHECK (channel IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook',
                                     'visit', 'meeting', 'other')),
  direction       text NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound')),
  outcome         text NOT NULL CHECK (outcome <> ''),
  note            text,
  contacted_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  created_by      text NOT NULL DEFAULT CURRENT_USER,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX contact_log_customer_idx ON ar.contact_log (customer_id, contacted_at);
COMMENT ON TABLE ar.contact_log IS 'Every contact with a customer, automatic (delivered notices) or manual (calls, visits)';
COMMENT ON COLUMN ar.contact_log.contact_log_id IS 'Surrogate key';
COMMENT ON COLUMN ar.contact_log.customer_id IS 'Customer contacted';
COMMENT ON COLUMN ar.contact_log.notification_id IS 'Notice delivered, for automatic contacts';
COMMENT ON COLUMN ar.contact_log.channel IS 'How: a notification channel, or visit, meeting, other';
COMMENT ON COLUMN ar.contact_log.direction IS 'outbound (we contacted them) or inbound (they contacted us)';
COMMENT ON COLUMN ar.contact_log.outcome IS 'Result: sent, undeliverable, reached, no_answer, left_message, promise, dispute, ...';
COMMENT ON COLUMN ar.contact_log.note IS 'Free text';
COMMENT ON COLUMN ar.contact_log.contacted_at IS 'When the contact happened';
COMMENT ON COLUMN ar.contact_log.created_by IS 'Role that recorded it';
COMMENT ON COLUMN ar.contact_log.created_at IS 'When the row was created';

CREATE TABLE ar.task (
  task_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES ar.customer,
  kind         text NOT NULL CHECK (kind IN ('call', 'follow_up', 'agency_handoff', 'promise_follow_up', 'review')),
  due_on       date NOT NULL DEFAULT CURRENT_DATE,
  assigned_to  text,
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
  outcome      text,
  note         text,
  episode_id   bigint REFERENCES ar.dunning_episode,
  step_no      integer,
  dedupe_key   text UNIQUE,
  completed_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT task_completed_when_closed CHECK ((status = 'open') = (completed_at IS NULL))
);
CREATE INDEX task_open_idx ON ar.task (assigned_to, due_on) WHERE status = 'open';
CREATE INDEX task_customer_idx ON ar.task (customer_id);
COMMENT ON TABLE ar.task IS 'Collector follow-ups: calls the ladder asks for, agency hand-offs, broken promises to chase';
COMMENT ON COLUMN ar.task.task_id IS 'Surrogate key';
COMMENT ON COLUMN ar.task.customer_id IS 'Customer to act on';
COMMENT ON COLUMN ar.task.kind IS 'call, follow_up, agency_handoff, promise_follow_up or review';
COMMENT ON COLUMN ar.task.due_on IS 'Day the task is due';
COMMENT ON COLUMN ar.task.assigned_to IS 'Collector role (the customer''s collector when created by dunning)';
COMMENT ON COLUMN ar.task.status IS 'open, done or cancelled';
COMMENT ON COLUMN ar.task.outcome IS 'What came of it';
COMMENT ON COLUMN ar.task.note IS 'Instructions or notes';
COMMENT ON COLUMN ar.task.episode_id IS 'Dunning episode that created it';
COMMENT ON COLUMN ar.task.step_no IS 'Ladder step that created it';
COMMENT ON COLUMN ar.task.dedupe_key IS 'Unique key: a step of an episode creates one task';
COMMENT ON COLUMN ar.task.completed_at IS 'When it was done or cancelled';
COMMENT ON COLUMN ar.task.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- The worker protocol: claim, then complete or fail.
------------------------------------------------------------------------------

-- Why a queued dunning notice should no longer go out, or NULL if it still
-- should: the customer paid every invoice it lists, or was paused (promise,
-- hold, do_not_contact, bankrupt or closed) after it was queued.  Alerts and
-- manual notices (no episode) are never stale.
CREATE FUNCTION ar.notification_stale_reason(n ar.notification) RETURNS text
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE
           WHEN n.episode_id IS NULL THEN NULL
           WHEN c.status IN ('bankrupt', 'closed') THEN 'customer is ' || c.status
           WHEN c.do_not_contact THEN 'customer is do_not_contact'
           WHEN n.channel NOT IN ('agency', 'internal')
                AND EXISTS (SELECT 1 FROM ar.promise p
                             WHERE p.customer_id = c.customer_id AND p.status = 'pending'
                               AND p.created_at > n.created_at) THEN 'promise to pay made after it was queued'
           WHEN EXISTS (SELECT 1 FROM ar.dunning_hold h
                         WHERE h.customer_id = c.customer_id AND h.released_on IS NULL
                           AND h.created_at > n.created_at
                           AND h.until >= (pg_catalog.now() AT TIME ZONE c.time_zone)::date)
             THEN 'dunning hold set after it was queued'
           WHEN n.payload ? 'invoices'
                AND NOT EXISTS (SELECT 1
                                  FROM pg_catalog.jsonb_array_elements(n.payload -> 'invoices') AS e(inv)
                                  JOIN ar.invoice i ON i.invoice_id = (e.inv ->> 'invoice_id')::bigint
                                 WHERE i.status = 'open') THEN 'customer paid'
         END
    FROM ar.customer c
   WHERE c.customer_id = n.customer_id
$$;
COMMENT ON FUNCTION ar.notification_stale_reason(ar.notification) IS
  'Why a queued dunning notice should be cancelled rather than sent (paid, paused since), or NULL (internal)';

CREATE FUNCTION ar.claim_notifications(channel text, batch integer DEFAULT 100, worker text DEFAULT NULL,
                                       lease interval DEFAULT '5 minutes')
  RETURNS SETOF ar.notification
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  chan text := claim_notifications.channel;
BEGIN
  IF chan IS NULL OR chan NOT IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook') THEN
    RAISE EXCEPTION 'unknown channel "%"', chan
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Channels are email, sms, letter, call, agency, retry, internal and webhook.';
  END IF;
  IF batch IS NULL OR batch < 1 OR batch > 10000 THEN
    RAISE EXCEPTION 'batch size % is out of range', batch
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Claim between 1 and 10000 notices at a time.';
  END IF;
  IF lease IS NULL OR lease <= interval '0' OR lease > interval '1 day' THEN
    RAISE EXCEPTION 'lease % is out of range', lease
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give a lease longer than zero and at most one day.';
  END IF;

  -- Due rows, with expired leases reclaimed; SKIP LOCKED lets workers run
  -- side by side without waiting for each other.  A dunning notice whose
  -- reason is gone (paid, paused meanwhile) is cancelled instead of handed out.
  RETURN QUERY
  WITH picked AS (
    SELECT n.notification_id, ar.notification_stale_reason(n) AS stale_reason
      FROM ar.notification n
     WHERE n.channel = chan
       AND n.scheduled_for <= pg_catalog.now()
       AND (n.status = 'queued' OR (n.status = 'sending' AND n.locked_until < pg_catalog.now()))
     ORDER BY n.scheduled_for, n.notification_id
     LIMIT batch
       FOR UPDATE SKIP LOCKED
  ), cancelled AS (
    UPDATE ar.notification n
       SET status = 'cancelled', last_error = p.stale_reason, locked_by = NULL, locked_until = NULL,
           updated_at = pg_catalog.now()
      FROM picked p
     WHERE n.notification_id = p.notification_id AND p.stale_reason IS NOT NULL
    RETURNING n.notification_id
  )
  UPDATE ar.notification n
     SET status = 'sending', attempts = n.attempts + 1,
         locked_by = COALESCE(worker, NULLIF(pg_catalog.current_setting('application_name'), ''), 'worker'),
         locked_until = pg_catalog.now() + lease, updated_at = pg_catalog.now()
    FROM picked p
   WHERE n.notification_id = p.notification_id AND p.stale_reason IS NULL
  RETURNING n.*;
END
$$;
COMMENT ON FUNCTION ar.claim_notifications(text, integer, text, interval) IS
  'Hands out up to batch due notices of a channel under a lease (FOR UPDATE SKIP LOCKED; expired leases reclaimed); dunning notices whose customer paid or was paused meanwhile are cancelled instead';

CREATE FUNCTION ar.complete_notification(notification_id bigint, provider_ref text DEFAULT NULL) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n ar.notification;
BEGIN
  SELECT * INTO n FROM ar.notification x WHERE x.notification_id = complete_notification.notification_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown notification %', complete_notification.notification_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF n.status = 'sent' THEN
    RETURN;   -- a worker repeating its completion changes nothing
  END IF;
  IF n.status <> 'sending' THEN
    RAISE EXCEPTION 'notification % is %, not claimed', n.notification_id, n.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Complete only notices handed out by ar.claim_notifications.';
  END IF;
  UPDATE ar.notification x
     SET status = 'sent', sent_at = pg_catalog.now(), provider_ref = complete_notification.provider_ref,
         locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = pg_catalog.now()
   WHERE x.notification_id = n.notification_id;
  INSERT INTO ar.contact_log (customer_id, notification_id, channel, direction, outcome, note)
  VALUES (n.customer_id, n.notification_id, n.channel, 'outbound', 'sent',
          COALESCE(n.subject, n.template));
END
$$;
COMMENT ON FUNCTION ar.complete_notification(bigint, text) IS
  'Marks a claimed notice sent and records the contact in ar.contact_log; repeating it is a no-op';

CREATE FUNCTION ar.fail_notification(notification_id bigint, error text, retry_after interval DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n ar.notification;
BEGIN
  SELECT * INTO n FROM ar.notification x WHERE x.notification_id = fail_notification.notification_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown notification %', fail_notification.notification_id
      USING ERRCODE = 'no_data_found';
  END IF;
  IF n.status <> 'sending' THEN
    RAISE EXCEPTION 'notification % is %, not claimed', n.notification_id, n.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Fail only notices handed out by ar.claim_notifications.';
  END IF;
  IF retry_after IS NOT NULL AND retry_after < interval '0' THEN
    RAISE EXCEPTION 'retry_after % is negative', retry_after
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF n.attempts >= n.max_attempts THEN
    UPDATE ar.notification x
       SET status = 'dead', last_error = error, locked_by = NULL, locked_until = NULL,
           updated_at = pg_catalog.now()
     WHERE x.notification_id = n.notification_id;
    INSERT INTO ar.contact_log (customer_id, notification_id, channel, direction, outcome, note)
    VALUES (n.customer_id, n.notification_id, n.channel, 'outbound', 'undeliverable', error);
  ELSE
    -- Exponential backoff: 1, 2, 4, 8 ... minutes after each failed attempt,
    -- at most 6 hours, unless the worker knows better (e.g. a rate limit).
    UPDATE ar.notification x
       SET status = 'queued', last_error = error, locked_by = NULL, locked_until = NULL,
           scheduled_for = pg_catalog.now()
                           + COALESCE(retry_after,
                                      LEAST(interval '1 minute' * power(2, GREATEST(n.attempts - 1, 0)),
                                            interval '6 hours')),
           updated_at = pg_catalog.now()
     WHERE x.notification_id = n.notification_id;
  END IF;
END
$$;
COMMENT ON FUNCTION ar.fail_notification(bigint, text, interval) IS
  'Records a failed delivery: requeues with exponential backoff (or after retry_after), dead after max_attempts';

CREATE FUNCTION ar.log_contact(customer_id bigint, channel text, outcome text, note text DEFAULT NULL)
  RETURNS bigint
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  id bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ar.customer c WHERE c.customer_id = log_contact.customer_id) THEN
    RAISE EXCEPTION 'unknown customer %', log_contact.customer_id USING ERRCODE = 'no_data_found';
  END IF;
  IF channel IS NULL OR channel NOT IN ('email', 'sms', 'letter', 'call', 'agency', 'retry', 'internal', 'webhook',
                                        'visit', 'meeting', 'other') THEN
    RAISE EXCEPTION 'unknown contact channel "%"', channel
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use email, sms, letter, call, visit, meeting or other.';
  END IF;
  IF outcome IS NULL OR outcome = '' THEN
    RAISE EXCEPTION 'a contact needs an outcome' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'For example reached, no_answer, left_message, promise, dispute.';
  END IF;
  INSERT INTO ar.contact_log (customer_id, channel, direction, outcome, note)
  VALUES (log_contact.customer_id, log_contact.channel, 'outbound', log_contact.outcome, log_contact.note)
  RETURNING contact_log_id INTO id;
  RETURN id;
END
$$;
COMMENT ON FUNCTION ar.log_contact(bigint, text, text, text) IS
  'Records a manual contact (call, visit, ...) with a customer; returns the contact_log_id';

CREATE FUNCTION ar.complete_task(task_id bigint, outcome text, status text DEFAULT 'done') RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t ar.task;
BEGIN
  IF complete_task.status NOT IN ('done', 'cancelled') THEN
    RAISE EXCEPTION 'a task ends as done or cancelled, not "%"', complete_task.status
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO t FROM ar.task x WHERE x.task_id = complete_task.task_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown task %', complete_task.task_id USING ERRCODE = 'no_data_found';
  END IF;
  IF t.status <> 'open' THEN
    RAISE EXCEPTION 'task % is already %', t.task_id, t.status USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  UPDATE ar.task x SET status = complete_task.status, outcome = complete_task.outcome, completed_at = pg_catalog.now()
   WHERE x.task_id = t.task_id;
  IF t.kind = 'call' AND complete_task.status = 'done' THEN
    INSERT INTO ar.contact_log (customer_id, channel, direction, outcome, note)
    VALUES (t.customer_id, 'call', 'outbound', COALESCE(complete_task.outcome, 'done'), t.note);
  END IF;
END
$$;
COMMENT ON FUNCTION ar.complete_task(bigint, text, text) IS
  'Closes a collector task as done (a done call is logged as a contact) or cancelled';

SELECT pg_catalog.pg_extension_config_dump('ar.notification', '');
SELECT pg_catalog.pg_extension_config_dump('ar.contact_log', '');
SELECT pg_catalog.pg_extension_config_dump('ar.task', '');
SELECT pg_catalog.pg_extension_config_dump('ar.notification_notification_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.contact_log_contact_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.task_task_id_seq', '');
