#!/usr/bin/env bash
# pg_dump / pg_restore of a full demo book: ar.generate_demo_data(200, 6)
# over half a year, four more days arriving with the daily job and a
# delivery worker, then dumped (custom format), restored into a new
# database, and every table of schema ar and every view of schema ar
# compared row for row.
#
# Left out of the comparison: created_at of the rows CREATE EXTENSION ships
# (seeded = true), which the restore writes anew.  The views count days past
# due to the customer's local date now(); a view whose fingerprint could
# change only by crossing a local midnight between the two readings is read
# on the source before and after the restored copy, and must equal one of
# the two.  v_notification_queue.oldest_age is now() minus a stored time,
# so it differs between any two transactions: it is left out (its inputs,
# oldest_created_at, are compared).  Nothing else differs.
. "$(dirname "$0")/../lib/tap.sh"
plan 6
SRC=ar_demo_dump_src
DST=ar_demo_dump_dst
fresh_db $SRC
q -d $SRC >/dev/null <<'SQL'
SELECT ar.generate_demo_data(200, 6, 7, current_date - 180, current_date - 5);
DO $$
DECLARE
  d date;
BEGIN
  FOR d IN SELECT g::date FROM generate_series(current_date - 4, current_date - 1, interval '1 day') g LOOP
    PERFORM ar.demo_advance(d, apply => true);
    PERFORM ar.run_daily(d + time '09:00');
    PERFORM ar.complete_notification(c.notification_id, 'demo')
       FROM (VALUES ('email'), ('letter'), ('agency')) ch(channel),
            LATERAL ar.claim_notifications(ch.channel, 10000, 'demo-worker') c;
  END LOOP;
END
$$;
SQL
ok $? "demo book: 200 customers, 6 invoices each, four days of daily jobs"
stats=$(q -d $SRC -c "SELECT (SELECT count(*) FROM ar.invoice) || ' invoices, ' || (SELECT count(*) FROM ar.payment) || ' payments, '
                          || (SELECT count(*) FROM ar.allocation) || ' allocations, ' || (SELECT count(*) FROM ar.notification)
                          || ' notices, ' || (SELECT count(*) FROM ar.audit_log) || ' audit rows'")

pg_dump -Fc -d $SRC -f "$PGTEST_RUN/demo.dump" && \
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DST" -c "CREATE DATABASE $DST" >/dev/null && \
  pg_restore --exit-on-error -d $DST "$PGTEST_RUN/demo.dump" 2>"$PGTEST_RUN/demo_restore.err"
ok $? "pg_dump and pg_restore of the demo book ($stats) $(head -c 300 "$PGTEST_RUN/demo_restore.err")"

relations() {   # relations KIND: the relations of schema ar of that relkind
  q -d $SRC -c "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class
                 WHERE relnamespace = 'ar'::regnamespace AND relkind = '$1'"
}
fingerprint() {   # fingerprint DB RELATION: row count and digest of every row, in a fixed order
  q -d "$1" -c "SELECT count(*) || ':' || md5(COALESCE(string_agg(r, '|' ORDER BY r), ''))
                  FROM (SELECT CASE WHEN to_jsonb(t) ? 'seeded' AND (to_jsonb(t) ->> 'seeded')::boolean
                                    THEN (to_jsonb(t) - 'created_at')::text ELSE (to_jsonb(t) - 'oldest_age')::text END AS r
                          FROM ar.$2 t) s"
}

tables=$(relations r)
diff_tables=()
for t in $tables; do
  [[ "$(fingerprint $DST "$t")" == "$(fingerprint $SRC "$t")" ]] || diff_tables+=("$t")
done
is "${diff_tables[*]:-}" "" "every table identical after restore ($(wc -w <<<"$tables") tables)"

views=$(relations v)
diff_views=()
for v in $views; do
  before=$(fingerprint $SRC "$v"); restored=$(fingerprint $DST "$v"); after=$(fingerprint $SRC "$v")
  [[ $restored == "$before" || $restored == "$after" ]] || diff_views+=("$v")
done
is "${diff_views[*]:-}" "" "every view reads the same after restore ($(wc -w <<<"$views") views: $views)"
ok $(q -d $SRC -c "SELECT count(*) > 0 FROM ar.v_open_items" | grep -q t; echo $?) "the views are not empty"
is "$(q -d $DST -c "SELECT count(*) FROM ar.verify_ledger()")" "0" "ledger invariants hold in the restored book"

psql -X -q -d postgres -c "DROP DATABASE $SRC" -c "DROP DATABASE $DST" >/dev/null
done_testing
