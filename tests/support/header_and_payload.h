// A blob as export serializes it: a header in memory, then a payload file (ByteSource's two
// kinds of piece), for the tests of where a library writer places such a blob.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "mblob/core/byte_source.h"
#include "support/test_support.h"

namespace mblob::test {

struct HeaderAndPayload {
  ByteSource source;                // header_bytes in memory, then dir/payload.bin
  std::vector<std::uint8_t> bytes;  // the whole blob
};

inline HeaderAndPayload header_and_payload(const std::filesystem::path& dir,
                                           std::size_t header_bytes, std::size_t payload_bytes) {
  const auto header = pattern_bytes(header_bytes, 3);
  const auto payload = pattern_bytes(payload_bytes, 9);
  write_bytes(dir / "payload.bin", payload);
  HeaderAndPayload out{ByteSource::from_bytes(header), header};
  out.source.append_file(dir / "payload.bin");
  out.bytes.insert(out.bytes.end(), payload.begin(), payload.end());
  return out;
}

}  // namespace mblob::test
