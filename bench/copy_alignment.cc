// copy_alignment: how fast copy_file_range copies a file into an output offset, by where the
// destination lies relative to the source (the question behind ByteSource::copy_phase and the
// first-call cut of copy_fd_range, docs/benchmarks.md "Copy alignment").
//
//   bench_copy_alignment FILE [RUNS] [DIR]
//
// For each case it creates DIR/copy_alignment.out (DIR defaults to FILE's directory, the file
// system to measure), writes zeros up to the destination offset, copies FILE from the source
// offset to the end in 8 MiB calls (the first one cut to end on a 64 KiB boundary of the
// output, or not), closes it and removes it. FILE should be in the page cache (read it once
// first). Prints the median, min and max wall time of RUNS runs (default 3) per case.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Case {
  const char* what;
  std::uint64_t dst, src;
  bool cut;  // the first call ends on a 64 KiB boundary of the output
};

constexpr std::uint64_t kChunk = 8u << 20;
constexpr std::uint64_t kBoundary = 64u << 10;

double copy_once(const char* in_path, const std::string& out_path, const Case& c) {
  const int in = ::open(in_path, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    std::perror(in_path);
    std::exit(1);
  }
  const auto size = static_cast<std::uint64_t>(::lseek(in, 0, SEEK_END));
  const auto t0 = std::chrono::steady_clock::now();
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    std::perror(out_path.c_str());
    std::exit(1);
  }
  std::vector<char> zeros(c.dst);
  if (!zeros.empty() && ::write(out, zeros.data(), zeros.size()) != static_cast<ssize_t>(c.dst)) {
    std::perror("write");
    std::exit(1);
  }
  loff_t from = static_cast<loff_t>(c.src);
  std::uint64_t left = size - c.src;
  bool first = true;
  while (left > 0) {
    std::uint64_t want = std::min(left, kChunk);
    if (first && c.cut && c.dst % kBoundary != 0) {
      want = std::min(want, kBoundary - c.dst % kBoundary);
    }
    first = false;
    const ssize_t n = ::copy_file_range(in, &from, out, nullptr, want, 0);
    if (n <= 0) {
      std::perror("copy_file_range");
      std::exit(1);
    }
    left -= static_cast<std::uint64_t>(n);
  }
  ::close(out);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(in);
  ::unlink(out_path.c_str());
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_copy_alignment FILE [RUNS] [DIR]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  std::string dir = argc > 3 ? argv[3] : std::string(argv[1]);
  if (argc <= 3) {
    const auto slash = dir.rfind('/');
    dir = slash == std::string::npos ? "." : dir.substr(0, slash);
  }
  const std::string out = dir + "/copy_alignment.out";
  const Case cases[] = {
      {"dst 64 KiB, src 0", 65536, 0, false},
      {"dst 64 KiB + 90, src 0 (a 90-byte header before the payload)", 65536 + 90, 0, false},
      {"dst 64 KiB + 16, src 0", 65536 + 16, 0, false},
      {"dst 64 KiB + 4 KiB, src 0, first call uncut", 65536 + 4096, 0, false},
      {"dst 64 KiB + 4 KiB, src 0, first call cut at 64 KiB (export's payload)", 65536 + 4096, 0,
       true},
      {"dst 64 KiB + 90, src 90 (congruent), first call cut", 65536 + 90, 90, true},
  };
  std::printf("| case | median (s) | min | max |\n|---|---|---|---|\n");
  for (const Case& c : cases) {
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) t.push_back(copy_once(argv[1], out, c));
    std::sort(t.begin(), t.end());
    std::printf("| %s | %.3f | %.3f | %.3f |\n", c.what, t[t.size() / 2], t.front(), t.back());
    std::fflush(stdout);
  }
  return 0;
}
