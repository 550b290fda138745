// libFuzzer target for the Mach-O reader (object/macho_reader.h): thin 64-bit files and
// universal (fat) files, read directly and through find_symbols. Every input must either be
// read, with every symbol's bytes inside the input, or throw mblob::Error; anything else (a
// crash, a sanitizer report, another exception type, a symbol outside the file) is a bug.
#include "fuzz_checks.h"
#include "mblob/object/macho_reader.h"

namespace {

using mblob::fuzz::check;

void read_thin(mblob::ByteView file, std::size_t outer_size, std::uint64_t base) {
  try {
    mblob::macho::MachOFile f(file, "fuzz");
    f.for_each_symbol([](std::string_view) { return true; },
                      [&](const mblob::macho::LocatedSymbol& s) {
                        check(s.offset <= file.size() && s.extent <= file.size() - s.offset);
                        check(base + s.offset + s.extent <= outer_size);
                      });
  } catch (const mblob::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mblob::ByteView file(data, size);
  read_thin(file, size, 0);
  try {
    mblob::macho::for_each_fat_slice(file, "fuzz", [&](const mblob::macho::FatSlice& s) {
      check(s.offset <= size && s.data.size() <= size - s.offset);
      read_thin(s.data, size, s.offset);
    });
  } catch (const mblob::Error&) {
  }
  mblob::fuzz::check_blob_symbols(file);
  return 0;
}
