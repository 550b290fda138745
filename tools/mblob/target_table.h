// The target table as `mblob targets` (and its alias `mblob pack --list-targets`) prints it.
#pragma once

namespace mblob::cli {

// Prints every row of the target table on stdout: aligned text, or with `json` one object
// {"targets": [{triple, aliases, container, class, endian, machine, flags, section, toolchain,
// note}, ...]}.
void print_target_table(bool json);

}  // namespace mblob::cli
