// Writing one blob back out as payload files and a manifest (include/mblob/inspect/extract.h).
#include "mblob/inspect/extract.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "mblob/core/error.h"
#include "mblob/core/text.h"

namespace mblob {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string file_name_for(std::size_t index, std::string_view kind) {
  std::string safe;
  for (char c : kind) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    safe += ok ? c : '_';
    if (safe.size() == 64) break;
  }
  return fmt::format("{}_{}.bin", index, safe);
}

std::string module_name(const ParsedBlob& blob, std::size_t i) {
  return (blob.entries[i].is_lib() ? "lib" : "m") + std::to_string(i);
}

// The manifest's module for entry i; writes its payload file into `dir`.
ordered_json module_for(const FoundBlob& b, std::size_t i, const fs::path& dir,
                        ExtractReport& report) {
  const BlobEntry& e = b.blob.entries[i];
  ordered_json m;
  m["name"] = module_name(b.blob, i);
  if (e.is_lib()) {
    m["kind"] = "host";
  } else {
    if (e.kind == "host" || !is_utf8(e.kind)) {
      throw Error(
          fmt::format("{}: module {} has kind \"{}\", which a manifest cannot hold{}",
                      printable(b.where()), i, printable(e.kind),
                      e.kind == "host" ? " (\"host\" means host code there)" : " (not UTF-8)"));
    }
    m["kind"] = e.kind;
    std::string name = file_name_for(i, e.kind);
    write_file_atomic(dir / name, e.payload);
    m["payload"] = name;
    if (b.is_legacy_raw(e)) m["legacy_raw"] = true;
    ++report.files;
    report.bytes += e.payload.size();
  }
  ordered_json imports = ordered_json::array();
  for (std::uint64_t c : b.blob.imports_of(i)) {
    imports.push_back(module_name(b.blob, static_cast<std::size_t>(c)));
  }
  m["imports"] = std::move(imports);
  return m;
}

// What is at `dir` now: nothing, an empty directory, or a non-empty one. Refuses the rest.
bool check_target(const fs::path& dir, bool force) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    throw_errno("cannot examine " + dir.string());
  }
  if (S_ISLNK(st.st_mode)) {
    throw Error(printable(dir.string()) + ": is a symbolic link; give the directory itself");
  }
  if (!S_ISDIR(st.st_mode))
    throw Error(printable(dir.string()) + ": exists and is not a directory");
  std::error_code ec;
  bool empty = fs::is_empty(dir, ec);
  if (ec) throw Error(printable(dir.string()) + ": " + ec.message());
  if (!empty && !force) {
    throw Error(printable(dir.string()) +
                ": the directory is not empty (use --force to replace it)");
  }
  return true;
}

}  // namespace

ExtractReport extract_blob(const FoundBlob& b, const fs::path& dir_in, bool force) {
  fs::path dir = dir_in.has_filename() ? dir_in : dir_in.parent_path();  // "out/" -> "out"
  bool exists = check_target(dir, force);
  ExtractReport report;
  report.dir = dir;
  TempDir staging = TempDir::beside(dir);
  fs::path tree = staging.path() / "out";
  if (::mkdir(tree.c_str(), 0777) != 0) throw_errno("cannot create " + tree.string());

  ordered_json manifest;
  manifest["format"] = format_name(b.blob.format);
  manifest["modules"] = ordered_json::array();
  for (std::size_t i = 0; i < b.blob.entries.size(); ++i) {
    manifest["modules"].push_back(module_for(b, i, tree, report));
  }
  std::string text = manifest.dump(2) + "\n";
  write_file_atomic(tree / "manifest.json", ByteView(std::string_view(text)));

  // The new directory takes DIR's place in one step; whatever was there goes with `staging`.
  if (exists) {
    if (::renameat2(AT_FDCWD, tree.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0) {
      throw_errno("cannot replace " + dir.string());
    }
  } else if (::rename(tree.c_str(), dir.c_str()) != 0) {
    throw_errno("cannot create " + dir.string());
  }
  return report;
}

}  // namespace mblob
