// runtime: the C ABI (include/mblob/runtime/mblob.h) on libraries exported by the real CLI, from
// C++, from a C99 program built with gcc -pedantic -Werror, and from Python's ctypes.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mblob/format/writer.h"
#include "mblob/runtime/mblob.h"
#include "mblob/runtime/module.h"
#include "support/runtime_libraries.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using test::SampleModel;
using test::SampleModelOptions;

// Closes a tree at the end of a scope.
struct Tree {
  mblob_tree* t = nullptr;
  ~Tree() { mblob_close(t); }
};

// The message an open reported (freed here); "" when none.
std::string take(char* error) {
  std::string s = error ? error : "";
  mblob_free_error(error);
  return s;
}

nlohmann::json load_json(const fs::path& so) {
  auto r = test::run_ok({test::cli(), "load", so.string(), "--json"});
  return nlohmann::json::parse(r.out);
}

std::string fnv1a64_hex(const Bytes& bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (std::uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string joined(const std::vector<std::uint64_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

// The payload file of each kind SampleModel writes.
std::map<std::string, fs::path> payload_files(const SampleModel& m) {
  return {{"cuda", m.dir / "k.ptx"}, {"params", m.dir / "w.bin"}};
}

class CApi : public ::testing::TestWithParam<std::string> {};

TEST_P(CApi, TreeOfAnExportedModelMatchesMblobLoadAndPayloadsAreTheInputFiles) {
  SampleModelOptions o;
  o.format = GetParam();
  SampleModel m(o);
  fs::path so = m.exported("model.so");
  nlohmann::json expected = load_json(so);

  char* error = reinterpret_cast<char*>(1);  // overwritten with NULL on success
  Tree tree{mblob_open_library(so.c_str(), nullptr, &error)};
  ASSERT_NE(tree.t, nullptr) << take(error);
  EXPECT_EQ(error, nullptr);
  ASSERT_NE(mblob_tree_layout(tree.t), nullptr);
  EXPECT_EQ(std::string(mblob_tree_layout(tree.t)), GetParam());
  EXPECT_EQ(std::string(mblob_tree_symbol(tree.t)), expected["symbol"].get<std::string>());
  EXPECT_EQ(mblob_tree_blob_bytes(tree.t), expected["blob_bytes"].get<std::uint64_t>());

  const auto& modules = expected["modules"];
  ASSERT_EQ(mblob_module_count(tree.t), modules.size());
  std::map<std::string, fs::path> files = payload_files(m);
  std::size_t compared = 0;
  for (std::size_t i = 0; i < modules.size(); ++i) {
    SCOPED_TRACE("module " + std::to_string(i));
    std::size_t kind_len = 99, size = 99, n_imports = 99;
    const char* kind = mblob_module_kind(tree.t, i, &kind_len);
    ASSERT_NE(kind, nullptr);
    EXPECT_EQ(std::string(kind, kind_len), modules[i]["kind"].get<std::string>());
    EXPECT_EQ(kind[kind_len], '\0');
    const unsigned char* payload = mblob_module_payload(tree.t, i, &size);
    EXPECT_EQ(size, modules[i].value("payload_bytes", std::size_t{0}));
    const std::uint64_t* imports = mblob_module_imports(tree.t, i, &n_imports);
    std::vector<std::uint64_t> got_imports(imports, imports + n_imports);
    EXPECT_EQ(got_imports, modules[i]["imports"].get<std::vector<std::uint64_t>>());
    if (auto f = files.find(std::string(kind, kind_len)); f != files.end()) {
      ASSERT_NE(payload, nullptr);
      EXPECT_EQ(Bytes(payload, payload + size), test::read_bytes(f->second));
      ++compared;
    }
  }
  EXPECT_EQ(compared, 2u);  // cuda and params
  EXPECT_STREQ(mblob_module_kind(tree.t, 0, nullptr), "_lib");
  std::size_t size = 99;
  EXPECT_EQ(mblob_module_payload(tree.t, 0, &size), nullptr);  // "_lib" has no payload
  EXPECT_EQ(size, 0u);
}

INSTANTIATE_TEST_SUITE_P(Layouts, CApi, ::testing::Values("ffi", "legacy"));

TEST(CApiErrors, MissingFileGivesNullAndAMessageNamingIt) {
  test::TempDir d;
  fs::path missing = d / "nope.so";
  char* error = nullptr;
  EXPECT_EQ(mblob_open_library(missing.c_str(), nullptr, &error), nullptr);
  std::string message = take(error);
  EXPECT_NE(message.find(missing.string()), std::string::npos) << message;
}

TEST(CApiErrors, FifoIsRefusedWithoutBlocking) {
  test::TempDir d;
  fs::path fifo = d / "model.so";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  char* error = nullptr;
  EXPECT_EQ(mblob_open_library(fifo.c_str(), nullptr, &error), nullptr);
  std::string message = take(error);
  EXPECT_NE(message.find(fifo.string()), std::string::npos) << message;
}

TEST(CApiErrors, TextFileIsNotALibrary) {
  test::TempDir d;
  fs::path text = d / "notes.so";
  test::write_text(text, "not an ELF file\n");
  char* error = nullptr;
  EXPECT_EQ(mblob_open_library(text.c_str(), nullptr, &error), nullptr);
  std::string message = take(error);
  EXPECT_NE(message.find(text.string()), std::string::npos) << message;
  // Without an error pointer the failure is still a NULL tree (and nothing leaks or throws).
  EXPECT_EQ(mblob_open_library(text.c_str(), nullptr, nullptr), nullptr);
}

TEST(CApiErrors, WrongPrefixFindsNoBlobInAnExportedModel) {
  SampleModel m;
  fs::path so = m.exported("model.so");
  char* error = nullptr;
  Tree tree{mblob_open_library(so.c_str(), "other_", &error)};
  ASSERT_NE(tree.t, nullptr) << take(error);
  EXPECT_EQ(mblob_tree_layout(tree.t), nullptr);
  EXPECT_EQ(mblob_tree_symbol(tree.t), nullptr);
  EXPECT_EQ(mblob_module_count(tree.t), 1u);
}

TEST(CApiErrors, EveryFunctionIsNullSafe) {
  char* error = nullptr;
  EXPECT_EQ(mblob_open_library(nullptr, nullptr, &error), nullptr);
  EXPECT_NE(take(error).find("NULL"), std::string::npos);
  EXPECT_EQ(mblob_open_library(nullptr, nullptr, nullptr), nullptr);
  mblob_close(nullptr);
  mblob_free_error(nullptr);
  std::size_t n = 99;
  EXPECT_EQ(mblob_tree_layout(nullptr), nullptr);
  EXPECT_EQ(mblob_tree_symbol(nullptr), nullptr);
  EXPECT_EQ(mblob_tree_blob_bytes(nullptr), 0u);
  EXPECT_EQ(mblob_module_count(nullptr), 0u);
  EXPECT_EQ(mblob_module_kind(nullptr, 0, &n), nullptr);
  EXPECT_EQ(n, 0u);
  n = 99;
  EXPECT_EQ(mblob_module_payload(nullptr, 0, &n), nullptr);
  EXPECT_EQ(n, 0u);
  n = 99;
  EXPECT_EQ(mblob_module_imports(nullptr, 0, &n), nullptr);
  EXPECT_EQ(n, 0u);
}

TEST(CApiErrors, OutOfRangeIndexGivesNullAndZero) {
  SampleModel m;
  fs::path so = m.exported("model.so");
  Tree tree{mblob_open_library(so.c_str(), nullptr, nullptr)};
  ASSERT_NE(tree.t, nullptr);
  std::size_t count = mblob_module_count(tree.t), n = 99;
  EXPECT_EQ(mblob_module_kind(tree.t, count, &n), nullptr);
  EXPECT_EQ(n, 0u);
  n = 99;
  EXPECT_EQ(mblob_module_payload(tree.t, count, &n), nullptr);
  EXPECT_EQ(n, 0u);
  n = 99;
  EXPECT_EQ(mblob_module_imports(tree.t, SIZE_MAX, &n), nullptr);
  EXPECT_EQ(n, 0u);
}

// Registers a loader for the scope of a test (the registry is process-wide).
struct ScopedLoader {
  std::string kind;
  ScopedLoader(std::string k, Loader l) : kind(std::move(k)) {
    register_loader(kind, std::move(l));
  }
  ~ScopedLoader() { unregister_loader(kind); }
};

TEST(CApiErrors, ExceptionsFromALoaderBecomeErrorStringsEvenWhenNotStdExceptions) {
  SampleModelOptions o;
  o.modules_json = R"([{"name":"host","kind":"host","sources":["host.c"],"imports":["w"]},
                       {"name":"w","kind":"capi_throws","payload":"w.bin"}])";
  SampleModel m(o);
  fs::path so = m.exported("model.so");
  {
    ScopedLoader loader("capi_throws",
                        {[](const LoadContext&) -> ModulePtr { throw 42; }, nullptr});
    char* error = nullptr;
    EXPECT_EQ(mblob_open_library(so.c_str(), nullptr, &error), nullptr);
    std::string message = take(error);
    EXPECT_NE(message.find(so.string()), std::string::npos) << message;
    EXPECT_NE(message.find("not a std::exception"), std::string::npos) << message;
  }
  {
    ScopedLoader loader("capi_throws", {[](const LoadContext& c) -> ModulePtr {
                                          throw std::runtime_error(c.where + ": refused");
                                        },
                                        nullptr});
    char* error = nullptr;
    EXPECT_EQ(mblob_open_library(so.c_str(), nullptr, &error), nullptr);
    std::string message = take(error);
    EXPECT_NE(message.find(so.string()), std::string::npos) << message;
    EXPECT_NE(message.find("refused"), std::string::npos) << message;
  }
  // Without the loader the kind is kept as opaque bytes.
  Tree tree{mblob_open_library(so.c_str(), nullptr, nullptr)};
  ASSERT_NE(tree.t, nullptr);
  EXPECT_EQ(mblob_module_count(tree.t), 2u);
}

TEST(CApi, ViewsOutliveTheCallersOtherHandlesUntilClose) {
  // Two trees of one library: closing one leaves the other's payload views readable.
  SampleModel m;
  fs::path so = m.exported("model.so");
  mblob_tree* a = mblob_open_library(so.c_str(), nullptr, nullptr);
  mblob_tree* b = mblob_open_library(so.c_str(), nullptr, nullptr);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  mblob_close(a);
  Bytes weights = test::read_bytes(m.dir / "w.bin");
  bool found = false;
  for (std::size_t i = 0; i < mblob_module_count(b); ++i) {
    if (std::string(mblob_module_kind(b, i, nullptr)) != "params") continue;
    std::size_t size = 0;
    const unsigned char* p = mblob_module_payload(b, i, &size);
    EXPECT_EQ(Bytes(p, p + size), weights);
    found = true;
  }
  EXPECT_TRUE(found);
  mblob_close(b);
}

TEST(CApi, KindWithANulByteIsReportedWithItsFullLength) {
  test::TempDir d;
  const std::string kind("ab\0\xff", 4);
  ModuleTree t;
  t.add({"", true, {}, {1}});
  t.add({kind, false, ByteSource::from_bytes(test::pattern_bytes(64, 3)), {}});
  SerializeOptions so;
  so.format = Format::ffi;
  auto lib = test::build_so(d, "odd_kind",
                            "int answer(void) { return 42; }\n" +
                                test::c_array(symbols::kFfiBin, serialize(t, so).read_all()));
  char* error = nullptr;
  Tree tree{mblob_open_library(lib.c_str(), nullptr, &error)};
  ASSERT_NE(tree.t, nullptr) << take(error);
  ASSERT_EQ(mblob_module_count(tree.t), 2u);
  std::size_t length = 0;
  const char* got = mblob_module_kind(tree.t, 1, &length);
  ASSERT_EQ(length, 4u);
  EXPECT_EQ(std::string(got, length), kind);
  EXPECT_EQ(got[length], '\0');
  std::size_t size = 0;
  const unsigned char* p = mblob_module_payload(tree.t, 1, &size);
  EXPECT_EQ(Bytes(p, p + size), test::pattern_bytes(64, 3));
}

TEST(CApi, VersionIsTheCliVersion) {
  auto r = test::run_ok({test::cli(), "--version"});
  EXPECT_EQ(r.out, std::string("mblob ") + mblob_version() + "\n");
  EXPECT_STREQ(mblob_version(), "0.1.0");
}

TEST(CApi, SystemLibOpensARegisteredBlobAndTheLibAloneOtherwise) {
  test::TempDir d;
  ModuleTree t;
  t.add({"", true, {}, {1}});
  t.add({"params", false, ByteSource::from_bytes(test::pattern_bytes(3000, 7)), {}});
  SerializeOptions so;
  so.format = Format::ffi;
  std::string sym = std::string("capi_") + symbols::kFfiBin;
  std::string src = test::c_array(sym, serialize(t, so).read_all()) +
                    "extern int MBlobRegisterSystemLibSymbol(const char*, void*);\n"
                    "__attribute__((constructor)) static void reg(void) {\n"
                    "  MBlobRegisterSystemLibSymbol(\"" +
                    sym + "\", (void*)" + sym + ");\n}\n";
  auto lib = test::build_so(d, "capi_syslib", src);
  void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_GLOBAL);
  ASSERT_NE(h, nullptr) << ::dlerror();

  char* error = nullptr;
  Tree tree{mblob_open_system_lib("capi_", &error)};
  ASSERT_NE(tree.t, nullptr) << take(error);
  EXPECT_EQ(std::string(mblob_tree_symbol(tree.t)), sym);
  ASSERT_EQ(mblob_module_count(tree.t), 2u);
  std::size_t size = 0;
  const unsigned char* p = mblob_module_payload(tree.t, 1, &size);
  EXPECT_EQ(Bytes(p, p + size), test::pattern_bytes(3000, 7));

  Tree none{mblob_open_system_lib("capi_nothing_registered_", &error)};
  ASSERT_NE(none.t, nullptr) << take(error);
  EXPECT_EQ(mblob_module_count(none.t), 1u);
  EXPECT_STREQ(mblob_module_kind(none.t, 0, nullptr), "_lib");
}

