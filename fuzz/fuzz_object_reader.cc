// libFuzzer target for the static container readers (object/symbol_search.h: ELF files, COFF
// objects, PE images and ar archives). Every input must either be read, with every symbol's bytes
// inside the input, or throw mblob::Error; anything else (a crash, a sanitizer report, another
// exception type, a symbol outside the file) is a bug.
#include <cstdlib>

#include "mblob/core/error.h"
#include "mblob/object/symbol_search.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mblob::ByteView file(data, size);
  try {
    auto all = mblob::find_symbols(file, "fuzz", [](std::string_view) { return true; });
    for (const auto& s : all) check(s.offset <= size && s.size <= size - s.offset);
  } catch (const mblob::Error&) {
  }
  try {
    for (const auto& b : mblob::find_blob_symbols(file, "fuzz")) {
      check(b.location.offset <= size && b.location.size <= size - b.location.offset);
      check(b.prefix + b.base == b.location.c_name());
    }
  } catch (const mblob::Error&) {
  }
  return 0;
}
