// The COFF object and PE image reader (rules: include/mblob/object/coff_reader.h; layouts:
// include/mblob/object/coff.h).
#include "mblob/object/coff_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "mblob/core/error.h"
#include "mblob/core/text.h"

namespace mblob::coff {

namespace {

// /bigobj objects: Sig1 = IMAGE_FILE_MACHINE_UNKNOWN, Sig2 = 0xffff, Version >= 2, then a
// class GUID. Short import objects (import libraries) share Sig1/Sig2 with Version 0.
constexpr std::uint16_t kBigObjSig2 = 0xffff;

// Reads a struct of EndianFields at `offset` of the reader's view (bounds-checked).
template <typename T>
T read_struct(Reader& r, std::uint64_t offset, const char* what) {
  if (offset > r.data().size()) {
    r.fail_at(r.data().size(), std::string(what) + " at offset " + std::to_string(offset) +
                                   " lies past the end of the file");
  }
  r.seek(static_cast<std::size_t>(offset));
  ByteView b = r.bytes(sizeof(T), what);
  T out;
  std::memcpy(static_cast<void*>(&out), b.data(), sizeof(T));
  return out;
}

template <typename T>
T struct_at(ByteView table, std::size_t index) {
  T out;
  std::memcpy(static_cast<void*>(&out), table.data() + index * sizeof(T), sizeof(T));
  return out;
}

// The bytes [offset, offset + size) of the reader's view, or an error naming `what`.
ByteView range(Reader& r, std::uint64_t offset, std::uint64_t size, const char* what) {
  if (offset > r.data().size()) {
    r.fail_at(r.data().size(), std::string(what) + " at offset " + std::to_string(offset) +
                                   " lies past the end of the file (" +
                                   std::to_string(r.data().size()) + " bytes)");
  }
  r.seek(static_cast<std::size_t>(offset));
  return r.bytes(size, what);
}

std::string short_name(const std::uint8_t (&name)[8]) {
  const void* nul = std::memchr(name, 0, sizeof(name));
  std::size_t n =
      nul ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - name) : sizeof(name);
  return std::string(reinterpret_cast<const char*>(name), n);
}

std::string hex_of(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%x", v);
  return buf;
}

bool is_read_machine(std::uint16_t m) {
  return m == kIMAGE_FILE_MACHINE_AMD64 || m == kIMAGE_FILE_MACHINE_I386 ||
         m == kIMAGE_FILE_MACHINE_ARM64;
}

}  // namespace

bool has_object_magic(ByteView file) {
  if (file.size() < sizeof(FileHeader)) return false;
  const std::uint16_t machine = load<std::uint16_t>(file.data(), Endian::little);
  const std::uint16_t sig2 = load<std::uint16_t>(file.data() + 2, Endian::little);
  const std::uint16_t version = load<std::uint16_t>(file.data() + 4, Endian::little);
  if (machine == kIMAGE_FILE_MACHINE_UNKNOWN && sig2 == kBigObjSig2) return version >= 2;
  return is_read_machine(machine);
}

bool has_image_magic(ByteView file) {
  return file.size() >= 2 &&
         load<std::uint16_t>(file.data(), Endian::little) == kIMAGE_DOS_SIGNATURE;
}

// ---- Objects

ObjectFile::ObjectFile(ByteView file, std::string where) : file_(file), where_(std::move(where)) {
  Reader r(file_, where_);
  const auto h = read_struct<FileHeader>(r, 0, "the COFF file header");
  machine_ = h.Machine;
  if (machine_ == kIMAGE_FILE_MACHINE_UNKNOWN && h.NumberOfSections == kBigObjSig2) {
    throw Error(where_ +
                ": a /bigobj COFF object (mingw -Wa,-mbig-obj, MSVC /bigobj), which mblob does "
                "not read; build the object without it");
  }
  // Objects have no optional header, but the format allows one: the sections follow it.
  sections_ = range(r, sizeof(FileHeader) + std::uint64_t{h.SizeOfOptionalHeader},
                    std::uint64_t{h.NumberOfSections} * sizeof(SectionHeader),
                    "the section table (NumberOfSections x 40 bytes)");
  symbols_at_ = h.PointerToSymbolTable;
  if (symbols_at_ == 0) return;  // no symbol table: no symbols
  symbols_ = range(r, symbols_at_, std::uint64_t{h.NumberOfSymbols} * sizeof(Symbol),
                   "the symbol table (NumberOfSymbols x 18 bytes)");
  // The string table follows the symbols: a u32 size that counts itself, then the names. A
  // file that ends right after the symbols has none (allowed when no name is long).
  strings_at_ = symbols_at_ + symbols_.size();
  if (r.remaining() == 0) return;
  const std::uint32_t size = r.u32(Endian::little, "the string table's size");
  // Some writers put 0 (or garbage below 4) when the table is empty; read that as empty.
  strings_ = range(r, strings_at_, std::max<std::uint32_t>(size, 4), "the string table");
}

