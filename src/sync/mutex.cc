#include "daxbreak/sync/mutex.h"

namespace daxbreak {

void Mutex::lock() {
  core_.wait(SyncOp::kLock, this, name_, [this] { return !locked_; }, [this] { locked_ = true; });
}

void Mutex::unlock() {
  core_.release(SyncOp::kUnlock, this, name_, [this] { locked_ = false; });
}

bool Mutex::try_lock() {
  bool taken = false;
  core_.change(SyncOp::kLock, this, name_, [&] {
    if (!locked_) {
      locked_ = true;
      taken = true;
    }
  });
  return taken;
}

}  // namespace daxbreak
