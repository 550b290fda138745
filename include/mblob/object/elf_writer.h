// The native ELF object writer: a blob becomes a relocatable object (ET_REL) defining one
// global data symbol, for any ELF target in the target table, with no toolchain.
//
// File layout (everything after the payload depends on its size, so a stream of unknown
// length needs only the ELF header patched once it ends):
//
//   offset 0            ELF header (52 or 64 bytes)
//   data_offset         payload: the data section's bytes, copied file-to-file
//                       (data_offset = header size rounded up to min(align, 4096); payloads
//                       of 1 MiB or more start at 64 KiB, where in-kernel copies run fastest)
//   after the payload   [size section: the payload's length, 8 bytes, 8-aligned]
//                       .symtab  null symbol, <symbol> [, <symbol>_end, <symbol>_size]
//                       .strtab, .shstrtab
//                       section headers: [0] null, [1] data (.rodata / .lrodata / --section),
//                       [2] .note.GNU-stack, [3] .symtab, [4] .strtab, [5] .shstrtab
//                       [, [6] .rodata.<symbol>_size]
//
// The output is written through AtomicFile (temp file + rename) and is deterministic: no
// timestamps, no paths, no padding with uninitialized bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "mblob/core/byte_source.h"
#include "mblob/core/digest.h"
#include "mblob/object/target.h"

namespace mblob {

enum class Visibility { default_, hidden, protected_ };

// "default" | "hidden" | "protected"; throws Error on anything else.
Visibility parse_visibility(std::string_view name);
std::string_view visibility_name(Visibility v);

struct ObjectSpec {
  std::string symbol;              // the blob symbol, e.g. "__tvm_ffi__library_bin"
  const Target* target = nullptr;  // nullptr = host_target()
  std::string section;             // empty = the target's default (".rodata")
  std::uint64_t align = 16;        // power of two, 1 .. 1 GiB
  Visibility visibility = Visibility::default_;
  // Large data (x86-64 only): force the large section (.lrodata + SHF_X86_64_LARGE), or let
  // payloads larger than `large_threshold` bytes go there when `section` is not given. The
  // default threshold is TVM's LLVM packer's: more than 1 GiB.
  bool large = false;
  std::uint64_t large_threshold = std::uint64_t{1} << 30;
  // Also define <symbol>_end (the end of the data) and <symbol>_size (a const uint64_t object
  // holding the length, in its own read-only section); both relocatable, so PIE code can use
  // them. C: extern const unsigned char NAME[], NAME_end[]; extern const uint64_t NAME_size;
  bool size_symbol = false;
  std::optional<std::uint32_t> elf_flags;  // overrides the target's e_flags
};

struct WriteOptions {
  bool progress = false;  // draw a progress bar on stderr when it is a terminal
};

// What was written (for messages and tests).
struct ObjectInfo {
  std::uint64_t payload_size = 0;
  std::uint64_t file_size = 0;
  std::string section;  // the data section's final name
  bool large = false;   // SHF_X86_64_LARGE was set
};

// Checks a spec without writing anything (also done by write_object). Throws Error.
void validate(const ObjectSpec& spec);

// Throws Error unless `align` is a blob alignment every writer and packer accepts: a power of
// two from 1 to 1 GiB. `context` ("asm-incbin: ", "--align: ") goes in front of the message.
void check_alignment(std::uint64_t align, std::string_view context = "");

// Writes `payload` as the blob symbol's bytes into a new object at `out` (atomically).
ObjectInfo write_object(const ObjectSpec& spec, const ByteSource& payload,
                        const std::filesystem::path& out, const WriteOptions& options = {});

// Same, from a stream of unknown length (a pipe, stdin): the payload is copied first and the
// ELF header patched afterwards. `in_name` names the stream in errors ("<stdin>").
ObjectInfo write_object_from_fd(const ObjectSpec& spec, int in_fd, const std::string& in_name,
                                const std::filesystem::path& out, const WriteOptions& options = {});

// The integrity digest's object: `symbol` (<prefix>__mblob_digest) defined as the 16 bytes of
// `digest` (canonical order, core/digest.h) in .rodata, 8-aligned, default visibility (so a
// stripped library keeps it in .dynsym). Export adds it to the link whatever the packer.
ObjectInfo write_digest_object(const std::string& symbol, const Digest128& digest,
                               const Target& target, const std::filesystem::path& out);

}  // namespace mblob
