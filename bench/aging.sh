#!/usr/bin/env bash
# bench/aging.sh: ar.aging_sum against the idiomatic SQL (five
# sum(amount) FILTER (WHERE ...)) and against a bare sum(amount), the
# floor, over the same rows in the same run; single worker and with two
# parallel workers.  Run by scripts/bench.sh aging (PGHOST etc. set, database
# "bench" with pg_receivables); prints a markdown report.
#
#   AGING_ROWS  rows in the dataset (default 2000000)
#   AGING_RUNS  timed runs per query and setting (default 7; medians reported)
set -euo pipefail
ROWS=${AGING_ROWS:-2000000}
RUNS=${AGING_RUNS:-7}
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

# Invoice-like amounts: 85 % JPY whole yen, log-uniform 1,000..10,000,000;
# 15 % USD with cents, log-uniform 10.00..100,000.00.  Days past due
# uniform over -30..200.  setseed makes the rows the same every run.
"${PSQL[@]}" >/dev/null <<SQL
DROP TABLE IF EXISTS bench_aging;
CREATE TABLE bench_aging (currency char(3) NOT NULL, amount numeric NOT NULL, days_past_due integer NOT NULL,
                          due_date date NOT NULL);
SELECT setseed(0.42);
INSERT INTO bench_aging
SELECT CASE WHEN u < 0.85 THEN 'JPY' ELSE 'USD' END,
       CASE WHEN u < 0.85 THEN round(1000 * exp(random() * ln(10000)))::numeric
            ELSE round((10 * exp(random() * ln(10000)))::numeric, 2) END,
       d, date '2026-11-23' - d
  FROM (SELECT random() AS u, -30 + floor(random() * 231)::integer AS d FROM generate_series(1, $ROWS)) g;
VACUUM (FREEZE, ANALYZE) bench_aging;   -- all-visible: no per-row visibility checks
SQL

Q_COUNT="SELECT count(*) FROM bench_aging"
Q_SUM="SELECT sum(amount) FROM bench_aging"
Q_FILTER="SELECT ARRAY[sum(amount) FILTER (WHERE days_past_due <= 0), sum(amount) FILTER (WHERE days_past_due BETWEEN 1 AND 30), sum(amount) FILTER (WHERE days_past_due BETWEEN 31 AND 60), sum(amount) FILTER (WHERE days_past_due BETWEEN 61 AND 90), sum(amount) FILTER (WHERE days_past_due > 90)] FROM bench_aging"
Q_AGING="SELECT ar.aging_sum(amount, days_past_due, '30,60,90') FROM bench_aging"
# The same with days past due computed from the due date, as a report over
# invoices does: the FILTER form computes the subtraction in every filter.
DPD="(date '2026-11-23' - due_date)"
Q_FILTERD="SELECT ARRAY[sum(amount) FILTER (WHERE $DPD <= 0), sum(amount) FILTER (WHERE $DPD BETWEEN 1 AND 30), sum(amount) FILTER (WHERE $DPD BETWEEN 31 AND 60), sum(amount) FILTER (WHERE $DPD BETWEEN 61 AND 90), sum(amount) FILTER (WHERE $DPD > 90)] FROM bench_aging"
Q_AGINGD="SELECT ar.aging_sum(amount, $DPD, '30,60,90') FROM bench_aging"

# Same answer, or the timings mean nothing; and a real parallel plan.
same=$("${PSQL[@]}" -At -c "SELECT ($Q_FILTER) = ($Q_AGING) AND ($Q_FILTERD) = ($Q_AGINGD) AND ($Q_AGING) = ($Q_AGINGD)")
[[ $same == t ]] || { echo "error: ar.aging_sum and the FILTER sums disagree" >&2; exit 1; }
plan_par=$("${PSQL[@]}" -At -c "SET max_parallel_workers_per_gather = 2" -c "EXPLAIN $Q_AGING" | tr '\n' ' ')
par_note="the 2-worker plan is Gather over Partial Aggregate (checked)"
[[ $plan_par == *"Partial Aggregate"* ]] || par_note="note: the planner chose no parallel plan at this size"

# One psql session per setting.  Per run: the wall time (psql's \timing)
# and, for the single-worker runs, the CPU time the backend spent (from
# /proc/PID/schedstat).  The machine is shared, and CPU time is far less
# disturbed by other processes than wall time.
declare -A t c
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
spread() { sort -n | awk '{a[NR] = $1} END {printf "%.0f-%.0f", a[1], a[NR]}'; }
cpu_ns() { cut -d' ' -f1 "/proc/$1/schedstat"; }

