-- pg_receivables install script, assembled by the Makefile from schema/*.sql
-- in file-name order.  Edit the parts in schema/, never the assembled file.

\echo Use "CREATE EXTENSION pg_receivables" to load this file. \quit

-- Names, kana and yen signs are stored as UTF-8; a database in another
-- encoding could not hold the shipped templates and currencies.
DO $$
BEGIN
  IF pg_catalog.current_setting('server_encoding') <> 'UTF8' THEN
    RAISE EXCEPTION 'pg_receivables needs a UTF8 database, not %', pg_catalog.current_setting('server_encoding')
      USING ERRCODE = 'feature_not_supported',
            HINT = 'Create the database with ENCODING ''UTF8'' (CREATE DATABASE ... ENCODING ''UTF8'' TEMPLATE template0).';
  END IF;
END
$$;

COMMENT ON SCHEMA ar IS
  'pg_receivables: accounts receivable (aging, payment terms, cash application, dunning, dashboards)';

-- ar.version(): the version the shared library was built as.
CREATE FUNCTION ar.version() RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_version'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.version() IS
  'Version of the pg_receivables shared library; equals the installed extension version unless a stale library is loaded';
