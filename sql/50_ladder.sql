-- Escalation ladders as a user sees them: the default ladder's steps,
-- canonical forms, the errors for bad ladders, and ar.next_step on the
-- worked examples of docs/dunning.md.
\set SHOW_CONTEXT never

-- The default ladder, step by step.
SELECT * FROM ar.ladder_steps('-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2; +14 sms:overdue_sms min=1000; +21 call; +30 letter:final_notice; +45 agency stop');

-- Options and canonical spelling.
SELECT t AS input, t::ar.escalation_ladder AS canonical
  FROM (VALUES ('+1 EMAIL:overdue_1   gap=07;'),
               ('+30 letter:final_notice fee=1000.00 interest=14.6% stop'),
               (E'-3 email:pre_due;\n+1 email:overdue_1;\n+7 email:overdue_2')) v(t);
SELECT * FROM ar.ladder_steps('+30 letter:final_notice min=10000 gap=7 fee=1000 interest=14.6 stop');

-- Bad ladders name the step and the text.
SELECT '+1 email; +7 sms; +14 fax'::ar.escalation_ladder;
SELECT '+1 email; +7 sms; +7 letter'::ar.escalation_ladder;
SELECT '+1 email:Overdue-1'::ar.escalation_ladder;
SELECT '+1 email min=1,000'::ar.escalation_ladder;
SELECT '+1 email mni=1000'::ar.escalation_ladder;
SELECT '+1 email gap=7 gap=14'::ar.escalation_ladder;
SELECT '+1 email interest=200'::ar.escalation_ladder;
SELECT ''::ar.escalation_ladder;

-- ar.next_step on the default ladder (docs/dunning.md, worked examples).
WITH l(ladder) AS (SELECT '-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2; +14 sms:overdue_sms min=1000; +21 call; +30 letter:final_notice; +45 agency stop'::ar.escalation_ladder)
SELECT v.case_no, v.days_past_due, v.overdue_amount, v.last_step, v.days_since_last_notice,
       ar.next_step(l.ladder, v.days_past_due, v.overdue_amount, v.last_step, v.days_since_last_notice) AS next_step,
       ar.skipped_steps(l.ladder, v.last_step,
                        ar.next_step(l.ladder, v.days_past_due, v.overdue_amount, v.last_step, v.days_since_last_notice)) AS skipped
  FROM l, (VALUES (1, -3, 50000::numeric, NULL::int, NULL::int),
                  (2, 1, 50000, 1, 4),
                  (3, 30, 50000, NULL, NULL),
                  (4, 15, 500, 0, NULL),
                  (5, 15, 500, 3, 8),
                  (6, 21, 500, 3, 14),
                  (7, 60, 50000, 7, 15)) v(case_no, days_past_due, overdue_amount, last_step, days_since_last_notice)
 ORDER BY v.case_no;

-- A stop step with a min: large balances go to the agency, small ones get a letter.
SELECT amount, ar.next_step('+30 agency min=1000000 stop; +45 letter:final_notice', 50, amount, NULL, NULL) AS next_step
  FROM (VALUES (2000000::numeric), (500)) v(amount);
