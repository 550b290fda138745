/* Prints "size=N cksum=C last=B" for N bytes at p: C is the POSIX cksum CRC (what `cksum`
 * prints for the file), B the last byte. With "--last" only the size and the last byte (a
 * multi-GiB file is not read through). Exit 1 when end - p is not the size. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t posix_cksum(const unsigned char* p, uint64_t n) {
  static uint32_t table[256];
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i << 24;
    for (int k = 0; k < 8; ++k) c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
    table[i] = c;
  }
  uint32_t crc = 0;
  for (uint64_t i = 0; i < n; ++i) crc = (crc << 8) ^ table[(crc >> 24) ^ p[i]];
  for (uint64_t len = n; len != 0; len >>= 8) crc = (crc << 8) ^ table[(crc >> 24) ^ (len & 0xff)];
  return ~crc;
}

static int report(int argc, char** argv, const unsigned char* p, const unsigned char* end,
                  uint64_t size) {
  if ((uint64_t)(end - p) != size) {
    printf("end - start = %llu but size = %llu\n", (unsigned long long)(end - p),
           (unsigned long long)size);
    return 1;
  }
  int last_only = argc > 1 && strcmp(argv[1], "--last") == 0;
  printf("size=%llu", (unsigned long long)size);
  if (!last_only) printf(" cksum=%lu", (unsigned long)posix_cksum(p, size));
  printf(" last=%d\n", size ? p[size - 1] : -1);
  return 0;
}
