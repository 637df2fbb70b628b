-- Ledger functions: apply payments and credit notes to invoices, write off,
-- reverse, void.  They decide which invoices and how much (ar.allocate, in
-- C), then write every allocation of a call in one INSERT ... SELECT, so the
-- statement trigger of 210_ledger_triggers.sql validates the set and moves
-- the balances once.  See docs/payments.md.
--
-- Lock order (every function here, and every caller that wants to stay
-- deadlock-free, takes its locks in this order):
--   1. the source document: the payment or credit note row, FOR NO KEY
--      UPDATE (this also serializes two applications of the same payment);
--   2. the customer row, FOR NO KEY UPDATE (serializes every change of one
--      customer's balances; FOR NO KEY UPDATE leaves the FOR KEY SHARE locks
--      of foreign-key checks alone, so new invoices and payments of the
--      customer are not blocked);
--   3. the invoices and the allocation rows, which the balance triggers
--      update while the customer lock is held.
-- Balances are read only after the locks are held; in READ COMMITTED each
-- statement then sees what the previous holder committed.

------------------------------------------------------------------------------
-- Internal helpers
------------------------------------------------------------------------------

-- Lock a customer's balances (step 2 of the lock order).
CREATE FUNCTION ar.lock_customer(cust_id bigint) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM 1 FROM ar.customer c WHERE c.customer_id = cust_id FOR NO KEY UPDATE;
END
$$;
COMMENT ON FUNCTION ar.lock_customer(bigint) IS
  'Takes the customer row lock (FOR NO KEY UPDATE) that serializes changes to one customer''s balances (internal; step 2 of the lock order in docs/payments.md)';

-- The invoices an amount of the given customer and currency may go to, in
-- the order the strategies start from, with their open amounts and issue
-- dates.  Without a list: the customer's open invoices in that currency,
-- oldest due date first, then invoice id.  With a list: exactly those, in
-- the listed order, each checked (exists, same customer, same currency,
-- open); the first problem raises, naming the invoice.  "what" names the
-- source document in messages ('payment 12', 'credit note CN-7').
CREATE FUNCTION ar.allocation_targets(cust_id bigint, cur char(3), invoice_ids bigint[], what text,
                                      OUT ids bigint[], OUT opens numeric[], OUT issued date[])
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  r record;
BEGIN
  IF invoice_ids IS NULL THEN
    SELECT COALESCE(pg_catalog.array_agg(i.invoice_id ORDER BY i.due_date, i.invoice_id), '{}'),
           COALESCE(pg_catalog.array_agg(i.open_amount ORDER BY i.due_date, i.invoice_id), '{}'),
           COALESCE(pg_catalog.array_agg(i.issue_date ORDER BY i.due_date, i.invoice_id), '{}')
      INTO ids, opens, issued
      FROM ar.invoice i
     WHERE i.customer_id = cust_id AND i.status = 'open' AND i.currency = cur;
    RETURN;
  END IF;

  SELECT s.* INTO r
    FROM (SELECT l.ord, l.id, i.invoice_no, i.currency AS inv_currency, i.status,
                 ic.customer_code AS inv_customer_code, oc.customer_code AS own_customer_code,
                 CASE
                   WHEN l.id IS NULL THEN 'null'
                   WHEN pg_catalog.count(*) OVER (PARTITION BY l.id) > 1 THEN 'twice'
                   WHEN i.invoice_id IS NULL THEN 'unknown'
                   WHEN i.customer_id <> cust_id THEN 'customer'
                   WHEN i.currency <> cur THEN 'currency'
                   WHEN i.status <> 'open' THEN 'closed'
                 END AS problem
            FROM pg_catalog.unnest(invoice_ids) WITH ORDINALITY AS l(id, ord)
            LEFT JOIN ar.invoice i ON i.invoice_id = l.id
            LEFT JOIN ar.customer ic ON ic.customer_id = i.customer_id
            LEFT JOIN ar.customer oc ON oc.customer_id = cust_id) s
   WHERE s.problem IS NOT NULL
   ORDER BY s.ord
   LIMIT 1;
  IF FOUND THEN
    CASE r.problem
      WHEN 'null' THEN
        RAISE EXCEPTION 'invoice_ids of % contains a null at position %', what, r.ord
          USING ERRCODE = 'null_value_not_allowed';
      WHEN 'twice' THEN
        RAISE EXCEPTION 'invoice % is listed more than once for %', COALESCE(r.invoice_no, r.id::text), what
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'List each invoice once; the amount it receives is decided by the strategy.';
      WHEN 'unknown' THEN
        RAISE EXCEPTION 'unknown invoice %', r.id
          USING ERRCODE = 'invalid_parameter_value';
      WHEN 'customer' THEN
        RAISE EXCEPTION 'invoice % belongs to customer %, not to customer % of %',
          r.invoice_no, r.inv_customer_code, r.own_customer_code, what
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'A payment or credit note settles only its own customer''s invoices.';
      WHEN 'currency' THEN
        RAISE EXCEPTION 'invoice % is in % but % is in %', r.invoice_no, r.inv_currency, what, cur
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Allocation never mixes currencies.';
      WHEN 'closed' THEN
        RAISE EXCEPTION 'invoice % is % and cannot take allocations', r.invoice_no, r.status
          USING ERRCODE = 'object_not_in_prerequisite_state';
    END CASE;
  END IF;

  SELECT COALESCE(pg_catalog.array_agg(i.invoice_id ORDER BY l.ord), '{}'),
         COALESCE(pg_catalog.array_agg(i.open_amount ORDER BY l.ord), '{}'),
         COALESCE(pg_catalog.array_agg(i.issue_date ORDER BY l.ord), '{}')
    INTO ids, opens, issued
    FROM pg_catalog.unnest(invoice_ids) WITH ORDINALITY AS l(id, ord)
    JOIN ar.invoice i ON i.invoice_id = l.id;
