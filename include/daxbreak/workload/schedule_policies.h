// The explorer's strategies, as SchedulePolicies of the controlled scheduler,
// and the schedule string that replays a run whatever strategy produced it.
//
// - random: a uniform pick at every decision point.
// - pct: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010):
//   random distinct thread priorities, the highest-priority runnable thread
//   runs, and at depth-1 random steps the running thread drops to the lowest
//   priority. A bug of depth d is found with probability >= 1/(n k^(d-1)).
// - dfs: bounded exhaustive search: every schedule with at most K preemptions
//   (switching away from a thread that could go on), depth first, one per run.
// - replay: the picks of a schedule string, in order.
//
// Thread-safety: a policy serves one run at a time.

#ifndef DAXBREAK_WORKLOAD_SCHEDULE_POLICIES_H_
#define DAXBREAK_WORKLOAD_SCHEDULE_POLICIES_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "daxbreak/base/status.h"
#include "daxbreak/sync/controlled_scheduler.h"

namespace daxbreak {

// "1*3.0.2": the picks of a run, with runs of one thread as T*N.
std::string EncodeSchedule(const std::vector<uint32_t>& decisions);
// The inverse. Errors: kInvalidArgument quoting the bad token.
Status DecodeSchedule(const std::string& text, std::vector<uint32_t>* decisions);

class RandomPolicy final : public SchedulePolicy {
 public:
  explicit RandomPolicy(uint64_t seed) : rng_(seed) {}
  uint32_t choose(const std::vector<uint32_t>& runnable, uint32_t current, uint64_t step) override;

 private:
  std::mt19937_64 rng_;
};

class PctPolicy final : public SchedulePolicy {
 public:
  // `nr_threads` modeled threads, `depth` >= 1, `expected_steps` an estimate of
  // the run's scheduling points (change points are drawn below it).
  PctPolicy(uint64_t seed, uint32_t nr_threads, uint32_t depth, uint64_t expected_steps);
  uint32_t choose(const std::vector<uint32_t>& runnable, uint32_t current, uint64_t step) override;

 private:
  std::mt19937_64 rng_;
  std::vector<int64_t> priority_;      // Per thread; higher runs first.
  std::vector<uint64_t> change_points_; // Steps at which the runner is demoted.
  int64_t next_low_ = 0;               // Next demoted priority (decreasing).
};

class DfsPolicy final : public SchedulePolicy {
 public:
  explicit DfsPolicy(uint32_t preemption_bound) : bound_(preemption_bound) {}
  uint32_t choose(const std::vector<uint32_t>& runnable, uint32_t current, uint64_t step) override;
  // Prepares the next schedule after a run; false when all are done.
  bool advance();

 private:
  struct Node {
    std::vector<uint32_t> order;  // Candidates: the non-preempting pick first.
    uint32_t current = 0;
    bool current_runnable = false;
    size_t index = 0;             // Which candidate this run takes.
    uint32_t preemptions_before = 0;
  };
  uint32_t preemptions_after(const Node& n) const;

  const uint32_t bound_;
  std::vector<Node> stack_;
  size_t depth_ = 0;  // Decision points taken in the current run.
};

class ReplayPolicy final : public SchedulePolicy {
 public:
  explicit ReplayPolicy(std::vector<uint32_t> decisions) : decisions_(std::move(decisions)) {}
  uint32_t choose(const std::vector<uint32_t>& runnable, uint32_t current, uint64_t step) override;
  // Whether a recorded pick was not runnable (the model changed).
  bool diverged() const { return diverged_; }

 private:
  std::vector<uint32_t> decisions_;
  size_t next_ = 0;
  bool diverged_ = false;
};

}  // namespace daxbreak

#endif  // DAXBREAK_WORKLOAD_SCHEDULE_POLICIES_H_
