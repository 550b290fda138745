// COFF and PE: the constants and on-disk structures of the Microsoft PE/COFF specification
// ("PE Format"), for the objects mingw and MSVC compilers write and the images (DLL, EXE) their
// linkers write. Every field is little-endian.
//
// Every spec constant is the specification's name with a `k` in front (kIMAGE_FILE_MACHINE_AMD64,
// kIMAGE_SCN_CNT_INITIALIZED_DATA ...), as object/elf.h names the gABI's: searchable by the spec's
// name, and never the same token as the macros <winnt.h> defines for those names, so this header
// and <windows.h> can share a translation unit in any order. The structs mirror the file byte
// for byte (fields are EndianField, alignment 1); their sizes are checked against the
// specification at the end.
//
// Layout of a COFF object:   file header (20 bytes) | section table (40 bytes per section) |
//   raw data | symbol table (18 bytes per record) at PointerToSymbolTable, immediately followed
//   by the string table (u32 size, itself included, then NUL-terminated names).
// Layout of a PE image:      DOS header ("MZ", e_lfanew at 0x3c) | "PE\0\0" at e_lfanew |
//   file header | optional header (PE32 or PE32+) ending in the data directories | section
//   table | sections. Addresses inside an image are RVAs (relative to the image base).
#pragma once

#include <cstdint>

#include "mblob/object/endian_field.h"

