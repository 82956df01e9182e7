// Dynamic partial-order reduction for the explorer's `dpor` strategy: every
// interleaving class of a scenario (every Mazurkiewicz trace of its modeled
// threads' steps), each at least once, with no preemption bound.
//
// The algorithm is the one of Flanagan and Godefroid, "Dynamic
// partial-order reduction for model checking software", POPL 2005, with
// sleep sets (Godefroid, "Partial-Order Methods for the Verification of
// Concurrent Systems", LNCS 1032, 1996), run stateless: every run rebuilds
// the model and replays a prefix of picks. After each step, for every thread
// p and its next step (a blocked thread's too), the last step i of another
// thread that is dependent with it, may be enabled together with it
// (StepsMayBeCoEnabled()) and is not ordered before p by happens-before is a
// race; p is added to the backtrack set of the state before i if p could
// run there, else every thread that could. The happens-before order is kept
// as vector clocks over the dependency relation. A node's backtrack set is
// thereby a persistent set, so every deadlock and every reachable local
// state (a violation) is found (FG 2005, Theorem 1); the sleep sets, which
// FG 2005 combine with it as well, keep that and prune runs whose every
// runnable thread sleeps.
//
// Dependency (DporDependent()): StepsDependent() of the controlled scheduler
// (the same object and not both loads; a step on no object, a signal or a
// snapshot, depends on every step; a named sync point on none). A lock and
// the unlock that lets a blocked locker in are dependent (same object), so
// enabling is covered; a blocked thread's pending step takes part in the
// race check, which is how a lock acquisition races with an earlier one.
//
// Splitting (explorer.cc, PlanDporSearch()): the search is cut into
// subtrees (items) by expanding branching nodes (two or more threads not
// asleep and within the bound) in full, with sleep sets (SplitPolicy); each
// item is then an independent DPOR search, since no race found inside one
// can add a branch above it (those nodes are expanded in full already).
// Every process cuts the same items, so shards and jobs can share them out
// and the sum of their results is the whole search, whoever ran which item.
//
// Thread-safety: a policy serves one run at a time; the mutation hook is a
// process-wide atomic, for tests only.

#ifndef DAXBREAK_SRC_EXPLORE_DPOR_H_
#define DAXBREAK_SRC_EXPLORE_DPOR_H_

#include <cstdint>
#include <vector>

#include "daxbreak/explore/explorer.h"
#include "daxbreak/sync/controlled_scheduler.h"

namespace daxbreak {

// A set of thread ids, bit i for thread i.
using ThreadSet = uint64_t;
// Threads a dpor search can hold (the width of ThreadSet).
inline constexpr uint32_t kDporMaxThreads = 64;

// Test-only breakage of the dependency relation, to show that the soundness
// test (tests/explore/dpor_test.cc) catches a dependent pair declared
// independent. Each names a pair of steps on one object that are declared
// independent.
enum class DependencyMutation : uint8_t {
  kNone,
  kWriteReadIndependent,   // A store or read-modify-write and a load.
  kWakeWaitIndependent,    // A wake and a wait (prepare_to_wait or the sleep).
  kUnlockLockIndependent,  // An unlock and a lock.
};
// Sets the mutation every later dpor search uses (kNone: the real relation).
void SetDependencyMutationForTesting(DependencyMutation mutation);

// The dependency relation of dpor: StepsDependent(), unless a test set a
// mutation.
bool DporDependent(const PendingStep& a, const PendingStep& b);

// What a dpor search explores.
struct DporConfig {
  bool reduction = true;                         // false: every interleaving, no sleep sets.
  uint32_t preemption_bound = kNoPreemptionBound;  // A bound makes the search `bounded`.
};

// One subtree of the search: the thread of every step from the initial
// state to its root, and the sleep set at the root.
struct DporItem {
  std::vector<uint32_t> prefix;
  ThreadSet root_sleep = 0;
};

// The tree node of one state of the current path.
struct DporNode {
  ThreadSet enabled = 0;    // Threads that could take this step.
  ThreadSet backtrack = 0;  // Threads to explore from here.
  ThreadSet done = 0;       // Threads explored (or under way) from here.
  ThreadSet sleep = 0;      // The sleep set on entry.
  ThreadSet cut = 0;        // Threads the preemption bound kept out (counted once).
  uint32_t taken = 0;       // The thread the current path takes.
  uint32_t current = 0;     // The thread that took the step before.
  uint32_t preemptions = 0; // Preemptions on the path up to this state.
};

// Expands one item by one branching node: replays the item's prefix, goes on
// while only one thread may move (not asleep, within the bound), and at the
// first state where two or more may, makes a child item for each, in
// depth-first order (the thread that ran last first, then by id), each with
// the sleep set its earlier siblings give it. Use: one run, then result().
class SplitPolicy final : public SchedulePolicy {
 public:
  enum class Result {
    kChildren,  // children() holds the children.
    kLeaf,      // The item is one run: it ended before any branching.
    kEmpty,     // Every continuation sleeps or is beyond the bound: no run.
  };
  SplitPolicy(const DporItem& item, DporConfig config);
  bool choose_forced() const override { return true; }
  uint32_t choose(const Decision& d) override;
  void observe(uint32_t thread, const Decision& d) override;
  Result result() const { return result_; }
  const std::vector<DporItem>& children() const { return children_; }
  // Branches the preemption bound kept out on the way.
  uint64_t bound_cut() const { return bound_cut_; }
  // Whether the run did not repeat the item's prefix (a model that is not
  // deterministic) or had more than kDporMaxThreads threads.
  bool diverged() const { return diverged_; }

