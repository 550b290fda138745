// The built-in packers: each one's output, built by real toolchains into a library that mblob's
// runtime loads, holds every module's bytes and the same tree as the native writer's; plus each
// packer's own rules (text shape, detection, escaping, targets, failures).
#include <elf.h>  // SHF_*, STT_*, EM_* (object_tools.h includes it through <link.h> anyway)
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "../src/pack/builtin.h"
#include "mblob/core/digest.h"
#include "mblob/format/writer.h"
#include "mblob/object/object_writer.h"
#include "mblob/pack/packer.h"
#include "mblob/runtime/library.h"
#include "mblob/toolchain/toolchain.h"
#include "object_tools.h"
#include "support/test_support.h"

namespace mblob::test {
namespace {

constexpr const char* kSymbol = "__tvm_ffi__library_bin";

bool is_source(const fs::path& p) {
  std::string e = p.extension().string();
  return e == ".c" || e == ".cc" || e == ".S" || e == ".s";
}

// A module tree: a host root importing a "cuda" module (bytes in memory) and a "params" module
// (bytes from a file), serialized in the ffi layout.
struct Sample {
  explicit Sample(const fs::path& dir) {
    gpu = pattern_bytes(5003, 3);
    weights = pattern_bytes(70001, 4);
    write_bytes(dir / "weights.bin", weights);
    ModuleTree tree;
    ModuleTree::Node root;
    root.host = true;
    root.imports = {1, 2};
    tree.add(std::move(root));
    ModuleTree::Node cuda;
    cuda.kind = "cuda";
    cuda.payload = ByteSource::from_bytes(gpu);
    tree.add(std::move(cuda));
    ModuleTree::Node params;
    params.kind = "params";
    params.payload = ByteSource::from_file(dir / "weights.bin");
    tree.add(std::move(params));
    blob = serialize(tree);
  }
  std::vector<std::uint8_t> gpu, weights;
  ByteSource blob;
};

PackRequest request(const Sample& s, const fs::path& workspace, const Toolchain* tc,
                    const Target* target = nullptr) {
  fs::create_directories(workspace);
  PackRequest r;
  r.blob = &s.blob;
  r.symbol = kSymbol;
  r.target = target ? target : &host_target();
  r.triple = target ? std::string(target->triple) : std::string(host_target().triple);
  r.toolchain = tc;
  r.workspace = workspace;
  return r;
}

std::vector<fs::path> pack(const std::string& packer, const PackRequest& r) {
  return run_packer(packer, find_packer(packer).fn, r);
}

// Compiles what a packer returned (sources) plus a tiny host C file, links a shared library.
fs::path build_library(const Toolchain& tc, const std::vector<fs::path>& files,
                       const fs::path& dir) {
  std::vector<fs::path> objects;
  int n = 0;
  for (const auto& f : files) {
    if (!is_source(f)) {
      objects.push_back(f);
      continue;
    }
    fs::path obj = dir / ("packed" + std::to_string(n++) + ".o");
    tc.compile(f, obj);
    objects.push_back(obj);
  }
  write_text(dir / "host.c", "int mblob_pack_test_host(void) { return 42; }\n");
  tc.compile(dir / "host.c", dir / "host.o");
  objects.push_back(dir / "host.o");
  fs::path so = dir / ("libpacked" + tc.shared_library_suffix());
  tc.link_shared(objects, so);
  return so;
}

// One line per module: index, kind, payload size and digest, imports.
std::string describe(const LoadedTree& t) {
  std::string out;
  for (std::size_t i = 0; i < t.modules.size(); ++i) {
    out += std::to_string(i) + " " + t.modules[i]->kind() + " " +
           std::to_string(t.modules[i]->payload().size()) + " " +
           xxh3_64_hex(t.modules[i]->payload()) + " [";
    for (auto c : t.import_indices.at(i)) out += " " + std::to_string(c);
    out += " ]\n";
  }
  return out;
}

LoadedTree load(const fs::path& so) {
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  return load_library_tree(so, opts);
}

// Checks every payload of the sample against the loaded tree.
void expect_payloads(const LoadedTree& t, const Sample& s) {
  ASSERT_EQ(t.modules.size(), 3u) << describe(t);
  EXPECT_EQ(t.root->kind(), "_lib");
  EXPECT_EQ(t.symbol, kSymbol);
  EXPECT_EQ(t.blob_bytes, s.blob.size());
  int seen = 0;
  for (const auto& m : t.modules) {
    if (m->kind() == "cuda") {
      EXPECT_EQ(m->payload(), ByteView(s.gpu)) << "cuda payload differs";
      ++seen;
    }
    if (m->kind() == "params") {
      EXPECT_EQ(m->payload(), ByteView(s.weights)) << "params payload differs";
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2) << describe(t);
}

// The tree the native packer's library holds (the reference every packer must match).
const std::string& native_reference() {
  static const std::string ref = [] {
    TempDir dir;
    Sample s(dir.path());
    Toolchain tc = Toolchain::named("host-gcc");
    auto files = pack("native", request(s, dir / "ws", &tc));
    return describe(load(build_library(tc, files, dir.path())));
  }();
  return ref;
}

// Packs the sample with `packer`, builds it with `tc`, loads it, checks payloads and the tree.
void expect_round_trip(const std::string& packer, const Toolchain& tc, PackSettings settings,
                       const fs::path& workspace = {}) {
  TempDir dir;
  Sample s(dir.path());
  PackRequest r = request(s, workspace.empty() ? dir / "ws" : workspace, &tc);
  r.settings = std::move(settings);
  auto files = pack(packer, r);
  fs::path so = build_library(tc, files, dir.path());
  LoadedTree t = load(so);
  expect_payloads(t, s);
  EXPECT_EQ(describe(t), native_reference()) << "the tree differs from the native packer's";
}

// The C compilers here that support #embed ("" when none).
std::string find_embed_compiler() {
  TempDir dir;
  write_bytes(dir / "p.bin", {42});
  write_text(dir / "p.c",
             "static const unsigned char p[] = {\n#embed \"p.bin\"\n};\n"
             "int f(void) { return p[0]; }\n");
  for (const char* cc :
       {"gcc-16", "gcc-15", "clang-22", "clang-21", "clang-20", "clang-19", "gcc", "clang", "cc"}) {
    std::string path = find_tool(cc);
    if (path.empty()) continue;
    if (run({path, "-c", (dir / "p.c").string(), "-o", (dir / "p.o").string()}).exit_code == 0) {
      return path;
    }
  }
  return "";
}

// A host-gcc preset whose C compiler is `cc` (kept alive by the caller).
ToolchainPreset preset_with_cc(const std::string& cc) {
  ToolchainPreset p = preset_by_name("host-gcc");
  p.cc = cc;
  return p;
}

// The mingw row of the target table (a COFF target).
const Target& mingw_target() { return find_target("x86_64-w64-mingw32"); }

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// The bytes of `section` in an object, dumped by llvm-objcopy.
std::vector<std::uint8_t> section_bytes(const fs::path& object, const std::string& section,
                                        const fs::path& dir,
                                        const std::string& tool = "llvm-objcopy") {
  fs::path out = dir / "section.bin";
  fs::remove(out);
  run_ok({tool, "--dump-section", section + "=" + out.string(), object.string(),
          (dir / "dump-scratch.o").string()});
  return fs::exists(out) ? read_bytes(out) : std::vector<std::uint8_t>{};
}

// ---- registry -----------------------------------------------------------------------------

TEST(PackRegistry, BuiltinTableIsInDocumentationOrder) {
  std::vector<std::string> names;
  for (const auto& p : builtin_packers()) {
    names.push_back(p.name);
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_TRUE(static_cast<bool>(p.fn)) << p.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"native", "c-hex", "c-embed", "asm-incbin", "objcopy",
                                             "command"}));
}

TEST(PackRegistry, UnknownPackerNameListsTheKnownOnes) {
  std::string e = error_of([] { find_packer("zip"); });
  EXPECT_NE(e.find("unknown packer 'zip'"), std::string::npos) << e;
  EXPECT_NE(e.find("asm-incbin"), std::string::npos) << e;
  EXPECT_NE(e.find("command"), std::string::npos) << e;
}

// ---- every packer x {gcc, clang} on the host: same payloads, same tree ------------------------

struct RoundTripCase {
  const char* name;
  const char* packer;
  const char* toolchain;
  const char* objcopy;  // for the objcopy packer
};

void PrintTo(const RoundTripCase& c, std::ostream* os) { *os << c.name; }

class PackRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(PackRoundTrip, LibraryHoldsEveryPayloadAndTheNativeTree) {
  const auto& c = GetParam();
  Toolchain tc = Toolchain::named(c.toolchain);
  for (const auto& tool : tc.missing_tools()) {
    GTEST_SKIP() << "SKIPPED: " << tool.program << " is not installed (" << tool.package << ")";
  }
  PackSettings settings;
  if (c.objcopy != nullptr) {
    MBLOB_REQUIRE_TOOL(objcopy, c.objcopy);
    settings.objcopy = objcopy;
  }
  if (std::string(c.packer) == "command") {
    settings.command = "'" + cli() + "' pack {blob} -o {output} --symbol {symbol} --quiet";
  }
  expect_round_trip(c.packer, tc, settings);
}

INSTANTIATE_TEST_SUITE_P(
    Packers, PackRoundTrip,
    ::testing::Values(RoundTripCase{"native_gcc", "native", "host-gcc", nullptr},
                      RoundTripCase{"native_clang", "native", "host-clang", nullptr},
                      RoundTripCase{"c_hex_gcc", "c-hex", "host-gcc", nullptr},
                      RoundTripCase{"c_hex_clang", "c-hex", "host-clang", nullptr},
                      RoundTripCase{"asm_incbin_gcc", "asm-incbin", "host-gcc", nullptr},
                      RoundTripCase{"asm_incbin_clang", "asm-incbin", "host-clang", nullptr},
                      RoundTripCase{"objcopy_gnu_gcc", "objcopy", "host-gcc", "objcopy"},
                      RoundTripCase{"objcopy_gnu_clang", "objcopy", "host-clang", "objcopy"},
                      RoundTripCase{"objcopy_llvm_gcc", "objcopy", "host-gcc", "llvm-objcopy"},
                      RoundTripCase{"objcopy_llvm_clang", "objcopy", "host-clang", "llvm-objcopy"},
                      RoundTripCase{"command_gcc", "command", "host-gcc", nullptr},
                      RoundTripCase{"command_clang", "command", "host-clang", nullptr}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- c-hex ----------------------------------------------------------------------------------

TEST(PackCHex, TextIsTvmsShapeByteForByte) {
  TempDir dir;
  std::vector<std::uint8_t> bytes = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
                                     0xa0, 0xab, 0xff, 0x10, 0x7f, 0xc3};
  ByteSource blob = ByteSource::from_bytes(bytes);
  PackRequest r;
  r.blob = &blob;
  r.symbol = "__tvm_dev_mblob";
  r.target = &host_target();
  r.workspace = dir.path();
  auto files = pack("c-hex", r);
  ASSERT_EQ(files.size(), 1u);
  const std::string expected =
      "#ifdef _WIN32\n"
      "#define TVM_EXPORT __declspec(dllexport)\n"
      "#else\n"
      "#define TVM_EXPORT\n"
      "#endif\n"
      "#ifdef __cplusplus\n"
      "extern \"C\" {\n"
      "#endif\n"
      "TVM_EXPORT extern const unsigned char __tvm_dev_mblob[];\n"
      "const unsigned char __tvm_dev_mblob[22] = {\n"
      "  0x00,0x01,0x02,0x03,0x04,0x05,0x06,0x07,0x08,0x09,0x0a,0x0b,0x0c,0x0d,0x0e,0x0f,0xa0,"
      "0xab,0xff,0x10,\n"
      "  0x7f,0xc3,\n"
      "};\n"
      "#ifdef __cplusplus\n"
      "}\n"
      "#endif\n";
  auto text = read_bytes(files[0]);
  EXPECT_EQ(std::string(text.begin(), text.end()), expected);
}

// ---- c-embed --------------------------------------------------------------------------------

// On a machine whose compilers lack #embed (Debian 12: gcc 12, clang 14) the packer refuses
// with the message that names the compiler and the alternatives.
void expect_host_refusal(const char* toolchain, const char* cc) {
  Toolchain tc = Toolchain::named(toolchain);
  if (!tc.missing_tools().empty()) GTEST_SKIP() << "SKIPPED: " << cc << " is not installed";
  TempDir dir;
  Sample s(dir.path());
  PackRequest r = request(s, dir / "ws", &tc);
  std::string e = error_of([&] { pack("c-embed", r); });
  if (e == "(no error)") {
    GTEST_SKIP() << "SKIPPED: " << cc
                 << " supports #embed here; the refusal is covered by the fake-compiler test";
  }
  EXPECT_EQ(e, std::string("c-embed: ") + cc +
                   " does not support C23 #embed (needs gcc >= 15 or clang >= 19); use --packer "
                   "native or asm-incbin");
  EXPECT_FALSE(fs::exists(dir / "ws" / "devc.c")) << "nothing to compile is left behind";
}

TEST(PackCEmbed, HostGccWithoutEmbedIsRefusedClearly) { expect_host_refusal("host-gcc", "gcc"); }

TEST(PackCEmbed, HostClangWithoutEmbedIsRefusedClearly) {
  expect_host_refusal("host-clang", "clang");
}

// Deterministic on any machine: a "compiler" that rejects the directive as gcc 12 does.
TEST(PackCEmbed, CompilerThatRejectsEmbedIsRefusedClearly) {
  TempDir dir;
  fs::path cc = dir / "old-cc";
  write_text(cc,
             "#!/bin/sh\necho \"x.c:2:2: error: invalid preprocessing directive #embed\" >&2\n"
             "exit 1\n");
  fs::permissions(cc, fs::perms::owner_all);
  std::string cc_path = cc.string();
  ToolchainPreset preset = preset_with_cc(cc_path);
  Toolchain tc(preset);
  Sample s(dir.path());
  std::string e = error_of([&] { pack("c-embed", request(s, dir / "ws", &tc)); });
  EXPECT_EQ(e, "c-embed: " + cc_path +
                   " does not support C23 #embed (needs gcc >= 15 or clang >= 19); use --packer "
                   "native or asm-incbin");
}

// A compiler failing for another reason is not reported as "no #embed": its own error shows.
TEST(PackCEmbed, OtherCompilerFailuresShowTheCompilersError) {
  TempDir dir;
  fs::path cc = dir / "broken-cc";
  write_text(cc, "#!/bin/sh\necho \"fatal error: no space left on device\" >&2\nexit 1\n");
  fs::permissions(cc, fs::perms::owner_all);
  std::string cc_path = cc.string();
  ToolchainPreset preset = preset_with_cc(cc_path);
  Toolchain tc(preset);
  Sample s(dir.path());
  std::string e = error_of([&] { pack("c-embed", request(s, dir / "ws", &tc)); });
  EXPECT_EQ(e.find("does not support C23 #embed"), std::string::npos) << e;
  EXPECT_NE(e.find("no space left on device"), std::string::npos) << e;
}

TEST(PackCEmbed, CompilerWithEmbedBuildsALibraryHoldingTheTree) {
  std::string cc = find_embed_compiler();
  if (cc.empty()) {
    GTEST_SKIP() << "SKIPPED: no C compiler with #embed is installed (needs gcc >= 15 or "
                    "clang >= 19; scripts/install-deps.sh installs clang-19)";
  }
  Toolchain tc = Toolchain::named("host-gcc", {.cc = cc, .linker = ""});
  expect_round_trip("c-embed", tc, {});
}

TEST(PackCEmbed, SourceHasAlignmentAndDllexportOnlyForCoff) {
  TempDir dir;
  Sample s(dir.path());
  PackRequest elf = request(s, dir / "elf", nullptr);
  elf.settings.align = 64;
  auto f1 = pack("c-embed", elf);
  auto t1 = read_bytes(f1.at(0));
  std::string elf_text(t1.begin(), t1.end());
  EXPECT_NE(
      elf_text.find("__attribute__((aligned(64))) const unsigned char " + std::string(kSymbol) +
                    "[] = {\n#embed \"" + (dir / "elf" / "imports.bin").string() + "\"\n};"),
      std::string::npos)
      << elf_text;
  EXPECT_EQ(elf_text.find("dllexport"), std::string::npos) << elf_text;

  PackRequest coff = request(s, dir / "coff", nullptr, &mingw_target());
  auto f2 = pack("c-embed", coff);
  auto t2 = read_bytes(f2.at(0));
  std::string coff_text(t2.begin(), t2.end());
  EXPECT_NE(coff_text.find("__declspec(dllexport) __attribute__((aligned(16)))"), std::string::npos)
      << coff_text;
}

TEST(PackCEmbed, PathThatCannotBeQuotedIsSpelledRelativeToTheSource) {
  TempDir dir;
  Sample s(dir.path());
  fs::path ws = dir / "we\"ird";
  auto files = pack("c-embed", request(s, ws, nullptr));
  auto t = read_bytes(files.at(0));
  std::string text(t.begin(), t.end());
  EXPECT_NE(text.find("#embed \"imports.bin\"\n"), std::string::npos) << text;
}

// ---- asm-incbin -----------------------------------------------------------------------------

std::string read_text(const fs::path& p) {
  auto b = read_bytes(p);
  return {b.begin(), b.end()};
}

TEST(PackAsmIncbin, ElfSourceHasTheDirectivesEveryAssemblerAccepts) {
  TempDir dir;
  Sample s(dir.path());
  auto files = pack("asm-incbin", request(s, dir / "ws", nullptr));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".s") << "no C preprocessor: symbols are never macros";
  std::string text = read_text(files[0]);
  std::string sym = kSymbol;
  for (const std::string& line :
       {std::string("\t.section .rodata,\"a\",%progbits\n"), std::string("\t.balign 16\n"),
        "\t.globl " + sym + "\n", "\t.type " + sym + ",%object\n", sym + ":\n",
        "\t.incbin \"" + (dir / "ws" / "imports.bin").string() + "\"\n",
        "\t.size " + sym + ", .-" + sym + "\n",
        std::string("\t.section .note.GNU-stack,\"\",%progbits\n")}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << text;
  }
  EXPECT_EQ(text.find("@object"), std::string::npos);
}

// Like the native writer: x86-64 blobs past the large threshold go to .lrodata with
// SHF_X86_64_LARGE, and gcc's and clang's assemblers both accept the directive.
TEST(PackAsmIncbin, X86_64BlobOverTheLargeThresholdGoesToLrodataWithGccAndClang) {
  if (host_target().large_section.empty()) GTEST_SKIP() << "SKIPPED: the host is not x86-64";
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  for (const char* name : {"host-gcc", "host-clang"}) {
    SCOPED_TRACE(name);
    Toolchain tc = Toolchain::named(name);
    if (!tc.missing_tools().empty()) continue;
    TempDir dir;
    Sample s(dir.path());
    PackRequest r = request(s, dir / "ws", &tc);
    r.settings.large_threshold = 4096;
    auto files = pack("asm-incbin", r);
    tc.compile(files.at(0), dir / "blob.o");
    auto facts = obj::readobj((dir / "blob.o").string());
    const auto* sec = facts.section(".lrodata");
    ASSERT_NE(sec, nullptr);
    EXPECT_EQ(sec->flags,
              std::uint64_t{SHF_ALLOC} | std::uint64_t{0x10000000} /* SHF_X86_64_LARGE */);
    EXPECT_EQ(sec->size, s.blob.size());
    const auto* sym = facts.symbol(kSymbol);
    ASSERT_NE(sym, nullptr);
    EXPECT_EQ(sym->size, s.blob.size());
    // And a library linked from it still loads.
    PackSettings settings;
    settings.large_threshold = 4096;
    expect_round_trip("asm-incbin", tc, settings);
  }
}

TEST(PackAsmIncbin, PathsWithQuotesAndBackslashesAreEscaped) {
  for (const char* name : {"host-gcc", "host-clang"}) {
    SCOPED_TRACE(name);
    Toolchain tc = Toolchain::named(name);
    if (!tc.missing_tools().empty()) continue;
    TempDir dir;
    expect_round_trip("asm-incbin", tc, {}, dir / "a \"quoted\" \\dir\\ ; $(x)");
  }
}

TEST(PackAsmIncbin, ControlCharacterInThePathIsRefused) {
  TempDir dir;
  Sample s(dir.path());
  std::string e = error_of([&] { pack("asm-incbin", request(s, dir / "new\nline", nullptr)); });
  EXPECT_NE(e.find("asm-incbin: the path"), std::string::npos) << e;
  EXPECT_NE(e.find("control character"), std::string::npos) << e;
}

TEST(PackAsmIncbin, InvalidSymbolIsRefused) {
  TempDir dir;
  Sample s(dir.path());
  PackRequest r = request(s, dir / "ws", nullptr);
  r.symbol = "blob\n.globl evil";
  std::string e = error_of([&] { pack("asm-incbin", r); });
  EXPECT_NE(e.find("asm-incbin: invalid symbol name"), std::string::npos) << e;
}

// The section rule is the object layer's (object/naming_rules.h), shared with the native writer.
TEST(PackAsmIncbin, SectionsLinkersDoNotLoadAreRefusedWithTheReason) {
  TempDir dir;
  Sample s(dir.path());
  const std::pair<const char*, const char*> cases[] = {
      {".debug_info", "debugging section"},
      {".zdebug_str", "debugging section"},
      {".stab", "debugging section"},
      {".gnu.lto_main", "LTO"},
      {".gnu.warning", "warning"},
      {".comment", "comment section"},
      {".note.x", "note section"},
      {".gnu.linkonce.r.x", "one .gnu.linkonce section"},
      {".rela.x", "relocations"}};
  for (auto [section, why] : cases) {
    PackRequest r = request(s, dir / "ws", nullptr);
    r.settings.section = section;
    std::string e = error_of([&] { pack("asm-incbin", r); });
    EXPECT_NE(e.find(std::string("asm-incbin: section name '") + section + "' is refused"),
              std::string::npos)
        << e;
    EXPECT_NE(e.find(why), std::string::npos) << e;
    EXPECT_FALSE(fs::exists(dir / "ws" / "devc.s")) << section;
  }
}

// One section rule (object/naming_rules.h) for the native writer and asm-incbin: each name is
// taken by both or refused by both. (asm-incbin used to refuse '-', which the writer takes.)
TEST(PackAsmIncbin, SectionRuleIsTheSameForWriterAndPackers) {
  TempDir dir;
  Sample s(dir.path());
  const char* names[] = {".rodata",    ".rodata.my-blob", ".rodata$1",  ".data.w",  ".lrodata.x",
                         ".debug_x",   ".note.y",         ".rela.z",    "a b",      "x,y",
                         ".rodata\"x", "sec;tion",        ".comment.c", ".bss.big", ".rodata.ok_2"};
  int taken = 0;
  for (const char* name : names) {
    ObjectSpec spec;
    spec.symbol = kSymbol;
    spec.section = name;
    std::string writer = error_of([&] { validate(spec); });
    PackRequest r = request(s, dir / "ws", nullptr);
    r.settings.section = name;
    std::string packer = error_of([&] { pack("asm-incbin", r); });
    bool writer_takes = writer == "(no error)";
    EXPECT_EQ(writer_takes, packer == "(no error)") << name << ": " << writer << " | " << packer;
    // Refused with the same reason, the packer's name in front.
    if (!writer_takes) {
      EXPECT_EQ("asm-incbin: " + writer, packer) << name;
    }
    taken += writer_takes;
  }
  EXPECT_EQ(taken, 6);
}

// A section name with '-' really assembles, with GNU as and with LLVM's integrated assembler.
TEST(PackAsmIncbin, SectionNameWithADashAssemblesWithGnuAndLlvm) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  for (const char* preset : {"host-gcc", "host-clang"}) {
    SCOPED_TRACE(preset);
    Toolchain tc = Toolchain::named(preset);
    if (!tc.missing_tools().empty()) continue;
    TempDir dir;
    Sample s(dir.path());
    PackRequest r = request(s, dir / "ws", &tc);
    r.settings.section = ".rodata.my-blob";
    auto files = pack("asm-incbin", r);
    ASSERT_EQ(files.size(), 1u);
    tc.compile(files[0], dir / "devc.o");
    RunResult sections = run_ok({readobj, "--sections", (dir / "devc.o").string()});
    EXPECT_NE(sections.out.find("Name: .rodata.my-blob ("), std::string::npos) << sections.out;
  }
}

