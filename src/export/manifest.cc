// The JSON manifest `mblob export` reads (format in include/mblob/export/export.h).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mblob/core/text.h"
#include "mblob/export/export.h"

namespace mblob {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::filesystem::path& path, const std::string& what) {
  throw Error(printable(path.string()) + ": " + what);
}

// nlohmann's message without its "[json.exception.<type>.<id>] " prefix.
std::string json_message(const json::exception& e) {
  std::string m = e.what();
  if (!m.empty() && m[0] == '[') {
    auto close = m.find("] ");
    if (close != std::string::npos) m.erase(0, close + 2);
  }
  return m;
}

// Follows the parser through the document to name where an error is (modules[1].legacy_raw)
// and to refuse a key that appears twice in one object (nlohmann would keep the last silently).
class KeyTracker {
 public:
  bool on_event(json::parse_event_t event, const json& parsed) {
    using E = json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        frames_.push_back({event == E::array_start, 0, {}, {}});
        break;
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        element_done();
        break;
      case E::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) throw Duplicate{};
        break;
      }
      case E::value:
        element_done();
        break;
    }
    return true;
  }
  // "modules[1].legacy_raw", or "" at the top level.
  std::string where() const {
    std::string out;
    for (const auto& f : frames_) {
      if (f.array) {
        out += "[" + std::to_string(f.index) + "]";
      } else if (!f.key.empty() || !f.keys.empty()) {
        out += (out.empty() ? "" : ".") + f.key;
      }
    }
    return printable(out);
  }
  const std::string& last_key() const { return frames_.back().key; }
  struct Duplicate {};

 private:
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    std::set<std::string> keys;
  };
  std::vector<Frame> frames_;
};

json parse_manifest(const std::filesystem::path& path, std::istream& in) {
  KeyTracker keys;
  try {
    return json::parse(in, [&](int, json::parse_event_t event, json& parsed) {
      return keys.on_event(event, parsed);
    });
  } catch (const KeyTracker::Duplicate&) {
    bad(path, "duplicate key \"" + printable(keys.last_key()) + "\" (at " + keys.where() +
                  "): each key may appear once in an object");
  } catch (const json::parse_error& e) {
    std::string at = keys.where();
    bad(path,
        "not valid JSON" + (at.empty() ? "" : " (at \"" + at + "\")") + ": " + json_message(e));
  } catch (const json::exception& e) {
    // A number out of range (1e999) and the like.
    std::string at = keys.where();
    bad(path,
        (at.empty() ? std::string("the manifest") : "key \"" + at + "\"") + ": " + json_message(e));
  }
}

std::vector<std::string> string_list(const std::filesystem::path& path, const json& m,
                                     const std::string& module, const char* key) {
  std::vector<std::string> out;
  if (!m.contains(key)) return out;
  const json& v = m.at(key);
  if (!v.is_array())
    bad(path,
        fmt::format("module \"{}\": \"{}\" must be a list of strings", printable(module), key));
  for (const auto& e : v) {
    if (!e.is_string()) {
      bad(path,
          fmt::format("module \"{}\": \"{}\" must be a list of strings", printable(module), key));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::filesystem::path existing_file(const std::filesystem::path& manifest,
                                    const std::string& module, const std::string& rel,
                                    std::string_view role) {
  std::filesystem::path p = rel;
  if (p.is_relative()) p = manifest.parent_path() / p;
  std::string problem = input_file_problem(p, role);
  if (!problem.empty()) {
    bad(manifest,
        fmt::format("module \"{}\": {}: {}", printable(module), printable(p.string()), problem));
  }
  return p;
}

// Every module must be reachable from the root through imports: one that is not would be left
// out of the blob (TVM's serializer never sees it).
void check_all_imported(const std::filesystem::path& path, const ModuleTree& tree,
                        const std::vector<std::string>& names) {
  std::vector<std::size_t> lost = unimported_modules(tree);
  if (lost.empty()) return;
  std::vector<std::string> shown;
  for (std::size_t i : lost) shown.push_back("\"" + printable(names[i]) + "\"");
  bad(path, fmt::format("module{} {} {} not imported by the root \"{}\" or by anything it imports: "
                        "{} would be left out of the blob (import {} or remove {})",
                        lost.size() > 1 ? "s" : "", join(shown), lost.size() > 1 ? "are" : "is",
                        printable(names[0]), lost.size() > 1 ? "they" : "it",
                        lost.size() > 1 ? "them" : "it", lost.size() > 1 ? "them" : "it"));
}

// The modules' names, checked: each a non-empty string, each once. Index: name -> position.
std::vector<std::string> module_names(const std::filesystem::path& path, const json& modules,
                                      std::map<std::string, std::size_t>& index) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const json& m = modules[i];
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string() ||
        m["name"].get<std::string>().empty()) {
      bad(path, fmt::format("module {} needs a non-empty \"name\"", i));
    }
    names.push_back(m["name"].get<std::string>());
    if (!index.emplace(names.back(), i).second)
      bad(path, "two modules are named \"" + printable(names.back()) + "\"");
  }
  return names;
}

