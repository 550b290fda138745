// The target table (one row per target: include/mblob/object/target.h), the spellings lookup
// accepts, and the one host detection.
#include "mblob/object/target.h"

#include <cctype>
#include <optional>
#include <vector>

#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/object/coff.h"
#include "mblob/object/elf.h"
#include "mblob/object/macho.h"

namespace mblob {
namespace {

using namespace elf;

constexpr Endian LE = Endian::little;
constexpr Endian BE = Endian::big;

// Mach-O values: object/macho.h.
using macho::kCPU_SUBTYPE_ARM64_ALL;
using macho::kCPU_SUBTYPE_X86_64_ALL;
using macho::kCPU_TYPE_ARM64;
using macho::kCPU_TYPE_X86_64;
using macho::kPLATFORM_IOS;
using macho::kPLATFORM_MACOS;

constexpr std::string_view kAllLinkers = "bfd gold lld mold";
constexpr std::uint64_t k64KiB = std::uint64_t{64} << 10;
constexpr std::uint64_t k1MiB = std::uint64_t{1} << 20;

// A target with no Debian cross gcc (or whose ABI variant the distribution's C library does not
// use): clang compiles for it and ld.lld links the shared object itself. There is no C runtime
// or C library for the target on a build machine, so such a toolchain links shared objects of
// freestanding code only.
constexpr TargetToolchain clang_ld_lld(std::string_view target_flags, std::string_view cc = "clang",
                                       std::string_view cxx = "clang++",
                                       std::string_view cc_package = "clang") {
  return {.cc = cc,
          .cxx = cxx,
          .target_flags = target_flags,
          .ar = "llvm-ar",
          .ld = "ld.lld",
          .linkers = "lld",
          .shared_suffix = ".so",
          .can_link_executable = false,
          .cc_package = cc_package,
          .ar_package = "llvm",
          .ld_package = "lld"};
}

// The rows. Object facts (class, data encoding, machine, flags) are what the target's own
// compiler emits for a data-only object (shared/TARGETS.md): a blob object carrying the same
// header links with the target's other objects without ABI-mismatch errors or warnings.
// Toolchains: a Debian cross gcc where Debian 12 has one for the row's ABI (its binutils' ar and
// linkers; `linkers` lists what can link the target: gold has no RISC-V, LoongArch or Hexagon;
// mold has no MIPS; lld-14 has no s390x and no 64-bit PowerPC ELFv1), else clang + ld.lld.
// clang-19 where clang-14 lacks the target (LoongArch, Hexagon v73).
// clang-format off
constexpr Target kTargets[] = {
  {.triple = "x86_64-linux-gnu", .endian = LE, .machine = kEM_X86_64, .section = ".rodata",
   .large_section = ".lrodata", .large_flags = kSHF_X86_64_LARGE,
   .splice = true, .note = "x86-64; blobs past the large threshold go to .lrodata",
   .toolchain = {.cc = "x86_64-linux-gnu-gcc", .cxx = "x86_64-linux-gnu-g++", .ar = "x86_64-linux-gnu-ar",
                 .tool_prefix = "x86_64-linux-gnu-", .linkers = kAllLinkers, .shared_suffix = ".so",
                 .cc_package = "gcc-x86-64-linux-gnu", .ar_package = "binutils-x86-64-linux-gnu",
                 .binutils_package = "binutils-x86-64-linux-gnu"}},
  {.triple = "i686-linux-gnu", .is_64 = false, .endian = LE, .machine = kEM_386, .section = ".rodata",
   .note = "x86 (32-bit)",
   .toolchain = {.cc = "i686-linux-gnu-gcc", .cxx = "i686-linux-gnu-g++", .ar = "i686-linux-gnu-ar",
                 .tool_prefix = "i686-linux-gnu-", .linkers = kAllLinkers, .shared_suffix = ".so",
                 .cc_package = "gcc-i686-linux-gnu", .ar_package = "binutils-i686-linux-gnu",
                 .binutils_package = "binutils-i686-linux-gnu"}},
  {.triple = "aarch64-linux-gnu", .endian = LE, .machine = kEM_AARCH64, .section = ".rodata",
   .max_page_size = k64KiB, .splice = true, .note = "AArch64",
   .toolchain = {.cc = "aarch64-linux-gnu-gcc", .cxx = "aarch64-linux-gnu-g++", .ar = "aarch64-linux-gnu-ar",
                 .tool_prefix = "aarch64-linux-gnu-", .linkers = kAllLinkers, .shared_suffix = ".so",
                 .cc_package = "gcc-aarch64-linux-gnu", .ar_package = "binutils-aarch64-linux-gnu",
                 .binutils_package = "binutils-aarch64-linux-gnu"}},
  {.triple = "aarch64_be-linux-gnu", .endian = BE, .machine = kEM_AARCH64, .section = ".rodata",
   .max_page_size = k64KiB, .note = "AArch64, big-endian",
   .toolchain = clang_ld_lld("--target=aarch64_be-linux-gnu")},
  {.triple = "arm-linux-gnueabi", .is_64 = false, .endian = LE, .machine = kEM_ARM, .flags = kEF_ARM_EABI_VER5,
   .section = ".rodata", .max_page_size = k64KiB, .note = "Arm EABI5, soft float",
   .toolchain = {.cc = "arm-linux-gnueabi-gcc", .cxx = "arm-linux-gnueabi-g++", .ar = "arm-linux-gnueabi-ar",
                 .tool_prefix = "arm-linux-gnueabi-", .linkers = kAllLinkers, .shared_suffix = ".so",
                 .cc_package = "gcc-arm-linux-gnueabi", .ar_package = "binutils-arm-linux-gnueabi",
                 .binutils_package = "binutils-arm-linux-gnueabi"}},
  {.triple = "arm-linux-gnueabihf", .is_64 = false, .endian = LE, .machine = kEM_ARM, .flags = kEF_ARM_EABI_VER5,
   .section = ".rodata", .max_page_size = k64KiB, .note = "Arm EABI5, hard float (the float ABI is not in a data object's header)",
   .toolchain = {.cc = "arm-linux-gnueabihf-gcc", .cxx = "arm-linux-gnueabihf-g++", .ar = "arm-linux-gnueabihf-ar",
                 .tool_prefix = "arm-linux-gnueabihf-", .linkers = kAllLinkers, .shared_suffix = ".so",
                 .cc_package = "gcc-arm-linux-gnueabihf", .ar_package = "binutils-arm-linux-gnueabihf",
                 .binutils_package = "binutils-arm-linux-gnueabihf"}},
  {.triple = "riscv64-linux-gnu", .endian = LE, .machine = kEM_RISCV, .flags = kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_DOUBLE,
   .section = ".rodata", .splice = true, .note = "RV64, lp64d (Linux distributions' ABI)",
   .toolchain = {.cc = "riscv64-linux-gnu-gcc", .cxx = "riscv64-linux-gnu-g++", .ar = "riscv64-linux-gnu-ar",
                 .tool_prefix = "riscv64-linux-gnu-", .linkers = "bfd lld mold", .shared_suffix = ".so",
                 .cc_package = "gcc-riscv64-linux-gnu", .ar_package = "binutils-riscv64-linux-gnu",
                 .binutils_package = "binutils-riscv64-linux-gnu"}},
  {.triple = "riscv64-linux-gnu:lp64f", .endian = LE, .machine = kEM_RISCV, .flags = kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_SINGLE,
   .section = ".rodata", .splice = true, .note = "RV64, lp64f",
   .toolchain = clang_ld_lld("--target=riscv64-linux-gnu -march=rv64gc -mabi=lp64f")},
  {.triple = "riscv64-linux-gnu:lp64", .endian = LE, .machine = kEM_RISCV, .flags = kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_SOFT,
   .section = ".rodata", .splice = true, .note = "RV64, lp64 (soft float)",
   .toolchain = clang_ld_lld("--target=riscv64-linux-gnu -march=rv64imac -mabi=lp64")},
  {.triple = "riscv32-unknown-elf", .is_64 = false, .endian = LE, .machine = kEM_RISCV, .flags = kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_SOFT,
   .section = ".rodata", .note = "RV32 bare metal, ilp32 (soft float)",
   .toolchain = clang_ld_lld("--target=riscv32-unknown-elf -march=rv32imac -mabi=ilp32")},
  {.triple = "riscv32-unknown-elf:ilp32f", .is_64 = false, .endian = LE, .machine = kEM_RISCV, .flags = kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_SINGLE,
   .section = ".rodata", .note = "RV32 bare metal, ilp32f",
   .toolchain = clang_ld_lld("--target=riscv32-unknown-elf -march=rv32imafc -mabi=ilp32f")},
  {.triple = "riscv32-unknown-elf:ilp32d", .is_64 = false, .endian = LE, .machine = kEM_RISCV, .flags = kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_DOUBLE,
   .section = ".rodata", .note = "RV32 bare metal, ilp32d",
   .toolchain = clang_ld_lld("--target=riscv32-unknown-elf -march=rv32imafdc -mabi=ilp32d")},
  {.triple = "powerpc64le-linux-gnu", .endian = LE, .machine = kEM_PPC64, .flags = kEF_PPC64_ABI_V2,
   .section = ".rodata", .max_page_size = k64KiB, .note = "POWER little-endian, ELFv2",
   .toolchain = {.cc = "powerpc64le-linux-gnu-gcc", .cxx = "powerpc64le-linux-gnu-g++", .ar = "powerpc64le-linux-gnu-ar",
                 .tool_prefix = "powerpc64le-linux-gnu-", .linkers = kAllLinkers, .shared_suffix = ".so",
                 .cc_package = "gcc-powerpc64le-linux-gnu", .ar_package = "binutils-powerpc64le-linux-gnu",
                 .binutils_package = "binutils-powerpc64le-linux-gnu"}},
  {.triple = "powerpc64-linux-gnu", .endian = BE, .machine = kEM_PPC64, .section = ".rodata",
   .max_page_size = k64KiB, .note = "POWER big-endian (ELFv1; --elf-flags 2 for ELFv2 systems)",
   .toolchain = {.cc = "powerpc64-linux-gnu-gcc", .cxx = "powerpc64-linux-gnu-g++", .ar = "powerpc64-linux-gnu-ar",
                 .tool_prefix = "powerpc64-linux-gnu-", .linkers = "bfd gold mold", .shared_suffix = ".so",
                 .cc_package = "gcc-powerpc64-linux-gnu", .ar_package = "binutils-powerpc64-linux-gnu",
                 .binutils_package = "binutils-powerpc64-linux-gnu"}},
  {.triple = "powerpc-linux-gnu", .is_64 = false, .endian = BE, .machine = kEM_PPC, .section = ".rodata",
   .max_page_size = k64KiB, .note = "PowerPC 32-bit",
   .toolchain = {.cc = "powerpc-linux-gnu-gcc", .cxx = "powerpc-linux-gnu-g++", .ar = "powerpc-linux-gnu-ar",
                 .tool_prefix = "powerpc-linux-gnu-", .linkers = kAllLinkers, .shared_suffix = ".so",
                 .cc_package = "gcc-powerpc-linux-gnu", .ar_package = "binutils-powerpc-linux-gnu",
                 .binutils_package = "binutils-powerpc-linux-gnu"}},
  {.triple = "s390x-linux-gnu", .endian = BE, .machine = kEM_S390, .section = ".rodata", .hash_entry_size = 8, .note = "IBM Z",
   .toolchain = {.cc = "s390x-linux-gnu-gcc", .cxx = "s390x-linux-gnu-g++", .ar = "s390x-linux-gnu-ar",
                 .tool_prefix = "s390x-linux-gnu-", .linkers = "bfd gold mold", .shared_suffix = ".so",
                 .cc_package = "gcc-s390x-linux-gnu", .ar_package = "binutils-s390x-linux-gnu",
                 .binutils_package = "binutils-s390x-linux-gnu"}},
  {.triple = "mips-linux-gnu", .is_64 = false, .endian = BE, .machine = kEM_MIPS,
   .flags = kEF_MIPS_ARCH_32R2 | kEF_MIPS_ABI_O32 | kEF_MIPS_CPIC | kEF_MIPS_PIC, .section = ".rodata",
   .max_page_size = k64KiB, .note = "MIPS32r2 o32, big-endian",
   .toolchain = {.cc = "mips-linux-gnu-gcc", .cxx = "mips-linux-gnu-g++", .ar = "mips-linux-gnu-ar",
                 .tool_prefix = "mips-linux-gnu-", .linkers = "bfd gold lld", .shared_suffix = ".so",
                 .cc_package = "gcc-mips-linux-gnu", .ar_package = "binutils-mips-linux-gnu",
                 .binutils_package = "binutils-mips-linux-gnu"}},
  {.triple = "mipsel-linux-gnu", .is_64 = false, .endian = LE, .machine = kEM_MIPS,
   .flags = kEF_MIPS_ARCH_32R2 | kEF_MIPS_ABI_O32 | kEF_MIPS_CPIC | kEF_MIPS_PIC, .section = ".rodata",
   .max_page_size = k64KiB, .note = "MIPS32r2 o32, little-endian",
   .toolchain = {.cc = "mipsel-linux-gnu-gcc", .cxx = "mipsel-linux-gnu-g++", .ar = "mipsel-linux-gnu-ar",
                 .tool_prefix = "mipsel-linux-gnu-", .linkers = "bfd gold lld", .shared_suffix = ".so",
                 .cc_package = "gcc-mipsel-linux-gnu", .ar_package = "binutils-mipsel-linux-gnu",
                 .binutils_package = "binutils-mipsel-linux-gnu"}},
  {.triple = "mips64el-linux-gnuabi64", .endian = LE, .machine = kEM_MIPS,
   .flags = kEF_MIPS_ARCH_64R2 | kEF_MIPS_CPIC | kEF_MIPS_PIC, .section = ".rodata",
   .max_page_size = k64KiB, .note = "MIPS64r2 n64, little-endian",
   .toolchain = {.cc = "mips64el-linux-gnuabi64-gcc", .cxx = "mips64el-linux-gnuabi64-g++", .ar = "mips64el-linux-gnuabi64-ar",
                 .tool_prefix = "mips64el-linux-gnuabi64-", .linkers = "bfd gold lld", .shared_suffix = ".so",
                 .cc_package = "gcc-mips64el-linux-gnuabi64", .ar_package = "binutils-mips64el-linux-gnuabi64",
                 .binutils_package = "binutils-mips64el-linux-gnuabi64"}},
  {.triple = "loongarch64-linux-gnu", .endian = LE, .machine = kEM_LOONGARCH,
   .flags = kEF_LOONGARCH_OBJABI_V1 | kEF_LOONGARCH_ABI_DOUBLE_FLOAT, .section = ".rodata",
   .max_page_size = k64KiB, .note = "LoongArch64, lp64d",
   .toolchain = {.cc = "clang-19", .cxx = "clang++-19", .target_flags = "--target=loongarch64-linux-gnu",
                 .ar = "llvm-ar", .ld = "ld.lld-19", .linkers = "lld", .shared_suffix = ".so",
                 .can_link_executable = false, .cc_package = "clang-19", .ar_package = "llvm",
                 .ld_package = "lld-19"}},
  {.triple = "sparc64-linux-gnu", .endian = BE, .machine = kEM_SPARCV9, .section = ".rodata", .max_page_size = k1MiB, .note = "SPARC V9",
   .toolchain = {.cc = "sparc64-linux-gnu-gcc", .cxx = "sparc64-linux-gnu-g++", .ar = "sparc64-linux-gnu-ar",
                 .tool_prefix = "sparc64-linux-gnu-", .linkers = kAllLinkers, .shared_suffix = ".so",
                 .cc_package = "gcc-sparc64-linux-gnu", .ar_package = "binutils-sparc64-linux-gnu",
                 .binutils_package = "binutils-sparc64-linux-gnu"}},
  {.triple = "hexagon-unknown-elf", .is_64 = false, .endian = LE, .machine = kEM_QDSP6, .flags = kEF_HEXAGON_MACH_V60,
   .section = ".rodata", .max_page_size = k64KiB, .note = "Hexagon v60 (clang's default)",
   .toolchain = clang_ld_lld("--target=hexagon-unknown-elf")},
  {.triple = "hexagon-unknown-elf:v66", .is_64 = false, .endian = LE, .machine = kEM_QDSP6, .flags = kEF_HEXAGON_MACH_V66,
   .section = ".rodata", .max_page_size = k64KiB, .note = "Hexagon v66",
   .toolchain = clang_ld_lld("--target=hexagon-unknown-elf -mv66")},
  {.triple = "hexagon-unknown-elf:v68", .is_64 = false, .endian = LE, .machine = kEM_QDSP6, .flags = kEF_HEXAGON_MACH_V68,
   .section = ".rodata", .max_page_size = k64KiB, .note = "Hexagon v68",
   .toolchain = clang_ld_lld("--target=hexagon-unknown-elf -mv68")},
  {.triple = "hexagon-unknown-elf:v69", .is_64 = false, .endian = LE, .machine = kEM_QDSP6, .flags = kEF_HEXAGON_MACH_V69,
   .section = ".rodata", .max_page_size = k64KiB, .note = "Hexagon v69",
   .toolchain = clang_ld_lld("--target=hexagon-unknown-elf -mv69")},
  {.triple = "hexagon-unknown-elf:v73", .is_64 = false, .endian = LE, .machine = kEM_QDSP6, .flags = kEF_HEXAGON_MACH_V73,
   .section = ".rodata", .max_page_size = k64KiB, .note = "Hexagon v73",
   .toolchain = clang_ld_lld("--target=hexagon-unknown-elf -mv73", "clang-19", "clang++-19", "clang-19")},

  // Mach-O: data in __TEXT,__const, C symbols with a leading underscore. clang compiles; ld64.lld
  // links a dylib of self-contained code without an SDK (no executables: no SDK, no libSystem).
  // The minimum OS is named once per row in min_os and in the flags, which a test compares.
  {.triple = "x86_64-apple-darwin", .aliases = "x86_64-apple-macos x86_64-apple-macosx",
   .container = Container::macho, .endian = LE, .machine = kCPU_TYPE_X86_64, .flags = kCPU_SUBTYPE_X86_64_ALL,
   .section = "__TEXT,__const", .symbol_prefix = "_", .platform = kPLATFORM_MACOS, .min_os = 0x000a0d00,
   .note = "macOS x86-64 (10.13 or later)",
   .toolchain = {.cc = "clang", .cxx = "clang++", .target_flags = "--target=x86_64-apple-macos10.13",
                 .ar = "llvm-ar", .ld = "ld64.lld-14", .shared_flag = "-dylib", .linkers = "lld",
                 .shared_suffix = ".dylib", .link_flags = "-arch x86_64 -platform_version macos 10.13 10.13",
                 .can_link_executable = false, .cc_package = "clang", .ar_package = "llvm", .ld_package = "lld-14"}},
  {.triple = "arm64-apple-darwin", .aliases = "arm64-apple-macos arm64-apple-macosx",  // aarch64-apple-darwin: folded
   .container = Container::macho, .endian = LE, .machine = kCPU_TYPE_ARM64, .flags = kCPU_SUBTYPE_ARM64_ALL,
   .section = "__TEXT,__const", .symbol_prefix = "_", .platform = kPLATFORM_MACOS, .min_os = 0x000b0000,
   .note = "macOS on Apple silicon (11.0 or later)",
   .toolchain = {.cc = "clang", .cxx = "clang++", .target_flags = "--target=arm64-apple-macos11.0",
                 .ar = "llvm-ar", .ld = "ld64.lld-14", .shared_flag = "-dylib", .linkers = "lld",
                 .shared_suffix = ".dylib", .link_flags = "-arch arm64 -platform_version macos 11.0 11.0",
                 .can_link_executable = false, .cc_package = "clang", .ar_package = "llvm", .ld_package = "lld-14"}},
  {.triple = "arm64-apple-ios", .container = Container::macho, .endian = LE, .machine = kCPU_TYPE_ARM64,
   .flags = kCPU_SUBTYPE_ARM64_ALL, .section = "__TEXT,__const", .symbol_prefix = "_", .platform = kPLATFORM_IOS,
   .min_os = 0x000c0000, .note = "iOS arm64 (12.0 or later)",
   .toolchain = {.cc = "clang", .cxx = "clang++", .target_flags = "--target=arm64-apple-ios12.0",
                 .ar = "llvm-ar", .ld = "ld64.lld-14", .shared_flag = "-dylib", .linkers = "lld",
                 .shared_suffix = ".dylib", .link_flags = "-arch arm64 -platform_version ios 12.0 12.0",
                 .can_link_executable = false, .cc_package = "clang", .ar_package = "llvm", .ld_package = "lld-14"}},

  // COFF: data in .rdata; i386 C symbols have a leading underscore. MinGW rows build with the
  // Debian mingw gcc (PE/COFF code needs no -fPIC; --no-insert-timestamp and
  // --disable-auto-image-base make the DLL byte-identical across runs: GNU ld otherwise hashes
  // the output path, our staging directory, into the image base). MSVC-flavoured rows compile
  // with clang and link with lld-link /dll, with no C runtime (no SDK on a build machine):
  // /noentry and /nodefaultlib (clang names the CRT in each object's directives), and /Brepro
  // for a reproducible timestamp.
  {.triple = "x86_64-w64-mingw32", .aliases = "x86_64-pc-windows-gnu x86_64-w64-windows-gnu",
   .container = Container::coff, .endian = LE, .machine = coff::kIMAGE_FILE_MACHINE_AMD64, .section = ".rdata",
   .note = "Windows x64, MinGW",
   .toolchain = {.cc = "x86_64-w64-mingw32-gcc", .cxx = "x86_64-w64-mingw32-g++", .ar = "x86_64-w64-mingw32-ar",
                 .tool_prefix = "x86_64-w64-mingw32-", .linkers = "bfd lld", .shared_suffix = ".dll",
                 .executable_suffix = ".exe", .link_flags = "-Wl,--no-insert-timestamp -Wl,--disable-auto-image-base",
                 .pic = false, .cc_package = "gcc-mingw-w64-x86-64", .ar_package = "binutils-mingw-w64-x86-64",
                 .binutils_package = "binutils-mingw-w64-x86-64"}},
  {.triple = "i686-w64-mingw32", .aliases = "i686-pc-windows-gnu i686-w64-windows-gnu",
   .container = Container::coff, .is_64 = false, .endian = LE, .machine = coff::kIMAGE_FILE_MACHINE_I386,
   .section = ".rdata", .symbol_prefix = "_", .note = "Windows x86 (32-bit), MinGW",
   .toolchain = {.cc = "i686-w64-mingw32-gcc", .cxx = "i686-w64-mingw32-g++", .ar = "i686-w64-mingw32-ar",
                 .tool_prefix = "i686-w64-mingw32-", .linkers = "bfd lld", .shared_suffix = ".dll",
                 .executable_suffix = ".exe", .link_flags = "-Wl,--no-insert-timestamp -Wl,--disable-auto-image-base",
                 .pic = false, .cc_package = "gcc-mingw-w64-i686", .ar_package = "binutils-mingw-w64-i686",
                 .binutils_package = "binutils-mingw-w64-i686"}},
  {.triple = "x86_64-pc-windows-msvc", .container = Container::coff, .endian = LE,
   .machine = coff::kIMAGE_FILE_MACHINE_AMD64, .section = ".rdata", .note = "Windows x64, MSVC ABI",
   .toolchain = {.cc = "clang", .cxx = "clang++", .target_flags = "--target=x86_64-pc-windows-msvc",
                 .ar = "llvm-ar", .ld = "lld-link", .shared_flag = "/dll", .linkers = "lld",
                 .shared_suffix = ".dll", .executable_suffix = ".exe", .link_flags = "/noentry /nodefaultlib /Brepro",
                 .pic = false, .can_link_executable = false, .cc_package = "clang", .ar_package = "llvm",
                 .ld_package = "lld"}},
  {.triple = "aarch64-pc-windows-msvc", .container = Container::coff, .endian = LE,
   .machine = coff::kIMAGE_FILE_MACHINE_ARM64, .section = ".rdata", .note = "Windows on Arm64, MSVC ABI",
   .toolchain = {.cc = "clang", .cxx = "clang++", .target_flags = "--target=aarch64-pc-windows-msvc",
                 .ar = "llvm-ar", .ld = "lld-link", .shared_flag = "/dll", .linkers = "lld",
                 .shared_suffix = ".dll", .executable_suffix = ".exe", .link_flags = "/noentry /nodefaultlib /Brepro",
                 .pic = false, .can_link_executable = false, .cc_package = "clang", .ar_package = "llvm",
                 .ld_package = "lld"}},
};
// clang-format on

// Architecture spellings that name the same row architecture.
struct Alias {
  std::string_view from;
  std::string_view to;
};
constexpr Alias kArchAliases[] = {
    {"amd64", "x86_64"},        {"x86-64", "x86_64"},
    {"i386", "i686"},           {"i486", "i686"},
    {"i586", "i686"},           {"x86", "i686"},
    {"arm64", "aarch64"},       {"arm64_be", "aarch64_be"},
    {"armv5te", "arm"},         {"armv6", "arm"},
    {"armv7", "arm"},           {"armv7a", "arm"},
    {"armv7l", "arm"},          {"armel", "arm"},
    {"ppc64le", "powerpc64le"}, {"powerpc64el", "powerpc64le"},
    {"ppc64el", "powerpc64le"}, {"ppc64", "powerpc64"},
    {"ppc", "powerpc"},         {"powerpc32", "powerpc"},
    {"riscv64gc", "riscv64"},   {"riscv32imac", "riscv32"},
    {"sparcv9", "sparc64"},     {"qdsp6", "hexagon"},
};

// Vendor fields that do not change the target.
constexpr std::string_view kVendors[] = {"unknown", "pc", "none", "generic"};

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = s.find(sep, start);
    parts.emplace_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Every name of a row, as written: its triple, then its aliases.
std::vector<std::string_view> spellings(const Target& t) {
  std::vector<std::string_view> out{t.triple};
  std::string_view rest = t.aliases;
  while (!rest.empty()) {
    std::size_t end = rest.find(' ');
    if (end != 0) out.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return out;
}

// "arm64" -> ("aarch64", ""), "hexagon:v73" -> ("hexagon", ":v73"): the architecture and
// variant of a normalized name, when it is a bare architecture (no '-'); else nullopt.
struct BareArch {
  std::string arch;
  std::string variant;
};
std::optional<BareArch> bare_arch(const std::string& normalized) {
  std::size_t colon = normalized.find(':');
  std::string base = normalized.substr(0, colon);
  if (base.empty() || base.find('-') != std::string::npos) return std::nullopt;
  return BareArch{base, colon == std::string::npos ? "" : normalized.substr(colon)};
}

std::string known_list() {
  std::string out;
  for (const auto& t : kTargets) {
    if (!out.empty()) out += ", ";
    out += t.triple;
  }
  return out;
}

}  // namespace

std::span<const Target> all_targets() { return kTargets; }

std::string_view container_name(Container c) {
  switch (c) {
    case Container::elf:
      return "ELF";
    case Container::macho:
      return "Mach-O";
    case Container::coff:
      return "COFF";
  }
  return "?";
}

std::string normalize_triple(std::string_view triple) {
  std::string lower;
  for (char c : triple) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view variant;
  std::string_view base = lower;
  if (std::size_t colon = base.find(':'); colon != std::string_view::npos) {
    variant = base.substr(colon);
    base = base.substr(0, colon);
  }
  // "x86-64" contains the separator; fold it before splitting.
  std::string b(base);
  if (b.rfind("x86-64", 0) == 0) b.replace(0, 6, "x86_64");
  std::vector<std::string> parts = split(b, '-');
  for (const auto& a : kArchAliases) {
    if (parts[0] == a.from) parts[0] = a.to;
  }
  auto is_vendor = [](const std::string& p) {
    for (auto v : kVendors) {
      if (p == v) return true;
    }
    return false;
  };
  while (parts.size() >= 3 && is_vendor(parts[1])) parts.erase(parts.begin() + 1);
  if (parts.size() == 2 && parts[1] == "linux") parts.emplace_back("gnu");
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) out += "-" + parts[i];
  out += variant;
  return out;
}

const Target* lookup_target(std::string_view triple) {
  std::string want = normalize_triple(triple);
  if (want.empty()) return nullptr;
  for (const auto& t : kTargets) {
    for (std::string_view name : spellings(t)) {
      if (normalize_triple(name) == want) return &t;
    }
  }
  // A bare architecture: the first row of that architecture and variant, in table order.
  if (auto bare = bare_arch(want)) {
    for (const auto& t : kTargets) {
      std::string row = normalize_triple(t.triple);
      std::size_t colon = row.find(':');
      std::string variant = colon == std::string::npos ? "" : row.substr(colon);
      if (row.substr(0, row.find('-')) == bare->arch && variant == bare->variant) return &t;
    }
  }
  return nullptr;
}

const Target& find_target(std::string_view triple) {
  if (const Target* t = lookup_target(triple)) return *t;
  // The closest spelling (or bare architecture), compared normalized (so "arm64-apple-macoss"
  // is one edit from the alias "arm64-apple-macos"), suggested as its row's canonical triple.
  std::vector<std::string> names;
  for (const auto& t : kTargets) {
    for (std::string_view name : spellings(t)) {
      names.push_back(normalize_triple(name));
      names.push_back(names.back().substr(0, names.back().find('-')));  // the bare architecture
    }
  }
  std::string suggestion;
  std::string closest = closest_match(normalize_triple(triple), names);
  if (closest.empty()) closest = closest_match(triple, names);
  if (const Target* near = closest.empty() ? nullptr : lookup_target(closest)) {
    suggestion = did_you_mean(near->triple, {std::string(near->triple)});
  }
  throw UsageError(
      "unknown target '" + printable(triple) + "'" + suggestion +
      " (known targets: " + known_list() +
      "; vendor fields like -unknown- or -pc- may be added; `mblob targets` lists them)");
}

const Target& host_target() {
  // The compiler's predefined macros name the machine this binary runs on.
#if defined(__APPLE__) && defined(__x86_64__)
  constexpr std::string_view host = "x86_64-apple-darwin";
#elif defined(__APPLE__) && defined(__aarch64__)
  constexpr std::string_view host = "arm64-apple-darwin";
#elif defined(__x86_64__)
  constexpr std::string_view host = "x86_64-linux-gnu";
#elif defined(__i386__)
  constexpr std::string_view host = "i686-linux-gnu";
#elif defined(__aarch64__) && defined(__AARCH64EB__)
  constexpr std::string_view host = "aarch64_be-linux-gnu";
#elif defined(__aarch64__)
  constexpr std::string_view host = "aarch64-linux-gnu";
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
  constexpr std::string_view host = "arm-linux-gnueabihf";
#elif defined(__arm__)
  constexpr std::string_view host = "arm-linux-gnueabi";
#elif defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_double)
  constexpr std::string_view host = "riscv64-linux-gnu";
#elif defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_single)
  constexpr std::string_view host = "riscv64-linux-gnu:lp64f";
#elif defined(__riscv) && __riscv_xlen == 64
  constexpr std::string_view host = "riscv64-linux-gnu:lp64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  constexpr std::string_view host = "powerpc64le-linux-gnu";
#elif defined(__powerpc64__)
  constexpr std::string_view host = "powerpc64-linux-gnu";
#elif defined(__powerpc__)
  constexpr std::string_view host = "powerpc-linux-gnu";
#elif defined(__s390x__)
  constexpr std::string_view host = "s390x-linux-gnu";
#elif defined(__mips64) && defined(__MIPSEL__)
  constexpr std::string_view host = "mips64el-linux-gnuabi64";
#elif defined(__mips__) && defined(__MIPSEL__)
  constexpr std::string_view host = "mipsel-linux-gnu";
#elif defined(__mips__)
  constexpr std::string_view host = "mips-linux-gnu";
#elif defined(__loongarch64)
  constexpr std::string_view host = "loongarch64-linux-gnu";
#elif defined(__sparc__) && defined(__arch64__)
  constexpr std::string_view host = "sparc64-linux-gnu";
#else
  constexpr std::string_view host = "";
#endif
  if (host.empty()) {
    throw Error("this host's machine is not in the target table; pass --target (known: " +
                known_list() + ")");
  }
  return find_target(host);
}

}  // namespace mblob
