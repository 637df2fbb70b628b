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
