// Label "big": a 3 GiB (sparse) blob exports by splicing with each of GNU ld, gold, lld and mold
// on x86-64, loads through the runtime, and serves its bytes where 32-bit arithmetic would go
// wrong.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mblob/runtime/library.h"
#include "support/test_support.h"

namespace mblob::test {
namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

class ExportSpliceBig : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportSpliceBig, ThreeGiBBlobSplicesAndLoads) {
  const std::string linker = GetParam();
  MBLOB_REQUIRE_TOOL(ld, linker == "bfd"    ? "ld.bfd"
                         : linker == "gold" ? "ld.gold"
                         : linker == "lld"  ? "ld.lld"
                                            : "mold");
  TempDir dir;
  // The copy may write the zeros (copy_file_range need not keep holes): room for one output.
  if (free_bytes(dir.path()) < 8 * kGiB) {
    GTEST_SKIP() << "SKIPPED: needs 8 GiB free in " << dir.path();
  }
  const std::uint64_t size = 3 * kGiB + 4097;
  const std::vector<ByteMark> marks = {
      {0, 0xa1}, {2 * kGiB - 1, 0xb2}, {2 * kGiB, 0xc3}, {size - 1, 0xd4}};
  write_sparse((dir / "w.bin"), size, marks);
  if (HasFatalFailure()) return;
  write_text(dir / "host.c", "int model_add(int a, int b) { return a + b; }\n");
  write_text(dir / "model.json", R"({"format":"ffi","modules":[
    {"name":"host","kind":"host","sources":["host.c"],"imports":["w"]},
    {"name":"w","kind":"params","payload":"w.bin"}]})");
  const fs::path so = dir / "big.so";
  auto r = run_ok({cli(), "export", (dir / "model.json").string(), "-o", so.string(), "--linker",
                   linker, "--json", "-q"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["section"], ".mblob.blob");
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree t = load_library_tree(so, opts);
  ASSERT_EQ(t.modules.size(), 2u);
  ByteView payload = t.modules[1]->payload();
  ASSERT_EQ(payload.size(), size);
  for (auto [off, v] : marks) EXPECT_EQ(payload.data()[off], v) << "at " << off;
  auto* add = reinterpret_cast<int (*)(int, int)>(t.root->find_symbol("model_add"));
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add(40, 2), 42);
}

INSTANTIATE_TEST_SUITE_P(All, ExportSpliceBig,
                         ::testing::Values(std::string("bfd"), std::string("gold"),
                                           std::string("lld"), std::string("mold")),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace mblob::test
