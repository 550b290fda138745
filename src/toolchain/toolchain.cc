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

// The preset table. Adding a toolchain is adding a row; docs/toolchains.md mirrors it.
//
// Notes on the columns that are not obvious:
// * ar: gcc-ar (not ar) on the host so archives of -flto objects get a symbol index; the cross
//   rows use the triple's plain ar because Debian's cross gcc packages ship no LTO plugin
//   wrapper worth relying on; clang rows use llvm-ar, which reads any target's objects.
// * link_flags: PE/COFF links are made byte-identical across runs (the design's determinism
//   rule): --no-insert-timestamp drops the link time, and --disable-auto-image-base stops GNU ld
//   from hashing the output *path* (which includes our staging directory) into the image base.
//   ELF linkers write neither.
// * pic: PE/COFF code is position-independent by construction; -fPIC there is noise.
// * hexagon links with ld.lld directly: there is no hexagon sysroot/crt on a build host, and a
//   shared object of the kernels plus the blob needs none.
constexpr std::array kPresets = {
    ToolchainPreset{
        .name = "host-gcc",
        .triples = "host",
        .cc = "gcc",
        .cxx = "g++",
        .target_flag = "",
        .ar = "gcc-ar",
        .ld = "",
        .tool_prefix = "",
        .linkers = "bfd gold lld mold",
        .shared_suffix = "",
        .executable_suffix = "",
        .link_flags = "",
        .pic = true,
        .can_link_executable = true,
        .cc_package = "gcc",
        .binutils_package = "binutils",
    },
    ToolchainPreset{
        .name = "host-clang",
        .triples = "",  // chosen by name only; the host triple picks host-gcc
        .cc = "clang",
        .cxx = "clang++",
        .target_flag = "",
        .ar = "llvm-ar",
        .ld = "",
        .tool_prefix = "",
        .linkers = "bfd gold lld mold",
        .shared_suffix = "",
        .executable_suffix = "",
        .link_flags = "",
        .pic = true,
        .can_link_executable = true,
        .cc_package = "clang",
        .binutils_package = "binutils",
    },
    ToolchainPreset{
        .name = "aarch64-linux-gnu",
        .triples = "aarch64-linux-gnu arm64-linux-gnu",
        .cc = "aarch64-linux-gnu-gcc",
        .cxx = "aarch64-linux-gnu-g++",
        .target_flag = "",
        .ar = "aarch64-linux-gnu-ar",
        .ld = "",
        .tool_prefix = "aarch64-linux-gnu-",
        .linkers = "bfd gold lld mold",
        .shared_suffix = ".so",
        .executable_suffix = "",
        .link_flags = "",
        .pic = true,
        .can_link_executable = true,
        .cc_package = "gcc-aarch64-linux-gnu",
        .binutils_package = "binutils-aarch64-linux-gnu",
    },
    ToolchainPreset{
        .name = "riscv64-linux-gnu",
        .triples = "riscv64-linux-gnu",
        .cc = "riscv64-linux-gnu-gcc",
        .cxx = "riscv64-linux-gnu-g++",
        .target_flag = "",
        .ar = "riscv64-linux-gnu-ar",
        .ld = "",
        .tool_prefix = "riscv64-linux-gnu-",
        .linkers = "bfd lld mold",  // binutils has no gold for RISC-V
        .shared_suffix = ".so",
        .executable_suffix = "",
        .link_flags = "",
        .pic = true,
        .can_link_executable = true,
        .cc_package = "gcc-riscv64-linux-gnu",
        .binutils_package = "binutils-riscv64-linux-gnu",
    },
    ToolchainPreset{
        .name = "x86_64-w64-mingw32",
        .triples = "x86_64-w64-mingw32 x86_64-w64-windows-gnu x86_64-windows-gnu",
        .cc = "x86_64-w64-mingw32-gcc",
        .cxx = "x86_64-w64-mingw32-g++",
        .target_flag = "",
        .ar = "x86_64-w64-mingw32-ar",
        .ld = "",
        .tool_prefix = "x86_64-w64-mingw32-",
        .linkers = "bfd lld",  // gold and mold do not write PE/COFF
        .shared_suffix = ".dll",
        .executable_suffix = ".exe",
        .link_flags = "-Wl,--no-insert-timestamp -Wl,--disable-auto-image-base",
        .pic = false,
        .can_link_executable = true,
        .cc_package = "gcc-mingw-w64-x86-64",
        .binutils_package = "binutils-mingw-w64-x86-64",
    },
    ToolchainPreset{
        .name = "hexagon",
        .triples = "hexagon-elf hexagon",
        .cc = "clang",
        .cxx = "clang++",
        .target_flag = "--target=hexagon-unknown-elf",
        .ar = "llvm-ar",
        .ld = "ld.lld",
        .tool_prefix = "",
        .linkers = "lld",
        .shared_suffix = ".so",
        .executable_suffix = "",
        .link_flags = "",
        .pic = true,
        .can_link_executable = false,
        .cc_package = "clang",
        .binutils_package = "llvm",
    },
};

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

