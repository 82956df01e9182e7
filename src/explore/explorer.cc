#include "daxbreak/explore/explorer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "daxbreak/base/suggest.h"
#include "daxbreak/check/checker.h"
#include "daxbreak/sync/lockdep.h"
#include "daxbreak/explore/explore_scenario.h"
#include "explore/dpor.h"
#include "explore/schedule_policies.h"

namespace daxbreak {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kMaxModelThreads = 8;

Status FindScenario(const std::string& name, const ExploreScenarioInfo** out) {
  *out = FindExploreScenario(name);
  if (*out != nullptr) return Status::Ok();
  std::string names;
  for (const ExploreScenarioInfo* s : ExploreScenarios()) names += (names.empty() ? "" : ", ") + std::string(s->name);
  return Status::InvalidArgument(fmt::format("--scenario: unknown scenario '{}' (choose from {}){}", name, names,
                                             DidYouMean(name, std::string_view(names))));
}

// The file-system axis: the row and the scenario must apply to --fs.
Status CheckFsAxis(const ExploreOptions& o, const ExploreScenarioInfo& info) {
  if (!ProtocolAppliesTo(*o.protocol, o.fs->name)) {
    return Status::InvalidArgument(fmt::format("--fs: protocol {} applies to {}, not to {}", o.protocol->name,
                                               o.protocol->applies_to, o.fs->name));
  }
  if (!FsListIncludes(info.applies_to, o.fs->name)) {
    return Status::InvalidArgument(
        fmt::format("--fs: scenario {} runs on {}, not on {}", info.name, info.applies_to, o.fs->name));
  }
  return Status::Ok();
}

// What one worker needs to run schedules: a pmem device (8 MiB in /dev/shm, room
// for an aligned 2 MiB extent
// or $TMPDIR, unlinked at once; only its page addresses and bytes are used),
// the wait queues and the fibers its runs share.
class RunContext {
 public:
  Status open() {
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : (tmp ? tmp : "/tmp");
    static std::atomic<uint64_t> serial{0};
    const std::string path = fmt::format("{}/daxbreak-explore-{}-{}.pmem", dir, getpid(), serial++);
    Status s = PmemDevice::Open({path, 8 << 20, false}, &device_);
    unlink(path.c_str());
    if (!s.ok()) return Status::Environment("explore device: " + s.message());
    return Status::Ok();
  }

  RunResult run(const ExploreScenarioInfo& info, const ExploreOptions& options, SchedulePolicy* policy,
                bool trace) {
    Checker checker;
    RunResult r;
    {
      std::unique_ptr<ExploreModel> model =
          info.build(ModelEnv{device_.get(), options.protocol, options.fs, options.tlb_flush, &checker, options.page_size});
      ControlledScheduler scheduler(policy, options.max_steps, trace, &waits_, &fibers_);
      LockOrderGraph lock_order;  // Per run, so that a cycle replays from its schedule.
      lock_order.set_sink(&checker);
      scheduler.set_lock_order_graph(&lock_order);
      model->add_threads(scheduler);
      r.outcome = scheduler.run();
      if (r.outcome == ControlledScheduler::Outcome::kCompleted) {
        model->check();
        if (options.collect_outcomes) r.final_state = model->final_state();
      }
      r.steps = scheduler.steps();
      r.decisions = scheduler.decisions();
      r.deadlock = scheduler.deadlock_report();
      r.trace = scheduler.trace();
      r.thread_names = scheduler.thread_names();
    }
    r.violations = checker.violations();
    r.violation_count = checker.violation_count();
    return r;
  }

