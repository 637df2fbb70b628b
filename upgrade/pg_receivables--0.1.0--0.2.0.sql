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
BEGIN
  SELECT pg_catalog.bool_and(v.restoring) AS restoring,
         (pg_catalog.array_agg(v.msg ORDER BY v.allocation_id) FILTER (WHERE v.msg IS NOT NULL))[1] AS msg,
         (pg_catalog.array_agg(v.state ORDER BY v.allocation_id) FILTER (WHERE v.msg IS NOT NULL))[1] AS state,
         (pg_catalog.array_agg(v.hint ORDER BY v.allocation_id) FILTER (WHERE v.msg IS NOT NULL))[1] AS hint
    INTO r
    FROM (SELECT n.allocation_id, ar.is_restoring_row(n.created_at) AS restoring,
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
                   END AS problem) x) v;
  IF r.msg IS NOT NULL THEN
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
   WHERE NOT r.restoring
  UNION ALL
  SELECT 'payment', 'UPDATE', (pay.new_row).payment_id,
         pg_catalog.jsonb_build_object('unapplied_amount', (pay.new_row).unapplied_amount + pay.total),
         pg_catalog.jsonb_build_object('unapplied_amount', (pay.new_row).unapplied_amount)
    FROM pay
   WHERE NOT r.restoring
  UNION ALL
  SELECT 'credit_note', 'UPDATE', (cn.new_row).credit_note_id,
         pg_catalog.jsonb_build_object('unapplied_amount', (cn.new_row).unapplied_amount + cn.total),
         pg_catalog.jsonb_build_object('unapplied_amount', (cn.new_row).unapplied_amount)
    FROM cn
   WHERE NOT r.restoring;
  PERFORM pg_catalog.set_config('ar.maintaining_balances', 'off', true);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_apply() IS
  'Statement trigger: validates new allocations and takes them off invoice, payment and credit-note balances (internal)';

-- Last: nothing of what this update created is granted to PUBLIC (as
-- schema/990_privileges.sql does for a fresh install).  Run
-- ar.create_roles() afterwards to grant the new functions to the ar_* roles.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ar FROM PUBLIC;
