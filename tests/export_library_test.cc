// export_library and `mblob export` against the output rules (core/output_path.h): devices,
// FIFOs and links as outputs, outputs that are inputs, private workspaces, concurrent exports
// sharing one --workspace, and manifest paths that look like options.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "mblob/core/digest.h"
#include "mblob/core/error.h"
#include "mblob/export/export.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// A model directory: host code, a device module and weights, and a manifest naming them.
struct Model : test::SampleModel {
  explicit Model(std::uint32_t seed = 1)
      : SampleModel({.seed = seed, .gpu_imports_weights = false}) {}
  std::vector<std::string> exp(const std::string& out) const {
    return {test::cli(), "export", manifest.string(), "-o", out, "-q"};
  }
  // The library a plain export writes into a regular file (exports are deterministic).
  std::vector<std::uint8_t> reference() const {
    auto ref = dir / "reference.so";
    test::run_ok(exp(ref.string()));
    return test::read_bytes(ref);
  }
};

// "xxh3_64" of each module in `so`, as `mblob load --json` reports them, in blob order.
std::vector<std::string> digests(const fs::path& so) {
  auto r = test::run_ok({test::cli(), "load", so.string(), "--json"});
  std::vector<std::string> out;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  for (const auto& m : doc["modules"]) {
    if (m.contains("xxh3_64")) out.push_back(m["xxh3_64"].get<std::string>());
  }
  return out;
}

std::string digest_of(const fs::path& file) {
  auto bytes = test::read_bytes(file);
  return xxh3_64_hex(ByteView(bytes.data(), bytes.size()));
}

