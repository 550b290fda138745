// ELF: the constants and on-disk structures of the System V gABI, for every class and byte order.
//
// Names are the gABI's (and <elf.h>'s), so the spec can be read next to the code. The structs
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

// <elf.h> (pulled in by <link.h>, <dlfcn.h> users and others) defines many of these names as
// macros. So that this header works whatever was included before it, each name's macro is
// saved and removed here and restored at the end: after this header, in a translation unit
// that also includes <elf.h>, the unqualified names are the system macros again (same values);
// write them unqualified there, or include only this header.
#pragma push_macro("EF_ARM_ABI_FLOAT_HARD")
#undef EF_ARM_ABI_FLOAT_HARD
#pragma push_macro("EF_ARM_ABI_FLOAT_SOFT")
#undef EF_ARM_ABI_FLOAT_SOFT
#pragma push_macro("EF_ARM_EABI_VER5")
#undef EF_ARM_EABI_VER5
#pragma push_macro("EF_HEXAGON_MACH_V60")
#undef EF_HEXAGON_MACH_V60
#pragma push_macro("EF_HEXAGON_MACH_V66")
#undef EF_HEXAGON_MACH_V66
#pragma push_macro("EF_HEXAGON_MACH_V68")
#undef EF_HEXAGON_MACH_V68
#pragma push_macro("EF_HEXAGON_MACH_V69")
#undef EF_HEXAGON_MACH_V69
#pragma push_macro("EF_HEXAGON_MACH_V73")
#undef EF_HEXAGON_MACH_V73
#pragma push_macro("EF_LOONGARCH_ABI_DOUBLE_FLOAT")
#undef EF_LOONGARCH_ABI_DOUBLE_FLOAT
#pragma push_macro("EF_LOONGARCH_OBJABI_V1")
#undef EF_LOONGARCH_OBJABI_V1
#pragma push_macro("EF_MIPS_ABI_O32")
#undef EF_MIPS_ABI_O32
#pragma push_macro("EF_MIPS_ARCH_32R2")
#undef EF_MIPS_ARCH_32R2
#pragma push_macro("EF_MIPS_ARCH_64R2")
#undef EF_MIPS_ARCH_64R2
#pragma push_macro("EF_MIPS_CPIC")
#undef EF_MIPS_CPIC
#pragma push_macro("EF_MIPS_NOREORDER")
#undef EF_MIPS_NOREORDER
#pragma push_macro("EF_MIPS_PIC")
#undef EF_MIPS_PIC
#pragma push_macro("EF_PPC64_ABI_V1")
#undef EF_PPC64_ABI_V1
#pragma push_macro("EF_PPC64_ABI_V2")
#undef EF_PPC64_ABI_V2
#pragma push_macro("EF_RISCV_FLOAT_ABI_DOUBLE")
#undef EF_RISCV_FLOAT_ABI_DOUBLE
#pragma push_macro("EF_RISCV_FLOAT_ABI_QUAD")
#undef EF_RISCV_FLOAT_ABI_QUAD
#pragma push_macro("EF_RISCV_FLOAT_ABI_SINGLE")
#undef EF_RISCV_FLOAT_ABI_SINGLE
#pragma push_macro("EF_RISCV_FLOAT_ABI_SOFT")
#undef EF_RISCV_FLOAT_ABI_SOFT
#pragma push_macro("EF_RISCV_RVC")
#undef EF_RISCV_RVC
#pragma push_macro("EI_ABIVERSION")
#undef EI_ABIVERSION
#pragma push_macro("EI_CLASS")
#undef EI_CLASS
#pragma push_macro("EI_DATA")
#undef EI_DATA
#pragma push_macro("EI_MAG0")
#undef EI_MAG0
#pragma push_macro("EI_MAG1")
#undef EI_MAG1
#pragma push_macro("EI_MAG2")
#undef EI_MAG2
#pragma push_macro("EI_MAG3")
#undef EI_MAG3
#pragma push_macro("EI_NIDENT")
#undef EI_NIDENT
#pragma push_macro("EI_OSABI")
#undef EI_OSABI
#pragma push_macro("EI_VERSION")
#undef EI_VERSION
#pragma push_macro("ELFCLASS32")
#undef ELFCLASS32
#pragma push_macro("ELFCLASS64")
#undef ELFCLASS64
#pragma push_macro("ELFDATA2LSB")
#undef ELFDATA2LSB
#pragma push_macro("ELFDATA2MSB")
#undef ELFDATA2MSB
#pragma push_macro("ELFMAG0")
#undef ELFMAG0
#pragma push_macro("ELFMAG1")
#undef ELFMAG1
#pragma push_macro("ELFMAG2")
#undef ELFMAG2
#pragma push_macro("ELFMAG3")
#undef ELFMAG3
#pragma push_macro("ELFOSABI_NONE")
#undef ELFOSABI_NONE
#pragma push_macro("EM_386")
#undef EM_386
#pragma push_macro("EM_AARCH64")
#undef EM_AARCH64
#pragma push_macro("EM_ARM")
#undef EM_ARM
#pragma push_macro("EM_LOONGARCH")
#undef EM_LOONGARCH
#pragma push_macro("EM_MIPS")
#undef EM_MIPS
#pragma push_macro("EM_NONE")
#undef EM_NONE
#pragma push_macro("EM_PPC")
#undef EM_PPC
#pragma push_macro("EM_PPC64")
#undef EM_PPC64
#pragma push_macro("EM_QDSP6")
#undef EM_QDSP6
#pragma push_macro("EM_RISCV")
#undef EM_RISCV
#pragma push_macro("EM_S390")
#undef EM_S390
#pragma push_macro("EM_SPARC")
#undef EM_SPARC
#pragma push_macro("EM_SPARCV9")
#undef EM_SPARCV9
#pragma push_macro("EM_X86_64")
#undef EM_X86_64
#pragma push_macro("ET_CORE")
#undef ET_CORE
#pragma push_macro("ET_DYN")
#undef ET_DYN
#pragma push_macro("ET_EXEC")
#undef ET_EXEC
#pragma push_macro("ET_NONE")
#undef ET_NONE
#pragma push_macro("ET_REL")
#undef ET_REL
#pragma push_macro("EV_CURRENT")
#undef EV_CURRENT
#pragma push_macro("PF_R")
#undef PF_R
#pragma push_macro("PF_W")
#undef PF_W
#pragma push_macro("PF_X")
#undef PF_X
#pragma push_macro("PN_XNUM")
#undef PN_XNUM
#pragma push_macro("PT_DYNAMIC")
#undef PT_DYNAMIC
#pragma push_macro("PT_GNU_RELRO")
#undef PT_GNU_RELRO
#pragma push_macro("PT_GNU_STACK")
#undef PT_GNU_STACK
#pragma push_macro("PT_INTERP")
#undef PT_INTERP
#pragma push_macro("PT_LOAD")
#undef PT_LOAD
#pragma push_macro("PT_NOTE")
#undef PT_NOTE
#pragma push_macro("PT_NULL")
#undef PT_NULL
#pragma push_macro("PT_PHDR")
#undef PT_PHDR
#pragma push_macro("PT_TLS")
#undef PT_TLS
#pragma push_macro("SHF_ALLOC")
#undef SHF_ALLOC
#pragma push_macro("SHF_EXECINSTR")
#undef SHF_EXECINSTR
#pragma push_macro("SHF_MERGE")
#undef SHF_MERGE
#pragma push_macro("SHF_STRINGS")
#undef SHF_STRINGS
#pragma push_macro("SHF_WRITE")
#undef SHF_WRITE
#pragma push_macro("SHF_X86_64_LARGE")
#undef SHF_X86_64_LARGE
#pragma push_macro("SHN_ABS")
#undef SHN_ABS
#pragma push_macro("SHN_COMMON")
#undef SHN_COMMON
#pragma push_macro("SHN_LORESERVE")
#undef SHN_LORESERVE
#pragma push_macro("SHN_UNDEF")
#undef SHN_UNDEF
#pragma push_macro("SHN_XINDEX")
#undef SHN_XINDEX
#pragma push_macro("SHT_DYNAMIC")
#undef SHT_DYNAMIC
#pragma push_macro("SHT_DYNSYM")
#undef SHT_DYNSYM
#pragma push_macro("SHT_HASH")
#undef SHT_HASH
#pragma push_macro("SHT_NOBITS")
#undef SHT_NOBITS
#pragma push_macro("SHT_NOTE")
#undef SHT_NOTE
#pragma push_macro("SHT_NULL")
#undef SHT_NULL
#pragma push_macro("SHT_PROGBITS")
#undef SHT_PROGBITS
#pragma push_macro("SHT_REL")
#undef SHT_REL
#pragma push_macro("SHT_RELA")
#undef SHT_RELA
#pragma push_macro("SHT_STRTAB")
#undef SHT_STRTAB
#pragma push_macro("SHT_SYMTAB")
#undef SHT_SYMTAB
#pragma push_macro("STB_GLOBAL")
#undef STB_GLOBAL
#pragma push_macro("STB_LOCAL")
#undef STB_LOCAL
#pragma push_macro("STB_WEAK")
#undef STB_WEAK
#pragma push_macro("STT_FILE")
#undef STT_FILE
#pragma push_macro("STT_FUNC")
#undef STT_FUNC
#pragma push_macro("STT_NOTYPE")
#undef STT_NOTYPE
#pragma push_macro("STT_OBJECT")
#undef STT_OBJECT
#pragma push_macro("STT_SECTION")
#undef STT_SECTION
#pragma push_macro("STV_DEFAULT")
#undef STV_DEFAULT
#pragma push_macro("STV_HIDDEN")
#undef STV_HIDDEN
#pragma push_macro("STV_INTERNAL")
#undef STV_INTERNAL
#pragma push_macro("STV_PROTECTED")
#undef STV_PROTECTED

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
inline constexpr std::uint8_t ELFMAG0 = 0x7f, ELFMAG1 = 'E', ELFMAG2 = 'L', ELFMAG3 = 'F';
inline constexpr int EI_MAG0 = 0, EI_MAG1 = 1, EI_MAG2 = 2, EI_MAG3 = 3, EI_CLASS = 4, EI_DATA = 5,
                     EI_VERSION = 6, EI_OSABI = 7, EI_ABIVERSION = 8, EI_NIDENT = 16;
