# CMake toolchain file: riscv64 Linux with Debian's g++-riscv64-linux-gnu, run under qemu-riscv64.
#   cmake -DCMAKE_TOOLCHAIN_FILE=<mblob>/cmake/toolchains/riscv64-linux-gnu.cmake ...
# What it sets: linux-gnu-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(MBLOB_CROSS_TRIPLE riscv64-linux-gnu)
set(MBLOB_CROSS_QEMU_ARCH riscv64)
include("${CMAKE_CURRENT_LIST_DIR}/linux-gnu-cross.cmake")
