/*
 * template.c: notice templates, money and date formatting (fmgr layer).
 *
 * ar.render_template parses the template with src/core/template.c (cached
 * per call site, as a dunning run renders the same few templates for every
 * customer), turns the jsonb data into the core's value tree, and collects
 * the output in a StringInfo.  The core never runs anything: a template is
 * text and names, nothing else.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "core/template.h"

PG_FUNCTION_INFO_V1(pgr_render_template);
PG_FUNCTION_INFO_V1(pgr_template_placeholders);
PG_FUNCTION_INFO_V1(pgr_format_money);
PG_FUNCTION_INFO_V1(pgr_format_date);

static void
report(const TplError *e)
{
	int			sqlstate;

	switch (e->code)
	{
		case TPL_ERR_SYNTAX:
			sqlstate = ERRCODE_INVALID_TEXT_REPRESENTATION;
			break;
		case TPL_ERR_LIMIT:
			sqlstate = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		case TPL_ERR_MISSING:
		case TPL_ERR_PARAM:
			sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		default:
			sqlstate = ERRCODE_INTERNAL_ERROR;
			break;
	}
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s", e->message),
			 e->hint[0] ? errhint("%s", e->hint) : 0));
}

/* Parse src into a template whose nodes live in context cxt. */
static void
parse_template(const char *src, size_t len, MemoryContext cxt, TplTemplate *t)
{
	size_t		bound;
	TplNode    *nodes;
	TplError	err;

	if (len > TPL_MAX_SOURCE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("template of %zu bytes is longer than the limit of %d bytes", len, TPL_MAX_SOURCE)));
	bound = tpl_node_bound(src, len);
	nodes = MemoryContextAlloc(cxt, sizeof(TplNode) * bound);
	if (tpl_parse(src, len, nodes, bound, t, &err) != TPL_OK)
	{
		pfree(nodes);
		report(&err);
	}
}

/* ---------------------------------------------------------------------
 * jsonb -> value tree
 * ------------------------------------------------------------------- */

static void container_to_value(JsonbContainer *c, TplValue *out);

static void
scalar_to_value(JsonbValue *jv, TplValue *out)
{
	memset(out, 0, sizeof(*out));
	switch (jv->type)
	{
		case jbvNull:
			out->kind = TPLV_NULL;
			break;
		case jbvBool:
			out->kind = jv->val.boolean ? TPLV_TRUE : TPLV_FALSE;
			break;
		case jbvString:
			out->kind = TPLV_STRING;
			out->str = jv->val.string.val;
			out->len = jv->val.string.len;
			break;
		case jbvNumeric:
			out->kind = TPLV_NUMBER;
			out->str = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(jv->val.numeric)));
			out->len = strlen(out->str);
			break;
		case jbvBinary:
			container_to_value(jv->val.binary.data, out);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) jv->type);
	}
}

static void
container_to_value(JsonbContainer *c, TplValue *out)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	size_t		k = 0;
	TplValue   *items = NULL;
	TplMember  *members = NULL;

	check_stack_depth();
	memset(out, 0, sizeof(*out));
	it = JsonbIteratorInit(c);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_ARRAY:
				if (v.val.array.rawScalar)
					break;		/* the scalar comes as its single element */
				out->kind = TPLV_ARRAY;
				out->count = v.val.array.nElems;
				items = palloc0(sizeof(TplValue) * (out->count > 0 ? out->count : 1));
				out->items = items;
				break;
			case WJB_BEGIN_OBJECT:
				out->kind = TPLV_OBJECT;
				out->count = v.val.object.nPairs;
				members = palloc0(sizeof(TplMember) * (out->count > 0 ? out->count : 1));
				out->members = members;
				break;
			case WJB_ELEM:
				if (items == NULL)
					scalar_to_value(&v, out);	/* raw scalar root */
				else if (k < out->count)
					scalar_to_value(&v, &items[k++]);
				break;
			case WJB_KEY:
				if (k < out->count)
				{
					members[k].key = v.val.string.val;
					members[k].keylen = v.val.string.len;
				}
				break;
			case WJB_VALUE:
				if (k < out->count)
					scalar_to_value(&v, &members[k++].value);
				break;
			default:
				break;
		}
	}
}