END
$$;
COMMENT ON FUNCTION ar.allocation_targets(bigint, char, bigint[], text) IS
  'Invoices an amount may be allocated to, in strategy order, with open amounts and issue dates; checks a given list (internal helper of ar.apply_payment and ar.apply_credit_note)';

-- Raises unless id is given; "what" names the parameter.
CREATE FUNCTION ar.require_id(id bigint, what text) RETURNS void
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF id IS NULL THEN
    RAISE EXCEPTION '% must not be null', what
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
END
$$;
COMMENT ON FUNCTION ar.require_id(bigint, text) IS
  'Raises 22004 when an id parameter is NULL (internal helper of the ledger functions)';

------------------------------------------------------------------------------
-- ar.apply_payment
------------------------------------------------------------------------------

CREATE FUNCTION ar.apply_payment(payment_id bigint, strategy text DEFAULT 'fifo',
                                 invoice_ids bigint[] DEFAULT NULL, applied_on date DEFAULT NULL)
  RETURNS SETOF ar.allocation
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
-- The hot path of cash application: three statements (payment and
-- customer, open invoices, insert) and no nested PL/pgSQL call when no list
-- is given.
DECLARE
  pay record;
  ids bigint[];
  opens numeric[];
  issued date[];
  t record;
  parts numeric[];
  reached numeric;
  late record;
