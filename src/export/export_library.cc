#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>

#include "blob_only.h"
#include "mblob/core/digest.h"
#include "mblob/core/file.h"
#include "mblob/core/interrupts.h"
#include "mblob/core/output_path.h"
#include "mblob/core/progress.h"
#include "mblob/export/export.h"
#include "mblob/format/reader.h"
#include "mblob/format/writer.h"
#include "mblob/object/coff_writer.h"
#include "mblob/object/elf_splice.h"
#include "mblob/object/naming_rules.h"
#include "mblob/object/object_writer.h"
#include "mblob/object/symbol_search.h"
#include "splice_step.h"

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

// What the post-link check expects: the blob symbol with the serialized blob, and (when export
// wrote one) the digest symbol with the digest computed while serializing.
struct Expected {
  std::string symbol;
  const ByteSource* blob = nullptr;
  Format format = Format::ffi;
  std::string digest_symbol;  // "" when no digest was written
  Digest128 digest{};
  std::string packer;
};

// One definition of the blob symbol in the output. ELF: st_size is the serialized size (st_size
// 0, as objcopy leaves it, is accepted when the file holds the blob's length after the symbol).
// COFF and PE record no sizes, only an extent (the rest of the section, or up to the next
// symbol): the blob must fit in it, and parsed from it, the blob's own header must give the
// serialized size. In both, the bytes there start with the blob's first bytes.
void verify_blob_symbol(ByteView file, const std::string& where, const SymbolLocation& loc,
                        const std::vector<std::uint8_t>& head, const Expected& e) {
  std::string in = loc.member.empty() ? where : where + "(" + loc.member + ")";
  if (!loc.size_is_extent && loc.size != 0 && loc.size != e.blob->size()) {
    throw Error(fmt::format(
        "{}: the blob symbol {} has {} bytes, but the serialized blob has {} (packer {}); the "
        "output was not written",
        in, e.symbol, loc.size, e.blob->size(), e.packer));
  }
  const std::uint64_t available = loc.size_is_extent ? loc.size : file.size() - loc.offset;
  if (e.blob->size() > available) {
    throw Error(fmt::format(
        "{}: the blob symbol {} is followed by {} bytes of {}, fewer than the blob's {} "
        "(packer {}); the output was not written",
        in, e.symbol, available, loc.size_is_extent ? "its section" : "the file", e.blob->size(),
        e.packer));
  }
  const ByteView bytes(file.data() + loc.offset, static_cast<std::size_t>(available));
  if (bytes.sub(0, head.size()) != ByteView(head)) {
    throw Error(fmt::format(
        "{}: the bytes at the blob symbol {} are not the serialized blob (its first {} bytes "
        "differ; packer {}); the output was not written",
        in, e.symbol, head.size(), e.packer));
  }
  if (loc.size_is_extent) {
    check_blob_length(bytes, e.format, in, e.symbol, e.blob->size(), e.packer);
  }
}

// The digest symbol holds the 16 bytes computed from the serialized blob. The digest was
// computed once, from the same ByteSource the packer streamed into the output, and the blob
// symbol's size and first bytes are checked above: hashing the output's copy again would cost
// a second read of the whole blob for what only a corrupting packer could change.
void verify_digest_symbol(ByteView file, const std::string& where,
                          const std::vector<SymbolLocation>& found, const Expected& e) {
  const SymbolLocation* digest = nullptr;
  for (const auto& loc : found) {
    if (loc.c_name() == e.digest_symbol) digest = &loc;
  }
  if (digest == nullptr) {
    throw Error(fmt::format(
        "{}: the output does not define the digest symbol {}; the output was not written", where,
        e.digest_symbol));
  }
  // Mach-O records no sizes: the symbol's extent (up to the next symbol) holds the 16 bytes.
  const bool size_ok =
      digest->size_is_extent ? digest->size >= e.digest.size() : digest->size == e.digest.size();
  if (!size_ok || file.size() - digest->offset < e.digest.size() ||
      ByteView(file.data() + digest->offset, e.digest.size()) !=
          ByteView(e.digest.data(), e.digest.size())) {
    throw Error(fmt::format(
        "{}: the digest symbol {} does not hold the blob's XXH3-128 {}; the output was not "
        "written",
        where, e.digest_symbol, digest_hex(e.digest)));
  }
}

