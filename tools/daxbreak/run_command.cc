// `daxbreak run`: a campaign of scenarios x protocols x seeds (campaign.h)
// with a summary table, and a results folder a CI system can keep:
//
//   DIR/summary.json         the envelope, the configuration, one entry per cell
//   DIR/junit.xml            the cells as JUnit test cases
//   DIR/cells/NAME.json      each cell's whole explore or stress report, written
//                            as the cell finishes
//   DIR/findings/NAME.txt    for each explore finding: the replay command and
//                            the replayed run as a two-column trace
//   DIR/findings/NAME.trace.json  the same run as Chrome/Perfetto trace events
//
// Exit 0 when every cell met its expectation, 1 when one did not, 2 for bad
// options or a cell that could not run, 130/143 when a signal ended it.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/signal_name.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/pmem/path_claim.h"
#include "daxbreak/workload/campaign.h"
#include "daxbreak/workload/explore_scenario.h"
#include "junit.h"

namespace daxbreak::cli {
namespace {

struct RunArgs {
  std::string mode = "explore";
  std::string scenarios = "all";
  std::string protocols = "all";
  std::string seeds = "1";
  std::string strategy = "mixed";
  std::string schedules = "10000";
  std::string time_budget;
  uint32_t depth = 3;
  uint32_t preemptions = 2;
  std::string tlb_flush = "ipi";
  std::string duration = "10s";
  uint32_t threads = 2;
  std::string ops = LayoutOpList(kAllLayoutOps);
  uint32_t jobs = 0;  // 0: one per core.
  std::string results;
  std::string format = "text";
  std::string eta = "auto";
};

Status ConvertExploreTemplate(const RunArgs& a, ExploreOptions* o) {
  const auto strategy = ParseStrategy(a.strategy);
  if (!strategy) {
    return Status::InvalidArgument(fmt::format("--strategy: unknown strategy '{}' (choose from mixed, random, pct, dfs)", a.strategy));
  }
  o->strategy = *strategy;
  Status s = ParseUnsigned("--schedules", a.schedules, 0, UINT64_MAX, &o->schedules);
  if (!s.ok()) return s;
  if (o->schedules == 0 && o->strategy != Strategy::kDfs) {
    return Status::InvalidArgument("--schedules: 0 (no limit) is for dfs only");
  }
  if (!a.time_budget.empty()) {
    std::chrono::nanoseconds budget{};
    s = ParseDuration(a.time_budget, &budget);
    if (!s.ok() || budget.count() <= 0) {
      return Status::InvalidArgument(fmt::format("--time-budget: '{}' is not a positive duration", a.time_budget));
    }
    o->time_budget_seconds = std::chrono::duration<double>(budget).count();
  }
  o->depth = a.depth;
  o->preemptions = a.preemptions;
  return ParseTlbFlushOption(a.tlb_flush, &o->tlb_flush);
}

Status ConvertStressTemplate(const RunArgs& a, StressConfig* c) {
  Status s = ParseDuration(a.duration, &c->duration);
  if (!s.ok()) return Status::InvalidArgument("--duration: " + s.message());
  s = ParseLayoutOps(a.ops, &c->layout_ops);
  if (!s.ok()) return s;
  c->threads = a.threads;
  return ParseTlbFlushOption(a.tlb_flush, &c->tlb_flush);
}

Status Convert(const RunArgs& a, CampaignOptions* o) {
  o->mode = a.mode == "stress" ? CampaignMode::kStress : CampaignMode::kExplore;
  std::vector<std::string> known_scenarios = {"collision", "cached-mapping"};
  if (o->mode == CampaignMode::kExplore) {
    known_scenarios.clear();
    for (const ExploreScenarioInfo* s : ExploreScenarios()) known_scenarios.emplace_back(s->name);
  }
  Status s = ExpandNames("--scenarios", a.scenarios, known_scenarios, &o->scenarios);
  if (!s.ok()) return s;
  std::vector<std::string> known_protocols, protocols;
  for (const ProtocolTraits* p : AllProtocols()) known_protocols.emplace_back(p->name);
  s = ExpandNames("--protocols", a.protocols, known_protocols, &protocols);
  if (!s.ok()) return s;
  for (const std::string& p : protocols) o->protocols.push_back(FindProtocol(p));
  s = ParseSeedList("--seeds", a.seeds, &o->seeds);
  if (!s.ok()) return s;
  o->jobs = a.jobs != 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  s = ConvertExploreTemplate(a, &o->explore);
  if (!s.ok()) return s;
  return ConvertStressTemplate(a, &o->stress);
}

// Creates the results folder: it must not exist or be empty, so that a run
// never mixes with or overwrites another's results.
Status MakeResultsDir(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    return Status::Refused(fmt::format("--results '{}' exists and is not empty; choose a new folder", dir));
  }
  Status s = CheckCreatable(dir + "/x", "--results");
  if (!s.ok()) return s;
  for (const char* sub : {"cells", "findings"}) {
    std::filesystem::create_directories(std::filesystem::path(dir) / sub, ec);
    if (ec) return Status::IoError(fmt::format("--results: cannot create '{}/{}': {}", dir, sub, ec.message()));
  }
  return Status::Ok();
}

std::string ResultText(const CellOutcome& o) {
  if (!o.error.ok()) return "error";
  if (!o.found) return o.interrupted_by != 0 ? "clean (cut short)" : "clean";
  return o.kind == "deadlock" ? "stall" : o.kind;
}

// Writes the cell's report and, for a finding, its replay command and trace.
void WriteCellFiles(const std::string& dir, const CellOutcome& o) {
  const std::string name = o.cell.name();
  if (!o.report.is_null()) (void)WriteOutput(fmt::format("{}/cells/{}.json", dir, name), o.report.dump(2) + "\n");
  if (o.replay.empty()) return;
  (void)WriteOutput(fmt::format("{}/findings/{}.txt", dir, name),
                    fmt::format("{}\n\n{}", o.replay, o.trace_text));
  (void)WriteOutput(fmt::format("{}/findings/{}.trace.json", dir, name), o.trace_json.dump() + "\n");
}

nlohmann::json CellJson(const CellOutcome& o) {
  return {{"name", o.cell.name()},
          {"mode", CampaignModeName(o.cell.mode)},
          {"scenario", o.cell.scenario},
          {"protocol", o.cell.protocol->name},
          {"seed", o.cell.seed},
          {"expect", ExpectationName(o.cell.expect)},
          {"result", ResultText(o)},
          {"kind", o.found ? nlohmann::json(o.kind) : nlohmann::json(nullptr)},
          {"met", o.met},
          {"error", o.error.ok() ? nlohmann::json(nullptr) : nlohmann::json(o.error.message())},
          {"seconds", o.seconds},
          {"replay", o.replay.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.replay)},
          {"report", o.report.is_null() ? nlohmann::json(nullptr) : nlohmann::json("cells/" + o.cell.name() + ".json")}};
}

