// Stress scenarios: workloads written once against a Target (target.h), each
// one row of a registry (base/registry.h) that names the targets it runs on.
// The runner (stress_runner.h) opens the target, builds the scenario's
// StressWorkload, runs its workers on real threads, watches its layout thread
// for stalls (check/stall.h), and reports.
//
// Built in (`daxbreak list`):
//   collision       DIO into a mapped DAX file against every layout change,
//                   with a reallocating writer and a data oracle (model, kernel)
//   cached-mapping  buffered writers against writeback, reclaim and layout
//                   changes on page-cache files (model only: the kernel's
//                   writeback and reclaim cannot be steered)
//   refault         a layout break asleep on a page reference while the page
//                   is faulted back in (model, kernel)
//
// A scenario is a file in src/stress/scenarios/ and a row in
// src/stress/stress_scenario.cc; a user adds one with
// RegisterStressScenario().
//
// Thread-safety: the registry as base/registry.h says. A StressWorkload's
// workers run on their own threads; its other methods run on the runner's
// thread, before the workers start or after they stopped, except
// layout_watch(), stop_io() and unmap(), which the watchdog calls while they
// run, and progress(), which the status line calls.

#ifndef DAXBREAK_STRESS_STRESS_SCENARIO_H_
#define DAXBREAK_STRESS_STRESS_SCENARIO_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/check/stall.h"
#include "daxbreak/stress/stress_config.h"
#include "daxbreak/stress/target.h"

namespace daxbreak {

// One thread of a workload.
struct WorkerSpec {
  std::string name;  // Its task name in findings and traces ("dio-0", "layout").
  uint64_t stream;   // The stream of the run's seed its noise draws from.
  // The body: runs until `stop`, or sets it to end the run (--max-ops, a
  // finished sequence).
  std::function<void(std::atomic<bool>& stop)> body;
  // The one thread whose layout changes the stall watchdog watches.
  bool watched = false;
};

// What the runner saw, for the scenario's verdict on exercise.
struct ExerciseFacts {
  PinFacts pins;                   // The target's pin counters.
  uint64_t break_sleeps_seen = 0;  // Watchdog samples with the watched thread asleep in a break.
};

// The verdict: a run that did not exercise the race tested nothing (exit 3).
struct Exercise {
  bool exercised = false;
  std::string why_not;  // When not: what did not happen.
};

// Live progress for the status line.
struct WorkloadProgress {
  const char* io_name = "dio";  // What io counts ("dio", "writes").
  uint64_t io = 0;
  uint64_t layout = 0;          // Layout changes done.
};

// One run of a scenario on a target.
class StressWorkload {
 public:
  virtual ~StressWorkload() = default;
  // Creates files, mappings and stamps before the workers start. Errors:
  // the target's.
  virtual Status setup() = 0;
  // The workers, started in this order.
  virtual std::vector<WorkerSpec> workers() = 0;
  // The watched worker's changes, or nullptr when nothing is watched.
  virtual LayoutWatch* layout_watch() { return nullptr; }
  // Stall step 2: stops the I/O threads and waits for them (up to 10 s).
  virtual void stop_io() {}
  // Stall step 4: munmaps what the watched change may wait on.
  virtual void unmap() {}
  virtual WorkloadProgress progress() const = 0;
  // The final data pass, after every worker stopped; `layout_returned`
  // false means the watched worker is still asleep (kernel) holding the
  // victim's locks: its files must not be read.
  virtual void final_check(bool layout_returned) = 0;
  // Operation counts (name -> number, or "steps" -> [lines]).
  virtual nlohmann::json counts() const = 0;
  // {"longest_layout_op_seconds"} and the like.
  virtual nlohmann::json latency() const { return nlohmann::json::object(); }
  virtual Exercise exercised(const ExerciseFacts& facts) const = 0;
  // The first unexpected error a worker met, or OK.
  virtual Status first_error() const = 0;
};

// What a workload is built from; the runner keeps it alive for the run.
struct StressContext {
  const StressConfig& config;
  Target& target;
  // The run's workers by name (filled once they started): for a workload
  // that asks the target where its own thread sleeps.
  std::function<const Worker*(std::string_view name)> worker;
};

struct StressScenarioInfo {
  std::string_view name;
  std::string_view summary;
  bool on_model = true;   // Runs on the model target.
  bool on_kernel = true;  // Runs on the kernel target.
  TargetNeeds needs;      // What the target must open for it.
  std::function<std::unique_ptr<StressWorkload>(StressContext& ctx)> build;

  bool runs_on(TargetKind kind) const { return kind == TargetKind::kModel ? on_model : on_kernel; }
  // "model, kernel", "model".
  std::string targets() const;
  // Re-points the strings at keep(s) (Registry::add(), base/registry.h).
  template <class Keep>
  void keep_strings(Keep keep) {
    name = keep(name), summary = keep(summary);
  }
};

// Every stress scenario: the built-in ones in `daxbreak list` order, then
// the registered ones.
std::vector<const StressScenarioInfo*> StressScenarios();
// The scenario named `name`, or nullptr.
const StressScenarioInfo* FindStressScenario(std::string_view name);
// "collision, cached-mapping, refault": for messages.
std::string StressScenarioNames();
// Adds a user's scenario. Errors: kInvalidArgument (no name, no build
// function, no target), kExists. Register before any run starts.
Status RegisterStressScenario(const StressScenarioInfo& info);

}  // namespace daxbreak

#endif  // DAXBREAK_STRESS_STRESS_SCENARIO_H_