std::string_view ObjectFile::symbol_name(std::size_t index) const {
  const std::uint8_t* name = symbols_.data() + index * sizeof(Symbol);  // Symbol::Name: 8 bytes
  const std::uint64_t at = symbols_at_ + index * sizeof(Symbol);
  if (load<std::uint32_t>(name, Endian::little) != 0) {
    const void* nul = std::memchr(name, 0, 8);
    std::size_t n =
        nul ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - name) : 8;
    return {reinterpret_cast<const char*>(name), n};
  }
  // A long name: its last four bytes are an offset into the string table (>= 4: the size).
  const std::uint32_t offset = load<std::uint32_t>(name + 4, Endian::little);
  if (offset < 4 || offset >= strings_.size()) {
    throw Error::at(where_, at,
                    "symbol name offset " + std::to_string(offset) +
                        " is not inside the string table (" + std::to_string(strings_.size()) +
                        " bytes, its 4-byte size included)");
  }
  const char* start = reinterpret_cast<const char*>(strings_.data()) + offset;
  const void* nul = std::memchr(start, 0, strings_.size() - offset);
  if (nul == nullptr) {
    throw Error::at(where_, strings_at_ + offset,
                    "a symbol name is not NUL-terminated inside the string table");
  }
  return {start, static_cast<std::size_t>(static_cast<const char*>(nul) - start)};
}

std::string ObjectFile::section_name(std::size_t index) const {
  std::string name = short_name(struct_at<SectionHeader>(sections_, index).Name);
  // "/N": offset N (decimal) in the string table; resolved when it is a valid one.
  if (name.size() > 1 && name[0] == '/' && name[1] >= '0' && name[1] <= '9') {
    std::uint64_t offset = 0;
    for (std::size_t i = 1; i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i) {
      offset = offset * 10 + static_cast<std::uint64_t>(name[i] - '0');  // <= 7 digits
    }
    if (offset >= 4 && offset < strings_.size()) {
      const char* start = reinterpret_cast<const char*>(strings_.data()) + offset;
      const std::size_t left = strings_.size() - static_cast<std::size_t>(offset);
      const void* nul = std::memchr(start, 0, left);
      if (nul != nullptr) return std::string(start, static_cast<const char*>(nul));
    }
  }
  return name;
}

LocatedSymbol ObjectFile::locate(std::string_view name, const Symbol& s, std::uint64_t at,
                                 const std::vector<std::uint64_t>& bounds) const {
  const std::size_t count = sections_.size() / sizeof(SectionHeader);
  const auto number = static_cast<std::size_t>(s.SectionNumber);  // > 0, checked by the caller
  if (number > count) {
    throw Error::at(where_, at,
                    "symbol " + printable(name) + " is in section " + std::to_string(number) +
                        ", but the object has " + std::to_string(count) + " sections");
  }
  const auto sec = struct_at<SectionHeader>(sections_, number - 1);
  const std::string sec_name = printable(section_name(number - 1));
  if ((sec.Characteristics & kIMAGE_SCN_CNT_UNINITIALIZED_DATA) != 0 || sec.PointerToRawData == 0) {
    throw Error::at(where_, at,
                    "symbol " + printable(name) + " is in section " + sec_name +
                        ", which has no raw data (uninitialized data): it has no bytes in the "
                        "file");
  }
  const std::uint64_t raw_at = sec.PointerToRawData;
  const std::uint64_t raw_size = sec.SizeOfRawData;
  if (raw_at > file_.size() || raw_size > file_.size() - raw_at) {
    throw Error::at(where_, sizeof(FileHeader) + (number - 1) * sizeof(SectionHeader),
                    "section " + sec_name + "'s raw data (" + std::to_string(raw_size) +
                        " bytes at " + std::to_string(raw_at) +
                        ") runs past the end of the file (" + std::to_string(file_.size()) +
                        " bytes)");
  }
  const std::uint64_t value = s.Value;
  if (value > raw_size) {
    throw Error::at(where_, at,
                    "symbol " + printable(name) + " (Value " + std::to_string(value) +
                        ") lies past the end of section " + sec_name + " (" +
                        std::to_string(raw_size) + " bytes of raw data)");
  }
  // The next symbol of the same section bounds this one; `bounds` holds section << 32 | Value,
  // sorted.
  std::uint64_t end = raw_size;
  const std::uint64_t key = std::uint64_t{number} << 32 | value;
  auto next = std::upper_bound(bounds.begin(), bounds.end(), key);
  if (next != bounds.end() && (*next >> 32) == number) {
    end = std::min<std::uint64_t>(end, *next & 0xffffffffu);
  }
  return {std::string(name), raw_at + value, end - value, section_name(number - 1)};
}

