#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>

#include "../pack/pack_util.h"
#include "mblob/core/file.h"
#include "mblob/core/output_path.h"
#include "mblob/core/progress.h"
#include "mblob/export/export.h"
#include "mblob/format/reader.h"
#include "mblob/format/writer.h"
#include "mblob/object/symbol_search.h"

namespace mblob {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The export's working directory, private to this run (mkdtemp), so nothing of the user's and
// nothing of a concurrent export is ever overwritten: "$TMPDIR/mblob-export-XXXXXX", removed
// afterwards, or "<--workspace>/mblob-export-XXXXXX", kept (with the user's directory) so the
// intermediates can be looked at.
class Workspace {
 public:
  explicit Workspace(const fs::path& requested)
      : dir_(requested.empty() ? TempDir::in_tmp("mblob-export")
                               : TempDir::in(created(requested), "mblob-export")),
        path_(dir_.path()) {
    if (!requested.empty()) dir_.keep();
  }
  const fs::path& path() const { return path_; }

 private:
  static const fs::path& created(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error("cannot create workspace " + dir.string() + ": " + ec.message());
    return dir;
  }
  TempDir dir_;
  fs::path path_;
};

// Every file the export reads: an output that is one of them is refused before any work.
std::vector<fs::path> export_inputs(const ModuleTree& tree) {
  std::vector<fs::path> inputs;
  for (const auto& node : tree.nodes) {
    inputs.insert(inputs.end(), node.payload.files().begin(), node.payload.files().end());
    inputs.insert(inputs.end(), node.host_inputs.begin(), node.host_inputs.end());
  }
  return inputs;
}

bool is_source(const fs::path& p) {
  static const char* exts[] = {".c", ".cc", ".cpp", ".cxx", ".C", ".S", ".s"};
  std::string e = p.extension().string();
  for (const char* x : exts) {
    if (e == x) return true;
  }
  return false;
}

// A symbol without a size (COFF, PE): the blob read from its extent must be the serialized
// blob's length, as its own header says (8 + its u64 body length). An ffi blob is also parsed
// (module table and import tree; payloads are length-prefixed, so none is read). A legacy one
// is not: walking its payloads could need kinds mblob has no walker for.
void check_blob_length(ByteView extent, Format format, const std::string& in,
                       const std::string& symbol, std::uint64_t expected,
                       const std::string& packer) {
  std::uint64_t length = 0;
  try {
    const std::string source = in + ": blob symbol " + symbol;
    if (format == Format::ffi) {
      length = parse_blob(extent, format, source).blob_bytes;
    } else {
      Reader r(extent, source);
      const std::uint64_t body = r.u64le("the blob's length");
      if (add_overflows(body, 8, &length) || length > extent.size()) {
        r.fail_at(0, "the blob's length " + std::to_string(body) + " + 8 runs past the " +
                         std::to_string(extent.size()) + " bytes of its section");
      }
    }
  } catch (const Error& e) {
    throw Error(fmt::format("{} (packer {}); the output was not written", e.what(), packer));
  }
  if (length != expected) {
    throw Error(fmt::format(
        "{}: the blob at symbol {} has {} bytes by its header, but the serialized blob has {} "
        "(packer {}); the output was not written",
        in, symbol, length, expected, packer));
  }
}

// How many of the blob's first bytes the post-link check compares (its header and the start of
// the first entry: enough to catch a wrong symbol or section, without reading the payloads).
constexpr std::size_t kVerifyHeadBytes = 64;

// The post-link check of the output (`staged`, not yet renamed onto `out`): an ELF library, a
// PE DLL (the symbol is one of its exports) or an ar archive of ELF or COFF objects. It defines
// `symbol` with the serialized size and the bytes there start with the blob's first bytes.
// ELF: st_size is the serialized size (st_size 0, as objcopy leaves it, is accepted when the
// file holds the blob's length after the symbol). COFF and PE record no sizes, only an extent
// (the rest of the section, or up to the next symbol): the blob must fit in it, and parsed from
// it, the blob's own header must give the serialized size. It maps the file and reads the
// headers, the symbol or export tables and the blob's header and module table: nothing is hashed.
// Returns the name of the section holding the symbol (of its first definition).
std::string verify_output(const fs::path& staged, const fs::path& out, const std::string& symbol,
                          const ByteSource& blob, Format format, const std::string& packer) {
  MappedFile file(staged);
  const std::string where = out.string();
  std::vector<SymbolLocation> found;
  // i386 COFF objects spell the C symbol with a leading '_'.
  for (auto& loc : find_symbols(file.bytes(), where, [&](std::string_view n) {
         return n == symbol ||
                (n.size() == symbol.size() + 1 && n[0] == '_' && n.substr(1) == symbol);
       })) {
    if (loc.c_name() == symbol) found.push_back(std::move(loc));
  }
  if (found.empty()) {
    throw Error(
        fmt::format("{}: the output does not define the blob symbol {} (did packer {} define it?); "
                    "the output was not written",
                    where, symbol, packer));
  }
  const std::vector<std::uint8_t> head = blob.head(kVerifyHeadBytes);
  for (const SymbolLocation& loc : found) {
    std::string in = loc.member.empty() ? where : where + "(" + loc.member + ")";
    if (!loc.size_is_extent && loc.size != 0 && loc.size != blob.size()) {
      throw Error(fmt::format(
          "{}: the blob symbol {} has {} bytes, but the serialized blob has {} (packer {}); the "
          "output was not written",
          in, symbol, loc.size, blob.size(), packer));
    }
    const std::uint64_t available =
        loc.size_is_extent ? loc.size : file.bytes().size() - loc.offset;
    if (blob.size() > available) {
      throw Error(fmt::format(
          "{}: the blob symbol {} is followed by {} bytes of {}, fewer than the blob's {} "
          "(packer {}); the output was not written",
          in, symbol, available, loc.size_is_extent ? "its section" : "the file", blob.size(),
          packer));
    }
    const ByteView bytes(file.bytes().data() + loc.offset, static_cast<std::size_t>(available));
    if (bytes.sub(0, head.size()) != ByteView(head)) {
      throw Error(fmt::format(
          "{}: the bytes at the blob symbol {} are not the serialized blob (its first {} bytes "
          "differ; packer {}); the output was not written",
          in, symbol, head.size(), packer));
    }
    if (loc.size_is_extent) check_blob_length(bytes, format, in, symbol, blob.size(), packer);
  }
  return found.front().section;
}

std::string seconds(std::chrono::nanoseconds ns) {
  return fmt::format("{:.2f}s", std::chrono::duration<double>(ns).count());
}

}  // namespace

