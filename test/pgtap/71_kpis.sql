-- ar.v_kpi_monthly: the worked example of docs/kpis.md, number by number.
-- A small yen book over December 2025 to March 2026, read on 2026-03-31;
-- every expected figure below is computed by hand in docs/kpis.md.
BEGIN;
SELECT plan(72);

INSERT INTO ar.customer (customer_code, name, currency) VALUES ('K1', 'Kpi Example KK', 'JPY');

CREATE TEMP TABLE inv AS SELECT NULL::text AS k, NULL::bigint AS id LIMIT 0;
WITH i AS (
  INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, currency, amount)
  SELECT c.customer_id, v.no, v.issue::date, v.due::date, 'JPY', v.amount
    FROM ar.customer c,
         (VALUES ('KPI-E', '2025-12-01', '2025-12-20', 40000),
                 ('KPI-A', '2026-01-10', '2026-02-09', 100000),
                 ('KPI-B', '2026-01-20', '2026-02-19', 50000),
                 ('KPI-F', '2026-02-01', '2026-03-03', 999),
                 ('KPI-C', '2026-02-15', '2026-03-17', 80000),
                 ('KPI-D', '2026-03-05', '2026-04-04', 60000)) v(no, issue, due, amount)
   WHERE c.customer_code = 'K1'
  RETURNING invoice_no, invoice_id)
INSERT INTO inv SELECT invoice_no, invoice_id FROM i;

-- F is voided: it counts nowhere.
SELECT ar.void_invoice((SELECT id FROM inv WHERE k = 'KPI-F'), 'issued in error');

-- A paid in full on 2026-02-20 (matched automatically), C paid 30,000 on
-- 2026-03-10 (matched by hand), 5,000 of unidentified cash on 2026-03-25.
INSERT INTO ar.payment (customer_id, received_on, currency, amount, method, bank_ref, matched_by)
SELECT c.customer_id, v.d::date, 'JPY', v.amount, 'bank_transfer', v.ref, v.how
  FROM ar.customer c,
       (VALUES ('2026-02-20', 100000, 'KPI-P1', 'auto'), ('2026-03-10', 30000, 'KPI-P2', 'manual')) v(d, amount, ref, how)
 WHERE c.customer_code = 'K1';
INSERT INTO ar.payment (customer_id, received_on, currency, amount, method, bank_ref)
VALUES (NULL, '2026-03-25', 'JPY', 5000, 'bank_transfer', 'KPI-P3');
INSERT INTO ar.allocation (invoice_id, kind, payment_id, amount, applied_on)
SELECT (SELECT id FROM inv WHERE k = v.k), 'payment', p.payment_id, v.amount, p.received_on
  FROM (VALUES ('KPI-A', 'KPI-P1', 100000), ('KPI-C', 'KPI-P2', 30000)) v(k, ref, amount)
  JOIN ar.payment p ON p.bank_ref = v.ref;
-- E: 10,000 written off on 2026-03-20.
INSERT INTO ar.allocation (invoice_id, kind, amount, applied_on, reason)
VALUES ((SELECT id FROM inv WHERE k = 'KPI-E'), 'write_off', 10000, '2026-03-20', 'settlement');

-- Promises: one kept (evaluated 2026-03-08), one broken (2026-03-14), one pending.
INSERT INTO ar.promise (customer_id, amount, currency, made_on, promised_on, status, evaluated_on)
SELECT c.customer_id, 10000, 'JPY', v.made::date, v.due::date, v.status, v.ev::date
  FROM ar.customer c,
       (VALUES ('2026-02-25', '2026-03-05', 'kept', '2026-03-08'),
               ('2026-03-01', '2026-03-10', 'broken', '2026-03-14'),
               ('2026-03-20', '2026-04-10', 'pending', NULL)) v(made, due, status, ev)
 WHERE c.customer_code = 'K1';

CREATE TEMP TABLE k AS SELECT * FROM ar.kpi_monthly_at('2026-03-31') WHERE currency = 'JPY';

SELECT is((SELECT array_agg(month ORDER BY month) FROM k),
          ARRAY['2025-12-01', '2026-01-01', '2026-02-01', '2026-03-01']::date[], 'one row per month from the first');

