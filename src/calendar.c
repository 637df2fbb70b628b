/*
 * calendar.c: business calendars in the server.
 *
 * Built-in calendars (JP, JP-BANK, WEEKENDS) are computed by the plain core
 * in core/calendar.c.  User calendars (ar.calendar) and extra days
 * (ar.holiday, which may also add days to a built-in calendar) are read once
 * per backend into a cache in CacheMemoryContext, so the calendar functions
 * run no query per call.  The cache is dropped when either table changes:
 * a statement trigger on both tables (ar.tg_calendar_changed) registers a
 * relcache invalidation of the table, which reaches this backend at the
 * next command and every other backend when the transaction commits (and is
 * undone here if it rolls back); a relcache callback then marks the cache
 * stale and the next call reloads it.
 *
 * A day is a holiday of a calendar when it is a row of the calendar in
 * ar.holiday, a row of the built-in calendar it is based on (JP-BANK also
 * takes the rows of JP), or a holiday the built-in computes.  The first of
 * these that names the day gives its name.
 */
#include "postgres.h"

#include "calendar.h"
#include "core/calendar.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(pgr_is_business_day);
PG_FUNCTION_INFO_V1(pgr_holiday_name);
PG_FUNCTION_INFO_V1(pgr_holidays);
PG_FUNCTION_INFO_V1(pgr_adjust_business_day);
PG_FUNCTION_INFO_V1(pgr_add_business_days);
PG_FUNCTION_INFO_V1(pgr_tg_calendar_changed);

/* Longest run of non-business days searched before giving up. */
#define MAX_SCAN_DAYS 3660
/* Largest |n| of ar.add_business_days: about 3,800 years of weekdays. */
#define MAX_BUSINESS_DAYS 1000000

typedef struct PgrHoliday
{
	DateADT		day;
	int			priority;		/* 0 = the calendar's own row; only while loading */
	const char *name;			/* server encoding */
} PgrHoliday;

struct PgrCalendar
{
	char	   *code;			/* NUL-terminated, server encoding */
	int			codelen;
	pgr_builtin_calendar base;	/* built-in whose computed holidays apply */
	uint8		weekend_mask;	/* bit d = weekday d (0 = Sunday) is closed */
	int			nrows;
	PgrHoliday *rows;			/* rows of ar.holiday that apply, by day */
};

typedef struct CalendarCache
{
	MemoryContext cxt;
	int			ncal;
	PgrCalendar *cals;			/* sorted by code bytes */
} CalendarCache;

static CalendarCache *cache = NULL;
static bool cache_valid = false;
static uint64 inval_count = 0;	/* invalidations seen, to spot one during a load */
static bool callback_registered = false;
static Oid	calendar_relid = InvalidOid;
static Oid	holiday_relid = InvalidOid;
static const PgrCalendar *last_cal = NULL;

/* Built-ins when ar.calendar does not list them (it always should). */
static PgrCalendar builtin_fallback[] = {
	{NULL, 0, PGR_CAL_NONE, 0, 0, NULL},
	{"JP", 2, PGR_CAL_JP, PGR_WEEKEND_SAT_SUN, 0, NULL},
	{"JP-BANK", 7, PGR_CAL_JP_BANK, PGR_WEEKEND_SAT_SUN, 0, NULL},
	{"WEEKENDS", 8, PGR_CAL_WEEKENDS, PGR_WEEKEND_SAT_SUN, 0, NULL},
};

static void
calendar_inval_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == calendar_relid || relid == holiday_relid)
	{
		inval_count++;
		cache_valid = false;
		last_cal = NULL;
	}
}

static int
cmp_code(const char *a, int alen, const char *b, int blen)
{
	int			r = memcmp(a, b, Min(alen, blen));

	return r != 0 ? r : alen - blen;
}

static int
cmp_calendar(const void *a, const void *b)
{
	const PgrCalendar *x = a,
			   *y = b;

	return cmp_code(x->code, x->codelen, y->code, y->codelen);
}

static int
cmp_holiday(const void *a, const void *b)
{
	const PgrHoliday *x = a,
			   *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->priority - y->priority;
}

