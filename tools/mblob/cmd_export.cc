// mblob export: a manifest (module tree + host code) to one loadable library.
#include <fmt/core.h>

#include "command.h"
#include "mblob/core/output_path.h"
#include "mblob/core/text.h"
#include "mblob/export/export.h"
#include "mblob/format/legacy_kinds.h"
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
  std::string align = "16";
  bool quiet = false;
};

int run_export(const ExportArgs& a) {
  // Usage errors about the output come first; export_library checks the other inputs.
  check_output_is_not_input(a.output, {a.manifest});
  ExportOptions o;
  o.pack.align = parse_size("--align", a.align);  // usage errors before any work
  Manifest m = read_manifest(a.manifest);
  if (!a.format.empty()) {
    auto f = parse_format(a.format);
    if (!f) throw Error("--format must be ffi or legacy, not \"" + a.format + "\"");
    o.format = *f;
  } else if (m.format) {
    o.format = *m.format;
  }
  o.symbol = a.symbol;
  o.target = a.target;
  o.packer = a.packer;
  o.system_lib = a.system_lib;
  o.prefix = a.prefix;
  o.toolchain.cc = a.cc;
  o.toolchain.linker = a.linker;
  o.workspace = a.workspace;
  o.pack.objcopy = a.objcopy;
  o.pack.command = a.pack_command;
  o.quiet = a.quiet;
  ExportReport r = export_library(m.tree, a.output, o);
  if (!a.quiet) fmt::print(stderr, "{}\n", r.summary());
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
      "host code and link everything with the target's toolchain. Before the output replaces\n"
      "the previous file, export reads it back (ELF libraries, PE DLLs through their export\n"
      "table, ar archives of ELF or COFF objects) and checks that it defines the blob symbol\n"
      "with the serialized size and bytes (COFF symbols have no size: the blob's header gives\n"
      "it, and the blob must fit before the next symbol or the section's end): a packer or\n"
      "--pack-command that defines no blob fails the export. The output is written\n"
      "atomically: a failure leaves the previous file, or none. A symbolic link is written\n"
      "through (the file it names is replaced); a character device or FIFO (/dev/null, a\n"
      "named pipe, /dev/stdout) gets the finished, checked library streamed into it, which is\n"
      "not atomic. A directory, a path ending in '/', and an output that is the manifest, a\n"
      "payload, a host source or an object are refused before any work (exit status 2).\n"
      "Every run works in its own fresh directory mblob-export-XXXXXX: under $TMPDIR,\n"
      "removed afterwards, or inside --workspace, kept there (the summary line names it).\n\n"
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
  sub->add_option("--target", a->target,
                  "Target triple (default: this machine); selects the object writer's target and "
                  "the toolchain preset, e.g. aarch64-linux-gnu, riscv64-linux-gnu, "
                  "x86_64-w64-mingw32, hexagon-unknown-elf");
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
                  "with an optional K, M, G or T (KiB ... TiB) suffix")
      ->default_str("16");
  sub->add_flag("-q,--quiet", a->quiet, "No progress and no summary line on stderr");
  sub->callback([a, &selected] { selected = [a] { return run_export(*a); }; });
});

}  // namespace
}  // namespace mblob::cli
