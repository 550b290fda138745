// Reading `ar` archives (static libraries): the members and their bytes, for GNU and BSD
// archives. Untrusted input: every header is bounds-checked and errors name the offset.
//
// Layout: the magic "!<arch>\n", then members, each a 60-byte header (name[16], date[12],
// uid[6], gid[6], mode[8], size[10] in decimal ASCII, terminator "`\n") followed by `size`
// bytes and one '\n' of padding when `size` is odd. Names:
//   GNU  "name/" (short names end with '/'); "/N" = offset N in the long-name table, a member
//        called "//" whose names end with "/\n"; the symbol index is "/" or "/SYM64/".
//   BSD  "#1/N": the name is the first N bytes of the member's data (the data follows it);
//        the symbol index is "__.SYMDEF" or "__.SYMDEF SORTED" (also "__.SYMDEF_64").
// Thin archives ("!<thin>\n") keep their members in other files: refused with a clear error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "mblob/core/bytes.h"

namespace mblob {

struct ArchiveMember {
  std::string name;
  std::uint64_t offset = 0;  // file offset of the member's data (after a BSD name)
  ByteView data;
};

// True when `file` starts with an archive magic ("!<arch>\n" or "!<thin>\n").
bool has_archive_magic(ByteView file);

// Calls `fn` for every member that is not a symbol index or the long-name table, in order.
// Throws Error naming `where` and the offset on a malformed archive or a thin archive.
void for_each_archive_member(ByteView file, const std::string& where,
                             const std::function<void(const ArchiveMember&)>& fn);

}  // namespace mblob
