/*
 * core/risk.c: payment behaviour state (see risk.h).
 */
#include "risk.h"

#include <math.h>
#include <string.h>

void
risk_init(RiskState *s)
{
	memset(s, 0, sizeof(*s));
}

/* Floor division and modulo for possibly negative day numbers. */
static int32_t
floor_div(int32_t a, int32_t b)
{
	int32_t		q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/*
 * Proleptic Gregorian date of a day number (days since 2000-01-01), after
 * H. Hinnant's civil_from_days.
 */
void
risk_civil(int32_t day, int *year, int *month, int *dom)
{
	int64_t		z = (int64_t) day + 10957 + 719468;	/* days since 0000-03-01 */
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;
	int64_t		d = doy - (153 * mp + 2) / 5 + 1;
	int64_t		m = mp < 10 ? mp + 3 : mp - 9;
	int64_t		y = yoe + era * 400 + (m <= 2);

	*year = (int) y;
	*month = (int) m;
	*dom = (int) d;
}

int
risk_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool		leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month == 2 && leap)
		return 29;
	return days[month - 1];
}

/* ISO weekday, 1 = Monday .. 7 = Sunday; 2000-01-01 was a Saturday. */
int
risk_iso_weekday(int32_t day)
{
	int32_t		j = day - floor_div(day, 7) * 7;	/* 0 = Saturday */

	return (int) ((j + 5) % 7) + 1;
}

RiskStatus
risk_add(RiskState *s, int32_t due, int32_t paid, double amount, int32_t as_of, double half_life)
{
	double		x,
				age,
				w;
	int			y,
				m,
				d;

	if (!isfinite(amount) || amount <= 0)
		return RISK_BAD_AMOUNT;
	if (!isfinite(half_life) || half_life <= 0)
		return RISK_BAD_HALF_LIFE;
	if (due > RISK_MAX_ABS_DAY || due < -RISK_MAX_ABS_DAY ||
		paid > RISK_MAX_ABS_DAY || paid < -RISK_MAX_ABS_DAY ||
		as_of > RISK_MAX_ABS_DAY || as_of < -RISK_MAX_ABS_DAY)
		return RISK_DATE_RANGE;
	if (s->n > 0)
	{
		if (s->half_life != half_life)
			return RISK_MIXED_HALF_LIFE;
		if (s->as_of != as_of)
			return RISK_MIXED_AS_OF;
	}
	if (paid > as_of)
		return RISK_PAID_AFTER_AS_OF;
	if (s->n >= RISK_MAX_N)
		return RISK_BAD_STATE;

	x = (double) paid - (double) due;
	age = (double) as_of - (double) paid;
	w = amount * exp2(-age / half_life);

	s->n++;
	if (paid <= due)
		s->on_time++;
	s->as_of = as_of;
	s->half_life = half_life;
	s->sw += w;
	s->swx += w * x;
	s->swxx += w * x * x;
	s->sww += w * w;
	s->sx += x;

	risk_civil(paid, &y, &m, &d);
	s->dom[d == risk_days_in_month(y, m) ? 0 : d]++;
	s->dow[risk_iso_weekday(paid) - 1]++;
	return RISK_OK;
}

RiskStatus
risk_combine(RiskState *into, const RiskState *from)
{
	int			i;

	if (from->n == 0)
		return RISK_OK;
	if (into->n == 0)
	{
		*into = *from;
		return RISK_OK;
	}
	if (into->n > RISK_MAX_N - from->n)
		return RISK_BAD_STATE;
	if (into->half_life != from->half_life)
		return RISK_MIXED_HALF_LIFE;
	if (into->as_of != from->as_of)
		return RISK_MIXED_AS_OF;
	into->n += from->n;
	into->on_time += from->on_time;
	into->sw += from->sw;
	into->swx += from->swx;
	into->swxx += from->swxx;
	into->sww += from->sww;
	into->sx += from->sx;
	for (i = 0; i < RISK_DOM_SLOTS; i++)
		into->dom[i] += from->dom[i];
	for (i = 0; i < RISK_DOW_SLOTS; i++)
		into->dow[i] += from->dow[i];
	return RISK_OK;
}

/* Index of the largest counter if it holds at least half of n, else -1. */
static int
usual_slot(const int64_t *counts, int slots, int64_t n)
{
	int			best = 0,
				i;

	if (n < RISK_USUAL_MIN_N)
		return -1;
	for (i = 1; i < slots; i++)
		if (counts[i] > counts[best])
			best = i;
	return 2 * counts[best] >= n ? best : -1;
}

void
risk_result(const RiskState *s, RiskResult *r)
{
	memset(r, 0, sizeof(*r));
	r->paid_invoices = s->n;
	r->on_time_invoices = s->on_time;
	r->usual_pay_day = -1;
	r->usual_pay_weekday = -1;
	if (s->n == 0)
		return;
	r->plain_mean_days_late = s->sx / (double) s->n;
	if (s->sw > 0 && isfinite(s->sw) && s->sww > 0 && isfinite(s->sww))
	{
		double		mean = s->swx / s->sw;
		double		var = s->swxx / s->sw - mean * mean;

		r->has_mean = true;
		r->mean_days_late = mean;
		r->sd_days_late = var > 0 ? sqrt(var) : 0;
		r->effective_n = (s->sw * s->sw) / s->sww;
		r->weight_sum = s->sw;
		/* Rounding can push (sum w)^2 / sum w^2 a hair above n. */
		if (r->effective_n > (double) s->n)
			r->effective_n = (double) s->n;
	}
	r->usual_pay_day = usual_slot(s->dom, RISK_DOM_SLOTS, s->n);
	{
		int			wd = usual_slot(s->dow, RISK_DOW_SLOTS, s->n);

		r->usual_pay_weekday = wd < 0 ? -1 : wd + 1;
	}
}

