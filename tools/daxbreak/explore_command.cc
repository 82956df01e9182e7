// `daxbreak explore`, `daxbreak replay` and `daxbreak merge`: the controlled,
// deterministic search for interleavings that break a protocol, the replay of
// one, and the combination of the shards of one search.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "daxbreak/base/json_text.h"
#include "option_types.h"
#include "daxbreak/base/run_metadata.h"
#include "daxbreak/base/signal_name.h"
#include "daxbreak/base/size_parse.h"
#include "daxbreak/base/status_line.h"
#include "daxbreak/base/text_file.h"
#include "daxbreak/explore/explorer.h"

namespace daxbreak::cli {
namespace {

struct ExploreArgs {
  ExploreOptions options;
  std::string protocol = "fixed";
  std::string fs = "ext4";
  std::string tlb_flush = "ipi";
  std::string page_size = "4k";
  std::string strategy = "mixed";
  std::string schedules;     // Validated by hand: CLI11 wraps "-1" into 2^64-1.
  std::string seed = "1";
  std::string shard;         // "I/N"
  std::string time_budget;   // A duration.
  bool no_reduction = false;
  std::string format = "text";
  std::string output;
  std::string schedule;      // replay
  bool trace = false;        // replay
  std::string trace_json;    // replay
  std::string eta = "auto";  // explore
  CLI::Option* preemptions = nullptr;  // explore: whether --preemptions was given
};

// The options explore and replay share. An unknown --scenario is reported by
// Explore() and Replay() themselves.
Status ConvertCommon(ExploreArgs& a) {
  Status s = ParseProtocolOption(a.protocol, &a.options.protocol);
  if (s.ok()) s = ParseFsOption(a.fs, &a.options.fs);
  if (!s.ok()) return s;
  s = ParseDaxPageSize(a.page_size, &a.options.page_size);
  if (!s.ok()) return s;
  return ParseTlbFlushOption(a.tlb_flush, &a.options.tlb_flush);
}

// --shard I/N, or else GoogleTest's GTEST_SHARD_INDEX / GTEST_TOTAL_SHARDS.
Status ConvertShard(ExploreArgs& a) {
  std::string text = a.shard;
  if (text.empty()) {
    const char* index = std::getenv("GTEST_SHARD_INDEX");
    const char* total = std::getenv("GTEST_TOTAL_SHARDS");
    if (index == nullptr || total == nullptr) return Status::Ok();
    text = fmt::format("{}/{}", index, total);
  }
  return ParseShardOption(text, &a.options.shard_index, &a.options.shard_count);
}

Status ConvertExplore(ExploreArgs& a) {
  Status s = ConvertCommon(a);
  if (!s.ok()) return s;
  const auto strategy = ParseStrategy(a.strategy);
  if (!strategy) {
    return Status::InvalidArgument(
        fmt::format("--strategy: unknown strategy '{}' (choose from mixed, random, pct, dfs, dpor)", a.strategy));
  }
  a.options.strategy = *strategy;
  // dfs and dpor run to exhaustion unless a budget is given.
  const bool exhaustive = a.options.strategy == Strategy::kDfs || a.options.strategy == Strategy::kDpor;
  if (!a.schedules.empty()) {
    s = ParseUnsigned("--schedules", a.schedules, 1, UINT64_MAX, &a.options.schedules);
    if (!s.ok()) return s;
  } else if (exhaustive) {
    a.options.schedules = 0;
  }
  // dpor has no preemption bound unless one is given.
  if (a.options.strategy == Strategy::kDpor && a.preemptions != nullptr && a.preemptions->count() > 0) {
    a.options.dpor_preemptions = a.options.preemptions;
  }
  s = ParseUnsigned("--seed", a.seed, 0, UINT64_MAX, &a.options.seed);
  if (!s.ok()) return s;
  if (!a.time_budget.empty()) {
    std::chrono::nanoseconds budget{};
    s = ParseDuration(a.time_budget, &budget);
    if (!s.ok() || budget.count() <= 0) {
      return Status::InvalidArgument(fmt::format("--time-budget: '{}' is not a positive duration", a.time_budget));
    }
    a.options.time_budget_seconds = std::chrono::duration<double>(budget).count();
  }
  a.options.reduction = !a.no_reduction;
  return ConvertShard(a);
}

// The status line's text: elapsed / budget and the part done (of the dfs
// tree, the schedule budget or the time budget, whichever is furthest), then
// rates.
std::string ProgressText(const ExploreOptions& o, const ExploreProgress& p) {
  double done = p.fraction >= 0 ? p.fraction : 0;
  if (o.strategy != Strategy::kDfs && o.schedules > 0) done = std::max(done, double(p.schedules) / double(o.schedules));
  if (o.time_budget_seconds > 0) done = std::max(done, p.seconds / o.time_budget_seconds);
  return StatusLine::Eta(p.seconds, o.time_budget_seconds, done) +
         fmt::format(" {} schedules {:.1f}k/s findings {}", p.schedules,
                     p.seconds > 0 ? p.schedules / p.seconds / 1000 : 0.0, p.findings);
}

int RunExplore(ExploreArgs& a) {
  Status s = ConvertExplore(a);
  if (!s.ok()) return Fail(s);
  ReportOutput output;
  s = output.open(a.output, "--output");
  if (!s.ok()) return Fail(s);
  const bool status = ShowStatusLine(a.eta);
  StatusLine line(TerminalWidth());
  if (status) a.options.progress = [&a, &line](const ExploreProgress& p) { line.draw(ProgressText(a.options, p)); };
  a.options.interrupt = InstallStopSignals();
  ExploreResult result;
  s = Explore(a.options, &result);
  if (status) line.clear();
  if (!s.ok()) return Fail(s);
  const std::string out = a.format == "json" ? JsonText(result.to_json(a.options), 2) + "\n" : result.to_text(a.options);
  s = output.write(out);
  if (!s.ok()) return Fail(s);
  if (result.found) return kExitViolations;
  return result.interrupted_by != 0 ? SignalExitCode(result.interrupted_by) : kExitClean;
}

int RunReplay(ExploreArgs& a) {
  Status s = ConvertCommon(a);
  if (!s.ok()) return Fail(s);
  ReportOutput output, trace_json;
  s = output.open(a.output, "--output");
  if (s.ok()) s = trace_json.open(a.trace_json, "--trace-json");
  if (!s.ok()) return Fail(s);
  RunResult run;
  const bool trace = a.trace || !a.trace_json.empty();
  s = Replay(a.options, a.schedule, trace, &run);
  if (!s.ok()) return Fail(s);
  std::string out;
  if (a.format == "json") {
    nlohmann::json j = JsonDocument("replay", {{"scenario", a.options.scenario},
                                               {"protocol", a.options.protocol->name},
                                               {"tlb_flush", TlbFlushModeName(a.options.tlb_flush)},
                                               {"schedule", a.schedule}});
    j.update(RunResultJson(run));
    if (a.trace) j["trace"] = TraceEventsJson(run);
    out = JsonText(j, 2) + "\n";
  } else {
    out = fmt::format("daxbreak replay: scenario {}, protocol {}, tlb-flush {}, schedule {}\n", a.options.scenario,
                      a.options.protocol->name, TlbFlushModeName(a.options.tlb_flush), a.schedule);
    if (a.trace) {
      out += RenderTraceDiagram(run);
    } else {
      out += run.found() ? fmt::format("FOUND {}\n", run.kind()) : "clean\n";
      for (const Violation& v : run.violations) out += "   " + DescribeViolation(v) + "\n";
      if (!run.deadlock.empty()) out += "   deadlock: " + run.deadlock + "\n";
    }
  }
  if (!a.trace_json.empty()) {
    s = trace_json.write(JsonText(TraceEventsJson(run)) + "\n");
    if (!s.ok()) return Fail(s);
  }
  // A schedule that does not fit has no verdict; the trace and the JSON still
  // show how far it got.
  if (run.schedule_mismatch.empty() || a.trace || a.format == "json") {
    s = output.write(out);
    if (!s.ok()) return Fail(s);
  }
  if (!run.schedule_mismatch.empty()) {
    return Fail(fmt::format("--schedule '{}' does not fit scenario '{}' with protocol {}: {}", a.schedule,
                            a.options.scenario, a.options.protocol->name, run.schedule_mismatch));
  }
  return run.found() ? kExitViolations : kExitClean;
}

void AddCommonOptions(CLI::App* sub, ExploreArgs& a) {
  sub->add_option("--scenario", a.options.scenario, "Explore scenario (see `daxbreak list`)")->required();
  sub->add_option("--protocol", a.protocol, "Protocol variant: " + ProtocolNameList())->capture_default_str();
  sub->add_option("--fs", a.fs, "File system the model runs: " + FsModelNameList())->capture_default_str();
  sub->add_option("--tlb-flush", a.tlb_flush,
                  "How an unmap's TLB flush waits for GUP-fast: ipi (x86) or broadcast (no wait)")
      ->transform(Choice({"ipi", "broadcast"}))
      ->capture_default_str();
  sub->add_option("--page-size", a.page_size,
                  "Largest DAX mapping: 4k (PTEs only) or 2m (PMD entries and faults where they fit)")
      ->transform(Choice({"4k", "2m"}))
      ->capture_default_str();
  sub->add_option("--output-format", a.format, "text or json")
      ->transform(Choice({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--output", a.output, "Write the report to FILE instead of stdout");
}

}  // namespace

CommandRunner AddExploreCommand(CLI::App& app) {
  auto a = std::make_shared<ExploreArgs>();
  auto* sub = app.add_subcommand("explore", "Search interleavings of a scenario under the deterministic scheduler");
  AddCommonOptions(sub, *a);
  sub->add_option("--strategy", a->strategy,
                  "mixed (pct and random by turns), random, pct, dfs (bounded: every schedule within "
                  "--preemptions, reduced by sleep sets, which under a bound may leave out traces the bound allows; "
                  "the report says `bounded` when the bound cut something) or dpor (every interleaving class, no "
                  "bound: dynamic partial-order reduction; the report says `complete` when nothing was cut)")
      ->transform(Choice({"mixed", "random", "pct", "dfs", "dpor"}))
      ->capture_default_str();
  sub->add_option("--schedules", a->schedules,
                  "Schedules to run at most (default 10000; dfs and dpor: all unless given)");
  sub->add_option("--time-budget", a->time_budget, "Stop after this long: 30s, 10m, 1h")->check(DurationValue());
  sub->add_option("--depth", a->options.depth, "pct: bug depth")->check(CLI::Range(1, 20))->capture_default_str();
  a->preemptions = sub->add_option("--preemptions", a->options.preemptions,
                                   "dfs: preemption bound (default 2); dpor: none unless given, and then the "
                                   "search is only `bounded`")
                       ->check(CLI::Range(0, 10));
  sub->add_flag("--no-reduction", a->no_reduction,
                "dfs: no sleep sets; dpor: every interleaving, no reduction at all (the reference of the "
                "soundness test)");
  sub->add_flag("--keep-going", a->options.keep_going, "Do not stop at the first finding; count every kind");
  sub->add_option("--seed", a->seed, "Seed of mixed, random and pct")->capture_default_str();
  sub->add_option("--jobs", a->options.jobs, "Worker threads")->check(CLI::Range(1, 256))->capture_default_str();
  sub->add_option("--shard", a->shard,
                  "Run part I of N of the search (I/N; default GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS)");
  sub->add_option("--split-depth", a->options.split_depth, "dfs: branching decisions that deal out shards")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  sub->add_option("--subtrees", a->options.dpor_subtrees,
                  "dpor: subtrees the search is cut into for --jobs and --shard (the nodes above them are "
                  "expanded in full; shards merge to the whole only with the same number)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sub->add_option("--max-steps", a->options.max_steps,
                  "The depth limit: steps a run may take; a run cut there is a step_limit finding, and the "
                  "search is then `bounded`, never `complete`")
      ->check(CLI::Range(1, 100000000))
      ->capture_default_str();
  sub->add_flag("--outcomes", a->options.collect_outcomes,
                "Also list every outcome the runs reached (how each ended, its violation kinds, the model's "
                "final state): what the soundness test compares between dpor and --no-reduction");
  sub->add_option("--eta", a->eta, "Live status line on stderr: auto (on a terminal), always, never")
      ->transform(Choice({"auto", "always", "never"}))
      ->capture_default_str();
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

CommandRunner AddMergeCommand(CLI::App& app) {
  struct MergeArgs {
    std::vector<std::string> files;
    std::string format = "text";
    std::string output;
  };
  auto a = std::make_shared<MergeArgs>();
  auto* sub = app.add_subcommand("merge", "Combine the JSON results of the shards of one explore search");
  sub->add_option("files", a->files, "One `explore --output-format json` result per shard")->required();
  sub->add_option("--output-format", a->format, "text or json")
      ->transform(Choice({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--output", a->output, "Write the merged report to FILE instead of stdout");
  return [a]() {
    std::vector<std::pair<ExploreOptions, ExploreResult>> shards;
    nlohmann::json merged_from = nlohmann::json::array();
    for (const std::string& file : a->files) {
      // Read whole and only from a regular file: a directory would make
      // the stream throw mid-parse, a FIFO would block.
      std::string text;
      Status read = ReadTextFile(file, &text);
      if (!read.ok()) return Fail("merge: " + read.message());
      const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) return Fail(fmt::format("merge: '{}' is not JSON", file));
      auto& shard = shards.emplace_back();
      Status s = ParseExploreJson(j, &shard.first, &shard.second);
      if (!s.ok()) return Fail(fmt::format("merge: '{}': {}", file, s.message()));
      merged_from.push_back({{"file", file},
                             {"shard", {{"index", shard.first.shard_index}, {"count", shard.first.shard_count}}},
                             {"seed", SeedJson(shard.first.seed)},
                             {"found", shard.second.found},
                             {"kind", shard.second.found ? nlohmann::json(shard.second.kind) : nlohmann::json(nullptr)},
                             {"schedules", shard.second.schedules},
                             {"daxbreak", j.value("daxbreak", nlohmann::json(nullptr))}});
    }
    ExploreOptions options;
    ExploreResult merged;
    Status s = MergeExploreResults(shards, &options, &merged);
    if (!s.ok()) return Fail(fmt::format("merge: {}", s.message()));
    merged.merged_from = std::move(merged_from);
    const std::string out = a->format == "json" ? JsonText(merged.to_json(options), 2) + "\n" : merged.to_text(options);
    s = WriteOutput(a->output, out);
    if (!s.ok()) return Fail(s);
    return merged.found ? kExitViolations : kExitClean;
  };
}

}  // namespace daxbreak::cli
