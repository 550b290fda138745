#include "mblob/core/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "mblob/core/fd.h"
#include "mblob/core/interrupts.h"
#include "mblob/core/output_path.h"

namespace mblob {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kChunk = 8u << 20;  // 8 MiB per copy call
// The in-kernel copy moves a file through the page cache in runs of up to 64 KiB that start
// where the source's pages do; when those runs end on 64 KiB boundaries of the output, every
// large folio of the output is written whole. The first call of a copy is cut to end on such a
// boundary: into an output at 64 KiB + 4 KiB, 1 GiB took 0.358 s uncut and 0.263 s cut, as
// fast as into a 64 KiB boundary (docs/benchmarks.md, "Copy alignment").
constexpr std::uint64_t kCopyBoundary = 64u << 10;

// The bytes of the first copy call into `out_fd`: up to its next 64 KiB boundary when that is
// nearer than a chunk, else a whole chunk (or less, when the output does not seek).
std::uint64_t first_copy_call(int out_fd, std::uint64_t count) {
  const off_t at = ::lseek(out_fd, 0, SEEK_CUR);
  std::uint64_t want = std::min(count, kChunk);
  if (at > 0) {
    const std::uint64_t to_boundary =
        (kCopyBoundary - static_cast<std::uint64_t>(at) % kCopyBoundary) % kCopyBoundary;
    if (to_boundary != 0) want = std::min(want, to_boundary);
  }
  return want;
}

// The process's umask, read without changing it (umask(2) can only be read by setting it, which
// would race with other threads creating files). Linux reports it in /proc/self/status.
mode_t current_umask() {
  if (FILE* f = std::fopen("/proc/self/status", "re")) {
    char line[256];
    long mask = -1;
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::strncmp(line, "Umask:", 6) == 0) {
        char* end = nullptr;
        mask = std::strtol(line + 6, &end, 8);
        if (end == line + 6) mask = -1;
        break;
      }
    }
    std::fclose(f);
    if (mask >= 0 && mask <= 0777) return static_cast<mode_t>(mask);
  }
  return 022;
}

}  // namespace

MappedFile::MappedFile(const fs::path& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
  UniqueFd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (f.get() < 0) throw_errno("cannot open " + path.string());
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) throw_errno("cannot stat " + path.string());
  if (!S_ISREG(st.st_mode)) throw Error(path.string() + ": not a regular file");
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ == 0) return;
  addr_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, f.get(), 0);
  if (addr_ == MAP_FAILED) {
    addr_ = nullptr;
    throw_errno("cannot map " + path.string());
  }
}

MappedFile::~MappedFile() {
  if (addr_ != nullptr) ::munmap(addr_, size_);
}

void write_all(int fd, ByteView data, const std::string& what) {
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("writing " + what);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void pwrite_all(int fd, ByteView data, std::uint64_t offset, const std::string& what) {
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::pwrite(fd, p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("writing " + what);
    }
    p += n;
    offset += static_cast<std::uint64_t>(n);
    left -= static_cast<std::size_t>(n);
  }
}

std::uint64_t copy_fd_range(int in_fd, std::uint64_t in_offset, int out_fd, std::uint64_t count,
                            const std::string& what, ProgressFn on_progress, void* progress_ctx) {
  std::uint64_t done = 0;
  auto report = [&] {
    if (on_progress != nullptr) on_progress(progress_ctx, done);
  };

  // 1. copy_file_range: in-kernel (and reflinks on filesystems that share extents).
  std::uint64_t first = first_copy_call(out_fd, count);
  while (done < count) {
    loff_t off = static_cast<loff_t>(in_offset + done);
    std::uint64_t want = std::min<std::uint64_t>(count - done, kChunk);
    if (done == 0) want = first;
    ssize_t n = ::copy_file_range(in_fd, &off, out_fd, nullptr, want, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
          errno == EBADF || errno == ESPIPE || errno == ETXTBSY) {
        break;  // not supported between these files: fall through to sendfile
      }
      throw_errno("copying " + what);
    }
    if (n == 0) return done;  // end of input
    done += static_cast<std::uint64_t>(n);
    report();
  }
  // 2. sendfile: in-kernel from a file to anything.
  while (done < count) {
    off_t off = static_cast<off_t>(in_offset + done);
    std::uint64_t want = std::min<std::uint64_t>(count - done, kChunk);
    ssize_t n = ::sendfile(out_fd, in_fd, &off, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL || errno == ENOSYS || errno == ESPIPE || errno == EOPNOTSUPP) {
        break;  // fall through to read/write
      }
      throw_errno("copying " + what);
    }
    if (n == 0) return done;
    done += static_cast<std::uint64_t>(n);
    report();
  }
  // 3. read/write: pipes and everything else. Pipes cannot pread; use read when seeking fails.
  if (done < count) {
    std::vector<std::uint8_t> buf(1u << 20);
    bool seekable = ::lseek(in_fd, 0, SEEK_CUR) >= 0;
    while (done < count) {
      std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(count - done, buf.size()));
      ssize_t n = seekable ? ::pread(in_fd, buf.data(), want, static_cast<off_t>(in_offset + done))
                           : ::read(in_fd, buf.data(), want);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno("reading " + what);
      }
      if (n == 0) break;
      write_all(out_fd, ByteView(buf.data(), static_cast<std::size_t>(n)), what);
      done += static_cast<std::uint64_t>(n);
      report();
    }
  }
  return done;
}

