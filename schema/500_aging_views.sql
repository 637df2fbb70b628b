-- Aging views and the as-of aging report; see docs/aging.md.
--
-- The views show the book now: open amounts as they are, days past due
-- counted to today's date in each customer's own time zone.  Each view is
-- a thin wrapper over a function taking the instant explicitly
-- (ar.open_items_at, ar.customer_aging_at, ar.aging_summary_at), so what
-- the views will show at another moment can be asked for and tested.
-- Those functions are plain SQL that the planner inlines into the calling
-- query (a filter on customer_id reaches the indexes), so they carry no
-- SET search_path.  Their bodies are SQL-standard (BEGIN ATOMIC): parsed
-- once, at CREATE EXTENSION, with every name, operator and cast bound then,
-- so a caller's search_path (a public.= planted for bigint, say) never
-- reaches them; a $$-quoted body would be parsed again at each call.
--
-- Unapplied cash (payments not yet allocated) and open credits (credit
-- notes not yet allocated) are columns of their own, never netted into a
-- bucket.

------------------------------------------------------------------------------
-- Open items
------------------------------------------------------------------------------

CREATE FUNCTION ar.open_items_at(at_time timestamptz)
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

-- ar.v_open_items itself is defined in 520_risk.sql: it carries the
-- predicted pay date, which needs the risk model.

------------------------------------------------------------------------------
-- Aging per customer and currency
------------------------------------------------------------------------------

CREATE FUNCTION ar.customer_aging_at(at_time timestamptz)
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

CREATE VIEW ar.v_aging WITH (security_invoker = true) AS
SELECT a.customer_id, a.customer_code, a.customer_name, a.segment, a.collector, a.currency,
       a.current, a.d1_30, a.d31_60, a.d61_90, a.d90_plus, a.total_open, a.overdue_total,
       a.oldest_days_past_due, a.open_items, a.unapplied_cash, a.open_credits, a.net_balance,
       a.bucket_labels, a.bucket_amounts
  FROM ar.customer_aging_at(pg_catalog.now()) a;
COMMENT ON VIEW ar.v_aging IS
  'Aging per customer and currency: open invoice amounts by days past due (30/60/90 columns, and the default_buckets arrays), with unapplied cash and open credits beside them, never netted into a bucket';
COMMENT ON COLUMN ar.v_aging.customer_id IS 'Customer key';
COMMENT ON COLUMN ar.v_aging.customer_code IS 'Customer code (取引先コード)';
COMMENT ON COLUMN ar.v_aging.customer_name IS 'Customer name';
COMMENT ON COLUMN ar.v_aging.segment IS 'Customer segment';
COMMENT ON COLUMN ar.v_aging.collector IS 'Role name of the customer''s collector';
COMMENT ON COLUMN ar.v_aging.currency IS 'Currency of the amounts in this row';
COMMENT ON COLUMN ar.v_aging.current IS 'Open amount not yet due (days past due 0 or less)';
COMMENT ON COLUMN ar.v_aging.d1_30 IS 'Open amount 1 to 30 days past due';
COMMENT ON COLUMN ar.v_aging.d31_60 IS 'Open amount 31 to 60 days past due';
COMMENT ON COLUMN ar.v_aging.d61_90 IS 'Open amount 61 to 90 days past due';
COMMENT ON COLUMN ar.v_aging.d90_plus IS 'Open amount more than 90 days past due';
COMMENT ON COLUMN ar.v_aging.total_open IS 'Open amount of all invoices (the sum of the buckets), before unapplied cash and credits';
COMMENT ON COLUMN ar.v_aging.overdue_total IS 'Open amount past due (days past due 1 or more)';
COMMENT ON COLUMN ar.v_aging.oldest_days_past_due IS
  'Days past due of the oldest open invoice (negative when none is due yet; NULL without open invoices)';
COMMENT ON COLUMN ar.v_aging.open_items IS 'Number of open invoices';
COMMENT ON COLUMN ar.v_aging.unapplied_cash IS 'Payments received from the customer and not yet allocated to invoices';
COMMENT ON COLUMN ar.v_aging.open_credits IS 'Credit notes issued to the customer and not yet allocated to invoices';
COMMENT ON COLUMN ar.v_aging.net_balance IS 'total_open - unapplied_cash - open_credits: what the customer owes once its cash and credits are applied';
COMMENT ON COLUMN ar.v_aging.bucket_labels IS 'Labels of the buckets of the setting default_buckets';
COMMENT ON COLUMN ar.v_aging.bucket_amounts IS 'Open amount per bucket of the setting default_buckets, in the order of bucket_labels';

