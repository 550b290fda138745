#!/usr/bin/env bash
# The size of the device-only runtime: builds libmblob_runtime with -DMBLOB_RUNTIME_ONLY=ON for
# this machine and, with cmake/toolchains/<triple>.cmake, for each cross triple whose g++ is
# installed, in Release (-O3) and MinSizeRel (-Os), and prints a markdown table of
#   libmblob_runtime.so as built, after `strip` (the target's), and libmblob_runtime.a as built
#   and after `strip --strip-debug` (a static library keeps its symbol table to be linkable).
# Usage: bench/runtime_size.sh [SOURCE_DIR=.] [TRIPLES="aarch64-linux-gnu riscv64-linux-gnu"]
# Work files go to a temporary directory, removed afterwards. Results: docs/benchmarks.md.
set -euo pipefail
SRC=$(cd "${1:-.}" && pwd)
TRIPLES=${2:-aarch64-linux-gnu riscv64-linux-gnu}
work=$(mktemp -d "${TMPDIR:-/tmp}/mblob-runtime-size-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "| target | build type | .so | .so stripped | .a | .a strip-debug |"
echo "|---|---|---|---|---|---|"
for triple in host $TRIPLES; do
  toolchain=() strip=strip name=$(uname -m)-linux-gnu
  if [[ $triple != host ]]; then
    command -v "$triple-g++" >/dev/null || { echo "| $triple | skipped: no $triple-g++ | | | | |"; continue; }
    toolchain=(-DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchains/$triple.cmake") strip=$triple-strip name=$triple
  fi
  for type in Release MinSizeRel; do
    b=$work/$triple-$type
    if ! { cmake -S "$SRC" -B "$b" -G Ninja "${toolchain[@]}" -DMBLOB_RUNTIME_ONLY=ON \
      -DCMAKE_BUILD_TYPE=$type && cmake --build "$b"; } >"$work/log" 2>&1; then
      cat "$work/log" >&2
      exit 1
    fi
    so=$(readlink -f "$b/libmblob_runtime.so")
    cp "$so" "$work/s.so" && "$strip" "$work/s.so"
    cp "$b/libmblob_runtime.a" "$work/s.a" && "$strip" --strip-debug "$work/s.a"
    echo "| $name | $type | $(stat -c %s "$so") | $(stat -c %s "$work/s.so") |" \
      "$(stat -c %s "$b/libmblob_runtime.a") | $(stat -c %s "$work/s.a") |"
  done
done
