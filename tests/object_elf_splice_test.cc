// object/elf_splice: a library linked against the placeholder, with the blob spliced in, loads
// with dlopen (x86-64 with GNU ld, gold, lld and mold; aarch64 and riscv64 under qemu), its own
// reference to the blob and dlsym agree, the bytes are the input's, the readers and strippers
// accept it, and what cannot be spliced is refused with the previous output left alone.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>

#include "mblob/core/file.h"
#include "mblob/object/elf.h"
#include "mblob/object/elf_headers.h"
#include "mblob/object/elf_reader.h"
#include "mblob/object/elf_splice.h"
#include "support/header_and_payload.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

constexpr const char* kSymbol = "spliced_blob";

// Host code that reads the blob through its own (GOT) reference.
constexpr const char* kHostC = R"(
extern const unsigned char spliced_blob[];
const unsigned char* host_blob_address(void) { return spliced_blob; }
int host_add(int a, int b) { return a + b; }
)";

// Compiles the host code and the placeholder and links them with `linker` (bfd gold lld mold),
// with `cc` (a cross driver for the other targets). `extra` goes on the link line.
fs::path link_with_placeholder(const TempDir& dir, const std::string& cc, const std::string& linker,
                               const std::vector<std::string>& extra = {},
                               const std::string& placeholder_extra = "") {
  test::write_text(dir / "host.c", kHostC);
  std::string ph = placeholder_assembly(kSymbol, placeholder_note_for_linker(linker));
  if (!placeholder_extra.empty()) ph += placeholder_extra;
  test::write_text(dir / "placeholder.s", ph);
  test::run_ok(
      {cc, "-c", "-fPIC", "-O2", (dir / "host.c").string(), "-o", (dir / "host.o").string()});
  test::run_ok({cc, "-c", "-fPIC", (dir / "placeholder.s").string(), "-o",
                (dir / "placeholder.o").string()});
  std::vector<std::string> argv = {cc,
                                   "-shared",
                                   "-fuse-ld=" + linker,
                                   (dir / "host.o").string(),
                                   (dir / "placeholder.o").string(),
                                   "-o",
                                   (dir / ("linked-" + linker + ".so")).string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  test::run_ok(argv);
  return dir / ("linked-" + linker + ".so");
}

fs::path write_blob(const TempDir& dir, std::size_t n, std::uint32_t seed = 7) {
  fs::path p = dir / ("blob" + std::to_string(n) + ".bin");
  test::write_bytes(p, test::pattern_bytes(n, seed));
  return p;
}

SpliceInfo splice(const fs::path& linked, const fs::path& blob, const fs::path& out) {
  SpliceRequest req;
  req.symbol = kSymbol;
  return splice_blob(linked, ByteSource::from_file(blob), req, out);
}

// dlopen's view: the bytes at the blob symbol, its st_size, the library's own reference and a
// host function.
void expect_loads_with_blob(const fs::path& so, const std::vector<std::uint8_t>& bytes) {
  void* h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  auto* blob = static_cast<const unsigned char*>(dlsym(h, kSymbol));
  ASSERT_NE(blob, nullptr);
  void* entry = nullptr;
  Dl_info info;
  ASSERT_NE(dladdr1(blob, &info, &entry, RTLD_DL_SYMENT), 0);
  const auto* sym = static_cast<const ElfW(Sym)*>(entry);
  ASSERT_NE(sym, nullptr);
  EXPECT_EQ(sym->st_size, bytes.size());
  if (!bytes.empty()) {
    EXPECT_EQ(std::memcmp(blob, bytes.data(), bytes.size()), 0);
  }
  auto* own = reinterpret_cast<const unsigned char* (*)()>(dlsym(h, "host_blob_address"));
  auto* add = reinterpret_cast<int (*)(int, int)>(dlsym(h, "host_add"));
  ASSERT_NE(own, nullptr);
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(own(), blob) << "the library's own reference and dlsym disagree";
  EXPECT_EQ(add(40, 2), 42);
  dlclose(h);
}

// readelf -a -W and llvm-readobj -a print no warning about the file.
void expect_readers_quiet(const fs::path& so) {
  auto r = test::run({"readelf", "-a", "-W", so.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "readelf -a -W " << so;
  EXPECT_EQ(r.out.find("Warning"), std::string::npos) << r.out;
  std::string llvm = test::find_tool("llvm-readobj");
  if (llvm.empty()) return;
  auto l = test::run({llvm, "-a", so.string()});
  EXPECT_EQ(l.exit_code, 0) << l.err;
  EXPECT_EQ(l.err, "") << "llvm-readobj -a " << so;
  EXPECT_EQ(l.out.find("warning"), std::string::npos);
}

struct LinkerSize {
  std::string linker;
  std::size_t size;
};

class SpliceLinkers : public ::testing::TestWithParam<LinkerSize> {};

TEST_P(SpliceLinkers, SplicedLibraryLoadsServesTheBytesAndSurvivesTheStrippers) {
  const auto& c = GetParam();
  std::string prog = c.linker == "bfd"    ? "ld.bfd"
                     : c.linker == "gold" ? "ld.gold"
                     : c.linker == "lld"  ? "ld.lld"
                                          : "mold";
  MBLOB_REQUIRE_TOOL(ld, prog);
  TempDir dir;
  fs::path linked = link_with_placeholder(dir, "gcc", c.linker);
  fs::path blob = write_blob(dir, c.size);
  fs::path so = dir / "spliced.so";
  splice(linked, blob, so);
  const auto bytes = test::pattern_bytes(c.size, 7);
  expect_loads_with_blob(so, bytes);
  expect_readers_quiet(so);
  // The strippers rewrite the file from its section and program headers: what they write must
  // still load and hold the same bytes.
  std::vector<std::vector<std::string>> strippers = {
      {"strip"}, {"strip", "--strip-debug"}, {"objcopy", "--strip-debug"}};
  if (!test::find_tool("eu-strip").empty()) strippers.push_back({"eu-strip"});
  int n = 0;
  for (auto argv : strippers) {
    fs::path out = dir / ("stripped" + std::to_string(n++) + ".so");
    fs::copy_file(so, out);
    argv.push_back(out.string());
    test::run_ok(argv);
    SCOPED_TRACE(argv.front() + (argv.size() > 2 ? " " + argv[1] : ""));
    expect_loads_with_blob(out, bytes);
    expect_readers_quiet(out);
  }
}

std::vector<LinkerSize> linker_sizes() {
  std::vector<LinkerSize> out;
  for (const char* l : {"bfd", "gold", "lld", "mold"}) {
    for (std::size_t n : {0, 1, 4095, 4096, 4097, 200001}) out.push_back({l, n});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(All, SpliceLinkers, ::testing::ValuesIn(linker_sizes()),
                         [](const auto& info) {
                           return info.param.linker + "_" + std::to_string(info.param.size);
                         });

// The new PT_LOAD: after the last load in p_vaddr order, read-only, 64 KiB-aligned file offset,
// p_offset == p_vaddr modulo its p_align (the largest of the loads), and the program headers
// still inside a PT_LOAD (bionic's rule).
TEST(Splice, NewLoadFollowsTheLoaderRules) {
  TempDir dir;
  fs::path linked = link_with_placeholder(dir, "gcc", "bfd");
  fs::path so = dir / "spliced.so";
  SpliceInfo info = splice(linked, write_blob(dir, 100000), so);
  MappedFile f(so);
  elf::ElfFile e(f.bytes(), so.string());
  const auto& segs = e.segments();
  std::uint64_t max_align = 0, last_vaddr = 0;
  const elf::ProgramHeader* last = nullptr;
  for (const auto& p : segs) {
    if (p.type != elf::kPT_LOAD) continue;
    EXPECT_GE(p.vaddr, last_vaddr) << "PT_LOADs out of order";
    last_vaddr = p.vaddr;
    max_align = std::max(max_align, p.align);
    last = &p;
  }
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->offset, info.blob_offset);
  EXPECT_EQ(last->vaddr, info.blob_vaddr);
  EXPECT_EQ(last->flags, elf::kPF_R);
  EXPECT_EQ(last->filesz, 100000u);
  EXPECT_EQ(last->memsz, 100000u);
  EXPECT_EQ(last->align, max_align);
  EXPECT_EQ(last->offset % kSplicedBlobAlign, 0u);
  EXPECT_EQ(last->offset % last->align, last->vaddr % last->align);
  EXPECT_EQ(e.header().phnum, elf::read_file_header(f.bytes(), "x").phnum);
  bool phdrs_loaded = false;
  const std::uint64_t end = elf::program_header_table_end(e.header(), so.string());
  for (const auto& p : segs) {
    if (p.type == elf::kPT_LOAD && p.offset <= e.header().phoff && end <= p.offset + p.filesz)
      phdrs_loaded = true;
  }
  EXPECT_TRUE(phdrs_loaded);
  for (const auto& s : e.sections()) {
    if (s.name != kPlaceholderSection) continue;
    EXPECT_EQ(s.offset, info.blob_offset);
    EXPECT_EQ(s.addr, info.blob_vaddr);
    EXPECT_EQ(s.size, 100000u);
  }
}

// A blob of a header in memory and a payload file (what export serializes): with no alignment
// asked for, the payload lands page-aligned, at the same offset within a page in the file and
// in memory (copied at cp speed); with one, the blob starts on a 64 KiB boundary. Either way it
// loads, the readers are quiet, and strip keeps it loadable.
TEST(Splice, PayloadLandsPageAlignedUnlessAnAlignmentIsAsked) {
  TempDir dir;
  fs::path linked = link_with_placeholder(dir, "gcc", "bfd");
  constexpr std::size_t kHeader = 90;
  const test::HeaderAndPayload hp = test::header_and_payload(dir.path(), kHeader, 3 * 4096 + 5);
  const ByteSource& blob = hp.source;
  const std::vector<std::uint8_t>& bytes = hp.bytes;
  for (std::uint64_t align : {0, 1, 64, 4096}) {
    SCOPED_TRACE("align " + std::to_string(align));
    SpliceRequest req;
    req.symbol = kSymbol;
    req.align = align;
    fs::path so = dir / ("aligned" + std::to_string(align) + ".so");
    SpliceInfo info = splice_blob(linked, blob, req, so);
    if (align == 0) {
      EXPECT_EQ((info.blob_offset + kHeader) % 4096, 0u);
      EXPECT_EQ((info.blob_vaddr + kHeader) % 4096, 0u);
    } else {
      EXPECT_EQ(info.blob_offset % kSplicedBlobAlign, 0u);
      EXPECT_EQ(info.blob_vaddr % kSplicedBlobAlign, 0u);
    }
    MappedFile f(so);
    elf::ElfFile e(f.bytes(), so.string());
    for (const auto& sec : e.sections()) {
      if (sec.name == kPlaceholderSection) {
        EXPECT_EQ(sec.addralign, align == 0 ? 1 : align);
      }
    }
    expect_loads_with_blob(so, bytes);
    expect_readers_quiet(so);
    fs::path stripped = dir / ("stripped" + std::to_string(align) + ".so");
    fs::copy_file(so, stripped);
    test::run_ok({"strip", stripped.string()});
    expect_loads_with_blob(stripped, bytes);
  }
  SpliceRequest bad;
  bad.symbol = kSymbol;
  bad.align = 2 * kSplicedBlobAlign;
  std::string msg =
      test::error_of<Error>([&] { splice_blob(linked, blob, bad, dir / "never.so"); });
  EXPECT_NE(msg.find("power of two up to"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir / "never.so"));
}

// The two-step splice (what export does): the blob is copied at `reserve` while the link runs.
// When the linked file fits below it, the blob stays there and the gap is zeros; when it does
// not (here: 200 KB of read-only data against a 64 KiB reserve), the blob is copied again after
// it, and nothing of the first copy is left in the gap.
TEST(Splice, EarlyCopyStaysWhenTheLinkedFileFitsAndMovesWhenNot) {
  TempDir dir;
  constexpr std::size_t kHeader = 90;
  const test::HeaderAndPayload hp = test::header_and_payload(dir.path(), kHeader, 300000);
  const fs::path small = link_with_placeholder(dir, "gcc", "bfd");
  const fs::path big = dir / "big.so";
  fs::rename(link_with_placeholder(dir, "gcc", "gold", {},
                                   "\t.section .rodata.pad,\"a\"\n\t.zero 200000\n"),
             big);
  struct Case {
    fs::path linked;
    std::uint64_t reserve;
    bool stays;
  };
  for (const Case& c : {Case{small, 1 << 20, true}, Case{big, 1, false}}) {
    SCOPED_TRACE(c.linked.filename().string());
    SpliceRequest req;
    req.symbol = kSymbol;
    const fs::path so = dir / ("early-" + c.linked.filename().string());
    Splice splice(hp.source, req, so, c.reserve);
    EXPECT_FALSE(fs::exists(so)) << "the output appears only when it is finished";
    const SpliceInfo info = splice.finish(c.linked);
    const std::uint64_t base = info.blob_offset - (info.blob_offset % kSplicedBlobAlign);
    if (c.stays) {
      EXPECT_EQ(base, c.reserve);
    } else {
      EXPECT_EQ(base, (fs::file_size(c.linked) + kSplicedBlobAlign - 1) / kSplicedBlobAlign *
                          kSplicedBlobAlign);
    }
    EXPECT_EQ((info.blob_offset + kHeader) % 4096, 0u);
    const auto file = test::read_bytes(so);
    ASSERT_EQ(file.size(), info.blob_offset + hp.bytes.size());
    EXPECT_TRUE(std::all_of(file.begin() + static_cast<std::ptrdiff_t>(fs::file_size(c.linked)),
                            file.begin() + static_cast<std::ptrdiff_t>(info.blob_offset),
                            [](std::uint8_t b) { return b == 0; }))
        << "the gap before the blob holds more than zeros";
    expect_loads_with_blob(so, hp.bytes);
    expect_readers_quiet(so);
  }
}

// A Splice dropped before finish() (the link failed): the copy stops, the staged file goes, the
// previous output stays.
TEST(Splice, AbandonedEarlyCopyLeavesThePreviousOutput) {
  TempDir dir;
  const fs::path so = dir / "spliced.so";
  test::write_text(so, "previous");
  std::ofstream(dir / "sparse.bin").close();
  fs::resize_file(dir / "sparse.bin", std::uint64_t{256} << 20);
  const ByteSource blob = ByteSource::from_file(dir / "sparse.bin");
  SpliceRequest req;
  req.symbol = kSymbol;
  {
    Splice splice(blob, req, so, 1 << 20);
    EXPECT_EQ(test::mblob_temporaries(dir.path()).size(), 1u);
  }
  EXPECT_TRUE(test::mblob_temporaries(dir.path()).empty());
  auto b = test::read_bytes(so);
  EXPECT_EQ(std::string(b.begin(), b.end()), "previous");
}

// Every symbol of the placeholder section moves with it, in .symtab and .dynsym.
TEST(Splice, BlobSymbolHasTheNewAddressAndSizeInSymtabAndDynsym) {
  TempDir dir;
  fs::path so = dir / "spliced.so";
  SpliceInfo info = splice(link_with_placeholder(dir, "gcc", "mold"), write_blob(dir, 5000), so);
  MappedFile f(so);
  elf::ElfFile e(f.bytes(), so.string());
  int seen = 0;
  e.for_each_symbol([](std::string_view n) { return n == kSymbol; },
                    [&](const elf::SymbolEntry& s) {
                      ++seen;
                      EXPECT_EQ(s.value, info.blob_vaddr) << (s.dynamic ? ".dynsym" : ".symtab");
                      EXPECT_EQ(s.size, 5000u);
                    });
  EXPECT_EQ(seen, 2);
}

TEST(Splice, BsymbolicLinkIsRefusedAndTheOutputIsNotWritten) {
  TempDir dir;
  fs::path linked = link_with_placeholder(dir, "gcc", "bfd", {"-Wl,-Bsymbolic"});
  fs::path so = dir / "spliced.so";
  test::write_text(so, "previous");
  std::string msg = test::error_of<SpliceRefused>([&] { splice(linked, write_blob(dir, 10), so); });
  EXPECT_NE(msg.find("-Bsymbolic"), std::string::npos) << msg;
  EXPECT_NE(msg.find(linked.string()), std::string::npos) << msg;
  auto b = test::read_bytes(so);
  EXPECT_EQ(std::string(b.begin(), b.end()), "previous");
  EXPECT_TRUE(test::mblob_temporaries(dir.path()).empty());
}

TEST(Splice, HiddenBlobSymbolIsRefused) {
  TempDir dir;
  // The host code's reference is then bound at link time: a RELATIVE relocation or none.
  fs::path linked = link_with_placeholder(dir, "gcc", "bfd", {}, "\t.hidden spliced_blob\n");
  std::string msg = test::error_of<SpliceRefused>(
      [&] { splice(linked, write_blob(dir, 10), dir / "spliced.so"); });
  EXPECT_FALSE(msg.empty());
  EXPECT_FALSE(fs::exists(dir / "spliced.so"));
}

TEST(Splice, ProtectedBlobSymbolIsRefused) {
  TempDir dir;
  fs::path linked = link_with_placeholder(dir, "gcc", "lld", {}, "\t.protected spliced_blob\n");
  std::string msg = test::error_of<SpliceRefused>(
      [&] { splice(linked, write_blob(dir, 10), dir / "spliced.so"); });
  EXPECT_NE(msg.find("not default-visible"), std::string::npos) << msg;
}

TEST(Splice, LibraryWithoutThePlaceholderIsRefused) {
  TempDir dir;
  test::write_text(dir / "host.c", kHostC);
  test::write_text(dir / "def.c", "const unsigned char spliced_blob[1];\n");
  test::run_ok({"gcc", "-shared", "-fPIC", (dir / "host.c").string(), (dir / "def.c").string(),
                "-o", (dir / "plain.so").string()});
  std::string msg = test::error_of<SpliceRefused>(
      [&] { splice(dir / "plain.so", write_blob(dir, 10), dir / "spliced.so"); });
  EXPECT_NE(msg.find(".mblob.blob"), std::string::npos) << msg;
}

// mold merges every read-only note into one PT_NOTE: the slot would be shared, so it is
// refused rather than taken (and the other notes' header lost).
TEST(Splice, SlotNoteSharingItsPtNoteIsRefused) {
  MBLOB_REQUIRE_TOOL(mold, "mold");
  TempDir dir;
  test::write_text(dir / "host.c", kHostC);
  test::write_text(dir / "placeholder.s",
                   placeholder_assembly(kSymbol, PlaceholderNote::read_only));
  test::run_ok({"gcc", "-shared", "-fPIC", "-fuse-ld=mold", "-Wl,--build-id",
                (dir / "host.c").string(), (dir / "placeholder.s").string(), "-o",
                (dir / "merged.so").string()});
  std::string msg = test::error_of<SpliceRefused>(
      [&] { splice(dir / "merged.so", write_blob(dir, 10), dir / "spliced.so"); });
  EXPECT_NE(msg.find("PT_NOTE"), std::string::npos) << msg;
}

TEST(Splice, CheckThatThrowsLeavesThePreviousOutput) {
  TempDir dir;
  fs::path linked = link_with_placeholder(dir, "gcc", "bfd");
  fs::path so = dir / "spliced.so";
  test::write_text(so, "previous");
  SpliceRequest req;
  req.symbol = kSymbol;
  bool called = false;
  req.check = [&](const fs::path& staged) {
    called = true;
    EXPECT_NE(staged, so);
    throw Error("refused by the check");
  };
  EXPECT_EQ(test::error_of<Error>(
                [&] { splice_blob(linked, ByteSource::from_file(write_blob(dir, 10)), req, so); }),
            "refused by the check");
  EXPECT_TRUE(called);
  auto b = test::read_bytes(so);
  EXPECT_EQ(std::string(b.begin(), b.end()), "previous");
  EXPECT_TRUE(test::mblob_temporaries(dir.path()).empty());
}

// The digest is written after the blob, at the digest symbol's bytes.
TEST(Splice, DigestSymbolGetsTheDigestAfterTheBlob) {
  TempDir dir;
  test::write_text(dir / "digest.c", "const unsigned char spliced_digest[16] = {0};\n");
  test::write_text(dir / "host.c", kHostC);
  test::write_text(dir / "placeholder.s",
                   placeholder_assembly(kSymbol, PlaceholderNote::read_only));
  test::run_ok({"gcc", "-shared", "-fPIC", (dir / "host.c").string(), (dir / "digest.c").string(),
                (dir / "placeholder.s").string(), "-o", (dir / "linked.so").string()});
  SpliceRequest req;
  req.symbol = kSymbol;
  req.digest_symbol = "spliced_digest";
  Digest128 d;
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(0xa0 + i);
  req.digest = [&] { return d; };
  splice_blob(dir / "linked.so", ByteSource::from_file(write_blob(dir, 300)), req,
              dir / "spliced.so");
  void* h = dlopen((dir / "spliced.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  auto* got = static_cast<const std::uint8_t*>(dlsym(h, "spliced_digest"));
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(std::memcmp(got, d.data(), d.size()), 0);
  dlclose(h);
}

TEST(Splice, StreamOutputIsAUsageError) {
  TempDir dir;
  fs::path linked = link_with_placeholder(dir, "gcc", "bfd");
  EXPECT_NE(test::error_of<UsageError>([&] { splice(linked, write_blob(dir, 10), "/dev/null"); }),
            "");
}

// eu-elflint --gnu-ld's remarks, one a line.
std::vector<std::string> elflint_remarks(const std::string& elflint, const fs::path& so) {
  auto r = test::run({elflint, "--gnu-ld", so.string()});
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < r.out.size()) {
    std::size_t nl = r.out.find('\n', start);
    if (nl == std::string::npos) nl = r.out.size();
    std::string line = r.out.substr(start, nl - start);
    start = nl + 1;
    // The slot's entry leaves its place in the table, so entries after it are renumbered.
    const std::string entry = "program header entry ";
    if (std::size_t at = line.find(entry); at != std::string::npos) {
      std::size_t digits = at + entry.size();
      while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) {
        line.erase(digits, 1);
      }
      line.insert(digits, "N");
    }
    if (!line.empty() && line.find("No errors") == std::string::npos) lines.push_back(line);
  }
  return lines;
}

// eu-elflint --gnu-ld: splicing adds no remark to what it says of the linked file (lld 14 and
// mold 1.10 have remarks of their own there), except its known false positive for the GOT
// relocation of the blob symbol (docs/splice.md): it adds st_size to r_offset.
TEST(Splice, ElflintReportsNothingNewButTheKnownGotRemark) {
  MBLOB_REQUIRE_TOOL(elflint, "eu-elflint");
  for (const char* linker : {"bfd", "gold", "lld", "mold"}) {
    SCOPED_TRACE(linker);
    TempDir dir;
    fs::path so = dir / "spliced.so";
    fs::path linked = link_with_placeholder(dir, "gcc", linker);
    splice(linked, write_blob(dir, 100000), so);
    const auto before = elflint_remarks(elflint, linked);
    std::string added;
    for (const auto& line : elflint_remarks(elflint, so)) {
      if (std::find(before.begin(), before.end(), line) != before.end()) continue;
      if (line.find("read-only section modified but text relocation flag not set") !=
          std::string::npos) {
        continue;
      }
      added += line + "\n";
    }
    EXPECT_EQ(added, "");
  }
}

// A program for the target dlopens the spliced library and prints the blob's size, a hash of
// its bytes, whether the library's own reference agrees, and a host call.
constexpr const char* kCheckC = R"(
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdint.h>
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  const unsigned char* b = dlsym(h, "spliced_blob");
  const unsigned char* (*own)(void) = (const unsigned char* (*)(void))dlsym(h, "host_blob_address");
  int (*add)(int, int) = (int (*)(int, int))dlsym(h, "host_add");
  if (!b || !own || !add) return 2;
  Dl_info info; const ElfW(Sym)* sym = 0;
  if (!dladdr1(b, &info, (void**)&sym, RTLD_DL_SYMENT) || !sym) return 3;
  uint64_t x = 1469598103934665603ull;
  for (uint64_t i = 0; i < sym->st_size; ++i) x = (x ^ b[i]) * 1099511628211ull;
  printf("%llu %llx %d %d\n", (unsigned long long)sym->st_size, (unsigned long long)x,
         own() == b, add(40, 2));
  return 0;
}
)";

std::uint64_t fnv(const std::vector<std::uint8_t>& b) {
  std::uint64_t x = 1469598103934665603ull;
  for (auto c : b) x = (x ^ c) * 1099511628211ull;
  return x;
}

struct CrossCase {
  std::string arch;  // aarch64, riscv64
  std::string linker;
};
void PrintTo(const CrossCase& c, std::ostream* os) { *os << c.arch << " with " << c.linker; }
class SpliceCross : public ::testing::TestWithParam<CrossCase> {};

TEST_P(SpliceCross, SplicedLibraryLoadsUnderQemu) {
  const auto& c = GetParam();
  MBLOB_REQUIRE_TOOL(cc, c.arch + "-linux-gnu-gcc");
  MBLOB_REQUIRE_TOOL(qemu, "qemu-" + c.arch);
  TempDir dir;
  fs::path so = dir / "spliced.so";
  const std::size_t n = 70000;
  // A cross gcc looks for ld.lld and ld.mold in its own program directory only: -B shows it
  // the host's (both linkers are multi-target).
  std::vector<std::string> extra;
  if (c.linker == "lld" || c.linker == "mold") {
    MBLOB_REQUIRE_TOOL(ld, "ld." + c.linker);
    fs::create_directories(dir / "bin");
    fs::create_symlink(ld, dir / "bin" / ("ld." + c.linker));
    extra.push_back("-B" + (dir / "bin").string() + "/");
  }
  const fs::path linked = link_with_placeholder(dir, cc, c.linker, extra);
  splice(linked, write_blob(dir, n), so);
  test::write_text(dir / "check.c", kCheckC);
  test::run_ok({cc, (dir / "check.c").string(), "-o", (dir / "check").string(), "-ldl"});
  std::vector<std::string> libs = {so.string()};
  // The target's strip must handle the spliced library whenever it handles the linked one
  // (binutils 2.40's riscv64 strip refuses every lld 14 library: "not enough room for program
  // headers", spliced or not).
  const std::string strip = c.arch + "-linux-gnu-strip";
  fs::copy_file(linked, dir / "linked-stripped.so");
  if (test::run({strip, (dir / "linked-stripped.so").string()}).exit_code == 0) {
    fs::path stripped = dir / "stripped.so";
    fs::copy_file(so, stripped);
    test::run_ok({strip, stripped.string()});
    libs.push_back(stripped.string());
  }
  for (const auto& lib : libs) {
    auto r =
        test::run({qemu, "-L", "/usr/" + c.arch + "-linux-gnu", (dir / "check").string(), lib});
    ASSERT_EQ(r.exit_code, 0) << lib << ": " << r.err;
    char expected[128];
    std::snprintf(expected, sizeof expected, "%zu %llx 1 42\n", n,
                  static_cast<unsigned long long>(fnv(test::pattern_bytes(n, 7))));
    EXPECT_EQ(r.out, expected) << lib;
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, SpliceCross,
    ::testing::Values(CrossCase{"aarch64", "bfd"}, CrossCase{"aarch64", "gold"},
                      CrossCase{"aarch64", "lld"}, CrossCase{"aarch64", "mold"},
                      CrossCase{"riscv64", "bfd"}, CrossCase{"riscv64", "lld"},
                      CrossCase{"riscv64", "mold"}),
    [](const auto& info) { return info.param.arch + "_" + info.param.linker; });

}  // namespace
}  // namespace mblob
