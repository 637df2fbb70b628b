/*
 * ladder.c: the ar.escalation_ladder type and its functions (fmgr layer).
 *
 * The stored value is a varlena whose payload is the byte form of
 * src/core/ladder.c (version, step count, reserved field, steps); the same
 * bytes are the binary send/recv format, and recv decodes, so it checks
 * everything the text input checks.  The domain logic (parsing, canonical
 * text, choosing the next step) is in the core; this file turns its errors
 * into ereport and its fixed-point numbers into numeric.
 */
#include "postgres.h"

#include "access/hash.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "core/ladder.h"

PG_FUNCTION_INFO_V1(pgr_ladder_in);
PG_FUNCTION_INFO_V1(pgr_ladder_out);
PG_FUNCTION_INFO_V1(pgr_ladder_recv);
PG_FUNCTION_INFO_V1(pgr_ladder_send);
PG_FUNCTION_INFO_V1(pgr_ladder_eq);
PG_FUNCTION_INFO_V1(pgr_ladder_ne);
PG_FUNCTION_INFO_V1(pgr_ladder_hash);
PG_FUNCTION_INFO_V1(pgr_ladder_steps);
PG_FUNCTION_INFO_V1(pgr_ladder_next_step);
PG_FUNCTION_INFO_V1(pgr_ladder_skipped_steps);

static void
report(const LadderError *e)
{
	int			sqlstate;

	switch (e->code)
	{
		case LADDER_ERR_SYNTAX:
			sqlstate = ERRCODE_INVALID_TEXT_REPRESENTATION;
			break;
		case LADDER_ERR_BINARY:
			sqlstate = ERRCODE_INVALID_BINARY_REPRESENTATION;
			break;
		default:
			sqlstate = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
	}
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s", e->message),
			 e->hint[0] ? errhint("%s", e->hint) : 0));
}

/* Payload bytes of a stored ladder (detoasted only when compressed or external). */
static const uint8 *
ladder_bytes(Datum d, Size *len)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);

	*len = VARSIZE_ANY_EXHDR(v);
	return (const uint8 *) VARDATA_ANY(v);
}

static void
ladder_from_datum(Datum d, Ladder *out)
{
	Size		len;
	const uint8 *bytes = ladder_bytes(d, &len);
	LadderError err;

	if (ladder_decode(bytes, len, out, &err) != LADDER_OK)
		report(&err);
}

static Datum
ladder_to_datum(const Ladder *l)
{
	Size		n = ladder_encoded_size(l);
	struct varlena *v = (struct varlena *) palloc(VARHDRSZ + n);

	if (ladder_encode(l, (uint8 *) VARDATA(v), n) != n)
		elog(ERROR, "escalation ladder encoding failed");
	SET_VARSIZE(v, VARHDRSZ + n);
	PG_RETURN_POINTER(v);
}

static Datum
fixed_to_numeric(int64 value)
{
	char		buf[32];

	ladder_format_fixed(value, buf);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* ar.escalation_ladder_in(cstring) */
Datum
pgr_ladder_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Ladder	   *l = palloc(sizeof(Ladder));
	LadderError err;

	if (ladder_parse(str, strlen(str), l, &err) != LADDER_OK)
		report(&err);
	return ladder_to_datum(l);
}

/* ar.escalation_ladder_out(ar.escalation_ladder) */
Datum
pgr_ladder_out(PG_FUNCTION_ARGS)
{
	Ladder	   *l = palloc(sizeof(Ladder));
	size_t		n;
	char	   *buf;

	ladder_from_datum(PG_GETARG_DATUM(0), l);
	n = ladder_format(l, NULL, 0);
	buf = palloc(n + 1);
	ladder_format(l, buf, n + 1);
	PG_RETURN_CSTRING(buf);
}

/* ar.escalation_ladder_recv(internal): the byte form, validated like text input. */
Datum
pgr_ladder_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			len = buf->len - buf->cursor;
	const char *bytes = pq_getmsgbytes(buf, len);
	Ladder	   *l = palloc(sizeof(Ladder));
	LadderError err;

	if (ladder_decode((const uint8 *) bytes, (size_t) len, l, &err) != LADDER_OK)
		report(&err);
	return ladder_to_datum(l);
}

