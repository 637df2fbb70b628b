/*
 * ladder.c: escalation ladders, plain C (see ladder.h).
 */
#include "ladder.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const channel_names[] = {
	NULL, "email", "sms", "letter", "call", "agency", "retry", "internal", "webhook"
};

#define CHANNEL_HINT "Channels are email, sms, letter, call, agency, retry, internal and webhook."
#define OPTION_HINT "Options are min=AMOUNT, gap=DAYS, fee=AMOUNT, interest=RATE and stop."
#define AMOUNT_HINT "Give a decimal number with at most 14 digits before the point and 4 after it, e.g. min=1000 or fee=7.50."

const char *
ladder_channel_name(int channel)
{
	if (channel < 1 || channel > LADDER_CH_LAST)
		return NULL;
	return channel_names[channel];
}

/* ---------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------- */

static int	set_error(LadderError *err, LadderErrorCode code, const char *hint, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

static int
set_error(LadderError *err, LadderErrorCode code, const char *hint, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (hint)
		snprintf(err->hint, sizeof(err->hint), "%s", hint);
	else
		err->hint[0] = '\0';
	return code;
}

/*
 * Copy a piece of the input for quoting in a message: at most 40 bytes, cut
 * on a UTF-8 character boundary and marked with "..." when cut; control
 * characters shown as '?'.
 */
#define QUOTE_MAX 40
typedef struct Quote
{
	char		s[QUOTE_MAX + 8];
} Quote;

static const char *
quote(Quote *q, const char *p, size_t len)
{
	size_t		n = len;
	size_t		i;
	bool		cut = false;

	if (n > QUOTE_MAX)
	{
		n = QUOTE_MAX;
		while (n > 0 && ((unsigned char) p[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) p[i];

		q->s[i] = (c < 0x20 || c == 0x7F) ? '?' : (char) c;
	}
	if (cut)
	{
		memcpy(q->s + n, "...", 3);
		n += 3;
	}
	q->s[n] = '\0';
	return q->s;
}

/* ---------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------- */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_template_char(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c + ('a' - 'A')) : c;
}

/* Case-insensitive comparison of p[0..len) with a lower-case keyword. */
static bool
word_is(const char *p, size_t len, const char *word)
{
	size_t		i;

	if (strlen(word) != len)
		return false;
	for (i = 0; i < len; i++)
		if (lower(p[i]) != word[i])
			return false;
	return true;
}

/* Signed whole number of days, [+-]?[0-9]+, into *out; false if malformed or out of range. */
static bool
parse_days(const char *p, size_t len, bool allow_sign, int32_t limit, int32_t *out, bool *range_error)
{
	size_t		i = 0;
	bool		neg = false;
	int64_t		v = 0;

	*range_error = false;
	if (len > 0 && allow_sign && (p[0] == '+' || p[0] == '-'))
	{
		neg = (p[0] == '-');
		i = 1;
	}
	if (i >= len)
		return false;
	for (; i < len; i++)
	{
		if (!is_digit(p[i]))
			return false;
		if (v <= limit)
			v = v * 10 + (p[i] - '0');
	}
	if (v > limit)
	{
		*range_error = true;
		return false;
	}
	*out = (int32_t) (neg ? -v : v);
	return true;
}

/*
 * Non-negative decimal [0-9]+(.[0-9]+)? into fixed point (x LADDER_SCALE).
 * At most LADDER_MAX_INT_DIGITS significant digits before the point and
 * LADDER_SCALE_DIGITS after it.
 */
static bool
parse_fixed(const char *p, size_t len, int64_t *out)
{
	size_t		i = 0;
	int			int_digits = 0;
	int			frac_digits = 0;
	int64_t		v = 0;

	if (len == 0 || !is_digit(p[0]))
		return false;
	for (; i < len && is_digit(p[i]); i++)
	{
		if (v == 0 && p[i] == '0')
			continue;			/* leading zeros */
		if (++int_digits > LADDER_MAX_INT_DIGITS)
			return false;
		v = v * 10 + (p[i] - '0');
	}
	if (i < len)
	{
		if (p[i] != '.' || i + 1 >= len)
			return false;
		for (i++; i < len; i++)
		{
			if (!is_digit(p[i]) || ++frac_digits > LADDER_SCALE_DIGITS)
				return false;
			v = v * 10 + (p[i] - '0');
		}
	}
	for (; frac_digits < LADDER_SCALE_DIGITS; frac_digits++)
		v *= 10;
	*out = v;
	return true;
}

/* One option token "name=value" or "stop" of step n. */
static int
parse_option(const char *tok, size_t len, int n, LadderStep *st, LadderError *err)
{
	const char *eq = memchr(tok, '=', len);
	size_t		nlen = eq ? (size_t) (eq - tok) : len;
	const char *val = eq ? eq + 1 : NULL;
	size_t		vlen = eq ? len - nlen - 1 : 0;
	Quote		q1,
				q2;
	uint8_t		flag;

	if (word_is(tok, nlen, "stop"))
	{
		if (eq)
			return set_error(err, LADDER_ERR_SYNTAX, "Write stop alone, after the options.",
							 "step %d: option \"stop\" takes no value", n);
		if (st->flags & LADDER_TERMINAL)
			return set_error(err, LADDER_ERR_SYNTAX, NULL, "step %d: repeated option \"stop\"", n);
		st->flags |= LADDER_TERMINAL;
		return LADDER_OK;
	}
	if (word_is(tok, nlen, "min"))
		flag = LADDER_HAS_MIN;
	else if (word_is(tok, nlen, "gap"))
		flag = LADDER_HAS_GAP;
	else if (word_is(tok, nlen, "fee"))
		flag = LADDER_HAS_FEE;
	else if (word_is(tok, nlen, "interest"))
		flag = LADDER_HAS_INTEREST;
	else
		return set_error(err, LADDER_ERR_SYNTAX, OPTION_HINT,
						 "step %d: unknown option \"%s\"", n, quote(&q1, tok, nlen));

	quote(&q1, tok, nlen);
	if (st->flags & flag)
		return set_error(err, LADDER_ERR_SYNTAX, "Give each option once per step.",
						 "step %d: repeated option \"%s\"", n, q1.s);
	if (!eq || vlen == 0)
		return set_error(err, LADDER_ERR_SYNTAX, OPTION_HINT,
						 "step %d: option \"%s\" needs a value", n, q1.s);
	quote(&q2, val, vlen);
	st->flags |= flag;
	switch (flag)
	{
		case LADDER_HAS_MIN:
			if (!parse_fixed(val, vlen, &st->min_amount))
				return set_error(err, LADDER_ERR_SYNTAX, AMOUNT_HINT,
								 "step %d: invalid amount \"%s\" for min", n, q2.s);
			break;
		case LADDER_HAS_FEE:
			if (!parse_fixed(val, vlen, &st->fee_amount))
				return set_error(err, LADDER_ERR_SYNTAX, AMOUNT_HINT,
								 "step %d: invalid amount \"%s\" for fee", n, q2.s);
			if (st->fee_amount == 0)
				return set_error(err, LADDER_ERR_SYNTAX, "Leave the option out for no fee.",
								 "step %d: fee must be greater than zero", n);
			break;
		case LADDER_HAS_GAP:
			{
				bool		range;

				if (!parse_days(val, vlen, false, LADDER_MAX_GAP, &st->gap_days, &range))
					return set_error(err, LADDER_ERR_SYNTAX,
									 "Give the gap in whole days from 0 to 3650, e.g. gap=7.",
									 "step %d: invalid number of days \"%s\" for gap", n, q2.s);
				break;
			}
		case LADDER_HAS_INTEREST:
			{
				size_t		l = vlen;

				if (l > 1 && val[l - 1] == '%')
					l--;
				if (!parse_fixed(val, l, &st->interest_rate) ||
					st->interest_rate <= 0 || st->interest_rate > LADDER_MAX_INTEREST)
					return set_error(err, LADDER_ERR_SYNTAX,
									 "Give the annual rate in percent, above 0 and at most 100, e.g. interest=14.6.",
									 "step %d: invalid rate \"%s\" for interest", n, q2.s);
				break;
			}
	}
	return LADDER_OK;
}

/* Next whitespace-separated token in [*pos, end); false when none is left. */
static bool
next_token(const char *s, size_t end, size_t *pos, size_t *tok, size_t *toklen)
{
	size_t		i = *pos;

	while (i < end && is_space(s[i]))
		i++;
	if (i >= end)
	{
		*pos = i;
		return false;
	}
	*tok = i;
	while (i < end && !is_space(s[i]))
		i++;
	*toklen = i - *tok;
	*pos = i;
	return true;
}

/* One step s[start..end) (without the ';'), numbered n. */
static int
parse_step(const char *s, size_t start, size_t end, int n, LadderStep *st, LadderError *err)
{
	size_t		pos = start,
				tok,
				tlen;
	bool		range;
	const char *colon;
	size_t		clen;
	int			ch;
	Quote		q;
	int			rc;

	memset(st, 0, sizeof(*st));

	/* offset */
	next_token(s, end, &pos, &tok, &tlen);	/* the caller saw a non-space */
	if (!parse_days(s + tok, tlen, true, LADDER_MAX_OFFSET, &st->offset_days, &range))
	{
		if (range)
			return set_error(err, LADDER_ERR_SYNTAX, "Offsets lie between -3650 and +3650 days.",
							 "step %d: offset \"%s\" is out of range", n, quote(&q, s + tok, tlen));
		return set_error(err, LADDER_ERR_SYNTAX,
						 "A step starts with its offset in days past due, such as +7, or -3 for three days before the due date.",
						 "step %d: invalid offset \"%s\"", n, quote(&q, s + tok, tlen));
	}

	/* channel[:template] */
	if (!next_token(s, end, &pos, &tok, &tlen))
		return set_error(err, LADDER_ERR_SYNTAX, CHANNEL_HINT,
						 "step %d: missing channel after the offset", n);
	colon = memchr(s + tok, ':', tlen);
	clen = colon ? (size_t) (colon - (s + tok)) : tlen;
	for (ch = 1; ch <= LADDER_CH_LAST; ch++)
		if (word_is(s + tok, clen, channel_names[ch]))
			break;
	if (ch > LADDER_CH_LAST)
		return set_error(err, LADDER_ERR_SYNTAX, CHANNEL_HINT,
						 "step %d: unknown channel \"%s\"", n, quote(&q, s + tok, clen));
	st->channel = (uint8_t) ch;
	if (colon)
	{
		const char *t = colon + 1;
		size_t		len = tlen - clen - 1;
		size_t		i;

		if (len == 0)
			return set_error(err, LADDER_ERR_SYNTAX,
							 "Name the template after the colon, e.g. email:overdue_1, or leave the colon out.",
							 "step %d: missing template name after \"%s:\"", n, channel_names[ch]);
		for (i = 0; i < len; i++)
			if (!is_template_char(t[i]))
				break;
		if (i < len || len > LADDER_MAX_TEMPLATE)
			return set_error(err, LADDER_ERR_SYNTAX,
							 "Template names use lower-case letters, digits and underscores, at most 63 of them.",
							 "step %d: invalid template name \"%s\"", n, quote(&q, t, len));
		memcpy(st->template_name, t, len);
		st->template_name[len] = '\0';
		st->template_len = (uint8_t) len;
	}

	/* options and stop */
	while (next_token(s, end, &pos, &tok, &tlen))
		if ((rc = parse_option(s + tok, tlen, n, st, err)) != LADDER_OK)
			return rc;
	return LADDER_OK;
}

static size_t
format_offset(int32_t offset, char *buf)
{
	if (offset == 0)
		return (size_t) snprintf(buf, 16, "0");
	return (size_t) snprintf(buf, 16, "%+d", (int) offset);
}

int
ladder_parse(const char *text, size_t len, Ladder *out, LadderError *err)
{
	size_t		i;
	size_t		start = 0;
	int			n = 0;
	bool		any = false;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < len; i++)
		if (!is_space(text[i]) && text[i] != ';')
		{
			any = true;
			break;
		}
	if (!any)
		return set_error(err, LADDER_ERR_SYNTAX, "Give at least one step, e.g. '+1 email:overdue_1'.",
						 "empty escalation ladder");

	while (start <= len)
	{
		const char *semi = memchr(text + start, ';', len - start);
		size_t		end = semi ? (size_t) (semi - text) : len;
		size_t		j = start;
		int			rc;

		while (j < end && is_space(text[j]))
			j++;
		if (j == end)
		{
			/* An empty piece: allowed only after a final ';'. */
			if (semi != NULL || n == 0)
				return set_error(err, LADDER_ERR_SYNTAX, "Separate steps with a single ';'.",
								 "step %d is empty", n + 1);
			break;
		}
		if (n == LADDER_MAX_STEPS)
			return set_error(err, LADDER_ERR_SYNTAX, "Merge or drop steps: a ladder has at most 32.",
							 "escalation ladder has more than %d steps", LADDER_MAX_STEPS);
		if ((rc = parse_step(text, j, end, n + 1, &out->steps[n], err)) != LADDER_OK)
			return rc;
		if (n > 0 && out->steps[n].offset_days <= out->steps[n - 1].offset_days)
		{
			char		a[16],
						b[16];

			format_offset(out->steps[n].offset_days, a);
			format_offset(out->steps[n - 1].offset_days, b);
			return set_error(err, LADDER_ERR_SYNTAX,
							 "Offsets must be strictly ascending: each step fires later than the one before.",
							 "step %d: offset %s is not after the offset %s of step %d", n + 1, a, b, n);
		}
		n++;
		out->nsteps = n;
		if (semi == NULL)
			break;
		start = end + 1;
	}
	return LADDER_OK;
}

/* ---------------------------------------------------------------------
 * Validation (for decoded values)
 * ------------------------------------------------------------------- */

int
ladder_validate(const Ladder *l, LadderError *err)
{
	int			i;

	if (l->nsteps < 1 || l->nsteps > LADDER_MAX_STEPS)
		return set_error(err, LADDER_ERR_BINARY, NULL,
						 "invalid escalation ladder data: %d steps", l->nsteps);
	for (i = 0; i < l->nsteps; i++)
	{
		const LadderStep *st = &l->steps[i];
		int			n = i + 1;
		int			k;

		if (st->channel < 1 || st->channel > LADDER_CH_LAST)
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d has unknown channel code %d", n, st->channel);
		if (st->flags & ~LADDER_FLAGS_KNOWN)
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d has unknown flags 0x%02x", n, st->flags);
		if (st->offset_days < -LADDER_MAX_OFFSET || st->offset_days > LADDER_MAX_OFFSET)
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d offset %d out of range", n, (int) st->offset_days);
		if (i > 0 && st->offset_days <= l->steps[i - 1].offset_days)
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d offset is not after step %d", n, n - 1);
		if ((st->flags & LADDER_HAS_GAP) ? (st->gap_days < 0 || st->gap_days > LADDER_MAX_GAP) : st->gap_days != 0)
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d gap out of range", n);
		if ((st->flags & LADDER_HAS_MIN) ? (st->min_amount < 0 || st->min_amount >= (int64_t) 100000000000000 * LADDER_SCALE)
			: st->min_amount != 0)
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d min out of range", n);
		if ((st->flags & LADDER_HAS_FEE) ? (st->fee_amount <= 0 || st->fee_amount >= (int64_t) 100000000000000 * LADDER_SCALE)
			: st->fee_amount != 0)
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d fee out of range", n);
		if ((st->flags & LADDER_HAS_INTEREST) ? (st->interest_rate <= 0 || st->interest_rate > LADDER_MAX_INTEREST)
			: st->interest_rate != 0)
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d interest out of range", n);
		if (st->template_len > LADDER_MAX_TEMPLATE || st->template_name[st->template_len] != '\0')
			return set_error(err, LADDER_ERR_BINARY, NULL,
							 "invalid escalation ladder data: step %d template name too long", n);
		for (k = 0; k < st->template_len; k++)
			if (!is_template_char(st->template_name[k]))
				return set_error(err, LADDER_ERR_BINARY, NULL,
								 "invalid escalation ladder data: step %d template name has a bad character", n);
	}
	return LADDER_OK;
}

/* ---------------------------------------------------------------------
 * Canonical text
 * ------------------------------------------------------------------- */

typedef struct Out
{
	char	   *buf;
	size_t		cap;
	size_t		len;			/* full length, even past cap */
} Out;

static void
out_append(Out *o, const char *s, size_t n)
{
	if (o->len < o->cap)
	{
		size_t		room = o->cap - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void
out_str(Out *o, const char *s)
{
	out_append(o, s, strlen(s));
}

size_t
ladder_format_fixed(int64_t value, char *buf)
{
	int64_t		ip = value / LADDER_SCALE;
	int64_t		fp = value % LADDER_SCALE;
	size_t		n = (size_t) snprintf(buf, 32, "%lld", (long long) ip);

	if (fp != 0)
	{
		char		frac[8];
		int			k = LADDER_SCALE_DIGITS;

		snprintf(frac, sizeof(frac), "%0*lld", LADDER_SCALE_DIGITS, (long long) fp);
		while (k > 0 && frac[k - 1] == '0')
			k--;
		frac[k] = '\0';
		n += (size_t) snprintf(buf + n, 32 - n, ".%s", frac);
	}
	return n;
}

size_t
ladder_format(const Ladder *l, char *buf, size_t cap)
{
	Out			o = {buf, cap, 0};
	char		num[32];
	int			i;

	for (i = 0; i < l->nsteps; i++)
	{
		const LadderStep *st = &l->steps[i];
		const char *ch = ladder_channel_name(st->channel);

		if (i > 0)
			out_str(&o, "; ");
		out_append(&o, num, format_offset(st->offset_days, num));
		out_str(&o, " ");
		out_str(&o, ch ? ch : "?");
		if (st->template_len > 0)
		{
			out_str(&o, ":");
			out_append(&o, st->template_name, st->template_len);
		}
		if (st->flags & LADDER_HAS_MIN)
		{
			out_str(&o, " min=");
			out_append(&o, num, ladder_format_fixed(st->min_amount, num));
		}
		if (st->flags & LADDER_HAS_GAP)
		{
			out_str(&o, " gap=");
			out_append(&o, num, (size_t) snprintf(num, sizeof(num), "%d", (int) st->gap_days));
		}
		if (st->flags & LADDER_HAS_FEE)
		{
			out_str(&o, " fee=");
			out_append(&o, num, ladder_format_fixed(st->fee_amount, num));
		}
		if (st->flags & LADDER_HAS_INTEREST)
		{
			out_str(&o, " interest=");
			out_append(&o, num, ladder_format_fixed(st->interest_rate, num));
		}
		if (st->flags & LADDER_TERMINAL)
			out_str(&o, " stop");
	}
	if (cap > 0)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}

/* ---------------------------------------------------------------------
 * Byte form
 * ------------------------------------------------------------------- */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t) (v >> 32));
	put32(p + 4, (uint32_t) v);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t) get32(p) << 32) | get32(p + 4);
}

