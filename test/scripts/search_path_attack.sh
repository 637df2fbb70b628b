#!/usr/bin/env bash
# Search-path hygiene, in the manner of PostgreSQL's contrib security tests.
#
# 1. Catalog: every PL/pgSQL and every SECURITY DEFINER function of schema ar
#    pins search_path (pg_catalog first, pg_temp last, nothing writable by
#    others); plain SQL functions without one have SQL-standard bodies (parsed
#    once at CREATE EXTENSION, names bound then); the SECURITY DEFINER
#    functions are exactly those justified in docs/security.md; nothing in
#    ar is granted to PUBLIC; the SQL the C code runs through SPI qualifies
#    its operators, casts and tables.
# 2. Attack: a non-superuser with CREATE on public plants, for every
#    pg_catalog function, aggregate and operator the extension's source names,
#    a public one with the same argument types (which wins under
#    search_path = public, pg_catalog), public views named like every ar
#    table and view, and, in its own session, pg_temp tables and views named
#    like ar's tables and the extension's own temporary tables.  Each planted
#    object bumps a sequence (not rolled back) and raises.  The attacker,
#    then a superuser, both with search_path = public, pg_catalog, use the
#    extension end to end; no planted object may have run.  Controls prove
#    the traps are live.
. "$(dirname "$0")/../lib/tap.sh"
plan 18
DB=ar_sp_attack
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
fresh_db $DB
work=$(mktemp -d /tmp/pgr_spattack.XXXXXX)
chmod 755 "$work"
trap '[[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"' EXIT

# ---------------------------------------------------------------- catalog
is "$(q -d $DB -c "
  SELECT pg_catalog.string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1)
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
   WHERE p.pronamespace = 'ar'::regnamespace AND (l.lanname = 'plpgsql' OR p.prosecdef)
     AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')")" "" \
   "every PL/pgSQL and SECURITY DEFINER function in ar pins search_path"

is "$(q -d $DB -c "
  SELECT pg_catalog.string_agg(p.oid::regprocedure::text || ' (' || c || ')', ', ' ORDER BY 1)
    FROM pg_proc p, unnest(p.proconfig) c
   WHERE p.pronamespace = 'ar'::regnamespace AND c LIKE 'search\_path=%'
     AND NOT (c ~ '^search_path=(ar, )?pg_catalog(, ar)?, pg_temp$')")" "" \
   "every pinned search_path is pg_catalog (and ar) first, pg_temp last, nothing else"

is "$(q -d $DB -c "
  SELECT pg_catalog.string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1)
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
   WHERE p.pronamespace = 'ar'::regnamespace AND l.lanname = 'sql' AND p.prosqlbody IS NULL
     AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%')")" "" \
   "plain SQL functions without search_path have SQL-standard bodies (bound at creation)"

# The SECURITY DEFINER functions are exactly the ones docs/security.md justifies.
documented=$(sed -n '/^## SECURITY DEFINER functions/,/^## /p' "$TOP/docs/security.md" \
             | sed -n 's/^| *`\(ar\.[^`]*\)` *|.*/\1/p' | sort | paste -sd ' ')
