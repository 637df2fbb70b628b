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

CREATE VIEW ar.v_open_items WITH (security_invoker = true) AS
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
