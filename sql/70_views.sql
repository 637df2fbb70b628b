\set SHOW_CONTEXT never
-- The dashboard views as a BI tool or \d+ shows them: what each view
-- answers, then every column with its type and explanation.  A reviewer
-- reads and approves this text; test/pgtap/74_views_bi.sql checks that
-- nothing is left unexplained.
\pset format aligned
\pset tuples_only off
SELECT c.relname AS view, obj_description(c.oid, 'pg_class') AS answers
  FROM pg_class c
 WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'v'
   AND c.relname IN ('v_kpi_monthly', 'v_customer_risk', 'v_cash_forecast', 'v_prediction_backtest',
                     'v_collector_worklist', 'v_dunning_pipeline', 'v_dunning_effectiveness', 'v_promises',
                     'v_disputes', 'v_notification_queue')
 ORDER BY 1;
SELECT c.relname AS view, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       col_description(c.oid, a.attnum) AS meaning
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'v'
   AND c.relname IN ('v_kpi_monthly', 'v_customer_risk', 'v_cash_forecast', 'v_prediction_backtest',
                     'v_collector_worklist', 'v_dunning_pipeline', 'v_dunning_effectiveness', 'v_promises',
                     'v_disputes', 'v_notification_queue')
 ORDER BY c.relname, a.attnum;
-- The prediction columns v_open_items gains.
SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       col_description(a.attrelid, a.attnum) AS meaning
  FROM pg_attribute a
 WHERE a.attrelid = 'ar.v_open_items'::regclass AND a.attname IN ('in_dispute', 'promised', 'predicted_pay_date')
 ORDER BY a.attnum;
-- The risk model's constants.
SELECT * FROM ar.risk_model();
-- A bad amount is refused with its value.
SELECT ar.payment_behaviour('2026-01-01', '2026-01-05', -1, '2026-02-01', 180);
SELECT ar.payment_behaviour('2026-01-01', '2026-03-05', 1, '2026-02-01', 180);
