-- 全銀協 (Zengin) bank files: 振込入金通知 (種別コード 01) and 入出金取引明細
-- (種別コード 03).  The reader is C (src/core/zengin.c); these functions add
-- the bank reference that makes imports idempotent.  Layouts, era years,
-- errors: docs/cash-application.md, "Zengin bank files".

-- The C reader: every data record of the file, with its group's header.
-- Internal; use ar.parse_zengin or ar.parse_zengin_as_of.
CREATE FUNCTION ar.zengin_read(data bytea, encoding text, as_of date)
  RETURNS TABLE (record_no integer, group_no integer, kind text, account_date date, value_date date,
                 amount numeric, direction text, transaction_code text, cancelled boolean,
                 inquiry_no text, payer_code text, payer_name text, bank_name text, branch_name text,
                 edi_info text, description text, account_bank_code text, account_bank_name text,
                 account_branch_code text, account_branch_name text, account_type text,
                 account_no text, account_name text, created_on date)
  AS 'MODULE_PATHNAME', 'pgr_zengin_read'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION ar.zengin_read(bytea, text, date) IS
  'Reads the data records of a Zengin 01/03 file, checking every record and trailer; refuses a malformed file whole with 22P02 (internal: use ar.parse_zengin)';

-- ar.parse_zengin_as_of: the data records with their bank reference, the
-- era years of the creation dates resolved against as_of.
CREATE FUNCTION ar.parse_zengin_as_of(data bytea, encoding text, as_of date)
  RETURNS TABLE (record_no integer, group_no integer, kind text, account_date date, value_date date,
                 amount numeric, direction text, transaction_code text, cancelled boolean, bank_ref text,
                 inquiry_no text, payer_code text, payer_name text, bank_name text, branch_name text,
                 edi_info text, description text, account_bank_code text, account_bank_name text,
                 account_branch_code text, account_branch_name text, account_type text,
                 account_no text, account_name text, created_on date)
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 100
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT r.record_no, r.group_no, r.kind, r.account_date, r.value_date, r.amount, r.direction,
         r.transaction_code, r.cancelled,
         -- 照会番号 qualified by the 勘定日, as some banks restart the
         -- numbers; without one, a digest of the record and its occurrence
         -- among identical records of the same account.
         pg_catalog.to_char(r.account_date, 'YYYYMMDD') || '-' ||
         COALESCE(r.inquiry_no,
                  'H' || pg_catalog.left(h.digest, 12) || '-' ||
                  pg_catalog.row_number() OVER (PARTITION BY r.account_bank_code, r.account_branch_code,
                                                            r.account_no, r.cancelled, h.digest
                                                ORDER BY r.record_no)),
         r.inquiry_no, r.payer_code, r.payer_name, r.bank_name, r.branch_name, r.edi_info,
         r.description, r.account_bank_code, r.account_bank_name, r.account_branch_code,
         r.account_branch_name, r.account_type, r.account_no, r.account_name, r.created_on
    FROM ar.zengin_read(data, encoding, as_of) AS r
   CROSS JOIN LATERAL (SELECT pg_catalog.md5(pg_catalog.concat_ws('|', r.kind, r.account_date, r.value_date,
                                  r.amount, r.direction, r.transaction_code, r.payer_code, r.payer_name,
                                  r.bank_name, r.branch_name, r.edi_info, r.description)) AS digest) AS h
   ORDER BY r.record_no
$$;
COMMENT ON FUNCTION ar.parse_zengin_as_of(bytea, text, date) IS
  'The data records of a Zengin 振込入金通知 (01) or 入出金取引明細 (03) file with their bank references; era years resolved as of the given day (for reproducible reading of old files)';

CREATE FUNCTION ar.parse_zengin(data bytea, encoding text DEFAULT 'SJIS')
  RETURNS TABLE (record_no integer, group_no integer, kind text, account_date date, value_date date,
                 amount numeric, direction text, transaction_code text, cancelled boolean, bank_ref text,
                 inquiry_no text, payer_code text, payer_name text, bank_name text, branch_name text,
                 edi_info text, description text, account_bank_code text, account_bank_name text,
                 account_branch_code text, account_branch_name text, account_type text,
                 account_no text, account_name text, created_on date)
  LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 100
  SET search_path = pg_catalog, pg_temp
AS $$
  SELECT * FROM ar.parse_zengin_as_of(data, encoding, CURRENT_DATE)
$$;
COMMENT ON FUNCTION ar.parse_zengin(bytea, text) IS
  'The data records of a Zengin 振込入金通知 (01) or 入出金取引明細 (03) file: dates, amounts, payer (half-width kana as in the file), EDI, bank reference; a malformed file is refused whole (22P02) naming the record and field';
