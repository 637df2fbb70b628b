-- Due dates of new invoices.

-- ar.invoice_default_due_date(customer, issue_date): the due date an invoice
-- gets when it is inserted without one.
CREATE FUNCTION ar.invoice_default_due_date(cust ar.customer, issue_date date) RETURNS date
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF cust.payment_terms IS NULL THEN
    RAISE EXCEPTION 'invoice of customer "%" has no due date', cust.customer_code
      USING ERRCODE = 'not_null_violation',
            DETAIL = 'The customer has no payment terms to compute it from.',
            HINT = 'Give due_date explicitly, or set the customer''s payment_terms (e.g. 月末締め翌月末払い).';
  END IF;
  RETURN ar.due_date(cust.payment_terms, issue_date,
                     COALESCE(cust.calendar, ar.setting_value('default_calendar')));
END
$$;
COMMENT ON FUNCTION ar.invoice_default_due_date(ar.customer, date) IS
  'Due date of an invoice inserted without one: the customer''s payment terms and calendar (default_calendar setting when NULL) (internal)';
