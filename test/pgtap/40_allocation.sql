-- Allocation and the ledger functions: ar.allocate per strategy (hand-computed
-- results, largest-remainder cases that add up exactly, JPY and USD minor
-- units), ar.apply_payment per strategy, listed invoices, leftover cash,
-- effective dates, credit notes, write-offs, reversals, voids, the audit
-- trail of an application, and every bad input with its SQLSTATE and
-- message, each shown to change nothing.  ar.verify_ledger() stays empty.
BEGIN;
SELECT plan(149);

------------------------------------------------------------------------------
-- ar.allocate
------------------------------------------------------------------------------
SELECT is(ar.allocate(100, '{30,50,40}'), '{30,50,20}'::numeric[], 'fifo fills the balances in input order');
SELECT is(ar.allocate(100, '{30,50,40}', 'fifo'), '{30,50,20}'::numeric[], 'fifo is the default strategy');
SELECT is(ar.allocate(500, '{30,50,40}'), '{30,50,40}'::numeric[], 'more than the total pays every balance, no more');
SELECT is(ar.allocate(0, '{30,50,40}', 'proportional'), '{0,0,0}'::numeric[], 'nothing to allocate gives zeros');
SELECT is(ar.allocate(100, '{}'), '{}'::numeric[], 'no balances, an empty result');
SELECT is(ar.allocate(100, '{0,0}', 'proportional'), '{0,0}'::numeric[], 'zero balances take nothing');
SELECT is(ar.allocate(100, '{30,50,40}', 'proportional'), '{25,42,33}'::numeric[],
          'proportional 100 over 30/50/40: 25, 41.67 and 33.33, the unit to the largest remainder');
SELECT is(ar.allocate(100, '{100,100,100}', 'proportional'), '{34,33,33}'::numeric[],
          'proportional with equal remainders: the earliest balance gets the unit');
SELECT is(ar.allocate(200, '{100,100,100}', 'proportional'), '{67,67,66}'::numeric[],
          'proportional 200 over three equal balances');
SELECT is(ar.allocate(7, '{5,5,5,5}', 'proportional'), '{2,2,2,1}'::numeric[],
          'proportional 7 over four 5s: 1.75 each, three units by input order');
SELECT is(ar.allocate(1, '{1,2}', 'proportional'), '{0,1}'::numeric[],
          'proportional 1 over 1/2: the larger remainder wins, not the earlier position');
SELECT is(ar.allocate(120, '{30,50,40}', 'proportional'), '{30,50,40}'::numeric[],
          'proportional of exactly the total pays every balance');
SELECT is(ar.allocate(10.00, '{1,1,1}', 'proportional', 2), '{1.00,1.00,1.00}'::numeric[],
          'proportional in USD with enough money');
SELECT is(ar.allocate(10.00, '{10,10,10}', 'proportional', 2), '{3.34,3.33,3.33}'::numeric[],
          'proportional USD 10.00 over three equal balances: 3.34 + 3.33 + 3.33');
SELECT is(ar.allocate(100.00, '{33.33,33.33,33.34,0}', 'proportional', 2), '{33.33,33.33,33.34,0.00}'::numeric[],
          'proportional USD of the exact total, a zero balance gets 0.00');
SELECT is(ar.allocate(0.01, '{33.33,33.33,33.34}', 'proportional', 2), '{0.00,0.00,0.01}'::numeric[],
          'proportional of one cent goes to the largest remainder');
SELECT is(ar.allocate(1000, '{3,3,4}', 'fifo', 2)::text, '{3.00,3.00,4.00}',
          'results carry the minor unit''s scale (USD: two decimals)');
SELECT is(ar.allocate(1.5, '{1.25,1.25}', 'fifo', 2)::text, '{1.25,0.25}', 'fifo in USD');
SELECT is(ar.allocate(10000, '{3333,3333,3334}', 'proportional', 3)::text, '{3333.000,3333.000,3334.000}',
          'three-decimal currencies (KWD)');
SELECT is(ar.allocate(60, '{30,50,40}', 'smallest_first'), '{30,0,30}'::numeric[],
          'smallest_first: 30, then 30 of 40');
SELECT is(ar.allocate(60, '{30,50,40}', 'largest_first'), '{0,50,10}'::numeric[],
          'largest_first: 50, then 10 of 40');
SELECT is(ar.allocate(150, '{100,100,100}', 'smallest_first'), '{100,50,0}'::numeric[],
          'smallest_first breaks ties by input order');
SELECT is(ar.allocate(150, '{100,100,100}', 'largest_first'), '{100,50,0}'::numeric[],
          'largest_first breaks ties by input order');
SELECT is(ar.allocate(40, '{30,50,40}', 'exact_first'), '{0,0,40}'::numeric[],
          'exact_first: the balance equal to the amount takes it all');
SELECT is(ar.allocate(100, '{100,50,100}', 'exact_first'), '{100,0,0}'::numeric[],
          'exact_first: the first equal balance wins');
SELECT is(ar.allocate(45, '{30,50,40}', 'exact_first'), '{30,15,0}'::numeric[],
          'exact_first without an equal balance is fifo');
