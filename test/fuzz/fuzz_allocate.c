/*
 * fuzz_allocate.c: libFuzzer harness for the allocation core.
 *
 * Input layout: byte 0 picks the strategy, byte 1 the minor unit (both
 * reduced modulo their ranges, with some out-of-range values let through),
 * then the rest is split at '|' into decimal texts: the first is the amount,
 * the others the balances (at most 64).  Each text goes through
 * alloc_parse_units exactly as the fmgr layer passes numeric_out text (not
 * NUL-terminated); what parses is allocated, and the result is checked:
 * every part within 0..balance, the parts adding up to min(amount, total),
 * and every part rendering and parsing back to itself.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *          test/fuzz/fuzz_allocate.c src/core/allocate.c -o /tmp/fuzz_allocate
 */
#include "allocate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BALANCES 64

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t		values[MAX_BALANCES + 1];
	int64_t		result[MAX_BALANCES];
	AllocScratch scratch[MAX_BALANCES];
	size_t		nvalues = 0;
	size_t		start;
	size_t		i;
	size_t		bad = 0;
	AllocStrategy strategy;
	int			minor_unit;
	int64_t		total = 0;
	int64_t		sum = 0;
	int			overflow = 0;
	AllocStatus st;

	if (size < 2)
		return 0;
	strategy = (AllocStrategy) (data[0] % 5);
	minor_unit = (int) (data[1] % 7) - 1;	/* -1 .. 5: out of range included */
	data += 2;
	size -= 2;

	start = 0;
	for (i = 0; i <= size && nvalues <= MAX_BALANCES; i++)
	{
		if (i == size || data[i] == '|')
		{
			int64_t		v = 0;

			/* Parse from a heap copy of exactly this length, so ASan sees
			 * any read past it. */
			char	   *copy = malloc(i - start + 1);

			if (copy == NULL)
				return 0;
			memcpy(copy, data + start, i - start);
			st = alloc_parse_units(copy, i - start, minor_unit, &v);
			free(copy);
			if (minor_unit < 0 || minor_unit > ALLOC_MAX_MINOR_UNIT)
			{
				if (st != ALLOC_ERR_MINOR_UNIT)
					abort();
				return 0;
			}
			if (st == ALLOC_OK)
			{
				char		buf[ALLOC_UNITS_BUFLEN];
				size_t		len = alloc_format_units(v, minor_unit, buf, sizeof(buf));
				int64_t		back = -1;

				if (v < 0 || len == 0 || len >= sizeof(buf)
					|| alloc_parse_units(buf, len, minor_unit, &back) != ALLOC_OK || back != v)
					abort();
				values[nvalues++] = v;
			}
			start = i + 1;
		}
	}
	if (nvalues == 0)
		return 0;

	st = alloc_compute(strategy, values[0], values + 1, nvalues - 1, result, scratch, &bad);
	for (i = 1; i < nvalues; i++)
	{
		if (values[i] > INT64_MAX - total)
			overflow = 1;
		else
			total += values[i];
	}
	if (overflow)
	{
		if (st != ALLOC_ERR_SUM_OUT_OF_RANGE)
			abort();
		return 0;
	}
	if (st != ALLOC_OK)
		abort();
	for (i = 0; i + 1 < nvalues; i++)
	{
		if (result[i] < 0 || result[i] > values[i + 1])
			abort();
		sum += result[i];
	}
	if (sum != (values[0] < total ? values[0] : total))
		abort();
	return 0;
}
