// ByteSource: a byte sequence assembled from in-memory pieces and ranges of files on disk.
//
// This is how large payloads travel through mblob without being read into memory: the
// serializer produces a ByteSource whose small pieces (headers, kinds, lengths) are in memory
// and whose payload pieces are file ranges; the object writer streams it into the output with
// copy_fd_range. Its size is known up front (files are stat'ed when appended). Files are read,
// never memory-mapped (a mapping of a file that shrinks kills the process with SIGBUS), and a
// file whose size changed since it was appended is an error naming it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/bytes.h"
#include "mblob/core/file.h"

namespace mblob {

// Why `path` cannot be read as an input of `role` ("payloads", "sources" ...): "" when it is a
// regular file this process can read, else what it really is, e.g. "does not exist", "is a
// directory", "is a FIFO (named pipe): payloads must be regular files", "is a character device:
// ...", "permission denied: cannot search /x/y", or that it reports size 0 but yields bytes
// (/proc/self/status), which is never embedded as empty. The text follows "<path>: ".
std::string input_file_problem(const std::filesystem::path& path,
                               std::string_view role = "payloads");

class ByteSource {
 public:
  ByteSource() = default;
  static ByteSource from_bytes(std::vector<std::uint8_t> bytes);
  static ByteSource from_file(const std::filesystem::path& path);

  void append(std::vector<std::uint8_t> bytes);
  void append(ByteView bytes) { append(bytes.to_vector()); }
  // A range of a file; size UINT64_MAX means "to the end" (the file is stat'ed now). Throws
  // Error "<path>: <input_file_problem>" unless it is a regular, readable file.
  void append_file(const std::filesystem::path& path, std::uint64_t offset = 0,
                   std::uint64_t size = UINT64_MAX);
  void append(const ByteSource& other);

  std::uint64_t size() const { return size_; }
  // Every file appended, in order, empty ones included: the inputs an output must not replace
  // (check_output_is_not_input).
  const std::vector<std::filesystem::path>& files() const { return files_; }
  bool empty() const { return size_ == 0; }
  // Where these bytes should start in an output, modulo `page` (a power of two), for their
  // largest file range to be copied at full speed: that range's bytes then land at output
  // offsets congruent to their offsets in its file modulo the page. An in-kernel copy between
  // offsets that are not congruent copies every page in two pieces (1 GiB: 0.378 s against
  // 0.263 s, docs/benchmarks.md "Copy alignment"). 0 when there is no file range.
  std::uint64_t copy_phase(std::uint64_t page = 4096) const;

  // Streams every piece to `fd` at its current position. Files are opened one at a time and
  // copied in kernel where possible; throws if a file changed size since it was appended.
  // `progress(ctx, bytes_done)` is called as bytes go out.
  void write_to(int fd, const std::string& what, ProgressFn progress = nullptr,
                void* progress_ctx = nullptr) const;
  // Calls fn with the bytes in order, in chunks of at most `chunk` bytes (files are read with
  // pread into one buffer of `chunk` bytes, never mapped, never read whole). Throws, naming the
  // file, if a file shrank or changed size; fn may have seen some bytes by then.
  void for_each_chunk(const std::function<void(ByteView)>& fn,
                      std::size_t chunk = std::size_t{8} << 20) const;
  // The first min(n, size()) bytes (file pieces are read with pread, not mapped).
  std::vector<std::uint8_t> head(std::size_t n) const;
  // Reads everything into memory (for tests and small sources).
  std::vector<std::uint8_t> read_all() const;

 private:
  struct Piece {
    std::shared_ptr<const std::vector<std::uint8_t>> bytes;  // set for in-memory pieces
    std::filesystem::path file;                              // else a file range
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint64_t file_size = 0;  // the whole file's size when appended
  };
  static int open_piece(const Piece& p);
  static void check_piece_size(int fd, const Piece& p, const char* when);
  // Reads exactly `n` bytes of `p` from `at` (relative to the piece) into `dst`; the file ending
  // first is an error naming it.
  static void read_piece(int fd, const Piece& p, std::uint64_t at, std::uint8_t* dst,
                         std::size_t n);
  std::vector<Piece> pieces_;
  std::uint64_t size_ = 0;
  std::vector<std::filesystem::path> files_;
};

}  // namespace mblob
