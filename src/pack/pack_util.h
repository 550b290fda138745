// Small helpers shared by the built-in packers that write text for another tool (c-embed,
// asm-incbin) or run one (objcopy, command).
#pragma once

#include <string>
#include <string_view>

#include "mblob/core/error.h"
#include "mblob/object/naming_rules.h"
#include "mblob/object/target.h"
#include "mblob/pack/packer.h"

namespace mblob::packers::detail {

// The symbol, section and alignment rules are the object layer's (object/naming_rules.h):
// packers call check_symbol_name, check_section_name and check_alignment with "<packer>: ".

// Throws unless the request has the fields every packer reads (blob, target, workspace).
void check_request(std::string_view packer, const PackRequest& r);

// The driver program the toolchain compiles C with ("gcc", "/opt/x/bin/clang").
std::string c_compiler(const PackRequest& r);

// `s` as the body of a double-quoted GNU assembler string: '\' and '"' escaped. Throws when `s`
// holds a character no escape can carry through every assembler (newline, other controls).
std::string asm_string_body(std::string_view packer, std::string_view s);

}  // namespace mblob::packers::detail
