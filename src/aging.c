/*
 * aging.c: the ar.aging_buckets type, the aging functions and the
 * aggregate ar.aging_sum.  A thin layer over core/aging.c: parsing,
 * labels, bucket search and the numeric decoder live there.
 *
 * Storage: a varlena with a header word (the number of bounds), a reserved
 * 16-bit field that must be zero (room to evolve the format: a later
 * version can give it meaning and still read today's values), then the
 * bounds as int32.  STORAGE plain: values are a few dozen bytes and always
 * carry a 4-byte header, so reading one never allocates.
 *
 * Binary (send/recv): int16 count, int16 reserved (0), count x int32.
 * recv checks everything again: a client can send any bytes.
 *
 * ar.aging_sum(amount, days_past_due, buckets) keeps per bucket a 128-bit
 * fixed-point accumulator (units of 10^-8) fed by decoding the numeric's
 * storage bytes in place, and an exact numeric for the rare value the
 * accumulator cannot take.  See docs/aging.md for the measurements.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "nodes/primnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/numeric.h"

#include "core/aging.h"

typedef struct AgingBuckets
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint16		nbounds;		/* number of bounds, 1..AGING_MAX_BOUNDS */
	uint16		reserved;		/* zero; reserved for format evolution */
	int32		bounds[FLEXIBLE_ARRAY_MEMBER];
} AgingBuckets;

#define AGING_BUCKETS_SIZE(n)	(offsetof(AgingBuckets, bounds) + sizeof(int32) * (n))
#define DatumGetAgingBuckets(d)	((AgingBuckets *) PG_DETOAST_DATUM(d))
#define PG_GETARG_AGING_BUCKETS(n) DatumGetAgingBuckets(PG_GETARG_DATUM(n))
#define PG_RETURN_AGING_BUCKETS(x) PG_RETURN_POINTER(x)

#define AGING_HINT "Write ascending positive whole numbers of days separated by commas, such as '30,60,90'."

PG_FUNCTION_INFO_V1(pgr_aging_buckets_in);
PG_FUNCTION_INFO_V1(pgr_aging_buckets_out);
PG_FUNCTION_INFO_V1(pgr_aging_buckets_recv);
PG_FUNCTION_INFO_V1(pgr_aging_buckets_send);
PG_FUNCTION_INFO_V1(pgr_aging_buckets_eq);
PG_FUNCTION_INFO_V1(pgr_aging_buckets_ne);
PG_FUNCTION_INFO_V1(pgr_aging_buckets_hash);
PG_FUNCTION_INFO_V1(pgr_aging_buckets_hash_extended);
PG_FUNCTION_INFO_V1(pgr_aging_labels);
PG_FUNCTION_INFO_V1(pgr_aging_bucket);
PG_FUNCTION_INFO_V1(pgr_aging_bucket_index);
PG_FUNCTION_INFO_V1(pgr_aging_sum_transfn);
PG_FUNCTION_INFO_V1(pgr_aging_sum_combine);
PG_FUNCTION_INFO_V1(pgr_aging_sum_serialize);
PG_FUNCTION_INFO_V1(pgr_aging_sum_deserialize);
PG_FUNCTION_INFO_V1(pgr_aging_sum_final);

static AgingBuckets *
make_buckets(const int32_t *bounds, int nbounds)
{
	AgingBuckets *b = palloc0(AGING_BUCKETS_SIZE(nbounds));

	SET_VARSIZE(b, AGING_BUCKETS_SIZE(nbounds));
	b->nbounds = (uint16) nbounds;
	b->reserved = 0;
	memcpy(b->bounds, bounds, sizeof(int32) * nbounds);
	return b;
}

/*
 * A stored value must be what make_buckets builds; anything else is
 * corruption, refused before a bound is read.
 */
