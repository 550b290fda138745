// export_library: a module tree to one loadable library (or a static archive for system-lib
// builds): serialize -> pack -> compile host code -> link, with an atomic output.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "mblob/format/module_tree.h"
#include "mblob/pack/packer.h"
#include "mblob/toolchain/toolchain.h"

namespace mblob {

struct ExportPhase {
  // "serialize", "pack", "digest" (XXH3-128 of the blob, unless --no-digest: computed during
  // the pack on a second thread; this is the wait for it after the pack), "compile", "link",
  // "splice" (spliced libraries: the wait for the blob's copy, which starts with the link,
  // the linked file written in front of it, the digest waited for and written; such exports
  // have no "digest" phase),
  // "verify" (every output: the library defines, or a DLL exports, the blob symbol with the
  // serialized size and bytes, and the digest symbol with the digest; an archive's member
  // does; checked before it replaces the output)
  std::string name;
  std::chrono::nanoseconds elapsed{0};
};

struct ExportOptions {
  Format format = Format::ffi;
  std::string symbol;  // blob symbol base name; "" = the layout's current name
  std::string target;  // triple; "" = this machine
  std::string packer = kDefaultPacker;
  PackFn fpack_imports;     // when set, used instead of `packer` (TVM's hook)
  PackSettings pack;        // per-packer knobs
  bool system_lib = false;  // a static archive registering its blob at start-up
  // ELF shared libraries for x86-64, aarch64 and riscv64 are linked without the blob, which is
  // then spliced into the linked file (object/elf_splice.h, docs/splice.md): one copy of the
  // blob, whatever the linker. Set this to link the blob's object as every other target does.
  // Splicing applies with the default packer only (a packer or fpack_imports is a request to
  // link what it makes).
  bool link_blob = false;
  std::string prefix;  // symbol prefix; needs system_lib (as in TVM)
  ToolchainOverrides toolchain;
  // Every export works in a fresh private directory "mblob-export-XXXXXX": under $TMPDIR,
  // removed afterwards, or, when this is set, inside this directory (created if missing), kept
  // there so the intermediate files can be looked at (ExportReport::workspace names it).
  std::filesystem::path workspace;
  bool quiet = false;  // no progress on stderr
  // Also define <prefix>__mblob_digest (16 bytes, XXH3-128 of the blob; every container, a DLL
  // exports it), in an object of its own written by the native writer, whatever the packer.
  bool digest = true;
  // Receives warnings (e.g. empty ffi payloads). Default: stderr.
  std::function<void(const std::string&)> warn;
  // Told when each phase (ExportPhase::name) starts and ends, in order, for status lines; the
  // library prints nothing itself. `verify` runs at the end of the link, so `link` ends (with
  // its time so far) when `verify` starts.
  std::function<void(const std::string& phase)> on_phase_start;
  std::function<void(const ExportPhase& phase)> on_phase_end;
};

struct ExportReport {
  std::filesystem::path output;
  std::string packer;
  std::string symbol;
  std::string
      section;  // the blob symbol's section in the output, as verify found it ("": unchecked)
  std::uint64_t blob_bytes = 0;
  std::uint64_t output_bytes = 0;
  std::size_t modules = 0;  // blob entries
  std::vector<ExportPhase> phases;
  std::vector<ToolStep> tool_steps;
  bool direct = false;              // written directly (writes_directly): no compiler, no linker
  std::filesystem::path workspace;  // the run's kept directory inside options.workspace, or ""
  std::string summary() const;      // one line
};

// `out` is resolved as every output is (core/output_path.h): a symbolic link is written
// through, a character device or FIFO gets the finished library streamed into it, a directory
// or a path ending in '/' is refused (UsageError); so is an `out` that is the same file as a
// payload, a host source or an object, before any work starts.
ExportReport export_library(const ModuleTree& tree, const std::filesystem::path& out,
                            const ExportOptions& options = {});

// Whether export_library writes the library directly, with no compiler, linker or toolchain
// (a blob-only library, object/elf_shared_object.h): the tree has no host sources or objects,
// the output is a shared library (not system_lib), the target is ELF (not MIPS), and nothing
// asks for the toolchain or another packer (packer "native", no fpack_imports, no cc or linker
// override, default visibility, no section).
bool writes_directly(const ModuleTree& tree, const ExportOptions& options);

// The manifest `mblob export` reads (JSON; paths relative to the manifest's directory; the
// first module is the root):
//   {"format":"ffi",
//    "modules":[{"name":"host","kind":"host","sources":["k.c"],"objects":[],"imports":["gpu","w"]},
//               {"name":"gpu","kind":"cuda","payload":"k.ptx","imports":[]},
//               {"name":"w","kind":"params","payload":"w.bin"}]}
// Modules of kind "host" are host code (merged into "_lib"). "format" is optional.
struct Manifest {
  ModuleTree tree;
  std::optional<Format> format;
};
Manifest read_manifest(const std::filesystem::path& path);

}  // namespace mblob
