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

#include "daxbreak/check/checker.h"
#include "daxbreak/sync/lockdep.h"
#include "daxbreak/explore/explore_scenario.h"
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
  return Status::InvalidArgument(fmt::format("--scenario: unknown scenario '{}' (choose from {})", name, names));
}

// What one worker needs to run schedules: a pmem device (1 MiB in /dev/shm
// or $TMPDIR, unlinked at once; only its page addresses and bytes are used),
// the wait queues and the fibers its runs share.
class RunContext {
 public:
  Status open() {
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : (tmp ? tmp : "/tmp");
    static std::atomic<uint64_t> serial{0};
    const std::string path = fmt::format("{}/daxbreak-explore-{}-{}.pmem", dir, getpid(), serial++);
    Status s = PmemDevice::Open({path, 1 << 20, false}, &device_);
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
          info.build(ModelEnv{device_.get(), options.protocol, options.tlb_flush, &checker});
      ControlledScheduler scheduler(policy, options.max_steps, trace, &waits_, &fibers_);
      LockOrderGraph lock_order;  // Per run, so that a cycle replays from its schedule.
      lock_order.set_sink(&checker);
      scheduler.set_lock_order_graph(&lock_order);
      model->add_threads(scheduler);
      r.outcome = scheduler.run();
      if (r.outcome == ControlledScheduler::Outcome::kCompleted) model->check();
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
  Clock::time_point start = Clock::now();
  explicit SharedSearch(uint32_t jobs) : fraction(jobs) {}
};

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
    if (run.outcome == ControlledScheduler::Outcome::kPruned || !dfs.owns_current_run()) {
      ++result->pruned;
    } else {
      ++result->schedules;
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

Status CheckShardOptions(const ExploreOptions& o) {
  if (o.jobs < 1 || o.jobs > 256) return Status::InvalidArgument(fmt::format("--jobs: {} is not in 1..256", o.jobs));
  if (o.shard_count < 1 || o.shard_index >= o.shard_count) {
    return Status::InvalidArgument(fmt::format("--shard: {}/{} is not a shard (want I/N with I < N)",
                                               o.shard_index, o.shard_count));
  }
  if (o.split_depth < 1 || o.split_depth > 64) {
    return Status::InvalidArgument(fmt::format("--split-depth: {} is not in 1..64", o.split_depth));
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
  }
  return "?";
}

std::optional<Strategy> ParseStrategy(std::string_view name) {
  for (Strategy s : {Strategy::kRandom, Strategy::kPct, Strategy::kDfs, Strategy::kMixed}) {
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

Status Explore(const ExploreOptions& options, ExploreResult* result) {
  const ExploreScenarioInfo* info = nullptr;
  Status s = FindScenario(options.scenario, &info);
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
  // Job j of shard I/N searches shard I + N*j of N*jobs: the union over the
  // jobs is what shard I/N alone would cover, whatever `jobs` is.
  std::vector<std::pair<ExploreOptions, ExploreResult>> parts(jobs);  // Per job.
  auto work = [&](uint32_t j) {
    ExploreOptions& o = parts[j].first;
    o = options;
    o.progress = nullptr;
    o.shard_index = options.shard_index + options.shard_count * j;
    o.shard_count = options.shard_count * jobs;
    if (options.strategy == Strategy::kDfs) SearchDfs(*info, o, contexts[j], shared, j, &parts[j].second);
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

  std::vector<ExploreResult> results;
  for (auto& [o, r] : parts) results.push_back(std::move(r));
  *result = CombineExploreParts(results, options.strategy, options.keep_going,
                                /*whole_search=*/options.shard_count == 1);
  result->seconds = std::chrono::duration<double>(Clock::now() - shared.start).count();
  if (result->found) {
    result->replay_command = fmt::format(
        "daxbreak replay --scenario {} --protocol {}{} --schedule {}", options.scenario,
        options.protocol->name, options.tlb_flush == TlbFlushMode::kIpi ? "" : " --tlb-flush broadcast",
        result->schedule);
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
