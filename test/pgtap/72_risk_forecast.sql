-- Payment behaviour and prediction: the C aggregate ar.payment_behaviour
-- (weights, usual pay day, errors, the parallel path), ar.v_customer_risk
-- (shrinkage and classes), ar.predict_pay_date (usual day, weekday, bank
-- calendar), the prediction columns of ar.v_open_items, ar.v_cash_forecast
-- (13 weeks) and the honesty of ar.v_prediction_backtest.
BEGIN;
SELECT plan(65);

-- The aggregate -----------------------------------------------------------------
SELECT is((SELECT (b).paid_invoices FROM (SELECT ar.payment_behaviour(d, p, 100, '2026-01-31', 180) b
                                            FROM (VALUES ('2026-01-10'::date, '2026-01-20'::date),
                                                         ('2026-01-20', '2026-01-20')) v(d, p)) x),
          2::bigint, 'two rows counted');
SELECT is((SELECT (b).mean_days_late FROM (SELECT ar.payment_behaviour(d, p, 100, '2026-01-31', 180) b
                                             FROM (VALUES ('2026-01-10'::date, '2026-01-20'::date),
                                                          ('2026-01-20', '2026-01-20')) v(d, p)) x),
          5::double precision, 'equal weights: the plain mean of 10 and 0 days late');
SELECT is((SELECT (b).on_time_rate FROM (SELECT ar.payment_behaviour(d, p, 100, '2026-01-31', 180) b
                                           FROM (VALUES ('2026-01-10'::date, '2026-01-20'::date),
                                                        ('2026-01-20', '2026-01-20')) v(d, p)) x),
          0.5::double precision, 'one of two on time');
SELECT is((SELECT round((b).effective_n::numeric, 6) FROM (SELECT ar.payment_behaviour(d, p, 100, '2026-01-31', 180) b
                                             FROM (VALUES ('2026-01-10'::date, '2026-01-20'::date),
                                                          ('2026-01-20', '2026-01-20')) v(d, p)) x),
          2.000000, 'effective n of two equal weights is 2');
SELECT is((SELECT round((b).mean_days_late::numeric, 9) FROM (SELECT ar.payment_behaviour(d, p, a, '2026-01-31', 180) b
                                             FROM (VALUES ('2026-01-20'::date, '2026-01-20'::date, 300),
                                                          ('2026-01-12', '2026-01-20', 100)) v(d, p, a)) x),
          2.000000000, 'amount-weighted: (300 x 0 + 100 x 8) / 400');
SELECT is((SELECT round((b).mean_days_late::numeric, 9) FROM (SELECT ar.payment_behaviour(d, p, 100, '2026-07-01', 180) b
                                             FROM (VALUES ('2026-07-01'::date, '2026-07-01'::date),
                                                          ('2025-12-03', '2026-01-02')) v(d, p)) x),
          10.000000000, 'recency-weighted: a payment 180 days older weighs half: (1 x 0 + 0.5 x 30) / 1.5');
SELECT is((SELECT round((b).plain_mean_days_late::numeric, 6) FROM (SELECT ar.payment_behaviour(d, p, 100, '2026-07-01', 180) b
                                             FROM (VALUES ('2026-07-01'::date, '2026-07-01'::date),
                                                          ('2025-12-03', '2026-01-02')) v(d, p)) x),
          15.000000, 'the plain mean is unweighted');
SELECT is((SELECT ROW((b).paid_invoices, (b).mean_days_late, (b).on_time_rate)::text
             FROM (SELECT ar.payment_behaviour(d, d, 1, '2026-01-01', 180) b FROM (SELECT NULL::date AS d WHERE false) e) x),
          '(0,,)', 'over no rows: nothing paid, no mean');
SELECT is((SELECT (b).paid_invoices FROM (SELECT ar.payment_behaviour(d, p, a, '2026-01-31', 180) b
                                            FROM (VALUES ('2026-01-10'::date, NULL::date, 100::numeric),
                                                         ('2026-01-10', '2026-01-12', NULL),
                                                         ('2026-01-10', '2026-01-12', 5)) v(d, p, a)) x),
          1::bigint, 'rows with a NULL date or amount are skipped');
