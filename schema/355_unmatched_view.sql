-- ar.v_unmatched_payments: the review list of cash application.  Every
-- received payment with money not yet applied, its best candidate and why
-- ar.auto_apply did not (or would not) apply it.  A person settles a row
-- with ar.assign_payment (unidentified) or ar.apply_payment with
-- invoice_ids (identified).  See docs/cash-application.md, "Review".

CREATE VIEW ar.v_unmatched_payments WITH (security_invoker = true) AS
SELECT p.payment_id,
       p.received_on,
       CURRENT_DATE - p.received_on AS age_days,
       p.customer_id,
       p.payer_name,
       ar.normalize_name(p.payer_name) AS payer_name_norm,
       p.reference,
       p.edi_info,
       p.currency,
       p.amount,
       p.unapplied_amount,
       d.customer_id AS best_customer_id,
       c.customer_code AS best_customer_code,
       d.invoice_ids AS best_invoice_ids,
       d.fee_amount AS best_fee_amount,
       d.score AS best_score,
       d.runner_up_score,
       d.reasons AS best_reasons,
       CASE
         WHEN p.matched_by IS NOT NULL OR p.unapplied_amount < p.amount THEN 'customer_credit'
         ELSE d.decision
       END AS why_not_applied
  FROM ar.payment p
 CROSS JOIN LATERAL ar.match_decision(p.payment_id) d
  LEFT JOIN ar.customer c ON c.customer_id = d.customer_id
 WHERE p.status = 'received' AND p.unapplied_amount > 0;
COMMENT ON VIEW ar.v_unmatched_payments IS
  'Payments with money not yet applied, oldest first when ordered by received_on: the best ar.match_payment candidate and why ar.auto_apply did not apply it (the review list of cash application)';
COMMENT ON COLUMN ar.v_unmatched_payments.payment_id IS 'The payment';
COMMENT ON COLUMN ar.v_unmatched_payments.received_on IS 'Value date of the receipt (入金日)';
COMMENT ON COLUMN ar.v_unmatched_payments.age_days IS 'Days since it was received';
COMMENT ON COLUMN ar.v_unmatched_payments.customer_id IS 'The payment''s customer; NULL while unidentified';
COMMENT ON COLUMN ar.v_unmatched_payments.payer_name IS 'Payer name as the bank reported it (振込依頼人名)';
COMMENT ON COLUMN ar.v_unmatched_payments.payer_name_norm IS 'The payer name folded by ar.normalize_name, as matching compares it';
COMMENT ON COLUMN ar.v_unmatched_payments.reference IS 'Remittance reference';
COMMENT ON COLUMN ar.v_unmatched_payments.edi_info IS 'EDI information (EDI情報 / ZEDI) sent with the transfer';
COMMENT ON COLUMN ar.v_unmatched_payments.currency IS 'Currency of the payment';
COMMENT ON COLUMN ar.v_unmatched_payments.amount IS 'Amount received';
COMMENT ON COLUMN ar.v_unmatched_payments.unapplied_amount IS 'Amount not yet applied';
COMMENT ON COLUMN ar.v_unmatched_payments.best_customer_id IS 'Customer of the best candidate; NULL when no signal names one';
COMMENT ON COLUMN ar.v_unmatched_payments.best_customer_code IS 'Customer code of the best candidate';
COMMENT ON COLUMN ar.v_unmatched_payments.best_invoice_ids IS 'Invoices of the best candidate, oldest first';
COMMENT ON COLUMN ar.v_unmatched_payments.best_fee_amount IS 'Deduction (bank fee or rounding) the best candidate assumes';
COMMENT ON COLUMN ar.v_unmatched_payments.best_score IS 'Score in [0,1] of the best candidate (see docs/cash-application.md, "Scores")';
COMMENT ON COLUMN ar.v_unmatched_payments.runner_up_score IS 'Score of the second candidate; close to best_score means ambiguous';
COMMENT ON COLUMN ar.v_unmatched_payments.best_reasons IS 'Signals behind the best candidate';
COMMENT ON COLUMN ar.v_unmatched_payments.why_not_applied IS
  'no_candidate, below_threshold, ambiguous, no_open_invoices (ar.auto_apply leaves these for review), customer_credit (matched or partly applied already: what is left is the customer''s unapplied cash), or apply (ar.auto_apply would apply it on its next run)';
