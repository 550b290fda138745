// mblob inspect: every blob in libraries, objects, executables and archives, read without
// running them (inspect/inspect.h).
#include <fmt/core.h>

#include "command.h"
#include "common_options.h"
#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/format/legacy_kinds.h"
#include "mblob/inspect/inspect.h"

namespace mblob::cli {
namespace {

struct InspectArgs {
  std::vector<std::string> files;
  bool json = false;
};

int run_inspect(const InspectArgs& a) {
  int rc = kExitOk;
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& path : a.files) {
    try {
      InspectedFile f = inspect_file(path);
      if (f.blobs.empty()) {
        fmt::print(stderr, "mblob: {}: no blob symbol in the file\n", printable(path));
      }
      for (const auto& b : f.blobs) {
        if (a.json) {
          all.push_back(b.to_json());
        } else {
          fmt::print("{}", b.to_text());
        }
      }
    } catch (const Error& e) {
      // One line per damaged file; the other files are still inspected.
      fmt::print(stderr, "mblob: error: {}\n", printable(e.what()));
      rc = kExitError;
    }
  }
  if (a.json) {
    fmt::print("{}\n", all.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  }
  return rc;
}

const Command kInspect(60, [](CLI::App& app, Action& selected) {
  auto args = std::make_shared<InspectArgs>();
  auto* sub = app.add_subcommand(
      "inspect",
      "Print every blob in libraries, objects, executables and archives, without running them.");
  sub->footer(
      "\nEach FILE is mapped read-only and read with mblob's own container readers: ELF\n"
      "(relocatable, shared, executable; 32/64-bit; both byte orders; every machine of the\n"
      "target table; stripped files through .dynsym), 64-bit Mach-O (objects, dylibs;\n"
      "universal files slice by slice) and ar archives (every member). Nothing is loaded or\n"
      "executed, so an aarch64 or Hexagon library is read on any machine. Every blob\n"
      "symbol is listed, with any prefix (__tvm_ffi__library_bin, __tvm_ffi_library_bin,\n"
      "__tvm_dev_mblob): the container (elf64-x86-64, elf32-hexagon ...), the machine, the\n"
      "symbol and prefix, the layout, the blob size, every module (kind, payload size,\n"
      "xxh3_64) and the integrity digest <prefix>__mblob_digest: ok, mismatch or absent.\n"
      "Legacy payloads that are a module's own TVM stream are walked for: " +
      join(walkable_legacy_kinds()) +
      ".\n\n"
      "--json prints one JSON array with an object per blob (of every FILE, in order): the\n"
      "fields of `mblob load --json` plus file, member (archive member or universal slice),\n"
      "container, machine, prefix, digest and xxh3_128. A damaged FILE gets one error line on\n"
      "stderr, the other files are still read, and the exit status is 1. docs/inspect.md has\n"
      "the details.\n\n"
      "Examples:\n"
      "  mblob inspect model-arm64.so\n"
      "  mblob inspect libmodels.a --json\n"
      "  mblob inspect a.so b.o c.a");
  sub->add_option("FILE", args->files, "Libraries, objects, executables or ar archives")
      ->required();
  add_json_flag(sub, args->json,
                "a JSON array, one object per blob: mblob load --json's fields plus file, member, "
                "container, machine, prefix, digest and xxh3_128 (docs/inspect.md)");
  sub->callback([args, &selected] { selected = [args] { return run_inspect(*args); }; });
});

}  // namespace
}  // namespace mblob::cli
