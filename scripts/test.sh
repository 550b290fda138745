#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (as root): installs what it needs, builds
# the dev and asan (ASan+UBSan) presets, runs every test (including the "big" label, with sparse
# multi-GiB inputs), runs the runtime and splice tests under ThreadSanitizer (tsan preset), then builds the
# libFuzzer targets and runs each for a bounded time.
#
#   scripts/test.sh                    # everything
#   FUZZ_SECONDS=10 scripts/test.sh    # shorter fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
JOBS=${JOBS:-$(nproc)}

scripts/install-deps.sh

step() { printf '\n=== %s ===\n' "$*"; }

step "dev build (warnings are errors)"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$JOBS"
# Tests whose tool is missing say SKIPPED with the reason. This script installed every tool, so
# here a skip means a broken install: it fails the run.
PASSED=0
FAILED=0
run_ctest() {
  local log line total failed
  log=$(mktemp)
  ctest "$@" 2>&1 | tee "$log"
  # "100% tests passed, 0 tests failed out of 255"
  line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -n 1)
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  failed=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
  PASSED=$((PASSED + total - failed))
  FAILED=$((FAILED + failed))
  if grep -q "(Skipped)" "$log"; then
    echo "test.sh: tests were skipped although scripts/install-deps.sh ran (see SKIPPED above)"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

step "dev tests"
run_ctest --preset dev -j "$JOBS"

step "asan build (AddressSanitizer + UndefinedBehaviorSanitizer)"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$JOBS"
step "asan tests"
# The "big" label moves GiBs through the kernel, and the "bench" label (bench/run --smoke)
# times tools; both ran in the dev build above.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_ctest --preset asan -j "$JOBS" -LE 'big|bench'
unset ASAN_OPTIONS UBSAN_OPTIONS

step "tsan build (ThreadSanitizer: the libraries, the runtime tests and the splice tests)"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$JOBS"
step "tsan tests (8 threads x 200 concurrent loads; the blob copy beside the link)"
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
run_ctest --preset tsan -j "$JOBS"
unset TSAN_OPTIONS

step "fuzz: ${FUZZ_SECONDS}s per reader"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$JOBS" --target fuzz_ffi_reader fuzz_legacy_reader \
  fuzz_object_reader fuzz_macho_reader
for layout in ffi legacy object macho; do
  work=$(mktemp -d)
  cp fuzz/corpus/$layout/* "$work"/
  log="$work.log"
  if ! ./build/fuzz/fuzz/fuzz_${layout}_reader -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 \
      -artifact_prefix="$work/" -print_final_stats=1 "$work" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz_${layout}_reader found a failing input (see above; artifacts in $work)"
    exit 1
  fi
  grep -E "^(Done|stat::number_of_executed_units)" "$log" || true
  rm -rf "$work" "$log"
done
echo "fuzz: no findings"
PASSED=$((PASSED + 4))  # the four fuzz targets

# One closing line for CI: every ctest test of the three builds, plus the four fuzz runs.
echo "test.sh: ${PASSED} passed, ${FAILED} failed"
