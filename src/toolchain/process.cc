#include "mblob/toolchain/process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "mblob/core/fd.h"
#include "mblob/core/file.h"
#include "mblob/core/interrupts.h"

extern char** environ;

namespace mblob {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// ---- live child groups, visible to signal handlers -------------------------------------------
//
// A fixed array of lock-free atomics: the handler may run at any moment on any thread, so it can
// neither lock nor walk a container that another thread is resizing. More concurrent children
// than slots still run; only the extra ones are not forwarded signals.
constexpr std::size_t kMaxTracked = 256;
struct ChildSlot {
  std::atomic<pid_t> pgid{0};
  std::atomic<int> watchdog_fd{-1};  // write end of the child's watchdog pipe
};
std::array<ChildSlot, kMaxTracked> g_children{};
static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

// The forwarded signals that were ignored when install_interrupt_handlers() first ran (nohup
// ignores SIGHUP, a shell ignores SIGINT and SIGQUIT for a background job). Written once, under
// the call_once, before any spawn reads it.
sigset_t g_ignored_at_start;

// Sleeps `ms` milliseconds; async-signal-safe.
void sleep_ms(long ms) noexcept {
  timespec ts{ms / 1000, (ms % 1000) * 1000000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Waits up to `ms` for every tracked group to be gone, reaping the leaders (our children).
// Async-signal-safe. True when no process of any group is left.
bool wait_for_groups(long ms) noexcept {
  for (long waited = 0;; waited += 10) {
    bool all_gone = true;
    for (auto& slot : g_children) {
      pid_t pgid = slot.pgid.load();
      if (pgid <= 0) continue;
      int status = 0;
      ::waitpid(pgid, &status, WNOHANG);  // the leader's pid is the group's id
      if (::kill(-pgid, 0) == 0) all_gone = false;
    }
    if (all_gone) return true;
    if (waited >= ms) return false;
    sleep_ms(10);
  }
}

extern "C" void on_interrupt(int sig) {
  // Tools first: they write into the temporary directories, and a live one could re-create a
  // file after its directory was emptied.
  stop_running_processes(sig);
  remove_pending_temp_files();
  // Die the way the signal would have killed us, so the shell sees "interrupted".
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// The watchdog (see the header): a forked copy of us that only waits on a pipe. It is started
// before its tool, so no moment passes in which the tool runs unwatched: the first message is the
// tool's process group id (0: no tool was started, leave); then a byte means "the tool is done,
// leave", and end of file means we died without saying so: kill the group. End of file before
// the group id means we died before the tool was started, or in the few instructions between the
// spawn and the write of its id. Only async-signal-safe calls: we may have other threads, and
// this never execs.
[[noreturn]] void watchdog_main(int watch_fd, int ready_fd, int max_fd) noexcept {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (int sig : kInterruptSignals) ::sigaction(sig, &ignore, nullptr);
  // Hold nothing but the pipe: not the locks of our temporaries (a later run would take them
  // for a live run's), not other watchdogs' pipes, not the caller's stdout (someone may wait for
  // its end of file). Copies above 9 first, so the two dup2s cannot clobber each other.
  int watch = ::fcntl(watch_fd, F_DUPFD, 10);
  int ready = ::fcntl(ready_fd, F_DUPFD, 10);
  if (watch < 0 || ready < 0 || ::dup2(watch, 0) < 0 || ::dup2(ready, 1) < 0) ::_exit(1);
  if (::close_range(2, ~0U, 0) != 0) {
    for (int i = 2; i < max_fd; ++i) ::close(i);
  }
  ::close(1);  // "ready": everything else is closed by now
  pid_t pgid = 0;
  auto* p = reinterpret_cast<char*>(&pgid);
  std::size_t got = 0;
  while (got < sizeof pgid) {
    ssize_t n = ::read(0, p + got, sizeof pgid - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(0);
    got += static_cast<std::size_t>(n);
  }
  if (pgid <= 0) ::_exit(0);
  char byte = 0;
  ssize_t n = 0;
  while ((n = ::read(0, &byte, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) ::kill(-pgid, SIGKILL);
  ::_exit(0);
}

struct Pipe {
  UniqueFd read, write;
  Pipe() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw_errno("cannot create a pipe");
    read.reset(p[0]);
    write.reset(p[1]);
  }
};

// A watchdog forked before its tool is spawned (see watchdog_main). Until a ChildGuard takes it
// over, it is told "no tool" when it goes out of scope.
struct Watchdog {
  pid_t pid = 0;
  int fd = -1;  // write end of its pipe
  Watchdog() {
    int watch[2], ready[2];
    if (::pipe2(watch, O_CLOEXEC) != 0) throw_errno("cannot create a pipe");
    if (::pipe2(ready, O_CLOEXEC) != 0) {
      ::close(watch[0]);
      ::close(watch[1]);
      throw_errno("cannot create a pipe");
    }
    struct rlimit lim {};
    int max_fd = ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 65536
                     ? static_cast<int>(lim.rlim_cur)
                     : 65536;
    pid_t w = ::fork();
    if (w == 0) watchdog_main(watch[0], ready[1], max_fd);
    int fork_errno = errno;
    ::close(watch[0]);
    ::close(ready[1]);
    if (w < 0) {
      ::close(watch[1]);
      ::close(ready[0]);
      throw_errno("cannot start a watchdog for a tool", fork_errno);
    }
    pid = w;
    fd = watch[1];
    // Until the watchdog has closed its copies of our descriptors, it holds the locks of our
    // temporaries too: wait for that (end of file on `ready`), it takes microseconds.
    char byte = 0;
    while (::read(ready[0], &byte, 1) < 0 && errno == EINTR) {
    }
    ::close(ready[0]);
  }
  ~Watchdog() {
    if (fd < 0) return;
    pid_t none = 0;  // no tool was started
    [[maybe_unused]] ssize_t n = ::write(fd, &none, sizeof none);
    ::close(fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
};

// Registers a child's process group while we wait for it, with its watchdog; kills and reaps it
// if we leave early (an exception while draining output), so no tool outlives the call that
// started it.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {
    for (auto& slot : g_children) {
      pid_t expected = 0;
      if (slot.pgid.compare_exchange_strong(expected, pid)) {
        slot_ = &slot;
        break;
      }
    }
  }
  ~ChildGuard() {
    if (!reaped_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    dismiss_watchdog();
    if (slot_) slot_->pgid.store(0);
  }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;

  // Hands the tool's group to its watchdog (started before the tool), which from now on kills
  // the group if this process dies without dismissing it.
  void watch(Watchdog& w) noexcept;

  void kill_group(int sig) const { ::kill(-pid_, sig); }
  int wait() {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0) {
      if (errno != EINTR) throw_errno("waiting for child process " + std::to_string(pid_));
    }
    return reap();
  }
  // Returns true (and the status) once the child has exited; never blocks.
  bool try_wait(int& status) {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) < 0) {
      if (errno == EINTR) return false;
      throw_errno("waiting for child process " + std::to_string(pid_));
    }
    if (info.si_pid == 0) return false;
    status = reap();
    return true;
  }

 private:
  // The leader has exited but is not reaped yet, so its pid (the group's id) cannot be reused:
  // dismiss the watchdog now, then reap.
  int reap() {
    dismiss_watchdog();
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) throw_errno("waiting for child process " + std::to_string(pid_));
    }
    reaped_ = true;
    return status;
  }
  void dismiss_watchdog() noexcept {
    // A signal handler may have taken the pipe already (it then dies with it open).
    int fd = slot_ ? slot_->watchdog_fd.exchange(-1) : watch_fd_;
    watch_fd_ = -1;
    if (fd < 0) return;
    char done = 'x';
    while (::write(fd, &done, 1) < 0 && errno == EINTR) {
    }
    ::close(fd);
    if (watchdog_pid_ > 0) {
      int status = 0;
      while (::waitpid(watchdog_pid_, &status, 0) < 0 && errno == EINTR) {
      }
      watchdog_pid_ = 0;
    }
  }

  pid_t pid_;
  ChildSlot* slot_ = nullptr;
  pid_t watchdog_pid_ = 0;
  int watch_fd_ = -1;
  bool reaped_ = false;
};

void ChildGuard::watch(Watchdog& w) noexcept {
  pid_t group = pid_;
  [[maybe_unused]] ssize_t n = ::write(w.fd, &group, sizeof group);  // atomic: a pipe, 4 bytes
  watchdog_pid_ = std::exchange(w.pid, 0);
  watch_fd_ = std::exchange(w.fd, -1);
  if (slot_) slot_->watchdog_fd.store(watch_fd_);
}

// posix_spawn attributes and file actions as RAII, so an early throw does not leak them.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

std::vector<std::string> merged_environment(const std::vector<std::string>& additions) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = std::any_of(additions.begin(), additions.end(), [&](const std::string& a) {
      return std::string_view(a).substr(0, a.find('=')) == name;
    });
    if (!replaced) env.emplace_back(entry);
  }
  env.insert(env.end(), additions.begin(), additions.end());
  return env;
}

