// Option values shared by the CLI's subcommands: one parser per kind of value, so every option
// that takes a size reads it the same way.
#pragma once

#include <cstdint>
#include <string>

namespace mblob::cli {

// A size in bytes: decimal digits (a leading 0 is still decimal: "010" is ten), optionally
// followed by a binary unit: K, M, G or T (also KiB ... TiB; case-insensitive), e.g. "16",
// "64K", "1G", "3GiB". Throws UsageError naming `option` on anything else (a sign, spaces, hex,
// a fraction, an unknown unit) or when the value does not fit in 64 bits.
std::uint64_t parse_size(const std::string& option, const std::string& text);

// A bit mask (not a size): decimal, or hex with an explicit 0x/0X prefix; no units. Throws
// UsageError naming `option`, also when the value does not fit in `bits` bits (1 to 64).
std::uint64_t parse_flags(const std::string& option, const std::string& text, unsigned bits = 64);

}  // namespace mblob::cli
