#!/usr/bin/env bash
# Unit checks of the allocation core (test/unit/allocate_test.c) outside the
# server, built with sanitizers, once with the compiler's 128-bit multiply
# and once with the portable long division that replaces it elsewhere.
. "$(dirname "$0")/../lib/tap.sh"
plan 2
cd "$TOP"
work=$(mktemp -d /tmp/pgr_alloc_unit.XXXXXX)
trap 'rm -rf "$work"' EXIT
for variant in int128 portable; do
  flags=(); [[ $variant == portable ]] && flags=(-DALLOC_NO_INT128)
  out=$work/$variant.out
  if cc -std=c11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all \
        "${flags[@]}" -Isrc/core test/unit/allocate_test.c src/core/allocate.c -o "$work/t_$variant" >"$out" 2>&1 \
     && "$work/t_$variant" >>"$out" 2>&1; then
    ok 0 "allocation core unit checks ($variant): $(grep -c '^ok' "$out") passed"
  else
    ok 1 "allocation core unit checks ($variant)"
    grep -v '^ok' "$out" | head -n 20 | sed 's/^/# /'
  fi
done
done_testing
