-- Dunning: what pauses it (disputes, promises, holds) and what it remembers
-- (episodes, events, interest charged).  See docs/dunning.md.

------------------------------------------------------------------------------
-- Disputes: an open dispute takes its invoice out of dunning.
------------------------------------------------------------------------------

CREATE TABLE ar.dispute (
  dispute_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES ar.customer,
  invoice_id  bigint NOT NULL REFERENCES ar.invoice,
  amount      numeric NOT NULL CHECK (amount > 0),
  reason      text NOT NULL CHECK (reason <> ''),
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'rejected')),
  opened_on   date NOT NULL DEFAULT CURRENT_DATE,
  resolved_on date,
  resolution  text,
  created_by  text NOT NULL DEFAULT CURRENT_USER,
  created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at  timestamptz,
  CONSTRAINT dispute_resolved_when_closed CHECK ((status = 'open') = (resolved_on IS NULL)),
  CONSTRAINT dispute_resolved_after_opened CHECK (resolved_on >= opened_on)
);
CREATE INDEX dispute_open_invoice_idx ON ar.dispute (invoice_id) WHERE status = 'open';
CREATE INDEX dispute_customer_idx ON ar.dispute (customer_id, opened_on);
COMMENT ON TABLE ar.dispute IS 'Disputes raised by customers about invoices; an open dispute takes its invoice out of dunning';
COMMENT ON COLUMN ar.dispute.dispute_id IS 'Surrogate key';
COMMENT ON COLUMN ar.dispute.customer_id IS 'Customer of the invoice (filled in when omitted)';
COMMENT ON COLUMN ar.dispute.invoice_id IS 'Invoice disputed';
COMMENT ON COLUMN ar.dispute.amount IS 'Amount disputed (defaults to the invoice''s open amount; at most its amount)';
COMMENT ON COLUMN ar.dispute.reason IS 'What the customer disputes';
COMMENT ON COLUMN ar.dispute.status IS 'open, resolved or rejected';
COMMENT ON COLUMN ar.dispute.opened_on IS 'Date the dispute was raised';
COMMENT ON COLUMN ar.dispute.resolved_on IS 'Date it was resolved or rejected';
COMMENT ON COLUMN ar.dispute.resolution IS 'How it ended (credit note issued, customer withdrew, ...)';
COMMENT ON COLUMN ar.dispute.created_by IS 'Role that recorded it';
COMMENT ON COLUMN ar.dispute.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.dispute.updated_at IS 'When the row was last changed';

CREATE FUNCTION ar.tg_dispute_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  inv ar.invoice;
BEGIN
  SELECT * INTO inv FROM ar.invoice i WHERE i.invoice_id = NEW.invoice_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown invoice %', NEW.invoice_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.customer_id := COALESCE(NEW.customer_id, inv.customer_id);
  IF NEW.customer_id <> inv.customer_id THEN
    RAISE EXCEPTION 'invoice % belongs to customer %, not %', inv.invoice_no, inv.customer_id, NEW.customer_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.amount := COALESCE(NEW.amount, inv.open_amount);
    IF inv.status = 'void' THEN
      RAISE EXCEPTION 'invoice % is void and cannot be disputed', inv.invoice_no
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
  ELSIF OLD.status <> 'open' AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'dispute % is already %', OLD.dispute_id, OLD.status
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Open a new dispute if the customer raises the matter again.';
  END IF;
  IF NEW.amount > inv.amount THEN
    RAISE EXCEPTION 'disputed amount % exceeds the amount % of invoice %', NEW.amount, inv.amount, inv.invoice_no
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM ar.check_money(NEW.amount, inv.currency, pg_catalog.format('dispute of invoice %s', inv.invoice_no));
  IF NEW.status <> 'open' THEN
    NEW.resolved_on := COALESCE(NEW.resolved_on, CURRENT_DATE);
  END IF;
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_dispute_check() IS 'Trigger: validates disputes (internal)';
CREATE TRIGGER dispute_check BEFORE INSERT OR UPDATE ON ar.dispute
  FOR EACH ROW EXECUTE FUNCTION ar.tg_dispute_check();

------------------------------------------------------------------------------
-- Promises to pay: a pending promise pauses dunning of the customer.
------------------------------------------------------------------------------