// One symbol rule: '.' is taken where the name only goes into an object (the native writer,
// asm-incbin), refused where it is also written in C (c-hex, c-embed, export).
TEST(PackAsmIncbin, SymbolRuleIsTheSameForWriterAndPackers) {
  TempDir dir;
  Sample s(dir.path());
  ObjectSpec spec;
  spec.symbol = "blob.v1";
  EXPECT_EQ(error_of([&] { validate(spec); }), "(no error)");
  PackRequest r = request(s, dir / "ws", nullptr);
  r.symbol = "blob.v1";
  EXPECT_EQ(error_of([&] { pack("asm-incbin", r); }), "(no error)");
  std::string c_hex = error_of([&] { pack("c-hex", r); });
  EXPECT_NE(c_hex.find("c-hex: invalid symbol name 'blob.v1'"), std::string::npos) << c_hex;
  r.symbol = "1blob";
  spec.symbol = "1blob";
  EXPECT_EQ("asm-incbin: " + error_of([&] { validate(spec); }),
            error_of([&] { pack("asm-incbin", r); }));
}

// aarch64 with the cross gcc: the object holds the bytes under a sized global object symbol,
// and a static program reading the symbol prints their hash under qemu.
TEST(PackAsmIncbin, Aarch64CrossGccObjectHoldsTheBytesAndRunsUnderQemu) {
  Toolchain tc = Toolchain::named("aarch64-linux-gnu");
  for (const auto& tool : tc.missing_tools()) {
    GTEST_SKIP() << "SKIPPED: " << tool.program << " is not installed (" << tool.package << ")";
  }
  MBLOB_REQUIRE_TOOL(objcopy, "llvm-objcopy");
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  Sample s(dir.path());
  auto files = pack("asm-incbin", request(s, dir / "ws", &tc, &find_target("aarch64-linux-gnu")));
  tc.compile(files.at(0), dir / "blob.o");
  auto facts = obj::readobj((dir / "blob.o").string());
  EXPECT_EQ(facts.machine, std::uint64_t{EM_AARCH64});
  const auto* sym = facts.symbol(kSymbol);
  ASSERT_NE(sym, nullptr);
  EXPECT_EQ(sym->size, s.blob.size());
  EXPECT_EQ(sym->type, std::uint64_t{STT_OBJECT});
  EXPECT_EQ(sym->bind, std::uint64_t{STB_GLOBAL});
  auto blob = s.blob.read_all();
  EXPECT_EQ(section_bytes(dir / "blob.o", ".rodata", dir.path()), blob);

  MBLOB_REQUIRE_TOOL(qemu, "qemu-aarch64");
  write_text(dir / "main.c",
             "#include <stdio.h>\n"
             "extern const unsigned char " +
                 std::string(kSymbol) +
                 "[];\n"
                 "int main(void) {\n"
                 "  unsigned long long h = 1469598103934665603ull;\n"
                 "  for (unsigned long i = 0; i < " +
                 std::to_string(blob.size()) +
                 "ul; ++i) {\n"
                 "    h ^= " +
                 kSymbol +
                 "[i];\n    h *= 1099511628211ull;\n  }\n"
                 "  printf(\"%016llx\\n\", h);\n  return 0;\n}\n");
  tc.compile(dir / "main.c", dir / "main.o");
  tc.link_executable({dir / "main.o", dir / "blob.o"}, dir / "check", {"-static"});
  auto out = run_ok({qemu, (dir / "check").string()});
  EXPECT_EQ(out.out, obj::hex(test::fnv1a(blob)) + "\n");
}