namespace mblob::coff {

using U16 = EndianField<std::uint16_t, Endian::little>;
using I16 = EndianField<std::int16_t, Endian::little>;
using U32 = EndianField<std::uint32_t, Endian::little>;
using U64 = EndianField<std::uint64_t, Endian::little>;

// ---- Machine types (file header Machine)
inline constexpr std::uint16_t kIMAGE_FILE_MACHINE_UNKNOWN = 0x0;
inline constexpr std::uint16_t kIMAGE_FILE_MACHINE_I386 = 0x14c;
inline constexpr std::uint16_t kIMAGE_FILE_MACHINE_ARMNT = 0x1c4;
inline constexpr std::uint16_t kIMAGE_FILE_MACHINE_AMD64 = 0x8664;
inline constexpr std::uint16_t kIMAGE_FILE_MACHINE_ARM64 = 0xaa64;

// ---- File header Characteristics
inline constexpr std::uint16_t kIMAGE_FILE_RELOCS_STRIPPED = 0x0001;
inline constexpr std::uint16_t kIMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
inline constexpr std::uint16_t kIMAGE_FILE_LARGE_ADDRESS_AWARE = 0x0020;
inline constexpr std::uint16_t kIMAGE_FILE_32BIT_MACHINE = 0x0100;
inline constexpr std::uint16_t kIMAGE_FILE_DEBUG_STRIPPED = 0x0200;
inline constexpr std::uint16_t kIMAGE_FILE_DLL = 0x2000;

// ---- Section Characteristics
inline constexpr std::uint32_t kIMAGE_SCN_CNT_CODE = 0x00000020;
inline constexpr std::uint32_t kIMAGE_SCN_CNT_INITIALIZED_DATA = 0x00000040;
inline constexpr std::uint32_t kIMAGE_SCN_CNT_UNINITIALIZED_DATA = 0x00000080;
inline constexpr std::uint32_t kIMAGE_SCN_LNK_INFO = 0x00000200;  // .drectve: linker directives
inline constexpr std::uint32_t kIMAGE_SCN_LNK_REMOVE = 0x00000800;
inline constexpr std::uint32_t kIMAGE_SCN_LNK_COMDAT = 0x00001000;
// Objects only: alignment 2^(n-1) for n = (Characteristics & IMAGE_SCN_ALIGN_MASK) >> 20,
// n = 1 (1 byte) .. 14 (8192 bytes); 0 means the default (16 bytes).
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_1BYTES = 0x00100000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_2BYTES = 0x00200000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_4BYTES = 0x00300000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_8BYTES = 0x00400000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_16BYTES = 0x00500000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_32BYTES = 0x00600000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_64BYTES = 0x00700000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_128BYTES = 0x00800000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_256BYTES = 0x00900000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_512BYTES = 0x00A00000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_1024BYTES = 0x00B00000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_2048BYTES = 0x00C00000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_4096BYTES = 0x00D00000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_8192BYTES = 0x00E00000;
inline constexpr std::uint32_t kIMAGE_SCN_ALIGN_MASK = 0x00F00000;
inline constexpr std::uint32_t kIMAGE_SCN_LNK_NRELOC_OVFL = 0x01000000;
inline constexpr std::uint32_t kIMAGE_SCN_MEM_DISCARDABLE = 0x02000000;
inline constexpr std::uint32_t kIMAGE_SCN_MEM_SHARED = 0x10000000;
inline constexpr std::uint32_t kIMAGE_SCN_MEM_EXECUTE = 0x20000000;
inline constexpr std::uint32_t kIMAGE_SCN_MEM_READ = 0x40000000;
inline constexpr std::uint32_t kIMAGE_SCN_MEM_WRITE = 0x80000000;

// ---- Symbol SectionNumber special values (1-based section indices otherwise)
inline constexpr std::int16_t kIMAGE_SYM_UNDEFINED = 0;  // external, or common when Value != 0
inline constexpr std::int16_t kIMAGE_SYM_ABSOLUTE = -1;
inline constexpr std::int16_t kIMAGE_SYM_DEBUG = -2;

// ---- Symbol Type (LSB: base type, next byte: complex type; 0x20 marks a function)
inline constexpr std::uint16_t kIMAGE_SYM_TYPE_NULL = 0;

// ---- Symbol StorageClass
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_END_OF_FUNCTION = 0xff;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_NULL = 0;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_AUTOMATIC = 1;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_EXTERNAL = 2;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_STATIC = 3;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_LABEL = 6;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_FUNCTION = 101;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_FILE = 103;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_SECTION = 104;
inline constexpr std::uint8_t kIMAGE_SYM_CLASS_WEAK_EXTERNAL = 105;

// ---- Images
inline constexpr std::uint16_t kIMAGE_DOS_SIGNATURE = 0x5a4d;     // "MZ"
inline constexpr std::uint32_t kIMAGE_NT_SIGNATURE = 0x00004550;  // "PE\0\0"
inline constexpr std::uint32_t kDosLfanewOffset = 0x3c;           // e_lfanew: offset of "PE\0\0"
inline constexpr std::uint16_t kIMAGE_NT_OPTIONAL_HDR32_MAGIC = 0x10b;  // PE32
inline constexpr std::uint16_t kIMAGE_NT_OPTIONAL_HDR64_MAGIC = 0x20b;  // PE32+

// ---- Data directory indices (optional header DataDirectory[])
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_EXPORT = 0;
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_IMPORT = 1;
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_RESOURCE = 2;
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_EXCEPTION = 3;
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_SECURITY = 4;  // a file offset, not an RVA
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_BASERELOC = 5;
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_DEBUG = 6;
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_TLS = 9;
inline constexpr std::uint32_t kIMAGE_DIRECTORY_ENTRY_IAT = 12;
inline constexpr std::uint32_t kIMAGE_NUMBEROF_DIRECTORY_ENTRIES = 16;

// ---- Structures

// IMAGE_FILE_HEADER: starts an object, follows "PE\0\0" in an image.
struct FileHeader {
  U16 Machine;
  U16 NumberOfSections;
  U32 TimeDateStamp;
  U32 PointerToSymbolTable;  // file offset; 0 when there is none (images usually)
  U32 NumberOfSymbols;       // records, aux records included
  U16 SizeOfOptionalHeader;  // 0 in an object
  U16 Characteristics;
};

// IMAGE_SECTION_HEADER. Name: 8 bytes, NUL-padded; in an object "/N" (decimal) names offset N
// of the string table. VirtualSize: the section's size in memory (0 in objects);
// SizeOfRawData: its bytes in the file (images round it up to FileAlignment; where it is
// smaller than VirtualSize the rest is zero-filled memory).
struct SectionHeader {
  std::uint8_t Name[8];
  U32 VirtualSize;
  U32 VirtualAddress;  // RVA in an image; 0 (or ignored) in an object
  U32 SizeOfRawData;
  U32 PointerToRawData;  // file offset; 0 when the section has no raw data (.bss)
  U32 PointerToRelocations;
  U32 PointerToLinenumbers;
  U16 NumberOfRelocations;
  U16 NumberOfLinenumbers;
  U32 Characteristics;
};

// IMAGE_SYMBOL: 18 bytes. Name: the short name (8 bytes, NUL-padded) or, when its first four
// bytes are 0, a u32 offset into the string table in its last four. NumberOfAuxSymbols
// records of 18 bytes follow the symbol (section definitions, file names ...) and count in
// NumberOfSymbols. COFF symbols carry no size.
struct Symbol {
  std::uint8_t Name[8];
  U32 Value;  // offset in the section for a defined symbol
  I16 SectionNumber;
  U16 Type;
  std::uint8_t StorageClass;
  std::uint8_t NumberOfAuxSymbols;
};

// IMAGE_DATA_DIRECTORY.
struct DataDirectory {
  U32 VirtualAddress;  // RVA
  U32 Size;
};

// The optional header's fields up to NumberOfRvaAndSizes; DataDirectory[] follows it. PE32 has
// BaseOfData and 32-bit ImageBase and stack/heap sizes; PE32+ drops BaseOfData and widens them.
struct OptionalHeader32 {
  U16 Magic;  // IMAGE_NT_OPTIONAL_HDR32_MAGIC
  std::uint8_t MajorLinkerVersion;
  std::uint8_t MinorLinkerVersion;
  U32 SizeOfCode;
  U32 SizeOfInitializedData;
  U32 SizeOfUninitializedData;
  U32 AddressOfEntryPoint;
  U32 BaseOfCode;
  U32 BaseOfData;
  U32 ImageBase;
  U32 SectionAlignment;
  U32 FileAlignment;
  U16 MajorOperatingSystemVersion;
  U16 MinorOperatingSystemVersion;
  U16 MajorImageVersion;
  U16 MinorImageVersion;
  U16 MajorSubsystemVersion;
  U16 MinorSubsystemVersion;
  U32 Win32VersionValue;
  U32 SizeOfImage;
  U32 SizeOfHeaders;
  U32 CheckSum;
  U16 Subsystem;
  U16 DllCharacteristics;
  U32 SizeOfStackReserve;
  U32 SizeOfStackCommit;
  U32 SizeOfHeapReserve;
  U32 SizeOfHeapCommit;
  U32 LoaderFlags;
  U32 NumberOfRvaAndSizes;
};
struct OptionalHeader64 {
  U16 Magic;  // IMAGE_NT_OPTIONAL_HDR64_MAGIC
  std::uint8_t MajorLinkerVersion;
  std::uint8_t MinorLinkerVersion;
  U32 SizeOfCode;
  U32 SizeOfInitializedData;
  U32 SizeOfUninitializedData;
  U32 AddressOfEntryPoint;
  U32 BaseOfCode;
  U64 ImageBase;
  U32 SectionAlignment;
  U32 FileAlignment;
  U16 MajorOperatingSystemVersion;
  U16 MinorOperatingSystemVersion;
  U16 MajorImageVersion;
  U16 MinorImageVersion;
  U16 MajorSubsystemVersion;
  U16 MinorSubsystemVersion;
  U32 Win32VersionValue;
  U32 SizeOfImage;
  U32 SizeOfHeaders;
  U32 CheckSum;
  U16 Subsystem;
  U16 DllCharacteristics;
  U64 SizeOfStackReserve;
  U64 SizeOfStackCommit;
  U64 SizeOfHeapReserve;
  U64 SizeOfHeapCommit;
  U32 LoaderFlags;
  U32 NumberOfRvaAndSizes;
};

// IMAGE_EXPORT_DIRECTORY (the .edata layout), at DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT].
// The export address table holds AddressTableEntries u32 RVAs (an RVA inside the export
// directory's range is a forwarder: the RVA of a "DLL.name" string, not data). The name pointer
// table holds NumberOfNamePointers u32 RVAs of NUL-terminated names, sorted; the ordinal table
// beside it holds as many u16 indices into the address table (not biased by OrdinalBase).
struct ExportDirectory {
  U32 ExportFlags;
  U32 TimeDateStamp;
  U16 MajorVersion;
  U16 MinorVersion;
  U32 NameRVA;  // the DLL's name
  U32 OrdinalBase;
  U32 AddressTableEntries;
  U32 NumberOfNamePointers;
  U32 ExportAddressTableRVA;
  U32 NamePointerRVA;
  U32 OrdinalTableRVA;
};

static_assert(sizeof(FileHeader) == 20 && sizeof(SectionHeader) == 40 && sizeof(Symbol) == 18);
static_assert(sizeof(DataDirectory) == 8 && sizeof(ExportDirectory) == 40);
static_assert(sizeof(OptionalHeader32) == 96 && sizeof(OptionalHeader64) == 112);
static_assert(alignof(Symbol) == 1 && alignof(OptionalHeader64) == 1);

}  // namespace mblob::coff
