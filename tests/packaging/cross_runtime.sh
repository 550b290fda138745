#!/usr/bin/env bash
# The device-only runtime, cross-built and used as a device would:
#   1. configures mblob with -DMBLOB_RUNTIME_ONLY=ON and cmake/toolchains/<triple>.cmake (no fmt,
#      CLI11, json or xxHash exist for the target: configuring proves none is looked for),
#      builds it and installs it into a temporary prefix; checks the install holds the runtime
#      (shared, static, headers, package, mblob-runtime.pc) for the target machine, and nothing
#      else;
#   2. builds tests/packaging/loader (find_package(mblob) + mblob::runtime) with the same
#      toolchain file against that prefix;
#   3. exports the sample model (host code, a cuda module, weights; scripts/demo.sh's shape) with
#      the build machine's mblob twice: for the build machine and with --target <triple>;
#   4. runs the loader under qemu on the target's library and requires its JSON to equal
#      `mblob load --json` of the build machine's library (format, symbol, blob size, every
#      module's kind, size, XXH3-64 and imports), and the module list `mblob inspect --json`
#      reads from the target's library without running it. (`mblob load` itself refuses the
#      target's library, another machine's: checked too.)
# Usage: cross_runtime.sh MBLOB SOURCE_DIR [TRIPLE=aarch64-linux-gnu]
# Exit 77 (CTest: skipped) when the cross compiler or qemu is missing; scripts/install-deps.sh
# installs both. The test command runs it through CTest (label "packaging").
set -euo pipefail

MBLOB=${1:?usage: cross_runtime.sh MBLOB SOURCE_DIR [TRIPLE]}
SRC=${2:?usage: cross_runtime.sh MBLOB SOURCE_DIR [TRIPLE]}
TRIPLE=${3:-aarch64-linux-gnu}
TOOLCHAIN=$SRC/cmake/toolchains/$TRIPLE.cmake
# shellcheck source=sample_model.sh
source "$SRC/tests/packaging/sample_model.sh"
ARCH=${TRIPLE%%-*}

for tool in "$TRIPLE-g++" "qemu-$ARCH"; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIPPED: $tool is not installed (scripts/install-deps.sh installs it)"
    exit 77
  fi
done
[[ -f $TOOLCHAIN ]] || { echo "FAIL: no toolchain file $TOOLCHAIN" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mblob-cross-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

# ---- 1. the runtime-only package, cross-built and installed ----------------------------------
echo "== cross-building the runtime-only package for $TRIPLE"
cmake -S "$SRC" -B "$work/runtime" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
  -DMBLOB_RUNTIME_ONLY=ON -DMBLOB_WERROR=ON -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >"$work/log" 2>&1 ||
  { cat "$work/log"; fail "configuring the runtime-only build"; }
cmake --build "$work/runtime" -j2 >"$work/log" 2>&1 || { cat "$work/log"; fail "building it"; }
prefix=$work/prefix
cmake --install "$work/runtime" --prefix "$prefix" >"$work/log" 2>&1 ||
  { cat "$work/log"; fail "installing it"; }

libdir=$(dirname "$(find "$prefix" -name 'libmblob_runtime.a' | head -n1)")
[[ -d $libdir && $libdir != . ]] || fail "no libmblob_runtime.a under $prefix"
for f in "$libdir/libmblob_runtime.so" "$prefix/include/mblob/runtime/mblob.h" \
  "$prefix/include/mblob/runtime/library.h" "$libdir/cmake/mblob/mblobConfig.cmake" \
  "$libdir/cmake/mblob/mblobConfigVersion.cmake" "$libdir/pkgconfig/mblob-runtime.pc"; do
  [[ -e $f ]] || fail "the runtime-only install lacks ${f#"$prefix"/}"
done
for f in "$prefix/bin/mblob" "$libdir/libmblob.so" "$libdir/libmblob.a" \
  "$libdir/pkgconfig/mblob.pc" "$prefix/include/mblob/export/export.h"; do
  [[ ! -e $f ]] || fail "the runtime-only install has ${f#"$prefix"/}"
done
machine=$(readelf -h "$libdir/libmblob_runtime.so" | awk -F: '/Machine:/ {gsub(/^ +/, "", $2); print $2}')
case "$ARCH:$machine" in
  aarch64:AArch64 | riscv64:RISC-V) ;;
  *) fail "libmblob_runtime.so is for '$machine', not $ARCH" ;;
