// The static readers (object/elf_reader.h, object/archive.h, object/symbol_search.h) on files
// real tools made: mblob's objects for every target (32/64-bit, both byte orders), libraries
// linked by gcc, clang and lld, stripped libraries, executables, GNU and BSD archives; and on
// damaged files, which give errors naming the offset, never a crash.
#include <gtest/gtest.h>

#include <algorithm>

#include "mblob/core/error.h"
#include "mblob/object/archive.h"
#include "mblob/object/elf.h"
#include "mblob/object/elf_reader.h"
#include "mblob/object/symbol_search.h"
#include "mblob/object/target.h"
#include "object_tools.h"

namespace mblob::test {
namespace {

using namespace mblob::elf;

std::vector<SymbolLocation> find_named(const std::vector<std::uint8_t>& file,
                                       const std::string& name) {
  return find_symbols(ByteView(file), "test.o", [&](std::string_view n) { return n == name; });
}

std::vector<std::uint8_t> slice(const std::vector<std::uint8_t>& file, std::uint64_t offset,
                                std::uint64_t size) {
  return {file.begin() + static_cast<std::ptrdiff_t>(offset),
          file.begin() + static_cast<std::ptrdiff_t>(offset + size)};
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Packs `payload` as "blob" (with --size-symbol) for `target` into `out`.
void pack_blob(const fs::path& dir, const std::vector<std::uint8_t>& payload,
               const std::string& target, const fs::path& out, const std::string& symbol = "blob") {
  write_bytes(dir / "in.bin", payload);
  auto r = obj::pack({(dir / "in.bin").string(), "-o", out.string(), "--symbol", symbol,
                      "--size-symbol", "--target", target});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST(ObjectSymbolSearch, ContainersAreNamedAsBfdNamesThem) {
  TempDir dir;
  for (auto [triple, name] :
       {std::pair{"x86_64-linux-gnu", "elf64-x86-64"}, std::pair{"i686-linux-gnu", "elf32-i386"},
        std::pair{"aarch64-linux-gnu", "elf64-littleaarch64"},
        std::pair{"riscv64-linux-gnu", "elf64-littleriscv"},
        std::pair{"powerpc64-linux-gnu", "elf64-powerpc"},
        std::pair{"powerpc64le-linux-gnu", "elf64-powerpcle"},
        std::pair{"hexagon-unknown-elf", "elf32-hexagon"},
        std::pair{"s390x-linux-gnu", "elf64-s390"}}) {
    SCOPED_TRACE(triple);
    fs::path o = dir / "t.o";
    pack_blob(dir.path(), pattern_bytes(16, 1), triple, o);
    auto found = find_named(read_bytes(o), "blob");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].container, name);
    // llvm-objdump names the same format (the host's GNU objdump knows only its own machine).
    std::string objdump = find_tool("llvm-objdump");
    if (!objdump.empty()) {
      auto r = run({objdump, "-f", o.string()});
      EXPECT_NE(r.out.find(std::string("file format ") + name), std::string::npos) << r.out;
    }
  }
}

TEST(ObjectSymbolSearch, EveryTargetsObjectMapsTheSymbolToItsBytes) {
  TempDir dir;
  auto payload = pattern_bytes(3001, 9);
  for (const auto& t : all_targets()) {
    if (t.container != Container::elf) continue;
    SCOPED_TRACE(std::string(t.triple));
    fs::path o = dir / "t.o";
    pack_blob(dir.path(), payload, std::string(t.triple), o);
    auto file = read_bytes(o);
    auto found = find_named(file, "blob");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].size, payload.size());
    EXPECT_EQ(found[0].machine, t.machine);
    EXPECT_EQ(found[0].member, "");
    EXPECT_EQ(found[0].container.rfind(t.is_64 ? "elf64-" : "elf32-", 0), 0u) << found[0].container;
    EXPECT_EQ(slice(file, found[0].offset, found[0].size), payload);
    // The size object holds the length in the target's byte order.
    auto size = find_named(file, "blob_size");
    ASSERT_EQ(size.size(), 1u);
    ASSERT_EQ(size[0].size, 8u);
    ByteWriter w(t.endian);
    w.u64(payload.size());
    EXPECT_EQ(slice(file, size[0].offset, 8), w.buffer());
    // The end marker is a zero-sized symbol right after the data.
    auto end = find_named(file, "blob_end");
    ASSERT_EQ(end.size(), 1u);
    EXPECT_EQ(end[0].offset, found[0].offset + payload.size());
  }
}

