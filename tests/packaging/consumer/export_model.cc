// A user of the installed mblob package: exports HOST_C + WEIGHTS as a model library through
// the C++ export API, loads it back through the runtime and prints one line per module
// ("<kind> <payload bytes>"). Built by tests/packaging/installed_package.sh from
// consumer/CMakeLists.txt (mblob::mblob, mblob::mblob_static) and from `pkg-config mblob`.
// Usage: export_model HOST_C WEIGHTS OUT.so
#include <cstdio>

#include "mblob/export/export.h"
#include "mblob/runtime/library.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: export_model HOST_C WEIGHTS OUT.so\n");
    return 2;
  }
  try {
    mblob::ModuleTree tree;
    mblob::ModuleTree::Node host;
    host.host = true;
    host.host_inputs = {argv[1]};
    host.imports = {1};
    tree.add(std::move(host));
    mblob::ModuleTree::Node weights;
    weights.kind = "params";
    weights.payload = mblob::ByteSource::from_file(argv[2]);
    tree.add(std::move(weights));
    mblob::export_library(tree, argv[3], mblob::ExportOptions{});

    mblob::LoadOptions load;
    load.opaque_unknown_kinds = true;
    mblob::LoadedTree loaded = mblob::load_library_tree(argv[3], load);
    for (const auto& m : loaded.modules) {
      std::printf("%s %zu\n", m->kind().c_str(), m->payload().size());
    }
  } catch (const mblob::Error& e) {
    std::fprintf(stderr, "export_model: %s\n", e.what());
    return 1;
  }
  return 0;
}
