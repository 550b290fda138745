// Finding symbols, and the blob symbols in particular, in any object file, library or archive
// without loading it: the container-independent side of the static readers (`inspect`,
// `verify` and export's check of its own output use it).
//
// Containers: ELF (relocatable, shared, executable; 32/64-bit, both byte orders) and `ar`
// archives, every member searched. A Mach-O or COFF reader slots in here: find_symbols
// dispatches on the file's magic, and SymbolLocation does not depend on the container.
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
  std::string name;           // as in the symbol table
  std::string container;      // "elf64-x86-64", "elf32-hexagon", "elf64-powerpc" (big-endian)
  std::uint16_t machine = 0;  // the container's machine code (ELF e_machine)
  std::string member;         // the archive member holding it; "" when not in an archive
  std::uint64_t offset = 0;   // file offset of the first byte (archive offsets included)
  std::uint64_t size = 0;     // the symbol's size (ELF st_size)
  std::string section;        // the name of the section holding it ("" when it has none)
  bool function = false;      // code (ELF STT_FUNC), such as export's registration function
                              // mblob_register_<blob symbol>: never a blob
};

// Every defined symbol whose name `wanted` accepts, with its bytes located in `file`. A symbol
// found in both .symtab and .dynsym is listed once. `where` names the file in errors. Throws
// Error when the container is malformed, unsupported (Mach-O, COFF, thin archives), or a wanted
// symbol has no bytes in the file. Members of an archive that are not ELF are skipped.
std::vector<SymbolLocation> find_symbols(ByteView file, const std::string& where,
                                         const std::function<bool(std::string_view)>& wanted);

// A blob symbol: any prefix, then one of blob_symbol_names() (format/layout.h).
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
