-- pg_receivables install script, assembled by the Makefile from schema/*.sql
-- in file-name order.  Edit the parts in schema/, never the assembled file.

\echo Use "CREATE EXTENSION pg_receivables" to load this file. \quit

-- The database must be UTF8 (or SQL_ASCII): the control file declares this
-- script UTF-8, and PostgreSQL refuses to install it into an encoding that
-- cannot hold its yen signs and Japanese templates (sql/00_install.sql).

COMMENT ON SCHEMA ar IS
  'pg_receivables: accounts receivable (aging, payment terms, cash application, dunning, dashboards)';

-- ar.version(): the version the shared library was built as.
CREATE FUNCTION ar.version() RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_version'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.version() IS
  'Version of the pg_receivables shared library; equals the installed extension version unless a stale library is loaded';
