-- What a dunning step puts in a notice, charges, and hands over.

-- The data a notice template is rendered with: exactly the data contract of
-- docs/templates.md, amounts and dates formatted for the customer's locale.
-- Built by plain expressions so that PostgreSQL inlines them into the
-- set-based queries of run_dunning and run_alerts (hence no SET clause:
-- every name is qualified instead).

-- One listed invoice; raw invoice_id and open_amount_value stay beside the
-- formatted values for workers and for ar.claim_notifications.
CREATE FUNCTION ar.notice_invoice(invoice_id bigint, invoice_no text, issue_date date, due_date date, amount numeric,
                                  open_amount numeric, days_past_due integer, currency char(3), locale text)
  RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN pg_catalog.jsonb_build_object(
           'invoice_id', invoice_id, 'invoice_no', invoice_no,
           'issue_date', ar.format_date(issue_date, locale), 'due_date', ar.format_date(due_date, locale),
           'amount', ar.format_money(amount, currency, locale),
           'open_amount', ar.format_money(open_amount, currency, locale),
           'open_amount_value', open_amount, 'days_past_due', days_past_due);
COMMENT ON FUNCTION ar.notice_invoice(bigint, text, date, date, numeric, numeric, integer, char, text) IS
  'One invoice of a notice''s data: formatted dates and amounts, with the raw id and open amount (internal)';

-- The whole data object, given the customer, the listed invoices (built
-- with ar.notice_invoice, oldest due first) and their totals, and the
-- company object of the customer's locale (ar.template_company).
CREATE FUNCTION ar.notice_data(c ar.customer, currency char(3), local_date date, overdue_total numeric,
                               invoices jsonb, listed_total numeric, listed_count bigint, oldest_days integer,
                               company jsonb)
  RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN pg_catalog.jsonb_build_object(
           'today', ar.format_date(local_date, c.locale),
           'pay_by', ar.format_date(local_date + 7, c.locale),
           'currency', currency,
           'total_overdue', ar.format_money(overdue_total, currency, c.locale),
           'total_amount', ar.format_money(listed_total, currency, c.locale),
           'invoice_count', listed_count,
           'days_past_due', oldest_days,
           'invoices', invoices,
           'customer', pg_catalog.jsonb_build_object('code', c.customer_code, 'name', c.name,
                                                     'email', COALESCE(c.email, ''), 'phone', COALESCE(c.phone, '')),
           'company', company,
           'collector', COALESCE(c.collector, ''),
           'promise', NULL,
           'alert', NULL);
COMMENT ON FUNCTION ar.notice_data(ar.customer, char, date, numeric, jsonb, numeric, bigint, integer, jsonb) IS
  'Template data of a notice, per the data contract of docs/templates.md (internal)';

-- Everything a collection agency needs about a customer: open invoices,
-- contacts, promises, disputes, payments.
CREATE FUNCTION ar.dunning_case_file(customer_id bigint) RETURNS jsonb
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.jsonb_build_object(
    'case', pg_catalog.jsonb_build_object(
      'customer', (SELECT pg_catalog.to_jsonb(c) - 'metadata' FROM ar.customer c WHERE c.customer_id = $1),
      'open_invoices', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(i) ORDER BY i.due_date)
                                   FROM ar.invoice i WHERE i.customer_id = $1 AND i.status = 'open'), '[]'),
      'payments', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                     'received_on', p.received_on, 'amount', p.amount, 'currency', p.currency,
                                     'unapplied_amount', p.unapplied_amount) ORDER BY p.received_on)
                              FROM ar.payment p WHERE p.customer_id = $1 AND p.status = 'received'), '[]'),
      'contacts', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(l) ORDER BY l.contacted_at)
                              FROM ar.contact_log l WHERE l.customer_id = $1), '[]'),
      'promises', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(pr) ORDER BY pr.made_on)
                              FROM ar.promise pr WHERE pr.customer_id = $1), '[]'),
      'disputes', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(d) ORDER BY d.opened_on)
                              FROM ar.dispute d WHERE d.customer_id = $1), '[]')))
$$;
COMMENT ON FUNCTION ar.dunning_case_file(bigint) IS
  'The whole case of a customer (open invoices, payments, contacts, promises, disputes) as handed to a collection agency';

