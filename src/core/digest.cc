#include "mblob/core/digest.h"

#include <xxhash.h>

namespace mblob {

std::uint64_t xxh3_64(ByteView data) { return XXH3_64bits(data.data(), data.size()); }

std::string xxh3_64_hex(ByteView data) { return hex16(xxh3_64(data)); }

}  // namespace mblob
