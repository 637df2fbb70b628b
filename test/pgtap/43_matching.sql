-- Matching (入金消込): ar.match_combinations (the subset-sum core), every
-- signal and score of ar.match_payment, the decision rule (threshold,
-- ambiguity), ar.auto_apply with each outcome (exact, fee written off, fee
-- not allowed and left open, tax rounding, ambiguous, too weak, unknown),
-- aliases learned and then used, ar.assign_payment, ar.v_unmatched_payments,
-- and every error with its SQLSTATE.  ar.verify_ledger() stays empty after
-- every writing call.
BEGIN;
SELECT plan(113);

------------------------------------------------------------------------------
-- ar.match_combinations
------------------------------------------------------------------------------
SELECT is((SELECT array_agg(positions::text ORDER BY ord) FROM ar.match_combinations(300, '{100,200,300,50,250}', '{0}', 3, 10)
                                                              WITH ORDINALITY AS m(positions, total, delta, ord)),
          ARRAY['{3}', '{1,2}', '{4,5}'],
          'one balance first, then pairs, the older pair first');
SELECT is((SELECT array_agg(delta ORDER BY ord) FROM ar.match_combinations(290, '{100,200,300,50,250}', '{0,10,110}', 3, 10)
                                                     WITH ORDINALITY AS m(positions, total, delta, ord)),
          '{10,10,10,110,110}'::numeric[], 'a deduction from the list is tried: 290 + 10 and 290 + 110');
SELECT is((SELECT array_agg(positions::text ORDER BY ord) FROM ar.match_combinations(10, '{10,10,10,10}', '{0}', 3, 3)
                                                              WITH ORDINALITY AS m(positions, total, delta, ord)),
          ARRAY['{1}', '{2}', '{3}'], 'equal balances: the oldest first, max_results kept');
SELECT is((SELECT positions FROM ar.match_combinations(1200, array_fill(100::numeric, ARRAY[20]), '{0}', 6, 1)),
          ARRAY(SELECT generate_series(1, 12)), 'a run of twelve consecutive invoices is found beyond max_invoices');
SELECT is_empty($$SELECT * FROM ar.match_combinations(7, '{2,4,8}', '{0}', 3, 5)$$, 'no combination adds up: no rows');
SELECT is((SELECT total FROM ar.match_combinations(10.00, '{4.00,6.00,7.50}', '{0}', 3, 5, 2)), 10.00::numeric,
          'minor unit 2: 4.00 + 6.00');
SELECT is((SELECT positions FROM ar.match_combinations(5, '{0,5}', '{0}')), '{2}'::int[],
          'zero balances are never picked');
SELECT is((SELECT count(*)::int FROM ar.match_combinations(1084018,
             ARRAY(SELECT (10000 + (hashint4(g) & 1048575))::numeric FROM generate_series(1, 500) g),
             '{0,110,220,330,440,550,660,770,880}', 6, 5, 0, 50)) <= 5, true,
          'a tiny node budget still returns (bounded search over 500 balances)');
SELECT throws_ok($$SELECT * FROM ar.match_combinations(0, '{1}')$$, '22023', 'target must be greater than zero',
                 'zero target');
SELECT throws_ok($$SELECT * FROM ar.match_combinations(1, '{-1}')$$, '22023', 'balances -1 at position 1 must not be negative',
                 'negative balance');
SELECT throws_ok($$SELECT * FROM ar.match_combinations(1, '{1,NULL}')$$, '22004', 'balances element at position 2 is null',
                 'null balance');
SELECT throws_ok($$SELECT * FROM ar.match_combinations(1, '{1}', '{0}', 9)$$, '22023', 'max_invoices 9 is out of range',
                 'max_invoices above 8');
SELECT throws_ok($$SELECT * FROM ar.match_combinations(1.5, '{1}')$$, '22023', 'target 1.5 is not a whole number of minor units',
                 'fractional yen');
SELECT throws_ok($$SELECT * FROM ar.match_combinations(1, '{1}', '{-5}')$$, '22023', 'deltas -5 at position 1 must not be negative',
                 'negative delta');
SELECT throws_ok($$SELECT * FROM ar.match_combinations(1, '{100000000000000}')$$, '22003',
                 'balances 100000000000000 at position 1 is out of range for matching', 'balance beyond the range');

------------------------------------------------------------------------------
-- The book
------------------------------------------------------------------------------
INSERT INTO ar.customer (customer_code, name, name_kana, fee_deduction_allowed, virtual_account) VALUES
  ('M-SAKURA', '株式会社さくら商事', 'ｻｸﾗｼﾖｳｼﾞ', true, NULL),
  ('M-YAMATO', '有限会社ヤマト製作所', 'ﾔﾏﾄｾｲｻｸｼﾖ', false, NULL),
  ('M-AOI', 'アオイデンキ株式会社', 'ｱｵｲﾃﾞﾝｷ', false, NULL),
  ('M-MIDORI', '株式会社みどり屋', 'ﾐﾄﾞﾘﾔ', false, '9945001'),
  ('M-FUTABA-A', '双葉商会', 'ﾌﾀﾊﾞｼﾖｳｶｲ', false, NULL),
  ('M-FUTABA-B', 'フタバ商会(大阪)', 'ﾌﾀﾊﾞｼﾖｳｶｲ', false, NULL),
  ('M-TGAS', '東京ガスサービスセンター株式会社', 'ﾄｳｷﾖｳｶﾞｽｻｰﾋﾞｽｾﾝﾀｰ', false, NULL),
  ('M-EMPTY', '空商店', 'ｶﾗ', false, NULL);
