-- Invariants after a stress or crash run: one row per check, with the
-- number of violations (0 is a pass).  Used by scripts/stress.sh and
-- test/scripts/crash_recovery.sh.
SELECT 'ar.verify_ledger() is empty' AS check_name, count(*) AS violations FROM ar.verify_ledger()
UNION ALL
SELECT 'no negative or excess balance (invoices, payments, credit notes)',
       (SELECT count(*) FROM ar.invoice WHERE open_amount < 0 OR open_amount > amount)
     + (SELECT count(*) FROM ar.payment WHERE unapplied_amount < 0 OR unapplied_amount > amount)
     + (SELECT count(*) FROM ar.credit_note WHERE unapplied_amount < 0 OR unapplied_amount > amount)
UNION ALL
SELECT 'each invoice: amount = open + active allocations',
       count(*) FROM ar.invoice i
        WHERE i.status <> 'void'
          AND i.amount - i.open_amount <> COALESCE((SELECT sum(a.amount) FROM ar.allocation a
                                                     WHERE a.invoice_id = i.invoice_id AND a.reversed_on IS NULL), 0)
UNION ALL
SELECT 'each payment: amount = unapplied + active allocations',
       count(*) FROM ar.payment p
        WHERE p.amount - p.unapplied_amount <> COALESCE((SELECT sum(a.amount) FROM ar.allocation a
                                                          WHERE a.payment_id = p.payment_id AND a.reversed_on IS NULL), 0)
UNION ALL
SELECT 'no bank reference recorded twice',
       count(*) FROM (SELECT 1 FROM ar.payment WHERE bank_ref IS NOT NULL
                       GROUP BY COALESCE(source, ''), bank_ref HAVING count(*) > 1) d
UNION ALL
SELECT 'no dunning notice twice for an episode and step',
       count(*) FROM (SELECT 1 FROM ar.notification WHERE episode_id IS NOT NULL
                       GROUP BY episode_id, step_no, channel HAVING count(*) > 1) d
UNION ALL
SELECT 'at most one open dunning episode per customer and currency',
       count(*) FROM (SELECT 1 FROM ar.dunning_episode WHERE status = 'open'
                       GROUP BY customer_id, currency HAVING count(*) > 1) d
UNION ALL
SELECT 'outbox states consistent (lease iff sending, sent_at iff sent, attempts within bounds)',
       count(*) FROM ar.notification
        WHERE (status = 'sending') <> (locked_by IS NOT NULL AND locked_until IS NOT NULL)
           OR (status = 'sent') <> (sent_at IS NOT NULL)
           OR attempts > max_attempts
           OR (status = 'dead' AND attempts < max_attempts)
           OR (status IN ('sent', 'failed', 'dead') AND attempts = 0)
UNION ALL
SELECT 'every sent notice was completed by exactly one worker call',
       count(*) FROM ar.notification n
        WHERE (n.status = 'sent')::int
              <> (SELECT count(*) FROM stress.delivered d WHERE d.notification_id = n.notification_id AND d.outcome = 'sent')
UNION ALL
SELECT 'every sent notice has exactly one sent contact',
       count(*) FROM ar.notification n
        WHERE n.status = 'sent'
          AND (SELECT count(*) FROM ar.contact_log c WHERE c.notification_id = n.notification_id AND c.outcome = 'sent') <> 1
UNION ALL
SELECT 'every allocation is audited once as inserted',
       count(*) FROM ar.allocation a
        WHERE (SELECT count(*) FROM ar.audit_log l
                WHERE l.table_name = 'allocation' AND l.row_id = a.allocation_id AND l.op = 'INSERT') <> 1
UNION ALL
SELECT 'every reversal is audited once',
       count(*) FROM ar.allocation a
        WHERE a.reversed_on IS NOT NULL
          AND (SELECT count(*) FROM ar.audit_log l
                WHERE l.table_name = 'allocation' AND l.row_id = a.allocation_id AND l.op = 'UPDATE'
                  AND l.new ->> 'reversed_on' IS NOT NULL) <> 1
ORDER BY 1;
