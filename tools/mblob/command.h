// The CLI's subcommands register themselves here: one file per subcommand (cmd_<name>.cc)
// defines a setup function and a static Command object. main() builds the CLI11 app from them.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace mblob::cli {

// What runs after parsing; returns the process exit code.
using Action = std::function<int()>;
// Adds a subcommand to `app`; its CLI11 callback stores the work to do in `selected`.
using Setup = std::function<void(CLI::App& app, Action& selected)>;

struct Command {
  // `order` sorts commands in --help.
  Command(int order, Setup setup);
};

struct RegisteredCommand {
  int order;
  Setup setup;
};
std::vector<RegisteredCommand>& commands();

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

}  // namespace mblob::cli
