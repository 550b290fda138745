// mblob export: a manifest (module tree + host code) to one loadable library.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "command.h"
#include "common_options.h"
#include "mblob/core/output_path.h"
#include "mblob/core/text.h"
#include "mblob/export/export.h"
#include "mblob/format/legacy_kinds.h"
#include "mblob/object/object_writer.h"
#include "mblob/object/target.h"
#include "options.h"

namespace mblob::cli {
namespace {

struct ExportArgs {
  std::string manifest;
  std::string output;
  std::string target;
  std::string packer = kDefaultPacker;
  std::string format;
  bool system_lib = false;
  std::string prefix;
  std::string cc;
  std::string linker;
  std::string workspace;
  std::string objcopy = "objcopy";
  std::string pack_command;
  std::string symbol;
  std::string align;  // "" = mblob chooses (PackSettings::align 0)
  bool quiet = false;
  bool json = false;
  bool verbose = false;
  bool no_digest = false;
  bool link_blob = false;
};

double seconds(std::chrono::nanoseconds ns) { return std::chrono::duration<double>(ns).count(); }

// One status line per phase on stderr: redrawn in place on a terminal (unless --quiet); when
// stderr is not a terminal, one line per finished phase with --verbose only. With --verbose on a
// terminal the start line ends with a newline, so the tool command lines go below it.
void show_phases(const ExportArgs& a, ExportOptions& o) {
  if (a.quiet) return;
  if (stderr_is_terminal()) {
    o.on_phase_start = [verbose = a.verbose](const std::string& name) {
      fmt::print(stderr, "\r\x1b[Kmblob: export: {} ...{}", name, verbose ? "\n" : "");
      std::fflush(stderr);
    };
    o.on_phase_end = [](const ExportPhase& p) {
      fmt::print(stderr, "\r\x1b[Kmblob: export: {} done in {:.2f} s\n", p.name,
                 seconds(p.elapsed));
    };
  } else if (a.verbose) {
    o.on_phase_end = [](const ExportPhase& p) {
      fmt::print(stderr, "mblob: export: {} done in {:.2f} s\n", p.name, seconds(p.elapsed));
    };
  }
}

// The summary on stdout (stderr when the output is standard output): one line of text, or one
// JSON object with --json.
void print_summary(const ExportArgs& a, const ExportReport& r, const std::string& target) {
  // Not into the library when it goes to standard output (-o /dev/stdout): stderr then.
  std::FILE* to = resolve_output(a.output).stream ? stderr : stdout;
  if (!a.json) {
    if (!a.quiet) fmt::print(to, "{}\n", r.summary());
    return;
  }
  nlohmann::ordered_json j;
  j["output"] = r.output.string();
  j["symbol"] = r.symbol;
  j["target"] = target;
  j["section"] =
      r.section.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.section);
  j["packer"] = r.packer;
  j["direct"] = r.direct;
  j["modules"] = r.modules;
  j["blob_bytes"] = r.blob_bytes;
  j["output_bytes"] = r.output_bytes;
  j["phases"] = nlohmann::ordered_json::array();
  for (const auto& p : r.phases)
    j["phases"].push_back({{"name", p.name}, {"seconds", seconds(p.elapsed)}});
  j["tool_steps"] = nlohmann::ordered_json::array();
  for (const auto& s : r.tool_steps) {
    j["tool_steps"].push_back({{"action", s.action},
                               {"command", s.command_line()},
                               {"output", s.output.string()},
                               {"seconds", seconds(s.elapsed)}});
  }
  fmt::print(to, "{}\n", j.dump());
}

int run_export(const ExportArgs& a) {
  // Usage errors about the output come first; export_library checks the other inputs.
  check_output_is_not_input(a.output, {a.manifest});
  ExportOptions o;
  // Usage errors before any work: sizes, names of the target, packer and linker.
  if (!a.align.empty()) o.pack.align = parse_size("--align", a.align);
  const Target& target = a.target.empty() ? host_target() : find_target(a.target);
  try {
    if (!a.align.empty()) check_alignment(o.pack.align, target.container, "--align: ");
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  find_packer(a.packer);
  o.toolchain.cc = a.cc;
  o.toolchain.linker = a.linker;
  // Overrides are checked before any work (every row has a toolchain; a blob-only library is
  // written directly and runs none of it).
  Toolchain::for_target(target, o.toolchain);
  std::optional<Format> format;
  if (!a.format.empty()) {
    format = parse_format(a.format);
    if (!format)
      throw UsageError("--format must be ffi or legacy, not '" + printable(a.format) + "'");
  }
  Manifest m = read_manifest(a.manifest);
  if (format) {
    o.format = *format;
  } else if (m.format) {
    o.format = *m.format;
  }
  o.symbol = a.symbol;
  o.target = a.target;
  o.packer = a.packer;
  o.system_lib = a.system_lib;
  o.prefix = a.prefix;
  o.workspace = a.workspace;
  o.pack.objcopy = a.objcopy;
  o.pack.command = a.pack_command;
  o.quiet = a.quiet;
  show_phases(a, o);
  o.digest = !a.no_digest;
  o.link_blob = a.link_blob;
  ExportReport r = export_library(m.tree, a.output, o);
  print_summary(a, r, std::string(target.triple));
  return kExitOk;
}

const Command kExport(30, [](CLI::App& app, Action& selected) {
  auto a = std::make_shared<ExportArgs>();
  auto* sub = app.add_subcommand("export",
                                 "Export a module tree (JSON manifest) to a shared "
                                 "library (or a static archive with --system-lib).");
  sub->footer(
      "\nExport a module tree to one library: serialize the imported modules into a blob (TVM's\n"
      "ffi or legacy layout), pack the blob (the native object writer by default), compile the\n"
      "host code and link everything with the target's toolchain (`mblob targets` shows\n"
      "each row's). ELF libraries with host code for x86-64, aarch64 and riscv64 are linked\n"
      "without the blob, against a one-byte placeholder, and the blob is then spliced into the\n"
      "linked file as a read-only segment of its own: one copy of the blob whatever the linker\n"
      "(docs/splice.md; default packer and --align up to 64K only; --link-blob links the packed\n"
      "blob as every other target does). For every target it also defines\n"
      "<prefix>__mblob_digest, the blob's XXH3-128 (16 bytes; --no-digest leaves it out;\n"
      "`mblob verify` checks it). Before the output replaces the previous file, export\n"
      "reads it back (ELF libraries, PE DLLs through their export table, ar archives of ELF or\n"
      "COFF objects) and checks that it defines the blob symbol with the serialized size and\n"
      "bytes (COFF symbols have no size: the blob's header gives it, and the blob must fit\n"
      "before the next symbol or the section's end), and the digest symbol with the digest: a\n"
      "packer or --pack-command that defines no blob fails the export. The output is written\n"
      "atomically: a failure leaves the previous file, or none. A symbolic link is written\n"
      "through (the file it names is replaced); a character device or FIFO (/dev/null, a\n"
      "named pipe, /dev/stdout) gets the finished, checked library streamed into it, which is\n"
      "not atomic. A directory, a path ending in '/', and an output that is the manifest, a\n"
      "payload, a host source or an object are refused before any work (exit status 2).\n"
      "Every run works in its own fresh directory mblob-export-XXXXXX: under $TMPDIR,\n"
      "removed afterwards, or inside --workspace, kept there (the summary line names it).\n\n"
      "Blob-only libraries: a manifest with no host sources or objects, exported as a shared\n"
      "library for an ELF target (all but MIPS), is written directly by mblob: no compiler, no\n"
      "linker, no toolchain installed (the summary says \"written directly\"). The file has the\n"
      "blob and digest symbols in .dynsym, .hash and .gnu.hash, and the blob in a read-only\n"
      "segment of its own (docs/blob-only.md); --align is at most 64K for it. --packer other\n"
      "than native, --cc, --linker and --system-lib take the linked path instead.\n\n"
      "Manifest (JSON; paths relative to it; the first module is the root; kind \"host\" marks\n"
      "host code, merged into the \"_lib\" entry):\n"
      "  {\"format\": \"ffi\",\n"
      "   \"modules\": [\n"
      "     {\"name\": \"host\", \"kind\": \"host\", \"sources\": [\"k.c\"], \"objects\": [],\n"
      "      \"imports\": [\"gpu\", \"w\"]},\n"
      "     {\"name\": \"gpu\", \"kind\": \"cuda\", \"payload\": \"k.ptx\", \"imports\": []},\n"
      "     {\"name\": \"w\", \"kind\": \"params\", \"payload\": \"w.bin\"}]}\n"
      "A module may add \"legacy_raw\": true when its payload is already the module's own TVM\n"
      "stream (what TVM's runtime.module.loadbinary_<kind> reads); without it, --format legacy\n"
      "wraps the payload in a length prefix (readable by mblob; not by TVM's loader for that "
      "kind).\nmblob's readers walk a raw stream only for the kinds whose layout they know\n"
      "(docs/format.md): " +
      join(walkable_legacy_kinds()) +
      ".\n"
      "Every module must be reachable from the root through \"imports\" (one that is not would\n"
      "be left out of the blob, so it is refused). A key may appear once per object. Payloads,\n"
      "sources and objects must be regular files: not directories, FIFOs or devices, and not\n"
      "files like /proc/self/status that report size 0 but yield bytes. A payload that changes\n"
      "size during the export is an error.\n\n"
      "Examples:\n"
      "  mblob export model.json -o model.so\n"
      "  mblob export model.json -o model.so --target aarch64-linux-gnu\n"
      "  mblob export model.json -o libmodel.a --system-lib --prefix llama_\n"
      "  mblob export model.json -o model.so --packer c-hex      # TVM's C array, for comparison");
  sub->add_option("MANIFEST", a->manifest, "JSON manifest describing the module tree")->required();
  sub->add_option("-o,--output", a->output,
                  "Library to write (.so, .dll, or .a with --system-lib); replaced atomically; "
                  "a link is written through; a device or FIFO gets the finished library "
                  "streamed (not atomic)")
      ->required();
  add_target_option(sub, a->target, "the object writer's target and the toolchain preset");
  std::string packers;
  for (const auto& p : builtin_packers()) packers += "\n  " + p.name + ": " + p.description;
  sub->add_option("--packer", a->packer, "How the blob becomes a linkable file:" + packers)
      ->default_str(kDefaultPacker);
  sub->add_option("--format", a->format,
                  "Blob layout: ffi (current TVM, default) or legacy (TVM <= 0.2x, symbol "
                  "__tvm_dev_mblob); overrides the manifest's \"format\"");
  sub->add_option("--symbol", a->symbol,
                  "Blob symbol base name (default: __tvm_ffi__library_bin for ffi, "
                  "__tvm_dev_mblob for legacy; e.g. __tvm_ffi_library_bin for older tvm-ffi)");
  sub->add_flag("--system-lib", a->system_lib,
                "Build a static archive whose blob registers itself at start-up (link it with "
                "--whole-archive); load it with mblob::system_lib(prefix)");
  sub->add_option("--prefix", a->prefix,
                  "Symbol prefix for system-lib builds (needs --system-lib)");
  sub->add_option("--cc", a->cc, "Compiler driver to use instead of the preset's");
  sub->add_option("--linker", a->linker, "Linker: bfd, gold, lld or mold (as -fuse-ld=)");
  sub->add_option("--workspace", a->workspace,
                  "Keep intermediate files: each run writes them into its own new "
                  "subdirectory mblob-export-XXXXXX of this directory, never at fixed names in it "
                  "(default: a temporary directory, removed afterwards)");
  sub->add_option("--objcopy", a->objcopy, "objcopy program for --packer objcopy (GNU or llvm)")
      ->default_str("objcopy");
  sub->add_option("--pack-command", a->pack_command,
                  "Command template for --packer command, run without a shell; placeholders "
                  "{blob} {symbol} {output} {target} {workspace} {format}");
  sub->add_option("--align", a->align,
                  "Alignment of the blob symbol in bytes, a power of two: decimal (010 is ten), "
                  "with an optional K, M, G or T (KiB ... TiB) suffix. Default: 16 where the "
                  "blob is linked; in a spliced or blob-only library, none: the blob starts so "
                  "that its largest payload lands page-aligned, which copies it at cp speed "
                  "(docs/splice.md)");
  sub->add_flag("--no-digest", a->no_digest,
                "Do not define <prefix>__mblob_digest (16 bytes, XXH3-128 of the blob, checked by "
                "mblob verify; a DLL exports it; TVM ignores it)");
  sub->add_flag("--link-blob", a->link_blob,
                "Link the packed blob instead of splicing it into the linked library (splicing "
                "is the default for ELF x86-64, aarch64 and riscv64 with the native packer)");
  add_quiet_flag(sub, a->quiet);
  add_verbose_flag(sub, a->verbose);
  add_json_flag(sub, a->json,
                "{output, symbol, target, section (of the blob symbol in the output, as the verify "
                "phase found it), packer, direct (true: a blob-only library written with no "
                "compiler or linker), modules, "
                "blob_bytes, output_bytes, phases: [{name, seconds}], tool_steps: [{action, "
                "command, output, seconds}]} (also with --quiet).");
  sub->callback([a, &selected] { selected = [a] { return run_export(*a); }; });
});

}  // namespace
}  // namespace mblob::cli
