// RwSem: a reader-writer semaphore, the shape of the kernel's rw_semaphore as
// used for inode->i_rwsem and mapping->invalidate_lock (ext4; XFS_IOLOCK and
// XFS_MMAPLOCK on xfs). Waiters are served in arrival order, as the kernel's
// rwsem wait list is: a writer waits for the readers ahead of it, a new reader
// queues behind a waiting writer, and the readers at the head of the queue go
// in together. So neither a stream of faults starves a layout change nor a
// loop of layout changes starves the faults queued between them.
//
// Thread-safety: thread-safe. Not recursive. Every operation is a scheduling
// point in explore mode.

#ifndef DAXBREAK_SYNC_RWSEM_H_
#define DAXBREAK_SYNC_RWSEM_H_

#include <cstdint>

#include <boost/container/small_vector.hpp>

#include "daxbreak/sync/blocking_core.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

class CAPABILITY("rwsem") RwSem {
 public:
  // `name` (a static string) labels the lock in traces.
  explicit RwSem(const char* name = "rwsem") : name_(name) {}
  RwSem(const RwSem&) = delete;
  RwSem& operator=(const RwSem&) = delete;

  // Takes the semaphore exclusive (down_write).
  void down_write() ACQUIRE();
  // Releases an exclusive hold (up_write).
  void up_write() RELEASE();
  // Takes the semaphore shared (down_read).
  void down_read() ACQUIRE_SHARED();
  // Releases a shared hold (up_read).
  void up_read() RELEASE_SHARED();

  // Whether anyone holds it (rwsem_is_locked); a snapshot, for assertions.
  bool is_locked() const;
  // Whether a writer holds it; a snapshot, for assertions.
  bool is_write_locked() const;
  // Tell the analysis the caller holds it exclusive / shared.
  void assert_held() const ASSERT_CAPABILITY(this) {}
  void assert_held_shared() const ASSERT_SHARED_CAPABILITY(this) {}

  const char* name() const { return name_; }

 private:
  const char* const name_;
  BlockingCore core_;
  struct Waiter {
    uint64_t ticket;
    bool writer;
  };
  // Whether the waiter with `ticket` may take the semaphore now.
  bool may_enter(uint64_t ticket, bool writer) const;
  void leave_queue(uint64_t ticket);

  // Touched only inside core_ callbacks.
  int readers_ = 0;
  bool writer_ = false;
  uint64_t next_ticket_ = 0;
  // Waiters in arrival order; a few fit inline (most queues are short).
  boost::container::small_vector<Waiter, 4> queue_;
};

// Holds an RwSem exclusive for its scope.
class SCOPED_CAPABILITY WriteLock {
 public:
  explicit WriteLock(RwSem* sem) ACQUIRE(sem) : sem_(sem) { sem_->down_write(); }
  ~WriteLock() RELEASE() { sem_->up_write(); }
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

 private:
  RwSem* const sem_;
};

// Holds an RwSem shared for its scope.
class SCOPED_CAPABILITY ReadLock {
 public:
  explicit ReadLock(RwSem* sem) ACQUIRE_SHARED(sem) : sem_(sem) { sem_->down_read(); }
  ~ReadLock() RELEASE() { sem_->up_read(); }
  ReadLock(const ReadLock&) = delete;
  ReadLock& operator=(const ReadLock&) = delete;

 private:
  RwSem* const sem_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_RWSEM_H_
