// Reading an ELF file's sections and symbols, and mapping a symbol to the file bytes that hold
// its contents. For every class and byte order; builds on the header reader (elf_headers.h,
// shared with mblob_runtime), in the mblob library only.
//
// The input is untrusted. Every table is bounds-checked against the file before it is read,
// counts are checked against the bytes that would hold them before anything is allocated, and
// errors name the file, the offset and the rule broken ("<where>: at offset N: ...").
//
// Layout (gABI): e_shoff places e_shnum section headers of e_shentsize bytes (40 for ELF32,
// 64 for ELF64). When e_shnum is 0 and e_shoff is not, the count is in section header 0's
// sh_size; e_shstrndx == SHN_XINDEX (0xffff) puts the name table's index in its sh_link.
// A symbol table (SHT_SYMTAB, or SHT_DYNSYM, which stripped libraries keep) holds sh_size /
// sh_entsize entries of 16 (ELF32) or 24 (ELF64) bytes; its sh_link names the string table.
// A defined symbol's bytes: in a relocatable object, st_value bytes into section st_shndx; in
// an executable or shared object, st_value is an address, found in a PT_LOAD segment's file
// bytes (p_vaddr .. p_vaddr + p_filesz at p_offset).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/bytes.h"
#include "mblob/object/elf_headers.h"

namespace mblob::elf {

// One section header, widened, with its name resolved.
struct SectionHeader {
  std::string name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t addr = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t addralign = 0;
  std::uint64_t entsize = 0;
};

// One symbol table entry, widened.
struct SymbolEntry {
  std::string name;
  std::uint64_t value = 0;
  std::uint64_t size = 0;
  std::uint8_t bind = 0;   // STB_*
  std::uint8_t type = 0;   // STT_*
  std::uint8_t other = 0;  // st_other (visibility in the low two bits)
  std::uint16_t shndx = 0;
  bool dynamic = false;  // from .dynsym rather than .symtab
};

// A parsed ELF file: the headers and section table, read once; symbols on demand. `file` must
// outlive the object (views into it are kept).
class ElfFile {
 public:
  // Throws Error on a malformed header or section table.
  ElfFile(ByteView file, std::string where);

  const FileHeader& header() const { return header_; }
  const std::vector<SectionHeader>& sections() const { return sections_; }
  const std::vector<ProgramHeader>& segments() const { return segments_; }
  const std::string& where() const { return where_; }

  // Calls `fn` for every defined symbol (not SHN_UNDEF, not STT_SECTION or STT_FILE) of every
  // symbol table whose name `wanted` accepts, .symtab before .dynsym. Names are views into the
  // file, so a search over a large table allocates nothing for the symbols it skips.
  void for_each_symbol(const std::function<bool(std::string_view)>& wanted,
                       const std::function<void(const SymbolEntry&)>& fn) const;

  // The file offset of the symbol's first byte; its st_size bytes lie inside the file. Throws
  // Error for a symbol with no bytes in the file (absolute, common, SHT_NOBITS, outside every
  // segment) or a range past the end of the file.
  std::uint64_t file_offset_of(const SymbolEntry& sym) const;

 private:
  std::uint64_t offset_in_section(const SymbolEntry& sym) const;
  std::uint64_t offset_in_segments(const SymbolEntry& sym) const;

  ByteView file_;
  std::string where_;
  FileHeader header_;
  std::vector<SectionHeader> sections_;
  std::vector<ProgramHeader> segments_;
};

// The container as binutils' BFD and llvm-objdump name it: "elf64-x86-64", "elf32-i386",
// "elf32-hexagon", "elf64-littleaarch64", "elf64-powerpc" (big-endian) / "elf64-powerpcle";
// a machine with no such name: "elf64-<machine_name>", "-be" appended when big-endian.
std::string container_name(const FileHeader& header);

}  // namespace mblob::elf
