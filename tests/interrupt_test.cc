// Signals and leftovers: Ctrl-C, SIGTERM, a hangup under nohup or kill -9 in the middle of a pack
// or an export. The output being replaced is untouched, no temporary is left beside it or under
// $TMPDIR (at once on a caught signal, at the next run after a SIGKILL), no tool outlives mblob,
// and a signal ignored at start stays ignored.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <thread>

#include "support/test_support.h"

extern char** environ;

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using namespace std::chrono_literals;

std::vector<std::string> temp_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.find("mblob-tmp") != std::string::npos || n.find("mblob-export") != std::string::npos) {
      out.push_back(n);
    }
  }
  return out;
}

std::string listing(const fs::path& dir) {
  std::string text;
  for (const auto& e : fs::recursive_directory_iterator(dir)) text += e.path().string() + "\n";
  return text;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
  for (auto until = std::chrono::steady_clock::now() + limit;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(2ms)) {
    if (done()) return true;
  }
  return done();
}

// ---- processes, from /proc -------------------------------------------------------------------

struct Proc {
  pid_t pid = 0, ppid = 0, pgid = 0;
  char state = '?';
  std::string comm;
};

std::vector<Proc> processes() {
  std::vector<Proc> list;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream f(e.path() / "stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    Proc p;
    p.pid = std::stoi(line.substr(0, open));
    p.comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    rest >> p.state >> p.ppid >> p.pgid;
    list.push_back(p);
  }
  return list;
}

bool alive(const Proc& p) { return p.state != 'Z' && p.state != 'X'; }

std::vector<Proc> live_in_group(pid_t pgid) {
  std::vector<Proc> out;
  for (const auto& p : processes()) {
    if (p.pgid == pgid && alive(p)) out.push_back(p);
  }
  return out;
}

bool is_alive(pid_t pid) {
  for (const auto& p : processes()) {
    if (p.pid == pid) return alive(p);
  }
  return false;
}

