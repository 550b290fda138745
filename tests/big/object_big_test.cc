// Label "big": a payload over 4 GiB (a sparse input) makes a valid ELF64 object; a 3 GiB blob's
// size symbol is right in a PIE and a non-PIE executable and in a shared library; a 4 GiB
// payload is refused for COFF (32-bit section sizes and offsets) before anything is written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "../object_tools.h"
#include "mblob/object/elf.h"

namespace mblob::test {
namespace {

using namespace mblob::elf;

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

TEST(ObjectBig, PayloadOver4GiBMakesAValidElf64Object) {
  TempDir dir;
  // The output is not sparse (the copy writes the zeros), so it needs the payload's size on
  // disk; 12 GiB leaves room for the file system and for other tests.
  if (free_bytes(dir.path()) < 12 * kGiB) {
    GTEST_SKIP() << "SKIPPED: needs 12 GiB free in " << dir.path() << ", have "
                 << free_bytes(dir.path()) / kGiB << " GiB";
  }
  const std::uint64_t size = 4 * kGiB + 4097;
  fs::path in = dir / "big.bin", out = dir / "big.o";
  // Sparse input with markers where 32-bit arithmetic would go wrong.
  const std::vector<ByteMark> marks = {
      {0, 0xa1}, {4 * kGiB - 1, 0xb2}, {4 * kGiB, 0xc3}, {size - 1, 0xd4}};
  write_sparse(in, size, marks);
  if (HasFatalFailure()) return;
  auto r = obj::pack({in.string(), "-o", out.string(), "--symbol", "blob", "--target",
                      "x86_64-linux-gnu", "--size-symbol"});
  fs::remove(in);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  for (const auto& f : {obj::readelf(out.string()), obj::readobj(out.string())}) {
    EXPECT_EQ(f.diagnostics, "");
    EXPECT_EQ(f.elf_class, kELFCLASS64);
    ASSERT_EQ(f.sections.size(), 7u);
    const obj::Section& data = f.sections[1];
    EXPECT_EQ(data.name, ".lrodata") << "over the default 1 GiB threshold";
    EXPECT_EQ(data.flags, kSHF_ALLOC | kSHF_X86_64_LARGE);
    EXPECT_EQ(data.size, size);
    EXPECT_GT(f.shoff, size);
    EXPECT_EQ(f.shoff + 7 * 64, fs::file_size(out));
    ASSERT_NE(f.symbol("blob"), nullptr);
    EXPECT_EQ(f.symbol("blob")->size, size);
    ASSERT_NE(f.symbol("blob_end"), nullptr);
    EXPECT_EQ(f.symbol("blob_end")->value, size);
    ASSERT_NE(f.symbol("blob_size"), nullptr);
    EXPECT_EQ(f.symbol("blob_size")->size, 8u);
    const obj::Section& size_section = f.sections[6];
    EXPECT_EQ(size_section.flags, kSHF_ALLOC) << "the size stays in a small section";
    {
      int fd = ::open(out.c_str(), O_RDONLY);  // pread: the file is too large to read whole
      ASSERT_GE(fd, 0);
      std::uint8_t stored[8] = {};
      ASSERT_EQ(::pread(fd, stored, 8, static_cast<off_t>(size_section.offset)), 8);
      ::close(fd);
      std::uint64_t value = 0;
      for (int i = 7; i >= 0; --i) value = (value << 8) | stored[i];
      EXPECT_EQ(value, size) << "the size object, little-endian";
    }

    int fd = ::open(out.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    for (auto [off, v] : marks) {
      std::uint8_t got = 0;
      ASSERT_EQ(::pread(fd, &got, 1, static_cast<off_t>(data.offset + off)), 1);
      EXPECT_EQ(got, v) << "payload byte at " << off;
    }
    ::close(fd);
  }
  fs::remove(out);
}

// The PIE program reads blob_size (a relocatable uint64_t object, in .rodata.blob_size) and the
// blob's first and last bytes through `blob` (in .lrodata, past the large threshold).
const char* kBigCheckerC =
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "extern const unsigned char blob[];\n"
    "extern const uint64_t blob_size;\n"
    "int main(void) {\n"
    "  printf(\"%llu %02x %02x\\n\", (unsigned long long)blob_size, blob[0], blob[blob_size - "
    "1]);\n"
    "  return 0;\n"
    "}\n";

// How the checker program reaches the blob: linked into a PIE or a non-PIE executable, or
// through a shared library (the program is compiled -fPIC so it reads the library's data through
// the GOT instead of copying 3 GiB into itself with a copy relocation).
enum class BigLink { pie, no_pie, shared };

class ObjectBigSizeSymbol : public ::testing::TestWithParam<BigLink> {};

TEST_P(ObjectBigSizeSymbol, SizeSymbolOfA3GiBBlobIsRightWhereverItIsLinked) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  TempDir dir;
  // The object and the linked file each hold the 3 GiB (the input is sparse).
  if (free_bytes(dir.path()) < 10 * kGiB) {
    GTEST_SKIP() << "SKIPPED: needs 10 GiB free in " << dir.path() << ", have "
                 << free_bytes(dir.path()) / kGiB << " GiB";
  }
  const std::uint64_t size = 3 * kGiB + 5;
  fs::path in = dir / "big.bin", object = dir / "big.o", program = dir / "check",
           library = dir / "libbig.so";
  {
    int fd = ::open(in.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
    const std::uint8_t first = 0x5a, last = 0xe7;
    ASSERT_EQ(::pwrite(fd, &first, 1, 0), 1);
    ASSERT_EQ(::pwrite(fd, &last, 1, static_cast<off_t>(size - 1)), 1);
    ::close(fd);
  }
  auto r = obj::pack({in.string(), "-o", object.string(), "--symbol", "blob", "--target",
                      "x86_64-linux-gnu", "--size-symbol"});
  fs::remove(in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(obj::readelf(object.string()).sections.at(1).name, ".lrodata");
  write_text(dir / "check.c", kBigCheckerC);
  std::vector<std::string> link;
  switch (GetParam()) {
    case BigLink::pie:
      link = {gcc,
              "-O1",
              "-fPIE",
              "-pie",
              "-o",
              program.string(),
              (dir / "check.c").string(),
              object.string()};
      break;
    case BigLink::no_pie:
      link = {gcc,
              "-O1",
              "-fno-pie",
              "-no-pie",
              "-o",
              program.string(),
              (dir / "check.c").string(),
              object.string()};
      break;
    case BigLink::shared: {
      auto lib = run({gcc, "-shared", "-o", library.string(), object.string()});
      ASSERT_EQ(lib.exit_code, 0) << lib.err;
      link = {gcc,
              "-O1",
              "-fPIC",
              "-o",
              program.string(),
              (dir / "check.c").string(),
              library.string(),
              "-Wl,-rpath," + dir.path().string()};
      break;
    }
  }
  auto linked = run(link);
  fs::remove(object);
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  auto run_r = run({program.string()});
  fs::remove(program);
  fs::remove(library);
  ASSERT_EQ(run_r.exit_code, 0) << run_r.err;
  EXPECT_EQ(run_r.out, std::to_string(size) + " 5a e7\n");
}

INSTANTIATE_TEST_SUITE_P(Links, ObjectBigSizeSymbol,
                         ::testing::Values(BigLink::pie, BigLink::no_pie, BigLink::shared),
                         [](const auto& info) {
                           switch (info.param) {
                             case BigLink::pie:
                               return std::string("pie");
                             case BigLink::no_pie:
                               return std::string("no_pie");
                             default:
                               return std::string("shared");
                           }
                         });

// COFF's SizeOfRawData and file offsets are 32-bit: a 4 GiB payload, given as a file or as a
// redirected stdin, is refused with the reason, and no output (nor temporary) is left.
TEST(ObjectBig, CoffRefusesA4GiBPayloadAndWritesNothing) {
  TempDir dir;
  const fs::path in = dir / "big.bin", out = dir / "big.o";
  {
    int fd = ::open(in.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(4 * kGiB)), 0);
    ::close(fd);
  }
  for (bool from_stdin : {false, true}) {
    SCOPED_TRACE(from_stdin ? "stdin" : "file");
    RunResult r =
        from_stdin
            ? run({"sh", "-c",
                   "\"$1\" pack - -o \"$2\" --symbol blob --target x86_64-w64-mingw32 -q < \"$3\"",
                   "sh", cli(), out.string(), in.string()})
            : obj::pack({in.string(), "-o", out.string(), "--symbol", "blob", "--target",
                         "x86_64-w64-mingw32"});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("does not fit a COFF object for x86_64-w64-mingw32: COFF section sizes "
                         "and file offsets are 32-bit"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("4294967296 bytes"), std::string::npos) << r.err;
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (e.path() != in) left.push_back(e.path().filename().string());
    }
    EXPECT_TRUE(left.empty()) << left.front();
  }
}

}  // namespace
}  // namespace mblob::test
