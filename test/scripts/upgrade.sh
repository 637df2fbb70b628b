#!/usr/bin/env bash
# Upgrades: install the previous release from its frozen script, fill it
# with a demo book, run ALTER EXTENSION pg_receivables UPDATE, and compare
# every object (definitions, columns, constraints, indexes, triggers,
# comments, grants, pg_dump registration) and every row with a fresh install
# of the current version that holds the same book.
. "$(dirname "$0")/../lib/tap.sh"
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
current=$(sed -n "s/^default_version *= *'\(.*\)'.*/\1/p" "$TOP/pg_receivables.control")
previous=$(ls "$TOP"/upgrade/pg_receivables--*--"$current".sql 2>/dev/null | sed -n 's/.*pg_receivables--\([0-9.]*\)--.*/\1/p' | sort -V | tail -1)
if [[ -z $previous ]]; then
  echo "1..0 # SKIP no upgrade script into $current (first release)"
  exit 0
fi
plan 9
ok $([[ -f $TOP/upgrade/pg_receivables--$previous.sql ]]; echo $?) "the install script of $previous is kept (upgrade/pg_receivables--$previous.sql)"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS ar_upgraded" -c "DROP DATABASE IF EXISTS ar_fresh" \
     -c "CREATE DATABASE ar_upgraded" -c "CREATE DATABASE ar_fresh" >/dev/null
q -d ar_upgraded -c "CREATE EXTENSION pg_receivables VERSION '$previous'" >/dev/null
is "$(q -d ar_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_receivables'")" "$previous" \
   "version $previous installs"
book="SELECT ar.generate_demo_data(40, 6, 3, date '2026-01-01', date '2026-06-30')"
q -d ar_upgraded -c "$book" >/dev/null; ok $? "a demo book is written under $previous"
q -d ar_upgraded -c "ALTER EXTENSION pg_receivables UPDATE" >/dev/null 2>"$PGTEST_RUN/upgrade.err"
ok $? "ALTER EXTENSION pg_receivables UPDATE $(head -c 300 "$PGTEST_RUN/upgrade.err")"
is "$(q -d ar_upgraded -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_receivables'")" "$current" \
   "the database is at $current"

q -d ar_fresh -c "CREATE EXTENSION pg_receivables" -c "$book" >/dev/null
fp_ok=0
q -d ar_upgraded -f "$TOP/test/lib/schema_fingerprint.sql" > "$PGTEST_RUN/upgraded.txt" || fp_ok=1
q -d ar_fresh -f "$TOP/test/lib/schema_fingerprint.sql" > "$PGTEST_RUN/fresh.txt" || fp_ok=1
# (An empty fingerprint on both sides would compare equal: check it describes the objects.)
ok $([[ $fp_ok -eq 0 && $(grep -c '^function|' "$PGTEST_RUN/fresh.txt") -gt 100 ]]; echo $?) \
   "the schema fingerprint describes every object ($(grep -c '^function|' "$PGTEST_RUN/fresh.txt") functions)"
if diff "$PGTEST_RUN/fresh.txt" "$PGTEST_RUN/upgraded.txt" > "$PGTEST_RUN/upgrade.diff"; then ok 0 "every object matches a fresh install"
else ok 1 "every object matches a fresh install"; sed 's/^/# /' "$PGTEST_RUN/upgrade.diff" | head -40; fi

# The same book, row for row (ids included: both databases wrote it the same way).
rows() {
  q -d "$1" -c "SELECT string_agg(t, E'\n' ORDER BY t) FROM (
                  SELECT 'i' || to_jsonb(i)::text AS t FROM ar.invoice i
                  UNION ALL SELECT 'p' || (to_jsonb(p) - 'created_at' - 'updated_at')::text FROM ar.payment p
                  UNION ALL SELECT 'a' || (to_jsonb(a) - 'created_at')::text FROM ar.allocation a
                  UNION ALL SELECT 'c' || (to_jsonb(c) - 'created_at' - 'updated_at')::text FROM ar.customer c) x" \
    | sed -E 's/"(created_at|updated_at)": "[^"]*"//g' | md5sum
}
is "$(rows ar_upgraded)" "$(rows ar_fresh)" "the data written before the upgrade equals a fresh install's"
is "$(q -d ar_upgraded -c "SELECT count(*) FROM ar.verify_ledger()")" "0" "the ledger invariants hold after the upgrade"
psql -X -q -d postgres -c "DROP DATABASE ar_upgraded" -c "DROP DATABASE ar_fresh" >/dev/null
done_testing