std::string display_name(const std::vector<std::string>& argv) {
  return argv.empty() ? std::string("(empty command)") : argv[0];
}

// The line of a tool's stderr most worth showing in a one-line error: the first that says
// "error" (compilers print context lines such as "In function ..." before it), else the first
// non-empty line. Truncated so the one line stays readable.
std::string first_diagnostic(const std::string& err) {
  std::string fallback;
  std::size_t pos = 0;
  while (pos < err.size()) {
    std::size_t end = err.find('\n', pos);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(pos, end - pos);
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (fallback.empty()) fallback = line;
    if (line.find("error") != std::string::npos) {
      fallback = line;
      break;
    }
  }
  constexpr std::size_t kMax = 300;
  if (fallback.size() > kMax) fallback = fallback.substr(0, kMax) + "...";
  return fallback;
}

}  // namespace

// ---- results and errors ----------------------------------------------------------------------

std::string ProcessResult::status_text() const {
  if (timed_out) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "timed out after %.1f s",
                  std::chrono::duration<double>(elapsed).count());
    return buf;
  }
  if (signal != 0) {
    const char* name = ::strsignal(signal);
    return "killed by signal " + std::to_string(signal) +
           (name ? std::string(" (") + name + ")" : "");
  }
  return "exited with status " + std::to_string(exit_code);
}

