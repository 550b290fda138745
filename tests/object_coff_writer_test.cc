// The native COFF writer (object/coff_writer.h) through `mblob pack`, checked by tools that did
// not write it: llvm-readobj and llvm-objdump parse every object without a warning and report
// the fields the specification asks for; mingw gcc (x86-64, i686) and lld-link (x86-64, arm64)
// link it into DLLs whose export tables list the symbol, and the bytes there are the payload.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "mblob/object/coff.h"
#include "mblob/object/symbol_search.h"
#include "object_tools.h"

namespace mblob::test {
namespace {

using namespace mblob::coff;
using Bytes = std::vector<std::uint8_t>;

// What a COFF row is expected to write.
struct CoffCase {
  std::string triple;
  std::uint16_t machine;
  bool underscore;  // i386: C names carry a leading '_'
  bool msvc;        // /EXPORT: rather than -export:
};

const CoffCase kCases[] = {
    {"x86_64-w64-mingw32", kIMAGE_FILE_MACHINE_AMD64, false, false},
    {"i686-w64-mingw32", kIMAGE_FILE_MACHINE_I386, true, false},
    {"x86_64-pc-windows-msvc", kIMAGE_FILE_MACHINE_AMD64, false, true},
    {"aarch64-pc-windows-msvc", kIMAGE_FILE_MACHINE_ARM64, false, true},
};

// llvm-readobj's view of a COFF object: "Key: value" lines of the header, of each
// `Section {` and `Symbol {` block, and the directives.
struct CoffFacts {
  std::map<std::string, std::string> header;
  std::vector<std::map<std::string, std::string>> sections, symbols;
  std::string directives;
  std::string diagnostics;

