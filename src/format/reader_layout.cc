#include "mblob/format/layout.h"

namespace mblob {

const char* format_name(Format f) { return f == Format::ffi ? "ffi" : "legacy"; }

std::optional<Format> parse_format(std::string_view name) {
  if (name == "ffi") return Format::ffi;
  if (name == "legacy") return Format::legacy;
  return std::nullopt;
}

const std::vector<BlobSymbolName>& blob_symbol_names() {
  static const std::vector<BlobSymbolName> names = {
      {symbols::kFfiBin, Format::ffi},
      {symbols::kFfiBinOld, Format::ffi},
      {symbols::kLegacyBin, Format::legacy},
  };
  return names;
}

const char* default_blob_symbol(Format f) {
  return f == Format::ffi ? symbols::kFfiBin : symbols::kLegacyBin;
}

std::optional<Format> format_of_symbol(std::string_view base_name) {
  for (const auto& s : blob_symbol_names()) {
    if (base_name == s.name) return s.format;
  }
  return std::nullopt;
}

}  // namespace mblob
