-- Book and workload of the stress and crash tests (scripts/stress.sh,
-- test/scripts/crash_recovery.sh).  Run by psql in a fresh database with
-- pg_receivables installed, from the repository's top directory (the Zengin
-- generator is read from test/fixtures).
--
-- 60 customers with 30 invoices each, due from three months ago to a month
-- ahead, so that dunning finds work; a pool of 40 small Zengin files whose
-- transfers overlap (each transfer is in about two files, as when a bank
-- re-sends a period), so that concurrent imports race for the same bank
-- references.  Races the ledger functions answer with an error by design are
-- counted in stress.refused; anything else fails the transaction (and pgbench).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE SCHEMA stress;

INSERT INTO ar.customer (customer_code, name, name_kana, email, phone, address)
SELECT 'ST' || k, 'ストレス商事' || k, 'ｽﾄﾚｽｼﾖｳｼﾞ' || k, 'st' || k || '@example.com', '03-0000-' || lpad(k::text, 4, '0'), 'Tokyo'
  FROM generate_series(1, 60) k;
INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
SELECT c.customer_id, 'ST' || c.customer_id || '-' || n,
       current_date - 120 + (n * 4), current_date - 90 + (n * 4), 1000 * (1 + (n * 7919 + c.customer_id) % 97)
  FROM ar.customer c, generate_series(1, 30) n;

-- The Zengin pool: transfer k (1..80) is on date 2026-11-01 + k % 20 with
-- 照会番号 k; file j holds transfers j, j+17, j+37 and j+40 (mod 80).
\ir ../fixtures/zengin/generate.sql
CREATE TABLE stress.zengin_file (file_no integer PRIMARY KEY, data bytea NOT NULL);
INSERT INTO stress.zengin_file
SELECT j, pg_temp.zg_file(pg_temp.zg_group(
            pg_temp.zg_header(1, date '2026-11-22', date '2026-11-01', date '2026-11-21'),
            ARRAY(SELECT pg_temp.zg_data01(t.k, date '2026-11-01' + t.k % 20, 1000 * (1 + t.k % 50),
                                           'ｽﾄﾚｽｼﾖｳｼﾞ' || (1 + t.k % 60))
                    FROM (SELECT DISTINCT 1 + (j + o) % 80 AS k FROM unnest(ARRAY[0, 17, 37, 40]) o) t
                   ORDER BY t.k)) || pg_temp.zg_end())
  FROM generate_series(1, 40) j;

CREATE TABLE stress.refused (at timestamptz DEFAULT clock_timestamp(), what text, sqlstate text, message text);
CREATE TABLE stress.delivered (notification_id bigint NOT NULL, outcome text NOT NULL,
                               at timestamptz DEFAULT clock_timestamp());

CREATE FUNCTION stress.new_invoice() RETURNS void LANGUAGE sql AS $$
  INSERT INTO ar.invoice (customer_id, invoice_no, issue_date, due_date, amount)
  SELECT customer_id, 'SN-' || gen_random_uuid(), current_date - 40, current_date - floor(random() * 30)::int,
         1000 * (1 + floor(random() * 50))
    FROM ar.customer ORDER BY random() LIMIT 1;
$$;

-- A payment and its application by a random strategy; returns the payment.
CREATE FUNCTION stress.pay_and_apply() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  pid bigint;
BEGIN
  INSERT INTO ar.payment (customer_id, amount, received_on)
  SELECT customer_id, 1000 * (1 + floor(random() * 60)), current_date
    FROM ar.customer ORDER BY random() LIMIT 1
  RETURNING payment_id INTO pid;
  PERFORM ar.apply_payment(pid, (ARRAY['fifo', 'proportional', 'smallest_first', 'largest_first', 'exact_first'])
                                [1 + floor(random() * 5)]);
  RETURN pid;
END $$;

CREATE FUNCTION stress.reverse() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  aid bigint;
BEGIN
  SELECT allocation_id INTO aid FROM ar.allocation
   WHERE reversed_on IS NULL AND kind = 'payment'
   ORDER BY allocation_id DESC LIMIT 1 OFFSET floor(random() * 30);
  IF aid IS NULL THEN RETURN; END IF;
  PERFORM ar.reverse_allocation(aid, 'stress');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  INSERT INTO stress.refused (what, sqlstate, message) VALUES ('reverse', SQLSTATE, SQLERRM);
END $$;

CREATE FUNCTION stress.import_file() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  f integer := 1 + floor(random() * 40)::int;
  n integer;
BEGIN
  SELECT count(*) INTO n FROM ar.import_zengin((SELECT z.data FROM stress.zengin_file z WHERE z.file_no = f));
  RETURN n;
END $$;

-- Dunning runs as of 10:00 Tokyo time on the last business day before
-- today: notices are then due for sending at once (the send window of the
-- policy is business hours), so the workers have work.
CREATE TABLE stress.param AS
SELECT (max(d)::date + time '10:00') AT TIME ZONE 'Asia/Tokyo' AS dunning_as_of
  FROM generate_series(current_date - 10, current_date - 1, interval '1 day') d
 WHERE ar.is_business_day(d::date, 'JP');

CREATE FUNCTION stress.dunning() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  IF random() < 0.2 THEN
    PERFORM ar.housekeeping();
  END IF;
  SELECT count(*) INTO n FROM ar.run_dunning((SELECT dunning_as_of FROM stress.param));
  RETURN n;
END $$;

-- A delivery worker: queues two notices of its own (as alerts and manual
-- sends do) so that the outbox is never empty, then claims a few of a
-- channel, sends most and fails some (to be retried at once).
CREATE FUNCTION stress.deliver() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  chan text := (ARRAY['email', 'letter', 'sms', 'agency'])[1 + floor(random() * 4)];
  n ar.notification;
  k integer := 0;
BEGIN
  INSERT INTO ar.notification (customer_id, channel, recipient, subject, body)
  SELECT customer_id, chan, email, 'stress', 'stress notice' FROM ar.customer ORDER BY random() LIMIT 2;
  FOR n IN SELECT * FROM ar.claim_notifications(chan, 5, 'stress-' || pg_backend_pid()) LOOP
    IF random() < 0.8 THEN
      PERFORM ar.complete_notification(n.notification_id, 'ref-' || n.notification_id);
      INSERT INTO stress.delivered VALUES (n.notification_id, 'sent');
    ELSE
      PERFORM ar.fail_notification(n.notification_id, 'stress failure', interval '0');
      INSERT INTO stress.delivered VALUES (n.notification_id, 'failed');
    END IF;
    k := k + 1;
  END LOOP;
  RETURN k;
END $$;
