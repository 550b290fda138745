#include "mblob/toolchain/process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
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
#include <mutex>

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
std::array<std::atomic<pid_t>, kMaxTracked> g_groups{};
static_assert(std::atomic<pid_t>::is_always_lock_free);

constexpr std::array kForwardedSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void forward_and_die(int sig) {
  kill_running_processes(sig);
  // Die the way the signal would have killed us, so the shell sees "interrupted".
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_forwarding_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : kForwardedSignals) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0) continue;
      // Respect a program's own choice (a handler, or SIG_IGN as under nohup).
      if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
      struct sigaction sa {};
      sa.sa_handler = forward_and_die;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESTART;
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

// Registers a child's process group while we wait for it; kills and reaps it if we leave
// early (an exception while draining output), so no tool outlives the call that started it.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {
    for (auto& slot : g_groups) {
      pid_t expected = 0;
      if (slot.compare_exchange_strong(expected, pid)) {
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
    if (slot_) slot_->store(0);
  }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;

  void kill_group(int sig) const { ::kill(-pid_, sig); }
  int wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) throw_errno("waiting for child process " + std::to_string(pid_));
    }
    reaped_ = true;
    return status;
  }
  // Returns true (and the status) once the child has exited; never blocks.
  bool try_wait(int& status) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r < 0 && errno != EINTR) throw_errno("waiting for child process " + std::to_string(pid_));
    reaped_ = r == pid_;
    return reaped_;
  }

 private:
  pid_t pid_;
  std::atomic<pid_t>* slot_ = nullptr;
  bool reaped_ = false;
};

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

struct Pipe {
  Fd read, write;
  Pipe() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw_errno("cannot create a pipe");
    read.fd = p[0];
    write.fd = p[1];
  }
};

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
  install_forwarding_handlers();

  Pipe out, err;
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out.write.fd, 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err.write.fd, 2);
  if (!options.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, options.cwd.c_str());
  }
  // Own process group (see the header); default SIGPIPE/SIGINT/... and an empty signal mask,
  // whatever the calling thread blocks or ignores, so the tool behaves as from a terminal.
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigemptyset(&empty);
  for (int sig : kForwardedSignals) sigaddset(&defaults, sig);
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

  const auto start = Clock::now();
  pid_t pid = 0;
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

  // A signal arriving between the spawn and this registration is not forwarded; the window is a
  // few instructions long.
  ChildGuard child(pid);
  const auto deadline =
      options.timeout.count() > 0 ? start + options.timeout : Clock::time_point::max();
  // Once we kill the group on timeout, stop waiting for EOF after this much longer: a process
  // that left the group (setsid) could otherwise hold the pipe open for ever.
  constexpr auto kDrainGrace = std::chrono::seconds(2);
  Clock::time_point drain_until = Clock::time_point::max();

  Fd* fds[2] = {&out.read, &err.read};
  std::string* sinks[2] = {&result.out, &result.err};
  std::vector<char> buf(1 << 16);
  while (out.read.fd >= 0 || err.read.fd >= 0) {
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
      if (fds[i]->fd < 0) continue;
      p[n] = {fds[i]->fd, POLLIN, 0};
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
      ssize_t got = ::read(fds[i]->fd, buf.data(), buf.size());
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
  for (auto& slot : g_groups) {
    pid_t pgid = slot.load();
    if (pgid > 0) ::kill(-pgid, sig);
  }
}

}  // namespace mblob
