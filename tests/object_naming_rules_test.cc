// The naming rules (object/naming_rules.h): symbols, sections per container, alignment, large
// data.
#include <gtest/gtest.h>

#include <functional>

#include "mblob/core/error.h"
#include "mblob/object/naming_rules.h"

namespace mblob {
namespace {

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(NamingRules, CIdentifierSymbolsHaveNoDot) {
  EXPECT_EQ(error_of([] { check_symbol_name("blob.v1", SymbolUse::object); }), "");
  EXPECT_NE(error_of([] {
              check_symbol_name("blob.v1", SymbolUse::c_identifier, "x: ");
            }).find("x: invalid symbol name 'blob.v1': character '.' at position 4"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_symbol_name("9lives", SymbolUse::object); }), "");
  EXPECT_NE(error_of([] { check_symbol_name("", SymbolUse::object); }).find("empty"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_symbol_name(std::string(4097, 'a'), SymbolUse::object); }), "");
  EXPECT_EQ(
      error_of([] { check_symbol_name("__tvm_ffi__library_bin$1", SymbolUse::c_identifier); }), "");
}

// '-' is an ELF section character (GNU as and LLVM read up to a comma or blank), not a COFF one
// (GNU as reads a COFF section name as a symbol name, which '-' ends).
TEST(NamingRules, DashIsAnElfSectionCharacterOnly) {
  EXPECT_EQ(error_of([] { check_section_name(".rodata.my-blob", Container::elf); }), "");
  EXPECT_NE(error_of([] {
              check_section_name(".rdata.my-blob", Container::coff);
            }).find("invalid COFF section name"),
            std::string::npos);
  EXPECT_EQ(error_of([] { check_section_name(".rdata$blob", Container::coff); }), "");
}

TEST(NamingRules, CoffSectionsWithAMeaningAreRefusedWithTheirGroups) {
  for (const char* name :
       {".drectve", ".debug$S", ".CRT$XCU", ".idata$2", ".pdata", ".tls$", ".bss"}) {
    EXPECT_NE(error_of([&] { check_section_name(name, Container::coff); }).find("is refused"),
              std::string::npos)
        << name;
  }
  EXPECT_EQ(blob_section_refusal(".rdata$zz", Container::coff), "");
  // An ELF meaning does not carry over: .note is a plain name in COFF.
  EXPECT_EQ(blob_section_refusal(".note", Container::coff), "");
}

TEST(NamingRules, MachOSectionIsSegmentCommaSectionOfAtMost16Each) {
  EXPECT_EQ(error_of([] { check_section_name("__TEXT,__const", Container::macho); }), "");
  EXPECT_EQ(error_of([] { check_section_name("__DATA,__mblob", Container::macho); }), "");
  for (const char* bad : {"__const", "__TEXT,", ",__const", "__TEXT,__const,x",
                          "__TEXT,__seventeen_chars", "__TEXT,__my-blob"}) {
    EXPECT_NE(error_of([&] { check_section_name(bad, Container::macho); }), "") << bad;
  }
  EXPECT_NE(error_of([] {
              check_section_name("__DWARF,__debug_info", Container::macho);
            }).find("debugging segment"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              check_section_name("__DATA,__mod_init_func", Container::macho);
            }).find("is refused"),
            std::string::npos);
}

TEST(NamingRules, CoffAlignmentStopsAt8KiB) {
  EXPECT_EQ(error_of([] { check_alignment(8192, Container::coff); }), "");
  EXPECT_NE(error_of([] {
              check_alignment(16384, Container::coff, "--align: ");
            }).find("--align: alignment 16384 is larger than the maximum, 8192"),
            std::string::npos);
  EXPECT_EQ(error_of([] { check_alignment(std::uint64_t{1} << 30, Container::elf); }), "");
  EXPECT_EQ(error_of([] { check_alignment(std::uint64_t{1} << 30, Container::macho); }), "");
  EXPECT_NE(error_of([] { check_alignment(std::uint64_t{1} << 31, Container::elf); }), "");
  EXPECT_NE(error_of([] { check_alignment(3, Container::elf); }).find("not a power of two"),
            std::string::npos);
  EXPECT_EQ(max_alignment(Container::coff), 8192u);
}

TEST(NamingRules, LargeSectionForPayloadsPastTheThresholdOnX86_64Only) {
  const Target& x86 = find_target("x86_64-linux-gnu");
  const Target& arm = find_target("aarch64-linux-gnu");
  EXPECT_EQ(blob_section(x86, "", false, 100, 1000).name, ".rodata");
  BlobSection big = blob_section(x86, "", false, 1001, 1000);
  EXPECT_EQ(big.name, ".lrodata");
  EXPECT_TRUE(big.large);
  EXPECT_TRUE(blob_section(x86, ".lrodata.w", false, 1, 1000).large);
  EXPECT_FALSE(blob_section(x86, ".rodata.w", false, 5000, 1000).large);  // explicit name kept
  EXPECT_TRUE(blob_section(x86, ".rodata.w", true, 1, 1000).large);
  EXPECT_TRUE(blob_section(x86, ".data.w", false, 1, 1000).writable);
  EXPECT_EQ(blob_section(arm, "", false, 5000, 1000).name, ".rodata");
  EXPECT_NE(error_of([&] { blob_section(arm, "", true, 1, 1000); }).find("only on x86-64"),
            std::string::npos);
  EXPECT_EQ(blob_section(find_target("arm64-apple-darwin"), "", false, 1, 1).name,
            "__TEXT,__const");
}

}  // namespace
}  // namespace mblob
