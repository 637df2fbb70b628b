-- pg_receivables 0.1.0 -> 0.2.0
--
-- 0.2.0 adds cash-application matching (ar.match_payment, ar.auto_apply,
-- ar.assign_payment, ar.payer_alias, ar.v_unmatched_payments), the dashboard
-- and prediction views, and hardening fixes.  Each section below brings a
-- 0.1.0 database to exactly what a fresh 0.2.0 install creates;
-- test/scripts/upgrade.sh compares the two object by object.
\echo Use "ALTER EXTENSION pg_receivables UPDATE TO '0.2.0'" to load this file. \quit

-- Payments remember how they were matched (read by the auto-match KPI).
ALTER TABLE ar.payment
  ADD COLUMN matched_by  text CHECK (matched_by IN ('auto', 'manual')),
  ADD COLUMN matched_at  timestamptz,
  ADD COLUMN match_score real CHECK (match_score BETWEEN 0 AND 1);
COMMENT ON COLUMN ar.payment.matched_by IS
  'How the payment was matched to its customer and invoices: auto (ar.auto_apply) or manual (a person: ar.assign_payment or ar.apply_payment with invoice_ids); NULL while unmatched';
COMMENT ON COLUMN ar.payment.matched_at IS 'When the payment was matched';
COMMENT ON COLUMN ar.payment.match_score IS 'Score in [0,1] of the candidate ar.auto_apply applied (NULL for manual matches)';

-- A customer's whole promise history (agency case files, the worklist)
-- was read by a scan of every promise.
CREATE INDEX promise_customer_idx ON ar.promise (customer_id, made_on);

-- UPDATEs are audited by a C trigger function (src/audit.c): the same
-- record (the changed columns, old and new values), without turning whole
-- rows into JSON.  ar.tg_audit keeps INSERT and DELETE.
CREATE OR REPLACE FUNCTION ar.tg_audit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ar.audit_log (table_name, op, row_id, new)
    SELECT TG_TABLE_NAME, 'INSERT', (j ->> TG_ARGV[0])::bigint, j
      FROM (SELECT pg_catalog.to_jsonb(n) AS j FROM new_rows n OFFSET 0) s
     WHERE NOT ar.is_restoring_row((j ->> 'created_at')::timestamptz);
  ELSE
    INSERT INTO ar.audit_log (table_name, op, row_id, old)
    SELECT TG_TABLE_NAME, 'DELETE', (j ->> TG_ARGV[0])::bigint, j
      FROM (SELECT pg_catalog.to_jsonb(o) AS j FROM old_rows o OFFSET 0) s;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_audit() IS
  'Statement trigger: writes the rows an INSERT or DELETE statement added or removed to ar.audit_log (internal)';

-- UPDATEs are recorded by the columns they changed (old and new values),
-- in C: unchanged columns cost one binary comparison and never become JSON.
-- SECURITY DEFINER for the same reason as ar.tg_audit.
CREATE FUNCTION ar.tg_audit_update() RETURNS trigger
  AS 'MODULE_PATHNAME', 'pgr_tg_audit_update'
  LANGUAGE C SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION ar.tg_audit_update() IS
  'Statement trigger: writes the changed columns (old and new values) of every row an UPDATE statement changed to ar.audit_log (internal)';

DROP TRIGGER audit_update ON ar.customer;
CREATE TRIGGER audit_update AFTER UPDATE ON ar.customer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('customer_id');
DROP TRIGGER audit_update ON ar.invoice;
CREATE TRIGGER audit_update AFTER UPDATE ON ar.invoice REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit_update('invoice_id');
DROP TRIGGER audit_update ON ar.payment;
CREATE TRIGGER audit_update AFTER UPDATE ON ar.payment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit_update('payment_id');
DROP TRIGGER audit_update ON ar.credit_note;
CREATE TRIGGER audit_update AFTER UPDATE ON ar.credit_note REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit_update('credit_note_id');
DROP TRIGGER audit_update ON ar.allocation;
CREATE TRIGGER audit_update AFTER UPDATE ON ar.allocation REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('allocation_id');
DROP TRIGGER audit_update ON ar.dispute;
CREATE TRIGGER audit_update AFTER UPDATE ON ar.dispute REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('dispute_id');
DROP TRIGGER audit_update ON ar.promise;
CREATE TRIGGER audit_update AFTER UPDATE ON ar.promise REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('promise_id');
DROP TRIGGER audit_update ON ar.dunning_hold;
CREATE TRIGGER audit_update AFTER UPDATE ON ar.dunning_hold REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('dunning_hold_id');

-- The allocation trigger's comments follow the C audit of updates.
CREATE OR REPLACE FUNCTION ar.tg_allocation_apply() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
  restoring boolean;
BEGIN
  -- The first problem, in allocation order (a plain LIMIT 1: no aggregate
  -- to set up, which a statement of one or two rows notices).
  SELECT v.msg, v.state, v.hint
    INTO r
    FROM (SELECT n.allocation_id,
                 CASE x.problem
                   WHEN 'customer' THEN pg_catalog.format('allocation names customer %s but invoice %s belongs to customer %s',
                                                          n.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'minor_units' THEN pg_catalog.format('allocation amount %s is not a whole number of %s minor units',
                                                             n.amount, i.currency)
                   WHEN 'invoice_closed' THEN pg_catalog.format('invoice %s is %s and cannot take allocations',
                                                                i.invoice_no, i.status)
                   WHEN 'payment_unidentified' THEN pg_catalog.format('payment %s has no customer yet', p.payment_id)
                   WHEN 'payment_customer' THEN pg_catalog.format('payment %s of customer %s cannot settle invoice %s of customer %s',
                                                                  p.payment_id, p.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'payment_currency' THEN pg_catalog.format('payment %s is in %s but invoice %s is in %s',
                                                                  p.payment_id, p.currency, i.invoice_no, i.currency)
                   WHEN 'payment_cancelled' THEN pg_catalog.format('payment %s is cancelled', p.payment_id)
                   WHEN 'credit_customer' THEN pg_catalog.format('credit note %s of customer %s cannot settle invoice %s of customer %s',
                                                                 c.credit_note_no, c.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'credit_currency' THEN pg_catalog.format('credit note %s is in %s but invoice %s is in %s',
                                                                 c.credit_note_no, c.currency, i.invoice_no, i.currency)
                 END AS msg,
                 CASE WHEN x.problem IN ('invoice_closed', 'payment_unidentified', 'payment_cancelled')
                      THEN '55000' ELSE '22023' END AS state,
                 CASE x.problem
                   WHEN 'payment_unidentified' THEN 'Identify the payer first (ar.assign_payment).'
                   WHEN 'payment_currency' THEN 'Allocation never mixes currencies.'
                   WHEN 'credit_currency' THEN 'Allocation never mixes currencies.'
                 END AS hint
            FROM new_rows n
            JOIN ar.invoice i ON i.invoice_id = n.invoice_id
            JOIN ar.currency cur ON cur.code = i.currency
            LEFT JOIN ar.payment p ON p.payment_id = n.payment_id
            LEFT JOIN ar.credit_note c ON c.credit_note_id = n.credit_note_id
            CROSS JOIN LATERAL (SELECT CASE
                     WHEN n.customer_id <> i.customer_id THEN 'customer'
                     WHEN n.amount <> pg_catalog.round(n.amount, cur.minor_unit) THEN 'minor_units'
                     WHEN n.reversed_on IS NULL AND i.status <> 'open' THEN 'invoice_closed'
                     WHEN p.payment_id IS NOT NULL AND p.customer_id IS NULL THEN 'payment_unidentified'
                     WHEN p.payment_id IS NOT NULL AND p.customer_id <> i.customer_id THEN 'payment_customer'
                     WHEN p.payment_id IS NOT NULL AND p.currency <> i.currency THEN 'payment_currency'
                     WHEN n.kind = 'payment' AND n.reversed_on IS NULL AND p.status <> 'received' THEN 'payment_cancelled'
                     WHEN c.credit_note_id IS NOT NULL AND c.customer_id <> i.customer_id THEN 'credit_customer'
                     WHEN c.credit_note_id IS NOT NULL AND c.currency <> i.currency THEN 'credit_currency'
                   END AS problem) x) v
   WHERE v.msg IS NOT NULL
   ORDER BY v.allocation_id
   LIMIT 1;
  IF FOUND THEN
    IF r.hint IS NULL THEN
      RAISE EXCEPTION USING MESSAGE = r.msg, ERRCODE = r.state;
    END IF;
    RAISE EXCEPTION USING MESSAGE = r.msg, ERRCODE = r.state, HINT = r.hint;
  END IF;
  -- One statement moves every balance and writes the audit trail of the
  -- whole change: the new allocations, and the old and new image of each
  -- invoice, payment and credit note it touched.  Rows a restore brings
  -- back (and the balance updates they cause) are not audited again.  The
  -- maintenance UPDATEs change only open_amount/unapplied_amount (and an
  -- invoice's status and closed_on, which were open and NULL: anything else
  -- is refused above or by the CASE), so the old image is the new one with
  -- those columns put back.  While ar.maintaining_balances is on, the
  -- generic audit triggers of these tables stand aside (see their WHEN).
  -- Only a superuser restores (ar.is_restoring_row), so for anyone else
  -- the rows need not be read again.
  restoring := pg_catalog.current_setting('is_superuser') = 'on'
               AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE NOT ar.is_restoring_row(n.created_at));
  PERFORM pg_catalog.set_config('ar.maintaining_balances', 'on', true);
  WITH inv AS (
    UPDATE ar.invoice i
       SET open_amount = CASE
                           WHEN i.status = 'void' THEN
                             ar.raise_balance_error('invoice_void', i.invoice_no, s.total, i.open_amount)
                           WHEN s.total > i.open_amount THEN
                             ar.raise_balance_error('invoice_over', i.invoice_no, s.total, i.open_amount)
                           ELSE i.open_amount - s.total
                         END,
           -- Status and settlement date follow the balance: a settled
           -- invoice is written_off when a write-off took part, else paid,
           -- and closes on the latest effective date of its active
           -- allocations (the new ones included: this trigger runs after
           -- the insert).
           status = CASE
                      WHEN i.open_amount > s.total THEN 'open'
                      WHEN s.write_off OR EXISTS (SELECT 1 FROM ar.allocation a
                                                   WHERE a.invoice_id = i.invoice_id AND a.reversed_on IS NULL
                                                     AND a.kind = 'write_off') THEN 'written_off'
                      ELSE 'paid'
                    END,
           closed_on = CASE
                         WHEN i.open_amount > s.total THEN NULL
                         ELSE (SELECT pg_catalog.max(a.applied_on) FROM ar.allocation a
                                WHERE a.invoice_id = i.invoice_id AND a.reversed_on IS NULL)
                       END
      FROM (SELECT n.invoice_id, pg_catalog.sum(n.amount) AS total, pg_catalog.bool_or(n.kind = 'write_off') AS write_off
              FROM new_rows n WHERE n.reversed_on IS NULL GROUP BY n.invoice_id) s
     WHERE i.invoice_id = s.invoice_id
    RETURNING i AS new_row, s.total
  ), pay AS (
    UPDATE ar.payment p
       SET unapplied_amount = CASE
                                WHEN p.status = 'cancelled' THEN
                                  ar.raise_balance_error('payment_cancelled', p.payment_id::text, s.total, p.unapplied_amount)
                                WHEN s.total > p.unapplied_amount THEN
                                  ar.raise_balance_error('payment_over', p.payment_id::text, s.total, p.unapplied_amount)
                                ELSE p.unapplied_amount - s.total
                              END
      FROM (SELECT n.payment_id, pg_catalog.sum(n.amount) AS total FROM new_rows n
             WHERE n.kind = 'payment' AND n.reversed_on IS NULL GROUP BY n.payment_id) s
     WHERE p.payment_id = s.payment_id
    RETURNING p AS new_row, s.total
  ), cn AS (
    UPDATE ar.credit_note c
       SET unapplied_amount = CASE
                                WHEN s.total > c.unapplied_amount THEN
                                  ar.raise_balance_error('credit_note_over', c.credit_note_no, s.total, c.unapplied_amount)
                                ELSE c.unapplied_amount - s.total
                              END
      FROM (SELECT n.credit_note_id, pg_catalog.sum(n.amount) AS total FROM new_rows n
             WHERE n.kind = 'credit_note' AND n.reversed_on IS NULL GROUP BY n.credit_note_id) s
     WHERE c.credit_note_id = s.credit_note_id
    RETURNING c AS new_row, s.total
  )
  INSERT INTO ar.audit_log (table_name, op, row_id, old, new)
  SELECT 'allocation', 'INSERT', n.allocation_id, NULL, pg_catalog.to_jsonb(n)
    FROM new_rows n
   WHERE NOT ar.is_restoring_row(n.created_at)
  UNION ALL
  -- Updates are recorded by the columns they changed (as ar.tg_audit_update does):
  -- the balance, and status and settlement date when the invoice closed
  -- (it was open with no settlement date before).
  SELECT 'invoice', 'UPDATE', (inv.new_row).invoice_id,
         pg_catalog.jsonb_build_object('open_amount', (inv.new_row).open_amount + inv.total)
           || CASE WHEN (inv.new_row).status <> 'open'
                   THEN pg_catalog.jsonb_build_object('status', 'open', 'closed_on', NULL) ELSE '{}' END,
         pg_catalog.jsonb_build_object('open_amount', (inv.new_row).open_amount)
           || CASE WHEN (inv.new_row).status <> 'open'
                   THEN pg_catalog.jsonb_build_object('status', (inv.new_row).status,
                                                      'closed_on', (inv.new_row).closed_on) ELSE '{}' END
    FROM inv
   WHERE NOT restoring
  UNION ALL
  SELECT 'payment', 'UPDATE', (pay.new_row).payment_id,
         pg_catalog.jsonb_build_object('unapplied_amount', (pay.new_row).unapplied_amount + pay.total),
         pg_catalog.jsonb_build_object('unapplied_amount', (pay.new_row).unapplied_amount)
    FROM pay
   WHERE NOT restoring
  UNION ALL
  SELECT 'credit_note', 'UPDATE', (cn.new_row).credit_note_id,
         pg_catalog.jsonb_build_object('unapplied_amount', (cn.new_row).unapplied_amount + cn.total),
         pg_catalog.jsonb_build_object('unapplied_amount', (cn.new_row).unapplied_amount)
    FROM cn
   WHERE NOT restoring;
  PERFORM pg_catalog.set_config('ar.maintaining_balances', 'off', true);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_apply() IS
  'Statement trigger: validates new allocations and takes them off invoice, payment and credit-note balances (internal)';

-- Fixes: a can't-happen balance error now has its SQLSTATE (internal_error);
-- run_dunning drops leftover work tables one by one.
CREATE OR REPLACE FUNCTION ar.raise_balance_error(problem text, document text, total numeric, balance numeric)
  RETURNS numeric
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  CASE problem
    WHEN 'invoice_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the open amount % of invoice %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'payment_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the unapplied amount % of payment %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'credit_note_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the unapplied amount % of credit note %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'invoice_void' THEN
      -- An allocation checked while a concurrent void was not yet committed
      -- reaches the invoice after it: refuse rather than settle a void invoice.
      RAISE EXCEPTION 'invoice % is void and cannot take allocations', document
        USING ERRCODE = 'object_not_in_prerequisite_state';
    WHEN 'payment_cancelled' THEN
      RAISE EXCEPTION 'payment % is cancelled and cannot be applied', document
        USING ERRCODE = 'object_not_in_prerequisite_state';
    ELSE
      RAISE EXCEPTION 'unknown balance problem "%"', problem USING ERRCODE = 'internal_error';
  END CASE;
END
$$;
COMMENT ON FUNCTION ar.raise_balance_error(text, text, numeric, numeric) IS
  'Raises the error of a balance update that cannot be made: over-allocation, void invoice, cancelled payment (internal helper of the allocation triggers)';

-- Where a notice of a channel goes for a customer, or NULL when there is
-- nowhere to send it.  A SQL-standard body without a SET clause, so the
-- planner inlines it into the run's statements (docs/security.md: such a
-- body is bound when the extension is created).
CREATE OR REPLACE FUNCTION ar.notice_recipient(c ar.customer, channel text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE channel
           WHEN 'email' THEN NULLIF(c.email, '')
           WHEN 'sms' THEN NULLIF(c.phone, '')
           WHEN 'letter' THEN COALESCE(NULLIF(c.address, ''), NULLIF(c.metadata ->> 'address', ''))
           WHEN 'internal' THEN COALESCE(NULLIF(c.collector, ''), 'ar_collector')
           WHEN 'webhook' THEN COALESCE(NULLIF(c.metadata ->> 'webhook_url', ''), 'default')
           ELSE COALESCE(NULLIF(c.email, ''), c.customer_code)
         END;

CREATE OR REPLACE FUNCTION ar.run_dunning_core(as_of timestamptz, only_policy bigint)
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


-- The aging functions behind the views are SQL-standard bodies (BEGIN
-- ATOMIC): bound at creation, so no caller's search_path reaches them.
CREATE OR REPLACE FUNCTION ar.open_items_at(at_time timestamptz)
  RETURNS TABLE (invoice_id bigint, invoice_no text, kind text, customer_id bigint, customer_code text,
                 customer_name text, segment text, collector text, currency char(3), amount numeric,
                 open_amount numeric, issue_date date, due_date date, days_past_due integer,
                 bucket text, dunning_level integer)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT i.invoice_id, i.invoice_no, i.kind, i.customer_id, c.customer_code, c.name, c.segment,
         c.collector, i.currency, i.amount, i.open_amount, i.issue_date, i.due_date,
         d.days_past_due, ar.aging_bucket(d.days_past_due, s.buckets), i.dunning_level
    FROM ar.invoice i
    JOIN ar.customer c ON c.customer_id = i.customer_id
   CROSS JOIN LATERAL (SELECT (at_time AT TIME ZONE c.time_zone)::date - i.due_date AS days_past_due) d
   CROSS JOIN (SELECT ar.setting_value('default_buckets')::ar.aging_buckets AS buckets) s
   WHERE i.status = 'open';
END;
COMMENT ON FUNCTION ar.open_items_at(timestamptz) IS
  'Rows of ar.v_open_items as they would read at the instant at_time: current open amounts, days past due counted to the customer''s local date at that instant';

CREATE OR REPLACE FUNCTION ar.customer_aging_at(at_time timestamptz)
  RETURNS TABLE (customer_id bigint, customer_code text, customer_name text, segment text, collector text,
                 currency char(3), current numeric, d1_30 numeric, d31_60 numeric, d61_90 numeric,
                 d90_plus numeric, total_open numeric, overdue_total numeric, oldest_days_past_due integer,
                 open_items integer, unapplied_cash numeric, open_credits numeric, net_balance numeric,
                 bucket_labels text[], bucket_amounts numeric[])
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  -- Grouped by every customer column the function returns, so that a
  -- filter on any of them (customer_code in a BI tool) is applied before
  -- the aggregation and reaches the indexes.
  SELECT g.customer_id, g.customer_code, g.name, g.segment, g.collector, g.currency,
         g.std[1], g.std[2], g.std[3], g.std[4], g.std[5],
         g.total_open, g.overdue_total, g.oldest, g.items, g.cash, g.credits,
         g.total_open - g.cash - g.credits,
         l.labels,
         COALESCE(g.custom, pg_catalog.array_fill(0::numeric, ARRAY[pg_catalog.cardinality(l.labels)]))
    FROM (SELECT c.customer_id, c.customer_code, c.name, c.segment, c.collector, x.currency,
                 COALESCE(ar.aging_sum(x.amount, d.days, '30,60,90') FILTER (WHERE x.src = 1),
                          '{0,0,0,0,0}') AS std,
                 ar.aging_sum(x.amount, d.days,
                              (SELECT ar.setting_value('default_buckets')::ar.aging_buckets))
                   FILTER (WHERE x.src = 1) AS custom,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 1), 0) AS total_open,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 1 AND d.days > 0), 0) AS overdue_total,
                 pg_catalog.max(d.days) FILTER (WHERE x.src = 1) AS oldest,
                 pg_catalog.count(*) FILTER (WHERE x.src = 1)::integer AS items,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 2), 0) AS cash,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 3), 0) AS credits
            FROM ar.customer c
            JOIN (SELECT 1 AS src, i.customer_id, i.currency, i.open_amount AS amount, i.due_date
                    FROM ar.invoice i
                   WHERE i.status = 'open'
                  UNION ALL
                  SELECT 2, p.customer_id, p.currency, p.unapplied_amount, NULL::date
                    FROM ar.payment p
                   WHERE p.status = 'received' AND p.customer_id IS NOT NULL AND p.unapplied_amount > 0
                  UNION ALL
                  SELECT 3, n.customer_id, n.currency, n.unapplied_amount, NULL::date
                    FROM ar.credit_note n
                   WHERE n.unapplied_amount > 0) x ON x.customer_id = c.customer_id
           CROSS JOIN LATERAL (SELECT (at_time AT TIME ZONE c.time_zone)::date - x.due_date AS days) d
           GROUP BY c.customer_id, c.customer_code, c.name, c.segment, c.collector, x.currency) g
   CROSS JOIN (SELECT ar.aging_labels(ar.setting_value('default_buckets')::ar.aging_buckets) AS labels) l;
