#include "mblob/core/byte_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace mblob {
namespace fs = std::filesystem;

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
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw_errno("cannot read " + path.string());
  if (!S_ISREG(st.st_mode)) throw Error(path.string() + ": not a regular file");
  auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (offset > file_size) throw Error(path.string() + ": offset past the end of the file");
  if (size == UINT64_MAX) size = file_size - offset;
  if (size > file_size - offset) throw Error(path.string() + ": range past the end of the file");
  if (size == 0) return;
  std::uint64_t total = 0;
  if (add_overflows(size_, size, &total)) throw Error("byte source larger than 2^64 bytes");
  Piece p;
  p.file = path;
  p.offset = offset;
  p.size = size;
  size_ = total;
  pieces_.push_back(std::move(p));
}

void ByteSource::append(const ByteSource& other) {
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

void ByteSource::write_to(int fd, const std::string& what, ProgressFn progress,
                          void* progress_ctx) const {
  std::uint64_t done = 0;
  for (const auto& p : pieces_) {
    if (p.bytes) {
      write_all(fd, ByteView(*p.bytes), what);
    } else {
      int in = ::open(p.file.c_str(), O_RDONLY | O_CLOEXEC);
      if (in < 0) throw_errno("cannot open " + p.file.string());
      Offset o{progress, progress_ctx, done};
      std::uint64_t n = 0;
      try {
        n = copy_fd_range(in, p.offset, fd, p.size, p.file.string() + " to " + what,
                          progress ? shifted : nullptr, &o);
      } catch (...) {
        ::close(in);
        throw;
      }
      ::close(in);
      if (n != p.size) {
        throw Error(p.file.string() + ": file shrank while being copied (expected " +
                    std::to_string(p.size) + " bytes, got " + std::to_string(n) + ")");
      }
    }
    done += p.size;
    if (progress) progress(progress_ctx, done);
  }
}

void ByteSource::for_each_chunk(const std::function<void(ByteView)>& fn, std::size_t chunk) const {
  auto emit = [&](ByteView v) {
    for (std::size_t off = 0; off < v.size(); off += chunk) {
      fn(v.sub(off, std::min(chunk, v.size() - off)));
    }
  };
  for (const auto& p : pieces_) {
    if (p.bytes) {
      emit(ByteView(*p.bytes));
      continue;
    }
    MappedFile m(p.file);
    if (p.offset > m.bytes().size() || p.size > m.bytes().size() - p.offset) {
      throw Error(p.file.string() + ": file shrank since it was added (expected " +
                  std::to_string(p.offset + p.size) + " bytes)");
    }
    emit(m.bytes().sub(static_cast<std::size_t>(p.offset), static_cast<std::size_t>(p.size)));
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
    int fd = ::open(p.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_errno("cannot open " + p.file.string());
    std::size_t start = out.size();
    out.resize(start + want);
    std::size_t got = 0;
    while (got < want) {
      ssize_t r =
          ::pread(fd, out.data() + start + got, want - got, static_cast<off_t>(p.offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        int e = errno;
        ::close(fd);
        if (r == 0) throw Error(p.file.string() + ": file shrank since it was added");
        errno = e;
        throw_errno("reading " + p.file.string());
      }
      got += static_cast<std::size_t>(r);
    }
    ::close(fd);
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
