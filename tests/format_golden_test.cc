// format: golden byte sequences written by hand from the layout facts (docs/format.md), not
// produced by mblob's writer; and round trips through both layouts.
#include <gtest/gtest.h>

#include "mblob/format/reader.h"
#include "mblob/format/writer.h"
#include "support/test_support.h"

namespace mblob {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Hand encoders: u64 little-endian, and str/bytes = u64 length + raw bytes.
void u64(Bytes& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void str(Bytes& b, const std::string& s) {
  u64(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}
Bytes with_header(const Bytes& body) {
  Bytes out;
  u64(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

ModuleTree host_with_two_imports() {
  // root: host code importing a "cuda" module and a "params" module.
  ModuleTree t;
  t.add({"", true, {}, {1, 2}});
  t.add({"cuda", false, ByteSource::from_bytes({'a', 'b', 'c'}), {}});
  t.add({"params", false, ByteSource::from_bytes({'x', 'y'}), {}});
  return t;
}

SerializeOptions quiet(Format f) {
  SerializeOptions o;
  o.format = f;
  o.warn = [](const std::string&) {};
  return o;
}

TEST(FormatGolden, FfiLayoutMatchesHandWrittenBytes) {
  // The depth-first walk pops "params" (pushed last) before "cuda": _lib=0, params=1, cuda=2.
  Bytes body;
  u64(body, 4);  // row_ptr: 4 entries
  for (std::uint64_t v : {0, 2, 2, 2}) u64(body, v);
  u64(body, 2);  // child_indices: 2 entries
  u64(body, 1);
  u64(body, 2);
  str(body, "_lib");
  str(body, "params");
  str(body, "xy");
  str(body, "cuda");
  str(body, "abc");
  EXPECT_EQ(serialize(host_with_two_imports(), quiet(Format::ffi)).read_all(), with_header(body));
}

TEST(FormatGolden, LegacyLayoutMatchesHandWrittenBytes) {
  Bytes body;
  u64(body, 4);  // 3 modules + the "_import_tree" entry
  str(body, "_lib");
  str(body, "params");
  str(body, "xy");  // mblob's self-delimiting payload: one length-prefixed field
  str(body, "cuda");
  str(body, "abc");
  str(body, "_import_tree");
  u64(body, 4);
  for (std::uint64_t v : {0, 2, 2, 2}) u64(body, v);
  u64(body, 2);
  u64(body, 1);
  u64(body, 2);
  EXPECT_EQ(serialize(host_with_two_imports(), quiet(Format::legacy)).read_all(),
            with_header(body));
}

TEST(FormatGolden, LegacyRawPayloadIsWrittenVerbatim) {
  ModuleTree t = host_with_two_imports();
  t.nodes[1].legacy_raw = true;  // the module's own TVM stream
  Bytes body;
  u64(body, 4);
  str(body, "_lib");
  str(body, "params");
  str(body, "xy");
  str(body, "cuda");
  body.insert(body.end(), {'a', 'b', 'c'});
  str(body, "_import_tree");
  u64(body, 4);
  for (std::uint64_t v : {0, 2, 2, 2}) u64(body, v);
  u64(body, 2);
  u64(body, 1);
  u64(body, 2);
  EXPECT_EQ(serialize(t, quiet(Format::legacy)).read_all(), with_header(body));
}

TEST(FormatGolden, LoneHostModuleLegacyIsCountZero) {
  ModuleTree t;
  t.add({"", true, {}, {}});
  Bytes body;
  u64(body, 0);
  EXPECT_EQ(serialize(t, quiet(Format::legacy)).read_all(), with_header(body));
}

TEST(FormatGolden, HostRootImportingOnlyHostCodeLegacyStillHasAnImportTree) {
  // TVM omits the import tree only when the root is host code with no imports at all.
  ModuleTree t;
  t.add({"", true, {}, {1}});
  t.add({"", true, {}, {}});
  Bytes body;
  u64(body, 2);
  str(body, "_lib");
  str(body, "_import_tree");
  u64(body, 2);
  u64(body, 0);
  u64(body, 0);
  u64(body, 0);
  EXPECT_EQ(serialize(t, quiet(Format::legacy)).read_all(), with_header(body));
}

TEST(FormatGolden, LibAsADeviceKindIsRefused) {
  ModuleTree t;
  t.add({"_lib", false, ByteSource::from_bytes({1}), {}});
  EXPECT_THROW(serialize(t, quiet(Format::ffi)), Error);
}

TEST(FormatGolden, LoneHostModuleFfiIsOneLibEntry) {
  ModuleTree t;
  t.add({"", true, {}, {}});
  Bytes body;
  u64(body, 2);
  u64(body, 0);
  u64(body, 0);
  u64(body, 0);
  str(body, "_lib");
  EXPECT_EQ(serialize(t, quiet(Format::ffi)).read_all(), with_header(body));
}

TEST(FormatGolden, NonHostRootComesFirst) {
  // root "metadata" imports host code, which imports "cuda": metadata=0, _lib=1, cuda=2.
  ModuleTree t;
  t.add({"metadata", false, ByteSource::from_bytes({'m'}), {1}});
  t.add({"", true, {}, {2}});
  t.add({"cuda", false, ByteSource::from_bytes({'c'}), {}});
  Bytes body;
  u64(body, 4);
  for (std::uint64_t v : {0, 1, 2, 2}) u64(body, v);
  u64(body, 2);
  u64(body, 1);
  u64(body, 2);
  str(body, "metadata");
  str(body, "m");
  str(body, "_lib");
  str(body, "cuda");
  str(body, "c");
  EXPECT_EQ(serialize(t, quiet(Format::ffi)).read_all(), with_header(body));
}

TEST(FormatGolden, FfiEmptyPayloadWarns) {
  ModuleTree t;
  t.add({"", true, {}, {1}});
  t.add({"empty", false, {}, {}});
  std::vector<std::string> warnings;
  SerializeOptions o;
  o.warn = [&](const std::string& w) { warnings.push_back(w); };
  serialize(t, o);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("tvm-ffi"), std::string::npos);
  warnings.clear();
  o.format = Format::legacy;
  serialize(t, o);
  EXPECT_TRUE(warnings.empty());
}

TEST(FormatGolden, ReservedKindsAreRefused) {
  ModuleTree t;
  t.add({"_import_tree", false, ByteSource::from_bytes({1}), {}});
  EXPECT_THROW(serialize(t, quiet(Format::ffi)), Error);
}

// Round trips: write, parse, compare kinds, payloads and the import tree.
class RoundTrip : public ::testing::TestWithParam<Format> {};

TEST_P(RoundTrip, SharedImportsAndSeveralHostModules) {
  // Two host modules (merged into one "_lib"), a module imported by three parents (written
  // once), a chain below it, and payload bytes from a file on disk.
  test::TempDir d;
  auto weights = test::pattern_bytes(300000, 7);
  test::write_bytes(d / "w.bin", weights);
  ModuleTree t;
  t.add({"", true, {}, {1, 2, 3}});                                       // 0 host A
  t.add({"", true, {}, {3, 4}});                                          // 1 host B
  t.add({"cuda", false, ByteSource::from_bytes({'p', 't', 'x'}), {4}});   // 2
  t.add({"const_loader", false, ByteSource::from_bytes({'k'}), {4, 5}});  // 3
  t.add({"params", false, ByteSource::from_file(d / "w.bin"), {}});       // 4 shared by 1, 2, 3
  t.add({"metadata", false, ByteSource::from_bytes({'z', 'z'}), {}});     // 5

  FlatTree flat = flatten(t);
  ASSERT_EQ(flat.groups.size(), 5u);  // 2 host modules merged, "params" once
  Bytes blob = serialize(t, quiet(GetParam())).read_all();
  ParsedBlob p = parse_blob(blob, GetParam(), "round trip");
  EXPECT_EQ(p.blob_bytes, blob.size());
  ASSERT_EQ(p.entries.size(), 5u);
  EXPECT_EQ(p.row_ptr, flat.row_ptr);
  EXPECT_EQ(p.child_indices, flat.child_indices);
  int libs = 0;
  for (std::size_t i = 0; i < p.entries.size(); ++i) {
    if (p.entries[i].is_lib()) {
      ++libs;
      continue;
    }
    const auto& node = t.nodes[flat.groups[i][0]];
    EXPECT_EQ(p.entries[i].kind, node.kind);
    EXPECT_EQ(p.entries[i].payload.to_vector(), node.payload.read_all());
  }
  EXPECT_EQ(libs, 1);
  // Every parent's children come after it (the reader enforces it; the writer must produce it).
  for (std::size_t i = 0; i < p.entries.size(); ++i) {
    for (auto c : p.imports_of(i)) EXPECT_GT(c, i);
  }
}

INSTANTIATE_TEST_SUITE_P(BothLayouts, RoundTrip, ::testing::Values(Format::ffi, Format::legacy),
                         [](const auto& info) { return std::string(format_name(info.param)); });

}  // namespace
}  // namespace mblob

namespace mblob {
namespace {

TEST(ImportTree, MergingHostModulesIntoACycleIsRefused) {
  // host A imports "x", "x" imports host B: merged, _lib imports x and x imports _lib.
  ModuleTree t;
  t.add({"", true, {}, {1}});
  t.add({"x", false, ByteSource::from_bytes({1}), {2}});
  t.add({"", true, {}, {}});
  try {
    flatten(t);
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("cycle"), std::string::npos) << m;
    EXPECT_NE(m.find("\"x\""), std::string::npos) << m;
  }
}

TEST(ImportTree, CycleBetweenDeviceModulesIsRefused) {
  ModuleTree t;
  t.add({"a", false, ByteSource::from_bytes({1}), {1}});
  t.add({"b", false, ByteSource::from_bytes({1}), {0}});
  try {
    flatten(t);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos) << e.what();
  }
}

TEST(ImportTree, CycleErrorNamesAnEdgeOnTheCycleNotDownstreamOfIt) {
  // root -> b, b -> c, c -> b (the cycle), c -> d (downstream of it).
  ModuleTree t;
  t.add({"root", false, ByteSource::from_bytes({1}), {1}});
  t.add({"b", false, ByteSource::from_bytes({1}), {2}});
  t.add({"c", false, ByteSource::from_bytes({1}), {1, 3}});
  t.add({"d", false, ByteSource::from_bytes({1}), {}});
  try {
    flatten(t);
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_TRUE(m.find("parent \"b\", child \"c\"") != std::string::npos ||
                m.find("parent \"c\", child \"b\"") != std::string::npos)
        << m;
  }
}

TEST(ImportTree, ImportOutOfRangeIsRefused) {
  ModuleTree t;
  t.add({"a", false, ByteSource::from_bytes({1}), {5}});
  EXPECT_THROW(flatten(t), Error);
}

TEST(ImportTree, TvmDepthFirstOrderIsKeptWhenItIsForward) {
  // root imports [a, b]; b imports c. Stack pops b (pushed last) first: root=0, b=1, c=2, a=3.
  ModuleTree t;
  t.add({"root", false, ByteSource::from_bytes({1}), {1, 2}});
  t.add({"a", false, ByteSource::from_bytes({1}), {}});
  t.add({"b", false, ByteSource::from_bytes({1}), {3}});
  t.add({"c", false, ByteSource::from_bytes({1}), {}});
  FlatTree f = flatten(t);
  std::vector<std::vector<std::size_t>> groups = {{0}, {2}, {3}, {1}};
  EXPECT_EQ(f.groups, groups);
  EXPECT_EQ(f.row_ptr, (std::vector<std::uint64_t>{0, 2, 3, 3, 3}));
  EXPECT_EQ(f.child_indices, (std::vector<std::uint64_t>{1, 3, 2}));
}

TEST(ImportTree, SharedModuleReachedThroughASiblingIsRenumberedTopologically) {
  // root imports [c, s]; c imports s. TVM pops s first (index 1) then c (index 2), so c's child
  // would come before c, and TVM refuses. mblob puts c before s.
  ModuleTree t;
  t.add({"root", false, ByteSource::from_bytes({1}), {1, 2}});
  t.add({"c", false, ByteSource::from_bytes({1}), {2}});
  t.add({"s", false, ByteSource::from_bytes({1}), {}});
  FlatTree f = flatten(t);
  std::vector<std::vector<std::size_t>> groups = {{0}, {1}, {2}};
  EXPECT_EQ(f.groups, groups);
  EXPECT_EQ(f.row_ptr, (std::vector<std::uint64_t>{0, 2, 3, 3}));
  EXPECT_EQ(f.child_indices, (std::vector<std::uint64_t>{1, 2, 2}));
}

}  // namespace
}  // namespace mblob
