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

// ---- Endian-aware unaligned integer fields.
template <typename T, Endian Order>
class Field {
 public:
  Field() = default;
  Field(T v) { *this = v; }  // NOLINT: implicit, like the plain integer it stands for
  Field& operator=(T v) {
    store<T>(bytes_, v, Order);
    return *this;
  }
  operator T() const { return load<T>(bytes_, Order); }  // NOLINT

 private:
  std::uint8_t bytes_[sizeof(T)] = {};
};

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
inline constexpr int EI_MAG0 = 0, EI_MAG1 = 1, EI_MAG2 = 2, EI_MAG3 = 3, EI_CLASS = 4,
                     EI_DATA = 5, EI_VERSION = 6, EI_OSABI = 7, EI_ABIVERSION = 8, EI_NIDENT = 16;
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
inline constexpr std::uint8_t STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2,
                              STV_PROTECTED = 3;
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

static_assert(sizeof(ElfEhdr<Elf32LE>) == 52 && sizeof(ElfEhdr<Elf64BE>) == 64);
static_assert(sizeof(ElfShdr<Elf32BE>) == 40 && sizeof(ElfShdr<Elf64LE>) == 64);
static_assert(sizeof(ElfSym<Elf32LE>) == 16 && sizeof(ElfSym<Elf64BE>) == 24);
static_assert(alignof(ElfEhdr<Elf64LE>) == 1 && alignof(ElfSym<Elf64LE>) == 1);
static_assert(std::is_trivially_copyable_v<ElfShdr<Elf64LE>>);

}  // namespace mblob::elf
