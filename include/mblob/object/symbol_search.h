// Finding symbols, and the blob symbols in particular, in any object file, library or archive
// without loading it: the container-independent side of the static readers (`inspect`,
// `verify` and export's check of its own output use it).
//
// Containers: ELF (relocatable, shared, executable; 32/64-bit, both byte orders), COFF objects
// (x86-64, i386, arm64), PE images (DLL, EXE: their exported names), 64-bit Mach-O (objects,
// dylibs, executables), universal (fat) Mach-O files (every slice) and `ar` archives, every ELF,
// COFF or Mach-O member searched. find_symbols dispatches on the file's magic; SymbolLocation
// does not depend on the container.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/bytes.h"
#include "mblob/format/layout.h"

namespace mblob {

// A defined symbol and where its bytes are.
struct SymbolLocation {
  std::string name;       // as in the symbol table
  std::string container;  // "elf64-x86-64", "elf32-hexagon", "pe-x86-64", "mach-o-arm64"
  // The container's machine code (ELF e_machine, COFF Machine, Mach-O cputype).
  std::uint32_t machine = 0;
  // The archive member holding it, "" when not in an archive; in a universal Mach-O file the
  // slice's architecture ("arm64"), "arm64:devc.o" for a member of an archive slice.
  std::string member;
  std::uint64_t offset = 0;  // file offset of the first byte (archive offsets included)
  // ELF: the symbol's st_size (0 when the writer left none). COFF, PE and Mach-O record no sizes:
  // there `size` is the extent, the bytes from `offset` that may belong to the symbol (to the
  // next symbol or the end of the section's raw data), and `size_is_extent` is true. The blob
  // says its own length (its header); a caller checks that against the extent.
  std::uint64_t size = 0;
  bool size_is_extent = false;
  std::string section;  // the name of the section holding it ("" when it has none)
  // i386 COFF objects and Mach-O files spell C names with a leading '_' (C `blob` is `_blob`).
  bool leading_underscore = false;
  // Code (ELF STT_FUNC; Mach-O: in a section of instructions), such as export's registration
  // function mblob_register_<blob symbol>: never a blob.
  bool function = false;

  // The name as C spells it: `name` without the i386 COFF or Mach-O underscore.
  std::string_view c_name() const {
    return std::string_view(name).substr(leading_underscore && !name.empty() ? 1 : 0);
  }
};

// The name of the symbol's machine ("x86-64", "aarch64", "hexagon", ...), whatever its container.
std::string machine_name(const SymbolLocation& loc);

// Every defined symbol whose name `wanted` accepts (`wanted` sees the name as the file spells
// it: `_blob` in an i386 COFF object), with its bytes located in `file`. In a PE image the
// symbols are its exported names (forwarders skipped). A symbol found in both .symtab and
// .dynsym is listed once. `where` names the file in errors. Throws Error when the container is
// malformed, unsupported (32-bit or big-endian Mach-O, /bigobj COFF, thin archives), or a wanted
// symbol has no bytes in the file. Members of an archive that are neither ELF, COFF nor Mach-O
// objects (e.g. the short import objects of a mingw import library) are skipped.
std::vector<SymbolLocation> find_symbols(ByteView file, const std::string& where,
                                         const std::function<bool(std::string_view)>& wanted);

// A blob symbol: any prefix, then one of blob_symbol_names() (format/layout.h), matched on the
// C name (SymbolLocation::c_name: an i386 COFF object's leading '_' is not part of the prefix).
// mingw's `.refptr.<blob symbol>` pointers in COFF objects are not blob symbols.
struct BlobSymbol {
  SymbolLocation location;
  std::string prefix;  // "" for a plain library; a system-lib prefix such as "llama_"
  std::string base;    // the base name, e.g. "__tvm_ffi__library_bin"
  Format format = Format::ffi;
};

// The blob base name `name` ends with (any prefix before it), or nullptr.
const BlobSymbolName* blob_symbol_base(std::string_view name);

// Every blob symbol in `file`, functions excepted (an archive of several models lists each prefix).
std::vector<BlobSymbol> find_blob_symbols(ByteView file, const std::string& where);

}  // namespace mblob
