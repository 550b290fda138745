// Running external tools (compilers, linkers, archivers, user commands) without a shell.
//
// Why not system()/popen(): a blob path or symbol name with a space, `;` or `$(...)` must reach
// the tool as one literal argument, never be reinterpreted, and a failing tool's stderr must be
// captured so the user sees the compiler's own diagnostic under mblob's one-line error.
//
// How a child is run:
// * posix_spawnp with an argv vector; the program is looked up on PATH unless it contains '/'.
// * stdin is /dev/null; stdout and stderr are captured through two pipes drained by poll(), so
//   a tool writing MiBs to both never deadlocks against us.
// * The child gets its own process group, so a timeout or an exception can kill the tool *and*
//   what it started (gcc -> collect2 -> ld, gcc -> cc1 -> as) with one kill(-pgid).
//
// Signals (one place decides: install_interrupt_handlers(), which the CLI calls first thing and
// run_process() calls too). A group that is not the terminal's foreground group does not receive
// Ctrl-C, so for SIGINT, SIGTERM, SIGHUP and SIGQUIT a handler forwards the signal to every
// running child group, waits for the groups to end (SIGKILL after 2 s), removes the pending
// temporaries of core/file.h (files and directories, so an export leaves neither its staging
// directory nor its workspace), then re-raises the signal with the default action. It is
// installed only where the disposition is still SIG_DFL when first asked: a program's own
// handler is kept (it can call stop_running_processes() and remove_pending_temp_files()), and a
// signal ignored at start stays ignored, in mblob and in the tools it runs (nohup, a shell's
// background job).
//
// SIGKILL of this process cannot be caught, and PR_SET_PDEATHSIG would reach only the direct
// child (gcc), not collect2 or ld. So every tool gets a watchdog: a forked copy of this process
// that closes every descriptor but the read end of a pipe whose write end only we hold, ignores
// the terminal's signals, and blocks in read(). When the tool ends normally we write one byte
// (before reaping the tool, so its group id cannot be reused yet) and the watchdog exits; when
// we die, the kernel closes the pipe, read() returns end of file, and the watchdog kills the
// whole group with SIGKILL. The tools are dead within milliseconds of us. What is not covered: a
// tool that leaves its group (setsid), and a SIGKILL in the few instructions between the spawn
// and the watchdog's fork. The temporaries of the killed run stay until the next run to the
// same output removes them (see remove_stale_temporaries in core/file.h).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/error.h"

namespace mblob {

// Members all have default initializers so callers can use designated initializers
// ({.timeout = 5s}) under -Wextra.
struct ProcessOptions {
  // "NAME=VALUE" entries added to the inherited environment; one replaces an inherited NAME.
  // PATH lookup of argv[0] uses this process's PATH, not an overridden one.
  std::vector<std::string> env{};
  // Working directory of the child; empty keeps ours. A relative argv[0] containing '/' is then
  // resolved from the new directory, so pass absolute paths for programs.
  std::filesystem::path cwd{};
  // Zero: no limit. On expiry the child's whole process group is killed (SIGKILL).
  std::chrono::milliseconds timeout{0};
  // Shown when argv[0] is not found, e.g. "install the Debian package gcc-mingw-w64-x86-64".
  std::string install_hint{};
  // What the run is for, for error messages: "compiling k.c". Empty: the tool's name alone.
  std::string purpose{};
};

struct ProcessResult {
  std::vector<std::string> argv;
  std::filesystem::path cwd;
  int exit_code = -1;      // when the child exited; -1 otherwise
  int signal = 0;          // the terminating signal, 0 when it exited
  bool timed_out = false;  // killed by us because the timeout expired
  std::string out;         // captured stdout
  std::string err;         // captured stderr
  std::chrono::nanoseconds elapsed{0};

  bool ok() const { return exit_code == 0 && signal == 0 && !timed_out; }
  // "exited with status 1", "killed by signal 11 (Segmentation fault)", "timed out after 2.0 s"
  std::string status_text() const;
};

// A tool that could not be started or did not succeed. what() is one line that names the tool,
// the purpose and the status, plus the first diagnostic line of its stderr; details() has the
// full command line and the whole stderr for the CLI to print under that line.
class ProcessError : public Error {
 public:
  ProcessError(const std::string& message, ProcessResult result);

  const ProcessResult& result() const { return result_; }
  // The command line, shell-quoted so a user can paste it into a terminal to reproduce.
  std::string command_line() const;
  const std::string& stderr_text() const { return result_.err; }
  // "command: <command_line>\n<stderr>" (stderr omitted when empty), no trailing newline.
  std::string details() const;

 private:
  ProcessResult result_;
};

// Runs argv and waits. Throws ProcessError only when the program cannot be started (not found,
// not executable); a non-zero exit, a signal or a timeout is reported in the result.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Sees every command line run_process() is about to start (argv and working directory; empty:
// ours), on the calling thread, before the tool runs: how `mblob -v` shows each tool it runs.
// The library prints nothing by default.
using CommandObserver =
    std::function<void(const std::vector<std::string>& argv, const std::filesystem::path& cwd)>;

// Sets the process-wide observer (an empty function: none) and returns the previous one.
// Thread-safe: commands started concurrently each call the observer in force when they start;
// the observer itself must be safe to call from several threads.
CommandObserver set_command_observer(CommandObserver observer);

// Like run_process, but throws ProcessError unless the tool exited with status 0.
ProcessResult run_process_checked(const std::vector<std::string>& argv,
                                  const ProcessOptions& options = {});

// Full path of `program` (searched on PATH unless it contains '/') if it is an executable file,
// else an empty path.
std::filesystem::path find_program(std::string_view program);

// POSIX-shell quoting for display: plain words stay as they are, others get single quotes.
std::string shell_quote(std::string_view arg);
std::string shell_join(const std::vector<std::string>& argv);

// Sends `sig` to the process group of every child run_process() is currently waiting for.
// Async-signal-safe: for use in a program's own signal handlers.
void kill_running_processes(int sig) noexcept;

// Sends `sig` to every running child group, waits up to 2 s for them to end, SIGKILLs what is
// left and waits up to 1 s more, reaping the tools. Async-signal-safe; for a handler that must
// know the tools are gone before it removes the directories they write into.
void stop_running_processes(int sig) noexcept;

// Installs the interrupt handlers described at the top of this file, once per process; later
// calls do nothing. Records which of the signals were ignored, for the tools' dispositions.
void install_interrupt_handlers();

}  // namespace mblob
