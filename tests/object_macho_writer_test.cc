// The Mach-O writer (object/macho_writer.h): every object parses in llvm-readobj and
// llvm-objdump without a warning, says what the spec says (header, load commands, section,
// symbols, minimum OS), links with ld64.lld into a dylib for x86_64 and arm64, and the symbol's
// bytes read back from the dylib (with mblob's reader and with llvm-objcopy) equal the input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "mblob/core/error.h"
#include "mblob/object/macho.h"
#include "mblob/object/macho_writer.h"
#include "mblob/object/object_writer.h"
#include "mblob/object/symbol_search.h"
#include "mblob/object/target.h"
#include "support/test_support.h"

namespace mblob::test {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::string tool(const char* name) {
  std::string versioned = find_tool(std::string(name) + "-14");
  return versioned.empty() ? find_tool(name) : versioned;
}

#define MBLOB_REQUIRE_LLVM(var, name) \
  std::string var = tool(name);       \
  if (var.empty()) GTEST_SKIP() << "SKIPPED: " << (name) << " is not installed (packages llvm, lld)"

const Target& target(const char* triple) { return find_target(triple); }

struct Written {
  fs::path path;
  Bytes file;
  ObjectInfo info;
};

Written write(const TempDir& dir, const Target& t, const Bytes& payload, ObjectSpec spec = {},
              const std::string& name = "blob.o") {
  if (spec.symbol.empty()) spec.symbol = "blob";
  spec.target = &t;
  Written w;
  w.path = dir / name;
  w.info = write_object(spec, ByteSource::from_bytes(payload), w.path);
  w.file = read_bytes(w.path);
  return w;
}

// The value of the first "key: value" line of llvm-readobj's output after the text `after`.
std::string field(const std::string& text, const std::string& key, const std::string& after = "") {
  std::size_t at = text.find(after);
  if (at == std::string::npos) return "";
  std::istringstream in(text.substr(at));
  for (std::string line; std::getline(in, line);) {
    const std::size_t start = line.find_first_not_of(' ');
    if (start != std::string::npos && line.compare(start, key.size() + 2, key + ": ") == 0) {
      return line.substr(start + key.size() + 2);
    }
  }
  return "";
}

// Links `obj` into a dylib with ld64.lld, with the row's own link flags (architecture and
// platform version).
fs::path link_dylib(const std::string& ld64, const fs::path& obj, const Target& t) {
  const fs::path lib = obj.parent_path() / (obj.stem().string() + ".dylib");
  std::vector<std::string> argv = {ld64, "-dylib"};
  std::istringstream flags{std::string(t.toolchain.link_flags)};
  for (std::string w; flags >> w;) argv.push_back(w);
  argv.insert(argv.end(), {"-o", lib.string(), obj.string()});
  auto r = run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "ld64.lld warned";
  return lib;
}

// The section's contents as llvm-objcopy extracts them (for Mach-O, --dump-section: -O binary
// writes Mach-O unchanged).
Bytes section_bytes(const std::string& objcopy, const fs::path& file, const std::string& section) {
  const fs::path out = file.parent_path() / "section.bin";
  const fs::path copy = file.parent_path() / "copy.bin";
  run_ok({objcopy, "--dump-section", section + "=" + out.string(), file.string(), copy.string()});
  return read_bytes(out);
}

const char* const kTriples[] = {"arm64-apple-darwin", "x86_64-apple-darwin", "arm64-apple-ios"};

// ---- Structure -------------------------------------------------------------------------------

TEST(ObjectMachoWriter, ReadobjAndObjdumpParseEveryOutputWithoutWarnings) {
  MBLOB_REQUIRE_LLVM(readobj, "llvm-readobj");
  MBLOB_REQUIRE_LLVM(objdump, "llvm-objdump");
  for (const char* triple : kTriples) {
    for (bool size_symbol : {false, true}) {
      SCOPED_TRACE(std::string(triple) + (size_symbol ? " --size-symbol" : ""));
      TempDir dir;
      ObjectSpec spec;
      spec.size_symbol = size_symbol;
      Written w = write(dir, target(triple), pattern_bytes(1000), spec);
      auto r = run({readobj, "--file-headers", "--sections", "--symbols", "--macho-version-min",
                    "--macho-dysymtab", w.path.string()});
      EXPECT_EQ(r.exit_code, 0);
      EXPECT_EQ(r.err, "");
      auto d = run({objdump, "-d", "-h", "-t", w.path.string()});
      EXPECT_EQ(d.exit_code, 0);
      EXPECT_EQ(d.err, "");
      EXPECT_NE(d.out.find("__TEXT,__const _blob"), std::string::npos) << d.out;
    }
  }
}

TEST(ObjectMachoWriter, HeaderCommandsAndSymbolSayWhatTheSpecSays) {
  MBLOB_REQUIRE_LLVM(readobj, "llvm-readobj");
  struct Case {
    const char* triple;
    const char* cpu;
    const char* platform;
    const char* version;
  };
  for (const Case& c : {Case{"arm64-apple-darwin", "Arm64 (0x100000C)", "macos", "11.0"},
                        Case{"x86_64-apple-darwin", "X86-64 (0x1000007)", "macos", "10.13"},
                        Case{"arm64-apple-ios", "Arm64 (0x100000C)", "ios", "12.0"}}) {
    SCOPED_TRACE(c.triple);
    TempDir dir;
    ObjectSpec spec;
    spec.align = 64;
    Written w = write(dir, target(c.triple), pattern_bytes(333), spec);
    auto r = run_ok({readobj, "--file-headers", "--sections", "--symbols", "--macho-version-min",
                     "--macho-dysymtab", w.path.string()});
    EXPECT_EQ(field(r.out, "Magic"), "Magic64 (0xFEEDFACF)");
    EXPECT_EQ(field(r.out, "CpuType"), c.cpu);
    EXPECT_EQ(field(r.out, "FileType"), "Relocatable (0x1)");
    EXPECT_EQ(field(r.out, "NumOfLoadCommands"), "4");
    EXPECT_NE(r.out.find("MH_SUBSECTIONS_VIA_SYMBOLS (0x2000)"), std::string::npos);
    EXPECT_NE(r.out.find("Name: __const (5F"), std::string::npos);
    EXPECT_NE(r.out.find("Segment: __TEXT (5F"), std::string::npos);
    EXPECT_EQ(field(r.out, "Size", "Sections ["), "0x14D");
    EXPECT_EQ(field(r.out, "Alignment", "Sections ["), "6");
    EXPECT_EQ(field(r.out, "Type", "Sections ["), "Regular (0x0)");
    EXPECT_EQ(field(r.out, "Name"), "__const (5F 5F 63 6F 6E 73 74 00 00 00 00 00 00 00 00 00)");
    EXPECT_NE(r.out.find("Name: _blob ("), std::string::npos) << "the C name with its underscore";
    EXPECT_NE(r.out.find("Extern\n"), std::string::npos);
    EXPECT_EQ(r.out.find("PrivateExtern"), std::string::npos);
    EXPECT_EQ(field(r.out, "Platform"), c.platform);
    EXPECT_EQ(field(r.out, "Version"), c.version);
    EXPECT_EQ(field(r.out, "nextdefsym"), "1");
    EXPECT_EQ(field(r.out, "iundefsym"), "1");
    // The payload is the section's bytes, at an offset aligned like the section.
    const std::uint64_t offset = std::stoull(field(r.out, "Offset", "Sections ["));
    EXPECT_EQ(offset % 64, 0u);
    EXPECT_EQ(Bytes(w.file.begin() + static_cast<std::ptrdiff_t>(offset), w.file.end()),
              pattern_bytes(333));
    EXPECT_EQ(w.info.section, "__TEXT,__const");
  }
}

TEST(ObjectMachoWriter, HiddenVisibilityIsAPrivateExtern) {
  MBLOB_REQUIRE_LLVM(readobj, "llvm-readobj");
  TempDir dir;
  ObjectSpec spec;
  spec.visibility = Visibility::hidden;
  Written w = write(dir, target("arm64-apple-darwin"), pattern_bytes(10), spec);
  auto r = run_ok({readobj, "--symbols", w.path.string()});
  EXPECT_NE(r.out.find("PrivateExtern"), std::string::npos) << r.out;
}

TEST(ObjectMachoWriter, ProtectedVisibilityIsRefused) {
  TempDir dir;
  ObjectSpec spec;
  spec.visibility = Visibility::protected_;
  std::string err =
      error_of<Error>([&] { write(dir, target("arm64-apple-darwin"), pattern_bytes(10), spec); });
  EXPECT_NE(err.find("no protected visibility"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir / "blob.o"));
}

TEST(ObjectMachoWriter, SectionIsSegmentCommaSectionOfOneTo16Characters) {
  MBLOB_REQUIRE_LLVM(readobj, "llvm-readobj");
  TempDir dir;
  ObjectSpec spec;
  spec.section = "__DATA,__mblob_payload";  // 14 characters
  Written w = write(dir, target("x86_64-apple-darwin"), pattern_bytes(10), spec);
  EXPECT_EQ(w.info.section, "__DATA,__mblob_payload");
  auto r = run_ok({readobj, "--sections", w.path.string()});
  EXPECT_NE(r.out.find("Name: __mblob_payload ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Segment: __DATA ("), std::string::npos) << r.out;
  for (const char* bad : {"__TEXT", "__TEXT,", ",__const", "__TEXT,__const,x",
                          "__TEXT,__seventeen_chars__", "__TEXT,__con st", "__LINKEDIT,__x",
                          "__DATA,__mod_init_func", "__DATA,__bss", "__DATA,__objc_data"}) {
    spec.section = bad;
    std::string err =
        error_of<Error>([&] { write(dir, target("x86_64-apple-darwin"), {1}, spec, "bad.o"); });
    EXPECT_NE(err.find(bad), std::string::npos) << bad << ": " << err;
  }
  EXPECT_FALSE(fs::exists(dir / "bad.o"));
}

TEST(ObjectMachoWriter, ElfOnlyOptionsAreRefused) {
  TempDir dir;
  ObjectSpec spec;
  spec.large = true;
  EXPECT_NE(error_of<Error>([&] {
              write(dir, target("x86_64-apple-darwin"), {1}, spec);
            }).find("--large"),
            std::string::npos);
  spec.large = false;
  spec.elf_flags = 1;
  EXPECT_NE(error_of<Error>([&] {
              write(dir, target("x86_64-apple-darwin"), {1}, spec);
            }).find("e_flags"),
            std::string::npos);
}

TEST(ObjectMachoWriter, OutputIsDeterministicAndStreamsLikeAFile) {
  TempDir dir;
  const Bytes payload = pattern_bytes(5000, 9);
  ObjectSpec spec;
  spec.symbol = "blob";
  spec.size_symbol = true;
  spec.target = &target("arm64-apple-darwin");
  Written a = write(dir, *spec.target, payload, spec, "a.o");
  Written b = write(dir, *spec.target, payload, spec, "b.o");
  EXPECT_EQ(a.file, b.file);
  write_bytes(dir / "in.bin", payload);
  int fd = ::open((dir / "in.bin").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  write_object_from_fd(spec, fd, "in.bin", dir / "c.o");
  ::close(fd);
  EXPECT_EQ(read_bytes(dir / "c.o"), a.file) << "a stream's object equals the file's";
}

// A stream of 1 MiB or more is copied first and its head (section size, symbol values) rewritten
// at the end: the object equals the one written from the file of the same bytes.
TEST(ObjectMachoWriter, LongStreamGetsItsHeadRewrittenAndEqualsTheFilesObject) {
  TempDir dir;
  const Bytes payload = pattern_bytes((1 << 20) + 1, 4);
  ObjectSpec spec;
  spec.symbol = "blob";
  spec.size_symbol = true;
  spec.target = &target("x86_64-apple-darwin");
  Written a = write(dir, *spec.target, payload, spec, "a.o");
  write_bytes(dir / "in.bin", payload);
  int fd = ::open((dir / "in.bin").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  write_object_from_fd(spec, fd, "in.bin", dir / "s.o");
  ::close(fd);
  EXPECT_EQ(read_bytes(dir / "s.o"), a.file);
}

TEST(ObjectMachoWriter, PackCommandWritesAMachoObjectForADarwinTarget) {
  MBLOB_REQUIRE_LLVM(objdump, "llvm-objdump");
  TempDir dir;
  write_bytes(dir / "w.bin", pattern_bytes(3000, 8));
  auto r = run_ok({cli(), "pack", (dir / "w.bin").string(), "-o", (dir / "w.o").string(),
                   "--symbol", "weights", "--target", "arm64-apple-macos", "--section",
                   "__DATA,__weights", "--json"});
  EXPECT_NE(r.out.find("\"section\":\"__DATA,__weights\""), std::string::npos) << r.out;
  auto d = run_ok({objdump, "-t", (dir / "w.o").string()});
  EXPECT_NE(d.out.find("__DATA,__weights _weights"), std::string::npos) << d.out;
  EXPECT_EQ(d.err, "");
}

TEST(ObjectMachoWriter, PayloadOf4GiBOrMoreIsRefusedBeforeAnythingIsWritten) {
  const ContainerWriter& c = macho_container_writer();
  ObjectSpec spec;
  spec.symbol = "blob";
  const Target& t = target("arm64-apple-darwin");
  ObjectLayout l = c.layout(spec, t, true);
  EXPECT_LT(l.data_offset + l.max_payload, std::uint64_t{1} << 32);
  EXPECT_GT(l.max_payload, (std::uint64_t{1} << 32) - (std::uint64_t{1} << 20));
  EXPECT_NE(l.limit.find("32-bit"), std::string::npos);
  // A sparse 4 GiB input (no disk used): refused by its size, nothing written.
  TempDir dir;
  const fs::path in = dir / "big.bin";
  write_bytes(in, {});
  fs::resize_file(in, std::uint64_t{1} << 32);
  spec.target = &t;
  std::string err =
      error_of<Error>([&] { write_object(spec, ByteSource::from_file(in), dir / "big.o"); });
  EXPECT_NE(err.find("does not fit a Mach-O object for arm64-apple-darwin"), std::string::npos)
      << err;
  EXPECT_NE(err.find("4 GiB or more"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir / "big.o"));
}

// ---- Linking ---------------------------------------------------------------------------------

// ld64.lld links the object into a dylib; the symbol's bytes, read back with mblob's reader and
// with llvm-objcopy, equal the input. For both architectures, the sizes and alignments named.
TEST(ObjectMachoWriter, Ld64LinksItAndTheSymbolsBytesReadBack) {
  MBLOB_REQUIRE_LLVM(ld64, "ld64.lld");
  MBLOB_REQUIRE_LLVM(objcopy, "llvm-objcopy");
  for (const char* triple : {"arm64-apple-darwin", "x86_64-apple-darwin"}) {
    for (std::size_t size :
         {std::size_t{0}, std::size_t{1}, std::size_t{4097}, std::size_t{(1 << 20) + 1}}) {
      for (std::uint64_t align : {std::uint64_t{1}, std::uint64_t{16}, std::uint64_t{4096}}) {
        SCOPED_TRACE(std::string(triple) + " size " + std::to_string(size) + " align " +
                     std::to_string(align));
        TempDir dir;
        const Bytes payload = pattern_bytes(size, static_cast<std::uint32_t>(size));
        ObjectSpec spec;
        spec.align = align;
        Written w = write(dir, target(triple), payload, spec);
        const fs::path lib = link_dylib(ld64, w.path, target(triple));
        const Bytes file = read_bytes(lib);
        auto found = find_symbols(ByteView(file), lib.string(),
                                  [](std::string_view n) { return n == "_blob"; });
        ASSERT_EQ(found.size(), 1u);
        EXPECT_EQ(found[0].size, size) << "the section holds the payload only: an exact extent";
        EXPECT_EQ(found[0].offset % align, 0u);
        EXPECT_EQ(Bytes(file.begin() + static_cast<std::ptrdiff_t>(found[0].offset),
                        file.begin() + static_cast<std::ptrdiff_t>(found[0].offset + size)),
                  payload);
        if (size > 0) {
          EXPECT_EQ(section_bytes(objcopy, lib, "__TEXT,__const"), payload);
        }
      }
    }
  }
}

TEST(ObjectMachoWriter, EveryAlignmentFrom1To4096Links) {
  MBLOB_REQUIRE_LLVM(ld64, "ld64.lld");
  MBLOB_REQUIRE_LLVM(readobj, "llvm-readobj");
  for (std::uint64_t align = 1; align <= 4096; align *= 2) {
    SCOPED_TRACE(align);
    TempDir dir;
    ObjectSpec spec;
    spec.align = align;
    Written w = write(dir, target("arm64-apple-darwin"), pattern_bytes(100), spec);
    auto r = run_ok({readobj, "--sections", w.path.string()});
    std::uint32_t log2 = 0;
    while ((std::uint64_t{1} << log2) < align) ++log2;
    EXPECT_EQ(field(r.out, "Alignment"), std::to_string(log2));
    const fs::path lib = link_dylib(ld64, w.path, target("arm64-apple-darwin"));
    const Bytes file = read_bytes(lib);
    auto found =
        find_symbols(ByteView(file), lib.string(), [](std::string_view n) { return n == "_blob"; });
    ASSERT_EQ(found.size(), 1u);
    // The dylib's __TEXT segment starts at file offset 0 and address 0: file alignment is address
    // alignment.
    EXPECT_EQ(found[0].offset % align, 0u);
  }
}

TEST(ObjectMachoWriter, SizeSymbolsMarkTheEndAndHoldTheLength) {
  MBLOB_REQUIRE_LLVM(ld64, "ld64.lld");
  for (const char* triple : {"arm64-apple-darwin", "x86_64-apple-darwin"}) {
    SCOPED_TRACE(triple);
    TempDir dir;
    const Bytes payload = pattern_bytes(4097, 3);
    ObjectSpec spec;
    spec.size_symbol = true;
    Written w = write(dir, target(triple), payload, spec);
    const fs::path lib = link_dylib(ld64, w.path, target(triple));
    const Bytes file = read_bytes(lib);
    auto found = find_symbols(ByteView(file), lib.string(), [](std::string_view n) {
      return n == "_blob" || n == "_blob_end" || n == "_blob_size";
    });
    ASSERT_EQ(found.size(), 3u);
    std::map<std::string, SymbolLocation> by;
    for (auto& f : found) by[f.name] = f;
    EXPECT_EQ(by["_blob_end"].offset, by["_blob"].offset + payload.size());
    EXPECT_EQ(by["_blob_size"].offset % 8, 0u);
    ASSERT_GE(by["_blob_size"].size, 8u);
    EXPECT_EQ(load<std::uint64_t>(file.data() + by["_blob_size"].offset, Endian::little),
              payload.size());
    EXPECT_EQ(Bytes(file.begin() + static_cast<std::ptrdiff_t>(by["_blob"].offset),
                    file.begin() + static_cast<std::ptrdiff_t>(by["_blob"].offset + 4097)),
              payload);
  }
}

TEST(ObjectMachoWriter, HiddenSymbolIsNotExportedFromTheDylib) {
  MBLOB_REQUIRE_LLVM(ld64, "ld64.lld");
  MBLOB_REQUIRE_LLVM(objdump, "llvm-objdump");
  TempDir dir;
  ObjectSpec spec;
  spec.visibility = Visibility::hidden;
  Written w = write(dir, target("x86_64-apple-darwin"), pattern_bytes(64), spec);
  const fs::path lib = link_dylib(ld64, w.path, target("x86_64-apple-darwin"));
  auto r = run_ok({objdump, "--macho", "--exports-trie", lib.string()});
  EXPECT_EQ(r.out.find("_blob"), std::string::npos) << r.out;
  TempDir dir2;
  Written v = write(dir2, target("x86_64-apple-darwin"), pattern_bytes(64));
  const fs::path lib2 = link_dylib(ld64, v.path, target("x86_64-apple-darwin"));
  auto r2 = run_ok({objdump, "--macho", "--exports-trie", lib2.string()});
  EXPECT_NE(r2.out.find("_blob"), std::string::npos) << r2.out;
}

TEST(ObjectMachoWriter, UniversalFileOfBothDylibsReadsBackEachSlice) {
  MBLOB_REQUIRE_LLVM(ld64, "ld64.lld");
  MBLOB_REQUIRE_LLVM(lipo, "llvm-lipo");
  TempDir dir;
  std::vector<std::string> libs;
  std::map<std::string, Bytes> payloads;
  for (const char* triple : {"arm64-apple-darwin", "x86_64-apple-darwin"}) {
    const std::string arch = std::string(triple).substr(0, std::string(triple).find('-'));
    payloads[arch] = pattern_bytes(3000, static_cast<std::uint32_t>(arch.size()));
    Written w = write(dir, target(triple), payloads[arch], {}, arch + ".o");
    libs.push_back(link_dylib(ld64, w.path, target(triple)).string());
  }
  const fs::path fat = dir / "fat.dylib";
  run_ok({lipo, "-create", libs[0], libs[1], "-output", fat.string()});
  const Bytes file = read_bytes(fat);
  auto found =
      find_symbols(ByteView(file), fat.string(), [](std::string_view n) { return n == "_blob"; });
  ASSERT_EQ(found.size(), 2u);
  for (const auto& f : found) {
    ASSERT_TRUE(payloads.count(f.member)) << f.member;
    EXPECT_EQ(Bytes(file.begin() + static_cast<std::ptrdiff_t>(f.offset),
                    file.begin() + static_cast<std::ptrdiff_t>(f.offset + 3000)),
              payloads[f.member]);
  }
}

}  // namespace
}  // namespace mblob::test
