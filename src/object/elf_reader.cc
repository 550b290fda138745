// The ELF section and symbol reader (layout and rules: include/mblob/object/elf_reader.h).
#include "mblob/object/elf_reader.h"

#include <cstring>

#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/object/elf.h"

namespace mblob::elf {

namespace {

constexpr std::uint8_t kSttTls = 6;  // STT_TLS: st_value is an offset in the TLS block

template <typename T>
T load_struct(ByteView file, std::uint64_t offset) {
  T out;
  std::memcpy(static_cast<void*>(&out), file.data() + offset, sizeof(T));
  return out;
}

// True when [offset, offset + size) lies inside a file of `file_size` bytes.
bool inside(std::uint64_t offset, std::uint64_t size, std::uint64_t file_size) {
  std::uint64_t end = 0;
  return !add_overflows(offset, size, &end) && end <= file_size;
}

// The NUL-terminated string at `offset` in string table `table`; throws when it is not one.
std::string_view string_at(ByteView file, const SectionHeader& table, std::uint64_t offset,
                           const std::string& where, const char* what) {
  if (offset >= table.size) {
    throw Error::at(where, table.offset,
                    std::string(what) + " offset " + std::to_string(offset) +
                        " is past the end of string table " + printable(table.name) + " (" +
                        std::to_string(table.size) + " bytes)");
  }
  const char* start = reinterpret_cast<const char*>(file.data() + table.offset + offset);
  const std::size_t left = static_cast<std::size_t>(table.size - offset);
  const void* nul = std::memchr(start, 0, left);
  if (nul == nullptr) {
    throw Error::at(where, table.offset + offset,
                    std::string(what) + " is not NUL-terminated inside its string table");
  }
  return {start, static_cast<std::size_t>(static_cast<const char*>(nul) - start)};
}

template <typename E>
std::vector<SectionHeader> read_sections(ByteView file, const FileHeader& h,
                                         const std::string& where) {
  using Shdr = ElfShdr<E>;
  if (h.shoff == 0) return {};
  if (h.shentsize != sizeof(Shdr)) {
    throw Error::at(where, h.is_64 ? 58 : 46,
                    "e_shentsize is " + std::to_string(h.shentsize) + ", expected " +
                        std::to_string(sizeof(Shdr)));
  }
  if (!inside(h.shoff, sizeof(Shdr), file.size())) {
    throw Error::at(where, h.is_64 ? 40 : 32,
                    "e_shoff " + std::to_string(h.shoff) +
                        " places the section header table past the end of the file (" +
                        std::to_string(file.size()) + " bytes)");
  }
  auto first = load_struct<Shdr>(file, h.shoff);
  // Extended numbering: the count and the name table's index overflow into section 0.
  std::uint64_t count = h.shnum != 0 ? h.shnum : static_cast<std::uint64_t>(first.sh_size);
  std::uint32_t shstrndx =
      h.shstrndx == kSHN_XINDEX ? static_cast<std::uint32_t>(first.sh_link) : h.shstrndx;
  std::uint64_t table_size = 0;
  if (mul_overflows(count, sizeof(Shdr), &table_size) ||
      !inside(h.shoff, table_size, file.size())) {
    throw Error::at(where, h.shoff,
                    "the section header table (" + std::to_string(count) + " entries of " +
                        std::to_string(sizeof(Shdr)) + " bytes) runs past the end of the file (" +
                        std::to_string(file.size()) + " bytes)");
  }
  std::vector<SectionHeader> out;
  out.reserve(static_cast<std::size_t>(count));  // bounded by the file's size, checked above
  for (std::uint64_t i = 0; i < count; ++i) {
    auto s = load_struct<Shdr>(file, h.shoff + i * sizeof(Shdr));
    SectionHeader sh;
    sh.type = s.sh_type;
    sh.flags = s.sh_flags;
    sh.addr = s.sh_addr;
    sh.offset = s.sh_offset;
    sh.size = s.sh_size;
    sh.link = s.sh_link;
    sh.info = s.sh_info;
    sh.addralign = s.sh_addralign;
    sh.entsize = s.sh_entsize;
    // A section's bytes must lie in the file (NOBITS sections have none).
    if (sh.type != kSHT_NOBITS && sh.type != kSHT_NULL &&
        !inside(sh.offset, sh.size, file.size())) {
      throw Error::at(where, h.shoff + i * sizeof(Shdr),
                      "section " + std::to_string(i) + " (offset " + std::to_string(sh.offset) +
                          ", size " + std::to_string(sh.size) +
                          ") runs past the end of the file (" + std::to_string(file.size()) +
                          " bytes)");
    }
    out.push_back(sh);
  }
  if (count == 0) return out;
  if (shstrndx == kSHN_UNDEF) return out;  // no section names
  if (shstrndx >= count || out[shstrndx].type != kSHT_STRTAB) {
    throw Error::at(
        where, h.is_64 ? 62 : 50,
        "e_shstrndx " + std::to_string(shstrndx) + " is not the index of a string table section");
  }
  const SectionHeader names = out[shstrndx];
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t name_off = load_struct<Shdr>(file, h.shoff + i * sizeof(Shdr)).sh_name;
    out[i].name = std::string(string_at(file, names, name_off, where, "a section name"));
  }
  return out;
}

template <typename E>
void symbols_of(ByteView file, const std::vector<SectionHeader>& sections,
                const SectionHeader& table, std::uint64_t table_index, const std::string& where,
                const std::function<bool(std::string_view)>& wanted,
                const std::function<void(const SymbolEntry&)>& fn) {
  using Sym = ElfSym<E>;
  if (table.entsize != sizeof(Sym)) {
    throw Error::at(where, table.offset,
                    "symbol table " + printable(table.name) + " has sh_entsize " +
                        std::to_string(table.entsize) + ", expected " +
                        std::to_string(sizeof(Sym)));
  }
  if (table.link >= sections.size() || sections[table.link].type != kSHT_STRTAB) {
    throw Error::at(where, table.offset,
                    "symbol table " + printable(table.name) + " (section " +
                        std::to_string(table_index) + ") links to section " +
                        std::to_string(table.link) + ", which is not a string table");
  }
  const SectionHeader& strings = sections[table.link];
  const std::uint64_t count = table.size / sizeof(Sym);
  for (std::uint64_t i = 1; i < count; ++i) {  // entry 0 is the null symbol
    const std::uint64_t at = table.offset + i * sizeof(Sym);
    auto s = load_struct<Sym>(file, at);
    const std::uint8_t type = s.st_info & 0xf;
    const std::uint16_t shndx = s.st_shndx;
    if (shndx == kSHN_UNDEF || type == kSTT_SECTION || type == kSTT_FILE) continue;
    std::string_view name = string_at(file, strings, s.st_name, where, "a symbol name");
    if (!wanted(name)) continue;
    SymbolEntry e;
    e.name = std::string(name);
    e.value = s.st_value;
    e.size = s.st_size;
    e.bind = static_cast<std::uint8_t>(s.st_info >> 4);
    e.type = type;
    e.other = s.st_other;
    e.shndx = shndx;
    e.dynamic = table.type == kSHT_DYNSYM;
    fn(e);
  }
}

}  // namespace

