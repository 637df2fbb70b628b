/*
 * core/aging.h: aging buckets and fast bucket sums, in plain C.
 *
 * Nothing here knows about the server: no palloc, no ereport, no fcinfo.
 * Inputs carry explicit lengths and are never assumed NUL-terminated;
 * outputs go to caller-provided buffers of stated size.  The fmgr layer in
 * src/aging.c turns the status codes and messages into ereport, and the
 * libFuzzer harness in test/fuzz/fuzz_aging.c links this file alone.
 *
 * Buckets.  Text form: ascending positive whole numbers of days past due,
 * separated by commas ("30,60,90").  n bounds make n + 2 buckets:
 * index 0 "current" (days_past_due <= 0), index i in 1..n the range
 * (b[i-2], b[i-1]] ("1-30", "31-60", "61-90"), and index n + 1 beyond the
 * last bound ("90+").
 *
 * Sums.  aging_sum adds numeric amounts per bucket.  The hot path decodes
 * PostgreSQL's on-disk numeric bytes (a stable storage format) into a
 * signed integer in units of 10^-8 and adds it to a per-bucket
 * accumulator; whatever that cannot represent exactly (NaN, infinities,
 * more than eight decimal places, values of 10^16 or more, accumulator
 * overflow) is left to the caller's exact numeric arithmetic.
 */
#ifndef PGR_CORE_AGING_H
#define PGR_CORE_AGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define AGING_MAX_BOUNDS	32
#define AGING_MAX_BUCKETS	(AGING_MAX_BOUNDS + 2)
/* "2147483647-2147483647" is the longest label: 21 bytes and a NUL. */
#define AGING_LABEL_SIZE	24
/* Longest canonical text: 32 bounds of 10 digits and 31 commas, and a NUL. */
#define AGING_TEXT_SIZE		(AGING_MAX_BOUNDS * 11 + 1)
#define AGING_MSG_SIZE		256

#if defined(__GNUC__) || defined(__clang__)
#define likely_aging(x)		__builtin_expect((x) != 0, 1)
#else
#define likely_aging(x)		(x)
#endif
/* At most this many bytes of an offending part are quoted in a message. */
#define AGING_QUOTE_MAX		40

typedef enum AgingStatus
{
	AGING_OK = 0,
	AGING_EMPTY,				/* no bounds at all */
	AGING_EMPTY_BOUND,			/* nothing between two commas */
	AGING_SYNTAX,				/* a part that is not a whole number */
	AGING_NOT_POSITIVE,			/* zero or negative */
	AGING_OUT_OF_RANGE,			/* above 2147483647 */
	AGING_DUPLICATE,			/* equal to the bound before it */
	AGING_DESCENDING,			/* less than the bound before it */
	AGING_TOO_MANY				/* more than AGING_MAX_BOUNDS */
} AgingStatus;

typedef struct AgingError
{
	AgingStatus status;
	char		message[AGING_MSG_SIZE];	/* lower case, no period */
	char		detail[AGING_MSG_SIZE];		/* a full sentence */
} AgingError;

/*
 * Parse the text form.  On success fills bounds[0..*nbounds-1] and returns
 * AGING_OK; otherwise returns the status and, when err is not NULL, a
 * message quoting the offending part.  ASCII white space around a bound is
 * allowed.
 */
extern AgingStatus aging_parse(const char *text, size_t len,
							   int32_t bounds[AGING_MAX_BOUNDS], int *nbounds,
							   AgingError *err);

/*
 * Check bounds that did not come from aging_parse (binary input, aggregate
 * state): count in 1..AGING_MAX_BOUNDS, every bound positive, strictly
 * ascending.  Messages name the bound by position.
 */
extern AgingStatus aging_check(const int32_t *bounds, int nbounds, AgingError *err);

/* Canonical text ("30,60,90") into buf; returns its length. */
extern size_t aging_format(const int32_t *bounds, int nbounds,
						   char buf[AGING_TEXT_SIZE]);

/* Label of bucket index (0 .. nbounds + 1) into buf; returns its length. */
extern size_t aging_label(const int32_t *bounds, int nbounds, int index,
						  char buf[AGING_LABEL_SIZE]);

/*
 * Bucket index of a number of days past due: 0 when days <= 0, otherwise
 * 1 + the number of bounds below days.  Bounds are positive, so for
 * days <= 0 every comparison is false and the sum is the answer without a
 * branch.  Short lists (the usual 3 to 6 bounds) are counted without
 * branches; long ones by binary search.
 */
static inline int
aging_index(const int32_t *bounds, int nbounds, int32_t days)
{
	if (nbounds <= 8)
	{
		int			idx = (days > 0);
		int			i;

		for (i = 0; i < nbounds; i++)
			idx += (days > bounds[i]);
		return idx;
	}
	else
	{
		int			lo = 0;
		int			hi = nbounds;

		if (days <= 0)
			return 0;
		/* first bound >= days */
		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;

			if (bounds[mid] < days)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo + 1;
	}
}