// Whether any live process carries `entry` ("NAME=VALUE") in its environment: a CLI run started
// with a unique entry, its tools and its watchdogs (forked copies of it) all carry it.
bool any_process_with_env(const std::string& entry) {
  for (const auto& p : processes()) {
    if (!alive(p)) continue;
    std::ifstream f("/proc/" + std::to_string(p.pid) + "/environ", std::ios::binary);
    std::string env((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::size_t pos = 0;
    while (pos < env.size()) {
      std::size_t end = env.find('\0', pos);
      if (end == std::string::npos) end = env.size();
      if (env.compare(pos, end - pos, entry) == 0) return true;
      pos = end + 1;
    }
  }
  return false;
}

std::string names(const std::vector<Proc>& list) {
  std::string s;
  for (const auto& p : list) s += std::to_string(p.pid) + " " + p.comm + "; ";
  return s;
}

// ---- the CLI, running in the background -------------------------------------------------------

// `prefix` runs before the CLI (e.g. {"nohup"}); `env` entries replace inherited ones; with
// `piped_stdin` the test holds the CLI's stdin, so `pack -` is mid-write until it is closed.
class Background {
 public:
  Background(std::vector<std::string> args, const std::vector<std::string>& env = {},
             bool piped_stdin = false, std::vector<std::string> prefix = {}) {
    const bool prefixed = !prefix.empty();
    std::vector<std::string> argv = std::move(prefix);
    argv.push_back(test::cli());
    argv.insert(argv.end(), args.begin(), args.end());
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    int in[2] = {-1, -1};
    if (piped_stdin) {
      EXPECT_EQ(::pipe2(in, O_CLOEXEC), 0);
      posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    } else {
      posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    }
    // Never a terminal: nohup would then write nohup.out into the working directory.
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (prefixed) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> envs = env;
    for (char** e = environ; *e; ++e) {
      std::string entry(*e), name = entry.substr(0, entry.find('='));
      bool replaced = false;
      for (const auto& a : env) replaced |= a.substr(0, a.find('=')) == name;
      if (!replaced) envs.push_back(entry);
    }
    std::vector<char*> envp, argp;
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    for (auto& a : argv) argp.push_back(a.data());
    argp.push_back(nullptr);
    int rc = ::posix_spawnp(&pid_, argp[0], &fa, nullptr, argp.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    EXPECT_EQ(rc, 0) << "cannot run " << argv[0];
    if (piped_stdin) {
      ::close(in[0]);
      stdin_ = in[1];
    }
  }
  ~Background() {
    close_stdin();
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }

  pid_t pid() const { return pid_; }
  // Writes to the CLI's stdin; a CLI that died makes this fail (EPIPE), not kill the test.
  void feed(std::size_t bytes) {
    std::vector<char> chunk(bytes, 'x');
    sigset_t pipe_signal, old;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &old);
    ssize_t n = ::write(stdin_, chunk.data(), chunk.size());
    int err = errno;
    if (n < 0 && err == EPIPE) {
      timespec now{};
      ::sigtimedwait(&pipe_signal, nullptr, &now);
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    EXPECT_EQ(n, static_cast<ssize_t>(chunk.size())) << "writing to the CLI: " << strerror(err);
  }
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }
  void signal(int sig) const { ASSERT_EQ(::kill(pid_, sig), 0); }
  int wait() {
    int status = 0;
    EXPECT_EQ(::waitpid(pid_, &status, 0), pid_);
    reaped_ = true;
    return status;
  }
  bool running() {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
    reaped_ = true;
    return false;
  }
  // The tools and watchdogs this CLI started (its direct children).
  std::vector<Proc> children() const {
    std::vector<Proc> out;
    for (const auto& p : processes()) {
      if (p.ppid == pid_ && alive(p)) out.push_back(p);
    }
    return out;
  }

 private:
  pid_t pid_ = 0;
  int stdin_ = -1;
  bool reaped_ = false;
};

bool killed_by(int status, int sig) { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
bool exited_ok(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

std::string read_text(const fs::path& p) {
  auto b = test::read_bytes(p);
  return {b.begin(), b.end()};
}

// A model whose export runs long enough to be interrupted: `payload` bytes of weights and a
// little host code. With c-hex the compile of the generated C takes seconds per few MiB.
struct SlowModel {
  fs::path manifest;
  SlowModel(const TempDir& d, std::uint64_t payload, bool sparse) {
    fs::path w = d / "weights.bin";
    if (sparse) {
      std::ofstream(w).close();
      fs::resize_file(w, payload);
    } else {
      test::write_bytes(w, test::pattern_bytes(payload, 7));
    }
    test::write_text(d / "host.c", "int host_fn(void) { return 42; }\n");
    manifest = d / "model.json";
    test::write_text(manifest, R"({"format": "ffi", "modules": [
      {"name": "host", "kind": "host", "sources": [")" +
                                   (d / "host.c").string() + R"("], "imports": ["w"]},
      {"name": "w", "kind": "params", "payload": ")" +
                                   w.string() + R"("}]})");
  }
};

// ---- caught signals ---------------------------------------------------------------------------

TEST(Interrupt, SigintDuringPackLeavesTheOldOutputAndNoTemporaryFile) {
  TempDir d;
  auto out = d / "out.o";
  test::write_text(out, "previous object");
  Background cli({"pack", "-", "-o", out.string(), "--symbol", "blob", "-q"}, {}, true);
  cli.feed(1 << 20);
  ASSERT_TRUE(eventually([&] { return !temp_files(d.path()).empty(); }))
      << "the CLI never started writing";

  cli.signal(SIGINT);
  int status = cli.wait();
  EXPECT_TRUE(killed_by(status, SIGINT)) << "status " << status;
  EXPECT_TRUE(temp_files(d.path()).empty()) << listing(d.path());
  EXPECT_EQ(read_text(out), "previous object");
}

TEST(Interrupt, IgnoredSighupStaysIgnored) {
  // nohup sets SIGHUP to ignored and runs mblob: a hangup must not end the pack.
  TempDir d;
  auto out = d / "out.o";
  Background cli({"pack", "-", "-o", out.string(), "--symbol", "blob", "-q"}, {}, true, {"nohup"});
  cli.feed(1 << 20);
  ASSERT_TRUE(eventually([&] { return !temp_files(d.path()).empty(); }))
      << "the CLI never started writing";
  cli.signal(SIGHUP);
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(cli.running()) << "mblob died of a SIGHUP that nohup had ignored";
  cli.feed(1 << 20);
  cli.close_stdin();
  int status = cli.wait();
  EXPECT_TRUE(exited_ok(status)) << "status " << status;
  EXPECT_TRUE(fs::exists(out));
}

// The SigIgn mask of a tool that mblob runs, seen from inside it: the command packer runs a
// script that records it, then packs for real.
std::uint64_t ignored_signals_of_a_tool(std::vector<std::string> prefix) {
  TempDir d;
  test::write_bytes(d / "w.bin", test::pattern_bytes(64));
  fs::path record = d / "sigign.txt";
  fs::path script = d / "pack.sh";
  test::write_text(script, "#!/bin/sh\ngrep '^SigIgn:' /proc/self/status > '" + record.string() +
                               "'\nexec '" + test::cli() +
                               "' pack \"$1\" -o \"$2\" --symbol \"$3\" -q\n");
  fs::permissions(script, fs::perms::owner_all);
  test::write_text(d / "m.json",
                   R"({"format": "ffi", "modules": [{"name": "w", "kind": "params", "payload": ")" +
                       (d / "w.bin").string() + R"("}]})");
  Background cli({"export", (d / "m.json").string(), "-o", (d / "m.so").string(), "--packer",
                  "command", "--pack-command", script.string() + " {blob} {output} {symbol}", "-q"},
                 {}, false, std::move(prefix));
  int status = cli.wait();
  EXPECT_TRUE(exited_ok(status)) << "status " << status;
  std::string line = fs::exists(record) ? read_text(record) : "";
  EXPECT_FALSE(line.empty()) << "the pack command did not run";
  if (line.empty()) return 0;
  return std::stoull(line.substr(line.find(':') + 1), nullptr, 16);
}

