-- Ledger triggers: input validation with precise errors, frozen fields, and
-- balance maintenance.  The invariants (docs/ledger.md):
--   invoice.open_amount         = amount - sum(active allocations)
--   payment.unapplied_amount    = amount - sum(active payment allocations)
--   credit_note.unapplied_amount = amount - sum(active credit-note allocations)
-- hold after every statement, whoever writes, because balances change only
-- here: an allocation insert decrements them, a reversal restores them, and
-- a direct write of a balance column is refused.
--
-- Maintained columns are written by the statement triggers on ar.allocation
-- (trigger depth 1).  Those maintenance writes skip the documents' BEFORE row
-- triggers (WHEN clauses below) and check and maintain what they change
-- themselves; every other write is checked, and a write of a balance
-- column from outside a trigger is refused.

------------------------------------------------------------------------------
-- Customers
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_customer_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad text;
BEGIN
  IF TG_OP = 'INSERT' OR NEW.customer_code IS DISTINCT FROM OLD.customer_code THEN
    IF EXISTS (SELECT 1 FROM ar.customer c WHERE c.customer_code = NEW.customer_code) THEN
      RAISE EXCEPTION 'customer code "%" already exists', NEW.customer_code
        USING ERRCODE = 'unique_violation';
    END IF;
  END IF;
  IF NEW.virtual_account IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.virtual_account IS DISTINCT FROM OLD.virtual_account)
     AND EXISTS (SELECT 1 FROM ar.customer c WHERE c.virtual_account = NEW.virtual_account) THEN
    RAISE EXCEPTION 'virtual account "%" is already assigned to another customer', NEW.virtual_account
      USING ERRCODE = 'unique_violation';
  END IF;
  IF NEW.locale IS NULL OR NEW.locale NOT IN ('ja', 'en') THEN
    RAISE EXCEPTION 'unsupported locale "%" for customer "%"', NEW.locale, NEW.customer_code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use ja or en.';
  END IF;
  IF NEW.time_zone IS NULL OR NOT ar.is_time_zone(NEW.time_zone) THEN
    RAISE EXCEPTION 'invalid time zone "%" for customer "%"', NEW.time_zone, NEW.customer_code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use an IANA time zone name such as Asia/Tokyo or America/New_York.';
  END IF;
  IF NEW.status IS NULL OR NEW.status NOT IN ('active', 'on_hold', 'in_collections', 'bankrupt', 'closed') THEN
    RAISE EXCEPTION 'unknown customer status "%"', NEW.status
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use active, on_hold, in_collections, bankrupt or closed.';
  END IF;
  SELECT ch INTO bad FROM pg_catalog.unnest(NEW.opted_out_channels) AS ch
   WHERE ch IS NULL OR ch NOT IN ('email', 'sms', 'letter', 'call', 'webhook')
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'unknown channel "%" in opted_out_channels of customer "%"', bad, NEW.customer_code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Customers can opt out of email, sms, letter, call and webhook.';
  END IF;
  NEW.currency := COALESCE(NEW.currency, ar.setting_value('home_currency'));
  PERFORM ar.minor_unit(NEW.currency);       -- unknown currency raises
  IF NEW.calendar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ar.calendar k WHERE k.code = NEW.calendar) THEN
    RAISE EXCEPTION 'unknown calendar "%" for customer "%"', NEW.calendar, NEW.customer_code
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use JP, JP-BANK, WEEKENDS or a calendar declared in ar.calendar; NULL uses the default_calendar setting.';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_customer_check() IS 'Trigger: validates customers (internal)';

CREATE TRIGGER customer_check BEFORE INSERT OR UPDATE ON ar.customer
  FOR EACH ROW EXECUTE FUNCTION ar.tg_customer_check();

------------------------------------------------------------------------------
-- Documents (invoices, payments, credit notes): shared checks
------------------------------------------------------------------------------

-- ar.refuse_frozen_change(what, has_allocations, changed): raise when a
-- document with allocations has one of its frozen columns changed.
CREATE FUNCTION ar.refuse_frozen_change(what text, changed text[]) RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION '% has allocations: its % cannot change', what, pg_catalog.array_to_string(changed, ', ')
    USING ERRCODE = 'object_not_in_prerequisite_state',
          DETAIL = 'Customer, currency and amount of a document are frozen once allocations exist, active or reversed.',
          HINT = 'Issue a credit note for the difference, or reverse the allocations and void the document.';
END
$$;
COMMENT ON FUNCTION ar.refuse_frozen_change(text, text[]) IS
  'Raises the error for a change to a frozen document column (internal helper of the ledger triggers)';

