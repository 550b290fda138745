// The COFF object and PE image readers (object/coff_reader.h), through find_symbols as every
// caller uses them, on files real tools made: objects and DLLs from mingw gcc, static
// libraries from mingw ar, i386 and arm64 objects from clang, a PE32 DLL from lld-link; and on
// damaged files, which give errors naming the file and the offset, never a crash.
#include <gtest/gtest.h>

#include <cstring>

#include "mblob/core/error.h"
#include "mblob/object/coff.h"
#include "mblob/object/symbol_search.h"
#include "support/test_support.h"

namespace mblob::test {
namespace {

using namespace mblob::coff;

using Bytes = std::vector<std::uint8_t>;

// A C array initializer of `bytes`.
std::string c_bytes(const Bytes& bytes) {
  std::string s;
  for (std::uint8_t b : bytes) s += std::to_string(b) + ",";
  return s;
}

// Compiles C source `text` with `argv` (compiler and flags; the source and "-o out" are
// appended) and returns the output's bytes.
Bytes build(const std::vector<std::string>& argv, const std::string& text,
            const std::string& out_name) {
  TempDir dir;
  write_text(dir / "src.c", text);
  std::vector<std::string> args = argv;
  args.insert(args.end(), {(dir / "src.c").string(), "-o", (dir / out_name).string()});
  auto r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_bytes(dir / out_name);
}

std::vector<SymbolLocation> find_named(const Bytes& file, const std::string& name) {
  return find_symbols(ByteView(file), "test.dll", [&](std::string_view n) { return n == name; });
}

Bytes slice(const Bytes& file, std::uint64_t offset, std::uint64_t size) {
  return {file.begin() + static_cast<std::ptrdiff_t>(offset),
          file.begin() + static_cast<std::ptrdiff_t>(offset + size)};
}

std::uint16_t get16(const Bytes& f, std::size_t at) {
  return static_cast<std::uint16_t>(f[at] | f[at + 1] << 8);
}
std::uint32_t get32(const Bytes& f, std::size_t at) {
  return static_cast<std::uint32_t>(f[at] | f[at + 1] << 8 | f[at + 2] << 16) |
         static_cast<std::uint32_t>(f[at + 3]) << 24;
}
void put32(Bytes& f, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    f[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put16(Bytes& f, std::size_t at, std::uint16_t v) {
  f[at] = static_cast<std::uint8_t>(v);
  f[at + 1] = static_cast<std::uint8_t>(v >> 8);
}

const Bytes kPayload = pattern_bytes(300, 7);

// A mingw x86-64 object: a long-named blob (string table), a short-named array after it in the
// same section, and a .bss array.
Bytes mingw_object(const std::string& gcc) {
  return build({gcc, "-c", "-O2"},
               "const unsigned char __tvm_ffi__library_bin[] = {" + c_bytes(kPayload) +
                   "};\nconst unsigned char after[] = {1,2,3};\nunsigned char zeros[64];\n",
               "o.o");
}

// A mingw x86-64 DLL (no C runtime: small) exporting the blob as data and a forwarder.
Bytes mingw_dll(const std::string& gcc) {
  TempDir dir;
  write_text(dir / "f.def", "EXPORTS\nforwarded = KERNEL32.Sleep\n");
  return build({gcc, "-shared", "-nostdlib", "-s", "-O2", (dir / "f.def").string()},
               "__declspec(dllexport) const unsigned char __tvm_ffi__library_bin[] = {" +
                   c_bytes(kPayload) +
                   "};\n__declspec(dllexport) int answer(void) { return 42; }\n",
               "m.dll");
}

// ---- Objects ---------------------------------------------------------------------------------

TEST(ObjectCoffReader, ObjectDataSymbolMapsToItsRawData) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = mingw_object(gcc);
  auto found = find_named(file, "__tvm_ffi__library_bin");  // a long name: the string table
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].container, "pe-x86-64");
  EXPECT_EQ(found[0].machine, kIMAGE_FILE_MACHINE_AMD64);
  EXPECT_TRUE(found[0].size_is_extent);
  EXPECT_FALSE(found[0].leading_underscore);
  ASSERT_GE(found[0].size, kPayload.size());
  EXPECT_EQ(slice(file, found[0].offset, kPayload.size()), kPayload);
}

TEST(ObjectCoffReader, ObjectExtentEndsAtTheNextSymbolOfTheSection) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = mingw_object(gcc);
  auto blob = find_named(file, "__tvm_ffi__library_bin");
  auto after = find_named(file, "after");  // a short name: in the record itself
  ASSERT_EQ(blob.size(), 1u);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(slice(file, after[0].offset, 3), (Bytes{1, 2, 3}));
  // Whichever comes first in the section ends where the other begins (plus alignment).
  const auto& first = blob[0].offset < after[0].offset ? blob[0] : after[0];
  const auto& second = blob[0].offset < after[0].offset ? after[0] : blob[0];
  EXPECT_EQ(first.offset + first.size, second.offset);
}

