// Splicing a blob into a linked ELF shared object, so the linker never copies or maps it.
//
// An export links the host code, the registration and the digest with a *placeholder* object
// (placeholder_assembly below, assembled by the target's compiler driver), then splice_blob
// writes the linked file again with the blob appended:
//
//   linked file (unchanged bytes, headers patched)   | zero gap | blob bytes
//   0 ..................................... size    | .. off   | off .. off + blob size
//
//   off    = the linked file's size rounded up to 64 KiB, plus splice_phase (below): with no
//            alignment asked for, the blob's largest payload then lands page-aligned, so it is
//            copied at cp speed, and the symbol is as aligned as that start is (TVM's own
//            packers align it to 1); with an alignment, the blob starts at the 64 KiB boundary
//   vaddr  = the end of the highest PT_LOAD (p_vaddr + p_memsz) rounded up to max(A, 64 KiB),
//            where A is the largest p_align of the loads, plus off % max(A, 64 KiB); so
//            p_offset == p_vaddr modulo A (the new load's p_align) and the address has the
//            offset's alignment
//
// What the placeholder object holds, and why:
//   * section kPlaceholderSection (".mblob.blob", SHT_PROGBITS, "a"): one byte, defining the
//     blob symbol (STB_GLOBAL, STT_OBJECT, default visibility). The splicer repoints this
//     section header at the blob (sh_offset, sh_addr, sh_size), so no section or string table
//     is added, and gives the symbol its address and size in .dynsym and .symtab. The library's
//     own references go through the GOT (the symbol is preemptible), so the dynamic linker
//     resolves them to the new address.
//   * section kSlotSection (".note.mblob.slot", SHT_NOTE, 16-byte aligned): a dummy note the
//     linker gives a PT_NOTE entry of its own. The splicer turns that entry into the blob's
//     PT_LOAD: e_phnum and e_phoff stay the same, so the program headers stay where the linker
//     put them, inside the first PT_LOAD. (Moving the table to the end of the file, as patchelf
//     does, loads, but GNU strip, objcopy and eu-strip then break the library.) GNU ld, gold and
//     lld give a note whose alignment differs from its neighbours' a PT_NOTE of its own when it
//     is read-only ("a"); mold 1.10 merges every read-only note into one PT_NOTE and gives a
//     separate one only to a writable note ("aw"), while the same writable note makes GNU ld's
//     first segment writable and adds two loads with lld. Hence PlaceholderNote: writable for
//     mold, read-only for the others. The splicer checks that the PT_NOTE it takes covers
//     exactly the slot note and nothing else, so a linker that merges anyway is refused, not
//     corrupted.
//
// Loader rules the result follows (each one checked by splice_blob before it writes):
//   * glibc: PT_LOAD entries in ascending p_vaddr order (the new load goes right after the last
//     load; entries between are shifted down one), p_offset == p_vaddr modulo the page size
//     (modulo A, A >= every load's alignment), p_filesz == p_memsz inside the file.
//   * bionic (ElfReader::FindPhdr / CheckPhdr): the program header table lies inside a loaded
//     segment: the PT_PHDR range (gold, lld, mold), or e_phoff in the PT_LOAD at file offset 0
//     (GNU ld emits no PT_PHDR for -shared), must be covered by a PT_LOAD's file range.
//     The table is not moved, so this holds before and after; it is checked, and a file that
//     breaks it is refused.
//   * The new segment is PF_R only and lies above every other load, so outside PT_GNU_RELRO.
//
// What makes the placeholder's address stick (the library's own code would keep reading the
// one placeholder byte): -Bsymbolic (DT_SYMBOLIC or DF_SYMBOLIC), a hidden or protected blob
// symbol (so it is absent from .dynsym or bound locally), or a dynamic relocation without a
// symbol whose addend points into the placeholder (R_*_RELATIVE). splice_blob refuses these
// with SpliceRefused, naming the reason; the export then links the blob instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mblob/core/byte_source.h"
#include "mblob/core/digest.h"
#include "mblob/core/error.h"
#include "mblob/core/file.h"
#include "mblob/core/progress.h"

