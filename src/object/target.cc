// The target table. Facts (class, data encoding, e_machine, e_flags) are what the target's own
// compiler emits for a data-only object (shared/TARGETS.md): a blob object carrying the same
// header links with the target's other objects without ABI-mismatch errors or warnings.
#include "mblob/object/target.h"

#include <array>
#include <cctype>
#include <vector>

#include "mblob/core/error.h"
#include "mblob/core/text.h"
#include "mblob/object/elf.h"

namespace mblob {
namespace {

using namespace elf;

constexpr Endian LE = Endian::little;
constexpr Endian BE = Endian::big;

// clang-format off
// triple                        container       64-bit endian machine        e_flags                                   section    large section  large flags       prefix note
constexpr std::array kTargets = {
  Target{"x86_64-linux-gnu",          Container::elf, true,  LE, kEM_X86_64,    0,                                        ".rodata", ".lrodata", kSHF_X86_64_LARGE, "", "x86-64; blobs past the large threshold go to .lrodata"},
  Target{"i686-linux-gnu",            Container::elf, false, LE, kEM_386,       0,                                        ".rodata", "",         0,                "", "x86 (32-bit)"},
  Target{"aarch64-linux-gnu",         Container::elf, true,  LE, kEM_AARCH64,   0,                                        ".rodata", "",         0,                "", "AArch64"},
  Target{"aarch64_be-linux-gnu",      Container::elf, true,  BE, kEM_AARCH64,   0,                                        ".rodata", "",         0,                "", "AArch64, big-endian"},
  Target{"arm-linux-gnueabi",         Container::elf, false, LE, kEM_ARM,       kEF_ARM_EABI_VER5,                         ".rodata", "",         0,                "", "Arm EABI5, soft float"},
  Target{"arm-linux-gnueabihf",       Container::elf, false, LE, kEM_ARM,       kEF_ARM_EABI_VER5,                         ".rodata", "",         0,                "", "Arm EABI5, hard float (the float ABI is not in a data object's header)"},
  Target{"riscv64-linux-gnu",         Container::elf, true,  LE, kEM_RISCV,     kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_DOUBLE, ".rodata", "",         0,                "", "RV64, lp64d (Linux distributions' ABI)"},
  Target{"riscv64-linux-gnu:lp64f",   Container::elf, true,  LE, kEM_RISCV,     kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_SINGLE, ".rodata", "",         0,                "", "RV64, lp64f"},
  Target{"riscv64-linux-gnu:lp64",    Container::elf, true,  LE, kEM_RISCV,     kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_SOFT,   ".rodata", "",         0,                "", "RV64, lp64 (soft float)"},
  Target{"riscv32-unknown-elf",       Container::elf, false, LE, kEM_RISCV,     kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_SOFT,   ".rodata", "",         0,                "", "RV32 bare metal, ilp32 (soft float)"},
  Target{"riscv32-unknown-elf:ilp32f",Container::elf, false, LE, kEM_RISCV,     kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_SINGLE, ".rodata", "",         0,                "", "RV32 bare metal, ilp32f"},
  Target{"riscv32-unknown-elf:ilp32d",Container::elf, false, LE, kEM_RISCV,     kEF_RISCV_RVC | kEF_RISCV_FLOAT_ABI_DOUBLE, ".rodata", "",         0,                "", "RV32 bare metal, ilp32d"},
  Target{"powerpc64le-linux-gnu",     Container::elf, true,  LE, kEM_PPC64,     kEF_PPC64_ABI_V2,                          ".rodata", "",         0,                "", "POWER little-endian, ELFv2"},
  Target{"powerpc64-linux-gnu",       Container::elf, true,  BE, kEM_PPC64,     0,                                        ".rodata", "",         0,                "", "POWER big-endian (ELFv1; --elf-flags 2 for ELFv2 systems)"},
  Target{"powerpc-linux-gnu",         Container::elf, false, BE, kEM_PPC,       0,                                        ".rodata", "",         0,                "", "PowerPC 32-bit"},
  Target{"s390x-linux-gnu",           Container::elf, true,  BE, kEM_S390,      0,                                        ".rodata", "",         0,                "", "IBM Z"},
  Target{"mips-linux-gnu",            Container::elf, false, BE, kEM_MIPS,      kEF_MIPS_ARCH_32R2 | kEF_MIPS_ABI_O32 | kEF_MIPS_CPIC | kEF_MIPS_PIC, ".rodata", "", 0, "", "MIPS32r2 o32, big-endian"},
  Target{"mipsel-linux-gnu",          Container::elf, false, LE, kEM_MIPS,      kEF_MIPS_ARCH_32R2 | kEF_MIPS_ABI_O32 | kEF_MIPS_CPIC | kEF_MIPS_PIC, ".rodata", "", 0, "", "MIPS32r2 o32, little-endian"},
  Target{"mips64el-linux-gnuabi64",   Container::elf, true,  LE, kEM_MIPS,      kEF_MIPS_ARCH_64R2 | kEF_MIPS_CPIC | kEF_MIPS_PIC, ".rodata", "",   0,                "", "MIPS64r2 n64, little-endian"},
  Target{"loongarch64-linux-gnu",     Container::elf, true,  LE, kEM_LOONGARCH, kEF_LOONGARCH_OBJABI_V1 | kEF_LOONGARCH_ABI_DOUBLE_FLOAT, ".rodata", "", 0, "", "LoongArch64, lp64d"},
  Target{"sparc64-linux-gnu",         Container::elf, true,  BE, kEM_SPARCV9,   0,                                        ".rodata", "",         0,                "", "SPARC V9"},
  Target{"hexagon-unknown-elf",       Container::elf, false, LE, kEM_QDSP6,     kEF_HEXAGON_MACH_V60,                      ".rodata", "",         0,                "", "Hexagon v60 (clang's default)"},
  Target{"hexagon-unknown-elf:v66",   Container::elf, false, LE, kEM_QDSP6,     kEF_HEXAGON_MACH_V66,                      ".rodata", "",         0,                "", "Hexagon v66"},
  Target{"hexagon-unknown-elf:v68",   Container::elf, false, LE, kEM_QDSP6,     kEF_HEXAGON_MACH_V68,                      ".rodata", "",         0,                "", "Hexagon v68"},
  Target{"hexagon-unknown-elf:v69",   Container::elf, false, LE, kEM_QDSP6,     kEF_HEXAGON_MACH_V69,                      ".rodata", "",         0,                "", "Hexagon v69"},
  Target{"hexagon-unknown-elf:v73",   Container::elf, false, LE, kEM_QDSP6,     kEF_HEXAGON_MACH_V73,                      ".rodata", "",         0,                "", "Hexagon v73"},
  // COFF: known so that exports for Windows can pick their toolchain; no native writer yet.
  Target{"x86_64-w64-mingw32",        Container::coff, true, LE, 0x8664 /* IMAGE_FILE_MACHINE_AMD64 */, 0,              ".rdata",  "",         0,                "", "Windows x64 (MinGW), COFF: not written natively yet; export with --packer c-hex or asm-incbin"},
};
// clang-format on

// Architecture spellings that name the same row architecture.
struct Alias {
  std::string_view from;
  std::string_view to;
};
constexpr Alias kArchAliases[] = {
    {"amd64", "x86_64"},        {"x86-64", "x86_64"},
    {"i386", "i686"},           {"i486", "i686"},
    {"i586", "i686"},           {"x86", "i686"},
    {"arm64", "aarch64"},       {"arm64_be", "aarch64_be"},
    {"armv5te", "arm"},         {"armv6", "arm"},
    {"armv7", "arm"},           {"armv7a", "arm"},
    {"armv7l", "arm"},          {"armel", "arm"},
    {"ppc64le", "powerpc64le"}, {"powerpc64el", "powerpc64le"},
    {"ppc64el", "powerpc64le"}, {"ppc64", "powerpc64"},
    {"ppc", "powerpc"},         {"powerpc32", "powerpc"},
    {"riscv64gc", "riscv64"},   {"riscv32imac", "riscv32"},
    {"sparcv9", "sparc64"},     {"qdsp6", "hexagon"},
};

// Vendor fields that do not change the target.
constexpr std::string_view kVendors[] = {"unknown", "pc", "none", "generic"};

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = s.find(sep, start);
    parts.emplace_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string known_list() {
  std::string out;
  for (const auto& t : kTargets) {
    if (!out.empty()) out += ", ";
    out += t.triple;
  }
  return out;
}

}  // namespace

std::span<const Target> all_targets() { return kTargets; }

std::string_view container_name(Container c) {
  switch (c) {
    case Container::elf:
      return "ELF";
    case Container::macho:
      return "Mach-O";
    case Container::coff:
      return "COFF";
  }
  return "?";
}

std::string normalize_triple(std::string_view triple) {
  std::string lower;
  for (char c : triple) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view variant;
  std::string_view base = lower;
  if (std::size_t colon = base.find(':'); colon != std::string_view::npos) {
    variant = base.substr(colon);
    base = base.substr(0, colon);
  }
  // "x86-64" contains the separator; fold it before splitting.
  std::string b(base);
  if (b.rfind("x86-64", 0) == 0) b.replace(0, 6, "x86_64");
  std::vector<std::string> parts = split(b, '-');
  for (const auto& a : kArchAliases) {
    if (parts[0] == a.from) parts[0] = a.to;
  }
  auto is_vendor = [](const std::string& p) {
    for (auto v : kVendors) {
      if (p == v) return true;
    }
    return false;
  };
  while (parts.size() >= 3 && is_vendor(parts[1])) parts.erase(parts.begin() + 1);
  if (parts.size() == 2 && parts[1] == "linux") parts.emplace_back("gnu");
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) out += "-" + parts[i];
  out += variant;
  return out;
}

