#include "common_options.h"

#include <fmt/core.h>
#include <unistd.h>

#include "mblob/toolchain/process.h"

namespace mblob::cli {
namespace {

// "mblob: run: gcc -c k.c -o k.o" (with "(in DIR)" when the tool runs elsewhere), one write.
void print_command(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
  std::string where = cwd.empty() ? "" : " (in " + shell_quote(cwd.string()) + ")";
  fmt::print(stderr, "mblob: run{}: {}\n", where, shell_join(argv));
  std::fflush(stderr);
}

}  // namespace

CLI::Option* add_target_option(CLI::App* cmd, std::string& target, const std::string& what) {
  return cmd->add_option(
      "--target", target,
      "Target triple (default: this machine); selects " + what +
          ". Vendor fields and common aliases are accepted (x86_64-pc-linux-gnu, "
          "arm64-linux-gnu, x86_64-pc-windows-gnu, arm64-apple-macos), and a bare architecture "
          "names its first row (arm64 = aarch64-linux-gnu, amd64 = x86_64-linux-gnu); ABI "
          "variants after a colon (riscv64-linux-gnu:lp64f, hexagon-unknown-elf:v73). `mblob "
          "targets` lists them.");
}

CLI::Option* add_quiet_flag(CLI::App* cmd, bool& quiet) {
  return cmd->add_flag("-q,--quiet", quiet,
                       "No progress, no status lines and no summary (errors and warnings are "
                       "still printed on stderr).");
}

CLI::Option* add_json_flag(CLI::App* cmd, bool& json, const std::string& fields) {
  return cmd->add_flag("--json", json, "Print the result as JSON on stdout: " + fields);
}

CLI::Option* add_verbose_flag(CLI::App* cmd, bool& verbose) {
  return cmd->add_flag_callback(
      "-v,--verbose",
      [&verbose] {
        verbose = true;
        set_command_observer(print_command);
      },
      "Print every tool command line mblob runs (compiler, linker, archiver, pack command) on "
      "stderr before it runs, shell-quoted; and a line per export phase when stderr is not a "
      "terminal.");
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace mblob::cli