TEST(ObjectCoffReader, UninitializedDataHasNoBytesAndIsRefused) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = mingw_object(gcc);
  std::string err = error_of([&] { find_named(file, "zeros"); });
  EXPECT_NE(err.find("test.dll"), std::string::npos) << err;
  EXPECT_NE(err.find("zeros"), std::string::npos) << err;
  EXPECT_NE(err.find("no raw data"), std::string::npos) << err;
}

TEST(ObjectCoffReader, StaticLibraryOfCoffObjectsIsSearchedMemberByMember) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  MBLOB_REQUIRE_TOOL(ar, "x86_64-w64-mingw32-ar");
  TempDir dir;
  write_bytes(dir / "first_member.o", mingw_object(gcc));
  write_bytes(dir / "b.o", build({gcc, "-c"},
                                 "const unsigned char m___tvm_ffi__library_bin[] = {" +
                                     c_bytes(kPayload) + "};\n",
                                 "b.o"));
  run_ok({ar, "rcs", (dir / "lib.a").string(), (dir / "first_member.o").string(),
          (dir / "b.o").string()});
  auto file = read_bytes(dir / "lib.a");
  auto found = find_blob_symbols(ByteView(file), "lib.a");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].location.member, "first_member.o");
  EXPECT_EQ(found[0].prefix, "");
  EXPECT_EQ(found[1].location.member, "b.o");
  EXPECT_EQ(found[1].prefix, "m_");
  for (const auto& b : found) {
    EXPECT_EQ(b.location.container, "pe-x86-64");
    EXPECT_EQ(slice(file, b.location.offset, kPayload.size()), kPayload);
  }
}

// gcc's `.refptr.<name>`: a pointer to an external, in every object that takes its address.
TEST(ObjectCoffReader, MingwRefptrPointerIsNotABlobSymbol) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = build({gcc, "-c", "-O2"},
                    "extern const unsigned char m___tvm_ffi__library_bin[];\n"
                    "const void* get(void) { return m___tvm_ffi__library_bin; }\n",
                    "r.o");
  ASSERT_EQ(find_named(file, ".refptr.m___tvm_ffi__library_bin").size(), 1u);
  EXPECT_TRUE(find_blob_symbols(ByteView(file), "r.o").empty());
}

TEST(ObjectCoffReader, I386ObjectNamesKeepTheirUnderscoreAndBlobNamesDropIt) {
  MBLOB_REQUIRE_TOOL(clang, "clang");
  auto file = build({clang, "--target=i686-w64-mingw32", "-c"},
                    "const unsigned char __tvm_ffi__library_bin[] = {" + c_bytes(kPayload) +
                        "};\nconst unsigned char m___tvm_ffi__library_bin[] = {1};\n",
                    "i.o");
  // find_symbols sees the names as the file spells them.
  auto raw = find_named(file, "___tvm_ffi__library_bin");
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].container, "pe-i386");
  EXPECT_TRUE(raw[0].leading_underscore);
  EXPECT_EQ(raw[0].c_name(), "__tvm_ffi__library_bin");
  EXPECT_TRUE(find_named(file, "__tvm_ffi__library_bin").empty());
  // Blob symbols are matched on the C name: no "_" prefix.
  auto blobs = find_blob_symbols(ByteView(file), "i.o");
  ASSERT_EQ(blobs.size(), 2u);
  EXPECT_EQ(blobs[0].prefix, "");
  EXPECT_EQ(slice(file, blobs[0].location.offset, kPayload.size()), kPayload);
  EXPECT_EQ(blobs[1].prefix, "m_");
}

