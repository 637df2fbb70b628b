-- ar.match_combinations: the bounded subset-sum search of cash application
-- in C (src/match.c over src/core/match.c).  ar.match_payment gives it a
-- customer's open balances, oldest first, and the deductions a payer may
-- have made; it returns which balances add up to the payment.
-- See docs/cash-application.md, "Combinations".

CREATE FUNCTION ar.match_combinations(target numeric, balances numeric[], deltas numeric[] DEFAULT '{0}',
                                      max_invoices integer DEFAULT 6, max_results integer DEFAULT 5,
                                      minor_unit integer DEFAULT 0, max_nodes integer DEFAULT 100000)
  RETURNS TABLE (positions integer[], total numeric, delta numeric)
  AS 'MODULE_PATHNAME', 'pgr_match_combinations'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION ar.match_combinations(numeric, numeric[], numeric[], integer, integer, integer, integer) IS
  'Combinations of balances (1-based positions, ascending) that add up to target + delta for one of the deltas: contiguous runs of any length up to 32, and any max_invoices (1..8) balances by a search bounded to max_nodes nodes; the best max_results, fewest balances first, then the smaller delta, then the oldest (lowest positions)';