TEST(Interrupt, IgnoredSighupStaysIgnoredInTheTools) {
  const std::uint64_t hup = 1ull << (SIGHUP - 1);
  EXPECT_EQ(ignored_signals_of_a_tool({}) & hup, 0u) << "without nohup, SIGHUP is not ignored";
  EXPECT_NE(ignored_signals_of_a_tool({"nohup"}) & hup, 0u)
      << "under nohup the tools must ignore SIGHUP too";
}

TEST(Interrupt, SigtermDuringLinkLeavesNoStagingDir) {
  TempDir d, tmp;
  SlowModel model(d, 128u << 20, /*sparse=*/true);
  fs::path outdir = d / "out";
  fs::create_directory(outdir);
  test::write_text(outdir / "model.so", "previous library");
  // --link-blob: the linker writes the 128 MiB for a good part of a second (a spliced export
  // copies it in ~0.03 s, too short a window to signal in).
  Background cli({"export", model.manifest.string(), "-o", (outdir / "model.so").string(),
                  "--link-blob", "-q"},
                 {"TMPDIR=" + tmp.path().string()});
  // The staging directory beside the output exists only while the linker runs.
  ASSERT_TRUE(eventually([&] { return !temp_files(outdir).empty(); }, 60s))
      << "the link never started";
  cli.signal(SIGTERM);
  int status = cli.wait();
  EXPECT_TRUE(killed_by(status, SIGTERM)) << "status " << status;
  EXPECT_TRUE(temp_files(outdir).empty()) << listing(outdir);
  EXPECT_TRUE(fs::is_empty(tmp.path())) << listing(tmp.path());
  EXPECT_EQ(read_text(outdir / "model.so"), "previous library");
}

TEST(Interrupt, SigtermLeavesNoExportWorkspace) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  TempDir d, tmp;
  SlowModel model(d, 2u << 20, /*sparse=*/false);
  fs::path out = d / "model.so";
  Background cli({"export", model.manifest.string(), "-o", out.string(), "--packer", "c-hex", "-q"},
                 {"TMPDIR=" + tmp.path().string()});
  // The generated C is being compiled: a compiler runs under mblob.
  ASSERT_TRUE(eventually([&] { return !cli.children().empty() && !fs::is_empty(tmp.path()); }))
      << "the compile never started";
  std::this_thread::sleep_for(200ms);
  cli.signal(SIGTERM);
  int status = cli.wait();
  EXPECT_TRUE(killed_by(status, SIGTERM)) << "status " << status;
  EXPECT_TRUE(fs::is_empty(tmp.path())) << listing(tmp.path());
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(temp_files(d.path()).empty()) << listing(d.path());
}

