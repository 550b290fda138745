// What every container fuzz target checks: a failed check aborts (libFuzzer reports it).
#pragma once

#include <cstdlib>

#include "mblob/core/error.h"
#include "mblob/object/symbol_search.h"

namespace mblob::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

// find_blob_symbols on `file` either throws mblob::Error or returns blobs whose bytes lie inside
// the file and whose name is their prefix and base name.
inline void check_blob_symbols(ByteView file) {
  try {
    for (const auto& b : find_blob_symbols(file, "fuzz")) {
      check(b.location.offset <= file.size() && b.location.size <= file.size() - b.location.offset);
      check(b.prefix + b.base == b.location.c_name());
    }
  } catch (const Error&) {
  }
}

}  // namespace mblob::fuzz