SELECT is((SELECT (b).usual_pay_day FROM (SELECT ar.payment_behaviour(p - 3, p, 100, '2026-12-31', 180) b
                                            FROM (VALUES ('2026-01-25'::date), ('2026-02-25'), ('2026-04-25'), ('2026-05-07')) v(p)) x),
          25, 'usual pay day: 3 of 4 payments on the 25th');
SELECT is((SELECT (b).usual_pay_day FROM (SELECT ar.payment_behaviour(p - 3, p, 100, '2026-12-31', 180) b
                                            FROM (VALUES ('2026-01-31'::date), ('2026-02-28'), ('2026-04-30')) v(p)) x),
          0, 'month ends of different lengths are one usual day (0)');
SELECT is((SELECT (b).usual_pay_day FROM (SELECT ar.payment_behaviour(p - 3, p, 100, '2026-12-31', 180) b
                                            FROM (VALUES ('2026-01-25'::date), ('2026-02-25')) v(p)) x),
          NULL, 'two payments are too few for a usual day');
SELECT is((SELECT ROW((b).usual_pay_day, (b).usual_pay_weekday)::text
             FROM (SELECT ar.payment_behaviour(p - 3, p, 100, '2026-12-31', 180) b
                     FROM (VALUES ('2026-01-06'::date), ('2026-01-13'), ('2026-02-03'), ('2026-02-12')) v(p)) x),
          '(,2)', 'usual weekday: three Tuesdays of four payments, no usual day of the month');

SELECT throws_ok($$SELECT ar.payment_behaviour('2026-01-01', '2026-01-02', 0, '2026-02-01', 180)$$, '22023',
                 'amount 0 of ar.payment_behaviour must be greater than zero', 'a zero amount is refused');
SELECT throws_ok($$SELECT ar.payment_behaviour('2026-01-01', '2026-01-02', 'NaN', '2026-02-01', 180)$$, '22023',
                 'amount NaN of ar.payment_behaviour must be greater than zero', 'a NaN amount is refused');
SELECT throws_ok($$SELECT ar.payment_behaviour('2026-01-01', '2026-01-02', -2.50, '2026-02-01', 180)$$, '22023',
                 'amount -2.50 of ar.payment_behaviour must be greater than zero', 'a negative amount is refused, as written');
SELECT is((SELECT round((b).mean_days_late::numeric, 6) FROM (SELECT ar.payment_behaviour(d, p, a, '2026-01-31', 180) b
                                             FROM (VALUES ('2026-01-20'::date, '2026-01-20'::date, 3e20),
                                                          ('2026-01-12', '2026-01-20', 1e20 + 0.000000001)) v(d, p, a)) x),
          2.000000, 'amounts beyond the fast decoding path weigh the same');
SELECT throws_ok($$SELECT ar.payment_behaviour('2026-01-01', '2026-01-02', 10, '2026-02-01', 0)$$, '22023',
                 'half_life_days 0 of ar.payment_behaviour must be greater than zero', 'a zero half-life is refused');
SELECT throws_ok($$SELECT ar.payment_behaviour('2026-01-01', '2026-03-02', 10, '2026-02-01', 180)$$, '22023',
                 'payment date 2026-03-02 is after as_of 2026-02-01', 'a payment after as_of is refused');
SELECT throws_ok($$SELECT ar.payment_behaviour('2026-01-01', '2026-01-02', 10, NULL, 180)$$, '22004',
                 'as_of and half_life_days of ar.payment_behaviour must not be null', 'a NULL as_of is refused');
SELECT throws_ok($$SELECT ar.payment_behaviour('2026-01-01', '2026-01-02', 10, a, 180)
                     FROM (VALUES ('2026-02-01'::date), ('2026-02-02')) v(a)$$, '22023',
                 'ar.payment_behaviour: as_of must be the same for every row of a group', 'a changing as_of is refused');
