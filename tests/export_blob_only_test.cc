// export: blob-only libraries (src/export/blob_only.cc). A manifest with no host sources or
// objects becomes a shared library written by mblob itself: these tests run the CLI with no
// compiler or linker on PATH and load the result the ways TVM's runtimes and mblob's do.
#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "mblob/export/export.h"
#include "mblob/format/reader.h"
#include "mblob/format/writer.h"
#include "mblob/runtime/library.h"
#include "object_tools.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;

// gpu (cuda) imports w (params); no host module.
test::SampleModelOptions weights_only(const std::string& format = "ffi") {
  test::SampleModelOptions o;
  o.format = format;
  o.modules_json = R"([
      {"name":"gpu","kind":"cuda","payload":"k.ptx","imports":["w"]},
      {"name":"w","kind":"params","payload":"w.bin"}])";
  return o;
}

// PATH holding only a directory with nothing in it: no gcc, cc, ld, ar or objcopy to find.
std::vector<std::string> no_toolchain_env(const test::TempDir& dir) {
  fs::create_directories(dir / "empty-bin");
  return {"PATH=" + (dir / "empty-bin").string()};
}

std::vector<std::uint8_t> serialized(const fs::path& manifest) {
  Manifest m = read_manifest(manifest);
  SerializeOptions so;
  if (m.format) so.format = *m.format;
  return serialize(m.tree, so).read_all();
}

TEST(ExportBlobOnly, WrittenDirectlyWithNoCompilerOrLinkerOnPath) {
  test::SampleModel m(weights_only());
  fs::path so = m.dir / "w.so";
  auto argv = m.export_argv("w.so", {"--json"});
  auto r = test::run(argv, no_toolchain_env(m.dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["direct"], true);
  EXPECT_TRUE(j["tool_steps"].empty());
  EXPECT_EQ(j["section"], ".rodata");
  bool verified = false;
  for (const auto& p : j["phases"]) verified = verified || p["name"] == "verify";
  EXPECT_TRUE(verified) << r.out;
  // The text summary says so.
  auto text = test::run(m.export_argv("w2.so"), no_toolchain_env(m.dir));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("written directly (no compiler, no linker)"), std::string::npos)
      << text.out;
  EXPECT_EQ(test::read_bytes(so).size(), static_cast<std::size_t>(j["output_bytes"]));
}

