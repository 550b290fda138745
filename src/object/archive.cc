// The `ar` archive reader (layout: include/mblob/object/archive.h).
#include "mblob/object/archive.h"

#include <string_view>

#include "mblob/core/error.h"
#include "mblob/core/text.h"

namespace mblob {

namespace {

constexpr std::string_view kMagic = "!<arch>\n";
constexpr std::string_view kThinMagic = "!<thin>\n";
constexpr std::uint64_t kHeaderSize = 60;

std::string_view field(ByteView header, std::size_t at, std::size_t size) {
  return {reinterpret_cast<const char*>(header.data()) + at, size};
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// A decimal field padded with spaces; throws on anything else (no sign, no hex, not empty).
std::uint64_t decimal(std::string_view text, const std::string& where, std::uint64_t at,
                      const char* what) {
  std::string_view digits = trim_right(text);
  if (digits.empty()) throw Error::at(where, at, std::string(what) + " is empty");
  std::uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      throw Error::at(where, at,
                      std::string(what) + " '" + printable(text) + "' is not a decimal number");
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');  // at most 10 digits: no overflow
  }
  return v;
}

// The name a GNU "/N" entry points to in the long-name table.
std::string long_name(ByteView table, std::uint64_t index, const std::string& where,
                      std::uint64_t at) {
  if (table.empty()) {
    throw Error::at(where, at, "member name refers to a long-name table the archive lacks");
  }
  if (index >= table.size()) {
    throw Error::at(where, at,
                    "long-name offset " + std::to_string(index) + " is past the end of the " +
                        std::to_string(table.size()) + "-byte name table");
  }
  std::string_view names(reinterpret_cast<const char*>(table.data()), table.size());
  std::size_t end = names.find('\n', static_cast<std::size_t>(index));
  if (end == std::string_view::npos) end = names.size();
  std::string_view name = names.substr(static_cast<std::size_t>(index), end - index);
  if (!name.empty() && name.back() == '/') name.remove_suffix(1);
  return std::string(name);
}

bool is_symbol_index(std::string_view raw) {
  return raw == "/" || raw == "/SYM64/" || raw.substr(0, 9) == "__.SYMDEF";
}

}  // namespace

bool has_archive_magic(ByteView file) {
  if (file.size() < kMagic.size()) return false;
  std::string_view head(reinterpret_cast<const char*>(file.data()), kMagic.size());
  return head == kMagic || head == kThinMagic;
}

void for_each_archive_member(ByteView file, const std::string& where,
                             const std::function<void(const ArchiveMember&)>& fn) {
  if (!has_archive_magic(file)) throw Error::at(where, 0, "not an ar archive (no !<arch> magic)");
  if (std::string_view(reinterpret_cast<const char*>(file.data()), kMagic.size()) == kThinMagic) {
    throw Error(where +
                ": a thin archive (!<thin>): its members are separate files, which mblob does "
                "not follow; make a normal archive (ar without T)");
  }
  ByteView long_names;
  std::uint64_t at = kMagic.size();
  while (at < file.size()) {
    if (file.size() - at < kHeaderSize) {
      throw Error::at(where, at,
                      "member header cut short (" + std::to_string(file.size() - at) +
                          " bytes left, a header has 60)");
    }
    ByteView header = file.sub(static_cast<std::size_t>(at), kHeaderSize);
    if (field(header, 58, 2) != "`\n") {
      throw Error::at(where, at + 58, "member header does not end with the terminator \"`\\n\"");
    }
    const std::uint64_t size = decimal(field(header, 48, 10), where, at + 48, "member size");
    const std::uint64_t data_at = at + kHeaderSize;
    if (size > file.size() - data_at) {
      throw Error::at(where, at + 48,
                      "member size " + std::to_string(size) + " runs past the end of the file (" +
                          std::to_string(file.size() - data_at) + " bytes follow the header)");
    }
    ByteView data = file.sub(static_cast<std::size_t>(data_at), static_cast<std::size_t>(size));
    std::string_view raw = trim_right(field(header, 0, 16));

    ArchiveMember m;
    m.offset = data_at;
    m.data = data;
    bool special = false;
    if (raw == "//") {
      long_names = data;
      special = true;
    } else if (is_symbol_index(raw)) {
      special = true;
    } else if (raw.substr(0, 3) == "#1/") {
      std::uint64_t n = decimal(raw.substr(3), where, at, "BSD name length");
      if (n > size) {
        throw Error::at(where, at,
                        "BSD name length " + std::to_string(n) + " is larger than the member (" +
                            std::to_string(size) + " bytes)");
      }
      std::string_view name(reinterpret_cast<const char*>(data.data()),
                            static_cast<std::size_t>(n));
      name = name.substr(0, name.find('\0'));  // BSD pads names with NULs
      special = is_symbol_index(name);
      m.name = std::string(name);
      m.offset = data_at + n;
      m.data = data.sub(static_cast<std::size_t>(n), static_cast<std::size_t>(size - n));
    } else if (raw.size() > 1 && raw[0] == '/') {
      m.name =
          long_name(long_names, decimal(raw.substr(1), where, at, "long-name offset"), where, at);
    } else {
      m.name = std::string(!raw.empty() && raw.back() == '/' ? raw.substr(0, raw.size() - 1) : raw);
    }
    if (!special) fn(m);
    at = data_at + size + (size & 1);
  }
}

}  // namespace mblob
