// runtime: real shared libraries (compiled by the system C compiler) holding blobs, loaded with
// load_library and with `mblob load`.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "mblob/core/digest.h"
#include "mblob/format/writer.h"
#include "mblob/inspect/tree_report.h"
#include "mblob/runtime/library.h"
#include "support/runtime_libraries.h"
#include "support/test_support.h"

// TVM's registration function; mblob_runtime defines it weakly.
extern "C" int TVMFFIEnvModRegisterSystemLibSymbol(const char* name, void* ptr);

namespace mblob {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::TempDir;
namespace fs = std::filesystem;

using test::build_so;
using test::c_array;

const char* kHostCode = "int answer(void) { return 42; }\n";

// Registers a loader for the scope of a test (the registry is process-wide).
struct ScopedLoader {
  std::string kind;
  ScopedLoader(std::string k, Loader l) : kind(std::move(k)) {
    register_loader(kind, std::move(l));
  }
  ~ScopedLoader() { unregister_loader(kind); }
};

ModuleTree sample_tree() {
  ModuleTree t;
  t.add({"", true, {}, {1, 2}});
  t.add({"cuda", false, ByteSource::from_bytes(test::pattern_bytes(1000, 1)), {2}});
  t.add({"params", false, ByteSource::from_bytes(test::pattern_bytes(5000, 2)), {}});
  return t;
}

Bytes blob_of(const ModuleTree& t, Format f) {
  SerializeOptions o;
  o.format = f;
  return serialize(t, o).read_all();
}

class LoadLibrary : public ::testing::TestWithParam<Format> {};

TEST_P(LoadLibrary, TreeRoundTripsThroughARealSharedLibrary) {
  TempDir d;
  ModuleTree t = sample_tree();
  auto so = build_so(
      d, "model",
      std::string(kHostCode) + c_array(default_blob_symbol(GetParam()), blob_of(t, GetParam())));
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree tree = load_library_tree(so, opts);
  ASSERT_TRUE(tree.format.has_value());
  EXPECT_EQ(*tree.format, GetParam());
  EXPECT_EQ(tree.symbol, default_blob_symbol(GetParam()));
  ASSERT_EQ(tree.modules.size(), 3u);
  EXPECT_EQ(tree.root->kind(), "_lib");
  // Blob order: _lib, then params (popped first), then cuda; cuda imports params.
  EXPECT_EQ(tree.modules[1]->kind(), "cuda");
  EXPECT_EQ(tree.modules[2]->kind(), "params");
  EXPECT_EQ(tree.modules[1]->payload().to_vector(), test::pattern_bytes(1000, 1));
  EXPECT_EQ(tree.modules[2]->payload().to_vector(), test::pattern_bytes(5000, 2));
  ASSERT_EQ(tree.root->imports().size(), 2u);
  ASSERT_EQ(tree.modules[1]->imports().size(), 1u);
  EXPECT_EQ(tree.modules[1]->imports()[0], tree.modules[2]);  // shared, not copied
  auto* answer = reinterpret_cast<int (*)()>(tree.root->find_symbol("answer"));
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer(), 42);
}

INSTANTIATE_TEST_SUITE_P(BothLayouts, LoadLibrary, ::testing::Values(Format::ffi, Format::legacy),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(LoadLibraryRuntime, PayloadIsAViewIntoTheMappedLibrary) {
  TempDir d;
  Bytes blob = blob_of(sample_tree(), Format::ffi);
  auto so = build_so(d, "zc", c_array(symbols::kFfiBin, blob));
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree tree = load_library_tree(so, opts);
  auto* sym = static_cast<const std::uint8_t*>(tree.root->find_symbol(symbols::kFfiBin));
  ASSERT_NE(sym, nullptr);
  const std::uint8_t* p = tree.modules[1]->payload().data();
  EXPECT_GE(p, sym);
  EXPECT_LE(p + tree.modules[1]->payload().size(), sym + blob.size());
}

bool library_is_mapped(const std::filesystem::path& so) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(so.string()) != std::string::npos) return true;
  }
  return false;
}