void ObjectFile::for_each_symbol(const std::function<bool(std::string_view)>& wanted,
                                 const std::function<void(const LocatedSymbol&)>& fn) const {
  const std::size_t count = symbols_.size() / sizeof(Symbol);
  // Pass 1: the wanted symbols (table indices); aux records are skipped, never read as symbols.
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < count; ++i) {
    const auto s = struct_at<Symbol>(symbols_, i);
    const std::uint64_t at = symbols_at_ + i * sizeof(Symbol);
    if (s.NumberOfAuxSymbols > count - 1 - i) {
      throw Error::at(where_, at,
                      "symbol " + std::to_string(i) + " claims " +
                          std::to_string(s.NumberOfAuxSymbols) +
                          " aux records, past the end of the symbol table (" +
                          std::to_string(count) + " records)");
    }
    const std::size_t aux = s.NumberOfAuxSymbols;
    const bool defined = s.StorageClass == kIMAGE_SYM_CLASS_EXTERNAL && s.SectionNumber > 0;
    if (defined && wanted(symbol_name(i))) found.push_back(i);
    i += aux;
  }
  if (found.empty()) return;
  // Pass 2: every symbol's (section, Value), sorted, to bound each found symbol's extent.
  std::vector<std::uint64_t> bounds;
  bounds.reserve(count);  // bounded by the file's size: the table was read from it
  for (std::size_t i = 0; i < count; ++i) {
    const auto s = struct_at<Symbol>(symbols_, i);
    if (s.SectionNumber > 0) {
      bounds.push_back(std::uint64_t{static_cast<std::uint16_t>(s.SectionNumber)} << 32 |
                       std::uint32_t{s.Value});
    }
    i += s.NumberOfAuxSymbols;  // checked in pass 1
  }
  std::sort(bounds.begin(), bounds.end());
  for (std::size_t i : found) {
    const auto s = struct_at<Symbol>(symbols_, i);
    const std::uint64_t at = symbols_at_ + i * sizeof(Symbol);
    fn(locate(symbol_name(i), s, at, bounds));
  }
}

// ---- Images

