// The toolchain layer: running tools without a shell, and the presets that build libraries.
//
// Every test that needs a real tool skips (with the reason) when it is missing; CI installs
// all of them with scripts/install-deps.sh.
#include "mblob/toolchain/toolchain.h"

#include <dlfcn.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "mblob/core/error.h"
#include "mblob/toolchain/process.h"
#include "support/test_support.h"

namespace mblob {
namespace {

using namespace std::chrono_literals;
using test::TempDir;
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A process is gone once it no longer exists or is a zombie waiting for a reaper.
bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool wait_gone(pid_t pid, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (process_gone(pid)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return process_gone(pid);
}

// ============================ process ============================

TEST(ToolchainProcess, CapturesMiBsOnStdoutAndStderrWithoutDeadlock) {
  // stderr is filled first: a reader that drains stdout to EOF before stderr would block for
  // ever once the stderr pipe (64 KiB) is full.
  auto r = run_process({"sh", "-c",
                        "head -c 6291456 /dev/zero | tr '\\0' e >&2; "
                        "head -c 8388608 /dev/zero | tr '\\0' o; "
                        "head -c 1048576 /dev/zero | tr '\\0' e >&2"},
                       {.timeout = 60s});
  ASSERT_TRUE(r.ok()) << r.status_text();
  EXPECT_EQ(r.out.size(), 8u << 20);
  EXPECT_EQ(r.err.size(), 7u << 20);
  EXPECT_EQ(r.out.find_first_not_of('o'), std::string::npos);
  EXPECT_EQ(r.err.find_first_not_of('e'), std::string::npos);
}

TEST(ToolchainProcess, CommandObserverSeesEveryCommandBeforeItRuns) {
  test::TempDir dir;
  std::mutex m;
  std::vector<std::string> seen;
  auto previous = set_command_observer(
      [&](const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
        // Before the tool runs: the file the command creates does not exist yet.
        std::lock_guard lock(m);
        seen.push_back(shell_join(argv) + " @" + cwd.string() + " " +
                       (std::filesystem::exists(dir / "made") ? "after" : "before"));
      });
  EXPECT_FALSE(previous);  // none by default: the library prints nothing
  run_process({"sh", "-c", "touch made; exit 3"}, {.cwd = dir.path()});
  // From several threads at once: every command is seen once.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([] { run_process({"true"}); });
  for (auto& t : threads) t.join();
  auto mine = set_command_observer({});
  EXPECT_TRUE(mine);
  run_process({"true"});  // not seen: the observer is gone
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0], "sh -c 'touch made; exit 3' @" + dir.path().string() + " before");
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(seen[i], "true @ after");
}

TEST(ToolchainProcess, ReportsExitStatus) {
  auto r = run_process({"sh", "-c", "exit 3"});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.status_text(), "exited with status 3");
}

TEST(ToolchainProcess, ReportsTerminatingSignal) {
  auto r = run_process({"sh", "-c", "kill -TERM $$"});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.status_text().find("killed by signal 15"), std::string::npos) << r.status_text();
}

TEST(ToolchainProcess, MissingProgramNamesToolAndInstallHint) {
  try {
    run_process({"mblob-no-such-tool-x86_64-w64-mingw32-gcc", "-v"},
                {.install_hint = "install the Debian package gcc-mingw-w64-x86-64"});
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(e.what(),
                 "cannot run 'mblob-no-such-tool-x86_64-w64-mingw32-gcc': not found on PATH; "
                 "install the Debian package gcc-mingw-w64-x86-64");
    EXPECT_EQ(e.result().exit_code, 127);
  }
}

TEST(ToolchainProcess, MissingProgramIsAnMblobError) {
  EXPECT_THROW(run_process({"/nonexistent/dir/cc"}), Error);
}

TEST(ToolchainProcess, MissingWorkingDirectoryIsNamedNotTheProgram) {
  try {
    run_process({"sh", "-c", "true"}, {.cwd = "/nonexistent/mblob-dir"});
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(e.what(), "sh: working directory /nonexistent/mblob-dir does not exist");
  }
}

TEST(ToolchainProcess, ArgumentsPassLiterallyWithoutAShell) {
  const std::vector<std::string> args = {
      "a; touch pwned", "two words", "$(echo hi)", "`id`", "*", "'quoted'", "$HOME", ""};
  std::vector<std::string> argv = {"printf", "[%s]\\n"};
  argv.insert(argv.end(), args.begin(), args.end());
  TempDir dir;
  auto r = run_process_checked(argv, {.cwd = dir.path()});
  std::string expected;
  for (const auto& a : args) expected += "[" + a + "]\n";
  EXPECT_EQ(r.out, expected);
  EXPECT_FALSE(fs::exists(dir / "pwned"));
}

