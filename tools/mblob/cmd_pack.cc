// `mblob pack`: write a blob (any file, or stdin) as a relocatable object defining one symbol.
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "command.h"
#include "common_options.h"
#include "mblob/core/byte_source.h"
#include "mblob/core/error.h"
#include "mblob/core/output_path.h"
#include "mblob/core/progress.h"
#include "mblob/core/text.h"
#include "mblob/object/object_writer.h"
#include "mblob/object/symbol_search.h"
#include "mblob/object/target.h"
#include "options.h"
#include "target_table.h"

namespace mblob::cli {
namespace {

struct PackArgs {
  std::string input;
  std::optional<std::string> output;  // unset: not given; "" is refused as a path
  std::string symbol;
  std::string target;
  std::optional<std::string> section;
  std::string align = "16";
  std::string visibility = "default";
  bool large = false;
  std::optional<std::string> large_threshold;
  bool size_symbol = false;
  std::optional<std::string> elf_flags;
  bool quiet = false;
  bool json = false;
  bool list_targets = false;
  bool digest = false;
};

// `--digest`: <prefix>__mblob_digest, in a second object beside OUTPUT ("x.o" -> "x.digest.o").
// The symbol must be a blob symbol (any prefix, then a base name of format/layout.h), so that
// inspect and verify pair the two by prefix.
void write_pack_digest(const PackArgs& a, const ObjectSpec& spec) {
  const BlobSymbolName* base = blob_symbol_base(a.symbol);  // checked in run_pack
  std::string prefix = a.symbol.substr(0, a.symbol.size() - std::string_view(base->name).size());
  std::filesystem::path out = *a.output;
  out.replace_extension(".digest.o");
  Digest128 d = xxh3_128(ByteSource::from_file(a.input));
  write_digest_object(prefix + symbols::kDigest, d, *spec.target, out);
  if (!a.quiet && !a.json) {
    fmt::print("{}: {}{} (XXH3-128 {})\n", out.string(), prefix, symbols::kDigest, digest_hex(d));
  }
}

// The summary on stdout (stderr when the output is standard output): one line of text, or one
// JSON object with --json.
void print_summary(const PackArgs& a, const ObjectSpec& spec, const ObjectInfo& info,
                   std::chrono::nanoseconds elapsed) {
  // Not into the object when it goes to standard output (-o /dev/stdout): stderr then.
  std::FILE* to = resolve_output(*a.output).stream ? stderr : stdout;
  if (a.json) {
    nlohmann::ordered_json j;
    j["output"] = *a.output;
    j["symbol"] = spec.symbol;
    j["target"] = spec.target->triple;
    j["section"] = info.section;
    j["large"] = info.large;
    j["align"] = spec.align;
    j["payload_bytes"] = info.payload_size;
    j["output_bytes"] = info.file_size;
    j["phases"] = nlohmann::ordered_json::array(
        {{{"name", "write"}, {"seconds", std::chrono::duration<double>(elapsed).count()}}});
    fmt::print(to, "{}\n", j.dump());
  } else if (!a.quiet) {
    fmt::print(to, "{}: {} ({}, {} bytes) in {}{} for {}\n", *a.output, spec.symbol,
               human_bytes(info.payload_size), info.payload_size, info.section,
               info.large ? " (SHF_X86_64_LARGE)" : "", spec.target->triple);
  }
}

int run_pack(const PackArgs& a) {
  if (a.list_targets) {
    print_target_table(a.json);
    return kExitOk;
  }
  if (a.input.empty()) throw UsageError("pack: INPUT is required");
  if (!a.output) throw UsageError("pack: --output is required");
  if (a.symbol.empty()) throw UsageError("pack: --symbol is required");

  const std::string& output = *a.output;
  // Usage errors about the output (a directory, a trailing '/', the input itself) come first.
  check_output_is_not_input(output, a.input == "-" ? std::vector<std::filesystem::path>{}
                                                   : std::vector<std::filesystem::path>{a.input});
  ObjectSpec spec;
  spec.symbol = a.symbol;
  spec.target = a.target.empty() ? &host_target() : &find_target(a.target);
  if (a.section && a.section->empty()) throw UsageError("--section: the section name is empty");
  spec.section = a.section.value_or("");
  spec.align = parse_size("--align", a.align);
  spec.visibility = parse_visibility(a.visibility);
  spec.large = a.large;
  if (a.large_threshold) spec.large_threshold = parse_size("--large-threshold", *a.large_threshold);
  spec.size_symbol = a.size_symbol;
  if (a.elf_flags) {
    spec.elf_flags = static_cast<std::uint32_t>(parse_flags("--elf-flags", *a.elf_flags, 32));
  }
  // Before touching the input or the output. Every field of the spec comes from an option, so
  // a spec the writer refuses (alignment, section, symbol, --large) is a usage error.
  try {
    validate(spec);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  if (a.digest && blob_symbol_base(a.symbol) == nullptr) {
    throw UsageError("--digest: the symbol " + printable(a.symbol) +
                     " is not a blob symbol (<prefix>__tvm_ffi__library_bin, "
                     "<prefix>__tvm_ffi_library_bin or <prefix>__tvm_dev_mblob)");
  }
  if (a.digest && a.input == "-") {
    throw UsageError("--digest needs a file INPUT (a stream cannot be read twice)");
  }
  if (a.digest && resolve_output(output).stream) {
    throw UsageError("--digest needs a file OUTPUT (the digest object is written beside it)");
  }

  WriteOptions options;
  options.progress = !a.quiet;
  const auto start = std::chrono::steady_clock::now();
  ObjectInfo info;
  struct stat st {};
  if (a.input == "-") {
    info = write_object_from_fd(spec, STDIN_FILENO, "<stdin>", output, options);
  } else if (::stat(a.input.c_str(), &st) == 0 && !S_ISDIR(st.st_mode) &&
             (!S_ISREG(st.st_mode) || st.st_size == 0)) {
    // A FIFO, a character device, a process substitution, or a file whose size says nothing
    // (/proc/self/status reports 0 but has bytes): stream it to its end.
    int fd = ::open(a.input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_errno("cannot open " + a.input);
    try {
      info = write_object_from_fd(spec, fd, a.input, output, options);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  } else {
    info = write_object(spec, ByteSource::from_file(a.input), output, options);
  }
  if (a.digest) write_pack_digest(a, spec);
  print_summary(a, spec, info, std::chrono::steady_clock::now() - start);
  return kExitOk;
}

void setup(CLI::App& app, Action& selected) {
  auto args = std::make_shared<PackArgs>();
  CLI::App* cmd = app.add_subcommand(
      "pack",
      "Write a blob as a relocatable object file (no compiler, assembler or objcopy needed).");
  cmd->description(
      "Write INPUT's bytes as a relocatable object that defines one global data symbol,\n"
      "ready to link into a shared library or executable for the chosen target. The bytes are\n"
      "copied file-to-file (memory use does not grow with the input) into a temporary file\n"
      "that replaces OUTPUT only when complete. The same inputs give the same bytes.\n"
      "OUTPUT may be a symbolic link (written through: the file it names is replaced) or a\n"
      "character device or FIFO (/dev/null, a named pipe, /dev/stdout): those are written in\n"
      "place, which is not atomic. A directory, a path ending in '/' and the input itself\n"
      "are refused (exit status 2).");
  cmd->add_option("INPUT", args->input,
                  "The blob to embed: a regular file, or - for standard input; FIFOs, devices and "
                  "files that report size 0 (/proc/...) are read to their end. Not a directory.");
  cmd->add_option("-o,--output", args->output,
                  "The object file to write: replaced atomically; a link is written through; a "
                  "device or FIFO is written in place (not atomic).");
  cmd->add_option("--symbol", args->symbol,
                  "Name of the symbol holding the bytes, e.g. __tvm_ffi__library_bin "
                  "(letters, digits, _ . $; not starting with a digit).");
  add_target_option(cmd, args->target, "class, byte order, e_machine and e_flags");
  cmd->add_option("--section", args->section,
                  "Data section name (default .rodata; .lrodata for large blobs on x86-64): "
                  "letters, digits, _ . $ -. "
                  "Names starting with .data get SHF_WRITE. Refused: sections linkers do not load "
                  "or give a meaning (.debug*, .zdebug*, .stab*, .comment, .note*, .gnu.lto_*, "
                  ".gnu.warning*, .gnu.linkonce*, .bss*, .rel*, .init_array*, ...), each with "
                  "the reason. Mach-O targets: segment,section (default __TEXT,__const), each 1 to "
                  "16 of letters, digits, _ . $ (docs/object-writers.md).");
  cmd->add_option("--align", args->align,
                  "Alignment of the symbol in bytes, a power of two up to 1G (8K on COFF targets; "
                  "default 16). Sizes are "
                  "decimal (010 is ten), with an optional K, M, G or T (KiB ... TiB) suffix.");
  cmd->add_option("--visibility", args->visibility,
                  "Symbol visibility: default (exported from a .so, a dylib or, on COFF targets, "
                  "a DLL), hidden (used only inside the library; Mach-O: a private extern) or "
                  "protected (ELF; COFF: as default; refused for Mach-O).")
      ->check(CLI::IsMember({"default", "hidden", "protected"}));
  cmd->add_flag("--large", args->large,
                "x86-64 only: put the blob in .lrodata with SHF_X86_64_LARGE whatever its size, "
                "so it can lie beyond the +-2 GiB reach of small-model code.");
  cmd->add_option("--large-threshold", args->large_threshold,
                  "x86-64: blobs larger than this go to .lrodata when --section is not given "
                  "(default 1G, as TVM's LLVM packer). For tests and experts; a decimal size with "
                  "an optional K, M, G or T suffix.");
  cmd->add_flag("--size-symbol", args->size_symbol,
                "Also define <symbol>_end (the end of the data) and <symbol>_size (a const "
                "uint64_t holding the length, in .rodata.<symbol>_size, COFF: "
                ".rdata$<symbol>_size); both relocatable, so "
                "PIE, non-PIE and shared code can use them. In C: extern const unsigned char "
                "NAME[], NAME_end[]; extern const uint64_t NAME_size; (Mach-O: the length follows "
                "the data in its section.)");
  cmd->add_option("--elf-flags", args->elf_flags,
                  "Override the target's ELF e_flags: decimal, or hex with 0x (e.g. 0x2 for "
                  "powerpc64 ELFv2); must match the objects it is linked with.");
  cmd->add_flag("--digest", args->digest,
                "Also write OUTPUT with extension .digest.o (x.o -> x.digest.o): an object "
                "defining <prefix>__mblob_digest, the 16-byte XXH3-128 of INPUT, which mblob "
                "inspect/verify check. SYMBOL must be a blob symbol (<prefix>__tvm_ffi__library_bin"
                " ...); INPUT must be a regular file.");
  add_quiet_flag(cmd, args->quiet);
  add_json_flag(cmd, args->json,
                "{output, symbol, target, section, large, align, payload_bytes, output_bytes, "
                "phases: [{name, seconds}]} (also with --quiet).");
  cmd->add_flag("--list-targets", args->list_targets,
                "Print the target table and exit (the same as `mblob targets`).");
  cmd->footer(
      "Example:\n"
      "  mblob pack model.bin -o model_blob.o --symbol __tvm_ffi__library_bin \\\n"
      "      --target aarch64-linux-gnu\n"
      "  aarch64-linux-gnu-gcc -shared -o libmodel.so host.o model_blob.o\n"
      "Large blobs on x86-64 (> 1 GiB) go to .lrodata so GNU ld, gold, lld and mold can link\n"
      "them into a shared library. Exit status: 0 ok, 1 error, 2 usage error.");
  cmd->callback([args, &selected] { selected = [args] { return run_pack(*args); }; });
}

Command pack_command(20, setup);

}  // namespace
}  // namespace mblob::cli
