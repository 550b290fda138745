// The blob-only shared object writer (layout in include/mblob/object/elf_shared_object.h).
//
// Two passes over the same template: plan() places every section (offsets and addresses depend
// only on the names and the blob's size), then head() and tail() emit the bytes before and
// after the blob. Hash tables follow the gABI (.hash: nbucket, nchain, buckets, chains) and the
// GNU hash section (nbuckets, symoffset, bloom_size, bloom_shift, class-sized bloom words,
// buckets, chain of hash values with bit 0 marking a chain's end; the symbols it covers sorted
// by bucket).
#include "mblob/object/elf_shared_object.h"

#include <algorithm>
#include <optional>

#include "mblob/core/error.h"
#include "mblob/core/file.h"
#include "mblob/core/output_path.h"
#include "mblob/core/progress.h"
#include "mblob/core/text.h"
#include "mblob/object/elf.h"
#include "mblob/object/elf_reader.h"

namespace mblob {
namespace {

using namespace elf;

constexpr std::uint64_t kBlobFileAlign = std::uint64_t{64} << 10;  // fastest copy_file_range
constexpr std::uint64_t kMaxBlobAlign = std::uint64_t{64} << 10;
constexpr std::uint64_t kMaxDataAlign = 4096;
constexpr std::size_t kMaxSoname = 4096;
constexpr std::uint32_t kGnuBloomShift = 26;

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }

std::uint32_t sysv_hash(std::string_view name) {
  std::uint32_t h = 0;
  for (unsigned char c : name) {
    h = (h << 4) + c;
    std::uint32_t g = h & 0xf0000000u;
    if (g != 0) h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

std::uint32_t gnu_hash(std::string_view name) {
  std::uint32_t h = 5381;
  for (unsigned char c : name) h = h * 33 + c;
  return h;
}

const Target& resolve_target(const SharedObjectSpec& spec) {
  return spec.target != nullptr ? *spec.target : host_target();
}

// One defined symbol: the blob or a small object, each in a section of its own.
struct Symbol {
  std::string name;
  std::uint32_t dynstr = 0;  // st_name in .dynstr
  std::uint32_t strtab = 0;  // st_name in .strtab
  std::uint16_t shndx = 0;
  std::uint64_t value = 0;
  std::uint64_t size = 0;
  std::uint32_t gnu = 0;  // gnu_hash(name)
};

// A section header's fields (elf_reader.h's widened form; sh_name is filled from `name` when
// the headers are written).
using Section = SectionHeader;

// Where everything goes.
struct Plan {
  const Target* target = nullptr;
  std::uint64_t page = 0;  // Target::max_page_size
  std::uint64_t ehsize = 0, phentsize = 0, shentsize = 0, symsize = 0, dynsize = 0, word = 0;
  std::string soname;
  std::uint32_t soname_at = 0;  // in .dynstr
  std::vector<Symbol> symbols;  // .dynsym / .symtab order after the null symbol
  std::uint32_t nbuckets = 1;   // both hash tables
  std::string dynstr, strtab, shstrtab;
  std::vector<Section> sections;  // [0] is SHT_NULL
  std::uint16_t hash = 0, gnu_hash = 0, dynsym = 0, dynstr_index = 0, dynamic = 0, blob = 0,
                symtab = 0, strtab_index = 0, shstrtab_index = 0;
  std::uint64_t headers_end = 0;                  // end of the first PT_LOAD
  std::uint64_t dyn_offset = 0, dyn_vaddr = 0;    // .dynamic
  std::uint64_t blob_offset = 0, blob_vaddr = 0;  // the blob's segment
  std::uint64_t blob_align = 0;                   // its p_align
  std::uint64_t blob_phase = 0;                   // blob_offset modulo 64 KiB (blob_phase())
  std::uint64_t payload_size = 0;
  std::uint64_t shoff = 0, file_size = 0;
  static constexpr std::uint16_t kPhnum = 5;
  static constexpr std::size_t kDynEntries = 8;
};

std::uint32_t add_string(std::string& table, std::string_view s) {
  auto at = static_cast<std::uint32_t>(table.size());
  table.append(s);
  table += '\0';
  return at;
}

std::uint16_t add_section(Plan& p, Section s) {
  p.sections.push_back(std::move(s));
  return static_cast<std::uint16_t>(p.sections.size() - 1);
}

// Symbols sorted by GNU hash bucket (the GNU hash section requires it), then by name.
void plan_symbols(const SharedObjectSpec& spec, Plan& p) {
  p.symbols.push_back({spec.symbol});
  for (const auto& d : spec.data) p.symbols.push_back({d.symbol});
  p.nbuckets = static_cast<std::uint32_t>(p.symbols.size());
  for (auto& s : p.symbols) s.gnu = gnu_hash(s.name);
  std::stable_sort(p.symbols.begin(), p.symbols.end(), [&](const Symbol& a, const Symbol& b) {
    return std::pair(a.gnu % p.nbuckets, a.name) < std::pair(b.gnu % p.nbuckets, b.name);
  });
  p.dynstr.assign(1, '\0');
  p.strtab.assign(1, '\0');
  for (auto& s : p.symbols) {
    s.dynstr = add_string(p.dynstr, s.name);
    s.strtab = add_string(p.strtab, s.name);
  }
}

template <typename P>
auto& symbol_named(P& p, const std::string& name) {
  return *std::find_if(p.symbols.begin(), p.symbols.end(),
                       [&](const Symbol& s) { return s.name == name; });
}

// The first segment: headers, hash tables, symbols, names and the small objects.
void plan_first_segment(const SharedObjectSpec& spec, Plan& p) {
  const std::uint64_t nsyms = p.symbols.size() + 1;
  std::uint64_t at = p.ehsize + Plan::kPhnum * p.phentsize;
  auto place = [&](Section s) {
    at = align_up(at, s.addralign);
    s.offset = s.addr = at;
    at += s.size;
    return add_section(p, std::move(s));
  };
  const std::uint32_t hash_ent = p.target->hash_entry_size;
  // The symbol table's index is known only after the hash sections: they come first, as a
  // linker places them, and sh_link is patched below.
  p.hash = place({".hash", kSHT_HASH, kSHF_ALLOC, 0, 0, (2 + p.nbuckets + nsyms) * hash_ent, 0, 0,
                  hash_ent, hash_ent});
  p.gnu_hash = place({".gnu.hash", kSHT_GNU_HASH, kSHF_ALLOC, 0, 0,
                      16 + p.word + 4 * p.nbuckets + 4 * (nsyms - 1), 0, 0, p.word,
                      p.target->is_64 ? 0u : 4u});
  p.dynsym =
      place({".dynsym", kSHT_DYNSYM, kSHF_ALLOC, 0, 0, nsyms * p.symsize, 0, 1, p.word, p.symsize});
  p.soname = spec.soname;
  p.soname_at = add_string(p.dynstr, p.soname);
  p.dynstr_index = place({".dynstr", kSHT_STRTAB, kSHF_ALLOC, 0, 0, p.dynstr.size(), 0, 0, 1, 0});
  p.sections[p.hash].link = p.sections[p.gnu_hash].link = p.dynsym;
  p.sections[p.dynsym].link = p.dynstr_index;
  for (const auto& d : spec.data) {
    std::uint16_t i = place(
        {".rodata." + d.symbol, kSHT_PROGBITS, kSHF_ALLOC, 0, 0, d.bytes.size(), 0, 0, d.align, 0});
    Symbol& s = symbol_named(p, d.symbol);
    s.shndx = i;
    s.value = p.sections[i].addr;
    s.size = d.bytes.size();
  }
  p.headers_end = at;
}

// .dynamic in its own pages (RW), the blob's segment, then what is not loaded.
void plan_rest(const SharedObjectSpec& spec, Plan& p) {
  p.dyn_offset = align_up(p.headers_end, p.word);
  // Another page than the read-only segment's, at the same offset within a page.
  p.dyn_vaddr = p.dyn_offset + p.page;
  p.dynamic =
      add_section(p, {".dynamic", kSHT_DYNAMIC, kSHF_ALLOC | kSHF_WRITE, p.dyn_vaddr, p.dyn_offset,
                      Plan::kDynEntries * p.dynsize, p.dynstr_index, 0, p.word, p.dynsize});
  const std::uint64_t dyn_end = p.dyn_offset + Plan::kDynEntries * p.dynsize;
  // A 64 KiB boundary plus the phase: the address is aligned as asked (the phase is 0 then), or
  // the payload lands page-aligned; offset and address stay congruent modulo the segment's
  // p_align (the phase is below a page).
  p.blob_offset = align_up(dyn_end, std::max(kBlobFileAlign, p.page)) + p.blob_phase;
  p.blob_align = std::max(p.page, spec.align);
  p.blob_vaddr = align_up(p.dyn_vaddr + Plan::kDynEntries * p.dynsize, p.blob_align) + p.blob_phase;
  p.blob =
      add_section(p, {std::string(p.target->section), kSHT_PROGBITS, kSHF_ALLOC, p.blob_vaddr,
                      p.blob_offset, p.payload_size, 0, 0, spec.align != 0 ? spec.align : 1, 0});
  Symbol& blob = symbol_named(p, spec.symbol);
  blob.shndx = p.blob;
  blob.value = p.blob_vaddr;
  blob.size = p.payload_size;

  std::uint64_t at = align_up(p.blob_offset + p.payload_size, p.word);
  const std::uint64_t nsyms = p.symbols.size() + 1;
  p.symtab = add_section(
      p, {".symtab", kSHT_SYMTAB, 0, 0, at, nsyms * p.symsize, 0, 1, p.word, p.symsize});
  at += nsyms * p.symsize;
  p.strtab_index = add_section(p, {".strtab", kSHT_STRTAB, 0, 0, at, p.strtab.size(), 0, 0, 1, 0});
  p.sections[p.symtab].link = p.strtab_index;
  at += p.strtab.size();
  p.shstrtab_index = add_section(p, {".shstrtab", kSHT_STRTAB, 0, 0, at, 0, 0, 0, 1, 0});
  p.shstrtab.assign(1, '\0');
  for (auto& s : p.sections) {
    if (s.type != kSHT_NULL) add_string(p.shstrtab, s.name);
  }
  p.sections[p.shstrtab_index].size = p.shstrtab.size();
  at += p.shstrtab.size();
  p.shoff = align_up(at, p.word);
  p.file_size = p.shoff + p.sections.size() * p.shentsize;
}

Plan plan(const SharedObjectSpec& spec, std::uint64_t payload_size, std::uint64_t phase) {
  Plan p;
  p.target = &resolve_target(spec);
  p.page = p.target->max_page_size;
  p.payload_size = payload_size;
  p.blob_phase = phase;
  const bool is64 = p.target->is_64;
  p.ehsize = is64 ? sizeof(ElfEhdr<Elf64LE>) : sizeof(ElfEhdr<Elf32LE>);
  p.phentsize = is64 ? sizeof(ElfPhdr<Elf64LE>) : sizeof(ElfPhdr<Elf32LE>);
  p.shentsize = is64 ? sizeof(ElfShdr<Elf64LE>) : sizeof(ElfShdr<Elf32LE>);
  p.symsize = is64 ? sizeof(ElfSym<Elf64LE>) : sizeof(ElfSym<Elf32LE>);
  p.dynsize = is64 ? sizeof(ElfDyn<Elf64LE>) : sizeof(ElfDyn<Elf32LE>);
  p.word = is64 ? 8 : 4;
  p.sections.emplace_back();
  plan_symbols(spec, p);
  plan_first_segment(spec, p);
  plan_rest(spec, p);
  return p;
}

// ---- Emitting ---------------------------------------------------------------------------------

template <typename T>
void put(ByteWriter& w, const T& s) {
  w.bytes(ByteView(&s, sizeof s));
}

void pad_to(ByteWriter& w, std::uint64_t base, std::uint64_t offset) {
  w.zeros(static_cast<std::size_t>(offset - (base + w.size())));
}

template <typename E>
struct Emit {
  using W = WordValue<E>;
  const Plan& p;

  static W word(std::uint64_t v) { return static_cast<W>(v); }

  void header(ByteWriter& w) const {
    ElfEhdr<E> h{};
    set_ident(h);
    h.e_type = kET_DYN;
    h.e_machine = p.target->machine;
    h.e_version = kEV_CURRENT;
    h.e_phoff = word(p.ehsize);
    h.e_shoff = word(p.shoff);
    h.e_flags = p.target->flags;
    h.e_ehsize = static_cast<std::uint16_t>(p.ehsize);
    h.e_phentsize = static_cast<std::uint16_t>(p.phentsize);
    h.e_phnum = Plan::kPhnum;
    h.e_shentsize = static_cast<std::uint16_t>(p.shentsize);
    h.e_shnum = static_cast<std::uint16_t>(p.sections.size());
    h.e_shstrndx = p.shstrtab_index;
    put(w, h);
  }

  void segment(ByteWriter& w, std::uint32_t type, std::uint32_t flags, std::uint64_t offset,
               std::uint64_t vaddr, std::uint64_t size, std::uint64_t align) const {
    ElfPhdr<E> ph{};
    ph.p_type = type;
    ph.p_flags = flags;
    ph.p_offset = word(offset);
    ph.p_vaddr = ph.p_paddr = word(vaddr);
    ph.p_filesz = ph.p_memsz = word(size);
    ph.p_align = word(align);
    put(w, ph);
  }

  void program_headers(ByteWriter& w) const {
    const std::uint64_t dyn_size = Plan::kDynEntries * p.dynsize;
    segment(w, kPT_LOAD, kPF_R, 0, 0, p.headers_end, p.page);
    segment(w, kPT_LOAD, kPF_R | kPF_W, p.dyn_offset, p.dyn_vaddr, dyn_size, p.page);
    segment(w, kPT_LOAD, kPF_R, p.blob_offset, p.blob_vaddr, p.payload_size, p.blob_align);
    segment(w, kPT_DYNAMIC, kPF_R | kPF_W, p.dyn_offset, p.dyn_vaddr, dyn_size, p.word);
    segment(w, kPT_GNU_STACK, kPF_R | kPF_W, 0, 0, 0, 16);
  }

  // .hash: nbucket, nchain, bucket[nbucket], chain[nchain]; entries of Target::hash_entry_size.
  void sysv_hash_table(ByteWriter& w) const {
    const std::uint32_t nsyms = static_cast<std::uint32_t>(p.symbols.size() + 1);
    std::vector<std::uint32_t> bucket(p.nbuckets, 0), chain(nsyms, 0);
    // Each symbol goes at the head of its bucket's chain; walking the symbols from the last
    // keeps every chain in symbol order.
    for (std::uint32_t i = nsyms - 1; i >= 1; --i) {
      std::uint32_t b = sysv_hash(p.symbols[i - 1].name) % p.nbuckets;
      chain[i] = bucket[b];
      bucket[b] = i;
    }
    auto entry = [&](std::uint32_t v) {
      if (p.sections[p.hash].entsize == 8) {
        w.u64(v);
      } else {
        w.u32(v);
      }
    };
    entry(p.nbuckets);
    entry(nsyms);
    for (auto v : bucket) entry(v);
    for (auto v : chain) entry(v);
  }

  // .gnu.hash: nbuckets, symoffset (1: all but the null symbol), bloom_size (1 word),
  // bloom_shift, bloom[1], buckets[nbuckets], chain[] (one hash per covered symbol).
  void gnu_hash_table(ByteWriter& w) const {
    constexpr std::uint32_t bits = E::is_64 ? 64 : 32;
    std::uint64_t bloom = 0;
    for (const auto& s : p.symbols) {
      bloom |= std::uint64_t{1} << (s.gnu % bits);
      bloom |= std::uint64_t{1} << ((s.gnu >> kGnuBloomShift) % bits);
    }
    w.u32(p.nbuckets);
    w.u32(1);
    w.u32(1);
    w.u32(kGnuBloomShift);
    if (E::is_64) {
      w.u64(bloom);
    } else {
      w.u32(static_cast<std::uint32_t>(bloom));
    }
    std::vector<std::uint32_t> bucket(p.nbuckets, 0);
    for (std::size_t i = p.symbols.size(); i-- > 0;) {
      bucket[p.symbols[i].gnu % p.nbuckets] = static_cast<std::uint32_t>(i + 1);
    }
    for (auto v : bucket) w.u32(v);
    for (std::size_t i = 0; i < p.symbols.size(); ++i) {
      const bool last = i + 1 == p.symbols.size() ||
                        p.symbols[i + 1].gnu % p.nbuckets != p.symbols[i].gnu % p.nbuckets;
      w.u32((p.symbols[i].gnu & ~1u) | (last ? 1u : 0u));
    }
  }

  void symbol_table(ByteWriter& w, bool dynamic) const {
    put(w, ElfSym<E>{});
    for (const auto& s : p.symbols) {
      ElfSym<E> e{};
      e.st_name = dynamic ? s.dynstr : s.strtab;
      e.st_info = st_info(kSTB_GLOBAL, kSTT_OBJECT);
      e.st_other = kSTV_DEFAULT;
      e.st_shndx = s.shndx;
      e.st_value = word(s.value);
      e.st_size = word(s.size);
      put(w, e);
    }
  }

  void dynamic_section(ByteWriter& w) const {
    const std::pair<std::uint32_t, std::uint64_t> entries[Plan::kDynEntries] = {
        {kDT_SONAME, p.soname_at},
        {kDT_HASH, p.sections[p.hash].addr},
        {kDT_GNU_HASH, p.sections[p.gnu_hash].addr},
        {kDT_STRTAB, p.sections[p.dynstr_index].addr},
        {kDT_SYMTAB, p.sections[p.dynsym].addr},
        {kDT_STRSZ, p.dynstr.size()},
        {kDT_SYMENT, p.symsize},
        {kDT_NULL, 0},
    };
    for (const auto& [tag, value] : entries) {
      ElfDyn<E> d{};
      d.d_tag = word(tag);
      d.d_un = word(value);
      put(w, d);
    }
  }

  // Everything before the blob: the first segment, .dynamic and the padding.
  std::vector<std::uint8_t> head(const SharedObjectSpec& spec) const {
    ByteWriter w(E::endian);
    header(w);
    program_headers(w);
    pad_to(w, 0, p.sections[p.hash].offset);
    sysv_hash_table(w);
    pad_to(w, 0, p.sections[p.gnu_hash].offset);
    gnu_hash_table(w);
    pad_to(w, 0, p.sections[p.dynsym].offset);
    symbol_table(w, true);
    pad_to(w, 0, p.sections[p.dynstr_index].offset);
    w.bytes(std::string_view(p.dynstr));
    for (const auto& d : spec.data) {
      pad_to(w, 0, symbol_named(p, d.symbol).value);
      w.bytes(ByteView(d.bytes));
    }
    pad_to(w, 0, p.dyn_offset);
    dynamic_section(w);
    pad_to(w, 0, p.blob_offset);
    return w.take();
  }

  // Everything after the blob: .symtab, .strtab, .shstrtab and the section headers.
  std::vector<std::uint8_t> tail() const {
    const std::uint64_t base = p.blob_offset + p.payload_size;
    ByteWriter w(E::endian);
    pad_to(w, base, p.sections[p.symtab].offset);
    symbol_table(w, false);
    w.bytes(std::string_view(p.strtab));
    w.bytes(std::string_view(p.shstrtab));
    pad_to(w, base, p.shoff);
    std::uint32_t name = 1;
    for (const auto& s : p.sections) {
      ElfShdr<E> h{};
      if (s.type != kSHT_NULL) {
        h.sh_name = name;
        name += static_cast<std::uint32_t>(s.name.size() + 1);
      }
      h.sh_type = s.type;
      h.sh_flags = word(s.flags);
      h.sh_addr = word(s.addr);
      h.sh_offset = word(s.offset);
      h.sh_size = word(s.size);
      h.sh_link = s.link;
      h.sh_info = s.info;
      h.sh_addralign = word(s.addralign);
      h.sh_entsize = word(s.entsize);
      put(w, h);
    }
    return w.take();
  }
};

struct Bytes {
  std::vector<std::uint8_t> head, tail;
};

template <typename E>
Bytes emit(const SharedObjectSpec& spec, const Plan& p) {
  Emit<E> e{p};
  return {e.head(spec), e.tail()};
}

Bytes emit_for(const SharedObjectSpec& spec, const Plan& p) {
  const Target& t = *p.target;
  if (t.is_64) return t.endian == Endian::little ? emit<Elf64LE>(spec, p) : emit<Elf64BE>(spec, p);
  return t.endian == Endian::little ? emit<Elf32LE>(spec, p) : emit<Elf32BE>(spec, p);
}

void check_power_of_two(std::uint64_t a, std::uint64_t max, const std::string& what) {
  if (a == 0 || (a & (a - 1)) != 0 || a > max) {
    throw Error(what + " alignment " + std::to_string(a) + " is not a power of two from 1 to " +
                std::to_string(max));
  }
}

void check_fits_elf32(const Plan& p) {
  if (p.target->is_64) return;
  const std::uint64_t vaddr_end = p.blob_vaddr + p.payload_size;
  if (p.file_size <= UINT32_MAX && vaddr_end <= UINT32_MAX) return;
  throw Error("the blob (" + human_bytes(p.payload_size) + ", " + std::to_string(p.payload_size) +
              " bytes) does not fit an ELF32 shared object for " + std::string(p.target->triple) +
              ": ELF32 offsets and addresses are 32-bit, so the file must stay under 4 GiB; use a "
              "64-bit target or split the blob");
}

}  // namespace

std::string shared_object_refusal(const Target& t) {
  const std::string name = "target " + std::string(t.triple) + ": ";
  if (t.container != Container::elf) {
    return name + "a blob-only shared object is written for ELF targets only, not " +
           std::string(container_name(t.container));
  }
  if (t.machine == kEM_MIPS) {
    return name +
           "a blob-only shared object is not written for MIPS (its loader needs a GOT and the "
           "DT_MIPS_* tags a linker makes); link it with a toolchain instead";
  }
  return "";
}

void validate(const SharedObjectSpec& spec) {
  // The symbol and target rules are the relocatable writer's (object/object_writer.h).
  ObjectSpec blob;
  blob.symbol = spec.symbol;
  blob.target = spec.target;
  validate(blob);
  if (spec.align != 0) {
    check_power_of_two(spec.align, kMaxBlobAlign, "the blob's (in a blob-only library)");
  }
  if (std::string why = shared_object_refusal(resolve_target(spec)); !why.empty()) {
    throw Error(why);
  }
  std::vector<std::string> names{spec.symbol};
  for (const auto& d : spec.data) {
    ObjectSpec small;
    small.symbol = d.symbol;
    small.target = spec.target;
    validate(small);
    check_power_of_two(d.align, kMaxDataAlign, "data object " + d.symbol + ":");
    names.push_back(d.symbol);
  }
  std::sort(names.begin(), names.end());
  if (auto dup = std::adjacent_find(names.begin(), names.end()); dup != names.end()) {
    throw Error("the symbol " + *dup + " is defined twice in the shared object");
  }
  if (spec.soname.size() > kMaxSoname || spec.soname.find('\0') != std::string::npos) {
    throw Error("the shared object's name (DT_SONAME) '" + printable(spec.soname) +
                "' is longer than " + std::to_string(kMaxSoname) + " bytes or holds a NUL");
  }
}

struct SharedObjectWriter::Impl {
  SharedObjectSpec spec;
  Plan plan;
  std::optional<TempDir> spool;  // a stream output is assembled here first
  OutputPath final_out;
  std::optional<AtomicFile> out;
};

SharedObjectWriter::SharedObjectWriter(const SharedObjectSpec& spec, const ByteSource& blob,
                                       const std::filesystem::path& out_path,
                                       const WriteOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.spec = spec;
  if (m.spec.soname.empty()) m.spec.soname = out_path.filename().string();
  validate(m.spec);
  check_output_is_not_input(out_path, blob.files());
  m.plan = plan(m.spec, blob.size(), m.spec.align == 0 ? blob.copy_phase() : 0);
  check_fits_elf32(m.plan);
  const Bytes bytes = emit_for(m.spec, m.plan);

  // A device or FIFO cannot be checked before it is written, nor patched: stage the file.
  m.final_out = resolve_output(out_path);
  if (m.final_out.stream) m.spool.emplace(TempDir::in_tmp("mblob-so"));
  const std::filesystem::path write_path =
      m.spool ? m.spool->path() / m.final_out.requested.filename() : out_path;
  AtomicFile& out = m.out.emplace(write_path, 0755);
  out.write(bytes.head);
  {
    Progress progress("write " + out_path.filename().string(), m.plan.payload_size,
                      !options.progress);
    blob.write_to(out.fd(), write_path.string(), progress.fn(), &progress);
  }
  if (out.position() != m.plan.blob_offset + m.plan.payload_size) {
    throw Error("writing " + out_path.string() + ": the blob changed size while being copied");
  }
  out.write(bytes.tail);
}

SharedObjectWriter::~SharedObjectWriter() = default;

void SharedObjectWriter::set_data(const std::string& symbol, ByteView bytes) {
  Impl& m = *impl_;
  for (const auto& d : m.spec.data) {
    if (d.symbol != symbol) continue;
    if (bytes.size() != d.bytes.size()) {
      throw Error("data object " + symbol + " has " + std::to_string(d.bytes.size()) +
                  " bytes in the shared object, not " + std::to_string(bytes.size()));
    }
    m.out->pwrite(bytes, symbol_named(m.plan, symbol).value);  // first segment: offset = vaddr
    return;
  }
  throw Error("the shared object defines no data object " + symbol);
}

const std::filesystem::path& SharedObjectWriter::staged() const { return impl_->out->temp_path(); }

SharedObjectInfo SharedObjectWriter::commit() {
  Impl& m = *impl_;
  m.out->commit();
  if (m.spool) stream_file_into(m.spool->path() / m.final_out.requested.filename(), m.final_out);
  SharedObjectInfo info;
  info.payload_size = m.plan.payload_size;
  info.file_size = m.plan.file_size;
  info.blob_offset = m.plan.blob_offset;
  info.blob_vaddr = m.plan.blob_vaddr;
  info.section = m.plan.sections[m.plan.blob].name;
  return info;
}

SharedObjectInfo write_shared_object(const SharedObjectSpec& spec, const ByteSource& blob,
                                     const std::filesystem::path& out,
                                     const WriteOptions& options) {
  return SharedObjectWriter(spec, blob, out, options).commit();
}

}  // namespace mblob
