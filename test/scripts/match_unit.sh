#!/usr/bin/env bash
# Unit checks of the subset-sum core of matching (test/unit/match_test.c)
# outside the server, built with sanitizers: hand-computed cases, argument
# errors, the node budget, and randomized comparisons with a brute force.
. "$(dirname "$0")/../lib/tap.sh"
plan 1
cd "$TOP"
work=$(mktemp -d /tmp/pgr_match_unit.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=$work/out
if cc -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all \
      -Isrc/core test/unit/match_test.c src/core/match.c -o "$work/t" >"$out" 2>&1 \
   && "$work/t" >>"$out" 2>&1; then
  ok 0 "matching core unit checks: $(grep -c '^ok' "$out") passed"
else
  ok 1 "matching core unit checks"
  grep -v '^ok' "$out" | head -n 20 | sed 's/^/# /'
fi
done_testing