static PgrCalendar *
find_in(CalendarCache *c, const char *code, int len)
{
	int			lo = 0,
				hi = c->ncal - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			r = cmp_code(code, len, c->cals[mid].code, c->cals[mid].codelen);

		if (r == 0)
			return &c->cals[mid];
		if (r < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Raw rows of ar.holiday, grouped by calendar while loading. */
typedef struct RawRow
{
	int			cal;			/* index into cals */
	DateADT		day;
	const char *name;
} RawRow;

/* Append the raw rows of calendar index ci with a priority. */
static int
add_rows_of(PgrHoliday *dst, int n, RawRow *raw, int nraw, int ci, int priority)
{
	int			i;

	for (i = 0; i < nraw; i++)
		if (raw[i].cal == ci)
		{
			dst[n].day = raw[i].day;
			dst[n].priority = priority;
			dst[n].name = raw[i].name;
			n++;
		}
	return n;
}

static void
load_cache(void)
{
	MemoryContext cxt,
				old;
	CalendarCache *nc;
	Oid			nsp;
	int			i,
				nraw = 0;
	RawRow	   *raw = NULL;
	uint64		inval_at_start;

	nsp = get_namespace_oid("ar", false);
	calendar_relid = get_relname_relid("calendar", nsp);
	holiday_relid = get_relname_relid("holiday", nsp);
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(calendar_inval_callback, (Datum) 0);
		callback_registered = true;
	}

	/*
	 * Built under the caller's context, so an error while loading leaves
	 * nothing behind (and the cache still marked stale); moved under
	 * CacheMemoryContext once complete.  An invalidation arriving while the
	 * queries run leaves the new cache marked stale, so the next call
	 * reloads.
	 */
	inval_at_start = inval_count;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_receivables calendars",
								ALLOCSET_SMALL_SIZES);
	nc = MemoryContextAllocZero(cxt, sizeof(CalendarCache));
	nc->cxt = cxt;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT c.code, c.based_on,"
					" (SELECT COALESCE(pg_catalog.sum(DISTINCT pg_catalog.int4shl(1, d)), 0)"
					"    FROM pg_catalog.unnest(c.weekend_days) AS d)::pg_catalog.int4"
					" FROM ar.calendar c", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ar.calendar");
	nc->ncal = (int) SPI_processed;
	nc->cals = MemoryContextAllocZero(cxt, sizeof(PgrCalendar) * Max(nc->ncal, 1));
	for (i = 0; i < nc->ncal; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		PgrCalendar *cal = &nc->cals[i];
		char	   *code = SPI_getvalue(tup, desc, 1);
		char	   *based_on = SPI_getvalue(tup, desc, 2);
		bool		isnull;
		int32		mask = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		pgr_builtin_calendar self = pgr_cal_builtin(code, strlen(code));

		cal->code = MemoryContextStrdup(cxt, code);
		cal->codelen = (int) strlen(code);
		cal->weekend_mask = (uint8) (mask & 0x7F);
		if (self != PGR_CAL_NONE)
		{
			/* A built-in keeps its own rules whatever its row says. */
			cal->base = self;
			cal->weekend_mask = PGR_WEEKEND_SAT_SUN;
		}
		else
			cal->base = based_on ? pgr_cal_builtin(based_on, strlen(based_on)) : PGR_CAL_NONE;
	}
	qsort(nc->cals, nc->ncal, sizeof(PgrCalendar), cmp_calendar);

	if (SPI_execute("SELECT h.calendar, h.day, h.name FROM ar.holiday h", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ar.holiday");
	if (SPI_processed > 0)
		raw = palloc(sizeof(RawRow) * SPI_processed);
	for (i = 0; i < (int) SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *code = SPI_getvalue(tup, desc, 1);
		PgrCalendar *cal = find_in(nc, code, (int) strlen(code));
		bool		isnull;

		if (cal == NULL)
			continue;			/* cannot happen: ar.holiday references ar.calendar */
		raw[nraw].cal = (int) (cal - nc->cals);
		raw[nraw].day = DatumGetDateADT(SPI_getbinval(tup, desc, 2, &isnull));
		raw[nraw].name = MemoryContextStrdup(cxt, SPI_getvalue(tup, desc, 3));
		nraw++;
	}

	/* Each calendar: its own rows, then those of its built-in base (and JP). */
	for (i = 0; i < nc->ncal && nraw > 0; i++)
	{
		PgrCalendar *cal = &nc->cals[i];
		PgrHoliday *rows = MemoryContextAlloc(cxt, sizeof(PgrHoliday) * nraw);
		int			n = 0,
					j,
					k;
		PgrCalendar *b;

		n = add_rows_of(rows, n, raw, nraw, i, 0);
		if (cal->base != PGR_CAL_NONE && pgr_cal_builtin(cal->code, cal->codelen) == PGR_CAL_NONE)
		{
			const char *bc = pgr_cal_builtin_code(cal->base);

			if ((b = find_in(nc, bc, (int) strlen(bc))) != NULL)
				n = add_rows_of(rows, n, raw, nraw, (int) (b - nc->cals), 1);
		}
		if (cal->base == PGR_CAL_JP_BANK && (b = find_in(nc, "JP", 2)) != NULL)
			n = add_rows_of(rows, n, raw, nraw, (int) (b - nc->cals), 2);
		qsort(rows, n, sizeof(PgrHoliday), cmp_holiday);
		/* Keep the first (most specific) row of each day. */
		for (j = 0, k = 0; j < n; j++)
			if (k == 0 || rows[k - 1].day != rows[j].day)
				rows[k++] = rows[j];
		cal->rows = rows;
		cal->nrows = k;
	}
	SPI_finish();

	old = cache ? cache->cxt : NULL;
	MemoryContextSetParent(cxt, CacheMemoryContext);
	cache = nc;
	cache_valid = (inval_count == inval_at_start);
	last_cal = NULL;
	if (old)
		MemoryContextDelete(old);
}

const PgrCalendar *
pgr_calendar_get(const text *code)
{
	const char *s = VARDATA_ANY(code);
	int			len = (int) VARSIZE_ANY_EXHDR(code);
	const PgrCalendar *cal;
	pgr_builtin_calendar b;

	if (!cache_valid || cache == NULL)
		load_cache();
	if (last_cal && last_cal->codelen == len && memcmp(last_cal->code, s, len) == 0)
		return last_cal;
	cal = find_in(cache, s, len);
	if (cal == NULL && (b = pgr_cal_builtin(s, len)) != PGR_CAL_NONE)
		cal = &builtin_fallback[b];
	if (cal == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown calendar \"%s\"", text_to_cstring(code)),
				 errhint("Use JP, JP-BANK, WEEKENDS or a calendar declared in ar.calendar.")));
	last_cal = cal;
	return cal;
}

