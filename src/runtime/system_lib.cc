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
  std::vector<std::string> candidates;
  for (const auto& name : blob_symbol_names()) {
    if (!prefix.empty()) candidates.push_back(std::string(prefix) + name.name);
  }
  for (const auto& name : blob_symbol_names()) candidates.emplace_back(name.name);

  for (const auto& symbol : candidates) {
    void* addr = lookup_registered(symbol);
    if (addr == nullptr) continue;
    Format format = Format::ffi;
    for (const auto& name : blob_symbol_names()) {
      std::string_view s(symbol);
      std::string_view n(name.name);
      if (s.size() >= n.size() && s.substr(s.size() - n.size()) == n) {
        format = name.format;
        break;
      }
    }
    std::string where = "system lib: symbol " + symbol;
    std::size_t extent = readable_extent(addr, where);
    LoadedTree tree = deserialize_tree(ByteView(addr, extent), format, options, library, nullptr,
                                       where);
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

// TVM's registration functions, defined weak: a program that also links a real TVM runtime gets
// TVM's own definitions (strong symbols win), and one that links only mblob gets these.
extern "C" __attribute__((weak)) int TVMFFIEnvModRegisterSystemLibSymbol(const char* name,
                                                                          void* ptr) {
  return MBlobRegisterSystemLibSymbol(name, ptr);
}
extern "C" __attribute__((weak)) int TVMBackendRegisterSystemLibSymbol(const char* name,
                                                                        void* ptr) {
  return MBlobRegisterSystemLibSymbol(name, ptr);
}
