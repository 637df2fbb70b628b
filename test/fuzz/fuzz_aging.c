/*
 * fuzz_aging.c: libFuzzer harness for src/core/aging.c (no PostgreSQL).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *     test/fuzz/fuzz_aging.c src/core/aging.c -o /tmp/fuzz_aging
 *   /tmp/fuzz_aging -max_total_time=300 test/fuzz/corpus/aging
 *
 * Add -DAGING_NO_INT128 to both files to fuzz the 64-bit build.
 *
 * Every input is fed, as an exactly-sized heap copy (so ASan sees any read
 * past the end), to the three readers of outside bytes:
 *   1. aging_parse (the text form), with round-trip and lookup checks;
 *   2. aging_numeric_decode (PostgreSQL numeric storage bytes), checked
 *      against an independent slow decoder;
 *   3. aging_state_decode (a serialized aggregate state), re-encoded to the
 *      same bytes.
 * Any inconsistency aborts.
 */
#include "aging.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond) \
	do { if (!(cond)) { fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); abort(); } } while (0)

static void
check_error(const AgingError *err)
{
	CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL);
	CHECK(memchr(err->detail, '\0', sizeof(err->detail)) != NULL);
	CHECK(err->message[0] != '\0');
	CHECK(err->detail[0] != '\0');
}

static void
fuzz_parse(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size ? size : 1);
	int32_t		bounds[AGING_MAX_BOUNDS];
	int32_t		again[AGING_MAX_BOUNDS];
	int			n,
				m,
				i;
	AgingError	err;
	char		canon[AGING_TEXT_SIZE];
	size_t		clen;
	AgingStatus st;

	memcpy(text, data, size);
	st = aging_parse(text, size, bounds, &n, &err);
	if (st != AGING_OK)
	{
		CHECK(err.status == st);
		check_error(&err);
		free(text);
		return;
	}
	CHECK(n >= 1 && n <= AGING_MAX_BOUNDS);
	CHECK(aging_check(bounds, n, NULL) == AGING_OK);

	/* canonical text parses back to the same bounds */
	clen = aging_format(bounds, n, canon);
	CHECK(clen == strlen(canon) && clen < AGING_TEXT_SIZE);
	CHECK(aging_parse(canon, clen, again, &m, NULL) == AGING_OK);
	CHECK(m == n && memcmp(again, bounds, sizeof(int32_t) * n) == 0);

	/* labels: one per bucket, non-empty, "current" first */
	for (i = 0; i <= n + 1; i++)
	{
		char		label[AGING_LABEL_SIZE];
		size_t		l = aging_label(bounds, n, i, label);

		CHECK(l > 0 && l < AGING_LABEL_SIZE && l == strlen(label));
		if (i == 0)
			CHECK(strcmp(label, "current") == 0);
	}

	/* lookup: the reference count, both lookups agree, monotonic */
	{
		AgingSums	sums;
		int32_t		probes[8 + 4 * AGING_MAX_BOUNDS];
		int			np = 0;
		int			prev = -1;
		int			k;

		aging_sums_init(&sums, bounds, n);
		probes[np++] = INT32_MIN;
		probes[np++] = -1;
		probes[np++] = 0;
		probes[np++] = 1;
		for (i = 0; i < n; i++)
		{
			probes[np++] = bounds[i] - 1;
			probes[np++] = bounds[i];
			if (bounds[i] < INT32_MAX)
				probes[np++] = bounds[i] + 1;
		}
		probes[np++] = INT32_MAX;
		/* probes are ascending except for duplicates; sort them */
		for (i = 1; i < np; i++)
			for (k = i; k > 0 && probes[k - 1] > probes[k]; k--)
			{
				int32_t		t = probes[k];

				probes[k] = probes[k - 1];
				probes[k - 1] = t;
			}
		for (i = 0; i < np; i++)
		{
			int32_t		d = probes[i];
			int			ref = d > 0;
			int			idx = aging_index(bounds, n, d);

			for (k = 0; k < n; k++)
				ref += bounds[k] < d;
			CHECK(idx == ref);
			CHECK(aging_sums_index(&sums, d) == ref);
			CHECK(idx >= prev);
			CHECK(idx >= 0 && idx <= n + 1);
			prev = idx;
		}
	}
	free(text);
}

