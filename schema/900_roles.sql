-- Roles and row security.  Nothing is granted to PUBLIC (990_privileges.sql);
-- ar.create_roles() creates the NOLOGIN roles a DBA grants to people and
-- services, and gives each what it needs.  docs/security.md explains them.
--
--   ar_reader      read every table and view, run every read-only function
--   ar_collector   reader + contacts, promises, disputes, holds, tasks
--   ar_accountant  collector + customers, invoices, payments, allocations,
--                  cash application
--   ar_admin       accountant + policies, templates, settings, calendars,
--                  alert rules, the daily jobs and their scheduling
--   ar_worker      reader + the outbox protocol (claim / complete / fail),
--                  for notification delivery services
--
-- Read rights follow from volatility: a function that is not VOLATILE
-- cannot write, so ar_reader may run every one of them.  Every VOLATILE
-- function is listed below under the role that may run it; the test
-- test/pgtap/90_roles.sql fails when a new one is not.

CREATE FUNCTION ar.role_functions()
  RETURNS TABLE (role_name text, function_name text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  VALUES
    ('ar_collector', 'log_contact'), ('ar_collector', 'complete_task'),
    ('ar_accountant', 'apply_payment'), ('ar_accountant', 'apply_credit_note'), ('ar_accountant', 'write_off'),
    ('ar_accountant', 'reverse_allocation'), ('ar_accountant', 'void_invoice'), ('ar_accountant', 'import_zengin'),
    ('ar_accountant', 'assign_payment'), ('ar_accountant', 'auto_apply'),
    ('ar_worker', 'claim_notifications'), ('ar_worker', 'complete_notification'), ('ar_worker', 'fail_notification'),
    ('ar_admin', 'run_dunning'), ('ar_admin', 'run_daily'), ('ar_admin', 'run_alerts'),
    ('ar_admin', 'evaluate_promises'), ('ar_admin', 'housekeeping'), ('ar_admin', 'schedule_jobs'),
    ('ar_admin', 'unschedule_jobs'), ('ar_admin', 'generate_demo_data'), ('ar_admin', 'demo_advance'),
    ('ar_admin', 'queue_collector_alert'),
    -- parts of the functions above, not meant to be called alone (a caller
    -- needs EXECUTE on what the function it runs calls)
    ('ar_accountant', 'lock_customer'), ('ar_accountant', 'raise_balance_error'),
    ('ar_admin', 'run_dunning_core'), ('ar_admin', 'dunning_charge_fees'), ('ar_admin', 'demo_write'),
    ('ar_admin', 'demo_build_plan'), ('ar_admin', 'refuse_without_pg_cron'),
    -- cash application (matching): parts of auto_apply and assign_payment
    ('ar_accountant', 'learn_payer_alias'), ('ar_accountant', 'settle_deduction'),
    -- role management is for the DBA (superuser or the extension's owner)
    ('dba', 'create_roles'), ('dba', 'enable_collector_isolation'), ('dba', 'disable_collector_isolation'),
    ('dba', 'drop_isolation_policy')
$$;
COMMENT ON FUNCTION ar.role_functions() IS
  'Which role may run each VOLATILE function of pg_receivables (read-only functions are all granted to ar_reader)';

-- Tables each role may write, beyond what its parent role may.
CREATE FUNCTION ar.role_tables()
  RETURNS TABLE (role_name text, table_name text, privileges text)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  VALUES
    ('ar_collector', 'contact_log', 'INSERT'),
    ('ar_collector', 'promise', 'INSERT, UPDATE'),
    ('ar_collector', 'dispute', 'INSERT, UPDATE'),
    ('ar_collector', 'dunning_hold', 'INSERT, UPDATE'),
    ('ar_collector', 'task', 'INSERT, UPDATE'),
    ('ar_accountant', 'customer', 'INSERT, UPDATE'),
    ('ar_accountant', 'invoice', 'INSERT, UPDATE, DELETE'),
    ('ar_accountant', 'payment', 'INSERT, UPDATE, DELETE'),
    ('ar_accountant', 'credit_note', 'INSERT, UPDATE, DELETE'),
    ('ar_accountant', 'allocation', 'INSERT, UPDATE'),
    ('ar_accountant', 'payer_alias', 'INSERT, UPDATE, DELETE'),
    ('ar_worker', 'notification', 'UPDATE'),
    ('ar_worker', 'contact_log', 'INSERT'),
    ('ar_admin', 'dunning_policy', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'template', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'setting', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'currency', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'calendar', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'holiday', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'alert_rule', 'INSERT, UPDATE, DELETE'),
    ('ar_admin', 'notification', 'INSERT, UPDATE'),
    ('ar_admin', 'dunning_episode', 'INSERT, UPDATE'),
    ('ar_admin', 'dunning_event', 'INSERT'),
    ('ar_admin', 'interest_charge', 'INSERT'),
    ('ar_admin', 'demo_plan_customer', 'INSERT'),
    ('ar_admin', 'demo_plan_invoice', 'INSERT, UPDATE'),
    ('ar_admin', 'demo_plan_payment', 'INSERT'),
    ('ar_admin', 'customer', 'DELETE'),
    ('ar_admin', 'dispute', 'DELETE'),
    ('ar_admin', 'promise', 'DELETE'),
    ('ar_admin', 'dunning_hold', 'DELETE'),
    ('ar_admin', 'task', 'DELETE')
$$;
COMMENT ON FUNCTION ar.role_tables() IS
  'Which tables each role may write (INSERT/UPDATE/DELETE), beyond what its parent role may';

CREATE FUNCTION ar.create_roles() RETURNS TABLE (role_name text, created boolean)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  r text;
  f record;
BEGIN
  FOREACH r IN ARRAY ARRAY['ar_reader', 'ar_collector', 'ar_accountant', 'ar_admin', 'ar_worker'] LOOP
    role_name := r;
    created := NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r);
    IF created THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
    END IF;
    RETURN NEXT;
  END LOOP;
  FOR f IN SELECT * FROM (VALUES ('ar_reader', 'ar_collector'), ('ar_collector', 'ar_accountant'),
                                 ('ar_accountant', 'ar_admin'), ('ar_reader', 'ar_worker'), ('ar_worker', 'ar_admin'))
                        AS m(parent, child)
            WHERE NOT pg_catalog.pg_has_role(m.child, m.parent, 'MEMBER') LOOP
    EXECUTE pg_catalog.format('GRANT %I TO %I', f.parent, f.child);
  END LOOP;

  GRANT USAGE ON SCHEMA ar TO ar_reader;
  GRANT SELECT ON ALL TABLES IN SCHEMA ar TO ar_reader;
  -- Read-only functions and aggregates (not trigger functions).
  FOR f IN SELECT p.oid::regprocedure AS sig, p.prokind
             FROM pg_catalog.pg_proc p
            WHERE p.pronamespace = 'ar'::regnamespace
              AND (p.provolatile <> 'v' OR p.prokind = 'a')
              AND p.prorettype <> 'pg_catalog.trigger'::regtype LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO ar_reader', f.sig);
  END LOOP;
  -- Writing functions, by role.
  FOR f IN SELECT p.oid::regprocedure AS sig, rf.role_name
             FROM pg_catalog.pg_proc p
             JOIN ar.role_functions() rf ON rf.function_name = p.proname
            WHERE p.pronamespace = 'ar'::regnamespace AND rf.role_name LIKE 'ar\_%' LOOP
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I', f.sig, f.role_name);
  END LOOP;
  FOR f IN SELECT rt.role_name, rt.table_name, rt.privileges FROM ar.role_tables() rt
            WHERE pg_catalog.to_regclass('ar.' || rt.table_name) IS NOT NULL LOOP
    EXECUTE pg_catalog.format('GRANT %s ON ar.%I TO %I', f.privileges, f.table_name, f.role_name);
  END LOOP;
  RETURN;
END
$$;
COMMENT ON FUNCTION ar.create_roles() IS
  'Creates (idempotently) the NOLOGIN roles ar_reader, ar_collector, ar_accountant, ar_admin and ar_worker and grants each what it needs; run again after an upgrade';

------------------------------------------------------------------------------
-- Collector isolation: a member of ar_collector who is not an accountant sees
-- only the customers whose collector is them, and their rows elsewhere, in
-- the tables and through the views (which are security_invoker).
------------------------------------------------------------------------------

-- Tables whose rows belong to a customer (column customer_id).
CREATE FUNCTION ar.customer_owned_tables() RETURNS SETOF text
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT c.relname::text
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped
   WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'r' AND c.relname <> 'customer'
   ORDER BY 1
$$;
COMMENT ON FUNCTION ar.customer_owned_tables() IS
  'Tables of pg_receivables whose rows belong to a customer (collector isolation covers them)';

-- Whether the current role is restricted to its own customers.
CREATE FUNCTION ar.is_isolated_collector() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT pg_catalog.pg_has_role(CURRENT_USER, 'ar_collector', 'MEMBER')
     AND NOT pg_catalog.pg_has_role(CURRENT_USER, 'ar_accountant', 'MEMBER')
     AND NOT pg_catalog.pg_has_role(CURRENT_USER, 'ar_worker', 'MEMBER')
$$;
COMMENT ON FUNCTION ar.is_isolated_collector() IS
  'True for a member of ar_collector who is neither accountant, admin nor worker: row security limits them to their own customers';

CREATE FUNCTION ar.drop_isolation_policy(table_name text) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_policies p
              WHERE p.schemaname = 'ar' AND p.tablename = drop_isolation_policy.table_name
                AND p.policyname = 'collector_isolation') THEN
    EXECUTE pg_catalog.format('DROP POLICY collector_isolation ON ar.%I', drop_isolation_policy.table_name);
  END IF;
