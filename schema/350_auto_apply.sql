-- Cash application that writes: ar.auto_apply applies the confident,
-- unambiguous matches of ar.match_decision; ar.assign_payment is a person
-- identifying a payment.  Both teach ar.payer_alias, both write through the
-- ledger functions of 300_payment_functions.sql (ar.apply_payment,
-- ar.write_off) and allocation inserts, and both keep its lock order:
-- payment, then customer, then invoices.  See docs/cash-application.md,
-- "Automatic application" and "Review".

------------------------------------------------------------------------------
-- Deductions: what happens to the short pay of an applied match
------------------------------------------------------------------------------

-- After the payment went over the invoices (oldest first in the listed
-- order), the last of them is left open by exactly the deduction.  A tax
-- rounding difference is written off; a bank fee is written off as a fee
-- allocation where the customer may deduct it, and otherwise stays open,
-- flagged on the payment and the invoice (取適法: a large buyer may not
-- deduct the transfer fee from a small supplier's payment, even by
-- agreement).  Returns the outcome and the number of allocations written.
CREATE FUNCTION ar.settle_deduction(payment_id bigint, invoice_ids bigint[], deduction numeric,
                                    reasons text[], OUT outcome text, OUT allocations integer)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  pay record;
  inv record;
  allowed boolean;
BEGIN
  allocations := 0;
  IF deduction IS NULL OR deduction = 0 THEN
    outcome := 'applied';
    RETURN;
  END IF;
  SELECT x.payment_id, x.customer_id, x.received_on, x.metadata INTO pay
    FROM ar.payment x WHERE x.payment_id = settle_deduction.payment_id;
  SELECT i.invoice_id, i.invoice_no, i.open_amount, i.issue_date INTO inv
    FROM ar.invoice i
   WHERE i.invoice_id = ANY (settle_deduction.invoice_ids) AND i.status = 'open'
   ORDER BY pg_catalog.array_position(settle_deduction.invoice_ids, i.invoice_id) DESC
   LIMIT 1;
  IF NOT FOUND OR inv.open_amount <> deduction THEN
    -- The invoices changed under the caller's locks: cannot happen.
    RAISE EXCEPTION 'payment % left % open instead of the deduction %', pay.payment_id,
      COALESCE(inv.open_amount, 0), deduction
      USING ERRCODE = 'internal_error';
  END IF;

  IF 'tax_rounding' = ANY (reasons) THEN
    PERFORM ar.write_off(inv.invoice_id, deduction,
                         pg_catalog.format('tax rounding difference (端数差額) of payment %s', pay.payment_id),
                         GREATEST(pay.received_on, inv.issue_date));
    outcome := 'applied_rounding';
    allocations := 1;
    RETURN;
  END IF;

  SELECT c.fee_deduction_allowed INTO allowed FROM ar.customer c WHERE c.customer_id = pay.customer_id;
  IF allowed THEN
    INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on, reason)
    VALUES (pay.customer_id, inv.invoice_id, 'fee', pay.payment_id, deduction,
            GREATEST(pay.received_on, inv.issue_date), 'bank fee deducted by payer (振込手数料)');
    outcome := 'applied_fee';
    allocations := 1;
  ELSE
    UPDATE ar.payment x
       SET metadata = x.metadata || pg_catalog.jsonb_build_object('short_pay', pg_catalog.jsonb_build_object(
             'amount', deduction, 'invoice_id', inv.invoice_id, 'invoice_no', inv.invoice_no,
             'reason', 'fee_deduction_not_allowed'))
     WHERE x.payment_id = pay.payment_id;
    UPDATE ar.invoice i
       SET metadata = i.metadata || pg_catalog.jsonb_build_object('short_paid', pg_catalog.jsonb_build_object(
             'amount', deduction, 'payment_id', pay.payment_id, 'reason', 'fee_deduction_not_allowed'))
     WHERE i.invoice_id = inv.invoice_id;
    outcome := 'applied_short_pay';
  END IF;
END
$$;
COMMENT ON FUNCTION ar.settle_deduction(bigint, bigint[], numeric, text[]) IS
  'Settles the short pay of an applied match on its last invoice: a tax rounding difference is written off, a bank fee becomes a fee allocation where the customer may deduct it, otherwise it stays open and payment and invoice are flagged (metadata short_pay / short_paid); internal helper of ar.auto_apply';

------------------------------------------------------------------------------
-- ar.auto_apply
------------------------------------------------------------------------------