CREATE TABLE ar.promise (
  promise_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES ar.customer,
  amount       numeric NOT NULL CHECK (amount > 0),
  currency     char(3) NOT NULL REFERENCES ar.currency,
  made_on      date NOT NULL DEFAULT CURRENT_DATE,
  promised_on  date NOT NULL,
  grace_days   integer NOT NULL DEFAULT 3 CHECK (grace_days BETWEEN 0 AND 60),
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'kept', 'broken', 'cancelled')),
  evaluated_on date,
  paid_amount  numeric,
  created_by   text NOT NULL DEFAULT CURRENT_USER,
  note         text,
  created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at   timestamptz,
  CONSTRAINT promise_not_in_past CHECK (promised_on >= made_on)
);
CREATE INDEX promise_pending_idx ON ar.promise (customer_id) WHERE status = 'pending';
-- A customer's whole promise history (agency case files, the worklist).
CREATE INDEX promise_customer_idx ON ar.promise (customer_id, made_on);
COMMENT ON TABLE ar.promise IS
  'Promises to pay (支払約束): a pending promise pauses dunning until promised_on + grace_days; evaluate_promises marks it kept or broken';
COMMENT ON COLUMN ar.promise.promise_id IS 'Surrogate key';
COMMENT ON COLUMN ar.promise.customer_id IS 'Customer who promised';
COMMENT ON COLUMN ar.promise.amount IS 'Amount promised';
COMMENT ON COLUMN ar.promise.currency IS 'Currency of the amount (defaults to the customer''s)';
COMMENT ON COLUMN ar.promise.made_on IS 'Date the promise was made; payments from this date count toward it';
COMMENT ON COLUMN ar.promise.promised_on IS 'Date the customer promised to pay by';
COMMENT ON COLUMN ar.promise.grace_days IS 'Days after promised_on before the promise counts as broken';
COMMENT ON COLUMN ar.promise.status IS 'pending, kept, broken or cancelled';
COMMENT ON COLUMN ar.promise.evaluated_on IS 'Date evaluate_promises decided kept or broken';
COMMENT ON COLUMN ar.promise.paid_amount IS 'Payments received from made_on to evaluation, as counted then';
COMMENT ON COLUMN ar.promise.created_by IS 'Role that recorded it';
COMMENT ON COLUMN ar.promise.note IS 'Free text (who promised, how)';
COMMENT ON COLUMN ar.promise.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.promise.updated_at IS 'When the row was last changed';

CREATE FUNCTION ar.tg_promise_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF NEW.currency IS NULL THEN
    SELECT c.currency INTO NEW.currency FROM ar.customer c WHERE c.customer_id = NEW.customer_id;
  END IF;
  PERFORM ar.check_money(NEW.amount, NEW.currency, 'promise');
  IF NEW.promised_on < NEW.made_on THEN
    RAISE EXCEPTION 'promised date % is before the promise was made (%)', NEW.promised_on, NEW.made_on
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'A promise to pay is for a date to come.';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.status <> 'pending' AND NEW.status IS DISTINCT FROM OLD.status THEN
      RAISE EXCEPTION 'promise % is already %', OLD.promise_id, OLD.status
        USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_promise_check() IS 'Trigger: validates promises to pay (internal)';
CREATE TRIGGER promise_check BEFORE INSERT OR UPDATE ON ar.promise
  FOR EACH ROW EXECUTE FUNCTION ar.tg_promise_check();

------------------------------------------------------------------------------
-- Manual holds.
------------------------------------------------------------------------------

