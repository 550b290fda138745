// Packer "native": mblob's own object writer. No compiler, assembler or objcopy is involved.
#include "builtin.h"

namespace mblob::packers {

std::vector<std::filesystem::path> native(const PackRequest& r) {
  // write_object picks the row's container writer (and names a container it has none for).
  ObjectSpec spec;
  spec.symbol = r.symbol;
  spec.target = r.target;
  spec.section = r.settings.section;
  spec.align = r.settings.object_align();
  spec.visibility = r.settings.visibility;
  spec.large_threshold = r.settings.large_threshold;
  auto out = r.workspace / "devc.o";
  WriteOptions options;
  options.progress = r.settings.progress;
  write_object(spec, *r.blob, out, options);
  return {out};
}

}  // namespace mblob::packers
