// Payload sizes at the edges: empty, one byte, odd sizes around page and word boundaries.
#include <gtest/gtest.h>

#include "mblob/object/target.h"
#include "object_tools.h"

namespace mblob::test {
namespace {

// Packs `size` bytes for the host, links a .so with the default linker, dlopens it, compares.
void host_round_trip(std::size_t size) {
  SCOPED_TRACE("size " + std::to_string(size));
  TempDir dir;
  auto payload = pattern_bytes(size, static_cast<std::uint32_t>(size) + 1);
  write_bytes(dir / "in.bin", payload);
  auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "blob.o").string(), "--symbol",
                      "blob", "--size-symbol"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& f :
       {obj::readelf((dir / "blob.o").string()), obj::readobj((dir / "blob.o").string())}) {
    EXPECT_EQ(f.diagnostics, "");
    ASSERT_NE(f.symbol("blob"), nullptr);
    EXPECT_EQ(f.symbol("blob")->size, size);
    EXPECT_EQ(f.sections.at(1).size, size);
  }
  ASSERT_EQ(obj::link_host_so(dir.path(), dir / "blob.o", dir / "lib.so", "bfd"), "");
  obj::expect_host_so_holds(dir / "lib.so", payload, true);
}

TEST(ObjectSizes, EmptyBlobLinksAndHasSizeZero) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  host_round_trip(0);
}

TEST(ObjectSizes, OneByteBlobLinksAndHasSizeOne) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  host_round_trip(1);
}

TEST(ObjectSizes, OddSizesLinkWithExactBytes) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  for (std::size_t n : {3u, 7u, 4095u, 4097u, 65537u}) host_round_trip(n);
}

TEST(ObjectSizes, EmptyBlobParsesForEveryTarget) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  write_bytes(dir / "empty.bin", {});
  for (const auto& t : all_targets()) {
    if (t.container != Container::elf) continue;  // no native writer for other containers yet
    fs::path out = dir / "e.o";
    auto r = obj::pack({(dir / "empty.bin").string(), "-o", out.string(), "--symbol", "blob",
                        "--target", std::string(t.triple)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& f : {obj::readelf(out.string()), obj::readobj(out.string())}) {
      EXPECT_EQ(f.diagnostics, "") << t.triple;
      ASSERT_NE(f.symbol("blob"), nullptr) << t.triple;
      EXPECT_EQ(f.symbol("blob")->size, 0u) << t.triple;
    }
  }
}

TEST(ObjectSizes, EmptyStdinMakesAnEmptyBlob) {
  TempDir dir;
  auto r = run({cli(), "pack", "-", "-o", (dir / "e.o").string(), "--symbol", "blob", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto f = obj::readelf((dir / "e.o").string());
  EXPECT_EQ(f.diagnostics, "");
  ASSERT_NE(f.symbol("blob"), nullptr);
  EXPECT_EQ(f.symbol("blob")->size, 0u);
}

}  // namespace
}  // namespace mblob::test