-- Which of customer_id, currency and amount differ between two row images.
CREATE FUNCTION ar.frozen_columns_changed(old_row jsonb, new_row jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ARRAY(SELECT c FROM pg_catalog.unnest(ARRAY['customer_id', 'currency', 'amount']) AS c
                WHERE (old_row -> c) IS DISTINCT FROM (new_row -> c));
COMMENT ON FUNCTION ar.frozen_columns_changed(jsonb, jsonb) IS
  'Names of the frozen columns (customer_id, currency, amount) that differ between two row images (internal)';

CREATE FUNCTION ar.refuse_balance_write(what text, col text) RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION '%.% is maintained by pg_receivables and cannot be written', what, col
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = 'Balances change through allocations: ar.apply_payment, ar.apply_credit_note, ar.write_off, ar.reverse_allocation.';
END
$$;
COMMENT ON FUNCTION ar.refuse_balance_write(text, text) IS
  'Raises the error for a direct write of a maintained balance column (internal)';

------------------------------------------------------------------------------
-- Invoices
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_invoice_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cust ar.customer;
  what text := pg_catalog.format('invoice %s', NEW.invoice_no);
  changed text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT * INTO cust FROM ar.customer c WHERE c.customer_id = NEW.customer_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'unknown customer % for %', NEW.customer_id, what
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM ar.invoice i WHERE i.invoice_no = NEW.invoice_no) THEN
      RAISE EXCEPTION 'invoice number "%" already exists', NEW.invoice_no
        USING ERRCODE = 'unique_violation';
    END IF;
    NEW.currency := COALESCE(NEW.currency, cust.currency);
    PERFORM ar.check_money(NEW.amount, NEW.currency, what);
    IF NEW.due_date IS NULL THEN
      NEW.due_date := ar.invoice_default_due_date(cust, NEW.issue_date);
    END IF;
    -- Balances start whole; allocations bring them down.  Only a void
    -- status may be given (a restore brings voided invoices back as such).
    NEW.open_amount := NEW.amount;
    NEW.status := CASE WHEN NEW.status = 'void' THEN 'void' ELSE 'open' END;
    NEW.closed_on := NULL;
  ELSE
    changed := ar.frozen_columns_changed(pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW));
    IF NEW.invoice_no IS DISTINCT FROM OLD.invoice_no
       AND EXISTS (SELECT 1 FROM ar.invoice i WHERE i.invoice_no = NEW.invoice_no) THEN
      RAISE EXCEPTION 'invoice number "%" already exists', NEW.invoice_no
        USING ERRCODE = 'unique_violation';
    END IF;
    IF changed <> '{}' THEN
      IF EXISTS (SELECT 1 FROM ar.allocation a WHERE a.invoice_id = OLD.invoice_id) THEN
        PERFORM ar.refuse_frozen_change(what, changed);
      END IF;
      PERFORM ar.check_money(NEW.amount, NEW.currency, what);
      NEW.open_amount := NEW.amount;
    ELSIF NEW.open_amount IS DISTINCT FROM OLD.open_amount AND pg_catalog.pg_trigger_depth() < 2 THEN
      PERFORM ar.refuse_balance_write('invoice', 'open_amount');
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status THEN
      IF OLD.status = 'void' THEN
        RAISE EXCEPTION '% is void and cannot change status', what
          USING ERRCODE = 'object_not_in_prerequisite_state',
                HINT = 'Issue a new invoice instead.';
      ELSIF NEW.status = 'void' THEN
        IF OLD.open_amount <> OLD.amount THEN
          RAISE EXCEPTION '% has active allocations and cannot be voided', what
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Reverse its allocations first, or issue a credit note.';
        END IF;
      ELSE
        RAISE EXCEPTION 'status % of % is maintained from its allocations', NEW.status, what
          USING ERRCODE = 'object_not_in_prerequisite_state',
                HINT = 'Only a change to void is made by hand (ar.void_invoice).';
      END IF;
    ELSIF NEW.open_amount IS DISTINCT FROM OLD.open_amount AND NEW.status <> 'void' THEN
      -- Status and settlement date follow the balance.
      IF NEW.open_amount = 0 THEN
        SELECT CASE WHEN pg_catalog.bool_or(a.kind = 'write_off') THEN 'written_off' ELSE 'paid' END,
               pg_catalog.max(a.applied_on)
          INTO NEW.status, NEW.closed_on
          FROM ar.allocation a
         WHERE a.invoice_id = NEW.invoice_id AND a.reversed_on IS NULL;
      ELSE
        NEW.status := 'open';
        NEW.closed_on := NULL;
      END IF;
    END IF;
    -- updated_at records changes made by people, not balance maintenance.
    IF (pg_catalog.to_jsonb(NEW) - ARRAY['open_amount', 'status', 'closed_on', 'updated_at'])
       IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - ARRAY['open_amount', 'status', 'closed_on', 'updated_at'])
       OR NEW.status = 'void' AND OLD.status <> 'void' THEN
      NEW.updated_at := pg_catalog.now();
    END IF;
  END IF;
  IF NEW.due_date < NEW.issue_date THEN
    RAISE EXCEPTION 'due date % of % is before its issue date %', NEW.due_date, what, NEW.issue_date
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_invoice_check() IS
  'Trigger: validates invoices, keeps open_amount/status/closed_on consistent, freezes allocated invoices (internal)';

