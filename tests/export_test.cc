// export: module trees to real libraries through every packer and toolchain, read back with
// the runtime and `mblob load --json`; system-lib archives in real programs; cross targets
// under qemu; failures leave nothing behind.
#include "mblob/export/export.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mblob/core/digest.h"
#include "mblob/format/writer.h"
#include "mblob/object/symbol_search.h"
#include "mblob/runtime/library.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// A model directory: host code, a device module, weights from a file, and a manifest.
struct Model : test::SampleModel {
  explicit Model(const std::string& format = "ffi") : SampleModel({.format = format}) {}
};

nlohmann::json load_json(const fs::path& so) {
  auto r = test::run_ok({test::cli(), "load", so.string(), "--json"});
  return nlohmann::json::parse(r.out);
}

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

// Everything in `dir` whose name contains "mblob-tmp" or ".stage": leftovers of a failure.
std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.find("tmp") != std::string::npos || n.find("stage") != std::string::npos)
      out.push_back(n);
  }
  return out;
}

struct PackerCase {
  std::string packer;
  std::string cc;
};

class ExportPackers : public ::testing::TestWithParam<PackerCase> {};

TEST_P(ExportPackers, EveryPackerAndCompilerGivesTheSameTree) {
  const auto& c = GetParam();
  MBLOB_REQUIRE_TOOL(cc, c.cc);
  Model m;
  auto reference = m.dir / "reference.so";
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", reference.string(), "-q"});
  auto so = m.dir / "model.so";
  std::vector<std::string> argv = {
      test::cli(), "export", m.manifest.string(), "-o", so.string(), "--packer", c.packer, "--cc",
      c.cc,        "-q"};
  if (c.packer == "command") {
    argv.push_back("--pack-command");
    argv.push_back(test::cli() + " pack {blob} -o {output} --symbol {symbol} --quiet");
  }
  test::run_ok(argv);
  EXPECT_EQ(load_json(so), load_json(reference));
  // Whatever the packer, the output carries the integrity digest (the native writer's object).
  auto v = test::run_ok({test::cli(), "verify", so.string()});
  EXPECT_NE(v.out.find("digest ok"), std::string::npos) << v.out;
  // And the tree's payloads are the bytes of the input files.
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree t = load_library_tree(so, opts);
  // Blob order: _lib, cuda, params. (TVM's depth-first order would put params before cuda,
  // which imports it, and TVM would refuse; mblob renumbers topologically: docs/format.md.)
  ASSERT_EQ(t.modules.size(), 3u);
  EXPECT_EQ(t.modules[1]->kind(), "cuda");
  EXPECT_EQ(t.modules[1]->payload().to_vector(), test::pattern_bytes(777, 11));
  EXPECT_EQ(t.modules[2]->kind(), "params");
  EXPECT_EQ(t.modules[2]->payload().to_vector(), test::pattern_bytes(200001, 12));
  EXPECT_EQ(t.import_indices[1], (std::vector<std::uint64_t>{2}));
  auto* add = reinterpret_cast<int (*)(int, int)>(t.root->find_symbol("model_add"));
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add(2, 3), 5);
}

