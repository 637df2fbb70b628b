/*
 * calendar.c: the built-in business calendars (see calendar.h).
 *
 * The national holidays of Japan are computed per year from the rules of the
 * Act on National Holidays as they stood in that year, then cached: one byte
 * per day of the year naming the holiday (0 = none), filled the first time a
 * day of that year is asked about.  The cache is static (203 years x 366
 * bytes) and holds no pointers, so the core allocates nothing.
 *
 * The history encoded below (docs/calendars.md gives the sources):
 *   1948-07-20  the Act: 元日, 成人の日 (Jan 15), 春分の日, 天皇誕生日 (Apr 29),
 *               憲法記念日, こどもの日, 秋分の日, 文化の日, 勤労感謝の日
 *   1966        敬老の日 (Sep 15) and 体育の日 (Oct 10) added
 *   1967        建国記念の日 (Feb 11)
 *   1973-04-12  振替休日: a holiday on a Sunday makes the Monday a holiday
 *   1985-12-27  国民の休日: a day between two holidays is a holiday
 *   1989        天皇誕生日 moves to Dec 23; Apr 29 becomes みどりの日
 *   1996        海の日 (Jul 20)
 *   2000        Happy Monday: 成人の日 2nd Monday of Jan, 体育の日 2nd Monday of Oct
 *   2003        Happy Monday: 海の日 3rd Monday of Jul, 敬老の日 3rd Monday of Sep
 *   2007        Apr 29 昭和の日, みどりの日 May 4; 振替休日 is the next day that
 *               is not a holiday; 国民の休日 no longer excludes Sundays
 *   2016        山の日 (Aug 11)
 *   2019        no 天皇誕生日; May 1 and Oct 22 treated as holidays
 *   2020        天皇誕生日 Feb 23; 体育の日 renamed スポーツの日; Olympic moves
 *               (海の日 Jul 23, スポーツの日 Jul 24, 山の日 Aug 10)
 *   2021        Olympic moves (海の日 Jul 22, スポーツの日 Jul 23, 山の日 Aug 8)
 * plus the one-off days of 1959, 1989, 1990 and 1993.
 */
#include "calendar.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------------
 * Civil dates (days since 2000-01-01)
 * ------------------------------------------------------------------- */

/* Days between 1970-01-01 and 2000-01-01. */
#define UNIX_TO_PG_DAYS 10957

int64_t
pgr_days_from_civil(int64_t y, int m, int d)
{
	int64_t		era,
				yoe,
				doy,
				doe;

	y -= (m <= 2);
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - UNIX_TO_PG_DAYS;
}

void
pgr_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t		z = days + UNIX_TO_PG_DAYS + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;
	int			mm = (int) (mp < 10 ? mp + 3 : mp - 9);

	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = mm;
	*y = yoe + era * 400 + (mm <= 2);
}

int
pgr_weekday(int64_t days)
{
	/* 2000-01-01 was a Saturday. */
	int64_t		w = (days + 6) % 7;

	return (int) (w < 0 ? w + 7 : w);
}

bool
pgr_is_leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
pgr_days_in_month(int64_t y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && pgr_is_leap_year(y))
		return 29;
	return len[m - 1];
}

/* ---------------------------------------------------------------------
 * Built-in calendar codes
 * ------------------------------------------------------------------- */

static const char *const builtin_codes[] = {NULL, "JP", "JP-BANK", "WEEKENDS"};

pgr_builtin_calendar
pgr_cal_builtin(const char *code, size_t len)
{
	int			i;

	for (i = 1; i <= 3; i++)
		if (strlen(builtin_codes[i]) == len && memcmp(builtin_codes[i], code, len) == 0)
			return (pgr_builtin_calendar) i;
	return PGR_CAL_NONE;
}

const char *
pgr_cal_builtin_code(pgr_builtin_calendar cal)
{
	return (cal >= PGR_CAL_JP && cal <= PGR_CAL_WEEKENDS) ? builtin_codes[cal] : NULL;
}

