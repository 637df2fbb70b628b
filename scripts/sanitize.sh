#!/usr/bin/env bash
# make sanitize: the extension's C code under the sanitizers, three ways;
# fails on any test failure or any sanitizer or memcheck report.
#
# 1. UBSan in the server: the work tree is copied to a scratch directory
#    (this tree's build is left alone) and built with
#      -fsanitize=undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
#    (gcc 12, runtime from Debian's libubsan1, loaded with the library).  The
#    whole pg_regress, isolation, pgTAP and script suite runs against it; any
#    UBSan report (overflow, bad shift, misaligned or null access, bad enum or
#    bool, ...) aborts the backend and is logged to a file, and fails the run.
# 2. ASan + UBSan on the plain C cores: every input of every fuzz seed corpus
#    (test/fuzz/corpus/<name>/, the test inputs and every crash ever found)
#    replayed once through its libFuzzer harness built with
#    -fsanitize=fuzzer,address,undefined (clang 14).
# 3. Memcheck in the server: valgrind runs the server (every backend) for the
#    pg_regress suite, which calls every C function of the extension through
#    SQL; any error whose stack passes through pg_receivables.so fails the run
#    (errors inside PostgreSQL itself, which is not built for valgrind, are
#    counted and shown, not judged).  SANITIZE_VALGRIND=all runs the pgTAP
#    suites under valgrind too (slow); =off skips it.
#
# Why not ASan in the server: ASan needs its runtime loaded before
# everything else, i.e. LD_PRELOAD into an uninstrumented postgres; with
# Debian 12's postgres 15 (gcc 12's libasan8 as well as clang 14's runtime)
# the postmaster deadlocks at start, in bindtextdomain under the gettext
# lock, before reading any file.  A server built from source with ASan would
# do; valgrind is the stand-in (and, unlike ASan, needs no rebuild).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh libubsan1 clang libclang-rt-14-dev valgrind
SRC=$(pwd)
W=$(mktemp -d /tmp/pgr_sanitize.XXXXXX)
chmod 755 "$W"
keep=${SANITIZE_KEEP:-0}
VALGRIND=${SANITIZE_VALGRIND:-regress}
start=$(date +%s)
failed=()
REPORTS=$W/reports
mkdir -p "$REPORTS"; chmod 777 "$REPORTS"

echo "== copy the tree to $W and build with UBSan"
(cd "$SRC" && git ls-files -co --exclude-standard | grep -v '^\.build/' | tar cf - -T -) | tar xf - -C "$W"
cd "$W"
make -s clean >/dev/null 2>&1 || true
make -s EXTRA_CFLAGS="-fsanitize=undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g -O1" all >/dev/null
ldd pg_receivables.so >"$W/ldd.out"
grep -q libubsan "$W/ldd.out" || { echo "error: pg_receivables.so is not linked with libubsan" >&2; exit 1; }

export PGPORT=${PGPORT:-5496}
. scripts/lib.sh
stage_install            # make all finds the instrumented objects up to date
mv "$STAGE_BIN/postgres" "$STAGE_BIN/postgres.real"

# The staged postgres: the real binary from the same directory (PostgreSQL
# finds its share and lib directories next to it), with the sanitizer's
# options, or under valgrind.
wrap_server() {   # wrap_server ubsan|valgrind
  local vg=""
  if [[ $1 == valgrind ]]; then
    vg="valgrind --quiet --error-limit=no --num-callers=30 --read-var-info=no --log-file=$REPORTS/valgrind.%p"
  fi
  {
    echo '#!/bin/sh'
    echo "export UBSAN_OPTIONS='print_stacktrace=1:halt_on_error=1:abort_on_error=1:log_path=$REPORTS/ubsan'"
    echo 'case "$1" in -V|--version) exec "$(dirname "$0")/postgres.real" "$@" ;; esac'
    echo "exec $vg \"\$(dirname \"\$0\")/postgres.real\" \"\$@\""
  } >"$STAGE_BIN/postgres"
  chmod 755 "$STAGE_BIN/postgres"
}

RUN=$W/run
finish() {
  cluster_stop "$RUN" 2>/dev/null || true
  local n
  # UBSan writes to its log_path, or to the server log (stderr) when the
  # runtime was set up before it could read the option.
  n=$( { find "$REPORTS" -name 'ubsan*' -type f -exec cat {} +; find "$W" -name server.log -exec cat {} +; } \
       | grep -c 'runtime error:' || true)
  if [[ $n -gt 0 ]]; then
    failed+=(ubsan); keep=1
    echo "--- UBSan reports ($n) ---"
    { find "$REPORTS" -name 'ubsan*' -type f -exec cat {} +; find "$W" -name server.log -exec cat {} +; } \
      | grep -A4 'runtime error:' | sort | uniq -c | sort -rn | head -n 30
  fi
  echo "sanitize run took $(( $(date +%s) - start )) s"
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "SANITIZE FAILED: ${failed[*]} (scratch tree kept in $W)"
    exit 1
  fi
  [[ $keep == 1 ]] || rm -rf "$W"
  echo "Sanitizers: no report; every suite passed."
}
trap finish EXIT

