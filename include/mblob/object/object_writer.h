// The object API: a blob becomes a relocatable object defining one data symbol, for any target
// in the table (object/target.h), with no toolchain. One entry point for every container;
// the target row's container picks the writer (ELF: elf_writer.h; Mach-O and COFF: their own
// headers), which only lays out bytes. What every container shares lives here: the spec, the
// common checks, the streaming copy of the payload, atomic and deterministic output, progress.
//
// A container's file is always: head (headers, load commands or section headers: a size that
// does not depend on the payload's length), zeros up to data_offset, the payload, then the
// tail (symbol and string tables, section headers ...). A stream of unknown length is written
// with a provisional head, which is rewritten once the length is known.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/byte_source.h"
#include "mblob/core/digest.h"
#include "mblob/object/naming_rules.h"  // the symbol, section and alignment rules
#include "mblob/object/target.h"

namespace mblob {

enum class Visibility { default_, hidden, protected_ };

// "default" | "hidden" | "protected"; throws Error on anything else.
Visibility parse_visibility(std::string_view name);
std::string_view visibility_name(Visibility v);

// With ObjectSpec::size_symbol, the writers also define <symbol> + these suffixes.
inline constexpr std::string_view kEndSymbolSuffix = "_end";
inline constexpr std::string_view kSizeSymbolSuffix = "_size";

struct ObjectSpec {
  std::string symbol;              // the blob symbol's C name, e.g. "__tvm_ffi__library_bin"
  const Target* target = nullptr;  // nullptr = host_target()
  // Empty = the target's default (ELF ".rodata", Mach-O "__TEXT,__const", COFF ".rdata").
  std::string section;
  std::uint64_t align = 16;  // power of two, 1 .. max_alignment(container) (naming_rules.h)
  Visibility visibility = Visibility::default_;
  // Large data (x86-64 ELF only): force the large section (.lrodata + SHF_X86_64_LARGE), or let
  // payloads larger than `large_threshold` bytes go there when `section` is not given. The
  // default threshold is TVM's LLVM packer's: more than 1 GiB.
  bool large = false;
  std::uint64_t large_threshold = std::uint64_t{1} << 30;
  // Also define <symbol>_end (the end of the data) and <symbol>_size (a const uint64_t object
  // holding the length, in its own read-only section); both relocatable, so PIE code can use
  // them. C: extern const unsigned char NAME[], NAME_end[]; extern const uint64_t NAME_size;
  bool size_symbol = false;
  std::optional<std::uint32_t> elf_flags;  // overrides the target's e_flags (ELF only)
};

struct WriteOptions {
  bool progress = false;  // draw a progress bar on stderr when it is a terminal
};

// What was written (for messages and tests).
struct ObjectInfo {
  std::uint64_t payload_size = 0;
  std::uint64_t file_size = 0;
  std::string section;  // the data section's final name, as the container spells it
  bool large = false;   // SHF_X86_64_LARGE was set
};

// Payloads from this size on start at kBigPayloadAlign in the file instead of right after the
// head. Measured (Linux 6.x, ext4, page cache in large folios): copy_file_range of 1 GiB into an
// output offset that is not 64 KiB-aligned runs 1.4x slower than into an aligned one, while the
// padding costs at most 6% of a 1 MiB object and nothing measurable beyond.
inline constexpr std::uint64_t kBigPayload = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kBigPayloadAlign = std::uint64_t{64} << 10;

// Where a container puts the payload, and how much it can hold for a spec.
struct ObjectLayout {
  std::uint64_t data_offset = 0;           // file offset of the payload's first byte
  std::uint64_t max_payload = UINT64_MAX;  // the largest payload the container holds
  std::string limit;                       // why max_payload ("ELF32 offsets and sizes are 32-bit")
  std::string object;  // what is limited, for the error ("an ELF32 object", "a COFF object")
};

// One container's byte layout. Implementations are stateless singletons.
class ContainerWriter {
 public:
  virtual ~ContainerWriter() = default;
  virtual std::string_view name() const = 0;  // "ELF", "Mach-O", "COFF"
  // Container-specific checks of the spec (section syntax, options that do not apply); the
  // common ones (symbol, alignment) are done before. Throws Error.
  virtual void validate(const ObjectSpec& spec, const Target& t) const = 0;
  // Where the payload goes. `big`: the payload has at least kBigPayload bytes.
  virtual ObjectLayout layout(const ObjectSpec& spec, const Target& t, bool big) const = 0;
  // The bytes at offset 0. Their count must not depend on `payload_size` and must not exceed
  // l.data_offset (the caller zero-fills the gap).
  virtual std::vector<std::uint8_t> head(const ObjectSpec& spec, const Target& t,
                                         const ObjectLayout& l,
                                         std::uint64_t payload_size) const = 0;
  // The bytes right after the payload. Fills info.section and info.large.
  virtual std::vector<std::uint8_t> tail(const ObjectSpec& spec, const Target& t,
                                         const ObjectLayout& l, std::uint64_t payload_size,
                                         ObjectInfo& info) const = 0;
};

// The writer of a container (adding a container is adding a case here and its files).
const ContainerWriter& container_writer(Container c);

// spec.target, or the host's row.
const Target& resolve_target(const ObjectSpec& spec);

// Checks a spec without writing anything (also done by write_object). Throws Error.
void validate(const ObjectSpec& spec);

// Writes `payload` as the blob symbol's bytes into a new object at `out` (atomically).
ObjectInfo write_object(const ObjectSpec& spec, const ByteSource& payload,
                        const std::filesystem::path& out, const WriteOptions& options = {});

// Same, from a stream of unknown length (a pipe, stdin): the payload is copied first and the
// head rewritten afterwards. `in_name` names the stream in errors ("<stdin>").
ObjectInfo write_object_from_fd(const ObjectSpec& spec, int in_fd, const std::string& in_name,
                                const std::filesystem::path& out, const WriteOptions& options = {});

// The integrity digest's object: `symbol` (<prefix>__mblob_digest) defined as the 16 bytes of
// `digest` (canonical order, core/digest.h) in the target's read-only data section, 8-aligned,
// default visibility (so a stripped library keeps it in .dynsym). Export adds it to the link
// whatever the packer.
ObjectInfo write_digest_object(const std::string& symbol, const Digest128& digest,
                               const Target& target, const std::filesystem::path& out);

}  // namespace mblob