ProcessError::ProcessError(const std::string& message, ProcessResult result)
    : Error(message), result_(std::move(result)) {}

std::string ProcessError::command_line() const {
  std::string line = shell_join(result_.argv);
  if (!result_.cwd.empty()) line = "cd " + shell_quote(result_.cwd.string()) + " && " + line;
  return line;
}

std::string ProcessError::details() const {
  std::string text = "command: " + command_line();
  std::string err = result_.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  if (!err.empty()) text += "\n" + err;
  return text;
}

// ---- spawning --------------------------------------------------------------------------------

namespace {

std::mutex g_observer_mutex;
std::shared_ptr<const CommandObserver> g_observer;

void notify_observer(const std::vector<std::string>& argv, const fs::path& cwd) {
  std::shared_ptr<const CommandObserver> observer;
  {
    std::lock_guard lock(g_observer_mutex);
    observer = g_observer;
  }
  if (observer) (*observer)(argv, cwd);
}

}  // namespace

CommandObserver set_command_observer(CommandObserver observer) {
  auto next = observer ? std::make_shared<const CommandObserver>(std::move(observer)) : nullptr;
  std::lock_guard lock(g_observer_mutex);
  std::shared_ptr<const CommandObserver> previous = std::exchange(g_observer, std::move(next));
  return previous ? *previous : CommandObserver{};
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ProcessResult result;
  result.argv = argv;
  result.cwd = options.cwd;
  const std::string tool = display_name(argv);
  const std::string what = options.purpose.empty() ? tool : options.purpose + ": " + tool;
  if (argv.empty() || argv[0].empty()) throw ProcessError(what + ": no program given", result);

  // posix_spawn reports a failed chdir with the same ENOENT as a missing program; tell them
  // apart here so the message names the right thing.
  if (std::error_code ec; !options.cwd.empty() && !fs::is_directory(options.cwd, ec)) {
    throw ProcessError(what + ": working directory " + options.cwd.string() + " does not exist",
                       result);
  }
  install_interrupt_handlers();
  notify_observer(argv, options.cwd);

  Pipe out, err;
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), 2);
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, options.cwd.c_str());
  }
  // Own process group (see the header); default SIGPIPE/SIGINT/... and an empty signal mask,
  // whatever the calling thread blocks or ignores, so the tool behaves as from a terminal. A
  // signal that was ignored at start stays ignored in the tool: under nohup, a hangup must not
  // kill the linker either.
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigemptyset(&empty);
  for (int sig : kInterruptSignals) {
    if (sigismember(&g_ignored_at_start, sig) != 1) sigaddset(&defaults, sig);
  }
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> env = merged_environment(options.env);
  std::vector<char*> envp, args;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  Watchdog watchdog;  // before the tool: it never runs unwatched
  const auto start = Clock::now();
  pid_t pid = 0;
  std::optional<InterruptsBlocked> blocked(std::in_place);  // until the child is tracked
  int rc = ::posix_spawnp(&pid, args[0], &setup.actions, &setup.attr, args.data(), envp.data());
  out.write.reset();
  err.write.reset();
  if (rc != 0) {
    result.exit_code = 127;  // what a shell reports for "command not found"
    std::string reason;
    if (rc == ENOENT) {
      reason = "not found";
      if (argv[0].find('/') == std::string::npos) reason += " on PATH";
      reason += "; " + (options.install_hint.empty() ? std::string("install it or pass its path")
                                                     : options.install_hint);
    } else {
      reason = errno_text(rc);
    }
    result.err = reason;
    std::string message = "cannot run '" + tool + "': " + reason;
    if (!options.purpose.empty()) message = options.purpose + ": " + message;
    throw ProcessError(message, std::move(result));
  }

  ChildGuard child(pid);
  child.watch(watchdog);
  blocked.reset();
  const auto deadline =
      options.timeout.count() > 0 ? start + options.timeout : Clock::time_point::max();
  // Once we kill the group on timeout, stop waiting for EOF after this much longer: a process
  // that left the group (setsid) could otherwise hold the pipe open for ever.
  constexpr auto kDrainGrace = std::chrono::seconds(2);
  Clock::time_point drain_until = Clock::time_point::max();

  UniqueFd* fds[2] = {&out.read, &err.read};
  std::string* sinks[2] = {&result.out, &result.err};
  std::vector<char> buf(1 << 16);
  while (out.read.valid() || err.read.valid()) {
    const auto now = Clock::now();
    if (!result.timed_out && now >= deadline) {
      result.timed_out = true;
      child.kill_group(SIGKILL);
      drain_until = now + kDrainGrace;
    }
    if (now >= drain_until) break;
    int wait_ms = -1;
    auto limit = result.timed_out ? drain_until : deadline;
    if (limit != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(limit - now).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left + 1, 0, 1000));
    }
    pollfd p[2];
    int n = 0;
    int which[2];
    for (int i = 0; i < 2; ++i) {
      if (!fds[i]->valid()) continue;
      p[n] = {fds[i]->get(), POLLIN, 0};
      which[n++] = i;
    }
    int ready = ::poll(p, static_cast<nfds_t>(n), wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw_errno("waiting for output of " + tool);
    }
    for (int k = 0; k < n; ++k) {
      if (p[k].revents == 0) continue;
      int i = which[k];
      ssize_t got = ::read(fds[i]->get(), buf.data(), buf.size());
      if (got > 0) {
        sinks[i]->append(buf.data(), static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i]->reset();
      }
    }
  }
  int status = 0;
  if (result.timed_out || deadline == Clock::time_point::max()) {
    status = child.wait();
  } else {
    // The tool closed its output but may still run: keep honouring the deadline.
    while (!child.try_wait(status)) {
      if (Clock::now() >= deadline) {
        result.timed_out = true;
        child.kill_group(SIGKILL);
        status = child.wait();
        break;
      }
      ::usleep(10000);
    }
  }
  result.elapsed = Clock::now() - start;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