# ---------------------------------------------------------------- 1. UBSan
wrap_server ubsan
mkdir -p "$RUN"; chmod 755 "$RUN"
cluster_start "$RUN"
export PGHOST=$RUN PGTEST_RUN=$RUN TOP STAGE_BIN
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE ar_test" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d ar_test \
  -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION pg_receivables" >/dev/null
loaded=$(psql -X -q -A -t -d ar_test -c "SELECT ar.normalize_name('ｱ')" \
           -c "SELECT pg_read_file('/proc/self/maps') ~ 'libubsan'" | tail -n 1)
[[ $loaded == t ]] || { echo "error: the backend has no UBSan runtime" >&2; failed+=(setup); exit 1; }
echo "== 1. UBSan build in the server (libubsan loaded in the backends)"
t=$(date +%s)
echo "-- pg_regress and isolation"
rm -rf results output_iso regression.diffs
if ! make -s PG_CONFIG="$PG_CONFIG" installcheck; then
  failed+=(pg_regress)
  for d in regression.diffs output_iso/regression.diffs; do [[ -f $d ]] && head -n 100 "$d"; done
fi
echo "-- pgTAP suites"
pg_prove -d ar_test --failures test/pgtap/*.sql || failed+=(pgtap)
echo "-- script suites"
prove --failures test/scripts/*.sh || failed+=(scripts)
cluster_stop "$RUN"
echo "UBSan suite: $(( $(date +%s) - t )) s"

# ------------------------------------------------- 2. ASan on the C cores
echo "== 2. ASan + UBSan: every fuzz seed input through its harness"
t=$(date +%s); inputs=0
for f in test/fuzz/fuzz_*.c; do
  n=$(basename "$f" .c); n=${n#fuzz_}
  clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Isrc/core "$f" "src/core/$n.c" -o "$W/fuzz_$n"
  count=$(find "test/fuzz/corpus/$n" -type f | wc -l)
  if "$W/fuzz_$n" -runs=0 "test/fuzz/corpus/$n" >"$W/replay_$n.log" 2>&1; then
    echo "  $n: $count inputs, clean"
  else
    echo "  $n: REPORT"; grep -E 'ERROR|runtime error|SUMMARY' "$W/replay_$n.log" | head -n 10
    failed+=("asan:$n"); keep=1
  fi
  inputs=$((inputs + count))
done
echo "ASan replay: $inputs inputs, $(( $(date +%s) - t )) s"

# ---------------------------------------------------- 3. valgrind memcheck
if [[ $VALGRIND != off ]]; then
  echo "== 3. valgrind memcheck on the server: pg_regress$([[ $VALGRIND == all ]] && echo ' and pgTAP' || true)"
  t=$(date +%s)
  rm -rf "$RUN"; mkdir -p "$RUN"; chmod 755 "$RUN"
  wrap_server valgrind
  cluster_start "$RUN" "max_connections = 20" "shared_preload_libraries = ''"
  rm -rf results output_iso regression.diffs
  if ! make -s PG_CONFIG="$PG_CONFIG" installcheck ISOLATION=; then
    failed+=(valgrind-regress)
    [[ -f regression.diffs ]] && head -n 60 regression.diffs
  fi
  if [[ $VALGRIND == all ]]; then
    psql -X -q -d postgres -c "CREATE DATABASE ar_vg" >/dev/null
    psql -X -q -d ar_vg -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION pg_receivables" >/dev/null
    pg_prove -d ar_vg --failures test/pgtap/*.sql || failed+=(valgrind-pgtap)
  fi
  cluster_stop "$RUN"
  # Error blocks of every process log; ours pass through pg_receivables.so:
  # a frame "(in .../pg_receivables.so)", or, the library having debug
  # information, a frame in one of its source files ("(kana.c:49)").
  ours_re="pg_receivables\\.so|\\(($(cd src && ls *.c core/*.c | xargs -n1 basename | sed 's/\.c$//' | sort -u | paste -sd'|'))\\.c:[0-9]+\\)"
  if ! OURS_RE="$ours_re" perl -e '
    my ($ours, $theirs) = (0, 0);
    my $re = qr/$ENV{OURS_RE}/;
    for my $f (@ARGV) {
      open my $h, "<", $f or next; local $/ = undef; my $log = <$h>; close $h;
      for my $block (split /\n==\d+== \n/, $log) {
        next unless $block =~ /==\d+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination overlap|Argument)/;
        if ($block =~ $re) { $ours++; print "$block\n\n" if $ours <= 5; } else { $theirs++; }
      }
    }
    print "memcheck: $ours errors through pg_receivables.so, $theirs inside PostgreSQL itself\n";
    exit($ours > 0 ? 1 : 0);' "$REPORTS"/valgrind.* >"$W/memcheck.txt"; then
    failed+=(memcheck); keep=1
  fi
  tail -n 60 "$W/memcheck.txt"
  echo "valgrind run: $(( $(date +%s) - t )) s"
fi
