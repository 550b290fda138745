// The CLI's shared rules (tools/mblob/main.cc, common_options.cc, cmd_*.cc), through the real
// binary: typos get a suggestion and exit 2, every usage error exits 2 before any work, results
// and summaries go to stdout (progress, warnings and errors to stderr, in one prefix style),
// --json gives one object, -v shows every tool command, sizes take units everywhere.
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "mblob/object/target.h"
#include "mblob/toolchain/toolchain.h"
#include "object_tools.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using test::cli;
using test::TempDir;

// A model directory: host code, a device module and weights, and its manifest.
struct Model : test::SampleModel {
  Model()
      : SampleModel(
            {.ptx_bytes = 333, .weight_bytes = 4000, .seed = 3, .gpu_imports_weights = false}) {}
  std::vector<std::string> export_args(const std::string& out) const { return export_argv(out); }
};

std::vector<std::string> with(std::vector<std::string> args, std::vector<std::string> more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// A usage error: exit 2, one "mblob: error: " line containing `needle`, then the --help hint.
void expect_usage_error(const test::RunResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("mblob: error: ", 0), 0u) << r.err;
  EXPECT_NE(first_line(r.err).find(needle), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Run with --help"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// A manifest that fails if it is read: usage errors must come before any work.
fs::path unreadable_manifest(const TempDir& dir) {
  test::write_text(dir / "bad.json", "{");
  return dir / "bad.json";
}

TEST(Cli, TypoInSubcommandSuggestsTheCommand) {
  auto r = test::run({cli(), "exprot"});
  expect_usage_error(r, "unknown command 'exprot'; did you mean 'export'?");
  EXPECT_EQ(r.err.find("A subcommand is required"), std::string::npos) << r.err;
  // With the command's arguments after it, and with a global option before it.
  expect_usage_error(test::run({cli(), "--no-such-option", "pakc"}),
                     "unknown command 'pakc'; did you mean 'pack'?");
  expect_usage_error(test::run({cli(), "pakc", "in.bin", "-o", "a.o"}),
                     "unknown command 'pakc'; did you mean 'pack'?");
  // Nothing close: the commands are listed, nothing is suggested.
  r = test::run({cli(), "frobnicate"});
  expect_usage_error(
      r,
      "unknown command 'frobnicate' (commands: pack, export, load, inspect, targets, "
      "extract, verify)");
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;
}

TEST(Cli, UnknownTargetIsAUsageErrorWithSuggestion) {
  TempDir dir;
  test::write_bytes(dir / "in.bin", test::pattern_bytes(10));
  auto r = test::run({cli(), "pack", (dir / "in.bin").string(), "-o", (dir / "a.o").string(),
                      "--symbol", "blob", "--target", "aarch64-linux-gnx"});
  expect_usage_error(r, "unknown target 'aarch64-linux-gnx'; did you mean 'aarch64-linux-gnu'?");
  EXPECT_FALSE(fs::exists(dir / "a.o"));
  // export resolves the target before it reads the manifest.
  r = test::run({cli(), "export", unreadable_manifest(dir).string(), "-o", (dir / "o.so").string(),
                 "--target", "riscv46-linux-gnu"});
  expect_usage_error(r, "unknown target 'riscv46-linux-gnu'; did you mean 'riscv64-linux-gnu'?");
  // Every row of the table has a toolchain (derived from the row): export gets past the target
  // and stops at the manifest (Cli.ExportResolvesEveryTargetRow walks every row).
  r = test::run({cli(), "export", unreadable_manifest(dir).string(), "-o", (dir / "o.so").string(),
                 "--target", "s390x-linux-gnu"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
}

TEST(Cli, UnknownPackerIsAUsageError) {
  TempDir dir;
  auto r = test::run({cli(), "export", unreadable_manifest(dir).string(), "-o",
                      (dir / "o.so").string(), "--packer", "c-hx"});
  expect_usage_error(r, "unknown packer 'c-hx'; did you mean 'c-hex'?");
  EXPECT_NE(r.err.find("known packers: native, c-hex"), std::string::npos) << r.err;
}

TEST(Cli, UnknownLinkerIsAUsageError) {
  TempDir dir;
  auto r = test::run({cli(), "export", unreadable_manifest(dir).string(), "-o",
                      (dir / "o.so").string(), "--linker", "mlod"});
  expect_usage_error(r, "unknown linker 'mlod'; did you mean 'mold'?");
  // A known linker the target's toolchain cannot use is a usage error too.
  r = test::run({cli(), "export", unreadable_manifest(dir).string(), "-o", (dir / "o.so").string(),
                 "--target", "x86_64-w64-mingw32", "--linker", "gold"});
  expect_usage_error(r, "cannot link with gold");
}

TEST(Cli, MissingRequiredArgumentIsAUsageError) {
  TempDir dir;
  test::write_bytes(dir / "in.bin", test::pattern_bytes(10));
  expect_usage_error(
      test::run({cli(), "pack", (dir / "in.bin").string(), "-o", (dir / "a.o").string()}),
      "pack: --symbol is required");
  expect_usage_error(test::run({cli(), "export", "-o", (dir / "o.so").string()}), "MANIFEST");
  expect_usage_error(test::run({cli(), "pack", "--no-such-option"}), "--no-such-option");
}

TEST(Cli, TargetsListsTheTableAsJson) {
  auto r = test::run_ok({cli(), "targets", "--json"});
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_TRUE(doc["targets"].is_array());
  const nlohmann::json* x86 = nullptr;
  const nlohmann::json* s390 = nullptr;
  for (const auto& t : doc["targets"]) {
    if (t["triple"] == "x86_64-linux-gnu") x86 = &t;
    if (t["triple"] == "s390x-linux-gnu") s390 = &t;
  }
  ASSERT_NE(x86, nullptr) << r.out;
  ASSERT_NE(s390, nullptr) << r.out;
  EXPECT_EQ((*x86)["container"], "ELF");
  EXPECT_EQ((*x86)["class"], 64);
  EXPECT_EQ((*x86)["endian"], "little");
  EXPECT_EQ((*x86)["machine"], 62);  // EM_X86_64
  EXPECT_EQ((*s390)["endian"], "big");
  EXPECT_EQ((*s390)["machine"], 22);  // EM_S390
  EXPECT_EQ((*s390)["toolchain"]["cc"], "s390x-linux-gnu-gcc");
  // The text table has the same rows (plus a header), and pack --list-targets is the same table.
  auto text = test::run_ok({cli(), "targets"});
  EXPECT_EQ(static_cast<std::size_t>(std::count(text.out.begin(), text.out.end(), '\n')),
            doc["targets"].size() + 1);
  EXPECT_EQ(test::run_ok({cli(), "pack", "--list-targets"}).out, text.out);
  EXPECT_EQ(test::run_ok({cli(), "pack", "--list-targets", "--json"}).out, r.out);
}

// Every row lists its container and the toolchain export builds its libraries with.
TEST(Cli, TargetsListsEveryRowWithItsContainerAndToolchain) {
  auto doc = nlohmann::json::parse(test::run_ok({cli(), "targets", "--json"}).out);
  auto text = test::run_ok({cli(), "targets"}).out;
  ASSERT_EQ(doc["targets"].size(), all_targets().size());
  for (std::size_t i = 0; i < all_targets().size(); ++i) {
    const Target& t = all_targets()[i];
    const auto& row = doc["targets"][i];
    EXPECT_EQ(row["triple"], t.triple);
    EXPECT_EQ(row["container"], container_name(t.container));
    EXPECT_EQ(row["toolchain"]["preset"], preset_for_target(t).name);
    EXPECT_EQ(row["toolchain"]["cc"], preset_for_target(t).cc);
    // The text line of the row names its format and its compiler.
    std::size_t line = text.find("\n" + std::string(t.triple) + " ");
    ASSERT_NE(line, std::string::npos) << t.triple;
    std::string l = text.substr(line + 1, text.find('\n', line + 1) - line - 1);
    EXPECT_NE(l.find(std::string(container_name(t.container))), std::string::npos) << l;
    EXPECT_NE(l.find(std::string(preset_for_target(t).cc)), std::string::npos) << l;
  }
}

// `mblob export --target <row>` gets past target and toolchain resolution for every row and for
// the names that used to find only a preset or only a row: the run stops at the missing
// manifest, not at the target.
TEST(Cli, ExportResolvesEveryTargetRow) {
  TempDir dir;
  std::vector<std::string> names{"hexagon",
                                 "x86_64-pc-windows-gnu",
                                 "hexagon-unknown-elf:v73",
                                 "riscv64-linux-gnu:lp64f",
                                 "arm64",
                                 "amd64"};
  for (const auto& t : all_targets()) names.emplace_back(t.triple);
  for (const auto& name : names) {
    auto r = test::run({cli(), "export", (dir / "missing.json").string(), "-o",
                        (dir / "out.so").string(), "--target", name});
    EXPECT_EQ(r.exit_code, 1) << name << ": " << r.err;
    EXPECT_NE(r.err.find("missing.json"), std::string::npos) << name << ": " << r.err;
    EXPECT_EQ(r.err.find("target"), std::string::npos) << name << ": " << r.err;
  }
  auto r = test::run({cli(), "export", (dir / "missing.json").string(), "-o",
                      (dir / "out.so").string(), "--target", "arm64-apple-macoss"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean 'arm64-apple-darwin'?"), std::string::npos) << r.err;
}

TEST(Cli, PackJsonSummary) {
  TempDir dir;
  test::write_bytes(dir / "in.bin", test::pattern_bytes(100));
  fs::path out = dir / "a.o";
  auto r = test::run_ok({cli(), "pack", (dir / "in.bin").string(), "-o", out.string(), "--symbol",
                         "blob", "--target", "aarch64-linux-gnu", "--align", "64", "--json"});
  EXPECT_EQ(r.err, "");
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["output"], out.string());
  EXPECT_EQ(j["symbol"], "blob");
  EXPECT_EQ(j["target"], "aarch64-linux-gnu");
  EXPECT_EQ(j["section"], ".rodata");
  EXPECT_EQ(j["large"], false);
  EXPECT_EQ(j["align"], 64);
  EXPECT_EQ(j["payload_bytes"], 100);
  EXPECT_EQ(j["output_bytes"], fs::file_size(out));
  ASSERT_EQ(j["phases"].size(), 1u) << r.out;
  EXPECT_EQ(j["phases"][0]["name"], "write");
  EXPECT_GE(j["phases"][0]["seconds"].get<double>(), 0.0);
  // --quiet silences the text summary, not the JSON result.
  auto q = test::run_ok({cli(), "pack", (dir / "in.bin").string(), "-o", out.string(), "--symbol",
                         "blob", "--json", "-q"});
  EXPECT_EQ(nlohmann::json::parse(q.out)["payload_bytes"], 100);
}

TEST(Cli, ExportJsonSummary) {
  Model m;
  auto r = test::run_ok(with(m.export_args("m.so"), {"--json"}));
  EXPECT_EQ(r.err, "");
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["output"], (m.dir / "m.so").string());
  EXPECT_EQ(j["symbol"], "__tvm_ffi__library_bin");
  EXPECT_EQ(j["target"], "x86_64-linux-gnu");
  EXPECT_EQ(j["packer"], "native");
  // The section the blob was spliced into (x86-64 splices: docs/splice.md).
  EXPECT_EQ(j["section"], ".mblob.blob");
  EXPECT_EQ(j["output_bytes"], fs::file_size(m.dir / "m.so"));
  // The blob size agrees with what the runtime reads back.
  auto loaded =
      nlohmann::json::parse(test::run_ok({cli(), "load", (m.dir / "m.so").string(), "--json"}).out);
  EXPECT_EQ(j["blob_bytes"], loaded["blob_bytes"]);
  std::vector<std::string> phases;
  for (const auto& p : j["phases"]) {
    phases.push_back(p["name"]);
    EXPECT_GE(p["seconds"].get<double>(), 0.0);
  }
  EXPECT_EQ(phases,
            (std::vector<std::string>{"serialize", "pack", "compile", "link", "splice", "verify"}));
  std::vector<std::string> actions;
  for (const auto& s : j["tool_steps"]) {
    actions.push_back(s["action"]);
    EXPECT_FALSE(s["command"].get<std::string>().empty());
  }
  // The placeholder, the host code, the link.
  EXPECT_EQ(actions, (std::vector<std::string>{"compile", "compile", "link"})) << r.out;
}

TEST(Cli, SummariesGoToStdout) {
  // pack: the summary line on stdout, nothing on stderr (not a terminal: no progress).
  TempDir dir;
  test::write_bytes(dir / "in.bin", test::pattern_bytes(100));
  auto p = test::run_ok(
      {cli(), "pack", (dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob"});
  EXPECT_EQ(p.err, "");
  EXPECT_NE(p.out.find("blob (100 B, 100 bytes) in .rodata"), std::string::npos) << p.out;
  // export: the same stream.
  Model m;
  auto e = test::run_ok(m.export_args("m.so"));
  EXPECT_EQ(e.err, "");
  EXPECT_EQ(e.out.rfind("exported " + (m.dir / "m.so").string(), 0), 0u) << e.out;
  EXPECT_EQ(std::count(e.out.begin(), e.out.end(), '\n'), 1) << e.out;
  // --quiet: nothing on either.
  auto q = test::run_ok(with(m.export_args("q.so"), {"-q"}));
  EXPECT_EQ(q.out + q.err, "");
  // Warnings use the one prefix style, on stderr.
  test::write_bytes(m.dir / "empty.bin", {});
  test::write_text(m.dir / "warn.json", R"({"modules":[
      {"name":"host","kind":"host","sources":["host.c"],"imports":["e"]},
      {"name":"e","kind":"params","payload":"empty.bin"}]})");
  auto w = test::run_ok(
      {cli(), "export", (m.dir / "warn.json").string(), "-o", (m.dir / "w.so").string()});
  EXPECT_EQ(w.err.rfind("mblob: warning: ", 0), 0u) << w.err;
  EXPECT_NE(w.err.find("empty payload"), std::string::npos) << w.err;
  EXPECT_EQ(w.out.rfind("exported ", 0), 0u) << w.out;
}

TEST(Cli, VerboseShowsEveryToolCommand) {
  Model m;
  auto r = test::run_ok(with(m.export_args("m.so"), {"-v", "--json"}));
  auto j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["tool_steps"].empty());
  // Every step's command line, shell-quoted, on its own "mblob: run: " line before it ran.
  for (const auto& s : j["tool_steps"]) {
    std::string line = "mblob: run: " + s["command"].get<std::string>() + "\n";
    EXPECT_NE(r.err.find(line), std::string::npos) << line << "\nin:\n" << r.err;
  }
  // And one status line per phase (stderr is not a terminal here).
  for (const char* phase : {"serialize", "pack", "compile", "link", "verify"}) {
    EXPECT_NE(r.err.find(std::string("mblob: export: ") + phase + " done in "), std::string::npos)
        << phase << "\n"
        << r.err;
  }
  // Tools a packer runs are shown too (c-hex compiles its C file).
  auto c = test::run_ok(with(m.export_args("c.so"), {"--packer", "c-hex", "--verbose"}));
  EXPECT_NE(c.err.find(".c -o "), std::string::npos) << c.err;
  // Without -v: no command lines.
  auto quiet = test::run_ok(m.export_args("n.so"));
  EXPECT_EQ(quiet.err.find("mblob: run"), std::string::npos) << quiet.err;
}

// Runs argv with stdout and stderr on a new pseudo-terminal; returns what the terminal got and
// the exit code.
std::pair<std::string, int> run_on_terminal(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return {"forkpty failed", -1};
  if (pid == 0) {
    execv(args[0], args.data());
    _exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has closed its side
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST(Cli, ExportShowsAStatusLinePerPhaseOnATerminal) {
  Model m;
  auto [tty, rc] = run_on_terminal(m.export_args("t.so"));
  ASSERT_EQ(rc, 0) << tty;
  for (const char* phase : {"serialize", "pack", "compile", "link", "verify"}) {
    EXPECT_NE(tty.find(std::string("\r\x1b[Kmblob: export: ") + phase + " ..."), std::string::npos)
        << phase << ": " << tty;
    EXPECT_NE(tty.find(std::string("mblob: export: ") + phase + " done in "), std::string::npos)
        << phase << ": " << tty;
  }
  EXPECT_NE(tty.find("exported "), std::string::npos) << tty;
  // --quiet: nothing at all, on a terminal too.
  auto [quiet, qrc] = run_on_terminal(with(m.export_args("q.so"), {"-q"}));
  EXPECT_EQ(qrc, 0);
  EXPECT_EQ(quiet, "");
}

TEST(Cli, AlignAcceptsUnitsEverywhere) {
  // pack: the section alignment.
  TempDir dir;
  test::write_bytes(dir / "in.bin", test::pattern_bytes(100));
  test::run_ok({cli(), "pack", (dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol",
                "blob", "--align", "4K", "-q"});
  auto facts = test::obj::readelf((dir / "a.o").string());
  ASSERT_NE(facts.section(".rodata"), nullptr);
  EXPECT_EQ(facts.section(".rodata")->align, 4096u);
  // export: the blob symbol lands on a 4 KiB boundary of the library.
  Model m;
  test::run_ok(with(m.export_args("m.so"), {"--align", "4K", "-q"}));
  auto so = test::obj::readelf((m.dir / "m.so").string());
  const auto* blob = so.symbol("__tvm_ffi__library_bin");
  ASSERT_NE(blob, nullptr);
  EXPECT_EQ(blob->value % 4096, 0u) << blob->value;
  // And a bad unit is a usage error in both.
  expect_usage_error(test::run({cli(), "pack", (dir / "in.bin").string(), "-o",
                                (dir / "b.o").string(), "--symbol", "blob", "--align", "4Q"}),
                     "--align: '4Q'");
  expect_usage_error(test::run(with(m.export_args("b.so"), {"--align", "4Q"})), "--align: '4Q'");
}

TEST(Cli, ExportAlignThatIsNotAPowerOfTwoIsAUsageErrorBeforeAnyWork) {
  Model m;
  auto r = test::run(with(m.export_args("c.so"), {"--align", "3"}));
  expect_usage_error(r, "--align: alignment 3 is not a power of two");
  EXPECT_FALSE(fs::exists(m.dir / "c.so"));
  expect_usage_error(test::run(with(m.export_args("c.so"), {"--align", "2G"})),
                     "--align: alignment 2147483648 is larger than the maximum");
  // 0 is no alignment to ask for (leaving --align out lets export choose).
  expect_usage_error(test::run(with(m.export_args("c.so"), {"--align", "0"})),
                     "--align: alignment 0 is not a power of two");
  EXPECT_FALSE(fs::exists(m.dir / "c.so"));
}

}  // namespace
}  // namespace mblob
