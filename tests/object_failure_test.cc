// Failures: one clear line on stderr, exit 1, no temporary file left, the previous output intact.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

#include "object_tools.h"

namespace mblob::test {
namespace {

const std::string kPrevious = "previous output, must survive\n";

void expect_clean_failure(const RunResult& r, const fs::path& out, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err.rfind("mblob: error: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(obj::temp_files_in(out.parent_path()), 0) << "a temporary file was left behind";
  if (fs::exists(out)) {
    auto bytes = read_bytes(out);
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()), kPrevious) << "the old output changed";
  }
}

TEST(ObjectFailure, MissingInputIsAnErrorAndKeepsThePreviousOutput) {
  TempDir dir;
  write_text(dir / "out.o", kPrevious);
  auto r =
      obj::pack({(dir / "nope.bin").string(), "-o", (dir / "out.o").string(), "--symbol", "blob"});
  expect_clean_failure(r, dir / "out.o", "nope.bin");
  EXPECT_NE(r.err.find("nope.bin: does not exist"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir / "out.o"));
}

TEST(ObjectFailure, UnwritableOutputDirectoryIsAnError) {
  TempDir dir;
  fs::create_directory(dir / "ro");
  write_bytes(dir / "in.bin", pattern_bytes(1000));
  write_text(dir / "ro" / "out.o", kPrevious);
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir / "in.bin", fs::perms::owner_read | fs::perms::owner_write |
                                      fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec |
                                  fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  std::vector<std::string> argv = {
      cli(),  "pack", (dir / "in.bin").string(), "-o", (dir / "ro" / "out.o").string(), "--symbol",
      "blob", "-q"};
  if (::geteuid() == 0) {
    // root writes anywhere; drop to nobody so the directory's mode applies.
    MBLOB_REQUIRE_TOOL(setpriv, "setpriv");
    argv.insert(argv.begin(), {setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"});
  }
  auto r = run(argv);
  fs::permissions(dir / "ro", fs::perms::owner_all);
  expect_clean_failure(r, dir / "ro" / "out.o", "Permission denied");
  EXPECT_NE(r.err.find("out.o"), std::string::npos) << r.err;
}

TEST(ObjectFailure, DiskFullIsAnErrorAndLeavesNoPartialFile) {
  MBLOB_REQUIRE_TOOL(prlimit, "prlimit");
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(1 << 20));
  write_text(dir / "out.o", kPrevious);
  // RLIMIT_FSIZE stands in for a full disk: writes past 64 KiB fail with EFBIG (the CLI
  // ignores SIGXFSZ, which would otherwise kill it silently).
  auto r = run({prlimit, "--fsize=65536", cli(), "pack", (dir / "in.bin").string(), "-o",
                (dir / "out.o").string(), "--symbol", "blob", "-q"});
  expect_clean_failure(r, dir / "out.o", "File too large");
  EXPECT_TRUE(fs::exists(dir / "out.o"));
}

TEST(ObjectFailure, DiskFullWhileStreamingStdinLeavesNoPartialFile) {
  MBLOB_REQUIRE_TOOL(prlimit, "prlimit");
  TempDir dir;
  write_text(dir / "out.o", kPrevious);
  auto payload = pattern_bytes(1 << 20);
  // The CLI stops reading when it fails; the rest of our write must not kill the test.
  std::signal(SIGPIPE, SIG_IGN);
  auto r = run({prlimit, "--fsize=65536", cli(), "pack", "-", "-o", (dir / "out.o").string(),
                "--symbol", "blob", "-q"},
               {}, std::string(payload.begin(), payload.end()));
  expect_clean_failure(r, dir / "out.o", "File too large");
}

// A sparse file just over 4 GiB: no disk blocks, and the writer must refuse before copying.
fs::path sparse_over_4gib(const TempDir& dir) {
  fs::path p = dir / "big.bin";
  int fd = ::open(p.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::ftruncate(fd, (off_t{1} << 32) + 1), 0);
  ::close(fd);
  return p;
}

TEST(ObjectFailure, Elf32RefusesAPayloadOver4GiB) {
  TempDir dir;
  fs::path big = sparse_over_4gib(dir);
  write_text(dir / "out.o", kPrevious);
  for (const char* t : {"i686-linux-gnu", "hexagon-unknown-elf", "mips-linux-gnu"}) {
    auto r = obj::pack(
        {big.string(), "-o", (dir / "out.o").string(), "--symbol", "blob", "--target", t});
    expect_clean_failure(r, dir / "out.o", "does not fit an ELF32 object");
    EXPECT_NE(r.err.find(t), std::string::npos) << r.err;
  }
}

TEST(ObjectFailure, Elf32RefusesAnOver4GiBStdinBeforeCopyingIt) {
  TempDir dir;
  fs::path big = sparse_over_4gib(dir);
  auto r = run({"sh", "-c",
                "exec \"$0\" pack - -o \"$1\" --symbol blob --target i686-linux-gnu -q < \"$2\"",
                cli(), (dir / "out.o").string(), big.string()});
  expect_clean_failure(r, dir / "out.o", "does not fit an ELF32 object");
  EXPECT_FALSE(fs::exists(dir / "out.o"));
}

}  // namespace
}  // namespace mblob::test
