/*
 * calendar.h: business calendars in the server, shared by calendar.c (the
 * ar.* calendar functions) and terms.c (ar.due_date).
 */
#ifndef PGR_CALENDAR_H
#define PGR_CALENDAR_H

#include "postgres.h"

#include "utils/date.h"

typedef struct PgrCalendar PgrCalendar;

/* Business-day rules, numbered as pgr_terms_adjust. */
typedef enum PgrRoll
{
	PGR_ROLL_NONE = 0,
	PGR_ROLL_PRECEDING = 1,
	PGR_ROLL_FOLLOWING = 2,
	PGR_ROLL_MODIFIED_FOLLOWING = 3
} PgrRoll;

/* The calendar with this code; ERROR 22023 naming it when there is none. */
extern const PgrCalendar *pgr_calendar_get(const text *code);

extern bool pgr_calendar_is_business_day(const PgrCalendar *cal, DateADT day);
extern DateADT pgr_calendar_roll(const PgrCalendar *cal, DateADT day, PgrRoll rule);

#endif							/* PGR_CALENDAR_H */