// Hexagon: clang's integrated assembler accepts the source; the object and a shared library
// linked by ld.lld hold the bytes under the symbol.
TEST(PackAsmIncbin, HexagonObjectAndLibraryHoldTheBytes) {
  Toolchain tc = Toolchain::named("hexagon");
  for (const auto& tool : tc.missing_tools()) {
    GTEST_SKIP() << "SKIPPED: " << tool.program << " is not installed (" << tool.package << ")";
  }
  MBLOB_REQUIRE_TOOL(objcopy, "llvm-objcopy");
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  Sample s(dir.path());
  auto files = pack("asm-incbin", request(s, dir / "ws", &tc, &find_target("hexagon-unknown-elf")));
  tc.compile(files.at(0), dir / "blob.o");
  auto facts = obj::readobj((dir / "blob.o").string());
  EXPECT_EQ(facts.machine, std::uint64_t{EM_QDSP6});
  const auto* sym = facts.symbol(kSymbol);
  ASSERT_NE(sym, nullptr);
  EXPECT_EQ(sym->size, s.blob.size());
  EXPECT_EQ(sym->value, 0u);
  auto blob = s.blob.read_all();
  EXPECT_EQ(section_bytes(dir / "blob.o", ".rodata", dir.path()), blob);

  fs::path so = build_library(tc, files, dir.path());
  RunResult syms = run_ok({"llvm-readobj", "--dyn-symbols", so.string()});
  EXPECT_NE(syms.out.find(kSymbol), std::string::npos) << syms.out;
  auto so_facts = obj::readobj(so.string());
  const auto* so_sym = so_facts.symbol(kSymbol);
  ASSERT_NE(so_sym, nullptr);
  EXPECT_EQ(so_sym->size, s.blob.size());
  // The symbol's bytes in the linked library: its address within the section that holds it.
  const obj::Section* holder = nullptr;
  for (const auto& sec : so_facts.sections) {
    if (sec.address <= so_sym->value && so_sym->value + so_sym->size <= sec.address + sec.size &&
        (sec.flags & std::uint64_t{SHF_ALLOC}) != 0) {
      holder = &sec;
    }
  }
  ASSERT_NE(holder, nullptr);
  EXPECT_EQ(obj::file_range(so, holder->offset + (so_sym->value - holder->address), blob.size()),
            blob);
}

