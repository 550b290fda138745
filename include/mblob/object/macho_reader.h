// Reading Mach-O files statically: objects (MH_OBJECT), dylibs, bundles and executables of the
// 64-bit little-endian architectures (x86_64, arm64, arm64e), and the slices of universal (fat)
// files. Layouts and constants: mblob/object/macho.h.
//
// The input is untrusted. Every read is bounds-checked against the file (overflow-safe), the
// load commands are walked inside `sizeofcmds` and each one inside its own `cmdsize`, tables are
// checked against the bytes that hold them before they are walked, nothing is allocated in
// proportion to a count the file claims beyond the bytes that hold it, and errors name the file,
// the offset and the field ("<where>: at offset N: ...").
//
// Symbols come from LC_SYMTAB. A defined symbol (n_type & N_TYPE == N_SECT, not a debugging
// N_STAB entry) has the address n_value in section n_sect (1-based over every segment's
// sections, in load-command order); its bytes are at the section's file offset plus
// (n_value - addr). Zero-fill sections (S_ZEROFILL ...) have no bytes in the file: a symbol there
// is refused. Mach-O records no symbol sizes: a symbol's extent is the bytes up to the next
// symbol of the same section with a greater address, or to the section's end (an upper bound; a
// writer that marks the end of data with an N_ALT_ENTRY symbol, as mblob's does, makes it exact).
//
// Images (dylibs, bundles, executables) also list what they export in dyld's export trie
// (LC_DYLD_INFO[_ONLY] export_off/export_size, or LC_DYLD_EXPORTS_TRIE), which `strip` and
// `llvm-strip` keep when they drop LC_SYMTAB's entries: an exported symbol the symbol table
// lacks is found there. A trie entry's address is relative to the image's base (the vmaddr of
// the segment that maps file offset 0); re-exports, absolute and thread-local entries have no
// bytes in the file and are skipped. The trie is walked without recursion, each node at most
// once (a cycle is an error), with names of at most 64 KiB and no empty edges.
//
// Refused with a clear error: 32-bit (MH_MAGIC) and big-endian (PowerPC) Mach-O files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/bytes.h"

namespace mblob::macho {

// A defined symbol and the file bytes that may hold it (offsets relative to the thin file).
struct LocatedSymbol {
  std::string name;          // as the file spells it (C names start with '_')
  std::uint64_t offset = 0;  // file offset of the first byte
  std::uint64_t extent = 0;  // bytes from `offset` that may belong to it (an upper bound)
  std::string section;       // "__TEXT,__const"
  bool external = false;     // N_EXT (private externs included)
  bool code = false;         // in a section of instructions (S_ATTR_*_INSTRUCTIONS): a function
};

// True when `file` starts with a thin Mach-O magic (32/64-bit, either byte order).
bool has_macho_magic(ByteView file);
// True when `file` starts like a universal file: FAT_MAGIC_64, or FAT_MAGIC with fewer than 43
// slices (FAT_MAGIC is also a Java class file's magic, whose next field is a version >= 45).
bool has_fat_magic(ByteView file);

// One thin Mach-O file: header, load commands, sections and symbol table, read once. `file` must
// outlive it. Throws Error on a malformed or unsupported file.
class MachOFile {
 public:
  MachOFile(ByteView file, std::string where);

  std::uint32_t cputype() const { return cputype_; }
  std::uint32_t cpusubtype() const { return cpusubtype_; }
  std::uint32_t filetype() const { return filetype_; }

  // Calls `fn` for every defined symbol whose name `wanted` accepts, in table order. Throws for
  // a wanted symbol with no bytes in the file or a malformed symbol table.
  void for_each_symbol(const std::function<bool(std::string_view)>& wanted,
                       const std::function<void(const LocatedSymbol&)>& fn) const;

 private:
  struct Section {
    std::string name;  // "segname,sectname"
    std::uint64_t addr = 0, size = 0;
    std::uint32_t offset = 0, flags = 0;
    std::uint64_t header_at = 0;  // file offset of its section_64 record
  };
  struct Export {
    std::string name;
    std::uint64_t address = 0;  // relative to the image base
    std::uint64_t at = 0;       // file offset of its trie node
  };
  void read_segment(std::uint64_t at, std::uint32_t cmdsize);
  void read_symtab(std::uint64_t at, std::uint32_t cmdsize);
  void read_export_trie(std::uint64_t at, std::uint32_t cmd, std::uint32_t cmdsize);
  struct Exports {
    std::vector<std::uint64_t> addresses;  // every regular export's (to bound extents)
    std::vector<Export> wanted;            // the ones `wanted` accepts
  };
  Exports trie_exports(const std::function<bool(std::string_view)>& wanted) const;
  std::uint64_t trie_number(std::uint64_t& p, std::uint64_t end) const;
  // The 1-based index of the section holding `vmaddr` with bytes in the file, or 0.
  std::size_t section_at(std::uint64_t vmaddr) const;
  LocatedSymbol locate_export(const Export& e, const std::vector<std::uint64_t>& next) const;
  LocatedSymbol in_section(std::string_view name, std::size_t sect, std::uint64_t rel,
                           const std::vector<std::uint64_t>& next) const;
  std::string_view symbol_name(std::uint32_t strx, std::uint64_t at) const;
  LocatedSymbol locate(std::string_view name, std::uint8_t sect, std::uint64_t value,
                       std::uint64_t at, const std::vector<std::uint64_t>& next) const;

  ByteView file_;
  std::string where_;
  std::uint32_t cputype_ = 0, cpusubtype_ = 0, filetype_ = 0;
  std::vector<Section> sections_;  // at most 255 can be named by n_sect; more are kept
  bool has_symtab_ = false;
  ByteView symbols_;  // nsyms x nlist_64
  std::uint64_t symbols_at_ = 0;
  ByteView strings_;
  std::uint64_t strings_at_ = 0;
  ByteView trie_;  // the export trie (empty: none)
  std::uint64_t trie_at_ = 0;
  std::uint64_t image_base_ = 0;  // vmaddr of the segment mapping file offset 0
};

// One slice of a universal file.
struct FatSlice {
  std::uint32_t cputype = 0, cpusubtype = 0;
  std::string arch;          // "x86_64", "arm64", "arm64e" (arch_name)
  std::uint64_t offset = 0;  // file offset of the slice
  ByteView data;             // the slice: a thin Mach-O file or an ar archive
};

// Calls `fn` for every slice, in table order. Throws Error naming the file, the record's offset
// and the field when the header or a record is malformed or a slice lies outside the file.
void for_each_fat_slice(ByteView file, const std::string& where,
                        const std::function<void(const FatSlice&)>& fn);

// The architecture as Apple's tools spell it ("x86_64", "arm64", "arm64e"; "cputype 0x..." for
// others): the name of a universal file's slice.
std::string arch_name(std::uint32_t cputype, std::uint32_t cpusubtype);
// The container as BFD names it: "mach-o-x86-64", "mach-o-arm64"; "mach-o-cputype-0x..." else.
std::string container_name(std::uint32_t cputype);
// The machine as elf::machine_name spells the same machine: "x86-64", "aarch64", "x86", "arm".
std::string machine_name(std::uint32_t cputype);

}  // namespace mblob::macho
