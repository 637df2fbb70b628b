/*
 * fuzz_terms.c: libFuzzer harness for the payment terms core.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *         test/fuzz/fuzz_terms.c src/core/terms.c -o /tmp/fuzz_terms
 *   /tmp/fuzz_terms -max_total_time=300 test/fuzz/corpus/terms
 *
 * Every input is parsed.  A parsed value must validate, its canonical text
 * and its Japanese label must both read back as the same value, and due
 * dates must compute for dates across the whole range PostgreSQL holds.
 * The same bytes are also read as a binary value (what recv checks): one
 * that validates must format, label and compute without fault.
 */
#include "terms.h"

#include <stdlib.h>
#include <string.h>

static void
exercise(const pgr_terms *t)
{
	static const int64_t issues[] = {
		-2451545,				/* 4713-11-24 BC, first PostgreSQL date */
		-1, 0, 59, 60, 9190, 9556, 36523,
		2147483494 - 2451545 - 30000	/* near the last PostgreSQL date */
	};
	char		buf[PGR_TERMS_TEXT_MAX];
	size_t		i;
	int64_t		d;

	pgr_terms_format(t, buf, sizeof(buf));
	pgr_terms_label(t, PGR_LOCALE_JA, buf, sizeof(buf));
	pgr_terms_label(t, PGR_LOCALE_EN, buf, sizeof(buf));
	for (i = 0; i < sizeof(issues) / sizeof(issues[0]); i++)
	{
		int64_t		due = pgr_terms_raw_due(t, issues[i]);

		/* Terms never make a due date earlier than the issue date. */
		if (due < issues[i])
			abort();
		(void) pgr_terms_discount_date(t, issues[i], &d);
	}
}

static void
round_trip(const pgr_terms *t, const char *text)
{
	pgr_terms	again;
	char		err[PGR_TERMS_ERR_MAX];

	if (!pgr_terms_parse(text, strlen(text), &again, err, sizeof(err)))
		abort();
	if (memcmp(t, &again, sizeof(again)) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgr_terms	t;
	char		err[PGR_TERMS_ERR_MAX];
	char		buf[PGR_TERMS_TEXT_MAX];

	if (pgr_terms_parse((const char *) data, size, &t, err, sizeof(err)))
	{
		if (!pgr_terms_validate(&t, err, sizeof(err)))
			abort();
		exercise(&t);
		pgr_terms_format(&t, buf, sizeof(buf));
		round_trip(&t, buf);
		pgr_terms_label(&t, PGR_LOCALE_JA, buf, sizeof(buf));
		round_trip(&t, buf);
	}
	else if (strlen(err) == 0)
		abort();				/* every failure says why */

	if (size >= sizeof(pgr_terms))
	{
		memcpy(&t, data, sizeof(t));
		if (pgr_terms_validate(&t, err, sizeof(err)))
			exercise(&t);
	}
	return 0;
}
