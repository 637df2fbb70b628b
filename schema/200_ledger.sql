-- The receivables ledger: customers, invoices, payments, credit notes and
-- the allocations that settle invoices.  Balances are maintained by the
-- triggers in 210_ledger_triggers.sql; see docs/ledger.md.

CREATE TABLE ar.customer (
  customer_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_code         text NOT NULL UNIQUE CHECK (customer_code <> ''),
  name                  text NOT NULL CHECK (name <> ''),
  name_kana             text,
  email                 text,
  phone                 text,
  address               text,
  locale                text NOT NULL DEFAULT 'ja' CHECK (locale IN ('ja', 'en')),
  time_zone             text NOT NULL DEFAULT 'Asia/Tokyo',
  currency              char(3) NOT NULL REFERENCES ar.currency,
  payment_terms         ar.payment_terms,
  calendar              text REFERENCES ar.calendar (code) ON UPDATE CASCADE,
  segment               text,
  collector             text,
  credit_limit          numeric CHECK (credit_limit >= 0),
  virtual_account       text UNIQUE,
  status                text NOT NULL DEFAULT 'active'
                        CHECK (status IN ('active', 'on_hold', 'in_collections', 'bankrupt', 'closed')),
  do_not_contact        boolean NOT NULL DEFAULT false,
  opted_out_channels    text[] NOT NULL DEFAULT '{}',
  fee_deduction_allowed boolean NOT NULL DEFAULT false,
  dunning_policy_id     bigint REFERENCES ar.dunning_policy,
  metadata              jsonb NOT NULL DEFAULT '{}',
  created_at            timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at            timestamptz
);
CREATE INDEX customer_collector_idx ON ar.customer (collector) WHERE collector IS NOT NULL;
COMMENT ON TABLE ar.customer IS 'Customers (取引先) owing receivables';
COMMENT ON COLUMN ar.customer.customer_id IS 'Surrogate key; the distribution key when scaled out';
COMMENT ON COLUMN ar.customer.customer_code IS 'Business key (取引先コード), unique';
COMMENT ON COLUMN ar.customer.name IS 'Legal or trading name';
COMMENT ON COLUMN ar.customer.name_kana IS 'Reading in katakana (フリガナ); matched against bank payer names';
COMMENT ON COLUMN ar.customer.email IS 'Address for email notices';
COMMENT ON COLUMN ar.customer.phone IS 'Number for SMS notices and calls';
COMMENT ON COLUMN ar.customer.address IS 'Postal address for letters (〒, prefecture, city, street, addressee)';
COMMENT ON COLUMN ar.customer.locale IS 'Language of notices: ja or en';
COMMENT ON COLUMN ar.customer.time_zone IS 'IANA time zone; notices are sent in its daytime window';
COMMENT ON COLUMN ar.customer.currency IS 'Default currency of the customer''s invoices';
COMMENT ON COLUMN ar.customer.payment_terms IS
  'Payment terms (支払条件) that give an invoice its due date when none is given, e.g. 月末締め翌月末払い; NULL: due dates must be given';
COMMENT ON COLUMN ar.customer.calendar IS
  'Business calendar for the customer''s due dates (ar.calendar); NULL uses the default_calendar setting';
COMMENT ON COLUMN ar.customer.segment IS 'Free classification for reports (e.g. enterprise, smb)';
COMMENT ON COLUMN ar.customer.collector IS 'Role name of the assigned collector (row-level isolation uses it)';
COMMENT ON COLUMN ar.customer.credit_limit IS 'Credit limit in the customer''s currency; NULL means none';
COMMENT ON COLUMN ar.customer.virtual_account IS 'Virtual bank account number (バーチャル口座) assigned to the customer; identifies payments';
COMMENT ON COLUMN ar.customer.status IS 'active, on_hold, in_collections (handed to an agency), bankrupt or closed';
COMMENT ON COLUMN ar.customer.do_not_contact IS 'True stops every automatic notice';
COMMENT ON COLUMN ar.customer.opted_out_channels IS 'Channels the customer opted out of (email, sms, letter, call)';
COMMENT ON COLUMN ar.customer.fee_deduction_allowed IS
  'True when the customer may deduct the bank transfer fee from payments (振込手数料先方負担 agreed and lawful)';
COMMENT ON COLUMN ar.customer.dunning_policy_id IS 'Dunning policy; NULL follows the default policy (ar.dunning_policy.is_default)';
COMMENT ON COLUMN ar.customer.metadata IS 'Application data, not interpreted';
COMMENT ON COLUMN ar.customer.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.customer.updated_at IS 'When the row was last changed';