static char *
date_text(DateADT day)
{
	return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(day)));
}

static void
check_covered(const PgrCalendar *cal, DateADT day)
{
	int64_t		first,
				last;

	if (!DATE_NOT_FINITE(day) && (cal->base != PGR_CAL_JP && cal->base != PGR_CAL_JP_BANK))
		return;
	pgr_cal_builtin_range(cal->base == PGR_CAL_NONE ? PGR_CAL_WEEKENDS : cal->base, &first, &last);
	if (DATE_NOT_FINITE(day) || day < first || day > last)
	{
		if (cal->base == PGR_CAL_JP || cal->base == PGR_CAL_JP_BANK)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("date %s is outside the range of calendar \"%s\"", date_text(day), cal->code),
					 errdetail("The national holidays of Japan are computed from %s to %s.",
							   date_text((DateADT) first), date_text((DateADT) last))));
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date %s is outside the range of calendar \"%s\"", date_text(day), cal->code),
				 errdetail("Business days are defined for finite dates only.")));
	}
}

/* Name of the holiday (server encoding), or NULL; the day must be covered. */
static const char *
holiday_of(const PgrCalendar *cal, DateADT day)
{
	int			lo = 0,
				hi = cal->nrows - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (cal->rows[mid].day == day)
			return cal->rows[mid].name;
		if (cal->rows[mid].day < day)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	if (cal->base == PGR_CAL_JP || cal->base == PGR_CAL_JP_BANK)
	{
		const char *name = pgr_cal_builtin_holiday(cal->base, day);

		if (name)
			return pg_any_to_server(name, (int) strlen(name), PG_UTF8);
	}
	return NULL;
}

static bool
is_business(const PgrCalendar *cal, DateADT day)
{
	check_covered(cal, day);
	if (cal->weekend_mask & PGR_WEEKEND_BIT(pgr_weekday(day)))
		return false;
	return holiday_of(cal, day) == NULL;
}