SELECT throws_ok($$SELECT ar.payment_behaviour('2026-01-01', '2026-01-02', 10, '2026-02-01', h)
                     FROM (VALUES (180::float8), (90)) v(h)$$, '22023',
                 'ar.payment_behaviour: half-life must be the same for every row of a group', 'a changing half-life is refused');
SELECT throws_ok($$SELECT ar.payment_behaviour('infinity', '2026-01-02', 10, '2026-02-01', 180)$$, '22008',
                 NULL, 'an infinite date is refused');

-- The parallel path: serial and parallel give the same result.
CREATE TABLE ar_test_risk_parallel AS
SELECT (g % 500)::bigint AS k, '2025-01-01'::date + (g % 400) AS due,
       '2025-01-01'::date + (g % 400) + ((g * 37) % 61 - 10) AS paid, ((g * 7919) % 100000 + 1)::numeric AS amount
  FROM generate_series(1, 200000) g;
ANALYZE ar_test_risk_parallel;
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT string_agg(k || ':' || (b).paid_invoices || ':' || (b).on_time_invoices || ':' || round((b).mean_days_late::numeric, 6)
                  || ':' || COALESCE((b).usual_pay_day, -1) || ':' || COALESCE((b).usual_pay_weekday, -1), ' ' ORDER BY k) AS serial_risk
  FROM (SELECT k, ar.payment_behaviour(due, paid, amount, '2026-06-01', 180) b FROM ar_test_risk_parallel GROUP BY k) x \gset
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_leader_participation = off;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    p := p || r || E'\n';
  END LOOP;
  RETURN p;
END
$$;
SELECT matches(pg_temp.plan_of($$SELECT (ar.payment_behaviour(due, paid, amount, '2026-06-01', 180)).mean_days_late
                                   FROM ar_test_risk_parallel$$),
               'Finalize Aggregate.*Gather.*Workers Launched: [12].*Partial Aggregate', 'the aggregate runs in parallel workers');
SELECT string_agg(k || ':' || (b).paid_invoices || ':' || (b).on_time_invoices || ':' || round((b).mean_days_late::numeric, 6)
                  || ':' || COALESCE((b).usual_pay_day, -1) || ':' || COALESCE((b).usual_pay_weekday, -1), ' ' ORDER BY k) AS par_risk
  FROM (SELECT k, ar.payment_behaviour(due, paid, amount, '2026-06-01', 180) b FROM ar_test_risk_parallel GROUP BY k) x \gset
SELECT is(:'par_risk'::text, :'serial_risk'::text, 'parallel states combine to the serial result');
SELECT is((SELECT round((ar.payment_behaviour(due, paid, amount, '2026-06-01', 180)).mean_days_late::numeric, 6)
             FROM ar_test_risk_parallel),
          (SELECT round(sum(amount::float8 * 2 ^ (-('2026-06-01' - paid) / 180.0) * (paid - due))::numeric
                        / sum(amount::float8 * 2 ^ (-('2026-06-01' - paid) / 180.0))::numeric, 6) FROM ar_test_risk_parallel),
          'the weighted mean equals the plain SQL formula');
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- Customer risk -----------------------------------------------------------------
-- All paid on 2026-05-20, the same amount, so every payment weighs the same:
-- P 20 invoices on time, B 8 invoices 10 days late, L 8 at 20, D 8 at 45,
-- T one invoice 45 days late (thin), N none.
CREATE FUNCTION pg_temp.paid_invoice(code text, no text, due date, paid date, amount numeric) RETURNS void
LANGUAGE sql AS $$
  WITH i AS (INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount)
             SELECT c.customer_id, no, due - 30, due, c.currency, amount FROM ar.customer c WHERE c.customer_code = code
             RETURNING invoice_id, customer_id, currency),
       p AS (INSERT INTO ar.payment (customer_id, received_on, currency, amount)
             SELECT i.customer_id, paid, i.currency, amount FROM i RETURNING payment_id)
  INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
  SELECT i.invoice_id, 'payment', p.payment_id, amount, paid FROM i, p