// mingw: the assembler source builds with the cross gcc, and the DLL exports the blob symbol
// (through the .drectve entry) holding the bytes.
TEST(PackAsmIncbin, MingwDllExportsTheSymbol) {
  Toolchain tc = Toolchain::named("x86_64-w64-mingw32");
  for (const auto& tool : tc.missing_tools()) {
    GTEST_SKIP() << "SKIPPED: " << tool.program << " is not installed (" << tool.package << ")";
  }
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  // llvm-objcopy 14 cannot dump COFF sections; binutils' can.
  MBLOB_REQUIRE_TOOL(objcopy, "x86_64-w64-mingw32-objcopy");
  TempDir dir;
  Sample s(dir.path());
  auto files = pack("asm-incbin", request(s, dir / "ws", &tc, &mingw_target()));
  std::string text = read_text(files.at(0));
  EXPECT_NE(text.find("\t.section .rdata,\"dr\"\n"), std::string::npos) << text;
  EXPECT_EQ(text.find(".type"), std::string::npos) << text;
  EXPECT_EQ(text.find(".size"), std::string::npos) << text;
  tc.compile(files.at(0), dir / "blob.o");
  // COFF pads a section's raw data to its alignment: the blob is its first bytes.
  auto rdata = section_bytes(dir / "blob.o", ".rdata", dir.path(), objcopy);
  auto blob = s.blob.read_all();
  ASSERT_GE(rdata.size(), blob.size());
  EXPECT_LT(rdata.size() - blob.size(), 16u);
  EXPECT_EQ(std::vector<std::uint8_t>(rdata.begin(),
                                      rdata.begin() + static_cast<std::ptrdiff_t>(blob.size())),
            blob);
  fs::path dll = build_library(tc, files, dir.path());
  EXPECT_EQ(dll.extension(), ".dll");
  RunResult exports = run_ok({"llvm-readobj", "--coff-exports", dll.string()});
  EXPECT_NE(exports.out.find(std::string("Name: ") + kSymbol), std::string::npos) << exports.out;
}