namespace {

// Temporaries of live AtomicFiles and TempDirs, for remove_pending_temp_files(). Fixed-size
// storage, so a signal handler can walk it without allocating; a slot is claimed and released
// atomically.
constexpr int kTempSlots = 64;
struct TempSlot {
  std::atomic<bool> used{false};
  std::atomic<bool> ready{false};
  bool dir = false;
  char path[4096];
};
TempSlot g_temp_slots[kTempSlots];

int register_temp(const std::string& path, bool dir) {
  if (path.size() >= sizeof(TempSlot::path)) return -1;
  for (int i = 0; i < kTempSlots; ++i) {
    bool expected = false;
    if (g_temp_slots[i].used.compare_exchange_strong(expected, true)) {
      std::memcpy(g_temp_slots[i].path, path.c_str(), path.size() + 1);
      g_temp_slots[i].dir = dir;
      g_temp_slots[i].ready.store(true);
      return i;
    }
  }
  return -1;  // more than 64 at once: those are only removed by their destructors
}

void unregister_temp(int slot) {
  if (slot < 0) return;
  g_temp_slots[slot].ready.store(false);
  g_temp_slots[slot].used.store(false);
}

// ---- removing trees, async-signal-safe -------------------------------------------------------
//
// A signal handler removes temporary directories, so this uses only system calls (no opendir,
// which allocates, no std::filesystem): entries are read with getdents64 into a buffer on the
// stack, and everything is removed relative to directory descriptors opened with O_NOFOLLOW, so
// a symlink inside a temporary directory is removed, never followed.
constexpr int kMaxTreeDepth = 16;

void remove_contents(int dirfd, int depth) noexcept;

// Removes `name` in `dirfd`; a directory with its contents, down to `depth` levels.
void remove_entry(int dirfd, const char* name, bool known_dir, int depth) noexcept {
  if (!known_dir) {
    if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return;
    if (errno != EISDIR && errno != EPERM) return;  // unlink of a directory: EISDIR (Linux)
  }
  if (depth <= 0) return;
  int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  remove_contents(fd, depth - 1);
  ::close(fd);
  ::unlinkat(dirfd, name, AT_REMOVEDIR);
}

void remove_contents(int dirfd, int depth) noexcept {
  alignas(dirent64) char buf[2048];
  // Removing entries while reading a directory may make the next read skip some: read again
  // from the start until a pass finds nothing (bounded, for entries that cannot be removed).
  for (int pass = 0; pass < 8; ++pass) {
    bool found = false;
    if (::lseek(dirfd, 0, SEEK_SET) != 0) return;
    for (;;) {
      ssize_t n = ::getdents64(dirfd, buf, sizeof buf);
      if (n <= 0) break;
      for (ssize_t off = 0; off < n;) {
        auto* d = reinterpret_cast<dirent64*>(buf + off);
        off += d->d_reclen;
        const char* nm = d->d_name;
        if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))) continue;
        found = true;
        remove_entry(dirfd, nm, d->d_type == DT_DIR, depth);
      }
    }
    if (!found) return;
  }
}

