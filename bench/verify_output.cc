// The cost of export's verify phase on a given library or archive: map the file, find the blob
// symbol with the static readers (object/symbol_search.h) and read its first 64 bytes, as
// export does before the output replaces the previous file. Cold (the file's pages dropped
// from the page cache first, as far as the kernel allows) and warm, median of N runs.
//   build/release/bench/bench_verify_output model.so [runs]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "mblob/core/file.h"
#include "mblob/object/symbol_search.h"

namespace {

void drop_cache(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

double verify_once(const char* path) {
  auto t0 = std::chrono::steady_clock::now();
  mblob::MappedFile file(path);
  auto found = mblob::find_blob_symbols(file.bytes(), path);
  unsigned sum = 0;
  for (const auto& b : found) {
    for (std::size_t i = 0; i < 64 && i < b.location.size; ++i) {
      sum += file.bytes()[b.location.offset + i];
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  if (found.empty()) {
    std::fprintf(stderr, "%s: no blob symbol\n", path);
    std::exit(1);
  }
  (void)sum;
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s LIBRARY [runs]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? std::atoi(argv[2]) : 7;
  if (runs < 1) runs = 1;
  try {
    std::vector<double> cold, warm;
    for (int i = 0; i < runs; ++i) {
      drop_cache(argv[1]);
      cold.push_back(verify_once(argv[1]));
      warm.push_back(verify_once(argv[1]));
    }
    std::printf("%s: verify median cold %.3f ms, warm %.3f ms (%d runs)\n", argv[1], median(cold),
                median(warm), runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