std::string Table(const std::vector<CellOutcome>& outcomes) {
  std::string out = fmt::format("{:<12} {:<20} {:>5} {:<6} {:<24} {}\n", "scenario", "protocol", "seed", "expect",
                                "result", "ok");
  for (const CellOutcome& o : outcomes) {
    out += fmt::format("{:<12} {:<20} {:>5} {:<6} {:<24} {}\n", o.cell.scenario, o.cell.protocol->name, o.cell.seed,
                       ExpectationName(o.cell.expect), ResultText(o), o.met ? "yes" : "NO");
  }
  return out;
}

int Run(RunArgs& a) {
  CampaignOptions options;
  Status s = Convert(a, &options);
  if (!s.ok()) return Fail(s);
  if (a.results.empty()) a.results = "daxbreak-results/run-" + UtcTimestamp();
  s = MakeResultsDir(a.results);
  if (!s.ok()) return Fail(s);
  // Files are written by absolute path: while one cell opens its device,
  // libpmem2's region look-up (libndctl) fchdir()s the whole process into
  // sysfs for a moment, and a relative path written by another cell's thread
  // then lands nowhere.
  const std::string dir = std::filesystem::absolute(a.results).string();
  options.work_dir = dir;
  options.interrupt = InstallStopSignals();
  const bool status = ShowStatusLine(a.eta);
  const size_t total = CampaignCells(options).size();
  size_t finished = 0;
  std::fprintf(stderr, "daxbreak run: %zu %s cells, results in %s\n", total,
               std::string(CampaignModeName(options.mode)).c_str(), a.results.c_str());
  std::vector<CellOutcome> outcomes;
  s = RunCampaign(options,
                  [&](const CellOutcome& o) {
                    WriteCellFiles(dir, o);
                    ++finished;
                    if (status) {
                      std::fprintf(stderr, "[%zu/%zu %3.0f%%] %-60.60s %s\n", finished, total, 100.0 * finished / total,
                                   o.cell.name().c_str(), o.met ? "ok" : "NOT MET");
                    }
                  },
                  &outcomes);
  if (!s.ok()) return Fail(s);
  const bool complete = outcomes.size() == total;
  bool all_met = true, error = false;
  std::vector<std::string> protocol_names;
  for (const ProtocolTraits* p : options.protocols) protocol_names.emplace_back(p->name);
  nlohmann::json cells = nlohmann::json::array();
  for (const CellOutcome& o : outcomes) {
    all_met &= o.met;
    error |= !o.error.ok();
    cells.push_back(CellJson(o));
  }
  const int signal = options.interrupt->load();
  nlohmann::json summary = JsonDocument("run", {{"mode", CampaignModeName(options.mode)},
                                                {"scenarios", options.scenarios},
                                                {"protocols", protocol_names},
                                                {"seeds", options.seeds},
                                                {"explore", ExploreConfigJson(options.explore)},
                                                {"stress", options.stress.to_json()},
                                                {"jobs", options.jobs}});
  summary["cells"] = cells;
  summary["total"] = total;
  summary["run"] = outcomes.size();
  summary["met"] = all_met && complete;
  summary["interrupted_by"] = signal != 0 ? nlohmann::json(SignalName(signal)) : nlohmann::json(nullptr);
  const nlohmann::json meta = summary["daxbreak"];
  s = WriteOutput(dir + "/summary.json", summary.dump(2) + "\n");
  if (s.ok()) {
    s = WriteOutput(dir + "/junit.xml", CampaignJunitXml(outcomes, meta["hostname"], meta["utc"]));
  }
  if (!s.ok()) return Fail(s);
  s = WriteOutput("", a.format == "json" ? summary.dump(2) + "\n"
                                         : Table(outcomes) + fmt::format("{} of {} cells met their expectation; results in {}\n",
                                                                         std::count_if(outcomes.begin(), outcomes.end(),
                                                                                       [](const CellOutcome& o) { return o.met; }),
                                                                         total, a.results));
  if (!s.ok()) return Fail(s);
  if (error) return Fail("a cell could not run; see its error in summary.json");
  if (!all_met) return kExitViolations;
  if (!complete) return SignalExitCode(signal);
  return kExitClean;
}

}  // namespace

