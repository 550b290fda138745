// Blob reader for both layouts.
//
// Common header (both layouts), at the start of the blob symbol:
//   nbytes : u64 LE          size of the body that follows
//   body   : nbytes bytes
// Inside the body every integer is a little-endian u64; `str`/`bytes` are `len: u64` + raw bytes;
// `vec<u64>` is `count: u64` + count x u64.
//
// ffi layout body:
//   row_ptr       : vec<u64>   n + 1 entries (n modules), row_ptr[0] = 0, non-decreasing
//   child_indices : vec<u64>   row_ptr[n] entries
//   n x { kind: str; if kind != "_lib": payload: bytes }
//
// legacy layout body:
//   count : u64                number of entries, "_import_tree" included
//   count x { kind: str; then
//             "_lib"         -> nothing
//             "_import_tree" -> row_ptr: vec<u64>, child_indices: vec<u64>
//             other          -> the module's own bytes, consumed by its loader (not prefixed) }
//   Without "_import_tree" the root is the library and every entry is one of its imports.
//
// Rules enforced here beyond what TVM's readers check (docs/format.md lists them all): the
// header fits; row_ptr is non-empty, starts at 0, is monotonic and ends at the child count;
// children are in range and after their parent; at most one "_lib" and one "_import_tree";
// kinds are non-empty; every length fits; nothing follows the last entry.
#include "mblob/format/reader.h"

#include "mblob/core/text.h"
#include "mblob/format/legacy_kinds.h"