BEGIN
  IF apply_payment.payment_id IS NULL THEN
    RAISE EXCEPTION 'payment_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF apply_payment.strategy IS DISTINCT FROM 'fifo' THEN
    PERFORM ar.check_allocation_strategy(apply_payment.strategy);
  END IF;

  -- Lock order steps 1 and 2 in one statement: the payment, then its
  -- customer (FOR ... OF p, c locks in that order).  Balances are read
  -- after this statement, in later statements that see what earlier
  -- holders of these locks committed.
  SELECT p.payment_id, p.customer_id, p.currency, p.unapplied_amount, p.received_on, p.status,
         cur.minor_unit
    INTO pay
    FROM ar.payment p
    JOIN ar.customer c ON c.customer_id = p.customer_id
    JOIN ar.currency cur ON cur.code = p.currency
   WHERE p.payment_id = apply_payment.payment_id
     FOR NO KEY UPDATE OF p, c;
  IF NOT FOUND THEN
    -- Unknown, or not yet identified (no customer to lock): lock the
    -- payment alone to say which.
    SELECT p.payment_id, p.customer_id, p.status INTO pay
      FROM ar.payment p WHERE p.payment_id = apply_payment.payment_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'unknown payment %', apply_payment.payment_id
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pay.status <> 'cancelled' THEN
      RAISE EXCEPTION 'payment % has no customer yet', pay.payment_id
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Identify the payer first: ar.assign_payment(payment_id, customer_id) assigns and applies it.';
    END IF;
  END IF;
  IF pay.status = 'cancelled' THEN
    RAISE EXCEPTION 'payment % is cancelled', pay.payment_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'A cancelled payment cannot be applied; record the money as a new payment.';
  END IF;
  IF apply_payment.applied_on < pay.received_on THEN
    RAISE EXCEPTION 'applied_on % is before payment % was received on %',
      apply_payment.applied_on, pay.payment_id, pay.received_on
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Money is applied on or after the day it was received.';
  END IF;
  IF pay.unapplied_amount = 0 AND apply_payment.invoice_ids IS NULL THEN
    RETURN;
  END IF;

  IF apply_payment.invoice_ids IS NULL THEN
    -- Oldest due date first, then invoice id: the order of the index
    -- invoice_open_by_customer_idx, so no sort.  FIFO needs only the
    -- invoices the money reaches: read the first 16, and all of them only
    -- when those 16 do not take the whole payment.
    IF apply_payment.strategy = 'fifo' THEN
      SELECT COALESCE(pg_catalog.array_agg(o.invoice_id), '{}'), COALESCE(pg_catalog.array_agg(o.open_amount), '{}'),
             COALESCE(pg_catalog.array_agg(o.issue_date), '{}'), COALESCE(pg_catalog.sum(o.open_amount), 0)
        INTO ids, opens, issued, reached
        FROM (SELECT i.invoice_id, i.open_amount, i.issue_date
                FROM ar.invoice i
               WHERE i.customer_id = pay.customer_id AND i.status = 'open' AND i.currency = pay.currency
               ORDER BY i.due_date, i.invoice_id
               LIMIT 16) o;
    END IF;
    IF apply_payment.strategy <> 'fifo' OR (pg_catalog.cardinality(ids) = 16 AND reached < pay.unapplied_amount) THEN
      SELECT COALESCE(pg_catalog.array_agg(o.invoice_id), '{}'), COALESCE(pg_catalog.array_agg(o.open_amount), '{}'),
             COALESCE(pg_catalog.array_agg(o.issue_date), '{}')
        INTO ids, opens, issued
        FROM (SELECT i.invoice_id, i.open_amount, i.issue_date
                FROM ar.invoice i
               WHERE i.customer_id = pay.customer_id AND i.status = 'open' AND i.currency = pay.currency
               ORDER BY i.due_date, i.invoice_id) o;
    END IF;
  ELSE
    t := ar.allocation_targets(pay.customer_id, pay.currency, apply_payment.invoice_ids, 'payment ' || pay.payment_id);
    ids := t.ids;
    opens := t.opens;
    issued := t.issued;
  END IF;
  IF pay.unapplied_amount = 0 OR pg_catalog.cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  parts := ar.allocate(pay.unapplied_amount, opens, apply_payment.strategy, pay.minor_unit);

  IF apply_payment.applied_on IS NOT NULL THEN
    SELECT i.invoice_no, x.issued INTO late
      FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(parts), pg_catalog.unnest(issued)) AS x(id, amount, issued)
      JOIN ar.invoice i ON i.invoice_id = x.id
     WHERE x.amount > 0 AND x.issued > apply_payment.applied_on
     LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'applied_on % is before invoice % was issued on %',
        apply_payment.applied_on, late.invoice_no, late.issued
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Leave applied_on NULL to apply each invoice from the later of the receipt and its issue date.';
    END IF;
  END IF;

  RETURN QUERY
  INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on)
  SELECT pay.customer_id, x.id, 'payment', pay.payment_id, x.amount,
         COALESCE(apply_payment.applied_on, GREATEST(pay.received_on, x.issued))
    FROM ROWS FROM (pg_catalog.unnest(ids), pg_catalog.unnest(parts), pg_catalog.unnest(issued))
         WITH ORDINALITY AS x(id, amount, issued, ord)
   WHERE x.amount > 0
   ORDER BY x.ord
  RETURNING *;