 private:
  std::unique_ptr<PmemDevice> device_;
  WaitTable waits_;
  FiberPool fibers_;
};

// What the workers of one Explore() share.
struct SharedSearch {
  std::atomic<uint64_t> schedules{0};
  std::atomic<uint64_t> findings{0};
  std::atomic<uint64_t> first_found_index{UINT64_MAX};  // random/pct, stop-at-first.
  std::atomic<bool> stop{false};                        // dfs stop-at-first, time budget.
  std::vector<std::atomic<double>> fraction;            // dfs, per job.
  std::vector<DporItem> items;                          // dpor: this shard's open subtrees...
  std::vector<std::vector<uint32_t>> paths;             // ...their depth-first positions...
  std::atomic<size_t> next_item{0};                     // ...the next one to hand out...
  std::atomic<uint64_t> items_done{0};                  // ...and those done.
  Clock::time_point start = Clock::now();
  explicit SharedSearch(uint32_t jobs) : fraction(jobs) {}
};

// Counts a run that ran to its end in `result`: steps, the depth limit, and
// its outcome when the search collects them.
void CountRun(const ExploreOptions& o, const RunResult& run, ExploreResult* result) {
  result->steps += run.steps;
  if (run.outcome == ControlledScheduler::Outcome::kStepLimit) ++result->depth_cut;
  if (o.collect_outcomes) result->outcomes.insert(run.outcome_key());
}

// Records a finding of `run` in `result` (the worker's part).
void NoteFinding(RunResult&& run, uint64_t index, std::vector<uint32_t> position, ExploreResult* result) {
  const std::string kind = run.kind();
  FindingSummary& f = result->findings[kind];
  if (f.count++ == 0) {
    f.first_schedule = EncodeSchedule(run.decisions);
    f.first_index = index;
    f.first_position = position;
  }
  if (!result->found) {
    result->found = true;
    result->kind = kind;
    result->schedule = EncodeSchedule(run.decisions);
    result->run = std::move(run);
  }
}

// Whether the search must end now for its time budget or a signal; says
// which in `result`.
bool OutOfTime(const ExploreOptions& o, const SharedSearch& shared, ExploreResult* result) {
  if (o.interrupt != nullptr && o.interrupt->load() != 0) {
    result->interrupted_by = o.interrupt->load();
    return true;
  }
  if (o.time_budget_seconds > 0 &&
      std::chrono::duration<double>(Clock::now() - shared.start).count() >= o.time_budget_seconds) {
    result->timed_out = true;
    return true;
  }
  return false;
}

// Random and pct: schedule indices shard_index, shard_index + shard_count, ...
void SearchRandom(const ExploreScenarioInfo& info, const ExploreOptions& o, RunContext& ctx,
                  SharedSearch& shared, ExploreResult* result) {
  uint64_t expected_steps = 100;
  for (uint64_t i = o.shard_index; o.schedules == 0 || i < o.schedules; i += o.shard_count) {
    if (!o.keep_going && i > shared.first_found_index.load()) break;
    if (OutOfTime(o, shared, result)) break;
    std::unique_ptr<SchedulePolicy> policy;
    if (o.strategy == Strategy::kRandom) {
      policy = std::make_unique<RandomPolicy>(o.seed + i);
    } else if (o.strategy == Strategy::kMixed && i % 2 == 1) {
      policy = std::make_unique<RandomPolicy>(RandomPolicy::WithDrawnSwitchRate(o.seed + i));
    } else {
      policy = std::make_unique<PctPolicy>(o.seed + i, kMaxModelThreads, o.depth, expected_steps);
    }
    RunResult run = ctx.run(info, o, policy.get(), false);
    ++result->schedules;
    CountRun(o, run, result);
    shared.schedules.fetch_add(1, std::memory_order_relaxed);
    expected_steps = std::max<uint64_t>(expected_steps, run.decisions.size());
    if (!run.found()) continue;
    shared.findings.fetch_add(1, std::memory_order_relaxed);
    NoteFinding(std::move(run), i, {}, result);
    if (o.keep_going) continue;
    uint64_t seen = shared.first_found_index.load();
    while (i < seen && !shared.first_found_index.compare_exchange_weak(seen, i)) {
    }
    break;
  }
}

// dfs over this job's shard of the tree.
void SearchDfs(const ExploreScenarioInfo& info, const ExploreOptions& o, RunContext& ctx,
               SharedSearch& shared, uint32_t job, ExploreResult* result) {
  DfsPolicy dfs(o.preemptions, o.reduction, DfsShard{o.shard_index, o.shard_count, o.split_depth});
  for (;;) {
    if (shared.stop.load() || OutOfTime(o, shared, result)) return;
    if (o.schedules != 0 && result->schedules >= o.schedules) return;
    RunResult run = ctx.run(info, o, &dfs, false);
    result->bound_cut = dfs.bound_cut();
    if (run.outcome == ControlledScheduler::Outcome::kPruned || !dfs.owns_current_run()) {
      ++result->pruned;
      if (dfs.owns_current_run()) result->steps += run.steps;
    } else {
      ++result->schedules;
      CountRun(o, run, result);
      shared.schedules.fetch_add(1, std::memory_order_relaxed);
      if (run.found()) {
        shared.findings.fetch_add(1, std::memory_order_relaxed);
        NoteFinding(std::move(run), 0, dfs.position(), result);
        if (!o.keep_going) {
          shared.stop.store(true);
          return;
        }
      }
    }
    shared.fraction[job].store(dfs.fraction_done(), std::memory_order_relaxed);
    if (!dfs.advance()) {
      result->exhausted = true;
      shared.fraction[job].store(1.0, std::memory_order_relaxed);
      return;
    }
  }
}

DporConfig DporConfigOf(const ExploreOptions& o) {
  return DporConfig{o.reduction, o.dpor_preemptions};
}

Status NotDeterministic(const ExploreOptions& o) {
  return Status::InvalidArgument(fmt::format("scenario {}: a run did not repeat the picks of an earlier one (the "
                                             "model is not deterministic) or has more than {} threads",
                                             o.scenario, kDporMaxThreads));
}

// How RunDporItem() ended.
enum class ItemEnd { kDone, kLimit, kStopped };

// Runs one subtree of a dpor search (at depth-first position `path`) with
// `dpor` until it is done, `limit` runs were made (0: no limit), or the
// search must end: a signal, the time budget, the schedule budget (when
// `shared_count`) or, without keep_going, a finding. Counts into `out`; with
// `shared_count` also into the process's counters (the status line, the
// schedule budget).
Status RunDporItem(const ExploreScenarioInfo& info, const ExploreOptions& o, RunContext& ctx, SharedSearch& shared,
                   DporPolicy& dpor, const std::vector<uint32_t>& path, uint64_t limit, bool shared_count,
                   ExploreResult* out, ItemEnd* end) {
  for (uint64_t ordinal = 0;; ++ordinal) {
    if (limit != 0 && ordinal >= limit) {
      *end = ItemEnd::kLimit;
      return Status::Ok();
    }
    if (shared.stop.load() || OutOfTime(o, shared, out) ||
        (shared_count && o.schedules != 0 && shared.schedules.load() >= o.schedules)) {
      out->bound_cut += dpor.bound_cut();
      *end = ItemEnd::kStopped;
      return Status::Ok();
    }
    RunResult run = ctx.run(info, o, &dpor, false);
    if (dpor.diverged()) return NotDeterministic(o);
    if (run.outcome == ControlledScheduler::Outcome::kPruned) {
      ++out->pruned;
      out->steps += run.steps;
    } else {
      ++out->schedules;
      CountRun(o, run, out);
      if (shared_count) shared.schedules.fetch_add(1, std::memory_order_relaxed);
      if (run.found()) {
        if (shared_count) shared.findings.fetch_add(1, std::memory_order_relaxed);
        std::vector<uint32_t> position = path;
        position.push_back(static_cast<uint32_t>(ordinal));
        NoteFinding(std::move(run), 0, std::move(position), out);
        if (!o.keep_going) {
          out->bound_cut += dpor.bound_cut();
          *end = ItemEnd::kStopped;
          return Status::Ok();
        }
      }
    }
    if (!dpor.advance()) {
      out->bound_cut += dpor.bound_cut();
      ++out->subtrees;
      *end = ItemEnd::kDone;
      return Status::Ok();
    }
  }
}

// dpor, before the jobs start: the plan of the search, the same in every
// process whatever the shard or the jobs. Subtrees are probed (kProbeRuns
// runs of DPOR): a probe that ends explores its subtree, and its result is
// kept; a subtree whose probe does not end is split at its first branching
// node (SplitPolicy), largest estimate first (runs over the part of the tree
// done, DporPolicy::fraction_done()), until there are o.dpor_subtrees open
// subtrees or the plan has made kPlanRuns runs. Shards then take the
// subtrees largest first, each to the shard with the least work so far
// (exact for the explored ones, estimated for the open ones); the explored
// ones count for their shard, the open ones are left in `shared.mine` for
// the jobs. Runs of probes that were split again count in shard 0 only, so
// that the shards add up to the whole.
Status PlanDporSearch(const ExploreScenarioInfo& info, const ExploreOptions& o, RunContext& ctx,
                      SharedSearch& shared, ExploreResult* planned) {
  constexpr uint64_t kProbeRuns = 4;
  constexpr uint64_t kPlanRuns = 512;
  enum class State { kNew, kOpen, kDone, kWhole };  // kWhole: open, not to be split.
  struct Entry {
    DporItem item;
    std::vector<uint32_t> path;
    State state = State::kNew;
    double weight = 0;     // Runs: made (kDone) or estimated.
    ExploreResult result;  // kDone: the whole subtree.
  };
  const DporConfig config = DporConfigOf(o);
  std::vector<Entry> entries(1);
  uint64_t plan_runs = 0;
  // Findings in a probe end a stop-at-first search; shard 0 reports them.
  const auto stop_at_finding = [&](Entry& e) {
    shared.stop.store(true);
    if (o.shard_index == 0) *planned = CombineExploreParts({*planned, e.result}, o.strategy, false, false);
  };
  while (o.dpor_subtrees > 1) {
    auto fresh = std::find_if(entries.begin(), entries.end(), [](const Entry& e) { return e.state == State::kNew; });
    if (fresh != entries.end()) {
      DporPolicy dpor(fresh->item, config);
      ItemEnd end = ItemEnd::kDone;
      Status s = RunDporItem(info, o, ctx, shared, dpor, fresh->path, kProbeRuns, false, &fresh->result, &end);
      if (!s.ok()) return s;
      const uint64_t runs = fresh->result.schedules + fresh->result.pruned;
      plan_runs += runs;
      if (end == ItemEnd::kStopped) {
        if (fresh->result.found) {
          stop_at_finding(*fresh);
        } else {
          planned->timed_out |= fresh->result.timed_out;
          if (fresh->result.interrupted_by != 0) planned->interrupted_by = fresh->result.interrupted_by;
          shared.stop.store(true);
        }
        return Status::Ok();
      }
      if (end == ItemEnd::kDone) {
        fresh->state = State::kDone;
        fresh->weight = static_cast<double>(runs);
      } else {
        fresh->state = State::kOpen;
        fresh->weight = std::min(1e12, static_cast<double>(runs) / std::max(dpor.fraction_done(), 1e-9));
        if (o.shard_index == 0) planned->steps += fresh->result.steps;  // Made again by its subtrees.
        fresh->result = ExploreResult{};
      }
      continue;
    }
    size_t open = 0, best = entries.size();
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].state == State::kDone) continue;
      ++open;
      if (entries[i].state == State::kOpen && (best == entries.size() || entries[i].weight > entries[best].weight)) {
        best = i;
      }
    }
    if (best == entries.size() || open >= o.dpor_subtrees || plan_runs >= kPlanRuns) break;
    if (OutOfTime(o, shared, planned)) {
      shared.stop.store(true);
      return Status::Ok();
    }
    SplitPolicy split(entries[best].item, config);
    const RunResult run = ctx.run(info, o, &split, false);
    ++plan_runs;
    if (split.diverged()) return NotDeterministic(o);
    if (o.shard_index == 0) planned->steps += run.steps;
    if (split.result() != SplitPolicy::Result::kChildren) {
      entries[best].state = State::kWhole;
      continue;
    }
    if (o.shard_index == 0) planned->bound_cut += split.bound_cut();
    std::vector<Entry> children;
    for (const DporItem& c : split.children()) {
      Entry child;
      child.item = c;
      child.path = entries[best].path;
      child.path.push_back(static_cast<uint32_t>(children.size()));
      children.push_back(std::move(child));
    }
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(best));
    entries.insert(entries.begin() + static_cast<std::ptrdiff_t>(best), children.begin(), children.end());
  }
  // Largest first, each to the shard with the least work so far (LPT).
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return entries[a].weight > entries[b].weight; });
  std::vector<double> load(o.shard_count, 0);
  std::vector<ExploreResult> done = {*planned};
  for (size_t i : order) {
    const size_t shard = std::min_element(load.begin(), load.end()) - load.begin();
    load[shard] += std::max(entries[i].weight, 1.0);
    if (shard != o.shard_index) continue;
    if (entries[i].state == State::kDone) {
      done.push_back(std::move(entries[i].result));
    } else {
      shared.items.push_back(std::move(entries[i].item));
      shared.paths.push_back(std::move(entries[i].path));
    }
  }
  *planned = CombineExploreParts(done, o.strategy, o.keep_going, false);
  planned->exhausted = true;
  if (planned->found && !o.keep_going) shared.stop.store(true);
  // Open subtrees, largest first: the jobs take them in this order.
  return Status::Ok();
}

