// Packers: the step that turns a serialized blob into file(s) a toolchain links.
//
// This is TVM's `fpack_imports` hook (export_library(..., fpack_imports=f)) made first-class:
// one interface, a registry of built-in packers chosen by name, and a callback for your own.
// A packer receives the blob (streamable bytes), the symbol to define (prefix included), the
// target, the system-lib flag and a workspace directory; it returns the files to add to the
// link: objects (.o), archives (.a), or sources (.c .cc .S .s) that the export toolchain
// compiles. System-lib registration is not the packer's job: export adds a registration object
// whatever the packer (docs/packers.md).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "mblob/core/byte_source.h"
#include "mblob/format/layout.h"
#include "mblob/object/object_writer.h"
#include "mblob/object/target.h"

namespace mblob {

class Toolchain;

// The blob symbol's alignment in an object when none is asked for.
inline constexpr std::uint64_t kDefaultBlobAlign = 16;

// Knobs of the individual packers (each reads the ones it needs).
struct PackSettings {
  // The blob symbol's alignment, a power of two; 0 (the default) lets mblob choose: 16 in an
  // object (object_align(), what native, asm-incbin, c-embed and objcopy use; export hands a
  // packer or fpack_imports callback the resolved value, never 0); in a library export lays
  // out itself (spliced or blob-only), wherever the blob's largest payload lands page-aligned
  // (ByteSource::copy_phase; docs/splice.md "Where the blob starts").
  std::uint64_t align = 0;
  std::uint64_t object_align() const { return align != 0 ? align : kDefaultBlobAlign; }
  Visibility visibility = Visibility::default_;  // native
  std::string section;                           // native, asm-incbin ("" = target default)
  std::uint64_t large_threshold = std::uint64_t{1} << 30;  // native (x86-64 .lrodata)
  std::string objcopy = "objcopy";  // objcopy: program (GNU objcopy or llvm-objcopy)
  std::string command;              // command: template (docs/packers.md)
  bool progress = false;            // draw progress on a terminal
};

struct PackRequest {
  const ByteSource* blob = nullptr;  // the blob symbol's contents (header + body)
  std::string symbol;                // name to define, prefix included
  std::string prefix;                // the system-lib prefix alone ("" when none)
  Format format = Format::ffi;
  const Target* target = nullptr;        // the object writer's target
  std::string triple;                    // as the user gave it (for commands)
  const Toolchain* toolchain = nullptr;  // the export toolchain; null when packing alone
  bool system_lib = false;
  std::filesystem::path workspace;  // where the packer writes its files
  PackSettings settings;

  // The blob as a file in the workspace ("imports.bin"), written on first use. For packers
  // that hand the bytes to another tool (objcopy, .incbin, a user command).
  const std::filesystem::path& blob_file() const;

 private:
  mutable std::filesystem::path blob_file_;
};

// Returns the files to add to the link; each must exist when it returns.
using PackFn = std::function<std::vector<std::filesystem::path>(const PackRequest&)>;

struct PackerInfo {
  std::string name;
  std::string description;  // one line for --help
  PackFn fn;
};

// The built-in packers, in documentation order: native (default), c-hex, c-embed, asm-incbin,
// objcopy, command.
const std::vector<PackerInfo>& builtin_packers();
// Throws Error listing the known names.
const PackerInfo& find_packer(const std::string& name);
inline constexpr const char* kDefaultPacker = "native";

// Runs a packer and checks its contract: it returned at least one file and every file exists.
std::vector<std::filesystem::path> run_packer(const std::string& name, const PackFn& fn,
                                              const PackRequest& request);

}  // namespace mblob