ElfFile::ElfFile(ByteView file, std::string where) : file_(file), where_(std::move(where)) {
  header_ = read_file_header(file_, where_);
  segments_ = read_program_headers_in_file(file_, header_, where_);
  if (header_.is_64) {
    sections_ = header_.endian == Endian::little ? read_sections<Elf64LE>(file_, header_, where_)
                                                 : read_sections<Elf64BE>(file_, header_, where_);
  } else {
    sections_ = header_.endian == Endian::little ? read_sections<Elf32LE>(file_, header_, where_)
                                                 : read_sections<Elf32BE>(file_, header_, where_);
  }
}

void ElfFile::for_each_symbol(const std::function<bool(std::string_view)>& wanted,
                              const std::function<void(const SymbolEntry&)>& fn) const {
  for (std::uint32_t want_type : {kSHT_SYMTAB, kSHT_DYNSYM}) {
    for (std::size_t i = 0; i < sections_.size(); ++i) {
      const SectionHeader& s = sections_[i];
      if (s.type != want_type) continue;
      if (header_.is_64) {
        header_.endian == Endian::little
            ? symbols_of<Elf64LE>(file_, sections_, s, i, where_, wanted, fn)
            : symbols_of<Elf64BE>(file_, sections_, s, i, where_, wanted, fn);
      } else {
        header_.endian == Endian::little
            ? symbols_of<Elf32LE>(file_, sections_, s, i, where_, wanted, fn)
            : symbols_of<Elf32BE>(file_, sections_, s, i, where_, wanted, fn);
      }
    }
  }
}

std::uint64_t ElfFile::offset_in_section(const SymbolEntry& sym) const {
  if (sym.shndx >= sections_.size()) {
    throw Error(where_ + ": symbol " + printable(sym.name) + " is in section " +
                std::to_string(sym.shndx) + ", but the file has " +
                std::to_string(sections_.size()) + " sections");
  }
  const SectionHeader& s = sections_[sym.shndx];
  if (s.type == kSHT_NOBITS) {
    throw Error(where_ + ": symbol " + printable(sym.name) + " is in " + printable(s.name) +
                ", a SHT_NOBITS section: it has no bytes in the file");
  }
  // In a relocatable object st_value is an offset in the section; in a linked file an address.
  std::uint64_t start = sym.value;
  if (header_.type != kET_REL) {
    if (sym.value < s.addr) {
      throw Error(where_ + ": symbol " + printable(sym.name) + " (address " +
                  std::to_string(sym.value) + ") lies before its section " + printable(s.name));
    }
    start = sym.value - s.addr;
  }
  if (!inside(start, sym.size, s.size)) {
    throw Error(where_ + ": symbol " + printable(sym.name) + " (" + std::to_string(sym.size) +
                " bytes at " + std::to_string(start) + ") runs past the end of its section " +
                printable(s.name) + " (" + std::to_string(s.size) + " bytes)");
  }
  return s.offset + start;
}

