// Checker: collects every violation the model reports (the ViolationSink of
// every layer), counts them by kind, keeps the first `cap` in full, and
// renders them as text or JSON.
//
// Thread-safety: thread-safe.

#ifndef DAXBREAK_CHECK_CHECKER_H_
#define DAXBREAK_CHECK_CHECKER_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/violation.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

class Checker : public ViolationSink {
 public:
  // Keeps at most `cap` violations in full; counts all of them.
  explicit Checker(size_t cap = 100);

  // The name of the lock report() takes. Under a controlled scheduler each
  // report() locks it at one scheduling point, in the order violations() keeps
  // them, so a trace shows where each violation was found (TraceEventsJson()).
  static constexpr const char* kLockName = "checker";

  // ViolationSink.
  void report(Violation v) override EXCLUDES(mu_);

  // Violations in all, and of one kind.
  uint64_t violation_count() const { return total_.load(std::memory_order_acquire); }
  uint64_t count(ViolationKind kind) const;
  // Restarts the clock of first_violation_ns() (call when the run starts).
  void restart_clock();
  // Nanoseconds from construction (or restart_clock()) to the first
  // violation; -1 if none.
  int64_t first_violation_ns() const { return first_ns_.load(std::memory_order_acquire); }
  // The kept violations, in report order.
  std::vector<Violation> violations() const EXCLUDES(mu_);

  // {"violation_count": N, "by_kind": {...}, "by_severity": {"warn", "data"},
  //  "first_violation_seconds": s|null,
  //  "violations": [{"kind", "severity", "pfn", "ino", "file_offset", "thread", "detail"}...]}
  nlohmann::json to_json() const;
  // One line per kept violation, then "... and N more" if capped.
  std::string to_text() const;

 private:
  const size_t cap_;
  std::atomic<int64_t> start_ns_{0};  // steady_clock since epoch.
  std::atomic<uint64_t> total_{0};
  std::array<std::atomic<uint64_t>, kViolationKinds> by_kind_{};
  std::atomic<int64_t> first_ns_{-1};
  mutable Mutex mu_{kLockName};
  std::vector<Violation> kept_ GUARDED_BY(mu_);
};

// Puts the violation fields every run report has into `doc`:
// violation_count (`count`), violations_by_kind, violations_by_severity,
// first_violation_seconds and violations, from `violations`, a
// Checker::to_json() (an empty object gives empty fields).
void AddViolationFields(const nlohmann::json& violations, uint64_t count, nlohmann::json* doc);

}  // namespace daxbreak

#endif  // DAXBREAK_CHECK_CHECKER_H_