// dpor: takes this shard's open subtrees from the shared list until none is
// left (or the search ends), each searched by FG-DPOR with sleep sets.
Status SearchDpor(const ExploreScenarioInfo& info, const ExploreOptions& o, RunContext& ctx, SharedSearch& shared,
                  ExploreResult* result) {
  result->exhausted = !shared.stop.load();
  for (;;) {
    const size_t next = shared.next_item.fetch_add(1);
    if (next >= shared.items.size()) return Status::Ok();
    DporPolicy dpor(shared.items[next], DporConfigOf(o));
    ItemEnd end = ItemEnd::kDone;
    Status s = RunDporItem(info, o, ctx, shared, dpor, shared.paths[next], 0, true, result, &end);
    if (!s.ok()) return s;
    if (end != ItemEnd::kDone) {
      result->exhausted = false;
      if (result->found && !o.keep_going) shared.stop.store(true);
      return Status::Ok();
    }
    shared.items_done.fetch_add(1, std::memory_order_relaxed);
  }
}

Status CheckShardOptions(const ExploreOptions& o) {
  if (o.jobs < 1 || o.jobs > 256) return Status::InvalidArgument(fmt::format("--jobs: {} is not in 1..256", o.jobs));
  if (o.shard_count < 1 || o.shard_index >= o.shard_count) {
    return Status::InvalidArgument(fmt::format("--shard: {}/{} is not a shard (want I/N with I < N)",
                                               o.shard_index, o.shard_count));
  }
  if (o.split_depth < 1 || o.split_depth > 64) {
    return Status::InvalidArgument(fmt::format("--split-depth: {} is not in 1..64", o.split_depth));
  }
  if (o.dpor_subtrees < 1 || o.dpor_subtrees > 100000) {
    return Status::InvalidArgument(fmt::format("--subtrees: {} is not in 1..100000", o.dpor_subtrees));
  }
  return Status::Ok();
}

