// Real shared libraries for the runtime tests: C sources compiled by the system C compiler, with
// blobs as C arrays (the shape TVM's C packer writes). Needs only mblob_runtime, so the
// ThreadSanitizer build of the runtime tests can use it too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace mblob::test {

// A C array definition of `bytes` under `symbol`.
std::string c_array(const std::string& symbol, const std::vector<std::uint8_t>& bytes);

// Compiles `c_source` into `dir`/`name`.so (with `extra` arguments appended to the cc command
// line) and returns its path.
fs::path build_so(const TempDir& dir, const std::string& name, const std::string& c_source,
                  const std::vector<std::string>& extra = {});

// A small ffi-layout blob written from the layout's facts (docs/format.md): "_lib" at index 0
// importing one module of `kind` whose payload is `payload`.
std::vector<std::uint8_t> lib_and_one_module_blob(const std::string& kind,
                                                  const std::vector<std::uint8_t>& payload);

}  // namespace mblob::test
