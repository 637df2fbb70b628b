-- Nothing is granted to PUBLIC.  Functions are executable by PUBLIC by
-- default, so that is taken back here, after every function exists; roles
-- get their grants from ar.create_roles().  Types keep PUBLIC USAGE only
-- so that their values can be read by anyone granted a table or function.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ar FROM PUBLIC;
REVOKE ALL ON SCHEMA ar FROM PUBLIC;
