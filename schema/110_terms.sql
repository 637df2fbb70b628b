-- ar.payment_terms: how a due date follows from an issue date (see
-- docs/payment-terms.md).  Parsing, canonical text, labels and date
-- arithmetic are in C (src/core/terms.c).

CREATE TYPE ar.payment_terms;

CREATE FUNCTION ar.payment_terms_in(cstring) RETURNS ar.payment_terms
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_in(cstring) IS
  'Text input of ar.payment_terms: English (net 30, close 20 due 1 10, ...) or Japanese (月末締め翌月末払い); 22P02 on bad input';

CREATE FUNCTION ar.payment_terms_out(ar.payment_terms) RETURNS cstring
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_out(ar.payment_terms) IS
  'Text output of ar.payment_terms: the canonical English form';

CREATE FUNCTION ar.payment_terms_recv(internal) RETURNS ar.payment_terms
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_recv(internal) IS
  'Binary input of ar.payment_terms; every field is checked (22P03 on a bad value)';

CREATE FUNCTION ar.payment_terms_send(ar.payment_terms) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_send(ar.payment_terms) IS
  'Binary output of ar.payment_terms (format version 1)';

CREATE TYPE ar.payment_terms (
  INPUT = ar.payment_terms_in,
  OUTPUT = ar.payment_terms_out,
  RECEIVE = ar.payment_terms_recv,
  SEND = ar.payment_terms_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = plain
);
COMMENT ON TYPE ar.payment_terms IS
  'Payment terms (支払条件): net 30, eom +30, close eom due 1 eom (月末締め翌月末払い), close 20 due 1 10, 2/10 net 30, semi-monthly closing, business-day adjustment';

CREATE FUNCTION ar.payment_terms_eq(ar.payment_terms, ar.payment_terms) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_eq'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.payment_terms_eq(ar.payment_terms, ar.payment_terms) IS
  'True when two payment terms are the same terms (月末締め翌月末払い = close eom due 1 eom)';

CREATE FUNCTION ar.payment_terms_ne(ar.payment_terms, ar.payment_terms) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_ne'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.payment_terms_ne(ar.payment_terms, ar.payment_terms) IS
  'True when two payment terms differ';

CREATE FUNCTION ar.payment_terms_hash(ar.payment_terms) RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_payment_terms_hash'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.payment_terms_hash(ar.payment_terms) IS
  'Hash of payment terms, for GROUP BY, DISTINCT and hash joins';

CREATE OPERATOR ar.= (
  LEFTARG = ar.payment_terms, RIGHTARG = ar.payment_terms,
  FUNCTION = ar.payment_terms_eq,
  COMMUTATOR = OPERATOR(ar.=), NEGATOR = OPERATOR(ar.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
COMMENT ON OPERATOR ar.= (ar.payment_terms, ar.payment_terms) IS 'Same payment terms';

CREATE OPERATOR ar.<> (
  LEFTARG = ar.payment_terms, RIGHTARG = ar.payment_terms,
  FUNCTION = ar.payment_terms_ne,
  COMMUTATOR = OPERATOR(ar.<>), NEGATOR = OPERATOR(ar.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR ar.<> (ar.payment_terms, ar.payment_terms) IS 'Different payment terms';

CREATE OPERATOR CLASS ar.payment_terms_hash_ops
  DEFAULT FOR TYPE ar.payment_terms USING hash AS
    OPERATOR 1 ar.= (ar.payment_terms, ar.payment_terms),
    FUNCTION 1 ar.payment_terms_hash(ar.payment_terms);
COMMENT ON OPERATOR CLASS ar.payment_terms_hash_ops USING hash IS
  'Equality of payment terms for hashing (GROUP BY, DISTINCT, hash joins)';

------------------------------------------------------------------------------
-- Functions
------------------------------------------------------------------------------

CREATE FUNCTION ar.due_date(terms ar.payment_terms, issue_date date, calendar text DEFAULT 'JP-BANK') RETURNS date
  AS 'MODULE_PATHNAME', 'pgr_due_date'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.due_date(ar.payment_terms, date, text) IS
  'Due date of an invoice issued on issue_date under the terms, moved to a business day of the calendar when the terms say adjust';

CREATE FUNCTION ar.discount_date(terms ar.payment_terms, issue_date date) RETURNS date
  AS 'MODULE_PATHNAME', 'pgr_discount_date'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.discount_date(ar.payment_terms, date) IS
  'Last day on which the early-payment discount applies (2/10 net 30: issue date + 10); NULL when the terms have no discount';

CREATE FUNCTION ar.discount_amount(terms ar.payment_terms, amount numeric, issue_date date, paid_on date,
                                   minor_unit integer DEFAULT 0) RETURNS numeric
  AS 'MODULE_PATHNAME', 'pgr_discount_amount'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.discount_amount(ar.payment_terms, numeric, date, date, integer) IS
  'Early-payment discount earned by paying on paid_on: amount x percent rounded half away from zero to minor_unit decimals, else 0';

CREATE FUNCTION ar.terms_label(terms ar.payment_terms, locale text DEFAULT 'ja') RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_terms_label_fn'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.terms_label(ar.payment_terms, text) IS
  'Label of the terms for people: 月末締め翌月末払い (ja), Close EOM, due end of next month / 2% 10, Net 30 (en); 22023 for another locale';
