// Mach-O: the constants and on-disk structures of Apple's object file format (<mach-o/loader.h>,
// <mach-o/nlist.h>, <mach-o/fat.h>), for the 64-bit little-endian files of every current Apple
// architecture (x86_64, arm64), and the universal ("fat") wrapper that holds several of them.
//
// Every spec constant is the header's name with a `k` in front (kMH_MAGIC_64, kLC_SEGMENT_64):
// searchable by Apple's name, and never the same token as the system headers' macros, so this
// header and <mach-o/loader.h> can share a translation unit. The structs mirror the file byte for
// byte (fields are EndianField, alignment 1); their sizes are checked at the end.
//
// Layout of a thin 64-bit file: mach_header_64 (32 bytes) | `ncmds` load commands, `sizeofcmds`
// bytes in all, each starting with {cmd, cmdsize} and a multiple of 8 bytes long | the data the
// commands point at (section contents, symbol and string tables). A segment command
// (LC_SEGMENT_64, 72 bytes) is followed by its `nsects` section_64 records (80 bytes each).
// Symbols (LC_SYMTAB) are nlist_64 records (16 bytes): a string-table offset, a type byte, the
// section's 1-based ordinal over all segments' sections (n_sect), n_desc and the value (an
// address; in an object, relative to the object's address 0). Nothing records a symbol's size.
//
// Layout of a universal file: fat_header (8 bytes, big-endian like everything in the wrapper),
// then `nfat_arch` fat_arch records (20 bytes; 32 bytes as fat_arch_64 under FAT_MAGIC_64), each
// naming one slice: a whole thin file (or an `ar` archive of them) at `offset`, `size` bytes.
#pragma once

#include <cstdint>
#include <type_traits>

#include "mblob/object/endian_field.h"

