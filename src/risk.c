/*
 * risk.c: fmgr layer of the aggregate ar.payment_behaviour(due_date,
 * paid_on, amount, as_of, half_life_days) -> ar.payment_behaviour.
 *
 * The arithmetic lives in core/risk.c.  The state is a fixed-size struct
 * in the aggregate context; parallel workers ship it as RISK_SERIAL_SIZE
 * bytes that the deserializer checks field by field before use.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/numeric.h"

#include "core/aging.h"

#include "core/risk.h"

PG_FUNCTION_INFO_V1(pgr_payment_behaviour_transfn);
PG_FUNCTION_INFO_V1(pgr_payment_behaviour_combine);
PG_FUNCTION_INFO_V1(pgr_payment_behaviour_serialize);
PG_FUNCTION_INFO_V1(pgr_payment_behaviour_deserialize);
PG_FUNCTION_INFO_V1(pgr_payment_behaviour_final);

/* A date in ISO form whatever DateStyle says, for messages. */
static char *
iso_date(DateADT d)
{
	int			y,
				m,
				dd;

	if (DATE_NOT_FINITE(d))
		return pstrdup(DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity");
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
	return psprintf("%04d-%02d-%02d", y, m, dd);
}

static pg_noinline void
raise_status(RiskStatus st, FunctionCallInfo fcinfo)
{
	switch (st)
	{
		case RISK_BAD_AMOUNT:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("amount %s of ar.payment_behaviour must be greater than zero",
							DatumGetCString(DirectFunctionCall1(numeric_out, PG_GETARG_DATUM(3)))),
					 errhint("Pass the amount of each paid invoice.")));
			break;
		case RISK_BAD_HALF_LIFE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("half_life_days %g of ar.payment_behaviour must be greater than zero",
							PG_GETARG_FLOAT8(5)),
					 errhint("180 days weighs a payment of half a year ago half as much as today's.")));
			break;
		case RISK_MIXED_HALF_LIFE:
		case RISK_MIXED_AS_OF:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("ar.payment_behaviour: %s", risk_status_message(st)),
					 errhint("Pass as_of and half_life_days as constants of the query.")));
			break;
		case RISK_PAID_AFTER_AS_OF:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("payment date %s is after as_of %s",
							iso_date(PG_GETARG_DATEADT(2)), iso_date(PG_GETARG_DATEADT(4))),
					 errhint("Only payments known at as_of can describe the behaviour then; filter paid_on <= as_of.")));
			break;
		case RISK_DATE_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("date out of range for ar.payment_behaviour: due %s, paid %s, as_of %s",
							iso_date(PG_GETARG_DATEADT(1)), iso_date(PG_GETARG_DATEADT(2)),
							iso_date(PG_GETARG_DATEADT(4)))));
			break;
		default:
			elog(ERROR, "ar.payment_behaviour: %s", risk_status_message(st));
	}
}

/*
 * A numeric amount as a double.  The server's numeric_float8 goes through
 * text; amounts of up to eight decimals below 10^16 (all of a ledger's)
 * are decoded from the storage bytes directly (core/aging.h).
 */
static inline double
amount_to_double(Datum d)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(d);
	aging_acc	v;
	int			dscale;

	if (likely(!VARATT_IS_EXTERNAL(raw) && !VARATT_IS_COMPRESSED(raw) &&
			   aging_numeric_decode((const uint8_t *) VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), &v, &dscale)))
		return (double) v / 1e8;
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
}

/*
 * Rows with a NULL due date, payment date or amount are skipped; as_of and
 * half_life_days must be given.
 */
Datum
pgr_payment_behaviour_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	RiskState  *st;
	RiskStatus	rs;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "ar.payment_behaviour_transfn called in non-aggregate context");
	if (PG_ARGISNULL(0))
	{
		st = MemoryContextAlloc(aggctx, sizeof(RiskState));
		risk_init(st);
	}
	else
		st = (RiskState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(st);
	if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("as_of and half_life_days of ar.payment_behaviour must not be null")));

	rs = risk_add(st, PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2), amount_to_double(PG_GETARG_DATUM(3)),
				  PG_GETARG_DATEADT(4), PG_GETARG_FLOAT8(5));
	if (rs != RISK_OK)
		raise_status(rs, fcinfo);
	PG_RETURN_POINTER(st);
}

