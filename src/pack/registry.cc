#include <fcntl.h>
#include <unistd.h>

#include "builtin.h"
#include "mblob/core/file.h"
#include "mblob/core/text.h"

namespace mblob {

const std::filesystem::path& PackRequest::blob_file() const {
  if (blob_file_.empty()) {
    auto path = workspace / "imports.bin";
    AtomicFile out(path);
    blob->write_to(out.fd(), path.string());
    out.commit();
    blob_file_ = path;
  }
  return blob_file_;
}

const std::vector<PackerInfo>& builtin_packers() {
  static const std::vector<PackerInfo> table = {
      {"native",
       "write the object file directly (ELF, COFF: any target in the table); no toolchain",
       packers::native},
      {"c-hex", "TVM's C packer: a C array, one 0xNN per byte, compiled by the target's C compiler",
       packers::c_hex},
      {"c-embed", "a C file with C23 #embed of the blob (needs gcc >= 15 or clang >= 19; detected)",
       packers::c_embed},
      {"asm-incbin",
       "an assembler file with .incbin of the blob, built by the target's assembler "
       "(ELF, mingw COFF)",
       packers::asm_incbin},
      {"objcopy",
       "compile an empty C file, then objcopy --add-section/--add-symbol (GNU or llvm "
       "objcopy; --objcopy PATH; ELF)",
       packers::objcopy},
      {"command",
       "run a command template without a shell (--pack-command; placeholders {blob} "
       "{symbol} {output} {target} {workspace} {format})",
       packers::command},
  };
  return table;
}

const PackerInfo& find_packer(const std::string& name) {
  for (const auto& p : builtin_packers()) {
    if (p.name == name) return p;
  }
  std::vector<std::string> names;
  for (const auto& p : builtin_packers()) names.push_back(p.name);
  throw UsageError("unknown packer '" + printable(name) + "'" + did_you_mean(name, names) +
                   " (known packers: " + join(names) + ")");
}

std::vector<std::filesystem::path> run_packer(const std::string& name, const PackFn& fn,
                                              const PackRequest& request) {
  std::vector<std::filesystem::path> files = fn(request);
  if (files.empty()) throw Error("packer " + name + " returned no file to link");
  for (const auto& f : files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(f, ec)) {
      throw Error("packer " + name + " returned " + f.string() + ", which does not exist");
    }
  }
  return files;
}

}  // namespace mblob
