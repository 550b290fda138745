#include "pack_util.h"

#include "mblob/core/text.h"
#include "mblob/object/object_writer.h"
#include "mblob/object/section_rules.h"
#include "mblob/toolchain/toolchain.h"

namespace mblob::packers::detail {

namespace {}  // namespace

void check_symbol(std::string_view packer, std::string_view name, bool allow_dot) {
  if (name.empty()) throw Error(std::string(packer) + ": the symbol name is empty");
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
              (allow_dot && c == '.') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      throw Error(std::string(packer) + ": invalid symbol name '" + printable(name) +
                  "': character " + std::to_string(i + 1) +
                  " is not allowed (use letters, digits, _ and $" + (allow_dot ? " and ." : "") +
                  ", not starting with a digit)");
    }
  }
}

void check_section(std::string_view packer, std::string_view name) {
  if (name.empty()) throw Error(std::string(packer) + ": the section name is empty");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '$';
    if (!ok) {
      throw Error(std::string(packer) + ": invalid section name '" + printable(name) +
                  "' (use letters, digits, _ . $)");
    }
  }
  check_blob_section(name, std::string(packer) + ": ");
}

void check_align(std::string_view packer, std::uint64_t align) {
  check_alignment(align, std::string(packer) + ": ");
}

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
