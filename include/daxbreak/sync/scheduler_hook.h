// The scheduler hook: the one switch that hands all of the model's concurrency
// to a controlled scheduler (explore mode). Every sync primitive calls it at
// each operation; with no hook installed (free mode) the primitives run on
// real OS synchronization at full speed.
//
// The hook is per thread: a controlled scheduler installs itself on each
// modeled thread it runs. Code that runs before or after (set-up, checks)
// stays in free mode.
//
// Thread-safety: the installed hook is thread-local, so installing and
// reading it need no lock. A SchedulerHook is called by the modeled threads
// it runs, one at a time (only the thread the scheduler lets run is ever
// inside a call), so an implementation needs no lock of its own for that;
// SyncOpName() is a pure function.

#ifndef DAXBREAK_SYNC_SCHEDULER_HOOK_H_
#define DAXBREAK_SYNC_SCHEDULER_HOOK_H_

#include <cstdint>
#include <functional>
#include <string_view>

namespace daxbreak {

class WaitTable;

// What a modeled thread is about to do at a scheduling point.
enum class SyncOp : uint8_t {
  kLock,           // Mutex lock and try_lock, RwSem down_write, MmStruct::irqs_off.
  kUnlock,         // Mutex unlock, RwSem up_write, MmStruct::irqs_on.
  kLockShared,     // RwSem down_read.
  kUnlockShared,   // RwSem up_read.
  // A kLock announced through block_until() is an exclusive lock: it waits
  // while any thread holds the object (StepsMayBeCoEnabled() relies on it),
  // and a blocking kLockShared waits while a kLock holder has it.
  kWait,           // wait_var_event sleep, entry-lock wait.
  kWake,           // wake_up_var.
  kAtomicLoad,     // A read of a SyncAtomic (refcount, PTE, sequence).
  kAtomicStore,    // A write of a SyncAtomic.
  kAtomicRmw,      // A read-modify-write of a SyncAtomic.
  kSyncPoint,      // A named sync point: a marker that touches nothing.
  kSnapshot,       // A read of the whole shared state at once (a power cut's durable image).
};

// The short name of `op` ("lock", "wake", ...), for traces.
std::string_view SyncOpName(SyncOp op);

// Interface of a controlled scheduler. Implementations decide, at each call,
// which modeled thread runs next; calls arrive from the modeled threads
// themselves, one at a time.
class LockOrderGraph;

class SchedulerHook {
 public:
  virtual ~SchedulerHook() = default;

  // A scheduling point: the calling thread is about to perform `op` on `obj`;
  // `what` names the object or point (a static string). Returns when the
  // scheduler lets the caller run again: false normally, true when the
  // scheduler abandons the run. Then the caller throws AbortSchedule, unless
  // the change it announced releases something: an unlock must not be lost
  // (the model could not be torn down) and may sit in a destructor (which
  // must not throw), so it is made and the caller goes on to its next
  // scheduling point, which throws.
  virtual bool yield(SyncOp op, const void* obj, const char* what) = 0;

  // A scheduling point at which the caller cannot go on until `ready()` holds.
  // `ready` is evaluated only while no other modeled thread runs. Returns with
  // ready() true, and no other modeled thread runs until the caller's next
  // scheduling point, so the caller may act on what ready() saw. Throws
  // AbortSchedule when the scheduler abandons the run.
  virtual void block_until(SyncOp op, const void* obj, const char* what,
                           const std::function<bool()>& ready) = 0;

  // The wait queues of the threads this hook runs (wait_var.h), or nullptr
  // for the process-wide table.
  virtual WaitTable* wait_table() { return nullptr; }

  // Told, right after the calling thread's atomic access at its last
  // scheduling point, the value of `obj` before and after it (equal for a
  // load), for traces. Not a scheduling point. The default ignores it.
  virtual void note_value(const void* obj, uint64_t before, uint64_t after) {
    (void)obj, (void)before, (void)after;
  }

  // The lock-order graph of the threads this hook runs (lockdep.h), or
  // nullptr for none.
  virtual LockOrderGraph* lock_order_graph() { return nullptr; }
};

// Thrown through a modeled thread to unwind it when a controlled run is
// abandoned (deadlock, step limit, or pruned by the search).
struct AbortSchedule {};

namespace sync_internal {
extern thread_local SchedulerHook* tls_scheduler_hook;
}  // namespace sync_internal

// The calling thread's hook, or nullptr in free mode.
inline SchedulerHook* current_scheduler_hook() {
  return sync_internal::tls_scheduler_hook;
}

// Installs `hook` (nullptr: free mode) for the calling thread.
void set_current_scheduler_hook(SchedulerHook* hook);

// A scheduling point with no blocking; a no-op in free mode. Throws
// AbortSchedule when the scheduler abandons the run.
inline void schedule_point(SyncOp op, const void* obj, const char* what) {
  if (SchedulerHook* h = current_scheduler_hook()) {
    if (h->yield(op, obj, what)) throw AbortSchedule{};
  }
}

// A scheduling point at which the caller reads the whole shared state at once
// (a power cut that takes the durable image): under a controlled scheduler
// it is a step on no object of kind kSnapshot, which depends on every other
// step. A no-op in free mode. Throws AbortSchedule when the scheduler
// abandons the run.
inline void snapshot_point(const char* what) { schedule_point(SyncOp::kSnapshot, nullptr, what); }

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_SCHEDULER_HOOK_H_
