#!/usr/bin/env bash
# bench/dashboards.sh: the dashboard views on a 1,000,000-invoice demo book
# (ar.generate_demo_data), each read in full as a BI tool does, with the
# main costs of its plan; and the C aggregate ar.payment_behaviour against
# the same per-customer figures in plain SQL, in the same run.  Run by
# scripts/bench.sh dashboards (make bench BENCH=dashboards); prints markdown.
#
#   DASH_CUSTOMERS  customers in the book (default 83334: x 12 = 1,000,008 invoices)
#   DASH_RUNS       timed runs per query (default 3; medians reported)
set -euo pipefail
CUSTOMERS=${DASH_CUSTOMERS:-83334}
RUNS=${DASH_RUNS:-3}
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

load() { awk '{print $1, $2, $3}' /proc/loadavg; }
now_ms() { date +%s%3N; }

echo "## Dashboards"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, shared with other sessions;"
echo "PostgreSQL $(psql -X -At -c 'SHOW server_version'), shared_buffers 1GB, work_mem 64MB, 2 parallel workers per gather. $(date -u '+%Y-%m-%d')."
echo

t0=$(now_ms)
load_before=$(load)
"${PSQL[@]}" -At -c "SELECT ar.generate_demo_data($CUSTOMERS, 12, 42)" >/dev/null
t1=$(now_ms)
"${PSQL[@]}" -c "VACUUM (ANALYZE)" >/dev/null
t2=$(now_ms)
counts=$("${PSQL[@]}" -At -F ' ' -c "SELECT (SELECT count(*) FROM ar.invoice), (SELECT count(*) FROM ar.invoice WHERE status = 'open'),
                                             (SELECT count(*) FROM ar.payment), (SELECT count(*) FROM ar.allocation),
                                             (SELECT count(*) FROM ar.customer)")
read -r n_inv n_open n_pay n_alloc n_cust <<<"$counts"
echo "Book: ar.generate_demo_data($CUSTOMERS, 12, 42): $n_cust customers, $n_inv invoices ($n_open open), $n_pay payments,"
echo "$n_alloc allocations; generated in $(( (t1 - t0) / 1000 )) s, VACUUM ANALYZE $(( (t2 - t1) / 1000 )) s. Load average before: $load_before."
echo

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
spread() { sort -n | awk '{a[NR] = $1} END {printf "%.0f-%.0f", a[1], a[NR]}'; }

# time_query NAME SQL: RUNS timed full reads (rows fetched by psql and thrown
# away), after one warm-up; prints "median spread rows".
time_query() {
  local sql=$1 r ms rows times=""
  rows=$("${PSQL[@]}" -At -c "SELECT count(*) FROM ($sql) x")
  for ((r = 1; r <= RUNS; r++)); do
    ms=$( { echo '\timing on'; echo '\o /dev/null'; echo "$sql;"; } | "${PSQL[@]}" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    times+="$ms"$'\n'
  done
  printf '%s %s %s\n' "$(printf '%s' "$times" | median)" "$(printf '%s' "$times" | spread)" "$rows"
}

declare -A SQL=(
  [v_aging]="SELECT * FROM ar.v_aging"
  [v_kpi_monthly]="SELECT * FROM ar.v_kpi_monthly"
  [v_collector_worklist]="SELECT * FROM ar.v_collector_worklist"
  [v_customer_risk]="SELECT * FROM ar.v_customer_risk"
  [v_cash_forecast]="SELECT * FROM ar.v_cash_forecast"
)
ORDER=(v_aging v_kpi_monthly v_collector_worklist v_customer_risk v_cash_forecast)

echo "| view (read in full) | rows | median ms | range ms (${RUNS} runs) | target |"
echo "|---|---:|---:|---:|---|"
for v in "${ORDER[@]}"; do
  read -r med spr rows <<<"$(time_query "${SQL[$v]}")"
  target=""
  case $v in v_aging | v_kpi_monthly | v_collector_worklist) target=$(awk -v m="$med" 'BEGIN {print (m < 5000) ? "< 5 s: met" : "< 5 s: MISSED"}') ;; esac
  echo "| \`ar.$v\` | $rows | $med | $spr | $target |"
done
echo
echo "Load average after the views: $(load)."
echo

# The main costs: the top of each plan, with actual times.
for v in v_aging v_kpi_monthly v_collector_worklist; do
  echo "<details><summary>EXPLAIN ANALYZE ar.$v (top of the plan)</summary>"
  echo
  echo '```'
  "${PSQL[@]}" -At -c "EXPLAIN (ANALYZE, COSTS ON, TIMING ON) ${SQL[$v]}" \
    | grep -E 'actual time|Execution Time|Planning Time' | grep -vE '^\s+->.*(rows=[0-9]{1,2} loops|Function Scan on ar\.ladder_steps|Index Scan.*loops=[0-9]+\))$' | head -25
  echo '```'
  echo
  echo "</details>"
  echo
done

# The C aggregate against plain SQL: the same per-customer figures (paid
# invoices, on-time share, recency- and amount-weighted mean days late,
# effective n, usual day of the month and weekday by mode()).
AS_OF=$("${PSQL[@]}" -At -c "SELECT CURRENT_DATE")
Q_C="SELECT i.customer_id, ar.payment_behaviour(i.due_date, i.closed_on, i.amount, DATE '$AS_OF', 180) FROM ar.invoice i WHERE i.status = 'paid' AND i.kind = 'invoice' GROUP BY i.customer_id"
Q_SQL="SELECT customer_id, count(*), avg((x <= 0)::int), sum(w * x) / sum(w), sum(w) ^ 2 / sum(w * w),
              mode() WITHIN GROUP (ORDER BY dom), mode() WITHIN GROUP (ORDER BY dow)
         FROM (SELECT i.customer_id, i.closed_on - i.due_date AS x,
                      i.amount::float8 * 2 ^ (-(DATE '$AS_OF' - i.closed_on) / 180.0) AS w,
                      CASE WHEN i.closed_on = (date_trunc('month', i.closed_on) + interval '1 month - 1 day')::date THEN 0
                           ELSE extract(day FROM i.closed_on)::int END AS dom,
                      extract(isodow FROM i.closed_on)::int AS dow
                 FROM ar.invoice i WHERE i.status = 'paid' AND i.kind = 'invoice') s
        GROUP BY customer_id"
agree=$("${PSQL[@]}" -At -c "SELECT count(*) FROM ($Q_C) c(customer_id, b) JOIN ($Q_SQL) s(customer_id, n, ot, m, ne, dom, dow) USING (customer_id)
                              WHERE (c.b).paid_invoices <> s.n OR abs((c.b).mean_days_late - s.m) > 1e-6 * greatest(1, abs(s.m))")
[[ $agree == 0 ]] || { echo "error: the aggregate and the SQL disagree for $agree customers" >&2; exit 1; }
paid=$("${PSQL[@]}" -At -c "SELECT count(*) FROM ar.invoice WHERE status = 'paid' AND kind = 'invoice'")
declare -A T
for w in 0 2; do
  for q in C SQL; do
    v=Q_$q
    tt=""
    for ((r = 0; r <= RUNS; r++)); do
      ms=$( { echo "SET max_parallel_workers_per_gather = $w;"; echo '\timing on'; echo '\o /dev/null'; echo "${!v};"; } \
              | "${PSQL[@]}" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
      ((r > 0)) && tt+="$ms"$'\n'   # run 0 warms the buffers
    done
    T[$w,$q]=$(printf '%s' "$tt" | median)
  done
done
echo "Payment behaviour of every customer ($paid paid invoices, per customer; both give the same counts and means):"
echo
echo "| workers | \`ar.payment_behaviour\` (C) ms | plain SQL ms | SQL / C |"
echo "|---:|---:|---:|---:|"
for w in 0 2; do
  echo "| $w | ${T[$w,C]} | ${T[$w,SQL]} | $(awk -v a="${T[$w,SQL]}" -v b="${T[$w,C]}" 'BEGIN {printf "%.1f", a / b}') |"
done
echo
echo "Load average at the end: $(load)."
