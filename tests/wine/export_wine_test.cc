// Exported Windows DLLs loaded by Windows' own loader, as wine runs it: a mingw-built program
// LoadLibrary's the DLL, GetProcAddress's the blob symbol (exported as data by the native COFF
// writer's directive) and prints the checksum of the blob's bytes, which must be the serialized
// blob's. CTest label "wine"; skipped when wine is not installed (scripts/install-deps.sh
// installs it). x86-64 only: Debian's wine64 runs no 32-bit programs without the i386 wine32.
//
// A wine prefix (the emulated C: drive, ~700 MB, ~16 s to create) is taken from $WINEPREFIX
// (CTest sets one in the build directory, reused across runs) or made in the test's directory.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../object_tools.h"
#include "mblob/export/export.h"
#include "mblob/format/writer.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;

// The loader: argv[1] = DLL, argv[2] = blob symbol, argv[3] = a function to call with (2, 3) or
// "-". Prints "<blob bytes> <fnv1a-64 hex of them> <function result or ->". The blob's length
// comes from its own header: 8 bytes of little-endian body length, then the body.
constexpr const char* kLoader = R"(#include <windows.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char** argv) {
  if (argc != 4) return 10;
  HMODULE dll = LoadLibraryA(argv[1]);
  if (!dll) { printf("LoadLibrary failed: %lu\n", GetLastError()); return 11; }
  const unsigned char* blob = (const unsigned char*)GetProcAddress(dll, argv[2]);
  if (!blob) { printf("GetProcAddress(%s) failed: %lu\n", argv[2], GetLastError()); return 12; }
  unsigned long long body = 0;
  for (int i = 7; i >= 0; --i) body = body << 8 | blob[i];
  unsigned long long n = body + 8, h = 1469598103934665603ull;
  for (unsigned long long i = 0; i < n; ++i) { h ^= blob[i]; h *= 1099511628211ull; }
  printf("%llu %016llx ", n, h);
  if (strcmp(argv[3], "-") == 0) { printf("-\n"); return 0; }
  typedef int (*add_fn)(int, int);
  add_fn add = (add_fn)(void*)GetProcAddress(dll, argv[3]);
  if (!add) { printf("GetProcAddress(%s) failed\n", argv[3]); return 13; }
  printf("%d\n", add(2, 3));
  return 0;
}
)";

class Wine {
 public:
  explicit Wine(const fs::path& scratch) {
    const char* prefix = std::getenv("WINEPREFIX");
    prefix_ = prefix != nullptr && *prefix != '\0' ? fs::path(prefix) : scratch / "wineprefix";
  }
  ~Wine() {
    // Wait for the prefix's wineserver (and the services it started) to end, so the test leaves
    // no process behind.
    test::run({"timeout", "60", "env", "WINEPREFIX=" + prefix_.string(), "wineserver", "-w"});
  }
  test::RunResult run(const std::string& wine, const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"timeout",
                                     "300",
                                     "env",
                                     "WINEPREFIX=" + prefix_.string(),
                                     "WINEDEBUG=-all",
                                     "WINEDLLOVERRIDES=mscoree,mshtml=",
                                     wine};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv);
  }

 private:
  fs::path prefix_;
};

std::string expected_line(const fs::path& manifest, const std::string& add_result) {
  Manifest m = read_manifest(manifest);
  auto blob = serialize(m.tree, SerializeOptions{}).read_all();
  return std::to_string(blob.size()) + " " + test::obj::hex(test::fnv1a(blob)) + " " + add_result +
         "\n";
}

// A model whose host code exports its function under both linkers' conventions: mingw ld
// exports every symbol (export adds --export-all-symbols), lld-link only what is dllexport'ed.
test::SampleModel windows_model() {
  test::SampleModel m;
  test::write_text(m.dir / "host.c",
                   "__declspec(dllexport) int model_add(int a, int b) { return a + b; }\n");
  return m;
}

struct WineCase {
  std::string target;
  std::string compiler;  // what must be installed to export for it
};

void PrintTo(const WineCase& c, std::ostream* os) { *os << c.target; }

class ExportWine : public ::testing::TestWithParam<WineCase> {};

TEST_P(ExportWine, WindowsLoaderReadsTheNativeBlobFromTheDll) {
  const WineCase& c = GetParam();
  MBLOB_REQUIRE_TOOL(wine, "wine");
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  MBLOB_REQUIRE_TOOL(cc, c.compiler);
  test::SampleModel m = windows_model();
  fs::path dll = m.exported("model.dll", {"--target", c.target});
  test::write_text(m.dir / "loader.c", kLoader);
  const fs::path exe = m.dir / "loader.exe";
  test::run_ok({gcc, "-O2", (m.dir / "loader.c").string(), "-o", exe.string()});

  Wine w(m.dir.path());
  auto r = w.run(wine, {exe.string(), dll.string(), "__tvm_ffi__library_bin", "model_add"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string out = r.out;  // the Windows C runtime ends lines with "\r\n"
  std::erase(out, '\r');
  EXPECT_EQ(out, expected_line(m.manifest, "5"));
}

INSTANTIATE_TEST_SUITE_P(X86_64, ExportWine,
                         ::testing::Values(WineCase{"x86_64-w64-mingw32", "x86_64-w64-mingw32-gcc"},
                                           WineCase{"x86_64-pc-windows-msvc", "lld-link"}),
                         [](const auto& info) {
                           return info.param.target.find("msvc") != std::string::npos
                                      ? std::string("Msvc")
                                      : std::string("Mingw");
                         });

}  // namespace
}  // namespace mblob