END
$$;
COMMENT ON FUNCTION ar.apply_payment(bigint, text, bigint[], date) IS
  'Allocates the payment''s unapplied amount over the customer''s open invoices (or the listed ones, in that order) by strategy; the rest stays unapplied as the customer''s credit. Returns the allocations made';

------------------------------------------------------------------------------
-- ar.apply_credit_note
------------------------------------------------------------------------------

CREATE FUNCTION ar.apply_credit_note(credit_note_id bigint, strategy text DEFAULT 'fifo',
                                     invoice_ids bigint[] DEFAULT NULL)
  RETURNS SETOF ar.allocation
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  cn ar.credit_note;
  what text;
  mu integer;
  t record;
  parts numeric[];
  first_pos integer;
  first_part numeric := 0;
BEGIN
  PERFORM ar.require_id(apply_credit_note.credit_note_id, 'credit_note_id');
  PERFORM ar.check_allocation_strategy(apply_credit_note.strategy);

  -- Lock order step 1: the credit note.
  SELECT c.* INTO cn FROM ar.credit_note c
   WHERE c.credit_note_id = apply_credit_note.credit_note_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown credit note %', apply_credit_note.credit_note_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  what := 'credit note ' || cn.credit_note_no;

  -- Step 2: the customer.
  PERFORM ar.lock_customer(cn.customer_id);
  t := ar.allocation_targets(cn.customer_id, cn.currency, apply_credit_note.invoice_ids, what);
  IF cn.unapplied_amount = 0 OR pg_catalog.cardinality(t.ids) = 0 THEN
    RETURN;
  END IF;
  mu := ar.minor_unit(cn.currency);

  -- A credit note that corrects an invoice goes to that invoice first when
  -- no list is given; what is left follows the strategy over the others.
  IF apply_credit_note.invoice_ids IS NULL AND cn.invoice_id IS NOT NULL THEN
    first_pos := pg_catalog.array_position(t.ids, cn.invoice_id);
  END IF;
  IF first_pos IS NOT NULL THEN
    first_part := LEAST(cn.unapplied_amount, t.opens[first_pos]);
    parts := ar.allocate(cn.unapplied_amount - first_part,
                         t.opens[:first_pos - 1] || t.opens[first_pos + 1:],
                         apply_credit_note.strategy, mu);
    t.ids := cn.invoice_id || t.ids[:first_pos - 1] || t.ids[first_pos + 1:];
    t.issued := t.issued[first_pos] || t.issued[:first_pos - 1] || t.issued[first_pos + 1:];
    parts := first_part || parts;
  ELSE
    parts := ar.allocate(cn.unapplied_amount, t.opens, apply_credit_note.strategy, mu);
  END IF;

  RETURN QUERY
  INSERT INTO ar.allocation (customer_id, invoice_id, kind, credit_note_id, amount, applied_on)
  SELECT cn.customer_id, x.id, 'credit_note', cn.credit_note_id, x.amount,
         GREATEST(cn.issue_date, x.issued)
    FROM ROWS FROM (pg_catalog.unnest(t.ids), pg_catalog.unnest(parts), pg_catalog.unnest(t.issued)) WITH ORDINALITY AS x(id, amount, issued, ord)
   WHERE x.amount > 0
   ORDER BY x.ord
  RETURNING *;
