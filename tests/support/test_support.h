// Helpers shared by mblob's tests: temporary directories, running real programs, finding tools.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mblob::test {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR, removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv (no shell), capturing stdout and stderr. `env` entries ("K=V") are added.
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
              const std::string& stdin_data = "");
// Runs and fails the current test (with the output) unless it exits 0.
RunResult run_ok(const std::vector<std::string>& argv);

// Full path of a program on PATH, or "" when missing.
std::string find_tool(const std::string& name);

// Writes bytes / text to a file.
void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes);
void write_text(const fs::path& path, const std::string& text);
std::vector<std::uint8_t> read_bytes(const fs::path& path);

// Deterministic pseudo-random bytes.
std::vector<std::uint8_t> pattern_bytes(std::size_t n, std::uint32_t seed = 1);

// Reads a FIFO on a thread, from construction until finish(). The test holds a write end
// itself, so the reader never blocks waiting for a writer and always sees the end of the stream,
// even when the command under test never opens the FIFO (or wrongly replaces it).
class FifoReader {
 public:
  explicit FifoReader(const fs::path& fifo);
  ~FifoReader();
  FifoReader(const FifoReader&) = delete;
  FifoReader& operator=(const FifoReader&) = delete;
  // Call after the writer is done: returns every byte that came through the FIFO.
  std::vector<std::uint8_t> finish();

 private:
  int keeper_ = -1;  // our own write end, closed by finish()
  int fd_ = -1;
  std::thread thread_;
  std::vector<std::uint8_t> bytes_;
};

// Bytes an unprivileged user may still write on the file system of `dir` (0 when unknown): the
// big tests skip when their outputs would not fit.
std::uint64_t free_bytes(const fs::path& dir);

// A sparse file of `size` bytes: zeros (holes), but for one byte at each (offset, value) mark.
// The test fails if it cannot be written.
using ByteMark = std::pair<std::uint64_t, std::uint8_t>;
void write_sparse(const fs::path& path, std::uint64_t size, const std::vector<ByteMark>& marks);

// FNV-1a 64, the hash the cross-built check programs compute.
std::uint64_t fnv1a(const std::vector<std::uint8_t>& bytes);

// Builds with `gcc` (the cross gcc of `arch`: aarch64, riscv64) a program that dlopens `so`,
// hashes its ffi blob (the u64 length and the body: FNV-1a) and calls model_add(40, 2), runs it
// under `qemu` with /usr/<arch>-linux-gnu as its root, and returns what it printed (the test
// fails unless it exits 0). model_check_line(blob) is what it prints for a library holding
// `blob`.
std::string run_model_check_under_qemu(const std::string& gcc, const std::string& qemu,
                                       const std::string& arch, const fs::path& dir,
                                       const fs::path& so);
std::string model_check_line(const std::vector<std::uint8_t>& blob);

// Names of the entries in `dir` that contain "mblob-tmp": temporaries mblob left behind.
std::vector<std::string> mblob_temporaries(const fs::path& dir);

// For tests that write to /dev/null or /dev/stdout: true when /dev/null is still the character
// device 1:3 and /dev/stdout the link to /proc/self/fd/1. If a broken build replaced one (as
// root it can), it is recreated, so one failing test does not break the machine, and false is
// returned.
bool dev_files_intact();

// The message of the exception of type E that `f` throws ("" when it throws none).
template <typename E = std::exception, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// Path of the mblob CLI under test.
inline std::string cli() { return MBLOB_CLI; }

// Skips the current test with a reason when `tool` is not on PATH.
#define MBLOB_REQUIRE_TOOL(var, name)               \
  std::string var = ::mblob::test::find_tool(name); \
  if (var.empty())                                  \
  GTEST_SKIP() << "SKIPPED: " << (name) << " is not installed (scripts/install-deps.sh installs it)"

// A model directory for the export, CLI and inspect tests: host.c (one function), k.ptx (a
// "cuda" payload), w.bin (weights) and model.json naming them. By default the root (host)
// imports gpu and w, and gpu imports w too.
// Every member has a brace initializer, so designated initializers may leave any out.
struct SampleModelOptions {
  std::string format{"ffi"};
  std::size_t ptx_bytes{777};
  std::size_t weight_bytes{200001};
  std::uint32_t seed{11};  // of k.ptx; w.bin's is seed + 1
  bool gpu_imports_weights{true};
  std::string modules_json{};  // the "modules" list; "" = the tree above
};

struct SampleModel {
  TempDir dir;
  fs::path manifest;
  explicit SampleModel(const SampleModelOptions& options = {});
  // `mblob export MANIFEST -o DIR/name` and `extra`.
  std::vector<std::string> export_argv(const std::string& name,
                                       const std::vector<std::string>& extra = {}) const;
  // Runs it with -q (the test fails unless it exits 0); returns DIR/name.
  fs::path exported(const std::string& name, const std::vector<std::string>& extra = {}) const;
};

}  // namespace mblob::test