-- Every insert and every update a person or an application makes is
-- checked.  A balance maintenance write (an UPDATE made from inside a
-- trigger that changes open_amount and none of the checked columns) is not:
-- the allocation triggers that make it check it and set status and
-- closed_on themselves, and skipping this PL/pgSQL call on every invoice an
-- allocation touches is most of what makes cash application fast.
CREATE TRIGGER invoice_check_insert BEFORE INSERT ON ar.invoice
  FOR EACH ROW EXECUTE FUNCTION ar.tg_invoice_check();
-- (Dunning runs move only dunning_level, which has nothing to check, so an
-- update of that column alone does not fire it.)
CREATE TRIGGER invoice_check_update BEFORE UPDATE ON ar.invoice
  FOR EACH ROW
  WHEN ((pg_catalog.pg_trigger_depth() = 0
         OR NEW.open_amount IS NOT DISTINCT FROM OLD.open_amount
         OR (NEW.customer_id, NEW.currency, NEW.amount, NEW.invoice_no, NEW.issue_date, NEW.due_date)
            IS DISTINCT FROM (OLD.customer_id, OLD.currency, OLD.amount, OLD.invoice_no, OLD.issue_date, OLD.due_date))
        AND (NEW.customer_id, NEW.invoice_no, NEW.kind, NEW.issue_date, NEW.due_date, NEW.currency, NEW.amount,
             NEW.open_amount, NEW.status, NEW.closed_on, NEW.description, NEW.void_reason, NEW.metadata,
             NEW.created_at, NEW.updated_at)
            IS DISTINCT FROM
            (OLD.customer_id, OLD.invoice_no, OLD.kind, OLD.issue_date, OLD.due_date, OLD.currency, OLD.amount,
             OLD.open_amount, OLD.status, OLD.closed_on, OLD.description, OLD.void_reason, OLD.metadata,
             OLD.created_at, OLD.updated_at))
  EXECUTE FUNCTION ar.tg_invoice_check();

------------------------------------------------------------------------------
-- Payments
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_payment_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  what text := pg_catalog.format('payment %s', COALESCE(NEW.bank_ref, NEW.reference, NEW.payment_id::text));
  changed text[];
BEGIN
  IF NEW.bank_ref IS NOT NULL
     AND (TG_OP = 'INSERT' OR NEW.bank_ref IS DISTINCT FROM OLD.bank_ref OR NEW.source IS DISTINCT FROM OLD.source)
     AND EXISTS (SELECT 1 FROM ar.payment p
                  WHERE p.bank_ref = NEW.bank_ref AND COALESCE(p.source, '') = COALESCE(NEW.source, '')) THEN
    RAISE EXCEPTION 'bank reference "%" of source "%" is already recorded', NEW.bank_ref, COALESCE(NEW.source, '')
      USING ERRCODE = 'unique_violation',
            HINT = 'Each bank transaction is recorded once; re-importing the same file changes nothing.';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.currency IS NULL AND NEW.customer_id IS NOT NULL THEN
      SELECT c.currency INTO NEW.currency FROM ar.customer c WHERE c.customer_id = NEW.customer_id;
    END IF;
    NEW.currency := COALESCE(NEW.currency, ar.setting_value('home_currency'));
    PERFORM ar.check_money(NEW.amount, NEW.currency, what);
    NEW.unapplied_amount := NEW.amount;
    NEW.status := CASE WHEN NEW.status = 'cancelled' THEN 'cancelled' ELSE 'received' END;
    RETURN NEW;
  END IF;

  changed := ar.frozen_columns_changed(pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW));
  IF changed <> '{}' THEN
    IF EXISTS (SELECT 1 FROM ar.allocation a WHERE a.payment_id = OLD.payment_id) THEN
      PERFORM ar.refuse_frozen_change(what, changed);
    END IF;
    PERFORM ar.check_money(NEW.amount, NEW.currency, what);
    NEW.unapplied_amount := NEW.amount;
  ELSIF NEW.unapplied_amount IS DISTINCT FROM OLD.unapplied_amount AND pg_catalog.pg_trigger_depth() < 2 THEN
    PERFORM ar.refuse_balance_write('payment', 'unapplied_amount');
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF OLD.status = 'cancelled' THEN
      RAISE EXCEPTION '% is cancelled and cannot be reinstated', what
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Record the money as a new payment.';
    ELSIF NEW.unapplied_amount <> NEW.amount THEN
      RAISE EXCEPTION '% has active allocations and cannot be cancelled', what
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Reverse its allocations first (ar.reverse_allocation).';
    END IF;
  END IF;
  IF (pg_catalog.to_jsonb(NEW) - ARRAY['unapplied_amount', 'updated_at'])
     IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - ARRAY['unapplied_amount', 'updated_at']) THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_payment_check() IS
  'Trigger: validates payments, keeps unapplied_amount consistent, freezes allocated payments (internal)';