TEST(PackAsmIncbin, MachOIsRefusedClearly) {
  const Target& macho = find_target("arm64-apple-darwin");
  TempDir dir;
  Sample s(dir.path());
  std::string e = error_of([&] { pack("asm-incbin", request(s, dir / "ws", nullptr, &macho)); });
  EXPECT_NE(e.find("asm-incbin: Mach-O"), std::string::npos) << e;
}

// ---- objcopy --------------------------------------------------------------------------------

// With GNU objcopy and llvm-objcopy alike: a global object symbol at offset 0 of an aligned,
// allocated, read-only .rodata.mblob holding the bytes, in an object with the compiler's header.
TEST(PackObjcopy, GnuAndLlvmObjcopyGiveAnAlignedReadOnlySectionAndAGlobalObjectSymbol) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  MBLOB_REQUIRE_TOOL(dumper, "llvm-objcopy");
  Toolchain tc = Toolchain::named("host-gcc");
  for (const char* tool : {"objcopy", "llvm-objcopy"}) {
    SCOPED_TRACE(tool);
    if (find_tool(tool).empty()) continue;
    TempDir dir;
    Sample s(dir.path());
    PackRequest r = request(s, dir / "ws", &tc);
    r.settings.objcopy = tool;
    r.settings.align = 64;
    auto files = pack("objcopy", r);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(files[0].extension(), ".o");
    auto facts = obj::readobj(files[0].string());
    EXPECT_EQ(facts.machine, host_target().machine);
    const auto* sec = facts.section(".rodata.mblob");
    ASSERT_NE(sec, nullptr);
    EXPECT_EQ(sec->flags, std::uint64_t{SHF_ALLOC});
    EXPECT_EQ(sec->align, 64u);
    EXPECT_EQ(sec->size, s.blob.size());
    const auto* sym = facts.symbol(kSymbol);
    ASSERT_NE(sym, nullptr);
    EXPECT_EQ(sym->value, 0u);
    EXPECT_EQ(sym->type, std::uint64_t{STT_OBJECT});
    EXPECT_EQ(sym->bind, std::uint64_t{STB_GLOBAL});
    EXPECT_EQ(section_bytes(files[0], ".rodata.mblob", dir.path()), s.blob.read_all());
  }
}

