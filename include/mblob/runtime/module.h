// The runtime module model: Module, loaders keyed by kind, and loading a blob into a tree.
//
// This header ships with mblob_runtime (standard library + libdl only) and stays
// C++17-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mblob/core/bytes.h"
#include "mblob/format/layout.h"

namespace mblob {

class Module;
using ModulePtr = std::shared_ptr<Module>;

class Module {
 public:
  // `keep_alive` owns the memory `payload` points into (e.g. the loaded library); a module keeps
  // it for as long as the module lives, so payload views never dangle.
  Module(std::string kind, ByteView payload, std::shared_ptr<const void> keep_alive = nullptr);
  // Tears the import graph down iteratively: a chain of any depth cannot overflow the stack.
  virtual ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& kind() const { return kind_; }
  // The module's serialized bytes, viewed in place (zero copy). Empty for "_lib".
  ByteView payload() const { return payload_; }
  const std::vector<ModulePtr>& imports() const { return imports_; }
  void import_module(ModulePtr m) { imports_.push_back(std::move(m)); }

  // Address of a host symbol. The library module ("_lib") resolves it in the loaded library;
  // other modules return nullptr unless a loader's subclass says otherwise.
  virtual void* find_symbol(const std::string& name) const;

 private:
  std::string kind_;
  ByteView payload_;
  std::vector<ModulePtr> imports_;
  std::shared_ptr<const void> keep_alive_;
};

// What a loader gets for one blob entry.
struct LoadContext {
  std::string kind;
  ByteView payload;                        // ffi: the payload; legacy stream loaders: see Loader
  std::shared_ptr<const void> keep_alive;  // pass on to Module to keep `payload` valid
  std::string where;                       // "libfoo.so: module 2" (for error messages)
};

struct Loader {
  // Builds a module from its payload bytes (ffi layout; in the legacy layout, the inner bytes
  // of a payload mblob length-prefixed, or the whole stream of a kind mblob can walk: see
  // mblob/format/legacy_kinds.h).
  std::function<ModulePtr(const LoadContext&)> from_bytes;
  // Optional, legacy layout only: consumes the module's own bytes from `stream` (bounded by the
  // end of the blob), as TVM's loadbinary_<kind> functions do. `context.payload` is everything
  // from the module's first byte to the end of the blob.
  std::function<ModulePtr(Reader& stream, const LoadContext&)> from_stream;
};

// Registers (or replaces) the loader for `kind`. Thread-safe.
void register_loader(const std::string& kind, Loader loader);
bool unregister_loader(const std::string& kind);
std::vector<std::string> registered_loader_kinds();  // sorted
// The built-in opaque loader: keeps any kind as a Module viewing its payload bytes.
ModulePtr load_opaque(const LoadContext& context);

struct LoadOptions {
  // Symbol prefix (system-lib builds): "<prefix>__tvm_ffi__library_bin". Tried before the bare
  // names by system_lib(); load_library() looks only for the prefixed names when one is given.
  std::string prefix;
  // Unknown kinds become opaque modules (load_opaque) instead of an error.
  bool opaque_unknown_kinds = false;
  // Receives warnings (one line each, naming the library), e.g. a context pointer symbol that
  // is not a writable pointer and is left alone. Empty: "mblob: warning: ..." on stderr.
  std::function<void(const std::string&)> warn;
};

// A loaded tree, with the facts `mblob load` prints.
struct LoadedTree {
  ModulePtr root;
  std::vector<ModulePtr> modules;                          // blob index order; modules[0] == root
  std::vector<std::vector<std::uint64_t>> import_indices;  // per module, as stored in the blob
  std::optional<Format> format;                            // empty when the library holds no blob
  std::string symbol;                                      // the blob symbol found (with prefix)
  std::uint64_t blob_bytes = 0;                            // header + body
  bool implicit_root = false;                              // legacy blob without an import tree
};

// Rebuilds the tree from a blob symbol's bytes. "_lib" entries become `library` (when null, a
// placeholder "_lib" module that resolves no symbols). `keep_alive` owns `symbol_bytes`.
LoadedTree deserialize_tree(ByteView symbol_bytes, Format format, const LoadOptions& options,
                            ModulePtr library = nullptr,
                            std::shared_ptr<const void> keep_alive = nullptr,
                            const std::string& where = "blob");
ModulePtr deserialize(ByteView symbol_bytes, Format format, const LoadOptions& options = {});

}  // namespace mblob
