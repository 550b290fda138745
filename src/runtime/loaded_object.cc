#include "loaded_object.h"

#include <link.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mblob::runtime {

namespace {

LoadedObject from_phdr_info(const struct dl_phdr_info* info) {
  LoadedObject o;
  o.name = info->dlpi_name != nullptr ? info->dlpi_name : "";
  o.base = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD && ph.p_type != PT_GNU_RELRO) continue;
    LoadedSegment s;
    s.start = info->dlpi_addr + ph.p_vaddr;
    s.end = s.start + ph.p_memsz;
    s.flags = ph.p_flags;
    (ph.p_type == PT_LOAD ? o.loads : o.relros).push_back(s);
  }
  return o;
}

template <typename Match>
std::optional<LoadedObject> find_object(Match match) {
  struct Query {
    Match* match;
    std::optional<LoadedObject> found;
  } q{&match, std::nullopt};
  ::dl_iterate_phdr(
      [](struct dl_phdr_info* info, std::size_t, void* data) {
        auto* q = static_cast<Query*>(data);
        LoadedObject o = from_phdr_info(info);
        if (!(*q->match)(o)) return 0;
        q->found = std::move(o);
        return 1;
      },
      &q);
  return q.found;
}

}  // namespace

const LoadedSegment* LoadedObject::segment_of(std::uintptr_t a) const {
  for (const auto& s : loads) {
    if (s.contains(a)) return &s;
  }
  return nullptr;
}

bool LoadedObject::writable(std::uintptr_t a, std::size_t size) const {
  const LoadedSegment* s = segment_of(a);
  if (s == nullptr || (s->flags & PF_W) == 0 || s->end - a < size) return false;
  for (const auto& r : relros) {
    if (a < r.end && a + size > r.start) return false;
  }
  return true;
}

std::optional<LoadedObject> object_containing(const void* addr) {
  auto a = reinterpret_cast<std::uintptr_t>(addr);
  return find_object([a](const LoadedObject& o) { return o.segment_of(a) != nullptr; });
}

std::optional<LoadedObject> object_of(const link_map* lm) {
  std::uintptr_t base = lm->l_addr;
  std::string name = lm->l_name != nullptr ? lm->l_name : "";
  return find_object(
      [&](const LoadedObject& o) { return o.base == base && o.name == name && !o.loads.empty(); });
}

std::optional<MappedFile> mapped_file_at(std::uintptr_t a) {
  // Lines: "start-end perms offset major:minor inode path", numbers in hex except the inode.
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long long start = 0, end = 0, offset = 0, inode = 0;
    unsigned int major = 0, minor = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &offset,
                    &major, &minor, &inode) != 7) {
      continue;
    }
    if (a < start || a >= end) continue;
    if (inode == 0) return std::nullopt;
    return MappedFile{major, minor, inode};
  }
  return std::nullopt;
}

}  // namespace mblob::runtime