------------------------------------------------------------------------------
-- Aging per currency
------------------------------------------------------------------------------

CREATE FUNCTION ar.aging_summary_at(at_time timestamptz)
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

CREATE VIEW ar.v_aging_summary WITH (security_invoker = true) AS
SELECT s.currency, s.customers, s.open_items, s.current, s.d1_30, s.d31_60, s.d61_90, s.d90_plus,
       s.total_open, s.overdue_total, s.pct_current, s.pct_d1_30, s.pct_d31_60, s.pct_d61_90,
       s.pct_d90_plus, s.pct_overdue, s.unapplied_cash, s.unidentified_cash, s.open_credits,
       s.net_balance, s.bucket_labels, s.bucket_amounts
  FROM ar.aging_summary_at(pg_catalog.now()) s;
COMMENT ON VIEW ar.v_aging_summary IS
  'Aging of the whole book per currency, with each bucket''s share of the open total; unapplied cash and open credits beside it, never netted into a bucket';
COMMENT ON COLUMN ar.v_aging_summary.currency IS 'Currency of the amounts in this row';
COMMENT ON COLUMN ar.v_aging_summary.customers IS 'Customers with open invoices in this currency';
COMMENT ON COLUMN ar.v_aging_summary.open_items IS 'Number of open invoices';
COMMENT ON COLUMN ar.v_aging_summary.current IS 'Open amount not yet due (days past due 0 or less)';
COMMENT ON COLUMN ar.v_aging_summary.d1_30 IS 'Open amount 1 to 30 days past due';
COMMENT ON COLUMN ar.v_aging_summary.d31_60 IS 'Open amount 31 to 60 days past due';
COMMENT ON COLUMN ar.v_aging_summary.d61_90 IS 'Open amount 61 to 90 days past due';
COMMENT ON COLUMN ar.v_aging_summary.d90_plus IS 'Open amount more than 90 days past due';
COMMENT ON COLUMN ar.v_aging_summary.total_open IS 'Open amount of all invoices (the sum of the buckets)';
COMMENT ON COLUMN ar.v_aging_summary.overdue_total IS 'Open amount past due (days past due 1 or more)';
COMMENT ON COLUMN ar.v_aging_summary.pct_current IS 'Share of total_open not yet due, in percent (2 decimals; NULL when nothing is open)';
COMMENT ON COLUMN ar.v_aging_summary.pct_d1_30 IS 'Share of total_open 1 to 30 days past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.pct_d31_60 IS 'Share of total_open 31 to 60 days past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.pct_d61_90 IS 'Share of total_open 61 to 90 days past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.pct_d90_plus IS 'Share of total_open more than 90 days past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.pct_overdue IS 'Share of total_open past due, in percent';
COMMENT ON COLUMN ar.v_aging_summary.unapplied_cash IS 'Payments of identified customers not yet allocated to invoices';
COMMENT ON COLUMN ar.v_aging_summary.unidentified_cash IS 'Payments whose customer is not yet identified (see cash application)';
COMMENT ON COLUMN ar.v_aging_summary.open_credits IS 'Credit notes not yet allocated to invoices';
COMMENT ON COLUMN ar.v_aging_summary.net_balance IS 'total_open - unapplied_cash - unidentified_cash - open_credits';
COMMENT ON COLUMN ar.v_aging_summary.bucket_labels IS 'Labels of the buckets of the setting default_buckets';
COMMENT ON COLUMN ar.v_aging_summary.bucket_amounts IS 'Open amount per bucket of the setting default_buckets, in the order of bucket_labels';

------------------------------------------------------------------------------
-- ar.aging_report: the book as it stood at the end of a past date
------------------------------------------------------------------------------