run_setting() {   # run_setting WORKERS QUERY...: fills t[WORKERS,QUERY] and c[WORKERS,QUERY]
  local w=$1 pid q v r line a b wall
  shift
  local queries=("$@")
  coproc PS { "${PSQL[@]}" -At 2>&1; }
  echo "SET max_parallel_workers_per_gather = $w; SELECT pg_backend_pid();" >&"${PS[1]}"
  read -r pid <&"${PS[0]}"
  echo '\timing on' >&"${PS[1]}"
  one() {   # one SQL: sets wall (ms) and cpu (ms)
    a=$(cpu_ns "$pid")
    printf '%s;\n' "$1" >&"${PS[1]}"
    while read -r line <&"${PS[0]}"; do [[ $line == Time:* ]] && break; done
    b=$(cpu_ns "$pid")
    wall=$(sed 's/^Time: \([0-9.]*\) ms.*/\1/' <<<"$line")
    cpu=$(( (b - a) / 1000000 ))
  }
  for q in "${queries[@]}"; do v=Q_$q; one "${!v}"; done   # warm-up: loads the buffers
  for ((r = 1; r <= RUNS; r++)); do
    # Interleaved, so that a noisy moment hits every query alike.
    for q in "${queries[@]}"; do
      v=Q_$q
      one "${!v}"
      t[$w,$q]+="$wall "
      c[$w,$q]+="$cpu "
    done
  done
  echo '\q' >&"${PS[1]}"
  wait "$PS_PID" 2>/dev/null || true
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
run_setting 0 COUNT SUM FILTER AGING FILTERD AGINGD
run_setting 2 COUNT SUM FILTER AGING
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# How the 2-worker plan divides the rows: the parallel scan's rows per worker
# from EXPLAIN ANALYZE VERBOSE; the leader took the rest.
explain=$("${PSQL[@]}" -At -c "SET max_parallel_workers_per_gather = 2" -c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) $Q_AGING")
mapfile -t worker_rows < <(awk '/Parallel Seq Scan/ {f = 1} f && /Worker [0-9]+: / {match($0, /rows=[0-9]+/); print substr($0, RSTART + 5, RLENGTH - 5)}' <<<"$explain")
split="leader $(( ROWS - ${worker_rows[0]:-0} - ${worker_rows[1]:-0} ))"
for ((r = 0; r < ${#worker_rows[@]}; r++)); do split+=", worker $r ${worker_rows[$r]}"; done

med() { tr ' ' '\n' <<<"${t[$1,$2]}" | grep . | median; }
rng() { tr ' ' '\n' <<<"${t[$1,$2]}" | grep . | spread; }
cmed() { tr ' ' '\n' <<<"${c[$1,$2]}" | grep . | median; }
crng() { tr ' ' '\n' <<<"${c[$1,$2]}" | grep . | spread; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

s0=$(med 0 SUM); f0=$(med 0 FILTER); a0=$(med 0 AGING)
s2=$(med 2 SUM); f2=$(med 2 FILTER); a2=$(med 2 AGING)
n0=$(med 0 COUNT); n2=$(med 2 COUNT)
cs=$(cmed 0 SUM); cf=$(cmed 0 FILTER); ca=$(cmed 0 AGING)
fd=$(med 0 FILTERD); ad=$(med 0 AGINGD); cfd=$(cmed 0 FILTERD); cad=$(cmed 0 AGINGD)

cat <<EOF
### ar.aging_sum

$(date -u +%F), $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), PostgreSQL $("${PSQL[@]}" -At -c 'SHOW server_version' | cut -d' ' -f1);
$ROWS rows (85 % JPY whole yen, 15 % USD with cents; days past due -30..200),
table in shared buffers; median of $RUNS interleaved runs per cell, min-max in
brackets. Load average (1/5/15 min) before: $load_before; after: $load_after.

| query | 1 worker: wall ms | 1 worker: backend CPU ms | 2 parallel workers: wall ms |
|---|---|---|---|
| bare \`sum(amount)\` (the floor) | $s0 [$(rng 0 SUM)] | $cs [$(crng 0 SUM)] | $s2 [$(rng 2 SUM)] |
| five \`sum(amount) FILTER (WHERE ...)\` | $f0 [$(rng 0 FILTER)] | $cf [$(crng 0 FILTER)] | $f2 [$(rng 2 FILTER)] |
| \`ar.aging_sum(amount, days_past_due, '30,60,90')\` | $a0 [$(rng 0 AGING)] | $ca [$(crng 0 AGING)] | $a2 [$(rng 2 AGING)] |

| ratio, single worker | wall | CPU | target |
|---|---|---|---|
| FILTER sums / aging_sum | **$(ratio "$f0" "$a0")x** | **$(ratio "$cf" "$ca")x** | at least 2x |
| aging_sum / bare sum | **$(ratio "$a0" "$s0")x** | **$(ratio "$ca" "$cs")x** | at most 1.25x |

- aging_sum parallel speed-up (wall, 1 worker / 2 workers): **$(ratio "$a0" "$a2")x**; $par_note;
  rows aggregated per process in one 2-worker run: $split
- the machine's own parallel scaling, for reference: \`count(*)\` takes $n0 ms with 1 worker
  and $n2 ms with 2 (speed-up $(ratio "$n0" "$n2")x); bare sum $(ratio "$s0" "$s2")x, aging_sum $(ratio "$a0" "$a2")x

With days past due computed from a due date (\`date '2026-11-23' - due_date\`), as a
report over invoices does, single worker:

| query | wall ms | backend CPU ms |
|---|---|---|
| five \`sum(amount) FILTER (WHERE ...)\` | $fd [$(rng 0 FILTERD)] | $cfd [$(crng 0 FILTERD)] |
| \`ar.aging_sum(amount, date '2026-11-23' - due_date, '30,60,90')\` | $ad [$(rng 0 AGINGD)] | $cad [$(crng 0 AGINGD)] |

- FILTER sums / aging_sum: **$(ratio "$fd" "$ad")x** wall, **$(ratio "$cfd" "$cad")x** CPU;
  aging_sum / bare sum: **$(ratio "$ad" "$s0")x** wall, **$(ratio "$cad" "$cs")x** CPU
- results of aging_sum and the FILTER sums are equal (checked before timing)
EOF
