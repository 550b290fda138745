// The native COFF object writer: a blob becomes a COFF object (mingw `.o`, MSVC `.obj`) defining
// one external data symbol, for the COFF rows of the target table (x86-64, i386, arm64), with
// no toolchain. Constants and structures: object/coff.h (the PE/COFF specification).
//
// File layout (everything after the payload depends on its size, so a stream of unknown length
// needs only the file header patched once it ends):
//
//   offset 0            file header (20 bytes): Machine, TimeDateStamp 0, PointerToSymbolTable
//   20                  section table (40 bytes each), in this order:
//                         [1] data: .rdata (or ObjectSpec::section), initialized, read-only
//                             (+ MEM_WRITE for the .data family), IMAGE_SCN_ALIGN_<align>BYTES
//                         [2] .rdata$<symbol>_size (ObjectSpec::size_symbol only): 8 bytes,
//                             8-aligned; the linker merges it into .rdata
//                         [n] .drectve (unless the visibility is hidden): LNK_INFO | LNK_REMOVE
//   data_offset         payload (data_offset = headers rounded up to min(align, 4096); payloads
//                       of 1 MiB or more start at 64 KiB, as in the ELF writer)
//   after the payload   [the size section's 8 bytes, little-endian, 8-aligned]
//                       [.drectve text]
//                       symbol table (18 bytes each): <symbol> [, <symbol>_end, <symbol>_size],
//                       all IMAGE_SYM_CLASS_EXTERNAL, then the string table (long names)
//
// Names: i386 spells C names with a leading '_' (`_blob` for C `blob`; the row's symbol_prefix);
// x86-64 and arm64 do not.
// The linker directive exports the C name(s) from a DLL as data: ` -export:<name>,data` for GNU
// linkers (mingw ld, lld in mingw mode), ` /EXPORT:<name>,DATA` for MSVC ones (link.exe,
// lld-link); coff_flavor() says which a target row takes. Hidden visibility writes no directive:
// the symbol links inside the DLL but is not exported. COFF has no protected visibility; it is
// exported like the default one (a DLL's own references never go through its export table).
//
// Limits: section sizes and file offsets are 32-bit, so the payload plus the headers and tables
// must stay below 4 GiB (layout().max_payload); section alignment tops at 8192 bytes
// (IMAGE_SCN_ALIGN_8192BYTES): a larger --align is refused, not lowered, because code relying on
// it would silently get less.
#pragma once

#include <span>
#include <string>

#include "mblob/object/object_writer.h"

namespace mblob {

const ContainerWriter& coff_container_writer();

// The linker conventions a COFF target links with: its triple's environment (`-msvc`: MSVC's
// link.exe / lld-link, `/EXPORT:`; anything else, `-mingw32`/`-gnu`: GNU ld, `-export:`).
enum class CoffFlavor { gnu, msvc };
CoffFlavor coff_flavor(const Target& t);

// The linker directive (.drectve text) that exports `c_names` from a DLL as data, for `flavor`.
std::string coff_export_directive(CoffFlavor flavor, std::span<const std::string> c_names);

}  // namespace mblob
