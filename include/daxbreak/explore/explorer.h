// The explorer: runs an explore scenario under the controlled scheduler again
// and again with a strategy (random, pct, dfs) until the checker records a
// violation or a run deadlocks (or, with keep_going, through the whole
// budget, counting every kind of finding), or the budget runs out; confirms a
// finding by replaying its schedule once; and replays a schedule string on
// demand, with a two-column trace like the CPU0 / CPU1 diagrams of the kernel
// mailing lists and a Chrome/Perfetto trace JSON.
//
// A search can run on several cores (jobs) and be split into shards that
// separate processes run (shard_index / shard_count); MergeExploreResults()
// combines the shards' results into the result of the whole search. Random
// and pct deal out the schedule indices (schedule i uses seed + i); dfs deals
// out the subtrees below its first split_depth branching decisions; dpor
// cuts its tree into dpor_subtrees subtrees, which shards deal out and jobs
// take from a shared list as they go.
//
// dpor is dynamic partial-order reduction without a bound: Flanagan and
// Godefroid, "Dynamic partial-order reduction for model checking software",
// POPL 2005, with sleep sets (Godefroid, LNCS 1032, 1996). It runs at least
// one schedule of every interleaving class (Mazurkiewicz trace) of the
// modeled threads' steps, so a search that ends with nothing cut is a proof
// for the model: ExploreResult::certificate() says `complete`.
//
// Thread-safety: Explore() and Replay() may run concurrently with each other
// (each builds its own models, devices and wait queues).

#ifndef DAXBREAK_EXPLORE_EXPLORER_H_
#define DAXBREAK_EXPLORE_EXPLORER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/status.h"
#include "daxbreak/base/violation.h"
#include "daxbreak/fs/fs_model.h"
#include "daxbreak/fs/protocol.h"
#include "daxbreak/mm/mm_struct.h"
#include "daxbreak/sync/controlled_scheduler.h"

namespace daxbreak {

// How a search picks schedules. kMixed, the default, runs pct on even
// schedule indices and random on odd ones: pct's guarantee for shallow bugs
// on half the budget, and random's reach into bugs that need many
// alternations (a lost update between three threads) on the other half.
enum class Strategy { kRandom, kPct, kDfs, kMixed, kDpor };
std::string_view StrategyName(Strategy s);
std::optional<Strategy> ParseStrategy(std::string_view name);

// What a running search has done so far (for a status line).
struct ExploreProgress {
  uint64_t schedules = 0;
  double seconds = 0;
  double fraction = -1;  // dfs: estimated fraction of the tree done; -1 otherwise.
  uint64_t findings = 0;
};

// ExploreOptions::dpor_preemptions: no preemption bound.
inline constexpr uint32_t kNoPreemptionBound = UINT32_MAX;

struct ExploreOptions {
  std::string scenario;
  const ProtocolTraits* protocol = &DefaultProtocol();
  // --fs: the file system the model runs (fs/fs_model.h). Explore() and
  // Replay() refuse (kInvalidArgument) a protocol row or a scenario that
  // does not apply to it.
  const FsModel* fs = &DefaultFsModel();
  TlbFlushMode tlb_flush = TlbFlushMode::kIpi;  // --tlb-flush
  DaxPageSize page_size = DaxPageSize::k4K;     // --page-size (docs/models/dax-pmd.md)
  Strategy strategy = Strategy::kMixed;
  uint64_t schedules = 10000;  // Budget of schedule indices (random, pct) or of schedules
                               // per shard (dfs); 0: no limit (dfs runs until done).
  double time_budget_seconds = 0;  // 0: no limit.
  uint32_t depth = 3;          // pct: bug depth d (d-1 priority change points).
  uint32_t preemptions = 2;    // dfs: preemption bound.
  // dpor: a preemption bound, kNoPreemptionBound (the default) for none. A
  // bound makes the search `bounded` wherever it keeps a race unreversed.
  uint32_t dpor_preemptions = kNoPreemptionBound;
  // dfs: sleep-set reduction. dpor: false runs every interleaving (no
  // reduction at all), the reference the soundness test compares with.
  bool reduction = true;
  bool keep_going = false;     // Run the whole budget, counting every finding.
  uint64_t seed = 1;
  // Steps per run before it is cut off (the depth limit): such a run is a
  // `step_limit` finding, and an exhaustive search that had one is
  // `bounded`, never `complete`.
  uint64_t max_steps = 20000;
  uint32_t jobs = 1;           // Worker threads.
  uint32_t shard_index = 0;    // This process's part of the search...
  uint32_t shard_count = 1;    // ...out of this many.
  uint32_t split_depth = 6;    // dfs: branching decisions that pick a subtree's shard.
  // dpor: the subtrees the search is cut into, for jobs and shards to share
  // (1: none). The nodes above them are expanded in full, so it is part of
  // what the search explores: shards, jobs and the whole search agree only
  // with the same number.
  uint32_t dpor_subtrees = 64;
  // Keep every run's outcome (RunResult::outcome_key()) in
  // ExploreResult::outcomes, for the soundness test.
  bool collect_outcomes = false;
  // Called about twice a second from a helper thread while the search runs.
  std::function<void(const ExploreProgress&)> progress;
  // When set and it becomes non-zero (a signal number, stored by a signal
  // handler), the search ends after the runs under way and reports what ran.
  // A plain atomic, not the sync layer's: a signal handler writes it.
  const std::atomic<int>* interrupt = nullptr;
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
  std::string schedule_mismatch;  // Replay only: why the schedule does not fit ("" if it does).
  uint64_t steps = 0;             // Steps the run took.
  // A completed run: the model's state at the end (ExploreModel::final_state()).
  std::string final_state;

