-- Escalation ladders: the text form and its canonical output, every bad
-- input with its SQLSTATE and message, the binary form, ar.ladder_steps,
-- and the rules of ar.next_step (catch-up without flooding, min, gap,
-- stop steps) with the worked examples of docs/dunning.md.
BEGIN;
SELECT plan(116);

CREATE TEMP TABLE l (name text PRIMARY KEY, ladder ar.escalation_ladder);
INSERT INTO l VALUES
  ('default', '-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2; +14 sms:overdue_sms min=1000; +21 call; +30 letter:final_notice; +45 agency stop'),
  ('gap', '+1 email:overdue_1; +7 email:overdue_2 gap=5; +14 sms:overdue_sms gap=10'),
  ('big_to_agency', '+30 agency min=1000000 stop; +45 letter:final_notice'),
  ('before_due', '-7 email:early; -3 email:pre_due; 0 email:due_today');

-- Text form --------------------------------------------------------------------
SELECT has_type('ar', 'escalation_ladder', 'type ar.escalation_ladder exists');
SELECT is((SELECT ladder::text FROM l WHERE name = 'default'),
          '-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2; +14 sms:overdue_sms min=1000; +21 call; +30 letter:final_notice; +45 agency stop',
          'the default ladder prints as written');
SELECT is(t::ar.escalation_ladder::text, canonical, 'canonical form of ' || quote_literal(translate(t, E'\n\t', '  ')))
  FROM (VALUES
    ('  -3   EMAIL:pre_due ;+1 email  min=1000.50  gap=07 fee=500 interest=14.6% stop;',
     '-3 email:pre_due; +1 email min=1000.5 gap=7 fee=500 interest=14.6 stop'),
    ('1 Email', '+1 email'),
    ('+0 sms; +0010 letter', '0 sms; +10 letter'),
    ('-0 call', '0 call'),
    (E'+1 email:overdue_1;\n+7\temail:overdue_2\n;', '+1 email:overdue_1; +7 email:overdue_2'),
    ('+1 email stop min=0 gap=0', '+1 email min=0 gap=0 stop'),
    ('+1 email interest=014.60 fee=0.0001', '+1 email fee=0.0001 interest=14.6'),
    ('+1 email min=99999999999999.9999', '+1 email min=99999999999999.9999'),
    ('-3650 retry; +3650 webhook', '-3650 retry; +3650 webhook'),
    ('+1 internal:collector_alert; +2 webhook:a_1', '+1 internal:collector_alert; +2 webhook:a_1')
  ) v(t, canonical);
SELECT is((SELECT ladder::text::ar.escalation_ladder::text FROM l WHERE name = 'default'),
          (SELECT ladder::text FROM l WHERE name = 'default'), 'canonical text reads back to itself');
SELECT is((SELECT count(*)::int FROM (SELECT string_agg(format('+%s sms', g), '; ')::ar.escalation_ladder
                                        FROM generate_series(1, 32) g) s), 1, '32 steps are allowed');
SELECT ok('+1 email; +7 sms'::ar.escalation_ladder OPERATOR(ar.=) ' +1 EMAIL ;  +7 sms ;'::ar.escalation_ladder,
          'ladders that differ only in spelling are equal');
SELECT ok('+1 email min=1000'::ar.escalation_ladder OPERATOR(ar.<>) '+1 email min=1001'::ar.escalation_ladder,
          'ladders with different options differ');
SELECT ok('+1 email min=1000'::ar.escalation_ladder OPERATOR(ar.=) '+1 email min=1000.00'::ar.escalation_ladder,
          'amounts compare by value');
SELECT is((SELECT count(*)::int FROM (SELECT DISTINCT x FROM (VALUES ('+1 email'::ar.escalation_ladder),
                                       (' +1 email;'), ('+1 sms')) v(x)) d), 2, 'DISTINCT and hashing treat equal ladders as one');

