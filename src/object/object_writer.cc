// The object API's shared part (include/mblob/object/object_writer.h): the checks every
// container makes, and the one copy loop that puts head, payload and tail into the output.
// Memory use is the head, the tail and (for streams) the first kBigPayload bytes: the payload
// goes from its file or stream to the output with in-kernel copies, never through a buffer of
// its size.
#include "mblob/object/object_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "mblob/core/error.h"
#include "mblob/core/file.h"
#include "mblob/core/output_path.h"
#include "mblob/core/progress.h"
#include "mblob/core/text.h"
#include "mblob/object/coff_writer.h"
#include "mblob/object/elf_writer.h"
#include "mblob/object/macho_writer.h"

namespace mblob {
namespace {

[[noreturn]] void too_large(const ContainerWriter& c, const Target& t, const ObjectLayout& l,
                            std::uint64_t size) {
  throw Error("the payload (" + human_bytes(size) + ", " + std::to_string(size) +
              " bytes) does not fit " +
              (l.object.empty() ? "a " + std::string(c.name()) + " object" : l.object) + " for " +
              std::string(t.triple) + ": " + l.limit + ", so at most " +
              std::to_string(l.max_payload) + " bytes fit; split the blob");
}

// head() padded with zeros up to the payload.
std::vector<std::uint8_t> padded_head(const ContainerWriter& c, const ObjectSpec& spec,
                                      const Target& t, const ObjectLayout& l,
                                      std::uint64_t payload_size) {
  std::vector<std::uint8_t> head = c.head(spec, t, l, payload_size);
  if (head.size() > l.data_offset) {
    throw Error("internal error: the " + std::string(c.name()) + " head (" +
                std::to_string(head.size()) + " bytes) overlaps the payload at offset " +
                std::to_string(l.data_offset));
  }
  head.resize(static_cast<std::size_t>(l.data_offset), 0);
  return head;
}

// Writes the tail after a payload of `payload_size` bytes, rewrites the head when it was
// provisional, and commits.
ObjectInfo finish(const ContainerWriter& c, const ObjectSpec& spec, const Target& t,
                  const ObjectLayout& l, std::uint64_t payload_size, AtomicFile& out,
                  bool rewrite_head) {
  ObjectInfo info;
  std::vector<std::uint8_t> tail = c.tail(spec, t, l, payload_size, info);
  out.write(tail);
  if (rewrite_head) out.pwrite(padded_head(c, spec, t, l, payload_size), 0);
  info.payload_size = payload_size;
  info.file_size = l.data_offset + payload_size + tail.size();
  out.commit();
  return info;
}

// Reads up to `max` bytes from the stream's start (pread at `offset` when seekable).
std::vector<std::uint8_t> read_start(int fd, bool seekable, std::uint64_t offset, std::size_t max,
                                     const std::string& in_name) {
  std::vector<std::uint8_t> head(max);
  std::size_t got = 0;
  while (got < head.size()) {
    ssize_t n = seekable ? ::pread(fd, head.data() + got, head.size() - got,
                                   static_cast<off_t>(offset + got))
                         : ::read(fd, head.data() + got, head.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("reading " + in_name);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  head.resize(got);
  return head;
}

}  // namespace

Visibility parse_visibility(std::string_view name) {
  if (name == "default") return Visibility::default_;
  if (name == "hidden") return Visibility::hidden;
  if (name == "protected") return Visibility::protected_;
  throw Error("unknown visibility '" + std::string(name) + "'; use default, hidden or protected");
}

std::string_view visibility_name(Visibility v) {
  switch (v) {
    case Visibility::default_:
      return "default";
    case Visibility::hidden:
      return "hidden";
    case Visibility::protected_:
      return "protected";
  }
  return "?";
}

const ContainerWriter& container_writer(Container c) {
  switch (c) {
    case Container::elf:
      return elf_container_writer();
    case Container::macho:
      return macho_container_writer();
    case Container::coff:
      return coff_container_writer();
  }
  throw Error("internal error: no writer for container " + std::to_string(static_cast<int>(c)));
}

const Target& resolve_target(const ObjectSpec& spec) {
  return spec.target != nullptr ? *spec.target : host_target();
}

void validate(const ObjectSpec& spec) {
  check_symbol_name(spec.symbol, SymbolUse::object);
  if (spec.size_symbol) {
    check_symbol_name(spec.symbol + std::string(kEndSymbolSuffix), SymbolUse::object);
    check_symbol_name(spec.symbol + std::string(kSizeSymbolSuffix), SymbolUse::object);
  }
  const Target& t = resolve_target(spec);
  check_alignment(spec.align, t.container);
  container_writer(t.container).validate(spec, t);
}

ObjectInfo write_object(const ObjectSpec& spec, const ByteSource& payload,
                        const std::filesystem::path& out_path, const WriteOptions& options) {
  check_output_is_not_input(out_path, payload.files());
  validate(spec);
  const Target& t = resolve_target(spec);
  const ContainerWriter& c = container_writer(t.container);
  const std::uint64_t size = payload.size();
  ObjectLayout l = c.layout(spec, t, size >= kBigPayload);
  if (size > l.max_payload) too_large(c, t, l, size);

  // The size is known, so the head goes out complete and nothing is rewritten.
  AtomicFile out(out_path, 0644);
  out.write(padded_head(c, spec, t, l, size));
  {
    Progress progress("pack " + out_path.filename().string(), size, !options.progress);
    payload.write_to(out.fd(), out_path.string(), progress.fn(), &progress);
  }
  if (!out.streaming() && out.position() != l.data_offset + size) {
    throw Error("writing " + out_path.string() + ": the payload changed size while being copied");
  }
  return finish(c, spec, t, l, size, out, false);
}

ObjectInfo write_object_from_fd(const ObjectSpec& spec, int in_fd, const std::string& in_name,
                                const std::filesystem::path& out_path,
                                const WriteOptions& options) {
  validate(spec);
  check_output_is_not_input_fd(out_path, in_fd, in_name);
  const Target& t = resolve_target(spec);
  const ContainerWriter& c = container_writer(t.container);
  // Copy from the stream's current position (a redirected file may have been read from).
  off_t pos = ::lseek(in_fd, 0, SEEK_CUR);
  const bool seekable = pos >= 0;
  std::uint64_t in_offset = seekable ? static_cast<std::uint64_t>(pos) : 0;
  // A redirected regular file has a size: refuse an oversized one before copying anything.
  struct stat st {};
  if (::fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uint64_t>(st.st_size) > in_offset) {
    ObjectLayout probe = c.layout(spec, t, true);
    std::uint64_t left = static_cast<std::uint64_t>(st.st_size) - in_offset;
    if (left > probe.max_payload) too_large(c, t, probe, left);
  }

  // Read up to kBigPayload bytes first: a shorter stream is laid out exactly like a file of
  // the same size (so both give the same object); a longer one gets the big-payload offset.
  std::vector<std::uint8_t> start = read_start(in_fd, seekable, in_offset, kBigPayload, in_name);
  const std::uint64_t got = start.size();
  const bool big = got == kBigPayload;
  // A device or FIFO cannot take the head's rewrite: a short stream has a known size (and is
  // laid out as above), a long one is assembled in $TMPDIR and then streamed.
  OutputPath final_out = resolve_output(out_path);
  std::optional<TempDir> spool;
  if (final_out.stream) {
    if (!big) {
      return write_object(spec, ByteSource::from_bytes(std::move(start)), out_path, options);
    }
    spool.emplace(TempDir::in_tmp("mblob-pack"));
  }
  const std::filesystem::path write_path = spool ? spool->path() / "object.o" : out_path;

  ObjectLayout l = c.layout(spec, t, big);
  if (got > l.max_payload) too_large(c, t, l, got);
  AtomicFile out(write_path, 0644);
  // A provisional head (for an empty payload) reserves the space; it is rewritten at the end.
  out.write(padded_head(c, spec, t, l, 0));
  out.write(start);
  std::uint64_t size = got;
  if (big) {
    // Copy at most one byte past the container's limit, to refuse without filling the disk.
    std::uint64_t want = l.max_payload == UINT64_MAX ? UINT64_MAX : l.max_payload + 1 - got;
    Progress progress("pack " + out_path.filename().string(), 0, !options.progress);
    size += copy_fd_range(in_fd, in_offset + got, out.fd(), want,
                          in_name + " to " + write_path.string(), progress.fn(), &progress);
  }
  if (size > l.max_payload) too_large(c, t, l, size);
  ObjectInfo info = finish(c, spec, t, l, size, out, true);
  if (spool) stream_file_into(write_path, final_out);
  return info;
}

ObjectInfo write_digest_object(const std::string& symbol, const Digest128& digest,
                               const Target& target, const std::filesystem::path& out) {
  ObjectSpec spec;
  spec.symbol = symbol;
  spec.target = &target;
  spec.align = 8;
  return write_object(spec, ByteSource::from_bytes({digest.begin(), digest.end()}), out);
}

}  // namespace mblob