INSERT INTO ar.customer (customer_code, name, currency) VALUES ('M-USD', 'Dollar Corp', 'USD');
CREATE FUNCTION pg_temp.cust(code text) RETURNS bigint LANGUAGE sql
  AS $$ SELECT customer_id FROM ar.customer WHERE customer_code = code $$;
CREATE FUNCTION pg_temp.inv(no text) RETURNS bigint LANGUAGE sql
  AS $$ SELECT invoice_id FROM ar.invoice WHERE invoice_no = no $$;
CREATE FUNCTION pg_temp.invs(nos text[]) RETURNS bigint[] LANGUAGE sql
  AS $$ SELECT array_agg(pg_temp.inv(n) ORDER BY o) FROM unnest(nos) WITH ORDINALITY AS u(n, o) $$;
-- An incoming payment; returns its id.
CREATE FUNCTION pg_temp.pay(amount numeric, payer text, reference text DEFAULT NULL, edi text DEFAULT NULL,
                            customer text DEFAULT NULL, received date DEFAULT current_date,
                            metadata jsonb DEFAULT '{}') RETURNS bigint LANGUAGE sql
  AS $$ INSERT INTO ar.payment (customer_id, received_on, currency, amount, payer_name, reference, edi_info, metadata)
        VALUES (pg_temp.cust(customer), received, 'JPY', amount, payer, reference, edi, metadata)
        RETURNING payment_id $$;
CREATE FUNCTION pg_temp.best(pid bigint) RETURNS TABLE (customer text, invoices text[], fee numeric, score real, reasons text[])
  LANGUAGE sql AS $$
  SELECT c.customer_code, ARRAY(SELECT i.invoice_no FROM unnest(m.invoice_ids) WITH ORDINALITY AS u(id, o)
                                  JOIN ar.invoice i ON i.invoice_id = u.id ORDER BY u.o),
         m.fee_amount, m.score, m.reasons
    FROM ar.match_payment(pid) m JOIN ar.customer c USING (customer_id) WHERE m.rank = 1 $$;

CREATE TEMP TABLE pid (label text PRIMARY KEY, id bigint);
CREATE FUNCTION pg_temp.p(l text) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM pid WHERE label = l $$;

INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT pg_temp.cust(v.code), v.no, current_date - v.age, current_date - v.age + 30, v.amount
  FROM (VALUES ('M-SAKURA', 'SK-1', 90, 100000), ('M-SAKURA', 'SK-2', 60, 220000), ('M-SAKURA', 'SK-3', 30, 55000),
               ('M-YAMATO', 'YM-1', 90, 120000), ('M-YAMATO', 'YM-2', 60, 33000),
               ('M-AOI', 'AO-1', 40, 10800),
               ('M-MIDORI', 'MD-1', 50, 77000), ('M-MIDORI', 'MD-2', 40, 5000),
               ('M-FUTABA-A', 'FT-A1', 30, 50000), ('M-FUTABA-B', 'FT-B1', 30, 50000),
               ('M-TGAS', 'TG-1', 30, 45000)) AS v(code, no, age, amount)
 ORDER BY v.age DESC, v.no;

------------------------------------------------------------------------------
-- ar.match_payment: each signal and its score (payments cancelled after)
------------------------------------------------------------------------------
SELECT pg_temp.pay(100000, 'ｶ)ｻｸﾗｼﾖｳｼﾞ') AS p \gset
SELECT results_eq($$SELECT customer, invoices, fee, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-SAKURA', '{SK-1}'::text[], 0::numeric, 0.95::real, '{name_kana_exact,amount_exact_single}'::text[])$$,
                  'payer name = customer''s reading, amount = one invoice: 0.50 + 0.45');
SELECT pg_temp.pay(155000, 'ｶ)ｻｸﾗｼﾖｳｼﾞ') AS p \gset
SELECT results_eq($$SELECT invoices, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('{SK-1,SK-3}'::text[], 0.92::real, '{name_kana_exact,amount_combination}'::text[])$$,
                  'a combination of two that are not the oldest two: 0.50 + 0.42');
SELECT pg_temp.pay(319560, 'ｶ)ｻｸﾗｼﾖｳｼﾞ') AS p \gset
SELECT results_eq($$SELECT invoices, fee, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('{SK-1,SK-2}'::text[], 440::numeric, 0.90::real,
                            '{name_kana_exact,amount_oldest_invoices,fee_tolerance}'::text[])$$,
                  'the two oldest invoices less a 440 yen fee from bank_fee_tolerance: 0.50 + 0.43 - 0.03');
SELECT pg_temp.pay(10797, 'ｱｵｲﾃﾞﾝｷ') AS p \gset
SELECT results_eq($$SELECT customer, invoices, fee, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-AOI', '{AO-1}'::text[], 3::numeric, 0.92::real,
                            '{name_exact,name_kana_exact,amount_exact_single,tax_rounding}'::text[])$$,
                  'name and reading both match (one kind of signal), 3 yen short: tax rounding, 0.50 + 0.45 - 0.03');
