// object: the blob-only shared object writer (src/object/elf_shared_object.cc). Libraries it
// writes are loaded by the real dynamic loader (glibc on x86-64; aarch64 and riscv64 under
// qemu), read by GNU readelf, llvm-readobj and eu-elflint for every ELF row of the target table,
// and stripped by the real strippers.
#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <fstream>
#include <map>

#include "mblob/core/error.h"
#include "mblob/core/file.h"
#include "mblob/object/elf.h"
#include "mblob/object/elf_shared_object.h"
#include "object_tools.h"
#include "support/header_and_payload.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
namespace obj = test::obj;

constexpr const char* kBlob = "__tvm_ffi__library_bin";
constexpr const char* kDigest = "__mblob_digest";

std::vector<std::uint8_t> digest_bytes() {
  std::vector<std::uint8_t> d(16);
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(0xa0 + i);
  return d;
}

SharedObjectSpec spec_for(const Target* target) {
  SharedObjectSpec spec;
  spec.symbol = kBlob;
  spec.target = target;
  spec.data.push_back({kDigest, digest_bytes(), 8});
  return spec;
}

fs::path write_so(const test::TempDir& dir, const std::string& name,
                  const std::vector<std::uint8_t>& payload, const Target* target = nullptr) {
  fs::path out = dir / name;
  write_shared_object(spec_for(target), ByteSource::from_bytes(payload), out);
  return out;
}

// dlopen's the library (a fresh handle), checks the blob's bytes and st_size and the digest's
// bytes, and closes it again.
void expect_loads_with_blob(const fs::path& so, const std::vector<std::uint8_t>& payload) {
  void* h = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << ::dlerror();
  const auto* blob = static_cast<const std::uint8_t*>(::dlsym(h, kBlob));
  ASSERT_NE(blob, nullptr) << so;
  EXPECT_TRUE(payload.empty() || std::memcmp(blob, payload.data(), payload.size()) == 0);
  // dladdr1 finds symbols by address inside the mapped segments; an empty blob's segment maps
  // nothing, so its st_size (0) is checked in the file only (the caller reads it with readelf).
  if (!payload.empty()) {
    Dl_info info{};
    void* entry = nullptr;
    ASSERT_NE(::dladdr1(blob, &info, &entry, RTLD_DL_SYMENT), 0);
    const auto* sym = static_cast<const ElfW(Sym)*>(entry);
    ASSERT_NE(sym, nullptr);
    EXPECT_EQ(sym->st_size, payload.size());
    EXPECT_EQ(ELF64_ST_TYPE(sym->st_info), STT_OBJECT);
  }
  const auto* digest = static_cast<const std::uint8_t*>(::dlsym(h, kDigest));
  ASSERT_NE(digest, nullptr);
  EXPECT_EQ(std::vector<std::uint8_t>(digest, digest + 16), digest_bytes());
  ::dlclose(h);
}

// ---- Loading (x86-64 glibc) -------------------------------------------------------------------

TEST(ElfSharedObject, DlopenServesTheBlobBytesAndSizeAtEveryEdgeSize) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  test::TempDir dir;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096},
                        std::size_t{4097}, std::size_t{200001}}) {
    SCOPED_TRACE("size " + std::to_string(n));
    auto payload = test::pattern_bytes(n, static_cast<std::uint32_t>(n + 3));
    fs::path so = write_so(dir, "s" + std::to_string(n) + ".so", payload);
    expect_loads_with_blob(so, payload);
    auto facts = obj::readelf(so.string());
    ASSERT_NE(facts.symbol(kBlob), nullptr);
    EXPECT_EQ(facts.symbol(kBlob)->size, n);
    EXPECT_EQ(facts.diagnostics, "");
  }
}

// glibc looks symbols up through DT_GNU_HASH when there is one; with that entry made inert (its
// tag overwritten with a second DT_SYMENT), it must find them through the SysV DT_HASH table.
TEST(ElfSharedObject, SysvHashTableAloneFindsTheSymbols) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  test::TempDir dir;
  auto payload = test::pattern_bytes(5000, 9);
  fs::path so = write_so(dir, "h.so", payload);
  auto facts = obj::readelf(so.string());
  const obj::Section* dyn = facts.section(".dynamic");
  ASSERT_NE(dyn, nullptr);
  std::vector<std::uint8_t> bytes = test::read_bytes(so);
  bool patched = false;
  for (std::uint64_t at = dyn->offset; at + 16 <= dyn->offset + dyn->size; at += 16) {
    std::uint64_t tag = 0;
    std::memcpy(&tag, bytes.data() + at, 8);
    if (tag == DT_GNU_HASH) {
      std::uint64_t syment = DT_SYMENT, value = sizeof(Elf64_Sym);
      std::memcpy(bytes.data() + at, &syment, 8);
      std::memcpy(bytes.data() + at + 8, &value, 8);
      patched = true;
    }
  }
  ASSERT_TRUE(patched) << "no DT_GNU_HASH entry";
  fs::path sysv = dir / "sysv.so";
  test::write_bytes(sysv, bytes);
  expect_loads_with_blob(sysv, payload);
}