inline constexpr std::uint8_t ELFCLASS32 = 1, ELFCLASS64 = 2;
inline constexpr std::uint8_t ELFDATA2LSB = 1, ELFDATA2MSB = 2;
inline constexpr std::uint8_t EV_CURRENT = 1;
inline constexpr std::uint8_t ELFOSABI_NONE = 0;

// ---- e_type
inline constexpr std::uint16_t ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;

// ---- e_machine (the machines in mblob's target table)
inline constexpr std::uint16_t EM_NONE = 0;
inline constexpr std::uint16_t EM_SPARC = 2;
inline constexpr std::uint16_t EM_386 = 3;
inline constexpr std::uint16_t EM_MIPS = 8;
inline constexpr std::uint16_t EM_PPC = 20;
inline constexpr std::uint16_t EM_PPC64 = 21;
inline constexpr std::uint16_t EM_S390 = 22;
inline constexpr std::uint16_t EM_ARM = 40;
inline constexpr std::uint16_t EM_SPARCV9 = 43;
inline constexpr std::uint16_t EM_X86_64 = 62;
inline constexpr std::uint16_t EM_QDSP6 = 164;  // Hexagon
inline constexpr std::uint16_t EM_AARCH64 = 183;
inline constexpr std::uint16_t EM_RISCV = 243;
inline constexpr std::uint16_t EM_LOONGARCH = 258;