/* ar.escalation_ladder_send(ar.escalation_ladder) */
Datum
pgr_ladder_send(PG_FUNCTION_ARGS)
{
	Size		len;
	const uint8 *bytes = ladder_bytes(PG_GETARG_DATUM(0), &len);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, (const char *) bytes, (int) len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* The byte form is canonical: equal ladders have equal bytes. */
static bool
ladder_equal(FunctionCallInfo fcinfo)
{
	Size		la,
				lb;
	const uint8 *a = ladder_bytes(PG_GETARG_DATUM(0), &la);
	const uint8 *b = ladder_bytes(PG_GETARG_DATUM(1), &lb);

	return la == lb && memcmp(a, b, la) == 0;
}

Datum
pgr_ladder_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ladder_equal(fcinfo));
}

Datum
pgr_ladder_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!ladder_equal(fcinfo));
}

Datum
pgr_ladder_hash(PG_FUNCTION_ARGS)
{
	Size		len;
	const uint8 *bytes = ladder_bytes(PG_GETARG_DATUM(0), &len);

	return hash_any(bytes, (int) len);
}

/*
 * ar.ladder_steps(ar.escalation_ladder) -> TABLE(step_no, offset_days,
 * channel, template, min_amount, gap_days, terminal, fee_amount,
 * interest_rate)
 */
Datum
pgr_ladder_steps(PG_FUNCTION_ARGS)
{
	FuncCallContext *fctx;
	Ladder	   *l;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;

		fctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(fctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "ar.ladder_steps must be declared to return a row type");
		fctx->tuple_desc = BlessTupleDesc(tupdesc);
		l = palloc(sizeof(Ladder));
		ladder_from_datum(PG_GETARG_DATUM(0), l);
		fctx->user_fctx = l;
		fctx->max_calls = l->nsteps;
		MemoryContextSwitchTo(old);
	}
	fctx = SRF_PERCALL_SETUP();
	l = fctx->user_fctx;
	if (fctx->call_cntr < fctx->max_calls)
	{
		const LadderStep *st = &l->steps[fctx->call_cntr];
		Datum		values[9];
		bool		nulls[9] = {false};

		values[0] = Int32GetDatum((int32) fctx->call_cntr + 1);
		values[1] = Int32GetDatum(st->offset_days);
		values[2] = CStringGetTextDatum(ladder_channel_name(st->channel));
		if (st->template_len > 0)
			values[3] = PointerGetDatum(cstring_to_text_with_len(st->template_name, st->template_len));
		else
			nulls[3] = true;
		if (st->flags & LADDER_HAS_MIN)
			values[4] = fixed_to_numeric(st->min_amount);
		else
			nulls[4] = true;
		if (st->flags & LADDER_HAS_GAP)
			values[5] = Int32GetDatum(st->gap_days);
		else
			nulls[5] = true;
		values[6] = BoolGetDatum((st->flags & LADDER_TERMINAL) != 0);
		if (st->flags & LADDER_HAS_FEE)
			values[7] = fixed_to_numeric(st->fee_amount);
		else
			nulls[7] = true;
		if (st->flags & LADDER_HAS_INTEREST)
			values[8] = fixed_to_numeric(st->interest_rate);
		else
			nulls[8] = true;
		SRF_RETURN_NEXT(fctx, HeapTupleGetDatum(heap_form_tuple(fctx->tuple_desc, values, nulls)));
	}
	SRF_RETURN_DONE(fctx);
}

/*
 * Decoded ladder cached per call site.  run_dunning calls next_step once per
 * overdue customer; the ladders repeat (one per policy or episode), so the
 * payload bytes are compared with the cached ones and decoding, validation
 * and building the numeric minimums happen once per distinct ladder.
 */
typedef struct LadderCache
{
	Size		len;
	uint8		bytes[LADDER_MAX_BYTES];
	Ladder		ladder;
	Datum		min[LADDER_MAX_STEPS];	/* numeric, in fn_mcxt */
} LadderCache;