/* ---------------------------------------------------------------------
 * Numeric: an independent decoder building the exact decimal text.
 * --------------------------------------------------------------------- */

typedef struct RefNumeric
{
	bool		ok;				/* well formed and finite */
	bool		negative;
	int			weight;
	int			dscale;
	size_t		ndigits;
	int			digits[64];
} RefNumeric;

static RefNumeric
ref_decode(const uint8_t *p, size_t len)
{
	RefNumeric	r;
	unsigned	head;
	size_t		off;
	size_t		i;

	memset(&r, 0, sizeof(r));
	if (len < 2)
		return r;
	head = (unsigned) p[0] | ((unsigned) p[1] << 8);	/* little-endian host */
	if ((head >> 14) == 3)
		return r;				/* special */
	if ((head >> 15) == 1)
	{
		r.negative = (head >> 13) & 1;
		r.dscale = (head >> 7) & 63;
		r.weight = (head & 64) ? (int) (head & 63) - 64 : (int) (head & 63);
		off = 2;
	}
	else
	{
		if (len < 4)
			return r;
		r.negative = (head >> 14) & 1;
		r.dscale = head & 0x3FFF;
		r.weight = (int16_t) ((unsigned) p[2] | ((unsigned) p[3] << 8));
		off = 4;
	}
	if ((len - off) % 2 != 0 || (len - off) / 2 > 64)
		return r;
	r.ndigits = (len - off) / 2;
	for (i = 0; i < r.ndigits; i++)
	{
		int			d = (int16_t) ((unsigned) p[off + 2 * i] | ((unsigned) p[off + 2 * i + 1] << 8));

		if (d < 0 || d > 9999)
			return r;
		r.digits[i] = d;
	}
	r.ok = true;
	return r;
}

/*
 * The reference value in units of 10^-8 when it is below 10^16 in
 * magnitude and has no non-zero digit beyond eight decimals.
 */
static bool
ref_scaled(const RefNumeric *r, aging_acc *out)
{
	/* decimal digits by exponent: 10^15 .. 10^-8 (24 positions) */
	int			dec[24];
	size_t		i;
	int			k;
	aging_acc	v = 0;

	memset(dec, 0, sizeof(dec));
	for (i = 0; i < r->ndigits; i++)
	{
		int			e4 = r->weight - (int) i;	/* base-10000 exponent */
		int			d = r->digits[i];

		if (d == 0)
			continue;
		for (k = 0; k < 4; k++)
		{
			int			e10 = 4 * e4 + (3 - k);
			int			digit = (d / (k == 0 ? 1000 : k == 1 ? 100 : k == 2 ? 10 : 1)) % 10;

			if (digit == 0)
				continue;
			if (e10 > 15 - (AGING_INT128 ? 0 : 8) || e10 < -8)
				return false;
			dec[15 - e10] = digit;
		}
	}
	for (k = 0; k < 24; k++)
		v = v * 10 + dec[k];
	*out = r->negative ? -v : v;
	return true;
}