CREATE TABLE ar.dunning_hold (
  dunning_hold_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES ar.customer,
  until       date NOT NULL,
  reason      text NOT NULL CHECK (reason <> ''),
  released_on date,
  created_by  text NOT NULL DEFAULT CURRENT_USER,
  created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX dunning_hold_customer_idx ON ar.dunning_hold (customer_id, until) WHERE released_on IS NULL;
COMMENT ON TABLE ar.dunning_hold IS 'Manual pauses of dunning: no notice for the customer up to and including "until"';
COMMENT ON COLUMN ar.dunning_hold.dunning_hold_id IS 'Surrogate key';
COMMENT ON COLUMN ar.dunning_hold.customer_id IS 'Customer paused';
COMMENT ON COLUMN ar.dunning_hold.until IS 'Last day of the pause';
COMMENT ON COLUMN ar.dunning_hold.reason IS 'Why (negotiation, management decision, ...)';
COMMENT ON COLUMN ar.dunning_hold.released_on IS 'Date the hold was lifted early, if it was';
COMMENT ON COLUMN ar.dunning_hold.created_by IS 'Role that set it';
COMMENT ON COLUMN ar.dunning_hold.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- Episodes: one overdue spell of a customer in one currency.  An episode
-- keeps the ladder it started with, so editing a policy changes only new
-- episodes.
------------------------------------------------------------------------------

CREATE TABLE ar.dunning_episode (
  dunning_episode_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id    bigint NOT NULL REFERENCES ar.customer,
  currency       char(3) NOT NULL REFERENCES ar.currency,
  policy_id      bigint NOT NULL REFERENCES ar.dunning_policy,
  ladder         ar.escalation_ladder NOT NULL,
  started_on     date NOT NULL,
  ended_on       date,
  last_step      integer NOT NULL DEFAULT 0,
  last_notice_at timestamptz,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  close_reason   text,
  created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT dunning_episode_closed_has_end CHECK ((status = 'closed') = (ended_on IS NOT NULL))
);
-- One open episode per customer and currency; also what keeps two
-- concurrent dunning runs from opening two.
CREATE UNIQUE INDEX dunning_episode_one_open ON ar.dunning_episode (customer_id, currency) WHERE status = 'open';
CREATE INDEX dunning_episode_customer_idx ON ar.dunning_episode (customer_id, started_on);
COMMENT ON TABLE ar.dunning_episode IS
  'Overdue episodes: from the first step reached until nothing is overdue; keeps the ladder it started with';
COMMENT ON COLUMN ar.dunning_episode.dunning_episode_id IS 'Surrogate key';
COMMENT ON COLUMN ar.dunning_episode.customer_id IS 'Customer dunned';
COMMENT ON COLUMN ar.dunning_episode.currency IS 'Currency of the items dunned in this episode';
COMMENT ON COLUMN ar.dunning_episode.policy_id IS 'Policy the episode started under';
COMMENT ON COLUMN ar.dunning_episode.ladder IS 'Ladder copied from the policy when the episode started';
COMMENT ON COLUMN ar.dunning_episode.started_on IS 'Local date of the run that opened it';
COMMENT ON COLUMN ar.dunning_episode.ended_on IS 'Local date of the run that closed it';
COMMENT ON COLUMN ar.dunning_episode.last_step IS 'Highest step sent or skipped so far (0 = none)';
COMMENT ON COLUMN ar.dunning_episode.last_notice_at IS 'When the last notice was queued';
COMMENT ON COLUMN ar.dunning_episode.status IS 'open or closed';
COMMENT ON COLUMN ar.dunning_episode.close_reason IS 'Why it closed (settled, out_of_range, ...)';
COMMENT ON COLUMN ar.dunning_episode.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- Events: every decision of a dunning run, including skips and pauses.
------------------------------------------------------------------------------

CREATE TABLE ar.dunning_event (
  dunning_event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- A log: ids without foreign keys, so that logging costs little on the
  -- first run over a big book (every passed-over step is a row) and the
  -- history outlives what it names.
  customer_id     bigint NOT NULL,
  episode_id      bigint,
  policy_id       bigint,
  as_of           timestamptz NOT NULL,
  decision        text NOT NULL CHECK (decision IN ('episode_started', 'sent', 'skipped', 'paused',
                                                    'episode_ended', 'fee_charged', 'interest_charged')),
  step_no         integer,
  channel         text,
  template        text,
  reason          text,
  days_past_due   integer,
  overdue_amount  numeric,
  notification_id bigint,
  task_id         bigint,
  invoice_id      bigint,
  created_at      timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX dunning_event_customer_idx ON ar.dunning_event (customer_id, as_of);
CREATE INDEX dunning_event_episode_idx ON ar.dunning_event (episode_id);
COMMENT ON TABLE ar.dunning_event IS
  'Every decision of dunning runs: episodes started and ended, notices sent, steps skipped and pauses, each with its reason';
COMMENT ON COLUMN ar.dunning_event.dunning_event_id IS 'Surrogate key, increasing in decision order';
COMMENT ON COLUMN ar.dunning_event.customer_id IS 'Customer concerned';
COMMENT ON COLUMN ar.dunning_event.episode_id IS 'Episode concerned';
COMMENT ON COLUMN ar.dunning_event.policy_id IS 'Policy of the episode';
COMMENT ON COLUMN ar.dunning_event.as_of IS 'as_of of the run that decided';
COMMENT ON COLUMN ar.dunning_event.decision IS 'episode_started, sent, skipped, paused, episode_ended, fee_charged or interest_charged';
COMMENT ON COLUMN ar.dunning_event.step_no IS 'Ladder step concerned';
COMMENT ON COLUMN ar.dunning_event.channel IS 'Channel of the step';
COMMENT ON COLUMN ar.dunning_event.template IS 'Template of the step';
COMMENT ON COLUMN ar.dunning_event.reason IS 'Why: passed_over, opted_out, no_recipient, weekly_cap, dispute, promise, hold, do_not_contact, status_*, below_minimum, settled, ...';
COMMENT ON COLUMN ar.dunning_event.days_past_due IS 'Days past due of the oldest eligible item at the decision (customer''s local date)';
COMMENT ON COLUMN ar.dunning_event.overdue_amount IS 'Overdue total at the decision';
COMMENT ON COLUMN ar.dunning_event.notification_id IS 'Notice queued by the decision';
COMMENT ON COLUMN ar.dunning_event.task_id IS 'Collector task created by the decision';
COMMENT ON COLUMN ar.dunning_event.invoice_id IS 'Fee or interest invoice created by the decision';
COMMENT ON COLUMN ar.dunning_event.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- Late interest charged, per invoice, so that each day is charged once.
------------------------------------------------------------------------------

CREATE TABLE ar.interest_charge (
  interest_charge_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id         bigint NOT NULL REFERENCES ar.customer,
  invoice_id          bigint NOT NULL REFERENCES ar.invoice,
  interest_invoice_id bigint NOT NULL REFERENCES ar.invoice,
  from_date           date NOT NULL,
  through_date        date NOT NULL,
  principal           numeric NOT NULL,
  rate                numeric NOT NULL,
  amount              numeric NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT interest_charge_period CHECK (through_date >= from_date)
);
CREATE INDEX interest_charge_invoice_idx ON ar.interest_charge (invoice_id, through_date);
COMMENT ON TABLE ar.interest_charge IS
  'Late interest charged on overdue invoices by interest= ladder steps (annual rate, actual/365, from the due date)';
COMMENT ON COLUMN ar.interest_charge.interest_charge_id IS 'Surrogate key';
COMMENT ON COLUMN ar.interest_charge.customer_id IS 'Customer charged';
COMMENT ON COLUMN ar.interest_charge.invoice_id IS 'Overdue invoice the interest accrued on';
COMMENT ON COLUMN ar.interest_charge.interest_invoice_id IS 'Invoice of kind interest that bills it';
COMMENT ON COLUMN ar.interest_charge.from_date IS 'First day charged';
COMMENT ON COLUMN ar.interest_charge.through_date IS 'Last day charged; the next charge starts the day after';
COMMENT ON COLUMN ar.interest_charge.principal IS 'Open amount the interest was computed on';
COMMENT ON COLUMN ar.interest_charge.rate IS 'Annual rate in percent';
COMMENT ON COLUMN ar.interest_charge.amount IS 'Interest for the period, unrounded share of the rounded invoice';
COMMENT ON COLUMN ar.interest_charge.created_at IS 'When the row was created';

------------------------------------------------------------------------------
-- Audit and pg_dump.
------------------------------------------------------------------------------

CREATE TRIGGER audit_insert AFTER INSERT ON ar.dispute REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dispute_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.dispute REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('dispute_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.dispute REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dispute_id');
CREATE TRIGGER audit_insert AFTER INSERT ON ar.promise REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('promise_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.promise REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('promise_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.promise REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('promise_id');
CREATE TRIGGER audit_insert AFTER INSERT ON ar.dunning_hold REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dunning_hold_id');
CREATE TRIGGER audit_update AFTER UPDATE ON ar.dunning_hold REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit_update('dunning_hold_id');
CREATE TRIGGER audit_delete AFTER DELETE ON ar.dunning_hold REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ar.tg_audit('dunning_hold_id');

SELECT pg_catalog.pg_extension_config_dump('ar.dispute', '');
SELECT pg_catalog.pg_extension_config_dump('ar.promise', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_hold', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_episode', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_event', '');
SELECT pg_catalog.pg_extension_config_dump('ar.interest_charge', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dispute_dispute_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.promise_promise_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_hold_dunning_hold_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_episode_dunning_episode_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_event_dunning_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ar.interest_charge_interest_charge_id_seq', '');
