-- The one entry point any scheduler calls, and its pg_cron registration.

CREATE FUNCTION ar.housekeeping(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  stale integer;
  tasks integer;
BEGIN
  -- Queued dunning notices whose reason is gone are cancelled now rather
  -- than when a worker reaches them.
  WITH s AS (
    UPDATE ar.notification n
       SET status = 'cancelled', last_error = ar.notification_stale_reason(n), updated_at = pg_catalog.now()
     WHERE n.status = 'queued' AND n.episode_id IS NOT NULL AND ar.notification_stale_reason(n) IS NOT NULL
    RETURNING 1)
  SELECT pg_catalog.count(*) INTO stale FROM s;
  -- Open call tasks of episodes that ended (the customer paid) are moot.
  WITH t AS (
    UPDATE ar.task t SET status = 'cancelled', outcome = 'episode ended', completed_at = pg_catalog.now()
      FROM ar.dunning_episode e
     WHERE t.status = 'open' AND t.kind = 'call' AND e.dunning_episode_id = t.episode_id AND e.status = 'closed'
    RETURNING 1)
  SELECT pg_catalog.count(*) INTO tasks FROM t;
  RETURN pg_catalog.jsonb_build_object('notifications_cancelled', stale, 'tasks_cancelled', tasks);
END
$$;
COMMENT ON FUNCTION ar.housekeeping(timestamptz) IS
  'Cancels queued dunning notices whose reason is gone and call tasks of ended episodes; returns counts';

CREATE FUNCTION ar.run_daily(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS jsonb
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  started timestamptz := pg_catalog.clock_timestamp();
  promises jsonb;
  dunning jsonb;
  decisions jsonb;
  alerts integer;
  house jsonb;
BEGIN
  IF as_of IS NULL THEN
    RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- Two runs at once: the second waits for the first, then finds nothing
  -- left to do (every step it would queue has its dedupe key taken).
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('pg_receivables'), pg_catalog.hashtext('run_daily'));

  SELECT pg_catalog.jsonb_build_object(
           'kept', pg_catalog.count(*) FILTER (WHERE e.status = 'kept'),
           'broken', pg_catalog.count(*) FILTER (WHERE e.status = 'broken'))
    INTO promises
    FROM ar.evaluate_promises((as_of AT TIME ZONE pg_catalog.current_setting('TimeZone'))::date) e;

  -- Dunning first, counted afterwards (a later statement sees its events).
  SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(d)), '[]') INTO decisions FROM ar.run_dunning(as_of) d;
  SELECT pg_catalog.jsonb_build_object(
           'sent', pg_catalog.count(*) FILTER (WHERE x.reason = 'sent'),
           'skipped', pg_catalog.count(*) FILTER (WHERE x.reason IN ('passed_over', 'opted_out', 'no_recipient')),
           'paused', pg_catalog.count(*) FILTER (WHERE x.reason NOT IN ('sent', 'passed_over', 'opted_out', 'no_recipient')),
           'by_reason', COALESCE((SELECT pg_catalog.jsonb_object_agg(y.reason, y.n)
                                    FROM (SELECT COALESCE(e ->> 'skipped_reason', 'sent') AS reason, pg_catalog.count(*) AS n
                                            FROM pg_catalog.jsonb_array_elements(decisions) e GROUP BY 1) y), '{}'),
           'episodes_started', (SELECT pg_catalog.count(*) FROM ar.dunning_event e
                                 WHERE e.as_of = run_daily.as_of AND e.decision = 'episode_started'),
           'episodes_ended', (SELECT pg_catalog.count(*) FROM ar.dunning_event e
                               WHERE e.as_of = run_daily.as_of AND e.decision = 'episode_ended'))
    INTO dunning
    FROM (SELECT COALESCE(e ->> 'skipped_reason', 'sent') AS reason
            FROM pg_catalog.jsonb_array_elements(decisions) e) x;

  alerts := ar.run_alerts(as_of);
  house := ar.housekeeping(as_of);

  RETURN pg_catalog.jsonb_build_object(
    'as_of', as_of,
    'promises', promises,
    'dunning', dunning,
    'alerts_queued', alerts,
    'housekeeping', house,
    'duration_ms', pg_catalog.round(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - started) * 1000));
END
$$;
COMMENT ON FUNCTION ar.run_daily(timestamptz) IS
  'The daily job: evaluate promises, run dunning, run alerts, housekeeping; returns a summary of what each did. Safe to run twice at once';

------------------------------------------------------------------------------
-- pg_cron
------------------------------------------------------------------------------

