// The object's structure, as GNU readelf and llvm-readobj read it: every target parses without
// warnings, and every header, section and symbol field is what the spec says.
#include <gtest/gtest.h>

#include "mblob/object/elf.h"
#include "mblob/object/target.h"
#include "object_tools.h"

namespace mblob::test {
namespace {

using namespace mblob::elf;
using obj::Facts;

// Checks one tool's view of an object written for `t` with `payload` under symbol "blob"
// (with --size-symbol: blob_end and blob_size too).
void expect_spec_fields(const Facts& f, const Target& t, const fs::path& file,
                        const std::vector<std::uint8_t>& payload, const std::string& tool) {
  SCOPED_TRACE(tool + " on " + std::string(t.triple));
  EXPECT_EQ(f.diagnostics, "");
  EXPECT_EQ(f.elf_class, t.is_64 ? kELFCLASS64 : kELFCLASS32);
  EXPECT_EQ(f.data, t.endian == Endian::little ? kELFDATA2LSB : kELFDATA2MSB);
  EXPECT_EQ(f.type, kET_REL);
  if (tool == "llvm-readobj")
    EXPECT_EQ(f.machine, t.machine);
  else
    EXPECT_EQ(f.machine, 1u) << "readelf does not know the machine";
  EXPECT_EQ(f.flags, t.flags);
  EXPECT_EQ(f.shnum, 7u);
  EXPECT_EQ(f.shstrndx, 5u);

  // Sections: null, data, .note.GNU-stack, .symtab, .strtab, .shstrtab, the size section.
  ASSERT_EQ(f.sections.size(), 7u);
  const std::uint64_t word = t.is_64 ? 8 : 4;
  const obj::Section& data = f.sections[1];
  EXPECT_EQ(data.name, ".rodata");
  EXPECT_EQ(data.type, kSHT_PROGBITS);
  EXPECT_EQ(data.flags, kSHF_ALLOC);
  EXPECT_EQ(data.size, payload.size());
  EXPECT_EQ(data.align, 16u);
  EXPECT_EQ(data.offset % 16, 0u);
  EXPECT_EQ(obj::file_range(file, data.offset, data.size), payload) << "payload bytes";
  const obj::Section& note = f.sections[2];
  EXPECT_EQ(note.name, ".note.GNU-stack");
  EXPECT_EQ(note.type, kSHT_PROGBITS);
  EXPECT_EQ(note.flags, 0u) << "no SHF_EXECINSTR: the stack stays non-executable";
  EXPECT_EQ(note.size, 0u);
  const obj::Section& symtab = f.sections[3];
  EXPECT_EQ(symtab.name, ".symtab");
  EXPECT_EQ(symtab.type, kSHT_SYMTAB);
  EXPECT_EQ(symtab.link, 4u);
  EXPECT_EQ(symtab.info, 1u) << "one local symbol (the null one) before the globals";
  EXPECT_EQ(symtab.entsize, t.is_64 ? 24u : 16u);
  EXPECT_EQ(symtab.size, 4 * symtab.entsize);
  EXPECT_EQ(symtab.align, word);
  EXPECT_EQ(symtab.offset % word, 0u);
  EXPECT_EQ(f.sections[4].name, ".strtab");
  EXPECT_EQ(f.sections[4].type, kSHT_STRTAB);
  EXPECT_EQ(f.sections[5].name, ".shstrtab");
  EXPECT_EQ(f.sections[5].type, kSHT_STRTAB);
  const obj::Section& size_section = f.sections[6];
  EXPECT_EQ(size_section.name, ".rodata.blob_size");
  EXPECT_EQ(size_section.type, kSHT_PROGBITS);
  EXPECT_EQ(size_section.flags, kSHF_ALLOC) << "read-only, never the large section";
  EXPECT_EQ(size_section.size, 8u);
  EXPECT_EQ(size_section.align, 8u);
  EXPECT_EQ(size_section.offset % 8, 0u);
  ByteWriter expected_size(t.endian);
  expected_size.u64(payload.size());
  EXPECT_EQ(obj::file_range(file, size_section.offset, 8), expected_size.buffer())
      << "the size in the target's byte order";
  EXPECT_EQ(f.shoff % word, 0u);
  EXPECT_GE(f.shoff, data.offset + data.size) << "section headers come after the payload";
  EXPECT_EQ(f.shoff + 7 * (t.is_64 ? 64 : 40), fs::file_size(file)) << "headers end the file";

  const obj::Symbol* blob = f.symbol("blob");
  ASSERT_NE(blob, nullptr);
  EXPECT_EQ(blob->value, 0u);
  EXPECT_EQ(blob->size, payload.size());
  EXPECT_EQ(blob->type, kSTT_OBJECT);
  EXPECT_EQ(blob->bind, kSTB_GLOBAL);
  EXPECT_EQ(blob->vis, kSTV_DEFAULT);
  EXPECT_EQ(blob->shndx, 1u);
  const obj::Symbol* end = f.symbol("blob_end");
  ASSERT_NE(end, nullptr);
  EXPECT_EQ(end->value, payload.size()) << "at the end of the data";
  EXPECT_EQ(end->shndx, 1u) << "relocatable, in the data section";
  EXPECT_EQ(end->size, 0u);
  EXPECT_EQ(end->bind, kSTB_GLOBAL);
  const obj::Symbol* size = f.symbol("blob_size");
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->value, 0u);
  EXPECT_EQ(size->size, 8u);
  EXPECT_EQ(size->type, kSTT_OBJECT);
  EXPECT_EQ(size->shndx, 6u) << "relocatable, in the size section (not SHN_ABS)";
  EXPECT_EQ(size->bind, kSTB_GLOBAL);
}

TEST(ObjectStructure, EveryTargetParsesWithoutWarningsAndFieldsMatchTheSpec) {
  MBLOB_REQUIRE_TOOL(readelf, "readelf");
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  auto payload = pattern_bytes(1001, 7);
  write_bytes(dir / "in.bin", payload);
  for (const auto& t : all_targets()) {
    if (t.container != Container::elf) continue;  // no native writer for other containers yet
    std::string name(t.triple);
    std::replace(name.begin(), name.end(), ':', '_');
    fs::path out = dir / (name + ".o");
    auto r = obj::pack({(dir / "in.bin").string(), "-o", out.string(), "--symbol", "blob",
                        "--size-symbol", "--target", std::string(t.triple)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_spec_fields(obj::readelf(out.string()), t, out, payload, "readelf");
    expect_spec_fields(obj::readobj(out.string()), t, out, payload, "llvm-readobj");
  }
}

TEST(ObjectStructure, VisibilityOptionSetsStOther) {
  MBLOB_REQUIRE_TOOL(readobj, "llvm-readobj");
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"default", kSTV_DEFAULT}, {"hidden", kSTV_HIDDEN}, {"protected", kSTV_PROTECTED}};
  for (auto [name, stv] : cases) {
    fs::path out = dir / (std::string(name) + ".o");
    auto r = obj::pack({(dir / "in.bin").string(), "-o", out.string(), "--symbol", "blob",
                        "--visibility", name, "--target", "aarch64-linux-gnu"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto f = obj::readobj(out.string());
    ASSERT_NE(f.symbol("blob"), nullptr);
    EXPECT_EQ(f.symbol("blob")->vis, stv) << name;
    EXPECT_EQ(obj::readelf(out.string()).symbol("blob")->vis, stv) << name;
  }
}

TEST(ObjectStructure, AlignOptionSetsShAddralignAndPayloadOffset) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(100));
  for (const char* align : {"1", "8", "64", "4096", "65536"}) {
    fs::path out = dir / "a.o";
    auto r = obj::pack({(dir / "in.bin").string(), "-o", out.string(), "--symbol", "blob",
                        "--align", align, "--target", "x86_64-linux-gnu"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto f = obj::readelf(out.string());
    std::uint64_t a = std::stoull(align);
    EXPECT_EQ(f.sections.at(1).align, a) << align;
    EXPECT_EQ(f.sections.at(1).offset % std::min<std::uint64_t>(a, 4096), 0u) << align;
    EXPECT_EQ(obj::file_range(out, f.sections[1].offset, 100), pattern_bytes(100));
  }
}

TEST(ObjectStructure, AlignMustBeAPowerOfTwo) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  for (const char* bad : {"0", "3", "24", "12288", "2147483648"}) {
    auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                        "--align", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("alignment"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "a.o"));
  }
  auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                      "--align", "sixteen"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--align: 'sixteen' is not a size"), std::string::npos) << r.err;
}

TEST(ObjectStructure, SymbolNameMustBeValid) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  for (const char* bad : {"", "1blob", "a b", "blob@V1", "blob\n", "a-b", "\xc3\xa9"}) {
    auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", bad});
    EXPECT_NE(r.exit_code, 0) << "'" << bad << "'";
    EXPECT_NE(r.err.find("symbol"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "a.o"));
  }
  for (const char* good : {"__tvm_ffi__library_bin", "_Z3foov", "a.b$c", "x9"}) {
    auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", good});
    EXPECT_EQ(r.exit_code, 0) << good << ": " << r.err;
    EXPECT_NE(obj::readelf((dir / "a.o").string()).symbol(good), nullptr) << good;
  }
}

