// The ELF header and program header reader: on files real toolchains made (host gcc, cross gcc,
// big-endian binutils linking objects of the native writer), checked against readelf, and on
// damaged headers, which must give an Error naming the file, the offset and the field.
#include <gtest/gtest.h>

#include <sstream>

#include "mblob/object/elf.h"
#include "mblob/object/elf_headers.h"
#include "mblob/object/object_writer.h"
#include "support/test_support.h"

namespace mblob {
namespace {

using namespace mblob::elf;
using test::TempDir;
namespace fs = std::filesystem;

struct ReadFile {
  std::vector<std::uint8_t> bytes;
  FileHeader header;
  std::vector<ProgramHeader> phdrs;
};

ReadFile read_elf(const fs::path& p) {
  ReadFile f;
  f.bytes = test::read_bytes(p);
  f.header = read_file_header(f.bytes, p.string());
  f.phdrs = read_program_headers_in_file(f.bytes, f.header, p.string());
  return f;
}

// The PT_LOAD rows of `readelf -lW`: "LOAD 0x000000 0x... 0x... 0x000530 0x000530 R E 0x1000".
struct LoadRow {
  std::uint64_t offset, vaddr, filesz, memsz;
  std::string flags;
};
std::vector<LoadRow> readelf_loads(const fs::path& p) {
  auto r = test::run_ok({"readelf", "-lW", p.string()});
  std::vector<LoadRow> rows;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string type, off, va, pa, fs_, ms, tok, flags;
    if (!(f >> type) || type != "LOAD") continue;
    f >> off >> va >> pa >> fs_ >> ms;
    while (f >> tok) {
      if (tok.rfind("0x", 0) == 0) break;  // the alignment ends the flags
      flags += tok;
    }
    rows.push_back({std::stoull(off, nullptr, 16), std::stoull(va, nullptr, 16),
                    std::stoull(fs_, nullptr, 16), std::stoull(ms, nullptr, 16), flags});
  }
  return rows;
}

std::string flags_text(std::uint32_t f) {
  std::string s;
  if (f & kPF_R) s += "R";
  if (f & kPF_W) s += "W";
  if (f & kPF_X) s += "E";
  return s;
}

void expect_loads_match_readelf(const fs::path& p, const std::vector<ProgramHeader>& phdrs) {
  std::vector<LoadRow> want = readelf_loads(p);
  std::vector<const ProgramHeader*> got;
  for (const auto& ph : phdrs) {
    if (ph.type == kPT_LOAD) got.push_back(&ph);
  }
  ASSERT_FALSE(want.empty()) << p;
  ASSERT_EQ(got.size(), want.size()) << p;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i]->offset, want[i].offset) << p << " segment " << i;
    EXPECT_EQ(got[i]->vaddr, want[i].vaddr) << p << " segment " << i;
    EXPECT_EQ(got[i]->filesz, want[i].filesz) << p << " segment " << i;
    EXPECT_EQ(got[i]->memsz, want[i].memsz) << p << " segment " << i;
    EXPECT_EQ(flags_text(got[i]->flags), want[i].flags) << p << " segment " << i;
  }
}

fs::path compile_so(const TempDir& d, const std::string& cc, const std::string& name) {
  test::write_text(d / (name + ".c"), "int answer(void) { return 42; }\nint counter = 1;\n");
  auto so = d / (name + ".so");
  test::run_ok({cc, "-shared", "-fPIC", "-O1", "-o", so.string(), (d / (name + ".c")).string()});
  return so;
}

TEST(ElfHeaders, HostSharedLibraryHeadersMatchReadelf) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  TempDir d;
  auto so = compile_so(d, "cc", "host");
  ReadFile f = read_elf(so);
  EXPECT_TRUE(f.header.is_64);
  EXPECT_EQ(f.header.endian, Endian::little);
  EXPECT_EQ(f.header.machine, kEM_X86_64);
  EXPECT_EQ(f.header.type, kET_DYN);
  EXPECT_EQ(describe(f.header), "ELF64 little-endian x86-64 shared object");
  expect_loads_match_readelf(so, f.phdrs);
}

TEST(ElfHeaders, Aarch64SharedLibraryHeadersMatchReadelf) {
  MBLOB_REQUIRE_TOOL(gcc, "aarch64-linux-gnu-gcc");
  TempDir d;
  auto so = compile_so(d, gcc, "arm");
  ReadFile f = read_elf(so);
  EXPECT_EQ(f.header.machine, kEM_AARCH64);
  EXPECT_EQ(describe(f.header), "ELF64 little-endian aarch64 shared object");
  expect_loads_match_readelf(so, f.phdrs);
}

TEST(ElfHeaders, RelocatableObjectHasNoProgramHeaders) {
  TempDir d;
  test::write_text(d / "o.c", "int x = 3;\n");
  test::run_ok({"cc", "-c", "-o", (d / "o.o").string(), (d / "o.c").string()});
  ReadFile f = read_elf(d / "o.o");
  EXPECT_EQ(f.header.type, kET_REL);
  EXPECT_EQ(type_name(f.header.type), "relocatable object");
  EXPECT_TRUE(f.phdrs.empty());
}

