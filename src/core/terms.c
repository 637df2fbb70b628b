/*
 * terms.c: payment terms parser, canonical text, labels and due dates
 * (see terms.h for the forms).
 *
 * The parser is a hand-written recursive descent over UTF-8 bytes with an
 * explicit end.  Every token may be preceded by white space (ASCII or the
 * ideographic space U+3000), English words are matched case-insensitively,
 * and digits may be ASCII or full-width (０-９).  Japanese closing rules are
 * read as  [当月|毎月] (月末|末|N日) (締め|締|〆) (当月|翌月|翌々月|Nヶ月後)
 * (末|月末|N日) [払い|支払い|払|支払]  and "月末締めN日後払い" as eom +N.
 */
#include "terms.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Civil dates (days since 2000-01-01); kept here so that the fuzzer links
 * this file alone.
 * ------------------------------------------------------------------- */

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era,
				yoe,
				doy,
				doe;

	y -= (m <= 2);
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - 10957;
}

static void
civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t		z = days + 10957 + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;

	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int64_t y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return len[m - 1];
}

/* Day number of day dom (clamped to the month's length) of month index mi = y*12 + m-1. */
static int64_t
day_in_month(int64_t mi, int dom)
{
	int64_t		y = (mi >= 0 ? mi : mi - 11) / 12;
	int			m = (int) (mi - y * 12) + 1;
	int			dim = days_in_month(y, m);

	return days_from_civil(y, m, dom > dim ? dim : dom);
}

/* ---------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------- */

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static void put_err(char *err, size_t errlen, const char *fmt,...) PRINTF_LIKE(3, 4);

