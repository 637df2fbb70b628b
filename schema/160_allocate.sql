-- ar.allocate: the pure allocation of an amount over balances, in C
-- (src/allocate.c over src/core/allocate.c).  The ledger functions in
-- 300_payment_functions.sql decide which balances and in which order; this
-- decides how much each one gets.  See docs/payments.md.

CREATE FUNCTION ar.allocate(amount numeric, balances numeric[], strategy text DEFAULT 'fifo',
                            minor_unit integer DEFAULT 0)
  RETURNS numeric[]
  AS 'MODULE_PATHNAME', 'pgr_allocate'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.allocate(numeric, numeric[], text, integer) IS
  'What each balance receives of amount, in input order: never more than the balance, in total min(amount, sum of balances). Strategies fifo, proportional (largest remainder to the minor unit), smallest_first, largest_first, exact_first';

CREATE FUNCTION ar.check_allocation_strategy(strategy text) RETURNS void
  AS 'MODULE_PATHNAME', 'pgr_check_allocation_strategy'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ar.check_allocation_strategy(text) IS
  'Raises 22023 for an unknown allocation strategy and 22004 for NULL, as ar.allocate would (internal helper of the ledger functions)';
