// The two blob layouts mblob reads and writes, and the symbol names TVM uses for them.
// The byte layouts themselves are documented once, in docs/format.md, and at the parser
// (src/format/reader.cc) and the writer (src/format/writer.cc).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace mblob {

enum class Format {
  ffi,     // current TVM / tvm-ffi: import tree first, every payload length-prefixed
  legacy,  // TVM up to the 0.2x releases: entry count, "_import_tree" entry, raw payloads
};

const char* format_name(Format f);
std::optional<Format> parse_format(std::string_view name);

namespace symbols {
// Blob symbols (base names; a system-lib build may put a prefix in front).
inline constexpr const char* kFfiBin = "__tvm_ffi__library_bin";
inline constexpr const char* kFfiBinOld = "__tvm_ffi_library_bin";  // early tvm-ffi releases
inline constexpr const char* kLegacyBin = "__tvm_dev_mblob";
// mblob's integrity digest beside the blob: <prefix>__mblob_digest, 16 bytes (XXH3-128 of the
// blob symbol's bytes, canonical byte order; docs/format.md "Integrity digest"). TVM ignores it.
inline constexpr const char* kDigest = "__mblob_digest";
// Context pointers: when a library defines one, the loader stores the library module in it.
inline constexpr const char* kFfiCtx = "__tvm_ffi__library_ctx";
inline constexpr const char* kFfiCtxOld = "__tvm_ffi_library_ctx";
inline constexpr const char* kLegacyCtx = "__tvm_module_ctx";
// System-lib registration functions, signature int(const char* name, void* ptr).
inline constexpr const char* kFfiRegister = "TVMFFIEnvModRegisterSystemLibSymbol";
inline constexpr const char* kLegacyRegister = "TVMBackendRegisterSystemLibSymbol";
}  // namespace symbols

// Reserved module kinds.
inline constexpr std::string_view kLibKind = "_lib";
inline constexpr std::string_view kImportTreeKind = "_import_tree";

struct BlobSymbolName {
  const char* name;
  Format format;
};
// Every base name a reader looks for, in lookup order: the current ffi name, the older ffi name,
// then the legacy name.
const std::vector<BlobSymbolName>& blob_symbol_names();
// The base name a writer uses by default for a layout.
const char* default_blob_symbol(Format f);
// The layout a base name implies, if it is one of blob_symbol_names().
std::optional<Format> format_of_symbol(std::string_view base_name);

}  // namespace mblob