SELECT is(ar.allocate(100, '[0:2]={30,50,40}')::text, '[0:2]={30,50,20}',
          'the result keeps the subscripts of the balances');
SELECT is(ar.allocate(NULL, '{1}'), NULL, 'NULL amount gives NULL');
SELECT is(ar.allocate(1, NULL), NULL, 'NULL balances give NULL');
SELECT is(ar.allocate(92233720368547758.07, '{92233720368547758.07}', 'proportional', 2)::text,
          '{92233720368547758.07}', 'the largest amount in cents is allocated exactly');

-- Largest remainder adds up exactly and never exceeds a balance, over many books.
SELECT setseed(0.4242);
CREATE TEMP TABLE random_books AS
SELECT b.n, s.strategy, b.mu, b.amount, b.balances, ar.allocate(b.amount, b.balances, s.strategy, b.mu) AS parts
  FROM (SELECT n, mu,
               round((random() * 200000)::numeric / 10::numeric ^ mu, mu) AS amount,
               ARRAY(SELECT round((random() * 50000)::numeric / 10::numeric ^ mu, mu)
                       FROM generate_series(1, 1 + (n % 17)) WHERE n > 0) AS balances
          FROM generate_series(1, 300) n, LATERAL (SELECT (n % 3) * 1 AS mu) m) b,
       unnest(ARRAY['fifo', 'proportional', 'smallest_first', 'largest_first', 'exact_first']) s(strategy);
SELECT is((SELECT count(*)::int FROM random_books
            WHERE (SELECT sum(p) FROM unnest(parts) p) <> least(amount, (SELECT sum(b) FROM unnest(balances) b))),
          0, '1500 random allocations add up to min(amount, total) exactly');
SELECT is((SELECT count(*)::int FROM random_books, LATERAL unnest(parts, balances) u(p, b) WHERE p < 0 OR p > b),
          0, '... and no part is negative or above its balance');
SELECT is((SELECT count(*)::int FROM random_books, LATERAL unnest(parts) p WHERE p <> round(p, mu)),
          0, '... and every part is a whole number of minor units');

-- Bad input
SELECT throws_ok($$SELECT ar.allocate(100, '{1}', 'lifo')$$, '22023', 'unknown allocation strategy "lifo"',
                 'unknown strategy');
SELECT throws_ok($$SELECT ar.allocate(100, '{1}', 'FIFO')$$, '22023', 'unknown allocation strategy "FIFO"',
                 'strategy names are lower case');
SELECT throws_ok($$SELECT ar.allocate(-1, '{1}')$$, '22023', 'amount -1 must not be negative', 'negative amount');
SELECT throws_ok($$SELECT ar.allocate(5, '{1,-2}')$$, '22023', 'balance -2 at position 2 must not be negative',
                 'negative balance, named by position');
SELECT throws_ok($$SELECT ar.allocate(5, '{1,NULL}')$$, '22004', 'balance at position 2 is null', 'NULL balance');
SELECT throws_ok($$SELECT ar.allocate(100.5, '{1}')$$, '22023', 'amount 100.5 is not a whole number of minor units',
                 'JPY amount with a fraction');
SELECT throws_ok($$SELECT ar.allocate(1, '{1,0.005}', 'fifo', 2)$$, '22023',
                 'balance 0.005 at position 2 is not a whole number of minor units', 'USD balance below a cent');
SELECT throws_ok($$SELECT ar.allocate(1, '{1}', 'fifo', 5)$$, '22023', 'minor unit 5 is out of range', 'minor unit above 4');
SELECT throws_ok($$SELECT ar.allocate(1, '{1}', 'fifo', -1)$$, '22023', 'minor unit -1 is out of range', 'negative minor unit');
SELECT throws_ok($$SELECT ar.allocate('NaN', '{1}')$$, '22023', 'amount NaN is not a finite number', 'NaN amount');
SELECT throws_ok($$SELECT ar.allocate(1, '{Infinity}')$$, '22023', 'balance Infinity at position 1 is not a finite number',
                 'infinite balance');
SELECT throws_ok($$SELECT ar.allocate(1e19, '{1}')$$, '22003', 'amount 10000000000000000000 is out of range for allocation',
                 'amount beyond 64-bit minor units');
SELECT throws_ok($$SELECT ar.allocate(1, '{9000000000000000000,9000000000000000000}')$$, '22003',
                 'balances add up beyond the range of allocation at position 2', 'balances adding up beyond range');
SELECT throws_ok($$SELECT ar.allocate(1, '{{1,2},{3,4}}')$$, '22023',
                 'balances must be a one-dimensional array, not 2-dimensional', 'a matrix of balances');

