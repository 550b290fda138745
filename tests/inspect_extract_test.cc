// mblob extract (inspect/extract.h, tools/mblob/cmd_extract.cc): payload files and a manifest
// that `mblob export` rebuilds an equivalent library from; the output directory is atomic.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mblob/inspect/extract.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::TempDir;

struct Model : test::SampleModel {
  explicit Model(const std::string& modules_json, const std::string& format = "ffi")
      : SampleModel({.format = format, .weight_bytes = 20001, .modules_json = modules_json}) {}
};

const char* kTree = R"([
  {"name":"host","kind":"host","sources":["host.c"],"imports":["gpu","w"]},
  {"name":"gpu","kind":"cuda","payload":"k.ptx","imports":["w"]},
  {"name":"w","kind":"params","payload":"w.bin"}])";

json inspect_one(const fs::path& f) {
  return json::parse(test::run_ok({test::cli(), "inspect", "--json", f.string()}).out)[0];
}

// Kinds with their payload digests, in module order, and the import lists: what "equivalent"
// means (module indices may be renumbered by the serializer, so compare as multisets).
std::multiset<std::string> signature(const json& b) {
  std::multiset<std::string> out;
  for (const auto& m : b["modules"]) {
    std::string kinds;
    for (const auto& i : m["imports"])
      kinds += b["modules"][i.get<std::size_t>()]["kind"].get<std::string>() + ",";
    out.insert(m["kind"].get<std::string>() + " " + m.value("xxh3_64", "-") + " -> " + kinds);
  }
  return out;
}

TEST(Extract, RoundTripExtractExportInspectGivesIdenticalDigests) {
  for (const char* format : {"ffi", "legacy"}) {
    SCOPED_TRACE(format);
    Model m(kTree, format);
    fs::path so = m.exported("model.so");
    fs::path out = m.dir / "x";
    test::run_ok({test::cli(), "extract", so.string(), "-o", out.string(), "-q"});
    json manifest = json::parse(std::string([&] {
      auto b = test::read_bytes(out / "manifest.json");
      return std::string(b.begin(), b.end());
    }()));
    EXPECT_EQ(manifest["format"], format);
    EXPECT_EQ(manifest["modules"][0]["kind"], "host");  // _lib: a host module without sources
    EXPECT_FALSE(manifest["modules"][0].contains("sources"));
    fs::path again = m.dir / "again.so";
    test::run_ok(
        {test::cli(), "export", (out / "manifest.json").string(), "-o", again.string(), "-q"});
    json a = inspect_one(so), b = inspect_one(again);
    EXPECT_EQ(signature(a), signature(b));
    EXPECT_EQ(a["blob_bytes"], b["blob_bytes"]);
    EXPECT_EQ(b["digest"], "ok");
    // The payload files hold the payloads' bytes.
    EXPECT_EQ(
        test::read_bytes(out / manifest["modules"][1]["payload"].get<std::string>()).size() +
            test::read_bytes(out / manifest["modules"][2]["payload"].get<std::string>()).size(),
        777u + 20001u);
  }
}

TEST(Extract, LegacyRawPayloadsAreMarkedAndRebuildByteForByte) {
  // A cuda module's own TVM stream (fmt: str, fmap: map<str, FunctionInfo> (empty), data: str),
  // as TVM's CUDAModuleNode::SaveToBinary writes it (src/runtime/cuda/cuda_module.cc).
  std::string stream;
  auto u64 = [&](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) stream += char(v >> (8 * i));
  };
  auto str = [&](const std::string& s) {
    u64(s.size());
    stream += s;
  };
  str("ptx");
  u64(0);
  str("// kernels");
  Model m(R"([{"name":"host","kind":"host","sources":["host.c"],"imports":["gpu"]},
              {"name":"gpu","kind":"cuda","payload":"cuda.bin","legacy_raw":true}])",
          "legacy");
  test::write_text(m.dir / "cuda.bin", stream);
  fs::path so = m.exported("model.so");
  fs::path out = m.dir / "x";
  test::run_ok({test::cli(), "extract", so.string(), "-o", out.string(), "-q"});
  auto text = test::read_bytes(out / "manifest.json");
  json manifest = json::parse(std::string(text.begin(), text.end()));
  EXPECT_EQ(manifest["modules"][1]["legacy_raw"], true);
  EXPECT_EQ(test::read_bytes(out / manifest["modules"][1]["payload"].get<std::string>()),
            test::read_bytes(m.dir / "cuda.bin"));
  fs::path again = m.dir / "again.so";
  test::run_ok(
      {test::cli(), "export", (out / "manifest.json").string(), "-o", again.string(), "-q"});
  EXPECT_EQ(signature(inspect_one(so)), signature(inspect_one(again)));
}