const Target* lookup_target(std::string_view triple) {
  std::string want = normalize_triple(triple);
  for (const auto& t : kTargets) {
    if (normalize_triple(t.triple) == want) return &t;
  }
  return nullptr;
}

const Target& find_target(std::string_view triple) {
  if (const Target* t = lookup_target(triple)) return *t;
  std::vector<std::string> triples;
  for (const auto& t : kTargets) triples.emplace_back(t.triple);
  std::string suggestion = did_you_mean(normalize_triple(triple), triples);
  if (suggestion.empty()) suggestion = did_you_mean(triple, triples);
  throw UsageError(
      "unknown target '" + printable(triple) + "'" + suggestion +
      " (known targets: " + known_list() +
      "; vendor fields like -unknown- or -pc- may be added; `mblob targets` lists them)");
}

const Target& host_target() {
  // The compiler's predefined macros name the machine this binary runs on.
#if defined(__x86_64__)
  constexpr std::string_view host = "x86_64-linux-gnu";
#elif defined(__i386__)
  constexpr std::string_view host = "i686-linux-gnu";
#elif defined(__aarch64__) && defined(__AARCH64EB__)
  constexpr std::string_view host = "aarch64_be-linux-gnu";
#elif defined(__aarch64__)
  constexpr std::string_view host = "aarch64-linux-gnu";
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
  constexpr std::string_view host = "arm-linux-gnueabihf";
#elif defined(__arm__)
  constexpr std::string_view host = "arm-linux-gnueabi";
#elif defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_double)
  constexpr std::string_view host = "riscv64-linux-gnu";
#elif defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_single)
  constexpr std::string_view host = "riscv64-linux-gnu:lp64f";
#elif defined(__riscv) && __riscv_xlen == 64
  constexpr std::string_view host = "riscv64-linux-gnu:lp64";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  constexpr std::string_view host = "powerpc64le-linux-gnu";
#elif defined(__powerpc64__)
  constexpr std::string_view host = "powerpc64-linux-gnu";
#elif defined(__powerpc__)
  constexpr std::string_view host = "powerpc-linux-gnu";
#elif defined(__s390x__)
  constexpr std::string_view host = "s390x-linux-gnu";
#elif defined(__mips64) && defined(__MIPSEL__)
  constexpr std::string_view host = "mips64el-linux-gnuabi64";
#elif defined(__mips__) && defined(__MIPSEL__)
  constexpr std::string_view host = "mipsel-linux-gnu";
#elif defined(__mips__)
  constexpr std::string_view host = "mips-linux-gnu";
#elif defined(__loongarch64)
  constexpr std::string_view host = "loongarch64-linux-gnu";
#elif defined(__sparc__) && defined(__arch64__)
  constexpr std::string_view host = "sparc64-linux-gnu";
#else
  constexpr std::string_view host = "";
#endif
  if (host.empty()) {
    throw Error("this host's machine is not in the target table; pass --target (known: " +
                known_list() + ")");
  }
  return find_target(host);
}

}  // namespace mblob