CREATE FUNCTION ar.aging_report(as_of date DEFAULT CURRENT_DATE,
                                buckets ar.aging_buckets DEFAULT '30,60,90',
                                group_by text DEFAULT 'customer',
                                age_by text DEFAULT 'due_date')
  RETURNS TABLE (group_key text, currency char(3), labels text[], amounts numeric[], total numeric)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  out_labels text[];
  zeros numeric[];
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of of ar.aging_report must not be null'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF buckets IS NULL THEN
    RAISE EXCEPTION 'buckets of ar.aging_report must not be null'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass bucket bounds such as ''30,60,90''.';
  END IF;
  IF group_by IS NULL OR group_by NOT IN ('customer', 'segment', 'collector', 'currency', 'total') THEN
    RAISE EXCEPTION 'unknown aging_report grouping "%"', group_by
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Group by customer, segment, collector, currency or total.';
  END IF;
  IF age_by IS NULL OR age_by NOT IN ('due_date', 'issue_date') THEN
    RAISE EXCEPTION 'unknown aging_report age_by "%"', age_by
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Age by due_date (days past due) or issue_date (days since issue).';
  END IF;

  out_labels := ar.aging_labels(buckets) || ARRAY['unapplied_cash', 'open_credits'];
  zeros := array_fill(0::numeric, ARRAY[cardinality(out_labels) - 2]);

  -- One stream of signed amounts, aggregated once per group: each invoice
  -- issued by as_of, minus each allocation in force then, in the invoice's
  -- bucket; each payment and credit note, minus its allocations in force.
  -- Summing allocations per document first would cost a numeric sum() per
  -- invoice; streaming them costs one row each.
  RETURN QUERY
  WITH inv AS NOT MATERIALIZED (
    SELECT i.invoice_id, i.customer_id, i.currency, i.amount,
           as_of - CASE WHEN age_by = 'issue_date' THEN i.issue_date ELSE i.due_date END AS days
      FROM ar.invoice i
     WHERE i.issue_date <= as_of AND i.status <> 'void'
  ), act AS NOT MATERIALIZED (
    -- Allocations in force at the end of as_of.
    SELECT a.invoice_id, a.payment_id, a.credit_note_id, a.kind, a.amount
      FROM ar.allocation a
     WHERE a.applied_on <= as_of AND (a.reversed_on IS NULL OR a.reversed_on > as_of)
  ), items AS (
    SELECT 1 AS src, v.customer_id, v.currency, v.amount, v.days FROM inv v
    UNION ALL
    SELECT 1, v.customer_id, v.currency, -t.amount, v.days
      FROM act t JOIN inv v ON v.invoice_id = t.invoice_id
    UNION ALL
    SELECT 2, p.customer_id, p.currency, p.amount, NULL::integer
      FROM ar.payment p
     WHERE p.received_on <= as_of AND p.status = 'received'
    UNION ALL
    SELECT 2, p.customer_id, p.currency, -t.amount, NULL::integer
      FROM act t JOIN ar.payment p ON p.payment_id = t.payment_id
     WHERE t.kind = 'payment' AND p.received_on <= as_of AND p.status = 'received'
    UNION ALL
    SELECT 3, n.customer_id, n.currency, n.amount, NULL::integer
      FROM ar.credit_note n
     WHERE n.issue_date <= as_of
    UNION ALL
    SELECT 3, n.customer_id, n.currency, -t.amount, NULL::integer
      FROM act t JOIN ar.credit_note n ON n.credit_note_id = t.credit_note_id
     WHERE t.kind = 'credit_note' AND n.issue_date <= as_of
  )
  SELECT g.k, g.cur, out_labels,
         COALESCE(g.aged, zeros) || ARRAY[g.cash, g.credits],
         g.total
    FROM (SELECT CASE group_by
                   WHEN 'customer' THEN c.customer_code
                   WHEN 'segment' THEN c.segment
                   WHEN 'collector' THEN c.collector
                   WHEN 'currency' THEN it.currency::text
                   ELSE 'total'
                 END AS k,
                 it.currency AS cur,
                 ar.aging_sum(it.amount, it.days, buckets) FILTER (WHERE it.src = 1) AS aged,
                 COALESCE(sum(it.amount) FILTER (WHERE it.src = 1), 0) AS total,
                 COALESCE(sum(it.amount) FILTER (WHERE it.src = 2), 0) AS cash,
                 COALESCE(sum(it.amount) FILTER (WHERE it.src = 3), 0) AS credits
            FROM items it
            LEFT JOIN ar.customer c ON c.customer_id = it.customer_id
           GROUP BY 1, 2) g
   -- Groups with nothing open then are left out.
   WHERE COALESCE(g.aged, zeros) <> zeros OR g.cash <> 0 OR g.credits <> 0
   ORDER BY g.cur, g.k NULLS LAST;
END
$$;
COMMENT ON FUNCTION ar.aging_report(date, ar.aging_buckets, text, text) IS
  'Aging of the book as it stood at the end of as_of (allocations from applied_on, reversals from reversed_on), per group (customer, segment, collector, currency or total) and currency; labels are the buckets then unapplied_cash and open_credits; total is the open invoice amount';
