-- CREATE EXTENSION works in a database without pg_cron (pg_regress loads
-- only pg_receivables here), and the library matches the installed script.
SELECT count(*) AS pg_cron_installed FROM pg_extension WHERE extname = 'pg_cron';
SELECT extversion = ar.version() AS library_matches_script,
       extrelocatable, extnamespace::regnamespace AS schema
  FROM pg_extension WHERE extname = 'pg_receivables';

-- Every table, view and type carries a comment (BI tools show them);
-- test/pgtap/10_ledger.sql checks every column as well.
SELECT count(*) FILTER (WHERE obj_description(c.oid, 'pg_class') IS NULL) AS uncommented_relations
  FROM pg_class c
 WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind IN ('r', 'v');
SELECT t.typname AS uncommented_type
  FROM pg_type t
 WHERE t.typnamespace = 'ar'::regnamespace AND t.typtype = 'b' AND t.typcategory <> 'A'
   AND obj_description(t.oid, 'pg_type') IS NULL;

-- Nothing is granted to PUBLIC.
SELECT count(*) AS public_table_grants
  FROM information_schema.role_table_grants
 WHERE table_schema = 'ar' AND grantee = 'PUBLIC';
SELECT count(*) AS public_function_grants
  FROM pg_proc p
 WHERE p.pronamespace = 'ar'::regnamespace
   AND has_function_privilege('public', p.oid, 'EXECUTE');
