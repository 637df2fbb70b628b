-- ar.match_payment: who paid, and for which invoices?  Every signal of
-- SPEC.md "Cash application" scored in [0,1]; ar.match_decision applies the
-- threshold and the ambiguity rule that ar.auto_apply and
-- ar.v_unmatched_payments share.  The scores are documented in
-- docs/cash-application.md, "Scores"; tests in test/pgtap/43_matching.sql.
--
-- score = identity + amount fit, clamped to [0,1], where
--   identity   = the strongest signal naming the customer
--                  0.60 virtual account / already identified payment,
--                       invoice number in the reference or EDI information
--                  0.55 learned payer alias (confirmed by a person, or twice)
--                  0.50 learned alias confirmed once automatically,
--                       invoice number in the payer name,
--                       payer name = customer's normalized name or reading
--                  0.35 payer name cut short or extended (prefix, >= 4 chars)
--                + 0.05 for each further kind of signal naming the same customer
--   amount fit = 0.45 one invoice, or exactly the invoices the references name
--                0.43 the customer's k oldest open invoices
--                0.42 - 0.02 (k - 2), at least 0.30: another combination of k
--                0    nothing adds up (the money would go oldest first)
--              - 0.01 a fee this customer deducted before
--              - 0.03 a fee from the bank_fee_tolerance setting
--              - 0.03 a tax rounding difference of 1-9 minor units

CREATE FUNCTION ar.match_payment(payment_id bigint, max_candidates integer DEFAULT 5)
  RETURNS TABLE (rank integer, customer_id bigint, invoice_ids bigint[], matched_amount numeric,
                 fee_amount numeric, score real, reasons text[])
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  -- Planning the candidate query costs more than running it (about 5 ms
  -- against 3); its generic plan is as good for every payment.
  SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  p record;
  norm text;
  prefixes text[];
  tolerance numeric[] := '{}';
  rounding numeric[];
