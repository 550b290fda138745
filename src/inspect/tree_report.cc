#include "mblob/inspect/tree_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "mblob/core/digest.h"
#include "mblob/core/progress.h"
#include "mblob/core/text.h"

namespace mblob {

TreeReport TreeReport::from(const LoadedTree& tree) {
  TreeReport r;
  r.format = tree.format;
  r.symbol = tree.symbol;
  r.blob_bytes = tree.blob_bytes;
  r.implicit_root = tree.implicit_root;
  for (std::size_t i = 0; i < tree.modules.size(); ++i) {
    const auto& m = tree.modules[i];
    r.modules.push_back({m->kind(), m->kind() == kLibKind, m->payload(), tree.import_indices[i]});
  }
  return r;
}

TreeReport TreeReport::from(const ParsedBlob& blob, const std::string& symbol) {
  TreeReport r;
  r.format = blob.format;
  r.symbol = symbol;
  r.blob_bytes = blob.blob_bytes;
  r.implicit_root = blob.implicit_root;
  for (std::size_t i = 0; i < blob.entries.size(); ++i) {
    const auto& e = blob.entries[i];
    r.modules.push_back({e.kind, e.is_lib(), e.payload, blob.imports_of(i)});
  }
  return r;
}

nlohmann::ordered_json TreeReport::to_json() const {
  nlohmann::ordered_json j;
  j["format"] =
      format ? nlohmann::ordered_json(format_name(*format)) : nlohmann::ordered_json(nullptr);
  j["symbol"] = format ? nlohmann::ordered_json(symbol) : nlohmann::ordered_json(nullptr);
  if (format && !is_utf8(symbol)) j["symbol_hex"] = hex(symbol);
  j["blob_bytes"] = blob_bytes;
  j["modules"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const auto& m = modules[i];
    nlohmann::ordered_json e;
    e["index"] = i;
    e["kind"] = m.kind;
    if (!is_utf8(m.kind)) e["kind_hex"] = hex(m.kind);
    if (!m.is_lib) {
      e["payload_bytes"] = m.payload.size();
      e["xxh3_64"] = xxh3_64_hex(m.payload);
    }
    e["imports"] = m.imports;
    j["modules"].push_back(std::move(e));
  }
  return j;
}

std::string TreeReport::to_json_text() const {
  // A string that is not UTF-8 cannot be written as JSON as it is (nlohmann's strict dump throws
  // type_error 316): each ill-formed sequence becomes U+FFFD, and "kind_hex" holds the exact bytes.
  return to_json().dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string TreeReport::to_text(const std::string& source_path) const {
  std::string out;
  const std::string source = printable(source_path);
  if (!format) {
    out += fmt::format("{}: no embedded blob; the tree is the library module alone\n", source);
  } else {
    out += fmt::format("{}: {} layout, symbol {}, {} bytes ({} modules{})\n", source,
                       format_name(*format), printable(symbol), blob_bytes, modules.size(),
                       implicit_root ? ", no import tree: the library imports every entry" : "");
  }
  // Depth-first with an explicit stack (a blob may describe a chain millions deep).
  std::vector<bool> shown(modules.size(), false);
  std::vector<std::pair<std::size_t, std::size_t>> stack;  // (module, depth)
  if (!modules.empty()) stack.push_back({0, 1});
  while (!stack.empty()) {
    auto [i, depth] = stack.back();
    stack.pop_back();
    const auto& m = modules[i];
    // Indentation stops growing at 32 levels (a deep chain must not print quadratic text).
    std::string indent(std::min<std::size_t>(depth, 32) * 2, ' ');
    if (depth > 32) indent += fmt::format("(depth {}) ", depth);
    if (shown[i]) {
      out += fmt::format("{}[{}] {} (shown above)\n", indent, i, printable(m.kind));
      continue;
    }
    shown[i] = true;
    if (m.is_lib) {
      out +=
          fmt::format("{}[{}] {} (host code: the library itself)\n", indent, i, printable(m.kind));
    } else {
      out += fmt::format("{}[{}] {}  {} bytes ({})  xxh3_64 {}\n", indent, i, printable(m.kind),
                         m.payload.size(), human_bytes(m.payload.size()), xxh3_64_hex(m.payload));
    }
    for (auto it = m.imports.rbegin(); it != m.imports.rend(); ++it) {
      stack.push_back({static_cast<std::size_t>(*it), depth + 1});
    }
  }
  return out;
}

}  // namespace mblob
