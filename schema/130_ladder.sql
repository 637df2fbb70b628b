-- ar.escalation_ladder: the steps of a dunning ladder, and the functions
-- that dunning uses to choose a step (src/ladder.c, src/core/ladder.c;
-- docs/dunning.md, "Escalation ladders").

CREATE TYPE ar.escalation_ladder;

CREATE FUNCTION ar.escalation_ladder_in(cstring) RETURNS ar.escalation_ladder
  AS 'MODULE_PATHNAME', 'pgr_ladder_in'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.escalation_ladder_in(cstring) IS
  'Input function of ar.escalation_ladder: parses ''OFFSET CHANNEL[:TEMPLATE] [OPTION=VALUE ...] [stop]; ...'' (22P02 naming the step on error)';

CREATE FUNCTION ar.escalation_ladder_out(ar.escalation_ladder) RETURNS cstring
  AS 'MODULE_PATHNAME', 'pgr_ladder_out'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.escalation_ladder_out(ar.escalation_ladder) IS
  'Output function of ar.escalation_ladder: the canonical text form';

CREATE FUNCTION ar.escalation_ladder_recv(internal) RETURNS ar.escalation_ladder
  AS 'MODULE_PATHNAME', 'pgr_ladder_recv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.escalation_ladder_recv(internal) IS
  'Binary input of ar.escalation_ladder; validates every field as the text input does (22P03 on bad data)';

CREATE FUNCTION ar.escalation_ladder_send(ar.escalation_ladder) RETURNS bytea
  AS 'MODULE_PATHNAME', 'pgr_ladder_send'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.escalation_ladder_send(ar.escalation_ladder) IS
  'Binary output of ar.escalation_ladder: format version, step count, a reserved field, then the steps';

CREATE TYPE ar.escalation_ladder (
  INPUT = ar.escalation_ladder_in,
  OUTPUT = ar.escalation_ladder_out,
  RECEIVE = ar.escalation_ladder_recv,
  SEND = ar.escalation_ladder_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = extended
);
COMMENT ON TYPE ar.escalation_ladder IS
  'Dunning escalation ladder: up to 32 steps ''OFFSET CHANNEL[:TEMPLATE] [min=AMOUNT] [gap=DAYS] [fee=AMOUNT] [interest=RATE] [stop]'' separated by '';'', offsets strictly ascending';

CREATE FUNCTION ar.ladder_eq(ar.escalation_ladder, ar.escalation_ladder) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_ladder_eq'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.ladder_eq(ar.escalation_ladder, ar.escalation_ladder) IS
  'True when two ladders have the same steps (the same canonical form)';

CREATE FUNCTION ar.ladder_ne(ar.escalation_ladder, ar.escalation_ladder) RETURNS boolean
  AS 'MODULE_PATHNAME', 'pgr_ladder_ne'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ar.ladder_ne(ar.escalation_ladder, ar.escalation_ladder) IS
  'True when two ladders differ';

CREATE FUNCTION ar.ladder_hash(ar.escalation_ladder) RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_ladder_hash'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.ladder_hash(ar.escalation_ladder) IS
  'Hash of a ladder, consistent with = (hash joins, GROUP BY and DISTINCT on ladders)';

CREATE OPERATOR ar.= (
  LEFTARG = ar.escalation_ladder, RIGHTARG = ar.escalation_ladder,
  FUNCTION = ar.ladder_eq, COMMUTATOR = OPERATOR(ar.=), NEGATOR = OPERATOR(ar.<>),
  RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
COMMENT ON OPERATOR ar.= (ar.escalation_ladder, ar.escalation_ladder) IS 'Ladders with the same steps';

CREATE OPERATOR ar.<> (
  LEFTARG = ar.escalation_ladder, RIGHTARG = ar.escalation_ladder,
  FUNCTION = ar.ladder_ne, COMMUTATOR = OPERATOR(ar.<>), NEGATOR = OPERATOR(ar.=),
  RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR ar.<> (ar.escalation_ladder, ar.escalation_ladder) IS 'Ladders that differ';

CREATE OPERATOR CLASS ar.escalation_ladder_hash_ops
  DEFAULT FOR TYPE ar.escalation_ladder USING hash AS
    OPERATOR 1 ar.= (ar.escalation_ladder, ar.escalation_ladder),
    FUNCTION 1 ar.ladder_hash(ar.escalation_ladder);
COMMENT ON OPERATOR CLASS ar.escalation_ladder_hash_ops USING hash IS
  'Hash equality of ladders (GROUP BY, DISTINCT, hash joins)';

CREATE FUNCTION ar.ladder_steps(ladder ar.escalation_ladder)
  RETURNS TABLE (step_no integer, offset_days integer, channel text, template text,
                 min_amount numeric, gap_days integer, terminal boolean,
                 fee_amount numeric, interest_rate numeric)
  AS 'MODULE_PATHNAME', 'pgr_ladder_steps'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION ar.ladder_steps(ar.escalation_ladder) IS
  'One row per step of a ladder, numbered from 1; template, min_amount, gap_days, fee_amount and interest_rate are NULL when the step does not set them';

CREATE FUNCTION ar.next_step(ladder ar.escalation_ladder, days_past_due integer, overdue_amount numeric,
                             last_step integer, days_since_last_notice integer)
  RETURNS integer
  AS 'MODULE_PATHNAME', 'pgr_ladder_next_step'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.next_step(ar.escalation_ladder, integer, numeric, integer, integer) IS
  'Step to send now: the highest step above last_step whose offset is reached and whose min and gap hold, never past an eligible stop step; NULL when none (last_step NULL or 0 = none sent, days_since_last_notice NULL = never)';

CREATE FUNCTION ar.skipped_steps(ladder ar.escalation_ladder, from_step integer, to_step integer)
  RETURNS integer[]
  AS 'MODULE_PATHNAME', 'pgr_ladder_skipped_steps'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.skipped_steps(ar.escalation_ladder, integer, integer) IS
  'Steps strictly between from_step (last sent; NULL or 0 = none) and to_step (chosen by ar.next_step): the steps a late run passes over';