  const std::map<std::string, std::string>* section(const std::string& name) const {
    for (const auto& s : sections) {
      if (s.at("Name").rfind(name + " (", 0) == 0) return &s;
    }
    return nullptr;
  }
  const std::map<std::string, std::string>* symbol(const std::string& name) const {
    for (const auto& s : symbols) {
      if (s.at("Name") == name) return &s;
    }
    return nullptr;
  }
};

CoffFacts readobj_coff(const fs::path& file) {
  RunResult r = run({"llvm-readobj", "--file-headers", "--sections", "--symbols",
                     "--coff-directives", file.string()});
  CoffFacts f;
  f.diagnostics = obj::warnings_in(r);
  std::istringstream in(r.out);
  std::map<std::string, std::string>* block = nullptr;
  for (std::string line; std::getline(in, line);) {
    const std::string t = obj::trim(line);
    if (t == "Section {") block = &f.sections.emplace_back();
    if (t == "Symbol {") block = &f.symbols.emplace_back();
    if (t == "}") block = nullptr;
    if (t.rfind("Characteristics [", 0) == 0) {  // "Characteristics [ (0x40100040)"
      (block != nullptr ? *block : f.header)["Characteristics ["] = t;
      continue;
    }
    const std::size_t colon = t.find(": ");
    if (colon == std::string::npos) continue;
    const std::string key = t.substr(0, colon), value = t.substr(colon + 2);
    if (key == "Directive(s)") f.directives = obj::trim(value);
    (block != nullptr ? *block : f.header)[key] = value;
  }
  return f;
}

// llvm-objdump -h -t -s: exit 0 and nothing on stderr.
std::string objdump_diagnostics(const fs::path& file) {
  RunResult r = run({"llvm-objdump", "-h", "-t", "-s", file.string()});
  std::string d = r.err;
  if (r.exit_code != 0) d += "exit code " + std::to_string(r.exit_code);
  return d;
}

std::uint64_t number(const std::string& v) { return obj::paren_num(v); }

fs::path pack_coff(const TempDir& dir, const Bytes& payload, const std::string& triple,
                   const std::vector<std::string>& extra = {}, const std::string& symbol = "blob") {
  write_bytes(dir / "in.bin", payload);
  const fs::path out = dir / "blob.o";
  std::vector<std::string> args = {
      (dir / "in.bin").string(), "-o", out.string(), "--symbol", symbol, "--target", triple};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = obj::pack(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

// The bytes the reader (symbol_search.h) finds at C name `symbol`, read to its extent.
Bytes read_back(const fs::path& file, const std::string& symbol) {
  Bytes bytes = read_bytes(file);
  auto found = find_symbols(ByteView(bytes), file.string(),
                            [&](std::string_view n) { return n == symbol || n == "_" + symbol; });
  if (found.size() != 1) {
    ADD_FAILURE() << found.size() << " definitions of " << symbol << " in " << file;
    return {};
  }
  const SymbolLocation& loc = found[0];
  return {bytes.begin() + static_cast<std::ptrdiff_t>(loc.offset),
          bytes.begin() + static_cast<std::ptrdiff_t>(loc.offset + loc.size)};
}

std::string directive(const CoffCase& c, const std::string& name) {
  return c.msvc ? "/EXPORT:" + name + ",DATA" : "-export:" + name + ",data";
}

void PrintTo(const CoffCase& c, std::ostream* os) { *os << c.triple; }

class CoffWriterTargets : public ::testing::TestWithParam<CoffCase> {};

// Every row, every size class: the tools read the header, the section, the symbol and the
// directive the specification asks for, and the section's bytes are the payload's.
TEST_P(CoffWriterTargets, ObjectParsesCleanlyAndHoldsThePayload) {
  const CoffCase& c = GetParam();
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  MBLOB_REQUIRE_TOOL(objdump, "llvm-objdump");
  for (std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{4097}, std::size_t{(1 << 20) + 1}}) {
    SCOPED_TRACE(c.triple + ", " + std::to_string(size) + " bytes");
    TempDir dir;
    const Bytes payload = pattern_bytes(size, 7);
    const fs::path o = pack_coff(dir, payload, c.triple, {}, "__tvm_ffi__library_bin");
    CoffFacts f = readobj_coff(o);
    EXPECT_EQ(f.diagnostics, "");
    EXPECT_EQ(objdump_diagnostics(o), "");
    EXPECT_EQ(number(f.header["Machine"]), c.machine);
    EXPECT_EQ(number(f.header["TimeDateStamp"]), 0u) << "deterministic";
    EXPECT_EQ(f.header["SectionCount"], "2");
    EXPECT_EQ(f.header["SymbolCount"], "1");
    const auto* rdata = f.section(".rdata");
    ASSERT_NE(rdata, nullptr);
    EXPECT_EQ(number(rdata->at("RawDataSize")), size);
    EXPECT_EQ(number(rdata->at("Characteristics [")),
              kIMAGE_SCN_CNT_INITIALIZED_DATA | kIMAGE_SCN_MEM_READ | kIMAGE_SCN_ALIGN_16BYTES);
    const Bytes file = read_bytes(o);
    const std::uint64_t at = number(rdata->at("PointerToRawData"));
    ASSERT_LE(at + size, file.size());
    EXPECT_TRUE(
        std::equal(payload.begin(), payload.end(), file.begin() + static_cast<std::ptrdiff_t>(at)));
    const auto* drectve = f.section(".drectve");
    ASSERT_NE(drectve, nullptr);
    EXPECT_EQ(number(drectve->at("Characteristics [")),
              kIMAGE_SCN_LNK_INFO | kIMAGE_SCN_LNK_REMOVE | kIMAGE_SCN_ALIGN_1BYTES);
    EXPECT_EQ(f.directives, directive(c, "__tvm_ffi__library_bin"));
    const std::string name = (c.underscore ? "_" : "") + std::string("__tvm_ffi__library_bin");
    const auto* sym = f.symbol(name);
    ASSERT_NE(sym, nullptr) << name;
    EXPECT_EQ(sym->at("Value"), "0");
    EXPECT_EQ(sym->at("Section"), ".rdata (1)");
    EXPECT_EQ(number(sym->at("StorageClass")), kIMAGE_SYM_CLASS_EXTERNAL);
    if (size > 0) {
      EXPECT_EQ(read_back(o, "__tvm_ffi__library_bin"), payload);
    }
  }
}

// i386 C names carry a leading '_' in the symbol table; the directive names the C name.
TEST_P(CoffWriterTargets, SymbolSpellingFollowsTheMachine) {
  const CoffCase& c = GetParam();
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  CoffFacts f = readobj_coff(pack_coff(dir, pattern_bytes(10, 1), c.triple, {}, "b"));
  EXPECT_EQ(f.diagnostics, "");
  EXPECT_NE(f.symbol(c.underscore ? "_b" : "b"), nullptr);
  EXPECT_EQ(f.symbol(c.underscore ? "b" : "_b"), nullptr);
  EXPECT_EQ(f.directives, directive(c, "b"));
}

// <symbol>_end marks the end of the data; <symbol>_size is a little-endian u64 in a section of
// its own that the linker groups into .rdata; all three are exported.
TEST_P(CoffWriterTargets, SizeSymbolDefinesEndAndSize) {
  const CoffCase& c = GetParam();
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  MBLOB_REQUIRE_TOOL(objdump, "llvm-objdump");
  TempDir dir;
  const Bytes payload = pattern_bytes(4097, 3);
  const fs::path o = pack_coff(dir, payload, c.triple, {"--size-symbol"});
  CoffFacts f = readobj_coff(o);
  EXPECT_EQ(f.diagnostics, "");
  EXPECT_EQ(objdump_diagnostics(o), "");
  const std::string u = c.underscore ? "_" : "";
  const auto* end = f.symbol(u + "blob_end");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->at("Value"), "4097");
  EXPECT_EQ(end->at("Section"), ".rdata (1)");
  const auto* size = f.symbol(u + "blob_size");
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->at("Section"), ".rdata$blob_size (2)");
  const auto* section = f.section(".rdata$blob_size");
  ASSERT_NE(section, nullptr);
  EXPECT_EQ(number(section->at("Characteristics [")),
            kIMAGE_SCN_CNT_INITIALIZED_DATA | kIMAGE_SCN_MEM_READ | kIMAGE_SCN_ALIGN_8BYTES);
  EXPECT_EQ(read_back(o, "blob"), payload) << "blob_end bounds the blob's extent";
  EXPECT_EQ(read_back(o, "blob_size"), (Bytes{0x01, 0x10, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(f.directives, directive(c, "blob") + " " + directive(c, "blob_end") + " " +
                              directive(c, "blob_size"));
}

// Hidden: no directive section, so no DLL exports the symbol; it stays external for the link.
TEST_P(CoffWriterTargets, HiddenSymbolIsNotExported) {
  const CoffCase& c = GetParam();
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  CoffFacts f =
      readobj_coff(pack_coff(dir, pattern_bytes(64, 2), c.triple, {"--visibility", "hidden"}));
  EXPECT_EQ(f.diagnostics, "");
  EXPECT_EQ(f.section(".drectve"), nullptr);
  EXPECT_EQ(f.directives, "");
  const auto* sym = f.symbol(c.underscore ? "_blob" : "blob");
  ASSERT_NE(sym, nullptr);
  EXPECT_EQ(number(sym->at("StorageClass")), kIMAGE_SYM_CLASS_EXTERNAL);
}

// COFF has no protected visibility: the symbol is exported like a default one.
TEST_P(CoffWriterTargets, ProtectedSymbolIsExportedLikeDefault) {
  const CoffCase& c = GetParam();
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  const Bytes payload = pattern_bytes(64, 2);
  const Bytes def = read_bytes(pack_coff(dir, payload, c.triple));
  CoffFacts f = readobj_coff(pack_coff(dir, payload, c.triple, {"--visibility", "protected"}));
  EXPECT_EQ(f.diagnostics, "");
  EXPECT_EQ(f.directives, directive(c, "blob"));
  EXPECT_EQ(read_bytes(dir / "blob.o"), def);
}

INSTANTIATE_TEST_SUITE_P(Rows, CoffWriterTargets, ::testing::ValuesIn(kCases),
                         [](const auto& info) {
                           std::string n = info.param.triple;
                           for (auto& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

// --align 1 .. 8192 is the section's IMAGE_SCN_ALIGN_<n>BYTES, as llvm-readobj names it.
TEST(CoffWriter, AlignmentIsTheSectionsAlignCharacteristic) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  for (std::uint64_t align = 1; align <= 8192; align *= 2) {
    SCOPED_TRACE(align);
    TempDir dir;
    CoffFacts f = readobj_coff(pack_coff(dir, pattern_bytes(100, 4), "x86_64-w64-mingw32",
                                         {"--align", std::to_string(align)}));
    EXPECT_EQ(f.diagnostics, "");
    const auto* rdata = f.section(".rdata");
    ASSERT_NE(rdata, nullptr);
    const std::uint64_t flags = number(rdata->at("Characteristics ["));
    const std::uint64_t n = (flags & kIMAGE_SCN_ALIGN_MASK) >> 20;
    EXPECT_EQ(std::uint64_t{1} << (n - 1), align);
    // The payload's file offset honours the alignment too (up to a page).
    EXPECT_EQ(number(rdata->at("PointerToRawData")) % std::min<std::uint64_t>(align, 4096), 0u);
  }
}

// Past 8192 bytes COFF cannot say the alignment: refused, not lowered, and nothing written.
TEST(CoffWriter, AlignmentOver8192IsRefused) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(100, 4));
  RunResult r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol",
                           "blob", "--target", "x86_64-w64-mingw32", "--align", "16384"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("16384"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("8192"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "blob.o"));
}

// Sections a COFF linker treats specially are refused, naming the section.
TEST(CoffWriter, LinkerSectionsAreRefused) {
  for (const char* section : {".drectve", ".debug$S", ".idata$5", ".CRT$XCU", ".tls", ".bss"}) {
    SCOPED_TRACE(section);
    TempDir dir;
    write_bytes(dir / "in.bin", pattern_bytes(10, 4));
    RunResult r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol",
                             "blob", "--target", "x86_64-w64-mingw32", "--section", section});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(section), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "blob.o"));
  }
}

