/*
 * zengin.c: reader of 全銀協 振込入金通知 (01) and 入出金取引明細 (03) files.
 *
 * A file is one or more groups -- a header record, its data records, a
 * trailer -- and one end record:
 *
 *     1 2 2 ... 8 [1 2 ... 8 ...] 9
 *
 * Records are 200 bytes; each may be followed by CRLF or LF (the framing is
 * decided by the first record and then holds: with line ends, every line
 * must be 200 bytes; without, the file is cut every 200 bytes).  After the
 * end record only line ends and an MS-DOS end-of-file mark (0x1A) may
 * follow.  Every field this reader uses is validated; the first problem
 * stops it with a message naming the record, the field, its bytes (1-based,
 * as the layouts count them) and the value.
 *
 * Dates are 和暦 YYMMDD with a two-digit era year.  The era is not written,
 * so it is inferred (docs/cash-application.md, "Era years"):
 *   - the header's 作成日 (file creation date) takes the most recent era in
 *     which the date exists and is not later than the day the file is read
 *     (as_of) plus one day;
 *   - every other date takes the era that puts it nearest to the 作成日,
 *     and must then lie within a year of it (a typo such as 平成31年5月1日,
 *     a day that never was, would otherwise become 令和31年, 2049).
 * 昭和 (from 1926-12-25), 平成 (from 1989-01-08) and 令和 (from 2019-05-01)
 * are known; a date outside its era's span (平成31年5月1日, 令和1年4月30日)
 * does not exist.
 */
#include "zengin.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum
{
	ST_START,					/* before the first header */
	ST_GROUP,					/* inside a group: data or trailer next */
	ST_BETWEEN,					/* after a trailer: header or end next */
	ST_AFTER_END,				/* the end record was read */
	ST_DONE,
	ST_FAILED
};

typedef struct field
{
	const char *name;
	int			start;			/* 1-based byte position */
	int			len;
} field;

/* Header, 01 and 03 alike up to 支店名 */
static const field H_KIND = {"種別コード", 2, 2};
static const field H_CODE = {"コード区分", 4, 1};
static const field H_CREATED = {"作成日", 5, 6};
static const field H_FROM = {"勘定日(自)", 11, 6};
static const field H_TO = {"勘定日(至)", 17, 6};
static const field H_BANK_CODE = {"銀行コード", 23, 4};
static const field H_BANK_NAME = {"銀行名", 27, 15};
static const field H_BRANCH_CODE = {"支店コード", 42, 3};
static const field H_BRANCH_NAME = {"支店名", 45, 15};
static const field H1_ACCOUNT_TYPE = {"預金種目", 60, 1};
static const field H1_ACCOUNT_NO = {"口座番号", 61, 7};
static const field H1_ACCOUNT_NAME = {"口座名", 68, 40};
static const field H3_ACCOUNT_TYPE = {"預金種目", 63, 1};
static const field H3_ACCOUNT_NO = {"口座番号", 64, 10};
static const field H3_ACCOUNT_NAME = {"口座名", 74, 40};

/* 振込入金通知 data */
static const field D1_INQUIRY = {"照会番号", 2, 6};
static const field D1_DATE = {"勘定日", 8, 6};
static const field D1_VALUE = {"起算日", 14, 6};
static const field D1_AMOUNT = {"金額", 20, 10};
static const field D1_PAYER_CODE = {"振込依頼人コード", 40, 10};
static const field D1_PAYER = {"振込依頼人名", 50, 48};
static const field D1_BANK = {"仕向銀行名", 98, 15};
static const field D1_BRANCH = {"仕向店名", 113, 15};
static const field D1_CANCEL = {"取消区分", 128, 1};
static const field D1_EDI = {"EDI情報", 129, 20};

/* 入出金取引明細 data */
static const field D3_INQUIRY = {"照会番号", 2, 8};
static const field D3_DATE = {"勘定日", 10, 6};
static const field D3_VALUE = {"預入・払出日", 16, 6};
static const field D3_INOUT = {"入払区分", 22, 1};
static const field D3_TXN = {"取引区分", 23, 2};
static const field D3_AMOUNT = {"取引金額", 25, 12};
static const field D3_PAYER_CODE = {"振込依頼人コード", 72, 10};
static const field D3_PAYER = {"振込依頼人名", 82, 48};
static const field D3_BANK = {"仕向銀行名", 130, 15};
static const field D3_BRANCH = {"仕向店名", 145, 15};
static const field D3_DESC = {"摘要内容", 160, 20};
static const field D3_EDI = {"EDI情報", 180, 20};