END;
COMMENT ON FUNCTION ar.customer_aging_at(timestamptz) IS
  'Rows of ar.v_aging as they would read at the instant at_time: current balances, days past due counted to each customer''s local date at that instant';

CREATE OR REPLACE FUNCTION ar.aging_summary_at(at_time timestamptz)
  RETURNS TABLE (currency char(3), customers integer, open_items integer, current numeric, d1_30 numeric,
                 d31_60 numeric, d61_90 numeric, d90_plus numeric, total_open numeric, overdue_total numeric,
                 pct_current numeric, pct_d1_30 numeric, pct_d31_60 numeric, pct_d61_90 numeric,
                 pct_d90_plus numeric, pct_overdue numeric, unapplied_cash numeric, unidentified_cash numeric,
                 open_credits numeric, net_balance numeric, bucket_labels text[], bucket_amounts numeric[])
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT g.currency, g.customers, g.items,
         g.std[1], g.std[2], g.std[3], g.std[4], g.std[5], g.total_open, g.overdue_total,
         pg_catalog.round(100 * g.std[1] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.std[2] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.std[3] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.std[4] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.std[5] / NULLIF(g.total_open, 0), 2),
         pg_catalog.round(100 * g.overdue_total / NULLIF(g.total_open, 0), 2),
         g.cash, g.unidentified, g.credits,
         g.total_open - g.cash - g.unidentified - g.credits,
         l.labels,
         COALESCE(g.custom, pg_catalog.array_fill(0::numeric, ARRAY[pg_catalog.cardinality(l.labels)]))
    FROM (SELECT x.currency,
                 pg_catalog.count(DISTINCT x.customer_id) FILTER (WHERE x.src = 1)::integer AS customers,
                 pg_catalog.count(*) FILTER (WHERE x.src = 1)::integer AS items,
                 COALESCE(ar.aging_sum(x.amount, x.days, '30,60,90') FILTER (WHERE x.src = 1),
                          '{0,0,0,0,0}') AS std,
                 ar.aging_sum(x.amount, x.days,
                              (SELECT ar.setting_value('default_buckets')::ar.aging_buckets))
                   FILTER (WHERE x.src = 1) AS custom,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 1), 0) AS total_open,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 1 AND x.days > 0), 0) AS overdue_total,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 2), 0) AS cash,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 4), 0) AS unidentified,
                 COALESCE(pg_catalog.sum(x.amount) FILTER (WHERE x.src = 3), 0) AS credits
            FROM (SELECT 1 AS src, o.customer_id, o.currency, o.open_amount AS amount, o.days_past_due AS days
                    FROM ar.open_items_at(at_time) o
                  UNION ALL
                  SELECT CASE WHEN p.customer_id IS NULL THEN 4 ELSE 2 END, p.customer_id, p.currency,
                         p.unapplied_amount, NULL::integer
                    FROM ar.payment p
                   WHERE p.status = 'received' AND p.unapplied_amount > 0
                  UNION ALL
                  SELECT 3, n.customer_id, n.currency, n.unapplied_amount, NULL::integer
                    FROM ar.credit_note n
                   WHERE n.unapplied_amount > 0) x
           GROUP BY x.currency) g
   CROSS JOIN (SELECT ar.aging_labels(ar.setting_value('default_buckets')::ar.aging_buckets) AS labels) l;
END;
COMMENT ON FUNCTION ar.aging_summary_at(timestamptz) IS
  'Rows of ar.v_aging_summary as they would read at the instant at_time: current balances, days past due counted to each customer''s local date at that instant';