/* Beyond any date PostgreSQL can hold. */
#define NO_LIMIT_FIRST (-((int64_t) 1 << 40))
#define NO_LIMIT_LAST  ((int64_t) 1 << 40)

/* Coverage of JP and JP-BANK, computed once. */
static int64_t jp_first_day,
			jp_last_day;
static bool jp_range_known;

static void
jp_range(void)
{
	if (!jp_range_known)
	{
		jp_first_day = pgr_days_from_civil(1948, 7, 20);
		jp_last_day = pgr_days_from_civil(PGR_CAL_JP_LAST_YEAR, 12, 31);
		jp_range_known = true;
	}
}

void
pgr_cal_builtin_range(pgr_builtin_calendar cal, int64_t *first, int64_t *last)
{
	if (cal == PGR_CAL_JP || cal == PGR_CAL_JP_BANK)
	{
		jp_range();
		*first = jp_first_day;
		*last = jp_last_day;
	}
	else
	{
		*first = NO_LIMIT_FIRST;
		*last = NO_LIMIT_LAST;
	}
}

bool
pgr_cal_builtin_covers(pgr_builtin_calendar cal, int64_t day)
{
	if (cal == PGR_CAL_JP || cal == PGR_CAL_JP_BANK)
	{
		jp_range();
		return day >= jp_first_day && day <= jp_last_day;
	}
	return day >= NO_LIMIT_FIRST && day <= NO_LIMIT_LAST;
}

/* ---------------------------------------------------------------------
 * Equinoxes
 *
 * Meeus, Astronomical Algorithms (2nd ed.), chapter 27: the mean equinox of
 * the year corrected by 24 periodic terms gives the instant in Terrestrial
 * Time to within about a minute for the years 1000-3000.  Subtracting
 * delta T (TT - UT, the polynomials of Espenak and Meeus) and adding nine
 * hours gives Japan Standard Time; the equinox day is the JST day holding
 * that instant, as the National Astronomical Observatory of Japan defines
 * it for the holiday.
 * ------------------------------------------------------------------- */

static const double periodic_terms[24][3] = {
	{485, 324.96, 1934.136}, {203, 337.23, 32964.467}, {199, 342.08, 20.186},
	{182, 27.85, 445267.112}, {156, 73.14, 45036.886}, {136, 171.52, 22518.443},
	{77, 222.54, 65928.934}, {74, 296.72, 3034.906}, {70, 243.58, 9037.513},
	{58, 119.81, 33718.147}, {52, 297.17, 150.678}, {50, 21.02, 2281.232},
	{45, 247.54, 29929.562}, {44, 325.15, 31555.956}, {29, 60.93, 4443.417},
	{18, 155.12, 67555.328}, {17, 288.79, 4562.452}, {16, 198.04, 62894.029},
	{14, 199.76, 31436.921}, {12, 95.39, 14577.848}, {12, 287.11, 31931.756},
	{12, 320.81, 34777.259}, {9, 227.73, 1222.114}, {8, 15.45, 16859.074}
};

#define DEG2RAD(x) ((x) * 3.14159265358979323846 / 180.0)

/* Julian Ephemeris Day of the March (autumnal=false) or September equinox. */
static double
equinox_jde(int year, bool autumnal)
{
	double		Y = (year - 2000) / 1000.0;
	double		jde0,
				T,
				W,
				dl,
				S = 0;
	int			i;

	if (autumnal)
		jde0 = 2451810.21715 + 365242.01767 * Y - 0.11575 * Y * Y
			+ 0.00337 * Y * Y * Y + 0.00078 * Y * Y * Y * Y;
	else
		jde0 = 2451623.80984 + 365242.37404 * Y + 0.05169 * Y * Y
			- 0.00411 * Y * Y * Y - 0.00057 * Y * Y * Y * Y;
	T = (jde0 - 2451545.0) / 36525.0;
	W = DEG2RAD(35999.373 * T - 2.47);
	dl = 1.0 + 0.0334 * cos(W) + 0.0007 * cos(2.0 * W);
	for (i = 0; i < 24; i++)
		S += periodic_terms[i][0] * cos(DEG2RAD(periodic_terms[i][1] + periodic_terms[i][2] * T));
	return jde0 + 0.00001 * S / dl;
}