SELECT pg_temp.pay(55000, 'ﾀﾅｶ', reference => 'ご請求 SK-3 分') AS p \gset
SELECT results_eq($$SELECT customer, invoices, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-SAKURA', '{SK-3}'::text[], 1::real, '{invoice_no_reference,amount_invoice_numbers}'::text[])$$,
                  'an invoice number in the reference names customer and invoice: 0.60 + 0.45, capped at 1');
SELECT pg_temp.pay(275000, 'ﾀﾅｶ', edi => 'SK-2,SK-3') AS p \gset
SELECT results_eq($$SELECT customer, invoices, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-SAKURA', '{SK-2,SK-3}'::text[], 1::real, '{invoice_no_edi,amount_invoice_numbers}'::text[])$$,
                  'invoice numbers in the EDI information that add up to the payment');
SELECT pg_temp.pay(220000, 'SK-2 ﾀﾅｶ') AS p \gset
SELECT results_eq($$SELECT customer, invoices, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-SAKURA', '{SK-2}'::text[], 0.95::real, '{invoice_no_payer_name,amount_invoice_numbers}'::text[])$$,
                  'an invoice number in the payer name: 0.50 + 0.45');
SELECT pg_temp.pay(77000, 'ﾐﾄﾞﾘﾔ', customer => 'M-MIDORI', metadata => '{"zengin": {"virtual_account": true}}') AS p \gset
SELECT results_eq($$SELECT customer, invoices, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-MIDORI', '{MD-1}'::text[], 1::real, '{name_kana_exact,virtual_account,amount_exact_single}'::text[])$$,
                  'paid into the customer''s virtual account: 0.60, + 0.05 for the name, + 0.45, capped');
SELECT pg_temp.pay(5000, 'ｿﾉﾀ', customer => 'M-MIDORI') AS p \gset
SELECT results_eq($$SELECT customer, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-MIDORI', 1::real, '{identified,amount_exact_single}'::text[])$$,
                  'a payment that already names its customer: only that customer, 0.60');
SELECT is((SELECT count(*)::int FROM ar.match_payment(:p)), 1, 'an identified payment has candidates of its customer only');
SELECT pg_temp.pay(5000, 'ﾐﾄﾞﾘﾔ ﾎﾝｼﾔ') AS p \gset
SELECT results_eq($$SELECT customer, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-MIDORI', 0.80::real, '{name_partial,amount_exact_single}'::text[])$$,
                  'the payer name goes on after the customer''s reading (ﾐﾄﾞﾘﾔ ﾎﾝｼﾔ): 0.35 + 0.45');
SELECT pg_temp.pay(45000, 'ﾄｳｷﾖｳｶﾞｽｻ-ﾋﾞｽｾ') AS p_tg \gset
INSERT INTO pid VALUES ('p_tg', :p_tg);
SELECT results_eq($$SELECT customer, score, reasons FROM pg_temp.best($$ || :p_tg || $$)$$,
                  $$VALUES ('M-TGAS', 0.80::real, '{name_partial,amount_exact_single}'::text[])$$,
                  'a payer name the bank cut short: 0.35 + 0.45');
SELECT pg_temp.pay(12345, 'ｶ)ｻｸﾗｼﾖｳｼﾞ') AS p \gset
SELECT results_eq($$SELECT customer, invoices, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-SAKURA', '{SK-1}'::text[], 0.50::real, '{name_kana_exact,amount_unmatched}'::text[])$$,
                  'nothing adds up: identity alone, the oldest invoice the money reaches');
SELECT results_eq($$SELECT matched_amount, fee_amount FROM ar.match_payment($$ || :p || $$)$$,
                  $$VALUES (12345::numeric, 0::numeric)$$, 'an unmatched amount: matched_amount is the payment');
SELECT pg_temp.pay(1000, 'ｶﾗ') AS p \gset
SELECT results_eq($$SELECT customer, invoices, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-EMPTY', '{}'::text[], '{name_kana_exact,no_open_invoices}'::text[])$$,
                  'a customer with nothing open');
SELECT is((SELECT decision FROM ar.match_decision(:p)), 'no_open_invoices', 'decision: no_open_invoices');
SELECT pg_temp.pay(50000, 'ﾌﾀﾊﾞｼﾖｳｶｲ') AS p \gset
SELECT results_eq($$SELECT c.customer_code, m.score FROM ar.match_payment($$ || :p || $$) m JOIN ar.customer c USING (customer_id) ORDER BY m.rank$$,
                  $$VALUES ('M-FUTABA-A', 0.95::real), ('M-FUTABA-B', 0.95::real)$$,
                  'two customers with the same reading and the same amount: two candidates');
SELECT results_eq($$SELECT score, runner_up_score, decision FROM ar.match_decision($$ || :p || $$)$$,
                  $$VALUES (0.95::real, 0.95::real, 'ambiguous')$$, 'a runner-up of another customer as good: ambiguous');
