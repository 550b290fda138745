#include <algorithm>
#include <functional>
#include <queue>

#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/format/module_tree.h"

namespace mblob {

namespace {

std::string display_kind(const ModuleTree& tree, std::size_t node) {
  return tree.nodes[node].host ? std::string("_lib (host code)")
                               : "\"" + printable(tree.nodes[node].kind) + "\"";
}

void check_all_imported(const ModuleTree& tree) {
  std::vector<std::size_t> lost = unimported_modules(tree);
  if (lost.empty()) return;
  std::string which =
      "module " + std::to_string(lost[0]) + " (" + display_kind(tree, lost[0]) + ")";
  if (lost.size() > 1) which += " and " + std::to_string(lost.size() - 1) + " more";
  throw Error("cannot export: " + which +
              " is not imported by the root module or by anything it imports, so it would be "
              "left out of the blob; import it or remove it");
}

}  // namespace

std::vector<std::size_t> unimported_modules(const ModuleTree& tree) {
  const auto& nodes = tree.nodes;
  std::vector<bool> reached(nodes.size(), false);
  std::vector<std::size_t> stack;
  if (!nodes.empty()) {
    reached[0] = true;
    stack.push_back(0);
  }
  while (!stack.empty()) {
    std::size_t n = stack.back();
    stack.pop_back();
    for (std::size_t c : nodes[n].imports) {
      if (c < nodes.size() && !reached[c]) {
        reached[c] = true;
        stack.push_back(c);
      }
    }
  }
  std::vector<std::size_t> lost;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!reached[i]) lost.push_back(i);
  }
  return lost;
}

FlatTree flatten(const ModuleTree& tree) {
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
  check_all_imported(tree);

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
    order.reserve(count);
    // Ready entries, smallest index first: O(log n) per push and pop, O(n log n) in all.
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t g = 0; g < count; ++g) {
      if (indegree[g] == 0) ready.push(g);
    }
    while (!ready.empty()) {
      std::size_t g = ready.top();
      ready.pop();
      order.push_back(g);
      for (auto c : children[g]) {
        if (--indegree[c] == 0) ready.push(c);
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
          display_kind(tree, flat.groups[parent][0]) + ", child " +
          display_kind(tree, flat.groups[child][0]) + ")");
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

}  // namespace mblob
