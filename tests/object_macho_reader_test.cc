// The Mach-O reader (object/macho_reader.h), through find_symbols as every caller uses it, on
// files real tools made: objects from clang -target <arch>-apple-macos, dylibs from ld64.lld,
// universal files from llvm-lipo, static libraries from llvm-ar; and on damaged files, which
// give errors naming the file, the field and the offset, never a crash.
#include <gtest/gtest.h>

#include <cstring>

#include "mblob/core/error.h"
#include "mblob/object/macho.h"
#include "mblob/object/macho_reader.h"
#include "mblob/object/symbol_search.h"
#include "support/test_support.h"

namespace mblob::test {
namespace {

using namespace mblob::macho;

using Bytes = std::vector<std::uint8_t>;

const Bytes kPayload = pattern_bytes(300, 5);

std::string c_bytes(const Bytes& bytes) {
  std::string s;
  for (std::uint8_t b : bytes) s += std::to_string(b) + ",";
  return s;
}

// The C source of every test file: the blob, a small array after it in the same section, a
// zero-filled array, a hidden one and a function.
std::string source() {
  return "const unsigned char __tvm_ffi__library_bin[] = {" + c_bytes(kPayload) +
         "};\nconst unsigned char after[] = {1,2,3};\nunsigned char zeros[64];\n"
         "__attribute__((visibility(\"hidden\"))) const unsigned char hidden_one[] = {9,8};\n"
         "int answer(void) { return 42; }\n";
}

struct Arch {
  const char* name;  // -arch for ld64.lld, llvm-lipo's name
  const char* triple;
  const char* min_os;
  std::uint32_t cputype;
  const char* container;
};
const Arch kArm64{"arm64", "arm64-apple-macos11", "11.0", kCPU_TYPE_ARM64, "mach-o-arm64"};
const Arch kX86_64{"x86_64", "x86_64-apple-macos10.13", "10.13", kCPU_TYPE_X86_64, "mach-o-x86-64"};

// Tools made once per test: clang, ld64.lld, llvm-lipo, llvm-ar.
struct Tools {
  std::string clang = find_tool("clang");
  std::string ld64 =
      find_tool("ld64.lld-14").empty() ? find_tool("ld64.lld") : find_tool("ld64.lld-14");
  std::string lipo =
      find_tool("llvm-lipo-14").empty() ? find_tool("llvm-lipo") : find_tool("llvm-lipo-14");
  std::string ar = find_tool("llvm-ar-14").empty() ? find_tool("llvm-ar") : find_tool("llvm-ar-14");
};

#define MBLOB_REQUIRE_MACHO_TOOLS(t)                                                               \
  Tools t;                                                                                         \
  if (t.clang.empty() || t.ld64.empty())                                                           \
  GTEST_SKIP() << "SKIPPED: clang and ld64.lld (package lld) are needed; scripts/install-deps.sh " \
                  "installs them"

fs::path object_for(const Tools& t, const TempDir& dir, const Arch& a) {
  const fs::path src = dir / "src.c", obj = dir / (std::string(a.name) + ".o");
  write_text(src, source());
  run_ok({t.clang, "-target", a.triple, "-O2", "-c", src.string(), "-o", obj.string()});
  return obj;
}

fs::path dylib_for(const Tools& t, const TempDir& dir, const Arch& a) {
  const fs::path obj = object_for(t, dir, a), lib = dir / (std::string(a.name) + ".dylib");
  run_ok({t.ld64, "-dylib", "-arch", a.name, "-platform_version", "macos", a.min_os, a.min_os, "-o",
          lib.string(), obj.string()});
  return lib;
}

std::vector<SymbolLocation> find_named(const Bytes& file, const std::string& name) {
  return find_symbols(ByteView(file), "test.dylib", [&](std::string_view n) { return n == name; });
}

Bytes slice(const Bytes& file, std::uint64_t offset, std::uint64_t size) {
  return {file.begin() + static_cast<std::ptrdiff_t>(offset),
          file.begin() + static_cast<std::ptrdiff_t>(offset + size)};
}

std::uint32_t get32(const Bytes& f, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | f[at + static_cast<std::size_t>(i)];
  return v;
}
void put32(Bytes& f, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    f[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}

// The file offset of the first load command `cmd`, or 0.
std::size_t command_at(const Bytes& f, std::uint32_t cmd) {
  std::size_t at = sizeof(MachHeader64);
  for (std::uint32_t i = 0; i < get32(f, offsetof(MachHeader64, ncmds)); ++i) {
    if (get32(f, at) == cmd) return at;
    at += get32(f, at + 4);
  }
  return 0;
}

// ---- Objects and dylibs ----------------------------------------------------------------------

TEST(ObjectMachoReader, ObjectSymbolMapsToItsSectionBytes) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  for (const Arch& a : {kArm64, kX86_64}) {
    TempDir dir;
    const Bytes file = read_bytes(object_for(t, dir, a));
    auto found = find_named(file, "___tvm_ffi__library_bin");
    ASSERT_EQ(found.size(), 1u) << a.name;
    EXPECT_EQ(found[0].container, a.container);
    EXPECT_EQ(found[0].machine, a.cputype);
    EXPECT_EQ(found[0].c_name(), "__tvm_ffi__library_bin");
    EXPECT_TRUE(found[0].leading_underscore);
    EXPECT_TRUE(found[0].size_is_extent);
    EXPECT_EQ(found[0].section, "__TEXT,__const");
    ASSERT_GE(found[0].size, kPayload.size());
    EXPECT_EQ(slice(file, found[0].offset, kPayload.size()), kPayload) << a.name;
  }
}

TEST(ObjectMachoReader, DylibSymbolMapsThroughItsSectionAddress) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  for (const Arch& a : {kArm64, kX86_64}) {
    TempDir dir;
    const Bytes file = read_bytes(dylib_for(t, dir, a));
    auto found = find_named(file, "___tvm_ffi__library_bin");
    ASSERT_EQ(found.size(), 1u) << a.name;
    EXPECT_EQ(slice(file, found[0].offset, kPayload.size()), kPayload) << a.name;
    auto after = find_named(file, "_after");
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(slice(file, after[0].offset, 3), (Bytes{1, 2, 3}));
  }
}

// llvm-strip empties a dylib's symbol table; the export trie still names what it exports, with
// addresses: the blob is found there, with its bytes, and an extent that ends at the next export.
TEST(ObjectMachoReader, StrippedDylibIsReadThroughItsExportTrie) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  MBLOB_REQUIRE_TOOL(strip, find_tool("llvm-strip-14").empty() ? "llvm-strip" : "llvm-strip-14");
  for (const Arch& a : {kArm64, kX86_64}) {
    SCOPED_TRACE(a.name);
    TempDir dir;
    const fs::path lib = dylib_for(t, dir, a);
    run_ok({strip, lib.string()});
    const Bytes file = read_bytes(lib);
    ASSERT_NE(command_at(file, kLC_DYLD_INFO_ONLY), 0u);
    auto nm = run_ok({find_tool("llvm-nm-14").empty() ? "llvm-nm" : "llvm-nm-14", lib.string()});
    EXPECT_EQ(nm.out.find("library_bin"), std::string::npos) << "the symbol table still has it";
    auto found = find_named(file, "___tvm_ffi__library_bin");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(slice(file, found[0].offset, kPayload.size()), kPayload);
    EXPECT_GE(found[0].size, kPayload.size());
    auto after = find_named(file, "_after");
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(found[0].offset + found[0].size, after[0].offset) << "the extent ends at _after";
    EXPECT_TRUE(find_named(file, "_hidden_one").empty()) << "a hidden symbol is not exported";
    auto blobs = find_blob_symbols(ByteView(file), "test.dylib");
    ASSERT_EQ(blobs.size(), 1u);
  }
}

