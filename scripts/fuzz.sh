#!/usr/bin/env bash
# make fuzz [FUZZ_SECONDS=60] [FUZZ=name]: build every libFuzzer harness
# test/fuzz/fuzz_<name>.c against the plain C core src/core/<name>.c (no
# PostgreSQL in the loop) with AddressSanitizer and UBSan, and run each for a
# bounded time from its seed corpus test/fuzz/corpus/<name>/.  New inputs go
# to a scratch corpus; a crash stops the run and leaves crash-* files in
# test/fuzz/build/<name>/, to be fixed and kept in the seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh clang libclang-rt-14-dev
secs=${FUZZ_SECONDS:-60}
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for f in test/fuzz/fuzz_*.c; do n=$(basename "$f" .c); names+=("${n#fuzz_}"); done
fi
total=0
for n in "${names[@]}"; do
  out=test/fuzz/build/$n
  mkdir -p "$out/corpus"
  clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Isrc/core "test/fuzz/fuzz_$n.c" src/core/"$n".c -o "$out/fuzz_$n"
  dict=(); [[ -f test/fuzz/$n.dict ]] && dict=(-dict="test/fuzz/$n.dict")
  echo "== fuzz_$n for ${secs}s"
  (cd "$out" && "./fuzz_$n" -max_total_time="$secs" -print_final_stats=1 "${dict[@]}" \
      corpus "../../corpus/$n" 2>&1 | tee log.txt | grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' || true)
  if grep -q -E '==[0-9]+==ERROR|SUMMARY: (Address|Undefined)|deadly signal' "$out/log.txt"; then
    echo "fuzz_$n found a crash: see $out/log.txt"; exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log.txt")
  total=$((total + ${runs:-0}))
done
echo "fuzzing done: $total executions in total, no crash"
