// core/byte_source: what an input file really is when it cannot be a payload, payloads that are
// not what their size says (/proc), and payloads that change size while mblob reads them: an
// error naming the file, never a SIGBUS and never a silently wrong blob.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "mblob/core/byte_source.h"
#include "mblob/core/fd.h"
#include "mblob/core/file.h"
#include "mblob/export/export.h"
#include "object_tools.h"
#include "support/test_support.h"

namespace mblob {
namespace {

using test::error_of;

namespace fs = std::filesystem;
using test::TempDir;

// `mblob export` of a manifest whose one device module has `payload`.
test::RunResult export_with_payload(const TempDir& dir, const std::string& payload,
                                    const std::vector<std::string>& run_as = {}) {
  test::write_text(dir / "m.json", R"({"modules":[
    {"name":"h","kind":"host","imports":["weights"]},
    {"name":"weights","kind":"params","payload":")" +
                                       payload + R"("}]})");
  std::vector<std::string> argv = run_as;
  for (const auto& a : {test::cli(), std::string("export"), (dir / "m.json").string(),
                        std::string("-o"), (dir / "o.so").string()}) {
    argv.push_back(a);
  }
  return test::run(argv);
}

void expect_export_refused(const TempDir& dir, const test::RunResult& r,
                           const std::string& needle) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find((dir / "m.json").string() + ": module \"weights\": "), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("does not exist"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o.so"));
}

TEST(ByteSourceInput, PayloadFifoSaysFifo) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  // Returns at once: the FIFO is never opened (that would block until a writer comes).
  expect_export_refused(dir, export_with_payload(dir, "fifo"),
                        "fifo: is a FIFO (named pipe): payloads must be regular files");
  EXPECT_NE(error_of([&] { ByteSource::from_file(dir / "fifo"); }).find("is a FIFO"),
            std::string::npos);
}

