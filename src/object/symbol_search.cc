// Symbol search across containers (include/mblob/object/symbol_search.h).
#include "mblob/object/symbol_search.h"

#include "mblob/core/error.h"
#include "mblob/object/archive.h"
#include "mblob/object/coff_reader.h"
#include "mblob/object/elf.h"
#include "mblob/object/elf_headers.h"
#include "mblob/object/elf_reader.h"
#include "mblob/object/macho_reader.h"

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

// Searches one thin Mach-O file that starts at `base` in the outer file. C names carry a
// leading '_' (`_blob`), marked so that c_name() drops it.
void search_macho(ByteView bytes, std::uint64_t base, const std::string& where,
                  const std::string& member, const std::function<bool(std::string_view)>& wanted,
                  std::vector<SymbolLocation>& out) {
  macho::MachOFile f(bytes, where);
  const std::string container = macho::container_name(f.cputype());
  f.for_each_symbol(wanted, [&](const macho::LocatedSymbol& sym) {
    SymbolLocation loc;
    loc.name = sym.name;
    loc.container = container;
    loc.machine = f.cputype();
    loc.member = member;
    loc.offset = base + sym.offset;
    loc.size = sym.extent;
    loc.size_is_extent = true;
    loc.leading_underscore = true;
    loc.section = sym.section;
    loc.function = sym.code;
    add_unique(std::move(loc), out);
  });
}

// Searches every ELF, COFF or Mach-O member of the archive that starts at `base`; `slice`
// names the universal file's slice holding it ("" when none).
void search_archive(ByteView bytes, std::uint64_t base, const std::string& where,
                    const std::string& slice, const std::function<bool(std::string_view)>& wanted,
                    std::vector<SymbolLocation>& out) {
  for_each_archive_member(bytes, where, [&](const ArchiveMember& m) {
    const std::string member = slice.empty() ? m.name : slice + ":" + m.name;
    const std::string in = where + "(" + m.name + ")";
    const std::uint64_t at = base + m.offset;
    if (elf::has_elf_magic(m.data)) {
      search_elf(m.data, at, in, member, wanted, out);
    } else if (coff::has_object_magic(m.data)) {
      search_coff_object(m.data, at, in, member, wanted, out);
    } else if (macho::has_macho_magic(m.data)) {
      search_macho(m.data, at, in, member, wanted, out);
    }
  });
}

// Searches every slice of a universal file: a thin Mach-O file or an archive of them, named by
// its architecture.
void search_fat(ByteView file, const std::string& where,
                const std::function<bool(std::string_view)>& wanted,
                std::vector<SymbolLocation>& out) {
  macho::for_each_fat_slice(file, where, [&](const macho::FatSlice& s) {
    const std::string in = where + "(" + s.arch + ")";
    if (macho::has_macho_magic(s.data)) {
      search_macho(s.data, s.offset, in, s.arch, wanted, out);
    } else if (has_archive_magic(s.data)) {
      search_archive(s.data, s.offset, in, s.arch, wanted, out);
    } else {
      throw Error::at(where, s.offset,
                      "slice " + s.arch + " is neither a Mach-O file nor an ar archive");
    }
  });
}

[[noreturn]] void unsupported(const std::string& where) {
  throw Error(where +
              ": not an ELF file, a COFF object, a PE image, a Mach-O file, a universal (fat) "
              "file or an ar archive (unknown magic)");
}

}  // namespace

std::vector<SymbolLocation> find_symbols(ByteView file, const std::string& where,
                                         const std::function<bool(std::string_view)>& wanted) {
  std::vector<SymbolLocation> out;
  if (elf::has_elf_magic(file)) {
    search_elf(file, 0, where, "", wanted, out);
  } else if (has_archive_magic(file)) {
    search_archive(file, 0, where, "", wanted, out);
  } else if (macho::has_macho_magic(file)) {
    search_macho(file, 0, where, "", wanted, out);
  } else if (macho::has_fat_magic(file)) {
    search_fat(file, where, wanted, out);
  } else if (coff::has_image_magic(file)) {
    search_pe_image(file, where, wanted, out);
  } else if (coff::has_object_magic(file)) {
    search_coff_object(file, 0, where, "", wanted, out);
  } else {
    unsupported(where);
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
  if (loc.container.rfind("pe", 0) == 0) {
    return coff::machine_name(static_cast<std::uint16_t>(loc.machine));
  }
  if (loc.container.rfind("mach-o", 0) == 0) return macho::machine_name(loc.machine);
  return elf::machine_name(static_cast<std::uint16_t>(loc.machine));
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