is "$(q -d $DB -c "SELECT pg_catalog.string_agg(p.oid::regprocedure::text, ' ' ORDER BY p.oid::regprocedure::text COLLATE \"C\")
                     FROM pg_proc p WHERE p.pronamespace = 'ar'::regnamespace AND p.prosecdef")" \
   "$(tr ' ' '\n' <<<"$documented" | LC_ALL=C sort | paste -sd ' ')" \
   "SECURITY DEFINER functions are exactly those justified in docs/security.md"

is "$(q -d $DB -c "
  SELECT pg_catalog.string_agg(what, ', ' ORDER BY what) FROM (
    SELECT p.oid::regprocedure::text AS what FROM pg_proc p, aclexplode(p.proacl) a
     WHERE p.pronamespace = 'ar'::regnamespace AND a.grantee = 0
    UNION ALL
    SELECT c.oid::regclass::text FROM pg_class c, aclexplode(c.relacl) a
     WHERE c.relnamespace = 'ar'::regnamespace AND a.grantee = 0
    UNION ALL
    SELECT 'schema ' || n.nspname FROM pg_namespace n, aclexplode(n.nspacl) a
     WHERE n.nspname = 'ar' AND a.grantee = 0
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text || ' (default ACL)' FROM pg_proc p
     WHERE p.pronamespace = 'ar'::regnamespace AND p.proacl IS NULL
    UNION ALL
    SELECT 'relation ' || c.oid::regclass::text || ' (default ACL)' FROM pg_class c
     WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S', 'p') AND c.relacl IS NULL) x")" "" \
   "nothing in schema ar is granted to PUBLIC (functions, relations, sequences, the schema)"

is "$(q -d $DB -c "SELECT pg_catalog.string_agg(c.oid::regclass::text, ', ' ORDER BY 1) FROM pg_class c
                     WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'v'
                       AND NOT COALESCE('security_invoker=true' = ANY (c.reloptions), false)")" "" \
   "every view in ar is security_invoker (row security of the querying user applies)"

# SQL run by the C code through SPI: every cast and operator names
# pg_catalog, every table its schema.
spi_bad=$(perl -0777 -ne '
  while (/SPI_(?:execute|execute_with_args|prepare|cursor_open_with_args)\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)/g) {
    my $q = join("", $1 =~ /"((?:[^"\\]|\\.)*)"/g);
    my @bad;
    push @bad, "cast $1" while $q =~ /::(?!pg_catalog\.|ar\.)(\w+)/g;
    push @bad, "operator $1" while $q =~ /(?<![\w.(])\s*([=<>!+\-*\/|]{1,2})\s*(?![^(]*\))/g && $1 ne "*";
    push @bad, "relation $1" while $q =~ /\b(?:FROM|JOIN)\s+(?!pg_catalog\.|ar\.|\(|ROWS\s+FROM\b)(\w+)(?!\s*\()/gi;
    print "$ARGV: $q: @bad\n" if @bad;
  }' "$TOP"/src/*.c)
is "$spi_bad" "" "SPI queries in src/*.c qualify casts, operators and relations"

# ---------------------------------------------------------------- the book
q -d $DB >/dev/null <<'SQL'
INSERT INTO ar.customer (customer_code, name, name_kana) VALUES ('SP1', 'さくら商事', 'ｻｸﾗｼﾖｳｼﾞ'), ('SP2', 'Acme', NULL);
UPDATE ar.customer SET email = lower(customer_code) || '@example.com', address = 'Tokyo';
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, c.customer_code || '-' || n, date '2026-09-01' + n, date '2026-10-01' + n, 10000 * n
  FROM ar.customer c, generate_series(1, 6) n;
SQL
ok $? "a small book"
cust1=$(q -d $DB -c "SELECT customer_id FROM ar.customer WHERE customer_code = 'SP1'")
cust2=$(q -d $DB -c "SELECT customer_id FROM ar.customer WHERE customer_code = 'SP2'")
inv_void=$(q -d $DB -c "SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'SP2-6'")
inv_wo=$(q -d $DB -c "SELECT invoice_id FROM ar.invoice WHERE invoice_no = 'SP2-5'")
zengin_hex=$(psql -X -q -A -t -d $DB -v ON_ERROR_STOP=1 \
  -c "\\i $TOP/test/fixtures/zengin/generate.sql" \
  -c "SELECT encode(pg_temp.zg_fixture('01_crlf'), 'hex')" 2>/dev/null | tail -n 1)
views=$(q -d $DB -c "SELECT string_agg(format('SELECT pg_catalog.count(*) FROM ar.%I;', relname), ' ' ORDER BY relname)
                     FROM pg_class WHERE relnamespace = 'ar'::regnamespace AND relkind IN ('v', 'm')")

# ---------------------------------------------------------------- planting
psql -X -q -d postgres >/dev/null 2>&1 <<'SQL'
DROP ROLE IF EXISTS sp_attacker;
SQL
psql -X -q -v ON_ERROR_STOP=1 -d $DB >/dev/null <<SQL
SELECT * FROM ar.create_roles();
CREATE ROLE sp_attacker LOGIN NOSUPERUSER;
GRANT ar_admin TO sp_attacker;
GRANT CREATE ON SCHEMA public TO sp_attacker;
SQL
ok $? "attacker role: not a superuser, member of ar_admin, CREATE on public"

# Every identifier of the extension's source that names a pg_catalog function.
grep -ohE '\b[a-z_][a-z0-9_]*\b' "$TOP"/schema/*.sql "$TOP"/src/*.c | sort -u >"$work/words"
words_array="{$(paste -sd, "$work/words")}"

cat >"$work/plant.sql" <<SQL
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SEQUENCE public.trap_calls;
GRANT USAGE ON SEQUENCE public.trap_calls TO PUBLIC;
CREATE FUNCTION public.trap_rel() RETURNS TABLE (x integer) LANGUAGE plpgsql AS \$\$
BEGIN PERFORM pg_catalog.nextval('public.trap_calls'); RAISE EXCEPTION 'planted relation read'; END \$\$;
DO \$do\$
DECLARE
  r record;
  body text := \$b\$ LANGUAGE plpgsql AS \$t\$BEGIN PERFORM pg_catalog.nextval('public.trap_calls');
                    RAISE EXCEPTION 'planted object %% called', %L; END\$t\$\$b\$;
  n_fn integer := 0; n_agg integer := 0; n_op integer := 0;
BEGIN
  -- Functions: same name and argument types as in pg_catalog.
  FOR r IN SELECT p.oid, p.proname, pg_catalog.oidvectortypes(p.proargtypes) AS args,
                  p.prorettype::regtype::text AS rettype, p.proretset
             FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
              AND p.proname = ANY ('$words_array'::text[])
              AND p.prorettype IN (SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typtype <> 'p')
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proargtypes::oid[]) a
                               JOIN pg_catalog.pg_type t ON t.oid = a WHERE t.typtype = 'p')
  LOOP
    EXECUTE pg_catalog.format('CREATE FUNCTION public.%I(%s) RETURNS %s%s',
                              r.proname, r.args, CASE WHEN r.proretset THEN 'SETOF ' ELSE '' END, r.rettype)
            || pg_catalog.format(body, 'public.' || r.proname || '(' || r.args || ')');
    n_fn := n_fn + 1;
  END LOOP;
  -- Aggregates of one or two plain arguments, state of the first one's type.
  FOR r IN SELECT p.proname, pg_catalog.oidvectortypes(p.proargtypes) AS args, p.proargtypes[0]::regtype::text AS st
             FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'a' AND p.pronargs IN (1, 2)
              AND p.proname = ANY ('$words_array'::text[])
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proargtypes::oid[]) a
                               JOIN pg_catalog.pg_type t ON t.oid = a WHERE t.typtype = 'p')
  LOOP
    BEGIN
      EXECUTE pg_catalog.format('CREATE FUNCTION public.trap_sfunc(%s, %s) RETURNS %s', r.st, r.args, r.st)
              || pg_catalog.format(body, 'aggregate transition');
    EXCEPTION WHEN duplicate_function THEN NULL;
    END;
    EXECUTE pg_catalog.format('CREATE AGGREGATE public.%I(%s) (SFUNC = public.trap_sfunc, STYPE = %s)', r.proname, r.args, r.st);
    n_agg := n_agg + 1;
  END LOOP;
  -- Operators the SQL of the extension writes, for every plain operand type.
  FOR r IN SELECT o.oid, o.oprname, o.oprleft::regtype::text AS l, o.oprright::regtype::text AS rt, o.oprresult::regtype::text AS res,
                  o.oprleft = 0 AS prefix
             FROM pg_catalog.pg_operator o
            WHERE o.oprnamespace = 'pg_catalog'::regnamespace
              AND o.oprname IN ('=', '<>', '<', '>', '<=', '>=', '+', '-', '*', '/', '%', '||', '->', '->>', '#>', '#>>',
                                '?', '?|', '?&', '@>', '<@', '&&', '~', '~~', '~~*', '!~', '!~~', '~*', '^')
              AND (o.oprleft = 0 OR o.oprleft IN (SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typtype <> 'p'))
              AND o.oprright IN (SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typtype <> 'p')
              AND o.oprresult IN (SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typtype <> 'p')
  LOOP
    IF r.prefix THEN
      EXECUTE pg_catalog.format('CREATE FUNCTION public.trap_op_%s(%s) RETURNS %s', r.oid, r.rt, r.res)
              || pg_catalog.format(body, 'operator ' || r.oprname);
      EXECUTE pg_catalog.format('CREATE OPERATOR public.%s (RIGHTARG = %s, FUNCTION = public.trap_op_%s)', r.oprname, r.rt, r.oid);
    ELSE
      EXECUTE pg_catalog.format('CREATE FUNCTION public.trap_op_%s(%s, %s) RETURNS %s', r.oid, r.l, r.rt, r.res)
              || pg_catalog.format(body, 'operator ' || r.oprname || ' (' || r.l || ', ' || r.rt || ')');
      EXECUTE pg_catalog.format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.trap_op_%s)',
                                r.oprname, r.l, r.rt, r.oid);
    END IF;
    n_op := n_op + 1;
  END LOOP;
  -- Relations named like every table and view of ar.
  FOR r IN SELECT c.relname FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p') LOOP
    EXECUTE pg_catalog.format('CREATE VIEW public.%I AS SELECT * FROM public.trap_rel()', r.relname);
  END LOOP;
  RAISE WARNING 'planted % functions, % aggregates, % operators', n_fn, n_agg, n_op;
END
\$do\$;
SQL
psql -X -q -d $DB -U sp_attacker -f "$work/plant.sql" >"$work/plant.out" 2>&1
rc=$?
ok $rc "attacker planted $(sed -n 's/.*WARNING:  planted \(.*\)/\1/p' "$work/plant.out") and views named like ar's relations"
[[ $rc -eq 0 ]] || sed 's/^/# /' "$work/plant.out" | head -n 20

# The extension used end to end.  Every statement qualifies the operators
# and functions it writes itself, so that only the extension's own code
# could reach a planted object.
usage() {   # usage LABEL: the calls, for the role the session runs as
  cat <<SQL
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET search_path = public, pg_catalog;
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
VALUES ($cust1, '$1-A', '2026-10-01', '2026-10-31', 50000), ($cust1, '$1-B', '2026-10-02', '2026-11-01', 7700);
INSERT INTO ar.payment (customer_id, amount, received_on, payer_name, bank_ref, source)
VALUES ($cust1, 30000, '2026-11-05', 'ｻｸﾗｼﾖｳｼﾞ', '$1-P1', 'test'), ($cust2, 10000, '2026-11-05', 'ACME', '$1-P2', 'test');
SELECT pg_catalog.max(payment_id) AS pay1 FROM ar.payment WHERE bank_ref OPERATOR(pg_catalog.=) '$1-P1' \gset
SELECT pg_catalog.max(payment_id) AS pay2 FROM ar.payment WHERE bank_ref OPERATOR(pg_catalog.=) '$1-P2' \gset
SELECT * FROM ar.apply_payment(:pay1);
SELECT * FROM ar.apply_payment(:pay2, 'proportional');
SELECT pg_catalog.max(allocation_id) AS alloc FROM ar.allocation WHERE payment_id OPERATOR(pg_catalog.=) :pay1 \gset
SELECT ar.reverse_allocation(:alloc, 'search path test');
SELECT * FROM ar.apply_payment(:pay1, 'exact_first');
INSERT INTO ar.credit_note (customer_id, credit_note_no, amount, reason) VALUES ($cust1, '$1-CN', 1000, 'test');
SELECT pg_catalog.max(credit_note_id) AS cn FROM ar.credit_note WHERE credit_note_no OPERATOR(pg_catalog.=) '$1-CN' \gset
SELECT * FROM ar.apply_credit_note(:cn);
SELECT ar.write_off(invoice_id, 1, 'test') FROM ar.invoice WHERE invoice_no OPERATOR(pg_catalog.=) '$1-B';
SELECT * FROM ar.import_zengin('\\x$zengin_hex'::bytea);
SELECT * FROM ar.import_zengin('\\x$zengin_hex'::bytea);
SELECT * FROM ar.run_dunning('$2 10:00+09'::timestamptz);
SELECT * FROM ar.run_dunning('2027-01-20 10:00+09'::timestamptz, dry_run => true);
SELECT ar.complete_notification(n.notification_id, 'sp-ref') FROM ar.claim_notifications('email', 1, 'sp-test') n;
SELECT ar.fail_notification(n.notification_id, 'bounced') FROM ar.claim_notifications('email', 1, 'sp-test') n;
SELECT ar.log_contact($cust1, 'call', 'reached', 'search path test');
SELECT * FROM ar.evaluate_promises('2027-01-20');
SELECT ar.run_daily('2027-01-21 09:00+09'::timestamptz) IS NOT NULL;
SELECT ar.normalize_name('ｶ)ｻｸﾗｼｮｳｼﾞ'), ar.normalize_name('株式会社 さくら商事');
SELECT ar.render_template('{{#items}}{{no}} {{amount}}{{/items}} {{name}}', '{"name": "x", "items": [{"no": "1", "amount": "2"}]}');
SELECT ar.format_money(1234567, 'JPY', 'ja'), ar.format_date('2026-11-23', 'ja');
SELECT ar.due_date('net 30'::ar.payment_terms, '2026-11-23'), ar.due_date('月末締め翌月末払い'::ar.payment_terms, '2026-11-23');
SELECT ar.is_business_day('2026-11-23', 'JP'), ar.add_business_days('2026-11-20', 3, 'JP-BANK');
SELECT * FROM ar.holidays('JP', '2026-01-01', '2026-12-31');
SELECT * FROM ar.parse_zengin('\\x$zengin_hex'::bytea);
SELECT * FROM ar.aging_report('2027-01-31');
SELECT * FROM ar.aging_report('2027-01-31', '15,45', 'currency', 'issue_date');
SELECT * FROM ar.ladder_steps('+1 email:overdue_1; +7 sms min=1000; +30 letter stop'::ar.escalation_ladder);
SELECT ar.allocate(1000, ARRAY[300, 500, 400]::numeric[], 'fifo', 0);
SELECT * FROM ar.verify_ledger();
$views
SQL
}

# The attacker's own session: its pg_temp holds tables and views named like
# ar's tables and the extension's temporary tables.  SECURITY DEFINER code
# runs in this session and must not pick them up.
temp_names=$(q -d $DB -c "SELECT string_agg(relname, ' ') FROM pg_class
                           WHERE relnamespace = 'ar'::regnamespace AND relkind IN ('r', 'v', 'm', 'p')")
{
  echo '\set ON_ERROR_STOP 1'
  echo "CREATE TEMP TABLE trap_temp_writes (relname text);"
  echo "CREATE FUNCTION pg_temp.trap_write() RETURNS trigger LANGUAGE plpgsql AS \$\$
        BEGIN PERFORM pg_catalog.nextval('public.trap_calls');
              INSERT INTO pg_temp.trap_temp_writes VALUES (TG_TABLE_NAME); RETURN NULL; END \$\$;"
  for t in $temp_names new_rows old_rows; do
    echo "CREATE TEMP VIEW $t AS SELECT * FROM public.trap_rel();"
  done
  for t in ar_dun_steps ar_dun_items ar_dun_cand ar_dun_decision ar_dun_sent ar_dun_interest ar_zengin_import ar_demo_timing; do
    echo "CREATE TEMP TABLE $t (x integer);"
    echo "CREATE TRIGGER trap AFTER INSERT OR UPDATE OR DELETE ON pg_temp.$t FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.trap_write();"
  done
  usage ATK 2026-10-05
  echo "SELECT 'temp-writes=' || pg_catalog.count(*) FROM pg_temp.trap_temp_writes;"
} >"$work/attacker.sql"
psql -X -q -A -t -d $DB -U sp_attacker -f "$work/attacker.sql" >"$work/attacker.out" 2>&1
rc=$?
ok $rc "attacker session (ar_admin, planted pg_temp, search_path = public, pg_catalog) used the extension end to end"
[[ $rc -eq 0 ]] || grep -E 'ERROR|planted' "$work/attacker.out" | head -n 10 | sed 's/^/# /'

{ usage SU 2026-10-12; } >"$work/superuser.sql"
psql -X -q -A -t -d $DB -U postgres -f "$work/superuser.sql" >"$work/superuser.out" 2>&1
rc=$?
ok $rc "superuser session with search_path = public, pg_catalog used the extension end to end"
[[ $rc -eq 0 ]] || grep -E 'ERROR|planted' "$work/superuser.out" | head -n 10 | sed 's/^/# /'

is "$(q -d $DB -c "SELECT is_called FROM public.trap_calls")" "f" "no planted function, aggregate, operator or relation ran"
is "$(q -d $DB -c "SELECT count(*) FROM ar.verify_ledger()")" "0" "the ledger is consistent after both sessions"
is "$(q -d $DB -c "SELECT (SELECT count(*) FROM ar.payment WHERE source LIKE 'zengin:%') > 0,
                          (SELECT count(*) FROM ar.allocation WHERE reversed_on IS NOT NULL) = 2,
                          (SELECT count(*) FROM ar.notification WHERE provider_ref = 'sp-ref') >= 1
                           AND (SELECT count(*) FROM ar.notification WHERE last_error = 'bounced') >= 1")" "t|t|t" \
   "the sessions did the work: Zengin payments imported, two reversals, notices claimed, sent and failed"
ok $(q -d $DB -c "SELECT count(*) FILTER (WHERE actor = 'sp_attacker') > 0 AND count(*) FILTER (WHERE actor = 'postgres') > 0
                  FROM ar.audit_log" | grep -q t; echo $?) \
   "the audit log was written by the SECURITY DEFINER trigger for both, with the acting role"

# Controls: the traps are live.  A naive inlinable SQL function (a $$ body
# with a bare =) picks up the planted operator; so would an unqualified
# function call.
out=$(psql -X -q -A -t -d $DB -U sp_attacker 2>&1 <<'SQL'
CREATE FUNCTION public.naive_eq(a bigint, b bigint) RETURNS boolean LANGUAGE sql AS $$ SELECT a = b $$;
SET search_path = public, pg_catalog;
SELECT public.naive_eq(1, 1);
SQL
)
ok $(grep -q 'planted object operator = (bigint, bigint) called' <<<"$out"; echo $?) \
   "control: a naive SQL function under search_path = public, pg_catalog runs the planted = (bigint, bigint)"
is "$(q -d $DB -c "SELECT is_called FROM public.trap_calls")" "t" "control: the trap counter counts"

psql -X -q -d postgres -c "DROP DATABASE $DB" >/dev/null
psql -X -q -d postgres -c "DROP ROLE sp_attacker" >/dev/null
done_testing
