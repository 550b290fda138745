// Reading an ELF file's identification, file header and program headers, for every class and
// byte order.
//
// This is the part of the ELF reader a loader needs before dlopen (machine, class, byte order,
// segment extents and permissions), so it is compiled into mblob_runtime as well as mblob: one
// reader for both. Section and symbol readers build on it in the mblob library. The input is
// untrusted: every field is read through Reader (bounds-checked), and errors name the source,
// the file offset and the field. This header stays C++17-compatible.
//
// Layout (gABI): e_ident (16 bytes: "\x7f" "ELF", class, data encoding, version, OS ABI ...),
// then the rest of the file header (52 bytes in all for ELF32, 64 for ELF64), whose e_phoff,
// e_phentsize and e_phnum place the program header table: e_phnum entries of e_phentsize bytes
// (32 for ELF32, 56 for ELF64) at file offset e_phoff.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mblob/core/bytes.h"

namespace mblob::elf {

// The file header, widened to 64-bit fields whatever the class.
struct FileHeader {
  bool is_64 = false;              // e_ident[EI_CLASS] == ELFCLASS64
  Endian endian = Endian::little;  // e_ident[EI_DATA]
  std::uint8_t osabi = 0;          // e_ident[EI_OSABI]
  std::uint16_t type = 0;          // e_type: ET_REL, ET_EXEC, ET_DYN ...
  std::uint16_t machine = 0;       // e_machine
  std::uint32_t version = 0;       // e_version
  std::uint64_t entry = 0;         // e_entry
  std::uint64_t phoff = 0;         // e_phoff
  std::uint64_t shoff = 0;         // e_shoff
  std::uint32_t flags = 0;         // e_flags
  std::uint16_t ehsize = 0;        // e_ehsize
  std::uint16_t phentsize = 0;     // e_phentsize
  std::uint16_t phnum = 0;         // e_phnum
  std::uint16_t shentsize = 0;     // e_shentsize
  std::uint16_t shnum = 0;         // e_shnum
  std::uint16_t shstrndx = 0;      // e_shstrndx
};

// One program header (Elf32_Phdr / Elf64_Phdr), widened.
struct ProgramHeader {
  std::uint32_t type = 0;    // p_type: PT_LOAD ...
  std::uint32_t flags = 0;   // p_flags: PF_R | PF_W | PF_X
  std::uint64_t offset = 0;  // p_offset
  std::uint64_t vaddr = 0;   // p_vaddr
  std::uint64_t paddr = 0;   // p_paddr
  std::uint64_t filesz = 0;  // p_filesz
  std::uint64_t memsz = 0;   // p_memsz
  std::uint64_t align = 0;   // p_align
};

// Bytes of the file header of either class: reading this many from the start of a file (or all
// of it, when shorter) is always enough for read_file_header.
inline constexpr std::size_t kMaxFileHeaderBytes = 64;

// True when `bytes` starts with the ELF magic "\x7f" "ELF".
bool has_elf_magic(ByteView bytes);

// Reads e_ident and the file header from `bytes`, which starts at file offset 0 (more bytes may
// follow). Throws Error naming `where`, the offset and the field when the magic, the class, the
// data encoding or the identification version is wrong, or the header is cut short.
FileHeader read_file_header(ByteView bytes, const std::string& where);

// The file offset one past the program header table (e_phoff + e_phnum * e_phentsize), checked
// for overflow; also checks e_phentsize against the class and refuses PN_XNUM (more than 65534
// program headers, which would need the section table).
std::uint64_t program_header_table_end(const FileHeader& header, const std::string& where);

// Reads the e_phnum program headers from `table`, the bytes at file offset e_phoff (at least
// e_phnum * e_phentsize of them). Offsets in errors are file offsets.
std::vector<ProgramHeader> read_program_headers(ByteView table, const FileHeader& header,
                                                const std::string& where);

// Both, from a view of the whole file: the table must lie inside `file`.
std::vector<ProgramHeader> read_program_headers_in_file(ByteView file, const FileHeader& header,
                                                        const std::string& where);

// "x86-64", "aarch64", "riscv", ... or "machine 1234" for one this table does not name.
std::string machine_name(std::uint16_t machine);
// "shared object", "relocatable object", "executable", "core file", or "type 0x..".
std::string type_name(std::uint16_t type);
// "ELF64 little-endian aarch64 shared object".
std::string describe(const FileHeader& header);

}  // namespace mblob::elf
