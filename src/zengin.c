/*
 * zengin.c: ar.zengin_read(bytea, text, date), the SQL face of
 * src/core/zengin.c.  ar.parse_zengin and ar.parse_zengin_as_of
 * (schema/170_zengin.sql) add the bank reference on top.
 *
 * The whole file is read before any row is returned (materialize mode), so
 * a malformed file is refused as a whole: SQLSTATE 22P02 with the core's
 * message, which names the record, the field and its bytes.  A wrong
 * encoding argument is SQLSTATE 22023.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "core/zengin.h"

PG_FUNCTION_INFO_V1(pgr_zengin_read);

#define ZENGIN_COLUMNS 24

/* Encodings the bytes can be read as: every one means JIS X 0201 8-bit, the
 * single-byte half of Shift_JIS, which is all a Zengin file may hold. */
static const char *const jis_names[] = {
	"SJIS", "SHIFT_JIS", "SHIFT-JIS", "SHIFTJIS", "CP932", "MS932", "WINDOWS-31J",
	"JIS", "JIS_X_0201", "JISX0201", NULL
};
static const char *const ebcdic_names[] = {
	"EBCDIC", "EBCDIK", "EBCDIC-KANA", "CP290", "IBM290", "IBM-290", "CP930", "CP5026", NULL
};

static bool
name_in(const char *name, const char *const *list)
{
	int			i;

	for (i = 0; list[i] != NULL; i++)
		if (pg_strcasecmp(name, list[i]) == 0)
			return true;
	return false;
}

static void
check_encoding(text *enc)
{
	char	   *name = text_to_cstring(enc);
	char	   *s = name,
			   *e;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		*--e = '\0';
	if (name_in(s, jis_names))
		return;
	if (name_in(s, ebcdic_names))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("encoding \"%s\" is not supported for Zengin files", name),
				 errdetail("Only the JIS code variant (コード区分 0) of Zengin files is read."),
				 errhint("Ask the bank for the JIS file, or download it from internet banking, and read it with encoding 'SJIS'.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown encoding \"%s\" for a Zengin file", name),
			 errhint("Zengin files are JIS X 0201 (ASCII and half-width katakana, the single-byte part of Shift_JIS): use 'SJIS'.")));
}

/* UTF-8 from the core as a text datum in the database encoding; NULL when
 * empty and nullable. */
static Datum
text_datum(const char *s, bool *isnull, bool nullable)
{
	size_t		len = strlen(s);
	char	   *conv;

	if (len == 0 && nullable)
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	conv = pg_any_to_server(s, (int) len, PG_UTF8);
	return PointerGetDatum(cstring_to_text(conv));
}

static Datum
date_datum(zengin_date d)
{
	static const zengin_date pg_epoch = {2000, 1, 1};

	return DateADTGetDatum((DateADT) (zengin_days(d) - zengin_days(pg_epoch)));
}

/* Store a text column and its null flag, then move on. */
#define PUT_TEXT(s, nullable) \
	do { \
		values[c] = text_datum((s), &nulls[c], (nullable)); \
		c++; \
	} while (0)

/* ar.zengin_read(data bytea, encoding text, as_of date) -> SETOF record */
Datum
pgr_zengin_read(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	DateADT		as_of = PG_GETARG_DATEADT(2);
	TupleDesc	tupdesc;
	Tuplestorestate *store;
	MemoryContext oldcxt;
	MemoryContext rowcxt;
	zengin_parser *p;
	zengin_item item;
	zengin_result r;
	zengin_date asof;
	int			y,
				m,
				d;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ar.zengin_read must be called where a set is accepted, as in SELECT * FROM ar.zengin_read(...)")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "ar.zengin_read: return type must be a row type");
	if (tupdesc->natts != ZENGIN_COLUMNS)
		elog(ERROR, "ar.zengin_read: expected %d result columns, the SQL declaration has %d",
			 ZENGIN_COLUMNS, tupdesc->natts);
	check_encoding(PG_GETARG_TEXT_PP(1));
	if (DATE_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("as_of date must be finite")));
	j2date(as_of + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	asof.year = y;
	asof.month = m;
	asof.day = d;

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = CreateTupleDescCopy(tupdesc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);

	/* per-record scratch: the values are copied into the tuplestore */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "ar.zengin_read row",
								   ALLOCSET_DEFAULT_SIZES);
	p = palloc(sizeof(zengin_parser));
	zengin_init(p, VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data), asof);
	while ((r = zengin_next(p, &item)) == ZENGIN_ITEM)
	{
		const zengin_header *h = item.header;
		Datum		values[ZENGIN_COLUMNS];
		bool		nulls[ZENGIN_COLUMNS];
		char		code[3];
		int			c = 0;

		memset(nulls, 0, sizeof(nulls));
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(rowcxt);
		oldcxt = MemoryContextSwitchTo(rowcxt);
		values[c++] = Int32GetDatum(item.record_no);
		values[c++] = Int32GetDatum(item.group_no);
		PUT_TEXT(item.kind == 1 ? "01" : "03", false);
		values[c++] = date_datum(item.account_date);
		values[c++] = date_datum(item.value_date);
		values[c++] = DirectFunctionCall1(int8_numeric, Int64GetDatum(item.amount));
		PUT_TEXT(item.deposit ? "deposit" : "withdrawal", false);
		code[0] = '\0';
		if (item.transaction_code >= 0 && item.transaction_code <= 99)
		{
			code[0] = (char) ('0' + item.transaction_code / 10);
			code[1] = (char) ('0' + item.transaction_code % 10);
			code[2] = '\0';
		}
		PUT_TEXT(code, true);
		values[c++] = BoolGetDatum(item.cancelled != 0);
		PUT_TEXT(item.inquiry_no, true);
		PUT_TEXT(item.payer_code, true);
		PUT_TEXT(item.payer_name, true);
		PUT_TEXT(item.bank_name, true);
		PUT_TEXT(item.branch_name, true);
		PUT_TEXT(item.edi_info, true);
		PUT_TEXT(item.description, true);
		PUT_TEXT(h->bank_code, false);
		PUT_TEXT(h->bank_name, true);
		PUT_TEXT(h->branch_code, false);
		PUT_TEXT(h->branch_name, true);
		PUT_TEXT(h->account_type, true);
		PUT_TEXT(h->account_no, false);
		PUT_TEXT(h->account_name, true);
		values[c++] = date_datum(h->created);
		Assert(c == ZENGIN_COLUMNS);
		MemoryContextSwitchTo(oldcxt);
		tuplestore_putvalues(store, tupdesc, values, nulls);
	}
	MemoryContextDelete(rowcxt);
	if (r == ZENGIN_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s", p->error),
				 p->hint ? errhint("%s", p->hint) : 0));

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}
