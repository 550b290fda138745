#include "report.h"

void embedded_bytes(const unsigned char** begin, const unsigned char** end, uint64_t* size);

int main(int argc, char** argv) {
  const unsigned char* begin;
  const unsigned char* end;
  uint64_t size;
  embedded_bytes(&begin, &end, &size);
  return report(argc, argv, begin, end, size);
}