 private:
  const DporItem& item_;
  const DporConfig config_;
  std::vector<uint32_t> picks_;  // The thread of every step so far.
  uint32_t preemptions_ = 0;
  ThreadSet asleep_ = 0;
  Result result_ = Result::kLeaf;
  std::vector<DporItem> children_;
  uint64_t bound_cut_ = 0;
  bool diverged_ = false;
};

// FG-DPOR with sleep sets over one item. Use: run, advance(), run, ... until
// advance() is false.
class DporPolicy final : public SchedulePolicy {
 public:
  DporPolicy(DporItem item, DporConfig config);
  bool choose_forced() const override { return true; }
  uint32_t choose(const Decision& d) override;
  void observe(uint32_t thread, const Decision& d) override;
  void end(const Decision& d) override;
  // Prepares the next run; false when the item is done.
  bool advance();
  // Races whose reversal the preemption bound kept out.
  uint64_t bound_cut() const { return bound_cut_; }
  // An estimate of the fraction of the item done (0..1).
  double fraction_done() const;
  // As SplitPolicy::diverged().
  bool diverged() const { return diverged_; }

 private:
  static constexpr size_t kOps = static_cast<size_t>(SyncOp::kSnapshot) + 1;
  struct Event {
    PendingStep step;
    uint32_t thread = 0;
    uint32_t local = 0;  // 1-based index among the thread's events.
  };
  // Per object: the events on it, and the join of their clocks by operation.
  struct ObjectClocks {
    std::vector<uint32_t> events;
    uint32_t ops = 0;             // Bit o: an event with SyncOp o happened.
    std::vector<uint32_t> by_op;  // kOps x threads.
  };

  void start_run(size_t threads);
  // DporDependent(), from the table made at construction.
  bool dependent(const PendingStep& a, const PendingStep& b) const {
    if (a.op == SyncOp::kSyncPoint || b.op == SyncOp::kSyncPoint) return false;
    if (a.obj == nullptr || b.obj == nullptr) return true;
    return a.obj == b.obj && same_object_[static_cast<size_t>(a.op)][static_cast<size_t>(b.op)];
  }
  ObjectClocks& object_of(const void* obj);
  // Adds the next event (thread t takes `step`) to the happens-before order.
  void record(uint32_t t, const PendingStep& step);
  // The race check of thread `t`'s next step `next` at the current state.
  void check_next_step(uint32_t t, const PendingStep& next);
  // The backtrack rule at node `i` for thread `q`.
  void backtrack(size_t i, uint32_t q);
  void add(DporNode& n, uint32_t x);
  bool happens_before(size_t i, uint32_t t) const;
  uint32_t* clock_of_event(size_t k) { return &event_clocks_[k * threads_]; }

  const DporItem item_;
  const DporConfig config_;
  bool same_object_[kOps][kOps];  // Dependency of two operations on one object.
  std::vector<DporNode> nodes_;  // One per step of the current path.
  size_t replay_ = 0;            // Steps the next run replays.
  size_t fresh_from_ = 0;        // First step whose races the current run checks.
  ThreadSet asleep_ = 0;
  uint64_t bound_cut_ = 0;
  bool diverged_ = false;

  // The current run's happens-before order (kept allocated across runs).
  size_t threads_ = 0;
  std::vector<Event> events_;
  std::vector<uint32_t> event_clocks_;   // events x threads.
  std::vector<uint32_t> thread_clocks_;  // threads x threads.
  std::vector<uint32_t> thread_events_;  // Per thread: its events so far.
  // Object -> index into objects_: open addressing, a slot is this run's
  // when its stamp is run_stamp_.
  struct Slot {
    const void* obj = nullptr;
    uint32_t index = 0;
    uint32_t stamp = 0;
  };
  std::vector<Slot> slots_;
  uint32_t run_stamp_ = 0;
  const ObjectClocks* find_object(const void* obj) const;
  std::vector<ObjectClocks> objects_;    // The first objects_used_ are this run's.
  size_t objects_used_ = 0;
  std::vector<uint32_t> none_events_;    // Steps on no object (other than markers)...
  std::vector<uint32_t> none_clock_;     // ...and the join of their clocks.
  std::vector<uint32_t> all_events_;     // Every event that is not a marker...
  std::vector<uint32_t> all_clock_;      // ...and the join of their clocks.
  uint32_t last_thread_ = UINT32_MAX;    // The thread of the last step (its next step is new).
};

}  // namespace daxbreak

#endif  // DAXBREAK_SRC_EXPLORE_DPOR_H_
