/*
 * fuzz_match.c: libFuzzer harness for the subset-sum core of matching.
 *
 * Input layout: byte 0 picks max_pick (0..9: out of range included), byte 1
 * max_results (0..9), byte 2 the number of deltas (0..7) and byte 3 the
 * node budget (1..2^16, or 0..127: zero is refused); then 4 bytes of target, 2 bytes per delta
 * and 3 bytes per balance (at most 40), little-endian, small enough that
 * many subsets collide.  Some values are negated or pushed out of range.
 *
 * Checked on every run: the status matches the arguments; every combination
 * has ascending positions of positive balances, its total is their sum, its
 * delta is one of the deltas and equals total - target, its age the sum of
 * its positions; results are strictly ordered (no duplicates).  For at most
 * 14 balances, when the budget did not run out, a brute force over every
 * subset finds the same best combination (or none).
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/core \
 *          test/fuzz/fuzz_match.c src/core/match.c -o /tmp/fuzz_match
 */
#include "match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_N 40
#define BRUTE_N 14

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
take(const uint8_t **p, size_t *left, int bytes)
{
	uint32_t	v = 0;
	int			i;

	for (i = 0; i < bytes && *left > 0; i++)
	{
		v |= (uint32_t) (**p) << (8 * i);
		(*p)++;
		(*left)--;
	}
	return v;
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

static int
in_deltas(const int64_t *deltas, size_t nd, int64_t d)
{
	size_t		i;

	if (nd == 0)
		return d == 0;
	for (i = 0; i < nd; i++)
		if (deltas[i] == d)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t		balances[MAX_N];
	int64_t		deltas[8];
	MatchCombo	out[16];
	MatchStats	stats;
	int			nout = -1;
	size_t		n = 0;
	size_t		nd;
	int			max_pick;
	int			max_results;
	int64_t		max_nodes;
	int64_t		target;
	uint8_t		flags;
	void	   *scratch;
	MatchStatus st;
	int			valid = 1;
	size_t		i;
	int			r;

	if (size < 8)
		return 0;
	max_pick = data[0] % 10;
	max_results = data[1] % 10;
	nd = data[2] % 8;
	max_nodes = (data[3] & 0x80) ? (int64_t) (data[3] & 0x7f) : (int64_t) 1 << (data[3] % 17);
	flags = data[4];
	data += 5;
	size -= 5;
	target = (int64_t) take(&data, &size, 3);
	if (flags & 1)
		target = -target;
	if (flags & 2)
		target += MATCH_MAX_AMOUNT - 5;
	for (i = 0; i < nd; i++)
	{
		deltas[i] = (int64_t) take(&data, &size, 2) % 1000;
		if ((flags & 4) && i == 0)
			deltas[i] = -deltas[i] - 1;
	}
	while (size >= 3 && n < MAX_N)
	{
		balances[n] = (int64_t) take(&data, &size, 3) % 5000;
		if ((flags & 8) && n == 1)
			balances[n] = -balances[n];
		if ((flags & 16) && n == 2)
			balances[n] = MATCH_MAX_AMOUNT + 1;
		n++;
	}

	if (max_pick < 1 || max_pick > MATCH_MAX_PICK || max_results < 1 || max_results > MATCH_MAX_RESULTS
		|| max_nodes <= 0)
		valid = 0;
	scratch = malloc(match_scratch_size(n) + 1);
	st = match_search(balances, n, target, deltas, nd, max_pick, max_results, max_nodes,
					  scratch, out, &nout, &stats);
	free(scratch);

	if (!valid)
	{
		if (st != MATCH_ERR_ARGS)
			abort();
		return 0;
	}
	if (target <= 0)
	{
		if (st != MATCH_ERR_TARGET)
			abort();
		return 0;
	}
	if (target > MATCH_MAX_AMOUNT || ((flags & 16) && n > 2))
	{
		if (st != MATCH_ERR_AMOUNT)
			abort();
		return 0;
	}
	if ((flags & 4) && nd > 0)
	{
		if (st != MATCH_ERR_DELTA)
			abort();
		return 0;
	}
	if (st != MATCH_OK || nout < 0 || nout > max_results)
		abort();
	if (stats.nodes > max_nodes)
		abort();

	for (r = 0; r < nout; r++)
	{
		const MatchCombo *c = &out[r];
		int64_t		total = 0;
		int64_t		age = 0;
		int			k;

		if (c->count < 1 || c->count > MATCH_MAX_ITEMS)
			abort();
		for (k = 0; k < c->count; k++)
		{
			if (c->pos[k] < 0 || (size_t) c->pos[k] >= n || balances[c->pos[k]] <= 0)
				abort();
			if (k > 0 && c->pos[k] <= c->pos[k - 1])
				abort();
			total += balances[c->pos[k]];
			age += c->pos[k];
		}
		if (total != c->total || c->delta != total - target || age != c->age)
			abort();
		if (!in_deltas(deltas, nd, c->delta))
			abort();
		if (r > 0 && cmp(&out[r - 1], c) >= 0)
			abort();
	}

	/* Brute force: the same best, when the search was not cut short. */
	if (n <= BRUTE_N && !stats.truncated)
	{
		MatchCombo	best;
		int			have = 0;
		uint32_t	mask;
		int32_t		rank[BRUTE_N];	/* index among the positive balances */
		int			m = 0;

		for (i = 0; i < n; i++)
			rank[i] = balances[i] > 0 ? m++ : -1;
		for (mask = 1; mask < (1u << n); mask++)
		{
			MatchCombo	c;
			int			first = -1;
			int			last = -1;
			int			ok = 1;

			memset(&c, 0, sizeof(c));
			for (i = 0; i < n && ok; i++)
			{
				if (!(mask & (1u << i)))
					continue;
				if (balances[i] <= 0)
					ok = 0;
				else
				{
					c.pos[c.count++] = (int32_t) i;
					c.total += balances[i];
					c.age += (int64_t) i;
					if (first < 0)
						first = rank[i];
					last = rank[i];
				}
			}
			if (!ok)
				continue;
			c.delta = c.total - target;
			if (!in_deltas(deltas, nd, c.delta))
				continue;
			/* a free combination of up to max_pick, or a run of consecutive positive balances */
			if (c.count > max_pick && last - first + 1 != c.count)
				continue;
			if (!have || cmp(&c, &best) < 0)
			{
				best = c;
				have = 1;
			}
		}
		if (have != (nout > 0))
			abort();
		if (have && cmp(&best, &out[0]) != 0)
			abort();
	}
	return 0;
}
