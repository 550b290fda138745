// The Mach-O container writer (layout in include/mblob/object/macho_writer.h; the copy loop,
// output and common checks are object_writer.cc's). It builds the head and the tail only; the
// payload never passes through it.
#include "mblob/object/macho_writer.h"

#include <algorithm>
#include <cstring>

#include "mblob/core/bytes.h"
#include "mblob/core/error.h"
#include "mblob/object/macho.h"
#include "mblob/object/naming_rules.h"

namespace mblob {
namespace {

using namespace macho;

constexpr std::uint64_t kSizeAlign = 8;  // the _size value: a naturally aligned u64

// The load commands, in file order; their sizes are fixed.
constexpr std::uint32_t kNcmds = 4;
constexpr std::uint64_t kSegmentAt = sizeof(MachHeader64);
constexpr std::uint64_t kBuildVersionAt = kSegmentAt + sizeof(SegmentCommand64) + sizeof(Section64);
constexpr std::uint64_t kSymtabAt = kBuildVersionAt + sizeof(BuildVersionCommand);
constexpr std::uint64_t kDysymtabAt = kSymtabAt + sizeof(SymtabCommand);
constexpr std::uint64_t kCommandsEnd = kDysymtabAt + sizeof(DysymtabCommand);

// "seg,sect" as its two parts; the caller has validated it.
std::pair<std::string_view, std::string_view> split_section(std::string_view s) {
  const std::size_t comma = s.find(',');
  return {s.substr(0, comma), s.substr(comma + 1)};
}

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }

std::uint32_t log2_of(std::uint64_t power_of_two) {
  std::uint32_t n = 0;
  while ((std::uint64_t{1} << n) < power_of_two) ++n;
  return n;
}

template <typename T>
void put(ByteWriter& w, const T& s) {
  w.bytes(ByteView(&s, sizeof s));
}

void set_name(char (&field)[16], std::string_view name) {
  std::memset(field, 0, sizeof field);
  std::memcpy(field, name.data(), std::min(name.size(), sizeof field));
}

// The data section, "segment,section": the spec's or the row's (__TEXT,__const).
std::string section_of(const ObjectSpec& spec, const Target& t) {
  return spec.section.empty() ? std::string(t.section) : spec.section;
}

// The symbols, in table order (sorted by name, as ld64 expects of the defined externals): the
// blob, then with size_symbol its end and its size.
struct Symbols {
  std::string strtab;  // "\0" then the names, padded to 8
  struct Entry {
    std::uint32_t strx;
    std::uint16_t desc;
    std::uint64_t value;
  };
  std::vector<Entry> entries;
};

// Where the size value sits in the section: after the payload, 8-aligned.
std::uint64_t size_value_at(std::uint64_t payload_size) {
  return align_up(payload_size, kSizeAlign);
}

// The data section's size: the payload [, padding and the 8-byte length].
std::uint64_t section_size(const ObjectSpec& spec, std::uint64_t payload_size) {
  return spec.size_symbol ? size_value_at(payload_size) + kSizeAlign : payload_size;
}

Symbols make_symbols(const ObjectSpec& spec, const Target& t, std::uint64_t payload_size) {
  Symbols s;
  s.strtab.assign(1, '\0');
  auto add = [&](std::string_view suffix, std::uint16_t desc, std::uint64_t value) {
    s.entries.push_back({static_cast<std::uint32_t>(s.strtab.size()), desc, value});
    s.strtab += std::string(t.symbol_prefix) + spec.symbol + std::string(suffix) + '\0';
  };
  add("", 0, 0);
  if (spec.size_symbol) {
    add(kEndSymbolSuffix, kN_ALT_ENTRY, payload_size);
    add(kSizeSymbolSuffix, 0, size_value_at(payload_size));
  }
  s.strtab.resize(align_up(s.strtab.size(), 8), '\0');
  return s;
}

std::uint64_t tables_size(const ObjectSpec& spec, const Target& t) {
  const Symbols s = make_symbols(spec, t, 0);
  return s.entries.size() * sizeof(Nlist64) + s.strtab.size();
}

std::vector<std::uint8_t> make_head(const ObjectSpec& spec, const Target& t, const ObjectLayout& l,
                                    std::uint64_t payload_size) {
  const Symbols syms = make_symbols(spec, t, payload_size);
  const auto nsyms = static_cast<std::uint32_t>(syms.entries.size());
  const std::uint64_t symoff = kCommandsEnd;  // 8-aligned: every command is
  const std::uint64_t stroff = symoff + nsyms * sizeof(Nlist64);
  const std::uint64_t size = section_size(spec, payload_size);
  const std::string section = section_of(spec, t);
  const auto [segname, sectname] = split_section(section);
  ByteWriter w;

  MachHeader64 h{};
  h.magic = kMH_MAGIC_64;
  h.cputype = t.machine;
  h.cpusubtype = t.flags;
  h.filetype = kMH_OBJECT;
  h.ncmds = kNcmds;
  h.sizeofcmds = static_cast<std::uint32_t>(kCommandsEnd - sizeof(MachHeader64));
  h.flags = kMH_SUBSECTIONS_VIA_SYMBOLS;
  put(w, h);

  // One unnamed segment spanning the one section, as compilers write objects; rwx protections
  // are what they write too (the linker sets the final segment's).
  SegmentCommand64 seg{};
  seg.cmd = kLC_SEGMENT_64;
  seg.cmdsize = sizeof(SegmentCommand64) + sizeof(Section64);
  seg.vmaddr = 0;
  seg.vmsize = size;
  seg.fileoff = l.data_offset;
  seg.filesize = size;
  seg.maxprot = kVM_PROT_READ | kVM_PROT_WRITE | kVM_PROT_EXECUTE;
  seg.initprot = kVM_PROT_READ | kVM_PROT_WRITE | kVM_PROT_EXECUTE;
  seg.nsects = 1;
  put(w, seg);
  Section64 sec{};
  set_name(sec.sectname, sectname);
  set_name(sec.segname, segname);
  sec.addr = 0;
  sec.size = size;
  sec.offset = static_cast<std::uint32_t>(l.data_offset);  // < 4 GiB: at most 64 KiB + head
  sec.align = log2_of(spec.size_symbol ? std::max(spec.align, kSizeAlign) : spec.align);
  sec.flags = kS_REGULAR;
  put(w, sec);

  BuildVersionCommand bv{};
  bv.cmd = kLC_BUILD_VERSION;
  bv.cmdsize = sizeof(BuildVersionCommand);
  bv.platform = t.platform;
  bv.minos = t.min_os;
  bv.sdk = 0;
  bv.ntools = 0;
  put(w, bv);

  SymtabCommand st{};
  st.cmd = kLC_SYMTAB;
  st.cmdsize = sizeof(SymtabCommand);
  st.symoff = static_cast<std::uint32_t>(symoff);
  st.nsyms = nsyms;
  st.stroff = static_cast<std::uint32_t>(stroff);
  st.strsize = static_cast<std::uint32_t>(syms.strtab.size());
  put(w, st);

  DysymtabCommand dst{};
  dst.cmd = kLC_DYSYMTAB;
  dst.cmdsize = sizeof(DysymtabCommand);
  dst.ilocalsym = 0;
  dst.nlocalsym = 0;
  dst.iextdefsym = 0;
  dst.nextdefsym = nsyms;
  dst.iundefsym = nsyms;
  dst.nundefsym = 0;
  put(w, dst);

  const std::uint8_t type =
      kN_SECT | kN_EXT | (spec.visibility == Visibility::hidden ? kN_PEXT : std::uint8_t{0});
  for (const auto& e : syms.entries) {
    Nlist64 n{};
    n.n_strx = e.strx;
    n.n_type = type;
    n.n_sect = 1;
    n.n_desc = e.desc;
    n.n_value = e.value;
    put(w, n);
  }
  w.bytes(std::string_view(syms.strtab));
  return w.take();
}

class MachoWriter final : public ContainerWriter {
 public:
  std::string_view name() const override { return "Mach-O"; }

