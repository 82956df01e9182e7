#include "daxbreak/sync/sync_point.h"

namespace daxbreak {

std::atomic<bool> SyncPoint::enabled_{false};
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
