// Real toolchains link what the writer produced: the host's four linkers into a dlopen-able
// shared library, cross toolchains into programs run under qemu, Hexagon with ld.lld, and
// big-endian targets with their own binutils.
#include <gtest/gtest.h>

#include "mblob/object/elf.h"
#include "object_tools.h"

namespace mblob::test {
namespace {

using namespace mblob::elf;

void pack_ok(const std::vector<std::string>& args) {
  auto r = obj::pack(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// One instance per host linker: `gcc -fuse-ld=<name>`, checked by the tool it needs.
class ObjectHostLink : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(ObjectHostLink, SharedLibraryHoldsTheBytesAndSize) {
  auto [linker, tool] = GetParam();
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  MBLOB_REQUIRE_TOOL(ld, tool);
  TempDir dir;
  auto payload = pattern_bytes(100003, 11);
  write_bytes(dir / "in.bin", payload);
  pack_ok({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol", "blob",
           "--size-symbol"});
  fs::path so = dir / "lib.so";
  ASSERT_EQ(obj::link_host_so(dir.path(), dir / "blob.o", so, linker), "");
  obj::expect_host_so_holds(so, payload, true);
}

TEST_P(ObjectHostLink, X86_64BlobOverTheLargeThresholdGoesToLrodataAndLinks) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  auto [linker, tool] = GetParam();
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  MBLOB_REQUIRE_TOOL(ld, tool);
  TempDir dir;
  auto payload = pattern_bytes(4097, 5);
  write_bytes(dir / "in.bin", payload);
  pack_ok({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol", "blob",
           "--target", "x86_64-linux-gnu", "--large-threshold", "4096"});
  for (const auto& f :
       {obj::readelf((dir / "blob.o").string()), obj::readobj((dir / "blob.o").string())}) {
    ASSERT_EQ(f.sections.size(), 6u);
    EXPECT_EQ(f.sections[1].name, ".lrodata");
    EXPECT_EQ(f.sections[1].flags, kSHF_ALLOC | kSHF_X86_64_LARGE);
    EXPECT_EQ(f.diagnostics, "");
  }
  fs::path so = dir / "lib.so";
  ASSERT_EQ(obj::link_host_so(dir.path(), dir / "blob.o", so, linker), "");
  obj::expect_host_so_holds(so, payload, false);
}

INSTANTIATE_TEST_SUITE_P(Linkers, ObjectHostLink,
                         ::testing::Values(std::pair{"bfd", "ld.bfd"}, std::pair{"gold", "ld.gold"},
                                           std::pair{"lld", "ld.lld"}, std::pair{"mold", "mold"}),
                         [](const auto& info) { return std::string(info.param.first); });

TEST(ObjectLink, LargeThresholdIsStrictlyGreaterThan) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(4096));
  pack_ok({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob", "--target",
           "x86_64-linux-gnu", "--large-threshold", "4K"});
  EXPECT_EQ(obj::readobj((dir / "a.o").string()).sections.at(1).name, ".rodata");
}

TEST(ObjectLink, LargeFlagForcesLrodataForASmallBlob) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  pack_ok({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob", "--target",
           "x86_64-linux-gnu", "--large"});
  auto f = obj::readobj((dir / "a.o").string());
  EXPECT_EQ(f.sections.at(1).name, ".lrodata");
  EXPECT_EQ(f.sections.at(1).flags, kSHF_ALLOC | kSHF_X86_64_LARGE);
}

// The checker program prints "<blob_end - blob> <blob_size> <fnv1a-64 hex of the bytes>" for
// the blob it was linked with (built as a PIE by the distributions' default compilers).
const char* kCheckerC =
    "#include <stdio.h>\n"
    "#include <stddef.h>\n"
    "#include <stdint.h>\n"
    "extern const unsigned char blob[], blob_end[];\n"
    "extern const uint64_t blob_size;\n"
    "int main(void) {\n"
    "  size_t n = (size_t)blob_size;\n"
    "  uint64_t h = 1469598103934665603ull;\n"
    "  for (size_t i = 0; i < n; ++i) { h ^= blob[i]; h *= 1099511628211ull; }\n"
    "  printf(\"%zu %llu %016llx\\n\", (size_t)(blob_end - blob), (unsigned long long)n,\n"
    "         (unsigned long long)h);\n"
    "  return 0;\n"
    "}\n";

// What the checker programs print for `payload`.
std::string checker_line(const std::vector<std::uint8_t>& payload) {
  return std::to_string(payload.size()) + " " + std::to_string(payload.size()) + " " +
         obj::hex(test::fnv1a(payload)) + "\n";
}

