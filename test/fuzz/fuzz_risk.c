/*
 * fuzz_risk.c: libFuzzer harness for src/core/risk.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *     test/fuzz/fuzz_risk.c src/core/risk.c -lm -o /tmp/fuzz_risk
 *   /tmp/fuzz_risk -max_total_time=120 test/fuzz/corpus/risk
 *
 * Each input is tried two ways:
 *   - as a serialized state (what a parallel worker ships): an accepted
 *     state re-serializes to exactly the input, combines with itself
 *     without breaking its invariants, and gives a sane result;
 *   - as a stream of rows (due, paid, amount, as_of, half-life) fed to
 *     risk_add, split in two halves whose states are combined: the
 *     combined state counts what one state over all rows counts, survives
 *     a serialize/deserialize round trip, and its result stays in range.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "risk.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); abort(); } } while (0)

static void
check_result(const RiskState *s)
{
	RiskResult	r;

	risk_result(s, &r);
	CHECK(r.paid_invoices == s->n);
	CHECK(r.on_time_invoices >= 0 && r.on_time_invoices <= r.paid_invoices);
	CHECK(r.usual_pay_day >= -1 && r.usual_pay_day < RISK_DOM_SLOTS);
	CHECK(r.usual_pay_weekday == -1 || (r.usual_pay_weekday >= 1 && r.usual_pay_weekday <= 7));
	if (r.has_mean)
	{
		CHECK(!isnan(r.mean_days_late));
		CHECK(r.effective_n >= 0 && r.effective_n <= (double) r.paid_invoices);
		CHECK(r.sd_days_late >= 0);
	}
}

static void
check_roundtrip(const RiskState *s)
{
	unsigned char buf[RISK_SERIAL_SIZE];
	unsigned char buf2[RISK_SERIAL_SIZE];
	RiskState	t;

	risk_serialize(s, buf);
	CHECK(risk_deserialize(buf, sizeof(buf), &t) == RISK_OK);
	risk_serialize(&t, buf2);
	CHECK(memcmp(buf, buf2, sizeof(buf)) == 0);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RiskState	s,
				whole,
				a,
				b;
	unsigned char buf[RISK_SERIAL_SIZE];
	size_t		nrows,
				i;
	int32_t		as_of;
	double		half_life;

	/* 1. As a serialized state. */
	if (risk_deserialize(data, size, &s) == RISK_OK)
	{
		RiskState	twice = s;

		risk_serialize(&s, buf);
		CHECK(size == RISK_SERIAL_SIZE && memcmp(buf, data, size) == 0);
		check_result(&s);
		if (risk_combine(&twice, &s) == RISK_OK)
		{
			CHECK(twice.n == 2 * s.n);
			check_result(&twice);
		}
	}

	/* 2. As rows: 8 bytes of header, then 12 bytes a row. */
	if (size < 8)
		return 0;
	as_of = (int32_t) (rd32(data) % 40000) - 20000;
	half_life = 1 + (double) (rd32(data + 4) % 100000) / 10;
	nrows = (size - 8) / 12;
	risk_init(&whole);
	risk_init(&a);
	risk_init(&b);
	for (i = 0; i < nrows; i++)
	{
		const uint8_t *row = data + 8 + 12 * i;
		int32_t		paid = as_of - (int32_t) (rd32(row) % 5000);
		int32_t		due = paid - ((int32_t) (rd32(row + 4) % 400) - 100);
		double		amount = (double) rd32(row + 8);
		RiskStatus	st1,
					st2;

		/* Now and then a row that must be refused. */
		if ((row[0] & 0x1f) == 0x1f)
			paid = as_of + 1;
		st1 = risk_add(&whole, due, paid, amount, as_of, half_life);
		st2 = risk_add(i % 2 ? &a : &b, due, paid, amount, as_of, half_life);
		CHECK(st1 == st2);
		if (amount <= 0)
			CHECK(st1 == RISK_BAD_AMOUNT);
		else if (paid > as_of)
			CHECK(st1 == RISK_PAID_AFTER_AS_OF);
		else
			CHECK(st1 == RISK_OK);
	}
	CHECK(risk_combine(&a, &b) == RISK_OK);
	CHECK(a.n == whole.n && a.on_time == whole.on_time);
	for (i = 0; i < RISK_DOM_SLOTS; i++)
		CHECK(a.dom[i] == whole.dom[i]);
	for (i = 0; i < RISK_DOW_SLOTS; i++)
		CHECK(a.dow[i] == whole.dow[i]);
	check_result(&a);
	check_result(&whole);
	check_roundtrip(&a);
	check_roundtrip(&whole);

	/* A state of another half-life does not combine. */
	if (whole.n > 0)
	{
		RiskState	other;

		risk_init(&other);
		CHECK(risk_add(&other, as_of, as_of, 1, as_of, half_life + 1) == RISK_OK);
		CHECK(risk_combine(&whole, &other) == RISK_MIXED_HALF_LIFE);
	}
	return 0;
}
