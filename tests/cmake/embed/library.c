#include <stdint.h>

#include "lib_data.h"

/* The embedded bytes, from inside the library that holds them. */
__attribute__((visibility("default"))) void embedded_bytes(const unsigned char** begin,
                                                           const unsigned char** end,
                                                           uint64_t* size) {
  *begin = lib_data;
  *end = lib_data_end;
  *size = lib_data_size;
}