// A library linked by gcc -fuse-ld=<linker>: the symbol maps through PT_LOAD to the bytes.
class ObjectSymbolSearchLinked
    : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(ObjectSymbolSearchLinked, SharedLibrarySymbolMapsThroughPtLoad) {
  auto [cc_name, linker] = GetParam();
  MBLOB_REQUIRE_TOOL(cc, cc_name);
  MBLOB_REQUIRE_TOOL(ld, std::string(linker) == "lld" ? "ld.lld" : "ld.bfd");
  TempDir dir;
  auto payload = pattern_bytes(20011, 3);
  pack_blob(dir.path(), payload, "x86_64-linux-gnu", dir / "blob.o");
  write_text(dir / "wrap.c", obj::kHostWrapC);
  auto r = run({cc, "-shared", "-fPIC", std::string("-fuse-ld=") + linker, "-o",
                (dir / "lib.so").string(), (dir / "wrap.c").string(), (dir / "blob.o").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto file = read_bytes(dir / "lib.so");
  auto found = find_named(file, "blob");
  ASSERT_EQ(found.size(), 1u) << ".symtab and .dynsym list it once";
  EXPECT_EQ(found[0].size, payload.size());
  EXPECT_EQ(slice(file, found[0].offset, found[0].size), payload);
  auto size = find_named(file, "blob_size");
  ASSERT_EQ(size.size(), 1u);
  ByteWriter w(Endian::little);
  w.u64(payload.size());
  EXPECT_EQ(slice(file, size[0].offset, 8), w.buffer());

  // Stripped: .symtab is gone, .dynsym remains.
  MBLOB_REQUIRE_TOOL(strip, "strip");
  auto s =
      run({strip, "--strip-all", "-o", (dir / "stripped.so").string(), (dir / "lib.so").string()});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto stripped = read_bytes(dir / "stripped.so");
  ElfFile f(ByteView(stripped), "stripped.so");
  EXPECT_TRUE(std::none_of(f.sections().begin(), f.sections().end(),
                           [](const SectionHeader& h) { return h.type == kSHT_SYMTAB; }));
  auto again = find_named(stripped, "blob");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(slice(stripped, again[0].offset, again[0].size), payload);
}

INSTANTIATE_TEST_SUITE_P(Toolchains, ObjectSymbolSearchLinked,
                         ::testing::Values(std::pair{"gcc", "bfd"}, std::pair{"clang", "lld"},
                                           std::pair{"gcc", "lld"}),
                         [](const auto& info) {
                           return std::string(info.param.first) + "_" + info.param.second;
                         });

TEST(ObjectSymbolSearch, PieExecutableSymbolMapsThroughPtLoad) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  TempDir dir;
  auto payload = pattern_bytes(5000, 2);
  pack_blob(dir.path(), payload, "x86_64-linux-gnu", dir / "blob.o");
  write_text(dir / "main.c",
             "extern const unsigned char blob[];\nint main(void) { return blob[0] == 7; }\n");
  auto r = run({gcc, "-pie", "-fPIE", "-o", (dir / "prog").string(), (dir / "main.c").string(),
                (dir / "blob.o").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto file = read_bytes(dir / "prog");
  auto found = find_named(file, "blob");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(slice(file, found[0].offset, found[0].size), payload);
}

// Archives: every member is searched, names come from the GNU long-name table or BSD #1/N
// headers, and each blob is reported with its prefix.
void expect_archive_lists_both_models(const std::vector<std::string>& ar_argv_head,
                                      const std::string& tool) {
  TempDir dir;
  auto a = pattern_bytes(1111, 1), b = pattern_bytes(2222, 2);
  // Member names longer than 15 characters need the long-name table (GNU) or #1/N (BSD).
  fs::path oa = dir / "first_model_blob_object.o", ob = dir / "second_model_blob_object.o";
  pack_blob(dir.path(), a, "x86_64-linux-gnu", oa, "llama___tvm_ffi__library_bin");
  pack_blob(dir.path(), b, "x86_64-linux-gnu", ob, "qwen_v2___tvm_ffi__library_bin");
  write_text(dir / "odd.txt", "an odd-sized member that is not an object\n");
  std::vector<std::string> argv = ar_argv_head;
  argv.insert(argv.end(),
              {(dir / "lib.a").string(), (dir / "odd.txt").string(), oa.string(), ob.string()});
  auto r = run(argv);
  ASSERT_EQ(r.exit_code, 0) << tool << ": " << r.err;
  auto file = read_bytes(dir / "lib.a");
  auto blobs = find_blob_symbols(ByteView(file), "lib.a");
  ASSERT_EQ(blobs.size(), 2u) << tool;
  EXPECT_EQ(blobs[0].prefix, "llama_");
  EXPECT_EQ(blobs[0].base, "__tvm_ffi__library_bin");
  EXPECT_EQ(blobs[0].format, Format::ffi);
  EXPECT_EQ(blobs[0].location.member, "first_model_blob_object.o") << tool;
  EXPECT_EQ(slice(file, blobs[0].location.offset, blobs[0].location.size), a);
  EXPECT_EQ(blobs[1].prefix, "qwen_v2_");
  EXPECT_EQ(blobs[1].location.member, "second_model_blob_object.o") << tool;
  EXPECT_EQ(slice(file, blobs[1].location.offset, blobs[1].location.size), b);
}

TEST(ObjectSymbolSearch, GnuArchiveLongNamesAndEveryMember) {
  MBLOB_REQUIRE_TOOL(ar, "ar");
  expect_archive_lists_both_models({ar, "rcs"}, "GNU ar");
}

TEST(ObjectSymbolSearch, BsdArchiveNamesAndEveryMember) {
  MBLOB_REQUIRE_TOOL(ar, "llvm-ar");
  expect_archive_lists_both_models({ar, "rcs", "--format=bsd"}, "llvm-ar --format=bsd");
}

TEST(ObjectSymbolSearch, ThinArchiveIsAClearError) {
  MBLOB_REQUIRE_TOOL(ar, "ar");
  TempDir dir;
  pack_blob(dir.path(), pattern_bytes(10), "x86_64-linux-gnu", dir / "b.o");
  auto r = run({ar, "rcsT", (dir / "thin.a").string(), (dir / "b.o").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto file = read_bytes(dir / "thin.a");
  EXPECT_NE(error_of([&] { find_blob_symbols(ByteView(file), "thin.a"); }).find("thin archive"),
            std::string::npos);
}

TEST(ObjectSymbolSearch, LegacyAndOlderFfiNamesAreFoundWithTheirLayout) {
  TempDir dir;
  pack_blob(dir.path(), pattern_bytes(10), "aarch64-linux-gnu", dir / "l.o", "__tvm_dev_mblob");
  auto file = read_bytes(dir / "l.o");
  auto blobs = find_blob_symbols(ByteView(file), "l.o");
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].format, Format::legacy);
  EXPECT_EQ(blobs[0].prefix, "");
  pack_blob(dir.path(), pattern_bytes(10), "aarch64-linux-gnu", dir / "o.o",
            "__tvm_ffi_library_bin");
  file = read_bytes(dir / "o.o");
  blobs = find_blob_symbols(ByteView(file), "o.o");
  ASSERT_EQ(blobs.size(), 1u);
  EXPECT_EQ(blobs[0].base, "__tvm_ffi_library_bin");
}

// ---- Damaged files: errors that name the offset, never a crash ------------------------------

std::vector<std::uint8_t> sample_object(Endian e = Endian::little) {
  TempDir dir;
  fs::path o = dir / "s.o";
  write_bytes(dir / "in.bin", pattern_bytes(100));
  auto r =
      obj::pack({(dir / "in.bin").string(), "-o", o.string(), "--symbol", "blob", "--size-symbol",
                 "--target", e == Endian::little ? "x86_64-linux-gnu" : "powerpc-linux-gnu"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return read_bytes(o);
}

// Reading must either succeed or throw Error.
void read_everything(const std::vector<std::uint8_t>& file) {
  auto found = find_symbols(ByteView(file), "damaged.o", [](std::string_view) { return true; });
  for (const auto& s : found) {
    ASSERT_LE(s.offset, file.size());
    ASSERT_LE(s.size, file.size() - s.offset);
  }
}

TEST(ObjectSymbolSearch, TruncatedFilesAreErrorsAtEveryLength) {
  for (Endian e : {Endian::little, Endian::big}) {
    auto file = sample_object(e);
    for (std::size_t n = 0; n < file.size(); ++n) {
      std::vector<std::uint8_t> cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n));
      std::string err = error_of([&] { read_everything(cut); });
      EXPECT_NE(err, "") << "cut at " << n;
    }
  }
}

TEST(ObjectSymbolSearch, EveryByteFlippedIsReadOrRefusedWithoutACrash) {
  for (Endian e : {Endian::little, Endian::big}) {
    auto file = sample_object(e);
    for (std::size_t i = 0; i < file.size(); ++i) {
      for (std::uint8_t v : {std::uint8_t{0xff}, std::uint8_t{0x80}, std::uint8_t{0x00}}) {
        auto bad = file;
        bad[i] = v;
        (void)error_of([&] { read_everything(bad); });
      }
    }
  }
}

// Patches a field of the little-endian x86-64 sample (offsets from the ELF64 layout).
void put64(std::vector<std::uint8_t>& f, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    f[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get64(const std::vector<std::uint8_t>& f, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | f[at + static_cast<std::size_t>(i)];
  return v;
}

TEST(ObjectSymbolSearch, LyingOffsetsAreErrorsNamingTheRule) {
  const auto file = sample_object();
  const std::uint64_t shoff = get64(file, 40);
  auto shdr = [&](int i) {
    return static_cast<std::size_t>(shoff + 64 * static_cast<unsigned>(i));
  };

  auto bad = file;
  put64(bad, 40, UINT64_MAX - 10);  // e_shoff
  EXPECT_NE(error_of([&] { read_everything(bad); }).find("past the end of the file"),
            std::string::npos);

  bad = file;
  put64(bad, shdr(1) + 24, 1u << 30);  // data section's sh_offset
  EXPECT_NE(error_of([&] { read_everything(bad); }).find("section 1 "), std::string::npos);

  bad = file;
  put64(bad, shdr(1) + 32, UINT64_MAX);  // data section's sh_size: overflows offset + size
  EXPECT_NE(error_of([&] { read_everything(bad); }).find("runs past the end"), std::string::npos);

  bad = file;
  bad[shdr(3) + 40] = 3;  // .symtab's sh_link -> .symtab itself, not a string table
  EXPECT_NE(error_of([&] { read_everything(bad); }).find("not a string table"), std::string::npos);

  bad = file;
  const std::uint64_t symtab = get64(file, shdr(3) + 24);
  put64(bad, static_cast<std::size_t>(symtab + 24 + 8), 1000);  // blob's st_value past its section
  EXPECT_NE(error_of([&] { read_everything(bad); }).find("runs past the end of its section"),
            std::string::npos);

  bad = file;
  bad[static_cast<std::size_t>(symtab + 24)] = 0xff;  // blob's st_name past .strtab
  bad[static_cast<std::size_t>(symtab + 25)] = 0xff;
  EXPECT_NE(error_of([&] { read_everything(bad); }).find("past the end of string table"),
            std::string::npos);

  bad = file;
  bad[shdr(1) + 4] = kSHT_NOBITS;  // the data section becomes NOBITS
  EXPECT_NE(error_of([&] { read_everything(bad); }).find("SHT_NOBITS"), std::string::npos);

  bad = file;
  bad[static_cast<std::size_t>(symtab + 24 + 6)] = 0xf1;  // blob's st_shndx = SHN_ABS
  bad[static_cast<std::size_t>(symtab + 24 + 7)] = 0xff;
  EXPECT_NE(error_of([&] { read_everything(bad); }).find("absolute"), std::string::npos);
}

TEST(ObjectSymbolSearch, DamagedArchivesAreErrorsNamingTheOffset) {
  MBLOB_REQUIRE_TOOL(ar, "ar");
  TempDir dir;
  pack_blob(dir.path(), pattern_bytes(100), "x86_64-linux-gnu", dir / "b.o");
  auto r = run({ar, "rcs", (dir / "lib.a").string(), (dir / "b.o").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto file = read_bytes(dir / "lib.a");
  for (std::size_t n = 8; n < file.size(); n += 7) {
    std::vector<std::uint8_t> cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n));
    (void)error_of([&] { find_blob_symbols(ByteView(cut), "cut.a"); });
  }
  auto bad = file;
  bad[8 + 48] = 'x';  // the first member's size field
  EXPECT_NE(error_of([&] { find_blob_symbols(ByteView(bad), "bad.a"); }).find("at offset 56"),
            std::string::npos);
  bad = file;
  for (int i = 0; i < 10; ++i) bad[8 + 48 + static_cast<std::size_t>(i)] = '9';
  EXPECT_NE(error_of([&] { find_blob_symbols(ByteView(bad), "bad.a"); }).find("past the end"),
            std::string::npos);
}

TEST(ObjectSymbolSearch, OtherContainersAreNamed) {
  std::vector<std::uint8_t> macho = {0xcf, 0xfa, 0xed, 0xfe, 0, 0, 0, 0};
  EXPECT_NE(error_of([&] { find_blob_symbols(ByteView(macho), "m.dylib"); }).find("Mach-O"),
            std::string::npos);
  std::vector<std::uint8_t> pe = {'M', 'Z', 0, 0};
  EXPECT_NE(error_of([&] { find_blob_symbols(ByteView(pe), "m.dll"); }).find("PE image"),
            std::string::npos);
  std::vector<std::uint8_t> text = {'h', 'i'};
  EXPECT_NE(error_of([&] { find_blob_symbols(ByteView(text), "t"); }).find("unknown magic"),
            std::string::npos);
}

}  // namespace
}  // namespace mblob::test
