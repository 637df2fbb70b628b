/*
 * allocate.c: ar.allocate(), the pure allocation of an amount over balances.
 *
 * A thin fmgr layer over src/core/allocate.c: numeric values are turned into
 * int64 minor units through their canonical text (numeric_out), so the exact
 * decimal is what is checked, allocated in the core, and written back as
 * numeric with the currency's scale.  The core's status codes become
 * ereport() here, each naming the offending value.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "core/allocate.h"
#include "money.h"

PG_FUNCTION_INFO_V1(pgr_allocate);
PG_FUNCTION_INFO_V1(pgr_check_allocation_strategy);

/* The strategy named by a text argument; unknown names are an error. */
static AllocStrategy
strategy_from_text(text *t)
{
	AllocStrategy s;

	if (!alloc_strategy_from_name(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown allocation strategy \"%s\"", text_to_cstring(t)),
				 errhint("Use one of %s.", alloc_strategy_names())));
	return s;
}

static void
check_minor_unit(int32 minor_unit)
{
	if (minor_unit < 0 || minor_unit > ALLOC_MAX_MINOR_UNIT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("minor unit %d is out of range", minor_unit),
				 errdetail("The minor unit is the number of decimal places of the currency, from 0 to %d.",
						   ALLOC_MAX_MINOR_UNIT),
				 errhint("Pass the minor_unit of the currency in ar.currency (JPY 0, USD 2).")));
}

/*
 * ar.allocate(amount numeric, balances numeric[], strategy text DEFAULT 'fifo',
 *             minor_unit integer DEFAULT 0) -> numeric[]
 */
Datum
pgr_allocate(PG_FUNCTION_ARGS)
{
	Numeric		amount_num = PG_GETARG_NUMERIC(0);
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	AllocStrategy strategy = strategy_from_text(PG_GETARG_TEXT_PP(2));
	int32		minor_unit = PG_GETARG_INT32(3);
	int			ndim = ARR_NDIM(arr);
	int			lbound = ndim == 1 ? ARR_LBOUND(arr)[0] : 1;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	int64		amount;
	int64	   *balances;
	int64	   *result;
	AllocScratch *scratch;
	Datum	   *out;
	size_t		bad = 0;
	AllocStatus st;
	int			dims[1];
	int			lbs[1];

	check_minor_unit(minor_unit);
	if (ndim > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("balances must be a one-dimensional array, not %d-dimensional", ndim)));
	amount = pgr_numeric_to_units(amount_num, minor_unit, "amount", 0, PG_INT64_MAX, "allocation");

	get_typlenbyvalalign(NUMERICOID, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, NUMERICOID, typlen, typbyval, typalign, &elems, &nulls, &n);

	/* n is bounded by MaxArraySize, so these requests stay below MaxAllocHugeSize. */
	balances = palloc_extended(sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
	result = palloc_extended(sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
	scratch = palloc_extended(sizeof(AllocScratch) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("balance at position %d is null", lbound + i),
					 errhint("Pass 0 for a balance that is to receive nothing.")));
		balances[i] = pgr_numeric_to_units(DatumGetNumeric(elems[i]), minor_unit, "balance", lbound + i,
										   PG_INT64_MAX, "allocation");
	}

	st = alloc_compute(strategy, amount, balances, (size_t) n, result, scratch, &bad);
	if (st == ALLOC_ERR_SUM_OUT_OF_RANGE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("balances add up beyond the range of allocation at position %d", lbound + (int) bad),
				 errdetail("The total of the balances is limited to %lld minor units.", (long long) PG_INT64_MAX)));
	else if (st != ALLOC_OK)
		elog(ERROR, "allocation failed with status %d at position %d", (int) st, lbound + (int) bad);

	out = palloc_extended(sizeof(Datum) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
		out[i] = pgr_units_to_numeric(result[i], minor_unit);

	dims[0] = n;
	lbs[0] = lbound;
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(NUMERICOID));
	PG_RETURN_ARRAYTYPE_P(construct_md_array(out, NULL, 1, dims, lbs, NUMERICOID,
											 typlen, typbyval, typalign));
}

/*
 * ar.check_allocation_strategy(strategy text) -> void: raises the error
 * ar.allocate would raise for the strategy, so that the ledger functions
 * refuse an unknown strategy before they lock or read anything.
 */
Datum
pgr_check_allocation_strategy(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("allocation strategy must not be null"),
				 errhint("Use one of %s.", alloc_strategy_names())));
	(void) strategy_from_text(PG_GETARG_TEXT_PP(0));
	PG_RETURN_VOID();
}
