/*
 * kana.h: folding payer and customer names to one comparable form.
 *
 * Plain C over UTF-8 bytes with explicit lengths; no PostgreSQL headers, no
 * allocation.  The rules are documented in docs/cash-application.md
 * ("Name normalization"); ar.normalize_name() in src/kana.c is a thin layer
 * over kana_normalize().
 */
#ifndef PGR_CORE_KANA_H
#define PGR_CORE_KANA_H

#include <stddef.h>
#include <stdint.h>

typedef enum kana_status
{
	KANA_OK = 0,
	KANA_INVALID_UTF8,			/* input is not well-formed UTF-8 */
	KANA_NO_SPACE				/* output buffer too small (cannot happen
								 * with outcap >= len) */
} kana_status;

/*
 * kana_normalize: fold the UTF-8 text in[0..len) into out[0..*outlen).
 *
 * scratch must hold at least len elements (one per input byte); out must
 * hold at least len bytes: the result is never longer than the input.  On
 * KANA_INVALID_UTF8, *bad_offset is the byte offset of the first byte of
 * the ill-formed sequence and *bad_len the number of bytes that belong to
 * it (1 to 4), for the error message.
 */
extern kana_status kana_normalize(const char *in, size_t len,
								  uint32_t *scratch,
								  char *out, size_t outcap, size_t *outlen,
								  size_t *bad_offset, size_t *bad_len);

#endif							/* PGR_CORE_KANA_H */