END
$$;
COMMENT ON FUNCTION ar.drop_isolation_policy(text) IS 'Drops the collector_isolation policy of a table if it has one (internal)';

CREATE FUNCTION ar.enable_collector_isolation() RETURNS TABLE (table_name text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  t text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'ar_collector') THEN
    RAISE EXCEPTION 'role ar_collector does not exist'
      USING ERRCODE = 'undefined_object',
            HINT = 'Run SELECT * FROM ar.create_roles(); first.';
  END IF;
  ALTER TABLE ar.customer ENABLE ROW LEVEL SECURITY;
  PERFORM ar.drop_isolation_policy('customer');
  CREATE POLICY collector_isolation ON ar.customer
    USING (NOT (SELECT ar.is_isolated_collector()) OR collector = CURRENT_USER);
  table_name := 'customer';
  RETURN NEXT;
  FOR t IN SELECT * FROM ar.customer_owned_tables() LOOP
    EXECUTE pg_catalog.format('ALTER TABLE ar.%I ENABLE ROW LEVEL SECURITY', t);
    PERFORM ar.drop_isolation_policy(t);
    EXECUTE pg_catalog.format(
      'CREATE POLICY collector_isolation ON ar.%I USING (NOT (SELECT ar.is_isolated_collector()) OR customer_id IN '
      '(SELECT c.customer_id FROM ar.customer c WHERE c.collector = CURRENT_USER))', t);
    table_name := t;
    RETURN NEXT;
  END LOOP;
  -- The audit log names rows of every customer: isolated collectors see none.
  ALTER TABLE ar.audit_log ENABLE ROW LEVEL SECURITY;
  PERFORM ar.drop_isolation_policy('audit_log');
  CREATE POLICY collector_isolation ON ar.audit_log USING (NOT (SELECT ar.is_isolated_collector()));
  -- Trigger-written rows (the audit log itself is written by SECURITY
  -- DEFINER triggers, which row security does not restrict for the owner).
  table_name := 'audit_log';
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION ar.enable_collector_isolation() IS
  'Turns on row-level security so that a collector sees only the customers assigned to them (customer.collector) and their rows in every table and view';

CREATE FUNCTION ar.disable_collector_isolation() RETURNS TABLE (table_name text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  t text;
BEGIN
  FOR t IN SELECT 'customer' UNION ALL SELECT 'audit_log' UNION ALL SELECT * FROM ar.customer_owned_tables() LOOP
    PERFORM ar.drop_isolation_policy(t);
    EXECUTE pg_catalog.format('ALTER TABLE ar.%I DISABLE ROW LEVEL SECURITY', t);
    table_name := t;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION ar.disable_collector_isolation() IS 'Turns collector isolation off again (drops its policies)';
