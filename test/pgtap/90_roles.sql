-- Roles and row security: each role can do what it must and nothing more,
-- nothing is granted to PUBLIC, every writing function is assigned to a
-- role, and collector isolation holds in the tables and through the views.
BEGIN;
SELECT plan(37);

SELECT is((SELECT count(*)::int FROM ar.create_roles()), 5, 'create_roles returns the five roles');
SELECT is((SELECT count(*)::int FROM ar.create_roles() WHERE created), 0, 'calling it again creates nothing');
SELECT ok((SELECT bool_and(NOT rolcanlogin) FROM pg_roles WHERE rolname LIKE 'ar\_%'), 'the roles cannot log in');
SELECT ok(pg_has_role('ar_admin', 'ar_reader', 'MEMBER') AND pg_has_role('ar_accountant', 'ar_collector', 'MEMBER')
          AND pg_has_role('ar_admin', 'ar_worker', 'MEMBER') AND NOT pg_has_role('ar_collector', 'ar_accountant', 'MEMBER'),
          'roles nest: reader < collector < accountant < admin, and admin includes worker');

-- Nothing for PUBLIC; every writing function has a role.
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'ar'::regnamespace
            AND has_function_privilege('public', p.oid, 'EXECUTE')), 0, 'no function is executable by PUBLIC');
SELECT is((SELECT count(*)::int FROM pg_class c WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('r', 'v')
            AND has_table_privilege('public', c.oid, 'SELECT')), 0, 'no table or view is readable by PUBLIC');
SELECT is_empty($$SELECT p.oid::regprocedure::text FROM pg_proc p
                   WHERE p.pronamespace = 'ar'::regnamespace AND p.provolatile = 'v' AND p.prokind = 'f'
                     AND p.prorettype <> 'trigger'::regtype
                     AND p.proname NOT IN (SELECT function_name FROM ar.role_functions())$$,
                'every VOLATILE function is assigned to a role in ar.role_functions()');
SELECT is_empty($$SELECT f.function_name FROM ar.role_functions() f
                   WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'ar'::regnamespace
                                       AND p.proname = f.function_name)$$,
                'ar.role_functions() names only functions that exist');

-- Test users.
CREATE ROLE ar_test_reader; GRANT ar_reader TO ar_test_reader;
CREATE ROLE ar_test_coll_a; GRANT ar_collector TO ar_test_coll_a;
CREATE ROLE ar_test_coll_b; GRANT ar_collector TO ar_test_coll_b;
CREATE ROLE ar_test_acct; GRANT ar_accountant TO ar_test_acct;
CREATE ROLE ar_test_admin; GRANT ar_admin TO ar_test_admin;
CREATE ROLE ar_test_worker; GRANT ar_worker TO ar_test_worker;
INSERT INTO ar.customer (customer_code, name, collector) VALUES
  ('RA', '株式会社エーコレクター', 'ar_test_coll_a'), ('RB', '株式会社ビーコレクター', 'ar_test_coll_b');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'RINV-' || customer_code, current_date - 60, current_date - 30, 10000 FROM ar.customer
 WHERE customer_code IN ('RA', 'RB');

-- Reader.
SET ROLE ar_test_reader;
SELECT is((SELECT count(*)::int FROM ar.customer WHERE customer_code IN ('RA', 'RB')), 2, 'a reader reads customers');
SELECT ok((SELECT count(*) FROM ar.v_aging) >= 2, 'a reader reads the views');
SELECT is(ar.normalize_name('ｶ)ﾃｽﾄ'), 'テスト', 'a reader runs read-only functions');
SELECT throws_ok($$INSERT INTO ar.customer (customer_code, name) VALUES ('RX', 'x')$$, '42501', NULL,
                 'a reader cannot write');
SELECT throws_ok($$SELECT * FROM ar.apply_payment(1)$$, '42501', NULL, 'a reader cannot apply payments');
RESET ROLE;

-- Collector.
SET ROLE ar_test_coll_a;
SELECT lives_ok($$INSERT INTO ar.promise (customer_id, amount, promised_on)
                  SELECT customer_id, 10000, current_date + 7 FROM ar.customer WHERE customer_code = 'RA'$$,
                'a collector records a promise');
SELECT lives_ok($$SELECT ar.log_contact((SELECT customer_id FROM ar.customer WHERE customer_code = 'RA'), 'call', 'reached')$$,
                'a collector logs a contact');