END
$$;
COMMENT ON FUNCTION ar.apply_credit_note(bigint, text, bigint[]) IS
  'Allocates the credit note''s unapplied amount over the customer''s open invoices (its own invoice first when it names one and no list is given) by strategy; returns the allocations made';

------------------------------------------------------------------------------
-- ar.write_off
------------------------------------------------------------------------------

CREATE FUNCTION ar.write_off(invoice_id bigint, amount numeric DEFAULT NULL, reason text DEFAULT NULL,
                             applied_on date DEFAULT NULL)
  RETURNS ar.allocation
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  inv ar.invoice;
  cust_id bigint;
  amt numeric;
  mu integer;
  eff date;
  result ar.allocation;
BEGIN
  PERFORM ar.require_id(write_off.invoice_id, 'invoice_id');
  SELECT i.customer_id INTO cust_id FROM ar.invoice i WHERE i.invoice_id = write_off.invoice_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown invoice %', write_off.invoice_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Lock order: customer, then the invoice (read again under the lock).
  PERFORM ar.lock_customer(cust_id);
  SELECT i.* INTO inv FROM ar.invoice i WHERE i.invoice_id = write_off.invoice_id FOR NO KEY UPDATE;
  IF inv.customer_id <> cust_id THEN
    -- Moved to another customer between the two reads (possible only
    -- while it had no allocations); the caller may simply retry.
    RAISE EXCEPTION 'invoice % changed customer while being written off', inv.invoice_no
      USING ERRCODE = 'serialization_failure';
  END IF;
  IF inv.status <> 'open' THEN
    RAISE EXCEPTION 'invoice % is % and cannot be written off', inv.invoice_no, inv.status
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  amt := COALESCE(write_off.amount, inv.open_amount);
  mu := ar.minor_unit(inv.currency);
  IF amt <= 0 THEN
    RAISE EXCEPTION 'write-off amount % of invoice % must be greater than zero', amt, inv.invoice_no
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass NULL to write off the whole open amount.';
  END IF;
  IF amt <> pg_catalog.round(amt, mu) THEN
    RAISE EXCEPTION 'write-off amount % of invoice % is not a whole number of % minor units',
      amt, inv.invoice_no, inv.currency
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('%s has %s decimal places.', inv.currency, mu);
  END IF;
  IF amt > inv.open_amount THEN
    RAISE EXCEPTION 'write-off amount % exceeds the open amount % of invoice %', amt, inv.open_amount, inv.invoice_no
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  eff := COALESCE(write_off.applied_on, GREATEST(CURRENT_DATE, inv.issue_date));
  IF eff < inv.issue_date THEN
    RAISE EXCEPTION 'applied_on % is before invoice % was issued on %', eff, inv.invoice_no, inv.issue_date
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  INSERT INTO ar.allocation (customer_id, invoice_id, kind, amount, applied_on, reason)
  VALUES (inv.customer_id, inv.invoice_id, 'write_off', amt, eff, write_off.reason)
  RETURNING * INTO result;
  RETURN result;
END
$$;
COMMENT ON FUNCTION ar.write_off(bigint, numeric, text, date) IS
  'Writes off part (amount) or all (NULL) of an invoice''s open amount as a write_off allocation, effective applied_on (default today); returns the allocation';

------------------------------------------------------------------------------
-- ar.reverse_allocation
------------------------------------------------------------------------------

CREATE FUNCTION ar.reverse_allocation(allocation_id bigint, reason text, reversed_on date DEFAULT NULL)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  al ar.allocation;
  eff date;
