// The explorer's strategies, as SchedulePolicies of the controlled scheduler,
// and the schedule string that replays a run whatever strategy produced it.
//
// - random: a uniform pick at every decision point.
// - pct: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010):
//   random distinct thread priorities, the highest-priority runnable thread
//   runs, and at depth-1 random steps the running thread drops to the lowest
//   priority. A bug of depth d is found with probability >= 1/(n k^(d-1)).
// - dfs: bounded exhaustive search: every schedule with at most K preemptions
//   (switching away from a thread that could go on), depth first, one per
//   run; optionally reduced with sleep sets (Godefroid 1996): after the
//   subtree of a step is explored, later siblings do not take that step again
//   until a step dependent on it has run (StepsDependent(), except that a
//   snapshot counts as touching nothing, as it did when the power cut was a
//   named sync point: dfs keeps its schedule counts), and a run in which
//   every runnable thread sleeps is pruned. Under the bound, sleep sets may
//   leave out traces within the bound (Coons, Musuvathi, McKinley, OOPSLA
//   2013); bound_cut() says whether the bound cut anything. The tree can be split into
//   shards: the subtrees below the first `split_depth` branching decisions
//   are dealt out by a hash of their path, so N processes cover it once.
// - dpor: every interleaving class, in explore/dpor.h.
// - replay: the picks of a schedule string, in order.
//
// Thread-safety: a policy serves one run at a time.

#ifndef DAXBREAK_SRC_EXPLORE_SCHEDULE_POLICIES_H_
#define DAXBREAK_SRC_EXPLORE_SCHEDULE_POLICIES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/sync/controlled_scheduler.h"

namespace daxbreak {

// The generator of random and pct: SplitMix64 (Steele, Lea, Flood, OOPSLA
// 2014), a UniformRandomBitGenerator whose seeding costs nothing, since
// every schedule seeds a fresh one.
class SplitMix64 {
 public:
  using result_type = uint64_t;
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return UINT64_MAX; }
  uint64_t operator()() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// "1*3.0.2": the picks of a run, with runs of one thread as T*N.
std::string EncodeSchedule(const std::vector<uint32_t>& decisions);
// The inverse. Errors: kInvalidArgument quoting the bad token.
Status DecodeSchedule(const std::string& text, std::vector<uint32_t>* decisions);

// A uniform random walk: at each decision any runnable thread. With
// `switch_per_mille` below 1000, the thread that took the last step keeps
// going (if it can) unless a draw below `switch_per_mille` out of 1000 says
// to pick afresh: runs of one thread get longer, so a thread can sit still
// through another's whole critical section, which the uniform walk makes
// exponentially unlikely.
class RandomPolicy final : public SchedulePolicy {
 public:
  explicit RandomPolicy(uint64_t seed, uint32_t switch_per_mille = 1000)
      : rng_(seed), switch_per_mille_(switch_per_mille) {}
  // The walk of `mixed` search: the switch rate drawn from 10% to 100% by
  // the seed, so a budget covers short and long runs alike.
  static RandomPolicy WithDrawnSwitchRate(uint64_t seed);
  uint32_t choose(const Decision& d) override;

 private:
  SplitMix64 rng_;
  uint32_t switch_per_mille_;
};

class PctPolicy final : public SchedulePolicy {
 public:
  // `nr_threads` modeled threads, `depth` >= 1, `expected_steps` an estimate of
  // the run's steps (change points are drawn below it).
  PctPolicy(uint64_t seed, uint32_t nr_threads, uint32_t depth, uint64_t expected_steps);
  uint32_t choose(const Decision& d) override;

 private:
  SplitMix64 rng_;
  std::vector<int64_t> priority_;       // Per thread; higher runs first.
  std::vector<uint64_t> change_points_; // Steps at which the runner is demoted.
  int64_t next_low_ = 0;                // Next demoted priority (decreasing).
};

// Which part of the dfs tree a search covers.
struct DfsShard {
  uint32_t index = 0;
  uint32_t count = 1;
  uint32_t split_depth = 6;  // Branching decisions whose path picks the owner.
};

class DfsPolicy final : public SchedulePolicy {
 public:
  DfsPolicy(uint32_t preemption_bound, bool sleep_sets, DfsShard shard = {});
  uint32_t choose(const Decision& d) override;
  void observe(uint32_t thread, const Decision& d) override;
  // Prepares the next run after one ended; false when the tree is done.
  bool advance();
  // Whether the run that just ended is this shard's (a run that ends above
  // the split depth is dealt out by its whole path).
  bool owns_current_run() const;
  // The current run's position in the tree: the index taken at each decision
  // (lexicographic order is depth-first order).
  std::vector<uint32_t> position() const;
  // An estimate of the fraction of the tree done (0..1).
  double fraction_done() const;
  // Branches the preemption bound kept out so far: candidates of a node,
  // not asleep there, that would have exceeded the bound. Each node is
  // counted by one shard only (those above the split depth by shard 0), so
  // the shards' counts add up to the whole search's.
  uint64_t bound_cut() const { return bound_cut_; }

 private:
  // Sleep sets hold thread ids: a sleeping thread has not moved, so its step
  // is its pending step in the current run (whose objects, unlike those of
  // the run that recorded the node, are the ones to compare).
  struct Node {
    std::vector<uint32_t> order;       // Candidates: the non-preempting pick first.
    uint32_t current = 0;
    bool current_runnable = false;
    size_t index = 0;                  // The candidate this run takes.
    uint32_t preemptions_before = 0;
    uint32_t branching_above = 0;      // Nodes above with two or more candidates.
    std::vector<uint32_t> sleep;       // Threads whose step not to take here (sleep set).
    std::vector<uint32_t> done;        // Siblings explored before `index`.
  };
  // Starts the sleep set of the path below `n`, which takes n.index.
  void enter(const Node& n);
  uint32_t preemptions_after(const Node& n, size_t index) const;
  // Whether candidate `i` of `n` is in the reduced, bounded tree: not asleep
  // and within the bound.
  bool explorable(const Node& n, size_t i) const;
  // Whether this shard takes candidate `i`: explorable and (at the split
  // node) owned.
  bool allowed(const Node& n, size_t i) const;
  bool owned(const Node& n, size_t i) const;
  // Records candidate `i` as explored if another shard explores it.
  void note_other_shard(Node& n, size_t i) const;
  uint64_t prefix_hash(size_t depth, size_t index_at_depth) const;

  const uint32_t bound_;
  const bool sleep_sets_;
  const DfsShard shard_;
  std::vector<Node> stack_;
  size_t depth_ = 0;  // Decisions taken in the current run.
  // The sleep set of the current run at its current step: what the last
  // node slept on or explored before its pick, less what every step taken
  // since (forced ones included) depends on.
  std::vector<uint32_t> asleep_;
  uint64_t bound_cut_ = 0;
};

class ReplayPolicy final : public SchedulePolicy {
 public:
  explicit ReplayPolicy(std::vector<uint32_t> decisions) : decisions_(std::move(decisions)) {}
  uint32_t choose(const Decision& d) override;
  // Why the schedule does not fit the run, or "" when it does: a recorded
  // pick that was not runnable, a run that needed more decisions than the
  // schedule holds, or decisions left over when the run ended. After a
  // mismatch the run goes on with the thread that ran last (or the lowest
  // runnable one), so a trace can still show how far it got.
  std::string mismatch() const;

 private:
  std::vector<uint32_t> decisions_;
  size_t next_ = 0;
  std::string diverged_;  // The first pick that was not runnable.
  bool ran_out_ = false;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_SCHEDULE_POLICIES_H_