std::vector<PackerCase> packer_cases() {
  std::vector<PackerCase> cases;
  for (const auto& p : builtin_packers()) {
    if (p.name == "c-embed") {
      cases.push_back({p.name, "clang-19"});  // #embed needs clang >= 19 (gcc 12, clang 14 refuse)
      continue;
    }
    for (const char* cc : {"gcc", "clang"}) cases.push_back({p.name, cc});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(All, ExportPackers, ::testing::ValuesIn(packer_cases()),
                         [](const auto& info) {
                           std::string n = info.param.packer + "_" + info.param.cc;
                           for (auto& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

TEST(Export, LegacyAndFfiLayoutsHoldTheSameTree) {
  Model m;
  auto ffi = m.dir / "ffi.so";
  auto legacy = m.dir / "legacy.so";
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", ffi.string(), "-q"});
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", legacy.string(), "--format",
                "legacy", "-q"});
  auto a = load_json(ffi);
  auto b = load_json(legacy);
  EXPECT_EQ(a["format"], "ffi");
  EXPECT_EQ(b["format"], "legacy");
  EXPECT_EQ(b["symbol"], "__tvm_dev_mblob");
  EXPECT_EQ(a["modules"], b["modules"]);
}

TEST(Export, OutputIsDeterministic) {
  Model m;
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", (m.dir / "a.so").string(), "-q"});
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", (m.dir / "b.so").string(), "-q"});
  EXPECT_EQ(test::read_bytes(m.dir / "a.so"), test::read_bytes(m.dir / "b.so"));
}

TEST(Export, SummaryLineNamesSizesPackerAndPhases) {
  Model m;
  auto r =
      test::run_ok({test::cli(), "export", m.manifest.string(), "-o", (m.dir / "s.so").string()});
  EXPECT_NE(r.out.find("packer native"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pack "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("link "), std::string::npos) << r.out;
}

TEST(Export, CallbackPackerReceivesTheHookArguments) {
  Model m;
  Manifest man = read_manifest(m.manifest);
  ExportOptions o;
  o.quiet = true;
  o.system_lib = true;
  o.prefix = "cb_";
  int calls = 0;
  o.fpack_imports = [&](const PackRequest& r) -> std::vector<fs::path> {
    ++calls;
    EXPECT_TRUE(r.system_lib);
    EXPECT_EQ(r.prefix, "cb_");
    EXPECT_EQ(r.symbol, "cb___tvm_ffi__library_bin");
    EXPECT_EQ(r.settings.align, kDefaultBlobAlign) << "a callback sees the alignment, never 0";
    EXPECT_TRUE(fs::is_directory(r.workspace));
    ObjectSpec spec;
    spec.symbol = r.symbol;
    spec.target = r.target;
    auto out = r.workspace / "mine.o";
    write_object(spec, *r.blob, out);
    return {out};
  };
  auto report = export_library(man.tree, m.dir / "libcb.a", o);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(report.packer, "callback");
  EXPECT_TRUE(file_exists(m.dir / "libcb.a"));
}

TEST(Export, CallbackReturningAMissingFileFailsAndWritesNothing) {
  Model m;
  Manifest man = read_manifest(m.manifest);
  ExportOptions o;
  o.quiet = true;
  o.fpack_imports = [&](const PackRequest& r) -> std::vector<fs::path> {
    return {r.workspace / "never-written.o"};
  };
  try {
    export_library(man.tree, m.dir / "out.so", o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("never-written.o"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(file_exists(m.dir / "out.so"));
  EXPECT_TRUE(leftovers(m.dir.path()).empty());
}

TEST(Export, EveryPhaseIsReportedAsItStartsAndEnds) {
  Model m;
  Manifest man = read_manifest(m.manifest);
  ExportOptions o;
  o.quiet = true;
  o.link_blob = true;  // the spliced export's phases: export_splice_test.cc
  std::vector<std::string> events;
  o.on_phase_start = [&](const std::string& name) { events.push_back("start " + name); };
  o.on_phase_end = [&](const ExportPhase& p) {
    events.push_back("end " + p.name);
    EXPECT_GE(p.elapsed.count(), 0) << p.name;
  };
  ExportReport r = export_library(man.tree, m.dir / "out.so", o);
  EXPECT_EQ(events,
            (std::vector<std::string>{"start serialize", "end serialize", "start pack", "end pack",
                                      "start digest", "end digest", "start compile", "end compile",
                                      "start link", "end link", "start verify", "end verify"}));
  ASSERT_EQ(r.phases.size(), 6u);
  EXPECT_EQ(r.phases.back().name, "verify");
}

// A system-lib archive linked into a real program that reads its tree through system_lib().
TEST(Export, SystemLibArchiveRegistersItsBlobInAProgram) {
  Model m;
  auto archive = m.dir / "libmodel.a";
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", archive.string(), "--system-lib",
                "--prefix", "llama_", "-q"});
  test::write_text(m.dir / "main.cc", R"(
#include <cstdio>
#include "mblob/runtime/library.h"
int main() {
  mblob::LoadOptions o;
  o.opaque_unknown_kinds = true;
  auto tree = mblob::system_lib_tree("llama_", o);
  std::printf("%s %zu", tree.symbol.c_str(), tree.modules.size());
  for (auto& mod : tree.modules) std::printf(" %s:%zu", mod->kind().c_str(), mod->payload().size());
  auto add = reinterpret_cast<int (*)(int, int)>(tree.root->find_symbol("model_add"));
  std::printf(" add=%d\n", add ? add(20, 22) : -1);
}
)");
  auto exe = m.dir / "prog";
  fs::path runtime = MBLOB_RUNTIME_LIB;
  std::vector<std::string> cmd = {"g++",
                                  "-std=c++17",
                                  "-I",
                                  MBLOB_INCLUDE_DIR,
                                  (m.dir / "main.cc").string(),
                                  "-Wl,--whole-archive",
                                  archive.string(),
                                  "-Wl,--no-whole-archive",
                                  runtime.string(),
                                  "-Wl,-rpath," + runtime.parent_path().string(),
                                  "-rdynamic",
                                  "-o",
                                  exe.string()};
  if (MBLOB_SANITIZED) cmd.push_back("-fsanitize=address,undefined");  // the runtime under test is
  test::run_ok(cmd);
  auto r = test::run({exe.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "llama___tvm_ffi__library_bin 3 _lib:0 cuda:777 params:200001 add=42\n");
}

TEST(Export, PrefixWithoutSystemLibIsRefused) {
  Model m;
  auto r = test::run({test::cli(), "export", m.manifest.string(), "-o", (m.dir / "x.so").string(),
                      "--prefix", "p_"});
  EXPECT_EQ(r.exit_code, 2);  // a usage error
  EXPECT_NE(r.err.find("--system-lib"), std::string::npos) << r.err;
  EXPECT_FALSE(file_exists(m.dir / "x.so"));
}

TEST(Export, Aarch64LibraryLoadsAndServesItsBlobUnderQemu) {
  MBLOB_REQUIRE_TOOL(gcc, "aarch64-linux-gnu-gcc");
  MBLOB_REQUIRE_TOOL(qemu, "qemu-aarch64");
  Model m;
  auto so = m.dir / "model-arm64.so";
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", so.string(), "--target",
                "aarch64-linux-gnu", "-q"});
  // A program for the target dlopens the library, hashes the blob and calls host code; the
  // expected bytes are the same tree serialized on the host.
  Manifest man = read_manifest(m.manifest);
  SerializeOptions so_opts;
  EXPECT_EQ(test::run_model_check_under_qemu(gcc, qemu, "aarch64", m.dir.path(), so),
            test::model_check_line(serialize(man.tree, so_opts).read_all()));
}

TEST(Export, MingwDllExportsTheBlobSymbol) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  Model m;
  auto dll = m.dir / "model.dll";
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", dll.string(), "--target",
                "x86_64-w64-mingw32", "--packer", "c-hex", "-q"});
  auto r = test::run_ok({readobj, "--coff-exports", dll.string()});
  EXPECT_NE(r.out.find("Name: __tvm_ffi__library_bin"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Name: model_add"), std::string::npos) << r.out;
}

// The verify phase reads the DLL's export table (and a system-lib archive's COFF members): every
// packer that can write COFF passes it, and the JSON summary names the phase and the section.
TEST(Export, MingwOutputsPassTheVerifyPhase) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  Model m;
  for (const char* packer : {"c-hex", "asm-incbin"}) {
    for (bool system_lib : {false, true}) {
      SCOPED_TRACE(std::string(packer) + (system_lib ? " system-lib" : " dll"));
      auto out = m.dir / (system_lib ? "libmodel.a" : "model.dll");
      std::vector<std::string> argv = {test::cli(),  "export",   m.manifest.string(),  "-o",
                                       out.string(), "--target", "x86_64-w64-mingw32", "--packer",
                                       packer,       "--json"};
      if (system_lib) argv.insert(argv.end(), {"--system-lib", "--prefix", "m_"});
      auto j = nlohmann::json::parse(test::run_ok(argv).out);
      EXPECT_EQ(j["section"], ".rdata");
      bool verified = false;
      for (const auto& p : j["phases"]) verified = verified || p["name"] == "verify";
      EXPECT_TRUE(verified) << j.dump();
      // What the check read, read again: the blob's bytes where the export table points.
      auto file = test::read_bytes(out);
      auto found = find_blob_symbols(ByteView(file), out.string());
      ASSERT_EQ(found.size(), 1u);
      EXPECT_EQ(found[0].location.container, system_lib ? "pe-x86-64" : "pei-x86-64");
      EXPECT_EQ(found[0].prefix, system_lib ? "m_" : "");
      Manifest man = read_manifest(m.manifest);
      auto blob = serialize(man.tree, SerializeOptions{}).read_all();
      ASSERT_LE(blob.size(), found[0].location.size);
      EXPECT_TRUE(std::equal(blob.begin(), blob.end(),
                             file.begin() + static_cast<std::ptrdiff_t>(found[0].location.offset)));
    }
  }
}

// A --pack-command whose COFF object lacks the blob symbol fails a mingw export, and no DLL is
// written (the check reads the DLL's export table).
TEST(Export, MingwPackCommandWithoutTheBlobSymbolFailsAndWritesNothing) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  Model m;
  test::write_text(m.dir / "other.c",
                   "__declspec(dllexport) const unsigned char not_the_blob[] = {1, 2, 3};\n");
  const std::string command = gcc + " -c " + (m.dir / "other.c").string() + " -o {output}";
  for (bool system_lib : {false, true}) {
    SCOPED_TRACE(system_lib ? "system-lib archive" : "dll");
    auto out = m.dir / (system_lib ? "libmodel.a" : "model.dll");
    std::vector<std::string> argv = {test::cli(),
                                     "export",
                                     m.manifest.string(),
                                     "-o",
                                     out.string(),
                                     "--target",
                                     "x86_64-w64-mingw32",
                                     "--packer",
                                     "command",
                                     "--pack-command",
                                     command,
                                     "-q"};
    if (system_lib) argv.insert(argv.end(), {"--system-lib", "--prefix", "m_"});
    auto r = test::run(argv);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("does not define the blob symbol"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(out.string()), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the output was not written"), std::string::npos) << r.err;
    EXPECT_FALSE(file_exists(out));
    EXPECT_TRUE(leftovers(m.dir.path()).empty()) << leftovers(m.dir.path()).front();
  }
}

// COFF symbols have no size: the blob must fit in the bytes up to the next symbol or the end of
// its section. A blob cut short by 100 bytes (more than gas's 16-byte section padding) in a
// system-lib archive's COFF object fails the check.
TEST(Export, MingwBlobCutShortInItsSectionFailsTheCheck) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  Model m;
  const auto short_bin = m.dir / "short.bin";
  test::write_text(m.dir / "s.s",
                   "\t.section .rdata,\"dr\"\n\t.globl m___tvm_ffi__library_bin\n"
                   "m___tvm_ffi__library_bin:\n\t.incbin \"" +
                       short_bin.string() + "\"\n");
  const std::string command = "sh -c 'head -c -100 {blob} > " + short_bin.string() + " && " + gcc +
                              " -c " + (m.dir / "s.s").string() + " -o {output}'";
  auto out = m.dir / "libmodel.a";
  auto r = test::run({test::cli(), "export", m.manifest.string(), "-o", out.string(), "--target",
                      "x86_64-w64-mingw32", "--system-lib", "--prefix", "m_", "--packer", "command",
                      "--pack-command", command, "-q"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("bytes of its section, fewer than the blob's"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the output was not written"), std::string::npos) << r.err;
  EXPECT_FALSE(file_exists(out));
}

TEST(Export, CompilerFailureShowsTheToolsStderrAndKeepsThePreviousOutput) {
  Model m;
  auto so = m.dir / "model.so";
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", so.string(), "-q"});
  auto before = test::read_bytes(so);
  test::write_text(m.dir / "host.c", "int model_add(int a, int b) { return a + }\n");
  auto r = test::run({test::cli(), "export", m.manifest.string(), "-o", so.string(), "-q"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("host.c"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_bytes(so), before);
  EXPECT_TRUE(leftovers(m.dir.path()).empty()) << leftovers(m.dir.path()).front();
}

TEST(Export, DiskFullFailsCleanlyAndKeepsThePreviousOutput) {
  MBLOB_REQUIRE_TOOL(prlimit, "prlimit");
  Model m;
  auto so = m.dir / "model.so";
  test::write_text(so, "previous library");
  // RLIMIT_FSIZE stands in for a full disk: the 200 KB weights cannot be written in 64 KiB.
  auto r = test::run({prlimit, "--fsize=65536", test::cli(), "export", m.manifest.string(), "-o",
                      so.string(), "-q"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  auto kept = test::read_bytes(so);
  EXPECT_EQ(std::string(kept.begin(), kept.end()), "previous library");
  EXPECT_TRUE(leftovers(m.dir.path()).empty());
}

// After linking, export checks that its output defines the blob symbol with the serialized
// size and bytes; a packer that gets it wrong fails the export and writes nothing.
struct WrongPackCase {
  const char* name;
  std::string (*command)(const fs::path& dir);  // the --pack-command template
  const char* needle;
};

class ExportVerifiesItsOutput : public ::testing::TestWithParam<WrongPackCase> {};

TEST_P(ExportVerifiesItsOutput, PackCommandThatDoesNotDefineTheBlobFailsAndWritesNothing) {
  const auto& c = GetParam();
  Model m;
  test::write_bytes(m.dir / "other.bin", test::pattern_bytes(100, 5));
  for (bool system_lib : {false, true}) {
    SCOPED_TRACE(system_lib ? "system-lib archive" : "shared library");
    auto out = m.dir / (system_lib ? "libmodel.a" : "model.so");
    std::vector<std::string> argv = {
        test::cli(), "export",         m.manifest.string(),     "-o", out.string(), "--packer",
        "command",   "--pack-command", c.command(m.dir.path()), "-q"};
    if (system_lib) argv.insert(argv.end(), {"--system-lib", "--prefix", "m_"});
    auto r = test::run(argv);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the output was not written"), std::string::npos) << r.err;
    EXPECT_FALSE(file_exists(out));
    EXPECT_TRUE(leftovers(m.dir.path()).empty()) << leftovers(m.dir.path()).front();
  }
  // A previous output stays as it was.
  auto so = m.dir / "model.so";
  test::write_text(so, "previous library");
  auto r = test::run({test::cli(), "export", m.manifest.string(), "-o", so.string(), "--packer",
                      "command", "--pack-command", c.command(m.dir.path()), "-q"});
  EXPECT_EQ(r.exit_code, 1);
  auto kept = test::read_bytes(so);
  EXPECT_EQ(std::string(kept.begin(), kept.end()), "previous library");
}

INSTANTIATE_TEST_SUITE_P(
    Rules, ExportVerifiesItsOutput,
    ::testing::Values(
        WrongPackCase{"SymbolMissing",
                      [](const fs::path&) {
                        return test::cli() + " pack {blob} -o {output} --symbol not_the_blob -q";
                      },
                      "does not define the blob symbol"},
        WrongPackCase{"WrongSize",
                      [](const fs::path& dir) {
                        return test::cli() + " pack " + (dir / "other.bin").string() +
                               " -o {output} --symbol {symbol} -q";
                      },
                      "has 100 bytes, but the serialized blob has"},
        WrongPackCase{"WrongBytes",
                      [](const fs::path&) {
                        // Every byte of the blob plus one (tr rotates 0..255): the right size,
                        // the wrong bytes.
                        return "sh -c 'tr \"\\000-\\377\" \"\\001-\\377\\000\" < {blob} > "
                               "{workspace}/rotated.bin && " +
                               test::cli() +
                               " pack {workspace}/rotated.bin -o {output} --symbol {symbol} -q'";
                      },
                      "are not the serialized blob"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Export, SummaryNamesTheVerifyPhase) {
  Model m;
  auto r = test::run_ok(
      {test::cli(), "export", m.manifest.string(), "-o", (m.dir / "s.so").string(), "--link-blob"});
  EXPECT_NE(r.out.find(", verify "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", digest "), std::string::npos) << r.out;
  // Spliced (the default here): the digest is waited for in the splice phase.
  r = test::run_ok({test::cli(), "export", m.manifest.string(), "-o", (m.dir / "s.so").string()});
  EXPECT_NE(r.out.find(", splice "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", verify "), std::string::npos) << r.out;
}

TEST(Export, NoDigestLeavesTheDigestSymbolOut) {
  Model m;
  auto so = m.dir / "s.so";
  auto r =
      test::run_ok({test::cli(), "export", m.manifest.string(), "-o", so.string(), "--no-digest"});
  EXPECT_EQ(r.out.find(", digest "), std::string::npos) << r.out;
  auto v = test::run_ok({test::cli(), "verify", so.string()});
  EXPECT_NE(v.out.find("digest absent"), std::string::npos) << v.out;
}

struct BadManifest {
  const char* name;
  const char* json;
  const char* needle;
};

class ExportBadManifest : public ::testing::TestWithParam<BadManifest> {};

TEST_P(ExportBadManifest, IsAClearErrorAndWritesNothing) {
  Model m;
  test::write_text(m.manifest, GetParam().json);
  auto out = m.dir / "out.so";
  auto r = test::run({test::cli(), "export", m.manifest.string(), "-o", out.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(GetParam().needle), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(file_exists(out));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ExportBadManifest,
    ::testing::Values(
        BadManifest{"NotJson", "{", "not valid JSON"},
        BadManifest{"NoModules", R"({"modules":[]})", "non-empty list"},
        BadManifest{"UnknownImport",
                    R"({"modules":[{"name":"h","kind":"host","imports":["nope"]}]})",
                    "imports \"nope\""},
        BadManifest{"MissingPayloadFile",
                    R"({"modules":[{"name":"g","kind":"cuda","payload":"missing.ptx"}]})",
                    "missing.ptx"},
        BadManifest{"DuplicateName",
                    R"({"modules":[{"name":"a","kind":"host"},{"name":"a","kind":"host"}]})",
                    "two modules"},
        BadManifest{"UnknownKey", R"({"modules":[{"name":"a","kind":"host","srcs":[]}]})",
                    "unknown key \"srcs\""},
        BadManifest{"Cycle",
                    R"({"modules":[{"name":"a","kind":"x","payload":"k.ptx","imports":["b"]},
                                   {"name":"b","kind":"y","payload":"k.ptx","imports":["a"]}]})",
                    "cycle"},
        BadManifest{"HostUnderDeviceNeedsACycle",
                    R"({"modules":[{"name":"h","kind":"host","imports":["g"]},
                                   {"name":"g","kind":"cuda","payload":"k.ptx","imports":["h2"]},
                                   {"name":"h2","kind":"host"}]})",
                    "cycle"},
        BadManifest{"ReservedKind", R"({"modules":[{"name":"a","kind":"_lib"}]})", "reserved"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace mblob