/* ---------------------------------------------------------------------
 * ar.render_template(template text, data jsonb, strict boolean DEFAULT false)
 * ------------------------------------------------------------------- */

typedef struct TemplateCache
{
	Size		len;			/* (Size) -1: empty */
	char	   *src;
	TplTemplate t;
} TemplateCache;

static bool
emit_to_stringinfo(void *ctx, const char *s, size_t n)
{
	appendBinaryStringInfo((StringInfo) ctx, s, (int) n);
	return true;
}

Datum
pgr_render_template(PG_FUNCTION_ARGS)
{
	text	   *src = PG_GETARG_TEXT_PP(0);
	Jsonb	   *data = PG_GETARG_JSONB_P(1);
	bool		strict = PG_GETARG_BOOL(2);
	Size		len = VARSIZE_ANY_EXHDR(src);
	TemplateCache *c = (TemplateCache *) fcinfo->flinfo->fn_extra;
	TplValue	root;
	StringInfoData out;
	TplError	err;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TemplateCache));
		c->len = (Size) -1;
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->len != len || memcmp(c->src, VARDATA_ANY(src), len) != 0)
	{
		if (c->src)
			pfree(c->src);
		if (c->t.nodes)
			pfree(c->t.nodes);
		c->src = NULL;
		c->t.nodes = NULL;
		c->len = (Size) -1;
		c->src = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len + 1);
		memcpy(c->src, VARDATA_ANY(src), len);
		c->src[len] = '\0';
		parse_template(c->src, len, fcinfo->flinfo->fn_mcxt, &c->t);
		c->len = len;
	}

	container_to_value(&data->root, &root);
	initStringInfo(&out);
	if (tpl_render(&c->t, &root, strict, emit_to_stringinfo, &out, &err) != TPL_OK)
		report(&err);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}

/* ---------------------------------------------------------------------
 * ar.template_placeholders(template text) -> text[]
 * ------------------------------------------------------------------- */

typedef struct NameRef
{
	const char *name;
	uint32		len;
	uint32		order;
} NameRef;

static int
cmp_name(const void *a, const void *b)
{
	const NameRef *x = a,
			   *y = b;
	int			c = memcmp(x->name, y->name, Min(x->len, y->len));

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
cmp_order(const void *a, const void *b)
{
	const NameRef *x = a,
			   *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

Datum
pgr_template_placeholders(PG_FUNCTION_ARGS)
{
	text	   *src = PG_GETARG_TEXT_PP(0);
	TplTemplate t;
	NameRef    *refs;
	size_t		n = 0,
				m = 0,
				i;
	Datum	   *elems;

	parse_template(VARDATA_ANY(src), VARSIZE_ANY_EXHDR(src), CurrentMemoryContext, &t);
	refs = palloc(sizeof(NameRef) * (t.nnodes + 1));
	for (i = 0; i < t.nnodes; i++)
		if (t.nodes[i].kind != TPL_TEXT)
		{
			refs[n].name = t.src + t.nodes[i].start;
			refs[n].len = t.nodes[i].len;
			refs[n].order = (uint32) i;
			n++;
		}
	/* Distinct names in the order of their first use. */
	qsort(refs, n, sizeof(NameRef), cmp_name);
	for (i = 0; i < n; i++)
		if (m == 0 || refs[m - 1].len != refs[i].len || memcmp(refs[m - 1].name, refs[i].name, refs[i].len) != 0)
			refs[m++] = refs[i];
	qsort(refs, m, sizeof(NameRef), cmp_order);
	elems = palloc(sizeof(Datum) * (m + 1));
	for (i = 0; i < m; i++)
		elems[i] = PointerGetDatum(cstring_to_text_with_len(refs[i].name, refs[i].len));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, (int) m, TEXTOID, -1, false, TYPALIGN_INT));
}

/* ---------------------------------------------------------------------
 * ar.format_money(amount numeric, currency char(3), locale text DEFAULT 'ja')
 * ------------------------------------------------------------------- */