static size_t
step_size(const LadderStep *st)
{
	size_t		n = 4 + 1 + 1 + 1 + st->template_len;

	if (st->flags & LADDER_HAS_GAP)
		n += 4;
	if (st->flags & LADDER_HAS_MIN)
		n += 8;
	if (st->flags & LADDER_HAS_FEE)
		n += 8;
	if (st->flags & LADDER_HAS_INTEREST)
		n += 8;
	return n;
}

size_t
ladder_encoded_size(const Ladder *l)
{
	size_t		n = LADDER_HEADER_BYTES;
	int			i;

	for (i = 0; i < l->nsteps; i++)
		n += step_size(&l->steps[i]);
	return n;
}

size_t
ladder_encode(const Ladder *l, uint8_t *buf, size_t cap)
{
	size_t		p = 0;
	int			i;

	if (cap < ladder_encoded_size(l))
		return 0;
	buf[p++] = LADDER_FORMAT_VERSION;
	buf[p++] = (uint8_t) l->nsteps;
	buf[p++] = 0;				/* reserved */
	buf[p++] = 0;
	for (i = 0; i < l->nsteps; i++)
	{
		const LadderStep *st = &l->steps[i];

		put32(buf + p, (uint32_t) st->offset_days);
		p += 4;
		buf[p++] = st->channel;
		buf[p++] = st->flags;
		if (st->flags & LADDER_HAS_GAP)
		{
			put32(buf + p, (uint32_t) st->gap_days);
			p += 4;
		}
		if (st->flags & LADDER_HAS_MIN)
		{
			put64(buf + p, (uint64_t) st->min_amount);
			p += 8;
		}
		if (st->flags & LADDER_HAS_FEE)
		{
			put64(buf + p, (uint64_t) st->fee_amount);
			p += 8;
		}
		if (st->flags & LADDER_HAS_INTEREST)
		{
			put64(buf + p, (uint64_t) st->interest_rate);
			p += 8;
		}
		buf[p++] = st->template_len;
		memcpy(buf + p, st->template_name, st->template_len);
		p += st->template_len;
	}
	return p;
}

