/*
 * money.h: numeric amounts as int64 minor units and back, for the fmgr
 * layers of the C cores that count in minor units (allocation, matching).
 */
#ifndef PGR_MONEY_H
#define PGR_MONEY_H

#include "postgres.h"
#include "utils/numeric.h"

/*
 * The numeric as a whole number of minor units, read through its exact
 * decimal text.  Errors name the value as "<what> <value>[ at position
 * <position>]" (position > 0 only), and an amount above max_units is out
 * of range "for <purpose>".
 */
extern int64 pgr_numeric_to_units(Numeric value, int32 minor_unit, const char *what, int position,
								  int64 max_units, const char *purpose);

/* Minor units as a numeric with the currency's scale. */
extern Datum pgr_units_to_numeric(int64 units, int32 minor_unit);

#endif
