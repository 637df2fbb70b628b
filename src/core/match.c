/*
 * match.c: bounded subset-sum search over open invoice balances.
 * See match.h for the contract and docs/cash-application.md ("Matching").
 */
#include "match.h"

#include <stdlib.h>
#include <string.h>

/* A positive balance with its position in the input. */
typedef struct Item
{
	int64_t		v;
	int32_t		pos;
} Item;

typedef struct Search
{
	/* input, compacted to the positive balances */
	int			m;
	const Item *byval;			/* sorted by value, largest first */
	const int64_t *sp;			/* sp[j] = sum of byval[0..j-1].v */
	const int64_t *qp;			/* qp[j] = sum of the first j positive balances in input order */
	const int32_t *cpos;		/* input position of the j-th positive balance */
	const int64_t *deltas;		/* sorted, unique */
	int			ndeltas;
	int64_t		target;
	int64_t		lo;				/* target + smallest delta */
	int64_t		hi;				/* target + largest delta */
	/* search state */
	int32_t		chosen[MATCH_MAX_PICK];
	int64_t		max_nodes;
	int			stop;
	/* results */
	MatchCombo *out;
	int			nout;
	int			max_results;
	MatchStats *stats;
} Search;

size_t
match_scratch_size(size_t n)
{
	return n * sizeof(Item) + 2 * (n + 1) * sizeof(int64_t) + n * sizeof(int32_t)
		+ MATCH_MAX_DELTAS * sizeof(int64_t) + 4 * sizeof(int64_t);
}

const char *
match_status_text(MatchStatus st)
{
	switch (st)
	{
		case MATCH_OK:
			return "ok";
		case MATCH_ERR_TOO_MANY:
			return "too many balances";
		case MATCH_ERR_AMOUNT:
			return "balance or target out of range";
		case MATCH_ERR_TARGET:
			return "target must be positive";
		case MATCH_ERR_DELTA:
			return "delta out of range";
		case MATCH_ERR_ARGS:
			return "bad arguments";
	}
	return "unknown status";
}

static int
cmp_item_desc(const void *a, const void *b)
{
	const Item *x = a;
	const Item *y = b;

	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a;
	int64_t		y = *(const int64_t *) b;

	return x < y ? -1 : (x > y);
}

