#include "daxbreak/sync/wait_var.h"

#include <array>
#include <cstdint>
#include <unordered_map>

#include "daxbreak/sync/blocking_core.h"

namespace daxbreak {
namespace {

// One hashed wait queue: the kernel's wait_bit_table bucket. In free mode a
// wake wakes the whole bucket and waiters re-test their condition. In explore
// mode wakes are matched to the exact key, so that a run does not depend on
// which addresses happen to share a bucket (a replayed schedule must run the
// same way in another process).
struct WaitQueue {
  BlockingCore core;
  uint64_t generation = 0;  // Wake count; touched only inside core callbacks.
  std::unordered_map<const void*, uint64_t> key_generation;  // Explore mode only.
};

constexpr uint32_t kWaitTableBits = 8;
constexpr uint32_t kWaitTableSize = 1u << kWaitTableBits;

std::array<WaitQueue, kWaitTableSize>& wait_table() {
  static std::array<WaitQueue, kWaitTableSize> table;
  return table;
}

uint32_t hash_key(const void* key) {
  // Fibonacci hashing of the address, as hash_ptr() does.
  const uint64_t v = reinterpret_cast<uintptr_t>(key) * 0x9E3779B97F4A7C15ULL;
  return static_cast<uint32_t>(v >> (64 - kWaitTableBits));
}

}  // namespace

WaitTicket prepare_to_wait_var(const void* key) {
  WaitTicket ticket;
  ticket.key = key;
  ticket.bucket = hash_key(key);
  WaitQueue& q = wait_table()[ticket.bucket];
  // A scheduling point, then a read of the wake count.
  schedule_point(SyncOp::kWait, key, "prepare_to_wait");
  if (current_scheduler_hook() != nullptr) {
    ticket.generation = q.key_generation[key];
  } else {
    ticket.generation = q.core.read([&q] { return q.generation; });
  }
  return ticket;
}

void schedule_wait(const WaitTicket& ticket, bool interruptible) {
  WaitQueue& q = wait_table()[ticket.bucket];
  Task& self = Task::current();
  if (current_scheduler_hook() != nullptr) {
    q.core.wait(
        SyncOp::kWait, ticket.key, "schedule",
        [&] {
          return q.key_generation[ticket.key] != ticket.generation ||
                 (interruptible && self.signal_pending());
        },
        [] {});
    return;
  }
  q.core.wait(
      SyncOp::kWait, ticket.key, "schedule",
      [&] {
        return q.generation != ticket.generation || (interruptible && self.signal_pending());
      },
      [] {});
}

void wake_up_var(const void* key) {
  WaitQueue& q = wait_table()[hash_key(key)];
  const bool explore = current_scheduler_hook() != nullptr;
  q.core.change(SyncOp::kWake, key, "wake_up_var", [&q, key, explore] {
    ++q.generation;
    if (explore) ++q.key_generation[key];
  });
}

void wake_up_all_var_waiters() {
  // In explore mode a sleeper's readiness includes its signal flag, which the
  // scheduler evaluates at every pick: one scheduling point is enough.
  if (current_scheduler_hook() != nullptr) {
    schedule_point(SyncOp::kWake, nullptr, "signal_wake_up");
    return;
  }
  for (WaitQueue& q : wait_table()) {
    q.core.change(SyncOp::kWake, &q, "signal_wake_up", [&q] { ++q.generation; });
  }
}

void wait_entry_unlocked(Mutex& xa_lock, const void* key) {
  const WaitTicket ticket = prepare_to_wait_var(key);
  xa_lock.unlock();
  schedule_wait(ticket, /*interruptible=*/false);
  xa_lock.lock();
}

}  // namespace daxbreak
