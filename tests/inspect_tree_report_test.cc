// inspect: what `mblob load` prints for a module tree, as text and as JSON, when the kinds read
// from a library are hostile (terminal control sequences, newlines, bytes that are not UTF-8).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mblob/core/text.h"
#include "mblob/export/export.h"
#include "mblob/inspect/tree_report.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;

// An OSC sequence that retitles the terminal, then a newline that would start a forged tree line.
const std::string kTerminalKind = "cu\x1b]0;pwned\x07\n  [9] forged";
// Bytes that are not UTF-8 (a lone continuation byte, 0xff, a truncated sequence).
const std::string kInvalidUtf8Kind = std::string("k\x80\xff") + "\xe2\x82";

// A real library whose blob holds a module of each hostile kind, exported through the API.
fs::path export_hostile_library(const test::TempDir& dir) {
  ModuleTree t;
  ModuleTree::Node host;
  host.host = true;
  host.imports = {1, 2};
  t.add(std::move(host));
  t.add({kTerminalKind, false, ByteSource::from_bytes({1, 2, 3}), {}});
  t.add({kInvalidUtf8Kind, false, ByteSource::from_bytes({4, 5}), {}});
  ExportOptions o;
  o.quiet = true;
  fs::path so = dir / "hostile.so";
  export_library(t, so, o);
  return so;
}

TEST(TreeReport, TextOutputEscapesControlCharactersInKind) {
  test::TempDir dir;
  fs::path so = export_hostile_library(dir);
  auto r = test::run_ok({test::cli(), "load", so.string()});
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x07'), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\n  [9] forged"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cu\\x1b]0;pwned\\x07\\x0a  [9] forged  3 bytes"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("k\\x80\\xff\\xe2\\x82  2 bytes"), std::string::npos) << r.out;
  // One header line and one line per module: nothing forged.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4) << r.out;
}

TEST(TreeReport, JsonOutputEscapesInvalidUtf8Kind) {
  test::TempDir dir;
  fs::path so = export_hostile_library(dir);
  auto r = test::run_ok({test::cli(), "load", so.string(), "--json"});
  ASSERT_TRUE(is_utf8(r.out)) << r.out;
  auto j = nlohmann::json::parse(r.out);  // strict: throws on invalid UTF-8
  ASSERT_EQ(j["modules"].size(), 3u);
  // Blob order: _lib, then the modules in TVM's depth-first order (the last import first).
  const auto& invalid = j["modules"][1];
  const auto& terminal = j["modules"][2];
  // A valid UTF-8 kind, control characters included, is written exactly (JSON escapes them).
  EXPECT_EQ(terminal["kind"], kTerminalKind);
  EXPECT_FALSE(terminal.contains("kind_hex"));
  // An invalid one: U+FFFD for each invalid sequence, and the exact bytes in kind_hex.
  EXPECT_EQ(invalid["kind"], "k\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(invalid["kind_hex"], "6b80ffe282");
  EXPECT_EQ(invalid["payload_bytes"], 2);
}

TEST(TreeReport, SymbolThatIsNotUtf8IsWrittenWithItsHex) {
  TreeReport report;
  report.format = Format::ffi;
  report.symbol = "s\xff";
  report.modules.push_back({"_lib", true, {}, {}});
  auto j = nlohmann::json::parse(report.to_json_text());
  EXPECT_EQ(j["symbol_hex"], "73ff");
  EXPECT_NE(report.to_text("lib.so").find("symbol s\\xff,"), std::string::npos);
}

TEST(TreeReport, TextOutputEscapesControlCharactersInTheSourcePath) {
  TreeReport report;
  EXPECT_EQ(report.to_text("a\nb.so").find('\n'), report.to_text("a\nb.so").size() - 1);
}

}  // namespace
}  // namespace mblob