-- Roles: the functions cash application adds are classified.
CREATE OR REPLACE FUNCTION ar.role_functions()
  RETURNS TABLE (role_name text, function_name text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  VALUES
    ('ar_collector', 'log_contact'), ('ar_collector', 'complete_task'),
    ('ar_accountant', 'apply_payment'), ('ar_accountant', 'apply_credit_note'), ('ar_accountant', 'write_off'),
    ('ar_accountant', 'reverse_allocation'), ('ar_accountant', 'void_invoice'), ('ar_accountant', 'import_zengin'),
    ('ar_accountant', 'assign_payment'), ('ar_accountant', 'auto_apply'),
    ('ar_worker', 'claim_notifications'), ('ar_worker', 'complete_notification'), ('ar_worker', 'fail_notification'),
    ('ar_admin', 'run_dunning'), ('ar_admin', 'run_daily'), ('ar_admin', 'run_alerts'),
    ('ar_admin', 'evaluate_promises'), ('ar_admin', 'housekeeping'), ('ar_admin', 'schedule_jobs'),
    ('ar_admin', 'unschedule_jobs'), ('ar_admin', 'generate_demo_data'), ('ar_admin', 'demo_advance'),
    ('ar_admin', 'queue_collector_alert'),
    -- parts of the functions above, not meant to be called alone (a caller
    -- needs EXECUTE on what the function it runs calls)
    ('ar_accountant', 'lock_customer'), ('ar_accountant', 'raise_balance_error'),
    ('ar_admin', 'run_dunning_core'), ('ar_admin', 'dunning_charge_fees'), ('ar_admin', 'demo_write'),
    ('ar_admin', 'demo_build_plan'), ('ar_admin', 'refuse_without_pg_cron'),
    -- cash application (matching): parts of auto_apply and assign_payment
    ('ar_accountant', 'learn_payer_alias'), ('ar_accountant', 'settle_deduction'),
    -- role management is for the DBA (superuser or the extension's owner)
    ('dba', 'create_roles'), ('dba', 'enable_collector_isolation'), ('dba', 'disable_collector_isolation'),
    ('dba', 'drop_isolation_policy')
$$;
COMMENT ON FUNCTION ar.role_functions() IS
  'Which role may run each VOLATILE function of pg_receivables (read-only functions are all granted to ar_reader)';


-- Cash application matching and the dashboards: new objects, as a fresh
-- install creates them.
-- ---- schema/340_payer_alias.sql (new in 0.2.0) ----
-- Cash application (入金消込), part 1: what matching learns and looks up.
-- ar.payer_alias remembers which customer a payer name (as banks spell it,
-- normalized) turned out to be; every confirmed match teaches it, whether
-- ar.auto_apply made it or a person did with ar.assign_payment.  The
-- expression indexes on ar.customer let ar.match_payment find customers by
-- their normalized name and reading without folding every name per payment.
-- See docs/cash-application.md, "Matching".

CREATE TABLE ar.payer_alias (
  payer_alias_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payer_name_norm text NOT NULL CHECK (payer_name_norm <> ''),
  customer_id     bigint NOT NULL REFERENCES ar.customer ON DELETE CASCADE,
  payer_name      text NOT NULL,
  auto_count      integer NOT NULL DEFAULT 0 CHECK (auto_count >= 0),
  manual_count    integer NOT NULL DEFAULT 0 CHECK (manual_count >= 0),
  first_seen      date NOT NULL DEFAULT CURRENT_DATE,
  last_seen       date NOT NULL DEFAULT CURRENT_DATE,
  last_payment_id bigint,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at      timestamptz,
  CONSTRAINT payer_alias_confirmed CHECK (auto_count + manual_count > 0),
  CONSTRAINT payer_alias_seen_order CHECK (last_seen >= first_seen),
  CONSTRAINT payer_alias_name_customer_key UNIQUE (payer_name_norm, customer_id)
);
CREATE INDEX payer_alias_customer_idx ON ar.payer_alias (customer_id);
COMMENT ON TABLE ar.payer_alias IS
  'Learned payer names: a payer name as the bank reports it, normalized, and the customer it turned out to be; taught by every confirmed match (ar.auto_apply, ar.assign_payment) and used by ar.match_payment';
COMMENT ON COLUMN ar.payer_alias.payer_alias_id IS 'Surrogate key';
COMMENT ON COLUMN ar.payer_alias.payer_name_norm IS
  'The payer name folded by ar.normalize_name (the lookup key); one name may belong to several customers';
COMMENT ON COLUMN ar.payer_alias.customer_id IS 'Customer the payer name was confirmed for';
COMMENT ON COLUMN ar.payer_alias.payer_name IS 'The payer name as the bank spelled it the last time (振込依頼人名)';
COMMENT ON COLUMN ar.payer_alias.auto_count IS 'Payments from this name that ar.auto_apply matched to the customer';
COMMENT ON COLUMN ar.payer_alias.manual_count IS 'Payments from this name that a person assigned to the customer (ar.assign_payment)';
COMMENT ON COLUMN ar.payer_alias.first_seen IS 'Receipt date of the first payment that confirmed it';
COMMENT ON COLUMN ar.payer_alias.last_seen IS 'Receipt date of the latest payment that confirmed it';
COMMENT ON COLUMN ar.payer_alias.last_payment_id IS 'The latest payment that confirmed it';
COMMENT ON COLUMN ar.payer_alias.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.payer_alias.updated_at IS 'When the row was last changed';

SELECT pg_catalog.pg_extension_config_dump('ar.payer_alias', '');
SELECT pg_catalog.pg_extension_config_dump('ar.payer_alias_payer_alias_id_seq', '');

-- Customers by normalized name and reading: equality and prefix lookups
-- (text_pattern_ops serves both, whatever the database collation).
CREATE INDEX customer_name_norm_idx ON ar.customer (ar.normalize_name(name) text_pattern_ops);
CREATE INDEX customer_name_kana_norm_idx ON ar.customer (ar.normalize_name(name_kana) text_pattern_ops)
  WHERE name_kana IS NOT NULL;

-- ar.learn_payer_alias: the payment's payer name now names its customer.
-- Called inside ar.auto_apply and ar.assign_payment, under their locks.
CREATE FUNCTION ar.learn_payer_alias(payment_id bigint, how text) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  p record;
  norm text;
BEGIN
  IF how NOT IN ('auto', 'manual') THEN
    RAISE EXCEPTION 'unknown alias source "%"', how
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use auto or manual.';
  END IF;
  SELECT x.payment_id, x.customer_id, x.payer_name, x.received_on INTO p
    FROM ar.payment x WHERE x.payment_id = learn_payer_alias.payment_id;
  IF NOT FOUND OR p.customer_id IS NULL OR p.payer_name IS NULL THEN
    RETURN;
  END IF;
  norm := ar.normalize_name(p.payer_name);
  IF norm = '' THEN
    RETURN;
  END IF;
  INSERT INTO ar.payer_alias AS a (payer_name_norm, customer_id, payer_name, auto_count, manual_count,
                                   first_seen, last_seen, last_payment_id)
  VALUES (norm, p.customer_id, p.payer_name,
          CASE WHEN how = 'auto' THEN 1 ELSE 0 END, CASE WHEN how = 'manual' THEN 1 ELSE 0 END,
          p.received_on, p.received_on, p.payment_id)
  ON CONFLICT (payer_name_norm, customer_id) DO UPDATE
     SET auto_count = a.auto_count + EXCLUDED.auto_count,
         manual_count = a.manual_count + EXCLUDED.manual_count,
         payer_name = EXCLUDED.payer_name,
         first_seen = LEAST(a.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(a.last_seen, EXCLUDED.last_seen),
         last_payment_id = EXCLUDED.last_payment_id,
         updated_at = pg_catalog.now();
END
$$;
COMMENT ON FUNCTION ar.learn_payer_alias(bigint, text) IS
  'Records that the payment''s payer name (normalized) belongs to its customer, counting an auto or manual confirmation (internal helper of ar.auto_apply and ar.assign_payment)';

-- ---- schema/342_match_combinations.sql (new in 0.2.0) ----
-- ar.match_combinations: the bounded subset-sum search of cash application
-- in C (src/match.c over src/core/match.c).  ar.match_payment gives it a
-- customer's open balances, oldest first, and the deductions a payer may
-- have made; it returns which balances add up to the payment.
-- See docs/cash-application.md, "Combinations".

CREATE FUNCTION ar.match_combinations(target numeric, balances numeric[], deltas numeric[] DEFAULT '{0}',
                                      max_invoices integer DEFAULT 6, max_results integer DEFAULT 5,
                                      minor_unit integer DEFAULT 0, max_nodes integer DEFAULT 100000)
  RETURNS TABLE (positions integer[], total numeric, delta numeric)
  AS 'MODULE_PATHNAME', 'pgr_match_combinations'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION ar.match_combinations(numeric, numeric[], numeric[], integer, integer, integer, integer) IS
  'Combinations of balances (1-based positions, ascending) that add up to target + delta for one of the deltas: contiguous runs of any length up to 32, and any max_invoices (1..8) balances by a search bounded to max_nodes nodes; the best max_results, fewest balances first, then the smaller delta, then the oldest (lowest positions)';

-- ---- schema/345_match_payment.sql (new in 0.2.0) ----
-- ar.match_payment: who paid, and for which invoices?  Every signal of
-- SPEC.md "Cash application" scored in [0,1]; ar.match_decision applies the
-- threshold and the ambiguity rule that ar.auto_apply and
-- ar.v_unmatched_payments share.  The scores are documented in
-- docs/cash-application.md, "Scores"; tests in test/pgtap/43_matching.sql.
--
-- score = identity + amount fit, clamped to [0,1], where
--   identity   = the strongest signal naming the customer
--                  0.60 virtual account / already identified payment,
--                       invoice number in the reference or EDI information
--                  0.55 learned payer alias (confirmed by a person, or twice)
--                  0.50 learned alias confirmed once automatically,
--                       invoice number in the payer name,
--                       payer name = customer's normalized name or reading
--                  0.35 payer name cut short or extended (prefix, >= 4 chars)
--                + 0.05 for each further kind of signal naming the same customer
--   amount fit = 0.45 one invoice, or exactly the invoices the references name
--                0.43 the customer's k oldest open invoices
--                0.42 - 0.02 (k - 2), at least 0.30: another combination of k
--                0    nothing adds up (the money would go oldest first)
--              - 0.01 a fee this customer deducted before
--              - 0.03 a fee from the bank_fee_tolerance setting
--              - 0.03 a tax rounding difference of 1-9 minor units

CREATE FUNCTION ar.match_payment(payment_id bigint, max_candidates integer DEFAULT 5)
  RETURNS TABLE (rank integer, customer_id bigint, invoice_ids bigint[], matched_amount numeric,
                 fee_amount numeric, score real, reasons text[])
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  -- Planning the candidate query costs more than running it (about 5 ms
  -- against 3); its generic plan is as good for every payment.
  SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  p record;
  norm text;
  prefixes text[];
  tolerance numeric[] := '{}';
  rounding numeric[];
BEGIN
  IF match_payment.payment_id IS NULL THEN
    RAISE EXCEPTION 'payment_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF match_payment.max_candidates IS NULL OR match_payment.max_candidates NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'max_candidates % is out of range', COALESCE(match_payment.max_candidates::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Ask for 1 to 100 candidates.';
  END IF;
  SELECT x.payment_id, x.customer_id, x.currency, x.unapplied_amount, x.status, x.payer_name,
         x.reference, x.edi_info, cur.minor_unit,
         COALESCE((x.metadata -> 'zengin' ->> 'virtual_account')::boolean, false) AS va
    INTO p
    FROM ar.payment x JOIN ar.currency cur ON cur.code = x.currency
   WHERE x.payment_id = match_payment.payment_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown payment %', match_payment.payment_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p.status <> 'received' OR p.unapplied_amount = 0 THEN
    RETURN;                     -- cancelled, or nothing left to match
  END IF;

  norm := COALESCE(ar.normalize_name(p.payer_name), '');
  -- Leading parts of the payer name (at least 4 characters): a customer
  -- name the bank's spelling continues (branch, department, person).
  prefixes := ARRAY(SELECT pg_catalog.left(norm, k) FROM pg_catalog.generate_series(4, pg_catalog.length(norm) - 1) AS k);
  IF p.currency = 'JPY' THEN
    tolerance := pg_catalog.string_to_array(ar.setting_value('bank_fee_tolerance'), ',')::numeric[];
  END IF;
  rounding := ARRAY(SELECT g / (10::numeric ^ p.minor_unit) FROM pg_catalog.generate_series(1, 9) AS g);

  RETURN QUERY
  WITH tok AS (
    -- Words of the reference, the EDI information and the payer name that
    -- may be invoice numbers (NFKC folds full-width letters and digits).
    SELECT DISTINCT f.field, t.tok
      FROM (VALUES ('reference', p.reference), ('edi', p.edi_info), ('payer_name', p.payer_name)) AS f(field, txt)
     CROSS JOIN LATERAL pg_catalog.regexp_split_to_table(
             pg_catalog.upper(pg_catalog.normalize(f.txt, 'NFKC')), '[^0-9A-Z_/.#-]+') AS t(tok)
     WHERE f.txt IS NOT NULL AND pg_catalog.length(t.tok) >= 3
  ), sig AS (
    SELECT p.customer_id AS cid, CASE WHEN p.va THEN 'virtual_account' ELSE 'identified' END AS signal,
           'account' AS family, 0.60 AS s, NULL::bigint AS inv
     WHERE p.customer_id IS NOT NULL
    UNION ALL
    SELECT a.customer_id, 'payer_alias', 'alias',
           CASE WHEN a.manual_count > 0 OR a.auto_count >= 2 THEN 0.55 ELSE 0.50 END, NULL
      FROM ar.payer_alias a
     WHERE norm <> '' AND a.payer_name_norm = norm
    UNION ALL
    SELECT i.customer_id, 'invoice_no_' || tok.field, 'invoice_no',
           CASE WHEN tok.field = 'payer_name' THEN 0.50 ELSE 0.60 END, i.invoice_id
      FROM tok
     CROSS JOIN LATERAL (SELECT y.customer_id, y.invoice_id FROM ar.invoice y
                          WHERE y.invoice_no = tok.tok LIMIT 1) i
    UNION ALL
    SELECT c.customer_id, 'name_exact', 'name', 0.50, NULL
      FROM ar.customer c
     WHERE norm <> '' AND ar.normalize_name(c.name) = norm
    UNION ALL
    SELECT c.customer_id, 'name_kana_exact', 'name', 0.50, NULL
      FROM ar.customer c
     WHERE norm <> '' AND c.name_kana IS NOT NULL AND ar.normalize_name(c.name_kana) = norm
    UNION ALL
    -- The bank cut the payer name short: the customer's reading continues it.
    SELECT c.customer_id, 'name_partial', 'name', 0.35, NULL
      FROM ar.customer c
     WHERE pg_catalog.length(norm) >= 4 AND c.name_kana IS NOT NULL
       AND ar.normalize_name(c.name_kana) OPERATOR(pg_catalog.~>~) norm
       AND ar.normalize_name(c.name_kana) OPERATOR(pg_catalog.~<~) (norm || pg_catalog.chr(1114111))
    UNION ALL
    SELECT c.customer_id, 'name_partial', 'name', 0.35, NULL
      FROM ar.customer c
     WHERE pg_catalog.length(norm) >= 4
       AND ar.normalize_name(c.name) OPERATOR(pg_catalog.~>~) norm
       AND ar.normalize_name(c.name) OPERATOR(pg_catalog.~<~) (norm || pg_catalog.chr(1114111))
    UNION ALL
    -- The payer name goes on after the customer's name or reading.
    -- (Each prefix looked up in the index: the LIMIT keeps the planner from
    -- a hash join that would fold every customer's name.)
    SELECT c.customer_id, 'name_partial', 'name', 0.35, NULL
      FROM pg_catalog.unnest(prefixes) AS x(pre)
     CROSS JOIN LATERAL (SELECT y.customer_id FROM ar.customer y
                          WHERE y.name_kana IS NOT NULL AND ar.normalize_name(y.name_kana) = x.pre LIMIT 10) c
    UNION ALL
    SELECT c.customer_id, 'name_partial', 'name', 0.35, NULL
      FROM pg_catalog.unnest(prefixes) AS x(pre)
     CROSS JOIN LATERAL (SELECT y.customer_id FROM ar.customer y
                          WHERE ar.normalize_name(y.name) = x.pre LIMIT 10) c
  ), ident AS (
    SELECT s.cid,
           LEAST(1.0, pg_catalog.max(s.s) + 0.05 * (pg_catalog.count(DISTINCT s.family) - 1)) AS id_score,
           pg_catalog.array_agg(DISTINCT s.signal) AS signals,
           COALESCE(pg_catalog.array_agg(DISTINCT s.inv) FILTER (WHERE s.inv IS NOT NULL), '{}') AS refs
      FROM sig s
     WHERE p.customer_id IS NULL OR s.cid = p.customer_id
     GROUP BY s.cid
     ORDER BY 2 DESC, 1
     LIMIT 10
  ), book AS (
    -- Each candidate customer's open invoices in the payment's currency,
    -- oldest due date first (at most the oldest 5,000), and the fees the
    -- customer deducted before: written off as fee allocations, or left
    -- open as flagged short pays.
    SELECT d.cid, d.id_score, d.signals, d.refs,
           COALESCE(o.ids, '{}') AS ids, COALESCE(o.opens, '{}') AS opens,
           COALESCE(h.fees, '{}') AS hist
      FROM ident d
     CROSS JOIN LATERAL (
             SELECT pg_catalog.array_agg(x.invoice_id ORDER BY x.due_date, x.invoice_id) AS ids,
                    pg_catalog.array_agg(x.open_amount ORDER BY x.due_date, x.invoice_id) AS opens
               FROM (SELECT i.invoice_id, i.due_date, i.open_amount
                       FROM ar.invoice i
                      WHERE i.customer_id = d.cid AND i.status = 'open' AND i.currency = p.currency
                      ORDER BY i.due_date, i.invoice_id
                      LIMIT 5000) x) o
     CROSS JOIN LATERAL (
             SELECT pg_catalog.array_agg(DISTINCT f.fee) AS fees
               FROM (SELECT a.amount AS fee
                       FROM ar.allocation a
                      WHERE a.customer_id = d.cid AND a.kind = 'fee' AND a.reversed_on IS NULL
                     UNION
                     SELECT (x.metadata -> 'short_pay' ->> 'amount')::numeric
                       FROM ar.payment x
                      WHERE x.customer_id = d.cid AND x.metadata ? 'short_pay') f
              WHERE f.fee > 0 AND f.fee < p.unapplied_amount) h
  ), refpos AS (
    -- Positions of the referenced invoices among the open ones.
    SELECT b.cid, pg_catalog.array_agg(o.ord::integer ORDER BY o.ord) AS positions,
           pg_catalog.sum(o.amt) AS total
      FROM book b
     CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(b.ids), pg_catalog.unnest(b.opens)) WITH ORDINALITY AS o(id, amt, ord)
     WHERE o.id = ANY (b.refs)
     GROUP BY b.cid
  ), combos AS (
    SELECT DISTINCT ON (u.cid, u.positions) u.*
      FROM (SELECT b.cid, m.positions, m.total, m.delta
              FROM book b
             CROSS JOIN LATERAL ar.match_combinations(p.unapplied_amount, b.opens,
                                                      ARRAY[0::numeric] || tolerance || b.hist || rounding,
                                                      6, 6, p.minor_unit, 30000) m
             WHERE pg_catalog.cardinality(b.opens) > 0
            UNION ALL
            SELECT r.cid, r.positions, r.total, r.total - p.unapplied_amount
              FROM refpos r
             WHERE r.total - p.unapplied_amount = ANY (ARRAY[0::numeric] || tolerance || rounding
                                                       || (SELECT b.hist FROM book b WHERE b.cid = r.cid))) u
     ORDER BY u.cid, u.positions
  ), fits AS (
    SELECT b.cid, b.id_score, b.signals,
           ARRAY(SELECT b.ids[q] FROM pg_catalog.unnest(c.positions) AS q ORDER BY q) AS inv_ids,
           c.total, c.delta, pg_catalog.cardinality(c.positions) AS k,
           (SELECT pg_catalog.sum(q) FROM pg_catalog.unnest(c.positions) AS q) AS age,
           CASE
             WHEN c.positions = r.positions THEN 0.45
             WHEN pg_catalog.cardinality(c.positions) = 1 THEN 0.45
             WHEN c.positions[pg_catalog.cardinality(c.positions)] = pg_catalog.cardinality(c.positions) THEN 0.43
             ELSE GREATEST(0.30, 0.42 - 0.02 * (pg_catalog.cardinality(c.positions) - 2))
           END
           - CASE
               WHEN c.delta = 0 THEN 0
               WHEN c.delta = ANY (b.hist) THEN 0.01
               ELSE 0.03
             END AS amount_score,
           ARRAY[CASE
                   WHEN c.positions = r.positions THEN 'amount_invoice_numbers'
                   WHEN pg_catalog.cardinality(c.positions) = 1 THEN 'amount_exact_single'
                   WHEN c.positions[pg_catalog.cardinality(c.positions)] = pg_catalog.cardinality(c.positions)
                     THEN 'amount_oldest_invoices'
                   ELSE 'amount_combination'
                 END]
           || CASE
                WHEN c.delta = 0 THEN '{}'::text[]
                WHEN c.delta = ANY (b.hist) THEN ARRAY['fee_history']
                WHEN c.delta = ANY (tolerance) THEN ARRAY['fee_tolerance']
                ELSE ARRAY['tax_rounding']
              END AS amount_reasons
      FROM combos c
      JOIN book b ON b.cid = c.cid
      LEFT JOIN refpos r ON r.cid = c.cid
  ), unfit AS (
    -- Customers named by a signal whose open invoices add up to nothing
    -- that fits: the referenced invoices, else the oldest ones the money
    -- reaches.
    SELECT b.cid, b.id_score, b.signals, w.inv_ids,
           LEAST(p.unapplied_amount, COALESCE(w.total, 0)) AS total, 0::numeric AS delta,
           pg_catalog.cardinality(w.inv_ids) AS k, 0::bigint AS age, 0.0 AS amount_score,
           CASE WHEN pg_catalog.cardinality(b.ids) = 0 THEN ARRAY['no_open_invoices']
                ELSE ARRAY['amount_unmatched'] END AS amount_reasons
      FROM book b
     CROSS JOIN LATERAL (
             SELECT COALESCE(pg_catalog.array_agg(y.id ORDER BY y.ord), '{}') AS inv_ids, pg_catalog.sum(y.amt) AS total
               FROM (SELECT o.id, o.amt, o.ord,
                            pg_catalog.sum(o.amt) OVER (ORDER BY o.ord) - o.amt AS before
                       FROM ROWS FROM (pg_catalog.unnest(b.ids), pg_catalog.unnest(b.opens)) WITH ORDINALITY AS o(id, amt, ord)
                      WHERE b.refs = '{}' OR o.id = ANY (b.refs)) y
              WHERE y.before < p.unapplied_amount) w
     WHERE NOT EXISTS (SELECT 1 FROM combos c WHERE c.cid = b.cid)
  ), scored AS (
    SELECT f.cid, f.inv_ids, f.total, f.delta, f.k, f.age,
           pg_catalog.round(LEAST(1.0, GREATEST(0.0, f.id_score + f.amount_score)), 2) AS sc,
           f.signals || f.amount_reasons AS why
      FROM (SELECT * FROM fits UNION ALL SELECT * FROM unfit) f
  )
  SELECT (pg_catalog.row_number() OVER (ORDER BY s.sc DESC, s.k, s.delta, s.age, s.cid, s.inv_ids))::integer,
         s.cid, s.inv_ids, s.total, s.delta, s.sc::real, s.why
    FROM scored s
   ORDER BY 1
   LIMIT match_payment.max_candidates;
END
$$;
COMMENT ON FUNCTION ar.match_payment(bigint, integer) IS
  'Candidate customers and invoices for a payment, best first, with a score in [0,1] and the signals behind it: virtual account, learned payer alias, invoice numbers in the reference / EDI information / payer name, normalized payer name against the customer''s name and reading, one invoice or a combination of open invoices (subset sum in C), deducted bank fees (bank_fee_tolerance setting or the customer''s history) and 1-9 yen tax rounding. Empty for a cancelled or fully applied payment';

------------------------------------------------------------------------------
-- ar.match_decision: what ar.auto_apply does with a payment
------------------------------------------------------------------------------

-- The best candidate, the runner-up's score, and the decision:
--   apply             score >= threshold, not ambiguous
--   ambiguous         a runner-up scores within 0.05 of the best and is of
--                     another customer, or of the same customer with other
--                     invoice amounts (invoices of equal amounts are
--                     interchangeable: the oldest win)
--   below_threshold   best score < threshold
--   no_open_invoices  the best candidate's customer has nothing open
--   no_candidate      no signal names a customer
CREATE FUNCTION ar.match_decision(payment_id bigint, min_score real DEFAULT NULL)
  RETURNS TABLE (customer_id bigint, invoice_ids bigint[], matched_amount numeric, fee_amount numeric,
                 score real, reasons text[], runner_up_score real, decision text)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  thr real := COALESCE(match_decision.min_score, ar.setting_value('match_auto_threshold')::real);
  best record;
  n integer := 0;
  r record;
  second_customer bigint;
  second_ids bigint[];
  second_score real;
BEGIN
  FOR r IN SELECT * FROM ar.match_payment(match_decision.payment_id, 2) LOOP
    n := n + 1;
    IF n = 1 THEN
      best := r;
    ELSE
      second_customer := r.customer_id;
      second_ids := r.invoice_ids;
      second_score := r.score;
    END IF;
  END LOOP;
  IF n = 0 THEN
    decision := 'no_candidate';
    RETURN NEXT;
    RETURN;
  END IF;
  customer_id := best.customer_id;
  invoice_ids := best.invoice_ids;
  matched_amount := best.matched_amount;
  fee_amount := best.fee_amount;
  score := best.score;
  reasons := best.reasons;
  runner_up_score := second_score;
  decision := CASE
      WHEN 'no_open_invoices' = ANY (best.reasons) THEN 'no_open_invoices'
      WHEN best.score < thr THEN 'below_threshold'
      WHEN n = 2 AND second_score::numeric >= best.score::numeric - 0.05
           AND (second_customer <> best.customer_id
                OR ARRAY(SELECT i.open_amount FROM ar.invoice i WHERE i.invoice_id = ANY (second_ids) ORDER BY 1)
                   IS DISTINCT FROM
                   ARRAY(SELECT i.open_amount FROM ar.invoice i WHERE i.invoice_id = ANY (best.invoice_ids) ORDER BY 1))
        THEN 'ambiguous'
      ELSE 'apply'
    END;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION ar.match_decision(bigint, real) IS
  'The best ar.match_payment candidate of a payment, the runner-up''s score, and what ar.auto_apply does with it at the threshold (default: setting match_auto_threshold): apply, ambiguous, below_threshold, no_open_invoices or no_candidate';

-- ---- schema/350_auto_apply.sql (new in 0.2.0) ----
-- Cash application that writes: ar.auto_apply applies the confident,
-- unambiguous matches of ar.match_decision; ar.assign_payment is a person
-- identifying a payment.  Both teach ar.payer_alias, both write through the
-- ledger functions of 300_payment_functions.sql (ar.apply_payment,
-- ar.write_off) and allocation inserts, and both keep its lock order:
-- payment, then customer, then invoices.  See docs/cash-application.md,
-- "Automatic application" and "Review".

------------------------------------------------------------------------------
-- Deductions: what happens to the short pay of an applied match
------------------------------------------------------------------------------

-- After the payment went over the invoices (oldest first in the listed
-- order), the last of them is left open by exactly the deduction.  A tax
-- rounding difference is written off; a bank fee is written off as a fee
-- allocation where the customer may deduct it, and otherwise stays open,
-- flagged on the payment and the invoice (取適法: a large buyer may not
-- deduct the transfer fee from a small supplier's payment, even by
-- agreement).  Returns the outcome and the number of allocations written.
CREATE FUNCTION ar.settle_deduction(payment_id bigint, invoice_ids bigint[], deduction numeric,
                                    reasons text[], OUT outcome text, OUT allocations integer)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  pay record;
  inv record;
  allowed boolean;
BEGIN
  allocations := 0;
  IF deduction IS NULL OR deduction = 0 THEN
    outcome := 'applied';
    RETURN;
  END IF;
  SELECT x.payment_id, x.customer_id, x.received_on, x.metadata INTO pay
    FROM ar.payment x WHERE x.payment_id = settle_deduction.payment_id;
  SELECT i.invoice_id, i.invoice_no, i.open_amount, i.issue_date INTO inv
    FROM ar.invoice i
   WHERE i.invoice_id = ANY (settle_deduction.invoice_ids) AND i.status = 'open'
   ORDER BY pg_catalog.array_position(settle_deduction.invoice_ids, i.invoice_id) DESC
   LIMIT 1;
  IF NOT FOUND OR inv.open_amount <> deduction THEN
    -- The invoices changed under the caller's locks: cannot happen.
    RAISE EXCEPTION 'payment % left % open instead of the deduction %', pay.payment_id,
      COALESCE(inv.open_amount, 0), deduction
      USING ERRCODE = 'internal_error';
  END IF;

  IF 'tax_rounding' = ANY (reasons) THEN
    PERFORM ar.write_off(inv.invoice_id, deduction,
                         pg_catalog.format('tax rounding difference (端数差額) of payment %s', pay.payment_id),
                         GREATEST(pay.received_on, inv.issue_date));
    outcome := 'applied_rounding';
    allocations := 1;
    RETURN;
  END IF;

  SELECT c.fee_deduction_allowed INTO allowed FROM ar.customer c WHERE c.customer_id = pay.customer_id;
  IF allowed THEN
    INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on, reason)
    VALUES (pay.customer_id, inv.invoice_id, 'fee', pay.payment_id, deduction,
            GREATEST(pay.received_on, inv.issue_date), 'bank fee deducted by payer (振込手数料)');
    outcome := 'applied_fee';
    allocations := 1;
  ELSE
    UPDATE ar.payment x
       SET metadata = x.metadata || pg_catalog.jsonb_build_object('short_pay', pg_catalog.jsonb_build_object(
             'amount', deduction, 'invoice_id', inv.invoice_id, 'invoice_no', inv.invoice_no,
             'reason', 'fee_deduction_not_allowed'))
     WHERE x.payment_id = pay.payment_id;
    UPDATE ar.invoice i
       SET metadata = i.metadata || pg_catalog.jsonb_build_object('short_paid', pg_catalog.jsonb_build_object(
             'amount', deduction, 'payment_id', pay.payment_id, 'reason', 'fee_deduction_not_allowed'))
     WHERE i.invoice_id = inv.invoice_id;
    outcome := 'applied_short_pay';
  END IF;
END
$$;
COMMENT ON FUNCTION ar.settle_deduction(bigint, bigint[], numeric, text[]) IS
  'Settles the short pay of an applied match on its last invoice: a tax rounding difference is written off, a bank fee becomes a fee allocation where the customer may deduct it, otherwise it stays open and payment and invoice are flagged (metadata short_pay / short_paid); internal helper of ar.auto_apply';

------------------------------------------------------------------------------
-- ar.auto_apply
------------------------------------------------------------------------------

CREATE FUNCTION ar.auto_apply(min_score real DEFAULT NULL, received_since date DEFAULT NULL)
  RETURNS TABLE (payment_id bigint, customer_id bigint, allocations integer, outcome text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
-- Phase 1 decides every waiting payment (ar.match_decision), reading only.
-- Phase 2 takes the locks in the order of 300_payment_functions.sql:
-- the chosen payments first (FOR NO KEY UPDATE SKIP LOCKED: a payment
-- another transaction is working on is passed over, never waited for),
-- then their customers in customer-id order.  Waiting only for customers,
-- in ascending order, two runs never deadlock; a payment is applied once,
-- since the lock and the re-checked conditions (unmatched, nothing applied
-- yet) make a second run pass it over.  Under the locks, the payments
-- whose invoices are as decided, and that share no invoice with another
-- payment of the run, are applied set-based: one UPDATE of the payments,
-- one INSERT of every allocation (payments, deducted fees, rounding
-- write-offs; the ledger triggers validate the set and move the balances
-- once), one UPSERT of the aliases.  The others (rare) are decided again,
-- one by one, now that the first ones are written, and applied with
-- ar.apply_payment.
DECLARE
  thr real;
  r record;
  d record;
  n integer;
  ded record;
BEGIN
  thr := COALESCE(auto_apply.min_score, ar.setting_value('match_auto_threshold')::real);
  IF thr IS NULL OR thr = 'NaN'::real OR thr < 0 OR thr > 1 THEN
    RAISE EXCEPTION 'min_score % is out of range', thr
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A score threshold is between 0 and 1.';
  END IF;

  -- Phase 1.
  -- (Left by an earlier call of this transaction that failed in a
  -- subtransaction.)
  IF pg_catalog.to_regclass('pg_temp.ar_auto_apply') IS NOT NULL THEN
    DROP TABLE pg_temp.ar_auto_apply;
  END IF;
  IF pg_catalog.to_regclass('pg_temp.ar_auto_apply_alloc') IS NOT NULL THEN
    DROP TABLE pg_temp.ar_auto_apply_alloc;
  END IF;
  CREATE TEMP TABLE ar_auto_apply ON COMMIT DROP AS
  SELECT x.payment_id AS pid, x.customer_id AS pay_cust, x.received_on, x.payer_name, d.*,
         (SELECT pg_catalog.sum(i.open_amount) FROM ar.invoice i
           WHERE i.invoice_id = ANY (d.invoice_ids) AND i.status = 'open') AS inv_total,
         NULL::text AS result, NULL::integer AS n_again
    FROM ar.payment x
   CROSS JOIN LATERAL ar.match_decision(x.payment_id, thr) d
   WHERE x.status = 'received' AND x.matched_by IS NULL AND x.unapplied_amount = x.amount
     AND (auto_apply.received_since IS NULL OR x.received_on >= auto_apply.received_since);
  CREATE INDEX ON pg_temp.ar_auto_apply (pid);
  ANALYZE pg_temp.ar_auto_apply;

  -- Phase 2, locks: the payments, then their customers.
  UPDATE pg_temp.ar_auto_apply t SET result = 'locked'
    FROM (SELECT x.payment_id
            FROM ar.payment x
            JOIN pg_temp.ar_auto_apply a ON a.pid = x.payment_id
           WHERE a.decision = 'apply'
             AND x.status = 'received' AND x.matched_by IS NULL AND x.unapplied_amount = x.amount
             AND (x.customer_id IS NULL OR x.customer_id = a.customer_id)
           ORDER BY a.customer_id, x.payment_id
             FOR NO KEY UPDATE OF x SKIP LOCKED) q
   WHERE t.pid = q.payment_id;
  PERFORM 1
     FROM ar.customer c
    WHERE c.customer_id IN (SELECT t.customer_id FROM pg_temp.ar_auto_apply t WHERE t.result = 'locked')
    ORDER BY c.customer_id
      FOR NO KEY UPDATE;
  -- Passed over: another transaction holds it, or has matched it since.
  UPDATE pg_temp.ar_auto_apply t
     SET result = CASE WHEN EXISTS (SELECT 1 FROM ar.payment x
                                     WHERE x.payment_id = t.pid AND x.status = 'received' AND x.matched_by IS NULL
                                       AND x.unapplied_amount = x.amount
                                       AND (x.customer_id IS NULL OR x.customer_id = t.customer_id))
                       THEN 'locked_elsewhere' ELSE 'already_matched' END
   WHERE t.decision = 'apply' AND t.result IS NULL;
  -- Under the locks: invoices changed since the decision, or wanted by an
  -- earlier payment of this run, send a payment to the one-by-one path.
  ANALYZE pg_temp.ar_auto_apply;
  UPDATE pg_temp.ar_auto_apply t SET result = 'again'
   WHERE t.result = 'locked'
     AND ((SELECT pg_catalog.sum(i.open_amount) FROM ar.invoice i
            WHERE i.invoice_id = ANY (t.invoice_ids) AND i.status = 'open') IS DISTINCT FROM t.inv_total
          OR t.pid IN (SELECT u.pid
                         FROM (SELECT a.pid, pg_catalog.row_number() OVER (PARTITION BY x.inv ORDER BY a.pid) AS nth
                                 FROM pg_temp.ar_auto_apply a
                                CROSS JOIN pg_catalog.unnest(a.invoice_ids) AS x(inv)
                                WHERE a.result = 'locked') u
                        WHERE u.nth > 1));

  -- Phase 2, set-based writes for the rest.
  UPDATE pg_temp.ar_auto_apply t
     SET result = CASE
                    WHEN t.fee_amount = 0 THEN 'applied'
                    WHEN 'tax_rounding' = ANY (t.reasons) THEN 'applied_rounding'
                    WHEN c.fee_deduction_allowed THEN 'applied_fee'
                    ELSE 'applied_short_pay'
                  END
    FROM ar.customer c
   WHERE t.result = 'locked' AND c.customer_id = t.customer_id;
  ANALYZE pg_temp.ar_auto_apply;
  CREATE TEMP TABLE ar_auto_apply_alloc ON COMMIT DROP AS
  SELECT t.pid, t.customer_id, t.result, x.invoice_id, x.invoice_no, x.ord,
         GREATEST(t.received_on, x.issue_date) AS eff,
         -- oldest first in the listed order: every invoice in full but the
         -- last, which is short by the deduction
         LEAST(x.open_amount, t.matched_amount - t.fee_amount - (x.running - x.open_amount)) AS paid,
         x.open_amount - LEAST(x.open_amount, t.matched_amount - t.fee_amount - (x.running - x.open_amount)) AS short
    FROM pg_temp.ar_auto_apply t
   CROSS JOIN LATERAL (
           SELECT i.invoice_id, i.invoice_no, i.issue_date, i.open_amount, l.ord,
                  pg_catalog.sum(i.open_amount) OVER (ORDER BY l.ord) AS running
             FROM pg_catalog.unnest(t.invoice_ids) WITH ORDINALITY AS l(id, ord)
             JOIN ar.invoice i ON i.invoice_id = l.id) x
   WHERE t.result LIKE 'applied%';
  CREATE INDEX ON pg_temp.ar_auto_apply_alloc (pid);
  ANALYZE pg_temp.ar_auto_apply_alloc;
  UPDATE ar.payment p
     SET customer_id = t.customer_id, matched_by = 'auto', matched_at = pg_catalog.now(), match_score = t.score,
         metadata = CASE WHEN t.result = 'applied_short_pay'
                         THEN p.metadata || pg_catalog.jsonb_build_object('short_pay', pg_catalog.jsonb_build_object(
                                'amount', t.fee_amount, 'invoice_id', s.invoice_id, 'invoice_no', s.invoice_no,
                                'reason', 'fee_deduction_not_allowed'))
                         ELSE p.metadata END
    FROM pg_temp.ar_auto_apply t
    LEFT JOIN pg_temp.ar_auto_apply_alloc s ON s.pid = t.pid AND s.short > 0
   WHERE p.payment_id = t.pid AND t.result LIKE 'applied%';
  INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on, reason)
  SELECT w.customer_id, w.invoice_id, w.kind, w.payment_id, w.amount, w.eff, w.reason
    FROM (SELECT s.customer_id, s.invoice_id, 'payment' AS kind, s.pid AS payment_id, s.paid AS amount, s.eff,
                 NULL::text AS reason, s.pid, s.ord, 1 AS part
            FROM pg_temp.ar_auto_apply_alloc s WHERE s.paid > 0
          UNION ALL
          SELECT s.customer_id, s.invoice_id, 'fee', s.pid, s.short, s.eff,
                 'bank fee deducted by payer (振込手数料)', s.pid, s.ord, 2
            FROM pg_temp.ar_auto_apply_alloc s WHERE s.short > 0 AND s.result = 'applied_fee'
          UNION ALL
          SELECT s.customer_id, s.invoice_id, 'write_off', NULL, s.short, s.eff,
                 pg_catalog.format('tax rounding difference (端数差額) of payment %s', s.pid), s.pid, s.ord, 2
            FROM pg_temp.ar_auto_apply_alloc s WHERE s.short > 0 AND s.result = 'applied_rounding') w
   ORDER BY w.pid, w.ord, w.part;
  UPDATE ar.invoice i
     SET metadata = i.metadata || pg_catalog.jsonb_build_object('short_paid', pg_catalog.jsonb_build_object(
           'amount', s.short, 'payment_id', s.pid, 'reason', 'fee_deduction_not_allowed'))
    FROM pg_temp.ar_auto_apply_alloc s
   WHERE i.invoice_id = s.invoice_id AND s.short > 0 AND s.result = 'applied_short_pay';
  INSERT INTO ar.payer_alias AS a (payer_name_norm, customer_id, payer_name, auto_count, manual_count,
                                   first_seen, last_seen, last_payment_id)
  SELECT g.norm, g.customer_id, g.payer_name, g.n, 0, g.first_seen, g.last_seen, g.last_pid
    FROM (SELECT ar.normalize_name(t.payer_name) AS norm, t.customer_id,
                 (pg_catalog.array_agg(t.payer_name ORDER BY t.pid DESC))[1] AS payer_name,
                 pg_catalog.count(*)::integer AS n, pg_catalog.min(t.received_on) AS first_seen,
                 pg_catalog.max(t.received_on) AS last_seen, pg_catalog.max(t.pid) AS last_pid
            FROM pg_temp.ar_auto_apply t
           WHERE t.result LIKE 'applied%' AND t.payer_name IS NOT NULL AND ar.normalize_name(t.payer_name) <> ''
           GROUP BY 1, 2) g
  ON CONFLICT (payer_name_norm, customer_id) DO UPDATE
     SET auto_count = a.auto_count + EXCLUDED.auto_count,
         payer_name = EXCLUDED.payer_name,
         first_seen = LEAST(a.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(a.last_seen, EXCLUDED.last_seen),
         last_payment_id = EXCLUDED.last_payment_id,
         updated_at = pg_catalog.now();

  -- Phase 2, one by one: decided again now that the others are written.
  FOR r IN SELECT t.* FROM pg_temp.ar_auto_apply t WHERE t.result = 'again' ORDER BY t.pid LOOP
    SELECT * INTO d FROM ar.match_decision(r.pid, thr);
    IF d.decision <> 'apply' OR d.customer_id <> r.customer_id THEN
      UPDATE pg_temp.ar_auto_apply t SET result = 'changed' WHERE t.pid = r.pid;
      CONTINUE;
    END IF;
    UPDATE ar.payment x
       SET customer_id = d.customer_id, matched_by = 'auto', matched_at = pg_catalog.now(), match_score = d.score
     WHERE x.payment_id = r.pid;
    SELECT pg_catalog.count(*)::integer INTO n FROM ar.apply_payment(r.pid, 'fifo', d.invoice_ids);
    IF d.fee_amount > 0 THEN
      ded := ar.settle_deduction(r.pid, d.invoice_ids, d.fee_amount, d.reasons);
      UPDATE pg_temp.ar_auto_apply t SET result = ded.outcome, invoice_ids = d.invoice_ids, n_again = n + ded.allocations
       WHERE t.pid = r.pid;
    ELSE
      UPDATE pg_temp.ar_auto_apply t SET result = 'applied', invoice_ids = d.invoice_ids, n_again = n
       WHERE t.pid = r.pid;
    END IF;
    PERFORM ar.learn_payer_alias(r.pid, 'auto');
  END LOOP;

  RETURN QUERY
  SELECT t.pid,
         CASE WHEN t.result LIKE 'applied%' THEN t.customer_id ELSE t.pay_cust END,
         CASE WHEN t.n_again IS NOT NULL THEN t.n_again
              WHEN t.result LIKE 'applied%' THEN
                (SELECT (pg_catalog.count(*) FILTER (WHERE s.paid > 0)
                         + pg_catalog.count(*) FILTER (WHERE s.short > 0 AND s.result IN ('applied_fee', 'applied_rounding')))::integer
                   FROM pg_temp.ar_auto_apply_alloc s WHERE s.pid = t.pid)
              ELSE 0 END,
         CASE WHEN t.result IS NULL THEN t.decision
              WHEN t.result = 'locked_elsewhere' THEN 'locked'
              ELSE t.result END
    FROM pg_temp.ar_auto_apply t
   ORDER BY t.pid;
  -- Gone at once, not at commit: another role calling again in this
  -- transaction could not drop them.
  DROP TABLE pg_temp.ar_auto_apply, pg_temp.ar_auto_apply_alloc;
END
$$;
COMMENT ON FUNCTION ar.auto_apply(real, date) IS
  'Applies every waiting payment (received, unmatched, nothing applied; received on or after received_since) whose best ar.match_payment candidate scores at least min_score (default: setting match_auto_threshold) and is not ambiguous: identifies the customer, applies it to the chosen invoices, settles a deducted fee or rounding difference, learns the payer alias. Outcomes: applied, applied_fee, applied_rounding, applied_short_pay; ambiguous, below_threshold, no_open_invoices, no_candidate (left for review); locked, already_matched, changed (passed over)';

------------------------------------------------------------------------------
-- ar.assign_payment
------------------------------------------------------------------------------

CREATE FUNCTION ar.assign_payment(payment_id bigint, customer_id bigint, strategy text DEFAULT 'fifo')
  RETURNS SETOF ar.allocation
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  pay record;
  cust record;
BEGIN
  PERFORM ar.require_id(assign_payment.payment_id, 'payment_id');
  PERFORM ar.require_id(assign_payment.customer_id, 'customer_id');
  PERFORM ar.check_allocation_strategy(assign_payment.strategy);

  -- Lock order step 1: the payment.
  SELECT x.payment_id, x.customer_id, x.currency, x.status INTO pay
    FROM ar.payment x WHERE x.payment_id = assign_payment.payment_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown payment %', assign_payment.payment_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT c.customer_id, c.customer_code, c.currency INTO cust
    FROM ar.customer c WHERE c.customer_id = assign_payment.customer_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown customer %', assign_payment.customer_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF pay.status = 'cancelled' THEN
    RAISE EXCEPTION 'payment % is cancelled', pay.payment_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'A cancelled payment cannot be assigned or applied.';
  END IF;
  IF pay.customer_id IS NOT NULL AND pay.customer_id <> cust.customer_id THEN
    RAISE EXCEPTION 'payment % is already identified as customer %, not %', pay.payment_id,
      (SELECT c.customer_code FROM ar.customer c WHERE c.customer_id = pay.customer_id), cust.customer_code
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Reverse its allocations and set payment.customer_id to NULL first if it was identified wrongly.';
  END IF;
  IF cust.currency <> pay.currency THEN
    RAISE EXCEPTION 'payment % is in % but customer % bills in %', pay.payment_id, pay.currency,
      cust.customer_code, cust.currency
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Allocation never mixes currencies.';
  END IF;

  -- Step 2: the customer; then identify, apply, learn.
  PERFORM ar.lock_customer(cust.customer_id);
  UPDATE ar.payment x
     SET customer_id = cust.customer_id, matched_by = 'manual', matched_at = pg_catalog.now(), match_score = NULL
   WHERE x.payment_id = pay.payment_id;
  RETURN QUERY SELECT * FROM ar.apply_payment(pay.payment_id, assign_payment.strategy);
  PERFORM ar.learn_payer_alias(pay.payment_id, 'manual');
END
$$;
COMMENT ON FUNCTION ar.assign_payment(bigint, bigint, text) IS
  'A person identifies a payment: sets its customer, applies it by strategy (ar.apply_payment), marks it matched_by manual and teaches ar.payer_alias its payer name. Returns the allocations made';

-- ---- schema/355_unmatched_view.sql (new in 0.2.0) ----
-- ar.v_unmatched_payments: the review list of cash application.  Every
-- received payment with money not yet applied, its best candidate and why
-- ar.auto_apply did not (or would not) apply it.  A person settles a row
-- with ar.assign_payment (unidentified) or ar.apply_payment with
-- invoice_ids (identified).  See docs/cash-application.md, "Review".

CREATE VIEW ar.v_unmatched_payments WITH (security_invoker = true) AS
SELECT p.payment_id,
       p.received_on,
       CURRENT_DATE - p.received_on AS age_days,
       p.customer_id,
       p.payer_name,
       ar.normalize_name(p.payer_name) AS payer_name_norm,
       p.reference,
       p.edi_info,
       p.currency,
       p.amount,
       p.unapplied_amount,
       d.customer_id AS best_customer_id,
       c.customer_code AS best_customer_code,
       d.invoice_ids AS best_invoice_ids,
       d.fee_amount AS best_fee_amount,
       d.score AS best_score,
       d.runner_up_score,
       d.reasons AS best_reasons,
       CASE
         WHEN p.matched_by IS NOT NULL OR p.unapplied_amount < p.amount THEN 'customer_credit'
         ELSE d.decision
       END AS why_not_applied
  FROM ar.payment p
 CROSS JOIN LATERAL ar.match_decision(p.payment_id) d
  LEFT JOIN ar.customer c ON c.customer_id = d.customer_id
 WHERE p.status = 'received' AND p.unapplied_amount > 0;
COMMENT ON VIEW ar.v_unmatched_payments IS
  'Payments with money not yet applied, oldest first when ordered by received_on: the best ar.match_payment candidate and why ar.auto_apply did not apply it (the review list of cash application)';
COMMENT ON COLUMN ar.v_unmatched_payments.payment_id IS 'The payment';
COMMENT ON COLUMN ar.v_unmatched_payments.received_on IS 'Value date of the receipt (入金日)';
COMMENT ON COLUMN ar.v_unmatched_payments.age_days IS 'Days since it was received';
COMMENT ON COLUMN ar.v_unmatched_payments.customer_id IS 'The payment''s customer; NULL while unidentified';
COMMENT ON COLUMN ar.v_unmatched_payments.payer_name IS 'Payer name as the bank reported it (振込依頼人名)';
COMMENT ON COLUMN ar.v_unmatched_payments.payer_name_norm IS 'The payer name folded by ar.normalize_name, as matching compares it';
COMMENT ON COLUMN ar.v_unmatched_payments.reference IS 'Remittance reference';
COMMENT ON COLUMN ar.v_unmatched_payments.edi_info IS 'EDI information (EDI情報 / ZEDI) sent with the transfer';
COMMENT ON COLUMN ar.v_unmatched_payments.currency IS 'Currency of the payment';
COMMENT ON COLUMN ar.v_unmatched_payments.amount IS 'Amount received';
COMMENT ON COLUMN ar.v_unmatched_payments.unapplied_amount IS 'Amount not yet applied';
COMMENT ON COLUMN ar.v_unmatched_payments.best_customer_id IS 'Customer of the best candidate; NULL when no signal names one';
COMMENT ON COLUMN ar.v_unmatched_payments.best_customer_code IS 'Customer code of the best candidate';
COMMENT ON COLUMN ar.v_unmatched_payments.best_invoice_ids IS 'Invoices of the best candidate, oldest first';
COMMENT ON COLUMN ar.v_unmatched_payments.best_fee_amount IS 'Deduction (bank fee or rounding) the best candidate assumes';
COMMENT ON COLUMN ar.v_unmatched_payments.best_score IS 'Score in [0,1] of the best candidate (see docs/cash-application.md, "Scores")';
COMMENT ON COLUMN ar.v_unmatched_payments.runner_up_score IS 'Score of the second candidate; close to best_score means ambiguous';
COMMENT ON COLUMN ar.v_unmatched_payments.best_reasons IS 'Signals behind the best candidate';
COMMENT ON COLUMN ar.v_unmatched_payments.why_not_applied IS
  'no_candidate, below_threshold, ambiguous, no_open_invoices (ar.auto_apply leaves these for review), customer_credit (matched or partly applied already: what is left is the customer''s unapplied cash), or apply (ar.auto_apply would apply it on its next run)';

-- ---- schema/520_risk.sql (new in 0.2.0) ----
-- Payment behaviour and risk: the C aggregate ar.payment_behaviour
-- (src/risk.c over src/core/risk.c), ar.v_customer_risk, the pay-date
-- predictor and the prediction columns of ar.v_open_items.  See
-- docs/dashboards.md ("The risk model").

CREATE TYPE ar.payment_behaviour AS (
  paid_invoices        bigint,
  on_time_invoices     bigint,
  on_time_rate         double precision,
  mean_days_late       double precision,
  sd_days_late         double precision,
  effective_n          double precision,
  plain_mean_days_late double precision,
  usual_pay_day        integer,
  usual_pay_weekday    integer,
  weight_sum           double precision
);
COMMENT ON TYPE ar.payment_behaviour IS 'Result of the aggregate ar.payment_behaviour: how a set of paid invoices was paid';
COMMENT ON COLUMN ar.payment_behaviour.paid_invoices IS 'Paid invoices aggregated';
COMMENT ON COLUMN ar.payment_behaviour.on_time_invoices IS 'Of those, paid on or before the due date';
COMMENT ON COLUMN ar.payment_behaviour.on_time_rate IS 'on_time_invoices / paid_invoices (0 to 1); NULL over no rows';
COMMENT ON COLUMN ar.payment_behaviour.mean_days_late IS
  'Weighted mean of days late (paid - due, negative = early), weight = amount * 2^(-(as_of - paid) / half_life_days)';
COMMENT ON COLUMN ar.payment_behaviour.sd_days_late IS 'Weighted standard deviation of days late, same weights';
COMMENT ON COLUMN ar.payment_behaviour.effective_n IS
  'Kish effective number of observations (sum w)^2 / sum w^2: paid_invoices when all weigh the same, less when a few dominate';
COMMENT ON COLUMN ar.payment_behaviour.plain_mean_days_late IS 'Unweighted mean of days late';
COMMENT ON COLUMN ar.payment_behaviour.usual_pay_day IS
  'Day of the month on which at least half of the payments fell (0 = the last day of the month), with 3 payments or more; NULL otherwise';
COMMENT ON COLUMN ar.payment_behaviour.usual_pay_weekday IS
  'ISO weekday (1 = Monday .. 7 = Sunday) on which at least half of the payments fell, with 3 payments or more; NULL otherwise';
COMMENT ON COLUMN ar.payment_behaviour.weight_sum IS 'Sum of the weights; pools groups: the mean of several is sum(mean * weight_sum) / sum(weight_sum)';

CREATE FUNCTION ar.payment_behaviour_transfn(internal, date, date, numeric, date, double precision)
  RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_payment_behaviour_transfn'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_behaviour_transfn(internal, date, date, numeric, date, double precision) IS
  'Transition function of ar.payment_behaviour (internal)';
CREATE FUNCTION ar.payment_behaviour_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_payment_behaviour_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_behaviour_combine(internal, internal) IS
  'Combine function of ar.payment_behaviour: merges the states of parallel workers (internal)';
CREATE FUNCTION ar.payment_behaviour_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_payment_behaviour_serialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_behaviour_serialize(internal) IS
  'Serialize function of ar.payment_behaviour: a state as fixed-size little-endian bytes (internal)';
CREATE FUNCTION ar.payment_behaviour_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_payment_behaviour_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_behaviour_deserialize(bytea, internal) IS
  'Deserialize function of ar.payment_behaviour: checks size, magic and every counter before use (internal)';
CREATE FUNCTION ar.payment_behaviour_final(internal) RETURNS ar.payment_behaviour
  AS 'MODULE_PATHNAME', 'pgr_payment_behaviour_final'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_behaviour_final(internal) IS
  'Final function of ar.payment_behaviour (internal)';

CREATE AGGREGATE ar.payment_behaviour(due_date date, paid_on date, amount numeric, as_of date,
                                      half_life_days double precision) (
  SFUNC = ar.payment_behaviour_transfn,
  STYPE = internal,
  SSPACE = 400,
  FINALFUNC = ar.payment_behaviour_final,
  COMBINEFUNC = ar.payment_behaviour_combine,
  SERIALFUNC = ar.payment_behaviour_serialize,
  DESERIALFUNC = ar.payment_behaviour_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ar.payment_behaviour(date, date, numeric, date, double precision) IS
  'How paid invoices were paid, seen from as_of: recency- and amount-weighted mean days late, on-time share, usual pay day; rows with a NULL date or amount are skipped; as_of and half_life_days must be the same on every row and no payment may be dated after as_of';

------------------------------------------------------------------------------
-- Customer risk
------------------------------------------------------------------------------

-- The model's constants, in one place (docs/dashboards.md).
CREATE FUNCTION ar.risk_model()
  RETURNS TABLE (half_life_days double precision, prior_strength double precision,
                 class_a_max numeric, class_b_max numeric, class_c_max numeric, doubtful_after_days integer)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT 180::double precision, 3::double precision, 5::numeric, 15::numeric, 30::numeric, 90;
END;
COMMENT ON FUNCTION ar.risk_model() IS
  'Constants of the risk model: recency half-life (days), prior strength k of the shrinkage (invoices), upper bounds of risk classes A, B, C in predicted days late, and the days past due after which an open invoice is no longer expected';

-- Plain SQL, inlined into the calling query (a filter on customer_id
-- reaches the grouped scan), so no SET search_path: a SQL-standard body
-- (BEGIN ATOMIC) is bound at creation, and no caller's search_path reaches
-- its operators and casts.
CREATE FUNCTION ar.customer_risk_at(as_of date)
  RETURNS TABLE (customer_id bigint, paid_invoices bigint, on_time_rate numeric, mean_days_late numeric,
                 predicted_days_late numeric, risk_class text, effective_history numeric,
                 portfolio_mean_days_late numeric, usual_pay_day integer, usual_pay_weekday integer)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH h AS (
    SELECT i.customer_id,
           ar.payment_behaviour(i.due_date, i.closed_on, i.amount, as_of,
                                (SELECT m.half_life_days FROM ar.risk_model() m)) AS b
      FROM ar.invoice i
     WHERE i.status = 'paid' AND i.kind = 'invoice' AND i.closed_on <= as_of
     GROUP BY i.customer_id
  ), p AS (
    SELECT pg_catalog.sum((h.b).mean_days_late * (h.b).weight_sum) / NULLIF(pg_catalog.sum((h.b).weight_sum), 0) AS mu
      FROM h
  ), s AS (
    SELECT c.customer_id, h.b, p.mu, m.prior_strength AS k, m.class_a_max, m.class_b_max, m.class_c_max,
           CASE WHEN (h.b).mean_days_late IS NULL THEN p.mu
                ELSE ((h.b).effective_n * (h.b).mean_days_late + m.prior_strength * COALESCE(p.mu, 0))
                     / ((h.b).effective_n + m.prior_strength)
           END AS pred
      FROM ar.customer c
      LEFT JOIN h ON h.customer_id = c.customer_id
     CROSS JOIN p
     CROSS JOIN ar.risk_model() m
  )
  SELECT s.customer_id,
         COALESCE((s.b).paid_invoices, 0),
         pg_catalog.round((100 * (s.b).on_time_rate)::numeric, 1),
         pg_catalog.round((s.b).mean_days_late::numeric, 1),
         pg_catalog.round(s.pred::numeric, 1),
         CASE WHEN s.pred IS NULL THEN NULL
              WHEN s.pred <= s.class_a_max THEN 'A'
              WHEN s.pred <= s.class_b_max THEN 'B'
              WHEN s.pred <= s.class_c_max THEN 'C'
              ELSE 'D' END,
         pg_catalog.round(COALESCE((s.b).effective_n, 0)::numeric, 2),
         pg_catalog.round(s.mu::numeric, 1),
         (s.b).usual_pay_day,
         (s.b).usual_pay_weekday
    FROM s;
END;
COMMENT ON FUNCTION ar.customer_risk_at(date) IS
  'Rows of ar.v_customer_risk as they read on as_of: only invoices paid on or before as_of count';

CREATE VIEW ar.v_customer_risk WITH (security_invoker = true) AS
SELECT r.customer_id, r.paid_invoices, r.on_time_rate, r.mean_days_late, r.predicted_days_late, r.risk_class,
       c.customer_code, c.name AS customer_name, c.collector, r.effective_history, r.portfolio_mean_days_late,
       r.usual_pay_day, r.usual_pay_weekday
  FROM ar.customer_risk_at(CURRENT_DATE) r
  JOIN ar.customer c ON c.customer_id = r.customer_id;
COMMENT ON VIEW ar.v_customer_risk IS
  'Payment behaviour per customer from its paid invoices (C aggregate ar.payment_behaviour): on-time share, recency- and amount-weighted mean days late, the prediction shrunk toward the portfolio for thin histories, and risk class A-D (docs/dashboards.md)';
COMMENT ON COLUMN ar.v_customer_risk.customer_id IS 'Customer key';
COMMENT ON COLUMN ar.v_customer_risk.paid_invoices IS 'Invoices (kind invoice) the customer has paid in full';
COMMENT ON COLUMN ar.v_customer_risk.on_time_rate IS 'Share of those paid on or before the due date, in percent (NULL without history)';
COMMENT ON COLUMN ar.v_customer_risk.mean_days_late IS
  'Mean days late (settled - due; negative = early), weighted by amount and by recency (half-life 180 days); NULL without history';
COMMENT ON COLUMN ar.v_customer_risk.predicted_days_late IS
  'Expected days late of the next invoice: (n_eff * mean_days_late + 3 * portfolio mean) / (n_eff + 3), the portfolio mean without history';
COMMENT ON COLUMN ar.v_customer_risk.risk_class IS
  'A: predicted_days_late <= 5, B: <= 15, C: <= 30, D: more than 30 days late';
COMMENT ON COLUMN ar.v_customer_risk.customer_code IS 'Customer code (取引先コード)';
COMMENT ON COLUMN ar.v_customer_risk.customer_name IS 'Customer name';
COMMENT ON COLUMN ar.v_customer_risk.collector IS 'Role name of the customer''s collector';
COMMENT ON COLUMN ar.v_customer_risk.effective_history IS
  'Kish effective number of paid invoices n_eff = (sum w)^2 / sum w^2: how much history the mean rests on';
COMMENT ON COLUMN ar.v_customer_risk.portfolio_mean_days_late IS 'Weighted mean days late of the whole book (the prior)';
COMMENT ON COLUMN ar.v_customer_risk.usual_pay_day IS
  'Day of the month the customer usually pays on (0 = month end), when at least half of 3+ payments fell on it';
COMMENT ON COLUMN ar.v_customer_risk.usual_pay_weekday IS
  'ISO weekday (1 = Monday) the customer usually pays on, when at least half of 3+ payments fell on it';

------------------------------------------------------------------------------
-- Predicted pay date
------------------------------------------------------------------------------

-- The day of the month "dom" (0 = the last day) in the month starting at m;
-- a day beyond the month's length is its last day.
CREATE FUNCTION ar.month_day(m date, dom integer) RETURNS date
  -- Not STRICT, so that the planner inlines it (NULL in gives NULL out anyway).
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN dom = 0 THEN (m + interval '1 month')::date - 1
              ELSE LEAST(m + dom - 1, (m + interval '1 month')::date - 1) END;
COMMENT ON FUNCTION ar.month_day(date, integer) IS
  'Day dom (0 = the last day; beyond the month''s length = the last day) of the month starting at m';

-- The date nearest to d that falls on day dom of a month (ties: the later).
-- The nearest is this month's, or the previous month's when this month's
-- is not before d, or the next month's when it is.
CREATE FUNCTION ar.nearest_month_day(d date, dom integer) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
           WHEN ar.month_day(pg_catalog.date_trunc('month', d::timestamp)::date, dom) >= d THEN
             CASE WHEN d - ar.month_day((pg_catalog.date_trunc('month', d::timestamp) - interval '1 month')::date, dom)
                       < ar.month_day(pg_catalog.date_trunc('month', d::timestamp)::date, dom) - d
                  THEN ar.month_day((pg_catalog.date_trunc('month', d::timestamp) - interval '1 month')::date, dom)
                  ELSE ar.month_day(pg_catalog.date_trunc('month', d::timestamp)::date, dom) END
           ELSE
             CASE WHEN ar.month_day((pg_catalog.date_trunc('month', d::timestamp) + interval '1 month')::date, dom) - d
                       <= d - ar.month_day(pg_catalog.date_trunc('month', d::timestamp)::date, dom)
                  THEN ar.month_day((pg_catalog.date_trunc('month', d::timestamp) + interval '1 month')::date, dom)
                  ELSE ar.month_day(pg_catalog.date_trunc('month', d::timestamp)::date, dom) END
         END;
COMMENT ON FUNCTION ar.nearest_month_day(date, integer) IS
  'The date nearest to d on day dom of a month (0 = month end), the later one on a tie';

-- The due date plus the predicted days late, moved to the nearest usual
-- pay day of the month (else the nearest usual weekday, within three days),
-- then to the next business day of the calendar.  One expression, so that
-- the planner inlines it into the views.
CREATE FUNCTION ar.predict_pay_date(due_date date, predicted_days_late numeric, usual_pay_day integer,
                                    usual_pay_weekday integer, calendar text)
  RETURNS date
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN ar.adjust_business_day(
           CASE
             WHEN usual_pay_day IS NOT NULL THEN
               ar.nearest_month_day(due_date + pg_catalog.round(COALESCE(predicted_days_late, 0))::integer, usual_pay_day)
             WHEN usual_pay_weekday IS NOT NULL THEN
               due_date + pg_catalog.round(COALESCE(predicted_days_late, 0))::integer
               + ((usual_pay_weekday
                   - pg_catalog.date_part('isodow', (due_date + pg_catalog.round(COALESCE(predicted_days_late, 0))::integer)::timestamp)::integer
                   + 10) % 7) - 3
             ELSE due_date + pg_catalog.round(COALESCE(predicted_days_late, 0))::integer
           END,
           'following', calendar);
COMMENT ON FUNCTION ar.predict_pay_date(date, numeric, integer, integer, text) IS
  'Predicted pay date: due_date + predicted_days_late, moved to the nearest usual day of the month (else the nearest usual weekday), then to the following business day of the calendar';

------------------------------------------------------------------------------
-- ar.v_open_items: one row per open invoice (ar.open_items_at, 500), with
-- dispute, promise and the predicted pay date from the risk model above.
------------------------------------------------------------------------------

-- (0.1.0's view gains its prediction columns at the end; grants are kept.)
CREATE OR REPLACE VIEW ar.v_open_items WITH (security_invoker = true) AS
SELECT o.invoice_id, o.invoice_no, o.kind, o.customer_id, o.customer_code, o.customer_name, o.segment,
       o.collector, o.currency, o.amount, o.open_amount, o.issue_date, o.due_date, o.days_past_due,
       o.bucket, o.dunning_level,
       x.in_dispute, x.promised,
       CASE WHEN x.in_dispute THEN NULL
            WHEN o.days_past_due > (SELECT m.doubtful_after_days FROM ar.risk_model() m) THEN NULL
            WHEN x.promised_on > x.today AND o.days_past_due > 0 THEN x.promised_on
            WHEN y.predicted > x.today THEN y.predicted
            ELSE ar.adjust_business_day(x.today + 7, 'following', x.cal)
       END AS predicted_pay_date
  FROM ar.open_items_at(pg_catalog.now()) o
  JOIN ar.customer cu ON cu.customer_id = o.customer_id
 CROSS JOIN (SELECT ar.setting_value('default_calendar') AS cal) dc
  LEFT JOIN ar.customer_risk_at(CURRENT_DATE) r ON r.customer_id = o.customer_id
  -- Pending promises whose grace has not run out on the customer's today.
  LEFT JOIN (SELECT p.customer_id, p.currency, pg_catalog.min(p.promised_on) AS promised_on
               FROM ar.promise p
               JOIN ar.customer pc ON pc.customer_id = p.customer_id
              WHERE p.status = 'pending'
                AND p.promised_on + p.grace_days >= (pg_catalog.now() AT TIME ZONE pc.time_zone)::date
              GROUP BY p.customer_id, p.currency) pr ON pr.customer_id = o.customer_id AND pr.currency = o.currency
  LEFT JOIN (SELECT DISTINCT d.invoice_id FROM ar.dispute d WHERE d.status = 'open') od ON od.invoice_id = o.invoice_id
 CROSS JOIN LATERAL (
   SELECT od.invoice_id IS NOT NULL AS in_dispute,
          pr.promised_on,
          pr.promised_on IS NOT NULL AS promised,
          o.due_date + o.days_past_due AS today,
          COALESCE(cu.calendar, dc.cal) AS cal
 ) x
 CROSS JOIN LATERAL (
   SELECT ar.predict_pay_date(o.due_date, r.predicted_days_late, r.usual_pay_day, r.usual_pay_weekday, x.cal)
            AS predicted
 ) y;
COMMENT ON VIEW ar.v_open_items IS
  'One row per open invoice, with days past due in the customer''s time zone and its aging bucket (setting default_buckets)';
COMMENT ON COLUMN ar.v_open_items.invoice_id IS 'Invoice key';
COMMENT ON COLUMN ar.v_open_items.invoice_no IS 'Invoice number (請求書番号)';
COMMENT ON COLUMN ar.v_open_items.kind IS 'invoice, fee (dunning fee) or interest (late interest)';
COMMENT ON COLUMN ar.v_open_items.customer_id IS 'Customer key';
COMMENT ON COLUMN ar.v_open_items.customer_code IS 'Customer code (取引先コード)';
COMMENT ON COLUMN ar.v_open_items.customer_name IS 'Customer name';
COMMENT ON COLUMN ar.v_open_items.segment IS 'Customer segment';
COMMENT ON COLUMN ar.v_open_items.collector IS 'Role name of the customer''s collector';
COMMENT ON COLUMN ar.v_open_items.currency IS 'Currency of the invoice';
COMMENT ON COLUMN ar.v_open_items.amount IS 'Amount billed';
COMMENT ON COLUMN ar.v_open_items.open_amount IS 'Amount still owed';
COMMENT ON COLUMN ar.v_open_items.issue_date IS 'Date of issue';
COMMENT ON COLUMN ar.v_open_items.due_date IS 'Due date';
COMMENT ON COLUMN ar.v_open_items.days_past_due IS
  'Today''s date in the customer''s time zone minus the due date: 1 the day after the due date, 0 on it, negative before';
COMMENT ON COLUMN ar.v_open_items.bucket IS 'Aging bucket label under the setting default_buckets (current, 1-30, ..., 90+)';
COMMENT ON COLUMN ar.v_open_items.dunning_level IS 'Highest dunning step sent for the invoice in its current episode';
COMMENT ON COLUMN ar.v_open_items.in_dispute IS 'True while an open dispute (ar.dispute) names the invoice';
COMMENT ON COLUMN ar.v_open_items.promised IS
  'True while the customer has a pending promise to pay (ar.promise) in the invoice''s currency whose grace has not run out';
COMMENT ON COLUMN ar.v_open_items.predicted_pay_date IS
  'When the invoice is expected to be paid: NULL in dispute or more than 90 days past due (doubtful); for an overdue invoice, the promised date while a promise is pending; else ar.predict_pay_date from the customer''s risk; when that date has passed, the business day a week from today';

-- ---- schema/530_kpi.sql (new in 0.2.0) ----
-- Monthly receivables KPIs: ar.v_kpi_monthly.  Every formula, its source
-- and a worked example (which test/pgtap/71_kpis.sql checks) are in
-- docs/kpis.md.
--
-- Balances at each month end are not recomputed per month: every invoice
-- and allocation becomes a few dated changes ("deltas") of the total,
-- current and over-90 balances, summed per month and accumulated over
-- the months.  One pass over invoices and allocations, however many months.

CREATE FUNCTION ar.kpi_monthly_at(as_of date)
  RETURNS TABLE (currency char(3), month date, invoiced numeric, received numeric, ending_ar numeric,
                 dso_simple numeric, dso_countback numeric, best_possible_dso numeric, add_days numeric,
                 cei numeric, pct_current numeric, pct_over_90 numeric, write_off_ratio numeric,
                 promise_kept_rate numeric, auto_match_rate numeric, beginning_ar numeric,
                 current_ar numeric, over_90_ar numeric, written_off numeric, days_in_period integer)
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 50
  -- A one-shot wide query whose estimates are far above what it costs (a
  -- few hundred ms per million invoices): JIT compilation would take
  -- seconds and save nothing.
  SET jit = off
  SET search_path = pg_catalog, pg_temp
AS $$
  -- Every invoice and allocation changes the balances on a few dates; a
  -- change counts from the month of its date on, and not at all when dated
  -- after as_of.  So each row is first reduced to the months of its
  -- changes (NULL: none by as_of), rows with the same months are summed,
  -- and only those few sums are expanded into changes.
  WITH inv AS (
    SELECT i.currency,
           CASE WHEN i.issue_date <= as_of THEN pg_catalog.date_trunc('month', i.issue_date::timestamp) END AS m_issue,
           CASE WHEN i.due_date <= as_of THEN pg_catalog.date_trunc('month', i.due_date::timestamp) END AS m_due,
           CASE WHEN i.due_date + 91 <= as_of THEN pg_catalog.date_trunc('month', (i.due_date + 91)::timestamp) END AS m_o90,
           pg_catalog.sum(i.amount) AS amount
      FROM ar.invoice i
     WHERE i.status <> 'void' AND i.issue_date <= as_of
     GROUP BY 1, 2, 3, 4
  ), alloc AS (
    SELECT x.currency, x.is_wo,
           CASE WHEN x.applied_on <= as_of THEN pg_catalog.date_trunc('month', x.applied_on::timestamp) END AS m_applied,
           CASE WHEN x.reversed_on <= as_of THEN pg_catalog.date_trunc('month', x.reversed_on::timestamp) END AS m_reversed,
           CASE WHEN x.cur_from < x.cur_to AND x.cur_from <= as_of
                THEN pg_catalog.date_trunc('month', x.cur_from::timestamp) END AS m_cur_from,
           CASE WHEN x.cur_from < x.cur_to AND x.cur_to <= as_of
                THEN pg_catalog.date_trunc('month', x.cur_to::timestamp) END AS m_cur_to,
           CASE WHEN x.o90_from <= as_of THEN pg_catalog.date_trunc('month', x.o90_from::timestamp) END AS m_o90_from,
           CASE WHEN x.reversed_on > x.o90_from AND x.reversed_on <= as_of
                THEN pg_catalog.date_trunc('month', x.reversed_on::timestamp) END AS m_o90_to,
           pg_catalog.sum(x.amount) AS amount
      FROM (SELECT i.currency, a.kind = 'write_off' AS is_wo, a.applied_on, a.reversed_on, a.amount,
                   -- in force and the invoice current / over 90 days past due
                   GREATEST(a.applied_on, i.issue_date) AS cur_from, LEAST(a.reversed_on, i.due_date) AS cur_to,
                   GREATEST(a.applied_on, i.due_date + 91) AS o90_from
              FROM ar.allocation a
              JOIN ar.invoice i ON i.invoice_id = a.invoice_id
             WHERE i.status <> 'void' AND a.applied_on <= as_of) x
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ), ev AS (
    -- Invoices: receivable from the issue date, current until the due
    -- date, over 90 days past due from due + 91.
    SELECT v.currency, e.m, e.total, e.cur, e.o90, e.inv, 0::numeric AS wo
      FROM inv v
     CROSS JOIN LATERAL (VALUES (v.m_issue, v.amount, v.amount, 0::numeric, v.amount),
                                (v.m_due, 0::numeric, -v.amount, 0::numeric, 0::numeric),
                                (v.m_o90, 0::numeric, 0::numeric, v.amount, 0::numeric))
                         AS e(m, total, cur, o90, inv)
    UNION ALL
    -- Allocations: reduce the balances they fall in while in force
    -- (applied_on <= day < reversed_on).
    SELECT t.currency, e.m, e.total, e.cur, e.o90, 0::numeric, e.wo
      FROM alloc t
     CROSS JOIN LATERAL (VALUES (t.m_applied, -t.amount, 0::numeric, 0::numeric, CASE WHEN t.is_wo THEN t.amount ELSE 0 END),
                                (t.m_reversed, t.amount, 0::numeric, 0::numeric, CASE WHEN t.is_wo THEN -t.amount ELSE 0 END),
                                (t.m_cur_from, 0::numeric, -t.amount, 0::numeric, 0::numeric),
                                (t.m_cur_to, 0::numeric, t.amount, 0::numeric, 0::numeric),
                                (t.m_o90_from, 0::numeric, 0::numeric, -t.amount, 0::numeric),
                                (t.m_o90_to, 0::numeric, 0::numeric, t.amount, 0::numeric))
                         AS e(m, total, cur, o90, wo)
  ), flows AS (
    SELECT ev.currency, ev.m::date AS month,
           pg_catalog.sum(ev.total) AS total, pg_catalog.sum(ev.cur) AS cur, pg_catalog.sum(ev.o90) AS o90,
           pg_catalog.sum(ev.inv) AS inv, pg_catalog.sum(ev.wo) AS wo
      FROM ev
     WHERE ev.m IS NOT NULL
     GROUP BY 1, 2
  ), cash AS (
    SELECT p.currency, pg_catalog.date_trunc('month', p.received_on::timestamp)::date AS month,
           pg_catalog.sum(p.amount) AS received,
           pg_catalog.count(*) FILTER (WHERE p.method = 'bank_transfer') AS transfers,
           pg_catalog.count(*) FILTER (WHERE p.method = 'bank_transfer' AND p.matched_by = 'auto') AS auto_matched
      FROM ar.payment p
     WHERE p.status = 'received' AND p.received_on <= as_of
     GROUP BY 1, 2
  ), prom AS (
    SELECT p.currency, pg_catalog.date_trunc('month', COALESCE(p.evaluated_on, p.promised_on)::timestamp)::date AS month,
           pg_catalog.count(*) FILTER (WHERE p.status = 'kept') AS kept,
           pg_catalog.count(*) FILTER (WHERE p.status IN ('kept', 'broken')) AS evaluated
      FROM ar.promise p
     WHERE p.status IN ('kept', 'broken') AND COALESCE(p.evaluated_on, p.promised_on) <= as_of
     GROUP BY 1, 2
  ), months AS (
    SELECT r.currency, g::date AS month
      FROM (SELECT x.currency, pg_catalog.min(x.month) AS first
              FROM (SELECT f.currency, f.month FROM flows f
                    UNION ALL SELECT c.currency, c.month FROM cash c) x
             GROUP BY 1) r
     CROSS JOIN LATERAL pg_catalog.generate_series(r.first::timestamp, pg_catalog.date_trunc('month', as_of::timestamp), interval '1 month') g
  ), m AS (
    SELECT ms.currency, ms.month,
           COALESCE(f.inv, 0) AS invoiced,
           COALESCE(c.received, 0) AS received,
           pg_catalog.sum(COALESCE(f.total, 0)) OVER w AS ending,
           pg_catalog.sum(COALESCE(f.total, 0)) OVER w - COALESCE(f.total, 0) AS beginning,
           pg_catalog.sum(COALESCE(f.cur, 0)) OVER w AS current_ar,
           pg_catalog.sum(COALESCE(f.o90, 0)) OVER w AS over90,
           COALESCE(f.wo, 0) AS written_off,
           CASE WHEN ms.month = pg_catalog.date_trunc('month', as_of)::date THEN as_of - ms.month + 1
                ELSE (ms.month + interval '1 month')::date - ms.month END AS days,
           c.transfers, c.auto_matched, pr.kept, pr.evaluated
      FROM months ms
      LEFT JOIN flows f ON f.currency = ms.currency AND f.month = ms.month
      LEFT JOIN cash c ON c.currency = ms.currency AND c.month = ms.month
      LEFT JOIN prom pr ON pr.currency = ms.currency AND pr.month = ms.month
    WINDOW w AS (PARTITION BY ms.currency ORDER BY ms.month)
  ), cb AS (
    -- Count-back: walk back from the month, taking whole months of sales
    -- while they fit in the ending balance, then the fraction of the
    -- month that covers the rest.
    SELECT m.currency, m.month,
           CASE WHEN m.ending <= 0 THEN 0::numeric
                ELSE (SELECT k.days_before + (m.ending - k.sales_before) / k.invoiced * k.days
                        FROM (SELECT b.month, b.invoiced, b.days,
                                     COALESCE(pg_catalog.sum(b.invoiced) OVER v, 0) AS sales_before,
                                     COALESCE(pg_catalog.sum(b.days) OVER v, 0) AS days_before
                                FROM m b
                               WHERE b.currency = m.currency AND b.month <= m.month
                              WINDOW v AS (ORDER BY b.month DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) k
                       WHERE k.invoiced > 0 AND k.sales_before + k.invoiced >= m.ending
                       ORDER BY k.month DESC
                       LIMIT 1)
           END AS dso_countback
      FROM m
  )
  SELECT m.currency, m.month, m.invoiced, m.received, m.ending,
         pg_catalog.round(m.ending / NULLIF(m.invoiced, 0) * m.days, 1),
         pg_catalog.round(cb.dso_countback, 1),
         pg_catalog.round(m.current_ar / NULLIF(m.invoiced, 0) * m.days, 1),
         pg_catalog.round(m.ending / NULLIF(m.invoiced, 0) * m.days, 1)
           - pg_catalog.round(m.current_ar / NULLIF(m.invoiced, 0) * m.days, 1),
         pg_catalog.round(100 * (m.beginning + m.invoiced - m.ending)
                          / NULLIF(m.beginning + m.invoiced - m.current_ar, 0), 2),
         pg_catalog.round(100 * m.current_ar / NULLIF(m.ending, 0), 2),
         pg_catalog.round(100 * m.over90 / NULLIF(m.ending, 0), 2),
         pg_catalog.round(100 * m.written_off / NULLIF(m.invoiced, 0), 2),
         pg_catalog.round(100.0 * m.kept / NULLIF(m.evaluated, 0), 2),
         pg_catalog.round(100.0 * m.auto_matched / NULLIF(m.transfers, 0), 2),
         m.beginning, m.current_ar, m.over90, m.written_off, m.days
    FROM m
    JOIN cb ON cb.currency = m.currency AND cb.month = m.month
$$;
COMMENT ON FUNCTION ar.kpi_monthly_at(date) IS
  'Rows of ar.v_kpi_monthly as they read on as_of (the current month runs to as_of), with the balances behind the ratios (docs/kpis.md)';

CREATE VIEW ar.v_kpi_monthly WITH (security_invoker = true) AS
SELECT k.currency::character(3) AS currency, k.month, k.invoiced, k.received, k.ending_ar, k.dso_simple, k.dso_countback,
       k.best_possible_dso, k.add_days, k.cei, k.pct_current, k.pct_over_90, k.write_off_ratio,
       k.promise_kept_rate, k.auto_match_rate
  FROM ar.kpi_monthly_at(CURRENT_DATE) k;
COMMENT ON VIEW ar.v_kpi_monthly IS
  'Receivables KPIs per currency and month, the current month to date: DSO three ways, CEI, aging shares, write-offs, promises kept, automatic matching (formulas and sources in docs/kpis.md)';
COMMENT ON COLUMN ar.v_kpi_monthly.currency IS 'Currency of the amounts in this row';
COMMENT ON COLUMN ar.v_kpi_monthly.month IS 'First day of the month; the current month runs to today';
COMMENT ON COLUMN ar.v_kpi_monthly.invoiced IS 'Amount invoiced in the month (credit sales): invoices, fees and interest issued, void ones excluded';
COMMENT ON COLUMN ar.v_kpi_monthly.received IS 'Cash received in the month: payments with status received, identified or not';
COMMENT ON COLUMN ar.v_kpi_monthly.ending_ar IS 'Open invoice amount at the end of the month (today for the current month), allocations counted from applied_on to reversed_on';
COMMENT ON COLUMN ar.v_kpi_monthly.dso_simple IS 'Days sales outstanding, period method: ending_ar / invoiced * days in the month (NULL when nothing was invoiced)';
COMMENT ON COLUMN ar.v_kpi_monthly.dso_countback IS
  'DSO by the count-back method: the days of the latest months whose sales add up to ending_ar, the oldest month counted in proportion (NULL when the history falls short)';
COMMENT ON COLUMN ar.v_kpi_monthly.best_possible_dso IS 'Best possible DSO: current (not yet due) receivables / invoiced * days in the month';
COMMENT ON COLUMN ar.v_kpi_monthly.add_days IS 'Average days delinquent: dso_simple - best_possible_dso';
COMMENT ON COLUMN ar.v_kpi_monthly.cei IS
  'Collection effectiveness index, 0-100: (beginning AR + invoiced - ending AR) / (beginning AR + invoiced - ending current AR) * 100';
COMMENT ON COLUMN ar.v_kpi_monthly.pct_current IS 'Share of ending_ar not yet due at the end of the month, in percent';
COMMENT ON COLUMN ar.v_kpi_monthly.pct_over_90 IS 'Share of ending_ar more than 90 days past due at the end of the month, in percent';
COMMENT ON COLUMN ar.v_kpi_monthly.write_off_ratio IS 'Write-offs in the month (allocations of kind write_off, net of reversals) / invoiced, in percent';
COMMENT ON COLUMN ar.v_kpi_monthly.promise_kept_rate IS
  'Promises to pay evaluated in the month that were kept, in percent of those kept or broken (NULL when none)';
COMMENT ON COLUMN ar.v_kpi_monthly.auto_match_rate IS
  '自動消込率: bank-transfer payments received in the month that ar.auto_apply matched (matched_by = auto), in percent of all of them (NULL when none)';

-- ---- schema/540_forecast.sql (new in 0.2.0) ----
-- The look ahead: ar.v_cash_forecast (13 weeks of expected receipts) and
-- ar.v_prediction_backtest (how good the pay-date predictor has been,
-- measured only with what was known before each invoice fell due).  See
-- docs/dashboards.md.

CREATE VIEW ar.v_cash_forecast WITH (security_invoker = true) AS
WITH weeks AS (
  SELECT (pg_catalog.date_trunc('week', CURRENT_DATE)::date + 7 * g) AS week_start
    FROM pg_catalog.generate_series(0, 12) AS g
), expected AS (
  SELECT o.currency, pg_catalog.date_trunc('week', o.predicted_pay_date)::date AS week_start,
         pg_catalog.sum(o.open_amount) AS amount, pg_catalog.count(*) AS invoices
    FROM ar.v_open_items o
   WHERE o.predicted_pay_date IS NOT NULL
   GROUP BY 1, 2
), currencies AS (
  SELECT DISTINCT i.currency FROM ar.invoice i WHERE i.status = 'open'
)
SELECT c.currency, w.week_start, COALESCE(e.amount, 0) AS expected_amount,
       COALESCE(e.invoices, 0)::integer AS invoice_count
  FROM currencies c
 CROSS JOIN weeks w
  LEFT JOIN expected e ON e.currency = c.currency AND e.week_start = w.week_start
 ORDER BY c.currency, w.week_start;
COMMENT ON VIEW ar.v_cash_forecast IS
  'Expected receipts per currency for the 13 weeks from the current one: open amounts summed by the week of their predicted pay date (ar.v_open_items.predicted_pay_date: the customer''s predicted lateness, usual pay day and bank calendar; promises; disputed and doubtful invoices left out)';
COMMENT ON COLUMN ar.v_cash_forecast.currency IS 'Currency of the amounts';
COMMENT ON COLUMN ar.v_cash_forecast.week_start IS 'Monday of the week; the first row is the current week';
COMMENT ON COLUMN ar.v_cash_forecast.expected_amount IS 'Open amount of the invoices predicted to be paid in the week (0 when none)';
COMMENT ON COLUMN ar.v_cash_forecast.invoice_count IS 'Number of those invoices';

-- For every paid invoice due in a month up to as_of: the pay date the
-- predictor would have given on the day before the due date, from the
-- customer's invoices settled before then and the portfolio's settled
-- before the month began; beside it the naive guess (the due date).
CREATE FUNCTION ar.prediction_backtest_at(as_of date)
  RETURNS TABLE (month date, n integer, mae_days numeric, naive_mae_days numeric, bias_days numeric)
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 24
  SET jit = off
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH paid AS (
    SELECT i.invoice_id, i.customer_id, i.due_date, i.closed_on,
           pg_catalog.date_trunc('month', i.due_date)::date AS month,
           COALESCE(c.calendar, dc.cal) AS cal
      FROM ar.invoice i
      JOIN ar.customer c ON c.customer_id = i.customer_id
     CROSS JOIN (SELECT ar.setting_value('default_calendar') AS cal) dc
     WHERE i.status = 'paid' AND i.kind = 'invoice' AND i.closed_on <= as_of
  ), prior AS MATERIALIZED (
    -- Portfolio mean known when each month began.
    SELECT mo.month,
           (SELECT (ar.payment_behaviour(h.due_date, h.closed_on, h.amount, mo.month - 1,
                                         m.half_life_days)).mean_days_late
              FROM ar.invoice h
             WHERE h.status = 'paid' AND h.kind = 'invoice' AND h.closed_on < mo.month) AS mu
      FROM (SELECT DISTINCT p.month FROM paid p) mo
     CROSS JOIN ar.risk_model() m
  ), predicted AS (
    SELECT p.month, p.closed_on, p.due_date,
           ar.predict_pay_date(
             p.due_date,
             (CASE WHEN (b.b).mean_days_late IS NULL THEN pr.mu
                   ELSE ((b.b).effective_n * (b.b).mean_days_late + m.prior_strength * COALESCE(pr.mu, 0))
                        / ((b.b).effective_n + m.prior_strength) END)::numeric,
             (b.b).usual_pay_day, (b.b).usual_pay_weekday, p.cal) AS predicted_on
      FROM paid p
      JOIN prior pr ON pr.month = p.month
     CROSS JOIN ar.risk_model() m
     CROSS JOIN LATERAL (
       SELECT ar.payment_behaviour(h.due_date, h.closed_on, h.amount, p.due_date - 1,
                                   m.half_life_days) AS b
         FROM ar.invoice h
        WHERE h.customer_id = p.customer_id AND h.status = 'paid' AND h.kind = 'invoice'
          AND h.closed_on < p.due_date) b
  )
  SELECT x.month, pg_catalog.count(*)::integer,
         pg_catalog.round(pg_catalog.avg(pg_catalog.abs(x.closed_on - x.predicted_on)), 2),
         pg_catalog.round(pg_catalog.avg(pg_catalog.abs(x.closed_on - x.due_date)), 2),
         pg_catalog.round(pg_catalog.avg(x.closed_on - x.predicted_on), 2)
    FROM predicted x
   GROUP BY x.month
   ORDER BY x.month
$$;
COMMENT ON FUNCTION ar.prediction_backtest_at(date) IS
  'Rows of ar.v_prediction_backtest for the invoices paid by as_of';

CREATE VIEW ar.v_prediction_backtest WITH (security_invoker = true) AS
SELECT b.month, b.n, b.mae_days, b.naive_mae_days, b.bias_days
  FROM ar.prediction_backtest_at(CURRENT_DATE) b;
COMMENT ON VIEW ar.v_prediction_backtest IS
  'How well the pay-date predictor did, per month of due date: mean absolute error in days of the date predicted from what was known the day before the due date (the customer''s invoices settled before it, the portfolio''s settled before the month), against the naive guess "pays on the due date"';
COMMENT ON COLUMN ar.v_prediction_backtest.month IS 'Month of the due dates (first day)';
COMMENT ON COLUMN ar.v_prediction_backtest.n IS 'Paid invoices (kind invoice) due in the month';
COMMENT ON COLUMN ar.v_prediction_backtest.mae_days IS 'Mean absolute error in days of the predicted pay date against the date the invoice was settled';
COMMENT ON COLUMN ar.v_prediction_backtest.naive_mae_days IS 'Mean absolute error in days of the naive guess: paid on the due date';
COMMENT ON COLUMN ar.v_prediction_backtest.bias_days IS 'Mean of settled - predicted in days: positive when payments came later than predicted';

-- ---- schema/550_operations_views.sql (new in 0.2.0) ----
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

-- Last: nothing of what this update created is granted to PUBLIC (as
-- schema/990_privileges.sql does for a fresh install).  Run
-- ar.create_roles() afterwards to grant the new functions to the ar_* roles.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ar FROM PUBLIC;
