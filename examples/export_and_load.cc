// The C++ API end to end: build a module tree, export it to a shared library, load it back
// through the runtime, call a host function and read a payload in place (no copy).
//
//   mblob_example WORKDIR
#include <cstdio>
#include <fstream>

#include "mblob/export/export.h"
#include "mblob/runtime/library.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s WORKDIR\n", argv[0]);
    return 2;
  }
  std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "host.c") << "int model_version(void) { return 3; }\n";
  std::ofstream(dir / "kernels.ptx") << "// PTX for the device kernels\n";

  try {
    // 1. The tree: host code (merged into "_lib") importing a device module and the weights.
    mblob::ModuleTree tree;
    mblob::ModuleTree::Node host;
    host.host = true;
    host.host_inputs = {dir / "host.c"};
    host.imports = {1, 2};
    tree.add(std::move(host));
    mblob::ModuleTree::Node cuda;
    cuda.kind = "cuda";
    cuda.payload = mblob::ByteSource::from_file(dir / "kernels.ptx");
    tree.add(std::move(cuda));
    mblob::ModuleTree::Node params;
    params.kind = "params";
    params.payload = mblob::ByteSource::from_bytes(std::vector<std::uint8_t>(1 << 20, 0x5a));
    tree.add(std::move(params));

    // 2. Export: serialize (ffi layout), pack with the native object writer, compile, link.
    mblob::ExportOptions options;  // host target, native packer, ffi layout
    auto report = mblob::export_library(tree, dir / "model.so", options);
    std::printf("%s\n", report.summary().c_str());

    // 3. Load through the runtime. Unknown kinds are kept as byte views into the library.
    mblob::LoadOptions load;
    load.opaque_unknown_kinds = true;
    mblob::ModulePtr root = mblob::load_library(dir / "model.so", load);
    auto version = reinterpret_cast<int (*)()>(root->find_symbol("model_version"));
    std::printf("root: %s, model_version() = %d\n", root->kind().c_str(), version ? version() : -1);
    for (const auto& m : root->imports()) {
      std::printf("  import: %-8s %zu bytes, first byte 0x%02x\n", m->kind().c_str(),
                  m->payload().size(), m->payload().empty() ? 0 : m->payload()[0]);
    }
  } catch (const mblob::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
