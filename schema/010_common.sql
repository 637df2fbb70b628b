-- Facilities every later part uses: shipped defaults that survive pg_dump,
-- the append-only audit log, and small validation helpers.

------------------------------------------------------------------------------
-- Shipped defaults ("seeded" rows) in configuration tables.
--
-- Tables such as ar.currency, ar.setting, ar.dunning_policy and ar.template
-- ship rows with the extension.  pg_dump must keep what the user changed but
-- not the shipped rows themselves (CREATE EXTENSION recreates those), so:
--   * each such table has "seeded boolean" and is registered with
--     pg_extension_config_dump(..., 'WHERE NOT seeded');
--   * a user's UPDATE of a shipped row turns it into a user row (seeded =
--     false), so the change is dumped;
--   * an INSERT of a user row whose key equals a shipped row replaces that
--     shipped row, which is exactly what a restore does after CREATE
--     EXTENSION has put the defaults back.
-- Install and upgrade scripts set ar.seeding = on to edit shipped rows.
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_seed_guard() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  key jsonb;
BEGIN
  IF pg_catalog.current_setting('ar.seeding', true) = 'on' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.seeded AND NEW.seeded
       AND (pg_catalog.to_jsonb(OLD) - 'seeded') IS DISTINCT FROM (pg_catalog.to_jsonb(NEW) - 'seeded') THEN
      NEW.seeded := false;
    END IF;
    RETURN NEW;
  END IF;
  -- INSERT: TG_ARGV names the key columns.
  NEW.seeded := false;
  SELECT pg_catalog.jsonb_object_agg(k, pg_catalog.to_jsonb(NEW) -> k) INTO key
    FROM pg_catalog.unnest(TG_ARGV) AS k;
  EXECUTE pg_catalog.format('DELETE FROM %I.%I AS t WHERE t.seeded AND pg_catalog.to_jsonb(t) @> $1',
                            TG_TABLE_SCHEMA, TG_TABLE_NAME)
    USING key;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_seed_guard() IS
  'Trigger: keeps shipped default rows apart from user rows so pg_dump keeps user changes and a restore replaces defaults (internal)';

------------------------------------------------------------------------------
-- Audit log: append-only record of every change to ledger tables.
------------------------------------------------------------------------------

-- The role acting for the session: the role set with SET ROLE, else the
-- login role.  (Inside the audit triggers, which are SECURITY DEFINER so that
-- no user needs to write the audit log, CURRENT_USER would be the owner.)
CREATE FUNCTION ar.acting_role() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN pg_catalog.current_setting('role') IN ('none', '') THEN SESSION_USER::text
              ELSE pg_catalog.current_setting('role') END;
COMMENT ON FUNCTION ar.acting_role() IS
  'The role acting for the session (SET ROLE, else the login role); recorded as the actor of audit rows';

CREATE TABLE ar.audit_log (
  audit_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT pg_catalog.now(),
  actor      text NOT NULL DEFAULT ar.acting_role(),
  table_name text NOT NULL,
  op         text NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
  row_id     bigint NOT NULL,
  old        jsonb,
  new        jsonb,
  txid       bigint NOT NULL DEFAULT pg_catalog.txid_current()
);
CREATE INDEX audit_log_row_idx ON ar.audit_log (table_name, row_id);
COMMENT ON TABLE ar.audit_log IS
  'Append-only audit trail of every insert, update and delete on the ledger tables, written by triggers';
COMMENT ON COLUMN ar.audit_log.audit_id IS 'Surrogate key, increasing in write order';
COMMENT ON COLUMN ar.audit_log.at IS 'Start time of the transaction that made the change';
COMMENT ON COLUMN ar.audit_log.actor IS 'Role that made the change (the SET ROLE role, else the login role)';
COMMENT ON COLUMN ar.audit_log.table_name IS 'Table changed, without schema (all are in ar)';
COMMENT ON COLUMN ar.audit_log.op IS 'INSERT, UPDATE or DELETE';
COMMENT ON COLUMN ar.audit_log.row_id IS 'Primary key of the changed row (customer_id, invoice_id, ...)';
COMMENT ON COLUMN ar.audit_log.old IS 'DELETE: the row removed; UPDATE: the old values of the columns that changed; NULL for INSERT';
COMMENT ON COLUMN ar.audit_log.new IS 'INSERT: the row added; UPDATE: the new values of the columns that changed; NULL for DELETE';
COMMENT ON COLUMN ar.audit_log.txid IS 'Transaction id; groups the changes of one call';

