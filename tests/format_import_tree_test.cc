// format/import_tree: flatten refuses modules the root does not reach, and its topological
// renumbering (O(n log n)) keeps the exact order of the first version (O(n^2 log n)).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "mblob/core/error.h"
#include "mblob/format/module_tree.h"
#include "mblob/format/writer.h"
#include "support/test_support.h"

namespace mblob {
namespace {

using test::error_of;

ModuleTree::Node device(const std::string& kind, std::vector<std::size_t> imports = {}) {
  return {kind, false, ByteSource::from_bytes({1}), std::move(imports)};
}

TEST(ImportTree, UnimportedModuleIsRefused) {
  ModuleTree t;
  t.add({"", true, {}, {1}});
  t.add(device("cuda"));
  t.add(device("params"));  // nothing imports it
  std::string e = error_of([&] { flatten(t); });
  EXPECT_NE(e.find("module 2 (\"params\") is not imported by the root module or by anything it "
                   "imports"),
            std::string::npos)
      << e;
  EXPECT_EQ(e, error_of([&] { serialize(t); }));
  EXPECT_EQ(unimported_modules(t), std::vector<std::size_t>{2});
}

TEST(ImportTree, ModulesOnlyAnUnreachableModuleImportsAreRefused) {
  // 2 and 3 import each other (so each is imported by something), but the root reaches neither;
  // a host module nothing reaches is refused too.
  ModuleTree t;
  t.add(device("root", {1}));
  t.add(device("a"));
  t.add(device("b", {3}));
  t.add(device("c", {2}));
  t.add({"", true, {}, {}});
  EXPECT_EQ(unimported_modules(t), (std::vector<std::size_t>{2, 3, 4}));
  std::string e = error_of([&] { flatten(t); });
  EXPECT_NE(e.find("module 2 (\"b\") and 2 more"), std::string::npos) << e;
}

TEST(ImportTree, KindInAnErrorIsPrintable) {
  ModuleTree t;
  t.add(device("root"));
  t.add(device("evil\x1b]0;x\x07\n"));
  std::string e = error_of([&] { flatten(t); });
  EXPECT_NE(e.find("(\"evil\\x1b]0;x\\x07\\x0a\")"), std::string::npos) << e;
}

// The first version of flatten, kept as the reference for the order: its Kahn's algorithm
// re-sorted the whole ready list on every push.
FlatTree reference_flatten(const ModuleTree& tree, bool* renumbered) {
  const auto& nodes = tree.nodes;
  if (nodes.empty()) throw Error("module tree is empty: it needs at least a root module");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (std::size_t c : nodes[i].imports) {
      if (c >= nodes.size()) {
        throw Error("module " + std::to_string(i) + " imports module " + std::to_string(c) +
                    ", which does not exist (the tree has " + std::to_string(nodes.size()) +
                    " modules)");
      }
    }
    if (!nodes[i].host && nodes[i].kind.empty()) {
      throw Error("module " + std::to_string(i) + " has an empty kind");
    }
  }

  constexpr std::size_t kNone = SIZE_MAX;
  std::vector<std::size_t> index(nodes.size(), kNone);  // node -> blob entry
  FlatTree flat;
  std::vector<bool> visited(nodes.size(), false);
  std::vector<std::size_t> stack{0};
  visited[0] = true;
  auto push_imports = [&](std::size_t n) {
    for (std::size_t c : nodes[n].imports) {
      if (!visited[c]) {
        visited[c] = true;
        stack.push_back(c);
      }
    }
  };

  // Phase 0: index non-host modules in pop order; set host modules aside unexpanded.
  std::vector<std::size_t> host_boundary;
  while (!stack.empty()) {
    std::size_t n = stack.back();
    stack.pop_back();
    if (nodes[n].host) {
      host_boundary.push_back(n);
    } else {
      index[n] = flat.groups.size();
      flat.groups.push_back({n});
      flat.is_lib.push_back(false);
      push_imports(n);
    }
  }
  // Phase 1: one entry for all host modules, then what they import.
  if (!host_boundary.empty()) {
    std::size_t lib = flat.groups.size();
    flat.groups.emplace_back();
    flat.is_lib.push_back(true);
    stack = std::move(host_boundary);
    while (!stack.empty()) {
      std::size_t n = stack.back();
      stack.pop_back();
      if (nodes[n].host) {
        flat.groups[lib].push_back(n);
        index[n] = lib;
      } else {
        index[n] = flat.groups.size();
        flat.groups.push_back({n});
        flat.is_lib.push_back(false);
      }
      push_imports(n);
    }
  }

  // Import tree: each entry's children are its group's imports, minus itself, sorted, unique.
  auto children_of = [&](std::size_t g) {
    std::vector<std::uint64_t> children;
    for (std::size_t n : flat.groups[g]) {
      for (std::size_t c : nodes[n].imports) {
        if (index[c] != g) children.push_back(index[c]);
      }
    }
    std::sort(children.begin(), children.end());
    children.erase(std::unique(children.begin(), children.end()), children.end());
    return children;
  };
  std::vector<std::vector<std::uint64_t>> children(flat.groups.size());
  bool forward = true;
  for (std::size_t g = 0; g < flat.groups.size(); ++g) {
    children[g] = children_of(g);
    if (!children[g].empty() && children[g].front() <= g) forward = false;
  }

