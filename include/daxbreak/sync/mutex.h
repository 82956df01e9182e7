// Mutex: a sleeping lock (the kernel's struct mutex / spinlock_t as daxbreak
// models them, e.g. the xa_lock of a DAX mapping or the allocator's lock).
//
// Thread-safety: thread-safe. Not recursive. Every lock and unlock is a
// scheduling point in explore mode.

#ifndef DAXBREAK_SYNC_MUTEX_H_
#define DAXBREAK_SYNC_MUTEX_H_

#include "daxbreak/sync/blocking_core.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

class CAPABILITY("mutex") Mutex {
 public:
  // `name` (a static string) labels the lock in traces.
  explicit Mutex(const char* name = "mutex") : name_(name) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // Blocks until the lock is free, then takes it.
  void lock() ACQUIRE();
  // Releases the lock; the caller must hold it.
  void unlock() RELEASE();
  // Takes the lock if it is free; returns whether it did.
  bool try_lock() TRY_ACQUIRE(true);
  // Tells the analysis the caller holds the lock (no run-time check).
  void assert_held() const ASSERT_CAPABILITY(this) {}

  const char* name() const { return name_; }

 private:
  const char* const name_;
  BlockingCore core_;
  bool locked_ = false;  // Touched only inside core_ callbacks.
};

// Holds a Mutex for its scope (mutex_lock ... mutex_unlock). The unlock is a
// scheduling point, so in explore mode the destructor throws AbortSchedule
// when the scheduler abandons the run there (hence).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->lock(); }
  ~MutexLock() RELEASE() { mu_->unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_MUTEX_H_