/* Trailers */
static const field T1_COUNT = {"件数", 2, 6};
static const field T1_TOTAL = {"合計額", 8, 12};
static const field T1_CANCEL_COUNT = {"取消件数", 20, 6};
static const field T1_CANCEL_TOTAL = {"取消合計額", 26, 12};
static const field T3_IN_COUNT = {"入金件数", 2, 6};
static const field T3_IN_TOTAL = {"入金額合計", 8, 13};
static const field T3_OUT_COUNT = {"出金件数", 21, 6};
static const field T3_OUT_TOTAL = {"出金額合計", 27, 13};
static const field T3_RECORDS = {"データ・レコード件数", 55, 7};

static const char *const HINT_FRAMING =
	"Zengin records are 200 bytes, each optionally followed by CRLF or LF.";
static const char *const HINT_JIS =
	"Zengin files hold only single-byte JIS X 0201 characters (ASCII and half-width katakana); "
	"read the file as the bank sent it, not converted to UTF-8 or edited with full-width characters.";
static const char *const HINT_EBCDIC =
	"Only JIS (Shift_JIS) Zengin files are read; ask the bank for the JIS code variant (コード区分 0).";
static const char *const HINT_ORDER =
	"A Zengin file is one or more groups (header 1, data 2 ..., trailer 8) followed by one end record 9.";

/* ------------------------------------------------------------------------
 * Dates
 * ------------------------------------------------------------------------ */