static LadderCache *
cached_ladder(FunctionCallInfo fcinfo, Datum d)
{
	LadderCache *c = (LadderCache *) fcinfo->flinfo->fn_extra;
	Size		len;
	const uint8 *bytes = ladder_bytes(d, &len);
	MemoryContext old;
	LadderError err;
	int			i;

	if (c != NULL && c->len == len && memcmp(c->bytes, bytes, len) == 0)
		return c;
	if (len > LADDER_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid escalation ladder data: %zu bytes", (size_t) len)));
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(LadderCache));
		fcinfo->flinfo->fn_extra = c;
	}
	c->len = 0;					/* invalid until fully built */
	for (i = 0; i < LADDER_MAX_STEPS; i++)
		if (c->min[i] != (Datum) 0)
		{
			pfree(DatumGetPointer(c->min[i]));
			c->min[i] = (Datum) 0;
		}
	if (ladder_decode(bytes, len, &c->ladder, &err) != LADDER_OK)
		report(&err);
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	for (i = 0; i < c->ladder.nsteps; i++)
		if (c->ladder.steps[i].flags & LADDER_HAS_MIN)
			c->min[i] = fixed_to_numeric(c->ladder.steps[i].min_amount);
	MemoryContextSwitchTo(old);
	memcpy(c->bytes, bytes, len);
	c->len = len;
	return c;
}

typedef struct MinContext
{
	LadderCache *cache;
	Datum		amount;
	bool		amount_null;
} MinContext;

static bool
amount_reaches_min(void *ctx, const LadderStep *st)
{
	MinContext *m = ctx;
	int			i = (int) (st - m->cache->ladder.steps);

	if (m->amount_null)
		return false;
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, m->amount, m->cache->min[i])) >= 0;
}

static void
check_step_arg(const char *name, int32 value, int nsteps, bool allow_zero)
{
	if (value < (allow_zero ? 0 : 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s %d", name, value),
				 errdetail("Steps are numbered from 1%s.",
						   allow_zero ? "; 0 or NULL means that no step has been sent" : "")));
	if (value > nsteps)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %d is beyond the last step of the ladder (%d)", name, value, nsteps),
				 errhint("Evaluate an episode with the ladder it started with.")));
}

/*
 * ar.next_step(ladder, days_past_due, overdue_amount, last_step,
 * days_since_last_notice) -> integer
 *
 * Not STRICT: a NULL last_step means that nothing has been sent, a NULL
 * days_since_last_notice that there was never a notice, and a NULL amount
 * meets no min.  A NULL ladder or days_past_due gives NULL.
 */
Datum
pgr_ladder_next_step(PG_FUNCTION_ARGS)
{
	LadderCache *c;
	MinContext	m;
	int32		last_step;
	int			step;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	c = cached_ladder(fcinfo, PG_GETARG_DATUM(0));
	last_step = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
	check_step_arg("last_step", last_step, c->ladder.nsteps, true);
	m.cache = c;
	m.amount_null = PG_ARGISNULL(2);
	m.amount = m.amount_null ? (Datum) 0 : PG_GETARG_DATUM(2);
	step = ladder_next_step(&c->ladder, PG_GETARG_INT32(1), last_step,
							!PG_ARGISNULL(4), PG_ARGISNULL(4) ? 0 : PG_GETARG_INT32(4),
							amount_reaches_min, &m);
	if (step == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(step);
}

/*
 * ar.skipped_steps(ladder, from_step, to_step) -> integer[]: the steps
 * strictly between from_step (the last one sent; NULL or 0 = none) and
 * to_step (the one chosen), which a late run passes over.
 */
Datum
pgr_ladder_skipped_steps(PG_FUNCTION_ARGS)
{
	LadderCache *c;
	int32		from,
				to;
	Datum	   *elems;
	int			n = 0;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	c = cached_ladder(fcinfo, PG_GETARG_DATUM(0));
	from = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	to = PG_GETARG_INT32(2);
	check_step_arg("from_step", from, c->ladder.nsteps, true);
	check_step_arg("to_step", to, c->ladder.nsteps, false);
	if (to <= from)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("to_step %d is not after from_step %d", to, from)));
	elems = palloc(sizeof(Datum) * LADDER_MAX_STEPS);
	for (i = from + 1; i < to; i++)
		elems[n++] = Int32GetDatum(i);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}
