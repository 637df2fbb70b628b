#!/usr/bin/env bash
# bench/calendar.sh: due dates over 1M invoices, C against plain SQL.
#
# Run by scripts/bench.sh (PGHOST/PGDATABASE set, pg_receivables installed).
# Every invoice has the terms 月末締め翌月末払い（前営業日） (close eom due 1 eom,
# adjust preceding) and the JP-BANK calendar; issue dates spread over
# 2020-2027.  Timed, each ROUNDS times in turn, the median reported:
#   C            ar.due_date(terms, issue_date)                  (built-in JP-BANK)
#   C, user cal  ar.due_date(terms, issue_date, 'BENCHCO')       (user calendar, cached rows)
#   C check      ar.is_business_day(issue_date)                  (the calendar alone)
#   SQL scan     month-end arithmetic + a LATERAL search for the last business day
#                (weekday and NOT EXISTS in a holiday table), the idiomatic query
#   SQL table    month-end arithmetic + a join to a precomputed calendar table
#                holding each day's preceding business day (the fastest SQL form)
#   SQL floor    the month-end arithmetic alone, no business-day adjustment
#   scan         the same scan and aggregate with no date computation at all
set -euo pipefail
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-5}
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

q <<SQL >/dev/null
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_inv, bench_holiday, bench_cal;
CREATE TABLE bench_inv AS
SELECT date '2020-01-01' + (i::bigint * 7919 % 2922)::int AS issue_date,
       '月末締め翌月末払い（前営業日）'::ar.payment_terms AS terms
  FROM generate_series(1, $ROWS) AS i;
CREATE TABLE bench_holiday AS SELECT day FROM ar.holidays('JP-BANK', '2019-01-01', '2028-12-31');
ALTER TABLE bench_holiday ADD PRIMARY KEY (day);
-- A calendar table as a careful SQL shop would keep it: every day with its
-- preceding business day.
CREATE TABLE bench_cal AS
SELECT d::date AS day,
       (SELECT max(b::date) FROM generate_series(d - interval '14 days', d, interval '1 day') AS b
         WHERE extract(isodow FROM b) < 6 AND NOT EXISTS (SELECT 1 FROM bench_holiday h WHERE h.day = b::date)) AS prev_business_day
  FROM generate_series(date '2019-01-01', date '2028-12-31', interval '1 day') AS d;
ALTER TABLE bench_cal ADD PRIMARY KEY (day);
INSERT INTO ar.calendar (code, based_on, name) VALUES ('BENCHCO', 'JP-BANK', 'benchmark company calendar')
  ON CONFLICT DO NOTHING;
INSERT INTO ar.holiday (calendar, day, name) VALUES ('BENCHCO', '2024-08-13', '夏季休業') ON CONFLICT DO NOTHING;
VACUUM ANALYZE bench_inv; VACUUM ANALYZE bench_holiday; VACUUM ANALYZE bench_cal;
SQL

declare -A SQLQ=(
  [c]="SELECT count(*), max(ar.due_date(terms, issue_date)) FROM bench_inv"
  [c_user]="SELECT count(*), max(ar.due_date(terms, issue_date, 'BENCHCO')) FROM bench_inv"
  [c_check]="SELECT count(*) FILTER (WHERE ar.is_business_day(issue_date)) FROM bench_inv"
  [sql_scan]="SELECT count(*), max(d) FROM (SELECT (SELECT max(b::date) FROM generate_series(r.raw - 14, r.raw::timestamp, interval '1 day') AS b WHERE extract(isodow FROM b) < 6 AND NOT EXISTS (SELECT 1 FROM bench_holiday h WHERE h.day = b::date)) AS d FROM (SELECT (date_trunc('month', issue_date) + interval '2 months' - interval '1 day')::date AS raw FROM bench_inv) r) s"
  [sql_table]="SELECT count(*), max(c.prev_business_day) FROM (SELECT (date_trunc('month', issue_date) + interval '2 months' - interval '1 day')::date AS raw FROM bench_inv) r JOIN bench_cal c ON c.day = r.raw"
  [sql_floor]="SELECT count(*), max((date_trunc('month', issue_date) + interval '2 months' - interval '1 day')::date) FROM bench_inv"
  [scan]="SELECT count(*), max(issue_date) FROM bench_inv"
)
order=(c c_user c_check sql_scan sql_table sql_floor scan)

# The C and SQL forms must agree before anything is timed.
diff=$(q -c "SELECT count(*) FROM (SELECT ar.due_date(terms, issue_date) AS a,
               (SELECT c.prev_business_day FROM bench_cal c
                 WHERE c.day = (date_trunc('month', issue_date) + interval '2 months' - interval '1 day')::date) AS b
               FROM bench_inv) s WHERE a IS DISTINCT FROM b")
[[ $diff == 0 ]] || { echo "C and SQL due dates differ on $diff rows" >&2; exit 1; }

time_ms() {   # time_ms SQL -> milliseconds (single worker, warm cache)
  q -c "SET max_parallel_workers_per_gather = 0" -c "\\timing on" -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}
declare -A runs
for k in "${order[@]}"; do time_ms "${SQLQ[$k]}" >/dev/null; done   # warm-up
for ((r = 1; r <= ROUNDS; r++)); do
  for k in "${order[@]}"; do runs[$k]+="$(time_ms "${SQLQ[$k]}") "; done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A med
for k in "${order[@]}"; do med[$k]=$(echo "${runs[$k]}" | median); done

cat <<EOF
### Due dates over $(printf "%'d" "$ROWS") invoices (bench/calendar.sh)

Terms 月末締め翌月末払い（前営業日）, calendar JP-BANK, issue dates 2020-2027;
single worker, warm cache, median of $ROUNDS runs (all runs in ms: see below).
C and SQL results were checked equal on every row before timing.

| query | median ms | ns/row | vs C |
|---|---:|---:|---:|
EOF
declare -A labels=([c]="C: ar.due_date (built-in JP-BANK)" [c_user]="C: ar.due_date (user calendar based on JP-BANK)"
  [c_check]="C: ar.is_business_day (JP-BANK)" [sql_scan]="SQL: month-end + LATERAL search in a holiday table"
  [sql_table]="SQL: month-end + join to a precomputed calendar table" [sql_floor]="SQL: month-end arithmetic only, no adjustment"
  [scan]="bare scan: count(*), max(issue_date)")
for k in "${order[@]}"; do
  awk -v l="${labels[$k]}" -v m="${med[$k]}" -v c="${med[c]}" -v n="$ROWS" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.2fx |\n", l, m, m * 1e6 / n, m / c }'
done
echo
for k in "${order[@]}"; do echo "- $k: ${runs[$k]}"; done