void cross_run_check(const std::string& target, const std::string& gcc, const std::string& qemu,
                     const std::string& sysroot) {
  TempDir dir;
  auto payload = pattern_bytes(77777, 21);
  write_bytes(dir / "in.bin", payload);
  write_text(dir / "check.c", kCheckerC);
  pack_ok({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol", "blob",
           "--size-symbol", "--target", target});
  auto link = run({gcc, "-O1", "-o", (dir / "check").string(), (dir / "check.c").string(),
                   (dir / "blob.o").string()});
  ASSERT_EQ(link.exit_code, 0) << link.err;
  EXPECT_EQ(link.err, "") << "the linker warned";
  auto r = run({qemu, "-L", sysroot, (dir / "check").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, checker_line(payload));
}

TEST(ObjectLink, Aarch64ProgramUnderQemuSeesTheBytes) {
  MBLOB_REQUIRE_TOOL(gcc, "aarch64-linux-gnu-gcc");
  MBLOB_REQUIRE_TOOL(qemu, "qemu-aarch64");
  cross_run_check("aarch64-linux-gnu", gcc, qemu, "/usr/aarch64-linux-gnu");
}

TEST(ObjectLink, Riscv64ProgramUnderQemuSeesTheBytes) {
  MBLOB_REQUIRE_TOOL(gcc, "riscv64-linux-gnu-gcc");
  MBLOB_REQUIRE_TOOL(qemu, "qemu-riscv64");
  cross_run_check("riscv64-linux-gnu", gcc, qemu, "/usr/riscv64-linux-gnu");
}

// --size-symbol's <sym>_end and <sym>_size are relocatable data (not an absolute symbol), so
// they are right wherever the blob is: PIE and non-PIE executables and dlopened libraries.
struct SizeSymbolCase {
  const char* name;
  const char* target;   // mblob pack --target
  const char* cc;       // compiler driver
  const char* qemu;     // "" = run natively (the host must be x86-64)
  const char* sysroot;  // qemu -L
  const char* mode;     // "pie", "no-pie" or "shared"
};

// The library's own code reads the symbols; the loader compares with what dlsym finds.
const char* kSizeLibC =
    "#include <stdint.h>\n"
    "extern const unsigned char blob[], blob_end[];\n"
    "extern const uint64_t blob_size;\n"
    "const unsigned char* lib_begin(void) { return blob; }\n"
    "const unsigned char* lib_end(void) { return blob_end; }\n"
    "uint64_t lib_size(void) { return blob_size; }\n";
const char* kSizeLoaderC =
    "#include <dlfcn.h>\n"
    "#include <stdint.h>\n"
    "#include <stdio.h>\n"
    "typedef const unsigned char* (*ptr_fn)(void);\n"
    "typedef uint64_t (*size_fn)(void);\n"
    "int main(int argc, char** argv) {\n"
    "  void* h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : 0;\n"
    "  if (!h) { fprintf(stderr, \"%s\\n\", dlerror()); return 2; }\n"
    "  ptr_fn b = (ptr_fn)dlsym(h, \"lib_begin\"), e = (ptr_fn)dlsym(h, \"lib_end\");\n"
    "  size_fn s = (size_fn)dlsym(h, \"lib_size\");\n"
    "  const uint64_t* ds = (const uint64_t*)dlsym(h, \"blob_size\");\n"
    "  if (!b || !e || !s || !ds) { fprintf(stderr, \"missing symbol\\n\"); return 3; }\n"
    "  if (dlsym(h, \"blob\") != (void*)b() || dlsym(h, \"blob_end\") != (void*)e() ||\n"
    "      *ds != s()) { fprintf(stderr, \"dlsym and the library disagree\\n\"); return 4; }\n"
    "  const unsigned char* p = b();\n"
    "  uint64_t n = s(), hash = 1469598103934665603ull;\n"
    "  for (uint64_t i = 0; i < n; ++i) { hash ^= p[i]; hash *= 1099511628211ull; }\n"
    "  printf(\"%zu %llu %016llx\\n\", (size_t)(e() - p), (unsigned long long)n,\n"
    "         (unsigned long long)hash);\n"
    "  return 0;\n"
    "}\n";

class ObjectSizeSymbols : public ::testing::TestWithParam<SizeSymbolCase> {};

TEST_P(ObjectSizeSymbols, EndMinusStartAndSizeEqualTheInputAndBytesMatch) {
  const SizeSymbolCase& c = GetParam();
  const bool native = std::string(c.qemu).empty();
#if !defined(__x86_64__)
  if (native) GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  MBLOB_REQUIRE_TOOL(cc, c.cc);
  std::string qemu;
  if (!native) {
    qemu = find_tool(c.qemu);
    if (qemu.empty()) GTEST_SKIP() << "SKIPPED: " << c.qemu << " is not installed";
  }
  TempDir dir;
  auto payload = pattern_bytes(65541, 17);
  write_bytes(dir / "in.bin", payload);
  pack_ok({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol", "blob",
           "--size-symbol", "--target", c.target});
  const std::string mode = c.mode;
  std::vector<std::string> program;   // what to run
  std::uint16_t want_type = kET_DYN;  // the linked file's e_type
  fs::path linked;
  if (mode == "shared") {
    write_text(dir / "lib.c", kSizeLibC);
    write_text(dir / "load.c", kSizeLoaderC);
    linked = dir / "lib.so";
    auto lib = run({cc, "-O1", "-fPIC", "-shared", "-o", linked.string(), (dir / "lib.c").string(),
                    (dir / "blob.o").string()});
    ASSERT_EQ(lib.exit_code, 0) << lib.err;
    EXPECT_EQ(lib.err, "") << "the linker warned";
    auto load = run({cc, "-O1", "-o", (dir / "load").string(), (dir / "load.c").string(), "-ldl"});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    program = {(dir / "load").string(), linked.string()};
  } else {
    write_text(dir / "check.c", kCheckerC);
    linked = dir / "check";
    bool pie = mode == "pie";
    want_type = pie ? kET_DYN : kET_EXEC;
    auto link = run({cc, "-O1", pie ? "-fPIE" : "-fno-pie", pie ? "-pie" : "-no-pie", "-o",
                     linked.string(), (dir / "check.c").string(), (dir / "blob.o").string()});
    ASSERT_EQ(link.exit_code, 0) << link.err;
    EXPECT_EQ(link.err, "") << "the linker warned";
    program = {linked.string()};
  }
  auto header = obj::file_range(linked, 16, 2);
  ASSERT_EQ(header.size(), 2u);
  EXPECT_EQ(header[0] | (header[1] << 8), want_type) << "the link made the kind of file asked for";
  if (!native) program.insert(program.begin(), {qemu, "-L", c.sysroot});
  auto r = run(program);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, checker_line(payload));
}

