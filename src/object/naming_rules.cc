// The naming rules for blobs: symbols, sections, alignment, large data (the rules and why:
// include/mblob/object/naming_rules.h).
#include "mblob/object/naming_rules.h"

#include <span>

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

// COFF: a section name's '$' suffix only groups (".CRT$XCU" is in ".CRT"), so the rules match
// the name up to the first '$'; ".debug" matches any name starting with it.
constexpr Rule kCoffRules[] = {
    {".drectve", Match::exact, "its contents are linker directives (options), not data"},
    {".debug", Match::prefix, "it is a debugging (CodeView) section: linkers do not load it"},
    {".idata", Match::exact, "linkers make the import tables themselves"},
    {".edata", Match::exact, "linkers make the export table themselves"},
    {".pdata", Match::exact, "linkers and the loader read it as unwind tables"},
    {".xdata", Match::exact, "linkers and the loader read it as unwind tables"},
    {".reloc", Match::exact, "linkers make the base relocations themselves"},
    {".tls", Match::exact, "it is thread-local data: each thread gets its own copy"},
    {".CRT", Match::exact, "the C runtime reads its contents as tables of start-up functions"},
    {".bss", Match::exact, "it is uninitialized data: its bytes are not in the file"},
};

// Mach-O: whole segments, then section names in any segment.
constexpr Rule kMachOSegmentRules[] = {
    {"__DWARF", Match::exact,
     "it is the debugging segment: it is not loaded, and strip removes it"},
    {"__LINKEDIT", Match::exact, "linkers make this segment themselves (symbol and string tables)"},
    {"__PAGEZERO", Match::exact, "it is the unmapped guard segment at address 0"},
    {"__LD", Match::exact, "linkers read and drop this segment (compact unwind)"},
};
constexpr Rule kMachOSectionRules[] = {
    {"__bss", Match::exact, kNotLoaded},
    {"__common", Match::exact, kNotLoaded},
    {"__thread_bss", Match::exact, kNotLoaded},
    {"__thread_data", Match::exact, kNotLoaded},
    {"__thread_vars", Match::exact, kNotLoaded},
    {"__mod_init_func", Match::exact, kConstructors},
    {"__mod_term_func", Match::exact, kConstructors},
    {"__init_offsets", Match::exact, kConstructors},
    {"__eh_frame", Match::exact, kParsed},
    {"__compact_unwind", Match::exact, kParsed},
    {"__got", Match::exact, kLinkerTable},
    {"__la_symbol_ptr", Match::exact, kLinkerTable},
    {"__nl_symbol_ptr", Match::exact, kLinkerTable},
    {"__stubs", Match::exact, kLinkerTable},
    {"__interpose", Match::exact, "dyld reads its contents as pairs of functions to interpose"},
    {"__cstring", Match::exact,
     "linkers merge and deduplicate its NUL-terminated strings, which rewrites the bytes"},
    {"__objc_", Match::prefix, "the Objective-C runtime reads its contents as metadata"},
};

constexpr std::uint64_t kMaxAlign = std::uint64_t{1} << 30;
// The largest IMAGE_SCN_ALIGN_* value (IMAGE_SCN_ALIGN_8192BYTES).
constexpr std::uint64_t kMaxCoffAlign = 8192;
// Mach-O segment and section names fill 16-byte fields (segname, sectname).
constexpr std::size_t kMachONameLength = 16;

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '$';
}

// The characters a container's section names may hold (naming_rules.h says why).
bool section_char(char c, Container container) {
  return plain_char(c) || (container == Container::elf && c == '-');
}

std::string_view section_example(Container c) {
  switch (c) {
    case Container::elf:
      return ".rodata or .rodata.<name>";
    case Container::coff:
      return ".rdata or .rdata$<name>";
    case Container::macho:
      return "__TEXT,__const";
  }
  return ".rodata";
}

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

std::string blob_section_refusal(std::string_view name, Container c) {
  auto first_match = [](std::string_view n, std::span<const Rule> rules) -> std::string {
    for (const Rule& r : rules) {
      if (matches(n, r)) return std::string(r.why);
    }
    return "";
  };
  switch (c) {
    case Container::elf:
      return first_match(name, kRules);
    case Container::coff: {
      std::string why = first_match(name, std::span(kCoffRules).subspan(0, 2));  // .drectve, .debug
      if (why.empty()) why = first_match(name.substr(0, name.find('$')), kCoffRules);
      return why;
    }
    case Container::macho: {
      std::size_t comma = name.find(',');
      std::string why = first_match(name.substr(0, comma), kMachOSegmentRules);
      if (why.empty() && comma != std::string_view::npos) {
        why = first_match(name.substr(comma + 1), kMachOSectionRules);
      }
      return why;
    }
  }
  return "";
}

