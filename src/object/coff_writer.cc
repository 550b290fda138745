// The native COFF object writer (layout in include/mblob/object/coff_writer.h). The generic part
// (streaming, atomic output, header patching) is object_writer.cc's; this file says what the
// bytes before and after the payload are.
#include "mblob/object/coff_writer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/object/coff.h"
#include "mblob/object/naming_rules.h"

namespace mblob {
namespace {

using namespace coff;

constexpr std::uint64_t kSizeAlign = 8;

std::uint32_t align_characteristic(std::uint64_t align) {
  // IMAGE_SCN_ALIGN_<2^(n-1)>BYTES = n << 20, n = 1 (1 byte) .. 14 (8192 bytes).
  const auto n = static_cast<std::uint32_t>(std::countr_zero(align)) + 1;
  return n << 20;
}

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }

bool exported(const ObjectSpec& spec) { return spec.visibility != Visibility::hidden; }

std::string data_section(const ObjectSpec& spec, const Target& t) {
  return spec.section.empty() ? std::string(t.section) : spec.section;
}

// `.rdata$<symbol>_size`: the '$' suffix groups it into .rdata in the image, as gcc
// -fdata-sections names a variable's section.
std::string size_section_name(const ObjectSpec& spec, const Target& t) {
  return std::string(t.section) + "$" + spec.symbol + std::string(kSizeSymbolSuffix);
}

// The symbol's name as the object spells it: the row's prefix ("_" on i386) and the C name.
std::string object_name(const Target& t, std::string_view c_name) {
  return std::string(t.symbol_prefix) + std::string(c_name);
}

// Everything that does not depend on the payload's size: section numbers, the names' 8-byte
// fields, the directive and the string table.
using NameField = std::array<std::uint8_t, 8>;
struct Plan {
  std::uint16_t data = 1;  // 1-based section numbers; 0 = absent
  std::uint16_t size = 0;
  std::uint16_t drectve = 0;
  std::uint16_t sections = 1;
  NameField data_name{}, size_name{};
  std::vector<std::string> c_names;     // <symbol> [, <symbol>_end, <symbol>_size]
  std::vector<NameField> symbol_names;  // as the object spells them, one per c_names entry
  std::string directive;
  // The string table: u32 size (itself included), then NUL-terminated long names.
  std::string strings = std::string(4, '\0');

  std::uint32_t add_string(std::string_view s) {
    const auto at = static_cast<std::uint32_t>(strings.size());
    strings.append(s);
    strings += '\0';
    store<std::uint32_t>(reinterpret_cast<std::uint8_t*>(strings.data()),
                         static_cast<std::uint32_t>(strings.size()), Endian::little);
    return at;
  }
  // A section header's Name: the name when it fits, else "/<decimal offset>" into the string
  // table (at most 7 digits: the table here holds a few names of at most 4 KiB each).
  NameField section_name(std::string_view name) {
    NameField f{};
    const std::string n =
        name.size() <= 8 ? std::string(name) : "/" + std::to_string(add_string(name));
    std::memcpy(f.data(), n.data(), n.size());
    return f;
  }
  // A symbol's Name: the name when it fits, else four zero bytes and the u32 offset.
  NameField symbol_name(std::string_view name) {
    NameField f{};
    if (name.size() <= 8) {
      std::memcpy(f.data(), name.data(), name.size());
    } else {
      store<std::uint32_t>(f.data() + 4, add_string(name), Endian::little);
    }
    return f;
  }
};

Plan make_plan(const ObjectSpec& spec, const Target& t) {
  Plan p;
  p.data_name = p.section_name(data_section(spec, t));
  p.c_names = {spec.symbol};
  if (spec.size_symbol) {
    p.size = ++p.sections;
    p.size_name = p.section_name(size_section_name(spec, t));
    p.c_names.push_back(spec.symbol + std::string(kEndSymbolSuffix));
    p.c_names.push_back(spec.symbol + std::string(kSizeSymbolSuffix));
  }
  for (const std::string& n : p.c_names) p.symbol_names.push_back(p.symbol_name(object_name(t, n)));
  if (exported(spec)) {
    p.drectve = ++p.sections;
    p.directive = coff_export_directive(coff_flavor(t), p.c_names);
  }
  return p;
}

template <typename T>
void put(ByteWriter& w, const T& s) {
  w.bytes(ByteView(&s, sizeof s));
}

std::uint64_t headers_size(const Plan& p) {
  return sizeof(FileHeader) + std::uint64_t{p.sections} * sizeof(SectionHeader);
}

// Where the tail's parts go, for a payload of `payload_size` bytes.
struct TailLayout {
  std::uint64_t size_at = 0;     // the size section's 8 bytes
  std::uint64_t drectve_at = 0;  // the directive's text
  std::uint64_t symbols_at = 0;  // the symbol table, then the string table
};

TailLayout tail_layout(const Plan& p, const ObjectLayout& l, std::uint64_t payload_size) {
  TailLayout t;
  std::uint64_t at = l.data_offset + payload_size;
  if (p.size != 0) {
    t.size_at = align_up(at, kSizeAlign);
    at = t.size_at + kSizeAlign;
  }
  t.drectve_at = at;
  t.symbols_at = at + p.directive.size();
  return t;
}

class CoffWriter final : public ContainerWriter {
 public:
  std::string_view name() const override { return "COFF"; }

  void validate(const ObjectSpec& spec, const Target& t) const override {
    // The symbol and the alignment (at most 8192 here) are checked by object_writer.cc.
    if (spec.elf_flags) {
      throw Error("ELF flags (--elf-flags) do not apply to " + std::string(t.triple) +
                  ", a COFF target");
    }
    if (spec.large) {
      throw Error("large data sections exist only on ELF x86-64; target " + std::string(t.triple) +
                  " has none (drop --large)");
    }
    if (!spec.section.empty()) check_section_name(spec.section, Container::coff);
  }

