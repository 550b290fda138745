// export's splice path (src/export/splice_step.cc): ELF libraries for x86-64, aarch64 and riscv64
// are linked against a placeholder and get the blob spliced in; with every linker they load,
// serve the same tree as the linked blob (--link-blob), pass `mblob verify`, and set the
// context pointer; what cannot be spliced falls back to linking.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "mblob/export/export.h"
#include "mblob/format/writer.h"
#include "mblob/runtime/library.h"
#include "support/test_support.h"

namespace mblob {
namespace {

namespace fs = std::filesystem;

// The sample model, with host code that also defines the ffi context pointer.
struct CtxModel : test::SampleModel {
  explicit CtxModel(std::size_t weight_bytes = 200001)
      : SampleModel({.weight_bytes = weight_bytes}) {
    test::write_text(dir / "host.c",
                     "int model_add(int a, int b) { return a + b; }\n"
                     "void* __tvm_ffi__library_ctx = 0;\n"
                     "void* get_ctx(void) { return __tvm_ffi__library_ctx; }\n");
  }
};

nlohmann::json cli_json(const std::vector<std::string>& argv) {
  return nlohmann::json::parse(test::run_ok(argv).out);
}

std::vector<std::string> phase_names(const nlohmann::json& j) {
  std::vector<std::string> out;
  for (const auto& p : j["phases"]) out.push_back(p["name"].get<std::string>());
  return out;
}

class ExportSpliceLinkers : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportSpliceLinkers, SplicedExportLoadsAgreesWithLinkBlobAndVerifies) {
  const std::string linker = GetParam();
  MBLOB_REQUIRE_TOOL(ld, linker == "bfd"    ? "ld.bfd"
                         : linker == "gold" ? "ld.gold"
                         : linker == "lld"  ? "ld.lld"
                                            : "mold");
  CtxModel m;
  auto spliced = m.dir / "spliced.so";
  auto linked = m.dir / "linked.so";
  auto j = cli_json({test::cli(), "export", m.manifest.string(), "-o", spliced.string(), "--linker",
                     linker, "--json", "-q"});
  EXPECT_EQ(phase_names(j),
            (std::vector<std::string>{"serialize", "pack", "compile", "link", "splice", "verify"}));
  EXPECT_EQ(j["section"], ".mblob.blob");
  auto jl = cli_json({test::cli(), "export", m.manifest.string(), "-o", linked.string(), "--linker",
                      linker, "--link-blob", "--json", "-q"});
  EXPECT_NE(jl["section"], ".mblob.blob");
  // `mblob load` of both, and the runtime, agree.
  auto ls = cli_json({test::cli(), "load", spliced.string(), "--json"});
  EXPECT_EQ(ls, cli_json({test::cli(), "load", linked.string(), "--json"}));
  auto v = test::run_ok({test::cli(), "verify", spliced.string()});
  EXPECT_NE(v.out.find("digest ok"), std::string::npos) << v.out;
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  LoadedTree t = load_library_tree(spliced, opts);
  ASSERT_EQ(t.modules.size(), 3u);
  EXPECT_EQ(ls["modules"].size(), 3u);
  EXPECT_EQ(t.modules[1]->payload().to_vector(), test::pattern_bytes(777, 11));
  EXPECT_EQ(t.modules[2]->payload().to_vector(), test::pattern_bytes(200001, 12));
  auto* add = reinterpret_cast<int (*)(int, int)>(t.root->find_symbol("model_add"));
  auto* get_ctx = reinterpret_cast<void* (*)()>(t.root->find_symbol("get_ctx"));
  ASSERT_NE(add, nullptr);
  ASSERT_NE(get_ctx, nullptr);
  EXPECT_EQ(add(2, 3), 5);
  EXPECT_EQ(get_ctx(), t.root.get()) << "the context pointer is not set";
}

INSTANTIATE_TEST_SUITE_P(All, ExportSpliceLinkers,
                         ::testing::Values(std::string("bfd"), std::string("gold"),
                                           std::string("lld"), std::string("mold")),
                         [](const auto& info) { return info.param; });

TEST(ExportSplice, EveryPhaseIsReportedAsItStartsAndEnds) {
  test::SampleModel m;
  Manifest man = read_manifest(m.manifest);
  ExportOptions o;
  o.quiet = true;
  std::vector<std::string> events;
  o.on_phase_start = [&](const std::string& name) { events.push_back("start " + name); };
  o.on_phase_end = [&](const ExportPhase& p) { events.push_back("end " + p.name); };
  ExportReport r = export_library(man.tree, m.dir / "out.so", o);
  EXPECT_EQ(events,
            (std::vector<std::string>{"start serialize", "end serialize", "start pack", "end pack",
                                      "start compile", "end compile", "start link", "end link",
                                      "start splice", "end splice", "start verify", "end verify"}));
  EXPECT_EQ(r.section, ".mblob.blob");
}

// Payloads of 0, 1, page-1, page and page+1 bytes each export, load and verify (the blob is the
// payload plus the layout's header; blobs of exactly those sizes: object_elf_splice_test.cc).
TEST(ExportSplice, PayloadsAroundAPageLoadWithTheirBytes) {
  for (std::size_t n : {0, 1, 4095, 4096, 4097}) {
    SCOPED_TRACE(n);
    CtxModel m(n);
    auto so = m.exported("model.so");
    LoadOptions opts;
    opts.opaque_unknown_kinds = true;
    LoadedTree t = load_library_tree(so, opts);
    ASSERT_EQ(t.modules.size(), 3u);
    EXPECT_EQ(t.modules[2]->payload().to_vector(), test::pattern_bytes(n, 12));
    test::run_ok({test::cli(), "verify", so.string()});
  }
}

// With no --align, the largest payload (w.bin, 200001 bytes) lands page-aligned in the library,
// so the runtime's zero-copy view of it is page-aligned in memory; with --align, the blob symbol
// has that alignment instead.
TEST(ExportSplice, LargestPayloadIsPageAlignedUnlessAlignIsGiven) {
  CtxModel m;
  LoadOptions opts;
  opts.opaque_unknown_kinds = true;
  {
    LoadedTree t = load_library_tree(m.exported("page.so"), opts);
    ASSERT_EQ(t.modules.size(), 3u);
    const auto w = t.modules[2]->payload();
    EXPECT_EQ(w.size(), 200001u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(w.data()) % 4096, 0u);
  }
  for (const char* align : {"16", "64K"}) {
    fs::path so = m.exported(std::string("aligned") + align + ".so", {"--align", align});
    void* h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(h, nullptr) << dlerror();
    void* blob = dlsym(h, "__tvm_ffi__library_bin");
    ASSERT_NE(blob, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(blob) % (std::string(align) == "16" ? 16u : 65536u),
              0u)
        << align;
    dlclose(h);
    test::run_ok({test::cli(), "verify", so.string()});
  }
}

TEST(ExportSplice, LinkBlobAndOtherPackersLinkTheBlob) {
  test::SampleModel m;
  for (std::vector<std::string> extra :
       {std::vector<std::string>{"--link-blob"}, std::vector<std::string>{"--packer", "c-hex"},
        std::vector<std::string>{"--align", "128K"}}) {
    extra.push_back("--json");
    auto j = cli_json(m.export_argv("out.so", extra));
    EXPECT_NE(j["section"], ".mblob.blob") << extra[0];
    auto names = phase_names(j);
    EXPECT_EQ(std::count(names.begin(), names.end(), "splice"), 0) << extra[0];
  }
}

// -Bsymbolic cannot be given to export, but a refused splice must fall back to linking: a
// linker that merges the slot note into a shared PT_NOTE is simulated by --cc wrapping gcc so
// that mold gets the read-only note (the wrapper adds --build-id, which mold merges with it).
TEST(ExportSplice, RefusedSpliceFallsBackToLinkingWithAWarning) {
  MBLOB_REQUIRE_TOOL(mold, "mold");
  test::SampleModel m;
  // A driver that rewrites the writable slot note to a read-only one before assembling.
  fs::path cc = m.dir / "cc.sh";
  test::write_text(cc,
                   "#!/bin/sh\n"
                   "for a in \"$@\"; do case \"$a\" in *mblob_placeholder.s) "
                   "sed -i 's/,\"aw\",%note/,\"a\",%note/' \"$a\";; esac; done\n"
                   "exec gcc -Wl,--build-id \"$@\"\n");
  fs::permissions(cc, fs::perms::owner_all);
  auto r = test::run(m.export_argv("out.so", {"--cc", cc.string(), "--linker", "mold", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("linking the blob instead"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_NE(j["section"], ".mblob.blob");
  test::run_ok({test::cli(), "verify", (m.dir / "out.so").string()});
}

// aarch64 and riscv64: the spliced export runs under qemu (dlopen, the blob's bytes hashed,
// a host call).
// With the target's default linker (GNU ld), and with lld and mold, which the Debian cross gcc
// finds only through the -B export adds.
struct CrossLink {
  std::string arch, linker;  // linker "" = the target's default
};
void PrintTo(const CrossLink& c, std::ostream* os) {
  *os << c.arch << (c.linker.empty() ? "" : " with " + c.linker);
}
class ExportSpliceCross : public ::testing::TestWithParam<CrossLink> {};

TEST_P(ExportSpliceCross, SplicedExportLoadsUnderQemu) {
  const std::string arch = GetParam().arch;
  const std::string linker = GetParam().linker;
  MBLOB_REQUIRE_TOOL(gcc, arch + "-linux-gnu-gcc");
  MBLOB_REQUIRE_TOOL(qemu, "qemu-" + arch);
  if (!linker.empty()) {
    MBLOB_REQUIRE_TOOL(ld, "ld." + linker);
  }
  test::SampleModel m;
  auto so = m.dir / "model.so";
  std::vector<std::string> extra = {"--target", arch + "-linux-gnu", "--json"};
  if (!linker.empty()) extra.insert(extra.end(), {"--linker", linker});
  auto j = cli_json(m.export_argv("model.so", extra));
  EXPECT_EQ(j["section"], ".mblob.blob");
  test::run_ok({test::cli(), "verify", so.string()});
  Manifest man = read_manifest(m.manifest);
  EXPECT_EQ(test::run_model_check_under_qemu(gcc, qemu, arch, m.dir.path(), so),
            test::model_check_line(serialize(man.tree, SerializeOptions{}).read_all()));
}

INSTANTIATE_TEST_SUITE_P(All, ExportSpliceCross,
                         ::testing::Values(CrossLink{"aarch64", ""}, CrossLink{"aarch64", "lld"},
                                           CrossLink{"aarch64", "mold"}, CrossLink{"riscv64", ""},
                                           CrossLink{"riscv64", "lld"},
                                           CrossLink{"riscv64", "mold"}),
                         [](const auto& info) {
                           return info.param.arch +
                                  (info.param.linker.empty() ? "" : "_" + info.param.linker);
                         });

}  // namespace
}  // namespace mblob