SELECT pg_temp.pay(12345, 'ﾅｿﾞﾉｼﾔ') AS p \gset
SELECT is_empty($$SELECT * FROM ar.match_payment($$ || :p || $$)$$, 'an unknown payer: no candidate');
SELECT is((SELECT decision FROM ar.match_decision(:p)), 'no_candidate', 'decision: no_candidate');
SELECT is((SELECT decision FROM ar.match_decision(:p_tg)), 'below_threshold', 'decision: below_threshold at 0.80');
SELECT is((SELECT decision FROM ar.match_decision(:p_tg, 0.8)), 'apply', 'a lower threshold given: apply');
SELECT is((SELECT count(*)::int FROM ar.match_payment(:p_tg, 1)), 1, 'max_candidates limits the rows');
SELECT throws_ok($$SELECT * FROM ar.match_payment(NULL)$$, '22004', 'payment_id must not be null', 'match_payment: null id');
SELECT throws_ok($$SELECT * FROM ar.match_payment(-1)$$, '22023', 'unknown payment -1', 'match_payment: unknown payment');
SELECT throws_ok($$SELECT * FROM ar.match_payment(1, 0)$$, '22023', 'max_candidates 0 is out of range',
                 'match_payment: max_candidates 0');
UPDATE ar.payment SET status = 'cancelled' WHERE payment_id = :p;
SELECT is_empty($$SELECT * FROM ar.match_payment($$ || :p || $$)$$, 'a cancelled payment has no candidates');
-- The probes are done with.
UPDATE ar.payment SET status = 'cancelled' WHERE status = 'received';

