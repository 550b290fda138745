// Files: read-only mappings, atomic output, and fast file-to-file copies.
//
// Every output mblob writes goes through AtomicFile: bytes go to a temporary file beside the
// target, which is renamed over the target only on commit(). A failure at any point (disk full,
// an exception, a signal that ends the process before the rename) leaves the previous target, or
// none, never a half-written one. What the target path names decides how it is written
// (resolve_output in output_path.h): a symbolic link is written through, a character device or
// FIFO is streamed in place (not atomic), a directory is refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "mblob/core/bytes.h"

namespace mblob {

// A whole file mapped read-only. Empty files map to an empty view.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  ByteView bytes() const { return {static_cast<const std::uint8_t*>(addr_), size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* addr_ = nullptr;
  std::size_t size_ = 0;
};

// Copies `count` bytes from `in_fd` at `in_offset` to `out_fd` at its current position, trying
// copy_file_range, then sendfile, then read/write. Returns the bytes copied; stops early only at
// the end of the input (count == UINT64_MAX copies to end of input). `on_progress`, when given,
// is called with the running total after each chunk.
using ProgressFn = void (*)(void* ctx, std::uint64_t done);
std::uint64_t copy_fd_range(int in_fd, std::uint64_t in_offset, int out_fd, std::uint64_t count,
                            const std::string& what, ProgressFn on_progress = nullptr,
                            void* progress_ctx = nullptr);

// Writes all of `data` to `fd` (retrying short writes and EINTR); throws on error.
void write_all(int fd, ByteView data, const std::string& what);
// pwrite of all of `data` at `offset`.
void pwrite_all(int fd, ByteView data, std::uint64_t offset, const std::string& what);

class AtomicFile {
 public:
  // Resolves `target` (resolve_output: throws UsageError for a directory, a path ending in '/',
  // an empty path, a socket) and creates a temporary file beside the file it names, or, for a
  // character device or FIFO, opens it to stream into. `mode` is applied (masked by umask) on
  // commit to a new file.
  explicit AtomicFile(std::filesystem::path target, unsigned mode = 0666);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  int fd() const { return fd_; }
  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temp_path() const { return temp_; }  // empty when streaming
  // The target is a character device or FIFO, written in place: no temporary, no rename, no
  // seeking (position() throws; pwrite fails on a pipe): a writer that patches its header
  // must assemble the file elsewhere first.
  bool streaming() const { return streaming_; }
  std::uint64_t position() const;

  void write(ByteView data) { write_all(fd_, data, target_.string()); }
  void pwrite(ByteView data, std::uint64_t offset) {
    pwrite_all(fd_, data, offset, target_.string());
  }

  // Closes the temp file and renames it onto the target (the file a link names); a stream is
  // closed.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path file_;  // target_ with symbolic links followed: what commit() replaces
  std::filesystem::path temp_;
  int slot_ = -1;  // registration for remove_pending_temp_files()
  int fd_ = -1;
  unsigned mode_ = 0666;
  bool committed_ = false;
  bool streaming_ = false;
};

// Removes the temporary files of every AtomicFile not yet committed or destroyed, and every live
// TempDir with everything in it. Async-signal-safe (open/getdents64/unlinkat/close only, no
// allocation): a program's SIGINT/SIGTERM handler calls it before dying, after the tools writing
// into those directories are dead, so an interrupted write leaves neither the target changed nor
// a temporary beside it or under $TMPDIR.
void remove_pending_temp_files() noexcept;

// Temporaries and their owners. A run that is killed (SIGKILL, a power cut) cannot clean up, so
// every temporary mblob names carries a lock that says whether its owner still lives: the owner
// holds flock(LOCK_EX) on the temporary file, or on the temporary directory itself, for as long
// as it exists (the kernel drops the lock when the owner dies, whatever its PID becomes later).
// Creating a temporary beside a target, or an export workspace under $TMPDIR, first removes the
// stale ones of that name, ".<target name>.mblob-tmp-XXXXXX" or "<prefix>-XXXXXX". This function
// does it: in `dir`, the entries named `prefix` plus six characters that are regular files or
// directories (never symlinks) owned by this user and whose lock can be taken at once. A live
// run's temporaries are never touched. Where the file system has no locks, nothing is removed.
// A run killed while a tool's watchdog was being forked leaves the lock held by that watchdog for
// the moment it takes to close its inherited descriptors; a run started within that moment keeps
// the temporary, and the next one removes it.
void remove_stale_temporaries(const std::filesystem::path& dir, const std::string& prefix);

// A new, private directory, removed with everything in it when the object dies. It is locked
// (see above) and registered for remove_pending_temp_files() while it lives.
class TempDir {
 public:
  // Beside `target`, on the same file system (so a rename from it onto `target` is atomic):
  // "<dir of target>/.<name of target>.mblob-tmp-XXXXXX".
  static TempDir beside(const std::filesystem::path& target);
  // Under $TMPDIR (default /tmp): "<prefix>-XXXXXX".
  static TempDir in_tmp(const std::string& prefix);
  // Inside the existing directory `dir`: "<dir>/<prefix>-XXXXXX".
  static TempDir in(const std::filesystem::path& dir, const std::string& prefix);

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  // Keeps the directory and its contents on disk (for a user who asked to see them).
  void keep();

 private:
  // Takes over a directory just made and locked: registers it.
  TempDir(std::filesystem::path p, int lock_fd);
  std::filesystem::path path_;
  int lock_fd_ = -1;  // the directory, flock(LOCK_EX)ed while it lives
  int slot_ = -1;     // registration for remove_pending_temp_files()
};

// Writes `data` to `path` atomically.
void write_file_atomic(const std::filesystem::path& path, ByteView data, unsigned mode = 0666);
// Reads a whole (small) file. For large inputs prefer MappedFile or streaming.
std::vector<std::uint8_t> read_file(const std::filesystem::path& path);

}  // namespace mblob
