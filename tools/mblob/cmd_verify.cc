// mblob verify: a file's blobs are well formed and their integrity digests match.
#include <fmt/core.h>

#include "command.h"
#include "common_options.h"
#include "mblob/core/text.h"
#include "mblob/inspect/inspect.h"

namespace mblob::cli {
namespace {

struct VerifyArgs {
  std::string file;
  bool quiet = false;
};

int run_verify(const VerifyArgs& a) {
  InspectedFile f = inspect_file(a.file);  // every container and blob reader rule
  verify_inspected(f);                     // at least one blob; every present digest matches
  if (!a.quiet) {
    for (const auto& b : f.blobs) {
      fmt::print("{}: {} ok ({} layout, {} bytes, {} modules, digest {})\n", printable(b.where()),
                 printable(b.symbol.location.name), format_name(b.blob.format), b.blob.blob_bytes,
                 b.blob.entries.size(), digest_status_name(b.digest));
    }
  }
  return kExitOk;
}

const Command kVerify(70, [](CLI::App& app, Action& selected) {
  auto args = std::make_shared<VerifyArgs>();
  auto* sub = app.add_subcommand(
      "verify", "Check that every blob in a file is well formed and matches its digest.");
  sub->footer(
      "\nReads FILE like `mblob inspect` (never runs it) and checks: the container (ELF or ar)\n"
      "and every blob symbol's bytes lie inside the file; each blob follows every rule of its\n"
      "layout (docs/format.md: header length, kinds, payload lengths, legacy streams, import\n"
      "tree); the file holds at least one blob; and each blob's <prefix>__mblob_digest, where\n"
      "present, holds its XXH3-128. Exit 0 (one \"ok\" line per blob), or 1 with the first\n"
      "problem on stderr.\n\n"
      "Examples:\n"
      "  mblob verify model.so\n"
      "  mblob verify libmodels.a -q && echo intact");
  sub->add_option("FILE", args->file, "Library, object, executable or ar archive")->required();
  add_quiet_flag(sub, args->quiet);  // nothing printed on success
  sub->callback([args, &selected] { selected = [args] { return run_verify(*args); }; });
});

}  // namespace
}  // namespace mblob::cli