static int
is_delta(const Search *s, int64_t d)
{
	int			lo = 0;
	int			hi = s->ndeltas - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (s->deltas[mid] == d)
			return 1;
		if (s->deltas[mid] < d)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

/* The total order of results: fewer, smaller deduction, older, positions. */
static int
combo_cmp(const MatchCombo *a, const MatchCombo *b)
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

/* Keep c among the best max_results, unless it is already there. */
static void
keep(Search *s, const MatchCombo *c)
{
	int			i;
	int			at;

	s->stats->found++;
	if (s->nout == s->max_results && combo_cmp(c, &s->out[s->nout - 1]) >= 0)
		return;
	for (at = 0; at < s->nout; at++)
	{
		int			r = combo_cmp(c, &s->out[at]);

		if (r == 0)
			return;				/* found before */
		if (r < 0)
			break;
	}
	if (s->nout < s->max_results)
		s->nout++;
	for (i = s->nout - 1; i > at; i--)
		s->out[i] = s->out[i - 1];
	s->out[at] = *c;
}

/* Record the combination of the given input positions (any order). */
static void
record(Search *s, const int32_t *pos, int count, int64_t total)
{
	MatchCombo	c;
	int			i;

	if (!is_delta(s, total - s->target))
		return;
	c.count = count;
	c.total = total;
	c.delta = total - s->target;
	c.age = 0;
	for (i = 0; i < count; i++)
	{
		int32_t		p = pos[i];
		int			j = i;

		/* insertion sort: count is at most MATCH_MAX_ITEMS */
		while (j > 0 && c.pos[j - 1] > p)
		{
			c.pos[j] = c.pos[j - 1];
			j--;
		}
		c.pos[j] = p;
		c.age += p;
	}
	keep(s, &c);
}

static int
spend(Search *s)
{
	if (s->stats->nodes >= s->max_nodes)
	{
		s->stop = 1;
		s->stats->truncated = 1;
		return 0;
	}
	s->stats->nodes++;
	return 1;
}

/* Contiguous runs of positive balances in input order, up to MATCH_MAX_ITEMS long. */
static void
search_runs(Search *s)
{
	int			start;
	int32_t		pos[MATCH_MAX_ITEMS];

	for (start = 0; start < s->m && !s->stop; start++)
	{
		int			lim = start + MATCH_MAX_ITEMS < s->m ? start + MATCH_MAX_ITEMS : s->m;
		int64_t		want = s->qp[start] + s->lo;
		int			a = start + 1;
		int			b = lim + 1;
		int			e;

		/* smallest e in (start, lim] with qp[e] >= want */
		while (a < b)
		{
			int			mid = a + (b - a) / 2;

			if (s->qp[mid] < want)
				a = mid + 1;
			else
				b = mid;
		}
		for (e = a; e <= lim && s->qp[e] - s->qp[start] <= s->hi; e++)
		{
			int			k;

			if (!spend(s))
				return;
			for (k = start; k < e; k++)
				pos[k - start] = s->cpos[k];
			record(s, pos, e - start, s->qp[e] - s->qp[start]);
		}
	}
}

/* First index p in [from, m) with byval[p].v <= cap (values descend). */
static int
first_at_most(const Search *s, int from, int64_t cap)
{
	int			a = from;
	int			b = s->m;

	while (a < b)
	{
		int			mid = a + (b - a) / 2;

		if (s->byval[mid].v > cap)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/*
 * Choose r more items from byval[start..], given the partial sum of the
 * depth items chosen so far.
 */
static void
search_exact(Search *s, int start, int depth, int r, int64_t partial)
{
	int			p;

	if (r == 1)
	{
		int64_t		lo1 = s->lo - partial;
		int64_t		hi1 = s->hi - partial;

		if (hi1 <= 0)
			return;
		for (p = first_at_most(s, start, hi1); p < s->m && s->byval[p].v >= lo1; p++)
		{
			int32_t		pos[MATCH_MAX_PICK];
			int			i;

			if (!spend(s))
				return;
			for (i = 0; i < depth; i++)
				pos[i] = s->byval[s->chosen[i]].pos;
			pos[depth] = s->byval[p].pos;
			record(s, pos, depth + 1, partial + s->byval[p].v);
		}
		return;
	}
	if (s->m - start < r)
		return;
	{
		/* the r-1 smallest values of all: a lower bound of what follows p */
		int64_t		min_rest = s->sp[s->m] - s->sp[s->m - (r - 1)];
		int64_t		cap = s->hi - partial - min_rest;

		if (cap <= 0)
			return;
		for (p = first_at_most(s, start, cap); p <= s->m - r; p++)
		{
			/* the largest sum still reachable from p only falls as p grows */
			if (partial + (s->sp[p + r] - s->sp[p]) < s->lo)
				break;
			if (!spend(s))
				return;
			s->chosen[depth] = p;
			search_exact(s, p + 1, depth + 1, r - 1, partial + s->byval[p].v);
			if (s->stop)
				return;
		}
	}
}

MatchStatus
match_search(const int64_t *balances, size_t n, int64_t target,
			 const int64_t *deltas, size_t ndeltas,
			 int max_pick, int max_results, int64_t max_nodes,
			 void *scratch, MatchCombo *out, int *nout, MatchStats *stats)
{
	Search		s;
	Item	   *items;
	int64_t    *sp;
	int64_t    *qp;
	int32_t    *cpos;
	int64_t    *dl;
	char	   *mem = scratch;
	size_t		i;
	int			m = 0;
	int			nd = 0;
	int			k;

	if (nout == NULL || stats == NULL || out == NULL || (n > 0 && (balances == NULL || scratch == NULL))
		|| (ndeltas > 0 && deltas == NULL))
		return MATCH_ERR_ARGS;
	*nout = 0;
	memset(stats, 0, sizeof(*stats));
	if (max_pick < 1 || max_pick > MATCH_MAX_PICK || max_results < 1 || max_results > MATCH_MAX_RESULTS
		|| max_nodes <= 0)
		return MATCH_ERR_ARGS;
	if (n > MATCH_MAX_BALANCES)
		return MATCH_ERR_TOO_MANY;
	if (target <= 0)
		return MATCH_ERR_TARGET;
	if (target > MATCH_MAX_AMOUNT)
		return MATCH_ERR_AMOUNT;
	if (ndeltas > MATCH_MAX_DELTAS)
		return MATCH_ERR_DELTA;
	for (i = 0; i < n; i++)
		if (balances[i] > MATCH_MAX_AMOUNT || balances[i] < -MATCH_MAX_AMOUNT)
			return MATCH_ERR_AMOUNT;
	for (i = 0; i < ndeltas; i++)
		if (deltas[i] < 0 || deltas[i] > MATCH_MAX_AMOUNT)
			return MATCH_ERR_DELTA;
	if (n == 0)
		return MATCH_OK;

	items = (Item *) mem;
	mem += n * sizeof(Item);
	sp = (int64_t *) mem;
	mem += (n + 1) * sizeof(int64_t);
	qp = (int64_t *) mem;
	mem += (n + 1) * sizeof(int64_t);
	dl = (int64_t *) mem;
	mem += MATCH_MAX_DELTAS * sizeof(int64_t);
	cpos = (int32_t *) mem;

	/* positive balances, in input order, then sorted by value */
	qp[0] = 0;
	for (i = 0; i < n; i++)
	{
		if (balances[i] <= 0)
			continue;
		items[m].v = balances[i];
		items[m].pos = (int32_t) i;
		cpos[m] = (int32_t) i;
		qp[m + 1] = qp[m] + balances[i];
		m++;
	}
	if (m == 0)
		return MATCH_OK;
	qsort(items, (size_t) m, sizeof(Item), cmp_item_desc);
	sp[0] = 0;
	for (k = 0; k < m; k++)
		sp[k + 1] = sp[k] + items[k].v;

	/* deltas: sorted, unique; none means exact only */
	if (ndeltas == 0)
		dl[nd++] = 0;
	else
	{
		memcpy(dl, deltas, ndeltas * sizeof(int64_t));
		qsort(dl, ndeltas, sizeof(int64_t), cmp_i64);
		for (i = 0; i < ndeltas; i++)
			if (nd == 0 || dl[nd - 1] != dl[i])
				dl[nd++] = dl[i];
	}

	memset(&s, 0, sizeof(s));
	s.m = m;
	s.byval = items;
	s.sp = sp;
	s.qp = qp;
	s.cpos = cpos;
	s.deltas = dl;
	s.ndeltas = nd;
	s.target = target;
	s.lo = target + dl[0];
	s.hi = target + dl[nd - 1];
	s.max_nodes = max_nodes;
	s.out = out;
	s.max_results = max_results;
	s.stats = stats;

	search_runs(&s);
	for (k = 1; k <= max_pick && k <= m && !s.stop; k++)
	{
		/* nothing of k or more invoices can displace a full list of fewer */
		if (s.nout == s.max_results && s.out[s.nout - 1].count < k)
			break;
		search_exact(&s, 0, 0, k, 0);
	}
	*nout = s.nout;
	return MATCH_OK;
}
