#include "daxbreak/sync/rwsem.h"

#include <algorithm>

#include "daxbreak/sync/lockdep.h"

namespace daxbreak {

bool RwSem::may_enter(uint64_t ticket, bool writer) const {
  if (writer_) return false;
  if (writer) return readers_ == 0 && !queue_.empty() && queue_.front().ticket == ticket;
  // A reader goes in when every waiter ahead of it is a reader.
  for (const Waiter& w : queue_) {
    if (w.ticket == ticket) return true;
    if (w.writer) return false;
  }
  return false;
}

void RwSem::leave_queue(uint64_t ticket) {
  queue_.erase(std::find_if(queue_.begin(), queue_.end(),
                            [ticket](const Waiter& w) { return w.ticket == ticket; }));
}

void RwSem::down_write() {
  lockdep_acquire(name_);
  uint64_t ticket = 0;
  core_.enqueue_and_wait(
      SyncOp::kLock, this, name_,
      [&] {
        ticket = next_ticket_++;
        queue_.push_back(Waiter{ticket, true});
      },
      [&] { return may_enter(ticket, true); },
      [&] {
        leave_queue(ticket);
        writer_ = true;
      },
      [&] { leave_queue(ticket); });
  lockdep_acquired(name_);
}

void RwSem::up_write() {
  lockdep_release(name_);
  core_.release(SyncOp::kUnlock, this, name_, [this] { writer_ = false; });
}

void RwSem::down_read() {
  lockdep_acquire(name_);
  uint64_t ticket = 0;
  core_.enqueue_and_wait(
      SyncOp::kLockShared, this, name_,
      [&] {
        ticket = next_ticket_++;
        queue_.push_back(Waiter{ticket, false});
      },
      [&] { return may_enter(ticket, false); },
      [&] {
        leave_queue(ticket);
        ++readers_;
      },
      [&] { leave_queue(ticket); });
  lockdep_acquired(name_);
}

void RwSem::up_read() {
  lockdep_release(name_);
  core_.release(SyncOp::kUnlockShared, this, name_, [this] { --readers_; });
}

bool RwSem::is_locked() const {
  return core_.read([this] { return writer_ || readers_ > 0; });
}

bool RwSem::is_write_locked() const {
  return core_.read([this] { return writer_; });
}

}  // namespace daxbreak