/* Parse the fixed-point text back: "-123.45" -> units of 10^-8. */
static bool
parse_scaled(const char *s, aging_acc *out)
{
	bool		neg = false;
	aging_acc	v = 0;
	int			frac = -1;

	if (*s == '-')
	{
		neg = true;
		s++;
	}
	for (; *s; s++)
	{
		if (*s == '.')
		{
			if (frac >= 0)
				return false;
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9')
			return false;
		if (frac >= 0 && frac >= AGING_FRAC_DIGITS)
		{
			if (*s != '0')
				return false;	/* padding beyond eight places is zeros */
			continue;
		}
		v = v * 10 + (*s - '0');
		if (frac >= 0)
			frac++;
	}
	for (frac = frac < 0 ? 0 : frac; frac < AGING_FRAC_DIGITS; frac++)
		v *= 10;
	*out = neg ? -v : v;
	return true;
}

static void
fuzz_numeric(const uint8_t *data, size_t size)
{
	uint8_t    *buf = malloc(size ? size : 1);
	aging_acc	v = 0;
	int			dscale = -1;
	bool		ok;
	RefNumeric	r;
	aging_acc	rv;

	memcpy(buf, data, size);
	ok = aging_numeric_decode(buf, size, &v, &dscale);
	r = ref_decode(buf, size);
	if (ok)
	{
		size_t		cap = AGING_SCALED_SIZE(dscale);
		char	   *text = malloc(cap);
		aging_acc	back;
		aging_acc	acc = 0;

		CHECK(r.ok);
		CHECK(dscale == r.dscale);
		CHECK(ref_scaled(&r, &rv));
		CHECK(v == rv);
		/* fixed-point text: exact, at least dscale places, parses back */
		CHECK(aging_format_scaled(v, dscale, text, cap) > 0);
		CHECK(parse_scaled(text, &back));
		CHECK(back == v);
		if (dscale > 0)
		{
			const char *dot = strchr(text, '.');

			CHECK(dot != NULL && strlen(dot + 1) >= (size_t) dscale);
		}
		/* too small a buffer writes nothing */
		CHECK(aging_format_scaled(v, dscale, text, 2) == 0 || strlen(text) < 2);
		free(text);
		/* accumulate: adding never wraps silently */
		CHECK(aging_acc_add(&acc, v) && acc == v);
	}
	else if (r.ok && r.ndigits > 0 && r.digits[0] != 0 && r.digits[r.ndigits - 1] != 0 &&
			 ref_scaled(&r, &rv) && r.weight <= AGING_MAX_WEIGHT)
	{
		/* a canonical value that fits must take the fast path */
		CHECK(!"canonical value within range was refused");
	}
	free(buf);
}

static void
fuzz_state(const uint8_t *data, size_t size)
{
	uint8_t    *buf = malloc(size ? size : 1);
	AgingSums	s;
	size_t		off[AGING_MAX_BUCKETS];
	int64_t		len[AGING_MAX_BUCKETS];
	char		why[AGING_MSG_SIZE];

	memcpy(buf, data, size);
	if (aging_state_decode(buf, size, &s, off, len, why))
	{
		const char *extra[AGING_MAX_BUCKETS];
		size_t		elen[AGING_MAX_BUCKETS];
		uint8_t    *out;
		int			i;

		CHECK(s.nbounds >= 1 && s.nbounds <= AGING_MAX_BOUNDS);
		CHECK(aging_check(s.bounds, s.nbounds, NULL) == AGING_OK);
		for (i = s.nbounds; i < AGING_MAX_BOUNDS; i++)
			CHECK(s.bounds[i] == INT32_MAX);
		for (i = 0; i < s.nbounds + 2; i++)
		{
			CHECK(len[i] == -1 || (off[i] + (size_t) len[i] <= size));
			extra[i] = len[i] < 0 ? NULL : (const char *) buf + off[i];
			elen[i] = len[i] < 0 ? 0 : (size_t) len[i];
		}
		CHECK(aging_state_size(&s, elen) == size);
		out = malloc(size);
		CHECK(aging_state_encode(&s, extra, elen, out) == size);
		CHECK(memcmp(out, buf, size) == 0);
		free(out);
	}
	else
		CHECK(memchr(why, '\0', AGING_MSG_SIZE) != NULL && why[0] != '\0');
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_parse(data, size);
	fuzz_numeric(data, size);
	fuzz_state(data, size);
	return 0;
}