// Removes the directory at `path` and everything in it.
void remove_tree(const char* path) noexcept {
  int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  remove_contents(fd, kMaxTreeDepth);
  ::close(fd);
  ::rmdir(path);
}

// ---- creating locked temporaries -------------------------------------------------------------

struct LockedTemp {
  std::string path;
  int fd = -1;  // the file, or the directory opened read-only; flock(LOCK_EX)ed
};

// Creates a temporary file or directory from the mkstemp template `tmpl` and locks it (see
// remove_stale_temporaries in the header). Between the creation and the flock, another run's
// sweep can find it unlocked and remove it: then the lock is taken on a removed inode (no links
// left), and we try again under a new name.
LockedTemp create_locked(const std::string& tmpl, bool dir, const std::string& what) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<char> name(tmpl.begin(), tmpl.end());
    name.push_back('\0');
    int fd = -1;
    if (dir) {
      if (::mkdtemp(name.data()) == nullptr) throw_errno(what);
      fd = ::open(name.data(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT) continue;  // already swept
      if (fd < 0) throw_errno(what);
    } else {
      fd = ::mkostemp(name.data(), O_CLOEXEC);
      if (fd < 0) throw_errno(what);
    }
    // Blocking: a sweeper holds the lock only while it removes. A file system without locks
    // (flock fails) is used unlocked; its sweeps remove nothing.
    while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_nlink == 0) {
      ::close(fd);
      continue;
    }
    return {name.data(), fd};
  }
  throw Error(what + ": it was removed by another process, again and again");
}

// mkstemp-style template for a temporary name beside `target` (same directory, hidden), after
// removing the stale temporaries of earlier runs that had that name.
std::string template_beside(const fs::path& target) {
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string prefix = "." + target.filename().string() + ".mblob-tmp-";
  remove_stale_temporaries(dir, prefix);
  return (dir / (prefix + "XXXXXX")).string();
}

}  // namespace

AtomicFile::AtomicFile(fs::path target, unsigned mode) : target_(std::move(target)), mode_(mode) {
  OutputPath out = resolve_output(target_);
  if (out.stream) {
    fd_ = open_output_stream(out);
    streaming_ = true;
    return;
  }
  file_ = std::move(out.file);
  std::string tmpl = template_beside(file_);
  InterruptsBlocked blocked;  // from its creation until the signal handler can find it
  LockedTemp t =
      create_locked(tmpl, /*dir=*/false, "cannot create a temporary file for " + target_.string());
  fd_ = t.fd;
  temp_ = t.path;
  slot_ = register_temp(temp_.string(), /*dir=*/false);
}

void remove_pending_temp_files() noexcept {
  const int saved_errno = errno;  // a handler that returns must leave errno as it was
  for (auto& slot : g_temp_slots) {
    if (!slot.ready.load()) continue;
    if (slot.dir) {
      remove_tree(slot.path);
    } else {
      ::unlink(slot.path);
    }
  }
  errno = saved_errno;
}