------------------------------------------------------------------------------
-- A book
------------------------------------------------------------------------------
-- pg_temp.book(code, currency): a customer with three invoices issued
-- 2026-09-01: <code>-1 30,000 due 10-01, <code>-2 50,000 due 10-02,
-- <code>-3 40,000 due 10-03 (in USD: 300.00, 500.00, 400.00).
CREATE FUNCTION pg_temp.book(code text, cur char(3) DEFAULT 'JPY') RETURNS bigint LANGUAGE sql AS $$
  INSERT INTO ar.customer (customer_code, name, currency) VALUES (code, 'Customer ' || code, cur);
  INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount, currency)
  SELECT c.customer_id, code || '-' || v.k, date '2026-09-01', date '2026-09-30' + v.k,
         CASE WHEN cur = 'JPY' THEN v.amount ELSE v.amount / 100 END, cur
    FROM ar.customer c, (VALUES (1, 30000), (2, 50000), (3, 40000)) v(k, amount)
   WHERE c.customer_code = code;
  SELECT customer_id FROM ar.customer WHERE customer_code = code;
$$;
-- pg_temp.pay(code, amount, received_on): a payment of the customer.
CREATE FUNCTION pg_temp.pay(code text, amount numeric, received date DEFAULT date '2026-10-05') RETURNS bigint
LANGUAGE sql AS $$
  INSERT INTO ar.payment (customer_id, amount, received_on, currency)
  SELECT customer_id, amount, received, currency FROM ar.customer WHERE customer_code = code
  RETURNING payment_id;
$$;
CREATE FUNCTION pg_temp.inv(no text) RETURNS bigint LANGUAGE sql AS $$
  SELECT invoice_id FROM ar.invoice WHERE invoice_no = no;
$$;
-- The allocations of a call as text: invoice=amount@applied_on, in order.
CREATE FUNCTION pg_temp.shown(allocs ar.allocation[]) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(i.invoice_no || '=' || a.amount || '@' || a.applied_on, ' ' ORDER BY a.allocation_id)
    FROM unnest(allocs) a JOIN ar.invoice i USING (invoice_id);
$$;
CREATE FUNCTION pg_temp.opens(code text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(i.open_amount || ':' || i.status, ' ' ORDER BY i.invoice_no)
    FROM ar.invoice i JOIN ar.customer c USING (customer_id) WHERE c.customer_code = code;
$$;
-- The hint of the error a statement raises.
CREATE FUNCTION pg_temp.error_hint(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  h text;
BEGIN
  EXECUTE stmt;
  RETURN NULL;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
  RETURN h;
END
$$;
-- Everything a refused call must leave as it was.
CREATE FUNCTION pg_temp.book_state() RETURNS text LANGUAGE sql AS $$
  SELECT md5(concat_ws('|',
    (SELECT string_agg(concat_ws(':', invoice_id, open_amount, status, closed_on, void_reason), ',' ORDER BY invoice_id) FROM ar.invoice),
    (SELECT string_agg(concat_ws(':', payment_id, unapplied_amount, status), ',' ORDER BY payment_id) FROM ar.payment),
    (SELECT string_agg(concat_ws(':', credit_note_id, unapplied_amount), ',' ORDER BY credit_note_id) FROM ar.credit_note),
    (SELECT count(*) || ':' || count(reversed_on) FROM ar.allocation),
    (SELECT count(*) FROM ar.audit_log)));
$$;

------------------------------------------------------------------------------
-- ar.apply_payment: strategies against hand-computed results
------------------------------------------------------------------------------
SELECT pg_temp.book('F');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('F', 95000)))),
          'F-1=30000@2026-10-05 F-2=50000@2026-10-05 F-3=15000@2026-10-05',
          'fifo: oldest due date first, effective on the day the money was received');
SELECT is(pg_temp.opens('F'), '0:paid 0:paid 25000:open', 'fifo: two invoices paid, the third reduced');
SELECT is((SELECT unapplied_amount FROM ar.payment p JOIN ar.customer c USING (customer_id) WHERE c.customer_code = 'F'),
          0::numeric, 'fifo: the payment is fully applied');
SELECT is((SELECT closed_on FROM ar.invoice WHERE invoice_no = 'F-1'), date '2026-10-05',
          'a paid invoice closes on the effective date');

SELECT pg_temp.book('P');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('P', 100000), 'proportional')) ),
          'P-1=25000@2026-10-05 P-2=41667@2026-10-05 P-3=33333@2026-10-05',
          'proportional 100,000 over 30,000/50,000/40,000: 25,000 + 41,667 + 33,333');
SELECT is(pg_temp.opens('P'), '5000:open 8333:open 6667:open', 'proportional: every invoice keeps its share open');

SELECT pg_temp.book('S');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('S', 60000), 'smallest_first'))),
          'S-1=30000@2026-10-05 S-3=30000@2026-10-05', 'smallest_first: 30,000, then 30,000 of 40,000');
SELECT pg_temp.book('L');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('L', 60000), 'largest_first'))),
          'L-2=50000@2026-10-05 L-3=10000@2026-10-05', 'largest_first: 50,000, then 10,000 of 40,000');
SELECT pg_temp.book('E');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('E', 40000), 'exact_first'))),
          'E-3=40000@2026-10-05', 'exact_first: the invoice of exactly the amount, though not the oldest');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('E', 45000), 'exact_first'))),
          'E-1=30000@2026-10-05 E-2=15000@2026-10-05', 'exact_first without an exact match is fifo');

