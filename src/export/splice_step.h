// The export's splice path (docs/splice.md): link the library against a placeholder for the
// blob, then splice the blob into the linked file (object/elf_splice.h). Private to the export
// layer; export_library.cc calls it from three small hooks (pack, digest, link).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "mblob/core/byte_source.h"
#include "mblob/core/digest.h"
#include "mblob/export/export.h"
#include "mblob/object/elf_splice.h"
#include "mblob/object/target.h"
#include "mblob/toolchain/toolchain.h"

namespace mblob::export_splice {

// Whether this export splices: an ELF shared library of a target whose spliced libraries are
// tested (targets_proven below), the default packer, no --link-blob.
bool applies(const Target& target, const ExportOptions& options);

// The placeholder object's source, written into the workspace (compiled with the host code).
std::filesystem::path write_placeholder_source(const std::filesystem::path& workspace,
                                               const std::string& symbol,
                                               const Toolchain& toolchain);

struct SpliceLink {
  const ByteSource* blob = nullptr;
  // Symbol, digest (waited for after the blob is copied), check (the verify phase, on the
  // finished temporary file), progress and alignment of the splice.
  SpliceRequest request;
  std::uint64_t max_page_size = 4096;  // the target row's (for splice_reserve)
};

// Links `inputs` into the workspace while the blob is copied into the staged `out` (a Splice
// with splice_reserve), then splices the linked file in front of it (atomically; a stream
// output gets the finished file streamed). Returns the link's ToolStep. `on_splice_start` is
// called between the link and the splice (the export's phase boundary).
ToolStep link_and_splice(const Toolchain& toolchain,
                         const std::vector<std::filesystem::path>& inputs,
                         const std::filesystem::path& workspace, const std::filesystem::path& out,
                         const SpliceLink& splice, const std::function<void()>& on_splice_start);

}  // namespace mblob::export_splice