int64_t
zengin_days(zengin_date d)
{
	/* days from civil (H. Hinnant), valid for the proleptic Gregorian calendar */
	int64_t		y = d.year - (d.month <= 2);
	int64_t		era = (y >= 0 ? y : y - 399) / 400;
	int64_t		yoe = y - era * 400;
	int64_t		doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

typedef struct era
{
	const char *name;
	zengin_date start;
	zengin_date end;
	int			offset;			/* Gregorian year = offset + era year */
} era;

static const era eras[] = {
	{"令和", {2019, 5, 1}, {9999, 12, 31}, 2018},
	{"平成", {1989, 1, 8}, {2019, 4, 30}, 1988},
	{"昭和", {1926, 12, 25}, {1989, 1, 7}, 1925},
};

#define N_ERAS ((int) (sizeof(eras) / sizeof(eras[0])))

/* The dates an era year YY/MM/DD can be, one per era; returns how many. */
static int
era_candidates(int yy, int mm, int dd, zengin_date *out)
{
	int			n = 0,
				i;

	if (yy < 1 || mm < 1 || mm > 12 || dd < 1)
		return 0;
	for (i = 0; i < N_ERAS; i++)
	{
		zengin_date d = {eras[i].offset + yy, mm, dd};

		if (dd > days_in_month(d.year, mm))
			continue;
		if (zengin_days(d) < zengin_days(eras[i].start) || zengin_days(d) > zengin_days(eras[i].end))
			continue;
		out[n++] = d;
	}
	return n;
}

/* ------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------ */

#if defined(__GNUC__) || defined(__clang__)
static zengin_result fail(zengin_parser *p, const char *hint, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
#endif

static zengin_result
fail(zengin_parser *p, const char *hint, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	p->hint = hint;
	p->state = ST_FAILED;
	return ZENGIN_ERROR;
}

static const char *
record_kind_name(unsigned char c)
{
	switch (c)
	{
		case '1': return " (header)";
		case '2': return " (data)";
		case '8': return " (trailer)";
		case '9': return " (end)";
		default: return "";
	}
}

/* Append to out (NUL-terminated, size outsz) as much of the text as fits. */
static void
append(char *out, size_t outsz, const char *s, size_t n)
{
	size_t		used = strlen(out);

	if (used + n >= outsz)
		n = outsz - used - 1;
	memcpy(out + used, s, n);
	out[used + n] = '\0';
}

/* A field's bytes as a quoted UTF-8 string for a message: JIS X 0201 as
 * text, any other byte as \xNN, a double quote as \"; trailing spaces of
 * the left-justified text fields left out (a blank field shows as ""). */
static void
quote_field(const unsigned char *rec, field f, char *out, size_t outsz)
{
	int			i,
				len = f.len;

	while (len > 0 && rec[f.start - 1 + len - 1] == ' ')
		len--;
	out[0] = '\0';
	append(out, outsz, "\"", 1);
	for (i = 0; i < len; i++)
	{
		unsigned char b = rec[f.start - 1 + i];
		char		buf[8];

		if (b == '"' || b == '\\')
		{
			buf[0] = '\\';
			buf[1] = (char) b;
			append(out, outsz, buf, 2);
		}
		else if (b >= 0x20 && b < 0x7F)
			append(out, outsz, (const char *) &b, 1);
		else if (b >= 0xA1 && b <= 0xDF)
		{
			unsigned int cp = 0xFF61 + (b - 0xA1);

			buf[0] = (char) (0xE0 | (cp >> 12));
			buf[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
			buf[2] = (char) (0x80 | (cp & 0x3F));
			append(out, outsz, buf, 3);
		}
		else
		{
			snprintf(buf, sizeof(buf), "\\x%02x", b);
			append(out, outsz, buf, 4);
		}
	}
	append(out, outsz, "\"", 1);
}

/* "record 3 (data): field 金額 (bytes 20-29) <what>: "<value>"" */
static zengin_result
field_error(zengin_parser *p, const unsigned char *rec, field f, const char *what, const char *hint)
{
	char		q[256];

	quote_field(rec, f, q, sizeof(q));
	if (f.len == 1)
		return fail(p, hint, "record %d%s: field %s (byte %d) %s: %s",
					p->record_no, record_kind_name(rec[0]), f.name, f.start, what, q);
	return fail(p, hint, "record %d%s: field %s (bytes %d-%d) %s: %s",
				p->record_no, record_kind_name(rec[0]), f.name, f.start, f.start + f.len - 1, what, q);
}

/* ------------------------------------------------------------------------
 * Fields
 * ------------------------------------------------------------------------ */

static int
field_blank(const unsigned char *rec, field f)
{
	int			i;

	for (i = 0; i < f.len; i++)
		if (rec[f.start - 1 + i] != ' ')
			return 0;
	return 1;
}

static int
field_zeros(const unsigned char *rec, field f)
{
	int			i;

	for (i = 0; i < f.len; i++)
		if (rec[f.start - 1 + i] != '0')
			return 0;
	return 1;
}

/* All digits: 1 with the value in *v; 0 otherwise. */
static int
field_number(const unsigned char *rec, field f, int64_t *v)
{
	int64_t		n = 0;
	int			i;

	for (i = 0; i < f.len; i++)
	{
		unsigned char b = rec[f.start - 1 + i];

		if (b < '0' || b > '9')
			return 0;
		n = n * 10 + (b - '0');	/* at most 14 digits: no overflow */
	}
	*v = n;
	return 1;
}

/* A required number. */
static int
need_number(zengin_parser *p, const unsigned char *rec, field f, int64_t *v)
{
	if (field_number(rec, f, v))
		return 1;
	field_error(p, rec, f, field_blank(rec, f) ? "is blank, expected a number" : "is not numeric", NULL);
	return 0;
}

/* An optional number: blank gives -1. */
static int
opt_number(zengin_parser *p, const unsigned char *rec, field f, int64_t *v)
{
	if (field_blank(rec, f))
	{
		*v = -1;
		return 1;
	}
	return need_number(p, rec, f, v);
}

/* Digits copied as written into out (size > f.len); blank gives "". */
static int
digits_field(zengin_parser *p, const unsigned char *rec, field f, char *out)
{
	int64_t		v;

	out[0] = '\0';
	if (field_blank(rec, f))
		return 1;
	if (!need_number(p, rec, f, &v))
		return 0;
	memcpy(out, rec + f.start - 1, f.len);
	out[f.len] = '\0';
	return 1;
}

/* A JIS X 0201 text field as UTF-8 without trailing spaces; out must hold
 * 3 * f.len + 1 bytes. */
static int
text_field(zengin_parser *p, const unsigned char *rec, field f, char *out)
{
	size_t		o = 0,
				keep = 0;
	int			i;

	for (i = 0; i < f.len; i++)
	{
		unsigned char b = rec[f.start - 1 + i];

		if (b >= 0x20 && b < 0x7F)
			out[o++] = (char) b;
		else if (b >= 0xA1 && b <= 0xDF)
		{
			unsigned int cp = 0xFF61 + (b - 0xA1);

			out[o++] = (char) (0xE0 | (cp >> 12));
			out[o++] = (char) (0x80 | ((cp >> 6) & 0x3F));
			out[o++] = (char) (0x80 | (cp & 0x3F));
		}
		else
		{
			char		what[96];

			snprintf(what, sizeof(what),
					 "has byte 0x%02x at byte %d, which is no JIS X 0201 character",
					 b, f.start + i);
			field_error(p, rec, f, what, HINT_JIS);
			return 0;
		}
		if (b != ' ')
			keep = o;
	}
	out[keep] = '\0';
	return 1;
}

/* A date of a file lies within a year of the file's creation date. */
#define MAX_DAYS_FROM_CREATED 366

/*
 * A 和暦 date.  mode 'c': the creation date, resolved against p->as_of;
 * mode 'n': nearest to the group's creation date.  Blank (or zeros) is
 * allowed when optional is set and gives year 0.
 */
static int
date_field(zengin_parser *p, const unsigned char *rec, field f, char mode, int optional, zengin_date *out)
{
	int64_t		v,
				best_gap = -1,
				target;
	zengin_date cand[N_ERAS];
	int			n,
				i;

	out->year = out->month = out->day = 0;
	if (optional && (field_blank(rec, f) || field_zeros(rec, f)))
		return 1;
	if (!field_number(rec, f, &v))
	{
		field_error(p, rec, f, field_blank(rec, f) ? "is blank, expected a date (和暦 YYMMDD)"
					: "is not a date (和暦 YYMMDD)", NULL);
		return 0;
	}
	n = era_candidates((int) (v / 10000), (int) (v / 100 % 100), (int) (v % 100), cand);
	if (n == 0)
	{
		field_error(p, rec, f, "is not a valid date in any era (和暦 YYMMDD: 昭和, 平成, 令和)", NULL);
		return 0;
	}
	if (mode == 'c')
	{
		int64_t		limit = zengin_days(p->as_of) + 1;

		for (i = 0; i < n; i++)
			if (zengin_days(cand[i]) <= limit && (out->year == 0 || zengin_days(cand[i]) > zengin_days(*out)))
				*out = cand[i];
		if (out->year == 0)
		{
			char		what[160];

			snprintf(what, sizeof(what),
					 "is more than a day after %04d-%02d-%02d, the day the file is read, in every era it could belong to",
					 p->as_of.year, p->as_of.month, p->as_of.day);
			field_error(p, rec, f, what, NULL);
			return 0;
		}
		return 1;
	}
	target = zengin_days(p->header.created);
	for (i = 0; i < n; i++)
	{
		int64_t		gap = zengin_days(cand[i]) - target;

		if (gap < 0)
			gap = -gap;
		if (best_gap < 0 || gap < best_gap)
		{
			best_gap = gap;
			*out = cand[i];
		}
	}
	if (best_gap > MAX_DAYS_FROM_CREATED)
	{
		char		what[160];

		snprintf(what, sizeof(what),
				 "is more than a year away from the file's creation date %04d-%02d-%02d in every era it could belong to",
				 p->header.created.year, p->header.created.month, p->header.created.day);
		field_error(p, rec, f, what, NULL);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------------
 * Records
 * ------------------------------------------------------------------------ */

void
zengin_init(zengin_parser *p, const void *data, size_t len, zengin_date as_of)
{
	memset(p, 0, sizeof(*p));
	p->data = (const unsigned char *) data;
	p->len = len;
	p->as_of = as_of;
	p->state = ST_START;
}

/* The next record: its start and its length without the line end.
 * Returns 0 at the end of the data. */
static int
next_record(zengin_parser *p, const unsigned char **rec, size_t *rlen)
{
	const unsigned char *s = p->data + p->pos;
	size_t		avail = p->len - p->pos;

	if (avail == 0)
		return 0;
	if (p->framing == 0)
	{
		/*
		 * No byte of a Zengin record is a line feed, so any LF before the
		 * trailing line ends makes the file line-framed; a file of bare
		 * records may still end with a line end or 0x1A.
		 */
		size_t		body = p->len;

		while (body > 0 && (p->data[body - 1] == '\r' || p->data[body - 1] == '\n' ||
							p->data[body - 1] == 0x1A))
			body--;
		p->framing = memchr(p->data, '\n', body) != NULL ? 2 : 1;
	}
	if (p->framing == 2)
	{
		const unsigned char *nl = memchr(s, '\n', avail);
		size_t		l = nl ? (size_t) (nl - s) : avail;

		p->pos += nl ? l + 1 : l;
		if (l > 0 && s[l - 1] == '\r')
			l--;
		*rlen = l;
	}
	else
	{
		*rlen = avail < ZENGIN_RECORD_LEN ? avail : ZENGIN_RECORD_LEN;
		p->pos += *rlen;
	}
	*rec = s;
	p->record_no++;
	return 1;
}

static zengin_result
read_header(zengin_parser *p, const unsigned char *rec)
{
	zengin_header *h = &p->header;
	int64_t		kind,
				code;

	memset(h, 0, sizeof(*h));
	h->record_no = p->record_no;
	if (!need_number(p, rec, H_KIND, &kind))
		return ZENGIN_ERROR;
	if (kind != 1 && kind != 3)
		return field_error(p, rec, H_KIND,
						   "is not 01 (振込入金通知) or 03 (入出金取引明細), the kinds this reader reads", NULL);
	h->kind = (int) kind;
	if (!need_number(p, rec, H_CODE, &code))
		return ZENGIN_ERROR;
	if (code == 1)
		return field_error(p, rec, H_CODE, "declares EBCDIC (1)", HINT_EBCDIC);
	if (!date_field(p, rec, H_CREATED, 'c', 0, &h->created))
		return ZENGIN_ERROR;
	if (!date_field(p, rec, H_FROM, 'n', 1, &h->from) ||
		!date_field(p, rec, H_TO, 'n', 1, &h->to) ||
		!need_number(p, rec, H_BANK_CODE, &code) ||
		!digits_field(p, rec, H_BANK_CODE, h->bank_code) ||
		!text_field(p, rec, H_BANK_NAME, h->bank_name) ||
		!need_number(p, rec, H_BRANCH_CODE, &code) ||
		!digits_field(p, rec, H_BRANCH_CODE, h->branch_code) ||
		!text_field(p, rec, H_BRANCH_NAME, h->branch_name))
		return ZENGIN_ERROR;
	if (kind == 1)
	{
		if (!digits_field(p, rec, H1_ACCOUNT_TYPE, h->account_type) ||
			!need_number(p, rec, H1_ACCOUNT_NO, &code) ||
			!digits_field(p, rec, H1_ACCOUNT_NO, h->account_no) ||
			!text_field(p, rec, H1_ACCOUNT_NAME, h->account_name))
			return ZENGIN_ERROR;
	}
	else
	{
		if (!digits_field(p, rec, H3_ACCOUNT_TYPE, h->account_type) ||
			!need_number(p, rec, H3_ACCOUNT_NO, &code) ||
			!digits_field(p, rec, H3_ACCOUNT_NO, h->account_no) ||
			!text_field(p, rec, H3_ACCOUNT_NAME, h->account_name))
			return ZENGIN_ERROR;
	}
	p->group_no++;
	p->n_all = p->sum_all = p->n_cancel = p->sum_cancel = 0;
	p->n_in = p->sum_in = p->n_out = p->sum_out = 0;
	p->state = ST_GROUP;
	return ZENGIN_ITEM;			/* "go on" */
}

static zengin_result
read_data(zengin_parser *p, const unsigned char *rec, zengin_item *it)
{
	int			k3 = (p->header.kind == 3);
	int64_t		v;

	memset(it, 0, sizeof(*it));
	it->record_no = p->record_no;
	it->group_no = p->group_no;
	it->kind = p->header.kind;
	it->header = &p->header;
	it->deposit = 1;
	it->transaction_code = -1;
	if (!digits_field(p, rec, k3 ? D3_INQUIRY : D1_INQUIRY, it->inquiry_no) ||
		!date_field(p, rec, k3 ? D3_DATE : D1_DATE, 'n', 0, &it->account_date) ||
		!date_field(p, rec, k3 ? D3_VALUE : D1_VALUE, 'n', 1, &it->value_date) ||
		!need_number(p, rec, k3 ? D3_AMOUNT : D1_AMOUNT, &it->amount) ||
		!digits_field(p, rec, k3 ? D3_PAYER_CODE : D1_PAYER_CODE, it->payer_code) ||
		!text_field(p, rec, k3 ? D3_PAYER : D1_PAYER, it->payer_name) ||
		!text_field(p, rec, k3 ? D3_BANK : D1_BANK, it->bank_name) ||
		!text_field(p, rec, k3 ? D3_BRANCH : D1_BRANCH, it->branch_name) ||
		!text_field(p, rec, k3 ? D3_EDI : D1_EDI, it->edi_info))
		return ZENGIN_ERROR;
	if (it->value_date.year == 0)
		it->value_date = it->account_date;
	if (field_zeros(rec, k3 ? D3_PAYER_CODE : D1_PAYER_CODE))
		it->payer_code[0] = '\0';	/* all zeros: no code */
	if (k3)
	{
		unsigned char io = rec[D3_INOUT.start - 1];

		if (io != '1' && io != '2')
			return field_error(p, rec, D3_INOUT, "is not 1 (入金) or 2 (出金)", NULL);
		it->deposit = (io == '1');
		if (!opt_number(p, rec, D3_TXN, &v) || !text_field(p, rec, D3_DESC, it->description))
			return ZENGIN_ERROR;
		it->transaction_code = (int) v;
	}
	else
	{
		unsigned char c = rec[D1_CANCEL.start - 1];

		if (c != ' ' && c != '0' && c != '1')
			return field_error(p, rec, D1_CANCEL, "is not 1 (取消) or blank", NULL);
		it->cancelled = (c == '1');
	}

	if (p->sum_all > INT64_MAX - it->amount)
		return fail(p, NULL, "record %d (data): the amounts of the group add up to more than this reader counts",
					p->record_no);
	p->n_all++;
	p->sum_all += it->amount;
	if (it->cancelled)
	{
		p->n_cancel++;
		p->sum_cancel += it->amount;
	}
	if (it->deposit)
	{
		p->n_in++;
		p->sum_in += it->amount;
	}
	else
	{
		p->n_out++;
		p->sum_out += it->amount;
	}
	return ZENGIN_ITEM;
}

/* The trailer says want where the data records make have. */
static zengin_result
trailer_mismatch(zengin_parser *p, field f, int64_t want, int64_t have, const char *of)
{
	return fail(p, NULL, "record %d (trailer): field %s (bytes %d-%d) says %lld but %s %lld",
				p->record_no, f.name, f.start, f.start + f.len - 1, (long long) want, of, (long long) have);
}

static zengin_result
read_trailer(zengin_parser *p, const unsigned char *rec)
{
	int64_t		a,
				b,
				c,
				d,
				n;

	if (p->header.kind == 1)
	{
		int64_t		n_net = p->n_all - p->n_cancel,
					sum_net = p->sum_all - p->sum_cancel;

		if (!need_number(p, rec, T1_COUNT, &a) || !need_number(p, rec, T1_TOTAL, &b) ||
			!opt_number(p, rec, T1_CANCEL_COUNT, &c) || !opt_number(p, rec, T1_CANCEL_TOTAL, &d))
			return ZENGIN_ERROR;
		/* 件数/合計額 count the transfers; banks differ on whether the
		 * cancellations are in them, so either reading is accepted. */
		if (a != n_net && a != p->n_all)
			return trailer_mismatch(p, T1_COUNT, a, p->n_all, "the data records of its group number");
		if (!((a == n_net && b == sum_net) || (a == p->n_all && b == p->sum_all)))
			return trailer_mismatch(p, T1_TOTAL, b, a == n_net ? sum_net : p->sum_all,
									a == n_net && n_net != p->n_all
									? "the transfers of its group (cancellations apart) add up to"
									: "the data records of its group add up to");
		if (c >= 0 && c != p->n_cancel)
			return trailer_mismatch(p, T1_CANCEL_COUNT, c, p->n_cancel,
									"the cancellations (取消区分 1) of its group number");
		if (d >= 0 && d != p->sum_cancel)
			return trailer_mismatch(p, T1_CANCEL_TOTAL, d, p->sum_cancel,
									"the cancellations (取消区分 1) of its group add up to");
	}
	else
	{
		if (!need_number(p, rec, T3_IN_COUNT, &a) || !need_number(p, rec, T3_IN_TOTAL, &b) ||
			!need_number(p, rec, T3_OUT_COUNT, &c) || !need_number(p, rec, T3_OUT_TOTAL, &d) ||
			!opt_number(p, rec, T3_RECORDS, &n))
			return ZENGIN_ERROR;
		if (a != p->n_in)
			return trailer_mismatch(p, T3_IN_COUNT, a, p->n_in, "the deposits of its group number");
		if (b != p->sum_in)
			return trailer_mismatch(p, T3_IN_TOTAL, b, p->sum_in, "the deposits of its group add up to");
		if (c != p->n_out)
			return trailer_mismatch(p, T3_OUT_COUNT, c, p->n_out, "the withdrawals of its group number");
		if (d != p->sum_out)
			return trailer_mismatch(p, T3_OUT_TOTAL, d, p->sum_out, "the withdrawals of its group add up to");
		if (n >= 0 && n != p->n_all)
			return trailer_mismatch(p, T3_RECORDS, n, p->n_all, "the data records of its group number");
	}
	p->state = ST_BETWEEN;
	return ZENGIN_ITEM;			/* "go on" */
}

zengin_result
zengin_next(zengin_parser *p, zengin_item *item)
{
	for (;;)
	{
		const unsigned char *rec;
		size_t		rlen;
		zengin_result r;

		if (p->state == ST_DONE)
			return ZENGIN_DONE;
		if (p->state == ST_FAILED)
			return ZENGIN_ERROR;
		if (p->state == ST_AFTER_END)
		{
			size_t		i;

			for (i = p->pos; i < p->len; i++)
				if (p->data[i] != '\r' && p->data[i] != '\n' && p->data[i] != 0x1A)
					return fail(p, HINT_ORDER, "record %d: data after the end record (record %d)",
								p->record_no + 1, p->record_no);
			p->state = ST_DONE;
			return ZENGIN_DONE;
		}

		if (!next_record(p, &rec, &rlen))
		{
			if (p->record_no == 0)
				return fail(p, NULL, "the file is empty");
			if (p->state == ST_GROUP)
				return fail(p, HINT_ORDER,
							"the file ends after record %d, inside the group that record %d opened: "
							"its trailer and the end record are missing",
							p->record_no, p->header.record_no);
			return fail(p, HINT_ORDER, "the file ends after record %d without an end record (データ区分 9)",
						p->record_no);
		}
		if (rlen != ZENGIN_RECORD_LEN)
		{
			/* bytes no Zengin file holds suggest a converted file */
			const char *hint = HINT_FRAMING;
			size_t		i;

			for (i = 0; i < rlen; i++)
				if ((rec[i] >= 0x80 && rec[i] < 0xA1) || rec[i] > 0xDF)
					hint = HINT_JIS;
			return fail(p, hint, "record %d%s is %zu bytes long, expected %d",
						p->record_no, rlen > 0 ? record_kind_name(rec[0]) : "", rlen, ZENGIN_RECORD_LEN);
		}

		switch (rec[0])
		{
			case '1':
				if (p->state == ST_GROUP)
					return fail(p, HINT_ORDER,
								"record %d (header): a header inside the group that record %d opened, before its trailer",
								p->record_no, p->header.record_no);
				r = read_header(p, rec);
				if (r == ZENGIN_ERROR)
					return r;
				break;
			case '2':
				if (p->state == ST_START)
					return fail(p, HINT_ORDER, "record %d (data): a data record before any header", p->record_no);
				if (p->state == ST_BETWEEN)
					return fail(p, HINT_ORDER,
								"record %d (data): a data record after the trailer of its group, before a new header",
								p->record_no);
				return read_data(p, rec, item);
			case '8':
				if (p->state != ST_GROUP)
					return fail(p, HINT_ORDER, "record %d (trailer): a trailer without a header", p->record_no);
				r = read_trailer(p, rec);
				if (r == ZENGIN_ERROR)
					return r;
				break;
			case '9':
				if (p->state == ST_START)
					return fail(p, HINT_ORDER, "record %d (end): an end record before any header", p->record_no);
				if (p->state == ST_GROUP)
					return fail(p, HINT_ORDER,
								"record %d (end): the group that record %d opened has no trailer",
								p->record_no, p->header.record_no);
				p->state = ST_AFTER_END;
				break;
			default:
				{
					char		q[16];
					field		f = {"データ区分", 1, 1};

					quote_field(rec, f, q, sizeof(q));
					if (p->record_no == 1 && rec[0] == 0xF1)
						return fail(p, HINT_EBCDIC,
									"record 1: データ区分 (byte 1) is byte 0xf1, \"1\" in EBCDIC: the file looks EBCDIC-coded");
					return fail(p, HINT_ORDER,
								"record %d: unknown record type %s in データ区分 (byte 1), expected 1 (header), 2 (data), 8 (trailer) or 9 (end)",
								p->record_no, q);
				}
		}
	}
}
