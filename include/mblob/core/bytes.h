// Byte views and bounds-checked, endian-aware readers and writers.
//
// Every parser in mblob reads through Reader: each read checks that the bytes exist (with
// overflow-safe arithmetic) and throws mblob::Error naming the source, the offset and what was
// being read. Counts read from untrusted input are checked against the remaining bytes before
// anything is allocated. Headers here stay C++17-compatible: they ship with mblob_runtime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/error.h"

namespace mblob {

enum class Endian { little, big };

// A non-owning view of bytes (like std::span<const std::uint8_t>, which C++17 lacks).
class ByteView {
 public:
  constexpr ByteView() = default;
  constexpr ByteView(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  ByteView(const void* data, std::size_t size)
      : data_(static_cast<const std::uint8_t*>(data)), size_(size) {}
  explicit ByteView(std::string_view s) : ByteView(s.data(), s.size()) {}
  ByteView(const std::vector<std::uint8_t>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT

  constexpr const std::uint8_t* data() const { return data_; }
  constexpr std::size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr const std::uint8_t* begin() const { return data_; }
  constexpr const std::uint8_t* end() const { return data_ + size_; }
  std::uint8_t operator[](std::size_t i) const { return data_[i]; }

  // Bytes [offset, offset + count); throws Error when that range is not inside the view.
  ByteView sub(std::size_t offset, std::size_t count) const;
  std::string_view as_string() const { return {reinterpret_cast<const char*>(data_), size_}; }
  std::vector<std::uint8_t> to_vector() const { return {data_, data_ + size_}; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

bool operator==(ByteView a, ByteView b);
inline bool operator!=(ByteView a, ByteView b) { return !(a == b); }

// Overflow-safe helpers: return true when the result does not fit (like __builtin_*_overflow).
inline bool add_overflows(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return __builtin_add_overflow(a, b, out);
}
inline bool mul_overflows(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return __builtin_mul_overflow(a, b, out);
}

// Fixed-width integer load/store in either byte order, on unaligned memory.
template <typename T>
T load(const std::uint8_t* p, Endian e) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    std::size_t shift = (e == Endian::little ? i : sizeof(T) - 1 - i) * 8;
    v = static_cast<T>(v | (static_cast<T>(p[i]) << shift));
  }
  return v;
}
template <typename T>
void store(std::uint8_t* p, T v, Endian e) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    std::size_t shift = (e == Endian::little ? i : sizeof(T) - 1 - i) * 8;
    p[i] = static_cast<std::uint8_t>(v >> shift);
  }
}

// A bounds-checked cursor over a ByteView. `where` names the source in error messages
// ("libfoo.so: symbol __tvm_ffi__library_bin"); `base` is added to offsets in messages so they
// can be given relative to a file or symbol rather than to this view.
class Reader {
 public:
  Reader(ByteView data, std::string where, std::uint64_t base = 0)
      : data_(data), where_(std::move(where)), base_(base) {}

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }
  ByteView data() const { return data_; }
  const std::string& where() const { return where_; }

  void seek(std::size_t offset);

  std::uint8_t u8(const char* what = "u8");
  std::uint16_t u16(Endian e, const char* what = "u16");
  std::uint32_t u32(Endian e, const char* what = "u32");
  std::uint64_t u64(Endian e, const char* what = "u64");
  // TVM blob encodings: always little-endian.
  std::uint64_t u64le(const char* what = "u64") { return u64(Endian::little, what); }

  // `count` raw bytes (count is untrusted: checked before anything else).
  ByteView bytes(std::uint64_t count, const char* what = "bytes");
  // `len: u64` then `len` bytes.
  ByteView length_prefixed(const char* what);
  std::string_view str(const char* what) { return length_prefixed(what).as_string(); }
  // `count: u64` then `count` x u64; the count is checked against the bytes left before the
  // vector is allocated.
  std::vector<std::uint64_t> vec_u64(const char* what);

  // Throws unless every byte has been consumed.
  void expect_end(const char* what);

  // Throws Error::at(where, base + offset, what).
  [[noreturn]] void fail(const std::string& what) const;
  [[noreturn]] void fail_at(std::size_t offset, const std::string& what) const;

 private:
  void need(std::uint64_t count, const char* what) const;

  ByteView data_;
  std::string where_;
  std::uint64_t base_ = 0;
  std::size_t pos_ = 0;
};

// An append-only byte buffer with endian-aware writers (for headers, tables and golden data).
class ByteWriter {
 public:
  explicit ByteWriter(Endian e = Endian::little) : endian_(e) {}

  void u8(std::uint8_t v) { buf_.push_back(v); }
  void u16(std::uint16_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void u64(std::uint64_t v) { put(v); }
  void bytes(ByteView b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void bytes(std::string_view s) { bytes(ByteView(s)); }
  void zeros(std::size_t n) { buf_.insert(buf_.end(), n, 0); }
  void align(std::size_t alignment);
  // TVM blob encodings (always little-endian, whatever this writer's byte order).
  void str(std::string_view s);
  void length_prefixed(ByteView b);
  void vec_u64(const std::vector<std::uint64_t>& v);

  std::size_t size() const { return buf_.size(); }
  const std::vector<std::uint8_t>& buffer() const { return buf_; }
  std::vector<std::uint8_t>& buffer() { return buf_; }
  ByteView view() const { return buf_; }
  std::vector<std::uint8_t> take() { return std::move(buf_); }

  // Overwrites an already written field (for sizes known only later).
  template <typename T>
  void patch(std::size_t offset, T v) {
    store<T>(buf_.data() + offset, v, endian_);
  }

 private:
  template <typename T>
  void put(T v) {
    std::uint8_t b[sizeof(T)];
    store<T>(b, v, endian_);
    buf_.insert(buf_.end(), b, b + sizeof(T));
  }
  Endian endian_;
  std::vector<std::uint8_t> buf_;
};

// Lower-case hex of a 64-bit value, 16 digits.
std::string hex16(std::uint64_t v);

}  // namespace mblob
