// The target table: one row per target, holding everything mblob needs to know about it: what
// an object for it looks like (container, machine, class, byte order, header flags, default
// data section, symbol prefix) and how a library for it is built on a Debian 12 machine (its
// default toolchain). The toolchain layer derives its presets from these rows
// (toolchain/toolchain.h); nothing else lists targets. Adding a target is adding a row in
// src/object/target.cc (docs/toolchains.md, "Adding a target").
//
// One row per target, and per ABI variant where the ABI lives in the object's header (the
// RISC-V float ABI, the Hexagon architecture version, which linkers compare across inputs).
//
// Names: a row's name is a GNU or LLVM triple (`x86_64-linux-gnu`, `arm64-apple-darwin`),
// optionally followed by `:variant` (`riscv64-linux-gnu:lp64f`, `hexagon-unknown-elf:v73`).
// Lookup (normalize_triple) folds case, ignores vendor fields that carry no meaning
// (`x86_64-pc-linux-gnu`, `aarch64-unknown-linux-gnu`), maps architecture spellings (`amd64`,
// `arm64`, `i386`, `ppc64le`, ...) and accepts each row's listed aliases
// (`x86_64-pc-windows-gnu` for `x86_64-w64-mingw32`). A bare architecture (`arm64`, `amd64`,
// `hexagon:v73`) names the first row of that architecture, in table order.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mblob/core/bytes.h"

namespace mblob {

enum class Container { elf, macho, coff };

// How a library for the target is built on a Debian 12 build machine: the target's default
// compiler, archiver and linker. Strings are views of static text. Space-separated lists are
// split into words; nothing is run through a shell.
struct TargetToolchain {
  std::string_view cc{};            // driver for C and assembly: "aarch64-linux-gnu-gcc", "clang"
  std::string_view cxx{};           // driver for C++ sources
  std::string_view target_flags{};  // words added to every compile and driver link:
                                    // "--target=hexagon-unknown-elf -mv73"
  std::string_view ar{};            // archiver: "aarch64-linux-gnu-ar", "llvm-ar"
  std::string_view ld{};            // when set, shared links run this linker itself: "ld.lld"
  std::string_view shared_flag{"-shared"};  // what makes the linker write a shared library
                                            // ("-dylib" for ld64.lld, "/dll" for lld-link)
  std::string_view tool_prefix{};           // prefix of the binutils linkers: "aarch64-linux-gnu-"
  std::string_view linkers{};               // `--linker` overrides accepted: "bfd gold lld mold"
  std::string_view shared_suffix{};         // ".so", ".dll", ".dylib"
  std::string_view executable_suffix{};     // "", ".exe"
  std::string_view link_flags{};    // words added to every link (determinism, platform version)
  bool pic = true;                  // compile with -fPIC
  bool can_link_executable = true;  // false: no C runtime for the target on a build machine
  // Debian packages providing the tools (named when one is missing).
  std::string_view cc_package{};
  std::string_view ar_package{};
  std::string_view ld_package{};        // the package of `ld`, when set
  std::string_view binutils_package{};  // the package of <tool_prefix>ld.bfd / ld.gold
};

struct Target {
  std::string_view triple{};   // canonical name, as listed by `mblob targets`
  std::string_view aliases{};  // other names, space-separated (beyond what normalize_triple folds)
  Container container = Container::elf;
  bool is_64 = true;  // ELFCLASS64, PE32+, Mach-O 64
  Endian endian = Endian::little;
  std::uint32_t machine = 0;         // ELF e_machine, COFF Machine, Mach-O cputype
  std::uint32_t flags = 0;           // ELF e_flags a compiler emits for a plain data object;
                                     // Mach-O cpusubtype; 0 for COFF
  std::string_view section{};        // default data section (Mach-O: "segment,section")
  std::string_view large_section{};  // section for blobs past the large threshold; empty = none
  std::uint64_t large_flags = 0;     // extra sh_flags of the large section (SHF_X86_64_LARGE)
  std::string_view symbol_prefix{};  // prepended to C symbol names: "_" on Mach-O and i386 COFF
  // Mach-O only: LC_BUILD_VERSION's platform (PLATFORM_MACOS 1, PLATFORM_IOS 2) and minimum OS
  // version (xxxx.yy.zz in nibbles: 11.0 = 0x000b0000). The toolchain's target_flags and
  // link_flags name the same version.
  std::uint32_t platform = 0;
  std::uint32_t min_os = 0;
  // ELF: the largest page size the machine's systems run with, which every PT_LOAD's p_align
  // covers (GNU ld's default -z max-page-size for the machine): 64 KiB on AArch64, Arm, POWER,
  // MIPS, LoongArch and Hexagon, 1 MiB on SPARC V9, 4 KiB on x86, RISC-V and IBM Z.
  std::uint64_t max_page_size = 4096;
  // ELF: the size of one .hash entry (gABI "Hash Table"): 8 on 64-bit IBM Z, 4 elsewhere.
  std::uint32_t hash_entry_size = 4;
  // ELF: `mblob export` links host code against a placeholder and splices the blob in
  // (object/elf_splice.h) instead of linking it. Set only where the splice tests
  // (tests/object_elf_splice_test.cc, export_splice_test.cc) load the result with every linker
  // the row accepts; other rows keep linking the blob.
  bool splice = false;
  std::string_view note{};  // one line for `mblob targets`
  TargetToolchain toolchain{};
};

// Every row, in table order.
std::span<const Target> all_targets();

// The row for `triple` (any spelling lookup accepts). Throws UsageError with the closest
// triple ("did you mean") and the known triples.
const Target& find_target(std::string_view triple);
// Like find_target, but returns nullptr instead of throwing.
const Target* lookup_target(std::string_view triple);

// The row for the machine this program was compiled for. Throws when the host is not in the
// table (then `--target` must be given).
const Target& host_target();

// The spelling lookup compares: lower case, architecture aliases mapped, meaningless vendor
// fields dropped, "-linux" completed to "-linux-gnu" (exposed for tests and error messages).
std::string normalize_triple(std::string_view triple);

std::string_view container_name(Container c);

}  // namespace mblob