/* ---------------------------------------------------------------------
 * Fixed-point sums.
 * --------------------------------------------------------------------- */

#if defined(__SIZEOF_INT128__) && !defined(AGING_NO_INT128)
#define AGING_INT128 1
/*
 * Aligned like an int64: the sums live in palloc'd aggregate states, and
 * palloc aligns to 8 bytes only.  With the type's natural 16-byte alignment
 * the compiler may use aligned 16-byte loads and stores on them, undefined
 * behaviour that UBSan reports (make sanitize) and that can fault.  This is
 * what PostgreSQL's own int128 typedef does.
 */
typedef __int128 aging_acc __attribute__((aligned(8)));
/* Largest numeric weight (in base-10000 digits) decoded: values < 10^16. */
#define AGING_MAX_WEIGHT 3
#else
#define AGING_INT128 0
typedef int64_t aging_acc;
/* Without 128-bit integers only values < 10^8 take the fast path. */
#define AGING_MAX_WEIGHT 1
#endif

/* The accumulators count units of 10^-AGING_FRAC_DIGITS. */
#define AGING_FRAC_DIGITS	8
/* ... which is two base-10000 fractional digits of a numeric. */
#define AGING_FRAC_NBASE	2

/*
 * Decode a numeric from PostgreSQL's storage format: data points at the
 * bytes after the varlena header, len is their count.  The layout (from
 * the server's numeric.c):
 *
 *   header word (uint16), native byte order:
 *     10xx xxxx xxxx xxxx  short form: bit 13 sign, bits 7..12 display
 *                          scale, bits 0..6 weight (two's complement)
 *     11xx ...             special: NaN (0xC000), +Inf (0xD000), -Inf (0xF000)
 *     0sxx xxxx xxxx xxxx  long form: bit 14 sign, bits 0..13 display
 *                          scale, followed by an int16 weight
 *   then base-10000 digits (int16, 0..9999), most significant first; the
 *   first has weight "weight", i.e. value = sum d[i] * 10000^(weight - i).
 *
 * Returns true and sets *value (units of 10^-8) and *dscale when the value
 * is finite, below 10^(4 * (AGING_MAX_WEIGHT + 1)) and has no non-zero
 * digit beyond eight decimal places; false otherwise (and for anything
 * malformed), in which case the caller adds the value exactly instead.
 * Never reads outside data[0..len-1].
 */
static inline bool
aging_numeric_decode(const uint8_t *data, size_t len, aging_acc *value, int *dscale)
{
	/* 10000^k for k = 0 .. AGING_MAX_WEIGHT + AGING_FRAC_NBASE, when < 2^64 */
	static const uint64_t scale[5] = {
		1, 10000, 100000000, 1000000000000ULL, 10000000000000000ULL
	};
	uint16_t	head;
	size_t		off;
	size_t		ndigits;
	int			weight;
	int			lowest;
	bool		negative;
	aging_acc	v;
	size_t		i;

	if (len < 2)
		return false;
	memcpy(&head, data, sizeof(head));
	if ((head & 0x8000) != 0)
	{
		if ((head & 0xC000) == 0xC000)
			return false;		/* NaN or an infinity */
		negative = (head & 0x2000) != 0;
		*dscale = (head & 0x1F80) >> 7;
		weight = (head & 0x0040) ? (int) (head & 0x003F) - 64 : (int) (head & 0x003F);
		off = 2;
	}
	else
	{
		int16_t		w;

		if (len < 4)
			return false;
		negative = (head & 0x4000) != 0;
		*dscale = head & 0x3FFF;
		memcpy(&w, data + 2, sizeof(w));
		weight = w;
		off = 4;
	}
	if (((len - off) & 1) != 0)
		return false;
	ndigits = (len - off) / 2;
	if (ndigits == 0)
	{
		*value = 0;				/* zero has no digits */
		return true;
	}
	if (weight > AGING_MAX_WEIGHT)
		return false;
	/* Base-10000 exponent of the last digit; below -2 is below 10^-8. */
	lowest = weight - (int) (ndigits - 1);
	if (lowest < -AGING_FRAC_NBASE)
		return false;
	/* ndigits <= weight + 3 <= AGING_MAX_WEIGHT + 3 */
	if (ndigits <= 4)
	{
		/* the usual case: fewer than 16 decimal digits, in 64 bits */
		uint64_t	u = 0;
		int64_t		r;

		for (i = 0; i < ndigits; i++)
		{
			uint16_t	d;

			memcpy(&d, data + off + 2 * i, sizeof(d));
			if (d > 9999)
				return false;
			u = u * 10000 + d;
		}
		/*
		 * To units of 10^-8: times 10000^(lowest + 2).  Amounts below about
		 * 9 * 10^10 stay in 64 bits; larger ones take one 128-bit multiply.
		 */
		if (lowest + AGING_FRAC_NBASE <= 4)
		{
			if (likely_aging(!__builtin_mul_overflow((int64_t) u,
													 (int64_t) scale[lowest + AGING_FRAC_NBASE], &r)))
			{
				*value = negative ? -(aging_acc) r : (aging_acc) r;
				return true;
			}
			v = (aging_acc) u * (aging_acc) scale[lowest + AGING_FRAC_NBASE];
			*value = negative ? -v : v;
			return true;
		}
		v = (aging_acc) u;
	}
	else
	{
		v = 0;
		for (i = 0; i < ndigits; i++)
		{
			int16_t		d;

			memcpy(&d, data + off + 2 * i, sizeof(d));
			if (d < 0 || d > 9999)
				return false;
			v = v * 10000 + d;
		}
	}
	/*
	 * To units of 10^-8: times 10000^(lowest + 2).  The result has
	 * weight + 3 <= AGING_MAX_WEIGHT + 3 base-10000 digits, so it fits.
	 */
	if (lowest + AGING_FRAC_NBASE <= 4)
		v *= (aging_acc) scale[lowest + AGING_FRAC_NBASE];
	else
		v *= (aging_acc) scale[4] * (aging_acc) scale[lowest + AGING_FRAC_NBASE - 4];
	*value = negative ? -v : v;
	return true;
}