TEST(ToolchainProcess, EnvironmentAdditionsAndWorkingDirectoryApply) {
  TempDir dir;
  auto r = run_process_checked({"sh", "-c", "printf '%s|%s|' \"$MBLOB_T1\" \"$HOME\"; pwd -P"},
                               {.env = {"MBLOB_T1=x y;z", "HOME=/replaced"}, .cwd = dir.path()});
  EXPECT_EQ(r.out, "x y;z|/replaced|" + fs::canonical(dir.path()).string() + "\n");
}

TEST(ToolchainProcess, TimeoutKillsTheToolAndItsChildren) {
  TempDir dir;
  fs::path pidfile = dir / "grandchild.pid";
  auto start = std::chrono::steady_clock::now();
  // The grandchild keeps the output pipes open: only a kill of the whole group ends the run.
  auto r = run_process({"sh", "-c", "sleep 30 & echo $! > \"$0\"; wait", pidfile.string()},
                       {.timeout = 300ms});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status_text().find("timed out"), std::string::npos);
  EXPECT_LT(took, 5s);
  pid_t grandchild = std::stoi(slurp(pidfile));
  EXPECT_TRUE(wait_gone(grandchild, 3s)) << "sleep " << grandchild << " outlived the timeout";
}

TEST(ToolchainProcess, InterruptIsForwardedToTheRunningTool) {
  TempDir dir;
  fs::path pidfile = dir / "tool.pid";
  // The default "fast" death-test style forks without exec, so the child sees this TempDir.
  // The child process of the death test runs a tool, gets SIGINT (as from Ctrl-C, which reaches
  // only our process group), and must die of it after passing it on to the tool's group.
  EXPECT_EXIT(
      {
        std::thread interrupter([&] {
          for (int i = 0; i < 500 && !fs::exists(pidfile); ++i) std::this_thread::sleep_for(10ms);
          std::this_thread::sleep_for(50ms);
          ::kill(::getpid(), SIGINT);
        });
        interrupter.detach();
        run_process({"sh", "-c", "echo $$ > \"$0\"; exec sleep 30", pidfile.string()});
        std::_Exit(0);
      },
      testing::KilledBySignal(SIGINT), "");
  pid_t tool = std::stoi(slurp(pidfile));
  EXPECT_TRUE(wait_gone(tool, 3s)) << "the tool " << tool << " outlived an interrupted mblob";
}

TEST(ToolchainProcess, FailureErrorCarriesCommandLineAndStderr) {
  try {
    run_process_checked(
        {"sh", "-c", "echo 'note: context' >&2; echo 'x.c:1: error: boom' >&2; exit 2",
         "arg with space"},
        {.purpose = "compiling x.c"});
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(e.what(), "compiling x.c: sh exited with status 2: x.c:1: error: boom");
    EXPECT_EQ(e.stderr_text(), "note: context\nx.c:1: error: boom\n");
    EXPECT_EQ(e.command_line(),
              "sh -c 'echo '\\''note: context'\\'' >&2; echo '\\''x.c:1: error: boom'\\'' >&2; "
              "exit 2' 'arg with space'");
    EXPECT_EQ(e.details(), "command: " + e.command_line() + "\nnote: context\nx.c:1: error: boom");
  }
}

TEST(ToolchainProcess, ShellQuotedCommandLineRunsTheSameArguments) {
  std::vector<std::string> argv = {"printf", "[%s]", "it's", "a b", "", "$(x)", "plain-1.o"};
  EXPECT_EQ(shell_quote("plain-1.o"), "plain-1.o");
  EXPECT_EQ(shell_quote(""), "''");
  auto via_shell = run_process_checked({"sh", "-c", shell_join(argv)});
  auto direct = run_process_checked(argv);
  EXPECT_EQ(via_shell.out, direct.out);
  EXPECT_EQ(direct.out, "[it's][a b][][$(x)][plain-1.o]");
}

TEST(ToolchainProcess, FindProgramSearchesPath) {
  EXPECT_FALSE(find_program("sh").empty());
  EXPECT_TRUE(find_program("mblob-no-such-tool").empty());
  EXPECT_TRUE(find_program("/nonexistent/sh").empty());
}

// ============================ presets ============================

constexpr const char* kLibSource = R"(
int mblob_answer(int x) { return x * 2 + 1; }
const char* mblob_greeting(void) { return "hello from the library"; }
)";

// An assembly source with only data, so one file assembles for every target; the same shape
// as the asm-incbin packer's output.
constexpr const char* kAsmSource = R"(
  .section .rodata
  .globl mblob_asm_blob
