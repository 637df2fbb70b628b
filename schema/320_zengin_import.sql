-- ar.import_zengin: a day's Zengin bank file into ar.payment, set-based, in
-- one transaction, idempotent by (source, bank_ref).  Matching is not done
-- here: the payments come in unidentified (customer_id NULL) unless the
-- account the money was paid into is a customer's virtual account, and
-- ar.auto_apply / ar.match_payment take it from there.
-- See docs/cash-application.md, "Zengin bank files".

-- How a customer's virtual_account may spell the account of a Zengin group
-- header: the account number with or without its leading zeros (or padded
-- to the 7 digits of 振込入金通知 / the 10 of 入出金取引明細), optionally
-- prefixed by the 3-digit branch code and a hyphen ("110-1234567").
CREATE FUNCTION ar.zengin_account_spellings(branch_code text, account_no text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN (SELECT pg_catalog.array_agg(DISTINCT s)
            FROM (SELECT w FROM (VALUES (pg_catalog.ltrim(account_no, '0')),
                                        (pg_catalog.lpad(pg_catalog.ltrim(account_no, '0'), 7, '0')),
                                        (pg_catalog.lpad(pg_catalog.ltrim(account_no, '0'), 10, '0'))) AS v(w)) AS a,
                 LATERAL (VALUES (a.w), (branch_code || '-' || a.w)) AS t(s));
COMMENT ON FUNCTION ar.zengin_account_spellings(text, text) IS
  'The spellings of a bank account under which a customer''s virtual_account names it (account number with or without leading zeros, optionally prefixed by "branch-"); internal helper of ar.import_zengin';

CREATE FUNCTION ar.import_zengin(data bytea, encoding text DEFAULT 'SJIS', source text DEFAULT NULL)
  RETURNS TABLE (payment_id bigint, bank_ref text, amount numeric, payer_name text, outcome text)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  given_source text := NULLIF(pg_catalog.btrim(import_zengin.source), '');
  n_accounts integer;
BEGIN
  -- 1. Read the whole file.  A malformed one raises here, before anything
  --    is written.
  IF pg_catalog.to_regclass('pg_temp.ar_zengin_import') IS NOT NULL THEN
    DROP TABLE pg_temp.ar_zengin_import;    -- left by an earlier call that failed in a subtransaction
  END IF;
  CREATE TEMP TABLE ar_zengin_import ON COMMIT DROP AS
  SELECT r.*,
         COALESCE(given_source, 'zengin:' || r.account_bank_code || '-' || r.account_branch_code || '-' || r.account_no) AS src,
         NULL::bigint AS pay_id,
         NULL::text AS result
    FROM ar.parse_zengin(import_zengin.data, import_zengin.encoding) AS r;
  CREATE INDEX ON pg_temp.ar_zengin_import (src, bank_ref);

  -- 2. One source names one account: with several accounts in the file an
  --    explicit source would merge their reference numbers.
  IF given_source IS NOT NULL THEN
    SELECT pg_catalog.count(DISTINCT (i.account_bank_code, i.account_branch_code, i.account_no))
      INTO n_accounts FROM pg_temp.ar_zengin_import i;
    IF n_accounts > 1 THEN
      RAISE EXCEPTION 'the file holds % accounts, but one source "%" was given for all of them', n_accounts, given_source
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = 'Bank references are unique per account; one source for several accounts could merge them.',
              HINT = 'Leave source NULL: each account then gets its own source zengin:<bank>-<branch>-<account>.';
    END IF;
  END IF;

  -- 3. Imports of the same account wait for each other, so the same file
  --    imported twice at once is recorded once.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('ar.import_zengin:' || s.src, 0))
     FROM (SELECT DISTINCT i.src FROM pg_temp.ar_zengin_import i ORDER BY i.src) AS s;

  -- 4. What each record is.
  UPDATE pg_temp.ar_zengin_import i SET result = CASE
      WHEN i.transaction_code = '19' THEN 'correction'            -- 03 訂正: no link to what it corrects
      WHEN i.direction = 'withdrawal' THEN 'withdrawal'
      WHEN i.kind = '03' AND i.transaction_code IS DISTINCT FROM '11'
           AND NOT (i.transaction_code IS NULL AND i.payer_name IS NOT NULL) THEN 'not_transfer'
      WHEN i.amount = 0 THEN 'zero_amount'
      WHEN i.cancelled THEN 'cancel'
      ELSE 'new'
    END;
  ANALYZE pg_temp.ar_zengin_import;     -- the plans below depend on how many are new

  -- 5. Transfers: those recorded before are duplicates, as is the second
  --    copy of one within the file; the rest are inserted.
  UPDATE pg_temp.ar_zengin_import i SET pay_id = p.payment_id, result = 'duplicate'
    FROM ar.payment p
   WHERE i.result = 'new' AND COALESCE(p.source, '') = i.src AND p.bank_ref = i.bank_ref;
  UPDATE pg_temp.ar_zengin_import i SET result = 'duplicate'
    FROM (SELECT o.record_no,
                 pg_catalog.row_number() OVER (PARTITION BY o.src, o.bank_ref ORDER BY o.record_no) AS copy
            FROM pg_temp.ar_zengin_import o WHERE o.result = 'new') AS d
   WHERE i.record_no = d.record_no AND d.copy > 1;

  WITH account AS MATERIALIZED (
    -- the customer whose virtual account the money was paid into, if exactly one
    SELECT a.account_branch_code, a.account_no,
           CASE WHEN pg_catalog.count(c.customer_id) = 1 THEN pg_catalog.min(c.customer_id) END AS customer_id
      FROM (SELECT DISTINCT i.account_branch_code, i.account_no FROM pg_temp.ar_zengin_import i
             WHERE i.result = 'new') AS a
      LEFT JOIN ar.customer c
        ON c.virtual_account = ANY (ar.zengin_account_spellings(a.account_branch_code, a.account_no))
     GROUP BY a.account_branch_code, a.account_no
  ), ins AS (
    INSERT INTO ar.payment (customer_id, received_on, currency, amount, method, payer_name, edi_info,
                            bank_ref, source, metadata)
    SELECT acc.customer_id, i.account_date, 'JPY', i.amount, 'bank_transfer', i.payer_name, i.edi_info,
           i.bank_ref, i.src,
           pg_catalog.jsonb_build_object('zengin', pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
             'kind', i.kind, 'record_no', i.record_no, 'value_date', i.value_date,
             'inquiry_no', i.inquiry_no, 'payer_code', i.payer_code, 'bank_name', i.bank_name,
             'branch_name', i.branch_name, 'transaction_code', i.transaction_code,
             'description', i.description,
             'account', i.account_bank_code || '-' || i.account_branch_code || '-' || i.account_no,
             'virtual_account', acc.customer_id IS NOT NULL,
             'file_created_on', i.created_on)))
      FROM pg_temp.ar_zengin_import i
      JOIN account acc USING (account_branch_code, account_no)
     WHERE i.result = 'new'
     ORDER BY i.record_no
    ON CONFLICT ((COALESCE(source, '')), bank_ref) WHERE bank_ref IS NOT NULL DO NOTHING
    RETURNING ar.payment.payment_id AS new_id, ar.payment.source AS new_source, ar.payment.bank_ref AS new_ref
  )
  UPDATE pg_temp.ar_zengin_import i SET pay_id = ins.new_id, result = 'inserted'
    FROM ins
   WHERE i.result = 'new' AND ins.new_source = i.src AND ins.new_ref = i.bank_ref;
  -- (one written by someone else in the meantime, without the lock)
  UPDATE pg_temp.ar_zengin_import i SET pay_id = p.payment_id, result = 'duplicate'
    FROM ar.payment p
   WHERE i.result = 'new' AND COALESCE(p.source, '') = i.src AND p.bank_ref = i.bank_ref;

  -- 6. Cancellations (振込入金通知 取消区分 1): the payment with the same
  --    bank reference; failing that, the only payment of the source with the
  --    same 照会番号, amount and payer.  Already cancelled: a duplicate.
  UPDATE pg_temp.ar_zengin_import i
     SET pay_id = m.target,
         result = CASE WHEN m.n = 0 THEN 'cancel_not_found'
                       WHEN m.n_received > 1 THEN 'cancel_ambiguous'
                       WHEN m.n_received = 0 THEN 'duplicate'
                       ELSE 'cancel_apply' END
    FROM (SELECT c.record_no,
                 pg_catalog.count(t.payment_id) AS n,
                 pg_catalog.count(t.payment_id) FILTER (WHERE t.status = 'received') AS n_received,
                 CASE WHEN pg_catalog.count(t.payment_id) FILTER (WHERE t.status = 'received') = 1
                      THEN pg_catalog.min(t.payment_id) FILTER (WHERE t.status = 'received')
                      WHEN pg_catalog.count(t.payment_id) FILTER (WHERE t.status = 'received') = 0
                      THEN pg_catalog.min(t.payment_id) END AS target
            FROM pg_temp.ar_zengin_import c
            LEFT JOIN LATERAL (
                   SELECT p.payment_id, p.status FROM ar.payment p
                    WHERE COALESCE(p.source, '') = c.src AND p.bank_ref = c.bank_ref
                   UNION
                   SELECT p.payment_id, p.status FROM ar.payment p
                    WHERE COALESCE(p.source, '') = c.src AND p.amount = c.amount
                      AND p.payer_name IS NOT DISTINCT FROM c.payer_name
                      AND p.metadata -> 'zengin' ->> 'inquiry_no' IS NOT DISTINCT FROM c.inquiry_no
                      AND NOT EXISTS (SELECT 1 FROM ar.payment q
                                       WHERE COALESCE(q.source, '') = c.src AND q.bank_ref = c.bank_ref)
                 ) AS t ON true
           WHERE c.result = 'cancel'
           GROUP BY c.record_no) AS m
   WHERE i.record_no = m.record_no;
  -- two cancellations of one payment: the first one counts
  UPDATE pg_temp.ar_zengin_import i SET result = 'duplicate'
    FROM (SELECT o.record_no,
                 pg_catalog.row_number() OVER (PARTITION BY o.pay_id ORDER BY o.record_no) AS copy
            FROM pg_temp.ar_zengin_import o WHERE o.result = 'cancel_apply') AS d
   WHERE i.record_no = d.record_no AND d.copy > 1;

  -- Reverse what the cancelled payments settled (the money never arrived),
  -- then cancel them.  Reversal date: the cancellation's 勘定日, or the
  -- allocation's own date if that is later.
  UPDATE ar.allocation a
     SET reversed_on = GREATEST(a.applied_on, i.account_date),
         reversal_reason = pg_catalog.format('bank cancelled the transfer %s of %s (Zengin record %s)',
                                             i.bank_ref, i.src, i.record_no)
    FROM pg_temp.ar_zengin_import i
   WHERE i.result = 'cancel_apply' AND a.payment_id = i.pay_id AND a.reversed_on IS NULL;
  UPDATE ar.payment p
     SET status = 'cancelled',
         metadata = p.metadata || pg_catalog.jsonb_build_object('zengin_cancel', pg_catalog.jsonb_build_object(
                      'bank_ref', i.bank_ref, 'record_no', i.record_no, 'account_date', i.account_date,
                      'file_created_on', i.created_on))
    FROM pg_temp.ar_zengin_import i
   WHERE i.result = 'cancel_apply' AND p.payment_id = i.pay_id;
  UPDATE pg_temp.ar_zengin_import i SET result = 'cancelled' WHERE i.result = 'cancel_apply';

  RETURN QUERY
    SELECT i.pay_id, i.bank_ref, i.amount, i.payer_name, i.result
      FROM pg_temp.ar_zengin_import i ORDER BY i.record_no;
  DROP TABLE pg_temp.ar_zengin_import;
END
$$;
COMMENT ON FUNCTION ar.import_zengin(bytea, text, text) IS
  'Imports the deposits of a Zengin 振込入金通知 (01) or 入出金取引明細 (03) file into ar.payment in one transaction: idempotent by (source, bank_ref), cancellations reverse and cancel the earlier payment, withdrawals reported and skipped; one row per data record with its outcome';
