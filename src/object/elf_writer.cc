// The native ELF object writer (layout in include/mblob/object/elf_writer.h).
//
// The writer is a template over the four ELF layouts (elf.h's Elf32LE ... Elf64BE); the target
// row picks one at run time. Memory use is the headers and names only: the payload goes from
// its file (or stream) to the output with copy_fd_range, never through a buffer of its size.
#include "mblob/object/elf_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mblob/core/error.h"
#include "mblob/core/file.h"
#include "mblob/core/output_path.h"
#include "mblob/core/progress.h"
#include "mblob/core/text.h"
#include "mblob/object/elf.h"
#include "mblob/object/section_rules.h"

namespace mblob {
namespace {

using namespace elf;

constexpr std::uint64_t kMaxAlign = std::uint64_t{1} << 30;
constexpr std::size_t kMaxSymbolLength = 4096;
constexpr std::size_t kMaxSectionLength = 256;
constexpr std::string_view kEndSuffix = "_end";
constexpr std::string_view kSizeSuffix = "_size";

// Section header indices; fixed, so symbols and links can name them directly. The size
// section exists only with ObjectSpec::size_symbol; it comes last so the others keep their
// indices either way.
enum : std::uint16_t {
  kNull,
  kData,
  kNoteStack,
  kSymtab,
  kStrtab,
  kShstrtab,
  kSizeData,
  kMaxSections
};

std::uint16_t section_count(const ObjectSpec& spec) {
  return spec.size_symbol ? kMaxSections : kSizeData;
}

bool symbol_char(char c, bool first) {
  bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '$';
  return alpha || (!first && c >= '0' && c <= '9');
}

bool section_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '$' || c == '-';
}

void validate_symbol(std::string_view name) {
  if (name.empty()) throw Error("the symbol name is empty; give one, e.g. __tvm_ffi__library_bin");
  if (name.size() > kMaxSymbolLength) {
    throw Error("the symbol name is " + std::to_string(name.size()) + " characters long; at most " +
                std::to_string(kMaxSymbolLength) + " are allowed");
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!symbol_char(name[i], i == 0)) {
      throw Error("invalid symbol name '" + printable(name) + "': character '" +
                  printable(name.substr(i, 1)) + "' at position " + std::to_string(i) +
                  " is not allowed (use letters, digits, '_', '.' and '$', not starting with a "
                  "digit)");
    }
  }
}

void validate_section(std::string_view name) {
  if (name.empty()) throw Error("the section name is empty");
  if (name.size() > kMaxSectionLength) {
    throw Error("the section name is longer than " + std::to_string(kMaxSectionLength) +
                " characters");
  }
  for (char c : name) {
    if (!section_char(c)) {
      throw Error("invalid section name '" + printable(name) + "': character '" +
                  printable(std::string_view(&c, 1)) +
                  "' is not allowed (use letters, digits, '_', '.', '$' and '-')");
    }
  }
  check_blob_section(name);
}

const Target& resolve_target(const ObjectSpec& spec) {
  return spec.target != nullptr ? *spec.target : host_target();
}

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }

// The size object: 8 bytes, naturally aligned, in a small read-only section of its own named
// like gcc -fdata-sections names a variable's (".rodata.<symbol>_size"). It is never the large
// section: small-model code must reach it even when the blob is in .lrodata.
constexpr std::uint64_t kSizeAlign = 8;

std::string size_section_name(const ObjectSpec& spec, const Target& t) {
  return std::string(t.section) + "." + spec.symbol + std::string(kSizeSuffix);
}

// Everything about the output that depends on the spec and the payload's size.
struct Plan {
  const Target* target = nullptr;
  std::uint32_t e_flags = 0;
  std::string section;
  std::uint64_t section_flags = 0;
  bool large = false;
  std::uint64_t data_offset = 0;
  std::uint64_t payload_size = 0;
  std::uint16_t shnum = 0;  // section_count(spec)
};

// Decides the data section (and whether it is a large one) once the size is known.
void plan_section(const ObjectSpec& spec, Plan& plan) {
  const Target& t = *plan.target;
  bool has_large = !t.large_section.empty();
  if (spec.section.empty()) {
    plan.large = has_large && (spec.large || plan.payload_size > spec.large_threshold);
    plan.section = std::string(plan.large ? t.large_section : t.section);
  } else {
    plan.section = spec.section;
    // An explicit large section name (".lrodata", ".lrodata.x") keeps its meaning.
    plan.large = has_large && (spec.large || section_in_family(spec.section, t.large_section));
  }
  plan.section_flags = kSHF_ALLOC;
  if (section_in_family(plan.section, ".data") || section_in_family(plan.section, ".ldata")) {
    plan.section_flags |= kSHF_WRITE;
  }
  if (plan.large) plan.section_flags |= t.large_flags;
}

