// The JSON manifest `mblob export` reads (format in include/mblob/export/export.h).
#include <fmt/format.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mblob/export/export.h"

namespace mblob {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::filesystem::path& path, const std::string& what) {
  throw Error(path.string() + ": " + what);
}

std::vector<std::string> string_list(const std::filesystem::path& path, const json& m,
                                     const std::string& module, const char* key) {
  std::vector<std::string> out;
  if (!m.contains(key)) return out;
  const json& v = m.at(key);
  if (!v.is_array())
    bad(path, fmt::format("module \"{}\": \"{}\" must be a list of strings", module, key));
  for (const auto& e : v) {
    if (!e.is_string()) {
      bad(path, fmt::format("module \"{}\": \"{}\" must be a list of strings", module, key));
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

std::filesystem::path existing_file(const std::filesystem::path& manifest,
                                    const std::string& module, const std::string& rel) {
  std::filesystem::path p = rel;
  if (p.is_relative()) p = manifest.parent_path() / p;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(p, ec)) {
    bad(manifest, fmt::format("module \"{}\": file {} does not exist", module, p.string()));
  }
  return p;
}

}  // namespace

Manifest read_manifest(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) bad(path, "cannot open the manifest");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    bad(path, std::string("not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) bad(path, "the manifest must be a JSON object with a \"modules\" list");
  for (const auto& [key, value] : doc.items()) {
    if (key != "format" && key != "modules") bad(path, "unknown key \"" + key + "\"");
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
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const json& m = modules[i];
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string() ||
        m["name"].get<std::string>().empty()) {
      bad(path, fmt::format("module {} needs a non-empty \"name\"", i));
    }
    std::string name = m["name"].get<std::string>();
    if (!index.emplace(name, i).second) bad(path, "two modules are named \"" + name + "\"");
  }

  static const std::set<std::string> known_keys = {"name",    "kind",    "sources",   "objects",
                                                   "imports", "payload", "legacy_raw"};
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const json& m = modules[i];
    std::string name = m["name"].get<std::string>();
    for (const auto& [key, value] : m.items()) {
      if (!known_keys.count(key))
        bad(path, fmt::format("module \"{}\": unknown key \"{}\"", name, key));
    }
    if (!m.contains("kind") || !m["kind"].is_string() || m["kind"].get<std::string>().empty()) {
      bad(path, fmt::format("module \"{}\" needs a \"kind\" (\"host\" for host code)", name));
    }
    ModuleTree::Node node;
    std::string kind = m["kind"].get<std::string>();
    if (kind == kLibKind || kind == kImportTreeKind) {
      bad(path, fmt::format("module \"{}\": \"{}\" is reserved; host code has kind \"host\"", name,
                            kind));
    }
    if (kind == "host") {
      node.host = true;
      if (m.contains("payload")) {
        bad(path, fmt::format("module \"{}\": a host module has \"sources\"/\"objects\", not a "
                              "\"payload\"",
                              name));
      }
      for (const auto& s : string_list(path, m, name, "sources")) {
        node.host_inputs.push_back(existing_file(path, name, s));
      }
      for (const auto& s : string_list(path, m, name, "objects")) {
        node.host_inputs.push_back(existing_file(path, name, s));
      }
    } else {
      node.kind = kind;
      if (m.contains("sources") || m.contains("objects")) {
        bad(path,
            fmt::format("module \"{}\": only host modules have \"sources\"/\"objects\"", name));
      }
      if (!m.contains("payload") || !m["payload"].is_string()) {
        bad(path, fmt::format("module \"{}\" needs a \"payload\" file", name));
      }
      node.payload =
          ByteSource::from_file(existing_file(path, name, m["payload"].get<std::string>()));
      if (m.contains("legacy_raw")) {
        if (!m["legacy_raw"].is_boolean()) {
          bad(path, fmt::format("module \"{}\": \"legacy_raw\" must be true or false", name));
        }
        node.legacy_raw = m["legacy_raw"].get<bool>();
      }
    }
    for (const auto& imp : string_list(path, m, name, "imports")) {
      auto it = index.find(imp);
      if (it == index.end()) {
        bad(path, fmt::format("module \"{}\" imports \"{}\", which the manifest does not define",
                              name, imp));
      }
      node.imports.push_back(it->second);
    }
    out.tree.add(std::move(node));
  }
  return out;
}

}  // namespace mblob
