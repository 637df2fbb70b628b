/*
 * kana.c: ar.normalize_name(text), the SQL face of src/core/kana.c.
 *
 * The core works on UTF-8.  In a UTF8 (or SQL_ASCII) database the text is
 * passed as it is; in any other server encoding it is converted to UTF-8
 * and the result back, so the function gives the same answer everywhere.
 * Ill-formed UTF-8 can only arrive through SQL_ASCII, and is refused with
 * SQLSTATE 22021 as PostgreSQL refuses it elsewhere.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "core/kana.h"

PG_FUNCTION_INFO_V1(pgr_normalize_name);

/* Names are short: below this many bytes the scratch lives on the stack. */
#define KANA_STACK_TOKENS 256

static void
report_bad_utf8(const char *s, size_t len, size_t off, size_t badlen)
{
	char		hex[4 * 5 + 1];
	size_t		i;
	int			p = 0;

	for (i = 0; i < badlen && off + i < len; i++)
		p += snprintf(hex + p, sizeof(hex) - p, "%s0x%02x", i ? " " : "",
					  (unsigned char) s[off + i]);
	ereport(ERROR,
			(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
			 errmsg("invalid byte sequence for encoding \"UTF8\" at byte %zu of the name: %s",
					off + 1, hex),
			 errhint("ar.normalize_name reads UTF-8; store names in a UTF8 database or convert them first.")));
}

/* ar.normalize_name(text) -> text */
Datum
pgr_normalize_name(PG_FUNCTION_ARGS)
{
	text	   *arg = PG_GETARG_TEXT_PP(0);
	const char *src = VARDATA_ANY(arg);
	size_t		len = VARSIZE_ANY_EXHDR(arg);
	int			dbenc = GetDatabaseEncoding();
	bool		convert = (dbenc != PG_UTF8 && dbenc != PG_SQL_ASCII);
	uint32_t	stack_tokens[KANA_STACK_TOKENS];
	uint32_t   *tokens;
	char	   *buf;
	size_t		outlen,
				bad_off = 0,
				bad_len = 0;
	kana_status st;
	text	   *result;

	if (convert)
	{
		char	   *u = (char *) pg_do_encoding_conversion((unsigned char *) src, (int) len,
														   dbenc, PG_UTF8);

		if (u != src)
		{
			src = u;
			len = strlen(u);
		}
	}

	tokens = len <= KANA_STACK_TOKENS ? stack_tokens : palloc(len * sizeof(uint32_t));
	result = (text *) palloc(VARHDRSZ + len);
	buf = VARDATA(result);
	st = kana_normalize(src, len, tokens, buf, len, &outlen, &bad_off, &bad_len);
	if (st == KANA_INVALID_UTF8)
		report_bad_utf8(src, len, bad_off, bad_len);
	else if (st != KANA_OK)
		elog(ERROR, "name normalization needed more room than its input");

	if (convert && outlen > 0)
	{
		char	   *back;

		/* pg_do_encoding_conversion wants a terminated string */
		buf = palloc(outlen + 1);
		memcpy(buf, VARDATA(result), outlen);
		buf[outlen] = '\0';
		back = (char *) pg_do_encoding_conversion((unsigned char *) buf, (int) outlen,
												  PG_UTF8, dbenc);
		PG_RETURN_TEXT_P(cstring_to_text(back));
	}
	SET_VARSIZE(result, VARHDRSZ + outlen);
	PG_RETURN_TEXT_P(result);
}
