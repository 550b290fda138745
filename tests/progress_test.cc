// Progress on a terminal: long pack and export runs show bytes, rate and ETA on stderr when it is
// a terminal, and nothing with --quiet or when it is not one. `script` gives the CLI a terminal.
#include <gtest/gtest.h>
#include <unistd.h>

#include "support/test_support.h"

namespace mblob {
namespace {

using test::TempDir;

// Runs `command` (one shell string, for script(1)) with a pseudo-terminal as stdin/stdout/stderr
// and returns everything the terminal showed.
std::string on_a_terminal(const std::string& script, const std::string& command) {
  auto r = test::run({script, "-qec", command, "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return r.out;
}

void sparse_file(const std::filesystem::path& p, off_t size) {
  test::write_bytes(p, {1});
  ASSERT_EQ(::truncate(p.c_str(), size), 0);
}

TEST(Progress, PackShowsBytesRateAndEtaOnATerminal) {
  MBLOB_REQUIRE_TOOL(script, "script");
  TempDir d;
  sparse_file(d / "big.bin", off_t{96} << 20);  // above the 64 MiB display threshold
  std::string shown = on_a_terminal(script, test::cli() + " pack " + (d / "big.bin").string() +
                                                " -o " + (d / "big.o").string() + " --symbol b");
  EXPECT_NE(shown.find("96.00 MiB"), std::string::npos) << shown;
  EXPECT_NE(shown.find("/s"), std::string::npos) << shown;
}

TEST(Progress, QuietPackShowsNothing) {
  MBLOB_REQUIRE_TOOL(script, "script");
  TempDir d;
  sparse_file(d / "big.bin", off_t{96} << 20);
  std::string shown =
      on_a_terminal(script, test::cli() + " pack " + (d / "big.bin").string() + " -o " +
                                (d / "big.o").string() + " --symbol b --quiet");
  EXPECT_EQ(shown.find("/s"), std::string::npos) << shown;
}

TEST(Progress, NothingWhenStderrIsNotATerminal) {
  TempDir d;
  sparse_file(d / "big.bin", off_t{96} << 20);
  auto r = test::run({test::cli(), "pack", (d / "big.bin").string(), "-o", (d / "big.o").string(),
                      "--symbol", "b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("/s"), std::string::npos) << r.err;
}

TEST(Progress, ExportShowsCopyProgressOnATerminal) {
  MBLOB_REQUIRE_TOOL(script, "script");
  TempDir d;
  sparse_file(d / "w.bin", off_t{96} << 20);
  test::write_text(d / "m.json", R"({"modules":[{"name":"w","kind":"params","payload":"w.bin"}]})");
  std::string shown = on_a_terminal(
      script, test::cli() + " export " + (d / "m.json").string() + " -o " + (d / "m.so").string());
  EXPECT_NE(shown.find("/s"), std::string::npos) << shown;
  EXPECT_NE(shown.find("exported"), std::string::npos) << shown;
}

}  // namespace
}  // namespace mblob