  bool found() const;
  // The first violation's kind, "deadlock", "step_limit", or "" if clean; a
  // deadlocked run whose only violations are lock-order cycles is "deadlock".
  std::string kind() const;
  // What the run came to, as a string equal for runs that differ only in
  // the order of independent steps: how it ended ("completed", "deadlock"
  // with who was blocked where, "step_limit", "pruned"), the sorted set of
  // violation kinds, and the final state of a completed run.
  std::string outcome_key() const;
};

// Every finding of one kind.
struct FindingSummary {
  uint64_t count = 0;
  std::string first_schedule;          // The replay string of the first one.
  uint64_t first_index = 0;            // random/pct: its schedule index.
  std::vector<uint32_t> first_position;  // dfs: its position in the tree.
};

// What an exhaustive search (dfs, dpor) can claim about what it covered.
// `complete`: every interleaving class of the scenario was explored (dpor
// with no preemption bound; dfs when its bound kept nothing out), nothing
// was cut at the depth limit, and the search was not ended early. `bounded`:
// something was left out, and the certificate says what. `sampled`: random,
// pct and mixed make no claim.
struct Certificate {
  enum class Verdict { kComplete, kBounded, kSampled };
  Verdict verdict = Verdict::kSampled;
  uint64_t traces = 0;     // Runs that ran to their end (schedules).
  uint64_t steps = 0;      // Steps of every run of the search.
  uint64_t bound_cut = 0;  // Branches the preemption bound kept out.
  uint64_t depth_cut = 0;  // Runs cut at the depth limit (max_steps).
  // What ended the search before it was done, or "": "first finding",
  // "schedule budget", "time budget", a signal's name.
  std::string stopped_by;
  std::string text;        // One line, as the text report prints it.
  // {"verdict": "complete"|"bounded"|"sampled", "traces", "steps",
  //  "bound_cut", "depth_cut", "stopped_by": string|null, "text"}.
  nlohmann::json to_json() const;
};
// "complete", "bounded" or "sampled".
std::string_view CertificateVerdictName(Certificate::Verdict v);

struct ExploreResult {
  bool found = false;
  std::string kind;           // Of the first finding.
  uint64_t schedules = 0;     // Runs made (dfs, dpor: owned runs that ran to their end).
  uint64_t pruned = 0;        // dfs: runs cut off by the reduction or by sharding; dpor: sleep-set blocked runs.
  uint64_t steps = 0;         // Steps of every run, pruned ones too.
  uint64_t bound_cut = 0;     // dfs, dpor: branches the preemption bound kept out.
  uint64_t depth_cut = 0;     // Runs cut at the depth limit (ExploreOptions::max_steps).
  uint64_t subtrees = 0;      // dpor: subtrees below the split this search (or shard) explored.
  bool exhausted = false;     // dfs, dpor: every schedule within the bound (of this shard) ran.
  bool timed_out = false;     // The time budget ended the search.
  int interrupted_by = 0;     // The signal that ended the search (ExploreOptions::interrupt), or 0.
  double seconds = 0;
  std::string schedule;       // The replay string of the first finding.
  std::string replay_command;
  bool confirmed = false;     // The replay found the same kind.
  RunResult run;              // The first finding's run.
  std::map<std::string, FindingSummary> findings;  // By kind.
  // With ExploreOptions::collect_outcomes: every run's outcome_key().
  std::set<std::string> outcomes;
  // A merged result (daxbreak merge): the shard reports it came from, one
  // {"file", "shard": {"index", "count"}, "seed", "found", "kind",
  // "schedules", "daxbreak": the shard's envelope} each; null otherwise.
  nlohmann::json merged_from;

