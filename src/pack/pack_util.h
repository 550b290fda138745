// Small helpers shared by the built-in packers that write text for another tool (c-embed,
// asm-incbin) or run one (objcopy, command).
#pragma once

#include <string>
#include <string_view>

#include "mblob/core/error.h"
#include "mblob/object/target.h"
#include "mblob/pack/packer.h"

namespace mblob::packers::detail {

// Throws "<packer>: invalid symbol name ..." unless `name` is a plain symbol: letters, digits and
// '_' (plus '$' and, where `allow_dot`, '.'), not starting with a digit. Anything else could
// change the meaning of the generated source text.
void check_symbol(std::string_view packer, std::string_view name, bool allow_dot);

// Throws "<packer>: ..." unless `name` is a plain section name (letters, digits, _ . $) that a
// blob may take (object/section_rules.h: no debugging, note, LTO, ... section).
void check_section(std::string_view packer, std::string_view name);

// Throws unless `align` is a power of two between 1 and 1 GiB.
void check_align(std::string_view packer, std::uint64_t align);

// Throws unless the request has the fields every packer reads (blob, target, workspace).
void check_request(std::string_view packer, const PackRequest& r);

// The driver program the toolchain compiles C with ("gcc", "/opt/x/bin/clang").
std::string c_compiler(const PackRequest& r);

// `s` as the body of a double-quoted GNU assembler string: '\' and '"' escaped. Throws when `s`
// holds a character no escape can carry through every assembler (newline, other controls).
std::string asm_string_body(std::string_view packer, std::string_view s);

}  // namespace mblob::packers::detail
