-- Cash application (入金消込), part 1: what matching learns and looks up.
-- ar.payer_alias remembers which customer a payer name (as banks spell it,
-- normalized) turned out to be; every confirmed match teaches it, whether
-- ar.auto_apply made it or a person did with ar.assign_payment.  The
-- expression indexes on ar.customer let ar.match_payment find customers by
-- their normalized name and reading without folding every name per payment.
-- See docs/cash-application.md, "Matching".

CREATE TABLE ar.payer_alias (
  payer_alias_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payer_name_norm text NOT NULL CHECK (payer_name_norm <> ''),
  customer_id     bigint NOT NULL REFERENCES ar.customer ON DELETE CASCADE,
  payer_name      text NOT NULL,
  auto_count      integer NOT NULL DEFAULT 0 CHECK (auto_count >= 0),
  manual_count    integer NOT NULL DEFAULT 0 CHECK (manual_count >= 0),
  first_seen      date NOT NULL DEFAULT CURRENT_DATE,
  last_seen       date NOT NULL DEFAULT CURRENT_DATE,
  last_payment_id bigint,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at      timestamptz,
  CONSTRAINT payer_alias_confirmed CHECK (auto_count + manual_count > 0),
  CONSTRAINT payer_alias_seen_order CHECK (last_seen >= first_seen),
  CONSTRAINT payer_alias_name_customer_key UNIQUE (payer_name_norm, customer_id)
);
CREATE INDEX payer_alias_customer_idx ON ar.payer_alias (customer_id);
COMMENT ON TABLE ar.payer_alias IS
  'Learned payer names: a payer name as the bank reports it, normalized, and the customer it turned out to be; taught by every confirmed match (ar.auto_apply, ar.assign_payment) and used by ar.match_payment';
COMMENT ON COLUMN ar.payer_alias.payer_alias_id IS 'Surrogate key';
COMMENT ON COLUMN ar.payer_alias.payer_name_norm IS
  'The payer name folded by ar.normalize_name (the lookup key); one name may belong to several customers';
COMMENT ON COLUMN ar.payer_alias.customer_id IS 'Customer the payer name was confirmed for';
COMMENT ON COLUMN ar.payer_alias.payer_name IS 'The payer name as the bank spelled it the last time (振込依頼人名)';
COMMENT ON COLUMN ar.payer_alias.auto_count IS 'Payments from this name that ar.auto_apply matched to the customer';
COMMENT ON COLUMN ar.payer_alias.manual_count IS 'Payments from this name that a person assigned to the customer (ar.assign_payment)';
COMMENT ON COLUMN ar.payer_alias.first_seen IS 'Receipt date of the first payment that confirmed it';
COMMENT ON COLUMN ar.payer_alias.last_seen IS 'Receipt date of the latest payment that confirmed it';
COMMENT ON COLUMN ar.payer_alias.last_payment_id IS 'The latest payment that confirmed it';
COMMENT ON COLUMN ar.payer_alias.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.payer_alias.updated_at IS 'When the row was last changed';

SELECT pg_catalog.pg_extension_config_dump('ar.payer_alias', '');
SELECT pg_catalog.pg_extension_config_dump('ar.payer_alias_payer_alias_id_seq', '');

-- Customers by normalized name and reading: equality and prefix lookups
-- (text_pattern_ops serves both, whatever the database collation).
CREATE INDEX customer_name_norm_idx ON ar.customer (ar.normalize_name(name) text_pattern_ops);
CREATE INDEX customer_name_kana_norm_idx ON ar.customer (ar.normalize_name(name_kana) text_pattern_ops)
  WHERE name_kana IS NOT NULL;

-- ar.learn_payer_alias: the payment's payer name now names its customer.
-- Called inside ar.auto_apply and ar.assign_payment, under their locks.
CREATE FUNCTION ar.learn_payer_alias(payment_id bigint, how text) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  p record;
  norm text;
BEGIN
  IF how NOT IN ('auto', 'manual') THEN
    RAISE EXCEPTION 'unknown alias source "%"', how
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use auto or manual.';
  END IF;
  SELECT x.payment_id, x.customer_id, x.payer_name, x.received_on INTO p
    FROM ar.payment x WHERE x.payment_id = learn_payer_alias.payment_id;
  IF NOT FOUND OR p.customer_id IS NULL OR p.payer_name IS NULL THEN
    RETURN;
  END IF;
  norm := ar.normalize_name(p.payer_name);
  IF norm = '' THEN
    RETURN;
  END IF;
  INSERT INTO ar.payer_alias AS a (payer_name_norm, customer_id, payer_name, auto_count, manual_count,
                                   first_seen, last_seen, last_payment_id)
  VALUES (norm, p.customer_id, p.payer_name,
          CASE WHEN how = 'auto' THEN 1 ELSE 0 END, CASE WHEN how = 'manual' THEN 1 ELSE 0 END,
          p.received_on, p.received_on, p.payment_id)
  ON CONFLICT (payer_name_norm, customer_id) DO UPDATE
     SET auto_count = a.auto_count + EXCLUDED.auto_count,
         manual_count = a.manual_count + EXCLUDED.manual_count,
         payer_name = EXCLUDED.payer_name,
         first_seen = LEAST(a.first_seen, EXCLUDED.first_seen),
         last_seen = GREATEST(a.last_seen, EXCLUDED.last_seen),
         last_payment_id = EXCLUDED.last_payment_id,
         updated_at = pg_catalog.now();
END
$$;
COMMENT ON FUNCTION ar.learn_payer_alias(bigint, text) IS
  'Records that the payment''s payer name (normalized) belongs to its customer, counting an auto or manual confirmation (internal helper of ar.auto_apply and ar.assign_payment)';