std::uint8_t stv(Visibility v) {
  switch (v) {
    case Visibility::default_:
      return kSTV_DEFAULT;
    case Visibility::hidden:
      return kSTV_HIDDEN;
    case Visibility::protected_:
      return kSTV_PROTECTED;
  }
  return kSTV_DEFAULT;
}

template <typename T>
void put(ByteWriter& w, const T& s) {
  w.bytes(ByteView(&s, sizeof s));
}

// The ELF header for a file whose section header table starts at `shoff`.
template <typename E>
std::vector<std::uint8_t> elf_header(const Plan& plan, std::uint64_t shoff) {
  ElfEhdr<E> h{};
  set_ident(h);
  h.e_type = kET_REL;
  h.e_machine = plan.target->machine;
  h.e_version = kEV_CURRENT;
  h.e_shoff = static_cast<WordValue<E>>(shoff);
  h.e_flags = plan.e_flags;
  h.e_ehsize = sizeof(ElfEhdr<E>);
  h.e_shentsize = sizeof(ElfShdr<E>);
  h.e_shnum = plan.shnum;
  h.e_shstrndx = kShstrtab;
  ByteWriter w;
  put(w, h);
  w.zeros(static_cast<std::size_t>(plan.data_offset - sizeof h));  // up to the payload
  return w.take();
}

// Everything after the payload: [the size section's 8 bytes], .symtab, .strtab, .shstrtab, the
// section header table. Returns the bytes and sets `shoff` to the table's file offset.
template <typename E>
std::vector<std::uint8_t> elf_trailer(const ObjectSpec& spec, const Plan& plan,
                                      std::uint64_t* shoff) {
  using W = WordValue<E>;
  const std::uint64_t base = plan.data_offset + plan.payload_size;  // file offset of w[0]
  const std::uint64_t word = sizeof(W);
  ByteWriter w;
  auto pad_to = [&](std::uint64_t a) {
    w.zeros(static_cast<std::size_t>(align_up(base + w.size(), a) - (base + w.size())));
  };

  // .strtab: "\0<symbol>\0[<symbol>_end\0<symbol>_size\0]"
  std::string strtab(1, '\0');
  const auto sym_name = static_cast<std::uint32_t>(strtab.size());
  strtab += spec.symbol + '\0';
  const auto end_name = static_cast<std::uint32_t>(strtab.size());
  if (spec.size_symbol) strtab += spec.symbol + std::string(kEndSuffix) + '\0';
  const auto size_name = static_cast<std::uint32_t>(strtab.size());
  if (spec.size_symbol) strtab += spec.symbol + std::string(kSizeSuffix) + '\0';

  // .shstrtab: "\0<data>\0.note.GNU-stack\0.symtab\0.strtab\0.shstrtab\0[<size section>\0]"
  std::string shstrtab(1, '\0');
  std::uint32_t names[kMaxSections] = {};
  auto add_name = [&](int index, std::string_view n) {
    names[index] = static_cast<std::uint32_t>(shstrtab.size());
    shstrtab.append(n);
    shstrtab += '\0';
  };
  add_name(kData, plan.section);
  add_name(kNoteStack, ".note.GNU-stack");
  add_name(kSymtab, ".symtab");
  add_name(kStrtab, ".strtab");
  add_name(kShstrtab, ".shstrtab");
  if (spec.size_symbol) add_name(kSizeData, size_section_name(spec, *plan.target));

  // The size section: the payload's length as a uint64_t in the target's byte order.
  const std::uint64_t size_off = align_up(base, kSizeAlign);
  if (spec.size_symbol) {
    pad_to(kSizeAlign);
    ByteWriter value(E::endian);
    value.u64(plan.payload_size);
    w.bytes(value.view());
  }

  // .symtab: [0] the null symbol (the only local, hence sh_info = 1), then the globals.
  pad_to(word);
  const std::uint64_t symtab_off = base + w.size();
  const std::uint8_t other = stv(spec.visibility);
  put(w, ElfSym<E>{});
  ElfSym<E> blob{};
  blob.st_name = sym_name;
  blob.st_info = st_info(kSTB_GLOBAL, kSTT_OBJECT);
  blob.st_other = other;
  blob.st_shndx = kData;
  blob.st_value = 0;
  blob.st_size = static_cast<W>(plan.payload_size);
  put(w, blob);
  if (spec.size_symbol) {
    // Both relocatable (unlike objcopy's absolute _binary_*_size, which PIE code cannot
    // reference): <symbol>_end marks the end of the data, like ld -b binary's _binary_*_end;
    // <symbol>_size is a const uint64_t object holding the length.
    ElfSym<E> end{};
    end.st_name = end_name;
    end.st_info = st_info(kSTB_GLOBAL, kSTT_NOTYPE);
    end.st_other = other;
    end.st_shndx = kData;
    end.st_value = static_cast<W>(plan.payload_size);
    put(w, end);
    ElfSym<E> size{};
    size.st_name = size_name;
    size.st_info = st_info(kSTB_GLOBAL, kSTT_OBJECT);
    size.st_other = other;
    size.st_shndx = kSizeData;
    size.st_value = 0;
    size.st_size = kSizeAlign;
    put(w, size);
  }
  const std::uint64_t symtab_size = base + w.size() - symtab_off;

  const std::uint64_t strtab_off = base + w.size();
  w.bytes(std::string_view(strtab));
  const std::uint64_t shstrtab_off = base + w.size();
  w.bytes(std::string_view(shstrtab));

  pad_to(word);
  *shoff = base + w.size();
  auto section = [&](int index, std::uint32_t type, std::uint64_t flags, std::uint64_t offset,
                     std::uint64_t size, std::uint32_t link, std::uint32_t info,
                     std::uint64_t align, std::uint64_t entsize) {
    ElfShdr<E> s{};
    s.sh_name = names[index];
    s.sh_type = type;
    s.sh_flags = static_cast<W>(flags);
    s.sh_offset = static_cast<W>(offset);
    s.sh_size = static_cast<W>(size);
    s.sh_link = link;
    s.sh_info = info;
    s.sh_addralign = static_cast<W>(align);
    s.sh_entsize = static_cast<W>(entsize);
    put(w, s);
  };
  put(w, ElfShdr<E>{});  // [0] SHT_NULL
  section(kData, kSHT_PROGBITS, plan.section_flags, plan.data_offset, plan.payload_size, 0, 0,
          spec.align, 0);
  // An empty .note.GNU-stack without SHF_EXECINSTR: "this object needs no executable stack".
  section(kNoteStack, kSHT_PROGBITS, 0, base, 0, 0, 0, 1, 0);
  section(kSymtab, kSHT_SYMTAB, 0, symtab_off, symtab_size, kStrtab, 1, word, sizeof(ElfSym<E>));
  section(kStrtab, kSHT_STRTAB, 0, strtab_off, strtab.size(), 0, 0, 1, 0);
  section(kShstrtab, kSHT_STRTAB, 0, shstrtab_off, shstrtab.size(), 0, 0, 1, 0);
  if (spec.size_symbol) {
    section(kSizeData, kSHT_PROGBITS, kSHF_ALLOC, size_off, kSizeAlign, 0, 0, kSizeAlign, 0);
  }
  return w.take();
}