CommandRunner AddRunCommand(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "Run a campaign of scenarios x protocols x seeds and judge every cell");
  sub->add_option("--mode", a->mode, "explore (a search per cell) or stress (a timed run per cell)")
      ->check(CLI::IsMember({"explore", "stress"}))
      ->capture_default_str();
  sub->add_option("--scenarios", a->scenarios, "Names, globs or all (stress: collision, cached-mapping)")->capture_default_str();
  sub->add_option("--protocols", a->protocols, "Names, globs or all")->capture_default_str();
  sub->add_option("--seeds", a->seeds, "Seeds: 1,2,7 or 1-10")->capture_default_str();
  sub->add_option("--strategy", a->strategy, "explore: mixed (pct and random by turns), random, pct or dfs")->capture_default_str();
  sub->add_option("--schedules", a->schedules, "explore: schedules per cell (dfs: 0 runs to exhaustion)")
      ->capture_default_str();
  sub->add_option("--time-budget", a->time_budget, "explore: stop each cell after this long");
  sub->add_option("--depth", a->depth, "explore: pct bug depth")->check(CLI::Range(1, 20))->capture_default_str();
  sub->add_option("--preemptions", a->preemptions, "explore: dfs preemption bound")
      ->check(CLI::Range(0, 10))
      ->capture_default_str();
  sub->add_option("--tlb-flush", a->tlb_flush, "ipi or broadcast")->capture_default_str();
  sub->add_option("--duration", a->duration, "stress: length of each cell")->capture_default_str();
  sub->add_option("--threads", a->threads, "stress: DIO threads")->check(CLI::Range(1, 64))->capture_default_str();
  sub->add_option("--ops", a->ops, "stress: layout changes")->capture_default_str();
  sub->add_option("--jobs", a->jobs, "explore: cells at once (default: one per core)")->check(CLI::Range(1, 256));
  sub->add_option("--results", a->results, "Results folder, new or empty (default daxbreak-results/run-<UTC time>)");
  sub->add_option("--output-format", a->format, "text or json (the summary on stdout)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--eta", a->eta, "A line per finished cell on stderr: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  return [a]() { return Run(*a); };
}

}  // namespace daxbreak::cli
