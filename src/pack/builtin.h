// The built-in packers (one file each in src/pack/); registry.cc lists them.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mblob/pack/packer.h"

namespace mblob::packers {

std::vector<std::filesystem::path> native(const PackRequest& r);
std::vector<std::filesystem::path> c_hex(const PackRequest& r);
std::vector<std::filesystem::path> c_embed(const PackRequest& r);
std::vector<std::filesystem::path> asm_incbin(const PackRequest& r);
std::vector<std::filesystem::path> objcopy(const PackRequest& r);
std::vector<std::filesystem::path> command(const PackRequest& r);

// The command packer's template handling (command_packer.cc), exposed for tests: words split at
// whitespace with single quotes grouping; {name} placeholders replaced from `values`.
std::vector<std::string> split_command_template(std::string_view text);
std::string expand_placeholders(std::string_view word,
                                const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace mblob::packers
