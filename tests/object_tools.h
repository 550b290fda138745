// Helpers for the object writer's tests: run `mblob pack`, and read objects back with the
// system's own tools (GNU readelf and llvm-readobj), parsed into numbers the tests compare
// against the spec. Two independent parsers of the same file: a field both agree on is right.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace mblob::test::obj {

struct Section {
  std::string name;
  std::uint64_t type = 0, flags = 0, offset = 0, size = 0, link = 0, info = 0, align = 0,
                entsize = 0, address = 0;
};
struct Symbol {
  std::string name;
  std::uint64_t value = 0, size = 0, bind = 0, type = 0, vis = 0, shndx = 0;
};
// The ELF facts one tool reports about a file.
struct Facts {
  std::uint64_t elf_class = 0;  // 1 = ELF32, 2 = ELF64
  std::uint64_t data = 0;       // 1 = LSB, 2 = MSB
  std::uint64_t type = 0, machine = 0, flags = 0, shoff = 0, shnum = 0, shstrndx = 0;
  std::vector<Section> sections;
  std::vector<Symbol> symbols;
  std::string diagnostics;  // stderr plus any warning/error lines of stdout

  const Section* section(const std::string& n) const {
    for (const auto& s : sections) {
      if (s.name == n) return &s;
    }
    return nullptr;
  }
  const Symbol* symbol(const std::string& n) const {
    for (const auto& s : symbols) {
      if (s.name == n) return &s;
    }
    return nullptr;
  }
};

inline std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

inline std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

inline std::uint64_t num(const std::string& s) { return std::stoull(s, nullptr, 0); }

// The number in the last "(0x..)" of an llvm-readobj value, else the value itself.
inline std::uint64_t paren_num(const std::string& v) {
  std::size_t p = v.rfind("(0x");
  if (p != std::string::npos) return std::stoull(v.substr(p + 1), nullptr, 16);
  return num(v);
}

inline std::string warnings_in(const mblob::test::RunResult& r) {
  std::string d = r.err;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::string low;
    for (char c : line) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (low.find("warning") != std::string::npos || low.find("error") != std::string::npos) {
      d += line + "\n";
    }
  }
  if (r.exit_code != 0) d += "exit code " + std::to_string(r.exit_code) + "\n";
  return d;
}

// GNU readelf -W -h -S -s.
inline Facts readelf(const std::string& file, const std::string& tool = "readelf") {
  RunResult r = run({tool, "-W", "-h", "-S", "-s", file});
  Facts f;
  f.diagnostics = warnings_in(r);
  std::istringstream in(r.out);
  enum { none, sections, symbols } mode = none;
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    if (t.rfind("Section Headers:", 0) == 0) mode = sections;
    if (t.rfind("Symbol table", 0) == 0) mode = symbols;
    if (t.rfind("Key to Flags", 0) == 0) mode = none;
    std::size_t colon = t.find(':');
    if (mode == none && colon != std::string::npos) {
      std::string key = t.substr(0, colon), v = trim(t.substr(colon + 1));
      if (key == "Class") f.elf_class = v == "ELF64" ? 2 : v == "ELF32" ? 1 : 0;
      if (key == "Data") f.data = v.find("little") != std::string::npos ? 1 : 2;
      if (key == "Type") f.type = v.rfind("REL ", 0) == 0 ? 1 : 99;
      if (key == "Flags") f.flags = num(words(v)[0].substr(0, words(v)[0].find(',')));
      if (key == "Start of section headers") f.shoff = num(words(v)[0]);
      if (key == "Number of section headers") f.shnum = num(words(v)[0]);
      if (key == "Section header string table index") f.shstrndx = num(words(v)[0]);
      if (key == "Machine") f.machine = v.find("<unknown") == std::string::npos ? 1 : 0;
    }
    if (mode == sections && t.rfind("[", 0) == 0 && t.find(']') != std::string::npos &&
        t.rfind("[Nr]", 0) != 0) {
      auto w = words(t.substr(t.find(']') + 1));
      Section s;
      std::size_t i = 0;
      if (w.size() == 8) {
        s.name = "";  // the null section: no name, no flags
      } else {
        s.name = w[i++];
      }
      const std::string& type = w[i++];
      s.type = type == "NULL"       ? 0
               : type == "PROGBITS" ? 1
               : type == "SYMTAB"   ? 2
               : type == "STRTAB"   ? 3
                                    : 99;
      s.address = std::stoull(w[i++], nullptr, 16);
      s.offset = std::stoull(w[i++], nullptr, 16);
      s.size = std::stoull(w[i++], nullptr, 16);
      s.entsize = std::stoull(w[i++], nullptr, 16);
      bool has_flags = w.size() - i == 4;
      if (has_flags) {
        for (char c : w[i++]) {
          s.flags |= c == 'W' ? 0x1 : c == 'A' ? 0x2 : c == 'X' ? 0x4 : c == 'l' ? 0x10000000 : 0;
        }
      }
      s.link = num(w[i++]);
      s.info = num(w[i++]);
      s.align = num(w[i++]);
      f.sections.push_back(s);
    }
    if (mode == symbols && !t.empty() && std::isdigit(static_cast<unsigned char>(t[0]))) {
      auto w = words(t);
      if (w.size() < 7) continue;
      Symbol s;
      s.value = std::stoull(w[1], nullptr, 16);
      s.size = num(w[2]);
      s.type = w[3] == "NOTYPE" ? 0 : w[3] == "OBJECT" ? 1 : w[3] == "FUNC" ? 2 : 99;
      s.bind = w[4] == "LOCAL" ? 0 : w[4] == "GLOBAL" ? 1 : w[4] == "WEAK" ? 2 : 99;
      s.vis = w[5] == "DEFAULT"     ? 0
              : w[5] == "INTERNAL"  ? 1
              : w[5] == "HIDDEN"    ? 2
              : w[5] == "PROTECTED" ? 3
                                    : 99;
      s.shndx = w[6] == "UND" ? 0 : w[6] == "ABS" ? 0xfff1 : num(w[6]);
      s.name = w.size() > 7 ? w[7] : "";
      f.symbols.push_back(s);
    }
  }
  return f;
}

