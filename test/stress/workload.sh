# pgbench scripts of the stress mix, written into directory $1 (sourced by
# scripts/stress.sh).  Weights: payments applied 30, deliveries 20, new
# invoices 10, reversals 10, Zengin imports 10, dunning runs 3.
write_workload() {
  local d=$1
  echo 'SELECT stress.pay_and_apply();' >"$d/pay.sql"
  echo 'SELECT stress.deliver();' >"$d/deliver.sql"
  echo 'SELECT stress.new_invoice();' >"$d/invoice.sql"
  echo 'SELECT stress.reverse();' >"$d/reverse.sql"
  echo 'SELECT stress.import_file();' >"$d/zengin.sql"
  echo 'SELECT stress.dunning();' >"$d/dunning.sql"
  WORKLOAD_ARGS=(-f "$d/pay.sql@30" -f "$d/deliver.sql@20" -f "$d/invoice.sql@10" -f "$d/reverse.sql@10"
                 -f "$d/zengin.sql@10" -f "$d/dunning.sql@3")
}
