#include "mblob/core/digest.h"

#include <xxhash.h>

#include <cstring>
#include <memory>

#include "mblob/core/error.h"

namespace mblob {

namespace {

Digest128 canonical(XXH128_hash_t h) {
  XXH128_canonical_t c;
  XXH128_canonicalFromHash(&c, h);
  Digest128 out;
  static_assert(sizeof(c.digest) == out.size());
  std::memcpy(out.data(), c.digest, out.size());
  return out;
}

}  // namespace

std::uint64_t xxh3_64(ByteView data) { return XXH3_64bits(data.data(), data.size()); }

std::string xxh3_64_hex(ByteView data) { return hex16(xxh3_64(data)); }

Digest128 xxh3_128(ByteView data) { return canonical(XXH3_128bits(data.data(), data.size())); }

Digest128 xxh3_128(const ByteSource& data) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(),
                                                                 &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) {
    throw Error("cannot start an XXH3-128 digest (out of memory)");
  }
  data.for_each_chunk(
      [&](ByteView chunk) { XXH3_128bits_update(state.get(), chunk.data(), chunk.size()); });
  return canonical(XXH3_128bits_digest(state.get()));
}

std::string digest_hex(const Digest128& d) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : d) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

}  // namespace mblob
