#include "splice_step.h"

#include "mblob/core/file.h"
#include "mblob/core/output_path.h"
#include "mblob/object/elf_splice.h"

namespace mblob::export_splice {

namespace fs = std::filesystem;

bool applies(const Target& target, const ExportOptions& options) {
  return !options.link_blob && !options.system_lib && !options.fpack_imports &&
         options.packer == kDefaultPacker && options.pack.align <= kSplicedBlobAlign &&
         target.splice;  // the row says its splices are proven (object/target.h)
}

fs::path write_placeholder_source(const fs::path& workspace, const std::string& symbol,
                                  const Toolchain& toolchain) {
  const fs::path src = workspace / "mblob_placeholder.s";
  const std::string text =
      placeholder_assembly(symbol, placeholder_note_for_linker(toolchain.overrides().linker));
  write_file_atomic(src, ByteView(std::string_view(text)));
  return src;
}

// Sum of the link inputs' sizes, for the estimate of the linked file's size.
std::uint64_t input_bytes(const std::vector<fs::path>& inputs) {
  std::uint64_t n = 0;
  for (const auto& f : inputs) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    if (!ec) n += size;
  }
  return n;
}

ToolStep link_and_splice(const Toolchain& toolchain, const std::vector<fs::path>& inputs,
                         const fs::path& workspace, const fs::path& out, const SpliceLink& s,
                         const std::function<void()>& on_splice_start) {
  // A stream output gets the file spliced in the workspace, then streamed.
  const OutputPath to = resolve_output(out);
  const fs::path spliced =
      to.stream ? workspace / ("spliced" + toolchain.shared_library_suffix()) : out;
  // The blob's copy starts now and runs while the linker does (elf_splice.h, Splice).
  Splice splice(*s.blob, s.request, spliced,
                splice_reserve(s.blob->size(), input_bytes(inputs), s.max_page_size));
  const fs::path linked = workspace / ("linked" + toolchain.shared_library_suffix());
  ToolStep step = toolchain.link_shared(inputs, linked);
  if (on_splice_start) on_splice_start();
  splice.finish(linked);
  if (to.stream) stream_file_into(spliced, to);
  return step;
}

}  // namespace mblob::export_splice
