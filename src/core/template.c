/*
 * template.c: notice templates, money and dates, plain C (see template.h).
 */
#include "template.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int	set_error(TplError *err, TplErrorCode code, const char *hint, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

static int
set_error(TplError *err, TplErrorCode code, const char *hint, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	return code;
}

/* A piece of the source for a message: at most 40 bytes, cut on a UTF-8 boundary. */
#define QUOTE_MAX 40
typedef struct Quote
{
	char		s[QUOTE_MAX + 8];
} Quote;

static const char *
quote(Quote *q, const char *p, size_t len)
{
	size_t		n = len;
	size_t		i;
	bool		cut = false;

	if (n > QUOTE_MAX)
	{
		n = QUOTE_MAX;
		while (n > 0 && ((unsigned char) p[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) p[i];

		q->s[i] = (c < 0x20 || c == 0x7F) ? ' ' : (char) c;
	}
	if (cut)
	{
		memcpy(q->s + n, "...", 3);
		n += 3;
	}
	q->s[n] = '\0';
	return q->s;
}

void
tpl_position(const char *src, size_t len, size_t pos, int *line, int *col)
{
	size_t		i;
	int			l = 1,
				c = 1;

	if (pos > len)
		pos = len;
	for (i = 0; i < pos; i++)
	{
		unsigned char ch = (unsigned char) src[i];

		if (ch == '\n')
		{
			l++;
			c = 1;
		}
		else if ((ch & 0xC0) != 0x80)
			c++;
	}
	*line = l;
	*col = c;
}

typedef struct Where
{
	char		s[48];
} Where;

static const char *
where(Where *w, const char *src, size_t len, size_t pos)
{
	int			line,
				col;

	tpl_position(src, len, pos, &line, &col);
	snprintf(w->s, sizeof(w->s), "line %d, column %d", line, col);
	return w->s;
}

/* ---------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------- */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '-';
}

/* First occurrence of the two-or-three-byte needle at or after from. */
static size_t
find(const char *s, size_t len, size_t from, const char *needle, size_t nlen)
{
	size_t		i;

	if (len < nlen)
		return len;
	for (i = from; i + nlen <= len; i++)
		if (s[i] == needle[0] && memcmp(s + i, needle, nlen) == 0)
			return i;
	return len;
}

size_t
tpl_node_bound(const char *src, size_t len)
{
	size_t		n = 0;
	size_t		i = 0;

	while ((i = find(src, len, i, "{{", 2)) < len)
	{
		n++;
		i += 2;
	}
	return 2 * n + 1;
}

#define NAME_HINT "Names are letters, digits, _ and -, joined by dots, as in {{customer.name}}; {{.}} is the current item."
#define TAGS_HINT "Templates support {{name}}, {{#name}}...{{/name}}, {{^name}}...{{/name}} and {{! comment }} only."

/*
 * Check a tag name: "." or segments of name characters joined by single
 * dots.  The start and length are trimmed of white space.
 */
static int
check_name(const char *src, size_t srclen, size_t tagpos, const char *open, size_t *start, size_t *len,
		   TplError *err)
{
	size_t		s = *start,
				e = *start + *len;
	size_t		i;
	bool		seg_empty = true;
	Quote		q;
	Where		w;

	while (s < e && is_space(src[s]))
		s++;
	while (e > s && is_space(src[e - 1]))
		e--;
	*start = s;
	*len = e - s;
	if (s == e)
		return set_error(err, TPL_ERR_SYNTAX, NAME_HINT, "empty tag \"%s}}\" at %s", open,
						 where(&w, src, srclen, tagpos));
	if (e - s > TPL_MAX_NAME)
		return set_error(err, TPL_ERR_SYNTAX, NAME_HINT, "tag name \"%s\" at %s is longer than %d bytes",
						 quote(&q, src + s, e - s), where(&w, src, srclen, tagpos), TPL_MAX_NAME);
	if (e - s == 1 && src[s] == '.')
		return TPL_OK;
	for (i = s; i < e; i++)
	{
		if (src[i] == '.')
		{
			if (seg_empty)
				break;
			seg_empty = true;
		}
		else if (is_name_char(src[i]))
			seg_empty = false;
		else
			break;
	}
	if (i < e || seg_empty)
		return set_error(err, TPL_ERR_SYNTAX, NAME_HINT, "bad tag name \"%s\" at %s",
						 quote(&q, src + s, e - s), where(&w, src, srclen, tagpos));
	return TPL_OK;
}

int
tpl_parse(const char *src, size_t len, TplNode *nodes, size_t cap, TplTemplate *out, TplError *err)
{
	size_t		n = 0;
	size_t		pos = 0;
	size_t		text_start = 0;
	size_t		stack[TPL_MAX_DEPTH];
	int			depth = 0;
	Quote		q;
	Where		w,
				w2;

	out->src = src;
	out->len = len;
	out->nodes = nodes;
	out->nnodes = 0;
	if (len > TPL_MAX_SOURCE)
		return set_error(err, TPL_ERR_LIMIT, NULL, "template of %zu bytes is longer than the limit of %d bytes",
						 len, TPL_MAX_SOURCE);

#define ADD_NODE(k, s, l, p) \
	do { \
		if (n >= cap) \
			return set_error(err, TPL_ERR_LIMIT, NULL, "template has too many tags"); \
		nodes[n].kind = (k); nodes[n].start = (uint32_t) (s); nodes[n].len = (uint32_t) (l); \
		nodes[n].end = 0; nodes[n].pos = (uint32_t) (p); n++; \
	} while (0)

	for (;;)
	{
		size_t		open = find(src, len, pos, "{{", 2);
		size_t		name_start,
					name_len,
					tag_end,
					close,
					text_end;
		char		sigil;
		bool		triple = false;
		int			rc;

		if (open >= len)
		{
			if (text_start < len)
				ADD_NODE(TPL_TEXT, text_start, len - text_start, text_start);
			break;
		}
		if (open + 2 < len && src[open + 2] == '{')
		{
			triple = true;
			close = find(src, len, open + 3, "}}}", 3);
			if (close >= len)
				return set_error(err, TPL_ERR_SYNTAX, "Close the tag with }}}.", "unclosed tag \"%s\" at %s",
								 quote(&q, src + open, len - open), where(&w, src, len, open));
			name_start = open + 3;
			name_len = close - name_start;
			tag_end = close + 3;
			sigil = '&';
		}
		else
		{
			close = find(src, len, open + 2, "}}", 2);
			if (close >= len)
				return set_error(err, TPL_ERR_SYNTAX, "Close every tag with }}.", "unclosed tag \"%s\" at %s",
								 quote(&q, src + open, len - open), where(&w, src, len, open));
			tag_end = close + 2;
			name_start = open + 2;
			while (name_start < close && is_space(src[name_start]))
				name_start++;
			sigil = name_start < close ? src[name_start] : '\0';
			if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!' || sigil == '&')
				name_start++;
			else if (sigil == '>' || sigil == '=' || sigil == '<' || sigil == '$' || sigil == '%' ||
					 sigil == '{' || sigil == '}')
				return set_error(err, TPL_ERR_SYNTAX, TAGS_HINT, "unsupported tag \"%s\" at %s",
								 quote(&q, src + open, tag_end - open), where(&w, src, len, open));
			else
				sigil = '\0';
			name_len = close - name_start;
		}

		/* A section, close or comment tag alone on its line takes the line with it. */
		text_end = open;
		pos = tag_end;
		if (!triple && (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!'))
		{
			size_t		ls = open;
			size_t		after = tag_end;

			while (ls > text_start && is_blank(src[ls - 1]))
				ls--;
			if (ls == 0 || src[ls - 1] == '\n')
			{
				while (after < len && is_blank(src[after]))
					after++;
				if (after >= len || src[after] == '\n' || (src[after] == '\r' && after + 1 < len && src[after + 1] == '\n'))
				{
					text_end = ls;
					pos = after >= len ? len : after + (src[after] == '\r' ? 2 : 1);
				}
			}
		}
		if (text_end > text_start)
			ADD_NODE(TPL_TEXT, text_start, text_end - text_start, text_start);
		text_start = pos;

		if (sigil == '!')
			continue;
		if ((rc = check_name(src, len, open, sigil == '#' ? "{{#" : sigil == '^' ? "{{^" : sigil == '/' ? "{{/" : "{{",
							 &name_start, &name_len, err)) != TPL_OK)
			return rc;
		switch (sigil)
		{
			case '#':
			case '^':
				if (depth >= TPL_MAX_DEPTH)
					return set_error(err, TPL_ERR_LIMIT, NULL, "sections nested deeper than %d at %s",
									 TPL_MAX_DEPTH, where(&w, src, len, open));
				stack[depth++] = n;
				ADD_NODE(sigil == '#' ? TPL_SECTION : TPL_INVERTED, name_start, name_len, open);
				break;
			case '/':
				{
					TplNode    *sec;
					Quote		q2;

					if (depth == 0)
						return set_error(err, TPL_ERR_SYNTAX, "Remove it, or open the section before it with {{#name}}.",
										 "closing tag \"{{/%s}}\" at %s has no open section",
										 quote(&q, src + name_start, name_len), where(&w, src, len, open));
					sec = &nodes[stack[depth - 1]];
					if (sec->len != name_len || memcmp(src + sec->start, src + name_start, name_len) != 0)
						return set_error(err, TPL_ERR_SYNTAX, "Close the innermost open section first.",
										 "closing tag \"{{/%s}}\" at %s does not match section \"%s\" opened at %s",
										 quote(&q, src + name_start, name_len), where(&w, src, len, open),
										 quote(&q2, src + sec->start, sec->len), where(&w2, src, len, sec->pos));
					sec->end = (uint32_t) n;
					depth--;
					break;
				}
			default:
				ADD_NODE(TPL_VAR, name_start, name_len, open);
				break;
		}
	}
#undef ADD_NODE
	if (depth > 0)
	{
		TplNode    *sec = &nodes[stack[depth - 1]];
		char		hint[TPL_MAX_NAME + 64];

		snprintf(hint, sizeof(hint), "Close it with {{/%.*s}}.", (int) sec->len, src + sec->start);
		return set_error(err, TPL_ERR_SYNTAX, hint, "unclosed section \"%s\" opened at %s",
						 quote(&q, src + sec->start, sec->len), where(&w, src, len, sec->pos));
	}
	out->nnodes = n;
	return TPL_OK;
}

/* ---------------------------------------------------------------------
 * Rendering
 * ------------------------------------------------------------------- */

typedef struct Render
{
	const TplTemplate *t;
	bool		strict;
	tpl_emit	emit;
	void	   *ctx;
	TplError   *err;
	size_t		out_len;
	long		steps;
	const TplValue *stack[TPL_MAX_DEPTH + 2];
	int			depth;
} Render;

static int
emit(Render *r, const char *s, size_t n)
{
	if (n == 0)
		return TPL_OK;
	if (n > TPL_MAX_OUTPUT - r->out_len)
		return set_error(r->err, TPL_ERR_LIMIT, "Shorten the template or the lists in the data.",
						 "rendered template exceeds %d bytes", TPL_MAX_OUTPUT);
	r->out_len += n;
	if (!r->emit(r->ctx, s, n))
		return set_error(r->err, TPL_ERR_EMIT, NULL, "could not write the rendered template");
	return TPL_OK;
}

static const TplValue *
member(const TplValue *v, const char *key, size_t keylen)
{
	size_t		i;

	if (v == NULL || v->kind != TPLV_OBJECT)
		return NULL;
	for (i = 0; i < v->count; i++)
		if (v->members[i].keylen == keylen && memcmp(v->members[i].key, key, keylen) == 0)
			return &v->members[i].value;
	return NULL;
}

/* Resolve a name against the context stack; NULL when missing. */
static const TplValue *
lookup(Render *r, const char *name, size_t len)
{
	const TplValue *v = NULL;
	size_t		seg;
	size_t		i;
	int			d;

	if (len == 1 && name[0] == '.')
		return r->stack[r->depth - 1];
	seg = 0;
	while (seg < len && name[seg] != '.')
		seg++;
	for (d = r->depth - 1; d >= 0 && v == NULL; d--)
		v = member(r->stack[d], name, seg);
	i = seg;
	while (v != NULL && i < len)
	{
		size_t		s = ++i;

		while (i < len && name[i] != '.')
			i++;
		v = member(v, name + s, i - s);
	}
	return v;
}

static bool
truthy(const TplValue *v)
{
	if (v == NULL)
		return false;
	switch (v->kind)
	{
		case TPLV_NULL:
		case TPLV_FALSE:
			return false;
		case TPLV_STRING:
			return v->len > 0;
		case TPLV_ARRAY:
			return v->count > 0;
		default:
			return true;
	}
}

static int
missing(Render *r, const TplNode *node)
{
	Quote		q;
	Where		w;

	return set_error(r->err, TPL_ERR_MISSING,
					 "Add the key to the data, or render without strict mode to leave it empty.",
					 "placeholder \"%s\" at %s has no value in the data",
					 quote(&q, r->t->src + node->start, node->len),
					 where(&w, r->t->src, r->t->len, node->pos));
}

static int
render_range(Render *r, size_t from, size_t to)
{
	size_t		i = from;
	int			rc;

	while (i < to)
	{
		const TplNode *node = &r->t->nodes[i];
		const TplValue *v;

		if (++r->steps > TPL_MAX_STEPS)
			return set_error(r->err, TPL_ERR_LIMIT, "Nest fewer sections over long lists.",
							 "rendering the template takes more than %d steps", TPL_MAX_STEPS);
		if (node->kind == TPL_TEXT)
		{
			if ((rc = emit(r, r->t->src + node->start, node->len)) != TPL_OK)
				return rc;
			i++;
			continue;
		}
		v = lookup(r, r->t->src + node->start, node->len);
		if (v == NULL && r->strict)
			return missing(r, node);
		if (node->kind == TPL_VAR)
		{
			if (v != NULL)
			{
				switch (v->kind)
				{
					case TPLV_STRING:
					case TPLV_NUMBER:
						rc = emit(r, v->str, v->len);
						break;
					case TPLV_TRUE:
						rc = emit(r, "true", 4);
						break;
					case TPLV_FALSE:
						rc = emit(r, "false", 5);
						break;
					default:
						rc = TPL_OK;	/* null, arrays and objects render as nothing */
						break;
				}
				if (rc != TPL_OK)
					return rc;
			}
			i++;
			continue;
		}
		if (node->kind == TPL_INVERTED)
		{
			if (!truthy(v) && (rc = render_range(r, i + 1, node->end)) != TPL_OK)
				return rc;
		}
		else if (truthy(v))
		{
			size_t		k;
			size_t		count = v->kind == TPLV_ARRAY ? v->count : 1;

			for (k = 0; k < count; k++)
			{
				if (++r->steps > TPL_MAX_STEPS)
					return set_error(r->err, TPL_ERR_LIMIT, "Nest fewer sections over long lists.",
									 "rendering the template takes more than %d steps", TPL_MAX_STEPS);
				r->stack[r->depth++] = v->kind == TPLV_ARRAY ? &v->items[k] : v;
				rc = render_range(r, i + 1, node->end);
				r->depth--;
				if (rc != TPL_OK)
					return rc;
			}
		}
		i = node->end;
	}
	return TPL_OK;
}

int
tpl_render(const TplTemplate *t, const TplValue *root, bool strict, tpl_emit emit_fn, void *ctx,
		   TplError *err)
{
	Render		r;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.strict = strict;
	r.emit = emit_fn;
	r.ctx = ctx;
	r.err = err;
	r.stack[0] = root;
	r.depth = 1;
	return render_range(&r, 0, t->nnodes);
}

/* ---------------------------------------------------------------------
 * Money and dates
 * ------------------------------------------------------------------- */

typedef struct Buf
{
	char	   *p;
	size_t		cap;
	size_t		len;
	bool		overflow;
} Buf;

static void
put(Buf *b, const char *s, size_t n)
{
	if (b->len + n >= b->cap)
	{
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

size_t
tpl_format_money(const char *num, size_t numlen, int minor_unit, const char *code,
				 const char *symbol, size_t symlen, TplLocale locale, char *out, size_t cap)
{
	Buf			b = {out, cap, 0, false};
	size_t		i = 0;
	size_t		int_start,
				int_end,
				frac_start,
				frac_end;
	bool		neg = false;
	bool		nonzero = false;
	bool		yen_ja = (locale == TPL_LOCALE_JA && code != NULL && strcmp(code, "JPY") == 0);
	size_t		k;

	if (cap == 0 || minor_unit < 0 || minor_unit > 4 || code == NULL || strlen(code) != 3)
		return 0;
	if (i < numlen && (num[i] == '-' || num[i] == '+'))
		neg = (num[i++] == '-');
	int_start = i;
	while (i < numlen && num[i] >= '0' && num[i] <= '9')
		i++;
	int_end = i;
	if (int_end == int_start)
		return 0;
	frac_start = frac_end = i;
	if (i < numlen && num[i] == '.')
	{
		frac_start = ++i;
		while (i < numlen && num[i] >= '0' && num[i] <= '9')
			i++;
		frac_end = i;
	}
	if (i != numlen)
		return 0;
	while (int_start + 1 < int_end && num[int_start] == '0')
		int_start++;
	for (k = int_start; k < int_end; k++)
		nonzero |= num[k] != '0';
	for (k = frac_start; k < frac_end && k < frac_start + (size_t) minor_unit; k++)
		nonzero |= num[k] != '0';

	if (neg && nonzero)
		put(&b, "-", 1);
	if (!yen_ja)
	{
		if (locale == TPL_LOCALE_EN && symbol != NULL && symlen > 0)
			put(&b, symbol, symlen);
		else
		{
			put(&b, code, 3);
			put(&b, " ", 1);
		}
	}
	for (k = int_start; k < int_end; k++)
	{
		put(&b, num + k, 1);
		if (k + 1 < int_end && (int_end - k - 1) % 3 == 0)
			put(&b, ",", 1);
	}
	if (minor_unit > 0)
	{
		put(&b, ".", 1);
		for (k = 0; k < (size_t) minor_unit; k++)
			put(&b, frac_start + k < frac_end ? num + frac_start + k : "0", 1);
	}
	if (yen_ja)
		put(&b, "円", strlen("円"));
	if (b.overflow)
		return 0;
	out[b.len] = '\0';
	return b.len;
}

static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"
};

size_t
tpl_format_date(int year, int month, int day, TplLocale locale, char *out, size_t cap)
{
	int			n;

	if (year < 1 || month < 1 || month > 12 || day < 1 || day > 31 || cap == 0)
		return 0;
	if (locale == TPL_LOCALE_JA)
		n = snprintf(out, cap, "%d年%d月%d日", year, month, day);
	else
		n = snprintf(out, cap, "%s %d, %d", month_names[month - 1], day, year);
	if (n < 0 || (size_t) n >= cap)
		return 0;
	return (size_t) n;
}