namespace mblob {

inline constexpr std::string_view kPlaceholderSection = ".mblob.blob";
inline constexpr std::string_view kSlotSection = ".note.mblob.slot";
// The blob's file offset and address are multiples of this (so --align up to 64 KiB holds).
inline constexpr std::uint64_t kSplicedBlobAlign = std::uint64_t{64} << 10;

enum class PlaceholderNote {
  read_only,  // GNU ld, gold, lld
  writable,   // mold (see above)
};

// The note kind the linker named by the toolchain override `linker` ("bfd", "gold", "lld",
// "mold"; "" = the driver's default, GNU ld) needs.
PlaceholderNote placeholder_note_for_linker(std::string_view linker);

// The placeholder object's assembly source (GNU as syntax, valid for every ELF target GNU as
// and clang accept with `%` type prefixes): the placeholder section with `symbol`, the slot
// note, and an empty .note.GNU-stack. Assembled by the target's compiler driver, so e_flags
// (riscv's float ABI, ...) are the target's.
std::string placeholder_assembly(const std::string& symbol, PlaceholderNote note);

// The file could be spliced by nobody: the placeholder's address would stay in use, or the
// linker left no slot. The caller falls back to linking the blob.
class SpliceRefused : public Error {
 public:
  using Error::Error;
};

struct SpliceRequest {
  std::string symbol;  // the blob symbol the placeholder defines
  // When set: the symbol defined (16 bytes) in the linked file whose bytes are replaced by
  // digest(), which is called after the blob's bytes are written (so a digest computed on
  // another thread overlaps the copy).
  std::string digest_symbol;
  std::function<Digest128()> digest;
  // Called with the finished temporary file before it replaces `out`; throws to refuse it
  // (the previous output stays).
  std::function<void(const std::filesystem::path& staged)> check;
  bool progress = false;  // draw the blob copy's progress on stderr when it is a terminal
  // The blob symbol's alignment: a power of two up to kSplicedBlobAlign, or 0 (see
  // splice_phase).
  std::uint64_t align = 0;
};

// The blob's file offset (and address) modulo 64 KiB in a spliced library: 0 when `align` is
// set; for align 0, blob.copy_phase(), so the blob's largest file range lands page-aligned
// (relative to its offset in its file). Throws Error for an alignment that is not 0 or a power
// of two up to kSplicedBlobAlign.
std::uint64_t splice_phase(const ByteSource& blob, std::uint64_t align);

struct SpliceInfo {
  std::uint64_t blob_offset = 0;  // file offset of the blob
  std::uint64_t blob_vaddr = 0;   // its address (the symbol's value)
  std::uint64_t file_size = 0;
};

// Writes `linked` with `blob` spliced in as `request.symbol` into the regular file `out`,
// atomically (AtomicFile: a kill leaves the previous `out`). `linked` must be the shared object
// linked with the placeholder object. Throws SpliceRefused when the file cannot be spliced
// (see above), Error for a malformed file or an I/O error, UsageError when `out` is a stream
// (a character device or FIFO: splice into a file and stream that).
SpliceInfo splice_blob(const std::filesystem::path& linked, const ByteSource& blob,
                       const SpliceRequest& request, const std::filesystem::path& out);

// The same in two steps, so the blob's copy overlaps the link (what export does):
//
//   Splice s(blob, request, out, reserve);  // staged file beside `out`; the blob's copy starts
//   ... link ...                            // on a second thread, at `reserve` (64 KiB-aligned)
//   s.finish(linked);                       // plus the phase; then as splice_blob
//
// When the linked file fits below `reserve`, the blob stays where it was copied and the bytes
// between the two are a hole (zeros that take no disk space); otherwise finish() copies it
// again right after the linked file. `reserve` 0: no early copy (splice_blob). Destroyed
// without finish(), it stops the copy and removes the staged file; `blob` must outlive it.
class Splice {
 public:
  Splice(const ByteSource& blob, SpliceRequest request, std::filesystem::path out,
         std::uint64_t reserve = 0);
  ~Splice();
  Splice(const Splice&) = delete;
  Splice& operator=(const Splice&) = delete;

  SpliceInfo finish(const std::filesystem::path& linked);

 private:
  struct Copy;
  void copy_blob_at(std::uint64_t offset, ProgressFn progress, void* ctx);
  void wait_for_copy(Progress& progress);
  void stop_copy() noexcept;

  const ByteSource& blob_;
  SpliceRequest req_;
  std::filesystem::path out_;
  std::uint64_t phase_ = 0;
  std::uint64_t early_base_ = 0;  // where the early copy went, minus the phase (0: none)
  std::optional<AtomicFile> file_;
  std::unique_ptr<Copy> copy_;
};

// The `reserve` for a Splice of a blob of `blob_size` bytes into a library linked from inputs of
// `input_bytes` bytes for a target whose loads align to `max_page_size`: an upper estimate of
// the linked file's size (twice the inputs, plus a page per segment a linker may pad to), or
// 0 below 32 MiB of blob, where an early copy gains little and the hole would be a large part
// of the file.
std::uint64_t splice_reserve(std::uint64_t blob_size, std::uint64_t input_bytes,
                             std::uint64_t max_page_size);

}  // namespace mblob