TEST(Interrupt, SigtermStopsAToolThatIgnoresIt) {
  // A pack command that ignores SIGTERM: after the grace period mblob kills its group, then
  // removes the workspace and dies of the signal.
  TempDir d, tmp;
  test::write_bytes(d / "w.bin", test::pattern_bytes(64));
  test::write_text(d / "m.json",
                   R"({"format": "ffi", "modules": [{"name": "w", "kind": "params", "payload": ")" +
                       (d / "w.bin").string() + R"("}]})");
  fs::path started = d / "started";
  Background cli(
      {"export", (d / "m.json").string(), "-o", (d / "m.so").string(), "--packer", "command",
       "--pack-command",
       "sh -c 'trap \"\" TERM INT; touch \"$0\"; while :; do sleep 0.05; done' " + started.string(),
       "-q"},
      {"TMPDIR=" + tmp.path().string()});
  ASSERT_TRUE(eventually([&] { return fs::exists(started); })) << "the pack command never ran";
  std::vector<Proc> tools = cli.children();
  const auto t0 = std::chrono::steady_clock::now();
  cli.signal(SIGTERM);
  int status = cli.wait();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(killed_by(status, SIGTERM)) << "status " << status;
  // Without the kill after the grace period (2 s) it would never end; the bound leaves room for
  // a loaded machine.
  EXPECT_LT(took, 30s);
  for (const auto& t : tools) {
    if (t.pgid == t.pid) {
      EXPECT_TRUE(live_in_group(t.pid).empty()) << names(live_in_group(t.pid));
    }
  }
  EXPECT_TRUE(fs::is_empty(tmp.path())) << listing(tmp.path());
}

// ---- kill -9 ----------------------------------------------------------------------------------

TEST(Interrupt, KilledExportLeavesNoOrphanTools) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  TempDir d, tmp;
  SlowModel model(d, 4u << 20, /*sparse=*/false);
  Background cli({"export", model.manifest.string(), "-o", (d / "model.so").string(), "--packer",
                  "c-hex", "-q"},
                 {"TMPDIR=" + tmp.path().string()});
  // Wait until the compiler driver has started the compiler proper: a group of two or more.
  pid_t group = 0;
  std::vector<Proc> started;
  ASSERT_TRUE(eventually([&] {
    started = cli.children();
    for (const auto& c : started) {
      if (c.pgid == c.pid && live_in_group(c.pid).size() >= 2) group = c.pid;
    }
    return group != 0;
  })) << "no tool with children ever ran; children: "
      << names(started);
  std::vector<Proc> tools = live_in_group(group);
  cli.signal(SIGKILL);
  cli.wait();
  EXPECT_TRUE(eventually([&] { return live_in_group(group).empty(); }, 5s))
      << "tools still running 5 s after mblob was killed: " << names(live_in_group(group))
      << " (at the kill: " << names(tools) << ")";
  for (const auto& c : started) {  // the watchdogs too
    EXPECT_TRUE(eventually([&] { return !is_alive(c.pid); }, 5s)) << c.pid << " " << c.comm;
  }
}

TEST(Interrupt, CompilerTemporariesOfAKilledRunAreRemovedByTheNext) {
  // gcc's own temporaries (cc*.s) go into the staging directory, inside the workspace, so the
  // next export removes them with the dead run's workspace; none is left in $TMPDIR.
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  TempDir d, tmp;
  SlowModel model(d, 4u << 20, /*sparse=*/false);
  fs::path out = d / "model.so";
  {
    Background killed(
        {"export", model.manifest.string(), "-o", out.string(), "--packer", "c-hex", "-q"},
        {"TMPDIR=" + tmp.path().string()});
    pid_t group = 0;
    ASSERT_TRUE(eventually([&] {
      for (const auto& c : killed.children()) {
        if (c.pgid == c.pid && live_in_group(c.pid).size() >= 2) group = c.pid;
      }
      return group != 0;
    })) << "the compiler never ran";
    std::this_thread::sleep_for(300ms);  // cc1 is writing its assembly
    killed.signal(SIGKILL);
    killed.wait();
    ASSERT_TRUE(eventually([&] { return live_in_group(group).empty(); }, 5s));
  }
  ASSERT_FALSE(fs::is_empty(tmp.path()));
  Background next({"export", model.manifest.string(), "-o", out.string(), "-q"},
                  {"TMPDIR=" + tmp.path().string()});
  int status = next.wait();
  EXPECT_TRUE(exited_ok(status)) << "status " << status;
  EXPECT_TRUE(fs::is_empty(tmp.path())) << listing(tmp.path());
}

