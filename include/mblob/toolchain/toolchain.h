// Toolchain presets: which compiler, linker and archiver build a library for a target.
//
// Presets are derived from the target table (object/target.h): each row carries its default
// toolchain (TargetToolchain) and becomes one preset named by its triple. The triple that selects
// the object writer's target also selects the preset (preset_for_triple), so one `--target`
// drives both, and a target cannot have one without the other. Two more presets are chosen by
// name only: host-gcc (what the host's own row resolves to: the system gcc) and host-clang.
// A user can override the compiler driver (`cc`) and the linker (`bfd|gold|lld|mold`, passed
// to the driver as -fuse-ld=; presets that run their linker themselves, such as the clang +
// ld.lld rows, accept only lld).
//
// Outputs are atomic, handled here (callers need no clean-up): the tool writes into a private
// directory created beside the output (same file system), under the output's own file name,
// because some tools record that name in the file (a DLL's export directory); the file is
// renamed onto the output only when the tool succeeded. A failing or interrupted tool leaves
// the previous output, or none, and no partial file. The output is resolved as every mblob
// output is (core/output_path.h): a symbolic link is written through (staged beside the file it
// names), a character device or FIFO gets the finished file streamed into it (staged under
// $TMPDIR), a directory is refused; an output that is one of the tool's inputs is refused
// before the tool runs.
//
// Every path on a tool's command line goes through tool_path, so no file name is read as an
// option.
//
// A caller can check the new file before it replaces the output (OutputCheck): a check that
// throws leaves the previous output, or none, like a failing tool.
//
// Every operation returns a ToolStep (command line and wall time) for an export summary.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/object/target.h"
#include "mblob/toolchain/process.h"

namespace mblob {

// One preset: a target's default toolchain (the TargetToolchain columns) under a name. A custom
// preset (for tests or a program's own toolchains) must keep its strings alive as long as it is
// used.
struct ToolchainPreset : TargetToolchain {
  std::string_view name{};    // "host-gcc", "aarch64-linux-gnu"
  std::string_view triple{};  // the target row it builds for; "" = this machine (host presets)
};

// Every preset: host-gcc, host-clang, then one per target row in table order.
std::span<const ToolchainPreset> toolchain_presets();
// Looks up a preset by name; a row's preset also answers to every spelling of its triple
// ("hexagon" for "hexagon-unknown-elf"). Throws UsageError naming the closest preset when
// unknown.
const ToolchainPreset& preset_by_name(std::string_view name);
// The preset for a target row: host-gcc for the host's own row, else the row's toolchain.
const ToolchainPreset& preset_for_target(const Target& target);
// The preset for a triple ("" or "host" = this machine), through the target table: any spelling
// find_target accepts; an unknown triple throws find_target's UsageError ("did you mean").
const ToolchainPreset& preset_for_triple(std::string_view triple);

struct ToolchainOverrides {
  std::string cc{};      // compiler driver path or name; empty keeps the preset's
  std::string linker{};  // "bfd", "gold", "lld", "mold"; empty keeps the driver's default
};

// `path` as an unambiguous command-line argument for a compiler, linker, archiver or objcopy: a
// relative path starting with '-' (an option) or '@' (a response file, to gcc, ld and ar) gets
// "./" in front; any other path is returned as it is.
std::string tool_path(const std::filesystem::path& path);

// What one tool invocation did: for an export summary and for --verbose output.
struct ToolStep {
  std::string action;  // "compile", "link", "archive"
  std::vector<std::string> argv;
  std::filesystem::path output;
  std::chrono::nanoseconds elapsed{0};
  std::string command_line() const { return shell_join(argv); }
};

// Called with the staged file (the tool's output, not yet renamed onto the output); throws to
// refuse it.
using OutputCheck = std::function<void(const std::filesystem::path& staged)>;

class Toolchain {
 public:
  // Throws Error when an override does not fit the preset (unknown linker, a linker the target
  // cannot use).
  explicit Toolchain(const ToolchainPreset& preset, ToolchainOverrides overrides = {});
  static Toolchain for_triple(std::string_view triple, ToolchainOverrides overrides = {});
  static Toolchain for_target(const Target& target, ToolchainOverrides overrides = {});
  static Toolchain named(std::string_view name, ToolchainOverrides overrides = {});

