#include "mblob/toolchain/toolchain.h"

#include <stdlib.h>

#include <algorithm>
#include <array>
#include <system_error>

#include "mblob/core/error.h"
#include "mblob/core/file.h"
#include "mblob/core/output_path.h"
#include "mblob/core/text.h"

namespace mblob {
namespace fs = std::filesystem;

namespace {

// The presets chosen by name only. host-gcc is what the host's own target row resolves to: the
// system compiler, with gcc-ar (not ar) so archives of -flto objects get a symbol index. Every
// other preset is a target row's toolchain (object/target.h).
ToolchainPreset host_preset(std::string_view name, std::string_view cc, std::string_view cxx,
                            std::string_view ar, std::string_view cc_package,
                            std::string_view ar_package) {
  ToolchainPreset p;
  p.name = name;
  p.cc = cc;
  p.cxx = cxx;
  p.ar = ar;
  p.linkers = "bfd gold lld mold";
  p.shared_suffix = "";  // the host's: .so, or .dylib on macOS
  p.cc_package = cc_package;
  p.ar_package = ar_package;
  p.binutils_package = "binutils";
  return p;
}

std::vector<ToolchainPreset> make_presets() {
  std::vector<ToolchainPreset> out{
      host_preset("host-gcc", "gcc", "g++", "gcc-ar", "gcc", "gcc"),
      host_preset("host-clang", "clang", "clang++", "llvm-ar", "clang", "llvm"),
  };
  for (const Target& t : all_targets()) {
    ToolchainPreset p;
    static_cast<TargetToolchain&>(p) = t.toolchain;
    p.name = t.triple;
    p.triple = t.triple;
    out.push_back(p);
  }
  return out;
}

const std::vector<ToolchainPreset>& presets() {
  static const std::vector<ToolchainPreset> table = make_presets();
  return table;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    std::size_t end = text.find(' ');
    out.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end);
  }
  return out;
}

bool contains_word(std::string_view list, std::string_view word) {
  auto w = words(list);
  return std::find(w.begin(), w.end(), word) != w.end();
}

const std::array<std::string_view, 4> kLinkers = {"bfd", "gold", "lld", "mold"};

bool is_cxx_source(const fs::path& source) {
  std::string ext = source.extension().string();
  return ext == ".cc" || ext == ".cpp" || ext == ".cxx" || ext == ".C" || ext == ".c++";
}

// A private directory beside the output: the tool writes <dir>/<output's own name>, which is
// renamed onto the output only after the tool succeeded. The tool must see the final file name
// because some embed it (a DLL's export directory records its own name), so a temp *name* as in
// AtomicFile would leak into the bytes. Removed, with anything the tool left, on destruction.
// The output is resolved as AtomicFile resolves it: beside the file a symbolic link names; for
// a device or FIFO the directory is under $TMPDIR and the finished file is streamed into it.
class StagingDir {
 public:
  explicit StagingDir(const fs::path& out)
      : out_(resolve_output(out)),
        dir_(out_.stream ? TempDir::in_tmp("mblob-stage") : TempDir::beside(out_.file)) {}

  fs::path staged() const { return dir_.path() / out_.requested.filename(); }
  const fs::path& dir() const { return dir_.path(); }

  void commit(const std::string& tool) {
    std::error_code ec;
    if (!fs::is_regular_file(staged(), ec)) {
      throw Error(tool + " succeeded but did not write " + out_.requested.string());
    }
    if (out_.stream) {
      stream_file_into(staged(), out_);
      return;
    }
    fs::rename(staged(), out_.file, ec);
    if (ec) {
      throw Error("cannot move the new file into place at " + out_.requested.string() + ": " +
                  ec.message());
    }
  }

 private:
  OutputPath out_;
  TempDir dir_;
};

}  // namespace

std::string tool_path(const fs::path& path) {
  const std::string& s = path.native();
  if (path.is_relative() && !s.empty() && (s[0] == '-' || s[0] == '@')) return "./" + s;
  return s;
}

