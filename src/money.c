/*
 * money.c: numeric amounts as int64 minor units and back (see money.h).
 * The parsing and formatting are the allocation core's (src/core/allocate.c),
 * so every layer reads an amount the same way and reports the same errors.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "core/allocate.h"
#include "money.h"

int64
pgr_numeric_to_units(Numeric value, int32 minor_unit, const char *what, int position,
					 int64 max_units, const char *purpose)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value)));
	char		where[32] = "";
	int64		units = 0;
	AllocStatus st;

	st = alloc_parse_units(s, strlen(s), minor_unit, &units);
	if (st == ALLOC_OK && units > max_units)
		st = ALLOC_ERR_OUT_OF_RANGE;
	if (st == ALLOC_OK)
	{
		pfree(s);
		return units;
	}
	if (position > 0)
		snprintf(where, sizeof(where), " at position %d", position);

	switch (st)
	{
		case ALLOC_ERR_NEGATIVE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s %s%s must not be negative", what, s, where)));
			break;
		case ALLOC_ERR_NOT_WHOLE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s %s%s is not a whole number of minor units", what, s, where),
					 errdetail("With minor unit %d an amount has at most %d decimal places.",
							   minor_unit, minor_unit)));
			break;
		case ALLOC_ERR_NOT_FINITE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s %s%s is not a finite number", what, s, where)));
			break;
		case ALLOC_ERR_OUT_OF_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s %s%s is out of range for %s", what, s, where, purpose),
					 errdetail("Amounts are limited to %lld minor units.", (long long) max_units)));
			break;
		default:
			elog(ERROR, "cannot read %s \"%s\" (status %d)", what, s, (int) st);
	}
	pg_unreachable();
}

Datum
pgr_units_to_numeric(int64 units, int32 minor_unit)
{
	char		buf[ALLOC_UNITS_BUFLEN];

	if (alloc_format_units(units, minor_unit, buf, sizeof(buf)) == 0)
		elog(ERROR, "cannot format %lld minor units", (long long) units);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}
