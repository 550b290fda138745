// load_library: dlopen a shared library and rebuild the module tree embedded in it.
#include "mblob/runtime/library.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace mblob {

namespace {

// Owns a dlopen handle; every module of a loaded tree holds it through keep_alive.
struct LibraryHandle {
  void* handle = nullptr;
  std::string path;
  ~LibraryHandle() {
    if (handle != nullptr) ::dlclose(handle);
  }
};

class LibraryModule : public Module {
 public:
  explicit LibraryModule(std::shared_ptr<LibraryHandle> lib)
      : Module(std::string(kLibKind), ByteView(), lib), lib_(std::move(lib)) {}
  ~LibraryModule() override {
    // The library may outlive this module (payload views keep it mapped): leave no context
    // pointer aimed at a dead module.
    for (void** slot : ctx_slots_) {
      if (*slot == this) *slot = nullptr;
    }
  }
  void* find_symbol(const std::string& name) const override {
    return ::dlsym(lib_->handle, name.c_str());
  }
  // Stores this module in the context pointer `name` when the library defines it, as TVM does.
  void set_context_pointer(const char* name) {
    if (void* ctx = ::dlsym(lib_->handle, name)) {
      auto** slot = static_cast<void**>(ctx);
      *slot = this;
      ctx_slots_.push_back(slot);
    }
  }

 private:
  std::shared_ptr<LibraryHandle> lib_;
  std::vector<void**> ctx_slots_;
};

struct SegmentQuery {
  std::uintptr_t addr;
  std::uintptr_t end = 0;
};

int find_segment(struct dl_phdr_info* info, std::size_t, void* data) {
  auto* q = static_cast<SegmentQuery*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    std::uintptr_t end = start + ph.p_memsz;
    if (q->addr >= start && q->addr < end) {
      q->end = end;
      return 1;
    }
  }
  return 0;
}

}  // namespace

std::size_t readable_extent(const void* addr, const std::string& what) {
  // The loaded segment that holds the address bounds every read: nothing past it is mapped.
  SegmentQuery q{reinterpret_cast<std::uintptr_t>(addr)};
  ::dl_iterate_phdr(find_segment, &q);
  if (q.end == 0) throw Error(what + ": address is not inside any loaded segment");
  auto segment_rest = static_cast<std::size_t>(q.end - q.addr);
  // The symbol's own size, when the dynamic symbol table has one, is tighter; it is untrusted
  // too (a library can claim any st_size), so it never extends past the segment. Symbols made
  // by objcopy have st_size 0, and executables may have no dynamic entry: the segment it is.
  Dl_info info{};
  void* entry = nullptr;
  int found = ::dladdr1(addr, &info, &entry, RTLD_DL_SYMENT);
  const auto* sym = static_cast<const ElfW(Sym)*>(entry);
  if (found != 0 && sym != nullptr && info.dli_saddr == addr && sym->st_size > 0) {
    return static_cast<std::size_t>(std::min<std::uint64_t>(sym->st_size, segment_rest));
  }
  return segment_rest;
}

LoadedTree load_library_tree(const std::filesystem::path& path, const LoadOptions& options) {
  auto lib = std::make_shared<LibraryHandle>();
  lib->path = path.string();
  // dlopen searches the library path for names without a slash; a path given on the command
  // line means that file.
  std::string open_path = path.string();
  if (open_path.find('/') == std::string::npos) open_path = "./" + open_path;
  lib->handle = ::dlopen(open_path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (lib->handle == nullptr) {
    const char* err = ::dlerror();
    throw Error("cannot load " + path.string() + ": " + (err ? err : "dlopen failed"));
  }
  auto library = std::make_shared<LibraryModule>(lib);

  for (const auto& name : blob_symbol_names()) {
    std::string symbol = options.prefix + name.name;
    ::dlerror();
    void* addr = ::dlsym(lib->handle, symbol.c_str());
    if (addr == nullptr) continue;
    std::string where = path.string() + ": symbol " + symbol;
    std::size_t extent = readable_extent(addr, where);
    LoadedTree tree =
        deserialize_tree(ByteView(addr, extent), name.format, options, library, lib, where);
    tree.symbol = symbol;
    // The layout's context pointer, when the tree holds the library module (TVM's runtimes set
    // it to the library module they build; a tree without "_lib" has none to point at).
    bool has_lib = false;
    for (const auto& m : tree.modules) has_lib = has_lib || m == library;
    if (has_lib) {
      if (name.format == Format::ffi) {
        library->set_context_pointer(symbols::kFfiCtx);
        library->set_context_pointer(symbols::kFfiCtxOld);
      } else {
        library->set_context_pointer(symbols::kLegacyCtx);
      }
    }
    return tree;
  }
  LoadedTree tree;
  tree.root = library;
  tree.modules = {library};
  tree.import_indices = {{}};
  for (const char* ctx : {symbols::kFfiCtx, symbols::kFfiCtxOld, symbols::kLegacyCtx}) {
    library->set_context_pointer(ctx);
  }
  return tree;
}

ModulePtr load_library(const std::filesystem::path& path, const LoadOptions& options) {
  return load_library_tree(path, options).root;
}

}  // namespace mblob
