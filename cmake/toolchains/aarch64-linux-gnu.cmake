# CMake toolchain file: aarch64 Linux with Debian's g++-aarch64-linux-gnu, run under qemu-aarch64.
#   cmake -DCMAKE_TOOLCHAIN_FILE=<mblob>/cmake/toolchains/aarch64-linux-gnu.cmake ...
# What it sets: linux-gnu-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(MBLOB_CROSS_TRIPLE aarch64-linux-gnu)
set(MBLOB_CROSS_QEMU_ARCH aarch64)
include("${CMAKE_CURRENT_LIST_DIR}/linux-gnu-cross.cmake")
