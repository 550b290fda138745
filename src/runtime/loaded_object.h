// What the dynamic linker has mapped: the objects of this process, their loaded segments and
// permissions (dl_iterate_phdr), and the file a mapping comes from (/proc/self/maps). Private
// to the runtime.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct link_map;

namespace mblob::runtime {

struct LoadedSegment {
  std::uintptr_t start = 0;  // load bias + p_vaddr
  std::uintptr_t end = 0;    // start + p_memsz
  std::uint32_t flags = 0;   // PF_R | PF_W | PF_X
  bool contains(std::uintptr_t a) const { return a >= start && a < end; }
};

struct LoadedObject {
  std::string name;                   // dlpi_name ("" for the main program)
  std::uintptr_t base = 0;            // dlpi_addr, the load bias
  std::vector<LoadedSegment> loads;   // PT_LOAD
  std::vector<LoadedSegment> relros;  // PT_GNU_RELRO: read-only after relocation

  const LoadedSegment* segment_of(std::uintptr_t a) const;
  // In a PT_LOAD with PF_W and outside every PT_GNU_RELRO range.
  bool writable(std::uintptr_t a, std::size_t size) const;
};

// The loaded object with a PT_LOAD segment holding `addr`, if any.
std::optional<LoadedObject> object_containing(const void* addr);
// The loaded object a dlopen handle's link_map stands for (same load bias and name).
std::optional<LoadedObject> object_of(const link_map* lm);

// Device and inode of the file mapped at `addr`, from /proc/self/maps; empty when it cannot be
// told (no /proc, or an anonymous mapping).
struct MappedFile {
  std::uint64_t dev_major = 0, dev_minor = 0, inode = 0;
};
std::optional<MappedFile> mapped_file_at(std::uintptr_t addr);

}  // namespace mblob::runtime
