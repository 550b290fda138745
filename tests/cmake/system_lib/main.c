/* Opens the tree that the linked-in system-lib archive registered under "llama_" and prints
 * "<symbol> <modules>" and one "<kind> <size>" per module. */
#include <stdio.h>

#include "mblob/runtime/mblob.h"

int main(void) {
  char* error = NULL;
  mblob_tree* tree = mblob_open_system_lib("llama_", &error);
  if (!tree) {
    fprintf(stderr, "system_lib_app: %s\n", error);
    mblob_free_error(error);
    return 1;
  }
  const char* symbol = mblob_tree_symbol(tree);
  printf("%s %zu", symbol ? symbol : "none", mblob_module_count(tree));
  for (size_t i = 0; i < mblob_module_count(tree); ++i) {
    size_t size = 0;
    mblob_module_payload(tree, i, &size);
    printf(" %s:%zu", mblob_module_kind(tree, i, NULL), size);
  }
  printf("\n");
  mblob_close(tree);
  return 0;
}
