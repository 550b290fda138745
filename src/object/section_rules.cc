// The section-name rule for blobs (the classes and why: include/mblob/object/section_rules.h).
#include "mblob/object/section_rules.h"

#include "mblob/core/error.h"
#include "mblob/core/text.h"

namespace mblob {

namespace {

// How a rule matches: the exact name, the family (name, or name + "." + ...), or any name that
// starts with the text (".debug" holds ".debug_info", ".debugfoo" and ".debug.x").
enum class Match { exact, family, prefix };

struct Rule {
  std::string_view text;
  Match match;
  std::string_view why;
};

constexpr std::string_view kDebugging =
    "it is a debugging section: linkers do not load it (GNU ld places it at address 0) and "
    "strip --strip-debug removes it";
constexpr std::string_view kLinkerTable =
    "linkers or the writer make this section themselves (symbol, string, dynamic-linking or "
    "start-up tables)";
constexpr std::string_view kNotLoaded =
    "its bytes are not what a loaded program sees (NOBITS or thread-local data, or relocations)";
constexpr std::string_view kConstructors =
    "linkers and the loader read its contents as a table of function pointers";
constexpr std::string_view kParsed =
    "linkers parse or merge its contents (attributes, unwind tables, address-significance "
    "tables)";

constexpr Rule kRules[] = {
    {".debug", Match::prefix, kDebugging},
    {".zdebug", Match::prefix, kDebugging},
    {".stab", Match::family, kDebugging},
    {".stabstr", Match::family, kDebugging},
    {".line", Match::family, kDebugging},
    {".gnu.linkonce.wi.", Match::prefix, kDebugging},
    {".gnu_debuglink", Match::exact, kDebugging},
    {".gnu_debugaltlink", Match::exact, kDebugging},
    {".gnu.lto_", Match::prefix,
     "it holds GCC's LTO bytecode: GNU ld discards it, and the symbol with it"},
    {".gnu.warning", Match::family,
     "GNU ld prints its contents as a link warning and drops the section"},
    {".comment", Match::family,
     "it is a comment section: GNU ld does not load it, lld merges it as strings"},
    {".note", Match::family,
     "it is a note section: linkers and loaders read notes (.note.GNU-stack, "
     ".note.gnu.property)"},
    {".gnu.linkonce", Match::family,
     "linkers keep one .gnu.linkonce section per name across all inputs and drop the others"},
    {".gnu.attributes", Match::exact, kParsed},
    {".ARM.attributes", Match::exact, kParsed},
    {".riscv.attributes", Match::exact, kParsed},
    {".ARM.exidx", Match::family, kParsed},
    {".ARM.extab", Match::family, kParsed},
    {".MIPS.abiflags", Match::exact, kParsed},
    {".reginfo", Match::exact, kParsed},
    {".mdebug", Match::family, kDebugging},
    {".eh_frame", Match::exact, kParsed},
    {".eh_frame_hdr", Match::exact, kParsed},
    {".gcc_except_table", Match::family, kParsed},
    {".llvm_addrsig", Match::exact, kParsed},
    {".deplibs", Match::exact, kParsed},
    {".symtab", Match::exact, kLinkerTable},
    {".strtab", Match::exact, kLinkerTable},
    {".shstrtab", Match::exact, kLinkerTable},
    {".got", Match::exact, kLinkerTable},
    {".got.plt", Match::exact, kLinkerTable},
    {".plt", Match::exact, kLinkerTable},
    {".dynamic", Match::exact, kLinkerTable},
    {".dynsym", Match::exact, kLinkerTable},
    {".dynstr", Match::exact, kLinkerTable},
    {".interp", Match::exact, kLinkerTable},
    {".hash", Match::exact, kLinkerTable},
    {".gnu.hash", Match::exact, kLinkerTable},
    {".init", Match::exact, kLinkerTable},
    {".fini", Match::exact, kLinkerTable},
    {".bss", Match::family, kNotLoaded},
    {".tbss", Match::family, kNotLoaded},
    {".tdata", Match::family, kNotLoaded},
    {".rel", Match::family, kNotLoaded},
    {".init_array", Match::family, kConstructors},
    {".fini_array", Match::family, kConstructors},
    {".preinit_array", Match::family, kConstructors},
    {".ctors", Match::family, kConstructors},
    {".dtors", Match::family, kConstructors},
};

bool matches(std::string_view name, const Rule& r) {
  switch (r.match) {
    case Match::exact:
      return name == r.text;
    case Match::family:
      return section_in_family(name, r.text);
    case Match::prefix:
      return name.substr(0, r.text.size()) == r.text;
  }
  return false;
}

}  // namespace

bool section_in_family(std::string_view name, std::string_view family) {
  if (name.substr(0, family.size()) != family) return false;
  if (name.size() == family.size()) return true;
  char next = name[family.size()];
  return next == '.' || (family == ".rel" && next == 'a');
}

std::string blob_section_refusal(std::string_view name) {
  for (const Rule& r : kRules) {
    if (matches(name, r)) return std::string(r.why);
  }
  return "";
}

void check_blob_section(std::string_view name, std::string_view context) {
  std::string why = blob_section_refusal(name);
  if (why.empty()) return;
  throw Error(std::string(context) + "section name '" + printable(name) + "' is refused: " + why +
              "; use e.g. .rodata or .rodata.<name>");
}

}  // namespace mblob
