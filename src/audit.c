/*
 * audit.c: the audit trail of UPDATE statements, by the columns they changed.
 *
 * ar.tg_audit_update() is an AFTER UPDATE ... FOR EACH STATEMENT trigger
 * with transition tables.  For each updated row it records the old and new
 * values of exactly the columns that changed, and it writes all of a
 * statement's audit rows with one INSERT.  The plpgsql version of this diff
 * (to_jsonb of both whole rows, then jsonb_each over them) was the most
 * expensive part of a bulk update such as a dunning run setting the level of
 * 100,000 invoices; here unchanged columns cost one binary comparison and
 * are never converted to JSON.
 *
 * (The rows go to SPI as three arrays read by one unnest each: subscripting
 * an array of jsonb element by element would walk it from the start every
 * time.)
 *
 * Old and new transition tables hold the rows of one UPDATE in the same
 * order (the executor saves both images of a row together); the key column
 * named by the trigger argument is checked to agree for every pair anyway.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(pgr_tg_audit_update);

/* Per trigger (and so per table): to_jsonb bound to each column's type. */
typedef struct AuditCache
{
	Oid			relid;
	int			natts;
	int			key_attno;		/* 1-based */
	FmgrInfo   *to_jsonb;		/* [natts] */
	char	  **names;			/* [natts]; NULL for dropped columns */
} AuditCache;

static AuditCache *
audit_cache(FunctionCallInfo fcinfo, TriggerData *td)
{
	AuditCache *cache = (AuditCache *) fcinfo->flinfo->fn_extra;
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	MemoryContext old;
	int			i;

	if (cache != NULL && cache->relid == RelationGetRelid(rel) && cache->natts == desc->natts)
		return cache;

	if (td->tg_trigger->tgnargs != 1)
		elog(ERROR, "ar.tg_audit_update needs the key column as its one argument");

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	cache = palloc0(sizeof(AuditCache));
	cache->relid = RelationGetRelid(rel);
	cache->natts = desc->natts;
	cache->key_attno = SPI_fnumber(desc, td->tg_trigger->tgargs[0]);
	if (cache->key_attno <= 0 || TupleDescAttr(desc, cache->key_attno - 1)->atttypid != INT8OID)
		elog(ERROR, "ar.tg_audit_update: \"%s\" is not a bigint column of %s",
			 td->tg_trigger->tgargs[0], RelationGetRelationName(rel));
	cache->to_jsonb = palloc0(sizeof(FmgrInfo) * desc->natts);
	cache->names = palloc0(sizeof(char *) * desc->natts);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		cache->names[i] = pstrdup(NameStr(att->attname));
		/* to_jsonb(anyelement) learns its argument's type from fn_expr. */
		fmgr_info_cxt(F_TO_JSONB, &cache->to_jsonb[i], fcinfo->flinfo->fn_mcxt);
		cache->to_jsonb[i].fn_expr = (Node *)
			makeFuncExpr(F_TO_JSONB, JSONBOID,
						 list_make1(makeNullConst(att->atttypid, att->atttypmod, att->attcollation)),
						 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	}
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = cache;
	return cache;
}

static void
push_key(JsonbParseState **state, const char *name)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.len = strlen(name);
	k.val.string.val = (char *) name;
	pushJsonbValue(state, WJB_KEY, &k);
}

static void
push_value(JsonbParseState **state, AuditCache *cache, int i, Datum value, bool isnull)
{
	JsonbValue	v;

	if (isnull)
	{
		v.type = jbvNull;
		pushJsonbValue(state, WJB_VALUE, &v);
		return;
	}
	{
		Jsonb	   *j = DatumGetJsonbP(FunctionCall1(&cache->to_jsonb[i], value));

		v.type = jbvBinary;
		v.val.binary.data = &j->root;
		v.val.binary.len = VARSIZE(j) - VARHDRSZ;
		pushJsonbValue(state, WJB_VALUE, &v);
	}
}

/* Reads a transition table from its start through a read pointer of our own. */
static void
rewind_transition_table(Tuplestorestate *ts)
{
	int			ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);

	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
}

