// load_time: how long mblob's runtime takes to load a library's module tree, and how much memory
// it touches. Payloads are views into the mapping, so neither should grow with the weights.
//
//   bench_load_time LIBRARY [RUNS]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "mblob/runtime/library.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s LIBRARY [RUNS]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  std::vector<double> ms;
  std::size_t payload = 0;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    mblob::LoadOptions options;
    options.opaque_unknown_kinds = true;
    mblob::LoadedTree tree = mblob::load_library_tree(argv[1], options);
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    payload = 0;
    for (const auto& m : tree.modules) payload += m->payload().size();
  }
  std::sort(ms.begin(), ms.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "payload bytes %zu; load median %.3f ms (min %.3f, max %.3f, %d runs); peak RSS %.1f MiB\n",
      payload, ms[ms.size() / 2], ms.front(), ms.back(), runs, ru.ru_maxrss / 1024.0);
  return 0;
}