// ---- the table -------------------------------------------------------------------------------

std::span<const ToolchainPreset> toolchain_presets() { return presets(); }

const ToolchainPreset& preset_by_name(std::string_view name) {
  for (const auto& p : presets()) {
    if (p.name == name) return p;
  }
  if (const Target* t = lookup_target(name)) {
    for (const auto& p : presets()) {
      if (p.triple == t->triple) return p;
    }
  }
  std::vector<std::string> names;
  for (const auto& p : presets()) names.emplace_back(p.name);
  throw UsageError("unknown toolchain preset '" + printable(name) + "'" +
                   did_you_mean(name, names) + "; known: " + join(names, ", "));
}

const ToolchainPreset& preset_for_target(const Target& target) {
  if (&target == &host_target()) return preset_by_name("host-gcc");
  for (const auto& p : presets()) {
    if (p.triple == target.triple) return p;
  }
  // Unreachable for rows of the table: every row has a preset (make_presets).
  throw Error("no toolchain preset for target '" + std::string(target.triple) + "'");
}

const ToolchainPreset& preset_for_triple(std::string_view triple) {
  if (triple.empty() || triple == "host") return preset_by_name("host-gcc");
  return preset_for_target(find_target(triple));
}

// ---- Toolchain -------------------------------------------------------------------------------

Toolchain::Toolchain(const ToolchainPreset& preset, ToolchainOverrides overrides)
    : preset_(preset), overrides_(std::move(overrides)) {
  const std::string& l = overrides_.linker;
  if (l.empty()) return;
  if (std::find(kLinkers.begin(), kLinkers.end(), l) == kLinkers.end()) {
    throw UsageError("unknown linker '" + printable(l) + "'" +
                     did_you_mean(l, std::vector<std::string>(kLinkers.begin(), kLinkers.end())) +
                     " (choose bfd, gold, lld or mold)");
  }
  if (!contains_word(preset_.linkers, l)) {
    throw UsageError("toolchain " + std::string(preset_.name) + " cannot link with " + l +
                     "; it supports: " + std::string(preset_.linkers));
  }
}

Toolchain Toolchain::for_triple(std::string_view triple, ToolchainOverrides overrides) {
  return Toolchain(preset_for_triple(triple), std::move(overrides));
}

Toolchain Toolchain::for_target(const Target& target, ToolchainOverrides overrides) {
  return Toolchain(preset_for_target(target), std::move(overrides));
}

Toolchain Toolchain::named(std::string_view name, ToolchainOverrides overrides) {
  return Toolchain(preset_by_name(name), std::move(overrides));
}

std::string Toolchain::shared_library_suffix() const {
  if (!preset_.shared_suffix.empty()) return std::string(preset_.shared_suffix);
#if defined(__APPLE__)
  return ".dylib";
#else
  return ".so";
#endif
}

std::vector<Toolchain::Tool> Toolchain::tools() const {
  std::vector<Tool> out;
  if (overrides_.cc.empty()) {
    out.push_back({std::string(preset_.cc), std::string(preset_.cc_package)});
  } else {
    out.push_back({overrides_.cc, ""});
  }
  out.push_back({std::string(preset_.ar), std::string(preset_.ar_package)});
  if (!preset_.ld.empty())
    out.push_back({std::string(preset_.ld), std::string(preset_.ld_package)});
  const std::string& l = overrides_.linker;
  if (!l.empty() && preset_.ld.empty()) {
    // What the driver's -fuse-ld=<l> runs.
    if (l == "lld") {
      out.push_back({"ld.lld", "lld"});
    } else if (l == "mold") {
      out.push_back({"ld.mold", "mold"});
    } else {
      out.push_back(
          {std::string(preset_.tool_prefix) + "ld." + l, std::string(preset_.binutils_package)});
    }
  }
  return out;
}

