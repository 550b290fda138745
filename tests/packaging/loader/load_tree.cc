// A device-side loader built against an installed runtime-only mblob (find_package(mblob),
// mblob::runtime): loads LIBRARY through load_library_tree, as `mblob load` does, and prints the
// tree as one line of JSON in the shape of `mblob load --json`
//   {"format":"ffi","symbol":"...","blob_bytes":N,
//    "modules":[{"index":0,"kind":"_lib","imports":[1,2]},
//               {"index":1,"kind":"cuda","payload_bytes":N,"xxh3_64":"<16 hex>","imports":[]}]}
// so that tests/packaging/cross_runtime.sh can compare what it prints under qemu with what
// `mblob load --json` prints on the build machine. C++17: the runtime's API must be usable from
// it. The digest is xxHash's XXH3-64 (header-only, XXH_INLINE_ALL): the runtime itself has none.
// Usage: load_tree LIBRARY. Exit 1 with the error on stderr when it cannot be loaded.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdio>
#include <exception>
#include <string>

#include "mblob/runtime/library.h"

namespace {

// A JSON string. Kinds of the test's models are ASCII; other bytes are written as they are.
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string tree_json(const mblob::LoadedTree& tree) {
  std::string out = "{\"format\":";
  out += tree.format ? json_string(mblob::format_name(*tree.format)) : "null";
  out += ",\"symbol\":" + (tree.format ? json_string(tree.symbol) : std::string("null"));
  out += ",\"blob_bytes\":" + std::to_string(tree.blob_bytes) + ",\"modules\":[";
  for (std::size_t i = 0; i < tree.modules.size(); ++i) {
    const auto& m = tree.modules[i];
    if (i) out += ",";
    out += "{\"index\":" + std::to_string(i) + ",\"kind\":" + json_string(m->kind());
    if (m->kind() != mblob::kLibKind) {
      const mblob::ByteView p = m->payload();
      out += ",\"payload_bytes\":" + std::to_string(p.size());
      out += ",\"xxh3_64\":\"" + mblob::hex16(XXH3_64bits(p.data(), p.size())) + "\"";
    }
    out += ",\"imports\":[";
    const auto& imports = tree.import_indices[i];
    for (std::size_t j = 0; j < imports.size(); ++j) {
      out += (j ? "," : "") + std::to_string(imports[j]);
    }
    out += "]}";
  }
  return out + "]}";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: load_tree LIBRARY\n");
    return 2;
  }
  try {
    mblob::LoadOptions options;
    options.opaque_unknown_kinds = true;  // every kind, as `mblob load` shows them
    std::printf("%s\n", tree_json(mblob::load_library_tree(argv[1], options)).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "load_tree: %s\n", e.what());
    return 1;
  }
  return 0;
}