bool
pgr_calendar_is_business_day(const PgrCalendar *cal, DateADT day)
{
	return is_business(cal, day);
}

/* The next business day from day (inclusive) in direction step (+1/-1). */
static DateADT
scan(const PgrCalendar *cal, DateADT day, int step)
{
	int			i;

	for (i = 0; i <= MAX_SCAN_DAYS; i++)
	{
		DateADT		d = day + i * step;

		if (!IS_VALID_DATE(d))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("date out of range while looking for a business day of calendar \"%s\"", cal->code)));
		if (is_business(cal, d))
			return d;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("calendar \"%s\" has no business day within %d days %s %s",
					cal->code, MAX_SCAN_DAYS, step > 0 ? "after" : "before", date_text(day)),
			 errhint("Check the weekend days and holidays of the calendar in ar.calendar and ar.holiday.")));
	return day;					/* keep compiler quiet */
}

DateADT
pgr_calendar_roll(const PgrCalendar *cal, DateADT day, PgrRoll rule)
{
	DateADT		d;
	int64_t		y1,
				y2;
	int			m1,
				d1,
				m2,
				d2;

	switch (rule)
	{
		case PGR_ROLL_NONE:
			check_covered(cal, day);
			return day;
		case PGR_ROLL_PRECEDING:
			return scan(cal, day, -1);
		case PGR_ROLL_FOLLOWING:
			return scan(cal, day, +1);
		case PGR_ROLL_MODIFIED_FOLLOWING:
			d = scan(cal, day, +1);
			pgr_civil_from_days(day, &y1, &m1, &d1);
			pgr_civil_from_days(d, &y2, &m2, &d2);
			if (y1 != y2 || m1 != m2)
				d = scan(cal, day, -1);
			return d;
	}
	elog(ERROR, "unknown business-day rule %d", (int) rule);
	return day;
}

static PgrRoll
parse_rule(const text *rule)
{
	char	   *s = text_to_cstring(rule);

	if (strcmp(s, "preceding") == 0)
		return PGR_ROLL_PRECEDING;
	if (strcmp(s, "following") == 0)
		return PGR_ROLL_FOLLOWING;
	if (strcmp(s, "modified_following") == 0)
		return PGR_ROLL_MODIFIED_FOLLOWING;
	if (strcmp(s, "none") == 0)
		return PGR_ROLL_NONE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown business-day rule \"%s\"", s),
			 errhint("Use preceding, following, modified_following or none.")));
	return PGR_ROLL_NONE;
}