-- FIFO ties on the due date go by invoice id; due date beats issue order.
SELECT pg_temp.book('T');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'T-0', date '2026-08-01', date '2026-10-02', 7000 FROM ar.customer WHERE customer_code = 'T';
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('T', 85000)))),
          'T-1=30000@2026-10-05 T-2=50000@2026-10-05 T-0=5000@2026-10-05',
          'fifo: same due date, lower invoice id first; issue date does not matter');

-- FIFO beyond the first 16 open invoices.
INSERT INTO ar.customer (customer_code, name) VALUES ('M', 'Many invoices');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'M-' || lpad(k::text, 2, '0'), date '2026-09-01', date '2026-09-01' + k, 1000
  FROM ar.customer, generate_series(1, 40) k WHERE customer_code = 'M';
SELECT is((SELECT count(*)::int || ' ' || sum(a.amount) || ' ' || max(i.invoice_no)
             FROM ar.apply_payment(pg_temp.pay('M', 25500)) a JOIN ar.invoice i USING (invoice_id)),
          '26 25500 M-26', 'fifo reads on past 16 invoices when the money reaches further');
SELECT is(pg_temp.opens('M'), (SELECT string_agg(x, ' ') FROM (SELECT CASE WHEN k <= 25 THEN '0:paid'
                                                                                     WHEN k = 26 THEN '500:open'
                                                                                     ELSE '1000:open' END AS x
                                                                          FROM generate_series(1, 40) k ORDER BY k) s),
          '... and settles exactly those');

-- Listed invoices, in the listed order.
SELECT pg_temp.book('LI');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('LI', 55000), 'fifo',
                                                      ARRAY[pg_temp.inv('LI-3'), pg_temp.inv('LI-1')]))),
          'LI-3=40000@2026-10-05 LI-1=15000@2026-10-05', 'listed invoices are paid in the listed order');
SELECT is(pg_temp.opens('LI'), '15000:open 50000:open 0:paid', '... and the unlisted one is untouched');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('LI', 26000), 'proportional',
                                                      ARRAY[pg_temp.inv('LI-1'), pg_temp.inv('LI-2')]))),
          'LI-1=6000@2026-10-05 LI-2=20000@2026-10-05',
          'proportional over listed invoices: 26,000 over 15,000/50,000');
SELECT is(ar.apply_payment(pg_temp.pay('LI', 100), 'fifo', '{}')::text, NULL, 'an empty list applies nothing');

-- Leftover money stays unapplied as the customer's credit.
SELECT pg_temp.book('O');
SELECT is((SELECT sum(amount) FROM ar.apply_payment(pg_temp.pay('O', 150000))), 120000::numeric,
          'a payment larger than everything open pays everything');
SELECT is((SELECT unapplied_amount FROM ar.payment p JOIN ar.customer c USING (customer_id) WHERE c.customer_code = 'O'),
          30000::numeric, '... and keeps the rest unapplied');
SELECT is((SELECT count(*)::int FROM ar.apply_payment((SELECT payment_id FROM ar.payment p JOIN ar.customer c USING (customer_id)
                                                        WHERE c.customer_code = 'O'))),
          0, 'applying it again with nothing open does nothing');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'O-4', date '2026-10-20', date '2026-11-20', 12000 FROM ar.customer WHERE customer_code = 'O';
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment((SELECT payment_id FROM ar.payment p JOIN ar.customer c USING (customer_id)
                                                        WHERE c.customer_code = 'O')))),
          'O-4=12000@2026-10-20', 'unapplied cash goes to a later invoice, effective on its issue date');
SELECT is((SELECT unapplied_amount FROM ar.payment p JOIN ar.customer c USING (customer_id) WHERE c.customer_code = 'O'),
          18000::numeric, '... leaving 18,000 of credit');
SELECT is((SELECT count(*)::int FROM ar.apply_payment((SELECT payment_id FROM ar.payment p JOIN ar.customer c USING (customer_id)
                                                        WHERE c.customer_code = 'O'))),
          0, 'applying a payment twice in a row applies nothing more');

-- Effective dates.
SELECT pg_temp.book('D');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('D', 30000, date '2026-10-07'), 'fifo', NULL, date '2026-10-09'))),
          'D-1=30000@2026-10-09', 'an explicit applied_on is used');
SELECT is((SELECT closed_on FROM ar.invoice WHERE invoice_no = 'D-1'), date '2026-10-09', '... and closes the invoice on it');

-- Currencies: a USD payment goes only to USD invoices, in cents.
SELECT pg_temp.book('U', 'USD');
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount, currency)
SELECT customer_id, 'U-JPY', date '2026-09-01', date '2026-09-15', 9000, 'JPY' FROM ar.customer WHERE customer_code = 'U';
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('U', 1000.01), 'proportional'))),
          'U-1=250.00@2026-10-05 U-2=416.67@2026-10-05 U-3=333.34@2026-10-05',
          'proportional in USD: 1,000.01 over 300.00/500.00/400.00 in cents; the JPY invoice is skipped');