-- December 2025
SELECT is((SELECT invoiced FROM k WHERE month = '2025-12-01'), 40000::numeric, 'Dec invoiced');
SELECT is((SELECT received FROM k WHERE month = '2025-12-01'), 0::numeric, 'Dec received');
SELECT is((SELECT ending_ar FROM k WHERE month = '2025-12-01'), 40000::numeric, 'Dec ending AR');
SELECT is((SELECT dso_simple FROM k WHERE month = '2025-12-01'), 31.0, 'Dec DSO = 40000 / 40000 * 31');
SELECT is((SELECT dso_countback FROM k WHERE month = '2025-12-01'), 31.0, 'Dec count-back DSO');
SELECT is((SELECT best_possible_dso FROM k WHERE month = '2025-12-01'), 0.0, 'Dec best possible DSO: nothing current');
SELECT is((SELECT add_days FROM k WHERE month = '2025-12-01'), 31.0, 'Dec ADD');
SELECT is((SELECT cei FROM k WHERE month = '2025-12-01'), 0.00, 'Dec CEI: nothing collected');
SELECT is((SELECT pct_current FROM k WHERE month = '2025-12-01'), 0.00, 'Dec % current');
SELECT is((SELECT pct_over_90 FROM k WHERE month = '2025-12-01'), 0.00, 'Dec % over 90');
SELECT is((SELECT write_off_ratio FROM k WHERE month = '2025-12-01'), 0.00, 'Dec write-off ratio');
SELECT is((SELECT promise_kept_rate FROM k WHERE month = '2025-12-01'), NULL, 'Dec: no promise evaluated');
SELECT is((SELECT auto_match_rate FROM k WHERE month = '2025-12-01'), NULL, 'Dec: no transfer received');

-- January 2026
SELECT is((SELECT invoiced FROM k WHERE month = '2026-01-01'), 150000::numeric, 'Jan invoiced');
SELECT is((SELECT received FROM k WHERE month = '2026-01-01'), 0::numeric, 'Jan received');
SELECT is((SELECT ending_ar FROM k WHERE month = '2026-01-01'), 190000::numeric, 'Jan ending AR');
SELECT is((SELECT dso_simple FROM k WHERE month = '2026-01-01'), 39.3, 'Jan DSO = 190000 / 150000 * 31');
SELECT is((SELECT dso_countback FROM k WHERE month = '2026-01-01'), 62.0, 'Jan count-back: 31 + 40000/40000 * 31');
SELECT is((SELECT best_possible_dso FROM k WHERE month = '2026-01-01'), 31.0, 'Jan BPDSO = 150000 / 150000 * 31');
SELECT is((SELECT add_days FROM k WHERE month = '2026-01-01'), 8.3, 'Jan ADD = 39.3 - 31.0');
SELECT is((SELECT cei FROM k WHERE month = '2026-01-01'), 0.00, 'Jan CEI');
SELECT is((SELECT pct_current FROM k WHERE month = '2026-01-01'), 78.95, 'Jan % current = 150000 / 190000');
SELECT is((SELECT pct_over_90 FROM k WHERE month = '2026-01-01'), 0.00, 'Jan % over 90');
SELECT is((SELECT write_off_ratio FROM k WHERE month = '2026-01-01'), 0.00, 'Jan write-off ratio');
SELECT is((SELECT promise_kept_rate FROM k WHERE month = '2026-01-01'), NULL, 'Jan promises');
SELECT is((SELECT auto_match_rate FROM k WHERE month = '2026-01-01'), NULL, 'Jan auto match');

