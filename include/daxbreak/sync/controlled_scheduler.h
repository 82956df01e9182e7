// ControlledScheduler: the deterministic scheduler of explore mode. It runs a
// set of modeled threads as fibers on the calling OS thread, one at a time:
// each stops at every scheduling point of the sync layer (lock, unlock, wait,
// wake, SyncAtomic access, sync point) with the step it is about to take, and
// the scheduler's loop lets a SchedulePolicy pick which thread takes its step
// next among the runnable ones. A thread blocked in the sync layer is
// runnable only once what it waits for holds. No runnable thread while some
// are unfinished is a deadlock (how a lost wake-up shows). The sequence of
// picks at points where two or more threads could run is the schedule;
// replaying it gives the same run.
//
// Each thread first runs, in order, up to its first scheduling point (the
// code before it touches nothing shared). A run ends normally, in deadlock,
// at the step limit, or pruned by the policy (a reduction saw that every
// continuation repeats one explored already). In the last three cases the
// unfinished threads are unwound one at a time with an exception
// (AbortSchedule) so that their destructors run; the model they touched is
// then only fit to be thrown away.
//
// Per fiber, the scheduler installs itself as the scheduler hook and the
// fiber's Task as Task::current() while the fiber runs.
//
// Thread-safety: add_thread() and run() from one controlling thread; the
// SchedulerHook methods are called by the fibers it runs on that thread.

#ifndef DAXBREAK_SYNC_CONTROLLED_SCHEDULER_H_
#define DAXBREAK_SYNC_CONTROLLED_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daxbreak/sync/fiber.h"
#include "daxbreak/sync/scheduler_hook.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

// A modeled thread's next step, as announced at its scheduling point.
struct PendingStep {
  SyncOp op = SyncOp::kSyncPoint;
  const void* obj = nullptr;  // The object; nullptr for a step on no object.
  const char* what = "";      // A static name, for traces.
  // Announced through SchedulerHook::block_until(): the thread can take the
  // step only once what it waits for holds (it may hold already).
  bool blocks = false;
};

// Whether swapping two adjacent steps of different threads could change the
// run: both touch the same object and not both only read it (an atomic load),
// or one is a step on no object other than a named sync point (a signal,
// which writes a flag the sync layer reads at no scheduling point; a
// snapshot, which reads everything). A named sync point is a marker that
// touches nothing.
bool StepsDependent(const PendingStep& a, const PendingStep& b);

// Whether two steps of different threads may both be able to run in one
// state (Flanagan and Godefroid's "may be co-enabled", POPL 2005). False only
// for what the sync layer's primitives rule out: a blocking exclusive lock
// (kLock through block_until: Mutex::lock(), RwSem::down_write()) and an
// unlock of the same object (its holder's kUnlock or kUnlockShared), and a
// blocking shared lock (kLockShared) and an exclusive holder's kUnlock.
bool StepsMayBeCoEnabled(const PendingStep& a, const PendingStep& b);

// What a policy sees of the run at a scheduling decision: at choose() when
// two or more threads could take the next step (or, for a policy whose
// choose_forced() is true, at every step), at observe() for every step, and
// at end() once the run is over (then `runnable` may be empty).
struct Decision {
  const std::vector<uint32_t>& runnable;    // Thread ids, ascending.
  uint32_t current;                         // The thread that took the last step.
  uint64_t step;                            // Steps taken so far in this run.
  // Every thread's next step, by id. A thread that has finished shows the
  // marker {kSyncPoint, nullptr, "exit"}, which is independent of every step
  // (StepsDependent()); a blocked thread shows the step it waits to take.
  const std::vector<PendingStep>& pending;
};

// Decides who takes the next step.
class SchedulePolicy {
 public:
  // Returned by choose() to end the run as pruned: not a schedule of its own.
  static constexpr uint32_t kAbandon = 0xFFFFFFFFu;
  virtual ~SchedulePolicy() = default;
  // One element of d.runnable, or kAbandon.
  virtual uint32_t choose(const Decision& d) = 0;
  // Whether choose() is also asked where only one thread can run (so that a
  // reduction can prune there); such picks are not decisions of the
  // schedule string. The default: no.
  virtual bool choose_forced() const { return false; }
  // Told of every step as `thread` takes it (d.pending[thread]), including
  // those taken where only one thread could run. The default ignores it.
  virtual void observe(uint32_t thread, const Decision& d) {
    (void)thread;
    (void)d;
  }
  // Told once when the run is over (completed, deadlocked, at the step
  // limit or pruned), before unfinished threads are unwound: d.pending holds
  // the steps the threads were left at. The default ignores it.
  virtual void end(const Decision& d) { (void)d; }
};

