#include "library_file.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "mblob/core/error.h"
#include "mblob/core/fd.h"
#include "mblob/object/elf.h"
#include "mblob/object/elf_headers.h"

namespace mblob::runtime {

namespace {

// Reads exactly `size` bytes at `offset`, or fewer at the end of the file.
std::vector<std::uint8_t> read_at(int fd, std::uint64_t offset, std::size_t size,
                                  const std::string& path) {
  std::vector<std::uint8_t> buf(size);
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, buf.data() + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot read " + path);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  buf.resize(got);
  return buf;
}

// The file header of the object this code is part of, as mapped: its class, byte order and
// machine are this process's.
std::optional<elf::FileHeader> own_header() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&own_header), &info) == 0 || info.dli_fbase == nullptr) {
    return std::nullopt;
  }
  ByteView mapped(info.dli_fbase, elf::kMaxFileHeaderBytes);
  if (!elf::has_elf_magic(mapped)) return std::nullopt;
  try {
    return elf::read_file_header(mapped, "this process");
  } catch (const Error&) {
    return std::nullopt;
  }
}

void check_machine(const elf::FileHeader& h, const std::string& path) {
  std::optional<elf::FileHeader> self = own_header();
  if (self && (h.is_64 != self->is_64 || h.endian != self->endian || h.machine != self->machine)) {
    throw Error(path + " is an " + elf::describe(h) + "; this process is " +
                (self->is_64 ? "ELF64 " : "ELF32 ") +
                (self->endian == Endian::little ? "little-endian " : "big-endian ") +
                elf::machine_name(self->machine) + ": it cannot be loaded here; `mblob inspect " +
                path + "` reads it without loading it");
  }
  if (h.type != elf::kET_DYN) {
    throw Error(path + " is an " + elf::describe(h) + ", not a shared library; `mblob inspect " +
                path + "` reads it without loading it");
  }
}

void check_segments_in_file(int fd, const elf::FileHeader& h, std::uint64_t file_size,
                            const std::string& path) {
  std::uint64_t table_end = elf::program_header_table_end(h, path);
  if (table_end > file_size) {
    throw Error(path + " is truncated: its program header table needs bytes up to " +
                std::to_string(table_end) + ", the file has " + std::to_string(file_size));
  }
  auto table = read_at(fd, h.phoff, static_cast<std::size_t>(table_end - h.phoff), path);
  std::vector<elf::ProgramHeader> phdrs = elf::read_program_headers(table, h, path);
  for (std::size_t i = 0; i < phdrs.size(); ++i) {
    const auto& ph = phdrs[i];
    if (ph.type != elf::kPT_LOAD) continue;
    std::uint64_t end = 0;
    if (add_overflows(ph.offset, ph.filesz, &end) || end > file_size) {
      throw Error(path + " is truncated: segment " + std::to_string(i) +
                  " (PT_LOAD) needs bytes up to " +
                  (end < ph.offset ? std::string("past 2^64") : std::to_string(end)) +
                  ", the file has " + std::to_string(file_size));
    }
  }
}

}  // namespace

LibraryFile check_library_file(const std::string& open_path, const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what it is.
  UniqueFd f(::open(open_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (f.get() < 0) throw_errno("cannot load " + path);
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) throw_errno("cannot load " + path);
  if (!S_ISREG(st.st_mode)) {
    throw Error("cannot load " + path + ": it is " + file_kind(st.st_mode) +
                "; a library must be a regular file");
  }
  auto head = read_at(f.get(), 0, elf::kMaxFileHeaderBytes, path);
  if (head.size() >= 8 && std::memcmp(head.data(), "!<arch>\n", 8) == 0) {
    throw Error("cannot load " + path +
                ": an ar archive (a static library) cannot be loaded; `mblob inspect " + path +
                "` reads it without loading it");
  }
  if (!elf::has_elf_magic(head)) {
    throw Error("cannot load " + path + ": not an ELF file (it does not start with \\x7fELF)");
  }
  elf::FileHeader h = elf::read_file_header(head, path);
  check_machine(h, path);
  check_segments_in_file(f.get(), h, static_cast<std::uint64_t>(st.st_size), path);
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

}  // namespace mblob::runtime
