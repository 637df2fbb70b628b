-- CREATE EXTENSION works in a database without pg_cron (pg_regress loads
-- only pg_receivables here), and the library matches the installed script.
SELECT count(*) AS pg_cron_installed FROM pg_extension WHERE extname = 'pg_cron';
SELECT extversion = ar.version() AS library_matches_script,
       extrelocatable, extnamespace::regnamespace AS schema
  FROM pg_extension WHERE extname = 'pg_receivables';

-- The ledger tables, each with its comment.
SELECT c.relname, obj_description(c.oid, 'pg_class') AS comment
  FROM pg_class c
 WHERE c.relnamespace = 'ar'::regnamespace AND c.relkind = 'r'
 ORDER BY c.relname;

-- Nothing is granted to PUBLIC.
SELECT count(*) AS public_table_grants
  FROM information_schema.role_table_grants
 WHERE table_schema = 'ar' AND grantee = 'PUBLIC';
SELECT count(*) AS public_function_grants
  FROM pg_proc p
 WHERE p.pronamespace = 'ar'::regnamespace
   AND has_function_privilege('public', p.oid, 'EXECUTE');