namespace mblob {

namespace {

std::string read_kind(Reader& r) {
  std::size_t at = r.offset();
  std::string_view kind = r.str("module kind");
  if (kind.empty()) r.fail_at(at, "module kind is empty");
  return std::string(kind);
}

// One way to read a legacy payload: where it ends, and the view a loader gets.
struct PayloadReading {
  std::size_t end;
  ByteView payload;
};

// An error's message without the "<where>: " that Reader puts in front (for nesting it).
std::string what_without_where(const Error& e, const Reader& r) {
  std::string m = e.what();
  std::string prefix = r.where() + ": ";
  if (m.compare(0, prefix.size(), prefix) == 0) m.erase(0, prefix.size());
  return m;
}

// True at the end of `data`, or where something shaped like a module kind starts: a length of
// 1..kMaxKindShape, then that many printable ASCII bytes.
bool looks_like_entry_boundary(ByteView data, std::size_t at) {
  constexpr std::uint64_t kMaxKindShape = 256;
  if (at == data.size()) return true;
  if (data.size() - at < 8) return false;
  auto len = load<std::uint64_t>(data.data() + at, Endian::little);
  if (len == 0 || len > kMaxKindShape || len > data.size() - at - 8) return false;
  for (std::size_t i = 0; i < len; ++i) {
    std::uint8_t c = data[at + 8 + i];
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Every reading of the payload at `stream`'s position that fits: the kind's walkers, in table
// order, then mblob's length prefix. Errors of the readings that fail go to `walker_error`
// (the first walker's) and `prefix_error`.
std::vector<PayloadReading> payload_readings(std::string_view kind, const Reader& stream,
                                             std::string& walker_error, std::string& prefix_error) {
  std::vector<PayloadReading> readings;
  const std::size_t start = stream.offset();
  for (const auto& w : legacy_kind_walkers()) {
    if (kind != w.kind) continue;
    Reader r = stream;
    try {
      w.walk(r);
      readings.push_back({r.offset(), r.data().sub(start, r.offset() - start)});
    } catch (const Error& e) {
      if (walker_error.empty()) {
        walker_error = std::string(w.variant) + ": " + what_without_where(e, stream);
      }
    }
  }
  // mblob's length prefix, read without a copy of the reader: u64 length, then the bytes.
  if (stream.remaining() < 8) {
    prefix_error = "only " + std::to_string(stream.remaining()) + " bytes left for a length";
  } else {
    auto len = load<std::uint64_t>(stream.data().data() + start, Endian::little);
    std::size_t left = stream.remaining() - 8;
    if (len > left) {
      prefix_error = "module payload claims " + std::to_string(len) + " bytes, but only " +
                     std::to_string(left) + " remain after its length";
    } else {
      auto n = static_cast<std::size_t>(len);
      readings.push_back({start + 8 + n, stream.data().sub(start + 8, n)});
    }
  }
  return readings;
}

// Appends the modules read so far to an error inside a legacy entry: without lengths in front
// of payloads, a wrong reading of an earlier module only shows up later.
// Only the last kMaxListed are named: a blob may hold millions of modules.
[[noreturn]] void rethrow_with_modules_read(const Error& e, const std::vector<BlobEntry>& read) {
  constexpr std::size_t kMaxListed = 8;
  std::string m = std::string(e.what()) + "; modules read before it: ";
  if (read.empty()) m += "none";
  std::size_t first = read.size() > kMaxListed ? read.size() - kMaxListed : 0;
  if (first > 0) m += std::to_string(first) + " more, then ";
  for (std::size_t i = first; i < read.size(); ++i) {
    if (i > first) m += ", ";
    m += "\"" + printable(read[i].kind) + "\" at offset " + std::to_string(read[i].offset);
    if (!read[i].is_lib()) m += " (" + std::to_string(read[i].payload.size()) + " bytes)";
  }
  throw Error(m);
}

}  // namespace

ByteView read_self_delimited_payload(std::string_view /*kind*/, Reader& stream) {
  return stream.length_prefixed("module payload");
}

ByteView read_legacy_payload(std::string_view kind, Reader& stream) {
  std::string walker_error;
  std::string prefix_error;
  std::vector<PayloadReading> readings = payload_readings(kind, stream, walker_error, prefix_error);
  if (readings.empty()) {
    std::string k = "module kind \"" + printable(std::string(kind)) + "\"";
    if (!walker_error.empty()) {
      stream.fail(k + ": the payload is neither a " + printable(std::string(kind)) +
                  " stream as TVM writes it (" + walker_error +
                  ") nor a length-prefixed payload (" + prefix_error + ")");
    }
    stream.fail(k + ": mblob has no walker for this kind and the payload is not length-prefixed (" +
                prefix_error + "), so the walk cannot go past it; mblob can walk the TVM " +
                "streams of: " + join(walkable_legacy_kinds()));
  }
  const PayloadReading* pick = &readings.front();
  for (const auto& reading : readings) {
    if (looks_like_entry_boundary(stream.data(), reading.end)) {
      pick = &reading;
      break;
    }
  }
  stream.seek(pick->end);
  return pick->payload;
}

void validate_import_tree(const std::vector<std::uint64_t>& row_ptr,
                          const std::vector<std::uint64_t>& child_indices, std::size_t n,
                          const std::string& where, std::uint64_t offset) {
  auto fail = [&](const std::string& what) { throw Error::at(where, offset, what); };
  if (row_ptr.empty()) fail("import tree row_ptr is empty (it needs one entry per module, plus 1)");
  if (row_ptr.size() != n + 1) {
    fail("import tree row_ptr has " + std::to_string(row_ptr.size()) + " entries for " +
         std::to_string(n) + " modules (expected " + std::to_string(n + 1) + ")");
  }
  if (row_ptr[0] != 0) fail("import tree row_ptr[0] is " + std::to_string(row_ptr[0]) + ", not 0");
  for (std::size_t i = 1; i < row_ptr.size(); ++i) {
    if (row_ptr[i] < row_ptr[i - 1]) {
      fail("import tree row_ptr decreases at entry " + std::to_string(i) + " (" +
           std::to_string(row_ptr[i - 1]) + " then " + std::to_string(row_ptr[i]) + ")");
    }
  }
  if (row_ptr[n] != child_indices.size()) {
    fail("import tree row_ptr ends at " + std::to_string(row_ptr[n]) + " but there are " +
         std::to_string(child_indices.size()) + " child indices");
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::uint64_t j = row_ptr[i]; j < row_ptr[i + 1]; ++j) {
      std::uint64_t c = child_indices[j];
      if (c >= n) {
        fail("module " + std::to_string(i) + " imports module " + std::to_string(c) +
             ", but there are only " + std::to_string(n) + " modules");
      }
      if (c <= i) {
        fail("module " + std::to_string(i) + " imports module " + std::to_string(c) +
             ": a child must come after its parent (back edge or self-import)");
      }
    }
  }
}

namespace {

// The common header: the body size, which must fit in the symbol. Returns a reader over the
// body (offsets in messages stay relative to the symbol).
Reader read_body(ByteView symbol, const std::string& where, ParsedBlob& out) {
  Reader header(symbol, where);
  std::uint64_t nbytes = header.u64le("blob header (u64 body size)");
  if (nbytes > header.remaining()) {
    header.fail_at(0, "blob header claims a body of " + std::to_string(nbytes) +
                          " bytes, but only " + std::to_string(header.remaining()) +
                          " bytes follow the header");
  }
  out.blob_bytes = 8 + nbytes;
  return Reader(symbol.sub(8, static_cast<std::size_t>(nbytes)), where, 8);
}

// At most one "_lib" entry per blob; `at` is the entry's offset in the body.
class LibCounter {
 public:
  void note(Reader& r, std::uint64_t at) {
    if (++libs_ > 1) r.fail_at(static_cast<std::size_t>(at), "more than one \"_lib\" entry");
  }
  bool any() const { return libs_ > 0; }