SELECT throws_ok($$INSERT INTO ar.invoice (customer_id, invoice_no, due_date, amount)
                   SELECT customer_id, 'RX', current_date, 1 FROM ar.customer WHERE customer_code = 'RA'$$,
                 '42501', NULL, 'a collector cannot invoice');
SELECT throws_ok($$UPDATE ar.setting SET value = 'USD' WHERE key = 'home_currency'$$, '42501', NULL,
                 'a collector cannot change settings');
RESET ROLE;

-- Accountant: the ledger, audited under their own name.
SET ROLE ar_test_acct;
SELECT lives_ok($$INSERT INTO ar.payment (customer_id, amount, bank_ref, source)
                  SELECT customer_id, 4000, 'R-PAY-1', 'roles' FROM ar.customer WHERE customer_code = 'RA'$$,
                'an accountant records a payment');
SELECT is((SELECT count(*)::int FROM ar.apply_payment((SELECT payment_id FROM ar.payment WHERE bank_ref = 'R-PAY-1'))), 1,
          'an accountant applies it');
SELECT throws_ok($$INSERT INTO ar.audit_log (table_name, op, row_id) VALUES ('invoice', 'UPDATE', 1)$$, '42501', NULL,
                 'an accountant cannot write the audit log by hand');
SELECT throws_ok($$UPDATE ar.dunning_policy SET grace_days = 5$$, '42501', NULL, 'an accountant cannot change policies');
RESET ROLE;
SELECT is((SELECT actor FROM ar.audit_log WHERE table_name = 'allocation' ORDER BY audit_id DESC LIMIT 1), 'ar_test_acct',
          'the audit log names the acting role, not the owner of the audit trigger');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold');

-- Worker.
INSERT INTO ar.notification (customer_id, channel, recipient, body, dedupe_key)
SELECT customer_id, 'email', 'x@example.jp', 'b', 'roles:1' FROM ar.customer WHERE customer_code = 'RA';
SET ROLE ar_test_worker;
SELECT is((SELECT count(*)::int FROM ar.claim_notifications('email', 10)), 1, 'a worker claims notices');
SELECT lives_ok($$SELECT ar.complete_notification((SELECT notification_id FROM ar.notification WHERE dedupe_key = 'roles:1'))$$,
                '... and completes them');
SELECT throws_ok($$SELECT * FROM ar.run_dunning()$$, '42501', NULL, 'a worker cannot run dunning');
RESET ROLE;

-- Admin.
SET ROLE ar_test_admin;
SELECT lives_ok($$UPDATE ar.setting SET value = '0.85' WHERE key = 'match_auto_threshold'$$, 'an admin changes settings');
SELECT lives_ok($$SELECT count(*) FROM ar.run_dunning(now(), dry_run => true)$$, 'an admin runs dunning');
SELECT throws_ok($$DELETE FROM ar.audit_log$$, '42501', NULL, 'not even an admin deletes audit rows');
RESET ROLE;

-- Collector isolation.
SELECT customer_id AS rb FROM ar.customer WHERE customer_code = 'RB' \gset
SELECT is((SELECT count(*)::int FROM ar.enable_collector_isolation() WHERE table_name IN ('customer', 'invoice', 'audit_log')), 3,
          'enable_collector_isolation covers customers, their rows and the audit log');
SET ROLE ar_test_coll_a;
SELECT is((SELECT string_agg(customer_code, ',') FROM ar.customer WHERE customer_code IN ('RA', 'RB')), 'RA',
          'collector A sees only their customer');
SELECT is((SELECT string_agg(invoice_no, ',') FROM ar.invoice WHERE invoice_no LIKE 'RINV-%'), 'RINV-RA',
          '... only their invoices');
SELECT is((SELECT string_agg(customer_code, ',') FROM ar.v_aging WHERE customer_code IN ('RA', 'RB')), 'RA',
          '... also through the views');
SELECT is((SELECT count(*)::int FROM ar.audit_log), 0, '... and no audit rows');
SELECT throws_ok(format($$INSERT INTO ar.promise (customer_id, amount, promised_on) VALUES (%s, 1, current_date + 1)$$, :rb),
                 '42501', NULL, 'a promise for another collector''s customer is refused');
RESET ROLE;
SET ROLE ar_test_coll_b;
SELECT is((SELECT string_agg(customer_code, ',') FROM ar.customer WHERE customer_code IN ('RA', 'RB')), 'RB',
          'collector B sees only theirs');
RESET ROLE;
SET ROLE ar_test_acct;
SELECT is((SELECT count(*)::int FROM ar.customer WHERE customer_code IN ('RA', 'RB')), 2, 'an accountant sees everyone');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
