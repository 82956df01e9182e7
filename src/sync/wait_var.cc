#include "daxbreak/sync/wait_var.h"

namespace daxbreak {

WaitTable& WaitTable::global() {
  static WaitTable* table = new WaitTable();  // Never destroyed: threads may wake at exit.
  return *table;
}

WaitTable& WaitTable::current() {
  if (SchedulerHook* h = current_scheduler_hook()) {
    if (WaitTable* t = h->wait_table()) return *t;
  }
  return global();
}

uint32_t WaitTable::bucket_of(const void* key) {
  // Fibonacci hashing of the address, as hash_ptr() does.
  const uint64_t v = reinterpret_cast<uintptr_t>(key) * 0x9E3779B97F4A7C15ULL;
  return static_cast<uint32_t>(v >> (64 - kBits));
}

WaitQueueEntry::WaitQueueEntry(const void* key)
    : table_(&WaitTable::current()), key_(key), bucket_(WaitTable::bucket_of(key)) {
  schedule_point(SyncOp::kWait, key, "prepare_to_wait");
  WaitTable::Queue& q = table_->queues_[bucket_];
  q.core.update([&] {
    WaitTable::KeyState& k = q.keys[key_];
    ++k.waiters;
    wakes_at_join_ = k.wakes;
  });
}

WaitQueueEntry::~WaitQueueEntry() {
  WaitTable::Queue& q = table_->queues_[bucket_];
  q.core.update([&] {
    auto it = q.keys.find(key_);
    if (--it->second.waiters == 0) q.keys.erase(it);
  });
}

void WaitQueueEntry::schedule(bool interruptible, const char* what) const {
  WaitTable::Queue& q = table_->queues_[bucket_];
  Task& self = Task::current();
  q.core.wait(
      SyncOp::kWait, key_, what,
      [&] {
        return q.keys.find(key_)->second.wakes != wakes_at_join_ ||
               (interruptible && self.signal_pending());
      },
      [] {});
}

void wake_up_var(const void* key) {
  WaitTable& table = WaitTable::current();
  WaitTable::Queue& q = table.queues_[WaitTable::bucket_of(key)];
  q.core.change(SyncOp::kWake, key, "wake_up_var", [&] {
    auto it = q.keys.find(key);
    if (it != q.keys.end()) ++it->second.wakes;
  });
}

void wake_up_all_var_waiters() {
  // In explore mode a sleeper's readiness includes its signal flag, which the
  // scheduler evaluates at every pick: nothing to do.
  if (current_scheduler_hook() != nullptr) return;
  // In free mode a change wakes every sleeper of the queue to re-test its
  // condition, which includes the signal.
  for (WaitTable::Queue& q : WaitTable::global().queues_) {
    q.core.change(SyncOp::kWake, &q, "signal_wake_up", [] {});
  }
}

void wait_entry_unlocked(Mutex& xa_lock, const void* key) {
  const WaitQueueEntry entry(key);
  xa_lock.unlock();
  entry.schedule(/*interruptible=*/false);
  xa_lock.lock();
}

}  // namespace daxbreak
