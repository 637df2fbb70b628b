/*
 * allocate_test.c: unit checks of the allocation core (src/core/allocate.c),
 * outside the server, in TAP.  Hand-computed cases for every strategy and
 * conversion, then randomized property checks: every part between zero and
 * its balance, the parts adding up to min(amount, total), each strategy's
 * order respected, and proportional parts within one minor unit of the
 * exact pro-rata share.  test/scripts/allocate_unit.sh builds it twice, with
 * and without the 128-bit multiply, and runs both.
 */
#include "allocate.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	n_tests = 0;
static int	n_failed = 0;

static void
ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void
ok(int cond, const char *fmt, ...)
{
	va_list		ap;

	n_tests++;
	printf("%s %d - ", cond ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		n_failed++;
}

/* ---- conversions ---------------------------------------------------- */

static void
check_parse(const char *text, int mu, AllocStatus want, int64_t want_units)
{
	int64_t		units = -12345;
	AllocStatus st = alloc_parse_units(text, strlen(text), mu, &units);

	if (want == ALLOC_OK)
		ok(st == ALLOC_OK && units == want_units, "parse \"%s\" mu %d = %" PRId64 " (got status %d, %" PRId64 ")",
		   text, mu, want_units, (int) st, units);
	else
		ok(st == want, "parse \"%s\" mu %d refused with status %d (got %d)", text, mu, (int) want, (int) st);
}

static void
check_format(int64_t units, int mu, const char *want)
{
	char		buf[ALLOC_UNITS_BUFLEN];
	size_t		len = alloc_format_units(units, mu, buf, sizeof(buf));

	ok(len == strlen(want) && strcmp(buf, want) == 0, "format %" PRId64 " mu %d = \"%s\" (got \"%s\")",
	   units, mu, want, len ? buf : "");
}

static void
conversions(void)
{
	char		buf[ALLOC_UNITS_BUFLEN];
	char		not_terminated[8];
	int64_t		units = 0;

	check_parse("100", 0, ALLOC_OK, 100);
	check_parse("100.50", 2, ALLOC_OK, 10050);
	check_parse("100.5", 2, ALLOC_OK, 10050);
	check_parse("100", 2, ALLOC_OK, 10000);
	check_parse("0.0001", 4, ALLOC_OK, 1);
	check_parse("100.5000", 2, ALLOC_OK, 10050);
	check_parse("100.000", 0, ALLOC_OK, 100);
	check_parse("0", 0, ALLOC_OK, 0);
	check_parse("-0", 0, ALLOC_OK, 0);
	check_parse("-0.00", 2, ALLOC_OK, 0);
	check_parse("9223372036854775807", 0, ALLOC_OK, INT64_MAX);
	check_parse("92233720368547758.07", 2, ALLOC_OK, INT64_MAX);
	check_parse("100.505", 2, ALLOC_ERR_NOT_WHOLE, 0);
	check_parse("100.5", 0, ALLOC_ERR_NOT_WHOLE, 0);
	check_parse("-1", 0, ALLOC_ERR_NEGATIVE, 0);
	check_parse("-0.01", 2, ALLOC_ERR_NEGATIVE, 0);
	check_parse("-1.5", 0, ALLOC_ERR_NEGATIVE, 0);
	check_parse("9223372036854775808", 0, ALLOC_ERR_OUT_OF_RANGE, 0);
	check_parse("92233720368547758.08", 2, ALLOC_ERR_OUT_OF_RANGE, 0);
	check_parse("1000000000000000000000000000000", 0, ALLOC_ERR_OUT_OF_RANGE, 0);
	check_parse("922337203685477580.8", 0, ALLOC_ERR_NOT_WHOLE, 0);
	check_parse("NaN", 0, ALLOC_ERR_NOT_FINITE, 0);
	check_parse("Infinity", 2, ALLOC_ERR_NOT_FINITE, 0);
	check_parse("-Infinity", 2, ALLOC_ERR_NOT_FINITE, 0);
	check_parse("", 0, ALLOC_ERR_SYNTAX, 0);
	check_parse("-", 0, ALLOC_ERR_SYNTAX, 0);
	check_parse(".", 2, ALLOC_ERR_SYNTAX, 0);
	check_parse("1e5", 0, ALLOC_ERR_SYNTAX, 0);
	check_parse("1.2.3", 2, ALLOC_ERR_SYNTAX, 0);
	check_parse(" 1", 0, ALLOC_ERR_SYNTAX, 0);
	check_parse("1", 5, ALLOC_ERR_MINOR_UNIT, 0);
	check_parse("1", -1, ALLOC_ERR_MINOR_UNIT, 0);

	/* The length is honoured: no reading past it, no NUL needed. */
	memcpy(not_terminated, "12345678", 8);
	ok(alloc_parse_units(not_terminated, 3, 0, &units) == ALLOC_OK && units == 123,
	   "parse reads only the given length");
	ok(alloc_parse_units(NULL, 0, 0, &units) == ALLOC_ERR_SYNTAX, "parse of NULL text is refused");

	check_format(0, 0, "0");
	check_format(0, 2, "0.00");
	check_format(5, 2, "0.05");
	check_format(12345, 2, "123.45");
	check_format(12345, 4, "1.2345");
	check_format(-5, 2, "-0.05");
	check_format(-123, 0, "-123");
	check_format(INT64_MAX, 4, "922337203685477.5807");
	check_format(INT64_MIN, 0, "-9223372036854775808");
	check_format(INT64_MIN, 4, "-922337203685477.5808");
	ok(alloc_format_units(1, 5, buf, sizeof(buf)) == 0, "format refuses minor unit 5");
	ok(alloc_format_units(1, 0, buf, 4) == 0, "format refuses a short buffer");
}

/* ---- strategies ----------------------------------------------------- */

static void
strategies(void)
{
	AllocStrategy s = ALLOC_FIFO;

	ok(alloc_strategy_from_name("fifo", 4, &s) && s == ALLOC_FIFO, "fifo by name");
	ok(alloc_strategy_from_name("proportional", 12, &s) && s == ALLOC_PROPORTIONAL, "proportional by name");
	ok(alloc_strategy_from_name("smallest_first", 14, &s) && s == ALLOC_SMALLEST_FIRST, "smallest_first by name");
	ok(alloc_strategy_from_name("largest_first", 13, &s) && s == ALLOC_LARGEST_FIRST, "largest_first by name");
	ok(alloc_strategy_from_name("exact_first", 11, &s) && s == ALLOC_EXACT_FIRST, "exact_first by name");
	ok(!alloc_strategy_from_name("fif", 3, &s), "a prefix is not a strategy");
	ok(alloc_strategy_from_name("fifoXYZ", 4, &s) && s == ALLOC_FIFO, "the name is read to its length only");
	ok(!alloc_strategy_from_name("FIFO", 4, &s), "names are case-sensitive");
	ok(!alloc_strategy_from_name("fifo ", 5, &s), "no trailing blanks");
	ok(!alloc_strategy_from_name("", 0, &s), "empty is no strategy");
	ok(!alloc_strategy_from_name(NULL, 0, &s), "NULL is no strategy");
	ok(strcmp(alloc_strategy_name(ALLOC_EXACT_FIRST), "exact_first") == 0, "name of exact_first");
}

/* ---- allocation: hand-computed cases -------------------------------- */

#define MAXN 64

static int
alloc_is(AllocStrategy s, int64_t amount, const int64_t *b, size_t n, const int64_t *want, const char *what)
{
	int64_t		result[MAXN];
	AllocScratch scratch[MAXN];
	size_t		bad = 0;
	size_t		i;
	int			same;

	if (alloc_compute(s, amount, b, n, result, scratch, &bad) != ALLOC_OK)
	{
		ok(0, "%s: status not OK", what);
		return 0;
	}
	same = 1;
	for (i = 0; i < n; i++)
		same &= result[i] == want[i];
	ok(same, "%s", what);
	if (!same)
	{
		printf("#   got:");
		for (i = 0; i < n; i++)
			printf(" %" PRId64, result[i]);
		printf("\n");
	}
	return same;
}

static void
hand_cases(void)
{
	int64_t		result[4];
	AllocScratch scratch[4];
	size_t		bad = 99;

	{
		int64_t		b[] = {30, 50, 40};

		alloc_is(ALLOC_FIFO, 100, b, 3, (int64_t[]) {30, 50, 20}, "fifo fills in order");
		alloc_is(ALLOC_FIFO, 500, b, 3, (int64_t[]) {30, 50, 40}, "fifo: more than the total pays everything");
		alloc_is(ALLOC_FIFO, 0, b, 3, (int64_t[]) {0, 0, 0}, "nothing to allocate");
		alloc_is(ALLOC_PROPORTIONAL, 100, b, 3, (int64_t[]) {25, 42, 33},
				 "proportional 100 over 30/50/40: 25, 41.67 -> 42, 33.33 -> 33");
		alloc_is(ALLOC_PROPORTIONAL, 120, b, 3, (int64_t[]) {30, 50, 40}, "proportional of the total pays all");
		alloc_is(ALLOC_SMALLEST_FIRST, 60, b, 3, (int64_t[]) {30, 0, 30}, "smallest_first: 30, then 40");
		alloc_is(ALLOC_LARGEST_FIRST, 60, b, 3, (int64_t[]) {0, 50, 10}, "largest_first: 50, then 40");
		alloc_is(ALLOC_EXACT_FIRST, 40, b, 3, (int64_t[]) {0, 0, 40}, "exact_first: the balance equal to the amount");
		alloc_is(ALLOC_EXACT_FIRST, 45, b, 3, (int64_t[]) {30, 15, 0}, "exact_first without a match is fifo");
	}
	{
		int64_t		b[] = {100, 100, 100};

		alloc_is(ALLOC_PROPORTIONAL, 100, b, 3, (int64_t[]) {34, 33, 33},
				 "proportional equal remainders: the earliest gets the unit");
		alloc_is(ALLOC_PROPORTIONAL, 200, b, 3, (int64_t[]) {67, 67, 66}, "proportional 200 over three equal");
		alloc_is(ALLOC_SMALLEST_FIRST, 150, b, 3, (int64_t[]) {100, 50, 0}, "smallest_first ties in input order");
		alloc_is(ALLOC_LARGEST_FIRST, 150, b, 3, (int64_t[]) {100, 50, 0}, "largest_first ties in input order");
		alloc_is(ALLOC_EXACT_FIRST, 100, b, 3, (int64_t[]) {100, 0, 0}, "exact_first: the first equal balance wins");
	}
	{
		/* USD in cents: 100.00 over 33.33 / 33.33 / 33.34 / 0 */
		int64_t		b[] = {3333, 3333, 3334, 0};

		alloc_is(ALLOC_PROPORTIONAL, 1000, b, 4, (int64_t[]) {333, 333, 334, 0},
				 "proportional in cents, a zero balance gets nothing");
		alloc_is(ALLOC_PROPORTIONAL, 1, b, 4, (int64_t[]) {0, 0, 1, 0},
				 "proportional of one cent goes to the largest remainder");
		alloc_is(ALLOC_SMALLEST_FIRST, 5000, b, 4, (int64_t[]) {3333, 1667, 0, 0},
				 "smallest_first skips the zero balance harmlessly");
	}
	{
		int64_t		b[] = {1, 2};

		alloc_is(ALLOC_PROPORTIONAL, 1, b, 2, (int64_t[]) {0, 1}, "proportional 1 over 1/2: remainders 1 and 2");
		alloc_is(ALLOC_PROPORTIONAL, 2, b, 2, (int64_t[]) {1, 1}, "proportional 2 over 1/2: remainders 2 and 1");
	}
	{
		/* Large values: the product amount * balance needs 128 bits. */
		int64_t		b[] = {INT64_MAX / 2, INT64_MAX / 2};

		alloc_is(ALLOC_PROPORTIONAL, INT64_MAX / 2, b, 2, (int64_t[]) {INT64_MAX / 4 + 1, INT64_MAX / 4},
				 "proportional with products beyond 64 bits");
	}
	alloc_is(ALLOC_PROPORTIONAL, 10, NULL, 0, NULL, "no balances, nothing allocated");

	{
		int64_t		b[] = {1, -2, 3};

		ok(alloc_compute(ALLOC_FIFO, 1, b, 3, result, scratch, &bad) == ALLOC_ERR_NEGATIVE && bad == 1,
		   "a negative balance is refused with its position");
		ok(alloc_compute(ALLOC_FIFO, -1, b, 3, result, scratch, &bad) == ALLOC_ERR_NEGATIVE && bad == 3,
		   "a negative amount is refused (position n)");
	}
	{
		int64_t		b[] = {INT64_MAX, 0, 1};

		ok(alloc_compute(ALLOC_FIFO, 1, b, 3, result, scratch, &bad) == ALLOC_ERR_SUM_OUT_OF_RANGE && bad == 2,
		   "balances adding up beyond int64 are refused");
	}
}

/* ---- allocation: properties over random inputs ---------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A value of a random magnitude below limit (> 0). */
static int64_t
rand_value(int64_t limit)
{
	int			bits = (int) (rng() % 63) + 1;
	uint64_t	v = rng() & ((bits >= 64) ? UINT64_MAX : ((UINT64_C(1) << bits) - 1));

	if (rng() % 5 == 0)
		v = rng() % 4;			/* zeros and tiny balances */
	return (int64_t) (v % (uint64_t) limit);
}

static int
check_properties(AllocStrategy s, int64_t amount, const int64_t *b, size_t n, char *why)
{
	int64_t		r[MAXN];
	AllocScratch scratch[MAXN];
	size_t		bad = 0;
	int64_t		total = 0,
				sum = 0,
				target;
	size_t		i,
				j;

	for (i = 0; i < n; i++)
		total += b[i];
	if (alloc_compute(s, amount, b, n, r, scratch, &bad) != ALLOC_OK)
		return sprintf(why, "status not OK"), 0;
	target = amount < total ? amount : total;
	for (i = 0; i < n; i++)
	{
		if (r[i] < 0 || r[i] > b[i])
			return sprintf(why, "part %zu = %" PRId64 " outside 0..%" PRId64, i, r[i], b[i]), 0;
		sum += r[i];
	}
	if (sum != target)
		return sprintf(why, "parts add up to %" PRId64 ", not %" PRId64, sum, target), 0;

	switch (s)
	{
		case ALLOC_FIFO:
			/* Once a balance is not filled, nothing after it gets anything. */
			for (i = 0; i < n; i++)
				if (r[i] < b[i])
					for (j = i + 1; j < n; j++)
						if (r[j] != 0)
							return sprintf(why, "fifo gave to %zu before filling %zu", j, i), 0;
			break;
		case ALLOC_SMALLEST_FIRST:
		case ALLOC_LARGEST_FIRST:
			/* A balance before another in the order is filled before it gets anything. */
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
				{
					int			i_first = s == ALLOC_SMALLEST_FIRST
						? (b[i] < b[j] || (b[i] == b[j] && i < j))
						: (b[i] > b[j] || (b[i] == b[j] && i < j));

					if (i != j && i_first && r[j] > 0 && r[i] < b[i])
						return sprintf(why, "order: %zu got money before %zu was filled", j, i), 0;
				}
			break;
		case ALLOC_EXACT_FIRST:
			for (i = 0; i < n; i++)
				if (b[i] == amount && amount > 0)
				{
					for (j = 0; j < n; j++)
						if (r[j] != (j == i ? amount : 0))
							return sprintf(why, "exact_first: balance %zu equals the amount", i), 0;
					break;
				}
			break;
		case ALLOC_PROPORTIONAL:
			if (amount >= total)
			{
				for (i = 0; i < n; i++)
					if (r[i] != b[i])
						return sprintf(why, "proportional with enough money must pay all"), 0;
			}
#if defined(__SIZEOF_INT128__)
			else
			{
				/* Each part is floor or floor + 1 of the exact share, and a
				 * larger remainder never loses the unit to a smaller one. */
				for (i = 0; i < n; i++)
				{
					unsigned __int128 p = (unsigned __int128) amount * (uint64_t) b[i];
					int64_t		fl = (int64_t) (p / (uint64_t) total);

					if (r[i] != fl && r[i] != fl + 1)
						return sprintf(why, "part %zu = %" PRId64 " not within one of %" PRId64, i, r[i], fl), 0;
				}
				for (i = 0; i < n; i++)
					for (j = 0; j < n; j++)
					{
						unsigned __int128 pi = (unsigned __int128) amount * (uint64_t) b[i];
						unsigned __int128 pj = (unsigned __int128) amount * (uint64_t) b[j];
						uint64_t	ri = (uint64_t) (pi % (uint64_t) total);
						uint64_t	rj = (uint64_t) (pj % (uint64_t) total);
						int			up_i = r[i] != (int64_t) (pi / (uint64_t) total);
						int			up_j = r[j] != (int64_t) (pj / (uint64_t) total);

						if (up_j && !up_i && (ri > rj || (ri == rj && i < j)))
							return sprintf(why, "remainder order: %zu rounded up before %zu", j, i), 0;
					}
			}
#endif
			break;
	}
	return 1;
}

static void
random_cases(void)
{
	AllocStrategy strategies_all[] = {ALLOC_FIFO, ALLOC_PROPORTIONAL, ALLOC_SMALLEST_FIRST,
	ALLOC_LARGEST_FIRST, ALLOC_EXACT_FIRST};
	int			k;
	char		why[200];

	for (k = 0; k < 5; k++)
	{
		AllocStrategy s = strategies_all[k];
		int			failures = 0;
		int			iter;

		why[0] = '\0';
		for (iter = 0; iter < 20000; iter++)
		{
			int64_t		b[MAXN];
			size_t		n = (size_t) (rng() % MAXN);
			int64_t		limit = (int64_t) (INT64_MAX / (int64_t) (n + 1));
			int64_t		amount;
			size_t		i;

			if (rng() % 3 == 0)
				limit = 1000;	/* small books: many ties */
			for (i = 0; i < n; i++)
				b[i] = rand_value(limit) + (rng() % 2);
			amount = rand_value(limit * (int64_t) (n + 1) / 2 + 1);
			if (n > 0 && rng() % 4 == 0)
				amount = b[rng() % n];	/* exact matches */
			if (!check_properties(s, amount, b, n, why))
			{
				failures++;
				break;
			}
		}
		ok(failures == 0, "%s: properties hold over 20000 random books%s%s",
		   alloc_strategy_name(s), failures ? ": " : "", failures ? why : "");
	}
}

int
main(void)
{
	conversions();
	strategies();
	hand_cases();
	random_cases();
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