esac
needed=$(readelf -d "$libdir/libmblob_runtime.so" | awk '/NEEDED/ {print $NF}' | tr -d '[]' | sort | tr '\n' ' ')
for lib in $needed; do
  case $lib in
    libstdc++.so.* | libm.so.* | libgcc_s.so.* | libc.so.* | libdl.so.* | ld-linux-*) ;;
    *) fail "libmblob_runtime.so needs $lib (only the C++ standard library and libdl allowed): $needed" ;;
  esac
done
echo "   installed: $(cd "$prefix" && find . -type f | sort | tr '\n' ' ')"

# ---- 2. the loader, against the installed package ---------------------------------------------
echo "== building tests/packaging/loader against it"
mkdir -p "$work/xxhash"
cp "$(echo '#include <xxhash.h>' | cpp -H -o /dev/null 2>&1 | awk '/xxhash.h$/ {print $2; exit}')" "$work/xxhash/" ||
  fail "xxhash.h not found on the build machine (libxxhash-dev)"
cmake -S "$SRC/tests/packaging/loader" -B "$work/loader" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DCMAKE_FIND_ROOT_PATH="$prefix" \
  -DXXHASH_INCLUDE_DIR="$work/xxhash" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >"$work/log" 2>&1 ||
  { cat "$work/log"; fail "configuring the loader (find_package(mblob) in $prefix)"; }
cmake --build "$work/loader" >"$work/log" 2>&1 || { cat "$work/log"; fail "building the loader"; }
loader=$work/loader/load_tree

# ---- 3. the sample model, for this machine and for the target ----------------------------------
echo "== exporting the sample model for this machine and for $TRIPLE"
m=$work/model
write_sample_model "$m" $((3 << 20))
"$MBLOB" export "$m/model.json" -o "$m/model-host.so" -q
"$MBLOB" export "$m/model.json" -o "$m/model-$ARCH.so" --target "$TRIPLE" -q

# ---- 4. the loader under qemu vs mblob load ----------------------------------------------------
echo "== comparing"
expected=$("$MBLOB" load "$m/model-host.so" --json)
got=$("qemu-$ARCH" -L "/usr/$TRIPLE" "$loader" "$m/model-$ARCH.so") ||
  fail "the loader failed under qemu-$ARCH on model-$ARCH.so"
inspected=$("$MBLOB" inspect "$m/model-$ARCH.so" --json)
if "$MBLOB" load "$m/model-$ARCH.so" >/dev/null 2>"$work/err"; then
  fail "mblob load accepted another machine's library"
fi
grep -q "$ARCH" "$work/err" || fail "mblob load's refusal does not name $ARCH: $(cat "$work/err")"
echo "   mblob load (host library):  $expected"
echo "   load_tree under qemu-$ARCH:  $got"
python3 - "$expected" "$got" "$inspected" <<'PY'
import json, sys
expected, got, inspected = (json.loads(a) for a in sys.argv[1:4])
if got != expected:
    sys.exit("FAIL: the cross-built loader's tree differs from mblob load's:\n  %s\n  %s"
             % (json.dumps(got, sort_keys=True), json.dumps(expected, sort_keys=True)))
if len(expected["modules"]) != 3 or sorted(m["kind"] for m in expected["modules"]) != ["_lib", "cuda", "params"]:
    sys.exit("FAIL: unexpected tree from mblob load: %s" % expected["modules"])
blobs = [b for b in inspected if "modules" in b]
if len(blobs) != 1 or blobs[0]["modules"] != got["modules"]:
    sys.exit("FAIL: mblob inspect reads another tree from the target's library: %s" % inspected)
PY
echo "PASS: the $TRIPLE runtime loads the $TRIPLE model as mblob load does on this machine"
