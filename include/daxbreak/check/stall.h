// Stalls: a layout change that makes no progress is a finding, and the steps
// that release it tell why it slept. The same steps run against the model
// (stress) and against a real kernel (kernel mode), so the two are compared
// by the same words.
//
// The order of the steps, and what each one proves:
//   1. where it sleeps (the kernel's wchan and stack; the model's wait);
//   2. stop the DIO threads: if the change now completes, it was only starved
//      by a stream of new pins (released when the I/O stopped);
//   3. send the sleeper a signal whose handler does nothing (no SA_RESTART).
//      ___wait_var_event() tests its condition before it looks at the signal,
//      so a return of 0 means the condition already held and only the wake
//      was missing (a lost wake-up); EINTR means the page is still busy;
//   4. munmap the mapping and run the change again: if it completes now, a
//      page-table mapping held the reference it waited for (the 6.15+
//      re-fault stall); if not, the page is still busy with no I/O and no
//      mapping (a leaked reference).
// Source: docs/kernel-mode.md, 'Stall classification', and docs/protocol.md,
// 'Real kernels' (what Linux 6.1 and 6.17 showed); the ___wait_var_event()
// loop of include/linux/wait_bit.h.
//
// Thread-safety: LayoutWatch is shared by one layout thread and one
// watchdog (atomics, and a Mutex for the latency histogram). ClassifyStall() runs on the watchdog's thread.

#ifndef DAXBREAK_CHECK_STALL_H_
#define DAXBREAK_CHECK_STALL_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daxbreak/base/violation.h"
#include "daxbreak/check/latency_histogram.h"
#include "daxbreak/sync/mutex.h"
#include "daxbreak/sync/thread_annotations.h"

namespace daxbreak {

enum class StallCause {
  kReleasedByStoppingIo,  // Step 2 released it: starved, not stuck.
  kLostWakeup,            // Step 3 returned 0.
  kMappingHeldReference,  // Step 4 released it.
  kStillBusy,             // Nothing released it (or the signal did not end the sleep).
};
// "released when the I/O stopped", "lost wake-up", "mapping held a reference",
// "still busy".
std::string_view StallCauseName(StallCause cause);

// What the classification saw. `steps` has one line per step taken, in order.
struct StallFinding {
  std::string op;                  // The layout change that stalled ("truncate").
  double stalled_seconds = 0;      // How long it had made no progress at step 1.
  std::string where;               // wchan (+ stack) or the model's wait.
  std::vector<std::string> steps;
  std::optional<int> signal_result;  // 0 or an errno (EINTR) when the signal ended the sleep.
  StallCause cause = StallCause::kStillBusy;

  nlohmann::json to_json() const;
  // "truncate stalled 5.0 s in ext4_break_layouts: lost wake-up (...)".
  std::string summary() const;
  // The `stall` violation of this finding, by the layout thread, on `ino`.
  Violation violation(uint32_t ino) const;
};

// The lines a report prints for a stall (`stall` as to_json() gave it):
// "\nstall   OP made no progress ...", where, each step, the cause.
std::string StallText(const nlohmann::json& stall);

// The step decision alone, for tests and for both runners: what the outcomes
// of steps 2 to 4 mean. `released_by_io_stop`: step 2 ended it; `signal`: the
// sleeper's return value after step 3 (nullopt: still asleep);
// `released_by_munmap`: step 4 ended it.
StallCause ClassifyStallOutcome(bool released_by_io_stop, std::optional<int> signal,
                                bool released_by_munmap);

// The layout thread's side: it brackets each change with begin()/end(), and
// between changes asks hold() whether the watchdog has taken it over. All
// times are steady-clock nanoseconds.
class LayoutWatch {
 public:
  // A change named `op` starts (`op` must be a static string).
  void begin(const char* op);
  // It returned `result` (0 or an errno); its duration goes into latency().
  void end(int result);
  // A copy of the durations of every change that returned (ns). Any thread.
  LatencyHistogram latency() const;
  // Nanoseconds the running change has made no progress (0 when none runs).
  int64_t busy_ns() const;
  // The longest change that returned, or the running one if it is longer
  // (a stall shows here), in nanoseconds. Written by the layout thread only.
  int64_t longest_ns() const { return std::max(longest_ns_.load(std::memory_order_acquire), busy_ns()); }
  const char* op() const { return op_.load(std::memory_order_acquire); }
  // The watchdog takes the thread over: after the running change returns,
  // the thread starts no new one except on request_retry().
  void hold() { hold_.store(true, std::memory_order_release); }
  bool held() const { return hold_.load(std::memory_order_acquire); }
  // Whether the change of the latest begin() has returned, and with what.
  bool done() const { return busy_since_ns_.load(std::memory_order_acquire) == 0; }
  int last_result() const { return last_result_.load(std::memory_order_acquire); }
  // How many changes have returned so far.
  uint64_t ends() const { return ends_.load(std::memory_order_acquire); }
  // The watchdog asks for the change to run once more; the thread polls
  // take_retry() while held.
  void request_retry() { retries_.fetch_add(1, std::memory_order_acq_rel); }
  bool take_retry();

 private:
  std::atomic<int64_t> busy_since_ns_{0};
  std::atomic<const char*> op_{""};
  std::atomic<int> last_result_{0};
  std::atomic<bool> hold_{false};
  std::atomic<uint32_t> retries_{0};
  std::atomic<uint32_t> retries_taken_{0};
  std::atomic<uint64_t> ends_{0};
  std::atomic<int64_t> longest_ns_{0};
  mutable Mutex latency_mu_{"layout_latency"};
  LatencyHistogram latency_ GUARDED_BY(latency_mu_);
};

// The runner's side of the steps (kernel mode: real threads and system calls;
// the model: its tasks). Each call returns at once; ClassifyStall() polls.
class StallProbe {
 public:
  virtual ~StallProbe() = default;
  virtual std::string where() = 0;  // Step 1.
  virtual void stop_io() = 0;       // Step 2: stop the DIO threads and wait for them.
  virtual void send_signal() = 0;   // Step 3, to the layout thread only.
  virtual void unmap() = 0;         // Step 4: munmap the victim's mapping.
};

// Runs the steps on the change `watch` shows stalled, `stalled_for` long.
// Each wait for a step's effect lasts up to `step_timeout`. Afterwards the
// layout thread is still held: the caller stops the run.
StallFinding ClassifyStall(LayoutWatch& watch, StallProbe& probe, std::chrono::nanoseconds stalled_for,
                           std::chrono::nanoseconds step_timeout);

}  // namespace daxbreak

#endif  // DAXBREAK_CHECK_STALL_H_