TEST(ObjectMachoReader, ExtentEndsAtTheNextSymbolOfTheSection) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  TempDir dir;
  const Bytes file = read_bytes(dylib_for(t, dir, kArm64));
  auto blob = find_named(file, "___tvm_ffi__library_bin");
  auto after = find_named(file, "_after");
  ASSERT_EQ(blob.size(), 1u);
  ASSERT_EQ(after.size(), 1u);
  const auto& first = blob[0].offset < after[0].offset ? blob[0] : after[0];
  const auto& second = blob[0].offset < after[0].offset ? after[0] : blob[0];
  EXPECT_EQ(first.offset + first.size, second.offset);
}

TEST(ObjectMachoReader, ZeroFillSymbolHasNoBytesAndIsRefused) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  TempDir dir;
  const Bytes file = read_bytes(dylib_for(t, dir, kX86_64));
  std::string err = error_of([&] { find_named(file, "_zeros"); });
  EXPECT_NE(err.find("test.dylib"), std::string::npos) << err;
  EXPECT_NE(err.find("zero-fill"), std::string::npos) << err;
}

TEST(ObjectMachoReader, FunctionsAndHiddenSymbolsAreFound) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  TempDir dir;
  const Bytes file = read_bytes(object_for(t, dir, kArm64));
  EXPECT_EQ(find_named(file, "_answer").size(), 1u);
  auto hidden = find_named(file, "_hidden_one");
  ASSERT_EQ(hidden.size(), 1u);
  EXPECT_EQ(slice(file, hidden[0].offset, 2), (Bytes{9, 8}));
}