// Dispatches a layout-templated function on the target's class and byte order.
template <template <typename> class Fn, typename... Args>
auto dispatch(const Target& t, Args&&... args) {
  if (t.is_64) {
    return t.endian == Endian::little ? Fn<Elf64LE>{}(std::forward<Args>(args)...)
                                      : Fn<Elf64BE>{}(std::forward<Args>(args)...);
  }
  return t.endian == Endian::little ? Fn<Elf32LE>{}(std::forward<Args>(args)...)
                                    : Fn<Elf32BE>{}(std::forward<Args>(args)...);
}
template <typename E>
struct HeaderFn {
  std::vector<std::uint8_t> operator()(const Plan& p, std::uint64_t shoff) const {
    return elf_header<E>(p, shoff);
  }
};
template <typename E>
struct TrailerFn {
  std::vector<std::uint8_t> operator()(const ObjectSpec& s, const Plan& p,
                                       std::uint64_t* shoff) const {
    return elf_trailer<E>(s, p, shoff);
  }
};

// Payloads from this size on start at a 64 KiB file offset instead of right after the header.
// Measured (Linux 6.x, ext4, page cache in large folios): copy_file_range of 1 GiB into an
// output offset that is not 64 KiB-aligned runs 1.4x slower than into an aligned one, while
// the padding costs at most 6% of a 1 MiB object and nothing measurable beyond.
constexpr std::uint64_t kBigPayload = std::uint64_t{1} << 20;
constexpr std::uint64_t kBigPayloadAlign = std::uint64_t{64} << 10;