// A big-endian shared object: the native writer's object for `triple`, linked by that target's
// own GNU ld.
void expect_big_endian_link_reads(const std::string& triple, const std::string& ld, bool is_64,
                                  std::uint16_t machine) {
  TempDir d;
  ObjectSpec spec;
  spec.symbol = "blob";
  spec.target = &find_target(triple);
  write_object(spec, ByteSource::from_bytes(test::pattern_bytes(5000, 3)), d / "blob.o");
  auto so = d / "blob.so";
  test::run_ok({ld, "-shared", "-o", so.string(), (d / "blob.o").string()});
  ReadFile f = read_elf(so);
  EXPECT_EQ(f.header.is_64, is_64);
  EXPECT_EQ(f.header.endian, Endian::big);
  EXPECT_EQ(f.header.machine, machine);
  EXPECT_EQ(f.header.type, kET_DYN);
  expect_loads_match_readelf(so, f.phdrs);
}

TEST(ElfHeaders, BigEndian64BitSharedObjectMatchesReadelf) {
  MBLOB_REQUIRE_TOOL(ld, "powerpc64-linux-gnu-ld");
  expect_big_endian_link_reads("powerpc64-linux-gnu", ld, true, kEM_PPC64);
}

TEST(ElfHeaders, BigEndian32BitSharedObjectMatchesReadelf) {
  MBLOB_REQUIRE_TOOL(ld, "mips-linux-gnu-ld");
  expect_big_endian_link_reads("mips-linux-gnu", ld, false, kEM_MIPS);
}

// ---- Damaged headers: each is an Error naming the file, the offset and the field.

std::vector<std::uint8_t> host_so_bytes(const TempDir& d) {
  return test::read_bytes(compile_so(d, "cc", "good"));
}

std::string read_error(const std::vector<std::uint8_t>& bytes) {
  try {
    auto h = read_file_header(bytes, "lib.so");
    read_program_headers_in_file(bytes, h, "lib.so");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const std::vector<std::uint8_t>& bytes, const std::string& part) {
  std::string m = read_error(bytes);
  EXPECT_NE(m.find("lib.so: at offset"), std::string::npos) << m;
  EXPECT_NE(m.find(part), std::string::npos) << m;
}

TEST(ElfHeaders, MissingMagicIsNotAnElfFile) {
  expect_error({'M', 'Z', 0x90, 0, 0}, "not an ELF file");
  expect_error({0x7f, 'E', 'L'}, "ELF magic");
}

TEST(ElfHeaders, UnknownClassIsRefused) {
  TempDir d;
  auto b = host_so_bytes(d);
  b[kEI_CLASS] = 3;
  expect_error(b, "EI_CLASS");
}

TEST(ElfHeaders, UnknownDataEncodingIsRefused) {
  TempDir d;
  auto b = host_so_bytes(d);
  b[kEI_DATA] = 0;
  expect_error(b, "EI_DATA");
}

TEST(ElfHeaders, WrongIdentVersionIsRefused) {
  TempDir d;
  auto b = host_so_bytes(d);
  b[kEI_VERSION] = 2;
  expect_error(b, "EI_VERSION");
}

TEST(ElfHeaders, FileHeaderCutShortIsRefused) {
  TempDir d;
  auto b = host_so_bytes(d);
  b.resize(40);
  expect_error(b, "ELF64 file header");
}

// Field offsets in an ELF64 header.
constexpr std::size_t kPhoff64 = 32, kPhentsize64 = 54, kPhnum64 = 56;

TEST(ElfHeaders, ProgramHeaderEntrySizeMustMatchTheClass) {
  TempDir d;
  auto b = host_so_bytes(d);
  store<std::uint16_t>(b.data() + kPhentsize64, 32, Endian::little);
  expect_error(b, "e_phentsize is 32, expected 56");
}

TEST(ElfHeaders, ProgramHeaderTablePastTheEndIsRefused) {
  TempDir d;
  auto b = host_so_bytes(d);
  store<std::uint64_t>(b.data() + kPhoff64, b.size() - 8, Endian::little);
  expect_error(b, "program header table needs bytes up to offset");
}

TEST(ElfHeaders, ProgramHeaderTableOffsetOverflowIsRefused) {
  TempDir d;
  auto b = host_so_bytes(d);
  store<std::uint64_t>(b.data() + kPhoff64, ~std::uint64_t{0} - 10, Endian::little);
  expect_error(b, "overflows");
}

TEST(ElfHeaders, ExtendedProgramHeaderCountIsRefused) {
  TempDir d;
  auto b = host_so_bytes(d);
  store<std::uint16_t>(b.data() + kPhnum64, kPN_XNUM, Endian::little);
  expect_error(b, "PN_XNUM");
}

TEST(ElfHeaders, TableViewShorterThanTheTableIsRefused) {
  TempDir d;
  auto b = host_so_bytes(d);
  FileHeader h = read_file_header(b, "lib.so");
  ByteView table(b.data() + h.phoff, h.phentsize * 2u);  // less than e_phnum entries
  ASSERT_GT(h.phnum, 2);
  try {
    read_program_headers(table, h, "lib.so");
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("at offset " + std::to_string(h.phoff)), std::string::npos) << m;
  }
}

TEST(ElfHeaders, MachineNamesComeFromTheTableOrTheNumber) {
  EXPECT_EQ(machine_name(kEM_AARCH64), "aarch64");
  EXPECT_EQ(machine_name(kEM_RISCV), "riscv");
  EXPECT_EQ(machine_name(4242), "machine 4242");
  EXPECT_EQ(type_name(0x1234), "type 0x1234");
}

}  // namespace
}  // namespace mblob
