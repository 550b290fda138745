// export for the Apple rows (Mach-O): host code compiled with clang -target, the blob written by
// the native Mach-O writer, linked with ld64.lld -dylib (no SDK: self-contained host code); the
// dylib's blob read back with `mblob inspect`, `verify` and `extract`, byte for byte.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "mblob/object/target.h"
#include "support/test_support.h"

namespace mblob::test {
namespace {

std::vector<std::string> darwin_rows() {
  std::vector<std::string> out;
  for (const Target& t : all_targets()) {
    if (t.container == Container::macho) out.emplace_back(t.triple);
  }
  return out;
}

#define MBLOB_REQUIRE_DARWIN_TOOLCHAIN()                                     \
  MBLOB_REQUIRE_TOOL(clang_, "clang");                                       \
  if (find_tool("ld64.lld-14").empty())                                      \
  GTEST_SKIP() << "SKIPPED: ld64.lld-14 (package lld-14) is not installed; " \
                  "scripts/install-deps.sh installs it"

nlohmann::json inspect_json(const fs::path& file) {
  auto r = run_ok({cli(), "inspect", file.string(), "--json"});
  EXPECT_EQ(r.err, "");
  return nlohmann::json::parse(r.out);
}

// `mblob extract` writes the payloads; the weights and the kernel equal the model's files.
void expect_payloads_extracted(const SampleModel& m, const fs::path& lib,
                               const std::vector<std::string>& extra = {}) {
  const fs::path out = m.dir / ("x-" + lib.filename().string());
  std::vector<std::string> argv = {cli(), "extract", lib.string(), "-o", out.string(), "-q"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  run_ok(argv);
  bool weights = false, kernel = false;
  for (const auto& e : fs::directory_iterator(out)) {
    const std::string n = e.path().filename().string();
    if (n.find("params") != std::string::npos) {
      EXPECT_EQ(read_bytes(e.path()), read_bytes(m.dir / "w.bin"));
      weights = true;
    }
    if (n.find("cuda") != std::string::npos) {
      EXPECT_EQ(read_bytes(e.path()), read_bytes(m.dir / "k.ptx"));
      kernel = true;
    }
  }
  EXPECT_TRUE(weights && kernel) << "extract wrote both payloads";
}

TEST(ExportDarwin, EveryDarwinRowExportsADylibThatInspectReadsBack) {
  MBLOB_REQUIRE_DARWIN_TOOLCHAIN();
  MBLOB_REQUIRE_TOOL(objdump, "llvm-objdump");
  const auto rows = darwin_rows();
  ASSERT_EQ(rows.size(), 3u) << "x86_64-apple-darwin, arm64-apple-darwin, arm64-apple-ios";
  SampleModel m;
  for (const std::string& triple : rows) {
    SCOPED_TRACE(triple);
    const fs::path lib = m.exported(triple + ".dylib", {"--target", triple});
    auto j = inspect_json(lib);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["container"], triple.rfind("x86_64", 0) == 0 ? "mach-o-x86-64" : "mach-o-arm64");
    EXPECT_EQ(j[0]["symbol"], "___tvm_ffi__library_bin");
    EXPECT_EQ(j[0]["prefix"], "");
    EXPECT_EQ(j[0]["digest"], "ok");
    ASSERT_EQ(j[0]["modules"].size(), 3u);
    run_ok({cli(), "verify", lib.string(), "-q"});
    expect_payloads_extracted(m, lib);
    // A real dylib: the host function and the blob are exported.
    auto r = run_ok({objdump, "--macho", "--exports-trie", lib.string()});
    EXPECT_NE(r.out.find("_model_add"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("___tvm_ffi__library_bin"), std::string::npos) << r.out;
  }
}

// llvm-strip empties a dylib's symbol table: inspect, verify and extract still read it, through
// the export trie.
TEST(ExportDarwin, StrippedDylibStillInspectsVerifiesAndExtracts) {
  MBLOB_REQUIRE_DARWIN_TOOLCHAIN();
  MBLOB_REQUIRE_TOOL(strip, find_tool("llvm-strip-14").empty() ? "llvm-strip" : "llvm-strip-14");
  SampleModel m;
  for (const std::string& triple : darwin_rows()) {
    SCOPED_TRACE(triple);
    const fs::path lib = m.exported(triple + ".dylib", {"--target", triple});
    run_ok({strip, lib.string()});
    auto j = inspect_json(lib);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["digest"], "ok");
    ASSERT_EQ(j[0]["modules"].size(), 3u);
    run_ok({cli(), "verify", lib.string(), "-q"});
    expect_payloads_extracted(m, lib);
  }
}

// ld64 would record the staging path as the dylib's install name (LC_ID_DYLIB): export names
// it @rpath/<file name>, so two exports of one model into different directories are the same
// bytes.
TEST(ExportDarwin, DylibInstallNameIsItsFileNameSoTheOutputDoesNotDependOnWhereItIsLinked) {
  MBLOB_REQUIRE_DARWIN_TOOLCHAIN();
  MBLOB_REQUIRE_TOOL(objdump, "llvm-objdump");
  SampleModel m;
  const fs::path a = m.exported("libmodel.dylib", {"--target", "arm64-apple-darwin"});
  fs::create_directories(m.dir / "elsewhere");
  run_ok({cli(), "export", m.manifest.string(), "-o",
          (m.dir / "elsewhere" / "libmodel.dylib").string(), "--target", "arm64-apple-darwin",
          "-q"});
  auto r = run_ok({objdump, "--macho", "--dylib-id", a.string()});
  // "<file>:\n<install name>\n": the install name is the file's name only.
  const std::string id = r.out.substr(r.out.find('\n') + 1);
  EXPECT_EQ(id, "@rpath/libmodel.dylib\n") << r.out;
  EXPECT_EQ(read_bytes(a), read_bytes(m.dir / "elsewhere" / "libmodel.dylib"));
}

TEST(ExportDarwin, AliasesExportForTheirRow) {
  MBLOB_REQUIRE_DARWIN_TOOLCHAIN();
  SampleModel m;
  const fs::path lib = m.exported("a.dylib", {"--target", "aarch64-apple-darwin"});
  auto j = inspect_json(lib);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["container"], "mach-o-arm64");
  EXPECT_EQ(j[0]["machine"], "aarch64");
}

TEST(ExportDarwin, SummaryNamesTheVerifyPhaseAndTheSection) {
  MBLOB_REQUIRE_DARWIN_TOOLCHAIN();
  SampleModel m;
  auto r = run_ok(m.export_argv("v.dylib", {"--target", "x86_64-apple-darwin", "--json"}));
  auto j = nlohmann::json::parse(r.out);
  bool verify = false;
  for (const auto& p : j["phases"]) verify = verify || p["name"] == "verify";
  EXPECT_TRUE(verify) << r.out;
  EXPECT_NE(r.out.find("__TEXT,__const"), std::string::npos) << r.out;
}

TEST(ExportDarwin, SystemLibArchiveHoldsThePrefixedBlobNotTheRegistrationFunction) {
  MBLOB_REQUIRE_DARWIN_TOOLCHAIN();
  SampleModel m;
  for (const char* triple : {"arm64-apple-darwin", "x86_64-apple-darwin"}) {
    SCOPED_TRACE(triple);
    const fs::path lib = m.exported(std::string("lib-") + triple + ".a",
                                    {"--target", triple, "--system-lib", "--prefix", "llama_"});
    auto j = inspect_json(lib);
    ASSERT_EQ(j.size(), 1u) << j.dump();
    EXPECT_EQ(j[0]["prefix"], "llama_");
    EXPECT_EQ(j[0]["symbol"], "_llama___tvm_ffi__library_bin");
    EXPECT_EQ(j[0]["digest"], "ok");
    run_ok({cli(), "verify", lib.string(), "-q"});
  }
}

TEST(ExportDarwin, UniversalDylibIsReadSliceBySlice) {
  MBLOB_REQUIRE_DARWIN_TOOLCHAIN();
  std::string lipo = find_tool("llvm-lipo-14");
  if (lipo.empty()) lipo = find_tool("llvm-lipo");
  if (lipo.empty()) GTEST_SKIP() << "SKIPPED: llvm-lipo (package llvm) is not installed";
  SampleModel m;
  const fs::path arm = m.exported("arm.dylib", {"--target", "arm64-apple-darwin"});
  const fs::path x86 = m.exported("x86.dylib", {"--target", "x86_64-apple-darwin"});
  const fs::path fat = m.dir / "fat.dylib";
  run_ok({lipo, "-create", arm.string(), x86.string(), "-output", fat.string()});
  auto j = inspect_json(fat);
  ASSERT_EQ(j.size(), 2u);
  std::set<std::string> members;
  for (const auto& b : j) {
    members.insert(b["member"]);
    EXPECT_EQ(b["digest"], "ok");
  }
  EXPECT_EQ(members, (std::set<std::string>{"arm64", "x86_64"}));
  auto text = run_ok({cli(), "inspect", fat.string()});
  EXPECT_NE(text.out.find("fat.dylib(arm64): mach-o-arm64"), std::string::npos) << text.out;
  run_ok({cli(), "verify", fat.string(), "-q"});
  // Two blobs: extract needs --member to choose one.
  auto r = run({cli(), "extract", fat.string(), "-o", (m.dir / "none").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--member"), std::string::npos) << r.err;
  expect_payloads_extracted(m, fat, {"--member", "x86_64"});
}

}  // namespace
}  // namespace mblob::test
