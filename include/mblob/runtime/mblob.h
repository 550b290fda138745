/* mblob.h: the C ABI of mblob_runtime (libmblob_runtime.so), for Python (ctypes), Rust, Go and
 * C programs. Plain C99, also valid C++; nothing here throws.
 *
 * Open a shared library that embeds a module tree (or the system-lib registry), walk its
 * modules by index, read each payload in place, close it:
 *
 *   char* error = NULL;
 *   mblob_tree* tree = mblob_open_library("model.so", NULL, &error);
 *   if (!tree) { fprintf(stderr, "%s\n", error); mblob_free_error(error); return 1; }
 *   for (size_t i = 0; i < mblob_module_count(tree); ++i) {
 *     size_t kind_len = 0, size = 0;
 *     const char* kind = mblob_module_kind(tree, i, &kind_len);
 *     const unsigned char* bytes = mblob_module_payload(tree, i, &size);
 *     printf("%s: %zu bytes at %p\n", kind, size, (const void*)bytes);
 *   }
 *   mblob_close(tree);  (kind and bytes are valid until here)
 *
 * From Python: lib = ctypes.CDLL("libmblob_runtime.so"), with restype = ctypes.c_void_p on the
 * functions returning pointers; tests/c_api/load_model.py is a complete script, and
 * tests/c_api/load_model.c a complete C program.
 *
 * Errors: a function that can fail takes `char** error`. On failure it returns NULL and, when
 * `error` is not NULL, stores a message (naming the file and what is wrong) allocated by the
 * library, which the caller frees with mblob_free_error(); on success it stores NULL there.
 * Every function accepts NULL pointers (and out-of-range indices) and then returns NULL / 0.
 * Warnings (e.g. a context pointer symbol left alone) go to stderr, one line each.
 *
 * Lifetime: every pointer a tree hands out (kinds, payloads, imports, symbol) stays valid until
 * mblob_close() of that tree; the library stays loaded until the last tree viewing it is closed.
 * A tree may be read from several threads at once; opening is thread-safe.
 *
 * Linking: -I<mblob>/include and -lmblob_runtime (libdl). Installing and packaging
 * (cmake --install, pkg-config) are not provided yet: point at the build tree.
 */
#ifndef MBLOB_RUNTIME_MBLOB_H_
#define MBLOB_RUNTIME_MBLOB_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An opened module tree (opaque). */
typedef struct mblob_tree mblob_tree;

/* The version of mblob this runtime was built from, e.g. "0.1.0" (static storage). */
const char* mblob_version(void);

/* Loads the shared library at `path` and its embedded module tree. Unknown module kinds are kept
 * as opaque modules (their payload bytes), as `mblob load` does. `prefix` (may be NULL or "")
 * is a system-lib symbol prefix: "<prefix>__tvm_ffi__library_bin". No blob symbol: a tree of
 * the library module ("_lib") alone. NULL with *error set on failure (a missing file, a file that
 * is not an ELF shared object of this machine, a malformed blob, ...). */
mblob_tree* mblob_open_library(const char* path, const char* prefix, char** error);

/* The tree registered by a statically linked ("system lib") build under `prefix` (may be NULL)
 * + a blob symbol name, then the bare name. No blob registered: the "_lib" module alone. */
mblob_tree* mblob_open_system_lib(const char* prefix, char** error);

/* Releases the tree (NULL: does nothing). Its pointers are invalid afterwards. */
void mblob_close(mblob_tree* tree);

/* Frees a message stored through `char** error` (NULL: does nothing). */
void mblob_free_error(char* error);

/* "ffi" or "legacy": the blob layout; NULL when the library holds no blob. */
const char* mblob_tree_layout(const mblob_tree* tree);
/* The blob symbol found (with its prefix); NULL when the library holds no blob. */
const char* mblob_tree_symbol(const mblob_tree* tree);
/* The blob symbol's size in bytes (its 8-byte header included); 0 without a blob. */
uint64_t mblob_tree_blob_bytes(const mblob_tree* tree);

/* The number of modules, in blob order; index 0 is the root. */
size_t mblob_module_count(const mblob_tree* tree);

/* The module's kind ("_lib" for the library module), NUL-terminated. A kind is bytes read from
 * the file and may hold any byte, NUL included: `length` (may be NULL) receives its length. */
const char* mblob_module_kind(const mblob_tree* tree, size_t index, size_t* length);

/* The module's payload bytes, viewed in the loaded library (zero copy); `size` (may be NULL)
 * receives their count. NULL with size 0 for "_lib" and empty payloads. */
const unsigned char* mblob_module_payload(const mblob_tree* tree, size_t index, size_t* size);

/* The module's imports, as indices into this tree (blob order); `count` (may be NULL) receives
 * their number. NULL with count 0 when it imports nothing. */
const uint64_t* mblob_module_imports(const mblob_tree* tree, size_t index, size_t* count);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MBLOB_RUNTIME_MBLOB_H_ */