-- Bad input: 22P02 naming the step and the text --------------------------------
SELECT throws_ok(format('SELECT %L::ar.escalation_ladder', t), '22P02', msg, 'rejects ' || quote_literal(t))
  FROM (VALUES
    ('+1 email; +3 sms; +7 fax', 'step 3: unknown channel "fax"'),
    ('+1 email; +1 sms', 'step 2: offset +1 is not after the offset +1 of step 1'),
    ('+7 email; +1 sms', 'step 2: offset +1 is not after the offset +7 of step 1'),
    ('+1 email:Overdue-1', 'step 1: invalid template name "Overdue-1"'),
    ('+1 email:' || repeat('x', 64), 'step 1: invalid template name "' || repeat('x', 40) || '..."'),
    ('+1 email:', 'step 1: missing template name after "email:"'),
    ('+1 email colour=red', 'step 1: unknown option "colour"'),
    ('+1 email; +2 sms min=1 min=2', 'step 2: repeated option "min"'),
    ('+1 email stop stop', 'step 1: repeated option "stop"'),
    ('+1 email stop=yes', 'step 1: option "stop" takes no value'),
    ('+1 email min', 'step 1: option "min" needs a value'),
    ('+1 email gap=', 'step 1: option "gap" needs a value'),
    ('+1 email min=abc', 'step 1: invalid amount "abc" for min'),
    ('+1 email min=-5', 'step 1: invalid amount "-5" for min'),
    ('+1 email min=1.23456', 'step 1: invalid amount "1.23456" for min'),
    ('+1 email min=100000000000000', 'step 1: invalid amount "100000000000000" for min'),
    ('+1 email min=1,000', 'step 1: invalid amount "1,000" for min'),
    ('+1 email fee=0', 'step 1: fee must be greater than zero'),
    ('+1 email fee=1e3', 'step 1: invalid amount "1e3" for fee'),
    ('+1 email gap=1.5', 'step 1: invalid number of days "1.5" for gap'),
    ('+1 email gap=3651', 'step 1: invalid number of days "3651" for gap'),
    ('+1 email interest=0', 'step 1: invalid rate "0" for interest'),
    ('+1 email interest=100.5', 'step 1: invalid rate "100.5" for interest'),
    ('', 'empty escalation ladder'),
    (' ; ;', 'empty escalation ladder'),
    ('+1 email;; +7 sms', 'step 2 is empty'),
    ('; +1 email', 'step 1 is empty'),
    ('email', 'step 1: invalid offset "email"'),
    ('- 3 email', 'step 1: invalid offset "-"'),
    ('+1', 'step 1: missing channel after the offset'),
    ('+3651 letter', 'step 1: offset "+3651" is out of range'),
    ('+99999999999 letter', 'step 1: offset "+99999999999" is out of range'),
    ((SELECT string_agg(format('+%s sms', g), '; ') FROM generate_series(1, 33) g),
     'escalation ladder has more than 32 steps')
  ) v(t, msg);
SELECT throws_ok($$SELECT '+1 email; +3 fax'::ar.escalation_ladder$$, '22P02', NULL,
                 'the error carries a hint listing the channels');

-- ar.ladder_steps ------------------------------------------------------------
SELECT is((SELECT proargnames[2:] FROM pg_proc WHERE oid = 'ar.ladder_steps'::regproc),
          ARRAY['step_no', 'offset_days', 'channel', 'template', 'min_amount', 'gap_days', 'terminal',
                'fee_amount', 'interest_rate'], 'ar.ladder_steps columns: the SPEC ones, then fee and interest');
SELECT results_eq(
  $$SELECT step_no, offset_days, channel, template, min_amount, gap_days, terminal, fee_amount, interest_rate
      FROM l, ar.ladder_steps(l.ladder) WHERE l.name = 'default'$$,
  $$VALUES (1, -3, 'email', 'pre_due', NULL::numeric, NULL::int, false, NULL::numeric, NULL::numeric),
           (2, 1, 'email', 'overdue_1', NULL, NULL, false, NULL, NULL),
           (3, 7, 'email', 'overdue_2', NULL, NULL, false, NULL, NULL),
           (4, 14, 'sms', 'overdue_sms', 1000, NULL, false, NULL, NULL),
           (5, 21, 'call', NULL, NULL, NULL, false, NULL, NULL),
           (6, 30, 'letter', 'final_notice', NULL, NULL, false, NULL, NULL),
           (7, 45, 'agency', NULL, NULL, NULL, true, NULL, NULL)$$,
  'ar.ladder_steps lists the default ladder');