// Calls o.progress about twice a second until `done`.
void ReportProgress(const ExploreOptions& o, SharedSearch& shared, std::atomic<bool>& done,
                    std::mutex& mu, std::condition_variable& cv) {
  std::unique_lock<std::mutex> lock(mu);
  while (!cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return done.load(); })) {
    ExploreProgress p;
    p.schedules = shared.schedules.load();
    p.findings = shared.findings.load();
    p.seconds = std::chrono::duration<double>(Clock::now() - shared.start).count();
    if (o.strategy == Strategy::kDfs) {
      double sum = 0;
      for (auto& f : shared.fraction) sum += f.load();
      p.fraction = sum / static_cast<double>(shared.fraction.size());
    } else if (o.strategy == Strategy::kDpor && !shared.items.empty()) {
      p.fraction = static_cast<double>(shared.items_done.load()) / static_cast<double>(shared.items.size());
    }
    o.progress(p);
  }
}

}  // namespace

std::string_view StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kRandom: return "random";
    case Strategy::kPct: return "pct";
    case Strategy::kDfs: return "dfs";
    case Strategy::kMixed: return "mixed";
    case Strategy::kDpor: return "dpor";
  }
  return "?";
}

std::optional<Strategy> ParseStrategy(std::string_view name) {
  for (Strategy s : {Strategy::kRandom, Strategy::kPct, Strategy::kDfs, Strategy::kMixed, Strategy::kDpor}) {
    if (StrategyName(s) == name) return s;
  }
  return std::nullopt;
}

