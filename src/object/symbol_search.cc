// Symbol search across containers (include/mblob/object/symbol_search.h).
#include "mblob/object/symbol_search.h"

#include "mblob/core/error.h"
#include "mblob/object/archive.h"
#include "mblob/object/elf.h"
#include "mblob/object/elf_headers.h"
#include "mblob/object/elf_reader.h"

namespace mblob {

namespace {

// Searches one ELF file that starts at `base` in the outer file.
void search_elf(ByteView bytes, std::uint64_t base, const std::string& where,
                const std::string& member, const std::function<bool(std::string_view)>& wanted,
                std::vector<SymbolLocation>& out) {
  elf::ElfFile f(bytes, where);
  const std::string container = elf::container_name(f.header());
  f.for_each_symbol(wanted, [&](const elf::SymbolEntry& sym) {
    std::uint64_t offset = base + f.file_offset_of(sym);
    for (const auto& seen : out) {
      if (seen.member == member && seen.name == sym.name && seen.offset == offset) return;
    }
    SymbolLocation loc;
    loc.name = sym.name;
    loc.container = container;
    loc.machine = f.header().machine;
    loc.member = member;
    loc.offset = offset;
    loc.size = sym.size;
    if (sym.shndx < f.sections().size()) loc.section = f.sections()[sym.shndx].name;
    loc.function = sym.type == elf::STT_FUNC;
    out.push_back(std::move(loc));
  });
}

[[noreturn]] void unsupported(ByteView file, const std::string& where) {
  auto at = [&](std::size_t i) { return i < file.size() ? file[i] : 0; };
  std::uint32_t magic = static_cast<std::uint32_t>(at(0)) << 24 | at(1) << 16 | at(2) << 8 | at(3);
  if (magic == 0xfeedfacf || magic == 0xcffaedfe || magic == 0xfeedface || magic == 0xcefaedfe ||
      magic == 0xcafebabe) {
    throw Error(where + ": a Mach-O file; reading Mach-O is not supported yet");
  }
  if (at(0) == 'M' && at(1) == 'Z') {
    throw Error(where + ": a PE/COFF image; reading PE/COFF is not supported yet");
  }
  throw Error(where + ": not an ELF file or an ar archive (unknown magic)");
}

}  // namespace

std::vector<SymbolLocation> find_symbols(ByteView file, const std::string& where,
                                         const std::function<bool(std::string_view)>& wanted) {
  std::vector<SymbolLocation> out;
  if (elf::has_elf_magic(file)) {
    search_elf(file, 0, where, "", wanted, out);
  } else if (has_archive_magic(file)) {
    for_each_archive_member(file, where, [&](const ArchiveMember& m) {
      if (!elf::has_elf_magic(m.data)) return;
      search_elf(m.data, m.offset, where + "(" + m.name + ")", m.name, wanted, out);
    });
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

std::vector<BlobSymbol> find_blob_symbols(ByteView file, const std::string& where) {
  const auto& base_of = blob_symbol_base;
  std::vector<BlobSymbol> out;
  for (auto& loc :
       find_symbols(file, where, [&](std::string_view n) { return base_of(n) != nullptr; })) {
    if (loc.function) continue;
    const BlobSymbolName* b = base_of(loc.name);
    BlobSymbol s;
    s.base = b->name;
    s.format = b->format;
    s.prefix = loc.name.substr(0, loc.name.size() - s.base.size());
    s.location = std::move(loc);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mblob
