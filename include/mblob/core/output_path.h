// Output paths: what a path given as an output really names, and how its bytes get there.
//
// Every writer resolves its output here first (AtomicFile does, and the toolchain's staging
// directory does), so all outputs follow the same rules:
//
// * A regular file, or a path that does not exist yet, is replaced atomically: a temporary file
//   beside it, renamed onto it when complete.
// * A symbolic link is written through, as GNU objcopy does: the chain of links is followed to
//   the file it finally names, the temporary goes beside that file and is renamed onto it. The
//   link stays a link. A dangling link's target is created.
// * A character device or a FIFO (/dev/null, a named pipe, /dev/stdout when it is a pipe or a
//   terminal) is written in place and streamed, never replaced. This is not atomic: a failure
//   can leave part of the output in the pipe.
// * A directory, a path ending in '/', an empty path, and any other existing file that is not
//   a regular file (a socket, a block device) are refused with UsageError before any work.
//
// check_output_is_not_input refuses an output that is the same file (device and inode, links
// followed) as one of the inputs, so no run destroys what it reads.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace mblob {

struct OutputPath {
  std::filesystem::path requested;  // as given (for messages and the output's own name)
  std::filesystem::path file;       // what is written: links followed; == requested for streams
  bool stream = false;              // a character device or FIFO: written in place, no rename
};

// Resolves `path` by the rules above. Throws UsageError for a path that cannot be an output,
// Error when the path cannot be examined (permission denied, a loop of links).
OutputPath resolve_output(const std::filesystem::path& path);

// Throws UsageError naming both files when `output` is the same file as one of `inputs`.
// Resolves `output` first (so it also throws what resolve_output throws). Inputs that do not
// exist are skipped (reading them fails later, with its own message).
void check_output_is_not_input(const std::filesystem::path& output,
                               const std::vector<std::filesystem::path>& inputs);
// The same for an input already open as `fd` (standard input, a FIFO), named `name`.
void check_output_is_not_input_fd(const std::filesystem::path& output, int fd,
                                  const std::string& name);

// Opens the stream output `to` (resolve_output gave to.stream) for writing; a FIFO waits for
// its reader. Throws if the path no longer names a character device or FIFO.
int open_output_stream(const OutputPath& to);

// Copies the complete file `from` into the stream output `to` (resolve_output gave
// to.stream): how a finished file made elsewhere (by a linker, in a staging directory) reaches
// a device or FIFO.
void stream_file_into(const std::filesystem::path& from, const OutputPath& to);

}  // namespace mblob