TEST(Interrupt, StaleTemporaryOfDeadRunIsRemoved) {
  TempDir d;
  auto out = d / "p.o";
  test::write_bytes(d / "in.bin", test::pattern_bytes(1000));
  {
    Background killed({"pack", "-", "-o", out.string(), "--symbol", "blob", "-q"}, {}, true);
    killed.feed(1 << 20);
    ASSERT_TRUE(eventually([&] { return !temp_files(d.path()).empty(); }));
    killed.signal(SIGKILL);
    killed.wait();
  }
  ASSERT_EQ(temp_files(d.path()).size(), 1u)
      << "kill -9 leaves its temporary: " << listing(d.path());
  test::run_ok(
      {test::cli(), "pack", (d / "in.bin").string(), "-o", out.string(), "--symbol", "blob", "-q"});
  EXPECT_TRUE(temp_files(d.path()).empty()) << listing(d.path());
  EXPECT_TRUE(fs::exists(out));
}

TEST(Interrupt, StaleStagingDirAndWorkspaceOfDeadExportAreRemoved) {
  TempDir d, tmp;
  SlowModel model(d, 128u << 20, /*sparse=*/true);
  fs::path out = d / "model.so";
  // The owner is gone only when its watchdogs are too: a watchdog forked just before the kill
  // holds copies of the run's descriptors (and so its locks) for the moment it takes to close
  // them, which a loaded machine can stretch. Wait for every process of the run to end.
  const std::string tag = "MBLOB_TEST_RUN=stale-" + std::to_string(::getpid());
  {
    // --link-blob: the linker copies the 128 MiB into the staging directory for a good part of
    // a second, so the kill lands while it is there (a spliced export copies it in ~0.03 s).
    Background killed({"export", model.manifest.string(), "-o", out.string(), "--link-blob", "-q"},
                      {"TMPDIR=" + tmp.path().string(), tag});
    ASSERT_TRUE(eventually([&] { return !temp_files(d.path()).empty(); }, 60s));
    killed.signal(SIGKILL);
    killed.wait();
  }
  ASSERT_TRUE(eventually([&] { return !any_process_with_env(tag); }, 10s))
      << "processes of the killed run still alive after 10 s";
  ASSERT_FALSE(temp_files(d.path()).empty()) << "kill -9 leaves the staging directory";
  ASSERT_FALSE(fs::is_empty(tmp.path())) << "kill -9 leaves the workspace";
  Background next({"export", model.manifest.string(), "-o", out.string(), "-q"},
                  {"TMPDIR=" + tmp.path().string()});
  int status = next.wait();
  EXPECT_TRUE(exited_ok(status)) << "status " << status;
  EXPECT_TRUE(temp_files(d.path()).empty()) << listing(d.path());
  EXPECT_TRUE(fs::is_empty(tmp.path())) << listing(tmp.path());
}

TEST(Interrupt, LiveRunTemporaryIsKept) {
  // Two runs to one output: the second must not take the first's temporary for a stale one.
  TempDir d;
  auto out = d / "p.o";
  test::write_bytes(d / "in.bin", test::pattern_bytes(1000));
  Background first({"pack", "-", "-o", out.string(), "--symbol", "blob", "-q"}, {}, true);
  first.feed(1 << 20);
  ASSERT_TRUE(eventually([&] { return !temp_files(d.path()).empty(); }));
  const auto live = temp_files(d.path());
  test::run_ok(
      {test::cli(), "pack", (d / "in.bin").string(), "-o", out.string(), "--symbol", "blob", "-q"});
  EXPECT_EQ(temp_files(d.path()), live) << "the second run removed the first's temporary";
  first.feed(1 << 20);
  first.close_stdin();
  int status = first.wait();
  EXPECT_TRUE(exited_ok(status)) << "status " << status;
  EXPECT_GT(fs::file_size(out), 2u << 20) << "the first run's object is the output";
  EXPECT_TRUE(temp_files(d.path()).empty()) << listing(d.path());
}

}  // namespace
}  // namespace mblob