namespace mblob::macho {

using U16 = EndianField<std::uint16_t, Endian::little>;
using U32 = EndianField<std::uint32_t, Endian::little>;
using U64 = EndianField<std::uint64_t, Endian::little>;
using BE32 = EndianField<std::uint32_t, Endian::big>;
using BE64 = EndianField<std::uint64_t, Endian::big>;

// ---- mach_header(_64).magic, read as a little-endian u32 (CIGAM: the other byte order)
inline constexpr std::uint32_t kMH_MAGIC = 0xfeedface;  // 32-bit
inline constexpr std::uint32_t kMH_CIGAM = 0xcefaedfe;
inline constexpr std::uint32_t kMH_MAGIC_64 = 0xfeedfacf;  // 64-bit
inline constexpr std::uint32_t kMH_CIGAM_64 = 0xcffaedfe;

// ---- fat_header.magic, read as a big-endian u32
inline constexpr std::uint32_t kFAT_MAGIC = 0xcafebabe;     // fat_arch records (32-bit offsets)
inline constexpr std::uint32_t kFAT_MAGIC_64 = 0xcafebabf;  // fat_arch_64 records

// ---- cputype / cpusubtype
inline constexpr std::uint32_t kCPU_ARCH_ABI64 = 0x01000000;
inline constexpr std::uint32_t kCPU_TYPE_X86 = 7;
inline constexpr std::uint32_t kCPU_TYPE_X86_64 = kCPU_TYPE_X86 | kCPU_ARCH_ABI64;
inline constexpr std::uint32_t kCPU_TYPE_ARM = 12;
inline constexpr std::uint32_t kCPU_TYPE_ARM64 = kCPU_TYPE_ARM | kCPU_ARCH_ABI64;
inline constexpr std::uint32_t kCPU_TYPE_POWERPC = 18;
inline constexpr std::uint32_t kCPU_SUBTYPE_X86_64_ALL = 3;
inline constexpr std::uint32_t kCPU_SUBTYPE_ARM64_ALL = 0;
inline constexpr std::uint32_t kCPU_SUBTYPE_ARM64E = 2;
inline constexpr std::uint32_t kCPU_SUBTYPE_MASK = 0xff000000;  // capability bits (LIB64, PTRAUTH)

// ---- filetype
inline constexpr std::uint32_t kMH_OBJECT = 0x1;  // relocatable object
inline constexpr std::uint32_t kMH_EXECUTE = 0x2;
inline constexpr std::uint32_t kMH_DYLIB = 0x6;
inline constexpr std::uint32_t kMH_BUNDLE = 0x8;

// ---- mach_header flags
inline constexpr std::uint32_t kMH_NOUNDEFS = 0x1;
// The object's sections may be split into blocks at each (non-alt-entry) symbol; what lets the
// linker dead-strip and order per symbol. Every object a current compiler writes sets it.
inline constexpr std::uint32_t kMH_SUBSECTIONS_VIA_SYMBOLS = 0x2000;

// ---- Load commands (cmd)
inline constexpr std::uint32_t kLC_REQ_DYLD = 0x80000000;
inline constexpr std::uint32_t kLC_SEGMENT = 0x1;
inline constexpr std::uint32_t kLC_SYMTAB = 0x2;
inline constexpr std::uint32_t kLC_DYSYMTAB = 0xb;
inline constexpr std::uint32_t kLC_ID_DYLIB = 0xd;
inline constexpr std::uint32_t kLC_SEGMENT_64 = 0x19;
inline constexpr std::uint32_t kLC_UUID = 0x1b;
inline constexpr std::uint32_t kLC_VERSION_MIN_MACOSX = 0x24;
inline constexpr std::uint32_t kLC_VERSION_MIN_IPHONEOS = 0x25;
inline constexpr std::uint32_t kLC_BUILD_VERSION = 0x32;
inline constexpr std::uint32_t kLC_DYLD_INFO = 0x22;
inline constexpr std::uint32_t kLC_DYLD_INFO_ONLY = 0x22 | kLC_REQ_DYLD;
inline constexpr std::uint32_t kLC_DYLD_EXPORTS_TRIE = 0x33 | kLC_REQ_DYLD;

// ---- Export trie terminal flags (dyld's export trie: what a dylib exports, by name)
inline constexpr std::uint64_t kEXPORT_SYMBOL_FLAGS_KIND_MASK = 0x03;
inline constexpr std::uint64_t kEXPORT_SYMBOL_FLAGS_KIND_REGULAR = 0x00;
inline constexpr std::uint64_t kEXPORT_SYMBOL_FLAGS_REEXPORT = 0x08;
inline constexpr std::uint64_t kEXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER = 0x10;

// ---- build_version_command.platform
inline constexpr std::uint32_t kPLATFORM_MACOS = 1;
inline constexpr std::uint32_t kPLATFORM_IOS = 2;
inline constexpr std::uint32_t kPLATFORM_IOSSIMULATOR = 7;

// A version as LC_BUILD_VERSION stores it: xxxx.yy.zz in nibbles, major << 16 | minor << 8 | patch.
constexpr std::uint32_t version(std::uint32_t major, std::uint32_t minor, std::uint32_t patch = 0) {
  return major << 16 | (minor & 0xff) << 8 | (patch & 0xff);
}

// ---- vm_prot_t
inline constexpr std::uint32_t kVM_PROT_READ = 0x1, kVM_PROT_WRITE = 0x2, kVM_PROT_EXECUTE = 0x4;

// ---- section_64.flags: type (low byte) | attributes
inline constexpr std::uint32_t kSECTION_TYPE = 0x000000ff;
inline constexpr std::uint32_t kS_REGULAR = 0x0;
inline constexpr std::uint32_t kS_ZEROFILL = 0x1;  // no bytes in the file
inline constexpr std::uint32_t kS_GB_ZEROFILL = 0xc;
inline constexpr std::uint32_t kS_THREAD_LOCAL_ZEROFILL = 0x12;
inline constexpr std::uint32_t kS_ATTR_PURE_INSTRUCTIONS = 0x80000000;  // only instructions
inline constexpr std::uint32_t kS_ATTR_SOME_INSTRUCTIONS = 0x00000400;

// ---- nlist_64.n_type: N_STAB bits (debugging entries) | N_PEXT | N_TYPE | N_EXT
inline constexpr std::uint8_t kN_STAB = 0xe0;
inline constexpr std::uint8_t kN_PEXT = 0x10;  // private external: hidden outside the linkage unit
inline constexpr std::uint8_t kN_TYPE = 0x0e;
inline constexpr std::uint8_t kN_EXT = 0x01;
inline constexpr std::uint8_t kN_UNDF = 0x0, kN_ABS = 0x2, kN_SECT = 0xe, kN_INDR = 0xa;
inline constexpr std::uint8_t kNO_SECT = 0;
inline constexpr std::uint8_t kMAX_SECT = 255;
// ---- nlist_64.n_desc
// The symbol is an alternate entry into the block before it: it does not start a block of its
// own under MH_SUBSECTIONS_VIA_SYMBOLS (how a symbol marks the end of data without splitting it).
inline constexpr std::uint16_t kN_ALT_ENTRY = 0x0200;

// ---- Structures

struct MachHeader64 {  // mach_header_64
  U32 magic;
  U32 cputype;
  U32 cpusubtype;
  U32 filetype;
  U32 ncmds;
  U32 sizeofcmds;
  U32 flags;
  U32 reserved;
};

struct LoadCommand {  // load_command: the start of every command
  U32 cmd;
  U32 cmdsize;
};

struct SegmentCommand64 {  // segment_command_64; followed by nsects Section64
  U32 cmd;
  U32 cmdsize;
  char segname[16];
  U64 vmaddr;
  U64 vmsize;
  U64 fileoff;
  U64 filesize;
  U32 maxprot;
  U32 initprot;
  U32 nsects;
  U32 flags;
};

// section_64. `offset` (the file offset of the contents) is 32-bit while `size` is 64-bit:
// a section may be larger than 4 GiB but must start in the first 4 GiB of the file.
struct Section64 {
  char sectname[16];
  char segname[16];
  U64 addr;
  U64 size;
  U32 offset;
  U32 align;  // log2 of the alignment
  U32 reloff;
  U32 nreloc;
  U32 flags;
  U32 reserved1;
  U32 reserved2;
  U32 reserved3;
};

struct SymtabCommand {  // symtab_command: 32-bit offsets
  U32 cmd;
  U32 cmdsize;
  U32 symoff;
  U32 nsyms;
  U32 stroff;
  U32 strsize;
};

// dysymtab_command: the symbol table's partition into locals, defined externals and undefined
// externals (in that order), plus tables an object leaves empty.
struct DysymtabCommand {
  U32 cmd;
  U32 cmdsize;
  U32 ilocalsym;
  U32 nlocalsym;
  U32 iextdefsym;
  U32 nextdefsym;
  U32 iundefsym;
  U32 nundefsym;
  U32 tocoff;
  U32 ntoc;
  U32 modtaboff;
  U32 nmodtab;
  U32 extrefsymoff;
  U32 nextrefsyms;
  U32 indirectsymoff;
  U32 nindirectsyms;
  U32 extreloff;
  U32 nextrel;
  U32 locreloff;
  U32 nlocrel;
};

// dyld_info_command (LC_DYLD_INFO, LC_DYLD_INFO_ONLY): offsets into __LINKEDIT; export_off and
// export_size locate the export trie.
struct DyldInfoCommand {
  U32 cmd;
  U32 cmdsize;
  U32 rebase_off;
  U32 rebase_size;
  U32 bind_off;
  U32 bind_size;
  U32 weak_bind_off;
  U32 weak_bind_size;
  U32 lazy_bind_off;
  U32 lazy_bind_size;
  U32 export_off;
  U32 export_size;
};

// linkedit_data_command (LC_DYLD_EXPORTS_TRIE and others): a blob of __LINKEDIT.
struct LinkeditDataCommand {
  U32 cmd;
  U32 cmdsize;
  U32 dataoff;
  U32 datasize;
};

struct BuildVersionCommand {  // build_version_command; followed by ntools build_tool_version
  U32 cmd;
  U32 cmdsize;
  U32 platform;
  U32 minos;
  U32 sdk;  // 0: not known
  U32 ntools;
};

struct Nlist64 {  // nlist_64
  U32 n_strx;
  std::uint8_t n_type;
  std::uint8_t n_sect;
  U16 n_desc;
  U64 n_value;
};

struct FatHeader {  // fat_header (big-endian)
  BE32 magic;
  BE32 nfat_arch;
};

struct FatArch {  // fat_arch (big-endian)
  BE32 cputype;
  BE32 cpusubtype;
  BE32 offset;
  BE32 size;
  BE32 align;  // log2
};

struct FatArch64 {  // fat_arch_64 (big-endian)
  BE32 cputype;
  BE32 cpusubtype;
  BE64 offset;
  BE64 size;
  BE32 align;
  BE32 reserved;
};

static_assert(sizeof(MachHeader64) == 32 && sizeof(LoadCommand) == 8);
static_assert(sizeof(SegmentCommand64) == 72 && sizeof(Section64) == 80);
static_assert(sizeof(SymtabCommand) == 24 && sizeof(DysymtabCommand) == 80);
static_assert(sizeof(DyldInfoCommand) == 48 && sizeof(LinkeditDataCommand) == 16);
static_assert(sizeof(BuildVersionCommand) == 24 && sizeof(Nlist64) == 16);
static_assert(sizeof(FatHeader) == 8 && sizeof(FatArch) == 20 && sizeof(FatArch64) == 32);
static_assert(alignof(Section64) == 1 && std::is_trivially_copyable_v<Nlist64>);

}  // namespace mblob::macho