mblob_asm_blob:
  .byte 7, 8, 9, 0
)";

constexpr const char* kProgramSource = R"(
#include <stdio.h>
int main(void) { printf("hello from %s\n", ARCH_NAME); return 0; }
)";

// The presets are derived from the target table: the two host presets, then exactly one per
// row, named by the row's triple.
TEST(ToolchainPresets, EveryRowHasOnePresetAndEveryPresetARow) {
  std::vector<std::string> names;
  for (const auto& p : toolchain_presets()) names.emplace_back(p.name);
  std::vector<std::string> want{"host-gcc", "host-clang"};
  for (const auto& t : all_targets()) want.emplace_back(t.triple);
  EXPECT_EQ(names, want);
  for (const auto& p : toolchain_presets()) {
    if (p.triple.empty()) continue;  // host-gcc, host-clang: this machine, by name only
    const Target* row = lookup_target(p.triple);
    ASSERT_NE(row, nullptr) << p.name;
    EXPECT_EQ(row->triple, p.triple);
    EXPECT_EQ(p.cc, row->toolchain.cc) << p.name;
    EXPECT_EQ(p.target_flags, row->toolchain.target_flags) << p.name;
    EXPECT_EQ(p.ld, row->toolchain.ld) << p.name;
  }
  EXPECT_EQ(preset_by_name("hexagon").ld, "ld.lld");
  EXPECT_EQ(preset_by_name("hexagon").name, "hexagon-unknown-elf");
  EXPECT_THROW(preset_by_name("msvc"), UsageError);
}

// Every row resolves to a usable toolchain description: a compiler, an archiver, a shared
// library suffix, linkers it accepts, and the Debian packages to name when a tool is missing.
TEST(ToolchainPresets, EveryRowHasAToolchain) {
  for (const auto& t : all_targets()) {
    SCOPED_TRACE(std::string(t.triple));
    const ToolchainPreset* p = nullptr;
    ASSERT_NO_THROW(p = &preset_for_triple(t.triple));
    EXPECT_EQ(p, &preset_for_target(t));
    ASSERT_NO_THROW(Toolchain::for_target(t));
    const ToolchainPreset& own = preset_by_name(t.triple);
    EXPECT_EQ(own.triple, t.triple);
    EXPECT_FALSE(own.cc.empty());
    EXPECT_FALSE(own.cxx.empty());
    EXPECT_FALSE(own.ar.empty());
    EXPECT_FALSE(own.linkers.empty());
    EXPECT_FALSE(own.shared_suffix.empty());
    EXPECT_FALSE(own.shared_flag.empty());
    EXPECT_FALSE(own.cc_package.empty());
    EXPECT_FALSE(own.ar_package.empty());
    EXPECT_EQ(own.ld.empty(), own.ld_package.empty());
    for (const auto& tool : Toolchain(own).tools())
      EXPECT_FALSE(tool.package.empty()) << tool.program;
    // The shared library suffix is the container's.
    std::string_view suffix = t.container == Container::coff    ? ".dll"
                              : t.container == Container::macho ? ".dylib"
                                                                : ".so";
    EXPECT_EQ(own.shared_suffix, suffix);
  }
}

// The four names that found a preset but no row, or a row but no preset, before the presets
// were derived from the rows.
TEST(ToolchainPresets, RowsThatHadNoPresetAndPresetsThatHadNoRowResolve) {
  EXPECT_EQ(preset_for_triple("hexagon").name, "hexagon-unknown-elf");
  EXPECT_EQ(preset_for_triple("x86_64-pc-windows-gnu").name, "x86_64-w64-mingw32");
  EXPECT_EQ(preset_for_triple("hexagon-unknown-elf:v73").name, "hexagon-unknown-elf:v73");
  EXPECT_EQ(preset_for_triple("riscv64-linux-gnu:lp64f").name, "riscv64-linux-gnu:lp64f");
  EXPECT_EQ(Toolchain::for_triple("hexagon-unknown-elf:v73").compile_command("k.c", "k.o"),
            (std::vector<std::string>{"clang-19", "--target=hexagon-unknown-elf", "-mv73", "-c",
                                      "-O2", "-fPIC", "k.c", "-o", "k.o"}));
}