ImageFile::ImageFile(ByteView file, std::string where) : file_(file), where_(std::move(where)) {
  Reader r(file_, where_);
  if (!has_image_magic(file_)) r.fail_at(0, "not a PE image (no \"MZ\" DOS header)");
  if (file_.size() < kDosLfanewOffset + 4) {
    r.fail_at(file_.size(), "an \"MZ\" file too short for a PE image's DOS header (" +
                                std::to_string(kDosLfanewOffset + 4) +
                                " bytes, e_lfanew included)");
  }
  r.seek(kDosLfanewOffset);
  const std::uint32_t pe_at = r.u32(Endian::little, "e_lfanew (the DOS header's PE offset)");
  r.seek(std::min<std::size_t>(pe_at, file_.size()));
  if (pe_at > file_.size() || r.remaining() < 4 ||
      r.u32(Endian::little, "the PE signature") != kIMAGE_NT_SIGNATURE) {
    throw Error::at(where_, pe_at,
                    "no \"PE\\0\\0\" signature at e_lfanew " + std::to_string(pe_at) +
                        ": an MZ file that is not a PE image (a DOS program?)");
  }
  const std::uint64_t header_at = std::uint64_t{pe_at} + 4;
  const auto h = read_struct<FileHeader>(r, header_at, "the COFF file header");
  machine_ = h.Machine;
  const std::uint64_t opt_at = header_at + sizeof(FileHeader);
  const std::uint64_t opt_size = h.SizeOfOptionalHeader;
  ByteView opt = range(r, opt_at, opt_size, "the optional header (SizeOfOptionalHeader bytes)");
  if (opt.size() < 2) {
    throw Error::at(where_, opt_at, "the optional header is too short to hold its Magic");
  }
  const std::uint16_t magic = load<std::uint16_t>(opt.data(), Endian::little);
  std::uint64_t fixed = 0;
  std::uint32_t directories = 0;
  if (magic == kIMAGE_NT_OPTIONAL_HDR32_MAGIC || magic == kIMAGE_NT_OPTIONAL_HDR64_MAGIC) {
    pe32_plus_ = magic == kIMAGE_NT_OPTIONAL_HDR64_MAGIC;
    fixed = pe32_plus_ ? sizeof(OptionalHeader64) : sizeof(OptionalHeader32);
    if (opt_size < fixed) {
      throw Error::at(where_, header_at + 16,
                      "SizeOfOptionalHeader " + std::to_string(opt_size) + " is smaller than a " +
                          (pe32_plus_ ? "PE32+" : "PE32") + " optional header (" +
                          std::to_string(fixed) + " bytes)");
    }
    directories = load<std::uint32_t>(opt.data() + fixed - 4, Endian::little);
  } else {
    throw Error::at(
        where_, opt_at,
        "optional header Magic 0x" + hex_of(magic) + " is neither PE32 (0x10b) nor PE32+ (0x20b)");
  }
  if (directories > (opt_size - fixed) / sizeof(DataDirectory)) {
    throw Error::at(where_, opt_at + fixed - 4,
                    "NumberOfRvaAndSizes " + std::to_string(directories) +
                        " data directories do not fit in the optional header (" +
                        std::to_string(opt_size) + " bytes)");
  }
  if (directories > kIMAGE_DIRECTORY_ENTRY_EXPORT) {
    std::memcpy(static_cast<void*>(&exports_), opt.data() + fixed, sizeof(DataDirectory));
  }
  sections_at_ = opt_at + opt_size;
  sections_ = range(r, sections_at_, std::uint64_t{h.NumberOfSections} * sizeof(SectionHeader),
                    "the section table (NumberOfSections x 40 bytes)");
}

ImageFile::Place ImageFile::place(std::uint32_t rva, const char* what) const {
  const std::size_t count = sections_.size() / sizeof(SectionHeader);
  for (std::size_t i = 0; i < count; ++i) {
    const auto sec = struct_at<SectionHeader>(sections_, i);
    const std::uint64_t va = sec.VirtualAddress;
    const std::uint64_t span = std::max<std::uint32_t>(sec.VirtualSize, sec.SizeOfRawData);
    if (rva < va || rva - va >= span) continue;
    const std::uint64_t rel = rva - va;
    const std::string name = printable(short_name(sec.Name));
    if (rel >= sec.SizeOfRawData) {
      throw Error::at(where_, sections_at_ + i * sizeof(SectionHeader),
                      std::string(what) + " (RVA 0x" + hex_of(rva) +
                          ") lies in the zero-filled part of section " + name + " (past its " +
                          std::to_string(sec.SizeOfRawData) +
                          " bytes of raw data): it has no bytes in the file");
    }
    const std::uint64_t raw_at = sec.PointerToRawData;
    const std::uint64_t raw_size = sec.SizeOfRawData;
    if (raw_at > file_.size() || raw_size > file_.size() - raw_at) {
      throw Error::at(where_, sections_at_ + i * sizeof(SectionHeader),
                      "section " + name + "'s raw data (" + std::to_string(raw_size) +
                          " bytes at " + std::to_string(raw_at) +
                          ") runs past the end of the file (" + std::to_string(file_.size()) +
                          " bytes)");
    }
    return {raw_at + rel, raw_size - rel, short_name(sec.Name)};
  }
  throw Error(where_ + ": " + what + " (RVA 0x" + hex_of(rva) + ") lies in no section");
}