TEST(ObjectMachoReader, BlobSymbolPrefixIsTheCNamesPrefix) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  TempDir dir;
  const Bytes file = read_bytes(object_for(t, dir, kArm64));
  auto blobs = find_blob_symbols(ByteView(file), "x.o");
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].prefix, "");
  EXPECT_EQ(blobs[0].base, "__tvm_ffi__library_bin");
  EXPECT_EQ(machine_name(blobs[0].location), "aarch64");
}

// ---- Universal files and archives ------------------------------------------------------------

TEST(ObjectMachoReader, UniversalFileIsReadSliceBySlice) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  if (t.lipo.empty()) GTEST_SKIP() << "SKIPPED: llvm-lipo (package llvm) is not installed";
  TempDir dir;
  const fs::path arm = dylib_for(t, dir, kArm64), x86 = dylib_for(t, dir, kX86_64);
  const fs::path fat = dir / "fat.dylib";
  run_ok({t.lipo, "-create", arm.string(), x86.string(), "-output", fat.string()});
  const Bytes file = read_bytes(fat);
  ASSERT_TRUE(has_fat_magic(ByteView(file)));
  auto found = find_named(file, "___tvm_ffi__library_bin");
  ASSERT_EQ(found.size(), 2u);
  std::vector<std::string> members;
  for (const auto& f : found) {
    members.push_back(f.member);
    EXPECT_EQ(slice(file, f.offset, kPayload.size()), kPayload) << f.member;
    EXPECT_EQ(f.container, f.member == "arm64" ? "mach-o-arm64" : "mach-o-x86-64");
  }
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<std::string>{"arm64", "x86_64"}));
}

TEST(ObjectMachoReader, ArchiveOfMachoObjectsIsSearchedMemberByMember) {
  MBLOB_REQUIRE_MACHO_TOOLS(t);
  if (t.ar.empty()) GTEST_SKIP() << "SKIPPED: llvm-ar (package llvm) is not installed";
  TempDir dir;
  const fs::path obj = object_for(t, dir, kX86_64), lib = dir / "lib.a";
  run_ok({t.ar, "rcs", "--format=darwin", lib.string(), obj.string()});
  const Bytes file = read_bytes(lib);
  auto found = find_named(file, "___tvm_ffi__library_bin");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].member, "x86_64.o");
  EXPECT_EQ(slice(file, found[0].offset, kPayload.size()), kPayload);
}

// ---- Damaged files ---------------------------------------------------------------------------

// Every damaged variant of a real object gives an Error naming the file and the field.
void expect_refused(const Bytes& file, const std::string& field) {
  std::string err = error_of<Error>([&] { find_named(file, "___tvm_ffi__library_bin"); });
  EXPECT_NE(err.find("test.dylib"), std::string::npos) << err;
  EXPECT_NE(err.find(field), std::string::npos) << "expected '" << field << "' in: " << err;
}

