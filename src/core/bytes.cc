#include "mblob/core/bytes.h"

#include <cstdio>

namespace mblob {

ByteView ByteView::sub(std::size_t offset, std::size_t count) const {
  if (offset > size_ || count > size_ - offset) {
    throw Error("byte range [" + std::to_string(offset) + ", +" + std::to_string(count) +
                ") is outside a view of " + std::to_string(size_) + " bytes");
  }
  return {data_ + offset, count};
}

bool operator==(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

void Reader::seek(std::size_t offset) {
  if (offset > data_.size()) fail_at(offset, "seek past the end");
  pos_ = offset;
}

void Reader::fail(const std::string& what) const { fail_at(pos_, what); }

void Reader::fail_at(std::size_t offset, const std::string& what) const {
  throw Error::at(where_, base_ + offset, what);
}

void Reader::need(std::uint64_t count, const char* what) const {
  if (count > remaining()) {
    fail(std::string("expected ") + what + " of " + std::to_string(count) + " bytes, but only " +
         std::to_string(remaining()) + " remain");
  }
}

std::uint8_t Reader::u8(const char* what) {
  need(1, what);
  return data_[pos_++];
}

std::uint16_t Reader::u16(Endian e, const char* what) {
  need(2, what);
  auto v = load<std::uint16_t>(data_.data() + pos_, e);
  pos_ += 2;
  return v;
}

std::uint32_t Reader::u32(Endian e, const char* what) {
  need(4, what);
  auto v = load<std::uint32_t>(data_.data() + pos_, e);
  pos_ += 4;
  return v;
}

std::uint64_t Reader::u64(Endian e, const char* what) {
  need(8, what);
  auto v = load<std::uint64_t>(data_.data() + pos_, e);
  pos_ += 8;
  return v;
}

ByteView Reader::bytes(std::uint64_t count, const char* what) {
  need(count, what);
  ByteView v(data_.data() + pos_, static_cast<std::size_t>(count));
  pos_ += static_cast<std::size_t>(count);
  return v;
}

ByteView Reader::length_prefixed(const char* what) {
  std::size_t start = pos_;
  std::uint64_t len = u64le(what);
  if (len > remaining()) {
    fail_at(start, std::string(what) + " claims " + std::to_string(len) + " bytes, but only " +
                       std::to_string(remaining()) + " remain after its length");
  }
  return bytes(len, what);
}

std::vector<std::uint64_t> Reader::vec_u64(const char* what) {
  std::size_t start = pos_;
  std::uint64_t count = u64le(what);
  std::uint64_t nbytes = 0;
  if (mul_overflows(count, 8, &nbytes) || nbytes > remaining()) {
    fail_at(start, std::string(what) + " claims " + std::to_string(count) +
                       " entries (8 bytes each), but only " + std::to_string(remaining()) +
                       " bytes remain");
  }
  std::vector<std::uint64_t> v(static_cast<std::size_t>(count));
  for (auto& x : v) x = u64le(what);
  return v;
}

void Reader::expect_end(const char* what) {
  if (!at_end()) {
    fail(std::to_string(remaining()) + " unexpected trailing bytes after " + what);
  }
}

void ByteWriter::align(std::size_t alignment) {
  while (alignment > 1 && buf_.size() % alignment != 0) buf_.push_back(0);
}

void ByteWriter::str(std::string_view s) { length_prefixed(ByteView(s)); }

void ByteWriter::length_prefixed(ByteView b) {
  std::uint8_t len[8];
  store<std::uint64_t>(len, b.size(), Endian::little);
  buf_.insert(buf_.end(), len, len + 8);
  bytes(b);
}

void ByteWriter::vec_u64(const std::vector<std::uint64_t>& v) {
  std::uint8_t x[8];
  store<std::uint64_t>(x, v.size(), Endian::little);
  buf_.insert(buf_.end(), x, x + 8);
  for (auto e : v) {
    store<std::uint64_t>(x, e, Endian::little);
    buf_.insert(buf_.end(), x, x + 8);
  }
}

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace mblob
