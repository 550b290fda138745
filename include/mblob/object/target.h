// The target table: everything an object writer needs to know about a target, by triple.
//
// One row per target (and per ABI variant where the ABI lives in the object's header, e.g. the
// RISC-V float ABI or the Hexagon architecture version, which linkers compare across inputs).
// Adding a target is adding a row in src/object/target.cc; no writer changes. The container
// column leaves room for Mach-O and COFF rows, which the native writer will dispatch on.
//
// Names: a row's name is a GNU triple (`x86_64-linux-gnu`), optionally followed by `:variant`
// (`riscv64-linux-gnu:lp64f`, `hexagon-unknown-elf:v73`). Lookup accepts the usual spellings
// of the same triple: a vendor field (`x86_64-pc-linux-gnu`, `aarch64-unknown-linux-gnu`) and
// architecture aliases (`amd64`, `i386`, `arm64`, `ppc64le`, ...).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mblob/core/bytes.h"

namespace mblob {

enum class Container { elf, macho, coff };

struct Target {
  std::string_view triple;  // canonical name, as listed by `mblob targets`
  Container container;
  bool is_64;  // ELFCLASS64 (or the 64-bit form of the container)
  Endian endian;
  std::uint16_t machine;           // ELF e_machine
  std::uint32_t flags;             // ELF e_flags a compiler emits for a plain data object
  std::string_view section;        // default data section
  std::string_view large_section;  // section for blobs past the large threshold; empty = none
  std::uint64_t large_flags;       // extra sh_flags of the large section (SHF_X86_64_LARGE)
  std::string_view symbol_prefix;  // prepended to C symbol names (Mach-O: "_"); none for ELF
  std::string_view note;           // one line for `mblob targets`
};

// Every row, in table order.
std::span<const Target> all_targets();

// The row for `triple` (after normalizing aliases). Throws UsageError with the closest triple
// ("did you mean") and the known triples.
const Target& find_target(std::string_view triple);
// Like find_target, but returns nullptr instead of throwing.
const Target* lookup_target(std::string_view triple);

// The row for the machine this program was compiled for. Throws when the host is not in the
// table (then `--target` must be given).
const Target& host_target();

// The normalized spelling lookup uses (exposed for tests and error messages).
std::string normalize_triple(std::string_view triple);

std::string_view container_name(Container c);

}  // namespace mblob