/* TT - UT in seconds (Espenak and Meeus), for the middle of the given month. */
static double
delta_t_seconds(int year, int month)
{
	double		y = year + (month - 0.5) / 12.0;
	double		t;

	if (y < 1961)
	{
		t = y - 1950;
		return 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547;
	}
	if (y < 1986)
	{
		t = y - 1975;
		return 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718;
	}
	if (y < 2005)
	{
		t = y - 2000;
		return 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t
			+ 0.000651814 * t * t * t * t + 0.00002373599 * t * t * t * t * t;
	}
	if (y < 2050)
	{
		t = y - 2000;
		return 62.92 + 0.32217 * t + 0.005589 * t * t;
	}
	t = (y - 1820) / 100;
	return -20 + 32 * t * t - 0.5628 * (2150 - y);
}

int
pgr_jp_equinox_day(int year, bool autumnal, double *margin_minutes)
{
	/* JD 2451545.0 is 2000-01-01 12:00; a civil day starts at JD x.5. */
	double		jst = equinox_jde(year, autumnal)
		- delta_t_seconds(year, autumnal ? 9 : 3) / 86400.0 + 9.0 / 24.0;
	double		day = floor(jst + 0.5);
	double		frac = jst + 0.5 - day;
	int64_t		y;
	int			m,
				d;

	if (margin_minutes)
		*margin_minutes = (frac < 0.5 ? frac : 1.0 - frac) * 1440.0;
	pgr_civil_from_days((int64_t) day - 2451545, &y, &m, &d);
	return d;
}

/* ---------------------------------------------------------------------
 * National holidays of Japan
 * ------------------------------------------------------------------- */

enum
{
	H_NONE = 0,
	H_GANJITSU,					/* 元日 */
	H_SEIJIN,					/* 成人の日 */
	H_KENKOKU,					/* 建国記念の日 */
	H_TENNO,					/* 天皇誕生日 */
	H_SHUNBUN,					/* 春分の日 */
	H_SHOWA,					/* 昭和の日 */
	H_KENPO,					/* 憲法記念日 */
	H_MIDORI,					/* みどりの日 */
	H_KODOMO,					/* こどもの日 */
	H_UMI,						/* 海の日 */
	H_YAMA,						/* 山の日 */
	H_KEIRO,					/* 敬老の日 */
	H_SHUBUN,					/* 秋分の日 */
	H_TAIIKU,					/* 体育の日 */
	H_SPORTS,					/* スポーツの日 */
	H_TAIIKU_2019,				/* 体育の日（スポーツの日） */
	H_BUNKA,					/* 文化の日 */
	H_KINRO,					/* 勤労感謝の日 */
	H_KEKKON,					/* 結婚の儀 */
	H_TAISO,					/* 大喪の礼 */
	H_SOKUI,					/* 即位礼正殿の儀 */
	H_SHUKUJITSU_ATSUKAI,		/* 休日（祝日扱い） */
	/* Days that are holidays by article 3 of the Act, not 祝日 themselves. */
	H_FURIKAE,					/* 振替休日, listed as 休日 */
	H_KOKUMIN,					/* 国民の休日, listed as 休日 */
	H_BANK,						/* 銀行休業日 (JP-BANK only) */
	H_COUNT
};

static const char *const holiday_names[H_COUNT] = {
	NULL,
	"元日",
	"成人の日",
	"建国記念の日",
	"天皇誕生日",
	"春分の日",
	"昭和の日",
	"憲法記念日",
	"みどりの日",
	"こどもの日",
	"海の日",
	"山の日",
	"敬老の日",
	"秋分の日",
	"体育の日",
	"スポーツの日",
	"体育の日（スポーツの日）",
	"文化の日",
	"勤労感謝の日",
	"結婚の儀",
	"大喪の礼",
	"即位礼正殿の儀",
	"休日（祝日扱い）",
	"休日",
	"休日",
	"銀行休業日"
};