// ---- e_flags values the target table uses (processor supplements)
inline constexpr std::uint32_t EF_ARM_EABI_VER5 = 0x05000000;
inline constexpr std::uint32_t EF_ARM_ABI_FLOAT_SOFT = 0x00000200;
inline constexpr std::uint32_t EF_ARM_ABI_FLOAT_HARD = 0x00000400;
inline constexpr std::uint32_t EF_RISCV_RVC = 0x0001;
inline constexpr std::uint32_t EF_RISCV_FLOAT_ABI_SOFT = 0x0000;
inline constexpr std::uint32_t EF_RISCV_FLOAT_ABI_SINGLE = 0x0002;
inline constexpr std::uint32_t EF_RISCV_FLOAT_ABI_DOUBLE = 0x0004;
inline constexpr std::uint32_t EF_RISCV_FLOAT_ABI_QUAD = 0x0006;
inline constexpr std::uint32_t EF_PPC64_ABI_V1 = 1;  // e_flags & 3: ELFv1 function descriptors
inline constexpr std::uint32_t EF_PPC64_ABI_V2 = 2;  // ELFv2
inline constexpr std::uint32_t EF_MIPS_NOREORDER = 0x00000001;
inline constexpr std::uint32_t EF_MIPS_PIC = 0x00000002;
inline constexpr std::uint32_t EF_MIPS_CPIC = 0x00000004;
inline constexpr std::uint32_t EF_MIPS_ABI_O32 = 0x00001000;
inline constexpr std::uint32_t EF_MIPS_ARCH_32R2 = 0x70000000;
inline constexpr std::uint32_t EF_MIPS_ARCH_64R2 = 0x80000000;
inline constexpr std::uint32_t EF_LOONGARCH_ABI_DOUBLE_FLOAT = 0x3;
inline constexpr std::uint32_t EF_LOONGARCH_OBJABI_V1 = 0x40;
inline constexpr std::uint32_t EF_HEXAGON_MACH_V60 = 0x60;
inline constexpr std::uint32_t EF_HEXAGON_MACH_V66 = 0x66;
inline constexpr std::uint32_t EF_HEXAGON_MACH_V68 = 0x68;
inline constexpr std::uint32_t EF_HEXAGON_MACH_V69 = 0x69;
inline constexpr std::uint32_t EF_HEXAGON_MACH_V73 = 0x73;

