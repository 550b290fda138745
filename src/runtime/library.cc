// load_library: dlopen a shared library and rebuild the module tree embedded in it.
//
// Before dlopen, the file's own headers are checked (library_file.h). After it, every address
// the library hands out (blob, context pointers) is checked against the library's own loaded
// segments (loaded_object.h): dlsym also searches the library's dependencies, and a symbol can
// be absolute, a function, or read-only.
#include "mblob/runtime/library.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

#include "library_file.h"
#include "loaded_object.h"

namespace mblob {

namespace {

using runtime::LoadedObject;
using runtime::LoadedSegment;

// mblob's dlopen, dlclose and reads of the dynamic linker's link_map happen under this lock,
// and so do the records of opened_files(). glibc serializes dlopen and dlclose internally
// anyway, so nothing runs slower; but its lock is invisible to ThreadSanitizer, and this one
// makes the order of the link_map's writes (dlopen in one thread) and reads (in another thread
// that got the same handle) explicit.
std::mutex& dl_mutex() {
  static std::mutex m;
  return m;
}

// The file (device, inode, from stat) that each library open through mblob was mapped from,
// with the number of mblob's handles on it; keyed by link_map. Guarded by dl_mutex().
struct OpenedFile {
  runtime::LibraryFile file;
  std::size_t handles = 0;
};
std::map<const void*, OpenedFile>& opened_files() {
  static std::map<const void*, OpenedFile> files;
  return files;
}

// Owns a dlopen handle; every module of a loaded tree holds it through keep_alive.
struct LibraryHandle {
  void* handle = nullptr;
  std::string path;
  const void* link_map = nullptr;  // set once counted in opened_files()
  ~LibraryHandle() {
    if (handle == nullptr) return;
    std::lock_guard<std::mutex> lock(dl_mutex());
    if (link_map != nullptr) {
      auto it = opened_files().find(link_map);
      if (it != opened_files().end() && --it->second.handles == 0) opened_files().erase(it);
    }
    ::dlclose(handle);
  }
};

// Context pointers (__tvm_ffi__library_ctx ...): a library's code reads its slot to find the
// module that loaded it. A library loaded twice has one slot and two library modules: the slot
// points at the newest live one and is cleared only when the last one dies. Every write goes
// through this registry, under its mutex, so concurrent loads and releases do not race.
class ContextSlots {
 public:
  static ContextSlots& instance() {
    static ContextSlots s;
    return s;
  }
  void claim(void** slot, const void* owner) {
    std::lock_guard<std::mutex> lock(mu_);
    owners_[slot].push_back(owner);
    *slot = const_cast<void*>(owner);
  }
  void release(void** slot, const void* owner) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = owners_.find(slot);
    if (it == owners_.end()) return;
    auto& owners = it->second;
    owners.erase(std::remove(owners.begin(), owners.end(), owner), owners.end());
    if (owners.empty()) {
      *slot = nullptr;
      owners_.erase(it);
    } else {
      *slot = const_cast<void*>(owners.back());
    }
  }

 private:
  std::mutex mu_;
  std::map<void**, std::vector<const void*>> owners_;  // live owners per slot, oldest first
};

class LibraryModule : public Module {
 public:
  explicit LibraryModule(std::shared_ptr<LibraryHandle> lib)
      : Module(std::string(kLibKind), ByteView(), lib), lib_(std::move(lib)) {}
  ~LibraryModule() override {
    // The library may outlive this module (payload views keep it mapped): leave no context
    // pointer aimed at a dead module. (lib_ dies after this body: the slot is still mapped.)
    for (void** slot : ctx_slots_) ContextSlots::instance().release(slot, self());
  }
  void* find_symbol(const std::string& name) const override {
    return ::dlsym(lib_->handle, name.c_str());
  }
  // Points the context pointer `slot` (checked by the caller) at this module, as TVM does.
  void claim_context_pointer(void** slot) {
    ContextSlots::instance().claim(slot, self());
    ctx_slots_.push_back(slot);
  }