// Host code: sources and objects to compile and link, no payload.
void read_host_module(const std::filesystem::path& path, const json& m, const std::string& name,
                      ModuleTree::Node& node) {
  node.host = true;
  if (m.contains("payload")) {
    bad(path, fmt::format("module \"{}\": a host module has \"sources\"/\"objects\", not a "
                          "\"payload\"",
                          printable(name)));
  }
  for (const char* key : {"sources", "objects"}) {
    for (const auto& s : string_list(path, m, name, key)) {
      node.host_inputs.push_back(existing_file(path, name, s, "sources and objects"));
    }
  }
}

// A device module: a kind and a payload file.
void read_device_module(const std::filesystem::path& path, const json& m, const std::string& name,
                        const std::string& kind, ModuleTree::Node& node) {
  node.kind = kind;
  if (m.contains("sources") || m.contains("objects")) {
    bad(path, fmt::format("module \"{}\": only host modules have \"sources\"/\"objects\"",
                          printable(name)));
  }
  if (!m.contains("payload") || !m["payload"].is_string()) {
    bad(path, fmt::format("module \"{}\" needs a \"payload\" file", printable(name)));
  }
  node.payload =
      ByteSource::from_file(existing_file(path, name, m["payload"].get<std::string>(), "payloads"));
  if (m.contains("legacy_raw")) {
    if (!m["legacy_raw"].is_boolean()) {
      bad(path,
          fmt::format("module \"{}\": \"legacy_raw\" must be true or false", printable(name)));
    }
    node.legacy_raw = m["legacy_raw"].get<bool>();
  }
}

ModuleTree::Node read_module(const std::filesystem::path& path, const json& m,
                             const std::string& name,
                             const std::map<std::string, std::size_t>& index) {
  static const std::vector<std::string> known_keys = {"name",    "kind",    "sources",   "objects",
                                                      "imports", "payload", "legacy_raw"};
  for (const auto& [key, value] : m.items()) {
    if (std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
      bad(path, fmt::format("module \"{}\": unknown key \"{}\"{}", printable(name), printable(key),
                            did_you_mean(key, known_keys)));
    }
  }
  if (!m.contains("kind") || !m["kind"].is_string() || m["kind"].get<std::string>().empty()) {
    bad(path,
        fmt::format("module \"{}\" needs a \"kind\" (\"host\" for host code)", printable(name)));
  }
  ModuleTree::Node node;
  std::string kind = m["kind"].get<std::string>();
  if (kind == kLibKind || kind == kImportTreeKind) {
    bad(path, fmt::format("module \"{}\": \"{}\" is reserved; host code has kind \"host\"",
                          printable(name), printable(kind)));
  }
  if (kind == "host") {
    read_host_module(path, m, name, node);
  } else {
    read_device_module(path, m, name, kind, node);
  }
  for (const auto& imp : string_list(path, m, name, "imports")) {
    auto it = index.find(imp);
    if (it == index.end()) {
      bad(path, fmt::format("module \"{}\" imports \"{}\", which the manifest does not define",
                            printable(name), printable(imp)));
    }
    node.imports.push_back(it->second);
  }
  return node;
}

// The manifest's document, checked and turned into a module tree.
Manifest read_document(const std::filesystem::path& path, json& doc) {
  if (!doc.is_object()) bad(path, "the manifest must be a JSON object with a \"modules\" list");
  for (const auto& [key, value] : doc.items()) {
    if (key != "format" && key != "modules") {
      bad(path,
          "unknown key \"" + printable(key) + "\"" + did_you_mean(key, {"format", "modules"}));
    }
  }

  Manifest out;
  if (doc.contains("format")) {
    if (!doc["format"].is_string()) bad(path, "\"format\" must be \"ffi\" or \"legacy\"");
    out.format = parse_format(doc["format"].get<std::string>());
    if (!out.format) bad(path, "\"format\" must be \"ffi\" or \"legacy\"");
  }
  if (!doc.contains("modules") || !doc["modules"].is_array() || doc["modules"].empty()) {
    bad(path, "\"modules\" must be a non-empty list (the first module is the root)");
  }

  const json& modules = doc["modules"];
  std::map<std::string, std::size_t> index;
  std::vector<std::string> names = module_names(path, modules, index);
  for (std::size_t i = 0; i < modules.size(); ++i) {
    out.tree.add(read_module(path, modules[i], names[i], index));
  }
  check_all_imported(path, out.tree, names);
  return out;
}

}  // namespace

Manifest read_manifest(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) bad(path, "is a directory, not a manifest");
  std::ifstream in(path);
  if (!in) bad(path, "cannot open the manifest");
  json doc = parse_manifest(path, in);
  try {
    return read_document(path, doc);
  } catch (const json::exception& e) {
    // Every access above checks the type first; should one not, the message still names the
    // manifest rather than coming out as nlohmann's alone.
    bad(path, json_message(e));
  }
}

}  // namespace mblob