BEGIN
  IF match_payment.payment_id IS NULL THEN
    RAISE EXCEPTION 'payment_id must not be null' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF match_payment.max_candidates IS NULL OR match_payment.max_candidates NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'max_candidates % is out of range', COALESCE(match_payment.max_candidates::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Ask for 1 to 100 candidates.';
  END IF;
  SELECT x.payment_id, x.customer_id, x.currency, x.unapplied_amount, x.status, x.payer_name,
         x.reference, x.edi_info, cur.minor_unit,
         COALESCE((x.metadata -> 'zengin' ->> 'virtual_account')::boolean, false) AS va
    INTO p
    FROM ar.payment x JOIN ar.currency cur ON cur.code = x.currency
   WHERE x.payment_id = match_payment.payment_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown payment %', match_payment.payment_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p.status <> 'received' OR p.unapplied_amount = 0 THEN
    RETURN;                     -- cancelled, or nothing left to match
  END IF;

  norm := COALESCE(ar.normalize_name(p.payer_name), '');
  -- Leading parts of the payer name (at least 4 characters): a customer
  -- name the bank's spelling continues (branch, department, person).
  prefixes := ARRAY(SELECT pg_catalog.left(norm, k) FROM pg_catalog.generate_series(4, pg_catalog.length(norm) - 1) AS k);
  IF p.currency = 'JPY' THEN
    tolerance := pg_catalog.string_to_array(ar.setting_value('bank_fee_tolerance'), ',')::numeric[];
  END IF;
  rounding := ARRAY(SELECT g / (10::numeric ^ p.minor_unit) FROM pg_catalog.generate_series(1, 9) AS g);

  RETURN QUERY
  WITH tok AS (
    -- Words of the reference, the EDI information and the payer name that
    -- may be invoice numbers (NFKC folds full-width letters and digits).
    SELECT DISTINCT f.field, t.tok
      FROM (VALUES ('reference', p.reference), ('edi', p.edi_info), ('payer_name', p.payer_name)) AS f(field, txt)
     CROSS JOIN LATERAL pg_catalog.regexp_split_to_table(
             pg_catalog.upper(pg_catalog.normalize(f.txt, 'NFKC')), '[^0-9A-Z_/.#-]+') AS t(tok)
     WHERE f.txt IS NOT NULL AND pg_catalog.length(t.tok) >= 3
  ), sig AS (
    SELECT p.customer_id AS cid, CASE WHEN p.va THEN 'virtual_account' ELSE 'identified' END AS signal,
           'account' AS family, 0.60 AS s, NULL::bigint AS inv
     WHERE p.customer_id IS NOT NULL
    UNION ALL
    SELECT a.customer_id, 'payer_alias', 'alias',
           CASE WHEN a.manual_count > 0 OR a.auto_count >= 2 THEN 0.55 ELSE 0.50 END, NULL
      FROM ar.payer_alias a
     WHERE norm <> '' AND a.payer_name_norm = norm
    UNION ALL
    SELECT i.customer_id, 'invoice_no_' || tok.field, 'invoice_no',
           CASE WHEN tok.field = 'payer_name' THEN 0.50 ELSE 0.60 END, i.invoice_id
      FROM tok
     CROSS JOIN LATERAL (SELECT y.customer_id, y.invoice_id FROM ar.invoice y
                          WHERE y.invoice_no = tok.tok LIMIT 1) i
    UNION ALL
    SELECT c.customer_id, 'name_exact', 'name', 0.50, NULL
      FROM ar.customer c
     WHERE norm <> '' AND ar.normalize_name(c.name) = norm
    UNION ALL
    SELECT c.customer_id, 'name_kana_exact', 'name', 0.50, NULL
      FROM ar.customer c
     WHERE norm <> '' AND c.name_kana IS NOT NULL AND ar.normalize_name(c.name_kana) = norm
    UNION ALL
    -- The bank cut the payer name short: the customer's reading continues it.
    SELECT c.customer_id, 'name_partial', 'name', 0.35, NULL
      FROM ar.customer c
     WHERE pg_catalog.length(norm) >= 4 AND c.name_kana IS NOT NULL
       AND ar.normalize_name(c.name_kana) OPERATOR(pg_catalog.~>~) norm
       AND ar.normalize_name(c.name_kana) OPERATOR(pg_catalog.~<~) (norm || pg_catalog.chr(1114111))
    UNION ALL
    SELECT c.customer_id, 'name_partial', 'name', 0.35, NULL
      FROM ar.customer c
     WHERE pg_catalog.length(norm) >= 4
       AND ar.normalize_name(c.name) OPERATOR(pg_catalog.~>~) norm
       AND ar.normalize_name(c.name) OPERATOR(pg_catalog.~<~) (norm || pg_catalog.chr(1114111))
    UNION ALL
    -- The payer name goes on after the customer's name or reading.
    -- (Each prefix looked up in the index: the LIMIT keeps the planner from
    -- a hash join that would fold every customer's name.)
    SELECT c.customer_id, 'name_partial', 'name', 0.35, NULL
      FROM pg_catalog.unnest(prefixes) AS x(pre)
     CROSS JOIN LATERAL (SELECT y.customer_id FROM ar.customer y
                          WHERE y.name_kana IS NOT NULL AND ar.normalize_name(y.name_kana) = x.pre LIMIT 10) c
    UNION ALL
    SELECT c.customer_id, 'name_partial', 'name', 0.35, NULL
      FROM pg_catalog.unnest(prefixes) AS x(pre)
     CROSS JOIN LATERAL (SELECT y.customer_id FROM ar.customer y
                          WHERE ar.normalize_name(y.name) = x.pre LIMIT 10) c
  ), ident AS (
    SELECT s.cid,
           LEAST(1.0, pg_catalog.max(s.s) + 0.05 * (pg_catalog.count(DISTINCT s.family) - 1)) AS id_score,
           pg_catalog.array_agg(DISTINCT s.signal) AS signals,
           COALESCE(pg_catalog.array_agg(DISTINCT s.inv) FILTER (WHERE s.inv IS NOT NULL), '{}') AS refs
      FROM sig s
     WHERE p.customer_id IS NULL OR s.cid = p.customer_id
     GROUP BY s.cid
     ORDER BY 2 DESC, 1
     LIMIT 10
  ), book AS (
    -- Each candidate customer's open invoices in the payment's currency,
    -- oldest due date first (at most the oldest 5,000), and the fees the
    -- customer deducted before: written off as fee allocations, or left
    -- open as flagged short pays.
    SELECT d.cid, d.id_score, d.signals, d.refs,
           COALESCE(o.ids, '{}') AS ids, COALESCE(o.opens, '{}') AS opens,
           COALESCE(h.fees, '{}') AS hist
      FROM ident d
     CROSS JOIN LATERAL (
             SELECT pg_catalog.array_agg(x.invoice_id ORDER BY x.due_date, x.invoice_id) AS ids,
                    pg_catalog.array_agg(x.open_amount ORDER BY x.due_date, x.invoice_id) AS opens
               FROM (SELECT i.invoice_id, i.due_date, i.open_amount
                       FROM ar.invoice i
                      WHERE i.customer_id = d.cid AND i.status = 'open' AND i.currency = p.currency
                      ORDER BY i.due_date, i.invoice_id
                      LIMIT 5000) x) o
     CROSS JOIN LATERAL (
             SELECT pg_catalog.array_agg(DISTINCT f.fee) AS fees
               FROM (SELECT a.amount AS fee
                       FROM ar.allocation a
                      WHERE a.customer_id = d.cid AND a.kind = 'fee' AND a.reversed_on IS NULL
                     UNION
                     SELECT (x.metadata -> 'short_pay' ->> 'amount')::numeric
                       FROM ar.payment x
                      WHERE x.customer_id = d.cid AND x.metadata ? 'short_pay') f
              WHERE f.fee > 0 AND f.fee < p.unapplied_amount) h
  ), refpos AS (
    -- Positions of the referenced invoices among the open ones.
    SELECT b.cid, pg_catalog.array_agg(o.ord::integer ORDER BY o.ord) AS positions,
           pg_catalog.sum(o.amt) AS total
      FROM book b
     CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(b.ids), pg_catalog.unnest(b.opens)) WITH ORDINALITY AS o(id, amt, ord)
     WHERE o.id = ANY (b.refs)
     GROUP BY b.cid
  ), combos AS (
    SELECT DISTINCT ON (u.cid, u.positions) u.*
      FROM (SELECT b.cid, m.positions, m.total, m.delta
              FROM book b
             CROSS JOIN LATERAL ar.match_combinations(p.unapplied_amount, b.opens,
                                                      ARRAY[0::numeric] || tolerance || b.hist || rounding,
                                                      6, 6, p.minor_unit, 30000) m
             WHERE pg_catalog.cardinality(b.opens) > 0
            UNION ALL
            SELECT r.cid, r.positions, r.total, r.total - p.unapplied_amount
              FROM refpos r
             WHERE r.total - p.unapplied_amount = ANY (ARRAY[0::numeric] || tolerance || rounding
                                                       || (SELECT b.hist FROM book b WHERE b.cid = r.cid))) u
     ORDER BY u.cid, u.positions
  ), fits AS (
    SELECT b.cid, b.id_score, b.signals,
           ARRAY(SELECT b.ids[q] FROM pg_catalog.unnest(c.positions) AS q ORDER BY q) AS inv_ids,
           c.total, c.delta, pg_catalog.cardinality(c.positions) AS k,
           (SELECT pg_catalog.sum(q) FROM pg_catalog.unnest(c.positions) AS q) AS age,
           CASE
             WHEN c.positions = r.positions THEN 0.45
             WHEN pg_catalog.cardinality(c.positions) = 1 THEN 0.45
             WHEN c.positions[pg_catalog.cardinality(c.positions)] = pg_catalog.cardinality(c.positions) THEN 0.43
             ELSE GREATEST(0.30, 0.42 - 0.02 * (pg_catalog.cardinality(c.positions) - 2))
           END
           - CASE
               WHEN c.delta = 0 THEN 0
               WHEN c.delta = ANY (b.hist) THEN 0.01
               ELSE 0.03
             END AS amount_score,
           ARRAY[CASE
                   WHEN c.positions = r.positions THEN 'amount_invoice_numbers'
                   WHEN pg_catalog.cardinality(c.positions) = 1 THEN 'amount_exact_single'
                   WHEN c.positions[pg_catalog.cardinality(c.positions)] = pg_catalog.cardinality(c.positions)
                     THEN 'amount_oldest_invoices'
                   ELSE 'amount_combination'
                 END]
           || CASE
                WHEN c.delta = 0 THEN '{}'::text[]
                WHEN c.delta = ANY (b.hist) THEN ARRAY['fee_history']
                WHEN c.delta = ANY (tolerance) THEN ARRAY['fee_tolerance']
                ELSE ARRAY['tax_rounding']
              END AS amount_reasons
      FROM combos c
      JOIN book b ON b.cid = c.cid
      LEFT JOIN refpos r ON r.cid = c.cid
  ), unfit AS (
    -- Customers named by a signal whose open invoices add up to nothing
    -- that fits: the referenced invoices, else the oldest ones the money
    -- reaches.
    SELECT b.cid, b.id_score, b.signals, w.inv_ids,
           LEAST(p.unapplied_amount, COALESCE(w.total, 0)) AS total, 0::numeric AS delta,
           pg_catalog.cardinality(w.inv_ids) AS k, 0::bigint AS age, 0.0 AS amount_score,
           CASE WHEN pg_catalog.cardinality(b.ids) = 0 THEN ARRAY['no_open_invoices']
                ELSE ARRAY['amount_unmatched'] END AS amount_reasons
      FROM book b
     CROSS JOIN LATERAL (
             SELECT COALESCE(pg_catalog.array_agg(y.id ORDER BY y.ord), '{}') AS inv_ids, pg_catalog.sum(y.amt) AS total
               FROM (SELECT o.id, o.amt, o.ord,
                            pg_catalog.sum(o.amt) OVER (ORDER BY o.ord) - o.amt AS before
                       FROM ROWS FROM (pg_catalog.unnest(b.ids), pg_catalog.unnest(b.opens)) WITH ORDINALITY AS o(id, amt, ord)
                      WHERE b.refs = '{}' OR o.id = ANY (b.refs)) y
              WHERE y.before < p.unapplied_amount) w
     WHERE NOT EXISTS (SELECT 1 FROM combos c WHERE c.cid = b.cid)
  ), scored AS (
    SELECT f.cid, f.inv_ids, f.total, f.delta, f.k, f.age,
           pg_catalog.round(LEAST(1.0, GREATEST(0.0, f.id_score + f.amount_score)), 2) AS sc,
           f.signals || f.amount_reasons AS why
      FROM (SELECT * FROM fits UNION ALL SELECT * FROM unfit) f
  )
  SELECT (pg_catalog.row_number() OVER (ORDER BY s.sc DESC, s.k, s.delta, s.age, s.cid, s.inv_ids))::integer,
         s.cid, s.inv_ids, s.total, s.delta, s.sc::real, s.why
    FROM scored s
   ORDER BY 1
   LIMIT match_payment.max_candidates;
END
$$;
COMMENT ON FUNCTION ar.match_payment(bigint, integer) IS
  'Candidate customers and invoices for a payment, best first, with a score in [0,1] and the signals behind it: virtual account, learned payer alias, invoice numbers in the reference / EDI information / payer name, normalized payer name against the customer''s name and reading, one invoice or a combination of open invoices (subset sum in C), deducted bank fees (bank_fee_tolerance setting or the customer''s history) and 1-9 yen tax rounding. Empty for a cancelled or fully applied payment';

------------------------------------------------------------------------------
-- ar.match_decision: what ar.auto_apply does with a payment
------------------------------------------------------------------------------

-- The best candidate, the runner-up's score, and the decision:
--   apply             score >= threshold, not ambiguous
--   ambiguous         a runner-up scores within 0.05 of the best and is of
--                     another customer, or of the same customer with other
--                     invoice amounts (invoices of equal amounts are
--                     interchangeable: the oldest win)
--   below_threshold   best score < threshold
--   no_open_invoices  the best candidate's customer has nothing open
--   no_candidate      no signal names a customer
CREATE FUNCTION ar.match_decision(payment_id bigint, min_score real DEFAULT NULL)
  RETURNS TABLE (customer_id bigint, invoice_ids bigint[], matched_amount numeric, fee_amount numeric,
                 score real, reasons text[], runner_up_score real, decision text)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  thr real := COALESCE(match_decision.min_score, ar.setting_value('match_auto_threshold')::real);
  best record;
  n integer := 0;
  r record;
  second_customer bigint;
  second_ids bigint[];
  second_score real;
BEGIN
  FOR r IN SELECT * FROM ar.match_payment(match_decision.payment_id, 2) LOOP
    n := n + 1;
    IF n = 1 THEN
      best := r;
    ELSE
      second_customer := r.customer_id;
      second_ids := r.invoice_ids;
      second_score := r.score;
    END IF;
  END LOOP;
  IF n = 0 THEN
    decision := 'no_candidate';
    RETURN NEXT;
    RETURN;
  END IF;
  customer_id := best.customer_id;
  invoice_ids := best.invoice_ids;
  matched_amount := best.matched_amount;
  fee_amount := best.fee_amount;
  score := best.score;
  reasons := best.reasons;
  runner_up_score := second_score;
  decision := CASE
      WHEN 'no_open_invoices' = ANY (best.reasons) THEN 'no_open_invoices'
      WHEN best.score < thr THEN 'below_threshold'
      WHEN n = 2 AND second_score::numeric >= best.score::numeric - 0.05
           AND (second_customer <> best.customer_id
                OR ARRAY(SELECT i.open_amount FROM ar.invoice i WHERE i.invoice_id = ANY (second_ids) ORDER BY 1)
                   IS DISTINCT FROM
                   ARRAY(SELECT i.open_amount FROM ar.invoice i WHERE i.invoice_id = ANY (best.invoice_ids) ORDER BY 1))
        THEN 'ambiguous'
      ELSE 'apply'
    END;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION ar.match_decision(bigint, real) IS
  'The best ar.match_payment candidate of a payment, the runner-up''s score, and what ar.auto_apply does with it at the threshold (default: setting match_auto_threshold): apply, ambiguous, below_threshold, no_open_invoices or no_candidate';
