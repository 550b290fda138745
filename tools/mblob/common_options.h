// The options several subcommands share, declared once so they are spelled, described and
// handled alike: --target, -q/--quiet, --json and -v/--verbose. A subcommand adds the ones it
// takes with one call each, bound to its own argument struct.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace mblob::cli {

// --target TRIPLE (default: this machine). `what` says what the target selects for this command,
// e.g. "the object writer's target and the toolchain preset". The name is resolved (and an
// unknown one is a usage error with a suggestion) by the command before any work.
CLI::Option* add_target_option(CLI::App* cmd, std::string& target, const std::string& what);

// -q,--quiet: no progress, no status lines and no summary; errors and warnings still go to
// stderr.
CLI::Option* add_quiet_flag(CLI::App* cmd, bool& quiet);

// --json: the command's result as one JSON object on stdout instead of text; `fields` describes
// it, e.g. "{output, symbol, ...}".
CLI::Option* add_json_flag(CLI::App* cmd, bool& json, const std::string& fields);

// -v,--verbose: print every tool command line mblob runs (compilers, linkers, archivers, pack
// commands) on stderr before it runs, shell-quoted so it can be pasted into a terminal; also
// one status line per export phase when stderr is not a terminal.
CLI::Option* add_verbose_flag(CLI::App* cmd, bool& verbose);

// Whether standard error is a terminal (status lines are redrawn there).
bool stderr_is_terminal();

}  // namespace mblob::cli
