-- Monthly receivables KPIs: ar.v_kpi_monthly.  Every formula, its source
-- and a worked example (which test/pgtap/71_kpis.sql checks) are in
-- docs/kpis.md.
--
-- Balances at each month end are not recomputed per month: every invoice
-- and allocation becomes a few dated changes ("deltas") of the total,
-- current and over-90 balances, summed per month and accumulated over
-- the months.  One pass over invoices and allocations, however many months.

CREATE FUNCTION ar.kpi_monthly_at(as_of date)
  RETURNS TABLE (currency char(3), month date, invoiced numeric, received numeric, ending_ar numeric,
                 dso_simple numeric, dso_countback numeric, best_possible_dso numeric, add_days numeric,
                 cei numeric, pct_current numeric, pct_over_90 numeric, write_off_ratio numeric,
                 promise_kept_rate numeric, auto_match_rate numeric, beginning_ar numeric,
                 current_ar numeric, over_90_ar numeric, written_off numeric, days_in_period integer)
  LANGUAGE sql STABLE PARALLEL SAFE ROWS 50
  -- A one-shot wide query whose estimates are far above what it costs (a
  -- few hundred ms per million invoices): JIT compilation would take
  -- seconds and save nothing.
  SET jit = off
  SET search_path = pg_catalog, pg_temp