#define JP_YEARS (PGR_CAL_JP_LAST_YEAR - PGR_CAL_JP_FIRST_YEAR + 1)

static uint8_t jp_cache[JP_YEARS][366];
static bool jp_cached[JP_YEARS];
static int64_t jp_jan1[JP_YEARS];	/* day number of January 1, once cached */

/* Day of the month of the n-th Monday of a month. */
static int
nth_monday(int y, int m, int n)
{
	int			dow1 = pgr_weekday(pgr_days_from_civil(y, m, 1));
	int			first = 1 + (8 - dow1) % 7;

	return first + 7 * (n - 1);
}

/* Index of a date within its year (0 = Jan 1). */
static int
day_of_year(int y, int m, int d)
{
	return (int) (pgr_days_from_civil(y, m, d) - pgr_days_from_civil(y, 1, 1));
}

static void
set_holiday(uint8_t *days, int y, int m, int d, int name)
{
	days[day_of_year(y, m, d)] = (uint8_t) name;
}

/* The 祝日 of a year: the days named by article 2 and by the special laws. */
static void
jp_shukujitsu(int y, uint8_t *days)
{
	if (y >= 1949)
	{
		set_holiday(days, y, 1, 1, H_GANJITSU);
		set_holiday(days, y, 1, y < 2000 ? 15 : nth_monday(y, 1, 2), H_SEIJIN);
		set_holiday(days, y, 3, pgr_jp_equinox_day(y, false, NULL), H_SHUNBUN);
		set_holiday(days, y, 5, 3, H_KENPO);
		set_holiday(days, y, 5, 5, H_KODOMO);
	}
	if (y >= 1967)
		set_holiday(days, y, 2, 11, H_KENKOKU);

	/* The Emperor's birthday and April 29. */
	if (y >= 1949 && y <= 1988)
		set_holiday(days, y, 4, 29, H_TENNO);
	else if (y >= 1989 && y <= 2006)
		set_holiday(days, y, 4, 29, H_MIDORI);
	else if (y >= 2007)
	{
		set_holiday(days, y, 4, 29, H_SHOWA);
		set_holiday(days, y, 5, 4, H_MIDORI);
	}
	if (y >= 1989 && y <= 2018)
		set_holiday(days, y, 12, 23, H_TENNO);
	else if (y >= 2020)
		set_holiday(days, y, 2, 23, H_TENNO);

	/* Marine Day, Mountain Day, Sports Day: with the Olympic years. */
	if (y == 2020)
	{
		set_holiday(days, y, 7, 23, H_UMI);
		set_holiday(days, y, 7, 24, H_SPORTS);
		set_holiday(days, y, 8, 10, H_YAMA);
	}
	else if (y == 2021)
	{
		set_holiday(days, y, 7, 22, H_UMI);
		set_holiday(days, y, 7, 23, H_SPORTS);
		set_holiday(days, y, 8, 8, H_YAMA);
	}
	else
	{
		if (y >= 1996)
			set_holiday(days, y, 7, y < 2003 ? 20 : nth_monday(y, 7, 3), H_UMI);
		if (y >= 2016)
			set_holiday(days, y, 8, 11, H_YAMA);
		if (y >= 1966 && y <= 1999)
			set_holiday(days, y, 10, 10, H_TAIIKU);
		else if (y >= 2000)
			set_holiday(days, y, 10, nth_monday(y, 10, 2),
						y <= 2018 ? H_TAIIKU : y == 2019 ? H_TAIIKU_2019 : H_SPORTS);
	}
	if (y >= 1966)
		set_holiday(days, y, 9, y < 2003 ? 15 : nth_monday(y, 9, 3), H_KEIRO);

	set_holiday(days, y, 9, pgr_jp_equinox_day(y, true, NULL), H_SHUBUN);
	set_holiday(days, y, 11, 3, H_BUNKA);
	set_holiday(days, y, 11, 23, H_KINRO);

	/* One-off days set by special laws. */
	if (y == 1959)
		set_holiday(days, y, 4, 10, H_KEKKON);	/* wedding of Crown Prince Akihito */
	if (y == 1989)
		set_holiday(days, y, 2, 24, H_TAISO);	/* funeral of Emperor Showa */
	if (y == 1990)
		set_holiday(days, y, 11, 12, H_SOKUI);	/* enthronement ceremony */
	if (y == 1993)
		set_holiday(days, y, 6, 9, H_KEKKON);	/* wedding of Crown Prince Naruhito */
	if (y == 2019)
	{
		/* Enthronement day and ceremony (Act No. 99 of 2018). */
		set_holiday(days, y, 5, 1, H_SHUKUJITSU_ATSUKAI);
		set_holiday(days, y, 10, 22, H_SHUKUJITSU_ATSUKAI);
	}
}