static void
put_err(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "eom" or the number, for messages and canonical text. */
static const char *
day_word(int day, char *buf, size_t len)
{
	if (day == PGR_TERMS_DAY_EOM)
		return "eom";
	snprintf(buf, len, "%d", day);
	return buf;
}

/* ---------------------------------------------------------------------
 * Lexing
 * ------------------------------------------------------------------- */

typedef struct cursor
{
	const unsigned char *p;
	const unsigned char *end;
	char	   *err;
	size_t		errlen;
	bool		failed;
} cursor;

static bool
at_ideographic_space(const unsigned char *p, const unsigned char *end)
{
	return end - p >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80;
}

static void
skip_ws(cursor *c)
{
	while (c->p < c->end)
	{
		if (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
			c->p++;
		else if (at_ideographic_space(c->p, c->end))
			c->p += 3;
		else
			break;
	}
}

/* Does a token end here (for quoting the offending part)? */
static bool
token_boundary(const unsigned char *p, const unsigned char *end)
{
	static const char *const stops[] = {"；", "、", "，", "（", "）", "・", NULL};
	int			i;

	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';' || *p == ','
		|| *p == '(' || *p == ')' || at_ideographic_space(p, end))
		return true;
	for (i = 0; stops[i]; i++)
	{
		size_t		n = strlen(stops[i]);

		if ((size_t) (end - p) >= n && memcmp(p, stops[i], n) == 0)
			return true;
	}
	return false;
}

/* Record the first error, quoting the text at the cursor. */
static bool
fail(cursor *c, const char *what)
{
	const unsigned char *q;
	size_t		n;

	if (c->failed)
		return false;
	c->failed = true;
	skip_ws(c);
	if (c->p >= c->end)
	{
		put_err(c->err, c->errlen, "%s at end of input", what);
		return false;
	}
	q = c->p;
	while (q < c->end && (q == c->p || !token_boundary(q, c->end)) && q - c->p < 40)
		q++;
	/* Do not cut a UTF-8 character in two. */
	while (q < c->end && q > c->p && (*q & 0xC0) == 0x80)
		q--;
	n = (size_t) (q - c->p);
	if (n == 0)
		n = 1;
	put_err(c->err, c->errlen, "%s at \"%.*s\"", what, (int) n, (const char *) c->p);
	return false;
}

/* Exact bytes (Japanese or punctuation), after optional white space. */
static bool
lit(cursor *c, const char *s)
{
	size_t		n = strlen(s);
	const unsigned char *save = c->p;

	skip_ws(c);
	if ((size_t) (c->end - c->p) >= n && memcmp(c->p, s, n) == 0)
	{
		c->p += n;
		return true;
	}
	c->p = save;
	return false;
}

static bool
is_word_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

/* An English word, case-insensitive, not followed by a letter. */
static bool
word(cursor *c, const char *w)
{
	size_t		n = strlen(w),
				i;
	const unsigned char *save = c->p;

	skip_ws(c);
	if ((size_t) (c->end - c->p) < n)
		goto no;
	for (i = 0; i < n; i++)
	{
		unsigned char ch = c->p[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char) (ch - 'A' + 'a');
		if (ch != (unsigned char) w[i])
			goto no;
	}
	if ((size_t) (c->end - c->p) > n && is_word_char(c->p[n]))
		goto no;
	c->p += n;
	return true;
no:
	c->p = save;
	return false;
}

/* A digit, ASCII or full-width; returns its width in bytes, 0 if none. */
static int
digit_at(const unsigned char *p, const unsigned char *end, int *value)
{
	if (p < end && *p >= '0' && *p <= '9')
	{
		*value = *p - '0';
		return 1;
	}
	if (end - p >= 3 && p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99)
	{
		*value = p[2] - 0x90;
		return 3;
	}
	return 0;
}

/*
 * An unsigned integer of at most 5 digits.  Returns 1 when read, 0 when no
 * digit is here (cursor unchanged), -1 on error (recorded).
 */
static int
number(cursor *c, int *out)
{
	const unsigned char *save = c->p;
	int			v = 0,
				ndigits = 0,
				dv,
				w;

	skip_ws(c);
	while ((w = digit_at(c->p, c->end, &dv)) > 0)
	{
		if (ndigits == 5)
		{
			c->p = save;
			fail(c, "number too large");
			return -1;
		}
		v = v * 10 + dv;
		ndigits++;
		c->p += w;
	}
	if (ndigits == 0)
	{
		c->p = save;
		return 0;
	}
	*out = v;
	return 1;
}

/*
 * A percentage with up to two decimals, in hundredths.  Returns 1 when read,
 * 0 when no number is here (cursor unchanged); *precise is false when more
 * than two decimals were given.
 */
static int
percent(cursor *c, int *hundredths, bool *precise)
{
	const unsigned char *save = c->p;
	int			whole,
				frac = 0,
				nfrac = 0,
				dv,
				w,
				r;

	r = number(c, &whole);
	if (r <= 0)
		return r;
	*precise = true;
	if (c->p < c->end && (*c->p == '.' || (c->end - c->p >= 3 && memcmp(c->p, "．", 3) == 0)))
	{
		const unsigned char *q = c->p + (*c->p == '.' ? 1 : 3);

		if (digit_at(q, c->end, &dv) == 0)
		{
			c->p = save;
			return 0;
		}
		c->p = q;
		while ((w = digit_at(c->p, c->end, &dv)) > 0)
		{
			if (nfrac < 2)
				frac = frac * 10 + dv;
			else
				*precise = false;
			nfrac++;
			c->p += w;
			if (nfrac > 8)
				break;
		}
		if (nfrac == 1)
			frac *= 10;
	}
	if (whole > 100)
		whole = 100;			/* out of range anyway; keeps the product small */
	*hundredths = whole * 100 + frac;
	return 1;
}

/* ---------------------------------------------------------------------
 * Grammar
 * ------------------------------------------------------------------- */

static bool
need_number(cursor *c, int *out, int lo, int hi, const char *what, const char *range_msg)
{
	const unsigned char *save;
	int			r;

	skip_ws(c);
	save = c->p;
	r = number(c, out);
	if (r < 0)
		return false;
	if (r == 0)
		return fail(c, what);
	if (*out < lo || *out > hi)
	{
		c->p = save;
		return fail(c, range_msg);
	}
	return true;
}

static void
pay_word(cursor *c)
{
	if (!lit(c, "支払い") && !lit(c, "支払") && !lit(c, "払い"))
		(void) lit(c, "払");
}

static bool
closing_mark(cursor *c)
{
	return lit(c, "締め") || lit(c, "締") || lit(c, "〆");
}

/* Optional early-payment discount: "2/10" or "10日以内2%割引". */
static bool
parse_discount(cursor *c, pgr_terms *t)
{
	const unsigned char *save = c->p;
	int			h,
				days;
	bool		precise;
	const unsigned char *pct_at;

	skip_ws(c);
	pct_at = c->p;
	if (percent(c, &h, &precise) == 1 && lit(c, "/"))
	{
		if (!precise)
		{
			c->p = pct_at;
			return fail(c, "discount percent has more than two decimals");
		}
		if (!need_number(c, &days, 1, PGR_TERMS_MAX_DAYS, "expected the discount period in days",
						 "discount period out of range (1 to 3650 days)"))
			return false;
		t->discount_hundredths = (uint16_t) h;
		t->discount_days = (uint16_t) days;
		if (!lit(c, ","))
			(void) (lit(c, "、") || lit(c, "，"));
		return true;
	}
	c->p = save;

	/* 10日以内[支払いで]2%割引 */
	if (number(c, &days) == 1 && lit(c, "日以内"))
	{
		pay_word(c);
		(void) lit(c, "で");
		skip_ws(c);
		pct_at = c->p;
		if (percent(c, &h, &precise) == 1 && (lit(c, "%") || lit(c, "％")) && lit(c, "割引"))
		{
			if (!precise)
			{
				c->p = pct_at;
				return fail(c, "discount percent has more than two decimals");
			}
			if (days < 1 || days > PGR_TERMS_MAX_DAYS)
			{
				c->p = save;
				return fail(c, "discount period out of range (1 to 3650 days)");
			}
			t->discount_hundredths = (uint16_t) h;
			t->discount_days = (uint16_t) days;
			if (!lit(c, "、") && !lit(c, "，"))
				(void) lit(c, ",");
			return true;
		}
	}
	c->p = save;
	return !c->failed;
}

/* What one clause turned out to be. */
typedef enum clause_kind
{
	CL_NET = PGR_TERMS_NET,
	CL_EOM = PGR_TERMS_EOM,
	CL_CLOSE = PGR_TERMS_CLOSE
} clause_kind;

typedef struct clause
{
	clause_kind kind;
	int			days;			/* NET, EOM */
	pgr_terms_clause close;		/* CLOSE */
} clause;

#define CLOSE_RANGE "closing day out of range (1 to 31, or eom)"
#define DUE_RANGE   "due day out of range (1 to 31, or eom)"
#define MONTH_RANGE "months to the due date out of range (0 to 24)"
#define DAYS_RANGE  "number of days out of range (0 to 3650)"

/* Japanese: after the closing mark, "翌月末払い", "翌月10日払い", "30日後払い". */
static bool
parse_ja_due(cursor *c, clause *out)
{
	const unsigned char *save;
	int			n,
				r,
				months;

	skip_ws(c);
	save = c->p;
	r = number(c, &n);
	if (r < 0)
		return false;
	if (r == 1)
	{
		if (lit(c, "日後"))
		{
			if (out->close.close_day != PGR_TERMS_DAY_EOM)
			{
				c->p = save;
				return fail(c, "only a month-end closing (月末締め) can be followed by a number of days");
			}
			if (n > PGR_TERMS_MAX_DAYS)
			{
				c->p = save;
				return fail(c, DAYS_RANGE);
			}
			pay_word(c);
			out->kind = CL_EOM;
			out->days = n;
			return true;
		}
		if (lit(c, "ヶ月後") || lit(c, "ケ月後") || lit(c, "ヵ月後") || lit(c, "カ月後")
			|| lit(c, "か月後") || lit(c, "箇月後"))
		{
			if (n > PGR_TERMS_MAX_MONTHS)
			{
				c->p = save;
				return fail(c, MONTH_RANGE);
			}
			months = n;
		}
		else
		{
			c->p = save;
			return fail(c, "expected 当月, 翌月, 翌々月 or Nヶ月後");
		}
	}
	else if (lit(c, "当月"))
		months = 0;
	else if (lit(c, "翌々月") || lit(c, "翌翌月") || lit(c, "再来月"))
		months = 2;
	else if (lit(c, "翌月") || lit(c, "来月"))
		months = 1;
	else
		return fail(c, "expected 当月, 翌月, 翌々月 or Nヶ月後");

	out->close.due_months = (uint8_t) months;
	if (lit(c, "月末") || lit(c, "末"))
		out->close.due_day = PGR_TERMS_DAY_EOM;
	else
	{
		skip_ws(c);
		save = c->p;
		r = number(c, &n);
		if (r < 0)
			return false;
		if (r == 0 || !lit(c, "日"))
		{
			c->p = save;
			return fail(c, "expected 末 or a day of the month such as 10日");
		}
		if (n < 1 || n > 31)
		{
			c->p = save;
			return fail(c, DUE_RANGE);
		}
		out->close.due_day = (uint8_t) n;
	}
	pay_word(c);
	out->kind = CL_CLOSE;
	return true;
}

static bool
parse_close_or_due_day(cursor *c, uint8_t *out, const char *what, const char *range_msg)
{
	int			n;

	if (word(c, "eom"))
	{
		*out = PGR_TERMS_DAY_EOM;
		return true;
	}
	if (!need_number(c, &n, 1, 31, what, range_msg))
		return false;
	*out = (uint8_t) n;
	return true;
}

static bool
parse_clause(cursor *c, clause *out)
{
	int			n,
				r;
	const unsigned char *save;

	memset(out, 0, sizeof(*out));
	skip_ws(c);

	/* English forms. */
	if (word(c, "net") || (word(c, "n") && lit(c, "/")))
	{
		if (!need_number(c, &n, 0, PGR_TERMS_MAX_DAYS, "expected a number of days", DAYS_RANGE))
			return false;
		out->kind = word(c, "eom") ? CL_EOM : CL_NET;	/* "net 30 eom" = eom +30 */
		out->days = n;
		return true;
	}
	if (word(c, "eom"))
	{
		out->kind = CL_EOM;
		if (lit(c, "+"))
			return need_number(c, &out->days, 0, PGR_TERMS_MAX_DAYS, "expected a number of days", DAYS_RANGE);
		skip_ws(c);
		save = c->p;
		r = number(c, &n);
		if (r < 0)
			return false;
		if (r == 1 && n > PGR_TERMS_MAX_DAYS)
		{
			c->p = save;
			return fail(c, DAYS_RANGE);
		}
		out->days = r == 1 ? n : 0;
		return true;
	}
	if (word(c, "close"))
	{
		out->kind = CL_CLOSE;
		if (!parse_close_or_due_day(c, &out->close.close_day, "expected a closing day (1 to 31 or eom)", CLOSE_RANGE))
			return false;
		if (!word(c, "due"))
			return fail(c, "expected \"due\"");
		if (!need_number(c, &n, 0, PGR_TERMS_MAX_MONTHS, "expected the months from closing to due (0 = same month)", MONTH_RANGE))
			return false;
		out->close.due_months = (uint8_t) n;
		return parse_close_or_due_day(c, &out->close.due_day, "expected a due day (1 to 31 or eom)", DUE_RANGE);
	}

	/* Japanese: 請求日から30日後払い */
	if (lit(c, "請求日から") || lit(c, "請求日より") || lit(c, "発行日から"))
	{
		if (!need_number(c, &n, 0, PGR_TERMS_MAX_DAYS, "expected a number of days", DAYS_RANGE))
			return false;
		if (!lit(c, "日後") && !lit(c, "日以内"))
			return fail(c, "expected 日後払い");
		pay_word(c);
		out->kind = CL_NET;
		out->days = n;
		return true;
	}

	/* Japanese closing rules: [当月|毎月] (月末|末|N日) 締め ... */
	if (!lit(c, "当月"))
		(void) lit(c, "毎月");
	if (lit(c, "月末") || lit(c, "末"))
		out->close.close_day = PGR_TERMS_DAY_EOM;
	else
	{
		skip_ws(c);
		save = c->p;
		r = number(c, &n);
		if (r < 0)
			return false;
		if (r == 0)
			return fail(c, "expected net, eom, close, or a closing rule such as 月末締め翌月末払い");
		if (!lit(c, "日"))
		{
			c->p = save;
			return fail(c, "expected net, eom, close, or a closing rule such as 20日締め翌月10日払い");
		}
		if (lit(c, "後") || lit(c, "以内"))
		{
			/* 30日後払い: net 30 */
			if (n > PGR_TERMS_MAX_DAYS)
			{
				c->p = save;
				return fail(c, DAYS_RANGE);
			}
			pay_word(c);
			out->kind = CL_NET;
			out->days = n;
			return true;
		}
		if (n < 1 || n > 31)
		{
			c->p = save;
			return fail(c, CLOSE_RANGE);
		}
		out->close.close_day = (uint8_t) n;
	}
	if (!closing_mark(c))
		return fail(c, "expected 締め");
	return parse_ja_due(c, out);
}

/* Optional business-day rule at the end. */
static bool
parse_adjust(cursor *c, pgr_terms *t)
{
	const unsigned char *save = c->p;

	if (!lit(c, ",") && !lit(c, "、"))
		(void) lit(c, "，");
	if (word(c, "adjust"))
	{
		if (word(c, "preceding"))
			t->adjust = PGR_ADJUST_PRECEDING;
		else if (word(c, "following"))
			t->adjust = PGR_ADJUST_FOLLOWING;
		else if (word(c, "modified_following"))
			t->adjust = PGR_ADJUST_MODIFIED_FOLLOWING;
		else if (word(c, "modified") && (lit(c, "-") || true) && word(c, "following"))
			t->adjust = PGR_ADJUST_MODIFIED_FOLLOWING;
		else if (word(c, "none"))
			t->adjust = PGR_ADJUST_NONE;
		else
			return fail(c, "expected preceding, following, modified_following or none");
		return true;
	}
	if (lit(c, "（") || lit(c, "("))
	{
		if (lit(c, "前営業日"))
			t->adjust = PGR_ADJUST_PRECEDING;
		else if (lit(c, "修正翌営業日"))
			t->adjust = PGR_ADJUST_MODIFIED_FOLLOWING;
		else if (lit(c, "翌営業日"))
			t->adjust = PGR_ADJUST_FOLLOWING;
		else
			return fail(c, "expected 前営業日, 翌営業日 or 修正翌営業日");
		pay_word(c);
		if (!lit(c, "）") && !lit(c, ")"))
			return fail(c, "expected a closing parenthesis");
		return true;
	}
	c->p = save;
	return true;
}

static int
cmp_clause(const void *a, const void *b)
{
	return ((const pgr_terms_clause *) a)->close_day - ((const pgr_terms_clause *) b)->close_day;
}

bool
pgr_terms_parse(const char *in, size_t len, pgr_terms *out, char *err, size_t errlen)
{
	cursor		c;
	clause		cl;
	pgr_terms	t;
	int			i;
	char		b[8];

	memset(&t, 0, sizeof(t));
	c.p = (const unsigned char *) in;
	c.end = c.p + len;
	c.err = err;
	c.errlen = errlen;
	c.failed = false;
	if (err && errlen)
		err[0] = '\0';

	if (len > PGR_TERMS_MAX_INPUT)
	{
		put_err(err, errlen, "input longer than %d bytes", PGR_TERMS_MAX_INPUT);
		return false;
	}
	skip_ws(&c);
	if (c.p == c.end)
	{
		put_err(err, errlen, "empty input");
		return false;
	}
	if (!parse_discount(&c, &t))
		return false;
	for (;;)
	{
		const unsigned char *clause_at;

		skip_ws(&c);
		clause_at = c.p;
		if (!parse_clause(&c, &cl))
			return false;
		if (t.kind != 0 && cl.kind != CL_CLOSE)
		{
			c.p = clause_at;
			return fail(&c, "only closing rules (close ... due ...) can be combined with \";\"");
		}
		if (cl.kind == CL_CLOSE)
		{
			if (t.kind != 0 && t.kind != PGR_TERMS_CLOSE)
			{
				c.p = clause_at;
				return fail(&c, "only closing rules (close ... due ...) can be combined with \";\"");
			}
			if (t.nclauses == PGR_TERMS_MAX_CLAUSES)
			{
				c.p = clause_at;
				return fail(&c, "more than 8 closing rules");
			}
			t.kind = PGR_TERMS_CLOSE;
			t.clauses[t.nclauses++] = cl.close;
		}
		else
		{
			t.kind = (uint8_t) cl.kind;
			t.days = (uint16_t) cl.days;
		}
		if (!(lit(&c, ";") || lit(&c, "；") || lit(&c, "・")))
			break;
		if (t.kind != PGR_TERMS_CLOSE)
			return fail(&c, "only closing rules (close ... due ...) can be combined with \";\"");
	}
	if (!parse_adjust(&c, &t))
		return false;
	skip_ws(&c);
	if (c.p != c.end)
		return fail(&c, "unexpected text");

	/* Canonical form. */
	if (t.kind == PGR_TERMS_EOM && t.days == 0)
	{
		t.kind = PGR_TERMS_CLOSE;
		t.days = 0;
		t.nclauses = 1;
		t.clauses[0].close_day = PGR_TERMS_DAY_EOM;
		t.clauses[0].due_months = 0;
		t.clauses[0].due_day = PGR_TERMS_DAY_EOM;
	}
	qsort(t.clauses, t.nclauses, sizeof(pgr_terms_clause), cmp_clause);
	for (i = 1; i < t.nclauses; i++)
		if (t.clauses[i].close_day == t.clauses[i - 1].close_day)
		{
			put_err(err, errlen, "closing day %s appears in two closing rules",
					day_word(t.clauses[i].close_day, b, sizeof(b)));
			return false;
		}
	if (!pgr_terms_validate(&t, err, errlen))
		return false;
	*out = t;
	return true;
}

/* ---------------------------------------------------------------------
 * Validation
 * ------------------------------------------------------------------- */

static void
format_percent(int hundredths, char *buf, size_t len)
{
	if (hundredths % 100 == 0)
		snprintf(buf, len, "%d", hundredths / 100);
	else if (hundredths % 10 == 0)
		snprintf(buf, len, "%d.%d", hundredths / 100, hundredths % 100 / 10);
	else
		snprintf(buf, len, "%d.%02d", hundredths / 100, hundredths % 100);
}

bool
pgr_terms_validate(const pgr_terms *t, char *err, size_t errlen)
{
	int			i;
	char		b1[8],
				b2[8],
				pct[16];
	static const pgr_terms_clause zero_clause;

	if (t->reserved != 0 || t->reserved2 != 0)
	{
		put_err(err, errlen, "reserved fields are not zero");
		return false;
	}
	if (t->adjust > PGR_ADJUST_MODIFIED_FOLLOWING)
	{
		put_err(err, errlen, "unknown business-day rule %d", t->adjust);
		return false;
	}
	switch (t->kind)
	{
		case PGR_TERMS_NET:
		case PGR_TERMS_EOM:
			if (t->nclauses != 0)
			{
				put_err(err, errlen, "net and eom terms have no closing rules");
				return false;
			}
			if (t->days > PGR_TERMS_MAX_DAYS || (t->kind == PGR_TERMS_EOM && t->days == 0))
			{
				put_err(err, errlen, "number of days %d out of range", t->days);
				return false;
			}
			break;
		case PGR_TERMS_CLOSE:
			if (t->nclauses < 1 || t->nclauses > PGR_TERMS_MAX_CLAUSES || t->days != 0)
			{
				put_err(err, errlen, "closing terms need 1 to %d closing rules", PGR_TERMS_MAX_CLAUSES);
				return false;
			}
			break;
		default:
			put_err(err, errlen, "unknown kind of terms %d", t->kind);
			return false;
	}
	for (i = 0; i < PGR_TERMS_MAX_CLAUSES; i++)
	{
		const pgr_terms_clause *cl = &t->clauses[i];

		if (i >= t->nclauses)
		{
			if (memcmp(cl, &zero_clause, sizeof(zero_clause)) != 0)
			{
				put_err(err, errlen, "unused closing rule %d is not zero", i + 1);
				return false;
			}
			continue;
		}
		if (cl->reserved != 0 || cl->close_day < 1 || cl->close_day > 31 || cl->due_day < 1
			|| cl->due_day > 31 || cl->due_months > PGR_TERMS_MAX_MONTHS)
		{
			put_err(err, errlen, "closing rule %d out of range", i + 1);
			return false;
		}
		if (i > 0 && cl->close_day <= t->clauses[i - 1].close_day)
		{
			put_err(err, errlen, "closing rules are not in ascending order of closing day");
			return false;
		}
		if (cl->due_months == 0 && cl->due_day < cl->close_day)
		{
			put_err(err, errlen, "due day %s of the closing month comes before closing day %s",
					day_word(cl->due_day, b1, sizeof(b1)), day_word(cl->close_day, b2, sizeof(b2)));
			return false;
		}
	}
	if ((t->discount_hundredths == 0) != (t->discount_days == 0))
	{
		put_err(err, errlen, t->discount_days == 0 ? "a discount needs a discount period"
				: "a discount of 0%% is no discount");
		return false;
	}
	if (t->discount_hundredths != 0)
	{
		if (t->discount_hundredths >= 10000)
		{
			format_percent(t->discount_hundredths, pct, sizeof(pct));
			put_err(err, errlen, "discount of %s%% is not below 100%%", pct);
			return false;
		}
		if (t->discount_days > PGR_TERMS_MAX_DAYS)
		{
			put_err(err, errlen, "discount period of %d days out of range", t->discount_days);
			return false;
		}
		if (t->kind == PGR_TERMS_NET && t->discount_days > t->days)
		{
			put_err(err, errlen, "discount period of %d days is longer than the %d days to the due date",
					t->discount_days, t->days);
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------- */

typedef struct outbuf
{
	char	   *buf;
	size_t		cap;
	size_t		len;
} outbuf;

static void out(outbuf *o, const char *fmt,...) PRINTF_LIKE(2, 3);

static void
out(outbuf *o, const char *fmt,...)
{
	va_list		ap;
	int			n;

	if (o->len + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = (o->len + (size_t) n < o->cap) ? o->len + (size_t) n : o->cap - 1;
}

static const char *const adjust_words[] = {"none", "preceding", "following", "modified_following"};

size_t
pgr_terms_format(const pgr_terms *t, char *buf, size_t buflen)
{
	outbuf		o = {buf, buflen, 0};
	char		pct[16],
				b1[8],
				b2[8];
	int			i;

	if (buflen == 0)
		return 0;
	buf[0] = '\0';
	if (t->discount_hundredths)
	{
		format_percent(t->discount_hundredths, pct, sizeof(pct));
		out(&o, "%s/%d ", pct, t->discount_days);
	}
	if (t->kind == PGR_TERMS_NET)
		out(&o, "net %d", t->days);
	else if (t->kind == PGR_TERMS_EOM)
		out(&o, "eom +%d", t->days);
	else
		for (i = 0; i < t->nclauses && i < PGR_TERMS_MAX_CLAUSES; i++)
			out(&o, "%sclose %s due %d %s", i ? "; " : "",
				day_word(t->clauses[i].close_day, b1, sizeof(b1)), t->clauses[i].due_months,
				day_word(t->clauses[i].due_day, b2, sizeof(b2)));
	if (t->adjust > PGR_ADJUST_NONE && t->adjust <= PGR_ADJUST_MODIFIED_FOLLOWING)
		out(&o, ", adjust %s", adjust_words[t->adjust]);
	return o.len;
}

static const char *
ordinal_suffix(int n)
{
	if (n % 100 >= 11 && n % 100 <= 13)
		return "th";
	switch (n % 10)
	{
		case 1:
			return "st";
		case 2:
			return "nd";
		case 3:
			return "rd";
		default:
			return "th";
	}
}

static void
label_clause_en(outbuf *o, const pgr_terms_clause *cl)
{
	if (cl->close_day == PGR_TERMS_DAY_EOM)
		out(o, "Close EOM, due ");
	else
		out(o, "Close %d%s, due ", cl->close_day, ordinal_suffix(cl->close_day));
	if (cl->due_day == PGR_TERMS_DAY_EOM)
		out(o, "end of ");
	else
		out(o, "%d%s of ", cl->due_day, ordinal_suffix(cl->due_day));
	if (cl->due_months == 0)
		out(o, "the same month");
	else if (cl->due_months == 1)
		out(o, "next month");
	else if (cl->due_months == 2)
		out(o, "the month after next");
	else
		out(o, "the month %d months later", cl->due_months);
}

static void
label_clause_ja(outbuf *o, const pgr_terms_clause *cl)
{
	if (cl->close_day == PGR_TERMS_DAY_EOM)
		out(o, "月末締め");
	else
		out(o, "%d日締め", cl->close_day);
	if (cl->due_months == 0)
		out(o, "当月");
	else if (cl->due_months == 1)
		out(o, "翌月");
	else if (cl->due_months == 2)
		out(o, "翌々月");
	else
		out(o, "%dヶ月後", cl->due_months);
	if (cl->due_day == PGR_TERMS_DAY_EOM)
		out(o, "末払い");
	else
		out(o, "%d日払い", cl->due_day);
}

size_t
pgr_terms_label(const pgr_terms *t, pgr_terms_locale locale, char *buf, size_t buflen)
{
	static const char *const adjust_en[] = {"", ", preceding business day", ", following business day",
	", modified following business day"};
	static const char *const adjust_ja[] = {"", "（前営業日）", "（翌営業日）", "（修正翌営業日）"};
	outbuf		o = {buf, buflen, 0};
	char		pct[16];
	int			i;
	bool		ja = locale == PGR_LOCALE_JA;

	if (buflen == 0)
		return 0;
	buf[0] = '\0';
	if (t->discount_hundredths)
	{
		format_percent(t->discount_hundredths, pct, sizeof(pct));
		if (ja)
			out(&o, "%d日以内%s%%割引、", t->discount_days, pct);
		else
			out(&o, "%s%% %d, ", pct, t->discount_days);
	}
	if (t->kind == PGR_TERMS_NET)
		out(&o, ja ? "請求日から%d日後払い" : "Net %d", t->days);
	else if (t->kind == PGR_TERMS_EOM)
		out(&o, ja ? "月末締め%d日後払い" : "Net %d EOM", t->days);
	else
		for (i = 0; i < t->nclauses && i < PGR_TERMS_MAX_CLAUSES; i++)
		{
			if (i)
				out(&o, ja ? "・" : "; ");
			if (ja)
				label_clause_ja(&o, &t->clauses[i]);
			else
				label_clause_en(&o, &t->clauses[i]);
		}
	if (t->adjust <= PGR_ADJUST_MODIFIED_FOLLOWING)
		out(&o, "%s", ja ? adjust_ja[t->adjust] : adjust_en[t->adjust]);
	return o.len;
}

/* ---------------------------------------------------------------------
 * Dates
 * ------------------------------------------------------------------- */

int64_t
pgr_terms_raw_due(const pgr_terms *t, int64_t issue)
{
	int64_t		y,
				mi;
	int			m,
				d,
				i,
				dim;
	const pgr_terms_clause *chosen = NULL;

	if (t->kind == PGR_TERMS_NET)
		return issue + t->days;
	civil_from_days(issue, &y, &m, &d);
	dim = days_in_month(y, m);
	if (t->kind == PGR_TERMS_EOM)
		return days_from_civil(y, m, dim) + t->days;

	/*
	 * The first closing day of the issue month on or after the issue day
	 * (a closing day past the month's end closes on its last day); if the
	 * issue day is after every one, the first closing of the next month.
	 */
	mi = y * 12 + (m - 1);
	for (i = 0; i < t->nclauses && i < PGR_TERMS_MAX_CLAUSES; i++)
		if (d <= (t->clauses[i].close_day > dim ? dim : t->clauses[i].close_day))
		{
			chosen = &t->clauses[i];
			break;
		}
	if (chosen == NULL)
	{
		chosen = &t->clauses[0];
		mi++;
	}
	return day_in_month(mi + chosen->due_months, chosen->due_day);
}

bool
pgr_terms_discount_date(const pgr_terms *t, int64_t issue, int64_t *out_day)
{
	if (t->discount_hundredths == 0)
		return false;
	*out_day = issue + t->discount_days;
	return true;
}
