// core: bounds-checked readers and writers, atomic files, byte sources.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "mblob/core/byte_source.h"
#include "mblob/core/bytes.h"
#include "mblob/core/file.h"
#include "support/test_support.h"

namespace mblob {
namespace {

using test::TempDir;

TEST(Reader, ReadsLittleAndBigEndian) {
  const std::uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8};
  Reader le(ByteView(b, 8), "t");
  EXPECT_EQ(le.u32(Endian::little), 0x04030201u);
  EXPECT_EQ(le.u32(Endian::big), 0x05060708u);
  EXPECT_TRUE(le.at_end());
  Reader r(ByteView(b, 8), "t");
  EXPECT_EQ(r.u64le(), 0x0807060504030201ull);
}

TEST(Reader, ShortReadNamesSourceOffsetAndExpectation) {
  const std::uint8_t b[] = {1, 2, 3};
  Reader r(ByteView(b, 3), "lib.so: symbol x", 100);
  r.u8();
  try {
    r.u32(Endian::little, "row count");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("lib.so: symbol x"), std::string::npos) << m;
    EXPECT_NE(m.find("offset 101"), std::string::npos) << m;
    EXPECT_NE(m.find("row count"), std::string::npos) << m;
  }
}

TEST(Reader, HugeVectorCountFailsBeforeAllocating) {
  ByteWriter w;
  w.u64(0x2000000000000000ull);  // 2^61 entries: count * 8 overflows
  w.u64(1);
  Reader r(w.view(), "t");
  EXPECT_THROW(r.vec_u64("row_ptr"), Error);
  ByteWriter w2;
  w2.u64(1000);  // plausible count, but the bytes are not there
  Reader r2(w2.view(), "t");
  EXPECT_THROW(r2.vec_u64("row_ptr"), Error);
}

TEST(Reader, LengthPastEndIsAnError) {
  ByteWriter w;
  w.u64(UINT64_MAX);
  Reader r(w.view(), "t");
  EXPECT_THROW(r.str("kind"), Error);
}

TEST(Reader, ExpectEndRejectsTrailingBytes) {
  const std::uint8_t b[] = {1, 2};
  Reader r(ByteView(b, 2), "t");
  r.u8();
  EXPECT_THROW(r.expect_end("last entry"), Error);
}

TEST(ByteWriter, WritesBothEndiansAndTvmEncodings) {
  ByteWriter be(Endian::big);
  be.u16(0x0102);
  be.u32(0x03040506);
  EXPECT_EQ(be.buffer(), (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
  ByteWriter w(Endian::big);  // TVM encodings are little-endian even in a big-endian writer
  w.str("ab");
  EXPECT_EQ(w.buffer(), (std::vector<std::uint8_t>{2, 0, 0, 0, 0, 0, 0, 0, 'a', 'b'}));
}

TEST(AtomicFile, UncommittedLeavesNothingAndKeepsOldFile) {
  TempDir d;
  auto target = d / "out.bin";
  test::write_text(target, "old");
  {
    AtomicFile f(target);
    f.write(ByteView(std::string_view("new contents")));
  }
  EXPECT_EQ(test::read_bytes(target), (std::vector<std::uint8_t>{'o', 'l', 'd'}));
  int files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(d.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, CommitReplacesTargetWithUmaskedMode) {
  TempDir d;
  auto target = d / "out.bin";
  write_file_atomic(target, ByteView(std::string_view("hello")));
  EXPECT_EQ(test::read_bytes(target).size(), 5u);
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777, 0666u & ~mask);
}

TEST(ByteSource, ConcatenatesMemoryAndFileRanges) {
  TempDir d;
  auto data = test::pattern_bytes(100000);
  test::write_bytes(d / "p.bin", data);
  ByteSource s;
  s.append(std::vector<std::uint8_t>{9, 9});
  s.append_file(d / "p.bin", 10, 5000);
  s.append_file(d / "p.bin");
  EXPECT_EQ(s.size(), 2u + 5000u + 100000u);
  auto all = s.read_all();
  ASSERT_EQ(all.size(), s.size());
  EXPECT_EQ(all[0], 9);
  EXPECT_TRUE(std::equal(data.begin() + 10, data.begin() + 5010, all.begin() + 2));
  EXPECT_TRUE(std::equal(data.begin(), data.end(), all.begin() + 5002));

  AtomicFile out(d / "copy.bin");
  s.write_to(out.fd(), "copy.bin");
  out.commit();
  EXPECT_EQ(test::read_bytes(d / "copy.bin"), all);
}

TEST(ByteSource, MissingFileIsAClearError) {
  ByteSource s;
  try {
    s.append_file("/nonexistent/weights.bin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/weights.bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace mblob
