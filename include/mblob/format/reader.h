// Parsing a blob symbol's bytes (header + body) into its module list and import tree.
//
// The parser trusts nothing: every length, count and index is checked before it is used, and
// a violation throws mblob::Error naming the source, the offset and the rule. It allocates in
// proportion to bytes that exist, never to counts the input claims.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/bytes.h"
#include "mblob/format/layout.h"

namespace mblob {

struct BlobEntry {
  std::string kind;      // "_lib" for the library placeholder
  ByteView payload;      // the payload's bytes (legacy: see LegacyPayloadFn)
  std::uint64_t offset;  // offset of the entry's kind within the symbol (for messages)
  bool is_lib() const { return kind == kLibKind; }
};

struct ParsedBlob {
  Format format = Format::ffi;
  std::uint64_t blob_bytes = 0;  // 8-byte header + body
  // Modules in index order; entries[0] is the root. A legacy blob without "_import_tree" is
  // normalized: entries[0] is an implicit "_lib" root importing every entry, in order.
  std::vector<BlobEntry> entries;
  // CSR import tree: entry i imports child_indices[row_ptr[i] .. row_ptr[i+1]).
  std::vector<std::uint64_t> row_ptr;
  std::vector<std::uint64_t> child_indices;
  bool implicit_root = false;  // legacy blob without an import tree (see above)

  std::vector<std::uint64_t> imports_of(std::size_t i) const {
    return {child_indices.begin() + static_cast<std::ptrdiff_t>(row_ptr[i]),
            child_indices.begin() + static_cast<std::ptrdiff_t>(row_ptr[i + 1])};
  }
};

// Legacy payloads are not length-prefixed: the loader for a kind consumes its own bytes from
// the stream. This callback does that for one entry (the reader is positioned just after the
// kind and bounded by the end of the body), advancing the reader past them, and returns the
// entry's payload view: the inner bytes of a self-delimited payload, or everything consumed. It
// throws to stop the walk (e.g. for a kind with no loader).
using LegacyPayloadFn = std::function<ByteView(std::string_view kind, Reader& stream)>;

// mblob's own convention for payloads in the legacy layout: one length-prefixed `bytes` field,
// so that any reader can walk past them.
ByteView read_self_delimited_payload(std::string_view kind, Reader& stream);

// The default LegacyPayloadFn: a payload is either the module's own TVM stream, walked by the
// kind's walker (mblob/format/legacy_kinds.h; the view is the whole stream), or mblob's
// length-prefixed field (the view is the inner bytes). When both readings fit, the one followed
// by the end of the body or by something shaped like a module kind wins; a tie goes to the
// walker. A kind with no walker and no length prefix that fits is an error naming the kind and
// listing the kinds mblob can walk.
ByteView read_legacy_payload(std::string_view kind, Reader& stream);

// Parses `symbol` (the blob symbol's bytes: u64 LE nbytes, then the body). `symbol` may extend
// past the blob (when only an upper bound of the symbol's size is known); bytes after the body
// are ignored. `where` names the source in error messages. An error inside a legacy entry also
// lists the modules read before it.
ParsedBlob parse_blob(ByteView symbol, Format format, const std::string& where,
                      const LegacyPayloadFn& legacy_payload = read_legacy_payload);

// Validates a CSR import tree for `n` modules: row_ptr has n+1 entries, starts at 0, never
// decreases and ends at child_indices.size(); every child index is < n and greater than its
// parent's index (so the tree is acyclic and the root comes first).
void validate_import_tree(const std::vector<std::uint64_t>& row_ptr,
                          const std::vector<std::uint64_t>& child_indices, std::size_t n,
                          const std::string& where, std::uint64_t offset);

}  // namespace mblob
