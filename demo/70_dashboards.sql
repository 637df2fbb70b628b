-- The dashboards over the demo book after its simulated quarter
-- (demo/60_quarter.sql): KPIs, the collector worklist, risk classes, the
-- cash forecast and how good its predictions have been.  docs/dashboards.md
-- and docs/kpis.md explain every column.
\echo
\echo '=== 8. Dashboards: aging, KPIs, worklist, risk, forecast ==='
\echo 'Aging summary of the book (ar.v_aging_summary):'
SELECT currency, customers, open_items AS items, current, d1_30, d31_60, d61_90, d90_plus, total_open,
       pct_overdue AS "overdue %", unapplied_cash AS unapplied, unidentified_cash AS unidentified
  FROM ar.v_aging_summary ORDER BY currency;

\echo 'KPIs of the quarter''s full months (ar.v_kpi_monthly; the demo book bills monthly up to October):'
SELECT currency, to_char(month, 'YYYY-MM') AS month, invoiced, received, ending_ar,
       dso_simple AS dso, dso_countback AS "dso cb", best_possible_dso AS bpdso, add_days AS add,
       cei, pct_current AS "% current", pct_over_90 AS "% 90+", promise_kept_rate AS "% kept",
       auto_match_rate AS "% auto-matched"
  FROM ar.v_kpi_monthly
 WHERE month >= date_trunc('month', current_date) - interval '3 months' AND month < date_trunc('month', current_date)
 ORDER BY currency, month;

\echo 'Top of the worklist, yen (ar.v_collector_worklist; priority = overdue x risk x age):'
SELECT priority_rank AS "#", customer_code, customer_name, overdue_amount, oldest_days_past_due AS "days",
       risk_class AS risk, priority, next_step, to_char(last_contact_at, 'MM-DD') AS "last contact",
       open_promises AS promises, open_disputes AS disputes
  FROM ar.v_collector_worklist
 WHERE currency = 'JPY'
 ORDER BY priority_rank
 LIMIT 10;

\echo 'Customers per risk class (ar.v_customer_risk):'
SELECT risk_class, count(*) AS customers, round(avg(predicted_days_late), 1) AS "avg predicted days late",
       round(avg(on_time_rate), 1) AS "avg % on time", round(avg(paid_invoices), 1) AS "avg paid invoices"
  FROM ar.v_customer_risk
 GROUP BY risk_class ORDER BY risk_class;

\echo 'Cash forecast, 13 weeks (ar.v_cash_forecast):'
SELECT week_start AS "week of",
       sum(expected_amount) FILTER (WHERE currency = 'JPY') AS "JPY expected",
       sum(invoice_count) FILTER (WHERE currency = 'JPY') AS "JPY invoices",
       sum(expected_amount) FILTER (WHERE currency = 'USD') AS "USD expected",
       sum(invoice_count) FILTER (WHERE currency = 'USD') AS "USD invoices"
  FROM ar.v_cash_forecast
 GROUP BY week_start ORDER BY week_start;

\echo 'How good were the predicted pay dates? (ar.v_prediction_backtest, by month of due date):'
SELECT to_char(month, 'YYYY-MM') AS month, n, mae_days AS "predictor MAE (days)", naive_mae_days AS "naive MAE (days)",
       bias_days AS bias
  FROM ar.v_prediction_backtest ORDER BY month;
SELECT sum(n) AS "paid invoices", round(sum(n * mae_days) / sum(n), 2) AS "predictor MAE (days)",
       round(sum(n * naive_mae_days) / sum(n), 2) AS "naive MAE (days)"
  FROM ar.v_prediction_backtest;

\echo 'Dunning steps and what followed them (ar.v_dunning_effectiveness, yen):'
SELECT step_no AS step, channel, template, notices_sent AS notices, paid_within_7d_pct AS "% paid 7d",
       paid_within_14d_pct AS "% 14d", paid_within_30d_pct AS "% 30d", amount_recovered AS recovered
  FROM ar.v_dunning_effectiveness WHERE currency = 'JPY' ORDER BY step_no;
