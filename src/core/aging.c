/*
 * core/aging.c: parser, canonical text, labels, fixed-point formatting and
 * the aggregate-state codec of the aging buckets.  Plain C; see aging.h.
 */
#include "aging.h"

#include <stdio.h>

#define AGING_BOUND_MAX 2147483647

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Copy at most AGING_QUOTE_MAX bytes of s into out (NUL-terminated),
 * cutting at a UTF-8 character boundary and marking a cut with "...".
 * out must hold AGING_QUOTE_MAX + 4 bytes.
 */
static void
quote_part(const char *s, size_t len, char *out)
{
	size_t		n = len;
	bool		cut = false;

	if (n > AGING_QUOTE_MAX)
	{
		n = AGING_QUOTE_MAX;
		/* back up over UTF-8 continuation bytes (10xxxxxx) */
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	memcpy(out, s, n);
	if (cut)
	{
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static AgingStatus
fail(AgingError *err, AgingStatus status, const char *detail, const char *fmt,
	 const char *part, size_t partlen, long extra)
{
	char		quoted[AGING_QUOTE_MAX + 4];

	if (err == NULL)
		return status;
	quote_part(part, partlen, quoted);
	err->status = status;
	snprintf(err->message, sizeof(err->message), fmt, quoted, extra);
	snprintf(err->detail, sizeof(err->detail), "%s", detail);
	return status;
}

AgingStatus
aging_parse(const char *text, size_t len, int32_t bounds[AGING_MAX_BOUNDS],
			int *nbounds, AgingError *err)
{
	size_t		pos = 0;
	int			n = 0;
	int			part_no = 0;
	bool		blank = true;
	size_t		i;

	*nbounds = 0;
	for (i = 0; i < len; i++)
		if (!is_space(text[i]))
		{
			blank = false;
			break;
		}
	if (blank)
		return fail(err, AGING_EMPTY, "Aging buckets need at least one bound.",
					"invalid aging buckets \"%s\": no bounds given", text, len, 0);

	while (pos <= len)
	{
		size_t		start = pos;
		size_t		end;
		size_t		tb,
					te;
		size_t		k;
		bool		negative = false;
		int64_t		v = 0;
		bool		overflow = false;

		while (pos < len && text[pos] != ',')
			pos++;
		end = pos;
		part_no++;

		tb = start;
		te = end;
		while (tb < te && is_space(text[tb]))
			tb++;
		while (te > tb && is_space(text[te - 1]))
			te--;
		if (tb == te)
			return fail(err, AGING_EMPTY_BOUND,
						"Two commas follow each other, or a comma begins or ends the list.",
						"invalid aging buckets \"%s\": bound %ld is empty", text, len, part_no);

		k = tb;
		if (text[k] == '-')
		{
			negative = true;
			k++;
		}
		if (k == te)
			return fail(err, AGING_SYNTAX, "A bound is a whole number of days past due, such as 30.",
						"invalid aging bucket bound \"%s\"", text + tb, te - tb, 0);
		for (; k < te; k++)
		{
			char		c = text[k];

			if (c < '0' || c > '9')
				return fail(err, AGING_SYNTAX, "A bound is a whole number of days past due, such as 30.",
							"invalid aging bucket bound \"%s\"", text + tb, te - tb, 0);
			if (!overflow)
			{
				v = v * 10 + (c - '0');
				if (v > AGING_BOUND_MAX)
					overflow = true;
			}
		}
		if (negative || v == 0)
			return fail(err, AGING_NOT_POSITIVE,
						"Bounds count days past due from 1; items not yet due are in the current bucket.",
						"aging bucket bound \"%s\" is not positive", text + tb, te - tb, 0);
		if (overflow)
			return fail(err, AGING_OUT_OF_RANGE, "A bound is at most 2147483647 days.",
						"aging bucket bound \"%s\" is out of range", text + tb, te - tb, 0);
		if (n == AGING_MAX_BOUNDS)
			return fail(err, AGING_TOO_MANY, "At most 32 bounds are allowed.",
						"too many aging bucket bounds at \"%s\"", text + tb, te - tb, 0);
		if (n > 0 && v == bounds[n - 1])
			return fail(err, AGING_DUPLICATE, "Each bound may appear once.",
						"aging bucket bound \"%s\" is repeated", text + tb, te - tb, 0);
		if (n > 0 && v < bounds[n - 1])
			return fail(err, AGING_DESCENDING, "Bounds must be in ascending order.",
						"aging bucket bound \"%s\" is less than the bound before it (%ld)",
						text + tb, te - tb, (long) bounds[n - 1]);
		bounds[n++] = (int32_t) v;
		pos = end + 1;			/* past the comma, or past the end */
	}
	*nbounds = n;
	return AGING_OK;
}

AgingStatus
aging_check(const int32_t *bounds, int nbounds, AgingError *err)
{
	int			i;

	if (nbounds < 1 || nbounds > AGING_MAX_BOUNDS)
	{
		if (err != NULL)
		{
			err->status = nbounds < 1 ? AGING_EMPTY : AGING_TOO_MANY;
			snprintf(err->message, sizeof(err->message),
					 "invalid aging buckets: %d bounds", nbounds);
			snprintf(err->detail, sizeof(err->detail),
					 "Aging buckets have 1 to %d bounds.", AGING_MAX_BOUNDS);
		}
		return nbounds < 1 ? AGING_EMPTY : AGING_TOO_MANY;
	}
	for (i = 0; i < nbounds; i++)
	{
		if (bounds[i] <= 0)
		{
			if (err != NULL)
			{
				err->status = AGING_NOT_POSITIVE;
				snprintf(err->message, sizeof(err->message),
						 "invalid aging buckets: bound %d is %ld, not positive", i + 1, (long) bounds[i]);
				snprintf(err->detail, sizeof(err->detail), "Bounds are positive numbers of days.");
			}
			return AGING_NOT_POSITIVE;
		}
		if (i > 0 && bounds[i] <= bounds[i - 1])
		{
			AgingStatus st = bounds[i] == bounds[i - 1] ? AGING_DUPLICATE : AGING_DESCENDING;

			if (err != NULL)
			{
				err->status = st;
				snprintf(err->message, sizeof(err->message),
						 "invalid aging buckets: bound %d (%ld) is not greater than bound %d (%ld)",
						 i + 1, (long) bounds[i], i, (long) bounds[i - 1]);
				snprintf(err->detail, sizeof(err->detail), "Bounds must be strictly ascending.");
			}
			return st;
		}
	}
	return AGING_OK;
}

size_t
aging_format(const int32_t *bounds, int nbounds, char buf[AGING_TEXT_SIZE])
{
	size_t		n = 0;
	int			i;

	buf[0] = '\0';
	for (i = 0; i < nbounds && i < AGING_MAX_BOUNDS; i++)
	{
		int			w = snprintf(buf + n, AGING_TEXT_SIZE - n, i == 0 ? "%ld" : ",%ld",
								 (long) bounds[i]);

		if (w < 0 || (size_t) w >= AGING_TEXT_SIZE - n)
			break;				/* cannot happen for int32 bounds */
		n += (size_t) w;
	}
	return n;
}

size_t
aging_label(const int32_t *bounds, int nbounds, int index, char buf[AGING_LABEL_SIZE])
{
	int			w;

	if (index < 0 || index > nbounds + 1 || nbounds < 1 || nbounds > AGING_MAX_BOUNDS)
		w = snprintf(buf, AGING_LABEL_SIZE, "%s", "");
	else if (index == 0)
		w = snprintf(buf, AGING_LABEL_SIZE, "%s", "current");
	else if (index == nbounds + 1)
		w = snprintf(buf, AGING_LABEL_SIZE, "%ld+", (long) bounds[nbounds - 1]);
	else
	{
		long		lo = index == 1 ? 1 : (long) bounds[index - 2] + 1;
		long		hi = (long) bounds[index - 1];

		if (lo == hi)
			w = snprintf(buf, AGING_LABEL_SIZE, "%ld", hi);
		else
			w = snprintf(buf, AGING_LABEL_SIZE, "%ld-%ld", lo, hi);
	}
	return w < 0 ? 0 : (size_t) w;
}

/* ---------------------------------------------------------------------
 * Fixed-point text.
 * --------------------------------------------------------------------- */

#if AGING_INT128
typedef unsigned __int128 aging_uacc;
#else
typedef uint64_t aging_uacc;
#endif

size_t
aging_format_scaled(aging_acc value, int dscale, char *buf, size_t size)
{
	char		digits[48];		/* magnitude, least significant first */
	int			nd = 0;
	aging_uacc	mag;
	int			frac;			/* fractional digits to print */
	int			lowest_nonzero = 0; /* fractional digits needed to be exact */
	int			intdigits;
	size_t		need;
	size_t		n = 0;
	int			i;

	if (dscale < 0)
		dscale = 0;
	mag = value < 0 ? (aging_uacc) (-(value + 1)) + 1 : (aging_uacc) value;
	do
	{
		digits[nd++] = (char) ('0' + (int) (mag % 10));
		mag /= 10;
	} while (mag != 0);
	/* at least AGING_FRAC_DIGITS + 1 digits, so there is an integer digit */
	while (nd < AGING_FRAC_DIGITS + 1)
		digits[nd++] = '0';

	for (i = 0; i < AGING_FRAC_DIGITS; i++)
		if (digits[i] != '0')
		{
			lowest_nonzero = AGING_FRAC_DIGITS - i;
			break;
		}
	frac = dscale > lowest_nonzero ? dscale : lowest_nonzero;
	intdigits = nd - AGING_FRAC_DIGITS;

	need = (value < 0 ? 1 : 0) + (size_t) intdigits + (frac > 0 ? 1 + (size_t) frac : 0);
	if (need + 1 > size)
	{
		if (size > 0)
			buf[0] = '\0';
		return 0;
	}
	if (value < 0)
		buf[n++] = '-';
	for (i = nd - 1; i >= AGING_FRAC_DIGITS; i--)
		buf[n++] = digits[i];
	if (frac > 0)
	{
		buf[n++] = '.';
		for (i = 0; i < frac; i++)
			buf[n++] = i < AGING_FRAC_DIGITS ? digits[AGING_FRAC_DIGITS - 1 - i] : '0';
	}
	buf[n] = '\0';
	return n;
}

void
aging_sums_init(AgingSums *s, const int32_t *bounds, int nbounds)
{
	int			i;

	memset(s, 0, sizeof(*s));
	s->nbounds = nbounds;
	for (i = 0; i < AGING_MAX_BOUNDS; i++)
		s->bounds[i] = i < nbounds ? bounds[i] : AGING_BOUND_MAX;
}

/* ---------------------------------------------------------------------
 * Aggregate state codec.  Big-endian, explicit sizes.
 * --------------------------------------------------------------------- */

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t) (v >> 32));
	put_u32(p + 4, (uint32_t) v);
}