SELECT is(pg_temp.opens('U'), '50.00:open 83.33:open 66.66:open 9000:open', 'USD balances to the cent');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the applications');

------------------------------------------------------------------------------
-- The audit trail of an application
------------------------------------------------------------------------------
SELECT pg_temp.book('A');
CREATE TEMP TABLE before_apply AS
SELECT i.invoice_id, to_jsonb(i) AS j FROM ar.invoice i WHERE i.invoice_no LIKE 'A-%';
SELECT pg_temp.pay('A', 45000);
INSERT INTO before_apply SELECT p.payment_id, to_jsonb(p) FROM ar.payment p JOIN ar.customer c USING (customer_id)
 WHERE c.customer_code = 'A';
CREATE TEMP TABLE a_allocs AS
SELECT * FROM ar.apply_payment((SELECT payment_id FROM ar.payment p JOIN ar.customer c USING (customer_id)
                                 WHERE c.customer_code = 'A'));
SELECT is((SELECT count(*)::int FROM ar.audit_log l JOIN a_allocs a ON l.table_name = 'allocation' AND l.row_id = a.allocation_id
            WHERE l.op = 'INSERT' AND l.new = to_jsonb(a) AND l.old IS NULL),
          2, 'each new allocation is in the audit log as inserted');
-- An UPDATE is audited by exactly the columns it changed, old and new values.
CREATE FUNCTION pg_temp.changed(before jsonb, after jsonb) RETURNS jsonb[] LANGUAGE sql AS $$
  SELECT ARRAY[jsonb_object_agg(e.key, before -> e.key), jsonb_object_agg(e.key, e.value)]
    FROM jsonb_each(after) e WHERE (before -> e.key) IS DISTINCT FROM e.value
$$;
SELECT is((SELECT count(*)::int FROM ar.audit_log l JOIN before_apply b ON l.row_id = b.invoice_id
             JOIN ar.invoice i ON i.invoice_id = b.invoice_id
            WHERE l.table_name = 'invoice' AND l.op = 'UPDATE'
              AND ARRAY[l.old, l.new] = pg_temp.changed(b.j, to_jsonb(i))),
          2, 'each invoice change is in the audit log with exactly the columns it changed, old and new');
SELECT is((SELECT count(*)::int FROM ar.audit_log l JOIN ar.payment p ON l.row_id = p.payment_id
             JOIN ar.customer c USING (customer_id) JOIN before_apply b ON b.invoice_id = p.payment_id
            WHERE c.customer_code = 'A' AND l.table_name = 'payment' AND l.op = 'UPDATE'
              AND ARRAY[l.old, l.new] = pg_temp.changed(b.j, to_jsonb(p))),
          1, 'the payment change is in the audit log with exactly the columns it changed, old and new');
SELECT is((SELECT count(*)::int FROM ar.audit_log l JOIN before_apply b ON l.row_id = b.invoice_id
            WHERE l.table_name = 'invoice' AND l.op = 'UPDATE' AND l.row_id = pg_temp.inv('A-3')),
          0, 'an invoice the money did not reach is not in the audit log');

------------------------------------------------------------------------------
-- Credit notes
------------------------------------------------------------------------------
SELECT pg_temp.book('CN');
INSERT INTO ar.credit_note (customer_id, credit_note_no, issue_date, amount, reason, invoice_id)
SELECT customer_id, 'CN-A', date '2026-10-10', 60000, 'returned goods', pg_temp.inv('CN-2')
  FROM ar.customer WHERE customer_code = 'CN';
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_credit_note((SELECT credit_note_id FROM ar.credit_note WHERE credit_note_no = 'CN-A'))) ),
          'CN-2=50000@2026-10-10 CN-1=10000@2026-10-10',
          'a credit note goes to the invoice it names first, the rest by fifo, effective on its issue date');
SELECT is((SELECT unapplied_amount FROM ar.credit_note WHERE credit_note_no = 'CN-A'), 0::numeric, '... and is used up');
INSERT INTO ar.credit_note (customer_id, credit_note_no, issue_date, amount, reason)
SELECT customer_id, 'CN-B', date '2026-08-15', 50000, 'volume rebate' FROM ar.customer WHERE customer_code = 'CN';
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_credit_note((SELECT credit_note_id FROM ar.credit_note WHERE credit_note_no = 'CN-B'),
                                                          'largest_first'))),
          'CN-1=10000@2026-09-01 CN-3=40000@2026-09-01',
          'a credit note without an invoice follows the strategy (largest first: 40,000 to CN-3, 10,000 to CN-1), effective no earlier than the invoice''s issue');
SELECT pg_temp.book('CL');
INSERT INTO ar.credit_note (customer_id, credit_note_no, issue_date, amount, invoice_id)
SELECT customer_id, 'CL-A', date '2026-10-10', 5000, pg_temp.inv('CL-2') FROM ar.customer WHERE customer_code = 'CL';
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_credit_note((SELECT credit_note_id FROM ar.credit_note WHERE credit_note_no = 'CL-A'),
                                                          'fifo', ARRAY[pg_temp.inv('CL-3')]))),
          'CL-3=5000@2026-10-10', 'a list given overrides the invoice the credit note names');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the credit notes');