TEST(ByteSourceInput, PayloadDirectorySaysDirectory) {
  TempDir dir;
  fs::create_directory(dir / "d");
  expect_export_refused(dir, export_with_payload(dir, "d"), "d: is a directory");
  // `mblob pack` of a directory says the same.
  auto r = test::run(
      {test::cli(), "pack", (dir / "d").string(), "-o", (dir / "d.o").string(), "--symbol", "s"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find((dir / "d").string() + ": is a directory"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "d.o"));
}

TEST(ByteSourceInput, PayloadCharacterDeviceSaysCharacterDevice) {
  TempDir dir;
  expect_export_refused(dir, export_with_payload(dir, "/dev/zero"),
                        "/dev/zero: is a character device: payloads must be regular files");
}

TEST(ByteSourceInput, PayloadUnderUnsearchableDirectorySaysPermissionDenied) {
  TempDir dir;
  fs::create_directory(dir / "locked");
  test::write_bytes(dir / "locked" / "w.bin", test::pattern_bytes(10));
  ::chmod(dir.path().c_str(), 0755);
  ::chmod((dir / "locked").c_str(), 0644);  // readable, not searchable
  std::vector<std::string> run_as;
  if (::geteuid() == 0) {
    // root searches every directory: run the CLI as nobody instead.
    MBLOB_REQUIRE_TOOL(setpriv, "setpriv");
    run_as = {setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"};
  }
  auto r = export_with_payload(dir, "locked/w.bin", run_as);
  ::chmod((dir / "locked").c_str(), 0755);
  expect_export_refused(dir, r, "permission denied: cannot search " + (dir / "locked").string());
}

TEST(ByteSourceInput, ProcFileIsNotEmbeddedEmpty) {
  // st_size 0, yet reading gives bytes: its size is unknown, so it is refused, never embedded as
  // an empty payload.
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/status", &st), 0);
  ASSERT_EQ(st.st_size, 0);
  TempDir dir;
  expect_export_refused(dir, export_with_payload(dir, "/proc/self/status"),
                        "/proc/self/status: reports a size of 0 but reading it gives bytes");
  EXPECT_NE(error_of([] { ByteSource::from_file("/proc/self/status"); }).find("size of 0"),
            std::string::npos);
  // `mblob pack` streams such a file to its end instead, as it does a FIFO: its bytes, not none.
  auto r = test::run({test::cli(), "pack", "/proc/self/status", "-o", (dir / "s.o").string(),
                      "--symbol", "s", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto facts = test::obj::readelf((dir / "s.o").string());
  const auto* sym = facts.symbol("s");
  ASSERT_NE(sym, nullptr);
  EXPECT_GT(sym->size, 100u);
}

TEST(ByteSourceInput, TrulyEmptyPayloadIsStillAccepted) {
  TempDir dir;
  test::write_bytes(dir / "empty.bin", {});
  ByteSource s = ByteSource::from_file(dir / "empty.bin");
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.read_all().empty());
}

// A source of three 4 KiB chunks of one file.
struct ThreeChunks {
  TempDir dir;
  fs::path file = dir / "w.bin";
  ByteSource source;
  ThreeChunks() {
    test::write_bytes(file, test::pattern_bytes(3 * 4096));
    source = ByteSource::from_file(file);
  }
};

TEST(ByteSourceRead, ShrinkingPayloadWhileBeingReadIsAnError) {
  ThreeChunks c;
  int calls = 0;
  std::uint64_t sum = 0;
  std::string e = error_of([&] {
    c.source.for_each_chunk(
        [&](ByteView v) {
          for (auto b : v) sum += b;  // touch every byte (a mapping would SIGBUS here)
          if (++calls == 1) fs::resize_file(c.file, 1000);  // under the reader's feet
        },
        4096);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_NE(e.find(c.file.string() + ": file shrank while being read (expected 12288 bytes, got "
                                     "4096)"),
            std::string::npos)
      << e;
}

TEST(ByteSourceRead, GrowingPayloadWhileBeingReadIsAnError) {
  ThreeChunks c;
  std::string e = error_of(
      [&] { c.source.for_each_chunk([&](ByteView) { fs::resize_file(c.file, 5 * 4096); }, 4096); });
  EXPECT_NE(e.find(c.file.string() + ": file changed size while being read (was 12288 bytes, now "
                                     "20480)"),
            std::string::npos)
      << e;
}

TEST(ByteSourceRead, PayloadThatChangedSizeSinceItWasAddedIsAnError) {
  ThreeChunks c;
  fs::resize_file(c.file, 100);
  for (auto read : {+[](const ByteSource& s) { s.read_all(); },
                    +[](const ByteSource& s) {
                      TempDir out;
                      AtomicFile f(out / "copy");
                      s.write_to(f.fd(), "copy");
                    }}) {
    std::string e = error_of([&] { read(c.source); });
    EXPECT_NE(e.find(c.file.string() + ": file changed size since it was added (was 12288 bytes, "
                                       "now 100)"),
              std::string::npos)
        << e;
  }
}

TEST(ByteSourceRead, ReadsEveryByteInChunks) {
  ThreeChunks c;
  std::vector<std::uint8_t> seen;
  std::vector<std::size_t> sizes;
  c.source.for_each_chunk(
      [&](ByteView v) {
        sizes.push_back(v.size());
        seen.insert(seen.end(), v.begin(), v.end());
      },
      5000);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{5000, 5000, 2288}));
  EXPECT_EQ(seen, test::pattern_bytes(3 * 4096));
}

// Sets $TMPDIR for the lifetime of the object.
struct ScopedTmpdir {
  std::string old;
  bool had = false;
  explicit ScopedTmpdir(const fs::path& dir) {
    if (const char* v = std::getenv("TMPDIR")) had = true, old = v;
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~ScopedTmpdir() { had ? ::setenv("TMPDIR", old.c_str(), 1) : ::unsetenv("TMPDIR"); }
};

// Files left anywhere under `dir` (recursively).
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(e.path().string());
  return out;
}

TEST(ByteSourceRead, ShrinkingPayloadDuringCHexExportIsAnError) {
  // The c-hex packer reads the blob's payload pieces through for_each_chunk (once mapped, a
  // shrinking payload killed the export with SIGBUS and left its temporary files behind).
  TempDir dir, tmp;
  fs::create_directory(dir / "ws");
  test::write_bytes(dir / "w.bin", test::pattern_bytes(100000));
  ModuleTree t;
  ModuleTree::Node host;
  host.host = true;
  host.imports = {1};
  t.add(std::move(host));
  t.add({"params", false, ByteSource::from_file(dir / "w.bin"), {}});
  fs::resize_file(dir / "w.bin", 10);  // after the tree was sized, before the pack reads it
  ExportOptions o;
  o.packer = "c-hex";
  o.quiet = true;
  for (bool own_workspace : {false, true}) {
    ScopedTmpdir scoped(tmp.path());
    o.workspace = own_workspace ? dir / "ws" : fs::path();
    std::string e = error_of([&] { export_library(t, dir / "o.so", o); });
    EXPECT_NE(e.find((dir / "w.bin").string() + ": file changed size since it was added (was "
                                                "100000 bytes, now 10)"),
              std::string::npos)
        << e;
    EXPECT_FALSE(fs::exists(dir / "o.so"));
    EXPECT_EQ(files_under(tmp.path()), std::vector<std::string>{});
    for (const auto& f : files_under(dir / "ws")) {
      // The run's own directory, ws/mblob-export-XXXXXX, is kept on purpose; what is in it is not.
      fs::path rel = fs::path(f).lexically_relative(dir / "ws");
      if (rel.parent_path().empty() && rel.string().starts_with("mblob-export-")) continue;
      EXPECT_EQ(rel.string().find("tmp"), std::string::npos) << "temporary left behind: " << f;
      EXPECT_EQ(fs::path(f).filename(), "imports.bin") << "left behind: " << f;
    }
  }
}

// ---- copy_phase and the copy loop --------------------------------------------------------------

// The phase is the largest file range's offset in its file minus its place in the source, modulo
// the page: a source started there puts that range's bytes at congruent offsets.
TEST(ByteSourcePhase, LargestFileRangeDecides) {
  TempDir dir;
  test::write_bytes(dir / "small.bin", test::pattern_bytes(100, 1));
  test::write_bytes(dir / "big.bin", test::pattern_bytes(9000, 2));
  EXPECT_EQ(ByteSource::from_bytes(test::pattern_bytes(90, 3)).copy_phase(), 0u);
  EXPECT_EQ(ByteSource::from_file(dir / "big.bin").copy_phase(), 0u);
  ByteSource s = ByteSource::from_bytes(test::pattern_bytes(90, 3));
  s.append_file(dir / "small.bin");
  EXPECT_EQ(s.copy_phase(), 4096u - 90u);
  s.append(test::pattern_bytes(10, 4));
  s.append_file(dir / "big.bin", 4000, 5000);  // at 200 in the source, at 4000 in its file
  EXPECT_EQ(s.copy_phase(), 3800u);
  EXPECT_EQ(s.copy_phase(65536), 3800u);
  EXPECT_EQ(s.copy_phase(16), 8u);  // (4000 - 200) % 16
}

// write_to from output positions around and between 64 KiB boundaries (where the copy loop cuts
// its first call) and across its 8 MiB chunks: every byte arrives, in place, after the bytes
// already there.
TEST(ByteSourceWrite, CopiesEveryByteFromAnyOutputPosition) {
  TempDir dir;
  const auto payload = test::pattern_bytes((17u << 20) + 333, 6);
  test::write_bytes(dir / "p.bin", payload);
  ByteSource s = ByteSource::from_bytes(test::pattern_bytes(90, 7));
  s.append_file(dir / "p.bin");
  const std::vector<std::uint8_t> want = s.read_all();
  for (std::uint64_t at : {0, 1, 4006, 65536 - 90, 65536, 65536 + 4096 + 10}) {
    SCOPED_TRACE("output position " + std::to_string(at));
    fs::path out = dir / "out.bin";
    {
      UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      ASSERT_GE(fd.get(), 0);
      const std::vector<std::uint8_t> lead(at, 0xee);
      write_all(fd.get(), ByteView(lead), "lead");
      s.write_to(fd.get(), "out");
    }
    const auto got = test::read_bytes(out);
    ASSERT_EQ(got.size(), at + want.size());
    EXPECT_TRUE(std::all_of(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(at),
                            [](std::uint8_t b) { return b == 0xee; }));
    EXPECT_TRUE(
        std::equal(want.begin(), want.end(), got.begin() + static_cast<std::ptrdiff_t>(at)));
  }
}

}  // namespace
}  // namespace mblob