bool RunResult::found() const {
  return violation_count > 0 || outcome == ControlledScheduler::Outcome::kDeadlock ||
         outcome == ControlledScheduler::Outcome::kStepLimit;
}

std::string RunResult::kind() const {
  // A lock-order cycle is a warning of a deadlock: a run that also met the
  // deadlock is named by the deadlock.
  const bool only_cycles = std::all_of(violations.begin(), violations.end(), [](const Violation& v) {
    return v.kind == ViolationKind::kLockOrderCycle;
  });
  const bool stuck = outcome == ControlledScheduler::Outcome::kDeadlock;
  if (violation_count > 0 && !violations.empty() && !(stuck && only_cycles)) {
    return std::string(ViolationKindName(violations[0].kind));
  }
  if (stuck) return "deadlock";
  if (outcome == ControlledScheduler::Outcome::kStepLimit) return "step_limit";
  return "";
}

std::string RunResult::outcome_key() const {
  std::string out;
  switch (outcome) {
    case ControlledScheduler::Outcome::kCompleted: out = "completed"; break;
    case ControlledScheduler::Outcome::kDeadlock: out = "deadlock [" + deadlock + "]"; break;
    case ControlledScheduler::Outcome::kStepLimit: out = "step_limit"; break;
    case ControlledScheduler::Outcome::kPruned: out = "pruned"; break;
  }
  std::set<std::string> kinds;
  for (const Violation& v : violations) kinds.emplace(ViolationKindName(v.kind));
  for (const std::string& k : kinds) out += " " + k;
  if (!final_state.empty()) out += " | " + final_state;
  return out;
}

