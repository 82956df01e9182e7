#include "daxbreak/workload/explorer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "daxbreak/check/checker.h"
#include "daxbreak/workload/explore_scenario.h"
#include "daxbreak/workload/schedule_policies.h"

namespace daxbreak {
namespace {

constexpr uint32_t kMaxModelThreads = 8;

// The pmem device every run of this process shares: 1 MiB in /dev/shm (or
// $TMPDIR), unlinked at once. Only its page addresses matter to the models.
Status SharedDevice(PmemDevice** out) {
  static std::unique_ptr<PmemDevice> device;
  static const Status status = [] {
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : (tmp ? tmp : "/tmp");
    const std::string path = fmt::format("{}/daxbreak-explore-{}.pmem", dir, getpid());
    Status s = PmemDevice::Open({path, 1 << 20, false}, &device);
    unlink(path.c_str());
    if (!s.ok()) return Status::Environment("explore device: " + s.message());
    return Status::Ok();
  }();
  *out = device.get();
  return status;
}

Status FindScenario(const std::string& name, const ExploreScenarioInfo** out) {
  *out = FindExploreScenario(name);
  if (*out != nullptr) return Status::Ok();
  std::string names;
  for (const ExploreScenarioInfo& s : ExploreScenarios()) names += (names.empty() ? "" : ", ") + std::string(s.name);
  return Status::InvalidArgument(fmt::format("--scenario: unknown scenario '{}' (choose from {})", name, names));
}

RunResult RunOnce(const ExploreScenarioInfo& info, PmemDevice* device, const ExploreOptions& options,
                  SchedulePolicy* policy, uint64_t max_steps, bool trace) {
  Checker checker;
  RunResult r;
  {
    std::unique_ptr<ExploreModel> model =
        info.build(ModelEnv{device, options.protocol, options.tlb_flush, &checker});
    ControlledScheduler scheduler(policy, max_steps, trace);
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

}  // namespace

std::string_view StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kRandom: return "random";
    case Strategy::kPct: return "pct";
    case Strategy::kDfs: return "dfs";
  }
  return "?";
}

std::optional<Strategy> ParseStrategy(std::string_view name) {
  for (Strategy s : {Strategy::kRandom, Strategy::kPct, Strategy::kDfs}) {
    if (StrategyName(s) == name) return s;
  }
  return std::nullopt;
}

bool RunResult::found() const {
  return violation_count > 0 || outcome != ControlledScheduler::Outcome::kCompleted;
}

std::string RunResult::kind() const {
  if (violation_count > 0 && !violations.empty()) return std::string(ViolationKindName(violations[0].kind));
  if (outcome == ControlledScheduler::Outcome::kDeadlock) return "deadlock";
  if (outcome == ControlledScheduler::Outcome::kStepLimit) return "step_limit";
  return "";
}

Status Explore(const ExploreOptions& options, ExploreResult* result) {
  const ExploreScenarioInfo* info = nullptr;
  Status s = FindScenario(options.scenario, &info);
  if (!s.ok()) return s;
  PmemDevice* device = nullptr;
  s = SharedDevice(&device);
  if (!s.ok()) return s;
  const auto start = std::chrono::steady_clock::now();
  DfsPolicy dfs(options.preemptions);
  uint64_t expected_steps = 100;
  *result = ExploreResult{};
  for (uint64_t i = 0; options.schedules == 0 || i < options.schedules; ++i) {
    std::unique_ptr<SchedulePolicy> owned;
    SchedulePolicy* policy = &dfs;
    if (options.strategy == Strategy::kRandom) {
      owned = std::make_unique<RandomPolicy>(options.seed + i);
    } else if (options.strategy == Strategy::kPct) {
      owned = std::make_unique<PctPolicy>(options.seed + i, kMaxModelThreads, options.depth, expected_steps);
    }
    if (owned) policy = owned.get();
    RunResult run = RunOnce(*info, device, options, policy, options.max_steps, false);
    ++result->schedules;
    expected_steps = std::max<uint64_t>(expected_steps, run.decisions.size());
    if (run.found()) {
      result->found = true;
      result->kind = run.kind();
      result->run = std::move(run);
      break;
    }
    if (options.strategy == Strategy::kDfs && !dfs.advance()) {
      result->exhausted = true;
      break;
    }
  }
  result->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result->found) {
    result->schedule = EncodeSchedule(result->run.decisions);
    result->replay_command = fmt::format("daxbreak replay --scenario {} --protocol {}{} --schedule {}",
                                         options.scenario, options.protocol->name,
                                         options.tlb_flush == TlbFlushMode::kIpi ? "" : " --tlb-flush broadcast",
                                         result->schedule);
    RunResult again;
    s = Replay(options, result->schedule, false, &again);
    result->confirmed = s.ok() && !again.diverged && again.kind() == result->kind;
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
  PmemDevice* device = nullptr;
  s = SharedDevice(&device);
  if (!s.ok()) return s;
  ReplayPolicy policy(decisions);
  *result = RunOnce(*info, device, options, &policy, options.max_steps, trace);
  result->diverged = policy.diverged();
  return Status::Ok();
}

}  // namespace daxbreak