SELECT results_eq(
  $$SELECT min_amount, gap_days, fee_amount, interest_rate, terminal
      FROM ar.ladder_steps('+1 email min=1000.5 gap=7 fee=500 interest=14.6 stop')$$,
  $$VALUES (1000.5::numeric, 7, 500::numeric, 14.6::numeric, true)$$,
  'options come out as numbers');

-- Binary send/recv ---------------------------------------------------------------
SELECT is(ar.escalation_ladder_send('+1 email min=1000 stop'),
          '\x01010000000000010111000000000098968000'::bytea,
          'byte form: version 1, 1 step, reserved 0, offset, channel, flags, min x 10^4, no template');
CREATE TEMP TABLE bin_out AS SELECT name, ladder FROM l;
INSERT INTO bin_out VALUES ('options', '+1 email min=1000.5 gap=7 fee=500 interest=14.6 stop'),
                           ('long', (SELECT string_agg(format('+%s webhook:%s', g, repeat('t', 63)), ';')
                                       FROM generate_series(1, 32) g)::ar.escalation_ladder);
CREATE TEMP TABLE bin_in (LIKE bin_out);
CREATE FUNCTION pg_temp.bin_path(tag text) RETURNS text LANGUAGE sql
  RETURN current_setting('data_directory') || '/pgr_ladder_' || pg_backend_pid() || '_' || tag || '.bin';
DO $$
BEGIN
  EXECUTE format('COPY bin_out TO %L (FORMAT binary)', pg_temp.bin_path('rt'));
  EXECUTE format('COPY bin_in FROM %L (FORMAT binary)', pg_temp.bin_path('rt'));
END
$$;
SELECT set_eq($$SELECT name, ladder::text FROM bin_in$$, $$SELECT name, ladder::text FROM bin_out$$,
              'COPY BINARY out and in gives back every ladder');
SELECT ok((SELECT bool_and(i.ladder OPERATOR(ar.=) o.ladder) FROM bin_in i JOIN bin_out o USING (name)),
          '... equal to the originals');