class ObjectMachoDamaged : public ::testing::Test {
 protected:
  void SetUp() override {
    if (tools_.clang.empty()) GTEST_SKIP() << "SKIPPED: clang is not installed";
    file_ = read_bytes(object_for(tools_, dir_, kArm64));
  }
  Tools tools_;
  TempDir dir_;
  Bytes file_;
};

TEST_F(ObjectMachoDamaged, TruncatedFileIsAnError) {
  for (std::size_t n : {std::size_t{3}, std::size_t{20}, std::size_t{100}, file_.size() - 1}) {
    Bytes cut = slice(file_, 0, n);
    std::string err = error_of<Error>([&] { find_named(cut, "___tvm_ffi__library_bin"); });
    EXPECT_NE(err.find("test.dylib"), std::string::npos) << n << ": " << err;
  }
}

TEST_F(ObjectMachoDamaged, LyingSizeofcmdsIsAnError) {
  put32(file_, offsetof(MachHeader64, sizeofcmds), 0xfffffff0);
  expect_refused(file_, "sizeofcmds");
}

TEST_F(ObjectMachoDamaged, LyingNcmdsIsAnError) {
  put32(file_, offsetof(MachHeader64, ncmds), 0x10000000);
  expect_refused(file_, "ncmds");
}

TEST_F(ObjectMachoDamaged, LyingCmdsizeIsAnError) {
  put32(file_, sizeof(MachHeader64) + 4, 4);
  expect_refused(file_, "cmdsize");
}

TEST_F(ObjectMachoDamaged, LyingNsectsIsAnError) {
  const std::size_t seg = command_at(file_, kLC_SEGMENT_64);
  ASSERT_NE(seg, 0u);
  put32(file_, seg + offsetof(SegmentCommand64, nsects), 1000);
  expect_refused(file_, "nsects");
}

TEST_F(ObjectMachoDamaged, LyingSymoffIsAnError) {
  const std::size_t st = command_at(file_, kLC_SYMTAB);
  ASSERT_NE(st, 0u);
  put32(file_, st + offsetof(SymtabCommand, symoff), 0xffffff00);
  expect_refused(file_, "symoff");
}

TEST_F(ObjectMachoDamaged, LyingStrsizeIsAnError) {
  const std::size_t st = command_at(file_, kLC_SYMTAB);
  ASSERT_NE(st, 0u);
  put32(file_, st + offsetof(SymtabCommand, strsize), 0x7fffffff);
  expect_refused(file_, "strsize");
}

TEST_F(ObjectMachoDamaged, LyingSectionOffsetIsAnError) {
  const std::size_t seg = command_at(file_, kLC_SEGMENT_64);
  ASSERT_NE(seg, 0u);
  // Every section's offset points past the end of the file.
  const std::uint32_t nsects = get32(file_, seg + offsetof(SegmentCommand64, nsects));
  for (std::uint32_t i = 0; i < nsects; ++i) {
    put32(file_,
          seg + sizeof(SegmentCommand64) + i * sizeof(Section64) + offsetof(Section64, offset),
          0xfffff000);
  }
  expect_refused(file_, "run past the end of the file");
}

TEST_F(ObjectMachoDamaged, LyingStringIndexIsAnError) {
  const std::size_t st = command_at(file_, kLC_SYMTAB);
  const std::uint32_t symoff = get32(file_, st + offsetof(SymtabCommand, symoff));
  const std::uint32_t nsyms = get32(file_, st + offsetof(SymtabCommand, nsyms));
  for (std::uint32_t i = 0; i < nsyms; ++i) put32(file_, symoff + i * sizeof(Nlist64), 0x7ffffff0);
  std::string err = error_of<Error>([&] { find_named(file_, "x"); });
  EXPECT_NE(err.find("n_strx"), std::string::npos) << err;
}

