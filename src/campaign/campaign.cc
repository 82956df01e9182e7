#include "daxbreak/campaign/campaign.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daxbreak/explore/explore_scenario.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/work_queue.h"
#include "daxbreak/stress/stress_runner.h"

namespace daxbreak {
namespace {

// The comma-separated items of `list`.
std::vector<std::string_view> Items(std::string_view list) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    const size_t comma = std::min(list.find(',', pos), list.size());
    out.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

bool Meets(Expectation e, bool found, const std::string& kind) {
  switch (e) {
    // Explore reports a stall as a deadlock, stress as the kind `stall`.
    case Expectation::kFound: return found && kind != "deadlock" && kind != "stall";
    case Expectation::kStall: return found && (kind == "deadlock" || kind == "stall");
    case Expectation::kClean: return !found;
    case Expectation::kAny: return true;
  }
  return false;
}

bool Interrupted(const CampaignOptions& o) { return o.interrupt != nullptr && o.interrupt->load() != 0; }

CellOutcome RunExploreCell(const CampaignOptions& options, const CampaignCell& cell) {
  CellOutcome out;
  out.cell = cell;
  ExploreOptions o = options.explore;
  o.scenario = cell.scenario;
  o.protocol = cell.protocol;
  o.fs = cell.fs;
  o.seed = cell.seed;
  o.jobs = 1;
  o.progress = nullptr;
  o.interrupt = options.interrupt;
  ExploreResult r;
  out.error = Explore(o, &r);
  if (!out.error.ok()) return out;
  out.found = r.found;
  out.kind = r.kind;
  out.seconds = r.seconds;
  out.report = r.to_json(o);
  out.interrupted_by = r.interrupted_by;
  const Certificate certificate = r.certificate(o);
  out.coverage = std::string(CertificateVerdictName(certificate.verdict));
  out.certificate = certificate.text;
  if (r.found) {
    out.replay = r.replay_command;
    RunResult run;
    if (Replay(o, r.schedule, /*trace=*/true, &run).ok()) {
      out.trace_text = RenderTraceDiagram(run);
      out.trace_json = TraceEventsJson(run);
    }
  }
  return out;
}

// Sets `*out` to the path a stress cell uses for `given` (see
// CampaignOptions::device_path); true when it is the cell's own file, to be
// removed after it.
bool PerCellPath(const std::string& given, const std::string& work_dir, const std::string& file, std::string* out) {
  std::error_code ec;
  if (!given.empty() && !std::filesystem::is_directory(given, ec)) {
    *out = given;
    return false;
  }
  *out = fmt::format("{}/{}", given.empty() ? work_dir : given, file);
  return true;
}

CellOutcome RunStressCell(const CampaignOptions& options, const CampaignCell& cell) {
  CellOutcome out;
  out.cell = cell;
  StressConfig c = options.stress;
  c.scenario = cell.scenario;
  c.protocol = cell.protocol;
  c.fs = cell.fs;
  c.seed = cell.seed;
  const bool own_device = PerCellPath(options.device_path, options.work_dir, cell.name() + ".pmem", &c.device_path);
  const bool own_disk = PerCellPath(options.disk_path, options.work_dir, cell.name() + ".disk", &c.disk_path);
  c.progress = false;
  c.interrupt = options.interrupt;
  StressReport report;
  out.error = RunStress(c, &report);
  if (own_device) unlink(c.device_path.c_str());
  if (own_disk) unlink(c.disk_path.c_str());
  if (!report.ran) return out;
  if (!report.error.empty()) out.error = Status::IoError(report.error);
  out.found = report.violation_count > 0;
  out.report = report.to_json();
  const nlohmann::json& v = out.report["violations"];
  if (out.found && !v.empty()) out.kind = v[0].value("kind", "");
  out.seconds = report.seconds;
  out.interrupted_by = report.interrupted_by;
  return out;
}

}  // namespace

std::string_view CampaignModeName(CampaignMode mode) { return mode == CampaignMode::kStress ? "stress" : "explore"; }

std::string_view ExpectationName(Expectation e) {
  switch (e) {
    case Expectation::kFound: return "found";
    case Expectation::kStall: return "stall";
    case Expectation::kClean: return "clean";
    case Expectation::kAny: return "any";
  }
  return "?";
}

Expectation ExpectFor(const ProtocolTraits& protocol, std::string_view scenario) {
  if (protocol.status == ProtocolStatus::kCorrect || protocol.status == ProtocolStatus::kCandidateFix) {
    return !protocol.cycles_in.empty() && protocol.cycles_in == scenario ? Expectation::kAny : Expectation::kClean;
  }
  // Campaigns run at 4 KiB: a row found only at 2 MiB (pmd-head-only) may go either way there.
  if (!protocol.catches_in.empty() && protocol.catches_in == scenario && protocol.catches_at == DaxPageSize::k4K) {
    return protocol.catches_as == CatchKind::kStall ? Expectation::kStall : Expectation::kFound;
  }
  return Expectation::kAny;
}

Status ExpandNames(std::string_view option, std::string_view list, const std::vector<std::string>& known,
                   std::vector<std::string>* out) {
  std::vector<bool> take(known.size(), false);
  for (std::string_view item : Items(list)) {
    const std::string pattern(item == "all" ? "*" : item);
    bool matched = false;
    for (size_t i = 0; i < known.size(); ++i) {
      if (fnmatch(pattern.c_str(), known[i].c_str(), 0) == 0) take[i] = matched = true;
    }
    if (!matched) {
      return Status::InvalidArgument(fmt::format("{}: '{}' matches nothing (choose from all, {}; globs work)", option,
                                                 item, fmt::join(known, ", ")));
    }
  }
  out->clear();
  for (size_t i = 0; i < known.size(); ++i) {
    if (take[i]) out->push_back(known[i]);
  }
  return Status::Ok();
}

Status ParseSeedList(std::string_view option, std::string_view list, std::vector<uint64_t>* out) {
  out->clear();
  const auto number = [](std::string_view t, uint64_t* v) {
    const auto r = std::from_chars(t.data(), t.data() + t.size(), *v);
    return !t.empty() && r.ec == std::errc() && r.ptr == t.data() + t.size();
  };
  for (std::string_view item : Items(list)) {
    const size_t dash = item.find('-');
    uint64_t first = 0, last = 0;
    const bool ok = dash == std::string_view::npos
                        ? number(item, &first) && (last = first, true)
                        : number(item.substr(0, dash), &first) && number(item.substr(dash + 1), &last) && first <= last;
    if (!ok || last - first >= 100000 || out->size() + (last - first) >= 100000) {
      return Status::InvalidArgument(
          fmt::format("{}: '{}' is not a seed or a range A-B of at most 100000 seeds", option, item));
    }
    for (uint64_t s = first;; ++s) {
      if (std::find(out->begin(), out->end(), s) == out->end()) out->push_back(s);
      if (s == last) break;
    }
  }
  return Status::Ok();
}

bool CellSkipped(const CellOutcome& o) { return o.cell.expect == Expectation::kAny && o.error.ok(); }

std::string CampaignCell::name() const {
  const std::string fs_part = fs->name == DefaultFsModel().name ? "" : fmt::format("{}.", fs->name);
  return fmt::format("{}.{}.{}.{}seed{}", CampaignModeName(mode), scenario, protocol->name, fs_part, seed);
}

namespace {

// Whether the cell of `scenario` x `protocol` runs on `fs`.
bool CellApplies(const CampaignOptions& options, const std::string& scenario, const ProtocolTraits& protocol,
                 const FsModel& fs) {
  if (!ProtocolAppliesTo(protocol, fs.name)) return false;
  if (options.mode != CampaignMode::kExplore) return true;
  const ExploreScenarioInfo* info = FindExploreScenario(scenario);
  return info == nullptr || FsListIncludes(info->applies_to, fs.name);
}

}  // namespace

std::vector<CampaignCell> CampaignCells(const CampaignOptions& options) {
  std::vector<CampaignCell> cells;
  size_t k = 0;
  for (const std::string& scenario : options.scenarios) {
    for (const ProtocolTraits* protocol : options.protocols) {
      for (const FsModel* fs : options.file_systems) {
        if (!CellApplies(options, scenario, *protocol, *fs)) continue;
        for (uint64_t seed : options.seeds) {
          if (k++ % std::max(options.shard_count, 1u) != options.shard_index) continue;
          cells.push_back({options.mode, scenario, protocol, seed, ExpectFor(*protocol, scenario), fs});
        }
      }
    }
  }
  return cells;
}

Status RunCampaign(const CampaignOptions& options, const std::function<void(const CellOutcome&)>& done,
                   std::vector<CellOutcome>* outcomes) {
  if (options.shard_count < 1 || options.shard_index >= options.shard_count) {
    return Status::InvalidArgument(
        fmt::format("--shard: '{}/{}' is not I/N with 0 <= I < N", options.shard_index, options.shard_count));
  }
  const std::vector<CampaignCell> cells = CampaignCells(options);
  if (cells.empty()) return Status::InvalidArgument("the campaign has no cells");
  if (options.jobs < 1 || options.jobs > 256) {
    return Status::InvalidArgument(fmt::format("--jobs: {} is not in 1..256", options.jobs));
  }
  std::vector<CellOutcome> results(cells.size());
  std::vector<bool> ran(cells.size(), false);
  Mutex mu("campaign");  // Orders the callback and `ran`; the cells themselves share nothing.
  // The cells' numbers, all queued before the workers start, taken through
  // the sync layer's WorkQueue (a library pool such as
  // boost::asio::thread_pool would bring locks of its own; docs/design.md).
  WorkQueue<size_t> queue({"campaign_queue", "campaign_push", "campaign_take", "campaign_close"});
  for (size_t i = 0; i < cells.size(); ++i) queue.push(i);
  queue.close();
  const auto worker = [&] {
    queue.run([&](size_t i) {
      if (Interrupted(options)) return;
      CellOutcome out = options.mode == CampaignMode::kStress ? RunStressCell(options, cells[i])
                                                             : RunExploreCell(options, cells[i]);
      out.met = out.error.ok() && Meets(cells[i].expect, out.found, out.kind) &&
                (out.interrupted_by == 0 || cells[i].expect == Expectation::kAny || out.found);
      MutexLock lock(&mu);
      results[i] = std::move(out);
      ran[i] = true;
      if (done) done(results[i]);
    });
  };
  const uint32_t threads = options.mode == CampaignMode::kStress ? 1 : std::min<size_t>(options.jobs, cells.size());
  std::vector<std::thread> pool;
  for (uint32_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  outcomes->clear();
  for (size_t i = 0; i < cells.size(); ++i) {
    if (ran[i]) outcomes->push_back(std::move(results[i]));
  }
  return Status::Ok();
}

}  // namespace daxbreak