-- fee= and interest= options of the steps being sent (rows of the run's
-- pg_temp.ar_dun_sent): a fee invoice, and late interest (annual %,
-- actual/365, on the open amount, each day once from the day after the due
-- date) as one interest invoice per step.  Invoice numbers derive from
-- episode and step, so a step is charged once.
CREATE FUNCTION ar.dunning_charge_fees(as_of timestamptz) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  WITH fee AS (
    INSERT INTO ar.invoice (customer_id, invoice_no, kind, issue_date, due_date, currency, amount, description, metadata)
    SELECT sn.customer_id, 'FEE-' || sn.episode_id || '-' || sn.step_no, 'fee', sn.local_date, sn.local_date,
           sn.currency, pg_catalog.round(sn.fee_amount, cur.minor_unit),
           pg_catalog.format('Dunning fee (step %s)', sn.step_no),
           pg_catalog.jsonb_build_object('episode_id', sn.episode_id, 'step_no', sn.step_no)
      FROM pg_temp.ar_dun_sent sn
      JOIN ar.currency cur ON cur.code = sn.currency
     WHERE pg_catalog.round(sn.fee_amount, cur.minor_unit) > 0
       AND NOT EXISTS (SELECT 1 FROM ar.invoice i WHERE i.invoice_no = 'FEE-' || sn.episode_id || '-' || sn.step_no)
    RETURNING invoice_id, customer_id, currency, amount, (metadata ->> 'episode_id')::bigint AS episode_id,
              (metadata ->> 'step_no')::integer AS step_no
  )
  INSERT INTO pg_temp.ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, step_no, reason, invoice_id)
  SELECT f.customer_id, f.currency, f.episode_id, sn.policy_id, 'fee_charged', f.step_no,
         'fee ' || f.amount, f.invoice_id
    FROM fee f JOIN pg_temp.ar_dun_sent sn ON sn.episode_id = f.episode_id AND sn.step_no = f.step_no;

  -- Interest accrues per overdue invoice (not on fees or interest) from the
  -- day after its due date or after the last day already charged.
  CREATE TEMP TABLE ar_dun_interest ON COMMIT DROP AS
  SELECT sn.customer_id, sn.currency, sn.episode_id, sn.step_no, sn.policy_id, sn.interest_rate, it.invoice_id,
         it.open_amount, GREATEST(it.due_date + 1, COALESCE(last.through_date + 1, it.due_date + 1)) AS from_date,
         sn.local_date AS through_date
    FROM pg_temp.ar_dun_sent sn
    JOIN pg_temp.ar_dun_items it ON it.customer_id = sn.customer_id AND it.currency = sn.currency AND it.dpd >= 1
    JOIN ar.invoice i ON i.invoice_id = it.invoice_id AND i.kind = 'invoice'
    LEFT JOIN LATERAL (SELECT pg_catalog.max(ic.through_date) AS through_date
                         FROM ar.interest_charge ic WHERE ic.invoice_id = it.invoice_id) last ON true
   WHERE sn.interest_rate > 0
     AND NOT EXISTS (SELECT 1 FROM ar.invoice x WHERE x.invoice_no = 'INT-' || sn.episode_id || '-' || sn.step_no);
  DELETE FROM ar_dun_interest WHERE from_date > through_date;

  WITH per_step AS (
    SELECT x.customer_id, x.currency, x.episode_id, x.step_no, x.policy_id,
           pg_catalog.round(pg_catalog.sum(x.open_amount * x.interest_rate / 100
                                           * (x.through_date - x.from_date + 1) / 365), cur.minor_unit) AS amount,
           pg_catalog.max(x.through_date) AS local_date
      FROM ar_dun_interest x JOIN ar.currency cur ON cur.code = x.currency
     GROUP BY x.customer_id, x.currency, x.episode_id, x.step_no, x.policy_id, cur.minor_unit
  ), billed AS (
    INSERT INTO ar.invoice (customer_id, invoice_no, kind, issue_date, due_date, currency, amount, description, metadata)
    SELECT s.customer_id, 'INT-' || s.episode_id || '-' || s.step_no, 'interest', s.local_date, s.local_date,
           s.currency, s.amount, pg_catalog.format('Late interest (step %s)', s.step_no),
           pg_catalog.jsonb_build_object('episode_id', s.episode_id, 'step_no', s.step_no)
      FROM per_step s WHERE s.amount > 0
    RETURNING invoice_id, (metadata ->> 'episode_id')::bigint AS episode_id, (metadata ->> 'step_no')::integer AS step_no
  ), charged AS (
    INSERT INTO ar.interest_charge (customer_id, invoice_id, interest_invoice_id, from_date, through_date,
                                    principal, rate, amount)
    SELECT x.customer_id, x.invoice_id, b.invoice_id, x.from_date, x.through_date, x.open_amount, x.interest_rate,
           x.open_amount * x.interest_rate / 100 * (x.through_date - x.from_date + 1) / 365
      FROM ar_dun_interest x JOIN billed b ON b.episode_id = x.episode_id AND b.step_no = x.step_no
    RETURNING interest_invoice_id
  )
  INSERT INTO pg_temp.ar_dun_decision (customer_id, currency, episode_id, policy_id, decision, step_no, reason, invoice_id)
  SELECT s.customer_id, s.currency, s.episode_id, s.policy_id, 'interest_charged', s.step_no,
         'interest ' || s.amount, b.invoice_id
    FROM per_step s JOIN billed b ON b.episode_id = s.episode_id AND b.step_no = s.step_no;
  DROP TABLE ar_dun_interest;
END
$$;
COMMENT ON FUNCTION ar.dunning_charge_fees(timestamptz) IS
  'Charges the fee= and interest= options of the dunning steps being sent (internal part of ar.run_dunning)';
