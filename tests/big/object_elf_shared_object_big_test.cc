// Label "big": a blob-only shared object holding a blob past 4 GiB (a sparse input) loads in
// glibc, with the blob's bytes where 32-bit arithmetic would go wrong and its full st_size.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>

#include "../object_tools.h"
#include "mblob/object/elf_shared_object.h"

namespace mblob::test {
namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

TEST(ElfSharedObjectBig, BlobPast4GiBLoadsWithItsBytesAndSize) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  TempDir dir;
  // The output is not sparse (the copy writes the zeros): it needs the blob's size on disk.
  if (free_bytes(dir.path()) < 12 * kGiB) {
    GTEST_SKIP() << "SKIPPED: needs 12 GiB free in " << dir.path() << ", have "
                 << free_bytes(dir.path()) / kGiB << " GiB";
  }
  const std::uint64_t size = 4 * kGiB + 4097;
  fs::path in = dir / "big.bin", out = dir / "big.so";
  const std::vector<ByteMark> marks = {
      {0, 0xa1}, {4 * kGiB - 1, 0xb2}, {4 * kGiB, 0xc3}, {size - 1, 0xd4}};
  write_sparse(in, size, marks);
  if (HasFatalFailure()) return;
  SharedObjectSpec spec;
  spec.symbol = "__tvm_ffi__library_bin";
  write_shared_object(spec, ByteSource::from_file(in), out);
  fs::remove(in);
  auto gnu = run({"readelf", "-a", "-W", out.string()});
  EXPECT_EQ(obj::warnings_in(gnu), "");

  void* h = ::dlopen(out.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << ::dlerror();
  const auto* blob = static_cast<const std::uint8_t*>(::dlsym(h, "__tvm_ffi__library_bin"));
  ASSERT_NE(blob, nullptr);
  for (auto [off, v] : marks) EXPECT_EQ(blob[off], v) << "offset " << off;
  Dl_info info{};
  void* entry = nullptr;
  ASSERT_NE(::dladdr1(blob, &info, &entry, RTLD_DL_SYMENT), 0);
  EXPECT_EQ(static_cast<const ElfW(Sym)*>(entry)->st_size, size);
  ::dlclose(h);
}

}  // namespace
}  // namespace mblob::test
