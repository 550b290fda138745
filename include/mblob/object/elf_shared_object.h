// The blob-only shared object: a library (ET_DYN) that holds a blob and a few small data objects
// and no code, written directly for any ELF target in the table, with no compiler and no linker.
//
// It is what a linker would make of data-only objects, reduced to what a dynamic loader reads
// (gABI "Dynamic Section", "Hash Table"; the GNU hash section): symbols are looked up through
// .dynsym with either hash table, and the blob's bytes are a segment of their own, mapped from
// the file, never copied.
//
// File layout (vaddr = file offset in the first segment; P = target.max_page_size):
//
//   ELF header, program headers     PT_LOAD R   [0, headers end)               vaddr = offset
//   .hash .gnu.hash .dynsym .dynstr   (same segment)
//   .rodata.<symbol> per small object (same segment; the digest)
//   .dynamic                        PT_LOAD RW  (own pages: vaddr = offset + P), PT_DYNAMIC
//   zeros up to a multiple of max(64 KiB, P), plus the phase (below)
//   blob (.rodata)                  PT_LOAD R   vaddr = the next P boundary + the phase,
//                                               offset ≡ vaddr mod P
//   .symtab .strtab .shstrtab, section headers (not loaded)
//
// plus PT_GNU_STACK (RW, no X). .dynamic has DT_HASH, DT_GNU_HASH, DT_SYMTAB, DT_STRTAB,
// DT_STRSZ, DT_SYMENT and DT_SONAME (the output's file name). The blob starts at a 64 KiB file
// offset when an alignment is asked for; with none (align 0), that far plus the phase that puts
// its largest payload page-aligned (ByteSource::copy_phase: copy_file_range runs at cp speed
// only then). It is copied with ByteSource::write_to: memory use is the headers only.
// Deterministic; written through AtomicFile.
//
// Refused, with the reason: MIPS (its psABI's loader needs a GOT and DT_MIPS_* tags; link
// instead), non-ELF targets, and an ELF32 file past 4 GiB.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mblob/core/byte_source.h"
#include "mblob/object/object_writer.h"
#include "mblob/object/target.h"

namespace mblob {

// A small read-only data object defined beside the blob (the integrity digest).
struct SharedObjectData {
  std::string symbol;
  std::vector<std::uint8_t> bytes;
  std::uint64_t align = 8;  // power of two, at most 4096
};

struct SharedObjectSpec {
  std::string symbol;              // the blob symbol
  const Target* target = nullptr;  // nullptr = host_target()
  std::string soname;              // DT_SONAME; "" = the output's file name
  // The blob's alignment: a power of two, at most 64 KiB; 0 = none: the blob starts where its
  // largest payload lands page-aligned (ByteSource::copy_phase), copied at cp speed.
  std::uint64_t align = 0;
  std::vector<SharedObjectData> data;
};

struct SharedObjectInfo {
  std::uint64_t payload_size = 0;
  std::uint64_t file_size = 0;
  std::uint64_t blob_offset = 0;  // file offset of the blob's first byte
  std::uint64_t blob_vaddr = 0;   // its address relative to the load base
  std::string section;            // the blob's section (".rodata")
};

// Why the writer does not write a shared object for `target` ("target X: ..."), or "" when it
// does: it writes one for every ELF row but MIPS.
std::string shared_object_refusal(const Target& target);

// Checks a spec without writing anything (also done by write_shared_object). Throws Error.
void validate(const SharedObjectSpec& spec);

// Writes the shared object in steps, for a caller that learns the small objects' bytes while
// the blob is copied (export's digest) and checks the file before it replaces the output:
//   SharedObjectWriter w(spec, blob, out);  // head, blob, tail: the complete file, staged
//   w.set_data("__mblob_digest", digest);    // optional: final bytes of a small object
//   check(w.staged());                       // optional
//   w.commit();                              // renames it onto `out` (or streams it there)
// Destroyed without commit(), it leaves `out` as it was and removes the staged file. A
// character device or FIFO output is staged under $TMPDIR, then streamed.
class SharedObjectWriter {
 public:
  SharedObjectWriter(const SharedObjectSpec& spec, const ByteSource& blob,
                     const std::filesystem::path& out, const WriteOptions& options = {});
  ~SharedObjectWriter();
  SharedObjectWriter(const SharedObjectWriter&) = delete;
  SharedObjectWriter& operator=(const SharedObjectWriter&) = delete;

  // Replaces the bytes of the small object `symbol`; `bytes` has the size given in the spec.
  void set_data(const std::string& symbol, ByteView bytes);
  const std::filesystem::path& staged() const;
  SharedObjectInfo commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the shared object with `blob` as the blob symbol's bytes to `out` (atomically).
SharedObjectInfo write_shared_object(const SharedObjectSpec& spec, const ByteSource& blob,
                                     const std::filesystem::path& out,
                                     const WriteOptions& options = {});

}  // namespace mblob
