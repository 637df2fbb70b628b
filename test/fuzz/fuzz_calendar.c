/*
 * fuzz_calendar.c: libFuzzer harness for the calendar core.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *         test/fuzz/fuzz_calendar.c src/core/calendar.c -lm -o /tmp/fuzz_calendar
 *
 * The core's outside inputs are a calendar code (bytes with a length) and
 * day numbers from anywhere in PostgreSQL's date range.  The first 8 bytes
 * are a day, the rest a code; every built-in calendar is asked about the
 * day and its neighbours, and the civil date conversions must round-trip.
 */
#include "calendar.h"

#include <stdlib.h>
#include <string.h>

#define PG_FIRST_DAY (-2451545)			/* 4713-11-24 BC */
#define PG_LAST_DAY  (2147483494 - 2451545)	/* 5874897-12-31 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t		raw = 0,
				day,
				y;
	int			m,
				d,
				cal,
				k;

	if (size < 8)
		return 0;
	memcpy(&raw, data, 8);
	(void) pgr_cal_builtin((const char *) data + 8, size - 8);

	/* Days of the JP coverage are the interesting ones; others as well. */
	if (raw & 1)
		day = pgr_days_from_civil(1948, 7, 20) + (int64_t) ((uint64_t) raw % 74000);
	else
		day = PG_FIRST_DAY + (int64_t) ((uint64_t) raw % (uint64_t) (PG_LAST_DAY - PG_FIRST_DAY + 1));

	for (k = -1; k <= 1; k++)
	{
		int64_t		dd = day + k;

		pgr_civil_from_days(dd, &y, &m, &d);
		if (m < 1 || m > 12 || d < 1 || d > pgr_days_in_month(y, m) || pgr_days_from_civil(y, m, d) != dd)
			abort();
		if (pgr_weekday(dd) < 0 || pgr_weekday(dd) > 6)
			abort();
		for (cal = PGR_CAL_JP; cal <= PGR_CAL_WEEKENDS; cal++)
		{
			const char *name = pgr_cal_builtin_holiday((pgr_builtin_calendar) cal, dd);

			if (name != NULL && (cal == PGR_CAL_WEEKENDS || !pgr_cal_builtin_covers((pgr_builtin_calendar) cal, dd)))
				abort();
			/* JP-BANK closes every JP holiday. */
			if (cal == PGR_CAL_JP && name && !pgr_cal_builtin_holiday(PGR_CAL_JP_BANK, dd))
				abort();
		}
	}
	return 0;
}