std::vector<Toolchain::Tool> Toolchain::missing_tools() const {
  std::vector<Tool> missing;
  for (auto& t : tools()) {
    if (find_program(t.program).empty()) missing.push_back(t);
  }
  return missing;
}

void Toolchain::check_available() const {
  auto missing = missing_tools();
  if (missing.empty()) return;
  std::vector<std::string> items;
  for (const auto& t : missing) {
    items.push_back(t.program + (t.package.empty() ? std::string(" (not found)")
                                                   : " (Debian package " + t.package + ")"));
  }
  throw Error("toolchain " + std::string(preset_.name) + " is not usable: missing " +
              join(items, ", ") + "; scripts/install-deps.sh installs the packages");
}

std::string Toolchain::cc_for(const fs::path& source) const {
  if (!overrides_.cc.empty()) return overrides_.cc;
  return std::string(is_cxx_source(source) ? preset_.cxx : preset_.cc);
}

std::string Toolchain::install_hint(const std::string& program) const {
  for (const auto& t : tools()) {
    if (t.program == program && !t.package.empty()) {
      return "install the Debian package " + t.package + " (scripts/install-deps.sh)";
    }
  }
  if (program == preset_.cxx) {
    // Debian names C++ drivers after the C ones: gcc-X -> g++-X; clang provides clang++.
    std::string pkg(preset_.cc_package);
    if (pkg.starts_with("gcc")) pkg = "g++" + pkg.substr(3);
    return "install the Debian package " + pkg;
  }
  return "install it or pass its path with --cc";
}

std::vector<std::string> Toolchain::compile_command(const fs::path& source, const fs::path& out,
                                                    const std::vector<std::string>& extra) const {
  std::vector<std::string> argv{cc_for(source)};
  for (auto f : words(preset_.target_flags)) argv.emplace_back(f);
  argv.insert(argv.end(), {"-c", "-O2"});
  if (preset_.pic) argv.emplace_back("-fPIC");
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(tool_path(source));
  argv.insert(argv.end(), {"-o", tool_path(out)});
  return argv;
}

std::vector<std::string> Toolchain::linker_selection() const {
  const std::string& l = overrides_.linker;
  if (l.empty()) return {};
  std::vector<std::string> out{"-fuse-ld=" + l};
  // A GNU cross driver looks for ld.lld and ld.mold in its own program directories only, not on
  // PATH: -B shows it the directory PATH finds them in (both linkers are multi-target).
  if ((l == "lld" || l == "mold") && !preset_.tool_prefix.empty()) {
    const fs::path ld = find_program("ld." + l);
    if (!ld.empty()) out.push_back("-B" + ld.parent_path().string() + "/");
  }
  return out;
}

