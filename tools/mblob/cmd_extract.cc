// mblob extract: one blob's payloads as files plus a manifest `mblob export` rebuilds it from.
#include <fmt/core.h>

#include <optional>

#include "command.h"
#include "common_options.h"
#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/inspect/extract.h"

namespace mblob::cli {
namespace {

struct ExtractArgs {
  std::string file;
  std::string output;
  std::optional<std::string> prefix;
  std::optional<std::string> member;
  bool force = false;
  bool quiet = false;
};

// The one blob the options select; several or none is an error listing what there is.
const FoundBlob& choose(const InspectedFile& f, const ExtractArgs& a) {
  std::vector<const FoundBlob*> chosen = select_blobs(f, a.prefix, a.member);
  if (chosen.size() == 1) return *chosen.front();
  std::vector<std::string> listed;
  for (const auto& b : f.blobs) {
    listed.push_back(printable(b.symbol.location.name) +
                     (b.symbol.location.member.empty()
                          ? ""
                          : " in member " + printable(b.symbol.location.member)));
  }
  std::string what = f.blobs.empty() ? "no blob symbol"
                                     : fmt::format("{} blobs ({})", f.blobs.size(), join(listed));
  if (chosen.empty() && !f.blobs.empty()) {
    throw Error(fmt::format("{}: no blob matches --prefix/--member; the file has {}",
                            printable(a.file), what));
  }
  if (f.blobs.empty()) throw Error(fmt::format("{}: {} in the file", printable(a.file), what));
  throw Error(fmt::format("{}: the file has {}: choose one with --prefix or --member",
                          printable(a.file), what));
}

int run_extract(const ExtractArgs& a) {
  InspectedFile f = inspect_file(a.file);
  const FoundBlob& b = choose(f, a);
  ExtractReport r = extract_blob(b, a.output, a.force);
  if (!a.quiet) {
    fmt::print("extracted {} ({}): {} payload files, {} bytes, and manifest.json into {}\n",
               printable(b.where()), printable(b.symbol.location.name), r.files, r.bytes,
               printable(r.dir.string()));
  }
  return kExitOk;
}

const Command kExtract(65, [](CLI::App& app, Action& selected) {
  auto args = std::make_shared<ExtractArgs>();
  auto* sub = app.add_subcommand(
      "extract", "Write a blob's payloads and a manifest.json that `mblob export` rebuilds from.");
  sub->footer(
      "\nReads FILE like `mblob inspect` (never runs it) and writes, into DIR, one file per\n"
      "payload (\"<index>_<kind>.bin\") and manifest.json in the export manifest format: the\n"
      "same kinds, payloads and import tree; the library entry \"_lib\" becomes a host module\n"
      "without sources; a legacy payload that is a module's own TVM stream gets\n"
      "\"legacy_raw\": true. `mblob export DIR/manifest.json -o x.so` then rebuilds an\n"
      "equivalent library (add host code to the host module to get the functions back).\n"
      "A file with several blobs (an archive of several models) needs --prefix or --member to\n"
      "choose one. DIR is written atomically (a temporary directory beside it, renamed); an\n"
      "existing non-empty DIR is refused unless --force, which replaces it.\n\n"
      "Examples:\n"
      "  mblob extract model.so -o model.d && mblob export model.d/manifest.json -o again.so\n"
      "  mblob extract libmodels.a --prefix llama_ -o llama.d");
  sub->add_option("FILE", args->file, "Library, object, executable or ar archive")->required();
  sub->add_option("-o,--output", args->output, "Directory to write")->required();
  sub->add_option("--prefix", args->prefix, "Take the blob with this symbol prefix (\"\" = none)");
  sub->add_option("--member", args->member,
                  "Take the blob in this archive member (or universal file slice: arm64)");
  sub->add_flag("--force", args->force, "Replace a non-empty DIR");
  add_quiet_flag(sub, args->quiet);
  sub->callback([args, &selected] { selected = [args] { return run_extract(*args); }; });
});

}  // namespace
}  // namespace mblob::cli