void check_symbol_name(std::string_view name, SymbolUse use, std::string_view context) {
  std::string where(context);
  if (name.empty()) {
    throw Error(where + "the symbol name is empty; give one, e.g. __tvm_ffi__library_bin");
  }
  if (name.size() > kMaxSymbolLength) {
    throw Error(where + "the symbol name is " + std::to_string(name.size()) +
                " characters long; at most " + std::to_string(kMaxSymbolLength) + " are allowed");
  }
  bool dot = use == SymbolUse::object;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = plain_char(c) && (dot || c != '.') && (i > 0 || c < '0' || c > '9');
    if (!ok) {
      throw Error(where + "invalid symbol name '" + printable(name) + "': character '" +
                  printable(name.substr(i, 1)) + "' at position " + std::to_string(i) +
                  " is not allowed (use letters, digits, '_', '$'" + (dot ? ", '.'" : "") +
                  ", not starting with a digit" +
                  (dot ? "" : "; the name is written in generated C, so no '.'") + ")");
    }
  }
}

void check_section_name(std::string_view name, Container c, std::string_view context) {
  std::string where(context);
  if (name.empty()) throw Error(where + "the section name is empty");
  if (name.size() > kMaxSectionLength) {
    throw Error(where + "the section name is longer than " + std::to_string(kMaxSectionLength) +
                " characters");
  }
  if (c == Container::macho) {
    std::size_t comma = name.find(',');
    std::string_view segment = name.substr(0, comma);
    std::string_view section =
        comma == std::string_view::npos ? std::string_view() : name.substr(comma + 1);
    if (comma == std::string_view::npos || segment.empty() || section.empty() ||
        segment.size() > kMachONameLength || section.size() > kMachONameLength ||
        section.find(',') != std::string_view::npos) {
      throw Error(where + "invalid Mach-O section name '" + printable(name) +
                  "': give segment,section, each 1 to 16 characters (e.g. __TEXT,__const)");
    }
  }
  for (char ch : name) {
    if (!section_char(ch, c) && !(c == Container::macho && ch == ',')) {
      throw Error(where + "invalid " + std::string(container_name(c)) + " section name '" +
                  printable(name) + "': character '" + printable(std::string_view(&ch, 1)) +
                  "' is not allowed (use letters, digits, '_', '.', '$'" +
                  (c == Container::elf ? " and '-'" : "") + ")");
    }
  }
  std::string why = blob_section_refusal(name, c);
  if (why.empty()) return;
  throw Error(where + "section name '" + printable(name) + "' is refused: " + why + "; use e.g. " +
              std::string(section_example(c)));
}

BlobSection blob_section(const Target& t, std::string_view section, bool large, std::uint64_t size,
                         std::uint64_t large_threshold) {
  bool has_large = !t.large_section.empty();
  if (large && !has_large) {
    throw Error("large data sections exist only on x86-64; target " + std::string(t.triple) +
                " has none (drop --large)");
  }
  BlobSection out;
  if (section.empty()) {
    out.large = has_large && (large || size > large_threshold);
    out.name = std::string(out.large ? t.large_section : t.section);
  } else {
    out.name = std::string(section);
    // An explicit large section name (".lrodata", ".lrodata.x") keeps its meaning.
    out.large = has_large && (large || section_in_family(section, t.large_section));
  }
  out.writable = t.container == Container::elf &&
                 (section_in_family(out.name, ".data") || section_in_family(out.name, ".ldata"));
  return out;
}

std::uint64_t max_alignment(Container c) {
  return c == Container::coff ? kMaxCoffAlign : kMaxAlign;
}

void check_alignment(std::uint64_t align, Container c, std::string_view context) {
  if (align == 0 || (align & (align - 1)) != 0) {
    throw Error(std::string(context) + "alignment " + std::to_string(align) +
                " is not a power of two (use 1, 2, 4, 8, 16, ...)");
  }
  std::uint64_t most = max_alignment(c);
  if (align > most) {
    throw Error(
        std::string(context) + "alignment " + std::to_string(align) +
        " is larger than the maximum, " + std::to_string(most) + " (" +
        (c == Container::coff ? "8 KiB: the largest a COFF section header states" : "1 GiB") + ")");
  }
}

void check_alignment(std::uint64_t align, std::string_view context) {
  check_alignment(align, Container::elf, context);
}

}  // namespace mblob