// mingw i686: the object spells the blob `___tvm_ffi__library_bin`, GNU ld exports it from the
// PE32 DLL as `__tvm_ffi__library_bin`; both are the same blob symbol with no prefix.
TEST(ObjectCoffReader, I686MingwObjectAndDllNameTheSameBlob) {
  MBLOB_REQUIRE_TOOL(gcc, "i686-w64-mingw32-gcc");
  const std::string text =
      "__declspec(dllexport) const unsigned char __tvm_ffi__library_bin[] = {" + c_bytes(kPayload) +
      "};\n";
  for (bool dll : {false, true}) {
    SCOPED_TRACE(dll ? "dll" : "object");
    auto file = dll ? build({gcc, "-shared", "-nostdlib", "-s"}, text, "i.dll")
                    : build({gcc, "-c"}, text, "i.o");
    auto blobs = find_blob_symbols(ByteView(file), "i");
    ASSERT_EQ(blobs.size(), 1u);
    EXPECT_EQ(blobs[0].location.container, dll ? "pei-i386" : "pe-i386");
    EXPECT_EQ(blobs[0].location.name, dll ? "__tvm_ffi__library_bin" : "___tvm_ffi__library_bin");
    EXPECT_EQ(blobs[0].prefix, "");
    EXPECT_EQ(slice(file, blobs[0].location.offset, kPayload.size()), kPayload);
  }
}

TEST(ObjectCoffReader, Arm64ObjectIsNamedAsBfdNamesIt) {
  MBLOB_REQUIRE_TOOL(clang, "clang");
  auto file = build({clang, "--target=aarch64-pc-windows-msvc", "-c"},
                    "const unsigned char blob[] = {" + c_bytes(kPayload) + "};\n", "a.obj");
  auto found = find_named(file, "blob");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].container, "pe-aarch64-little");
  EXPECT_EQ(found[0].machine, kIMAGE_FILE_MACHINE_ARM64);
  EXPECT_EQ(slice(file, found[0].offset, kPayload.size()), kPayload);
}

// ---- Images ----------------------------------------------------------------------------------

TEST(ObjectCoffReader, DllExportMapsThroughTheExportTableToItsBytes) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = mingw_dll(gcc);
  auto found = find_blob_symbols(ByteView(file), "m.dll");
  ASSERT_EQ(found.size(), 1u);
  const auto& loc = found[0].location;
  EXPECT_EQ(loc.container, "pei-x86-64");
  EXPECT_EQ(loc.machine, kIMAGE_FILE_MACHINE_AMD64);
  EXPECT_TRUE(loc.size_is_extent);
  ASSERT_GE(loc.size, kPayload.size());
  EXPECT_LE(loc.offset + loc.size, file.size());
  EXPECT_EQ(slice(file, loc.offset, kPayload.size()), kPayload);
  // A function export maps to its code, which is found as well.
  EXPECT_EQ(find_named(file, "answer").size(), 1u);
}

TEST(ObjectCoffReader, ForwarderExportsAreNotData) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = mingw_dll(gcc);
  EXPECT_TRUE(find_named(file, "forwarded").empty());
  auto all = find_symbols(ByteView(file), "m.dll", [](std::string_view) { return true; });
  EXPECT_EQ(all.size(), 2u);
}

TEST(ObjectCoffReader, Pe32DllFromLldLinkIsRead) {
  MBLOB_REQUIRE_TOOL(clang, "clang");
  MBLOB_REQUIRE_TOOL(lld_link, "lld-link");
  TempDir dir;
  write_bytes(dir / "d.obj", build({clang, "--target=i686-pc-windows-msvc", "-c"},
                                   "__declspec(dllexport) const unsigned char blob[] = {" +
                                       c_bytes(kPayload) + "};\n",
                                   "d.obj"));
  run_ok({lld_link, "/dll", "/noentry", "/nodefaultlib", (dir / "d.obj").string(),
          "/out:" + (dir / "d.dll").string()});
  auto file = read_bytes(dir / "d.dll");
  auto found = find_named(file, "blob");  // export names carry no i386 underscore
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].container, "pei-i386");
  EXPECT_FALSE(found[0].leading_underscore);
  EXPECT_EQ(slice(file, found[0].offset, kPayload.size()), kPayload);
}