TEST(ObjectStructure, SectionOptionNamesTheDataSection) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(33));
  auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                      "--section", ".rodata.model", "--target", "riscv64-linux-gnu"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto f = obj::readobj((dir / "a.o").string());
  EXPECT_EQ(f.sections.at(1).name, ".rodata.model");
  EXPECT_EQ(f.sections.at(1).flags, kSHF_ALLOC);
  r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "b.o").string(), "--symbol", "blob",
                 "--section", ".data.model"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(obj::readobj((dir / "b.o").string()).sections.at(1).flags, kSHF_ALLOC | kSHF_WRITE);
}

TEST(ObjectStructure, ReservedSectionNamesAreRefused) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  for (const char* bad : {".symtab", ".bss", ".bss.x", ".init_array", ".rela.text",
                          ".note.GNU-stack", ".tdata", "a b", ""}) {
    auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                        "--section", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("section"), std::string::npos) << r.err;
  }
}

// Sections a linker discards, does not load, or rewrites would link with no blob or a broken
// one (tried with GNU ld, gold, lld and mold): refused, with the reason, before any output.
TEST(ObjectStructure, SectionsLinkersDoNotLoadAreRefusedWithTheReason) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  const std::pair<const char*, const char*> cases[] = {
      {".debug_info", "is a debugging section: linkers do not load it"},
      {".debug_str", "is a debugging section"},
      {".debug", "is a debugging section"},
      {".zdebug_info", "is a debugging section"},
      {".stab", "is a debugging section"},
      {".stabstr", "is a debugging section"},
      {".line", "is a debugging section"},
      {".gnu_debuglink", "is a debugging section"},
      {".gnu.lto_main", "GCC's LTO bytecode: GNU ld discards it"},
      {".gnu.lto_.symtab.0", "LTO bytecode"},
      {".gnu.warning", "prints its contents as a link warning"},
      {".gnu.warning.blob", "prints its contents as a link warning"},
      {".note", "is a note section"},
      {".note.gnu.property", "is a note section"},
      {".comment", "is a comment section"},
      {".gnu.linkonce.r.blob", "one .gnu.linkonce section per name"},
      {".ARM.attributes", "linkers parse or merge"},
      {".eh_frame_hdr", "linkers parse or merge"}};
  for (auto [bad, why] : cases) {
    auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                        "--section", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find(std::string("section name '") + bad + "' is refused: "), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "a.o")) << bad;
  }
  // Names that only look alike are ordinary data sections.
  for (const char* good :
       {".rodata.debug_info", ".rodata.comment", ".stable", ".notes_data", ".lineup", ".data.x"}) {
    auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                        "--section", good});
    EXPECT_EQ(r.exit_code, 0) << good << ": " << r.err;
    EXPECT_EQ(obj::readelf((dir / "a.o").string()).sections.at(1).name, good);
  }
}

