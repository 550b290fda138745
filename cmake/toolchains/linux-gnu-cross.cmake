# The body of the Linux cross toolchain files (aarch64-linux-gnu.cmake, riscv64-linux-gnu.cmake):
# Debian's cross toolchain for MBLOB_CROSS_TRIPLE (g++-<triple>, its C library under
# /usr/<triple>) and qemu-<MBLOB_CROSS_QEMU_ARCH> as the emulator. Packages, libraries and headers
# are searched for under /usr/<triple> and whatever CMAKE_FIND_ROOT_PATH already holds (a prefix
# a cross-built mblob was installed to: -DCMAKE_FIND_ROOT_PATH=<prefix>); programs (the build
# machine's mblob CLI) on the build machine.
set(CMAKE_SYSTEM_NAME Linux)

set(CMAKE_C_COMPILER ${MBLOB_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${MBLOB_CROSS_TRIPLE}-g++)

list(APPEND CMAKE_FIND_ROOT_PATH /usr/${MBLOB_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Programs built with this file run on the build machine under qemu-user (try_run, add_test).
find_program(MBLOB_CROSS_QEMU qemu-${MBLOB_CROSS_QEMU_ARCH})
if(MBLOB_CROSS_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${MBLOB_CROSS_QEMU} -L /usr/${MBLOB_CROSS_TRIPLE})
endif()