TEST(PackObjcopy, NeedsTheExportToolchain) {
  TempDir dir;
  Sample s(dir.path());
  std::string e = error_of([&] { pack("objcopy", request(s, dir / "ws", nullptr)); });
  EXPECT_NE(e.find("objcopy: needs the export toolchain"), std::string::npos) << e;
}

TEST(PackObjcopy, NonElfTargetIsRefusedClearly) {
  TempDir dir;
  Sample s(dir.path());
  Toolchain tc = Toolchain::named("host-gcc");
  std::string e = error_of([&] { pack("objcopy", request(s, dir / "ws", &tc, &mingw_target())); });
  EXPECT_NE(e.find("objcopy: the objcopy recipe is for ELF targets"), std::string::npos) << e;
  EXPECT_NE(e.find("COFF"), std::string::npos) << e;
}

TEST(PackObjcopy, MissingObjcopyIsNamedWithWhereToGetIt) {
  TempDir dir;
  Sample s(dir.path());
  Toolchain tc = Toolchain::named("host-gcc");
  PackRequest r = request(s, dir / "ws", &tc);
  r.settings.objcopy = "mblob-no-such-objcopy";
  std::string e = error_of([&] { pack("objcopy", r); });
  EXPECT_NE(e.find("mblob-no-such-objcopy"), std::string::npos) << e;
  EXPECT_NE(e.find("not found"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir / "ws" / "devc.o"));
}

