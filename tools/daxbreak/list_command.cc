// `daxbreak list`: the scenarios (stress, with the targets each runs on, and
// explore), the protocol variants (with status,
// citation and the scenario that catches each) and the violation kinds (with
// severity).

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/json_text.h"
#include "option_types.h"
#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/fs/fs_model.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/explore/explore_scenario.h"
#include "daxbreak/stress/kernel_log.h"
#include "daxbreak/stress/stress_scenario.h"

namespace daxbreak::cli {
namespace {

// An empty text is absent: null, as everywhere in the JSON (docs/json.md).
nlohmann::json OrNull(std::string_view text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::string(text));
}

nlohmann::json ListJson() {
  nlohmann::json j = JsonDocument("list", nlohmann::json::object());
  j["scenarios"] = nlohmann::json::array();
  for (const StressScenarioInfo* s : StressScenarios()) {
    nlohmann::json targets = nlohmann::json::array();
    if (s->on_model) targets.push_back("model");
    if (s->on_kernel) targets.push_back("kernel");
    j["scenarios"].push_back({{"name", s->name}, {"mode", "stress"}, {"targets", targets}, {"summary", s->summary}});
  }
  for (const ExploreScenarioInfo* s : ExploreScenarios()) {
    j["scenarios"].push_back(
        {{"name", s->name}, {"mode", "explore"}, {"targets", {"model"}}, {"summary", s->summary},
         {"applies_to", s->applies_to}});
    if (s->by_name_only) j["scenarios"].back()["by_name_only"] = true;  // Not in `run --scenarios all`.
  }
  j["protocols"] = nlohmann::json::array();
  for (const ProtocolTraits* p : AllProtocols()) {
    j["protocols"].push_back({{"name", p->name},
                              {"status", ProtocolStatusName(p->status)},
                              {"summary", p->summary},
                              {"cites", p->cites},
                              {"catches_in", OrNull(p->catches_in)},
                              {"catches_as", p->catches_in.empty() ? nlohmann::json(nullptr) : nlohmann::json(CatchKindName(p->catches_as))},
                              {"cycles_in", OrNull(p->cycles_in)},
                              {"applies_to", p->applies_to}});
  }
  j["file_systems"] = nlohmann::json::array();
  for (const FsModel* f : AllFsModels()) {
    j["file_systems"].push_back({{"name", f->name},
                                 {"lock_order", f->lock_order},
                                 {"break_sites", f->break_sites},
                                 {"quirks", f->quirks},
                                 {"cites", f->cites}});
  }
  j["kernel_lines"] = nlohmann::json::array();
  for (const KernelLine& l : KernelLines()) {
    j["kernel_lines"].push_back({{"from", KernelVersionText(l.from)},
                                 {"to", l.to >= 10000000 ? nlohmann::json(nullptr) : nlohmann::json(KernelVersionText(l.to))},
                                 {"row", l.row},
                                 {"note", l.note}});
  }
  j["known_kernel_bugs"] = nlohmann::json::array();
  for (const KnownKernelBug& b : KnownKernelBugs()) {
    j["known_kernel_bugs"].push_back({{"name", b.name}, {"summary", b.summary}, {"cause", b.cause}, {"fix", b.fix},
                                      {"kernels", b.kernels}, {"trace_functions", b.trace_functions}});
  }
  j["violation_kinds"] = nlohmann::json::array();
  for (const ViolationKindInfo& k : ViolationKinds()) {
    j["violation_kinds"].push_back(
        {{"name", k.name}, {"severity", SeverityName(k.severity)}, {"meaning", k.meaning}});
  }
  return j;
}

std::string ListText(const nlohmann::json& j) {
  // One name column for every list, as wide as the longest name.
  size_t width = 0;
  for (const char* list : {"scenarios", "protocols", "violation_kinds", "known_kernel_bugs"}) {
    for (const auto& e : j[list]) width = std::max(width, e["name"].get<std::string>().size());
  }
  auto name = [&](const nlohmann::json& e) { return fmt::format("  {:<{}} ", e["name"].get<std::string>(), width); };
  const std::string indent(width + 3, ' ');
  std::string out;
  for (const char* mode : {"stress", "explore"}) {
    out += fmt::format("{} scenarios:\n", mode);
    for (const auto& e : j["scenarios"]) {
      if (e["mode"] != mode) continue;
      out += name(e) + fmt::format("[{}] {}\n", fmt::join(e["targets"].get<std::vector<std::string>>(), ", "),
                                   e["summary"].get<std::string>());
      if (e.contains("applies_to") && !e["applies_to"].get<std::string>().empty()) {
        out += indent + "runs on: " + e["applies_to"].get<std::string>() + "\n";
      }
    }
  }
  out += "protocols:\n";
  for (const auto& e : j["protocols"]) {
    out += name(e) + fmt::format("[{}] {}\n", e["status"].get<std::string>(), e["summary"].get<std::string>());
    out += indent + "cites: " + e["cites"].get<std::string>() + "\n";
    if (e["catches_in"].is_string()) {
      out += indent + "caught in: " + e["catches_in"].get<std::string>() + " (" + e["catches_as"].get<std::string>() +
             ")\n";
    }
    if (e["cycles_in"].is_string()) {
      out += indent + "unfair cycle in: " + e["cycles_in"].get<std::string>() +
             " (a step_limit only while one thread is kept from running)\n";
    }
    const std::string applies = e["applies_to"].get<std::string>();
    out += indent + "applies to: " + (applies.empty() ? std::string("every file system") : applies) + "\n";
  }
  out += "file systems (--fs):\n";
  for (const auto& e : j["file_systems"]) {
    out += name(e) + e["lock_order"].get<std::string>() + "\n";
    out += indent + "breaks in: " + e["break_sites"].get<std::string>() + "\n";
    out += indent + "quirks: " + e["quirks"].get<std::string>() + "\n";
    out += indent + "cites: " + e["cites"].get<std::string>() + "\n";
  }
  out += "kernel lines (the row each release shipped as):\n";
  for (const auto& e : j["kernel_lines"]) {
    const std::string range = e["to"].is_null() ? fmt::format("{} and later", e["from"].get<std::string>())
                                                 : fmt::format("{} up to {}", e["from"].get<std::string>(),
                                                               e["to"].get<std::string>());
    out += fmt::format("  {:<24} {}{}\n", range, e["row"].get<std::string>(),
                       e["note"].get<std::string>().empty() ? "" : " (" + e["note"].get<std::string>() + ")");
  }
  out += "known kernel bugs outside DAX (a kernel_oops whose trace has all of the functions):\n";
  for (const auto& e : j["known_kernel_bugs"]) {
    out += name(e) + e["summary"].get<std::string>() + "\n";
    out += indent + fmt::format("functions: {}\n", fmt::join(e["trace_functions"].get<std::vector<std::string>>(), ", "));
    out += indent + "cause: " + e["cause"].get<std::string>() + "\n";
    out += indent + "fix: " + e["fix"].get<std::string>() + "\n";
    out += indent + "seen on: " + e["kernels"].get<std::string>() + "\n";
  }
  out += "violation kinds:\n";
  for (const auto& e : j["violation_kinds"]) {
    out += name(e) + fmt::format("[{}] {}\n", e["severity"].get<std::string>(), e["meaning"].get<std::string>());
  }
  return out;
}

// `list --kernel RELEASE`: the row of one release, as uname -r prints it.
int KernelRow(const std::string& release, const std::string& format) {
  KernelLine line;
  const ProtocolTraits* row = ProtocolForKernel(release, &line);
  if (row == nullptr) {
    return Fail(fmt::format("--kernel: '{}' is no release from 4.19 on (daxbreak models none before)", release));
  }
  nlohmann::json j = JsonDocument("list", {{"kernel", release}});
  j["release"] = release;
  j["row"] = row->name;
  j["note"] = line.note;
  Status s = WriteOutput("", format == "json" ? JsonText(j, 2) + "\n" : std::string(row->name) + "\n");
  return s.ok() ? kExitClean : Fail(s);
}

}  // namespace

CommandRunner AddListCommand(CLI::App& app) {
  auto* sub = app.add_subcommand("list", "List scenarios, protocol variants, kernel lines and violation kinds");
  auto format = std::make_shared<std::string>("text");
  auto kernel = std::make_shared<std::string>();
  sub->add_option("--output-format", *format, "text or json")
      ->transform(Choice({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--kernel", *kernel, "Print only the protocol row a kernel release shipped as (uname -r: 6.12.117+deb13-amd64)");
  return [format, kernel]() {
    if (!kernel->empty()) return KernelRow(*kernel, *format);
    const nlohmann::json j = ListJson();
    Status s = WriteOutput("", *format == "json" ? JsonText(j, 2) + "\n" : ListText(j));
    return s.ok() ? kExitClean : Fail(s);
  };
}

}  // namespace daxbreak::cli
