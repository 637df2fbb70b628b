/*
 * match.h: the bounded subset-sum search of cash application (入金消込).
 *
 * Which of a customer's open invoices does a payment pay?  Given the open
 * balances (int64 minor units, oldest first), a target (the payment) and a
 * set of tolerated deductions ("deltas": 0, the bank fees a payer may have
 * deducted, 1..9 yen of tax rounding), find the combinations whose balances
 * add up to target + delta for some delta.  Plain C with no PostgreSQL
 * dependency, so it is fuzzed and unit-tested outside the server; the fmgr
 * layer is src/match.c.
 *
 * The search is bounded, so a customer with hundreds of open invoices is
 * matched in well under a millisecond:
 *   1. contiguous runs of invoices in the input order (a payer settling
 *      "everything of March" or "the oldest three") of any length up to
 *      MATCH_MAX_ITEMS, by binary search over prefix sums: O(n log n);
 *   2. combinations of 1..max_pick invoices of any position, by iterative
 *      deepening over the balances sorted by value (largest first), pruned
 *      by the largest and smallest sums still reachable, the last invoice
 *      found by binary search; at most max_nodes search nodes are visited
 *      (the result says when the budget ran out).
 * The best combinations are kept by a total order: fewer invoices first,
 * then the smaller deduction, then the older invoices (smaller sum of input
 * positions), then the lexicographically smaller position list.  Equal sets
 * found twice are kept once.  Given the same input, the output is the same.
 *
 * Nothing here allocates: the caller passes scratch space of
 * match_scratch_size(n) bytes.
 */
#ifndef PGR_CORE_MATCH_H
#define PGR_CORE_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* Longest combination returned (contiguous runs can be long). */
#define MATCH_MAX_ITEMS 32
/* Largest number of invoices in a free (non-contiguous) combination. */
#define MATCH_MAX_PICK 8
/* Most combinations returned by one search. */
#define MATCH_MAX_RESULTS 64
/* Most deltas (tolerated deductions) of one search. */
#define MATCH_MAX_DELTAS 256
/* Most balances of one search. */
#define MATCH_MAX_BALANCES 100000
/*
 * Largest balance, target or delta (10^13 minor units: 10 trillion yen, 100
 * billion dollars).  With at most MATCH_MAX_BALANCES balances every sum the
 * search forms stays below 10^18, inside int64.
 */
#define MATCH_MAX_AMOUNT INT64_C(10000000000000)

typedef enum MatchStatus
{
	MATCH_OK = 0,
	MATCH_ERR_TOO_MANY,			/* more than MATCH_MAX_BALANCES balances */
	MATCH_ERR_AMOUNT,			/* a balance or target outside 0..MATCH_MAX_AMOUNT */
	MATCH_ERR_TARGET,			/* target not positive */
	MATCH_ERR_DELTA,			/* a delta outside 0..MATCH_MAX_AMOUNT, or too many */
	MATCH_ERR_ARGS				/* max_pick, max_results or a pointer out of range */
} MatchStatus;

/* One combination: positions (0-based, ascending) into the balances. */
typedef struct MatchCombo
{
	int			count;
	int32_t		pos[MATCH_MAX_ITEMS];
	int64_t		total;			/* sum of the balances at pos */
	int64_t		delta;			/* total - target: the deduction, >= 0 */
	int64_t		age;			/* sum of pos: smaller is older */
} MatchCombo;

typedef struct MatchStats
{
	int64_t		nodes;			/* search nodes visited */
	int			truncated;		/* 1 when max_nodes stopped the search */
	int			found;			/* combinations found (before keeping the best) */
} MatchStats;

/* Bytes of scratch space a search over n balances needs. */
extern size_t match_scratch_size(size_t n);

/*
 * Search.  balances[0..n-1] (oldest first; entries <= 0 are never picked),
 * target > 0, deltas[0..ndeltas-1] (any order, duplicates allowed; an empty
 * list means {0}), max_pick in 1..MATCH_MAX_PICK, max_results in
 * 1..MATCH_MAX_RESULTS, max_nodes > 0.  On MATCH_OK, out[0..*nout-1] holds
 * the best combinations, best first.
 */
extern MatchStatus match_search(const int64_t *balances, size_t n, int64_t target,
								const int64_t *deltas, size_t ndeltas,
								int max_pick, int max_results, int64_t max_nodes,
								void *scratch, MatchCombo *out, int *nout, MatchStats *stats);

/* A message for a status code (for can't-happen reports). */
extern const char *match_status_text(MatchStatus st);

#endif							/* PGR_CORE_MATCH_H */
