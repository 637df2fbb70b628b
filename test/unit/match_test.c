/*
 * match_test.c: unit checks of the subset-sum core of matching
 * (src/core/match.c), outside the server, in TAP.  Hand-computed cases
 * (order of results, deductions, runs longer than max_pick, zero balances,
 * argument errors, the node budget), then randomized comparisons with a
 * brute force over every subset of up to 12 balances: the same best
 * combination, and every result a true one.  test/scripts/match_unit.sh
 * builds it with sanitizers and runs it.
 */
#include "match.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	n_tests = 0;
static int	n_failed = 0;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
ok(int cond, const char *fmt, ...)
{
	va_list		ap;

	n_tests++;
	printf("%s %d - ", cond ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		n_failed++;
}

static MatchCombo out[MATCH_MAX_RESULTS];
static int	nout;
static MatchStats stats;

static MatchStatus
run(const int64_t *b, size_t n, int64_t target, const int64_t *d, size_t nd, int max_pick, int max_results,
	int64_t max_nodes)
{
	void	   *scratch = malloc(match_scratch_size(n) + 1);
	MatchStatus st = match_search(b, n, target, d, nd, max_pick, max_results, max_nodes, scratch, out, &nout, &stats);

	free(scratch);
	return st;
}

/* "1,2" from out[i] (1-based positions) */
static const char *
positions(int i)
{
	static char buf[512];
	size_t		len = 0;
	int			k;

	buf[0] = '\0';
	for (k = 0; k < out[i].count && len < sizeof(buf) - 16; k++)
		len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%s%d", k ? "," : "", out[i].pos[k] + 1);
	return buf;
}

static int
cmp(const MatchCombo *a, const MatchCombo *b)
{
	int			i;

	if (a->count != b->count)
		return a->count < b->count ? -1 : 1;
	if (a->delta != b->delta)
		return a->delta < b->delta ? -1 : 1;
	if (a->age != b->age)
		return a->age < b->age ? -1 : 1;
	for (i = 0; i < a->count; i++)
		if (a->pos[i] != b->pos[i])
			return a->pos[i] < b->pos[i] ? -1 : 1;
	return 0;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
hand_cases(void)
{
	int64_t		b1[] = {100, 200, 300, 50, 250};
	int64_t		zero[] = {0};
	int64_t		d3[] = {110, 0, 10, 10};
	int64_t		eq[] = {10, 10, 10, 10};
	int64_t		run20[20];
	int64_t		zb[] = {0, 5, 0};
	int64_t		big[] = {MATCH_MAX_AMOUNT + 1};
	int64_t		neg_d[] = {-1};
	int			i;

	ok(run(b1, 5, 300, zero, 1, 3, 10, 100000) == MATCH_OK && nout == 3
	   && strcmp(positions(0), "3") == 0 && strcmp(positions(1), "1,2") == 0 && strcmp(positions(2), "4,5") == 0,
	   "300 of 100,200,300,50,250: {3}, then {1,2}, then {4,5}");
	ok(run(b1, 5, 290, d3, 4, 3, 10, 100000) == MATCH_OK && nout == 5 && out[0].delta == 10 && out[3].delta == 110
	   && strcmp(positions(4), "1,4,5") == 0,
	   "deductions 0/10/110 (unsorted, duplicated): five combinations, the smaller deduction first");
	ok(run(eq, 4, 10, zero, 1, 3, 3, 100000) == MATCH_OK && nout == 3
	   && strcmp(positions(0), "1") == 0 && strcmp(positions(2), "3") == 0,
	   "equal balances: the oldest first, max_results kept");
	for (i = 0; i < 20; i++)
		run20[i] = 100;
	ok(run(run20, 20, 1200, zero, 1, 6, 1, 100000) == MATCH_OK && nout == 1 && out[0].count == 12
	   && out[0].pos[0] == 0 && out[0].pos[11] == 11,
	   "a run of twelve beyond max_pick 6: the twelve oldest");
	ok(run(zb, 3, 5, NULL, 0, 2, 5, 100000) == MATCH_OK && nout == 1 && out[0].pos[0] == 1,
	   "zero balances are never picked; no deltas means exact");
	ok(run(b1, 5, 7, zero, 1, 3, 5, 100000) == MATCH_OK && nout == 0, "nothing adds up: no results");
	ok(run(b1, 5, 0, zero, 1, 3, 5, 100000) == MATCH_ERR_TARGET, "target 0 refused");
	ok(run(b1, 5, 300, zero, 1, 0, 5, 100000) == MATCH_ERR_ARGS, "max_pick 0 refused");
	ok(run(b1, 5, 300, zero, 1, MATCH_MAX_PICK + 1, 5, 100000) == MATCH_ERR_ARGS, "max_pick 9 refused");
	ok(run(b1, 5, 300, zero, 1, 3, 0, 100000) == MATCH_ERR_ARGS, "max_results 0 refused");
	ok(run(b1, 5, 300, zero, 1, 3, 5, 0) == MATCH_ERR_ARGS, "a zero node budget refused");
	ok(run(big, 1, 300, zero, 1, 3, 5, 100000) == MATCH_ERR_AMOUNT, "a balance beyond the range refused");
	ok(run(b1, 5, MATCH_MAX_AMOUNT + 1, zero, 1, 3, 5, 100000) == MATCH_ERR_AMOUNT, "a target beyond the range refused");
	ok(run(b1, 5, 300, neg_d, 1, 3, 5, 100000) == MATCH_ERR_DELTA, "a negative delta refused");
	ok(run(b1, 0, 300, zero, 1, 3, 5, 100000) == MATCH_OK && nout == 0, "no balances: no results");
	ok(strcmp(match_status_text(MATCH_ERR_DELTA), "delta out of range") == 0, "status texts");
}

static void
budget_case(void)
{
	int64_t		b[500];
	int64_t		d[18] = {0, 110, 220, 330, 440, 550, 660, 770, 880, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	int			i;
	int			within = 1;

	for (i = 0; i < 500; i++)
		b[i] = 10000 + (int64_t) (next() % 524288);
	for (i = 0; i < 50; i++)
	{
		int64_t		t = b[next() % 500] + b[next() % 500] + b[next() % 500];

		if (run(b, 500, t, d, 18, 6, 6, 30000) != MATCH_OK || stats.nodes > 30000 || nout > 6)
			within = 0;
	}
	ok(within, "500 balances, three-invoice targets: never more than 30,000 search steps or 6 results");
	ok(run(b, 500, b[7] + b[300], d, 18, 6, 6, 5) == MATCH_OK && stats.truncated == 1 && stats.nodes == 5,
	   "a budget of 5 steps stops the search and says so");
}

static void
random_cases(void)
{
	int			round;
	int			bad_best = 0;
	int			bad_result = 0;
	int			bad_found = 0;
	int			compared = 0;

	for (round = 0; round < 3000; round++)
	{
		int64_t		b[12];
		int64_t		d[4];
		int			n = 1 + (int) (next() % 12);
		int			nd = (int) (next() % 4);
		int			max_pick = 1 + (int) (next() % 4);
		int64_t		target;
		MatchCombo	best;
		int			have = 0;
		uint32_t	mask;
		int			rank[12];
		int			m = 0;
		int			i;
		int			r;

		for (i = 0; i < n; i++)
			b[i] = (int64_t) (next() % 8) == 0 ? 0 : 1 + (int64_t) (next() % 60);
		for (i = 0; i < nd; i++)
			d[i] = (int64_t) (next() % 12);
		target = 1 + (int64_t) (next() % 150);
		if (run(b, (size_t) n, target, d, (size_t) nd, max_pick, 4, 1000000) != MATCH_OK)
		{
			bad_result++;
			continue;
		}
		/* every result is true */
		for (r = 0; r < nout; r++)
		{
			int64_t		sum = 0;
			int			k;
			int			in = nd == 0 ? out[r].delta == 0 : 0;

			for (k = 0; k < out[r].count; k++)
				sum += b[out[r].pos[k]];
			for (k = 0; k < nd; k++)
				in |= d[k] == out[r].delta;
			if (sum != out[r].total || out[r].total - target != out[r].delta || !in
				|| (r > 0 && cmp(&out[r - 1], &out[r]) >= 0))
				bad_result++;
		}
		/* the brute force's best */
		for (i = 0; i < n; i++)
			rank[i] = b[i] > 0 ? m++ : -1;
		for (mask = 1; mask < (1u << n); mask++)
		{
			MatchCombo	c;
			int			first = -1;
			int			last = -1;
			int			okmask = 1;
			int			in;

			memset(&c, 0, sizeof(c));
			for (i = 0; i < n; i++)
			{
				if (!(mask & (1u << i)))
					continue;
				if (b[i] <= 0)
				{
					okmask = 0;
					break;
				}
				c.pos[c.count++] = i;
				c.total += b[i];
				c.age += i;
				if (first < 0)
					first = rank[i];
				last = rank[i];
			}
			if (!okmask)
				continue;
			c.delta = c.total - target;
			in = nd == 0 ? c.delta == 0 : 0;
			for (i = 0; i < nd; i++)
				in |= d[i] == c.delta;
			if (!in || (c.count > max_pick && last - first + 1 != c.count))
				continue;
			if (!have || cmp(&c, &best) < 0)
			{
				best = c;
				have = 1;
			}
		}
		compared++;
		if (have != (nout > 0))
			bad_found++;
		else if (have && cmp(&best, &out[0]) != 0)
			bad_best++;
	}
	ok(bad_result == 0, "random searches: every result adds up to target + one of the deltas, in order (%d bad)", bad_result);
	ok(bad_found == 0, "random searches: a result exactly when the brute force finds one (%d of %d disagree)",
	   bad_found, compared);
	ok(bad_best == 0, "random searches: the same best combination as the brute force (%d of %d differ)",
	   bad_best, compared);
}

int
main(void)
{
	hand_cases();
	budget_case();
	random_cases();
	printf("1..%d\n", n_tests);
	return n_failed == 0 ? 0 : 1;
}