CREATE TABLE ar.invoice (
  invoice_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES ar.customer,
  invoice_no    text NOT NULL UNIQUE CHECK (invoice_no <> ''),
  kind          text NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'fee', 'interest')),
  issue_date    date NOT NULL DEFAULT CURRENT_DATE,
  due_date      date NOT NULL,
  currency      char(3) NOT NULL REFERENCES ar.currency,
  amount        numeric NOT NULL CHECK (amount > 0),
  open_amount   numeric NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'void', 'written_off')),
  closed_on     date,
  dunning_level integer NOT NULL DEFAULT 0 CHECK (dunning_level >= 0),
  description   text,
  void_reason   text,
  metadata      jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at    timestamptz,
  CONSTRAINT invoice_open_amount_range CHECK (open_amount >= 0 AND open_amount <= amount),
  CONSTRAINT invoice_due_after_issue CHECK (due_date >= issue_date),
  CONSTRAINT invoice_closed_on_when_settled CHECK ((closed_on IS NULL) = (status IN ('open', 'void')))
);
-- Open items by customer and due date: aging, dunning, FIFO allocation.
CREATE INDEX invoice_open_by_customer_idx ON ar.invoice (customer_id, due_date, invoice_id)
  WHERE status = 'open';
-- Book-wide open items by due date: dunning runs, cash forecast.
CREATE INDEX invoice_open_by_due_idx ON ar.invoice (due_date) WHERE status = 'open';
CREATE INDEX invoice_customer_idx ON ar.invoice (customer_id, issue_date);
CREATE INDEX invoice_issue_date_idx ON ar.invoice (issue_date);
COMMENT ON TABLE ar.invoice IS
  'Invoices, dunning fees and late-interest charges owed by customers; open_amount is maintained from allocations';
COMMENT ON COLUMN ar.invoice.invoice_id IS 'Surrogate key';
COMMENT ON COLUMN ar.invoice.customer_id IS 'Customer who owes it; frozen once allocations exist';
COMMENT ON COLUMN ar.invoice.invoice_no IS 'Invoice number (請求書番号), unique; matched in payment references';
COMMENT ON COLUMN ar.invoice.kind IS 'invoice, fee (dunning fee) or interest (late interest)';
COMMENT ON COLUMN ar.invoice.issue_date IS 'Date of issue (請求日)';
COMMENT ON COLUMN ar.invoice.due_date IS 'Due date (支払期日); computed from the customer''s payment terms when NULL on insert';
COMMENT ON COLUMN ar.invoice.currency IS 'Currency; defaults to the customer''s; frozen once allocations exist';
COMMENT ON COLUMN ar.invoice.amount IS 'Amount billed, a whole number of minor units; frozen once allocations exist';
COMMENT ON COLUMN ar.invoice.open_amount IS 'Amount still owed = amount - sum of active allocations (maintained, read-only)';
COMMENT ON COLUMN ar.invoice.status IS 'open, paid, written_off (closed by a write-off) or void; maintained except void';
COMMENT ON COLUMN ar.invoice.closed_on IS 'Effective date of the allocation that settled it (NULL while open or void)';
COMMENT ON COLUMN ar.invoice.dunning_level IS 'Highest dunning step sent for this invoice in its current episode';
COMMENT ON COLUMN ar.invoice.description IS 'Free text';
COMMENT ON COLUMN ar.invoice.void_reason IS 'Why the invoice was voided (set by ar.void_invoice)';
COMMENT ON COLUMN ar.invoice.metadata IS 'Application data, not interpreted';
COMMENT ON COLUMN ar.invoice.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.invoice.updated_at IS 'When the row was last changed';

CREATE TABLE ar.payment (
  payment_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id      bigint REFERENCES ar.customer,
  received_on      date NOT NULL DEFAULT CURRENT_DATE,
  currency         char(3) NOT NULL REFERENCES ar.currency,
  amount           numeric NOT NULL CHECK (amount > 0),
  unapplied_amount numeric NOT NULL,
  method           text NOT NULL DEFAULT 'bank_transfer'
                   CHECK (method IN ('bank_transfer', 'card', 'direct_debit', 'cash', 'check', 'other')),
  status           text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'cancelled')),
  payer_name       text,
  reference        text,
  edi_info         text,
  bank_ref         text,
  source           text,
  metadata         jsonb NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at       timestamptz,
  matched_by       text CHECK (matched_by IN ('auto', 'manual')),
  matched_at       timestamptz,
  match_score      real CHECK (match_score BETWEEN 0 AND 1),
  CONSTRAINT payment_unapplied_range CHECK (unapplied_amount >= 0 AND unapplied_amount <= amount)
);
-- bank_ref is unique per source when present: re-importing a bank file is a no-op.
CREATE UNIQUE INDEX payment_bank_ref_key ON ar.payment (COALESCE(source, ''), bank_ref)
  WHERE bank_ref IS NOT NULL;