  const ToolchainPreset& preset() const { return preset_; }
  const ToolchainOverrides& overrides() const { return overrides_; }
  std::string shared_library_suffix() const;
  std::string executable_suffix() const { return std::string(preset_.executable_suffix); }
  static std::string static_library_suffix() { return ".a"; }

  // Tools this toolchain runs, with the Debian package for each (for messages).
  struct Tool {
    std::string program;
    std::string package;  // empty when unknown (a user override)
  };
  std::vector<Tool> tools() const;
  // The tools that are not installed; empty when everything is there.
  std::vector<Tool> missing_tools() const;
  // Throws Error naming every missing tool and the package that provides it.
  void check_available() const;

  // Compiles one C, C++ or assembly source (.c .cc .cpp .cxx .C .S .s) with -O2 (and -fPIC
  // where the preset uses it) into `object`.
  ToolStep compile(const std::filesystem::path& source, const std::filesystem::path& object,
                   const std::vector<std::string>& extra_flags = {}) const;
  // Links objects (and archives) into a shared library (.so/.dll/.dylib by target).
  ToolStep link_shared(const std::vector<std::filesystem::path>& objects,
                       const std::filesystem::path& out,
                       const std::vector<std::string>& extra_flags = {},
                       const OutputCheck& check = {}) const;
  // Links a program (for tests and examples; not every preset can, see can_link_executable).
  ToolStep link_executable(const std::vector<std::filesystem::path>& objects,
                           const std::filesystem::path& out,
                           const std::vector<std::string>& extra_flags = {}) const;
  // Creates a static archive (deterministic: zero timestamps and owners), replacing `out`.
  ToolStep archive(const std::vector<std::filesystem::path>& objects,
                   const std::filesystem::path& out, const OutputCheck& check = {}) const;

  // The command lines the operations above run, with `out` as the output path (no file is
  // touched). Exposed for --dry-run style output and tests.
  std::vector<std::string> compile_command(const std::filesystem::path& source,
                                           const std::filesystem::path& out,
                                           const std::vector<std::string>& extra_flags = {}) const;
  std::vector<std::string> link_shared_command(
      const std::vector<std::filesystem::path>& objects, const std::filesystem::path& out,
      const std::vector<std::string>& extra_flags = {}) const;
  std::vector<std::string> link_executable_command(
      const std::vector<std::filesystem::path>& objects, const std::filesystem::path& out,
      const std::vector<std::string>& extra_flags = {}) const;
  std::vector<std::string> archive_command(const std::vector<std::filesystem::path>& objects,
                                           const std::filesystem::path& out) const;

 private:
  std::string cc_for(const std::filesystem::path& source) const;
  // The driver options that select the --linker override: -fuse-ld=<linker>, and -B<dir>/ when
  // a GNU driver would not find ld.lld or ld.mold itself.
  std::vector<std::string> linker_selection() const;
  std::string install_hint(const std::string& program) const;
  // Runs the command `build` makes for a staged output path; renames the result onto `out`.
  // Refuses (UsageError) an `out` that is one of `inputs`, before anything runs.
  ToolStep run_staged(
      std::string action, const std::filesystem::path& out,
      const std::vector<std::filesystem::path>& inputs,
      const std::function<std::vector<std::string>(const std::filesystem::path&)>& build,
      const std::string& purpose, const OutputCheck& check = {}) const;

  ToolchainPreset preset_;
  ToolchainOverrides overrides_;
};

}  // namespace mblob
