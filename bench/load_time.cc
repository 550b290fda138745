// load_time: how long a library's module tree takes to load, and how much memory the process
// touches, two ways:
//   * mblob's runtime (load_library_tree): payloads are views into the mapping, so neither the
//     time nor the memory should grow with the weights;
//   * a copy-based load of the same blob, as a runtime that copies the blob out of the library
//     does: dlopen, find the blob symbol, copy its header and body into a buffer of its own.
//
//   bench_load_time LIBRARY [RUNS] [--copy [SYMBOL]]
//
// SYMBOL defaults to __tvm_ffi__library_bin (the ffi layout's blob: u64 little-endian body
// length, then the body; docs/format.md). Each run loads anew (the tree or the copy is dropped
// and the library closed). Prints one line: the payload or blob bytes, the load time's median,
// min and max, and the process's peak RSS.
#include <dlfcn.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mblob/runtime/library.h"

namespace {

// One load through mblob's runtime; returns the payload bytes it exposes.
std::size_t load_with_runtime(const char* path) {
  mblob::LoadOptions options;
  options.opaque_unknown_kinds = true;
  mblob::LoadedTree tree = mblob::load_library_tree(path, options);
  std::size_t payload = 0;
  for (const auto& m : tree.modules) payload += m->payload().size();
  return payload;
}

// One copy-based load: the blob symbol's header and body copied into a fresh buffer.
std::size_t load_by_copy(const char* path, const std::string& symbol) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::fprintf(stderr, "bench_load_time: dlopen %s: %s\n", path, dlerror());
    std::exit(1);
  }
  const auto* blob = static_cast<const unsigned char*>(dlsym(handle, symbol.c_str()));
  if (blob == nullptr) {
    std::fprintf(stderr, "bench_load_time: %s defines no symbol %s\n", path, symbol.c_str());
    std::exit(1);
  }
  std::uint64_t body = 0;
  for (int i = 7; i >= 0; --i) body = (body << 8) | blob[i];
  std::size_t total = static_cast<std::size_t>(body) + 8;
  std::unique_ptr<unsigned char[]> copy(new unsigned char[total]);
  std::memcpy(copy.get(), blob, total);
  volatile unsigned char sink = copy[total - 1];  // the copy is used, so it is not elided
  (void)sink;
  dlclose(handle);
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s LIBRARY [RUNS] [--copy [SYMBOL]]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  bool copy = argc > 3 && std::strcmp(argv[3], "--copy") == 0;
  std::string symbol = argc > 4 ? argv[4] : "__tvm_ffi__library_bin";
  if (runs < 1) runs = 1;
  std::vector<double> ms;
  std::size_t bytes = 0;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    bytes = copy ? load_by_copy(argv[1], symbol) : load_with_runtime(argv[1]);
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "%s bytes %zu; load median %.3f ms (min %.3f, max %.3f, %d runs); peak RSS %.1f MiB\n",
      copy ? "copied blob" : "payload", bytes, ms[ms.size() / 2], ms.front(), ms.back(), runs,
      ru.ru_maxrss / 1024.0);
  return 0;
}
