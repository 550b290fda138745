// flatten() on large module trees whose blob order needs the topological renumbering
// (docs/format.md, "The import tree mblob writes"). Google Benchmark; run from a release build:
//   cmake --build --preset release --target bench_flatten && build/release/bench/bench_flatten
#include <benchmark/benchmark.h>

#include "mblob/format/module_tree.h"

namespace {

// The root imports n-2 modules and one shared module `s`, which each of the n-2 also imports.
// TVM's depth-first order pops `s` first (index 1), before its parents, so every parent's child
// comes before it and the entries are renumbered; after the root is emitted, all n-2 parents are
// ready at once (the case where the first version re-sorted an n-entry ready list per push).
mblob::ModuleTree shared_sibling_tree(std::size_t n) {
  mblob::ModuleTree t;
  t.nodes.resize(n);
  std::size_t s = n - 1;
  for (std::size_t i = 0; i < n; ++i) t.nodes[i].kind = "k";
  t.nodes[0].imports.reserve(n - 1);
  for (std::size_t i = 1; i < s; ++i) {
    t.nodes[0].imports.push_back(i);
    t.nodes[i].imports.push_back(s);
  }
  t.nodes[0].imports.push_back(s);
  return t;
}

// A chain 0 -> 1 -> ... -> n-1 in which every module also imports the one two steps ahead:
// renumbered too, with a ready list that never holds more than one entry.
mblob::ModuleTree chain_with_shortcuts(std::size_t n) {
  mblob::ModuleTree t;
  t.nodes.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    t.nodes[i].kind = "k";
    if (i + 2 < n) t.nodes[i].imports.push_back(i + 2);
    if (i + 1 < n) t.nodes[i].imports.push_back(i + 1);
  }
  return t;
}

template <mblob::ModuleTree (*Make)(std::size_t)>
void BM_Flatten(benchmark::State& state) {
  auto n = static_cast<std::size_t>(state.range(0));
  mblob::ModuleTree tree = Make(n);
  for (auto _ : state) {
    mblob::FlatTree flat = mblob::flatten(tree);
    benchmark::DoNotOptimize(flat.child_indices.data());
    if (flat.groups.size() != n) state.SkipWithError("wrong number of entries");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

BENCHMARK_TEMPLATE(BM_Flatten, shared_sibling_tree)
    ->Arg(8 << 10)
    ->Arg(16 << 10)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Flatten, chain_with_shortcuts)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
