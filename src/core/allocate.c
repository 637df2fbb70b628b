/*
 * allocate.c: splitting an amount over balances, in integer minor units.
 *
 * See allocate.h for the interface and docs/payments.md for the strategies.
 * All arithmetic is on int64 minor units; every step that could overflow is
 * checked, and the pro-rata step multiplies in 128 bits so that no amount a
 * ledger can hold is out of reach.
 */
#include "allocate.h"

#include <stdlib.h>
#include <string.h>

static const char *const strategy_names[] = {
	[ALLOC_FIFO] = "fifo",
	[ALLOC_PROPORTIONAL] = "proportional",
	[ALLOC_SMALLEST_FIRST] = "smallest_first",
	[ALLOC_LARGEST_FIRST] = "largest_first",
	[ALLOC_EXACT_FIRST] = "exact_first",
};

#define N_STRATEGIES (sizeof(strategy_names) / sizeof(strategy_names[0]))

int
alloc_strategy_from_name(const char *name, size_t len, AllocStrategy *out)
{
	size_t		i;

	if (name == NULL)
		return 0;
	for (i = 0; i < N_STRATEGIES; i++)
	{
		if (strlen(strategy_names[i]) == len && memcmp(strategy_names[i], name, len) == 0)
		{
			*out = (AllocStrategy) i;
			return 1;
		}
	}
	return 0;
}

const char *
alloc_strategy_name(AllocStrategy strategy)
{
	if ((size_t) strategy < N_STRATEGIES)
		return strategy_names[strategy];
	return "?";
}

const char *
alloc_strategy_names(void)
{
	return "fifo, proportional, smallest_first, largest_first, exact_first";
}

/* ------------------------------------------------------------------------
 * Conversions between decimal text and minor units
 * ------------------------------------------------------------------------ */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* v = v * 10 + d, unless that leaves int64; returns 0 on overflow. */
static int
push_digit(int64_t *v, int d)
{
	if (*v > (INT64_MAX - d) / 10)
		return 0;
	*v = *v * 10 + d;
	return 1;
}

static int
text_equals(const char *text, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(text, word, len) == 0;
}

AllocStatus
alloc_parse_units(const char *text, size_t len, int minor_unit, int64_t *out)
{
	size_t		p = 0;
	size_t		digits = 0;
	size_t		k;
	int64_t		v = 0;
	int			negative = 0;
	int			nonzero = 0;
	int			overflow = 0;
	int			not_whole = 0;

	if (minor_unit < 0 || minor_unit > ALLOC_MAX_MINOR_UNIT)
		return ALLOC_ERR_MINOR_UNIT;
	if (text == NULL)
		return ALLOC_ERR_SYNTAX;
	if (text_equals(text, len, "NaN") || text_equals(text, len, "Infinity")
		|| text_equals(text, len, "-Infinity"))
		return ALLOC_ERR_NOT_FINITE;

	if (p < len && (text[p] == '-' || text[p] == '+'))
	{
		negative = text[p] == '-';
		p++;
	}
	for (; p < len && is_digit(text[p]); p++, digits++)
	{
		int			d = text[p] - '0';

		nonzero |= d != 0;
		if (!overflow && !push_digit(&v, d))
			overflow = 1;
	}
	k = 0;
	if (p < len && text[p] == '.')
	{
		for (p++; p < len && is_digit(text[p]); p++, digits++, k++)
		{
			int			d = text[p] - '0';

			nonzero |= d != 0;
			if (k < (size_t) minor_unit)
			{
				if (!overflow && !push_digit(&v, d))
					overflow = 1;
			}
			else if (d != 0)
				not_whole = 1;
		}
	}
	if (p != len || digits == 0)
		return ALLOC_ERR_SYNTAX;
	for (; k < (size_t) minor_unit; k++)
		if (!overflow && !push_digit(&v, 0))
			overflow = 1;

	if (negative && nonzero)
		return ALLOC_ERR_NEGATIVE;
	if (not_whole)
		return ALLOC_ERR_NOT_WHOLE;
	if (overflow)
		return ALLOC_ERR_OUT_OF_RANGE;
	*out = v;
	return ALLOC_OK;
}

size_t
alloc_format_units(int64_t units, int minor_unit, char *buf, size_t buflen)
{
	char		rev[ALLOC_UNITS_BUFLEN];
	size_t		n = 0;
	size_t		len = 0;
	uint64_t	mag;
	int			negative = units < 0;

	if (minor_unit < 0 || minor_unit > ALLOC_MAX_MINOR_UNIT || buf == NULL
		|| buflen < ALLOC_UNITS_BUFLEN)
		return 0;
	/* Magnitude without overflowing on INT64_MIN. */
	mag = negative ? (uint64_t) (-(units + 1)) + 1 : (uint64_t) units;
	do
	{
		rev[n++] = (char) ('0' + mag % 10);
		mag /= 10;
	} while (mag > 0);
	/* At least one digit before the point. */
	while (n < (size_t) minor_unit + 1)
		rev[n++] = '0';

	if (negative)
		buf[len++] = '-';
	while (n > 0)
	{
		if (minor_unit > 0 && n == (size_t) minor_unit)
			buf[len++] = '.';
		buf[len++] = rev[--n];
	}
	buf[len] = '\0';
	return len;
}

/* ------------------------------------------------------------------------
 * Allocation
 * ------------------------------------------------------------------------ */

/*
 * q = a * b / d and r = a * b % d for a * b / d < 2^64, d > 0.  With a
 * 128-bit type where the compiler has one; otherwise (or when built with
 * ALLOC_NO_INT128, as the unit test also does) by long division.
 */
