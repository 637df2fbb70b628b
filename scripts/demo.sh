#!/usr/bin/env bash
# make demo: install what is missing, build, start a throwaway cluster in the
# work tree (.build/demo), install pg_receivables, build a demo book and run
# the tour in demo/*.sql, printing what the extension shows.
#
#   scripts/demo.sh         (re)create the demo cluster and run the tour
#   scripts/demo.sh psql    open psql on the demo database
#   scripts/demo.sh stop    stop the demo cluster
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DEMO=$TOP/.build/demo
# Unix socket paths are limited to ~107 bytes; fall back to /tmp if the work
# tree is deep.
if [[ ${#DEMO} -gt 80 ]]; then DEMO=/tmp/pg_receivables_demo_$(id -u); fi
export PGHOST=$DEMO PGDATABASE=ar_demo

case ${1:-run} in
  psql) exec psql ;;
  stop) cluster_stop "$DEMO"; echo "demo cluster stopped"; exit 0 ;;
  run) ;;
  *) die "usage: $0 [run|psql|stop]" ;;
esac

scripts/deps.sh
cluster_stop "$DEMO"
rm -rf "$DEMO"
echo "== building and installing pg_receivables into a private tree"
stage_install
echo "== starting a throwaway cluster in $DEMO"
cluster_start "$DEMO" "cron.database_name = 'ar_demo'"
psql -X -q -d postgres -c "CREATE DATABASE ar_demo" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION pg_receivables" >/dev/null

# One session for the whole tour: later parts use the helpers earlier ones
# define (the Zengin file builders of demo/45 in demo/46, for one).
files=(); for f in demo/*.sql; do files+=(-f "$f"); done
psql -X -q -v ON_ERROR_STOP=1 -P pager=off "${files[@]}"

cat <<EOF

The demo cluster keeps running.
  make psql        psql on the demo database (ar_demo)
  make demo-stop   stop it
EOF