static inline void
check_stored(const AgingBuckets *b)
{
	if (unlikely(b->nbounds < 1 || b->nbounds > AGING_MAX_BOUNDS ||
				 b->reserved != 0 ||
				 VARSIZE(b) != AGING_BUCKETS_SIZE(b->nbounds)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupt ar.aging_buckets value: %u bounds, reserved %u, %u bytes",
						(unsigned) b->nbounds, (unsigned) b->reserved, (unsigned) VARSIZE(b))));
}

/* ---------------------------------------------------------------------
 * Type I/O
 * --------------------------------------------------------------------- */

Datum
pgr_aging_buckets_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int32_t		bounds[AGING_MAX_BOUNDS];
	int			n;
	AgingError	err;

	if (aging_parse(str, strlen(str), bounds, &n, &err) != AGING_OK)
	{
#if PG_VERSION_NUM >= 160000
		ereturn(fcinfo->context, (Datum) 0,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s", err.message),
				 errdetail("%s", err.detail),
				 errhint(AGING_HINT)));
#else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s", err.message),
				 errdetail("%s", err.detail),
				 errhint(AGING_HINT)));
#endif
	}
	PG_RETURN_AGING_BUCKETS(make_buckets(bounds, n));
}

Datum
pgr_aging_buckets_out(PG_FUNCTION_ARGS)
{
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(0);
	char	   *buf = palloc(AGING_TEXT_SIZE);

	check_stored(b);
	aging_format(b->bounds, b->nbounds, buf);
	PG_RETURN_CSTRING(buf);
}

Datum
pgr_aging_buckets_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32_t		bounds[AGING_MAX_BOUNDS];
	int			n;
	int			reserved;
	int			i;
	AgingError	err;

	if (buf->len - buf->cursor < 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid aging buckets in binary input: %d bytes are too few for the header",
						buf->len - buf->cursor)));
	n = (int16) pq_getmsgint(buf, 2);
	reserved = pq_getmsgint(buf, 2);
	if (reserved != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid aging buckets in binary input: reserved field is %d", reserved),
				 errdetail("This version reads only values whose reserved field is 0.")));
	if (n < 1 || n > AGING_MAX_BOUNDS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid aging buckets in binary input: %d bounds", n),
				 errdetail("Aging buckets have 1 to %d bounds.", AGING_MAX_BOUNDS)));
	if (buf->len - buf->cursor < 4 * n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid aging buckets in binary input: %d bytes are too few for %d bounds",
						buf->len - buf->cursor, n)));
	for (i = 0; i < n; i++)
		bounds[i] = (int32) pq_getmsgint(buf, 4);
	if (aging_check(bounds, n, &err) != AGING_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s in binary input", err.message),
				 errdetail("%s", err.detail)));
	PG_RETURN_AGING_BUCKETS(make_buckets(bounds, n));
}