-- recv re-validates: a binary COPY file with one ladder field of the given bytes.
CREATE TEMP TABLE recv_t (ladder ar.escalation_ladder);
CREATE FUNCTION pg_temp.recv(payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  path text := pg_temp.bin_path('bad');
  f bytea := '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea || '\x0001'::bytea
             || int4send(length(payload)) || payload || '\xffff'::bytea;
  lo oid := lo_from_bytea(0, f);
  result text;
BEGIN
  PERFORM lo_export(lo, path);
  PERFORM lo_unlink(lo);
  TRUNCATE recv_t;
  EXECUTE format('COPY recv_t FROM %L (FORMAT binary)', path);
  SELECT ladder::text INTO result FROM recv_t;
  RETURN result;
END
$$;
SELECT is(pg_temp.recv('\x0101000000000001010000'), '+1 email', 'recv accepts a valid byte form');
SELECT throws_ok(format('SELECT pg_temp.recv(%L)', b), '22P03', msg, 'recv refuses ' || why)
  FROM (VALUES
    ('\x0201000000000001010000'::bytea, 'invalid escalation ladder data: unsupported format version 2', 'a newer format'),
    ('\x0101000100000001010000', 'invalid escalation ladder data: reserved field is not zero', 'a set reserved field'),
    ('\x0100000000000001010000', 'invalid escalation ladder data: 0 steps', 'no steps'),
    ('\x01010000000000010100', 'invalid escalation ladder data: truncated in step 1', 'truncated data'),
    ('\x010100000000000101000000', 'invalid escalation ladder data: 1 trailing bytes', 'trailing bytes'),
    ('\x0101000000000001090000', 'invalid escalation ladder data: step 1 has unknown channel code 9', 'an unknown channel'),
    ('\x0101000000000001018000', 'invalid escalation ladder data: step 1 has unknown flags 0x80', 'unknown flags'),
    ('\x010200000000000701000000000001010000', 'invalid escalation ladder data: step 2 offset is not after step 1', 'descending offsets'),
    ('\x01010000000000010100024142', 'invalid escalation ladder data: step 1 template name has a bad character', 'a bad template name'),
    ('\x0101000000000001010400000000000000000000', 'invalid escalation ladder data: step 1 fee out of range', 'a zero fee'),
    ('\x0101000000000e43010000', 'invalid escalation ladder data: step 1 offset 3651 out of range', 'an offset out of range')
  ) v(b, msg, why);

-- ar.next_step: the default ladder ---------------------------------------------------
CREATE FUNCTION pg_temp.ns(name text, dpd int, amount numeric, last int, since int) RETURNS int
  LANGUAGE sql RETURN (SELECT ar.next_step(ladder, dpd, amount, last, since) FROM l WHERE l.name = ns.name);
SELECT is(pg_temp.ns('default', -5, 50000, NULL, NULL), NULL, 'nothing before the first offset');
SELECT is(pg_temp.ns('default', -3, 50000, NULL, NULL), 1, 'pre_due at 3 days before due');
SELECT is(pg_temp.ns('default', 0, 50000, 1, 3), NULL, 'nothing new on the due date after pre_due');
SELECT is(pg_temp.ns('default', 1, 50000, 1, 4), 2, 'overdue_1 the day after');
SELECT is(pg_temp.ns('default', 3, 50000, 2, 2), NULL, 'nothing between steps');
SELECT is(pg_temp.ns('default', 30, 50000, NULL, NULL), 6, 'first seen at 30 days: the +30 letter, not every step before it');
SELECT is(pg_temp.ns('default', 30, 50000, 0, NULL), 6, 'last_step 0 is the same as NULL');
SELECT is(pg_temp.ns('default', 30, 50000, 3, 20), 6, 'a late run catches up to the highest reached step');
SELECT is((SELECT ar.skipped_steps(ladder, NULL, 6) FROM l WHERE name = 'default'), ARRAY[1, 2, 3, 4, 5],
          'the steps passed over are listed for the dunning event log');
SELECT is((SELECT ar.skipped_steps(ladder, 3, 6) FROM l WHERE name = 'default'), ARRAY[4, 5], 'skipped after a sent step');
SELECT is((SELECT ar.skipped_steps(ladder, 2, 3) FROM l WHERE name = 'default'), '{}'::int[], 'no skip between neighbours');
SELECT is(pg_temp.ns('default', 45, 50000, 6, 15), 7, 'agency at +45');
SELECT is(pg_temp.ns('default', 400, 50000, 7, 300), NULL, 'nothing after the stop step has been sent');
SELECT is(pg_temp.ns('default', 400, 50000, NULL, NULL), 7, 'a very late first run goes to the last step');

-- min
SELECT is(pg_temp.ns('default', 15, 500, 0, NULL), 3, 'at +15 with 500 owed: the sms (min 1000) fails, overdue_2 is sent');
SELECT is(pg_temp.ns('default', 15, 1000, 0, NULL), 4, 'min is inclusive: 1000 owed gets the sms');
SELECT is(pg_temp.ns('default', 15, 999.99, 3, 8), NULL, 'after overdue_2, a small balance gets no sms');
SELECT is(pg_temp.ns('default', 21, 500, 3, 14), 5, '... and goes on to the call at +21');
SELECT is(pg_temp.ns('default', 15, NULL, 3, 8), NULL, 'an unknown amount meets no min');
SELECT is(pg_temp.ns('default', 21, NULL, 3, 8), 5, '... but steps without min still fire');

-- gap
SELECT is(pg_temp.ns('gap', 7, 100, 1, 3), NULL, 'gap=5 holds back overdue_2 three days after the last notice');
SELECT is(pg_temp.ns('gap', 7, 100, 1, 5), 2, 'gap is inclusive: five days later it is sent');
SELECT is(pg_temp.ns('gap', 7, 100, 1, NULL), 2, 'days_since_last_notice NULL means never: every gap holds');
SELECT is(pg_temp.ns('gap', 14, 100, 1, 6), 2, 'when the highest reached step fails its gap, the highest that holds is sent');
SELECT is(pg_temp.ns('gap', 14, 100, 2, 6), NULL, 'nothing when no step above last_step holds');
SELECT is(pg_temp.ns('gap', 14, 100, 2, -1), NULL, 'a notice scheduled in the future counts as recent');

-- stop steps with conditions
SELECT is(pg_temp.ns('big_to_agency', 50, 2000000, NULL, NULL), 1,
          'an eligible stop step is never jumped over: a big balance goes to the agency');
SELECT is(pg_temp.ns('big_to_agency', 50, 500, NULL, NULL), 2,
          'a stop step whose min fails is passed over: a small balance gets the letter');
SELECT is(pg_temp.ns('big_to_agency', 60, 2000000, 1, 30), NULL, 'after the stop step fired, nothing follows');

-- negative offsets
SELECT is(pg_temp.ns('before_due', -8, 100, NULL, NULL), NULL, 'nothing 8 days before due');
SELECT is(pg_temp.ns('before_due', -5, 100, NULL, NULL), 1, 'offset -7 reached 5 days before due');
SELECT is(pg_temp.ns('before_due', -3, 100, 1, 2), 2, 'offset -3 three days before due');
SELECT is(pg_temp.ns('before_due', 0, 100, NULL, NULL), 3, 'offset 0 on the due date');

-- NULLs and bad arguments
SELECT is(ar.next_step(NULL, 10, 100, NULL, NULL), NULL, 'NULL ladder gives NULL');
SELECT is((SELECT ar.next_step(ladder, NULL, 100, NULL, NULL) FROM l WHERE name = 'default'), NULL,
          'NULL days_past_due gives NULL');
SELECT throws_ok($$SELECT ar.next_step('+1 email', 5, 100, -1, NULL)$$, '22023', 'invalid last_step -1',
                 'negative last_step is refused');
SELECT throws_ok($$SELECT ar.next_step('+1 email; +2 sms', 5, 100, 3, NULL)$$, '22023',
                 'last_step 3 is beyond the last step of the ladder (2)', 'last_step past the ladder is refused');
SELECT throws_ok($$SELECT ar.skipped_steps('+1 email; +2 sms', 2, 1)$$, '22023',
                 'to_step 1 is not after from_step 2', 'skipped_steps needs to_step after from_step');
SELECT throws_ok($$SELECT ar.skipped_steps('+1 email; +2 sms', 0, 3)$$, '22023',
                 'to_step 3 is beyond the last step of the ladder (2)', 'skipped_steps checks to_step');
SELECT throws_ok($$SELECT ar.skipped_steps('+1 email; +2 sms', NULL, 0)$$, '22023',
                 'invalid to_step 0', 'skipped_steps needs a real to_step');
SELECT is(ar.skipped_steps('+1 email', 0, NULL), NULL, 'skipped_steps of a NULL to_step is NULL');

-- Set-based use as run_dunning makes it: many customers, ladders cached per call site.
CREATE TEMP TABLE alt AS
  SELECT row_number() OVER (ORDER BY d, l.name) AS ord, l.name, l.ladder, d
    FROM l, generate_series(-10, 50, 10) d WHERE l.name IN ('default', 'gap') ORDER BY d, l.name;
SELECT results_eq(
  $$SELECT name, d, ar.next_step(ladder, d, 5000, NULL, NULL) FROM alt$$,
  $$VALUES ('default', -10, NULL::int), ('gap', -10, NULL), ('default', 0, 1), ('gap', 0, NULL),
           ('default', 10, 3), ('gap', 10, 2), ('default', 20, 4), ('gap', 20, 3),
           ('default', 30, 6), ('gap', 30, 3), ('default', 40, 6), ('gap', 40, 3),
           ('default', 50, 7), ('gap', 50, 3)$$,
  'ladders alternating row by row in one query each get their own answer (per-call-site cache)');

-- Properties
SELECT is(volatility, 'i', 'ar.next_step is IMMUTABLE') FROM (SELECT provolatile AS volatility FROM pg_proc WHERE oid = 'ar.next_step'::regproc) s;
SELECT ok(NOT proisstrict, 'ar.next_step is not STRICT (NULL last_step is meaningful)') FROM pg_proc WHERE oid = 'ar.next_step'::regproc;
SELECT is(proparallel, 's', 'ar.next_step is PARALLEL SAFE') FROM pg_proc WHERE oid = 'ar.next_step'::regproc;
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'ar'::regnamespace
             AND (p.proname LIKE '%ladder%' OR p.proname IN ('next_step', 'skipped_steps'))
             AND obj_description(p.oid, 'pg_proc') IS NULL), 0, 'every ladder function has a comment');

SELECT * FROM finish();
ROLLBACK;