// ---- command --------------------------------------------------------------------------------

TEST(PackCommand, TemplateSplitsAtWhitespaceAndSingleQuotesGroup) {
  using packers::split_command_template;
  EXPECT_EQ(split_command_template("  a\tb\n c  "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split_command_template("x 'a b' c'd e'f ''"),
            (std::vector<std::string>{"x", "a b", "cd ef", ""}));
  EXPECT_EQ(split_command_template("it''s \"a b\""),
            (std::vector<std::string>{"its", "\"a", "b\""}));
  std::string e = error_of([] { split_command_template("a 'b c"); });
  EXPECT_NE(e.find("unterminated single quote at character 3"), std::string::npos) << e;
}

TEST(PackCommand, PlaceholdersAreReplacedAndUnknownOnesAreErrors) {
  using packers::expand_placeholders;
  std::vector<std::pair<std::string, std::string>> v = {{"blob", "/w/b c"}, {"symbol", "s"}};
  EXPECT_EQ(expand_placeholders("--in={blob}:{symbol}", v), "--in=/w/b c:s");
  EXPECT_EQ(expand_placeholders("{} {a-b} {", v), "{} {a-b} {") << "other braces are literal";
  std::string e = error_of([&] { expand_placeholders("{bolb}", v); });
  EXPECT_NE(e.find("unknown placeholder {bolb} (known: {blob}, {symbol})"), std::string::npos) << e;
}

TEST(PackCommand, EmptyTemplateIsAClearError) {
  TempDir dir;
  Sample s(dir.path());
  std::string e = error_of([&] { pack("command", request(s, dir / "ws", nullptr)); });
  EXPECT_NE(e.find("the command packer needs a command template"), std::string::npos) << e;
}

TEST(PackCommand, FailingCommandShowsTheToolsStderr) {
  TempDir dir;
  Sample s(dir.path());
  PackRequest r = request(s, dir / "ws", nullptr);
  r.settings.command = "sh -c 'echo \"error: mblob-test-boom\" >&2; exit 3'";
  try {
    pack("command", r);
    FAIL() << "no error";
  } catch (const ProcessError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("pack command"), std::string::npos) << what;
    EXPECT_NE(what.find("exited with status 3"), std::string::npos) << what;
    EXPECT_NE(what.find("error: mblob-test-boom"), std::string::npos) << what;
    EXPECT_NE(e.details().find("error: mblob-test-boom"), std::string::npos) << e.details();
  }
}

