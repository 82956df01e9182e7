// WorkQueue<T>: a FIFO of work items handed from producers to a worker that
// sleeps while it is empty, the shape of a kernel workqueue or a device's
// completion queue as the models need it: the end_io worker of buffered
// writeback (ext4's conversion work) and the completion side of the explore
// DIO engine.
//
//   producer: push()              worker: run(fn) until close() and empty
//             (list_add_tail under         wait_var_event(queued > 0 || closed)
//              the lock, then count,       take the oldest under the lock,
//              then wake_up_var)           uncount it, fn(item)
//
// Every step goes through the sync layer (a Mutex for the list, SyncAtomics
// for the count and the closed flag, wait_var_event/wake_up_var on the
// count), so the explorer can put a producer's push, the wake and the
// worker's take in any order. The count is raised after the item is on the
// list, so a worker that sees queued > 0 finds it there.
//
// Thread-safety: thread-safe; any number of producers and workers.

#ifndef DAXBREAK_SYNC_WORK_QUEUE_H_
#define DAXBREAK_SYNC_WORK_QUEUE_H_

#include <cstdint>
#include <deque>
#include <utility>

#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/sync_atomic.h"
#include "daxbreak/sync/thread_annotations.h"
#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

// The names a queue's steps carry in traces and lock-order reports (static
// strings): the list lock's class, and the count's push and take accesses.
struct WorkQueueNames {
  const char* lock = "work_queue";
  const char* push = "queue_push";
  const char* take = "queue_take";
  const char* close = "queue_close";
};

template <class T>
class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueNames names = {}) : names_(names), lock_(names.lock) {}
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Appends `item`; `after_insert` runs once it is on the list and before
  // the count rises and the worker is woken (the explore DIO engine counts
  // the request outstanding there).
  template <class AfterInsert>
  void push(T item, AfterInsert after_insert) EXCLUDES(lock_) {
    {
      MutexLock lock(&lock_);
      items_.push_back(std::move(item));
    }
    after_insert();
    queued_.fetch_add(1, names_.push);
    wake_up_var(&queued_);
  }
  void push(T item) EXCLUDES(lock_) {
    push(std::move(item), [] {});
  }

  // Takes the oldest item into `*out`, or returns false when none is queued.
  bool try_take(T* out) EXCLUDES(lock_) {
    {
      MutexLock lock(&lock_);
      if (items_.empty()) return false;
      *out = std::move(items_.front());
      items_.pop_front();
    }
    queued_.fetch_sub(1, names_.take);
    return true;
  }

  // The worker: sleeps until an item is queued or close() was called, runs
  // `fn(item)` for each item in order, and returns once the queue is closed
  // and empty. The sleep is uninterruptible (a kworker ignores signals).
  template <class Fn>
  void run(Fn fn) EXCLUDES(lock_) {
    for (;;) {
      (void)wait_var_event(&queued_, [&] { return queued_.load() > 0 || closed_.load() != 0; }, false);
      T item;
      if (try_take(&item)) {
        fn(item);
      } else if (closed_.load() != 0) {
        return;
      }
    }
  }

  // No more items will be pushed: run() returns once the queue is empty.
  void close() {
    closed_.store(1, names_.close);
    wake_up_var(&queued_);
  }

 private:
  const WorkQueueNames names_;
  Mutex lock_;
  std::deque<T> items_ GUARDED_BY(lock_);
  SyncAtomic<uint32_t> queued_{0};  // Items pushed and not taken.
  SyncAtomic<uint32_t> closed_{0};
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_WORK_QUEUE_H_