// Section names are letters, digits, '_', '.' and '$'.
TEST(CoffWriter, SectionNameCharactersAreChecked) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10, 4));
  RunResult r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol",
                           "blob", "--target", "x86_64-w64-mingw32", "--section", ".rdata-x"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("'-' is not allowed"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "blob.o"));
}

// A long section name goes to the string table ("/4") and reads back.
TEST(CoffWriter, LongSectionNameGoesToTheStringTable) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  CoffFacts f = readobj_coff(pack_coff(dir, pattern_bytes(10, 4), "x86_64-w64-mingw32",
                                       {"--section", ".rdata$mblob_blob"}));
  EXPECT_EQ(f.diagnostics, "");
  ASSERT_NE(f.section(".rdata$mblob_blob"), nullptr);
}

TEST(CoffWriter, OutputIsDeterministic) {
  TempDir dir;
  const Bytes payload = pattern_bytes(5000, 9);
  const Bytes a = read_bytes(pack_coff(dir, payload, "aarch64-pc-windows-msvc", {"--size-symbol"}));
  const Bytes b = read_bytes(pack_coff(dir, payload, "aarch64-pc-windows-msvc", {"--size-symbol"}));
  EXPECT_EQ(a, b);
}

// A stream of unknown length gives the same object as the file (the header patched at the end).
TEST(CoffWriter, StreamGivesTheSameObjectAsTheFile) {
  for (std::size_t size : {std::size_t{4097}, std::size_t{(1 << 20) + 1}}) {
    SCOPED_TRACE(size);
    TempDir dir;
    const Bytes payload = pattern_bytes(size, 9);
    const Bytes from_file = read_bytes(pack_coff(dir, payload, "x86_64-w64-mingw32"));
    RunResult r = run({"sh", "-c",
                       "cat \"$1\" | \"$2\" pack - -o \"$3\" --symbol blob --target "
                       "x86_64-w64-mingw32 -q",
                       "sh", (dir / "in.bin").string(), cli(), (dir / "stream.o").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_bytes(dir / "stream.o"), from_file);
  }
}

// ---- Linked into DLLs by the toolchains that use them

// The DLL's export table lists the symbol, and the reader finds the payload there.
void expect_dll_exports(const fs::path& dll, const Bytes& payload) {
  RunResult r = run_ok({"llvm-readobj", "--coff-exports", dll.string()});
  EXPECT_NE(r.out.find("Name: blob\n"), std::string::npos) << r.out;
  Bytes back = read_back(dll, "blob");
  ASSERT_GE(back.size(), payload.size());  // an extent: to the end of the section's raw data
  back.resize(payload.size());
  EXPECT_EQ(back, payload);
}

TEST(CoffWriterLink, MingwGccLinksADllExportingTheBlob) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  for (const char* triple : {"x86_64-w64-mingw32", "i686-w64-mingw32"}) {
    SCOPED_TRACE(triple);
    const std::string gcc_name = std::string(triple) + "-gcc";
    MBLOB_REQUIRE_TOOL(gcc, gcc_name);
    TempDir dir;
    const Bytes payload = pattern_bytes(100003, 5);
    const fs::path o = pack_coff(dir, payload, triple);
    write_text(dir / "host.c", "int model_add(int a, int b) { return a + b; }\n");
    const fs::path dll = dir / "m.dll";
    run_ok(
        {gcc, "-shared", "-nostdlib", "-o", dll.string(), (dir / "host.c").string(), o.string()});
    expect_dll_exports(dll, payload);
  }
}