TEST(PackCommand, CommandThatWritesNothingIsAClearError) {
  TempDir dir;
  Sample s(dir.path());
  PackRequest r = request(s, dir / "ws", nullptr);
  // A stale output from an earlier run must not count.
  write_text(dir / "ws" / "devc.o", "stale");
  r.settings.command = "true {symbol}";
  std::string e = error_of([&] { pack("command", r); });
  EXPECT_NE(e.find("pack command exited 0 but did not write " + (dir / "ws" / "devc.o").string()),
            std::string::npos)
      << e;
}

TEST(PackCommand, ArgumentsPassLiterallyWithoutAShell) {
  TempDir dir;
  Sample s(dir.path());
  PackRequest r = request(s, dir / "ws", nullptr);
  r.settings.command = "sh -c 'printf %s \"$1\" > \"$2\"' sh 'a b; $(touch pwned) `x` *' {output}";
  auto files = pack("command", r);
  EXPECT_EQ(read_text(files.at(0)), "a b; $(touch pwned) `x` *");
  EXPECT_FALSE(fs::exists("pwned"));
}

TEST(PackCommand, PlaceholderPathsWithSpacesAndShellCharactersStayOneArgument) {
  MBLOB_REQUIRE_TOOL(cp, "cp");
  TempDir dir;
  Sample s(dir.path());
  PackRequest r = request(s, dir / "ws dir; $(x) 'q'", nullptr);
  r.settings.command = "cp {blob} {output}";
  auto files = pack("command", r);
  EXPECT_EQ(read_bytes(files.at(0)), s.blob.read_all());
}

TEST(PackCommand, EveryPlaceholderHasItsValue) {
  TempDir dir;
  Sample s(dir.path());
  PackRequest r = request(s, dir / "ws", nullptr);
  r.format = Format::legacy;
  r.triple = "x86_64-pc-linux-gnu";
  r.settings.command =
      "sh -c 'printf \"%s\\n\" \"$@\" > {output}' sh {blob} {symbol} {output} {target} "
      "{workspace} {format}";
  auto files = pack("command", r);
  fs::path ws = dir / "ws";
  EXPECT_EQ(read_text(files.at(0)), (ws / "imports.bin").string() + "\n" + kSymbol + "\n" +
                                        (ws / "devc.o").string() + "\nx86_64-pc-linux-gnu\n" +
                                        ws.string() + "\nlegacy\n");
  EXPECT_EQ(read_bytes(ws / "imports.bin"), s.blob.read_all());
}

// `mblob pack --digest`: a second object beside OUTPUT defining <prefix>__mblob_digest, the
// 16-byte XXH3-128 of INPUT in canonical order; only for blob symbols and file inputs/outputs.
TEST(PackDigest, SecondObjectHoldsTheInputsXxh3_128) {
  TempDir d;
  auto payload = pattern_bytes(5000, 8);
  write_bytes(d / "in.bin", payload);
  run_ok({cli(), "pack", (d / "in.bin").string(), "-o", (d / "x.o").string(), "--symbol",
          "m___tvm_ffi__library_bin", "--digest", "-q"});
  auto f = obj::readelf((d / "x.digest.o").string());
  const obj::Symbol* s = f.symbol("m___mblob_digest");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->size, 16u);
  const obj::Section* sec = f.section(".rodata");
  ASSERT_NE(sec, nullptr);
  Digest128 want = xxh3_128(ByteView(payload));
  EXPECT_EQ(obj::file_range(d / "x.digest.o", sec->offset + s->value, 16),
            std::vector<std::uint8_t>(want.begin(), want.end()));
}

TEST(PackDigest, NeedsABlobSymbolAFileInputAndAFileOutput) {
  TempDir d;
  write_bytes(d / "in.bin", pattern_bytes(100, 8));
  auto r = run({cli(), "pack", (d / "in.bin").string(), "-o", (d / "x.o").string(), "--symbol",
                "weights", "--digest"});
  EXPECT_EQ(r.exit_code, 2);  // usage errors
  EXPECT_NE(r.err.find("--digest: the symbol weights is not a blob symbol"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(d / "x.o"));  // refused before anything is written
  r = run(
      {cli(), "pack", "-", "-o", (d / "y.o").string(), "--symbol", "__tvm_dev_mblob", "--digest"},
      {}, "bytes");
  EXPECT_EQ(r.exit_code, 2);  // usage errors
  EXPECT_NE(r.err.find("--digest needs a file INPUT"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d / "y.o"));
  r = run({cli(), "pack", (d / "in.bin").string(), "-o", "/dev/null", "--symbol", "__tvm_dev_mblob",
           "--digest"});
  EXPECT_EQ(r.exit_code, 2);  // usage errors
  EXPECT_NE(r.err.find("--digest needs a file OUTPUT"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mblob::test
