#include "mblob/runtime/module.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "mblob/core/text.h"
#include "mblob/format/reader.h"

namespace mblob {

Module::Module(std::string kind, ByteView payload, std::shared_ptr<const void> keep_alive)
    : kind_(std::move(kind)), payload_(payload), keep_alive_(std::move(keep_alive)) {}

Module::~Module() {
  // Destroying imports recursively would nest one destructor call per level of the tree, and a
  // blob may describe a chain millions deep. Instead, take over the children of every module
  // that dies with us, so each destructor below runs with no imports of its own.
  std::vector<ModulePtr> pending = std::move(imports_);
  while (!pending.empty()) {
    ModulePtr m = std::move(pending.back());
    pending.pop_back();
    if (m.use_count() == 1) {
      for (auto& c : m->imports_) pending.push_back(std::move(c));
      m->imports_.clear();
    }
  }
}

void* Module::find_symbol(const std::string& /*name*/) const { return nullptr; }

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, Loader> loaders;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::optional<Loader> find_loader(const std::string& kind) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.loaders.find(kind);
  if (it == r.loaders.end()) return std::nullopt;
  return it->second;
}

[[noreturn]] void no_loader(const std::string& kind, const std::string& where) {
  throw Error(
      where + ": no loader for module kind \"" + kind + "\" (registered loaders: " +
      (registered_loader_kinds().empty() ? std::string("none") : join(registered_loader_kinds())) +
      "); register one with mblob::register_loader, or load with opaque_unknown_kinds to "
      "keep unknown kinds as bytes");
}

// Runs a registered loader. Whatever it throws becomes an Error naming the library, the module
// and its kind (`where`), followed by the loader's own message.
template <typename Fn>
ModulePtr run_loader(const std::string& where, Fn&& fn) {
  ModulePtr m;
  try {
    m = fn();
  } catch (const std::exception& e) {
    throw Error(where + ": the loader failed: " + e.what());
  } catch (...) {
    throw Error(where + ": the loader failed with an exception that is not a std::exception");
  }
  if (!m) throw Error(where + ": the loader returned no module");
  return m;
}

}  // namespace

void register_loader(const std::string& kind, Loader loader) {
  if (!loader.from_bytes && !loader.from_stream) {
    throw Error("loader for \"" + kind + "\" has neither from_bytes nor from_stream");
  }
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.loaders[kind] = std::move(loader);
}

bool unregister_loader(const std::string& kind) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.loaders.erase(kind) > 0;
}

std::vector<std::string> registered_loader_kinds() {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> kinds;
  for (const auto& kv : r.loaders) kinds.push_back(kv.first);
  return kinds;
}

ModulePtr load_opaque(const LoadContext& context) {
  return std::make_shared<Module>(context.kind, context.payload, context.keep_alive);
}

LoadedTree deserialize_tree(ByteView symbol_bytes, Format format, const LoadOptions& options,
                            ModulePtr library, std::shared_ptr<const void> keep_alive,
                            const std::string& where) {
  if (!library) library = std::make_shared<Module>(std::string(kLibKind), ByteView(), keep_alive);

  // Legacy payloads are consumed while parsing: a stream loader builds its module right there.
  std::vector<ModulePtr> stream_built;
  auto legacy_payload = [&](std::string_view kind_view, Reader& stream) {
    std::string kind(kind_view);
    auto loader = find_loader(kind);
    if (loader && loader->from_stream) {
      // The entry's index is known only once the whole blob is parsed; its offset is known now.
      auto at = static_cast<std::uint64_t>(stream.data().data() - symbol_bytes.data());
      LoadContext ctx{
          kind, stream.data(), keep_alive,
          where + ": module \"" + kind + "\" (payload at blob offset " + std::to_string(at) + ")"};
      stream_built.push_back(
          run_loader(ctx.where, [&] { return loader->from_stream(stream, ctx); }));
      return stream.data().sub(0, stream.offset());
    }
    if (!loader && !options.opaque_unknown_kinds) no_loader(kind, where);
    stream_built.push_back(nullptr);
    return read_legacy_payload(kind, stream);
  };

  ParsedBlob parsed = parse_blob(symbol_bytes, format, where, legacy_payload);

  LoadedTree tree;
  tree.format = format;
  tree.blob_bytes = parsed.blob_bytes;
  tree.implicit_root = parsed.implicit_root;
  std::size_t next_stream = 0;
  for (std::size_t i = 0; i < parsed.entries.size(); ++i) {
    const BlobEntry& e = parsed.entries[i];
    ModulePtr m;
    if (e.is_lib()) {
      m = library;
    } else {
      if (format == Format::legacy) m = stream_built[next_stream++];
      if (!m) {
        LoadContext ctx{e.kind, e.payload, keep_alive,
                        where + ": module " + std::to_string(i) + " \"" + e.kind + "\""};
        auto loader = find_loader(e.kind);
        if (loader && loader->from_bytes) {
          m = run_loader(ctx.where, [&] { return loader->from_bytes(ctx); });
        } else if (options.opaque_unknown_kinds) {
          m = load_opaque(ctx);
        } else {
          no_loader(e.kind, where);
        }
      }
    }
    tree.modules.push_back(std::move(m));
  }
  for (std::size_t i = 0; i < parsed.entries.size(); ++i) {
    tree.import_indices.push_back(parsed.imports_of(i));
    for (std::uint64_t c : tree.import_indices.back()) {
      tree.modules[i]->import_module(tree.modules[static_cast<std::size_t>(c)]);
    }
  }
  tree.root = tree.modules.front();
  return tree;
}

ModulePtr deserialize(ByteView symbol_bytes, Format format, const LoadOptions& options) {
  return deserialize_tree(symbol_bytes, format, options).root;
}

}  // namespace mblob
