// mblob inspect (inspect/inspect.h, tools/mblob/cmd_inspect.cc) on files real tools made: host
// libraries (compared with `mblob load`), libraries cross-built for aarch64, riscv64, hexagon,
// big-endian ppc64 and i686, stripped libraries, archives of several prefixed blobs, the older
// ffi symbol name, executables and objects. Nothing is loaded: the files are only read.
#include "mblob/inspect/inspect.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mblob/core/digest.h"
#include "mblob/export/export.h"
#include "mblob/format/writer.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::TempDir;

// A model directory: host code, a device module importing the weights, and a manifest.
struct Model : test::SampleModel {
  explicit Model(const std::string& format = "ffi")
      : SampleModel({.format = format, .weight_bytes = 20001}) {}
  // The serialized blob, as a file (for `mblob pack`).
  fs::path blob_file() const {
    Manifest m = read_manifest(manifest);
    SerializeOptions o;
    if (m.format) o.format = *m.format;
    fs::path out = dir / "blob.bin";
    test::write_bytes(out, serialize(m.tree, o).read_all());
    return out;
  }
};

json inspect_json(const std::vector<std::string>& files) {
  std::vector<std::string> argv = {test::cli(), "inspect", "--json"};
  argv.insert(argv.end(), files.begin(), files.end());
  auto r = test::run_ok(argv);
  return json::parse(r.out);
}

json load_json(const fs::path& so) {
  return json::parse(test::run_ok({test::cli(), "load", so.string(), "--json"}).out);
}

// The payload digests of an inspect object, by kind.
std::map<std::string, std::string> payload_digests(const json& blob) {
  std::map<std::string, std::string> out;
  for (const auto& m : blob["modules"]) {
    if (m.contains("xxh3_64")) out[m["kind"]] = m["xxh3_64"];
  }
  return out;
}

// The digests the host export of `m` gives (the reference every other build must match).
std::map<std::string, std::string> host_digests(const Model& m) {
  return payload_digests(inspect_json({m.exported("ref.so").string()})[0]);
}