TEST(ObjectStructure, ElfFlagsOverridesTheTargetsFlags) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                      "--target", "powerpc64-linux-gnu", "--elf-flags", "0x2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(obj::readobj((dir / "a.o").string()).flags, 2u);
  r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "b.o").string(), "--symbol", "blob",
                 "--elf-flags", "0x100000000"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("32 bits"), std::string::npos) << r.err;
}

TEST(ObjectStructure, UnknownTargetListsTheKnownOnes) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                      "--target", "pdp11-dec-bsd"});
  EXPECT_EQ(r.exit_code, 2);  // a usage error
  // One error line (then the usage hint) naming the target and listing the known ones.
  std::string first = r.err.substr(0, r.err.find('\n'));
  EXPECT_NE(first.find("mblob: error: unknown target 'pdp11-dec-bsd'"), std::string::npos) << r.err;
  EXPECT_NE(first.find("hexagon-unknown-elf"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
}

TEST(ObjectStructure, LargeIsRefusedOnTargetsWithoutLargeSections) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                      "--target", "aarch64-linux-gnu", "--large"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("only on x86-64"), std::string::npos) << r.err;
}

TEST(ObjectStructure, SameInputsGiveIdenticalBytes) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(5000));
  for (const char* t : {"x86_64-linux-gnu", "s390x-linux-gnu", "hexagon-unknown-elf:v68"}) {
    std::vector<std::string> args = {
        (dir / "in.bin").string(), "--symbol", "blob", "--target", t, "--size-symbol"};
    auto a = args, b = args;
    a.insert(a.end(), {"-o", (dir / "a.o").string()});
    b.insert(b.end(), {"-o", (dir / "b.o").string()});
    ASSERT_EQ(obj::pack(a).exit_code, 0);
    ASSERT_EQ(obj::pack(b).exit_code, 0);
    EXPECT_EQ(read_bytes(dir / "a.o"), read_bytes(dir / "b.o")) << t;
  }
}

