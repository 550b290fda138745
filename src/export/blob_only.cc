// Blob-only libraries: when export writes the shared object itself (docs/blob-only.md).
#include "blob_only.h"

#include "mblob/core/digest.h"
#include "mblob/pack/packer.h"

namespace mblob {

bool writes_directly(const ModuleTree& tree, const ExportOptions& options) {
  for (const auto& node : tree.nodes) {
    if (!node.host_inputs.empty()) return false;
  }
  // Anything that asks for the toolchain or another packer keeps the linked path: a packer
  // callback or name, a compiler or linker override, knobs the native packer alone honours.
  if (options.system_lib || options.fpack_imports || options.packer != kDefaultPacker ||
      !options.toolchain.cc.empty() || !options.toolchain.linker.empty() ||
      options.pack.visibility != Visibility::default_ || !options.pack.section.empty()) {
    return false;
  }
  const Target* target = options.target.empty() ? &host_target() : lookup_target(options.target);
  return target != nullptr && shared_object_refusal(*target).empty();
}

namespace blob_only {

std::unique_ptr<SharedObjectWriter> start(const ByteSource& blob, const std::filesystem::path& out,
                                          const std::string& symbol,
                                          const std::string& digest_symbol, const Target& target,
                                          const ExportOptions& options) {
  SharedObjectSpec spec;
  spec.symbol = symbol;
  spec.target = &target;
  spec.align = options.pack.align;
  if (!digest_symbol.empty()) {
    spec.data.push_back({digest_symbol, std::vector<std::uint8_t>(Digest128{}.size()), 8});
  }
  WriteOptions write;
  write.progress = !options.quiet;
  return std::make_unique<SharedObjectWriter>(spec, blob, out, write);
}

}  // namespace blob_only
}  // namespace mblob
