#include "options.h"

#include <cctype>
#include <string_view>

#include "mblob/core/error.h"
#include "mblob/core/text.h"

namespace mblob::cli {
namespace {

[[noreturn]] void bad_value(const std::string& option, const std::string& text,
                            const std::string& expected) {
  throw UsageError(option + ": '" + printable(text) + "' is not " + expected);
}

// Digits of `text` from `pos` in `base` (10 or 16) until the first non-digit; sets `pos` past
// them. False when there is no digit or the value overflows 64 bits.
bool parse_digits(std::string_view text, std::size_t& pos, unsigned base, std::uint64_t* value) {
  std::uint64_t v = 0;
  std::size_t start = pos;
  for (; pos < text.size(); ++pos) {
    auto c = static_cast<unsigned char>(text[pos]);
    unsigned d;
    if (std::isdigit(c)) {
      d = c - '0';
    } else if (base == 16 && std::isxdigit(c)) {
      d = static_cast<unsigned>(std::tolower(c) - 'a' + 10);
    } else {
      break;
    }
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
  }
  *value = v;
  return pos > start;
}

// log2 of the unit's multiplier: "" 0, K 10, M 20, G 30, T 40 (with or without "iB"); -1 else.
int unit_shift(std::string_view unit) {
  if (unit.empty()) return 0;
  static constexpr std::string_view kUnits = "KMGT";
  auto k = kUnits.find(static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0]))));
  if (k == std::string_view::npos) return -1;
  std::string_view rest = unit.substr(1);
  if (!rest.empty() &&
      !(rest.size() == 2 && std::tolower(static_cast<unsigned char>(rest[0])) == 'i' &&
        std::tolower(static_cast<unsigned char>(rest[1])) == 'b')) {
    return -1;
  }
  return 10 * static_cast<int>(k + 1);
}

}  // namespace

std::uint64_t parse_size(const std::string& option, const std::string& text) {
  const std::string expected =
      "a size (decimal digits, optionally with K, M, G or T, e.g. 4096, 64K, 1G)";
  std::size_t pos = 0;
  std::uint64_t v = 0;
  if (!parse_digits(text, pos, 10, &v)) {
    if (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
      throw UsageError(option + ": '" + printable(text) + "' is too large");
    bad_value(option, text, expected);
  }
  int shift = unit_shift(std::string_view(text).substr(pos));
  if (shift < 0) bad_value(option, text, expected);
  if (shift > 0 && v > (UINT64_MAX >> shift))
    throw UsageError(option + ": '" + printable(text) + "' is too large");
  return v << shift;
}

std::uint64_t parse_flags(const std::string& option, const std::string& text, unsigned bits) {
  const std::string expected = "a number (decimal, or hex with 0x, e.g. 0x2)";
  std::string_view t = text;
  unsigned base = 10;
  std::size_t pos = 0;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    base = 16;
    pos = 2;
  }
  std::uint64_t v = 0;
  if (!parse_digits(t, pos, base, &v) || pos != t.size()) bad_value(option, text, expected);
  if (bits < 64 && (v >> bits) != 0) {
    throw UsageError(option + ": '" + printable(text) + "' does not fit in " +
                     std::to_string(bits) + " bits");
  }
  return v;
}

}  // namespace mblob::cli
