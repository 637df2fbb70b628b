/*
 * template.h: notice templates (a mustache subset) and money and date
 * formatting, plain C.
 *
 * Tags: {{name}} and {{a.b.c}} (value), {{#name}}...{{/name}} (section),
 * {{^name}}...{{/name}} (inverted section), {{! comment }}, and {{&name}} /
 * {{{name}}} as synonyms of {{name}} (nothing is ever escaped).  Nothing
 * else: no partials, no lambdas, no delimiter changes, no expressions.
 *
 * tpl_parse() turns the source into a flat node array that the caller
 * allocates (tpl_node_bound() nodes suffice); tpl_render() walks it against
 * a value tree (TplValue) that the caller builds, and hands the output to an
 * emit callback in pieces, never more than the output limit in total.
 * Nothing here allocates.
 */
#ifndef PGR_CORE_TEMPLATE_H
#define PGR_CORE_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPL_MAX_SOURCE	(1024 * 1024)	/* template bytes */
#define TPL_MAX_OUTPUT	(1024 * 1024)	/* rendered bytes */
#define TPL_MAX_DEPTH	16		/* nested sections */
#define TPL_MAX_NAME	128		/* bytes of a tag name */
#define TPL_MAX_STEPS	10000000	/* nodes visited in one rendering */

typedef enum TplErrorCode
{
	TPL_OK = 0,
	TPL_ERR_SYNTAX,				/* 22P02: malformed template */
	TPL_ERR_LIMIT,				/* 54000: a limit above was exceeded */
	TPL_ERR_MISSING,			/* 22023: strict mode, a name has no value */
	TPL_ERR_EMIT,				/* the emit callback failed */
	TPL_ERR_PARAM				/* 22023: bad argument (formatting) */
} TplErrorCode;

typedef struct TplError
{
	TplErrorCode code;
	char		message[256];
	char		hint[256];
} TplError;

typedef enum TplNodeKind
{
	TPL_TEXT,
	TPL_VAR,
	TPL_SECTION,
	TPL_INVERTED
} TplNodeKind;

typedef struct TplNode
{
	TplNodeKind kind;
	uint32_t	start;			/* TEXT: span of literal text; others: the name */
	uint32_t	len;
	uint32_t	end;			/* sections: index of the first node after the body */
	uint32_t	pos;			/* byte offset of the tag, for messages */
} TplNode;

typedef struct TplTemplate
{
	const char *src;
	size_t		len;
	TplNode    *nodes;
	size_t		nnodes;
} TplTemplate;

/* Node array size that always suffices for src (2 per "{{" + 1). */
extern size_t tpl_node_bound(const char *src, size_t len);

extern int	tpl_parse(const char *src, size_t len, TplNode *nodes, size_t cap,
					  TplTemplate *out, TplError *err);

/* Value tree. */
typedef enum TplValueKind
{
	TPLV_NULL,
	TPLV_FALSE,
	TPLV_TRUE,
	TPLV_NUMBER,				/* str/len hold its text */
	TPLV_STRING,
	TPLV_ARRAY,					/* items[0..count) */
	TPLV_OBJECT					/* members[0..count) */
} TplValueKind;

typedef struct TplMember TplMember;
typedef struct TplValue TplValue;

struct TplValue
{
	TplValueKind kind;
	const char *str;
	size_t		len;
	size_t		count;
	const TplValue *items;
	const TplMember *members;
};

struct TplMember
{
	const char *key;
	size_t		keylen;
	TplValue	value;
};

/* Receives output; returns false to abort (TPL_ERR_EMIT). */
typedef bool (*tpl_emit) (void *ctx, const char *s, size_t n);

/*
 * Render.  strict: every name must resolve to a key present in the data
 * (a null or false value counts as present); otherwise a missing name
 * renders as nothing and counts as false in sections.
 */
extern int	tpl_render(const TplTemplate *t, const TplValue *root, bool strict,
					   tpl_emit emit, void *ctx, TplError *err);

/* Line and column (1-based, columns in UTF-8 characters) of a byte offset. */
extern void tpl_position(const char *src, size_t len, size_t pos, int *line, int *col);

/* Money and dates. */
typedef enum TplLocale
{
	TPL_LOCALE_JA,
	TPL_LOCALE_EN
} TplLocale;

/*
 * Format a decimal number text ("-1234.5", already rounded to minor_unit
 * places by the caller) as money: thousands separators, exactly minor_unit
 * decimals, and the currency per locale:
 *	 ja, JPY: 1,234円		ja, other: USD 1,234.56
 *	 en: symbol when given ($1,234.56, ¥1,234), else code (CHF 1,234.50)
 * Negative amounts get a leading '-'.  Returns the length written (NUL
 * included in cap), or 0 when num is not a decimal number or cap is short.
 */
extern size_t tpl_format_money(const char *num, size_t numlen, int minor_unit,
							   const char *code, const char *symbol, size_t symlen,
							   TplLocale locale, char *out, size_t cap);

/* ja: 2026年11月30日; en: November 30, 2026.  0 on a bad date or short cap. */
extern size_t tpl_format_date(int year, int month, int day, TplLocale locale,
							  char *out, size_t cap);

#endif							/* PGR_CORE_TEMPLATE_H */
