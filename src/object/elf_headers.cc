// The ELF identification, file header and program header reader (layout: elf_headers.h and
// the structs of elf.h, which mirror the file byte for byte).
#include "mblob/object/elf_headers.h"

#include <cstdio>
#include <cstring>

#include "mblob/object/elf.h"

namespace mblob::elf {

namespace {

// Copies a struct that mirrors the file out of the bytes Reader has bounds-checked.
template <typename T>
T read_struct(Reader& r, const char* what) {
  ByteView b = r.bytes(sizeof(T), what);
  T out;
  std::memcpy(static_cast<void*>(&out), b.data(), sizeof(T));
  return out;
}

template <typename E>
FileHeader widen_file_header(Reader& r) {
  r.seek(0);
  auto h = read_struct<ElfEhdr<E>>(r, E::is_64 ? "ELF64 file header" : "ELF32 file header");
  FileHeader out;
  out.is_64 = E::is_64;
  out.endian = E::endian;
  out.osabi = h.e_ident[kEI_OSABI];
  out.type = h.e_type;
  out.machine = h.e_machine;
  out.version = h.e_version;
  out.entry = h.e_entry;
  out.phoff = h.e_phoff;
  out.shoff = h.e_shoff;
  out.flags = h.e_flags;
  out.ehsize = h.e_ehsize;
  out.phentsize = h.e_phentsize;
  out.phnum = h.e_phnum;
  out.shentsize = h.e_shentsize;
  out.shnum = h.e_shnum;
  out.shstrndx = h.e_shstrndx;
  return out;
}

template <typename E>
std::vector<ProgramHeader> widen_program_headers(Reader& r, std::uint16_t count) {
  std::vector<ProgramHeader> out;
  out.reserve(count);  // bounded by 65534, and the bytes were checked by the caller
  for (std::uint16_t i = 0; i < count; ++i) {
    auto p = read_struct<ElfPhdr<E>>(r, "program header");
    ProgramHeader ph;
    ph.type = p.p_type;
    ph.flags = p.p_flags;
    ph.offset = p.p_offset;
    ph.vaddr = p.p_vaddr;
    ph.paddr = p.p_paddr;
    ph.filesz = p.p_filesz;
    ph.memsz = p.p_memsz;
    ph.align = p.p_align;
    out.push_back(ph);
  }
  return out;
}

std::size_t phdr_size(bool is_64) {
  return is_64 ? sizeof(ElfPhdr<Elf64LE>) : sizeof(ElfPhdr<Elf32LE>);
}

}  // namespace

bool has_elf_magic(ByteView bytes) {
  return bytes.size() >= 4 && bytes[0] == kELFMAG0 && bytes[1] == kELFMAG1 &&
         bytes[2] == kELFMAG2 && bytes[3] == kELFMAG3;
}

FileHeader read_file_header(ByteView bytes, const std::string& where) {
  Reader r(bytes, where);
  ByteView magic = r.bytes(4, "ELF magic");
  if (!has_elf_magic(magic)) r.fail_at(0, "not an ELF file (no \\x7fELF magic)");
  std::uint8_t cls = r.u8("e_ident[EI_CLASS]");
  if (cls != kELFCLASS32 && cls != kELFCLASS64) {
    r.fail_at(kEI_CLASS, "e_ident[EI_CLASS] is " + std::to_string(cls) +
                             ", expected 1 (ELFCLASS32) or 2 (ELFCLASS64)");
  }
  std::uint8_t data = r.u8("e_ident[EI_DATA]");
  if (data != kELFDATA2LSB && data != kELFDATA2MSB) {
    r.fail_at(kEI_DATA, "e_ident[EI_DATA] is " + std::to_string(data) +
                            ", expected 1 (ELFDATA2LSB) or 2 (ELFDATA2MSB)");
  }
  std::uint8_t version = r.u8("e_ident[EI_VERSION]");
  if (version != kEV_CURRENT) {
    r.fail_at(kEI_VERSION,
              "e_ident[EI_VERSION] is " + std::to_string(version) + ", expected 1 (EV_CURRENT)");
  }
  bool is_64 = cls == kELFCLASS64;
  bool little = data == kELFDATA2LSB;
  if (is_64) return little ? widen_file_header<Elf64LE>(r) : widen_file_header<Elf64BE>(r);
  return little ? widen_file_header<Elf32LE>(r) : widen_file_header<Elf32BE>(r);
}

std::uint64_t program_header_table_end(const FileHeader& h, const std::string& where) {
  if (h.phnum == 0) return h.phoff;
  // e_phoff and e_phentsize sit at the same offsets for both byte orders; name the fields.
  const std::uint64_t phentsize_at = h.is_64 ? 54 : 42;
  const std::uint64_t phnum_at = h.is_64 ? 56 : 44;
  if (h.phnum == kPN_XNUM) {
    throw Error::at(where, phnum_at,
                    "e_phnum is PN_XNUM (more than 65534 program headers): not supported");
  }
  if (h.phentsize != phdr_size(h.is_64)) {
    throw Error::at(where, phentsize_at,
                    "e_phentsize is " + std::to_string(h.phentsize) + ", expected " +
                        std::to_string(phdr_size(h.is_64)) + " for " +
                        (h.is_64 ? "ELF64" : "ELF32"));
  }
  std::uint64_t end = 0;
  if (add_overflows(h.phoff, std::uint64_t{h.phnum} * h.phentsize, &end)) {
    throw Error::at(where, h.is_64 ? 32 : 28,
                    "e_phoff " + std::to_string(h.phoff) +
                        " plus the program header table "
                        "overflows a 64-bit offset");
  }
  return end;
}

std::vector<ProgramHeader> read_program_headers(ByteView table, const FileHeader& h,
                                                const std::string& where) {
  std::uint64_t end = program_header_table_end(h, where);
  Reader r(table, where, h.phoff);
  if (end - h.phoff > table.size()) {
    r.fail_at(0, "the program header table (" + std::to_string(h.phnum) + " entries of " +
                     std::to_string(h.phentsize) + " bytes) needs bytes up to offset " +
                     std::to_string(end) + ", but only " + std::to_string(table.size()) +
                     " follow e_phoff");
  }
  if (h.is_64) {
    return h.endian == Endian::little ? widen_program_headers<Elf64LE>(r, h.phnum)
                                      : widen_program_headers<Elf64BE>(r, h.phnum);
  }
  return h.endian == Endian::little ? widen_program_headers<Elf32LE>(r, h.phnum)
                                    : widen_program_headers<Elf32BE>(r, h.phnum);
}

std::vector<ProgramHeader> read_program_headers_in_file(ByteView file, const FileHeader& h,
                                                        const std::string& where) {
  std::uint64_t end = program_header_table_end(h, where);
  if (end > file.size()) {
    throw Error::at(where, h.phoff,
                    "the program header table needs bytes up to offset " + std::to_string(end) +
                        ", but the file has " + std::to_string(file.size()));
  }
  ByteView table(file.data() + h.phoff, static_cast<std::size_t>(end - h.phoff));
  return read_program_headers(table, h, where);
}

std::string machine_name(std::uint16_t machine) {
  switch (machine) {
    case kEM_NONE:
      return "no machine";
    case kEM_SPARC:
      return "sparc";
    case kEM_386:
      return "x86";
    case kEM_MIPS:
      return "mips";
    case kEM_PPC:
      return "powerpc";
    case kEM_PPC64:
      return "powerpc64";
    case kEM_S390:
      return "s390";
    case kEM_ARM:
      return "arm";
    case kEM_SPARCV9:
      return "sparcv9";
    case kEM_X86_64:
      return "x86-64";
    case kEM_QDSP6:
      return "hexagon";
    case kEM_AARCH64:
      return "aarch64";
    case kEM_RISCV:
      return "riscv";
    case kEM_LOONGARCH:
      return "loongarch";
    default:
      return "machine " + std::to_string(machine);
  }
}

std::string type_name(std::uint16_t type) {
  switch (type) {
    case kET_REL:
      return "relocatable object";
    case kET_EXEC:
      return "executable";
    case kET_DYN:
      return "shared object";
    case kET_CORE:
      return "core file";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "type 0x%x", type);
      return buf;
    }
  }
}

std::string describe(const FileHeader& h) {
  return std::string(h.is_64 ? "ELF64 " : "ELF32 ") +
         (h.endian == Endian::little ? "little-endian " : "big-endian ") + machine_name(h.machine) +
         " " + type_name(h.type);
}

}  // namespace mblob::elf