$$;
INSERT INTO ar.customer (customer_code, name, currency)
SELECT c, 'Risk ' || c, 'JPY' FROM unnest(ARRAY['RP', 'RB', 'RL', 'RD', 'RT', 'RN']) c;
SELECT pg_temp.paid_invoice(v.code, v.code || '-' || g, '2026-05-20'::date - v.late, '2026-05-20', 10000)
  FROM (VALUES ('RP', 0, 20), ('RB', 10, 8), ('RL', 20, 8), ('RD', 45, 8), ('RT', 45, 1)) v(code, late, n),
       LATERAL generate_series(1, v.n) g;

CREATE TEMP TABLE r AS
SELECT c.customer_code, x.* FROM ar.customer_risk_at('2026-06-01') x JOIN ar.customer c USING (customer_id)
 WHERE c.customer_code LIKE 'R_';
-- Portfolio mean: (20 x 0 + 8 x 10 + 8 x 20 + 8 x 45 + 1 x 45) / 45 = 645 / 45 = 14.33
SELECT is((SELECT DISTINCT portfolio_mean_days_late FROM r), 14.3, 'the portfolio mean is the weighted mean of every payment');
SELECT is((SELECT paid_invoices FROM r WHERE customer_code = 'RP'), 20::bigint, 'paid invoices counted');
SELECT is((SELECT on_time_rate FROM r WHERE customer_code = 'RP'), 100.0, 'prompt payer: 100 % on time');
SELECT is((SELECT on_time_rate FROM r WHERE customer_code = 'RL'), 0.0, 'late payer: 0 % on time');
SELECT is((SELECT mean_days_late FROM r WHERE customer_code = 'RD'), 45.0, 'mean days late');
SELECT is((SELECT predicted_days_late FROM r WHERE customer_code = 'RP'), round((20 * 0 + 3 * 645 / 45.0) / 23, 1),
          'P: (20 x 0 + 3 x 14.33) / 23');
SELECT is((SELECT predicted_days_late FROM r WHERE customer_code = 'RB'), round((8 * 10 + 3 * 645 / 45.0) / 11, 1),
          'B: (8 x 10 + 3 x 14.33) / 11');
SELECT is((SELECT predicted_days_late FROM r WHERE customer_code = 'RT'), round((1 * 45 + 3 * 645 / 45.0) / 4, 1),
          'T: one invoice 45 days late is shrunk to (45 + 3 x 14.33) / 4');
SELECT is((SELECT predicted_days_late FROM r WHERE customer_code = 'RN'), 14.3, 'N: no history, the portfolio mean');
SELECT is((SELECT paid_invoices FROM r WHERE customer_code = 'RN'), 0::bigint, 'N: no paid invoice');
SELECT is((SELECT string_agg(customer_code || ':' || risk_class, ' ' ORDER BY customer_code) FROM r),
          'RB:B RD:D RL:C RN:B RP:A RT:C', 'classes: A <= 5, B <= 15, C <= 30, D above');
SELECT is((SELECT risk_class FROM r WHERE customer_code = 'RT'), 'C',
          'a single late payment does not make a D: the thin history is shrunk');
SELECT is((SELECT count(*)::int FROM ar.customer_risk_at('2026-05-19') x
            JOIN ar.customer c USING (customer_id) WHERE c.customer_code LIKE 'R_' AND x.paid_invoices > 0),
          0, 'read before the payments, nobody has history');

-- Predicted pay dates ------------------------------------------------------------
SELECT is(ar.predict_pay_date('2026-03-10', 3, 25, NULL, 'JP-BANK'), '2026-03-25'::date,
          'snapped to the nearest usual day of the month');
SELECT is(ar.predict_pay_date('2026-04-20', 7, 0, NULL, 'JP-BANK'), '2026-04-30'::date,
          'snapped to the month end');
SELECT is(ar.nearest_month_day('2026-02-20', 31), '2026-02-28'::date, 'day 31 in February is its last day, nearer than January 31');
SELECT is(ar.nearest_month_day('2026-03-02', 30), '2026-02-28'::date, 'day 30 nearest to March 2 is February''s last day');
SELECT is(ar.predict_pay_date('2026-03-10', 3, NULL, 2, 'JP-BANK'), '2026-03-10'::date,
          'snapped to the nearest usual weekday (Friday 13th -> Tuesday 10th)');