------------------------------------------------------------------------------
-- Write-offs
------------------------------------------------------------------------------
SELECT pg_temp.book('W');
SELECT is((SELECT (amount, kind, reason, applied_on)::text FROM ar.write_off(pg_temp.inv('W-1'), 1500, 'small balance')),
          '(1500,write_off,"small balance",' || GREATEST(current_date, date '2026-09-01') || ')',
          'a partial write-off, effective today');
SELECT is(pg_temp.opens('W'), '28500:open 50000:open 40000:open', '... reduces the invoice');
SELECT is((SELECT amount FROM ar.write_off(pg_temp.inv('W-1'))), 28500::numeric, 'NULL writes off the whole open amount');
SELECT is((SELECT status FROM ar.invoice WHERE invoice_no = 'W-1'), 'written_off', '... and the invoice is written_off');
SELECT is((SELECT applied_on FROM ar.write_off(pg_temp.inv('W-2'), 100, NULL, date '2026-10-31')), date '2026-10-31',
          'a write-off may be effective on a given date (month-end close)');
SELECT ar.apply_payment(pg_temp.pay('W', 49900), 'fifo', ARRAY[pg_temp.inv('W-2')]);
SELECT is((SELECT status FROM ar.invoice WHERE invoice_no = 'W-2'), 'written_off',
          'an invoice closed by a payment after a partial write-off counts as written_off');

------------------------------------------------------------------------------
-- Reversal and re-application
------------------------------------------------------------------------------
SELECT pg_temp.book('R');
CREATE TEMP TABLE r_allocs AS SELECT * FROM ar.apply_payment(pg_temp.pay('R', 60000));
SELECT lives_ok($$SELECT ar.reverse_allocation((SELECT allocation_id FROM r_allocs a WHERE a.invoice_id = pg_temp.inv('R-1')),
                                              'applied to the wrong invoice')$$, 'reversing an allocation');
SELECT is(pg_temp.opens('R'), '30000:open 20000:open 40000:open', 'the reversal reopens the invoice');
SELECT is((SELECT unapplied_amount FROM ar.payment WHERE payment_id = (SELECT payment_id FROM r_allocs LIMIT 1)),
          30000::numeric, '... and gives the money back to the payment');
SELECT is((SELECT (a.reversed_on, a.reversal_reason)::text FROM ar.allocation a JOIN r_allocs r USING (allocation_id)
            WHERE r.invoice_id = pg_temp.inv('R-1')),
          '(' || current_date || ',"applied to the wrong invoice")', 'the allocation is marked, effective today');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment((SELECT payment_id FROM r_allocs LIMIT 1), 'fifo',
                                                      ARRAY[pg_temp.inv('R-3')]))),
          'R-3=30000@2026-10-05', 're-applying the money to the right invoice');
SELECT lives_ok($$SELECT ar.reverse_allocation((SELECT allocation_id FROM r_allocs a WHERE a.invoice_id = pg_temp.inv('R-2')),
                                              'cheque returned', date '2026-10-20')$$, 'a reversal with an effective date');
SELECT is((SELECT a.reversed_on FROM ar.allocation a JOIN r_allocs r USING (allocation_id) WHERE r.invoice_id = pg_temp.inv('R-2')),
          date '2026-10-20', '... is recorded on that date');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after reversals and re-application');

------------------------------------------------------------------------------
-- Void
------------------------------------------------------------------------------
SELECT pg_temp.book('V');
SELECT lives_ok($$SELECT ar.void_invoice(pg_temp.inv('V-1'), 'duplicate of V-2')$$, 'voiding an unallocated invoice');
SELECT is((SELECT (status, void_reason, open_amount)::text FROM ar.invoice WHERE invoice_no = 'V-1'),
          '(void,"duplicate of V-2",30000)', 'a void invoice keeps its reason');
SELECT is(pg_temp.shown(ARRAY(SELECT ar.apply_payment(pg_temp.pay('V', 10000))) ),
          'V-2=10000@2026-10-05', 'a void invoice takes no payment');
SELECT ar.reverse_allocation((SELECT allocation_id FROM ar.allocation WHERE invoice_id = pg_temp.inv('V-2')), 'to void V-2');
SELECT lives_ok($$SELECT ar.void_invoice(pg_temp.inv('V-2'), 'issued in error')$$,
                'an invoice whose allocations are all reversed may be voided');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after voids');