// The part of the plan known before the payload is copied: the target, e_flags and where the
// payload starts (`big`: the payload has at least kBigPayload bytes).
Plan start_plan(const ObjectSpec& spec, bool big) {
  validate(spec);
  Plan plan;
  plan.target = &resolve_target(spec);
  plan.e_flags = spec.elf_flags.value_or(plan.target->flags);
  plan.shnum = section_count(spec);
  const std::uint64_t ehsize =
      plan.target->is_64 ? sizeof(ElfEhdr<Elf64LE>) : sizeof(ElfEhdr<Elf32LE>);
  // The payload's file offset honours its alignment up to a page (sh_offset need not be
  // aligned in a relocatable object; more padding would only waste space), and big payloads
  // get the copy-friendly 64 KiB.
  std::uint64_t a = std::min<std::uint64_t>(spec.align, 4096);
  if (big) a = std::max(a, kBigPayloadAlign);
  plan.data_offset = align_up(ehsize, a);
  return plan;
}

// The largest payload whose object still fits 32-bit offsets (ELF32), or UINT64_MAX.
std::uint64_t max_payload(const ObjectSpec& spec, const Plan& plan) {
  if (plan.target->is_64) return UINT64_MAX;
  Plan probe = plan;
  probe.payload_size = 0;
  plan_section(spec, probe);
  std::uint64_t shoff = 0;
  std::uint64_t trailer = dispatch<TrailerFn>(*plan.target, spec, probe, &shoff).size();
  return UINT32_MAX - plan.data_offset - trailer - 8;  // 8: worst-case padding before .symtab
}

[[noreturn]] void too_large_for_elf32(const Plan& plan, std::uint64_t size, std::uint64_t max) {
  throw Error("the payload (" + human_bytes(size) + ", " + std::to_string(size) +
              " bytes) does not fit an ELF32 object for " + std::string(plan.target->triple) +
              ": ELF32 offsets and sizes are 32-bit, so at most " + std::to_string(max) +
              " bytes fit; use a 64-bit target or split the blob");
}

void finish(const ObjectSpec& spec, Plan& plan, AtomicFile& out, bool patch_header,
            ObjectInfo& info) {
  plan_section(spec, plan);
  std::uint64_t shoff = 0;
  std::vector<std::uint8_t> trailer = dispatch<TrailerFn>(*plan.target, spec, plan, &shoff);
  out.write(trailer);
  if (patch_header) out.pwrite(dispatch<HeaderFn>(*plan.target, plan, shoff), 0);
  info.payload_size = plan.payload_size;
  info.file_size = plan.data_offset + plan.payload_size + trailer.size();
  info.section = plan.section;
  info.large = plan.large;
  out.commit();
}

}  // namespace

Visibility parse_visibility(std::string_view name) {
  if (name == "default") return Visibility::default_;
  if (name == "hidden") return Visibility::hidden;
  if (name == "protected") return Visibility::protected_;
  throw Error("unknown visibility '" + std::string(name) + "'; use default, hidden or protected");
}

std::string_view visibility_name(Visibility v) {
  switch (v) {
    case Visibility::default_:
      return "default";
    case Visibility::hidden:
      return "hidden";
    case Visibility::protected_:
      return "protected";
  }
  return "?";
}

void check_alignment(std::uint64_t align, std::string_view context) {
  if (align == 0 || (align & (align - 1)) != 0) {
    throw Error(std::string(context) + "alignment " + std::to_string(align) +
                " is not a power of two (use 1, 2, 4, 8, 16, ...)");
  }
  if (align > kMaxAlign) {
    throw Error(std::string(context) + "alignment " + std::to_string(align) +
                " is larger than the maximum, " + std::to_string(kMaxAlign) + " (1 GiB)");
  }
}

void validate(const ObjectSpec& spec) {
  validate_symbol(spec.symbol);
  if (spec.size_symbol) {
    validate_symbol(spec.symbol + std::string(kEndSuffix));
    validate_symbol(spec.symbol + std::string(kSizeSuffix));
  }
  if (!spec.section.empty()) validate_section(spec.section);
  check_alignment(spec.align);
  const Target& t = resolve_target(spec);
  if (t.container != Container::elf) {
    throw Error("target " + std::string(t.triple) + " uses the " +
                std::string(container_name(t.container)) +
                " container, which the ELF writer does not write");
  }
  if (spec.large && t.large_section.empty()) {
    throw Error("large data sections exist only on x86-64; target " + std::string(t.triple) +
                " has none (drop --large)");
  }
}

