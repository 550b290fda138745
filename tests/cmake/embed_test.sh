#!/usr/bin/env bash
# The CMake functions of cmake/mblobEmbed.cmake, used as a project uses them: configure and build
# the small projects under tests/cmake/ with the real generators, compilers and linkers, run what
# they build, and compare its output with what standard tools say about the input files.
# Usage: embed_test.sh CASE MBLOB SOURCE_DIR
#   CASE: one of the functions named case_* below (CTest runs each as its own test).
#   MBLOB: the mblob program under test; SOURCE_DIR: the mblob source tree.
# Exit status 0 pass, 1 fail, 77 skipped (a tool is missing; the reason on stdout).
set -u -o pipefail

CASE=${1:?usage: embed_test.sh CASE MBLOB SOURCE_DIR}
MBLOB=${2:?usage: embed_test.sh CASE MBLOB SOURCE_DIR}
SRC=${3:?usage: embed_test.sh CASE MBLOB SOURCE_DIR}
HERE=$SRC/tests/cmake

work=$(mktemp -d "${TMPDIR:-/tmp}/mblob-cmake-XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

fail() {
  echo "FAIL ($CASE): $*" >&2
  exit 1
}
skip() {
  echo "SKIPPED ($CASE): $*"
  exit 77
}
# Configure SOURCE into BUILD with GENERATOR and the source tree's module; extra -D... follow.
configure() {
  local source=$1 build=$2 generator=$3
  shift 3
  cmake -S "$source" -B "$build" -G "$generator" -DMBLOB_EMBED_MODULE="$SRC/cmake/mblobEmbed.cmake" \
    -DMBLOB_EXECUTABLE="$MBLOB" "$@" >"$work/configure.log" 2>&1 ||
    fail "configure $source: $(cat "$work/configure.log")"
}
build() {  # build_dir [--target ...]
  cmake --build "$@" -j2 >"$work/build.log" 2>&1 || fail "build $1: $(cat "$work/build.log")"
}
run() {  # program [args]: its stdout; fails the test on a non-zero exit
  local out
  out=$("$@" 2>&1) || fail "$* exited with $?: $out"
  printf '%s\n' "$out"
}
# What report.h prints for FILE, from cksum(1) and od(1).
expected_report() {
  local crc size last
  read -r crc size < <(cksum <"$1")
  last=$(tail -c 1 "$1" | od -An -tu1 | tr -d ' ')
  echo "size=$size cksum=$crc last=$last"
}
# The four programs of tests/cmake/embed each print the file's size, checksum and last byte.
check_embed_project() {
  local build=$1 file=$2 want got program
  want=$(expected_report "$file")
  for program in print_pie print_nopie print_shared print_static; do
    got=$(run "$build/$program")
    [[ $got == "$want" ]] || fail "$program printed '$got', the file is '$want'"
  done
}

# Each of the four programs prints the embedded file's size, POSIX checksum and last byte, as
# cksum(1) gives them for the file; the PIE is a PIE (ET_DYN) and the other one is not.
case_EmbedGivesTheFilesBytesInPieNonPieSharedAndStaticLibrary() {
  head -c 100003 /dev/urandom >"$work/data.bin"
  configure "$HERE/embed" "$work/b" Ninja -DDATA_FILE="$work/data.bin"
  build "$work/b"
  check_embed_project "$work/b" "$work/data.bin"
  readelf -h "$work/b/print_pie" | grep -q 'Type:.*DYN' || fail "print_pie is not a PIE"
  readelf -h "$work/b/print_nopie" | grep -q 'Type:.*EXEC' || fail "print_nopie is a PIE"
  # Hidden by default: the library does not export the data.
  if nm -D --defined-only "$work/b/libembedded.so" | grep -q lib_data; then
    fail "libembedded.so exports lib_data (VISIBILITY defaults to hidden)"
  fi
}

# The same project with the Makefile generator.
case_EmbedWorksWithUnixMakefiles() {
  printf 'tiny' >"$work/data.bin"
  configure "$HERE/embed" "$work/b" "Unix Makefiles" -DDATA_FILE="$work/data.bin"
  build "$work/b"
  check_embed_project "$work/b" "$work/data.bin"
}

# Editing the embedded file re-packs and relinks (with both generators), and a build with
# nothing changed does nothing.
case_EditingTheEmbeddedFileRepacks() {
  local generator dir
  for generator in Ninja "Unix Makefiles"; do
    dir=$work/${generator// /_}
    mkdir -p "$dir"
    printf 'first version' >"$dir/data.bin"
    configure "$HERE/embed" "$dir/b" "$generator" -DDATA_FILE="$dir/data.bin"
    build "$dir/b"
    check_embed_project "$dir/b" "$dir/data.bin"
    sleep 1  # a new mtime on file systems with one-second stamps
    head -c 5000 /dev/urandom >"$dir/data.bin"
    build "$dir/b"
    grep -q "mblob: packing" "$work/build.log" || fail "$generator: no re-pack after the edit"
    check_embed_project "$dir/b" "$dir/data.bin"
    build "$dir/b"
    if grep -q "mblob: packing" "$work/build.log"; then
      fail "$generator: re-packed with nothing changed: $(cat "$work/build.log")"
    fi
  done
}

# A 3 GiB file (sparse, its last byte set) links into the PIE, the non-PIE executable and the
# shared library, and each reads the last byte (the static library's copy is not built: 3 GiB
# more to write).
case_EmbedsA3GiBFileAndReadsItsLastByte() {
  local program got
  truncate -s 3G "$work/big.bin"
  printf '\x5a' | dd of="$work/big.bin" bs=1 seek=$((3 * 1024 * 1024 * 1024 - 1)) conv=notrunc \
    status=none
  configure "$HERE/embed" "$work/b" Ninja -DDATA_FILE="$work/big.bin"
  build "$work/b" --target print_pie print_nopie print_shared
  for program in print_pie print_nopie print_shared; do
    got=$(run "$work/b/$program" --last)
    [[ $got == "size=3221225472 last=90" ]] || fail "$program printed '$got'"
  done
}

# mblob_embed() refuses, at configure time and naming the problem, what it cannot do.
case_EmbedRefusesBadArguments() {
  printf 'x' >"$work/data.bin"
  local name args want
  while IFS='|' read -r name args want; do
    mkdir -p "$work/$name"
    cat >"$work/$name/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.19)
project(bad LANGUAGES C)
include("$SRC/cmake/mblobEmbed.cmake")
file(WRITE "\${CMAKE_CURRENT_BINARY_DIR}/m.c" "int main(void) { return 0; }")
add_executable(app "\${CMAKE_CURRENT_BINARY_DIR}/m.c")
mblob_embed($args)
EOF
    if cmake -S "$work/$name" -B "$work/$name/b" -DMBLOB_EXECUTABLE="$MBLOB" >"$work/log" 2>&1; then
      fail "$name: configured"
    fi
    grep -q "$want" "$work/log" || fail "$name: no '$want' in: $(cat "$work/log")"
  done <<EOF
not_an_identifier|app FILE $work/data.bin SYMBOL my.data|is not a C identifier
missing_file|app FILE $work/none.bin SYMBOL d|is not a file
no_symbol|app FILE $work/data.bin|SYMBOL is required
bad_visibility|app FILE $work/data.bin SYMBOL d VISIBILITY public|is not default, hidden or protected
not_a_target|nope FILE $work/data.bin SYMBOL d|is not a target
EOF
}

# The package the examples find: the build tree's (tests/cmake/build_tree/mblobConfig.cmake).
package_args() {
  echo "-Dmblob_DIR=$HERE/build_tree" "-DMBLOB_BUILD_DIR=$(dirname "$MBLOB")"
}
# GENERATOR: Ninja unless set. A sanitized build's runtime needs its sanitizers in the programs
# that link it: MBLOB_TEST_LINK_FLAGS (set by tests/CMakeLists.txt) holds them.
configure_with_package() {
  local source=$1 build=$2
  shift 2
  # shellcheck disable=SC2046
  cmake -S "$source" -B "$build" -G "${GENERATOR:-Ninja}" $(package_args) \
    -DCMAKE_EXE_LINKER_FLAGS="${MBLOB_TEST_LINK_FLAGS:-}" "$@" >"$work/configure.log" 2>&1 ||
    fail "configure $source: $(cat "$work/configure.log")"
}
# examples/model's program dumps the module of KIND in BUILD's libmodel.so: it must equal FILE.
check_model_payload() {
  local build=$1 kind=$2 file=$3 index
  index=$(run "$build/model_example" | awk -v k="$kind" '$2 == k { print $1 }')
  [[ -n $index ]] || fail "libmodel.so has no $kind module"
  "$build/model_example" "$index" >"$work/payload" || fail "model_example $index failed"
  cmp -s "$work/payload" "$file" || fail "the $kind module of libmodel.so is not $file"
}

# examples/embed prints the bytes of the file it embeds; examples/model loads libmodel.so
# through the runtime: its modules are the manifest's payloads, byte for byte, and its host code
# runs.
case_ExamplesBuildAndRunAgainstThePackage() {
  configure_with_package "$SRC/examples/embed" "$work/embed"
  build "$work/embed"
  "$work/embed/embed_example" >"$work/out" 2>"$work/err" || fail "embed_example: $(cat "$work/err")"
  cmp -s "$work/out" "$SRC/examples/embed/greeting.txt" || fail "embed_example printed $(cat "$work/out")"
  grep -qx "embedded: $(stat -c %s "$SRC/examples/embed/greeting.txt") bytes" "$work/err" ||
    fail "embed_example reported $(cat "$work/err")"

  configure_with_package "$SRC/examples/model" "$work/model"
  build "$work/model"
  local got
  got=$(run "$work/model/model_example")
  [[ $got == *"ffi layout, 3 modules, model_add(20, 22) = 42"* ]] || fail "model_example: $got"
  check_model_payload "$work/model" cuda "$SRC/examples/model/kernels.ptx"
  check_model_payload "$work/model" params "$SRC/examples/model/weights.txt"
}

# mblob_add_model_library(): editing a payload or a host source named in the manifest rebuilds
# the library (with both generators); nothing changed, nothing is exported.
case_EditingAModelInputRebuildsTheLibrary() {
  local generator dir
  for generator in Ninja "Unix Makefiles"; do
    dir=$work/${generator// /_}
    mkdir -p "$dir"
    cp -r "$SRC/examples/model" "$dir/src"
    GENERATOR=$generator configure_with_package "$dir/src" "$dir/b"
    build "$dir/b"
    sleep 1
    head -c 70000 /dev/urandom >"$dir/src/weights.txt"
    build "$dir/b"
    grep -q "mblob: exporting" "$work/build.log" || fail "$generator: no export after editing a payload"
    check_model_payload "$dir/b" params "$dir/src/weights.txt"
    sed -i 's/return a + b;/return a * b;/' "$dir/src/host.c"
    build "$dir/b"
    [[ $(run "$dir/b/model_example") == *"model_add(20, 22) = 440"* ]] ||
      fail "$generator: host.c's edit is not in libmodel.so"
    build "$dir/b"
    if grep -q "mblob: exporting" "$work/build.log"; then
      fail "$generator: exported with nothing changed"
    fi
  done
}

# SYSTEM_LIB PREFIX: the static archive links whole into a program and its tree registers
# under the prefix at start-up.
case_SystemLibModelRegistersAtStartUp() {
  configure_with_package "$HERE/system_lib" "$work/b" -DMANIFEST="$SRC/examples/model/model.json"
  build "$work/b"
  [[ -f $work/b/libllama.a ]] || fail "no libllama.a"
  local want got
  # In blob order (docs/format.md, "import-tree order"), as mblob load prints it.
  want="llama___tvm_ffi__library_bin 3 _lib:0 params:$(stat -c %s "$SRC/examples/model/weights.txt")"
  want+=" cuda:$(stat -c %s "$SRC/examples/model/kernels.ptx")"
  got=$(run "$work/b/system_lib_app")
  [[ $got == "$want" ]] || fail "system_lib_app printed '$got', want '$want'"
}

# examples/embed cross-built with the aarch64 toolchain file: the object is written for
# aarch64 (the triple comes from the toolchain) and the program prints the file under qemu.
case_EmbedExampleRunsOnAarch64UnderQemu() {
  local toolchain=$SRC/cmake/toolchains/aarch64-linux-gnu.cmake
  [[ -f $toolchain ]] || skip "no $toolchain"
  command -v aarch64-linux-gnu-gcc >/dev/null || skip "no aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu)"
  command -v qemu-aarch64 >/dev/null || skip "no qemu-aarch64 (qemu-user)"
  MBLOB_TEST_LINK_FLAGS="" configure_with_package "$SRC/examples/embed" "$work/embed" \
    -DCMAKE_TOOLCHAIN_FILE="$toolchain"
  build "$work/embed"
  check_aarch64_embed_example "$work/embed"
}

# Runs BUILD's aarch64 embed_example under qemu: it must print examples/embed/greeting.txt.
check_aarch64_embed_example() {
  readelf -h "$1/embed_example" | grep -q 'Machine:.*AArch64' || fail "$1/embed_example is not aarch64"
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$1/embed_example" >"$work/out" 2>"$work/err" ||
    fail "$1/embed_example under qemu: $(cat "$work/err")"
  cmp -s "$work/out" "$SRC/examples/embed/greeting.txt" || fail "$1/embed_example printed $(cat "$work/out")"
}

# A file whose path has spaces and "*/" embeds into a C++ program: the command is quoted, the
# header's comment stays closed and its declarations are extern "C".
case_EmbedHeaderServesCxxWhateverTheFilesPath() {
  local dir="$work/a dir*/with */stars"
  mkdir -p "$dir" "$work/p"
  printf 'twelve bytes' >"$dir/da ta.bin"
  cat >"$work/p/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.19)
project(cxx LANGUAGES CXX)
include("$SRC/cmake/mblobEmbed.cmake")
add_executable(app main.cc)
mblob_embed(app FILE "$dir/da ta.bin" SYMBOL blob)
EOF
  cat >"$work/p/main.cc" <<'EOF'
#include <cstdio>
#include <string>

#include "blob.h"

int main() {
  std::printf("%s %zu\n", std::string(blob, blob_end).c_str(), static_cast<std::size_t>(blob_size));
}
EOF
  configure "$work/p" "$work/p/b" Ninja
  build "$work/p/b"
  [[ $(run "$work/p/b/app") == "twelve bytes 12" ]] || fail "app printed $(run "$work/p/b/app")"
}

# The triple rule without a toolchain file: CMAKE_SYSTEM_PROCESSOR when cross-compiling (spelled
# arm64, an alias mblob resolves), and CMAKE_C_COMPILER_TARGET (clang --target); both give an
# aarch64 object, so the programs link and run under qemu.
case_EmbedFollowsTheCrossCompilersTarget() {
  command -v aarch64-linux-gnu-gcc >/dev/null || skip "no aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu)"
  command -v qemu-aarch64 >/dev/null || skip "no qemu-aarch64 (qemu-user)"
  command -v clang >/dev/null || skip "no clang"
  MBLOB_TEST_LINK_FLAGS="" configure_with_package "$SRC/examples/embed" "$work/gcc" \
    -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=arm64 -DCMAKE_C_COMPILER=aarch64-linux-gnu-gcc
  build "$work/gcc"
  check_aarch64_embed_example "$work/gcc"
  MBLOB_TEST_LINK_FLAGS="" configure_with_package "$SRC/examples/embed" "$work/clang" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_C_COMPILER_TARGET=aarch64-linux-gnu
  build "$work/clang"
  check_aarch64_embed_example "$work/clang"
}

"case_$CASE"
