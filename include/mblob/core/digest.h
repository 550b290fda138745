// Digests (xxHash): XXH3-64 of payloads, as shown by `mblob load`, `inspect` and `verify`, and
// XXH3-128 of a whole blob, the integrity digest export writes beside the blob symbol.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "mblob/core/byte_source.h"
#include "mblob/core/bytes.h"

namespace mblob {

std::uint64_t xxh3_64(ByteView data);
// 16 lower-case hex digits.
std::string xxh3_64_hex(ByteView data);

// XXH3-128 (seed 0) in xxHash's canonical form (XXH128_canonicalFromHash): the high 64 bits
// first, then the low 64 bits, each big-endian; the order `xxhsum -H2` prints it in. This is
// the byte order of the <prefix>__mblob_digest symbol, whatever the target's byte order.
using Digest128 = std::array<std::uint8_t, 16>;
Digest128 xxh3_128(ByteView data);
// The same over a ByteSource, streamed in chunks (files read with pread, never mapped or read
// whole). Throws like ByteSource::for_each_chunk when a file changed size.
Digest128 xxh3_128(const ByteSource& data);
// 32 lower-case hex digits, in the canonical byte order.
std::string digest_hex(const Digest128& d);

}  // namespace mblob