TEST(ElfSharedObject, StrippedCopiesStillLoad) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  MBLOB_REQUIRE_TOOL(strip, "strip");
  MBLOB_REQUIRE_TOOL(objcopy, "objcopy");
  const std::string elflint = test::find_tool("eu-elflint");  // also checked when installed
  test::TempDir dir;
  auto payload = test::pattern_bytes(70000, 5);
  fs::path so = write_so(dir, "full.so", payload);
  struct Case {
    std::vector<std::string> argv;
    fs::path out;
  };
  const std::vector<Case> cases = {
      {{strip, "-o", (dir / "strip.so").string(), so.string()}, dir / "strip.so"},
      {{strip, "--strip-all", "-o", (dir / "all.so").string(), so.string()}, dir / "all.so"},
      {{objcopy, "--strip-debug", so.string(), (dir / "debug.so").string()}, dir / "debug.so"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.out.filename().string());
    auto r = test::run(c.argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");  // no "section ... can't be allocated in segment" or other complaint
    expect_loads_with_blob(c.out, payload);
    if (!elflint.empty()) {
      auto lint = test::run({elflint, "--gnu-ld", c.out.string()});
      EXPECT_EQ(lint.out, "No errors\n") << lint.err;
    }
  }
}

TEST(ElfSharedObject, OutputIsDeterministic) {
  test::TempDir dir;
  auto payload = test::pattern_bytes(12345, 2);
  auto first = test::read_bytes(write_so(dir, "a.so", payload));
  auto second = test::read_bytes(write_so(dir, "a.so", payload));
  EXPECT_EQ(first, second);
}

// ---- Every ELF target: the readers and elflint accept the file ---------------------------------

// "LOAD 0x010000 0x0000000000030000 0x... 0x000100 0x000100 R   0x10000" rows of readelf -lW.
struct Segment {
  std::string type, flags;
  std::uint64_t offset = 0, vaddr = 0, filesz = 0, memsz = 0, align = 0;
};
std::vector<Segment> segments(const fs::path& so) {
  auto r = test::run_ok({"readelf", "-lW", so.string()});
  std::vector<Segment> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    auto w = obj::words(line);
    if (w.size() < 8 || w[1].rfind("0x", 0) != 0) continue;
    Segment s;
    s.type = w[0];
    s.offset = std::stoull(w[1], nullptr, 16);
    s.vaddr = std::stoull(w[2], nullptr, 16);
    s.filesz = std::stoull(w[4], nullptr, 16);
    s.memsz = std::stoull(w[5], nullptr, 16);
    s.align = std::stoull(w.back(), nullptr, 16);
    for (std::size_t i = 6; i + 1 < w.size(); ++i) s.flags += w[i];
    out.push_back(s);
  }
  return out;
}

std::vector<const Target*> writable_targets() {
  std::vector<const Target*> out;
  for (const Target& t : all_targets()) {
    if (shared_object_refusal(t).empty()) out.push_back(&t);
  }
  return out;
}

TEST(ElfSharedObject, EveryElfTargetBesidesMipsIsWritten) {
  for (const Target& t : all_targets()) {
    const bool written = shared_object_refusal(t).empty();
    EXPECT_EQ(written, t.container == Container::elf && t.machine != elf::kEM_MIPS) << t.triple;
  }
}

