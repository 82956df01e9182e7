// Journal: jbd2's running transaction as far as the zero-range deadlock of
// docs/models/journal.md needs. A handle (jbd2_journal_start() ..
// jbd2_journal_stop()) joins the running transaction; a commit locks the
// transaction, so that no new handle starts, and waits until every open
// handle has stopped. That is the shape of a reader-writer semaphore served
// in arrival order, and it is modeled as one (RwSem "jbd2_handle"): a handle
// is a shared hold, a commit an exclusive one, and a handle that starts while
// a commit waits queues behind it.
//
// Not modeled: nested handles of one task (journal_info), credits, the
// transaction's states beyond running/locked.
//
// Thread-safety: thread-safe.

#ifndef DAXBREAK_FS_JOURNAL_H_
#define DAXBREAK_FS_JOURNAL_H_

#include <atomic>
#include <cstdint>

#include "daxbreak/sync/rwsem.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

class Journal {
 public:
  Journal() = default;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // jbd2_journal_start(): waits while a commit has the transaction locked.
  // (A handle guards no field, so it carries no thread-safety annotation;
  // its order against other locks is what the lock-order checker sees.)
  void start() NO_THREAD_SAFETY_ANALYSIS { handles_.down_read(); }
  // jbd2_journal_stop(): the handle leaves the transaction.
  void stop() NO_THREAD_SAFETY_ANALYSIS { handles_.up_read(); }
  // jbd2_journal_commit_transaction(): locks the running transaction, waits
  // for its open handles, commits it.
  void commit() EXCLUDES(handles_);
  // Commits done (for reports and tests).
  uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

 private:
  RwSem handles_{"jbd2_handle"};
  std::atomic<uint64_t> commits_{0};
};

}  // namespace daxbreak

#endif  // DAXBREAK_FS_JOURNAL_H_