-- Statement-level audit triggers with transition tables: one set-based
-- INSERT per statement, however many rows it touched.  TG_ARGV[0] names the
-- table's primary key column.  OFFSET 0 keeps each row's to_jsonb() in its
-- subquery: pulled up, it would be computed again for every reference to j.
--
-- Restores: the triggers of an extension's tables fire while pg_restore
-- loads their data, and the restored audit_log already records that
-- history.  So rows being restored are not audited again: a restore runs as
-- superuser (CREATE EXTENSION pg_receivables requires one) and brings rows
-- whose created_at precedes the current transaction; the balance updates
-- such rows cause are flagged by ar.restoring (honoured for superusers only,
-- who could disable the triggers anyway).
CREATE FUNCTION ar.is_restoring_row(created_at timestamptz) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN created_at < pg_catalog.transaction_timestamp()
     AND pg_catalog.current_setting('is_superuser') = 'on';
COMMENT ON FUNCTION ar.is_restoring_row(timestamptz) IS
  'True for a row written by a superuser with a created_at before the current transaction, as pg_restore does (internal)';

-- SECURITY DEFINER: writers of the ledger need no right on the audit log,
-- so nobody but the owner can put a row there by hand.
CREATE FUNCTION ar.tg_audit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ar.audit_log (table_name, op, row_id, new)
    SELECT TG_TABLE_NAME, 'INSERT', (j ->> TG_ARGV[0])::bigint, j
      FROM (SELECT pg_catalog.to_jsonb(n) AS j FROM new_rows n OFFSET 0) s
     WHERE NOT ar.is_restoring_row((j ->> 'created_at')::timestamptz);
  ELSE
    INSERT INTO ar.audit_log (table_name, op, row_id, old)
    SELECT TG_TABLE_NAME, 'DELETE', (j ->> TG_ARGV[0])::bigint, j
      FROM (SELECT pg_catalog.to_jsonb(o) AS j FROM old_rows o OFFSET 0) s;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_audit() IS
  'Statement trigger: writes the rows an INSERT or DELETE statement added or removed to ar.audit_log (internal)';

-- UPDATEs are recorded by the columns they changed (old and new values),
-- in C: unchanged columns cost one binary comparison and never become JSON.
-- SECURITY DEFINER for the same reason as ar.tg_audit.
CREATE FUNCTION ar.tg_audit_update() RETURNS trigger
  AS 'MODULE_PATHNAME', 'pgr_tg_audit_update'
  LANGUAGE C SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION ar.tg_audit_update() IS
  'Statement trigger: writes the changed columns (old and new values) of every row an UPDATE statement changed to ar.audit_log (internal)';

CREATE FUNCTION ar.tg_audit_log_append_only() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'ar.audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = 'The audit trail is never changed; record corrections as new ledger entries.';
END
$$;
COMMENT ON FUNCTION ar.tg_audit_log_append_only() IS
  'Trigger: refuses UPDATE, DELETE and TRUNCATE on ar.audit_log (internal)';

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON ar.audit_log
  FOR EACH ROW EXECUTE FUNCTION ar.tg_audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ar.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_log_append_only();

------------------------------------------------------------------------------
-- Validation helpers.
------------------------------------------------------------------------------

CREATE FUNCTION ar.is_time_zone(name text) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_is_time_zone'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.is_time_zone(text) IS
  'True when the name is an IANA time zone of the tz database, spelled exactly (Asia/Tokyo, America/New_York, UTC)';
