#include "mblob/core/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "mblob/core/output_path.h"

namespace mblob {
namespace fs = std::filesystem;

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

constexpr std::uint64_t kChunk = 8u << 20;  // 8 MiB per copy call

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
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw_errno("cannot open " + path.string());
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw_errno("cannot stat " + path.string());
  if (!S_ISREG(st.st_mode)) throw Error(path.string() + ": not a regular file");
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ == 0) return;
  addr_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, f.fd, 0);
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
  while (done < count) {
    loff_t off = static_cast<loff_t>(in_offset + done);
    std::uint64_t want = std::min<std::uint64_t>(count - done, kChunk);
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

// Temporary files of live AtomicFiles, for remove_pending_temp_files(). Fixed-size storage, so a
// signal handler can walk it without allocating; a slot is claimed and released atomically.
constexpr int kTempSlots = 64;
struct TempSlot {
  std::atomic<bool> used{false};
  std::atomic<bool> ready{false};
  char path[4096];
};
TempSlot g_temp_slots[kTempSlots];

int register_temp(const std::string& path) {
  if (path.size() >= sizeof(TempSlot::path)) return -1;
  for (int i = 0; i < kTempSlots; ++i) {
    bool expected = false;
    if (g_temp_slots[i].used.compare_exchange_strong(expected, true)) {
      std::memcpy(g_temp_slots[i].path, path.c_str(), path.size() + 1);
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

// mkstemp-style template for a temporary name beside `target` (same directory, hidden).
std::vector<char> template_beside(const fs::path& target) {
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string tmpl = (dir / ("." + target.filename().string() + ".mblob-tmp-XXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  return name;
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
  std::vector<char> name = template_beside(file_);
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) throw_errno("cannot create a temporary file for " + target_.string());
  temp_ = name.data();
  slot_ = register_temp(temp_.string());
}

void remove_pending_temp_files() noexcept {
  for (auto& slot : g_temp_slots) {
    if (slot.ready.load()) ::unlink(slot.path);
  }
}

TempDir TempDir::beside(const fs::path& target) {
  std::vector<char> name = template_beside(target);
  if (::mkdtemp(name.data()) == nullptr) {
    throw_errno("cannot create a temporary directory for " + target.string());
  }
  return TempDir(name.data());
}

TempDir TempDir::in_tmp(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) throw_errno("cannot create a temporary directory");
  return TempDir(name.data());
}

TempDir TempDir::in(const fs::path& dir, const std::string& prefix) {
  std::string tmpl = (dir / (prefix + "-XXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) {
    throw_errno("cannot create a private directory in " + dir.string());
  }
  return TempDir(name.data());
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
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
  if (::close(fd) != 0) throw_errno("writing " + target_.string());  // NFS reports errors here
  unregister_temp(slot_);  // from here on the temp name is the target's, or gone
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
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw_errno("cannot open " + path.string());
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
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
