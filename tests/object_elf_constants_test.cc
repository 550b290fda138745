// object/elf.h beside the system's <elf.h>: both orders of inclusion compile, and every constant
// mblob names has the value the system header gives the gABI name.
#include <elf.h>
#include <gtest/gtest.h>

#include "mblob/object/elf.h"

namespace mblob::elf {
namespace {

TEST(ElfConstants, CoexistWithSystemElfHAndAgreeWithIt) {
  // The system macros are still the system's after mblob's header (no token was redefined).
  static_assert(SHT_PROGBITS == kSHT_PROGBITS && SHT_DYNSYM == kSHT_DYNSYM);
  static_assert(PT_LOAD == kPT_LOAD && PT_GNU_RELRO == kPT_GNU_RELRO && PF_R == kPF_R);
  static_assert(EM_X86_64 == kEM_X86_64 && EM_AARCH64 == kEM_AARCH64 && EM_RISCV == kEM_RISCV);
  static_assert(EM_QDSP6 == kEM_QDSP6 && EM_LOONGARCH == kEM_LOONGARCH);
  static_assert(SHF_ALLOC == kSHF_ALLOC);
  static_assert(STB_GLOBAL == kSTB_GLOBAL && STT_OBJECT == kSTT_OBJECT &&
                STV_HIDDEN == kSTV_HIDDEN);
  static_assert(SHN_XINDEX == kSHN_XINDEX && PN_XNUM == kPN_XNUM && ET_DYN == kET_DYN);
  static_assert(EF_RISCV_FLOAT_ABI_DOUBLE == kEF_RISCV_FLOAT_ABI_DOUBLE);
  static_assert(EF_ARM_EABI_VER5 == kEF_ARM_EABI_VER5 && EF_MIPS_ARCH_64R2 == kEF_MIPS_ARCH_64R2);
  static_assert(ELFCLASS64 == kELFCLASS64 && ELFDATA2MSB == kELFDATA2MSB &&
                EI_NIDENT == kEI_NIDENT);
  static_assert(SHT_GNU_HASH == kSHT_GNU_HASH && DT_GNU_HASH == kDT_GNU_HASH &&
                DT_HASH == kDT_HASH && DT_SONAME == kDT_SONAME && DT_SYMENT == kDT_SYMENT &&
                DT_STRSZ == kDT_STRSZ && DT_STRTAB == kDT_STRTAB && DT_SYMTAB == kDT_SYMTAB);
  static_assert(sizeof(ElfDyn<Elf64LE>) == sizeof(Elf64_Dyn) &&
                sizeof(ElfDyn<Elf32BE>) == sizeof(Elf32_Dyn));
  // And at run time, so the test is listed and counted.
  EXPECT_EQ(std::uint32_t{SHT_NOTE}, kSHT_NOTE);
  EXPECT_EQ(std::uint16_t{EM_PPC64}, kEM_PPC64);
}

}  // namespace
}  // namespace mblob::elf
