// Serializing a ModuleTree into a blob symbol's bytes, in either layout.
#pragma once

#include <functional>
#include <string>

#include "mblob/core/byte_source.h"
#include "mblob/format/layout.h"
#include "mblob/format/module_tree.h"

namespace mblob {

struct SerializeOptions {
  Format format = Format::ffi;
  // Receives warnings (e.g. a zero-length payload in the ffi layout, which tvm-ffi refuses to
  // load). Default: print "mblob: warning: ..." on stderr.
  std::function<void(const std::string&)> warn;
};

// The blob symbol's full contents: the u64 LE body size, then the body. Payload files are
// referenced, not read: the result streams them when written.
ByteSource serialize(const ModuleTree& tree, const SerializeOptions& options = {});
// Same, with `flat` = flatten(tree) already computed by the caller.
ByteSource serialize(const ModuleTree& tree, const FlatTree& flat, const SerializeOptions& options);

}  // namespace mblob
