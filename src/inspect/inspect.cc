// Reading a file's blobs without running it (include/mblob/inspect/inspect.h).
#include "mblob/inspect/inspect.h"

#include <fmt/format.h>

#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/object/elf_headers.h"

namespace mblob {

namespace {

// The blob symbol's bytes: st_size of them, or (st_size 0, as objcopy leaves it) the rest of the
// file, an upper bound the parser reads inside.
ByteView symbol_bytes(ByteView file, const SymbolLocation& loc) {
  std::uint64_t size = loc.size != 0 ? loc.size : file.size() - loc.offset;
  return ByteView(file.data() + loc.offset, static_cast<std::size_t>(size));
}

// Parses one blob; records which legacy payloads were walked as raw TVM streams.
ParsedBlob parse_found(ByteView bytes, const BlobSymbol& s, const std::string& where,
                       std::set<const std::uint8_t*>& raw) {
  LegacyPayloadFn walk = [&](std::string_view kind, Reader& stream) {
    std::size_t start = stream.offset();
    ByteView v = read_legacy_payload(kind, stream);
    // A walked stream's view is everything consumed; a length-prefixed one starts after it.
    if (v.data() == stream.data().data() + start && v.size() == stream.offset() - start) {
      raw.insert(v.data());
    }
    return v;
  };
  return parse_blob(bytes, s.format, where + ": symbol " + printable(s.location.name), walk);
}

// The digest symbol for `s`: <prefix>__mblob_digest, preferably in the same archive member.
const SymbolLocation* digest_for(const BlobSymbol& s, const std::vector<SymbolLocation>& digests) {
  const SymbolLocation* any = nullptr;
  for (const auto& d : digests) {
    if (d.c_name() != s.prefix + symbols::kDigest) continue;
    if (d.member == s.location.member) return &d;
    if (any == nullptr) any = &d;
  }
  return any;
}

void check_digest(ByteView file, FoundBlob& b, const std::vector<SymbolLocation>& digests) {
  b.computed = xxh3_128(ByteView(file.data() + b.symbol.location.offset,
                                 static_cast<std::size_t>(b.blob.blob_bytes)));
  const SymbolLocation* d = digest_for(b.symbol, digests);
  if (d == nullptr) {
    b.digest = DigestStatus::absent;
    return;
  }
  // A size that is an extent (COFF, PE, Mach-O record none) bounds the 16 bytes from above.
  if (d->size_is_extent ? d->size < b.computed.size() : d->size != b.computed.size()) {
    b.digest = DigestStatus::mismatch;
    b.digest_problem = fmt::format("the digest symbol {} has {} bytes, not 16", d->name, d->size);
    return;
  }
  Digest128 stored;
  std::copy_n(file.data() + d->offset, stored.size(), stored.begin());
  b.stored = stored;
  if (stored == b.computed) {
    b.digest = DigestStatus::ok;
  } else {
    b.digest = DigestStatus::mismatch;
    b.digest_problem = fmt::format("the digest symbol {} holds {}, but the blob's XXH3-128 is {}",
                                   d->name, digest_hex(stored), digest_hex(b.computed));
  }
}

}  // namespace

const char* digest_status_name(DigestStatus s) {
  switch (s) {
    case DigestStatus::ok:
      return "ok";
    case DigestStatus::mismatch:
      return "mismatch";
    case DigestStatus::absent:
      break;
  }
  return "absent";
}

std::string FoundBlob::where() const {
  return symbol.location.member.empty() ? file : file + "(" + symbol.location.member + ")";
}

TreeReport FoundBlob::report() const { return TreeReport::from(blob, symbol.location.name); }

nlohmann::ordered_json FoundBlob::to_json() const {
  nlohmann::ordered_json j;
  j["file"] = file;
  if (!symbol.location.member.empty()) j["member"] = symbol.location.member;
  j["container"] = symbol.location.container;
  j["machine"] = machine;
  j["prefix"] = symbol.prefix;
  j["digest"] = digest_status_name(digest);
  j["xxh3_128"] = digest_hex(computed);
  nlohmann::ordered_json tree = report().to_json();
  for (auto& [key, value] : tree.items()) j[key] = value;
  return j;
}

std::string FoundBlob::to_text() const {
  std::string digest_text = digest_status_name(digest);
  if (digest == DigestStatus::ok) digest_text += " (xxh3_128 " + digest_hex(computed) + ")";
  if (digest == DigestStatus::mismatch) digest_text += " (" + digest_problem + ")";
  std::string out =
      fmt::format("{}: {}, machine {}, prefix \"{}\", digest {}\n", printable(where()),
                  symbol.location.container, machine, printable(symbol.prefix), digest_text);
  return out + report().to_text(where());
}

InspectedFile inspect_file(const std::filesystem::path& path) {
  InspectedFile out;
  out.path = path;
  out.mapping = std::make_unique<MappedFile>(path);
  const ByteView file = out.mapping->bytes();
  const std::string where = path.string();
  std::vector<BlobSymbol> found = find_blob_symbols(file, where);
  std::vector<SymbolLocation> digests = find_symbols(file, where, [](std::string_view n) {
    std::string_view suffix = symbols::kDigest;
    return n.size() >= suffix.size() && n.substr(n.size() - suffix.size()) == suffix;
  });
  for (auto& s : found) {
    FoundBlob b;
    b.file = where;
    b.symbol = std::move(s);
    b.machine = machine_name(b.symbol.location);
    b.blob = parse_found(symbol_bytes(file, b.symbol.location), b.symbol, b.where(), b.legacy_raw);
    check_digest(file, b, digests);
    out.blobs.push_back(std::move(b));
  }
  return out;
}

void verify_inspected(const InspectedFile& file) {
  if (file.blobs.empty()) {
    throw Error(printable(file.path.string()) +
                ": no blob symbol (__tvm_ffi__library_bin, __tvm_ffi_library_bin or "
                "__tvm_dev_mblob, with any prefix) in the file");
  }
  for (const auto& b : file.blobs) {
    if (b.digest == DigestStatus::mismatch) {
      throw Error(printable(b.where()) + ": symbol " + printable(b.symbol.location.name) +
                  ": integrity digest mismatch: " + b.digest_problem);
    }
  }
}

std::vector<const FoundBlob*> select_blobs(const InspectedFile& file,
                                           const std::optional<std::string>& prefix,
                                           const std::optional<std::string>& member) {
  std::vector<const FoundBlob*> out;
  for (const auto& b : file.blobs) {
    if (prefix && b.symbol.prefix != *prefix) continue;
    if (member && b.symbol.location.member != *member) continue;
    out.push_back(&b);
  }
  return out;
}

}  // namespace mblob
