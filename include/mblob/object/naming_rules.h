// The rules for what a blob may be called and where it may go, per container: symbol names,
// section names, alignment and the large-data section. One home for every writer of a blob:
// the native writers (object_writer.cc and each container's validate), the packers that write
// text for another tool (asm-incbin, c-embed, c-hex, objcopy) and export. So a name one of them
// takes, all of them take, and they refuse the same names with the same reason.
//
// Symbol names (the C name; a container's prefix, "_" on Mach-O and i386 COFF, comes after):
//   letters, digits, '_', '$' and, where the name only goes into an object or assembler source,
//   '.'; not starting with a digit; at most 4096 characters. Where the name is also written in
//   generated C (c-hex, c-embed, export's registration code) it must be a C identifier: no '.'.
//
// Section names, characters (what keeps every tool's reading of the name the same):
//   ELF     letters, digits, '_', '.', '$' and '-', at most 256: GNU as and LLVM's assembler
//           both read an unquoted ELF section name up to a comma or blank (every object has
//           `.note.GNU-stack`), and names like `.rodata.my-model` are common.
//   COFF    letters, digits, '_', '.' and '$', at most 256: GNU as reads a COFF section name
//           as a symbol name, which '-' ends; '$' is COFF's grouping (`.rdata$blob` is merged
//           into .rdata, ordered by the text after '$').
//   Mach-O  "segment,section", each 1 to 16 of letters, digits, '_', '.' and '$': the header
//           holds each in a 16-byte field.
//
// Section names, meaning: refused are names a linker or a stripping tool gives a meaning a blob
// must not take. ELF: each class was checked by linking a 1000-byte blob in an SHF_ALLOC
// section of that name into a shared library with GNU ld, gold, lld and mold (binutils 2.40,
// LLVM 14/16, mold 1.10):
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
// COFF: .drectve (linker directives), .debug* (CodeView), .idata/.edata (the import and export
// tables), .pdata/.xdata (unwind tables), .reloc, .tls, .CRT (start-up tables), .bss (each
// also with a '$' group suffix). Mach-O: the __DWARF, __LINKEDIT, __PAGEZERO and __LD segments,
// zero-fill, thread-local, constructor, unwind and symbol-pointer sections, __interpose (dyld
// interposing), __cstring (merged strings) and __objc_* (Objective-C metadata).
//
// Alignment: a power of two from 1 up to the container's most: 1 GiB for ELF and Mach-O
// (sh_addralign and the align exponent hold more; 1 GiB bounds the padding), 8192 for COFF (the
// largest IMAGE_SCN_ALIGN_* a section header can state).
//
// Large data (x86-64 ELF): without an explicit section, a payload over the threshold (or any
// payload with `large`) goes to the target's large section (.lrodata + SHF_X86_64_LARGE); an
// explicit section is large when `large` is asked or its name is in the large section's family.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "mblob/object/target.h"

namespace mblob {

// ---- symbols ----

inline constexpr std::size_t kMaxSymbolLength = 4096;

// Where a symbol name is written.
enum class SymbolUse {
  object,        // an object's symbol table or assembler source: '.' allowed
  c_identifier,  // also generated C source: a C identifier (no '.')
};

// Throws Error "<context>invalid symbol name ..." unless `name` follows the symbol rule.
void check_symbol_name(std::string_view name, SymbolUse use, std::string_view context = "");

// ---- sections ----

inline constexpr std::size_t kMaxSectionLength = 256;

// True when `name` is `family` or lies in it: `family` + "." + anything (".rodata" holds
// ".rodata.x" but not ".rodata2"); the relocation family ".rel" also holds ".rela*".
bool section_in_family(std::string_view name, std::string_view family);

// Why a blob must not go into section `name` of container `c` ("it is a debugging section:
// linkers do not load it ..."), or "" when it may. Only the meaning is checked, not the
// characters.
std::string blob_section_refusal(std::string_view name, Container c = Container::elf);

// Throws Error "<context>..." unless `name` is a section name of container `c` (characters,
// length) that a blob may take (meaning).
void check_section_name(std::string_view name, Container c, std::string_view context = "");

// Where a blob goes: the section and whether it is the target's large section.
struct BlobSection {
  std::string name;
  bool large = false;     // the target's large section (ELF: add large_flags to sh_flags)
  bool writable = false;  // a .data or .ldata family name (ELF: SHF_WRITE)
};

// The section rule above for a payload of `size` bytes; `section` empty = the target's default.
// Throws Error when `large` is asked of a target without a large section.
BlobSection blob_section(const Target& t, std::string_view section, bool large, std::uint64_t size,
                         std::uint64_t large_threshold);

// ---- alignment ----

// The largest alignment a blob may ask for in container `c`.
std::uint64_t max_alignment(Container c);

// Throws Error unless `align` is a power of two from 1 to max_alignment(c). `context`
// ("asm-incbin: ", "--align: ") goes in front of the message.
void check_alignment(std::uint64_t align, Container c, std::string_view context = "");
// The same for every container at once (before a target is known): 1 to 1 GiB.
void check_alignment(std::uint64_t align, std::string_view context = "");

}  // namespace mblob
