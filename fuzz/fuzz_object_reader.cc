// libFuzzer target for the static container readers (object/symbol_search.h: ELF files, COFF
// objects, PE images and ar archives). Every input must either be read, with every symbol's bytes
// inside the input, or throw mblob::Error; anything else (a crash, a sanitizer report, another
// exception type, a symbol outside the file) is a bug.
#include "fuzz_checks.h"

using mblob::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mblob::ByteView file(data, size);
  try {
    auto all = mblob::find_symbols(file, "fuzz", [](std::string_view) { return true; });
    for (const auto& s : all) check(s.offset <= size && s.size <= size - s.offset);
  } catch (const mblob::Error&) {
  }
  mblob::fuzz::check_blob_symbols(file);
  return 0;
}
