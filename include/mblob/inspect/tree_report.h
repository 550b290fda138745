// One description of a module tree, printed by `mblob load` (and the other reading commands)
// as text or JSON. The JSON shape:
//   {"format":"ffi"|"legacy"|null, "symbol":"<name>"|null, "blob_bytes":N,
//    "modules":[{"index":0,"kind":"_lib","imports":[1,2]},
//               {"index":1,"kind":"cuda","payload_bytes":1000,"xxh3_64":"<16 hex>","imports":[]}]}
// blob_bytes counts the 8-byte header; xxh3_64 is of the payload bytes; "_lib" has no payload.
// Kinds (and the symbol) are bytes read from the file and need not be UTF-8. JSON text is always
// valid UTF-8: in "kind", each ill-formed UTF-8 sequence (a stray byte, a truncated sequence) is
// written as U+FFFD, and such a module also gets "kind_hex", the kind's exact bytes in lower-case
// hex ("symbol_hex" likewise). The text form shows control characters and invalid bytes as \xNN
// (printable()).
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

  // The JSON document; strings may hold invalid UTF-8, so print it with to_json_text().
  nlohmann::ordered_json to_json() const;
  // to_json() as one line of valid UTF-8 JSON (never throws on the kinds' bytes).
  std::string to_json_text() const;
  // Indented tree, one module per line, shared imports marked instead of repeated; every kind,
  // the symbol and `source_path` go through printable(), so no byte can drive the terminal or
  // start a line of its own.
  std::string to_text(const std::string& source_path) const;
};

}  // namespace mblob
