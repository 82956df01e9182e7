// `daxbreak explore` and `daxbreak replay`: the controlled, deterministic
// search for interleavings that break the protocol, and the replay of one.

#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/workload/explorer.h"

namespace daxbreak::cli {
namespace {

struct ExploreArgs {
  ExploreOptions options;
  std::string protocol = "fixed";
  std::string tlb_flush = "ipi";
  std::string strategy = "pct";
  std::string format = "text";
  std::string output;
  std::string schedule;     // replay
  bool trace = false;       // replay
  std::string trace_json;   // replay
  CLI::Option* schedules_option = nullptr;
};

// An unknown --scenario is reported by Explore() and Replay() themselves.
// The options explore and replay share.
Status ConvertCommon(ExploreArgs& a) {
  Status s = ParseProtocolOption(a.protocol, &a.options.protocol);
  if (!s.ok()) return s;
  return ParseTlbFlushOption(a.tlb_flush, &a.options.tlb_flush);
}

int RunExplore(ExploreArgs& a) {
  Status s = ConvertCommon(a);
  if (!s.ok()) return Fail(s);
  const auto strategy = ParseStrategy(a.strategy);
  if (!strategy) return Fail(fmt::format("--strategy: unknown strategy '{}' (choose from random, pct, dfs)", a.strategy));
  a.options.strategy = *strategy;
  // dfs runs to exhaustion unless a budget is given.
  if (a.options.strategy == Strategy::kDfs && a.schedules_option->count() == 0) a.options.schedules = 0;
  ExploreResult result;
  s = Explore(a.options, &result);
  if (!s.ok()) return Fail(s);
  const std::string out = a.format == "json" ? result.to_json(a.options).dump(2) + "\n" : result.to_text(a.options);
  s = WriteOutput(a.output, out);
  if (!s.ok()) return Fail(s);
  return result.found ? kExitViolations : kExitClean;
}

int RunReplay(ExploreArgs& a) {
  Status s = ConvertCommon(a);
  if (!s.ok()) return Fail(s);
  RunResult run;
  const bool trace = a.trace || !a.trace_json.empty();
  s = Replay(a.options, a.schedule, trace, &run);
  if (!s.ok()) return Fail(s);
  std::string out = fmt::format("daxbreak replay: scenario {}, protocol {}, tlb-flush {}, schedule {}\n",
                                a.options.scenario, a.options.protocol->name,
                                TlbFlushModeName(a.options.tlb_flush), a.schedule);
  if (run.diverged) out += "warning: the schedule did not fit this build's model (it diverged)\n";
  if (a.trace) {
    out += RenderTraceDiagram(run);
  } else {
    out += run.found() ? fmt::format("FOUND {}\n", run.kind()) : "clean\n";
    for (const Violation& v : run.violations) {
      out += "   " + DescribeViolation(v) + "\n";
    }
    if (!run.deadlock.empty()) out += "   deadlock: " + run.deadlock + "\n";
  }
  if (!a.trace_json.empty()) {
    std::ofstream f(a.trace_json, std::ios::trunc);
    f << TraceEventsJson(run).dump() << "\n";
    if (!f) return Fail(fmt::format("--trace-json: cannot write '{}'", a.trace_json));
  }
  s = WriteOutput(a.output, out);
  if (!s.ok()) return Fail(s);
  return run.found() ? kExitViolations : kExitClean;
}

void AddCommonOptions(CLI::App* sub, ExploreArgs& a) {
  sub->add_option("--scenario", a.options.scenario, "Explore scenario (see `daxbreak list`)")->required();
  sub->add_option("--protocol", a.protocol, "Protocol variant: " + ProtocolNameList())->capture_default_str();
  sub->add_option("--tlb-flush", a.tlb_flush,
                  "How an unmap's TLB flush waits for GUP-fast: ipi (x86) or broadcast (no wait)")
      ->capture_default_str();
  sub->add_option("--output-format", a.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--output", a.output, "Write the report to FILE instead of stdout");
}

}  // namespace

CommandRunner AddExploreCommand(CLI::App& app) {
  auto a = std::make_shared<ExploreArgs>();
  auto* sub = app.add_subcommand("explore", "Search interleavings of a scenario under the deterministic scheduler");
  AddCommonOptions(sub, *a);
  sub->add_option("--strategy", a->strategy, "random, pct or dfs")->capture_default_str();
  a->schedules_option = sub->add_option("--schedules", a->options.schedules,
                                        "Schedules to run at most (dfs: all within the bound unless given)")
                            ->capture_default_str();
  sub->add_option("--depth", a->options.depth, "pct: bug depth")->check(CLI::Range(1, 20))->capture_default_str();
  sub->add_option("--preemptions", a->options.preemptions, "dfs: preemption bound")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  sub->add_option("--seed", a->options.seed, "Seed of random and pct")->capture_default_str();
  return [a]() { return RunExplore(*a); };
}

CommandRunner AddReplayCommand(CLI::App& app) {
  auto a = std::make_shared<ExploreArgs>();
  auto* sub = app.add_subcommand("replay", "Run one schedule of a scenario again, optionally traced");
  AddCommonOptions(sub, *a);
  sub->add_option("--schedule", a->schedule, "The schedule string explore printed")->required();
  sub->add_flag("--trace", a->trace, "Print the interleaving, one column per modeled thread");
  sub->add_option("--trace-json", a->trace_json, "Write a Chrome/Perfetto trace-event JSON to FILE");
  return [a]() { return RunReplay(*a); };
}

}  // namespace daxbreak::cli
