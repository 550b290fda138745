#include "mblob/core/output_path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>

#include "mblob/core/error.h"
#include "mblob/core/fd.h"
#include "mblob/core/file.h"

namespace mblob {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxLinks = 40;  // as the kernel's own limit for a path (ELOOP)

// The text of the symbolic link at `link`.
fs::path read_link(const fs::path& link, const fs::path& requested) {
  std::string buf(256, '\0');
  for (;;) {
    ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size());
    if (n < 0)
      throw_errno("cannot read the symbolic link " + link.string() + " (output " +
                  requested.string() + ")");
    if (static_cast<std::size_t>(n) < buf.size()) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

// Follows the chain of symbolic links at `path` to the file it finally names, which may not
// exist yet (a dangling link: that file is created). A relative link is read from its own
// directory.
fs::path follow_links(const fs::path& path) {
  fs::path p = path;
  for (int hops = 0; hops <= kMaxLinks; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) {
      if (errno == ENOENT) return p;
      throw_errno("cannot examine the output " + path.string());
    }
    if (!S_ISLNK(st.st_mode)) return p;
    fs::path to = read_link(p, path);
    p = to.is_absolute() ? to : p.parent_path() / to;
  }
  throw Error("cannot write the output " + path.string() + ": more than " +
              std::to_string(kMaxLinks) + " symbolic links in a row (a loop?)");
}

struct FileId {
  dev_t dev;
  ino_t ino;
  bool operator==(const FileId&) const = default;
};

std::optional<FileId> file_id(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

[[noreturn]] void same_file(const fs::path& output, const std::string& input) {
  throw UsageError("the output " + output.string() + " is the same file as the input " + input +
                   ": writing it would destroy the input; choose another output path");
}

}  // namespace

OutputPath resolve_output(const fs::path& path) {
  const std::string& s = path.native();
  if (s.empty()) throw UsageError("the output path is empty: name the file to write");
  if (s.back() == '/') {
    throw UsageError("the output " + s +
                     " ends in '/', which names a directory: name the file to write");
  }
  OutputPath out{path, path, false};
  // stat follows every link, also the kernel's own (/dev/stdout -> /proc/self/fd/1 -> a pipe),
  // whose text is no path: what they finally name decides how the output is written.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      out.stream = true;
      return out;
    }
    if (S_ISDIR(st.st_mode)) {
      throw UsageError("the output " + s + " is a directory: name the file to write");
    }
    if (!S_ISREG(st.st_mode)) {
      throw UsageError("the output " + s + " is " + file_kind(st.st_mode) +
                       "; mblob writes a regular file, a character device or a FIFO");
    }
  } else if (errno != ENOENT) {
    throw_errno("cannot examine the output " + s);
  }
  out.file = follow_links(path);
  if (out.file.filename().empty()) {
    throw UsageError("the output " + s + " is a symbolic link to " + out.file.string() +
                     ", which names a directory: name the file to write");
  }
  return out;
}

void check_output_is_not_input(const fs::path& output, const std::vector<fs::path>& inputs) {
  resolve_output(output);
  std::optional<FileId> out = file_id(output);
  if (!out) return;  // nothing there yet: nothing to destroy
  for (const auto& in : inputs) {
    if (file_id(in) == out) same_file(output, in.string());
  }
}

void check_output_is_not_input_fd(const fs::path& output, int fd, const std::string& name) {
  resolve_output(output);
  std::optional<FileId> out = file_id(output);
  struct stat st {};
  if (!out || ::fstat(fd, &st) != 0) return;
  if (FileId{st.st_dev, st.st_ino} == *out) same_file(output, name);
}

int open_output_stream(const OutputPath& to) {
  // No O_CREAT: the device or FIFO exists (resolve_output saw it); a FIFO waits for a reader.
  int fd = ::open(to.requested.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw_errno("cannot open the output " + to.requested.string());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
    ::close(fd);
    throw Error("the output " + to.requested.string() +
                " changed while being opened: it is no longer a character device or FIFO");
  }
  return fd;
}

void stream_file_into(const fs::path& from, const OutputPath& to) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw_errno("cannot open " + from.string());
  int out = -1;
  try {
    out = open_output_stream(to);
    copy_fd_range(in, 0, out, UINT64_MAX, to.requested.string());
  } catch (...) {
    ::close(in);
    if (out >= 0) ::close(out);
    throw;
  }
  ::close(in);
  if (::close(out) != 0) throw_errno("writing " + to.requested.string());
}

}  // namespace mblob
