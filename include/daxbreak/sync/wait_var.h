// Hashed wait queues keyed by address: the kernel's wait_var_event() and
// wake_up_var() (include/linux/wait_bit.h, kernel/sched/wait_bit.c). A waiter
// sleeps on the queue that `key` hashes to and is woken by any wake_up_var()
// on a key of the same queue; it then re-tests its condition. A waiter and a
// waker that use different keys lose the wake-up (the `wake-key` bug).
//
// Thread-safety: thread-safe. prepare, sleep and wake are scheduling points in
// explore mode.

#ifndef DAXBREAK_SYNC_WAIT_VAR_H_
#define DAXBREAK_SYNC_WAIT_VAR_H_

#include <cstdint>

#include "daxbreak/base/status.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/task.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

// A place in a wait queue, taken before the condition is tested so that a wake
// between the test and the sleep is not lost (prepare_to_wait_event()).
struct WaitTicket {
  const void* key = nullptr;
  uint32_t bucket = 0;
  uint64_t generation = 0;  // The queue's wake count when the ticket was taken.
};

// Joins the wait queue of `key`.
WaitTicket prepare_to_wait_var(const void* key);

// Sleeps until a wake_up_var() on the ticket's queue after the ticket was
// taken, or, if `interruptible`, until the calling task has a pending signal
// (schedule() in TASK_INTERRUPTIBLE / TASK_UNINTERRUPTIBLE).
void schedule_wait(const WaitTicket& ticket, bool interruptible);

// Wakes every sleeper on the queue of `key` (wake_up_var()). The caller must
// have made the waited-for condition true before calling it.
void wake_up_var(const void* key);

// Wakes every sleeper on every queue, so that interruptible sleepers notice a
// signal (used by send_signal()).
void wake_up_all_var_waiters();

// Handed to a wait_var_event() command: the sleep itself, for commands that do
// something around it (ext4_wait_dax_page() drops a lock around schedule()).
class WaitSleeper {
 public:
  WaitSleeper(const WaitTicket& ticket, bool interruptible)
      : ticket_(ticket), interruptible_(interruptible) {}
  // Sleeps as schedule_wait() does.
  void schedule() const { schedule_wait(ticket_, interruptible_); }

 private:
  WaitTicket ticket_;
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
    const WaitTicket ticket = prepare_to_wait_var(key);
    if (condition()) return Status::Ok();
    if (interruptible && Task::current().signal_pending()) {
      return Status::Interrupted("signal pending while waiting");
    }
    WaitSleeper sleeper(ticket, interruptible);
    cmd(sleeper);
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
