// Digests of payloads (xxHash's XXH3-64), as shown by `mblob load`, `inspect` and `verify`.
#pragma once

#include <cstdint>
#include <string>

#include "mblob/core/bytes.h"

namespace mblob {

std::uint64_t xxh3_64(ByteView data);
// 16 lower-case hex digits.
std::string xxh3_64_hex(ByteView data);

}  // namespace mblob
