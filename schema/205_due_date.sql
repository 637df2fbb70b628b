-- Due dates of new invoices.

-- ar.invoice_default_due_date(customer, issue_date): the due date an invoice
-- gets when it is inserted without one.
CREATE FUNCTION ar.invoice_default_due_date(cust ar.customer, issue_date date) RETURNS date
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION 'invoice of customer "%" has no due date', cust.customer_code
    USING ERRCODE = 'not_null_violation',
          HINT = 'Give due_date explicitly.';
END
$$;
COMMENT ON FUNCTION ar.invoice_default_due_date(ar.customer, date) IS
  'Due date of an invoice inserted without one (internal)';
