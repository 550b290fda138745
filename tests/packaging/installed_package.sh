#!/usr/bin/env bash
# The installed package, used as its users would:
#   1. `cmake --install BUILD_DIR --prefix <tmp>` installs the CLI, libmblob and libmblob_runtime
#      (shared with SONAME, and static), the headers, the CMake package and the pkg-config files;
#   2. the installed CLI runs from there (its libraries found beside it, not in the build tree)
#      and exports the sample model;
#   3. tests/c_api/load_model.c, built with `gcc -std=c99 -pedantic -Wall -Werror` and
#      `pkg-config --cflags --libs mblob-runtime`, loads it through mblob.h: the tree (kinds,
#      sizes, imports) is mblob load's and each payload's FNV-1a equals its file's;
#   4. tests/packaging/consumer (find_package(mblob CONFIG REQUIRED) + mblob::mblob, and
#      mblob::mblob_static) and the same source built with `pkg-config --cflags --libs mblob`
#      export the weights through the C++ API; each library holds the CLI's params payload.
# Usage: installed_package.sh BUILD_DIR SOURCE_DIR
# The test command runs it through CTest (label "packaging").
set -euo pipefail

BUILD=${1:?usage: installed_package.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: installed_package.sh BUILD_DIR SOURCE_DIR}
# shellcheck source=sample_model.sh
source "$SRC/tests/packaging/sample_model.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/mblob-install-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
prefix=$work/prefix

# ---- 1. install ------------------------------------------------------------------------------
cmake --install "$BUILD" --prefix "$prefix" >"$work/log" 2>&1 || { cat "$work/log"; fail "cmake --install"; }
libdir=$(dirname "$(find "$prefix" -name 'libmblob_runtime.a' | head -n1)")
[[ -d $libdir && $libdir != . ]] || fail "no libmblob_runtime.a under $prefix"
for f in "$prefix/bin/mblob" "$libdir/libmblob.so" "$libdir/libmblob.a" "$libdir/libmblob_runtime.so" \
  "$prefix/include/mblob/export/export.h" "$prefix/include/mblob/runtime/mblob.h" \
  "$libdir/cmake/mblob/mblobConfig.cmake" "$libdir/cmake/mblob/mblobConfigVersion.cmake" \
  "$libdir/cmake/mblob/mblobTargets.cmake" "$libdir/cmake/mblob/FindxxHash.cmake" \
  "$libdir/pkgconfig/mblob.pc" "$libdir/pkgconfig/mblob-runtime.pc"; do
  [[ -e $f ]] || fail "the install lacks ${f#"$prefix"/}"
done
export PKG_CONFIG_PATH=$libdir/pkgconfig
version=$(pkg-config --modversion mblob-runtime)
for lib in libmblob libmblob_runtime; do
  soname=$(readelf -d "$libdir/$lib.so" | awk '/SONAME/ {print $NF}' | tr -d '[]')
  [[ $soname == $lib.so.${version%.*} || $soname == $lib.so.${version%%.*} ]] ||
    fail "$lib.so has SONAME '$soname' (version $version)"
  [[ -f $libdir/$soname && -f $libdir/$lib.so.$version ]] || fail "$lib.so.$version or $soname not installed"
done

# ---- 2. the installed CLI --------------------------------------------------------------------
ldd "$prefix/bin/mblob" >"$work/ldd"
grep -E 'libmblob(_runtime)?\.so' "$work/ldd" | grep -qv "$prefix" &&
  fail "the installed mblob loads libmblob from outside $prefix: $(cat "$work/ldd")"
m=$work/model
write_sample_model "$m" $((1 << 20))
"$prefix/bin/mblob" export "$m/model.json" -o "$m/model.so" -q || fail "the installed mblob cannot export"
loaded=$("$prefix/bin/mblob" load "$m/model.so" --json)

# ---- 3. C99 through pkg-config -----------------------------------------------------------------
# shellcheck disable=SC2046  # pkg-config's output is a list of words
gcc -std=c99 -pedantic -Wall -Werror $(pkg-config --cflags mblob-runtime) "$SRC/tests/c_api/load_model.c" \
  -o "$work/load_model" $(pkg-config --libs mblob-runtime) -Wl,-rpath,"$libdir" ||
  fail "building tests/c_api/load_model.c with pkg-config mblob-runtime"
