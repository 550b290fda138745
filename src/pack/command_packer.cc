// Packer "command": a user's command template, run without a shell.
//
// The template is split into words at whitespace (spaces, tabs, newlines). Single quotes group
// characters, whitespace included, into a word ('a b' is one argument; it''s is "its"); there
// is no other quoting or escaping, and no shell: `;`, `|`, `$(...)`, `*`, `>` are plain
// characters. Placeholders are replaced inside each word after the split, so a substituted path
// with spaces stays one argument:
//
//   {blob}       the blob as a file (<workspace>/imports.bin)
//   {symbol}     the symbol to define, prefix included
//   {output}     the object the command must write: <workspace>/devc.o
//   {target}     the target triple
//   {workspace}  the workspace directory
//   {format}     ffi or legacy
//
// Paths are made unambiguous (tool_path: a relative path starting with '-' gets "./").
// Any other {name} (letters, digits, _) is an error; other braces are literal. The command's
// output is removed before it runs; a command that exits 0 without writing it is an error.
#include <fmt/format.h>

#include "builtin.h"
#include "mblob/toolchain/process.h"
#include "mblob/toolchain/toolchain.h"
#include "pack_util.h"

namespace mblob::packers {

namespace {

constexpr const char* kName = "command";

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::vector<std::string> split_command_template(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\'') {
      std::size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) {
        throw Error(fmt::format("pack command: unterminated single quote at character {} of: {}",
                                i + 1, text));
      }
      word.append(text.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string expand_placeholders(std::string_view word,
                                const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (word[i] == '{') {
      std::size_t j = i + 1;
      while (j < word.size() && name_char(word[j])) ++j;
      if (j > i + 1 && j < word.size() && word[j] == '}') {
        std::string_view name = word.substr(i + 1, j - i - 1);
        const std::string* value = nullptr;
        for (const auto& [k, v] : values) {
          if (k == name) value = &v;
        }
        if (value == nullptr) {
          std::string known;
          for (const auto& kv : values) known += (known.empty() ? "{" : ", {") + kv.first + "}";
          throw Error(
              fmt::format("pack command: unknown placeholder {{{}}} (known: {})", name, known));
        }
        out += *value;
        i = j;
        continue;
      }
    }
    out += word[i];
  }
  return out;
}

std::vector<std::filesystem::path> command(const PackRequest& r) {
  detail::check_request(kName, r);
  std::vector<std::string> words = split_command_template(r.settings.command);
  if (words.empty()) {
    throw Error(
        "the command packer needs a command template (--pack-command), e.g. "
        "'mblob pack {blob} -o {output} --symbol {symbol} --target {target}'");
  }
  auto out = r.workspace / "devc.o";
  std::vector<std::pair<std::string, std::string>> values = {
      {"blob", ""},
      {"symbol", r.symbol},
      {"output", tool_path(out)},
      {"target", r.triple.empty() ? std::string(r.target->triple) : r.triple},
      {"workspace", tool_path(r.workspace)},
      {"format", format_name(r.format)},
  };
  // Write the blob file only when the template uses it.
  bool wants_blob = r.settings.command.find("{blob}") != std::string::npos;
  if (wants_blob) values[0].second = tool_path(r.blob_file());

  std::vector<std::string> argv;
  argv.reserve(words.size());
  for (const auto& w : words) argv.push_back(expand_placeholders(w, values));

  std::error_code ec;
  std::filesystem::remove(out, ec);
  ProcessOptions options;
  options.purpose = "pack command";
  run_process_checked(argv, options);
  if (!std::filesystem::is_regular_file(out, ec)) {
    throw Error(
        fmt::format("pack command exited 0 but did not write {} (the template's {{output}}); "
                    "command: {}",
                    out.string(), shell_join(argv)));
  }
  return {out};
}

}  // namespace mblob::packers