// A damaged export trie (in a dylib ld64.lld made) is an error naming the trie, never a crash or
// an endless walk.
class ObjectMachoDamagedTrie : public ::testing::Test {
 protected:
  void SetUp() override {
    if (tools_.clang.empty() || tools_.ld64.empty()) {
      GTEST_SKIP() << "SKIPPED: clang and ld64.lld (package lld) are needed";
    }
    file_ = read_bytes(dylib_for(tools_, dir_, kArm64));
    info_ = command_at(file_, kLC_DYLD_INFO_ONLY);
    ASSERT_NE(info_, 0u);
    trie_ = get32(file_, info_ + offsetof(DyldInfoCommand, export_off));
    // The root: no terminal (0), its child count, then the first edge ("_", shared by every C
    // name) and that child's offset.
    ASSERT_EQ(file_[trie_], 0u);
    ASSERT_EQ(file_[trie_ + 2], '_');
    ASSERT_EQ(file_[trie_ + 3], 0u);
  }
  Tools tools_;
  TempDir dir_;
  Bytes file_;
  std::size_t info_ = 0, trie_ = 0;
};

TEST_F(ObjectMachoDamagedTrie, TriePastTheEndOfTheFileIsAnError) {
  put32(file_, info_ + offsetof(DyldInfoCommand, export_size), 0x7fffffff);
  expect_refused(file_, "export trie");
}

TEST_F(ObjectMachoDamagedTrie, EdgeBackToTheRootIsACycle) {
  file_[trie_ + 4] = 0;  // the "_" edge leads to the root again
  expect_refused(file_, "twice (a cycle)");
}

TEST_F(ObjectMachoDamagedTrie, EdgePastTheTrieIsAnError) {
  file_[trie_ + 4] = 0x7f;  // past the trie's end (it is smaller than 127 bytes)
  ASSERT_LT(get32(file_, info_ + offsetof(DyldInfoCommand, export_size)), 0x7fu);
  expect_refused(file_, "past the end of the trie");
}

TEST_F(ObjectMachoDamagedTrie, NumberOfMoreThan64BitsIsAnError) {
  // The child offset becomes an endless run of continuation bytes.
  const std::uint32_t size = get32(file_, info_ + offsetof(DyldInfoCommand, export_size));
  for (std::size_t i = trie_ + 4; i < trie_ + size; ++i) file_[i] = 0xff;
  std::string err = error_of<Error>([&] { find_named(file_, "___tvm_ffi__library_bin"); });
  EXPECT_NE(err.find("export trie number"), std::string::npos) << err;
}

TEST_F(ObjectMachoDamagedTrie, UnterminatedEdgeIsAnError) {
  const std::uint32_t size = get32(file_, info_ + offsetof(DyldInfoCommand, export_size));
  for (std::size_t i = trie_ + 2; i < trie_ + size; ++i) file_[i] = 'x';
  expect_refused(file_, "not NUL-terminated");
}

TEST(ObjectMachoReaderRefusal, ThirtyTwoBitMachoIsNamedAndRefused) {
  Bytes file(64, 0);
  put32(file, 0, kMH_MAGIC);
  std::string err = error_of<Error>([&] { find_named(file, "x"); });
  EXPECT_NE(err.find("32-bit Mach-O"), std::string::npos) << err;
}

TEST(ObjectMachoReaderRefusal, FatSliceOutsideTheFileIsAnError) {
  Bytes file(64, 0);
  // fat_header: FAT_MAGIC, 1 slice; fat_arch: arm64, offset 4096 (past the end), size 16.
  const std::uint32_t fields[] = {kFAT_MAGIC, 1, kCPU_TYPE_ARM64, 0, 4096, 16, 12};
  for (std::size_t i = 0; i < 7; ++i) {
    for (int b = 0; b < 4; ++b)
      file[i * 4 + static_cast<std::size_t>(b)] =
          static_cast<std::uint8_t>(fields[i] >> (24 - 8 * b));
  }
  std::string err = error_of<Error>([&] { find_named(file, "x"); });
  EXPECT_NE(err.find("slice 0 (arm64"), std::string::npos) << err;
  EXPECT_NE(err.find("test.dylib"), std::string::npos) << err;
}

TEST(ObjectMachoReaderRefusal, JavaClassFileIsNotAUniversalFile) {
  // A class file: CAFEBABE, minor 0, major 61.
  Bytes file = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 61, 0, 0, 0, 0};
  EXPECT_FALSE(has_fat_magic(ByteView(file)));
  std::string err = error_of<Error>([&] { find_named(file, "x"); });
  EXPECT_NE(err.find("unknown magic"), std::string::npos) << err;
}

}  // namespace
}  // namespace mblob::test
