/*
 * timezone.c: validation of IANA time zone names for customers.
 *
 * Dunning schedules notices into each customer's local quiet hours, so a
 * customer's time_zone must be a real zone of the tz database.  PostgreSQL's
 * pg_tzset() also accepts POSIX rule strings ("JST-9", "UTC+3") and finds
 * files case-insensitively; neither is an IANA name, so both are refused
 * here.  Looking the name up this way is cheap (the zone is cached per
 * backend), unlike a scan of pg_timezone_names.
 */
#include "postgres.h"

#include "fmgr.h"
#include "pgtime.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(pgr_is_time_zone);

/* Zones of the tz database whose names look like POSIX rules. */
static const char *const posix_like_zones[] = {
	"EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", NULL
};

static bool
looks_like_posix_rule(const char *name)
{
	const char *p;

	if (strchr(name, '/') != NULL)
		return false;			/* "Etc/GMT+9" is a file name, not a rule */
	for (p = name; *p; p++)
		if ((*p >= '0' && *p <= '9') || *p == '<' || *p == ',')
			return true;
	return false;
}

static bool
is_iana_zone(const char *name)
{
	pg_tz	   *tz;
	int			i;

	if (name[0] == '\0' || strlen(name) >= TZ_STRLEN_MAX)
		return false;
	for (i = 0; posix_like_zones[i] != NULL; i++)
		if (strcmp(name, posix_like_zones[i]) == 0)
			return true;
	if (looks_like_posix_rule(name))
		return false;
	tz = pg_tzset(name);
	/* The canonical name comes from the file: case must match exactly. */
	return tz != NULL && strcmp(pg_get_timezone_name(tz), name) == 0;
}

/* ar.is_time_zone(name text) -> boolean */
Datum
pgr_is_time_zone(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_BOOL(is_iana_zone(name));
}
