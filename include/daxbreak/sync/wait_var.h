// Hashed wait queues keyed by address: the kernel's wait_var_event() and
// wake_up_var() (include/linux/wait_bit.h, kernel/sched/wait_bit.c). A waiter
// joins the queue that `key` hashes to; wake_up_var(key) wakes only the
// waiters of that same key (var_wake_function() filters the bucket by key), who
// then re-test their condition. A waiter and a waker that use different keys
// lose the wake-up (the `wake-key` bug), in free mode and explore mode alike.
//
// A wait table lives per controlled scheduler in explore mode (so that
// parallel explorations do not share queues) and once per process in free
// mode.
//
// Thread-safety: thread-safe. Joining, sleeping and waking are scheduling
// points in explore mode.

#ifndef DAXBREAK_SYNC_WAIT_VAR_H_
#define DAXBREAK_SYNC_WAIT_VAR_H_

#include <array>
#include <cstdint>
#include <unordered_map>

#include "daxbreak/base/status.h"
#include "daxbreak/sync/blocking_core.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

// The kernel's wait_bit_table: 256 hashed queues. Each queue counts, per key
// that has waiters, the waiters and the wakes since they joined.
class WaitTable {
 public:
  static constexpr uint32_t kBits = 8;
  static constexpr uint32_t kSize = 1u << kBits;

  WaitTable() = default;
  WaitTable(const WaitTable&) = delete;
  WaitTable& operator=(const WaitTable&) = delete;

  // The process-wide table of free mode.
  static WaitTable& global();
  // The table of the calling thread: its scheduler's in explore mode, else
  // global().
  static WaitTable& current();
  // Bucket of `key` (hash_ptr() of the address).
  static uint32_t bucket_of(const void* key);

 private:
  friend class WaitQueueEntry;
  friend void wake_up_var(const void* key);
  friend void wake_up_all_var_waiters();
  struct KeyState {
    uint32_t waiters = 0;
    uint64_t wakes = 0;
  };
  struct Queue {
    BlockingCore core;
    std::unordered_map<const void*, KeyState> keys;  // Touched only inside core callbacks.
  };
  std::array<Queue, kSize> queues_;
};

// A place in the wait queue of `key`, held from prepare_to_wait_event() to
// finish_wait() (its destructor), so that a wake between the caller's test of
// its condition and its sleep is not lost.
class WaitQueueEntry {
 public:
  // Joins the queue of `key` in the calling thread's wait table.
  explicit WaitQueueEntry(const void* key);
  // Leaves the queue (finish_wait()).
  ~WaitQueueEntry();
  WaitQueueEntry(const WaitQueueEntry&) = delete;
  WaitQueueEntry& operator=(const WaitQueueEntry&) = delete;

  // Sleeps until a wake_up_var() on the key after the entry joined, or, if
  // `interruptible`, until the calling task has a pending signal (schedule()
  // in TASK_INTERRUPTIBLE / TASK_UNINTERRUPTIBLE). Returns at once if such a
  // wake already came.
  // `what` (a static string) names the wait in traces and deadlock reports.
  void schedule(bool interruptible, const char* what = "schedule") const;
  const void* key() const { return key_; }

 private:
  WaitTable* const table_;
  const void* const key_;
  const uint32_t bucket_;
  uint64_t wakes_at_join_ = 0;  // The key's wake count when the entry joined.
};

// Wakes every sleeper on `key` (wake_up_var()). The caller must have made the
// waited-for condition true before calling it. A key with no sleepers costs a
// look-up and nothing is remembered (the waker checks waitqueue_active()).
void wake_up_var(const void* key);

// Wakes every sleeper of the process-wide table so that interruptible
// sleepers notice a signal (used by send_signal()); nothing in explore mode,
// where the scheduler re-tests every sleeper's condition at each pick.
void wake_up_all_var_waiters();

// Handed to a wait_var_event() command: the sleep itself, for commands that do
// something around it (ext4_wait_dax_page() drops a lock around schedule()).
class WaitSleeper {
 public:
  WaitSleeper(const WaitQueueEntry& entry, bool interruptible)
      : entry_(entry), interruptible_(interruptible) {}
  // Sleeps as WaitQueueEntry::schedule() does; `what` names the wait.
  void schedule(const char* what = "schedule") const { entry_.schedule(interruptible_, what); }

 private:
  const WaitQueueEntry& entry_;
  bool interruptible_;
};

// The loop of ___wait_var_event(): join the queue of `key`; if `condition()`
// holds, return OK; if `interruptible` and a signal is pending, return
// kInterrupted (-ERESTARTSYS, reported as EINTR); otherwise run `cmd(sleeper)`
// (which must call sleeper.schedule() to sleep) and start over. Note that the
// condition is tested before `cmd` ever runs: a command that records "I slept"
// does not run at all when the condition already holds.
template <class Condition, class Cmd>
Status wait_var_event(const void* key, Condition&& condition, bool interruptible, Cmd&& cmd) {
  for (;;) {
    const WaitQueueEntry entry(key);
    if (condition()) return Status::Ok();
    if (interruptible && Task::current().signal_pending()) {
      return Status::Interrupted("signal pending while waiting");
    }
    cmd(WaitSleeper(entry, interruptible));
  }
}

// wait_var_event() with the plain sleep as command.
template <class Condition>
Status wait_var_event(const void* key, Condition&& condition, bool interruptible) {
  return wait_var_event(key, condition, interruptible,
                        [](const WaitSleeper& s) { s.schedule(); });
}

// Sleeps, with `xa_lock` dropped, until a wake on `key` that comes after the
// call; returns with `xa_lock` held again. The shape of fs/dax.c
// wait_entry_unlocked(): the caller saw the DAX entry locked under xa_lock; the
// unlocker clears the lock bit under xa_lock and then calls wake_up_var(key),
// so the wake cannot fall between the caller's look and its sleep.
void wait_entry_unlocked(Mutex& xa_lock, const void* key) REQUIRES(xa_lock);

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_WAIT_VAR_H_
