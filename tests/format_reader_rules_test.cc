// format: one test per reader rule (docs/format.md, "What the reader refuses"). Each blob is
// written by hand; each test checks the error names what went wrong.
#include <gtest/gtest.h>

#include "mblob/format/reader.h"

namespace mblob {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Blob {
  Bytes body;
  Blob& u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return *this;
  }
  Blob& str(const std::string& s) {
    u64(s.size());
    body.insert(body.end(), s.begin(), s.end());
    return *this;
  }
  Blob& vec(std::initializer_list<std::uint64_t> v) {
    u64(v.size());
    for (auto x : v) u64(x);
    return *this;
  }
  Blob& raw(const Bytes& b) {
    body.insert(body.end(), b.begin(), b.end());
    return *this;
  }
  Bytes symbol() const {  // header + body
    Blob h;
    h.u64(body.size());
    h.raw(body);
    return h.body;
  }
};

// Expects parse_blob to throw an Error whose message contains `needle`.
void expect_refused(const Bytes& symbol, Format f, const std::string& needle) {
  try {
    parse_blob(symbol, f, "test.so: symbol s");
    FAIL() << "accepted a blob that should be refused (" << needle << ")";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(needle), std::string::npos) << "message: " << m;
    EXPECT_NE(m.find("test.so: symbol s"), std::string::npos) << "message: " << m;
    EXPECT_NE(m.find("offset"), std::string::npos) << "message: " << m;
  }
}

Blob valid_ffi() {
  Blob b;
  b.vec({0, 1, 1}).vec({1}).str("_lib").str("cuda").str("ptx");
  return b;
}

TEST(ReaderRules, ValidFfiBlobParses) {
  Bytes symbol = valid_ffi().symbol();  // the parsed views point into these bytes
  ParsedBlob p = parse_blob(symbol, Format::ffi, "t");
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[1].kind, "cuda");
  EXPECT_EQ(p.entries[1].payload.as_string(), "ptx");
}

TEST(ReaderRules, TruncatedHeader) { expect_refused({1, 2, 3}, Format::ffi, "blob header"); }

TEST(ReaderRules, HeaderClaimsMoreBytesThanAvailable) {
  Bytes s = valid_ffi().symbol();
  s.pop_back();  // the body is one byte shorter than the header says
  expect_refused(s, Format::ffi, "claims a body of");
}

TEST(ReaderRules, BytesAfterTheBodyAreNotPartOfTheBlob) {
  // The symbol's extent may be an upper bound (segment end): bytes past nbytes are ignored.
  Bytes s = valid_ffi().symbol();
  s.insert(s.end(), 100, 0xAB);
  EXPECT_EQ(parse_blob(s, Format::ffi, "t").entries.size(), 2u);
}

TEST(ReaderRules, TruncatedBody) {
  Blob b;
  b.vec({0, 0}).u64(0);  // child_indices count, then nothing: the entry's kind is missing
  expect_refused(b.symbol(), Format::ffi, "bytes of entries follow");
}

TEST(ReaderRules, EmptyRowPtr) {
  Blob b;
  b.vec({}).vec({});
  expect_refused(b.symbol(), Format::ffi, "row_ptr is empty");
}

TEST(ReaderRules, RowPtrWithNoModules) {
  Blob b;
  b.vec({0}).vec({});
  expect_refused(b.symbol(), Format::ffi, "no modules");
}

TEST(ReaderRules, RowPtrMustStartAtZero) {
  Blob b;
  b.vec({1, 1}).vec({}).str("_lib");
  expect_refused(b.symbol(), Format::ffi, "row_ptr[0]");
}

TEST(ReaderRules, RowPtrMustNotDecrease) {
  Blob b;
  b.vec({0, 2, 1, 2}).vec({1, 2}).str("_lib").str("a").str("x").str("b").str("y");
  expect_refused(b.symbol(), Format::ffi, "decreases");
}

TEST(ReaderRules, RowPtrMustEndAtChildCount) {
  Blob b;
  b.vec({0, 1, 1}).vec({1, 1}).str("_lib").str("a").str("x");
  expect_refused(b.symbol(), Format::ffi, "ends at 1 but there are 2 child indices");
}

