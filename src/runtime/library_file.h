// The checks load_library makes on a library file before dlopen, from the file's own headers:
// dlopen would hang on a FIFO, die of SIGBUS on a file cut short inside its segments, and say
// "No such file or directory" about a library built for another machine. Private to the runtime.
#pragma once

#include <cstdint>
#include <string>

namespace mblob::runtime {

// The file that was checked (to compare with what dlopen mapped).
struct LibraryFile {
  std::uint64_t dev = 0;
  std::uint64_t inode = 0;
};

// Throws Error naming `path` unless `open_path` (the same file, as dlopen will open it) is a
// regular file holding an ELF shared object of this process's class, byte order and machine,
// whose size covers every PT_LOAD segment's bytes.
LibraryFile check_library_file(const std::string& open_path, const std::string& path);

}  // namespace mblob::runtime
