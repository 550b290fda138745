// ModuleTree: a module tree to export, and TVM's algorithm for flattening it into blob order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mblob/core/byte_source.h"

namespace mblob {

struct ModuleTree {
  struct Node {
    std::string kind{};    // e.g. "cuda", "params"; ignored for host nodes
    bool host = false;     // host code (TVM's "llvm"/"c" modules): merged into the "_lib" entry
    ByteSource payload{};  // the module's serialized bytes (not read until written)
    std::vector<std::size_t> imports{};  // indices into nodes, in import order
    // Legacy layout only: true when `payload` is already the module's own TVM stream (what its
    // TVM loader consumes), written verbatim. By default mblob writes a legacy payload as one
    // length-prefixed field, so that any reader can walk past it (docs/format.md).
    bool legacy_raw = false;
    // Host nodes only: sources (.c .cc .S ...) to compile and objects/archives to link into the
    // library (export_library uses them; the blob does not).
    std::vector<std::filesystem::path> host_inputs{};
  };
  std::vector<Node> nodes;  // nodes[0] is the root

  std::size_t add(Node n) {
    nodes.push_back(std::move(n));
    return nodes.size() - 1;
  }
};

// The tree in blob order, as TVM's serializer computes it.
struct FlatTree {
  // groups[i]: the tree nodes that become blob entry i. A host group ("_lib") may hold several
  // nodes; every other group holds exactly one.
  std::vector<std::vector<std::size_t>> groups;
  std::vector<bool> is_lib;
  std::vector<std::uint64_t> row_ptr;        // n + 1 entries
  std::vector<std::uint64_t> child_indices;  // row_ptr[n] entries
};

// Flattens `tree` exactly as TVM does (docs/format.md, "Import tree"): a depth-first walk with an
// explicit stack that indexes non-host modules in pop order, reserves one index for all host
// modules (merged into "_lib"), then indexes what the host modules import. Child lists are
// sorted and deduplicated. Where TVM's order would put a child before its parent in an acyclic
// graph (TVM refuses to export then), mblob renumbers topologically instead (Kahn's algorithm,
// the smallest ready depth-first index first; O(n log n)). Throws Error when an import index is
// out of range, when a module is not reachable from the root through imports (TVM's serializer
// would never see it, so it would be silently left out of the blob), or on a real cycle (in the
// input, or one that merging the host modules into one "_lib" creates).
FlatTree flatten(const ModuleTree& tree);

// The modules that no chain of imports from the root (nodes[0]) reaches, in index order; flatten
// refuses a tree that has any. Out-of-range imports are ignored here.
std::vector<std::size_t> unimported_modules(const ModuleTree& tree);

}  // namespace mblob
