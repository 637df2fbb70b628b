-- The demo book: deterministic by seed, realistic, consistent, continued
-- day by day by ar.demo_advance, and its arguments checked.
BEGIN;
SELECT plan(19);

CREATE FUNCTION pg_temp.fingerprint() RETURNS text LANGUAGE sql AS $$
  SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
    SELECT 'c:' || customer_code || name || COALESCE(name_kana, '') || payment_terms::text || currency FROM ar.customer
    UNION ALL SELECT 'i:' || invoice_no || issue_date || due_date || amount || open_amount || status FROM ar.invoice
    UNION ALL SELECT 'p:' || bank_ref || received_on || amount || unapplied_amount || COALESCE(payer_name, '') FROM ar.payment
    UNION ALL SELECT 'a:' || i.invoice_no || a.kind || a.amount || a.applied_on
                FROM ar.allocation a JOIN ar.invoice i USING (invoice_id)
    UNION ALL SELECT 'd:' || i.invoice_no || d.opened_on FROM ar.dispute d JOIN ar.invoice i USING (invoice_id)
    UNION ALL SELECT 'r:' || c.customer_code || pr.amount || pr.promised_on
                FROM ar.promise pr JOIN ar.customer c USING (customer_id)) t(x)
$$;

SAVEPOINT first;
SELECT ar.generate_demo_data(60, 8, 7, date '2026-01-01', date '2026-08-31');
SELECT pg_temp.fingerprint() AS fp1 \gset
ROLLBACK TO SAVEPOINT first;
SELECT ar.generate_demo_data(60, 8, 7, date '2026-01-01', date '2026-08-31');
SELECT is(pg_temp.fingerprint(), :'fp1', 'the same seed gives the same book');

SELECT is((SELECT count(*)::int FROM ar.customer), 60, 'customers as asked');
SELECT is((SELECT count(*)::int FROM ar.invoice), 60 * 8, 'invoices as asked (all issued by "through")');
SELECT is_empty('SELECT * FROM ar.verify_ledger()', 'the demo book satisfies every ledger invariant');
SELECT ok((SELECT count(*) FILTER (WHERE locale = 'ja') BETWEEN 30 AND 58 AND count(*) FILTER (WHERE locale = 'en') >= 2
             FROM ar.customer), 'mostly Japanese customers, some English ones');
SELECT ok((SELECT bool_and(name_kana ~ '^[ァ-ヶー]+$') FROM ar.customer WHERE locale = 'ja'), 'Japanese customers have kana');
SELECT ok((SELECT count(DISTINCT payment_terms::text) >= 4 FROM ar.customer), 'several kinds of payment terms');
SELECT ok((SELECT count(DISTINCT metadata ->> 'behaviour') = 4 FROM ar.customer), 'four behaviour types');
SELECT ok((SELECT avg(i.closed_on - i.due_date) FILTER (WHERE c.metadata ->> 'behaviour' = 'prompt')
                < avg(i.closed_on - i.due_date) FILTER (WHERE c.metadata ->> 'behaviour' = 'late')
             FROM ar.invoice i JOIN ar.customer c USING (customer_id) WHERE i.status = 'paid'),
          'late payers pay later than prompt ones');
SELECT ok((SELECT count(*) FROM ar.payment p WHERE p.reference IS NULL AND p.customer_id IS NOT NULL) > 0,
          'some transfers pay two invoices at once');
SELECT ok((SELECT count(*) FROM ar.allocation WHERE kind = 'fee') > 0, 'some transfers deduct the bank fee');
SELECT ok((SELECT count(*) FROM ar.invoice WHERE status = 'open' AND open_amount < amount) > 0, 'some invoices are partly paid');
SELECT ok((SELECT count(*) FROM ar.invoice WHERE status = 'open' AND due_date < date '2026-08-31') > 0, 'some invoices are overdue');
SELECT ok((SELECT count(*) FROM ar.customer WHERE payment_terms::text LIKE 'close%') > 0, '締め terms are among them');

-- Continue day by day.
SELECT ok((SELECT (ar.demo_advance(date '2026-09-30') ->> 'payments')::int > 0), 'demo_advance writes the next days');
SELECT ok((SELECT count(*) > 0 FROM ar.payment WHERE received_on > date '2026-08-31' AND unapplied_amount = amount),
          '... its payments arrive unapplied, as from the bank');
SELECT throws_ok($$SELECT ar.demo_advance(date '2026-09-01')$$, '22023', 'the demo book already runs through 2026-09-30',
                 'advancing into the past is refused');
SELECT throws_ok($$SELECT ar.generate_demo_data(10)$$, '55000', 'this database already holds a demo book',
                 'a second demo book is refused');
SELECT throws_ok($$SELECT ar.generate_demo_data(0)$$, '22023', 'customers must be between 1 and 10000000, not 0',
                 'customers must be positive');

SELECT * FROM finish();
ROLLBACK;