// llvm-readobj --file-headers --sections --symbols (LLVM output style).
inline Facts readobj(const std::string& file) {
  RunResult r = run({"llvm-readobj", "--file-headers", "--sections", "--symbols", file});
  Facts f;
  f.diagnostics = warnings_in(r);
  std::istringstream in(r.out);
  std::string block;
  Section sec;
  Symbol sym;
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    if (t == "Section {") block = "Section", sec = {};
    if (t == "Symbol {") block = "Symbol", sym = {};
    if (t == "}" && block == "Section") f.sections.push_back(sec), block = "";
    if (t == "}" && block == "Symbol") f.symbols.push_back(sym), block = "";
    std::string key, v;
    if (std::size_t b = t.find(" [ ("); b != std::string::npos) {
      key = t.substr(0, b), v = t.substr(b + 3);
    } else if (std::size_t c = t.find(':'); c != std::string::npos) {
      key = t.substr(0, c), v = trim(t.substr(c + 1));
    } else {
      continue;
    }
    auto name_of = [](const std::string& v) {
      std::size_t p = v.rfind(" (");
      return p == std::string::npos ? v : trim(v.substr(0, p));
    };
    if (block.empty()) {
      if (key == "Class") f.elf_class = paren_num(v);
      if (key == "DataEncoding") f.data = paren_num(v);
      if (key == "Type") f.type = paren_num(v);
      if (key == "Machine") f.machine = paren_num(v);
      if (key == "Flags") f.flags = paren_num(v);
      if (key == "SectionHeaderOffset") f.shoff = num(v);
      if (key == "SectionHeaderCount") f.shnum = num(v);
      if (key == "StringTableSectionIndex") f.shstrndx = num(v);
    } else if (block == "Section") {
      if (key == "Name") sec.name = name_of(v);
      if (key == "Type") sec.type = paren_num(v);
      if (key == "Flags") sec.flags = paren_num(v);
      if (key == "Address") sec.address = num(v);
      if (key == "Offset") sec.offset = num(v);
      if (key == "Size") sec.size = num(v);
      if (key == "Link") sec.link = num(v);
      if (key == "Info") sec.info = num(v);
      if (key == "AddressAlignment") sec.align = num(v);
      if (key == "EntrySize") sec.entsize = num(v);
    } else if (block == "Symbol") {
      if (key == "Name") sym.name = name_of(v);
      if (key == "Value") sym.value = num(v);
      if (key == "Size") sym.size = num(v);
      if (key == "Binding") sym.bind = paren_num(v);
      if (key == "Type") sym.type = paren_num(v);
      if (key == "Other") sym.vis = paren_num(v) & 3;
      if (key == "Section") sym.shndx = v.rfind("Undefined", 0) == 0 ? 0 : paren_num(v);
    }
  }
  return f;
}

