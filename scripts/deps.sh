#!/usr/bin/env bash
# Install the Debian packages pg_receivables needs, if any are missing.
# Works as root or as a user with sudo; does nothing when all are present.
set -euo pipefail

PGV=${PGV:-15}
packages=(
  make gcc
  "postgresql-$PGV" "postgresql-server-dev-$PGV"
  "postgresql-$PGV-cron" "postgresql-$PGV-pgtap"
  libtap-parser-sourcehandler-pgtap-perl
  python3 python3-psycopg2        # the example delivery worker and its test
)
extra=("$@")   # callers may ask for more (e.g. clang for fuzzing)

missing=()
for p in "${packages[@]}" "${extra[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing missing packages: ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists; refresh only if the install fails.
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" \
  || { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; }