INSTANTIATE_TEST_SUITE_P(
    Links, ObjectSizeSymbols,
    ::testing::Values(SizeSymbolCase{"GccPie", "x86_64-linux-gnu", "gcc", "", "", "pie"},
                      SizeSymbolCase{"GccNoPie", "x86_64-linux-gnu", "gcc", "", "", "no-pie"},
                      SizeSymbolCase{"GccShared", "x86_64-linux-gnu", "gcc", "", "", "shared"},
                      SizeSymbolCase{"ClangPie", "x86_64-linux-gnu", "clang", "", "", "pie"},
                      SizeSymbolCase{"ClangNoPie", "x86_64-linux-gnu", "clang", "", "", "no-pie"},
                      SizeSymbolCase{"ClangShared", "x86_64-linux-gnu", "clang", "", "", "shared"},
                      SizeSymbolCase{"Aarch64Pie", "aarch64-linux-gnu", "aarch64-linux-gnu-gcc",
                                     "qemu-aarch64", "/usr/aarch64-linux-gnu", "pie"},
                      SizeSymbolCase{"Aarch64NoPie", "aarch64-linux-gnu", "aarch64-linux-gnu-gcc",
                                     "qemu-aarch64", "/usr/aarch64-linux-gnu", "no-pie"},
                      SizeSymbolCase{"Aarch64Shared", "aarch64-linux-gnu", "aarch64-linux-gnu-gcc",
                                     "qemu-aarch64", "/usr/aarch64-linux-gnu", "shared"}),
    [](const auto& info) { return std::string(info.param.name); });

// Why the table carries the float ABI: ld.lld refuses to mix RISC-V float ABIs, even for a
// data-only object (GNU ld lets data-only objects through).
TEST(ObjectLink, RiscvFloatAbiMustMatchForLld) {
  MBLOB_REQUIRE_TOOL(gcc, "riscv64-linux-gnu-gcc");
  MBLOB_REQUIRE_TOOL(lld, "ld.lld");
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(100));
  write_text(dir / "check.c", kCheckerC);
  auto cc = run({gcc, "-c", "-o", (dir / "check.o").string(), (dir / "check.c").string()});
  ASSERT_EQ(cc.exit_code, 0) << cc.err;  // lp64d, the distribution's ABI
  for (const char* t : {"riscv64-linux-gnu", "riscv64-linux-gnu:lp64"}) {
    fs::path blob = dir / (std::string(t).back() == 'u' ? "lp64d.o" : "lp64.o");
    pack_ok({(dir / "in.bin").string(), "-o", blob.string(), "--symbol", "blob", "--size-symbol",
             "--target", t});
  }
  auto same = run({lld, "-r", "-o", (dir / "ok.o").string(), (dir / "check.o").string(),
                   (dir / "lp64d.o").string()});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  auto mixed = run({lld, "-r", "-o", (dir / "bad.o").string(), (dir / "check.o").string(),
                    (dir / "lp64.o").string()});
  EXPECT_NE(mixed.exit_code, 0);
  EXPECT_NE(mixed.err.find("floating-point ABI"), std::string::npos) << mixed.err;
}