Datum
pgr_tg_audit_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	AuditCache *cache;
	TupleDesc	desc;
	TupleTableSlot *old_slot;
	TupleTableSlot *new_slot;
	const char *restoring;
	const char *is_superuser;
	Datum	   *ids;
	Datum	   *olds;
	Datum	   *news;
	int			n = 0;
	int			cap = 64;
	MemoryContext row_cxt;
	MemoryContext call_cxt = CurrentMemoryContext;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		td->tg_oldtable == NULL || td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ar.tg_audit_update must be an AFTER UPDATE FOR EACH STATEMENT trigger with OLD and NEW TABLE")));

	/*
	 * A restore brings back the audit log with the rows: balance updates
	 * caused by restored rows are not audited twice (see ar.is_restoring_row).
	 * is_superuser is the session's, not this SECURITY DEFINER function's.
	 */
	restoring = GetConfigOption("ar.restoring", true, false);
	is_superuser = GetConfigOption("is_superuser", false, false);
	if (restoring != NULL && strcmp(restoring, "on") == 0 &&
		is_superuser != NULL && strcmp(is_superuser, "on") == 0)
		return PointerGetDatum(NULL);

	cache = audit_cache(fcinfo, td);
	desc = RelationGetDescr(td->tg_relation);
	old_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	new_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	ids = palloc(sizeof(Datum) * cap);
	olds = palloc(sizeof(Datum) * cap);
	news = palloc(sizeof(Datum) * cap);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "audit row", ALLOCSET_DEFAULT_SIZES);

	rewind_transition_table(td->tg_oldtable);
	rewind_transition_table(td->tg_newtable);
	for (;;)
	{
		bool		have_old = tuplestore_gettupleslot(td->tg_oldtable, true, false, old_slot);
		bool		have_new = tuplestore_gettupleslot(td->tg_newtable, true, false, new_slot);
		JsonbParseState *ostate = NULL;
		JsonbParseState *nstate = NULL;
		JsonbValue *ores;
		JsonbValue *nres;
		bool		changed = false;
		Datum		key_old;
		Datum		key_new;
		bool		key_old_null;
		bool		key_new_null;
		MemoryContext prev;
		int			i;

		if (!have_old || !have_new)
		{
			if (have_old != have_new)
				elog(ERROR, "ar.tg_audit_update: transition tables of different lengths");
			break;
		}
		slot_getallattrs(old_slot);
		slot_getallattrs(new_slot);
		key_old = slot_getattr(old_slot, cache->key_attno, &key_old_null);
		key_new = slot_getattr(new_slot, cache->key_attno, &key_new_null);
		if (key_old_null || key_new_null || DatumGetInt64(key_old) != DatumGetInt64(key_new))
			elog(ERROR, "ar.tg_audit_update: transition tables out of step");

		prev = MemoryContextSwitchTo(row_cxt);
		pushJsonbValue(&ostate, WJB_BEGIN_OBJECT, NULL);
		pushJsonbValue(&nstate, WJB_BEGIN_OBJECT, NULL);
		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			bool		onull = old_slot->tts_isnull[i];
			bool		nnull = new_slot->tts_isnull[i];

			if (att->attisdropped)
				continue;
			if (onull && nnull)
				continue;
			if (!onull && !nnull &&
				datum_image_eq(old_slot->tts_values[i], new_slot->tts_values[i], att->attbyval, att->attlen))
				continue;
			changed = true;
			push_key(&ostate, cache->names[i]);
			push_value(&ostate, cache, i, old_slot->tts_values[i], onull);
			push_key(&nstate, cache->names[i]);
			push_value(&nstate, cache, i, new_slot->tts_values[i], nnull);
		}
		ores = pushJsonbValue(&ostate, WJB_END_OBJECT, NULL);
		nres = pushJsonbValue(&nstate, WJB_END_OBJECT, NULL);
		if (changed)
		{
			MemoryContextSwitchTo(call_cxt);
			if (n == cap)
			{
				cap *= 2;
				ids = repalloc(ids, sizeof(Datum) * cap);
				olds = repalloc(olds, sizeof(Datum) * cap);
				news = repalloc(news, sizeof(Datum) * cap);
			}
			ids[n] = key_new;
			olds[n] = JsonbPGetDatum(JsonbValueToJsonb(ores));
			news[n] = JsonbPGetDatum(JsonbValueToJsonb(nres));
			n++;
		}
		MemoryContextSwitchTo(prev);
		MemoryContextReset(row_cxt);
	}
	ExecDropSingleTupleTableSlot(old_slot);
	ExecDropSingleTupleTableSlot(new_slot);
	MemoryContextDelete(row_cxt);

	if (n > 0)
	{
		Oid			argtypes[4] = {TEXTOID, INT8ARRAYOID, JSONBARRAYOID, JSONBARRAYOID};
		Datum		args[4];
		int			rc;

		args[0] = CStringGetTextDatum(RelationGetRelationName(td->tg_relation));
		args[1] = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[2] = PointerGetDatum(construct_array(olds, n, JSONBOID, -1, false, TYPALIGN_INT));
		args[3] = PointerGetDatum(construct_array(news, n, JSONBOID, -1, false, TYPALIGN_INT));
		SPI_connect();
		rc = SPI_execute_with_args(
			"INSERT INTO ar.audit_log (table_name, op, row_id, old, new) "
			"SELECT $1, 'UPDATE', u.r, u.o, u.n "
			"FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) AS u(r, o, n)",
			4, argtypes, args, NULL, false, 0);
		if (rc != SPI_OK_INSERT)
			elog(ERROR, "ar.tg_audit_update: audit insert failed: %s", SPI_result_code_string(rc));
		SPI_finish();
	}
	return PointerGetDatum(NULL);
}
