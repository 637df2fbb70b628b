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
-- Phase 1 decides every waiting payment (ar.match_decision), reading only.
-- Phase 2 takes the locks in the order of 300_payment_functions.sql:
-- the chosen payments first (FOR NO KEY UPDATE SKIP LOCKED: a payment
-- another transaction is working on is passed over, never waited for),
-- then their customers in customer-id order.  Waiting only for customers,
-- in ascending order, two runs never deadlock; a payment is applied once,
-- since the lock and the re-checked conditions (unmatched, nothing applied
-- yet) make a second run pass it over.  Under the locks, the payments
-- whose invoices are as decided, and that share no invoice with another
-- payment of the run, are applied set-based: one UPDATE of the payments,
-- one INSERT of every allocation (payments, deducted fees, rounding
-- write-offs; the ledger triggers validate the set and move the balances
-- once), one UPSERT of the aliases.  The others (rare) are decided again,
-- one by one, now that the first ones are written, and applied with
-- ar.apply_payment.
DECLARE
  thr real;
  r record;
  d record;
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
  -- (Left by an earlier call of this transaction that failed in a
  -- subtransaction.)
  IF pg_catalog.to_regclass('pg_temp.ar_auto_apply') IS NOT NULL THEN
    DROP TABLE pg_temp.ar_auto_apply;
  END IF;
  IF pg_catalog.to_regclass('pg_temp.ar_auto_apply_alloc') IS NOT NULL THEN
    DROP TABLE pg_temp.ar_auto_apply_alloc;
  END IF;
  CREATE TEMP TABLE ar_auto_apply ON COMMIT DROP AS
  SELECT x.payment_id AS pid, x.customer_id AS pay_cust, x.received_on, x.payer_name, d.*,
         (SELECT pg_catalog.sum(i.open_amount) FROM ar.invoice i
           WHERE i.invoice_id = ANY (d.invoice_ids) AND i.status = 'open') AS inv_total,
         NULL::text AS result, NULL::integer AS n_again
    FROM ar.payment x
   CROSS JOIN LATERAL ar.match_decision(x.payment_id, thr) d
   WHERE x.status = 'received' AND x.matched_by IS NULL AND x.unapplied_amount = x.amount
     AND (auto_apply.received_since IS NULL OR x.received_on >= auto_apply.received_since);
  CREATE INDEX ON pg_temp.ar_auto_apply (pid);
  ANALYZE pg_temp.ar_auto_apply;

  -- Phase 2, locks: the payments, then their customers.
  UPDATE pg_temp.ar_auto_apply t SET result = 'locked'
    FROM (SELECT x.payment_id
            FROM ar.payment x
            JOIN pg_temp.ar_auto_apply a ON a.pid = x.payment_id
           WHERE a.decision = 'apply'
             AND x.status = 'received' AND x.matched_by IS NULL AND x.unapplied_amount = x.amount
             AND (x.customer_id IS NULL OR x.customer_id = a.customer_id)
           ORDER BY a.customer_id, x.payment_id
             FOR NO KEY UPDATE OF x SKIP LOCKED) q
   WHERE t.pid = q.payment_id;
  PERFORM 1
     FROM ar.customer c
    WHERE c.customer_id IN (SELECT t.customer_id FROM pg_temp.ar_auto_apply t WHERE t.result = 'locked')
    ORDER BY c.customer_id
      FOR NO KEY UPDATE;
  -- Passed over: another transaction holds it, or has matched it since.
  UPDATE pg_temp.ar_auto_apply t
     SET result = CASE WHEN EXISTS (SELECT 1 FROM ar.payment x
                                     WHERE x.payment_id = t.pid AND x.status = 'received' AND x.matched_by IS NULL
                                       AND x.unapplied_amount = x.amount
                                       AND (x.customer_id IS NULL OR x.customer_id = t.customer_id))
                       THEN 'locked_elsewhere' ELSE 'already_matched' END
   WHERE t.decision = 'apply' AND t.result IS NULL;
  -- Under the locks: invoices changed since the decision, or wanted by an
  -- earlier payment of this run, send a payment to the one-by-one path.
  ANALYZE pg_temp.ar_auto_apply;
  UPDATE pg_temp.ar_auto_apply t SET result = 'again'
   WHERE t.result = 'locked'
     AND ((SELECT pg_catalog.sum(i.open_amount) FROM ar.invoice i
            WHERE i.invoice_id = ANY (t.invoice_ids) AND i.status = 'open') IS DISTINCT FROM t.inv_total
          OR t.pid IN (SELECT u.pid
                         FROM (SELECT a.pid, pg_catalog.row_number() OVER (PARTITION BY x.inv ORDER BY a.pid) AS nth
                                 FROM pg_temp.ar_auto_apply a
                                CROSS JOIN pg_catalog.unnest(a.invoice_ids) AS x(inv)
                                WHERE a.result = 'locked') u
                        WHERE u.nth > 1));

  -- Phase 2, set-based writes for the rest.
  UPDATE pg_temp.ar_auto_apply t
     SET result = CASE
                    WHEN t.fee_amount = 0 THEN 'applied'
                    WHEN 'tax_rounding' = ANY (t.reasons) THEN 'applied_rounding'
                    WHEN c.fee_deduction_allowed THEN 'applied_fee'
                    ELSE 'applied_short_pay'
                  END
    FROM ar.customer c
   WHERE t.result = 'locked' AND c.customer_id = t.customer_id;
  ANALYZE pg_temp.ar_auto_apply;
  CREATE TEMP TABLE ar_auto_apply_alloc ON COMMIT DROP AS
  SELECT t.pid, t.customer_id, t.result, x.invoice_id, x.invoice_no, x.ord,
         GREATEST(t.received_on, x.issue_date) AS eff,
         -- oldest first in the listed order: every invoice in full but the
         -- last, which is short by the deduction
         LEAST(x.open_amount, t.matched_amount - t.fee_amount - (x.running - x.open_amount)) AS paid,
         x.open_amount - LEAST(x.open_amount, t.matched_amount - t.fee_amount - (x.running - x.open_amount)) AS short
    FROM pg_temp.ar_auto_apply t
   CROSS JOIN LATERAL (
           SELECT i.invoice_id, i.invoice_no, i.issue_date, i.open_amount, l.ord,
                  pg_catalog.sum(i.open_amount) OVER (ORDER BY l.ord) AS running
             FROM pg_catalog.unnest(t.invoice_ids) WITH ORDINALITY AS l(id, ord)
             JOIN ar.invoice i ON i.invoice_id = l.id) x
   WHERE t.result LIKE 'applied%';
  CREATE INDEX ON pg_temp.ar_auto_apply_alloc (pid);
  ANALYZE pg_temp.ar_auto_apply_alloc;
  UPDATE ar.payment p
     SET customer_id = t.customer_id, matched_by = 'auto', matched_at = pg_catalog.now(), match_score = t.score,
         metadata = CASE WHEN t.result = 'applied_short_pay'
                         THEN p.metadata || pg_catalog.jsonb_build_object('short_pay', pg_catalog.jsonb_build_object(
                                'amount', t.fee_amount, 'invoice_id', s.invoice_id, 'invoice_no', s.invoice_no,
                                'reason', 'fee_deduction_not_allowed'))
                         ELSE p.metadata END
    FROM pg_temp.ar_auto_apply t
    LEFT JOIN pg_temp.ar_auto_apply_alloc s ON s.pid = t.pid AND s.short > 0
   WHERE p.payment_id = t.pid AND t.result LIKE 'applied%';
  INSERT INTO ar.allocation (customer_id, invoice_id, kind, payment_id, amount, applied_on, reason)
  SELECT w.customer_id, w.invoice_id, w.kind, w.payment_id, w.amount, w.eff, w.reason
    FROM (SELECT s.customer_id, s.invoice_id, 'payment' AS kind, s.pid AS payment_id, s.paid AS amount, s.eff,
                 NULL::text AS reason, s.pid, s.ord, 1 AS part
            FROM pg_temp.ar_auto_apply_alloc s WHERE s.paid > 0
          UNION ALL
          SELECT s.customer_id, s.invoice_id, 'fee', s.pid, s.short, s.eff,
                 'bank fee deducted by payer (振込手数料)', s.pid, s.ord, 2
            FROM pg_temp.ar_auto_apply_alloc s WHERE s.short > 0 AND s.result = 'applied_fee'
          UNION ALL
          SELECT s.customer_id, s.invoice_id, 'write_off', NULL, s.short, s.eff,
                 pg_catalog.format('tax rounding difference (端数差額) of payment %s', s.pid), s.pid, s.ord, 2
            FROM pg_temp.ar_auto_apply_alloc s WHERE s.short > 0 AND s.result = 'applied_rounding') w
   ORDER BY w.pid, w.ord, w.part;
  UPDATE ar.invoice i
     SET metadata = i.metadata || pg_catalog.jsonb_build_object('short_paid', pg_catalog.jsonb_build_object(
           'amount', s.short, 'payment_id', s.pid, 'reason', 'fee_deduction_not_allowed'))
    FROM pg_temp.ar_auto_apply_alloc s
   WHERE i.invoice_id = s.invoice_id AND s.short > 0 AND s.result = 'applied_short_pay';
  INSERT INTO ar.payer_alias AS a (payer_name_norm, customer_id, payer_name, auto_count, manual_count,
                                   first_seen, last_seen, last_payment_id)
  SELECT g.norm, g.customer_id, g.payer_name, g.n, 0, g.first_seen, g.last_seen, g.last_pid
    FROM (SELECT ar.normalize_name(t.payer_name) AS norm, t.customer_id,
                 (pg_catalog.array_agg(t.payer_name ORDER BY t.pid DESC))[1] AS payer_name,
                 pg_catalog.count(*)::integer AS n, pg_catalog.min(t.received_on) AS first_seen,
                 pg_catalog.max(t.received_on) AS last_seen, pg_catalog.max(t.pid) AS last_pid
            FROM pg_temp.ar_auto_apply t
           WHERE t.result LIKE 'applied%' AND t.payer_name IS NOT NULL AND ar.normalize_name(t.payer_name) <> ''
           GROUP BY 1, 2) g
  ON CONFLICT (payer_name_norm, customer_id) DO UPDATE
     SET auto_count = a.auto_count + EXCLUDED.auto_count,
         payer_name = EXCLUDED.payer_name,
         first_seen = LEAST(a.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(a.last_seen, EXCLUDED.last_seen),
         last_payment_id = EXCLUDED.last_payment_id,
         updated_at = pg_catalog.now();

  -- Phase 2, one by one: decided again now that the others are written.
  FOR r IN SELECT t.* FROM pg_temp.ar_auto_apply t WHERE t.result = 'again' ORDER BY t.pid LOOP
    SELECT * INTO d FROM ar.match_decision(r.pid, thr);
    IF d.decision <> 'apply' OR d.customer_id <> r.customer_id THEN
      UPDATE pg_temp.ar_auto_apply t SET result = 'changed' WHERE t.pid = r.pid;
      CONTINUE;
    END IF;
    UPDATE ar.payment x
       SET customer_id = d.customer_id, matched_by = 'auto', matched_at = pg_catalog.now(), match_score = d.score
     WHERE x.payment_id = r.pid;
    SELECT pg_catalog.count(*)::integer INTO n FROM ar.apply_payment(r.pid, 'fifo', d.invoice_ids);
    IF d.fee_amount > 0 THEN
      ded := ar.settle_deduction(r.pid, d.invoice_ids, d.fee_amount, d.reasons);
      UPDATE pg_temp.ar_auto_apply t SET result = ded.outcome, invoice_ids = d.invoice_ids, n_again = n + ded.allocations
       WHERE t.pid = r.pid;
    ELSE
      UPDATE pg_temp.ar_auto_apply t SET result = 'applied', invoice_ids = d.invoice_ids, n_again = n
       WHERE t.pid = r.pid;
    END IF;
    PERFORM ar.learn_payer_alias(r.pid, 'auto');
  END LOOP;

  RETURN QUERY
  SELECT t.pid,
         CASE WHEN t.result LIKE 'applied%' THEN t.customer_id ELSE t.pay_cust END,
         CASE WHEN t.n_again IS NOT NULL THEN t.n_again
              WHEN t.result LIKE 'applied%' THEN
                (SELECT (pg_catalog.count(*) FILTER (WHERE s.paid > 0)
                         + pg_catalog.count(*) FILTER (WHERE s.short > 0 AND s.result IN ('applied_fee', 'applied_rounding')))::integer
                   FROM pg_temp.ar_auto_apply_alloc s WHERE s.pid = t.pid)
              ELSE 0 END,
         CASE WHEN t.result IS NULL THEN t.decision
              WHEN t.result = 'locked_elsewhere' THEN 'locked'
              ELSE t.result END
    FROM pg_temp.ar_auto_apply t
   ORDER BY t.pid;
  -- Gone at once, not at commit: another role calling again in this
  -- transaction could not drop them.
  DROP TABLE pg_temp.ar_auto_apply, pg_temp.ar_auto_apply_alloc;
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