TEST(ObjectStructure, PayloadsOf1MiBOrMoreStartAt64KiB) {
  TempDir dir;
  const std::pair<std::size_t, std::uint64_t> cases[] = {
      {(1u << 20) - 1, 64}, {1u << 20, 65536}, {(1u << 20) + 1, 65536}};
  for (auto [size, offset] : cases) {
    write_bytes(dir / "in.bin", pattern_bytes(size));
    auto r = obj::pack({(dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol", "blob",
                        "--target", "x86_64-linux-gnu"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto f = obj::readelf((dir / "a.o").string());
    EXPECT_EQ(f.sections.at(1).offset, offset) << size;
    EXPECT_EQ(obj::file_range(dir / "a.o", offset, size), pattern_bytes(size)) << size;
  }
}

// A stream is laid out like a file of the same size, whichever side of the 1 MiB read-ahead.
TEST(ObjectStructure, StdinInputGivesTheSameObjectAsAFile) {
  TempDir dir;
  for (std::size_t size : {std::size_t{300001}, std::size_t{1} << 20, std::size_t{1572865}}) {
    auto payload = pattern_bytes(size, 3);
    write_bytes(dir / "in.bin", payload);
    for (const char* t : {"x86_64-linux-gnu", "powerpc-linux-gnu"}) {
      ASSERT_EQ(obj::pack({(dir / "in.bin").string(), "-o", (dir / "file.o").string(), "--symbol",
                           "blob", "--target", t})
                    .exit_code,
                0);
      auto r = run({cli(), "pack", "-", "-o", (dir / "stdin.o").string(), "--symbol", "blob",
                    "--target", t, "-q"},
                   {}, std::string(payload.begin(), payload.end()));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(read_bytes(dir / "stdin.o"), read_bytes(dir / "file.o")) << t << " " << size;
    }
  }
}

TEST(ObjectStructure, ListTargetsPrintsEveryRow) {
  auto r = run_ok({cli(), "pack", "--list-targets"});
  for (const auto& t : all_targets()) EXPECT_NE(r.out.find(t.triple), std::string::npos);
}

TEST(ObjectStructure, MissingRequiredArgumentsAreUsageErrors) {
  TempDir dir;
  write_bytes(dir / "in.bin", pattern_bytes(10));
  EXPECT_EQ(run({cli(), "pack", (dir / "in.bin").string(), "--symbol", "b"}).exit_code, 2);
  EXPECT_EQ(run({cli(), "pack", (dir / "in.bin").string(), "-o", (dir / "a.o").string()}).exit_code,
            2);
  EXPECT_EQ(run({cli(), "pack", (dir / "in.bin").string(), "-o", (dir / "a.o").string(), "--symbol",
                 "b", "--visibility", "public"})
                .exit_code,
            2);
  EXPECT_FALSE(fs::exists(dir / "a.o"));
}

TEST(ObjectStructure, HelpExplainsEveryOptionWithAnExample) {
  auto r = run_ok({cli(), "pack", "--help"});
  for (const char* opt : {"--output", "--symbol", "--target", "--section", "--align",
                          "--visibility", "--large", "--large-threshold", "--size-symbol",
                          "--elf-flags", "--quiet", "--list-targets", "Example"}) {
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
  }
}

}  // namespace
}  // namespace mblob::test
