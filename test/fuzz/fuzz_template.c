/*
 * fuzz_template.c: libFuzzer harness for src/core/template.c.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *     test/fuzz/fuzz_template.c src/core/template.c -o /tmp/fuzz_template
 *   /tmp/fuzz_template -max_total_time=300 test/fuzz/corpus/template
 *
 * Each input is parsed as a template (in an exact-size buffer, so a read
 * past its end is caught), rendered, strictly and not, against a small
 * fixed data tree like the one dunning builds, and its output checked
 * against the limit.  The same bytes are also formatted as money and the
 * first bytes as a date.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

#define S(s) {TPLV_STRING, s, sizeof(s) - 1, 0, NULL, NULL}
#define N(s) {TPLV_NUMBER, s, sizeof(s) - 1, 0, NULL, NULL}

static const TplMember inv1[] = {
	{"invoice_no", 10, S("INV-1")},
	{"due_date", 8, S("2026年10月31日")},
	{"open_amount", 11, S("110,000円")},
	{"days_past_due", 13, N("30")},
};
static const TplMember inv2[] = {
	{"invoice_no", 10, S("INV-2 {{#x}}{{/x}}")},
	{"due_date", 8, S("")},
	{"open_amount", 11, S("55,000円")},
	{"days_past_due", 13, N("15")},
	{"paid", 4, {TPLV_FALSE, NULL, 0, 0, NULL, NULL}},
};
static const TplValue invoices[] = {
	{TPLV_OBJECT, NULL, 0, 4, NULL, inv1},
	{TPLV_OBJECT, NULL, 0, 5, NULL, inv2},
	{TPLV_OBJECT, NULL, 0, 4, NULL, inv1},
};
static const TplValue tags[] = {S("a"), S("b"), N("3"), {TPLV_NULL, NULL, 0, 0, NULL, NULL}};
static const TplMember customer[] = {
	{"name", 4, S("株式会社みなと工業")},
	{"code", 4, S("C-1")},
};
static const TplMember root_members[] = {
	{"customer", 8, {TPLV_OBJECT, NULL, 0, 2, NULL, customer}},
	{"invoices", 8, {TPLV_ARRAY, NULL, 0, 3, invoices, NULL}},
	{"tags", 4, {TPLV_ARRAY, NULL, 0, 4, tags, NULL}},
	{"empty", 5, {TPLV_ARRAY, NULL, 0, 0, NULL, NULL}},
	{"total_overdue", 13, S("165,000円")},
	{"flag", 4, {TPLV_TRUE, NULL, 0, 0, NULL, NULL}},
	{"off", 3, {TPLV_FALSE, NULL, 0, 0, NULL, NULL}},
	{"nothing", 7, {TPLV_NULL, NULL, 0, 0, NULL, NULL}},
	{"zero", 4, N("0")},
	{"a", 1, {TPLV_OBJECT, NULL, 0, 2, NULL, customer}},
};
static const TplValue root = {TPLV_OBJECT, NULL, 0, 10, NULL, root_members};

static size_t out_len;

static bool
sink(void *ctx, const char *s, size_t n)
{
	volatile char c = 0;
	size_t		i;

	(void) ctx;
	for (i = 0; i < n; i++)
		c ^= s[i];				/* touch every byte: ASan checks the source spans */
	(void) c;
	out_len += n;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *src = malloc(size ? size : 1);
	size_t		bound;
	TplNode    *nodes;
	TplTemplate t;
	TplError	err;
	char		money[64];
	int			strict;

	memcpy(src, data, size);
	bound = tpl_node_bound(src, size);
	nodes = malloc(sizeof(TplNode) * bound);
	if (tpl_parse(src, size, nodes, bound, &t, &err) == TPL_OK)
	{
		size_t		i;

		if (t.nnodes > bound)
			abort();
		for (i = 0; i < t.nnodes; i++)
		{
			if ((size_t) t.nodes[i].start + t.nodes[i].len > size)
				abort();
			if ((t.nodes[i].kind == TPL_SECTION || t.nodes[i].kind == TPL_INVERTED) &&
				(t.nodes[i].end <= i || t.nodes[i].end > t.nnodes))
				abort();
		}
		for (strict = 0; strict < 2; strict++)
		{
			int			rc;

			out_len = 0;
			rc = tpl_render(&t, &root, strict == 1, sink, NULL, &err);
			if (out_len > TPL_MAX_OUTPUT)
				abort();
			if (rc != TPL_OK && rc != TPL_ERR_LIMIT && !(strict && rc == TPL_ERR_MISSING))
				abort();
		}
	}
	else if (err.code != TPL_ERR_SYNTAX && err.code != TPL_ERR_LIMIT)
		abort();

	{
		static const char *codes[] = {"JPY", "USD", "KWD"};
		int			k;

		for (k = 0; k < 3; k++)
		{
			size_t		n = tpl_format_money(src, size, k == 0 ? 0 : k + 1, codes[k], k == 1 ? "$" : NULL,
											 k == 1 ? 1 : 0, (TplLocale) (size % 2), money, sizeof(money));

			if (n >= sizeof(money) || (n > 0 && strlen(money) != n))
				abort();
		}
	}
	if (size >= 3)
		tpl_format_date(data[0] * 40, data[1] % 14, data[2] % 33, (TplLocale) (data[0] % 2), money, sizeof(money));

	free(nodes);
	free(src);
	return 0;
}
