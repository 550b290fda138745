#include "pack_util.h"

#include "mblob/core/text.h"
#include "mblob/object/object_writer.h"
#include "mblob/toolchain/toolchain.h"

namespace mblob::packers::detail {

void check_request(std::string_view packer, const PackRequest& r) {
  if (r.blob == nullptr) throw Error(std::string(packer) + ": the pack request has no blob");
  if (r.target == nullptr) throw Error(std::string(packer) + ": the pack request has no target");
  if (r.workspace.empty()) {
    throw Error(std::string(packer) + ": the pack request has no workspace directory");
  }
}

std::string c_compiler(const PackRequest& r) {
  if (r.toolchain == nullptr) return "the C compiler";
  auto argv = r.toolchain->compile_command("probe.c", "probe.o");
  return argv.empty() ? std::string(r.toolchain->preset().cc) : argv.front();
}

std::string asm_string_body(std::string_view packer, std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      throw Error(std::string(packer) + ": the path " + printable(s) +
                  " contains a control character, which an assembler string cannot hold; use a "
                  "workspace directory with a plain name");
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace mblob::packers::detail
