-- Every object of pg_receivables, described so that two databases can be
-- compared: one row per object and aspect (kind, name, definition).  Column
-- order is left out on purpose (an upgrade adds columns at the end).
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'pg_receivables'),
members AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext WHERE d.refobjid = ext.oid AND d.deptype = 'e'
)
SELECT 'member' AS kind, pg_describe_object(m.classid, m.objid, 0) AS name, '' AS definition FROM members m
UNION ALL
SELECT 'function', p.oid::regprocedure::text,
       pg_get_functiondef(p.oid) || ' acl=' || COALESCE(p.proacl::text, '')
  FROM pg_proc p WHERE p.pronamespace = 'ar'::regnamespace AND p.prokind IN ('f', 'p')
UNION ALL
SELECT 'aggregate', p.oid::regprocedure::text,
       a.aggtransfn::text || a.aggfinalfn::text || a.aggcombinefn::text || a.aggserialfn::text
       || a.aggdeserialfn::text || a.aggtranstype::regtype::text || COALESCE(p.proacl::text, '')
  FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid WHERE p.pronamespace = 'ar'::regnamespace
UNION ALL
SELECT 'column', c.relname || '.' || a.attname,
       format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || COALESCE(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '') || COALESCE(' identity ' || NULLIF(a.attidentity::text, ''), '')
       || COALESCE(' generated ' || NULLIF(a.attgenerated::text, ''), '')
       || ' comment=' || COALESCE(col_description(c.oid, a.attnum), '')
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
 WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('r', 'v', 'c')
UNION ALL
SELECT 'relation', c.relname,
       c.relkind::text || ' rls=' || c.relrowsecurity || ' acl=' || COALESCE(c.relacl::text, '')
       || ' options=' || COALESCE(c.reloptions::text, '') || ' comment=' || COALESCE(obj_description(c.oid, 'pg_class'), '')
  FROM pg_class c WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('r', 'v', 'S', 'c')
UNION ALL
SELECT 'view', c.relname, pg_get_viewdef(c.oid)
  FROM pg_class c WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'v'
UNION ALL
SELECT 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = 'ar'::regnamespace
UNION ALL
SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'ar'::regnamespace
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid) || ' enabled=' || tgenabled::text
  FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'ar'::regnamespace)
UNION ALL
SELECT 'type', t.typname, t.typtype::text || ' ' || t.typinput::text || ' ' || t.typoutput::text || ' '
       || t.typreceive::text || ' ' || t.typsend::text || ' comment=' || COALESCE(obj_description(t.oid, 'pg_type'), '')
  FROM pg_type t WHERE t.typnamespace = 'ar'::regnamespace AND t.typtype = 'b' AND t.typcategory <> 'A'
UNION ALL
SELECT 'operator', o.oid::regoperator::text, o.oprcode::text || ' ' || o.oprcanhash || o.oprcanmerge
  FROM pg_operator o WHERE o.oprnamespace = 'ar'::regnamespace
UNION ALL
SELECT 'opclass', opc.opcname, am.amname || ' ' || opc.opcintype::regtype::text
  FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod WHERE opc.opcnamespace = 'ar'::regnamespace
UNION ALL
SELECT 'policy', p.tablename || '.' || p.policyname, COALESCE(p.qual, '') || ' ' || COALESCE(p.with_check, '')
  FROM pg_policies p WHERE p.schemaname = 'ar'
UNION ALL
SELECT 'config_dump', c.relname, COALESCE(e.extcondition[i], '')
  FROM pg_extension e, generate_subscripts(e.extconfig, 1) i, pg_class c
 WHERE e.extname = 'pg_receivables' AND c.oid = e.extconfig[i]
UNION ALL
SELECT 'comment', p.oid::regprocedure::text, COALESCE(obj_description(p.oid, 'pg_proc'), '')
  FROM pg_proc p WHERE p.pronamespace = 'ar'::regnamespace
ORDER BY 1, 2, 3;