------------------------------------------------------------------------------
-- ar.auto_apply: a day's payments
------------------------------------------------------------------------------
SELECT pg_temp.pay(319560, 'ｶ)ｻｸﾗｼﾖｳｼﾞ') AS p_fee \gset
INSERT INTO pid VALUES ('p_fee', :p_fee);
SELECT pg_temp.pay(152340, 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ') AS p_short \gset
INSERT INTO pid VALUES ('p_short', :p_short);
SELECT pg_temp.pay(10797, 'ｱｵｲﾃﾞﾝｷ') AS p_round \gset
INSERT INTO pid VALUES ('p_round', :p_round);
SELECT pg_temp.pay(50000, 'ﾌﾀﾊﾞｼﾖｳｶｲ') AS p_ambig \gset
INSERT INTO pid VALUES ('p_ambig', :p_ambig);
SELECT pg_temp.pay(45000, 'ﾄｳｷﾖｳｶﾞｽｻ-ﾋﾞｽｾ') AS p_weak \gset
INSERT INTO pid VALUES ('p_weak', :p_weak);
SELECT pg_temp.pay(12345, 'ﾅｿﾞﾉｼﾔ') AS p_none \gset
INSERT INTO pid VALUES ('p_none', :p_none);
SELECT pg_temp.pay(77000, 'ﾐﾄﾞﾘﾔ', customer => 'M-MIDORI', metadata => '{"zengin": {"virtual_account": true}}') AS p_va \gset
INSERT INTO pid VALUES ('p_va', :p_va);
SELECT pg_temp.pay(55000, 'ﾀﾅｶ', reference => 'SK-3') AS p_ref \gset
INSERT INTO pid VALUES ('p_ref', :p_ref);
SELECT pg_temp.pay(5000, 'ﾐﾄﾞﾘﾔ ﾎﾝｼﾔ') AS p_partial \gset
INSERT INTO pid VALUES ('p_partial', :p_partial);

SELECT results_eq($$SELECT payment_id, customer_id, allocations, outcome FROM ar.auto_apply() ORDER BY payment_id$$,
                  $$VALUES (pg_temp.p('p_fee'), pg_temp.cust('M-SAKURA'), 3, 'applied_fee'),
                           (pg_temp.p('p_short'), pg_temp.cust('M-YAMATO'), 2, 'applied_short_pay'),
                           (pg_temp.p('p_round'), pg_temp.cust('M-AOI'), 2, 'applied_rounding'),
                           (pg_temp.p('p_ambig'), NULL, 0, 'ambiguous'),
                           (pg_temp.p('p_weak'), NULL, 0, 'below_threshold'),
                           (pg_temp.p('p_none'), NULL, 0, 'no_candidate'),
                           (pg_temp.p('p_va'), pg_temp.cust('M-MIDORI'), 1, 'applied'),
                           (pg_temp.p('p_ref'), pg_temp.cust('M-SAKURA'), 1, 'applied'),
                           (pg_temp.p('p_partial'), NULL, 0, 'below_threshold')$$,
                  'auto_apply applies the confident matches and leaves the rest with the reason');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after auto_apply');

-- Fee allowed: written off as a fee allocation on the last invoice.
SELECT results_eq($$SELECT i.invoice_no, a.kind, a.amount, a.payment_id FROM ar.allocation a JOIN ar.invoice i USING (invoice_id)
                    WHERE a.payment_id = $$ || :p_fee || $$ ORDER BY a.allocation_id$$,
                  $$VALUES ('SK-1', 'payment', 100000::numeric, pg_temp.p('p_fee')), ('SK-2', 'payment', 219560, pg_temp.p('p_fee')),
                           ('SK-2', 'fee', 440, pg_temp.p('p_fee'))$$,
                  'fee allowed: SK-1 and SK-2 paid, the 440 yen fee a fee allocation');
SELECT is((SELECT array_agg(status ORDER BY invoice_no) FROM ar.invoice WHERE invoice_no IN ('SK-1', 'SK-2')), '{paid,paid}',
          'both invoices settled');
SELECT results_eq($$SELECT customer_id, matched_by, matched_at IS NOT NULL, match_score, unapplied_amount FROM ar.payment
                    WHERE payment_id = $$ || :p_fee,
                  $$VALUES (pg_temp.cust('M-SAKURA'), 'auto', true, 0.90::real, 0::numeric)$$,
                  'the unidentified payment now names its customer, matched automatically with its score');
-- Fee not allowed: the short pay stays open, flagged.
SELECT results_eq($$SELECT invoice_no, open_amount, status, metadata -> 'short_paid' ->> 'amount' FROM ar.invoice
                    WHERE invoice_no IN ('YM-1', 'YM-2') ORDER BY invoice_no$$,
                  $$VALUES ('YM-1', 0::numeric, 'paid', NULL::text), ('YM-2', 660, 'open', '660')$$,
                  'fee not allowed (取適法): 660 yen stay open on YM-2, which is flagged');
SELECT is((SELECT metadata -> 'short_pay' ->> 'reason' FROM ar.payment WHERE payment_id = :p_short), 'fee_deduction_not_allowed',
          'the payment is flagged as a short pay');
SELECT is((SELECT count(*)::int FROM ar.allocation WHERE payment_id = :p_short AND kind = 'fee'), 0,
          'no fee allocation where the customer may not deduct it');
-- Tax rounding: written off.
SELECT results_eq($$SELECT a.kind, a.amount FROM ar.allocation a WHERE a.invoice_id = pg_temp.inv('AO-1') ORDER BY a.allocation_id$$,
                  $$VALUES ('payment', 10797::numeric), ('write_off', 3::numeric)$$,
                  'a 3 yen rounding difference is written off');
SELECT is((SELECT status FROM ar.invoice WHERE invoice_no = 'AO-1'), 'written_off', 'AO-1 is closed');
-- Identified by reference and by virtual account.
SELECT is((SELECT status FROM ar.invoice WHERE invoice_no = 'SK-3'), 'paid', 'SK-3 paid by the payment naming it');
SELECT is((SELECT matched_by FROM ar.payment WHERE payment_id = :p_va), 'auto', 'the virtual-account payment matched automatically');
-- Left alone.
SELECT results_eq($$SELECT customer_id, matched_by, unapplied_amount FROM ar.payment WHERE payment_id = $$ || :p_ambig,
                  $$VALUES (NULL::bigint, NULL::text, 50000::numeric)$$, 'an ambiguous payment is not touched');
-- Learned.
SELECT results_eq($$SELECT payer_name_norm, c.customer_code, auto_count, manual_count FROM ar.payer_alias a
                    JOIN ar.customer c USING (customer_id) ORDER BY payer_name_norm COLLATE "C"$$,
                  $$VALUES ('アオイデンキ', 'M-AOI', 1, 0), ('サクラシヨウジ', 'M-SAKURA', 1, 0), ('タナカ', 'M-SAKURA', 1, 0),
                           ('ミドリヤ', 'M-MIDORI', 1, 0), ('ヤマトセイサクシヨ', 'M-YAMATO', 1, 0)$$,
                  'every automatic match teaches the payer name');

-- The review list.
SELECT results_eq($$SELECT payment_id, best_customer_code, best_score, why_not_applied FROM ar.v_unmatched_payments ORDER BY payment_id$$,
                  $$VALUES (pg_temp.p('p_ambig'), 'M-FUTABA-A', 0.95::real, 'ambiguous'),
                           (pg_temp.p('p_weak'), 'M-TGAS', 0.80::real, 'below_threshold'),
                           (pg_temp.p('p_none'), NULL, NULL, 'no_candidate'),
                           (pg_temp.p('p_partial'), 'M-MIDORI', 0.80::real, 'below_threshold')$$,
                  'v_unmatched_payments lists what was left, with its best candidate and why');
SELECT is((SELECT age_days FROM ar.v_unmatched_payments WHERE payment_id = :p_none), 0, 'age in days');

-- A second run applies nothing twice.
SELECT results_eq($$SELECT payment_id, outcome FROM ar.auto_apply() ORDER BY payment_id$$,
                  $$VALUES (pg_temp.p('p_ambig'), 'ambiguous'), (pg_temp.p('p_weak'), 'below_threshold'), (pg_temp.p('p_none'), 'no_candidate'),
                           (pg_temp.p('p_partial'), 'below_threshold')$$,
                  'a second run: the applied payments are not considered again');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the second run');

-- A lower threshold, and received_since.
SELECT pg_temp.pay(20000, 'ｱｵｲﾃﾞﾝｷ', received => current_date - 10) AS p_old \gset
INSERT INTO pid VALUES ('p_old', :p_old);
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
VALUES (pg_temp.cust('M-AOI'), 'AO-2', current_date - 20, current_date + 10, 20000);
SELECT is((SELECT count(*)::int FROM ar.auto_apply(NULL, current_date - 5) WHERE payment_id = :p_old), 0,
          'received_since leaves older payments out');
SELECT results_eq($$SELECT payment_id, outcome FROM ar.auto_apply(0.8) WHERE outcome LIKE 'applied%' ORDER BY payment_id$$,
                  $$VALUES (pg_temp.p('p_weak'), 'applied'), (pg_temp.p('p_partial'), 'applied'), (pg_temp.p('p_old'), 'applied')$$,
                  'min_score 0.8 applies the partial-name matches, and the older payment is included without received_since');
SELECT is((SELECT match_score FROM ar.payment WHERE payment_id = :p_weak), 0.80::real, 'the score applied is recorded');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the run at 0.8');
SELECT throws_ok($$SELECT * FROM ar.auto_apply(1.5)$$, '22023', 'min_score 1.5 is out of range', 'auto_apply: threshold above 1');
SELECT throws_ok($$SELECT * FROM ar.auto_apply(-0.1)$$, '22023', 'min_score -0.1 is out of range', 'auto_apply: negative threshold');

-- The fee this customer deducted before counts for more.
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
VALUES (pg_temp.cust('M-SAKURA'), 'SK-4', current_date - 5, current_date + 25, 200000);
SELECT pg_temp.pay(199560, 'ｶ)ｻｸﾗｼﾖｳｼﾞ') AS p \gset
SELECT results_eq($$SELECT invoices, fee, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('{SK-4}'::text[], 440::numeric, 0.99::real,
                            '{name_kana_exact,payer_alias,amount_exact_single,fee_history}'::text[])$$,
                  'a fee the customer deducted before: 0.50 + 0.05 (the alias learned meanwhile) + 0.45 - 0.01');
SELECT pg_temp.pay(200000 - 660, 'ﾕ)ﾔﾏﾄｾｲｻｸｼﾖ') AS p \gset
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
VALUES (pg_temp.cust('M-YAMATO'), 'YM-3', current_date - 5, current_date + 25, 200000);
SELECT is((SELECT reasons FROM pg_temp.best(:p)), '{name_kana_exact,payer_alias,amount_exact_single,fee_history}',
          'a short pay left open (YM-2''s 660) counts as the customer''s fee history too');

-- An alias learned automatically names the customer next time.
SELECT pg_temp.pay(10000, 'ﾀﾅｶ') AS p \gset
SELECT results_eq($$SELECT customer, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-SAKURA', 0.50::real, '{payer_alias,amount_unmatched}'::text[])$$,
                  'a payer alias confirmed once automatically: 0.50');
UPDATE ar.payment SET status = 'cancelled' WHERE status = 'received' AND matched_by IS NULL AND unapplied_amount = amount
   AND payment_id <> :p_ambig AND payment_id <> :p_none;

------------------------------------------------------------------------------
-- ar.assign_payment
------------------------------------------------------------------------------
SELECT results_eq($$SELECT i.invoice_no, a.kind, a.amount FROM ar.assign_payment($$ || :p_ambig || $$, pg_temp.cust('M-FUTABA-B')) a
                    JOIN ar.invoice i USING (invoice_id)$$,
                  $$VALUES ('FT-B1', 'payment', 50000::numeric)$$,
                  'a person settles the ambiguous payment: assigned and applied fifo');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after assign_payment');
SELECT results_eq($$SELECT customer_id, matched_by, match_score FROM ar.payment WHERE payment_id = $$ || :p_ambig,
                  $$VALUES (pg_temp.cust('M-FUTABA-B'), 'manual', NULL::real)$$, 'matched by hand, no score');
SELECT results_eq($$SELECT auto_count, manual_count FROM ar.payer_alias WHERE payer_name_norm = 'フタバシヨウカイ'$$,
                  $$VALUES (0, 1)$$, 'the payer name is learned from the manual match');
-- Next time the alias breaks the tie.
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
VALUES (pg_temp.cust('M-FUTABA-B'), 'FT-B2', current_date - 3, current_date + 27, 50000);
SELECT pg_temp.pay(50000, 'ﾌﾀﾊﾞｼﾖｳｶｲ') AS p_twin \gset
INSERT INTO pid VALUES ('p_twin', :p_twin);
SELECT results_eq($$SELECT c.customer_code, m.score, m.reasons FROM ar.match_payment($$ || :p_twin || $$) m
                    JOIN ar.customer c USING (customer_id) ORDER BY m.rank$$,
                  $$VALUES ('M-FUTABA-B', 1::real, '{name_kana_exact,payer_alias,amount_exact_single}'::text[]),
                           ('M-FUTABA-A', 0.95::real, '{name_kana_exact,amount_exact_single}'::text[])$$,
                  'a manually confirmed alias: 0.55, + 0.05 for the name');
SELECT results_eq($$SELECT outcome FROM ar.auto_apply() WHERE payment_id = $$ || :p_twin,
                  $$VALUES ('ambiguous')$$, 'still within 0.05 of the other customer: review, not apply');
-- An unknown payer assigned by hand; his name then finds the customer.
SELECT is((SELECT count(*)::int FROM ar.assign_payment(:p_none, pg_temp.cust('M-FUTABA-A'))), 1,
          'assign_payment of the unknown payer applies it to the oldest open invoice');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the second assign_payment');
SELECT pg_temp.pay(1000, 'ﾅｿﾞﾉｼﾔ') AS p \gset
SELECT results_eq($$SELECT customer, score, reasons FROM pg_temp.best($$ || :p || $$)$$,
                  $$VALUES ('M-FUTABA-A', 0.55::real, '{payer_alias,amount_unmatched}'::text[])$$,
                  'the learned alias identifies the next payment from that name');
SELECT is((SELECT count(*)::int FROM ar.assign_payment(:p, pg_temp.cust('M-FUTABA-A'), 'largest_first')), 1,
          'assign_payment takes a strategy');
SELECT is((SELECT manual_count FROM ar.payer_alias WHERE payer_name_norm = 'ナゾノシヤ'), 2, 'a second confirmation counts');

-- Errors: each changes nothing.
SELECT pg_temp.pay(1000, 'ﾃｽﾄ') AS p_err \gset
INSERT INTO pid VALUES ('p_err', :p_err);
SELECT throws_ok($$SELECT * FROM ar.assign_payment(NULL, 1)$$, '22004', 'payment_id must not be null', 'assign: null payment');
SELECT throws_ok($$SELECT * FROM ar.assign_payment($$ || :p_err || $$, NULL)$$, '22004', 'customer_id must not be null',
                 'assign: null customer');
SELECT throws_ok($$SELECT * FROM ar.assign_payment(-7, 1)$$, '22023', 'unknown payment -7', 'assign: unknown payment');
SELECT throws_ok($$SELECT * FROM ar.assign_payment($$ || :p_err || $$, -8)$$, '22023', 'unknown customer -8',
                 'assign: unknown customer');
SELECT throws_ok($$SELECT * FROM ar.assign_payment($$ || :p_err || $$, pg_temp.cust('M-SAKURA'), 'lifo')$$, '22023',
                 'unknown allocation strategy "lifo"', 'assign: unknown strategy');
SELECT throws_ok($$SELECT * FROM ar.assign_payment($$ || :p_err || $$, pg_temp.cust('M-USD'))$$, '22023',
                 'payment ' || :p_err || ' is in JPY but customer M-USD bills in USD', 'assign: currency mismatch');
SELECT throws_ok($$SELECT * FROM ar.assign_payment($$ || :p_fee || $$, pg_temp.cust('M-YAMATO'))$$, '55000',
                 'payment ' || :p_fee || ' is already identified as customer M-SAKURA, not M-YAMATO',
                 'assign: already identified for another customer');
UPDATE ar.payment SET status = 'cancelled' WHERE payment_id = :p_err;
SELECT throws_ok($$SELECT * FROM ar.assign_payment($$ || :p_err || $$, pg_temp.cust('M-SAKURA'))$$, '55000',
                 'payment ' || :p_err || ' is cancelled', 'assign: cancelled payment');
SELECT results_eq($$SELECT customer_id, matched_by FROM ar.payment WHERE payment_id = $$ || :p_err,
                  $$VALUES (NULL::bigint, NULL::text)$$, 'the refused assignments changed nothing');
SELECT is((SELECT count(*)::int FROM ar.payer_alias WHERE payer_name_norm = 'テスト'), 0, 'and learned nothing');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the refused calls');

-- Assigning a payment to the customer it already names (a virtual account) is fine.
SELECT pg_temp.pay(50000, 'ﾐﾄﾞﾘﾔ', customer => 'M-MIDORI') AS p \gset
SELECT lives_ok($$SELECT * FROM ar.assign_payment($$ || :p || $$, pg_temp.cust('M-MIDORI'))$$,
                'assign_payment of an identified payment to its own customer');
SELECT is((SELECT unapplied_amount FROM ar.payment WHERE payment_id = :p), 50000::numeric,
          'with nothing open the money stays unapplied as the customer''s credit');
SELECT is((SELECT why_not_applied FROM ar.v_unmatched_payments WHERE payment_id = :p), 'customer_credit',
          'and the review list says a person dealt with it');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold at the end');

------------------------------------------------------------------------------
-- Two payments of one run wanting the same invoice
------------------------------------------------------------------------------
UPDATE ar.payment SET status = 'cancelled' WHERE status = 'received' AND matched_by IS NULL AND unapplied_amount = amount;
INSERT INTO ar.customer (customer_code, name, name_kana) VALUES ('M-TWICE', '二重商店', 'ﾆｼﾞﾕｳｼﾖｳﾃﾝ'),
                                                             ('M-ONCE', '一回商店', 'ｲﾂｶｲｼﾖｳﾃﾝ');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount) VALUES
  (pg_temp.cust('M-TWICE'), 'TW-1', current_date - 60, current_date - 30, 1000),
  (pg_temp.cust('M-TWICE'), 'TW-2', current_date - 30, current_date, 1000),
  (pg_temp.cust('M-ONCE'), 'ON-1', current_date - 30, current_date, 500);
