// ControlledScheduler: the deterministic scheduler of explore mode. It runs a
// set of modeled threads (real OS threads) one at a time: at every scheduling
// point of the sync layer (lock, unlock, wait, wake, SyncAtomic access, sync
// point) the running thread stops and a SchedulePolicy picks who runs next
// among the runnable ones. A thread blocked in the sync layer is runnable only
// once what it waits for holds. No runnable thread while some are unfinished
// is a deadlock (how a lost wake-up shows). The sequence of picks at points
// where two or more threads could run is the schedule; replaying it gives the
// same run.
//
// A run ends normally, in deadlock, or at the step limit. In the last two
// cases the blocked threads are unwound one at a time with an exception
// (AbortSchedule) so that their destructors run; the model they touched is
// then only fit to be thrown away.
//
// Thread-safety: add_thread() and run() from one controlling thread; the
// SchedulerHook methods are called by the modeled threads.

#ifndef DAXBREAK_SYNC_CONTROLLED_SCHEDULER_H_
#define DAXBREAK_SYNC_CONTROLLED_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "daxbreak/sync/scheduler_hook.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

// Decides who runs at a point where two or more modeled threads could.
class SchedulePolicy {
 public:
  virtual ~SchedulePolicy() = default;
  // `runnable`: ids of the threads that may run (ascending, at least two);
  // `current`: the thread that reached the point (it may be absent from
  // `runnable` if it blocked); `step`: scheduling points so far in this run.
  // Returns one element of `runnable`.
  virtual uint32_t choose(const std::vector<uint32_t>& runnable, uint32_t current, uint64_t step) = 0;
};

// One scheduling point, for traces.
struct TraceEvent {
  uint64_t step = 0;
  uint32_t thread = 0;
  SyncOp op = SyncOp::kSyncPoint;
  std::string what;
};

// Thrown through a modeled thread to unwind it when a run is abandoned.
struct AbortSchedule {};

class ControlledScheduler : public SchedulerHook {
 public:
  enum class Outcome { kCompleted, kDeadlock, kStepLimit };

  // `policy` must outlive the scheduler. A run stops at `max_steps`
  // scheduling points. `record_trace`: keep a TraceEvent per point. `waits`:
  // the wait queues of the modeled threads (empty when the run starts; every
  // run leaves it empty again), or nullptr for a table of its own.
  ControlledScheduler(SchedulePolicy* policy, uint64_t max_steps, bool record_trace,
                      WaitTable* waits = nullptr);
  ~ControlledScheduler() override;

  // Adds modeled thread number size() named `name` (before run()).
  uint32_t add_thread(std::string name, std::function<void()> body);
  // Runs every thread to its end (or to a deadlock or the step limit) and
  // joins them. Call once.
  Outcome run();

  // The picks made at points with two or more runnable threads, in order.
  const std::vector<uint32_t>& decisions() const { return decisions_; }
  const std::vector<TraceEvent>& trace() const { return trace_; }
  const std::vector<std::string>& thread_names() const { return names_; }
  uint64_t steps() const { return steps_; }
  // For a deadlock: each unfinished thread and the point it blocked at.
  const std::string& deadlock_report() const { return deadlock_report_; }

  // SchedulerHook.
  void yield(SyncOp op, const void* obj, const char* what) override;
  void block_until(SyncOp op, const void* obj, const char* what,
                   const std::function<bool()>& ready) override;
  WaitTable* wait_table() override { return waits_; }

 private:
  struct ModelThread {
    std::function<void()> body;
    std::function<bool()> ready;  // Empty: runnable.
    const char* blocked_at = "";
    bool finished = false;
    std::binary_semaphore go{0};
  };

  void thread_main(uint32_t self);
  // Picks the next thread (or -1 if none can run); records a decision.
  int pick_locked(uint32_t current);
  void begin_abort_locked(Outcome outcome);
  // Hands the baton on after `self` finished.
  void hand_off_finished(uint32_t self);
  uint32_t self_id() const;

  std::unique_ptr<WaitTable> own_waits_;
  WaitTable* const waits_;
  SchedulePolicy* const policy_;
  const uint64_t max_steps_;
  const bool record_trace_;
  std::mutex mu_;  // Guards everything below while threads run.
  std::vector<std::unique_ptr<ModelThread>> threads_;
  std::vector<std::string> names_;
  std::vector<std::thread> os_threads_;
  std::vector<uint32_t> decisions_;
  std::vector<TraceEvent> trace_;
  uint64_t steps_ = 0;
  bool aborting_ = false;
  Outcome outcome_ = Outcome::kCompleted;
  std::string deadlock_report_;
  std::binary_semaphore done_{0};
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_CONTROLLED_SCHEDULER_H_