ProcessResult run_process_checked(const std::vector<std::string>& argv,
                                  const ProcessOptions& options) {
  ProcessResult result = run_process(argv, options);
  if (result.ok()) return result;
  std::string message = display_name(argv) + " " + result.status_text();
  if (!options.purpose.empty()) message = options.purpose + ": " + message;
  std::string diag = first_diagnostic(result.err);
  if (!diag.empty()) message += ": " + diag;
  throw ProcessError(message, std::move(result));
}

// ---- helpers ---------------------------------------------------------------------------------

fs::path find_program(std::string_view program) {
  auto executable = [](const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.empty()) return {};
  if (program.find('/') != std::string_view::npos) {
    fs::path p(program);
    return executable(p) ? p : fs::path();
  }
  const char* path_env = std::getenv("PATH");
  std::string_view path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    std::size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    fs::path candidate = fs::path(dir.empty() ? "." : std::string(dir)) / std::string(program);
    if (executable(candidate)) return candidate;
    if (colon == std::string_view::npos) break;
    path.remove_prefix(colon + 1);
  }
  return {};
}

std::string shell_quote(std::string_view arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789_-+=/.,:@%") == std::string_view::npos) {
    return std::string(arg);
  }
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";  // close, escaped quote, reopen
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line += ' ';
    line += shell_quote(a);
  }
  return line;
}