TEST(ExportBlobOnly, VerifyAndInspectPass) {
  test::SampleModel m(weights_only());
  fs::path so = m.exported("w.so");
  auto v = test::run({test::cli(), "verify", so.string()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  auto i = test::run_ok({test::cli(), "inspect", so.string()});
  EXPECT_NE(i.out.find("digest ok"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("params"), std::string::npos) << i.out;
}

// What both TVM runtimes do (shared/FORMATS.md): dlopen with RTLD_LAZY | RTLD_LOCAL, dlsym the
// blob symbol, trust its u64 header; here the header, the symbol's size and the bytes are the
// serialized blob's.
TEST(ExportBlobOnly, TvmStyleLoadReadsTheSerializedBlob) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  for (const char* format : {"ffi", "legacy"}) {
    SCOPED_TRACE(format);
    test::SampleModel m(weights_only(format));
    fs::path so = m.exported("t.so");
    auto want = serialized(m.manifest);
    void* h = ::dlopen(so.c_str(), RTLD_LAZY | RTLD_LOCAL);
    ASSERT_NE(h, nullptr) << ::dlerror();
    const char* symbol =
        std::string(format) == "ffi" ? "__tvm_ffi__library_bin" : "__tvm_dev_mblob";
    const auto* b = static_cast<const std::uint8_t*>(::dlsym(h, symbol));
    ASSERT_NE(b, nullptr);
    std::uint64_t nbytes = 0;
    std::memcpy(&nbytes, b, 8);
    EXPECT_EQ(nbytes + 8, want.size());
    EXPECT_EQ(std::memcmp(b, want.data(), want.size()), 0);
    Dl_info info{};
    void* entry = nullptr;
    ASSERT_NE(::dladdr1(b, &info, &entry, RTLD_DL_SYMENT), 0);
    EXPECT_EQ(static_cast<const ElfW(Sym)*>(entry)->st_size, want.size());
    // No context pointer: there is no host code to read one.
    EXPECT_EQ(::dlsym(h, "__tvm_ffi__library_ctx"), nullptr);
    ::dlclose(h);
  }
}

// mblob's runtime: the tree without "_lib", payloads are views into the mapped library that
// stay valid while the modules live; `mblob load` prints the same tree.
TEST(ExportBlobOnly, RuntimeAndMblobLoadAgree) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  test::SampleModel m(weights_only());
  fs::path so = m.exported("r.so");
  ModulePtr root;
  {
    LoadOptions options;
    options.opaque_unknown_kinds = true;
    LoadedTree tree = load_library_tree(so, options);
    ASSERT_EQ(tree.modules.size(), 2u);
    root = tree.root;
  }
  EXPECT_EQ(root->kind(), "cuda");
  ASSERT_EQ(root->imports().size(), 1u);
  EXPECT_EQ(root->payload().to_vector(), test::read_bytes(m.dir / "k.ptx"));
  EXPECT_EQ(root->imports()[0]->kind(), "params");
  EXPECT_EQ(root->imports()[0]->payload().to_vector(), test::read_bytes(m.dir / "w.bin"));
  auto j = nlohmann::json::parse(test::run_ok({test::cli(), "load", so.string(), "--json"}).out);
  EXPECT_EQ(j["format"], "ffi");
  EXPECT_EQ(j["modules"].size(), 2u) << j.dump();
}

// The largest payload (w.bin) lands page-aligned in the file and in memory: the runtime's view
// of it is page-aligned. With --align, the blob symbol has that alignment instead.
TEST(ExportBlobOnly, LargestPayloadIsPageAlignedUnlessAlignIsGiven) {
  test::SampleModel m(weights_only());
  {
    LoadOptions options;
    options.opaque_unknown_kinds = true;
    LoadedTree tree = load_library_tree(m.exported("page.so"), options);
    ASSERT_EQ(tree.modules.size(), 2u);
    const auto w = tree.root->imports()[0]->payload();
    EXPECT_EQ(w.size(), 200001u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(w.data()) % 4096, 0u);
  }
  fs::path so = m.exported("aligned.so", {"--align", "4K"});
  void* h = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << ::dlerror();
  void* blob = ::dlsym(h, "__tvm_ffi__library_bin");
  ASSERT_NE(blob, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(blob) % 4096, 0u);
  ::dlclose(h);
  test::run_ok({test::cli(), "verify", so.string()});
}

// Payloads at the page edges (and empty, which tvm-ffi would refuse: a warning, not an error):
// each export passes `mblob verify` and `inspect`, and the runtime serves the payload's bytes.
TEST(ExportBlobOnly, EdgePayloadSizesVerifyInspectAndLoad) {
  for (std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096}, std::size_t{4097}}) {
    SCOPED_TRACE("payload " + std::to_string(n));
    test::SampleModelOptions o;
    o.weight_bytes = n;
    o.modules_json = R"([{"name":"w","kind":"params","payload":"w.bin"}])";
    test::SampleModel m(o);
    auto r = test::run(m.export_argv("e.so", {"-q"}), no_toolchain_env(m.dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path so = m.dir / "e.so";
    auto v = test::run({test::cli(), "verify", so.string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    auto i = test::run({test::cli(), "inspect", so.string()});
    EXPECT_EQ(i.exit_code, 0) << i.err;
    EXPECT_NE(i.out.find("digest ok"), std::string::npos) << i.out;
#if defined(__x86_64__)
    LoadOptions options;
    options.opaque_unknown_kinds = true;
    LoadedTree tree = load_library_tree(so, options);
    ASSERT_EQ(tree.modules.size(), 1u);
    EXPECT_EQ(tree.root->payload().to_vector(), test::read_bytes(m.dir / "w.bin"));
#endif
  }
}

TEST(ExportBlobOnly, TargetWithoutToolchainPresetIsWritten) {
  test::SampleModel m(weights_only());
  for (const char* triple : {"s390x-linux-gnu", "hexagon-unknown-elf:v68", "powerpc-linux-gnu"}) {
    SCOPED_TRACE(triple);
    auto r = test::run(m.export_argv("x.so", {"--target", triple, "-q"}), no_toolchain_env(m.dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto i = test::run_ok({test::cli(), "inspect", (m.dir / "x.so").string()});
    EXPECT_NE(i.out.find("digest ok"), std::string::npos) << i.out;
  }
}

// Host code, another packer, a linker override and system-lib all keep the linked path.
TEST(ExportBlobOnly, HostCodeOrToolchainOptionsKeepTheLinkedPath) {
  ModuleTree blob_only = read_manifest(test::SampleModel(weights_only()).manifest).tree;
  ExportOptions o;
  EXPECT_TRUE(writes_directly(blob_only, o));
  ExportOptions packer = o;
  packer.packer = "c-hex";
  EXPECT_FALSE(writes_directly(blob_only, packer));
  ExportOptions linker = o;
  linker.toolchain.linker = "lld";
  EXPECT_FALSE(writes_directly(blob_only, linker));
  ExportOptions system_lib = o;
  system_lib.system_lib = true;
  EXPECT_FALSE(writes_directly(blob_only, system_lib));
  ExportOptions mips = o;
  mips.target = "mips-linux-gnu";
  EXPECT_FALSE(writes_directly(blob_only, mips));
  ExportOptions mingw = o;
  mingw.target = "x86_64-w64-mingw32";
  EXPECT_FALSE(writes_directly(blob_only, mingw));
  test::SampleModel with_host;
  EXPECT_FALSE(writes_directly(read_manifest(with_host.manifest).tree, o));

  auto j = nlohmann::json::parse(test::run_ok(with_host.export_argv("h.so", {"--json"})).out);
  EXPECT_EQ(j["direct"], false);
  EXPECT_FALSE(j["tool_steps"].empty());
}

TEST(ExportBlobOnly, FailedExportLeavesThePreviousOutput) {
  test::SampleModel m(weights_only());
  fs::path so = m.dir / "keep.so";
  test::write_text(so, "previous");
  // --align past what a blob-only library takes: refused, nothing replaced, nothing left.
  auto r = test::run(m.export_argv("keep.so", {"--align", "1M"}), no_toolchain_env(m.dir));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("1048576"), std::string::npos) << r.err;
  const std::string previous = "previous";
  EXPECT_EQ(test::read_bytes(so), std::vector<std::uint8_t>(previous.begin(), previous.end()));
  EXPECT_TRUE(test::mblob_temporaries(m.dir.path()).empty());
}

TEST(ExportBlobOnly, StreamOutputGetsTheCheckedLibrary) {
  test::SampleModel m(weights_only());
  fs::path fifo = m.dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  test::FifoReader reader(fifo);
  auto r = test::run(m.export_argv("pipe", {"-q"}), no_toolchain_env(m.dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bytes = reader.finish();
  fs::path copy = m.dir / "copy.so";
  test::write_bytes(copy, bytes);
  auto v = test::run({test::cli(), "verify", copy.string()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

}  // namespace
}  // namespace mblob