std::uint64_t ElfFile::offset_in_segments(const SymbolEntry& sym) const {
  for (const ProgramHeader& p : segments_) {
    if (p.type != kPT_LOAD || sym.value < p.vaddr) continue;
    const std::uint64_t rel = sym.value - p.vaddr;
    // A zero-sized symbol may sit at the segment's end (e.g. <symbol>_end).
    if (rel > p.memsz || (rel == p.memsz && sym.size != 0)) continue;
    if (!inside(rel, sym.size, p.filesz)) {
      throw Error(where_ + ": symbol " + printable(sym.name) + " (" + std::to_string(sym.size) +
                  " bytes at address " + std::to_string(sym.value) +
                  ") is not all in its segment's file bytes (zero-filled memory or past the "
                  "segment)");
    }
    if (!inside(p.offset, p.filesz, file_.size())) {
      throw Error(where_ + ": the segment holding symbol " + printable(sym.name) +
                  " (file offset " + std::to_string(p.offset) + ", " + std::to_string(p.filesz) +
                  " bytes) runs past the end of the file (" + std::to_string(file_.size()) +
                  " bytes)");
    }
    return p.offset + rel;
  }
  throw Error(where_ + ": symbol " + printable(sym.name) + " (address " +
              std::to_string(sym.value) + ") lies in no PT_LOAD segment");
}

std::uint64_t ElfFile::file_offset_of(const SymbolEntry& sym) const {
  if (sym.shndx == kSHN_ABS || sym.shndx == kSHN_COMMON ||
      (sym.shndx >= kSHN_LORESERVE && sym.shndx != kSHN_XINDEX)) {
    throw Error(where_ + ": symbol " + printable(sym.name) +
                (sym.shndx == kSHN_ABS      ? " is absolute"
                 : sym.shndx == kSHN_COMMON ? " is a common symbol"
                                            : " is in a reserved section index") +
                ": it has no bytes in the file");
  }
  if (sym.type == kSttTls) {
    throw Error(where_ + ": symbol " + printable(sym.name) +
                " is thread-local: its value is not an address");
  }
  if (sym.shndx == kSHN_XINDEX && header_.type == kET_REL) {
    throw Error(where_ + ": symbol " + printable(sym.name) +
                " uses an extended section index (SHT_SYMTAB_SHNDX), which is not supported");
  }
  std::uint64_t offset = 0;
  if (header_.type == kET_REL || segments_.empty()) {
    offset = offset_in_section(sym);
  } else {
    offset = offset_in_segments(sym);
  }
  if (!inside(offset, sym.size, file_.size())) {
    throw Error::at(where_, offset,
                    "symbol " + printable(sym.name) + "'s " + std::to_string(sym.size) +
                        " bytes run past the end of the file (" + std::to_string(file_.size()) +
                        " bytes)");
  }
  return offset;
}

std::string container_name(const FileHeader& h) {
  // The names binutils' BFD and LLVM's objdump give ("file format ..."): the byte order is part
  // of the name where it varies for a machine (elf64-powerpc is big-endian, elf64-powerpcle
  // little-endian).
  const bool le = h.endian == Endian::little;
  const char* bits = h.is_64 ? "elf64-" : "elf32-";
  switch (h.machine) {
    case kEM_386:
      return std::string(bits) + "i386";
    case kEM_X86_64:
      return std::string(bits) + "x86-64";
    case kEM_AARCH64:
      return std::string(bits) + (le ? "littleaarch64" : "bigaarch64");
    case kEM_ARM:
      return std::string(bits) + (le ? "littlearm" : "bigarm");
    case kEM_PPC:
    case kEM_PPC64:
      return std::string(bits) + (le ? "powerpcle" : "powerpc");
    case kEM_RISCV:
      return std::string(bits) + (le ? "littleriscv" : "bigriscv");
    case kEM_MIPS:
      return std::string(bits) + (le ? "tradlittlemips" : "tradbigmips");
    case kEM_SPARC:
    case kEM_SPARCV9:
      return std::string(bits) + "sparc";
    case kEM_S390:
      return std::string(bits) + "s390";
    case kEM_QDSP6:
      return std::string(bits) + "hexagon";
    case kEM_LOONGARCH:
      return std::string(bits) + "loongarch";
    default:
      break;
  }
  std::string machine = machine_name(h.machine);
  for (char& c : machine) {
    if (c == ' ') c = '-';
  }
  return std::string(bits) + machine + (le ? "" : "-be");
}

}  // namespace mblob::elf