int
ladder_decode(const uint8_t *buf, size_t len, Ladder *out, LadderError *err)
{
	size_t		p = LADDER_HEADER_BYTES;
	int			i;

	memset(out, 0, sizeof(*out));
	if (len < LADDER_HEADER_BYTES)
		return set_error(err, LADDER_ERR_BINARY, NULL, "invalid escalation ladder data: %zu bytes", len);
	if (buf[0] != LADDER_FORMAT_VERSION)
		return set_error(err, LADDER_ERR_BINARY, NULL,
						 "invalid escalation ladder data: unsupported format version %d", buf[0]);
	if (buf[2] != 0 || buf[3] != 0)
		return set_error(err, LADDER_ERR_BINARY, NULL,
						 "invalid escalation ladder data: reserved field is not zero");
	if (buf[1] < 1 || buf[1] > LADDER_MAX_STEPS)
		return set_error(err, LADDER_ERR_BINARY, NULL,
						 "invalid escalation ladder data: %d steps", buf[1]);
	out->nsteps = buf[1];
	for (i = 0; i < out->nsteps; i++)
	{
		LadderStep *st = &out->steps[i];

#define NEED(k) do { if (len - p < (size_t) (k)) goto truncated; } while (0)
		NEED(6);
		st->offset_days = (int32_t) get32(buf + p);
		p += 4;
		st->channel = buf[p++];
		st->flags = buf[p++];
		if (st->flags & ~LADDER_FLAGS_KNOWN)
			break;				/* reported by ladder_validate */
		if (st->flags & LADDER_HAS_GAP)
		{
			NEED(4);
			st->gap_days = (int32_t) get32(buf + p);
			p += 4;
		}
		if (st->flags & LADDER_HAS_MIN)
		{
			NEED(8);
			st->min_amount = (int64_t) get64(buf + p);
			p += 8;
		}
		if (st->flags & LADDER_HAS_FEE)
		{
			NEED(8);
			st->fee_amount = (int64_t) get64(buf + p);
			p += 8;
		}
		if (st->flags & LADDER_HAS_INTEREST)
		{
			NEED(8);
			st->interest_rate = (int64_t) get64(buf + p);
			p += 8;
		}
		NEED(1);
		st->template_len = buf[p++];
		if (st->template_len > LADDER_MAX_TEMPLATE)
			break;				/* reported by ladder_validate */
		NEED(st->template_len);
		memcpy(st->template_name, buf + p, st->template_len);
		st->template_name[st->template_len] = '\0';
		p += st->template_len;
#undef NEED
	}
	if (ladder_validate(out, err) != LADDER_OK)
		return LADDER_ERR_BINARY;
	if (p != len)
		return set_error(err, LADDER_ERR_BINARY, NULL,
						 "invalid escalation ladder data: %zu trailing bytes", len - p);
	return LADDER_OK;

truncated:
	return set_error(err, LADDER_ERR_BINARY, NULL,
					 "invalid escalation ladder data: truncated in step %d", i + 1);
}

