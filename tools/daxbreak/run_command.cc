// `daxbreak run`: a campaign of scenarios x protocols x seeds
// (campaign/campaign.h) with a summary table on stdout and the results folder
// of campaign/results.h.
//
// Exit 0 when every cell met its expectation, 1 when one did not, 2 for bad
// options or a cell that could not run, 130/143 when a signal ended it.

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/json_text.h"
#include "daxbreak/base/printable.h"
#include "option_types.h"
#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/signal_name.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/base/status_line.h"
#include "daxbreak/campaign/campaign.h"
#include "daxbreak/campaign/results.h"
#include "daxbreak/explore/explore_scenario.h"
#include "daxbreak/stress/stress_scenario.h"

namespace daxbreak::cli {
namespace {

struct RunArgs {
  std::string mode = "explore";
  std::string scenarios = "all";
  std::string protocols = "all";
  std::string file_systems = "ext4";
  std::string seeds = "1";
  std::string strategy = "mixed";
  std::string schedules = "10000";
  std::string time_budget;
  uint32_t depth = 3;
  uint32_t preemptions = 2;
  CLI::Option* preemptions_given = nullptr;
  std::string tlb_flush = "ipi";
  std::string duration = "10s";
  uint32_t threads = 2;
  std::string ops = LayoutOpList(kAllLayoutOps);
  uint32_t jobs = 0;  // 0: one per core.
  std::string results;
  std::string device, disk;  // stress: see CampaignOptions::device_path.
  std::string shard;         // "I/N"
  std::string format = "text";
  std::string eta = "auto";
};

Status ConvertExploreTemplate(const RunArgs& a, ExploreOptions* o) {
  const auto strategy = ParseStrategy(a.strategy);
  if (!strategy) {
    return Status::InvalidArgument(fmt::format("--strategy: unknown strategy '{}' (choose from mixed, random, pct, dfs, dpor)", a.strategy));
  }
  o->strategy = *strategy;
  Status s = ParseUnsigned("--schedules", a.schedules, 0, UINT64_MAX, &o->schedules);
  if (!s.ok()) return s;
  const bool exhaustive = o->strategy == Strategy::kDfs || o->strategy == Strategy::kDpor;
  if (o->schedules == 0 && !exhaustive) {
    return Status::InvalidArgument("--schedules: 0 (no limit) is for dfs and dpor only");
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
  // dpor has no preemption bound unless one is given.
  if (o->strategy == Strategy::kDpor && a.preemptions_given != nullptr && a.preemptions_given->count() > 0) {
    o->dpor_preemptions = a.preemptions;
  }
  return ParseTlbFlushOption(a.tlb_flush, &o->tlb_flush);
}

Status ConvertStressTemplate(const RunArgs& a, StressConfig* c) {
  Status s = ParseDuration(a.duration, &c->duration);
  if (!s.ok()) return Status::InvalidArgument("--duration: " + s.message());
  // Refused here, once, not by each cell after the campaign has begun.
  if (c->duration.count() <= 0) {
    return Status::InvalidArgument(fmt::format("--duration: '{}' is not a positive duration", a.duration));
  }
  s = ParseLayoutOps(a.ops, &c->layout_ops);
  if (!s.ok()) return s;
  c->threads = a.threads;
  return ParseTlbFlushOption(a.tlb_flush, &c->tlb_flush);
}

Status Convert(const RunArgs& a, CampaignOptions* o) {
  o->mode = a.mode == "stress" ? CampaignMode::kStress : CampaignMode::kExplore;
  // Stress cells run on the model target (a device file per cell).
  std::vector<std::string> known_scenarios;
  if (o->mode == CampaignMode::kExplore) {
    for (const ExploreScenarioInfo* s : ExploreScenarios()) {
      // `all` leaves out the scenarios that run only when named (by_name_only).
      if (!s->by_name_only || a.scenarios != "all") known_scenarios.emplace_back(s->name);
    }
  } else {
    for (const StressScenarioInfo* s : StressScenarios()) {
      if (s->on_model) known_scenarios.emplace_back(s->name);
    }
  }
  Status s = ExpandNames("--scenarios", a.scenarios, known_scenarios, &o->scenarios);
  if (!s.ok()) return s;
  std::vector<std::string> known_protocols, protocols;
  for (const ProtocolTraits* p : AllProtocols()) known_protocols.emplace_back(p->name);
  s = ExpandNames("--protocols", a.protocols, known_protocols, &protocols);
  if (!s.ok()) return s;
  for (const std::string& p : protocols) o->protocols.push_back(FindProtocol(p));
  std::vector<std::string> known_fs, fs_names;
  for (const FsModel* f : AllFsModels()) known_fs.emplace_back(f->name);
  s = ExpandNames("--fs", a.file_systems, known_fs, &fs_names);
  if (!s.ok()) return s;
  o->file_systems.clear();
  for (const std::string& f : fs_names) o->file_systems.push_back(FindFsModel(f));
  s = ParseSeedList("--seeds", a.seeds, &o->seeds);
  if (!s.ok()) return s;
  if (!a.shard.empty()) {
    s = ParseShardOption(a.shard, &o->shard_index, &o->shard_count);
    if (!s.ok()) return s;
  }
  if ((!a.device.empty() || !a.disk.empty()) && o->mode != CampaignMode::kStress) {
    return Status::InvalidArgument("--device and --disk are for --mode stress");
  }
  o->device_path = a.device;
  o->disk_path = a.disk;
  o->jobs = a.jobs != 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  s = ConvertExploreTemplate(a, &o->explore);
  if (!s.ok()) return s;
  return ConvertStressTemplate(a, &o->stress);
}

// The default results folder: daxbreak-results/run-20261207T105500Z (ISO 8601
// basic format: no ':', which CI artifact uploaders refuse).
std::string DefaultResultsDir() {
  std::string t = UtcTimestamp();
  std::erase_if(t, [](char c) { return c == '-' || c == ':'; });
  return "daxbreak-results/run-" + t;
}

int Run(RunArgs& a) {
  CampaignOptions options;
  Status s = Convert(a, &options);
  if (!s.ok()) return Fail(s);
  if (a.results.empty()) a.results = DefaultResultsDir();
  CampaignResults results;
  s = CampaignResults::Create(a.results, &results);
  if (!s.ok()) return Fail(s);
  options.work_dir = results.dir();
  options.interrupt = InstallStopSignals();
  const bool status = ShowStatusLine(a.eta);
  StatusLine line(TerminalWidth());
  const size_t total = CampaignCells(options).size();
  size_t finished = 0;
  std::fprintf(stderr, "daxbreak run: %zu %s cells, results in %s\n", total,
               std::string(CampaignModeName(options.mode)).c_str(), Printable(a.results).c_str());
  std::vector<CellOutcome> outcomes;
  s = RunCampaign(options,
                  [&](const CellOutcome& o) {
                    results.write_cell(o);
                    ++finished;
                    if (status) {
                      line.note(fmt::format("[{}/{} {:3.0f}%] {:<60.60} {}", finished, total, 100.0 * finished / total,
                                            o.cell.name(), o.cut_short() ? "cut short" : o.met ? "ok" : "NOT MET"));
                    }
                  },
                  &outcomes);
  if (!s.ok()) return Fail(s);
  const int signal = options.interrupt->load();
  const nlohmann::json summary = CampaignResults::Summary(options, outcomes, signal);
  s = results.finish(summary, outcomes);
  if (!s.ok()) return Fail(s);
  s = AppendCampaignHistory(results.dir(), summary);
  if (!s.ok()) std::fprintf(stderr, "daxbreak: warning: history not updated: %s\n", s.message().c_str());
  const auto met = std::count_if(outcomes.begin(), outcomes.end(), [](const CellOutcome& o) { return o.met; });
  s = WriteOutput("", a.format == "json"
                          ? JsonText(summary, 2) + "\n"
                          : CampaignTable(outcomes) +
                                fmt::format("{} of {} cells: {} passed, {} failed, {} skipped (expectation any), {} "
                                            "errors; results in {}/index.html\n",
                                            outcomes.size(), total, summary.value("passed", 0),
                                            summary.value("failed", 0), summary.value("skipped", 0),
                                            summary.value("errors", 0), a.results));
  if (!s.ok()) return Fail(s);
  const bool error = std::any_of(outcomes.begin(), outcomes.end(), [](const CellOutcome& o) { return !o.error.ok(); });
  if (error) return Fail("a cell could not run; see its error in summary.json");
  // A campaign a signal cut is not judged: 130 / 143 as for stress and explore.
  if (signal != 0) return SignalExitCode(signal);
  if (met != static_cast<long>(outcomes.size())) return kExitViolations;
  return kExitClean;
}

}  // namespace

CommandRunner AddRunCommand(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand("run", "Run a campaign of scenarios x protocols x seeds and judge every cell");
  sub->add_option("--mode", a->mode, "explore (a search per cell) or stress (a timed run per cell)")
      ->transform(Choice({"explore", "stress"}))
      ->capture_default_str();
  sub->add_option("--scenarios", a->scenarios, "Names, globs or all (the scenarios of the mode: daxbreak list)")->capture_default_str();
  sub->add_option("--protocols", a->protocols, "Names, globs or all")->capture_default_str();
  sub->add_option("--fs", a->file_systems,
                  "File systems each cell runs on: names, globs or all (" + FsModelNameList() +
                      "); a row or scenario that does not apply to one is left out there")
      ->capture_default_str();
  sub->add_option("--seeds", a->seeds, "Seeds: 1,2,7 or 1-10")->capture_default_str();
  sub->add_option("--strategy", a->strategy,
                  "explore: mixed (pct and random by turns), random, pct, dfs (bounded) or dpor (every interleaving "
                  "class; each cell says complete or bounded)")
      ->transform(Choice({"mixed", "random", "pct", "dfs", "dpor"}))
      ->capture_default_str();
  sub->add_option("--schedules", a->schedules, "explore: schedules per cell (dfs, dpor: 0 runs to exhaustion)")
      ->capture_default_str();
  sub->add_option("--time-budget", a->time_budget, "explore: stop each cell after this long")->check(DurationValue());
  sub->add_option("--depth", a->depth, "explore: pct bug depth")->check(CLI::Range(1, 20))->capture_default_str();
  a->preemptions_given = sub->add_option("--preemptions", a->preemptions,
                                         "explore: dfs preemption bound (default 2); dpor: none unless given")
                             ->check(CLI::Range(0, 10));
  sub->add_option("--tlb-flush", a->tlb_flush, "ipi or broadcast")->transform(Choice({"ipi", "broadcast"}))->capture_default_str();
  sub->add_option("--duration", a->duration, "stress: length of each cell")->check(DurationValue())->capture_default_str();
  sub->add_option("--threads", a->threads, "stress: DIO threads")->check(CLI::Range(1, 64))->capture_default_str();
  sub->add_option("--ops", a->ops, "stress: layout changes")->capture_default_str();
  sub->add_option("--device", a->device,
                  "stress: a folder for each cell's device file (e.g. on an fs-dax mount), or one file or "
                  "/dev/daxN.M for every cell (default: in the results folder)");
  sub->add_option("--disk", a->disk, "stress: a folder for each cell's disk file, or one file for every cell");
  sub->add_option("--shard", a->shard, "Run shard I of N: every Nth cell from the Ith (0 <= I < N)");
  sub->add_option("--jobs", a->jobs, "explore: cells at once (default: one per core)")->check(CLI::Range(1, 256));
  sub->add_option("--results", a->results, "Results folder, new or empty (default daxbreak-results/run-<UTC time, e.g. 20261207T105500Z>)");
  sub->add_option("--output-format", a->format, "text or json (the summary on stdout)")
      ->transform(Choice({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--eta", a->eta, "A line per finished cell on stderr: auto (on a terminal), always, never")
      ->transform(Choice({"auto", "always", "never"}))
      ->capture_default_str();
  return [a]() { return Run(*a); };
}

}  // namespace daxbreak::cli