Status Explore(const ExploreOptions& options, ExploreResult* result) {
  const ExploreScenarioInfo* info = nullptr;
  Status s = FindScenario(options.scenario, &info);
  if (!s.ok()) return s;
  s = CheckFsAxis(options, *info);
  if (!s.ok()) return s;
  s = CheckShardOptions(options);
  if (!s.ok()) return s;
  const uint32_t jobs = options.jobs;
  std::vector<RunContext> contexts(jobs);
  for (RunContext& c : contexts) {
    s = c.open();
    if (!s.ok()) return s;
  }
  SharedSearch shared(jobs);
  std::vector<std::pair<ExploreOptions, ExploreResult>> parts(jobs);  // Per job.
  std::vector<Status> errors(jobs);
  ExploreResult planned;  // dpor: what the plan explored of this shard's part.
  if (options.strategy == Strategy::kDpor) {
    s = PlanDporSearch(*info, options, contexts[0], shared, &planned);
    if (!s.ok()) return s;
  }
  // Job j of shard I/N searches shard I + N*j of N*jobs: the union over the
  // jobs is what shard I/N alone would cover, whatever `jobs` is. dpor's jobs
  // instead take the shard's subtrees from one list.
  auto work = [&](uint32_t j) {
    ExploreOptions& o = parts[j].first;
    o = options;
    o.progress = nullptr;
    if (options.strategy != Strategy::kDpor) {
      o.shard_index = options.shard_index + options.shard_count * j;
      o.shard_count = options.shard_count * jobs;
    }
    if (options.strategy == Strategy::kDfs) SearchDfs(*info, o, contexts[j], shared, j, &parts[j].second);
    else if (options.strategy == Strategy::kDpor) errors[j] = SearchDpor(*info, o, contexts[j], shared, &parts[j].second);
    else SearchRandom(*info, o, contexts[j], shared, &parts[j].second);
    parts[j].second.seconds = std::chrono::duration<double>(Clock::now() - shared.start).count();
  };
  std::atomic<bool> done{false};
  std::mutex progress_mu;
  std::condition_variable progress_cv;
  std::thread reporter;
  if (options.progress) {
    reporter = std::thread([&] { ReportProgress(options, shared, done, progress_mu, progress_cv); });
  }
  if (jobs == 1) {
    work(0);
  } else {
    std::vector<std::thread> threads;
    for (uint32_t j = 0; j < jobs; ++j) threads.emplace_back(work, j);
    for (std::thread& t : threads) t.join();
  }
  {
    std::lock_guard<std::mutex> lock(progress_mu);
    done.store(true);
  }
  progress_cv.notify_all();
  if (reporter.joinable()) reporter.join();
  for (const Status& e : errors) {
    if (!e.ok()) return e;
  }

  std::vector<ExploreResult> results;
  for (auto& [o, r] : parts) results.push_back(std::move(r));
  if (options.strategy == Strategy::kDpor) results.push_back(std::move(planned));
  *result = CombineExploreParts(results, options.strategy, options.keep_going,
                                /*whole_search=*/options.shard_count == 1);
  result->seconds = std::chrono::duration<double>(Clock::now() - shared.start).count();
  if (result->found) {
    result->replay_command = fmt::format(
        "daxbreak replay --scenario {} --protocol {}{}{}{} --schedule {}", options.scenario,
        options.protocol->name, FsOptionText(*options.fs), options.tlb_flush == TlbFlushMode::kIpi ? "" : " --tlb-flush broadcast",
        options.page_size == DaxPageSize::k4K ? "" : " --page-size 2m", result->schedule);
    RunResult again;
    s = Replay(options, result->schedule, false, &again);
    result->confirmed = s.ok() && again.schedule_mismatch.empty() && again.kind() == result->kind;
  }
  return Status::Ok();
}

Status Replay(const ExploreOptions& options, const std::string& schedule, bool trace,
              RunResult* result) {
  const ExploreScenarioInfo* info = nullptr;
  Status s = FindScenario(options.scenario, &info);
  if (!s.ok()) return s;
  s = CheckFsAxis(options, *info);
  if (!s.ok()) return s;
  std::vector<uint32_t> decisions;
  s = DecodeSchedule(schedule, &decisions);
  if (!s.ok()) return s;
  RunContext ctx;
  s = ctx.open();
  if (!s.ok()) return s;
  ReplayPolicy policy(decisions);
  *result = ctx.run(*info, options, &policy, trace);
  result->schedule_mismatch = policy.mismatch();
  return Status::Ok();
}

}  // namespace daxbreak