-- As for invoices: balance maintenance writes skip the row check.
CREATE TRIGGER payment_check_insert BEFORE INSERT ON ar.payment
  FOR EACH ROW EXECUTE FUNCTION ar.tg_payment_check();
CREATE TRIGGER payment_check_update BEFORE UPDATE ON ar.payment
  FOR EACH ROW
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR NEW.unapplied_amount IS NOT DISTINCT FROM OLD.unapplied_amount
        OR (NEW.customer_id, NEW.currency, NEW.amount, NEW.status, NEW.bank_ref, NEW.source)
           IS DISTINCT FROM (OLD.customer_id, OLD.currency, OLD.amount, OLD.status, OLD.bank_ref, OLD.source))
  EXECUTE FUNCTION ar.tg_payment_check();

------------------------------------------------------------------------------
-- Credit notes
------------------------------------------------------------------------------

CREATE FUNCTION ar.tg_credit_note_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  what text := pg_catalog.format('credit note %s', NEW.credit_note_no);
  changed text[];
  inv ar.invoice;
BEGIN
  IF TG_OP = 'INSERT' OR NEW.credit_note_no IS DISTINCT FROM OLD.credit_note_no THEN
    IF EXISTS (SELECT 1 FROM ar.credit_note c WHERE c.credit_note_no = NEW.credit_note_no) THEN
      RAISE EXCEPTION 'credit note number "%" already exists', NEW.credit_note_no
        USING ERRCODE = 'unique_violation';
    END IF;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.currency IS NULL THEN
      SELECT c.currency INTO NEW.currency FROM ar.customer c WHERE c.customer_id = NEW.customer_id;
    END IF;
    PERFORM ar.check_money(NEW.amount, NEW.currency, what);
    NEW.unapplied_amount := NEW.amount;
  ELSE
    changed := ar.frozen_columns_changed(pg_catalog.to_jsonb(OLD), pg_catalog.to_jsonb(NEW));
    IF changed <> '{}' THEN
      IF EXISTS (SELECT 1 FROM ar.allocation a WHERE a.credit_note_id = OLD.credit_note_id) THEN
        PERFORM ar.refuse_frozen_change(what, changed);
      END IF;
      PERFORM ar.check_money(NEW.amount, NEW.currency, what);
      NEW.unapplied_amount := NEW.amount;
    ELSIF NEW.unapplied_amount IS DISTINCT FROM OLD.unapplied_amount AND pg_catalog.pg_trigger_depth() < 2 THEN
      PERFORM ar.refuse_balance_write('credit_note', 'unapplied_amount');
    END IF;
    IF (pg_catalog.to_jsonb(NEW) - ARRAY['unapplied_amount', 'updated_at'])
       IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - ARRAY['unapplied_amount', 'updated_at']) THEN
      NEW.updated_at := pg_catalog.now();
    END IF;
  END IF;
  IF NEW.invoice_id IS NOT NULL THEN
    SELECT * INTO inv FROM ar.invoice i WHERE i.invoice_id = NEW.invoice_id;
    IF FOUND AND (inv.customer_id <> NEW.customer_id OR inv.currency <> NEW.currency) THEN
      RAISE EXCEPTION '% refers to invoice % of another customer or currency', what, inv.invoice_no
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_credit_note_check() IS
  'Trigger: validates credit notes, keeps unapplied_amount consistent, freezes allocated credit notes (internal)';

-- As for invoices: balance maintenance writes skip the row check.
CREATE TRIGGER credit_note_check_insert BEFORE INSERT ON ar.credit_note
  FOR EACH ROW EXECUTE FUNCTION ar.tg_credit_note_check();
CREATE TRIGGER credit_note_check_update BEFORE UPDATE ON ar.credit_note
  FOR EACH ROW
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR NEW.unapplied_amount IS NOT DISTINCT FROM OLD.unapplied_amount
        OR (NEW.customer_id, NEW.currency, NEW.amount, NEW.credit_note_no, NEW.invoice_id)
           IS DISTINCT FROM (OLD.customer_id, OLD.currency, OLD.amount, OLD.credit_note_no, OLD.invoice_id))
  EXECUTE FUNCTION ar.tg_credit_note_check();