SELECT pg_temp.pay(1000, 'ﾆｼﾞﾕｳｼﾖｳﾃﾝ') AS p_tw1 \gset
INSERT INTO pid VALUES ('p_tw1', :p_tw1);
SELECT pg_temp.pay(1000, 'ﾆｼﾞﾕｳｼﾖｳﾃﾝ') AS p_tw2 \gset
INSERT INTO pid VALUES ('p_tw2', :p_tw2);
SELECT pg_temp.pay(500, 'ｲﾂｶｲｼﾖｳﾃﾝ') AS p_on1 \gset
INSERT INTO pid VALUES ('p_on1', :p_on1);
SELECT pg_temp.pay(500, 'ｲﾂｶｲｼﾖｳﾃﾝ') AS p_on2 \gset
INSERT INTO pid VALUES ('p_on2', :p_on2);
SELECT is((SELECT invoice_ids FROM ar.match_decision(:p_tw2)), pg_temp.invs(ARRAY['TW-1']),
          'alone, the second payment is decided for the oldest invoice TW-1 too');
SELECT results_eq($$SELECT payment_id, allocations, outcome FROM ar.auto_apply() ORDER BY payment_id$$,
                  $$VALUES (pg_temp.p('p_tw1'), 1, 'applied'), (pg_temp.p('p_tw2'), 1, 'applied'),
                           (pg_temp.p('p_on1'), 1, 'applied'), (pg_temp.p('p_on2'), 0, 'changed')$$,
                  'the second payment for the same invoice is decided again: TW-2, or nothing left (changed)');
