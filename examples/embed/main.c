/* Prints the size of the embedded file on stderr and its bytes on stdout. */
#include <stdio.h>

#include "greeting.h" /* written by mblob_embed(): greeting, greeting_end, greeting_size */

int main(void) {
  fprintf(stderr, "embedded: %llu bytes\n", (unsigned long long)greeting_size);
  /* greeting_end - greeting == greeting_size */
  size_t written = fwrite(greeting, 1, (size_t)(greeting_end - greeting), stdout);
  return written == greeting_size ? 0 : 1;
}