/*
 * Add a decoded value to an accumulator; false (and *acc unchanged) on
 * overflow, when the caller moves the accumulator to its exact sum first.
 */
static inline bool
aging_acc_add(aging_acc *acc, aging_acc value)
{
	aging_acc	r;

	if (__builtin_add_overflow(*acc, value, &r))
		return false;
	*acc = r;
	return true;
}

/*
 * Decimal text of an accumulator (units of 10^-8) with at least dscale
 * fractional digits, more if needed to stay exact: "-1234.50" for
 * -123450000000 with dscale 2.  buf must have room for
 * AGING_SCALED_SIZE(dscale) bytes; returns the length written.
 */
#define AGING_SCALED_SIZE(dscale) ((size_t) 48 + (size_t) ((dscale) > AGING_FRAC_DIGITS ? (dscale) : AGING_FRAC_DIGITS))
extern size_t aging_format_scaled(aging_acc value, int dscale, char *buf, size_t size);

/* ---------------------------------------------------------------------
 * Aggregate state.  The fmgr layer keeps, per bucket, the fast
 * accumulator and its display scale, plus an exact numeric for what the
 * fast path could not take (kept there as text when serialized).
 * --------------------------------------------------------------------- */

typedef struct AgingSums
{
	int			nbounds;
	int32_t		bounds[AGING_MAX_BOUNDS];	/* unused ones hold INT32_MAX */
	aging_acc	sum[AGING_MAX_BUCKETS];
	int32_t		dscale[AGING_MAX_BUCKETS];
} AgingSums;

/* Start empty sums over these (valid) bounds. */
extern void aging_sums_init(AgingSums *s, const int32_t *bounds, int nbounds);

/*
 * aging_index for the aggregate's hot path: the same answer, with the
 * common short lists counted inline.
 */
static inline int
aging_sums_index(const AgingSums *s, int32_t days)
{
	return aging_index(s->bounds, s->nbounds, days);
}

/* Serialized: magic, version, nbounds, bounds, then per bucket the
 * accumulator (16 bytes, two's complement, big-endian), the display scale
 * and the exact part as text (length, -1 when absent, then bytes). */
#define AGING_STATE_MAGIC	0x41474553u		/* "AGES" */
#define AGING_STATE_VERSION 1

/* Bytes aging_state_encode writes for these sums and exact parts. */
extern size_t aging_state_size(const AgingSums *s, const size_t *extra_len);

/*
 * Write the state to out (aging_state_size bytes).  extra[i] / extra_len[i]
 * is bucket i's exact part as text, or NULL.
 */
extern size_t aging_state_encode(const AgingSums *s, const char *const *extra,
								 const size_t *extra_len, uint8_t *out);

/*
 * Read a state written by aging_state_encode, checking every size and the
 * bounds.  On success fills *s and, per bucket, the offset and length of
 * the exact part's text inside in (length -1 when absent) and returns
 * true; otherwise returns false with a reason in why.
 */
extern bool aging_state_decode(const uint8_t *in, size_t len, AgingSums *s,
							   size_t extra_off[AGING_MAX_BUCKETS],
							   int64_t extra_len[AGING_MAX_BUCKETS],
							   char why[AGING_MSG_SIZE]);

#endif							/* PGR_CORE_AGING_H */
