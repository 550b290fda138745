// mblob: pack, export, load and inspect model blobs embedded in native libraries.
#include <fmt/core.h>

#include <algorithm>
#include <csignal>

#include "command.h"
#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/runtime/mblob.h"
#include "mblob/toolchain/process.h"

namespace mblob::cli {

std::vector<RegisteredCommand>& commands() {
  static std::vector<RegisteredCommand> list;
  return list;
}

Command::Command(int order, Setup setup) { commands().push_back({order, std::move(setup)}); }

namespace {

// The command word (the first argument that is not an option; the top level has no option that
// takes a value) must name a subcommand: a typo is a usage error with the closest name, not
// CLI11's "A subcommand is required".
void check_command_word(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") break;
    if (!word.empty() && word[0] == '-') continue;
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), word) != names.end()) return;
    throw mblob::UsageError("unknown command '" + mblob::printable(word) + "'" +
                            mblob::did_you_mean(word, names) + " (commands: " + mblob::join(names) +
                            ")");
  }
}

// CLI11's parse errors in mblob's one message style.
std::string failure_message(const CLI::App*, const CLI::Error& e) {
  return "mblob: error: " + mblob::printable(e.what()) +
         "\nRun with --help for more information.\n";
}

}  // namespace
}  // namespace mblob::cli

int main(int argc, char** argv) {
  using namespace mblob::cli;
  CLI::App app{
      "mblob: embed a model's module tree (device code, constants, weights) into a native\n"
      "library at disk speed, byte-compatible with Apache TVM's blob layouts; load it back.\n"};
  app.name("mblob");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("mblob ") + mblob_version());
  app.failure_message(failure_message);
  app.footer(
      "Run `mblob COMMAND --help` for a command's options; --target, -q/--quiet, --json and\n"
      "-v/--verbose mean the same in every command that takes them.\n"
      "Results and summaries go to stdout; progress, warnings (mblob: warning: ...) and errors\n"
      "(mblob: error: ...) to stderr.\n"
      "Exit status: 0 success, 1 error (one line on stderr), 2 usage error (a bad option or\n"
      "value, or an unknown command, target, packer or linker).");

  // Past a file-size limit (ulimit -f) the kernel sends SIGXFSZ, whose default action kills the
  // process without a word; ignored, the write fails with EFBIG and the command reports it (and
  // leaves no partial file). Every command that writes files gets this.
  std::signal(SIGXFSZ, SIG_IGN);
  // Ctrl-C and friends: stop the tools we run, remove our temporaries, then die of the signal
  // as usual; the target of an interrupted write is left as it was. Signals ignored at start
  // (nohup) stay ignored. The rules are in mblob/toolchain/process.h.
  mblob::install_interrupt_handlers();

  auto& list = commands();
  std::stable_sort(list.begin(), list.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  Action selected;
  for (auto& c : list) c.setup(app, selected);

  try {
    check_command_word(app, argc, argv);
    app.parse(argc, argv);
  } catch (const mblob::UsageError& e) {
    fmt::print(stderr, "mblob: error: {}\nRun with --help for more information.\n", e.what());
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (!selected) {
      fmt::print(stderr, "mblob: error: no command given\nRun with --help for more information.\n");
      return kExitUsage;
    }
    return selected();
  } catch (const mblob::ProcessError& e) {
    // One line first, then what the tool said (its command line and stderr).
    fmt::print(stderr, "mblob: error: {}\n{}\n", mblob::printable(e.what()), e.details());
    return kExitError;
  } catch (const mblob::UsageError& e) {
    fmt::print(stderr, "mblob: error: {}\nRun with --help for more information.\n",
               mblob::printable(e.what()));
    return kExitUsage;
  } catch (const mblob::Error& e) {
    // printable() once more at the edge: whatever a message quotes from a file, it stays one
    // line that cannot drive the terminal.
    fmt::print(stderr, "mblob: error: {}\n", mblob::printable(e.what()));
    return kExitError;
  } catch (const std::exception& e) {
    fmt::print(stderr, "mblob: error: {}\n", mblob::printable(e.what()));
    return kExitError;
  }
}
