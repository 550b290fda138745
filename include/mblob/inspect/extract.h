// `mblob extract`: one blob's payloads as files plus a manifest.json in the export manifest
// format (export/export.h), so that `mblob export DIR/manifest.json -o x.so` rebuilds an
// equivalent library (same kinds, payloads and import tree; "_lib" becomes a host module without
// sources; a legacy payload that was the module's own TVM stream gets "legacy_raw": true).
#pragma once

#include <filesystem>
#include <string>

#include "mblob/inspect/inspect.h"

namespace mblob {

struct ExtractReport {
  std::filesystem::path dir;
  std::size_t files = 0;    // payload files written (manifest.json not counted)
  std::uint64_t bytes = 0;  // payload bytes written
};

// Writes `blob` into `dir` atomically: everything goes into a temporary directory beside `dir`,
// which then takes its place (rename; with `force`, an existing non-empty `dir` is swapped out
// with renameat2(RENAME_EXCHANGE) and removed). Without `force` a non-empty `dir` is refused; a
// symlink or a non-directory at `dir` always is. Payload files are named
// "<index>_<kind>.bin" (the kind reduced to letters, digits, '_', '-' and '.', at most 64).
// Throws Error for a kind a manifest cannot hold ("host", or not UTF-8).
ExtractReport extract_blob(const FoundBlob& blob, const std::filesystem::path& dir, bool force);

}  // namespace mblob
