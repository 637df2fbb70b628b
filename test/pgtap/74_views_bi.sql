-- BI-ready: every view of pg_receivables is explained (COMMENT ON the view
-- and every column), security_invoker, readable by a login member of
-- ar_reader, and the dashboard views keep their column names and types
-- (the pinned list below: changing a view's columns fails this test until
-- the list, and the BI models built on it, are updated on purpose).
BEGIN;
SELECT plan(9);

SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('v', 'm')
              AND obj_description(c.oid, 'pg_class') IS NULL),
          NULL, 'every ar view has a comment');
SELECT is((SELECT array_agg(c.relname || '.' || a.attname ORDER BY c.relname, a.attnum) FROM pg_class c
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('v', 'm')
              AND col_description(c.oid, a.attnum) IS NULL),
          NULL, 'every column of every ar view has a comment');
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'v'
              AND NOT COALESCE('security_invoker=true' = ANY (c.reloptions), false)),
          NULL, 'every ar view is security_invoker, so row security reaches through it');
SELECT ok((SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'v') >= 13,
          'the views are there');

-- A login member of ar_reader reads every view.
SELECT ar.create_roles();
CREATE ROLE ar_test_bi LOGIN IN ROLE ar_reader;
CREATE FUNCTION pg_temp.unreadable_views() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  v text;
  bad text[] := '{}';
BEGIN
  FOR v IN SELECT c.oid::regclass::text FROM pg_class c
            WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('v', 'm') ORDER BY 1 LOOP
    BEGIN
      EXECUTE format('SELECT * FROM %s LIMIT 1', v);
    EXCEPTION WHEN OTHERS THEN
      bad := bad || (v || ': ' || SQLSTATE || ' ' || SQLERRM);
    END;
  END LOOP;
  RETURN bad;
END
$$;
-- Something to read in every view.
INSERT INTO ar.customer (customer_code, name, currency) VALUES ('BI1', 'BI KK', 'JPY');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount)
SELECT customer_id, 'BI-1', CURRENT_DATE - 60, CURRENT_DATE - 30, 'JPY', 1000 FROM ar.customer WHERE customer_code = 'BI1';
SET LOCAL ROLE ar_test_bi;
SELECT is(pg_temp.unreadable_views(), '{}'::text[], 'a login member of ar_reader can SELECT from every view');
SELECT is((SELECT count(*)::int FROM ar.v_collector_worklist WHERE customer_code = 'BI1'), 1, '... and sees the rows');
SELECT throws_ok($$INSERT INTO ar.customer (customer_code, name, currency) VALUES ('BI2', 'x', 'JPY')$$, '42501', NULL,
                 '... but writes nothing');
RESET ROLE;

-- The pinned columns of the dashboard views (SPEC.md, "Views for dashboards").
CREATE TEMP TABLE pinned (name text, cols text);
INSERT INTO pinned VALUES
    ('v_aging',
     'customer_id bigint, customer_code text, customer_name text, segment text, collector text, currency bpchar, current numeric, d1_30 numeric, d31_60 numeric, d61_90 numeric, d90_plus numeric, total_open numeric, overdue_total numeric, oldest_days_past_due integer, open_items integer, unapplied_cash numeric, open_credits numeric, net_balance numeric, bucket_labels text[], bucket_amounts numeric[]'),
    ('v_aging_summary',
     'currency bpchar, customers integer, open_items integer, current numeric, d1_30 numeric, d31_60 numeric, d61_90 numeric, d90_plus numeric, total_open numeric, overdue_total numeric, pct_current numeric, pct_d1_30 numeric, pct_d31_60 numeric, pct_d61_90 numeric, pct_d90_plus numeric, pct_overdue numeric, unapplied_cash numeric, unidentified_cash numeric, open_credits numeric, net_balance numeric, bucket_labels text[], bucket_amounts numeric[]'),
    ('v_cash_forecast',
     'currency character(3), week_start date, expected_amount numeric, invoice_count integer'),
    ('v_collector_worklist',
     'customer_id bigint, customer_code text, customer_name text, collector text, currency character(3), priority numeric, priority_rank bigint, overdue_amount numeric, overdue_invoices integer, oldest_days_past_due integer, risk_class text, predicted_days_late numeric, dunning_level integer, next_step text, task_due_on date, last_contact_at timestamp with time zone, last_contact_channel text, last_contact_outcome text, open_promises integer, promised_amount numeric, next_promised_on date, open_disputes integer, disputed_amount numeric'),
    ('v_customer_risk',
     'customer_id bigint, paid_invoices bigint, on_time_rate numeric, mean_days_late numeric, predicted_days_late numeric, risk_class text, customer_code text, customer_name text, collector text, effective_history numeric, portfolio_mean_days_late numeric, usual_pay_day integer, usual_pay_weekday integer'),
    ('v_disputes',
     'dispute_id bigint, invoice_id bigint, invoice_no text, customer_id bigint, customer_code text, customer_name text, collector text, currency character(3), amount numeric, invoice_open_amount numeric, due_date date, reason text, status text, opened_on date, resolved_on date, age_days integer, resolution text, created_by text'),
    ('v_dunning_effectiveness',
     'policy_id bigint, policy_name text, step_no integer, channel text, template text, currency character(3), notices_sent integer, customers integer, paid_within_7d_pct numeric, paid_within_14d_pct numeric, paid_within_30d_pct numeric, amount_recovered numeric'),
    ('v_dunning_pipeline',
     'policy_id bigint, policy_name text, currency character(3), step_no integer, channel text, template text, customers integer, overdue_amount numeric, oldest_started_on date, last_notice_at timestamp with time zone'),
    ('v_kpi_monthly',
     'currency character(3), month date, invoiced numeric, received numeric, ending_ar numeric, dso_simple numeric, dso_countback numeric, best_possible_dso numeric, add_days numeric, cei numeric, pct_current numeric, pct_over_90 numeric, write_off_ratio numeric, promise_kept_rate numeric, auto_match_rate numeric'),
    ('v_notification_queue',
     'channel text, status text, notifications integer, oldest_created_at timestamp with time zone, oldest_age interval, due_now integer, next_scheduled_for timestamp with time zone, attempts integer'),
    ('v_open_items',
     'invoice_id bigint, invoice_no text, kind text, customer_id bigint, customer_code text, customer_name text, segment text, collector text, currency bpchar, amount numeric, open_amount numeric, issue_date date, due_date date, days_past_due integer, bucket text, dunning_level integer, in_dispute boolean, promised boolean, predicted_pay_date date'),
    ('v_prediction_backtest',
     'month date, n integer, mae_days numeric, naive_mae_days numeric, bias_days numeric'),
    ('v_promises',
     'promise_id bigint, customer_id bigint, customer_code text, customer_name text, collector text, currency character(3), amount numeric, made_on date, promised_on date, grace_until date, status text, paid_amount numeric, evaluated_on date, days_until_promised integer, customer_overdue_amount numeric, created_by text, note text');
SELECT is((SELECT array_agg(p.name ORDER BY p.name) FROM pinned p WHERE to_regclass('ar.' || p.name) IS NULL),
          NULL, 'every pinned view exists');
SELECT is((SELECT array_agg(c.relname || ': ' || c.cols ORDER BY c.relname)
             FROM (SELECT c.relname::text AS relname,
                          string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS cols
                     FROM pg_class c
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'v'
                    GROUP BY c.relname) c
             JOIN pinned p ON p.name = c.relname),
          (SELECT array_agg(p.name || ': ' || p.cols ORDER BY p.name) FROM pinned p),
          'the dashboard views keep their column names, order and types');

SELECT * FROM finish();
ROLLBACK;
