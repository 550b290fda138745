// Walkers for the module kinds TVM writes into a legacy (`__tvm_dev_mblob`) blob.
//
// In the legacy layout a module's payload is the module's own stream, as its SaveToBinary wrote
// it, with no length in front: walking past it means knowing the kind's layout. Each walker
// follows one kind's SaveToBinary (the layouts, with the TVM files they come from, are stated
// once in docs/format.md, "Legacy module kinds"). A walker reads only the lengths and counts it
// needs, each bounds-checked through Reader, and skips everything else; it consumes exactly one
// module's stream or throws Error.
//
// This header ships with mblob_runtime: C++17, standard library only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mblob/core/bytes.h"

namespace mblob {

// One way to walk one kind. A kind may have several rows: TVM changed some layouts over time
// (FunctionInfo gained a field; Metal's module gained a version string).
struct LegacyKindWalker {
  const char* kind;              // the module kind (TVM's type_key)
  const char* variant;           // which layout of that kind, for messages
  void (*walk)(Reader& stream);  // consumes one module's stream; throws Error
};

// The table, in the order the rows of one kind are tried. Adding a kind is adding a row.
const std::vector<LegacyKindWalker>& legacy_kind_walkers();

// The kinds mblob can walk, sorted, each once.
std::vector<std::string> walkable_legacy_kinds();
bool is_walkable_legacy_kind(std::string_view kind);

}  // namespace mblob