AS $$
  -- Every invoice and allocation changes the balances on a few dates; a
  -- change counts from the month of its date on, and not at all when dated
  -- after as_of.  So each row is first reduced to the months of its
  -- changes (NULL: none by as_of), rows with the same months are summed,
  -- and only those few sums are expanded into changes.
  WITH inv AS (
    SELECT i.currency,
           CASE WHEN i.issue_date <= as_of THEN pg_catalog.date_trunc('month', i.issue_date::timestamp) END AS m_issue,
           CASE WHEN i.due_date <= as_of THEN pg_catalog.date_trunc('month', i.due_date::timestamp) END AS m_due,
           CASE WHEN i.due_date + 91 <= as_of THEN pg_catalog.date_trunc('month', (i.due_date + 91)::timestamp) END AS m_o90,
           pg_catalog.sum(i.amount) AS amount
      FROM ar.invoice i
     WHERE i.status <> 'void' AND i.issue_date <= as_of
     GROUP BY 1, 2, 3, 4
  ), alloc AS (
    SELECT x.currency, x.is_wo,
           CASE WHEN x.applied_on <= as_of THEN pg_catalog.date_trunc('month', x.applied_on::timestamp) END AS m_applied,
           CASE WHEN x.reversed_on <= as_of THEN pg_catalog.date_trunc('month', x.reversed_on::timestamp) END AS m_reversed,
           CASE WHEN x.cur_from < x.cur_to AND x.cur_from <= as_of
                THEN pg_catalog.date_trunc('month', x.cur_from::timestamp) END AS m_cur_from,
           CASE WHEN x.cur_from < x.cur_to AND x.cur_to <= as_of
                THEN pg_catalog.date_trunc('month', x.cur_to::timestamp) END AS m_cur_to,
           CASE WHEN x.o90_from <= as_of THEN pg_catalog.date_trunc('month', x.o90_from::timestamp) END AS m_o90_from,
           CASE WHEN x.reversed_on > x.o90_from AND x.reversed_on <= as_of
                THEN pg_catalog.date_trunc('month', x.reversed_on::timestamp) END AS m_o90_to,
           pg_catalog.sum(x.amount) AS amount
      FROM (SELECT i.currency, a.kind = 'write_off' AS is_wo, a.applied_on, a.reversed_on, a.amount,
                   -- in force and the invoice current / over 90 days past due
                   GREATEST(a.applied_on, i.issue_date) AS cur_from, LEAST(a.reversed_on, i.due_date) AS cur_to,
                   GREATEST(a.applied_on, i.due_date + 91) AS o90_from
              FROM ar.allocation a
              JOIN ar.invoice i ON i.invoice_id = a.invoice_id
             WHERE i.status <> 'void' AND a.applied_on <= as_of) x
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ), ev AS (
    -- Invoices: receivable from the issue date, current until the due
    -- date, over 90 days past due from due + 91.
    SELECT v.currency, e.m, e.total, e.cur, e.o90, e.inv, 0::numeric AS wo
      FROM inv v
     CROSS JOIN LATERAL (VALUES (v.m_issue, v.amount, v.amount, 0::numeric, v.amount),
                                (v.m_due, 0::numeric, -v.amount, 0::numeric, 0::numeric),
                                (v.m_o90, 0::numeric, 0::numeric, v.amount, 0::numeric))
                         AS e(m, total, cur, o90, inv)
    UNION ALL
    -- Allocations: reduce the balances they fall in while in force
    -- (applied_on <= day < reversed_on).
    SELECT t.currency, e.m, e.total, e.cur, e.o90, 0::numeric, e.wo
      FROM alloc t
     CROSS JOIN LATERAL (VALUES (t.m_applied, -t.amount, 0::numeric, 0::numeric, CASE WHEN t.is_wo THEN t.amount ELSE 0 END),
                                (t.m_reversed, t.amount, 0::numeric, 0::numeric, CASE WHEN t.is_wo THEN -t.amount ELSE 0 END),
                                (t.m_cur_from, 0::numeric, -t.amount, 0::numeric, 0::numeric),
                                (t.m_cur_to, 0::numeric, t.amount, 0::numeric, 0::numeric),
                                (t.m_o90_from, 0::numeric, 0::numeric, -t.amount, 0::numeric),
                                (t.m_o90_to, 0::numeric, 0::numeric, t.amount, 0::numeric))
                         AS e(m, total, cur, o90, wo)
  ), flows AS (
    SELECT ev.currency, ev.m::date AS month,
           pg_catalog.sum(ev.total) AS total, pg_catalog.sum(ev.cur) AS cur, pg_catalog.sum(ev.o90) AS o90,
           pg_catalog.sum(ev.inv) AS inv, pg_catalog.sum(ev.wo) AS wo
      FROM ev
     WHERE ev.m IS NOT NULL
     GROUP BY 1, 2
  ), cash AS (
    SELECT p.currency, pg_catalog.date_trunc('month', p.received_on::timestamp)::date AS month,
           pg_catalog.sum(p.amount) AS received,
           pg_catalog.count(*) FILTER (WHERE p.method = 'bank_transfer') AS transfers,
           pg_catalog.count(*) FILTER (WHERE p.method = 'bank_transfer' AND p.matched_by = 'auto') AS auto_matched
      FROM ar.payment p
     WHERE p.status = 'received' AND p.received_on <= as_of
     GROUP BY 1, 2
  ), prom AS (
    SELECT p.currency, pg_catalog.date_trunc('month', COALESCE(p.evaluated_on, p.promised_on)::timestamp)::date AS month,
           pg_catalog.count(*) FILTER (WHERE p.status = 'kept') AS kept,
           pg_catalog.count(*) FILTER (WHERE p.status IN ('kept', 'broken')) AS evaluated
      FROM ar.promise p
     WHERE p.status IN ('kept', 'broken') AND COALESCE(p.evaluated_on, p.promised_on) <= as_of
     GROUP BY 1, 2
  ), months AS (
    SELECT r.currency, g::date AS month
      FROM (SELECT x.currency, pg_catalog.min(x.month) AS first
              FROM (SELECT f.currency, f.month FROM flows f
                    UNION ALL SELECT c.currency, c.month FROM cash c) x
             GROUP BY 1) r
     CROSS JOIN LATERAL pg_catalog.generate_series(r.first::timestamp, pg_catalog.date_trunc('month', as_of::timestamp), interval '1 month') g
  ), m AS (
    SELECT ms.currency, ms.month,
           COALESCE(f.inv, 0) AS invoiced,
           COALESCE(c.received, 0) AS received,
           pg_catalog.sum(COALESCE(f.total, 0)) OVER w AS ending,
           pg_catalog.sum(COALESCE(f.total, 0)) OVER w - COALESCE(f.total, 0) AS beginning,
           pg_catalog.sum(COALESCE(f.cur, 0)) OVER w AS current_ar,
           pg_catalog.sum(COALESCE(f.o90, 0)) OVER w AS over90,
           COALESCE(f.wo, 0) AS written_off,
           CASE WHEN ms.month = pg_catalog.date_trunc('month', as_of)::date THEN as_of - ms.month + 1
                ELSE (ms.month + interval '1 month')::date - ms.month END AS days,
           c.transfers, c.auto_matched, pr.kept, pr.evaluated
      FROM months ms
      LEFT JOIN flows f ON f.currency = ms.currency AND f.month = ms.month
      LEFT JOIN cash c ON c.currency = ms.currency AND c.month = ms.month
      LEFT JOIN prom pr ON pr.currency = ms.currency AND pr.month = ms.month
    WINDOW w AS (PARTITION BY ms.currency ORDER BY ms.month)
  ), cb AS (
    -- Count-back: walk back from the month, taking whole months of sales
    -- while they fit in the ending balance, then the fraction of the
    -- month that covers the rest.
    SELECT m.currency, m.month,
           CASE WHEN m.ending <= 0 THEN 0::numeric
                ELSE (SELECT k.days_before + (m.ending - k.sales_before) / k.invoiced * k.days
                        FROM (SELECT b.month, b.invoiced, b.days,
                                     COALESCE(pg_catalog.sum(b.invoiced) OVER v, 0) AS sales_before,
                                     COALESCE(pg_catalog.sum(b.days) OVER v, 0) AS days_before
                                FROM m b
                               WHERE b.currency = m.currency AND b.month <= m.month
                              WINDOW v AS (ORDER BY b.month DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) k
                       WHERE k.invoiced > 0 AND k.sales_before + k.invoiced >= m.ending
                       ORDER BY k.month DESC
                       LIMIT 1)
           END AS dso_countback
      FROM m
  )
  SELECT m.currency, m.month, m.invoiced, m.received, m.ending,
         pg_catalog.round(m.ending / NULLIF(m.invoiced, 0) * m.days, 1),
         pg_catalog.round(cb.dso_countback, 1),
         pg_catalog.round(m.current_ar / NULLIF(m.invoiced, 0) * m.days, 1),
         pg_catalog.round(m.ending / NULLIF(m.invoiced, 0) * m.days, 1)
           - pg_catalog.round(m.current_ar / NULLIF(m.invoiced, 0) * m.days, 1),
         pg_catalog.round(100 * (m.beginning + m.invoiced - m.ending)
                          / NULLIF(m.beginning + m.invoiced - m.current_ar, 0), 2),
         pg_catalog.round(100 * m.current_ar / NULLIF(m.ending, 0), 2),
         pg_catalog.round(100 * m.over90 / NULLIF(m.ending, 0), 2),
         pg_catalog.round(100 * m.written_off / NULLIF(m.invoiced, 0), 2),
         pg_catalog.round(100.0 * m.kept / NULLIF(m.evaluated, 0), 2),
         pg_catalog.round(100.0 * m.auto_matched / NULLIF(m.transfers, 0), 2),
         m.beginning, m.current_ar, m.over90, m.written_off, m.days
    FROM m
    JOIN cb ON cb.currency = m.currency AND cb.month = m.month
$$;
COMMENT ON FUNCTION ar.kpi_monthly_at(date) IS
  'Rows of ar.v_kpi_monthly as they read on as_of (the current month runs to as_of), with the balances behind the ratios (docs/kpis.md)';

CREATE VIEW ar.v_kpi_monthly WITH (security_invoker = true) AS
SELECT k.currency::character(3) AS currency, k.month, k.invoiced, k.received, k.ending_ar, k.dso_simple, k.dso_countback,
       k.best_possible_dso, k.add_days, k.cei, k.pct_current, k.pct_over_90, k.write_off_ratio,
       k.promise_kept_rate, k.auto_match_rate
  FROM ar.kpi_monthly_at(CURRENT_DATE) k;
COMMENT ON VIEW ar.v_kpi_monthly IS
  'Receivables KPIs per currency and month, the current month to date: DSO three ways, CEI, aging shares, write-offs, promises kept, automatic matching (formulas and sources in docs/kpis.md)';
COMMENT ON COLUMN ar.v_kpi_monthly.currency IS 'Currency of the amounts in this row';
COMMENT ON COLUMN ar.v_kpi_monthly.month IS 'First day of the month; the current month runs to today';
COMMENT ON COLUMN ar.v_kpi_monthly.invoiced IS 'Amount invoiced in the month (credit sales): invoices, fees and interest issued, void ones excluded';
COMMENT ON COLUMN ar.v_kpi_monthly.received IS 'Cash received in the month: payments with status received, identified or not';
COMMENT ON COLUMN ar.v_kpi_monthly.ending_ar IS 'Open invoice amount at the end of the month (today for the current month), allocations counted from applied_on to reversed_on';
COMMENT ON COLUMN ar.v_kpi_monthly.dso_simple IS 'Days sales outstanding, period method: ending_ar / invoiced * days in the month (NULL when nothing was invoiced)';
COMMENT ON COLUMN ar.v_kpi_monthly.dso_countback IS
  'DSO by the count-back method: the days of the latest months whose sales add up to ending_ar, the oldest month counted in proportion (NULL when the history falls short)';
COMMENT ON COLUMN ar.v_kpi_monthly.best_possible_dso IS 'Best possible DSO: current (not yet due) receivables / invoiced * days in the month';
COMMENT ON COLUMN ar.v_kpi_monthly.add_days IS 'Average days delinquent: dso_simple - best_possible_dso';
COMMENT ON COLUMN ar.v_kpi_monthly.cei IS
  'Collection effectiveness index, 0-100: (beginning AR + invoiced - ending AR) / (beginning AR + invoiced - ending current AR) * 100';
COMMENT ON COLUMN ar.v_kpi_monthly.pct_current IS 'Share of ending_ar not yet due at the end of the month, in percent';
COMMENT ON COLUMN ar.v_kpi_monthly.pct_over_90 IS 'Share of ending_ar more than 90 days past due at the end of the month, in percent';
COMMENT ON COLUMN ar.v_kpi_monthly.write_off_ratio IS 'Write-offs in the month (allocations of kind write_off, net of reversals) / invoiced, in percent';
COMMENT ON COLUMN ar.v_kpi_monthly.promise_kept_rate IS
  'Promises to pay evaluated in the month that were kept, in percent of those kept or broken (NULL when none)';
COMMENT ON COLUMN ar.v_kpi_monthly.auto_match_rate IS
  '自動消込率: bank-transfer payments received in the month that ar.auto_apply matched (matched_by = auto), in percent of all of them (NULL when none)';