TEST(ExportOutput, OutputDevNullStaysACharacterDevice) {
  if (::geteuid() != 0) GTEST_SKIP() << "SKIPPED: only root can replace /dev/null; run as root";
  Model m;
  ASSERT_TRUE(test::dev_files_intact());
  auto r = test::run(m.exp("/dev/null"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(test::dev_files_intact()) << "/dev/null or /dev/stdout was replaced (now recreated)";
  EXPECT_TRUE(test::mblob_temporaries("/dev").empty()) << test::mblob_temporaries("/dev").front();
}

TEST(ExportOutput, OutputFifoGetsTheFinishedLibraryStreamed) {
  Model m;
  auto want = m.reference();
  auto fifo = m.dir / "fifo.so";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  test::FifoReader reader(fifo);
  auto r = test::run(m.exp(fifo.string()));
  auto got = reader.finish();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(got, want);
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced";
  EXPECT_TRUE(test::mblob_temporaries(m.dir.path()).empty())
      << test::mblob_temporaries(m.dir.path()).front();
}

TEST(ExportOutput, OutputDevStdoutGetsTheLibrary) {
  Model m;
  auto want = m.reference();
  ASSERT_TRUE(test::dev_files_intact());
  auto r = test::run(m.exp("/dev/stdout"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::vector<std::uint8_t>(r.out.begin(), r.out.end()), want);
  EXPECT_TRUE(test::dev_files_intact()) << "/dev/stdout was replaced (now recreated)";
}

TEST(ExportOutput, OutputSymlinkIsWrittenThroughAndStaysALink) {
  Model m;
  fs::create_directory(m.dir / "lib");
  test::write_text(m.dir / "lib" / "model-v2.so", "previous library");
  fs::create_symlink("lib/model-v2.so", m.dir / "model.so");
  test::run_ok(m.exp((m.dir / "model.so").string()));
  EXPECT_TRUE(fs::is_symlink(m.dir / "model.so"));
  EXPECT_EQ(digests(m.dir / "lib" / "model-v2.so"),
            (std::vector<std::string>{digest_of(m.dir / "w.bin"), digest_of(m.dir / "k.ptx")}));
  EXPECT_TRUE(test::mblob_temporaries(m.dir / "lib").empty())
      << test::mblob_temporaries(m.dir / "lib").front();
}

TEST(ExportOutput, OutputDirectoryTrailingSlashAndEmptyPathAreUsageErrors) {
  Model m;
  fs::create_directory(m.dir / "out");
  for (std::string out : {(m.dir / "out").string(), (m.dir / "out").string() + "/",
                          (m.dir / "new").string() + "/", std::string()}) {
    auto r = test::run(m.exp(out));
    EXPECT_EQ(r.exit_code, 2) << "'" << out << "': " << r.err;
    EXPECT_EQ(r.err.rfind("mblob: error: the output ", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find("mblob-tmp"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_empty(m.dir / "out"));
    EXPECT_FALSE(fs::exists(m.dir / "new"));
    EXPECT_TRUE(test::mblob_temporaries(m.dir.path()).empty())
        << test::mblob_temporaries(m.dir.path()).front();
  }
}

TEST(ExportOutput, OutputSameAsPayloadHostSourceOrManifestIsRefused) {
  Model m;
  for (const char* input : {"w.bin", "k.ptx", "host.c", "model.json"}) {
    auto before = test::read_bytes(m.dir / input);
    auto r = test::run(m.exp((m.dir / input).string()));
    EXPECT_EQ(r.exit_code, 2) << input << ": " << r.err;
    EXPECT_NE(r.err.find("is the same file as the input"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(input), std::string::npos) << r.err;
    EXPECT_EQ(test::read_bytes(m.dir / input), before) << input << " was changed";
  }
  EXPECT_TRUE(test::mblob_temporaries(m.dir.path()).empty())
      << test::mblob_temporaries(m.dir.path()).front();
}

// The library API refuses it too, for payloads and host inputs (sources and objects).
TEST(ExportOutput, OutputSameAsAnInputIsRefusedByExportLibrary) {
  Model m;
  Manifest man = read_manifest(m.manifest);
  ExportOptions o;
  o.quiet = true;
  for (const char* input : {"w.bin", "host.c"}) {
    auto before = test::read_bytes(m.dir / input);
    EXPECT_THROW(export_library(man.tree, m.dir / input, o), UsageError) << input;
    EXPECT_EQ(test::read_bytes(m.dir / input), before) << input << " was changed";
  }
}

// A user's files in --workspace are never written: the run works in its own subdirectory,
// which is kept and named in the summary.
TEST(ExportWorkspace, WorkspaceWithUserFilesNamedLikeIntermediatesIsLeftUntouched) {
  Model m;
  auto ws = m.dir / "ws";
  fs::create_directory(ws);
  test::write_text(ws / "imports.bin", "the user's own imports.bin");
  test::write_text(ws / "devc.c", "/* the user's own devc.c */");
  test::write_text(ws / "devc.s", "# the user's own devc.s");
  for (const char* packer : {"asm-incbin", "c-hex", "native"}) {
    auto out = m.dir / (std::string(packer) + ".so");
    auto r = test::run({test::cli(), "export", m.manifest.string(), "-o", out.string(), "--packer",
                        packer, "--workspace", ws.string()});
    ASSERT_EQ(r.exit_code, 0) << packer << ": " << r.err;
    EXPECT_EQ(digests(out),
              (std::vector<std::string>{digest_of(m.dir / "w.bin"), digest_of(m.dir / "k.ptx")}));
    // The summary (stdout) says where the run's private workspace is.
    EXPECT_NE(r.out.find("intermediate files kept in " + ws.string() + "/mblob-export-"),
              std::string::npos)
        << r.out;
  }
  auto text = [&](const char* name) {
    auto b = test::read_bytes(ws / name);
    return std::string(b.begin(), b.end());
  };
  EXPECT_EQ(text("imports.bin"), "the user's own imports.bin");
  EXPECT_EQ(text("devc.c"), "/* the user's own devc.c */");
  EXPECT_EQ(text("devc.s"), "# the user's own devc.s");
  int runs = 0;
  for (const auto& e : fs::directory_iterator(ws)) {
    if (e.path().filename().string().starts_with("mblob-export-")) ++runs;
  }
  EXPECT_EQ(runs, 3);
}

TEST(ExportWorkspace, TwoConcurrentExportsInOneWorkspaceEachGetTheirOwnLibrary) {
  Model a(1), b(100);
  TempDir ws;
  for (int round = 0; round < 3; ++round) {
    test::RunResult ra, rb;
    auto out_a = a.dir / "a.so", out_b = b.dir / "b.so";
    // asm-incbin reads the blob back from a file in the workspace while it is assembled.
    auto cmd = [&](const Model& m, const fs::path& out) {
      return std::vector<std::string>{
          test::cli(),  "export",      m.manifest.string(), "-o", out.string(), "--packer",
          "asm-incbin", "--workspace", ws.path().string(),  "-q"};
    };
    std::thread ta([&] { ra = test::run(cmd(a, out_a)); });
    std::thread tb([&] { rb = test::run(cmd(b, out_b)); });
    ta.join();
    tb.join();
    ASSERT_EQ(ra.exit_code, 0) << ra.err;
    ASSERT_EQ(rb.exit_code, 0) << rb.err;
    EXPECT_EQ(digests(out_a),
              (std::vector<std::string>{digest_of(a.dir / "w.bin"), digest_of(a.dir / "k.ptx")}))
        << "round " << round;
    EXPECT_EQ(digests(out_b),
              (std::vector<std::string>{digest_of(b.dir / "w.bin"), digest_of(b.dir / "k.ptx")}))
        << "round " << round;
  }
}

// A manifest path that looks like an option reaches the tools as a file name: an object named
// "-o<victim>" (a file under a directory called "-o") does not make the linker write <victim>,
// and a source named "-w.c" is compiled, not read as the flag -w.
TEST(ExportToolPaths, ManifestPathsStartingWithADashAreFileNamesNotOptions) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  MBLOB_REQUIRE_TOOL(env, "env");
  Model m;
  TempDir elsewhere;
  fs::path victim = elsewhere / "x.so";
  fs::path object_rel = "-o" + victim.string();  // "-o/tmp/.../x.so"
  fs::create_directories((m.dir / object_rel).parent_path());
  test::write_text(m.dir / "mul.c", "int model_mul(int a, int b) { return a * b; }\n");
  test::run_ok(
      {gcc, "-c", "-fPIC", "-o", (m.dir / object_rel).string(), (m.dir / "mul.c").string()});
  test::write_text(m.dir / "-w.c", "int model_sub(int a, int b) { return a - b; }\n");
  test::write_text(m.dir / "dash.json", R"({"format":"ffi","modules":[
      {"name":"host","kind":"host","sources":["-w.c"],"objects":[")" +
                                            object_rel.string() + R"("],"imports":["w"]},
      {"name":"w","kind":"params","payload":"w.bin"}]})");
  for (const char* packer : {"native", "objcopy"}) {
    // Run from the manifest's directory with a relative manifest, so the paths stay relative.
    auto r = test::run({env, "-C", m.dir.path().string(), test::cli(), "export", "dash.json", "-o",
                        "out.so", "--packer", packer, "--workspace", "-ws", "-q"});
    ASSERT_EQ(r.exit_code, 0) << packer << ": " << r.err;
    EXPECT_FALSE(fs::exists(victim)) << "the linker wrote " << victim;
    auto nm = test::run_ok({"nm", "-D", (m.dir / "out.so").string()});
    EXPECT_NE(nm.out.find("model_mul"), std::string::npos) << nm.out;
    EXPECT_NE(nm.out.find("model_sub"), std::string::npos) << nm.out;
    EXPECT_EQ(digests(m.dir / "out.so"), (std::vector<std::string>{digest_of(m.dir / "w.bin")}));
  }
}

}  // namespace
}  // namespace mblob