SELECT is(ar.predict_pay_date('2026-03-10', 10, NULL, NULL, 'JP-BANK'), '2026-03-23'::date,
          'Friday 2026-03-20 is a holiday (春分の日): the next business day');
SELECT is(ar.predict_pay_date('2026-02-20', 8.4, NULL, NULL, 'JP-BANK'), '2026-03-02'::date,
          'days late rounded: 02-28 is a Saturday, so Monday 03-02');

-- Open items and the forecast (relative to today) --------------------------------
-- Customer F: six invoices paid 10 days late on scattered days, so no usual
-- day; it is the only history in this part, so the portfolio agrees.
CREATE FUNCTION pg_temp.forget(pattern text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ar.reverse_allocation(a.allocation_id, 'test reset')
     FROM ar.allocation a JOIN ar.customer c USING (customer_id)
    WHERE c.customer_code LIKE pattern AND a.reversed_on IS NULL;
  PERFORM ar.void_invoice(i.invoice_id, 'test reset')
     FROM ar.invoice i JOIN ar.customer c USING (customer_id)
    WHERE c.customer_code LIKE pattern AND i.status = 'open';
END
$$;
SELECT pg_temp.forget('R_');
INSERT INTO ar.customer (customer_code, name, currency) VALUES ('FC', 'Forecast KK', 'JPY'), ('FU', 'Forecast Inc', 'USD');
SELECT pg_temp.paid_invoice('FC', 'FC-H' || g, CURRENT_DATE - 200 + 9 * g, CURRENT_DATE - 190 + 9 * g, 1000)
  FROM generate_series(1, 6) g;
SELECT is((SELECT predicted_days_late FROM ar.v_customer_risk WHERE customer_code = 'FC'), 10.0,
          'F is predicted 10 days late');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount)
SELECT c.customer_id, v.no, CURRENT_DATE - 200, CURRENT_DATE + v.due, c.currency, v.amount
  FROM ar.customer c,
       (VALUES ('FC-OPEN', 14, 5000), ('FC-DISP', 14, 7000), ('FC-OLD', -120, 9000), ('FC-LATE', -20, 3000)) v(no, due, amount)
 WHERE c.customer_code = 'FC';
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount)
SELECT c.customer_id, 'FU-1', CURRENT_DATE - 10, CURRENT_DATE + 30, 'USD', 12.34 FROM ar.customer c WHERE c.customer_code = 'FU';
INSERT INTO ar.dispute (invoice_id, reason) SELECT invoice_id, 'wrong quantity' FROM ar.invoice WHERE invoice_no = 'FC-DISP';

SELECT is((SELECT predicted_pay_date FROM ar.v_open_items WHERE invoice_no = 'FC-OPEN'),
          ar.adjust_business_day(CURRENT_DATE + 24, 'following', 'JP-BANK'),
          'an open invoice: due date + 10 days, on a business day');
SELECT is((SELECT ROW(in_dispute, predicted_pay_date)::text FROM ar.v_open_items WHERE invoice_no = 'FC-DISP'),
          '(t,)', 'a disputed invoice is flagged and not expected');
SELECT is((SELECT predicted_pay_date FROM ar.v_open_items WHERE invoice_no = 'FC-OLD'), NULL,
          'more than 90 days past due: not expected (doubtful)');
SELECT is((SELECT predicted_pay_date FROM ar.v_open_items WHERE invoice_no = 'FC-LATE'),
          ar.adjust_business_day(CURRENT_DATE + 7, 'following', 'JP-BANK'),
          'past its predicted date: expected a week from today');
SELECT is((SELECT bool_or(promised) FROM ar.v_open_items WHERE customer_code = 'FC'), false, 'no promise yet');
INSERT INTO ar.promise (customer_id, amount, currency, promised_on)
SELECT customer_id, 3000, 'JPY', CURRENT_DATE + 3 FROM ar.customer WHERE customer_code = 'FC';
SELECT is((SELECT ROW(promised, predicted_pay_date)::text FROM ar.v_open_items WHERE invoice_no = 'FC-LATE'),
          ROW(true, CURRENT_DATE + 3)::text, 'a pending promise: expected on the promised date');