-- February 2026
SELECT is((SELECT invoiced FROM k WHERE month = '2026-02-01'), 80000::numeric, 'Feb invoiced (void F left out)');
SELECT is((SELECT received FROM k WHERE month = '2026-02-01'), 100000::numeric, 'Feb received');
SELECT is((SELECT ending_ar FROM k WHERE month = '2026-02-01'), 170000::numeric, 'Feb ending AR');
SELECT is((SELECT dso_simple FROM k WHERE month = '2026-02-01'), 59.5, 'Feb DSO = 170000 / 80000 * 28');
SELECT is((SELECT dso_countback FROM k WHERE month = '2026-02-01'), 46.6, 'Feb count-back: 28 + 90000/150000 * 31');
SELECT is((SELECT best_possible_dso FROM k WHERE month = '2026-02-01'), 28.0, 'Feb BPDSO = 80000 / 80000 * 28');
SELECT is((SELECT add_days FROM k WHERE month = '2026-02-01'), 31.5, 'Feb ADD');
SELECT is((SELECT cei FROM k WHERE month = '2026-02-01'), 52.63, 'Feb CEI = 100000 / 190000');
SELECT is((SELECT pct_current FROM k WHERE month = '2026-02-01'), 47.06, 'Feb % current = 80000 / 170000');
SELECT is((SELECT pct_over_90 FROM k WHERE month = '2026-02-01'), 0.00, 'Feb % over 90');
SELECT is((SELECT write_off_ratio FROM k WHERE month = '2026-02-01'), 0.00, 'Feb write-off ratio');
SELECT is((SELECT promise_kept_rate FROM k WHERE month = '2026-02-01'), NULL, 'Feb promises');
SELECT is((SELECT auto_match_rate FROM k WHERE month = '2026-02-01'), 100.00, 'Feb: the one transfer matched automatically');

-- March 2026
SELECT is((SELECT invoiced FROM k WHERE month = '2026-03-01'), 60000::numeric, 'Mar invoiced');
SELECT is((SELECT received FROM k WHERE month = '2026-03-01'), 35000::numeric, 'Mar received, unidentified cash included');
SELECT is((SELECT ending_ar FROM k WHERE month = '2026-03-01'), 190000::numeric, 'Mar ending AR');
SELECT is((SELECT dso_simple FROM k WHERE month = '2026-03-01'), 98.2, 'Mar DSO = 190000 / 60000 * 31');
SELECT is((SELECT dso_countback FROM k WHERE month = '2026-03-01'), 69.3, 'Mar count-back: 31 + 28 + 50000/150000 * 31');
SELECT is((SELECT best_possible_dso FROM k WHERE month = '2026-03-01'), 31.0, 'Mar BPDSO');
SELECT is((SELECT add_days FROM k WHERE month = '2026-03-01'), 67.2, 'Mar ADD');
SELECT is((SELECT cei FROM k WHERE month = '2026-03-01'), 23.53, 'Mar CEI = 40000 / 170000');
SELECT is((SELECT pct_current FROM k WHERE month = '2026-03-01'), 31.58, 'Mar % current = 60000 / 190000');
SELECT is((SELECT pct_over_90 FROM k WHERE month = '2026-03-01'), 15.79, 'Mar % over 90 = 30000 / 190000');
SELECT is((SELECT write_off_ratio FROM k WHERE month = '2026-03-01'), 16.67, 'Mar write-off ratio = 10000 / 60000');
SELECT is((SELECT promise_kept_rate FROM k WHERE month = '2026-03-01'), 50.00, 'Mar: one kept, one broken');
SELECT is((SELECT auto_match_rate FROM k WHERE month = '2026-03-01'), 0.00, 'Mar: two transfers, none automatic');

-- The balances behind the ratios.
SELECT is((SELECT array_agg(beginning_ar ORDER BY month) FROM k), ARRAY[0, 40000, 190000, 170000]::numeric[],
          'beginning AR is the previous month''s ending AR');
SELECT is((SELECT array_agg(current_ar ORDER BY month) FROM k), ARRAY[0, 150000, 80000, 60000]::numeric[],
          'current AR per month end');
SELECT is((SELECT array_agg(over_90_ar ORDER BY month) FROM k), ARRAY[0, 0, 0, 30000]::numeric[],
          'over-90 AR per month end');
SELECT is((SELECT array_agg(written_off ORDER BY month) FROM k), ARRAY[0, 0, 0, 10000]::numeric[],
          'write-offs per month');

-- Ending AR agrees with the as-of aging report at every month end.
SELECT is((SELECT array_agg(k.ending_ar ORDER BY k.month) FROM k),
          (SELECT array_agg((SELECT COALESCE(sum(r.total), 0) FROM ar.aging_report((m + interval '1 month')::date - 1, '30,60,90', 'total') r
                              WHERE r.currency = 'JPY') ORDER BY m)
             FROM unnest(ARRAY['2025-12-01', '2026-01-01', '2026-02-01', '2026-03-01']::date[]) m),
          'ending AR equals ar.aging_report total at each month end');
