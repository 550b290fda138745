// export for Windows targets: mingw rows pack the blob with the native COFF writer and link with
// mingw gcc; MSVC-flavoured rows compile with `clang -target` and link with lld-link. In every
// DLL the export table lists the blob symbol, export's own verify phase read it back, and
// `mblob inspect` reads the same bytes the serializer wrote.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mblob/export/export.h"
#include "mblob/format/writer.h"
#include "mblob/object/symbol_search.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct WindowsCase {
  std::string target;
  std::string tool;       // what must be installed to export for it
  std::string container;  // as inspect names the DLL's container
  std::string machine;
  bool msvc;
};

const WindowsCase kCases[] = {
    {"x86_64-w64-mingw32", "x86_64-w64-mingw32-gcc", "pei-x86-64", "x86-64", false},
    {"i686-w64-mingw32", "i686-w64-mingw32-gcc", "pei-i386", "x86", false},
    {"x86_64-pc-windows-msvc", "lld-link", "pei-x86-64", "x86-64", true},
    {"aarch64-pc-windows-msvc", "lld-link", "pei-aarch64-little", "aarch64", true},
};

// Host code exporting its function under both conventions: mingw ld exports every symbol
// (export passes --export-all-symbols), lld-link only what is dllexport'ed, as MSVC does.
test::SampleModel windows_model() {
  test::SampleModel m;
  test::write_text(m.dir / "host.c",
                   "__declspec(dllexport) int model_add(int a, int b) { return a + b; }\n");
  return m;
}

std::vector<std::uint8_t> serialized(const fs::path& manifest) {
  Manifest man = read_manifest(manifest);
  return serialize(man.tree, SerializeOptions{}).read_all();
}

void PrintTo(const WindowsCase& c, std::ostream* os) { *os << c.target; }

class ExportWindows : public ::testing::TestWithParam<WindowsCase> {};

TEST_P(ExportWindows, NativeBlobDllExportsTheBlobAndInspectReadsItBack) {
  const WindowsCase& c = GetParam();
  MBLOB_REQUIRE_TOOL(tool, c.tool);
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  test::SampleModel m = windows_model();
  const fs::path dll = m.dir / "model.dll";
  auto j = json::parse(test::run_ok({test::cli(), "export", m.manifest.string(), "-o", dll.string(),
                                     "--target", c.target, "--json", "-v"})
                           .out);
  EXPECT_EQ(j["packer"], "native");
  EXPECT_EQ(j["section"], ".rdata");
  bool verified = false;
  for (const auto& p : j["phases"]) verified = verified || p["name"] == "verify";
  EXPECT_TRUE(verified) << j.dump();
  // The link ran the row's linker.
  std::string link;
  for (const auto& s : j["tool_steps"]) {
    if (s["action"] == "link") link = s["command"];
  }
  if (c.msvc) {
    EXPECT_NE(link.find("lld-link"), std::string::npos) << link;
    EXPECT_NE(link.find("/dll"), std::string::npos) << link;
  } else {
    EXPECT_NE(link.find(c.tool), std::string::npos) << link;
  }

  auto exports = test::run_ok({readobj, "--coff-exports", dll.string()}).out;
  EXPECT_NE(exports.find("Name: __tvm_ffi__library_bin\n"), std::string::npos) << exports;
  EXPECT_NE(exports.find("Name: model_add\n"), std::string::npos) << exports;
  EXPECT_NE(exports.find("Name: __mblob_digest\n"), std::string::npos) << exports;

  // The bytes at the export are the serialized blob, byte for byte.
  const auto blob = serialized(m.manifest);
  const auto file = test::read_bytes(dll);
  auto found = find_blob_symbols(ByteView(file), dll.string());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].location.container, c.container);
  ASSERT_LE(blob.size(), found[0].location.size);
  EXPECT_TRUE(std::equal(blob.begin(), blob.end(),
                         file.begin() + static_cast<std::ptrdiff_t>(found[0].location.offset)));
  // And `mblob inspect` reads it: the tree's modules with the payloads' digests.
  auto inspected =
      json::parse(test::run_ok({test::cli(), "inspect", "--json", dll.string()}).out)[0];
  EXPECT_EQ(inspected["container"], c.container);
  EXPECT_EQ(inspected["machine"], c.machine);
  EXPECT_EQ(inspected["symbol"], "__tvm_ffi__library_bin");
  EXPECT_EQ(inspected["blob_bytes"], blob.size());
  EXPECT_EQ(inspected["digest"], "ok") << inspected.dump();
  EXPECT_EQ(test::run({test::cli(), "verify", dll.string()}).exit_code, 0);
  // The digest is checked: one changed byte of it and verify fails.
  auto digests = find_symbols(ByteView(file), dll.string(), [](std::string_view n) {
    return n == "__mblob_digest" || n == "___mblob_digest";
  });
  ASSERT_EQ(digests.size(), 1u);
  auto tampered = file;
  tampered[digests[0].offset] ^= 0xff;
  const fs::path bad = m.dir / "tampered.dll";
  test::write_bytes(bad, tampered);
  auto v = test::run({test::cli(), "verify", bad.string()});
  EXPECT_NE(v.exit_code, 0);
  EXPECT_NE(v.err.find("digest mismatch"), std::string::npos) << v.err;
}

// A system-lib build archives the native COFF object; the verify phase reads the member.
TEST_P(ExportWindows, SystemLibArchiveHoldsTheNativeObject) {
  const WindowsCase& c = GetParam();
  MBLOB_REQUIRE_TOOL(tool, c.tool);
  test::SampleModel m = windows_model();
  const fs::path lib = m.dir / "libmodel.a";
  test::run_ok({test::cli(), "export", m.manifest.string(), "-o", lib.string(), "--target",
                c.target, "--system-lib", "--prefix", "m_", "-q"});
  const auto file = test::read_bytes(lib);
  auto found = find_blob_symbols(ByteView(file), lib.string());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].prefix, "m_");
  const auto blob = serialized(m.manifest);
  ASSERT_LE(blob.size(), found[0].location.size);
  EXPECT_TRUE(std::equal(blob.begin(), blob.end(),
                         file.begin() + static_cast<std::ptrdiff_t>(found[0].location.offset)));
}

INSTANTIATE_TEST_SUITE_P(Rows, ExportWindows, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string n = info.param.target;
  for (auto& ch : n) {
    if (ch == '-') ch = '_';
  }
  return n;
});

}  // namespace
}  // namespace mblob
