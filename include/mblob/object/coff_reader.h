// Reading COFF objects (mingw and MSVC `.o`/`.obj`) and PE images (DLL, EXE; PE32 and PE32+)
// statically: the defined symbols of an object, the exported names of an image, and the file
// bytes each one names. Layouts and constants: mblob/object/coff.h.
//
// The input is untrusted. Every read goes through core's Reader (bounds-checked, overflow-safe),
// tables are checked against the bytes that hold them before they are walked, nothing is
// allocated in proportion to a count the file claims, and errors name the file, the offset and
// the rule broken ("<where>: at offset N: ...").
//
// Sizes: neither container records one.
// * Object: a defined external symbol (StorageClass IMAGE_SYM_CLASS_EXTERNAL, SectionNumber > 0)
//   lies Value bytes into its section's raw data (file offset PointerToRawData + Value). Its
//   extent is the bytes up to the next symbol of the same section (any storage class, Value
//   greater than its own) or to the end of the section's raw data: an upper bound of the
//   object's size, not its size. A symbol in a section without raw data (uninitialized data,
//   .bss) is refused.
// * Image: an exported name's RVA (through the name pointer, ordinal and address tables) lies
//   in a section's raw data; its extent is the rest of that section's raw data. An RVA in the
//   zero-filled part of a section (past SizeOfRawData, within VirtualSize) is refused; an RVA
//   inside the export directory is a forwarder ("OTHER.dll.name"), not data, and is skipped.
// Callers that know what the bytes are (a blob says its own length in its header) take the
// exact size from them.
//
// Names are reported as the file spells them. On i386, C names in an object's symbol table carry
// a leading '_' (`_blob` for C `blob`); export names in an image do not (linkers strip it). The
// caller decides (symbol_search.h: SymbolLocation::c_name).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/bytes.h"
#include "mblob/object/coff.h"

namespace mblob::coff {

// A defined symbol or export, and the file bytes that may hold it.
struct LocatedSymbol {
  std::string name;
  std::uint64_t offset = 0;  // file offset of the first byte
  std::uint64_t extent = 0;  // bytes from `offset` that may belong to it (an upper bound)
  std::string section;       // the name of the section holding it
};

// True when `file` starts like a COFF object of a machine mblob reads (I386, AMD64, ARM64) or a
// /bigobj object (which the reader refuses clearly). Short import objects of mingw import
// libraries (Sig1 0, Sig2 0xffff, Version 0) are not objects.
bool has_object_magic(ByteView file);
// True when `file` starts with "MZ" (a DOS stub, as every PE image has).
bool has_image_magic(ByteView file);

// A COFF object: header, section table, symbol and string tables, read once. `file` must outlive
// it. Throws Error on a malformed file.
class ObjectFile {
 public:
  ObjectFile(ByteView file, std::string where);

  std::uint16_t machine() const { return machine_; }
  // Calls `fn` for every defined external symbol whose name `wanted` accepts, in table order.
  // Throws for a wanted symbol with no bytes in the file.
  void for_each_symbol(const std::function<bool(std::string_view)>& wanted,
                       const std::function<void(const LocatedSymbol&)>& fn) const;

 private:
  // The name of symbol record `index`: a view into the file (the record or the string table).
  std::string_view symbol_name(std::size_t index) const;
  std::string section_name(std::size_t index) const;
  LocatedSymbol locate(std::string_view name, const Symbol& s, std::uint64_t at,
                       const std::vector<std::uint64_t>& bounds) const;

  ByteView file_;
  std::string where_;
  std::uint16_t machine_ = 0;
  ByteView sections_;  // NumberOfSections x SectionHeader
  ByteView symbols_;   // NumberOfSymbols x Symbol
  std::uint64_t symbols_at_ = 0;
  ByteView strings_;  // the string table, its size field included
  std::uint64_t strings_at_ = 0;
};

// A PE image: headers, section table and export directory, read once. `file` must outlive it.
// Throws Error on a malformed file.
class ImageFile {
 public:
  ImageFile(ByteView file, std::string where);

  std::uint16_t machine() const { return machine_; }
  bool pe32_plus() const { return pe32_plus_; }
  // Calls `fn` for every exported name `wanted` accepts, in name-table order, with the bytes
  // its RVA names. Forwarders are skipped; an export with no bytes in the file throws.
  void for_each_export(const std::function<bool(std::string_view)>& wanted,
                       const std::function<void(const LocatedSymbol&)>& fn) const;

 private:
  struct Place {
    std::uint64_t offset;  // file offset
    std::uint64_t left;    // raw bytes from there to the end of the section
    std::string section;   // its name
  };
  // The file bytes of `rva`; throws (naming `what`) when it is in no section's raw data.
  Place place(std::uint32_t rva, const char* what) const;
  std::string_view string_at(std::uint32_t rva, const char* what) const;

  ByteView file_;
  std::string where_;
  std::uint16_t machine_ = 0;
  bool pe32_plus_ = false;
  ByteView sections_;
  std::uint64_t sections_at_ = 0;
  DataDirectory exports_{};
};

// The BFD name of the container, as `objdump -f` prints it: "pe-x86-64", "pe-i386",
// "pe-aarch64-little" for objects, "pei-..." for images; "pe-machine-0x1c4" for others.
std::string container_name(std::uint16_t machine, bool image);

// The machine's name as elf::machine_name spells the same machine: "x86-64", "x86", "aarch64",
// "arm"; "COFF machine 0x..." for others.
std::string machine_name(std::uint16_t machine);

}  // namespace mblob::coff