 private:
  const void* self() const { return static_cast<const Module*>(this); }
  std::shared_ptr<LibraryHandle> lib_;
  std::vector<void**> ctx_slots_;
};

std::string hex_address(const void* p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", p);
  return buf;
}

void warn(const LoadOptions& options, const std::string& message) {
  if (options.warn) {
    options.warn(message);
  } else {
    std::fprintf(stderr, "mblob: warning: %s\n", message.c_str());
  }
}

// The bytes readable at `addr` inside segment `s`: to the end of the segment, or less when the
// dynamic symbol table gives the symbol a smaller non-zero size.
std::size_t extent_in_segment(const LoadedSegment& s, const void* addr, const std::string& what) {
  if ((s.flags & PF_R) == 0) {
    throw Error(what + ": the loaded segment holding it is not readable (a PT_LOAD without PF_R)");
  }
  auto segment_rest = static_cast<std::size_t>(s.end - reinterpret_cast<std::uintptr_t>(addr));
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

// Why the context pointer at `addr` must not be written, or "" when it may: only a pointer-sized
// data object in a writable segment of the library itself.
std::string context_slot_problem(const LoadedObject& lib, void* addr) {
  auto a = reinterpret_cast<std::uintptr_t>(addr);
  if (lib.segment_of(a) == nullptr) {
    return "its address " + hex_address(addr) +
           " is not inside the library's loaded segments (an absolute symbol?)";
  }
  Dl_info info{};
  void* entry = nullptr;
  int found = ::dladdr1(addr, &info, &entry, RTLD_DL_SYMENT);
  const auto* sym = static_cast<const ElfW(Sym)*>(entry);
  if (found == 0 || sym == nullptr || info.dli_saddr != addr) {
    return "it has no entry of its own in the dynamic symbol table";
  }
  if (ELF64_ST_TYPE(sym->st_info) == STT_FUNC) return "it is a function, not a pointer variable";
  if (ELF64_ST_TYPE(sym->st_info) != STT_OBJECT) return "it is not a data object";
  if (sym->st_size != sizeof(void*)) {
    return "it is " + std::to_string(sym->st_size) + " bytes, not a pointer's " +
           std::to_string(sizeof(void*));
  }
  if (a % alignof(void*) != 0) return "it is not aligned for a pointer";
  if (!lib.writable(a, sizeof(void*))) return "it lies in read-only memory";
  return "";
}

void set_context_pointers(LibraryModule& module, void* handle, const LoadedObject& lib,
                          std::initializer_list<const char*> names, const std::string& path,
                          const LoadOptions& options) {
  for (const char* name : names) {
    void* addr = ::dlsym(handle, name);
    if (addr == nullptr) continue;
    // A dependency's context pointer belongs to whoever loads that dependency.
    if (lib.segment_of(reinterpret_cast<std::uintptr_t>(addr)) == nullptr &&
        runtime::object_containing(addr)) {
      continue;
    }
    std::string problem = context_slot_problem(lib, addr);
    if (!problem.empty()) {
      warn(options, path + ": not setting the context pointer " + name + ": " + problem);
      continue;
    }
    module.claim_context_pointer(static_cast<void**>(addr));
  }
}

std::shared_ptr<LibraryHandle> open_library(const std::string& open_path, const std::string& path) {
  auto lib = std::make_shared<LibraryHandle>();
  lib->path = path;
  lib->handle = ::dlopen(open_path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (lib->handle == nullptr) {
    const char* err = ::dlerror();
    throw Error("cannot load " + path + ": " + (err ? err : "dlopen failed"));
  }
  return lib;
}

link_map* link_map_of(const LibraryHandle& lib) {
  link_map* lm = nullptr;
  if (::dlinfo(lib.handle, RTLD_DI_LINKMAP, &lm) != 0 || lm == nullptr) {
    throw Error("cannot load " + lib.path + ": the dynamic linker gives no link map for it");
  }
  return lm;
}

[[noreturn]] void replaced(const std::string& path, std::uint64_t loaded_inode,
                           std::uint64_t disk_inode) {
  throw Error(path + " was replaced on disk since it was first loaded in this process (loaded: " +
              "inode " + std::to_string(loaded_inode) + "; on disk now: inode " +
              std::to_string(disk_inode) +
              "), and dlopen returns the loaded copy: release every module loaded from it, or "
              "restart the process, to load the new file");
}

// dlopen returns the copy already loaded under the same name, even when the file on disk has
// since been replaced (a new file renamed over the path). When mblob mapped that copy, it
// recorded the file's device and inode then; otherwise (another part of the program loaded it)
// the inode mapped at the library's base (/proc/self/maps) tells. Only the inode there: on
// overlayfs and btrfs the maps name another device than stat() does.
void check_not_replaced(const link_map* lm, const LoadedObject& obj,
                        const runtime::LibraryFile& file, const std::string& path) {
  auto it = opened_files().find(lm);
  if (it != opened_files().end()) {
    const runtime::LibraryFile& first = it->second.file;
    if (first.dev != file.dev || first.inode != file.inode) replaced(path, first.inode, file.inode);
    return;
  }
  auto mapped = runtime::mapped_file_at(obj.loads.front().start);
  if (mapped && mapped->inode != file.inode) replaced(path, mapped->inode, file.inode);
}

// dlopen + the checks of what it mapped, under dl_mutex(); `lib` is counted in opened_files().
LoadedObject open_and_check(const std::string& open_path, const std::string& path,
                            const runtime::LibraryFile& file, std::shared_ptr<LibraryHandle>& lib) {
  std::lock_guard<std::mutex> lock(dl_mutex());
  // Already loaded (by this name, or the same file by another)? Then dlopen maps nothing new.
  struct NoLoadHandle {  // closed here, under the lock already held (not a LibraryHandle)
    void* handle;
    ~NoLoadHandle() {
      if (handle != nullptr) ::dlclose(handle);
    }
  } before{::dlopen(open_path.c_str(), RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD)};
  lib = open_library(open_path, path);
  bool was_loaded = before.handle != nullptr;
  link_map* lm = link_map_of(*lib);
  std::optional<LoadedObject> obj = runtime::object_of(lm);
  if (!obj) throw Error("cannot load " + path + ": the dynamic linker lists no segments of it");
  // When it was not loaded before, dlopen mapped the file just checked (short of a rename in
  // between); otherwise it may be an older file under the same name.
  if (was_loaded) check_not_replaced(lm, *obj, file, path);
  OpenedFile& record = opened_files()[lm];
  if (record.handles++ == 0) record.file = file;
  lib->link_map = lm;
  return *obj;
}

}  // namespace

std::size_t readable_extent(const void* addr, const std::string& what) {
  // The loaded segment that holds the address bounds every read: nothing past it is mapped.
  std::optional<LoadedObject> obj = runtime::object_containing(addr);
  if (!obj) throw Error(what + ": address is not inside any loaded segment");
  return extent_in_segment(*obj->segment_of(reinterpret_cast<std::uintptr_t>(addr)), addr, what);
}

LoadedTree load_library_tree(const std::filesystem::path& path, const LoadOptions& options) {
  const std::string shown = path.string();
  // dlopen searches the library path for names without a slash; a path given on the command
  // line means that file.
  std::string open_path = shown;
  if (open_path.find('/') == std::string::npos) open_path = "./" + open_path;
  runtime::LibraryFile file = runtime::check_library_file(open_path, shown);
  std::shared_ptr<LibraryHandle> lib;  // dies (dlclose, under the lock) after the lock is released
  LoadedObject obj = open_and_check(open_path, shown, file, lib);
  auto library = std::make_shared<LibraryModule>(lib);

  std::string dependency;  // a dependency whose blob dlsym found
  for (const auto& name : blob_symbol_names()) {
    std::string symbol = options.prefix + name.name;
    ::dlerror();
    void* addr = ::dlsym(lib->handle, symbol.c_str());
    if (addr == nullptr) continue;
    std::string where = shown + ": symbol " + symbol;
    const LoadedSegment* segment = obj.segment_of(reinterpret_cast<std::uintptr_t>(addr));
    if (segment == nullptr) {
      std::optional<LoadedObject> holder = runtime::object_containing(addr);
      if (!holder) throw Error(where + ": address is not inside any loaded segment");
      if (dependency.empty()) dependency = holder->name.empty() ? "the program" : holder->name;
      continue;
    }
    std::size_t extent = extent_in_segment(*segment, addr, where);
    LoadedTree tree =
        deserialize_tree(ByteView(addr, extent), name.format, options, library, lib, where);
    tree.symbol = symbol;
    // The layout's context pointer, when the tree holds the library module (TVM's runtimes set
    // it to the library module they build; a tree without "_lib" has none to point at).
    bool has_lib = false;
    for (const auto& m : tree.modules) has_lib = has_lib || m == library;
    if (has_lib && name.format == Format::ffi) {
      set_context_pointers(*library, lib->handle, obj, {symbols::kFfiCtx, symbols::kFfiCtxOld},
                           shown, options);
    } else if (has_lib) {
      set_context_pointers(*library, lib->handle, obj, {symbols::kLegacyCtx}, shown, options);
    }
    return tree;
  }
  if (!dependency.empty()) {
    throw Error("no blob in " + shown + " (its dependency " + dependency + " has one)");
  }
  LoadedTree tree;
  tree.root = library;
  tree.modules = {library};
  tree.import_indices = {{}};
  set_context_pointers(*library, lib->handle, obj,
                       {symbols::kFfiCtx, symbols::kFfiCtxOld, symbols::kLegacyCtx}, shown,
                       options);
  return tree;
}

ModulePtr load_library(const std::filesystem::path& path, const LoadOptions& options) {
  return load_library_tree(path, options).root;
}

}  // namespace mblob