void kill_running_processes(int sig) noexcept {
  for (auto& slot : g_children) {
    pid_t pgid = slot.pgid.load();
    if (pgid > 0) ::kill(-pgid, sig);
  }
}

void stop_running_processes(int sig) noexcept {
  // Long enough for gcc to remove its own temporary files on SIGINT/SIGTERM; a linker killed in
  // the middle of a write stops at once.
  constexpr long kGraceMs = 2000;
  constexpr long kKillWaitMs = 1000;
  const int saved_errno = errno;  // a handler that returns must leave errno as it was
  kill_running_processes(sig);
  if (!wait_for_groups(kGraceMs)) {
    kill_running_processes(SIGKILL);
    wait_for_groups(kKillWaitMs);
  }
  // The groups are gone: tell the watchdogs, so none kills a group id used again later.
  for (auto& slot : g_children) {
    int fd = slot.watchdog_fd.exchange(-1);
    if (fd < 0) continue;
    char done = 'x';
    [[maybe_unused]] ssize_t n = ::write(fd, &done, 1);
  }
  errno = saved_errno;
}

void install_interrupt_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigemptyset(&g_ignored_at_start);
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    // One cleanup at a time: a second signal waits until the first has removed everything.
    sigemptyset(&sa.sa_mask);
    for (int sig : kInterruptSignals) sigaddset(&sa.sa_mask, sig);
    sa.sa_flags = SA_RESTART;
    for (int sig : kInterruptSignals) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0) continue;
      const bool plain = (old.sa_flags & SA_SIGINFO) == 0;
      if (plain && old.sa_handler == SIG_IGN) sigaddset(&g_ignored_at_start, sig);
      // Only where the disposition is the default: a program's own handler stays, and an
      // ignored signal (nohup, a shell's background job) stays ignored.
      if (plain && old.sa_handler == SIG_DFL) ::sigaction(sig, &sa, nullptr);
    }
  });
}

}  // namespace mblob
