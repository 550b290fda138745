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

}  // namespace
}  // namespace mblob
