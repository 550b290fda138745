// Progress on a terminal for long byte-moving work: bytes, rate and ETA on stderr.
//
// Silent when stderr is not a terminal or when quiet; redraws at most ~10 times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "mblob/core/file.h"

namespace mblob {

class Progress {
 public:
  // `total` 0 means unknown (rate only). Shows nothing for totals below `min_bytes`.
  Progress(std::string label, std::uint64_t total, bool quiet,
           std::uint64_t min_bytes = 64ull << 20);
  ~Progress();  // finishes the line if anything was drawn

  void update(std::uint64_t done);
  void finish();
  bool active() const { return active_; }

  // Adapter for copy_fd_range / ByteSource::write_to.
  static void callback(void* self, std::uint64_t done) {
    static_cast<Progress*>(self)->update(done);
  }
  ProgressFn fn() { return active_ ? &Progress::callback : nullptr; }

 private:
  std::string label_;
  std::uint64_t total_;
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

// "1.50 GiB", "512 B"
std::string human_bytes(std::uint64_t n);

}  // namespace mblob