// "aarch64-unknown-linux-gnu" -> "aarch64-linux-gnu": the vendor field carries no meaning for
// choosing a toolchain, and LLVM and GNU spell it differently.
std::string normalize_triple(std::string_view triple) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (true) {
    std::size_t dash = triple.find('-', pos);
    parts.push_back(triple.substr(pos, dash - pos));
    if (dash == std::string_view::npos) break;
    pos = dash + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i == 1 && parts.size() >= 3 && (parts[i] == "unknown" || parts[i] == "pc")) continue;
    if (!out.empty()) out += '-';
    out += parts[i];
  }
  return out;
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

std::span<const ToolchainPreset> toolchain_presets() { return kPresets; }

const ToolchainPreset& preset_by_name(std::string_view name) {
  for (const auto& p : kPresets) {
    if (p.name == name) return p;
  }
  std::vector<std::string> names;
  for (const auto& p : kPresets) names.emplace_back(p.name);
  throw Error("unknown toolchain preset '" + std::string(name) + "'; known: " + join(names, ", "));
}

std::string_view host_triple() {
#if defined(__x86_64__) && defined(__linux__)
  return "x86_64-linux-gnu";
#elif defined(__aarch64__) && defined(__linux__)
  return "aarch64-linux-gnu";
#elif defined(__riscv) && __riscv_xlen == 64 && defined(__linux__)
  return "riscv64-linux-gnu";
#elif defined(__powerpc64__) && defined(__linux__) && defined(__LITTLE_ENDIAN__)
  return "powerpc64le-linux-gnu";
#elif defined(__x86_64__) && defined(__APPLE__)
  return "x86_64-apple-darwin";
#elif defined(__aarch64__) && defined(__APPLE__)
  return "arm64-apple-darwin";
#else
  return "unknown";
#endif
}

const ToolchainPreset& preset_for_triple(std::string_view triple) {
  std::string want = normalize_triple(triple);
  if (want.empty() || want == "host" || want == normalize_triple(host_triple())) {
    return preset_by_name("host-gcc");
  }
  for (const auto& p : kPresets) {
    for (std::string_view alias : words(p.triples)) {
      if (normalize_triple(alias) == want) return p;
    }
  }
  std::vector<std::string> known{std::string(host_triple()) + " (host)"};
  for (const auto& p : kPresets) {
    for (std::string_view alias : words(p.triples)) {
      if (alias != "host") known.emplace_back(alias);
    }
  }
  throw UsageError("no toolchain preset for target '" + printable(triple) +
                   "'; supported: " + join(known, ", ") + " (or pass --cc and --linker)");
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
  out.push_back({std::string(preset_.ar),
                 std::string(preset_.ar.starts_with("llvm-") ? "llvm" : preset_.binutils_package)});
  if (!preset_.ld.empty()) {
    out.push_back({std::string(preset_.ld), preset_.ld == "ld.lld"
                                                ? std::string("lld")
                                                : std::string(preset_.binutils_package)});
  }
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
  if (!preset_.target_flag.empty()) argv.emplace_back(preset_.target_flag);
  argv.insert(argv.end(), {"-c", "-O2"});
  if (preset_.pic) argv.emplace_back("-fPIC");
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(tool_path(source));
  argv.insert(argv.end(), {"-o", tool_path(out)});
  return argv;
}

std::vector<std::string> Toolchain::link_shared_command(
    const std::vector<fs::path>& objects, const fs::path& out,
    const std::vector<std::string>& extra) const {
  std::vector<std::string> argv;
  if (!preset_.ld.empty()) {
    argv = {std::string(preset_.ld), "-shared"};
  } else {
    argv = {overrides_.cc.empty() ? std::string(preset_.cc) : overrides_.cc};
    if (!preset_.target_flag.empty()) argv.emplace_back(preset_.target_flag);
    argv.emplace_back("-shared");
    if (!overrides_.linker.empty()) argv.push_back("-fuse-ld=" + overrides_.linker);
  }
  for (auto f : words(preset_.link_flags)) argv.emplace_back(f);
  argv.insert(argv.end(), {"-o", tool_path(out)});
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
  if (!preset_.target_flag.empty()) argv.emplace_back(preset_.target_flag);
  if (!overrides_.linker.empty()) argv.push_back("-fuse-ld=" + overrides_.linker);
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
