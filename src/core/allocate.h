/*
 * allocate.h: splitting an amount over balances, in integer minor units.
 *
 * Plain C with no PostgreSQL dependency, so the arithmetic can be unit-tested
 * and fuzzed outside the server.  Amounts are int64 counts of a currency's
 * minor unit (yen, cents, fils); the fmgr layer in src/allocate.c converts
 * numeric values to and from that form with alloc_parse_units() and
 * alloc_format_units(), and turns the status codes below into ereport().
 *
 * Nothing here allocates memory: callers pass the result array and a scratch
 * array of the same length as the balances.
 */
#ifndef PGR_CORE_ALLOCATE_H
#define PGR_CORE_ALLOCATE_H

#include <stddef.h>
#include <stdint.h>

/* How an amount is spread over balances (see docs/payments.md). */
typedef enum AllocStrategy
{
	ALLOC_FIFO = 0,				/* in input order */
	ALLOC_PROPORTIONAL,			/* pro rata, largest remainder */
	ALLOC_SMALLEST_FIRST,		/* smallest balance first, ties in input order */
	ALLOC_LARGEST_FIRST,		/* largest balance first, ties in input order */
	ALLOC_EXACT_FIRST			/* a balance equal to the amount, else fifo */
} AllocStrategy;

typedef enum AllocStatus
{
	ALLOC_OK = 0,
	ALLOC_ERR_NEGATIVE,			/* a negative amount or balance */
	ALLOC_ERR_NOT_WHOLE,		/* not a whole number of minor units */
	ALLOC_ERR_OUT_OF_RANGE,		/* beyond int64 minor units */
	ALLOC_ERR_NOT_FINITE,		/* NaN or infinity */
	ALLOC_ERR_SYNTAX,			/* not a plain decimal number */
	ALLOC_ERR_MINOR_UNIT,		/* minor unit outside 0..ALLOC_MAX_MINOR_UNIT */
	ALLOC_ERR_SUM_OUT_OF_RANGE	/* the balances add up beyond int64 */
} AllocStatus;

/* Minor units run from 0 (JPY) to 4 (CLF, UYW); ar.currency allows 0..4. */
#define ALLOC_MAX_MINOR_UNIT 4

/* Enough for "-9223372036854775808" with a decimal point and a NUL. */
#define ALLOC_UNITS_BUFLEN 24

/* One entry of the caller-provided scratch space of alloc_compute(). */
typedef struct AllocScratch
{
	size_t		index;			/* position in the input */
	int64_t		key;			/* sort key: balance or remainder */
} AllocScratch;

/*
 * Strategy by name ("fifo", "proportional", ...), exactly as written, of
 * length len (not NUL-terminated).  Returns 1 and sets *out when known.
 */
extern int	alloc_strategy_from_name(const char *name, size_t len, AllocStrategy *out);

/* The canonical name of a strategy. */
extern const char *alloc_strategy_name(AllocStrategy strategy);

/* Comma-separated list of all strategy names, for hints. */
extern const char *alloc_strategy_names(void);

/*
 * Parse a decimal number as numeric_out writes it ("-12.3400", "NaN",
 * "Infinity"), of length len, into a count of minor units with minor_unit
 * decimal places.  Digits beyond minor_unit must be zeros.  Negative values
 * other than zero are refused with ALLOC_ERR_NEGATIVE.
 */
extern AllocStatus alloc_parse_units(const char *text, size_t len, int minor_unit, int64_t *out);

/*
 * Write units as a decimal with exactly minor_unit decimal places into buf
 * (at least ALLOC_UNITS_BUFLEN bytes), NUL-terminated.  Returns the length,
 * or 0 when minor_unit is out of range or buflen too small.
 */
extern size_t alloc_format_units(int64_t units, int minor_unit, char *buf, size_t buflen);

/*
 * Spread amount over the n balances: result[i] is what balance i receives.
 * Every result[i] is between 0 and balances[i], and they add up to
 * min(amount, sum of balances).  scratch has room for n entries.
 * Errors: ALLOC_ERR_NEGATIVE for a negative amount or balance,
 * ALLOC_ERR_SUM_OUT_OF_RANGE when the balances add up beyond INT64_MAX;
 * *bad_index is then the offending balance's position, or n for the amount.
 */
extern AllocStatus alloc_compute(AllocStrategy strategy, int64_t amount,
								 const int64_t *balances, size_t n,
								 int64_t *result, AllocScratch *scratch,
								 size_t *bad_index);

#endif							/* PGR_CORE_ALLOCATE_H */
