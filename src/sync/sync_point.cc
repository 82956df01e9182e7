#include "daxbreak/sync/sync_point.h"

#include <chrono>

namespace daxbreak {

std::atomic<bool> SyncPoint::enabled_{false};
std::atomic<uint32_t> SyncPoint::noise_per_million_{0};
std::atomic<uint32_t> SyncPoint::noise_max_delay_ns_{0};

void SyncPoint::set_noise(uint32_t per_million, uint32_t max_delay_ns) {
  noise_max_delay_ns_.store(max_delay_ns, std::memory_order_relaxed);
  noise_per_million_.store(per_million, std::memory_order_relaxed);
}

uint64_t& SyncPoint::noise_state() {
  thread_local uint64_t state = 0x9E3779B97F4A7C15ULL ^ reinterpret_cast<uintptr_t>(&state);
  return state;
}

void SyncPoint::seed_noise(uint64_t seed) {
  // xorshift must not start at 0.
  noise_state() = seed != 0 ? seed : 0x9E3779B97F4A7C15ULL;
}

void SyncPoint::inject_noise() {
  // xorshift64*, one stream per thread.
  uint64_t& state = noise_state();
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  const uint64_t r = state * 0x2545F4914F6CDD1DULL;
  const uint32_t max_ns = noise_max_delay_ns_.load(std::memory_order_relaxed);
  if (max_ns == 0 || r % 1000000 >= noise_per_million_.load(std::memory_order_relaxed)) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds((r >> 24) % max_ns);
  while (std::chrono::steady_clock::now() < until) {
  }
}
SyncPoint& SyncPoint::instance() {
  static SyncPoint* registry = new SyncPoint();  // Never destroyed: points may fire at exit.
  return *registry;
}

void SyncPoint::load_dependency(const std::vector<std::pair<std::string, std::string>>& pairs) {
  core_.change(SyncOp::kSyncPoint, this, "load_dependency", [&] {
    for (const auto& [pred, succ] : pairs) predecessors_[succ].push_back(pred);
  });
}

void SyncPoint::set_callback(const std::string& point, std::function<void()> callback) {
  core_.change(SyncOp::kSyncPoint, this, "set_callback",
               [&] { callbacks_[point] = std::move(callback); });
}

void SyncPoint::enable_processing() { enabled_.store(true); }
void SyncPoint::disable_processing() { enabled_.store(false); }

void SyncPoint::reset() {
  disable_processing();
  core_.change(SyncOp::kSyncPoint, this, "reset", [&] {
    predecessors_.clear();
    callbacks_.clear();
    passed_.clear();
  });
}

bool SyncPoint::passed(const std::string& point) const {
  return core_.read([&] { return passed_.count(point) > 0; });
}

void SyncPoint::process(const char* point) {
  const std::string name(point);
  std::function<void()> callback;
  core_.wait(
      SyncOp::kSyncPoint, this, point,
      [&] {
        auto it = predecessors_.find(name);
        if (it == predecessors_.end()) return true;
        for (const std::string& pred : it->second) {
          if (passed_.count(pred) == 0) return false;
        }
        return true;
      },
      [&] {
        auto it = callbacks_.find(name);
        if (it != callbacks_.end()) callback = it->second;
      });
  if (callback) callback();
  core_.change(SyncOp::kSyncPoint, this, point, [&] { passed_.insert(name); });
}

}  // namespace daxbreak