// The post-link check of the output (`staged`, not yet renamed onto `out`): an ELF library, a
// PE DLL (the symbol is one of its exports), a Mach-O dylib or an ar archive of ELF, COFF or
// Mach-O objects. It maps the
// file and reads the headers, the symbol or export tables, the blob's first bytes (COFF/PE: its
// header and module table) and the digest's 16 bytes: nothing is hashed. Returns the name of
// the section holding the blob symbol (of its first definition).
std::string verify_output(const fs::path& staged, const fs::path& out, const Expected& e) {
  MappedFile file(staged);
  const std::string where = out.string();
  // i386 COFF objects and Mach-O files spell C symbols with a leading '_'.
  auto is = [](std::string_view n, const std::string& c) {
    return !c.empty() && (n == c || (n.size() == c.size() + 1 && n[0] == '_' && n.substr(1) == c));
  };
  std::vector<SymbolLocation> found;
  for (auto& loc : find_symbols(file.bytes(), where, [&](std::string_view n) {
         return is(n, e.symbol) || is(n, e.digest_symbol);
       })) {
    if (loc.c_name() == e.symbol || loc.c_name() == e.digest_symbol) {
      found.push_back(std::move(loc));
    }
  }
  const std::vector<std::uint8_t> head = e.blob->head(kVerifyHeadBytes);
  const SymbolLocation* first = nullptr;
  for (const SymbolLocation& loc : found) {
    if (loc.c_name() != e.symbol) continue;
    if (first == nullptr) first = &loc;
    verify_blob_symbol(file.bytes(), where, loc, head, e);
  }
  if (first == nullptr) {
    throw Error(
        fmt::format("{}: the output does not define the blob symbol {} (did packer {} define it?); "
                    "the output was not written",
                    where, e.symbol, e.packer));
  }
  if (!e.digest_symbol.empty()) verify_digest_symbol(file.bytes(), where, found, e);
  return first->section;
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
  std::string how = direct ? "written directly (no compiler, no linker)" : "packer " + packer;
  return fmt::format("exported {}: {} modules, blob {} ({} bytes), {}, output {}; {}{}",
                     output.string(), modules, human_bytes(blob_bytes), blob_bytes, how,
                     human_bytes(output_bytes), phases_text, kept);
}