ObjectInfo write_object(const ObjectSpec& spec, const ByteSource& payload,
                        const std::filesystem::path& out_path, const WriteOptions& options) {
  check_output_is_not_input(out_path, payload.files());
  Plan plan = start_plan(spec, payload.size() >= kBigPayload);
  plan.payload_size = payload.size();
  std::uint64_t max = max_payload(spec, plan);
  if (plan.payload_size > max) too_large_for_elf32(plan, plan.payload_size, max);

  // The size is known, so the header goes out complete and nothing is patched.
  plan_section(spec, plan);
  std::uint64_t shoff = 0;
  (void)dispatch<TrailerFn>(*plan.target, spec, plan, &shoff);
  AtomicFile out(out_path, 0644);
  out.write(dispatch<HeaderFn>(*plan.target, plan, shoff));
  {
    Progress progress("pack " + out_path.filename().string(), plan.payload_size, !options.progress);
    payload.write_to(out.fd(), out_path.string(), progress.fn(), &progress);
  }
  if (!out.streaming() && out.position() != plan.data_offset + plan.payload_size) {
    throw Error("writing " + out_path.string() + ": the payload changed size while being copied");
  }
  ObjectInfo info;
  finish(spec, plan, out, false, info);
  return info;
}

ObjectInfo write_object_from_fd(const ObjectSpec& spec, int in_fd, const std::string& in_name,
                                const std::filesystem::path& out_path,
                                const WriteOptions& options) {
  validate(spec);
  check_output_is_not_input_fd(out_path, in_fd, in_name);
  // Copy from the stream's current position (a redirected file may have been read from).
  off_t pos = ::lseek(in_fd, 0, SEEK_CUR);
  const bool seekable = pos >= 0;
  std::uint64_t in_offset = seekable ? static_cast<std::uint64_t>(pos) : 0;
  // A redirected regular file has a size: refuse an oversized one before copying anything.
  struct stat st {};
  if (::fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uint64_t>(st.st_size) > in_offset) {
    Plan probe = start_plan(spec, true);
    std::uint64_t max = max_payload(spec, probe);
    std::uint64_t left = static_cast<std::uint64_t>(st.st_size) - in_offset;
    if (left > max) too_large_for_elf32(probe, left, max);
  }

  // Read up to kBigPayload bytes first: a shorter stream is laid out exactly like a file of
  // the same size (so both give the same object); a longer one gets the big-payload offset.
  std::vector<std::uint8_t> head(kBigPayload);
  std::size_t got = 0;
  while (got < head.size()) {
    ssize_t n = seekable ? ::pread(in_fd, head.data() + got, head.size() - got,
                                   static_cast<off_t>(in_offset + got))
                         : ::read(in_fd, head.data() + got, head.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("reading " + in_name);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  head.resize(got);
  const bool big = got == kBigPayload;
  // A device or FIFO cannot take the header patch: a short stream has a known size (and is
  // laid out as below), a long one is assembled in $TMPDIR and then streamed.
  OutputPath final_out = resolve_output(out_path);
  std::optional<TempDir> spool;
  if (final_out.stream) {
    if (!big) return write_object(spec, ByteSource::from_bytes(std::move(head)), out_path, options);
    spool.emplace(TempDir::in_tmp("mblob-pack"));
  }
  const std::filesystem::path write_path = spool ? spool->path() / "object.o" : out_path;

  Plan plan = start_plan(spec, big);
  std::uint64_t max = max_payload(spec, plan);
  AtomicFile out(write_path, 0644);
  // A placeholder header (e_shoff = 0) reserves the space; it is rewritten at the end.
  out.write(dispatch<HeaderFn>(*plan.target, plan, std::uint64_t{0}));
  out.write(head);
  plan.payload_size = got;
  if (big) {
    // Copy at most one byte past the ELF32 limit, to refuse without filling the disk first.
    std::uint64_t want = max == UINT64_MAX ? UINT64_MAX : max + 1 - got;
    Progress progress("pack " + out_path.filename().string(), 0, !options.progress);
    plan.payload_size +=
        copy_fd_range(in_fd, in_offset + got, out.fd(), want,
                      in_name + " to " + write_path.string(), progress.fn(), &progress);
  }
  if (plan.payload_size > max) too_large_for_elf32(plan, plan.payload_size, max);
  ObjectInfo info;
  finish(spec, plan, out, true, info);
  if (spool) stream_file_into(write_path, final_out);
  return info;
}

ObjectInfo write_digest_object(const std::string& symbol, const Digest128& digest,
                               const Target& target, const std::filesystem::path& out) {
  ObjectSpec spec;
  spec.symbol = symbol;
  spec.target = &target;
  spec.align = 8;
  return write_object(spec, ByteSource::from_bytes({digest.begin(), digest.end()}), out);
}

}  // namespace mblob
