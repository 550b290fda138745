// CLI option values (tools/mblob/options.cc): every option that takes a size reads it through one
// parser, in decimal with binary units; flags take hex only with 0x. Bad values exit with 2.
#include <gtest/gtest.h>

#include "object_tools.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

struct Packed {
  test::RunResult run;
  std::uint64_t align = 0;
  std::string section;
};

Packed pack_with(const TempDir& dir, std::vector<std::string> options) {
  test::write_bytes(dir / "in.bin", test::pattern_bytes(100));
  std::vector<std::string> args = {
      (dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob", "--target",
      "x86_64-linux-gnu"};
  args.insert(args.end(), options.begin(), options.end());
  Packed p;
  p.run = test::obj::pack(args);
  if (p.run.exit_code == 0) {
    auto f = test::obj::readelf((dir / "a.o").string());
    p.align = f.sections.at(1).align;
    p.section = f.sections.at(1).name;
  }
  fs::remove(dir / "a.o");
  return p;
}

TEST(CliOptions, AlignIsDecimalNotOctal) {
  TempDir dir;
  // 064 is sixty-four (octal would be 52, not a power of two).
  Packed p = pack_with(dir, {"--align", "064"});
  ASSERT_EQ(p.run.exit_code, 0) << p.run.err;
  EXPECT_EQ(p.align, 64u);
  // 010 is ten (octal would be 8, accepted): not a power of two, and the message says 10.
  p = pack_with(dir, {"--align", "010"});
  EXPECT_EQ(p.run.exit_code, 2);  // a usage error
  EXPECT_NE(p.run.err.find("alignment 10 "), std::string::npos) << p.run.err;
}

TEST(CliOptions, SizeSuffixesAreBinaryUnits) {
  TempDir dir;
  for (auto [text, value] : std::vector<std::pair<std::string, std::uint64_t>>{
           {"4K", 4096}, {"4k", 4096}, {"8KiB", 8192}, {"1M", 1u << 20}, {"1mib", 1u << 20}}) {
    Packed p = pack_with(dir, {"--align", text});
    ASSERT_EQ(p.run.exit_code, 0) << text << ": " << p.run.err;
    EXPECT_EQ(p.align, value) << text;
  }
  // --large-threshold goes through the same parser: 64 (decimal) < 100 bytes -> .lrodata.
  Packed p = pack_with(dir, {"--large-threshold", "064"});
  ASSERT_EQ(p.run.exit_code, 0) << p.run.err;
  EXPECT_EQ(p.section, ".lrodata");
  p = pack_with(dir, {"--large-threshold", "1K"});
  ASSERT_EQ(p.run.exit_code, 0) << p.run.err;
  EXPECT_EQ(p.section, ".rodata");
}

TEST(CliOptions, BadSizeIsAUsageError) {
  TempDir dir;
  for (const char* bad : {"", "0x10", "-16", "+16", " 16", "16 ", "1.5K", "16B", "1KB", "4P", "K",
                          "18446744073709551616", "16777216T"}) {
    for (const char* option : {"--align", "--large-threshold"}) {
      Packed p = pack_with(dir, {option, bad});
      EXPECT_EQ(p.run.exit_code, 2) << option << " '" << bad << "': " << p.run.err;
      EXPECT_NE(p.run.err.find(std::string(option) + ": '"), std::string::npos) << p.run.err;
      EXPECT_FALSE(fs::exists(dir / "a.o"));
    }
  }
}

TEST(CliOptions, ExportAlignUsesTheSharedSizeParser) {
  TempDir dir;
  // A manifest that would fail if it were read: the usage error must come first.
  test::write_text(dir / "m.json", "{");
  for (const char* bad : {"0x10", "010x", "-1"}) {
    auto r = test::run({test::cli(), "export", (dir / "m.json").string(), "-o",
                        (dir / "o.so").string(), "--align", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--align: '"), std::string::npos) << r.err;
  }
}

TEST(CliOptions, ElfFlagsTakeHexOnlyWith0x) {
  TempDir dir;
  test::write_bytes(dir / "in.bin", test::pattern_bytes(10));
  auto flags_of = [&](const std::string& text) {
    auto r = test::obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol",
                              "blob", "--target", "powerpc64-linux-gnu", "--elf-flags", text});
    EXPECT_EQ(r.exit_code, 0) << text << ": " << r.err;
    return test::obj::readobj((dir / "a.o").string()).flags;
  };
  EXPECT_EQ(flags_of("0x10"), 16u);
  EXPECT_EQ(flags_of("010"), 10u);  // decimal, not octal
  for (const char* bad : {"", "1K", "0x", "-2", "0x1g", "4294967296"}) {
    auto r = test::obj::pack({(dir / "in.bin").string(), "-o", (dir / "b.o").string(), "--symbol",
                              "blob", "--elf-flags", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--elf-flags: '"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace mblob
