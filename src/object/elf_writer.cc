// The ELF container writer (layout in include/mblob/object/elf_writer.h; the copy loop, output
// and common checks are object_writer.cc's).
//
// The writer is a template over the four ELF layouts (elf.h's Elf32LE ... Elf64BE); the target
// row picks one at run time. It builds the header and the tail only; the payload never passes
// through it.
#include "mblob/object/elf_writer.h"

#include <algorithm>

#include "mblob/core/bytes.h"
#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/object/elf.h"
#include "mblob/object/naming_rules.h"

namespace mblob {
namespace {

using namespace elf;

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

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }

// The size object: 8 bytes, naturally aligned, in a small read-only section of its own named
// like gcc -fdata-sections names a variable's (".rodata.<symbol>_size"). It is never the large
// section: small-model code must reach it even when the blob is in .lrodata.
constexpr std::uint64_t kSizeAlign = 8;

std::string size_section_name(const ObjectSpec& spec, const Target& t) {
  return std::string(t.section) + "." + spec.symbol + std::string(kSizeSymbolSuffix);
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
  BlobSection section =
      blob_section(t, spec.section, spec.large, plan.payload_size, spec.large_threshold);
  plan.section = section.name;
  plan.large = section.large;
  plan.section_flags = kSHF_ALLOC;
  if (section.writable) plan.section_flags |= kSHF_WRITE;
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
  if (spec.size_symbol) strtab += spec.symbol + std::string(kEndSymbolSuffix) + '\0';
  const auto size_name = static_cast<std::uint32_t>(strtab.size());
  if (spec.size_symbol) strtab += spec.symbol + std::string(kSizeSymbolSuffix) + '\0';

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

// The plan for a payload of `size` bytes at the layout's offset.
Plan make_plan(const ObjectSpec& spec, const Target& t, const ObjectLayout& l, std::uint64_t size) {
  Plan plan;
  plan.target = &t;
  plan.e_flags = spec.elf_flags.value_or(t.flags);
  plan.shnum = section_count(spec);
  plan.data_offset = l.data_offset;
  plan.payload_size = size;
  plan_section(spec, plan);
  return plan;
}

class ElfWriter final : public ContainerWriter {
 public:
  std::string_view name() const override { return "ELF"; }

  void validate(const ObjectSpec& spec, const Target& t) const override {
    if (!spec.section.empty()) check_section_name(spec.section, Container::elf);
    blob_section(t, spec.section, spec.large, 0, spec.large_threshold);  // refuses a bad --large
  }

  ObjectLayout layout(const ObjectSpec& spec, const Target& t, bool big) const override {
    ObjectLayout l;
    const std::uint64_t ehsize = t.is_64 ? sizeof(ElfEhdr<Elf64LE>) : sizeof(ElfEhdr<Elf32LE>);
    // The payload's file offset honours its alignment up to a page (sh_offset need not be
    // aligned in a relocatable object; more padding would only waste space), and big payloads
    // get the copy-friendly 64 KiB.
    std::uint64_t a = std::min<std::uint64_t>(spec.align, 4096);
    if (big) a = std::max(a, kBigPayloadAlign);
    l.data_offset = align_up(ehsize, a);
    if (!t.is_64) {
      // The whole file must fit 32-bit offsets: the tail for an empty payload, plus 8 bytes of
      // worst-case padding before .symtab.
      std::uint64_t shoff = 0;
      Plan probe = make_plan(spec, t, l, 0);
      std::uint64_t tail = dispatch<TrailerFn>(t, spec, probe, &shoff).size();
      l.max_payload = UINT32_MAX - l.data_offset - tail - 8;
      l.limit = "ELF32 offsets and sizes are 32-bit (use a 64-bit target)";
      l.object = "an ELF32 object";
    }
    return l;
  }

  std::vector<std::uint8_t> head(const ObjectSpec& spec, const Target& t, const ObjectLayout& l,
                                 std::uint64_t payload_size) const override {
    Plan plan = make_plan(spec, t, l, payload_size);
    std::uint64_t shoff = 0;
    (void)dispatch<TrailerFn>(t, spec, plan, &shoff);
    return dispatch<HeaderFn>(t, plan, shoff);
  }

  std::vector<std::uint8_t> tail(const ObjectSpec& spec, const Target& t, const ObjectLayout& l,
                                 std::uint64_t payload_size, ObjectInfo& info) const override {
    Plan plan = make_plan(spec, t, l, payload_size);
    std::uint64_t shoff = 0;
    std::vector<std::uint8_t> bytes = dispatch<TrailerFn>(t, spec, plan, &shoff);
    info.section = plan.section;
    info.large = plan.large;
    return bytes;
  }
};

}  // namespace

const ContainerWriter& elf_container_writer() {
  static const ElfWriter writer;
  return writer;
}

}  // namespace mblob
