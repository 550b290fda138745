// Temporaries of src/core/file.cc: which stale ones a new AtomicFile or TempDir removes, and how
// temporary directories are removed (never through a symlink).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <set>

#include "mblob/core/file.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

TEST(Temporaries, StaleTemporariesOfTheTargetAreRemovedAndNothingElse) {
  test::TempDir d;
  fs::create_directory(d / "stale-dir");
  // Unlocked: their owners are gone.
  test::write_text(d / ".out.o.mblob-tmp-AbC123", "stale file");
  fs::create_directory(d / ".out.o.mblob-tmp-dEf456");
  fs::create_directories(d / ".out.o.mblob-tmp-dEf456/sub/deeper");
  test::write_text(d / ".out.o.mblob-tmp-dEf456/sub/deeper/f", "x");
  // Not the temporaries of out.o: another output's, another prefix, another length.
  test::write_text(d / ".out.o.mblob-tmp-x.mblob-tmp-GhI789", "other output's");
  test::write_text(d / "out.o.mblob-tmp-JkL012", "no dot");
  test::write_text(d / ".out.o.mblob-tmp-AbC12", "five characters");
  test::write_text(d / ".other.o.mblob-tmp-AbC123", "other output's");

  AtomicFile out(d / "out.o");
  std::set<std::string> left = entries(d.path());
  left.erase(out.temp_path().filename().string());
  EXPECT_EQ(left, (std::set<std::string>{"stale-dir", ".out.o.mblob-tmp-x.mblob-tmp-GhI789",
                                         "out.o.mblob-tmp-JkL012", ".out.o.mblob-tmp-AbC12",
                                         ".other.o.mblob-tmp-AbC123"}));
}

TEST(Temporaries, LiveTemporaryIsKept) {
  test::TempDir d;
  AtomicFile first(d / "out.o");
  TempDir staging = TempDir::beside(d / "out.o");
  // Another owner's lock, as another process would hold it: a separate open file.
  test::write_text(d / ".out.o.mblob-tmp-LoCkEd", "held");
  int held = ::open((d / ".out.o.mblob-tmp-LoCkEd").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(::flock(held, LOCK_EX), 0);

  AtomicFile second(d / "out.o");
  TempDir staging2 = TempDir::beside(d / "out.o");
  EXPECT_TRUE(fs::exists(first.temp_path()));
  EXPECT_TRUE(fs::is_directory(staging.path()));
  EXPECT_TRUE(fs::exists(d / ".out.o.mblob-tmp-LoCkEd"));
  first.write(ByteView(std::string_view("first")));
  first.commit();
  second.write(ByteView(std::string_view("second")));
  second.commit();
  auto bytes = test::read_bytes(d / "out.o");
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "second");
  ::close(held);
}

TEST(Temporaries, StaleTemporaryThatIsASymlinkIsLeftAlone) {
  // Someone else's link named like our temporary: neither it nor what it points to is removed.
  test::TempDir d, elsewhere;
  test::write_text(elsewhere / "precious", "keep me");
  fs::create_directory_symlink(elsewhere.path(), d / ".out.so.mblob-tmp-SyMlNk");
  TempDir staging = TempDir::beside(d / "out.so");
  EXPECT_TRUE(fs::is_symlink(d / ".out.so.mblob-tmp-SyMlNk"));
  EXPECT_TRUE(fs::exists(elsewhere / "precious"));
}

TEST(Temporaries, TempDirRemovalNeverFollowsSymlinks) {
  test::TempDir elsewhere;
  test::write_text(elsewhere / "precious", "keep me");
  fs::path removed;
  {
    TempDir t = TempDir::beside(elsewhere / "out.so");
    removed = t.path();
    fs::create_directories(t.path() / "a/b");
    test::write_text(t.path() / "a/b/file", "x");
    fs::create_directory_symlink(elsewhere.path(), t.path() / "a/link");
    fs::create_symlink(elsewhere / "precious", t.path() / "file-link");
  }
  EXPECT_FALSE(fs::exists(removed));
  EXPECT_TRUE(fs::exists(elsewhere / "precious"));
}

TEST(Temporaries, PendingTemporaryDirectoriesAreRemovedLikeFiles) {
  // What a signal handler calls: every live temporary goes, files and whole directories.
  test::TempDir d;
  AtomicFile file(d / "out.o");
  TempDir dir = TempDir::beside(d / "out.so");
  fs::create_directories(dir.path() / "sub");
  test::write_text(dir.path() / "sub/f", "x");
  remove_pending_temp_files();
  EXPECT_TRUE(fs::is_empty(d.path())) << d.path();
}

}  // namespace
}  // namespace mblob