------------------------------------------------------------------------------
-- Allocations
------------------------------------------------------------------------------

-- An allocation's customer is its invoice's; filled in when omitted.
CREATE FUNCTION ar.tg_allocation_fill_customer() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  SELECT i.customer_id INTO NEW.customer_id FROM ar.invoice i WHERE i.invoice_id = NEW.invoice_id;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_fill_customer() IS 'Trigger: fills allocation.customer_id from the invoice (internal)';

CREATE TRIGGER allocation_fill_customer BEFORE INSERT ON ar.allocation
  FOR EACH ROW WHEN (NEW.customer_id IS NULL) EXECUTE FUNCTION ar.tg_allocation_fill_customer();

-- Allocations are immutable but for their reversal, which happens once.
CREATE FUNCTION ar.tg_allocation_immutable() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'allocation % cannot be deleted', OLD.allocation_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Reverse it with ar.reverse_allocation; allocations are kept for the audit trail.';
  END IF;
  IF OLD.reversed_on IS NOT NULL THEN
    RAISE EXCEPTION 'allocation % is already reversed (on %)', OLD.allocation_id, OLD.reversed_on
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF (pg_catalog.to_jsonb(NEW) - ARRAY['reversed_on', 'reversal_reason'])
     IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - ARRAY['reversed_on', 'reversal_reason']) THEN
    RAISE EXCEPTION 'allocation % cannot be changed, only reversed', OLD.allocation_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Reverse it with ar.reverse_allocation and record a new allocation.';
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_immutable() IS
  'Trigger: allocations are never deleted or edited, only reversed once (internal)';

CREATE TRIGGER allocation_immutable BEFORE UPDATE OR DELETE ON ar.allocation
  FOR EACH ROW EXECUTE FUNCTION ar.tg_allocation_immutable();

-- ar.raise_balance_error(problem, document, total, balance): raises the
-- error of a balance update that cannot be made.  The maintenance UPDATEs
-- below call it from a CASE branch that is reached only when something is
-- wrong, so the check costs nothing when all is well, and it judges the row
-- as it is written (after waiting for a concurrent writer), which a check
-- made before the update cannot.
CREATE FUNCTION ar.raise_balance_error(problem text, document text, total numeric, balance numeric)
  RETURNS numeric
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  CASE problem
    WHEN 'invoice_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the open amount % of invoice %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'payment_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the unapplied amount % of payment %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'credit_note_over' THEN
      RAISE EXCEPTION 'allocations of % exceed the unapplied amount % of credit note %', total, balance, document
        USING ERRCODE = 'check_violation';
    WHEN 'invoice_void' THEN
      -- An allocation checked while a concurrent void was not yet committed
      -- reaches the invoice after it: refuse rather than settle a void invoice.
      RAISE EXCEPTION 'invoice % is void and cannot take allocations', document
        USING ERRCODE = 'object_not_in_prerequisite_state';
    WHEN 'payment_cancelled' THEN
      RAISE EXCEPTION 'payment % is cancelled and cannot be applied', document
        USING ERRCODE = 'object_not_in_prerequisite_state';
    ELSE
      RAISE EXCEPTION 'unknown balance problem "%"', problem USING ERRCODE = 'internal_error';
  END CASE;
END
$$;
COMMENT ON FUNCTION ar.raise_balance_error(text, text, numeric, numeric) IS
  'Raises the error of a balance update that cannot be made: over-allocation, void invoice, cancelled payment (internal helper of the allocation triggers)';

-- After an INSERT: validate the new allocations as a set, then take their
-- amounts off the invoices, payments and credit notes they touch.  Reversed
-- rows (a restore brings those back) touch no balance.
--
-- This runs for every cash application, so it is written for speed (see
-- docs/benchmarks.md): one query checks every new row (customers,
-- currencies, minor units, open invoice, identified and uncancelled
-- payment); then one statement updates the invoices, payments and credit
-- notes and writes the audit trail of it all.  Each UPDATE checks, as it
-- writes, that no balance goes below zero and that no void invoice or
-- cancelled payment is touched, and the invoice UPDATE sets status and
-- closed_on.  These maintenance UPDATEs do not fire the documents' BEFORE
-- row triggers (see the WHEN clauses of the *_check_update triggers), which
-- is why they maintain status themselves.
-- SECURITY DEFINER because it writes the audit log (see ar.tg_audit).
CREATE FUNCTION ar.tg_allocation_apply() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
  restoring boolean;