SELECT is((SELECT count(*)::int FROM ar.v_cash_forecast WHERE currency = 'JPY'), 13, '13 weeks of JPY');
SELECT is((SELECT count(*)::int FROM ar.v_cash_forecast WHERE currency = 'USD'), 13, '13 weeks of USD');
SELECT is((SELECT array_agg(week_start ORDER BY week_start) FROM ar.v_cash_forecast WHERE currency = 'JPY'),
          (SELECT array_agg(date_trunc('week', CURRENT_DATE)::date + 7 * g ORDER BY g) FROM generate_series(0, 12) g),
          'Mondays from the current week on');
SELECT is((SELECT expected_amount FROM ar.v_cash_forecast WHERE currency = 'JPY'
            AND week_start = date_trunc('week', ar.adjust_business_day(CURRENT_DATE + 24, 'following', 'JP-BANK'))::date),
          5000::numeric, 'the open invoice is expected in the week of its predicted date');
SELECT is((SELECT sum(expected_amount) FROM ar.v_cash_forecast WHERE currency = 'JPY'), 8000::numeric,
          'the forecast holds the open and the promised invoice, not the disputed or doubtful ones');
SELECT is((SELECT sum(invoice_count)::int FROM ar.v_cash_forecast WHERE currency = 'JPY'), 2, 'two invoices expected');
SELECT is((SELECT sum(expected_amount) FROM ar.v_cash_forecast WHERE currency = 'USD'), 12.34::numeric,
          'USD apart, predicted from the portfolio mean');

-- Backtest honesty ----------------------------------------------------------------
-- Customer H pays 14 days late, always on a Wednesday (dates chosen clear
-- of holidays); the book holds nothing else paid.
INSERT INTO ar.customer (customer_code, name, currency) VALUES ('BH', 'Backtest KK', 'JPY');
SELECT pg_temp.paid_invoice('BH', 'BH-' || v.due, v.due::date, v.due::date + 14, 20000)
  FROM (VALUES ('2026-01-07'), ('2026-02-04'), ('2026-03-11')) v(due);
CREATE TEMP TABLE b1 AS SELECT * FROM ar.prediction_backtest_at('2026-04-30');
SELECT is((SELECT string_agg(month || ' ' || n || ' ' || mae_days || ' ' || naive_mae_days, '; ' ORDER BY month) FROM b1),
          '2026-01-01 1 14.00 14.00; 2026-02-01 1 0.00 14.00; 2026-03-01 1 0.00 14.00',
          'January has no history (guess: the due date); February and March learn the 14 days');
SELECT pg_temp.paid_invoice('BH', 'BH-LATER', '2026-04-08', '2026-05-20', 20000);
SELECT is((SELECT string_agg(month || ' ' || n || ' ' || mae_days || ' ' || naive_mae_days, '; ' ORDER BY month)
             FROM ar.prediction_backtest_at('2026-06-30') WHERE month < '2026-04-01'),
          (SELECT string_agg(month || ' ' || n || ' ' || mae_days || ' ' || naive_mae_days, '; ' ORDER BY month) FROM b1),
          'a later, much later payment changes nothing in the earlier months');
SELECT is((SELECT ROW(n, mae_days, naive_mae_days)::text FROM ar.prediction_backtest_at('2026-06-30') WHERE month = '2026-04-01'),
          '(1,28.00,42.00)', 'April: predicted 14 days late (a Wednesday), paid 42 days late');
SELECT is((SELECT count(*)::int FROM ar.prediction_backtest_at('2026-05-19') WHERE month = '2026-04-01'), 0,
          'read before that payment, April has nothing paid to measure');

SELECT is_empty($$SELECT * FROM ar.verify_ledger()$$, 'the ledger holds');
SELECT * FROM finish();
ROLLBACK;