SELECT results_eq($$SELECT i.invoice_no, a.payment_id FROM ar.allocation a JOIN ar.invoice i USING (invoice_id)
                    WHERE i.invoice_no IN ('TW-1', 'TW-2', 'ON-1') ORDER BY 1$$,
                  $$VALUES ('ON-1', pg_temp.p('p_on1')), ('TW-1', pg_temp.p('p_tw1')), ('TW-2', pg_temp.p('p_tw2'))$$,
                  'each invoice is paid once');
SELECT results_eq($$SELECT matched_by, unapplied_amount FROM ar.payment WHERE payment_id = $$ || :p_on2,
                  $$VALUES (NULL::text, 500::numeric)$$, 'the payment that found nothing left waits for review');
SELECT is((SELECT auto_count FROM ar.payer_alias WHERE payer_name_norm = 'ニジユウシヨウテン'), 2,
          'both confirmations are counted');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the contended run');

-- One customer, two readings of the amount: one invoice (0.95) or the two
-- oldest (0.93), of other amounts: review.
INSERT INTO ar.customer (customer_code, name, name_kana) VALUES ('M-TWOWAYS', '二通商店', 'ﾌﾀﾄｵﾘｼﾖｳﾃﾝ');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount) VALUES
  (pg_temp.cust('M-TWOWAYS'), 'TWW-1', current_date - 90, current_date - 60, 100),
  (pg_temp.cust('M-TWOWAYS'), 'TWW-2', current_date - 60, current_date - 30, 200),
  (pg_temp.cust('M-TWOWAYS'), 'TWW-3', current_date - 30, current_date, 300);
