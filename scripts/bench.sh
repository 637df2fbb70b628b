#!/usr/bin/env bash
# make bench [BENCH=name]: run benchmarks on a throwaway cluster.
#
# Each benchmark is bench/<name>.sh; it runs with PGHOST/PGPORT/PGUSER set,
# a database "bench" with pg_receivables installed, and prints its report
# (markdown) on stdout.  Reports are collected in .build/bench/<name>.md so
# they can be copied into docs/benchmarks.md.  Benchmarks never run as part
# of make test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
. scripts/lib.sh

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for f in bench/*.sh; do names+=("$(basename "$f" .sh)"); done
fi
RUN=$(mktemp -d /tmp/pg_receivables_bench.XXXXXX)
chmod 755 "$RUN"
trap 'cluster_stop "$RUN"; rm -rf "$RUN"' EXIT
stage_install
# A benchmark cluster: durable commits off as in make test (the machine's
# disk is not what is measured), but room for parallel workers and caches.
cluster_start "$RUN" "shared_buffers = '1GB'" "work_mem = '64MB'" "maintenance_work_mem = '512MB'" \
  "max_parallel_workers_per_gather = 2" "max_parallel_workers = 4" "jit = off" "max_connections = 100"
export PGHOST=$RUN PGDATABASE=bench TOP
psql -X -q -d postgres -c "CREATE DATABASE bench" >/dev/null
psql -X -q -c "CREATE EXTENSION pg_receivables" >/dev/null
mkdir -p .build/bench
for n in "${names[@]}"; do
  [[ -x bench/$n.sh ]] || die "no benchmark bench/$n.sh"
  echo "== bench/$n.sh"
  "bench/$n.sh" | tee ".build/bench/$n.md"
done