Datum
pgr_payment_behaviour_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	RiskState  *st1;
	RiskState  *st2;
	RiskStatus	rs;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "ar.payment_behaviour_combine called in non-aggregate context");
	st1 = PG_ARGISNULL(0) ? NULL : (RiskState *) PG_GETARG_POINTER(0);
	st2 = PG_ARGISNULL(1) ? NULL : (RiskState *) PG_GETARG_POINTER(1);
	if (st2 == NULL)
	{
		if (st1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st1);
	}
	if (st1 == NULL)
	{
		st1 = MemoryContextAlloc(aggctx, sizeof(RiskState));
		*st1 = *st2;
		PG_RETURN_POINTER(st1);
	}
	rs = risk_combine(st1, st2);
	if (rs != RISK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ar.payment_behaviour: %s", risk_status_message(rs)),
				 errhint("Pass as_of and half_life_days as constants of the query.")));
	PG_RETURN_POINTER(st1);
}

Datum
pgr_payment_behaviour_serialize(PG_FUNCTION_ARGS)
{
	RiskState  *st = (RiskState *) PG_GETARG_POINTER(0);
	bytea	   *out = palloc(VARHDRSZ + RISK_SERIAL_SIZE);

	SET_VARSIZE(out, VARHDRSZ + RISK_SERIAL_SIZE);
	risk_serialize(st, (unsigned char *) VARDATA(out));
	PG_RETURN_BYTEA_P(out);
}

Datum
pgr_payment_behaviour_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	RiskState  *st;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "ar.payment_behaviour_deserialize called in non-aggregate context");
	st = MemoryContextAlloc(aggctx, sizeof(RiskState));
	if (risk_deserialize((const unsigned char *) VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), st) != RISK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("malformed ar.payment_behaviour state of %u bytes",
						(unsigned) VARSIZE_ANY_EXHDR(in))));
	PG_RETURN_POINTER(st);
}

/* Over no rows: paid_invoices 0 and everything else NULL. */
Datum
pgr_payment_behaviour_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[10];
	bool		nulls[10];
	RiskState	empty;
	RiskState  *st;
	RiskResult	r;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "ar.payment_behaviour_final must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != 10)
		elog(ERROR, "ar.payment_behaviour has %d attributes, expected 10", tupdesc->natts);

	if (PG_ARGISNULL(0))
	{
		risk_init(&empty);
		st = &empty;
	}
	else
		st = (RiskState *) PG_GETARG_POINTER(0);
	risk_result(st, &r);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(r.paid_invoices);
	values[1] = Int64GetDatum(r.on_time_invoices);
	values[2] = Float8GetDatum(r.paid_invoices > 0 ? (double) r.on_time_invoices / (double) r.paid_invoices : 0);
	nulls[2] = r.paid_invoices == 0;
	values[3] = Float8GetDatum(r.mean_days_late);
	nulls[3] = !r.has_mean;
	values[4] = Float8GetDatum(r.sd_days_late);
	nulls[4] = !r.has_mean;
	values[5] = Float8GetDatum(r.effective_n);
	nulls[5] = !r.has_mean;
	values[6] = Float8GetDatum(r.plain_mean_days_late);
	nulls[6] = r.paid_invoices == 0;
	values[7] = Int32GetDatum(r.usual_pay_day);
	nulls[7] = r.usual_pay_day < 0;
	values[8] = Int32GetDatum(r.usual_pay_weekday);
	nulls[8] = r.usual_pay_weekday < 0;
	values[9] = Float8GetDatum(r.weight_sum);
	nulls[9] = !r.has_mean;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
