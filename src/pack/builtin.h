// The built-in packers (one file each in src/pack/); registry.cc lists them.
#pragma once

#include "mblob/pack/packer.h"

namespace mblob::packers {

std::vector<std::filesystem::path> native(const PackRequest& r);
std::vector<std::filesystem::path> c_hex(const PackRequest& r);

}  // namespace mblob::packers
