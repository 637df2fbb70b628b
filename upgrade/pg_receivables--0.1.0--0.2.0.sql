-- pg_receivables 0.1.0 -> 0.2.0
--
-- 0.2.0 adds cash-application matching (ar.match_payment, ar.auto_apply,
-- ar.assign_payment, ar.payer_alias, ar.v_unmatched_payments), the dashboard
-- and prediction views, and hardening fixes.  Each section below brings a
-- 0.1.0 database to exactly what a fresh 0.2.0 install creates;
-- test/scripts/upgrade.sh compares the two object by object.
\echo Use "ALTER EXTENSION pg_receivables UPDATE TO '0.2.0'" to load this file. \quit

-- Payments remember how they were matched (read by the auto-match KPI).
ALTER TABLE ar.payment
  ADD COLUMN matched_by  text CHECK (matched_by IN ('auto', 'manual')),
  ADD COLUMN matched_at  timestamptz,
  ADD COLUMN match_score real CHECK (match_score BETWEEN 0 AND 1);
COMMENT ON COLUMN ar.payment.matched_by IS
  'How the payment was matched to its customer and invoices: auto (ar.auto_apply) or manual (a person: ar.assign_payment or ar.apply_payment with invoice_ids); NULL while unmatched';
COMMENT ON COLUMN ar.payment.matched_at IS 'When the payment was matched';
COMMENT ON COLUMN ar.payment.match_score IS 'Score in [0,1] of the candidate ar.auto_apply applied (NULL for manual matches)';

-- A customer's whole promise history (agency case files, the worklist)
-- was read by a scan of every promise.
CREATE INDEX promise_customer_idx ON ar.promise (customer_id, made_on);
