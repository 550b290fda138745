// load_library: dlopen a shared library and rebuild the module tree embedded in it.
#include "mblob/runtime/library.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <cstring>

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
  void* find_symbol(const std::string& name) const override {
    return ::dlsym(lib_->handle, name.c_str());
  }

 private:
  std::shared_ptr<LibraryHandle> lib_;
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

void set_context_pointers(void* handle, Module* library) {
  for (const char* name : {symbols::kFfiCtx, symbols::kFfiCtxOld, symbols::kLegacyCtx}) {
    if (void* ctx = ::dlsym(handle, name)) *static_cast<void**>(ctx) = library;
  }
}

}  // namespace

std::size_t readable_extent(const void* addr, const std::string& what) {
  Dl_info info{};
  void* entry = nullptr;
  int found = ::dladdr1(addr, &info, &entry, RTLD_DL_SYMENT);
  const auto* sym = static_cast<const ElfW(Sym)*>(entry);
  if (found != 0 && sym != nullptr && info.dli_saddr == addr && sym->st_size > 0) {
    return static_cast<std::size_t>(sym->st_size);
  }
  // No size (objcopy-made symbols have st_size 0, static executables have no dynamic entry):
  // bound by the loaded segment that holds the address.
  SegmentQuery q{reinterpret_cast<std::uintptr_t>(addr)};
  ::dl_iterate_phdr(find_segment, &q);
  if (q.end == 0) throw Error(what + ": address is not inside any loaded segment");
  return static_cast<std::size_t>(q.end - q.addr);
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
    LoadedTree tree = deserialize_tree(ByteView(addr, extent), name.format, options, library,
                                       lib, where);
    tree.symbol = symbol;
    set_context_pointers(lib->handle, library.get());
    return tree;
  }
  LoadedTree tree;
  tree.root = library;
  tree.modules = {library};
  tree.import_indices = {{}};
  set_context_pointers(lib->handle, library.get());
  return tree;
}

ModulePtr load_library(const std::filesystem::path& path, const LoadOptions& options) {
  return load_library_tree(path, options).root;
}

}  // namespace mblob