// ---- Program headers: p_type, p_flags, and e_phnum's escape value
inline constexpr std::uint32_t PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
                               PT_PHDR = 6, PT_TLS = 7;
inline constexpr std::uint32_t PT_GNU_STACK = 0x6474e551;
// After relocation the dynamic linker makes this range read-only, whatever its PT_LOAD says.
inline constexpr std::uint32_t PT_GNU_RELRO = 0x6474e552;
inline constexpr std::uint32_t PF_X = 0x1, PF_W = 0x2, PF_R = 0x4;
// e_phnum == PN_XNUM: the real count is in section header 0's sh_info.
inline constexpr std::uint16_t PN_XNUM = 0xffff;

// ---- Special section indices
inline constexpr std::uint16_t SHN_UNDEF = 0;
inline constexpr std::uint16_t SHN_LORESERVE = 0xff00;
inline constexpr std::uint16_t SHN_ABS = 0xfff1;
inline constexpr std::uint16_t SHN_COMMON = 0xfff2;
inline constexpr std::uint16_t SHN_XINDEX = 0xffff;

// ---- sh_type
inline constexpr std::uint32_t SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3,
                               SHT_RELA = 4, SHT_HASH = 5, SHT_DYNAMIC = 6, SHT_NOTE = 7,
                               SHT_NOBITS = 8, SHT_REL = 9, SHT_DYNSYM = 11;

