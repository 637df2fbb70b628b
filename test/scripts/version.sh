#!/usr/bin/env bash
# The version lives in pg_receivables.control; META.json, the built library
# and the installed extension must all agree with it.
. "$(dirname "$0")/../lib/tap.sh"
plan 5
cd "$TOP"
v=$(sed -n "s/^default_version *= *'\(.*\)'.*/\1/p" pg_receivables.control)
ok $([[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; echo $?) "control file has a semantic default_version ($v)"
meta() {   # meta KEY...: a value of META.json
  perl -MJSON::PP -e 'local $/; open my $f, "<", "META.json" or die; my $m = decode_json(<$f>);
                      $m = $m->{$_} for @ARGV; print $m' "$@"
}
is "$(meta version)" "$v" "META.json version"
is "$(meta provides pg_receivables version)" "$v" \
   "META.json provides.pg_receivables.version"
is "$(q -d ar_test -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_receivables'")" "$v" "installed extension version"
is "$(q -d ar_test -c "SELECT ar.version()")" "$v" "shared library version"
done_testing
