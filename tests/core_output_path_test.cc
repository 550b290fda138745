// Output paths (core/output_path.h): what an output path names decides how it is written, for
// AtomicFile, write_object and `mblob pack -o`. One test per rule; `mblob export -o` is tested
// against the same rules in export_library_test.cc.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "mblob/core/error.h"
#include "mblob/core/file.h"
#include "mblob/core/output_path.h"
#include "mblob/object/object_writer.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::vector<std::string> pack(const fs::path& in, const std::string& out) {
  return {test::cli(), "pack", in.string(), "-o", out, "--symbol", "blob", "-q"};
}

// The object `mblob pack` writes for `in` into a regular file: what every other output kind
// must receive too.
std::vector<std::uint8_t> reference_object(const TempDir& d, const fs::path& in) {
  auto ref = d / "reference.o";
  test::run_ok(pack(in, ref.string()));
  return test::read_bytes(ref);
}

TEST(OutputPath, OutputDevNullStaysACharacterDevice) {
  if (::geteuid() != 0) GTEST_SKIP() << "SKIPPED: only root can replace /dev/null; run as root";
  TempDir d;
  test::write_bytes(d / "in.bin", test::pattern_bytes(5000));
  ASSERT_TRUE(test::dev_files_intact());
  auto r = test::run(pack(d / "in.bin", "/dev/null"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(test::dev_files_intact()) << "/dev/null or /dev/stdout was replaced (now recreated)";
  EXPECT_TRUE(test::mblob_temporaries("/dev").empty()) << test::mblob_temporaries("/dev").front();
}

TEST(OutputPath, OutputFifoGetsTheBytesStreamedAndStaysAFifo) {
  TempDir d;
  test::write_bytes(d / "in.bin", test::pattern_bytes(300000, 3));
  auto want = reference_object(d, d / "in.bin");
  auto fifo = d / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  test::FifoReader reader(fifo);
  auto r = test::run(pack(d / "in.bin", fifo.string()));
  auto got = reader.finish();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(got, want);
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced";
  EXPECT_TRUE(test::mblob_temporaries(d.path()).empty())
      << test::mblob_temporaries(d.path()).front();
}

// Standard input of unknown length past 1 MiB needs its header patched: the object is
// assembled elsewhere, then streamed, and comes out as from a file.
TEST(OutputPath, LongStdinToAFifoComesOutAsFromAFile) {
  TempDir d;
  auto data = test::pattern_bytes(3u << 20, 4);
  test::write_bytes(d / "in.bin", data);
  auto want = reference_object(d, d / "in.bin");
  auto fifo = d / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  test::FifoReader reader(fifo);
  auto r = test::run({test::cli(), "pack", "-", "-o", fifo.string(), "--symbol", "blob", "-q"}, {},
                     std::string(data.begin(), data.end()));
  auto got = reader.finish();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(got, want);
}

TEST(OutputPath, OutputDevStdoutStreamsToStandardOutput) {
  TempDir d;
  test::write_bytes(d / "in.bin", test::pattern_bytes(4000, 5));
  auto want = reference_object(d, d / "in.bin");
  ASSERT_TRUE(test::dev_files_intact());
  // No -q: the summary line must not go into the object on standard output.
  auto r = test::run(
      {test::cli(), "pack", (d / "in.bin").string(), "-o", "/dev/stdout", "--symbol", "blob"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::vector<std::uint8_t>(r.out.begin(), r.out.end()), want);
  EXPECT_NE(r.err.find("/dev/stdout: blob"), std::string::npos) << r.err;
  EXPECT_TRUE(test::dev_files_intact()) << "/dev/stdout was replaced (now recreated)";
}

TEST(OutputPath, OutputSymlinkIsWrittenThroughAndStaysALink) {
  TempDir d;
  test::write_bytes(d / "in.bin", test::pattern_bytes(7000, 6));
  auto want = reference_object(d, d / "in.bin");
  fs::create_directory(d / "real");
  test::write_text(d / "real" / "model.o", "previous object");
  fs::create_symlink("real/model.o", d / "link.o");
  test::run_ok(pack(d / "in.bin", (d / "link.o").string()));
  EXPECT_TRUE(fs::is_symlink(d / "link.o"));
  EXPECT_EQ(fs::read_symlink(d / "link.o"), "real/model.o");
  EXPECT_EQ(test::read_bytes(d / "real" / "model.o"), want);
  EXPECT_TRUE(test::mblob_temporaries(d.path()).empty())
      << test::mblob_temporaries(d.path()).front();
  EXPECT_TRUE(test::mblob_temporaries(d / "real").empty())
      << test::mblob_temporaries(d / "real").front();
}

TEST(OutputPath, OutputChainOfSymlinksIsWrittenThroughToTheLastFile) {
  TempDir d;
  test::write_bytes(d / "in.bin", test::pattern_bytes(100, 7));
  auto want = reference_object(d, d / "in.bin");
  fs::create_directory(d / "a");
  fs::create_directory(d / "b");
  test::write_text(d / "b" / "final.o", "old");
  fs::create_symlink("../b/final.o", d / "a" / "mid.o");
  fs::create_symlink(d / "a" / "mid.o", d / "first.o");
  test::run_ok(pack(d / "in.bin", (d / "first.o").string()));
  EXPECT_TRUE(fs::is_symlink(d / "first.o"));
  EXPECT_TRUE(fs::is_symlink(d / "a" / "mid.o"));
  EXPECT_EQ(test::read_bytes(d / "b" / "final.o"), want);
}

TEST(OutputPath, OutputDanglingSymlinkCreatesItsTarget) {
  TempDir d;
  test::write_bytes(d / "in.bin", test::pattern_bytes(100, 8));
  auto want = reference_object(d, d / "in.bin");
  fs::create_directory(d / "real");
  fs::create_symlink("real/new.o", d / "link.o");
  test::run_ok(pack(d / "in.bin", (d / "link.o").string()));
  EXPECT_TRUE(fs::is_symlink(d / "link.o"));
  EXPECT_EQ(test::read_bytes(d / "real" / "new.o"), want);
}

struct BadOutput {
  const char* name;
  const char* output;  // relative to the test directory, except when empty
  const char* needle;
};

class OutputPathUsageError : public ::testing::TestWithParam<BadOutput> {};

// A directory, a trailing '/', an empty path: exit 2 with a clear message, nothing written.
TEST_P(OutputPathUsageError, IsExitTwoWithAClearMessageAndLeavesNothing) {
  TempDir d;
  test::write_bytes(d / "in.bin", test::pattern_bytes(100));
  fs::create_directory(d / "dir");
  std::string out = *GetParam().output ? (d / GetParam().output).string() : "";
  auto r = test::run(pack(d / "in.bin", out));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(GetParam().needle), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("mblob: error: the output", 0), 0u) << r.err;
  EXPECT_TRUE(fs::is_empty(d / "dir"));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(d.path())) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"dir", "in.bin"}));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, OutputPathUsageError,
    ::testing::Values(BadOutput{"OutputDirectory", "dir", "is a directory"},
                      BadOutput{"OutputEndingInSlash", "dir/", "ends in '/'"},
                      BadOutput{"OutputMissingDirectoryEndingInSlash", "new/", "ends in '/'"},
                      BadOutput{"OutputEmpty", "", "the output path is empty"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(OutputPath, OutputSocketIsAUsageError) {
  TempDir d;
  auto sock = d / "s";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.string().size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  try {
    AtomicFile out(sock);
    ADD_FAILURE() << "a socket was accepted as an output";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("is a socket"), std::string::npos) << e.what();
  }
  ::close(fd);
}

TEST(OutputPath, OutputSameAsInputIsRefusedForPack) {
  TempDir d;
  auto in = d / "in.bin";
  auto data = test::pattern_bytes(5000, 9);
  test::write_bytes(in, data);
  fs::create_symlink("in.bin", d / "alias.bin");
  fs::create_hard_link(in, d / "hard.bin");
  for (const char* out : {"in.bin", "alias.bin", "hard.bin"}) {
    auto r = test::run(pack(in, (d / out).string()));
    EXPECT_EQ(r.exit_code, 2) << out << ": " << r.err;
    EXPECT_NE(r.err.find("is the same file as the input " + in.string()), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find((d / out).string()), std::string::npos) << r.err;
    EXPECT_EQ(test::read_bytes(in), data);
  }
  EXPECT_TRUE(fs::is_symlink(d / "alias.bin"));
  EXPECT_TRUE(test::mblob_temporaries(d.path()).empty())
      << test::mblob_temporaries(d.path()).front();
}

// The library entry points refuse it too, not only the CLI.
TEST(OutputPath, OutputSameAsInputIsRefusedByWriteObject) {
  TempDir d;
  auto in = d / "in.bin";
  auto data = test::pattern_bytes(5000, 10);
  test::write_bytes(in, data);
  ObjectSpec spec;
  spec.symbol = "blob";
  EXPECT_THROW(write_object(spec, ByteSource::from_file(in), in), UsageError);
  EXPECT_EQ(test::read_bytes(in), data);
  // An empty input contributes no bytes but is an input all the same.
  auto empty = d / "empty.bin";
  test::write_text(empty, "");
  EXPECT_THROW(write_object(spec, ByteSource::from_file(empty), empty), UsageError);
  EXPECT_TRUE(fs::is_regular_file(empty) && fs::file_size(empty) == 0);

  int fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_THROW(write_object_from_fd(spec, fd, "<stdin>", in), UsageError);
  ::close(fd);
  EXPECT_EQ(test::read_bytes(in), data);
}

TEST(OutputPath, OutputSymlinkResolvesToTheFileItNames) {
  TempDir d;
  fs::create_symlink("sub/x.o", d / "l.o");
  OutputPath out = resolve_output(d / "l.o");
  EXPECT_FALSE(out.stream);
  EXPECT_EQ(out.file, d / "sub/x.o");
  EXPECT_EQ(out.requested, d / "l.o");
  EXPECT_TRUE(resolve_output("/dev/null").stream);
}

}  // namespace
}  // namespace mblob