------------------------------------------------------------------------------
-- Bad input: precise errors, nothing changed
------------------------------------------------------------------------------
SELECT pg_temp.book('X');
SELECT pg_temp.book('Y');
SELECT pg_temp.book('XU', 'USD');
SELECT pg_temp.pay('X', 10000) AS px \gset
INSERT INTO ar.payment (amount, payer_name, received_on) VALUES (5000, 'ﾌﾒｲ', date '2026-10-05') RETURNING payment_id AS punk \gset
SELECT pg_temp.pay('X', 7000) AS pcan \gset
UPDATE ar.payment SET status = 'cancelled' WHERE payment_id = :pcan;
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount, currency)
SELECT customer_id, 'X-USD', date '2026-09-01', date '2026-10-01', 100, 'USD' FROM ar.customer WHERE customer_code = 'X';
SELECT ar.write_off(pg_temp.inv('X-2'), NULL, 'bad debt');
SELECT ar.void_invoice(pg_temp.inv('X-3'), 'cancelled order');
SELECT allocation_id AS xalloc FROM ar.apply_payment(pg_temp.pay('X', 1000), 'fifo', ARRAY[pg_temp.inv('X-1')]) \gset
SELECT ar.reverse_allocation(:xalloc, 'test');
SELECT allocation_id AS xwo FROM ar.allocation WHERE kind = 'write_off' AND invoice_id = pg_temp.inv('X-2') \gset
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT customer_id, 'XY-LATE', date '2026-10-08', date '2026-10-09', 100 FROM ar.customer WHERE customer_code = 'Y';
SELECT pg_temp.pay('Y', 100) AS py \gset
SELECT pg_temp.book_state() AS state0 \gset

SELECT throws_ok('SELECT ar.apply_payment(999999999)', '22023', 'unknown payment 999999999', 'unknown payment');
SELECT throws_ok('SELECT ar.apply_payment(NULL)', '22004', 'payment_id must not be null', 'NULL payment');
SELECT throws_ok(format('SELECT ar.apply_payment(%s)', :punk), '55000', format('payment %s has no customer yet', :punk),
                 'a payment without a customer');
SELECT throws_like(format('SELECT ar.apply_payment(%s)', :punk), '%has no customer yet%', '... (message)');
SELECT matches(pg_temp.error_hint(format('SELECT ar.apply_payment(%s)', :punk)), 'ar\.assign_payment',
               '... with a hint naming ar.assign_payment');
SELECT throws_ok(format('SELECT ar.apply_payment(%s)', :pcan), '55000', format('payment %s is cancelled', :pcan),
                 'a cancelled payment');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''lifo'')', :px), '22023', 'unknown allocation strategy "lifo"',
                 'unknown strategy');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, NULL)', :px), '22004', 'allocation strategy must not be null',
                 'NULL strategy');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', ARRAY[%s])', :px, pg_temp.inv('X-USD')), '22023',
                 format('invoice X-USD is in USD but payment %s is in JPY', :px), 'currency mismatch');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', ARRAY[%s])', :px, pg_temp.inv('Y-1')), '22023',
                 format('invoice Y-1 belongs to customer Y, not to customer X of payment %s', :px),
                 'an invoice of another customer');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', ARRAY[%s, %s])', :px, pg_temp.inv('X-1'), pg_temp.inv('X-2')),
                 '55000', 'invoice X-2 is written_off and cannot take allocations', 'a closed (written-off) invoice');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', ARRAY[%s])', :px, pg_temp.inv('X-3')),
                 '55000', 'invoice X-3 is void and cannot take allocations', 'a void invoice');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', ARRAY[%s, 999999999])', :px, pg_temp.inv('X-1')),
                 '22023', 'unknown invoice 999999999', 'an unknown listed invoice');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', ARRAY[%s, NULL])', :px, pg_temp.inv('X-1')),
                 '22004', format('invoice_ids of payment %s contains a null at position 2', :px), 'a NULL in the list');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', ARRAY[%s, %s])', :px, pg_temp.inv('X-1'), pg_temp.inv('X-1')),
                 '22023', format('invoice X-1 is listed more than once for payment %s', :px), 'an invoice listed twice');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', NULL, date ''2026-10-01'')', :px), '22023',
                 format('applied_on 2026-10-01 is before payment %s was received on 2026-10-05', :px),
                 'applied_on before the receipt');
SELECT throws_ok(format('SELECT ar.apply_payment(%s, ''fifo'', ARRAY[%s], date ''2026-10-06'')', :py, pg_temp.inv('XY-LATE')),
                 '22023', 'applied_on 2026-10-06 is before invoice XY-LATE was issued on 2026-10-08',
                 'applied_on before the invoice was issued');

SELECT throws_ok('SELECT ar.apply_credit_note(999999999)', '22023', 'unknown credit note 999999999', 'unknown credit note');
SELECT throws_ok('SELECT ar.apply_credit_note(NULL)', '22004', 'credit_note_id must not be null', 'NULL credit note');

SELECT throws_ok('SELECT ar.write_off(999999999)', '22023', 'unknown invoice 999999999', 'write-off: unknown invoice');
SELECT throws_ok(format('SELECT ar.write_off(%s, -5)', pg_temp.inv('X-1')), '22023',
                 'write-off amount -5 of invoice X-1 must be greater than zero', 'write-off: negative amount');
SELECT throws_ok(format('SELECT ar.write_off(%s, 0)', pg_temp.inv('X-1')), '22023',
                 'write-off amount 0 of invoice X-1 must be greater than zero', 'write-off: zero');
SELECT throws_ok(format('SELECT ar.write_off(%s, 30001)', pg_temp.inv('X-1')), '22023',
                 'write-off amount 30001 exceeds the open amount 30000 of invoice X-1', 'write-off: more than is open');