TEST(ObjectCoffReader, ExportInZeroFilledMemoryIsRefused) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = mingw_dll(gcc);
  auto found = find_named(file, "__tvm_ffi__library_bin");
  ASSERT_EQ(found.size(), 1u);
  // Shrink the section holding the blob's raw data to end before the blob: its bytes are then
  // zero-fill (VirtualSize still covers them).
  const std::size_t pe = get32(file, 0x3c);
  const std::size_t nsec = get16(file, pe + 6);
  const std::size_t sec0 = pe + 24 + get16(file, pe + 20);
  bool patched = false;
  for (std::size_t i = 0; i < nsec; ++i) {
    const std::size_t s = sec0 + i * 40;
    const std::uint32_t raw_at = get32(file, s + 20), raw_size = get32(file, s + 16);
    if (found[0].offset >= raw_at && found[0].offset < raw_at + raw_size) {
      put32(file, s + 8, std::max<std::uint32_t>(get32(file, s + 8), raw_size));
      put32(file, s + 16, static_cast<std::uint32_t>(found[0].offset - raw_at));
      patched = true;
    }
  }
  ASSERT_TRUE(patched);
  std::string err = error_of([&] { find_named(file, "__tvm_ffi__library_bin"); });
  EXPECT_NE(err.find("zero-filled"), std::string::npos) << err;
}

// ---- Damaged files ---------------------------------------------------------------------------

// Reading must either succeed, with every symbol inside the file, or throw Error.
void read_everything(const Bytes& file) {
  auto found = find_symbols(ByteView(file), "damaged", [](std::string_view) { return true; });
  for (const auto& s : found) {
    ASSERT_LE(s.offset, file.size());
    ASSERT_LE(s.size, file.size() - s.offset);
  }
}

TEST(ObjectCoffReader, TruncatedObjectIsAnErrorAtEveryLength) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = mingw_object(gcc);
  for (std::size_t n = 0; n < file.size(); ++n) {
    Bytes cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n));
    std::string err = error_of([&] { read_everything(cut); });
    EXPECT_NE(err, "") << "cut at " << n;
  }
}

TEST(ObjectCoffReader, TruncatedDllIsReadOrRefusedAtEveryLength) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = mingw_dll(gcc);
  std::size_t refused = 0;
  for (std::size_t n = 0; n < file.size(); ++n) {
    Bytes cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n));
    if (!error_of([&] { read_everything(cut); }).empty()) ++refused;
  }
  // Every cut before the blob's section ends loses bytes the exports need.
  auto found = find_named(file, "__tvm_ffi__library_bin");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_GE(refused, found[0].offset + found[0].size);
}

TEST(ObjectCoffReader, EveryByteFlippedIsReadOrRefusedWithoutACrash) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  for (const Bytes& file : {mingw_object(gcc), mingw_dll(gcc)}) {
    for (std::size_t i = 0; i < file.size(); ++i) {
      for (std::uint8_t v : {std::uint8_t{0xff}, std::uint8_t{0x80}, std::uint8_t{0x00}}) {
        auto bad = file;
        bad[i] = v;
        (void)error_of([&] { read_everything(bad); });
      }
    }
  }
}

// One lying field of the object, and the rule the error names.
TEST(ObjectCoffReader, LyingObjectCountsAndOffsetsAreErrorsNamingTheRule) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  const auto file = mingw_object(gcc);
  const std::uint32_t symtab = get32(file, 8);
  const std::uint32_t nsyms = get32(file, 12);
  struct Case {
    const char* what;
    std::function<void(Bytes&)> patch;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"NumberOfSections", [](Bytes& f) { put16(f, 2, 0xfff0); }, "section table"},
      {"NumberOfSymbols", [](Bytes& f) { put32(f, 12, 0x7fffffff); }, "symbol table"},
      {"PointerToSymbolTable", [](Bytes& f) { put32(f, 8, 0xfffffff0); }, "symbol table"},
      {"string table size", [&](Bytes& f) { put32(f, symtab + nsyms * 18, 0x7fffffff); },
       "string table"},
      {"aux count", [&](Bytes& f) { f[symtab + (nsyms - 1) * 18 + 17] = 5; }, "aux records"},
      {"section number",
       [&](Bytes& f) {
         for (std::uint32_t i = 0; i < nsyms; ++i) {
           const std::size_t at = symtab + i * 18;
           if (f[at + 16] == kIMAGE_SYM_CLASS_EXTERNAL && get16(f, at + 12) != 0)
             put16(f, at + 12, 999);
           i += f[at + 17];
         }
       },
       "sections"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto bad = file;
    c.patch(bad);
    std::string err = error_of([&] { read_everything(bad); });
    EXPECT_NE(err.find("damaged"), std::string::npos) << err;
    EXPECT_NE(err.find(c.needle), std::string::npos) << err;
  }
}

