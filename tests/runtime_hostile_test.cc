// load_library on hostile or odd libraries, built for real by the C compiler (and patched where
// no compiler makes the damage): each must load, warn, or fail with one clear Error, never hang,
// crash or give another library's tree. Uses only mblob_runtime, so the ThreadSanitizer build
// runs these too (see ConcurrentLoadsOfOneLibraryAreRaceFree).
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "mblob/object/elf.h"
#include "mblob/object/elf_headers.h"
#include "mblob/runtime/library.h"
#include "support/runtime_libraries.h"
#include "support/test_support.h"

namespace mblob {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::build_so;
using test::c_array;
using test::TempDir;
namespace fs = std::filesystem;

const Bytes kPayload = test::pattern_bytes(3000, 7);

std::string blob_source() {
  return c_array(symbols::kFfiBin, test::lib_and_one_module_blob("cuda", kPayload));
}

LoadOptions collecting(std::vector<std::string>* warnings) {
  LoadOptions o;
  o.opaque_unknown_kinds = true;
  o.warn = [warnings](const std::string& m) { warnings->push_back(m); };
  return o;
}

std::string load_error(const fs::path& so, const LoadOptions& o = {}) {
  try {
    load_library_tree(so, o);
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded without an error)";
}

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

// ---- Context pointers: only a writable, pointer-sized data object of the library is written.

// Loads a library defining the ffi context pointer as `ctx_definition` (and a blob); it must
// load, and warn once, with `reason` in the warning.
void expect_ctx_left_alone(const std::string& ctx_definition, const std::string& reason,
                           const std::vector<std::string>& extra = {}) {
  TempDir d;
  auto so = build_so(d, "ctx", ctx_definition + blob_source(), extra);
  std::vector<std::string> warnings;
  LoadedTree tree = load_library_tree(so, collecting(&warnings));
  EXPECT_EQ(tree.modules.size(), 2u);
  EXPECT_EQ(tree.modules[1]->payload().to_vector(), kPayload);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_HAS(warnings[0], so.string());
  EXPECT_HAS(warnings[0], "not setting the context pointer __tvm_ffi__library_ctx");
  EXPECT_HAS(warnings[0], reason);
}

TEST(RuntimeHostile, ContextPointerInRodataIsLeftAloneWithAWarning) {
  expect_ctx_left_alone("void* const __tvm_ffi__library_ctx = 0;\n", "read-only");
}

TEST(RuntimeHostile, ContextPointerInRelroIsLeftAloneWithAWarning) {
  // Needs a relocation, so it goes to .data.rel.ro: a writable PT_LOAD that PT_GNU_RELRO makes
  // read-only after relocation.
  expect_ctx_left_alone("static int x;\nvoid* const __tvm_ffi__library_ctx = &x;\n", "read-only");
}

TEST(RuntimeHostile, ContextPointerThatIsAFunctionIsLeftAloneWithAWarning) {
  expect_ctx_left_alone("void __tvm_ffi__library_ctx(void) {}\n", "is a function");
}

TEST(RuntimeHostile, AbsoluteContextPointerIsLeftAloneWithAWarning) {
  expect_ctx_left_alone("", "is not inside the library's loaded segments",
                        {"-Wl,--defsym=__tvm_ffi__library_ctx=0x1000"});
}

TEST(RuntimeHostile, ContextPointerOfTheWrongSizeIsLeftAloneWithAWarning) {
  expect_ctx_left_alone("char __tvm_ffi__library_ctx[3];\n", "3 bytes");
}

// A library with the ffi context pointer and a function reading it.
fs::path build_ctx_library(const TempDir& d, const std::string& name = "ctx") {
  return build_so(d, name,
                  "void* __tvm_ffi__library_ctx = 0;\n"
                  "void* get_ctx(void) { return __tvm_ffi__library_ctx; }\n" +
                      blob_source());
}

using GetCtx = void* (*)();

TEST(RuntimeHostile, ContextPointerStaysSetWhileAnyLoadOfTheLibraryLives) {
  TempDir d;
  auto so = build_ctx_library(d);
  LoadOptions o;
  o.opaque_unknown_kinds = true;
  LoadedTree first = load_library_tree(so, o);
  auto get_ctx = reinterpret_cast<GetCtx>(first.root->find_symbol("get_ctx"));
  ASSERT_NE(get_ctx, nullptr);
  {
    LoadedTree second = load_library_tree(so, o);
    EXPECT_EQ(get_ctx(), second.root.get());
  }  // the second tree dies: the first is still alive, and the pointer must say so
  EXPECT_EQ(get_ctx(), first.root.get());
  LoadedTree third = load_library_tree(so, o);
  first.root.reset();
  ModulePtr payload_module = first.modules[1];  // keeps the library mapped
  first = LoadedTree();                         // the first library module dies, the third lives
  EXPECT_EQ(get_ctx(), third.root.get());
  third = LoadedTree();
  EXPECT_EQ(get_ctx(), nullptr);
}

TEST(RuntimeHostile, ConcurrentLoadsOfOneLibraryAreRaceFree) {
  // 8 threads x 200 loads of the same two libraries, each checking its context pointer; the
  // ThreadSanitizer build (scripts/test.sh) runs this and fails on any report.
  TempDir d;
  fs::path libs[2] = {build_ctx_library(d, "a"), build_ctx_library(d, "b")};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      LoadOptions o;
      o.opaque_unknown_kinds = true;
      for (int i = 0; i < 200; ++i) {
        LoadedTree tree = load_library_tree(libs[(t + i) % 2], o);
        auto get_ctx = reinterpret_cast<GetCtx>(tree.root->find_symbol("get_ctx"));
        if (get_ctx == nullptr || get_ctx() == nullptr) ++wrong;
        if (tree.modules[1]->payload().to_vector() != kPayload) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// ---- Segments: the blob must be readable, the file must hold every segment.

// The program header table entry of the PT_LOAD holding file offset `offset`... or, for
// `vaddr`, the one holding that address; returns its index.
std::size_t load_segment_holding(const std::vector<elf::ProgramHeader>& phdrs,
                                 std::uint64_t vaddr) {
  for (std::size_t i = 0; i < phdrs.size(); ++i) {
    const auto& p = phdrs[i];
    if (p.type == elf::kPT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.memsz) return i;
  }
  throw std::runtime_error("no PT_LOAD holds the address");
}

std::uint64_t symbol_value(const fs::path& so, const std::string& symbol) {
  auto r = test::run_ok({"nm", "-D", "--defined-only", so.string()});
  std::size_t at = r.out.find(" " + symbol + "\n");
  if (at == std::string::npos) throw std::runtime_error("no " + symbol + " in nm output");
  std::size_t line = r.out.rfind('\n', at);
  line = line == std::string::npos ? 0 : line + 1;
  return std::stoull(r.out.substr(line, at - line), nullptr, 16);
}

TEST(RuntimeHostile, BlobInASegmentWithoutReadPermissionIsAnErrorNotACrash) {
  TempDir d;
  auto so = build_so(d, "noread", blob_source());
  Bytes file = test::read_bytes(so);
  elf::FileHeader h = elf::read_file_header(file, so.string());
  ASSERT_TRUE(h.is_64 && h.endian == Endian::little);
  auto phdrs = elf::read_program_headers_in_file(file, h, so.string());
  std::size_t i = load_segment_holding(phdrs, symbol_value(so, symbols::kFfiBin));
  // The blob's segment must hold nothing the dynamic linker reads (headers, dynsym, code).
  ASSERT_NE(phdrs[i].offset, 0u) << "the blob shares the first segment: cannot make it PROT_NONE";
  ASSERT_EQ(phdrs[i].flags, elf::kPF_R) << "the blob's segment is not the read-only data segment";
  std::size_t flags_at = static_cast<std::size_t>(h.phoff + i * h.phentsize + 4);  // p_flags
  store<std::uint32_t>(file.data() + flags_at, 0, Endian::little);
  test::write_bytes(so, file);
  EXPECT_HAS(load_error(so), "not readable (a PT_LOAD without PF_R)");
}

TEST(RuntimeHostile, LibraryCutShortInsideItsSegmentsIsRefusedBeforeDlopen) {
  TempDir d;
  auto so = build_so(d, "cut", blob_source());
  Bytes file = test::read_bytes(so);
  elf::FileHeader h = elf::read_file_header(file, so.string());
  auto phdrs = elf::read_program_headers_in_file(file, h, so.string());
  std::uint64_t end = 0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < phdrs.size(); ++i) {
    if (phdrs[i].type == elf::kPT_LOAD && phdrs[i].offset + phdrs[i].filesz >= end) {
      end = phdrs[i].offset + phdrs[i].filesz;
      last = i;
    }
  }
  ASSERT_GT(end, 100u);
  fs::resize_file(so, end - 100);
  std::string m = load_error(so);
  EXPECT_HAS(m, so.string() + " is truncated: segment " + std::to_string(last) +
                    " (PT_LOAD) needs bytes up to " + std::to_string(end) + ", the file has " +
                    std::to_string(end - 100));
}

// ---- Files that are not libraries of this machine: say what they are.

TEST(RuntimeHostile, FifoIsRefusedWithoutWaitingForAWriter) {
  TempDir d;
  auto fifo = d / "model.so";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string m = load_error(fifo);
  EXPECT_HAS(m, fifo.string());
  EXPECT_HAS(m, "it is a FIFO (named pipe); a library must be a regular file");
}

TEST(RuntimeHostile, DirectoryIsRefused) {
  TempDir d;
  EXPECT_HAS(load_error(d.path()), "it is a directory; a library must be a regular file");
}

TEST(RuntimeHostile, ForeignArchitectureLibraryIsNamedNotMissing) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "SKIPPED: the host is not x86-64";
#endif
  MBLOB_REQUIRE_TOOL(gcc, "aarch64-linux-gnu-gcc");
  TempDir d;
  test::write_text(d / "m.c", blob_source());
  auto so = d / "model.so";
  test::run_ok({gcc, "-shared", "-fPIC", "-o", so.string(), (d / "m.c").string()});
  std::string m = load_error(so);
  EXPECT_HAS(m, so.string() +
                    " is an ELF64 little-endian aarch64 shared object; this process is ELF64 "
                    "little-endian x86-64");
  EXPECT_HAS(m, "`mblob inspect " + so.string() + "` reads it without loading it");
}

TEST(RuntimeHostile, RelocatableObjectIsNotASharedLibrary) {
  TempDir d;
  test::write_text(d / "m.c", blob_source());
  auto obj = d / "m.o";
  test::run_ok({"cc", "-c", "-o", obj.string(), (d / "m.c").string()});
  EXPECT_HAS(load_error(obj), "relocatable object, not a shared library; `mblob inspect");
}

TEST(RuntimeHostile, ArchiveIsRefusedAndPointsToInspect) {
  TempDir d;
  test::write_text(d / "m.c", blob_source());
  auto obj = d / "m.o";
  auto lib = d / "libm.a";
  test::run_ok({"cc", "-c", "-o", obj.string(), (d / "m.c").string()});
  test::run_ok({"ar", "rc", lib.string(), obj.string()});
  EXPECT_HAS(load_error(lib), "an ar archive (a static library) cannot be loaded; `mblob inspect " +
                                  lib.string() + "` reads it without loading it");
}

// ---- Dependencies: dlsym also searches DT_NEEDED libraries; their symbols are not ours.

TEST(RuntimeHostile, BlobOfADependencyIsNotTheLibrarysBlob) {
  TempDir d;
  auto model = build_so(d, "libmodel", blob_source());
  auto host = build_so(d, "host", "int answer(void) { return 42; }\n",
                       {"-L" + d.path().string(), "-Wl,--no-as-needed", "-lmodel",
                        "-Wl,-rpath," + d.path().string()});
  std::string m = load_error(host);
  EXPECT_HAS(m, "no blob in " + host.string() + " (its dependency " + model.string() + " has one)");
}

TEST(RuntimeHostile, ContextPointerOfADependencyIsNotWritten) {
  TempDir d;
  build_so(d, "libdep",
           "void* __tvm_ffi__library_ctx = 0;\n"
           "void* dep_ctx(void) { return __tvm_ffi__library_ctx; }\n");
  auto so = build_so(
      d, "model", blob_source(),
      {"-L" + d.path().string(), "-Wl,--no-as-needed", "-ldep", "-Wl,-rpath," + d.path().string()});
  std::vector<std::string> warnings;
  LoadedTree tree = load_library_tree(so, collecting(&warnings));
  auto dep_ctx = reinterpret_cast<GetCtx>(tree.root->find_symbol("dep_ctx"));
  ASSERT_NE(dep_ctx, nullptr);
  EXPECT_EQ(dep_ctx(), nullptr);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
}

// ---- A library replaced on disk after a first load: dlopen would return the old copy.

TEST(RuntimeHostile, LibraryReplacedOnDiskSinceItsFirstLoadIsReported) {
  TempDir d;
  auto so = d / "model.so";
  fs::rename(build_so(d, "v1", blob_source()), so);
  LoadOptions o;
  o.opaque_unknown_kinds = true;
  LoadedTree first = load_library_tree(so, o);
  fs::rename(build_so(d, "v2",
                      c_array(symbols::kFfiBin, test::lib_and_one_module_blob("opencl", kPayload))),
             so);
  std::string m = load_error(so, o);
  EXPECT_HAS(m, so.string() + " was replaced on disk since it was first loaded in this process");
  first = LoadedTree();  // the old copy is unloaded: the new file loads
  EXPECT_EQ(load_library_tree(so, o).modules[1]->kind(), "opencl");
}

TEST(RuntimeHostile, LibraryReplacedAfterAnotherLoaderOpenedItIsReported) {
  // Loaded by plain dlopen, not through mblob: the inode mapped at its base tells.
  TempDir d;
  auto so = d / "model.so";
  fs::rename(build_so(d, "v1", blob_source()), so);
  void* handle = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << ::dlerror();
  fs::rename(build_so(d, "v2", blob_source()), so);
  EXPECT_HAS(load_error(so), " was replaced on disk since it was first loaded in this process");
  ::dlclose(handle);
}

// ---- Loaders: what they throw names the library, the module index and the kind.

struct ScopedLoader {
  std::string kind;
  ScopedLoader(std::string k, Loader l) : kind(std::move(k)) {
    register_loader(kind, std::move(l));
  }
  ~ScopedLoader() { unregister_loader(kind); }
};

TEST(RuntimeHostile, LoaderThatThrowsIsNamedWithTheLibraryModuleIndexAndKind) {
  TempDir d;
  auto so = build_so(d, "boom", blob_source());
  ScopedLoader cuda(
      "cuda", {[](const LoadContext&) -> ModulePtr { throw std::runtime_error("boom"); }, nullptr});
  std::string m = load_error(so);
  EXPECT_HAS(m, so.string() +
                    ": symbol __tvm_ffi__library_bin: module 1 \"cuda\": the loader "
                    "failed: boom");
}

TEST(RuntimeHostile, LoaderThatThrowsANonStandardExceptionIsNamed) {
  TempDir d;
  auto so = build_so(d, "boom", blob_source());
  ScopedLoader cuda("cuda", {[](const LoadContext&) -> ModulePtr { throw 42; }, nullptr});
  EXPECT_HAS(load_error(so), "module 1 \"cuda\": the loader failed with an exception");
}

}  // namespace
}  // namespace mblob
