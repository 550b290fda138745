// `mblob targets`: the target table every command's --target chooses from.
#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "command.h"
#include "common_options.h"
#include "mblob/object/target.h"
#include "mblob/toolchain/toolchain.h"
#include "target_table.h"

namespace mblob::cli {

namespace {

// "aarch64-linux-gnu-gcc", "clang + ld.lld", "gcc (host-gcc)": how the row's libraries are built.
std::string toolchain_summary(const ToolchainPreset& p) {
  std::string out(p.cc);
  if (!p.ld.empty()) out += " + " + std::string(p.ld);
  if (p.triple.empty()) out += " (" + std::string(p.name) + ")";
  return out;
}

nlohmann::ordered_json toolchain_json(const ToolchainPreset& p) {
  nlohmann::ordered_json j;
  j["preset"] = p.name;
  j["cc"] = p.cc;
  j["cxx"] = p.cxx;
  j["target_flags"] = p.target_flags;
  j["ar"] = p.ar;
  j["ld"] = p.ld;
  j["linkers"] = p.linkers;
  j["shared_suffix"] = p.shared_suffix;
  std::vector<std::string_view> packages;
  for (auto pkg : {p.cc_package, p.ar_package, p.ld_package}) {
    if (!pkg.empty() && std::find(packages.begin(), packages.end(), pkg) == packages.end()) {
      packages.push_back(pkg);
    }
  }
  j["packages"] = packages;
  return j;
}

}  // namespace

void print_target_table(bool json) {
  if (json) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& t : all_targets()) {
      nlohmann::ordered_json row;
      row["triple"] = t.triple;
      row["aliases"] = t.aliases;
      row["container"] = container_name(t.container);
      row["class"] = t.is_64 ? 64 : 32;
      row["endian"] = t.endian == Endian::little ? "little" : "big";
      row["machine"] = t.machine;
      row["flags"] = t.flags;
      row["section"] = t.section;
      row["toolchain"] = toolchain_json(preset_for_target(t));
      row["note"] = t.note;
      rows.push_back(std::move(row));
    }
    nlohmann::ordered_json doc;
    doc["targets"] = std::move(rows);
    fmt::print("{}\n", doc.dump());
    return;
  }
  fmt::print("{:<27} {:<8} {:<4} {:>10} {:>10}  {:<28} {}\n", "TARGET", "FORMAT", "DATA", "MACHINE",
             "FLAGS", "TOOLCHAIN", "NOTES");
  for (const auto& t : all_targets()) {
    fmt::print("{:<27} {:<8} {:<4} {:>#10x} {:>#10x}  {:<28} {}\n", t.triple,
               std::string(container_name(t.container)) + (t.is_64 ? "64" : "32"),
               t.endian == Endian::little ? "LE" : "BE", t.machine, t.flags,
               toolchain_summary(preset_for_target(t)), t.note);
  }
}

namespace {

struct TargetsArgs {
  bool json = false;
};

const Command kTargets(60, [](CLI::App& app, Action& selected) {
  auto a = std::make_shared<TargetsArgs>();
  auto* sub = app.add_subcommand(
      "targets", "List the target table: every triple --target accepts, for every command.");
  sub->footer(
      "\nEach row gives the canonical triple, the object format (ELF, Mach-O or COFF, 32 or 64\n"
      "bit) and byte order, the machine and flags mblob writes for it (ELF e_machine and\n"
      "e_flags, COFF Machine, Mach-O cputype and cpusubtype), and the toolchain `mblob export`\n"
      "builds its libraries with (compiler, and the linker when it runs one itself; the host's\n"
      "own row uses the system gcc, host-gcc). --target also accepts vendor fields, common\n"
      "aliases (x86_64-pc-linux-gnu, arm64-linux-gnu, x86_64-pc-windows-gnu, arm64-apple-macos)\n"
      "and a bare architecture (arm64, amd64: the first row of that architecture). `mblob pack\n"
      "--list-targets` prints the same table.\n\nExample:\n  mblob targets --json");
  add_json_flag(sub, a->json,
                "{targets: [{triple, aliases, container, class (32 or 64), endian (little or "
                "big), machine, flags, section, toolchain: {preset, cc, cxx, target_flags, ar, ld, "
                "linkers, shared_suffix, packages}, note}]}.");
  sub->callback([a, &selected] {
    selected = [a] {
      print_target_table(a->json);
      return kExitOk;
    };
  });
});

}  // namespace
}  // namespace mblob::cli