static void
mul_div(uint64_t a, uint64_t b, uint64_t d, uint64_t *q, uint64_t *r)
{
#if defined(__SIZEOF_INT128__) && !defined(ALLOC_NO_INT128)
	unsigned __int128 p = (unsigned __int128) a * b;

	*q = (uint64_t) (p / d);
	*r = (uint64_t) (p % d);
#else
	uint64_t	a_lo = a & 0xffffffffu,
				a_hi = a >> 32;
	uint64_t	b_lo = b & 0xffffffffu,
				b_hi = b >> 32;
	uint64_t	p0 = a_lo * b_lo,
				p1 = a_lo * b_hi,
				p2 = a_hi * b_lo,
				p3 = a_hi * b_hi;
	uint64_t	mid = (p0 >> 32) + (p1 & 0xffffffffu) + (p2 & 0xffffffffu);
	uint64_t	lo = (p0 & 0xffffffffu) | (mid << 32);
	uint64_t	hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
	uint64_t	rem = hi % d;	/* hi < d when the quotient fits; be safe */
	uint64_t	quo = 0;
	int			i;

	for (i = 63; i >= 0; i--)
	{
		uint64_t	carry = rem >> 63;

		rem = (rem << 1) | ((lo >> i) & 1);
		quo <<= 1;
		if (carry || rem >= d)
		{
			rem -= d;
			quo |= 1;
		}
	}
	*q = quo;
	*r = rem;
#endif
}

/* Ascending key, then input position: a total order, so qsort is stable. */
static int
cmp_key_asc(const void *a, const void *b)
{
	const AllocScratch *x = a;
	const AllocScratch *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index);
}

/* Descending key, then input position. */
static int
cmp_key_desc(const void *a, const void *b)
{
	const AllocScratch *x = a;
	const AllocScratch *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index);
}

/* Greedy fill in the order of scratch[0..n). */
static void
fill_in_order(int64_t amount, const int64_t *balances, size_t n,
			  int64_t *result, const AllocScratch *order)
{
	int64_t		left = amount;
	size_t		k;

	for (k = 0; k < n && left > 0; k++)
	{
		size_t		i = order ? order[k].index : k;
		int64_t		give = balances[i] < left ? balances[i] : left;

		result[i] = give;
		left -= give;
	}
}

static void
fill_sorted(int64_t amount, const int64_t *balances, size_t n, int64_t *result,
			AllocScratch *scratch, int descending)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		scratch[i].index = i;
		scratch[i].key = balances[i];
	}
	qsort(scratch, n, sizeof(AllocScratch), descending ? cmp_key_desc : cmp_key_asc);
	fill_in_order(amount, balances, n, result, scratch);
}

/*
 * Pro rata with largest-remainder rounding (Hamilton's method): balance i
 * first gets floor(amount * b_i / total); the units still missing go, one
 * each, to the balances with the largest remainders, earlier positions
 * first among equal remainders.  A balance with a remainder is below its
 * exact share, which is below the balance, so the extra unit never pushes it
 * past its balance.  Called only with amount < total.
 */
static void
fill_proportional(int64_t amount, int64_t total, const int64_t *balances, size_t n,
				  int64_t *result, AllocScratch *scratch)
{
	int64_t		given = 0;
	int64_t		left;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		uint64_t	q,
					r;

		mul_div((uint64_t) amount, (uint64_t) balances[i], (uint64_t) total, &q, &r);
		result[i] = (int64_t) q;
		given += (int64_t) q;
		scratch[i].index = i;
		scratch[i].key = (int64_t) r;
	}
	left = amount - given;		/* 0 <= left < n */
	if (left == 0)
		return;
	qsort(scratch, n, sizeof(AllocScratch), cmp_key_desc);
	for (i = 0; i < n && left > 0; i++, left--)
		result[scratch[i].index] += 1;
}

AllocStatus
alloc_compute(AllocStrategy strategy, int64_t amount, const int64_t *balances, size_t n,
			  int64_t *result, AllocScratch *scratch, size_t *bad_index)
{
	int64_t		total = 0;
	size_t		i;

	if (amount < 0)
	{
		*bad_index = n;
		return ALLOC_ERR_NEGATIVE;
	}
	for (i = 0; i < n; i++)
	{
		if (balances[i] < 0)
		{
			*bad_index = i;
			return ALLOC_ERR_NEGATIVE;
		}
		if (balances[i] > INT64_MAX - total)
		{
			*bad_index = i;
			return ALLOC_ERR_SUM_OUT_OF_RANGE;
		}
		total += balances[i];
		result[i] = 0;
	}
	if (amount == 0 || total == 0)
		return ALLOC_OK;

	switch (strategy)
	{
		case ALLOC_FIFO:
			fill_in_order(amount, balances, n, result, NULL);
			break;
		case ALLOC_SMALLEST_FIRST:
			fill_sorted(amount, balances, n, result, scratch, 0);
			break;
		case ALLOC_LARGEST_FIRST:
			fill_sorted(amount, balances, n, result, scratch, 1);
			break;
		case ALLOC_EXACT_FIRST:
			for (i = 0; i < n; i++)
			{
				if (balances[i] == amount)
				{
					result[i] = amount;
					return ALLOC_OK;
				}
			}
			fill_in_order(amount, balances, n, result, NULL);
			break;
		case ALLOC_PROPORTIONAL:
			if (amount >= total)
				memcpy(result, balances, n * sizeof(int64_t));
			else
				fill_proportional(amount, total, balances, n, result, scratch);
			break;
	}
	return ALLOC_OK;
}
