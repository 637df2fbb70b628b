-- ar.run_dunning: every day, for every customer with an eligible overdue (or
-- soon-due) balance, decide whether and how to remind them, and queue each
-- reminder exactly once.  Set-based over the whole book; the ladder logic
-- (ar.next_step) and the rendering (ar.render_template) are in C.
-- docs/dunning.md describes the rules this file implements.

-- The next moment a notice may go out: inside the policy's daily window in
-- the customer's time zone, on a business day of the policy's calendar.
CREATE FUNCTION ar.next_send_time(from_time timestamptz, time_zone text, send_from time, send_until time,
                                  business_days_only boolean, calendar text)
  RETURNS timestamptz
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  local_ts timestamp := from_time AT TIME ZONE time_zone;
  d date := local_ts::date;
  t time := local_ts::time;
BEGIN
  IF t >= send_until THEN
    d := d + 1;
    t := send_from;
  ELSIF t < send_from THEN
    t := send_from;
  END IF;
  IF business_days_only AND NOT ar.is_business_day(d, calendar) THEN
    d := ar.adjust_business_day(d, 'following', calendar);
    t := send_from;
  END IF;
  IF (d + t) AT TIME ZONE time_zone < from_time THEN
    RETURN from_time;       -- inside the window already
  END IF;
  RETURN (d + t) AT TIME ZONE time_zone;
END
$$;
COMMENT ON FUNCTION ar.next_send_time(timestamptz, text, time, time, boolean, text) IS
  'Earliest time at or after from_time inside the send window (local send_from..send_until, business days of the calendar) of a customer''s time zone';

