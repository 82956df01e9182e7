#include "daxbreak/sync/mutex.h"

#include "daxbreak/sync/lockdep.h"

namespace daxbreak {

void Mutex::lock() {
  lockdep_acquire(name_);
  core_.wait(SyncOp::kLock, this, name_, [this] { return !locked_; }, [this] { locked_ = true; });
  lockdep_acquired(name_);
}

void Mutex::unlock() {
  lockdep_release(name_);
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
  if (taken) lockdep_acquired(name_);
  return taken;
}

}  // namespace daxbreak
