// Walkers for TVM's legacy module kinds: each follows one kind's SaveToBinary.
//
// TVM writes these streams with dmlc::Stream, little-endian on every host mblob supports:
//   str          len: u64, then len bytes
//   vec<T>       count: u64, then count x T (a POD T is written as its raw bytes)
//   map<K, V>    count: u64, then count x (K, V)
//   FunctionInfo name: str, arg_types: vec<DLDataType (4 bytes)>, launch_param_tags: vec<str>,
//                and, in later TVM, arg_extra_tags: vec<int32>
//   NDArray      magic: u64 = 0xDD5E40F096B4A13F, reserved: u64, device: 2 x i32, ndim: i32,
//                dtype: 4 bytes, shape: ndim x i64, data_bytes: i64, data_bytes bytes
// The per-kind layouts (and the TVM files they follow) are in docs/format.md, "Legacy module
// kinds". A walker skips every byte it does not need; every count is checked against the bytes
// left (given its elements' smallest encoding) before it is used, so nothing is allocated and no
// loop runs longer than the input allows.
#include "mblob/format/legacy_kinds.h"

#include <algorithm>

namespace mblob {

namespace {

constexpr std::uint64_t kNDArrayMagic = 0xDD5E40F096B4A13FULL;
// Smallest encodings, for bounding counts before looping.
constexpr std::uint64_t kMinStr = 8;
constexpr std::uint64_t kMinFunctionInfo = 8 + 8 + 8;          // name, arg_types, tags (all empty)
constexpr std::uint64_t kMinFmapEntry = 8 + kMinFunctionInfo;  // key + FunctionInfo
constexpr std::uint64_t kMinShaderEntry = 8 + 4 + 8;           // key + flag + empty data
constexpr std::uint64_t kMinNDArray = 8 + 8 + 8 + 4 + 4 + 8;   // header .. data_bytes, ndim 0

// `count: u64`, refused when `count` elements of at least `min_bytes` each cannot fit.
std::uint64_t read_count(Reader& r, std::uint64_t min_bytes, const std::string& what) {
  std::size_t at = r.offset();
  std::uint64_t n = r.u64le(what.c_str());
  if (n > r.remaining() / min_bytes) {
    r.fail_at(at, what + " claims " + std::to_string(n) + " elements of at least " +
                      std::to_string(min_bytes) + " bytes each, but only " +
                      std::to_string(r.remaining()) + " bytes remain");
  }
  return n;
}

void skip_str(Reader& r, const char* what) { r.length_prefixed(what); }

void skip_str_vec(Reader& r, const char* what) {
  std::uint64_t n = read_count(r, kMinStr, std::string(what) + " count");
  for (std::uint64_t i = 0; i < n; ++i) skip_str(r, what);
}

// vec<T> of a POD T of `size` bytes.
void skip_pod_vec(Reader& r, std::uint64_t size, const char* what) {
  std::uint64_t n = read_count(r, size, std::string(what) + " count");
  r.bytes(n * size, what);  // n <= remaining / size: the product cannot overflow
}

void skip_function_info(Reader& r, bool extra_tags) {
  skip_str(r, "function name");
  skip_pod_vec(r, 4, "function arg_types");
  skip_str_vec(r, "function launch_param_tags");
  if (extra_tags) skip_pod_vec(r, 4, "function arg_extra_tags");
}

// map<str, FunctionInfo>.
void skip_fmap(Reader& r, bool extra_tags) {
  std::uint64_t n = read_count(r, kMinFmapEntry, "function table (fmap) count");
  for (std::uint64_t i = 0; i < n; ++i) {
    skip_str(r, "function table key");
    skip_function_info(r, extra_tags);
  }
}

// map<str, SPIRVShader>; SPIRVShader = flag: u32, data: vec<u32>.
void skip_shader_map(Reader& r) {
  std::uint64_t n = read_count(r, kMinShaderEntry, "shader map count");
  for (std::uint64_t i = 0; i < n; ++i) {
    skip_str(r, "shader name");
    r.u32(Endian::little, "shader flag");
    skip_pod_vec(r, 4, "shader SPIR-V words");
  }
}

void skip_ndarray(Reader& r) {
  std::size_t at = r.offset();
  std::uint64_t magic = r.u64le("NDArray magic");
  if (magic != kNDArrayMagic) {
    r.fail_at(at, "NDArray magic is 0x" + hex16(magic) + ", not 0x" + hex16(kNDArrayMagic));
  }
  r.u64le("NDArray reserved");
  r.bytes(8, "NDArray device");
  std::size_t ndim_at = r.offset();
  auto ndim = static_cast<std::int32_t>(r.u32(Endian::little, "NDArray ndim"));
  if (ndim < 0) r.fail_at(ndim_at, "NDArray ndim is negative (" + std::to_string(ndim) + ")");
  r.bytes(4, "NDArray dtype");
  r.bytes(static_cast<std::uint64_t>(ndim) * 8, "NDArray shape");
  std::size_t size_at = r.offset();
  auto data_bytes = static_cast<std::int64_t>(r.u64le("NDArray data size"));
  if (data_bytes < 0) {
    r.fail_at(size_at, "NDArray data size is negative (" + std::to_string(data_bytes) + ")");
  }
  r.bytes(static_cast<std::uint64_t>(data_bytes), "NDArray data");
}

// A `u64` that TVM's loader checks against the length of a vector read just before.
std::uint64_t read_matching_count(Reader& r, std::uint64_t expected, std::uint64_t min_bytes,
                                  const char* what, const char* vector_name) {
  std::size_t at = r.offset();
  std::uint64_t n = read_count(r, min_bytes, what);
  if (n != expected) {
    r.fail_at(at, std::string(what) + " is " + std::to_string(n) + ", but " + vector_name +
                      " has " + std::to_string(expected) + " entries");
  }
  return n;
}

// const_loader and metadata: variables: vec<str>; count: u64 (== variables); count x NDArray;
// symbols: vec<str>; count: u64 (== symbols); count x vec<str>.
void walk_const_loader(Reader& r) {
  std::uint64_t vars = read_count(r, kMinStr, "constant names count");
  for (std::uint64_t i = 0; i < vars; ++i) skip_str(r, "constant name");
  std::uint64_t arrays =
      read_matching_count(r, vars, kMinNDArray, "constant count", "the constant names");
  for (std::uint64_t i = 0; i < arrays; ++i) skip_ndarray(r);
  std::uint64_t symbols = read_count(r, kMinStr, "symbol names count");
  for (std::uint64_t i = 0; i < symbols; ++i) skip_str(r, "symbol name");
  std::uint64_t lists =
      read_matching_count(r, symbols, kMinStr, "symbol constant-list count", "the symbol names");
  for (std::uint64_t i = 0; i < lists; ++i) skip_str_vec(r, "constant name");
}

// cuda, opencl, hip/hsaco (ROCm), hexagon, and Metal before its version string:
// fmt: str; fmap: map<str, FunctionInfo>; data: str.
template <bool kExtraTags>
void walk_fmt_fmap_data(Reader& r) {
  skip_str(r, "format string");
  skip_fmap(r, kExtraTags);
  skip_str(r, "module data");
}

// vulkan: fmt: str; fmap; shaders: map<str, SPIRVShader>.
template <bool kExtraTags>
void walk_vulkan(Reader& r) {
  skip_str(r, "format string");
  skip_fmap(r, kExtraTags);
  skip_shader_map(r);
}

// opencl built as SPIR-V (its node reports kind "opencl"): fmap; shaders.
template <bool kExtraTags>
void walk_opencl_spirv(Reader& r) {
  skip_fmap(r, kExtraTags);
  skip_shader_map(r);
}

// metal with a version string: version: str; smap: map<str, str>; fmap; fmt: str.
template <bool kExtraTags>
void walk_metal_versioned(Reader& r) {
  skip_str(r, "metal module version");
  std::uint64_t n = read_count(r, 2 * kMinStr, "metal source map count");
  for (std::uint64_t i = 0; i < n; ++i) {
    skip_str(r, "metal function name");
    skip_str(r, "metal source");
  }
  skip_fmap(r, kExtraTags);
  skip_str(r, "format string");
}

#define MBLOB_FMAP_VARIANTS(kind, prefix, fn)                   \
  {kind, prefix "; FunctionInfo with 3 fields", fn<false>}, {   \
    kind, prefix "; FunctionInfo with arg_extra_tags", fn<true> \
  }

}  // namespace

const std::vector<LegacyKindWalker>& legacy_kind_walkers() {
  static const std::vector<LegacyKindWalker> table = {
      {"const_loader", "names, NDArrays, symbols", walk_const_loader},
      {"metadata", "names, NDArrays, symbols", walk_const_loader},
      MBLOB_FMAP_VARIANTS("cuda", "fmt, fmap, data", walk_fmt_fmap_data),
      MBLOB_FMAP_VARIANTS("opencl", "fmt, fmap, data", walk_fmt_fmap_data),
      MBLOB_FMAP_VARIANTS("opencl", "SPIR-V: fmap, shaders", walk_opencl_spirv),
      MBLOB_FMAP_VARIANTS("vulkan", "fmt, fmap, shaders", walk_vulkan),
      MBLOB_FMAP_VARIANTS("metal", "version, sources, fmap, fmt", walk_metal_versioned),
      MBLOB_FMAP_VARIANTS("metal", "fmt, fmap, data", walk_fmt_fmap_data),
      MBLOB_FMAP_VARIANTS("hip", "fmt, fmap, data", walk_fmt_fmap_data),
      MBLOB_FMAP_VARIANTS("hsaco", "fmt, fmap, data", walk_fmt_fmap_data),
      MBLOB_FMAP_VARIANTS("hexagon", "fmt, fmap, data", walk_fmt_fmap_data),
  };
  return table;
}

#undef MBLOB_FMAP_VARIANTS

std::vector<std::string> walkable_legacy_kinds() {
  std::vector<std::string> kinds;
  for (const auto& w : legacy_kind_walkers()) kinds.emplace_back(w.kind);
  std::sort(kinds.begin(), kinds.end());
  kinds.erase(std::unique(kinds.begin(), kinds.end()), kinds.end());
  return kinds;
}

bool is_walkable_legacy_kind(std::string_view kind) {
  for (const auto& w : legacy_kind_walkers()) {
    if (kind == w.kind) return true;
  }
  return false;
}

}  // namespace mblob