Datum
pgr_aging_buckets_send(PG_FUNCTION_ARGS)
{
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(0);
	StringInfoData buf;
	int			i;

	check_stored(b);
	pq_begintypsend(&buf);
	pq_sendint16(&buf, b->nbounds);
	pq_sendint16(&buf, 0);
	for (i = 0; i < b->nbounds; i++)
		pq_sendint32(&buf, b->bounds[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static bool
buckets_equal(const AgingBuckets *a, const AgingBuckets *b)
{
	return a->nbounds == b->nbounds &&
		memcmp(a->bounds, b->bounds, sizeof(int32) * a->nbounds) == 0;
}

Datum
pgr_aging_buckets_eq(PG_FUNCTION_ARGS)
{
	AgingBuckets *a = PG_GETARG_AGING_BUCKETS(0);
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(1);

	check_stored(a);
	check_stored(b);
	PG_RETURN_BOOL(buckets_equal(a, b));
}

Datum
pgr_aging_buckets_ne(PG_FUNCTION_ARGS)
{
	AgingBuckets *a = PG_GETARG_AGING_BUCKETS(0);
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(1);

	check_stored(a);
	check_stored(b);
	PG_RETURN_BOOL(!buckets_equal(a, b));
}

Datum
pgr_aging_buckets_hash(PG_FUNCTION_ARGS)
{
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(0);

	check_stored(b);
	return hash_any((const unsigned char *) b->bounds, sizeof(int32) * b->nbounds);
}

Datum
pgr_aging_buckets_hash_extended(PG_FUNCTION_ARGS)
{
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(0);

	check_stored(b);
	return hash_any_extended((const unsigned char *) b->bounds, sizeof(int32) * b->nbounds,
							 PG_GETARG_INT64(1));
}

/* ---------------------------------------------------------------------
 * Labels and bucket lookup
 * --------------------------------------------------------------------- */

static ArrayType *
labels_array(const int32_t *bounds, int nbounds)
{
	Datum		elems[AGING_MAX_BUCKETS];
	char		label[AGING_LABEL_SIZE];
	int			i;

	for (i = 0; i < nbounds + 2; i++)
	{
		aging_label(bounds, nbounds, i, label);
		elems[i] = CStringGetTextDatum(label);
	}
	return construct_array(elems, nbounds + 2, TEXTOID, -1, false, TYPALIGN_INT);
}

/* ar.aging_labels(buckets) -> text[] */
Datum
pgr_aging_labels(PG_FUNCTION_ARGS)
{
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(0);

	check_stored(b);
	PG_RETURN_ARRAYTYPE_P(labels_array(b->bounds, b->nbounds));
}

/* ar.aging_bucket(days_past_due, buckets) -> text */
Datum
pgr_aging_bucket(PG_FUNCTION_ARGS)
{
	int32		days = PG_GETARG_INT32(0);
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(1);
	char		label[AGING_LABEL_SIZE];

	check_stored(b);
	aging_label(b->bounds, b->nbounds, aging_index(b->bounds, b->nbounds, days), label);
	PG_RETURN_TEXT_P(cstring_to_text(label));
}

/* ar.aging_bucket_index(days_past_due, buckets) -> integer, 0 = current */
Datum
pgr_aging_bucket_index(PG_FUNCTION_ARGS)
{
	int32		days = PG_GETARG_INT32(0);
	AgingBuckets *b = PG_GETARG_AGING_BUCKETS(1);

	check_stored(b);
	PG_RETURN_INT32(aging_index(b->bounds, b->nbounds, days));
}

/* ---------------------------------------------------------------------
 * ar.aging_sum(amount numeric, days_past_due integer, buckets) -> numeric[]
 * --------------------------------------------------------------------- */

typedef struct AgingSumState
{
	AgingSums	sums;
	/* Exact part per bucket (NULL while empty), in the aggregate context. */
	Numeric		exact[AGING_MAX_BUCKETS];
	/* The buckets argument as first seen, to recognise it on later rows. */
	char		image[AGING_BUCKETS_SIZE(AGING_MAX_BOUNDS)];
	uint32		image_len;
	/* The buckets argument is a constant: nothing to compare on later rows. */
	bool		constant;
} AgingSumState;

/* Is argument argno of the aggregate call a non-NULL constant? */
static bool
agg_arg_is_const(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	TargetEntry *tle;

	if (aggref == NULL || list_length(aggref->args) <= argno)
		return false;
	tle = list_nth_node(TargetEntry, aggref->args, argno);
	return IsA(tle->expr, Const) && !((Const *) tle->expr)->constisnull;
}

static AgingSumState *
state_new(MemoryContext ctx, const AgingBuckets *b)
{
	AgingSumState *st = MemoryContextAllocZero(ctx, sizeof(AgingSumState));

	check_stored(b);
	aging_sums_init(&st->sums, b->bounds, b->nbounds);
	st->image_len = VARSIZE(b);
	memcpy(st->image, b, VARSIZE(b));
	return st;
}

static void
refuse_mixed_buckets(const AgingSums *have, const int32_t *bounds, int nbounds)
{
	char		a[AGING_TEXT_SIZE];
	char		b[AGING_TEXT_SIZE];

	aging_format(have->bounds, have->nbounds, a);
	aging_format(bounds, nbounds, b);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("ar.aging_sum got different buckets in one group: \"%s\" and \"%s\"", a, b),
			 errdetail("The sums of one group are per bucket, so every row of a group must use the same buckets."),
			 errhint("Pass the buckets as a constant, or group by them.")));
}

/*
 * The buckets argument of this row differs from the cached image, at least
 * in its bytes: either a different value (an error) or the same one in a
 * different representation (fine).
 */
static void
check_same_buckets(AgingSumState *st, Datum d)
{
	AgingBuckets *b = DatumGetAgingBuckets(d);

	check_stored(b);
	if (b->nbounds != st->sums.nbounds ||
		memcmp(b->bounds, st->sums.bounds, sizeof(int32) * b->nbounds) != 0)
		refuse_mixed_buckets(&st->sums, b->bounds, b->nbounds);
}

static void
refuse_null_buckets(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("ar.aging_sum buckets must not be null"),
			 errhint("Pass bucket bounds such as '30,60,90'::ar.aging_buckets.")));
}