TEST(ObjectCoffReader, LyingImageHeadersAreErrorsNamingTheRule) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  const auto file = mingw_dll(gcc);
  const std::size_t pe = get32(file, 0x3c);
  const std::size_t opt = pe + 24;
  struct Case {
    const char* what;
    std::function<void(Bytes&)> patch;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"e_lfanew", [](Bytes& f) { put32(f, 0x3c, 0xfffffff0); }, "PE\\0\\0"},
      {"signature", [&](Bytes& f) { f[pe + 1] = 'X'; }, "not a PE image"},
      {"Magic", [&](Bytes& f) { put16(f, opt, 0x107); }, "neither PE32"},
      {"NumberOfRvaAndSizes", [&](Bytes& f) { put32(f, opt + 108, 1000); }, "data directories"},
      {"SizeOfOptionalHeader", [&](Bytes& f) { put16(f, pe + 20, 0xffff); }, "optional header"},
      {"NumberOfSections", [&](Bytes& f) { put16(f, pe + 6, 0xffff); }, "section table"},
      {"export RVA", [&](Bytes& f) { put32(f, opt + 112, 0x7ffffff0); }, "lies in no section"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto bad = file;
    c.patch(bad);
    std::string err = error_of([&] { read_everything(bad); });
    EXPECT_NE(err.find("damaged"), std::string::npos) << err;
    EXPECT_NE(err.find(c.needle), std::string::npos) << err;
  }
}

TEST(ObjectCoffReader, LyingExportTableCountsAreErrors) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  const auto file = mingw_dll(gcc);
  auto found = find_named(file, "__tvm_ffi__library_bin");
  ASSERT_EQ(found.size(), 1u);
  // The export directory's file offset: through its RVA and the section table.
  const std::size_t pe = get32(file, 0x3c);
  const std::uint32_t dir_rva = get32(file, pe + 24 + 112);
  const std::size_t nsec = get16(file, pe + 6);
  const std::size_t sec0 = pe + 24 + get16(file, pe + 20);
  std::size_t dir = 0;
  for (std::size_t i = 0; i < nsec; ++i) {
    const std::size_t s = sec0 + i * 40;
    const std::uint32_t va = get32(file, s + 12), raw = get32(file, s + 16);
    if (dir_rva >= va && dir_rva < va + raw) dir = get32(file, s + 20) + (dir_rva - va);
  }
  ASSERT_NE(dir, 0u);
  struct Case {
    const char* what;
    std::size_t field;
    std::uint32_t value;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"NumberOfNamePointers", 24, 0x10000000, "name pointer table"},
      {"AddressTableEntries", 20, 0, "ordinal index"},
      {"ExportAddressTableRVA", 28, 0x7ffffff0, "lies in no section"},
      {"OrdinalTableRVA", 36, 0x7ffffff0, "lies in no section"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto bad = file;
    put32(bad, dir + c.field, c.value);
    std::string err = error_of([&] { read_everything(bad); });
    EXPECT_NE(err.find(c.needle), std::string::npos) << err;
  }
}

TEST(ObjectCoffReader, BigObjIsRefusedClearly) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  auto file = build({gcc, "-c", "-Wa,-mbig-obj"}, "const unsigned char blob[] = {1};\n", "b.o");
  std::string err = error_of([&] { read_everything(file); });
  EXPECT_NE(err.find("bigobj"), std::string::npos) << err;
}

}  // namespace
}  // namespace mblob::test