/* ---------------------------------------------------------------------
 * Choosing the next step
 * ------------------------------------------------------------------- */

/*
 * Candidates are the steps above last_step whose offset has been reached,
 * taken in ascending order; the answer is the highest candidate whose
 * conditions (min, gap) hold, except that an eligible terminal step is never
 * jumped over.  Once a terminal step has been sent, nothing follows.
 */
int
ladder_next_step(const Ladder *l, int32_t days_past_due, int32_t last_step,
				 bool days_since_known, int32_t days_since_last_notice,
				 ladder_min_check min_ok, void *ctx)
{
	int			best = 0;
	int			i;

	if (last_step < 0 || last_step >= l->nsteps)
		return 0;
	if (last_step > 0 && (l->steps[last_step - 1].flags & LADDER_TERMINAL))
		return 0;
	for (i = last_step; i < l->nsteps; i++)
	{
		const LadderStep *st = &l->steps[i];

		if (st->offset_days > days_past_due)
			break;
		if ((st->flags & LADDER_HAS_GAP) && days_since_known && days_since_last_notice < st->gap_days)
			continue;
		if ((st->flags & LADDER_HAS_MIN) && !(min_ok && min_ok(ctx, st)))
			continue;
		best = i + 1;
		if (st->flags & LADDER_TERMINAL)
			break;
	}
	return best;
}
