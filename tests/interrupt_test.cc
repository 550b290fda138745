// Ctrl-C in the middle of a write: the CLI dies of the signal, the output it was replacing is
// untouched, and no temporary file is left beside it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::vector<std::string> temp_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.find("mblob-tmp") != std::string::npos) out.push_back(n);
  }
  return out;
}

TEST(Interrupt, SigintDuringPackLeavesTheOldOutputAndNoTemporaryFile) {
  TempDir d;
  auto out = d / "out.o";
  test::write_text(out, "previous object");

  // `mblob pack -` reads stdin until it closes: it is mid-write for as long as we hold the pipe.
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  std::string cli = test::cli();
  std::string out_s = out.string();
  std::vector<char*> argv = {cli.data(),
                             const_cast<char*>("pack"),
                             const_cast<char*>("-"),
                             const_cast<char*>("-o"),
                             out_s.data(),
                             const_cast<char*>("--symbol"),
                             const_cast<char*>("blob"),
                             const_cast<char*>("-q"),
                             nullptr};
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, cli.c_str(), &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(in[0]);

  std::vector<char> chunk(1 << 20, 'x');
  ASSERT_EQ(::write(in[1], chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
  // Wait until the temporary file exists: the write is under way.
  for (int i = 0; i < 200 && temp_files(d.path()).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(temp_files(d.path()).empty()) << "the CLI never started writing";

  ASSERT_EQ(::kill(pid, SIGINT), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::close(in[1]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status;
  EXPECT_TRUE(temp_files(d.path()).empty()) << temp_files(d.path()).front();
  auto kept = test::read_bytes(out);
  EXPECT_EQ(std::string(kept.begin(), kept.end()), "previous object");
}

}  // namespace
}  // namespace mblob
