/*
 * fuzz_zengin.c: libFuzzer harness for src/core/zengin.c (no PostgreSQL).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *         test/fuzz/fuzz_zengin.c src/core/zengin.c -o /tmp/fuzz_zengin
 *   /tmp/fuzz_zengin -max_total_time=300 test/fuzz/corpus/zengin
 *
 * The corpus is written from the SQL fixtures by
 * test/fixtures/zengin/write_corpus.sh.  Each input is read as of two days
 * (one before and one after the 2019 change of era) from an exact-size
 * copy, so that a read past its end is caught.  Besides memory safety it
 * checks what the SQL layer relies on: records come in order, text fields
 * are terminated well-formed UTF-8, dates are real dates, and an error
 * comes with a well-formed UTF-8 message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zengin.h"

static const uint8_t *cur_data;
static size_t cur_size;

static void
fail(const char *what)
{
	size_t		i;

	fprintf(stderr, "fuzz_zengin: %s; input of %zu bytes:", what, cur_size);
	for (i = 0; i < cur_size && i < 4096; i++)
		fprintf(stderr, "%s%02x", i % 32 ? " " : "\n", cur_data[i]);
	fprintf(stderr, "\n");
	abort();
}

/* Well-formed UTF-8, terminated within size bytes. */
static void
check_text(const char *s, size_t size, const char *what)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		n = strnlen(s, size),
				i = 0;

	if (n == size)
		fail(what);
	while (i < n)
	{
		size_t		k = u[i] < 0x80 ? 1 : u[i] >= 0xF0 ? 4 : u[i] >= 0xE0 ? 3 : u[i] >= 0xC2 ? 2 : 0;
		size_t		j;

		if (k == 0 || i + k > n)
			fail(what);
		for (j = 1; j < k; j++)
			if ((u[i + j] & 0xC0) != 0x80)
				fail(what);
		i += k;
	}
}

static void
check_date(zengin_date d, int optional, const char *what)
{
	if (optional && d.year == 0)
		return;
	if (d.year < 1926 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31)
		fail(what);
}

static void
read_all(const uint8_t *data, size_t size, zengin_date as_of)
{
	zengin_parser p;
	zengin_item it;
	zengin_result r;
	int			last = 0,
				n = 0;

	zengin_init(&p, data, size, as_of);
	while ((r = zengin_next(&p, &it)) == ZENGIN_ITEM)
	{
		if (it.record_no <= last || it.group_no < 1 || (it.kind != 1 && it.kind != 3))
			fail("record order");
		last = it.record_no;
		if (++n > (int) (size / ZENGIN_RECORD_LEN) + 1)
			fail("more records than the input holds");
		if (it.amount < 0 || it.amount > INT64_C(999999999999))
			fail("amount");
		check_date(it.account_date, 0, "account date");
		check_date(it.value_date, 0, "value date");
		check_date(it.header->created, 0, "creation date");
		check_date(it.header->from, 1, "from date");
		check_date(it.header->to, 1, "to date");
		check_text(it.inquiry_no, sizeof(it.inquiry_no), "inquiry_no");
		check_text(it.payer_code, sizeof(it.payer_code), "payer_code");
		check_text(it.payer_name, sizeof(it.payer_name), "payer_name");
		check_text(it.bank_name, sizeof(it.bank_name), "bank_name");
		check_text(it.branch_name, sizeof(it.branch_name), "branch_name");
		check_text(it.edi_info, sizeof(it.edi_info), "edi_info");
		check_text(it.description, sizeof(it.description), "description");
		check_text(it.header->bank_code, sizeof(it.header->bank_code), "bank_code");
		check_text(it.header->bank_name, sizeof(it.header->bank_name), "header bank_name");
		check_text(it.header->branch_code, sizeof(it.header->branch_code), "branch_code");
		check_text(it.header->branch_name, sizeof(it.header->branch_name), "header branch_name");
		check_text(it.header->account_type, sizeof(it.header->account_type), "account_type");
		check_text(it.header->account_no, sizeof(it.header->account_no), "account_no");
		check_text(it.header->account_name, sizeof(it.header->account_name), "account_name");
	}
	if (r == ZENGIN_ERROR)
	{
		check_text(p.error, sizeof(p.error), "error message");
		if (p.error[0] == '\0')
			fail("empty error message");
		if (zengin_next(&p, &it) != ZENGIN_ERROR)
			fail("reader goes on after an error");
	}
	else if (zengin_next(&p, &it) != ZENGIN_DONE)
		fail("reader goes on after the end");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *copy = malloc(size ? size : 1);
	zengin_date today = {2026, 11, 23};
	zengin_date change = {2019, 5, 1};

	memcpy(copy, data, size);
	cur_data = copy;
	cur_size = size;
	read_all(copy, size, today);
	read_all(copy, size, change);
	free(copy);
	return 0;
}