namespace {

// One export; `splice` takes the splice path (splice_step.h) in three places: the pack phase
// writes the placeholder instead of running the packer, the digest object is written with
// zeros (the splice writes the digest once it is computed), and the link is followed by the
// splice, which runs the verify phase on its output.
ExportReport export_once(const ModuleTree& tree, const fs::path& out, const ExportOptions& options,
                         bool splice) {
  if (!options.prefix.empty() && !options.system_lib) {
    throw UsageError(
        "a symbol prefix is only used by system-lib builds: add --system-lib (TVM "
        "refuses a prefix without it too)");
  }
  check_output_is_not_input(out, export_inputs(tree));
  const Target& target = options.target.empty() ? host_target() : find_target(options.target);
  // A blob-only library is written directly (blob_only.h): no toolchain is looked up.
  const bool direct = writes_directly(tree, options);
  std::optional<Toolchain> toolchain;
  if (!direct) {
    toolchain.emplace(Toolchain::for_target(target, options.toolchain));
    toolchain->check_available();
  }
  std::string packer_name = options.fpack_imports ? "callback" : options.packer;
  PackFn pack = options.fpack_imports ? options.fpack_imports : find_packer(options.packer).fn;

  ExportReport report;
  report.output = out;
  report.packer = packer_name;
  report.direct = direct;
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
  // The integrity digest (docs/inspect.md): the blob is read once, in chunks, on a second thread
  // while the packer streams it into its object (the native packer copies in the kernel, so the
  // two overlap on two cores; a digest alone costs ~0.27 s per GiB here). The verify phase
  // compares the output's copy with this value.
  Expected expected;
  std::future<Digest128> digest;
  if (options.digest) {
    digest = std::async(std::launch::async, [&blob] {
      // Interrupts go to the main thread only: its InterruptsBlocked sections (creating and
      // registering temporaries) must not be run over by a handler on this thread.
      InterruptsBlocked blocked;
      return xxh3_128(blob);
    });
    expected.digest_symbol = options.prefix + symbols::kDigest;
  }
  std::string base = options.symbol.empty() ? default_blob_symbol(options.format) : options.symbol;
  report.symbol = options.prefix + base;
  // The symbol goes into generated C (registration, c-hex, c-embed): a C identifier only.
  check_symbol_name(report.symbol, SymbolUse::c_identifier, "export: ");

  std::vector<fs::path> packed;
  std::unique_ptr<SharedObjectWriter> direct_out;
  phase("pack", [&] {
    if (direct) {
      direct_out =
          blob_only::start(blob, out, report.symbol, expected.digest_symbol, target, options);
      return;
    }
    PackRequest req;
    req.blob = &blob;
    req.symbol = report.symbol;
    req.prefix = options.prefix;
    req.format = options.format;
    req.target = &target;
    req.triple = options.target.empty() ? std::string(target.triple) : options.target;
    req.toolchain = &*toolchain;
    req.system_lib = options.system_lib;
    req.workspace = ws.path();
    req.settings = options.pack;
    req.settings.align = options.pack.object_align();  // a packer, or a callback, sees 16, not 0
    req.settings.progress = !options.quiet;
    packed = splice ? std::vector<fs::path>{export_splice::write_placeholder_source(
                          ws.path(), report.symbol, *toolchain)}
                    : run_packer(packer_name, pack, req);
  });
  if (digest.valid() && splice) {
    write_digest_object(expected.digest_symbol, Digest128{}, target, ws.path() / "mblob_digest.o");
    packed.push_back(ws.path() / "mblob_digest.o");
  } else if (digest.valid()) {
    // What the digest adds to the export's wall time: the wait for it after the pack.
    phase("digest", [&] {
      expected.digest = digest.get();
      if (direct_out) {
        direct_out->set_data(expected.digest_symbol,
                             ByteView(expected.digest.data(), expected.digest.size()));
        return;
      }
      // The digest as a tiny object of its own, written by the native ELF writer whatever the
      // packer (so c-hex, asm-incbin, objcopy, command and callback outputs get it too).
      fs::path digest_object = ws.path() / "mblob_digest.o";
      write_digest_object(expected.digest_symbol, expected.digest, target, digest_object);
      packed.push_back(digest_object);
    });
  }

  std::vector<fs::path> link_inputs;
  phase("compile", [&] {
    int n = 0;
    auto add = [&](const fs::path& f, const std::string& tag) {
      if (!is_source(f)) {
        link_inputs.push_back(f);
        return;
      }
      fs::path obj = ws.path() / fmt::format("{}{}_{}.o", tag, n++, f.stem().string());
      report.tool_steps.push_back(toolchain->compile(f, obj));
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
  expected.symbol = report.symbol;
  expected.blob = &blob;
  expected.packer = packer_name;
  expected.format = options.format;
  // Every container's output is read back (ELF, Mach-O, PE through its export table, ar).
  const OutputCheck verify = [&](const fs::path& staged) {
    auto t0 = Clock::now();
    verified = true;
    phase_ended({"link", t0 - link_start});
    phase_started("verify");
    report.section = verify_output(staged, out, expected);
    verify_time = Clock::now() - t0;
    phase_ended({"verify", verify_time});
  };
  auto link = [&] {
    link_start = Clock::now();
    if (direct_out) {
      verify(direct_out->staged());
      direct_out->commit();
      return;
    }
    // A Linux shared object exports every global symbol; a DLL that has any dllexport (the
    // blob's, from any packer) exports only those. Host code must stay reachable.
    std::vector<std::string> flags;
    // lld-link (MSVC-flavoured rows) has no such option: there, as with MSVC, host code exports
    // what it marks __declspec(dllexport).
    if (target.container == Container::coff && coff_flavor(target) == CoffFlavor::gnu) {
      flags.push_back("-Wl,--export-all-symbols");
    }
    report.tool_steps.push_back(options.system_lib
                                    ? toolchain->archive(link_inputs, out, verify)
                                    : toolchain->link_shared(link_inputs, out, flags, verify));
  };
  if (splice) {
    export_splice::SpliceLink sl;
    sl.blob = &blob;
    sl.request.symbol = report.symbol;
    sl.request.digest_symbol = expected.digest_symbol;
    sl.request.progress = !options.quiet;
    sl.request.align = options.pack.align;
    sl.max_page_size = target.max_page_size;
    if (digest.valid()) sl.request.digest = [&] { return expected.digest = digest.get(); };
    Clock::time_point splice_start;
    sl.request.check = [&](const fs::path& staged) {
      auto t0 = Clock::now();
      report.phases.push_back({"splice", t0 - splice_start});
      phase_ended(report.phases.back());
      phase_started("verify");
      report.section = verify_output(staged, out, expected);
      report.phases.push_back({"verify", Clock::now() - t0});
      phase_ended(report.phases.back());
    };
    link_start = Clock::now();
    phase_started("link");
    report.tool_steps.push_back(
        export_splice::link_and_splice(*toolchain, link_inputs, ws.path(), out, sl, [&] {
          report.phases.push_back({"link", Clock::now() - link_start});
          phase_ended(report.phases.back());
          phase_started("splice");
          splice_start = Clock::now();
        }));
  } else {
    phase_started("link");
    link();
    report.phases.push_back({"link", Clock::now() - link_start - verify_time});
    if (!verified) phase_ended(report.phases.back());
    report.phases.push_back({"verify", verify_time});
  }
  std::error_code ec;
  auto size = fs::file_size(out, ec);  // a device or FIFO has none
  report.output_bytes = ec ? 0 : size;
  return report;
}

}  // namespace

ExportReport export_library(const ModuleTree& tree, const fs::path& out,
                            const ExportOptions& options) {
  const Target& target = options.target.empty() ? host_target() : find_target(options.target);
  // A blob-only library is written directly (no link to splice into).
  if (export_splice::applies(target, options) && !writes_directly(tree, options)) {
    try {
      return export_once(tree, out, options, /*splice=*/true);
    } catch (const SpliceRefused& e) {
      const std::string text = std::string(e.what()) + "; linking the blob instead";
      if (options.warn) {
        options.warn(text);
      } else {
        fmt::print(stderr, "mblob: warning: {}\n", text);
      }
    }
  }
  return export_once(tree, out, options, /*splice=*/false);
}

}  // namespace mblob