static TplLocale
locale_arg(text *t)
{
	char	   *s = text_to_cstring(t);

	if (strcmp(s, "ja") == 0)
		return TPL_LOCALE_JA;
	if (strcmp(s, "en") == 0)
		return TPL_LOCALE_EN;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown locale \"%s\"", s),
			 errhint("Locales are ja and en.")));
	return TPL_LOCALE_JA;		/* not reached */
}

#define MONEY_CACHE 16
typedef struct CurrencyInfo
{
	char		code[4];
	int			minor_unit;
	char		symbol[32];
	size_t		symlen;
} CurrencyInfo;

typedef struct MoneyCache
{
	int			n;
	CurrencyInfo cur[MONEY_CACHE];
} MoneyCache;

/* The currency's row in ar.currency, cached per call site (the function is STABLE). */
static const CurrencyInfo *
currency_info(FunctionCallInfo fcinfo, const char *code)
{
	MoneyCache *c = (MoneyCache *) fcinfo->flinfo->fn_extra;
	CurrencyInfo *ci;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int			i;
	bool		isnull;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(MoneyCache));
		fcinfo->flinfo->fn_extra = c;
	}
	for (i = 0; i < c->n; i++)
		if (strcmp(c->cur[i].code, code) == 0)
			return &c->cur[i];

	args[0] = CStringGetTextDatum(code);
	SPI_connect();
	if (SPI_execute_with_args("SELECT c.minor_unit::pg_catalog.int4, c.symbol FROM ar.currency c"
							  " WHERE c.code OPERATOR(pg_catalog.=) $1::pg_catalog.bpchar",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ar.currency");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("unknown currency \"%s\"", code),
				 errhint("Currencies are listed in ar.currency; add a row there for a new one.")));
	ci = &c->cur[c->n < MONEY_CACHE ? c->n++ : MONEY_CACHE - 1];
	memset(ci, 0, sizeof(*ci));
	strlcpy(ci->code, code, sizeof(ci->code));
	ci->minor_unit = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	{
		char	   *sym = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

		if (sym != NULL && strlen(sym) < sizeof(ci->symbol))
		{
			strlcpy(ci->symbol, sym, sizeof(ci->symbol));
			ci->symlen = strlen(sym);
		}
	}
	SPI_finish();
	return ci;
}

Datum
pgr_format_money(PG_FUNCTION_ARGS)
{
	Datum		amount = PG_GETARG_DATUM(0);
	char	   *code = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TplLocale	locale = locale_arg(PG_GETARG_TEXT_PP(2));
	const CurrencyInfo *ci;
	char	   *num;
	char		out[256];
	size_t		n;

	/* char(3) pads with blanks; anything else is no currency code. */
	while (strlen(code) > 0 && code[strlen(code) - 1] == ' ')
		code[strlen(code) - 1] = '\0';
	if (strlen(code) != 3)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("unknown currency \"%s\"", code),
				 errhint("Currencies are listed in ar.currency; add a row there for a new one.")));
	ci = currency_info(fcinfo, code);
	num = DatumGetCString(DirectFunctionCall1(numeric_out,
											  DirectFunctionCall2(numeric_round, amount,
																  Int32GetDatum(ci->minor_unit))));
	n = tpl_format_money(num, strlen(num), ci->minor_unit, ci->code, ci->symbol, ci->symlen, locale,
						 out, sizeof(out));
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot format \"%s\" as money", num)));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, (int) n));
}

/* ar.format_date(day date, locale text DEFAULT 'ja') */
Datum
pgr_format_date(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	TplLocale	locale = locale_arg(PG_GETARG_TEXT_PP(1));
	int			y,
				m,
				day;
	char		out[64];
	size_t		n;

	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot format the infinite date \"%s\"",
						DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d))))));
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	n = tpl_format_date(y, m, day, locale, out, sizeof(out));
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot format the date \"%s\"",
						DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d)))),
				 errdetail("Dates before the year 1 have no notice format.")));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, (int) n));
}
