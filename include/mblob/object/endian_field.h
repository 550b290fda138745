// Endian-aware unaligned integer fields for on-disk structures (ELF, COFF): a struct of these
// mirrors the file byte for byte, has alignment 1 (it can be read at any offset of a buffer),
// and reads and writes its fields in the container's byte order with no swapping at the call
// site.
#pragma once

#include <cstdint>

#include "mblob/core/bytes.h"

namespace mblob {

template <typename T, Endian Order>
class EndianField {
 public:
  EndianField() = default;
  EndianField(T v) { *this = v; }  // NOLINT: implicit, like the plain integer it stands for
  EndianField& operator=(T v) {
    store<T>(bytes_, v, Order);
    return *this;
  }
  operator T() const { return load<T>(bytes_, Order); }  // NOLINT

 private:
  std::uint8_t bytes_[sizeof(T)] = {};
};

}  // namespace mblob