TEST(ElfSharedObject, ReadelfAndLlvmReadobjPrintNoWarningsForEveryTarget) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  test::TempDir dir;
  auto payload = test::pattern_bytes(4097, 4);
  for (const Target* t : writable_targets()) {
    SCOPED_TRACE(std::string(t->triple));
    fs::path so = write_so(dir, "t.so", payload, t);
    auto gnu = test::run({"readelf", "-a", "-W", so.string()});
    EXPECT_EQ(obj::warnings_in(gnu), "") << gnu.out;
    auto llvm = test::run({readobj, "-a", so.string()});
    EXPECT_EQ(obj::warnings_in(llvm), "") << llvm.out;
    // Both find the two symbols through the dynamic table and say what the file is.
    EXPECT_NE(gnu.out.find("DYN (Shared object file)"), std::string::npos);
    EXPECT_NE(gnu.out.find("Library soname: [t.so]"), std::string::npos) << gnu.out;
    auto dyn = test::run_ok({"readelf", "--dyn-syms", "-W", "-D", so.string()});
    EXPECT_NE(dyn.out.find(kBlob), std::string::npos) << dyn.out;
    EXPECT_NE(dyn.out.find(kDigest), std::string::npos) << dyn.out;
  }
}

// eu-elflint --gnu-ld checks the gABI rules and the GNU extensions (hash tables against the
// symbol table, sections against segments, dynamic entries against sections).
TEST(ElfSharedObject, ElflintPassesForEveryTarget) {
  MBLOB_REQUIRE_TOOL(elflint, "eu-elflint");
  test::TempDir dir;
  for (std::size_t n : {std::size_t{0}, std::size_t{4097}}) {
    auto payload = test::pattern_bytes(n, 4);
    for (const Target* t : writable_targets()) {
      SCOPED_TRACE(std::string(t->triple) + " size " + std::to_string(n));
      fs::path so = write_so(dir, "e.so", payload, t);
      auto r = test::run({elflint, "--gnu-ld", so.string()});
      if (t->machine == elf::kEM_LOONGARCH || t->machine == elf::kEM_QDSP6) {
        // elfutils (0.188, Debian 12) has no backend for LoongArch or Hexagon: it names the
        // machine and its e_flags as unknown, and those are its only two remarks.
        char expected[128];
        std::snprintf(expected, sizeof expected,
                      "unknown machine type %u\ninvalid machine flags: 0x%x\n",
                      unsigned{t->machine}, unsigned{t->flags});
        EXPECT_EQ(r.out, expected) << r.err;
        continue;
      }
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
      EXPECT_EQ(r.out, "No errors\n") << r.err;
    }
  }
}

// Each PT_LOAD: p_offset and p_vaddr congruent modulo p_align, p_align the target's page size,
// ascending addresses; the blob's segment read-only at a 64 KiB file offset; GNU_STACK not X.
TEST(ElfSharedObject, SegmentsAreCongruentAndTheBlobStartsAt64KiB) {
  test::TempDir dir;
  auto payload = test::pattern_bytes(4097, 4);
  for (const Target* t : writable_targets()) {
    SCOPED_TRACE(std::string(t->triple));
    fs::path so = write_so(dir, "p.so", payload, t);
    std::vector<Segment> loads;
    bool stack = false, dynamic = false;
    for (const auto& s : segments(so)) {
      if (s.type == "LOAD") loads.push_back(s);
      if (s.type == "GNU_STACK") {
        stack = true;
        EXPECT_EQ(s.flags, "RW");
      }
      dynamic = dynamic || s.type == "DYNAMIC";
    }
    EXPECT_TRUE(stack && dynamic);
    ASSERT_EQ(loads.size(), 3u);
    for (std::size_t i = 0; i < loads.size(); ++i) {
      EXPECT_EQ(loads[i].align, t->max_page_size);
      EXPECT_EQ(loads[i].offset % loads[i].align, loads[i].vaddr % loads[i].align);
      if (i > 0) {
        EXPECT_GE(loads[i].vaddr, loads[i - 1].vaddr + loads[i - 1].memsz);
      }
    }
    EXPECT_EQ(loads[0].flags, "R");
    EXPECT_EQ(loads[1].flags, "RW");
    EXPECT_EQ(loads[2].flags, "R");
    EXPECT_EQ(loads[2].offset % (64 << 10), 0u);
    EXPECT_EQ(loads[2].filesz, payload.size());
    // The bytes there are the blob's.
    auto bytes = test::read_bytes(so);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), bytes.begin() + loads[2].offset));
  }
}

