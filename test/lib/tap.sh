# Minimal TAP helpers for the shell suites in test/scripts (run by prove).
# Each suite runs against the cluster that scripts/test.sh started
# (PGHOST, PGPORT and PGUSER are in the environment).
set -uo pipefail
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
TAP_N=0
TAP_FAILED=0
plan() { echo "1..$1"; }
ok() {   # ok CONDITION_EXIT_STATUS DESCRIPTION
  TAP_N=$((TAP_N + 1))
  if [[ $1 -eq 0 ]]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
is() {   # is GOT EXPECTED DESCRIPTION
  TAP_N=$((TAP_N + 1))
  if [[ "$1" == "$2" ]]; then echo "ok $TAP_N - $3"
  else
    echo "not ok $TAP_N - $3"; TAP_FAILED=$((TAP_FAILED + 1))
    printf '#   got:      %s\n#   expected: %s\n' "$1" "$2" | head -n 20
  fi
}
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }   # q -d DB -c SQL: one value out
fresh_db() {   # fresh_db NAME: a new database with pg_receivables installed
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
  q -d "$1" -c "CREATE EXTENSION pg_receivables" >/dev/null
}
done_testing() { exit $(( TAP_FAILED > 0 ? 1 : 0 )); }