std::vector<std::string> Toolchain::link_shared_command(
    const std::vector<fs::path>& objects, const fs::path& out,
    const std::vector<std::string>& extra) const {
  std::vector<std::string> argv;
  if (!preset_.ld.empty()) {
    argv = {std::string(preset_.ld), std::string(preset_.shared_flag)};
  } else {
    argv = {overrides_.cc.empty() ? std::string(preset_.cc) : overrides_.cc};
    for (auto f : words(preset_.target_flags)) argv.emplace_back(f);
    argv.emplace_back(preset_.shared_flag);
    for (auto& f : linker_selection()) argv.push_back(std::move(f));
  }
  for (auto f : words(preset_.link_flags)) argv.emplace_back(f);
  // ld64 records a dylib's install name, by default the path it writes (here a staging
  // directory): name it after the file instead, so the output is the same wherever it is
  // linked, and dyld finds it through the loader's rpath as for any relocatable dylib.
  if (fs::path(preset_.ld).filename().string().starts_with("ld64.lld")) {
    argv.insert(argv.end(), {"-install_name", "@rpath/" + out.filename().string()});
  }
  // lld-link, like MSVC's link.exe, takes MSVC-style options: /out:, not -o.
  if (fs::path(preset_.ld).filename() == "lld-link") {
    argv.push_back("/out:" + tool_path(out));
  } else {
    argv.insert(argv.end(), {"-o", tool_path(out)});
  }
  for (const auto& o : objects) argv.push_back(tool_path(o));
  // After the objects, so libraries (-lm) resolve what the objects need.
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::vector<std::string> Toolchain::link_executable_command(
    const std::vector<fs::path>& objects, const fs::path& out,
    const std::vector<std::string>& extra) const {
  if (!preset_.can_link_executable) {
    throw Error("toolchain " + std::string(preset_.name) +
                " links shared objects only (no C runtime for executables)");
  }
  std::vector<std::string> argv{overrides_.cc.empty() ? std::string(preset_.cc) : overrides_.cc};
  for (auto f : words(preset_.target_flags)) argv.emplace_back(f);
  for (auto& f : linker_selection()) argv.push_back(std::move(f));
  for (auto f : words(preset_.link_flags)) argv.emplace_back(f);
  argv.insert(argv.end(), {"-o", tool_path(out)});
  for (const auto& o : objects) argv.push_back(tool_path(o));
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::vector<std::string> Toolchain::archive_command(const std::vector<fs::path>& objects,
                                                    const fs::path& out) const {
  // r: insert, c: no "creating" note, s: symbol index (what the linker searches), D: zero
  // timestamps, uids and modes so archives are byte-identical across builds.
  std::vector<std::string> argv{std::string(preset_.ar), "rcsD", tool_path(out)};
  for (const auto& o : objects) argv.push_back(tool_path(o));
  return argv;
}

ToolStep Toolchain::run_staged(
    std::string action, const fs::path& out, const std::vector<fs::path>& inputs,
    const std::function<std::vector<std::string>(const fs::path&)>& build,
    const std::string& purpose, const OutputCheck& check) const {
  check_output_is_not_input(out, inputs);
  StagingDir staging(out);
  ToolStep step;
  step.action = std::move(action);
  step.output = out;
  step.argv = build(staging.staged());
  ProcessOptions options;
  options.purpose = purpose;
  options.install_hint = install_hint(step.argv.at(0));
  // The tool's own temporaries (gcc's cc*.s, as big as 5x a c-hex payload) go into the staging
  // directory too: removed with it on failure or a signal, and by the next run after a SIGKILL.
  options.env = {"TMPDIR=" + fs::absolute(staging.dir()).string()};
  ProcessResult result = run_process_checked(step.argv, options);
  step.elapsed = result.elapsed;
  if (check) check(staging.staged());
  staging.commit(step.argv[0]);
  return step;
}

ToolStep Toolchain::compile(const fs::path& source, const fs::path& object,
                            const std::vector<std::string>& extra_flags) const {
  return run_staged(
      "compile", object, {source},
      [&](const fs::path& staged) { return compile_command(source, staged, extra_flags); },
      "compiling " + source.string());
}

ToolStep Toolchain::link_shared(const std::vector<fs::path>& objects, const fs::path& out,
                                const std::vector<std::string>& extra_flags,
                                const OutputCheck& check) const {
  return run_staged(
      "link", out, objects,
      [&](const fs::path& staged) { return link_shared_command(objects, staged, extra_flags); },
      "linking " + out.string(), check);
}

ToolStep Toolchain::link_executable(const std::vector<fs::path>& objects, const fs::path& out,
                                    const std::vector<std::string>& extra_flags) const {
  return run_staged(
      "link", out, objects,
      [&](const fs::path& staged) { return link_executable_command(objects, staged, extra_flags); },
      "linking " + out.string());
}

ToolStep Toolchain::archive(const std::vector<fs::path>& objects, const fs::path& out,
                            const OutputCheck& check) const {
  return run_staged(
      "archive", out, objects,
      [&](const fs::path& staged) { return archive_command(objects, staged); },
      "archiving " + out.string(), check);
}

}  // namespace mblob
