-- ar.verify_ledger(): every ledger invariant, checked set-based over the
-- whole book.  Returns one row per violation; no rows means the books hold.
-- Tests call it after every scenario; DBAs can call it after a restore, an
-- upgrade or a crash.

CREATE FUNCTION ar.verify_ledger()
  RETURNS TABLE (check_name text, object text, detail text)
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
  WITH alloc AS (
    SELECT a.invoice_id,
           pg_catalog.sum(a.amount) FILTER (WHERE a.reversed_on IS NULL) AS active
      FROM ar.allocation a GROUP BY a.invoice_id
  )
  SELECT 'invoice_open_amount', 'invoice ' || i.invoice_no,
         pg_catalog.format('open_amount %s <> amount %s - active allocations %s',
                           i.open_amount, i.amount, COALESCE(al.active, 0))
    FROM ar.invoice i LEFT JOIN alloc al ON al.invoice_id = i.invoice_id
   WHERE i.open_amount <> i.amount - COALESCE(al.active, 0)
  UNION ALL
  SELECT 'invoice_status', 'invoice ' || i.invoice_no,
         pg_catalog.format('status %s with open_amount %s of %s', i.status, i.open_amount, i.amount)
    FROM ar.invoice i
   WHERE (i.status = 'open' AND i.open_amount = 0)
      OR (i.status IN ('paid', 'written_off') AND i.open_amount <> 0)
      OR (i.status = 'void' AND i.open_amount <> i.amount)
  UNION ALL
  SELECT 'payment_unapplied_amount', 'payment ' || p.payment_id,
         pg_catalog.format('unapplied_amount %s <> amount %s - active allocations %s',
                           p.unapplied_amount, p.amount, COALESCE(s.active, 0))
    FROM ar.payment p
    LEFT JOIN (SELECT a.payment_id, pg_catalog.sum(a.amount) AS active FROM ar.allocation a
                WHERE a.kind = 'payment' AND a.reversed_on IS NULL GROUP BY a.payment_id) s
      ON s.payment_id = p.payment_id
   WHERE p.unapplied_amount <> p.amount - COALESCE(s.active, 0)
  UNION ALL
  SELECT 'credit_note_unapplied_amount', 'credit note ' || c.credit_note_no,
         pg_catalog.format('unapplied_amount %s <> amount %s - active allocations %s',
                           c.unapplied_amount, c.amount, COALESCE(s.active, 0))
    FROM ar.credit_note c
    LEFT JOIN (SELECT a.credit_note_id, pg_catalog.sum(a.amount) AS active FROM ar.allocation a
                WHERE a.kind = 'credit_note' AND a.reversed_on IS NULL GROUP BY a.credit_note_id) s
      ON s.credit_note_id = c.credit_note_id
   WHERE c.unapplied_amount <> c.amount - COALESCE(s.active, 0)
  UNION ALL
  SELECT 'negative_balance', t.what, t.detail
    FROM (SELECT 'invoice ' || invoice_no, 'open_amount ' || open_amount FROM ar.invoice WHERE open_amount < 0
          UNION ALL
          SELECT 'payment ' || payment_id, 'unapplied_amount ' || unapplied_amount FROM ar.payment WHERE unapplied_amount < 0
          UNION ALL
          SELECT 'credit note ' || credit_note_no, 'unapplied_amount ' || unapplied_amount FROM ar.credit_note WHERE unapplied_amount < 0
         ) AS t(what, detail)
  UNION ALL
  SELECT 'allocation_consistency', 'allocation ' || a.allocation_id,
         pg_catalog.format('invoice %s (%s, customer %s) settled from %s', i.invoice_no, i.currency, i.customer_id,
                           COALESCE('payment ' || p.payment_id || ' (' || p.currency || ', customer ' || p.customer_id || ')',
                                    'credit note ' || c.credit_note_no || ' (' || c.currency || ', customer ' || c.customer_id || ')'))
    FROM ar.allocation a
    JOIN ar.invoice i ON i.invoice_id = a.invoice_id
    LEFT JOIN ar.payment p ON p.payment_id = a.payment_id
    LEFT JOIN ar.credit_note c ON c.credit_note_id = a.credit_note_id
   WHERE a.customer_id <> i.customer_id
      OR p.currency <> i.currency OR p.customer_id IS DISTINCT FROM i.customer_id AND p.payment_id IS NOT NULL
      OR c.currency <> i.currency OR c.customer_id <> i.customer_id
$$;
COMMENT ON FUNCTION ar.verify_ledger() IS
  'Checks every ledger invariant over the whole book; returns one row per violation (none when the books hold)';