static bool
is_shukujitsu(uint8_t name)
{
	return name != H_NONE && name < H_FURIKAE;
}

/* Fill one year: 祝日, then 振替休日, then 国民の休日 (article 3). */
static void
jp_compute_year(int y, uint8_t *days)
{
	int			ndays = pgr_is_leap_year(y) ? 366 : 365;
	int64_t		jan1 = pgr_days_from_civil(y, 1, 1);
	int64_t		furikae_from = pgr_days_from_civil(1973, 4, 12);
	int64_t		kokumin_from = pgr_days_from_civil(1985, 12, 27);
	int			i;
	uint8_t		shuku[366];

	memset(days, 0, 366);
	jp_shukujitsu(y, days);
	memcpy(shuku, days, sizeof(shuku));

	/*
	 * 振替休日.  Until 2006: the day after a 祝日 falling on a Sunday.  From
	 * 2007: the first day after it that is not a 祝日.  No 祝日 falls on Dec
	 * 31, so the substitute never crosses into the next year.
	 */
	for (i = 0; i < ndays; i++)
	{
		int			j;

		if (!is_shukujitsu(shuku[i]) || pgr_weekday(jan1 + i) != 0 || jan1 + i < furikae_from)
			continue;
		j = i + 1;
		if (y >= 2007)
			while (j < ndays && is_shukujitsu(shuku[j]))
				j++;
		if (j < ndays && days[j] == H_NONE)
			days[j] = H_FURIKAE;
	}

	/*
	 * 国民の休日: a day whose day before and day after are 祝日 and which is
	 * not one itself.  Until 2006 a Sunday or a 振替休日 did not qualify.
	 */
	for (i = 1; i + 1 < ndays; i++)
	{
		if (jan1 + i < kokumin_from || shuku[i] != H_NONE)
			continue;
		if (!is_shukujitsu(shuku[i - 1]) || !is_shukujitsu(shuku[i + 1]))
			continue;
		if (y < 2007 && (pgr_weekday(jan1 + i) == 0 || days[i] == H_FURIKAE))
			continue;
		if (days[i] == H_NONE)
			days[i] = H_KOKUMIN;
	}

	/* The Act took effect on 1948-07-20: nothing of it before that day. */
	if (y == 1948)
		memset(days, 0, (size_t) day_of_year(1948, 7, 20));
}

const char *
pgr_cal_builtin_holiday(pgr_builtin_calendar cal, int64_t day)
{
	int64_t		y;
	int			m,
				d,
				idx;
	uint8_t		name;

	if ((cal != PGR_CAL_JP && cal != PGR_CAL_JP_BANK) || !pgr_cal_builtin_covers(cal, day))
		return NULL;
	pgr_civil_from_days(day, &y, &m, &d);
	idx = (int) (y - PGR_CAL_JP_FIRST_YEAR);
	if (!jp_cached[idx])
	{
		jp_compute_year((int) y, jp_cache[idx]);
		jp_jan1[idx] = pgr_days_from_civil(y, 1, 1);
		jp_cached[idx] = true;
	}
	name = jp_cache[idx][day - jp_jan1[idx]];
	if (name == H_NONE && cal == PGR_CAL_JP_BANK
		&& ((m == 12 && d == 31) || (m == 1 && d <= 3)))
		name = H_BANK;
	return holiday_names[name];
}
