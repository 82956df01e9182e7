// `daxbreak oops`: what a kernel's console log says, as findings: every
// WARNING and oops (with its call trace, and the known kernel bug it matches)
// of stress/kernel_log.h. With --report, a kernel-target run the guest kernel
// killed gets its oops added to the report it left (the provisional one it
// writes before it starts): tools/vm/daxvm and tools/vm/conformance call it on
// the console of a crashed guest.
//
// Exit 1 when the log has an oops, 0 when not, 2 for a missing or bad file.

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/json_text.h"
#include "daxbreak/base/run_metadata.h"
#include "option_types.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/stress/kernel_log.h"

namespace daxbreak::cli {
namespace {

struct OopsArgs {
  std::string console;
  std::string report;
  std::string format = "text";
};

int Run(const OopsArgs& a) {
  std::ifstream in(a.console);
  if (!in) return Fail(fmt::format("--console '{}': cannot read it", a.console));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const std::vector<KernelLogEvent> events = ParseKernelLog(lines);
  bool oops = false;
  nlohmann::json j = JsonDocument("oops", {{"console", a.console},
                                          {"report", a.report.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.report)}});
  j["events"] = nlohmann::json::array();
  std::string text;
  for (const KernelLogEvent& e : events) {
    oops |= e.kind == ViolationKind::kKernelOops;
    j["events"].push_back({{"kind", ViolationKindName(e.kind)},
                 {"first_line", e.first_line},
                 {"trace", e.trace},
                 {"panic", e.panic.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.panic)},
                 {"known_bug", e.known != nullptr ? nlohmann::json(e.known->name) : nlohmann::json(nullptr)}});
    text += fmt::format("{}: {}\n", ViolationKindName(e.kind), e.detail());
  }
  j["added_to_report"] = nullptr;
  if (!a.report.empty()) {
    int added = 0;
    Status s = AddCrashToReport(a.report, lines, &added);
    if (!s.ok()) return Fail(s);
    text += fmt::format("{} oops(es) added to {}\n", added, a.report);
    j["added_to_report"] = added;
  }
  Status s = WriteOutput("", a.format == "json" ? JsonText(j, 2) + "\n" : (text.empty() ? "no warning and no oops\n" : text));
  if (!s.ok()) return Fail(s);
  return oops ? kExitViolations : kExitClean;
}

}  // namespace

CommandRunner AddOopsCommand(CLI::App& app) {
  auto a = std::make_shared<OopsArgs>();
  auto* sub = app.add_subcommand("oops", "Read a kernel console log as findings; complete the report of a run the kernel killed");
  sub->add_option("--console", a->console, "The kernel's console log (a guest's serial output)")->required();
  sub->add_option("--report", a->report, "A stress report in JSON to add the oopses to (the run's --output)");
  sub->add_option("--output-format", a->format, "text or json")->transform(Choice({"text", "json"}))->capture_default_str();
  return [a]() { return Run(*a); };
}

}  // namespace daxbreak::cli