 private:
  int libs_ = 0;
};

// ---- ffi layout: the import tree first, then n entries --------------------------------------

// row_ptr and child_indices, checked against the number of modules they describe (bounded by
// the bytes left for entries). Returns that number.
std::size_t read_ffi_import_tree(Reader& r, const std::string& where, ParsedBlob& out) {
  out.row_ptr = r.vec_u64("import tree row_ptr");
  std::size_t tree_end = r.offset();
  out.child_indices = r.vec_u64("import tree child_indices");
  if (out.row_ptr.empty()) {
    r.fail_at(0, "import tree row_ptr is empty (it needs one entry per module, plus 1)");
  }
  std::size_t n = out.row_ptr.size() - 1;
  if (n == 0) r.fail_at(0, "import tree describes no modules (row_ptr = [0])");
  // Each entry needs at least its 8-byte kind length: bound n by the bytes left.
  if (n > r.remaining() / 8) {
    r.fail_at(0, "import tree describes " + std::to_string(n) + " modules, but only " +
                     std::to_string(r.remaining()) + " bytes of entries follow");
  }
  validate_import_tree(out.row_ptr, out.child_indices, n, where, 8 + tree_end);
  return n;
}

// One ffi entry: a kind, then (unless "_lib") a length-prefixed payload.
BlobEntry read_ffi_entry(Reader& r, LibCounter& libs) {
  BlobEntry e;
  e.offset = 8 + r.offset();
  e.kind = read_kind(r);
  if (e.kind == kImportTreeKind) {
    r.fail_at(static_cast<std::size_t>(e.offset - 8),
              "\"_import_tree\" is not a module kind in the ffi layout");
  }
  if (e.is_lib()) {
    libs.note(r, e.offset - 8);
  } else {
    e.payload = r.length_prefixed("module payload");
  }
  return e;
}

void parse_ffi_body(Reader& r, const std::string& where, ParsedBlob& out) {
  std::size_t n = read_ffi_import_tree(r, where, out);
  LibCounter libs;
  out.entries.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.entries.push_back(read_ffi_entry(r, libs));
  r.expect_end("the last module entry");
}

// ---- legacy layout: a count, then entries, "_import_tree" among them -------------------------

struct LegacyWalk {
  LibCounter libs;
  bool have_tree = false;
  std::uint64_t tree_offset = 0;  // in the symbol
};

// One legacy entry: the import tree (kept in `out`), "_lib", or a module whose payload
// `legacy_payload` delimits.
void read_legacy_entry(Reader& r, const std::string& where, const LegacyPayloadFn& legacy_payload,
                       LegacyWalk& walk, ParsedBlob& out) {
  std::size_t at = r.offset();
  std::string kind = read_kind(r);
  if (kind == kImportTreeKind) {
    if (walk.have_tree) r.fail_at(at, "more than one \"_import_tree\" entry");
    walk.have_tree = true;
    walk.tree_offset = 8 + at;
    out.row_ptr = r.vec_u64("import tree row_ptr");
    out.child_indices = r.vec_u64("import tree child_indices");
    return;
  }
  BlobEntry e;
  e.offset = 8 + at;
  e.kind = std::move(kind);
  if (e.is_lib()) {
    walk.libs.note(r, at);
  } else {
    std::size_t start = r.offset();
    // The payload function sees only the rest of the body and must consume its module.
    Reader sub(r.data().sub(start, r.remaining()), where, 8 + start);
    e.payload = legacy_payload(e.kind, sub);
    r.seek(start + sub.offset());
  }
  out.entries.push_back(std::move(e));
}

// No import tree: the library is the root and imports every entry in order.
void add_implicit_root(ParsedBlob& out) {
  out.implicit_root = true;
  BlobEntry root;
  root.kind = std::string(kLibKind);
  root.offset = 8;
  out.entries.insert(out.entries.begin(), std::move(root));
  std::size_t n = out.entries.size();
  out.row_ptr.assign(n + 1, n - 1);
  out.row_ptr[0] = 0;
  out.child_indices.clear();
  for (std::size_t i = 1; i < n; ++i) out.child_indices.push_back(i);
}

void parse_legacy_body(Reader& r, const std::string& where, const LegacyPayloadFn& legacy_payload,
                       ParsedBlob& out) {
  std::uint64_t count = r.u64le("entry count");
  if (count > r.remaining() / 8) {
    r.fail_at(0, "entry count " + std::to_string(count) + " is impossible: only " +
                     std::to_string(r.remaining()) + " bytes of entries follow");
  }
  LegacyWalk walk;
  try {
    for (std::uint64_t i = 0; i < count; ++i)
      read_legacy_entry(r, where, legacy_payload, walk, out);
    r.expect_end("the last module entry");
  } catch (const Error& e) {
    rethrow_with_modules_read(e, out.entries);
  }

  if (walk.have_tree) {
    if (out.entries.empty()) {
      throw Error::at(where, walk.tree_offset, "import tree present but the blob holds no modules");
    }
    validate_import_tree(out.row_ptr, out.child_indices, out.entries.size(), where,
                         walk.tree_offset);
    return;
  }
  if (walk.libs.any()) {
    throw Error::at(where, 8, "\"_lib\" entry without an \"_import_tree\" entry");
  }
  add_implicit_root(out);
}

}  // namespace

ParsedBlob parse_blob(ByteView symbol, Format format, const std::string& where,
                      const LegacyPayloadFn& legacy_payload) {
  ParsedBlob out;
  out.format = format;
  Reader body = read_body(symbol, where, out);
  if (format == Format::ffi) {
    parse_ffi_body(body, where, out);
  } else {
    parse_legacy_body(body, where, legacy_payload, out);
  }
  return out;
}

}  // namespace mblob