TEST(Extract, SeveralBlobsNeedPrefixOrMember) {
  MBLOB_REQUIRE_TOOL(ar, "ar");
  Model m(kTree);
  fs::path a = m.exported("liba.a", {"--system-lib", "--prefix", "a_"});
  fs::path x = m.dir / "members";
  fs::create_directories(x);
  auto r = test::run({"sh", "-c", "cd '" + x.string() + "' && ar x '" + a.string() + "'"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto none = test::run(
      {test::cli(), "extract", a.string(), "-o", (m.dir / "o1").string(), "-q", "--prefix", "zz_"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no blob matches --prefix/--member"), std::string::npos) << none.err;
  fs::path two = m.dir / "two.a";
  fs::path b = m.exported("libb.a", {"--system-lib", "--prefix", "b_"});
  fs::path y = m.dir / "members_b";
  fs::create_directories(y);
  r = test::run({"sh", "-c", "cd '" + y.string() + "' && ar x '" + b.string() + "'"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> argv = {ar, "q", two.string()};
  for (const fs::path& d : {x, y}) {
    for (const auto& e : fs::directory_iterator(d)) argv.push_back(e.path().string());
  }
  test::run_ok(argv);
  auto many = test::run({test::cli(), "extract", two.string(), "-o", (m.dir / "o2").string()});
  EXPECT_EQ(many.exit_code, 1);
  EXPECT_NE(many.err.find("the file has 2 blobs"), std::string::npos) << many.err;
  EXPECT_NE(many.err.find("choose one with --prefix or --member"), std::string::npos) << many.err;
  EXPECT_FALSE(fs::exists(m.dir / "o2"));
  test::run_ok({test::cli(), "extract", two.string(), "-o", (m.dir / "o3").string(), "--prefix",
                "b_", "-q"});
  EXPECT_TRUE(fs::exists(m.dir / "o3" / "manifest.json"));
}

TEST(Extract, NonEmptyDirectoryIsRefusedUnlessForce) {
  Model m(kTree);
  fs::path so = m.exported("model.so");
  fs::path out = m.dir / "x";
  fs::create_directories(out);
  test::write_text(out / "keep.txt", "mine");
  auto r = test::run({test::cli(), "extract", so.string(), "-o", out.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the directory is not empty (use --force to replace it)"), std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(out / "keep.txt"));
  test::run_ok({test::cli(), "extract", so.string(), "-o", out.string(), "--force", "-q"});
  EXPECT_FALSE(fs::exists(out / "keep.txt"));
  EXPECT_TRUE(fs::exists(out / "manifest.json"));
  // Nothing is left beside it.
  for (const auto& e : fs::directory_iterator(m.dir.path())) {
    EXPECT_EQ(e.path().filename().string().find("mblob-tmp"), std::string::npos) << e.path();
  }
}

TEST(Extract, EmptyExistingDirectoryIsFilled) {
  Model m(kTree);
  fs::path so = m.exported("model.so");
  fs::path out = m.dir / "x";
  fs::create_directories(out);
  test::run_ok({test::cli(), "extract", so.string(), "-o", out.string(), "-q"});
  EXPECT_TRUE(fs::exists(out / "manifest.json"));
}

TEST(Extract, SymlinkAsOutputIsRefused) {
  Model m(kTree);
  fs::path so = m.exported("model.so");
  fs::create_directories(m.dir / "elsewhere");
  fs::create_directory_symlink(m.dir / "elsewhere", m.dir / "link");
  auto r = test::run({test::cli(), "extract", so.string(), "-o", (m.dir / "link").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is a symbolic link"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(m.dir / "elsewhere"));
}

}  // namespace
}  // namespace mblob
