// The C ABI (include/mblob/runtime/mblob.h) over load_library_tree and system_lib_tree. No
// exception crosses it: each entry point that can fail catches everything and reports a message.
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "mblob/runtime/library.h"
#include "mblob/runtime/mblob.h"

struct mblob_tree {
  mblob::LoadedTree tree;
};

namespace {

// Stores a malloc'ed copy of `message` in *error (when error is not null). Never throws; when
// even the copy cannot be allocated, *error stays null.
void report(char** error, const char* message) {
  if (!error) return;
  std::size_t n = std::strlen(message);
  char* copy = static_cast<char*>(std::malloc(n + 1));
  if (copy) std::memcpy(copy, message, n + 1);
  *error = copy;
}

// Runs `open` (which returns a LoadedTree), catching every exception as a message.
template <typename Open>
mblob_tree* open_tree(char** error, Open&& open) {
  if (error) *error = nullptr;
  try {
    auto* t = new mblob_tree{open()};
    return t;
  } catch (const std::bad_alloc&) {
    report(error, "mblob: out of memory");
  } catch (const std::exception& e) {
    report(error, e.what());
  } catch (...) {
    report(error, "mblob: unknown error (not a std::exception)");
  }
  return nullptr;
}

mblob::LoadOptions options_for(const char* prefix) {
  mblob::LoadOptions o;
  o.opaque_unknown_kinds = true;
  if (prefix) o.prefix = prefix;
  return o;
}

const mblob::Module* module_at(const mblob_tree* tree, std::size_t index) {
  if (!tree || index >= tree->tree.modules.size()) return nullptr;
  return tree->tree.modules[index].get();
}

template <typename T>
void set(T* out, T value) {
  if (out) *out = value;
}

}  // namespace

extern "C" {

const char* mblob_version(void) { return MBLOB_VERSION_STRING; }

mblob_tree* mblob_open_library(const char* path, const char* prefix, char** error) {
  if (!path) {
    report(error, "mblob_open_library: path is NULL");
    return nullptr;
  }
  return open_tree(error, [&] { return mblob::load_library_tree(path, options_for(prefix)); });
}

mblob_tree* mblob_open_system_lib(const char* prefix, char** error) {
  return open_tree(
      error, [&] { return mblob::system_lib_tree(prefix ? prefix : "", options_for(prefix)); });
}

void mblob_close(mblob_tree* tree) { delete tree; }

void mblob_free_error(char* error) { std::free(error); }

const char* mblob_tree_layout(const mblob_tree* tree) {
  if (!tree || !tree->tree.format) return nullptr;
  return mblob::format_name(*tree->tree.format);
}

const char* mblob_tree_symbol(const mblob_tree* tree) {
  if (!tree || !tree->tree.format) return nullptr;
  return tree->tree.symbol.c_str();
}

uint64_t mblob_tree_blob_bytes(const mblob_tree* tree) { return tree ? tree->tree.blob_bytes : 0; }

size_t mblob_module_count(const mblob_tree* tree) { return tree ? tree->tree.modules.size() : 0; }

const char* mblob_module_kind(const mblob_tree* tree, size_t index, size_t* length) {
  const mblob::Module* m = module_at(tree, index);
  set<size_t>(length, m ? m->kind().size() : 0);
  return m ? m->kind().c_str() : nullptr;
}

const unsigned char* mblob_module_payload(const mblob_tree* tree, size_t index, size_t* size) {
  const mblob::Module* m = module_at(tree, index);
  if (!m || m->payload().empty()) {
    set<size_t>(size, 0);
    return nullptr;
  }
  set<size_t>(size, m->payload().size());
  return reinterpret_cast<const unsigned char*>(m->payload().data());
}

const uint64_t* mblob_module_imports(const mblob_tree* tree, size_t index, size_t* count) {
  if (!module_at(tree, index) || index >= tree->tree.import_indices.size() ||
      tree->tree.import_indices[index].empty()) {
    set<size_t>(count, 0);
    return nullptr;
  }
  const auto& imports = tree->tree.import_indices[index];
  set<size_t>(count, imports.size());
  return imports.data();
}

}  // extern "C"
