/* Loads libmodel.so's module tree through mblob's C API and prints one line per module:
 * "<index> <kind> <size> bytes"; with an index as argument, writes that module's payload to
 * stdout instead. Also calls the model's host code, linked in directly. */
#include <stdio.h>
#include <stdlib.h>

#include "mblob/runtime/mblob.h"

int model_add(int a, int b); /* host.c, in libmodel.so */

int main(int argc, char** argv) {
  char* error = NULL;
  mblob_tree* tree = mblob_open_library(MODEL_PATH, NULL, &error);
  if (!tree) {
    fprintf(stderr, "model_example: %s\n", error);
    mblob_free_error(error);
    return 1;
  }
  size_t count = mblob_module_count(tree);
  if (argc > 1) {
    size_t size = 0;
    const unsigned char* bytes = mblob_module_payload(tree, strtoul(argv[1], NULL, 10), &size);
    fwrite(bytes, 1, size, stdout);
  } else {
    printf("%s: %s layout, %zu modules, model_add(20, 22) = %d\n", MODEL_PATH,
           mblob_tree_layout(tree), count, model_add(20, 22));
    for (size_t i = 0; i < count; ++i) {
      size_t size = 0;
      mblob_module_payload(tree, i, &size);
      printf("%zu %s %zu bytes\n", i, mblob_module_kind(tree, i, NULL), size);
    }
  }
  mblob_close(tree);
  return 0;
}