std::string_view ImageFile::string_at(std::uint32_t rva, const char* what) const {
  const Place p = place(rva, what);
  const char* start = reinterpret_cast<const char*>(file_.data() + p.offset);
  const void* nul = std::memchr(start, 0, static_cast<std::size_t>(p.left));
  if (nul == nullptr) {
    throw Error::at(where_, p.offset,
                    std::string(what) + " is not NUL-terminated inside its section");
  }
  return {start, static_cast<std::size_t>(static_cast<const char*>(nul) - start)};
}

void ImageFile::for_each_export(const std::function<bool(std::string_view)>& wanted,
                                const std::function<void(const LocatedSymbol&)>& fn) const {
  if (exports_.VirtualAddress == 0) return;  // no export table
  Reader r(file_, where_);
  const Place dir_at = place(exports_.VirtualAddress, "the export directory");
  const auto dir = read_struct<ExportDirectory>(r, dir_at.offset, "the export directory");
  const std::uint64_t names = dir.NumberOfNamePointers;
  const std::uint64_t addresses = dir.AddressTableEntries;
  if (names == 0) return;
  // Each table must lie in one section's raw data: checked before any entry is read.
  auto table = [&](std::uint32_t rva, std::uint64_t entries, std::uint64_t width,
                   const char* what) {
    const Place p = place(rva, what);
    if (entries * width > p.left) {  // entries < 2^32, width <= 4: no overflow
      throw Error::at(where_, p.offset,
                      std::string(what) + " (" + std::to_string(entries) + " entries of " +
                          std::to_string(width) +
                          " bytes) runs past the end of its section's "
                          "raw data (" +
                          std::to_string(p.left) + " bytes left)");
    }
    return file_.sub(static_cast<std::size_t>(p.offset), static_cast<std::size_t>(entries * width));
  };
  ByteView name_table = table(dir.NamePointerRVA, names, 4, "the export name pointer table");
  ByteView ordinal_table = table(dir.OrdinalTableRVA, names, 2, "the export ordinal table");
  const std::uint64_t dir_begin = exports_.VirtualAddress;
  const std::uint64_t dir_end = dir_begin + exports_.Size;
  for (std::uint64_t i = 0; i < names; ++i) {
    const std::uint32_t name_rva = load<std::uint32_t>(name_table.data() + i * 4, Endian::little);
    const std::string_view name = string_at(name_rva, "an export name");
    if (!wanted(name)) continue;
    const std::uint16_t ordinal = load<std::uint16_t>(ordinal_table.data() + i * 2, Endian::little);
    if (ordinal >= addresses) {
      throw Error(where_ + ": export " + printable(name) + " has ordinal index " +
                  std::to_string(ordinal) + ", but the export address table has " +
                  std::to_string(addresses) + " entries");
    }
    ByteView address =
        table(dir.ExportAddressTableRVA, std::uint64_t{ordinal} + 1, 4, "the export address table");
    const std::uint32_t rva = load<std::uint32_t>(address.data() + ordinal * 4u, Endian::little);
    if (rva >= dir_begin && rva < dir_end) continue;  // a forwarder: a name, not data
    const std::string what = "export " + printable(name);
    const Place p = place(rva, what.c_str());
    fn({std::string(name), p.offset, p.left, p.section});
  }
}

std::string container_name(std::uint16_t machine, bool image) {
  const std::string kind = image ? "pei-" : "pe-";
  switch (machine) {
    case kIMAGE_FILE_MACHINE_AMD64:
      return kind + "x86-64";
    case kIMAGE_FILE_MACHINE_I386:
      return kind + "i386";
    case kIMAGE_FILE_MACHINE_ARM64:
      return kind + "aarch64-little";
    default:
      return kind + "machine-0x" + hex_of(machine);
  }
}

std::string machine_name(std::uint16_t machine) {
  switch (machine) {
    case kIMAGE_FILE_MACHINE_AMD64:
      return "x86-64";
    case kIMAGE_FILE_MACHINE_I386:
      return "x86";
    case kIMAGE_FILE_MACHINE_ARM64:
      return "aarch64";
    case kIMAGE_FILE_MACHINE_ARMNT:
      return "arm";
    default:
      return "COFF machine 0x" + hex_of(machine);
  }
}

}  // namespace mblob::coff