// ---- sh_flags
inline constexpr std::uint64_t SHF_WRITE = 0x1;
inline constexpr std::uint64_t SHF_ALLOC = 0x2;
inline constexpr std::uint64_t SHF_EXECINSTR = 0x4;
inline constexpr std::uint64_t SHF_MERGE = 0x10;
inline constexpr std::uint64_t SHF_STRINGS = 0x20;
// x86-64 psABI: the section may lie beyond the +-2 GiB reach of the small code model; linkers
// place such sections after the others so big data does not push code and GOT apart.
inline constexpr std::uint64_t SHF_X86_64_LARGE = 0x10000000;

// ---- Symbols: st_info = bind << 4 | type; st_other & 3 = visibility
inline constexpr std::uint8_t STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
inline constexpr std::uint8_t STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3,
                              STT_FILE = 4;
inline constexpr std::uint8_t STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2, STV_PROTECTED = 3;
constexpr std::uint8_t st_info(std::uint8_t bind, std::uint8_t type) {
  return static_cast<std::uint8_t>((bind << 4) | (type & 0xf));
}

// ---- Structures

// Elf32_Ehdr / Elf64_Ehdr: same field order, class-sized addresses and offsets.
template <typename E>
struct ElfEhdr {
  std::uint8_t e_ident[EI_NIDENT];
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

static_assert(sizeof(ElfEhdr<Elf32LE>) == 52 && sizeof(ElfEhdr<Elf64BE>) == 64);
static_assert(sizeof(ElfShdr<Elf32BE>) == 40 && sizeof(ElfShdr<Elf64LE>) == 64);
static_assert(sizeof(ElfSym<Elf32LE>) == 16 && sizeof(ElfSym<Elf64BE>) == 24);
static_assert(sizeof(ElfPhdr<Elf32BE>) == 32 && sizeof(ElfPhdr<Elf64LE>) == 56);
static_assert(alignof(ElfEhdr<Elf64LE>) == 1 && alignof(ElfSym<Elf64LE>) == 1);
static_assert(std::is_trivially_copyable_v<ElfShdr<Elf64LE>>);

}  // namespace mblob::elf

