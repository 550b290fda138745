// ELF: the constants and on-disk structures of the System V gABI, for every class and byte order.
//
// Names follow the gABI's (see below), so the spec can be read next to the code. The structs
// mirror the file byte for byte: every field is a byte array wrapped in an endian-aware type
// (U16<E>, U32<E>, Word<E> ...), so one templated writer or reader serves ELF32 and ELF64,
// little- and big-endian, with no #ifdef and no byte swapping at the call site. `E` is one of
// the four layout tags below. The structs have alignment 1, so they can be placed at any
// offset of a buffer; their sizes are checked against the spec at the end of this file.
#pragma once

#include <cstdint>
#include <type_traits>

#include "mblob/core/bytes.h"
#include "mblob/object/endian_field.h"

// Every spec constant is the spec's name with a `k` in front (kSHT_PROGBITS, kEM_X86_64):
// searchable by the gABI's name, and never the same token as the macros <elf.h> defines, so this
// header and <elf.h> (pulled in by <link.h> and <dlfcn.h> users) can share a translation unit
// in any order.

namespace mblob::elf {

// ---- Layout tags: class (32/64-bit) x data encoding (little/big-endian).
struct Elf32LE {
  static constexpr Endian endian = Endian::little;
  static constexpr bool is_64 = false;
};
struct Elf32BE {
  static constexpr Endian endian = Endian::big;
  static constexpr bool is_64 = false;
};
struct Elf64LE {
  static constexpr Endian endian = Endian::little;
  static constexpr bool is_64 = true;
};
struct Elf64BE {
  static constexpr Endian endian = Endian::big;
  static constexpr bool is_64 = true;
};

// ---- Endian-aware unaligned integer fields (object/endian_field.h).
template <typename T, Endian Order>
using Field = EndianField<T, Order>;

template <typename E>
using U16 = Field<std::uint16_t, E::endian>;
template <typename E>
using U32 = Field<std::uint32_t, E::endian>;
template <typename E>
using U64 = Field<std::uint64_t, E::endian>;
// The class-sized word: Elf32_Addr/Off/Word-sized-size in ELF32, the 64-bit ones in ELF64.
template <typename E>
using Word = std::conditional_t<E::is_64, U64<E>, U32<E>>;
// The unsigned type a Word holds.
template <typename E>
using WordValue = std::conditional_t<E::is_64, std::uint64_t, std::uint32_t>;

// ---- e_ident
inline constexpr std::uint8_t kELFMAG0 = 0x7f, kELFMAG1 = 'E', kELFMAG2 = 'L', kELFMAG3 = 'F';
inline constexpr int kEI_MAG0 = 0, kEI_MAG1 = 1, kEI_MAG2 = 2, kEI_MAG3 = 3, kEI_CLASS = 4,
                     kEI_DATA = 5, kEI_VERSION = 6, kEI_OSABI = 7, kEI_ABIVERSION = 8,
                     kEI_NIDENT = 16;
inline constexpr std::uint8_t kELFCLASS32 = 1, kELFCLASS64 = 2;
inline constexpr std::uint8_t kELFDATA2LSB = 1, kELFDATA2MSB = 2;
inline constexpr std::uint8_t kEV_CURRENT = 1;
inline constexpr std::uint8_t kELFOSABI_NONE = 0;

// ---- e_type
inline constexpr std::uint16_t kET_NONE = 0, kET_REL = 1, kET_EXEC = 2, kET_DYN = 3, kET_CORE = 4;

// ---- e_machine (the machines in mblob's target table)
inline constexpr std::uint16_t kEM_NONE = 0;
inline constexpr std::uint16_t kEM_SPARC = 2;
inline constexpr std::uint16_t kEM_386 = 3;
inline constexpr std::uint16_t kEM_MIPS = 8;
inline constexpr std::uint16_t kEM_PPC = 20;
inline constexpr std::uint16_t kEM_PPC64 = 21;
inline constexpr std::uint16_t kEM_S390 = 22;
inline constexpr std::uint16_t kEM_ARM = 40;
inline constexpr std::uint16_t kEM_SPARCV9 = 43;
inline constexpr std::uint16_t kEM_X86_64 = 62;
inline constexpr std::uint16_t kEM_QDSP6 = 164;  // Hexagon
inline constexpr std::uint16_t kEM_AARCH64 = 183;
inline constexpr std::uint16_t kEM_RISCV = 243;
inline constexpr std::uint16_t kEM_LOONGARCH = 258;

// ---- e_flags values the target table uses (processor supplements)
inline constexpr std::uint32_t kEF_ARM_EABI_VER5 = 0x05000000;
inline constexpr std::uint32_t kEF_ARM_ABI_FLOAT_SOFT = 0x00000200;
inline constexpr std::uint32_t kEF_ARM_ABI_FLOAT_HARD = 0x00000400;
inline constexpr std::uint32_t kEF_RISCV_RVC = 0x0001;
inline constexpr std::uint32_t kEF_RISCV_FLOAT_ABI_SOFT = 0x0000;
inline constexpr std::uint32_t kEF_RISCV_FLOAT_ABI_SINGLE = 0x0002;
inline constexpr std::uint32_t kEF_RISCV_FLOAT_ABI_DOUBLE = 0x0004;
inline constexpr std::uint32_t kEF_RISCV_FLOAT_ABI_QUAD = 0x0006;
inline constexpr std::uint32_t kEF_PPC64_ABI_V1 = 1;  // e_flags & 3: ELFv1 function descriptors
inline constexpr std::uint32_t kEF_PPC64_ABI_V2 = 2;  // ELFv2
inline constexpr std::uint32_t kEF_MIPS_NOREORDER = 0x00000001;
inline constexpr std::uint32_t kEF_MIPS_PIC = 0x00000002;
inline constexpr std::uint32_t kEF_MIPS_CPIC = 0x00000004;
inline constexpr std::uint32_t kEF_MIPS_ABI_O32 = 0x00001000;
inline constexpr std::uint32_t kEF_MIPS_ARCH_32R2 = 0x70000000;
inline constexpr std::uint32_t kEF_MIPS_ARCH_64R2 = 0x80000000;
inline constexpr std::uint32_t kEF_LOONGARCH_ABI_DOUBLE_FLOAT = 0x3;
inline constexpr std::uint32_t kEF_LOONGARCH_OBJABI_V1 = 0x40;
inline constexpr std::uint32_t kEF_HEXAGON_MACH_V60 = 0x60;
inline constexpr std::uint32_t kEF_HEXAGON_MACH_V66 = 0x66;
inline constexpr std::uint32_t kEF_HEXAGON_MACH_V68 = 0x68;
inline constexpr std::uint32_t kEF_HEXAGON_MACH_V69 = 0x69;
inline constexpr std::uint32_t kEF_HEXAGON_MACH_V73 = 0x73;

// ---- Program headers: p_type, p_flags, and e_phnum's escape value
inline constexpr std::uint32_t kPT_NULL = 0, kPT_LOAD = 1, kPT_DYNAMIC = 2, kPT_INTERP = 3,
                               kPT_NOTE = 4, kPT_PHDR = 6, kPT_TLS = 7;
inline constexpr std::uint32_t kPT_GNU_STACK = 0x6474e551;
// After relocation the dynamic linker makes this range read-only, whatever its PT_LOAD says.
inline constexpr std::uint32_t kPT_GNU_RELRO = 0x6474e552;
inline constexpr std::uint32_t kPF_X = 0x1, kPF_W = 0x2, kPF_R = 0x4;
// e_phnum == PN_XNUM: the real count is in section header 0's sh_info.
inline constexpr std::uint16_t kPN_XNUM = 0xffff;

// ---- Special section indices
inline constexpr std::uint16_t kSHN_UNDEF = 0;
inline constexpr std::uint16_t kSHN_LORESERVE = 0xff00;
inline constexpr std::uint16_t kSHN_ABS = 0xfff1;
inline constexpr std::uint16_t kSHN_COMMON = 0xfff2;
inline constexpr std::uint16_t kSHN_XINDEX = 0xffff;

// ---- sh_type
inline constexpr std::uint32_t kSHT_NULL = 0, kSHT_PROGBITS = 1, kSHT_SYMTAB = 2, kSHT_STRTAB = 3,
                               kSHT_RELA = 4, kSHT_HASH = 5, kSHT_DYNAMIC = 6, kSHT_NOTE = 7,
                               kSHT_NOBITS = 8, kSHT_REL = 9, kSHT_DYNSYM = 11;
inline constexpr std::uint32_t kSHT_GNU_HASH = 0x6ffffff6;  // GNU extension: .gnu.hash

// ---- sh_flags
inline constexpr std::uint64_t kSHF_WRITE = 0x1;
inline constexpr std::uint64_t kSHF_ALLOC = 0x2;
inline constexpr std::uint64_t kSHF_EXECINSTR = 0x4;
inline constexpr std::uint64_t kSHF_MERGE = 0x10;
inline constexpr std::uint64_t kSHF_STRINGS = 0x20;
// x86-64 psABI: the section may lie beyond the +-2 GiB reach of the small code model; linkers
// place such sections after the others so big data does not push code and GOT apart.
inline constexpr std::uint64_t kSHF_X86_64_LARGE = 0x10000000;

// ---- Symbols: st_info = bind << 4 | type; st_other & 3 = visibility
inline constexpr std::uint8_t kSTB_LOCAL = 0, kSTB_GLOBAL = 1, kSTB_WEAK = 2;
inline constexpr std::uint8_t kSTT_NOTYPE = 0, kSTT_OBJECT = 1, kSTT_FUNC = 2, kSTT_SECTION = 3,
                              kSTT_FILE = 4;
inline constexpr std::uint8_t kSTV_DEFAULT = 0, kSTV_INTERNAL = 1, kSTV_HIDDEN = 2,
                              kSTV_PROTECTED = 3;
constexpr std::uint8_t st_info(std::uint8_t bind, std::uint8_t type) {
  return static_cast<std::uint8_t>((bind << 4) | (type & 0xf));
}

// ---- Dynamic section: d_tag values (gABI "Dynamic Section"; DT_GNU_HASH is the GNU extension)
inline constexpr std::uint32_t kDT_NULL = 0, kDT_HASH = 4, kDT_STRTAB = 5, kDT_SYMTAB = 6,
                               kDT_STRSZ = 10, kDT_SYMENT = 11, kDT_SONAME = 14;
inline constexpr std::uint32_t kDT_GNU_HASH = 0x6ffffef5;

// ---- Structures

// Elf32_Ehdr / Elf64_Ehdr: same field order, class-sized addresses and offsets.
template <typename E>
struct ElfEhdr {
  std::uint8_t e_ident[kEI_NIDENT];
  U16<E> e_type;
  U16<E> e_machine;
  U32<E> e_version;
  Word<E> e_entry;
  Word<E> e_phoff;
  Word<E> e_shoff;
  U32<E> e_flags;
  U16<E> e_ehsize;
  U16<E> e_phentsize;
  U16<E> e_phnum;
  U16<E> e_shentsize;
  U16<E> e_shnum;
  U16<E> e_shstrndx;
};

// e_ident of a header of layout E: the magic, its class and data encoding, EV_CURRENT and
// ELFOSABI_NONE (the padding stays zero).
template <typename E>
void set_ident(ElfEhdr<E>& h) {
  h.e_ident[kEI_MAG0] = kELFMAG0;
  h.e_ident[kEI_MAG1] = kELFMAG1;
  h.e_ident[kEI_MAG2] = kELFMAG2;
  h.e_ident[kEI_MAG3] = kELFMAG3;
  h.e_ident[kEI_CLASS] = E::is_64 ? kELFCLASS64 : kELFCLASS32;
  h.e_ident[kEI_DATA] = E::endian == Endian::little ? kELFDATA2LSB : kELFDATA2MSB;
  h.e_ident[kEI_VERSION] = kEV_CURRENT;
  h.e_ident[kEI_OSABI] = kELFOSABI_NONE;
}

// Elf32_Shdr / Elf64_Shdr: sh_flags, sh_addr, sh_offset, sh_size, sh_addralign and sh_entsize
// are class-sized; sh_name, sh_type, sh_link and sh_info are 32-bit in both.
template <typename E>
struct ElfShdr {
  U32<E> sh_name;
  U32<E> sh_type;
  Word<E> sh_flags;
  Word<E> sh_addr;
  Word<E> sh_offset;
  Word<E> sh_size;
  U32<E> sh_link;
  U32<E> sh_info;
  Word<E> sh_addralign;
  Word<E> sh_entsize;
};

// Elf32_Sym and Elf64_Sym order their fields differently (ELF64 moves the small fields up so
// the 64-bit ones stay naturally aligned), so they are two structs.
template <typename E>
struct Elf32Sym {
  U32<E> st_name;
  U32<E> st_value;
  U32<E> st_size;
  std::uint8_t st_info;
  std::uint8_t st_other;
  U16<E> st_shndx;
};
template <typename E>
struct Elf64Sym {
  U32<E> st_name;
  std::uint8_t st_info;
  std::uint8_t st_other;
  U16<E> st_shndx;
  U64<E> st_value;
  U64<E> st_size;
};
template <typename E>
using ElfSym = std::conditional_t<E::is_64, Elf64Sym<E>, Elf32Sym<E>>;

// Elf32_Phdr and Elf64_Phdr order their fields differently (ELF64 moves p_flags up, after
// p_type), so they are two structs.
template <typename E>
struct Elf32Phdr {
  U32<E> p_type;
  U32<E> p_offset;
  U32<E> p_vaddr;
  U32<E> p_paddr;
  U32<E> p_filesz;
  U32<E> p_memsz;
  U32<E> p_flags;
  U32<E> p_align;
};
template <typename E>
struct Elf64Phdr {
  U32<E> p_type;
  U32<E> p_flags;
  U64<E> p_offset;
  U64<E> p_vaddr;
  U64<E> p_paddr;
  U64<E> p_filesz;
  U64<E> p_memsz;
  U64<E> p_align;
};
template <typename E>
using ElfPhdr = std::conditional_t<E::is_64, Elf64Phdr<E>, Elf32Phdr<E>>;

// Elf32_Dyn / Elf64_Dyn: d_tag (signed) and d_un (d_val or d_ptr), both class-sized. Every tag
// mblob writes is positive, so the unsigned word holds it.
template <typename E>
struct ElfDyn {
  Word<E> d_tag;
  Word<E> d_un;
};

static_assert(sizeof(ElfDyn<Elf32LE>) == 8 && sizeof(ElfDyn<Elf64BE>) == 16);
static_assert(sizeof(ElfEhdr<Elf32LE>) == 52 && sizeof(ElfEhdr<Elf64BE>) == 64);
static_assert(sizeof(ElfShdr<Elf32BE>) == 40 && sizeof(ElfShdr<Elf64LE>) == 64);
static_assert(sizeof(ElfSym<Elf32LE>) == 16 && sizeof(ElfSym<Elf64BE>) == 24);
static_assert(sizeof(ElfPhdr<Elf32BE>) == 32 && sizeof(ElfPhdr<Elf64LE>) == 56);
static_assert(alignof(ElfEhdr<Elf64LE>) == 1 && alignof(ElfSym<Elf64LE>) == 1);
static_assert(std::is_trivially_copyable_v<ElfShdr<Elf64LE>>);

}  // namespace mblob::elf