TEST(ReaderRules, ChildIndexOutOfRange) {
  Blob b;
  b.vec({0, 1, 1}).vec({7}).str("_lib").str("a").str("x");
  expect_refused(b.symbol(), Format::ffi, "only 2 modules");
}

TEST(ReaderRules, ChildMustComeAfterParent) {
  Blob b;
  b.vec({0, 1, 2}).vec({1, 0}).str("_lib").str("a").str("x");  // module 1 imports module 0
  expect_refused(b.symbol(), Format::ffi, "back edge");
}

TEST(ReaderRules, SelfImportIsABackEdge) {
  Blob b;
  b.vec({0, 1, 2}).vec({1, 1}).str("_lib").str("a").str("x");
  expect_refused(b.symbol(), Format::ffi, "back edge");
}

TEST(ReaderRules, KindLengthPastEnd) {
  Blob b;
  b.vec({0, 0}).vec({}).u64(1000).raw({'a', 'b'});
  expect_refused(b.symbol(), Format::ffi, "module kind claims 1000 bytes");
}

TEST(ReaderRules, PayloadLengthPastEnd) {
  // tvm-ffi would load this payload padded with zeros; mblob refuses it.
  Blob b;
  b.vec({0, 0}).vec({}).str("cuda").u64(10).raw({'p', 't', 'x'});
  expect_refused(b.symbol(), Format::ffi, "module payload claims 10 bytes");
}

TEST(ReaderRules, EmptyKind) {
  Blob b;
  b.vec({0, 0}).vec({}).str("").str("x");
  expect_refused(b.symbol(), Format::ffi, "kind is empty");
}

TEST(ReaderRules, MoreThanOneLibFfi) {
  Blob b;
  b.vec({0, 1, 1}).vec({1}).str("_lib").str("_lib");
  expect_refused(b.symbol(), Format::ffi, "more than one \"_lib\"");
}

TEST(ReaderRules, MoreThanOneLibLegacy) {
  Blob b;
  b.u64(3).str("_lib").str("_lib").str("_import_tree").vec({0, 1, 1}).vec({1});
  expect_refused(b.symbol(), Format::legacy, "more than one \"_lib\"");
}

TEST(ReaderRules, AbsurdRowPtrCountAllocatesNothing) {
  Blob b;
  b.u64(0x1fffffffffffffffull);  // row_ptr count: 8 x count overflows 64 bits
  expect_refused(b.symbol(), Format::ffi, "row_ptr claims");
}

TEST(ReaderRules, AbsurdModuleCountAllocatesNothing) {
  Blob b;
  b.u64(1000000).raw(Bytes(64, 0));  // plausible-looking count, but the bytes are not there
  expect_refused(b.symbol(), Format::ffi, "row_ptr claims 1000000 entries");
}

TEST(ReaderRules, AbsurdLegacyEntryCount) {
  Blob b;
  b.u64(1ull << 60).str("_lib");
  expect_refused(b.symbol(), Format::legacy, "entry count");
}

TEST(ReaderRules, TrailingGarbageFfi) {
  Blob b = valid_ffi();
  b.raw({0xde, 0xad});
  expect_refused(b.symbol(), Format::ffi, "trailing bytes");
}

TEST(ReaderRules, TrailingGarbageLegacy) {
  Blob b;
  b.u64(0).raw({0xde, 0xad});
  expect_refused(b.symbol(), Format::legacy, "trailing bytes");
}

TEST(ReaderRules, ImportTreeIsNotAKindInFfi) {
  Blob b;
  b.vec({0, 0}).vec({}).str("_import_tree").str("x");
  expect_refused(b.symbol(), Format::ffi, "_import_tree");
}

TEST(ReaderRules, LegacySecondImportTree) {
  Blob b;
  b.u64(3)
      .str("_lib")
      .str("_import_tree")
      .vec({0, 0})
      .vec({})
      .str("_import_tree")
      .vec({0, 0})
      .vec({});
  expect_refused(b.symbol(), Format::legacy, "more than one \"_import_tree\"");
}

