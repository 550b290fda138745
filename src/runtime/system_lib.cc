// The system-lib registry: statically linked builds register their blob (and any other symbol)
// from a static constructor, and system_lib() rebuilds the tree from the registry.
#include <dlfcn.h>

#include <map>
#include <mutex>

#include "mblob/runtime/library.h"

namespace mblob {

namespace {

struct SystemRegistry {
  std::mutex mu;
  std::map<std::string, void*, std::less<>> symbols;
};

SystemRegistry& system_registry() {
  static SystemRegistry r;
  return r;
}

void* lookup_registered(const std::string& name) {
  auto& r = system_registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.symbols.find(name);
  return it == r.symbols.end() ? nullptr : it->second;
}

// The system library itself: host symbols come from the registry (prefix first), then from the
// process's global symbol table.
class SystemLibModule : public Module {
 public:
  explicit SystemLibModule(std::string prefix)
      : Module(std::string(kLibKind), ByteView()), prefix_(std::move(prefix)) {}
  void* find_symbol(const std::string& name) const override {
    if (!prefix_.empty()) {
      if (void* p = lookup_registered(prefix_ + name)) return p;
    }
    if (void* p = lookup_registered(name)) return p;
    return ::dlsym(RTLD_DEFAULT, name.c_str());
  }

 private:
  std::string prefix_;
};

}  // namespace

LoadedTree system_lib_tree(std::string_view prefix, const LoadOptions& options) {
  auto library = std::make_shared<SystemLibModule>(std::string(prefix));
  // prefix + each name first, then each bare name (TVM's SystemLib(prefix) order).
  std::vector<std::pair<std::string, Format>> candidates;
  for (const auto& name : blob_symbol_names()) {
    if (!prefix.empty()) candidates.emplace_back(std::string(prefix) + name.name, name.format);
  }
  for (const auto& name : blob_symbol_names()) candidates.emplace_back(name.name, name.format);

  for (const auto& [symbol, format] : candidates) {
    void* addr = lookup_registered(symbol);
    if (addr == nullptr) continue;
    std::string where = "system lib: symbol " + symbol;
    std::size_t extent = readable_extent(addr, where);
    LoadedTree tree =
        deserialize_tree(ByteView(addr, extent), format, options, library, nullptr, where);
    tree.symbol = symbol;
    return tree;
  }
  LoadedTree tree;
  tree.root = library;
  tree.modules = {library};
  tree.import_indices = {{}};
  return tree;
}

ModulePtr system_lib(std::string_view prefix) { return system_lib_tree(prefix).root; }

}  // namespace mblob

extern "C" int MBlobRegisterSystemLibSymbol(const char* name, void* ptr) {
  if (name == nullptr) return -1;
  auto& r = mblob::system_registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.symbols[name] = ptr;
  return 0;
}

// TVM's registration functions, so that code generated for TVM registers with mblob.
//
// They are weak: a program that links a real TVM runtime statically gets TVM's definitions.
// With shared libraries the dynamic linker does not prefer strong over weak (the first library
// in search order wins), so these also forward to the next definition, if any: a program that
// loads both libmblob_runtime and a TVM runtime registers the blob with both, whichever comes
// first.
namespace {
int forward_to_next(const char* fn_name, const char* name, void* ptr) {
  using RegisterFn = int (*)(const char*, void*);
  int rc = MBlobRegisterSystemLibSymbol(name, ptr);
  if (auto next = reinterpret_cast<RegisterFn>(::dlsym(RTLD_NEXT, fn_name))) rc = next(name, ptr);
  return rc;
}
}  // namespace

extern "C" __attribute__((weak)) int TVMFFIEnvModRegisterSystemLibSymbol(const char* name,
                                                                         void* ptr) {
  return forward_to_next("TVMFFIEnvModRegisterSystemLibSymbol", name, ptr);
}
extern "C" __attribute__((weak)) int TVMBackendRegisterSystemLibSymbol(const char* name,
                                                                       void* ptr) {
  return forward_to_next("TVMBackendRegisterSystemLibSymbol", name, ptr);
}
