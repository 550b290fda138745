// The target table: lookup, aliases, host default, and the facts each row must carry.
#include <gtest/gtest.h>

#include <set>

#include "mblob/core/error.h"
#include "mblob/object/elf.h"
#include "mblob/object/target.h"

namespace mblob {
namespace {

using namespace elf;

TEST(ObjectTarget, EveryRowHasAUniqueNormalizedName) {
  std::set<std::string> seen;
  for (const auto& t : all_targets()) {
    EXPECT_TRUE(seen.insert(normalize_triple(t.triple)).second) << t.triple;
    EXPECT_EQ(&find_target(t.triple), &t) << t.triple;
  }
}

TEST(ObjectTarget, TableCoversTheIssueTargets) {
  for (const char* t :
       {"x86_64-linux-gnu",        "i686-linux-gnu",          "aarch64-linux-gnu",
        "aarch64_be-linux-gnu",    "arm-linux-gnueabi",       "arm-linux-gnueabihf",
        "riscv64-linux-gnu",       "riscv64-linux-gnu:lp64",  "riscv64-linux-gnu:lp64f",
        "riscv32-unknown-elf",     "powerpc64le-linux-gnu",   "powerpc64-linux-gnu",
        "powerpc-linux-gnu",       "s390x-linux-gnu",         "mips-linux-gnu",
        "mipsel-linux-gnu",        "mips64el-linux-gnuabi64", "loongarch64-linux-gnu",
        "sparc64-linux-gnu",       "hexagon-unknown-elf",     "hexagon-unknown-elf:v68",
        "hexagon-unknown-elf:v69", "hexagon-unknown-elf:v73"}) {
    EXPECT_NE(lookup_target(t), nullptr) << t;
  }
}

// Facts from shared/TARGETS.md: what the target's compiler emits for a data object.
TEST(ObjectTarget, RowsMatchTheCompilersHeaders) {
  struct Want {
    const char* triple;
    bool is_64;
    Endian endian;
    std::uint16_t machine;
    std::uint32_t flags;
  };
  const Want wants[] = {
      {"x86_64-linux-gnu", true, Endian::little, 62, 0x0},
      {"i686-linux-gnu", false, Endian::little, 3, 0x0},
      {"aarch64-linux-gnu", true, Endian::little, 183, 0x0},
      {"aarch64_be-linux-gnu", true, Endian::big, 183, 0x0},
      {"arm-linux-gnueabi", false, Endian::little, 40, 0x5000000},
      {"arm-linux-gnueabihf", false, Endian::little, 40, 0x5000000},
      {"riscv64-linux-gnu", true, Endian::little, 243, 0x5},
      {"riscv64-linux-gnu:lp64f", true, Endian::little, 243, 0x3},
      {"riscv64-linux-gnu:lp64", true, Endian::little, 243, 0x1},
      {"riscv32-unknown-elf", false, Endian::little, 243, 0x1},
      {"powerpc64le-linux-gnu", true, Endian::little, 21, 0x2},
      {"powerpc64-linux-gnu", true, Endian::big, 21, 0x0},
      {"powerpc-linux-gnu", false, Endian::big, 20, 0x0},
      {"s390x-linux-gnu", true, Endian::big, 22, 0x0},
      {"mips-linux-gnu", false, Endian::big, 8, 0x70001006},
      {"mipsel-linux-gnu", false, Endian::little, 8, 0x70001006},
      {"mips64el-linux-gnuabi64", true, Endian::little, 8, 0x80000006},
      {"loongarch64-linux-gnu", true, Endian::little, 258, 0x43},
      {"sparc64-linux-gnu", true, Endian::big, 43, 0x0},
      {"hexagon-unknown-elf", false, Endian::little, 164, 0x60},
      {"hexagon-unknown-elf:v68", false, Endian::little, 164, 0x68},
      {"hexagon-unknown-elf:v69", false, Endian::little, 164, 0x69},
      {"hexagon-unknown-elf:v73", false, Endian::little, 164, 0x73},
  };
  for (const auto& w : wants) {
    const Target& t = find_target(w.triple);
    EXPECT_EQ(t.container, Container::elf) << w.triple;
    EXPECT_EQ(t.is_64, w.is_64) << w.triple;
    EXPECT_EQ(t.endian, w.endian) << w.triple;
    EXPECT_EQ(t.machine, w.machine) << w.triple;
    EXPECT_EQ(t.flags, w.flags) << w.triple;
    EXPECT_EQ(t.section, ".rodata") << w.triple;
    EXPECT_EQ(t.symbol_prefix, "") << w.triple;
  }
}

TEST(ObjectTarget, OnlyX86_64HasALargeSection) {
  for (const auto& t : all_targets()) {
    if (t.triple == "x86_64-linux-gnu") {
      EXPECT_EQ(t.large_section, ".lrodata");
      EXPECT_EQ(t.large_flags, kSHF_X86_64_LARGE);
    } else {
      EXPECT_TRUE(t.large_section.empty()) << t.triple;
      EXPECT_EQ(t.large_flags, 0u) << t.triple;
    }
  }
}

TEST(ObjectTarget, VendorFieldsAndArchAliasesNameTheSameRow) {
  EXPECT_EQ(find_target("x86_64-unknown-linux-gnu").triple, "x86_64-linux-gnu");
  EXPECT_EQ(find_target("x86_64-pc-linux-gnu").triple, "x86_64-linux-gnu");
  EXPECT_EQ(find_target("amd64-linux-gnu").triple, "x86_64-linux-gnu");
  EXPECT_EQ(find_target("X86_64-Linux-GNU").triple, "x86_64-linux-gnu");
  EXPECT_EQ(find_target("aarch64-unknown-linux-gnu").triple, "aarch64-linux-gnu");
  EXPECT_EQ(find_target("arm64-linux-gnu").triple, "aarch64-linux-gnu");
  EXPECT_EQ(find_target("i386-pc-linux-gnu").triple, "i686-linux-gnu");
  EXPECT_EQ(find_target("armv7-unknown-linux-gnueabihf").triple, "arm-linux-gnueabihf");
  EXPECT_EQ(find_target("ppc64le-linux-gnu").triple, "powerpc64le-linux-gnu");
  EXPECT_EQ(find_target("riscv64-unknown-linux-gnu").triple, "riscv64-linux-gnu");
  EXPECT_EQ(find_target("riscv64-unknown-linux-gnu:lp64f").triple, "riscv64-linux-gnu:lp64f");
  EXPECT_EQ(find_target("riscv32-unknown-none-elf").triple, "riscv32-unknown-elf");
  EXPECT_EQ(find_target("riscv32-elf").triple, "riscv32-unknown-elf");
  EXPECT_EQ(find_target("hexagon-elf:V73").triple, "hexagon-unknown-elf:v73");
  EXPECT_EQ(find_target("x86_64-linux").triple, "x86_64-linux-gnu");
}

TEST(ObjectTarget, BareArm64IsAarch64Linux) {
  EXPECT_EQ(find_target("arm64").triple, "aarch64-linux-gnu");
  EXPECT_EQ(find_target("aarch64").triple, "aarch64-linux-gnu");
  EXPECT_EQ(find_target("ARM64").triple, "aarch64-linux-gnu");
}

TEST(ObjectTarget, BareAmd64IsX86_64Linux) {
  EXPECT_EQ(find_target("amd64").triple, "x86_64-linux-gnu");
  EXPECT_EQ(find_target("x86_64").triple, "x86_64-linux-gnu");
  EXPECT_EQ(find_target("x86-64").triple, "x86_64-linux-gnu");
}

// A bare architecture names the first row of that architecture (and variant), in table order.
TEST(ObjectTarget, BareArchitectureIsItsFirstRow) {
  EXPECT_EQ(find_target("hexagon").triple, "hexagon-unknown-elf");
  EXPECT_EQ(find_target("hexagon:v73").triple, "hexagon-unknown-elf:v73");
  EXPECT_EQ(find_target("riscv64").triple, "riscv64-linux-gnu");
  EXPECT_EQ(find_target("riscv32").triple, "riscv32-unknown-elf");
  EXPECT_EQ(find_target("i386").triple, "i686-linux-gnu");
  EXPECT_EQ(find_target("ppc64le").triple, "powerpc64le-linux-gnu");
  EXPECT_EQ(lookup_target("vax"), nullptr);
  EXPECT_EQ(lookup_target("hexagon:v99"), nullptr);
}

TEST(ObjectTarget, RowAliasesNameTheirRow) {
  EXPECT_EQ(find_target("x86_64-pc-windows-gnu").triple, "x86_64-w64-mingw32");
  EXPECT_EQ(find_target("x86_64-w64-windows-gnu").triple, "x86_64-w64-mingw32");
  EXPECT_EQ(find_target("i686-pc-windows-gnu").triple, "i686-w64-mingw32");
  EXPECT_EQ(find_target("arm64-apple-macos").triple, "arm64-apple-darwin");
  EXPECT_EQ(find_target("aarch64-apple-darwin").triple, "arm64-apple-darwin");
  EXPECT_EQ(find_target("x86_64-apple-macosx").triple, "x86_64-apple-darwin");
  EXPECT_EQ(find_target("aarch64-apple-ios").triple, "arm64-apple-ios");
  EXPECT_EQ(find_target("x86_64-windows-msvc").triple, "x86_64-pc-windows-msvc");
  EXPECT_EQ(find_target("arm64-pc-windows-msvc").triple, "aarch64-pc-windows-msvc");
}

// No spelling (triple or alias, normalized) names two rows.
TEST(ObjectTarget, EverySpellingNamesOneRow) {
  std::set<std::string> seen;
  for (const auto& t : all_targets()) {
    std::string names = std::string(t.triple) + " " + std::string(t.aliases);
    std::size_t pos = 0;
    while (pos < names.size()) {
      std::size_t end = names.find(' ', pos);
      if (end == std::string::npos) end = names.size();
      std::string name = names.substr(pos, end - pos);
      pos = end + 1;
      if (name.empty()) continue;
      EXPECT_TRUE(seen.insert(normalize_triple(name)).second) << name;
      EXPECT_EQ(&find_target(name), &t) << name;
    }
  }
}

TEST(ObjectTarget, UnknownTripleSuggestsClosest) {
  auto message = [](std::string_view name) {
    try {
      find_target(name);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(message("aarch64-linux-gnux").find("; did you mean 'aarch64-linux-gnu'?"),
            std::string::npos);
  EXPECT_NE(message("x86_64-apple-darwn").find("; did you mean 'x86_64-apple-darwin'?"),
            std::string::npos);
  // Compared normalized, suggested canonical: one edit from the alias arm64-apple-macos.
  EXPECT_NE(message("arm64-apple-macoss").find("; did you mean 'arm64-apple-darwin'?"),
            std::string::npos);
  EXPECT_NE(message("hexagn").find("; did you mean 'hexagon-unknown-elf'?"), std::string::npos)
      << message("hexagn");
  EXPECT_EQ(message("vax-dec-ultrix").find("did you mean"), std::string::npos);
}

// What the Mach-O and COFF writers dispatch on (<mach-o/loader.h>, the PE/COFF specification).
TEST(ObjectTarget, AppleAndWindowsRowsCarryTheirContainerFacts) {
  struct Want {
    const char* triple;
    Container container;
    bool is_64;
    std::uint32_t machine;
    std::uint32_t flags;
    const char* section;
    const char* prefix;
  };
  const Want wants[] = {
      {"x86_64-apple-darwin", Container::macho, true, 0x01000007, 3, "__TEXT,__const", "_"},
      {"arm64-apple-darwin", Container::macho, true, 0x0100000c, 0, "__TEXT,__const", "_"},
      {"arm64-apple-ios", Container::macho, true, 0x0100000c, 0, "__TEXT,__const", "_"},
      {"x86_64-w64-mingw32", Container::coff, true, 0x8664, 0, ".rdata", ""},
      {"i686-w64-mingw32", Container::coff, false, 0x14c, 0, ".rdata", "_"},
      {"x86_64-pc-windows-msvc", Container::coff, true, 0x8664, 0, ".rdata", ""},
      {"aarch64-pc-windows-msvc", Container::coff, true, 0xaa64, 0, ".rdata", ""},
  };
  for (const auto& w : wants) {
    const Target& t = find_target(w.triple);
    EXPECT_EQ(t.triple, w.triple);
    EXPECT_EQ(t.container, w.container) << w.triple;
    EXPECT_EQ(t.is_64, w.is_64) << w.triple;
    EXPECT_EQ(t.endian, Endian::little) << w.triple;
    EXPECT_EQ(t.machine, w.machine) << w.triple;
    EXPECT_EQ(t.flags, w.flags) << w.triple;
    EXPECT_EQ(t.section, w.section) << w.triple;
    EXPECT_EQ(t.symbol_prefix, w.prefix) << w.triple;
  }
  EXPECT_EQ(find_target("x86_64-apple-darwin").platform, 1u);  // PLATFORM_MACOS
  EXPECT_EQ(find_target("arm64-apple-ios").platform, 2u);      // PLATFORM_IOS
}

// A Mach-O row's minimum OS is one fact: LC_BUILD_VERSION's minos (min_os), the compiler's
// --target version and the linker's -platform_version name the same version.
TEST(ObjectTarget, AppleRowsNameOneMinimumOs) {
  for (const auto& t : all_targets()) {
    if (t.container != Container::macho) {
      EXPECT_EQ(t.platform, 0u) << t.triple;
      EXPECT_EQ(t.min_os, 0u) << t.triple;
      continue;
    }
    std::string version =
        std::to_string(t.min_os >> 16) + "." + std::to_string((t.min_os >> 8) & 0xff);
    std::string os = t.platform == 1 ? "macos" : "ios";
    EXPECT_NE(t.toolchain.target_flags.find("-apple-" + os + version), std::string::npos)
        << t.triple << ": " << t.toolchain.target_flags;
    EXPECT_NE(
        t.toolchain.link_flags.find("-platform_version " + os + " " + version + " " + version),
        std::string::npos)
        << t.triple << ": " << t.toolchain.link_flags;
  }
}

// Every row carries its default toolchain (the toolchain layer's presets are made from these).
TEST(ObjectTarget, EveryRowNamesItsDefaultToolchain) {
  for (const auto& t : all_targets()) {
    EXPECT_FALSE(t.toolchain.cc.empty()) << t.triple;
    EXPECT_FALSE(t.toolchain.ar.empty()) << t.triple;
    EXPECT_FALSE(t.toolchain.linkers.empty()) << t.triple;
    EXPECT_FALSE(t.toolchain.cc_package.empty()) << t.triple;
    EXPECT_FALSE(t.note.empty()) << t.triple;
  }
}

TEST(ObjectTarget, UnknownTripleIsAnErrorListingTheKnownOnes) {
  try {
    find_target("vax-dec-ultrix");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("unknown target 'vax-dec-ultrix'"), std::string::npos) << m;
    for (const auto& t : all_targets()) EXPECT_NE(m.find(t.triple), std::string::npos) << t.triple;
  }
  EXPECT_EQ(lookup_target("riscv64-linux-gnu:lp128"), nullptr);
  EXPECT_EQ(lookup_target(""), nullptr);
}

TEST(ObjectTarget, HostDefaultIsThisMachine) {
  const Target& host = host_target();
#if defined(__x86_64__)
  EXPECT_EQ(host.triple, "x86_64-linux-gnu");
#elif defined(__aarch64__)
  EXPECT_EQ(host.machine, kEM_AARCH64);
#endif
  EXPECT_EQ(host.is_64, sizeof(void*) == 8);
  EXPECT_EQ(host.endian, __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? Endian::little : Endian::big);
}

// Splicing is the default only where tests/object_elf_splice_test.cc and export_splice_test.cc
// load spliced libraries: x86-64, aarch64 and riscv64 ELF (little-endian, 64-bit). A row added
// with .splice = true but without those tests fails here first.
TEST(ObjectTarget, SpliceIsOnOnlyForTheTargetsItsTestsProve) {
  std::set<std::string_view> spliced;
  for (const Target& t : all_targets()) {
    if (!t.splice) continue;
    spliced.insert(t.triple);
    EXPECT_EQ(t.container, Container::elf) << t.triple;
    EXPECT_TRUE(t.is_64 && t.endian == Endian::little) << t.triple;
    EXPECT_TRUE(t.machine == kEM_X86_64 || t.machine == kEM_AARCH64 || t.machine == kEM_RISCV)
        << t.triple;
  }
  EXPECT_TRUE(spliced.count("x86_64-linux-gnu") && spliced.count("aarch64-linux-gnu") &&
              spliced.count("riscv64-linux-gnu"));
}

}  // namespace
}  // namespace mblob