TEST(CoffWriterLink, LldLinkLinksAnMsvcDllExportingTheBlob) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  MBLOB_REQUIRE_TOOL(clang, "clang");
  MBLOB_REQUIRE_TOOL(lld_link, "lld-link");
  for (const char* triple : {"x86_64-pc-windows-msvc", "aarch64-pc-windows-msvc"}) {
    SCOPED_TRACE(triple);
    TempDir dir;
    const Bytes payload = pattern_bytes(100003, 6);
    const fs::path o = pack_coff(dir, payload, triple, {"--size-symbol"});
    write_text(dir / "host.c",
               "__declspec(dllexport) int model_add(int a, int b) { return a + b; }\n");
    run_ok({clang, "-target", triple, "-c", "-O2", (dir / "host.c").string(), "-o",
            (dir / "host.o").string()});
    const fs::path dll = dir / "m.dll";
    run_ok({lld_link, "/dll", "/noentry", "/nodefaultlib", "/out:" + dll.string(),
            (dir / "host.o").string(), o.string()});
    expect_dll_exports(dll, payload);
    RunResult r = run_ok({"llvm-readobj", "--coff-exports", dll.string()});
    EXPECT_NE(r.out.find("Name: blob_size\n"), std::string::npos) << r.out;
    EXPECT_EQ(read_back(dll, "blob_size").at(0), 100003 & 0xff);
  }
}

}  // namespace
}  // namespace mblob::test