  ObjectLayout layout(const ObjectSpec& spec, const Target& t, bool big) const override {
    const Plan p = make_plan(spec, t);
    ObjectLayout l;
    std::uint64_t a = std::min<std::uint64_t>(spec.align, 4096);
    if (big) a = std::max(a, kBigPayloadAlign);
    l.data_offset = align_up(headers_size(p), a);
    // Every file offset (PointerToRawData, PointerToSymbolTable) and SizeOfRawData is a u32:
    // the symbol table must start below 4 GiB. The tail before it is at most 7 bytes of
    // padding, 8 size bytes and the directive.
    const std::uint64_t before_symbols = (p.size != 0 ? 7 + kSizeAlign : 0) + p.directive.size();
    l.max_payload = UINT32_MAX - l.data_offset - before_symbols;
    l.limit = "COFF section sizes and file offsets are 32-bit";
    l.object = "a COFF object";
    return l;
  }

  std::vector<std::uint8_t> head(const ObjectSpec& spec, const Target& t, const ObjectLayout& l,
                                 std::uint64_t payload_size) const override {
    const Plan p = make_plan(spec, t);
    const TailLayout tl = tail_layout(p, l, payload_size);
    const auto u32 = [](std::uint64_t v) { return static_cast<std::uint32_t>(v); };
    ByteWriter w;
    FileHeader h{};
    h.Machine = t.machine;
    h.NumberOfSections = p.sections;
    h.TimeDateStamp = 0;  // deterministic
    h.PointerToSymbolTable = u32(tl.symbols_at);
    h.NumberOfSymbols = u32(p.c_names.size());
    h.SizeOfOptionalHeader = 0;
    h.Characteristics = 0;
    put(w, h);

    SectionHeader data{};
    std::memcpy(data.Name, p.data_name.data(), 8);
    data.SizeOfRawData = u32(payload_size);
    data.PointerToRawData = u32(l.data_offset);
    data.Characteristics =
        kIMAGE_SCN_CNT_INITIALIZED_DATA | kIMAGE_SCN_MEM_READ | align_characteristic(spec.align);
    if (section_in_family(data_section(spec, t), ".data")) {
      data.Characteristics = data.Characteristics | kIMAGE_SCN_MEM_WRITE;
    }
    put(w, data);
    if (p.size != 0) {
      SectionHeader size{};
      std::memcpy(size.Name, p.size_name.data(), 8);
      size.SizeOfRawData = u32(kSizeAlign);
      size.PointerToRawData = u32(tl.size_at);
      size.Characteristics =
          kIMAGE_SCN_CNT_INITIALIZED_DATA | kIMAGE_SCN_MEM_READ | align_characteristic(kSizeAlign);
      put(w, size);
    }
    if (p.drectve != 0) {
      SectionHeader d{};
      std::memcpy(d.Name, ".drectve", 8);
      d.SizeOfRawData = u32(p.directive.size());
      d.PointerToRawData = u32(tl.drectve_at);
      d.Characteristics = kIMAGE_SCN_LNK_INFO | kIMAGE_SCN_LNK_REMOVE | kIMAGE_SCN_ALIGN_1BYTES;
      put(w, d);
    }
    w.zeros(static_cast<std::size_t>(l.data_offset - w.size()));
    return w.take();
  }

  std::vector<std::uint8_t> tail(const ObjectSpec& spec, const Target& t, const ObjectLayout& l,
                                 std::uint64_t payload_size, ObjectInfo& info) const override {
    const Plan p = make_plan(spec, t);
    const TailLayout tl = tail_layout(p, l, payload_size);
    const std::uint64_t base = l.data_offset + payload_size;  // file offset of w[0]
    ByteWriter w;
    if (p.size != 0) {
      w.zeros(static_cast<std::size_t>(tl.size_at - base));
      w.u64(payload_size);
    }
    w.bytes(std::string_view(p.directive));

    auto symbol = [&](std::size_t index, std::uint16_t section, std::uint64_t value) {
      Symbol s{};
      std::memcpy(s.Name, p.symbol_names[index].data(), 8);
      s.Value = static_cast<std::uint32_t>(value);
      s.SectionNumber = static_cast<std::int16_t>(section);
      s.Type = kIMAGE_SYM_TYPE_NULL;
      s.StorageClass = kIMAGE_SYM_CLASS_EXTERNAL;
      s.NumberOfAuxSymbols = 0;
      put(w, s);
    };
    symbol(0, p.data, 0);
    if (spec.size_symbol) {
      symbol(1, p.data, payload_size);  // <symbol>_end: the end of the data
      symbol(2, p.size, 0);             // <symbol>_size
    }
    w.bytes(std::string_view(p.strings));
    info.section = data_section(spec, t);
    info.large = false;
    return w.take();
  }
};

}  // namespace

CoffFlavor coff_flavor(const Target& t) {
  const std::string_view triple = t.triple.substr(0, t.triple.find(':'));
  return triple.ends_with("-msvc") ? CoffFlavor::msvc : CoffFlavor::gnu;
}

std::string coff_export_directive(CoffFlavor flavor, std::span<const std::string> names) {
  // The names are checked symbol names (letters, digits, '_', '.', '$'): no quoting needed.
  std::string out;
  for (const std::string& n : names) {
    out += flavor == CoffFlavor::msvc ? " /EXPORT:" + n + ",DATA" : " -export:" + n + ",data";
  }
  return out;
}

const ContainerWriter& coff_container_writer() {
  static const CoffWriter writer;
  return writer;
}

}  // namespace mblob
