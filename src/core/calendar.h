/*
 * calendar.h: business calendars without PostgreSQL.
 *
 * Days are numbered as PostgreSQL numbers dates: day 0 is 2000-01-01, so a
 * DateADT can be passed straight in.  Weekdays are 0 = Sunday .. 6 = Saturday
 * (as extract(dow)).
 *
 * Built-in calendars:
 *   JP        Saturdays, Sundays and the national holidays of Japan under the
 *             Act on National Holidays (国民の祝日に関する法律) of 1948, with
 *             every amendment and every special law up to 2021; covered from
 *             1948-07-20 (the day the Act took effect) to 2150-12-31.
 *   JP-BANK   JP plus Dec 31 and Jan 1-3 (bank holidays), same coverage.
 *   WEEKENDS  Saturdays and Sundays; covers every date.
 *
 * Holiday names are UTF-8 strings as the Cabinet Office's list
 * (syukujitsu.csv) writes them; both 振替休日 and 国民の休日 are "休日".
 */
#ifndef PGR_CORE_CALENDAR_H
#define PGR_CORE_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pgr_builtin_calendar
{
	PGR_CAL_NONE = 0,
	PGR_CAL_JP = 1,
	PGR_CAL_JP_BANK = 2,
	PGR_CAL_WEEKENDS = 3
} pgr_builtin_calendar;

#define PGR_CAL_JP_FIRST_YEAR 1948
#define PGR_CAL_JP_LAST_YEAR  2150

/* Weekend mask bit for a weekday: bit 0 = Sunday ... bit 6 = Saturday. */
#define PGR_WEEKEND_BIT(dow) (1u << (dow))
#define PGR_WEEKEND_SAT_SUN  (PGR_WEEKEND_BIT(0) | PGR_WEEKEND_BIT(6))

/* Civil calendar (proleptic Gregorian), on the PostgreSQL day numbering. */
extern int64_t pgr_days_from_civil(int64_t y, int m, int d);
extern void pgr_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
extern int	pgr_weekday(int64_t days);
extern bool pgr_is_leap_year(int64_t y);
extern int	pgr_days_in_month(int64_t y, int m);

/* Built-in calendars by code (exact, case-sensitive); PGR_CAL_NONE if not one. */
extern pgr_builtin_calendar pgr_cal_builtin(const char *code, size_t len);
extern const char *pgr_cal_builtin_code(pgr_builtin_calendar cal);

/* First and last day a built-in calendar covers (inclusive). */
extern void pgr_cal_builtin_range(pgr_builtin_calendar cal, int64_t *first, int64_t *last);
extern bool pgr_cal_builtin_covers(pgr_builtin_calendar cal, int64_t day);

/*
 * Name of the holiday of a built-in calendar on a covered day, or NULL on
 * any other day (weekends included: they have no name).  Static storage.
 */
extern const char *pgr_cal_builtin_holiday(pgr_builtin_calendar cal, int64_t day);

/*
 * Day of March (vernal) or September (autumnal) of the equinox in Japan
 * Standard Time, for 1948..2150.  Also returns, in *margin_minutes if not
 * NULL, how far the computed instant lies from the nearer JST midnight.
 */
extern int	pgr_jp_equinox_day(int year, bool autumnal, double *margin_minutes);

#endif							/* PGR_CORE_CALENDAR_H */
