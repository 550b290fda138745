#include "mblob/core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace mblob {

std::string human_bytes(std::uint64_t n) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024.0 && u < 5) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  if (u == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  } else {
    std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
  }
  return buf;
}

Progress::Progress(std::string label, std::uint64_t total, bool quiet, std::uint64_t min_bytes)
    : label_(std::move(label)),
      total_(total),
      active_(!quiet && ::isatty(2) == 1 && (total == 0 || total >= min_bytes)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(std::uint64_t done) {
  if (!active_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && done != total_) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  std::string line = "\r" + label_ + ": " + human_bytes(done);
  if (total_ > 0) {
    char pct[64];
    std::snprintf(pct, sizeof pct, " / %s (%.0f%%)", human_bytes(total_).c_str(),
                  100.0 * static_cast<double>(done) / static_cast<double>(total_));
    line += pct;
  }
  line += ", " + human_bytes(static_cast<std::uint64_t>(rate)) + "/s";
  if (total_ > 0 && rate > 0 && done < total_) {
    char eta[32];
    std::snprintf(eta, sizeof eta, ", ETA %.0fs", static_cast<double>(total_ - done) / rate);
    line += eta;
  }
  line += "\033[K";
  std::fputs(line.c_str(), stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) {
    std::fputs("\n", stderr);
    drawn_ = false;
  }
  active_ = false;
}

}  // namespace mblob