// What export writes: a header in memory, then a payload file. With no alignment asked for
// (align 0), the blob starts so that the payload lands page-aligned in the file and in memory
// (copied at cp speed), offset and address stay congruent, and the readers, elflint and the
// loader accept it; with an alignment, the blob starts on a 64 KiB boundary.
TEST(ElfSharedObject, PayloadAfterAHeaderLandsPageAlignedUnlessAnAlignmentIsAsked) {
  test::TempDir dir;
  constexpr std::size_t kHeader = 90;
  const test::HeaderAndPayload hp = test::header_and_payload(dir.path(), kHeader, 2 * 4096 + 7);
  const ByteSource& blob = hp.source;
  const std::vector<std::uint8_t>& bytes = hp.bytes;
  const std::string elflint = test::find_tool("eu-elflint");
  for (std::uint64_t align : {0, 16}) {
    for (const Target* t : writable_targets()) {
      SCOPED_TRACE(std::string(t->triple) + " align " + std::to_string(align));
      SharedObjectSpec spec = spec_for(t);
      spec.align = align;
      fs::path so = dir / "phase.so";
      SharedObjectInfo info = write_shared_object(spec, blob, so);
      if (align == 0) {
        EXPECT_EQ((info.blob_offset + kHeader) % 4096, 0u);
        EXPECT_EQ((info.blob_vaddr + kHeader) % 4096, 0u);
      } else {
        EXPECT_EQ(info.blob_offset % (64 << 10), 0u);
        EXPECT_EQ(info.blob_vaddr % align, 0u);
      }
      Segment last;  // the blob's: the last PT_LOAD
      for (const auto& seg : segments(so)) {
        if (seg.type == "LOAD") last = seg;
      }
      ASSERT_NE(last.align, 0u);
      EXPECT_EQ(last.offset, info.blob_offset);
      EXPECT_EQ(last.offset % last.align, last.vaddr % last.align);
      auto file = test::read_bytes(so);
      EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), file.begin() + info.blob_offset));
      auto gnu = test::run({"readelf", "-a", "-W", so.string()});
      EXPECT_EQ(obj::warnings_in(gnu), "") << gnu.out;
      if (!elflint.empty() && t->machine != elf::kEM_LOONGARCH && t->machine != elf::kEM_QDSP6) {
        auto r = test::run({elflint, "--gnu-ld", so.string()});
        EXPECT_EQ(r.out, "No errors\n") << r.err;
      }
      if (t == &host_target()) expect_loads_with_blob(so, bytes);
    }
  }
}