c_out=$("$work/load_model" "$m/model.so") || fail "load_model (C) failed on model.so"
python3 - "$loaded" "$c_out" "$m/kernels.ptx" "$m/weights.bin" <<'PY'
import json, re, sys
loaded, c_out = json.loads(sys.argv[1]), sys.argv[2].splitlines()
files = {"cuda": sys.argv[3], "params": sys.argv[4]}
def fnv1a64(data):
    h = 14695981039346656037
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h
head = c_out[0]
want = "layout=%s symbol=%s blob_bytes=%d" % (loaded["format"], loaded["symbol"], loaded["blob_bytes"])
if not head.endswith(want):
    sys.exit("FAIL: C program's first line %r, want ...%r" % (head, want))
if len(c_out) - 1 != len(loaded["modules"]):
    sys.exit("FAIL: C program shows %d modules, mblob load %d" % (len(c_out) - 1, len(loaded["modules"])))
for line, mod in zip(c_out[1:], loaded["modules"]):
    f = dict(re.findall(r"(\w+)=(\S*)", line))
    imports = [int(i) for i in f["imports"].split(",")] if f["imports"] else []
    if f["kind"] != mod["kind"] or imports != mod["imports"] or int(f["bytes"]) != mod.get("payload_bytes", 0):
        sys.exit("FAIL: C program's %r differs from mblob load's %r" % (line, mod))
    if mod["kind"] in files:
        want = fnv1a64(open(files[mod["kind"]], "rb").read())
        if f["fnv1a64"] != want:
            sys.exit("FAIL: %s payload FNV-1a %s, its file's %s" % (mod["kind"], f["fnv1a64"], want))
PY
echo "C99 + pkg-config mblob-runtime: $(echo "$c_out" | wc -l) lines, tree and payloads as mblob load"

# ---- 4. C++ consumers: find_package(mblob) and pkg-config mblob ----------------------------------
cmake -S "$SRC/tests/packaging/consumer" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  >"$work/log" 2>&1 || { cat "$work/log"; fail "configuring tests/packaging/consumer (find_package(mblob))"; }
cmake --build "$work/consumer" >"$work/log" 2>&1 || { cat "$work/log"; fail "building tests/packaging/consumer"; }
readelf -d "$work/consumer/export_model_static" | grep -q 'NEEDED.*libmblob' &&
  fail "export_model_static (mblob::mblob_static) needs a shared libmblob"
readelf -d "$work/consumer/export_model_shared" | grep -q 'NEEDED.*libmblob\.so' ||
  fail "export_model_shared (mblob::mblob) does not use libmblob.so"
# shellcheck disable=SC2046
g++ -std=c++20 $(pkg-config --cflags mblob) "$SRC/tests/packaging/consumer/export_model.cc" \
  -o "$work/export_model_pc" $(pkg-config --libs mblob) -Wl,-rpath,"$libdir" ||
  fail "building consumer/export_model.cc with pkg-config mblob"
params=$(python3 -c 'import json,sys; print([m["xxh3_64"] for m in json.loads(sys.argv[1])["modules"] if m["kind"]=="params"][0])' "$loaded")
for exe in "$work/consumer/export_model_shared" "$work/consumer/export_model_static" "$work/export_model_pc"; do
  name=$(basename "$exe")
  out=$("$exe" "$m/host.c" "$m/weights.bin" "$work/$name.so") || fail "$name failed"
  [[ $out == "_lib 0"$'\n'"params $((1 << 20))" ]] || fail "$name printed: $out"
  got=$("$prefix/bin/mblob" load "$work/$name.so" --json)
  python3 -c 'import json,sys; sys.exit(0 if [m.get("xxh3_64") for m in json.loads(sys.argv[1])["modules"]] == [None, sys.argv[2]] else 1)' \
    "$got" "$params" || fail "$name's library: $got (params should be xxh3_64 $params)"
  echo "$name: exported and loaded; params xxh3_64 $params"
done
echo "PASS: the installed package works through CMake, pkg-config and C99"
