/*
 * pg_receivables.c: module magic and the extension's build identity.
 *
 * Each capability lives in its own file pair (src/<capability>.c with the SQL
 * declarations in schema/); this file holds only what belongs to the module
 * as a whole.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(pgr_version);

/*
 * The version the shared library was built as.  A test compares it with the
 * installed extension version, so a stale .so next to a new script is caught.
 */
Datum
pgr_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(PGR_VERSION));
}