void remove_stale_temporaries(const fs::path& dir, const std::string& prefix) {
  // Names mkstemp makes from "<prefix>XXXXXX": exactly six more characters, so the temporaries
  // of an output called "<name>.mblob-tmp-x" are not taken for those of "<name>".
  UniqueFd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.get() < 0) return;  // the caller's create reports a missing directory
  DIR* listing = ::fdopendir(::fcntl(d.get(), F_DUPFD_CLOEXEC, 0));
  if (listing == nullptr) return;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(listing)) {
    std::string_view n(e->d_name);
    if (n.size() == prefix.size() + 6 && n.substr(0, prefix.size()) == prefix) {
      names.emplace_back(n);
    }
  }
  ::closedir(listing);
  for (const std::string& name : names) {
    UniqueFd t{::openat(d.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
    struct stat st {};
    if (t.get() < 0 || ::fstat(t.get(), &st) != 0) continue;
    if (!(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) || st.st_uid != ::geteuid()) continue;
    if (::flock(t.get(), LOCK_EX | LOCK_NB) != 0) continue;  // its owner lives (or no locks here)
    // Still the same inode under that name (not swapped since we opened it)?
    struct stat now {};
    if (::fstatat(d.get(), name.c_str(), &now, AT_SYMLINK_NOFOLLOW) != 0 ||
        now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      remove_contents(t.get(), kMaxTreeDepth);
      ::unlinkat(d.get(), name.c_str(), AT_REMOVEDIR);
    } else {
      ::unlinkat(d.get(), name.c_str(), 0);
    }
  }  // closing t releases the lock, after the removal
}

TempDir::TempDir(fs::path p, int lock_fd) : path_(std::move(p)), lock_fd_(lock_fd) {
  slot_ = register_temp(path_.string(), /*dir=*/true);
}

TempDir::TempDir(TempDir&& other) noexcept
    : path_(std::move(other.path_)), lock_fd_(other.lock_fd_), slot_(other.slot_) {
  other.path_.clear();
  other.lock_fd_ = -1;
  other.slot_ = -1;
}

TempDir TempDir::beside(const fs::path& target) {
  std::string tmpl = template_beside(target);
  InterruptsBlocked blocked;  // from its creation until the signal handler can find it
  LockedTemp t = create_locked(tmpl, /*dir=*/true,
                               "cannot create a temporary directory for " + target.string());
  return TempDir(t.path, t.fd);
}

TempDir TempDir::in_tmp(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  fs::path dir = tmp && *tmp ? tmp : "/tmp";
  remove_stale_temporaries(dir, prefix + "-");
  InterruptsBlocked blocked;  // from its creation until the signal handler can find it
  LockedTemp t = create_locked((dir / (prefix + "-XXXXXX")).string(), /*dir=*/true,
                               "cannot create a temporary directory in " + dir.string());
  return TempDir(t.path, t.fd);
}

TempDir TempDir::in(const fs::path& dir, const std::string& prefix) {
  // No sweep of stale ones: in a user's directory, earlier runs' directories may be kept on
  // purpose (keep()).
  InterruptsBlocked blocked;  // from its creation until the signal handler can find it
  LockedTemp t = create_locked((dir / (prefix + "-XXXXXX")).string(), /*dir=*/true,
                               "cannot create a private directory in " + dir.string());
  return TempDir(t.path, t.fd);
}

void TempDir::keep() {
  path_.clear();
  unregister_temp(slot_);  // a signal no longer removes it either
  slot_ = -1;
}

TempDir::~TempDir() {
  if (!path_.empty()) remove_tree(path_.c_str());
  unregister_temp(slot_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // unlocked only once it is gone
}

AtomicFile::~AtomicFile() {
  unregister_temp(slot_);
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

std::uint64_t AtomicFile::position() const {
  if (streaming_) throw Error("cannot seek in " + target_.string() + ", a device or FIFO");
  off_t pos = ::lseek(fd_, 0, SEEK_CUR);
  if (pos < 0) throw_errno("seeking in " + target_.string());
  return static_cast<std::uint64_t>(pos);
}

void AtomicFile::commit() {
  if (streaming_) {
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw_errno("writing " + target_.string());
    committed_ = true;
    return;
  }
  mode_t mask = current_umask();
  if (::fchmod(fd_, mode_ & ~mask) != 0) throw_errno("cannot set the mode of " + target_.string());
  int fd = fd_;
  fd_ = -1;
  // The lock belongs to the open file: a duplicate keeps it over the close (which reports NFS
  // errors) and the rename, so no other run's sweep takes the temporary for a dead one.
  UniqueFd lock{::fcntl(fd, F_DUPFD_CLOEXEC, 0)};
  if (::close(fd) != 0) throw_errno("writing " + target_.string());  // NFS reports errors here
  InterruptsBlocked blocked;  // a signal between these two steps would leave the temporary
  unregister_temp(slot_);     // from here on the temp name is the target's, or gone
  slot_ = -1;
  if (::rename(temp_.c_str(), file_.c_str()) != 0) {
    throw_errno("cannot move the new file into place at " + target_.string());
  }
  committed_ = true;
}

void write_file_atomic(const fs::path& path, ByteView data, unsigned mode) {
  AtomicFile out(path, mode);
  out.write(data);
  out.commit();
}

std::vector<std::uint8_t> read_file(const fs::path& path) {
  UniqueFd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.get() < 0) throw_errno("cannot open " + path.string());
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(f.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("reading " + path.string());
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

}  // namespace mblob