TEST(ReaderRules, LegacyImportTreeMustMatchModuleCount) {
  Blob b;
  b.u64(2).str("_lib").str("_import_tree").vec({0, 0, 0}).vec({});
  expect_refused(b.symbol(), Format::legacy, "3 entries for 1 modules");
}

TEST(ReaderRules, LegacyEmptyKind) {
  Blob b;
  b.u64(1).str("").str("x");
  expect_refused(b.symbol(), Format::legacy, "kind is empty");
}

TEST(ReaderRules, LegacyKindLengthPastEnd) {
  Blob b;
  b.u64(1).u64(500).raw({'c', 'u'});
  expect_refused(b.symbol(), Format::legacy, "module kind claims 500 bytes");
}

TEST(ReaderRules, LegacyPayloadLengthPastEnd) {
  Blob b;
  b.u64(1).str("cuda").u64(99).raw({'p'});
  expect_refused(b.symbol(), Format::legacy, "module payload claims 99 bytes");
}

TEST(ReaderRules, LegacyBackEdgeInImportTree) {
  Blob b;
  b.u64(3).str("_lib").str("cuda").str("ptx").str("_import_tree").vec({0, 0, 1}).vec({0});
  expect_refused(b.symbol(), Format::legacy, "back edge");
}

TEST(ReaderRules, LegacyLibWithoutImportTree) {
  Blob b;
  b.u64(1).str("_lib");
  expect_refused(b.symbol(), Format::legacy, "without an \"_import_tree\"");
}

TEST(ReaderRules, LegacyImportTreeMayStandAnywhere) {
  Blob b;
  b.u64(3).str("_import_tree").vec({0, 1, 1}).vec({1}).str("_lib").str("cuda").str("ptx");
  Bytes symbol = b.symbol();
  ParsedBlob p = parse_blob(symbol, Format::legacy, "t");
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_TRUE(p.entries[0].is_lib());
  EXPECT_EQ(p.entries[1].payload.as_string(), "ptx");
}

TEST(ReaderRules, LegacyWithoutImportTreeRootIsTheLibraryImportingEveryEntry) {
  Blob b;
  b.u64(2).str("cuda").str("ptx").str("opencl").str("cl");
  Bytes symbol = b.symbol();
  ParsedBlob p = parse_blob(symbol, Format::legacy, "t");
  EXPECT_TRUE(p.implicit_root);
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_TRUE(p.entries[0].is_lib());
  EXPECT_EQ(p.imports_of(0), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(p.entries[2].kind, "opencl");
}

TEST(ReaderRules, LegacyCountZeroIsTheLibraryAlone) {
  Blob b;
  b.u64(0);
  Bytes symbol = b.symbol();
  ParsedBlob p = parse_blob(symbol, Format::legacy, "t");
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_TRUE(p.entries[0].is_lib());
}

TEST(ReaderRules, LegacyPayloadFunctionStopsTheWalk) {
  Blob b;
  b.u64(2).str("_lib").str("mystery").raw({1, 2, 3});
  try {
    parse_blob(b.symbol(), Format::legacy, "t", [](std::string_view kind, Reader&) -> ByteView {
      throw Error("no loader for " + std::string(kind));
    });
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mystery"), std::string::npos);
  }
}

TEST(ReaderRules, LegacyStreamPayloadIsBoundedByTheBody) {
  // A raw (TVM-style) payload: the callback consumes exactly 3 bytes; it cannot read past the
  // body even if it tries.
  Blob b;
  b.u64(2).str("_lib").str("raw").raw({7, 8, 9}).str("_import_tree");
  b.vec({0, 1, 1}).vec({1});
  Blob fixed;
  fixed.u64(3).raw(Bytes(b.body.begin() + 8, b.body.end()));
  Bytes symbol = fixed.symbol();
  ParsedBlob p = parse_blob(symbol, Format::legacy, "t",
                            [](std::string_view, Reader& r) { return r.bytes(3); });
  EXPECT_EQ(p.entries[1].payload.to_vector(), (Bytes{7, 8, 9}));
  EXPECT_THROW(parse_blob(fixed.symbol(), Format::legacy, "t",
                          [](std::string_view, Reader& r) { return r.bytes(1u << 20); }),
               Error);
}

}  // namespace
}  // namespace mblob