// Target::max_page_size is GNU ld's default for the machine: a shared object the installed
// linkers make has the same p_align.
TEST(ElfSharedObject, MaxPageSizeIsWhatGnuLdUses) {
  test::TempDir dir;
  int checked = 0;
  for (const char* triple : {"x86_64-linux-gnu", "aarch64-linux-gnu", "riscv64-linux-gnu",
                             "powerpc64-linux-gnu", "s390x-linux-gnu"}) {
    std::string as = test::find_tool(std::string(triple) + "-as");
    std::string ld = test::find_tool(std::string(triple) + "-ld");
    if (as.empty() || ld.empty()) continue;
    SCOPED_TRACE(triple);
    test::write_text(dir / "e.s", "\n");
    test::run_ok({as, (dir / "e.s").string(), "-o", (dir / "e.o").string()});
    test::run_ok({ld, "-shared", (dir / "e.o").string(), "-o", (dir / "e.so").string()});
    auto segs = segments(dir / "e.so");
    auto load = std::find_if(segs.begin(), segs.end(), [](auto& s) { return s.type == "LOAD"; });
    ASSERT_NE(load, segs.end());
    EXPECT_EQ(load->align, find_target(triple).max_page_size);
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "SKIPPED: no GNU as/ld for the listed targets";
}

// ---- Cross targets under qemu ------------------------------------------------------------------

void expect_loads_under_qemu(const std::string& triple, const std::string& qemu_name) {
  MBLOB_REQUIRE_TOOL(gcc, triple + "-gcc");
  MBLOB_REQUIRE_TOOL(qemu, qemu_name);
  test::TempDir dir;
  auto payload = test::pattern_bytes(70001, 8);
  fs::path so = write_so(dir, "cross.so", payload, &find_target(triple));
  // A program for the target: dlopen the library, find both symbols, hash the blob, and print
  // its size from the dynamic symbol table.
  test::write_text(dir / "load.c", R"(
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdint.h>
int main(int argc, char** argv) {
  void* h = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  const unsigned char* b = dlsym(h, "__tvm_ffi__library_bin");
  const unsigned char* d = dlsym(h, "__mblob_digest");
  if (!b || !d) return 2;
  Dl_info info; const ElfW(Sym)* sym = 0;
  if (!dladdr1(b, &info, (void**)&sym, RTLD_DL_SYMENT) || !sym) return 3;
  uint64_t x = 1469598103934665603ull;
  for (uint64_t i = 0; i < sym->st_size; ++i) x = (x ^ b[i]) * 1099511628211ull;
  printf("%llu %llx %02x\n", (unsigned long long)sym->st_size, (unsigned long long)x, d[15]);
  return 0;
}
)");
  fs::path exe = dir / "load";
  test::run_ok({gcc, (dir / "load.c").string(), "-o", exe.string(), "-ldl"});
  auto r = test::run({qemu, "-L", "/usr/" + triple, exe.string(), so.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  char expected[128];
  std::snprintf(expected, sizeof expected, "%zu %llx af\n", payload.size(),
                static_cast<unsigned long long>(test::fnv1a(payload)));
  EXPECT_EQ(r.out, expected);
}

TEST(ElfSharedObject, Aarch64LoaderFindsTheBlobUnderQemu) {
  expect_loads_under_qemu("aarch64-linux-gnu", "qemu-aarch64");
}

TEST(ElfSharedObject, Riscv64LoaderFindsTheBlobUnderQemu) {
  expect_loads_under_qemu("riscv64-linux-gnu", "qemu-riscv64");
}

// ---- Refusals ----------------------------------------------------------------------------------

TEST(ElfSharedObject, MipsIsRefusedWithTheReason) {
  test::TempDir dir;
  std::string e = test::error_of<Error>([&] {
    write_so(dir, "m.so", {1, 2, 3}, &find_target("mips-linux-gnu"));
  });
  EXPECT_NE(e.find("MIPS"), std::string::npos) << e;
  EXPECT_NE(e.find("GOT"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "m.so"));
}

// An ELF32 file cannot reach past 4 GiB: refused before anything is written (the input is a
// sparse file, so the test costs nothing).
TEST(ElfSharedObject, Elf32PastFourGiBIsRefusedBeforeWriting) {
  test::TempDir dir;
  fs::path big = dir / "big.bin";
  { std::ofstream(big).put('x'); }
  fs::resize_file(big, std::uint64_t{4} << 30);
  fs::path out = dir / "big.so";
  std::string e = test::error_of<Error>([&] {
    write_shared_object(spec_for(&find_target("i686-linux-gnu")), ByteSource::from_file(big), out);
  });
  EXPECT_NE(e.find("ELF32"), std::string::npos) << e;
  EXPECT_NE(e.find("i686-linux-gnu"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(test::mblob_temporaries(dir.path()).empty());
}

TEST(ElfSharedObject, BlobAlignmentPast64KiBIsRefused) {
  test::TempDir dir;
  SharedObjectSpec spec = spec_for(nullptr);
  spec.align = 128 << 10;
  std::string e = test::error_of<Error>(
      [&] { write_shared_object(spec, ByteSource::from_bytes({1}), dir / "a.so"); });
  EXPECT_NE(e.find("131072"), std::string::npos) << e;
}

TEST(ElfSharedObject, OutputThatIsTheBlobFileIsRefused) {
  test::TempDir dir;
  fs::path blob = dir / "w.bin";
  test::write_bytes(blob, test::pattern_bytes(100, 1));
  EXPECT_THROW(write_shared_object(spec_for(nullptr), ByteSource::from_file(blob), blob),
               UsageError);
  EXPECT_EQ(test::read_bytes(blob), test::pattern_bytes(100, 1));
}

// The digest's bytes are known only after the blob is copied: set_data patches them in before
// the file replaces the output, and an abandoned writer leaves the old output.
TEST(ElfSharedObject, SetDataPatchesTheSmallObjectAndAbandonLeavesTheOldOutput) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  test::TempDir dir;
  auto payload = test::pattern_bytes(3000, 6);
  fs::path out = dir / "late.so";
  SharedObjectSpec spec = spec_for(nullptr);
  spec.data[0].bytes.assign(16, 0);
  {
    SharedObjectWriter w(spec, ByteSource::from_bytes(payload), out);
    EXPECT_TRUE(fs::exists(w.staged()));
    EXPECT_FALSE(fs::exists(out));
  }
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(test::mblob_temporaries(dir.path()).empty());
  SharedObjectWriter w(spec, ByteSource::from_bytes(payload), out);
  w.set_data(kDigest, ByteView(digest_bytes()));
  EXPECT_THROW(w.set_data(kDigest, ByteView(std::vector<std::uint8_t>(3))), Error);
  w.commit();
  expect_loads_with_blob(out, payload);
}

}  // namespace
}  // namespace mblob
