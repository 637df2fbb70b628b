/*
 * terms.h: payment terms (支払条件) without PostgreSQL.
 *
 * A payment_terms value says how a due date follows from an issue date:
 *
 *   net 30                           due = issue + 30 days
 *   eom +30                          due = end of the issue month + 30 days
 *   close eom due 1 eom              月末締め翌月末払い
 *   close 20 due 1 10                20日締め翌月10日払い
 *   close 15 due 0 eom; close eom due 1 15   semi-monthly closing
 *   2/10 net 30                      2 % off if paid within 10 days of issue
 *   ..., adjust preceding|following|modified_following
 *
 * Japanese input (月末締め翌月末払い, 20日締め翌月10日払い（前営業日）, ...) is
 * read into the same structure.  The parser takes an explicit length, never
 * reads past it, allocates nothing and bounds everything it stores.
 *
 * Days are numbered as PostgreSQL numbers dates (0 = 2000-01-01).
 */
#ifndef PGR_CORE_TERMS_H
#define PGR_CORE_TERMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PGR_TERMS_VERSION      1
#define PGR_TERMS_MAX_CLAUSES  8
#define PGR_TERMS_MAX_INPUT    1024	/* bytes of text input */
#define PGR_TERMS_TEXT_MAX     1024	/* buffer enough for any output */
#define PGR_TERMS_ERR_MAX      256	/* buffer enough for any message */
#define PGR_TERMS_MAX_DAYS     3650	/* net/eom days, discount days */
#define PGR_TERMS_MAX_MONTHS   24	/* months from closing to due */
#define PGR_TERMS_DAY_EOM      31	/* a closing or due day of 31 is the month's end */

typedef enum pgr_terms_kind
{
	PGR_TERMS_NET = 1,			/* net N */
	PGR_TERMS_EOM = 2,			/* eom +N (N >= 1) */
	PGR_TERMS_CLOSE = 3			/* close C due M D [; ...] */
} pgr_terms_kind;

typedef enum pgr_terms_adjust
{
	PGR_ADJUST_NONE = 0,
	PGR_ADJUST_PRECEDING = 1,	/* 前営業日 */
	PGR_ADJUST_FOLLOWING = 2,	/* 翌営業日 */
	PGR_ADJUST_MODIFIED_FOLLOWING = 3	/* 翌営業日, or 前営業日 across a month end */
} pgr_terms_adjust;

typedef struct pgr_terms_clause
{
	uint8_t		close_day;		/* 1..31, 31 = end of month */
	uint8_t		due_months;		/* months from the closing month, 0..24 */
	uint8_t		due_day;		/* 1..31, 31 = end of month */
	uint8_t		reserved;		/* 0 */
} pgr_terms_clause;

/*
 * The value.  Canonical: every field that does not apply is zero, closing
 * clauses are in ascending order of closing day, "eom +0" is stored as
 * "close eom due 0 eom".  Two values mean the same terms exactly when their
 * bytes are equal.
 */
typedef struct pgr_terms
{
	uint8_t		kind;			/* pgr_terms_kind */
	uint8_t		adjust;			/* pgr_terms_adjust */
	uint8_t		nclauses;		/* closing clauses (kind CLOSE), else 0 */
	uint8_t		reserved;		/* 0 */
	uint16_t	days;			/* net or eom days, else 0 */
	uint16_t	discount_hundredths;	/* discount in 1/100 %, 0 = none */
	uint16_t	discount_days;	/* discount period in days from issue, 0 = none */
	uint16_t	reserved2;		/* 0 */
	pgr_terms_clause clauses[PGR_TERMS_MAX_CLAUSES];
} pgr_terms;

typedef enum pgr_terms_locale
{
	PGR_LOCALE_JA = 0,
	PGR_LOCALE_EN = 1
} pgr_terms_locale;

/*
 * Parse text of len bytes (UTF-8).  On success fills *out (canonical) and
 * returns true; on failure writes a message such as
 *   expected a number of days at "thirty"
 * into err (errlen bytes, NUL-terminated) and returns false.
 */
extern bool pgr_terms_parse(const char *in, size_t len, pgr_terms *out, char *err, size_t errlen);

/* Check a value from outside (binary input): canonical and in range. */
extern bool pgr_terms_validate(const pgr_terms *t, char *err, size_t errlen);

/* Canonical text; returns the length written (buf NUL-terminated). */
extern size_t pgr_terms_format(const pgr_terms *t, char *buf, size_t buflen);

/* Human label: 月末締め翌月末払い / Close EOM, due end of next month. */
extern size_t pgr_terms_label(const pgr_terms *t, pgr_terms_locale locale, char *buf, size_t buflen);

/* Due date before any business-day adjustment. */
extern int64_t pgr_terms_raw_due(const pgr_terms *t, int64_t issue);

/* Last day of the discount period; false when the terms have no discount. */
extern bool pgr_terms_discount_date(const pgr_terms *t, int64_t issue, int64_t *out);

#endif							/* PGR_CORE_TERMS_H */
