// Blob writer for both layouts. The byte layouts are described at the reader
// (src/format/reader.cc) and in docs/format.md; this file only produces them.
#include "mblob/format/writer.h"

#include <cstdio>

#include "mblob/core/text.h"

namespace mblob {

namespace {

void check_kinds(const ModuleTree& tree) {
  for (std::size_t i = 0; i < tree.nodes.size(); ++i) {
    const auto& n = tree.nodes[i];
    if (!n.host && (n.kind == kLibKind || n.kind == kImportTreeKind)) {
      throw Error("module " + std::to_string(i) + " uses the reserved kind \"" + n.kind +
                  "\" (host code is marked as host, and the import tree is written for you)");
    }
  }
}

}  // namespace

ByteSource serialize(const ModuleTree& tree, const SerializeOptions& options) {
  return serialize(tree, flatten(tree), options);
}

ByteSource serialize(const ModuleTree& tree, const FlatTree& flat,
                     const SerializeOptions& options) {
  auto warn = options.warn ? options.warn : [](const std::string& m) {
    std::fprintf(stderr, "mblob: warning: %s\n", m.c_str());
  };
  check_kinds(tree);

  // Small structural bytes accumulate in `w`; each payload is spliced in as a (file) piece.
  ByteSource body;
  ByteWriter w;
  auto flush = [&] {
    if (w.size() > 0) body.append(w.take());
    w = ByteWriter();
  };

  auto write_entries = [&](bool legacy) {
    for (std::size_t g = 0; g < flat.groups.size(); ++g) {
      if (flat.is_lib[g]) {
        w.str(kLibKind);
        continue;
      }
      const auto& node = tree.nodes[flat.groups[g][0]];
      w.str(node.kind);
      std::uint64_t size = node.payload.size();
      if (!legacy && size == 0) {
        warn("module " + std::to_string(g) + " (\"" + printable(node.kind) +
             "\") has an empty payload: valid in the ffi layout, but tvm-ffi refuses to load it");
      }
      if (!(legacy && node.legacy_raw)) w.u64(size);  // length prefix (ffi, or mblob legacy)
      flush();
      body.append(node.payload);
    }
  };

  if (options.format == Format::ffi) {
    w.vec_u64(flat.row_ptr);
    w.vec_u64(flat.child_indices);
    write_entries(false);
  } else {
    // TVM's condition: the root is host code and imports nothing. Then it writes an empty entry
    // list and no import tree (a host root that imports only host modules still gets one).
    bool only_lib = tree.nodes[0].host && tree.nodes[0].imports.empty();
    if (only_lib) {
      w.u64(0);
    } else {
      w.u64(flat.groups.size() + 1);  // + the "_import_tree" entry
      write_entries(true);
      w.str(kImportTreeKind);
      w.vec_u64(flat.row_ptr);
      w.vec_u64(flat.child_indices);
    }
  }
  flush();

  ByteWriter header;
  header.u64(body.size());
  ByteSource out = ByteSource::from_bytes(header.take());
  out.append(body);
  return out;
}

}  // namespace mblob
