// `daxbreak list`: the scenarios and protocols, one line each.

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/workload/explore_scenario.h"

namespace daxbreak::cli {

CommandRunner AddListCommand(CLI::App& app) {
  auto* sub = app.add_subcommand("list", "List scenarios and protocol variants");
  auto format = std::make_shared<std::string>("text");
  sub->add_option("--output-format", *format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [format]() {
    nlohmann::json j;
    j["scenarios"] = nlohmann::json::array(
        {{{"name", "collision"},
          {"summary", "stress: xfstests generic/503 shape: DIO into a mapped DAX file vs punch hole "
                      "and truncate, with a reallocating writer and a data oracle"}}});
    for (const ExploreScenarioInfo& s : ExploreScenarios()) {
      j["scenarios"].push_back({{"name", s.name}, {"summary", "explore: " + std::string(s.summary)}});
    }
    j["protocols"] = nlohmann::json::array();
    for (const ProtocolInfo& p : AllProtocols()) {
      j["protocols"].push_back({{"name", p.name}, {"summary", p.summary}, {"fixed_by", p.fixed_by}});
    }
    std::string out;
    if (*format == "json") {
      out = j.dump(2) + "\n";
    } else {
      // One name column for both lists, as wide as the longest name.
      size_t width = 0;
      for (const char* list : {"scenarios", "protocols"}) {
        for (const auto& e : j[list]) width = std::max(width, e["name"].get<std::string>().size());
      }
      for (const char* list : {"scenarios", "protocols"}) {
        out += fmt::format("{}:\n", list);
        for (const auto& e : j[list]) {
          out += fmt::format("  {:<{}} {}\n", e["name"].get<std::string>(), width,
                             e["summary"].get<std::string>());
        }
      }
    }
    Status s = WriteOutput("", out);
    return s.ok() ? kExitClean : Fail(s);
  };
}

}  // namespace daxbreak::cli
