// mblob load: load a library through the runtime (dlopen) and print its module tree.
#include <fmt/core.h>

#include "command.h"
#include "common_options.h"
#include "mblob/core/text.h"
#include "mblob/format/legacy_kinds.h"
#include "mblob/inspect/tree_report.h"
#include "mblob/runtime/library.h"

namespace mblob::cli {
namespace {

struct LoadArgs {
  std::string file;
  std::string prefix;
  bool json = false;
};

int run_load(const LoadArgs& a) {
  LoadOptions options;
  options.prefix = a.prefix;
  options.opaque_unknown_kinds = true;  // show every kind, registered or not
  LoadedTree tree = load_library_tree(a.file, options);
  TreeReport report = TreeReport::from(tree);
  if (a.json) {
    fmt::print("{}\n", report.to_json_text());
  } else {
    fmt::print("{}", report.to_text(a.file));
  }
  return kExitOk;
}

const Command kLoad(50, [](CLI::App& app, Action& selected) {
  auto args = std::make_shared<LoadArgs>();
  auto* sub = app.add_subcommand(
      "load", "Load a shared library through mblob's runtime (dlopen) and print its module tree.");
  sub->footer(
      "\nThe library is dlopen'ed (so it must be built for this machine: its constructors run);\n"
      "the blob symbol is looked up under __tvm_ffi__library_bin, __tvm_ffi_library_bin and\n"
      "__tvm_dev_mblob (with --prefix in front when given), checked, and parsed. Every module\n"
      "kind is shown (unknown kinds as opaque bytes), with its payload size and XXH3-64. In the\n"
      "legacy layout, a payload that is a TVM module stream is walked for the kinds mblob "
      "knows:\n" +
      join(walkable_legacy_kinds()) +
      ".\n\n"
      "Before dlopen, FILE must be a regular file (a FIFO or device is refused, not waited on),\n"
      "an ELF shared object of this machine, class and byte order (another machine's library\n"
      "is named, e.g. \"an ELF64 little-endian aarch64 shared object\"; reading it without\n"
      "loading is not supported yet), and hold every byte its segments need. A blob that only\n"
      "a dependency of FILE defines is refused, and so is a FILE replaced on disk since this\n"
      "process loaded it. A context pointer symbol that is not a writable pointer variable is\n"
      "left alone with a warning.\n\n"
      "Example:\n  mblob load model.so --json");
  sub->add_option("FILE", args->file, "Shared library to load (.so)")->required();
  sub->add_option("--prefix", args->prefix,
                  "Symbol prefix of a system-lib build (looks for <prefix>__tvm_ffi__library_bin)");
  add_json_flag(sub, args->json,
                "{format, symbol, blob_bytes, modules:[{index, kind, payload_bytes, "
                "xxh3_64, imports}]}. A kind that is not UTF-8 is written with U+FFFD for each "
                "ill-formed sequence, plus \"kind_hex\": its exact bytes in hex. Text output shows "
                "control characters and invalid bytes in kinds as \\xNN.");
  sub->callback([args, &selected] { selected = [args] { return run_load(*args); }; });
});

}  // namespace
}  // namespace mblob::cli
