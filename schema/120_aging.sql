-- Aging: the ar.aging_buckets type, bucket labels and lookup, and the
-- parallel aggregate ar.aging_sum.  C in src/aging.c over src/core/aging.c;
-- see docs/aging.md.

CREATE TYPE ar.aging_buckets;

CREATE FUNCTION ar.aging_buckets_in(cstring) RETURNS ar.aging_buckets
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ar.aging_buckets_out(ar.aging_buckets) RETURNS cstring
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ar.aging_buckets_recv(internal) RETURNS ar.aging_buckets
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ar.aging_buckets_send(ar.aging_buckets) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE ar.aging_buckets (
  INPUT = ar.aging_buckets_in,
  OUTPUT = ar.aging_buckets_out,
  RECEIVE = ar.aging_buckets_recv,
  SEND = ar.aging_buckets_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = plain
);
COMMENT ON TYPE ar.aging_buckets IS
  'Aging bucket bounds in days past due, ascending positive integers (''30,60,90'' = current, 1-30, 31-60, 61-90, 90+); at most 32 bounds';

COMMENT ON FUNCTION ar.aging_buckets_in(cstring) IS
  'Input of ar.aging_buckets: comma-separated ascending positive integers; refuses anything else with SQLSTATE 22P02';
COMMENT ON FUNCTION ar.aging_buckets_out(ar.aging_buckets) IS
  'Output of ar.aging_buckets in canonical form (''30,60,90'')';
COMMENT ON FUNCTION ar.aging_buckets_recv(internal) IS
  'Binary input of ar.aging_buckets (int16 count, int16 reserved = 0, int32 bounds); validates everything again';
COMMENT ON FUNCTION ar.aging_buckets_send(ar.aging_buckets) IS
  'Binary output of ar.aging_buckets (int16 count, int16 reserved = 0, int32 bounds)';

CREATE FUNCTION ar.aging_buckets_eq(ar.aging_buckets, ar.aging_buckets) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_eq'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.aging_buckets_eq(ar.aging_buckets, ar.aging_buckets) IS
  'True when both have the same bounds';
CREATE FUNCTION ar.aging_buckets_ne(ar.aging_buckets, ar.aging_buckets) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_ne'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.aging_buckets_ne(ar.aging_buckets, ar.aging_buckets) IS
  'True when the bounds differ';

CREATE OPERATOR ar.= (
  LEFTARG = ar.aging_buckets, RIGHTARG = ar.aging_buckets,
  FUNCTION = ar.aging_buckets_eq,
  COMMUTATOR = OPERATOR(ar.=), NEGATOR = OPERATOR(ar.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
COMMENT ON OPERATOR ar.= (ar.aging_buckets, ar.aging_buckets) IS 'Same bucket bounds';
CREATE OPERATOR ar.<> (
  LEFTARG = ar.aging_buckets, RIGHTARG = ar.aging_buckets,
  FUNCTION = ar.aging_buckets_ne,
  COMMUTATOR = OPERATOR(ar.<>), NEGATOR = OPERATOR(ar.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR ar.<> (ar.aging_buckets, ar.aging_buckets) IS 'Different bucket bounds';

-- Hashing makes GROUP BY, DISTINCT and hash joins work on bucket values.
CREATE FUNCTION ar.aging_buckets_hash(ar.aging_buckets) RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_hash'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_buckets_hash(ar.aging_buckets) IS
  'Hash of the bounds, for the hash operator class (internal)';
CREATE FUNCTION ar.aging_buckets_hash_extended(ar.aging_buckets, bigint) RETURNS bigint
  AS 'MODULE_PATHNAME', 'pgr_aging_buckets_hash_extended'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_buckets_hash_extended(ar.aging_buckets, bigint) IS
  '64-bit seeded hash of the bounds, for the hash operator class (internal)';
CREATE OPERATOR CLASS ar.aging_buckets_hash_ops DEFAULT FOR TYPE ar.aging_buckets USING hash AS
  OPERATOR 1 ar.= (ar.aging_buckets, ar.aging_buckets),
  FUNCTION 1 ar.aging_buckets_hash(ar.aging_buckets),
  FUNCTION 2 ar.aging_buckets_hash_extended(ar.aging_buckets, bigint);
COMMENT ON OPERATOR CLASS ar.aging_buckets_hash_ops USING hash IS 'Equality of bucket bounds by hashing';

------------------------------------------------------------------------------
-- Labels and lookup
------------------------------------------------------------------------------

CREATE FUNCTION ar.aging_labels(buckets ar.aging_buckets) RETURNS text[]
  AS 'MODULE_PATHNAME', 'pgr_aging_labels'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_labels(ar.aging_buckets) IS
  'Bucket labels in order: {current,1-30,31-60,61-90,90+} for ''30,60,90''; element i + 1 is bucket index i';

CREATE FUNCTION ar.aging_bucket(days_past_due integer, buckets ar.aging_buckets DEFAULT '30,60,90')
  RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_aging_bucket'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_bucket(integer, ar.aging_buckets) IS
  'Label of the bucket a number of days past due falls in: current for 0 or less, 1-30 for 1..30, ..., 90+ beyond the last bound';

CREATE FUNCTION ar.aging_bucket_index(days_past_due integer, buckets ar.aging_buckets DEFAULT '30,60,90')
  RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_aging_bucket_index'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_bucket_index(integer, ar.aging_buckets) IS
  'Index of the bucket a number of days past due falls in: 0 = current, 1 = first overdue bucket, ..., number of bounds + 1 = beyond the last bound';

------------------------------------------------------------------------------
-- ar.aging_sum(amount, days_past_due, buckets) -> numeric[]
------------------------------------------------------------------------------

CREATE FUNCTION ar.aging_sum_transfn(internal, numeric, integer, ar.aging_buckets) RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_transfn'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_transfn(internal, numeric, integer, ar.aging_buckets) IS
  'Transition function of ar.aging_sum (internal)';
CREATE FUNCTION ar.aging_sum_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_combine(internal, internal) IS
  'Combine function of ar.aging_sum: merges the states of parallel workers (internal)';
CREATE FUNCTION ar.aging_sum_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_serialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_serialize(internal) IS
  'Serialize function of ar.aging_sum: state of a parallel worker to bytes (internal)';
CREATE FUNCTION ar.aging_sum_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_deserialize(bytea, internal) IS
  'Deserialize function of ar.aging_sum: checks every size before reading a state (internal)';
CREATE FUNCTION ar.aging_sum_final(internal) RETURNS numeric[]
  AS 'MODULE_PATHNAME', 'pgr_aging_sum_final'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.aging_sum_final(internal) IS
  'Final function of ar.aging_sum: one exact numeric sum per bucket (internal)';

CREATE AGGREGATE ar.aging_sum(amount numeric, days_past_due integer, buckets ar.aging_buckets) (
  SFUNC = ar.aging_sum_transfn,
  STYPE = internal,
  SSPACE = 1248,
  FINALFUNC = ar.aging_sum_final,
  COMBINEFUNC = ar.aging_sum_combine,
  SERIALFUNC = ar.aging_sum_serialize,
  DESERIALFUNC = ar.aging_sum_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE ar.aging_sum(numeric, integer, ar.aging_buckets) IS
  'Sum of amounts per aging bucket, one element per label of ar.aging_labels(buckets), 0 where empty; NULL amounts and NULL days_past_due are skipped; NULL over no rows';