SELECT pg_temp.pay(300, 'ﾌﾀﾄｵﾘｼﾖｳﾃﾝ') AS p \gset
SELECT results_eq($$SELECT score, runner_up_score, decision FROM ar.match_decision($$ || :p || $$)$$,
                  $$VALUES (0.95::real, 0.93::real, 'ambiguous')$$,
                  'the same customer''s runner-up within 0.05, with invoices of other amounts: ambiguous');
UPDATE ar.payment SET status = 'cancelled' WHERE payment_id = :p;

------------------------------------------------------------------------------
-- Roles: an accountant matches, a reader only looks
------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM ar.create_roles()), 5, 'the roles exist');
CREATE ROLE ar_test_match_acct; GRANT ar_accountant TO ar_test_match_acct;
CREATE ROLE ar_test_match_reader; GRANT ar_reader TO ar_test_match_reader;
SELECT pg_temp.pay(33000, 'ﾆｼﾞﾕｳｼﾖｳﾃﾝ') AS p_role \gset
SET ROLE ar_test_match_reader;
SELECT is((SELECT count(*)::int FROM ar.v_unmatched_payments WHERE payment_id = :p_role), 1,
          'a reader reads the review list');
SELECT is((SELECT count(*)::int FROM ar.match_payment(:p_role)), 1, 'a reader sees the candidates');
SELECT throws_ok($$SELECT * FROM ar.auto_apply()$$, '42501', NULL, 'a reader cannot run auto_apply');
RESET ROLE;
SET ROLE ar_test_match_acct;
SELECT lives_ok($$SELECT * FROM ar.auto_apply()$$, 'an accountant runs auto_apply');
SELECT lives_ok($$SELECT * FROM ar.assign_payment($$ || :p_role || $$, (SELECT customer_id FROM ar.customer WHERE customer_code = 'M-TWICE'))$$,
                'an accountant assigns a payment');
RESET ROLE;
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the accountant''s calls');

------------------------------------------------------------------------------
-- Catalog
------------------------------------------------------------------------------
SELECT is_empty($$SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'ar.payer_alias'::regclass AND a.attnum > 0
                   AND NOT a.attisdropped AND col_description(a.attrelid, a.attnum) IS NULL$$,
                'every column of ar.payer_alias has a comment');
SELECT is_empty($$SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'ar.v_unmatched_payments'::regclass AND a.attnum > 0
                   AND col_description(a.attrelid, a.attnum) IS NULL$$,
                'every column of ar.v_unmatched_payments has a comment');
SELECT ok((SELECT 'security_invoker=true' = ANY (reloptions) FROM pg_class WHERE oid = 'ar.v_unmatched_payments'::regclass),
          'the review view is security_invoker');
SELECT ok((SELECT 'ar.payer_alias'::regclass::oid = ANY (extconfig) FROM pg_extension WHERE extname = 'pg_receivables'),
          'payer_alias rows are dumped by pg_dump');

SELECT * FROM finish();
ROLLBACK;