/* Little-endian byte layout, independent of the host. */
static unsigned char *
put_u64(unsigned char *p, uint64_t v)
{
	int			i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char) (v >> (8 * i));
	return p + 8;
}

static unsigned char *
put_u32(unsigned char *p, uint32_t v)
{
	int			i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char) (v >> (8 * i));
	return p + 4;
}

static unsigned char *
put_f64(unsigned char *p, double v)
{
	uint64_t	u;

	memcpy(&u, &v, sizeof(u));
	return put_u64(p, u);
}

static const unsigned char *
get_u64(const unsigned char *p, uint64_t *v)
{
	int			i;

	*v = 0;
	for (i = 0; i < 8; i++)
		*v |= (uint64_t) p[i] << (8 * i);
	return p + 8;
}

static const unsigned char *
get_u32(const unsigned char *p, uint32_t *v)
{
	int			i;

	*v = 0;
	for (i = 0; i < 4; i++)
		*v |= (uint32_t) p[i] << (8 * i);
	return p + 4;
}

static const unsigned char *
get_f64(const unsigned char *p, double *v)
{
	uint64_t	u;

	p = get_u64(p, &u);
	memcpy(v, &u, sizeof(*v));
	return p;
}

void
risk_serialize(const RiskState *s, unsigned char out[RISK_SERIAL_SIZE])
{
	unsigned char *p = out;
	int			i;

	p = put_u32(p, RISK_SERIAL_MAGIC);
	p = put_u32(p, (uint32_t) s->as_of);
	p = put_u64(p, (uint64_t) s->n);
	p = put_u64(p, (uint64_t) s->on_time);
	p = put_f64(p, s->half_life);
	p = put_f64(p, s->sw);
	p = put_f64(p, s->swx);
	p = put_f64(p, s->swxx);
	p = put_f64(p, s->sww);
	p = put_f64(p, s->sx);
	for (i = 0; i < RISK_DOM_SLOTS; i++)
		p = put_u64(p, (uint64_t) s->dom[i]);
	for (i = 0; i < RISK_DOW_SLOTS; i++)
		p = put_u64(p, (uint64_t) s->dow[i]);
}

/* Reads a state and checks it could have been built by risk_add. */
RiskStatus
risk_deserialize(const unsigned char *in, size_t len, RiskState *s)
{
	const unsigned char *p = in;
	uint32_t	magic,
				as_of;
	uint64_t	u;
	int64_t		dom_total = 0,
				dow_total = 0;
	int			i;

	risk_init(s);
	if (len != RISK_SERIAL_SIZE)
		return RISK_BAD_STATE;
	p = get_u32(p, &magic);
	if (magic != RISK_SERIAL_MAGIC)
		return RISK_BAD_STATE;
	p = get_u32(p, &as_of);
	s->as_of = (int32_t) as_of;
	p = get_u64(p, &u);
	s->n = (int64_t) u;
	p = get_u64(p, &u);
	s->on_time = (int64_t) u;
	/* No group holds 2^53 rows; the bound keeps every sum below exact. */
	if (s->n < 0 || s->n > RISK_MAX_N)
		goto bad;
	p = get_f64(p, &s->half_life);
	p = get_f64(p, &s->sw);
	p = get_f64(p, &s->swx);
	p = get_f64(p, &s->swxx);
	p = get_f64(p, &s->sww);
	p = get_f64(p, &s->sx);
	for (i = 0; i < RISK_DOM_SLOTS; i++)
	{
		p = get_u64(p, &u);
		s->dom[i] = (int64_t) u;
		if (s->dom[i] < 0 || s->dom[i] > s->n)
			goto bad;
		dom_total += s->dom[i];
	}
	for (i = 0; i < RISK_DOW_SLOTS; i++)
	{
		p = get_u64(p, &u);
		s->dow[i] = (int64_t) u;
		if (s->dow[i] < 0 || s->dow[i] > s->n)
			goto bad;
		dow_total += s->dow[i];
	}
	if (s->n < 0 || s->on_time < 0 || s->on_time > s->n || dom_total != s->n || dow_total != s->n)
		goto bad;
	if (!isfinite(s->sw) || !isfinite(s->swx) || !isfinite(s->swxx) || !isfinite(s->sww) ||
		!isfinite(s->sx) || s->sw < 0 || s->sww < 0 || s->swxx < 0)
		goto bad;
	if (s->n == 0)
	{
		if (s->half_life != 0 || s->as_of != 0 || s->sw != 0 || s->swx != 0 || s->swxx != 0 ||
			s->sww != 0 || s->sx != 0)
			goto bad;
	}
	else if (!isfinite(s->half_life) || s->half_life <= 0 ||
			 s->as_of > RISK_MAX_ABS_DAY || s->as_of < -RISK_MAX_ABS_DAY)
		goto bad;
	return RISK_OK;

bad:
	risk_init(s);
	return RISK_BAD_STATE;
}

const char *
risk_status_message(RiskStatus st)
{
	switch (st)
	{
		case RISK_OK:
			return "ok";
		case RISK_BAD_AMOUNT:
			return "amount must be a finite number greater than zero";
		case RISK_BAD_HALF_LIFE:
			return "half-life must be a finite number of days greater than zero";
		case RISK_MIXED_HALF_LIFE:
			return "half-life must be the same for every row of a group";
		case RISK_MIXED_AS_OF:
			return "as_of must be the same for every row of a group";
		case RISK_PAID_AFTER_AS_OF:
			return "payment date is after as_of";
		case RISK_DATE_RANGE:
			return "date out of range";
		case RISK_BAD_STATE:
			return "malformed payment behaviour state";
	}
	return "unknown status";
}