BEGIN
  -- The first problem, in allocation order (a plain LIMIT 1: no aggregate
  -- to set up, which a statement of one or two rows notices).
  SELECT v.msg, v.state, v.hint
    INTO r
    FROM (SELECT n.allocation_id,
                 CASE x.problem
                   WHEN 'customer' THEN pg_catalog.format('allocation names customer %s but invoice %s belongs to customer %s',
                                                          n.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'minor_units' THEN pg_catalog.format('allocation amount %s is not a whole number of %s minor units',
                                                             n.amount, i.currency)
                   WHEN 'invoice_closed' THEN pg_catalog.format('invoice %s is %s and cannot take allocations',
                                                                i.invoice_no, i.status)
                   WHEN 'payment_unidentified' THEN pg_catalog.format('payment %s has no customer yet', p.payment_id)
                   WHEN 'payment_customer' THEN pg_catalog.format('payment %s of customer %s cannot settle invoice %s of customer %s',
                                                                  p.payment_id, p.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'payment_currency' THEN pg_catalog.format('payment %s is in %s but invoice %s is in %s',
                                                                  p.payment_id, p.currency, i.invoice_no, i.currency)
                   WHEN 'payment_cancelled' THEN pg_catalog.format('payment %s is cancelled', p.payment_id)
                   WHEN 'credit_customer' THEN pg_catalog.format('credit note %s of customer %s cannot settle invoice %s of customer %s',
                                                                 c.credit_note_no, c.customer_id, i.invoice_no, i.customer_id)
                   WHEN 'credit_currency' THEN pg_catalog.format('credit note %s is in %s but invoice %s is in %s',
                                                                 c.credit_note_no, c.currency, i.invoice_no, i.currency)
                 END AS msg,
                 CASE WHEN x.problem IN ('invoice_closed', 'payment_unidentified', 'payment_cancelled')
                      THEN '55000' ELSE '22023' END AS state,
                 CASE x.problem
                   WHEN 'payment_unidentified' THEN 'Identify the payer first (ar.assign_payment).'
                   WHEN 'payment_currency' THEN 'Allocation never mixes currencies.'
                   WHEN 'credit_currency' THEN 'Allocation never mixes currencies.'
                 END AS hint
            FROM new_rows n
            JOIN ar.invoice i ON i.invoice_id = n.invoice_id
            JOIN ar.currency cur ON cur.code = i.currency
            LEFT JOIN ar.payment p ON p.payment_id = n.payment_id
            LEFT JOIN ar.credit_note c ON c.credit_note_id = n.credit_note_id
            CROSS JOIN LATERAL (SELECT CASE
                     WHEN n.customer_id <> i.customer_id THEN 'customer'
                     WHEN n.amount <> pg_catalog.round(n.amount, cur.minor_unit) THEN 'minor_units'
                     WHEN n.reversed_on IS NULL AND i.status <> 'open' THEN 'invoice_closed'
                     WHEN p.payment_id IS NOT NULL AND p.customer_id IS NULL THEN 'payment_unidentified'
                     WHEN p.payment_id IS NOT NULL AND p.customer_id <> i.customer_id THEN 'payment_customer'
                     WHEN p.payment_id IS NOT NULL AND p.currency <> i.currency THEN 'payment_currency'
                     WHEN n.kind = 'payment' AND n.reversed_on IS NULL AND p.status <> 'received' THEN 'payment_cancelled'
                     WHEN c.credit_note_id IS NOT NULL AND c.customer_id <> i.customer_id THEN 'credit_customer'
                     WHEN c.credit_note_id IS NOT NULL AND c.currency <> i.currency THEN 'credit_currency'
                   END AS problem) x) v
   WHERE v.msg IS NOT NULL
   ORDER BY v.allocation_id
   LIMIT 1;
  IF FOUND THEN
    IF r.hint IS NULL THEN
      RAISE EXCEPTION USING MESSAGE = r.msg, ERRCODE = r.state;
    END IF;
    RAISE EXCEPTION USING MESSAGE = r.msg, ERRCODE = r.state, HINT = r.hint;
  END IF;
  -- One statement moves every balance and writes the audit trail of the
  -- whole change: the new allocations, and the old and new image of each
  -- invoice, payment and credit note it touched.  Rows a restore brings
  -- back (and the balance updates they cause) are not audited again.  The
  -- maintenance UPDATEs change only open_amount/unapplied_amount (and an
  -- invoice's status and closed_on, which were open and NULL: anything else
  -- is refused above or by the CASE), so the old image is the new one with
  -- those columns put back.  While ar.maintaining_balances is on, the
  -- generic audit triggers of these tables stand aside (see their WHEN).
  -- Only a superuser restores (ar.is_restoring_row), so for anyone else
  -- the rows need not be read again.
  restoring := pg_catalog.current_setting('is_superuser') = 'on'
               AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE NOT ar.is_restoring_row(n.created_at));
  PERFORM pg_catalog.set_config('ar.maintaining_balances', 'on', true);
  WITH inv AS (
    UPDATE ar.invoice i
       SET open_amount = CASE
                           WHEN i.status = 'void' THEN
                             ar.raise_balance_error('invoice_void', i.invoice_no, s.total, i.open_amount)
                           WHEN s.total > i.open_amount THEN
                             ar.raise_balance_error('invoice_over', i.invoice_no, s.total, i.open_amount)
                           ELSE i.open_amount - s.total
                         END,
           -- Status and settlement date follow the balance: a settled
           -- invoice is written_off when a write-off took part, else paid,
           -- and closes on the latest effective date of its active
           -- allocations (the new ones included: this trigger runs after
           -- the insert).
           status = CASE
                      WHEN i.open_amount > s.total THEN 'open'
                      WHEN s.write_off OR EXISTS (SELECT 1 FROM ar.allocation a
                                                   WHERE a.invoice_id = i.invoice_id AND a.reversed_on IS NULL
                                                     AND a.kind = 'write_off') THEN 'written_off'
                      ELSE 'paid'
                    END,
           closed_on = CASE
                         WHEN i.open_amount > s.total THEN NULL
                         ELSE (SELECT pg_catalog.max(a.applied_on) FROM ar.allocation a
                                WHERE a.invoice_id = i.invoice_id AND a.reversed_on IS NULL)
                       END
      FROM (SELECT n.invoice_id, pg_catalog.sum(n.amount) AS total, pg_catalog.bool_or(n.kind = 'write_off') AS write_off
              FROM new_rows n WHERE n.reversed_on IS NULL GROUP BY n.invoice_id) s
     WHERE i.invoice_id = s.invoice_id
    RETURNING i AS new_row, s.total
  ), pay AS (
    UPDATE ar.payment p
       SET unapplied_amount = CASE
                                WHEN p.status = 'cancelled' THEN
                                  ar.raise_balance_error('payment_cancelled', p.payment_id::text, s.total, p.unapplied_amount)
                                WHEN s.total > p.unapplied_amount THEN
                                  ar.raise_balance_error('payment_over', p.payment_id::text, s.total, p.unapplied_amount)
                                ELSE p.unapplied_amount - s.total
                              END
      FROM (SELECT n.payment_id, pg_catalog.sum(n.amount) AS total FROM new_rows n
             WHERE n.kind = 'payment' AND n.reversed_on IS NULL GROUP BY n.payment_id) s
     WHERE p.payment_id = s.payment_id
    RETURNING p AS new_row, s.total
  ), cn AS (
    UPDATE ar.credit_note c
       SET unapplied_amount = CASE
                                WHEN s.total > c.unapplied_amount THEN
                                  ar.raise_balance_error('credit_note_over', c.credit_note_no, s.total, c.unapplied_amount)
                                ELSE c.unapplied_amount - s.total
                              END
      FROM (SELECT n.credit_note_id, pg_catalog.sum(n.amount) AS total FROM new_rows n
             WHERE n.kind = 'credit_note' AND n.reversed_on IS NULL GROUP BY n.credit_note_id) s
     WHERE c.credit_note_id = s.credit_note_id
    RETURNING c AS new_row, s.total
  )
  INSERT INTO ar.audit_log (table_name, op, row_id, old, new)
  SELECT 'allocation', 'INSERT', n.allocation_id, NULL, pg_catalog.to_jsonb(n)
    FROM new_rows n
   WHERE NOT ar.is_restoring_row(n.created_at)
  UNION ALL
  -- Updates are recorded by the columns they changed (as ar.tg_audit_update does):
  -- the balance, and status and settlement date when the invoice closed
  -- (it was open with no settlement date before).
  SELECT 'invoice', 'UPDATE', (inv.new_row).invoice_id,
         pg_catalog.jsonb_build_object('open_amount', (inv.new_row).open_amount + inv.total)
           || CASE WHEN (inv.new_row).status <> 'open'
                   THEN pg_catalog.jsonb_build_object('status', 'open', 'closed_on', NULL) ELSE '{}' END,
         pg_catalog.jsonb_build_object('open_amount', (inv.new_row).open_amount)
           || CASE WHEN (inv.new_row).status <> 'open'
                   THEN pg_catalog.jsonb_build_object('status', (inv.new_row).status,
                                                      'closed_on', (inv.new_row).closed_on) ELSE '{}' END
    FROM inv
   WHERE NOT restoring
  UNION ALL
  SELECT 'payment', 'UPDATE', (pay.new_row).payment_id,
         pg_catalog.jsonb_build_object('unapplied_amount', (pay.new_row).unapplied_amount + pay.total),
         pg_catalog.jsonb_build_object('unapplied_amount', (pay.new_row).unapplied_amount)
    FROM pay
   WHERE NOT restoring
  UNION ALL
  SELECT 'credit_note', 'UPDATE', (cn.new_row).credit_note_id,
         pg_catalog.jsonb_build_object('unapplied_amount', (cn.new_row).unapplied_amount + cn.total),
         pg_catalog.jsonb_build_object('unapplied_amount', (cn.new_row).unapplied_amount)
    FROM cn
   WHERE NOT restoring;
  PERFORM pg_catalog.set_config('ar.maintaining_balances', 'off', true);
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_apply() IS
  'Statement trigger: validates new allocations and takes them off invoice, payment and credit-note balances (internal)';

CREATE TRIGGER allocation_apply AFTER INSERT ON ar.allocation
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_allocation_apply();

-- After a reversal: give the amounts back and reopen the invoices.  Like
-- the apply trigger, it updates only the kinds of document it has rows for,
-- and sets the invoice status itself.
CREATE FUNCTION ar.tg_allocation_unapply() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r record;
BEGIN
  SELECT pg_catalog.count(*) AS n_reversed,
         pg_catalog.count(*) FILTER (WHERE n.kind = 'payment') AS n_payment,
         pg_catalog.count(*) FILTER (WHERE n.kind = 'credit_note') AS n_credit_note
    INTO r
    FROM new_rows n JOIN old_rows o ON o.allocation_id = n.allocation_id
   WHERE o.reversed_on IS NULL AND n.reversed_on IS NOT NULL;
  IF r.n_reversed = 0 THEN
    RETURN NULL;
  END IF;
  -- An invoice with active allocations is never void (ar.void_invoice and
  -- the invoice trigger refuse that), so a reversal reopens it.
  UPDATE ar.invoice i SET open_amount = i.open_amount + s.total, status = 'open', closed_on = NULL
    FROM (SELECT n.invoice_id, pg_catalog.sum(n.amount) AS total
            FROM new_rows n JOIN old_rows o ON o.allocation_id = n.allocation_id
           WHERE o.reversed_on IS NULL AND n.reversed_on IS NOT NULL
           GROUP BY n.invoice_id) s
   WHERE i.invoice_id = s.invoice_id;
  IF r.n_payment > 0 THEN
    UPDATE ar.payment p SET unapplied_amount = p.unapplied_amount + s.total
      FROM (SELECT n.payment_id, pg_catalog.sum(n.amount) AS total
              FROM new_rows n JOIN old_rows o ON o.allocation_id = n.allocation_id
             WHERE o.reversed_on IS NULL AND n.reversed_on IS NOT NULL AND n.kind = 'payment'
             GROUP BY n.payment_id) s
     WHERE p.payment_id = s.payment_id;
  END IF;
  IF r.n_credit_note > 0 THEN
    UPDATE ar.credit_note c SET unapplied_amount = c.unapplied_amount + s.total
      FROM (SELECT n.credit_note_id, pg_catalog.sum(n.amount) AS total
              FROM new_rows n JOIN old_rows o ON o.allocation_id = n.allocation_id
             WHERE o.reversed_on IS NULL AND n.reversed_on IS NOT NULL AND n.kind = 'credit_note'
             GROUP BY n.credit_note_id) s
     WHERE c.credit_note_id = s.credit_note_id;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION ar.tg_allocation_unapply() IS
  'Statement trigger: gives reversed allocations back to invoice, payment and credit-note balances and reopens the invoices (internal)';

CREATE TRIGGER allocation_unapply AFTER UPDATE ON ar.allocation
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_allocation_unapply();

------------------------------------------------------------------------------
-- Audit: every ledger table, every operation.
------------------------------------------------------------------------------

CREATE TRIGGER audit_insert AFTER INSERT ON ar.customer REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('customer_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.customer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('customer_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.customer REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('customer_id');

CREATE TRIGGER audit_insert AFTER INSERT ON ar.invoice REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('invoice_id');
-- Balance maintenance by the allocation trigger writes its own audit rows
-- (see ar.tg_allocation_apply); the generic audit stands aside for it.
CREATE TRIGGER audit_update AFTER UPDATE ON ar.invoice REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit_update('invoice_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.invoice REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('invoice_id');

CREATE TRIGGER audit_insert AFTER INSERT ON ar.payment REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('payment_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.payment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit_update('payment_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.payment REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('payment_id');

CREATE TRIGGER audit_insert AFTER INSERT ON ar.credit_note REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('credit_note_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.credit_note REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT
  WHEN (pg_catalog.pg_trigger_depth() = 0
        OR pg_catalog.current_setting('ar.maintaining_balances', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION ar.tg_audit_update('credit_note_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.credit_note REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('credit_note_id');

-- New allocations are audited by ar.tg_allocation_apply, in the statement
-- that moves the balances.
CREATE TRIGGER audit_update AFTER UPDATE ON ar.allocation REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('allocation_id');