#pragma pop_macro("EF_ARM_ABI_FLOAT_HARD")
#pragma pop_macro("EF_ARM_ABI_FLOAT_SOFT")
#pragma pop_macro("EF_ARM_EABI_VER5")
#pragma pop_macro("EF_HEXAGON_MACH_V60")
#pragma pop_macro("EF_HEXAGON_MACH_V66")
#pragma pop_macro("EF_HEXAGON_MACH_V68")
#pragma pop_macro("EF_HEXAGON_MACH_V69")
#pragma pop_macro("EF_HEXAGON_MACH_V73")
#pragma pop_macro("EF_LOONGARCH_ABI_DOUBLE_FLOAT")
#pragma pop_macro("EF_LOONGARCH_OBJABI_V1")
#pragma pop_macro("EF_MIPS_ABI_O32")
#pragma pop_macro("EF_MIPS_ARCH_32R2")
#pragma pop_macro("EF_MIPS_ARCH_64R2")
#pragma pop_macro("EF_MIPS_CPIC")
#pragma pop_macro("EF_MIPS_NOREORDER")
#pragma pop_macro("EF_MIPS_PIC")
#pragma pop_macro("EF_PPC64_ABI_V1")
#pragma pop_macro("EF_PPC64_ABI_V2")
#pragma pop_macro("EF_RISCV_FLOAT_ABI_DOUBLE")
#pragma pop_macro("EF_RISCV_FLOAT_ABI_QUAD")
#pragma pop_macro("EF_RISCV_FLOAT_ABI_SINGLE")
#pragma pop_macro("EF_RISCV_FLOAT_ABI_SOFT")
#pragma pop_macro("EF_RISCV_RVC")
#pragma pop_macro("EI_ABIVERSION")
#pragma pop_macro("EI_CLASS")
#pragma pop_macro("EI_DATA")
#pragma pop_macro("EI_MAG0")
#pragma pop_macro("EI_MAG1")
#pragma pop_macro("EI_MAG2")
#pragma pop_macro("EI_MAG3")
#pragma pop_macro("EI_NIDENT")
#pragma pop_macro("EI_OSABI")
#pragma pop_macro("EI_VERSION")
#pragma pop_macro("ELFCLASS32")
#pragma pop_macro("ELFCLASS64")
#pragma pop_macro("ELFDATA2LSB")
#pragma pop_macro("ELFDATA2MSB")
#pragma pop_macro("ELFMAG0")
#pragma pop_macro("ELFMAG1")
#pragma pop_macro("ELFMAG2")
#pragma pop_macro("ELFMAG3")
#pragma pop_macro("ELFOSABI_NONE")
#pragma pop_macro("EM_386")
#pragma pop_macro("EM_AARCH64")
#pragma pop_macro("EM_ARM")
#pragma pop_macro("EM_LOONGARCH")
#pragma pop_macro("EM_MIPS")
#pragma pop_macro("EM_NONE")
#pragma pop_macro("EM_PPC")
#pragma pop_macro("EM_PPC64")
#pragma pop_macro("EM_QDSP6")
#pragma pop_macro("EM_RISCV")
#pragma pop_macro("EM_S390")
#pragma pop_macro("EM_SPARC")
#pragma pop_macro("EM_SPARCV9")
#pragma pop_macro("EM_X86_64")
#pragma pop_macro("ET_CORE")
#pragma pop_macro("ET_DYN")
#pragma pop_macro("ET_EXEC")
#pragma pop_macro("ET_NONE")
#pragma pop_macro("ET_REL")
#pragma pop_macro("EV_CURRENT")
#pragma pop_macro("PF_R")
#pragma pop_macro("PF_W")
#pragma pop_macro("PF_X")
#pragma pop_macro("PN_XNUM")
#pragma pop_macro("PT_DYNAMIC")
#pragma pop_macro("PT_GNU_RELRO")
#pragma pop_macro("PT_GNU_STACK")
#pragma pop_macro("PT_INTERP")
#pragma pop_macro("PT_LOAD")
#pragma pop_macro("PT_NOTE")
#pragma pop_macro("PT_NULL")
#pragma pop_macro("PT_PHDR")
#pragma pop_macro("PT_TLS")
#pragma pop_macro("SHF_ALLOC")
#pragma pop_macro("SHF_EXECINSTR")
#pragma pop_macro("SHF_MERGE")
#pragma pop_macro("SHF_STRINGS")
#pragma pop_macro("SHF_WRITE")
#pragma pop_macro("SHF_X86_64_LARGE")
#pragma pop_macro("SHN_ABS")
#pragma pop_macro("SHN_COMMON")
#pragma pop_macro("SHN_LORESERVE")
#pragma pop_macro("SHN_UNDEF")
#pragma pop_macro("SHN_XINDEX")
#pragma pop_macro("SHT_DYNAMIC")
#pragma pop_macro("SHT_DYNSYM")
#pragma pop_macro("SHT_HASH")
#pragma pop_macro("SHT_NOBITS")
#pragma pop_macro("SHT_NOTE")
#pragma pop_macro("SHT_NULL")
#pragma pop_macro("SHT_PROGBITS")
#pragma pop_macro("SHT_REL")
#pragma pop_macro("SHT_RELA")
#pragma pop_macro("SHT_STRTAB")
#pragma pop_macro("SHT_SYMTAB")
#pragma pop_macro("STB_GLOBAL")
#pragma pop_macro("STB_LOCAL")
#pragma pop_macro("STB_WEAK")
#pragma pop_macro("STT_FILE")
#pragma pop_macro("STT_FUNC")
#pragma pop_macro("STT_NOTYPE")
#pragma pop_macro("STT_OBJECT")
#pragma pop_macro("STT_SECTION")
#pragma pop_macro("STV_DEFAULT")
#pragma pop_macro("STV_HIDDEN")
#pragma pop_macro("STV_INTERNAL")
#pragma pop_macro("STV_PROTECTED")
