// mblob::Error: the one exception type every mblob layer throws.
//
// A message is one line a user can act on. Errors about bytes name where they were read
// (a file or a symbol), the byte offset, and what was expected there.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace mblob {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}

  // "<where>: at offset <offset> (0x<hex>): <what>"
  static Error at(const std::string& where, std::uint64_t offset, const std::string& what);
};

// A request that cannot be carried out as asked (a bad option value, an output path that is a
// directory, an unknown target): the CLI reports it like any Error but exits with status 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Formats errno (or a given error number) as text, e.g. "No such file or directory".
std::string errno_text(int err);

// Throws Error("<context>: <strerror(errno)>").
[[noreturn]] void throw_errno(const std::string& context);
[[noreturn]] void throw_errno(const std::string& context, int err);

}  // namespace mblob
