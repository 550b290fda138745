// Blob-only libraries (export's private part): a module tree with no host sources or objects,
// exported as a shared library, is written directly by the object layer's shared object writer
// (object/elf_shared_object.h): no compiler, no linker, no toolchain lookup. export_library
// asks writes_directly() first and then uses the writer in place of the pack and link steps.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "mblob/core/byte_source.h"
#include "mblob/export/export.h"
#include "mblob/object/elf_shared_object.h"

namespace mblob::blob_only {

// Starts the direct write: the whole file, staged beside `out`, with the digest symbol (when
// `digest_symbol` is not empty) zeroed until SharedObjectWriter::set_data fills it.
std::unique_ptr<SharedObjectWriter> start(const ByteSource& blob, const std::filesystem::path& out,
                                          const std::string& symbol,
                                          const std::string& digest_symbol, const Target& target,
                                          const ExportOptions& options);

}  // namespace mblob::blob_only
