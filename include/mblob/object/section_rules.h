// Which section names a blob may be put in. One rule for every writer of a blob section: the
// native ELF writer (ObjectSpec::section) and the packers that take a section (asm-incbin).
//
// Refused are names a linker or a stripping tool gives a meaning a blob must not take. Each
// class was checked by linking a 1000-byte blob in an SHF_ALLOC section of that name into a
// shared library with GNU ld, gold, lld and mold (binutils 2.40, LLVM 14/16, mold 1.10):
//   debugging   .debug*, .zdebug*, .stab[.*], .stabstr, .line, .gnu.linkonce.wi.*, .gnu_debuglink,
//               .gnu_debugaltlink: GNU ld places them at address 0 (the link fails on an
//               overlap or the blob is not loaded), lld decompresses .zdebug* (fails), and
//               `strip --strip-debug`, `ld -S` and packaging tools remove them.
//   .gnu.lto_*  GCC's LTO bytecode: GNU ld discards the section (and the symbol with it).
//   .gnu.warning*  GNU ld prints the contents as a warning and drops the section: rc 0, no blob.
//   .comment    not loaded (GNU ld: address 0); lld merges it as strings, which rewrites bytes.
//   .note*      notes (.note.GNU-stack, .note.gnu.property) are read by the linkers.
//   .gnu.linkonce*  kept once per name across all inputs (the pre-COMDAT deduplication).
//   attributes and unwind tables (.gnu.attributes, .ARM.attributes, .riscv.attributes,
//               .ARM.exidx*, .ARM.extab*, .MIPS.abiflags, .reginfo, .mdebug*, .eh_frame_hdr,
//               .gcc_except_table*, .llvm_addrsig, .deplibs): parsed or merged by linkers.
//   the rest    the tables a writer or linker makes (.symtab, .got, .plt, .dynamic, ...),
//               NOBITS/TLS sections (.bss*, .tbss*, .tdata*), relocations (.rel*, .rela*),
//               constructor tables (.init_array*, .ctors*, ...), .init, .fini, .eh_frame.
#pragma once

#include <string>
#include <string_view>

namespace mblob {

// True when `name` is `family` or lies in it: `family` + "." + anything (".rodata" holds
// ".rodata.x" but not ".rodata2"); the relocation family ".rel" also holds ".rela*".
bool section_in_family(std::string_view name, std::string_view family);

// Why a blob must not go into section `name` ("it is a debugging section: linkers do not load
// it ..."), or "" when it may. Only the meaning is checked, not the characters.
std::string blob_section_refusal(std::string_view name);

// Throws Error "section name '<name>' is refused: <why>; use e.g. .rodata or .rodata.<name>",
// with `context` ("asm-incbin: ") in front, unless blob_section_refusal(name) is "".
void check_blob_section(std::string_view name, std::string_view context = "");

}  // namespace mblob