TEST(ToolchainPresets, TripleSelectsPreset) {
  EXPECT_EQ(preset_for_triple("").name, "host-gcc");
  EXPECT_EQ(preset_for_triple("host").name, "host-gcc");
  EXPECT_EQ(preset_for_triple(host_target().triple).name, "host-gcc");
  if (host_target().triple != "aarch64-linux-gnu") {
    EXPECT_EQ(preset_for_triple("aarch64-linux-gnu").name, "aarch64-linux-gnu");
    EXPECT_EQ(preset_for_triple("aarch64-unknown-linux-gnu").name, "aarch64-linux-gnu");
    EXPECT_EQ(preset_for_triple("arm64").name, "aarch64-linux-gnu");
  }
  if (host_target().triple != "riscv64-linux-gnu") {
    EXPECT_EQ(preset_for_triple("riscv64-linux-gnu").name, "riscv64-linux-gnu");
  }
  EXPECT_EQ(preset_for_triple("x86_64-w64-mingw32").name, "x86_64-w64-mingw32");
  EXPECT_EQ(preset_for_triple("x86_64-w64-windows-gnu").name, "x86_64-w64-mingw32");
  EXPECT_EQ(preset_for_triple("hexagon-unknown-elf").name, "hexagon-unknown-elf");
  EXPECT_EQ(preset_for_triple("hexagon-elf").name, "hexagon-unknown-elf");
  EXPECT_EQ(preset_for_triple("arm64-apple-macos").name, "arm64-apple-darwin");
}

TEST(ToolchainPresets, UnknownTripleSuggestsClosest) {
  try {
    preset_for_triple("aarch64-linux-gnux");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("unknown target 'aarch64-linux-gnux'; did you mean 'aarch64-linux-gnu'?"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("x86_64-w64-mingw32"), std::string::npos) << msg;
  }
  try {
    preset_by_name("host-gc");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'host-gcc'?"), std::string::npos)
        << e.what();
  }
}

// darwin rows link with ld64.lld itself (-dylib, the architecture and the platform version);
// MSVC-flavoured rows with lld-link /dll; both compile with clang --target.
TEST(ToolchainPresets, AppleAndMsvcRowsLinkWithTheirLldFlavour) {
  auto mac = Toolchain::for_triple("arm64-apple-darwin");
  EXPECT_EQ(mac.compile_command("k.c", "k.o"),
            (std::vector<std::string>{"clang", "--target=arm64-apple-macos11.0", "-c", "-O2",
                                      "-fPIC", "k.c", "-o", "k.o"}));
  EXPECT_EQ(mac.link_shared_command({"a.o"}, "m.dylib"),
            (std::vector<std::string>{"ld64.lld-14", "-dylib", "-arch", "arm64",
                                      "-platform_version", "macos", "11.0", "11.0", "-install_name",
                                      "@rpath/m.dylib", "-o", "m.dylib", "a.o"}));
  EXPECT_EQ(mac.shared_library_suffix(), ".dylib");
  auto msvc = Toolchain::for_triple("x86_64-pc-windows-msvc");
  auto compile = msvc.compile_command("k.c", "k.o");
  EXPECT_EQ(compile.at(0), "clang");
  EXPECT_EQ(compile.at(1), "--target=x86_64-pc-windows-msvc");
  EXPECT_EQ(std::count(compile.begin(), compile.end(), "-fPIC"), 0);
  auto link = msvc.link_shared_command({"a.o"}, "m.dll");
  EXPECT_EQ(link.at(0), "lld-link");
  EXPECT_EQ(link.at(1), "/dll");
  EXPECT_EQ(Toolchain::for_triple("i686-w64-mingw32").preset().cc, "i686-w64-mingw32-gcc");
}

TEST(ToolchainPresets, SharedLibrarySuffixFollowsTarget) {
  EXPECT_EQ(Toolchain::named("x86_64-w64-mingw32").shared_library_suffix(), ".dll");
  EXPECT_EQ(Toolchain::named("x86_64-w64-mingw32").executable_suffix(), ".exe");
  EXPECT_EQ(Toolchain::named("hexagon").shared_library_suffix(), ".so");
  EXPECT_EQ(Toolchain::named("aarch64-linux-gnu").shared_library_suffix(), ".so");
#if defined(__APPLE__)
  EXPECT_EQ(Toolchain::named("host-clang").shared_library_suffix(), ".dylib");
#else
  EXPECT_EQ(Toolchain::named("host-gcc").shared_library_suffix(), ".so");
#endif
  EXPECT_EQ(Toolchain::static_library_suffix(), ".a");
}

