// Packer "c-hex": the C source TVM's C packer writes, in the same text shape, byte for byte:
//
//   #ifdef _WIN32 / #define TVM_EXPORT __declspec(dllexport) / #else ... #endif
//   #ifdef __cplusplus / extern "C" { / #endif
//   TVM_EXPORT extern const unsigned char <sym>[];
//   const unsigned char <sym>[<N>] = {
//     0xNN,0xNN,...            20 bytes per line, each line starting with two spaces
//   };
//   #ifdef __cplusplus / } / #endif
//
// It is the slow baseline (about 5 bytes of C per blob byte, then a compiler) that mblob exists
// to replace; it stays as a fallback and for comparison. System-lib registration is added by
// export as a separate object, as for every packer.
#include <fcntl.h>
#include <unistd.h>

#include "builtin.h"
#include "mblob/core/progress.h"
#include "pack_util.h"

namespace mblob::packers {

namespace {

class HexWriter {
 public:
  explicit HexWriter(AtomicFile& out) : out_(out) { buf_.reserve(kFlush + 256); }
  void text(std::string_view s) {
    buf_.append(s);
    maybe_flush();
  }
  void byte(std::uint8_t b) {
    static const char* digits = "0123456789abcdef";
    if (count_ % 20 == 0) buf_ += "\n  ";
    char cell[5] = {'0', 'x', digits[b >> 4], digits[b & 15], ','};
    buf_.append(cell, 5);
    ++count_;
    maybe_flush();
  }
  void flush() {
    out_.write(ByteView(std::string_view(buf_)));
    buf_.clear();
  }

 private:
  static constexpr std::size_t kFlush = 1 << 20;
  void maybe_flush() {
    if (buf_.size() >= kFlush) flush();
  }
  AtomicFile& out_;
  std::string buf_;
  std::uint64_t count_ = 0;
};

}  // namespace

std::vector<std::filesystem::path> c_hex(const PackRequest& r) {
  check_symbol_name(r.symbol, SymbolUse::c_identifier, "c-hex: ");
  auto path = r.workspace / "devc.c";
  AtomicFile out(path);
  HexWriter w(out);
  const std::string& sym = r.symbol;
  w.text(
      "#ifdef _WIN32\n#define TVM_EXPORT __declspec(dllexport)\n#else\n#define TVM_EXPORT\n"
      "#endif\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
  w.text("TVM_EXPORT extern const unsigned char " + sym + "[];\n");
  w.text("const unsigned char " + sym + "[" + std::to_string(r.blob->size()) + "] = {");
  Progress progress("c-hex", r.blob->size(), !r.settings.progress);
  std::uint64_t done = 0;
  r.blob->for_each_chunk([&](ByteView chunk) {
    for (std::uint8_t b : chunk) w.byte(b);
    done += chunk.size();
    progress.update(done);
  });
  w.text("\n};\n#ifdef __cplusplus\n}\n#endif\n");
  w.flush();
  out.commit();
  return {path};
}

}  // namespace mblob::packers
