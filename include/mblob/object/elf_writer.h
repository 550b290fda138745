// The ELF container of the object API (object/object_writer.h): a blob becomes a relocatable
// object (ET_REL) defining one global data symbol, for any ELF target in the target table.
//
// File layout (everything after the payload depends on its size, so a stream of unknown
// length needs only the ELF header patched once it ends):
//
//   offset 0            ELF header (52 or 64 bytes)
//   data_offset         payload: the data section's bytes, copied file-to-file
//                       (data_offset = header size rounded up to min(align, 4096); payloads
//                       of 1 MiB or more start at 64 KiB, where in-kernel copies run fastest)
//   after the payload   [size section: the payload's length, 8 bytes, 8-aligned]
//                       .symtab  null symbol, <symbol> [, <symbol>_end, <symbol>_size]
//                       .strtab, .shstrtab
//                       section headers: [0] null, [1] data (.rodata / .lrodata / --section),
//                       [2] .note.GNU-stack, [3] .symtab, [4] .strtab, [5] .shstrtab
//                       [, [6] .rodata.<symbol>_size]
//
// write_object writes it through AtomicFile (temp file + rename); the bytes are deterministic:
// no timestamps, no paths, no padding with uninitialized bytes.
#pragma once

#include "mblob/object/object_writer.h"

namespace mblob {

// The ELF layout above, for every class and byte order (write_object dispatches to it).
const ContainerWriter& elf_container_writer();

}  // namespace mblob
