// `mblob targets`: the target table every command's --target chooses from.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "command.h"
#include "common_options.h"
#include "mblob/object/target.h"
#include "target_table.h"

namespace mblob::cli {

void print_target_table(bool json) {
  if (json) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& t : all_targets()) {
      nlohmann::ordered_json row;
      row["triple"] = t.triple;
      row["container"] = container_name(t.container);
      row["class"] = t.is_64 ? 64 : 32;
      row["endian"] = t.endian == Endian::little ? "little" : "big";
      row["e_machine"] = t.machine;
      row["e_flags"] = t.flags;
      row["note"] = t.note;
      rows.push_back(std::move(row));
    }
    nlohmann::ordered_json doc;
    doc["targets"] = std::move(rows);
    fmt::print("{}\n", doc.dump());
    return;
  }
  fmt::print("{:<28} {:<6} {:<6} {:>9} {:>10}  {}\n", "TARGET", "CLASS", "DATA", "e_machine",
             "e_flags", "NOTES");
  for (const auto& t : all_targets()) {
    fmt::print("{:<28} {:<6} {:<6} {:>9} {:>#10x}  {}\n", t.triple,
               std::string(container_name(t.container)) + (t.is_64 ? "64" : "32"),
               t.endian == Endian::little ? "LE" : "BE", t.machine, t.flags, t.note);
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
      "\nEach row gives the canonical triple, the object class and byte order, and the ELF\n"
      "e_machine and e_flags mblob writes for it. --target also accepts vendor fields and common\n"
      "aliases (x86_64-pc-linux-gnu, arm64-linux-gnu). `mblob pack --list-targets` prints the\n"
      "same table.\n\nExample:\n  mblob targets --json");
  add_json_flag(sub, a->json,
                "{targets: [{triple, container, class (32 or 64), endian (little or big), "
                "e_machine, e_flags, note}]}.");
  sub->callback([a, &selected] {
    selected = [a] {
      print_target_table(a->json);
      return kExitOk;
    };
  });
});

}  // namespace
}  // namespace mblob::cli