SELECT is((SELECT array_agg(k.over_90_ar ORDER BY k.month) FROM k),
          (SELECT array_agg((SELECT COALESCE(sum(r.amounts[5]), 0) FROM ar.aging_report((m + interval '1 month')::date - 1, '30,60,90', 'total') r
                              WHERE r.currency = 'JPY') ORDER BY m)
             FROM unnest(ARRAY['2025-12-01', '2026-01-01', '2026-02-01', '2026-03-01']::date[]) m),
          'over-90 AR equals the 90+ bucket of ar.aging_report at each month end');

-- Read mid-month: the current month runs to as_of.
CREATE TEMP TABLE k2 AS SELECT * FROM ar.kpi_monthly_at('2026-03-15') WHERE currency = 'JPY';
SELECT is((SELECT days_in_period FROM k2 WHERE month = '2026-03-01'), 15, 'the current month counts its days to as_of');
SELECT is((SELECT ending_ar FROM k2 WHERE month = '2026-03-01'), 200000::numeric,
          'on 2026-03-15 the write-off of 03-20 is not known yet');
SELECT is((SELECT current_ar FROM k2 WHERE month = '2026-03-01'), 110000::numeric,
          'on 2026-03-15 C (due 03-17) is still current: 50000 open + D 60000');
SELECT is((SELECT over_90_ar FROM k2 WHERE month = '2026-03-01'), 0::numeric, 'E is not over 90 days until 03-21');
SELECT is((SELECT received FROM k2 WHERE month = '2026-03-01'), 30000::numeric, 'the cash of 03-25 is not known yet');
SELECT is((SELECT promise_kept_rate FROM ar.kpi_monthly_at('2026-03-12') WHERE currency = 'JPY' AND month = '2026-03-01'),
          100.00, 'on 2026-03-12 only the promise kept on 03-08 has been evaluated');

-- A reversal puts the amount back.
SELECT ar.reverse_allocation((SELECT allocation_id FROM ar.allocation WHERE kind = 'write_off'
                               AND invoice_id = (SELECT id FROM inv WHERE k = 'KPI-E')), 'agreed in error', '2026-03-25');
SELECT is((SELECT ending_ar FROM ar.kpi_monthly_at('2026-03-31') WHERE currency = 'JPY' AND month = '2026-03-01'),
          200000::numeric, 'a write-off reversed in the month is back in ending AR');
SELECT is((SELECT write_off_ratio FROM ar.kpi_monthly_at('2026-03-31') WHERE currency = 'JPY' AND month = '2026-03-01'),
          0.00, 'and out of the write-off ratio');
SELECT is((SELECT over_90_ar FROM ar.kpi_monthly_at('2026-03-31') WHERE currency = 'JPY' AND month = '2026-03-01'),
          40000::numeric, 'and back in over-90 AR');
SELECT is((SELECT over_90_ar FROM ar.kpi_monthly_at('2026-03-22') WHERE currency = 'JPY' AND month = '2026-03-01'),
          30000::numeric, 'before the reversal date it still counted');

-- The view is the function read today, with exactly the columns of SPEC.md.
SELECT is((SELECT count(*)::int FROM ar.v_kpi_monthly WHERE currency = 'JPY'),
          (SELECT count(*)::int FROM ar.kpi_monthly_at(CURRENT_DATE) WHERE currency = 'JPY'),
          'ar.v_kpi_monthly reads ar.kpi_monthly_at(CURRENT_DATE)');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'ar.v_kpi_monthly'::regclass AND attnum > 0 AND NOT attisdropped),
          ARRAY['currency', 'month', 'invoiced', 'received', 'ending_ar', 'dso_simple', 'dso_countback',
                'best_possible_dso', 'add_days', 'cei', 'pct_current', 'pct_over_90', 'write_off_ratio',
                'promise_kept_rate', 'auto_match_rate'],
          'ar.v_kpi_monthly has exactly the columns SPEC.md names');
SELECT is_empty($$SELECT * FROM ar.verify_ledger()$$, 'the ledger holds');

SELECT * FROM finish();
ROLLBACK;
