/* Loads a model library through mblob's C API (include/mblob/runtime/mblob.h) and prints its
 * tree, one module a line:
 *   module <index> kind=<kind> kind_bytes=<n> bytes=<payload size> fnv1a64=<16 hex> imports=<i,j>
 * after a first line "layout=<ffi|legacy|none> symbol=<name> blob_bytes=<n>".
 * Usage: load_model LIBRARY. Exit 1 (with the error on stderr) when it cannot be opened.
 * Built and run by tests/runtime_c_api_test.cc with gcc -std=c99 -pedantic -Werror. */
#include <inttypes.h>
#include <stdio.h>

#include "mblob/runtime/mblob.h"

static uint64_t fnv1a64(const unsigned char* bytes, size_t n) {
  uint64_t h = UINT64_C(14695981039346656037);
  size_t i;
  for (i = 0; i < n; ++i) {
    h ^= bytes[i];
    h *= UINT64_C(1099511628211);
  }
  return h;
}

int main(int argc, char** argv) {
  char* error = NULL;
  mblob_tree* tree;
  size_t i, j;
  if (argc != 2) {
    fprintf(stderr, "usage: load_model LIBRARY\n");
    return 2;
  }
  tree = mblob_open_library(argv[1], NULL, &error);
  if (!tree) {
    fprintf(stderr, "load_model: %s\n", error ? error : "(no message)");
    mblob_free_error(error);
    return 1;
  }
  printf("version=%s layout=%s symbol=%s blob_bytes=%" PRIu64 "\n", mblob_version(),
         mblob_tree_layout(tree) ? mblob_tree_layout(tree) : "none",
         mblob_tree_symbol(tree) ? mblob_tree_symbol(tree) : "none", mblob_tree_blob_bytes(tree));
  for (i = 0; i < mblob_module_count(tree); ++i) {
    size_t kind_len = 0, size = 0, n_imports = 0;
    const char* kind = mblob_module_kind(tree, i, &kind_len);
    const unsigned char* payload = mblob_module_payload(tree, i, &size);
    const uint64_t* imports = mblob_module_imports(tree, i, &n_imports);
    printf("module %zu kind=%s kind_bytes=%zu bytes=%zu fnv1a64=%016" PRIx64 " imports=", i, kind,
           kind_len, size, fnv1a64(payload, size));
    for (j = 0; j < n_imports; ++j) printf("%s%" PRIu64, j ? "," : "", imports[j]);
    printf("\n");
  }
  mblob_close(tree);
  return 0;
}
