-- Dunning policies: which ladder a customer climbs and the rules around it.
-- Created before ar.customer, which refers to it.

CREATE TABLE ar.dunning_policy (
  dunning_policy_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                 text NOT NULL UNIQUE CHECK (name <> ''),
  ladder               ar.escalation_ladder NOT NULL,
  min_overdue_amount   numeric NOT NULL DEFAULT 0 CHECK (min_overdue_amount >= 0),
  grace_days           integer NOT NULL DEFAULT 0 CHECK (grace_days BETWEEN 0 AND 365),
  consolidate          boolean NOT NULL DEFAULT true,
  send_from            time NOT NULL DEFAULT '09:00',
  send_until           time NOT NULL DEFAULT '20:00',
  business_days_only   boolean NOT NULL DEFAULT true,
  calendar             text NOT NULL DEFAULT 'JP-BANK',
  max_notices_per_week integer CHECK (max_notices_per_week > 0),
  active               boolean NOT NULL DEFAULT true,
  is_default           boolean NOT NULL DEFAULT false,
  description          text,
  seeded               boolean NOT NULL DEFAULT false,
  created_at           timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at           timestamptz,
  CONSTRAINT dunning_policy_send_window CHECK (send_from < send_until)
);
-- At most one default policy: customers without a policy follow it.
CREATE UNIQUE INDEX dunning_policy_one_default ON ar.dunning_policy (is_default) WHERE is_default;
COMMENT ON TABLE ar.dunning_policy IS
  'Dunning policies: the escalation ladder and the rules (minimum, grace, send window, calendar, weekly cap) customers are reminded by';
COMMENT ON COLUMN ar.dunning_policy.dunning_policy_id IS 'Surrogate key';
COMMENT ON COLUMN ar.dunning_policy.name IS 'Unique name';
COMMENT ON COLUMN ar.dunning_policy.ladder IS 'Escalation ladder; an episode keeps the ladder it started with';
COMMENT ON COLUMN ar.dunning_policy.min_overdue_amount IS 'Customers owing less than this overdue (in their currency) are not dunned';
COMMENT ON COLUMN ar.dunning_policy.grace_days IS 'Days after the due date before post-due steps count (days past due are reduced by this)';
COMMENT ON COLUMN ar.dunning_policy.consolidate IS 'True: one notice per customer listing all overdue invoices; false: one notice per invoice';
COMMENT ON COLUMN ar.dunning_policy.send_from IS 'Earliest local time (customer''s time zone) a notice is scheduled for';
COMMENT ON COLUMN ar.dunning_policy.send_until IS 'Local time from which notices wait for the next day';
COMMENT ON COLUMN ar.dunning_policy.business_days_only IS 'Schedule notices on business days of the calendar only';
COMMENT ON COLUMN ar.dunning_policy.calendar IS 'Business calendar for the send window (JP-BANK, JP, WEEKENDS or an ar.calendar code)';
COMMENT ON COLUMN ar.dunning_policy.max_notices_per_week IS 'At most this many notices per customer in any 7 days; NULL means no cap';
COMMENT ON COLUMN ar.dunning_policy.active IS 'Inactive policies send nothing';
COMMENT ON COLUMN ar.dunning_policy.is_default IS 'The policy of customers whose dunning_policy_id is NULL (at most one)';
COMMENT ON COLUMN ar.dunning_policy.description IS 'Free text';
COMMENT ON COLUMN ar.dunning_policy.seeded IS 'True for the shipped default policy while unchanged (not dumped by pg_dump)';
COMMENT ON COLUMN ar.dunning_policy.created_at IS 'When the row was created';
COMMENT ON COLUMN ar.dunning_policy.updated_at IS 'When the row was last changed';

CREATE FUNCTION ar.tg_dunning_policy_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  PERFORM ar.is_business_day(DATE '2000-01-03', NEW.calendar);   -- an unknown calendar raises 22023
  IF TG_OP = 'UPDATE' THEN
    NEW.updated_at := pg_catalog.now();
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION ar.tg_dunning_policy_check() IS 'Trigger: validates dunning policies (internal)';

CREATE TRIGGER dunning_policy_check BEFORE INSERT OR UPDATE ON ar.dunning_policy
  FOR EACH ROW EXECUTE FUNCTION ar.tg_dunning_policy_check();
CREATE TRIGGER dunning_policy_seed_guard BEFORE INSERT OR UPDATE ON ar.dunning_policy
  FOR EACH ROW EXECUTE FUNCTION ar.tg_seed_guard('dunning_policy_id');

SET LOCAL ar.seeding = on;
INSERT INTO ar.dunning_policy (name, ladder, min_overdue_amount, grace_days, max_notices_per_week,
                               is_default, description, seeded)
VALUES ('default',
        '-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2; +14 sms:overdue_sms min=1000; '
        '+21 call; +30 letter:final_notice; +45 agency stop',
        0, 0, 2, true,
        'Shipped default: a reminder before the due date, two emails, an SMS, a call, a final letter, then a collection agency',
        true);
RESET ar.seeding;

SELECT pg_catalog.pg_extension_config_dump('ar.dunning_policy', 'WHERE NOT seeded');
SELECT pg_catalog.pg_extension_config_dump('ar.dunning_policy_dunning_policy_id_seq', '');