CREATE INDEX payment_customer_idx ON ar.payment (customer_id, received_on);
CREATE INDEX payment_unapplied_idx ON ar.payment (received_on)
  WHERE unapplied_amount > 0 AND status = 'received';
COMMENT ON TABLE ar.payment IS
  'Money received; unapplied_amount is what allocations have not yet used (the customer''s credit)';
COMMENT ON COLUMN ar.payment.payment_id IS 'Surrogate key';
COMMENT ON COLUMN ar.payment.customer_id IS 'Paying customer; NULL while the payment is unidentified';
COMMENT ON COLUMN ar.payment.received_on IS 'Value date of the receipt (入金日)';
COMMENT ON COLUMN ar.payment.currency IS 'Currency; frozen once allocations exist';
COMMENT ON COLUMN ar.payment.amount IS 'Amount received, a whole number of minor units; frozen once allocations exist';
COMMENT ON COLUMN ar.payment.unapplied_amount IS 'Amount not allocated = amount - sum of active payment allocations (maintained, read-only)';
COMMENT ON COLUMN ar.payment.method IS 'bank_transfer, card, direct_debit, cash, check or other';
COMMENT ON COLUMN ar.payment.status IS 'received, or cancelled (reversed by the bank; no active allocations)';
COMMENT ON COLUMN ar.payment.payer_name IS 'Payer name as the bank reported it (振込依頼人名), often half-width kana';
COMMENT ON COLUMN ar.payment.reference IS 'Remittance reference';
COMMENT ON COLUMN ar.payment.edi_info IS 'EDI information (EDI情報 / ZEDI) sent with the transfer';
COMMENT ON COLUMN ar.payment.bank_ref IS 'Bank''s reference of the transaction; unique per source, makes imports idempotent';
COMMENT ON COLUMN ar.payment.source IS 'Where the payment came from (bank file, PSP, manual entry)';
COMMENT ON COLUMN ar.payment.metadata IS 'Application data, not interpreted';
COMMENT ON COLUMN ar.payment.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.payment.updated_at IS 'When the row was last changed';
COMMENT ON COLUMN ar.payment.matched_by IS
  'How the payment was matched to its customer and invoices: auto (ar.auto_apply) or manual (a person: ar.assign_payment or ar.apply_payment with invoice_ids); NULL while unmatched';
COMMENT ON COLUMN ar.payment.matched_at IS 'When the payment was matched';
COMMENT ON COLUMN ar.payment.match_score IS 'Score in [0,1] of the candidate ar.auto_apply applied (NULL for manual matches)';

CREATE TABLE ar.credit_note (
  credit_note_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id      bigint NOT NULL REFERENCES ar.customer,
  credit_note_no   text NOT NULL UNIQUE CHECK (credit_note_no <> ''),
  issue_date       date NOT NULL DEFAULT CURRENT_DATE,
  currency         char(3) NOT NULL REFERENCES ar.currency,
  amount           numeric NOT NULL CHECK (amount > 0),
  unapplied_amount numeric NOT NULL,
  reason           text,
  invoice_id       bigint REFERENCES ar.invoice,
  metadata         jsonb NOT NULL DEFAULT '{}',
  created_at       timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at       timestamptz,
  CONSTRAINT credit_note_unapplied_range CHECK (unapplied_amount >= 0 AND unapplied_amount <= amount)
);
CREATE INDEX credit_note_customer_idx ON ar.credit_note (customer_id, issue_date);
CREATE INDEX credit_note_invoice_idx ON ar.credit_note (invoice_id) WHERE invoice_id IS NOT NULL;
COMMENT ON TABLE ar.credit_note IS 'Credit notes (赤伝) reducing what a customer owes; applied to invoices like payments';
COMMENT ON COLUMN ar.credit_note.credit_note_id IS 'Surrogate key';
COMMENT ON COLUMN ar.credit_note.customer_id IS 'Customer credited; frozen once allocations exist';
COMMENT ON COLUMN ar.credit_note.credit_note_no IS 'Credit note number, unique';
COMMENT ON COLUMN ar.credit_note.issue_date IS 'Date of issue';
COMMENT ON COLUMN ar.credit_note.currency IS 'Currency; frozen once allocations exist';
COMMENT ON COLUMN ar.credit_note.amount IS 'Amount credited; frozen once allocations exist';
COMMENT ON COLUMN ar.credit_note.unapplied_amount IS 'Amount not yet allocated (maintained, read-only)';
COMMENT ON COLUMN ar.credit_note.reason IS 'Why the credit was given';
COMMENT ON COLUMN ar.credit_note.invoice_id IS 'Invoice the credit corrects, when it corrects one';
COMMENT ON COLUMN ar.credit_note.metadata IS 'Application data, not interpreted';
COMMENT ON COLUMN ar.credit_note.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.credit_note.updated_at IS 'When the row was last changed';