/* exact[i] += n, the result kept in the aggregate context. */
static void
exact_add(AgingSumState *st, int i, Numeric n, MemoryContext aggctx)
{
	Datum		sum;
	MemoryContext old;

	if (st->exact[i] == NULL)
		sum = NumericGetDatum(n);
	else
		sum = DirectFunctionCall2(numeric_add, NumericGetDatum(st->exact[i]), NumericGetDatum(n));
	old = MemoryContextSwitchTo(aggctx);
	sum = datumCopy(sum, false, -1);
	MemoryContextSwitchTo(old);
	if (st->exact[i] != NULL)
		pfree(st->exact[i]);
	st->exact[i] = DatumGetNumeric(sum);
}

/* The accumulator of bucket i as a numeric (in the current context). */
static Numeric
acc_numeric(const AgingSums *s, int i)
{
	size_t		size = AGING_SCALED_SIZE(s->dscale[i]);
	char	   *buf = palloc(size);
	Datum		d;

	if (aging_format_scaled(s->sum[i], s->dscale[i], buf, size) == 0)
		elog(ERROR, "aging_sum: accumulator of bucket %d does not fit its buffer", i);
	d = DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	pfree(buf);
	return DatumGetNumeric(d);
}

/* Move bucket i's accumulator to its exact part (the accumulator is full). */
static void
acc_flush(AgingSumState *st, int i, MemoryContext aggctx)
{
	exact_add(st, i, acc_numeric(&st->sums, i), aggctx);
	st->sums.sum[i] = 0;
}

/*
 * The per-row path of ar.aging_sum is pgr_aging_sum_transfn alone; what
 * happens once per group or for unusual values lives in the functions
 * below, kept out of line so that the hot function stays small.
 */

/* First row of a group: make the state. */
static pg_noinline AgingSumState *
transfn_first_row(FunctionCallInfo fcinfo)
{
	MemoryContext aggctx;
	AgingSumState *st;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "ar.aging_sum_transfn called in non-aggregate context");
	if (PG_ARGISNULL(3))
		refuse_null_buckets();
	st = state_new(aggctx, DatumGetAgingBuckets(PG_GETARG_DATUM(3)));
	st->constant = agg_arg_is_const(fcinfo, 2);
	return st;
}

/* Buckets that are not a constant: same bytes as the first row's? */
static pg_noinline void
transfn_check_buckets(FunctionCallInfo fcinfo, AgingSumState *st)
{
	struct varlena *raw;

	if (PG_ARGISNULL(3))
		refuse_null_buckets();
	raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(3));
	if (!VARATT_IS_4B_U(raw) || VARSIZE(raw) != st->image_len ||
		memcmp(raw, st->image, st->image_len) != 0)
		check_same_buckets(st, PG_GETARG_DATUM(3));
}

