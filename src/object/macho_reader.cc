// The Mach-O and universal-file reader (rules: include/mblob/object/macho_reader.h; layouts:
// include/mblob/object/macho.h).
#include "mblob/object/macho_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/object/macho.h"

namespace mblob::macho {

namespace {

// Java class files share FAT_MAGIC; their next field (minor, major version) is >= 45 read as a
// big-endian u32, while no universal file has that many slices.
constexpr std::uint32_t kMaxFatArchs = 43;

std::string hex_of(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// True when [offset, offset + size) lies inside a file of `file_size` bytes.
bool inside(std::uint64_t offset, std::uint64_t size, std::uint64_t file_size) {
  std::uint64_t end = 0;
  return !add_overflows(offset, size, &end) && end <= file_size;
}

// The struct at `offset`, which the caller has checked lies inside `file`.
template <typename T>
T load_struct(ByteView file, std::uint64_t offset) {
  T out;
  std::memcpy(static_cast<void*>(&out), file.data() + offset, sizeof(T));
  return out;
}

// A struct at `offset`, or an error naming `what` when the file ends before it does.
template <typename T>
T read_struct(ByteView file, const std::string& where, std::uint64_t offset, const char* what) {
  if (!inside(offset, sizeof(T), file.size())) {
    throw Error::at(where, std::min<std::uint64_t>(offset, file.size()),
                    std::string(what) + " (" + std::to_string(sizeof(T)) + " bytes at offset " +
                        std::to_string(offset) + ") runs past the end of the file (" +
                        std::to_string(file.size()) + " bytes)");
  }
  return load_struct<T>(file, offset);
}

std::string fixed_name(const char (&name)[16]) {
  const void* nul = std::memchr(name, 0, sizeof(name));
  std::size_t n = nul ? static_cast<std::size_t>(static_cast<const char*>(nul) - name) : 16;
  return std::string(name, n);
}

bool zero_fill(std::uint32_t flags) {
  const std::uint32_t type = flags & kSECTION_TYPE;
  return type == kS_ZEROFILL || type == kS_GB_ZEROFILL || type == kS_THREAD_LOCAL_ZEROFILL;
}

}  // namespace

bool has_macho_magic(ByteView file) {
  if (file.size() < 4) return false;
  const std::uint32_t m = load<std::uint32_t>(file.data(), Endian::little);
  return m == kMH_MAGIC_64 || m == kMH_CIGAM_64 || m == kMH_MAGIC || m == kMH_CIGAM;
}

bool has_fat_magic(ByteView file) {
  if (file.size() < sizeof(FatHeader)) return false;
  const std::uint32_t m = load<std::uint32_t>(file.data(), Endian::big);
  if (m == kFAT_MAGIC_64) return true;
  return m == kFAT_MAGIC && load<std::uint32_t>(file.data() + 4, Endian::big) < kMaxFatArchs;
}

// ---- Thin files

MachOFile::MachOFile(ByteView file, std::string where) : file_(file), where_(std::move(where)) {
  if (file_.size() < 4) {
    throw Error::at(where_, 0, "a Mach-O file shorter than its 4-byte magic");
  }
  const std::uint32_t magic = load<std::uint32_t>(file_.data(), Endian::little);
  if (magic == kMH_MAGIC || magic == kMH_CIGAM) {
    throw Error(where_ +
                ": a 32-bit Mach-O file (i386, armv7), which mblob does not read; only 64-bit "
                "Mach-O (x86_64, arm64) is supported");
  }
  if (magic == kMH_CIGAM_64) {
    throw Error(where_ + ": a big-endian 64-bit Mach-O file (PowerPC), which mblob does not read");
  }
  if (magic != kMH_MAGIC_64)
    throw Error::at(where_, 0, "not a Mach-O file (magic " + hex_of(magic) + ")");
  const auto h = read_struct<MachHeader64>(file_, where_, 0, "the Mach-O header (mach_header_64)");
  cputype_ = h.cputype;
  cpusubtype_ = h.cpusubtype;
  filetype_ = h.filetype;
  const std::uint64_t cmds_end = sizeof(MachHeader64) + std::uint64_t{h.sizeofcmds};
  if (cmds_end > file_.size()) {
    throw Error::at(where_, offsetof(MachHeader64, sizeofcmds),
                    "sizeofcmds " + std::to_string(h.sizeofcmds) +
                        " runs the load commands past the end of the file (" +
                        std::to_string(file_.size()) + " bytes)");
  }
  if (std::uint64_t{h.ncmds} * sizeof(LoadCommand) > h.sizeofcmds) {
    throw Error::at(where_, offsetof(MachHeader64, ncmds),
                    "ncmds " + std::to_string(h.ncmds) +
                        " load commands do not fit in sizeofcmds " + std::to_string(h.sizeofcmds) +
                        " bytes (8 bytes each at least)");
  }
  std::uint64_t at = sizeof(MachHeader64);
  for (std::uint32_t i = 0; i < h.ncmds; ++i) {
    const auto lc = load_struct<LoadCommand>(file_, at);  // inside: ncmds * 8 <= sizeofcmds
    if (lc.cmdsize < sizeof(LoadCommand) || lc.cmdsize > cmds_end - at) {
      throw Error::at(where_, at + offsetof(LoadCommand, cmdsize),
                      "load command " + std::to_string(i) + " (cmd " + hex_of(lc.cmd) +
                          ") has cmdsize " + std::to_string(lc.cmdsize) +
                          ", which is below 8 or runs past the end of the load commands "
                          "(sizeofcmds " +
                          std::to_string(h.sizeofcmds) + ")");
    }
    if (lc.cmd == kLC_SEGMENT_64) read_segment(at, lc.cmdsize);
    if (lc.cmd == kLC_SYMTAB) read_symtab(at, lc.cmdsize);
    if (lc.cmd == kLC_DYLD_INFO || lc.cmd == kLC_DYLD_INFO_ONLY ||
        lc.cmd == kLC_DYLD_EXPORTS_TRIE) {
      read_export_trie(at, lc.cmd, lc.cmdsize);
    }
    at += lc.cmdsize;
    if (i + 1 < h.ncmds && cmds_end - at < sizeof(LoadCommand)) {
      throw Error::at(where_, at,
                      "load command " + std::to_string(i + 1) + " of ncmds " +
                          std::to_string(h.ncmds) +
                          " starts past the end of the load commands (sizeofcmds " +
                          std::to_string(h.sizeofcmds) + ")");
    }
  }
}

void MachOFile::read_segment(std::uint64_t at, std::uint32_t cmdsize) {
  if (cmdsize < sizeof(SegmentCommand64)) {
    throw Error::at(where_, at + offsetof(SegmentCommand64, cmdsize),
                    "LC_SEGMENT_64 cmdsize " + std::to_string(cmdsize) +
                        " is smaller than the command (72 bytes)");
  }
  const auto seg = load_struct<SegmentCommand64>(file_, at);  // inside the load commands
  if (seg.fileoff == 0 && seg.filesize != 0) image_base_ = seg.vmaddr;
  if (seg.nsects > (cmdsize - sizeof(SegmentCommand64)) / sizeof(Section64)) {
    throw Error::at(where_, at + offsetof(SegmentCommand64, nsects),
                    "segment " + printable(fixed_name(seg.segname)) + " claims nsects " +
                        std::to_string(seg.nsects) + ", which do not fit in its cmdsize " +
                        std::to_string(cmdsize) + " (72 + 80 bytes per section)");
  }
  for (std::uint32_t i = 0; i < seg.nsects; ++i) {
    const std::uint64_t sec_at =
        at + sizeof(SegmentCommand64) + std::uint64_t{i} * sizeof(Section64);
    const auto s = load_struct<Section64>(file_, sec_at);
    Section out;
    out.name = fixed_name(s.segname) + "," + fixed_name(s.sectname);
    out.addr = s.addr;
    out.size = s.size;
    out.offset = s.offset;
    out.flags = s.flags;
    out.header_at = sec_at;
    sections_.push_back(std::move(out));
  }
}

void MachOFile::read_symtab(std::uint64_t at, std::uint32_t cmdsize) {
  if (cmdsize < sizeof(SymtabCommand)) {
    throw Error::at(
        where_, at + offsetof(SymtabCommand, cmdsize),
        "LC_SYMTAB cmdsize " + std::to_string(cmdsize) + " is smaller than the command (24 bytes)");
  }
  if (has_symtab_) throw Error::at(where_, at, "a second LC_SYMTAB command (a file has one)");
  has_symtab_ = true;
  const auto st = load_struct<SymtabCommand>(file_, at);
  const std::uint64_t table = std::uint64_t{st.nsyms} * sizeof(Nlist64);
  if (!inside(st.symoff, table, file_.size())) {
    throw Error::at(where_, at + offsetof(SymtabCommand, symoff),
                    "LC_SYMTAB symoff " + std::to_string(st.symoff) + " and nsyms " +
                        std::to_string(st.nsyms) +
                        " (16 bytes each) place the symbol table past "
                        "the end of the file (" +
                        std::to_string(file_.size()) + " bytes)");
  }
  if (!inside(st.stroff, st.strsize, file_.size())) {
    throw Error::at(where_, at + offsetof(SymtabCommand, stroff),
                    "LC_SYMTAB stroff " + std::to_string(st.stroff) + " and strsize " +
                        std::to_string(st.strsize) +
                        " place the string table past the end of the file (" +
                        std::to_string(file_.size()) + " bytes)");
  }
  symbols_at_ = st.symoff;
  symbols_ = ByteView(file_.data() + st.symoff, static_cast<std::size_t>(table));
  strings_at_ = st.stroff;
  strings_ = ByteView(file_.data() + st.stroff, st.strsize);
}

void MachOFile::read_export_trie(std::uint64_t at, std::uint32_t cmd, std::uint32_t cmdsize) {
  // LC_DYLD_EXPORTS_TRIE is a linkedit_data_command (dataoff, datasize); LC_DYLD_INFO[_ONLY] a
  // dyld_info_command (export_off, export_size): both a 32-bit offset and size.
  const bool linkedit = cmd == kLC_DYLD_EXPORTS_TRIE;
  const std::uint64_t need = linkedit ? sizeof(LinkeditDataCommand) : sizeof(DyldInfoCommand);
  if (cmdsize < need) {
    throw Error::at(where_, at + offsetof(LoadCommand, cmdsize),
                    std::string(linkedit ? "LC_DYLD_EXPORTS_TRIE" : "LC_DYLD_INFO") + " cmdsize " +
                        std::to_string(cmdsize) + " is smaller than the command (" +
                        std::to_string(need) + " bytes)");
  }
  const std::uint64_t field = at + (linkedit ? offsetof(LinkeditDataCommand, dataoff)
                                             : offsetof(DyldInfoCommand, export_off));
  const std::uint64_t off = load_struct<U32>(file_, field);
  const std::uint64_t size = load_struct<U32>(file_, field + 4);
  if (size == 0) return;
  if (!trie_.empty()) throw Error::at(where_, at, "a second export trie (a file has one)");
  if (!inside(off, size, file_.size())) {
    throw Error::at(where_, field,
                    "the export trie (" + std::to_string(size) + " bytes at offset " +
                        std::to_string(off) + ") runs past the end of the file (" +
                        std::to_string(file_.size()) + " bytes)");
  }
  trie_at_ = off;
  trie_ = ByteView(file_.data() + off, static_cast<std::size_t>(size));
}

// A ULEB128 number of the trie at `p`, which must end before `end` (trie-relative).
std::uint64_t MachOFile::trie_number(std::uint64_t& p, std::uint64_t end) const {
  std::uint64_t value = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (p >= end) {
      throw Error::at(where_, trie_at_ + p, "an export trie number runs past its node");
    }
    const std::uint8_t byte = trie_.data()[p++];
    if (shift > 63 || (shift == 63 && (byte & 0x7e) != 0)) {
      throw Error::at(where_, trie_at_ + p - 1, "an export trie number exceeds 64 bits");
    }
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return value;
  }
}

// Depth-first, without recursion: a frame per node on the path (its next edge and how many are
// left), one name buffer. Each node is entered once; an edge is never empty, so the path is
// never deeper than the name is long. Only the wanted names are copied.
MachOFile::Exports MachOFile::trie_exports(
    const std::function<bool(std::string_view)>& wanted) const {
  constexpr std::size_t kMaxName = 64 << 10;
  Exports out;
  if (trie_.empty()) return out;
  const std::uint64_t size = trie_.size();
  struct Frame {
    std::uint64_t next_edge = 0, edges_left = 0;
    std::size_t name_length = 0;
  };
  std::vector<Frame> path;
  std::vector<bool> entered(static_cast<std::size_t>(size), false);
  std::string name;
  auto enter = [&](std::uint64_t node, std::uint64_t from) {
    if (node >= size) {
      throw Error::at(where_, trie_at_ + from,
                      "an export trie edge points past the end of the trie (node " +
                          std::to_string(node) + ", trie " + std::to_string(size) + " bytes)");
    }
    if (entered[node]) {
      throw Error::at(where_, trie_at_ + from,
                      "the export trie reaches node " + std::to_string(node) + " twice (a cycle)");
    }
    entered[node] = true;
    std::uint64_t p = node;
    const std::uint64_t terminal = trie_number(p, size);
    if (terminal > size - p) {
      throw Error::at(where_, trie_at_ + node,
                      "an export trie node's terminal information (" + std::to_string(terminal) +
                          " bytes) runs past the end of the trie");
    }
    const std::uint64_t children = p + terminal;
    if (terminal != 0) {
      const std::uint64_t flags = trie_number(p, children);
      if ((flags & kEXPORT_SYMBOL_FLAGS_REEXPORT) == 0 &&
          (flags & kEXPORT_SYMBOL_FLAGS_KIND_MASK) == kEXPORT_SYMBOL_FLAGS_KIND_REGULAR) {
        const std::uint64_t address = trie_number(p, children);
        out.addresses.push_back(address);
        if (wanted(name)) out.wanted.push_back({name, address, trie_at_ + node});
      }
    }
    if (children >= size) {
      throw Error::at(where_, trie_at_ + node, "an export trie node has no child count");
    }
    path.push_back({children + 1, trie_.data()[children], name.size()});
  };
  enter(0, 0);
  while (!path.empty()) {
    Frame& f = path.back();
    if (f.edges_left == 0) {
      path.pop_back();
      continue;
    }
    --f.edges_left;
    const std::uint64_t edge_at = f.next_edge;
    const char* edge = reinterpret_cast<const char*>(trie_.data()) + edge_at;
    const void* nul = edge_at < size ? std::memchr(edge, 0, size - edge_at) : nullptr;
    if (nul == nullptr) {
      throw Error::at(where_, trie_at_ + edge_at,
                      "an export trie edge is not NUL-terminated inside the trie");
    }
    const std::size_t length = static_cast<std::size_t>(static_cast<const char*>(nul) - edge);
    if (length == 0) throw Error::at(where_, trie_at_ + edge_at, "an empty export trie edge");
    if (f.name_length + length > kMaxName) {
      throw Error::at(where_, trie_at_ + edge_at, "an exported name longer than 64 KiB");
    }
    std::uint64_t p = edge_at + length + 1;
    const std::uint64_t child = trie_number(p, size);
    f.next_edge = p;
    name.resize(f.name_length);
    name.append(edge, length);
    enter(child, edge_at);  // may reallocate `path`: `f` is not used after this
  }
  return out;
}

std::size_t MachOFile::section_at(std::uint64_t vmaddr) const {
  for (std::size_t i = 0; i < sections_.size(); ++i) {
    const Section& s = sections_[i];
    if (vmaddr >= s.addr && vmaddr - s.addr < s.size && !zero_fill(s.flags)) return i + 1;
  }
  return 0;
}

LocatedSymbol MachOFile::locate_export(const Export& e,
                                       const std::vector<std::uint64_t>& next) const {
  const std::uint64_t vmaddr = image_base_ + e.address;
  const std::size_t sect = vmaddr < image_base_ ? 0 : section_at(vmaddr);
  if (sect == 0) {
    throw Error::at(where_, e.at,
                    "exported symbol " + printable(e.name) + " (address " + hex_of(vmaddr) +
                        ") lies in no section with bytes in the file");
  }
  LocatedSymbol out = in_section(e.name, sect, vmaddr - sections_[sect - 1].addr, next);
  out.external = true;
  return out;
}

// The symbol at `rel` bytes into section `sect` (1-based, with bytes in the file; `rel` at most
// its size): its file bytes, up to the next symbol of the section in `next` or the section's
// end.
LocatedSymbol MachOFile::in_section(std::string_view name, std::size_t sect, std::uint64_t rel,
                                    const std::vector<std::uint64_t>& next) const {
  const Section& s = sections_[sect - 1];
  if (!inside(s.offset, s.size, file_.size())) {
    throw Error::at(where_, s.header_at + offsetof(Section64, offset),
                    "section " + printable(s.name) + "'s contents (" + std::to_string(s.size) +
                        " bytes at offset " + std::to_string(s.offset) +
                        ") run past the end of the file (" + std::to_string(file_.size()) +
                        " bytes)");
  }
  std::uint64_t end = s.size;
  // `next` holds the defined symbols' (section, offset in section) as sect << 56 | rel, sorted;
  // section offsets beyond 2^56 cannot occur: the section lies inside the file, checked above.
  if (sect < 256) {
    auto it = std::upper_bound(next.begin(), next.end(), std::uint64_t{sect} << 56 | rel);
    if (it != next.end() && (*it >> 56) == sect)
      end = std::min(end, *it & ((std::uint64_t{1} << 56) - 1));
  }
  LocatedSymbol out;
  out.name = std::string(name);
  out.offset = s.offset + rel;
  out.extent = end - rel;
  out.section = s.name;
  out.code = (s.flags & (kS_ATTR_PURE_INSTRUCTIONS | kS_ATTR_SOME_INSTRUCTIONS)) != 0;
  return out;
}

std::string_view MachOFile::symbol_name(std::uint32_t strx, std::uint64_t at) const {
  if (strx >= strings_.size()) {
    throw Error::at(where_, at + offsetof(Nlist64, n_strx),
                    "n_strx " + std::to_string(strx) + " is past the end of the string table (" +
                        std::to_string(strings_.size()) + " bytes)");
  }
  const char* start = reinterpret_cast<const char*>(strings_.data()) + strx;
  const void* nul = std::memchr(start, 0, strings_.size() - strx);
  if (nul == nullptr) {
    throw Error::at(where_, strings_at_ + strx,
                    "a symbol name is not NUL-terminated inside the string table");
  }
  return {start, static_cast<std::size_t>(static_cast<const char*>(nul) - start)};
}

LocatedSymbol MachOFile::locate(std::string_view name, std::uint8_t sect, std::uint64_t value,
                                std::uint64_t at, const std::vector<std::uint64_t>& next) const {
  if (sect == kNO_SECT || sect > sections_.size()) {
    throw Error::at(where_, at + offsetof(Nlist64, n_sect),
                    "symbol " + printable(name) + " has n_sect " + std::to_string(sect) +
                        ", but the file has " + std::to_string(sections_.size()) +
                        " sections (numbered from 1)");
  }
  const Section& s = sections_[sect - 1];
  if (zero_fill(s.flags)) {
    throw Error::at(where_, at,
                    "symbol " + printable(name) + " is in zero-fill section " + printable(s.name) +
                        ": it has no bytes in the file");
  }
  if (value < s.addr || value - s.addr > s.size) {
    throw Error::at(where_, at + offsetof(Nlist64, n_value),
                    "symbol " + printable(name) + " (n_value " + hex_of(value) +
                        ") lies outside its section " + printable(s.name) + " (addr " +
                        hex_of(s.addr) + ", size " + std::to_string(s.size) + ")");
  }
  return in_section(name, sect, value - s.addr, next);
}

void MachOFile::for_each_symbol(const std::function<bool(std::string_view)>& wanted,
                                const std::function<void(const LocatedSymbol&)>& fn) const {
  const std::size_t count = symbols_.size() / sizeof(Nlist64);
  auto defined = [](const Nlist64& n) {
    return (n.n_type & kN_STAB) == 0 && (n.n_type & kN_TYPE) == kN_SECT;
  };
  // Pass 1: the wanted symbols (table indices), then the wanted exports the table lacks (a
  // stripped image's).
  std::vector<std::size_t> found;
  std::vector<std::string_view> found_names;
  for (std::size_t i = 0; i < count; ++i) {
    const auto n = load_struct<Nlist64>(symbols_, i * sizeof(Nlist64));
    if (!defined(n)) continue;
    const std::string_view name = symbol_name(n.n_strx, symbols_at_ + i * sizeof(Nlist64));
    if (wanted(name)) {
      found.push_back(i);
      found_names.push_back(name);
    }
  }
  const Exports exports = trie_exports(wanted);
  std::vector<const Export*> found_exports;
  for (const Export& e : exports.wanted) {
    if (std::find(found_names.begin(), found_names.end(), e.name) == found_names.end()) {
      found_exports.push_back(&e);
    }
  }
  if (found.empty() && found_exports.empty()) return;
  // Pass 2: every defined symbol's place in its section, sorted, to bound each one's extent.
  std::vector<std::uint64_t> next;
  next.reserve(count);  // bounded by the file's size: the table was read from it
  for (std::size_t i = 0; i < count; ++i) {
    const auto n = load_struct<Nlist64>(symbols_, i * sizeof(Nlist64));
    if (!defined(n) || n.n_sect == kNO_SECT || n.n_sect > sections_.size()) continue;
    const Section& s = sections_[n.n_sect - 1];
    const std::uint64_t value = n.n_value;
    if (value < s.addr || value - s.addr > s.size || value - s.addr >= std::uint64_t{1} << 56) {
      continue;
    }
    next.push_back(std::uint64_t{n.n_sect} << 56 | (value - s.addr));
  }
  for (const std::uint64_t address : exports.addresses) {
    const std::uint64_t vmaddr = image_base_ + address;
    const std::size_t sect = vmaddr < image_base_ ? 0 : section_at(vmaddr);
    if (sect == 0 || sect > 255) continue;
    next.push_back(std::uint64_t{sect} << 56 | (vmaddr - sections_[sect - 1].addr));
  }
  std::sort(next.begin(), next.end());
  for (std::size_t i : found) {
    const std::uint64_t at = symbols_at_ + i * sizeof(Nlist64);
    const auto n = load_struct<Nlist64>(symbols_, i * sizeof(Nlist64));
    LocatedSymbol loc = locate(symbol_name(n.n_strx, at), n.n_sect, n.n_value, at, next);
    loc.external = (n.n_type & kN_EXT) != 0;
    fn(loc);
  }
  for (const Export* e : found_exports) fn(locate_export(*e, next));
}

// ---- Universal files

void for_each_fat_slice(ByteView file, const std::string& where,
                        const std::function<void(const FatSlice&)>& fn) {
  const auto h = read_struct<FatHeader>(file, where, 0, "the fat_header");
  const bool wide = h.magic == kFAT_MAGIC_64;
  if (!wide && h.magic != kFAT_MAGIC) {
    throw Error::at(where, 0, "not a universal (fat) file (magic " + hex_of(h.magic) + ")");
  }
  const std::uint64_t record = wide ? sizeof(FatArch64) : sizeof(FatArch);
  const std::uint64_t count = h.nfat_arch;
  if (!inside(sizeof(FatHeader), count * record, file.size())) {
    throw Error::at(where, offsetof(FatHeader, nfat_arch),
                    "nfat_arch " + std::to_string(count) + " records of " + std::to_string(record) +
                        " bytes run past the end of the file (" + std::to_string(file.size()) +
                        " bytes)");
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t at = sizeof(FatHeader) + i * record;
    FatSlice slice;
    std::uint64_t size = 0;
    if (wide) {
      const auto a = load_struct<FatArch64>(file, at);
      slice.cputype = a.cputype;
      slice.cpusubtype = a.cpusubtype;
      slice.offset = a.offset;
      size = a.size;
    } else {
      const auto a = load_struct<FatArch>(file, at);
      slice.cputype = a.cputype;
      slice.cpusubtype = a.cpusubtype;
      slice.offset = a.offset;
      size = a.size;
    }
    slice.arch = arch_name(slice.cputype, slice.cpusubtype);
    if (slice.offset < sizeof(FatHeader) + count * record ||
        !inside(slice.offset, size, file.size())) {
      throw Error::at(where, at,
                      "slice " + std::to_string(i) + " (" + printable(slice.arch) + ": " +
                          std::to_string(size) + " bytes at offset " +
                          std::to_string(slice.offset) +
                          ") overlaps the fat header or runs past the end of the file (" +
                          std::to_string(file.size()) + " bytes)");
    }
    slice.data = ByteView(file.data() + slice.offset, static_cast<std::size_t>(size));
    fn(slice);
  }
}

// ---- Names

std::string arch_name(std::uint32_t cputype, std::uint32_t cpusubtype) {
  const std::uint32_t sub = cpusubtype & ~kCPU_SUBTYPE_MASK;
  switch (cputype) {
    case kCPU_TYPE_X86_64:
      return "x86_64";
    case kCPU_TYPE_ARM64:
      return sub == kCPU_SUBTYPE_ARM64E ? "arm64e" : "arm64";
    case kCPU_TYPE_X86:
      return "i386";
    case kCPU_TYPE_ARM:
      return "arm";
    case kCPU_TYPE_POWERPC:
      return "ppc";
    default:
      return "cputype " + hex_of(cputype);
  }
}

std::string container_name(std::uint32_t cputype) {
  switch (cputype) {
    case kCPU_TYPE_X86_64:
      return "mach-o-x86-64";
    case kCPU_TYPE_ARM64:
      return "mach-o-arm64";
    default:
      return "mach-o-cputype-" + hex_of(cputype);
  }
}

std::string machine_name(std::uint32_t cputype) {
  switch (cputype) {
    case kCPU_TYPE_X86_64:
      return "x86-64";
    case kCPU_TYPE_ARM64:
      return "aarch64";
    case kCPU_TYPE_X86:
      return "x86";
    case kCPU_TYPE_ARM:
      return "arm";
    default:
      return "Mach-O cputype " + hex_of(cputype);
  }
}

}  // namespace mblob::macho