-- The jobs pg_receivables registers: name, schedule, command.
CREATE FUNCTION ar.cron_jobs(daily_cron text)
  RETURNS TABLE (jobname text, schedule text, command text)
  LANGUAGE sql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  VALUES ('pg_receivables_daily', daily_cron, 'SELECT ar.run_daily()'),
         ('pg_receivables_housekeeping', '*/15 * * * *', 'SELECT ar.housekeeping()')
$$;
COMMENT ON FUNCTION ar.cron_jobs(text) IS
  'The pg_cron jobs of pg_receivables: the daily run and a housekeeping pass every 15 minutes (internal)';

-- Raises the error that says how to schedule the jobs when pg_cron cannot
-- be used from this database: where it lives elsewhere, the exact calls to
-- run there; where it is absent, how to install and preload it.
CREATE FUNCTION ar.refuse_without_pg_cron(daily_cron text) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  preloaded boolean := pg_catalog.current_setting('shared_preload_libraries') ~ '(^|[\s,])pg_cron([\s,]|$)';
  cron_db text := pg_catalog.current_setting('cron.database_name', true);
  calls text;
BEGIN
  IF preloaded AND cron_db IS NOT NULL AND cron_db <> pg_catalog.current_database() THEN
    SELECT pg_catalog.string_agg(pg_catalog.format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                                   j.jobname, j.schedule, j.command, pg_catalog.current_database()),
                                 E'\n')
      INTO calls FROM ar.cron_jobs(daily_cron) j;
    RAISE EXCEPTION 'pg_cron runs in database "%", not in "%"', cron_db, pg_catalog.current_database()
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = pg_catalog.format(E'Connect to database "%s" and run:\n%s', cron_db, calls);
  END IF;
  RAISE EXCEPTION 'pg_cron is not installed in database "%"', pg_catalog.current_database()
    USING ERRCODE = 'object_not_in_prerequisite_state',
          HINT = CASE WHEN preloaded THEN
                   pg_catalog.format('Run CREATE EXTENSION pg_cron; in this database (cron.database_name = %L), then call ar.schedule_jobs() again.',
                                     pg_catalog.current_database())
                 ELSE
                   pg_catalog.format(E'Install pg_cron (Debian: apt-get install postgresql-%s-cron), add to postgresql.conf:\n'
                                     || E'  shared_preload_libraries = ''pg_cron''\n  cron.database_name = %L\n'
                                     || 'restart the server, run CREATE EXTENSION pg_cron; here, then call ar.schedule_jobs() again.',
                                     pg_catalog.current_setting('server_version_num')::integer / 10000,
                                     pg_catalog.current_database())
                 END;
END
$$;
COMMENT ON FUNCTION ar.refuse_without_pg_cron(text) IS
  'Raises the error explaining how to get pg_cron or where to schedule the jobs (internal)';

CREATE FUNCTION ar.schedule_jobs(daily_cron text DEFAULT '0 9 * * *')
  RETURNS TABLE (jobname text, schedule text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  j record;
BEGIN
  IF daily_cron IS NULL OR daily_cron !~ '^\s*\S+(\s+\S+){4}\s*$' THEN
    RAISE EXCEPTION 'invalid cron schedule "%"', daily_cron
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give five fields: minute hour day-of-month month day-of-week, e.g. ''0 9 * * *''.';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    PERFORM ar.refuse_without_pg_cron(daily_cron);
  END IF;
  -- cron.schedule with a job name replaces the job of that name, so calling
  -- this twice leaves one job of each name.  (pg_cron is optional, hence
  -- dynamic SQL: nothing here may refer to it when it is absent.)
  FOR j IN SELECT * FROM ar.cron_jobs(daily_cron) LOOP
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' USING j.jobname, j.schedule, j.command;
    jobname := j.jobname;
    schedule := j.schedule;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION ar.schedule_jobs(text) IS
  'Registers (or updates) the pg_cron jobs of pg_receivables in this database; explains what to do where pg_cron lives elsewhere or is absent';

CREATE FUNCTION ar.unschedule_jobs() RETURNS TABLE (jobname text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  n text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
    RETURN;    -- nothing can be scheduled without pg_cron
  END IF;
  FOR n IN EXECUTE 'SELECT j.jobname FROM cron.job j WHERE j.jobname = ANY ($1) AND j.database = current_database()'
           USING ARRAY(SELECT c.jobname FROM ar.cron_jobs('0 9 * * *') c)
  LOOP
    EXECUTE 'SELECT cron.unschedule($1)' USING n;
    jobname := n;
    RETURN NEXT;
  END LOOP;
END
$$;
COMMENT ON FUNCTION ar.unschedule_jobs() IS 'Removes the pg_cron jobs of pg_receivables; returns the names removed';