/* The accumulator of bucket idx would overflow: move it to the exact part. */
static pg_noinline void
transfn_overflow(FunctionCallInfo fcinfo, AgingSumState *st, int idx, aging_acc v, int dscale)
{
	MemoryContext aggctx;

	AggCheckCallContext(fcinfo, &aggctx);
	acc_flush(st, idx, aggctx);
	st->sums.sum[idx] = v;
	if (dscale > st->sums.dscale[idx])
		st->sums.dscale[idx] = dscale;
}

/* An amount the fast path cannot take: add it exactly. */
static pg_noinline void
transfn_exact(FunctionCallInfo fcinfo, AgingSumState *st, int idx)
{
	MemoryContext aggctx;

	AggCheckCallContext(fcinfo, &aggctx);
	exact_add(st, idx, PG_GETARG_NUMERIC(1), aggctx);
}

Datum
pgr_aging_sum_transfn(PG_FUNCTION_ARGS)
{
	AgingSumState *st;
	struct varlena *amount;
	int			idx;
	aging_acc	v;
	int			dscale;

	if (unlikely(PG_ARGISNULL(0)))
		st = transfn_first_row(fcinfo);
	else
	{
		/* A state exists only inside an aggregate. */
		st = (AgingSumState *) PG_GETARG_POINTER(0);
		/* Buckets passed as a constant are the same on every row. */
		if (unlikely(!st->constant))
			transfn_check_buckets(fcinfo, st);
	}

	/* NULL amounts are ignored, and so are rows without days past due. */
	if (unlikely(PG_ARGISNULL(1) || PG_ARGISNULL(2)))
		PG_RETURN_POINTER(st);

	idx = aging_sums_index(&st->sums, PG_GETARG_INT32(2));
	amount = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(1));
	if (likely(!VARATT_IS_EXTERNAL(amount) && !VARATT_IS_COMPRESSED(amount) &&
			   aging_numeric_decode((const uint8_t *) VARDATA_ANY(amount),
									VARSIZE_ANY_EXHDR(amount), &v, &dscale)))
	{
		if (likely(aging_acc_add(&st->sums.sum[idx], v)))
		{
			if (dscale > st->sums.dscale[idx])
				st->sums.dscale[idx] = dscale;
		}
		else
			transfn_overflow(fcinfo, st, idx, v, dscale);
	}
	else
		transfn_exact(fcinfo, st, idx);

	PG_RETURN_POINTER(st);
}

static AgingSumState *
state_copy(MemoryContext ctx, const AgingSumState *src)
{
	AgingSumState *st = MemoryContextAlloc(ctx, sizeof(AgingSumState));
	MemoryContext old;
	int			i;

	memcpy(st, src, sizeof(AgingSumState));
	old = MemoryContextSwitchTo(ctx);
	for (i = 0; i < src->sums.nbounds + 2; i++)
		if (src->exact[i] != NULL)
			st->exact[i] = DatumGetNumeric(datumCopy(NumericGetDatum(src->exact[i]), false, -1));
	MemoryContextSwitchTo(old);
	return st;
}

