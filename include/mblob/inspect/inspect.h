// Reading any library, object, executable or archive without running it: every blob in the
// file (every prefix, every archive member), parsed, with its integrity digest checked. What
// `mblob inspect`, `extract` and `verify` print and do (docs/inspect.md).
//
// The file is mapped read-only and never executed or loaded; the container readers
// (object/symbol_search.h) and the blob parser (format/reader.h) bound every read. A damaged
// file is an Error naming the file, the offset and the rule broken.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mblob/core/digest.h"
#include "mblob/core/file.h"
#include "mblob/format/reader.h"
#include "mblob/inspect/tree_report.h"
#include "mblob/object/symbol_search.h"

namespace mblob {

// The integrity digest of one blob: the <prefix>__mblob_digest symbol holds the blob's XXH3-128
// (ok), something else (mismatch), or is not there (absent).
enum class DigestStatus { ok, mismatch, absent };
const char* digest_status_name(DigestStatus s);

struct FoundBlob {
  std::string file;     // the path as given
  BlobSymbol symbol;    // name, container, machine, member, offset, size; prefix, base, format
  std::string machine;  // "x86-64", "aarch64", ... (elf::machine_name)
  ParsedBlob blob;      // views into the file's mapping (InspectedFile keeps it)
  // Payloads of the legacy layout that were walked as the module's own TVM stream (extract
  // marks them "legacy_raw"), by the address of their first byte.
  std::set<const std::uint8_t*> legacy_raw;
  DigestStatus digest = DigestStatus::absent;
  Digest128 computed{};             // XXH3-128 of the blob's bytes (its header included)
  std::optional<Digest128> stored;  // the digest symbol's bytes, when it has 16
  std::string digest_problem;       // why the status is "mismatch"

  bool is_legacy_raw(const BlobEntry& e) const { return legacy_raw.count(e.payload.data()) > 0; }
  // "file" or "file(member)".
  std::string where() const;
  TreeReport report() const;
  // TreeReport's JSON (as `mblob load --json`) plus file, member (archives), container,
  // machine, prefix, digest and xxh3_128.
  nlohmann::ordered_json to_json() const;
  // A header line (container, machine, prefix, digest), then TreeReport's tree.
  std::string to_text() const;
};

struct InspectedFile {
  std::filesystem::path path;
  std::unique_ptr<MappedFile> mapping;  // keeps the views of `blobs` valid
  std::vector<FoundBlob> blobs;         // in the order the symbols were found
};

// Maps `path`, finds every blob symbol and parses each blob; computes every digest. Throws Error
// on a file that cannot be read, a malformed container or a malformed blob. A file with no blob
// symbol gives an empty list.
InspectedFile inspect_file(const std::filesystem::path& path);

// What `mblob verify` checks beyond inspect_file's parsing: at least one blob, and every digest
// that is present matches. Throws Error with the first problem.
void verify_inspected(const InspectedFile& file);

// The blobs of `file` that `prefix` and `member` select (nullopt = any).
std::vector<const FoundBlob*> select_blobs(const InspectedFile& file,
                                           const std::optional<std::string>& prefix,
                                           const std::optional<std::string>& member);

}  // namespace mblob
