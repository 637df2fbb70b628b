/*
 * core/risk.h: payment behaviour of a customer, in plain C.
 *
 * The state of the aggregate ar.payment_behaviour: one row per paid
 * invoice (due date, date paid, amount) seen from a date as_of.  Each row
 * weighs
 *
 *     w = amount * 2^(-(as_of - paid) / half_life)
 *
 * so that a large invoice counts more than a small one and a payment of
 * half_life days ago counts half as much as one paid on as_of.  The state
 * keeps the weighted sums needed for the weighted mean and standard
 * deviation of the days late (paid - due), Kish's effective number of
 * observations (sum w)^2 / sum w^2, the count of invoices paid on time
 * (days late <= 0), and how often each day of the month and each weekday
 * was a pay day (for the "usual pay day").
 *
 * Dates are days since 2000-01-01 (PostgreSQL's DateADT).  Nothing here
 * knows about the server; src/risk.c turns the status codes into ereport
 * and test/fuzz/fuzz_risk.c links this file alone.
 */
#ifndef PGR_CORE_RISK_H
#define PGR_CORE_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Day-of-month counters: index 0 = the last day of a month, 1..31 = other days. */
#define RISK_DOM_SLOTS		32
#define RISK_DOW_SLOTS		7
/* A usual pay day needs this many payments and at least half of them. */
#define RISK_USUAL_MIN_N	3
#define RISK_SERIAL_MAGIC	0x314b5352u		/* "RSK1" */
#define RISK_SERIAL_SIZE	(4 + 4 + 8 + 8 + 8 * 6 + 8 * RISK_DOM_SLOTS + 8 * RISK_DOW_SLOTS)

typedef enum RiskStatus
{
	RISK_OK = 0,
	RISK_BAD_AMOUNT,			/* amount not finite or not > 0 */
	RISK_BAD_HALF_LIFE,			/* half-life not finite or not > 0 */
	RISK_MIXED_HALF_LIFE,		/* half-life differs between rows */
	RISK_MIXED_AS_OF,			/* as_of differs between rows */
	RISK_PAID_AFTER_AS_OF,		/* a payment dated after as_of */
	RISK_DATE_RANGE,			/* a date beyond what the arithmetic allows */
	RISK_BAD_STATE				/* serialized state malformed */
} RiskStatus;

typedef struct RiskState
{
	int64_t		n;				/* rows seen */
	int64_t		on_time;		/* rows with paid <= due */
	int32_t		as_of;			/* reference date, valid when n > 0 */
	double		half_life;		/* days; 0 while n == 0 */
	double		sw;				/* sum of weights */
	double		swx;			/* sum of w * days_late */
	double		swxx;			/* sum of w * days_late^2 */
	double		sww;			/* sum of w^2 */
	double		sx;				/* plain sum of days_late */
	int64_t		dom[RISK_DOM_SLOTS];
	int64_t		dow[RISK_DOW_SLOTS];	/* 0 = Monday .. 6 = Sunday */
} RiskState;

typedef struct RiskResult
{
	int64_t		paid_invoices;
	int64_t		on_time_invoices;
	bool		has_mean;		/* false when no weight survived */
	double		mean_days_late;	/* recency- and amount-weighted */
	double		sd_days_late;	/* weighted standard deviation */
	double		effective_n;	/* Kish: (sum w)^2 / sum w^2 */
	double		weight_sum;		/* sum of w: pools customers' means */
	double		plain_mean_days_late;	/* unweighted */
	int			usual_pay_day;	/* 0 = month end, 1..31, -1 = none */
	int			usual_pay_weekday;	/* ISO 1 = Monday .. 7 = Sunday, -1 = none */
} RiskResult;

/* At most this many rows in one state (2^53): counters and their sums stay exact. */
#define RISK_MAX_N		((int64_t) 1 << 53)

/* Plain dates must stay within this many days of 2000-01-01. */
#define RISK_MAX_ABS_DAY	3000000

extern void risk_init(RiskState *s);
extern RiskStatus risk_add(RiskState *s, int32_t due, int32_t paid, double amount,
						   int32_t as_of, double half_life);
extern RiskStatus risk_combine(RiskState *into, const RiskState *from);
extern void risk_result(const RiskState *s, RiskResult *r);
extern void risk_serialize(const RiskState *s, unsigned char out[RISK_SERIAL_SIZE]);
extern RiskStatus risk_deserialize(const unsigned char *in, size_t len, RiskState *s);
extern const char *risk_status_message(RiskStatus st);

/* Calendar helpers (days since 2000-01-01). */
extern void risk_civil(int32_t day, int *year, int *month, int *dom);
extern int	risk_days_in_month(int year, int month);
extern int	risk_iso_weekday(int32_t day);

#endif