-- Where a notice of a channel goes for a customer, or NULL when there is
-- nowhere to send it.  A SQL-standard body without a SET clause, so the
-- planner inlines it into the run's statements (docs/security.md: such a
-- body is bound when the extension is created).
CREATE FUNCTION ar.notice_recipient(c ar.customer, channel text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE channel
           WHEN 'email' THEN NULLIF(c.email, '')
           WHEN 'sms' THEN NULLIF(c.phone, '')
           WHEN 'letter' THEN COALESCE(NULLIF(c.address, ''), NULLIF(c.metadata ->> 'address', ''))
           WHEN 'internal' THEN COALESCE(NULLIF(c.collector, ''), 'ar_collector')
           WHEN 'webhook' THEN COALESCE(NULLIF(c.metadata ->> 'webhook_url', ''), 'default')
           ELSE COALESCE(NULLIF(c.email, ''), c.customer_code)
         END;
COMMENT ON FUNCTION ar.notice_recipient(ar.customer, text) IS
  'Recipient of a notice on a channel: email address, phone number, postal address, collector role, webhook; NULL when unknown (internal)';

CREATE FUNCTION ar.run_dunning_core(as_of timestamptz, only_policy bigint)
  RETURNS TABLE (customer_id bigint, step_no integer, channel text, template text,
                 notification_id bigint, skipped_reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  default_policy bigint;
  lookahead integer;
  leftover text;
BEGIN
  SELECT p.dunning_policy_id INTO default_policy FROM ar.dunning_policy p WHERE p.is_default;

  -- Ladders in use (policies and the ladders open episodes started with),
  -- unpacked once per distinct ladder.
  -- (A second run in the same transaction finds the first one's tables;
  -- a run that failed inside a subtransaction, or the session itself, may
  -- have left any one of them: each is dropped on its own.)
  FOR leftover IN SELECT t FROM pg_catalog.unnest(ARRAY['ar_dun_steps', 'ar_dun_items', 'ar_dun_cand',
                                                         'ar_dun_decision', 'ar_dun_sent', 'ar_dun_interest']) t
                   WHERE pg_catalog.to_regclass('pg_temp.' || t) IS NOT NULL LOOP
    EXECUTE pg_catalog.format('DROP TABLE pg_temp.%I', leftover);
  END LOOP;
  CREATE TEMP TABLE ar_dun_steps ON COMMIT DROP AS
  SELECT l.ladder_text, s.step_no, s.offset_days, s.channel, s.template, s.min_amount, s.gap_days,
         s.terminal, s.fee_amount, s.interest_rate
    FROM (SELECT p.ladder::text AS ladder_text FROM ar.dunning_policy p WHERE p.active
          UNION
          SELECT e.ladder::text FROM ar.dunning_episode e WHERE e.status = 'open') l,
         LATERAL ar.ladder_steps(l.ladder_text::ar.escalation_ladder) s;
  CREATE INDEX ON ar_dun_steps (ladder_text, step_no);
  ANALYZE ar_dun_steps;
  SELECT GREATEST(0, -MIN(s.offset_days)) INTO lookahead FROM ar_dun_steps s;

  -- Eligible items: open invoices not in an open dispute, due by the furthest
  -- pre-due step of any ladder.  Days past due count in the customer's zone.
  CREATE TEMP TABLE ar_dun_items ON COMMIT DROP AS
  SELECT i.customer_id, i.currency, i.invoice_id, i.invoice_no, i.issue_date, i.due_date,
         i.amount, i.open_amount, i.dunning_level,
         (as_of AT TIME ZONE c.time_zone)::date - i.due_date AS dpd
    FROM ar.invoice i
    JOIN ar.customer c ON c.customer_id = i.customer_id
   WHERE i.status = 'open'
     AND i.due_date <= (as_of AT TIME ZONE 'UTC')::date + COALESCE(lookahead, 0) + 1
     AND (as_of AT TIME ZONE c.time_zone)::date - i.due_date >= -COALESCE(lookahead, 0)
     AND NOT EXISTS (SELECT 1 FROM ar.dispute d WHERE d.invoice_id = i.invoice_id AND d.status = 'open');
  CREATE INDEX ON ar_dun_items (customer_id, currency);
  ANALYZE ar_dun_items;

  -- One candidate per customer and currency: with eligible items, or with an
  -- open episode to close.
  CREATE TEMP TABLE ar_dun_cand ON COMMIT DROP AS
  WITH keys AS (
    SELECT DISTINCT it.customer_id, it.currency FROM ar_dun_items it
    UNION
    SELECT e.customer_id, e.currency FROM ar.dunning_episode e WHERE e.status = 'open'
  )
  SELECT k.customer_id, k.currency,
         (as_of AT TIME ZONE c.time_zone)::date AS local_date,
         e.dunning_episode_id AS episode_id, e.last_step, e.last_notice_at,
         COALESCE(e.policy_id, c.dunning_policy_id, default_policy) AS policy_id,
         COALESCE(e.ladder::text, p.ladder::text) AS ladder_text,
         NULL::integer AS first_offset, NULL::integer AS last_step_offset,
         NULL::integer AS max_dpd, NULL::integer AS eff_dpd, NULL::numeric AS overdue_amount,
         NULL::numeric AS overdue_total,
         false AS in_range, NULL::integer AS next_step
    FROM keys k
    JOIN ar.customer c ON c.customer_id = k.customer_id
    LEFT JOIN ar.dunning_episode e
           ON e.customer_id = k.customer_id AND e.currency = k.currency AND e.status = 'open'
    LEFT JOIN ar.dunning_policy p ON p.dunning_policy_id = COALESCE(c.dunning_policy_id, default_policy);
  -- Only the policy asked for, and only active policies.
  DELETE FROM ar_dun_cand x
   WHERE x.policy_id IS NULL
      OR (only_policy IS NOT NULL AND x.policy_id <> only_policy)
      OR NOT EXISTS (SELECT 1 FROM ar.dunning_policy p WHERE p.dunning_policy_id = x.policy_id AND p.active);
  CREATE UNIQUE INDEX ON ar_dun_cand (customer_id, currency);
  CREATE INDEX ON ar_dun_cand (episode_id);
  ANALYZE ar_dun_cand;    -- temp tables get no autovacuum: plans need the row counts

  -- Position on the ladder: days past due of the oldest eligible item (less
  -- the policy's grace days once overdue) and the amount the steps' minimums
  -- are checked against (the overdue total; before the due date, what falls
  -- due within the pre-due window).
  UPDATE ar_dun_cand x
     SET first_offset = v.first_offset,
         last_step_offset = COALESCE(v.last_step_offset, -2147483648),
         max_dpd = v.max_dpd,
         eff_dpd = CASE WHEN v.max_dpd > 0 THEN GREATEST(v.max_dpd - v.grace_days, 0) ELSE v.max_dpd END,
         overdue_amount = CASE WHEN v.max_dpd > 0 THEN v.overdue ELSE v.soon_due END,
         overdue_total = COALESCE(v.overdue, 0)
    FROM (SELECT y.customer_id, y.currency, p.grace_days, f.first_offset, ls.offset_days AS last_step_offset,
                 a.max_dpd, a.overdue, a.soon_due
            FROM ar_dun_cand y
            JOIN ar.dunning_policy p ON p.dunning_policy_id = y.policy_id
            CROSS JOIN LATERAL (SELECT MIN(s.offset_days) AS first_offset FROM ar_dun_steps s
                                 WHERE s.ladder_text = y.ladder_text) f
            LEFT JOIN ar_dun_steps ls ON ls.ladder_text = y.ladder_text AND ls.step_no = y.last_step
            LEFT JOIN LATERAL (SELECT MAX(it.dpd) AS max_dpd,
                                      SUM(it.open_amount) FILTER (WHERE it.dpd > 0) AS overdue,
                                      SUM(it.open_amount) FILTER (WHERE it.dpd >= f.first_offset) AS soon_due
                                 FROM ar_dun_items it
                                WHERE it.customer_id = y.customer_id AND it.currency = y.currency) a ON true) v
   WHERE v.customer_id = x.customer_id AND v.currency = x.currency;
  UPDATE ar_dun_cand x SET in_range = (x.max_dpd IS NOT NULL AND x.eff_dpd >= x.first_offset);

  -- Episodes end when nothing is overdue any more (or nothing is in range).
  CREATE TEMP TABLE ar_dun_decision (
    customer_id bigint, currency char(3), episode_id bigint, policy_id bigint,
    decision text, step_no integer, channel text, template text, reason text,
    days_past_due integer, overdue_amount numeric, notification_id bigint, task_id bigint, invoice_id bigint
  ) ON COMMIT DROP;

  WITH closed AS (
    UPDATE ar.dunning_episode e
       SET status = 'closed', ended_on = x.local_date,
           close_reason = CASE WHEN x.max_dpd IS NULL THEN 'settled'
                               WHEN x.in_range THEN 'nothing_overdue' ELSE 'out_of_range' END
      FROM ar_dun_cand x
     WHERE e.dunning_episode_id = x.episode_id
       AND (NOT x.in_range OR (x.max_dpd <= 0 AND x.last_step_offset > 0))
    RETURNING e.dunning_episode_id, e.customer_id, e.currency, e.policy_id, e.close_reason
  )
  INSERT INTO ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, reason)
  SELECT c.customer_id, c.currency, c.dunning_episode_id, c.policy_id, 'episode_ended', c.close_reason
    FROM closed c;
  -- A closed episode's customer starts afresh under the current policy.
  UPDATE ar_dun_cand x
     SET episode_id = NULL, last_step = 0, last_notice_at = NULL,
         policy_id = COALESCE(c.dunning_policy_id, default_policy),
         ladder_text = p.ladder::text
    FROM ar_dun_decision d, ar.customer c, ar.dunning_policy p
   WHERE d.decision = 'episode_ended' AND d.episode_id = x.episode_id
     AND c.customer_id = x.customer_id
     AND p.dunning_policy_id = COALESCE(c.dunning_policy_id, default_policy);
  -- (A new ladder may not have been unpacked yet.)
  INSERT INTO ar_dun_steps
  SELECT l.ladder_text, s.step_no, s.offset_days, s.channel, s.template, s.min_amount, s.gap_days,
         s.terminal, s.fee_amount, s.interest_rate
    FROM (SELECT DISTINCT x.ladder_text FROM ar_dun_cand x
           WHERE NOT EXISTS (SELECT 1 FROM ar_dun_steps s WHERE s.ladder_text = x.ladder_text)) l,
         LATERAL ar.ladder_steps(l.ladder_text::ar.escalation_ladder) s;
  UPDATE ar_dun_cand x
     SET first_offset = f.first_offset, last_step_offset = -2147483648,
         in_range = (x.max_dpd IS NOT NULL AND x.eff_dpd >= f.first_offset)
    FROM (SELECT s.ladder_text, MIN(s.offset_days) AS first_offset FROM ar_dun_steps s GROUP BY s.ladder_text) f
   WHERE x.episode_id IS NULL AND f.ladder_text = x.ladder_text;

  -- New episodes for customers in range without one.
  WITH opened AS (
    INSERT INTO ar.dunning_episode (customer_id, currency, policy_id, ladder, started_on)
    SELECT x.customer_id, x.currency, x.policy_id, x.ladder_text::ar.escalation_ladder, x.local_date
      FROM ar_dun_cand x
     WHERE x.episode_id IS NULL AND x.in_range
    ON CONFLICT (customer_id, currency) WHERE status = 'open' DO NOTHING
    RETURNING dunning_episode_id, customer_id, currency, policy_id
  )
  INSERT INTO ar_dun_decision (customer_id, currency, episode_id, policy_id, decision)
  SELECT o.customer_id, o.currency, o.dunning_episode_id, o.policy_id, 'episode_started' FROM opened o;
  UPDATE ar_dun_cand x SET episode_id = e.dunning_episode_id, last_step = e.last_step, last_notice_at = e.last_notice_at
    FROM ar.dunning_episode e
   WHERE x.episode_id IS NULL AND x.in_range
     AND e.customer_id = x.customer_id AND e.currency = x.currency AND e.status = 'open';
  DELETE FROM ar_dun_cand x WHERE x.episode_id IS NULL;

  -- The step due now, decided in C.
  UPDATE ar_dun_cand x
     SET next_step = ar.next_step(x.ladder_text::ar.escalation_ladder, x.eff_dpd, x.overdue_amount, x.last_step,
                                  x.local_date - (x.last_notice_at AT TIME ZONE c.time_zone)::date)
    FROM ar.customer c
   WHERE c.customer_id = x.customer_id;

  -- What stands in the way of the step: pauses keep the step pending (it is
  -- sent when the pause ends, or passed over if a higher step is reached by
  -- then); an opt-out or a missing address skips it for good.
  INSERT INTO ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, step_no, channel, template,
                               reason, days_past_due, overdue_amount)
  SELECT x.customer_id, x.currency, x.episode_id, x.policy_id,
         CASE WHEN r.reason IS NULL THEN 'sent'
              WHEN r.reason IN ('opted_out', 'no_recipient') THEN 'skipped'
              ELSE 'paused' END,
         x.next_step, s.channel, s.template, r.reason, x.max_dpd, x.overdue_amount
    FROM ar_dun_cand x
    JOIN ar.customer c ON c.customer_id = x.customer_id
    JOIN ar.dunning_policy p ON p.dunning_policy_id = x.policy_id
    JOIN ar_dun_steps s ON s.ladder_text = x.ladder_text AND s.step_no = x.next_step
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN c.status IN ('bankrupt', 'closed') THEN 'status_' || c.status
        WHEN c.status = 'in_collections' THEN 'in_collections'
        WHEN c.status = 'on_hold' THEN 'on_hold'
        WHEN c.do_not_contact AND s.channel <> 'internal' THEN 'do_not_contact'
        WHEN EXISTS (SELECT 1 FROM ar.dunning_hold h
                      WHERE h.customer_id = x.customer_id AND h.released_on IS NULL
                        AND h.until >= x.local_date) THEN 'hold'
        WHEN EXISTS (SELECT 1 FROM ar.promise pr
                      WHERE pr.customer_id = x.customer_id AND pr.status = 'pending'
                        AND pr.made_on <= x.local_date
                        AND pr.promised_on + pr.grace_days >= x.local_date) THEN 'promise'
        WHEN x.overdue_amount < p.min_overdue_amount THEN 'below_minimum'
        WHEN p.max_notices_per_week IS NOT NULL
             AND (SELECT count(*) FROM ar.notification n
                   WHERE n.customer_id = x.customer_id AND n.policy_id IS NOT NULL
                     AND n.status <> 'cancelled'
                     AND n.scheduled_for > as_of - interval '7 days') >= p.max_notices_per_week THEN 'weekly_cap'
        WHEN s.channel = ANY (c.opted_out_channels) THEN 'opted_out'
        WHEN s.channel IN ('email', 'sms', 'letter') AND ar.notice_recipient(c, s.channel) IS NULL THEN 'no_recipient'
        WHEN s.channel NOT IN ('call', 'agency', 'retry', 'webhook')
             AND NOT EXISTS (SELECT 1 FROM ar.template t
                              WHERE t.template_code = COALESCE(s.template, s.channel) AND t.channel = s.channel)
             THEN 'no_template'
      END AS reason) r
   WHERE x.next_step IS NOT NULL;

  ANALYZE ar_dun_decision;

  -- Steps passed over on the way (a late first run, a pause that ended)
  -- are recorded as skipped, so a late run is visible, never silent.
  INSERT INTO ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, step_no, channel, template,
                               reason, days_past_due, overdue_amount)
  SELECT x.customer_id, x.currency, x.episode_id, x.policy_id, 'skipped', s.step_no, s.channel, s.template,
         'passed_over', x.max_dpd, x.overdue_amount
    FROM ar_dun_decision d
    JOIN ar_dun_cand x ON x.episode_id = d.episode_id
    JOIN ar_dun_steps s ON s.ladder_text = x.ladder_text AND s.step_no > x.last_step AND s.step_no < d.step_no
   WHERE d.decision IN ('sent', 'skipped') AND d.step_no IS NOT NULL;

  -- Queue the notices.  Consolidated policies send one per customer listing
  -- every listed invoice; the others one per invoice.
  CREATE TEMP TABLE ar_dun_sent ON COMMIT DROP AS
  SELECT d.customer_id, d.currency, d.episode_id, d.policy_id, d.step_no, d.channel,
         COALESCE(d.template, d.channel) AS template, s.offset_days, s.fee_amount, s.interest_rate, x.local_date, x.max_dpd, x.overdue_amount,
         x.overdue_total, p.consolidate, p.send_from, p.send_until, p.business_days_only, p.calendar
    FROM ar_dun_decision d
    JOIN ar_dun_cand x ON x.episode_id = d.episode_id
    JOIN ar_dun_steps s ON s.ladder_text = x.ladder_text AND s.step_no = d.step_no
    JOIN ar.dunning_policy p ON p.dunning_policy_id = d.policy_id
   WHERE d.decision = 'sent' AND d.step_no IS NOT NULL;
  ANALYZE ar_dun_sent;

  PERFORM ar.dunning_charge_fees(as_of);

  WITH company AS (
    SELECT l.locale, ar.template_company(l.locale) AS obj FROM pg_catalog.unnest(ARRAY['ja', 'en']) AS l(locale)
  ), notice AS MATERIALIZED (      -- (data is used three times below: build it once)
    SELECT sn.*, c AS cust, grp.group_key, grp.invoices,
           ar.notice_data(c, sn.currency, sn.local_date, sn.overdue_total, grp.invoices, grp.total, grp.n,
                          grp.oldest, co.obj) AS data
      FROM ar_dun_sent sn
      JOIN ar.customer c ON c.customer_id = sn.customer_id
      JOIN company co ON co.locale = c.locale
      CROSS JOIN LATERAL (
        SELECT CASE WHEN sn.consolidate THEN '' ELSE ':' || it.invoice_id END AS group_key,
               pg_catalog.jsonb_agg(ar.notice_invoice(it.invoice_id, it.invoice_no, it.issue_date, it.due_date,
                                                      it.amount, it.open_amount, it.dpd, sn.currency, c.locale)
                                    ORDER BY it.due_date, it.invoice_id) AS invoices,
               pg_catalog.sum(it.open_amount) AS total, pg_catalog.count(*) AS n, pg_catalog.max(it.dpd) AS oldest
          FROM ar_dun_items it
         WHERE it.customer_id = sn.customer_id AND it.currency = sn.currency
           AND it.dpd >= CASE WHEN sn.offset_days > 0 THEN 1 ELSE sn.offset_days END
         GROUP BY 1) grp
     WHERE sn.channel <> 'call'
  ), queued AS (
    INSERT INTO ar.notification (customer_id, policy_id, episode_id, step_no, channel, template, locale,
                                 recipient, subject, body, payload, dedupe_key, scheduled_for)
    SELECT n.customer_id, n.policy_id, n.episode_id, n.step_no, n.channel, n.template, t.locale,
           ar.notice_recipient(n.cust, n.channel),
           ar.render_template(t.subject, n.data), ar.render_template(t.body, n.data),
           CASE WHEN n.channel = 'agency' THEN n.data || ar.dunning_case_file(n.customer_id)
                ELSE n.data END,
           'dunning:' || n.episode_id || ':' || n.step_no || n.group_key,
           ar.next_send_time(as_of, (n.cust).time_zone, n.send_from, n.send_until, n.business_days_only, n.calendar)
      FROM notice n
      LEFT JOIN LATERAL (
        SELECT tp.locale, tp.subject, tp.body FROM ar.template tp
         WHERE tp.template_code = n.template AND tp.channel = n.channel
         ORDER BY tp.locale = (n.cust).locale DESC, tp.locale = 'en' DESC
         LIMIT 1) t ON true
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING notification_id AS id, episode_id, step_no
  )
  UPDATE ar_dun_decision d SET notification_id = q.id
    FROM queued q
   WHERE d.decision = 'sent' AND d.episode_id = q.episode_id AND d.step_no = q.step_no
     AND d.notification_id IS NULL;

  -- Calls become collector tasks.
  WITH created AS (
    INSERT INTO ar.task (customer_id, kind, due_on, assigned_to, note, episode_id, step_no, dedupe_key)
    SELECT sn.customer_id, 'call', sn.local_date, c.collector,
           pg_catalog.format('Dunning step %s: call about %s overdue (%s days past due)',
                             sn.step_no, ar.format_money(sn.overdue_amount, sn.currency, c.locale), sn.max_dpd),
           sn.episode_id, sn.step_no, 'dunning:' || sn.episode_id || ':' || sn.step_no
      FROM ar_dun_sent sn JOIN ar.customer c ON c.customer_id = sn.customer_id
     WHERE sn.channel = 'call'
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING task_id, episode_id, step_no
  )
  UPDATE ar_dun_decision d SET task_id = t.task_id
    FROM created t
   WHERE d.decision = 'sent' AND d.episode_id = t.episode_id AND d.step_no = t.step_no;

  -- A step already queued by an earlier run (same dedupe key) is not sent
  -- twice: it is dropped from this run's decisions.
  DELETE FROM ar_dun_decision d
   WHERE d.decision = 'sent' AND d.notification_id IS NULL AND d.task_id IS NULL;

  -- Agency hand-off sets the customer in_collections.
  UPDATE ar.customer c SET status = 'in_collections'
    FROM ar_dun_decision d
   WHERE d.decision = 'sent' AND d.channel = 'agency' AND c.customer_id = d.customer_id
     AND c.status = 'active';

  -- Episodes advance past what was sent or skipped for good.
  UPDATE ar.dunning_episode e
     SET last_step = GREATEST(e.last_step, m.top_step),
         last_notice_at = CASE WHEN m.sent THEN as_of ELSE e.last_notice_at END
    FROM (SELECT d.episode_id, MAX(d.step_no) AS top_step, bool_or(d.decision = 'sent') AS sent
            FROM ar_dun_decision d
           WHERE d.decision IN ('sent', 'skipped') AND d.step_no IS NOT NULL
           GROUP BY d.episode_id) m
   WHERE e.dunning_episode_id = m.episode_id;
  -- Invoices listed in a notice carry the level it reached.
  UPDATE ar.invoice i SET dunning_level = d.step_no
    FROM ar_dun_decision d
    JOIN ar_dun_items it ON it.customer_id = d.customer_id AND it.currency = d.currency AND it.dpd >= 1
   WHERE d.decision = 'sent' AND i.invoice_id = it.invoice_id AND i.dunning_level < d.step_no;

  -- A pause is written once per episode, step and reason, not on every day
  -- it lasts (the run's result still lists it).
  INSERT INTO ar.dunning_event (customer_id, episode_id, policy_id, as_of, decision, step_no, channel, template,
                                reason, days_past_due, overdue_amount, notification_id, task_id, invoice_id)
  SELECT d.customer_id, d.episode_id, d.policy_id, as_of, d.decision, d.step_no, d.channel, d.template,
         d.reason, d.days_past_due, d.overdue_amount, d.notification_id, d.task_id, d.invoice_id
    FROM ar_dun_decision d
   WHERE d.decision <> 'paused'
      OR NOT EXISTS (SELECT 1 FROM ar.dunning_event e
                      WHERE e.episode_id = d.episode_id AND e.step_no = d.step_no
                        AND e.decision = 'paused' AND e.reason = d.reason)
   ORDER BY d.customer_id, d.step_no NULLS FIRST;

  RETURN QUERY
  SELECT d.customer_id, d.step_no, d.channel, d.template, d.notification_id,
         CASE WHEN d.decision = 'sent' THEN NULL ELSE d.reason END
    FROM ar_dun_decision d
   WHERE d.decision IN ('sent', 'skipped', 'paused')
   ORDER BY d.customer_id, d.step_no;
END
$$;
COMMENT ON FUNCTION ar.run_dunning_core(timestamptz, bigint) IS
  'The body of ar.run_dunning (internal; call ar.run_dunning)';

CREATE FUNCTION ar.run_dunning(as_of timestamptz DEFAULT pg_catalog.now(), policy_id bigint DEFAULT NULL,
                               dry_run boolean DEFAULT false)
  RETURNS TABLE (customer_id bigint, step_no integer, channel text, template text,
                 notification_id bigint, skipped_reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  outcome jsonb;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF run_dunning.policy_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM ar.dunning_policy p WHERE p.dunning_policy_id = run_dunning.policy_id) THEN
    RAISE EXCEPTION 'unknown dunning policy %', run_dunning.policy_id
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Policies are listed in ar.dunning_policy.';
  END IF;
  -- Runs take turns: a second run waits for the first and then finds its
  -- work done (the dedupe keys would stop doubles in any case).
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pg_receivables'), pg_catalog.hashtext('run_dunning'));

  IF NOT dry_run THEN
    RETURN QUERY SELECT * FROM ar.run_dunning_core(as_of, run_dunning.policy_id);
    RETURN;
  END IF;
  -- A dry run does all the work, keeps the answer and rolls the work back.
  BEGIN
    SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r)) INTO outcome
      FROM ar.run_dunning_core(as_of, run_dunning.policy_id) r;
    RAISE EXCEPTION USING ERRCODE = 'AR000';
  EXCEPTION WHEN SQLSTATE 'AR000' THEN
    NULL;
  END;
  RETURN QUERY
  SELECT r.customer_id, r.step_no, r.channel, r.template, NULL::bigint, r.skipped_reason
    FROM pg_catalog.jsonb_to_recordset(COALESCE(outcome, '[]')) AS r(customer_id bigint, step_no integer,
           channel text, template text, notification_id bigint, skipped_reason text);
END
$$;
COMMENT ON FUNCTION ar.run_dunning(timestamptz, bigint, boolean) IS
  'Daily dunning run: for every customer with an eligible overdue or soon-due balance, queue the ladder step due (once per episode and step), or record why not; dry_run shows the decisions and changes nothing';
