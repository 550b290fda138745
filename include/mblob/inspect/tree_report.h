// One description of a module tree, printed by `mblob load` (and the other reading commands)
// as text or JSON. The JSON shape:
//   {"format":"ffi"|"legacy"|null, "symbol":"<name>"|null, "blob_bytes":N,
//    "modules":[{"index":0,"kind":"_lib","imports":[1,2]},
//               {"index":1,"kind":"cuda","payload_bytes":1000,"xxh3_64":"<16 hex>","imports":[]}]}
// blob_bytes counts the 8-byte header; xxh3_64 is of the payload bytes; "_lib" has no payload.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mblob/format/reader.h"
#include "mblob/runtime/module.h"

namespace mblob {

struct TreeReport {
  std::optional<Format> format;
  std::string symbol;
  std::uint64_t blob_bytes = 0;
  bool implicit_root = false;
  struct Entry {
    std::string kind;
    bool is_lib = false;
    ByteView payload;
    std::vector<std::uint64_t> imports;
  };
  std::vector<Entry> modules;

  static TreeReport from(const LoadedTree& tree);
  static TreeReport from(const ParsedBlob& blob, const std::string& symbol);

  nlohmann::ordered_json to_json() const;
  // Indented tree, one module per line, shared imports marked instead of repeated.
  std::string to_text(const std::string& source) const;
};

}  // namespace mblob
