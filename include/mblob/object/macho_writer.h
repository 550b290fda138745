// The Mach-O container of the object API (object/object_writer.h): a blob becomes a 64-bit
// relocatable object (MH_OBJECT) defining one external data symbol, for the Apple rows of the
// target table (x86_64 and arm64; macOS and iOS), as clang -c would write it.
//
// File layout (the symbol and string tables come before the payload: their size depends only on
// the symbol's name, so the payload is the last thing in the file and a stream of unknown length
// needs only the head rewritten once it ends):
//
//   0      mach_header_64      MH_OBJECT, cputype and cpusubtype of the row (Target::machine,
//                              Target::flags), MH_SUBSECTIONS_VIA_SYMBOLS,
//                              4 load commands:
//   32     LC_SEGMENT_64       unnamed (as compilers write objects), one section_64: the data
//                              section (__TEXT,__const, or ObjectSpec::section "seg,sect"),
//                              addr 0, offset = data_offset, align = log2(align), S_REGULAR
//   184    LC_BUILD_VERSION    platform and minimum OS of the row (Target::platform, min_os),
//                              sdk 0
//   208    LC_SYMTAB           symoff/stroff: the tables below
//   232    LC_DYSYMTAB         no locals; every symbol a defined external; no undefined ones
//   312    symbol table        nlist_64: _<symbol> [, _<symbol>_end, _<symbol>_size], sorted by
//                              name; N_SECT | N_EXT (| N_PEXT for hidden visibility), n_sect 1
//          string table        "\0_<symbol>\0[_<symbol>_end\0_<symbol>_size\0]", padded to 8
//   data_offset  payload       the section's bytes, copied file-to-file (data_offset = the head
//                              rounded up to min(align, 4096); 64 KiB for payloads >= 1 MiB)
//   after the payload          with size_symbol: zeros to 8, then the length as a u64 (the
//                              section holds it after the payload; _<symbol>_size is there)
//
// _<symbol>_end (size_symbol) is N_ALT_ENTRY: it marks the payload's end without starting a
// block of its own, so the linker never separates it from the data under
// MH_SUBSECTIONS_VIA_SYMBOLS.
//
// Size limits: section_64.offset is 32-bit and section_64.size 64-bit, so an object may hold
// more than 4 GiB as long as its data starts below 4 GiB (here it always does). But a linked
// image (dylib, executable) keeps its own 32-bit file offsets (section offsets, LC_SYMTAB, the
// dyld tables) for everything after the data, so none can hold a blob of 4 GiB or more: the
// writer refuses such payloads (ObjectLayout::max_payload) instead of writing an object no
// linker can turn into a library.
#pragma once

#include "mblob/object/object_writer.h"

namespace mblob {

// The Mach-O layout above (write_object dispatches to it).
const ContainerWriter& macho_container_writer();

}  // namespace mblob