std::string ExportReport::summary() const {
  std::string phases_text;
  for (const auto& p : phases) {
    phases_text += (phases_text.empty() ? "" : ", ") + p.name + " " + seconds(p.elapsed);
  }
  std::string kept = workspace.empty() ? "" : "; intermediate files kept in " + workspace.string();
  return fmt::format("exported {}: {} modules, blob {} ({} bytes), packer {}, output {}; {}{}",
                     output.string(), modules, human_bytes(blob_bytes), blob_bytes, packer,
                     human_bytes(output_bytes), phases_text, kept);
}

ExportReport export_library(const ModuleTree& tree, const fs::path& out,
                            const ExportOptions& options) {
  if (!options.prefix.empty() && !options.system_lib) {
    throw UsageError(
        "a symbol prefix is only used by system-lib builds: add --system-lib (TVM "
        "refuses a prefix without it too)");
  }
  check_output_is_not_input(out, export_inputs(tree));
  const Target& target = options.target.empty() ? host_target() : find_target(options.target);
  Toolchain toolchain = Toolchain::for_triple(options.target, options.toolchain);
  toolchain.check_available();
  std::string packer_name = options.fpack_imports ? "callback" : options.packer;
  PackFn pack = options.fpack_imports ? options.fpack_imports : find_packer(options.packer).fn;

  ExportReport report;
  report.output = out;
  report.packer = packer_name;
  Workspace ws(options.workspace);
  if (!options.workspace.empty()) report.workspace = ws.path();

  auto phase_started = [&](const std::string& name) {
    if (options.on_phase_start) options.on_phase_start(name);
  };
  auto phase_ended = [&](const ExportPhase& p) {
    if (options.on_phase_end) options.on_phase_end(p);
  };
  auto phase = [&](const std::string& name, auto&& fn) {
    phase_started(name);
    auto t0 = Clock::now();
    fn();
    report.phases.push_back({name, Clock::now() - t0});
    phase_ended(report.phases.back());
  };

  ByteSource blob;
  phase("serialize", [&] {
    SerializeOptions so;
    so.format = options.format;
    so.warn = options.warn;
    FlatTree flat = flatten(tree);
    report.modules = flat.groups.size();
    blob = serialize(tree, flat, so);
  });
  report.blob_bytes = blob.size();
  std::string base = options.symbol.empty() ? default_blob_symbol(options.format) : options.symbol;
  report.symbol = options.prefix + base;
  // The symbol goes into generated C (registration, c-hex, c-embed): a C identifier only.
  packers::detail::check_symbol("export", report.symbol, /*allow_dot=*/false);

  std::vector<fs::path> packed;
  phase("pack", [&] {
    PackRequest req;
    req.blob = &blob;
    req.symbol = report.symbol;
    req.prefix = options.prefix;
    req.format = options.format;
    req.target = &target;
    req.triple = options.target.empty() ? std::string(host_triple()) : options.target;
    req.toolchain = &toolchain;
    req.system_lib = options.system_lib;
    req.workspace = ws.path();
    req.settings = options.pack;
    req.settings.progress = !options.quiet;
    packed = run_packer(packer_name, pack, req);
  });

  std::vector<fs::path> link_inputs;
  phase("compile", [&] {
    int n = 0;
    auto add = [&](const fs::path& f, const std::string& tag) {
      if (!is_source(f)) {
        link_inputs.push_back(f);
        return;
      }
      fs::path obj = ws.path() / fmt::format("{}{}_{}.o", tag, n++, f.stem().string());
      report.tool_steps.push_back(toolchain.compile(f, obj));
      link_inputs.push_back(obj);
    };
    for (const auto& f : packed) add(f, "pack");
    if (options.system_lib) {
      // Registration at start-up, whatever the packer: the format's registration function.
      const char* reg =
          options.format == Format::ffi ? symbols::kFfiRegister : symbols::kLegacyRegister;
      fs::path src = ws.path() / "mblob_register.c";
      std::string text = fmt::format(
          "/* Generated by mblob: registers the blob of a system-lib build at start-up. */\n"
          "extern int {0}(const char* name, void* ptr);\n"
          "extern const unsigned char {1}[];\n"
          "__attribute__((constructor)) static void mblob_register_{1}(void) {{\n"
          "  {0}(\"{1}\", (void*){1});\n}}\n",
          reg, report.symbol);
      write_file_atomic(src, ByteView(std::string_view(text)));
      add(src, "reg");
    }
    for (const auto& node : tree.nodes) {
      if (!node.host) continue;
      for (const auto& f : node.host_inputs) add(f, "host");
    }
  });

  // The verify phase runs inside the link (on the staged file, before it replaces `out`), so a
  // failed check leaves the previous output; its time is taken out of the link phase's.
  std::chrono::nanoseconds verify_time{0};
  Clock::time_point link_start;
  bool verified = false;
  OutputCheck verify;
  if (target.container == Container::elf || target.container == Container::coff) {
    verify = [&](const fs::path& staged) {
      auto t0 = Clock::now();
      verified = true;
      phase_ended({"link", t0 - link_start});
      phase_started("verify");
      report.section = verify_output(staged, out, report.symbol, blob, options.format, packer_name);
      verify_time = Clock::now() - t0;
      phase_ended({"verify", verify_time});
    };
  }
  auto link = [&] {
    link_start = Clock::now();
    // A Linux shared object exports every global symbol; a DLL that has any dllexport (the
    // blob's, from c-hex or asm-incbin) exports only those. Host code must stay reachable.
    std::vector<std::string> flags;
    if (target.container == Container::coff) flags.push_back("-Wl,--export-all-symbols");
    report.tool_steps.push_back(options.system_lib
                                    ? toolchain.archive(link_inputs, out, verify)
                                    : toolchain.link_shared(link_inputs, out, flags, verify));
  };
  if (verify) {
    phase_started("link");
    link();
    report.phases.push_back({"link", Clock::now() - link_start - verify_time});
    if (!verified) phase_ended(report.phases.back());
    report.phases.push_back({"verify", verify_time});
  } else {
    phase("link", link);
  }
  std::error_code ec;
  auto size = fs::file_size(out, ec);  // a device or FIFO has none
  report.output_bytes = ec ? 0 : size;
  return report;
}

}  // namespace mblob
