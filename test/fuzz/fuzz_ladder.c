/*
 * fuzz_ladder.c: libFuzzer harness for src/core/ladder.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *     test/fuzz/fuzz_ladder.c src/core/ladder.c -o /tmp/fuzz_ladder
 *   /tmp/fuzz_ladder -max_total_time=300 test/fuzz/corpus/ladder
 *
 * Each input is tried as ladder text and as the byte form (what recv gets).
 * Properties checked, beside the sanitizers:
 *   - a parsed ladder validates, its canonical text parses to the same
 *     ladder, and that text is a fixed point of parse + format;
 *   - encode/decode round-trips, and an accepted byte form re-encodes to
 *     exactly the input (the byte form is canonical, so = is memcmp);
 *   - next_step answers 0 or a step above last_step whose offset is reached.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladder.h"

static int64_t amount_now;

static bool
min_ok(void *ctx, const LadderStep *st)
{
	(void) ctx;
	return amount_now >= st->min_amount;
}

static void
check_next_step(const Ladder *l, const uint8_t *data, size_t size)
{
	static const int32_t days[] = {-4000, -3651, -3, -1, 0, 1, 7, 13, 14, 21, 30, 45, 3650, 100000};
	size_t		d;

	for (d = 0; d < sizeof(days) / sizeof(days[0]); d++)
	{
		int32_t		last;

		for (last = 0; last <= l->nsteps; last++)
		{
			int			gapcase;

			for (gapcase = 0; gapcase < 3; gapcase++)
			{
				int			r;

				amount_now = (int64_t) (size > 0 ? data[d % size] : 0) * 1000 * LADDER_SCALE;
				r = ladder_next_step(l, days[d], last, gapcase > 0, gapcase == 1 ? 0 : 30, min_ok, NULL);
				if (r != 0 && (r <= last || r > l->nsteps || l->steps[r - 1].offset_days > days[d]))
					abort();
				if (r != 0 && last > 0 && (l->steps[last - 1].flags & LADDER_TERMINAL))
					abort();
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static Ladder l,
				l2,
				l3;
	static char text[LADDER_MAX_TEXT],
				text2[LADDER_MAX_TEXT];
	static uint8_t bytes[LADDER_MAX_BYTES],
				bytes2[LADDER_MAX_BYTES];
	LadderError err;
	size_t		n,
				n2,
				b,
				b2;

	/* As text (not NUL-terminated: copied to an exact-size heap buffer). */
	{
		char	   *copy = malloc(size ? size : 1);

		memcpy(copy, data, size);
		if (ladder_parse(copy, size, &l, &err) == LADDER_OK)
		{
			if (ladder_validate(&l, &err) != LADDER_OK)
				abort();
			n = ladder_format(&l, text, sizeof(text));
			if (n >= sizeof(text))
				abort();
			if (ladder_parse(text, n, &l2, &err) != LADDER_OK)
			{
				fprintf(stderr, "canonical text does not parse: %s: %s\n", text, err.message);
				abort();
			}
			n2 = ladder_format(&l2, text2, sizeof(text2));
			if (n2 != n || memcmp(text, text2, n) != 0)
				abort();
			b = ladder_encode(&l, bytes, sizeof(bytes));
			b2 = ladder_encode(&l2, bytes2, sizeof(bytes2));
			if (b == 0 || b != ladder_encoded_size(&l) || b != b2 || memcmp(bytes, bytes2, b) != 0)
				abort();
			if (ladder_decode(bytes, b, &l3, &err) != LADDER_OK)
				abort();
			b2 = ladder_encode(&l3, bytes2, sizeof(bytes2));
			if (b2 != b || memcmp(bytes, bytes2, b) != 0)
				abort();
			check_next_step(&l, data, size);
		}
		else if (err.code != LADDER_ERR_SYNTAX || strlen(err.message) == 0)
			abort();
		free(copy);
	}

	/* As the byte form. */
	{
		uint8_t    *copy = malloc(size ? size : 1);

		memcpy(copy, data, size);
		if (ladder_decode(copy, size, &l, &err) == LADDER_OK)
		{
			b = ladder_encode(&l, bytes, sizeof(bytes));
			if (b != size || memcmp(bytes, copy, size) != 0)
				abort();
			n = ladder_format(&l, text, sizeof(text));
			if (n >= sizeof(text) || ladder_parse(text, n, &l2, &err) != LADDER_OK)
				abort();
			b2 = ladder_encode(&l2, bytes2, sizeof(bytes2));
			if (b2 != b || memcmp(bytes, bytes2, b) != 0)
				abort();
			check_next_step(&l, data, size);
		}
		else if (err.code != LADDER_ERR_BINARY)
			abort();
		free(copy);
	}
	return 0;
}