// Builds tests/c_api/load_model.c as C99 with every warning an error, linked to the runtime.
fs::path build_c_program(const test::TempDir& d, const std::string& gcc) {
  fs::path exe = d / "load_model";
  fs::path runtime = MBLOB_RUNTIME_LIB;
  std::vector<std::string> argv = {gcc,
                                   "-std=c99",
                                   "-Wall",
                                   "-Wextra",
                                   "-pedantic",
                                   "-Werror",
                                   std::string("-I") + MBLOB_INCLUDE_DIR,
                                   std::string(MBLOB_SOURCE_DIR) + "/tests/c_api/load_model.c",
                                   "-o",
                                   exe.string(),
                                   runtime.string(),
                                   "-Wl,-rpath," + runtime.parent_path().string()};
  if (MBLOB_SANITIZED) argv.insert(argv.begin() + 1, "-fsanitize=address,undefined");
  test::run_ok(argv);
  return exe;
}

TEST(CApiFromC, C99ProgramPrintsTheTreeMblobLoadPrintsWithPayloadChecksums) {
  MBLOB_REQUIRE_TOOL(gcc, "gcc");
  SampleModel m;
  fs::path so = m.exported("model.so");
  fs::path exe = build_c_program(m.dir, gcc);
  auto r = test::run_ok({exe.string(), so.string()});
  nlohmann::json expected = load_json(so);

  std::map<std::string, std::string> fnv;
  for (const auto& [kind, file] : payload_files(m)) fnv[kind] = fnv1a64_hex(test::read_bytes(file));
  std::string want = "version=" + std::string(mblob_version()) +
                     " layout=ffi symbol=" + expected["symbol"].get<std::string>() +
                     " blob_bytes=" + std::to_string(expected["blob_bytes"].get<std::uint64_t>()) +
                     "\n";
  for (const auto& mod : expected["modules"]) {
    std::string kind = mod["kind"].get<std::string>();
    std::string checksum = fnv.count(kind) ? fnv[kind] : fnv1a64_hex({});
    want += "module " + std::to_string(mod["index"].get<std::size_t>()) + " kind=" + kind +
            " kind_bytes=" + std::to_string(kind.size()) +
            " bytes=" + std::to_string(mod.value("payload_bytes", std::size_t{0})) +
            " fnv1a64=" + checksum +
            " imports=" + joined(mod["imports"].get<std::vector<std::uint64_t>>()) + "\n";
  }
  EXPECT_EQ(r.out, want);
  EXPECT_EQ(expected["modules"].size(), 3u);

  // A file that is not a library: exit 1 and the message names it.
  auto bad = test::run({exe.string(), m.manifest.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(m.manifest.string()), std::string::npos) << bad.err;
}

TEST(CApiFromPython, CtypesPayloadViewsHashLikeTheFilesOnDisk) {
  MBLOB_REQUIRE_TOOL(python, "python3");
  // A sanitized runtime needs ASan's runtime first in the process: preload it into python3
  // (whose own allocations ASan then sees too; its leaks at exit are not ours to report).
  std::vector<std::string> env;
  if (MBLOB_SANITIZED) {
    auto asan = test::run({"gcc", "-print-file-name=libasan.so"});
    ASSERT_EQ(asan.exit_code, 0) << asan.err;
    std::string lib = asan.out.substr(0, asan.out.find('\n'));
    env = {"LD_PRELOAD=" + lib, "ASAN_OPTIONS=detect_leaks=0"};
  }
  SampleModel m;
  fs::path so = m.exported("model.so");
  std::string script = std::string(MBLOB_SOURCE_DIR) + "/tests/c_api/load_model.py";
  auto r = test::run({python, script, MBLOB_RUNTIME_LIB, so.string(),
                      "cuda=" + (m.dir / "k.ptx").string(), "params=" + (m.dir / "w.bin").string()},
                     env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("version=0.1.0\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("module 0 kind=_lib bytes=0 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" kind=params bytes=200001 "), std::string::npos) << r.out;
  EXPECT_TRUE(r.out.ends_with("ok\n")) << r.out;

  // A payload that differs from its file is caught: hand the script the wrong file.
  auto wrong = test::run(
      {python, script, MBLOB_RUNTIME_LIB, so.string(), "params=" + (m.dir / "k.ptx").string()},
      env);
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.err.find("params payload differs"), std::string::npos) << wrong.err;
}

}  // namespace
}  // namespace mblob