TEST(ObjectLink, HexagonSharedObjectWithLldHoldsTheBytes) {
  MBLOB_REQUIRE_TOOL(clang, "clang");
  MBLOB_REQUIRE_TOOL(lld, "ld.lld");
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  auto payload = pattern_bytes(12345, 4);
  write_bytes(dir / "in.bin", payload);
  write_text(dir / "wrap.c", obj::kHostWrapC);
  pack_ok({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol", "blob",
           "--target", "hexagon-unknown-elf:v68"});
  auto cc = run({clang, "--target=hexagon-unknown-elf", "-mv68", "-fPIC", "-c", "-o",
                 (dir / "wrap.o").string(), (dir / "wrap.c").string()});
  ASSERT_EQ(cc.exit_code, 0) << cc.err;
  auto ld = run({lld, "-shared", "-o", (dir / "lib.so").string(), (dir / "wrap.o").string(),
                 (dir / "blob.o").string()});
  ASSERT_EQ(ld.exit_code, 0) << ld.err;
  EXPECT_EQ(ld.err, "");

  auto f = obj::readobj((dir / "lib.so").string());
  EXPECT_EQ(f.diagnostics, "");
  EXPECT_EQ(f.machine, kEM_QDSP6);
  EXPECT_EQ(f.flags, 0x68u);
  EXPECT_EQ(f.type, kET_DYN);
  const obj::Symbol* s = f.symbol("blob");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->size, payload.size());
  ASSERT_LT(s->shndx, f.sections.size());
  const obj::Section& sec = f.sections[s->shndx];
  ASSERT_GE(s->value, sec.address);
  EXPECT_EQ(obj::file_range(dir / "lib.so", sec.offset + (s->value - sec.address), s->size),
            payload);
}

// Big-endian targets: the target's own `ld -r` combines the blob with compiled code; the
// result's header and the bytes under the symbol are checked with the target's readelf.
void big_endian_relocatable_link(const std::string& triple, std::uint16_t machine, bool is_64) {
  std::string ld = find_tool(triple + "-ld");
  if (ld.empty()) GTEST_SKIP() << "SKIPPED: " << triple << "-ld is not installed";
  std::string readelf = find_tool(triple + "-readelf");
  if (readelf.empty()) readelf = "readelf";
  TempDir dir;
  auto payload = pattern_bytes(5003, 8);
  write_bytes(dir / "in.bin", payload);
  write_text(dir / "wrap.c", obj::kHostWrapC);
  pack_ok({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol", "blob",
           "--target", triple});
  std::vector<std::string> inputs = {(dir / "blob.o").string()};
  if (!find_tool("clang").empty()) {
    auto cc = run({"clang", "--target=" + triple, "-fPIC", "-c", "-o", (dir / "wrap.o").string(),
                   (dir / "wrap.c").string()});
    ASSERT_EQ(cc.exit_code, 0) << cc.err;
    inputs.insert(inputs.begin(), (dir / "wrap.o").string());
  }
  std::vector<std::string> argv = {ld, "-r", "-o", (dir / "combined.o").string()};
  argv.insert(argv.end(), inputs.begin(), inputs.end());
  auto r = run(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "the linker warned";

  auto f = obj::readelf((dir / "combined.o").string(), readelf);
  EXPECT_EQ(f.diagnostics, "");
  EXPECT_EQ(f.elf_class, is_64 ? kELFCLASS64 : kELFCLASS32);
  EXPECT_EQ(f.data, kELFDATA2MSB);
  EXPECT_EQ(f.type, kET_REL);
  EXPECT_EQ(obj::readobj((dir / "combined.o").string()).machine, machine);
  const obj::Symbol* s = f.symbol("blob");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->size, payload.size());
  EXPECT_EQ(s->type, kSTT_OBJECT);
  ASSERT_LT(s->shndx, f.sections.size());
  const obj::Section& sec = f.sections[s->shndx];
  EXPECT_EQ(obj::file_range(dir / "combined.o", sec.offset + s->value, s->size), payload);
}

TEST(ObjectLink, Powerpc64BigEndianRelocatableLinkKeepsTheBytes) {
  big_endian_relocatable_link("powerpc64-linux-gnu", kEM_PPC64, true);
}
TEST(ObjectLink, S390xBigEndianRelocatableLinkKeepsTheBytes) {
  big_endian_relocatable_link("s390x-linux-gnu", kEM_S390, true);
}
TEST(ObjectLink, MipsBigEndianRelocatableLinkKeepsTheBytes) {
  big_endian_relocatable_link("mips-linux-gnu", kEM_MIPS, false);
}

}  // namespace
}  // namespace mblob::test