CREATE TABLE ar.allocation (
  allocation_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id     bigint NOT NULL REFERENCES ar.customer,
  invoice_id      bigint NOT NULL REFERENCES ar.invoice,
  kind            text NOT NULL CHECK (kind IN ('payment', 'credit_note', 'write_off', 'fee', 'discount')),
  payment_id      bigint REFERENCES ar.payment,
  credit_note_id  bigint REFERENCES ar.credit_note,
  amount          numeric NOT NULL CHECK (amount > 0),
  applied_on      date NOT NULL DEFAULT CURRENT_DATE,
  reversed_on     date,
  reversal_reason text,
  reason          text,
  created_by      text NOT NULL DEFAULT CURRENT_USER,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
  -- Exactly the source document the kind needs.  Fee and discount
  -- allocations may name the payment whose short-pay they settle.
  CONSTRAINT allocation_source_matches_kind CHECK (
    CASE kind
      WHEN 'payment'     THEN payment_id IS NOT NULL AND credit_note_id IS NULL
      WHEN 'credit_note' THEN credit_note_id IS NOT NULL AND payment_id IS NULL
      WHEN 'write_off'   THEN payment_id IS NULL AND credit_note_id IS NULL
      ELSE credit_note_id IS NULL
    END),
  CONSTRAINT allocation_reversal_complete CHECK ((reversed_on IS NULL) = (reversal_reason IS NULL)),
  CONSTRAINT allocation_reversed_after_applied CHECK (reversed_on >= applied_on)
);
CREATE INDEX allocation_invoice_idx ON ar.allocation (invoice_id);
CREATE INDEX allocation_payment_idx ON ar.allocation (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX allocation_credit_note_idx ON ar.allocation (credit_note_id) WHERE credit_note_id IS NOT NULL;
CREATE INDEX allocation_customer_idx ON ar.allocation (customer_id, applied_on);
COMMENT ON TABLE ar.allocation IS
  'Applications of payments, credit notes, write-offs, deducted fees and discounts to invoices; never deleted, reversed instead';
COMMENT ON COLUMN ar.allocation.allocation_id IS 'Surrogate key';
COMMENT ON COLUMN ar.allocation.customer_id IS 'Customer of the invoice (filled in when omitted)';
COMMENT ON COLUMN ar.allocation.invoice_id IS 'Invoice settled';
COMMENT ON COLUMN ar.allocation.kind IS 'payment, credit_note, write_off, fee (deducted bank fee) or discount (early-payment discount)';
COMMENT ON COLUMN ar.allocation.payment_id IS 'Payment used (kind payment), or whose short-pay a fee/discount settles';
COMMENT ON COLUMN ar.allocation.credit_note_id IS 'Credit note used (kind credit_note)';
COMMENT ON COLUMN ar.allocation.amount IS 'Amount applied, in the invoice''s currency';
COMMENT ON COLUMN ar.allocation.applied_on IS 'Effective date; as-of aging counts the allocation from this date';
COMMENT ON COLUMN ar.allocation.reversed_on IS 'Effective date of the reversal; NULL while active';
COMMENT ON COLUMN ar.allocation.reversal_reason IS 'Why it was reversed';
COMMENT ON COLUMN ar.allocation.reason IS 'Why it was made (write-off reason, fee note)';
COMMENT ON COLUMN ar.allocation.created_by IS 'Role that made it';
COMMENT ON COLUMN ar.allocation.created_at IS 'When the row was created';

-- pg_dump keeps every ledger row (these tables ship no rows), and the
-- identity sequences so new ids continue after a restore.
SELECT pg_catalog.pg_extension_config_dump('ar.customer', '');
SELECT pg_catalog.pg_extension_config_dump('ar.invoice', '');
SELECT pg_catalog.pg_extension_config_dump('ar.payment', '');
SELECT pg_catalog.pg_extension_config_dump('ar.credit_note', '');
SELECT pg_catalog.pg_extension_config_dump('ar.allocation', '');
SELECT pg_catalog.pg_extension_config_dump('ar.audit_log', '');
-- (One call per statement: each call rewrites the same pg_extension row.)
SELECT pg_catalog.pg_extension_config_dump('ar.customer_customer_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.invoice_invoice_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.payment_payment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.credit_note_credit_note_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.allocation_allocation_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.audit_log_audit_id_seq', '');
