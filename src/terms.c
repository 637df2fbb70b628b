/*
 * terms.c: the ar.payment_terms type and its functions.
 *
 * The parsing, canonical text, labels and date arithmetic live in the plain
 * core (core/terms.c); this file turns its results into datums and its
 * messages into ereport.  Text crosses the core boundary as UTF-8, so
 * Japanese input and labels work in a database of any server encoding.
 *
 * On disk a value is a varlena: the header word, a format version byte, a
 * reserved byte, then the fields of pgr_terms and its closing clauses only
 * (16 + 4 x clauses bytes, header included).  Binary send/recv write the same fields in
 * network order; recv checks them all with the core's validator.
 */
#include "postgres.h"

#include "calendar.h"
#include "core/terms.h"

#include "access/hash.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/numeric.h"

PG_FUNCTION_INFO_V1(pgr_payment_terms_in);
PG_FUNCTION_INFO_V1(pgr_payment_terms_out);
PG_FUNCTION_INFO_V1(pgr_payment_terms_recv);
PG_FUNCTION_INFO_V1(pgr_payment_terms_send);
PG_FUNCTION_INFO_V1(pgr_payment_terms_eq);
PG_FUNCTION_INFO_V1(pgr_payment_terms_ne);
PG_FUNCTION_INFO_V1(pgr_payment_terms_hash);
PG_FUNCTION_INFO_V1(pgr_due_date);
PG_FUNCTION_INFO_V1(pgr_discount_date);
PG_FUNCTION_INFO_V1(pgr_discount_amount);
PG_FUNCTION_INFO_V1(pgr_terms_label_fn);

typedef struct PaymentTerms
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;		/* PGR_TERMS_VERSION */
	uint8		reserved;		/* 0; for format evolution */
	uint8		kind;
	uint8		adjust;
	uint8		nclauses;
	uint8		unused;			/* 0 */
	uint16		days;
	uint16		discount_hundredths;
	uint16		discount_days;
	pgr_terms_clause clauses[FLEXIBLE_ARRAY_MEMBER];
} PaymentTerms;

#define PT_SIZE(n) (offsetof(PaymentTerms, clauses) + sizeof(pgr_terms_clause) * (n))
#define DatumGetPaymentTermsP(x) ((PaymentTerms *) PG_DETOAST_DATUM(x))
#define PG_GETARG_PAYMENT_TERMS_P(n) DatumGetPaymentTermsP(PG_GETARG_DATUM(n))

static const char *const TERMS_HINT =
"Write terms such as net 30, eom +30, close 20 due 1 10, 2/10 net 30, "
"close 15 due 0 eom; close eom due 1 15, or 月末締め翌月末払い, optionally followed by "
", adjust preceding|following|modified_following or （前営業日）/（翌営業日）.";

static PaymentTerms *
terms_to_datum(const pgr_terms *t)
{
	Size		size = PT_SIZE(t->nclauses);
	PaymentTerms *pt = palloc0(size);

	SET_VARSIZE(pt, size);
	pt->version = PGR_TERMS_VERSION;
	pt->kind = t->kind;
	pt->adjust = t->adjust;
	pt->nclauses = t->nclauses;
	pt->days = t->days;
	pt->discount_hundredths = t->discount_hundredths;
	pt->discount_days = t->discount_days;
	memcpy(pt->clauses, t->clauses, sizeof(pgr_terms_clause) * t->nclauses);
	return pt;
}

/* Unpack a stored value, checking it as if it came from outside. */
static void
datum_to_terms(const PaymentTerms *pt, pgr_terms *t)
{
	char		err[PGR_TERMS_ERR_MAX];

	if (VARSIZE(pt) < PT_SIZE(0) || pt->version != PGR_TERMS_VERSION || pt->reserved != 0
		|| pt->nclauses > PGR_TERMS_MAX_CLAUSES || VARSIZE(pt) != PT_SIZE(pt->nclauses))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupt ar.payment_terms value (format version %d, %u bytes)",
						pt->version, (unsigned) VARSIZE(pt))));
	memset(t, 0, sizeof(*t));
	t->kind = pt->kind;
	t->adjust = pt->adjust;
	t->nclauses = pt->nclauses;
	t->days = pt->days;
	t->discount_hundredths = pt->discount_hundredths;
	t->discount_days = pt->discount_days;
	memcpy(t->clauses, pt->clauses, sizeof(pgr_terms_clause) * pt->nclauses);
	if (!pgr_terms_validate(t, err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupt ar.payment_terms value: %s", err)));
}

/* Input text shortened for a message: at most 80 bytes, whole characters. */
static char *
quote_input(const char *s)
{
	int			len = (int) strlen(s);

	if (len <= 80)
		return pstrdup(s);
	len = pg_mbcliplen(s, len, 80);
	return psprintf("%.*s...", len, s);
}

Datum
pgr_payment_terms_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	char	   *utf8 = pg_server_to_any(str, (int) strlen(str), PG_UTF8);
	pgr_terms	t;
	char		err[PGR_TERMS_ERR_MAX];

	if (!pgr_terms_parse(utf8, strlen(utf8), &t, err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid payment terms \"%s\": %s", quote_input(str),
						pg_any_to_server(err, (int) strlen(err), PG_UTF8)),
				 errhint("%s", pg_any_to_server(TERMS_HINT, (int) strlen(TERMS_HINT), PG_UTF8))));
	PG_RETURN_POINTER(terms_to_datum(&t));
}

