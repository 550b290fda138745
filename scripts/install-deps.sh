#!/usr/bin/env bash
# Installs everything mblob's build, tests and benchmarks use, from Debian 12's packages.
# Idempotent: apt-get skips what is already there. Run as root (or with sudo available).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  # build
  cmake ninja-build g++ clang lld libclang-rt-14-dev clang-format clang-tidy
  # libraries
  libcli11-dev libfmt-dev nlohmann-json3-dev libxxhash-dev libgtest-dev libgmock-dev libbenchmark-dev
  # a C23 compiler with #embed, for the c-embed packer (clang-19 is in Debian 12's updates)
  clang-19
  # host linkers and object tools used by the tests
  binutils mold llvm
  # eu-elflint (elfutils): checks the blob-only shared objects mblob writes without a linker
  elfutils
  # cross toolchains and emulators for the cross-target tests
  gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu qemu-user
  # cross C++ compilers: the device-only runtime (-DMBLOB_RUNTIME_ONLY=ON) is cross-built with
  # cmake/toolchains/<triple>.cmake, and a loader against it run under qemu (tests/packaging)
  g++-aarch64-linux-gnu g++-riscv64-linux-gnu
  # the cross C libraries' headers (recommended by the cross gcc packages, which
  # --no-install-recommends skips): cross presets compile code that includes <stdio.h>
  libc6-dev-arm64-cross libc6-dev-riscv64-cross
  binutils-powerpc64-linux-gnu binutils-s390x-linux-gnu binutils-mips-linux-gnu
  gcc-mingw-w64-x86-64
  # i386 COFF objects and PE32 DLLs for the COFF reader's tests (leading underscores, PE32)
  gcc-mingw-w64-i686
  # pkg-config: the installed package's mblob.pc / mblob-runtime.pc are tested through it
  pkg-config
  # Windows' loader for the exported DLLs (tests/wine, label "wine"): wine64 runs x86-64
  # programs headless (about 35 s to install here; no i386 wine32, so no 32-bit programs)
  wine wine64
  # benchmarks, and the demo's independent hash check (xxhsum)
  time hyperfine xxhash
  # bench/run (python3), its `xxd -i` method and its plot (gnuplot, pngcairo terminal)
  python3 xxd gnuplot-nox
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
