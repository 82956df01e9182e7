// BlockingCore: the one place where a daxbreak primitive blocks. In free mode
// it is a std::mutex and a condition variable around the primitive's state; in
// explore mode it hands the wait to the thread's SchedulerHook. Primitives
// (Mutex, RwSem, wait queues, sync points) keep their state as plain fields
// that are only touched inside the callbacks below.
//
// Thread-safety: thread-safe; the callbacks run mutually excluded (free mode:
// under the internal mutex; explore mode: only one modeled thread runs).

#ifndef DAXBREAK_SYNC_BLOCKING_CORE_H_
#define DAXBREAK_SYNC_BLOCKING_CORE_H_

#include <condition_variable>
#include <functional>
#include <mutex>

#include "daxbreak/sync/scheduler_hook.h"

namespace daxbreak {

class BlockingCore {
 public:
  BlockingCore() = default;
  BlockingCore(const BlockingCore&) = delete;
  BlockingCore& operator=(const BlockingCore&) = delete;

  // Waits until `ready()` holds, then runs `then()` atomically with that
  // check. `op`, `obj`, `what` describe the scheduling point.
  template <class Ready, class Then>
  void wait(SyncOp op, const void* obj, const char* what, Ready&& ready, Then&& then) {
    if (SchedulerHook* h = current_scheduler_hook()) {
      h->block_until(op, obj, what, std::function<bool()>(ready));
      then();
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (!ready()) {
      ++waiters_;
      cv_.wait(lock, ready);
      --waiters_;
    }
    then();
  }

  // Runs `enqueue()`, then waits as wait() does, all under one exclusion: a
  // waiter that must register (join a queue) before it waits. If the
  // scheduler abandons the wait (it unwinds the thread), `dequeue()` undoes
  // the registration before the exception goes on.
  template <class Enqueue, class Ready, class Then, class Dequeue>
  void enqueue_and_wait(SyncOp op, const void* obj, const char* what, Enqueue&& enqueue,
                        Ready&& ready, Then&& then, Dequeue&& dequeue) {
    if (SchedulerHook* h = current_scheduler_hook()) {
      // The step is the attempt: it announces itself before it joins the
      // queue, so a thread that has not been picked yet holds no place in
      // it. Only a thread that must wait takes a second scheduling point.
      if (h->yield(op, obj, what)) throw AbortSchedule{};
      enqueue();
      if (!ready()) {
        try {
          h->block_until(op, obj, what, std::function<bool()>(ready));
        } catch (...) {
          dequeue();
          throw;
        }
      }
      then();
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    enqueue();
    if (!ready()) {
      ++waiters_;
      cv_.wait(lock, ready);
      --waiters_;
    }
    then();
  }

  // Runs `change()` under the state's exclusion and wakes every waiter so it
  // re-evaluates its condition. In explore mode, if the scheduler abandons
  // the run at this point, nothing changes and AbortSchedule is thrown.
  template <class Change>
  void change(SyncOp op, const void* obj, const char* what, Change&& change_fn) {
    change_impl(op, obj, what, change_fn, /*even_if_abandoned=*/false);
  }

  // change() for a release (an unlock, the end of a section): in explore
  // mode, when the scheduler abandons the run at this point, it is made all
  // the same and returns normally (the thread's next scheduling point throws
  // AbortSchedule), so that a release in a destructor neither throws nor is
  // lost, and the abandoned model can still be torn down.
  template <class Change>
  void release(SyncOp op, const void* obj, const char* what, Change&& change_fn) {
    change_impl(op, obj, what, change_fn, /*even_if_abandoned=*/true);
  }

  // Runs `update_fn()` under the state's exclusion with no scheduling point and
  // no wake: for bookkeeping that no waiter's condition depends on.
  template <class Update>
  void update(Update&& update_fn) {
    if (current_scheduler_hook() != nullptr) {
      update_fn();
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    update_fn();
  }

  // Runs `read()` under the state's exclusion and returns its value; no
  // scheduling point.
  template <class Read>
  auto read(Read&& read_fn) const {
    if (current_scheduler_hook() != nullptr) return read_fn();
    std::lock_guard<std::mutex> lock(mu_);
    return read_fn();
  }

 private:
  template <class Change>
  void change_impl(SyncOp op, const void* obj, const char* what, Change& change_fn, bool even_if_abandoned) {
    if (SchedulerHook* h = current_scheduler_hook()) {
      const bool abandoned = h->yield(op, obj, what);
      if (abandoned && !even_if_abandoned) throw AbortSchedule{};
      change_fn();
      return;
    }
    bool wake;
    {
      std::lock_guard<std::mutex> lock(mu_);
      change_fn();
      wake = waiters_ > 0;
    }
    if (wake) cv_.notify_all();
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  int waiters_ = 0;  // Guarded by mu_ (free mode only).
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_BLOCKING_CORE_H_