BEGIN
  PERFORM ar.require_id(reverse_allocation.allocation_id, 'allocation_id');
  IF reverse_allocation.reason IS NULL OR pg_catalog.btrim(reverse_allocation.reason) = '' THEN
    RAISE EXCEPTION 'a reversal needs a reason'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Say why, e.g. ''applied to the wrong invoice'' or ''cheque returned unpaid''.';
  END IF;
  SELECT a.* INTO al FROM ar.allocation a WHERE a.allocation_id = reverse_allocation.allocation_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown allocation %', reverse_allocation.allocation_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- Lock order: source document, customer, then the allocation itself
  -- (read again under the locks: it may have been reversed meanwhile).
  IF al.payment_id IS NOT NULL THEN
    PERFORM 1 FROM ar.payment p WHERE p.payment_id = al.payment_id FOR NO KEY UPDATE;
  END IF;
  IF al.credit_note_id IS NOT NULL THEN
    PERFORM 1 FROM ar.credit_note c WHERE c.credit_note_id = al.credit_note_id FOR NO KEY UPDATE;
  END IF;
  PERFORM ar.lock_customer(al.customer_id);
  SELECT a.* INTO al FROM ar.allocation a WHERE a.allocation_id = reverse_allocation.allocation_id FOR NO KEY UPDATE;
  IF al.reversed_on IS NOT NULL THEN
    RAISE EXCEPTION 'allocation % is already reversed (on %)', al.allocation_id, al.reversed_on
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  eff := COALESCE(reverse_allocation.reversed_on, GREATEST(CURRENT_DATE, al.applied_on));
  IF eff < al.applied_on THEN
    RAISE EXCEPTION 'reversed_on % is before allocation % was applied on %', eff, al.allocation_id, al.applied_on
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  UPDATE ar.allocation a SET reversed_on = eff, reversal_reason = reverse_allocation.reason
   WHERE a.allocation_id = al.allocation_id;
END
$$;
COMMENT ON FUNCTION ar.reverse_allocation(bigint, text, date) IS
  'Reverses an active allocation, effective reversed_on (default today, never before it was applied): the invoice, payment or credit note get the amount back. A reason is required';

------------------------------------------------------------------------------
-- ar.void_invoice
------------------------------------------------------------------------------

CREATE FUNCTION ar.void_invoice(invoice_id bigint, reason text) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  inv ar.invoice;
  cust_id bigint;
  n_active integer;
  active_total numeric;
BEGIN
  PERFORM ar.require_id(void_invoice.invoice_id, 'invoice_id');
  IF void_invoice.reason IS NULL OR pg_catalog.btrim(void_invoice.reason) = '' THEN
    RAISE EXCEPTION 'voiding an invoice needs a reason'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Say why, e.g. ''duplicate of INV-0042'' or ''issued to the wrong customer''.';
  END IF;
  SELECT i.customer_id INTO cust_id FROM ar.invoice i WHERE i.invoice_id = void_invoice.invoice_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown invoice %', void_invoice.invoice_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM ar.lock_customer(cust_id);
  SELECT i.* INTO inv FROM ar.invoice i WHERE i.invoice_id = void_invoice.invoice_id FOR NO KEY UPDATE;
  IF inv.customer_id <> cust_id THEN
    RAISE EXCEPTION 'invoice % changed customer while being voided', inv.invoice_no
      USING ERRCODE = 'serialization_failure';
  END IF;
  IF inv.status = 'void' THEN
    RAISE EXCEPTION 'invoice % is already void', inv.invoice_no
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('Reason given then: %s.', inv.void_reason);
  END IF;
  SELECT pg_catalog.count(*), pg_catalog.sum(a.amount) INTO n_active, active_total
    FROM ar.allocation a WHERE a.invoice_id = inv.invoice_id AND a.reversed_on IS NULL;
  IF n_active > 0 THEN
    RAISE EXCEPTION 'invoice % has active allocations and cannot be voided', inv.invoice_no
      USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = pg_catalog.format('%s active allocation(s) total %s %s.', n_active, active_total, inv.currency),
            HINT = 'Reverse them first (ar.reverse_allocation), or issue a credit note instead.';
  END IF;
  UPDATE ar.invoice i SET status = 'void', void_reason = void_invoice.reason
   WHERE i.invoice_id = inv.invoice_id;
END
$$;
COMMENT ON FUNCTION ar.void_invoice(bigint, text) IS
  'Voids an invoice that has no active allocations, recording the reason; a void invoice is never dunned, aged or allocated';