TEST(LoadLibraryRuntime, ModulesKeepTheLibraryLoaded) {
  TempDir d;
  // A tree with no "_lib": TVM's runtimes unload the library right after loading; mblob keeps it
  // mapped while any module lives.
  ModuleTree t;
  t.add({"cuda", false, ByteSource::from_bytes(test::pattern_bytes(4096, 3)), {}});
  auto so = build_so(d, "alive", c_array(symbols::kFfiBin, blob_of(t, Format::ffi)));
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  ModulePtr m = load_library(so, opts);
  EXPECT_TRUE(library_is_mapped(so));
  EXPECT_EQ(m->payload().to_vector(), test::pattern_bytes(4096, 3));
  m.reset();
  EXPECT_FALSE(library_is_mapped(so));
}

TEST(LoadLibraryRuntime, NoBlobSymbolMeansTheLibraryAlone) {
  TempDir d;
  auto so = build_so(d, "plain", kHostCode);
  LoadedTree tree = load_library_tree(so);
  EXPECT_FALSE(tree.format.has_value());
  ASSERT_EQ(tree.modules.size(), 1u);
  EXPECT_EQ(tree.root->kind(), "_lib");
  EXPECT_NE(tree.root->find_symbol("answer"), nullptr);
}

TEST(LoadLibraryRuntime, HeaderClaimingMoreThanTheSymbolIsRefused) {
  TempDir d;
  Bytes blob = blob_of(sample_tree(), Format::ffi);
  blob[0] = static_cast<std::uint8_t>(blob[0] + 16);  // header says 16 bytes more than there are
  auto so = build_so(d, "liar", c_array(symbols::kFfiBin, blob) + "const char after[64] = {1};\n");
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  try {
    load_library_tree(so, opts);
    FAIL() << "a lying header was accepted";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("claims a body of"), std::string::npos) << m;
    EXPECT_NE(m.find("liar.so"), std::string::npos) << m;
  }
}

// A library whose blob symbol is assembled around `blob` with .incbin. Without `size_directive`
// the symbol has no size, as objcopy --add-symbol makes it (the parser is then bounded by the
// segment); with one, the library claims whatever size it says.
std::filesystem::path build_incbin_so(const TempDir& d, const Bytes& blob,
                                      const std::string& size_directive = "") {
  test::write_bytes(d / "blob.bin", blob);
  test::write_text(d / "incbin.S",
                   ".section .rodata\n.globl __tvm_ffi__library_bin\n"
                   ".type __tvm_ffi__library_bin, @object\n" +
                       size_directive + "__tvm_ffi__library_bin:\n.incbin \"" +
                       (d / "blob.bin").string() + "\"\n.section .note.GNU-stack,\"\",@progbits\n");
  auto so = d / "incbin.so";
  test::run_ok({"cc", "-shared", "-fPIC", "-o", so.string(), (d / "incbin.S").string()});
  return so;
}

TEST(LoadLibraryRuntime, SymbolWithoutSizeIsBoundedByItsSegment) {
  TempDir d;
  Bytes blob = blob_of(sample_tree(), Format::ffi);
  auto so = build_incbin_so(d, blob);
  auto nm = test::run_ok({"readelf", "-sW", so.string()});
  EXPECT_NE(nm.out.find("0 OBJECT  GLOBAL DEFAULT"), std::string::npos) << nm.out;
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree tree = load_library_tree(so, opts);
  EXPECT_EQ(tree.modules.size(), 3u);
  EXPECT_EQ(tree.blob_bytes, blob.size());
}

TEST(LoadLibraryRuntime, SizelessSymbolWithLyingHeaderIsRefused) {
  TempDir d;
  Bytes blob = blob_of(sample_tree(), Format::ffi);
  blob[5] = 0x10;  // nbytes += 2^40: far past the end of the segment
  auto so = build_incbin_so(d, blob);
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  try {
    load_library_tree(so, opts);
    FAIL() << "a lying header was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("claims a body of"), std::string::npos) << e.what();
  }
}

