// Small POSIX helpers shared by mblob_runtime and libmblob (header-only, C++17-compatible): a
// file descriptor closed when it goes out of scope, and the name of a file's type for messages.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

namespace mblob {

// Owns a file descriptor (-1: none) and closes it when it dies or is reset.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// "a directory", "a FIFO", "a character device", "a block device", "a socket", "a symbolic
// link", or "not a regular file": what a file of mode `mode` is, for messages about a file that
// must be a regular one.
inline const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

}  // namespace mblob
