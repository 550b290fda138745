#include "support/runtime_libraries.h"

#include <cstdio>

#include "mblob/core/bytes.h"

namespace mblob::test {

std::string c_array(const std::string& symbol, const std::vector<std::uint8_t>& bytes) {
  std::string s = "const unsigned char " + symbol + "[" + std::to_string(bytes.size()) + "] = {";
  char buf[8];
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i % 20 == 0) s += "\n  ";
    std::snprintf(buf, sizeof buf, "0x%02x,", bytes[i]);
    s += buf;
  }
  return s + "\n};\n";
}

fs::path build_so(const TempDir& dir, const std::string& name, const std::string& c_source,
                  const std::vector<std::string>& extra) {
  auto src = dir / (name + ".c");
  auto so = dir / (name + ".so");
  write_text(src, c_source);
  std::vector<std::string> cmd = {"cc", "-shared", "-fPIC", "-O1", "-o", so.string(), src.string()};
  cmd.insert(cmd.end(), extra.begin(), extra.end());
  run_ok(cmd);
  return so;
}

std::vector<std::uint8_t> lib_and_one_module_blob(const std::string& kind,
                                                  const std::vector<std::uint8_t>& payload) {
  // ffi body: row_ptr, child_indices, then per module its kind and (except "_lib") its payload.
  ByteWriter body;
  body.vec_u64({0, 1, 1});
  body.vec_u64({1});
  body.str("_lib");
  body.str(kind);
  body.length_prefixed(payload);
  ByteWriter symbol;
  symbol.u64(body.size());
  symbol.bytes(body.view());
  return symbol.take();
}

}  // namespace mblob::test
