#!/usr/bin/env bash
# pg_cron is optional: on a server without it, CREATE EXTENSION works, the
# daily job runs when called, and ar.schedule_jobs explains how to install and
# preload pg_cron.  In the main test cluster pg_cron lives in another
# database, where the error gives the exact cron.schedule_in_database calls.
. "$(dirname "$0")/../lib/tap.sh"
plan 7
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/scripts/lib.sh"

# pg_cron preloaded, but in database ar_test: ask from another database.
fresh_db ar_nocron_here
err=$(psql -X -q -d ar_nocron_here -c "SELECT * FROM ar.schedule_jobs()" 2>&1)
[[ $err == *'pg_cron runs in database "ar_test", not in "ar_nocron_here"'* ]]; ok $? "elsewhere: the error names pg_cron's database"
[[ $err == *"SELECT cron.schedule_in_database('pg_receivables_daily', '0 9 * * *', 'SELECT ar.run_daily()', 'ar_nocron_here');"* ]]
ok $? "... and the hint gives the exact cron.schedule_in_database call to run there"
psql -X -q -d postgres -c "DROP DATABASE ar_nocron_here" >/dev/null

# A server without pg_cron at all.
dir=$(mktemp -d /tmp/pg_receivables_nocron.XXXXXX); chmod 755 "$dir"
PGPORT=5498 cluster_start "$dir" "shared_preload_libraries = ''" >/dev/null
export PGHOST=$dir PGPORT=5498
psql -X -q -d postgres -c "CREATE DATABASE plain" >/dev/null
psql -X -q -d plain -c "CREATE EXTENSION pg_receivables" >/dev/null 2>&1
ok $? "CREATE EXTENSION pg_receivables works on a server without pg_cron"
is "$(q -d plain -c "SELECT count(*) FROM pg_extension WHERE extname = 'pg_cron'")" "0" "... where pg_cron is absent"
err=$(psql -X -q -d plain -c "SELECT * FROM ar.schedule_jobs()" 2>&1)
[[ $err == *'pg_cron is not installed in database "plain"'* && $err == *'apt-get install postgresql-15-cron'* \
   && $err == *"shared_preload_libraries = 'pg_cron'"* && $err == *"cron.database_name = 'plain'"* ]]
ok $? "schedule_jobs says how to install and preload pg_cron"
q -d plain -c "SELECT ar.run_daily() ? 'dunning'" | grep -q t; ok $? "the daily job runs without pg_cron when called"
is "$(q -d plain -c "SELECT count(*) FROM ar.unschedule_jobs()")" "0" "unschedule_jobs has nothing to do"
cluster_stop "$dir"; rm -rf "$dir"
done_testing
