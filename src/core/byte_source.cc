#include "mblob/core/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "mblob/core/fd.h"
#include "mblob/core/text.h"

namespace mblob {
namespace fs = std::filesystem;

namespace {

std::string shown(const fs::path& path) { return printable(path.string()); }

// What a file that is not a regular file is, and why it cannot be an input.
std::string not_regular(mode_t mode, std::string_view role) {
  return "is " + std::string(file_kind(mode)) + ": " + std::string(role) + " must be regular files";
}

// After EACCES on `path`: the first directory on the way to it that cannot be searched.
std::string permission_denied(const fs::path& path) {
  fs::path prefix;
  for (auto it = path.begin(); it != path.end(); ++it) {
    if (std::next(it) == path.end()) break;  // the last component is the file itself
    prefix /= *it;
    struct stat st {};
    if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
        ::faccessat(AT_FDCWD, prefix.c_str(), X_OK, AT_EACCESS) != 0) {
      return "permission denied: cannot search " + shown(prefix);
    }
  }
  return "permission denied";
}

std::string stat_failure(const fs::path& path, int err) {
  switch (err) {
    case ENOENT:
      return "does not exist";
    case EACCES:
      return permission_denied(path);
    case ENOTDIR:
      return "does not exist (a component of the path is not a directory)";
    case ELOOP:
      return "cannot be resolved (too many levels of symbolic links)";
    default:
      return errno_text(err);
  }
}

// A regular file whose st_size is 0 may still yield bytes (procfs, sysfs, some FUSE files): its
// size is not known before reading it, so it cannot be streamed as a sized payload.
bool yields_bytes_despite_size_zero(int fd) {
  char byte = 0;
  ssize_t n;
  do {
    n = ::pread(fd, &byte, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

}  // namespace

std::string input_file_problem(const fs::path& path, std::string_view role) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return stat_failure(path, errno);
  if (!S_ISREG(st.st_mode)) return not_regular(st.st_mode, role);
  // O_NONBLOCK: if the path was swapped for a FIFO since the stat, open must not hang.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    return errno == EACCES ? "permission denied: cannot read it" : stat_failure(path, errno);
  }
  if (::fstat(fd.get(), &st) != 0) return errno_text(errno);
  if (!S_ISREG(st.st_mode)) return not_regular(st.st_mode, role);
  if (st.st_size == 0 && yields_bytes_despite_size_zero(fd.get())) {
    return "reports a size of 0 but reading it gives bytes (a /proc or /sys file?): its size is "
           "unknown, so it cannot be embedded; copy it to a regular file first";
  }
  return {};
}

ByteSource ByteSource::from_bytes(std::vector<std::uint8_t> bytes) {
  ByteSource s;
  s.append(std::move(bytes));
  return s;
}

ByteSource ByteSource::from_file(const fs::path& path) {
  ByteSource s;
  s.append_file(path);
  return s;
}

void ByteSource::append(std::vector<std::uint8_t> bytes) {
  if (bytes.empty()) return;
  Piece p;
  p.size = bytes.size();
  p.bytes = std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
  size_ += p.size;
  pieces_.push_back(std::move(p));
}

void ByteSource::append_file(const fs::path& path, std::uint64_t offset, std::uint64_t size) {
  std::string problem = input_file_problem(path);
  if (!problem.empty()) throw Error(shown(path) + ": " + problem);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_errno("cannot read " + shown(path));
  auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (offset > file_size) throw Error(shown(path) + ": offset past the end of the file");
  if (size == UINT64_MAX) size = file_size - offset;
  if (size > file_size - offset) throw Error(shown(path) + ": range past the end of the file");
  files_.push_back(path);  // an empty one too: it is still an input
  if (size == 0) return;
  std::uint64_t total = 0;
  if (add_overflows(size_, size, &total)) throw Error("byte source larger than 2^64 bytes");
  Piece p;
  p.file = path;
  p.offset = offset;
  p.size = size;
  p.file_size = file_size;
  size_ = total;
  pieces_.push_back(std::move(p));
}

void ByteSource::append(const ByteSource& other) {
  files_.insert(files_.end(), other.files_.begin(), other.files_.end());
  for (const auto& p : other.pieces_) {
    pieces_.push_back(p);
    size_ += p.size;
  }
}

namespace {
struct Offset {
  ProgressFn fn;
  void* ctx;
  std::uint64_t base;
};
void shifted(void* ctx, std::uint64_t done) {
  auto* o = static_cast<Offset*>(ctx);
  o->fn(o->ctx, o->base + done);
}
}  // namespace

// Files are read (copy_file_range, pread), never mapped: a mapped file that shrinks under us
// would kill the process with SIGBUS. A file whose size differs from what it was when appended,
// before or after its bytes are taken, is an error naming it: the bytes would not be the ones
// the caller sized the output for.
int ByteSource::open_piece(const Piece& p) {
  int fd = ::open(p.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("cannot open " + shown(p.file));
  try {
    check_piece_size(fd, p, "since it was added");
  } catch (...) {
    ::close(fd);
    throw;
  }
  return fd;
}

void ByteSource::check_piece_size(int fd, const Piece& p, const char* when) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("cannot read " + shown(p.file));
  auto now = static_cast<std::uint64_t>(st.st_size);
  if (now != p.file_size) {
    throw Error(shown(p.file) + ": file changed size " + when + " (was " +
                std::to_string(p.file_size) + " bytes, now " + std::to_string(now) + ")");
  }
}

void ByteSource::read_piece(int fd, const Piece& p, std::uint64_t at, std::uint8_t* dst,
                            std::size_t n) {
  for (std::size_t got = 0; got < n;) {
    ssize_t r = ::pread(fd, dst + got, n - got, static_cast<off_t>(p.offset + at + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw_errno("cannot read " + shown(p.file));
    if (r == 0) {
      throw Error(shown(p.file) + ": file shrank while being read (expected " +
                  std::to_string(p.size) + " bytes, got " + std::to_string(at + got) + ")");
    }
    got += static_cast<std::size_t>(r);
  }
}

std::uint64_t ByteSource::copy_phase(std::uint64_t page) const {
  std::uint64_t at = 0, largest = 0, phase = 0;
  for (const auto& p : pieces_) {
    if (!p.bytes && p.size > largest) {
      largest = p.size;
      phase = (p.offset - at) & (page - 1);  // unsigned wrap-around is the modular difference
    }
    at += p.size;
  }
  return phase;
}

void ByteSource::write_to(int fd, const std::string& what, ProgressFn progress,
                          void* progress_ctx) const {
  std::uint64_t done = 0;
  for (const auto& p : pieces_) {
    if (p.bytes) {
      write_all(fd, ByteView(*p.bytes), what);
    } else {
      UniqueFd in(open_piece(p));
      Offset o{progress, progress_ctx, done};
      std::uint64_t n = copy_fd_range(in.get(), p.offset, fd, p.size, shown(p.file) + " to " + what,
                                      progress ? shifted : nullptr, &o);
      if (n != p.size) {
        throw Error(shown(p.file) + ": file shrank while being copied (expected " +
                    std::to_string(p.size) + " bytes, got " + std::to_string(n) + ")");
      }
      check_piece_size(in.get(), p, "while being copied");
    }
    done += p.size;
    if (progress) progress(progress_ctx, done);
  }
}

void ByteSource::for_each_chunk(const std::function<void(ByteView)>& fn, std::size_t chunk) const {
  std::vector<std::uint8_t> buffer;
  for (const auto& p : pieces_) {
    if (p.bytes) {
      ByteView v(*p.bytes);
      for (std::size_t off = 0; off < v.size(); off += chunk) {
        fn(v.sub(off, std::min(chunk, v.size() - off)));
      }
      continue;
    }
    UniqueFd in(open_piece(p));
    buffer.resize(static_cast<std::size_t>(std::min<std::uint64_t>(chunk, p.size)));
    for (std::uint64_t done = 0; done < p.size;) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), p.size - done));
      read_piece(in.get(), p, done, buffer.data(), n);
      done += n;
      fn(ByteView(buffer.data(), n));
    }
    check_piece_size(in.get(), p, "while being read");
  }
}

std::vector<std::uint8_t> ByteSource::head(std::size_t n) const {
  std::vector<std::uint8_t> out;
  for (const auto& p : pieces_) {
    if (out.size() >= n) break;
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(p.size, n - out.size()));
    if (p.bytes) {
      out.insert(out.end(), p.bytes->begin(), p.bytes->begin() + static_cast<std::ptrdiff_t>(want));
      continue;
    }
    UniqueFd in(open_piece(p));
    std::size_t start = out.size();
    out.resize(start + want);
    read_piece(in.get(), p, 0, out.data() + start, want);
  }
  return out;
}

std::vector<std::uint8_t> ByteSource::read_all() const {
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(size_));
  for_each_chunk([&](ByteView v) { out.insert(out.end(), v.begin(), v.end()); });
  return out;
}

}  // namespace mblob
