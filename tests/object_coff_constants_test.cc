// object/coff.h beside <winnt.h>: the header compiles after macros named as the specification
// names the constants (as <windows.h> defines them), and every constant checked here has the
// value mingw-w64's <windows.h> gives the specification's name.
//
// <winnt.h> itself cannot be included in a Linux build; its macros are simulated below for the
// compile-time half, and read from mingw's preprocessor for the values.
#define IMAGE_FILE_MACHINE_AMD64 0x8664
#define IMAGE_SCN_CNT_INITIALIZED_DATA 0x00000040
#define IMAGE_SYM_CLASS_EXTERNAL 0x0002

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "mblob/object/coff.h"
#include "support/test_support.h"

namespace mblob::coff {
namespace {

TEST(CoffConstants, CoexistWithWinntMacros) {
  // The macros are still the macros after mblob's header (no token was redefined or clashed).
  static_assert(IMAGE_FILE_MACHINE_AMD64 == kIMAGE_FILE_MACHINE_AMD64);
  static_assert(IMAGE_SCN_CNT_INITIALIZED_DATA == kIMAGE_SCN_CNT_INITIALIZED_DATA);
  static_assert(IMAGE_SYM_CLASS_EXTERNAL == kIMAGE_SYM_CLASS_EXTERNAL);
  EXPECT_EQ(std::uint16_t{IMAGE_FILE_MACHINE_AMD64}, kIMAGE_FILE_MACHINE_AMD64);
}

TEST(CoffConstants, AgreeWithMingwWindowsH) {
  MBLOB_REQUIRE_TOOL(gcc, "x86_64-w64-mingw32-gcc");
  test::TempDir dir;
  test::write_text(dir / "w.c", "#include <windows.h>\n");
  auto r = test::run_ok({gcc, "-E", "-dM", (dir / "w.c").string()});
  std::map<std::string, std::uint64_t> defined;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string define, name, value;
    words >> define >> name >> value;
    if (define != "#define" || name.rfind("IMAGE_", 0) != 0 || value.empty()) continue;
    try {
      std::size_t used = 0;
      std::uint64_t v = std::stoull(value, &used, 0);
      if (used == value.size()) defined[name] = v;
    } catch (const std::exception&) {
      // An expression, not a number: not one of the values compared below.
    }
  }
  const std::pair<const char*, std::uint64_t> ours[] = {
      {"IMAGE_FILE_MACHINE_I386", kIMAGE_FILE_MACHINE_I386},
      {"IMAGE_FILE_MACHINE_ARMNT", kIMAGE_FILE_MACHINE_ARMNT},
      {"IMAGE_FILE_MACHINE_AMD64", kIMAGE_FILE_MACHINE_AMD64},
      {"IMAGE_FILE_MACHINE_ARM64", kIMAGE_FILE_MACHINE_ARM64},
      {"IMAGE_FILE_DLL", kIMAGE_FILE_DLL},
      {"IMAGE_SCN_CNT_INITIALIZED_DATA", kIMAGE_SCN_CNT_INITIALIZED_DATA},
      {"IMAGE_SCN_CNT_UNINITIALIZED_DATA", kIMAGE_SCN_CNT_UNINITIALIZED_DATA},
      {"IMAGE_SCN_LNK_INFO", kIMAGE_SCN_LNK_INFO},
      {"IMAGE_SCN_LNK_REMOVE", kIMAGE_SCN_LNK_REMOVE},
      {"IMAGE_SCN_ALIGN_1BYTES", kIMAGE_SCN_ALIGN_1BYTES},
      {"IMAGE_SCN_ALIGN_8BYTES", kIMAGE_SCN_ALIGN_8BYTES},
      {"IMAGE_SCN_ALIGN_16BYTES", kIMAGE_SCN_ALIGN_16BYTES},
      {"IMAGE_SCN_ALIGN_4096BYTES", kIMAGE_SCN_ALIGN_4096BYTES},
      {"IMAGE_SCN_ALIGN_8192BYTES", kIMAGE_SCN_ALIGN_8192BYTES},
      {"IMAGE_SCN_ALIGN_MASK", kIMAGE_SCN_ALIGN_MASK},
      {"IMAGE_SCN_MEM_READ", kIMAGE_SCN_MEM_READ},
      {"IMAGE_SCN_MEM_WRITE", kIMAGE_SCN_MEM_WRITE},
      {"IMAGE_SYM_TYPE_NULL", kIMAGE_SYM_TYPE_NULL},
      {"IMAGE_SYM_CLASS_EXTERNAL", kIMAGE_SYM_CLASS_EXTERNAL},
      {"IMAGE_SYM_CLASS_STATIC", kIMAGE_SYM_CLASS_STATIC},
      {"IMAGE_DOS_SIGNATURE", kIMAGE_DOS_SIGNATURE},
      {"IMAGE_NT_SIGNATURE", kIMAGE_NT_SIGNATURE},
      {"IMAGE_NT_OPTIONAL_HDR32_MAGIC", kIMAGE_NT_OPTIONAL_HDR32_MAGIC},
      {"IMAGE_NT_OPTIONAL_HDR64_MAGIC", kIMAGE_NT_OPTIONAL_HDR64_MAGIC},
      {"IMAGE_DIRECTORY_ENTRY_EXPORT", kIMAGE_DIRECTORY_ENTRY_EXPORT},
  };
  for (const auto& [name, value] : ours) {
    SCOPED_TRACE(name);
    auto it = defined.find(name);
    ASSERT_NE(it, defined.end()) << "mingw's <windows.h> does not define it as a number";
    EXPECT_EQ(it->second, value);
  }
}

}  // namespace
}  // namespace mblob::coff