TEST(ToolchainPresets, LinkerOverrideMustBeKnownAndFitTheTarget) {
  EXPECT_NO_THROW(Toolchain::named("host-gcc", {.linker = "mold"}));
  try {
    Toolchain::named("host-gcc", {.linker = "ld64"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown linker 'ld64' (choose bfd, gold, lld or mold)");
  }
  try {
    Toolchain::named("hexagon", {.linker = "bfd"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "toolchain hexagon-unknown-elf cannot link with bfd; it supports: lld");
  }
  EXPECT_THROW(Toolchain::named("x86_64-w64-mingw32", {.linker = "mold"}), Error);
  EXPECT_THROW(Toolchain::named("riscv64-linux-gnu", {.linker = "gold"}), Error);
}

TEST(ToolchainPresets, CommandLinesCarryTargetFlags) {
  auto hex = Toolchain::named("hexagon").compile_command("k.c", "k.o");
  EXPECT_EQ(hex, (std::vector<std::string>{"clang", "--target=hexagon-unknown-elf", "-c", "-O2",
                                           "-fPIC", "k.c", "-o", "k.o"}));
  EXPECT_EQ(Toolchain::named("hexagon").link_shared_command({"a.o", "b.o"}, "m.so"),
            (std::vector<std::string>{"ld.lld", "-shared", "-o", "m.so", "a.o", "b.o"}));
  auto gcc =
      Toolchain::named("host-gcc", {.linker = "lld"}).link_shared_command({"a.o"}, "m.so", {"-lm"});
  EXPECT_EQ(gcc, (std::vector<std::string>{"gcc", "-shared", "-fuse-ld=lld", "-o", "m.so", "a.o",
                                           "-lm"}));
  // A GNU cross driver finds ld.lld and ld.mold only where -B points: PATH's directory of them.
  for (const char* l : {"lld", "mold"}) {
    const fs::path ld = find_program(std::string("ld.") + l);
    if (ld.empty()) continue;
    auto cross =
        Toolchain::named("aarch64-linux-gnu", {.linker = l}).link_shared_command({"a.o"}, "m.so");
    EXPECT_EQ(cross, (std::vector<std::string>{
                         "aarch64-linux-gnu-gcc", "-shared", std::string("-fuse-ld=") + l,
                         "-B" + ld.parent_path().string() + "/", "-o", "m.so", "a.o"}));
  }
  auto mingw = Toolchain::named("x86_64-w64-mingw32").compile_command("k.c", "k.o");
  EXPECT_EQ(std::count(mingw.begin(), mingw.end(), "-fPIC"), 0);
  EXPECT_EQ(Toolchain::named("host-gcc", {.cc = "/opt/cc"}).compile_command("k.cc", "k.o")[0],
            "/opt/cc");
  EXPECT_EQ(Toolchain::named("host-gcc").compile_command("k.cc", "k.o")[0], "g++");
  EXPECT_THROW(Toolchain::named("hexagon").link_executable_command({"a.o"}, "a"), Error);
}

TEST(ToolchainPresets, CheckAvailableNamesMissingToolsAndPackages) {
  ToolchainPreset row = preset_by_name("aarch64-linux-gnu");
  row.name = "test-cross";
  row.cc = "mblob-no-such-gcc";
  row.cc_package = "gcc-nowhere";
  row.ar = "mblob-no-such-ar";
  row.ar_package = "binutils-nowhere";
  row.binutils_package = "binutils-nowhere";
  Toolchain tc(row);
  try {
    tc.check_available();
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "toolchain test-cross is not usable: missing mblob-no-such-gcc (Debian package "
                 "gcc-nowhere), mblob-no-such-ar (Debian package binutils-nowhere); "
                 "scripts/install-deps.sh installs the packages");
  }
  TempDir dir;
  test::write_text(dir / "k.c", kLibSource);
  try {
    tc.compile(dir / "k.c", dir / "k.o");
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("cannot run 'mblob-no-such-gcc': not found on PATH; install the Debian "
                       "package gcc-nowhere"),
              std::string::npos)
        << msg;
  }
  EXPECT_FALSE(fs::exists(dir / "k.o"));
}

TEST(ToolchainPresets, CompilerOverrideIsCheckedAsGiven) {
  Toolchain tc = Toolchain::named("host-gcc", {.cc = "/nonexistent/bin/cc"});
  auto missing = tc.missing_tools();
  ASSERT_FALSE(missing.empty());
  EXPECT_EQ(missing[0].program, "/nonexistent/bin/cc");
  EXPECT_THROW(tc.check_available(), Error);
}

// ============================ building real libraries ============================

// Compiles kLibSource (+ kAsmSource) and links a shared library with `tc` in `dir`.
fs::path build_library(const Toolchain& tc, const TempDir& dir, bool with_asm = true) {
  test::write_text(dir / "lib.c", kLibSource);
  std::vector<fs::path> objects{dir / "lib.o"};
  tc.compile(dir / "lib.c", dir / "lib.o");
  if (with_asm) {
    test::write_text(dir / "blob.S", kAsmSource);
    tc.compile(dir / "blob.S", dir / "blob.o");
    objects.push_back(dir / "blob.o");
  }
  fs::path out = dir / ("libtest" + tc.shared_library_suffix());
  ToolStep step = tc.link_shared(objects, out);
  EXPECT_EQ(step.action, "link");
  EXPECT_EQ(step.output, out);
  EXPECT_GT(step.elapsed.count(), 0);
  EXPECT_NE(step.command_line().find(out.filename().string()), std::string::npos);
  return out;
}

void expect_loads_and_calls(const fs::path& lib) {
  void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << ::dlerror();
  auto answer = reinterpret_cast<int (*)(int)>(::dlsym(h, "mblob_answer"));
  auto greeting = reinterpret_cast<const char* (*)()>(::dlsym(h, "mblob_greeting"));
  auto blob = static_cast<const unsigned char*>(::dlsym(h, "mblob_asm_blob"));
  ASSERT_NE(answer, nullptr);
  ASSERT_NE(greeting, nullptr);
  ASSERT_NE(blob, nullptr);
  EXPECT_EQ(answer(20), 41);
  EXPECT_STREQ(greeting(), "hello from the library");
  EXPECT_EQ(blob[0], 7);
  EXPECT_EQ(blob[2], 9);
  ::dlclose(h);
}

class ToolchainHostPreset : public testing::TestWithParam<const char*> {};

TEST_P(ToolchainHostPreset, BuildsSharedLibraryThatDlopens) {
  Toolchain tc = Toolchain::named(GetParam());
  for (const auto& t : tc.tools()) {
    if (find_program(t.program).empty())
      GTEST_SKIP() << "SKIPPED: " << t.program << " is not installed";
  }
  TempDir dir;
  fs::path lib = build_library(tc, dir);
  expect_loads_and_calls(lib);
}

INSTANTIATE_TEST_SUITE_P(Presets, ToolchainHostPreset, testing::Values("host-gcc", "host-clang"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

class ToolchainLinker : public testing::TestWithParam<const char*> {};

TEST_P(ToolchainLinker, OverrideLinksALoadableLibrary) {
  std::string linker = GetParam();
  for (const char* compiler : {"host-gcc", "host-clang"}) {
    SCOPED_TRACE(compiler);
    Toolchain tc = Toolchain::named(compiler, {.linker = linker});
    auto missing = tc.missing_tools();
    if (!missing.empty()) GTEST_SKIP() << "SKIPPED: " << missing[0].program << " is not installed";
    TempDir dir;
    fs::path lib = build_library(tc, dir);
    expect_loads_and_calls(lib);
    // Each linker leaves its signature; make sure the override was really used.
    std::string bytes = slurp(lib);
    if (linker == "lld") {
      EXPECT_NE(bytes.find("LLD "), std::string::npos);
    } else if (linker == "mold") {
      EXPECT_NE(bytes.find("mold "), std::string::npos);
    } else if (linker == "gold") {
      EXPECT_NE(bytes.find(".note.gnu.gold-version"), std::string::npos);
    }
    if (linker == "bfd") {
      EXPECT_EQ(bytes.find("LLD "), std::string::npos);
      EXPECT_EQ(bytes.find(".note.gnu.gold-version"), std::string::npos);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Linkers, ToolchainLinker, testing::Values("bfd", "gold", "lld", "mold"),
                         [](const auto& info) { return std::string(info.param); });

TEST(Toolchain, OutputsAreDeterministic) {
  Toolchain tc = Toolchain::named("host-gcc");
  if (!tc.missing_tools().empty()) GTEST_SKIP() << "SKIPPED: host gcc is not installed";
  TempDir a, b;
  fs::path la = build_library(tc, a), lb = build_library(tc, b);
  // Same file names on purpose: the directories differ, the bytes must not.
  EXPECT_EQ(slurp(la), slurp(lb));
  tc.archive({a / "lib.o", a / "blob.o"}, a / "libx.a");
  tc.archive({b / "lib.o", b / "blob.o"}, b / "libx.a");
  EXPECT_EQ(slurp(a / "libx.a"), slurp(b / "libx.a"));
}

TEST(Toolchain, ArchiveHoldsObjectsAndReplacesOldArchive) {
  Toolchain tc = Toolchain::named("host-gcc");
  if (!tc.missing_tools().empty()) GTEST_SKIP() << "SKIPPED: host gcc is not installed";
  MBLOB_REQUIRE_TOOL(ar, "ar");
  TempDir dir;
  test::write_text(dir / "lib.c", kLibSource);
  test::write_text(dir / "blob.S", kAsmSource);
  tc.compile(dir / "lib.c", dir / "lib.o");
  tc.compile(dir / "blob.S", dir / "blob.o");
  tc.archive({dir / "lib.o"}, dir / "libk.a");
  ToolStep step = tc.archive({dir / "lib.o", dir / "blob.o"}, dir / "libk.a");
  EXPECT_EQ(step.action, "archive");
  auto t = run_process_checked({ar, "t", (dir / "libk.a").string()});
  EXPECT_EQ(t.out, "lib.o\nblob.o\n");
  // The archive links into a program (the system-lib path).
  test::write_text(
      dir / "main.c",
      "extern int mblob_answer(int); extern const unsigned char mblob_asm_blob[];\n"
      "int main(void) { return mblob_answer(1) + mblob_asm_blob[0] == 10 ? 0 : 1; }\n");
  tc.compile(dir / "main.c", dir / "main.o");
  tc.link_executable({dir / "main.o", dir / "libk.a"}, dir / "prog");
  EXPECT_EQ(run_process({(dir / "prog").string()}).exit_code, 0);
}

TEST(Toolchain, FailingCompileReportsToolStderrAndLeavesNoOutput) {
  Toolchain tc = Toolchain::named("host-gcc");
  if (!tc.missing_tools().empty()) GTEST_SKIP() << "SKIPPED: host gcc is not installed";
  TempDir dir;
  test::write_text(dir / "bad.c", "int f(void) {\n  return 1\n}\n");
  try {
    tc.compile(dir / "bad.c", dir / "bad.o");
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    EXPECT_NE(msg.find("compiling " + (dir / "bad.c").string() + ": gcc exited with status 1"),
              std::string::npos)
        << msg;
    // The compiler's own diagnostic line (its quotes depend on the locale).
    EXPECT_NE(msg.find("bad.c:2:11: error: expected"), std::string::npos) << msg;
    EXPECT_NE(e.stderr_text().find("bad.c:2:11: error"), std::string::npos);
    EXPECT_NE(e.details().find("command: gcc -c -O2 -fPIC"), std::string::npos) << e.details();
  }
  // No output and no staging directory left behind.
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(left, std::vector<std::string>{"bad.c"});
}

TEST(Toolchain, FailingLinkKeepsThePreviousOutput) {
  Toolchain tc = Toolchain::named("host-gcc");
  if (!tc.missing_tools().empty()) GTEST_SKIP() << "SKIPPED: host gcc is not installed";
  TempDir dir;
  test::write_text(dir / "u.c",
                   "extern int missing_symbol(void);\nint f(void) { return missing_symbol(); }\n");
  tc.compile(dir / "u.c", dir / "u.o");
  test::write_text(dir / "libu.so", "previous library");
  EXPECT_THROW(tc.link_shared({dir / "u.o"}, dir / "libu.so", {"-Wl,--no-undefined"}),
               ProcessError);
  EXPECT_EQ(slurp(dir / "libu.so"), "previous library");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 3);
}

// ---- cross presets ----

void run_cross_program(const char* preset, const char* qemu, const char* sysroot,
                       const char* arch) {
  Toolchain tc = Toolchain::named(preset);
  auto missing = tc.missing_tools();
  if (!missing.empty()) {
    GTEST_SKIP() << "SKIPPED: " << missing[0].program << " is not installed (Debian package "
                 << missing[0].package << ")";
  }
  MBLOB_REQUIRE_TOOL(emulator, qemu);
  if (!fs::exists(fs::path(sysroot) / "include/stdio.h")) {
    GTEST_SKIP() << "SKIPPED: the C library headers in " << sysroot
                 << " are not installed (scripts/install-deps.sh installs libc6-dev-*-cross)";
  }
  TempDir dir;
  test::write_text(dir / "main.c", kProgramSource);
  tc.compile(dir / "main.c", dir / "main.o", {std::string("-DARCH_NAME=\"") + arch + "\""});
  tc.link_executable({dir / "main.o"}, dir / "main");
  // And a shared library, the export path's real output.
  fs::path lib = build_library(tc, dir);
  EXPECT_TRUE(fs::is_regular_file(lib));
  auto r =
      run_process_checked({emulator, "-L", sysroot, (dir / "main").string()}, {.timeout = 60s});
  EXPECT_EQ(r.out, std::string("hello from ") + arch + "\n");
}

TEST(Toolchain, Aarch64ProgramRunsUnderQemu) {
  run_cross_program("aarch64-linux-gnu", "qemu-aarch64", "/usr/aarch64-linux-gnu", "aarch64");
}

TEST(Toolchain, Riscv64ProgramRunsUnderQemu) {
  run_cross_program("riscv64-linux-gnu", "qemu-riscv64", "/usr/riscv64-linux-gnu", "riscv64");
}

TEST(Toolchain, MingwBuildsDllThatExportsTheSymbol) {
  Toolchain tc = Toolchain::named("x86_64-w64-mingw32");
  auto missing = tc.missing_tools();
  if (!missing.empty()) GTEST_SKIP() << "SKIPPED: " << missing[0].program << " is not installed";
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  fs::path dll = build_library(tc, dir, /*with_asm=*/false);
  EXPECT_EQ(dll.extension(), ".dll");
  auto r = run_process_checked({readobj, "--coff-exports", dll.string()});
  EXPECT_NE(r.out.find("Format: COFF-x86-64"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Name: mblob_answer"), std::string::npos) << r.out;
  // The DLL names itself by its final file name (not the staging path's), and two builds are
  // byte-identical (no link timestamps).
  if (std::string objdump = find_program("x86_64-w64-mingw32-objdump"); !objdump.empty()) {
    auto p = run_process_checked({objdump, "-p", dll.string()});
    EXPECT_NE(p.out.find(" libtest.dll\n"), std::string::npos) << p.out;
  }
  TempDir again;
  EXPECT_EQ(slurp(build_library(tc, again, false)), slurp(dll));
}

TEST(Toolchain, HexagonLinksSharedObject) {
  Toolchain tc = Toolchain::named("hexagon");
  auto missing = tc.missing_tools();
  if (!missing.empty()) GTEST_SKIP() << "SKIPPED: " << missing[0].program << " is not installed";
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  fs::path so = build_library(tc, dir);
  auto h = run_process_checked({readobj, "-h", so.string()});
  EXPECT_NE(h.out.find("EM_HEXAGON"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("SharedObject"), std::string::npos) << h.out;
  auto syms = run_process_checked({readobj, "--dyn-syms", so.string()});
  EXPECT_NE(syms.out.find("mblob_answer"), std::string::npos);
  EXPECT_NE(syms.out.find("mblob_asm_blob"), std::string::npos);
}

TEST(ToolPath, RelativePathStartingWithADashOrAtIsMadeAFileName) {
  EXPECT_EQ(tool_path("-o/tmp/x.so"), "./-o/tmp/x.so");
  EXPECT_EQ(tool_path("@args"), "./@args");
  EXPECT_EQ(tool_path("dir/-x.o"), "dir/-x.o");
  EXPECT_EQ(tool_path("/abs/-x.o"), "/abs/-x.o");
  EXPECT_EQ(tool_path("plain.o"), "plain.o");
}

// Every command builder passes its paths through tool_path: no file name becomes an option.
TEST(ToolPath, EveryCommandLineCarriesPathsThatLookLikeOptionsAsFileNames) {
  Toolchain tc = Toolchain::named("host-gcc");
  auto has = [](const std::vector<std::string>& argv, const std::string& word) {
    return std::find(argv.begin(), argv.end(), word) != argv.end();
  };
  auto compile = tc.compile_command("-w.c", "-o.o");
  EXPECT_TRUE(has(compile, "./-w.c"));
  EXPECT_TRUE(has(compile, "./-o.o"));
  EXPECT_FALSE(has(compile, "-w.c"));
  for (const auto& argv : {tc.link_shared_command({"-o/tmp/x.so", "@objs"}, "-lib.so"),
                           tc.link_executable_command({"-o/tmp/x.so", "@objs"}, "-lib.so"),
                           tc.archive_command({"-o/tmp/x.so", "@objs"}, "-lib.so")}) {
    EXPECT_TRUE(has(argv, "./-o/tmp/x.so")) << shell_join(argv);
    EXPECT_TRUE(has(argv, "./@objs")) << shell_join(argv);
    EXPECT_TRUE(has(argv, "./-lib.so")) << shell_join(argv);
    EXPECT_FALSE(has(argv, "-o/tmp/x.so")) << shell_join(argv);
  }
}

TEST(ToolPath, OutputThatIsAnInputIsRefusedBeforeTheToolRuns) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  TempDir d;
  auto src = d / "a.c";
  test::write_text(src, "int a(void) { return 1; }\n");
  Toolchain tc = Toolchain::named("host-gcc");
  EXPECT_THROW(tc.compile(src, src), UsageError);
  EXPECT_EQ(slurp(src), "int a(void) { return 1; }\n");
  tc.compile(src, d / "a.o");
  auto obj = slurp(d / "a.o");
  EXPECT_THROW(tc.link_shared({d / "a.o"}, d / "a.o"), UsageError);
  EXPECT_THROW(tc.archive({d / "a.o"}, d / "a.o"), UsageError);
  EXPECT_EQ(slurp(d / "a.o"), obj);
}

}  // namespace
}  // namespace mblob
