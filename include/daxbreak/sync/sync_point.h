// Named sync points, as RocksDB's SyncPoint: code marks places with
// DAXBREAK_SYNC_POINT("name"); a test loads happens-before pairs {A, B}
// ("B may not pass until A has") and callbacks, to force one interleaving of
// real threads. Each point is also a scheduling point in explore mode.
//
// When processing is disabled (the default), a sync point costs one relaxed
// atomic load.
//
// Thread-safety: thread-safe. Callbacks run on the thread that reaches the
// point, with no internal lock held, so they may block or use other primitives.

#ifndef DAXBREAK_SYNC_SYNC_POINT_H_
#define DAXBREAK_SYNC_SYNC_POINT_H_

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daxbreak/sync/blocking_core.h"

namespace daxbreak {

class SyncPoint {
 public:
  // The process-wide registry.
  static SyncPoint& instance();

  // Adds happens-before pairs: for each {predecessor, successor}, a thread
  // reaching `successor` waits until some thread has passed `predecessor`.
  void load_dependency(const std::vector<std::pair<std::string, std::string>>& pairs);
  // Runs `callback` each time a thread reaches `point` (after its
  // predecessors, before it is marked passed). Replaces an earlier one.
  void set_callback(const std::string& point, std::function<void()> callback);
  // Starts / stops acting on points (disabled points pass at once).
  void enable_processing();
  void disable_processing();
  // Forgets dependencies, callbacks and passed points, and disables.
  void reset();
  // Whether some thread has passed `point` since the last reset().
  bool passed(const std::string& point) const;

  // Noise injection for free-mode stress runs, as ConTest-style noise makers
  // do: at every sync point, with probability `per_million` / 1e6, the thread
  // spins for a random time below `max_delay_ns`, widening whatever race
  // window follows the point. It changes timing only, never logic, so a
  // correct protocol stays clean. 0 (the default) turns it off. Explore mode
  // ignores it: its scheduler already chooses every interleaving.
  static void set_noise(uint32_t per_million, uint32_t max_delay_ns);
  // Seeds the calling thread's noise stream (a thread that never calls it
  // gets a stream from its stack address). Stress runs give each worker
  // run_seed ^ a fixed stream number, so --seed fixes every choice.
  static void seed_noise(uint64_t seed);

  // What DAXBREAK_SYNC_POINT expands to.
  static void process_point(const char* point) {
    if (current_scheduler_hook() != nullptr) {
      schedule_point(SyncOp::kSyncPoint, nullptr, point);
    } else if (noise_per_million_.load(std::memory_order_relaxed) != 0) {
      inject_noise();
    }
    if (enabled_.load(std::memory_order_relaxed)) instance().process(point);
  }

 private:
  SyncPoint() = default;
  void process(const char* point);
  static void inject_noise();
  static uint64_t& noise_state();

  static std::atomic<bool> enabled_;
  static std::atomic<uint32_t> noise_per_million_;
  static std::atomic<uint32_t> noise_max_delay_ns_;
  BlockingCore core_;
  // Touched only inside core_ callbacks.
  std::map<std::string, std::vector<std::string>> predecessors_;
  std::map<std::string, std::function<void()>> callbacks_;
  std::set<std::string> passed_;
};

}  // namespace daxbreak

#define DAXBREAK_SYNC_POINT(name) ::daxbreak::SyncPoint::process_point(name)

#endif  // DAXBREAK_SYNC_SYNC_POINT_H_
