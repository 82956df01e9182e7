// SyncAtomic<T>: a sequentially consistent atomic whose every access is a
// scheduling point in explore mode. daxbreak keeps page refcounts, page-table
// entries and extent sequence numbers in SyncAtomics, so that the explorer can
// interleave a GUP-fast reference against an unmap and a scan, as the real
// races do. Same size as std::atomic<T>.
//
// Thread-safety: thread-safe; all operations are seq_cst.

#ifndef DAXBREAK_SYNC_SYNC_ATOMIC_H_
#define DAXBREAK_SYNC_SYNC_ATOMIC_H_

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "daxbreak/sync/scheduler_hook.h"

namespace daxbreak {

template <class T>
class SyncAtomic {
 public:
  constexpr SyncAtomic() : v_() {}
  constexpr explicit SyncAtomic(T v) : v_(v) {}
  SyncAtomic(const SyncAtomic&) = delete;
  SyncAtomic& operator=(const SyncAtomic&) = delete;

  // `what` (a static string) names the access in traces. Under a
  // scheduler, each access also tells it the value before and after
  // (SchedulerHook::note_value()).
  T load(const char* what = "load") const {
    schedule_point(SyncOp::kAtomicLoad, this, what);
    const T v = v_.load();
    note(v, v);
    return v;
  }
  void store(T v, const char* what = "store") {
    schedule_point(SyncOp::kAtomicStore, this, what);
    note(v_.exchange(v), v);
  }
  T exchange(T v, const char* what = "exchange") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    const T old = v_.exchange(v);
    note(old, v);
    return old;
  }
  // Returns the value before the addition.
  T fetch_add(T d, const char* what = "fetch_add") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    const T old = v_.fetch_add(d);
    note(old, static_cast<T>(old + d));
    return old;
  }
  // Returns the value before the subtraction.
  T fetch_sub(T d, const char* what = "fetch_sub") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    const T old = v_.fetch_sub(d);
    note(old, static_cast<T>(old - d));
    return old;
  }
  // Adds `d` unless the value is `u` (atomic_add_unless()); returns whether
  // it added. One scheduling point however often the inner CAS retries.
  bool add_unless(T d, T u, const char* what = "add_unless") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    T cur = v_.load();
    while (cur != u) {
      if (v_.compare_exchange_weak(cur, static_cast<T>(cur + d))) {
        note(cur, static_cast<T>(cur + d));
        return true;
      }
    }
    note(cur, cur);
    return false;
  }
  bool compare_exchange(T& expected, T desired, const char* what = "cmpxchg") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    const T want = expected;
    const bool done = v_.compare_exchange_strong(expected, desired);
    note(done ? want : expected, done ? desired : expected);
    return done;
  }
  // Sets the value before the atomic is shared (no scheduling point).
  void init(T v) { v_.store(v, std::memory_order_relaxed); }
  // A read that is not a scheduling point: for statistics and reports only,
  // never for a decision of the protocol.
  T peek() const { return v_.load(std::memory_order_relaxed); }

 private:
  static uint64_t to_u64(T v) {
    if constexpr (std::is_pointer_v<T>) {
      return reinterpret_cast<uintptr_t>(v);
    } else {
      return static_cast<uint64_t>(v);
    }
  }
  void note(T before, T after) const {
    if (SchedulerHook* h = current_scheduler_hook()) h->note_value(this, to_u64(before), to_u64(after));
  }

  std::atomic<T> v_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_SYNC_ATOMIC_H_