Datum
pgr_payment_terms_out(PG_FUNCTION_ARGS)
{
	PaymentTerms *pt = PG_GETARG_PAYMENT_TERMS_P(0);
	pgr_terms	t;
	char		buf[PGR_TERMS_TEXT_MAX];

	datum_to_terms(pt, &t);
	pgr_terms_format(&t, buf, sizeof(buf));
	PG_RETURN_CSTRING(pstrdup(buf));	/* canonical text is ASCII */
}

/*
 * Binary form: int8 version, int8 kind, int8 adjust, int16 days, int16
 * discount_hundredths, int16 discount_days, int8 nclauses, then per clause
 * int8 close_day, int8 due_months, int8 due_day.
 */
Datum
pgr_payment_terms_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	pgr_terms	t;
	int			version,
				i;
	char		err[PGR_TERMS_ERR_MAX];

	memset(&t, 0, sizeof(t));
	version = pq_getmsgint(buf, 1);
	if (version != PGR_TERMS_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary ar.payment_terms format version %d", version),
				 errdetail("This version of pg_receivables reads format version %d.", PGR_TERMS_VERSION)));
	t.kind = (uint8) pq_getmsgint(buf, 1);
	t.adjust = (uint8) pq_getmsgint(buf, 1);
	t.days = (uint16) pq_getmsgint(buf, 2);
	t.discount_hundredths = (uint16) pq_getmsgint(buf, 2);
	t.discount_days = (uint16) pq_getmsgint(buf, 2);
	i = pq_getmsgint(buf, 1);
	if (i > PGR_TERMS_MAX_CLAUSES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary ar.payment_terms: %d closing rules (at most %d)", i, PGR_TERMS_MAX_CLAUSES)));
	t.nclauses = (uint8) i;
	for (i = 0; i < t.nclauses; i++)
	{
		t.clauses[i].close_day = (uint8) pq_getmsgint(buf, 1);
		t.clauses[i].due_months = (uint8) pq_getmsgint(buf, 1);
		t.clauses[i].due_day = (uint8) pq_getmsgint(buf, 1);
	}
	if (!pgr_terms_validate(&t, err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary ar.payment_terms: %s", err)));
	PG_RETURN_POINTER(terms_to_datum(&t));
}

Datum
pgr_payment_terms_send(PG_FUNCTION_ARGS)
{
	PaymentTerms *pt = PG_GETARG_PAYMENT_TERMS_P(0);
	pgr_terms	t;
	StringInfoData buf;
	int			i;

	datum_to_terms(pt, &t);
	pq_begintypsend(&buf);
	pq_sendint8(&buf, PGR_TERMS_VERSION);
	pq_sendint8(&buf, t.kind);
	pq_sendint8(&buf, t.adjust);
	pq_sendint16(&buf, t.days);
	pq_sendint16(&buf, t.discount_hundredths);
	pq_sendint16(&buf, t.discount_days);
	pq_sendint8(&buf, t.nclauses);
	for (i = 0; i < t.nclauses; i++)
	{
		pq_sendint8(&buf, t.clauses[i].close_day);
		pq_sendint8(&buf, t.clauses[i].due_months);
		pq_sendint8(&buf, t.clauses[i].due_day);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Canonical values are equal exactly when their bytes are. */
static bool
terms_equal(const PaymentTerms *a, const PaymentTerms *b)
{
	return VARSIZE(a) == VARSIZE(b)
		&& memcmp(VARDATA(a), VARDATA(b), VARSIZE(a) - VARHDRSZ) == 0;
}

Datum
pgr_payment_terms_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(terms_equal(PG_GETARG_PAYMENT_TERMS_P(0), PG_GETARG_PAYMENT_TERMS_P(1)));
}

Datum
pgr_payment_terms_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!terms_equal(PG_GETARG_PAYMENT_TERMS_P(0), PG_GETARG_PAYMENT_TERMS_P(1)));
}

Datum
pgr_payment_terms_hash(PG_FUNCTION_ARGS)
{
	PaymentTerms *pt = PG_GETARG_PAYMENT_TERMS_P(0);

	return hash_any((const unsigned char *) VARDATA(pt), (int) (VARSIZE(pt) - VARHDRSZ));
}

static DateADT
checked_date(int64_t day, const char *what)
{
	if (day < DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE || !IS_VALID_DATE((DateADT) day)
		|| day > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s out of range", what)));
	return (DateADT) day;
}

static void
check_finite(DateADT d, const char *what)
{
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite date", what)));
}

/* ar.due_date(terms ar.payment_terms, issue_date date, calendar text) -> date */
Datum
pgr_due_date(PG_FUNCTION_ARGS)
{
	PaymentTerms *pt = PG_GETARG_PAYMENT_TERMS_P(0);
	DateADT		issue = PG_GETARG_DATEADT(1);
	const PgrCalendar *cal = pgr_calendar_get(PG_GETARG_TEXT_PP(2));
	pgr_terms	t;
	DateADT		due,
				adjusted;

	datum_to_terms(pt, &t);
	check_finite(issue, "issue date");
	due = checked_date(pgr_terms_raw_due(&t, issue), "due date");
	adjusted = pgr_calendar_roll(cal, due, (PgrRoll) t.adjust);

	/*
	 * A preceding (or modified following) move never takes the due date
	 * before the issue date: then the next business day on or after the
	 * unadjusted date is due.
	 */
	if (adjusted < issue)
		adjusted = pgr_calendar_roll(cal, due, PGR_ROLL_FOLLOWING);
	PG_RETURN_DATEADT(adjusted);
}

/* ar.discount_date(terms ar.payment_terms, issue_date date) -> date */
Datum
pgr_discount_date(PG_FUNCTION_ARGS)
{
	PaymentTerms *pt = PG_GETARG_PAYMENT_TERMS_P(0);
	DateADT		issue = PG_GETARG_DATEADT(1);
	pgr_terms	t;
	int64_t		d;

	datum_to_terms(pt, &t);
	check_finite(issue, "issue date");
	if (!pgr_terms_discount_date(&t, issue, &d))
		PG_RETURN_NULL();
	PG_RETURN_DATEADT(checked_date(d, "discount date"));
}

/*
 * ar.discount_amount(terms, amount numeric, issue_date date, paid_on date,
 * minor_unit integer) -> numeric
 *
 * The early-payment discount earned by paying on paid_on: amount x percent,
 * rounded half away from zero to minor_unit decimals, when paid_on is on or
 * before the discount date; else 0.
 */
Datum
pgr_discount_amount(PG_FUNCTION_ARGS)
{
	PaymentTerms *pt = PG_GETARG_PAYMENT_TERMS_P(0);
	Datum		amount = PG_GETARG_DATUM(1);
	DateADT		issue = PG_GETARG_DATEADT(2);
	DateADT		paid_on = PG_GETARG_DATEADT(3);
	int32		minor_unit = PG_GETARG_INT32(4);
	pgr_terms	t;
	int64_t		last;
	Datum		result;

	if (minor_unit < 0 || minor_unit > 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("minor unit %d out of range", minor_unit),
				 errhint("Give the number of decimals of the currency, 0 to 4 (JPY 0, USD 2), as in ar.currency.")));
	datum_to_terms(pt, &t);
	check_finite(issue, "issue date");
	if (pgr_terms_discount_date(&t, issue, &last) && !DATE_IS_NOBEGIN(paid_on) && paid_on <= last)
	{
		char		factor[32];

		/* percent / 100 as an exact decimal: 2% -> 0.0200 */
		snprintf(factor, sizeof(factor), "%d.%04d", t.discount_hundredths / 10000,
				 t.discount_hundredths % 10000);
		result = DirectFunctionCall2(numeric_mul, amount,
									 DirectFunctionCall3(numeric_in, CStringGetDatum(factor),
														 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	}
	else
		result = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_round, result, Int32GetDatum(minor_unit)));
}

/* ar.terms_label(terms ar.payment_terms, locale text) -> text */
Datum
pgr_terms_label_fn(PG_FUNCTION_ARGS)
{
	PaymentTerms *pt = PG_GETARG_PAYMENT_TERMS_P(0);
	char	   *locale = text_to_cstring(PG_GETARG_TEXT_PP(1));
	pgr_terms	t;
	pgr_terms_locale loc;
	char		buf[PGR_TERMS_TEXT_MAX];

	if (strcmp(locale, "ja") == 0)
		loc = PGR_LOCALE_JA;
	else if (strcmp(locale, "en") == 0)
		loc = PGR_LOCALE_EN;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported locale \"%s\" for payment terms labels", locale),
				 errhint("Use ja or en.")));
	datum_to_terms(pt, &t);
	pgr_terms_label(&t, loc, buf, sizeof(buf));
	PG_RETURN_TEXT_P(cstring_to_text(pg_any_to_server(buf, (int) strlen(buf), PG_UTF8)));
}
