// mblob verify (inspect/inspect.h verify_inspected, tools/mblob/cmd_verify.cc): intact exports
// pass; a flipped payload byte is a digest mismatch; every class of structural damage, from the
// checked-in corpus tests/data/damaged/ (made by make_damaged.py there), is exit 1 with one
// error line naming the file, never a signal, through `verify` and `inspect` alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "mblob/core/digest.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

fs::path exported(const TempDir& d, const std::vector<std::string>& extra = {}) {
  test::write_text(d / "host.c", "int model_add(int a, int b) { return a + b; }\n");
  test::write_bytes(d / "w.bin", test::pattern_bytes(4096, 3));
  test::write_text(d / "m.json", R"({"modules":[
      {"name":"host","kind":"host","sources":["host.c"],"imports":["w"]},
      {"name":"w","kind":"params","payload":"w.bin"}]})");
  fs::path so = d / "model.so";
  std::vector<std::string> argv = {test::cli(), "export",    (d / "m.json").string(),
                                   "-o",        so.string(), "-q"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  test::run_ok(argv);
  return so;
}

TEST(Verify, IntactExportPassesWithOneOkLinePerBlob) {
  TempDir d;
  fs::path so = exported(d);
  auto r = test::run_ok({test::cli(), "verify", so.string()});
  EXPECT_EQ(
      r.out,
      so.string() + ": __tvm_ffi__library_bin ok (ffi layout, 4186 bytes, 2 modules, digest ok)\n");
  EXPECT_EQ(test::run_ok({test::cli(), "verify", so.string(), "-q"}).out, "");
}

TEST(Verify, FlippedPayloadByteIsADigestMismatch) {
  TempDir d;
  fs::path so = exported(d);
  auto bytes = test::read_bytes(so);
  auto payload = test::pattern_bytes(4096, 3);
  auto at = std::search(bytes.begin(), bytes.end(), payload.begin(), payload.end());
  ASSERT_NE(at, bytes.end());
  at[1000] ^= 0x10;
  test::write_bytes(so, bytes);
  auto r = test::run({test::cli(), "verify", so.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(so.string() + ": symbol __tvm_ffi__library_bin: integrity digest mismatch"),
            std::string::npos)
      << r.err;
  // inspect still reads it, and says so.
  auto i = test::run_ok({test::cli(), "inspect", so.string()});
  EXPECT_NE(i.out.find("digest mismatch (the digest symbol __mblob_digest holds"),
            std::string::npos)
      << i.out;
}

TEST(Verify, LibraryWithoutDigestPassesAsAbsent) {
  TempDir d;
  fs::path so = exported(d, {"--no-digest"});
  auto r = test::run_ok({test::cli(), "verify", so.string()});
  EXPECT_NE(r.out.find("digest absent"), std::string::npos) << r.out;
}

struct Damaged {
  std::string file;
  std::string needle;
};

std::vector<Damaged> damaged_corpus() {
  std::vector<Damaged> out;
  std::ifstream in(fs::path(MBLOB_SOURCE_DIR) / "tests/data/damaged/EXPECTED");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    out.push_back({line.substr(0, tab), tab == std::string::npos ? "" : line.substr(tab + 1)});
  }
  return out;
}

TEST(Verify, DamagedCorpusIsExit1WithOneErrorLineNeverASignal) {
  auto corpus = damaged_corpus();
  ASSERT_GE(corpus.size(), 20u);
  fs::path dir = fs::path(MBLOB_SOURCE_DIR) / "tests/data/damaged";
  for (const auto& c : corpus) {
    SCOPED_TRACE(c.file);
    fs::path f = dir / c.file;
    ASSERT_TRUE(fs::exists(f));
    auto r = test::run({test::cli(), "verify", f.string()});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("mblob: error: " + f.string(), 0), 0u) << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    // inspect and extract read the same file: an error (or, for a digest mismatch or a file
    // without a blob, a report), never a signal.
    for (std::vector<std::string> argv :
         {std::vector<std::string>{test::cli(), "inspect", f.string()},
          std::vector<std::string>{test::cli(), "inspect", "--json", f.string()}}) {
      auto i = test::run(argv);
      EXPECT_LT(i.exit_code, 2) << i.err;
      if (i.exit_code == 1) {
        EXPECT_NE(i.err.find(f.string()), std::string::npos) << i.err;
      }
    }
    TempDir out;
    auto x = test::run({test::cli(), "extract", f.string(), "-o", (out / "x").string(), "-q"});
    EXPECT_LT(x.exit_code, 2) << x.err;
  }
}

}  // namespace
}  // namespace mblob
