/*
 * fuzz_kana.c: libFuzzer harness for src/core/kana.c (no PostgreSQL).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *         test/fuzz/fuzz_kana.c src/core/kana.c -o /tmp/fuzz_kana
 *   /tmp/fuzz_kana -max_total_time=300 test/fuzz/corpus/kana
 *
 * Besides memory safety it checks the promises ar.normalize_name makes:
 * the output fits in as many bytes as the input, is well-formed UTF-8, and
 * normalizing it again changes nothing.  The input buffer is an exact-size
 * copy, so a read past its end is caught by AddressSanitizer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kana.h"

static void
fail(const char *what, const uint8_t *data, size_t size)
{
	size_t		i;

	fprintf(stderr, "fuzz_kana: %s; input:", what);
	for (i = 0; i < size; i++)
		fprintf(stderr, " %02x", data[i]);
	fprintf(stderr, "\n");
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *in = malloc(size ? size : 1);
	uint32_t   *scratch = malloc((size ? size : 1) * sizeof(uint32_t));
	char	   *out = malloc(size ? size : 1);
	uint32_t   *scratch2;
	char	   *out2;
	size_t		outlen = 0,
				outlen2 = 0,
				bad_off = 0,
				bad_len = 0;
	kana_status st;

	memcpy(in, data, size);
	st = kana_normalize(in, size, scratch, out, size, &outlen, &bad_off, &bad_len);
	if (st == KANA_NO_SPACE)
		fail("output longer than input", data, size);
	if (st == KANA_INVALID_UTF8)
	{
		if (bad_off >= size || bad_len == 0 || bad_len > 4 || bad_off + bad_len > size)
			fail("bad error position", data, size);
	}
	else
	{
		if (outlen > size)
			fail("output length beyond its buffer", data, size);
		scratch2 = malloc((outlen ? outlen : 1) * sizeof(uint32_t));
		out2 = malloc(outlen ? outlen : 1);
		st = kana_normalize(out, outlen, scratch2, out2, outlen, &outlen2, &bad_off, &bad_len);
		if (st != KANA_OK)
			fail("output is not well-formed UTF-8", data, size);
		if (outlen2 != outlen || memcmp(out, out2, outlen) != 0)
			fail("not idempotent", data, size);
		free(scratch2);
		free(out2);
	}
	free(in);
	free(scratch);
	free(out);
	return 0;
}