CREATE FUNCTION ar.auto_apply(min_score real DEFAULT NULL, received_since date DEFAULT NULL)
  RETURNS TABLE (payment_id bigint, customer_id bigint, allocations integer, outcome text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
-- Two phases.  1: decide every waiting payment (ar.match_decision), reading
-- only.  2: per chosen customer, in customer order: lock the payments (lock
-- order step 1; SKIP LOCKED, so a payment another transaction is working on
-- is passed over, never waited for), then the customer (step 2), check that
-- the chosen invoices are as they were decided, and apply.  Waiting only
-- for customers, taken in ascending order, two runs never deadlock, and a
-- payment is applied once: the lock and the re-checked conditions
-- (unmatched, nothing applied yet) make the second run pass it over.
DECLARE
  thr real;
  cg record;
  r record;
  d record;
  locked bigint[];
  n integer;
  ded record;
BEGIN
  thr := COALESCE(auto_apply.min_score, ar.setting_value('match_auto_threshold')::real);
  IF thr IS NULL OR thr = 'NaN'::real OR thr < 0 OR thr > 1 THEN
    RAISE EXCEPTION 'min_score % is out of range', thr
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A score threshold is between 0 and 1.';
  END IF;

  -- Phase 1.
  IF pg_catalog.to_regclass('pg_temp.ar_auto_apply') IS NOT NULL THEN
    DROP TABLE pg_temp.ar_auto_apply;
  END IF;
  CREATE TEMP TABLE ar_auto_apply ON COMMIT DROP AS
  SELECT x.payment_id AS pid, x.customer_id AS pay_cust, d.*,
         (SELECT pg_catalog.sum(i.open_amount) FROM ar.invoice i
           WHERE i.invoice_id = ANY (d.invoice_ids) AND i.status = 'open') AS inv_total
    FROM ar.payment x
   CROSS JOIN LATERAL ar.match_decision(x.payment_id, thr) d
   WHERE x.status = 'received' AND x.matched_by IS NULL AND x.unapplied_amount = x.amount
     AND (auto_apply.received_since IS NULL OR x.received_on >= auto_apply.received_since);
  CREATE INDEX ON pg_temp.ar_auto_apply (customer_id, pid);
  CREATE INDEX ON pg_temp.ar_auto_apply (pid);
  ANALYZE pg_temp.ar_auto_apply;

  -- Phase 2.
  FOR cg IN SELECT DISTINCT t.customer_id AS cid FROM pg_temp.ar_auto_apply t
             WHERE t.decision = 'apply' ORDER BY 1 LOOP
    SELECT COALESCE(pg_catalog.array_agg(q.payment_id ORDER BY q.payment_id), '{}') INTO locked
      FROM (SELECT x.payment_id
              FROM ar.payment x
             WHERE x.payment_id IN (SELECT t.pid FROM pg_temp.ar_auto_apply t
                                     WHERE t.decision = 'apply' AND t.customer_id = cg.cid)
               AND x.status = 'received' AND x.matched_by IS NULL AND x.unapplied_amount = x.amount
               AND (x.customer_id IS NULL OR x.customer_id = cg.cid)
             ORDER BY x.payment_id
               FOR NO KEY UPDATE SKIP LOCKED) q;
    -- Passed over: another transaction holds it, or matched it meanwhile.
    FOR r IN SELECT t.pid, t.pay_cust FROM pg_temp.ar_auto_apply t
              WHERE t.decision = 'apply' AND t.customer_id = cg.cid AND t.pid <> ALL (locked)
              ORDER BY t.pid LOOP
      payment_id := r.pid;
      customer_id := r.pay_cust;
      allocations := 0;
      outcome := CASE WHEN EXISTS (SELECT 1 FROM ar.payment x
                                    WHERE x.payment_id = r.pid AND x.status = 'received' AND x.matched_by IS NULL
                                      AND x.unapplied_amount = x.amount
                                      AND (x.customer_id IS NULL OR x.customer_id = cg.cid))
                      THEN 'locked' ELSE 'already_matched' END;
      RETURN NEXT;
    END LOOP;
    IF pg_catalog.cardinality(locked) = 0 THEN
      CONTINUE;
    END IF;
    PERFORM ar.lock_customer(cg.cid);

    FOR r IN SELECT t.* FROM pg_temp.ar_auto_apply t WHERE t.pid = ANY (locked) ORDER BY t.pid LOOP
      -- The chosen invoices as decided?  Otherwise decide again, now under
      -- the locks (another payment of the customer may have settled them).
      IF (SELECT pg_catalog.sum(i.open_amount) FROM ar.invoice i
           WHERE i.invoice_id = ANY (r.invoice_ids) AND i.status = 'open') IS DISTINCT FROM r.inv_total THEN
        SELECT * INTO d FROM ar.match_decision(r.pid, thr);
        IF d.decision <> 'apply' OR d.customer_id <> cg.cid THEN
          payment_id := r.pid;
          customer_id := r.pay_cust;
          allocations := 0;
          outcome := 'changed';
          RETURN NEXT;
          CONTINUE;
        END IF;
        r.invoice_ids := d.invoice_ids;
        r.fee_amount := d.fee_amount;
        r.reasons := d.reasons;
        r.score := d.score;
      END IF;

      UPDATE ar.payment x
         SET customer_id = cg.cid, matched_by = 'auto', matched_at = pg_catalog.now(), match_score = r.score
       WHERE x.payment_id = r.pid;
      SELECT pg_catalog.count(*)::integer INTO n FROM ar.apply_payment(r.pid, 'fifo', r.invoice_ids);
      IF r.fee_amount > 0 THEN
        ded := ar.settle_deduction(r.pid, r.invoice_ids, r.fee_amount, r.reasons);
        n := n + ded.allocations;
        outcome := ded.outcome;
      ELSE
        outcome := 'applied';
      END IF;
      PERFORM ar.learn_payer_alias(r.pid, 'auto');
      payment_id := r.pid;
      customer_id := cg.cid;
      allocations := n;
      RETURN NEXT;
    END LOOP;
  END LOOP;

  -- The rest stays for review (ar.v_unmatched_payments).
  RETURN QUERY
  SELECT t.pid, t.pay_cust, 0, t.decision
    FROM pg_temp.ar_auto_apply t
   WHERE t.decision <> 'apply'
   ORDER BY t.pid;
END
$$;
COMMENT ON FUNCTION ar.auto_apply(real, date) IS
  'Applies every waiting payment (received, unmatched, nothing applied; received on or after received_since) whose best ar.match_payment candidate scores at least min_score (default: setting match_auto_threshold) and is not ambiguous: identifies the customer, applies it to the chosen invoices, settles a deducted fee or rounding difference, learns the payer alias. Outcomes: applied, applied_fee, applied_rounding, applied_short_pay; ambiguous, below_threshold, no_open_invoices, no_candidate (left for review); locked, already_matched, changed (passed over)';

------------------------------------------------------------------------------
-- ar.assign_payment
------------------------------------------------------------------------------

CREATE FUNCTION ar.assign_payment(payment_id bigint, customer_id bigint, strategy text DEFAULT 'fifo')
  RETURNS SETOF ar.allocation
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  pay record;
  cust record;
BEGIN
  PERFORM ar.require_id(assign_payment.payment_id, 'payment_id');
  PERFORM ar.require_id(assign_payment.customer_id, 'customer_id');
  PERFORM ar.check_allocation_strategy(assign_payment.strategy);

  -- Lock order step 1: the payment.
  SELECT x.payment_id, x.customer_id, x.currency, x.status INTO pay
    FROM ar.payment x WHERE x.payment_id = assign_payment.payment_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown payment %', assign_payment.payment_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT c.customer_id, c.customer_code, c.currency INTO cust
    FROM ar.customer c WHERE c.customer_id = assign_payment.customer_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown customer %', assign_payment.customer_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF pay.status = 'cancelled' THEN
    RAISE EXCEPTION 'payment % is cancelled', pay.payment_id
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'A cancelled payment cannot be assigned or applied.';
  END IF;
  IF pay.customer_id IS NOT NULL AND pay.customer_id <> cust.customer_id THEN
    RAISE EXCEPTION 'payment % is already identified as customer %, not %', pay.payment_id,
      (SELECT c.customer_code FROM ar.customer c WHERE c.customer_id = pay.customer_id), cust.customer_code
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Reverse its allocations and set payment.customer_id to NULL first if it was identified wrongly.';
  END IF;
  IF cust.currency <> pay.currency THEN
    RAISE EXCEPTION 'payment % is in % but customer % bills in %', pay.payment_id, pay.currency,
      cust.customer_code, cust.currency
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Allocation never mixes currencies.';
  END IF;

  -- Step 2: the customer; then identify, apply, learn.
  PERFORM ar.lock_customer(cust.customer_id);
  UPDATE ar.payment x
     SET customer_id = cust.customer_id, matched_by = 'manual', matched_at = pg_catalog.now(), match_score = NULL
   WHERE x.payment_id = pay.payment_id;
  RETURN QUERY SELECT * FROM ar.apply_payment(pay.payment_id, assign_payment.strategy);
  PERFORM ar.learn_payer_alias(pay.payment_id, 'manual');
END
$$;
COMMENT ON FUNCTION ar.assign_payment(bigint, bigint, text) IS
  'A person identifies a payment: sets its customer, applies it by strategy (ar.apply_payment), marks it matched_by manual and teaches ar.payer_alias its payer name. Returns the allocations made';