// One step, for traces.
struct TraceEvent {
  uint64_t step = 0;
  uint32_t thread = 0;
  SyncOp op = SyncOp::kSyncPoint;
  std::string what;
  const void* obj = nullptr;  // The object of the step (its identity only).
  bool has_values = false;    // An atomic access: before and after are set.
  uint64_t before = 0;        // The value before the access...
  uint64_t after = 0;         // ...and after it (equal for a load).
};

class ControlledScheduler : public SchedulerHook {
 public:
  enum class Outcome { kCompleted, kDeadlock, kStepLimit, kPruned };

  // `policy` must outlive the scheduler. A run stops after `max_steps` steps.
  // `record_trace`: keep a TraceEvent per step. `waits`: the wait queues of
  // the modeled threads (empty when the run starts; every run leaves it empty
  // again), or nullptr for a table of its own. `fibers`: where the fibers
  // come from (reuse one pool across runs), or nullptr for a pool of its own.
  ControlledScheduler(SchedulePolicy* policy, uint64_t max_steps, bool record_trace,
                      WaitTable* waits = nullptr, FiberPool* fibers = nullptr);
  ~ControlledScheduler() override;

  // Adds modeled thread number size() named `name` (before run()).
  uint32_t add_thread(std::string name, std::function<void()> body);
  // Runs every thread to its end (or to a deadlock, the step limit, or a
  // pruning decision). Call once.
  Outcome run();

  // The picks made at points with two or more runnable threads, in order.
  const std::vector<uint32_t>& decisions() const { return decisions_; }
  const std::vector<TraceEvent>& trace() const { return trace_; }
  const std::vector<std::string>& thread_names() const { return names_; }
  uint64_t steps() const { return steps_; }
  // For a deadlock: each unfinished thread and the point it blocked at.
  const std::string& deadlock_report() const { return deadlock_report_; }

  // SchedulerHook (called by the fibers).
  bool yield(SyncOp op, const void* obj, const char* what) override;
  void block_until(SyncOp op, const void* obj, const char* what,
                   const std::function<bool()>& ready) override;
  WaitTable* wait_table() override { return waits_; }
  // The lock-order graph of this run's threads (set_lock_order_graph()).
  LockOrderGraph* lock_order_graph() override { return lock_graph_; }
  // Checks the lock order of this run's threads in `graph` (nullptr: none).
  // Set before run().
  void set_lock_order_graph(LockOrderGraph* graph) { lock_graph_ = graph; }
  // Adds the values to the caller's trace event (when tracing).
  void note_value(const void* obj, uint64_t before, uint64_t after) override;

 private:
  struct ModelThread {
    std::function<void()> body;
    std::unique_ptr<Task> task;
    Fiber* fiber = nullptr;  // From fibers_, given back at destruction.
    const std::function<bool()>* ready = nullptr;  // Set while blocked; on the fiber's stack.
    bool finished = false;
  };

  // Runs thread `id` until its next scheduling point or its end.
  void resume(uint32_t id);
  // The calling fiber stops with its next step (and, if blocked, what it
  // waits for) until the loop picks it; returns whether the run was
  // abandoned meanwhile.
  bool pause(SyncOp op, const void* obj, const char* what, const std::function<bool()>* ready);
  bool can_run(const ModelThread& t) const { return !t.finished && (t.ready == nullptr || (*t.ready)()); }
  // Ends the run with `outcome`: unwinds every unfinished thread.
  Outcome abort(Outcome outcome);

  std::unique_ptr<WaitTable> own_waits_;
  WaitTable* const waits_;
  LockOrderGraph* lock_graph_ = nullptr;
  std::unique_ptr<FiberPool> own_fibers_;
  FiberPool* const fibers_;
  SchedulePolicy* const policy_;
  const uint64_t max_steps_;
  const bool record_trace_;
  std::vector<ModelThread> threads_;
  std::vector<std::string> names_;
  std::vector<PendingStep> pending_;  // By thread id.
  std::vector<uint32_t> decisions_;
  std::vector<TraceEvent> trace_;
  uint64_t steps_ = 0;
  uint32_t running_ = 0;  // The thread a fiber call comes from.
  uint32_t current_ = 0;  // The thread that took the last step.
  bool aborting_ = false;
  std::string deadlock_report_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_CONTROLLED_SCHEDULER_H_