  *renumbered = !forward;
  if (!forward) {
    // TVM stops here with an error. The pop order can put a shared module before one of its
    // parents even when the graph is acyclic (a module reached first through a sibling); then
    // mblob renumbers the entries in a topological order (Kahn's algorithm, ties broken by the
    // depth-first index, so the result is deterministic). Only a real cycle remains an error.
    std::size_t count = flat.groups.size();
    std::vector<std::size_t> indegree(count, 0);
    for (const auto& cs : children) {
      for (auto c : cs) ++indegree[c];
    }
    std::vector<std::size_t> order;
    std::vector<std::size_t> ready;  // kept sorted descending: back() is the smallest index
    for (std::size_t g = 0; g < count; ++g) {
      if (indegree[g] == 0) ready.push_back(g);
    }
    std::sort(ready.rbegin(), ready.rend());
    while (!ready.empty()) {
      std::size_t g = ready.back();
      ready.pop_back();
      order.push_back(g);
      for (auto c : children[g]) {
        if (--indegree[c] == 0) {
          ready.push_back(c);
          std::sort(ready.rbegin(), ready.rend());
        }
      }
    }
    if (order.size() != count || order.front() != 0) {
      // Name an edge that lies on a cycle. Every module Kahn's algorithm could not emit still
      // waits on a parent that was not emitted either; walking those parents from any waiting
      // module must come back to a module already seen, and the step that does is a cycle edge.
      std::vector<bool> emitted(count, false);
      for (auto g : order) emitted[g] = true;
      std::vector<std::size_t> waiting_parent(count, SIZE_MAX);
      for (std::size_t p = 0; p < count; ++p) {
        if (emitted[p]) continue;
        for (auto c : children[p]) {
          if (!emitted[c]) waiting_parent[c] = p;
        }
      }
      std::size_t child = 0;
      while (child < count && emitted[child]) ++child;
      std::vector<bool> seen(count, false);
      while (!seen[child]) {
        seen[child] = true;
        child = waiting_parent[child];
      }
      std::size_t parent = waiting_parent[child];
      throw Error(
          "cannot export: the import graph has a cycle once host-code modules are merged "
          "into one \"_lib\" (parent " +
          std::to_string(parent) + ", child " + std::to_string(child) + ")");
    }
    std::vector<std::uint64_t> renumber(count);
    for (std::size_t i = 0; i < count; ++i) renumber[order[i]] = i;
    FlatTree sorted;
    std::vector<std::vector<std::uint64_t>> sorted_children(count);
    for (std::size_t i = 0; i < count; ++i) {
      sorted.groups.push_back(flat.groups[order[i]]);
      sorted.is_lib.push_back(flat.is_lib[order[i]]);
      for (auto c : children[order[i]]) sorted_children[i].push_back(renumber[c]);
      std::sort(sorted_children[i].begin(), sorted_children[i].end());
    }
    flat = std::move(sorted);
    children = std::move(sorted_children);
  }

  flat.row_ptr.push_back(0);
  for (const auto& cs : children) {
    flat.child_indices.insert(flat.child_indices.end(), cs.begin(), cs.end());
    flat.row_ptr.push_back(flat.child_indices.size());
  }
  return flat;
}

// A random acyclic tree of `n` modules, every one reachable from the root; some are host code.
ModuleTree random_tree(std::mt19937& rng, std::size_t n) {
  std::uniform_real_distribution<double> p(0, 1);
  double extra = p(rng) * 0.3;
  ModuleTree t;
  for (std::size_t i = 0; i < n; ++i) {
    bool host = i > 0 && p(rng) < 0.15;
    t.add({host ? "" : "k" + std::to_string(i), host, {}, {}});
  }
  for (std::size_t i = 1; i < n; ++i) {
    std::size_t parent = std::uniform_int_distribution<std::size_t>(0, i - 1)(rng);
    t.nodes[parent].imports.push_back(i);
    for (std::size_t j = 0; j < i; ++j) {
      if (j != parent && p(rng) < extra) t.nodes[j].imports.push_back(i);
    }
  }
  for (auto& node : t.nodes) std::shuffle(node.imports.begin(), node.imports.end(), rng);
  return t;
}

TEST(ImportTree, TopologicalRenumberingKeepsTheOrderOfTheReferenceAlgorithm) {
  std::mt19937 rng(20261129);
  int renumbered_cases = 0, cycles = 0;
  for (int round = 0; round < 1500; ++round) {
    std::size_t n = std::uniform_int_distribution<std::size_t>(2, round < 1200 ? 24 : 200)(rng);
    ModuleTree t = random_tree(rng, n);
    bool renumbered = false;
    FlatTree want;
    std::string want_error = error_of([&] { want = reference_flatten(t, &renumbered); });
    if (!want_error.empty()) {  // merging host modules made a cycle: both refuse
      ++cycles;
      EXPECT_NE(error_of([&] { flatten(t); }).find("cycle"), std::string::npos);
      continue;
    }
    renumbered_cases += renumbered;
    FlatTree got = flatten(t);
    ASSERT_EQ(got.groups, want.groups) << "round " << round;
    ASSERT_EQ(got.is_lib, want.is_lib) << "round " << round;
    ASSERT_EQ(got.row_ptr, want.row_ptr) << "round " << round;
    ASSERT_EQ(got.child_indices, want.child_indices) << "round " << round;
  }
  // The random trees exercise the renumbering (and the cycle refusal), not only TVM's order.
  EXPECT_GT(renumbered_cases, 300) << renumbered_cases;
  EXPECT_GT(cycles, 10) << cycles;
}

}  // namespace
}  // namespace mblob
