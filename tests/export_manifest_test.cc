// export/manifest: what `mblob export` says about a manifest it refuses. Every message names the
// manifest and the key or module, in one line that quotes nothing raw.
#include <gtest/gtest.h>

#include "mblob/export/export.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;

// `mblob export` of a manifest with this text, beside a payload w.bin; the error line.
struct Refused {
  test::TempDir dir;
  test::RunResult r;
  explicit Refused(const std::string& manifest) {
    test::write_bytes(dir / "w.bin", test::pattern_bytes(64));
    test::write_text(dir / "m.json", manifest);
    r = test::run(
        {test::cli(), "export", (dir / "m.json").string(), "-o", (dir / "o.so").string()});
  }
  void expect(const std::string& needle) const {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("mblob: error: " + (dir / "m.json").string() + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.find("[json.exception"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "o.so"));
  }
};

TEST(Manifest, ManifestDuplicateKeyIsRefused) {
  // In a module (nlohmann would keep the second "payload" silently).
  Refused(R"({"modules":[{"name":"h","kind":"host","imports":["g"]},
                         {"name":"g","kind":"cuda","payload":"w.bin","payload":"other.bin"}]})")
      .expect("duplicate key \"payload\" (at modules[1].payload)");
  // At the top level.
  Refused(R"({"format":"ffi","modules":[{"name":"h","kind":"host"}],"format":"legacy"})")
      .expect("duplicate key \"format\" (at format)");
  // In any object, however deep: the check is in the parser, not in the keys mblob knows.
  Refused(R"({"modules":[{"name":"h","kind":"host","x":{"y":[{"z":1,"z":2}]}}]})")
      .expect("duplicate key \"z\" (at modules[0].x.y[0].z)");
}

TEST(Manifest, ManifestNumberOverflowNamesKey) {
  Refused(R"({"modules":[{"name":"h","kind":"host","imports":["g"]},
                         {"name":"g","kind":"cuda","payload":"w.bin","legacy_raw":1e999}]})")
      .expect("key \"modules[1].legacy_raw\": number overflow parsing '1e999'");
}

TEST(Manifest, ManifestSyntaxErrorSaysWhere) {
  Refused(R"({"modules":[{"name":"h","kind":"host"},)")
      .expect("not valid JSON (at \"modules[1]\"): parse error at line 1");
}

TEST(Manifest, ManifestUnimportedModuleIsRefusedByName) {
  Refused(R"({"modules":[{"name":"h","kind":"host","imports":["g"]},
                         {"name":"g","kind":"cuda","payload":"w.bin"},
                         {"name":"lost","kind":"params","payload":"w.bin"}]})")
      .expect("module \"lost\" is not imported by the root \"h\" or by anything it imports");
  Refused(R"({"modules":[{"name":"h","kind":"host"},
                         {"name":"a","kind":"x","payload":"w.bin","imports":["b"]},
                         {"name":"b","kind":"y","payload":"w.bin","imports":["a"]}]})")
      .expect("modules \"a\", \"b\" are not imported by the root \"h\"");
}

TEST(Manifest, ManifestNamesAndKeysAreQuotedPrintably) {
  Refused("{\"modules\":[{\"name\":\"h\\u001b]0;x\\u0007\\n\",\"kind\":\"host\",\"k\\u001b\":1}]}")
      .expect("module \"h\\x1b]0;x\\x07\\x0a\": unknown key \"k\\x1b\"");
}

TEST(Manifest, ManifestThatIsADirectorySaysSo) {
  test::TempDir dir;
  auto r = test::run({test::cli(), "export", dir.path().string(), "-o", (dir / "o.so").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(dir.path().string() + ": is a directory, not a manifest"), std::string::npos)
      << r.err;
}

TEST(Manifest, ManifestOfAReachableTreeStillReads) {
  test::TempDir dir;
  test::write_bytes(dir / "w.bin", test::pattern_bytes(64));
  test::write_text(dir / "m.json", R"({"modules":[{"name":"h","kind":"host","imports":["g","w"]},
      {"name":"g","kind":"cuda","payload":"w.bin","imports":["w"]},
      {"name":"w","kind":"params","payload":"w.bin"}]})");
  Manifest m = read_manifest(dir / "m.json");
  ASSERT_EQ(m.tree.nodes.size(), 3u);
  EXPECT_EQ(m.tree.nodes[1].imports, std::vector<std::size_t>{2});
}

TEST(Manifest, ManifestUnknownKeySuggestsTheKey) {
  // In a module ("payload" misspelt) and at the top level ("modules" misspelt).
  Refused(R"({"modules":[{"name":"h","kind":"host","imports":["g"]},
                         {"name":"g","kind":"cuda","paylaod":"w.bin"}]})")
      .expect("module \"g\": unknown key \"paylaod\"; did you mean 'payload'?");
  Refused(R"({"format":"ffi","moduels":[]})")
      .expect("unknown key \"moduels\"; did you mean 'modules'?");
  // Nothing close: no suggestion.
  Refused far(R"({"format":"ffi","modules":[{"name":"h","kind":"host","zzzzzz":1}]})");
  far.expect("module \"h\": unknown key \"zzzzzz\"");
  EXPECT_EQ(far.r.err.find("did you mean"), std::string::npos) << far.r.err;
}

}  // namespace
}  // namespace mblob