Datum
pgr_aging_sum_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	AgingSumState *st1;
	AgingSumState *st2;
	int			i;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "ar.aging_sum_combine called in non-aggregate context");
	st1 = PG_ARGISNULL(0) ? NULL : (AgingSumState *) PG_GETARG_POINTER(0);
	st2 = PG_ARGISNULL(1) ? NULL : (AgingSumState *) PG_GETARG_POINTER(1);
	if (st2 == NULL)
	{
		if (st1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st1);
	}
	if (st1 == NULL)
		PG_RETURN_POINTER(state_copy(aggctx, st2));

	if (st1->sums.nbounds != st2->sums.nbounds ||
		memcmp(st1->sums.bounds, st2->sums.bounds, sizeof(int32) * st1->sums.nbounds) != 0)
		refuse_mixed_buckets(&st1->sums, st2->sums.bounds, st2->sums.nbounds);

	for (i = 0; i < st1->sums.nbounds + 2; i++)
	{
		if (!aging_acc_add(&st1->sums.sum[i], st2->sums.sum[i]))
		{
			acc_flush(st1, i, aggctx);
			st1->sums.sum[i] = st2->sums.sum[i];
		}
		if (st2->sums.dscale[i] > st1->sums.dscale[i])
			st1->sums.dscale[i] = st2->sums.dscale[i];
		if (st2->exact[i] != NULL)
			exact_add(st1, i, st2->exact[i], aggctx);
	}
	PG_RETURN_POINTER(st1);
}

Datum
pgr_aging_sum_serialize(PG_FUNCTION_ARGS)
{
	AgingSumState *st;
	const char *extra[AGING_MAX_BUCKETS];
	size_t		extra_len[AGING_MAX_BUCKETS];
	size_t		size;
	bytea	   *out;
	int			i;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "ar.aging_sum_serialize called in non-aggregate context");
	st = (AgingSumState *) PG_GETARG_POINTER(0);
	for (i = 0; i < st->sums.nbounds + 2; i++)
	{
		if (st->exact[i] != NULL)
		{
			extra[i] = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(st->exact[i])));
			extra_len[i] = strlen(extra[i]);
		}
		else
		{
			extra[i] = NULL;
			extra_len[i] = 0;
		}
	}
	size = aging_state_size(&st->sums, extra_len);
	out = palloc(VARHDRSZ + size);
	SET_VARSIZE(out, VARHDRSZ + size);
	if (aging_state_encode(&st->sums, extra, extra_len, (uint8_t *) VARDATA(out)) != size)
		elog(ERROR, "ar.aging_sum_serialize wrote an unexpected size");
	PG_RETURN_BYTEA_P(out);
}

Datum
pgr_aging_sum_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *in;
	AgingSumState *st;
	size_t		off[AGING_MAX_BUCKETS];
	int64_t		len[AGING_MAX_BUCKETS];
	char		why[AGING_MSG_SIZE];
	int			i;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "ar.aging_sum_deserialize called in non-aggregate context");
	in = PG_GETARG_BYTEA_PP(0);
	st = palloc0(sizeof(AgingSumState));
	if (!aging_state_decode((const uint8_t *) VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in),
							&st->sums, off, len, why))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid ar.aging_sum state: %s", why)));
	for (i = 0; i < st->sums.nbounds + 2; i++)
		if (len[i] >= 0)
		{
			char	   *text = pnstrdup(VARDATA_ANY(in) + off[i], (Size) len[i]);

			st->exact[i] = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
															   ObjectIdGetDatum(InvalidOid),
															   Int32GetDatum(-1)));
		}
	{
		AgingBuckets *b = make_buckets(st->sums.bounds, st->sums.nbounds);

		st->image_len = VARSIZE(b);
		memcpy(st->image, b, VARSIZE(b));
	}
	PG_RETURN_POINTER(st);
}

Datum
pgr_aging_sum_final(PG_FUNCTION_ARGS)
{
	AgingSumState *st;
	Datum		elems[AGING_MAX_BUCKETS];
	int			i;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "ar.aging_sum_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();		/* no rows: like sum(), NULL */
	st = (AgingSumState *) PG_GETARG_POINTER(0);
	for (i = 0; i < st->sums.nbounds + 2; i++)
	{
		Numeric		n = acc_numeric(&st->sums, i);

		if (st->exact[i] != NULL)
			n = DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(n),
													NumericGetDatum(st->exact[i])));
		elems[i] = NumericGetDatum(n);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, st->sums.nbounds + 2, NUMERICOID, -1, false,
										  TYPALIGN_INT));
}