  void validate(const ObjectSpec& spec, const Target& t) const override {
    if (!t.is_64 || t.endian != Endian::little) {
      throw Error("target " + std::string(t.triple) +
                  ": the Mach-O writer writes 64-bit little-endian objects only");
    }
    check_section_name(section_of(spec, t), Container::macho);
    if (spec.visibility == Visibility::protected_) {
      throw Error("Mach-O has no protected visibility; use default or hidden (a private extern)");
    }
    if (spec.large) {
      throw Error("large data sections exist only in x86-64 ELF; target " + std::string(t.triple) +
                  " has none (drop --large)");
    }
    if (spec.elf_flags) {
      throw Error("ELF e_flags do not apply to Mach-O target " + std::string(t.triple));
    }
  }

  ObjectLayout layout(const ObjectSpec& spec, const Target& t, bool big) const override {
    ObjectLayout l;
    const std::uint64_t head = kCommandsEnd + tables_size(spec, t);
    // The payload's file offset honours its alignment up to a page (a section's file offset
    // need not be aligned in an object; more padding would only waste space), and big payloads
    // get the copy-friendly 64 KiB.
    std::uint64_t a = std::min<std::uint64_t>(spec.align, 4096);
    if (big) a = std::max(a, kBigPayloadAlign);
    l.data_offset = align_up(head, a);
    // The whole object stays below 4 GiB (see the header: no linked image can hold more). The
    // size value and its padding: at most 15 bytes after the payload.
    l.max_payload = UINT32_MAX - l.data_offset - (spec.size_symbol ? 2 * kSizeAlign : 0);
    l.limit =
        "a linked Mach-O image (dylib, executable) keeps 32-bit file offsets for the tables "
        "after its data: no image holds a blob of 4 GiB or more";
    l.object = "a Mach-O object";
    return l;
  }

  std::vector<std::uint8_t> head(const ObjectSpec& spec, const Target& t, const ObjectLayout& l,
                                 std::uint64_t payload_size) const override {
    return make_head(spec, t, l, payload_size);
  }

  std::vector<std::uint8_t> tail(const ObjectSpec& spec, const Target& t, const ObjectLayout&,
                                 std::uint64_t payload_size, ObjectInfo& info) const override {
    info.section = section_of(spec, t);
    info.large = false;
    if (!spec.size_symbol) return {};
    ByteWriter w(Endian::little);
    w.zeros(static_cast<std::size_t>(size_value_at(payload_size) - payload_size));
    w.u64(payload_size);
    return w.take();
  }
};

}  // namespace

const ContainerWriter& macho_container_writer() {
  static const MachoWriter writer;
  return writer;
}

}  // namespace mblob
