/*
 * match.c: ar.match_combinations(), the subset-sum search of cash
 * application, as SQL.
 *
 * A thin fmgr layer over src/core/match.c: the target, balances and deltas
 * are turned into int64 minor units (through numeric_out and the parser of
 * the allocation core, so the exact decimal is checked), searched, and the
 * combinations returned as rows of 1-based positions into the balances.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "core/allocate.h"
#include "core/match.h"
#include "money.h"

PG_FUNCTION_INFO_V1(pgr_match_combinations);

/* The elements of a one-dimensional numeric array as minor units. */
static int64 *
numeric_array_units(ArrayType *arr, int32 minor_unit, const char *what, int *count)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	int64	   *units;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional", what, ARR_NDIM(arr))));
	get_typlenbyvalalign(NUMERICOID, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, NUMERICOID, typlen, typbyval, typalign, &elems, &nulls, &n);
	units = palloc_extended(sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s element at position %d is null", what, i + 1)));
		units[i] = pgr_numeric_to_units(DatumGetNumeric(elems[i]), minor_unit, what, i + 1,
										MATCH_MAX_AMOUNT, "matching");
	}
	*count = n;
	return units;
}

static void
check_range(const char *what, int32 value, int32 lo, int32 hi)
{
	if (value < lo || value > hi)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %d is out of range", what, value),
				 errdetail("It must be between %d and %d.", lo, hi)));
}

/*
 * ar.match_combinations(target numeric, balances numeric[],
 *     deltas numeric[] DEFAULT '{0}', max_invoices integer DEFAULT 6,
 *     max_results integer DEFAULT 5, minor_unit integer DEFAULT 0,
 *     max_nodes integer DEFAULT 100000)
 *   -> TABLE(positions integer[], total numeric, delta numeric)
 */
Datum
pgr_match_combinations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Numeric		target_num = PG_GETARG_NUMERIC(0);
	ArrayType  *bal_arr = PG_GETARG_ARRAYTYPE_P(1);
	ArrayType  *delta_arr = PG_GETARG_ARRAYTYPE_P(2);
	int32		max_pick = PG_GETARG_INT32(3);
	int32		max_results = PG_GETARG_INT32(4);
	int32		minor_unit = PG_GETARG_INT32(5);
	int32		max_nodes = PG_GETARG_INT32(6);
	int64		target;
	int64	   *balances;
	int64	   *deltas;
	int			n;
	int			nd;
	void	   *scratch;
	MatchCombo *out;
	int			nout = 0;
	MatchStats	stats;
	MatchStatus st;
	int			r;

	check_range("minor unit", minor_unit, 0, ALLOC_MAX_MINOR_UNIT);
	check_range("max_invoices", max_pick, 1, MATCH_MAX_PICK);
	check_range("max_results", max_results, 1, MATCH_MAX_RESULTS);
	check_range("max_nodes", max_nodes, 1, PG_INT32_MAX);

	target = pgr_numeric_to_units(target_num, minor_unit, "target", 0, MATCH_MAX_AMOUNT, "matching");
	if (target == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target must be greater than zero")));
	balances = numeric_array_units(bal_arr, minor_unit, "balances", &n);
	deltas = numeric_array_units(delta_arr, minor_unit, "deltas", &nd);
	if (n > MATCH_MAX_BALANCES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%d balances are more than the %d one search takes", n, MATCH_MAX_BALANCES),
				 errhint("Pass the oldest invoices only.")));
	if (nd > MATCH_MAX_DELTAS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%d deltas are more than the %d one search takes", nd, MATCH_MAX_DELTAS)));

	scratch = palloc_extended(match_scratch_size((size_t) n), MCXT_ALLOC_HUGE);
	out = palloc(sizeof(MatchCombo) * max_results);
	st = match_search(balances, (size_t) n, target, deltas, (size_t) nd, max_pick, max_results,
					  max_nodes, scratch, out, &nout, &stats);
	if (st != MATCH_OK)
		elog(ERROR, "subset-sum search failed: %s", match_status_text(st));

	InitMaterializedSRF(fcinfo, 0);
	for (r = 0; r < nout; r++)
	{
		Datum	   *pos = palloc(sizeof(Datum) * out[r].count);
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		int			i;

		for (i = 0; i < out[r].count; i++)
			pos[i] = Int32GetDatum(out[r].pos[i] + 1);
		values[0] = PointerGetDatum(construct_array(pos, out[r].count, INT4OID, sizeof(int32), true,
													TYPALIGN_INT));
		values[1] = pgr_units_to_numeric(out[r].total, minor_unit);
		values[2] = pgr_units_to_numeric(out[r].delta, minor_unit);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