// `mblob pack ARGS... -q`.
inline RunResult pack(std::vector<std::string> args) {
  args.insert(args.begin(), {cli(), "pack"});
  args.emplace_back("-q");
  return run(args);
}

inline std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A slice of a file.
inline std::vector<std::uint8_t> file_range(const fs::path& p, std::uint64_t off,
                                            std::uint64_t size) {
  auto all = read_bytes(p);
  if (off > all.size() || size > all.size() - off) return {};
  return {all.begin() + static_cast<std::ptrdiff_t>(off),
          all.begin() + static_cast<std::ptrdiff_t>(off + size)};
}

// Number of entries in `dir` whose name contains ".mblob-tmp-" (leftover temp files).
inline int temp_files_in(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".mblob-tmp-") != std::string::npos) ++n;
  }
  return n;
}

}  // namespace mblob::test::obj

// ---- Host shared-library checks (used by the link and size tests).
#include <dlfcn.h>
#include <link.h>

#include <cstring>

namespace mblob::test::obj {

// The C side of a host library: a function returning the blob's address, so the test can
// check that code in the library and dlsym agree.
inline const char* kHostWrapC =
    "extern const unsigned char blob[];\n"
    "const unsigned char* get_blob(void) { return blob; }\n";

// Links `object` + the wrapper into `so` with `gcc -fuse-ld=<linker>`; returns "" or the error.
inline std::string link_host_so(const fs::path& dir, const fs::path& object, const fs::path& so,
                                const std::string& linker) {
  fs::path wrap = dir / "wrap.c";
  if (!fs::exists(wrap)) write_text(wrap, kHostWrapC);
  RunResult r = run({"gcc", "-shared", "-fPIC", "-fuse-ld=" + linker, "-o", so.string(),
                     wrap.string(), object.string()});
  if (r.exit_code != 0) return "gcc -fuse-ld=" + linker + " failed:\n" + r.err;
  return "";
}

// dlopens `so` and checks the blob's bytes, its dynamic st_size and (when given) blob_size.
inline void expect_host_so_holds(const fs::path& so, const std::vector<std::uint8_t>& payload,
                                 bool size_symbol) {
  void* h = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << ::dlerror();
  auto get = reinterpret_cast<const unsigned char* (*)()>(::dlsym(h, "get_blob"));
  auto* sym = static_cast<const unsigned char*>(::dlsym(h, "blob"));
  ASSERT_NE(get, nullptr);
  ASSERT_NE(sym, nullptr);
  EXPECT_EQ(get(), sym) << "the library's code and dlsym see the same address";
  EXPECT_TRUE(payload.empty() || std::memcmp(sym, payload.data(), payload.size()) == 0)
      << "bytes differ";
  if (!payload.empty()) {
    Dl_info info{};
    void* entry = nullptr;
    ASSERT_NE(::dladdr1(sym, &info, &entry, RTLD_DL_SYMENT), 0);
    const auto* es = static_cast<const ElfW(Sym)*>(entry);
    ASSERT_NE(es, nullptr);
    EXPECT_STREQ(info.dli_sname, "blob");
    EXPECT_EQ(es->st_size, payload.size());
  }
  if (size_symbol) {
    auto* end = static_cast<const unsigned char*>(::dlsym(h, "blob_end"));
    auto* size = static_cast<const std::uint64_t*>(::dlsym(h, "blob_size"));
    ASSERT_NE(end, nullptr) << ::dlerror();
    ASSERT_NE(size, nullptr) << ::dlerror();
    EXPECT_EQ(static_cast<std::size_t>(end - sym), payload.size()) << "blob_end - blob";
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(size) % alignof(std::uint64_t), 0u);
    EXPECT_EQ(*size, payload.size()) << "blob_size (a const uint64_t)";
  }
  ::dlclose(h);
}

}  // namespace mblob::test::obj
