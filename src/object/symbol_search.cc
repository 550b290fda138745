// Symbol search across containers (include/mblob/object/symbol_search.h).
#include "mblob/object/symbol_search.h"

#include "mblob/core/error.h"
#include "mblob/object/archive.h"
#include "mblob/object/coff_reader.h"
#include "mblob/object/elf.h"
#include "mblob/object/elf_headers.h"
#include "mblob/object/elf_reader.h"

namespace mblob {

namespace {

void add_unique(SymbolLocation loc, std::vector<SymbolLocation>& out) {
  for (const auto& seen : out) {
    if (seen.member == loc.member && seen.name == loc.name && seen.offset == loc.offset) return;
  }
  out.push_back(std::move(loc));
}

// Searches one ELF file that starts at `base` in the outer file.
void search_elf(ByteView bytes, std::uint64_t base, const std::string& where,
                const std::string& member, const std::function<bool(std::string_view)>& wanted,
                std::vector<SymbolLocation>& out) {
  elf::ElfFile f(bytes, where);
  const std::string container = elf::container_name(f.header());
  f.for_each_symbol(wanted, [&](const elf::SymbolEntry& sym) {
    SymbolLocation loc;
    loc.name = sym.name;
    loc.container = container;
    loc.machine = f.header().machine;
    loc.member = member;
    loc.offset = base + f.file_offset_of(sym);
    loc.size = sym.size;
    if (sym.shndx < f.sections().size()) loc.section = f.sections()[sym.shndx].name;
    loc.function = sym.type == elf::kSTT_FUNC;
    add_unique(std::move(loc), out);
  });
}

// Searches one COFF object that starts at `base` in the outer file. i386 names are reported
// as spelled (`_blob`), marked so that c_name() drops the underscore.
void search_coff_object(ByteView bytes, std::uint64_t base, const std::string& where,
                        const std::string& member,
                        const std::function<bool(std::string_view)>& wanted,
                        std::vector<SymbolLocation>& out) {
  coff::ObjectFile f(bytes, where);
  const std::string container = coff::container_name(f.machine(), /*image=*/false);
  f.for_each_symbol(wanted, [&](const coff::LocatedSymbol& sym) {
    SymbolLocation loc;
    loc.name = sym.name;
    loc.container = container;
    loc.machine = f.machine();
    loc.member = member;
    loc.offset = base + sym.offset;
    loc.size = sym.extent;
    loc.size_is_extent = true;
    loc.leading_underscore = f.machine() == coff::kIMAGE_FILE_MACHINE_I386;
    loc.section = sym.section;
    add_unique(std::move(loc), out);
  });
}

// Searches a PE image's export table (export names carry no i386 underscore).
void search_pe_image(ByteView bytes, const std::string& where,
                     const std::function<bool(std::string_view)>& wanted,
                     std::vector<SymbolLocation>& out) {
  coff::ImageFile f(bytes, where);
  const std::string container = coff::container_name(f.machine(), /*image=*/true);
  f.for_each_export(wanted, [&](const coff::LocatedSymbol& sym) {
    SymbolLocation loc;
    loc.name = sym.name;
    loc.container = container;
    loc.machine = f.machine();
    loc.offset = sym.offset;
    loc.size = sym.extent;
    loc.size_is_extent = true;
    loc.section = sym.section;
    add_unique(std::move(loc), out);
  });
}

[[noreturn]] void unsupported(ByteView file, const std::string& where) {
  auto at = [&](std::size_t i) { return i < file.size() ? file[i] : 0; };
  std::uint32_t magic = static_cast<std::uint32_t>(at(0)) << 24 | at(1) << 16 | at(2) << 8 | at(3);
  if (magic == 0xfeedfacf || magic == 0xcffaedfe || magic == 0xfeedface || magic == 0xcefaedfe ||
      magic == 0xcafebabe) {
    throw Error(where + ": a Mach-O file; reading Mach-O is not supported yet");
  }
  throw Error(where +
              ": not an ELF file, a COFF object, a PE image or an ar archive (unknown magic)");
}

}  // namespace

std::vector<SymbolLocation> find_symbols(ByteView file, const std::string& where,
                                         const std::function<bool(std::string_view)>& wanted) {
  std::vector<SymbolLocation> out;
  if (elf::has_elf_magic(file)) {
    search_elf(file, 0, where, "", wanted, out);
  } else if (has_archive_magic(file)) {
    for_each_archive_member(file, where, [&](const ArchiveMember& m) {
      const std::string in = where + "(" + m.name + ")";
      if (elf::has_elf_magic(m.data)) {
        search_elf(m.data, m.offset, in, m.name, wanted, out);
      } else if (coff::has_object_magic(m.data)) {
        search_coff_object(m.data, m.offset, in, m.name, wanted, out);
      }
    });
  } else if (coff::has_image_magic(file)) {
    search_pe_image(file, where, wanted, out);
  } else if (coff::has_object_magic(file)) {
    search_coff_object(file, 0, where, "", wanted, out);
  } else {
    unsupported(file, where);
  }
  return out;
}

const BlobSymbolName* blob_symbol_base(std::string_view name) {
  for (const auto& b : blob_symbol_names()) {
    std::string_view base = b.name;
    if (name.size() >= base.size() && name.substr(name.size() - base.size()) == base) return &b;
  }
  return nullptr;
}

std::string machine_name(const SymbolLocation& loc) {
  return loc.container.rfind("pe", 0) == 0 ? coff::machine_name(loc.machine)
                                           : elf::machine_name(loc.machine);
}

std::vector<BlobSymbol> find_blob_symbols(ByteView file, const std::string& where) {
  const auto& base_of = blob_symbol_base;
  std::vector<BlobSymbol> out;
  for (auto& loc :
       find_symbols(file, where, [&](std::string_view n) { return base_of(n) != nullptr; })) {
    if (loc.function) continue;
    const std::string_view c_name = loc.c_name();
    const BlobSymbolName* b = base_of(c_name);
    if (b == nullptr) continue;  // "_" + a base name, matched only through the underscore
    // mingw gcc's `.refptr.<name>` (an 8-byte pointer to <name>, in every COFF object that
    // takes its address) is not a blob.
    if (c_name.rfind(".refptr.", 0) == 0 && loc.container.rfind("pe", 0) == 0) continue;
    BlobSymbol s;
    s.base = b->name;
    s.format = b->format;
    s.prefix = std::string(c_name.substr(0, c_name.size() - s.base.size()));
    s.location = std::move(loc);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mblob
