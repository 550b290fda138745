// libFuzzer target for one blob layout (chosen at compile time): the input is a blob symbol's
// bytes. Every input must either parse into a consistent tree or throw mblob::Error; anything
// else (a crash, a sanitizer report, another exception type, an inconsistent tree) is a bug.
#include <cstdlib>

#include "mblob/format/reader.h"
#include "mblob/runtime/module.h"

namespace {

#if defined(MBLOB_FUZZ_LAYOUT_ffi)
constexpr mblob::Format kFormat = mblob::Format::ffi;
#else
constexpr mblob::Format kFormat = mblob::Format::legacy;
#endif

void check(bool ok) {
  if (!ok) std::abort();
}

void check_tree(const mblob::ParsedBlob& p, std::size_t input_size) {
  check(!p.entries.empty());
  check(p.row_ptr.size() == p.entries.size() + 1);
  check(p.blob_bytes <= input_size);
  for (std::size_t i = 0; i < p.entries.size(); ++i) {
    for (auto c : p.imports_of(i)) check(c > i && c < p.entries.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mblob::ByteView input(data, size);
  // 1. The reader alone, with the default legacy reading (kind walkers, then mblob's prefix).
  try {
    check_tree(mblob::parse_blob(input, kFormat, "fuzz"), size);
  } catch (const mblob::Error&) {
  }
  // 2. The reader with a TVM-style stream consumer (legacy): it reads a string and a vector.
  if (kFormat == mblob::Format::legacy) {
    try {
      auto p = mblob::parse_blob(input, kFormat, "fuzz", [](std::string_view, mblob::Reader& r) {
        std::size_t start = r.offset();
        r.str("fmt");
        r.vec_u64("shape");
        return r.data().sub(start, r.offset() - start);
      });
      check_tree(p, size);
    } catch (const mblob::Error&) {
    }
  }
  // 3. The whole runtime path: tree building with opaque modules.
  try {
    mblob::LoadOptions opts;
    opts.opaque_unknown_kinds = true;
    auto tree = mblob::deserialize_tree(input, kFormat, opts);
    check(tree.root != nullptr && tree.root == tree.modules.front());
    for (const auto& m : tree.modules) {
      for (std::size_t i = 0; i < m->payload().size(); ++i) (void)m->payload()[i];
    }
  } catch (const mblob::Error&) {
  }
  return 0;
}