  // What the search covered (see Certificate); a shard's certificate is
  // that of its part.
  Certificate certificate(const ExploreOptions& options) const;
  nlohmann::json to_json(const ExploreOptions& options) const;
  std::string to_text(const ExploreOptions& options) const;
};

// Explores. Errors: kInvalidArgument (unknown scenario, bad shard or job
// numbers), kEnvironment (no place for the model's device file).
Status Explore(const ExploreOptions& options, ExploreResult* result);

// Runs `schedule` once in the scenario, protocol and TLB flush mode of
// `options`, recording a trace when `trace`. A schedule that does not fit
// (RunResult::schedule_mismatch) still runs to its end. Errors: as Explore,
// kInvalidArgument for a bad schedule string.
Status Replay(const ExploreOptions& options, const std::string& schedule, bool trace,
              RunResult* result);

// The options of a search as the "config" object of its JSON report, and
// back. Errors: kInvalidArgument naming the missing or bad field.
nlohmann::json ExploreConfigJson(const ExploreOptions& options);
Status ParseExploreConfig(const nlohmann::json& config, ExploreOptions* options);

// The options and result of one shard, as its JSON report gives them.
// Errors: kInvalidArgument naming the missing or bad field.
Status ParseExploreJson(const nlohmann::json& j, ExploreOptions* options, ExploreResult* result);

// Combines the results of shards 0..N-1 of one search (the same scenario,
// protocol, strategy, bounds and seed) into the result of the whole. With
// random and pct the first finding is the one of the lowest schedule index,
// and the count is what a single process would have run up to it; with dfs
// it is the first in depth-first order and the counts are summed. Errors:
// kInvalidArgument when the shards do not belong together or one is missing.
Status MergeExploreResults(const std::vector<std::pair<ExploreOptions, ExploreResult>>& shards,
                           ExploreOptions* options, ExploreResult* merged);

// The results of parts of one search (jobs or shards) as one: counts summed,
// findings combined, the first finding the earliest. `whole_search`: the
// parts cover the whole search, so with random and pct in stop-at-first mode
// the count becomes what a single process would have run.
ExploreResult CombineExploreParts(const std::vector<ExploreResult>& parts, Strategy strategy, bool keep_going,
                                  bool whole_search);

// One run as JSON: {"found", "kind", "outcome", "decisions" (count),
// "schedule_mismatch", "violations", "deadlock" (what the threads were
// blocked on, or null)}.
nlohmann::json RunResultJson(const RunResult& run);

// The two-column (one column per thread) diagram of a traced run.
std::string RenderTraceDiagram(const RunResult& run);
// The run as Chrome trace-event JSON (chrome://tracing, ui.perfetto.dev).
nlohmann::json TraceEventsJson(const RunResult& run);

}  // namespace daxbreak

#endif  // DAXBREAK_EXPLORE_EXPLORER_H_