static uint64_t
get_u64(const uint8_t *p)
{
	return ((uint64_t) get_u32(p) << 32) | get_u32(p + 4);
}

#define STATE_HEADER	12		/* magic, version, nbounds */
#define BUCKET_FIXED	24		/* accumulator, dscale, extra length */

size_t
aging_state_size(const AgingSums *s, const size_t *extra_len)
{
	size_t		n = STATE_HEADER + 4 * (size_t) s->nbounds;
	int			i;

	for (i = 0; i < s->nbounds + 2; i++)
		n += BUCKET_FIXED + extra_len[i];
	return n;
}

size_t
aging_state_encode(const AgingSums *s, const char *const *extra,
				   const size_t *extra_len, uint8_t *out)
{
	size_t		n = 0;
	int			i;

	put_u32(out, AGING_STATE_MAGIC);
	put_u32(out + 4, AGING_STATE_VERSION);
	put_u32(out + 8, (uint32_t) s->nbounds);
	n = STATE_HEADER;
	for (i = 0; i < s->nbounds; i++, n += 4)
		put_u32(out + n, (uint32_t) s->bounds[i]);
	for (i = 0; i < s->nbounds + 2; i++)
	{
		aging_acc	v = s->sum[i];
#if AGING_INT128
		uint64_t	hi = (uint64_t) ((unsigned __int128) v >> 64);
#else
		uint64_t	hi = v < 0 ? UINT64_MAX : 0;
#endif

		put_u64(out + n, hi);
		put_u64(out + n + 8, (uint64_t) v);
		put_u32(out + n + 16, (uint32_t) s->dscale[i]);
		put_u32(out + n + 20, extra[i] == NULL ? UINT32_MAX : (uint32_t) extra_len[i]);
		n += BUCKET_FIXED;
		if (extra[i] != NULL)
		{
			memcpy(out + n, extra[i], extra_len[i]);
			n += extra_len[i];
		}
	}
	return n;
}

