#include "mblob/core/error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mblob {

Error Error::at(const std::string& where, std::uint64_t offset, const std::string& what) {
  char pos[64];
  std::snprintf(pos, sizeof pos, "at offset %llu (0x%llx)", static_cast<unsigned long long>(offset),
                static_cast<unsigned long long>(offset));
  return Error(where + ": " + pos + ": " + what);
}

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r may return a static string instead of filling buf.
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
  return ::strerror_r(err, buf, sizeof buf);
#else
  if (::strerror_r(err, buf, sizeof buf) != 0) return "error " + std::to_string(err);
  return buf;
#endif
}

void throw_errno(const std::string& context) { throw_errno(context, errno); }

void throw_errno(const std::string& context, int err) {
  throw Error(context + ": " + errno_text(err));
}

}  // namespace mblob
