// The explorer: runs an explore scenario under the controlled scheduler again
// and again with a strategy (random, pct, dfs) until the checker records a
// violation or a run deadlocks, or the budget runs out; confirms a finding by
// replaying its schedule once; and replays a schedule string on demand, with a
// two-column trace like the CPU0 / CPU1 diagrams of the kernel mailing lists
// and a Chrome/Perfetto trace JSON.
//
// Thread-safety: one exploration or replay at a time per process (the sync
// layer's wait queues and sync points are process-wide).

#ifndef DAXBREAK_WORKLOAD_EXPLORER_H_
#define DAXBREAK_WORKLOAD_EXPLORER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/mm_struct.h"
#include "daxbreak/sync/controlled_scheduler.h"

namespace daxbreak {

enum class Strategy { kRandom, kPct, kDfs };
std::string_view StrategyName(Strategy s);
std::optional<Strategy> ParseStrategy(std::string_view name);

struct ExploreOptions {
  std::string scenario;
  const ProtocolTraits* protocol = &DefaultProtocol();
  TlbFlushMode tlb_flush = TlbFlushMode::kIpi;  // --tlb-flush
  Strategy strategy = Strategy::kPct;
  uint64_t schedules = 10000;  // Budget; 0: no limit (dfs runs until done).
  uint32_t depth = 3;          // pct: bug depth d (d-1 priority change points).
  uint32_t preemptions = 2;    // dfs: preemption bound.
  uint64_t seed = 1;
  uint64_t max_steps = 20000;  // Scheduling points per run before it is cut off.
};

// The result of one run under the controlled scheduler.
struct RunResult {
  ControlledScheduler::Outcome outcome = ControlledScheduler::Outcome::kCompleted;
  std::vector<uint32_t> decisions;
  std::vector<Violation> violations;
  uint64_t violation_count = 0;
  std::string deadlock;  // Who was blocked where.
  std::vector<TraceEvent> trace;
  std::vector<std::string> thread_names;
  bool diverged = false;  // Replay only.

  bool found() const;
  // The first violation's kind, "deadlock", "step_limit", or "" if clean.
  std::string kind() const;
};

struct ExploreResult {
  bool found = false;
  std::string kind;
  uint64_t schedules = 0;     // Runs made.
  bool exhausted = false;     // dfs: every schedule within the bound ran.
  double seconds = 0;
  std::string schedule;       // The replay string of the finding.
  std::string replay_command;
  bool confirmed = false;     // The replay found the same kind.
  RunResult run;              // The finding's run.

  nlohmann::json to_json(const ExploreOptions& options) const;
  std::string to_text(const ExploreOptions& options) const;
};

// Explores. Errors: kInvalidArgument (unknown scenario), kEnvironment (no
// place for the model's device file).
Status Explore(const ExploreOptions& options, ExploreResult* result);

// Runs `schedule` once in the scenario, protocol and TLB flush mode of
// `options`, recording a trace when `trace`. Errors: as Explore, and
// kInvalidArgument for a bad schedule string.
Status Replay(const ExploreOptions& options, const std::string& schedule, bool trace,
              RunResult* result);

// The two-column (one column per thread) diagram of a traced run.
std::string RenderTraceDiagram(const RunResult& run);
// The run as Chrome trace-event JSON (chrome://tracing, ui.perfetto.dev).
nlohmann::json TraceEventsJson(const RunResult& run);

}  // namespace daxbreak

#endif  // DAXBREAK_WORKLOAD_EXPLORER_H_