bool
aging_state_decode(const uint8_t *in, size_t len, AgingSums *s,
				   size_t extra_off[AGING_MAX_BUCKETS],
				   int64_t extra_len[AGING_MAX_BUCKETS],
				   char why[AGING_MSG_SIZE])
{
	size_t		n;
	uint32_t	nb;
	int			i;

	if (len < STATE_HEADER)
	{
		snprintf(why, AGING_MSG_SIZE, "%zu bytes are too few for a state header", len);
		return false;
	}
	if (get_u32(in) != AGING_STATE_MAGIC || get_u32(in + 4) != AGING_STATE_VERSION)
	{
		snprintf(why, AGING_MSG_SIZE, "unknown state format %08lx version %lu",
				 (unsigned long) get_u32(in), (unsigned long) get_u32(in + 4));
		return false;
	}
	nb = get_u32(in + 8);
	if (nb < 1 || nb > AGING_MAX_BOUNDS)
	{
		snprintf(why, AGING_MSG_SIZE, "%lu bounds", (unsigned long) nb);
		return false;
	}
	if (len - STATE_HEADER < 4 * (size_t) nb)
	{
		snprintf(why, AGING_MSG_SIZE, "%zu bytes are too few for %lu bounds", len, (unsigned long) nb);
		return false;
	}
	{
		int32_t		b[AGING_MAX_BOUNDS];

		n = STATE_HEADER;
		for (i = 0; i < (int) nb; i++, n += 4)
			b[i] = (int32_t) get_u32(in + n);
		if (aging_check(b, (int) nb, NULL) != AGING_OK)
		{
			snprintf(why, AGING_MSG_SIZE, "bounds are not positive and ascending");
			return false;
		}
		aging_sums_init(s, b, (int) nb);
	}
	for (i = 0; i < (int) nb + 2; i++)
	{
		uint64_t	hi,
					lo;
		uint32_t	ds,
					el;

		if (len - n < BUCKET_FIXED)
		{
			snprintf(why, AGING_MSG_SIZE, "bucket %d is cut short", i);
			return false;
		}
		hi = get_u64(in + n);
		lo = get_u64(in + n + 8);
		ds = get_u32(in + n + 16);
		el = get_u32(in + n + 20);
		n += BUCKET_FIXED;
#if AGING_INT128
		s->sum[i] = (aging_acc) (((unsigned __int128) hi << 64) | lo);
#else
		if (hi != ((lo >> 63) ? UINT64_MAX : 0))
		{
			snprintf(why, AGING_MSG_SIZE, "bucket %d sum does not fit in 64 bits", i);
			return false;
		}
		s->sum[i] = (aging_acc) lo;
#endif
		if (ds > 0x3FFF)
		{
			snprintf(why, AGING_MSG_SIZE, "bucket %d has display scale %lu", i, (unsigned long) ds);
			return false;
		}
		s->dscale[i] = (int32_t) ds;
		if (el == UINT32_MAX)
		{
			extra_off[i] = 0;
			extra_len[i] = -1;
			continue;
		}
		if (el > len - n)
		{
			snprintf(why, AGING_MSG_SIZE, "bucket %d exact part of %lu bytes is cut short",
					 i, (unsigned long) el);
			return false;
		}
		extra_off[i] = n;
		extra_len[i] = el;
		n += el;
	}
	if (n != len)
	{
		snprintf(why, AGING_MSG_SIZE, "%zu bytes left over", len - n);
		return false;
	}
	return true;
}