SELECT throws_ok(format('SELECT ar.write_off(%s, 10.5)', pg_temp.inv('X-1')), '22023',
                 'write-off amount 10.5 of invoice X-1 is not a whole number of JPY minor units', 'write-off: fraction of a yen');
SELECT throws_ok(format('SELECT ar.write_off(%s)', pg_temp.inv('X-2')), '55000',
                 'invoice X-2 is written_off and cannot be written off', 'write-off: a closed invoice');
SELECT throws_ok(format('SELECT ar.write_off(%s, NULL, NULL, date ''2026-08-01'')', pg_temp.inv('X-1')), '22023',
                 'applied_on 2026-08-01 is before invoice X-1 was issued on 2026-09-01', 'write-off: before the invoice');

SELECT throws_ok('SELECT ar.reverse_allocation(999999999, ''x'')', '22023', 'unknown allocation 999999999',
                 'reversal: unknown allocation');
SELECT throws_ok(format('SELECT ar.reverse_allocation(%s, ''again'')', :xalloc), '55000',
                 format('allocation %s is already reversed (on %s)', :xalloc, current_date), 'reversing twice');
SELECT throws_ok(format('SELECT ar.reverse_allocation(%s, NULL)', :xalloc), '22023', 'a reversal needs a reason',
                 'reversal: no reason');
SELECT throws_ok(format('SELECT ar.reverse_allocation(%s, ''  '')', :xalloc), '22023', 'a reversal needs a reason',
                 'reversal: a blank reason');
SELECT throws_ok(format('SELECT ar.reverse_allocation(%s, ''early'', date ''2026-10-01'')', :xwo), '22023',
                 format('reversed_on 2026-10-01 is before allocation %s was applied on %s', :xwo, current_date),
                 'reversal: effective before the allocation');

SELECT throws_ok('SELECT ar.void_invoice(999999999, ''x'')', '22023', 'unknown invoice 999999999', 'void: unknown invoice');
SELECT throws_ok(format('SELECT ar.void_invoice(%s, ''x'')', pg_temp.inv('X-2')), '55000',
                 'invoice X-2 has active allocations and cannot be voided', 'void: an allocated invoice');
SELECT throws_ok(format('SELECT ar.void_invoice(%s, ''again'')', pg_temp.inv('X-3')), '55000',
                 'invoice X-3 is already void', 'void: twice');
SELECT throws_ok(format('SELECT ar.void_invoice(%s, '''')', pg_temp.inv('X-1')), '22023',
                 'voiding an invoice needs a reason', 'void: no reason');

SELECT is(pg_temp.book_state(), :'state0', 'none of the refused calls changed anything');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold after the refused calls');

------------------------------------------------------------------------------
-- Interface
------------------------------------------------------------------------------
SELECT has_function('ar', 'apply_payment', ARRAY['bigint', 'text', 'bigint[]', 'date'], 'ar.apply_payment signature');
SELECT has_function('ar', 'apply_credit_note', ARRAY['bigint', 'text', 'bigint[]'], 'ar.apply_credit_note signature');
SELECT has_function('ar', 'allocate', ARRAY['numeric', 'numeric[]', 'text', 'integer'], 'ar.allocate signature');
SELECT function_returns('ar', 'apply_payment', ARRAY['bigint', 'text', 'bigint[]', 'date'], 'setof ar.allocation',
                        'ar.apply_payment returns SETOF ar.allocation');
SELECT function_returns('ar', 'write_off', ARRAY['bigint', 'numeric', 'text', 'date'], 'ar.allocation',
                        'ar.write_off returns ar.allocation');
SELECT is((SELECT provolatile::text || proisstrict::text || proparallel::text FROM pg_proc WHERE oid = 'ar.allocate'::regproc),
          'itrues', 'ar.allocate is IMMUTABLE STRICT PARALLEL SAFE');
SELECT lives_ok($$SELECT ar.write_off(pg_temp.inv('Y-2'), 10, 'SPEC signature')$$, 'ar.write_off(invoice, amount, reason)');
SELECT lives_ok($$SELECT ar.reverse_allocation((SELECT max(allocation_id) FROM ar.allocation WHERE reversed_on IS NULL
                                                  AND kind = 'write_off'), 'SPEC signature')$$,
                'ar.reverse_allocation(allocation, reason)');
SELECT is((SELECT count(*)::int FROM pg_proc p
            WHERE p.pronamespace = 'ar'::regnamespace
              AND p.proname IN ('allocate', 'check_allocation_strategy', 'apply_payment', 'apply_credit_note', 'write_off',
                                'reverse_allocation', 'void_invoice', 'allocation_targets', 'require_id', 'lock_customer',
                                'raise_balance_error')
              AND (obj_description(p.oid, 'pg_proc') IS NULL
                   OR (p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
                       AND NOT 'search_path=pg_catalog, pg_temp' = ANY (COALESCE(p.proconfig, '{}'))))),
          0, 'every allocation function has a comment and a pinned search_path');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the books hold at the end');

SELECT * FROM finish();
ROLLBACK;
