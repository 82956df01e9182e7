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

#include "daxbreak/sync/scheduler_hook.h"

namespace daxbreak {

template <class T>
class SyncAtomic {
 public:
  constexpr SyncAtomic() : v_() {}
  constexpr explicit SyncAtomic(T v) : v_(v) {}
  SyncAtomic(const SyncAtomic&) = delete;
  SyncAtomic& operator=(const SyncAtomic&) = delete;

  // `what` (a static string) names the access in traces.
  T load(const char* what = "load") const {
    schedule_point(SyncOp::kAtomicLoad, this, what);
    return v_.load();
  }
  void store(T v, const char* what = "store") {
    schedule_point(SyncOp::kAtomicStore, this, what);
    v_.store(v);
  }
  T exchange(T v, const char* what = "exchange") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    return v_.exchange(v);
  }
  // Returns the value before the addition.
  T fetch_add(T d, const char* what = "fetch_add") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    return v_.fetch_add(d);
  }
  // Returns the value before the subtraction.
  T fetch_sub(T d, const char* what = "fetch_sub") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    return v_.fetch_sub(d);
  }
  // Adds `d` unless the value is `u` (atomic_add_unless()); returns whether
  // it added. One scheduling point however often the inner CAS retries.
  bool add_unless(T d, T u, const char* what = "add_unless") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    T cur = v_.load();
    while (cur != u) {
      if (v_.compare_exchange_weak(cur, static_cast<T>(cur + d))) return true;
    }
    return false;
  }
  bool compare_exchange(T& expected, T desired, const char* what = "cmpxchg") {
    schedule_point(SyncOp::kAtomicRmw, this, what);
    return v_.compare_exchange_strong(expected, desired);
  }
  // Sets the value before the atomic is shared (no scheduling point).
  void init(T v) { v_.store(v, std::memory_order_relaxed); }
  // A read that is not a scheduling point: for statistics and reports only,
  // never for a decision of the protocol.
  T peek() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<T> v_;
};

}  // namespace daxbreak

#endif  // DAXBREAK_SYNC_SYNC_ATOMIC_H_