/* ar.is_business_day(day date, calendar text) -> boolean */
Datum
pgr_is_business_day(PG_FUNCTION_ARGS)
{
	DateADT		day = PG_GETARG_DATEADT(0);
	const PgrCalendar *cal = pgr_calendar_get(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BOOL(is_business(cal, day));
}

/* ar.holiday_name(day date, calendar text) -> text */
Datum
pgr_holiday_name(PG_FUNCTION_ARGS)
{
	DateADT		day = PG_GETARG_DATEADT(0);
	const PgrCalendar *cal = pgr_calendar_get(PG_GETARG_TEXT_PP(1));
	const char *name;

	check_covered(cal, day);
	name = holiday_of(cal, day);
	if (name == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(name));
}

/* ar.adjust_business_day(day date, rule text, calendar text) -> date */
Datum
pgr_adjust_business_day(PG_FUNCTION_ARGS)
{
	DateADT		day = PG_GETARG_DATEADT(0);
	PgrRoll		rule = parse_rule(PG_GETARG_TEXT_PP(1));
	const PgrCalendar *cal = pgr_calendar_get(PG_GETARG_TEXT_PP(2));

	PG_RETURN_DATEADT(pgr_calendar_roll(cal, day, rule));
}

/*
 * ar.add_business_days(day date, n integer, calendar text) -> date
 *
 * The n-th business day after day (before it for negative n), not counting
 * day itself, which need not be a business day.  n = 0 gives day when it is
 * a business day, else the following one.
 */
Datum
pgr_add_business_days(PG_FUNCTION_ARGS)
{
	DateADT		day = PG_GETARG_DATEADT(0);
	int32		n = PG_GETARG_INT32(1);
	const PgrCalendar *cal = pgr_calendar_get(PG_GETARG_TEXT_PP(2));
	int			step = n < 0 ? -1 : 1;
	int64		left = n < 0 ? -(int64) n : n;
	int			gap = 0;

	if (left > MAX_BUSINESS_DAYS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot add %d business days", n),
				 errdetail("At most %d business days can be added or subtracted at once.", MAX_BUSINESS_DAYS)));
	if (n == 0)
		PG_RETURN_DATEADT(scan(cal, day, +1));
	check_covered(cal, day);
	while (left > 0)
	{
		day += step;
		if (!IS_VALID_DATE(day))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("date out of range adding %d business days of calendar \"%s\"", n, cal->code)));
		if (is_business(cal, day))
		{
			left--;
			gap = 0;
		}
		else if (++gap > MAX_SCAN_DAYS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("calendar \"%s\" has no business day within %d days %s %s",
							cal->code, MAX_SCAN_DAYS, step > 0 ? "after" : "before", date_text(day - step * gap))));
		if ((left & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_DATEADT(day);
}

typedef struct HolidayList
{
	int			n;
	int			next;
	DateADT    *days;
	char	  **names;
} HolidayList;

/* ar.holidays(calendar text, from_day date, to_day date) -> TABLE(day date, name text) */
Datum
pgr_holidays(PG_FUNCTION_ARGS)
{
	FuncCallContext *fctx;
	HolidayList *list;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	desc;
		const PgrCalendar *cal;
		DateADT		from = PG_GETARG_DATEADT(1),
					to = PG_GETARG_DATEADT(2);
		int			cap = 64;

		fctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(fctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "ar.holidays must return a composite type");
		fctx->tuple_desc = BlessTupleDesc(desc);
		list = palloc0(sizeof(HolidayList));
		list->days = palloc(sizeof(DateADT) * cap);
		list->names = palloc(sizeof(char *) * cap);
		cal = pgr_calendar_get(PG_GETARG_TEXT_PP(0));
		if (from <= to)
		{
			if (cal->base == PGR_CAL_JP || cal->base == PGR_CAL_JP_BANK)
			{
				DateADT		d;

				check_covered(cal, from);
				check_covered(cal, to);
				for (d = from; d <= to; d++)
				{
					const char *name = holiday_of(cal, d);

					if (name == NULL)
						continue;
					if (list->n == cap)
					{
						cap *= 2;
						list->days = repalloc(list->days, sizeof(DateADT) * cap);
						list->names = repalloc(list->names, sizeof(char *) * cap);
					}
					list->days[list->n] = d;
					list->names[list->n] = pstrdup(name);
					list->n++;
				}
			}
			else
			{
				/* Only rows: no per-day walk, so any range is cheap. */
				int			i;

				cap = Max(cal->nrows, 1);
				list->days = repalloc(list->days, sizeof(DateADT) * cap);
				list->names = repalloc(list->names, sizeof(char *) * cap);
				for (i = 0; i < cal->nrows; i++)
					if (cal->rows[i].day >= from && cal->rows[i].day <= to)
					{
						list->days[list->n] = cal->rows[i].day;
						list->names[list->n] = pstrdup(cal->rows[i].name);
						list->n++;
					}
			}
		}
		fctx->user_fctx = list;
		MemoryContextSwitchTo(old);
	}
	fctx = SRF_PERCALL_SETUP();
	list = fctx->user_fctx;
	if (list->next < list->n)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};
		HeapTuple	tup;

		values[0] = DateADTGetDatum(list->days[list->next]);
		values[1] = PointerGetDatum(cstring_to_text(list->names[list->next]));
		list->next++;
		tup = heap_form_tuple(fctx->tuple_desc, values, nulls);
		SRF_RETURN_NEXT(fctx, HeapTupleGetDatum(tup));
	}
	SRF_RETURN_DONE(fctx);
}

/*
 * Trigger ar.tg_calendar_changed(): after any change to ar.calendar or
 * ar.holiday, invalidate the table's relcache entry so that every backend
 * drops its calendar cache (this one at the next command, the others at
 * commit).
 */
Datum
pgr_tg_calendar_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "ar.tg_calendar_changed must be called as a trigger");
	CacheInvalidateRelcache(trigdata->tg_relation);
	inval_count++;
	cache_valid = false;
	last_cal = NULL;
	return PointerGetDatum(NULL);
}