TEST(Inspect, AgreesWithLoadOnHostLibraries) {
  for (const char* format : {"ffi", "legacy"}) {
    SCOPED_TRACE(format);
    Model m(format);
    fs::path so = m.exported("model.so");
    json loaded = load_json(so);
    json inspected = inspect_json({so.string()});
    ASSERT_EQ(inspected.size(), 1u);
    const json& b = inspected[0];
    for (const char* key : {"format", "symbol", "blob_bytes", "modules"}) {
      EXPECT_EQ(b[key], loaded[key]) << key;
    }
    EXPECT_EQ(b["file"], so.string());
    EXPECT_EQ(b["container"], "elf64-x86-64");
    EXPECT_EQ(b["machine"], "x86-64");
    EXPECT_EQ(b["prefix"], "");
    EXPECT_EQ(b["digest"], "ok");
    EXPECT_FALSE(b.contains("member"));
    // The text form: a header line, then the tree.
    auto text = test::run_ok({test::cli(), "inspect", so.string()}).out;
    EXPECT_NE(text.find(so.string() + ": elf64-x86-64, machine x86-64, prefix \"\", digest ok"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("params  20001 bytes"), std::string::npos) << text;
  }
}

TEST(Inspect, DigestIsTheXxh3_128OfTheBlobSymbolsBytes) {
  Model m;
  fs::path so = m.exported("model.so");
  InspectedFile f = inspect_file(so);
  ASSERT_EQ(f.blobs.size(), 1u);
  const FoundBlob& b = f.blobs[0];
  EXPECT_EQ(b.digest, DigestStatus::ok);
  ASSERT_TRUE(b.stored.has_value());
  auto blob = test::read_bytes(m.blob_file());
  EXPECT_EQ(digest_hex(*b.stored), digest_hex(xxh3_128(ByteView(blob))));
  // xxhsum -H2 prints the same 32 hex digits (canonical order: high half first, big-endian).
  std::string xxhsum = test::find_tool("xxhsum");
  if (!xxhsum.empty()) {
    auto r = test::run_ok({xxhsum, "-H2", m.blob_file().string()});
    EXPECT_NE(r.out.find(digest_hex(*b.stored)), std::string::npos) << r.out;
  }
}

TEST(Inspect, NoDigestExportIsAbsent) {
  Model m;
  json b = inspect_json({m.exported("model.so", {"--no-digest"}).string()})[0];
  EXPECT_EQ(b["digest"], "absent");
}

struct CrossCase {
  const char* triple;
  const char* container;
  const char* machine;
};

TEST(Inspect, CrossBuiltLibrariesInspectWithoutLoading) {
  Model m;
  auto expected = host_digests(m);
  for (CrossCase c : {CrossCase{"aarch64-linux-gnu", "elf64-littleaarch64", "aarch64"},
                      CrossCase{"riscv64-linux-gnu", "elf64-littleriscv", "riscv"}}) {
    SCOPED_TRACE(c.triple);
    if (test::find_tool(std::string(c.triple) + "-gcc").empty()) {
      std::printf("SKIPPED part: %s-gcc is not installed\n", c.triple);
      continue;
    }
    fs::path so = m.exported(std::string(c.triple) + ".so", {"--target", c.triple});
    json b = inspect_json({so.string()})[0];
    EXPECT_EQ(b["container"], c.container);
    EXPECT_EQ(b["machine"], c.machine);
    EXPECT_EQ(b["digest"], "ok");
    EXPECT_EQ(payload_digests(b), expected);
    // load refuses it and points to inspect.
    auto r = test::run({test::cli(), "load", so.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("mblob inspect"), std::string::npos) << r.err;
  }
}

// Objects from `mblob pack --target T --digest`, linked by the target's linker into a shared
// object where one is installed (`link` gives its argv; the objects are appended).
struct PackedCase {
  const char* target;
  const char* container;
  std::vector<std::string> link;
};

class InspectPacked : public ::testing::TestWithParam<PackedCase> {};

TEST_P(InspectPacked, LinkedOrNotTheBlobAndItsDigestAreRead) {
  const PackedCase& c = GetParam();
  Model m;
  auto expected = host_digests(m);
  fs::path obj = m.dir / "blob.o";
  test::run_ok({test::cli(), "pack", m.blob_file().string(), "-o", obj.string(), "--symbol",
                "__tvm_ffi__library_bin", "--target", c.target, "--digest", "-q"});
  fs::path digest_obj = m.dir / "blob.digest.o";
  json o = inspect_json({obj.string()})[0];
  EXPECT_EQ(o["container"], c.container);
  EXPECT_EQ(o["digest"], "absent");  // the digest is in the other object
  EXPECT_EQ(payload_digests(o), expected);
  std::string linker = c.link.empty() ? "" : test::find_tool(c.link[0]);
  if (linker.empty()) GTEST_SKIP() << "SKIPPED: linking (no " << c.link[0] << "); objects read";
  std::vector<std::string> argv = c.link;
  argv[0] = linker;
  fs::path so = m.dir / "lib.so";
  argv.insert(argv.end(), {"-o", so.string(), obj.string(), digest_obj.string()});
  test::run_ok(argv);
  json b = inspect_json({so.string()})[0];
  EXPECT_EQ(b["container"], c.container);
  EXPECT_EQ(b["digest"], "ok");
  EXPECT_EQ(payload_digests(b), expected);
  test::run_ok({test::cli(), "verify", so.string(), "-q"});
}

INSTANTIATE_TEST_SUITE_P(
    Targets, InspectPacked,
    ::testing::Values(
        PackedCase{"hexagon-unknown-elf:v68", "elf32-hexagon", {"ld.lld", "-shared"}},
        PackedCase{"powerpc64-linux-gnu", "elf64-powerpc", {"powerpc64-linux-gnu-ld", "-shared"}},
        PackedCase{"i686-linux-gnu", "elf32-i386", {"ld", "-m", "elf_i386", "-shared"}},
        PackedCase{"aarch64-linux-gnu", "elf64-littleaarch64", {"ld.lld", "-shared"}}),
    [](const auto& info) {
      std::string n = info.param.target;
      for (char& ch : n) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(Inspect, StrippedLibraryIsReadThroughDynsym) {
  MBLOB_REQUIRE_TOOL(strip, "strip");
  Model m;
  fs::path so = m.exported("model.so");
  test::run_ok({strip, "--strip-all", so.string()});
  json b = inspect_json({so.string()})[0];
  EXPECT_EQ(b["digest"], "ok");
  EXPECT_EQ(b["symbol"], "__tvm_ffi__library_bin");
  EXPECT_EQ(payload_digests(b), host_digests(m));
}

TEST(Inspect, ArchiveWithSeveralPrefixedBlobsListsEach) {
  MBLOB_REQUIRE_TOOL(ar, "ar");
  Model m;
  fs::path a = m.exported("liba.a", {"--system-lib", "--prefix", "a_"});
  fs::path b = m.exported("libb.a", {"--system-lib", "--prefix", "b_"});
  // One archive of both (member names repeat: `ar q` appends without replacing).
  fs::path both = m.dir / "both.a";
  for (const fs::path& lib : {a, b}) {
    fs::path x = m.dir / ("x_" + lib.stem().string());
    fs::create_directories(x);
    auto r = test::run({"sh", "-c", "cd '" + x.string() + "' && ar x '" + lib.string() + "'"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> argv = {ar, "q", both.string()};
    for (const auto& e : fs::directory_iterator(x)) argv.push_back(e.path().string());
    test::run_ok(argv);
  }
  json all = inspect_json({both.string()});
  ASSERT_EQ(all.size(), 2u) << all.dump();
  std::set<std::string> prefixes;
  for (const auto& blob : all) {
    prefixes.insert(blob["prefix"]);
    EXPECT_EQ(blob["symbol"], blob["prefix"].get<std::string>() + "__tvm_ffi__library_bin");
    EXPECT_TRUE(blob.contains("member"));
    EXPECT_EQ(blob["digest"], "ok");
    EXPECT_EQ(payload_digests(blob), host_digests(m));
  }
  EXPECT_EQ(prefixes, (std::set<std::string>{"a_", "b_"}));
}

TEST(Inspect, OlderFfiSymbolNameIsFound) {
  Model m;
  json b = inspect_json({m.exported("old.so", {"--symbol", "__tvm_ffi_library_bin"}).string()})[0];
  EXPECT_EQ(b["symbol"], "__tvm_ffi_library_bin");
  EXPECT_EQ(b["format"], "ffi");
  EXPECT_EQ(b["digest"], "ok");
}

TEST(Inspect, MingwDllIsReadThroughItsExportTable) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  Model m;
  json b = inspect_json(
      {m.exported("model.dll", {"--target", "x86_64-w64-mingw32", "--packer", "asm-incbin"})
           .string()})[0];
  EXPECT_EQ(b["container"], "pei-x86-64");
  EXPECT_EQ(b["machine"], "x86-64");
  EXPECT_EQ(b["symbol"], "__tvm_ffi__library_bin");
  EXPECT_EQ(b["digest"], "ok");  // exported from the DLL beside the blob
  EXPECT_EQ(payload_digests(b), host_digests(m));
}

TEST(Inspect, ExecutablesAndObjectsAreRead) {
  MBLOB_REQUIRE_TOOL(cc, "cc");
  Model m;
  fs::path ws = m.dir / "ws";
  // --link-blob: the blob's object (devc.o) is made and kept (a spliced export makes none).
  m.exported("model.so", {"--workspace", ws.string(), "--link-blob"});
  // The run's own directory inside the workspace (mblob-export-XXXXXX).
  for (const auto& e : fs::directory_iterator(ws)) {
    if (e.path().filename().string().rfind("mblob-export-", 0) == 0) ws = e.path();
  }
  // The export's own objects: the blob (no digest in that file) and the digest object.
  json o = inspect_json({(ws / "devc.o").string()})[0];
  EXPECT_EQ(o["digest"], "absent");
  EXPECT_EQ(payload_digests(o), host_digests(m));
  // An executable linking both.
  test::write_text(m.dir / "main.c",
                   "extern const unsigned char __tvm_ffi__library_bin[];\n"
                   "int main(void) { return __tvm_ffi__library_bin[0] == 0xff; }\n");
  fs::path exe = m.dir / "prog";
  test::run_ok({cc, (m.dir / "main.c").string(), (ws / "devc.o").string(),
                (ws / "mblob_digest.o").string(), "-o", exe.string()});
  json e = inspect_json({exe.string()})[0];
  EXPECT_EQ(e["digest"], "ok");
  EXPECT_EQ(payload_digests(e), host_digests(m));
}

TEST(Inspect, SeveralFilesGiveOneArrayInOrder) {
  Model m;
  fs::path a = m.exported("a.so");
  fs::path b = m.exported("b.so", {"--format", "legacy"});
  json all = inspect_json({a.string(), b.string()});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]["file"], a.string());
  EXPECT_EQ(all[1]["file"], b.string());
  EXPECT_EQ(all[1]["format"], "legacy");
}

TEST(Inspect, DamagedFileAmongOthersIsOneErrorLineAndExit1) {
  Model m;
  fs::path good = m.exported("good.so");
  test::write_text(m.dir / "junk.so", "not a library at all");
  auto r = test::run({test::cli(), "inspect", (m.dir / "junk.so").string(), good.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find((m.dir / "junk.so").string()), std::string::npos) << r.err;
  EXPECT_NE(r.out.find(good.string() + ": elf64-x86-64"), std::string::npos) << r.out;
}

TEST(Inspect, FifoIsRefusedNotWaitedOn) {
  TempDir d;
  fs::path fifo = d / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = test::run({test::cli(), "inspect", fifo.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a regular file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mblob
