// Small text helpers for messages: joining lists and showing untrusted bytes safely.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mblob {

// "a, b, c" (items joined by `sep`).
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

// `s` with control characters and non-ASCII bytes shown as \xNN, so a name read from an
// untrusted file or typed by a user prints as one line in an error message.
std::string printable(std::string_view s);

}  // namespace mblob