TEST(LoadLibraryRuntime, LyingSymbolSizeIsBoundedByTheSegment) {
  // The library claims a 1 GiB symbol (st_size) and a header to match: the parser must stop at
  // the end of the mapped segment, not trust st_size and fault.
  TempDir d;
  Bytes blob = blob_of(sample_tree(), Format::ffi);
  std::uint64_t claimed = (1ull << 30) - 8;
  for (int i = 0; i < 8; ++i)
    blob[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(claimed >> (8 * i));
  auto so = build_incbin_so(d, blob, ".size __tvm_ffi__library_bin, 0x40000000\n");
  auto syms = test::run_ok({"readelf", "-sW", so.string()});
  ASSERT_NE(syms.out.find("0x40000000 OBJECT"), std::string::npos) << syms.out;
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  try {
    load_library_tree(so, opts);
    FAIL() << "a lying st_size was trusted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("claims a body of"), std::string::npos) << e.what();
  }
  auto r = test::run({test::cli(), "load", so.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST(LoadLibraryRuntime, DeepImportChainLoadsPrintsAndTearsDownWithoutRecursion) {
  // 300000 modules, each importing the next: building, printing and destroying the tree must
  // not recurse once per level.
  const std::size_t n = 300000;
  ByteWriter w;
  std::vector<std::uint64_t> row_ptr(n + 1), children;
  for (std::size_t i = 0; i < n; ++i) {
    row_ptr[i] = children.size();
    if (i + 1 < n) children.push_back(i + 1);
  }
  row_ptr[n] = children.size();
  w.vec_u64(row_ptr);
  w.vec_u64(children);
  for (std::size_t i = 0; i < n; ++i) {
    w.str("k");
    w.str("p");
  }
  ByteWriter sym;
  sym.u64(w.size());
  sym.bytes(w.view());
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  {
    LoadedTree tree = deserialize_tree(sym.view(), Format::ffi, opts);
    EXPECT_EQ(tree.modules.size(), n);
    std::string text = TreeReport::from(tree).to_text("deep");
    EXPECT_NE(text.find("(depth 300000)"), std::string::npos);
    EXPECT_LT(text.size(), 200u * n);  // indentation is capped: linear, not quadratic
    tree.modules.clear();
  }  // the root dies here, taking the whole chain with it
  SUCCEED();
}

// A library holding `format`'s blob and defining that layout's context pointer, loaded; the
// returned function reads the context pointer from inside the library.
struct CtxLibrary {
  TempDir dir;
  LoadedTree tree;
  void* (*get_ctx)() = nullptr;
  explicit CtxLibrary(Format format) {
    const char* ctx = format == Format::ffi ? symbols::kFfiCtx : symbols::kLegacyCtx;
    std::string src = "void* " + std::string(ctx) + " = 0;\nvoid* get_ctx(void) { return " + ctx +
                      "; }\n" +
                      c_array(default_blob_symbol(format), blob_of(sample_tree(), format));
    auto so = build_so(dir, "ctx", src);
    LoadOptions opts;
    opts.opaque_unknown_kinds = true;
    tree = load_library_tree(so, opts);
    get_ctx = reinterpret_cast<void* (*)()>(tree.root->find_symbol("get_ctx"));
  }
};

TEST(LoadLibraryRuntime, ContextPointerIsClearedWhenTheLibraryModuleDies) {
  CtxLibrary lib(Format::ffi);
  ASSERT_NE(lib.get_ctx, nullptr);
  ModulePtr child = lib.tree.modules[1];  // keeps the library mapped
  lib.tree = LoadedTree();                // the library module dies
  EXPECT_EQ(lib.get_ctx(), nullptr);
  EXPECT_FALSE(child->payload().empty());
}

TEST(LoadLibraryRuntime, ContextPointerIsSetToTheLibraryModule) {
  CtxLibrary lib(Format::ffi);
  ASSERT_NE(lib.get_ctx, nullptr);
  EXPECT_EQ(lib.get_ctx(), static_cast<void*>(lib.tree.root.get()));
}

TEST(LoadLibraryRuntime, LegacyContextPointerIsSet) {
  CtxLibrary lib(Format::legacy);
  ASSERT_NE(lib.get_ctx, nullptr);
  EXPECT_EQ(lib.get_ctx(), static_cast<void*>(lib.tree.root.get()));
}

TEST(LoadLibraryRuntime, OlderFfiSymbolNameIsFound) {
  TempDir d;
  auto so = build_so(d, "old", c_array(symbols::kFfiBinOld, blob_of(sample_tree(), Format::ffi)));
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree tree = load_library_tree(so, opts);
  EXPECT_EQ(tree.symbol, symbols::kFfiBinOld);
  EXPECT_EQ(tree.modules.size(), 3u);
}

TEST(LoadLibraryRuntime, PrefixSelectsThePrefixedBlob) {
  TempDir d;
  ModuleTree other;
  other.add({"other", false, ByteSource::from_bytes({1, 2}), {}});
  std::string src =
      c_array(std::string("llama_") + symbols::kFfiBin, blob_of(sample_tree(), Format::ffi)) +
      c_array(symbols::kFfiBin, blob_of(other, Format::ffi));
  auto so = build_so(d, "prefixed", src);
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  opts.prefix = "llama_";
  LoadedTree tree = load_library_tree(so, opts);
  EXPECT_EQ(tree.symbol, "llama___tvm_ffi__library_bin");
  EXPECT_EQ(tree.modules.size(), 3u);
  opts.prefix.clear();
  EXPECT_EQ(load_library_tree(so, opts).root->kind(), "other");
}

TEST(LoadLibraryRuntime, UnknownKindIsAnErrorNamingTheRegisteredLoaders) {
  TempDir d;
  auto so = build_so(d, "unknown", c_array(symbols::kFfiBin, blob_of(sample_tree(), Format::ffi)));
  ScopedLoader vulkan("vulkan", {[](const LoadContext& c) { return load_opaque(c); }, nullptr});
  try {
    load_library_tree(so);
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("\"cuda\""), std::string::npos) << m;
    EXPECT_NE(m.find("vulkan"), std::string::npos) << m;
  }
}

class CudaLikeModule : public Module {
 public:
  using Module::Module;
  void* find_symbol(const std::string& name) const override {
    return name == "kernel" ? const_cast<std::uint8_t*>(payload().data()) : nullptr;
  }
};

TEST(LoadLibraryRuntime, RegisteredLoaderBuildsTheModule) {
  TempDir d;
  auto so = build_so(d, "loader", c_array(symbols::kFfiBin, blob_of(sample_tree(), Format::ffi)));
  int calls = 0;
  ScopedLoader cuda("cuda", {[&](const LoadContext& c) -> ModulePtr {
                               ++calls;
                               return std::make_shared<CudaLikeModule>(c.kind, c.payload,
                                                                       c.keep_alive);
                             },
                             nullptr});
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree tree = load_library_tree(so, opts);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(tree.modules[1]->find_symbol("kernel"), tree.modules[1]->payload().data());
}

TEST(LoadLibraryRuntime, LegacyStreamLoaderConsumesATvmStylePayload) {
  // A TVM-style legacy module stream: two length-prefixed strings, not wrapped by mblob.
  TempDir d;
  ByteWriter stream;
  stream.str("ptx");
  stream.str("kernel source");
  ModuleTree t;
  t.add({"", true, {}, {1}});
  t.add({"cuda", false, ByteSource::from_bytes(stream.take()), {}, /*legacy_raw=*/true});
  auto so = build_so(d, "stream", c_array(symbols::kLegacyBin, blob_of(t, Format::legacy)));
  std::string seen;
  ScopedLoader cuda("cuda", {nullptr, [&](Reader& r, const LoadContext& c) -> ModulePtr {
                               seen = std::string(r.str("fmt"));
                               seen += "/" + std::string(r.str("data"));
                               return std::make_shared<Module>(c.kind, ByteView(), c.keep_alive);
                             }});
  LoadedTree tree = load_library_tree(so);
  EXPECT_EQ(seen, "ptx/kernel source");
  EXPECT_EQ(tree.modules.size(), 2u);
}

TEST(LoadLibraryRuntime, LegacyStreamLoaderThatThrowsIsNamedWithTheLibraryKindAndOffset) {
  // A stream loader runs while the blob is walked, before the module's index is known (TVM
  // writes the import tree last): the error names the payload's offset in the blob instead.
  TempDir d;
  auto so =
      build_so(d, "lboom", c_array(symbols::kLegacyBin, blob_of(sample_tree(), Format::legacy)));
  ScopedLoader cuda("cuda", {nullptr, [](Reader&, const LoadContext&) -> ModulePtr {
                               throw std::runtime_error("boom");
                             }});
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  try {
    load_library_tree(so, opts);
    FAIL() << "the loader's exception was lost";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(so.string() + ": symbol __tvm_dev_mblob: module \"cuda\" (payload at blob "
                                   "offset "),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("): the loader failed: boom"), std::string::npos) << m;
  }
}

TEST(LoadLibraryRuntime, DamagedLibraryIsAnErrorNotACrash) {
  TempDir d;
  test::write_text(d / "junk.so", "this is not an ELF file");
  EXPECT_THROW(load_library_tree(d / "junk.so"), Error);
}

TEST(SystemLib, StaticConstructorRegistrationIsFoundUnderItsPrefix) {
  // The shape TVM's C packer writes for system-lib builds: the array plus a registration call
  // run at start-up, here through TVM's function name (weakly defined by mblob_runtime).
  TempDir d;
  std::string sym = std::string("mdl_") + symbols::kFfiBin;
  std::string src = c_array(sym, blob_of(sample_tree(), Format::ffi)) +
                    "extern int TVMFFIEnvModRegisterSystemLibSymbol(const char*, void*);\n"
                    "__attribute__((constructor)) static void reg(void) {\n"
                    "  TVMFFIEnvModRegisterSystemLibSymbol(\"" +
                    sym + "\", (void*)" + sym + ");\n}\n";
  auto so = build_so(d, "syslib", src);
  void* h = ::dlopen(so.c_str(), RTLD_NOW | RTLD_GLOBAL);
  ASSERT_NE(h, nullptr) << ::dlerror();
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree tree = system_lib_tree("mdl_", opts);
  EXPECT_EQ(tree.symbol, sym);
  EXPECT_EQ(tree.modules.size(), 3u);
  EXPECT_EQ(tree.modules[2]->payload().to_vector(), test::pattern_bytes(5000, 2));
  // Another prefix with nothing registered under it, nor under the bare name: the library alone.
  EXPECT_EQ(system_lib_tree("none_", opts).modules.size(), 1u);
}

TEST(SystemLib, RegisteredAddressOutsideAnyLoadedObjectIsRefused) {
  static const Bytes* heap_blob = new Bytes(blob_of(sample_tree(), Format::ffi));
  MBlobRegisterSystemLibSymbol("heap___tvm_ffi__library_bin",
                               const_cast<std::uint8_t*>(heap_blob->data()));
  try {
    system_lib_tree("heap_");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not inside any loaded segment"), std::string::npos);
  }
}

TEST(SystemLib, TvmRegistrationAlsoReachesARealTvmRuntimeLinkedAfterMblob) {
  // A stand-in for a TVM runtime that defines the registration function strongly, linked after
  // libmblob_runtime: the dynamic linker binds to mblob's (first in search order), which must
  // forward to TVM's so that TVM's SystemLib() still sees the blob.
  TempDir d;
  test::write_text(d / "faketvm.c",
                   "#include <string.h>\nstatic char seen[256];\n"
                   "int TVMFFIEnvModRegisterSystemLibSymbol(const char* n, void* p) {\n"
                   "  (void)p; strncpy(seen, n, 255); return 0; }\n"
                   "const char* faketvm_seen(void) { return seen; }\n");
  test::run_ok(
      {"cc", "-shared", "-fPIC", "-o", (d / "libfaketvm.so").string(), (d / "faketvm.c").string()});
  test::write_text(d / "main.cc", c_array("blob", blob_of(sample_tree(), Format::ffi)) + R"(
#include <cstdio>
#include "mblob/runtime/library.h"
extern "C" int TVMFFIEnvModRegisterSystemLibSymbol(const char*, void*);
extern "C" const char* faketvm_seen(void);
int main() {
  TVMFFIEnvModRegisterSystemLibSymbol("m___tvm_ffi__library_bin", (void*)blob);
  mblob::LoadOptions o;
  o.opaque_unknown_kinds = true;
  auto tree = mblob::system_lib_tree("m_", o);
  std::printf("mblob:%s tvm:%s\n", tree.symbol.c_str(), faketvm_seen());
}
)");
  fs::path runtime = MBLOB_RUNTIME_LIB;
  std::vector<std::string> cmd = {
      "g++",
      "-std=c++17",
      "-I",
      MBLOB_INCLUDE_DIR,
      (d / "main.cc").string(),
      runtime.string(),
      (d / "libfaketvm.so").string(),
      "-Wl,-rpath," + runtime.parent_path().string() + ":" + d.path().string(),
      "-o",
      (d / "prog").string()};
  if (MBLOB_SANITIZED) cmd.push_back("-fsanitize=address,undefined");
  test::run_ok(cmd);
  auto r = test::run({(d / "prog").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "mblob:m___tvm_ffi__library_bin tvm:m___tvm_ffi__library_bin\n");
}

TEST(SystemLib, SystemLibModuleResolvesRegisteredSymbols) {
  static int value = 7;
  MBlobRegisterSystemLibSymbol("p2_my_func", &value);
  ModulePtr lib = system_lib("p2_");
  EXPECT_EQ(lib->find_symbol("my_func"), &value);
}

// The CLI.
TEST(LoadCli, JsonShowsTheTree) {
  TempDir d;
  auto so = build_so(
      d, "cli",
      std::string(kHostCode) + c_array(symbols::kFfiBin, blob_of(sample_tree(), Format::ffi)));
  auto r = test::run_ok({test::cli(), "load", so.string(), "--json"});
  auto j = nlohmann::json::parse(r.out);
  Bytes cuda = test::pattern_bytes(1000, 1);
  Bytes params = test::pattern_bytes(5000, 2);
  nlohmann::json expected = {{"format", "ffi"},
                             {"symbol", "__tvm_ffi__library_bin"},
                             {"blob_bytes", blob_of(sample_tree(), Format::ffi).size()},
                             {"modules",
                              {{{"index", 0}, {"kind", "_lib"}, {"imports", {1, 2}}},
                               {{"index", 1},
                                {"kind", "cuda"},
                                {"payload_bytes", 1000},
                                {"xxh3_64", xxh3_64_hex(cuda)},
                                {"imports", {2}}},
                               {{"index", 2},
                                {"kind", "params"},
                                {"payload_bytes", 5000},
                                {"xxh3_64", xxh3_64_hex(params)},
                                {"imports", nlohmann::json::array()}}}}};
  EXPECT_EQ(j, expected) << r.out;
}

TEST(LoadCli, TextShowsKindsSizesAndSharedImports) {
  TempDir d;
  auto so = build_so(d, "txt", c_array(symbols::kFfiBin, blob_of(sample_tree(), Format::ffi)));
  auto r = test::run_ok({test::cli(), "load", so.string()});
  EXPECT_NE(r.out.find("ffi layout"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[1] cuda  1000 bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(shown above)"), std::string::npos) << r.out;
}

TEST(LoadCli, DamagedBlobExitsOneWithOneLine) {
  TempDir d;
  Bytes blob = blob_of(sample_tree(), Format::ffi);
  blob[8] = 0xff;  // row_ptr count becomes absurd
  auto so = build_so(d, "bad", c_array(symbols::kFfiBin, blob));
  auto r = test::run({test::cli(), "load", so.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("bad.so"), std::string::npos) << r.err;
}

// Libraries `mblob load` cannot load: exit 1 with one line naming the file, never a signal or a
// hang (`timeout` turns a hang into exit 124).
void expect_load_fails_with_one_line(const fs::path& file, const std::string& part) {
  auto r = test::run({"timeout", "20", test::cli(), "load", file.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(file.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
}

TEST(LoadCli, FifoExitsOneWithOneLine) {
  TempDir d;
  ASSERT_EQ(::mkfifo((d / "model.so").c_str(), 0600), 0);
  expect_load_fails_with_one_line(d / "model.so", "it is a FIFO");
}

TEST(LoadCli, ForeignArchitectureExitsOneWithOneLine) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  MBLOB_REQUIRE_TOOL(gcc, "aarch64-linux-gnu-gcc");
  TempDir d;
  test::write_text(d / "m.c", c_array(symbols::kFfiBin, blob_of(sample_tree(), Format::ffi)));
  test::run_ok({gcc, "-shared", "-fPIC", "-o", (d / "model.so").string(), (d / "m.c").string()});
  expect_load_fails_with_one_line(d / "model.so",
                                  "is an ELF64 little-endian aarch64 shared object");
}

TEST(LoadCli, TruncatedLibraryExitsOneWithOneLine) {
  TempDir d;
  auto so = build_so(d, "cut", c_array(symbols::kFfiBin, blob_of(sample_tree(), Format::ffi)));
  fs::resize_file(so, fs::file_size(so) / 2);
  expect_load_fails_with_one_line(so, "is truncated: segment");
}

TEST(LoadCli, ReadOnlyContextPointerWarnsAndLoads) {
  TempDir d;
  auto so = build_so(d, "roctx",
                     "void* const __tvm_ffi__library_ctx = 0;\n" +
                         c_array(symbols::kFfiBin, blob_of(sample_tree(), Format::ffi)));
  auto r = test::run_ok({test::cli(), "load", so.string()});
  EXPECT_NE(r.out.find("[1] cuda  1000 bytes"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "mblob: warning: " + so.string() +
                       ": not setting the context pointer __tvm_ffi__library_ctx: it lies in "
                       "read-only memory\n");
}

TEST(LoadCli, UsageErrorExitsTwo) {
  auto r = test::run({test::cli(), "load"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto r2 = test::run({test::cli(), "load", "x.so", "--no-such-flag"});
  EXPECT_EQ(r2.exit_code, 2) << r2.err;
}

}  // namespace
}  // namespace mblob
