// Loading a shared library's embedded module tree, and the system-lib registry.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "mblob/runtime/module.h"

namespace mblob {

// dlopen(path, RTLD_LAZY | RTLD_LOCAL), find the blob symbol (each name of
// blob_symbol_names(), with options.prefix), parse it and build the tree. No blob symbol: the
// tree is the library module alone. The library stays loaded while any module of the tree lives.
// Where the library defines a context pointer symbol as a writable pointer variable, it points at
// the newest live library module of that library (else options.warn is told and it is left
// alone). Throws Error, before dlopen, for anything but a regular file holding an ELF shared
// object of this process's machine that covers its segments; after it, for a blob found only in
// a dependency, or a file replaced on disk since it was first loaded in this process.
// Thread-safe.
LoadedTree load_library_tree(const std::filesystem::path& path, const LoadOptions& options = {});
ModulePtr load_library(const std::filesystem::path& path, const LoadOptions& options = {});

// The blob registered by a statically linked ("system lib") build under prefix + a blob symbol
// name (then the bare name). No blob registered: the system library module alone.
LoadedTree system_lib_tree(std::string_view prefix = "", const LoadOptions& options = {});
ModulePtr system_lib(std::string_view prefix = "");

// The number of bytes readable at `addr`, which must be a symbol's address inside a loaded
// object: up to the end of the loaded segment that holds it, or less when the dynamic symbol
// table gives the symbol a smaller non-zero size. Throws when `addr` is in no loaded segment, or
// in one without read permission.
std::size_t readable_extent(const void* addr, const std::string& what);

}  // namespace mblob

// C ABI: called by a static constructor beside the blob in system-lib builds.
// Returns 0, or -1 when name is null. The name is copied.
extern "C" int MBlobRegisterSystemLibSymbol(const char* name, void* ptr);
